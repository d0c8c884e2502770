// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `apply`: make the bindings match vfioctl.conf (idempotent; run at boot and by the udev rule
 * for an added device). The plan and the moves are core/bindplan.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/bindrun.h"

struct apply_opts {
	int check, diff;
	char *device;		/* popt's copy; the dispatcher frees it */
	double timeout;
};

static const struct apply_opts apply_defaults = { .timeout = 10.0 };

static const struct poptOption apply_options[] = {
	{ "check", 0, POPT_ARG_NONE, VFC_OPT(struct apply_opts, check), 0,
	  "change nothing, print nothing; exit 8 when the host differs from the file", NULL },
	{ "diff", 0, POPT_ARG_NONE, VFC_OPT(struct apply_opts, diff), 0,
	  "print what would change (exit 8 when anything would)", NULL },
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

/* The file's entries into a plan: 0 or an exit code (printed). */
static int plan(struct vfc_bindrun *r, const char *path, const struct vfc_conf_entry *ents,
		size_t nent, const struct vfc_pciaddr *only)
{
	struct vfc_apply_error err;
	int rc = vfc_bindplan_apply(r, ents, nent, only, &err);

	if (rc == -EINVAL) {
		vfc_err(path, 0, "line %d: no such user or group '%s'", err.entry->line, err.name);
		return VFC_EXIT_USAGE;
	}
	if (rc) {
		vfc_err(err.entry->driver, 0, "no such PCI driver (line %d of %s)", err.entry->line,
			path);
		return VFC_EXIT_UNSUPPORTED;
	}
	return 0;
}

static int cmd_apply(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct apply_opts *ao = opts;
	struct vfc_conf_entry *ents = NULL;
	struct vfc_pciaddr only;
	struct vfc_bindrun r;
	char path[PATH_MAX];
	const char *why = NULL;
	size_t nent = 0;
	int rc, bad_line;
	bool dry = ao->check || ao->diff, differs;

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
	rc = vfc_conf_read(path, &ents, &nent, &bad_line, &why);
	if (rc == -ENOENT && argc == 0)
		return VFC_EXIT_OK;	/* no file: nothing is wanted */
	if (rc == -EINVAL) {
		vfc_err(path, 0, "line %d: %s", bad_line, why);
		return VFC_EXIT_USAGE;
	}
	if (rc) {
		vfc_err(path, rc, "cannot read");
		return vfc_exit_for_errno(rc);
	}
	if ((!dry && (rc = bindrun_lock(&r))) || (rc = bindrun_scan(&r)) ||
	    (rc = plan(&r, path, ents, nent, ao->device ? &only : NULL)))
		goto out;
	differs = vfc_bindplan_differs(&r.p);
	if (!ao->check)
		bindrun_refusals(&r.p);
	if (ao->check) {
		rc = differs ? VFC_EXIT_PROBLEMS : VFC_EXIT_OK;
		goto out;
	}
	if (ao->diff) {
		rc = bindrun_report(cli, &r);
		if (!rc && differs)
			rc = VFC_EXIT_PROBLEMS;
		goto out;
	}
	vfc_bindrun_start(&r);
	vfc_bindrun_apply(&r);
	rc = bindrun_report(cli, &r);
out:
	free(ents);
	return bindrun_end(&r, rc);
}

static const struct vfc_cmd vfc_cmd_apply = {
	.name = "apply",
	.order = 33,
	.args = "[--check|--diff] [CONF]",
	.summary = "make the bindings match vfioctl.conf (idempotent; run at boot)",
	.options = apply_options,
	.exclusive = apply_exclusive,
	.opts_size = sizeof(struct apply_opts),
	.opts_init = &apply_defaults,
	BINDRUN_RECORD,
	.main = cmd_apply,
};
VFC_COMMAND(vfc_cmd_apply);
