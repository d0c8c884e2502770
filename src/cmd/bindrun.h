/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What bind, unbind, restore and apply share on the command line: the action table, the
 * parse of targets and --timeout, root and the writers' lock, the printer of what the engine
 * (core/bindplan.c) reports, the refusals, and the exit code of a plan.
 */
#ifndef VFC_CMD_BINDRUN_H
#define VFC_CMD_BINDRUN_H

#include "core/bindplan.h"
#include "vfioctl.h"

/* The action table's schema, for the commands' records (--list-columns, -o). */
extern const struct out_schema *const bindrun_schemas[];
/*
 * What a bind-family command may use: sysfs writes and /dev/vfio opens by a non-root admin
 * (DAC_OVERRIDE), the holders in other users' /proc/PID/fd (DAC_READ_SEARCH, SYS_PTRACE),
 * chown of /dev/vfio/N (bind --owner, apply owner=) and config space past 64 bytes
 * (SYS_ADMIN).
 */
#define BINDRUN_CAP_LIST CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_CHOWN, CAP_SYS_ADMIN
#define VFC_BINDRUN_NCAPS 5
extern const int bindrun_caps[VFC_BINDRUN_NCAPS];
/* The part of bind's, unbind's and restore's records they share: the table and the caps. */
#define BINDRUN_RECORD .schemas = bindrun_schemas, .caps = bindrun_caps, .ncaps = VFC_BINDRUN_NCAPS
/* `--list-columns`: the action table's columns (the legacy form; apply until converted). */
int bindrun_list_columns(void);
/* -o against the action table: 0 or VFC_EXIT_USAGE (printed). */
int bindrun_check_columns(const struct vfc_cli *cli);
/* --timeout S into ms: 0 or VFC_EXIT_USAGE (printed). */
int bindrun_timeout(double seconds, int *ms);

/* An engine run whose reports are printed as vfioctl's messages; force: --force. */
void bindrun_init(struct vfc_cli *cli, struct vfc_bindrun *r, bool force);
/*
 * The targets (at least one when cmd names the command), --timeout and -o: 0 or a usage exit
 * code. Sets r->group_target.
 */
int bindrun_parse(struct vfc_cli *cli, const char *cmd, int argc, const char **argv,
		  double timeout, struct vfc_bindrun *r);
/* The writers' lock (VFIOCTL_LOCK_WAIT=S seconds, default 120): 0 or an exit code. */
int bindrun_lock(struct vfc_bindrun *r);
/* The topology snapshot: 0 or an exit code. */
int bindrun_scan(struct vfc_bindrun *r);
/*
 * Root and the lock (not for dry_run: the plan is then only printed), then the topology and
 * the targets' devices, planned under the lock so that a concurrent run cannot change what
 * the plan is based on. 0 or an exit code.
 */
int bindrun_prepare(const char *what, int argc, const char **argv, bool group_mode,
		    bool dry_run, struct vfc_bindrun *r);
/* "vfioctl: BDF: refused: REASON" for each refused step. */
void bindrun_refusals(const struct vfc_bindplan *p);
/* The action table of a plan (for a document of its own); *code: its exit code. */
struct out_table *bindrun_table(const struct vfc_bindplan *p, int *code);
/* The table of what happened, then a held signal may end the process. The exit code. */
int bindrun_report(struct vfc_cli *cli, struct vfc_bindrun *r);
/* Free the run; returns rc. */
int bindrun_end(struct vfc_bindrun *r, int rc);

#endif
