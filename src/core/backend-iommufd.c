// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iommufd with the vfio device cdev (/dev/iommu + /dev/vfio/devices/vfioX): an IOAS the target
 * devices attach to. The kernel enforces the window (IOMMU_IOAS_ALLOW_IOVAS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/vftoken.h"

static int iommufd_create(struct vfc_domain *d, const int *groups, size_t ngroups,
			  char *const *bdfs, size_t nbdfs, struct vfc_err *e)
{
	int rc;

	(void)groups;	/* iommufd attaches the devices' cdevs; groups are the legacy container's */
	(void)ngroups;
	rc = vfc_iommufd_open(d->ctx, &d->iommufd, e);
	if (rc)
		return rc;
	/*
	 * iommufd charges pins to the user (every process of the uid shares one locked_vm)
	 * unless switched to per process, which needs CAP_SYS_RESOURCE and an iommufd with no
	 * object yet: try it first; EPERM leaves the kernel's per-user mode, which we report.
	 */
	d->memlock_per_user = vfc_iommufd_rlimit_mode(d->iommufd, true, NULL) != 0;
	rc = vfc_ioas_alloc(d->iommufd, &d->ioas, e);
	if (rc)
		return rc;
	d->ioas_alive = true;
	rc = vfc_cdevs_open(d, bdfs, nbdfs, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < d->ndevs; i++) {
		struct vfc_domain_dev *dv = &d->devs[i];

		rc = vfc_cdev_bind(dv->fd, d->iommufd, &dv->devid, dv->bdf,
				   vfc_domain_vf_token(d, dv->bdf), e);
		if (rc) {
			vfc_vf_token_explain(d->ctx, dv->bdf, vfc_domain_vf_token(d, dv->bdf), rc, e);
			return rc;
		}
		rc = vfc_cdev_attach(dv->fd, d->ioas, dv->bdf, e);
		if (rc)
			return rc;
	}
	/* Ranges of an IOAS reflect its attached devices (0..~0 while it has none). */
	rc = vfc_ioas_ranges(d->iommufd, d->ioas, &d->ranges, &d->nranges, &d->iova_alignment, e);
	if (rc)
		return rc;
	d->ranges_from_kernel = true;
	/* iommufd does not expose page sizes generically: the IOVA alignment is the floor. */
	d->pgsizes = d->iova_alignment ? d->iova_alignment : (uint64_t)sysconf(_SC_PAGESIZE);
	d->has_dma_avail = false;
	return 0;
}

/* Any power of two from the IOVA alignment up: the kernel splits into what the IOMMU has. */
static bool iommufd_page_ok(const struct vfc_domain *d, uint64_t page)
{
	return page >= d->pgsizes;
}

/* The kernel then allocates only inside; fixed maps are still on us. */
static int iommufd_window_set(struct vfc_domain *d, const struct vfc_range *win,
			      struct vfc_err *e)
{
	return vfc_ioas_allow(d->iommufd, d->ioas, win, 1, e);
}

static int iommufd_map(struct vfc_domain *d, struct vfc_mapping *m, struct vfc_err *e)
{
	uint64_t got = m->iova;

	/* Always FIXED: our allocator, confined to the window, picked the IOVA. */
	return vfc_ioas_map(d->iommufd, d->ioas, m->vaddr, m->size, true, &got, true, e);
}

static int iommufd_unmap(struct vfc_domain *d, struct vfc_mapping *m, uint64_t *got,
			 struct vfc_err *e)
{
	return vfc_ioas_unmap(d->iommufd, d->ioas, m->iova, m->size, got, e);
}

static int iommufd_detach(struct vfc_domain *d, struct vfc_err *e)
{
	int first = 0, rc;

	for (size_t i = 0; i < d->ndevs; i++) {
		struct vfc_domain_dev *dv = &d->devs[i];

		if (dv->fd < 0)
			continue;
		if (dv->devid) {
			rc = vfc_cdev_detach(dv->fd, dv->bdf, first ? NULL : e);
			if (rc && !first)
				first = rc;
		}
		close(dv->fd);
		dv->fd = -1;
	}
	if (d->ioas_alive) {
		rc = vfc_iommufd_destroy(d->iommufd, d->ioas, first ? NULL : e);
		if (rc && !first)
			first = rc;
		d->ioas_alive = false;
	}
	if (d->iommufd >= 0)
		close(d->iommufd);
	d->iommufd = -1;
	return first;
}

const struct vfc_backend_ops vfc_backend_iommufd = {
	.id = VFC_BACKEND_IOMMUFD,
	.create = iommufd_create,
	.page_ok = iommufd_page_ok,
	.window_set = iommufd_window_set,
	.map = iommufd_map,
	.unmap = iommufd_unmap,
	.detach = iommufd_detach,
};
