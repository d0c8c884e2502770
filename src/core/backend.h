/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA backends behind one table of operations (pciutils' pci_methods, iproute2's
 * link_util): domain.c keeps what every backend shares (targets, the IOVA allocator, runs
 * of map requests, the teardown order) and calls these for what differs. Private to the core.
 *
 * Adding a backend: a new src/core/backend-NAME.c defining its struct vfc_backend_ops, its
 * enum vfc_backend value and name (core/vfio.[ch]), and its line in vfc_backend_ops_of().
 */
#ifndef VFC_BACKEND_H
#define VFC_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/domain.h"

struct vfc_backend_ops {
	enum vfc_backend id;
	bool no_iommu;			/* no isolation: no window, no page size, no mapping */
	/*
	 * Open and attach the targets (groups for the legacy container, the devices' cdevs for
	 * iommufd) and learn the facts: d->ranges, d->pgsizes, dma_avail, SPAPR windows. On
	 * failure whatever was opened stays in d for detach to close.
	 */
	int (*create)(struct vfc_domain *d, const int *groups, size_t ngroups, char *const *bdfs,
		      size_t nbdfs, struct vfc_err *e);
	/* Is this page size usable? NULL: it must be one of d->pgsizes. */
	bool (*page_ok)(const struct vfc_domain *d, uint64_t page);
	/*
	 * Grant the window (d->window, d->has_window) for the request. NULL: the generic fit of
	 * the request in d->ranges. -ERANGE leaves d for the caller to list the valid ranges.
	 */
	int (*window)(struct vfc_domain *d, const struct vfc_domain_req *req, struct vfc_err *e);
	/* After the generic fit: make the kernel enforce it (NULL: the allocator alone does). */
	int (*window_set)(struct vfc_domain *d, const struct vfc_range *win, struct vfc_err *e);
	/* Can memory with pages of memalign be mapped at d->page_size? NULL: yes. */
	int (*map_check)(const struct vfc_domain *d, uint64_t memalign, struct vfc_err *e);
	/* One kernel mapping of m (vaddr, iova, size); may mark m->registered. */
	int (*map)(struct vfc_domain *d, struct vfc_mapping *m, struct vfc_err *e);
	/* Undo map; *got: bytes the kernel unmapped. e may be NULL (a later error of many). */
	int (*unmap)(struct vfc_domain *d, struct vfc_mapping *m, uint64_t *got, struct vfc_err *e);
	/* Remaining mappings the kernel allows (type1 DMA_AVAIL); NULL: -EOPNOTSUPP. */
	int (*dma_avail)(struct vfc_domain *d, uint32_t *avail);
	/* Teardown step 2, with the mappings gone: windows and IOMMU state (NULL: nothing). */
	int (*release)(struct vfc_domain *d, struct vfc_err *e);
	/* Teardown steps 3 and 4: detach devices and groups, close what create opened. */
	int (*detach)(struct vfc_domain *d, struct vfc_err *e);
};

extern const struct vfc_backend_ops vfc_backend_type1, vfc_backend_type1v2;
extern const struct vfc_backend_ops vfc_backend_iommufd;
extern const struct vfc_backend_ops vfc_backend_spapr, vfc_backend_spapr2;
extern const struct vfc_backend_ops vfc_backend_noiommu;

/* The operations of a backend; NULL for VFC_BACKEND_AUTO. */
const struct vfc_backend_ops *vfc_backend_ops_of(enum vfc_backend b);

/* ---- the legacy container, shared by type1, SPAPR and noiommu (backend-legacy.c) ---- */

/*
 * Open the container and attach the groups; set_iommu runs once, after the first group
 * joined (the kernel wants a group before VFIO_SET_IOMMU).
 */
int vfc_legacy_attach(struct vfc_domain *d, const int *groups, size_t ngroups, bool noiommu,
		      int (*set_iommu)(struct vfc_domain *d, struct vfc_err *e), struct vfc_err *e);
/* Close device fds, detach and close the groups, close the container; the first error. */
int vfc_legacy_detach(struct vfc_domain *d, struct vfc_err *e);
/* Remember the target devices so that --verify can open them from their group later. */
int vfc_legacy_devices(struct vfc_domain *d, char *const *bdfs, size_t nbdfs);
/* d->devs for bdfs, each device's cdev opened (unbound): 0 or -errno (e says which). */
int vfc_cdevs_open(struct vfc_domain *d, char *const *bdfs, size_t nbdfs, struct vfc_err *e);

/*
 * Pinned memory the kernel is about to charge to this process: 0 when it fits under
 * RLIMIT_MEMLOCK, else -EPERM with e saying how much is short (what: who charges it).
 */
int vfc_memlock_room(const struct vfc_domain *d, uint64_t need, const char *what,
		     struct vfc_err *e);

#endif
