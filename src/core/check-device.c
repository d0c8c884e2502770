// SPDX-License-Identifier: GPL-2.0-or-later
/* check: the items of one device (group, ACS, reset, node access, driver, SR-IOV). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/check-int.h"
#include "core/framebuffer.h"
#include "core/power.h"
#include "core/sriov.h"
#include "core/vftoken.h"
#include "core/reset.h"
#include "core/safety.h"

/* ---- device items ---- */

bool vfc_acs_enabled(const struct vfc_cfginfo *c)
{
	uint16_t want = VFC_ACS_SV | VFC_ACS_RR | VFC_ACS_CR | VFC_ACS_UF;

	if (c->acs != VFC_YES)
		return false;
	want &= c->acs_cap;
	return want && (c->acs_ctrl & want) == want;
}

static bool is_port(const struct vfc_device *d)
{
	return d->cfg.pcie_type == VFC_PCIE_ROOT_PORT || d->cfg.pcie_type == VFC_PCIE_DOWNSTREAM;
}

static void check_critical(const struct vfc_ctx *ctx, const struct vfc_device *d,
			   struct vfc_check_report *r)
{
	char why[400];
	int n = vfc_safety_check(ctx, d->name, why, sizeof(why));

	if (n > 0)
		vfc_check_add(r, d->name, "host-critical", VFC_CHECK_FAIL,
			      "pick another device: the host needs this one (vfioctl bind refuses "
			      "it without --force)", "%s", why);
	else if (n < 0)
		vfc_check_add(r, d->name, "host-critical", VFC_CHECK_WARN, NULL,
			      "could not check what the host uses it for: %s", strerror(-n));
	else
		vfc_check_add(r, d->name, "host-critical", VFC_CHECK_OK, NULL,
			      "no mounted filesystem, swap, route, console or boot VGA behind it");
}

static void check_group(const struct vfc_ctx *ctx, const struct vfc_iommu_state *st,
			const struct vfc_device *d, const struct vfc_group *g,
			struct vfc_check_report *r)
{
	char detail[512] = "", fix[512];
	bool critical = false;

	if (!g) {
		if (!st->enabled)
			vfc_check_add(r, d->name, "group", VFC_CHECK_FAIL,
				      "enable the IOMMU (see the host iommu item)",
				      "no IOMMU group: the IOMMU is off");
		else
			vfc_check_add(r, d->name, "group", VFC_CHECK_WARN,
				      "bind it to vfio-pci (vfioctl bind): SMMU-style IOMMUs group a "
				      "device when a driver probes it",
				      "no IOMMU group yet (driverless device)");
		return;
	}
	/* Taking a group takes every member: the host must not depend on any of them. */
	for (size_t i = 0; i < g->ndevs; i++) {
		const struct vfc_device *m = g->devs[i];
		char why[400];

		/* the device itself has its own host-critical item */
		if (m == d || m->is_bridge || !m->is_pci ||
		    vfc_safety_check(ctx, m->name, why, sizeof(why)) <= 0)
			continue;
		critical = true;
		vfc_check_cat(detail, sizeof(detail), "; ", "group member %s is host-critical (%s)", m->name,
		    why);
	}
	if (g->viable) {
		vfc_check_add(r, d->name, "group", critical ? VFC_CHECK_FAIL : VFC_CHECK_OK,
			      critical ? "pick a device whose group the host does not need" : NULL,
			      "group %d viable, %zu device%s%s%s", g->id, g->ndevs,
			      g->ndevs == 1 ? "" : "s", detail[0] ? "; " : "", detail);
		return;
	}
	{
		char blk[400] = "";

		for (size_t i = 0; i < g->nblockers; i++)
			vfc_check_cat(blk, sizeof(blk), "; ", "%s %s", g->blockers[i].dev->name,
			    g->blockers[i].reason);
		if (critical)
			snprintf(fix, sizeof(fix), "the group holds a device the host needs: use "
				 "another slot or device");
		else if (!vfc_group_assignable(g, NULL))
			snprintf(fix, sizeof(fix), "none: do not pass this group through (see the "
				 "assignable item)");
		else
			snprintf(fix, sizeof(fix), "vfioctl bind --group %s", d->name);
		vfc_check_add(r, d->name, "group", critical ? VFC_CHECK_FAIL : VFC_CHECK_WARN, fix,
			      "group %d not viable as bound now: %s%s%s", g->id, blk,
			      detail[0] ? "; " : "", detail);
	}
}

