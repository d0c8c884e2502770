// SPDX-License-Identifier: GPL-2.0-or-later
/* The command-line side of the bind engine (see bindrun.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bindrun.h"
#include "core/caps.h"
#include "core/cdi.h"
#include "core/util.h"

#define LOCK_WAIT_MS 120000	/* concurrent runs queue; a stuck one must not block forever */

enum { A_BDF, A_IDS, A_GROUP, A_FROM, A_TO, A_ACTION, A_RESULT, A_REASON, A_NODE };
static const struct out_col act_cols[] = {
	[A_BDF] = { "BDF", OUT_STR, 12, OUT_DEFAULT, "PCI address" },
	[A_IDS] = { "IDS", OUT_STR, 9, 0, "vendor:device ids" },
	[A_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "IOMMU group (null: none)" },
	[A_FROM] = { "FROM", OUT_STR, 10, OUT_DEFAULT, "driver before (null: none)" },
	[A_TO] = { "TO", OUT_STR, 10, OUT_DEFAULT, "driver after (null: none)" },
	[A_ACTION] = { "ACTION", OUT_STR, 7, OUT_DEFAULT, "bind, unbind, restore or none" },
	[A_RESULT] = { "RESULT", OUT_STR, 10, OUT_DEFAULT,
		       "planned, done, already, skipped, refused, failed, rolled-back" },
	[A_REASON] = { "REASON", OUT_STR, 0.5, OUT_DEFAULT | OUT_TRUNC, "why" },
	[A_NODE] = { "NODE", OUT_STR, 12, 0, "the group's VFIO node (null: none)" },
};
static const struct out_schema act_schema = { "actions", act_cols, VFC_ARRAY_SIZE(act_cols) };
const struct out_schema *const bindrun_schemas[] = { &act_schema, NULL };
const int bindrun_caps[VFC_BINDRUN_NCAPS] = { BINDRUN_CAP_LIST };

int bindrun_list_columns(void)
{
	out_list_columns(&act_schema, stdout);
	return VFC_EXIT_OK;
}

int bindrun_check_columns(const struct vfc_cli *cli)
{
	return vfc_check_columns(cli, &act_schema);
}

int bindrun_timeout(double seconds, int *ms)
{
	if (!(seconds >= 0 && seconds <= 86400))
		return vfc_usage_error("--timeout: %g is not a number of seconds (0 to 86400)",
				       seconds);
	*ms = (int)(seconds * 1000);
	return 0;
}

static void print_report(void *data, enum vfc_bind_level level, const char *subject, int err,
			 const char *text)
{
	(void)data;
	switch (level) {
	case VFC_BIND_ERR:
		vfc_err(subject, err, "%s", text);
		break;
	case VFC_BIND_WARN:
		vfc_warn(subject, "%s", text);
		break;
	case VFC_BIND_INFO:
		vfc_msg(subject, "%s", text);
		fflush(stderr);	/* the test hook stops the process right after */
		break;
	}
}

void bindrun_init(struct vfc_cli *cli, struct vfc_bindrun *r, bool force)
{
	vfc_bindrun_init(r, &cli->ctx);
	r->report = print_report;
	r->verbose = cli->verbose > 0;
	r->force = force;
}

int bindrun_parse(struct vfc_cli *cli, const char *cmd, int argc, const char **argv,
		  double timeout, struct vfc_bindrun *r)
{
	int rc = 0;

	if (cmd && argc < 1)
		return vfc_usage_error("%s: a TARGET is required", cmd);

	for (int i = 0; !rc && i < argc; i++) {
		struct vfc_target tg;
		const char *why = vfc_target_parse(argv[i], &tg);

		if (why)
			rc = vfc_usage_error("%s: %s", argv[i], why);
		else
			r->group_target |= tg.kind == VFC_TARGET_GROUP;
	}
	if (!rc)
		rc = bindrun_timeout(timeout, &r->timeout_ms);
	if (!rc)
		rc = bindrun_check_columns(cli);
	return rc;
}

