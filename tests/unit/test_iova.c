// SPDX-License-Identifier: GPL-2.0-or-later
/* Window fitting and the IOVA allocator, on the ranges measured in the lab guests. */
#include <errno.h>
#include <string.h>

#include "core/iova.h"
#include "tap.h"

/* x86 VT-d (39-bit) with the interrupt window 0xfee00000-0xfeefffff carved out */
static const struct vfc_range x86[] = {
	{ 0x0, 0xfedfffff },
	{ 0xfef00000, 0x7fffffffffULL },
};
/* arm64 SMMUv3 with the MSI window 0x08000000-0x080fffff */
static const struct vfc_range arm[] = {
	{ 0x0, 0x7ffffff },
	{ 0x8100000, 0xffffffffffffULL },
};

int main(void)
{
	struct vfc_range w, out[4];
	struct vfc_window_req rq = { 0 };
	struct vfc_iova_alloc a;
	uint64_t iova;
	char buf[64];

	rq = (struct vfc_window_req){ .size = 1ULL << 30, .align = 4096 };
	OK(!vfc_window_fit(x86, 2, &rq, &w) && w.start == 0 && w.last == (1ULL << 30) - 1,
	   "1 GiB, no start: lowest fit at 0");
	rq = (struct vfc_window_req){ .has_start = true, .start = 0xf0000000, .size = 0x20000000,
				      .align = 4096 };
	OK(vfc_window_fit(x86, 2, &rq, &w) == -ERANGE, "window across the x86 MSI hole refused");
	rq = (struct vfc_window_req){ .size = 0xfee00001ULL, .align = 4096 };
	OK(!vfc_window_fit(x86, 2, &rq, &w) && w.start == 0xfef00000,
	   "too big for the low range: placed above the hole");
	rq = (struct vfc_window_req){ .has_start = true, .start = 0x8000000, .size = 0x100000 };
	OK(vfc_window_fit(arm, 2, &rq, &w) == -ERANGE, "arm64 MSI window refused");
	rq = (struct vfc_window_req){ .has_start = true, .start = 0x8100000, .size = 0x100000 };
	OK(!vfc_window_fit(arm, 2, &rq, &w) && w.start == 0x8100000, "right above the MSI hole ok");
	rq = (struct vfc_window_req){ .size = 1ULL << 40, .align = 1ULL << 30 };
	OK(vfc_window_fit(x86, 2, &rq, &w) == -ERANGE, "1 TiB does not fit 39 bits");
	rq = (struct vfc_window_req){ .has_start = true, .start = 0x1001, .size = 4096,
				      .align = 4096 };
	OK(vfc_window_fit(x86, 2, &rq, &w) == -EINVAL, "misaligned start refused");
	rq = (struct vfc_window_req){ .has_start = true, .start = UINT64_MAX - 10, .size = 4096 };
	OK(vfc_window_fit(x86, 2, &rq, &w) == -EINVAL, "start+size overflow refused");
	rq = (struct vfc_window_req){ .size = 0 };
	OK(vfc_window_fit(x86, 2, &rq, &w) == -EINVAL, "zero size refused");
	rq = (struct vfc_window_req){ .size = 0x1000, .align = 3 };
	OK(vfc_window_fit(x86, 2, &rq, &w) == -EINVAL, "non power of two alignment refused");

	{
		struct vfc_range all = { 0, UINT64_MAX };
		struct vfc_range holes[] = { { 0xfee00000, 0xfeefffff } };
		size_t n = vfc_ranges_subtract(&all, holes, 1, out, 4);

		OK(n == 2 && out[0].last == 0xfedfffff && out[1].start == 0xfef00000 &&
		   out[1].last == UINT64_MAX, "subtract a hole");
	}

	w = (struct vfc_range){ 0xfe000000, 0xffffffff };
	OK(!vfc_iova_init(&a, &w, x86, 2) && a.nvalid == 2 && a.valid[0].last == 0xfedfffff &&
	   a.valid[1].start == 0xfef00000 && a.valid[1].last == 0xffffffff,
	   "allocator clips valid ranges to the window");
	OK(!vfc_iova_alloc(&a, 0x800000, 0x200000, &iova) && iova == 0xfe000000, "first block");
	OK(!vfc_iova_alloc(&a, 0x800000, 0x200000, &iova) && iova == 0xff000000,
	   "a block that would cross the hole goes above it");
	OK(!vfc_iova_alloc(&a, 0x200000, 0x200000, &iova) && iova == 0xfe800000,
	   "a small block fills the gap below the hole");
	OK(vfc_iova_reserve(&a, 0xfee00000, 0x1000) == -ERANGE, "fixed map in the hole refused");
	OK(vfc_iova_reserve(&a, 0xfe000000, 0x1000) == -EEXIST, "fixed map over a used block");
	OK(vfc_iova_reserve(&a, 0x1000, 0x1000) == -ERANGE, "fixed map outside the window refused");
	OK(!vfc_iova_reserve(&a, 0xffa00000, 0x1000), "fixed map inside the window");
	OK(!vfc_iova_release(&a, 0xff000000, 0x800000), "release");
	OK(vfc_iova_release(&a, 0xff000000, 0x800000) == -ENOENT, "double release refused");
	OK(!vfc_iova_alloc(&a, 0x400000, 0x1000, &iova) && iova == 0xfea00000,
	   "exact fit below the hole");
	OK(!vfc_iova_alloc(&a, 0x800000, 0x1000, &iova) && iova == 0xfef00000,
	   "4K-aligned: lowest free address right above the hole");
	OK(vfc_iova_alloc(&a, 0x10000000, 0x1000, &iova) == -ENOSPC, "too big: ENOSPC");
	vfc_iova_fini(&a);

	OK(vfc_pgsize_best(0x40201000, 0x200000, 0x400000) == 0x200000, "2M pages for 2M-aligned");
	OK(vfc_pgsize_best(0x40201000, 0x201000, 0x400000) == 0x1000, "4K when misaligned");
	OK(vfc_pgsize_best(0x200000, 0x1000, 0x1000) == 0, "none when nothing fits");
	IS_STR(vfc_pgsizes_format(0x40201000, buf, sizeof(buf)), "4K|2M|1G", "x86 page sizes");
	IS_STR(vfc_pgsizes_format(0x1011000, buf, sizeof(buf)), "4K|64K|16M", "POWER page sizes");
	{
		/* AMD-Vi and virtio-iommu: every size from 4K up; never a cut token */
		char big[VFC_PGSIZES_MAX], small[12];

		vfc_pgsizes_format(~0xfffULL, big, sizeof(big));
		OK(strncmp(big, "4K|8K|16K|", 10) == 0 && strlen(big) > 150 &&
			   strcmp(big + strlen(big) - 3, "|8E") == 0,
		   "all sizes from 4K: the whole list ends at 8E");
		IS_STR(vfc_pgsizes_format(~0xfffULL, small, sizeof(small)), "4K|8K|16K",
		       "a short buffer ends at the last whole size");
	}
	return tap_done();
}