static void check_acs(const struct vfc_topology *t, const struct vfc_device *d,
		      const struct vfc_group *g, struct vfc_check_report *r)
{
	char missing[256] = "", enabled[256] = "", shared[256] = "", path[VFC_BDF_LEN * 8] = "";
	const struct vfc_device *chain[16];
	size_t nchain = 0, nshared = 0;
	bool unknown = false, legacy = false;
	const struct vfc_device *p = d;

	/* The path to the root: every upstream bridge, by the topology's parent links. */
	while (p && p->parent[0] && nchain < VFC_ARRAY_SIZE(chain)) {
		struct vfc_pciaddr a;

		if (vfc_pciaddr_parse(p->parent, &a))
			break;
		p = vfc_topology_device(t, &a);
		if (p)
			chain[nchain++] = p;
	}
	for (size_t i = 0; i < nchain; i++) {
		const struct vfc_device *b = chain[i];

		vfc_check_cat(path, sizeof(path), " <- ", "%s", b->name);
		if (b->cfg.pcie_type == VFC_PCIE_TO_PCI_BRIDGE || b->cfg.pcie_type == VFC_PCIE_NONE)
			legacy = legacy || b->cfg.pcie_type == VFC_PCIE_TO_PCI_BRIDGE;
		if (!is_port(b))
			continue;
		if (b->cfg_len <= 256 && b->cfg.acs != VFC_YES)
			unknown = true;
		else if (vfc_acs_enabled(&b->cfg))
			vfc_check_cat(enabled, sizeof(enabled), ", ", "%s", b->name);
		else
			vfc_check_cat(missing, sizeof(missing), ", ", "%s (%s)", b->name,
			    b->cfg.acs == VFC_YES ? "ACS not enabled" : "no ACS capability");
	}
	if (g) {
		for (size_t i = 0; i < g->ndevs; i++) {
			const struct vfc_device *m = g->devs[i];
			bool upstream = false;

			for (size_t k = 0; k < nchain; k++)
				upstream = upstream || chain[k] == m;
			if (m == d || upstream)
				continue;
			nshared++;
			vfc_check_cat(shared, sizeof(shared), ", ", "%s", m->name);
		}
	}
	if (unknown && !missing[0]) {
		vfc_check_add(r, d->name, "acs", VFC_CHECK_WARN, "run as root to read it",
			      "unknown: the ports' config space past 64 bytes needs root");
		return;
	}
	if (!nchain) {
		vfc_check_add(r, d->name, "acs", nshared ? VFC_CHECK_WARN : VFC_CHECK_OK,
			      nshared ? "assign the whole group together (vfioctl bind --group)"
				      : NULL,
			      "on a root bus (no bridge to the root complex)%s%s%s",
			      nshared ? "; shares its group with " : "", shared,
			      nshared ? " (integrated devices without ACS isolation)" : "");
		return;
	}
	if (missing[0] && nshared) {
		vfc_check_add(r, d->name, "acs", VFC_CHECK_WARN,
			      "assign the whole group together (vfioctl bind --group), or move the "
			      "card to a slot whose root port has ACS",
			      "missing on %s: shares group %d with %s", missing, g->id, shared);
		return;
	}
	if (nshared) {
		vfc_check_add(r, d->name, "acs", VFC_CHECK_WARN,
			      "assign the whole group together (vfioctl bind --group)",
			      "%s%s; shares group %d with %s%s",
			      enabled[0] ? "enabled on " : "path ", enabled[0] ? enabled : path, g->id,
			      shared, legacy ? " (behind a PCIe-to-PCI bridge: requester IDs alias)"
					     : d->cfg.multifunction == VFC_YES
						       ? " (multifunction device without ACS)" : "");
		return;
	}
	if (missing[0])
		vfc_check_add(r, d->name, "acs", VFC_CHECK_OK, NULL,
			      "missing on %s, yet the device has its group to itself", missing);
	else
		vfc_check_add(r, d->name, "acs", VFC_CHECK_OK, NULL, "enabled on %s",
			      enabled[0] ? enabled : path);
}

