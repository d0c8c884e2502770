// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl check [--user USER] [TARGET...]`: the preflight. Host items always; per device
 * items for each target (a group target checks each of its endpoints). One verdict table
 * (TARGET ITEM STATUS DETAIL FIX); exit 8 when any item fails, 0 otherwise (warnings too).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>

#include "core/check.h"
#include "core/host.h"
#include "cmd/discover.h"
#include "core/pciaddr.h"
#include "core/topology.h"
#include "vfioctl.h"

struct check_opts {
	char *user;
};

static const struct poptOption check_options[] = {
	{ "user", 'u', POPT_ARG_STRING, VFC_OPT(struct check_opts, user), 0,
	  "also judge USER: RLIMIT_MEMLOCK from limits.conf/limits.d, access to /dev/vfio/N",
	  "USER" },
	POPT_TABLEEND
};

enum { K_TARGET, K_ITEM, K_STATUS, K_DETAIL, K_FIX };
static const struct out_col check_cols[] = {
	[K_TARGET] = { "TARGET", OUT_STR, 12, OUT_DEFAULT, "host, or the device's BDF" },
	[K_ITEM] = { "ITEM", OUT_STR, 10, OUT_DEFAULT, "what was checked" },
	[K_STATUS] = { "STATUS", OUT_STR, 4, OUT_DEFAULT, "ok, warn or fail" },
	[K_DETAIL] = { "DETAIL", OUT_STR, 0.5, OUT_DEFAULT, "what was found" },
	[K_FIX] = { "FIX", OUT_STR, 0.3, OUT_DEFAULT, "what to do (null: nothing)" },
};
static const struct out_schema check_schema = { "checks", check_cols,
						VFC_ARRAY_SIZE(check_cols) };

enum { S_VERDICT, S_OK, S_WARN, S_FAIL };
static const struct out_col summary_cols[] = {
	[S_VERDICT] = { "VERDICT", OUT_STR, 4, 0, "worst status: ok, warn or fail" },
	[S_OK] = { "OK", OUT_NUM, 3, 0, "items ok" },
	[S_WARN] = { "WARN", OUT_NUM, 3, 0, "items with a warning" },
	[S_FAIL] = { "FAIL", OUT_NUM, 3, 0, "items failed" },
};
static const struct out_schema summary_schema = { "summary", summary_cols,
						  VFC_ARRAY_SIZE(summary_cols) };

/* Check each endpoint a target names once, in the order the targets were given. */
static int add_target(const struct vfc_topology *t, const char *arg, struct out_doc *doc,
		      const struct vfc_device ***seen, size_t *nseen)
{
	struct vfc_device **devs;
	struct vfc_target tg;
	size_t n;

	vfc_target_parse_any(arg, &tg);
	if (tg.kind == VFC_TARGET_GROUP && !vfc_topology_group(t, tg.group)) {
		vfc_error(arg, 0, "no such IOMMU group");
		out_doc_add_error(doc, arg, VFC_EXIT_NODEV, "no such IOMMU group");
		return -ENOENT;
	}
	if (vfc_topology_resolve(t, &tg, &devs, &n)) {
		vfc_error(arg, 0, "%s", vfc_target_nomatch(&tg));
		out_doc_add_error(doc, arg, VFC_EXIT_NODEV, "%s", vfc_target_nomatch(&tg));
		return -ENOENT;
	}
	for (size_t k = 0; k < n; k++) {
		bool dup = false;
		const struct vfc_device **v;

		/* a group's bridges carry no DMA of their own: check them only when named */
		if (tg.kind == VFC_TARGET_GROUP && devs[k]->is_bridge)
			continue;
		for (size_t i = 0; i < *nseen; i++)
			dup = dup || (*seen)[i] == devs[k];
		if (dup)
			continue;
		v = reallocarray(*seen, *nseen + 1, sizeof(*v));
		if (!v) {
			free(devs);
			return -ENOMEM;
		}
		*seen = v;
		v[(*nseen)++] = devs[k];
	}
	free(devs);
	return 0;
}

/*
 * The table on a terminal (or with COLUMNS set): a DETAIL or FIX too long for the width wraps
 * at word boundaries onto continuation lines (the other cells empty), the way lsblk wraps;
 * when DETAIL and FIX do not both fit, FIX goes on its own lines under DETAIL ("fix: ...").
 * 0: no width (a pipe without COLUMNS), the table is as wide as its cells. A single word
 * wider than its column (never at 80 columns with today's items) is split.
 */
static size_t table_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long n;

	if (env && *env) {
		n = strtol(env, &end, 10);
		if (!*end && n > 0 && n < 10000)
			return (size_t)n;
	}
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 0;
}