int bindrun_lock(struct vfc_bindrun *r)
{
	const char *env = getenv("VFIOCTL_LOCK_WAIT");
	double wait_s = env ? atof(env) : LOCK_WAIT_MS / 1000.0;
	int rc;

	if (!(wait_s >= 0 && wait_s <= 86400))
		wait_s = LOCK_WAIT_MS / 1000.0;
	rc = vfc_bindrun_lock(r, (int)(wait_s * 1000));
	if (rc == -ETIMEDOUT) {
		vfc_err(VFC_JOURNAL_DIR "/lock", 0,
			"another vfioctl has held the lock for %g s; is one stuck in an unbind?",
			wait_s);
		return VFC_EXIT_BUSY;
	}
	if (rc) {
		vfc_err(VFC_JOURNAL_DIR, rc, "cannot lock the journal");
		return vfc_exit_for_errno(rc);
	}
	return 0;
}

int bindrun_scan(struct vfc_bindrun *r)
{
	int rc = vfc_bindrun_scan(r);

	if (rc) {
		vfc_err(vfc_ctx_root(r->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	return 0;
}

int bindrun_prepare(const char *what, int argc, const char **argv, bool group_mode,
		    bool dry_run, struct vfc_bindrun *r)
{
	int rc;

	if (!dry_run && ((rc = vfc_require_root(what)) || (rc = bindrun_lock(r))))
		return rc;
	rc = bindrun_scan(r);
	if (!rc && argc)
		rc = vfc_exit_for_errno(vfc_bindrun_collect(r, argc, argv, group_mode));
	return rc;
}

void bindrun_refusals(const struct vfc_bindplan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].result == VFC_RES_REFUSED)
			vfc_err(p->v[i].bdf, 0, "refused: %s", p->v[i].reason);
}

static int step_exit(const struct vfc_bind_step *s)
{
	int rc;

	switch (s->fault) {
	case VFC_FAULT_NONE:
		return VFC_EXIT_OK;
	case VFC_FAULT_ERRNO:
		rc = vfc_exit_for_errno(s->err);
		return rc ? rc : VFC_EXIT_FAILED;
	case VFC_FAULT_BUSY:
		return VFC_EXIT_BUSY;
	case VFC_FAULT_NOT_VIABLE:
		return VFC_EXIT_PROBLEMS;
	case VFC_FAULT_FAILED:
	default:
		return VFC_EXIT_FAILED;
	}
}

struct out_table *bindrun_table(const struct vfc_bindplan *p, int *code)
{
	struct out_table *t = out_table_new(&act_schema);
	int ok = 0, bad = 0;

	*code = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct vfc_bind_step *s = &p->v[i];
		struct out_row *r = out_row_add(t);
		int x = step_exit(s);

		out_set_str(r, A_BDF, s->bdf);
		if (s->vendor >= 0 && s->device >= 0)
			out_set_strf(r, A_IDS, "%04x:%04x", (unsigned)s->vendor, (unsigned)s->device);
		else
			out_set_null(r, A_IDS);
		out_set_num_or_null(r, A_GROUP, s->group);
		out_set_str(r, A_FROM, s->from[0] ? s->from : NULL);
		out_set_str(r, A_TO, s->action == VFC_ACT_NONE ? (s->from[0] ? s->from : NULL)
				     : s->to[0] ? s->to : NULL);
		out_set_str(r, A_ACTION, vfc_bind_action_name[s->action]);
		out_set_str(r, A_RESULT, vfc_bind_result_name[s->result]);
		out_set_str(r, A_REASON, s->reason[0] ? s->reason : NULL);
		out_set_str(r, A_NODE, s->node[0] ? s->node : NULL);
		if (x) {
			bad++;
			if (!*code)
				*code = x;
		} else {
			ok++;
		}
	}
	if (bad && ok && !p->transaction)
		*code = VFC_EXIT_PARTIAL;
	return t;
}

/* The action table; the exit code: the first step's that asks for one, or 7 for a mix. */
static int finish(struct vfc_cli *cli, const struct vfc_bindplan *p)
{
	struct out_doc *doc = out_doc_new(&cli->out);
	int rc, code;

	out_doc_add_table(doc, bindrun_table(p, &code));
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	return rc ? rc : code;
}

int bindrun_report(struct vfc_cli *cli, struct vfc_bindrun *r)
{
	int rc = finish(cli, &r->p);

	if (r->changed_rc < 0)
		vfc_warn("cdi", "cannot refresh %s: %s", VFC_CDI_SPEC_PATH, strerror(-r->changed_rc));
	if (r->holding) {
		/* a held signal may end the process: what was printed must be out */
		fflush(stdout);
		fflush(stderr);
		vfc_bindrun_release(r);
	}
	return rc;
}

int bindrun_end(struct vfc_bindrun *r, int rc)
{
	vfc_bindrun_free(r);
	return rc;
}
