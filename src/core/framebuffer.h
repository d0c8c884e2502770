/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A boot framebuffer inside a device's BAR: firmware (efifb, vesafb) or sysfb (BOOTFB,
 * simple-framebuffer/simpledrm) keeps a range of the GPU's aperture reserved in /proc/iomem,
 * and vfio-pci's request of the BAR then fails ("BAR 0: can't reserve"). Read through the
 * root context; the parser is pure. Never prints.
 */
#ifndef VFC_FRAMEBUFFER_H
#define VFC_FRAMEBUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sysroot.h"

struct vfc_fb_range {
	uint64_t start, end;		/* inclusive */
	char name[48];			/* as /proc/iomem names it: "BOOTFB", "efifb", ... */
};

#define VFC_FB_MAX 8

struct vfc_fb_hit {
	int bar;			/* 0-5, 6 the ROM */
	uint64_t bar_start, bar_end;
	struct vfc_fb_range fb;
};

struct vfc_fb_state {
	int err;			/* 0, or -errno reading /proc/iomem */
	bool hidden;			/* every address reads as 0: /proc/iomem needs root */
	struct vfc_fb_range fbs[VFC_FB_MAX];	/* framebuffer ranges in /proc/iomem */
	size_t nfbs;
	struct vfc_fb_hit hits[VFC_FB_MAX];	/* of those, inside one of the device's BARs */
	size_t nhits;
};

/* Framebuffer ranges of /proc/iomem text into s->fbs, and s->hidden (pure). */
void vfc_fb_parse(const char *iomem, struct vfc_fb_state *s);
/* /proc/iomem and the device's resource file. 0 (s->err says whether iomem was readable). */
int vfc_fb_read(const struct vfc_ctx *ctx, const char *bdf, struct vfc_fb_state *s);
/* "BOOTFB 0xf0104000-0xf0105fff lies in BAR 1 (0xf0104000-0xf0107fff)" */
void vfc_fb_hit_str(const struct vfc_fb_hit *h, char *buf, size_t len);
/* The kernel argument that keeps this framebuffer from being set up ("video=efifb:off"). */
const char *vfc_fb_cmdline_fix(const char *name);
/* The platform driver that holds it, for an unbind ("efi-framebuffer"); NULL unknown. */
const char *vfc_fb_driver(const char *name);

#endif
