// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fake kernel for the host suite: an LD_PRELOAD shim that makes a fixture tree (mkfixture)
 * react to binding writes the way the PCI core does, so that bind, unbind, restore and apply
 * succeed, fail and roll back on the host. The guests remain the proof against a real kernel.
 *
 * Active only when VFIOCTL_FAKEKERNEL_ROOT names the tree given as --sysroot; otherwise
 * every call passes straight through. It wraps write(2) (vfioctl writes attributes with one
 * write, the unbind one from a forked child, which inherits the shim) and looks at the
 * file the descriptor names. Inside ROOT/sys it imitates:
 *
 *   .../BDF/driver_override   stores the name (one trailing newline dropped); an empty
 *                             write clears it, and the file then reads "(null)" as sysfs does
 *   drivers/DRV/unbind        BDF bound to DRV: removes the device's `driver` link and
 *                             DRV/BDF; else ENODEV. Leaving a vfio driver, the last vfio
 *                             member of the group takes /dev/vfio/N with it
 *   drivers/DRV/bind          BDF without a driver: binds it to DRV unless an override names
 *                             another driver (ENODEV); bound already: EBUSY
 *   drivers_probe             BDF without a driver: binds it to its override's driver, or,
 *                             without one, to the driver the tree first had it on (the
 *                             stand-in for the id tables); nothing found: stays unbound
 *
 *   .../PF/sriov_numvfs       the PCI core's SR-IOV rules: the PF must be on a driver
 *                             (ENOENT), N above sriov_totalvfs is ERANGE, a change between
 *                             two non-zero counts is EBUSY, the same count is nothing.
 *                             0 removes every VF (driver link, group, /dev/vfio/N, virtfnI,
 *                             bus/pci/devices/BDF, the directory); N creates VFs at
 *                             PF + sriov_offset + i * sriov_stride with sriov_vf_device,
 *                             physfn/virtfnI links and a new IOMMU group each (after the
 *                             highest), and, when sriov_drivers_autoprobe reads 1, probes
 *                             each as drivers_probe does (a VF's stand-in for the id
 *                             tables: the driver the tree first had it on, else the PF's
 *                             with "vf" appended, when such a driver exists)
 *
 * Outside ROOT/sys, one more file: ROOT/run/vfioctl/modprobe, where vfioctl asks a sysroot's
 * kernel to load a module (core/kmodload.h), one name a line. The module "loads": its
 * ROOT/sys/module/NAME and the PCI driver it registers, ROOT/sys/bus/pci/drivers/DRV with
 * bind, unbind, new_id, remove_id and uevent (DRV: vfio_pci registers "vfio-pci", any other
 * module its own name, as the variant drivers' KBUILD_MODNAME does).
 * VFIOCTL_FAKEKERNEL_FAIL_MODPROBE=NAME: loading NAME fails with ENOEXEC (a module the
 * kernel refuses), and nothing is registered.
 *
 * A bind to a vfio driver creates ROOT/dev/vfio/N for the device's group. Nothing else
 * changes: no uevents, no new_id/remove_id (vfioctl never writes them; they pass through).
 *
 * VFIOCTL_FAKEKERNEL_FAIL_PROBE=BDF: a probe (drivers_probe or bind) that would put BDF on a
 * vfio driver fails with EINVAL and leaves it unbound, as vfio-pci's probe refuses a device
 * without an IOMMU group. Probes back to a host driver still work, so a rollback can be seen.
 *
 * "The driver the tree first had": on first use the shim writes ROOT/.fakekernel/native,
 * one "BDF DRIVER" line per device bound to a driver its override does not name.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_DRV 64

static char root[PATH_MAX];	/* realpath of VFIOCTL_FAKEKERNEL_ROOT; "" when inactive */
static size_t rootlen;
static bool inited;

typedef ssize_t (*write_fn)(int, const void *, size_t);

static write_fn real_write(void)
{
	static write_fn fn;

	if (!fn)
		fn = (write_fn)dlsym(RTLD_NEXT, "write");
	return fn;
}

static void init(void)
{
	const char *r;

	if (inited)
		return;
	inited = true;
	r = getenv("VFIOCTL_FAKEKERNEL_ROOT");
	if (!r || !*r || !realpath(r, root)) {
		root[0] = '\0';
		return;
	}
	rootlen = strlen(root);
}

static bool is_vfio(const char *drv)
{
	/* vfio-pci and the variant drivers (mlx5_vfio_pci, ...), as core/viability.c says */
	return !strncmp(drv, "vfio", 4) || strstr(drv, "_vfio_pci") || strstr(drv, "-vfio-pci");
}

/* snprintf that says whether it fit: 0 or -1. */
static int sfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ROOT + the formatted path: 0 or -1. */
static int rpath(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rpath(char *buf, size_t len, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -1;
	return sfmt(buf, len, "%s%s", root, rel);
}

static void put_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (real_write()(fd, val, strlen(val)) < 0) {
		/* best effort: the caller sees the state the tree ends up in */
	}
	close(fd);
}

/* Basename of a link's target into buf ("" when no link). */
static void link_base(const char *path, char *buf, size_t len)
{
	char t[PATH_MAX];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	const char *s;

	buf[0] = '\0';
	if (n <= 0)
		return;
	t[n] = '\0';
	s = strrchr(t, '/');
	sfmt(buf, len, "%s", s ? s + 1 : t);
}

/* A relative link at `at` pointing to the absolute `target` (both inside ROOT, resolved). */
static int link_rel(const char *target, const char *at)
{
	char dir[PATH_MAX], from[PATH_MAX], rel[PATH_MAX] = "";
	size_t i = 0, common = 0;
	const char *q;
	char *slash;

	sfmt(dir, sizeof(dir), "%s", at);
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (!realpath(dir, from))
		return -1;
	/* the longest common prefix that ends at a component boundary of both */
	while (from[i] && from[i] == target[i]) {
		i++;
		if ((from[i] == '/' || !from[i]) && (target[i] == '/' || !target[i]))
			common = i;
	}
	for (const char *p = from + common; *p; p++)
		if (*p == '/')
			strncat(rel, "../", sizeof(rel) - strlen(rel) - 1);
	q = target + common;
	if (*q == '/')
		q++;
	strncat(rel, q, sizeof(rel) - strlen(rel) - 1);
	unlink(at);
	return symlink(rel, at);
}

static int device_dir(const char *bdf, char *buf)
{
	char p[PATH_MAX];

	if (rpath(p, sizeof(p), "/sys/bus/pci/devices/%s", bdf) || !realpath(p, buf))
		return -ENODEV;
	return 0;
}

static void group_of(const char *dev, char *buf, size_t len)
{
	char p[PATH_MAX];

	sfmt(p, sizeof(p), "%s/iommu_group", dev);
	link_base(p, buf, len);
}

/* The override ("" for none) as the file holds it. */
static void override_of(const char *dev, char *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	sfmt(p, sizeof(p), "%s/driver_override", dev);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
}

/* On first use: ROOT/.fakekernel/native, the tree's own bindings (see the top). */
static void native_record(void)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], devs[PATH_MAX];
	struct dirent *e;
	DIR *d;
	FILE *f;

	sfmt(dir, sizeof(dir), "%s/.fakekernel", root);
	sfmt(path, sizeof(path), "%s/native", dir);
	if (access(path, F_OK) == 0)
		return;
	mkdir(dir, 0755);
	sfmt(tmp, sizeof(tmp), "%s/native.%d", dir, (int)getpid());
	sfmt(devs, sizeof(devs), "%s/sys/bus/pci/devices", root);
	f = fopen(tmp, "we");
	d = opendir(devs);
	if (!f || !d) {
		if (f)
			fclose(f);
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		char dev[PATH_MAX], drv[NAME_MAX_DRV], ovr[NAME_MAX_DRV];

		if (e->d_name[0] == '.' || device_dir(e->d_name, dev))
			continue;
		sfmt(path, sizeof(path), "%s/driver", dev);
		link_base(path, drv, sizeof(drv));
		override_of(dev, ovr, sizeof(ovr));
		if (drv[0] && strcmp(drv, ovr))
			fprintf(f, "%s %s\n", e->d_name, drv);
	}
	closedir(d);
	fclose(f);
	sfmt(path, sizeof(path), "%s/native", dir);
	rename(tmp, path);
}

