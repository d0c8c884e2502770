// SPDX-License-Identifier: GPL-2.0-or-later
/* reset_method and d3cold_allowed from vfioctl.conf, journalled; see devattr.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bindplan.h"
#include "core/conf.h"
#include "core/devattr.h"
#include "core/driver.h"
#include "core/sriov.h"
#include "core/util.h"

#define ATTR_JPREFIX "attr."
#define DEV	     "/sys/bus/pci/devices/%s/"

bool vfc_devattr_wanted(const struct vfc_conf_entry *e)
{
	return e && (e->reset_method[0] || e->d3cold >= 0);
}

/* The device's values now: reset_method (""), d3cold_allowed (-1) when not asked for. */
static int current(const struct vfc_ctx *ctx, const char *bdf, bool rm, bool d3, char *method,
		   size_t len, int *d3cold)
{
	int64_t v = -1;
	ssize_t n;

	method[0] = '\0';
	*d3cold = -1;
	if (rm && (n = vfc_read_attr(ctx, method, len, DEV "reset_method", bdf)) < 0)
		return (int)n;
	if (d3 && vfc_read_s64(ctx, &v, DEV "d3cold_allowed", bdf))
		return vfc_exists(ctx, DEV "d3cold_allowed", bdf) == 1 ? -EIO : -ENOENT;
	*d3cold = (int)v;
	return 0;
}

int vfc_devattr_drift(const struct vfc_ctx *ctx, const char *bdf, const struct vfc_conf_entry *e,
		      char *what, size_t len)
{
	char method[128];
	int d3, rc = current(ctx, bdf, e->reset_method[0], e->d3cold >= 0, method, sizeof(method),
			     &d3);
	int n = 0;

	what[0] = '\0';
	if (rc)
		return rc;
	if (e->reset_method[0] && strcmp(method, e->reset_method))
		n = snprintf(what, len, "reset_method '%s' -> '%s'", method, e->reset_method);
	if (e->d3cold >= 0 && d3 != e->d3cold && n >= 0 && (size_t)n < len)
		snprintf(what + n, len - (size_t)n, "%sd3cold_allowed %d -> %d", n ? "; " : "", d3,
			 e->d3cold);
	return what[0] ? 1 : 0;
}

static int jpath(const struct vfc_ctx *ctx, char *buf, size_t len, const char *bdf)
{
	return vfc_path(ctx, buf, len, VFC_JOURNAL_DIR "/" ATTR_JPREFIX "%s", bdf) ? -ENAMETOOLONG
										   : 0;
}

/* The journalled values: "reset_method LIST|-" and "d3cold_allowed N" (-1: not journalled). */
static int jget(const struct vfc_ctx *ctx, const char *bdf, char *method, size_t len, int *d3)
{
	char buf[512], m[128];
	ssize_t n =
		vfc_read_attr(ctx, buf, sizeof(buf), VFC_JOURNAL_DIR "/" ATTR_JPREFIX "%s", bdf);

	if (n < 0)
		return (int)n;
	if (sscanf(buf, "version 1\nd3cold_allowed %d\nreset_method %127[^\n]", d3, m) != 2 ||
	    *d3 < -1 || *d3 > 1)
		return -EINVAL;
	snprintf(method, len, "%s", strcmp(m, "-") ? m : "");
	return 0;
}

int vfc_devattr_set(struct vfc_journal *j, const char *bdf, const struct vfc_conf_entry *e)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[256], method[128], jm[128];
	int d3, jd3, rc, n;

	if (j->lockfd < 0)
		return -ENOLCK;
	rc = current(j->ctx, bdf, e->reset_method[0], e->d3cold >= 0, method, sizeof(method), &d3);
	if (rc)
		return rc;
	/* the first values vfioctl saw stay the ones to restore */
	if (jget(j->ctx, bdf, jm, sizeof(jm), &jd3)) {
		if ((rc = jpath(j->ctx, path, sizeof(path), bdf)) ||
		    vfc_path(j->ctx, tmp, sizeof(tmp),
			     VFC_JOURNAL_DIR "/." ATTR_JPREFIX "%s.tmp.%d", bdf, (int)getpid()))
			return rc ? rc : -ENAMETOOLONG;
		n = snprintf(buf, sizeof(buf), "version 1\nd3cold_allowed %d\nreset_method %s\n",
			     d3, method[0] ? method : "-");
		if ((rc = vfc_write_atomic(tmp, path, buf, (size_t)n, 0600)))
			return rc;
	}
	if (e->d3cold >= 0 && d3 != e->d3cold &&
	    (rc = vfc_write_attr(j->ctx, e->d3cold ? "1" : "0", DEV "d3cold_allowed", bdf)))
		return rc;
	if (e->reset_method[0] && strcmp(method, e->reset_method))
		rc = vfc_write_attr(j->ctx, e->reset_method, DEV "reset_method", bdf);
	return rc;
}

