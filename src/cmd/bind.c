// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Binding: `bind`, `unbind`, `restore`. Every change is planned first (the plan is what
 * --dry-run prints), journalled before the first sysfs write (core/journal.c), and done
 * under the writers' lock. `bind --group` is a transaction: a failure puts every device it
 * touched back where it was.
 *
 * Test hooks (environment; for the lab's guest suites, not for users):
 *   VFIOCTL_TEST_PAUSE_AFTER=N  after the N-th mutating step of a bind (each device has four:
 *                               journal, driver_override, unbind, probe) print
 *                               "vfioctl: test hook: paused after step N" on stderr and stop
 *                               (SIGSTOP) there until continued or killed — to prove `restore`
 *                               after SIGKILL, the rollback on SIGINT/SIGTERM, and a device
 *                               hot-removed in the middle of a bind.
 *   VFIOCTL_TEST_FAIL_BDF=BDF   the bind of BDF fails (EIO) after its unbind step, before the
 *                               probe — to prove the rollback of a group transaction.
 *   VFIOCTL_TEST_IGNORE_HOLDERS=1  skip the refusal of held devices, so the guest suite can
 *                               prove that an unbind the kernel blocks (vfio-pci waits for
 *                               the holder) times out instead of hanging vfioctl.
 * And one for operators and tests: VFIOCTL_LOCK_WAIT=S, seconds to wait for the writers' lock
 * (default 120).
 *
 * Signals: while devices are being moved, SIGINT, SIGTERM, SIGHUP and SIGQUIT are held back.
 * The device being moved finishes its step (bounded by --timeout), a group transaction rolls
 * back, the table of what happened is printed, then vfioctl dies by that signal: an
 * interrupted run never leaves a device half-moved.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cdi.h"
#include "core/conf.h"
#include "core/driver.h"
#include "core/journal.h"
#include "core/pciaddr.h"
#include "core/safety.h"
#include "core/topology.h"
#include "vfioctl.h"

#define LOCK_WAIT_MS 120000	/* concurrent runs queue; a stuck one must not block forever */

/* ---- columns ---- */

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

/* ---- options ---- */

static struct {
	char *driver, *owner;
	int group, dry_run, force, all, persist, unsafe_noiommu;
	double timeout;
} bo = { .timeout = 10.0 };

enum action { ACT_NONE, ACT_BIND, ACT_UNBIND, ACT_RESTORE };
enum result { RES_PLANNED, RES_DONE, RES_ALREADY, RES_SKIPPED, RES_REFUSED, RES_FAILED,
	      RES_ROLLED_BACK };
static const char *const action_name[] = { "none", "bind", "unbind", "restore" };
static const char *const result_name[] = { "planned", "done", "already", "skipped", "refused",
					   "failed", "rolled-back" };

struct step {
	char bdf[VFC_BDF_LEN];
	int32_t vendor, device;
	int group;
	char from[VFC_DRIVER_NAME_MAX], from_ovr[VFC_DRIVER_NAME_MAX];	/* before this run */
	char to[VFC_DRIVER_NAME_MAX], to_ovr[VFC_DRIVER_NAME_MAX];	/* wanted */
	enum action action;
	enum result result;
	int exit;			/* exit code this step asks for (0: fine) */
	char reason[400];
	char node[64];
	bool has_owner;			/* apply: this device's own owner= */
	uid_t uid;
	gid_t gid;
	bool journal_new;		/* this run created the device's journal entry */
	bool gone;			/* restore: the device no longer exists */
	bool touched;			/* a sysfs write happened */
};

struct plan {
	struct step *v;
	size_t n;
	bool transaction;		/* all or nothing (bind --group) */
};

static int steps_done;

/* VFIOCTL_TEST_PAUSE_AFTER (see the top of this file). */
static void step_hook(void)
{
	const char *s = getenv("VFIOCTL_TEST_PAUSE_AFTER");

	steps_done++;
	if (s && atoi(s) == steps_done) {
		vfc_msg("test hook", "paused after step %d", steps_done);
		fflush(stderr);
		raise(SIGSTOP);
	}
}

/* ---- termination signals: held back while devices move (see the top of this file) ---- */

static sigset_t held_signals;

static void signals_hold(void)
{
	sigemptyset(&held_signals);
	sigaddset(&held_signals, SIGINT);
	sigaddset(&held_signals, SIGTERM);
	sigaddset(&held_signals, SIGHUP);
	sigaddset(&held_signals, SIGQUIT);
	sigprocmask(SIG_BLOCK, &held_signals, NULL);
}

/* The held signal that asks us to stop, or 0. */
static int signal_pending(void)
{
	static const int order[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	sigset_t p;

	if (sigpending(&p))
		return 0;
	for (size_t i = 0; i < VFC_ARRAY_SIZE(order); i++)
		if (sigismember(&p, order[i]) == 1)
			return order[i];
	return 0;
}

/* Let the held signals in: a pending one ends the process now, by its default action. */
static void signals_release(void)
{
	int sig = signal_pending();

	if (sig) {
		fflush(stdout);
		fflush(stderr);
		signal(sig, SIG_DFL);
	}
	sigprocmask(SIG_UNBLOCK, &held_signals, NULL);
}

/* Mark the steps after i skipped because sig arrived; say so once. */
static void skip_rest(struct step *v, size_t n, size_t i, int sig)
{
	for (size_t k = i + 1; k < n; k++)
		if (v[k].result == RES_PLANNED) {
			v[k].result = RES_SKIPPED;
			snprintf(v[k].reason, sizeof(v[k].reason), "interrupted (%s)", strsignal(sig));
		}
	vfc_err("signal", 0, "%s: stopping after the device in progress", strsignal(sig));
}

static struct step *plan_add(struct plan *p, const struct vfc_device *d)
{
	struct step *s;

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].bdf, d->name))
			return NULL;	/* named twice (a BDF and its group): one step */
	s = reallocarray(p->v, p->n + 1, sizeof(*s));
	if (!s)
		return NULL;
	p->v = s;
	s = &p->v[p->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->bdf, sizeof(s->bdf), "%.23s", d->name);
	s->vendor = d->vendor;
	s->device = d->device;
	s->group = d->group;
	snprintf(s->from, sizeof(s->from), "%s", d->driver ? d->driver : "");
	snprintf(s->from_ovr, sizeof(s->from_ovr), "%s",
		 d->driver_override ? d->driver_override : "");
	return s;
}

