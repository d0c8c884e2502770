// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bind transaction (see bindplan.h): planning rules, moving devices, the journal, the
 * group rollback, held signals, --persist and the owners of the group nodes.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/bindplan.h"
#include "core/cdi.h"
#include "core/safety.h"
#include "core/sriov.h"
#include "core/util.h"
#include "core/variant.h"

const char *const vfc_bind_action_name[] = { "none", "bind", "unbind", "restore" };
const char *const vfc_bind_result_name[] = { "planned", "done", "already", "skipped", "refused",
					     "failed", "rolled-back" };

static void say(struct vfc_bindrun *r, enum vfc_bind_level level, const char *subject, int err,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void say(struct vfc_bindrun *r, enum vfc_bind_level level, const char *subject, int err,
		const char *fmt, ...)
{
	char text[PATH_MAX + 1024];
	va_list ap;

	if (!r->report)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->report(r->report_data, level, subject, err, text);
}

void vfc_bindrun_init(struct vfc_bindrun *r, const struct vfc_ctx *ctx)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->j.lockfd = -1;
	r->timeout_ms = 10000;
}

void vfc_bindrun_free(struct vfc_bindrun *r)
{
	vfc_waiter_free(r->w);
	r->w = NULL;
	free(r->devs);
	r->devs = NULL;
	r->n = 0;
	free(r->p.v);
	r->p.v = NULL;
	r->p.n = 0;
	vfc_topology_free(r->t);
	r->t = NULL;
	vfc_journal_unlock(&r->j);
}

/* ---- the test hook: VFIOCTL_TEST_PAUSE_AFTER (see bindplan.h) ---- */

/* Counted over the process (a batch's bind lines count on), as the lab's suites expect. */
static int steps_done;

static void step_hook(struct vfc_bindrun *r)
{
	const char *s = getenv("VFIOCTL_TEST_PAUSE_AFTER");

	steps_done++;
	if (s && atoi(s) == steps_done) {
		say(r, VFC_BIND_INFO, "test hook", 0, "paused after step %d", steps_done);
		raise(SIGSTOP);
	}
}

/* ---- termination signals: held back while devices move (see bindplan.h) ---- */

void vfc_bindrun_start(struct vfc_bindrun *r)
{
	r->w = vfc_waiter_new(r->ctx);
	sigemptyset(&r->held);
	sigaddset(&r->held, SIGINT);
	sigaddset(&r->held, SIGTERM);
	sigaddset(&r->held, SIGHUP);
	sigaddset(&r->held, SIGQUIT);
	sigprocmask(SIG_BLOCK, &r->held, NULL);
	r->holding = true;
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

void vfc_bindrun_release(struct vfc_bindrun *r)
{
	int sig;

	if (!r->holding)
		return;
	sig = signal_pending();
	if (sig)
		signal(sig, SIG_DFL);
	r->holding = false;
	sigprocmask(SIG_UNBLOCK, &r->held, NULL);
}

/* Mark the steps after i skipped because sig arrived; say so once. */
static void skip_rest(struct vfc_bindrun *r, size_t i, int sig)
{
	struct vfc_bindplan *p = &r->p;

	for (size_t k = i + 1; k < p->n; k++)
		if (p->v[k].result == VFC_RES_PLANNED) {
			p->v[k].result = VFC_RES_SKIPPED;
			snprintf(p->v[k].reason, sizeof(p->v[k].reason), "interrupted (%s)",
				 strsignal(sig));
		}
	say(r, VFC_BIND_ERR, "signal", 0, "%s: stopping after the device in progress",
	    strsignal(sig));
}

/* ---- steps ---- */

static struct vfc_bind_step *plan_add(struct vfc_bindplan *p, const struct vfc_device *d)
{
	struct vfc_bind_step *s;

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].bdf, d->name))
			return NULL;	/* named twice (a BDF and its group): one step */
	s = VFC_APPEND(p->v, p->n);
	if (!s)
		return NULL;
	snprintf(s->bdf, sizeof(s->bdf), "%.23s", d->name);
	s->vendor = d->vendor;
	s->device = d->device;
	s->group = d->group;
	snprintf(s->from, sizeof(s->from), "%s", d->driver ? d->driver : "");
	snprintf(s->from_ovr, sizeof(s->from_ovr), "%s",
		 d->driver_override ? d->driver_override : "");
	return s;
}

static void set_reason(struct vfc_bind_step *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct vfc_bind_step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	if (s->removes_vfs > 0) {
		size_t n = strlen(s->reason);

		snprintf(s->reason + n, sizeof(s->reason) - n, "; removes %d VFs (--force)",
			 s->removes_vfs);
	}
}

/* A step that moves nothing: its result and why. */
static void leave(struct vfc_bind_step *s, enum vfc_bind_result res, const char *reason)
{
	s->result = res;
	set_reason(s, "%s", reason);
}

static void refuse(struct vfc_bind_step *s, enum vfc_bind_fault fault, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct vfc_bind_step *s, enum vfc_bind_fault fault, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	s->result = VFC_RES_REFUSED;
	s->fault = fault;
}

static void fail_errno(struct vfc_bind_step *s, int rc)
{
	s->fault = VFC_FAULT_ERRNO;
	s->err = rc;
}