/* What a bus/slot (hot) reset would touch: "; hot reset of the bus possible (touches ...)". */
static void hot_reset_note(const struct vfc_topology *t, const struct vfc_device *d, char *buf,
			   size_t len)
{
	struct vfc_reset_scope sc;
	char who[200] = "";

	memset(&sc, 0, sizeof(sc));
	if (vfc_reset_scope_sysfs(t, d, &sc))
		return;
	if (!sc.possible) {
		vfc_check_cat(buf, len, "; ", "no hot reset (%s)", sc.why_not);
	} else {
		for (size_t i = 0; i < sc.n; i++)
			if (!sc.m[i].target)
				vfc_check_cat(who, sizeof(who), ", ", "%s", sc.m[i].bdf);
		vfc_check_cat(buf, len, "; ", "a hot reset of its bus is possible%s%s%s", who[0] ? " (also resets "
		    : "", who, who[0] ? ": all must be on vfio and owned)" : "");
	}
	vfc_reset_scope_free(&sc);
}

static void check_reset(const struct vfc_topology *t, const struct vfc_device *d,
			struct vfc_check_report *r)
{
	char fix[200], m[128] = "", note[400] = "";
	char **usable = NULL;

	snprintf(fix, sizeof(fix), "echo default > /sys/bus/pci/devices/%s/reset_method", d->name);
	if (d->has_reset_attr) {
		/* the reset engineer's rule: `bus` only counts when the device is alone on its bus */
		if (vfc_reset_usable_dev(t, d, &usable))
			usable = NULL;
		for (char **p = usable; p && *p; p++)
			vfc_check_cat(m, sizeof(m), " ", "%s", *p);
		vfc_strv_free(usable);
		if (m[0]) {
			vfc_check_add(r, d->name, "reset", VFC_CHECK_OK, NULL, "%s%s", m,
				      !strcmp(m, "bus") ? " (secondary bus reset by the upstream "
							  "bridge)" : "");
			return;
		}
		if (!d->reset_methods || !d->reset_methods[0]) {
			vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN, fix,
				      "every reset method is disabled (reset_method is empty): the "
				      "device keeps its state between users");
			return;
		}
	}
	/* The kernel hides reset_method when no method exists (>= 5.15); older kernels lack it. */
	if (!d->has_reset_attr &&
	    (d->cfg.flr == VFC_YES || (d->cfg.pm == VFC_YES && d->cfg.pm_nosoftrst == VFC_NO))) {
		vfc_check_add(r, d->name, "reset", VFC_CHECK_OK, NULL,
			      "%s%s (config space; the kernel does not list reset_method)",
			      d->cfg.flr == VFC_YES ? "flr" : "",
			      d->cfg.pm == VFC_YES && d->cfg.pm_nosoftrst == VFC_NO
				      ? (d->cfg.flr == VFC_YES ? " pm" : "pm") : "");
		return;
	}
	if (!d->has_reset_attr && d->cfg.flr == VFC_UNKNOWN) {
		vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN, "run as root to read config space",
			      "unknown: no reset_method attribute and config space is not readable");
		return;
	}
	hot_reset_note(t, d, note, sizeof(note));
	if (d->has_reset_attr)
		vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN,
			      "expect stale device state between users; give the device a slot of "
			      "its own to gain bus reset",
			      "no usable function reset: reset_method lists only bus and the device "
			      "shares its bus%s%s", note[0] ? "; " : "", note);
	else
		vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN,
			      "expect stale device state between users (some guest drivers fail); a "
			      "device alone on its bus gains bus reset",
			      "no reset method: no FLR, %s, %s%s%s",
			      d->cfg.pm_nosoftrst == VFC_YES ? "PM NoSoftRst set" : "no PM reset",
			      d->parent[0] ? "not alone on its bus" : "on a root bus",
			      note[0] ? "; " : "", note);
}

/*
 * power: power_state, d3cold_allowed and vfio-pci's disable_idle_d3. D3cold is normal for an
 * idle device a driver has runtime-suspended (vfio-pci >= 6.0 does so; a host driver wakes it
 * when vfioctl unbinds it); without a driver nothing will wake it: stuck.
 */