/* Put bdf's journalled values back (dry: say what only); what says what. */
static int restore_one(struct vfc_bindrun *r, const char *bdf, bool dry, char *what, size_t len)
{
	char jm[128], method[128];
	int jd3, d3, rc = jget(r->ctx, bdf, jm, sizeof(jm), &jd3);
	int n = 0;

	what[0] = '\0';
	if (rc)
		return rc;
	if (vfc_exists(r->ctx, "/sys/bus/pci/devices/%s", bdf) != 1) {
		snprintf(what, len, "attributes: the device is gone, journal entry dropped");
	} else {
		if ((rc = current(r->ctx, bdf, jm[0], jd3 >= 0, method, sizeof(method), &d3)))
			return rc;
		if (jm[0] && strcmp(method, jm))
			n = snprintf(what, len, "reset_method '%s' -> '%s'", method, jm);
		if (jd3 >= 0 && d3 != jd3 && n >= 0 && (size_t)n < len)
			snprintf(what + n, len - (size_t)n, "%sd3cold_allowed %d -> %d",
				 n ? "; " : "", d3, jd3);
		if (dry)
			return 0;
		if (jd3 >= 0 && d3 != jd3 &&
		    (rc = vfc_write_attr(r->ctx, jd3 ? "1" : "0", DEV "d3cold_allowed", bdf)))
			return rc;
		if (jm[0] && strcmp(method, jm) &&
		    (rc = vfc_write_attr(r->ctx, jm, DEV "reset_method", bdf)))
			return rc;
	}
	if (dry)
		return 0;
	{
		char path[PATH_MAX];

		if ((rc = jpath(r->ctx, path, sizeof(path), bdf)))
			return rc;
		return unlink(path) && errno != ENOENT ? -errno : 0;
	}
}

/* Every device with an entry (vfc_strv_free). */
static int jlist(const struct vfc_ctx *ctx, char ***out)
{
	struct vfc_names names;
	size_t k = 0, plen = strlen(ATTR_JPREFIX);
	int rc = vfc_list_dir(ctx, &names, VFC_JOURNAL_DIR);

	*out = NULL;
	if (rc == -ENOENT)
		return (*out = calloc(1, sizeof(char *))) ? 0 : -ENOMEM;
	if (rc)
		return rc;
	if (!(*out = calloc(names.n + 1, sizeof(char *)))) {
		vfc_names_free(&names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < names.n; i++) {
		struct vfc_pciaddr a;

		if (!strncmp(names.v[i], ATTR_JPREFIX, plen) &&
		    !vfc_pciaddr_parse(names.v[i] + plen, &a) &&
		    ((*out)[k] = strdup(names.v[i] + plen)))
			k++;
	}
	vfc_names_free(&names);
	return 0;
}

int vfc_devattr_restore(struct vfc_bindrun *r, bool all, bool dry)
{
	char **v = NULL, what[300];
	int rc = jlist(r->ctx, &v), first = 0;

	if (rc)
		return rc;
	for (size_t i = 0; v[i]; i++) {
		struct vfc_bind_step *s = NULL;
		const struct vfc_device *d = NULL;
		struct vfc_pciaddr a;
		bool wanted = all;
		size_t len;

		for (size_t k = 0; k < r->n && !wanted; k++)
			wanted = !strcmp(r->devs[k]->name, v[i]);
		if (!wanted)
			continue;
		rc = restore_one(r, v[i], dry, what, sizeof(what));
		for (size_t k = 0; k < r->p.n && !s; k++)
			if (!strcmp(r->p.v[k].bdf, v[i]))
				s = &r->p.v[k];
		if (!s) {
			if (!vfc_pciaddr_parse(v[i], &a))
				d = vfc_topology_device(r->t, &a);
			if (!(s = vfc_sriov_row(r, v[i], d, false))) {
				rc = -ENOMEM;
				break;
			}
			s->action = VFC_ACT_RESTORE;
			s->result = VFC_RES_ALREADY;
		}
		len = strlen(s->reason);
		if (rc) {
			snprintf(s->reason + len, sizeof(s->reason) - len, "%sattributes: %s",
				 len ? "; " : "", strerror(-rc));
			s->result = VFC_RES_FAILED;
			s->fault = VFC_FAULT_ERRNO;
			s->err = rc;
			first = first ? first : rc;
			continue;
		}
		if (!what[0])
			continue;
		snprintf(s->reason + len, sizeof(s->reason) - len, "%s%s", len ? "; " : "", what);
		if (s->result == VFC_RES_ALREADY)
			s->result = dry ? VFC_RES_PLANNED : VFC_RES_DONE;
	}
	vfc_strv_free(v);
	return rc == -ENOMEM ? rc : first;
}
