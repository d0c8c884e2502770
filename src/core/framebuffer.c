// SPDX-License-Identifier: GPL-2.0-or-later
/* framebuffer: boot framebuffers in /proc/iomem that sit inside a device's BAR. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/framebuffer.h"

/* iomem names of boot framebuffers, and what turns each off */
static const struct {
	const char *token, *cmdline, *driver;
} fb_kinds[] = {
	{ "efifb", "video=efifb:off", "efi-framebuffer" },
	{ "vesafb", "video=vesafb:off", "vesa-framebuffer" },
	{ "BOOTFB", "initcall_blacklist=sysfb_init", "simple-framebuffer" },
	{ "simpledrm", "initcall_blacklist=sysfb_init", "simple-framebuffer" },
	{ "simple-framebuffer", "initcall_blacklist=sysfb_init", "simple-framebuffer" },
	{ "simplefb", "initcall_blacklist=sysfb_init", "simple-framebuffer" },
};

static int fb_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(fb_kinds) / sizeof(fb_kinds[0]); i++)
		if (strstr(name, fb_kinds[i].token))
			return (int)i;
	return -1;
}

const char *vfc_fb_cmdline_fix(const char *name)
{
	int k = fb_kind(name);

	return k < 0 ? "video=efifb:off" : fb_kinds[k].cmdline;
}

const char *vfc_fb_driver(const char *name)
{
	int k = fb_kind(name);

	return k < 0 ? NULL : fb_kinds[k].driver;
}

void vfc_fb_hit_str(const struct vfc_fb_hit *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s 0x%" PRIx64 "-0x%" PRIx64 " lies in %s %d (0x%" PRIx64 "-0x%" PRIx64 ")",
		 h->fb.name, h->fb.start, h->fb.end, h->bar == 6 ? "ROM" : "BAR", h->bar,
		 h->bar_start, h->bar_end);
}

void vfc_fb_parse(const char *iomem, struct vfc_fb_state *s)
{
	bool any = false, nonzero = false;

	s->nfbs = 0;
	for (const char *l = iomem; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char line[256], name[48];
		unsigned long long a, b;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
			 l);
		l = nl ? nl + 1 : l + len;
		if (sscanf(line, " %llx-%llx : %47[^\n]", &a, &b, name) != 3)
			continue;
		any = true;
		nonzero = nonzero || a || b;
		if (fb_kind(name) < 0 || s->nfbs >= VFC_FB_MAX)
			continue;
		s->fbs[s->nfbs].start = a;
		s->fbs[s->nfbs].end = b;
		snprintf(s->fbs[s->nfbs].name, sizeof(s->fbs[0].name), "%s", name);
		s->nfbs++;
	}
	s->hidden = any && !nonzero;
}

int vfc_fb_read(const struct vfc_ctx *ctx, const char *bdf, struct vfc_fb_state *s)
{
	size_t len = 1 << 18;
	char *buf = malloc(len), res[2048];
	ssize_t r;
	int bar = 0;

	memset(s, 0, sizeof(*s));
	if (!buf)
		return -ENOMEM;
	r = vfc_read_attr(ctx, buf, len, "/proc/iomem");
	if (r < 0) {
		s->err = (int)r;
		free(buf);
		return 0;
	}
	vfc_fb_parse(buf, s);
	free(buf);
	if (s->hidden || !s->nfbs)
		return 0;
	if (vfc_read_attr(ctx, res, sizeof(res), "/sys/bus/pci/devices/%s/resource", bdf) < 0)
		return 0;
	for (const char *l = res; *l && bar <= 6; bar++) {
		unsigned long long a, b, fl;

		/* memory BARs only: 0x100 is IORESOURCE_IO */
		if (sscanf(l, "%llx %llx %llx", &a, &b, &fl) == 3 && (a || b) && !(fl & 0x100)) {
			for (size_t i = 0; i < s->nfbs && s->nhits < VFC_FB_MAX; i++) {
				const struct vfc_fb_range *f = &s->fbs[i];

				if (f->start > b || f->end < a)
					continue;
				s->hits[s->nhits].bar = bar;
				s->hits[s->nhits].bar_start = a;
				s->hits[s->nhits].bar_end = b;
				s->hits[s->nhits].fb = *f;
				s->nhits++;
			}
		}
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
	return 0;
}
