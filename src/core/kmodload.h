/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A driver's module, loaded when the driver is not registered: libkmod as kmod's own
 * modprobe does (lookup of the name or alias, then kmod_module_probe_insert_module with its
 * dependencies, softdeps, modprobe.d options and install commands; blacklists apply to
 * aliases only). Needs CAP_SYS_MODULE.
 *
 * Under a sysroot the host's kernel is never touched: the module is looked up in the tree's
 * own ROOT/lib/modules/RELEASE/modules.dep and modules.builtin (the text files, which a
 * fixture can carry; libkmod only reads the binary indexes depmod makes from real .ko files)
 * and the load is a request written to ROOT/run/vfioctl/modprobe, one module name a line:
 * the host suite's fake kernel (tests/fakekernel) answers it as the kernel would, by
 * registering the driver. Nothing prints.
 */
#ifndef VFC_KMODLOAD_H
#define VFC_KMODLOAD_H

#include <stdbool.h>

#include "core/sysroot.h"
#include "core/variant.h"

#define VFC_KMOD_REQUEST "/run/vfioctl/modprobe"

struct vfc_kmod {
	char module[VFC_MODULE_NAME_MAX];	/* the module of the driver (kmod's spelling) */
	bool needed;			/* the driver was not registered */
	bool builtin;			/* built into the kernel (then it cannot be missing) */
	bool loaded;			/* this call loaded it */
};

/*
 * Make the PCI driver drv registered: nothing when it is; else find its module and, unless
 * dry_run, load it. 0 (k says what was done or would be), -ENOENT (no such module),
 * -EPERM (blacklisted or not permitted), -ENXIO (loaded, but no driver of that name came
 * up), or the load's -errno.
 */
int vfc_kmod_need_driver(const struct vfc_ctx *ctx, const char *drv, bool dry_run,
			 struct vfc_kmod *k);

struct vfc_device;

/* The driver one device is bound to, and what that takes. */
struct vfc_driver_pick {
	char driver[VFC_DRIVER_NAME_MAX];
	struct vfc_kmod k;		/* its module: needed, loaded (or would be: dry_run) */
	struct vfc_variant variant;	/* auto: the device's best vfio_pci: match ("" none) */
	int variant_err;		/* auto: the variant's module cannot be loaded (-errno):
					   the device gets vfio-pci instead */
	char note[200];			/* for the plan's reason ("" nothing to say) */
};

/*
 * A driver for each of n devices: drv for all, or with VFC_DRIVER_AUTO each device's variant
 * driver (vfc_variants_match), vfio-pci when it has none or when the variant's module cannot
 * be found or loaded. Every driver picked is made registered (vfc_kmod_need_driver; each
 * module once). 0, or the error of a driver that has no fallback (drv itself, or vfio-pci
 * for auto): *failed then names the pick that failed, its k.module the module.
 */
int vfc_driver_pick(const struct vfc_ctx *ctx, struct vfc_device *const *devs, size_t n,
		    const char *drv, bool dry_run, struct vfc_driver_pick *out,
		    const struct vfc_driver_pick **failed);

#endif
