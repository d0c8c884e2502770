// SPDX-License-Identifier: GPL-2.0-or-later
/* SR-IOV: count, autoprobe, VFs and their users, the journal of both; see sriov.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/bindplan.h"
#include "core/conf.h"
#include "core/driver.h"
#include "core/safety.h"
#include "core/sriov.h"
#include "core/util.h"

#define SRIOV_JPREFIX "sriov."

bool vfc_sriov_is_pf(const struct vfc_device *d)
{
	return d && d->is_pci && d->sriov_totalvfs >= 0;
}

static int32_t read_num(const struct vfc_ctx *ctx, const char *bdf, const char *attr)
{
	int64_t v;

	if (vfc_read_s64(ctx, &v, "/sys/bus/pci/devices/%s/%s", bdf, attr) || v < 0 ||
	    v > INT32_MAX)
		return -1;
	return (int32_t)v;
}

/* sriov_vf_device is hex without 0x ("10ed"), which vfc_read_s64 would read as decimal. */
static int32_t read_hex(const struct vfc_ctx *ctx, const char *bdf, const char *attr)
{
	char buf[32], *end;
	unsigned long v;

	if (vfc_read_attr(ctx, buf, sizeof(buf), "/sys/bus/pci/devices/%s/%s", bdf, attr) <= 0)
		return -1;
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || *end || v > 0xffff)
		return -1;
	return (int32_t)v;
}

static int vf_cmp(const void *a, const void *b)
{
	const struct vfc_sriov_vf *x = a, *y = b;

	return vfc_pciaddr_cmp(&x->dev->addr, &y->dev->addr);
}

int vfc_sriov_get(const struct vfc_topology *t, const struct vfc_device *pf, bool with_safety,
		  struct vfc_sriov_info *out)
{
	const struct vfc_ctx *ctx = t->ctx;

	memset(out, 0, sizeof(*out));
	out->j_numvfs = out->j_autoprobe = -1;
	if (!vfc_sriov_is_pf(pf))
		return -EINVAL;
	out->pf = pf;
	out->totalvfs = pf->sriov_totalvfs;
	out->numvfs = pf->sriov_numvfs;
	out->autoprobe = read_num(ctx, pf->name, "sriov_drivers_autoprobe");
	if (out->autoprobe > 1)
		out->autoprobe = 1;
	out->vf_device = read_hex(ctx, pf->name, "sriov_vf_device");
	out->offset = read_num(ctx, pf->name, "sriov_offset");
	out->stride = read_num(ctx, pf->name, "sriov_stride");
	out->journalled =
		!vfc_sriov_journal_get(ctx, pf->name, &out->j_numvfs, &out->j_autoprobe);
	out->vfs = calloc(t->ndevs ? t->ndevs : 1, sizeof(*out->vfs));
	if (!out->vfs)
		return -ENOMEM;
	for (size_t i = 0; i < t->ndevs; i++) {
		const struct vfc_device *d = t->devs[i];
		struct vfc_sriov_vf *v;

		if (!d->physfn[0] || strcmp(d->physfn, pf->name))
			continue;
		v = &out->vfs[out->nvfs++];
		v->dev = d;
		v->index = -1;
		v->group = d->group >= 0 ? vfc_topology_group(t, d->group) : NULL;
		if (v->group && v->group->nholders)
			out->nheld++;
		if (with_safety && vfc_safety_check(ctx, d->name, v->critical, sizeof(v->critical)) > 0)
			out->ncritical++;
		else
			v->critical[0] = '\0';
	}
	qsort(out->vfs, out->nvfs, sizeof(*out->vfs), vf_cmp);
	/* virtfnN: the VF index (the kernel numbers them in RID order, but say what it says) */
	for (int n = 0; out->numvfs > 0 && n < out->numvfs && n < 65536; n++) {
		char base[VFC_BDF_LEN + 8];

		if (vfc_read_link_base(ctx, base, sizeof(base), "/sys/bus/pci/devices/%s/virtfn%d",
				       pf->name, n) <= 0)
			continue;
		for (size_t k = 0; k < out->nvfs; k++)
			if (!strcmp(out->vfs[k].dev->name, base))
				out->vfs[k].index = n;
	}
	return 0;
}

void vfc_sriov_free(struct vfc_sriov_info *s)
{
	free(s->vfs);
	s->vfs = NULL;
	s->nvfs = 0;
}

