// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `apply`: make the bindings match vfioctl.conf (idempotent; run at boot and by the udev rule
 * for an added device). The plan and the moves are core/bindplan.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bindrun.h"
#include "core/caps.h"
#include "core/devattr.h"
#include "core/kmodload.h"
#include "core/sriov.h"

struct apply_opts {
	int check, diff;
	char *device;		/* popt's copy; the dispatcher frees it */
	double timeout;
};

static const struct apply_opts apply_defaults = { .timeout = 10.0 };

static const struct poptOption apply_options[] = {
	{ "check", 0, POPT_ARG_NONE, VFC_OPT(struct apply_opts, check), 0,
	  "change nothing, print nothing; exit as the real run would fail, else 8 when the host "
	  "differs", NULL },
	{ "diff", 0, POPT_ARG_NONE, VFC_OPT(struct apply_opts, diff), 0,
	  "print what would change (exit as --check does)", NULL },
	{ "device", 0, POPT_ARG_STRING, VFC_OPT(struct apply_opts, device), 0,
	  "only this device (the udev rule passes the added one)", "BDF" },
	{ "timeout", 't', POPT_ARG_DOUBLE, VFC_OPT(struct apply_opts, timeout), 0,
	  "seconds to wait for each device (default 10)", "S" },
	POPT_TABLEEND
};

static const struct vfc_exclusive apply_exclusive[] = {
	{ { "check", "diff" } },
	{ { NULL } },
};

/* The worse of two exit codes: the higher (8 outranks 7, as in vfioctl(8)'s EXIT STATUS). */
static int worse(int a, int b)
{
	return a > b ? a : b;
}

/*
 * A dry run's exit code: what the real run would fail with (a refusal's code, the worst bad
 * line's), else 8 when the host differs from the file.
 */
static int dry_exit(int code, int bad, bool differs)
{
	int rc = worse(code, bad);

	return rc ? rc : differs ? VFC_EXIT_PROBLEMS : VFC_EXIT_OK;
}

/* The PF's count could not be applied (refused, failed): its row says why. */
static bool pf_stuck(const struct vfc_bindplan *p, const struct vfc_pciaddr *pf)
{
	char bdf[VFC_BDF_LEN];

	vfc_pciaddr_format(pf, bdf, sizeof(bdf));
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].bdf, bdf) && p->v[i].action == VFC_ACT_NONE &&
		    (p->v[i].result == VFC_RES_REFUSED || p->v[i].result == VFC_RES_FAILED))
			return true;
	return false;
}

/*
 * A line's driver is not registered: load its module as bind does (a dry run looks it up and
 * says it would). 0, or -ENOEXEC when it cannot (reported, subject FILE:LINE).
 */
static int need_module(struct vfc_bindrun *r, const char *subject, const struct vfc_conf_entry *e,
		       bool dry)
{
	struct vfc_kmod k;
	int rc = vfc_kmod_need_driver(r->ctx, e->driver, dry, &k);

	if (rc == -ENXIO)
		vfc_err(subject, 0, "driver %s: module %s loaded, but no PCI driver of this name "
			"came up", e->driver, k.module);
	else if (rc)
		vfc_err(subject, rc, "driver %s: cannot load module %s", e->driver,
			k.module[0] ? k.module : e->driver);
	else if (dry && k.needed)
		vfc_msg(subject, "driver %s: module %s would be loaded first", e->driver, k.module);
	return rc ? -ENOEXEC : 0;
}

/*
 * The file's entries into a plan, line by line: a line that cannot be planned (it does not
 * parse, names a user or a driver that does not exist) is reported alone, subject FILE:LINE,
 * and the others still are. Returns the worst exit code of the bad lines (0: none).
 */
