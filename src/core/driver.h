/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Driver binding through sysfs: driver_override, unbind, drivers_probe (never new_id, which
 * would grab every device with the same ids), and waiting for the result (the device on the
 * driver, /dev/vfio/N present) with a libudev kernel-event monitor and a timeout.
 * Every path goes through the root context; nothing prints.
 */
#ifndef VFC_DRIVER_H
#define VFC_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/sysroot.h"

#define VFC_DRIVER_NAME_MAX 64

/*
 * Write val to a sysfs attribute in one write(2) (sysfs takes a store in one piece).
 * The file must exist (no O_CREAT) and must not be a symlink. Returns 0 or -errno.
 */
int vfc_write_attr(const struct vfc_ctx *ctx, const char *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The device's driver now ("" when none). Returns 0, or -ENODEV when the device is gone. */
int vfc_driver_current(const struct vfc_ctx *ctx, const char *bdf, char *buf, size_t len);
/* driver_override ("" when unset). -EOPNOTSUPP when the kernel has no driver_override. */
int vfc_driver_override_get(const struct vfc_ctx *ctx, const char *bdf, char *buf, size_t len);
/* Set driver_override; NULL or "" clears it. */
int vfc_driver_override_set(const struct vfc_ctx *ctx, const char *bdf, const char *drv);
/* Is a driver of this name registered on the PCI bus? */
bool vfc_driver_exists(const struct vfc_ctx *ctx, const char *drv);

/*
 * Unbind the device from its current driver (no-op when it has none). The write runs in a
 * child process: a driver whose remove() waits for its users (vfio-pci does, forever, while a
 * process holds the device) would otherwise hang vfioctl. After timeout_ms the child is left
 * behind blocked in the kernel and -ETIMEDOUT is returned.
 */
int vfc_driver_unbind(const struct vfc_ctx *ctx, const char *bdf, int timeout_ms);
/* Ask the bus to probe the device: its driver_override, else its ids, pick the driver. */
int vfc_driver_probe(const struct vfc_ctx *ctx, const char *bdf);

/*
 * A waiter created before acting, so no kernel event between the action and the wait is
 * lost. With a sysroot (fixture trees) or when netlink is unavailable there is no monitor
 * and the wait re-checks sysfs at short intervals instead.
 */
struct vfc_waiter;
struct udev;
struct udev_monitor;
/* Drop a uevent monitor, then its udev context (each may be NULL): waiters' and events'. */
void vfc_udev_release(struct udev *udev, struct udev_monitor *mon);
struct vfc_waiter *vfc_waiter_new(const struct vfc_ctx *ctx);
void vfc_waiter_free(struct vfc_waiter *w);
bool vfc_waiter_has_monitor(const struct vfc_waiter *w);

/*
 * Wait until the device is on drv ("" = on no driver) and, when want_node, /dev/vfio/N (or
 * noiommu-N) of its group exists. *group gets the group number (-1 when it has none).
 * Returns 0, -ETIMEDOUT, or -ENODEV when the device went away.
 */
int vfc_driver_wait(struct vfc_waiter *w, const struct vfc_ctx *ctx, const char *bdf,
		    const char *drv, bool want_node, int timeout_ms, int *group);

/*
 * Which instance of a device sits at this address: the inode of its sysfs directory, new for
 * every device the kernel adds (a hot-unplugged and re-added device gets another). 0 when
 * the device is not there.
 */
uint64_t vfc_device_instance(const struct vfc_ctx *ctx, const char *bdf);

/* The device's IOMMU group now, or -1. */
int vfc_device_group(const struct vfc_ctx *ctx, const char *bdf);
/* ROOT/dev/vfio/N (or noiommu-N) path of a group into buf; 0 when it exists, else -ENOENT. */
int vfc_group_node(const struct vfc_ctx *ctx, int group, char *buf, size_t len);
/* chown the group node; uid/gid (uid_t)-1 / (gid_t)-1 leave that part alone. */
int vfc_group_node_chown(const struct vfc_ctx *ctx, int group, uid_t uid, gid_t gid);

#endif
