// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sriov PF [--vfs N] [--autoprobe=yes|no] [--bind] [--dry-run] [--force]`: a PF's SR-IOV
 * state and its VFs, or a new VF count (core/sriov.c), journalled so that `restore PF` puts
 * the count and autoprobe back; --bind moves the new VFs to vfio-pci as one transaction
 * (core/bindplan.c, the PF/vfs target).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "cmd/bindrun.h"
#include "core/sriov.h"
#include "core/util.h"

struct sriov_opts {
	int vfs;			/* -1: not given */
	char *autoprobe;
	int bind, dry_run, force, persist;
	double timeout;
};

static const struct sriov_opts sriov_defaults = { .vfs = -1, .timeout = 10.0 };

static const struct poptOption sriov_options[] = {
	{ "vfs", 'n', POPT_ARG_INT, VFC_OPT(struct sriov_opts, vfs), 0,
	  "set the VF count (0 removes them; a change goes through 0)", "N" },
	{ "autoprobe", 0, POPT_ARG_STRING, VFC_OPT(struct sriov_opts, autoprobe), 0,
	  "sriov_drivers_autoprobe, written before the VFs appear (no: they stay off the host VF "
	  "driver)", "yes|no" },
	{ "bind", 0, POPT_ARG_NONE, VFC_OPT(struct sriov_opts, bind), 0,
	  "bind the new VFs to vfio-pci, all or nothing", NULL },
	{ "dry-run", 0, POPT_ARG_NONE, VFC_OPT(struct sriov_opts, dry_run), 0,
	  "print the plan, change nothing", NULL },
	{ "persist", 0, POPT_ARG_NONE, VFC_OPT(struct sriov_opts, persist), 0,
	  "also record the count (and, with --bind, the VFs' driver) in /etc/vfioctl.conf", NULL },
	{ "force", 'f', POPT_ARG_NONE, VFC_OPT(struct sriov_opts, force), 0,
	  "remove host-critical VFs too (never VFs a process holds)", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, VFC_OPT(struct sriov_opts, timeout), 0,
	  "seconds to wait for the VFs and each bind (default 10)", "S" },
	POPT_TABLEEND
};

enum { V_BDF, V_INDEX, V_IDS, V_GROUP, V_DRIVER, V_HOLDERS, V_CRITICAL };
static const struct out_col vf_cols[] = {
	[V_BDF] = { "BDF", OUT_STR, 12, OUT_DEFAULT, "the VF's PCI address" },
	[V_INDEX] = { "INDEX", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "VF index (virtfnN; null: no link)" },
	[V_IDS] = { "IDS", OUT_STR, 9, 0, "vendor:device ids" },
	[V_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "IOMMU group (null: none)" },
	[V_DRIVER] = { "DRIVER", OUT_STR, 10, OUT_DEFAULT, "driver (null: none)" },
	[V_HOLDERS] = { "HOLDERS", OUT_STRV, 16, OUT_DEFAULT, "processes holding its group (PID (COMM))" },
	[V_CRITICAL] = { "CRITICAL", OUT_STR, 16, 0, "why the host depends on it (null: it does not)" },
};
static const struct out_schema vf_schema = { "vfs", vf_cols, VFC_ARRAY_SIZE(vf_cols) };

enum { S_PF, S_IDS, S_DRIVER, S_DRIVER_SRIOV, S_TOTALVFS, S_NUMVFS, S_AUTOPROBE, S_VF_DEVICE,
       S_OFFSET, S_STRIDE, S_HELD, S_JOURNAL_NUMVFS, S_JOURNAL_AUTOPROBE, S_PLAN, S_VFS };
