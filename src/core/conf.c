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

int vfc_conf_parse_line(const char *line, struct vfc_conf_entry *e, const char **why)
{
	char buf[512], *tok, *save = NULL, *hash;
	int n = 0;

	memset(e, 0, sizeof(*e));
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
			/* vfioctl.conf(5) takes a PCI address or ids only (stable across boots) */
			if (*why || e->match.kind == VFC_TARGET_SLOT || e->match.kind == VFC_TARGET_NAME ||
			    e->match.kind == VFC_TARGET_VFS) {
				*why = "not a PCI address or vendor:device ids (the only matches "
				       "vfioctl.conf accepts)";
				return -EINVAL;
			}
			if (e->match.kind == VFC_TARGET_GROUP) {
				*why = "group numbers change across boots: use a PCI address or "
				       "vendor:device ids";
				return -EINVAL;
			}
			if (e->match.kind == VFC_TARGET_DEVICE)
				vfc_pciaddr_format(&e->match.addr, e->match_text,
						   sizeof(e->match_text));
			else
				snprintf(e->match_text, sizeof(e->match_text), "%04x:%04x",
					 e->match.vendor, e->match.device);
			continue;
		}
		if (!strncmp(tok, "driver=", 7) && vfc_name_is_sane(tok + 7, sizeof(e->driver) - 1)) {
			snprintf(e->driver, sizeof(e->driver), "%s", tok + 7);
		} else if (!strncmp(tok, "owner=", 6) &&
			   vfc_name_is_sane(tok + 6, sizeof(e->owner) - 1)) {
			snprintf(e->owner, sizeof(e->owner), "%s", tok + 6);
		} else {
			*why = "unknown option (driver=DRIVER, owner=USER[:GROUP])";
			return -EINVAL;
		}
	}
	return n ? 1 : 0;
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

int vfc_conf_set(const char *path, const char *bdf, const char *driver, const char *owner,
		 bool remove, bool *changed)
{
	char want[256], tmp[PATH_MAX], *line = NULL, *out = NULL;
	size_t cap = 0, outlen = 0;
	bool found = false;
	FILE *f, *mem;
	int rc = 0;

	*changed = false;
	snprintf(want, sizeof(want), "%s driver=%s%s%s\n", bdf, driver ? driver : "vfio-pci",
		 owner && *owner ? " owner=" : "", owner && *owner ? owner : "");
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

		if (vfc_conf_parse_line(line, &e, &why) == 1 && e.match.kind == VFC_TARGET_DEVICE &&
		    !strcmp(e.match_text, bdf)) {
			if (remove || found) {
				*changed = true;
				continue;
			}
			found = true;
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
