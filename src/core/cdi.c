// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CDI specs for vfio devices (see cdi.h). What a container needs to use a VFIO device and
 * nothing more: its device nodes with their numbers, owner and mode, and cgroup permissions
 * "rw" (no "m": a container must not create other device nodes).
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/cdi.h"
#include "core/check.h"
#include "core/util.h"
#include "out/json.h"

static const char *const backend_names[] = {
	[VFC_CDI_AUTO] = "auto",
	[VFC_CDI_LEGACY] = "legacy",
	[VFC_CDI_IOMMUFD] = "iommufd",
};

const char *vfc_cdi_backend_name(enum vfc_cdi_backend b)
{
	return (size_t)b < VFC_ARRAY_SIZE(backend_names) ? backend_names[b] : "?";
}

int vfc_cdi_backend_parse(const char *s, enum vfc_cdi_backend *b)
{
	for (size_t i = 0; s && i < VFC_ARRAY_SIZE(backend_names); i++) {
		if (!strcmp(s, backend_names[i])) {
			*b = (enum vfc_cdi_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* A name segment: starts with a letter, ends with a letter or digit, extra allowed inside. */
static const char *segment_check(const char *s, size_t len, size_t max, const char *extra,
				 const char *what)
{
	static char why[96];

	if (!len) {
		snprintf(why, sizeof(why), "the %s is empty", what);
		return why;
	}
	if (len > max) {
		snprintf(why, sizeof(why), "the %s is longer than %zu characters", what, max);
		return why;
	}
	if (!isascii((unsigned char)s[0]) || !isalpha((unsigned char)s[0])) {
		snprintf(why, sizeof(why), "the %s must begin with a letter", what);
		return why;
	}
	if (!isascii((unsigned char)s[len - 1]) || !isalnum((unsigned char)s[len - 1])) {
		snprintf(why, sizeof(why), "the %s must end with a letter or a digit", what);
		return why;
	}
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isascii(c) && isalnum(c)) && !strchr(extra, c)) {
			snprintf(why, sizeof(why), "'%c' is not allowed in the %s", c, what);
			return why;
		}
	}
	return NULL;
}

const char *vfc_cdi_kind_check(const char *kind)
{
	const char *slash = kind ? strchr(kind, '/') : NULL;
	const char *why;

	if (!slash)
		return "a kind is VENDOR/CLASS (vfioctl.io/pci)";
	/* The vendor is a DNS subdomain; the class may not have dots before CDI 0.6.0. */
	why = segment_check(kind, (size_t)(slash - kind), 253, ".-_", "vendor");
	if (!why)
		why = segment_check(slash + 1, strlen(slash + 1), 63, "-_", "class");
	return why;
}

/* ---- the model ---- */

/* "MAJ:MIN" from a sysfs `dev` attribute. */
static int read_devnum(const struct vfc_ctx *ctx, const char *attr, int64_t *maj, int64_t *min)
{
	char buf[32], *colon;
	ssize_t n = vfc_read_attr(ctx, buf, sizeof(buf), "%s", attr);

	if (n < 0)
		return (int)n;
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (vfc_parse_s64(buf, maj) || vfc_parse_s64(colon + 1, min) || *maj < 0 || *min < 0)
		return -EINVAL;
	return 0;
}

/*
 * One node: owner and mode from ROOT/path, numbers from the kernel's sysfs attribute (a
 * fixture tree has no device nodes) or else from the node itself. -ENOENT: no node.
 */
static int node_fill(const struct vfc_ctx *ctx, struct vfc_cdi_node *nd, const char *path,
		     const char *sysattr)
{
	char full[PATH_MAX];
	struct stat st;

	memset(nd, 0, sizeof(*nd));
	snprintf(nd->path, sizeof(nd->path), "%s", path);
	if (vfc_path(ctx, full, sizeof(full), "%s", path))
		return -ENAMETOOLONG;
	if (stat(full, &st))
		return -errno;
	nd->uid = st.st_uid;
	nd->gid = st.st_gid;
	nd->mode = st.st_mode & 07777;
	if (read_devnum(ctx, sysattr, &nd->major, &nd->minor)) {
		nd->major = S_ISCHR(st.st_mode) ? (int64_t)major(st.st_rdev) : -1;
		nd->minor = S_ISCHR(st.st_mode) ? (int64_t)minor(st.st_rdev) : -1;
	}
	return 0;
}

static int node_add(const struct vfc_ctx *ctx, struct vfc_cdi_device *d, const char *path,
		    const char *sysattr)
{
	struct vfc_cdi_node *v = reallocarray(d->nodes, d->nnodes + 1, sizeof(*v));
	int rc;

	if (!v)
		return -ENOMEM;
	d->nodes = v;
	rc = node_fill(ctx, &v[d->nnodes], path, sysattr);
	if (!rc)
		d->nnodes++;
	return rc;
}

/* The device's vfio cdev name ("vfio0") from its vfio-dev directory. */
static int cdev_name(const struct vfc_ctx *ctx, const char *bdf, char *buf, size_t len)
{
	struct vfc_names names;
	int rc = vfc_list_dir(ctx, &names, "/sys/bus/pci/devices/%s/vfio-dev", bdf);

	if (rc)
		return rc;
	rc = -ENOENT;
	for (size_t i = 0; i < names.n; i++) {
		if (!strncmp(names.v[i], "vfio", 4)) {
			snprintf(buf, len, "%s", names.v[i]);
			rc = 0;
			break;
		}
	}
	vfc_names_free(&names);
	return rc;
}

static bool has_cdev(const struct vfc_ctx *ctx, const char *bdf)
{
	char name[32];

	return cdev_name(ctx, bdf, name, sizeof(name)) == 0;
}

static int add_legacy_nodes(const struct vfc_ctx *ctx, struct vfc_cdi_device *d, int group)
{
	char path[64], attr[96];
	int rc = node_add(ctx, d, "/dev/vfio/vfio", "/sys/class/misc/vfio/dev");

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	snprintf(attr, sizeof(attr), "/sys/class/vfio/%d/dev", group);
	return node_add(ctx, d, path, attr);
}

static int add_cdev_node(const struct vfc_ctx *ctx, struct vfc_cdi_device *d, const char *bdf)
{
	char name[32], path[64], attr[PATH_MAX];
	int rc = cdev_name(ctx, bdf, name, sizeof(name));

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	snprintf(attr, sizeof(attr), "/sys/bus/pci/devices/%s/vfio-dev/%s/dev", bdf, name);
	return node_add(ctx, d, path, attr);
}

static struct vfc_cdi_device *dev_add(struct vfc_cdi_spec *s, const char *name, int group,
				      bool iommufd)
{
	struct vfc_cdi_device *v = reallocarray(s->devs, s->ndevs + 1, sizeof(*v));

	if (!v)
		return NULL;
	s->devs = v;
	v = &v[s->ndevs++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->group = group;
	v->iommufd = iommufd;
	return v;
}

static void dev_drop_last(struct vfc_cdi_spec *s)
{
	free(s->devs[--s->ndevs].nodes);
}

static int refuse(struct vfc_cdi_spec *s, const char *subject, enum vfc_cdi_why why,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int refuse(struct vfc_cdi_spec *s, const char *subject, enum vfc_cdi_why why,
		  const char *fmt, ...)
{
	struct vfc_cdi_refusal *v = reallocarray(s->refused, s->nrefused + 1, sizeof(*v));
	va_list ap;

	if (!v)
		return -ENOMEM;
	s->refused = v;
	v = &v[s->nrefused++];
	snprintf(v->subject, sizeof(v->subject), "%s", subject);
	v->why = why;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* Is the group refused as a whole? Then every selected member is refused with the reason. */
static int group_refusal(const struct vfc_group *g, bool ignore_holders, enum vfc_cdi_why *why,
			 char *reason, size_t len)
{
	if (g->noiommu) {
		*why = VFC_CDI_NOIOMMU;
		snprintf(reason, len, "group %d is a no-IOMMU group: nothing isolates its DMA",
			 g->id);
		return 1;
	}
	if (!g->viable) {
		*why = VFC_CDI_NOT_VIABLE;
		if (g->nblockers)
			snprintf(reason, len, "group %d is not viable: %s %s", g->id,
				 g->blockers[0].dev->name, g->blockers[0].reason);
		else
			snprintf(reason, len, "group %d is not viable", g->id);
		return 1;
	}
	if (g->nholders && !ignore_holders) {
		*why = VFC_CDI_HELD;
		snprintf(reason, len, "group %d is in use by pid %d (%s) holding %s", g->id,
			 (int)g->holders[0].pid, g->holders[0].comm, g->holders[0].path);
		return 1;
	}
	return 0;
}

/* Does the backend use iommufd for this device? auto: only without the legacy container. */
static bool use_iommufd(const struct vfc_ctx *ctx, enum vfc_cdi_backend b, const char *bdf,
			bool *fell_back)
{
	bool cdev = vfc_exists(ctx, "/dev/iommu") == 1 && has_cdev(ctx, bdf);

	switch (b) {
	case VFC_CDI_LEGACY:
		return false;
	case VFC_CDI_IOMMUFD:
		if (!cdev)
			*fell_back = true;
		return cdev;
	case VFC_CDI_AUTO:
	default:
		return cdev && vfc_exists(ctx, "/dev/vfio/vfio") != 1;
	}
}

static int cmp_ptr(const void *a, const void *b)
{
	const struct vfc_device *x = *(struct vfc_device *const *)a;
	const struct vfc_device *y = *(struct vfc_device *const *)b;

	return x < y ? -1 : x > y;
}

int vfc_cdi_build(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		  struct vfc_device *const *targets, size_t n, const char *kind,
		  enum vfc_cdi_backend backend, unsigned flags, char *const *keep,
		  struct vfc_cdi_spec *out)
{
	struct vfc_device **sel = NULL;
	size_t nsel = 0;
	bool *grp_ok = NULL, fell_back = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->kind, sizeof(out->kind), "%s", kind ? kind : VFC_CDI_KIND);
	sel = calloc((n ? n : t->ndevs) + 1, sizeof(*sel));
	grp_ok = calloc(t->ngroups + 1, sizeof(*grp_ok));
	if (!sel || !grp_ok) {
		rc = -ENOMEM;
		goto out;
	}
	/* The selection: targets (each device once, bridges of a group target left out). */
	if (n) {
		memcpy(sel, targets, n * sizeof(*sel));
		qsort(sel, n, sizeof(*sel), cmp_ptr);
		for (size_t i = 0; i < n; i++) {
			struct vfc_device *d = sel[i];

			if ((i && sel[i - 1] == d) || !d->is_pci)
				continue;
			if (!vfc_driver_is_vfio(d->driver)) {
				if (d->is_bridge || d->is_host_bridge)
					continue;
				rc = refuse(out, d->name, VFC_CDI_NOT_VFIO,
					    "is not bound to a vfio driver (%s): vfioctl bind it first",
					    d->driver ? d->driver : "no driver");
				if (rc)
					goto out;
			}
		}
		/* The vfio ones in address (topology) order, for a stable spec. */
		for (size_t i = 0; i < t->ndevs; i++) {
			struct vfc_device *d = t->devs[i];
			bool want = false;

			for (size_t k = 0; k < n && !want; k++)
				want = targets[k] == d;
			if (want && d->is_pci && vfc_driver_is_vfio(d->driver))
				sel[nsel++] = d;
		}
	} else {
		for (size_t i = 0; i < t->ndevs; i++)
			if (t->devs[i]->is_pci && vfc_driver_is_vfio(t->devs[i]->driver))
				sel[nsel++] = t->devs[i];
	}

	/* One CDI device per PCI address. */
	for (size_t i = 0; i < nsel; i++) {
		struct vfc_device *d = sel[i];
		const struct vfc_group *g = vfc_topology_group(t, d->group);
		struct vfc_cdi_device *cd;
		enum vfc_cdi_why why;
		char reason[400];
		bool fd;

		if (!g) {
			rc = refuse(out, d->name, VFC_CDI_NO_GROUP, "has no IOMMU group");
			if (rc)
				goto out;
			continue;
		}
		if (group_refusal(g, (flags & VFC_CDI_KEEP_HELD) || (keep && vfc_strv_contains(keep, d->name)),
				  &why, reason, sizeof(reason))) {
			rc = refuse(out, d->name, why, "%s", reason);
			if (rc)
				goto out;
			continue;
		}
		fd = use_iommufd(ctx, backend, d->name, &fell_back);
		cd = dev_add(out, d->name, g->id, fd);
		if (!cd) {
			rc = -ENOMEM;
			goto out;
		}
		if (fd) {
			rc = node_add(ctx, cd, "/dev/iommu", "/sys/class/misc/iommu/dev");
			if (!rc)
				rc = add_cdev_node(ctx, cd, d->name);
		} else {
			rc = add_legacy_nodes(ctx, cd, g->id);
		}
		if (rc == -ENOMEM)
			goto out;
		if (rc) {
			char missing[64];

			if (cd->nnodes == 0)
				snprintf(missing, sizeof(missing), "%s",
					 fd ? "/dev/iommu" : "/dev/vfio/vfio");
			else if (fd)
				snprintf(missing, sizeof(missing), "its vfio cdev node");
			else
				snprintf(missing, sizeof(missing), "/dev/vfio/%d", g->id);
			dev_drop_last(out);
			rc = refuse(out, d->name, VFC_CDI_NO_NODE, "%s is missing: %s", missing,
				    strerror(-rc));
			if (rc)
				goto out;
			continue;
		}
		for (size_t k = 0; k < t->ngroups; k++)
			if (&t->groups[k] == g)
				grp_ok[k] = true;
	}

	/* One CDI device per group: what every selected member of it needs. */
	for (size_t k = 0; k < t->ngroups; k++) {
		const struct vfc_group *g = &t->groups[k];
		struct vfc_cdi_device *cd;
		char name[32];
		bool fd = true;
		size_t first = SIZE_MAX;

		if (!grp_ok[k])
			continue;
		for (size_t i = 0; i < out->ndevs; i++) {
			if (out->devs[i].group != g->id)
				continue;
			if (first == SIZE_MAX)
				first = i;
			/* iommufd only when every member got its cdev (else the legacy pair) */
			fd = fd && out->devs[i].iommufd;
		}
		snprintf(name, sizeof(name), "group-%d", g->id);
		cd = dev_add(out, name, g->id, fd);
		if (!cd) {
			rc = -ENOMEM;
			goto out;
		}
		if (!fd) {
			rc = add_legacy_nodes(ctx, cd, g->id);
		} else {
			rc = node_add(ctx, cd, "/dev/iommu", "/sys/class/misc/iommu/dev");
			/* every member in the spec: their cdev nodes, in address order */
			for (size_t i = first; !rc && i < out->ndevs - 1; i++)
				if (out->devs[i].group == g->id && !strchr(out->devs[i].name, '-'))
					rc = add_cdev_node(ctx, cd, out->devs[i].name);
		}
		if (rc)
			goto out;	/* the members' nodes were there a moment ago */
	}
	out->fell_back = fell_back;
out:
	free(sel);
	free(grp_ok);
	if (rc)
		vfc_cdi_spec_free(out);
	return rc;
}

void vfc_cdi_spec_free(struct vfc_cdi_spec *s)
{
	for (size_t i = 0; i < s->ndevs; i++)
		free(s->devs[i].nodes);
	free(s->devs);
	free(s->refused);
	s->devs = NULL;
	s->refused = NULL;
	s->ndevs = s->nrefused = 0;
}

/* ---- JSON ---- */

int vfc_cdi_write_json(const struct vfc_cdi_spec *s, FILE *f)
{
	struct jw w;

	jw_init(&w, f, false);
	jw_object_open(&w, NULL);
	jw_string(&w, "cdiVersion", VFC_CDI_VERSION);
	jw_string(&w, "kind", s->kind);
	jw_array_open(&w, "devices");
	for (size_t i = 0; i < s->ndevs; i++) {
		const struct vfc_cdi_device *d = &s->devs[i];

		jw_object_open(&w, NULL);
		jw_string(&w, "name", d->name);
		jw_object_open(&w, "containerEdits");
		jw_array_open(&w, "deviceNodes");
		for (size_t k = 0; k < d->nnodes; k++) {
			const struct vfc_cdi_node *nd = &d->nodes[k];

			jw_object_open(&w, NULL);
			jw_string(&w, "path", nd->path);
			jw_string(&w, "type", "c");
			if (nd->major >= 0 && nd->minor >= 0) {
				jw_int(&w, "major", nd->major);
				jw_int(&w, "minor", nd->minor);
			}
			/* rw: open the node; no m: the container must not mknod others */
			jw_string(&w, "permissions", "rw");
			if (nd->mode >= 0)
				jw_int(&w, "fileMode", nd->mode);
			if (nd->uid >= 0)
				jw_int(&w, "uid", nd->uid);
			if (nd->gid >= 0)
				jw_int(&w, "gid", nd->gid);
			jw_object_close(&w);
		}
		jw_array_close(&w);
		jw_object_close(&w);
		jw_object_close(&w);
	}
	jw_array_close(&w);
	jw_object_close(&w);
	jw_end(&w);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/* The spec's bytes in memory (for a save that changes nothing, and for check). */
static int spec_bytes(const struct vfc_cdi_spec *s, char **buf, size_t *len)
{
	FILE *m = open_memstream(buf, len);
	int rc;

	if (!m)
		return -ENOMEM;
	rc = vfc_cdi_write_json(s, m);
	if (fclose(m) && !rc)
		rc = -ENOMEM;
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* The whole file, NUL-terminated. -errno (-ENOENT: none). */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *b = NULL;
	size_t cap = 0, n = 0;
	int rc = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n + 4097 > cap) {
			char *nb = realloc(b, cap = n + 65536);

			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
		if (n > (16u << 20)) {
			rc = -EFBIG;
			break;
		}
	}
	fclose(f);
	if (rc) {
		free(b);
		return rc;
	}
	if (!b && !(b = calloc(1, 1)))
		return -ENOMEM;
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* mkdir -p of path's directory (path absolute, already under the root). */
static int mkdir_parents(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write buf to path atomically (temp file beside it, fsync, rename). */
static int write_atomic(const char *path, const char *buf, size_t len, mode_t mode)
{
	char tmp[PATH_MAX + 32];
	const char *base = strrchr(path, '/');
	int rc = mkdir_parents(path);

	if (rc)
		return rc;
	/* ".vfioctl.json.tmp.PID": a runtime reading the directory skips dot files and
	 * names without .json/.yaml, so a half-written spec is never loaded. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.%d", (int)(base ? base - path + 1 : 0),
			     path, base ? base + 1 : path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	return vfc_write_atomic(tmp, path, buf, len, mode);
}

static int owned_path(const struct vfc_ctx *ctx, const char *path, char *buf, size_t len)
{
	if (path) {
		if ((size_t)snprintf(buf, len, "%s", path) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return vfc_path(ctx, buf, len, VFC_CDI_SPEC_PATH);
}

int vfc_cdi_save(const struct vfc_ctx *ctx, const char *path, const struct vfc_cdi_spec *s,
		 bool *changed)
{
	char full[PATH_MAX], *want = NULL, *have = NULL;
	size_t wlen = 0, hlen = 0;
	int rc;

	if (changed)
		*changed = false;
	rc = owned_path(ctx, path, full, sizeof(full));
	if (rc)
		return rc;
	if (!s->ndevs) {
		/* CDI requires at least one device: no devices, no file. */
		if (unlink(full) == 0) {
			if (changed)
				*changed = true;
			return 0;
		}
		return errno == ENOENT ? 0 : -errno;
	}
	rc = spec_bytes(s, &want, &wlen);
	if (rc)
		return rc;
	if (read_file(full, &have, &hlen) == 0 && hlen == wlen && !memcmp(have, want, wlen)) {
		free(have);
		free(want);
		return 0;
	}
	free(have);
	rc = write_atomic(full, want, wlen, 0644);
	free(want);
	if (!rc && changed)
		*changed = true;
	return rc;
}

/* ---- the owned spec: state, refresh, check ---- */

int vfc_cdi_state_save(const struct vfc_ctx *ctx, const struct vfc_cdi_spec *s,
		       enum vfc_cdi_backend b)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if (vfc_path(ctx, path, sizeof(path), VFC_CDI_STATE_PATH))
		return -ENAMETOOLONG;
	m = open_memstream(&buf, &len);
	if (!m)
		return -ENOMEM;
	fprintf(m, "kind %s\nbackend %s\n", s->kind, vfc_cdi_backend_name(b));
	for (size_t i = 0; i < s->ndevs; i++)
		fprintf(m, "device %s\n", s->devs[i].name);
	if (fclose(m)) {
		free(buf);
		return -ENOMEM;
	}
	rc = write_atomic(path, buf, len, 0644);
	free(buf);
	return rc;
}

void vfc_cdi_state_free(struct vfc_cdi_state *st)
{
	vfc_strv_free(st->devices);
	st->devices = NULL;
}

int vfc_cdi_state_read(const struct vfc_ctx *ctx, struct vfc_cdi_state *st)
{
	char path[PATH_MAX], *buf = NULL, *line, *save = NULL;
	size_t len, n = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	snprintf(st->kind, sizeof(st->kind), "%s", VFC_CDI_KIND);
	st->backend = VFC_CDI_AUTO;
	if (vfc_path(ctx, path, sizeof(path), VFC_CDI_STATE_PATH))
		return -ENAMETOOLONG;
	rc = read_file(path, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	st->devices = calloc(len / 8 + 2, sizeof(*st->devices));	/* "device X" is >= 8 */
	if (!st->devices) {
		free(buf);
		return -ENOMEM;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "kind ", 5) && !vfc_cdi_kind_check(line + 5)) {
			snprintf(st->kind, sizeof(st->kind), "%s", line + 5);
		} else if (!strncmp(line, "backend ", 8)) {
			(void)vfc_cdi_backend_parse(line + 8, &st->backend);
		} else if (!strncmp(line, "device ", 7) && line[7]) {
			st->devices[n] = strdup(line + 7);
			if (!st->devices[n]) {
				vfc_cdi_state_free(st);
				free(buf);
				return -ENOMEM;
			}
			n++;
		}
	}
	free(buf);
	return 1;
}

int vfc_cdi_refresh(const struct vfc_ctx *ctx)
{
	struct vfc_topology *t = NULL;
	struct vfc_cdi_state st;
	struct vfc_cdi_spec s;
	int rc = vfc_cdi_state_read(ctx, &st);

	if (rc <= 0)
		return rc;
	rc = vfc_topology_scan(ctx, VFC_SCAN_HOLDERS, &t);
	if (!rc)
		rc = vfc_cdi_build(ctx, t, NULL, 0, st.kind, st.backend, 0, st.devices, &s);
	if (!rc) {
		rc = vfc_cdi_save(ctx, NULL, &s, NULL);
		if (!rc)
			rc = vfc_cdi_state_save(ctx, &s, st.backend);
		vfc_cdi_spec_free(&s);
	}
	vfc_topology_free(t);
	vfc_cdi_state_free(&st);
	return rc;
}

int vfc_cdi_check(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		  struct vfc_check_report *r)
{
	char path[PATH_MAX], *want = NULL, *have = NULL;
	const char *fix = "vfioctl cdi (regenerates it from the bindings)";
	size_t wlen = 0, hlen = 0;
	struct vfc_cdi_state state;
	struct vfc_cdi_spec s;
	int st = vfc_cdi_state_read(ctx, &state), rc, hrc;

	if (st < 0)
		return st == -ENOMEM ? st : 0;
	if (vfc_path(ctx, path, sizeof(path), VFC_CDI_SPEC_PATH)) {
		vfc_cdi_state_free(&state);
		return 0;
	}
	hrc = read_file(path, &have, &hlen);
	if (!st && hrc)
		return 0;	/* no CDI spec of vfioctl's here: nothing to judge */
	rc = vfc_cdi_build(ctx, t, NULL, 0, state.kind, state.backend, 0, state.devices, &s);
	vfc_cdi_state_free(&state);
	if (rc) {
		free(have);
		return rc == -ENOMEM ? rc : 0;
	}
	if (s.ndevs && (rc = spec_bytes(&s, &want, &wlen))) {
		vfc_cdi_spec_free(&s);
		free(have);
		return rc;
	}
	if (!s.ndevs && hrc)
		vfc_check_add(r, "host", "cdi-spec", VFC_CHECK_OK, "",
			      "%s: absent, and no device is bound to a vfio driver", path);
	else if (!s.ndevs)
		vfc_check_add(r, "host", "cdi-spec", VFC_CHECK_WARN, fix,
			      "%s lists devices, but none can be handed out now", path);
	else if (hrc)
		vfc_check_add(r, "host", "cdi-spec", VFC_CHECK_WARN, fix,
			      "%s is missing: %zu CDI devices would be in it", path, s.ndevs);
	else if (hlen != wlen || memcmp(have, want, wlen))
		vfc_check_add(r, "host", "cdi-spec", VFC_CHECK_WARN, fix,
			      "%s disagrees with the bindings (%zu CDI devices expected)", path,
			      s.ndevs);
	else
		vfc_check_add(r, "host", "cdi-spec", VFC_CHECK_OK, "",
			      "%s matches the bindings (%zu CDI devices)", path, s.ndevs);
	vfc_cdi_spec_free(&s);
	free(have);
	free(want);
	return 0;
}
