// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sysroot.h"
#include "core/util.h"

int vfc_ctx_init(struct vfc_ctx *ctx, const char *sysroot)
{
	size_t len;

	memset(ctx, 0, sizeof(*ctx));
	if (!sysroot || !*sysroot)
		return 0;
	len = strlen(sysroot);
	while (len > 1 && sysroot[len - 1] == '/')
		len--;
	if (len == 1 && sysroot[0] == '/')
		return 0;
	if (len >= sizeof(ctx->root) - 64)
		return -ENAMETOOLONG;
	memcpy(ctx->root, sysroot, len);
	ctx->root[len] = '\0';
	ctx->rootlen = len;
	return 0;
}

const char *vfc_ctx_root(const struct vfc_ctx *ctx)
{
	return ctx->rootlen ? ctx->root : "/";
}

static int vpath(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap)
{
	int n;

	if (ctx->rootlen >= len)
		return -ENAMETOOLONG;
	memcpy(buf, ctx->root, ctx->rootlen);
	n = vsnprintf(buf + ctx->rootlen, len - ctx->rootlen, fmt, ap);
	if (n < 0 || (size_t)n >= len - ctx->rootlen)
		return -ENAMETOOLONG;
	return 0;
}

int vfc_path(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(ctx, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

#define VPATH_OR_RETURN(ctx, path, fmt)                                                      \
	do {                                                                                 \
		va_list ap_;                                                                 \
		int rc_;                                                                     \
		va_start(ap_, fmt);                                                          \
		rc_ = vpath(ctx, path, sizeof(path), fmt, ap_);                              \
		va_end(ap_);                                                                 \
		if (rc_)                                                                     \
			return rc_;                                                          \
	} while (0)

static ssize_t read_fd_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = read(fd, (char *)buf + done, len - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* O_NONBLOCK: a fixture or a hostile tree may put a FIFO where an attribute should be. */
#define ATTR_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static ssize_t read_path(const char *path, void *buf, size_t len)
{
	ssize_t r;
	int fd;

	fd = open(path, ATTR_OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	r = read_fd_all(fd, buf, len);
	close(fd);
	return r;
}

/*
 * sysfs and regular files only (see sysroot.h): one read(2). A second read made only to see
 * the end would be one more syscall for every attribute a scan reads.
 */
static ssize_t read_at(int dfd, const char *name, void *buf, size_t len)
{
	ssize_t r;
	int fd;

	fd = openat(dfd, name, ATTR_OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	do
		r = read(fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

/* r bytes read into buf (or -errno) as a string: buf is "" after an error. Returns r. */
static ssize_t terminate(char *buf, ssize_t r)
{
	buf[r < 0 ? 0 : r] = '\0';
	return r;
}

/* What vfc_read_attr keeps of r bytes read into buf: up to a NUL, without trailing blanks. */
static ssize_t attr_finish(char *buf, ssize_t r)
{
	if (terminate(buf, r) < 0)
		return r;
	/* An attribute with a NUL inside is garbage; keep what precedes it. */
	r = (ssize_t)strlen(buf);
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return r;
}

/* The file at path read as an attribute (link false) or the link's target, as a string. */
static ssize_t read_string(const char *path, char *buf, size_t len, bool link)
{
	ssize_t r;

	if (len == 0)
		return -EINVAL;
	if (!link)
		return attr_finish(buf, read_path(path, buf, len - 1));
	r = readlink(path, buf, len - 1);
	return terminate(buf, r < 0 ? -errno : r);
}

ssize_t vfc_read_attr(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];

	VPATH_OR_RETURN(ctx, path, fmt);
	return read_string(path, buf, len, false);
}

int vfc_os_release(const struct vfc_ctx *ctx, char *buf, size_t len)
{
	ssize_t n = vfc_read_attr(ctx, buf, len, "/proc/sys/kernel/osrelease");

	if (n > 0 && !strchr(buf, '/') && strcmp(buf, ".") && strcmp(buf, ".."))
		return 0;
	if (len)
		buf[0] = '\0';
	return n < 0 ? (int)n : -ENOENT;
}

ssize_t vfc_read_bin(const struct vfc_ctx *ctx, void *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];

	VPATH_OR_RETURN(ctx, path, fmt);
	return read_path(path, buf, len);
}

int vfc_read_s64(const struct vfc_ctx *ctx, int64_t *val, const char *fmt, ...)
{
	char path[PATH_MAX], buf[64];
	ssize_t r;

	VPATH_OR_RETURN(ctx, path, fmt);
	r = read_path(path, buf, sizeof(buf) - 1);
	if (r < 0)
		return (int)r;
	buf[r] = '\0';
	return vfc_parse_s64(buf, val);
}

ssize_t vfc_read_link(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];

	VPATH_OR_RETURN(ctx, path, fmt);
	return read_string(path, buf, len, true);
}

ssize_t vfc_read_link_base(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	VPATH_OR_RETURN(ctx, path, fmt);
	return vfc_read_link_base_at(AT_FDCWD, path, buf, len);
}

int vfc_exists(const struct vfc_ctx *ctx, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;

	VPATH_OR_RETURN(ctx, path, fmt);
	return stat(path, &st) == 0 ? 1 : 0;
}

DIR *vfc_opendir(const struct vfc_ctx *ctx, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	return opendir(path);
}

int vfc_dir_open(const struct vfc_ctx *ctx, const char *fmt, ...)
{
	char path[PATH_MAX];
	int fd;

	VPATH_OR_RETURN(ctx, path, fmt);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vfc_dir_open_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int vfc_open_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, ATTR_OPEN_FLAGS);

	return fd < 0 ? -errno : fd;
}

ssize_t vfc_read_attr_at(int dfd, const char *name, char *buf, size_t len)
{
	if (len == 0)
		return -EINVAL;
	return attr_finish(buf, read_at(dfd, name, buf, len - 1));
}

ssize_t vfc_read_bin_at(int dfd, const char *name, void *buf, size_t len)
{
	return read_at(dfd, name, buf, len);
}

int vfc_read_s64_at(int dfd, const char *name, int64_t *val)
{
	char buf[64];
	ssize_t r = read_at(dfd, name, buf, sizeof(buf) - 1);

	if (r < 0)
		return (int)r;
	buf[r] = '\0';
	return vfc_parse_s64(buf, val);
}

ssize_t vfc_read_link_at(int dfd, const char *name, char *buf, size_t len)
{
	ssize_t r;

	if (len == 0)
		return -EINVAL;
	r = readlinkat(dfd, name, buf, len - 1);
	if (r < 0) {
		buf[0] = '\0';
		return -errno;
	}
	buf[r] = '\0';
	return r;
}

ssize_t vfc_read_link_base_at(int dfd, const char *name, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t r;
	size_t n;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	r = readlinkat(dfd, name, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	n = strlen(base);
	if (n == 0)
		return -EINVAL;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, base, n + 1);
	return (ssize_t)n;
}

int vfc_exists_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, 0) == 0 ? 1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add a directory entry's name ("." and ".." are skipped). 0 or -ENOMEM. */
static int names_add(struct vfc_names *out, size_t *cap, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	/* one spare slot: the vector stays NULL-terminated for string-vector consumers */
	if (out->n + 1 >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **nv = reallocarray(out->v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		out->v = nv;
		*cap = ncap;
	}
	out->v[out->n] = strdup(name);
	if (!out->v[out->n])
		return -ENOMEM;
	out->v[++out->n] = NULL;
	return 0;
}

/* Directory order is the filesystem's: sort so every output is deterministic. */
static void names_sort(struct vfc_names *out)
{
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_names);
}

static int list_dir(DIR *dir, struct vfc_names *out)
{
	struct dirent *de;
	size_t cap = 0;

	while ((de = readdir(dir)))
		if (names_add(out, &cap, de->d_name)) {
			closedir(dir);
			vfc_names_free(out);
			return -ENOMEM;
		}
	closedir(dir);
	names_sort(out);
	return 0;
}

int vfc_list_dir(const struct vfc_ctx *ctx, struct vfc_names *out, const char *fmt, ...)
{
	char path[PATH_MAX];
	DIR *dir;

	out->v = NULL;
	out->n = 0;
	VPATH_OR_RETURN(ctx, path, fmt);
	dir = opendir(path);
	if (!dir)
		return -errno;
	return list_dir(dir, out);
}

/*
 * getdents64 straight into a buffer: fdopendir would add an fcntl and an fstat per directory,
 * and a scan lists the members of every IOMMU group (thousands on a host with many VFs).
 */
int vfc_list_dir_at(int dfd, const char *name, struct vfc_names *out)
{
	char buf[16384] __attribute__((aligned(8)));
	size_t cap = 0;
	ssize_t n;
	int fd;

	out->v = NULL;
	out->n = 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const void *)(buf + off);

			off += de->d_reclen;
			if (names_add(out, &cap, de->d_name))
				goto nomem;
		}
	}
	/* A read error ends the list, as readdir(3) does for vfc_list_dir. */
	close(fd);
	names_sort(out);
	return 0;
nomem:
	close(fd);
	vfc_names_free(out);
	return -ENOMEM;
}

void vfc_names_free(struct vfc_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}