/* A process holding the device's group: refuse (busy) naming it. */
static bool refuse_if_held(struct vfc_bind_step *s, const struct vfc_topology *t)
{
	const struct vfc_group *g = s->group >= 0 ? vfc_topology_group(t, s->group) : NULL;

	if (!g || !g->nholders || getenv("VFIOCTL_TEST_IGNORE_HOLDERS"))
		return false;
	refuse(s, VFC_FAULT_BUSY, "group %d is in use by pid %d (%s) holding %s", g->id,
	       (int)g->holders[0].pid, g->holders[0].comm, g->holders[0].path);
	return true;
}

static bool refuse_if_critical(struct vfc_bindrun *r, struct vfc_bind_step *s)
{
	char why[300];
	int n = vfc_safety_check(r->ctx, s->bdf, why, sizeof(why));

	if (n <= 0)
		return false;
	if (r->force) {
		say(r, VFC_BIND_WARN, s->bdf, 0, "host-critical (%s): going ahead because of --force",
		    why);
		return false;
	}
	refuse(s, VFC_FAULT_BUSY, "host-critical: %s (--force overrides)", why);
	return true;
}

/*
 * A PF with VFs: moving it off its driver destroys them (the driver's remove disables
 * SR-IOV). Refused (busy) when a process holds a VF, whatever --force says; otherwise only
 * with --force, and the step's reason says how many VFs go.
 */
static bool refuse_if_pf(struct vfc_bindrun *r, struct vfc_bind_step *s)
{
	char why[300];
	size_t held;
	int n = vfc_sriov_pf_vfs(r->t, s->bdf, &held, why, sizeof(why));

	if (n <= 0 || !s->from[0])
		return false;
	if (held) {
		refuse(s, VFC_FAULT_BUSY, "PF: moving it removes its %d VFs, and %s", n, why);
		return true;
	}
	if (!r->force) {
		refuse(s, VFC_FAULT_BUSY, "PF: moving it removes its %d VFs (--force does it)", n);
		return true;
	}
	s->removes_vfs = n;
	say(r, VFC_BIND_WARN, s->bdf, 0, "PF: removes its %d VFs, because of --force", n);
	return false;
}

/* The step moves the device, unless a holder or the host needs it: true when it may. */
static bool plan_move(struct vfc_bindrun *r, struct vfc_bind_step *s, enum vfc_bind_action a)
{
	s->action = a;
	return !refuse_if_held(s, r->t) && !refuse_if_pf(r, s) && !refuse_if_critical(r, s);
}

int vfc_owner_lookup(const char *spec, uid_t *uid, gid_t *gid, const char **bad)
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
			return -EINVAL;
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
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- the lock, the snapshot, the targets ---- */

int vfc_bindrun_lock(struct vfc_bindrun *r, int wait_ms)
{
	int rc = vfc_journal_lock(r->ctx, &r->j, wait_ms);

	if (!rc)
		vfc_journal_sweep(&r->j);
	return rc;
}

int vfc_bindrun_scan(struct vfc_bindrun *r)
{
	return vfc_topology_scan(r->ctx, VFC_SCAN_HOLDERS, &r->t);
}

int vfc_bindrun_collect(struct vfc_bindrun *r, int argc, const char **argv, bool group_mode)
{
	struct vfc_device **v = NULL;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		struct vfc_device **devs;
		struct vfc_target tg;
		size_t nd;

		vfc_target_parse(argv[i], &tg);
		if (vfc_topology_resolve(r->t, &tg, &devs, &nd)) {
			say(r, VFC_BIND_ERR, argv[i], 0, "%s", vfc_target_nomatch(&tg));
			free(v);
			return -ENODEV;
		}
		for (size_t k = 0; k < nd; k++) {
			const struct vfc_group *g = NULL;
			size_t m = 1;

			if ((group_mode || tg.kind == VFC_TARGET_GROUP) && devs[k]->group >= 0) {
				g = vfc_topology_group(r->t, devs[k]->group);
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
					say(r, VFC_BIND_ERR, NULL, -ENOMEM, "cannot plan");
					return -ENOMEM;
				}
				v = nv;
				v[n++] = d;
			}
		}
		free(devs);
	}
	r->devs = v;
	r->n = n;
	return 0;
}

int vfc_bindplan_noiommu(struct vfc_bindrun *r, const char *drv, bool allowed)
{
	char yn[8];

	if (allowed || !vfc_driver_is_vfio(drv) ||
	    vfc_read_attr(r->ctx, yn, sizeof(yn),
			  "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode") <= 0 ||
	    (yn[0] != 'Y' && yn[0] != '1'))
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct vfc_group *g = vfc_topology_group(r->t, r->devs[i]->group);

		if (r->devs[i]->group != VFC_NO_GROUP && (!g || !g->noiommu))
			continue;
		say(r, VFC_BIND_ERR, r->devs[i]->name, 0, "has no IOMMU: vfio would give it a "
		    "no-IOMMU group (UNSAFE: no isolation, it can DMA anywhere); say "
		    "--unsafe-noiommu to bind it anyway");
		return -EPERM;
	}
	return 0;
}

/* ---- planning ---- */