static void native_of(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX], line[256];
	FILE *f;

	buf[0] = '\0';
	sfmt(path, sizeof(path), "%s/.fakekernel/native", root);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char b[32], drv[NAME_MAX_DRV];

		if (sscanf(line, "%31s %63s", b, drv) == 2 && !strcmp(b, bdf)) {
			sfmt(buf, len, "%s", drv);
			break;
		}
	}
	fclose(f);
}

/* Another member of the group still on a vfio driver? */
static bool group_has_vfio(const char *group, const char *except)
{
	char p[PATH_MAX];
	struct dirent *e;
	bool any = false;
	DIR *d;

	if (rpath(p, sizeof(p), "/sys/kernel/iommu_groups/%s/devices", group))
		return false;
	d = opendir(p);
	if (!d)
		return false;
	while (!any && (e = readdir(d))) {
		char dev[PATH_MAX], drv[NAME_MAX_DRV], l[PATH_MAX];

		if (e->d_name[0] == '.' || !strcmp(e->d_name, except) || device_dir(e->d_name, dev))
			continue;
		sfmt(l, sizeof(l), "%s/driver", dev);
		link_base(l, drv, sizeof(drv));
		any = drv[0] && is_vfio(drv);
	}
	closedir(d);
	return any;
}

static int do_bind(const char *bdf, const char *dev, const char *drv)
{
	char path[PATH_MAX], drvdir[PATH_MAX], l[PATH_MAX], group[32], node[PATH_MAX];
	const char *fail = getenv("VFIOCTL_FAKEKERNEL_FAIL_PROBE");
	struct stat st;

	if (rpath(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv) ||
	    stat(path, &st) || !S_ISDIR(st.st_mode))
		return 0;	/* no such driver: the device stays unbound, the write succeeds */
	if (fail && !strcmp(fail, bdf) && is_vfio(drv))
		return -EINVAL;
	if (!realpath(path, drvdir))
		return -ENOENT;
	sfmt(l, sizeof(l), "%s/driver", dev);
	if (link_rel(drvdir, l))
		return -errno;
	sfmt(l, sizeof(l), "%s/%s", drvdir, bdf);
	if (link_rel(dev, l))
		return -errno;
	group_of(dev, group, sizeof(group));
	if (is_vfio(drv) && group[0] && !rpath(node, sizeof(node), "/dev/vfio/%s", group) &&
	    access(node, F_OK)) {
		char vdir[PATH_MAX];

		sfmt(vdir, sizeof(vdir), "%s/dev", root);
		mkdir(vdir, 0755);
		sfmt(vdir, sizeof(vdir), "%s/dev/vfio", root);
		mkdir(vdir, 0755);
		put_file(node, "");
		chmod(node, 0600);
	}
	return 0;
}

