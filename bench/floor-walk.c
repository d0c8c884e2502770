// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/floor-walk ROOT: the floor for P1 (discovery at scale). The least work that reads what
 * `vfioctl list` reads for every PCI device and IOMMU group under ROOT (a fixture tree, or /):
 * per device vendor, device, subsystem ids, class, driver, driver_override, numa_node,
 * reset_method, 256 bytes of config space, physfn, sriov_totalvfs/numvfs, iommu_group and
 * the device's place in the hierarchy; per group type, reserved_regions and its member list.
 * No names, no sorting, no viability logic: one line per device to stdout.
 *
 * It reads through directory fds (openat/readlinkat) with plain read(2): what a tool that
 * cared only about speed would do. Anything slower than this is overhead a tool chose.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char out[1 << 16];
static size_t outn;

static void emit(const char *s, size_t n)
{
	if (outn + n > sizeof(out)) {
		if (write(1, out, outn) < 0)
			exit(1);
		outn = 0;
	}
	memcpy(out + outn, s, n);
	outn += n;
}

/* Read a small attribute into buf (NUL-terminated, trailing newline stripped); "" if absent. */
static size_t attr(int dfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return 0;
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return (size_t)n;
}

static const char *link_base(int dfd, const char *name, char *buf, size_t len)
{
	ssize_t n = readlinkat(dfd, name, buf, len - 1);
	char *s;

	if (n < 0)
		return "";
	buf[n] = '\0';
	s = strrchr(buf, '/');
	return s ? s + 1 : buf;
}

static size_t ngroups_seen;
static unsigned char *group_seen;

static void walk_group(int groups_fd, const char *g)
{
	char type[64], resv[4096];
	long id = strtol(g, NULL, 10);
	int gfd, mfd;
	DIR *md;
	struct dirent *de;
	size_t members = 0;

	if (id < 0 || id > 1 << 20)
		return;
	if ((size_t)id >= ngroups_seen) {
		size_t n = (size_t)id * 2 + 64;

		group_seen = realloc(group_seen, n);
		if (!group_seen)
			exit(1);
		memset(group_seen + ngroups_seen, 0, n - ngroups_seen);
		ngroups_seen = n;
	}
	if (group_seen[id]++)
		return;
	gfd = openat(groups_fd, g, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (gfd < 0)
		return;
	attr(gfd, "type", type, sizeof(type));
	attr(gfd, "reserved_regions", resv, sizeof(resv));
	mfd = openat(gfd, "devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	md = mfd >= 0 ? fdopendir(mfd) : NULL;
	while (md && (de = readdir(md)))
		if (de->d_name[0] != '.')
			members++;
	if (md)
		closedir(md);
	close(gfd);
	char line[128];
	int n = snprintf(line, sizeof(line), "group %s %s %zu\n", g, type, members);

	emit(line, (size_t)n);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	int devs_fd, groups_fd;
	DIR *dd;
	struct dirent *de;

	if (argc != 2) {
		fprintf(stderr, "usage: floor-walk ROOT\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", argv[1]);
	devs_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups", argv[1]);
	groups_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devs_fd < 0 || !(dd = fdopendir(dup(devs_fd)))) {
		perror(path);
		return 1;
	}
	while ((de = readdir(dd))) {
		char v[16], d[16], sv[16], sd[16], cls[16], ovr[256], numa[16], rm[64], tot[16],
			num[16], cfg[256], drvb[PATH_MAX], physb[PATH_MAX], grpb[PATH_MAX],
			selfb[PATH_MAX], line[1024];
		const char *drv, *phys, *grp;
		int dfd, fd, n;

		if (de->d_name[0] == '.')
			continue;
		dfd = openat(devs_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		attr(dfd, "vendor", v, sizeof(v));
		attr(dfd, "device", d, sizeof(d));
		attr(dfd, "subsystem_vendor", sv, sizeof(sv));
		attr(dfd, "subsystem_device", sd, sizeof(sd));
		attr(dfd, "class", cls, sizeof(cls));
		drv = link_base(dfd, "driver", drvb, sizeof(drvb));
		attr(dfd, "driver_override", ovr, sizeof(ovr));
		attr(dfd, "numa_node", numa, sizeof(numa));
		attr(dfd, "reset_method", rm, sizeof(rm));
		fd = openat(dfd, "config", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, cfg, sizeof(cfg)) < 0)
				cfg[0] = 0;
			close(fd);
		}
		phys = link_base(dfd, "physfn", physb, sizeof(physb));
		attr(dfd, "sriov_totalvfs", tot, sizeof(tot));
		attr(dfd, "sriov_numvfs", num, sizeof(num));
		grp = link_base(dfd, "iommu_group", grpb, sizeof(grpb));
		link_base(devs_fd, de->d_name, selfb, sizeof(selfb));
		close(dfd);
		n = snprintf(line, sizeof(line), "%s %s %s:%s %s:%s %s %s %s %s %s\n", de->d_name,
			     cls, v, d, sv, sd, *drv ? drv : "-", *grp ? grp : "-",
			     *phys ? phys : "-", *rm ? rm : "-", *numa ? numa : "-");
		emit(line, (size_t)n);
		if (*grp && groups_fd >= 0)
			walk_group(groups_fd, grp);
	}
	closedir(dd);
	if (outn && write(1, out, outn) < 0)
		return 1;
	return 0;
}
