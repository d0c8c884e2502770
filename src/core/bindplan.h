/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bind transaction: what bind, unbind, restore and apply plan and do. A run resolves its
 * targets in one topology snapshot taken under the writers' lock, plans one step per device
 * (with the reason for what it will do, or why not), journals each device before its first
 * sysfs write, moves it (driver_override, unbind, drivers_probe, wait), and, for a group
 * bind, puts every device back when one fails. It never prints: what it has to say while it
 * works goes to the run's report function (kmod's log function), which the command prints;
 * the steps keep their results and reasons for the command's table.
 *
 * Test hooks (environment; for the lab's guest suites, not for users):
 *   VFIOCTL_TEST_PAUSE_AFTER=N  after the N-th mutating step of a bind (each device has four:
 *                               journal, driver_override, unbind, probe) report
 *                               "test hook: paused after step N" and stop (SIGSTOP) there
 *                               until continued or killed — to prove `restore` after SIGKILL,
 *                               the rollback on SIGINT/SIGTERM, and a device hot-removed in
 *                               the middle of a bind.
 *   VFIOCTL_TEST_FAIL_BDF=BDF   the bind of BDF fails (EIO) after its unbind step, before the
 *                               probe — to prove the rollback of a group transaction.
 *   VFIOCTL_TEST_IGNORE_HOLDERS=1  skip the refusal of held devices, so the guest suite can
 *                               prove that an unbind the kernel blocks (vfio-pci waits for
 *                               the holder) times out instead of hanging vfioctl.
 *
 * Signals: while devices are being moved (vfc_bindrun_start .. vfc_bindrun_release), SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT are held back. The device being moved finishes its step
 * (bounded by the timeout), a group transaction rolls back, the caller prints what happened,
 * then vfc_bindrun_release lets the signal end the process: an interrupted run never leaves
 * a device half-moved.
 */
#ifndef VFC_BINDPLAN_H
#define VFC_BINDPLAN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/conf.h"
#include "core/driver.h"
#include "core/journal.h"
#include "core/pciaddr.h"
#include "core/topology.h"

enum vfc_bind_action { VFC_ACT_NONE, VFC_ACT_BIND, VFC_ACT_UNBIND, VFC_ACT_RESTORE };
enum vfc_bind_result {
	VFC_RES_PLANNED, VFC_RES_DONE, VFC_RES_ALREADY, VFC_RES_SKIPPED, VFC_RES_REFUSED,
	VFC_RES_FAILED, VFC_RES_ROLLED_BACK
};
extern const char *const vfc_bind_action_name[];	/* "none", "bind", "unbind", "restore" */
extern const char *const vfc_bind_result_name[];	/* "planned", ... "rolled-back" */

/* Why a step did not go well; the command turns it into its exit code. */
enum vfc_bind_fault {
	VFC_FAULT_NONE,
	VFC_FAULT_ERRNO,	/* the step's err (-errno) says it */
	VFC_FAULT_FAILED,	/* refused by a rule (a bridge, a different device), or timed out */
	VFC_FAULT_BUSY,		/* in use: held, host-critical, an unbind that does not finish */
	VFC_FAULT_NOT_VIABLE,	/* the group is (or would stay) not viable */
};

struct vfc_bind_step {
	char bdf[VFC_BDF_LEN];
	int32_t vendor, device;
	int group;
	char from[VFC_DRIVER_NAME_MAX], from_ovr[VFC_DRIVER_NAME_MAX];	/* before this run */
	char to[VFC_DRIVER_NAME_MAX], to_ovr[VFC_DRIVER_NAME_MAX];	/* wanted */
	enum vfc_bind_action action;
	enum vfc_bind_result result;
	enum vfc_bind_fault fault;
	int err;			/* -errno with VFC_FAULT_ERRNO */
	char reason[400];
	char node[64];
	bool has_owner;			/* apply: this device's own owner= */
	uid_t uid;
	gid_t gid;
	bool journal_new;		/* this run created the device's journal entry */
	bool gone;			/* restore: the device no longer exists */
	bool touched;			/* a sysfs write happened */
	int removes_vfs;		/* a PF: moving it removes this many VFs (with --force) */
	const struct vfc_conf_entry *conf;	/* apply: the line of the step (NULL: none) */
};

struct vfc_bindplan {
	struct vfc_bind_step *v;
	size_t n;
	bool transaction;		/* all or nothing (bind --group) */
};

enum vfc_bind_level { VFC_BIND_ERR, VFC_BIND_WARN, VFC_BIND_INFO };
/* One line to show the user: "SUBJECT: TEXT[: strerror(err)]" (err 0: none). */
typedef void vfc_bind_report_fn(void *data, enum vfc_bind_level level, const char *subject,
				int err, const char *text);

struct vfc_bindrun {
	/* set by the caller (vfc_bindrun_init gives the defaults) */
	const struct vfc_ctx *ctx;
	vfc_bind_report_fn *report;	/* NULL: keep quiet */
	void *report_data;
	int timeout_ms;			/* per device (default 10 s) */
	bool force;			/* host-critical devices too (warned about) */
	bool verbose;			/* --persist says what it changed in the file */
	/* filled by the calls below */
	struct vfc_journal j;
	struct vfc_topology *t;
	struct vfc_device **devs;	/* the targets' devices (whole groups in group mode) */
	size_t n;
	bool group_target;		/* some target names a group (the caller's parse says) */
	/* bind --driver auto: per r->devs the driver (vfc_driver_pick) and a note for the
	   reason ("" none); NULL: the drv argument for every device */
	const char *const *drivers, *const *notes;
	/* apply's dry run: a driver not registered yet whose module would be loaded first */
	const char *loadable_driver;
	struct vfc_waiter *w;
	struct vfc_bindplan p;
	bool holding;			/* termination signals are held */
	sigset_t held;
	int changed_rc;			/* the after-change hook: <0 -errno (spec not refreshed) */
};

void vfc_bindrun_init(struct vfc_bindrun *r, const struct vfc_ctx *ctx);
void vfc_bindrun_free(struct vfc_bindrun *r);

/* The writers' lock (waiting at most wait_ms; -ETIMEDOUT), then a sweep of stale temp files. */
int vfc_bindrun_lock(struct vfc_bindrun *r, int wait_ms);
/* The topology snapshot with holders. 0 or -errno. */
int vfc_bindrun_scan(struct vfc_bindrun *r);
/*
 * Resolve targets (already validated by vfc_target_parse) into r->devs; groups, and every
 * target in group_mode, expand to all members. -ENODEV (reported) for a target that names
 * nothing here, -ENOMEM.
 */
int vfc_bindrun_collect(struct vfc_bindrun *r, int argc, const char **argv, bool group_mode);

/* "USER[:GROUP]" (names or numbers) -> ids; -1 for a part not given. -EINVAL: *bad names it. */
int vfc_owner_lookup(const char *spec, uid_t *uid, gid_t *gid, const char **bad);

/*
 * In vfio's no-IOMMU mode a device without an IOMMU group would get a noiommu group (no
 * isolation). -EPERM (reported) for the first such device unless allowed.
 */
int vfc_bindplan_noiommu(struct vfc_bindrun *r, const char *drv, bool allowed);

/* Plan: fill r->p; refusals are steps (result VFC_RES_REFUSED), not errors. */
void vfc_bindplan_bind(struct vfc_bindrun *r, struct vfc_device **devs, size_t n,
		       bool group_mode, const char *drv);
/*
 * bind's whole plan over r->devs: in group mode all or nothing (a refusal skips the rest).
 * With r->drivers each device goes to its own driver (drv is then VFC_DRIVER_AUTO).
 */
void vfc_bindplan_bind_targets(struct vfc_bindrun *r, bool group_mode, const char *drv);
void vfc_bindplan_unbind(struct vfc_bindrun *r);
/*
 * From the journal: r->devs' entries, or every entry when all. *nbad counts the entries that
 * do not parse (left alone). 0, or -errno when the journal cannot be read.
 */
int vfc_bindplan_restore(struct vfc_bindrun *r, bool all, size_t *nbad);

/*
 * restore --default: r->devs back to the driver the kernel would choose (driver_override
 * cleared, unbound, drivers_probe), journal or not: for a device someone else put on a vfio
 * driver. A device without an override on a host driver is already there.
 */
void vfc_bindplan_default(struct vfc_bindrun *r);

struct vfc_apply_error {
	enum { VFC_APPLY_OWNER = 1, VFC_APPLY_DRIVER } kind;
	const struct vfc_conf_entry *entry;
	const char *name;		/* the user or group that does not exist */
};
/*
 * vfioctl.conf's entries, for the devices of this machine (only: just that one when not
 * NULL). 0, or -EINVAL (an owner that does not exist) / -EOPNOTSUPP (no such driver) with err
 * filled; nothing is reported.
 */
int vfc_bindplan_apply(struct vfc_bindrun *r, const struct vfc_conf_entry *ents, size_t nent,
		       const struct vfc_pciaddr *only, struct vfc_apply_error *err);

/*
 * A dry run of a bind without --group: what the real run finds after it (check_viable), that a
 * group stays not viable because of a member the plan does not bind, said now (reported, the
 * step's fault VFC_FAULT_NOT_VIABLE), so the dry run exits as the real run would.
 */
void vfc_bindplan_predict(struct vfc_bindrun *r);
/*
 * --persist in the plan: the steps the real run records in (or, remove, drops from)
 * vfioctl.conf say so in their reason; bind's only for devices going to drv (any, with
 * VFC_DRIVER_AUTO: each is recorded with the driver it went to).
 */
void vfc_bindplan_persist(struct vfc_bindrun *r, const char *drv, bool remove);

bool vfc_bindplan_failed(const struct vfc_bindplan *p);	/* some step failed */
bool vfc_bindplan_refused(const struct vfc_bindplan *p);
bool vfc_bindplan_differs(const struct vfc_bindplan *p);	/* some step is planned */

/* About to change devices: the waiter for their events; termination signals held. */
void vfc_bindrun_start(struct vfc_bindrun *r);
/*
 * Execute r->p. bind: a transaction rolls back on the first failure (or a held signal);
 * uid/gid (-1: leave) own the group nodes; persist records the bound devices in
 * ROOT/etc/vfioctl.conf (with owner, the --owner text). unbind and restore: persist drops
 * them (restore --persist undoes bind --persist: the device back, and not bound at boot).
 */
void vfc_bindrun_bind(struct vfc_bindrun *r, bool group_mode, uid_t uid, gid_t gid,
		      const char *persist_drv, const char *owner);
void vfc_bindrun_unbind(struct vfc_bindrun *r, bool persist);
void vfc_bindrun_restore(struct vfc_bindrun *r, bool persist);
/* restore --default's plan; the TO of a done step is the driver that claimed the device. */
void vfc_bindrun_default(struct vfc_bindrun *r, bool persist);
void vfc_bindrun_apply(struct vfc_bindrun *r);
/* Let the held signals in: a pending one ends the process now, by its default action. */
void vfc_bindrun_release(struct vfc_bindrun *r);

/*
 * Called once after a run that changed bindings (bind, unbind, restore, apply; also a
 * rollback): what must follow a change. Today the CDI spec vfioctl owns is regenerated
 * (vfc_cdi_refresh: only if it exists). 0 or -errno.
 */
int vfc_bindplan_changed(const struct vfc_ctx *ctx);

#endif
