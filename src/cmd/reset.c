// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl reset TARGET [--method M] [--dry-run]`: reset one PCI device the way that works for
 * it — VFIO_DEVICE_RESET, a PCI hot reset of its bus (every device it touches must be ours),
 * or a sysfs function reset for a device not on vfio — and say what a bus reset would touch.
 * The plan comes from sysfs (core/reset.c); the kernel's own answer replaces it once a device
 * fd is open. --dry-run opens nothing: opening a VFIO device fd already resets the device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/reset.h"
#include "core/topology.h"
#include "vfioctl.h"

struct reset_opts {
	char *method;
	int dry_run;
};

static const struct poptOption reset_options[] = {
	{ "method", 'm', POPT_ARG_STRING, VFC_OPT(struct reset_opts, method), 0,
	  "auto (default: VFIO device reset, else hot reset, else sysfs function reset), device, "
	  "hot, flr, pm, bus", "auto|device|hot|flr|pm|bus" },
	{ "dry-run", 0, POPT_ARG_NONE, VFC_OPT(struct reset_opts, dry_run), 0,
	  "print the plan and the scope of a bus reset; open and change nothing", NULL },
	POPT_TABLEEND
};

/* ---- columns ---- */

enum { S_BDF, S_GROUP, S_DRIVER, S_TARGET, S_OWNED, S_HELD_BY, S_BLOCKER };
static const struct out_col scope_cols[] = {
	[S_BDF] = { "BDF", OUT_STR, 12, OUT_DEFAULT, "a device the bus reset touches" },
	[S_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "its IOMMU group (null: none)" },
	[S_DRIVER] = { "DRIVER", OUT_STR, 10, OUT_DEFAULT, "its driver (null: none)" },
	[S_TARGET] = { "TARGET", OUT_BOOL, 3, OUT_DEFAULT, "the device asked for" },
	[S_OWNED] = { "OWNED", OUT_BOOL, 3, OUT_DEFAULT,
		      "this run owns it (dry-run: would own it)" },
	[S_HELD_BY] = { "HELD_BY", OUT_STR, 10, OUT_DEFAULT,
			"process with its group or cdev open: \"PID (COMM)\" (null: none)" },
	[S_BLOCKER] = { "BLOCKER", OUT_STR, 0.5, OUT_DEFAULT,
			"why it keeps the hot reset from happening (null: fine)" },
};
static const struct out_schema scope_schema = { "scope", scope_cols, VFC_ARRAY_SIZE(scope_cols) };

enum {
	C_TARGET, C_DRIVER, C_GROUP, C_REQUESTED, C_METHOD, C_RESET_METHODS, C_USABLE,
	C_VFIO_RESET, C_BACKEND, C_HOT_POSSIBLE, C_SCOPE_SOURCE, C_GROUPS, C_DRY_RUN, C_RESULT,
	C_ACTION, C_REASON, C_SCOPE,
};
static const struct out_col reset_cols[] = {
	[C_TARGET] = { "TARGET", OUT_STR, 12, 0, "the device (BDF)" },
	[C_DRIVER] = { "DRIVER", OUT_STR, 10, 0, "its driver (null: none)" },
	[C_GROUP] = { "GROUP", OUT_NUM, 5, 0, "its IOMMU group (null: none)" },
	[C_REQUESTED] = { "REQUESTED", OUT_STR, 6, 0, "the --method asked for" },
	[C_METHOD] = { "METHOD", OUT_STR, 8, 0,
		       "device, hot, flr, pm, bus, function (sysfs, kernel's order) or none" },
	[C_RESET_METHODS] = { "RESET_METHODS", OUT_STRV, 8, 0,
			      "reset_method as the kernel lists it ([]: none; null: not said)" },
	[C_USABLE] = { "USABLE_METHODS", OUT_STRV, 8, 0,
		       "function reset methods usable now (bus only when alone on its bus)" },
	[C_VFIO_RESET] = { "VFIO_RESET", OUT_BOOL, 3, 0,
			   "VFIO_DEVICE_GET_INFO says the device resets (null: no fd opened)" },
	[C_BACKEND] = { "BACKEND", OUT_STR, 8, 0, "VFIO backend used (null: none opened)" },
	[C_HOT_POSSIBLE] = { "HOT_RESET_POSSIBLE", OUT_BOOL, 3, 0,
			     "a bus or slot reset exists for it" },
	[C_SCOPE_SOURCE] = { "SCOPE_SOURCE", OUT_STR, 6, 0,
			     "kernel (GET_PCI_HOT_RESET_INFO) or sysfs (derived, dry-run)" },
	[C_GROUPS] = { "SCOPE_GROUPS", OUT_STRV, 8, 0, "IOMMU groups the bus reset touches" },
	[C_DRY_RUN] = { "DRY_RUN", OUT_BOOL, 3, 0, "nothing was opened or changed" },
	[C_RESULT] = { "RESULT", OUT_STR, 8, 0, "reset, would-reset, refused or failed" },
	[C_ACTION] = { "ACTION", OUT_STR, 20, 0, "what was (would be) done" },
	[C_REASON] = { "REASON", OUT_STR, 20, 0, "why it was refused or failed (null: it was not)" },
	[C_SCOPE] = { "SCOPE", OUT_SUB, 0, 0, "every device a bus reset touches", &scope_schema },
};
static const struct out_schema reset_schema = { "reset", reset_cols, VFC_ARRAY_SIZE(reset_cols) };