static void join(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void join(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	if (*used) {
		n = snprintf(buf + *used, len - *used, "; ");
		*used += n > 0 ? (size_t)n : 0;
		if (*used >= len)
			return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	*used += n > 0 ? (size_t)n : 0;
}

size_t vfc_sriov_held_reason(const struct vfc_sriov_info *s, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < s->nvfs; i++) {
		const struct vfc_group *g = s->vfs[i].group;

		if (!g || !g->nholders)
			continue;
		n++;
		join(buf, len, &used, "VF %s (group %d) is in use by pid %d (%s) holding %s",
		     s->vfs[i].dev->name, g->id, (int)g->holders[0].pid, g->holders[0].comm,
		     g->holders[0].path);
	}
	return n;
}

size_t vfc_sriov_critical_reason(const struct vfc_sriov_info *s, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < s->nvfs; i++) {
		if (!s->vfs[i].critical[0])
			continue;
		n++;
		join(buf, len, &used, "VF %s is host-critical: %s", s->vfs[i].dev->name,
		     s->vfs[i].critical);
	}
	return n;
}

int vfc_sriov_pf_vfs(const struct vfc_topology *t, const char *pf, size_t *nheld, char *why,
		     size_t len)
{
	struct vfc_pciaddr a;
	const struct vfc_device *d;
	struct vfc_sriov_info s;
	int n;

	*nheld = 0;
	if (len)
		why[0] = '\0';
	if (vfc_pciaddr_parse(pf, &a) || !(d = vfc_topology_device(t, &a)) || !vfc_sriov_is_pf(d))
		return 0;
	if (vfc_sriov_get(t, d, false, &s))
		return d->sriov_numvfs > 0 ? d->sriov_numvfs : 0;
	*nheld = vfc_sriov_held_reason(&s, why, len);
	n = (int)s.nvfs;
	if (d->sriov_numvfs > n)
		n = d->sriov_numvfs;
	vfc_sriov_free(&s);
	return n;
}

static int count_virtfn(const struct vfc_ctx *ctx, const char *pf, int n)
{
	int k = 0;

	while (k < n && vfc_exists(ctx, "/sys/bus/pci/devices/%s/virtfn%d", pf, k) == 1)
		k++;
	return k;
}

static int write_num(const struct vfc_ctx *ctx, const char *pf, const char *attr, int v)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", v);
	return vfc_write_attr(ctx, val, "/sys/bus/pci/devices/%s/%s", pf, attr);
}

int vfc_sriov_set(const struct vfc_ctx *ctx, const char *pf, int cur, int n, int autoprobe,
		  int timeout_ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int rc, waited = 0;

	if (n < 0)
		return -EINVAL;
	if (autoprobe >= 0 && (rc = write_num(ctx, pf, "sriov_drivers_autoprobe", !!autoprobe)))
		return rc;
	if (n == cur)
		return 0;
	if (cur > 0 && n > 0 && (rc = write_num(ctx, pf, "sriov_numvfs", 0)))
		return rc;
	if ((rc = write_num(ctx, pf, "sriov_numvfs", n)))
		return rc;
	/* the kernel adds the VFs before the write returns; their links may lag on some */
	while (n > 0 && count_virtfn(ctx, pf, n) < n) {
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
		waited += 10;
	}
	return 0;
}

static int jpath(const struct vfc_ctx *ctx, char *buf, size_t len, const char *pf)
{
	struct vfc_pciaddr a;

	if (vfc_pciaddr_parse(pf, &a))
		return -EINVAL;
	return vfc_path(ctx, buf, len, VFC_JOURNAL_DIR "/" SRIOV_JPREFIX "%s", pf);
}

int vfc_sriov_journal_get(const struct vfc_ctx *ctx, const char *pf, int *numvfs, int *autoprobe)
{
	char buf[256], path[PATH_MAX];
	int fd, rc;
	ssize_t n;

	*numvfs = *autoprobe = -1;
	if ((rc = jpath(ctx, path, sizeof(path), pf)))
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "version 1\nnumvfs %d\nautoprobe %d", numvfs, autoprobe) != 2 ||
	    *numvfs < 0 || *autoprobe < -1 || *autoprobe > 1) {
		*numvfs = *autoprobe = -1;
		return -EINVAL;
	}
	return 0;
}

