/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI addresses and command-line targets. Pure functions, unit tested. */
#ifndef VFC_PCIADDR_H
#define VFC_PCIADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vfc_pciaddr {
	uint32_t domain;	/* 16 bits usually; VMD domains use 17+ (e.g. 10000) */
	uint8_t bus;
	uint8_t dev;		/* 0..31 */
	uint8_t fn;		/* 0..7 */
};

#define VFC_BDF_LEN 24		/* "ffffffff:ff:1f.7" + NUL fits with room */

/* Parse "0000:01:00.0" or "01:00.0" (domain 0). NULL on success, else a reason. */
const char *vfc_pciaddr_parse(const char *s, struct vfc_pciaddr *out);
/* Canonical sysfs form: "%04x:%02x:%02x.%x". */
const char *vfc_pciaddr_format(const struct vfc_pciaddr *a, char *buf, size_t len);
int vfc_pciaddr_cmp(const struct vfc_pciaddr *a, const struct vfc_pciaddr *b);

enum vfc_target_kind {
	VFC_TARGET_DEVICE,	/* a BDF */
	VFC_TARGET_GROUP,	/* "12" or "group:12" */
	VFC_TARGET_ID,		/* "8086:10d3": every device with that vendor:device */
	VFC_TARGET_VFS,		/* "0000:01:00.0/vfs": every SR-IOV VF of that PF (addr) */
	VFC_TARGET_SLOT,	/* "01:00" or "0000:01:00": every function of a slot (addr.fn 0) */
	VFC_TARGET_NAME,	/* "eth0", "nvme0n1", "/dev/nvme0n1": the PCI device behind it */
};

struct vfc_target {
	enum vfc_target_kind kind;
	struct vfc_pciaddr addr;
	int group;
	uint16_t vendor, device;
	char name[64];		/* VFC_TARGET_NAME: the interface or block device, without /dev/ */
};

/* NULL on success, else a human reason ("bad device number 32"). "BDF/vfs": VFC_TARGET_VFS;
 * never VFC_TARGET_NAME. */
const char *vfc_target_parse(const char *s, struct vfc_target *out);
/* What to say when a target matches nothing: "no such PCI device", "no such IOMMU group"... */
const char *vfc_target_nomatch(const struct vfc_target *t);
/*
 * vfc_target_parse, and else an interface or block device name (VFC_TARGET_NAME), for the
 * commands that read (show, check): a bare word stays free elsewhere (batch domain names).
 */
const char *vfc_target_parse_any(const char *s, struct vfc_target *out);

#endif
