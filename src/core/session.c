// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/session.h"
#include "core/util.h"

bool vfc_session_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > VFC_SESSION_NAME_MAX || !isalpha((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

struct vfc_session_domain *vfc_session_find(struct vfc_session *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

int vfc_session_add(struct vfc_session *s, const char *name, struct vfc_domain *d,
		    const struct vfc_domain_req *req, struct vfc_domain_targets *t)
{
	struct vfc_session_domain *sd;

	if (!vfc_session_name_ok(name))
		return -EINVAL;
	if (vfc_session_find(s, name))
		return -EEXIST;
	sd = VFC_APPEND(s->v, s->n);
	if (!sd)
		return -ENOMEM;
	strcpy(sd->name, name);
	sd->d = d;
	sd->req = *req;
	sd->t = *t;
	memset(t, 0, sizeof(*t));
	return 0;
}

static int destroy_at(struct vfc_session *s, size_t i, struct vfc_err *e)
{
	int rc = vfc_domain_destroy(s->v[i].d, e);

	vfc_domain_targets_free(&s->v[i].t);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	if (!--s->n) {
		free(s->v);
		s->v = NULL;
	}
	return rc;
}

int vfc_session_destroy(struct vfc_session *s, const char *name, struct vfc_err *e)
{
	struct vfc_session_domain *sd = vfc_session_find(s, name);

	if (!sd)
		return -ENOENT;
	return destroy_at(s, (size_t)(sd - s->v), e);
}

int vfc_session_end(struct vfc_session *s, struct vfc_err *e)
{
	int first = 0;

	/* Newest first: a later domain may have been built around what an earlier one left. */
	while (s->n) {
		int rc = destroy_at(s, s->n - 1, first ? NULL : e);

		if (rc && !first)
			first = rc;
	}
	return first;
}
