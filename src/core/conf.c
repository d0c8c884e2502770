// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl.conf (see conf.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/util.h"

/* yes/no (1/0) into *v: true when it is one of them. */
static bool yes_no(const char *s, int *v)
{
	if (!strcmp(s, "yes") || !strcmp(s, "1"))
		*v = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "0"))
		*v = 0;
	else
		return false;
	return true;
}

/* The kernel's reset methods (drivers/pci/pci.c pci_reset_fn_methods), joined by commas. */
static bool reset_method_ok(const char *list, char *out, size_t len)
{
	static const char *const known[] = { "device_specific", "acpi", "flr", "af_flr",
					     "pm", "bus", "cxl_bus" };
	char buf[128], *tok, *save = NULL;
	size_t used = 0;

	if (!*list || strlen(list) >= sizeof(buf) || strlen(list) >= len)
		return false;
	snprintf(buf, sizeof(buf), "%s", list);
	out[0] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(tok, known[i]);
		if (!ok || strlen(tok) + 1 >= len - used)
			return false;
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", tok);
	}
	return used > 0;
}

int vfc_conf_parse_line(const char *line, struct vfc_conf_entry *e, const char **why)
{
	char buf[512], *tok, *save = NULL, *hash;
	bool has_driver = false;
	int n = 0;

	memset(e, 0, sizeof(*e));
	e->vfs = e->autoprobe = e->d3cold = -1;
	snprintf(e->driver, sizeof(e->driver), "vfio-pci");
	if (strlen(line) >= sizeof(buf)) {
		*why = "line too long";
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	hash = strchr(buf, '#');
	if (hash)
		*hash = '\0';
	for (tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n++ == 0) {
			*why = vfc_target_parse(tok, &e->match);
			/* vfioctl.conf(5) takes a PCI address, PF/vfs or ids only (stable across boots) */
			if (*why || e->match.kind == VFC_TARGET_SLOT || e->match.kind == VFC_TARGET_NAME) {
				*why = "not a PCI address, PF/vfs or vendor:device ids (the only matches "
				       "vfioctl.conf accepts)";
				return -EINVAL;
			}
			if (e->match.kind == VFC_TARGET_GROUP) {
				*why = "group numbers change across boots: use a PCI address or "
				       "vendor:device ids";
				return -EINVAL;
			}
			if (e->match.kind == VFC_TARGET_DEVICE || e->match.kind == VFC_TARGET_VFS) {
				vfc_pciaddr_format(&e->match.addr, e->match_text,
						   sizeof(e->match_text));
				if (e->match.kind == VFC_TARGET_VFS)
					strcat(e->match_text, "/vfs");
			} else {
				snprintf(e->match_text, sizeof(e->match_text), "%04x:%04x",
					 e->match.vendor, e->match.device);
			}
			continue;
		}
		if (!strncmp(tok, "driver=", 7) && vfc_name_is_sane(tok + 7, sizeof(e->driver) - 1)) {
			snprintf(e->driver, sizeof(e->driver), "%s", tok + 7);
			has_driver = true;
		} else if (!strncmp(tok, "owner=", 6) &&
			   vfc_name_is_sane(tok + 6, sizeof(e->owner) - 1)) {
			snprintf(e->owner, sizeof(e->owner), "%s", tok + 6);
		} else if (!strncmp(tok, "vfs=", 4)) {
			int64_t v;

			if (vfc_parse_s64(tok + 4, &v) || v < 0 || v > 65535) {
				*why = "vfs= takes a VF count (0-65535)";
				return -EINVAL;
			}
			e->vfs = (int)v;
		} else if (!strncmp(tok, "autoprobe=", 10)) {
			if (!yes_no(tok + 10, &e->autoprobe)) {
				*why = "autoprobe= takes yes or no";
				return -EINVAL;
			}
		} else if (!strncmp(tok, "d3cold=", 7)) {
			if (!yes_no(tok + 7, &e->d3cold)) {
				*why = "d3cold= takes yes or no";
				return -EINVAL;
			}
		} else if (!strncmp(tok, "reset_method=", 13)) {
			if (!reset_method_ok(tok + 13, e->reset_method, sizeof(e->reset_method))) {
				*why = "reset_method= takes methods joined by commas (device_specific, "
				       "acpi, flr, af_flr, pm, bus, cxl_bus)";
				return -EINVAL;
			}
		} else {
			*why = "unknown option (driver=DRIVER, owner=USER[:GROUP], vfs=N, "
			       "autoprobe=yes|no, reset_method=M[,M...], d3cold=yes|no)";
			return -EINVAL;
		}
	}
	if (!n)
		return 0;
	e->binds = e->vfs < 0 && e->autoprobe < 0;
	if (!e->binds && e->match.kind != VFC_TARGET_DEVICE) {
		*why = "vfs= and autoprobe= name a PF by its PCI address";
		return -EINVAL;
	}
	if (!e->binds && (has_driver || e->owner[0])) {
		*why = "a PF line with vfs= or autoprobe= keeps the PF on its own driver: give "
		       "the VFs their driver on a PF/vfs line";
		return -EINVAL;
	}
	return 1;
}