static void check_power(const struct vfc_device *d, const struct vfc_power *p, struct vfc_check_report *r)
{
	char detail[400] = "", fix[400];
	const char *drv = d->driver;

	vfc_check_cat(detail, sizeof(detail), ", ", "power_state %s",
		      p->power_state[0] ? p->power_state : "unknown (no power_state: kernel < 5.19)");
	vfc_check_cat(detail, sizeof(detail), ", ", "d3cold_allowed %s",
		      p->d3cold_allowed < 0 ? "absent" : p->d3cold_allowed ? "1" : "0");
	vfc_check_cat(detail, sizeof(detail), ", ", "vfio-pci disable_idle_d3 %s",
		      p->disable_idle_d3 < 0 ? p->vfio_pci_loaded ? "unknown (no such parameter)"
							      : "unknown (vfio_pci not loaded)"
		      : p->disable_idle_d3 ? "Y (idle devices stay in D0)"
					   : "N (idle devices go to D3)");
	if (strcmp(p->power_state, "D3cold")) {
		vfc_check_add(r, d->name, "power", VFC_CHECK_OK, NULL, "%s", detail);
		return;
	}
	if (!drv) {
		snprintf(fix, sizeof(fix), "echo 0 > /sys/bus/pci/devices/%s/d3cold_allowed; echo 1 > "
			 "/sys/bus/pci/devices/%s/remove; echo 1 > /sys/bus/pci/rescan (if it stays "
			 "off: a cold boot, or d3cold=no in vfioctl.conf)", d->name, d->name);
		vfc_check_add(r, d->name, "power", VFC_CHECK_FAIL, fix,
			      "stuck in D3cold: no driver is bound to power it up, its config space "
			      "reads as all ones and a guest cannot use it; %s", detail);
		return;
	}
	if (vfc_driver_is_vfio(drv))
		vfc_check_add(r, d->name, "power", VFC_CHECK_OK,
			      NULL, "in D3cold while idle: %s powered it off (runtime PM) and powers "
			      "it up when a user opens it; if it fails to come back, set vfio-pci "
			      "disable_idle_d3=1 or d3cold_allowed 0; %s", drv, detail);
	else
		vfc_check_add(r, d->name, "power", VFC_CHECK_OK, NULL,
			      "in D3cold: %s runtime-suspended it; unbinding wakes it; %s", drv,
			      detail);
}

/* reset-method: said only when the list is not the kernel's own, or device_specific matters. */
static void check_reset_method(const struct vfc_device *d, const struct vfc_power *p,
			       struct vfc_check_report *r)
{
	struct vfc_reset_verdict v;
	char list[160] = "", fix[200];

	vfc_power_reset_eval(p, d, &v);
	for (char **m = p->reset_methods; m && *m; m++)
		vfc_check_cat(list, sizeof(list), " ", "%s", *m);
	if (v.vendor_reset_unused) {
		snprintf(fix, sizeof(fix), "echo device_specific > /sys/bus/pci/devices/%s/"
			 "reset_method (vendor-reset #52)", d->name);
		vfc_check_add(r, d->name, "reset-method", VFC_CHECK_WARN, fix,
			      "vendor-reset is loaded but reset_method is \"%s\": since Linux 5.15 "
			      "its reset is used only when device_specific is chosen", list);
		return;
	}
	/* an empty list: the reset item already says every method is disabled */
	if (v.overridden && list[0]) {
		snprintf(fix, sizeof(fix), "if nobody meant to: echo default > "
			 "/sys/bus/pci/devices/%s/reset_method", d->name);
		vfc_check_add(r, d->name, "reset-method", VFC_CHECK_WARN, fix,
			      "overridden: reset_method is \"%s\" (%s)", list, v.why);
		return;
	}
	if (v.device_specific)
		vfc_check_add(r, d->name, "reset-method", VFC_CHECK_OK, NULL,
			      "device_specific first in \"%s\": a kernel quirk%s resets it", list,
			      p->vendor_reset ? " or vendor-reset" : "");
}