void vfc_bindplan_bind(struct vfc_bindrun *r, struct vfc_device **devs, size_t n,
		       bool group_mode, const char *drv)
{
	struct vfc_bindplan *p = &r->p;

	for (size_t i = 0; i < n; i++) {
		struct vfc_device *d = devs[i];
		struct vfc_bind_step *s;

		if (!d->is_pci)
			continue;	/* ARM platform members: not ours to bind */
		s = plan_add(p, d);
		if (!s)
			continue;
		snprintf(s->to, sizeof(s->to), "%s", drv);
		snprintf(s->to_ovr, sizeof(s->to_ovr), "%s", drv);
		s->result = VFC_RES_PLANNED;
		if (d->is_bridge || d->is_host_bridge) {
			if (group_mode) {
				s->result = VFC_RES_SKIPPED;
				set_reason(s, "%s, left alone", d->is_bridge ? "bridge" : "host bridge");
			} else {
				refuse(s, VFC_FAULT_FAILED, "is a bridge: vfioctl binds endpoints only");
			}
			continue;
		}
		if (d->driver && !strcmp(d->driver, drv)) {
			s->result = VFC_RES_ALREADY;
			set_reason(s, "already on %s", drv);
			continue;
		}
		if (group_mode && d->driver && !strcmp(d->driver, "pci-stub")) {
			leave(s, VFC_RES_SKIPPED, "on pci-stub (DMA-safe), left alone");
			continue;
		}
		if (plan_move(r, s, VFC_ACT_BIND))
			set_reason(s, group_mode ? "member of group %d (--group)" : "target", d->group);
	}
	/* A group bind must leave the group viable; say so before touching anything. */
	if (group_mode) {
		for (size_t i = 0; i < n; i++) {
			struct vfc_device *d = devs[i];
			bool planned = false;

			for (size_t k = 0; k < p->n; k++)
				planned |= !strcmp(p->v[k].bdf, d->name) &&
					   p->v[k].action == VFC_ACT_BIND;
			if (planned || vfc_driver_dma_safe(d->driver))
				continue;
			for (size_t k = 0; k < p->n; k++)
				if (!strcmp(p->v[k].bdf, d->name) && p->v[k].result != VFC_RES_REFUSED)
					refuse(&p->v[k], VFC_FAULT_NOT_VIABLE,
					       "%s on host driver %s keeps group %d not viable; unbind "
					       "it first", d->is_bridge ? "bridge" : "device",
					       d->driver, d->group);
		}
	}
}

void vfc_bindplan_bind_targets(struct vfc_bindrun *r, bool group_mode, const char *drv)
{
	struct vfc_bindplan *p = &r->p;

	p->transaction = group_mode;
	if (!r->drivers)
		vfc_bindplan_bind(r, r->devs, r->n, group_mode, drv);
	for (size_t i = 0; r->drivers && i < r->n; i++) {
		size_t first = p->n;

		/* one device at a time is the same plan: each device's checks are its own */
		vfc_bindplan_bind(r, &r->devs[i], 1, group_mode, r->drivers[i]);
		for (size_t k = first; k < p->n && r->notes && r->notes[i][0]; k++)
			if (p->v[k].result == VFC_RES_PLANNED) {
				size_t len = strlen(p->v[k].reason);

				snprintf(p->v[k].reason + len, sizeof(p->v[k].reason) - len, "%s%s",
					 len ? "; " : "", r->notes[i]);
			}
	}
	if (p->transaction && vfc_bindplan_refused(p))
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].result == VFC_RES_PLANNED)
				p->v[i].result = VFC_RES_SKIPPED;
}

void vfc_bindplan_unbind(struct vfc_bindrun *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct vfc_device *d = r->devs[i];
		struct vfc_bind_step *s;

		if (!d->is_pci || !(s = plan_add(&r->p, d)))
			continue;
		s->result = VFC_RES_PLANNED;
		if (!d->driver) {
			leave(s, VFC_RES_ALREADY, "already without a driver");
			continue;
		}
		/* A group names what vfioctl bound: only its members on vfio drivers. */
		if (r->group_target && !vfc_driver_is_vfio(d->driver)) {
			leave(s, VFC_RES_SKIPPED, "not on a vfio driver, left alone");
			continue;
		}
		/*
		 * As bind: endpoints only. A bridge's driver (pcieport) carries hotplug, AER and
		 * power management for everything behind it; taking it away is rarely meant.
		 */
		if (d->is_bridge || d->is_host_bridge) {
			const char *what = d->is_bridge ? "bridge" : "host bridge";

			if (!r->force) {
				refuse(s, VFC_FAULT_FAILED,
				       "is a %s: unbinding %s affects every device behind it "
				       "(--force overrides)", what, d->driver);
				continue;
			}
			say(r, VFC_BIND_WARN, s->bdf, 0,
			    "a %s: unbinding %s because of --force", what, d->driver);
		}
		if (plan_move(r, s, VFC_ACT_UNBIND))
			set_reason(s, "target");
	}
}

/* A journal entry whose device is gone (or replaced): only the entry goes. */
static void plan_gone(struct vfc_bind_step *s, const char *why)
{
	s->action = VFC_ACT_RESTORE;
	s->result = VFC_RES_PLANNED;
	s->gone = true;
	set_reason(s, "%s", why);
}

