// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl domain TARGET...`: create a DMA domain with a requested window, report what the
 * kernel granted (ranges, page sizes, mapping budget), map/pin as asked, optionally prove
 * DMA through a mapping, and tear down in the safe order. A one-shot answer to "can this
 * group be used this way, and what will it cost?".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cap-ng.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/wait.h>

#include "core/caps.h"
#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/topology.h"
#include "cmd/domain.h"
#include "vfioctl.h"

static struct {
	char *backend, *window, *page_size, *pin;
	char **maps;
	int verify, levels, replace_default, unsafe_noiommu;
} dopt;

static const struct poptOption domain_options[] = {
	{ "backend", 'b', POPT_ARG_STRING, &dopt.backend, 0,
	  "auto (iommufd+cdev, else type1v2, else type1, else spapr2, spapr), type1, type1v2, iommufd, spapr, spapr2",
	  "BACKEND" },
	{ "window", 'w', POPT_ARG_STRING, &dopt.window, 0,
	  "requested IOVA window; no START: lowest aligned fit", "[START+]SIZE" },
	{ "page-size", 'p', POPT_ARG_STRING, &dopt.page_size, 0,
	  "IOMMU page size to use (checked against what the domain supports)", "SIZE" },
	{ "map", 'm', POPT_ARG_ARGV, &dopt.maps, 0,
	  "map anonymous memory (repeatable); @IOVA fixes the address; ,hugetlb uses 2 MiB pages",
	  "SIZE[@IOVA][,hugetlb]" },
	{ "pin", 0, POPT_ARG_STRING, &dopt.pin, 0, "map and pin SIZE bytes, reporting the time",
	  "SIZE" },
	{ "levels", 0, POPT_ARG_INT, &dopt.levels, 0,
	  "SPAPR v2: TCE table levels to start from (raised until the kernel accepts)", "N" },
	{ "replace-default", 0, POPT_ARG_NONE, &dopt.replace_default, 0,
	  "SPAPR v2: remove the default 32-bit window before creating the requested one", NULL },
	{ "unsafe-noiommu", 0, POPT_ARG_NONE, &dopt.unsafe_noiommu, 0,
	  "allow a no-IOMMU group (no isolation: the device can DMA anywhere)", NULL },
	{ "verify", 0, POPT_ARG_NONE, &dopt.verify, 0,
	  "prove the first mapping carries DMA (needs an edu device in the domain)", NULL },
	POPT_TABLEEND
};

/* ---- columns ---- */

enum {
	C_NAME, C_BACKEND, C_OFFERED, C_GROUPS, C_DEVICES, C_REQ_START, C_REQ_SIZE, C_WIN_START,
	C_WIN_LAST,
	C_WIN_SIZE, C_PAGE_SIZE, C_PAGE_SIZES, C_RANGES_SRC, C_RANGES, C_RESV, C_DMA_LIMIT_SRC,
	C_DMA_AVAIL, C_DMA_AVAIL_AFTER, C_MEMLOCK_LIMIT, C_MEMLOCK_LOCKED, C_CAP_IPC_LOCK,
	C_MAPPED, C_KMAPS, C_MAPPINGS, C_PIN_MS, C_VERIFY, C_UNMAPPED, C_DEF_WIN, C_DDW_WINDOWS,
	C_DDW_LEVELS, C_CREATED, C_LEVELS,
};

enum { RG_START, RG_LAST, RG_SIZE };
static const struct out_col range_cols[] = {
	[RG_START] = { "START", OUT_STR, 18, OUT_DEFAULT, "first IOVA (hex string)" },
	[RG_LAST] = { "LAST", OUT_STR, 18, OUT_DEFAULT, "last IOVA, inclusive (hex string)" },
	[RG_SIZE] = { "SIZE", OUT_STR, 10, OUT_DEFAULT, "size (hex string)" },
};
static const struct out_schema range_schema = { "iova_ranges", range_cols, 3 };

enum { RV_GROUP, RV_START, RV_END, RV_TYPE };
static const struct out_col resv_cols[] = {
	[RV_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT, "group" },
	[RV_START] = { "START", OUT_STR, 18, OUT_DEFAULT, "first address (hex string)" },
	[RV_END] = { "END", OUT_STR, 18, OUT_DEFAULT, "last address (hex string)" },
	[RV_TYPE] = { "TYPE", OUT_STR, 8, OUT_DEFAULT, "msi, direct, reserved, ..." },
};
static const struct out_schema resv_schema = { "reserved_regions", resv_cols, 4 };

enum { M_IOVA, M_SIZE, M_HUGETLB, M_FIXED, M_KMAP };
static const struct out_col map_cols[] = {
	[M_IOVA] = { "IOVA", OUT_STR, 18, OUT_DEFAULT, "where the mapping landed (hex string)" },
	[M_SIZE] = { "SIZE", OUT_STR, 10, OUT_DEFAULT, "bytes (hex string)" },
	[M_HUGETLB] = { "HUGETLB", OUT_BOOL, 3, OUT_DEFAULT, "backed by 2 MiB hugepages" },
	[M_FIXED] = { "FIXED", OUT_BOOL, 3, OUT_DEFAULT, "the IOVA was requested" },
	[M_KMAP] = { "KERNEL_MAPPING", OUT_NUM, 3, OUT_DEFAULT,
		     "index of the kernel mapping serving it (adjacent requests share one)" },
};
static const struct out_schema map_schema = { "mappings", map_cols, 5 };

