/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one root-prefix context. Every /sys, /dev and /proc path the tool touches is
 * formed here, so `--sysroot DIR` points the whole tool at a fixture tree.
 */
#ifndef VFC_SYSROOT_H
#define VFC_SYSROOT_H

#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vfc_ctx {
	char root[PATH_MAX];	/* "" means the real root */
	size_t rootlen;
};

int vfc_ctx_init(struct vfc_ctx *ctx, const char *sysroot);
const char *vfc_ctx_root(const struct vfc_ctx *ctx);	/* "/" for the real root */

/* Format ROOT + path. Returns 0 or -ENAMETOOLONG. */
int vfc_path(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Read a sysfs attribute into buf (NUL terminated, trailing newlines stripped).
 * Returns the length read or -errno.
 */
ssize_t vfc_read_attr(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * The running kernel's release (/proc/sys/kernel/osrelease below the root), usable as one
 * path component (/lib/modules/RELEASE, /boot/config-RELEASE): 0; -ENOENT when it is empty or
 * not a name ("", ".", "..", a slash); the read's -errno. buf is "" on failure.
 */
int vfc_os_release(const struct vfc_ctx *ctx, char *buf, size_t len);
/* Read raw bytes (config space). Returns bytes read or -errno. */
ssize_t vfc_read_bin(const struct vfc_ctx *ctx, void *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Read a number attribute ("0x10de", "-1", "12"). Returns 0 or -errno (-EINVAL: garbage). */
int vfc_read_s64(const struct vfc_ctx *ctx, int64_t *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* readlink; returns length or -errno. */
ssize_t vfc_read_link(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Basename of a symlink's target ("../../bus/pci/drivers/nvme" -> "nvme"). */
ssize_t vfc_read_link_base(const struct vfc_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int vfc_exists(const struct vfc_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* opendir on ROOT + path; NULL with errno set. */
DIR *vfc_opendir(const struct vfc_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reads relative to an open directory. A scan of thousands of devices opens each device's
 * directory once (vfc_dir_open, O_PATH: needs search permission only, like a path walk) and
 * reads its attributes with openat: one path component per attribute instead of a walk of
 * ROOT/sys/bus/pci/devices/BDF (a symlink into the deep devices/ tree) every time.
 * They return what the path-based calls above return for dir/name, with one difference:
 * an attribute is read with one read(2), a short read being its end. That holds for sysfs
 * attributes (a text attribute comes whole from one show(), config space up to its size)
 * and for regular files (fixture trees), not for /proc seq_files, which hand out a page at a
 * time: read those with the path-based calls.
 */
int vfc_dir_open(const struct vfc_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* fd or -errno */
int vfc_dir_open_at(int dfd, const char *name);	/* fd or -errno */
int vfc_open_at(int dfd, const char *name);	/* read-only, as the readers open; fd or -errno */
ssize_t vfc_read_attr_at(int dfd, const char *name, char *buf, size_t len);
ssize_t vfc_read_bin_at(int dfd, const char *name, void *buf, size_t len);
int vfc_read_s64_at(int dfd, const char *name, int64_t *val);
ssize_t vfc_read_link_at(int dfd, const char *name, char *buf, size_t len);
ssize_t vfc_read_link_base_at(int dfd, const char *name, char *buf, size_t len);
int vfc_exists_at(int dfd, const char *name);

/* Sorted, owned list of directory entry names (no "." or ".."); v is NULL-terminated. */
struct vfc_names {
	char **v;
	size_t n;
};
int vfc_list_dir(const struct vfc_ctx *ctx, struct vfc_names *out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vfc_list_dir_at(int dfd, const char *name, struct vfc_names *out);
void vfc_names_free(struct vfc_names *n);

#endif