static void plan_restore(struct vfc_bindrun *r, const struct vfc_jentry *ents, size_t nent,
			 bool all)
{
	struct vfc_bindplan *p = &r->p;

	/* Targets without an entry: say there is nothing to do for them. */
	for (size_t i = 0; i < r->n; i++) {
		bool has = false;
		struct vfc_bind_step *s;

		for (size_t k = 0; k < nent; k++)
			has |= !strcmp(ents[k].bdf, r->devs[i]->name);
		if (has || !r->devs[i]->is_pci || !(s = plan_add(p, r->devs[i])))
			continue;
		leave(s, VFC_RES_ALREADY, "no journal entry: vfioctl did not change it");
	}
	for (size_t k = 0; k < nent; k++) {
		const struct vfc_jentry *e = &ents[k];
		struct vfc_pciaddr a;
		struct vfc_device *d, tmp;
		bool wanted = all;
		struct vfc_bind_step *s;

		for (size_t i = 0; i < r->n; i++)
			wanted |= !strcmp(r->devs[i]->name, e->bdf);
		if (!wanted)
			continue;
		vfc_pciaddr_parse(e->bdf, &a);
		d = vfc_topology_device(r->t, &a);
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
			if (s)
				plan_gone(s, "device is gone (removed): nothing to restore, journal "
					     "entry dropped");
			continue;
		}
		s = plan_add(p, d);
		if (!s)
			continue;
		if (e->instance && e->instance != vfc_device_instance(r->ctx, e->bdf)) {
			/* Removed and added again since: probed afresh, its state is its own. */
			plan_gone(s, "the device journalled here was removed since (this one was "
				     "added after): nothing to restore, journal entry dropped");
			continue;
		}
		snprintf(s->to, sizeof(s->to), "%s", e->driver);
		snprintf(s->to_ovr, sizeof(s->to_ovr), "%s", e->override);
		s->action = VFC_ACT_RESTORE;
		s->result = VFC_RES_PLANNED;
		if ((e->vendor >= 0 && e->vendor != d->vendor) ||
		    (e->device >= 0 && e->device != d->device)) {
			refuse(s, VFC_FAULT_FAILED,
			       "journal is for %04x:%04x, the device is now %04x:%04x; entry kept",
			       (unsigned)e->vendor, (unsigned)e->device, (unsigned)d->vendor,
			       (unsigned)d->device);
			continue;
		}
		if (!strcmp(s->from, s->to) && !strcmp(s->from_ovr, s->to_ovr)) {
			set_reason(s, "already where the journal says");
			continue;	/* only the entry goes */
		}
		if (refuse_if_held(s, r->t) || refuse_if_pf(r, s))
			continue;
		set_reason(s, "journal (by pid %lld)", (long long)e->pid);
	}
}

void vfc_bindplan_default(struct vfc_bindrun *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct vfc_device *d = r->devs[i];
		struct vfc_bind_step *s;

		if (!d->is_pci || !(s = plan_add(&r->p, d)))
			continue;
		s->action = VFC_ACT_RESTORE;
		s->result = VFC_RES_PLANNED;
		s->to[0] = s->to_ovr[0] = '\0';	/* the kernel's choice: known once probed */
		if (!s->from_ovr[0] && s->from[0] && !vfc_driver_is_vfio(s->from)) {
			leave(s, VFC_RES_ALREADY, "no driver_override: already the kernel's choice");
			snprintf(s->to, sizeof(s->to), "%s", s->from);
			continue;
		}
		if (d->is_bridge || d->is_host_bridge) {
			refuse(s, VFC_FAULT_FAILED, "is a bridge: vfioctl moves endpoints only");
			continue;
		}
		if (plan_move(r, s, VFC_ACT_RESTORE))
			set_reason(s, "--default: driver_override cleared, the kernel probes it");
	}
}

int vfc_bindplan_restore(struct vfc_bindrun *r, bool all, size_t *nbad)
{
	struct vfc_jentry *ents = NULL;
	size_t nent = 0;
	int rc = vfc_journal_list(r->ctx, &ents, &nent, nbad);

	if (!rc)
		plan_restore(r, ents, nent, all);
	free(ents);
	return rc;
}