static const struct out_col dom_cols[] = {
	[C_NAME] = { "NAME", OUT_STR, 8, OUT_SPARSE,
		     "the domain's name in a batch session (null: a one-shot domain)" },
	[C_BACKEND] = { "BACKEND", OUT_STR, 8, 0, "backend used" },
	[C_OFFERED] = { "OFFERED", OUT_STRV, 8, 0, "backends this kernel offers" },
	[C_GROUPS] = { "GROUPS", OUT_STRV, 8, 0, "IOMMU groups in the domain" },
	[C_DEVICES] = { "DEVICES", OUT_STRV, 8, 0, "target devices" },
	[C_REQ_START] = { "REQUESTED_START", OUT_STR, 8, OUT_SPARSE, "requested window start (null: any)" },
	[C_REQ_SIZE] = { "REQUESTED_SIZE", OUT_STR, 8, OUT_SPARSE, "requested window size (null: none)" },
	[C_WIN_START] = { "WINDOW_START", OUT_STR, 8, 0, "granted window start" },
	[C_WIN_LAST] = { "WINDOW_LAST", OUT_STR, 8, 0, "granted window last address" },
	[C_WIN_SIZE] = { "WINDOW_SIZE", OUT_STR, 8, 0, "granted window size" },
	[C_PAGE_SIZE] = { "PAGE_SIZE", OUT_NUM, 8, 0, "IOMMU page size used, bytes" },
	[C_PAGE_SIZES] = { "PAGE_SIZES", OUT_STRV, 8, 0, "page sizes the domain supports" },
	[C_RANGES_SRC] = { "RANGES_SOURCE", OUT_STR, 8, 0,
			   "kernel (IOVA range capability) or reserved_regions (old kernel)" },
	[C_RANGES] = { "IOVA_RANGES", OUT_SUB, 0, 0, "valid IOVA ranges", &range_schema },
	[C_RESV] = { "RESERVED_REGIONS", OUT_SUB, 0, 0, "reserved regions of the groups",
		     &resv_schema },
	[C_DMA_LIMIT_SRC] = { "DMA_AVAIL_SOURCE", OUT_STR, 8, OUT_SPARSE,
			      "kernel (DMA_AVAIL capability), assumed (65535 default), or null" },
	[C_DMA_AVAIL] = { "DMA_AVAIL", OUT_NUM, 8, OUT_SPARSE, "kernel mappings still available" },
	[C_DMA_AVAIL_AFTER] = { "DMA_AVAIL_AFTER_MAP", OUT_NUM, 8, OUT_SPARSE,
				"kernel mappings available after the maps" },
	[C_MEMLOCK_LIMIT] = { "MEMLOCK_LIMIT", OUT_NUM, 8, 0, "RLIMIT_MEMLOCK (null: unlimited)" },
	[C_MEMLOCK_LOCKED] = { "MEMLOCK_LOCKED", OUT_NUM, 8, 0, "bytes already locked" },
	[C_CAP_IPC_LOCK] = { "CAP_IPC_LOCK", OUT_BOOL, 3, 0, "the memlock limit does not apply" },
	[C_MAPPED] = { "MAPPED_BYTES", OUT_NUM, 8, 0, "bytes mapped (and pinned)" },
	[C_KMAPS] = { "KERNEL_MAPPINGS", OUT_NUM, 8, 0, "kernel mappings used" },
	[C_MAPPINGS] = { "MAPPINGS", OUT_SUB, 0, 0, "the maps performed", &map_schema },
	[C_PIN_MS] = { "MAP_MS", OUT_NUM, 8, 0, "milliseconds the maps (pinning) took" },
	[C_VERIFY] = { "VERIFY", OUT_STR, 8, OUT_SPARSE, "DMA round trip result (null: not asked)" },
	[C_UNMAPPED] = { "UNMAPPED_BYTES", OUT_NUM, 8, OUT_SPARSE,
			 "bytes the kernel confirmed unmapped at the end (null: it lives on)" },
	[C_DEF_WIN] = { "DEFAULT_WINDOW", OUT_STR, 8, OUT_SPARSE,
			"SPAPR: the default 32-bit window, START+SIZE (null: not POWER)" },
	[C_DDW_WINDOWS] = { "DDW_MAX_WINDOWS", OUT_NUM, 8, OUT_SPARSE, "SPAPR v2: windows the platform allows" },
	[C_DDW_LEVELS] = { "DDW_LEVELS", OUT_NUM, 8, OUT_SPARSE, "SPAPR v2: maximum TCE table levels" },
	[C_CREATED] = { "WINDOW_CREATED", OUT_BOOL, 3, OUT_SPARSE,
			"SPAPR v2: the granted window was created for this request" },
	[C_LEVELS] = { "LEVELS", OUT_NUM, 8, OUT_SPARSE, "SPAPR v2: levels the created window got" },
};
static const struct out_schema dom_schema = { "domain", dom_cols, VFC_ARRAY_SIZE(dom_cols) };

static void hex(struct out_row *r, int col, uint64_t v)
{
	out_set_strf(r, col, "0x%llx", (unsigned long long)v);
}

/* ---- targets ---- */

int vfc_cmd_targets(const struct vfc_topology *topo, int argc, const char **argv,
		    struct vfc_domain_targets *t)
{
	struct vfc_targets_error err;
	const struct vfc_blocker *b;
	int rc = vfc_domain_targets(topo, argv, (size_t)argc, t, &err);

	switch (rc ? err.fail : VFC_TARGETS_OK) {
	case VFC_TARGETS_OK:
		return VFC_EXIT_OK;
	case VFC_TARGETS_SYNTAX:
		return vfc_usage_error("%s: %s", err.word, err.why);
	case VFC_TARGETS_NOMATCH:
		vfc_err(err.word, 0, "%s", err.why);
		return VFC_EXIT_NODEV;
	case VFC_TARGETS_NOGROUP:
		vfc_err(err.dev->name, 0, "has no IOMMU group (is the IOMMU on? is it bound to "
			"vfio-pci?)");
		return VFC_EXIT_PROBLEMS;
	case VFC_TARGETS_NOT_VIABLE:
		b = &err.group->blockers[0];
		vfc_err(err.dev->name, 0, "group %d is not viable: %s %s; %s", err.group->id,
			b->dev->name, b->reason, b->fix);
		return VFC_EXIT_PROBLEMS;
	}
	vfc_err("targets", rc, "cannot resolve the targets");
	return vfc_exit_for_errno(rc);
}

/*
 * Who holds what the kernel refused: a group node (/dev/vfio/N: type1, or an iommufd cdev bind
 * while the group node is open, EBUSY) or a device (its cdev bound to another process's
 * iommufd: the kernel says EINVAL). NULL if no other process is seen there.
 */
static const struct vfc_holder *holder_of(const struct vfc_topology *topo, const char *subject)
{
	const struct vfc_device *d;
	const struct vfc_group *g;
	struct vfc_pciaddr a;
	int id;

	if (sscanf(subject, "/dev/vfio/%d", &id) == 1) {
		g = vfc_topology_group(topo, id);
	} else {
		if (vfc_pciaddr_parse(subject, &a))
			return NULL;
		d = vfc_topology_device(topo, &a);
		g = d ? vfc_topology_group(topo, d->group) : NULL;
	}
	for (size_t i = 0; g && i < g->nholders; i++)
		if (g->holders[i].pid != getpid())
			return &g->holders[i];
	return NULL;
}

int vfc_cmd_domain_refused(const struct vfc_ctx *ctx, const struct vfc_err *e, int rc)
{
	const struct vfc_holder *h = NULL;
	struct vfc_topology *topo = NULL;
	int x;

	if ((rc == -EBUSY || rc == -EINVAL) && e->subject[0] &&
	    !vfc_topology_scan(ctx, VFC_SCAN_HOLDERS, &topo))
		h = holder_of(topo, e->subject);
	if (h) {
		vfc_err(e->subject, 0, "in use: held by pid %d (%s) via %s (%s: %s)", (int)h->pid,
			h->comm, h->path, e->what, strerror(-rc));
		x = VFC_EXIT_BUSY;
	} else {
		vfc_err(e->subject[0] ? e->subject : NULL, rc, "%s", e->what);
		x = vfc_exit_for_errno(rc);
	}
	vfc_topology_free(topo);
	return x;
}