static int plan(struct vfc_bindrun *r, const char *path, const struct vfc_conf_entry *ents,
		size_t nent, const struct vfc_pciaddr *only, bool dry)
{
	char subject[PATH_MAX + 16];
	int worst = 0;

	for (size_t i = 0; i < nent; i++) {
		const struct vfc_conf_entry *e = &ents[i];
		struct vfc_apply_error err;
		int rc;

		snprintf(subject, sizeof(subject), "%s:%d", path, e->line);
		if (e->bad) {
			vfc_err(subject, 0, "%s", e->bad);
			worst = worse(worst, VFC_EXIT_USAGE);
			continue;
		}
		if (e->match.kind == VFC_TARGET_VFS && pf_stuck(&r->p, &e->match.addr))
			continue;	/* its VFs are not (yet) the ones the file wants */
		rc = vfc_bindplan_apply(r, e, 1, only, &err);
		if (rc == -EOPNOTSUPP && (rc = need_module(r, subject, e, dry)) == 0) {
			/* its module is loaded now (a dry run: would be): plan the line again */
			r->loadable_driver = dry ? e->driver : NULL;
			rc = vfc_bindplan_apply(r, e, 1, only, &err);
			r->loadable_driver = NULL;
		}
		if (rc == -ENOEXEC) {
			worst = worse(worst, VFC_EXIT_UNSUPPORTED);	/* need_module said why */
		} else if (rc == -EINVAL) {
			vfc_err(subject, 0, "no such user or group '%s'", err.name);
			worst = worse(worst, VFC_EXIT_USAGE);
		} else if (rc == -EOPNOTSUPP) {
			vfc_err(subject, 0, "no such PCI driver '%s'", e->driver);
			worst = worse(worst, VFC_EXIT_UNSUPPORTED);
		} else if (rc) {
			vfc_err(subject, rc, "cannot plan the line");
			worst = worse(worst, vfc_exit_for_errno(rc));
		}
	}
	return worst;
}

/*
 * The vfs= and autoprobe= lines first (only: that PF's), so that the VFs exist before the
 * lines naming them are planned. A line that cannot be applied is reported alone, as in
 * plan(); a refusal is its step's (bindrun_refusals says it). Returns the worst exit code
 * of the bad lines; *wrote: sysfs changed.
 */
static int plan_sriov(struct vfc_bindrun *r, const char *path, const struct vfc_conf_entry *ents,
		      size_t nent, const struct vfc_pciaddr *only, bool dry, bool *wrote)
{
	char subject[PATH_MAX + 16];
	int worst = 0;

	*wrote = false;
	for (size_t i = 0; i < nent; i++) {
		const struct vfc_conf_entry *e = &ents[i];
		bool w;
		int rc;

		if (e->bad || e->binds || (only && vfc_pciaddr_cmp(&e->match.addr, only)))
			continue;
		snprintf(subject, sizeof(subject), "%s:%d", path, e->line);
		rc = vfc_sriov_apply(r, e, dry, &w);
		*wrote |= w;
		if (rc == -EINVAL) {
			vfc_err(subject, 0, "%s is not an SR-IOV PF (no sriov_totalvfs)", e->match_text);
			worst = worse(worst, VFC_EXIT_UNSUPPORTED);
		} else if (rc == -ERANGE) {
			vfc_err(subject, 0, "vfs=%d is more than the VFs %s supports", e->vfs,
				e->match_text);
			worst = worse(worst, VFC_EXIT_USAGE);
		} else if (rc && rc != -ENODEV) {
			vfc_err(subject, rc, "cannot set the VF count of %s", e->match_text);
		}
	}
	return worst;
}

/*
 * A PF/vfs line that finds no VF: say where they would come from (a vfs= line, which a dry
 * run has not applied yet), or that no line makes them.
 */
static void explain_vfs(struct vfc_bindrun *r, const char *path, const struct vfc_conf_entry *ents,
			size_t nent, const struct vfc_pciaddr *only, bool dry)
{
	for (size_t i = 0; i < nent; i++) {
		const struct vfc_conf_entry *e = &ents[i], *pfl = NULL;
		const struct vfc_device *pf;
		char subject[PATH_MAX + 16];

		if (e->bad || e->match.kind != VFC_TARGET_VFS || only ||
		    !(pf = vfc_topology_device(r->t, &e->match.addr)) || pf->sriov_numvfs > 0)
			continue;
		for (size_t k = 0; k < nent; k++)
			if (!ents[k].bad && !ents[k].binds && ents[k].vfs > 0 &&
			    !vfc_pciaddr_cmp(&ents[k].match.addr, &e->match.addr))
				pfl = &ents[k];
		snprintf(subject, sizeof(subject), "%s:%d", path, e->line);
		if (!pfl)
			vfc_warn(subject, "%s has no VFs, and no line gives it vfs=N: nothing to bind "
				 "(add a line `%s vfs=N`)", pf->name, pf->name);
		else if (dry)
			vfc_warn(subject, "%s has no VFs yet: line %d (vfs=%d) makes them first, "
				 "then this line binds them", pf->name, pfl->line, pfl->vfs);
	}
}