int vfc_bindplan_apply(struct vfc_bindrun *r, const struct vfc_conf_entry *ents, size_t nent,
		       const struct vfc_pciaddr *only, struct vfc_apply_error *err)
{
	struct vfc_bindplan *p = &r->p;

	for (size_t i = 0; i < nent; i++) {
		const struct vfc_conf_entry *e = &ents[i];
		struct vfc_device **devs;
		size_t nd, first = p->n;
		uid_t uid = (uid_t)-1;
		gid_t gid = (gid_t)-1;
		const char *bad;

		if (!e->binds)
			continue;	/* a PF's vfs=/autoprobe= line: vfc_sriov_apply's */
		if (vfc_topology_resolve(r->t, &e->match, &devs, &nd))
			continue;	/* not in this machine (now): nothing to do */
		if (only) {
			size_t k = 0;

			for (size_t x = 0; x < nd; x++)
				if (devs[x]->is_pci && !vfc_pciaddr_cmp(&devs[x]->addr, only))
					devs[k++] = devs[x];
			nd = k;
		}
		if (e->owner[0] && vfc_owner_lookup(e->owner, &uid, &gid, &bad)) {
			free(devs);
			*err = (struct vfc_apply_error){ VFC_APPLY_OWNER, e, bad };
			return -EINVAL;
		}
		if (nd && !vfc_driver_exists(r->ctx, e->driver) &&
		    !(r->loadable_driver && !strcmp(r->loadable_driver, e->driver))) {
			free(devs);
			*err = (struct vfc_apply_error){ VFC_APPLY_DRIVER, e, NULL };
			return -EOPNOTSUPP;
		}
		vfc_bindplan_bind(r, devs, nd, false, e->driver);
		free(devs);
		for (size_t k = first; k < p->n; k++) {
			struct vfc_bind_step *s = &p->v[k];

			s->conf = e;
			s->has_owner = e->owner[0] != '\0';
			s->uid = uid;
			s->gid = gid;
			if (s->result == VFC_RES_PLANNED || s->result == VFC_RES_ALREADY)
				set_reason(s, "%s%s (line %d)",
					   s->result == VFC_RES_ALREADY ? "already as configured: " : "",
					   e->match_text, e->line);
		}
	}
	return 0;
}

static bool plan_has(const struct vfc_bindplan *p, enum vfc_bind_result res)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].result == res)
			return true;
	return false;
}

bool vfc_bindplan_failed(const struct vfc_bindplan *p)
{
	return plan_has(p, VFC_RES_FAILED);
}

bool vfc_bindplan_refused(const struct vfc_bindplan *p)
{
	return plan_has(p, VFC_RES_REFUSED);
}

bool vfc_bindplan_differs(const struct vfc_bindplan *p)
{
	return plan_has(p, VFC_RES_PLANNED);
}

/* ---- acting ---- */

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

/* Record where the device belongs before the first write; an existing entry is older, keep it. */
static int journal_record(struct vfc_journal *j, struct vfc_bind_step *s)
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

/* Where a device goes, and how a move is waited for. */
struct move {
	const char *bdf;
	const char *drv;		/* "" = no driver */
	const char *ovr;		/* driver_override to set ("" clears it) */
	bool hooks;			/* the test hooks apply (bind and apply) */
	int group;			/* out: the device's group once there (-1: none) */
	const char *what;		/* out: the step that failed, for the message */
};

/* Put a device on m->drv (or none) with m->ovr: set the override, leave the driver, probe, wait. */
static int move_device(struct vfc_bindrun *r, struct move *m)
{
	char cur[VFC_DRIVER_NAME_MAX];
	const char *fail = getenv("VFIOCTL_TEST_FAIL_BDF");
	int rc;

	m->group = -1;	/* every early return below leaves the caller a defined value */
	m->what = "cannot set driver_override";
	rc = vfc_driver_override_set(r->ctx, m->bdf, m->ovr);
	if (rc)
		return rc;
	if (m->hooks)
		step_hook(r);
	m->what = "cannot unbind from its driver";
	rc = vfc_driver_current(r->ctx, m->bdf, cur, sizeof(cur));
	if (!rc && cur[0] && strcmp(cur, m->drv))
		rc = vfc_driver_unbind(r->ctx, m->bdf, r->timeout_ms);
	if (rc)
		return rc;
	if (m->hooks)
		step_hook(r);
	if (m->hooks && fail && !strcmp(fail, m->bdf)) {
		m->what = "injected failure (VFIOCTL_TEST_FAIL_BDF)";
		return -EIO;
	}
	m->what = "cannot probe";
	if (m->drv[0] && strcmp(cur, m->drv)) {
		rc = vfc_driver_probe(r->ctx, m->bdf);
		if (rc)
			return rc;
	}
	if (m->hooks)
		step_hook(r);
	m->what = m->drv[0] ? "did not come up on its driver" : "did not leave its driver";
	return vfc_driver_wait(r->w, r->ctx, m->bdf, m->drv,
			       m->drv[0] && vfc_driver_is_vfio(m->drv), r->timeout_ms, &m->group);
}

/* Hot-unplugged (or removed through sysfs) while we worked on it? */
static bool device_gone(struct vfc_bindrun *r, const char *bdf)
{
	return vfc_exists(r->ctx, "/sys/bus/pci/devices/%s", bdf) == 0;
}

static void err_step(struct vfc_bindrun *r, struct vfc_bind_step *s, int rc, const char *what,
		     const char *drv)
{
	const char *sp = drv[0] ? " " : "";

	if (rc == -ETIMEDOUT)
		set_reason(s, "%s%s%s within the timeout", what, sp, drv);
	else
		set_reason(s, "%s%s%s: %s", what, sp, drv, strerror(-rc));
	say(r, VFC_BIND_ERR, s->bdf, rc == -ETIMEDOUT ? 0 : rc, "%s%s%s%s", what, sp, drv,
	    rc == -ETIMEDOUT ? " within the timeout (--timeout)" : "");
	s->result = VFC_RES_FAILED;
	/* An unbind that does not finish means the driver is in use; other timeouts failed. */
	if (rc != -ETIMEDOUT)
		fail_errno(s, rc);
	else
		s->fault = strstr(what, "unbind") ? VFC_FAULT_BUSY : VFC_FAULT_FAILED;
}