static int fail(const struct vfc_err *e, int rc)
{
	vfc_err(e->subject[0] ? e->subject : NULL, rc, "%s", e->what);
	return vfc_exit_for_errno(rc);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fill_facts(struct out_row *r, struct vfc_domain *d, const struct vfc_domain_req *req,
		       const struct vfc_domain_targets *t, const struct vfc_memlock *ml)
{
	char **sv, buf[64];
	struct out_table *sub;

	out_set_str(r, C_BACKEND, vfc_backend_name(d->backend));
	sv = calloc(VFC_BACKEND_COUNT + 1, sizeof(*sv));
	for (size_t i = 0, k = 0; sv && i < VFC_BACKEND_COUNT; i++)
		if (d->offered & (1u << i))
			sv[k++] = (char *)vfc_backend_name((enum vfc_backend)i);
	out_set_strv(r, C_OFFERED, sv);
	free(sv);
	sv = calloc(t->ngroups + 1, sizeof(*sv));
	for (size_t i = 0; sv && i < t->ngroups; i++)
		if (asprintf(&sv[i], "%d", t->groups[i]) < 0)
			sv[i] = NULL;
	out_set_strv(r, C_GROUPS, sv);
	vfc_strv_free(sv);
	sv = calloc(t->nbdfs + 1, sizeof(*sv));
	for (size_t i = 0; sv && i < t->nbdfs; i++)
		sv[i] = t->bdfs[i];
	out_set_strv(r, C_DEVICES, sv);
	free(sv);
	if (req->has_window) {
		if (req->window.has_start)
			hex(r, C_REQ_START, req->window.start);
		hex(r, C_REQ_SIZE, req->window.size);
	}
	if (d->has_window) {
		hex(r, C_WIN_START, d->window.start);
		hex(r, C_WIN_LAST, d->window.last);
		hex(r, C_WIN_SIZE, vfc_range_size(&d->window));
	}
	if (d->backend != VFC_BACKEND_NOIOMMU)
		out_set_num(r, C_PAGE_SIZE, (int64_t)d->page_size);
	vfc_pgsizes_format(d->pgsizes, buf, sizeof(buf));
	{
		char **words;

		for (char *p = buf; *p; p++)
			if (*p == '|')
				*p = ' ';
		if (vfc_split_words(buf, &words) >= 0) {
			out_set_strv(r, C_PAGE_SIZES, words);
			vfc_strv_free(words);
		}
	}
	if (d->backend != VFC_BACKEND_NOIOMMU)
		out_set_str(r, C_RANGES_SRC, d->ranges_from_kernel ? "kernel" : "reserved_regions");
	sub = out_sub(r, C_RANGES);
	for (size_t i = 0; i < d->nranges; i++) {
		struct out_row *x = out_row_add(sub);

		hex(x, RG_START, d->ranges[i].start);
		hex(x, RG_LAST, d->ranges[i].last);
		hex(x, RG_SIZE, vfc_range_size(&d->ranges[i]));
	}
	sub = out_sub(r, C_RESV);
	for (size_t g = 0; g < t->ngroups; g++) {
		char rb[8192], *line, *save = NULL;

		if (vfc_read_attr(d->ctx, rb, sizeof(rb), "/sys/kernel/iommu_groups/%d/reserved_regions",
				  t->groups[g]) < 0)
			continue;
		for (line = strtok_r(rb, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			struct vfc_resv rv;
			struct out_row *x;

			if (vfc_parse_resv_line(line, &rv))
				continue;
			x = out_row_add(sub);
			out_set_num(x, RV_GROUP, t->groups[g]);
			out_set_strf(x, RV_START, "0x%016llx", (unsigned long long)rv.start);
			out_set_strf(x, RV_END, "0x%016llx", (unsigned long long)rv.end);
			out_set_str(x, RV_TYPE, rv.type);
		}
	}
	if (d->backend == VFC_BACKEND_TYPE1 || d->backend == VFC_BACKEND_TYPE1V2) {
		out_set_str(r, C_DMA_LIMIT_SRC, d->has_dma_avail ? "kernel" : "assumed");
		out_set_num(r, C_DMA_AVAIL, d->dma_avail);
	}
	if (d->backend == VFC_BACKEND_SPAPR || d->backend == VFC_BACKEND_SPAPR2) {
		out_set_strf(r, C_DEF_WIN, "0x%llx+0x%llx", (unsigned long long)d->spapr.dma32_start,
			     (unsigned long long)d->spapr.dma32_size);
		if (d->spapr.ddw) {
			out_set_num(r, C_DDW_WINDOWS, d->spapr.ddw_max_windows);
			out_set_num(r, C_DDW_LEVELS, d->spapr.ddw_levels);
		}
		out_set_bool(r, C_CREATED, d->ncreated > 0);
		if (d->ncreated)
			out_set_num(r, C_LEVELS, d->levels);
	}
	if (!ml->unlimited)
		out_set_num(r, C_MEMLOCK_LIMIT, (int64_t)ml->limit);
	out_set_num(r, C_MEMLOCK_LOCKED, (int64_t)ml->locked);
	out_set_bool(r, C_CAP_IPC_LOCK, ml->cap_ipc_lock);
}

/* Everything a domain needs before the kernel is touched; shared by domain and exec. */
struct prep {
	struct vfc_domain_req req;
	struct vfc_map_req *maps;
	size_t nmaps;
	struct vfc_domain_targets t;
	struct vfc_topology *topo;
	struct vfc_memlock ml;
};

static void prep_free(struct prep *p)
{
	vfc_domain_targets_free(&p->t);
	vfc_topology_free(p->topo);
	free(p->maps);
	memset(p, 0, sizeof(*p));
}

/* Fail before touching anything when the pins cannot fit (RLIMIT_MEMLOCK, hugepage pool). */
static int precheck(struct vfc_cli *cli, const struct vfc_memlock *ml, uint64_t need,
		    uint64_t hugeneed)
{
	uint64_t short_by;
	char a[32], b[32], c[32], d[32];

	if (vfc_memlock_check(ml, need, &short_by)) {
		vfc_err("memlock", 0, "mapping needs %s locked memory but RLIMIT_MEMLOCK is %s (%s "
			"already locked): short by %s; raise it (ulimit -l, LimitMEMLOCK=, limits.conf) "
			"or grant CAP_IPC_LOCK",
			vfc_format_size(need, a, sizeof(a)), vfc_format_size(ml->limit, b, sizeof(b)),
			vfc_format_size(ml->locked, c, sizeof(c)),
			vfc_format_size(short_by, d, sizeof(d)));
		return VFC_EXIT_PERM;
	}
	if (hugeneed) {
		struct vfc_hugepool hp;
		uint64_t pages = (hugeneed + (2ULL << 20) - 1) >> 21;

		if (vfc_hugepool_read(&cli->ctx, 2ULL << 20, &hp) || hp.free < pages) {
			vfc_err("hugepages", 0, "mapping needs %llu free 2 MiB hugepages, the pool has "
				"%llu free of %llu; grow it: echo %llu > /sys/kernel/mm/hugepages/"
				"hugepages-2048kB/nr_hugepages",
				(unsigned long long)pages, (unsigned long long)hp.free,
				(unsigned long long)hp.total,
				(unsigned long long)(hp.total - hp.free + pages));
			return VFC_EXIT_FAILED;
		}
	}
	return 0;
}

/* Parse options, resolve targets, and refuse early what cannot work (memlock, hugepages). */
static int prepare(struct vfc_cli *cli, const char *cmd, int argc, const char **argv,
		   bool shared_maps, struct prep *p)
{
	uint64_t need = 0, hugeneed = 0;
	size_t nuser = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->req.backend = VFC_BACKEND_AUTO;
	if (argc < 1)
		return vfc_usage_error("%s: a TARGET is required", cmd);
	if (dopt.backend && vfc_backend_parse(dopt.backend, &p->req.backend))
		return vfc_usage_error("--backend: unknown backend '%s'", dopt.backend);
	if (dopt.window && !vfc_window_req_parse(dopt.window, &p->req.window))
		p->req.has_window = true;
	else if (dopt.window)
		return vfc_usage_error("--window: '%s' is not [START+]SIZE", dopt.window);
	if (dopt.levels < 0 || dopt.levels > 8)
		return vfc_usage_error("--levels: %d is not 1..8", dopt.levels);
	p->req.levels = (unsigned)dopt.levels;
	p->req.replace_default = dopt.replace_default;
	p->req.allow_noiommu = dopt.unsafe_noiommu;
	if (dopt.page_size && (vfc_parse_size(dopt.page_size, &p->req.page_size) ||
			       !p->req.page_size || (p->req.page_size & (p->req.page_size - 1))))
		return vfc_usage_error("--page-size: '%s' is not a power of two size", dopt.page_size);
	while (dopt.maps && dopt.maps[nuser])
		nuser++;
	p->maps = calloc(nuser + 2, sizeof(*p->maps));
	if (!p->maps)
		return VFC_EXIT_FAILED;
	for (size_t i = 0; i < nuser; i++)
		if (vfc_map_req_parse(dopt.maps[i], &p->maps[i]))
			return vfc_usage_error("--map: '%s' is not SIZE[@IOVA][,hugetlb]", dopt.maps[i]);
	p->nmaps = nuser;
	if (dopt.pin) {
		if (vfc_parse_size(dopt.pin, &p->maps[p->nmaps].size) || !p->maps[p->nmaps].size)
			return vfc_usage_error("--pin: '%s' is not a size", dopt.pin);
		p->nmaps++;
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		p->maps[i].shared = shared_maps;
		need += p->maps[i].size;
		if (p->maps[i].hugetlb)
			hugeneed += p->maps[i].size;
	}
	if (dopt.verify && !p->nmaps)
		return vfc_usage_error("--verify needs a --map to verify");

	rc = vfc_topology_scan(&cli->ctx, VFC_SCAN_HOLDERS, &p->topo);
	if (rc) {
		vfc_err(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	rc = vfc_cmd_targets(p->topo, argc, argv, &p->t);
	if (rc)
		return rc;

	vfc_memlock_read(&cli->ctx, &p->ml);
	return precheck(cli, &p->ml, need, hugeneed);
}

/* What the granted backend changes for the user: the SPAPR fallback, iommufd's accounting. */
static void warn_backend(const struct vfc_domain *d, const struct vfc_memlock *ml, size_t nmaps)
{
	if (d->spapr_fallback)
		vfc_warn("spapr2", "VFIO_SET_IOMMU(v2) refused (the platform's table group has no "
			 "ownership ops): using spapr (v1)");
	if (d->memlock_per_user && nmaps && !ml->cap_ipc_lock && !ml->unlimited)
		vfc_warn("memlock", "iommufd charges pinned pages to user %u: RLIMIT_MEMLOCK is shared "
			 "with every process of that user (CAP_SYS_RESOURCE would make it per process)",
			 (unsigned)getuid());
}

/* Create the domain; on failure print why (valid ranges, the holder) and return the exit code. */
static int create_domain(struct vfc_cli *cli, struct prep *p, struct vfc_domain **d)
{
	struct vfc_err e = { { 0 }, { 0 } };
	int rc;

	rc = vfc_domain_create(&cli->ctx, p->t.groups, p->t.ngroups, p->t.bdfs, p->t.nbdfs, &p->req,
			       d, &e);
	if (!rc)
		return 0;
	if (*d && rc == -ERANGE) {
		char list[1024] = "";
		size_t used = 0;

		for (size_t i = 0; i < (*d)->nranges && used < sizeof(list); i++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s0x%llx-0x%llx",
						 i ? ", " : "",
						 (unsigned long long)(*d)->ranges[i].start,
						 (unsigned long long)(*d)->ranges[i].last);
		vfc_err(e.subject, 0, "%s; valid ranges: %s", e.what, list[0] ? list : "none");
		vfc_domain_destroy(*d, NULL);
		*d = NULL;
		return VFC_EXIT_UNSUPPORTED;
	}
	vfc_domain_destroy(*d, NULL);
	*d = NULL;
	return vfc_cmd_domain_refused(&cli->ctx, &e, rc);
}

static int map_exit(const struct vfc_err *e, int rc)
{
	int x = fail(e, rc);

	if (rc == -ERANGE)
		return VFC_EXIT_UNSUPPORTED;
	if (rc == -EEXIST)
		return VFC_EXIT_BUSY;
	return x;
}

/* One row per request mapped by the kernel mappings first.. (requests share mappings). */
static void map_rows(struct out_table *mt, const struct vfc_domain *d,
		     const struct vfc_map_req *maps, size_t first)
{
	for (size_t k = first; k < d->nmaps; k++) {
		const struct vfc_mapping *m = &d->maps[k];

		for (size_t q = m->first_req; q < m->first_req + m->nreqs; q++) {
			struct out_row *x = out_row_add(mt);

			hex(x, M_IOVA, maps[q].iova);
			hex(x, M_SIZE, maps[q].size);
			out_set_bool(x, M_HUGETLB, maps[q].hugetlb);
			out_set_bool(x, M_FIXED, maps[q].fixed);
			out_set_num(x, M_KMAP, (int64_t)k);
		}
	}
}

/*
 * Map the requests into d and fill row: the requests' rows (with the kernel mapping serving
 * each), bytes, mappings, the budget left, and --verify's DMA round trip. Returns an exit code.
 */
static int map_report(struct vfc_cli *cli, struct vfc_domain *d, struct vfc_map_req *maps,
		      size_t nmaps, struct out_row *row)
{
	struct vfc_err e = { { 0 }, { 0 } };
	uint64_t t0 = now_ms();
	uint32_t avail;
	int rc, exit_rc = VFC_EXIT_OK;
	size_t first = d->nmaps;

	rc = vfc_domain_map(d, maps, nmaps, &e);
	out_set_num(row, C_PIN_MS, (int64_t)(now_ms() - t0));
	if (rc)
		exit_rc = map_exit(&e, rc);
	map_rows(out_sub(row, C_MAPPINGS), d, maps, first);
	out_set_num(row, C_MAPPED, (int64_t)d->mapped_bytes);
	out_set_num(row, C_KMAPS, (int64_t)d->nmaps);
	if (!vfc_domain_dma_avail(d, &avail))
		out_set_num(row, C_DMA_AVAIL_AFTER, avail);
	if (!rc && dopt.verify) {
		const char *edu = NULL;

		for (size_t k = 0; k < d->ndevs && !edu; k++) {
			int64_t v, dv;

			if (!vfc_read_s64(&cli->ctx, &v, "/sys/bus/pci/devices/%s/vendor",
					  d->devs[k].bdf) && v == 0x1234 &&
			    !vfc_read_s64(&cli->ctx, &dv, "/sys/bus/pci/devices/%s/device",
					  d->devs[k].bdf) && dv == 0x11e8)
				edu = d->devs[k].bdf;
		}
		if (!edu) {
			vfc_err("verify", 0, "no device in the domain has a DMA engine vfioctl knows "
				"(QEMU edu 1234:11e8)");
			out_set_str(row, C_VERIFY, "unsupported");
			exit_rc = VFC_EXIT_UNSUPPORTED;
		} else {
			rc = vfc_verify_edu(d, edu, &maps[0], 4095, &e);
			out_set_strf(row, C_VERIFY, rc ? "failed" : "ok: %s DMA round trip at 0x%llx",
				     edu, (unsigned long long)maps[0].iova);
			if (rc)
				exit_rc = fail(&e, rc);
		}
	}
	return exit_rc;
}

/* A record (text) or JSON object under object_key for one-row tables; else a table. */
static int print_one(struct vfc_cli *cli, struct out_table *tb, const char *object_key)
{
	struct out_opts o = cli->out;
	struct out_doc *doc;
	int rc;

	if (object_key && o.format == OUT_FMT_TABLE)
		o.format = OUT_FMT_RECORD;
	doc = out_doc_new(&o);
	if (object_key && o.format == OUT_FMT_JSON)
		out_doc_add_object(doc, object_key, tb);
	else
		out_doc_add_table(doc, tb);
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	return rc;
}

static int cmd_domain(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	struct vfc_domain *d = NULL;
	struct vfc_err e = { { 0 }, { 0 } };
	struct out_table *tb;
	struct out_row *row;
	uint64_t unmapped = 0;
	struct prep p;
	int rc, exit_rc = VFC_EXIT_OK;

	if (cli->list_columns) {
		out_list_columns(&dom_schema, stdout);
		return VFC_EXIT_OK;
	}
	rc = prepare(cli, "domain", argc, argv, false, &p);
	if (!rc)
		rc = create_domain(cli, &p, &d);
	if (rc) {
		prep_free(&p);
		return rc;
	}
	/* Every fd is open: only the maps' pinning past RLIMIT_MEMLOCK still needs privilege. */
	if ((rc = vfc_caps_keep((const int[]){ CAP_IPC_LOCK }, 1, true)))
		vfc_warn("capabilities", "cannot drop: %s", strerror(-rc));
	warn_backend(d, &p.ml, p.nmaps);

	if (d->backend == VFC_BACKEND_NOIOMMU)
		vfc_warn("noiommu", "no IOMMU: no isolation, no window, no mappings; the device can DMA "
			 "to any physical memory");
	tb = out_table_new(&dom_schema);
	row = out_row_add(tb);
	fill_facts(row, d, &p.req, &p.t, &p.ml);
	if (p.nmaps)
		exit_rc = map_report(cli, d, p.maps, p.nmaps, row);
	rc = vfc_domain_unmap_all(d, &unmapped, &e);
	if (rc && !exit_rc)
		exit_rc = fail(&e, rc);
	out_set_num(row, C_UNMAPPED, (int64_t)unmapped);
	rc = vfc_domain_destroy(d, &e);
	if (rc && !exit_rc)
		exit_rc = fail(&e, rc);

	rc = print_one(cli, tb, "domain");
	prep_free(&p);
	return exit_rc ? exit_rc : rc;
}

static const struct vfc_cmd vfc_cmd_domain = {
	.name = "domain",
	.order = 40,
	.args = "TARGET... [--window W] [--map M]...",
	.summary = "create a DMA domain with a requested window; report what was granted; map",
	.options = domain_options,
	.run = cmd_domain,
};
VFC_COMMAND(vfc_cmd_domain);

/* ---- exec: hand the prepared domain's file descriptors to a program ---- */

static char *exec_user;

static const struct poptOption exec_options[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)domain_options, 0, NULL, NULL },
	{ "user", 'u', POPT_ARG_STRING, &exec_user, 0,
	  "run PROGRAM as USER with no capabilities left (after every privileged open)", "USER" },
	POPT_TABLEEND
};

struct fdvar {
	char key[64];		/* placeholder name: container, iommufd, ioas, group:12, ... */
	char env[96];		/* VFIOCTL_... */
	char val[160];		/* what {key} expands to */
	int fd;			/* -1: not an fd (ioas id, map descriptions) */
};

struct fdvars {
	struct fdvar *v;
	size_t n;
};

static int fdvar_add(struct fdvars *fv, int fd, const char *key, const char *env, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));

static int fdvar_add(struct fdvars *fv, int fd, const char *key, const char *env, const char *fmt,
		     ...)
{
	struct fdvar *n = reallocarray(fv->v, fv->n + 1, sizeof(*n));
	va_list ap;

	if (!n)
		return -ENOMEM;
	fv->v = n;
	n = &fv->v[fv->n++];
	memset(n, 0, sizeof(*n));
	n->fd = fd;
	snprintf(n->key, sizeof(n->key), "%s", key);
	snprintf(n->env, sizeof(n->env), "%s", env);
	va_start(ap, fmt);
	vsnprintf(n->val, sizeof(n->val), fmt, ap);
	va_end(ap);
	return 0;
}

/* VFIOCTL_DEVICE_0000_01_00_0: environment names cannot hold ':' or '.'. */
static void env_name(char *buf, size_t len, const char *prefix, const char *id)
{
	size_t n = (size_t)snprintf(buf, len, "%s", prefix);

	for (; *id && n + 1 < len; id++)
		buf[n++] = (*id == ':' || *id == '.' || *id == '-') ? '_' : *id;
	buf[n] = '\0';
}

/*
 * The fds and facts a program gets: container and groups (legacy) or iommufd and IOAS, the
 * devices, the maps and the window. maps: the requests of a one-shot exec, each {map:K} its
 * place in the shared memfd; NULL: a named domain's kernel mappings, {map:K} as show lists them.
 */
static int collect_fds(struct vfc_domain *d, char *const *bdfs, size_t nbdfs,
		       const struct vfc_map_req *maps, struct fdvars *fv)
{
	char key[64], env[96], list[1024] = "";
	struct vfc_err e = { { 0 }, { 0 } };
	size_t used = 0;
	int rc = 0, fd;

	if (d->backend == VFC_BACKEND_IOMMUFD) {
		rc |= fdvar_add(fv, d->iommufd, "iommufd", "VFIOCTL_IOMMUFD", "%d", d->iommufd);
		rc |= fdvar_add(fv, -1, "ioas", "VFIOCTL_IOAS", "%u", d->ioas);
	} else {
		rc |= fdvar_add(fv, d->c.fd, "container", "VFIOCTL_CONTAINER", "%d", d->c.fd);
		for (size_t i = 0; i < d->ngroups; i++) {
			char id[16];

			snprintf(id, sizeof(id), "%d", d->groups[i].id);
			snprintf(key, sizeof(key), "group:%s", id);
			env_name(env, sizeof(env), "VFIOCTL_GROUP_", id);
			rc |= fdvar_add(fv, d->groups[i].fd, key, env, "%d", d->groups[i].fd);
		}
	}
	for (size_t i = 0; i < nbdfs; i++) {
		int err = vfc_domain_device_fd(d, bdfs[i], &fd, &e);

		if (err) {
			fail(&e, err);
			return err;
		}
		snprintf(key, sizeof(key), "device:%s", bdfs[i]);
		env_name(env, sizeof(env), "VFIOCTL_DEVICE_", bdfs[i]);
		rc |= fdvar_add(fv, fd, key, env, "%d", fd);
		if (i == 0)
			rc |= fdvar_add(fv, -1, "device", "VFIOCTL_DEVICE", "%d", fd);
		used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
					 "%s%s=%d", i ? "," : "", bdfs[i], fd);
	}
	rc |= fdvar_add(fv, -1, "devices", "VFIOCTL_DEVICES", "%s", list);
	/* Maps: the memfd that backs each, the offset there, and where it sits. */
	for (size_t k = 0; k < d->nmaps; k++) {
		const struct vfc_mapping *m = &d->maps[k];
		size_t q = maps ? m->first_req : k, end = maps ? m->first_req + m->nreqs : k + 1;

		for (; q < end; q++) {
			char id[24];

			snprintf(id, sizeof(id), "%zu", q);
			snprintf(key, sizeof(key), "map:%zu", q);
			env_name(env, sizeof(env), "VFIOCTL_MAP_", id);
			rc |= fdvar_add(fv, m->memfd, key, env, "fd=%d,offset=0x%llx,iova=0x%llx,size=0x%llx",
					m->memfd,
					(unsigned long long)(maps ? (char *)maps[q].vaddr -
								    (char *)m->vaddr : 0),
					(unsigned long long)(maps ? maps[q].iova : m->iova),
					(unsigned long long)(maps ? maps[q].size : m->size));
		}
	}
	if (d->has_window)
		rc |= fdvar_add(fv, -1, "window", "VFIOCTL_WINDOW", "0x%llx+0x%llx",
				(unsigned long long)d->window.start,
				(unsigned long long)vfc_range_size(&d->window));
	rc |= fdvar_add(fv, -1, "backend", "VFIOCTL_BACKEND", "%s", vfc_backend_name(d->backend));
	if (rc)
		vfc_err("exec", -ENOMEM, "cannot collect the file descriptors");
	return rc ? -ENOMEM : 0;
}

