// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/caps.h"
#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/util.h"
#include "core/vftoken.h"

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define HUGE_2M (2ULL << 20)

/* ---- targets and requests (pure over their inputs) ---- */

void vfc_domain_targets_free(struct vfc_domain_targets *t)
{
	for (size_t i = 0; i < t->nbdfs; i++)
		free(t->bdfs[i]);
	free(t->bdfs);
	free(t->groups);
	memset(t, 0, sizeof(*t));
}

static int targets_add_group(struct vfc_domain_targets *t, int g)
{
	int *n;

	for (size_t i = 0; i < t->ngroups; i++)
		if (t->groups[i] == g)
			return 0;
	n = reallocarray(t->groups, t->ngroups + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->groups = n;
	t->groups[t->ngroups++] = g;
	return 0;
}

static int targets_add_bdf(struct vfc_domain_targets *t, const char *bdf)
{
	char **n;

	for (size_t i = 0; i < t->nbdfs; i++)
		if (!strcmp(t->bdfs[i], bdf))
			return 0;
	n = reallocarray(t->bdfs, t->nbdfs + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->bdfs = n;
	t->bdfs[t->nbdfs] = strdup(bdf);
	return t->bdfs[t->nbdfs++] ? 0 : -ENOMEM;
}

static int targets_one(const struct vfc_topology *topo, const char *word,
		       struct vfc_domain_targets *t, struct vfc_targets_error *err)
{
	struct vfc_device **devs;
	struct vfc_target tg;
	size_t n;
	int rc = 0;

	err->word = word;
	err->why = vfc_target_parse(word, &tg);
	if (err->why) {
		err->fail = VFC_TARGETS_SYNTAX;
		return -EINVAL;
	}
	if (vfc_topology_resolve(topo, &tg, &devs, &n)) {
		err->fail = VFC_TARGETS_NOMATCH;
		err->why = vfc_target_nomatch(&tg);
		return -ENODEV;
	}
	for (size_t k = 0; k < n && !rc; k++) {
		const struct vfc_device *d = devs[k];
		const struct vfc_group *g = vfc_topology_group(topo, d->group);

		err->dev = d;
		err->group = g;
		if (!g) {
			err->fail = VFC_TARGETS_NOGROUP;
			rc = -ENOENT;
		} else if (!g->viable) {
			err->fail = VFC_TARGETS_NOT_VIABLE;
			rc = -EBUSY;
		} else {
			rc = targets_add_group(t, g->id);
			/* Devices to open: endpoints on vfio drivers (bridges stay on pcieport). */
			if (!rc && d->is_pci && vfc_driver_is_vfio(d->driver))
				rc = targets_add_bdf(t, d->name);
		}
	}
	free(devs);
	return rc;
}

int vfc_domain_targets(const struct vfc_topology *topo, const char *const *words, size_t n,
		       struct vfc_domain_targets *t, struct vfc_targets_error *err)
{
	int rc = 0;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	for (size_t i = 0; i < n && !rc; i++)
		rc = targets_one(topo, words[i], t, err);
	if (rc)
		vfc_domain_targets_free(t);
	else
		memset(err, 0, sizeof(*err));
	return rc;
}

int vfc_window_req_parse(const char *s, struct vfc_window_req *w)
{
	const char *plus = strchr(s, '+');
	char start[40];

	memset(w, 0, sizeof(*w));
	if (plus) {
		size_t n = (size_t)(plus - s);

		if (n == 0 || n >= sizeof(start))
			return -EINVAL;
		memcpy(start, s, n);
		start[n] = '\0';
		if (vfc_parse_size(start, &w->start))
			return -EINVAL;
		w->has_start = true;
		s = plus + 1;
	}
	if (vfc_parse_size(s, &w->size) || w->size == 0)
		return -EINVAL;
	return 0;
}

int vfc_map_req_parse(const char *s, struct vfc_map_req *m)
{
	char buf[128], *at, *comma;

	memset(m, 0, sizeof(*m));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (comma) {
		*comma++ = '\0';
		if (strcmp(comma, "hugetlb"))
			return -EINVAL;
		m->hugetlb = true;
	}
	at = strchr(buf, '@');
	if (at) {
		*at++ = '\0';
		if (vfc_parse_size(at, &m->iova))
			return -EINVAL;
		m->fixed = true;
	}
	if (vfc_parse_size(buf, &m->size) || !m->size)
		return -EINVAL;
	return 0;
}

/* ---- the domain ---- */

static bool has_cdev(const struct vfc_ctx *ctx, const char *bdf)
{
	return vfc_exists(ctx, "/sys/bus/pci/devices/%s/vfio-dev", bdf) == 1;
}

static int choose_backend(struct vfc_domain *d, enum vfc_backend want, char *const *bdfs,
			  size_t nbdfs, struct vfc_err *e)
{
	unsigned m = d->offered;

	if (want == VFC_BACKEND_AUTO) {
		bool cdevs = nbdfs > 0 && (m & (1u << VFC_BACKEND_IOMMUFD));

		for (size_t i = 0; cdevs && i < nbdfs; i++)
			cdevs = has_cdev(d->ctx, bdfs[i]);
		/* no-IOMMU groups can only be used as such (and only when the caller opts in) */
		want = d->noiommu_groups ? VFC_BACKEND_NOIOMMU
		       : cdevs ? VFC_BACKEND_IOMMUFD
		       : (m & (1u << VFC_BACKEND_TYPE1V2)) ? VFC_BACKEND_TYPE1V2
		       : (m & (1u << VFC_BACKEND_TYPE1)) ? VFC_BACKEND_TYPE1
		       : (m & (1u << VFC_BACKEND_SPAPR2)) ? VFC_BACKEND_SPAPR2
		       : (m & (1u << VFC_BACKEND_SPAPR)) ? VFC_BACKEND_SPAPR
							: VFC_BACKEND_AUTO;
		if (want == VFC_BACKEND_AUTO) {
			vfc_err_set(e, "/dev/vfio/vfio", "the kernel offers no usable IOMMU backend");
			return -EOPNOTSUPP;
		}
	} else if (!(m & (1u << want))) {
		vfc_err_set(e, vfc_backend_name(want), "this kernel does not offer this backend");
		return -EOPNOTSUPP;
	}
	if (want == VFC_BACKEND_NOIOMMU && !d->allow_noiommu) {
		/* No IOMMU means no isolation: the device can DMA anywhere. Never by default. */
		vfc_err_set(e, vfc_backend_name(want), "no IOMMU: the device could DMA to any memory; "
			    "say --unsafe-noiommu to use it anyway");
		return -EPERM;
	}
	d->backend = want;
	d->ops = vfc_backend_ops_of(want);
	return 0;
}

const struct vfc_backend_ops *vfc_backend_ops_of(enum vfc_backend b)
{
	static const struct vfc_backend_ops *const ops[VFC_BACKEND_COUNT] = {
		[VFC_BACKEND_TYPE1] = &vfc_backend_type1,
		[VFC_BACKEND_TYPE1V2] = &vfc_backend_type1v2,
		[VFC_BACKEND_IOMMUFD] = &vfc_backend_iommufd,
		[VFC_BACKEND_SPAPR] = &vfc_backend_spapr,
		[VFC_BACKEND_SPAPR2] = &vfc_backend_spapr2,
		[VFC_BACKEND_NOIOMMU] = &vfc_backend_noiommu,
	};

	return (unsigned)b < VFC_BACKEND_COUNT ? ops[b] : NULL;
}

/*
 * Pinned memory the kernel is about to charge (SPAPR: VFIO_IOMMU_ENABLE and each TCE table):
 * refuse it ourselves, with the shortfall, rather than pass on a bare ENOMEM.
 */
int vfc_memlock_room(const struct vfc_domain *d, uint64_t need, const char *what,
		     struct vfc_err *e)
{
	struct vfc_memlock ml;
	uint64_t short_by;
	char a[32], b[32], c[32], s[32];

	if (vfc_memlock_read(d->ctx, &ml) || !vfc_memlock_check(&ml, need, &short_by))
		return 0;
	vfc_err_set(e, "memlock", "%s %s of locked memory but RLIMIT_MEMLOCK is %s (%s already "
		    "locked): short by %s; raise it (ulimit -l, LimitMEMLOCK=, limits.conf) or grant "
		    "CAP_IPC_LOCK", what, vfc_format_size(need, a, sizeof(a)),
		    vfc_format_size(ml.limit, b, sizeof(b)), vfc_format_size(ml.locked, c, sizeof(c)),
		    vfc_format_size(short_by, s, sizeof(s)));
	return -EPERM;
}

/* A domain with nothing open yet; which of the groups are no-IOMMU; what the kernel offers. */
static struct vfc_domain *domain_new(const struct vfc_ctx *ctx, const int *groups, size_t ngroups)
{
	struct vfc_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ctx = ctx;
	d->c.fd = -1;
	d->iommufd = -1;
	for (size_t i = 0; i < ngroups; i++)
		d->noiommu_groups += vfc_exists(ctx, "/dev/vfio/noiommu-%d", groups[i]) == 1;
	vfc_backends_probe(ctx, NULL, &d->offered);
	return d;
}

int vfc_cdevs_open(struct vfc_domain *d, char *const *bdfs, size_t nbdfs, struct vfc_err *e)
{
	d->devs = calloc(nbdfs ? nbdfs : 1, sizeof(*d->devs));
	if (!d->devs)
		return -ENOMEM;
	for (size_t i = 0; i < nbdfs; i++) {
		struct vfc_domain_dev *dv = &d->devs[i];
		int rc;

		snprintf(dv->bdf, sizeof(dv->bdf), "%s", bdfs[i]);
		dv->group = -1;
		dv->fd = -1;
		d->ndevs = i + 1;
		rc = vfc_cdev_open(d->ctx, dv->bdf, &dv->fd, dv->node, sizeof(dv->node), e);
		if (rc)
			return rc;
	}
	return 0;
}

static int vf_token_open(struct vfc_domain *d, struct vfc_err *e);

/* The end of a constructor: *out = d on success, d destroyed on rc < 0. */
static int domain_done(struct vfc_domain *d, int rc, struct vfc_domain **out)
{
	if (rc) {
		vfc_domain_destroy(d, NULL);
		return rc;
	}
	*out = d;
	return 0;
}

int vfc_domain_create(const struct vfc_ctx *ctx, const int *groups, size_t ngroups,
		      char *const *bdfs, size_t nbdfs, const struct vfc_domain_req *req,
		      struct vfc_domain **out, struct vfc_err *e)
{
	struct vfc_domain *d;
	struct vfc_range win;
	int rc;

	*out = NULL;
	d = domain_new(ctx, groups, ngroups);
	if (!d)
		return -ENOMEM;
	d->allow_noiommu = req->allow_noiommu;
	if (d->noiommu_groups && d->noiommu_groups != ngroups) {
		vfc_err_set(e, "noiommu", "no-IOMMU groups cannot share a domain with IOMMU groups");
		free(d);
		return -EINVAL;
	}
	d->backend_auto = req->backend == VFC_BACKEND_AUTO;
	rc = choose_backend(d, req->backend, bdfs, nbdfs, e);
	if (rc)
		goto fail;
	d->has_vf_token = req->has_vf_token;
	memcpy(d->vf_token, req->vf_token, sizeof(d->vf_token));
	rc = d->ops->create(d, groups, ngroups, bdfs, nbdfs, e);
	if (!rc)
		rc = vf_token_open(d, e);
	if (rc)
		goto fail;

	if (d->ops->no_iommu) {
		if (req->has_window || req->page_size) {
			vfc_err_set(e, "noiommu", "there is no IOMMU: no window and no page size to grant");
			rc = -EOPNOTSUPP;
			goto fail;
		}
		*out = d;
		return 0;
	}
	/* The page size: requested and supported, or the smallest supported. */
	if (req->page_size) {
		if ((req->page_size & (req->page_size - 1)) ||
		    !(d->ops->page_ok ? d->ops->page_ok(d, req->page_size)
				      : (d->pgsizes & req->page_size) != 0)) {
			char want[32], have[VFC_PGSIZES_MAX];

			vfc_err_set(e, vfc_backend_name(d->backend),
				    "page size %s not supported (supported: %s)",
				    vfc_format_size(req->page_size, want, sizeof(want)),
				    vfc_pgsizes_format(d->pgsizes, have, sizeof(have)));
			rc = -EINVAL;
			goto fail;
		}
		d->page_size = req->page_size;
	} else {
		d->page_size = d->pgsizes & -d->pgsizes;	/* lowest set bit */
	}

	if (d->ops->window) {
		rc = d->ops->window(d, req, e);
		if (rc == -ERANGE) {
			*out = d;	/* the caller lists the valid ranges, then destroys it */
			return rc;
		}
		if (rc)
			goto fail;
		win = d->window;
	} else if (req->has_window) {
		struct vfc_window_req w = req->window;

		w.align = d->page_size;
		rc = vfc_window_fit(d->ranges, d->nranges, &w, &win);
		if (rc) {
			vfc_err_set(e, vfc_backend_name(d->backend),
				    rc == -ERANGE ? "the requested window fits no valid IOVA range"
						  : "the requested window is not aligned to the page size");
			*out = d;	/* the caller lists the valid ranges, then destroys it */
			return rc;
		}
		d->has_window = true;
		d->window = win;
		if (d->ops->window_set) {
			rc = d->ops->window_set(d, &win, e);
			if (rc)
				goto fail;
		}
	} else {
		win.start = d->nranges ? d->ranges[0].start : 0;
		win.last = d->nranges ? d->ranges[d->nranges - 1].last : UINT64_MAX;
	}
	rc = vfc_iova_init(&d->alloc, &win, d->ranges, d->nranges);
fail:
	return domain_done(d, rc, out);
}

/*
 * Memory to map: anonymous, or (shared) a memfd so that a program started by exec can map
 * the very pages the IOMMU points at. *memfd is -1 for anonymous memory.
 */
static void *alloc_mem_cpu(uint64_t size, bool hugetlb, bool shared, int *memfd, void *at)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0);
	void *p;

	*memfd = -1;
	if (shared) {
		unsigned mfl = MFD_CLOEXEC | (hugetlb ? MFD_HUGETLB | (21u << MFD_HUGE_SHIFT) : 0);
		int fd = memfd_create("vfioctl-dma", mfl);

		if (fd < 0)
			return NULL;
		if (ftruncate(fd, (off_t)size)) {
			close(fd);
			return NULL;
		}
		p = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | (at ? MAP_FIXED : 0), fd, 0);
		if (p == MAP_FAILED) {
			int err = errno;

			close(fd);
			errno = err;
			return NULL;
		}
		*memfd = fd;
		return p;
	}
	if (hugetlb)
		flags |= MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);
	p = mmap(at, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Memory aligned to align: type1 refuses a vaddr not aligned to the IOMMU's smallest page,
 * which can exceed the CPU page (a 64 KiB virtio-iommu granule on a 4 KiB host), while mmap
 * aligns to the CPU (or huge) page only. Reserve size + align, place the memory at the
 * aligned address inside, and give back the rest.
 */
static void *alloc_mem(uint64_t size, uint64_t align, bool hugetlb, bool shared, int *memfd)
{
	uint64_t natural = hugetlb ? HUGE_2M : (uint64_t)sysconf(_SC_PAGESIZE);
	uintptr_t base, at;
	void *res, *p;
	int err;

	if (align <= natural)
		return alloc_mem_cpu(size, hugetlb, shared, memfd, NULL);
	res = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		   0);
	if (res == MAP_FAILED)
		return NULL;
	base = (uintptr_t)res;
	at = (base + align - 1) & ~(uintptr_t)(align - 1);
	p = alloc_mem_cpu(size, hugetlb, shared, memfd, (void *)at);
	err = errno;
	if (!p) {
		munmap(res, size + align);
		errno = err;
		return NULL;
	}
	if (at > base)
		munmap(res, at - base);
	if (base + size + align > at + size)
		munmap((void *)(at + size), base + size + align - (at + size));
	return p;
}

