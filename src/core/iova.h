/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOVA arithmetic: fitting a requested window into the kernel's valid ranges, and an
 * allocator confined to the granted window. Pure, unit tested (tests/unit/test_iova.c).
 */
#ifndef VFC_IOVA_H
#define VFC_IOVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vfc_range {
	uint64_t start;
	uint64_t last;		/* inclusive: [0, UINT64_MAX] is expressible */
};

static inline uint64_t vfc_range_size(const struct vfc_range *r)
{
	return r->last - r->start + 1;	/* 0 means 2^64 */
}

struct vfc_window_req {
	bool has_start;
	uint64_t start;
	uint64_t size;		/* > 0 */
	uint64_t align;		/* power of two; 0 or 1: none */
};

/*
 * Place the request inside one valid range (ranges sorted, non-overlapping).
 * 0: *out is the window. -ERANGE: no valid range holds it (a fixed start inside a hole,
 * or too large). -EINVAL: size 0, bad alignment, start misaligned, or start+size overflows.
 * Without a start, the lowest aligned fit wins.
 */
int vfc_window_fit(const struct vfc_range *valid, size_t n, const struct vfc_window_req *req,
		   struct vfc_range *out);

/* Subtract reserved regions from [0, max]: valid ranges (as the kernel reports them). */
size_t vfc_ranges_subtract(const struct vfc_range *all, const struct vfc_range *holes,
			   size_t nholes, struct vfc_range *out, size_t maxout);

/* Allocator: hands out IOVAs inside window ∩ valid ranges, avoiding what's in use. */
struct vfc_iova_alloc {
	struct vfc_range window;
	struct vfc_range *valid;	/* valid ranges clipped to the window, sorted */
	size_t nvalid;
	struct vfc_range *used;		/* sorted, non-overlapping */
	size_t nused, capused;
};

int vfc_iova_init(struct vfc_iova_alloc *a, const struct vfc_range *window,
		  const struct vfc_range *valid, size_t nvalid);
void vfc_iova_fini(struct vfc_iova_alloc *a);
/* Lowest free aligned block. -ENOSPC when none. */
int vfc_iova_alloc(struct vfc_iova_alloc *a, uint64_t size, uint64_t align, uint64_t *iova);
/* A fixed block: -ERANGE outside window/valid ranges, -EEXIST overlapping a used block. */
int vfc_iova_reserve(struct vfc_iova_alloc *a, uint64_t iova, uint64_t size);
/* Give back exactly a block handed out before; -ENOENT otherwise. */
int vfc_iova_release(struct vfc_iova_alloc *a, uint64_t iova, uint64_t size);

/* Largest page size in bitmap that is <= limit and divides both addr and size; 0: none. */
uint64_t vfc_pgsize_best(uint64_t bitmap, uint64_t addr, uint64_t size);
/* "4K|2M|1G" into buf. */
/*
 * "4K|2M|1G". An IOMMU that takes every size from its granule up (AMD-Vi, virtio-iommu: 52 bits)
 * needs VFC_PGSIZES_MAX bytes; a shorter buffer ends at the last size that fits whole.
 */
#define VFC_PGSIZES_MAX 320
const char *vfc_pgsizes_format(uint64_t bitmap, char *buf, size_t len);

#endif