/* A step whose owner= applies to its group node: on a vfio driver, with an owner. */
static bool owns_node(const struct vfc_bind_step *s)
{
	return s->has_owner && s->group >= 0 && vfc_driver_is_vfio(s->to) &&
	       (s->result == VFC_RES_ALREADY || s->result == VFC_RES_DONE);
}

/* A step's group node, what it has and what vfc_conf_node_owner said of it. */
struct owner_node {
	char node[64], what[64];
	int rc;
};

/* owner= on s's group node: checked (set false: rc 1 when it differs) or set; false: n/a. */
static bool node_owner(struct vfc_bindrun *r, const struct vfc_bind_step *s, bool set,
		       struct owner_node *n)
{
	if (!owns_node(s) || vfc_group_node(r->ctx, s->group, n->node, sizeof(n->node)))
		return false;
	n->rc = vfc_conf_node_owner(r->ctx, n->node, s->uid, s->gid, set, n->what, sizeof(n->what));
	return true;
}

/*
 * owner= drift: a device already as configured whose /dev/vfio/N does not have the owner
 * (or the mode that lets the owner open it) is a change to make. drift[i] marks such steps;
 * in a dry run they are planned (the table and the exit code count them).
 */
static void owner_drift(struct vfc_bindrun *r, bool dry, bool *drift)
{
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		struct owner_node n;

		if (!node_owner(r, s, false, &n) || n.rc != 1)
			continue;
		drift[i] = true;
		snprintf(s->node, sizeof(s->node), "%s", n.node);
		/* the reason was "already as configured: MATCH (line N)": keep MATCH (line N) */
		{
			const char *m = strstr(s->reason, ": ");
			char was[sizeof(s->reason)], want[32];

			snprintf(was, sizeof(was), "%s", m ? m + 2 : s->reason);
			if (s->gid == (gid_t)-1)
				snprintf(want, sizeof(want), "%d u+rw", (int)s->uid);
			else
				snprintf(want, sizeof(want), "%d:%d u+rw", (int)s->uid, (int)s->gid);
			snprintf(s->reason, sizeof(s->reason), "owner: %s is %s, wanted %s: %.200s",
				 n.node, n.what, want, was);
		}
		if (dry)
			s->result = VFC_RES_PLANNED;
	}
}

/* After the run: every node owner= names gets its owner and mode (idempotent). */
static void owner_fix(struct vfc_bindrun *r, const bool *drift)
{
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		struct owner_node n;

		if (!node_owner(r, s, true, &n))
			continue;
		if (n.rc < 0) {
			vfc_err(n.node, n.rc, "cannot set the owner and mode (owner=)");
			s->result = VFC_RES_FAILED;
			s->fault = VFC_FAULT_ERRNO;
			s->err = n.rc;
		} else if (drift[i]) {
			s->result = VFC_RES_DONE;
		}
	}
}

/*
 * reset_method= and d3cold= (issue 22): a step whose line asks for values the device does not
 * have says so in its reason (in a dry run it is planned); set[i] marks them. A device
 * without the attribute fails its step (6). Returns the worst exit code of those.
 */
static int attr_drift(struct vfc_bindrun *r, bool dry, bool *set)
{
	int worst = 0;

	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		char what[300];
		size_t len = strlen(s->reason);
		int rc;

		if (!vfc_devattr_wanted(s->conf) || s->fault ||
		    (s->result != VFC_RES_PLANNED && s->result != VFC_RES_ALREADY &&
		     s->result != VFC_RES_DONE))
			continue;
		rc = vfc_devattr_drift(r->ctx, s->bdf, s->conf, what, sizeof(what));
		if (rc < 0) {
			vfc_err(s->bdf, rc, "cannot read reset_method or d3cold_allowed (line %d)",
				s->conf->line);
			s->result = VFC_RES_FAILED;
			s->fault = VFC_FAULT_ERRNO;
			s->err = rc;
			/* no such attribute: this kernel or device does not have it (6) */
			worst = worse(worst, rc == -ENOENT ? VFC_EXIT_UNSUPPORTED
							   : vfc_exit_for_errno(rc));
			continue;
		}
		if (!rc)
			continue;
		set[i] = true;
		snprintf(s->reason + len, sizeof(s->reason) - len, "%s%s", len ? "; " : "", what);
		if (dry && s->result == VFC_RES_ALREADY)
			s->result = VFC_RES_PLANNED;
	}
	return worst;
}

