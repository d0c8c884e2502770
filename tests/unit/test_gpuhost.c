// SPDX-License-Identifier: GPL-2.0-or-later
/* The GPU host's pure parsers: /proc/iomem framebuffers, newc cpio names, reset_method. */
#include <stdlib.h>
#include <string.h>

#include "core/framebuffer.h"
#include "core/initramfs.h"
#include "core/power.h"
#include "core/util.h"
#include "tap.h"

static size_t newc(unsigned char *b, const char *name, const char *data)
{
	size_t nl = strlen(name) + 1, dl = strlen(data), o;

	o = (size_t)sprintf((char *)b, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
			    1, 0100644, 0, 0, 1, 0, dl, 0, 0, 0, 0, nl, 0);
	memcpy(b + o, name, nl);
	o = (o + nl + 3) & ~(size_t)3;
	memcpy(b + o, data, dl);
	return (o + dl + 3) & ~(size_t)3;
}

int main(void)
{
	struct vfc_fb_state s;
	unsigned char buf[4096];
	char **names = NULL;
	size_t n = 0, len = 0;
	long used;

	memset(&s, 0, sizeof(s));
	vfc_fb_parse("00000000-00000fff : Reserved\ne0000000-efffffff : 0000:01:00.0\n"
		     "  e0000000-e07fffff : BOOTFB\n  e0800000-e08fffff : efifb\n", &s);
	OK(s.nfbs == 2 && !s.hidden, "two framebuffers, addresses visible");
	OK(s.fbs[0].start == 0xe0000000 && s.fbs[0].end == 0xe07fffff, "BOOTFB's range");
	IS_STR(s.fbs[1].name, "efifb", "efifb by name");
	vfc_fb_parse("00000000-00000000 : Reserved\n  00000000-00000000 : BOOTFB\n", &s);
	OK(s.hidden && s.nfbs == 1, "all zeros: hidden");
	vfc_fb_parse("", &s);
	OK(!s.hidden && !s.nfbs, "empty text");
	IS_STR(vfc_fb_cmdline_fix("efifb"), "video=efifb:off", "efifb fix");
	IS_STR(vfc_fb_cmdline_fix("BOOTFB"), "initcall_blacklist=sysfb_init", "BOOTFB fix");

	memset(buf, 0, sizeof(buf));
	len += newc(buf + len, "usr/lib/modules/x/nvidia.ko", "abc");
	len += newc(buf + len, "TRAILER!!!", "");
	len += 512;			/* zero padding, then a second archive */
	len += newc(buf + len, "lib/udev/rules.d/05-vfioctl-initramfs.rules", "x");
	len += newc(buf + len, "TRAILER!!!", "");
	used = vfc_cpio_names(buf, len, &names, &n);
	OK(used == (long)len && n == 2, "two archives, two names (%ld of %zu bytes)", used, len);
	{
		struct vfc_initramfs ir = { .files = names, .nfiles = n };

		OK(vfc_initramfs_has_module(&ir, "nvidia"), "nvidia.ko found");
		OK(!vfc_initramfs_has_module(&ir, "nvidia_drm"), "no nvidia_drm");
		OK(vfc_initramfs_has_hook(&ir), "the hook's rule found");
	}
	vfc_strv_free(names);
	names = NULL;
	n = 0;
	memcpy(buf + len, "\x28\xb5\x2f\xfd", 4);	/* a zstd part follows */
	used = vfc_cpio_names(buf, len + 4, &names, &n);
	OK(used == (long)len, "stops where a compressed part begins");
	vfc_strv_free(names);
	names = NULL;
	n = 0;
	OK(vfc_cpio_names((const unsigned char *)"070701zz", 8, &names, &n) == 0, "short header");
	{
		unsigned char bad[200];

		memset(bad, 0, sizeof(bad));
		newc(bad, "a", "");
		memcpy(bad + 54, "7fffffff", 8);	/* filesize past the end */
		OK(vfc_cpio_names(bad, 120, &names, &n) == -22, "a size past the end: -EINVAL");
		vfc_strv_free(names);
	}
	{
		struct vfc_device d;
		struct vfc_power p;
		struct vfc_reset_verdict v;

		memset(&d, 0, sizeof(d));
		memset(&p, 0, sizeof(p));
		d.cfg.flr = VFC_YES;
		d.vendor = 0x1002;
		d.class_code = 0x030000;
		p.has_reset_method = true;
		vfc_split_words("flr pm bus", &p.reset_methods);
		vfc_power_reset_eval(&p, &d, &v);
		OK(!v.overridden && !v.device_specific, "the kernel's order");
		vfc_strv_free(p.reset_methods);
		vfc_split_words("bus flr", &p.reset_methods);
		vfc_power_reset_eval(&p, &d, &v);
		OK(v.overridden && strstr(v.why, "bus before flr"), "out of order: %s", v.why);
		vfc_strv_free(p.reset_methods);
		vfc_split_words("bus", &p.reset_methods);
		p.vendor_reset = true;
		vfc_power_reset_eval(&p, &d, &v);
		OK(v.overridden && v.vendor_reset_unused, "flr left out; vendor-reset unused");
		vfc_strv_free(p.reset_methods);
	}
	return tap_done();
}