static int do_unbind(const char *bdf, const char *dev, const char *drv)
{
	char l[PATH_MAX], cur[NAME_MAX_DRV], group[32], node[PATH_MAX];

	sfmt(l, sizeof(l), "%s/driver", dev);
	link_base(l, cur, sizeof(cur));
	if (strcmp(cur, drv))
		return -ENODEV;
	unlink(l);
	if (!rpath(l, sizeof(l), "/sys/bus/pci/drivers/%s/%s", drv, bdf))
		unlink(l);
	group_of(dev, group, sizeof(group));
	if (is_vfio(drv) && group[0] && !group_has_vfio(group, bdf) &&
	    !rpath(node, sizeof(node), "/dev/vfio/%s", group))
		unlink(node);
	return 0;
}

/* A small attribute file's first line into buf ("" when missing). */
static void read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if (sfmt(p, sizeof(p), "%s/%s", dir, name))
		return;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* An attribute's first line from one device (or group) directory into another's. */
static void copy_attr(const char *from, const char *name, const char *to)
{
	char p[PATH_MAX], v[256];

	read_attr(from, name, v, sizeof(v) - 1);
	if (sfmt(p, sizeof(p), "%s/%s", to, name))
		return;
	strcat(v, "\n");
	put_file(p, v);
}

static long attr_num(const char *dir, const char *name, int base)
{
	char v[64];

	read_attr(dir, name, v, sizeof(v));
	return v[0] ? strtol(v, NULL, base) : -1;
}

static void rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char c[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!sfmt(c, sizeof(c), "%s/%s", path, e->d_name))
			rm_tree(c);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* Remove one VF as the PCI core does when sriov_numvfs goes to 0. */
