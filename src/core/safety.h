/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host-critical devices: taking them from their driver would take the host's storage,
 * network or console with it. Read through the root context (mountinfo, swaps, routes,
 * sysfs links), so fixture trees can stage every case.
 */
#ifndef VFC_SAFETY_H
#define VFC_SAFETY_H

#include <stddef.h>

#include "core/sysroot.h"

/*
 * Does the host depend on PCI device bdf? Checks, through sysfs links that resolve below
 * the device: block devices (and the dm/md devices stacked on them) holding a mounted
 * filesystem or active swap; a virtio-9p device whose tag is mounted (the lab's root);
 * network interfaces carrying the default route, any IPv4 route or a global IPv6 address;
 * the boot VGA device; the active console (serial tty or framebuffer).
 * Returns the number of reasons found (0: not critical) with them joined by "; " in reason,
 * or -errno.
 */
int vfc_safety_check(const struct vfc_ctx *ctx, const char *bdf, char *reason, size_t len);

#endif