/*
 * framebuffer: a boot framebuffer (efifb, vesafb, BOOTFB/simpledrm) reserved inside one of the
 * device's BARs makes vfio-pci's BAR request fail ("BAR N: can't reserve"). Said for display
 * devices, and for any other device only when one is found.
 */
static void check_framebuffer(const struct vfc_ctx *ctx, const struct vfc_device *d,
			      struct vfc_check_report *r)
{
	bool display = d->class_code >= 0 && (d->class_code >> 16) == 0x03;
	struct vfc_fb_state s;
	char detail[512] = "", fix[512] = "", names[200] = "";

	if (vfc_fb_read(ctx, d->name, &s))
		return;
	if (!s.nhits) {
		if (!display)
			return;
		for (size_t i = 0; i < s.nfbs; i++)
			vfc_check_cat(names, sizeof(names), ", ", "%s", s.fbs[i].name);
		if (s.err)
			vfc_check_add(r, d->name, "framebuffer", VFC_CHECK_WARN,
				      "make /proc/iomem readable",
				      "unknown: /proc/iomem is unreadable (%s)", strerror(-s.err));
		else if (s.hidden)
			vfc_check_add(r, d->name, "framebuffer", VFC_CHECK_WARN,
				      "run vfioctl check as root",
				      "unknown: /proc/iomem shows every address as 0 to non-root "
				      "users%s%s%s", names[0] ? " (it lists " : "", names,
				      names[0] ? ")" : "");
		else
			vfc_check_add(r, d->name, "framebuffer", VFC_CHECK_OK, NULL,
				      "no boot framebuffer in its BARs%s%s%s",
				      names[0] ? " (" : "", names, names[0] ? " lies elsewhere)" : "");
		return;
	}
	for (size_t i = 0; i < s.nhits; i++) {
		const struct vfc_fb_hit *h = &s.hits[i];
		const char *drv = vfc_fb_driver(h->fb.name);

		char one[200];

		vfc_fb_hit_str(h, one, sizeof(one));
		vfc_check_cat(detail, sizeof(detail), "; ", "%s", one);
		if (!strstr(fix, vfc_fb_cmdline_fix(h->fb.name)))
			vfc_check_cat(fix, sizeof(fix), "; ", "boot with %s (vfioctl boot shows where "
				      "arguments go)%s%s%s%s%s", vfc_fb_cmdline_fix(h->fb.name),
				      drv ? ", or unbind it now: echo " : "", drv ? drv : "",
				      drv ? ".0 > /sys/bus/platform/drivers/" : "", drv ? drv : "",
				      drv ? "/unbind" : "");
	}
	vfc_check_add(r, d->name, "framebuffer", VFC_CHECK_FAIL, fix,
		      "%s: the boot framebuffer keeps it reserved, vfio-pci cannot claim the BAR "
		      "(\"BAR %d: can't reserve\") and the guest gets no display", detail,
		      s.hits[0].bar);
}

/* Can uid/gids open a node of this mode and ownership read-write? */
static bool may_rw(const struct stat *sb, const struct vfc_check_user *u)
{
	bool in_group = sb->st_gid == u->gid;

	for (size_t i = 0; i < u->ngids; i++)
		in_group = in_group || u->gids[i] == sb->st_gid;
	if (u->uid == 0)
		return true;
	if (sb->st_uid == u->uid)
		return (sb->st_mode & 0600) == 0600;
	if (in_group)
		return (sb->st_mode & 0060) == 0060;
	return (sb->st_mode & 0006) == 0006;
}

static void check_node_access(const struct vfc_ctx *ctx, const struct vfc_device *d,
			      const struct vfc_group *g, const struct vfc_check_opts *o,
			      struct vfc_check_report *r)
{
	char node[64], path[PATH_MAX], fix[200];
	struct stat sb;