void vfc_conf_format(const struct vfc_conf_entry *e, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", e->match_text);

#define ADD(...)                                                                         \
	do {                                                                             \
		if (used < len)                                                          \
			used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__);   \
	} while (0)
	if (e->binds)
		ADD(" driver=%s", e->driver);
	if (e->owner[0])
		ADD(" owner=%s", e->owner);
	if (e->vfs >= 0)
		ADD(" vfs=%d", e->vfs);
	if (e->autoprobe >= 0)
		ADD(" autoprobe=%s", e->autoprobe ? "yes" : "no");
	if (e->reset_method[0]) {
		char m[sizeof(e->reset_method)];

		snprintf(m, sizeof(m), "%s", e->reset_method);
		for (char *c = m; *c; c++)
			if (*c == ' ')
				*c = ',';
		ADD(" reset_method=%s", m);
	}
	if (e->d3cold >= 0)
		ADD(" d3cold=%s", e->d3cold ? "yes" : "no");
	ADD("\n");
#undef ADD
}

static int read_lines(const char *path, struct vfc_conf_entry **out, size_t *n, bool keep_bad,
		      int *bad_line, const char **why)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	*bad_line = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		struct vfc_conf_entry e, *v;
		const char *w = NULL;

		lineno++;
		rc = vfc_conf_parse_line(line, &e, &w);
		if (rc < 0 && !keep_bad) {
			*bad_line = lineno;
			*why = w;
			break;
		}
		if (rc < 0) {
			memset(&e, 0, sizeof(e));
			e.bad = w;
		} else if (rc == 0) {
			continue;
		}
		rc = 0;
		e.line = lineno;
		v = reallocarray(*out, *n + 1, sizeof(*v));
		if (!v) {
			rc = -ENOMEM;
			break;
		}
		*out = v;
		v[(*n)++] = e;
	}
	free(line);
	fclose(f);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int vfc_conf_read(const char *path, struct vfc_conf_entry **out, size_t *n, int *bad_line,
		  const char **why)
{
	return read_lines(path, out, n, false, bad_line, why);
}

int vfc_conf_read_all(const char *path, struct vfc_conf_entry **out, size_t *n)
{
	const char *why;
	int bad_line;

	return read_lines(path, out, n, true, &bad_line, &why);
}

int vfc_conf_node_owner(const struct vfc_ctx *ctx, const char *node, uid_t uid, gid_t gid,
			bool fix, char *what, size_t len)
{
	mode_t want = S_IRUSR | S_IWUSR;	/* as bind --owner: the user opens it */
	char path[PATH_MAX];
	struct stat st;

	if (vfc_path(ctx, path, sizeof(path), "%s", node))
		return -ENAMETOOLONG;
	if (lstat(path, &st))
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	snprintf(what, len, "%u:%u %04o", (unsigned)st.st_uid, (unsigned)st.st_gid,
		 (unsigned)(st.st_mode & 07777));
	if ((uid == (uid_t)-1 || st.st_uid == uid) && (gid == (gid_t)-1 || st.st_gid == gid) &&
	    (st.st_mode & want) == want)
		return 0;
	if (!fix)
		return 1;
	/*
	 * The mode first, while the node is ours: chmod of another user's file needs CAP_FOWNER,
	 * which vfioctl does not keep (CAP_CHOWN it does: give it back to us first).
	 */
	if ((st.st_mode & want) != want) {
		if (st.st_uid != geteuid() && lchown(path, geteuid(), (gid_t)-1))
			return -errno;
		if (lstat(path, &st))
			return -errno;
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (chmod(path, (st.st_mode & 07777) | want))
			return -errno;
	}
	if ((uid != (uid_t)-1 && st.st_uid != uid) || (gid != (gid_t)-1 && st.st_gid != gid)) {
		if (lchown(path, uid, gid))
			return -errno;
	}
	return 1;
}