/* Replace {key} placeholders; an unknown one is an error naming it (exit 2). */
static int substitute(const char *arg, const struct fdvars *fv, char **out)
{
	size_t cap = strlen(arg) + 1, n = 0;
	char *buf = malloc(cap), *nb;

	if (!buf)
		return -ENOMEM;
	const char *begin = arg;

	while (*arg) {
		const char *close;
		const char *val = NULL;

		/*
		 * {name} or {name:arg} with name and arg of [a-z0-9:._-]; "${...}" and "{}" are the
		 * shell's or the program's, left alone.
		 */
		if (*arg == '{' && (arg == begin || arg[-1] != '$') && (close = strchr(arg, '}')) &&
		    close > arg + 1 &&
		    strspn(arg + 1, "abcdefghijklmnopqrstuvwxyz0123456789:._-") == (size_t)(close - arg - 1)) {
			size_t klen = (size_t)(close - arg - 1);

			for (size_t i = 0; i < fv->n && !val; i++)
				if (strlen(fv->v[i].key) == klen && !strncmp(fv->v[i].key, arg + 1, klen))
					val = fv->v[i].val;
			if (!val) {
				vfc_err("exec", 0, "unknown placeholder '%.*s' in '%s'", (int)(klen + 2),
					arg, arg);
				free(buf);
				return -EINVAL;
			}
			cap += strlen(val);
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);	/* realloc failing leaves it allocated */
				return -ENOMEM;
			}
			buf = nb;
			memcpy(buf + n, val, strlen(val));
			n += strlen(val);
			arg = close + 1;
			continue;
		}
		buf[n++] = *arg++;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static bool kept(const struct fdvars *fv, int fd)
{
	for (size_t i = 0; i < fv->n; i++)
		if (fv->v[i].fd == fd)
			return true;
	return false;
}

