/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Vendor and device names from pci.ids through libpci. */
#ifndef VFC_NAMES_H
#define VFC_NAMES_H

#include "core/sysroot.h"
#include "core/topology.h"

/*
 * Fill vendor_name/device_name of every PCI device. ids_path NULL: libpci's default
 * pci.ids. libpci's sysfs.path follows the root context. Unknown ids stay NULL.
 */
int vfc_names_fill(const struct vfc_ctx *ctx, struct vfc_topology *t, const char *ids_path);

/*
 * The short form of a pci.ids vendor name, for a NAME that must shrink: "Intel" for "Intel
 * Corporation", "AMD/ATI" for "Advanced Micro Devices, Inc. [AMD/ATI]". Returns its length;
 * *start points into vendor.
 */
size_t vfc_vendor_short(const char *vendor, const char **start);

#endif