/*
 * A failed move: when the device vanished under us (hot-unplug), that, not the sysfs error,
 * is the story (no such device); a new device at that address starts afresh, so nothing
 * remains to put back and the journal entry this run made goes. Returns true when the
 * device is gone.
 */
static bool err_move(struct vfc_bindrun *r, struct vfc_journal *j, struct vfc_bind_step *s,
		     int rc, const char *what, const char *drv)
{
	const char *sp = drv[0] ? " " : "";

	if (!device_gone(r, s->bdf)) {
		err_step(r, s, rc, what, drv);
		return false;
	}
	set_reason(s, "device was removed (%s%s%s: %s)", what, sp, drv, strerror(-rc));
	say(r, VFC_BIND_ERR, s->bdf, 0, "device was removed while it was being moved (%s%s%s: %s)",
	    what, sp, drv, strerror(-rc));
	s->result = VFC_RES_FAILED;
	fail_errno(s, -ENODEV);
	if (j && s->journal_new && !vfc_journal_remove(j, s->bdf))
		s->journal_new = false;
	return true;
}

/* Put a device back where it was before this run; drop the journal entry this run made. */
static int rollback_step(struct vfc_bindrun *r, struct vfc_bind_step *s)
{
	struct move m = { .bdf = s->bdf, .drv = s->from, .ovr = s->from_ovr };
	int rc = 0;

	if (s->touched && !device_gone(r, s->bdf))
		rc = move_device(r, &m);
	if (rc && device_gone(r, s->bdf))
		rc = 0;		/* removed meanwhile: nothing is left to put back */
	if (rc) {
		say(r, VFC_BIND_ERR, s->bdf, rc == -ETIMEDOUT ? 0 : rc, "rollback: %s %s%s", m.what,
		    s->from[0] ? s->from : "(none)", rc == -ETIMEDOUT ? " in time" : "");
		return rc;	/* the journal entry stays: `restore` can try again */
	}
	if (s->journal_new)
		vfc_journal_remove(&r->j, s->bdf);
	return 0;
}

static void bind_step(struct vfc_bindrun *r, struct vfc_bind_step *s)
{
	struct move m = { .bdf = s->bdf, .drv = s->to, .ovr = s->to_ovr, .hooks = true };
	int rc = journal_record(&r->j, s);

	if (rc) {
		err_step(r, s, rc, "cannot write the journal", "");
		return;
	}
	step_hook(r);
	s->touched = true;
	rc = move_device(r, &m);
	if (m.group >= 0)
		s->group = m.group;
	if (rc) {
		err_move(r, &r->j, s, rc, m.what, s->to);
		return;
	}
	s->result = VFC_RES_DONE;
	if (!s->reason[0])
		set_reason(s, "target");
}

/* The group nodes of the devices now on vfio drivers, and their owners. */
static void set_nodes(struct vfc_bindrun *r, uid_t uid0, gid_t gid0)
{
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		uid_t uid = uid0;
		gid_t gid = gid0;
		int rc;

		if (s->result != VFC_RES_DONE && s->result != VFC_RES_ALREADY)
			continue;
		if (!vfc_driver_is_vfio(s->to))
			continue;
		s->group = vfc_device_group(r->ctx, s->bdf);
		if (vfc_group_node(r->ctx, s->group, s->node, sizeof(s->node)))
			s->node[0] = '\0';
		if (s->has_owner) {
			uid = s->uid;
			gid = s->gid;
		}
		if ((uid != (uid_t)-1 || gid != (gid_t)-1) && s->node[0]) {
			rc = vfc_group_node_chown(r->ctx, s->group, uid, gid);
			if (rc) {
				say(r, VFC_BIND_ERR, s->node, rc, "cannot change the owner (--owner)");
				fail_errno(s, rc);
			}
		}
	}
}

/* After a bind without --group: a group that is still not viable is a problem. */
static void check_viable(struct vfc_bindrun *r)
{
	struct vfc_topology *t;

	if (vfc_topology_scan(r->ctx, 0, &t))
		return;
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		const struct vfc_group *g;

		if ((s->result != VFC_RES_DONE && s->result != VFC_RES_ALREADY) || s->fault)
			continue;
		g = vfc_topology_group(t, s->group);
		if (!g || g->viable || !g->nblockers)
			continue;
		say(r, VFC_BIND_ERR, s->bdf, 0, "group %d is not viable: %s %s (use --group)", g->id,
		    g->blockers[0].dev->name, g->blockers[0].reason);
		s->fault = VFC_FAULT_NOT_VIABLE;
	}
	vfc_topology_free(t);
}

/* Is this device in the plan, going to (or already on) a driver by this plan? */
static bool plan_binds(const struct vfc_bindplan *p, const char *bdf)
{
	for (size_t k = 0; k < p->n; k++)
		if (!strcmp(p->v[k].bdf, bdf) && !p->v[k].fault &&
		    (p->v[k].result == VFC_RES_PLANNED || p->v[k].result == VFC_RES_ALREADY) &&
		    vfc_driver_is_vfio(p->v[k].to))
			return true;
	return false;
}

