// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who holds a group or a device: processes with /dev/vfio/N, /dev/vfio/noiommu-N or a
 * vfio cdev (/dev/vfio/devices/vfioX) open. Unprivileged callers can read only their own
 * processes' fds; the topology then says holders_complete = false.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/topology.h"

static int add_holder(struct vfc_group *g, pid_t pid, const char *comm, const char *path)
{
	struct vfc_holder *h;

	for (size_t i = 0; i < g->nholders; i++)
		if (g->holders[i].pid == pid && !strcmp(g->holders[i].path, path))
			return 0;	/* the same process with the node open twice */
	h = reallocarray(g->holders, g->nholders + 1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	g->holders = h;
	h = &g->holders[g->nholders++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
	snprintf(h->path, sizeof(h->path), "%s", path);
	return 0;
}

/* /dev/vfio/devices/vfioX -> the group of the PCI device whose vfio-dev/ has vfioX. */
static struct vfc_group *cdev_group(const struct vfc_ctx *ctx, struct vfc_topology *t,
				    const char *cdev)
{
	for (size_t i = 0; i < t->ndevs; i++) {
		struct vfc_device *d = t->devs[i];

		if (d->is_pci && d->group != VFC_NO_GROUP &&
		    vfc_exists(ctx, "/sys/bus/pci/devices/%s/vfio-dev/%s", d->name, cdev) == 1)
			return vfc_topology_group(t, d->group);
	}
	return NULL;
}

static int scan_pid(const struct vfc_ctx *ctx, struct vfc_topology *t, const char *pidstr)
{
	struct vfc_names fds;
	char comm[64] = "";
	int64_t pid;
	int rc;

	if (vfc_parse_s64(pidstr, &pid) || pid <= 0)
		return 0;
	rc = vfc_list_dir(ctx, &fds, "/proc/%s/fd", pidstr);
	if (rc == -EACCES || rc == -EPERM) {
		t->holders_complete = false;
		return 0;
	}
	if (rc)
		return 0;	/* the process exited meanwhile */
	for (size_t i = 0; i < fds.n; i++) {
		char target[128];
		struct vfc_group *g = NULL;
		int64_t gid;

		if (vfc_read_link(ctx, target, sizeof(target), "/proc/%s/fd/%s", pidstr,
				  fds.v[i]) < 0)
			continue;
		if (strncmp(target, "/dev/vfio/", 10))
			continue;
		if (!strncmp(target + 10, "devices/", 8))
			g = cdev_group(ctx, t, target + 18);
		else if (!strncmp(target + 10, "noiommu-", 8) && !vfc_parse_s64(target + 18, &gid))
			g = vfc_topology_group(t, (int)gid);
		else if (!vfc_parse_s64(target + 10, &gid))
			g = vfc_topology_group(t, (int)gid);
		if (!g)
			continue;
		if (!*comm && vfc_read_attr(ctx, comm, sizeof(comm), "/proc/%s/comm", pidstr) < 0)
			snprintf(comm, sizeof(comm), "?");
		rc = add_holder(g, (pid_t)pid, comm, target);
		if (rc) {
			vfc_names_free(&fds);
			return rc;
		}
	}
	vfc_names_free(&fds);
	return 0;
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
	struct vfc_names procs;
	int rc;

	if (vfc_list_dir(ctx, &procs, "/proc"))
		return 0;	/* no /proc (a fixture without one): nobody holds anything */
	for (size_t i = 0; i < procs.n; i++) {
		if (strspn(procs.v[i], "0123456789") != strlen(procs.v[i]))
			continue;
		rc = scan_pid(ctx, t, procs.v[i]);
		if (rc) {
			vfc_names_free(&procs);
			return rc;
		}
	}
	vfc_names_free(&procs);
	for (size_t i = 0; i < t->ngroups; i++)
		if (t->groups[i].nholders > 1)
			qsort(t->groups[i].holders, t->groups[i].nholders,
			      sizeof(*t->groups[i].holders), cmp_holder);
	return 0;
}
