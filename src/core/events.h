/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel (or udev) events of the devices vfioctl cares about: PCI devices (add, remove,
 * bind, unbind, change) and VFIO nodes (the "vfio" group nodes and "vfio-dev" cdevs).
 * The stream `vfioctl monitor` prints; never prints itself.
 */
#ifndef VFC_EVENTS_H
#define VFC_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/sysroot.h"

struct vfc_event {
	uint64_t seqnum;		/* the kernel's SEQNUM, 0 when absent */
	struct timespec when;		/* CLOCK_REALTIME at reception */
	char action[16];		/* add remove bind unbind change move online offline */
	char subsystem[16];		/* pci, vfio, vfio-dev */
	char name[64];			/* sysname: 0000:01:00.0, 12, noiommu-0, vfio0 */
	char driver[64];		/* bind: the new driver; unbind: the one left, when known */
	char id[10];			/* PCI vendor:device, lower case; "" if not PCI */
	char node[64];			/* device node (/dev/vfio/12); "" if none */
	int group;			/* IOMMU group; -1 unknown or none */
};

struct vfc_events;

/*
 * Listen on the live kernel's uevent socket ("kernel": as the kernel sends them; udev_source:
 * after udevd ran its rules). A --sysroot context is refused (-EOPNOTSUPP): a fixture tree
 * has no kernel behind it. The drivers devices are on now are noted, so that an unbind can
 * say which driver the device left.
 */
int vfc_events_open(const struct vfc_ctx *ctx, bool udev_source, struct vfc_events **out);
/* Poll this for POLLIN. */
int vfc_events_fd(const struct vfc_events *e);
/* 0 and *ev filled; -EAGAIN when nothing is pending; -errno on failure. */
int vfc_events_next(struct vfc_events *e, struct vfc_event *ev);
void vfc_events_close(struct vfc_events *e);

#endif
