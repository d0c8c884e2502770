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
	OK(vfc_conf_parse_line("01:00.0/vfs driver=vfio-pci", &e, &why) == 1 &&
	   e.match.kind == VFC_TARGET_VFS && !strcmp(e.match_text, "0000:01:00.0/vfs") && e.binds,
	   "PF/vfs: every VF of a PF (issue 21)");
	OK(vfc_conf_parse_line("01:00.0 vfs=7 autoprobe=no", &e, &why) == 1 && e.vfs == 7 &&
	   e.autoprobe == 0 && !e.binds && e.d3cold == -1 && !e.reset_method[0],
	   "a PF line: vfs= and autoprobe=, no bind");
	OK(vfc_conf_parse_line("01:00.0 autoprobe=yes", &e, &why) == 1 && e.vfs == -1 &&
	   e.autoprobe == 1 && !e.binds, "autoprobe= alone");
	OK(vfc_conf_parse_line("01:00.0 vfs=2 driver=vfio-pci", &e, &why) == -EINVAL &&
	   strstr(why, "PF/vfs"), "vfs= with driver=: the PF keeps its driver");
	OK(vfc_conf_parse_line("8086:10fb vfs=2", &e, &why) == -EINVAL, "vfs= on ids refused");
	OK(vfc_conf_parse_line("01:00.0/vfs vfs=2", &e, &why) == -EINVAL, "vfs= on PF/vfs refused");
	OK(vfc_conf_parse_line("01:00.0 vfs=-1", &e, &why) == -EINVAL, "negative vfs=");
	OK(vfc_conf_parse_line("03:00.0 reset_method=flr,bus d3cold=no", &e, &why) == 1 &&
	   !strcmp(e.reset_method, "flr bus") && e.d3cold == 0 && e.binds,
	   "reset_method= (commas: the kernel's spaces) and d3cold= (issue 22)");
	OK(vfc_conf_parse_line("03:00.0 reset_method=default", &e, &why) == -EINVAL,
	   "reset_method=default refused (not idempotent: the kernel's default list is unknown)");
	OK(vfc_conf_parse_line("03:00.0 reset_method=flr,,", &e, &why) == 1 &&
	   !strcmp(e.reset_method, "flr"), "empty methods skipped");
	OK(vfc_conf_parse_line("03:00.0 reset_method=warm", &e, &why) == -EINVAL,
	   "an unknown reset method refused");
	OK(vfc_conf_parse_line("03:00.0 d3cold=maybe", &e, &why) == -EINVAL, "d3cold= yes|no");
	{
		char buf[256];

		vfc_conf_parse_line("01:00.0 vfs=7 autoprobe=no", &e, &why);
		vfc_conf_format(&e, buf, sizeof(buf));
		OK(!strcmp(buf, "0000:01:00.0 vfs=7 autoprobe=no\n"), "format: a PF line");
		vfc_conf_parse_line("03:00.0 owner=qemu reset_method=flr,bus d3cold=yes", &e, &why);
		vfc_conf_format(&e, buf, sizeof(buf));
		OK(!strcmp(buf, "0000:03:00.0 driver=vfio-pci owner=qemu reset_method=flr,bus "
				"d3cold=yes\n"), "format: a device line");
	}
	return tap_done();
}
