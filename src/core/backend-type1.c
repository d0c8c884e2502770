// SPDX-License-Identifier: GPL-2.0-or-later
/* type1 and type1v2 (vfio_iommu_type1): the x86 and ARM container backend. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/check.h"
#include "core/util.h"

#define TYPE1_DEFAULT_DMA_AVAIL 65535	/* vfio_iommu_type1 dma_entry_limit default */

/*
 * vfio_iommu_type1 refuses to attach a group with EPERM when the host cannot isolate its MSIs
 * (no interrupt remapping, allow_unsafe_interrupts unset): say so, with the fixes, in the
 * same one line as the failed call rather than a bare "Operation not permitted".
 */
static void explain_eperm(const struct vfc_domain *d, struct vfc_err *e)
{
	char why[sizeof(e->what)];
	char call[64];

	if (!e)
		return;
	snprintf(call, sizeof(call), "%.60s", e->what);
	vfc_irq_explain_eperm(d->ctx, why, sizeof(why));
	vfc_err_set(e, e->subject, "%s %s", call, why);
}

static int set_iommu(struct vfc_domain *d, struct vfc_err *e)
{
	int rc = vfc_container_set_iommu(&d->c, d->backend == VFC_BACKEND_TYPE1 ? VFIO_TYPE1_IOMMU
										: VFIO_TYPE1v2_IOMMU, e);

	if (rc == -EPERM)
		explain_eperm(d, e);
	return rc;
}

/* Old kernels report no IOVA ranges: everything but the groups' reserved regions. */
static int ranges_from_resv(struct vfc_domain *d)
{
	struct vfc_range holes[64], all = { 0, UINT64_MAX };
	size_t nh = 0;

	for (size_t g = 0; g < d->ngroups; g++) {
		char buf[8192], *line, *save = NULL;

		if (vfc_read_attr(d->ctx, buf, sizeof(buf), "/sys/kernel/iommu_groups/%d/reserved_regions",
				  d->groups[g].id) < 0)
			continue;
		for (line = strtok_r(buf, "\n", &save); line && nh < 64;
		     line = strtok_r(NULL, "\n", &save)) {
			struct vfc_resv r;

			if (!vfc_parse_resv_line(line, &r) && strcmp(r.type, "direct-relaxable"))
				holes[nh++] = (struct vfc_range){ r.start, r.end };
		}
	}
	/* sort holes by start (few of them: insertion sort) */
	for (size_t i = 1; i < nh; i++)
		for (size_t j = i; j > 0 && holes[j].start < holes[j - 1].start; j--) {
			struct vfc_range t = holes[j];

			holes[j] = holes[j - 1];
			holes[j - 1] = t;
		}
	d->ranges = calloc(nh + 1, sizeof(*d->ranges));
	if (!d->ranges)
		return -ENOMEM;
	d->nranges = vfc_ranges_subtract(&all, holes, nh, d->ranges, nh + 1);
	d->ranges_from_kernel = false;
	return 0;
}

static int type1_create(struct vfc_domain *d, const int *groups, size_t ngroups,
			char *const *bdfs, size_t nbdfs, struct vfc_err *e)
{
	struct vfc_type1_info info;
	int rc;

	rc = vfc_legacy_attach(d, groups, ngroups, false, set_iommu, e);
	if (!rc)
		rc = vfc_legacy_devices(d, bdfs, nbdfs);
	if (rc)
		return rc;
	rc = vfc_type1_info(&d->c, &info, e);
	if (rc)
		return rc;
	d->pgsizes = info.has_pgsizes ? info.pgsizes : (uint64_t)sysconf(_SC_PAGESIZE);
	d->has_dma_avail = info.has_dma_avail;
	d->dma_avail = info.has_dma_avail ? info.dma_avail : TYPE1_DEFAULT_DMA_AVAIL;
	d->has_migration = info.has_migration;
	if (info.ranges) {
		d->ranges = info.ranges;
		d->nranges = info.nranges;
		d->ranges_from_kernel = true;
		return 0;
	}
	return ranges_from_resv(d);
}

static int type1_map(struct vfc_domain *d, struct vfc_mapping *m, struct vfc_err *e)
{
	return vfc_type1_map(&d->c, m->vaddr, m->iova, m->size, true, e);
}

static int type1_unmap(struct vfc_domain *d, struct vfc_mapping *m, uint64_t *got,
		       struct vfc_err *e)
{
	return vfc_type1_unmap(&d->c, m->iova, m->size, got, e);
}

static int type1_dma_avail(struct vfc_domain *d, uint32_t *avail)
{
	struct vfc_type1_info info;
	int rc = vfc_type1_info(&d->c, &info, NULL);

	if (rc)
		return rc;
	vfc_type1_info_free(&info);
	if (!info.has_dma_avail)
		return -EOPNOTSUPP;
	*avail = info.dma_avail;
	return 0;
}

/* v1 and v2 differ only in the type VFIO_SET_IOMMU gets (set_iommu reads d->backend). */
#define TYPE1_OPS(which) { .id = (which), .create = type1_create, .map = type1_map, \
			   .unmap = type1_unmap, .dma_avail = type1_dma_avail, \
			   .detach = vfc_legacy_detach }

const struct vfc_backend_ops vfc_backend_type1 = TYPE1_OPS(VFC_BACKEND_TYPE1);
const struct vfc_backend_ops vfc_backend_type1v2 = TYPE1_OPS(VFC_BACKEND_TYPE1V2);