static void set_reason(struct step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(struct step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
}

static void refuse(struct step *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct step *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	s->result = RES_REFUSED;
	s->exit = code;
}

/* A process holding the device's group: refuse (exit 5) naming it. */
static bool refuse_if_held(struct step *s, const struct vfc_topology *t)
{
	const struct vfc_group *g = s->group >= 0 ? vfc_topology_group(t, s->group) : NULL;

	if (!g || !g->nholders || getenv("VFIOCTL_TEST_IGNORE_HOLDERS"))
		return false;
	refuse(s, VFC_EXIT_BUSY, "group %d is in use by pid %d (%s) holding %s", g->id,
	       (int)g->holders[0].pid, g->holders[0].comm, g->holders[0].path);
	return true;
}

static bool refuse_if_critical(struct vfc_cli *cli, struct step *s)
{
	char why[300];
	int n = vfc_safety_check(&cli->ctx, s->bdf, why, sizeof(why));

	if (n <= 0)
		return false;
	if (bo.force) {
		vfc_warn(s->bdf, "host-critical (%s): going ahead because of --force", why);
		return false;
	}
	refuse(s, VFC_EXIT_BUSY, "host-critical: %s (--force overrides)", why);
	return true;
}

static int parse_targets(int argc, const char **argv, struct vfc_target *tg)
{
	for (int i = 0; i < argc; i++) {
		const char *why = vfc_target_parse(argv[i], &tg[i]);

		if (why)
			return vfc_usage_error("%s: %s", argv[i], why);
	}
	return 0;
}

static int parse_timeout(int *ms)
{
	if (!(bo.timeout >= 0 && bo.timeout <= 86400))
		return vfc_usage_error("--timeout: %g is not a number of seconds (0 to 86400)",
				       bo.timeout);
	*ms = (int)(bo.timeout * 1000);
	return 0;
}

/* "USER[:GROUP]" (names or numbers) -> ids; (uid_t)-1 / (gid_t)-1 for a part not given. */
static int owner_lookup(const char *spec, uid_t *uid, gid_t *gid, const char **bad)
{
	static char user[256];
	char *colon;
	int64_t n;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	snprintf(user, sizeof(user), "%s", spec);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	if (*user) {
		struct passwd *pw = getpwnam(user);

		if (pw) {
			*uid = pw->pw_uid;
			if (!colon)
				*gid = pw->pw_gid;
		} else if (!vfc_parse_s64(user, &n) && n >= 0 && n < 0x7fffffff) {
			*uid = (uid_t)n;
		} else {
			*bad = user;
			return -1;
		}
	}
	if (colon && *colon) {
		struct group *gr = getgrnam(colon);

		if (gr) {
			*gid = gr->gr_gid;
		} else if (!vfc_parse_s64(colon, &n) && n >= 0 && n < 0x7fffffff) {
			*gid = (gid_t)n;
		} else {
			*bad = colon;
			return -1;
		}
	}
	return 0;
}

static int parse_owner(uid_t *uid, gid_t *gid)
{
	const char *bad;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (bo.owner && owner_lookup(bo.owner, uid, gid, &bad))
		return vfc_usage_error("--owner: no such user or group '%s'", bad);
	return 0;
}

/* ---- acting ---- */

static int lock_journal(struct vfc_cli *cli, struct vfc_journal *j)
{
	const char *env = getenv("VFIOCTL_LOCK_WAIT");
	double wait_s = env ? atof(env) : LOCK_WAIT_MS / 1000.0;
	int rc;

	if (!(wait_s >= 0 && wait_s <= 86400))
		wait_s = LOCK_WAIT_MS / 1000.0;
	rc = vfc_journal_lock(&cli->ctx, j, (int)(wait_s * 1000));
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
	vfc_journal_sweep(j);
	return 0;
}

/* Record where the device belongs before the first write; an existing entry is older, keep it. */
/*
 * An entry written for an earlier device at this address (removed since, and another one
 * added: the kernel probed it afresh) says nothing about this one.
 */
static bool entry_stale(const struct vfc_jentry *e, uint64_t instance, int32_t vendor,
			int32_t device)
{
	return (e->instance && instance && e->instance != instance) ||
	       (e->vendor >= 0 && vendor >= 0 && e->vendor != vendor) ||
	       (e->device >= 0 && device >= 0 && e->device != device);
}

static int journal_record(struct vfc_journal *j, struct step *s)
{
	uint64_t instance = vfc_device_instance(j->ctx, s->bdf);
	struct vfc_jentry e;
	int rc = vfc_journal_get(j->ctx, s->bdf, &e);

	/* The first entry of a device holds its original state: keep it, unless stale. */
	if (rc == 0 && !entry_stale(&e, instance, s->vendor, s->device))
		return 0;
	memset(&e, 0, sizeof(e));
	e.instance = instance;
	snprintf(e.bdf, sizeof(e.bdf), "%s", s->bdf);
	snprintf(e.driver, sizeof(e.driver), "%s", s->from);
	snprintf(e.override, sizeof(e.override), "%s", s->from_ovr);
	e.vendor = s->vendor;
	e.device = s->device;
	e.pid = getpid();
	e.time = time(NULL);
	rc = vfc_journal_put(j, &e);
	if (!rc)
		s->journal_new = true;
	return rc;
}

/*
 * Put a device on driver (or none) with override: set the override, leave the current
 * driver, probe, wait. *what names the failing step for the message.
 */
static int move_device(struct vfc_cli *cli, struct vfc_waiter *w, const char *bdf,
		       const char *drv, const char *ovr, int timeout_ms, bool hooks, int *group,
		       const char **what)
{
	char cur[VFC_DRIVER_NAME_MAX];
	const char *fail = getenv("VFIOCTL_TEST_FAIL_BDF");
	int rc;

	*group = -1;	/* every early return below leaves the caller a defined value */
	*what = "cannot set driver_override";
	rc = vfc_driver_override_set(&cli->ctx, bdf, ovr);
	if (rc)
		return rc;
	if (hooks)
		step_hook();
	*what = "cannot unbind from its driver";
	rc = vfc_driver_current(&cli->ctx, bdf, cur, sizeof(cur));
	if (!rc && cur[0] && strcmp(cur, drv))
		rc = vfc_driver_unbind(&cli->ctx, bdf, timeout_ms);
	if (rc)
		return rc;
	if (hooks)
		step_hook();
	if (hooks && fail && !strcmp(fail, bdf)) {
		*what = "injected failure (VFIOCTL_TEST_FAIL_BDF)";
		return -EIO;
	}
	*what = "cannot probe";
	if (drv[0] && strcmp(cur, drv)) {
		rc = vfc_driver_probe(&cli->ctx, bdf);
		if (rc)
			return rc;
	}
	if (hooks)
		step_hook();
	*what = drv[0] ? "did not come up on its driver" : "did not leave its driver";
	rc = vfc_driver_wait(w, &cli->ctx, bdf, drv, drv[0] && vfc_driver_is_vfio(drv), timeout_ms,
			     group);
	return rc;
}

/* Hot-unplugged (or removed through sysfs) while we worked on it? */
static bool device_gone(struct vfc_cli *cli, const char *bdf)
{
	return vfc_exists(&cli->ctx, "/sys/bus/pci/devices/%s", bdf) == 0;
}

static void err_step(struct step *s, int rc, const char *what, const char *drv)
{
	if (rc == -ETIMEDOUT)
		set_reason(s, "%s%s%s within the timeout", what, drv[0] ? " " : "", drv);
	else
		set_reason(s, "%s%s%s: %s", what, drv[0] ? " " : "", drv, strerror(-rc));
	vfc_err(s->bdf, rc == -ETIMEDOUT ? 0 : rc, "%s%s%s%s", what, drv[0] ? " " : "", drv,
		rc == -ETIMEDOUT ? " within the timeout (--timeout)" : "");
	s->result = RES_FAILED;
	/* An unbind that does not finish means the driver is in use; other timeouts failed. */
	s->exit = rc != -ETIMEDOUT ? vfc_exit_for_errno(rc)
		  : strstr(what, "unbind") ? VFC_EXIT_BUSY : VFC_EXIT_FAILED;
	if (s->exit == VFC_EXIT_OK)
		s->exit = VFC_EXIT_FAILED;
}

/*
 * A failed move: when the device vanished under us (hot-unplug), that, not the sysfs error,
 * is the story (exit 3); a new device at that address starts afresh, so nothing remains to
 * put back and the journal entry this run made goes. Returns true when the device is gone.
 */
static bool err_move(struct vfc_cli *cli, struct vfc_journal *j, struct step *s, int rc,
		     const char *what, const char *drv)
{
	if (!device_gone(cli, s->bdf)) {
		err_step(s, rc, what, drv);
		return false;
	}
	set_reason(s, "device was removed (%s%s%s: %s)", what, drv[0] ? " " : "", drv,
		   strerror(-rc));
	vfc_err(s->bdf, 0, "device was removed while it was being moved (%s%s%s: %s)", what,
		drv[0] ? " " : "", drv, strerror(-rc));
	s->result = RES_FAILED;
	s->exit = VFC_EXIT_NODEV;
	if (j && s->journal_new && !vfc_journal_remove(j, s->bdf))
		s->journal_new = false;
	return true;
}

/* Put a device back where it was before this run; drop the journal entry this run made. */
static int rollback_step(struct vfc_cli *cli, struct vfc_journal *j, struct vfc_waiter *w,
			 struct step *s, int timeout_ms)
{
	const char *what;
	int group, rc = 0;

	if (s->touched && !device_gone(cli, s->bdf))
		rc = move_device(cli, w, s->bdf, s->from, s->from_ovr, timeout_ms, false, &group,
				 &what);
	if (rc && device_gone(cli, s->bdf))
		rc = 0;		/* removed meanwhile: nothing is left to put back */
	if (rc) {
		vfc_err(s->bdf, rc == -ETIMEDOUT ? 0 : rc, "rollback: %s %s%s", what,
			s->from[0] ? s->from : "(none)", rc == -ETIMEDOUT ? " in time" : "");
		return rc;	/* the journal entry stays: `restore` can try again */
	}
	if (s->journal_new)
		vfc_journal_remove(j, s->bdf);
	return 0;
}

/* ---- output and exit code ---- */

static int finish(struct vfc_cli *cli, struct plan *p)
{
	struct out_doc *doc = out_doc_new(&cli->out);
	struct out_table *t = out_table_new(&act_schema);
	int rc, code = 0, ok = 0, bad = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		struct out_row *r = out_row_add(t);

		out_set_str(r, A_BDF, s->bdf);
		if (s->vendor >= 0 && s->device >= 0)
			out_set_strf(r, A_IDS, "%04x:%04x", (unsigned)s->vendor, (unsigned)s->device);
		else
			out_set_null(r, A_IDS);
		if (s->group >= 0)
			out_set_num(r, A_GROUP, s->group);
		else
			out_set_null(r, A_GROUP);
		out_set_str(r, A_FROM, s->from[0] ? s->from : NULL);
		out_set_str(r, A_TO, s->action == ACT_NONE ? (s->from[0] ? s->from : NULL)
				     : s->to[0] ? s->to : NULL);
		out_set_str(r, A_ACTION, action_name[s->action]);
		out_set_str(r, A_RESULT, result_name[s->result]);
		out_set_str(r, A_REASON, s->reason[0] ? s->reason : NULL);
		out_set_str(r, A_NODE, s->node[0] ? s->node : NULL);
		if (s->exit) {
			bad++;
			if (!code)
				code = s->exit;
		} else {
			ok++;
		}
	}
	out_doc_add_table(doc, t);
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	if (rc)
		return rc;
	if (bad && ok && !p->transaction)
		return VFC_EXIT_PARTIAL;
	return code;
}