/* ---- helpers ---- */

static void fill_scope(struct out_table *tb, const struct vfc_reset_scope *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vfc_reset_member *m = &s->m[i];
		struct out_row *r = out_row_add(tb);

		out_set_str(r, S_BDF, m->bdf);
		if (m->group == VFC_NO_GROUP)
			out_set_null(r, S_GROUP);
		else
			out_set_num(r, S_GROUP, m->group);
		out_set_str(r, S_DRIVER, m->driver[0] ? m->driver : NULL);
		out_set_bool(r, S_TARGET, m->target);
		out_set_bool(r, S_OWNED, m->owned);
		if (m->holder_pid)
			out_set_strf(r, S_HELD_BY, "%d (%s)", (int)m->holder_pid, m->holder_comm);
		out_set_str(r, S_BLOCKER, m->blocker[0] ? m->blocker : NULL);
	}
}

static void set_groups(struct out_row *r, const struct vfc_reset_scope *s)
{
	char **sv = calloc(s->ngroups + 1, sizeof(*sv));

	for (size_t i = 0; sv && i < s->ngroups; i++)
		if (asprintf(&sv[i], "%d", s->groups[i]) < 0)
			sv[i] = NULL;
	out_set_strv(r, C_GROUPS, sv);
	vfc_strv_free(sv);
}

static void groups_text(const struct vfc_reset_scope *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->ngroups && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? ", " : "", s->groups[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* Name every blocker on stderr: the refusal must say which device and why. */
static void report_blockers(const struct vfc_reset_scope *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].blocker[0])
			vfc_error(s->m[i].bdf, 0, "blocks the hot reset: %s", s->m[i].blocker);
}

static void describe(char *buf, size_t len, enum vfc_reset_method m, const struct vfc_device *d,
		     const struct vfc_reset_scope *s, char *const *usable, const char *backend)
{
	char list[128] = "", groups[128];
	size_t used = 0;

	for (size_t i = 0; usable && usable[i] && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? " " : "",
					 usable[i]);
	groups_text(s, groups, sizeof(groups));
	switch (m) {
	case VFC_RESET_DEVICE:
		snprintf(buf, len, "VFIO_DEVICE_RESET of %s through group %d (the kernel picks: %s)",
			 d->name, d->group, list[0] ? list : "its own method");
		break;
	case VFC_RESET_HOT:
		snprintf(buf, len, "VFIO_DEVICE_PCI_HOT_RESET of the bus below %s: %zu device%s, "
			 "group%s %s, %s", d->parent, s->n, s->n == 1 ? "" : "s",
			 s->ngroups == 1 ? "" : "s", groups,
			 !backend ? "passing every group fd (legacy) or iommufd's zero-length array"
			 : !strcmp(backend, "iommufd") ? "iommufd's zero-length fd array"
						       : "passing every group fd");
		break;
	case VFC_RESET_FUNCTION:
		snprintf(buf, len, "sysfs function reset of %s (the kernel tries: %s)", d->name, list);
		break;
	case VFC_RESET_FLR:
	case VFC_RESET_PM:
	case VFC_RESET_BUS:
		snprintf(buf, len, "sysfs function reset of %s with reset_method=%s (restored after)",
			 d->name, vfc_reset_method_name(m));
		break;
	default:
		snprintf(buf, len, "nothing");
		break;
	}
}

