// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The named domains of a batch session (vfioctl batch / shell, src/cmd/batch.c): `domain
 * create NAME ...`, `domain destroy`, `map`, `unmap`, `show`, `reset`, `exec NAME -- ...`.
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
#include "cmd/domain-int.h"
#include "vfioctl.h"

/* ---- named domains of a batch session (vfioctl batch / shell, src/cmd/batch.c) ---- */

enum { U_IOVA, U_SIZE };
static const struct out_col unmap_cols[] = {
	[U_IOVA] = { "IOVA", OUT_STR, 18, OUT_DEFAULT, "start of the kernel mapping (dom_hex string)" },
	[U_SIZE] = { "SIZE", OUT_STR, 10, OUT_DEFAULT,
		     "bytes the kernel confirmed unmapped (dom_hex string)" },
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
	struct dom_prep p;
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
	rc = dom_prepare(cli, "domain create", &dom_opt, argc - 1, argv + 1, true, &p);
	if (!rc)
		rc = dom_create(cli, &p, &d);
	if (rc) {
		dom_prep_free(&p);
		return rc;
	}
	if (d->backend == VFC_BACKEND_NOIOMMU)
		vfc_warn("noiommu", "no IOMMU: no isolation, no window, no mappings; the device can DMA "
			 "to any physical memory");
	tb = out_table_new(&dom_schema);
	row = out_row_add(tb);
	out_set_str(row, C_NAME, argv[0]);
	dom_fill_facts(row, d, &p.req, &p.t, &p.ml);
	if (p.nmaps)
		rc = dom_map_report(cli, d, p.maps, p.nmaps, dom_opt.verify, row);
	if (!rc && vfc_session_add(s, argv[0], d, &p.req, &p.t)) {
		vfc_err(subj, -ENOMEM, "cannot keep the domain");
		rc = VFC_EXIT_FAILED;
	}
	if (rc) {
		/* All or nothing: a domain whose line failed does not stay behind. */
		vfc_domain_destroy(d, NULL);
		out_table_free(tb);
	} else {
		rc = vfc_print_one(cli, tb, "domain");
	}
	dom_prep_free(&p);
	return rc;
}

static int verb_destroy(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	int exit_rc = VFC_EXIT_OK;

	(void)cli;	/* every verb has the same signature; destroy prints nothing of its own */

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
		out_list_columns(&dom_map_schema, stdout);
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
	rc = dom_precheck(cli, &ml, need, hugeneed);
	if (rc) {
		free(maps);
		return rc;
	}
	first = sd->d->nmaps;
	rc = vfc_domain_map(sd->d, maps, n, &e);
	mt = out_table_new(&dom_map_schema);
	dom_map_rows(mt, sd->d, maps, first);
	free(maps);
	if (rc) {
		/* What did get mapped stays, as the kernel has it; show lists it. */
		out_table_free(mt);
		return verb_fail(subject(subj, sizeof(subj), "map", argv[0]), &e, rc);
	}
	return vfc_print_one(cli, mt, NULL);
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
		dom_hex(x, U_IOVA, iova);
		dom_hex(x, U_SIZE, got);
	}
	if (exit_rc) {
		out_table_free(ut);
		return exit_rc;
	}
	return vfc_print_one(cli, ut, NULL);
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
	dom_fill_facts(row, sd->d, &sd->req, &sd->t, &ml);
	/* The kernel mappings as they are now: what `unmap NAME IOVA` and {map:K} refer to. */
	mt = out_sub(row, C_MAPPINGS);
	for (size_t k = 0; k < sd->d->nmaps; k++) {
		const struct vfc_mapping *m = &sd->d->maps[k];
		struct out_row *x = out_row_add(mt);

		dom_hex(x, M_IOVA, m->iova);
		dom_hex(x, M_SIZE, m->size);
		out_set_bool(x, M_HUGETLB, m->hugetlb);
		out_set_bool(x, M_FIXED, m->fixed);
		out_set_num(x, M_KMAP, (int64_t)k);
	}
	out_set_num(row, C_MAPPED, (int64_t)sd->d->mapped_bytes);
	out_set_num(row, C_KMAPS, (int64_t)sd->d->nmaps);
	if (!vfc_domain_dma_avail(sd->d, &avail))
		out_set_num(row, C_DMA_AVAIL_AFTER, avail);
	return vfc_print_one(cli, tb, "domain");
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
	rc = vfc_print_one(cli, rt, NULL);
	return exit_rc ? exit_rc : rc;
}

/* batch's exec NAME: a session verb, parsed into statics */
struct dom_exec_as dom_exec_opt;

static const struct poptOption session_exec_options[] = {
	{ "user", 'u', POPT_ARG_STRING, &dom_exec_opt.user, 0,
	  "run PROGRAM as USER (and its groups) with no capabilities left", "USER" },
	{ "group", 0, POPT_ARG_STRING, &dom_exec_opt.group, 0,
	  "with --user: GROUP is PROGRAM's primary group instead of the user's", "GROUP" },
	{ "memlock", 0, POPT_ARG_STRING, &dom_exec_opt.memlock, 0,
	  "RLIMIT_MEMLOCK of PROGRAM, set before privileges go", "SIZE" },
	POPT_TABLEEND
};

/* The program runs in a child with the domain's fds; the domain stays with the session. */
static int verb_exec(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv)
{
	struct vfc_session_domain *sd = named(s, "exec", argc, argv);
	struct dom_fdvars fv = { 0 };
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
	if (dom_is_vmm(cli->tail[0]))
		return vfc_usage_error("exec %s: %s binds and attaches the devices itself; a named "
				       "domain's are already bound (it would fail with EINVAL): use "
				       "exec TARGET... --handoff", argv[0], cli->tail[0]);
	rc = dom_collect_fds(sd->d, sd->t.bdfs, sd->t.nbdfs, NULL, &fv) ? VFC_EXIT_FAILED : 0;
	if (!rc)
		rc = dom_expand_args(cli->tail, cli->ntail, &fv, &args);
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
		rc = dom_exec_program(args, &fv, &dom_exec_opt);
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
	vfc_strv_free(args);
	free(fv.v);
	return rc;
}

const struct vfc_session_verb vfc_domain_verbs[] = {
	{ "domain", "create", "NAME TARGET... [DOMAIN OPTIONS]",
	  "create a named domain; it lives until destroyed or the session ends", dom_options,
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
	{ "exec", NULL, "NAME [--user U [--group G]] [--memlock SIZE] -- PROGRAM ARGS...",
	  "run PROGRAM with a named domain's fds; the domain stays", session_exec_options, true,
	  true, verb_exec },
	{ NULL, NULL, NULL, NULL, NULL, false, false, NULL },
};