static void plan_free(struct plan *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* Resolve targets into devices; groups (and --group) expand to every member. */
static int collect(struct vfc_cli *cli, const struct vfc_topology *t, int argc, const char **argv,
		   bool group_mode, struct vfc_device ***out, size_t *nout)
{
	struct vfc_device **v = NULL;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		struct vfc_device **devs;
		struct vfc_target tg;
		size_t nd;

		vfc_target_parse(argv[i], &tg);
		if (vfc_topology_resolve(t, &tg, &devs, &nd)) {
			vfc_err(argv[i], 0, tg.kind == VFC_TARGET_GROUP ? "no such IOMMU group"
									 : "no such PCI device");
			free(v);
			return VFC_EXIT_NODEV;
		}
		for (size_t k = 0; k < nd; k++) {
			const struct vfc_group *g = NULL;
			size_t m = 1;

			if ((group_mode || tg.kind == VFC_TARGET_GROUP) && devs[k]->group >= 0) {
				g = vfc_topology_group(t, devs[k]->group);
				m = g ? g->ndevs : 1;
			}
			for (size_t x = 0; x < m; x++) {
				struct vfc_device *d = g ? g->devs[x] : devs[k];
				struct vfc_device **nv;
				bool dup = false;

				for (size_t y = 0; y < n; y++)
					dup |= v[y] == d;
				if (dup)
					continue;
				nv = reallocarray(v, n + 1, sizeof(*nv));
				if (!nv) {
					free(devs);
					free(v);
					vfc_err(NULL, -ENOMEM, "cannot plan");
					return VFC_EXIT_FAILED;
				}
				v = nv;
				v[n++] = d;
			}
		}
		free(devs);
	}
	*out = v;
	*nout = n;
	return 0;
}