/* The next line of at most width bytes of *text, broken at a space; advances *text. */
static size_t wrap_next(const char **text, size_t width, char *line, size_t len)
{
	const char *p = *text;
	size_t n = strlen(p), cut;

	while (*p == ' ')
		p++, n--;
	if (n <= width) {
		cut = n;
	} else {
		cut = width;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (!cut)	/* one word longer than the column: it has to be split */
			cut = width;
	}
	if (cut >= len)
		cut = len - 1;
	memcpy(line, p, cut);
	line[cut] = '\0';
	while (cut > 0 && line[cut - 1] == ' ')
		line[--cut] = '\0';
	*text = p + (p[cut] == ' ' ? cut + 1 : cut);
	while (**text == ' ')
		(*text)++;
	return cut;
}

static size_t max_len(const struct vfc_check_report *rep, size_t off, size_t head)
{
	size_t m = head;

	for (size_t i = 0; i < rep->n; i++) {
		size_t l = strlen((const char *)&rep->items[i] + off);

		m = l > m ? l : m;
	}
	return m;
}

/* Rows of one item, DETAIL and FIX wrapped to dw and fw (fw 0: "fix: ..." under DETAIL). */
static void add_wrapped(struct out_table *tab, const struct vfc_check_item *it, size_t dw,
			size_t fw)
{
	char fixbuf[sizeof(it->fix) + 8];
	const char *d = it->detail, *f = it->fix;

	if (!fw && it->fix[0]) {
		snprintf(fixbuf, sizeof(fixbuf), "fix: %s", it->fix);
		f = fixbuf;
	}
	for (bool first = true; first || *d || *f; first = false) {
		struct out_row *r = out_row_add(tab);
		char dl[sizeof(fixbuf)], fl[sizeof(fixbuf)];

		if (first) {
			out_set_str(r, K_TARGET, it->target);
			out_set_str(r, K_ITEM, it->item);
			out_set_str(r, K_STATUS, vfc_check_status_name(it->status));
		}
		if (*d) {
			wrap_next(&d, dw, dl, sizeof(dl));
			out_set_str(r, K_DETAIL, dl);
		} else if (!fw) {
			wrap_next(&f, dw, dl, sizeof(dl));
			out_set_str(r, K_DETAIL, dl);
			continue;
		}
		if (fw && *f) {
			wrap_next(&f, fw, fl, sizeof(fl));
			out_set_str(r, K_FIX, fl);
		}
	}
}

/* The longest word of a text field of the items. */
static size_t max_word(const struct vfc_check_report *rep, size_t off)
{
	size_t m = 0;

	for (size_t i = 0; i < rep->n; i++)
		for (const char *p = (const char *)&rep->items[i] + off; *p;) {
			size_t l = strcspn(p, " ");

			m = l > m ? l : m;
			p += l + (p[l] == ' ');
		}
	return m;
}

/* The check table for the terminal's width (see table_width); false: print it as it is. */
static bool fit_table(struct out_table *tab, const struct vfc_check_report *rep, size_t width)
{
	size_t wt = max_len(rep, offsetof(struct vfc_check_item, target), 6);
	size_t wi = max_len(rep, offsetof(struct vfc_check_item, item), 4);
	size_t wd = max_len(rep, offsetof(struct vfc_check_item, detail), 6);
	size_t wf = max_len(rep, offsetof(struct vfc_check_item, fix), 3);
	size_t fixed = wt + 1 + wi + 1 + 6 + 1, rest, dw, fw;
	size_t lwd = max_word(rep, offsetof(struct vfc_check_item, detail));
	size_t lwf = max_word(rep, offsetof(struct vfc_check_item, fix));

	if (!width || fixed + wd + 1 + wf <= width || width < fixed + 24)
		return false;
	rest = width - fixed;
	/* side by side (DETAIL 3/5, FIX 2/5) while no word needs splitting */
	fw = (rest - 1) * 2 / 5;
	if (fw < lwf)
		fw = lwf;
	if (wf < fw)
		fw = wf;
	dw = rest - 1 - fw;
	if (fw < 20 || dw < 30 || dw < lwd) {
		/* FIX on its own lines; the empty FIX header needs 4 */
		dw = rest - 4;
		fw = 0;
	}
	for (size_t i = 0; i < rep->n; i++)
		add_wrapped(tab, &rep->items[i], dw, fw);
	return true;
}

/* One row per item, as the report has it (JSON, raw, pairs, and a table with no width). */
static void add_rows(struct out_table *tab, const struct vfc_check_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct vfc_check_item *it = &rep->items[i];
		struct out_row *r = out_row_add(tab);

		out_set_str(r, K_TARGET, it->target);
		out_set_str(r, K_ITEM, it->item);
		out_set_str(r, K_STATUS, vfc_check_status_name(it->status));
		out_set_str(r, K_DETAIL, it->detail);
		out_set_str(r, K_FIX, it->fix[0] ? it->fix : NULL);
	}
}