	if (!g)
		return;
	snprintf(node, sizeof(node), "/dev/vfio/%s%d", g->noiommu ? "noiommu-" : "", g->id);
	if (vfc_path(ctx, path, sizeof(path), "%s", node) || stat(path, &sb)) {
		vfc_check_add(r, d->name, "group-node", VFC_CHECK_OK, NULL,
			      "%s does not exist yet: vfio-pci creates it when it binds a member",
			      node);
		return;
	}
	if (!o || !o->user) {
		vfc_check_add(r, d->name, "group-node", VFC_CHECK_OK, NULL,
			      "%s: uid %u gid %u mode %04o", node, (unsigned)sb.st_uid,
			      (unsigned)sb.st_gid, (unsigned)(sb.st_mode & 07777));
		return;
	}
	if (may_rw(&sb, o->user)) {
		vfc_check_add(r, d->name, "group-node", VFC_CHECK_OK, NULL,
			      "%s (uid %u gid %u mode %04o): %s can open it", node,
			      (unsigned)sb.st_uid, (unsigned)sb.st_gid,
			      (unsigned)(sb.st_mode & 07777), o->user->name);
		return;
	}
	snprintf(fix, sizeof(fix), "vfioctl bind --owner %s %s", o->user->name, d->name);
	vfc_check_add(r, d->name, "group-node", VFC_CHECK_WARN, fix,
		      "%s (uid %u gid %u mode %04o): %s cannot open it read-write", node,
		      (unsigned)sb.st_uid, (unsigned)sb.st_gid, (unsigned)(sb.st_mode & 07777),
		      o->user->name);
}

static void check_use(const struct vfc_topology *t, const struct vfc_device *d,
		      const struct vfc_group *g, struct vfc_check_report *r)
{
	char who[400] = "";

	for (size_t i = 0; g && i < g->nholders; i++)
		vfc_check_cat(who, sizeof(who), ", ", "%s (pid %d) via %s", g->holders[i].comm,
		    (int)g->holders[i].pid, g->holders[i].path);
	if (who[0])
		vfc_check_add(r, d->name, "in-use", VFC_CHECK_FAIL,
			      "stop that process (or use another device)", "held by %s", who);
	else if (!t->holders_complete)
		vfc_check_add(r, d->name, "in-use", VFC_CHECK_WARN, "run as root to see every process",
			      "not held by any process this user can see");
	else
		vfc_check_add(r, d->name, "in-use", VFC_CHECK_OK, NULL, "no process holds it");
}

static void check_driver(const struct vfc_device *d, struct vfc_check_report *r)
{
	const char *o = d->driver_override;

	if (o && *o && strcmp(o, "vfio-pci")) {
		char fix[160];

		snprintf(fix, sizeof(fix), "vfioctl bind %s (sets it to vfio-pci)", d->name);
		vfc_check_add(r, d->name, "driver", VFC_CHECK_WARN, fix,
			      "on %s; driver_override=%s: the next probe binds %s, not vfio-pci",
			      d->driver ? d->driver : "no driver", o, o);
		return;
	}
	vfc_check_add(r, d->name, "driver", VFC_CHECK_OK, NULL, "%s%s%s; driver_override %s",
		      d->driver ? "on " : "no driver", d->driver ? d->driver : "",
		      d->driver && !vfc_driver_is_vfio(d->driver) && !vfc_driver_dma_safe(d->driver)
			      ? " (a host driver: vfioctl bind moves it)" : "",
		      o && *o ? o : "unset");
}

/* A vfio-pci variant driver for the device (modules.alias): said only when there is one. */
static void check_variant(const struct vfc_ctx *ctx, const struct vfc_check_opts *o,
			  const struct vfc_device *d, struct vfc_check_report *r)
{
	char drv[VFC_DRIVER_NAME_MAX], fix[160];
	struct vfc_variant v;

	if (!o->variants || !vfc_variant_for(ctx, o->variants, d, drv, sizeof(drv), &v))
		return;
	if (d->driver && vfc_driver_is_vfio(d->driver) && strcmp(d->driver, drv)) {
		snprintf(fix, sizeof(fix), "vfioctl bind %s (moves it to %s)", d->name, drv);
		vfc_check_add(r, d->name, "vfio-driver", VFC_CHECK_WARN, fix,
			      "on %s, but its variant driver is %s (module %s, modules.alias)",
			      d->driver, drv, v.module);
		return;
	}
	vfc_check_add(r, d->name, "vfio-driver", VFC_CHECK_OK, NULL,
		      "%s%s (module %s, modules.alias): vfioctl bind uses it; --driver vfio-pci "
		      "forces the generic one", d->driver && !strcmp(d->driver, drv) ? "on its variant driver " : "variant driver ",
		      drv, v.module);
}