void vfc_bindplan_predict(struct vfc_bindrun *r)
{
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		const struct vfc_group *g;

		if ((s->result != VFC_RES_PLANNED && s->result != VFC_RES_ALREADY) || s->fault ||
		    !vfc_driver_is_vfio(s->to))
			continue;
		g = s->group >= 0 ? vfc_topology_group(r->t, s->group) : NULL;
		if (!g || g->viable)
			continue;
		/* The same verdict check_viable gives after a real run: the first blocker left. */
		for (size_t b = 0; b < g->nblockers; b++) {
			const struct vfc_blocker *bl = &g->blockers[b];

			if (plan_binds(&r->p, bl->dev->name))
				continue;
			say(r, VFC_BIND_ERR, s->bdf, 0,
			    "group %d would stay not viable: %s %s (use --group)", g->id,
			    bl->dev->name, bl->reason);
			s->fault = VFC_FAULT_NOT_VIABLE;
			break;
		}
	}
}

void vfc_bindplan_persist(struct vfc_bindrun *r, const char *drv, bool remove)
{
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		size_t len = strlen(s->reason);

		if ((s->result != VFC_RES_PLANNED && s->result != VFC_RES_ALREADY) || s->fault)
			continue;
		if (!remove && strcmp(drv, VFC_DRIVER_AUTO) && strcmp(s->to, drv))
			continue;
		snprintf(s->reason + len, sizeof(s->reason) - len, "%s%s %s (--persist)",
			 len ? "; " : "", remove ? "line dropped from" : "recorded in", VFC_CONF_PATH);
	}
}

/* --persist: record (or drop) the devices in ROOT/etc/vfioctl.conf, by BDF. Under the lock. */
static void persist(struct vfc_bindrun *r, const char *drv, const char *owner, bool remove)
{
	char path[PATH_MAX];

	if (vfc_path(r->ctx, path, sizeof(path), VFC_CONF_PATH))
		return;
	for (size_t i = 0; i < r->p.n; i++) {
		struct vfc_bind_step *s = &r->p.v[i];
		bool changed;
		int rc;

		if ((s->result != VFC_RES_DONE && s->result != VFC_RES_ALREADY) || s->fault)
			continue;
		if (!remove && strcmp(drv, VFC_DRIVER_AUTO) && strcmp(s->to, drv))
			continue;
		if (remove && s->action != VFC_ACT_UNBIND && s->action != VFC_ACT_RESTORE &&
		    s->result != VFC_RES_ALREADY)
			continue;
		rc = vfc_conf_set(path, s->bdf, remove ? drv : s->to, owner, remove, &changed);
		if (rc) {
			say(r, VFC_BIND_ERR, path, rc, "cannot %s %s (--persist)",
			    remove ? "remove" : "record", s->bdf);
			fail_errno(s, rc);
		} else if (changed && r->verbose) {
			say(r, VFC_BIND_WARN, s->bdf, 0, "%s %s", remove ? "removed from" : "recorded in",
			    path);
		}
	}
}

/*
 * The hook after a run that writes: once per run, also when every device was found where it
 * belongs already (a restore after someone else moved it back is still a change to follow).
 */
static void changed(struct vfc_bindrun *r)
{
	r->changed_rc = vfc_bindplan_changed(r->ctx);
}

int vfc_bindplan_changed(const struct vfc_ctx *ctx)
{
	return vfc_cdi_refresh(ctx);
}

/* All or nothing: every device this run touched up to step i goes back, newest first. */
static void roll_back(struct vfc_bindrun *r, size_t i, int sig)
{
	struct vfc_bindplan *p = &r->p;
	struct vfc_bind_step *s = &p->v[i];

	for (size_t k = i + 1; k-- > 0;) {
		struct vfc_bind_step *b = &p->v[k];

		if (b->result != VFC_RES_DONE && b->result != VFC_RES_FAILED)
			continue;
		if (rollback_step(r, b) == 0 && (b != s || b->result == VFC_RES_DONE))
			b->result = VFC_RES_ROLLED_BACK;
		else if (b == s && !b->touched && b->journal_new)
			vfc_journal_remove(&r->j, b->bdf);
	}
	for (size_t k = i + 1; k < p->n; k++)
		if (p->v[k].result == VFC_RES_PLANNED)
			p->v[k].result = VFC_RES_SKIPPED;
	if (sig)
		say(r, VFC_BIND_ERR, "signal", 0, "%s: the group bind was rolled back",
		    strsignal(sig));
	else
		say(r, VFC_BIND_ERR, s->bdf, 0, "group bind failed here; every device was put back");
}

void vfc_bindrun_bind(struct vfc_bindrun *r, bool group_mode, uid_t uid, gid_t gid,
		      const char *persist_drv, const char *owner)
{
	struct vfc_bindplan *p = &r->p;

	for (size_t i = 0; i < p->n; i++) {
		struct vfc_bind_step *s = &p->v[i];
		int sig;

		if (s->result != VFC_RES_PLANNED)
			continue;
		bind_step(r, s);
		sig = signal_pending();
		if ((s->result == VFC_RES_FAILED || sig) && p->transaction) {
			roll_back(r, i, sig);
			break;
		}
		/*
		 * Without --group a failed device stays where the failure left it (rolling it
		 * back could fail the same way, and the user may want to look): its journal entry
		 * keeps where it belongs, and the message says how to go back.
		 */
		if (s->result == VFC_RES_FAILED && s->touched && !device_gone(r, s->bdf))
			say(r, VFC_BIND_ERR, s->bdf, 0,
			    "left as the failure left it (journalled): `vfioctl restore %s` puts it "
			    "back on %s", s->bdf, s->from[0] ? s->from : "no driver");
		if (sig) {
			skip_rest(r, i, sig);
			break;
		}
	}
	set_nodes(r, uid, gid);
	if (!group_mode)
		check_viable(r);
	if (persist_drv && !(p->transaction && vfc_bindplan_failed(p)) && !signal_pending())
		persist(r, persist_drv, owner, false);
	changed(r);
}

