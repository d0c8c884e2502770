/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the domain command family shares between its files: domain.c (the command, the
 * report, the preparation every domain goes through), exec.c (handing a domain's fds to a
 * program) and session.c (the named domains of a batch session). Private to src/cmd.
 */
#ifndef VFC_CMD_DOMAIN_INT_H
#define VFC_CMD_DOMAIN_INT_H

#include <stdint.h>

#include "core/caps.h"
#include "core/domain.h"
#include "core/topology.h"
#include "cmd/domain.h"
#include "vfioctl.h"

/* The options of domain (and exec, and batch's `domain create`), filled by popt. */
struct dom_opts {
	char *backend, *window, *page_size, *pin, *vf_token;
	char **maps;
	int verify, levels, replace_default, unsafe_noiommu;
};

/*
 * The option rows, written once: ARG(field) is where popt stores the field, an offset in the
 * new form (VFC_OPT, domain and exec) or a static's address (batch's `domain create` verb).
 */
#define DOM_OPTION_ROWS(ARG)                                                                     \
	{ "backend", 'b', POPT_ARG_STRING, ARG(backend), 0,                                     \
	  "auto (iommufd+cdev, else type1v2, else type1, else spapr2, spapr), type1, type1v2, "  \
	  "iommufd, spapr, spapr2", "BACKEND" },                                                \
	{ "window", 'w', POPT_ARG_STRING, ARG(window), 0,                                       \
	  "requested IOVA window; no START: lowest aligned fit", "[START+]SIZE" },              \
	{ "page-size", 'p', POPT_ARG_STRING, ARG(page_size), 0,                                 \
	  "IOMMU page size to use (checked against what the domain supports)", "SIZE" },        \
	{ "map", 'm', POPT_ARG_ARGV, ARG(maps), 0,                                              \
	  "map anonymous memory (repeatable); @IOVA fixes the address; ,hugetlb uses 2 MiB pages", \
	  "SIZE[@IOVA][,hugetlb]" },                                                            \
	{ "pin", 0, POPT_ARG_STRING, ARG(pin), 0, "map and pin SIZE bytes, reporting the time",  \
	  "SIZE" },                                                                             \
	{ "levels", 0, POPT_ARG_INT, ARG(levels), 0,                                            \
	  "SPAPR v2: TCE table levels to start from (raised until the kernel accepts)", "N" },  \
	{ "replace-default", 0, POPT_ARG_NONE, ARG(replace_default), 0,                         \
	  "SPAPR v2: remove the default 32-bit window before creating the requested one", NULL }, \
	{ "unsafe-noiommu", 0, POPT_ARG_NONE, ARG(unsafe_noiommu), 0,                           \
	  "allow a no-IOMMU group (no isolation: the device can DMA anywhere)", NULL },         \
	{ "verify", 0, POPT_ARG_NONE, ARG(verify), 0,                                           \
	  "prove the first mapping carries DMA (needs an edu device in the domain)", NULL },    \
	{ "vf-token", 0, POPT_ARG_STRING, ARG(vf_token), 0,                                     \
	  "SR-IOV VF token: set on a target PF on vfio-pci, presented when opening its VFs",    \
	  "UUID" },

extern struct dom_opts dom_opt;
extern const struct poptOption dom_options[];
/* Who PROGRAM runs as and with what memlock (exec, batch's exec NAME). */
struct dom_exec_as {
	char *user;			/* --user: initgroups, every capability dropped */
	char *group;			/* --group: the primary group instead of the user's */
	char *memlock;			/* --memlock SIZE: RLIMIT_MEMLOCK of PROGRAM */
	int handoff;			/* --handoff: fds in the state a VMM expects */
};
extern struct dom_exec_as dom_exec_opt;

