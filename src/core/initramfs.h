/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running kernel's initramfs image and what it holds: a host driver of a configured device
 * in it binds that device before the real root's `vfioctl apply` unless vfioctl's hook (the
 * initramfs-tools hook or the dracut module) is in it too. Uncompressed newc cpio archives are
 * read here; a compressed part is listed with lsinitramfs (initramfs-tools) or lsinitrd
 * (dracut) when installed. Every path below the sysroot. Never prints.
 */
#ifndef VFC_INITRAMFS_H
#define VFC_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sysroot.h"

struct vfc_initramfs {
	char release[128];		/* the running kernel's release, "" unknown */
	char path[192];			/* "/boot/initrd.img-RELEASE", "" when none exists */
	const char *lister;		/* "cpio" (read here), "lsinitramfs", "lsinitrd" */
	char **files;			/* the paths in it, NULL-terminated (NULL when not listed) */
	size_t nfiles;
};

/* 0 listed (or no image: path ""); -ENOTSUP compressed and no lister; other -errno. */
int vfc_initramfs_list(const struct vfc_ctx *ctx, struct vfc_initramfs *ir);
void vfc_initramfs_free(struct vfc_initramfs *ir);
/* A kernel module in it by name ("snd_hda_intel" matches .../snd-hda-intel.ko.zst). */
bool vfc_initramfs_has_module(const struct vfc_initramfs *ir, const char *module);
/* vfioctl's hook in it: the udev rule both hooks write (05-vfioctl-initramfs.rules). */
bool vfc_initramfs_has_hook(const struct vfc_initramfs *ir);
/* Parse newc cpio archives (pure): appends names; returns bytes consumed, -EINVAL bad. */
long vfc_cpio_names(const unsigned char *buf, size_t len, char ***names, size_t *n);

#endif