static void check_sriov(const struct vfc_topology *t, const struct vfc_device *d,
			struct vfc_check_report *r)
{
	if (d->physfn[0]) {
		struct vfc_pciaddr a;
		const struct vfc_device *pf = NULL;

		if (!vfc_pciaddr_parse(d->physfn, &a))
			pf = vfc_topology_device(t, &a);
		/* a PF on vfio-pci (enable_sriov) is its user's: the VF token item says the rest */
		vfc_check_add(r, d->name, "sriov", VFC_CHECK_OK, NULL,
			      "VF of %s (on %s, group %d): %s; disabling its VFs removes this device",
			      d->physfn, pf && pf->driver ? pf->driver : "no driver",
			      pf ? pf->group : -1,
			      pf && pf->driver && vfc_driver_is_vfio(pf->driver)
			      ? "the PF's own user (its VMM or driver) manages the VFs"
			      : "keep the PF on its host driver");
		return;
	}
	if (d->sriov_totalvfs < 0)
		return;
	{
		char vfs[400] = "", why[300], fix[200];
		size_t n = 0, held = 0;

		for (size_t i = 0; i < t->ndevs; i++) {
			const struct vfc_device *v = t->devs[i];

			if (strcmp(v->physfn, d->name))
				continue;
			if (++n <= 8)
				vfc_check_cat(vfs, sizeof(vfs), ", ", "%s (group %d)", v->name, v->group);
		}
		if (!n) {
			vfc_check_add(r, d->name, "sriov", VFC_CHECK_OK, NULL,
				      "PF with %d of %d VFs enabled (vfioctl sriov %s --vfs N makes "
				      "them)", d->sriov_numvfs, d->sriov_totalvfs, d->name);
			return;
		}
		vfc_sriov_pf_vfs(t, d->name, &held, why, sizeof(why));
		snprintf(fix, sizeof(fix), "assign the VFs, not the PF: vfioctl bind %s/vfs",
			 d->name);
		vfc_check_add(r, d->name, "sriov", VFC_CHECK_WARN, fix,
			      "PF with %d of %d VFs enabled: %s%s; moving the PF off %s removes "
			      "all %zu%s%s", d->sriov_numvfs, d->sriov_totalvfs, vfs,
			      n > 8 ? ", ..." : "", d->driver ? d->driver : "its driver", n,
			      held ? " and is refused: " : " (bind/unbind need --force)",
			      held ? why : "");
		/* the group item must not send the user to move the PF */
		for (size_t i = 0; i < r->n; i++)
			if (!strcmp(r->items[i].target, d->name) && !strcmp(r->items[i].item, "group") &&
			    strstr(r->items[i].fix, "bind --group"))
				snprintf(r->items[i].fix, sizeof(r->items[i].fix), "%s", fix);
	}
}

/*
 * Viable is what the kernel would accept; this is whether it makes sense. Said only when it
 * does not: a bridge, host bridge or IOMMU named as a target, or a group one must not take.
 */
static void check_assignable(const struct vfc_device *d, const struct vfc_group *g,
			     struct vfc_check_report *r)
{
	const struct vfc_device *keeper;
	const char *what;

	if (!vfc_device_assignable(d, &what)) {
		vfc_check_add(r, d->name, "assignable", VFC_CHECK_FAIL,
			      "pick an endpoint device (list --assignable); do not bind this one",
			      "%s is %s: it is never passed through to a guest", d->name, what);
		return;
	}
	if (g && !vfc_group_assignable(g, &keeper) && keeper) {
		vfc_device_assignable(keeper, &what);
		vfc_check_add(r, d->name, "assignable", VFC_CHECK_FAIL,
			      "use a device in another slot, whose group holds no host bridge, LPC "
			      "bridge or IOMMU",
			      "group %d holds %s (%s), which stays with the host", g->id, what,
			      keeper->name);
	}
}

