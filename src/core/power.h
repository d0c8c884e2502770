/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device's power and reset settings as the kernel shows them: d3cold_allowed, power_state,
 * vfio-pci's disable_idle_d3 and reset_method. One reader (vfc_power_read) for `check`, `show`
 * and whatever sets them (vfioctl.conf's reset_method=/d3cold=); the judgement of the reset
 * list (vfc_power_reset_eval) is pure. Never prints.
 */
#ifndef VFC_POWER_H
#define VFC_POWER_H

#include <stdbool.h>

#include "core/sysroot.h"
#include "core/topology.h"

/* The kernel's reset methods in its own order (pci_reset_fn_methods[]): its default list. */
extern const char *const vfc_reset_kernel_order[];

struct vfc_power {
	int d3cold_allowed;		/* 1 or 0; -1 attribute absent (or unreadable) */
	char power_state[16];		/* "D0", "D3hot", "D3cold", ...; "" absent (< 5.19) */
	int disable_idle_d3;		/* vfio_pci's parameter: 1/0; -1 not loaded or absent */
	bool vfio_pci_loaded;		/* /sys/module/vfio_pci exists */
	bool has_reset_method;		/* reset_method exists (>= 5.15; hidden when none) */
	char **reset_methods;		/* its words in order (the first is tried first); NULL */
	bool vendor_reset;		/* the vendor-reset module is loaded */
};

/* Read them for bdf. 0, or -ENOENT when the device is absent; unreadable parts stay unknown. */
int vfc_power_read(const struct vfc_ctx *ctx, const char *bdf, struct vfc_power *p);
void vfc_power_free(struct vfc_power *p);

/* What reset_method says beyond its list (pure). */
struct vfc_reset_verdict {
	bool overridden;		/* not the kernel's order, or a method the device has left out */
	bool device_specific;		/* a quirk or vendor-reset provides the reset */
	bool vendor_reset_unused;	/* vendor-reset is loaded but device_specific is not listed */
	char why[160];			/* why it looks overridden ("" when not) */
};
/*
 * A list in another order than the kernel's, or without the flr or pm method that d's config
 * space offers, was written by someone (pure).
 */
void vfc_power_reset_eval(const struct vfc_power *p, const struct vfc_device *d,
			  struct vfc_reset_verdict *v);

#endif
