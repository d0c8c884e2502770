// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `restore`: put devices back on the drivers the journal recorded; core/bindplan.c. A PF
 * whose VF count vfioctl changed (`sriov --vfs`) gets its VFs' bindings back first, then its
 * count and autoprobe (core/sriov.c).
 */
#include <errno.h>
#include <string.h>

#include "cmd/bindrun.h"
#include "core/devattr.h"
#include "core/sriov.h"
#include "core/util.h"

/*
 * After the bindings: each PF's count and autoprobe, a row of the action table (the core adds
 * it) like every restored device; a refusal or failure is also said on stderr, as the
 * bindings' are. The exit code (the table's says it too).
 */
static int restore_sriov(struct vfc_bindrun *r, char **pfs, bool dry)
{
	int code = 0;

	for (size_t i = 0; pfs && pfs[i]; i++) {
		char what[1200];
		int rc = vfc_sriov_restore(r, pfs[i], dry, what, sizeof(what));

		if (rc == -EBUSY)
			vfc_error(pfs[i], 0, "refused: restoring its VF count: %s", what);
		else if (rc)
			vfc_error(pfs[i], rc, "cannot restore its VF count (%s)", what);
		if (rc && !code)
			code = vfc_exit_for_errno(rc);
	}
	return code;
}

struct restore_opts {
	int all, dry_run, persist, kernel_default;
	double timeout;
};

static const struct restore_opts restore_defaults = { .timeout = 10.0 };

static const struct poptOption restore_options[] = {
	{ "all", 'a', POPT_ARG_NONE, VFC_OPT(struct restore_opts, all), 0, "every device in the journal", NULL },
	{ "dry-run", 0, POPT_ARG_NONE, VFC_OPT(struct restore_opts, dry_run), 0, "print the plan, change nothing", NULL },
	{ "default", 0, POPT_ARG_NONE, VFC_OPT(struct restore_opts, kernel_default), 0,
	  "to the driver the kernel would choose (override cleared, probed), journal or not",
	  NULL },
	{ "persist", 0, POPT_ARG_NONE, VFC_OPT(struct restore_opts, persist), 0,
	  "also remove the devices' lines from /etc/vfioctl.conf (undoes bind --persist)", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, VFC_OPT(struct restore_opts, timeout), 0,
	  "seconds to wait for each device (default 10)", "S" },
	POPT_TABLEEND
};

static const struct vfc_exclusive restore_exclusive[] = {
	{ { "all", "default" } },
	{ { NULL } },
};

static int cmd_restore(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct restore_opts *ro = opts;
	struct vfc_bindrun r;
	char **pfs = NULL;
	size_t nbad = 0;
	bool bad_binding = false;
	int rc, src;

	if (argc < 1 && !ro->all)
		return vfc_usage_error("restore: a TARGET or --all is required");
	if (argc > 0 && ro->all)
		return vfc_usage_error("restore: TARGETs and --all are mutually exclusive");
	bindrun_init(cli, &r, false);
	if ((rc = bindrun_parse(cli, NULL, argc, argv, ro->timeout, &r)))
		return rc;
	if ((rc = bindrun_prepare("restore", argc, argv, false, ro->dry_run, &r)))
		return bindrun_end(&r, rc);
	if (ro->kernel_default) {
		vfc_bindplan_default(&r);
	} else {
		rc = vfc_sriov_restore_targets(&r, ro->all, &pfs);
		if (!rc)
			rc = vfc_bindplan_restore(&r, ro->all, &nbad);
	}
	if (rc) {
		vfc_err(VFC_JOURNAL_DIR, rc, "cannot read the journal");
		vfc_strv_free(pfs);
		return bindrun_end(&r, vfc_exit_for_errno(rc));
	}
	if (nbad)
		vfc_warn(VFC_JOURNAL_DIR, "%zu entries do not parse; left alone", nbad);
	bindrun_refusals(&r.p);
	if (ro->dry_run && ro->persist)
		vfc_bindplan_persist(&r, NULL, true);
	if (!ro->dry_run) {
		vfc_bindrun_start(&r);
		if (ro->kernel_default)
			vfc_bindrun_default(&r, ro->persist);
		else
			vfc_bindrun_restore(&r, ro->persist);
	}
	for (size_t i = 0; i < r.p.n; i++)
		bad_binding |= r.p.v[i].fault != VFC_FAULT_NONE;
	src = restore_sriov(&r, pfs, ro->dry_run);
	vfc_strv_free(pfs);
	/* reset_method and d3cold_allowed apply wrote (vfioctl.conf(5)) */
	if (!ro->kernel_default && (rc = vfc_devattr_restore(&r, ro->all, ro->dry_run))) {
		vfc_err(VFC_JOURNAL_DIR, rc, "cannot restore reset_method or d3cold_allowed");
		src = src ? src : vfc_exit_for_errno(rc);
	}
	rc = bindrun_report(cli, &r);
	/*
	 * The bindings' code first, then the count's: a refused count beside VFs with nothing
	 * to restore is the refusal (5), not a partial result (the table alone would say 7).
	 */
	if (src && (!rc || (rc == VFC_EXIT_PARTIAL && !bad_binding)))
		rc = src;
	return bindrun_end(&r, rc);
}

VFC_DEFINE_COMMAND(restore, struct restore_opts, 32,
		   "TARGET...|--all [--default] [--persist] [--dry-run]",
		   "put devices back on the drivers the journal recorded",
		   .exclusive = restore_exclusive, .opts_init = &restore_defaults, BINDRUN_RECORD);