/*
 * Announced fds lose FD_CLOEXEC; every other fd above stderr gets it, so PROGRAM inherits
 * exactly the announced set (libraries may have opened things we do not know about).
 */
static int arrange_fds(const struct fdvars *fv)
{
	struct vfc_ctx self;
	struct vfc_names fds;
	int rc;

	vfc_ctx_init(&self, NULL);
	rc = vfc_list_dir(&self, &fds, "/proc/self/fd");
	if (rc)
		return rc;
	for (size_t i = 0; i < fds.n; i++) {
		int fd = atoi(fds.v[i]);
		int fl = fcntl(fd, F_GETFD);

		if (fd <= 2 || fl < 0)
			continue;
		fcntl(fd, F_SETFD, kept(fv, fd) ? (fl & ~FD_CLOEXEC) : (fl | FD_CLOEXEC));
	}
	vfc_names_free(&fds);
	return 0;
}

static int drop_to_user(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		vfc_err(user, 0, "no such user");
		return VFC_EXIT_USAGE;
	}
	/* libcap-ng: change uid/gid, drop supplementary groups, keep no capability at all. */
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING)) {
		vfc_err(user, errno ? -errno : -EPERM, "cannot drop to this user");
		return VFC_EXIT_PERM;
	}
	return 0;
}

