// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl bench map TARGET...`: map/unmap latency and throughput of a DMA domain, per memory
 * page size, for one backend. Everything goes through the core domain API (create once; per
 * round vfc_domain_map of one buffer, then vfc_domain_unmap_all), so the numbers are what any
 * vfioctl user of a domain pays, allocation of the buffer and the kernel's pinning included.
 * bench/ compares them with a raw-ioctl loop doing the same work (bench/raw-map.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/caps.h"
#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/topology.h"
#include "cmd/domain.h"
#include "vfioctl.h"

#define HUGE_2M (2ULL << 20)

struct bench_opts {
	char *backend, *size, *page_size;
	int iterations;
};

static const struct poptOption bench_options[] = {
	{ "backend", 'b', POPT_ARG_STRING, VFC_OPT(struct bench_opts, backend), 0,
	  "auto (default), type1, type1v2, iommufd, spapr, spapr2", "BACKEND" },
	{ "size", 's', POPT_ARG_STRING, VFC_OPT(struct bench_opts, size), 0, "bytes mapped per round (default 64M)",
	  "SIZE" },
	{ "page-size", 'p', POPT_ARG_STRING, VFC_OPT(struct bench_opts, page_size), 0,
	  "memory page size: 4K (anonymous) or 2M (hugetlb); default both (2M when the pool has room)",
	  "4K|2M" },
	{ "iterations", 'i', POPT_ARG_INT, VFC_OPT(struct bench_opts, iterations), 0,
	  "map/unmap rounds per page size (default 10)", "N" },
	POPT_TABLEEND
};

enum {
	B_BACKEND, B_PAGE_SIZE, B_SIZE, B_ITER, B_KMAPS, B_MAP_MED, B_MAP_P99, B_MAP_MIN,
	B_UNMAP_MED, B_UNMAP_P99, B_MAP_TPUT, B_UNMAP_TPUT,
};

static const struct out_col bench_cols[] = {
	[B_BACKEND] = { "BACKEND", OUT_STR, 8, OUT_DEFAULT, "backend used" },
	[B_PAGE_SIZE] = { "PAGE_SIZE", OUT_NUM, 8, OUT_DEFAULT,
			  "memory page size, bytes (4096 anonymous, 2097152 hugetlb)" },
	[B_SIZE] = { "SIZE", OUT_NUM, 10, OUT_DEFAULT, "bytes mapped per round" },
	[B_ITER] = { "ITERATIONS", OUT_NUM, 4, OUT_DEFAULT, "rounds measured" },
	[B_KMAPS] = { "KERNEL_MAPPINGS", OUT_NUM, 3, 0, "kernel mappings per round" },
	[B_MAP_MED] = { "MAP_MEDIAN_US", OUT_NUM, 8, OUT_DEFAULT,
			"median time of one map (allocate + pin + map), microseconds" },
	[B_MAP_P99] = { "MAP_P99_US", OUT_NUM, 8, OUT_DEFAULT, "99th percentile map time, us" },
	[B_MAP_MIN] = { "MAP_MIN_US", OUT_NUM, 8, 0, "fastest map, us" },
	[B_UNMAP_MED] = { "UNMAP_MEDIAN_US", OUT_NUM, 8, OUT_DEFAULT,
			  "median time of one unmap (unmap + unpin + free), us" },
	[B_UNMAP_P99] = { "UNMAP_P99_US", OUT_NUM, 8, OUT_DEFAULT, "99th percentile unmap time, us" },
	[B_MAP_TPUT] = { "MAP_MIB_S", OUT_NUM, 6, OUT_DEFAULT,
			 "map throughput at the median, MiB/s" },
	[B_UNMAP_TPUT] = { "UNMAP_MIB_S", OUT_NUM, 6, OUT_DEFAULT,
			   "unmap throughput at the median, MiB/s" },
};
static const struct out_schema bench_schema = { "bench_map", bench_cols,
						VFC_ARRAY_SIZE(bench_cols) };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array (p in 0..100). */
static uint64_t pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t k = (n * p + 99) / 100;

	return v[k ? k - 1 : 0];
}

