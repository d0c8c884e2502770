/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci variant drivers (mlx5_vfio_pci, hisi_acc_vfio_pci, virtio_vfio_pci, ...): each
 * declares the devices it drives in the running kernel's modules.alias with
 * `alias vfio_pci:vVVVVVVVVdDDDDDDDDsv*sd*bc*sc*i* MODULE` lines (vfio-pci itself matches
 * everything: `vfio_pci:v*d*sv*sd*bc*sc*i*`). The choice for a device is the match with the
 * fewest wildcards (libvirt's rule), against the device's modalias with "pci:" read as
 * "vfio_pci:". modules.alias is ROOT/lib/modules/RELEASE/modules.alias, the release from
 * ROOT/proc/sys/kernel/osrelease. Nothing prints.
 */
#ifndef VFC_VARIANT_H
#define VFC_VARIANT_H

#include <stddef.h>

#include "core/driver.h"
#include "core/sysroot.h"

#define VFC_MODULE_NAME_MAX 64
/* --driver's default: the device's best vfio_pci: match, else vfio-pci */
#define VFC_DRIVER_AUTO "auto"
#define VFC_DRIVER_GENERIC "vfio-pci"

/* ROOT/lib/modules/RELEASE of the running kernel. 0, or -errno (-ENOENT: no release). */
int vfc_modules_dir(const struct vfc_ctx *ctx, char *buf, size_t len);

struct vfc_vfio_alias {
	char *pattern;			/* after "vfio_pci:" */
	char module[VFC_MODULE_NAME_MAX];
	int wildcards;
};

/* The vfio_pci: lines of modules.alias, read once for any number of devices. */
struct vfc_variants {
	struct vfc_vfio_alias *v;
	size_t n;
};

/* Read them. 0 (none is 0 with n 0), -ENOENT (no modules.alias), -ENOMEM, -errno. */
int vfc_variants_load(const struct vfc_ctx *ctx, struct vfc_variants *vs);
void vfc_variants_free(struct vfc_variants *vs);

struct vfc_variant {
	char module[VFC_MODULE_NAME_MAX];	/* the best match's module ("" none) */
	char driver[VFC_DRIVER_NAME_MAX];	/* the PCI driver it registers */
	int wildcards;
};

/*
 * The best match for the device bdf (its modalias attribute). 0 with v filled, -ENOENT
 * when nothing matches (or the device has no modalias).
 */
int vfc_variants_match(const struct vfc_ctx *ctx, const struct vfc_variants *vs,
		       const char *bdf, struct vfc_variant *v);

struct vfc_device;
/*
 * The driver `bind --driver auto` picks for d into buf: its variant driver (v filled), else
 * vfio-pci; "" for what bind never binds (a bridge, a host bridge, a non-PCI member).
 * Returns true when it is a variant.
 */
int vfc_variant_for(const struct vfc_ctx *ctx, const struct vfc_variants *vs,
		    const struct vfc_device *d, char *buf, size_t len, struct vfc_variant *v);

/* Is the match a variant (not vfio-pci itself)? */
int vfc_variant_is_generic(const struct vfc_variant *v);

/*
 * The PCI driver name a module registers: the registered spelling when it is loaded; else
 * vfio_pci's "vfio-pci", and a variant's module name (they register as KBUILD_MODNAME).
 */
void vfc_module_driver(const struct vfc_ctx *ctx, const char *module, char *buf, size_t len);

#endif