/* PROGRAM ARGS with placeholders replaced; NULL-terminated. Returns 0 or an exit code. */
static int expand_args(const char **tail, int ntail, const struct fdvars *fv, char ***out)
{
	char **args = calloc((size_t)ntail + 1, sizeof(*args));

	*out = args;
	if (!args)
		return VFC_EXIT_FAILED;
	for (int i = 0; i < ntail; i++)
		if (substitute(tail[i], fv, &args[i]))
			return VFC_EXIT_USAGE;
	return 0;
}

static void args_free(char **args)
{
	for (size_t i = 0; args && args[i]; i++)
		free(args[i]);
	free(args);
}

/* Announce the fds, keep only them, drop to the user, exec. Returns only on failure. */
static int exec_program(char **args, const struct fdvars *fv, const char *user)
{
	int rc;

	for (size_t i = 0; i < fv->n; i++)
		setenv(fv->v[i].env, fv->v[i].val, 1);
	rc = arrange_fds(fv);
	if (rc) {
		/* arrange_fds returns -errno; the global errno may be anything by now */
		vfc_err("exec", rc, "cannot arrange file descriptors");
		return VFC_EXIT_FAILED;
	}
	if (user) {
		rc = drop_to_user(user);
		if (rc)
			return rc;
	}
	fflush(NULL);
	execvp(args[0], args);
	rc = errno;
	vfc_err(args[0], -rc, "cannot execute");
	return rc == ENOENT ? 127 : 126;
}

static int cmd_exec(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	struct vfc_domain *d = NULL;
	struct vfc_err e = { { 0 }, { 0 } };
	struct fdvars fv = { 0 };
	char **args = NULL;
	struct prep p;
	int rc;

	if (!cli->ntail)
		return vfc_usage_error("exec: PROGRAM is missing (exec TARGET... -- PROGRAM ARGS...)");
	if (dopt.verify)
		return vfc_usage_error("exec: --verify belongs to domain (the program does the DMA)");
	rc = prepare(cli, "exec", argc, argv, true, &p);
	if (!rc)
		rc = create_domain(cli, &p, &d);
	if (rc)
		goto out;
	warn_backend(d, &p.ml, p.nmaps);
	if (p.nmaps) {
		rc = vfc_domain_map(d, p.maps, p.nmaps, &e);
		if (rc) {
			rc = map_exit(&e, rc);
			goto out;
		}
	}
	rc = collect_fds(d, p.t.bdfs, p.t.nbdfs, p.maps, &fv) ? VFC_EXIT_FAILED : 0;
	if (!rc)
		rc = expand_args(cli->tail, cli->ntail, &fv, &args);
	if (!rc)
		rc = exec_program(args, &fv, exec_user);
out:
	/* Only reached when PROGRAM did not start: tear down as domain would. */
	if (d)
		vfc_domain_destroy(d, NULL);
	args_free(args);
	free(fv.v);
	prep_free(&p);
	return rc;
}

static const struct vfc_cmd vfc_cmd_exec = {
	.name = "exec",
	.order = 45,
	.args = "TARGET... [DOMAIN OPTIONS] [--user U] -- PROGRAM ARGS...",
	.summary = "build a domain and run PROGRAM with its file descriptors ({device:BDF}, ...)",
	.options = exec_options,
	.run = cmd_exec,
	.takes_tail = true,
};
VFC_COMMAND(vfc_cmd_exec);

/* ---- named domains of a batch session (vfioctl batch / shell, src/cmd/batch.c) ---- */

enum { U_IOVA, U_SIZE };
static const struct out_col unmap_cols[] = {
	[U_IOVA] = { "IOVA", OUT_STR, 18, OUT_DEFAULT, "start of the kernel mapping (hex string)" },
	[U_SIZE] = { "SIZE", OUT_STR, 10, OUT_DEFAULT,
		     "bytes the kernel confirmed unmapped (hex string)" },
};
static const struct out_schema unmap_schema = { "unmapped", unmap_cols, 2 };

enum { R_DEVICE, R_RESULT };
static const struct out_col reset_cols[] = {
	[R_DEVICE] = { "DEVICE", OUT_STR, 12, OUT_DEFAULT, "PCI address" },
	[R_RESULT] = { "RESULT", OUT_STR, 6, OUT_DEFAULT,
		       "done (VFIO_DEVICE_RESET through the domain's device fd) or failed" },
};
static const struct out_schema reset_schema = { "resets", reset_cols, 2 };

