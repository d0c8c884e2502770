// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reset planning (pure over a topology snapshot) and execution (sysfs function reset, VFIO
 * hot reset). See reset.h for the rules; KERNEL.md "Reset" and LAB.md for the measured facts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/driver.h"
#include "core/reset.h"
#include "core/util.h"

static const char *const method_names[] = {
	[VFC_RESET_AUTO] = "auto", [VFC_RESET_DEVICE] = "device", [VFC_RESET_HOT] = "hot",
	[VFC_RESET_FLR] = "flr",   [VFC_RESET_PM] = "pm",	  [VFC_RESET_BUS] = "bus",
	[VFC_RESET_NONE] = "none", [VFC_RESET_FUNCTION] = "function",
};

const char *vfc_reset_method_name(enum vfc_reset_method m)
{
	return (unsigned)m < VFC_ARRAY_SIZE(method_names) ? method_names[m] : "?";
}

int vfc_reset_method_parse(const char *s, enum vfc_reset_method *m)
{
	/* Only what a user may ask for: none/function are answers, not requests. */
	for (unsigned i = VFC_RESET_AUTO; i <= VFC_RESET_BUS; i++)
		if (s && !strcmp(s, method_names[i])) {
			*m = (enum vfc_reset_method)i;
			return 0;
		}
	return -EINVAL;
}

int vfc_reset_usable(char *const *methods, bool alone, char ***out)
{
	size_t n = vfc_strv_len(methods), k = 0;
	char **v = calloc(n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* pci_parent_bus_reset() re-probes at reset time: a shared bus is ENOTTY. */
		if (!alone && (!strcmp(methods[i], "bus") || !strcmp(methods[i], "cxl_bus")))
			continue;
		v[k] = strdup(methods[i]);
		if (!v[k]) {
			vfc_strv_free(v);
			return -ENOMEM;
		}
		k++;
	}
	*out = v;
	return 0;
}

static bool same_bus(const struct vfc_device *a, const struct vfc_device *b)
{
	return a->is_pci && b->is_pci && a->addr.domain == b->addr.domain && a->addr.bus == b->addr.bus;
}

/*
 * Index of d in the snapshot, found by its address: the snapshot is sorted (PCI devices first,
 * by address), so a bus's devices are neighbours. -1 if d is not where the order puts it.
 */