static int scan_topology(struct vfc_cli *cli, struct vfc_topology **t)
{
	int rc = vfc_topology_scan(&cli->ctx, VFC_SCAN_HOLDERS, t);

	if (rc) {
		vfc_err(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	return 0;
}

/* ---- bind ---- */

static void plan_bind(struct vfc_cli *cli, const struct vfc_topology *t, struct plan *p,
		      struct vfc_device **devs, size_t n, bool group_mode, const char *drv)
{
	for (size_t i = 0; i < n; i++) {
		struct vfc_device *d = devs[i];
		struct step *s;

		if (!d->is_pci)
			continue;	/* ARM platform members: not ours to bind */
		s = plan_add(p, d);
		if (!s)
			continue;
		snprintf(s->to, sizeof(s->to), "%s", drv);
		snprintf(s->to_ovr, sizeof(s->to_ovr), "%s", drv);
		s->result = RES_PLANNED;
		if (d->is_bridge || d->is_host_bridge) {
			if (group_mode) {
				s->result = RES_SKIPPED;
				set_reason(s, "%s, left alone", d->is_bridge ? "bridge" : "host bridge");
			} else {
				refuse(s, VFC_EXIT_FAILED, "is a bridge: vfioctl binds endpoints only");
			}
			continue;
		}
		if (d->driver && !strcmp(d->driver, drv)) {
			s->result = RES_ALREADY;
			set_reason(s, "already on %s", drv);
			continue;
		}
		if (group_mode && d->driver && !strcmp(d->driver, "pci-stub")) {
			s->result = RES_SKIPPED;
			set_reason(s, "on pci-stub (DMA-safe), left alone");
			continue;
		}
		s->action = ACT_BIND;
		if (refuse_if_held(s, t) || refuse_if_critical(cli, s))
			continue;
		set_reason(s, group_mode ? "member of group %d (--group)" : "target", d->group);
	}
	/* A group bind must leave the group viable; say so before touching anything. */
	if (group_mode) {
		for (size_t i = 0; i < n; i++) {
			struct vfc_device *d = devs[i];
			bool planned = false;

			for (size_t k = 0; k < p->n; k++)
				planned |= !strcmp(p->v[k].bdf, d->name) &&
					   p->v[k].action == ACT_BIND;
			if (planned || vfc_driver_dma_safe(d->driver))
				continue;
			for (size_t k = 0; k < p->n; k++)
				if (!strcmp(p->v[k].bdf, d->name) && p->v[k].result != RES_REFUSED)
					refuse(&p->v[k], VFC_EXIT_PROBLEMS,
					       "%s on host driver %s keeps group %d not viable; unbind "
					       "it first", d->is_bridge ? "bridge" : "device",
					       d->driver, d->group);
		}
	}
}

static bool plan_failed(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].result == RES_FAILED)
			return true;
	return false;
}

static bool plan_refused(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].result == RES_REFUSED)
			return true;
	return false;
}

static void do_bind_step(struct vfc_cli *cli, struct vfc_journal *j, struct vfc_waiter *w,
			 struct step *s, int timeout_ms, uid_t uid, gid_t gid)
{
	const char *what;
	int rc, group;

	rc = journal_record(j, s);
	if (rc) {
		err_step(s, rc, "cannot write the journal", "");
		return;
	}
	step_hook();
	s->touched = true;
	rc = move_device(cli, w, s->bdf, s->to, s->to_ovr, timeout_ms, true, &group, &what);
	if (group >= 0)
		s->group = group;
	if (rc) {
		err_move(cli, j, s, rc, what, s->to);
		return;
	}
	s->result = RES_DONE;
	if (!s->reason[0])
		set_reason(s, "target");
	(void)uid;
	(void)gid;
}

static void set_nodes(struct vfc_cli *cli, struct plan *p, uid_t uid0, gid_t gid0)
{
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		uid_t uid = uid0;
		gid_t gid = gid0;
		int rc;

		if (s->result != RES_DONE && s->result != RES_ALREADY)
			continue;
		if (!vfc_driver_is_vfio(s->to))
			continue;
		s->group = vfc_device_group(&cli->ctx, s->bdf);
		if (vfc_group_node(&cli->ctx, s->group, s->node, sizeof(s->node)))
			s->node[0] = '\0';
		if (s->has_owner) {
			uid = s->uid;
			gid = s->gid;
		}
		if ((uid != (uid_t)-1 || gid != (gid_t)-1) && s->node[0]) {
			rc = vfc_group_node_chown(&cli->ctx, s->group, uid, gid);
			if (rc) {
				vfc_err(s->node, rc, "cannot change the owner (--owner)");
				s->exit = vfc_exit_for_errno(rc);
			}
		}
	}
}

/* After a bind without --group: a group that is still not viable is worth exit 8. */
static void check_viable(struct vfc_cli *cli, struct plan *p)
{
	struct vfc_topology *t;

	if (vfc_topology_scan(&cli->ctx, 0, &t))
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		const struct vfc_group *g;

		if ((s->result != RES_DONE && s->result != RES_ALREADY) || s->exit)
			continue;
		g = vfc_topology_group(t, s->group);
		if (!g || g->viable || !g->nblockers)
			continue;
		vfc_err(s->bdf, 0, "group %d is not viable: %s %s (use --group)", g->id,
			g->blockers[0].dev->name, g->blockers[0].reason);
		s->exit = VFC_EXIT_PROBLEMS;
	}
	vfc_topology_free(t);
}

