// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SPAPR TCE (POWER): v1 (the default 32-bit window, VFIO_IOMMU_ENABLE) and v2 (dynamic DMA
 * windows created with TCE_CREATE, memory preregistered before it is mapped).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/util.h"

static int set_iommu(struct vfc_domain *d, struct vfc_err *e)
{
	bool v2 = d->backend == VFC_BACKEND_SPAPR2;
	int rc = vfc_container_set_iommu(&d->c, v2 ? VFIO_SPAPR_TCE_v2_IOMMU : VFIO_SPAPR_TCE_IOMMU,
					 e);

	/*
	 * tce_iommu answers CHECK_EXTENSION(v2) everywhere, but SET_IOMMU(v2) is EPERM where
	 * the table group has no ownership ops: v1 then (as QEMU does), when the caller left
	 * the choice to us.
	 */
	if (rc == -EPERM && v2 && d->backend_auto && (d->offered & (1u << VFC_BACKEND_SPAPR))) {
		d->backend = VFC_BACKEND_SPAPR;
		d->ops = &vfc_backend_spapr;
		d->spapr_fallback = true;
		rc = vfc_container_set_iommu(&d->c, VFIO_SPAPR_TCE_IOMMU, e);
	}
	return rc;
}

#define SPAPR_DEFAULT_PAGE 4096ULL	/* the default 32-bit window uses 4 KiB TCEs */

/* POWER: the valid IOVA space is the set of TCE windows, the default 32-bit one first. */
static int spapr_facts(struct vfc_domain *d, struct vfc_err *e)
{
	int rc = vfc_spapr_info(&d->c, &d->spapr, e);

	if (rc)
		return rc;
	if (d->backend == VFC_BACKEND_SPAPR) {
		/* v1 accounts the whole default window's locked memory here. */
		rc = vfc_memlock_room(d, d->spapr.dma32_size,
				      "VFIO_IOMMU_ENABLE (SPAPR v1) charges the whole default DMA window,", e);
		if (rc)
			return rc;
		rc = vfc_spapr_enable(&d->c, true, e);
		if (rc)
			return rc;
		d->spapr_enabled = true;
	}
	d->pgsizes = SPAPR_DEFAULT_PAGE;
	if (d->backend == VFC_BACKEND_SPAPR2 && d->spapr.ddw)
		d->pgsizes |= d->spapr.ddw_pgsizes;
	d->ranges = calloc(3, sizeof(*d->ranges));
	if (!d->ranges)
		return -ENOMEM;
	if (d->spapr.dma32_size) {
		d->ranges[0].start = d->spapr.dma32_start;
		d->ranges[0].last = d->spapr.dma32_start + d->spapr.dma32_size - 1;
		d->nranges = 1;
	}
	d->ranges_from_kernel = true;
	return 0;
}

static uint64_t pow2_ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p)
		p <<= 1;
	return p;
}

static void spapr_set_ranges(struct vfc_domain *d)
{
	d->nranges = 0;
	if (!d->default_removed && d->spapr.dma32_size)
		d->ranges[d->nranges++] = (struct vfc_range){
			d->spapr.dma32_start, d->spapr.dma32_start + d->spapr.dma32_size - 1 };
	if (d->ncreated)
		d->ranges[d->nranges++] = d->window;
}

/*
 * The SPAPR window: the default one when the request fits it (and its 4 KiB pages), else
 * (v2) a new one, size rounded up to a power of two, levels raised until the kernel accepts.
 * The kernel chooses the start: a requested start it does not grant is refused.
 */
static int spapr_window(struct vfc_domain *d, const struct vfc_domain_req *req,
			struct vfc_err *e)
{
	const struct vfc_window_req *w = &req->window;
	struct vfc_range dflt = { d->spapr.dma32_start, d->spapr.dma32_start + d->spapr.dma32_size - 1 };
	uint64_t size, start = 0, table, cpu_page = (uint64_t)sysconf(_SC_PAGESIZE);
	unsigned shift = (unsigned)__builtin_ctzll(d->page_size), lv, maxlv;
	int rc = -EINVAL;

