// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/iova.h"

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Round v up to align (a power of two); false on overflow. */
static bool align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t r;

	if (align <= 1) {
		*out = v;
		return true;
	}
	r = (v + align - 1) & ~(align - 1);
	if (r < v)
		return false;
	*out = r;
	return true;
}

/* Does [start, start+size-1] lie inside r? size > 0. */
static bool fits(const struct vfc_range *r, uint64_t start, uint64_t size)
{
	uint64_t last = start + size - 1;

	if (last < start)
		return false;	/* wraps past 2^64 */
	return start >= r->start && last <= r->last;
}

int vfc_window_fit(const struct vfc_range *valid, size_t n, const struct vfc_window_req *req,
		   struct vfc_range *out)
{
	uint64_t align = req->align > 1 ? req->align : 1;

	if (req->size == 0 || !is_pow2(align))
		return -EINVAL;
	if (req->has_start) {
		if (req->start & (align - 1))
			return -EINVAL;
		if (req->start + req->size - 1 < req->start)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			if (fits(&valid[i], req->start, req->size)) {
				out->start = req->start;
				out->last = req->start + req->size - 1;
				return 0;
			}
		}
		return -ERANGE;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t s;

		if (!align_up(valid[i].start, align, &s) || s > valid[i].last)
			continue;
		if (fits(&valid[i], s, req->size)) {
			out->start = s;
			out->last = s + req->size - 1;
			return 0;
		}
	}
	return -ERANGE;
}

size_t vfc_ranges_subtract(const struct vfc_range *all, const struct vfc_range *holes,
			   size_t nholes, struct vfc_range *out, size_t maxout)
{
	struct vfc_range cur = *all;
	size_t n = 0;
	bool open = true;

	/* holes must be sorted by start */
	for (size_t i = 0; i < nholes && open; i++) {
		const struct vfc_range *h = &holes[i];

		if (h->last < cur.start || h->start > cur.last)
			continue;
		if (h->start > cur.start && n < maxout)
			out[n++] = (struct vfc_range){ cur.start, h->start - 1 };
		if (h->last >= cur.last)
			open = false;
		else
			cur.start = h->last + 1;
	}
	if (open && n < maxout)
		out[n++] = cur;
	return n;
}

int vfc_iova_init(struct vfc_iova_alloc *a, const struct vfc_range *window,
		  const struct vfc_range *valid, size_t nvalid)
{
	memset(a, 0, sizeof(*a));
	a->window = *window;
	a->valid = calloc(nvalid ? nvalid : 1, sizeof(*a->valid));
	if (!a->valid)
		return -ENOMEM;
	for (size_t i = 0; i < nvalid; i++) {
		struct vfc_range r = valid[i];

		if (r.last < window->start || r.start > window->last)
			continue;
		if (r.start < window->start)
			r.start = window->start;
		if (r.last > window->last)
			r.last = window->last;
		a->valid[a->nvalid++] = r;
	}
	return 0;
}

void vfc_iova_fini(struct vfc_iova_alloc *a)
{
	free(a->valid);
	free(a->used);
	memset(a, 0, sizeof(*a));
}

static int insert_used(struct vfc_iova_alloc *a, uint64_t iova, uint64_t size)
{
	size_t pos = 0;

	if (a->nused == a->capused) {
		size_t ncap = a->capused ? a->capused * 2 : 16;
		struct vfc_range *nv = reallocarray(a->used, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->used = nv;
		a->capused = ncap;
	}
	while (pos < a->nused && a->used[pos].start < iova)
		pos++;
	memmove(&a->used[pos + 1], &a->used[pos], (a->nused - pos) * sizeof(*a->used));
	a->used[pos] = (struct vfc_range){ iova, iova + size - 1 };
	a->nused++;
	return 0;
}

static bool overlaps_used(const struct vfc_iova_alloc *a, uint64_t iova, uint64_t last, size_t *next)
{
	for (size_t i = 0; i < a->nused; i++) {
		if (a->used[i].last < iova)
			continue;
		if (a->used[i].start > last)
			return false;
		if (next)
			*next = i;
		return true;
	}
	return false;
}

int vfc_iova_alloc(struct vfc_iova_alloc *a, uint64_t size, uint64_t align, uint64_t *iova)
{
	if (size == 0 || (align > 1 && !is_pow2(align)))
		return -EINVAL;
	for (size_t v = 0; v < a->nvalid; v++) {
		uint64_t s;

		if (!align_up(a->valid[v].start, align, &s))
			continue;
		while (s <= a->valid[v].last && fits(&a->valid[v], s, size)) {
			size_t hit;

			if (!overlaps_used(a, s, s + size - 1, &hit)) {
				int rc = insert_used(a, s, size);

				if (rc)
					return rc;
				*iova = s;
				return 0;
			}
			/* jump past the block in the way */
			if (a->used[hit].last == UINT64_MAX ||
			    !align_up(a->used[hit].last + 1, align, &s))
				break;
		}
	}
	return -ENOSPC;
}

int vfc_iova_reserve(struct vfc_iova_alloc *a, uint64_t iova, uint64_t size)
{
	bool inside = false;

	if (size == 0 || iova + size - 1 < iova)
		return -EINVAL;
	for (size_t v = 0; v < a->nvalid && !inside; v++)
		inside = fits(&a->valid[v], iova, size);
	if (!inside)
		return -ERANGE;
	if (overlaps_used(a, iova, iova + size - 1, NULL))
		return -EEXIST;
	return insert_used(a, iova, size);
}

int vfc_iova_release(struct vfc_iova_alloc *a, uint64_t iova, uint64_t size)
{
	for (size_t i = 0; i < a->nused; i++) {
		if (a->used[i].start == iova && a->used[i].last == iova + size - 1) {
			memmove(&a->used[i], &a->used[i + 1],
				(a->nused - i - 1) * sizeof(*a->used));
			a->nused--;
			return 0;
		}
	}
	return -ENOENT;
}

uint64_t vfc_pgsize_best(uint64_t bitmap, uint64_t addr, uint64_t size)
{
	for (int bit = 63; bit >= 0; bit--) {
		uint64_t pg = 1ULL << bit;

		if ((bitmap & pg) && !(addr & (pg - 1)) && !(size & (pg - 1)))
			return pg;
	}
	return 0;
}

const char *vfc_pgsizes_format(uint64_t bitmap, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	size_t used = 0;

	buf[0] = '\0';
	for (int bit = 0; bit < 64; bit++) {
		uint64_t pg = 1ULL << bit;
		char one[16];

		if (!(bitmap & pg))
			continue;
		if (bit < 10)
			snprintf(one, sizeof(one), "%llu", (unsigned long long)pg);
		else
			snprintf(one, sizeof(one), "%llu%c", (unsigned long long)(1ULL << (bit % 10)),
				 units[bit / 10 - 1]);
		/* a size that does not fit is left out whole, never cut to a misleading digit */
		if (used + (used ? 1 : 0) + strlen(one) >= len)
			break;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "", one);
	}
	return buf;
}