/* The planned steps in order, each by step(); a held signal skips the rest. */
typedef void step_fn(struct vfc_bindrun *r, struct vfc_bind_step *s);

static void each_planned(struct vfc_bindrun *r, step_fn *step)
{
	struct vfc_bindplan *p = &r->p;

	for (size_t i = 0; i < p->n; i++) {
		int sig;

		if (p->v[i].result != VFC_RES_PLANNED)
			continue;
		step(r, &p->v[i]);
		if ((sig = signal_pending())) {
			skip_rest(r, i, sig);
			break;
		}
	}
}

/* each_planned, then --persist and the after-change hook. */
static void run_steps(struct vfc_bindrun *r, step_fn *step, bool do_persist)
{
	each_planned(r, step);
	if (do_persist)
		persist(r, "vfio-pci", NULL, true);
	changed(r);
}

static void unbind_step(struct vfc_bindrun *r, struct vfc_bind_step *s)
{
	struct move m = { .bdf = s->bdf, .drv = "", .ovr = "" };
	int rc = journal_record(&r->j, s);

	if (rc) {
		err_step(r, s, rc, "cannot write the journal", "");
		return;
	}
	s->touched = true;
	rc = move_device(r, &m);
	if (rc)
		err_move(r, &r->j, s, rc, m.what, "");
	else
		s->result = VFC_RES_DONE;
}

void vfc_bindrun_unbind(struct vfc_bindrun *r, bool do_persist)
{
	run_steps(r, unbind_step, do_persist);
}

void vfc_bindrun_restore(struct vfc_bindrun *r, bool do_persist)
{
	struct vfc_bindplan *p = &r->p;

	for (size_t i = 0; i < p->n; i++) {
		struct vfc_bind_step *s = &p->v[i];
		struct move m = { .bdf = s->bdf, .drv = s->to, .ovr = s->to_ovr };
		int rc, sig = 0;

		if (i && (sig = signal_pending())) {
			skip_rest(r, i - 1, sig);
			break;
		}
		if (s->action != VFC_ACT_RESTORE || s->result != VFC_RES_PLANNED)
			continue;
		if (s->gone) {
			/* Only the entry goes. */
		} else if (strcmp(s->from, s->to) || strcmp(s->from_ovr, s->to_ovr)) {
			s->touched = true;
			rc = move_device(r, &m);
			if (rc && err_move(r, NULL, s, rc, m.what, s->to)) {
				/* Removed while being restored: nothing left to restore. */
				vfc_journal_remove(&r->j, s->bdf);
				continue;
			}
			if (rc)
				continue;	/* the entry stays */
		} else {
			s->result = VFC_RES_ALREADY;
		}
		/* Only now that the device is back does its entry go. */
		rc = vfc_journal_remove(&r->j, s->bdf);
		if (rc) {
			err_step(r, s, rc, "cannot remove the journal entry", "");
			continue;
		}
		if (s->result == VFC_RES_PLANNED)
			s->result = VFC_RES_DONE;
	}
	if (do_persist)
		persist(r, "vfio-pci", NULL, true);
	changed(r);
}

static void default_step(struct vfc_bindrun *r, struct vfc_bind_step *s)
{
	char cur[VFC_DRIVER_NAME_MAX] = "";
	const char *what = "cannot clear driver_override";
	int rc;

	s->touched = true;
	rc = vfc_driver_override_set(r->ctx, s->bdf, "");
	if (!rc && !vfc_driver_current(r->ctx, s->bdf, cur, sizeof(cur)) && cur[0]) {
		what = "cannot unbind from its driver";
		rc = vfc_driver_unbind(r->ctx, s->bdf, r->timeout_ms);
	}
	if (!rc) {
		/*
		 * drivers_probe binds synchronously (drivers that probe asynchronously may come
		 * up just after): what the device is on now is the result.
		 */
		what = "cannot probe";
		rc = vfc_driver_probe(r->ctx, s->bdf);
	}
	if (rc) {
		err_move(r, NULL, s, rc, what, "");
		return;
	}
	if (vfc_driver_current(r->ctx, s->bdf, s->to, sizeof(s->to)))
		s->to[0] = '\0';
	s->result = VFC_RES_DONE;
	if (!s->to[0])
		set_reason(s, "--default: no driver claimed it");
}

void vfc_bindrun_default(struct vfc_bindrun *r, bool do_persist)
{
	run_steps(r, default_step, do_persist);
}

void vfc_bindrun_apply(struct vfc_bindrun *r)
{
	each_planned(r, bind_step);
	set_nodes(r, (uid_t)-1, (gid_t)-1);
	changed(r);
}
