// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `bind`: put devices (or whole groups) on vfio-pci. The engine is core/bindplan.c: every
 * change is planned first (the plan is what --dry-run prints), journalled before the first
 * sysfs write, and done under the writers' lock; `bind --group` is a transaction. The test
 * hooks and the signal rules are described in core/bindplan.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bindrun.h"
#include "core/caps.h"
#include "core/kmodload.h"
#include "core/util.h"

struct bind_opts {
	char *driver, *owner;
	int group, dry_run, force, persist, unsafe_noiommu;
	double timeout;
};

static const struct bind_opts bind_defaults = { .timeout = 10.0 };

static const struct poptOption bind_options[] = {
	{ "driver", 0, POPT_ARG_STRING, VFC_OPT(struct bind_opts, driver), 0,
	  "driver to bind to (default auto: the device's vfio-pci variant driver, else vfio-pci)",
	  "DRIVER" },
	{ "group", 'g', POPT_ARG_NONE, VFC_OPT(struct bind_opts, group), 0,
	  "bind every endpoint of the target's IOMMU group (all or nothing)", NULL },
	{ "dry-run", 0, POPT_ARG_NONE, VFC_OPT(struct bind_opts, dry_run), 0, "print the plan, change nothing", NULL },
	{ "force", 'f', POPT_ARG_NONE, VFC_OPT(struct bind_opts, force), 0, "bind host-critical devices too", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, VFC_OPT(struct bind_opts, timeout), 0,
	  "seconds to wait for each device (default 10)", "S" },
	{ "owner", 0, POPT_ARG_STRING, VFC_OPT(struct bind_opts, owner), 0, "owner of /dev/vfio/N afterwards",
	  "USER[:GROUP]" },
	{ "persist", 0, POPT_ARG_NONE, VFC_OPT(struct bind_opts, persist), 0,
	  "also record the devices (by address) in /etc/vfioctl.conf for boot", NULL },
	{ "unsafe-noiommu", 0, POPT_ARG_NONE, VFC_OPT(struct bind_opts, unsafe_noiommu), 0,
	  "bind devices that get a no-IOMMU group (no isolation: they can DMA anywhere)", NULL },
	POPT_TABLEEND
};

static int parse_owner(const char *owner, uid_t *uid, gid_t *gid)
{
	const char *bad;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (owner && vfc_owner_lookup(owner, uid, gid, &bad))
		return vfc_usage_error("--owner: no such user or group '%s'", bad);
	return 0;
}

/* The drivers bind uses, for r->drivers and r->notes; their modules loaded (or looked up). */
struct bind_drivers {
	struct vfc_driver_pick *picks;
	const char **drivers, **notes;
};

static void bind_drivers_free(struct bind_drivers *bd)
{
	free(bd->picks);
	free(bd->drivers);
	free(bd->notes);
}

/* 0 or an exit code (printed): a driver whose module cannot be found or loaded. */
static int bind_drivers(struct vfc_bindrun *r, const char *drv, bool dry_run,
			struct bind_drivers *bd)
{
	const struct vfc_driver_pick *bad;
	size_t n = r->n ? r->n : 1;
	int rc;

	bd->picks = calloc(n, sizeof(*bd->picks));
	bd->drivers = calloc(n, sizeof(*bd->drivers));
	bd->notes = calloc(n, sizeof(*bd->notes));
	if (!bd->picks || !bd->drivers || !bd->notes) {
		vfc_err("bind", -ENOMEM, "cannot plan");
		return VFC_EXIT_FAILED;
	}
	rc = vfc_driver_pick(r->ctx, r->devs, r->n, drv, dry_run, bd->picks, &bad);
	if (rc == -ENXIO) {
		vfc_err(bad->driver, 0, "module %s loaded, but no PCI driver of this name came up",
			bad->k.module);
		return VFC_EXIT_UNSUPPORTED;
	}
	if (rc) {
		vfc_err(bad->driver, rc, "cannot load module %s", bad->k.module);
		return rc == -ENOENT ? VFC_EXIT_UNSUPPORTED : vfc_exit_for_errno(rc);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct vfc_driver_pick *p = &bd->picks[i];

		if (p->variant_err)
			vfc_warn(r->devs[i]->name, "variant driver %s: cannot load module %s: %s; "
				 "binding to %s", p->variant.driver, p->variant.module,
				 strerror(-p->variant_err), p->driver);
		bd->drivers[i] = p->driver;
		bd->notes[i] = p->note;
	}
	r->drivers = bd->drivers;
	r->notes = bd->notes;
	return 0;
}

static int cmd_bind(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct bind_opts *bo = opts;
	const char *drv = bo->driver ? bo->driver : VFC_DRIVER_AUTO;
	bool autodrv = !strcmp(drv, VFC_DRIVER_AUTO);
	struct bind_drivers bd = { 0 };
	struct vfc_bindrun r;
	bool group_mode;
	int rc;
	uid_t uid;
	gid_t gid;

	bindrun_init(cli, &r, bo->force);
	if ((rc = bindrun_parse(cli, "bind", argc, argv, bo->timeout, &r)) ||
	    (rc = parse_owner(bo->owner, &uid, &gid)))
		return rc;
	group_mode = bo->group || r.group_target;
	if (!autodrv && !vfc_name_is_sane(drv, VFC_DRIVER_NAME_MAX - 1))
		return vfc_usage_error("--driver: '%s' is not a driver name", drv);
	rc = bindrun_prepare("bind", argc, argv, group_mode, bo->dry_run, &r);
	if (!rc)
		rc = bind_drivers(&r, drv, bo->dry_run, &bd);
	if (!rc)
		rc = vfc_exit_for_errno(vfc_bindplan_noiommu(&r, autodrv ? VFC_DRIVER_GENERIC : drv,
							     bo->unsafe_noiommu));
	if (rc) {
		bind_drivers_free(&bd);
		return bindrun_end(&r, rc);
	}
	vfc_bindplan_bind_targets(&r, group_mode, drv);
	bindrun_refusals(&r.p);
	if (bo->dry_run) {
		/* exit as the real run would, and show all it would do */
		if (!group_mode)
			vfc_bindplan_predict(&r);
		if (bo->persist)
			vfc_bindplan_persist(&r, drv, false);
		rc = bindrun_report(cli, &r);
		bind_drivers_free(&bd);
		return bindrun_end(&r, rc);
	}
	vfc_bindrun_start(&r);
	vfc_bindrun_bind(&r, group_mode, uid, gid, bo->persist ? drv : NULL, bo->owner);
	rc = bindrun_report(cli, &r);	/* a held signal ends the process */
	bind_drivers_free(&bd);
	return bindrun_end(&r, rc);
}

/* bindrun's capabilities, and loading the driver's module */
VFC_DEFINE_COMMAND(bind, struct bind_opts, 30, "TARGET... [--group] [--dry-run]",
		   "bind devices (or whole groups) to vfio-pci or its variant, journalled",
		   .opts_init = &bind_defaults, .schemas = bindrun_schemas,
		   VFC_CAPS(BINDRUN_CAP_LIST, CAP_SYS_MODULE));