static const struct out_col sriov_cols[] = {
	[S_PF] = { "PF", OUT_STR, 12, OUT_DEFAULT, "the PF's PCI address" },
	[S_IDS] = { "IDS", OUT_STR, 9, OUT_DEFAULT, "vendor:device ids" },
	[S_DRIVER] = { "DRIVER", OUT_STR, 10, OUT_DEFAULT, "the PF's driver (null: none)" },
	[S_DRIVER_SRIOV] = { "DRIVER_SRIOV", OUT_STR, 7, OUT_DEFAULT,
			     "can the driver make VFs: yes (it has), no (no driver), unknown" },
	[S_TOTALVFS] = { "TOTALVFS", OUT_NUM, 3, OUT_DEFAULT | OUT_RIGHT, "sriov_totalvfs" },
	[S_NUMVFS] = { "NUMVFS", OUT_NUM, 3, OUT_DEFAULT | OUT_RIGHT, "sriov_numvfs" },
	[S_AUTOPROBE] = { "AUTOPROBE", OUT_BOOL, 3, OUT_DEFAULT,
			  "sriov_drivers_autoprobe (null: missing)" },
	[S_VF_DEVICE] = { "VF_DEVICE", OUT_STR, 4, OUT_DEFAULT, "sriov_vf_device (null: missing)" },
	[S_OFFSET] = { "OFFSET", OUT_NUM, 3, 0, "sriov_offset (routing ID of VF 0 from the PF)" },
	[S_STRIDE] = { "STRIDE", OUT_NUM, 3, 0, "sriov_stride" },
	[S_HELD] = { "HELD_VFS", OUT_NUM, 3, OUT_DEFAULT | OUT_RIGHT, "VFs a process holds" },
	[S_JOURNAL_NUMVFS] = { "JOURNAL_NUMVFS", OUT_NUM, 3, 0,
			       "the count restore puts back (null: not journalled)" },
	[S_JOURNAL_AUTOPROBE] = { "JOURNAL_AUTOPROBE", OUT_BOOL, 3, 0,
				  "the autoprobe restore puts back (null: not journalled)" },
	[S_PLAN] = { "PLAN", OUT_STRV, 20, OUT_DEFAULT,
		     "what --vfs did or (--dry-run) would do ([]: nothing asked)" },
	[S_VFS] = { "VFS", OUT_SUB, 0, OUT_JSON, "the VFs", &vf_schema },
};
static const struct out_schema sriov_schema = { "sriov", sriov_cols, VFC_ARRAY_SIZE(sriov_cols) };

static void fill_vfs(struct out_table *t, const struct vfc_sriov_info *s)
{
	for (size_t i = 0; i < s->nvfs; i++) {
		const struct vfc_sriov_vf *v = &s->vfs[i];
		struct out_row *r = out_row_add(t);
		char **h = NULL;

		out_set_str(r, V_BDF, v->dev->name);
		out_set_num_or_null(r, V_INDEX, v->index);
		if (v->dev->vendor >= 0 && v->dev->device >= 0)
			out_set_strf(r, V_IDS, "%04x:%04x", (unsigned)v->dev->vendor,
				     (unsigned)v->dev->device);
		else
			out_set_null(r, V_IDS);
		if (v->group)
			out_set_num(r, V_GROUP, v->group->id);
		else
			out_set_null(r, V_GROUP);
		out_set_str(r, V_DRIVER, v->dev->driver);
		if (v->group && (h = calloc(v->group->nholders + 1, sizeof(*h))))
			for (size_t k = 0; k < v->group->nholders; k++)
				if (asprintf(&h[k], "%d (%s)", (int)v->group->holders[k].pid,
					     v->group->holders[k].comm) < 0)
					h[k] = NULL;
		if (h) {
			out_set_strv(r, V_HOLDERS, h);
			vfc_strv_free(h);
		} else {
			char *none[] = { NULL };

			out_set_strv(r, V_HOLDERS, none);
		}
		out_set_str(r, V_CRITICAL, v->critical[0] ? v->critical : NULL);
	}
}