/* ---- columns of the domain report (domain.c) ---- */
enum {
	C_NAME, C_BACKEND, C_OFFERED, C_GROUPS, C_DEVICES, C_REQ_START, C_REQ_SIZE, C_WIN_START,
	C_WIN_LAST,
	C_WIN_SIZE, C_PAGE_SIZE, C_PAGE_SIZES, C_RANGES_SRC, C_RANGES, C_RESV, C_DMA_LIMIT_SRC,
	C_DMA_AVAIL, C_DMA_AVAIL_AFTER, C_MEMLOCK_LIMIT, C_MEMLOCK_LOCKED, C_CAP_IPC_LOCK,
	C_MAPPED, C_KMAPS, C_MAPPINGS, C_PIN_MS, C_VERIFY, C_UNMAPPED, C_DEF_WIN, C_DDW_WINDOWS,
	C_DDW_LEVELS, C_CREATED, C_LEVELS,
};
enum { RG_START, RG_LAST, RG_SIZE };
enum { RV_GROUP, RV_START, RV_END, RV_TYPE };
enum { M_IOVA, M_SIZE, M_HUGETLB, M_FIXED, M_KMAP };
extern const struct out_schema dom_schema, dom_map_schema;

/* Everything a domain needs before the kernel is touched; shared by domain and exec. */
struct dom_prep {
	struct vfc_domain_req req;
	struct vfc_map_req *maps;
	size_t nmaps;
	struct vfc_domain_targets t;
	struct vfc_topology *topo;
	struct vfc_memlock ml;
};

struct fdvar {
	char key[64];		/* placeholder name: container, iommufd, ioas, group:12, ... */
	char env[96];		/* VFIOCTL_... */
	char val[160];		/* what {key} expands to */
	int fd;			/* -1: not an fd (ioas id, map descriptions) */
	bool used;		/* PROGRAM's words name {key} */
};

struct dom_fdvars {
	struct fdvar *v;
	size_t n;
	const char *hint;	/* added to the error of an unknown placeholder */
};

void dom_hex(struct out_row *r, int col, uint64_t v);
int dom_fail(const struct vfc_err *e, int rc);
uint64_t dom_now_ms(void);
void dom_fill_facts(struct out_row *r, struct vfc_domain *d, const struct vfc_domain_req *req,
		    const struct vfc_domain_targets *t, const struct vfc_memlock *ml);
void dom_prep_free(struct dom_prep *p);
/* Fail before touching anything when the pins cannot fit (RLIMIT_MEMLOCK, hugepage pool). */
int dom_precheck(struct vfc_cli *cli, const struct vfc_memlock *ml, uint64_t need,
		 uint64_t hugeneed);
/* Parse options, resolve targets, and refuse early what cannot work (memlock, hugepages). */
int dom_prepare(struct vfc_cli *cli, const char *cmd, const struct dom_opts *o, int argc,
		const char **argv, bool shared_maps, struct dom_prep *p);
void dom_warn_backend(const struct vfc_domain *d, const struct vfc_memlock *ml, size_t nmaps);
int dom_create(struct vfc_cli *cli, struct dom_prep *p, struct vfc_domain **d);
int dom_map_exit(const struct vfc_err *e, int rc);
void dom_map_rows(struct out_table *mt, const struct vfc_domain *d,
		  const struct vfc_map_req *maps, size_t first);
int dom_map_report(struct vfc_cli *cli, struct vfc_domain *d, struct vfc_map_req *maps,
		   size_t nmaps, bool verify, struct out_row *row);

/* ---- exec.c ---- */
int dom_collect_fds(struct vfc_domain *d, char *const *bdfs, size_t nbdfs,
		    const struct vfc_map_req *maps, struct dom_fdvars *fv);
/* PROGRAM ARGS with placeholders replaced: free them with vfc_strv_free. */
int dom_expand_args(const char **tail, int ntail, struct dom_fdvars *fv, char ***out);
/* qemu-system-*, qemu-kvm*, cloud-hypervisor, crosvm: binds the devices itself. */
bool dom_is_vmm(const char *prog);
/* Check --user/--group/--memlock before anything is opened; 0 or an exit code. */
int dom_exec_check(const struct dom_exec_as *as, uint64_t *memlock);
int dom_exec_program(char **args, const struct dom_fdvars *fv, const struct dom_exec_as *as);

#endif
