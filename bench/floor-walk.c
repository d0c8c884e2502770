// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/floor-walk [--basic|--groups|--holders] ROOT: the floor for P1 and P6 (discovery at scale). The least work that
 * reads what vfioctl reads for every PCI device and IOMMU group under ROOT (a fixture tree,
 * or /), and nothing else: no names, no sorting, no viability logic, one line per device.
 *
 *   full     what `vfioctl list --devices -J` reads: per device
 *            vendor, device, subsystem ids and class (all five from the uevent file), driver,
 *            driver_override, numa_node, reset_method, config space (one read of the file:
 *            ACS and SR-IOV are extended capabilities), physfn, sriov_totalvfs/numvfs (only
 *            when config space has the SR-IOV capability or is too short to tell),
 *            iommu_group and its own link (its place in the hierarchy); per group type and
 *            its member list (no reserved_regions, no holders: no device column shows them).
 *   --basic  what `vfioctl list` with its default columns reads (VFC_SCAN_BASIC): per device
 *            vendor, device and class (from uevent), driver and iommu_group; per group type
 *            and members.
 *   --groups what `vfioctl -J list` reads: the full set, and per group its reserved_regions
 *            (one openat of "N/reserved_regions" and one read), and the holders (below).
 *   --holders what the holder scan reads (P6): every /proc/PID/fd link under ROOT/proc
 *            (getdents64 of /proc and of each PID/fd, one readlinkat per fd relative to the
 *            fd directory), printing the ones that name /dev/vfio/; no sysfs.
 *   --holders-list  the same walk without the readlinkat: what a scan that read no link
 *            would still pay (opening and listing every fd directory), to part the floor's
 *            cost into per-process and per-fd work (bench/README.md, P6 fourth pass).
 *   --holders-stat  only an openat, fstat and close of every PID/fd: the cost of a check
 *            per process that reads no fd at all (what a "skip this process" test pays).
 *
 * Every read is as cheap as the kernel allows: each device directory opened once (O_PATH),
 * attributes by openat and one read(2), group files by "N/name" from the groups directory,
 * member lists by getdents64 without stdio. What a tool that cared only about speed would do:
 * anything slower than this is overhead a tool chose.
 */
#define _GNU_SOURCE	/* O_PATH, getdents64 (mk/bench.mk builds the floors with libc alone) */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Entries of a directory but . and ..: getdents64 into a buffer, no DIR. */
static size_t count_entries(int dfd, const char *name)
{
	char buf[8192] __attribute__((aligned(8)));
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t count = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const void *)(buf + off);

			off += de->d_reclen;
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				count++;
		}
	close(fd);
	return count;
}

/* "KEY=" value in a uevent text, up to its newline, into buf; "" if absent. */
static const char *uevent_value(const char *ue, const char *key, char *buf, size_t len)
{
	const char *p = strstr(ue, key);
	size_t n = 0;

	if (p)
		for (p += strlen(key); p[n] && p[n] != '\n' && n + 1 < len; n++)
			buf[n] = p[n];
	buf[n] = '\0';
	return buf;
}

/* Has config space (n bytes) the SR-IOV extended capability? Too short to tell: yes. */
static int may_have_sriov(const unsigned char *cfg, ssize_t n)
{
	unsigned pos = 0x100;
	int ttl = 480;

	if (n <= 256)
		return 1;
	while (pos && pos + 4 <= (size_t)n && ttl--) {
		unsigned hdr = cfg[pos] | cfg[pos + 1] << 8 | cfg[pos + 2] << 16 |
			       (unsigned)cfg[pos + 3] << 24;

		if (hdr == 0 || hdr == 0xffffffff)
			return 0;
		if ((hdr & 0xffff) == 0x10)
			return 1;
		pos = (hdr >> 20) & 0xffc;
	}
	return 0;
}

static int basic, groups_resv;
static size_t ngroups_seen;
static unsigned char *group_seen;

static void walk_group(int groups_fd, const char *g)
{
	char type[64], path[64], line[128];
	long id = strtol(g, NULL, 10);
	size_t members;
	int n;

	if (id < 0 || id > 1 << 20)
		return;
	if ((size_t)id >= ngroups_seen) {
		size_t nsize = (size_t)id * 2 + 64;

		group_seen = realloc(group_seen, nsize);
		if (!group_seen)
			exit(1);
		memset(group_seen + ngroups_seen, 0, nsize - ngroups_seen);
		ngroups_seen = nsize;
	}
	if (group_seen[id]++)
		return;
	snprintf(path, sizeof(path), "%ld/type", id);
	attr(groups_fd, path, type, sizeof(type));
	snprintf(path, sizeof(path), "%ld/devices", id);
	members = count_entries(groups_fd, path);
	if (groups_resv) {
		char resv[4096];

		snprintf(path, sizeof(path), "%ld/reserved_regions", id);
		attr(groups_fd, path, resv, sizeof(resv));
	}
	n = snprintf(line, sizeof(line), "group %s %s %zu\n", g, type, members);
	emit(line, (size_t)n);
}

/* Every fd link of every process under ROOT/proc; prints those on /dev/vfio/. */
enum holders_mode { HOLDERS_LINKS, HOLDERS_LIST, HOLDERS_STAT };

