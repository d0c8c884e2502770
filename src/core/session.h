/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The named domains of a batch session (vfioctl batch / shell): real core domains that live
 * from `domain create NAME` until `domain destroy NAME` or the end of the session, which tears
 * every one down in the core's safe order, newest first.
 */
#ifndef VFC_SESSION_H
#define VFC_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/domain.h"

#define VFC_SESSION_NAME_MAX 32

struct vfc_session_domain {
	char name[VFC_SESSION_NAME_MAX + 1];
	struct vfc_domain *d;
	struct vfc_domain_req req;	/* as requested: show reports requested next to granted */
	struct vfc_domain_targets t;	/* the groups and devices it was made of */
};

struct vfc_session {
	struct vfc_session_domain *v;	/* in creation order */
	size_t n;
};

/*
 * A domain name: a letter, then letters, digits, '_' or '-', at most VFC_SESSION_NAME_MAX.
 * No target can look like that (targets are numbers or hold ':'), so `show d0` is never
 * ambiguous. Pure.
 */
bool vfc_session_name_ok(const char *name);
struct vfc_session_domain *vfc_session_find(struct vfc_session *s, const char *name);
/*
 * Add a created domain under name; on success the session owns d and the contents of *t
 * (t is emptied). -EINVAL: not a name; -EEXIST: taken; -ENOMEM. On failure nothing is taken.
 */
int vfc_session_add(struct vfc_session *s, const char *name, struct vfc_domain *d,
		    const struct vfc_domain_req *req, struct vfc_domain_targets *t);
/* Tear one down and forget it (forgotten even when the teardown reports an error). */
int vfc_session_destroy(struct vfc_session *s, const char *name, struct vfc_err *e);
/* Tear every domain down, newest first; returns the first error. The session is empty after. */
int vfc_session_end(struct vfc_session *s, struct vfc_err *e);

#endif