static void fill_pf(struct out_row *r, const struct vfc_sriov_info *s, char *const *plan)
{
	const struct vfc_device *pf = s->pf;

	out_set_str(r, S_PF, pf->name);
	if (pf->vendor >= 0 && pf->device >= 0)
		out_set_strf(r, S_IDS, "%04x:%04x", (unsigned)pf->vendor, (unsigned)pf->device);
	else
		out_set_null(r, S_IDS);
	out_set_str(r, S_DRIVER, pf->driver);
	/* the kernel does not say whether a driver has sriov_configure; VFs prove it */
	out_set_str(r, S_DRIVER_SRIOV, !pf->driver ? "no" : s->numvfs > 0 ? "yes" : "unknown");
#define NUM_OR_NULL(col, v) ((v) >= 0 ? out_set_num(r, col, v) : out_set_null(r, col))
	NUM_OR_NULL(S_TOTALVFS, s->totalvfs);
	NUM_OR_NULL(S_NUMVFS, s->numvfs);
	if (s->autoprobe >= 0)
		out_set_bool(r, S_AUTOPROBE, s->autoprobe);
	else
		out_set_null(r, S_AUTOPROBE);
	if (s->vf_device >= 0)
		out_set_strf(r, S_VF_DEVICE, "%04x", (unsigned)s->vf_device);
	else
		out_set_null(r, S_VF_DEVICE);
	NUM_OR_NULL(S_OFFSET, s->offset);
	NUM_OR_NULL(S_STRIDE, s->stride);
	out_set_num(r, S_HELD, (int64_t)s->nheld);
	NUM_OR_NULL(S_JOURNAL_NUMVFS, s->journalled ? s->j_numvfs : -1);
	if (s->journalled && s->j_autoprobe >= 0)
		out_set_bool(r, S_JOURNAL_AUTOPROBE, s->j_autoprobe);
	else
		out_set_null(r, S_JOURNAL_AUTOPROBE);
#undef NUM_OR_NULL
	out_set_strv(r, S_PLAN, plan);
	fill_vfs(out_sub(r, S_VFS), s);
}

/* The PF record (text: a record, then the VF table; JSON: one object), then the actions. */
static int print_state(struct vfc_cli *cli, const struct vfc_sriov_info *s, char *const *plan,
		       const struct vfc_bindplan *bp, int *bind_code)
{
	struct out_opts o = cli->out;
	struct out_table *t = out_table_new(&sriov_schema);
	struct out_doc *doc;
	int rc;

	*bind_code = 0;
	fill_pf(out_row_add(t), s, plan);
	if (o.format == OUT_FMT_JSON) {
		doc = out_doc_new(&o);
		out_doc_add_object(doc, "sriov", t);
		if (bp && bp->n)
			out_doc_add_table(doc, bindrun_table(bp, bind_code));
		rc = vfc_print_doc(doc);
		out_doc_free(doc);
		return rc;
	}
	if ((rc = vfc_print_one(cli, t, "sriov")))
		return rc;
	doc = out_doc_new(&o);
	if (s->nvfs) {
		struct out_table *vt = out_table_new(&vf_schema);

		fill_vfs(vt, s);
		out_doc_add_table_titled(doc, vt, "VFs:");
	}
	if (bp && bp->n)
		out_doc_add_table_titled(doc, bindrun_table(bp, bind_code), "Actions:");
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	return rc;
}