static void vf_remove(const char *vdev, const char *link)
{
	char bdf[64], drv[NAME_MAX_DRV], group[32], l[PATH_MAX];
	const char *b = strrchr(vdev, '/') + 1;

	sfmt(bdf, sizeof(bdf), "%s", b);
	sfmt(l, sizeof(l), "%s/driver", vdev);
	link_base(l, drv, sizeof(drv));
	if (drv[0])
		do_unbind(bdf, vdev, drv);
	group_of(vdev, group, sizeof(group));
	if (group[0] && !rpath(l, sizeof(l), "/sys/kernel/iommu_groups/%s/devices/%s", group, bdf)) {
		char gdir[PATH_MAX];
		DIR *d;
		struct dirent *e;
		bool empty = true;

		unlink(l);
		if (!rpath(gdir, sizeof(gdir), "/sys/kernel/iommu_groups/%s/devices", group) &&
		    (d = opendir(gdir))) {
			while ((e = readdir(d)))
				empty &= e->d_name[0] == '.';
			closedir(d);
			if (empty && !rpath(gdir, sizeof(gdir), "/sys/kernel/iommu_groups/%s", group))
				rm_tree(gdir);
		}
	}
	if (!rpath(l, sizeof(l), "/sys/bus/pci/devices/%s", bdf))
		unlink(l);
	rm_tree(vdev);
	unlink(link);
}

static int next_group(void)
{
	char p[PATH_MAX];
	struct dirent *e;
	int max = -1;
	DIR *d;

	if (rpath(p, sizeof(p), "/sys/kernel/iommu_groups") || !(d = opendir(p)))
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && atoi(e->d_name) > max)
			max = atoi(e->d_name);
	closedir(d);
	return max + 1;
}

/* Create VF i of the PF at pf (its resolved directory). */
static int vf_create(const char *pf, int i, bool autoprobe)
{
	char parent[PATH_MAX], vdev[PATH_MAX], bdf[32], p[PATH_MAX], v[64], pgroup[32];
	char gdir[PATH_MAX], drv[NAME_MAX_DRV];
	unsigned dom, bus, slot, fn, rid;
	long off = attr_num(pf, "sriov_offset", 10), stride = attr_num(pf, "sriov_stride", 10);
	long vfdev = attr_num(pf, "sriov_vf_device", 16), vendor = attr_num(pf, "vendor", 16);
	long cls = attr_num(pf, "class", 16);
	unsigned char cfg[64] = { 0 };
	int g, fd;

	if (sscanf(strrchr(pf, '/') + 1, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4 || off < 0 ||
	    stride < 0 || vfdev < 0 || vendor < 0)
		return -EIO;
	rid = ((bus << 8) | (slot << 3) | fn) + (unsigned)off + (unsigned)stride * (unsigned)i;
	sfmt(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", dom, (rid >> 8) & 0xff, (rid >> 3) & 0x1f,
	     rid & 7);
	sfmt(parent, sizeof(parent), "%s", pf);
	*strrchr(parent, '/') = '\0';
	if (sfmt(vdev, sizeof(vdev), "%s/%s", parent, bdf) || mkdir(vdev, 0755))
		return -EEXIST;
	sfmt(p, sizeof(p), "%s/vendor", vdev);
	sfmt(v, sizeof(v), "0x%04lx\n", vendor);
	put_file(p, v);
	sfmt(p, sizeof(p), "%s/device", vdev);
	sfmt(v, sizeof(v), "0x%04lx\n", vfdev);
	put_file(p, v);
	sfmt(p, sizeof(p), "%s/class", vdev);
	sfmt(v, sizeof(v), "0x%06lx\n", cls < 0 ? 0 : cls);
	put_file(p, v);
	copy_attr(pf, "subsystem_vendor", vdev);
	copy_attr(pf, "subsystem_device", vdev);
	copy_attr(pf, "numa_node", vdev);
	sfmt(p, sizeof(p), "%s/driver_override", vdev);
	put_file(p, "(null)\n");
	/* a type 0 header without a capability list: VFs read 0xffff ids in hardware */
	cfg[0] = cfg[1] = cfg[2] = cfg[3] = 0xff;
	cfg[9] = (unsigned char)cls;
	cfg[10] = (unsigned char)(cls >> 8);
	cfg[11] = (unsigned char)(cls >> 16);
	sfmt(p, sizeof(p), "%s/config", vdev);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (real_write()(fd, cfg, sizeof(cfg)) < 0) {
			/* best effort, as put_file */
		}
		close(fd);
	}
	sfmt(p, sizeof(p), "%s/physfn", vdev);
	link_rel(pf, p);
	sfmt(p, sizeof(p), "%s/virtfn%d", pf, i);
	link_rel(vdev, p);
	if (!rpath(p, sizeof(p), "/sys/bus/pci/devices/%s", bdf))
		link_rel(vdev, p);
	/* a group of its own, of the PF's group's type */
	group_of(pf, pgroup, sizeof(pgroup));
	g = next_group();
	if (!rpath(gdir, sizeof(gdir), "/sys/kernel/iommu_groups/%d", g) && !mkdir(gdir, 0755)) {
		char pg[PATH_MAX];

		sfmt(p, sizeof(p), "%s/devices", gdir);
		mkdir(p, 0755);
		if (pgroup[0] && !rpath(pg, sizeof(pg), "/sys/kernel/iommu_groups/%s", pgroup))
			copy_attr(pg, "type", gdir);
		sfmt(p, sizeof(p), "%s/reserved_regions", gdir);
		put_file(p, "");
		sfmt(p, sizeof(p), "%s/devices/%s", gdir, bdf);
		link_rel(vdev, p);
		sfmt(p, sizeof(p), "%s/iommu_group", vdev);
		link_rel(gdir, p);
	}
	if (!autoprobe)
		return 0;
	native_of(bdf, drv, sizeof(drv));
	if (!drv[0]) {
		char pfdrv[NAME_MAX_DRV - 2];

		sfmt(p, sizeof(p), "%s/driver", pf);
		link_base(p, pfdrv, sizeof(pfdrv));
		sfmt(drv, sizeof(drv), "%svf", pfdrv);
	}
	return do_bind(bdf, vdev, drv);
}