/*
 * A "direct" reserved region is an RMRR (VT-d) or IVMD (AMD-Vi) range the firmware needs
 * mapped 1:1 for this device; the IOMMU driver refuses to attach such a device to a VFIO
 * domain. "direct-relaxable" (USB, integrated graphics) may be given up, and VFIO does.
 */
static void check_resv(const struct vfc_device *d, const struct vfc_group *g,
		       struct vfc_check_report *r)
{
	char ranges[256] = "";
	bool relaxable = false;

	if (!g)
		return;
	for (size_t i = 0; i < g->nresv; i++) {
		if (!strcmp(g->resv[i].type, "direct"))
			vfc_check_cat(ranges, sizeof(ranges), ", ", "0x%llx-0x%llx",
				      (unsigned long long)g->resv[i].start,
				      (unsigned long long)g->resv[i].end);
		else if (!strcmp(g->resv[i].type, "direct-relaxable"))
			relaxable = true;
	}
	if (ranges[0])
		vfc_check_add(r, d->name, "direct-map", VFC_CHECK_FAIL,
			      "none in vfioctl: the firmware demands the range (a firmware update or "
			      "setting may drop the RMRR); use a device in another group",
			      "group %d has a direct-mapped (RMRR/IVMD) reserved region %s: the IOMMU "
			      "driver refuses to attach its devices to a VFIO domain", g->id, ranges);
	else if (relaxable)
		vfc_check_add(r, d->name, "direct-map", VFC_CHECK_OK, NULL,
			      "group %d has a direct-relaxable region (USB/graphics RMRR): VFIO "
			      "gives it up", g->id);
}

/*
 * vfio-pci as the PF driver: its VFs open only with the PF's VF token (core/vftoken.h). A VF
 * of such a PF: warn before domain/exec fail with EACCES; the PF: say its user sets one.
 */
static void check_vf_token(const struct vfc_ctx *ctx, const struct vfc_device *d,
			   struct vfc_check_report *r)
{
	char why[400], fix[300];

	if (vfc_vf_token_needed(ctx, d->name, NULL, 0, why, sizeof(why))) {
		snprintf(fix, sizeof(fix), "open it with the token the PF's user set: vfioctl "
			 "domain %s --vf-token UUID (exec, QEMU vfio-pci,vf-token=UUID likewise)",
			 d->name);
		vfc_check_add(r, d->name, "vf-token", VFC_CHECK_WARN, fix, "%s", why);
	} else if (vfc_sriov_role_of(d) == VFC_SRIOV_PF && vfc_driver_is_vfio(d->driver)) {
		vfc_check_add(r, d->name, "vf-token", VFC_CHECK_OK, NULL,
			      "PF on %s: its VFs open only with the VF token its user sets "
			      "(vfioctl exec %s --vf-token UUID -- PROGRAM holds it open with one)",
			      d->driver, d->name);
	}
}

int vfc_check_device(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		     const struct vfc_iommu_state *st, const struct vfc_check_opts *o,
		     const struct vfc_device *d, struct vfc_check_report *r)
{
	const struct vfc_group *g = d->group != VFC_NO_GROUP ? vfc_topology_group(t, d->group)
							      : NULL;

	check_critical(ctx, d, r);
	check_assignable(d, g, r);
	check_group(ctx, st, d, g, r);
	check_resv(d, g, r);
	/*
	 * Isolation, reset, node and driver items advise how to pass it through: moot (and
	 * misleading: "vfioctl bind") for a device or group that is never passed through.
	 */
	if (!vfc_device_assignable(d, NULL) || (g && !vfc_group_assignable(g, NULL))) {
		check_use(t, d, g, r);
		return 0;
	}
	check_acs(t, d, g, r);
	check_framebuffer(ctx, d, r);
	check_reset(t, d, r);
	if (d->is_pci) {
		struct vfc_power p;

		if (!vfc_power_read(ctx, d->name, &p)) {
			check_reset_method(d, &p, r);
			check_power(d, &p, r);
		}
		vfc_power_free(&p);
	}
	check_use(t, d, g, r);
	check_node_access(ctx, d, g, o, r);
	check_driver(d, r);
	check_variant(ctx, o, d, r);
	check_sriov(t, d, r);
	check_vf_token(ctx, d, r);
	return 0;
}
