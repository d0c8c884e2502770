// SPDX-License-Identifier: GPL-2.0-or-later
/* `unbind`: take devices off their driver, journalled (restore undoes it); core/bindplan.c. */
#include "cmd/bindrun.h"

struct unbind_opts {
	int dry_run, force, persist;
	double timeout;
};

static const struct unbind_opts unbind_defaults = { .timeout = 10.0 };

static const struct poptOption unbind_options[] = {
	{ "dry-run", 0, POPT_ARG_NONE, VFC_OPT(struct unbind_opts, dry_run), 0, "print the plan, change nothing", NULL },
	{ "force", 'f', POPT_ARG_NONE, VFC_OPT(struct unbind_opts, force), 0, "unbind host-critical devices too", NULL },
	{ "persist", 0, POPT_ARG_NONE, VFC_OPT(struct unbind_opts, persist), 0,
	  "also remove the devices' lines from /etc/vfioctl.conf", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, VFC_OPT(struct unbind_opts, timeout), 0,
	  "seconds to wait for each device (default 10)", "S" },
	POPT_TABLEEND
};

static int cmd_unbind(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct unbind_opts *uo = opts;
	struct vfc_bindrun r;
	int rc;

	bindrun_init(cli, &r, uo->force);
	if ((rc = bindrun_parse(cli, "unbind", argc, argv, uo->timeout, &r)))
		return rc;
	if ((rc = bindrun_prepare("unbind", argc, argv, false, uo->dry_run, &r)))
		return bindrun_end(&r, rc);
	vfc_bindplan_unbind(&r);
	bindrun_refusals(&r.p);
	if (uo->dry_run) {
		if (uo->persist)
			vfc_bindplan_persist(&r, NULL, true);
		return bindrun_end(&r, bindrun_report(cli, &r));
	}
	vfc_bindrun_start(&r);
	vfc_bindrun_unbind(&r, uo->persist);
	return bindrun_end(&r, bindrun_report(cli, &r));
}

VFC_DEFINE_COMMAND(unbind, struct unbind_opts, 31, "TARGET... [--dry-run]",
		   "take devices off their driver (journalled; restore undoes it)",
		   .opts_init = &unbind_defaults, BINDRUN_RECORD);