	if (!d->spapr.dma32_size && !req->has_window) {
		/* size 0 is "no default window", not a window ending at start - 1 = 2^64 - 1 */
		vfc_err_set(e, vfc_backend_name(d->backend), "the platform reports no default DMA "
			    "window (size 0): request one with --window SIZE (spapr2 with dynamic DMA "
			    "windows)");
		return -ERANGE;
	}
	if (!req->has_window && !req->replace_default) {
		d->window = dflt;
		d->has_window = true;
		return 0;
	}
	if (req->has_window && !req->replace_default && d->page_size == SPAPR_DEFAULT_PAGE &&
	    d->spapr.dma32_size) {
		struct vfc_range got;

		if (!vfc_window_fit(&dflt, 1, w, &got)) {
			d->window = dflt;
			d->has_window = true;
			return 0;
		}
	}
	if (d->backend != VFC_BACKEND_SPAPR2 || !d->spapr.ddw) {
		vfc_err_set(e, vfc_backend_name(d->backend), "the requested window fits no valid IOVA "
			    "range (only the default window exists without dynamic DMA windows)");
		return -ERANGE;
	}
	if (req->replace_default && d->spapr.dma32_size) {
		rc = vfc_spapr_remove(&d->c, d->spapr.dma32_start, e);
		if (rc)
			return rc;
		d->default_removed = true;
	} else if (d->spapr.ddw_max_windows < 2) {
		vfc_err_set(e, "spapr2", "no room for another DMA window (the platform supports %u; "
			    "--replace-default frees the default one)", d->spapr.ddw_max_windows);
		return -ENOSPC;
	}
	size = pow2_ceil(req->has_window ? w->size : d->spapr.dma32_size);
	if (size < d->page_size)
		size = d->page_size;
	lv = req->levels ? req->levels : 1;
	maxlv = d->spapr.ddw_levels > lv ? d->spapr.ddw_levels : lv;
	/* tce_iommu_create_table charges the table: 8 bytes per IOMMU page of the window. */
	table = ((size >> shift) * 8 + cpu_page - 1) & ~(cpu_page - 1);
	rc = vfc_memlock_room(d, table, "VFIO_IOMMU_SPAPR_TCE_CREATE charges the window's TCE "
			      "table,", e);
	if (rc)
		return rc;
	for (; lv <= maxlv; lv++) {
		rc = vfc_spapr_create(&d->c, shift, size, lv, &start, e);
		if (!rc)
			break;
	}
	if (rc)
		return rc;
	d->created[d->ncreated++] = start;
	d->levels = lv;
	d->window = (struct vfc_range){ start, start + size - 1 };
	d->has_window = true;
	spapr_set_ranges(d);
	if (req->has_window && w->has_start && w->start != start) {
		vfc_err_set(e, "spapr2", "the kernel placed the window at 0x%llx, not at the requested "
			    "0x%llx (POWER chooses window addresses)", (unsigned long long)start,
			    (unsigned long long)w->start);
		return -ERANGE;
	}
	return 0;
}

static int spapr_create(struct vfc_domain *d, const int *groups, size_t ngroups,
			char *const *bdfs, size_t nbdfs, struct vfc_err *e)
{
	int rc = vfc_legacy_attach(d, groups, ngroups, false, set_iommu, e);

	if (!rc)
		rc = vfc_legacy_devices(d, bdfs, nbdfs);
	return rc ? rc : spapr_facts(d, e);
}

static int spapr_map_check(const struct vfc_domain *d, uint64_t memalign, struct vfc_err *e)
{
	char pg[32], mp[32];

	if (d->page_size <= memalign)
		return 0;
	vfc_err_set(e, "map", "%s IOMMU pages over %s-backed memory cannot be mapped: "
		    "use ,hugetlb (2 MiB pages) or a %s page size",
		    vfc_format_size(d->page_size, pg, sizeof(pg)),
		    vfc_format_size(memalign, mp, sizeof(mp)),
		    vfc_format_size(memalign, mp, sizeof(mp)));
	return -EINVAL;
}

static int spapr_map(struct vfc_domain *d, struct vfc_mapping *m, struct vfc_err *e)
{
	int rc;

	/* v2 maps only preregistered memory: registering is the pinning. */
	if (d->backend == VFC_BACKEND_SPAPR2) {
		rc = vfc_spapr_register(&d->c, m->vaddr, m->size, true, e);
		if (rc)
			return rc;
		m->registered = true;
	}
	rc = vfc_type1_map(&d->c, m->vaddr, m->iova, m->size, true, e);
	if (rc && m->registered) {
		vfc_spapr_register(&d->c, m->vaddr, m->size, false, NULL);
		m->registered = false;
	}
	return rc;
}

static int spapr_unmap(struct vfc_domain *d, struct vfc_mapping *m, uint64_t *got,
		       struct vfc_err *e)
{
	int rc = vfc_type1_unmap(&d->c, m->iova, m->size, got, e);

	/* Memory is unregistered only once the IOMMU no longer points at it. */
	if (!rc && m->registered)
		rc = vfc_spapr_register(&d->c, m->vaddr, m->size, false, e);
	if (!rc)
		m->registered = false;
	return rc;
}

/* Remove the windows we created, then disable (v1): before the groups are detached. */
static int spapr_release(struct vfc_domain *d, struct vfc_err *e)
{
	int first = 0, rc;

	for (size_t i = d->ncreated; i-- > 0;) {
		rc = vfc_spapr_remove(&d->c, d->created[i], first ? NULL : e);
		if (rc && !first)
			first = rc;
	}
	d->ncreated = 0;
	if (d->spapr_enabled) {
		rc = vfc_spapr_enable(&d->c, false, first ? NULL : e);
		if (rc && !first)
			first = rc;
		d->spapr_enabled = false;
	}
	return first;
}

/* One set of functions for both versions: they read d->backend where v1 and v2 differ. */
#define SPAPR_OPS(which) { .id = (which), .create = spapr_create, .window = spapr_window, \
			   .map_check = spapr_map_check, .map = spapr_map, .unmap = spapr_unmap, \
			   .release = spapr_release, .detach = vfc_legacy_detach }

const struct vfc_backend_ops vfc_backend_spapr = SPAPR_OPS(VFC_BACKEND_SPAPR);
const struct vfc_backend_ops vfc_backend_spapr2 = SPAPR_OPS(VFC_BACKEND_SPAPR2);