/* The exit code of a refusal: someone else's device is busy, a bind is missing, or no method. */
static int refusal_exit(enum vfc_reset_method req, const struct vfc_reset_facts *f)
{
	if (f->held)
		return VFC_EXIT_BUSY;
	switch (req) {
	case VFC_RESET_HOT:
		if (!f->hot_possible)
			return VFC_EXIT_UNSUPPORTED;
		if (!f->on_vfio)
			return VFC_EXIT_PROBLEMS;
		return VFC_EXIT_BUSY;
	case VFC_RESET_DEVICE:
		return f->on_vfio ? VFC_EXIT_UNSUPPORTED : VFC_EXIT_PROBLEMS;
	case VFC_RESET_FLR:
	case VFC_RESET_PM:
	case VFC_RESET_BUS:
		return f->host_driver ? VFC_EXIT_BUSY : VFC_EXIT_UNSUPPORTED;
	default:
		if (!f->on_vfio && f->host_driver)
			return VFC_EXIT_BUSY;
		return VFC_EXIT_UNSUPPORTED;
	}
}

static int fail(const struct vfc_err *e, int rc)
{
	vfc_error(e->subject[0] ? e->subject : NULL, rc, "%s", e->what);
	return vfc_exit_for_errno(rc);
}

static int add_bdf(char ***v, size_t *n, const char *bdf)
{
	char **nv = reallocarray(*v, *n + 2, sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(bdf);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

/*
 * Open the device through VFIO and reset it: VFIO_DEVICE_RESET, or a hot reset judged again on
 * the kernel's own scope. hot_ok: the sysfs scope allows a hot reset (then every group of it is
 * opened, so AUTO can fall back when the kernel says the device has no function reset).
 */
static int run_vfio(struct vfc_cli *cli, const struct vfc_topology *topo,
		    const struct vfc_device *d, enum vfc_reset_method req,
		    enum vfc_reset_method *method, bool hot_ok, struct vfc_reset_scope *scope,
		    struct out_row *row, const char **backend, char *reason, size_t rlen)
{
	struct vfc_domain_req dreq = { .backend = VFC_BACKEND_AUTO };
	struct vfc_err e = { { 0 }, { 0 } };
	struct vfc_domain *dom = NULL;
	struct vfc_devinfo info;
	char **bdfs = NULL;
	size_t nbdfs = 0;
	int gsingle = d->group, rc, devfd, ex = VFC_EXIT_OK;
	const int *groups = &gsingle;
	size_t ngroups = 1;

	if (hot_ok) {
		groups = scope->groups;
		ngroups = scope->ngroups;
		for (size_t i = 0; i < scope->n; i++)
			if (scope->m[i].on_vfio && add_bdf(&bdfs, &nbdfs, scope->m[i].bdf))
				goto nomem;
	} else if (add_bdf(&bdfs, &nbdfs, d->name)) {
		goto nomem;
	}
	rc = vfc_domain_create(&cli->ctx, groups, ngroups, bdfs, nbdfs, &dreq, &dom, &e);
	if (rc) {
		vfc_domain_destroy(dom, NULL);
		dom = NULL;
		snprintf(reason, rlen, "%s: %s: %s", e.subject, e.what, strerror(-rc));
		ex = fail(&e, rc);
		goto out;
	}
	*backend = vfc_backend_name(dom->backend);
	out_set_str(row, C_BACKEND, *backend);
	rc = vfc_domain_device_fd(dom, d->name, &devfd, &e);
	if (!rc)
		rc = vfc_device_info(devfd, d->name, &info, &e);
	if (rc) {
		snprintf(reason, rlen, "%s: %s: %s", e.subject, e.what, strerror(-rc));
		ex = fail(&e, rc);
		goto out;
	}
	out_set_bool(row, C_VFIO_RESET, info.flags & VFIO_DEVICE_FLAGS_RESET);
	if (*method == VFC_RESET_DEVICE && !(info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		/* sysfs promised a function reset the kernel does not offer (vfio probes again). */
		if (req == VFC_RESET_AUTO && hot_ok) {
			*method = VFC_RESET_HOT;
		} else {
			snprintf(reason, rlen, "no reset method: VFIO_DEVICE_GET_INFO reports no "
				 "device reset for it");
			vfc_error(d->name, 0, "%s", reason);
			ex = VFC_EXIT_UNSUPPORTED;
			goto out;
		}
	}
	if (*method == VFC_RESET_DEVICE) {
		rc = vfc_device_reset(devfd, d->name, &e);
		if (rc) {
			snprintf(reason, rlen, "%s: %s", e.what, strerror(-rc));
			ex = fail(&e, rc);
		}
		goto out;
	}
	/* Hot reset: the kernel's scope is the truth; judge it against what this run opened. */
	{
		struct vfc_hot_reset_info hi;
		struct vfc_reset_scope ks;
		int *owned = calloc(dom->ngroups + 1, sizeof(*owned));

		if (!owned)
			goto nomem;
		for (size_t i = 0; i < dom->ngroups; i++)
			owned[i] = dom->groups[i].id;
		rc = vfc_device_hot_reset_info(devfd, d->name, &hi, &e);
		if (rc) {
			free(owned);
			snprintf(reason, rlen, "%s: %s", e.what, strerror(-rc));
			ex = fail(&e, rc);
			goto out;
		}
		rc = vfc_reset_scope_kernel(topo, d, &hi, &ks);
		vfc_hot_reset_info_free(&hi);
		if (rc) {
			free(owned);
			goto nomem;
		}
		vfc_reset_scope_judge(&ks, owned, dom->ngroups);
		free(owned);
		vfc_reset_scope_free(scope);
		*scope = ks;
		if (scope->devid_form && !scope->devid_owned && !scope->nblockers) {
			/* The kernel's word wins: it did not say every device is ours. */
			scope->nblockers = 1;
		}
		if (scope->nblockers) {
			report_blockers(scope);
			snprintf(reason, rlen, "%zu device%s the bus reset touches %s not ours to "
				 "reset (see the scope)", scope->nblockers,
				 scope->nblockers == 1 ? "" : "s", scope->nblockers == 1 ? "is" : "are");
			vfc_error(d->name, 0, "hot reset refused: %s", reason);
			ex = VFC_EXIT_BUSY;
			goto out;
		}
		rc = vfc_reset_hot(dom, devfd, d->name, &e);
		if (rc) {
			snprintf(reason, rlen, "%s: %s", e.what, strerror(-rc));
			ex = fail(&e, rc);
		}
	}
out:
	rc = vfc_domain_destroy(dom, &e);
	if (rc && !ex)
		ex = fail(&e, rc);
	vfc_strv_free(bdfs);
	return ex;
nomem:
	vfc_error(NULL, -ENOMEM, "out of memory");
	ex = VFC_EXIT_FAILED;
	goto out;
}

static int cmd_reset(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct reset_opts *ropt = opts;
	enum vfc_reset_method req = VFC_RESET_AUTO, method;
	struct vfc_reset_scope scope = { 0 };
	struct vfc_reset_facts f = { 0 };
	struct vfc_topology *topo = NULL;
	struct vfc_device **devs = NULL, *d;
	const struct vfc_group *g;
	char **usable = NULL, why[512] = "", action[512], reason[600] = "";
	struct out_opts o = cli->out;
	struct out_table *tb;
	struct out_row *row;
	struct vfc_target tg;
	const char *perr, *backend = NULL;
	size_t n;
	int rc, ex = VFC_EXIT_OK;

	if (argc != 1)
		return vfc_usage_error(argc ? "reset: one TARGET at a time" : "reset: a TARGET is required");
	if (ropt->method && vfc_reset_method_parse(ropt->method, &req))
		return vfc_usage_error("--method: unknown method '%s' (auto, device, hot, flr, pm, bus)",
				       ropt->method);
	perr = vfc_target_parse(argv[0], &tg);
	if (perr)
		return vfc_usage_error("%s: %s", argv[0], perr);
	/* A sysfs reset writes root-owned attributes; a VFIO reset opens root's nodes. */
	if (!ropt->dry_run && (rc = vfc_require_root("reset")))
		return rc;
	rc = vfc_topology_scan(&cli->ctx, VFC_SCAN_HOLDERS, &topo);
	if (rc) {
		vfc_error(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	if (vfc_topology_resolve(topo, &tg, &devs, &n)) {
		vfc_error(argv[0], 0, tg.kind == VFC_TARGET_GROUP ? "no such IOMMU group"
								 : "no such PCI device");
		ex = VFC_EXIT_NODEV;
		goto out;
	}
	if (n != 1 || !devs[0]->is_pci) {
		vfc_error(argv[0], 0, "names %zu devices: reset takes one device (give its BDF)", n);
		ex = VFC_EXIT_USAGE;
		goto out;
	}
	d = devs[0];
	g = d->group != VFC_NO_GROUP ? vfc_topology_group(topo, d->group) : NULL;
	if (vfc_reset_usable_dev(topo, d, &usable) || vfc_reset_scope_sysfs(topo, d, &scope)) {
		vfc_error(NULL, -ENOMEM, "out of memory");
		ex = VFC_EXIT_FAILED;
		goto out;
	}

	f.on_vfio = vfc_driver_is_vfio(d->driver);
	f.host_driver = d->driver && !vfc_driver_dma_safe(d->driver);
	f.driver = d->driver;
	f.held = g && g->nholders;
	f.vfio_reset = VFC_UNKNOWN;
	f.methods = d->reset_methods;
	f.usable = usable;
	f.hot_possible = scope.possible;
	f.hot_why = scope.why_not;
	f.hot_blockers = scope.nblockers;
	method = vfc_reset_choose(req, &f, why, sizeof(why));

	tb = out_table_new(&reset_schema);
	row = out_row_add(tb);
	out_set_str(row, C_TARGET, d->name);
	out_set_str(row, C_DRIVER, d->driver);
	if (d->group == VFC_NO_GROUP)
		out_set_null(row, C_GROUP);
	else
		out_set_num(row, C_GROUP, d->group);
	out_set_str(row, C_REQUESTED, vfc_reset_method_name(req));
	if (d->has_reset_attr)
		out_set_strv(row, C_RESET_METHODS, d->reset_methods);
	out_set_strv(row, C_USABLE, usable);
	out_set_bool(row, C_HOT_POSSIBLE, scope.possible);
	out_set_bool(row, C_DRY_RUN, ropt->dry_run);

	if (method == VFC_RESET_NONE) {
		if (f.held)
			vfc_error(d->name, 0, "reset refused: held by pid %d (%s) via %s: %s",
				(int)g->holders[0].pid, g->holders[0].comm, g->holders[0].path, why);
		else {
			if (f.hot_blockers && f.hot_possible && f.on_vfio &&
			    (req == VFC_RESET_HOT || req == VFC_RESET_AUTO))
				report_blockers(&scope);
			vfc_error(d->name, 0, "reset refused: %s", why);
		}
		snprintf(reason, sizeof(reason), "%s", why);
		ex = refusal_exit(req, &f);
	} else if (!ropt->dry_run) {
		if (method == VFC_RESET_DEVICE || method == VFC_RESET_HOT) {
			bool hot_ok = scope.possible && !scope.nblockers;

			ex = run_vfio(cli, topo, d, req, &method, hot_ok, &scope, row, &backend,
				      reason, sizeof(reason));
		} else {
			struct vfc_err e = { { 0 }, { 0 } };

			rc = vfc_reset_function(&cli->ctx, d->name,
						method == VFC_RESET_FUNCTION ? NULL
									    : vfc_reset_method_name(method),
						&e);
			if (rc) {
				snprintf(reason, sizeof(reason), "%s: %s", e.what, strerror(-rc));
				ex = fail(&e, rc);
			}
		}
	}
	describe(action, sizeof(action), method, d, &scope, usable,
		 backend);
	out_set_str(row, C_METHOD, vfc_reset_method_name(method));
	out_set_str(row, C_SCOPE_SOURCE, scope.from_kernel ? "kernel" : "sysfs");
	set_groups(row, &scope);
	out_set_str(row, C_RESULT, method == VFC_RESET_NONE ? "refused"
				   : ex ? "failed" : ropt->dry_run ? "would-reset" : "reset");
	out_set_str(row, C_ACTION, action);
	out_set_str(row, C_REASON, reason[0] ? reason : NULL);
	fill_scope(out_sub(row, C_SCOPE), &scope);

	if (cli->quiet && o.format != OUT_FMT_JSON) {
		out_table_free(tb);
	} else {
		/* The record shows the scope inline: every device, one line each. */
		rc = vfc_print_one(cli, tb, "reset");
		if (!ex)
			ex = rc;
	}
out:
	vfc_reset_scope_free(&scope);
	vfc_strv_free(usable);
	free(devs);
	vfc_topology_free(topo);
	return ex;
}

/*
 * Capabilities: sysfs reset attributes and /dev/vfio nodes (DAC_OVERRIDE), a no-IOMMU group
 * (SYS_RAWIO), config space and holders as list reads them.
 */
VFC_DEFINE_COMMAND(reset, struct reset_opts, 45, "TARGET [--method M] [--dry-run]",
		   "reset a device (VFIO, PCI hot reset or sysfs); --dry-run shows a bus reset's scope",
		   VFC_SCHEMAS(&reset_schema),
		   VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN,
			    CAP_SYS_RAWIO));
