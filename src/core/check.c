// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl check`: facts read through the root context, judged into items. This file keeps
 * the report and the host items (vfc_check_host: add a host item there); the interrupt facts
 * are in check-irq.c, limits.conf and users in check-limits.c, device items in
 * check-device.c. The judgement of interrupt remapping and of limits.conf lines is pure (unit
 * tested); the rest is small enough to be proven by fixture trees and the lab guests.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/cdi.h"
#include "core/check-int.h"
#include "core/reset.h"
#include "core/safety.h"

const char *vfc_check_status_name(enum vfc_check_status s)
{
	return s == VFC_CHECK_OK ? "ok" : s == VFC_CHECK_WARN ? "warn" : "fail";
}

struct vfc_check_item *vfc_check_add(struct vfc_check_report *r, const char *target,
				     const char *item, enum vfc_check_status st, const char *fix,
				     const char *fmt, ...)
{
	struct vfc_check_item *it;
	va_list ap;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct vfc_check_item *v = reallocarray(r->items, cap, sizeof(*v));

		if (!v)
			return NULL;
		r->items = v;
		r->cap = cap;
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->target, sizeof(it->target), "%s", target);
	snprintf(it->item, sizeof(it->item), "%s", item);
	it->status = st;
	snprintf(it->fix, sizeof(it->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
	r->nstatus[st]++;
	return it;
}

void vfc_check_report_free(struct vfc_check_report *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}

enum vfc_check_status vfc_check_worst(const struct vfc_check_report *r)
{
	return r->nstatus[VFC_CHECK_FAIL] ? VFC_CHECK_FAIL
	       : r->nstatus[VFC_CHECK_WARN] ? VFC_CHECK_WARN : VFC_CHECK_OK;
}

/* Append to a fixed buffer with a separator; silently truncates. */
void vfc_check_cat(char *buf, size_t len, const char *sep, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + strlen(sep) < len) {
		strcpy(buf + used, sep);
		used += strlen(sep);
	}
	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* ---- host items ---- */

static void check_iommu(const struct vfc_iommu_state *st, struct vfc_check_report *r)
{
	char units[256] = "";

	for (size_t i = 0; i < st->units.n; i++)
		vfc_check_cat(units, sizeof(units), ", ", "%s", st->units.v[i]);
	if (st->enabled && st->ngroups > 0) {
		vfc_check_add(r, "host", "iommu", VFC_CHECK_OK, NULL,
			      "enabled: %zu IOMMU groups%s%s%s%s%s%s", st->ngroups,
			      units[0] ? ", units " : "", units,
			      st->acpi_dmar ? ", ACPI DMAR" : "", st->acpi_ivrs ? ", ACPI IVRS" : "",
			      st->cmdline_iommu[0] ? ", cmdline: " : "", st->cmdline_iommu);
		if (strstr(st->cmdline_iommu, "iommu=pt") || strstr(st->cmdline_iommu,
								      "iommu.passthrough=1"))
			vfc_check_add(r, "host", "iommu-passthrough", VFC_CHECK_OK, NULL,
				      "host devices bypass translation (iommu=pt); VFIO groups still "
				      "get their own translated domains");
		return;
	}
	vfc_check_add(r, "host", "iommu", VFC_CHECK_FAIL, st->off_fix, "%s", st->off_detail);
}

static void check_modules(const struct vfc_ctx *ctx, const struct vfc_irq_facts *irq,
			  struct vfc_check_report *r)
{
	static const struct {
		const char *mod, *alt;	/* alt: what proves it is present besides /sys/module */
		const char *load;
	} mods[] = {
		{ "vfio", "/dev/vfio/vfio", "vfio" },
		{ "vfio_pci", "/sys/bus/pci/drivers/vfio-pci", "vfio-pci" },
		{ "vfio_iommu_type1", NULL, "vfio_iommu_type1" },
	};

	for (size_t i = 0; i < VFC_ARRAY_SIZE(mods); i++) {
		char item[40], fix[160];
		bool present = vfc_exists(ctx, "/sys/module/%s", mods[i].mod) == 1 ||
			       (mods[i].alt && vfc_exists(ctx, "%s", mods[i].alt) == 1);
		bool builtin = present &&
			       vfc_exists(ctx, "/sys/module/%s/initstate", mods[i].mod) != 1;

		snprintf(item, sizeof(item), "module %s", mods[i].mod);
		if (!strcmp(mods[i].mod, "vfio_iommu_type1") && irq->spapr && !present) {
			vfc_check_add(r, "host", "module vfio_iommu_spapr_tce", VFC_CHECK_OK, NULL,
				      "loaded (the POWER backend; type1 is not used)");
			continue;
		}
		if (present) {
			vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL, "%s",
				      builtin ? "built into the kernel" : "loaded");
			continue;
		}
		snprintf(fix, sizeof(fix), "modprobe %s (at boot: add it to "
			 "/etc/modules-load.d/vfio.conf)", mods[i].load);
		vfc_check_add(r, "host", item, VFC_CHECK_FAIL, fix, "not loaded");
	}
}