static void walk_holders(const char *root, enum holders_mode mode)
{
	char path[PATH_MAX], buf[16384] __attribute__((aligned(8)));
	int proc_fd, fd;
	ssize_t nread;

	snprintf(path, sizeof(path), "%s/proc", root);
	proc_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		return;
	while ((nread = getdents64(proc_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < nread;) {
			const struct dirent64 *de = (const void *)(buf + off);
			char fdbuf[8192] __attribute__((aligned(8)));
			char name[64];
			ssize_t n;

			off += de->d_reclen;
			if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
			    strlen(de->d_name) > sizeof(name) - 4)
				continue;
			snprintf(name, sizeof(name), "%s/fd", de->d_name);
			fd = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (mode == HOLDERS_STAT) {
				struct stat st;

				if (!fstat(fd, &st) && st.st_nlink == 0)
					emit("?\n", 2);	/* keeps the fstat */
				close(fd);
				continue;
			}
			while ((n = getdents64(fd, fdbuf, sizeof(fdbuf))) > 0)
				for (ssize_t o = 0; o < n;) {
					const struct dirent64 *fe = (const void *)(fdbuf + o);
					char target[128], line[256];
					ssize_t k;

					o += fe->d_reclen;
					if (fe->d_name[0] == '.' || mode == HOLDERS_LIST)
						continue;
					k = readlinkat(fd, fe->d_name, target, sizeof(target) - 1);
					if (k < 10 || memcmp(target, "/dev/vfio/", 10))
						continue;
					target[k] = '\0';
					k = snprintf(line, sizeof(line), "%s %s\n", de->d_name, target);
					emit(line, (size_t)k);
				}
			close(fd);
		}
	}
	close(proc_fd);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], buf[8192] __attribute__((aligned(8)));
	int devs_fd, groups_fd, fd;
	const char *root;
	ssize_t nread;

	if (argc == 3 && !strcmp(argv[1], "--basic")) {
		basic = 1;
		root = argv[2];
	} else if (argc == 3 && !strcmp(argv[1], "--groups")) {
		groups_resv = 1;
		root = argv[2];
	} else if (argc == 3 && !strncmp(argv[1], "--holders", 9) &&
		   (!argv[1][9] || !strcmp(argv[1] + 9, "-list") || !strcmp(argv[1] + 9, "-stat"))) {
		walk_holders(argv[2], !argv[1][9] ? HOLDERS_LINKS :
			     argv[1][10] == 'l' ? HOLDERS_LIST : HOLDERS_STAT);
		if (outn && write(1, out, outn) < 0)
			return 1;
		return 0;
	} else if (argc == 2) {
		root = argv[1];
	} else {
		fprintf(stderr, "usage: floor-walk [--basic|--groups|--holders[-list|-stat]] ROOT\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups", root);
	groups_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root);
	devs_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = devs_fd < 0 ? -1 : openat(devs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	while ((nread = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < nread;) {
			const struct dirent64 *de = (const void *)(buf + off);
			char ue[1024], id[16], sid[16] = "", cls[16], ovr[256] = "",
				numa[16] = "", rm[64] = "", tot[16], num[16],
				drvb[PATH_MAX], physb[PATH_MAX], grpb[PATH_MAX], selfb[PATH_MAX],
				line[1024];
			unsigned char cfg[4096];
			const char *drv, *phys = "", *grp;
			int dfd, n;

			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;
			dfd = openat(devs_fd, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				continue;
			attr(dfd, "uevent", ue, sizeof(ue));
			uevent_value(ue, "PCI_ID=", id, sizeof(id));
			uevent_value(ue, "PCI_CLASS=", cls, sizeof(cls));
			drv = link_base(dfd, "driver", drvb, sizeof(drvb));
			if (!basic) {
				ssize_t cn = -1;
				int cfd;

				uevent_value(ue, "PCI_SUBSYS_ID=", sid, sizeof(sid));
				attr(dfd, "driver_override", ovr, sizeof(ovr));
				attr(dfd, "numa_node", numa, sizeof(numa));
				attr(dfd, "reset_method", rm, sizeof(rm));
				cfd = openat(dfd, "config", O_RDONLY | O_CLOEXEC);
				if (cfd >= 0) {
					cn = read(cfd, cfg, sizeof(cfg));
					close(cfd);
				}
				phys = link_base(dfd, "physfn", physb, sizeof(physb));
				if (may_have_sriov(cfg, cn)) {
					attr(dfd, "sriov_totalvfs", tot, sizeof(tot));
					attr(dfd, "sriov_numvfs", num, sizeof(num));
				}
				link_base(devs_fd, de->d_name, selfb, sizeof(selfb));
			}
			grp = link_base(dfd, "iommu_group", grpb, sizeof(grpb));
			close(dfd);
			n = snprintf(line, sizeof(line), "%s %s %s %s %s %s %s %s %s %s\n",
				     de->d_name, cls, id, *sid ? sid : "-", *drv ? drv : "-", *grp ? grp : "-",
				     *phys ? phys : "-", *rm ? rm : "-", *numa ? numa : "-",
				     *ovr ? ovr : "-");
			emit(line, (size_t)n);
			if (*grp && groups_fd >= 0)
				walk_group(groups_fd, grp);
		}
	}
	close(fd);
	if (groups_resv)
		walk_holders(root, HOLDERS_LINKS);
	if (outn && write(1, out, outn) < 0)
		return 1;
	return 0;
}
