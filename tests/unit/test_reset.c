// SPDX-License-Identifier: GPL-2.0-or-later
/* Reset planning: method names, usable methods, the method choice, scope judging. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/reset.h"
#include "core/util.h"
#include "tap.h"

/* -Wwrite-strings: string literals are const; method vectors are char *const *. */
static char s_flr[] = "flr", s_pm[] = "pm", s_bus[] = "bus";
static char *const none[] = { NULL };
static char *const flr_pm_bus[] = { s_flr, s_pm, s_bus, NULL };
static char *const pm_bus[] = { s_pm, s_bus, NULL };
static char *const bus_only[] = { s_bus, NULL };

static void test_names(void)
{
	enum vfc_reset_method m;

	OK(!vfc_reset_method_parse("auto", &m) && m == VFC_RESET_AUTO, "parse auto");
	OK(!vfc_reset_method_parse("hot", &m) && m == VFC_RESET_HOT, "parse hot");
	OK(!vfc_reset_method_parse("bus", &m) && m == VFC_RESET_BUS, "parse bus");
	OK(vfc_reset_method_parse("none", &m) == -EINVAL, "none is an answer, not a request");
	OK(vfc_reset_method_parse("function", &m) == -EINVAL, "function is not a request");
	OK(vfc_reset_method_parse("", &m) == -EINVAL && vfc_reset_method_parse(NULL, &m) == -EINVAL,
	   "empty and NULL refused");
	IS_STR(vfc_reset_method_name(VFC_RESET_DEVICE), "device", "name of device");
	IS_STR(vfc_reset_method_name((enum vfc_reset_method)99), "?", "name out of range");
}

static void test_usable(void)
{
	char **v;

	OK(!vfc_reset_usable(flr_pm_bus, true, &v) && vfc_strv_len(v) == 3, "alone: all three");
	vfc_strv_free(v);
	OK(!vfc_reset_usable(flr_pm_bus, false, &v) && vfc_strv_len(v) == 2 &&
	   !vfc_strv_contains(v, "bus"), "shared bus: bus dropped, order kept");
	IS_STR(v[0], "flr", "flr first");
	vfc_strv_free(v);
	OK(!vfc_reset_usable(bus_only, false, &v) && vfc_strv_len(v) == 0,
	   "behind the pcie-pci-bridge: `bus` listed, nothing usable");
	vfc_strv_free(v);
	OK(!vfc_reset_usable(NULL, true, &v) && vfc_strv_len(v) == 0, "no attribute: none");
	vfc_strv_free(v);
}

static enum vfc_reset_method choose(enum vfc_reset_method req, struct vfc_reset_facts f, char *why)
{
	return vfc_reset_choose(req, &f, why, 512);
}

