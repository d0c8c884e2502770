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
#include "core/vftoken.h"
#include "cmd/domain-int.h"
#include "vfioctl.h"

/* The legacy table of batch's `domain create` (a session verb parses into statics). */
struct dom_opts dom_opt;
#define DOM_STATIC(f) ((void *)&dom_opt.f)
const struct poptOption dom_options[] = { DOM_OPTION_ROWS(DOM_STATIC) POPT_TABLEEND };

/* domain's own: parsed into a struct dom_opts on the dispatcher's stack. */
#define DOM_FIELD(f) VFC_OPT(struct dom_opts, f)
static const struct poptOption domain_options[] = { DOM_OPTION_ROWS(DOM_FIELD) POPT_TABLEEND };

/* ---- columns ---- */

static const struct out_col range_cols[] = {
	[RG_START] = { "START", OUT_STR, 18, OUT_DEFAULT, "first IOVA (dom_hex string)" },
	[RG_LAST] = { "LAST", OUT_STR, 18, OUT_DEFAULT, "last IOVA, inclusive (dom_hex string)" },
	[RG_SIZE] = { "SIZE", OUT_STR, 10, OUT_DEFAULT, "size (dom_hex string)" },
};
static const struct out_schema range_schema = { "iova_ranges", range_cols, 3 };

static const struct out_col resv_cols[] = {
	[RV_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT, "group" },
	[RV_START] = { "START", OUT_STR, 18, OUT_DEFAULT, "first address (dom_hex string)" },
	[RV_END] = { "END", OUT_STR, 18, OUT_DEFAULT, "last address (dom_hex string)" },
	[RV_TYPE] = { "TYPE", OUT_STR, 8, OUT_DEFAULT, "msi, direct, reserved, ..." },
};
static const struct out_schema resv_schema = { "reserved_regions", resv_cols, 4 };

static const struct out_col map_cols[] = {
	[M_IOVA] = { "IOVA", OUT_STR, 18, OUT_DEFAULT, "where the mapping landed (dom_hex string)" },
	[M_SIZE] = { "SIZE", OUT_STR, 10, OUT_DEFAULT, "bytes (dom_hex string)" },
	[M_HUGETLB] = { "HUGETLB", OUT_BOOL, 3, OUT_DEFAULT, "backed by 2 MiB hugepages" },
	[M_FIXED] = { "FIXED", OUT_BOOL, 3, OUT_DEFAULT, "the IOVA was requested" },
	[M_KMAP] = { "KERNEL_MAPPING", OUT_NUM, 3, OUT_DEFAULT,
		     "index of the kernel mapping serving it (adjacent requests share one)" },
};
const struct out_schema dom_map_schema = { "mappings", map_cols, 5 };

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
	[C_MAPPINGS] = { "MAPPINGS", OUT_SUB, 0, 0, "the maps performed", &dom_map_schema },
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
const struct out_schema dom_schema = { "domain", dom_cols, VFC_ARRAY_SIZE(dom_cols) };

void dom_hex(struct out_row *r, int col, uint64_t v)
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

int dom_fail(const struct vfc_err *e, int rc)
{
	vfc_err(e->subject[0] ? e->subject : NULL, rc, "%s", e->what);
	return vfc_exit_for_errno(rc);
}

