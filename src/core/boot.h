/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `vfioctl boot`: what the kernel command line needs for this host (the IOMMU switch, early
 * binding by ids), which bootloader keeps the arguments where, and the drop-ins vfioctl owns
 * (a GRUB snippet, a bootc kargs.d file, a modprobe.d softdep file). Never prints; every path
 * is below the sysroot.
 */
#ifndef VFC_BOOT_H
#define VFC_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sysroot.h"

/* The first line of every file vfioctl writes; --undo removes only files starting with it. */
#define VFC_BOOT_HEADER "# Written by vfioctl boot --write; removed by vfioctl boot --undo."

enum vfc_bootloader { VFC_BL_UNKNOWN, VFC_BL_GRUB, VFC_BL_KERNEL_INSTALL, VFC_BL_BOOTC };
const char *vfc_bootloader_name(enum vfc_bootloader b);

struct vfc_boot_arg {
	char word[256];			/* "intel_iommu=on", "vfio-pci.ids=10de:2204" */
	bool required;			/* false: an option (iommu=pt) */
	bool present;			/* on the running command line */
	char why[240];
};

#define VFC_BOOT_MAXARGS 4
#define VFC_BOOT_MAXDRV 16
#define VFC_BOOT_MAXNOTES 3

struct vfc_boot_state {
	char cmdline[4096];		/* /proc/cmdline, "" when unreadable */
	char vendor[8];			/* "intel", "amd", "" unknown */
	char vendor_from[64];		/* "/proc/cpuinfo GenuineIntel", "ACPI DMAR", ... */
	struct vfc_boot_arg args[VFC_BOOT_MAXARGS];
	size_t nargs;
	bool hook;			/* the initramfs hook (initramfs-tools or dracut) is there */
	char hook_path[128];		/* which one, "" none */
	size_t nconf;			/* devices in vfioctl.conf */
	char *drivers[VFC_BOOT_MAXDRV + 1];	/* host drivers of configured devices (softdep) */
	size_t ndrivers;
	enum vfc_bootloader bl;
	char bl_file[128];		/* where this bootloader keeps arguments */
	char notes[VFC_BOOT_MAXNOTES][400];	/* what the user should know (AMD, no bootloader) */
	size_t nnotes;
};

/* Fill st from ROOT (/proc/cmdline, /proc/cpuinfo, ACPI tables, /etc, vfioctl.conf). */
int vfc_boot_read(const struct vfc_ctx *ctx, struct vfc_boot_state *st);
void vfc_boot_free(struct vfc_boot_state *st);

/* One file of the plan: what is there now and what vfioctl wants there. */
struct vfc_boot_file {
	char path[128];			/* below the root: "/etc/default/grub.d/vfioctl.cfg" */
	char *old;			/* current content, NULL: no file */
	char *new;			/* wanted content, NULL: no file */
	bool ours;			/* old starts with VFC_BOOT_HEADER (or there is no file) */
};

#define VFC_BOOT_MAXFILES 4

struct vfc_boot_plan {
	struct vfc_boot_file files[VFC_BOOT_MAXFILES];
	size_t nfiles;
	const char *regen[4];		/* commands to run after writing, NULL-terminated */
	char advice[768];		/* kernel-install or no known bootloader: what to add */
};

/*
 * The plan for --write (undo false) or --undo (undo true): only files vfioctl owns; a file
 * there without the header is left alone (ours false, new = old). 0 or -errno.
 */
int vfc_boot_plan(const struct vfc_ctx *ctx, const struct vfc_boot_state *st, bool undo,
		  struct vfc_boot_plan *p);
/* Does this file change? */
bool vfc_boot_file_changes(const struct vfc_boot_file *f);
/* Write (or remove) every changing file of the plan. 0 or the first -errno. */
int vfc_boot_apply(const struct vfc_ctx *ctx, const struct vfc_boot_plan *p);
void vfc_boot_plan_free(struct vfc_boot_plan *p);

#endif
