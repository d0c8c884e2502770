// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noiommu (/dev/vfio/noiommu-N, the vfio module's enable_unsafe_noiommu_mode): a container
 * without an IOMMU. No window, no page size, never a mapping: the device sees physical
 * addresses only, so domain.c refuses all three for a backend marked no_iommu.
 */
#include "core/backend.h"

static int set_iommu(struct vfc_domain *d, struct vfc_err *e)
{
	return vfc_container_set_iommu(&d->c, VFIO_NOIOMMU_IOMMU, e);
}

static int noiommu_create(struct vfc_domain *d, const int *groups, size_t ngroups,
			  char *const *bdfs, size_t nbdfs, struct vfc_err *e)
{
	int rc = vfc_legacy_attach(d, groups, ngroups, true, set_iommu, e);

	return rc ? rc : vfc_legacy_devices(d, bdfs, nbdfs);
}

const struct vfc_backend_ops vfc_backend_noiommu = {
	.id = VFC_BACKEND_NOIOMMU,
	.no_iommu = true,
	.create = noiommu_create,
	.detach = vfc_legacy_detach,
};
