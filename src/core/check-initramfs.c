// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check: the initramfs item. A host driver of a device in vfioctl.conf that is in the running
 * kernel's initramfs binds the device there, before the real root's `vfioctl apply`, unless
 * vfioctl's hook is in the image too. Only when vfioctl.conf names devices: listing a
 * compressed image runs lsinitramfs/lsinitrd (a second or more), which a check of a host
 * that persists nothing should not pay.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/boot.h"
#include "core/check-int.h"
#include "core/initramfs.h"

void vfc_check_initramfs(const struct vfc_ctx *ctx, struct vfc_check_report *r)
{
	struct vfc_boot_state bs;
	struct vfc_initramfs ir;
	char in[256] = "", out[256] = "", fix[400];
	const char *regen;
	int rc;

	if (vfc_boot_read(ctx, &bs) || !bs.nconf) {
		vfc_boot_free(&bs);
		return;
	}
	rc = vfc_initramfs_list(ctx, &ir);
	regen = strstr(ir.path, "/initramfs-") ? "dracut -f" : "update-initramfs -u";
	if (rc) {
		vfc_check_add(r, "host", "initramfs", VFC_CHECK_WARN,
			      rc == -ENOTSUP ? "install lsinitramfs (initramfs-tools) or lsinitrd "
					       "(dracut), or run as root" : "run as root",
			      "cannot list %s%s: %s", ir.path,
			      rc == -ENOTSUP ? " (compressed, and neither lsinitramfs nor lsinitrd "
					       "is installed)" : "", strerror(-rc));
		goto out;
	}
	if (!ir.path[0]) {
		vfc_check_add(r, "host", "initramfs", VFC_CHECK_OK, NULL,
			      "no initramfs image for %s (/boot/initrd.img-%s, "
			      "/boot/initramfs-%s.img): host drivers load from the real root",
			      ir.release[0] ? ir.release : "the running kernel (release unknown)",
			      ir.release[0] ? ir.release : "R", ir.release[0] ? ir.release : "R");
		goto out;
	}
	for (size_t i = 0; i < bs.ndrivers; i++) {
		char mod[64];

		if (vfc_read_link_base(ctx, mod, sizeof(mod), "/sys/bus/pci/drivers/%s/module",
				       bs.drivers[i]) <= 0)
			snprintf(mod, sizeof(mod), "%s", bs.drivers[i]);
		if (vfc_initramfs_has_module(&ir, mod))
			vfc_check_cat(in, sizeof(in), ", ", "%s", mod);
		else
			vfc_check_cat(out, sizeof(out), ", ", "%s", mod);
	}
	if (vfc_initramfs_has_hook(&ir)) {
		vfc_check_add(r, "host", "initramfs", VFC_CHECK_OK, NULL,
			      "%s holds vfioctl's hook: it binds the %zu configured device(s) before "
			      "any host driver%s%s%s", ir.path, bs.nconf, in[0] ? " (" : "", in,
			      in[0] ? " included)" : "");
		goto out;
	}
	if (in[0]) {
		snprintf(fix, sizeof(fix), "%s%s, so the image carries vfioctl's hook",
			 bs.hook ? "" : "install vfioctl's initramfs hook (make install or the "
				  "package), then ", regen);
		vfc_check_add(r, "host", "initramfs", VFC_CHECK_FAIL, fix,
			      "%s holds %s, the host driver of a device in vfioctl.conf, but not "
			      "vfioctl's hook%s: that driver claims the device at boot, before the "
			      "real root's vfioctl apply", ir.path, in,
			      bs.hook ? " (installed on the host since the image was made)" : "");
		goto out;
	}
	vfc_check_add(r, "host", "initramfs", VFC_CHECK_OK, NULL,
		      "%s (listed by %s) holds no host driver of the configured devices%s%s%s: they "
		      "load from the real root", ir.path, ir.lister, out[0] ? " (" : "", out,
		      out[0] ? ")" : "");
out:
	vfc_initramfs_free(&ir);
	vfc_boot_free(&bs);
}