/* "map d0": the subject of a verb's messages */
static const char *subject(char *buf, size_t len, const char *verb, const char *name)
{
	snprintf(buf, len, "%s %s", verb, name);
	return buf;
}

/* The named domain, or a message saying there is none (exit 3). */
static struct vfc_session_domain *named(struct vfc_session *s, const char *verb, int argc,
					const char **argv)
{
	struct vfc_session_domain *sd;
	char subj[64];

	if (argc < 1) {
		vfc_usage_error("%s: a domain NAME is required", verb);
		return NULL;
	}
	sd = vfc_session_find(s, argv[0]);
	if (!sd)
		vfc_err(subject(subj, sizeof(subj), verb, argv[0]), 0, "no domain of this name in "
			"this session (domain create %s TARGET... makes one)", argv[0]);
	return sd;
}

static int named_exit(struct vfc_session *s, int argc, const char **argv)
{
	return argc < 1 ? VFC_EXIT_USAGE : vfc_session_find(s, argv[0]) ? VFC_EXIT_OK
		: VFC_EXIT_NODEV;
}

/* Report a core failure under "VERB NAME: [object: ]what". */
static int verb_fail(const char *subj, const struct vfc_err *e, int rc)
{
	if (e->subject[0] && strcmp(e->subject, "map") && strcmp(e->subject, "unmap"))
		vfc_err(subj, rc, "%s: %s", e->subject, e->what);
	else
		vfc_err(subj, rc, "%s", e->what);
	if (rc == -ERANGE)
		return VFC_EXIT_UNSUPPORTED;
	if (rc == -EEXIST)
		return VFC_EXIT_BUSY;
	return vfc_exit_for_errno(rc);
}