/* --persist: record (or drop) the devices in ROOT/etc/vfioctl.conf, by BDF. Under the lock. */
static void persist(struct vfc_cli *cli, struct plan *p, const char *drv, bool remove)
{
	char path[PATH_MAX];

	if (vfc_path(&cli->ctx, path, sizeof(path), VFC_CONF_PATH))
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		bool changed;
		int rc;

		if ((s->result != RES_DONE && s->result != RES_ALREADY) || s->exit)
			continue;
		if (!remove && strcmp(s->to, drv))
			continue;
		if (remove && s->action != ACT_UNBIND && s->result != RES_ALREADY)
			continue;
		rc = vfc_conf_set(path, s->bdf, drv, bo.owner, remove, &changed);
		if (rc) {
			vfc_err(path, rc, "cannot %s %s (--persist)", remove ? "remove" : "record",
				s->bdf);
			s->exit = vfc_exit_for_errno(rc);
		} else if (changed && cli->verbose) {
			vfc_warn(s->bdf, "%s %s", remove ? "removed from" : "recorded in", path);
		}
	}
}

static const struct poptOption bind_options[] = {
	{ "driver", 0, POPT_ARG_STRING, &bo.driver, 0, "driver to bind to (default vfio-pci)",
	  "DRIVER" },
	{ "group", 'g', POPT_ARG_NONE, &bo.group, 0,
	  "bind every endpoint of the target's IOMMU group (all or nothing)", NULL },
	{ "dry-run", 0, POPT_ARG_NONE, &bo.dry_run, 0, "print the plan, change nothing", NULL },
	{ "force", 'f', POPT_ARG_NONE, &bo.force, 0, "bind host-critical devices too", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, &bo.timeout, 0,
	  "seconds to wait for each device (default 10)", "S" },
	{ "owner", 0, POPT_ARG_STRING, &bo.owner, 0, "owner of /dev/vfio/N afterwards",
	  "USER[:GROUP]" },
	{ "persist", 0, POPT_ARG_NONE, &bo.persist, 0,
	  "also record the devices (by address) in /etc/vfioctl.conf for boot", NULL },
	{ "unsafe-noiommu", 0, POPT_ARG_NONE, &bo.unsafe_noiommu, 0,
	  "bind devices that get a no-IOMMU group (no isolation: they can DMA anywhere)", NULL },
	POPT_TABLEEND
};

/*
 * In vfio's no-IOMMU mode, binding a device that has no IOMMU group makes the kernel give it
 * a /dev/vfio/noiommu-N group: no isolation at all. Only when the caller says so.
 */
static int refuse_noiommu(struct vfc_cli *cli, const struct vfc_topology *t,
			  struct vfc_device **devs, size_t n, const char *drv)
{
	char yn[8];