static ssize_t dev_index(const struct vfc_topology *t, const struct vfc_device *d)
{
	size_t lo = 0, hi = t->ndevs;

	while (d->is_pci && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vfc_device *m = t->devs[mid];
		int c = m->is_pci ? vfc_pciaddr_cmp(&m->addr, &d->addr) : 1;

		if (c == 0)
			return m == d ? (ssize_t)mid : -1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int vfc_reset_usable_dev(const struct vfc_topology *t, const struct vfc_device *d, char ***out)
{
	ssize_t k = dev_index(t, d);
	bool alone = true;

	/* Called for every device by list and check: a scan of all devices each time would be
	 * quadratic in the number of devices. */
	if (k >= 0) {
		alone = !(k > 0 && same_bus(t->devs[k - 1], d)) &&
			!((size_t)k + 1 < t->ndevs && same_bus(t->devs[k + 1], d));
	} else {
		for (size_t i = 0; i < t->ndevs; i++)
			if (t->devs[i] != d && same_bus(t->devs[i], d))
				alone = false;
	}
	return vfc_reset_usable(d->reset_methods, alone, out);
}

bool vfc_reset_has_function_reset(const struct vfc_topology *t, const struct vfc_device *d)
{
	char **v = NULL;
	bool any;

	if (vfc_reset_usable_dev(t, d, &v))
		return false;
	any = v[0] != NULL;
	vfc_strv_free(v);
	return any;
}

/* ---- scope ---- */

static int add_member(struct vfc_reset_scope *s, const struct vfc_topology *t,
		      const struct vfc_device *target, const struct vfc_pciaddr *a, int group)
{
	struct vfc_reset_member *m = reallocarray(s->m, s->n + 1, sizeof(*s->m));
	const struct vfc_device *d = vfc_topology_device(t, a);

	if (!m)
		return -ENOMEM;
	s->m = m;
	m = &s->m[s->n++];
	memset(m, 0, sizeof(*m));
	vfc_pciaddr_format(a, m->bdf, sizeof(m->bdf));
	m->group = group;
	m->target = !vfc_pciaddr_cmp(a, &target->addr);
	if (d) {
		const struct vfc_group *g;

		m->known = true;
		if (d->group != VFC_NO_GROUP)
			m->group = d->group;
		snprintf(m->driver, sizeof(m->driver), "%s", d->driver ? d->driver : "");
		m->on_vfio = vfc_driver_is_vfio(d->driver);
		m->bridge = d->is_bridge;
		g = m->group != VFC_NO_GROUP ? vfc_topology_group(t, m->group) : NULL;
		if (g && g->nholders) {
			m->holder_pid = g->holders[0].pid;
			snprintf(m->holder_comm, sizeof(m->holder_comm), "%s", g->holders[0].comm);
			snprintf(m->holder_path, sizeof(m->holder_path), "%s", g->holders[0].path);
		}
	}
	return 0;
}

static int cmp_member(const void *a, const void *b)
{
	struct vfc_pciaddr x, y;

	if (vfc_pciaddr_parse(((const struct vfc_reset_member *)a)->bdf, &x) ||
	    vfc_pciaddr_parse(((const struct vfc_reset_member *)b)->bdf, &y))
		return strcmp(((const struct vfc_reset_member *)a)->bdf,
			      ((const struct vfc_reset_member *)b)->bdf);
	return vfc_pciaddr_cmp(&x, &y);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int finish_scope(struct vfc_reset_scope *s)
{
	if (s->n)	/* qsort's array must not be NULL, even for zero elements */
		qsort(s->m, s->n, sizeof(*s->m), cmp_member);
	free(s->groups);
	s->groups = calloc(s->n ? s->n : 1, sizeof(*s->groups));
	s->ngroups = 0;
	if (!s->groups)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		bool seen = false;

		if (s->m[i].group == VFC_NO_GROUP)
			continue;
		for (size_t k = 0; k < s->ngroups; k++)
			seen |= s->groups[k] == s->m[i].group;
		if (!seen)
			s->groups[s->ngroups++] = s->m[i].group;
	}
	qsort(s->groups, s->ngroups, sizeof(*s->groups), cmp_int);
	return 0;
}

/* Is d below the bridge named parent (any depth)? */
static bool below(const struct vfc_topology *t, const struct vfc_device *d, const char *parent)
{
	for (int depth = 0; d && d->parent[0] && depth < 64; depth++) {
		struct vfc_pciaddr a;

		if (!strcmp(d->parent, parent))
			return true;
		if (vfc_pciaddr_parse(d->parent, &a))
			return false;
		d = vfc_topology_device(t, &a);
	}
	return false;
}

int vfc_reset_scope_sysfs(const struct vfc_topology *t, const struct vfc_device *target,
			  struct vfc_reset_scope *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (!target->parent[0]) {
		/* pci_probe_reset_bus(): no bridge above the device, nothing can reset its bus. */
		snprintf(s->why_not, sizeof(s->why_not),
			 "it is on a root bus: no bridge above it can reset its bus");
		return finish_scope(s);
	}
	s->possible = true;
	for (size_t i = 0; i < t->ndevs; i++) {
		const struct vfc_device *d = t->devs[i];

		if (!d->is_pci || !below(t, d, target->parent))
			continue;
		rc = add_member(s, t, target, &d->addr, d->group);
		if (rc)
			return rc;
	}
	rc = finish_scope(s);
	if (rc)
		return rc;
	vfc_reset_scope_judge(s, NULL, 0);
	return 0;
}

int vfc_reset_scope_kernel(const struct vfc_topology *t, const struct vfc_device *target,
			   const struct vfc_hot_reset_info *info, struct vfc_reset_scope *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->from_kernel = true;
	s->possible = true;
	s->devid_form = info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
	s->devid_owned = info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
	for (uint32_t i = 0; i < info->count; i++) {
		const struct vfc_hot_reset_dep *dp = &info->devs[i];
		struct vfc_pciaddr a = { .domain = dp->segment, .bus = dp->bus,
					 .dev = (uint8_t)(dp->devfn >> 3), .fn = dp->devfn & 7 };

		rc = add_member(s, t, target, &a, s->devid_form ? VFC_NO_GROUP : (int)dp->id);
		if (rc)
			return rc;
		/* In the devid form the kernel says who our iommufd owns. */
		if (s->devid_form)
			s->m[s->n - 1].owned = (int32_t)dp->id != VFIO_PCI_DEVID_NOT_OWNED;
	}
	return finish_scope(s);
}

size_t vfc_reset_scope_judge(struct vfc_reset_scope *s, const int *owned_groups, size_t nowned)
{
	s->nblockers = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct vfc_reset_member *m = &s->m[i];

		m->blocker[0] = '\0';
		if (!s->devid_form) {
			if (owned_groups) {
				m->owned = false;
				for (size_t k = 0; k < nowned; k++)
					m->owned |= owned_groups[k] == m->group;
			} else {
				m->owned = m->on_vfio && !m->holder_pid;
			}
		}
		if (!m->known)
			snprintf(m->blocker, sizeof(m->blocker),
				 "not in the PCI topology this run read (gone, or a new device)");
		else if (m->holder_pid)
			snprintf(m->blocker, sizeof(m->blocker), "held by pid %d (%s) via %s",
				 (int)m->holder_pid, m->holder_comm, m->holder_path);
		else if (m->bridge)
			snprintf(m->blocker, sizeof(m->blocker),
				 "a bridge below the reset bus: vfio-pci cannot own it, so the "
				 "kernel refuses the bus reset");
		else if (m->driver[0] && !vfc_driver_dma_safe(m->driver))
			snprintf(m->blocker, sizeof(m->blocker),
				 "bound to host driver %s: bind it to vfio-pci (vfioctl bind) or the "
				 "reset pulls the device out from under the driver", m->driver);
		else if (!m->on_vfio)
			snprintf(m->blocker, sizeof(m->blocker),
				 "not bound to vfio-pci (%s%s): the kernel resets a bus only when "
				 "every device on it is on vfio-pci; vfioctl bind it",
				 m->driver[0] ? "on " : "no driver", m->driver);
		else if (m->group == VFC_NO_GROUP && !s->devid_form)
			snprintf(m->blocker, sizeof(m->blocker), "no IOMMU group");
		else if (!m->owned)
			snprintf(m->blocker, sizeof(m->blocker),
				 s->devid_form ? "not owned by this run's iommufd"
					       : "its group %d is not open in this run", m->group);
		if (m->blocker[0])
			s->nblockers++;
	}
	return s->nblockers;
}

void vfc_reset_scope_free(struct vfc_reset_scope *s)
{
	free(s->m);
	free(s->groups);
	memset(s, 0, sizeof(*s));
}

/* ---- choosing ---- */

static void joinv(char *const *v, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; v && v[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", v[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

enum vfc_reset_method vfc_reset_choose(enum vfc_reset_method req, const struct vfc_reset_facts *f,
				       char *why, size_t len)
{
	bool fn = f->usable && f->usable[0];
	bool dev_ok = f->vfio_reset == VFC_YES || (f->vfio_reset == VFC_UNKNOWN && fn);
	char list[128];

	joinv(f->usable, list, sizeof(list));
	why[0] = '\0';
	if (f->held) {
		snprintf(why, len, "another process has it open: a reset would pull the device "
			 "out from under it");
		return VFC_RESET_NONE;
	}
	switch (req) {
	case VFC_RESET_DEVICE:
		if (!f->on_vfio) {
			snprintf(why, len, "VFIO_DEVICE_RESET needs the device on vfio-pci (it is on "
				 "%s): vfioctl bind it, or ask for a sysfs method (--method flr|pm|bus)",
				 f->driver ? f->driver : "no driver");
			return VFC_RESET_NONE;
		}
		if (!dev_ok) {
			snprintf(why, len, "no reset method: the kernel offers no function reset for "
				 "it (no FLR, no PM reset, not alone on its bus)%s",
				 f->hot_possible ? "; a bus reset may work: --method hot" : "");
			return VFC_RESET_NONE;
		}
		return VFC_RESET_DEVICE;
	case VFC_RESET_HOT:
		if (!f->hot_possible) {
			snprintf(why, len, "no hot reset: %s", f->hot_why ? f->hot_why : "no bus reset");
			return VFC_RESET_NONE;
		}
		if (!f->on_vfio) {
			snprintf(why, len, "a hot reset goes through VFIO: bind it (and every device "
				 "of its bus) to vfio-pci first");
			return VFC_RESET_NONE;
		}
		if (f->hot_blockers) {
			snprintf(why, len, "%zu device%s the bus reset touches %s not ours to reset "
				 "(see the scope)", f->hot_blockers, f->hot_blockers == 1 ? "" : "s",
				 f->hot_blockers == 1 ? "is" : "are");
			return VFC_RESET_NONE;
		}
		return VFC_RESET_HOT;
	case VFC_RESET_FLR:
	case VFC_RESET_PM:
	case VFC_RESET_BUS: {
		const char *name = vfc_reset_method_name(req);

		if (f->host_driver) {
			snprintf(why, len, "it is bound to host driver %s: a reset under a running "
				 "driver loses its state; unbind it or bind it to vfio-pci", f->driver);
			return VFC_RESET_NONE;
		}
		if (!vfc_strv_contains(f->usable, name)) {
			if (req == VFC_RESET_BUS && vfc_strv_contains(f->methods, "bus"))
				snprintf(why, len, "no usable bus reset: it shares its bus with other "
					 "devices (the kernel refuses); --method hot resets the whole bus");
			else
				snprintf(why, len, "no %s reset: the kernel offers %s", name, list);
			return VFC_RESET_NONE;
		}
		return req;
	}
	case VFC_RESET_AUTO:
	default:
		break;
	}
	if (f->on_vfio) {
		if (dev_ok)
			return VFC_RESET_DEVICE;
		if (f->hot_possible && !f->hot_blockers)
			return VFC_RESET_HOT;
		if (!f->hot_possible)
			snprintf(why, len, "no reset method: no function reset (reset_method: %s) and "
				 "no hot reset: %s", list, f->hot_why ? f->hot_why : "no bus reset");
		else
			snprintf(why, len, "no reset method: no function reset (reset_method: %s) and "
				 "the hot reset is blocked by %zu device%s on its bus (see the scope)",
				 list, f->hot_blockers, f->hot_blockers == 1 ? "" : "s");
		return VFC_RESET_NONE;
	}
	if (f->host_driver) {
		snprintf(why, len, "it is bound to host driver %s: a reset under a running driver "
			 "loses its state; unbind it or bind it to vfio-pci", f->driver);
		return VFC_RESET_NONE;
	}
	if (fn)
		return VFC_RESET_FUNCTION;
	snprintf(why, len, "no reset method: the kernel offers no function reset for it "
		 "(reset_method: %s)%s", list,
		 f->hot_possible ? "; a hot reset needs it and its bus on vfio-pci" : "");
	return VFC_RESET_NONE;
}

/* ---- executing ---- */

int vfc_reset_function(const struct vfc_ctx *ctx, const char *bdf, const char *method,
		       struct vfc_err *e)
{
	char old[256] = "";
	int rc, rc2;

	if (method) {
		ssize_t r = vfc_read_attr(ctx, old, sizeof(old), "/sys/bus/pci/devices/%s/reset_method",
					  bdf);

		if (r < 0) {
			vfc_err_set(e, bdf, "cannot read reset_method");
			return (int)r;
		}
		rc = vfc_write_attr(ctx, method, "/sys/bus/pci/devices/%s/reset_method", bdf);
		if (rc) {
			vfc_err_set(e, bdf, "cannot select reset method %s (reset_method)", method);
			return rc;
		}
	}
	rc = vfc_write_attr(ctx, "1", "/sys/bus/pci/devices/%s/reset", bdf);
	if (rc)
		vfc_err_set(e, bdf, "%s reset failed (sysfs reset)", method ? method : "function");
	if (method) {
		/* Give the administrator's selection back; "" means they had disabled all. */
		rc2 = vfc_write_attr(ctx, old[0] ? old : "\n", "/sys/bus/pci/devices/%s/reset_method",
				     bdf);
		if (rc2 && !rc) {
			vfc_err_set(e, bdf, "reset done, but reset_method could not be restored to '%s'",
				    old);
			rc = rc2;
		}
	}
	return rc;
}

int vfc_reset_hot(struct vfc_domain *d, int devfd, const char *bdf, struct vfc_err *e)
{
	struct vfc_hot_reset_info hi;
	size_t n = 0;
	int *fds;
	int rc;

	if (d->backend == VFC_BACKEND_IOMMUFD)
		return vfc_device_hot_reset(devfd, bdf, NULL, 0, e);
	/*
	 * Only the groups the kernel lists (QEMU does the same): vfio_pci's hot reset refuses
	 * more group fds than the reset touches with EINVAL, so a domain holding an unrelated
	 * group must not pass it.
	 */
	rc = vfc_device_hot_reset_info(devfd, bdf, &hi, e);
	if (rc)
		return rc;
	fds = calloc(hi.count ? hi.count : 1, sizeof(*fds));
	if (!fds) {
		vfc_hot_reset_info_free(&hi);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < hi.count && !rc; i++) {
		const struct vfc_vgroup *g = NULL;
		bool dup = false;

		for (size_t k = 0; k < d->ngroups && !g; k++)
			if ((uint32_t)d->groups[k].id == hi.devs[i].id)
				g = &d->groups[k];
		if (!g) {
			vfc_err_set(e, bdf, "the hot reset touches %04x:%02x:%02x.%u in group %u, which "
				    "this domain does not hold", hi.devs[i].segment, hi.devs[i].bus,
				    hi.devs[i].devfn >> 3, hi.devs[i].devfn & 7, hi.devs[i].id);
			rc = -EPERM;
			break;
		}
		for (size_t k = 0; k < n; k++)
			dup |= fds[k] == g->fd;
		if (!dup)
			fds[n++] = g->fd;
	}
	vfc_hot_reset_info_free(&hi);
	if (!rc)
		rc = vfc_device_hot_reset(devfd, bdf, fds, n, e);
	free(fds);
	return rc;
}