static void free_mem(struct vfc_mapping *m)
{
	munmap(m->vaddr, m->size);
	if (m->memfd >= 0)
		close(m->memfd);
	m->memfd = -1;
}

static int add_mapping(struct vfc_domain *d, const struct vfc_mapping *m)
{
	struct vfc_mapping *nv = reallocarray(d->maps, d->nmaps + 1, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	d->maps = nv;
	d->maps[d->nmaps++] = *m;
	d->mapped_bytes += m->size;
	return 0;
}

int vfc_domain_map(struct vfc_domain *d, struct vfc_map_req *reqs, size_t n, struct vfc_err *e)
{
	size_t i = 0;

	if (d->ops->no_iommu && n) {
		/* Never pretend: without an IOMMU the device sees physical addresses only. */
		vfc_err_set(e, "noiommu", "no IOMMU, so no mapping: the device uses physical addresses");
		return -EOPNOTSUPP;
	}
	while (i < n) {
		struct vfc_mapping m = { .first_req = i, .hugetlb = reqs[i].hugetlb,
					 .fixed = reqs[i].fixed, .memfd = -1 };
		uint64_t memalign = reqs[i].hugetlb ? HUGE_2M : (uint64_t)sysconf(_SC_PAGESIZE);
		uint64_t total = 0, align;
		size_t j;
		int rc;

		/* A run: adjacent requests that can share one buffer and one kernel mapping. */
		for (j = i; j < n; j++) {
			const struct vfc_map_req *r = &reqs[j];
			char sz[32], pg[32];

			/*
			 * A fixed @IOVA is a promise of where a mapping is, so it stays its own:
			 * type1 v2 and IOMMU_IOAS_UNMAP refuse to split a mapping, and merged
			 * fixed requests could then only be unmapped together.
			 */
			if (j > i && (m.fixed || r->fixed || r->hugetlb != m.hugetlb ||
				      r->shared != reqs[i].shared))
				break;
			if (!r->size || r->size % memalign || r->size % d->page_size) {
				vfc_err_set(e, "map", "size %s is not a multiple of the %s page size",
					    vfc_format_size(r->size, sz, sizeof(sz)),
					    vfc_format_size(memalign > d->page_size ? memalign
										: d->page_size,
							    pg, sizeof(pg)));
				return -EINVAL;
			}
			if (total + r->size < total)
				return -EOVERFLOW;
			total += r->size;
		}
		m.nreqs = j - i;
		m.size = total;
		align = d->page_size > memalign ? d->page_size : memalign;
		if (m.fixed) {
			m.iova = reqs[i].iova;
			rc = vfc_iova_reserve(&d->alloc, m.iova, total);
			if (rc) {
				vfc_err_set(e, "map", rc == -EEXIST
					    ? "IOVA 0x%llx overlaps an existing mapping"
					    : "IOVA 0x%llx (+size) is outside the granted window or in a "
					      "reserved hole", (unsigned long long)m.iova);
				return rc;
			}
		} else {
			rc = vfc_iova_alloc(&d->alloc, total, align, &m.iova);
			if (rc) {
				vfc_err_set(e, "map", "no free IOVA space for the mapping in the window");
				return rc;
			}
		}
		if (d->ops->map_check && (rc = d->ops->map_check(d, memalign, e))) {
			vfc_iova_release(&d->alloc, m.iova, total);
			return rc;
		}
		m.vaddr = alloc_mem(total, align, m.hugetlb, reqs[i].shared, &m.memfd);
		if (!m.vaddr) {
			rc = -errno;
			vfc_iova_release(&d->alloc, m.iova, total);
			vfc_err_set(e, "map", m.hugetlb ? "cannot allocate 2 MiB hugepages"
							: "cannot allocate memory to map");
			return rc;
		}
		rc = d->ops->map(d, &m, e);
		if (!rc) {
			rc = add_mapping(d, &m);
			if (rc && d->ops->unmap(d, &m, NULL, NULL))
				return rc;	/* still mapped: the memory must stay */
		}
		if (rc) {
			free_mem(&m);
			vfc_iova_release(&d->alloc, m.iova, total);
			return rc;
		}
		for (uint64_t off = 0, k = i; k < j; k++) {
			reqs[k].iova = m.iova + off;
			reqs[k].vaddr = (char *)m.vaddr + off;
			off += reqs[k].size;
		}
		i = j;
	}
	return 0;
}

/*
 * Each mapping leaves d->maps as soon as the IOMMU lets go of it and its memory is freed,
 * whatever happens to the next one: a second unmap-all (the callers' teardown) then retries
 * only what failed, and never munmaps freed memory again.
 */
int vfc_domain_unmap_all(struct vfc_domain *d, uint64_t *unmapped, struct vfc_err *e)
{
	size_t kept = 0;
	int first = 0;

	if (unmapped)
		*unmapped = 0;
	for (size_t i = 0; i < d->nmaps; i++) {
		struct vfc_mapping *m = &d->maps[i];
		uint64_t got = 0;
		int rc;

		/* Memory is released only once the IOMMU no longer points at it. */
		rc = d->ops->unmap(d, m, &got, first ? NULL : e);
		if (rc && !first)
			first = rc;
		if (unmapped)
			*unmapped += got;
		if (!rc) {
			free_mem(m);
			vfc_iova_release(&d->alloc, m->iova, m->size);
			d->mapped_bytes -= m->size;
		} else {
			d->maps[kept++] = *m;	/* the IOMMU may still point at it: keep it */
		}
	}
	d->nmaps = kept;
	if (!kept) {
		free(d->maps);
		d->maps = NULL;
		d->mapped_bytes = 0;
	}
	return first;
}

int vfc_domain_unmap(struct vfc_domain *d, uint64_t iova, uint64_t *unmapped, struct vfc_err *e)
{
	struct vfc_mapping *m = NULL;
	uint64_t got = 0;
	size_t k;
	int rc;

	if (unmapped)
		*unmapped = 0;
	for (k = 0; k < d->nmaps && !m; k++) {
		struct vfc_mapping *x = &d->maps[k];

		if (x->iova == iova) {
			m = x;
		} else if (iova > x->iova && iova - x->iova < x->size) {
			if (x->nreqs > 1)
				vfc_err_set(e, "unmap", "0x%llx is inside the mapping 0x%llx+0x%llx, "
					    "which serves %zu requests merged into one (adjacent maps "
					    "without @IOVA share a kernel mapping); the kernel unmaps "
					    "whole mappings: give its start to unmap all of them",
					    (unsigned long long)iova, (unsigned long long)x->iova,
					    (unsigned long long)x->size, x->nreqs);
			else
				vfc_err_set(e, "unmap", "0x%llx is inside the mapping 0x%llx+0x%llx; "
					    "the kernel unmaps whole mappings: give its start",
					    (unsigned long long)iova, (unsigned long long)x->iova,
					    (unsigned long long)x->size);
			return -EINVAL;
		}
	}
	if (!m) {
		vfc_err_set(e, "unmap", "no mapping starts at 0x%llx", (unsigned long long)iova);
		return -ENOENT;
	}
	k--;
	rc = d->ops->unmap(d, m, &got, e);
	if (unmapped)
		*unmapped = got;
	if (rc)
		return rc;	/* the IOMMU may still point at the memory: keep it */
	free_mem(m);
	vfc_iova_release(&d->alloc, m->iova, m->size);
	d->mapped_bytes -= m->size;
	memmove(m, m + 1, (d->nmaps - k - 1) * sizeof(*m));
	d->nmaps--;
	return 0;
}

int vfc_domain_dma_avail(struct vfc_domain *d, uint32_t *avail)
{
	return d->ops->dma_avail ? d->ops->dma_avail(d, avail) : -EOPNOTSUPP;
}

const uint8_t *vfc_domain_vf_token(const struct vfc_domain *d, const char *bdf)
{
	return d->has_vf_token && vfc_vf_token_applies(d->ctx, bdf) ? d->vf_token : NULL;
}

/*
 * The VF token at creation: a target PF gets it (VFIO_DEVICE_FEATURE), and the devices it
 * concerns, or that need one (a VF of a PF on vfio-pci), are opened now (legacy opens on
 * demand), so that a missing or wrong token fails here, explained, not in a later user.
 */
static int vf_token_open(struct vfc_domain *d, struct vfc_err *e)
{
	for (size_t i = 0; i < d->ndevs; i++) {
		const char *bdf = d->devs[i].bdf;
		const uint8_t *tok = vfc_domain_vf_token(d, bdf);
		int fd, rc;

		if (!tok && !vfc_vf_token_needed(d->ctx, bdf, NULL, 0, NULL, 0))
			continue;
		rc = vfc_domain_device_fd(d, bdf, &fd, e);
		if (rc)
			return rc;
		if (tok && vfc_exists(d->ctx, "/sys/bus/pci/devices/%s/sriov_totalvfs", bdf) == 1) {
			rc = vfc_device_set_vf_token(fd, bdf, tok, e);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int vfc_domain_device_fd(struct vfc_domain *d, const char *bdf, int *fd, struct vfc_err *e)
{
	for (size_t i = 0; i < d->ndevs; i++) {
		struct vfc_domain_dev *dv = &d->devs[i];
		char grp[64];
		int64_t gid;

		if (strcmp(dv->bdf, bdf))
			continue;
		if (dv->fd >= 0) {
			*fd = dv->fd;
			return 0;
		}
		if (vfc_read_link_base(d->ctx, grp, sizeof(grp), "/sys/bus/pci/devices/%s/iommu_group",
				       bdf) < 0 || vfc_parse_s64(grp, &gid)) {
			vfc_err_set(e, bdf, "has no IOMMU group");
			return -ENODEV;
		}
		for (size_t g = 0; g < d->ngroups; g++) {
			if (d->groups[g].id != gid)
				continue;
			dv->fd = vfc_vgroup_device_fd(&d->groups[g], bdf, vfc_domain_vf_token(d, bdf),
						      e);
			if (dv->fd < 0) {
				int rc = dv->fd;

				dv->fd = -1;
				vfc_vf_token_explain(d->ctx, bdf, vfc_domain_vf_token(d, bdf), rc, e);
				return rc;
			}
			*fd = dv->fd;
			return 0;
		}
		vfc_err_set(e, bdf, "its group %lld is not in this domain", (long long)gid);
		return -ENODEV;
	}
	vfc_err_set(e, bdf, "not a device of this domain");
	return -ENODEV;
}

int vfc_domain_handoff(const struct vfc_ctx *ctx, const int *groups, size_t ngroups,
		       char *const *bdfs, size_t nbdfs, enum vfc_backend backend,
		       struct vfc_domain **out, struct vfc_err *e)
{
	struct vfc_domain *d;
	int rc;

	*out = NULL;
	d = domain_new(ctx, groups, ngroups);
	if (!d)
		return -ENOMEM;
	d->handoff = true;
	d->backend_auto = backend == VFC_BACKEND_AUTO;
	if (d->noiommu_groups) {
		vfc_err_set(e, "noiommu", "a no-IOMMU group cannot be handed to a VMM (no isolation; "
			    "VMMs refuse it)");
		free(d);
		return -EOPNOTSUPP;
	}
	rc = choose_backend(d, backend, bdfs, nbdfs, e);
	if (rc)
		goto fail;
	if (d->backend == VFC_BACKEND_IOMMUFD) {
		rc = vfc_iommufd_open(ctx, &d->iommufd, e);
		if (rc)
			goto fail;
		/* Only while the iommufd holds no object; the VMM's pins then count per process. */
		d->memlock_per_user = vfc_iommufd_rlimit_mode(d->iommufd, true, NULL) != 0;
		rc = vfc_cdevs_open(d, bdfs, nbdfs, e);
		if (rc)
			goto fail;
	} else {
		rc = vfc_container_open(ctx, &d->c, e);
		if (rc)
			goto fail;
		d->groups = calloc(ngroups ? ngroups : 1, sizeof(*d->groups));
		if (!d->groups) {
			rc = -ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < ngroups; i++) {
			rc = vfc_vgroup_open(ctx, groups[i], false, &d->groups[i], e);
			if (d->groups[i].fd >= 0)
				d->ngroups = i + 1;
			if (rc)
				goto fail;
		}
		rc = vfc_legacy_devices(d, bdfs, nbdfs);
	}
fail:
	return domain_done(d, rc, out);
}

int vfc_node_access(const struct vfc_ctx *ctx, const char *node, unsigned uid,
		    const unsigned *gids, size_t ngids)
{
	char path[PATH_MAX];
	struct stat st;
	int rc = vfc_path(ctx, path, sizeof(path), "%s", node);

	if (rc)
		return rc;
	if (stat(path, &st))
		return -errno;
	if (st.st_uid == uid)
		return (st.st_mode & 0600) == 0600 ? 0 : -EACCES;
	for (size_t i = 0; i < ngids; i++)
		if (st.st_gid == gids[i])
			return (st.st_mode & 0060) == 0060 ? 0 : -EACCES;
	return (st.st_mode & 0006) == 0006 ? 0 : -EACCES;
}

int vfc_memlock_set(uint64_t bytes, uint64_t *hard)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)bytes, .rlim_max = (rlim_t)bytes }, old;

	if (getrlimit(RLIMIT_MEMLOCK, &old))
		return -errno;
	*hard = old.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)old.rlim_max;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	return 0;
}

int vfc_domain_destroy(struct vfc_domain *d, struct vfc_err *e)
{
	int first = 0, rc;

	if (!d)
		return 0;
	if (d->ops) {
		/* 1. unmap everything (memory goes only after the IOMMU lets go of it) */
		if (d->nmaps) {
			rc = vfc_domain_unmap_all(d, NULL, e);
			if (rc && !first)
				first = rc;
		}
		/* 2. the backend's windows and IOMMU state (POWER: before detaching) */
		if (d->ops->release) {
			rc = d->ops->release(d, first ? NULL : e);
			if (rc && !first)
				first = rc;
		}
		/* 3. detach (device fds first), 4. close */
		rc = d->ops->detach(d, first ? NULL : e);
		if (rc && !first)
			first = rc;
	}
	vfc_iova_fini(&d->alloc);
	/* mappings that could not be unmapped keep their memory: the IOMMU may point at it */
	free(d->maps);
	free(d->groups);
	free(d->devs);
	free(d->ranges);
	free(d);
	return first;
}