static void test_choose(void)
{
	char why[512];
	struct vfc_reset_facts vfio = { .on_vfio = true, .driver = "vfio-pci",
					.vfio_reset = VFC_UNKNOWN, .methods = pm_bus,
					.usable = pm_bus, .hot_possible = true };
	struct vfc_reset_facts f;

	OK(choose(VFC_RESET_AUTO, vfio, why) == VFC_RESET_DEVICE, "auto on vfio with pm: device");
	f = vfio;
	f.vfio_reset = VFC_NO;
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_HOT, "kernel says no device reset: hot");
	f.hot_blockers = 1;
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_NONE && strstr(why, "no reset method") &&
	   strstr(why, "blocked by 1 device"), "blocked hot and no function reset: none, says why");
	f = vfio;
	f.usable = none;
	f.hot_possible = false;
	f.hot_why = "it is on a root bus";
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_NONE && strstr(why, "root bus"),
	   "root bus and no method: none (%s)", why);
	OK(choose(VFC_RESET_HOT, f, why) == VFC_RESET_NONE && strstr(why, "no hot reset"),
	   "hot on a root bus: none");
	f = vfio;
	f.held = true;
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_NONE && strstr(why, "another process"),
	   "held: none");
	OK(choose(VFC_RESET_PM, f, why) == VFC_RESET_NONE, "held: no sysfs reset either");
	f = vfio;
	OK(choose(VFC_RESET_FLR, f, why) == VFC_RESET_NONE && strstr(why, "offers pm bus"),
	   "flr not offered: none, lists the offer (%s)", why);
	OK(choose(VFC_RESET_PM, f, why) == VFC_RESET_PM, "pm offered: pm");
	f.usable = none;
	f.methods = bus_only;
	OK(choose(VFC_RESET_BUS, f, why) == VFC_RESET_NONE && strstr(why, "shares its bus"),
	   "bus listed but shared: says so");
	OK(choose(VFC_RESET_DEVICE, f, why) == VFC_RESET_NONE && strstr(why, "no reset method") &&
	   strstr(why, "--method hot"), "device without method: no reset method, suggests hot");

	f = (struct vfc_reset_facts){ .driver = "e1000e", .host_driver = true, .usable = pm_bus,
				      .methods = pm_bus, .vfio_reset = VFC_UNKNOWN, .hot_possible = true };
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_NONE && strstr(why, "host driver e1000e"),
	   "host driver: refused, named");
	OK(choose(VFC_RESET_DEVICE, f, why) == VFC_RESET_NONE && strstr(why, "on e1000e"),
	   "device method needs vfio");
	OK(choose(VFC_RESET_HOT, f, why) == VFC_RESET_NONE && strstr(why, "goes through VFIO"),
	   "hot needs vfio");
	f.host_driver = false;
	f.driver = NULL;
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_FUNCTION, "unbound with pm: sysfs function");
	f.usable = none;
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_NONE && strstr(why, "no reset method"),
	   "unbound without methods: no reset method");
	f = (struct vfc_reset_facts){ .driver = "pci-stub", .usable = flr_pm_bus,
				      .vfio_reset = VFC_UNKNOWN };
	OK(choose(VFC_RESET_AUTO, f, why) == VFC_RESET_FUNCTION, "pci-stub is not a host driver");
}

static void test_judge(void)
{
	struct vfc_reset_member m[4];
	struct vfc_reset_scope s = { .m = m, .n = 4, .possible = true };
	int owned[] = { 7 };

	memset(m, 0, sizeof(m));
	for (int i = 0; i < 4; i++) {
		snprintf(m[i].bdf, sizeof(m[i].bdf), "0000:02:0%d.0", i);
		m[i].known = true;
		m[i].group = 7;
	}
	strcpy(m[0].driver, "vfio-pci");
	m[0].on_vfio = m[0].target = true;
	strcpy(m[1].driver, "vfio-pci");
	m[1].on_vfio = true;
	m[1].holder_pid = 42;
	strcpy(m[1].holder_comm, "qemu");
	strcpy(m[1].holder_path, "/dev/vfio/7");
	strcpy(m[2].driver, "e1000");
	/* m[3]: unbound */
	OK(vfc_reset_scope_judge(&s, NULL, 0) == 3, "dry-run: three blockers");
	OK(m[0].owned && !m[0].blocker[0], "target on vfio: ownable, no blocker");
	OK(!m[1].owned && strstr(m[1].blocker, "held by pid 42 (qemu) via /dev/vfio/7"), "holder named");
	OK(strstr(m[2].blocker, "host driver e1000") != NULL, "host driver named");
	OK(strstr(m[3].blocker, "no driver") != NULL, "unbound: not on vfio");
	strcpy(m[2].driver, "pci-stub");
	vfc_reset_scope_judge(&s, NULL, 0);
	OK(strstr(m[2].blocker, "not bound to vfio-pci (on pci-stub)") != NULL,
	   "pci-stub: not vfio (%s)", m[2].blocker);
	m[1].holder_pid = 0;
	m[2].on_vfio = m[3].on_vfio = true;
	strcpy(m[2].driver, "vfio-pci");
	strcpy(m[3].driver, "vfio-pci");
	OK(vfc_reset_scope_judge(&s, owned, 1) == 0, "every group open: no blocker");
	m[3].group = 8;
	OK(vfc_reset_scope_judge(&s, owned, 1) == 1 && strstr(m[3].blocker, "group 8 is not open"),
	   "a group this run did not open blocks");
	m[3].bridge = true;
	vfc_reset_scope_judge(&s, owned, 1);
	OK(strstr(m[3].blocker, "bridge below") != NULL, "a bridge below the bus blocks");
}

int main(void)
{
	test_names();
	test_usable();
	test_choose();
	test_judge();
	return tap_done();
}