static uint64_t median(const uint64_t *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int64_t mib_s(uint64_t bytes, uint64_t ns)
{
	return ns ? (int64_t)((double)bytes / (1 << 20) / ((double)ns / 1e9)) : 0;
}

/* One page size: N rounds of map + unmap_all, timed apart; fills one row. */
static int run_rounds(struct vfc_domain *d, uint64_t size, bool hugetlb, int iters,
		      struct out_row *row)
{
	uint64_t *map_ns = calloc((size_t)iters, sizeof(*map_ns));
	uint64_t *unmap_ns = calloc((size_t)iters, sizeof(*unmap_ns));
	struct vfc_err e = { { 0 }, { 0 } };
	size_t kmaps = 0;
	int rc = 0;

	if (!map_ns || !unmap_ns) {
		rc = -ENOMEM;
		vfc_err("bench", rc, "cannot allocate the sample arrays");
		goto out;
	}
	for (int i = 0; i < iters; i++) {
		struct vfc_map_req m = { .size = size, .hugetlb = hugetlb };
		uint64_t unmapped = 0, t0, t1, t2;

		t0 = now_ns();
		rc = vfc_domain_map(d, &m, 1, &e);
		t1 = now_ns();
		kmaps = d->nmaps;
		if (!rc)
			rc = vfc_domain_unmap_all(d, &unmapped, &e);
		t2 = now_ns();
		if (!rc && unmapped != size) {
			snprintf(e.subject, sizeof(e.subject), "%s", "unmap");
			snprintf(e.what, sizeof(e.what), "the kernel unmapped %llu of %llu bytes",
				 (unsigned long long)unmapped, (unsigned long long)size);
			rc = -EIO;
		}
		if (rc) {
			vfc_err(e.subject[0] ? e.subject : "bench", rc, "%s", e.what);
			vfc_domain_unmap_all(d, NULL, NULL);
			goto out;
		}
		map_ns[i] = t1 - t0;
		unmap_ns[i] = t2 - t1;
	}
	qsort(map_ns, (size_t)iters, sizeof(*map_ns), cmp_u64);
	qsort(unmap_ns, (size_t)iters, sizeof(*unmap_ns), cmp_u64);
	out_set_str(row, B_BACKEND, vfc_backend_name(d->backend));
	out_set_num(row, B_PAGE_SIZE, (int64_t)(hugetlb ? HUGE_2M : 4096));
	out_set_num(row, B_SIZE, (int64_t)size);
	out_set_num(row, B_ITER, iters);
	out_set_num(row, B_KMAPS, (int64_t)kmaps);
	out_set_num(row, B_MAP_MED, (int64_t)(median(map_ns, (size_t)iters) / 1000));
	out_set_num(row, B_MAP_P99, (int64_t)(pct(map_ns, (size_t)iters, 99) / 1000));
	out_set_num(row, B_MAP_MIN, (int64_t)(map_ns[0] / 1000));
	out_set_num(row, B_UNMAP_MED, (int64_t)(median(unmap_ns, (size_t)iters) / 1000));
	out_set_num(row, B_UNMAP_P99, (int64_t)(pct(unmap_ns, (size_t)iters, 99) / 1000));
	out_set_num(row, B_MAP_TPUT, mib_s(size, median(map_ns, (size_t)iters)));
	out_set_num(row, B_UNMAP_TPUT, mib_s(size, median(unmap_ns, (size_t)iters)));
out:
	free(map_ns);
	free(unmap_ns);
	return rc;
}

static int cmd_bench(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct bench_opts *bopt = opts;
	struct vfc_domain_req req = { .backend = VFC_BACKEND_AUTO };
	struct vfc_err e = { { 0 }, { 0 } };
	struct vfc_topology *topo = NULL;
	struct vfc_domain *d = NULL;
	struct vfc_hugepool hp = { 0 };
	struct out_opts o = cli->out;
	struct out_table *tb;
	struct out_doc *doc;
	uint64_t size = 64ULL << 20;
	bool want4k = true, want2m = true, explicit2m = false;
	int iters = bopt->iterations ? bopt->iterations : 10;
	struct vfc_domain_targets t = { 0 };
	int rc, exit_rc = VFC_EXIT_OK;

	if (argc < 1 || strcmp(argv[0], "map"))
		return vfc_usage_error("bench: the only benchmark is 'map' (bench map TARGET...)");
	argc--, argv++;
	if (argc < 1)
		return vfc_usage_error("bench map: a TARGET is required");
	if (bopt->backend && vfc_backend_parse(bopt->backend, &req.backend))
		return vfc_usage_error("--backend: unknown backend '%s'", bopt->backend);
	if (bopt->size && (vfc_parse_size(bopt->size, &size) || !size || size % 4096))
		return vfc_usage_error("--size: '%s' is not a size in 4 KiB pages", bopt->size);
	if (bopt->page_size) {
		if (!strcasecmp(bopt->page_size, "4K") || !strcmp(bopt->page_size, "4096"))
			want2m = false;
		else if (!strcasecmp(bopt->page_size, "2M") || !strcmp(bopt->page_size, "2097152"))
			want4k = false, explicit2m = true;
		else
			return vfc_usage_error("--page-size: '%s' is not 4K or 2M", bopt->page_size);
	}
	if (iters < 1 || iters > 100000)
		return vfc_usage_error("--iterations: %d is not between 1 and 100000", iters);
	if (want2m && size % HUGE_2M) {
		if (explicit2m)
			return vfc_usage_error("--size: 2M pages need a multiple of 2 MiB");
		want2m = false;
	}
	rc = vfc_topology_scan(&cli->ctx, 0, &topo);
	if (rc) {
		vfc_err(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	exit_rc = vfc_cmd_targets(topo, argc, argv, &t);
	if (exit_rc)
		goto out;
	if (want2m) {
		uint64_t pages = size / HUGE_2M;

		if (vfc_hugepool_read(&cli->ctx, HUGE_2M, &hp) || hp.free < pages) {
			if (explicit2m) {
				vfc_err("hugepages", 0, "bench needs %llu free 2 MiB hugepages, the pool "
					"has %llu free of %llu; grow it: echo %llu > /sys/kernel/mm/"
					"hugepages/hugepages-2048kB/nr_hugepages",
					(unsigned long long)pages, (unsigned long long)hp.free,
					(unsigned long long)hp.total,
					(unsigned long long)(hp.total - hp.free + pages));
				exit_rc = VFC_EXIT_FAILED;
				goto out;
			}
			if (!cli->quiet)
				vfc_warn("hugepages", "%llu free 2 MiB hugepages, %llu needed: 2M left out",
					 (unsigned long long)hp.free, (unsigned long long)pages);
			want2m = false;
		}
	}

	rc = vfc_domain_create(&cli->ctx, t.groups, t.ngroups, t.bdfs, t.nbdfs, &req, &d, &e);
	if (rc) {
		vfc_domain_destroy(d, NULL);
		d = NULL;
		exit_rc = vfc_cmd_domain_refused(&cli->ctx, &e, rc);
		if (rc == -ERANGE)
			exit_rc = VFC_EXIT_UNSUPPORTED;
		goto out;
	}

	/* Set up: from here on only pinning past RLIMIT_MEMLOCK needs a capability. */
	if ((rc = vfc_caps_keep((const int[]){ CAP_IPC_LOCK }, 1, true)))
		vfc_warn("capabilities", "cannot drop: %s", strerror(-rc));
	tb = out_table_new(&bench_schema);
	if (want4k)
		rc = run_rounds(d, size, false, iters, out_row_add(tb));
	if (!rc && want2m)
		rc = run_rounds(d, size, true, iters, out_row_add(tb));
	if (rc)
		exit_rc = vfc_exit_for_errno(rc);
	rc = vfc_domain_destroy(d, &e);
	d = NULL;
	if (rc && !exit_rc) {
		vfc_err(e.subject[0] ? e.subject : NULL, rc, "%s", e.what);
		exit_rc = vfc_exit_for_errno(rc);
	}
	if (exit_rc) {
		out_table_free(tb);
		goto out;
	}
	doc = out_doc_new(&o);
	out_doc_add_table(doc, tb);
	exit_rc = vfc_print_doc(doc);
	out_doc_free(doc);
out:
	vfc_domain_targets_free(&t);
	vfc_topology_free(topo);
	return exit_rc;
}

static const struct vfc_subcmd bench_verbs[] = {
	{ "map", "[--backend B] [--size S] [--page-size 4K|2M] [--iterations N] TARGET...",
	  "map/unmap latency and throughput per page size" },
	{ NULL, NULL, NULL },
};

/*
 * Capabilities: the domain's: /dev/vfio opens (DAC_OVERRIDE, SYS_RAWIO for no-IOMMU), pinning
 * past the memlock limit (IPC_LOCK), iommufd's per-process accounting mode (SYS_RESOURCE).
 * CAP_SETPCAP: the drop to CAP_IPC_LOCK once set up clears the bounding set too.
 */
VFC_DEFINE_COMMAND(bench, struct bench_opts, 90,
		   "map [--backend B] [--size S] [--page-size 4K|2M] [--iterations N] TARGET...",
		   "benchmark map/unmap latency and throughput of a DMA domain",
		   .subcommands = bench_verbs, VFC_SCHEMAS(&bench_schema),
		   VFC_CAPS(CAP_SETPCAP, CAP_DAC_OVERRIDE, CAP_IPC_LOCK, CAP_SYS_RESOURCE,
			    CAP_SYS_RAWIO));