/* A write of sriov_numvfs to the PF at dev. */
static int set_numvfs(const char *dev, const char *val)
{
	char l[PATH_MAX], drv[NAME_MAX_DRV];
	long total = attr_num(dev, "sriov_totalvfs", 10), cur = 0;
	char *end;
	long n = strtol(val, &end, 10);

	/* the count is the links (vfioctl opens attributes with O_TRUNC: the file is empty) */
	for (;; cur++) {
		struct stat st;

		sfmt(l, sizeof(l), "%s/virtfn%ld", dev, cur);
		if (lstat(l, &st))
			break;
	}

	if (!val[0] || *end || n < 0)
		return -EINVAL;
	sfmt(l, sizeof(l), "%s/driver", dev);
	link_base(l, drv, sizeof(drv));
	if (!drv[0])
		return -ENOENT;
	if (n > total)
		return -ERANGE;
	if (n == cur)
		return 0;
	if (cur > 0 && n > 0)
		return -EBUSY;
	if (n == 0) {
		for (long i = 0; i < cur; i++) {
			char link[PATH_MAX], vdev[PATH_MAX];

			sfmt(link, sizeof(link), "%s/virtfn%ld", dev, i);
			if (realpath(link, vdev))
				vf_remove(vdev, link);
		}
		return 0;
	}
	for (long i = 0; i < n; i++) {
		int rc = vf_create(dev, (int)i, attr_num(dev, "sriov_drivers_autoprobe", 10) == 1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* What a write of val to the attribute at path (resolved, inside ROOT/sys) does. */
static int react(int fd, const char *path, const char *val)
{
	const char *rel = path + rootlen;
	char dev[PATH_MAX], cur[NAME_MAX_DRV], drv[NAME_MAX_DRV], l[PATH_MAX];
	const char *base = strrchr(rel, '/') + 1;
	int rc;

	if (!strcmp(base, "driver_override")) {
		char out[258];

		sfmt(out, sizeof(out), "%s\n", val[0] ? val : "(null)");
		if (ftruncate(fd, 0) || pwrite(fd, out, strlen(out), 0) < 0)
			return -errno;
		return 0;
	}
	if (!strcmp(base, "sriov_numvfs")) {
		sfmt(dev, sizeof(dev), "%s", path);
		*strrchr(dev, '/') = '\0';
		rc = set_numvfs(dev, val);
		if (rc < 0) {
			/* a refused write leaves the count (the open truncated the file) */
			char p[PATH_MAX], v[32];
			int k = 0;
			struct stat st;

			while (!sfmt(p, sizeof(p), "%s/virtfn%d", dev, k) && !lstat(p, &st))
				k++;
			sfmt(v, sizeof(v), "%d\n", k);
			if (pwrite(fd, v, strlen(v), 0) < 0)
				return rc;
		}
		return rc;
	}
	if (!strcmp(rel, "/sys/bus/pci/drivers_probe")) {
		if (device_dir(val, dev))
			return -ENODEV;
		sfmt(l, sizeof(l), "%s/driver", dev);
		link_base(l, cur, sizeof(cur));
		if (cur[0])
			return 0;
		override_of(dev, drv, sizeof(drv));
		if (!drv[0])
			native_of(val, drv, sizeof(drv));
		return drv[0] ? do_bind(val, dev, drv) : 0;
	}
	if (!strncmp(rel, "/sys/bus/pci/drivers/", 21) &&
	    (!strcmp(base, "bind") || !strcmp(base, "unbind"))) {
		size_t n = (size_t)(base - 1 - (rel + 21));

		if (n == 0 || n >= sizeof(drv) || memchr(rel + 21, '/', n))
			return 1;
		memcpy(drv, rel + 21, n);
		drv[n] = '\0';
		if (device_dir(val, dev))
			return -ENODEV;
		if (!strcmp(base, "unbind"))
			return do_unbind(val, dev, drv);
		sfmt(l, sizeof(l), "%s/driver", dev);
		link_base(l, cur, sizeof(cur));
		if (cur[0])
			return -EBUSY;
		override_of(dev, cur, sizeof(cur));
		if (cur[0] && strcmp(cur, drv))
			return -ENODEV;
		return do_bind(val, dev, drv);
	}
	return 1;	/* not ours */
}

/* A module load asked of the tree's kernel: register its driver. */
static int modprobe(const char *mod)
{
	static const char *const files[] = { "bind", "unbind", "new_id", "remove_id", "uevent" };
	const char *fail = getenv("VFIOCTL_FAKEKERNEL_FAIL_MODPROBE");
	char path[PATH_MAX], drv[NAME_MAX_DRV];

	if (!mod[0] || strchr(mod, '/') || strlen(mod) >= sizeof(drv))
		return -EINVAL;
	if (fail && !strcmp(fail, mod))
		return -ENOEXEC;
	sfmt(drv, sizeof(drv), "%s", !strcmp(mod, "vfio_pci") ? "vfio-pci" : mod);
	if (rpath(path, sizeof(path), "/sys/module/%s", mod))
		return -ENAMETOOLONG;
	mkdir(path, 0755);
	if (rpath(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv))
		return -ENAMETOOLONG;
	mkdir(path, 0755);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char f[PATH_MAX];

		if (!sfmt(f, sizeof(f), "%s/%s", path, files[i]))
			put_file(f, "");
	}
	return 0;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	char link[64], path[PATH_MAX], val[256];
	ssize_t n;
	int rc;

	init();
	if (!root[0] || len >= sizeof(val))
		return real_write()(fd, buf, len);
	sfmt(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0 && (size_t)n == rootlen + strlen("/run/vfioctl/modprobe") &&
	    !strncmp(path, root, rootlen) && !strncmp(path + rootlen, "/run/vfioctl/modprobe", (size_t)n - rootlen)) {
		memcpy(val, buf, len);
		val[len] = '\0';
		if (len && val[len - 1] == '\n')
			val[len - 1] = '\0';
		rc = modprobe(val);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		return real_write()(fd, buf, len);
	}
	if (n <= 0 || (size_t)n <= rootlen + 5 || strncmp(path, root, rootlen) ||
	    strncmp(path + rootlen, "/sys/", 5))
		return real_write()(fd, buf, len);
	path[n] = '\0';
	memcpy(val, buf, len);
	val[len] = '\0';
	if (len && val[len - 1] == '\n')
		val[len - 1] = '\0';	/* sysfs stores drop one trailing newline */
	native_record();
	rc = react(fd, path, val);
	if (rc > 0)
		return real_write()(fd, buf, len);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	/* the attribute files keep what was written (the host suite reads them back) */
	if (strcmp(strrchr(path, '/') + 1, "driver_override") && real_write()(fd, buf, len) < 0)
		return -1;
	return (ssize_t)len;
}