static void check_node(const struct vfc_ctx *ctx, const char *node, bool required, bool spapr,
		       struct vfc_check_report *r)
{
	char path[PATH_MAX];
	struct stat sb;

	if (vfc_path(ctx, path, sizeof(path), "%s", node) || stat(path, &sb)) {
		if (!strcmp(node, "/dev/iommu"))
			vfc_check_add(r, "host", "iommufd", VFC_CHECK_OK, NULL,
				      "not available (no /dev/iommu): the legacy VFIO container "
				      "(%s) is used; iommufd needs CONFIG_IOMMUFD",
				      spapr ? "SPAPR TCE" : "type1");
		else
			vfc_check_add(r, "host", node, required ? VFC_CHECK_FAIL : VFC_CHECK_WARN,
				      "modprobe vfio (udev or devtmpfs creates the node)",
				      "missing");
		return;
	}
	/* Both nodes grant nothing by themselves (groups/devices carry the permission): the
	 * kernel makes them 0666, and a user without rw here cannot use VFIO at all. */
	if ((sb.st_mode & 0666) != 0666 && strcmp(node, "/dev/iommu")) {
		char fix[200];

		snprintf(fix, sizeof(fix), "chmod 0666 %s (the kernel's default; check udev rules "
			 "that change it)", node);
		vfc_check_add(r, "host", node, VFC_CHECK_WARN, fix, "mode %04o: other users cannot open it read-write",
			      (unsigned)(sb.st_mode & 07777));
		return;
	}
	if (!strcmp(node, "/dev/iommu"))
		vfc_check_add(r, "host", "iommufd", VFC_CHECK_OK, NULL,
			      "available: /dev/iommu mode %04o", (unsigned)(sb.st_mode & 07777));
	else
		vfc_check_add(r, "host", node, VFC_CHECK_OK, NULL, "present, mode %04o",
			      (unsigned)(sb.st_mode & 07777));
}