/* Before the binds: the attributes attr_drift found, journalled first. */
static void attr_fix(struct vfc_bindrun *r, const bool *set)
{
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		int rc;

		if (!set[i])
			continue;
		rc = vfc_devattr_set(&r->j, s->bdf, s->conf);
		if (rc) {
			vfc_err(s->bdf, rc, "cannot set reset_method or d3cold_allowed (line %d)",
				s->conf->line);
			s->result = VFC_RES_FAILED;
			s->fault = VFC_FAULT_ERRNO;
			s->err = rc;
		} else if (s->result == VFC_RES_ALREADY) {
			s->result = VFC_RES_DONE;
		}
	}
}

static int cmd_apply(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct apply_opts *ao = opts;
	struct vfc_conf_entry *ents = NULL;
	struct vfc_pciaddr only;
	struct vfc_bindrun r;
	char path[PATH_MAX];
	const char *why = NULL;
	bool *drift = NULL;
	size_t nent = 0;
	int rc, bad;
	bool dry = ao->check || ao->diff, differs, wrote = false;

	if (argc > 1)
		return vfc_usage_error("apply: one CONF file at most");
	if (ao->device && (why = vfc_pciaddr_parse(ao->device, &only)))
		return vfc_usage_error("--device: %s: %s", ao->device, why);
	bindrun_init(cli, &r, false);
	if ((rc = bindrun_timeout(ao->timeout, &r.timeout_ms)))
		return rc;
	if (!dry && (rc = vfc_require_root("apply")))
		return rc;
	/* The default file belongs to the root the tool looks at (--sysroot: a whole system). */
	if (argc == 1)
		snprintf(path, sizeof(path), "%s", argv[0]);
	else if (vfc_path(&cli->ctx, path, sizeof(path), VFC_CONF_PATH))
		return vfc_usage_error("--sysroot: path too long");
	rc = vfc_conf_read_all(path, &ents, &nent);
	if (rc == -ENOENT && argc == 0)
		return VFC_EXIT_OK;	/* no file: nothing is wanted */
	if (rc) {
		/* a file that cannot be read is not a missing device (3): it failed (1) */
		vfc_err(path, rc, "cannot read configuration");
		return rc == -EACCES || rc == -EPERM ? VFC_EXIT_PERM : VFC_EXIT_FAILED;
	}
	if ((!dry && (rc = bindrun_lock(&r))) || (rc = bindrun_scan(&r)))
		goto out;
	bad = plan_sriov(&r, path, ents, nent, ao->device ? &only : NULL, dry, &wrote);
	if (wrote) {
		/* what the kernel made: the VFs the PF/vfs lines name */
		vfc_topology_free(r.t);
		r.t = NULL;
		if ((rc = bindrun_scan(&r)))
			goto out;
	}
	explain_vfs(&r, path, ents, nent, ao->device ? &only : NULL, dry);
	bad = worse(bad, plan(&r, path, ents, nent, ao->device ? &only : NULL, dry));
	/* drift[0..n): owner= drift; drift[n..2n): attributes to set */
	drift = calloc(r.p.n ? 2 * r.p.n : 1, sizeof(*drift));
	if (!drift) {
		vfc_err("apply", -ENOMEM, "cannot plan");
		rc = VFC_EXIT_FAILED;
		goto out;
	}
	owner_drift(&r, dry, drift);
	bad = worse(bad, attr_drift(&r, dry, drift + r.p.n));
	differs = vfc_bindplan_differs(&r.p);
	/* a dry run says why it fails as the real run would */
	bindrun_refusals(&r.p);
	if (ao->check) {
		int code;

		out_table_free(bindrun_table(&r.p, &code));
		rc = dry_exit(code, bad, differs);
		goto out;
	}
	if (ao->diff) {
		rc = dry_exit(bindrun_report(cli, &r), bad, differs);
		goto out;
	}
	vfc_bindrun_start(&r);
	attr_fix(&r, drift + r.p.n);
	vfc_bindrun_apply(&r);
	owner_fix(&r, drift);
	rc = worse(bindrun_report(cli, &r), bad);
out:
	free(drift);
	free(ents);
	return bindrun_end(&r, rc);
}

VFC_DEFINE_COMMAND(apply, struct apply_opts, 33, "[--check|--diff] [CONF]",
		   "make the bindings match vfioctl.conf (idempotent; run at boot)",
		   .exclusive = apply_exclusive, .opts_init = &apply_defaults,
		   /* bindrun's, and loading a configured driver's module */
		   .schemas = bindrun_schemas, VFC_CAPS(BINDRUN_CAP_LIST, CAP_SYS_MODULE));