	if (bo.unsafe_noiommu || !vfc_driver_is_vfio(drv) ||
	    vfc_read_attr(&cli->ctx, yn, sizeof(yn),
			  "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode") <= 0 ||
	    (yn[0] != 'Y' && yn[0] != '1'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct vfc_group *g = vfc_topology_group(t, devs[i]->group);

		if (devs[i]->group != VFC_NO_GROUP && (!g || !g->noiommu))
			continue;
		vfc_err(devs[i]->name, 0, "has no IOMMU: vfio would give it a no-IOMMU group (UNSAFE: "
			"no isolation, it can DMA anywhere); say --unsafe-noiommu to bind it anyway");
		return VFC_EXIT_PERM;
	}
	return 0;
}

/* ---- what bind, unbind and restore share: targets, root, the lock, the topology ---- */

struct run {
	struct vfc_journal j;
	struct vfc_topology *t;
	struct vfc_device **devs;	/* the targets' devices (whole groups in group mode) */
	size_t n;
	struct vfc_waiter *w;
	struct plan p;
	int timeout_ms;
	bool group_target;		/* some target names a group */
};

#define RUN_INIT { .j = { .lockfd = -1 } }

/* The targets, --timeout and -o: 0 or a usage exit code. Sets r->group_target. */
static int run_parse(struct vfc_cli *cli, int argc, const char **argv, struct run *r)
{
	struct vfc_target *tg = calloc((size_t)argc + 1, sizeof(*tg));
	int rc;

	if (!tg)
		return VFC_EXIT_FAILED;
	rc = parse_targets(argc, argv, tg);
	for (int i = 0; !rc && i < argc; i++)
		r->group_target |= tg[i].kind == VFC_TARGET_GROUP;
	free(tg);
	if (!rc)
		rc = parse_timeout(&r->timeout_ms);
	if (!rc)
		rc = vfc_check_columns(cli, &act_schema);
	return rc;
}

/*
 * Root and the writers' lock (not for --dry-run: the plan is then only printed), then the
 * topology and the targets' devices, planned under the lock so that a concurrent run cannot
 * change what the plan is based on. 0 or an exit code.
 */
static int run_prepare(struct vfc_cli *cli, const char *what, int argc, const char **argv,
		       bool group_mode, struct run *r)
{
	int rc;

	if (!bo.dry_run && ((rc = vfc_require_root(what)) || (rc = lock_journal(cli, &r->j))))
		return rc;
	rc = scan_topology(cli, &r->t);
	if (!rc && argc)
		rc = collect(cli, r->t, argc, argv, group_mode, &r->devs, &r->n);
	return rc;
}

/* About to change devices: the waiter for their events; termination signals held. */
static void run_start(struct vfc_cli *cli, struct run *r)
{
	r->w = vfc_waiter_new(&cli->ctx);
	signals_hold();
}

/* The table of what happened, then a held signal may end the process. */
static int run_report(struct vfc_cli *cli, struct run *r)
{
	int rc = finish(cli, &r->p);

	/* Devices changed: the CDI spec `vfioctl cdi` made follows (vfc_bindplan_changed later). */
	if (r->w && vfc_cdi_refresh(&cli->ctx) < 0)
		vfc_warn("cdi", "cannot refresh %s", VFC_CDI_SPEC_PATH);
	if (r->w)
		signals_release();
	return rc;
}

static int run_end(struct run *r, int rc)
{
	vfc_waiter_free(r->w);
	free(r->devs);
	plan_free(&r->p);
	vfc_topology_free(r->t);
	vfc_journal_unlock(&r->j);
	return rc;
}

static int cmd_bind(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	const char *drv = bo.driver ? bo.driver : "vfio-pci";
	struct run r = RUN_INIT;
	struct plan *p = &r.p;
	bool group_mode;
	int rc;
	uid_t uid;
	gid_t gid;

	if (cli->list_columns) {
		out_list_columns(&act_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (argc < 1)
		return vfc_usage_error("bind: a TARGET is required");
	if ((rc = run_parse(cli, argc, argv, &r)) || (rc = parse_owner(&uid, &gid)))
		return rc;
	group_mode = bo.group || r.group_target;
	if (!vfc_name_is_sane(drv, VFC_DRIVER_NAME_MAX - 1))
		return vfc_usage_error("--driver: '%s' is not a driver name", drv);
	if (!vfc_driver_exists(&cli->ctx, drv)) {
		vfc_err(drv, 0, "no such PCI driver (is its module loaded? modprobe %s)", drv);
		return VFC_EXIT_UNSUPPORTED;
	}
	rc = run_prepare(cli, "bind", argc, argv, group_mode, &r);
	if (!rc)
		rc = refuse_noiommu(cli, r.t, r.devs, r.n, drv);
	if (rc)
		return run_end(&r, rc);
	p->transaction = group_mode;
	plan_bind(cli, r.t, p, r.devs, r.n, group_mode, drv);
	if (p->transaction && plan_refused(p))
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].result == RES_PLANNED)
				p->v[i].result = RES_SKIPPED;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].result == RES_REFUSED)
			vfc_err(p->v[i].bdf, 0, "refused: %s", p->v[i].reason);
	if (bo.dry_run)
		return run_end(&r, run_report(cli, &r));
	run_start(cli, &r);
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		int sig;

		if (s->result != RES_PLANNED)
			continue;
		do_bind_step(cli, &r.j, r.w, s, r.timeout_ms, uid, gid);
		sig = signal_pending();
		if ((s->result == RES_FAILED || sig) && p->transaction) {
			/* All or nothing: every device this run touched goes back, newest first. */
			for (size_t k = i + 1; k-- > 0;) {
				struct step *b = &p->v[k];

				if (b->result != RES_DONE && b->result != RES_FAILED)
					continue;
				if (rollback_step(cli, &r.j, r.w, b, r.timeout_ms) == 0 &&
				    (b != s || b->result == RES_DONE))
					b->result = RES_ROLLED_BACK;
				else if (b == s && !b->touched && b->journal_new)
					vfc_journal_remove(&r.j, b->bdf);
			}
			for (size_t k = i + 1; k < p->n; k++)
				if (p->v[k].result == RES_PLANNED)
					p->v[k].result = RES_SKIPPED;
			if (sig)
				vfc_err("signal", 0, "%s: the group bind was rolled back",
					strsignal(sig));
			else
				vfc_err(s->bdf, 0,
					"group bind failed here; every device was put back");
			break;
		}
		if (sig) {
			skip_rest(p->v, p->n, i, sig);
			break;
		}
	}
	set_nodes(cli, p, uid, gid);
	if (!group_mode)
		check_viable(cli, p);
	if (bo.persist && !(p->transaction && plan_failed(p)) && !signal_pending())
		persist(cli, p, drv, false);
	return run_end(&r, run_report(cli, &r));	/* a held signal ends the process there */
}

static const struct vfc_cmd vfc_cmd_bind = {
	.name = "bind",
	.order = 30,
	.args = "TARGET... [--group] [--dry-run]",
	.summary = "bind devices (or whole groups) to vfio-pci, journalled",
	.options = bind_options,
	.run = cmd_bind,
};
VFC_COMMAND(vfc_cmd_bind);

/* ---- unbind ---- */

static const struct poptOption unbind_options[] = {
	{ "dry-run", 0, POPT_ARG_NONE, &bo.dry_run, 0, "print the plan, change nothing", NULL },
	{ "force", 'f', POPT_ARG_NONE, &bo.force, 0, "unbind host-critical devices too", NULL },
	{ "persist", 0, POPT_ARG_NONE, &bo.persist, 0,
	  "also remove the devices' lines from /etc/vfioctl.conf", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, &bo.timeout, 0,
	  "seconds to wait for each device (default 10)", "S" },
	POPT_TABLEEND
};

