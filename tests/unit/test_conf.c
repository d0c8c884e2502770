// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl.conf lines: what apply binds at boot. */
#include <errno.h>
#include <string.h>

#include "core/conf.h"
#include "tap.h"

int main(void)
{
	struct vfc_conf_entry e;
	const char *why = NULL;

	OK(vfc_conf_parse_line("", &e, &why) == 0, "blank line");
	OK(vfc_conf_parse_line("   # comment only\n", &e, &why) == 0, "comment line");
	OK(vfc_conf_parse_line("01:00.0\n", &e, &why) == 1 && e.match.kind == VFC_TARGET_DEVICE &&
	   !strcmp(e.match_text, "0000:01:00.0") && !strcmp(e.driver, "vfio-pci") && !e.owner[0],
	   "BDF canonicalised, default driver vfio-pci");
	OK(vfc_conf_parse_line("10DE:2204 driver=pci-stub owner=qemu:kvm # gpu", &e, &why) == 1 &&
	   e.match.kind == VFC_TARGET_ID && !strcmp(e.match_text, "10de:2204") &&
	   !strcmp(e.driver, "pci-stub") && !strcmp(e.owner, "qemu:kvm"),
	   "ids, driver, owner, trailing comment");
	OK(vfc_conf_parse_line("12", &e, &why) == -EINVAL && strstr(why, "group"),
	   "group numbers refused");
	OK(vfc_conf_parse_line("group:3", &e, &why) == -EINVAL, "group:N refused");
	OK(vfc_conf_parse_line("01:00.0 driver=../x", &e, &why) == -EINVAL, "driver with a slash");
	OK(vfc_conf_parse_line("01:00.0 fast", &e, &why) == -EINVAL, "unknown word");
	OK(vfc_conf_parse_line("nvme0", &e, &why) == -EINVAL && !strstr(why, "group number"),
	   "names refused, without offering a group number (issue 23 item 4)");
	OK(vfc_conf_parse_line("01:00", &e, &why) == -EINVAL && strstr(why, "PCI address"),
	   "a slot is refused: a line names one device or ids");
	OK(vfc_conf_parse_line("0000:01:00.0/vfs", &e, &why) == -EINVAL,
	   "a PF's VF set is refused (found by fuzz_conf): a line names one device or ids");
	return tap_done();
}
