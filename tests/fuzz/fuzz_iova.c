// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOVA arithmetic (src/core/iova.h): what --window [START+]SIZE, --map SIZE[@IOVA] and
 * --page-size become once parsed, against the valid ranges a kernel (or a fixture) reports.
 * The input is a program: valid ranges (sorted, disjoint, as vfc_ranges_subtract makes them
 * from reserved regions), a window request, then allocator calls. Checked: vfc_window_fit
 * agrees with a model of iova.h's contract (lowest aligned fit, or the fixed start); every
 * block vfc_iova_alloc/reserve hands out lies in the window and one valid range, is aligned,
 * and overlaps no other live block; release gives back exactly what was handed out.
 */
#include <errno.h>
#include <stdbool.h>

#include "core/iova.h"
#include "core/util.h"
#include "fuzz.h"

struct prog {
	const uint8_t *p, *end;
};

static uint8_t byte(struct prog *g)
{
	return g->p < g->end ? *g->p++ : 0;
}

/* Small numbers shifted into place reach page and window boundaries; 0xff: all 64 bits. */
static uint64_t num(struct prog *g)
{
	uint8_t sel = byte(g);
	uint64_t v = 0;

	if (sel == 0xff) {
		for (int i = 0; i < 8; i++)
			v = v << 8 | byte(g);
		return v;
	}
	v = (uint64_t)byte(g) << 8 | byte(g);
	return v << (sel % 64);
}

static bool model_fits(const struct vfc_range *r, uint64_t s, uint64_t size)
{
	return s >= r->start && s <= r->last && size - 1 <= r->last - s;
}

static int model_fit(const struct vfc_range *v, size_t n, const struct vfc_window_req *q,
		     struct vfc_range *out)
{
	uint64_t a = q->align > 1 ? q->align : 1;

	if (!q->size || (a & (a - 1)))
		return -EINVAL;
	if (q->has_start) {
		if (q->start % a || q->start > UINT64_MAX - (q->size - 1))
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if (model_fits(&v[i], q->start, q->size)) {
				*out = (struct vfc_range){ q->start, q->start + q->size - 1 };
				return 0;
			}
		return -ERANGE;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t s = v[i].start % a ? v[i].start + (a - v[i].start % a) : v[i].start;

		if (s < v[i].start)
			continue;	/* rounding up wrapped */
		if (model_fits(&v[i], s, q->size)) {
			*out = (struct vfc_range){ s, s + q->size - 1 };
			return 0;
		}
	}
	return -ERANGE;
}

#define MAX_RANGES 8
#define MAX_BLOCKS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prog g = { data, data + size };
	struct vfc_range holes[MAX_RANGES], valid[MAX_RANGES + 1], all = { 0, 0 }, win, mwin;
	struct vfc_range blocks[MAX_BLOCKS];
	struct vfc_window_req q = { 0 };
	struct vfc_iova_alloc a;
	size_t nholes = byte(&g) % MAX_RANGES, nvalid, nblocks = 0;
	uint64_t pos = num(&g);
	int rc, mrc;

	/* Sorted, disjoint holes inside [0, last]; subtracted they give the valid ranges. */
	all.last = num(&g) | 0xfff;
	for (size_t i = 0; i < nholes; i++) {
		uint64_t gap = num(&g), len = num(&g);

		if (pos > UINT64_MAX - gap || pos + gap > UINT64_MAX - len) {
			nholes = i;
			break;
		}
		holes[i].start = pos + gap;
		holes[i].last = pos + gap + len;
		if (holes[i].last == UINT64_MAX) {
			nholes = i + 1;
			break;
		}
		pos = holes[i].last + 1;
	}
	nvalid = vfc_ranges_subtract(&all, holes, nholes, valid, VFC_ARRAY_SIZE(valid));
	for (size_t i = 0; i < nvalid; i++) {
		FUZZ_CHECK(valid[i].start <= valid[i].last && valid[i].last <= all.last,
			   "subtract: range %zu", i);
		FUZZ_CHECK(!i || valid[i].start > valid[i - 1].last + 1, "subtract: order/merge");
		for (size_t h = 0; h < nholes; h++)
			FUZZ_CHECK(valid[i].last < holes[h].start || valid[i].start > holes[h].last,
				   "subtract: range %zu overlaps hole %zu", i, h);
	}

	q.has_start = byte(&g) & 1;
	q.start = num(&g);
	q.size = num(&g);
	q.align = num(&g);
	rc = vfc_window_fit(valid, nvalid, &q, &win);
	mrc = model_fit(valid, nvalid, &q, &mwin);
	FUZZ_CHECK(rc == mrc && (rc || (win.start == mwin.start && win.last == mwin.last)),
		   "window_fit: %d [%llx,%llx], model %d [%llx,%llx]", rc,
		   (unsigned long long)win.start, (unsigned long long)win.last, mrc,
		   (unsigned long long)mwin.start, (unsigned long long)mwin.last);
	if (rc)
		return 0;

	if (vfc_iova_init(&a, &win, valid, nvalid))
		abort();
	while (g.p < g.end && nblocks < MAX_BLOCKS) {
		uint8_t op = byte(&g);
		uint64_t sz = num(&g), al = op & 0x10 ? num(&g) : 0, iova = 0;

		if (op % 3 == 0) {
			rc = vfc_iova_alloc(&a, sz, al, &iova);
			if (rc)
				FUZZ_CHECK(rc == -ENOSPC || rc == -EINVAL, "alloc: %d", rc);
			if (!rc && al > 1)
				FUZZ_CHECK(!(iova & (al - 1)), "alloc: %llx not aligned to %llx",
					   (unsigned long long)iova, (unsigned long long)al);
		} else if (op % 3 == 1) {
			iova = num(&g);
			rc = vfc_iova_reserve(&a, iova, sz);
		} else {
			if (!nblocks)
				continue;
			size_t k = byte(&g) % nblocks;

			rc = vfc_iova_release(&a, blocks[k].start, blocks[k].last - blocks[k].start + 1);
			FUZZ_CHECK(!rc, "release of a live block: %d", rc);
			blocks[k] = blocks[--nblocks];
			rc = vfc_iova_release(&a, 0, 0);
			FUZZ_CHECK(rc == -ENOENT, "release of nothing: %d", rc);
			continue;
		}
		if (rc)
			continue;
		FUZZ_CHECK(sz && iova <= UINT64_MAX - (sz - 1), "block wraps");
		struct vfc_range b = { iova, iova + sz - 1 };
		bool inside = false;

		FUZZ_CHECK(b.start >= win.start && b.last <= win.last, "block [%llx,%llx] outside window",
			   (unsigned long long)b.start, (unsigned long long)b.last);
		for (size_t i = 0; i < nvalid; i++)
			inside |= b.start >= valid[i].start && b.last <= valid[i].last;
		FUZZ_CHECK(inside, "block [%llx,%llx] not in one valid range",
			   (unsigned long long)b.start, (unsigned long long)b.last);
		for (size_t i = 0; i < nblocks; i++)
			FUZZ_CHECK(b.last < blocks[i].start || b.start > blocks[i].last,
				   "block [%llx,%llx] overlaps a live one", (unsigned long long)b.start,
				   (unsigned long long)b.last);
		blocks[nblocks++] = b;
	}
	FUZZ_CHECK(a.nused == nblocks, "allocator holds %zu blocks, handed out %zu", a.nused,
		   nblocks);
	vfc_iova_fini(&a);
	return 0;
}