static int plan_add(char ***plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int plan_add(char ***plan, const char *fmt, ...)
{
	size_t n = vfc_strv_len(*plan);
	char **v = realloc(*plan, (n + 2) * sizeof(*v));
	va_list ap;
	int rc;

	if (!v)
		return -ENOMEM;
	*plan = v;
	va_start(ap, fmt);
	rc = vasprintf(&v[n], fmt, ap);
	va_end(ap);
	if (rc < 0) {
		v[n] = NULL;
		return -ENOMEM;
	}
	v[n + 1] = NULL;
	return 0;
}

/* Find the PF the argument names in r->t: 0 or an exit code (printed). */
static int find_pf(struct vfc_bindrun *r, const char *arg, const struct vfc_device **pf)
{
	struct vfc_target tg;
	const char *why = vfc_target_parse(arg, &tg);

	if (why)
		return vfc_usage_error("%s: %s", arg, why);
	if (tg.kind != VFC_TARGET_DEVICE)
		return vfc_usage_error("%s: sriov takes a PF's PCI address", arg);
	*pf = vfc_topology_device(r->t, &tg.addr);
	if (!*pf) {
		vfc_error(arg, 0, "no such PCI device");
		return VFC_EXIT_NODEV;
	}
	if (!vfc_sriov_is_pf(*pf)) {
		vfc_error((*pf)->name, 0, "%s",
			  (*pf)->physfn[0] ? "is a VF (of an SR-IOV PF); name its PF"
					   : "not an SR-IOV PF (no sriov_totalvfs)");
		return VFC_EXIT_UNSUPPORTED;
	}
	return 0;
}

/*
 * May the count change? Removing VFs a process holds: never (exit 5, each named);
 * host-critical VFs: only with --force (said). 0 or an exit code (printed).
 */
static int may_remove(const struct vfc_sriov_info *s, bool force)
{
	char why[1200];

	if (vfc_sriov_held_reason(s, why, sizeof(why))) {
		vfc_error(s->pf->name, 0, "refused: removing its VFs: %s (--force does not override "
			  "a holder)", why);
		return VFC_EXIT_BUSY;
	}
	if (vfc_sriov_critical_reason(s, why, sizeof(why))) {
		if (!force) {
			vfc_error(s->pf->name, 0, "refused: removing its VFs: %s (--force overrides)",
				  why);
			return VFC_EXIT_BUSY;
		}
		vfc_warn(s->pf->name, "removing host-critical VFs because of --force: %s", why);
	}
	return 0;
}

static int cmd_sriov(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct sriov_opts *o = opts;
	struct vfc_sriov_info s = { 0 };
	const struct vfc_device *pf;
	struct vfc_bindrun r;
	char pfname[VFC_BDF_LEN + 40], target[VFC_BDF_LEN + 48];
	char **plan = calloc(1, sizeof(char *));
	int autoprobe = -1, rc, code = 0, bind_code = 0, cur, prev_auto;
	bool change = o->vfs >= 0 || o->autoprobe;

	if (!plan)
		return VFC_EXIT_FAILED;
	if (argc != 1) {
		free(plan);
		return vfc_usage_error(argc ? "sriov: one PF at a time" : "sriov: a PF is required");
	}
	if (o->autoprobe) {
		if (!strcmp(o->autoprobe, "yes") || !strcmp(o->autoprobe, "1"))
			autoprobe = 1;
		else if (!strcmp(o->autoprobe, "no") || !strcmp(o->autoprobe, "0"))
			autoprobe = 0;
		else {
			free(plan);
			return vfc_usage_error("--autoprobe: '%s' is not yes or no", o->autoprobe);
		}
	}
	if ((o->bind || o->force || o->persist) && o->vfs < 0) {
		free(plan);
		return vfc_usage_error("--%s: needs --vfs N",
				       o->bind ? "bind" : o->force ? "force" : "persist");
	}
	if (o->bind && o->vfs == 0) {
		free(plan);
		return vfc_usage_error("--bind: --vfs 0 leaves no VF to bind");
	}
	bindrun_init(cli, &r, o->force);
	if ((rc = bindrun_timeout(o->timeout, &r.timeout_ms))) {
		free(plan);
		return bindrun_end(&r, rc);
	}
	if (change && !o->dry_run &&
	    ((rc = vfc_require_root("sriov")) || (rc = bindrun_lock(&r))))
		goto out;
	if ((rc = bindrun_scan(&r)) || (rc = find_pf(&r, argv[0], &pf)))
		goto out;
	snprintf(pfname, sizeof(pfname), "%s", pf->name);
	snprintf(target, sizeof(target), "%s/vfs", pf->name);
	rc = vfc_sriov_get(r.t, pf, change, &s);
	if (rc) {
		vfc_error(pfname, rc, "cannot read its SR-IOV state");
		rc = vfc_exit_for_errno(rc);
		goto out;
	}
	cur = s.numvfs;
	prev_auto = s.autoprobe;
	if (change) {
		int n = o->vfs >= 0 ? o->vfs : cur;

		if (o->vfs > s.totalvfs) {
			rc = vfc_usage_error("--vfs: %d is more than the %d VFs %s supports", o->vfs,
					     s.totalvfs, pfname);
			goto out;
		}
		if (n != cur && !pf->driver) {
			vfc_error(pfname, -ENOENT, "the PF has no driver: the kernel makes VFs only "
				  "through a driver with SR-IOV support (bind it to its driver)");
			rc = VFC_EXIT_FAILED;
			goto out;
		}
		if (n != cur && cur > 0 && (rc = may_remove(&s, o->force)))
			goto out;
		if (autoprobe >= 0 && autoprobe != prev_auto)
			plan_add(&plan, "sriov_drivers_autoprobe %d -> %d", prev_auto, autoprobe);
		if (n != cur && cur > 0)
			plan_add(&plan, "sriov_numvfs %d -> 0 (removes %d VFs)", cur, cur);
		if (n != cur && n > 0)
			plan_add(&plan, "sriov_numvfs 0 -> %d (creates %d VFs)", n, n);
		if (o->bind && n > 0)
			plan_add(&plan, "bind %s to vfio-pci (all or nothing)", target);
		if (!plan[0])
			plan_add(&plan, "nothing to do: %d VFs, autoprobe %d already", cur, prev_auto);
		if (o->persist && o->dry_run)
			plan_add(&plan, "%s %s's lines in %s (--persist)", n ? "record" : "drop",
				 pfname, VFC_CONF_PATH);
		if (!o->dry_run && (n != cur || (autoprobe >= 0 && autoprobe != prev_auto))) {
			rc = vfc_sriov_journal_put(&r.j, pfname, cur, prev_auto);
			if (rc) {
				vfc_error(pfname, rc, "cannot journal its VF count");
				rc = vfc_exit_for_errno(rc);
				goto out;
			}
			rc = vfc_sriov_set(&cli->ctx, pfname, cur, n, autoprobe, r.timeout_ms);
			if (rc) {
				vfc_error(pfname, rc, "cannot set sriov_numvfs to %d", n);
				rc = vfc_exit_for_errno(rc);
				goto out;
			}
		}
		if (!o->dry_run) {
			/* what the kernel made: a new snapshot */
			vfc_sriov_free(&s);
			vfc_topology_free(r.t);
			r.t = NULL;
			if ((rc = bindrun_scan(&r)) || (rc = find_pf(&r, pfname, &pf)))
				goto out;
			if ((rc = vfc_sriov_get(r.t, pf, false, &s))) {
				vfc_error(pfname, rc, "cannot read its SR-IOV state");
				rc = vfc_exit_for_errno(rc);
				goto out;
			}
		}
		if (o->bind && !o->dry_run && s.nvfs) {
			const char *tv[] = { target };

			rc = vfc_exit_for_errno(vfc_bindrun_collect(&r, 1, tv, true));
			if (rc)
				goto out;
			rc = vfc_exit_for_errno(vfc_bindplan_noiommu(&r, "vfio-pci", false));
			if (rc)
				goto out;
			vfc_bindplan_bind_targets(&r, true, "vfio-pci");
			bindrun_refusals(&r.p);
			vfc_bindrun_start(&r);
			vfc_bindrun_bind(&r, true, (uid_t)-1, (gid_t)-1, NULL, NULL);
			/* the VFs' drivers now */
			vfc_sriov_free(&s);
			vfc_topology_free(r.t);
			r.t = NULL;
			if ((rc = bindrun_scan(&r)) || (rc = find_pf(&r, pfname, &pf)) ||
			    (rc = vfc_exit_for_errno(vfc_sriov_get(r.t, pf, false, &s))))
				goto out;
		}
		/* only what worked is recorded: a bind that failed (rolled back) is not */
		if (o->persist && !o->dry_run && !vfc_bindplan_failed(&r.p) &&
		    !vfc_bindplan_refused(&r.p)) {
			bool changed;

			rc = vfc_sriov_persist(&cli->ctx, pfname, n, autoprobe, o->bind, &changed);
			if (rc) {
				vfc_error(VFC_CONF_PATH, rc, "cannot record %s (--persist)", pfname);
				rc = vfc_exit_for_errno(rc);
				goto out;
			}
			plan_add(&plan, "%s %s's lines in %s (--persist)",
				 !changed ? "already had" : n ? "recorded" : "dropped", pfname,
				 VFC_CONF_PATH);
		}
	}
	code = print_state(cli, &s, plan, &r.p, &bind_code);
	rc = code ? code : bind_code;
	if (r.holding) {
		fflush(stdout);
		fflush(stderr);
		vfc_bindrun_release(&r);
	}
out:
	vfc_sriov_free(&s);
	vfc_strv_free(plan);
	return bindrun_end(&r, rc);
}

static const struct vfc_exclusive sriov_exclusive[] = {
	{ { NULL } },
};

/*
 * Capabilities: sysfs writes (DAC_OVERRIDE), holders (DAC_READ_SEARCH, SYS_PTRACE), config
 * space (SYS_ADMIN).
 */
VFC_DEFINE_COMMAND(sriov, struct sriov_opts, 37,
		   "PF [--vfs N] [--autoprobe=yes|no] [--bind] [--persist] [--dry-run] [--force]",
		   "a PF's SR-IOV state and VFs; set the VF count (journalled), bind the VFs",
		   .exclusive = sriov_exclusive, .opts_init = &sriov_defaults,
		   VFC_SCHEMAS(&sriov_schema, &vf_schema),
		   VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN));