uint64_t dom_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void dom_fill_facts(struct out_row *r, struct vfc_domain *d, const struct vfc_domain_req *req,
		       const struct vfc_domain_targets *t, const struct vfc_memlock *ml)
{
	char **sv, buf[VFC_PGSIZES_MAX];
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
			dom_hex(r, C_REQ_START, req->window.start);
		dom_hex(r, C_REQ_SIZE, req->window.size);
	}
	if (d->has_window) {
		dom_hex(r, C_WIN_START, d->window.start);
		dom_hex(r, C_WIN_LAST, d->window.last);
		dom_hex(r, C_WIN_SIZE, vfc_range_size(&d->window));
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

		dom_hex(x, RG_START, d->ranges[i].start);
		dom_hex(x, RG_LAST, d->ranges[i].last);
		dom_hex(x, RG_SIZE, vfc_range_size(&d->ranges[i]));
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

void dom_prep_free(struct dom_prep *p)
{
	vfc_domain_targets_free(&p->t);
	vfc_topology_free(p->topo);
	free(p->maps);
	memset(p, 0, sizeof(*p));
}

/* Fail before touching anything when the pins cannot fit (RLIMIT_MEMLOCK, hugepage pool). */
int dom_precheck(struct vfc_cli *cli, const struct vfc_memlock *ml, uint64_t need,
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
int dom_prepare(struct vfc_cli *cli, const char *cmd, const struct dom_opts *o, int argc,
		const char **argv, bool shared_maps, struct dom_prep *p)
{
	uint64_t need = 0, hugeneed = 0;
	size_t nuser = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->req.backend = VFC_BACKEND_AUTO;
	if (argc < 1)
		return vfc_usage_error("%s: a TARGET is required", cmd);
	if (o->backend && vfc_backend_parse(o->backend, &p->req.backend))
		return vfc_usage_error("--backend: unknown backend '%s'", o->backend);
	if (o->window && !vfc_window_req_parse(o->window, &p->req.window))
		p->req.has_window = true;
	else if (o->window)
		return vfc_usage_error("--window: '%s' is not [START+]SIZE", o->window);
	if (o->levels < 0 || o->levels > 8)
		return vfc_usage_error("--levels: %d is not 1..8", o->levels);
	p->req.levels = (unsigned)o->levels;
	p->req.replace_default = o->replace_default;
	p->req.allow_noiommu = o->unsafe_noiommu;
	if (o->vf_token && vfc_uuid_parse(o->vf_token, p->req.vf_token))
		return vfc_usage_error("--vf-token: '%s' is not a UUID "
				       "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", o->vf_token);
	p->req.has_vf_token = o->vf_token != NULL;
	if (o->page_size && (vfc_parse_size(o->page_size, &p->req.page_size) ||
			       !p->req.page_size || (p->req.page_size & (p->req.page_size - 1))))
		return vfc_usage_error("--page-size: '%s' is not a power of two size", o->page_size);
	while (o->maps && o->maps[nuser])
		nuser++;
	p->maps = calloc(nuser + 2, sizeof(*p->maps));
	if (!p->maps)
		return VFC_EXIT_FAILED;
	for (size_t i = 0; i < nuser; i++)
		if (vfc_map_req_parse(o->maps[i], &p->maps[i]))
			return vfc_usage_error("--map: '%s' is not SIZE[@IOVA][,hugetlb]", o->maps[i]);
	p->nmaps = nuser;
	if (o->pin) {
		if (vfc_parse_size(o->pin, &p->maps[p->nmaps].size) || !p->maps[p->nmaps].size)
			return vfc_usage_error("--pin: '%s' is not a size", o->pin);
		p->nmaps++;
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		p->maps[i].shared = shared_maps;
		need += p->maps[i].size;
		if (p->maps[i].hugetlb)
			hugeneed += p->maps[i].size;
	}
	if (o->verify && !p->nmaps)
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
	return dom_precheck(cli, &p->ml, need, hugeneed);
}

/* What the granted backend changes for the user: the SPAPR fallback, iommufd's accounting. */
void dom_warn_backend(const struct vfc_domain *d, const struct vfc_memlock *ml, size_t nmaps)
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
int dom_create(struct vfc_cli *cli, struct dom_prep *p, struct vfc_domain **d)
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

int dom_map_exit(const struct vfc_err *e, int rc)
{
	int x = dom_fail(e, rc);

	if (rc == -ERANGE)
		return VFC_EXIT_UNSUPPORTED;
	if (rc == -EEXIST)
		return VFC_EXIT_BUSY;
	return x;
}

/* One row per request mapped by the kernel mappings first.. (requests share mappings). */
void dom_map_rows(struct out_table *mt, const struct vfc_domain *d,
		     const struct vfc_map_req *maps, size_t first)
{
	for (size_t k = first; k < d->nmaps; k++) {
		const struct vfc_mapping *m = &d->maps[k];

		for (size_t q = m->first_req; q < m->first_req + m->nreqs; q++) {
			struct out_row *x = out_row_add(mt);

			dom_hex(x, M_IOVA, maps[q].iova);
			dom_hex(x, M_SIZE, maps[q].size);
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
int dom_map_report(struct vfc_cli *cli, struct vfc_domain *d, struct vfc_map_req *maps,
		   size_t nmaps, bool verify, struct out_row *row)
{
	struct vfc_err e = { { 0 }, { 0 } };
	uint64_t t0 = dom_now_ms();
	uint32_t avail;
	int rc, exit_rc = VFC_EXIT_OK;
	size_t first = d->nmaps;

	rc = vfc_domain_map(d, maps, nmaps, &e);
	out_set_num(row, C_PIN_MS, (int64_t)(dom_now_ms() - t0));
	if (rc)
		exit_rc = dom_map_exit(&e, rc);
	dom_map_rows(out_sub(row, C_MAPPINGS), d, maps, first);
	out_set_num(row, C_MAPPED, (int64_t)d->mapped_bytes);
	out_set_num(row, C_KMAPS, (int64_t)d->nmaps);
	if (!vfc_domain_dma_avail(d, &avail))
		out_set_num(row, C_DMA_AVAIL_AFTER, avail);
	if (!rc && verify) {
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
				exit_rc = dom_fail(&e, rc);
		}
	}
	return exit_rc;
}

static int cmd_domain(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct dom_opts *o = opts;
	struct vfc_domain *d = NULL;
	struct vfc_err e = { { 0 }, { 0 } };
	struct out_table *tb;
	struct out_row *row;
	uint64_t unmapped = 0;
	struct dom_prep p;
	int rc, exit_rc = VFC_EXIT_OK;

	rc = dom_prepare(cli, "domain", o, argc, argv, false, &p);
	if (!rc)
		rc = dom_create(cli, &p, &d);
	if (rc) {
		dom_prep_free(&p);
		return rc;
	}
	/* Every fd is open: only the maps' pinning past RLIMIT_MEMLOCK still needs privilege. */
	if ((rc = vfc_caps_keep((const int[]){ CAP_IPC_LOCK }, 1, true)))
		vfc_warn("capabilities", "cannot drop: %s", strerror(-rc));
	dom_warn_backend(d, &p.ml, p.nmaps);

	if (d->backend == VFC_BACKEND_NOIOMMU)
		vfc_warn("noiommu", "no IOMMU: no isolation, no window, no mappings; the device can DMA "
			 "to any physical memory");
	tb = out_table_new(&dom_schema);
	row = out_row_add(tb);
	dom_fill_facts(row, d, &p.req, &p.t, &p.ml);
	if (p.nmaps)
		exit_rc = dom_map_report(cli, d, p.maps, p.nmaps, o->verify, row);
	rc = vfc_domain_unmap_all(d, &unmapped, &e);
	if (rc && !exit_rc)
		exit_rc = dom_fail(&e, rc);
	out_set_num(row, C_UNMAPPED, (int64_t)unmapped);
	rc = vfc_domain_destroy(d, &e);
	if (rc && !exit_rc)
		exit_rc = dom_fail(&e, rc);

	rc = vfc_print_one(cli, tb, "domain");
	dom_prep_free(&p);
	return exit_rc ? exit_rc : rc;
}

/*
 * Capabilities: opening /dev/vfio and the cdevs as a non-root admin, naming holders of other
 * users' fds, pinning past RLIMIT_MEMLOCK, iommufd's per-process accounting, a no-IOMMU group.
 * CAP_SETPCAP: the drop to CAP_IPC_LOCK once set up clears the bounding set too.
 */
VFC_DEFINE_COMMAND(domain, struct dom_opts, 40, "TARGET... [--window W] [--map M]...",
		   "create a DMA domain with a requested window; report what was granted; map",
		   VFC_SCHEMAS(&dom_schema),
		   VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_IPC_LOCK,
			    CAP_SYS_RESOURCE, CAP_SYS_RAWIO, CAP_SETPCAP));