static void check_noiommu(const struct vfc_ctx *ctx, const struct vfc_topology *t,
			  struct vfc_check_report *r)
{
	int on = vfc_check_read_yn(ctx, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	size_t ngroups = 0;

	for (size_t i = 0; i < t->ngroups; i++)
		ngroups += t->groups[i].noiommu;
	if (on == 1 || ngroups)
		vfc_check_add(r, "host", "noiommu", VFC_CHECK_WARN,
			      "unless this host is meant to run without an IOMMU: echo N > "
			      "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
			      "UNSAFE no-IOMMU mode is %s, %zu no-IOMMU groups: devices there DMA "
			      "anywhere in host memory and the kernel is tainted",
			      on == 1 ? "enabled" : "in use", ngroups);
	else
		vfc_check_add(r, "host", "noiommu", VFC_CHECK_OK, NULL, "%s",
			      on == 0 ? "off" : "not compiled in (no enable_unsafe_noiommu_mode)");
}

static void check_msi_window(const struct vfc_topology *t, struct vfc_check_report *r)
{
	char detail[512] = "";
	size_t with = 0;
	struct vfc_resv seen[4];
	size_t nseen = 0;

	if (!t->ngroups)
		return;
	for (size_t i = 0; i < t->ngroups; i++) {
		const struct vfc_group *g = &t->groups[i];
		bool has = false;

		for (size_t k = 0; k < g->nresv; k++) {
			const struct vfc_resv *x = &g->resv[k];
			size_t s;

			if (strcmp(x->type, "msi") && strcmp(x->type, "sw-msi"))
				continue;
			has = true;
			for (s = 0; s < nseen; s++)
				if (seen[s].start == x->start && seen[s].end == x->end)
					break;
			if (s == nseen && nseen < VFC_ARRAY_SIZE(seen))
				seen[nseen++] = *x;
		}
		with += has;
	}
	if (!nseen) {
		vfc_check_add(r, "host", "msi-window", VFC_CHECK_OK, NULL,
			      "no group reserves an MSI window: the whole IOVA space is usable");
		return;
	}
	for (size_t s = 0; s < nseen; s++)
		vfc_check_cat(detail, sizeof(detail), ", ", "0x%llx-0x%llx (%s)",
		    (unsigned long long)seen[s].start, (unsigned long long)seen[s].end,
		    seen[s].type);
	vfc_check_add(r, "host", "msi-window", VFC_CHECK_OK, NULL,
		      "%s reserved in %zu of %zu groups: DMA cannot use these IOVAs", detail, with,
		      t->ngroups);
}

static void check_memlock(const struct vfc_ctx *ctx, struct vfc_check_report *r)
{
	struct vfc_memlock m;
	char sz[32];
	int rc = vfc_memlock_read(ctx, &m);

	if (rc) {
		vfc_check_add(r, "host", "memlock", VFC_CHECK_WARN, NULL, "cannot read: %s",
			      strerror(-rc));
		return;
	}
	if (m.cap_ipc_lock)
		vfc_check_add(r, "host", "memlock", VFC_CHECK_OK, NULL,
			      "this process has CAP_IPC_LOCK: pinned memory is not limited");
	else if (m.unlimited || m.limit >= MEMLOCK_WARN_BELOW)
		vfc_check_add(r, "host", "memlock", VFC_CHECK_OK, NULL, "RLIMIT_MEMLOCK %s",
			      m.unlimited ? "unlimited" : vfc_format_size(m.limit, sz, sizeof(sz)));
	else
		vfc_check_add(r, "host", "memlock", VFC_CHECK_WARN,
			      "raise it (limits.conf memlock, ulimit -l, or systemd LimitMEMLOCK=) "
			      "to at least the memory you will map, or run with CAP_IPC_LOCK",
			      "RLIMIT_MEMLOCK %s for this process: mapping more fails with ENOMEM%s",
			      vfc_format_size(m.limit, sz, sizeof(sz)),
			      vfc_exists(ctx, "/dev/iommu") == 1 && !vfc_cap_effective(CAP_SYS_RESOURCE)
			      ? "; iommufd charges pins per user, so the limit is shared with every "
				"process of this user (CAP_SYS_RESOURCE makes it per process)" : "");
}

static void check_hugepages(const struct vfc_ctx *ctx, struct vfc_check_report *r)
{
	static const uint64_t sizes[] = { 2ull << 20, GIB };
	char detail[256] = "";

	for (size_t i = 0; i < VFC_ARRAY_SIZE(sizes); i++) {
		struct vfc_hugepool p;
		char sz[32];

		if (vfc_hugepool_read(ctx, sizes[i], &p))
			continue;
		vfc_check_cat(detail, sizeof(detail), "; ", "%s: %llu reserved, %llu free",
		    vfc_format_size(sizes[i], sz, sizeof(sz)), (unsigned long long)p.total,
		    (unsigned long long)p.free);
	}
	vfc_check_add(r, "host", "hugepages", VFC_CHECK_OK, NULL, "%s",
		      detail[0] ? detail : "no hugepage pools (optional: hugepages=N on the "
					   "kernel command line)");
}

int vfc_check_host(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		   const struct vfc_iommu_state *st, const struct vfc_check_opts *o,
		   struct vfc_check_report *r)
{
	struct vfc_irq_facts irq;

	vfc_irq_facts_read(ctx, st, &irq);
	check_iommu(st, r);
	vfc_irq_eval(&irq, r);
	check_msi_window(t, r);
	check_modules(ctx, &irq, r);
	check_node(ctx, "/dev/vfio/vfio", true, irq.spapr, r);
	check_node(ctx, "/dev/iommu", false, irq.spapr, r);
	check_noiommu(ctx, t, r);
	check_memlock(ctx, r);
	if (o && o->user)
		vfc_check_memlock_user(ctx, o->user->name, o->user->groups, r);
	check_hugepages(ctx, r);
	vfc_check_initramfs(ctx, r);
	vfc_cdi_check(ctx, t, r);
	return 0;
}
