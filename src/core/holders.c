// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who holds a group or a device: processes with /dev/vfio/N, /dev/vfio/noiommu-N or a
 * vfio cdev (/dev/vfio/devices/vfioX) open. Unprivileged callers can read only their own
 * processes' fds; the topology then says holders_complete = false.
 *
 * The scan reads every fd link of every process: on a busy host (thousands of processes,
 * hundreds of thousands of open files) that is where a listing spends its time, so it is
 * the least the kernel allows (bench/README.md, P6): /proc opened once, its entries and each
 * process's fd directory read by getdents64 into a stack buffer (no name list, no sort, no
 * allocation), each link read by readlinkat relative to the fd directory (a one-component
 * lookup instead of /proc/PID/fd/N from the root, and no path built per fd).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/topology.h"
#include "core/util.h"

struct scan {
	const struct vfc_ctx *ctx;
	struct vfc_topology *t;
	int proc_fd;
	char last_cdev[64];		/* the last cdev looked up and its group (memo) */
	struct vfc_group *last_cdev_group;
};

static int add_holder(struct vfc_group *g, pid_t pid, const char *comm, const char *path)
{
	struct vfc_holder *h;

	for (size_t i = 0; i < g->nholders; i++)
		if (g->holders[i].pid == pid && !strcmp(g->holders[i].path, path))
			return 0;	/* the same process with the node open twice */
	h = VFC_APPEND(g->holders, g->nholders);
	if (!h)
		return -ENOMEM;
	h->pid = pid;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
	snprintf(h->path, sizeof(h->path), "%s", path);
	return 0;
}

/*
 * /dev/vfio/devices/vfioX -> the group of the PCI device whose vfio-dev/ has vfioX. Asking
 * every device costs a stat each (4160 on the bench tree) per cdev fd, so the kernel's class
 * link (/sys/class/vfio-dev/vfioX/device) names the device first; it counts if that device
 * has vfio-dev/vfioX (a cdev name belongs to one device). Without the link (older kernels,
 * fixtures), or when it names another device, the first device in address order that has
 * it, as before.
 */
static struct vfc_group *cdev_group(struct scan *s, const char *cdev)
{
	struct vfc_topology *t = s->t;
	struct vfc_group *g = NULL;
	char bdf[VFC_BDF_LEN + 40];

	if (s->last_cdev[0] && !strcmp(s->last_cdev, cdev))
		return s->last_cdev_group;
	if (vfc_read_link_base(s->ctx, bdf, sizeof(bdf), "/sys/class/vfio-dev/%s/device",
			       cdev) > 0) {
		for (size_t i = 0; i < t->ndevs; i++) {
			struct vfc_device *d = t->devs[i];

			if (strcmp(d->name, bdf))
				continue;
			if (d->is_pci && d->group != VFC_NO_GROUP &&
			    vfc_exists(s->ctx, "/sys/bus/pci/devices/%s/vfio-dev/%s", d->name,
				       cdev) == 1)
				g = vfc_topology_group(t, d->group);
			break;
		}
	}
	for (size_t i = 0; !g && i < t->ndevs; i++) {
		struct vfc_device *d = t->devs[i];

		if (d->is_pci && d->group != VFC_NO_GROUP &&
		    vfc_exists(s->ctx, "/sys/bus/pci/devices/%s/vfio-dev/%s", d->name, cdev) == 1)
			g = vfc_topology_group(t, d->group);
	}
	if (strlen(cdev) < sizeof(s->last_cdev)) {
		strcpy(s->last_cdev, cdev);
		s->last_cdev_group = g;
	}
	return g;
}

/* The group a /dev/vfio/ link target names, or NULL. */
static struct vfc_group *target_group(struct scan *s, const char *target)
{
	int64_t gid;

	if (strncmp(target, "/dev/vfio/", 10))
		return NULL;
	if (!strncmp(target + 10, "devices/", 8))
		return cdev_group(s, target + 18);
	if (!strncmp(target + 10, "noiommu-", 8) && !vfc_parse_s64(target + 18, &gid))
		return vfc_topology_group(s->t, (int)gid);
	if (!vfc_parse_s64(target + 10, &gid))
		return vfc_topology_group(s->t, (int)gid);
	return NULL;
}

static int scan_pid(struct scan *s, const char *pidstr, size_t len)
{
	char buf[8192] __attribute__((aligned(8)));
	char path[64], comm[64] = "";
	int64_t pid;
	ssize_t n;
	int fd, rc = 0;

	if (len + sizeof("/comm") > sizeof(path) || vfc_parse_s64(pidstr, &pid) || pid <= 0)
		return 0;
	memcpy(path, pidstr, len);
	memcpy(path + len, "/fd", sizeof("/fd"));
	fd = openat(s->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			s->t->holders_complete = false;
		return 0;	/* else the process exited meanwhile */
	}
	while (!rc && (n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; !rc && off < n;) {
			const struct dirent64 *de = (const void *)(buf + off);
			char target[128];
			struct vfc_group *g;

			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;	/* "." and ".."; fd names are digits */
			if (vfc_read_link_at(fd, de->d_name, target, sizeof(target)) < 0)
				continue;
			g = target_group(s, target);
			if (!g)
				continue;
			if (!*comm) {
				memcpy(path + len, "/comm", sizeof("/comm"));
				if (vfc_read_attr_at(s->proc_fd, path, comm, sizeof(comm)) < 0)
					snprintf(comm, sizeof(comm), "?");
			}
			rc = add_holder(g, (pid_t)pid, comm, target);
		}
	}
	close(fd);
	return rc;
}

static int cmp_holder(const void *a, const void *b)
{
	const struct vfc_holder *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->path, y->path);
}

int vfc_holders_scan(const struct vfc_ctx *ctx, struct vfc_topology *t)
{
	char buf[16384] __attribute__((aligned(8)));
	struct scan s = { .ctx = ctx, .t = t };
	ssize_t n;
	int fd, rc = 0;

	s.proc_fd = vfc_dir_open(ctx, "/proc");
	if (s.proc_fd < 0)
		return 0;	/* no /proc (a fixture without one): nobody holds anything */
	fd = openat(s.proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		close(s.proc_fd);
		return 0;
	}
	while (!rc && (n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; !rc && off < n;) {
			const struct dirent64 *de = (const void *)(buf + off);
			size_t len = strlen(de->d_name);

			off += de->d_reclen;
			if (!len || strspn(de->d_name, "0123456789") != len)
				continue;
			rc = scan_pid(&s, de->d_name, len);
		}
	}
	close(fd);
	close(s.proc_fd);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->ngroups; i++)
		if (t->groups[i].nholders > 1)
			qsort(t->groups[i].holders, t->groups[i].nholders,
			      sizeof(*t->groups[i].holders), cmp_holder);
	return 0;
}
