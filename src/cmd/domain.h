/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the commands that build domains share (src/cmd/domain.c, exec.c, session.c): domain, exec, bench
 * map (src/cmd/bench.c) and the named domains of a batch session (src/cmd/batch.c).
 */
#ifndef VFC_CMD_DOMAIN_H
#define VFC_CMD_DOMAIN_H

#include "core/domain.h"
#include "core/session.h"
#include "core/topology.h"
#include "vfioctl.h"

/*
 * Resolve TARGET words (vfc_domain_targets); on failure print why and return the exit code:
 * 2 not a target, 3 no such device or group, 8 not viable or no group. 0 on success.
 */
int vfc_cmd_targets(const struct vfc_topology *topo, int argc, const char **argv,
		    struct vfc_domain_targets *t);

/*
 * A domain the kernel refused (the caller has destroyed its half-built domain): print one line
 * and return the exit code. When another process explains the refusal (EBUSY on a group node;
 * EINVAL on a device whose cdev another process's iommufd has bound), the line names it,
 * "SUBJECT: in use: held by pid N (COMM) via PATH (WHAT: strerror)", and the exit code is 5.
 */
int vfc_cmd_domain_refused(const struct vfc_ctx *ctx, const struct vfc_err *e, int rc);

/*
 * A batch verb over the named domains of a session: `domain create d0 ...`, `map d0 ...`.
 * Not a command of its own (vfioctl map makes no sense outside a session): batch.c looks
 * the verbs up before the command table and parses their options the same way.
 */
struct vfc_session_verb {
	const char *name;		/* first word */
	const char *sub;		/* second word ("create"), or NULL: NAME comes second */
	const char *args;		/* synopsis after the words */
	const char *summary;
	const struct poptOption *options;
	bool takes_tail;		/* "--" ends the verb's words (exec) */
	bool shadows;			/* also a command: a verb only when NAME is a name */
	/* argv: the words after name (and sub), options removed; argv[0] is NAME */
	int (*run)(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv);
};

/* The verbs, ending with a record whose name is NULL. */
extern const struct vfc_session_verb vfc_domain_verbs[];

#endif