int vfc_sriov_journal_put(struct vfc_journal *j, const char *pf, int numvfs, int autoprobe)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[128];
	int a, b, n, rc;

	if (j->lockfd < 0)
		return -ENOLCK;
	if (!vfc_sriov_journal_get(j->ctx, pf, &a, &b))
		return 0;	/* the first state vfioctl saw stays the one to restore */
	if ((rc = jpath(j->ctx, path, sizeof(path), pf)) ||
	    vfc_path(j->ctx, tmp, sizeof(tmp), VFC_JOURNAL_DIR "/." SRIOV_JPREFIX "%s.tmp.%d", pf,
		     (int)getpid()))
		return rc ? rc : -ENAMETOOLONG;
	n = snprintf(buf, sizeof(buf), "version 1\nnumvfs %d\nautoprobe %d\npid %d\ntime %lld\n",
		     numvfs, autoprobe, (int)getpid(), (long long)time(NULL));
	return vfc_write_atomic(tmp, path, buf, (size_t)n, 0600);
}

int vfc_sriov_journal_remove(struct vfc_journal *j, const char *pf)
{
	char path[PATH_MAX];
	int rc;

	if (j->lockfd < 0)
		return -ENOLCK;
	if ((rc = jpath(j->ctx, path, sizeof(path), pf)))
		return rc;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

int vfc_sriov_journal_list(const struct vfc_ctx *ctx, char ***pfs)
{
	struct vfc_names names;
	size_t k = 0, plen = strlen(SRIOV_JPREFIX);
	char **v;
	int rc;

	*pfs = NULL;
	rc = vfc_list_dir(ctx, &names, VFC_JOURNAL_DIR);
	if (rc == -ENOENT) {
		*pfs = calloc(1, sizeof(char *));
		return *pfs ? 0 : -ENOMEM;
	}
	if (rc)
		return rc;
	v = calloc(names.n + 1, sizeof(*v));
	if (!v) {
		vfc_names_free(&names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < names.n; i++) {
		struct vfc_pciaddr a;

		if (strncmp(names.v[i], SRIOV_JPREFIX, plen) ||
		    vfc_pciaddr_parse(names.v[i] + plen, &a))
			continue;
		if (!(v[k] = strdup(names.v[i] + plen))) {
			vfc_strv_free(v);
			vfc_names_free(&names);
			return -ENOMEM;
		}
		k++;
	}
	vfc_names_free(&names);
	*pfs = v;
	return 0;
}

int vfc_sriov_restore_targets(struct vfc_bindrun *r, bool all, char ***pfs)
{
	char **v = NULL;
	size_t k = 0;
	int rc = vfc_sriov_journal_list(r->ctx, &v);

	*pfs = NULL;
	if (rc)
		return rc;
	for (size_t i = 0; v[i]; i++) {
		bool wanted = all;

		for (size_t d = 0; d < r->n && !wanted; d++)
			wanted = !strcmp(r->devs[d]->name, v[i]);
		if (!wanted) {
			free(v[i]);
			continue;
		}
		v[k++] = v[i];
		for (size_t d = 0; d < r->t->ndevs; d++) {
			struct vfc_device *vf = r->t->devs[d], **nv;
			bool dup = false;

			if (strcmp(vf->physfn, v[k - 1]))
				continue;
			for (size_t y = 0; y < r->n; y++)
				dup |= r->devs[y] == vf;
			if (dup)
				continue;
			nv = reallocarray(r->devs, r->n + 1, sizeof(*nv));
			if (!nv) {
				v[k] = NULL;
				for (size_t x = i + 1; v[x]; x++)
					free(v[x]);
				vfc_strv_free(v);
				return -ENOMEM;
			}
			r->devs = nv;
			r->devs[r->n++] = vf;
		}
	}
	v[k] = NULL;
	*pfs = v;
	return 0;
}

struct vfc_bind_step *vfc_sriov_row(struct vfc_bindrun *r, const char *pf,
				    const struct vfc_device *d, bool reuse)
{
	struct vfc_bind_step *s = NULL;

	for (size_t i = 0; reuse && i < r->p.n && !s; i++)
		if (!strcmp(r->p.v[i].bdf, pf) && r->p.v[i].action == VFC_ACT_NONE)
			s = &r->p.v[i];
	if (!s) {
		s = reallocarray(r->p.v, r->p.n + 1, sizeof(*s));
		if (!s)
			return NULL;
		r->p.v = s;
		s = &r->p.v[r->p.n++];
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->bdf, sizeof(s->bdf), "%.23s", pf);
	s->vendor = d ? d->vendor : -1;
	s->device = d ? d->device : -1;
	s->group = d ? d->group : -1;
	snprintf(s->from, sizeof(s->from), "%s", d && d->driver ? d->driver : "");
	snprintf(s->to, sizeof(s->to), "%s", s->from);
	return s;
}

/* The put-back itself; *changed: something differed from the journal. */
static int restore_one(struct vfc_bindrun *r, const char *pf, const struct vfc_device *d,
		       bool dry, char *what, size_t len, bool *changed)
{
	int jn, ja, cur, ap, rc;
	size_t used = 0;

	if ((rc = vfc_sriov_journal_get(r->ctx, pf, &jn, &ja)))
		return rc;
	if (!d) {
		snprintf(what, len, "the PF is gone: journal entry dropped");
		*changed = true;
		return dry ? 0 : vfc_sriov_journal_remove(&r->j, pf);
	}
	cur = d->sriov_numvfs;
	ap = read_num(r->ctx, pf, "sriov_drivers_autoprobe");
	if (cur != jn && cur > 0) {
		struct vfc_sriov_info s;

		if ((rc = vfc_sriov_get(r->t, d, false, &s)))
			return rc;
		if (vfc_sriov_held_reason(&s, what, len)) {
			vfc_sriov_free(&s);
			return -EBUSY;
		}
		vfc_sriov_free(&s);
	}
	if (cur != jn)
		join(what, len, &used, "sriov_numvfs %d -> %d", cur, jn);
	if (ja >= 0 && ap != ja)
		join(what, len, &used, "sriov_drivers_autoprobe %d -> %d", ap, ja);
	*changed = used > 0;
	if (!used)
		join(what, len, &used, "count %d and autoprobe %d already as journalled", jn, ja);
	if (dry)
		return 0;
	/* the count last: autoprobe decides where the journalled VFs go when they come back */
	if ((rc = vfc_sriov_set(r->ctx, pf, cur, jn, ja >= 0 && ap != ja ? ja : -1, r->timeout_ms)))
		return rc;
	return vfc_sriov_journal_remove(&r->j, pf);
}

int vfc_sriov_restore(struct vfc_bindrun *r, const char *pf, bool dry, char *what, size_t len)
{
	struct vfc_pciaddr a;
	const struct vfc_device *d = NULL;
	struct vfc_bind_step *s;
	bool changed = false;
	int rc;

	if (len)
		what[0] = '\0';
	if (!vfc_pciaddr_parse(pf, &a) && (d = vfc_topology_device(r->t, &a)) &&
	    !vfc_sriov_is_pf(d))
		d = NULL;
	rc = restore_one(r, pf, d, dry, what, len, &changed);
	/*
	 * The action table's row: the PF's driver stays, its count and autoprobe go back. It
	 * takes the place of the PF's "no journal entry" row (a target without a binding to
	 * restore); a binding restored keeps its own row.
	 */
	s = vfc_sriov_row(r, pf, d, true);
	if (!s)
		return rc ? rc : -ENOMEM;
	s->action = VFC_ACT_RESTORE;
	s->gone = !d;
	snprintf(s->reason, sizeof(s->reason), "%s", what);
	if (rc == -EBUSY) {
		s->result = VFC_RES_REFUSED;
		s->fault = VFC_FAULT_BUSY;
	} else if (rc) {
		s->result = VFC_RES_FAILED;
		s->fault = VFC_FAULT_ERRNO;
		s->err = rc;
	} else {
		s->result = dry ? VFC_RES_PLANNED : changed ? VFC_RES_DONE : VFC_RES_ALREADY;
	}
	return rc;
}

/* May the PF's VFs go? 0, or the step refused (busy) with every holder or critical VF named. */
static int apply_may_remove(struct vfc_bindrun *r, const struct vfc_device *d,
			    struct vfc_bind_step *s, const char *plan, int line)
{
	struct vfc_sriov_info info;
	char why[1200];
	int rc = vfc_sriov_get(r->t, d, true, &info);

	if (rc)
		return rc;
	if (vfc_sriov_held_reason(&info, why, sizeof(why)) ||
	    vfc_sriov_critical_reason(&info, why, sizeof(why))) {
		snprintf(s->reason, sizeof(s->reason),
			 "%.100s would remove its VFs: %.250s (line %d)", plan, why, line);
		s->result = VFC_RES_REFUSED;
		s->fault = VFC_FAULT_BUSY;
	}
	vfc_sriov_free(&info);
	return 0;
}

int vfc_sriov_apply(struct vfc_bindrun *r, const struct vfc_conf_entry *e, bool dry, bool *wrote)
{
	const struct vfc_device *d = vfc_topology_device(r->t, &e->match.addr);
	struct vfc_bind_step *s;
	char plan[200];
	size_t used = 0;
	int cur, ap, n, set_ap, rc;

	*wrote = false;
	if (!d || !d->is_pci)
		return -ENODEV;
	if (!vfc_sriov_is_pf(d))
		return -EINVAL;
	cur = d->sriov_numvfs;
	ap = read_num(r->ctx, d->name, "sriov_drivers_autoprobe");
	n = e->vfs >= 0 ? e->vfs : cur;
	set_ap = e->autoprobe >= 0 && e->autoprobe != ap ? e->autoprobe : -1;
	if (n > d->sriov_totalvfs)
		return -ERANGE;
	if (!(s = vfc_sriov_row(r, d->name, d, false)))
		return -ENOMEM;
	s->conf = e;
	plan[0] = '\0';
	if (set_ap >= 0)
		join(plan, sizeof(plan), &used, "sriov_drivers_autoprobe %d -> %d", ap, set_ap);
	if (n != cur && cur > 0 && n > 0)
		join(plan, sizeof(plan), &used, "sriov_numvfs %d -> 0 -> %d", cur, n);
	else if (n != cur)
		join(plan, sizeof(plan), &used, "sriov_numvfs %d -> %d", cur, n);
	if (!used) {
		s->result = VFC_RES_ALREADY;
		snprintf(s->reason, sizeof(s->reason), "already as configured: %d VFs%s (line %d)",
			 cur, e->autoprobe < 0 ? "" : e->autoprobe ? ", autoprobe 1" : ", autoprobe 0",
			 e->line);
		return 0;
	}
	s->result = VFC_RES_PLANNED;
	snprintf(s->reason, sizeof(s->reason), "%s (line %d)", plan, e->line);
	if (n != cur && cur > 0 && ((rc = apply_may_remove(r, d, s, plan, e->line)) || s->fault)) {
		if (rc) {
			s->result = VFC_RES_FAILED;
			s->fault = VFC_FAULT_ERRNO;
			s->err = rc;
		}
		return rc;
	}
	if (n != cur && !d->driver) {
		snprintf(s->reason, sizeof(s->reason), "%s (line %d): the PF has no driver yet; the "
			 "udev rule applies the line when one binds it", plan, e->line);
		if (!dry)
			s->result = VFC_RES_SKIPPED;
		return 0;
	}
	if (dry)
		return 0;
	rc = vfc_sriov_journal_put(&r->j, d->name, cur, ap);
	if (!rc) {
		*wrote = true;
		rc = vfc_sriov_set(r->ctx, d->name, cur, n, set_ap, r->timeout_ms);
	}
	if (rc) {
		s->result = VFC_RES_FAILED;
		s->fault = VFC_FAULT_ERRNO;
		s->err = rc;
		return rc;
	}
	s->result = VFC_RES_DONE;
	return 0;
}

int vfc_sriov_persist(const struct vfc_ctx *ctx, const char *pf, int n, int autoprobe, bool bind,
		      bool *changed)
{
	struct vfc_conf_entry e;
	char path[PATH_MAX], line[VFC_BDF_LEN + 8];
	const char *why;
	bool c = false;
	int rc;

	*changed = false;
	if (vfc_path(ctx, path, sizeof(path), VFC_CONF_PATH))
		return -ENAMETOOLONG;
	/* the PF's line first: a VF line without it is one apply explains */
	snprintf(line, sizeof(line), "%s", pf);
	if (vfc_conf_parse_line(line, &e, &why) != 1)
		return -EINVAL;
	e.vfs = n;
	e.autoprobe = autoprobe;
	e.binds = false;
	if ((rc = vfc_conf_put(path, &e, n == 0, &c)))
		return rc;
	*changed = c;
	if (!bind && n)
		return 0;
	snprintf(line, sizeof(line), "%s/vfs", pf);
	if (vfc_conf_parse_line(line, &e, &why) != 1)
		return -EINVAL;
	rc = vfc_conf_put(path, &e, n == 0, &c);
	*changed |= c;
	return rc;
}