static int cmd_unbind(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	struct run r = RUN_INIT;
	struct plan *p = &r.p;
	int rc;

	if (cli->list_columns) {
		out_list_columns(&act_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (argc < 1)
		return vfc_usage_error("unbind: a TARGET is required");
	if ((rc = run_parse(cli, argc, argv, &r)))
		return rc;
	if ((rc = run_prepare(cli, "unbind", argc, argv, false, &r)))
		return run_end(&r, rc);
	for (size_t i = 0; i < r.n; i++) {
		struct vfc_device *d = r.devs[i];
		struct step *s;

		if (!d->is_pci || !(s = plan_add(p, d)))
			continue;
		s->result = RES_PLANNED;
		if (!d->driver) {
			s->result = RES_ALREADY;
			set_reason(s, "already without a driver");
			continue;
		}
		/* A group names what vfioctl bound: only its members on vfio drivers. */
		if (r.group_target && !vfc_driver_is_vfio(d->driver)) {
			s->result = RES_SKIPPED;
			set_reason(s, "not on a vfio driver, left alone");
			continue;
		}
		s->action = ACT_UNBIND;
		if (refuse_if_held(s, r.t) || refuse_if_critical(cli, s)) {
			vfc_err(s->bdf, 0, "refused: %s", s->reason);
			continue;
		}
		set_reason(s, "target");
	}
	if (bo.dry_run)
		return run_end(&r, run_report(cli, &r));
	run_start(cli, &r);
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		const char *what;
		int group, sig;

		if (s->result != RES_PLANNED)
			continue;
		rc = journal_record(&r.j, s);
		if (rc) {
			err_step(s, rc, "cannot write the journal", "");
			continue;
		}
		s->touched = true;
		rc = move_device(cli, r.w, s->bdf, "", "", r.timeout_ms, false, &group, &what);
		if (rc)
			err_move(cli, &r.j, s, rc, what, "");
		else
			s->result = RES_DONE;
		if ((sig = signal_pending())) {
			skip_rest(p->v, p->n, i, sig);
			break;
		}
	}
	if (bo.persist)
		persist(cli, p, "vfio-pci", true);
	return run_end(&r, run_report(cli, &r));
}

static const struct vfc_cmd vfc_cmd_unbind = {
	.name = "unbind",
	.order = 31,
	.args = "TARGET... [--dry-run]",
	.summary = "take devices off their driver (journalled; restore undoes it)",
	.options = unbind_options,
	.run = cmd_unbind,
};
VFC_COMMAND(vfc_cmd_unbind);

/* ---- restore ---- */

static const struct poptOption restore_options[] = {
	{ "all", 'a', POPT_ARG_NONE, &bo.all, 0, "every device in the journal", NULL },
	{ "dry-run", 0, POPT_ARG_NONE, &bo.dry_run, 0, "print the plan, change nothing", NULL },
	{ "timeout", 't', POPT_ARG_DOUBLE, &bo.timeout, 0,
	  "seconds to wait for each device (default 10)", "S" },
	POPT_TABLEEND
};

static int cmd_restore(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	struct vfc_jentry *ents = NULL;
	struct run r = RUN_INIT;
	struct plan *p = &r.p;
	size_t nent = 0, nbad = 0;
	int rc;

	if (cli->list_columns) {
		out_list_columns(&act_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (argc < 1 && !bo.all)
		return vfc_usage_error("restore: a TARGET or --all is required");
	if (argc > 0 && bo.all)
		return vfc_usage_error("restore: TARGETs and --all are mutually exclusive");
	if ((rc = run_parse(cli, argc, argv, &r)))
		return rc;
	if ((rc = run_prepare(cli, "restore", argc, argv, false, &r)))
		goto out;
	rc = vfc_journal_list(&cli->ctx, &ents, &nent, &nbad);
	if (rc) {
		vfc_err(VFC_JOURNAL_DIR, rc, "cannot read the journal");
		rc = vfc_exit_for_errno(rc);
		goto out;
	}
	if (nbad)
		vfc_warn(VFC_JOURNAL_DIR, "%zu entries do not parse; left alone", nbad);
	/* Targets without an entry: say there is nothing to do for them. */
	for (size_t i = 0; i < r.n; i++) {
		bool has = false;
		struct step *s;

		for (size_t k = 0; k < nent; k++)
			has |= !strcmp(ents[k].bdf, r.devs[i]->name);
		if (has || !r.devs[i]->is_pci || !(s = plan_add(p, r.devs[i])))
			continue;
		s->result = RES_ALREADY;
		set_reason(s, "no journal entry: vfioctl did not change it");
	}
	for (size_t k = 0; k < nent; k++) {
		struct vfc_jentry *e = &ents[k];
		struct vfc_pciaddr a;
		struct vfc_device *d, tmp;
		bool wanted = bo.all;
		struct step *s;

		for (size_t i = 0; i < r.n; i++)
			wanted |= !strcmp(r.devs[i]->name, e->bdf);
		if (!wanted)
			continue;
		vfc_pciaddr_parse(e->bdf, &a);
		d = vfc_topology_device(r.t, &a);
		if (!d) {
			/*
			 * Gone (hot-unplugged, VF destroyed, removed through sysfs): the kernel
			 * forgot its driver_override with it, and a device that comes back at
			 * this address is probed afresh. Nothing is left to restore; the entry
			 * goes (a plain `restore TARGET` of it says so too).
			 */
			memset(&tmp, 0, sizeof(tmp));
			snprintf(tmp.name, sizeof(tmp.name), "%s", e->bdf);
			tmp.vendor = e->vendor;
			tmp.device = e->device;
			tmp.group = -1;
			s = plan_add(p, &tmp);
			if (s) {
				s->action = ACT_RESTORE;
				s->result = RES_PLANNED;
				s->gone = true;
				set_reason(s, "device is gone (removed): nothing to restore, "
					      "journal entry dropped");
			}
			continue;
		}
		s = plan_add(p, d);
		if (!s)
			continue;
		if (e->instance && e->instance != vfc_device_instance(&cli->ctx, e->bdf)) {
			/* Removed and added again since: probed afresh, its state is its own. */
			s->action = ACT_RESTORE;
			s->result = RES_PLANNED;
			s->gone = true;
			set_reason(s, "the device journalled here was removed since (this one was "
				      "added after): nothing to restore, journal entry dropped");
			continue;
		}
		snprintf(s->to, sizeof(s->to), "%s", e->driver);
		snprintf(s->to_ovr, sizeof(s->to_ovr), "%s", e->override);
		s->action = ACT_RESTORE;
		s->result = RES_PLANNED;
		if ((e->vendor >= 0 && e->vendor != d->vendor) ||
		    (e->device >= 0 && e->device != d->device)) {
			refuse(s, VFC_EXIT_FAILED,
			       "journal is for %04x:%04x, the device is now %04x:%04x; entry kept",
			       (unsigned)e->vendor, (unsigned)e->device, (unsigned)d->vendor,
			       (unsigned)d->device);
			continue;
		}
		if (!strcmp(s->from, s->to) && !strcmp(s->from_ovr, s->to_ovr)) {
			set_reason(s, "already where the journal says");
			continue;	/* only the entry goes */
		}
		if (refuse_if_held(s, r.t))
			continue;
		set_reason(s, "journal (by pid %lld)", (long long)e->pid);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].result == RES_REFUSED)
			vfc_err(p->v[i].bdf, 0, "refused: %s", p->v[i].reason);
	if (bo.dry_run) {
		rc = run_report(cli, &r);
		goto out;
	}
	run_start(cli, &r);
	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->v[i];
		const char *what;
		int group, sig = 0;

		if (i && (sig = signal_pending())) {
			skip_rest(p->v, p->n, i - 1, sig);
			break;
		}
		if (s->action != ACT_RESTORE || s->result != RES_PLANNED)
			continue;
		if (s->gone) {
			/* Only the entry goes. */
		} else if (strcmp(s->from, s->to) || strcmp(s->from_ovr, s->to_ovr)) {
			rc = move_device(cli, r.w, s->bdf, s->to, s->to_ovr, r.timeout_ms, false,
					 &group, &what);
			if (rc && err_move(cli, NULL, s, rc, what, s->to)) {
				/* Removed while being restored: nothing left to restore. */
				vfc_journal_remove(&r.j, s->bdf);
				continue;
			}
			if (rc)
				continue;	/* the entry stays */
		} else {
			s->result = RES_ALREADY;
		}
		/* Only now that the device is back does its entry go. */
		rc = vfc_journal_remove(&r.j, s->bdf);
		if (rc) {
			err_step(s, rc, "cannot remove the journal entry", "");
			continue;
		}
		if (s->result == RES_PLANNED)
			s->result = RES_DONE;
	}
	if (bo.persist)
		persist(cli, p, "vfio-pci", true);
	rc = run_report(cli, &r);
out:
	free(ents);
	return run_end(&r, rc);
}

static const struct vfc_cmd vfc_cmd_restore = {
	.name = "restore",
	.order = 32,
	.args = "TARGET...|--all [--dry-run]",
	.summary = "put devices back on the drivers the journal recorded",
	.options = restore_options,
	.run = cmd_restore,
};
VFC_COMMAND(vfc_cmd_restore);

/* ---- apply ---- */

static struct {
	int check, diff;
	char *device;
} ao;

static const struct poptOption apply_options[] = {
	{ "check", 0, POPT_ARG_NONE, &ao.check, 0,
	  "change nothing, print nothing; exit 8 when the host differs from the file", NULL },
	{ "diff", 0, POPT_ARG_NONE, &ao.diff, 0,
	  "print what would change (exit 8 when anything would)", NULL },
	{ "device", 0, POPT_ARG_STRING, &ao.device, 0,
	  "only this device (the udev rule passes the added one)", "BDF" },
	{ "timeout", 't', POPT_ARG_DOUBLE, &bo.timeout, 0,
	  "seconds to wait for each device (default 10)", "S" },
	POPT_TABLEEND
};

static int cmd_apply(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	struct vfc_conf_entry *ents = NULL;
	struct vfc_pciaddr only;
	struct run r = RUN_INIT;
	struct plan *p = &r.p;
	char path[PATH_MAX];
	const char *why = NULL;
	size_t nent = 0;
	int rc, bad_line;
	bool dry = ao.check || ao.diff, differs = false;

	if (cli->list_columns) {
		out_list_columns(&act_schema, stdout);
		return VFC_EXIT_OK;
	}
	if (argc > 1)
		return vfc_usage_error("apply: one CONF file at most");
	if (ao.check && ao.diff)
		return vfc_usage_error("apply: --check and --diff are mutually exclusive");
	if (ao.device && (why = vfc_pciaddr_parse(ao.device, &only)))
		return vfc_usage_error("--device: %s: %s", ao.device, why);
	if ((rc = parse_timeout(&r.timeout_ms)) || (rc = vfc_check_columns(cli, &act_schema)))
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
	if (!dry && (rc = lock_journal(cli, &r.j)))
		goto out;
	rc = scan_topology(cli, &r.t);
	if (rc)
		goto out;
	for (size_t i = 0; i < nent; i++) {
		struct vfc_conf_entry *e = &ents[i];
		struct vfc_device **devs;
		size_t nd, first = p->n;
		uid_t uid = (uid_t)-1;
		gid_t gid = (gid_t)-1;
		const char *bad;

		if (vfc_topology_resolve(r.t, &e->match, &devs, &nd))
			continue;	/* not in this machine (now): nothing to do */
		if (ao.device) {
			size_t k = 0;

			for (size_t x = 0; x < nd; x++)
				if (devs[x]->is_pci && !vfc_pciaddr_cmp(&devs[x]->addr, &only))
					devs[k++] = devs[x];
			nd = k;
		}
		if (e->owner[0] && owner_lookup(e->owner, &uid, &gid, &bad)) {
			vfc_err(path, 0, "line %d: no such user or group '%s'", e->line, bad);
			free(devs);
			rc = VFC_EXIT_USAGE;
			goto out;
		}
		if (nd && !vfc_driver_exists(&cli->ctx, e->driver)) {
			vfc_err(e->driver, 0, "no such PCI driver (line %d of %s)", e->line, path);
			free(devs);
			rc = VFC_EXIT_UNSUPPORTED;
			goto out;
		}
		plan_bind(cli, r.t, p, devs, nd, false, e->driver);
		free(devs);
		for (size_t k = first; k < p->n; k++) {
			p->v[k].has_owner = e->owner[0] != '\0';
			p->v[k].uid = uid;
			p->v[k].gid = gid;
			if (p->v[k].result == RES_PLANNED || p->v[k].result == RES_ALREADY)
				set_reason(&p->v[k], "%s%s (line %d)",
					   p->v[k].result == RES_ALREADY ? "already as configured: " : "",
					   e->match_text, e->line);
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		differs |= p->v[i].result == RES_PLANNED;
		if (p->v[i].result == RES_REFUSED && !ao.check)
			vfc_err(p->v[i].bdf, 0, "refused: %s", p->v[i].reason);
	}
	if (ao.check) {
		rc = differs ? VFC_EXIT_PROBLEMS : VFC_EXIT_OK;
		goto out;
	}
	if (ao.diff) {
		rc = run_report(cli, &r);
		if (!rc && differs)
			rc = VFC_EXIT_PROBLEMS;
		goto out;
	}
	run_start(cli, &r);
	for (size_t i = 0; i < p->n; i++) {
		int sig;

		if (p->v[i].result != RES_PLANNED)
			continue;
		do_bind_step(cli, &r.j, r.w, &p->v[i], r.timeout_ms, (uid_t)-1, (gid_t)-1);
		if ((sig = signal_pending())) {
			skip_rest(p->v, p->n, i, sig);
			break;
		}
	}
	set_nodes(cli, p, (uid_t)-1, (gid_t)-1);
	rc = run_report(cli, &r);
out:
	free(ents);
	return run_end(&r, rc);
}

static const struct vfc_cmd vfc_cmd_apply = {
	.name = "apply",
	.order = 33,
	.args = "[--check|--diff] [CONF]",
	.summary = "make the bindings match vfioctl.conf (idempotent; run at boot)",
	.options = apply_options,
	.run = cmd_apply,
};
VFC_COMMAND(vfc_cmd_apply);