static int cmd_check(struct vfc_cli *cli, void *opts_, int argc, const char **argv)
{
	const struct check_opts *copt = opts_;
	struct vfc_check_user user = { 0 };
	struct vfc_check_opts opts = { 0 };
	struct vfc_variants vs = { 0 };
	struct vfc_check_report rep = { 0 };
	const struct vfc_device **devs = NULL;
	struct vfc_iommu_state st;
	struct vfc_topology *t;
	struct out_table *tab, *sum;
	struct out_doc *doc = NULL;
	size_t ndevs = 0;
	int rc, failed = 0;

	for (int i = 0; i < argc; i++) {
		struct vfc_target tg;
		const char *why = vfc_target_parse_any(argv[i], &tg);

		if (why)
			return vfc_usage_error("%s: %s", argv[i], why);
	}
	if (copt->user && !*copt->user)
		return vfc_usage_error("check: --user needs a user name");
	rc = vfc_topology_scan(&cli->ctx, VFC_SCAN_HOLDERS, &t);
	if (rc) {
		vfc_error(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	rc = disc_iommu_state(cli, t, &st);
	if (rc)
		return rc;
	doc = out_doc_new(&cli->out);
	for (int i = 0; i < argc; i++) {
		rc = add_target(t, argv[i], doc, &devs, &ndevs);
		if (rc == -ENOMEM)
			goto out_nomem;
		failed += rc != 0;
	}
	if (copt->user) {
		rc = vfc_check_user_read(&cli->ctx, copt->user, &user);
		if (rc == -ENOENT) {
			vfc_error(copt->user, 0, "no such user in %s/etc/passwd", cli->ctx.root);
			rc = VFC_EXIT_NODEV;
			goto out;
		}
		if (rc)
			goto out_nomem;
		opts.user = &user;
	}
	if (ndevs && !vfc_variants_load(&cli->ctx, &vs))
		opts.variants = &vs;
	vfc_check_host(&cli->ctx, t, &st, &opts, &rep);
	for (size_t i = 0; i < ndevs; i++)
		vfc_check_device(&cli->ctx, t, &st, &opts, devs[i], &rep);
	vfc_variants_free(&vs);
	if (rep.n == 0)
		goto out_nomem;

	tab = out_table_new(&check_schema);
	/* -o picks columns: then the rows stay whole (wrapping lays out all five) */
	if (cli->out.format != OUT_FMT_TABLE || cli->out.columns ||
	    !fit_table(tab, &rep, table_width()))
		add_rows(tab, &rep);
	out_doc_add_table(doc, tab);
	sum = out_table_new(&summary_schema);
	{
		struct out_row *r = out_row_add(sum);

		out_set_str(r, S_VERDICT, vfc_check_status_name(vfc_check_worst(&rep)));
		out_set_num(r, S_OK, (int64_t)rep.nstatus[VFC_CHECK_OK]);
		out_set_num(r, S_WARN, (int64_t)rep.nstatus[VFC_CHECK_WARN]);
		out_set_num(r, S_FAIL, (int64_t)rep.nstatus[VFC_CHECK_FAIL]);
	}
	out_doc_add_object(doc, "summary", sum);
	rc = vfc_print_doc(doc);
	if (!rc && !cli->quiet && cli->out.format == OUT_FMT_TABLE)
		vfc_msg("check", "%zu ok, %zu warnings, %zu failed", rep.nstatus[VFC_CHECK_OK],
			rep.nstatus[VFC_CHECK_WARN], rep.nstatus[VFC_CHECK_FAIL]);
	/* a failed item outranks a missing target: the checks that ran say "not ready" */
	if (!rc) {
		if (rep.nstatus[VFC_CHECK_FAIL])
			rc = VFC_EXIT_PROBLEMS;
		else if (failed)
			rc = failed == argc && !ndevs ? VFC_EXIT_NODEV : VFC_EXIT_PARTIAL;
	}
	goto out;
out_nomem:
	vfc_error(NULL, -ENOMEM, "check");
	rc = VFC_EXIT_FAILED;
out:
	out_doc_free(doc);
	vfc_check_user_free(&user);
	free(devs);
	vfc_check_report_free(&rep);
	vfc_iommu_state_free(&st);
	vfc_topology_free(t);
	return rc;
}

/*
 * Capabilities: what the checks read (holders in other users' /proc, config space past 64
 * bytes, root-only files) and CAP_IPC_LOCK, whose presence the memlock item reports.
 */
VFC_DEFINE_COMMAND(check, struct check_opts, 25, "[--user USER] [TARGET...]",
		   "preflight: will passthrough work here, and what to fix",
		   VFC_SCHEMAS(&check_schema),
		   VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN,
			    CAP_IPC_LOCK));