static int verb_create(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_domain *d = NULL;
	struct out_table *tb;
	struct out_row *row;
	char subj[64];
	struct prep p;
	int rc;

	if (cli->list_columns) {
		out_list_columns(&dom_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (argc < 2)
		return vfc_usage_error("domain create: NAME and a TARGET are required (domain create "
				       "NAME TARGET... [OPTIONS])");
	if (!vfc_session_name_ok(argv[0]))
		return vfc_usage_error("domain create: '%s' is not a domain name (a letter, then "
				       "letters, digits, '_' or '-'; at most %d)", argv[0],
				       VFC_SESSION_NAME_MAX);
	subject(subj, sizeof(subj), "domain create", argv[0]);
	if (vfc_session_find(s, argv[0])) {
		vfc_err(subj, -EEXIST, "a domain of this name exists (domain destroy %s first)",
			argv[0]);
		return VFC_EXIT_BUSY;
	}
	/* Shared (memfd) memory, so that a later `exec NAME` can hand the pages over. */
	rc = prepare(cli, "domain create", argc - 1, argv + 1, true, &p);
	if (!rc)
		rc = create_domain(cli, &p, &d);
	if (rc) {
		prep_free(&p);
		return rc;
	}
	if (d->backend == VFC_BACKEND_NOIOMMU)
		vfc_warn("noiommu", "no IOMMU: no isolation, no window, no mappings; the device can DMA "
			 "to any physical memory");
	tb = out_table_new(&dom_schema);
	row = out_row_add(tb);
	out_set_str(row, C_NAME, argv[0]);
	fill_facts(row, d, &p.req, &p.t, &p.ml);
	if (p.nmaps)
		rc = map_report(cli, d, p.maps, p.nmaps, row);
	if (!rc && vfc_session_add(s, argv[0], d, &p.req, &p.t)) {
		vfc_err(subj, -ENOMEM, "cannot keep the domain");
		rc = VFC_EXIT_FAILED;
	}
	if (rc) {
		/* All or nothing: a domain whose line failed does not stay behind. */
		vfc_domain_destroy(d, NULL);
		out_table_free(tb);
	} else {
		rc = print_one(cli, tb, "domain");
	}
	prep_free(&p);
	return rc;
}

static int verb_destroy(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	int exit_rc = VFC_EXIT_OK;

	if (argc < 1)
		return vfc_usage_error("domain destroy: a domain NAME is required");
	for (int i = 0; i < argc; i++) {
		struct vfc_err e = { { 0 }, { 0 } };
		char subj[64];
		int rc;

		if (!named(s, "domain destroy", argc - i, argv + i)) {
			exit_rc = exit_rc ? exit_rc : VFC_EXIT_NODEV;
			continue;
		}
		rc = vfc_session_destroy(s, argv[i], &e);
		if (rc && !exit_rc)
			exit_rc = verb_fail(subject(subj, sizeof(subj), "domain destroy", argv[i]),
					    &e, rc);
	}
	return exit_rc;
}

static int verb_map(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_session_domain *sd = named(s, "map", argc, argv);
	struct vfc_err e = { { 0 }, { 0 } };
	struct vfc_map_req *maps;
	struct vfc_memlock ml;
	struct out_table *mt;
	uint64_t need = 0, hugeneed = 0;
	size_t n = (size_t)(argc > 1 ? argc - 1 : 0), first;
	char subj[64];
	int rc;

	if (cli->list_columns) {
		out_list_columns(&map_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (!sd)
		return named_exit(s, argc, argv);
	if (!n)
		return vfc_usage_error("map %s: SIZE[@IOVA][,hugetlb] is required", argv[0]);
	maps = calloc(n, sizeof(*maps));
	if (!maps)
		return VFC_EXIT_FAILED;
	for (size_t i = 0; i < n; i++) {
		if (vfc_map_req_parse(argv[i + 1], &maps[i])) {
			free(maps);
			return vfc_usage_error("map %s: '%s' is not SIZE[@IOVA][,hugetlb]", argv[0],
					       argv[i + 1]);
		}
		maps[i].shared = true;
		need += maps[i].size;
		hugeneed += maps[i].hugetlb ? maps[i].size : 0;
	}
	vfc_memlock_read(&cli->ctx, &ml);
	rc = precheck(cli, &ml, need, hugeneed);
	if (rc) {
		free(maps);
		return rc;
	}
	first = sd->d->nmaps;
	rc = vfc_domain_map(sd->d, maps, n, &e);
	mt = out_table_new(&map_schema);
	map_rows(mt, sd->d, maps, first);
	free(maps);
	if (rc) {
		/* What did get mapped stays, as the kernel has it; show lists it. */
		out_table_free(mt);
		return verb_fail(subject(subj, sizeof(subj), "map", argv[0]), &e, rc);
	}
	return print_one(cli, mt, NULL);
}

static int verb_unmap(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_session_domain *sd = named(s, "unmap", argc, argv);
	struct out_table *ut;
	char subj[64];
	int exit_rc = VFC_EXIT_OK;
	bool all;

	if (cli->list_columns) {
		out_list_columns(&unmap_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (!sd)
		return named_exit(s, argc, argv);
	if (argc < 2)
		return vfc_usage_error("unmap %s: IOVA... or 'all' is required", argv[0]);
	all = argc == 2 && !strcmp(argv[1], "all");
	for (int i = 1; i < argc && !all; i++) {
		uint64_t v;

		if (vfc_parse_size(argv[i], &v))
			return vfc_usage_error("unmap %s: '%s' is not an IOVA (or 'all')", argv[0],
					       argv[i]);
	}
	subject(subj, sizeof(subj), "unmap", argv[0]);
	ut = out_table_new(&unmap_schema);
	for (int i = 1; all ? sd->d->nmaps > 0 : i < argc; i++) {
		struct vfc_err e = { { 0 }, { 0 } };
		uint64_t iova = 0, got = 0;
		struct out_row *x;
		int rc;

		if (all)
			iova = sd->d->maps[0].iova;
		else
			vfc_parse_size(argv[i], &iova);
		rc = vfc_domain_unmap(sd->d, iova, &got, &e);
		if (rc) {
			exit_rc = verb_fail(subj, &e, rc);
			break;
		}
		x = out_row_add(ut);
		hex(x, U_IOVA, iova);
		hex(x, U_SIZE, got);
	}
	if (exit_rc) {
		out_table_free(ut);
		return exit_rc;
	}
	return print_one(cli, ut, NULL);
}

static int verb_show(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_session_domain *sd = named(s, "show", argc, argv);
	struct vfc_memlock ml;
	struct out_table *tb, *mt;
	struct out_row *row;
	uint32_t avail;

	if (cli->list_columns) {
		out_list_columns(&dom_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (!sd)
		return named_exit(s, argc, argv);
	if (argc > 1)
		return vfc_usage_error("show %s: one domain at a time", argv[0]);
	if (vfc_check_columns(cli, &dom_schema))
		return VFC_EXIT_USAGE;
	vfc_memlock_read(&cli->ctx, &ml);
	tb = out_table_new(&dom_schema);
	row = out_row_add(tb);
	out_set_str(row, C_NAME, sd->name);
	fill_facts(row, sd->d, &sd->req, &sd->t, &ml);
	/* The kernel mappings as they are now: what `unmap NAME IOVA` and {map:K} refer to. */
	mt = out_sub(row, C_MAPPINGS);
	for (size_t k = 0; k < sd->d->nmaps; k++) {
		const struct vfc_mapping *m = &sd->d->maps[k];
		struct out_row *x = out_row_add(mt);

		hex(x, M_IOVA, m->iova);
		hex(x, M_SIZE, m->size);
		out_set_bool(x, M_HUGETLB, m->hugetlb);
		out_set_bool(x, M_FIXED, m->fixed);
		out_set_num(x, M_KMAP, (int64_t)k);
	}
	out_set_num(row, C_MAPPED, (int64_t)sd->d->mapped_bytes);
	out_set_num(row, C_KMAPS, (int64_t)sd->d->nmaps);
	if (!vfc_domain_dma_avail(sd->d, &avail))
		out_set_num(row, C_DMA_AVAIL_AFTER, avail);
	return print_one(cli, tb, "domain");
}

static int verb_reset(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_session_domain *sd = named(s, "reset", argc, argv);
	struct out_table *rt;
	char subj[64];
	int rc, exit_rc = VFC_EXIT_OK;

	if (cli->list_columns) {
		out_list_columns(&reset_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (!sd)
		return named_exit(s, argc, argv);
	subject(subj, sizeof(subj), "reset", argv[0]);
	/* Check every named device before resetting any. */
	for (int i = 1; i < argc; i++) {
		struct vfc_pciaddr a;
		char bdf[VFC_BDF_LEN];
		const char *why = vfc_pciaddr_parse(argv[i], &a);
		bool found = false;

		if (why)
			return vfc_usage_error("reset %s: %s: %s", argv[0], argv[i], why);
		vfc_pciaddr_format(&a, bdf, sizeof(bdf));
		for (size_t k = 0; k < sd->t.nbdfs && !found; k++)
			found = !strcmp(sd->t.bdfs[k], bdf);
		if (!found) {
			vfc_err(subj, 0, "%s is not a device of this domain", bdf);
			return VFC_EXIT_NODEV;
		}
	}
	rt = out_table_new(&reset_schema);
	for (size_t k = 0; k < sd->t.nbdfs; k++) {
		struct vfc_err e = { { 0 }, { 0 } };
		const char *bdf = sd->t.bdfs[k];
		struct out_row *x;
		bool wanted = argc < 2;
		int fd;

		for (int i = 1; i < argc && !wanted; i++) {
			struct vfc_pciaddr a;
			char b[VFC_BDF_LEN];

			vfc_pciaddr_parse(argv[i], &a);
			wanted = !strcmp(vfc_pciaddr_format(&a, b, sizeof(b)), bdf);
		}
		if (!wanted)
			continue;
		rc = vfc_domain_device_fd(sd->d, bdf, &fd, &e);
		if (!rc)
			rc = vfc_device_reset(fd, bdf, &e);
		x = out_row_add(rt);
		out_set_str(x, R_DEVICE, bdf);
		out_set_str(x, R_RESULT, rc ? "failed" : "done");
		if (rc && !exit_rc)
			exit_rc = verb_fail(subj, &e, rc);
	}
	rc = print_one(cli, rt, NULL);
	return exit_rc ? exit_rc : rc;
}

static const struct poptOption session_exec_options[] = {
	{ "user", 'u', POPT_ARG_STRING, &exec_user, 0,
	  "run PROGRAM as USER with no capabilities left", "USER" },
	POPT_TABLEEND
};

/* The program runs in a child with the domain's fds; the domain stays with the session. */
static int verb_exec(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_session_domain *sd = named(s, "exec", argc, argv);
	struct fdvars fv = { 0 };
	char **args = NULL;
	int rc, status;
	pid_t pid;

	if (!sd)
		return named_exit(s, argc, argv);
	if (argc > 1)
		return vfc_usage_error("exec %s: '%s': the program goes after -- (exec NAME -- "
				       "PROGRAM ARGS...)", argv[0], argv[1]);
	if (!cli->ntail)
		return vfc_usage_error("exec %s: PROGRAM is missing (exec NAME -- PROGRAM ARGS...)",
				       argv[0]);
	rc = collect_fds(sd->d, sd->t.bdfs, sd->t.nbdfs, NULL, &fv) ? VFC_EXIT_FAILED : 0;
	if (!rc)
		rc = expand_args(cli->tail, cli->ntail, &fv, &args);
	if (rc)
		goto out;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		vfc_err("exec", -errno, "cannot fork");
		rc = VFC_EXIT_FAILED;
		goto out;
	}
	if (pid == 0) {
		rc = exec_program(args, &fv, exec_user);
		fflush(NULL);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			vfc_err("exec", -errno, "cannot wait for %s", args[0]);
			rc = VFC_EXIT_FAILED;
			goto out;
		}
	/* As a shell reports it: the exit status, or 128 + the signal that ended it. */
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	args_free(args);
	free(fv.v);
	return rc;
}

const struct vfc_session_verb vfc_domain_verbs[] = {
	{ "domain", "create", "NAME TARGET... [DOMAIN OPTIONS]",
	  "create a named domain; it lives until destroyed or the session ends", domain_options,
	  false, false, verb_create },
	{ "domain", "destroy", "NAME...", "tear named domains down (unmap, detach, close)", NULL,
	  false, false, verb_destroy },
	{ "map", NULL, "NAME SIZE[@IOVA][,hugetlb]...", "map memory into a named domain", NULL,
	  false, false, verb_map },
	{ "unmap", NULL, "NAME IOVA...|all", "unmap kernel mappings of a named domain", NULL,
	  false, false, verb_unmap },
	{ "show", NULL, "NAME", "what a named domain was granted and holds now", NULL, false, true,
	  verb_show },
	{ "reset", NULL, "NAME [BDF...]", "VFIO_DEVICE_RESET of a named domain's devices", NULL,
	  false, true, verb_reset },
	{ "exec", NULL, "NAME [--user U] -- PROGRAM ARGS...",
	  "run PROGRAM with a named domain's fds; the domain stays", session_exec_options, true,
	  true, verb_exec },
	{ NULL, NULL, NULL, NULL, NULL, false, false, NULL },
};
