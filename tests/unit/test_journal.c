// SPDX-License-Identifier: GPL-2.0-or-later
/* The journal entry format: what restore trusts after a crash must round-trip and reject junk. */
#include <errno.h>
#include <string.h>

#include "core/journal.h"
#include "tap.h"

static void test_roundtrip(void)
{
	struct vfc_jentry e = { .bdf = "0000:01:00.0", .driver = "e1000e", .override = "",
				.vendor = 0x8086, .device = 0x10d3, .pid = 42, .time = 1700000000,
				.instance = 18446744073709551615ull };
	struct vfc_jentry back;
	char buf[512];

	OK(vfc_jentry_format(&e, buf, sizeof(buf)) > 0, "format");
	OK(strstr(buf, "override -\n") != NULL, "an unset override is written as '-'");
	OK(vfc_jentry_parse(buf, &back) == 0, "parse what format wrote");
	IS_STR(back.bdf, "0000:01:00.0", "bdf");
	IS_STR(back.driver, "e1000e", "driver");
	IS_STR(back.override, "", "override unset");
	OK(back.vendor == 0x8086 && back.device == 0x10d3, "ids");
	OK(back.pid == 42 && back.time == 1700000000, "pid and time");
	OK(back.instance == 18446744073709551615ull, "instance (the device's sysfs inode), 64 bits");

	e.driver[0] = '\0';
	strcpy(e.override, "pci-stub");
	OK(vfc_jentry_format(&e, buf, sizeof(buf)) > 0 && vfc_jentry_parse(buf, &back) == 0 &&
	   !back.driver[0] && !strcmp(back.override, "pci-stub"), "no driver, override kept");
	OK(vfc_jentry_format(&e, buf, 16) < 0, "too small a buffer is an error, not a cut entry");
}

static void test_reject(void)
{
	struct vfc_jentry e;
	struct vfc_jentry bad = { .bdf = "0000:01:00.0", .driver = "../x" };

	OK(vfc_jentry_format(&bad, (char[256]){ 0 }, 256) == -EINVAL, "a driver with '/' refused");
	strcpy(bad.driver, "ok");
	strcpy(bad.bdf, "01:00");
	OK(vfc_jentry_format(&bad, (char[256]){ 0 }, 256) == -EINVAL, "a bad BDF refused");
	OK(vfc_jentry_parse("", &e) == -EINVAL, "empty");
	OK(vfc_jentry_parse("vfioctl-journal 2\nbdf 0000:01:00.0\ndriver -\noverride -\n", &e) ==
	   -EINVAL, "unknown version");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\noverride -\n", &e) == -EINVAL,
	   "missing driver line");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\ndriver a/b\noverride -\n", &e) ==
	   -EINVAL, "driver with a slash");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 1:2:3\ndriver -\noverride -\n", &e) == -EINVAL,
	   "garbage bdf");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\ndriver -\noverride -\nvendor x\n",
			    &e) == -EINVAL, "garbage vendor");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 01:00.0\ndriver nvme\noverride -\nfuture 1\n",
			    &e) == 0 && !strcmp(e.bdf, "0000:01:00.0") && e.vendor == -1,
	   "short BDF canonicalised, unknown keys ignored, ids unknown");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\ndriver -\noverride -\n", &e) == 0 &&
	   e.instance == 0, "an entry without an instance (older vfioctl): unknown, 0");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\ndriver -\noverride -\n"
			    "instance -5\n", &e) == -EINVAL, "negative instance");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\ndriver -\noverride -\n"
			    "instance 12x\n", &e) == -EINVAL, "garbage instance");
	OK(vfc_jentry_parse("vfioctl-journal 1\nbdf 0000:01:00.0\ndriver\n", &e) == -EINVAL,
	   "a key without a value");
}

int main(void)
{
	test_roundtrip();
	test_reject();
	return tap_done();
}