/* put's settings over old's (the ones put leaves unset stay). */
static void merge(struct vfc_conf_entry *old, const struct vfc_conf_entry *put)
{
	if (put->vfs >= 0)
		old->vfs = put->vfs;
	if (put->autoprobe >= 0)
		old->autoprobe = put->autoprobe;
	if (put->reset_method[0])
		snprintf(old->reset_method, sizeof(old->reset_method), "%s", put->reset_method);
	if (put->d3cold >= 0)
		old->d3cold = put->d3cold;
	if (put->binds) {
		snprintf(old->driver, sizeof(old->driver), "%s", put->driver);
		if (put->owner[0])
			snprintf(old->owner, sizeof(old->owner), "%s", put->owner);
	}
	old->binds = old->vfs < 0 && old->autoprobe < 0;
}

/*
 * Rewrite path: the first line matching match (a BDF or PF/vfs) becomes that line merged with
 * put (put itself when there is none: added); with remove every matching line goes.
 */
static int rewrite(const char *path, const char *match, const struct vfc_conf_entry *put,
		   bool remove, bool *changed)
{
	char want[512], tmp[PATH_MAX], *line = NULL, *out = NULL;
	size_t cap = 0, outlen = 0;
	bool found = false;
	FILE *f, *mem;
	int rc = 0;

	*changed = false;
	vfc_conf_format(put, want, sizeof(want));
	mem = open_memstream(&out, &outlen);
	if (!mem)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f && errno != ENOENT) {
		rc = -errno;
		fclose(mem);
		free(out);
		return rc;
	}
	if (!f)
		fputs("# vfioctl.conf: devices `vfioctl apply` binds (see vfioctl.conf(5)).\n", mem);
	while (f && getline(&line, &cap, f) > 0) {
		struct vfc_conf_entry e;
		const char *why;
		size_t len = strlen(line);

		if (vfc_conf_parse_line(line, &e, &why) == 1 &&
		    (e.match.kind == VFC_TARGET_DEVICE || e.match.kind == VFC_TARGET_VFS) &&
		    !strcmp(e.match_text, match)) {
			if (remove || found) {
				*changed = true;
				continue;
			}
			found = true;
			merge(&e, put);
			vfc_conf_format(&e, want, sizeof(want));
			if (strcmp(line, want))
				*changed = true;
			fputs(want, mem);
			continue;
		}
		fputs(line, mem);
		if (len && line[len - 1] != '\n')
			fputc('\n', mem);
	}
	free(line);
	if (f)
		fclose(f);
	if (!remove && !found) {
		fputs(want, mem);
		*changed = true;
	}
	if (fclose(mem)) {
		free(out);
		return -ENOMEM;
	}
	if (!*changed) {
		free(out);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	rc = vfc_write_atomic(tmp, path, out, outlen, 0644);
	if (rc)
		*changed = false;
	free(out);
	return rc;
}

int vfc_conf_set(const char *path, const char *bdf, const char *driver, const char *owner,
		 bool remove, bool *changed)
{
	struct vfc_conf_entry e = { .vfs = -1, .autoprobe = -1, .d3cold = -1, .binds = true };

	/* merged into the line there is: its reset_method=, d3cold= (and owner=) stay */
	snprintf(e.match_text, sizeof(e.match_text), "%s", bdf);
	snprintf(e.driver, sizeof(e.driver), "%s", driver ? driver : "vfio-pci");
	snprintf(e.owner, sizeof(e.owner), "%s", owner ? owner : "");
	return rewrite(path, bdf, &e, remove, changed);
}

int vfc_conf_put(const char *path, const struct vfc_conf_entry *e, bool remove, bool *changed)
{
	return rewrite(path, e->match_text, e, remove, changed);
}
