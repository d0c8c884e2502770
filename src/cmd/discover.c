// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Discovery, what list (cmd/list.c) and show (cmd/show.c) share: the columns, the rows and
 * the scan (the PCI tree: discover-tree.c). Columns are declared once here; every format
 * renders them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/framebuffer.h"
#include "core/host.h"
#include "core/names.h"
#include "core/pciaddr.h"
#include "core/power.h"
#include "core/reset.h"
#include "core/topology.h"
#include "core/vfio.h"
#include "core/vftoken.h"
#include "vfioctl.h"

#include "cmd/discover.h"

/* ---- columns ---- */

enum { B_BDF, B_DRIVER, B_REASON, B_FIX };
static const struct out_col blocker_cols[] = {
	[B_BDF] = { "BDF", OUT_STR, 12, OUT_DEFAULT, "device that blocks viability" },
	[B_DRIVER] = { "DRIVER", OUT_STR, 10, OUT_DEFAULT, "its driver" },
	[B_REASON] = { "REASON", OUT_STR, 0.4, OUT_DEFAULT, "why it blocks" },
	[B_FIX] = { "FIX", OUT_STR, 0.4, OUT_DEFAULT, "what makes the group viable" },
};
static const struct out_schema blocker_schema = { "blockers", blocker_cols,
						  VFC_ARRAY_SIZE(blocker_cols) };

enum { H_PID, H_COMM, H_PATH };
static const struct out_col holder_cols[] = {
	[H_PID] = { "PID", OUT_NUM, 6, OUT_DEFAULT | OUT_RIGHT, "process id" },
	[H_COMM] = { "COMM", OUT_STR, 16, OUT_DEFAULT, "process name" },
	[H_PATH] = { "PATH", OUT_STR, 20, OUT_DEFAULT, "the open VFIO node" },
};
static const struct out_schema holder_schema = { "holders", holder_cols,
						 VFC_ARRAY_SIZE(holder_cols) };

enum {
	D_BDF, D_GROUP, D_CLASS, D_VENDOR_ID, D_DEVICE_ID, D_SVENDOR_ID, D_SDEVICE_ID, D_IDS,
	D_VENDOR, D_DEVICE, D_NAME, D_DRIVER, D_OVERRIDE, D_RESET, D_RESET_TEXT, D_NUMA, D_KIND, D_PCIE,
	D_PARENT, D_SRIOV_ROLE, D_PHYSFN, D_VF_INDEX, D_TOTALVFS, D_NUMVFS, D_FLR, D_PM_NOSOFTRST,
	D_ACS, D_GROUP_VIABLE, D_BLOCKS,
	/* show only (show_dev_schema): the group's verdict carried to the device */
	D_VFIO_DRIVER, D_GROUP_DEVICES, D_GROUP_BLOCKERS, D_HOLDERS,
	/* show only: power and reset settings, a boot framebuffer in a BAR (check's items) */
	D_POWER_STATE, D_D3COLD_ALLOWED, D_RESET_OVERRIDDEN, D_BOOT_FRAMEBUFFER,
};

static const struct out_col dev_cols[] = {
	[D_BDF] = { "BDF", OUT_STR, 12, OUT_DEFAULT, "PCI address (domain:bus:device.function)" },
	[D_GROUP] = { "GROUP", OUT_NUM, 5, OUT_RIGHT, "IOMMU group (null: none)" },
	[D_CLASS] = { "CLASS", OUT_STR, 6, OUT_DEFAULT, "class code, 6 hex digits" },
	[D_VENDOR_ID] = { "VENDOR_ID", OUT_STR, 4, 0, "vendor id, 4 hex digits" },
	[D_DEVICE_ID] = { "DEVICE_ID", OUT_STR, 4, 0, "device id, 4 hex digits" },
	[D_SVENDOR_ID] = { "SUBSYSTEM_VENDOR_ID", OUT_STR, 4, 0, "subsystem vendor id" },
	[D_SDEVICE_ID] = { "SUBSYSTEM_DEVICE_ID", OUT_STR, 4, 0, "subsystem device id" },
	[D_IDS] = { "IDS", OUT_STR, 9, OUT_DEFAULT | OUT_TEXT, "vendor:device ids" },
	[D_VENDOR] = { "VENDOR", OUT_STR, 0.2, OUT_TRUNC, "vendor name (pci.ids)" },
	[D_DEVICE] = { "DEVICE", OUT_STR, 0.3, OUT_TRUNC, "device name (pci.ids)" },
	[D_NAME] = { "NAME", OUT_STR, 0.4, OUT_DEFAULT | OUT_TRUNC | OUT_TEXT,
		     "vendor and device name" },
	[D_DRIVER] = { "DRIVER", OUT_STR, 10, OUT_DEFAULT, "bound driver (null: none)" },
	[D_OVERRIDE] = { "DRIVER_OVERRIDE", OUT_STR, 10, 0, "driver_override (null: unset)" },
	[D_RESET] = { "RESET_METHODS", OUT_STRV, 8, 0,
		      "reset methods the kernel offers ([]: none; null: kernel does not say)" },
	[D_RESET_TEXT] = { "RESET", OUT_STR, 8, OUT_TEXT,
			   "function reset methods usable now, or \"no reset method\"" },
	[D_NUMA] = { "NUMA_NODE", OUT_NUM, 4, OUT_RIGHT, "NUMA node (null: none)" },
	[D_KIND] = { "KIND", OUT_STR, 8, 0, "endpoint, bridge, host-bridge, or non-pci (group member)" },
	[D_PCIE] = { "PCIE_TYPE", OUT_STR, 10, 0, "PCIe port type (null: conventional/unknown)" },
	[D_PARENT] = { "PARENT", OUT_STR, 12, 0, "upstream bridge (null: on a root bus)" },
	[D_SRIOV_ROLE] = { "SRIOV_ROLE", OUT_STR, 4, 0, "pf, vf or none (SR-IOV)" },
	[D_PHYSFN] = { "PHYSFN", OUT_STR, 12, 0, "SR-IOV physical function of a VF" },
	[D_VF_INDEX] = { "VF_INDEX", OUT_NUM, 3, OUT_RIGHT, "a VF's index on its PF (null: not a VF)" },
	[D_TOTALVFS] = { "SRIOV_TOTALVFS", OUT_NUM, 3, OUT_RIGHT, "VFs the PF supports" },
	[D_NUMVFS] = { "SRIOV_NUMVFS", OUT_NUM, 3, OUT_RIGHT, "VFs enabled on the PF" },
	[D_FLR] = { "FLR", OUT_BOOL, 3, 0, "function level reset capable (config space)" },
	[D_PM_NOSOFTRST] = { "PM_NOSOFTRST", OUT_BOOL, 3, 0,
			     "PM No_Soft_Reset set: D3hot->D0 does not reset (null: no PM cap)" },
	[D_ACS] = { "ACS", OUT_BOOL, 3, 0, "ACS capability present (config space)" },
	[D_GROUP_VIABLE] = { "GROUP_VIABLE", OUT_BOOL, 3, 0, "the device's group is viable" },
	[D_BLOCKS] = { "BLOCKS", OUT_BOOL, 3, 0, "this device keeps its group from being viable" },
	[D_VFIO_DRIVER] = { "VFIO_DRIVER", OUT_STR, 10, 0,
			    "the driver bind picks (--driver auto): its vfio-pci variant driver "
			    "(modules.alias), else vfio-pci; null: not bound by vfioctl (show)" },
	[D_GROUP_DEVICES] = { "GROUP_DEVICES", OUT_STRV, 12, 0,
			      "every member of the device's group (show)" },
	[D_GROUP_BLOCKERS] = { "GROUP_BLOCKERS", OUT_SUB, 0, 0,
			       "devices that keep its group from being viable, with the fix (show)",
			       &blocker_schema },
	[D_HOLDERS] = { "HOLDERS", OUT_SUB, 0, 0,
			"processes that have its group or device open (show)", &holder_schema },
	[D_POWER_STATE] = { "POWER_STATE", OUT_STR, 6, 0, "D0, D3hot, D3cold (null: Linux < 5.19)" },
	[D_D3COLD_ALLOWED] = { "D3COLD_ALLOWED", OUT_BOOL, 3, 0, "D3cold allowed (null: unsaid)" },
	[D_RESET_OVERRIDDEN] = { "RESET_OVERRIDDEN", OUT_BOOL, 3, 0, "reset_method rewritten" },
	[D_BOOT_FRAMEBUFFER] = { "BOOT_FRAMEBUFFER", OUT_STR, 0.3, 0,
				 "a boot framebuffer inside one of its BARs (show; null: none "
				 "found)" },
};

/*
 * list's device rows stop at BLOCKS; show's device records also carry the group's verdict
 * (members, blockers with fixes, holders), which a listing repeats per group instead.
 */
const struct out_schema dev_schema = { "devices", dev_cols, D_BLOCKS + 1 };
const struct out_schema show_dev_schema = { "devices", dev_cols,
						   VFC_ARRAY_SIZE(dev_cols) };
const struct out_schema ungrouped_schema = { "ungrouped", dev_cols, D_BLOCKS + 1 };

enum { R_START, R_END, R_TYPE };
static const struct out_col resv_cols[] = {
	[R_START] = { "START", OUT_STR, 18, OUT_DEFAULT, "first address (hex string)" },
	[R_END] = { "END", OUT_STR, 18, OUT_DEFAULT, "last address, inclusive (hex string)" },
	[R_TYPE] = { "TYPE", OUT_STR, 8, OUT_DEFAULT, "msi, direct, reserved, ..." },
};
static const struct out_schema resv_schema = { "reserved_regions", resv_cols,
					       VFC_ARRAY_SIZE(resv_cols) };

enum { G_GROUP, G_TYPE, G_VIABLE, G_ASSIGNABLE, G_NOIOMMU, G_NDEVS, G_BACKENDS, G_DEVICES,
       G_BLOCKERS, G_HOLDERS, G_RESV };
static const struct out_col group_cols[] = {
	[G_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "IOMMU group number" },
	[G_TYPE] = { "TYPE", OUT_STR, 8, OUT_DEFAULT, "default domain type (DMA, DMA-FQ, ...)" },
	[G_VIABLE] = { "VIABLE", OUT_BOOL, 3, OUT_DEFAULT, "usable by VFIO as bound now" },
	[G_NOIOMMU] = { "NOIOMMU", OUT_BOOL, 3, 0, "a no-IOMMU group (unsafe, no isolation)" },
	[G_NDEVS] = { "NDEVS", OUT_NUM, 3, OUT_RIGHT | OUT_TEXT, "number of devices" },
	[G_BACKENDS] = { "BACKENDS", OUT_STRV, 10, 0,
			 "DMA backends the running kernel offers for it (domain --backend)" },
	[G_DEVICES] = { "DEVICES", OUT_SUB, 0, OUT_EXPAND, "member devices", &dev_schema },
	[G_BLOCKERS] = { "BLOCKERS", OUT_SUB, 0, 0, "devices that keep it from being viable",
			 &blocker_schema },
	[G_HOLDERS] = { "HOLDERS", OUT_SUB, 0, 0, "processes that have it open", &holder_schema },
	[G_RESV] = { "RESERVED_REGIONS", OUT_SUB, 0, 0, "IOVA ranges the IOMMU reserves",
		     &resv_schema },
	[G_ASSIGNABLE] = { "ASSIGNABLE", OUT_BOOL, 3, 0,
			   "worth passing through: holds a device that is not a bridge, host bridge "
			   "or IOMMU, and none that stays with the host" },
};
const struct out_schema group_schema = { "groups", group_cols, VFC_ARRAY_SIZE(group_cols) };

static const struct out_col iommu_cols[] = {
	[I_ENABLED] = { "ENABLED", OUT_BOOL, 3, 0, "an IOMMU is active" },
	[I_GROUPS] = { "GROUPS", OUT_NUM, 4, 0, "number of IOMMU groups" },
	[I_UNGROUPED] = { "UNGROUPED", OUT_NUM, 4, 0, "PCI devices without a group" },
	[I_UNITS] = { "UNITS", OUT_STRV, 8, 0, "/sys/class/iommu entries" },
	[I_CMDLINE] = { "CMDLINE", OUT_STR, 8, 0, "IOMMU words on the kernel command line" },
	[I_DIAG] = { "DIAGNOSIS", OUT_STR, 8, 0, "why there are no groups (null when fine)" },
	[I_HOLDERS_COMPLETE] = { "HOLDERS_COMPLETE", OUT_BOOL, 3, 0,
				 "every process could be checked for open VFIO nodes" },
	[I_NOIOMMU] = { "NOIOMMU_MODE", OUT_BOOL, 3, 0,
			"vfio's enable_unsafe_noiommu_mode is on (null: not built in)" },
};
const struct out_schema iommu_schema = { "iommu", iommu_cols, VFC_ARRAY_SIZE(iommu_cols) };


/* ---- rows ---- */

/*
 * NAME: "VENDOR DEVICE", as lspci says it; with the short vendor as the form a table too wide
 * for the terminal shows ("Intel Cannon Lake PCH PCI Express Root Port #1"), so that what is
 * cut is the vendor's long name, not the model.
 */
void disc_set_name(struct out_row *r, int col, const struct vfc_device *d)
{
	const char *v = d->vendor_name, *dev = d->device_name, *vs = "";
	char *full = NULL, *alt = NULL;
	size_t vn = 0;

	if (v)
		vn = vfc_vendor_short(v, &vs);
	if (asprintf(&full, "%s%s%s", v ? v : "", v && dev ? " " : "", dev ? dev : "") < 0)
		full = NULL;
	if (v && dev && asprintf(&alt, "%.*s %s", (int)vn, vs, dev) < 0)
		alt = NULL;
	if (full)
		out_set_str_alt(r, col, full, alt);
	free(full);
	free(alt);
}

static void set_tri(struct out_row *r, int col, enum vfc_tri v)
{
	if (v == VFC_UNKNOWN)
		out_set_null(r, col);
	else
		out_set_bool(r, col, v == VFC_YES);
}

/*
 * The columns a VFC_SCAN_BASIC snapshot can fill (identity, class, driver, group). `list`
 * showing no others scans only those, a fraction of the files of a full scan.
 */
const char *const basic_cols[] = {
	"BDF", "GROUP", "CLASS", "VENDOR_ID", "DEVICE_ID", "IDS", "VENDOR", "DEVICE", "NAME",
	"DRIVER", "GROUP_VIABLE", "BLOCKS", "TYPE", "VIABLE", "ASSIGNABLE", "NOIOMMU", "NDEVS", NULL
};


unsigned disc_fill_for(const struct vfc_cli *cli, bool basic)
{
	return (basic ? FILL_BASIC : 0) | (cli->out.format != OUT_FMT_JSON ? FILL_TEXT : 0);
}

void disc_fill_device(struct out_row *r, const struct vfc_topology *t, const struct vfc_device *d,
			unsigned fill)
{
	bool text = fill & FILL_TEXT;

	const struct vfc_group *g = d->group != VFC_NO_GROUP ? vfc_topology_group(t, d->group) : NULL;

	out_set_str(r, D_BDF, d->name);
	out_set_num_or_null(r, D_GROUP, d->group);
	out_set_hex(r, D_CLASS, d->class_code, 6);
	out_set_hex(r, D_VENDOR_ID, d->vendor, 4);
	out_set_hex(r, D_DEVICE_ID, d->device, 4);
	out_set_hex(r, D_SVENDOR_ID, d->subsys_vendor, 4);
	out_set_hex(r, D_SDEVICE_ID, d->subsys_device, 4);
	if (d->is_pci && text) {
		char ven[24] = "????", dev[24] = "????", ids[48];
		const char *v = ven, *dv = dev;
		size_t vl;

		if (d->vendor >= 0)
			v = out_fmt_hex(ven, sizeof(ven), (uint64_t)d->vendor, 4);
		if (d->device >= 0)
			dv = out_fmt_hex(dev, sizeof(dev), (uint64_t)d->device, 4);
		vl = strlen(v);
		memcpy(ids, v, vl);
		ids[vl] = ':';
		strcpy(ids + vl + 1, dv);	/* read_id caps both at 0xffff: 4 digits */
		out_set_str(r, D_IDS, ids);
	}
	out_set_str(r, D_VENDOR, d->vendor_name);
	out_set_str(r, D_DEVICE, d->device_name);
	if (text && (d->vendor_name || d->device_name))
		disc_set_name(r, D_NAME, d);
	else if (text && d->is_pci)
		out_set_str(r, D_NAME, "(unknown ids)");
	out_set_str(r, D_DRIVER, d->driver);
	if (g) {
		out_set_bool(r, D_GROUP_VIABLE, g->viable);
		out_set_bool(r, D_BLOCKS, !vfc_driver_dma_safe(d->driver));
	}
	if (fill & FILL_BASIC)
		return;
	out_set_str(r, D_OVERRIDE, d->driver_override);
	if (d->is_pci && d->has_reset_attr)
		out_set_strv(r, D_RESET, d->reset_methods);
	if (d->is_pci && text) {
		char **u = NULL, buf[128] = "";

		if (!vfc_reset_usable_dev(t, d, &u)) {
			for (size_t i = 0, used = 0; u[i] && used < sizeof(buf); i++)
				used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
							 i ? "," : "", u[i]);
			out_set_str(r, D_RESET_TEXT, buf[0] ? buf : "no reset method");
			vfc_strv_free(u);
		}
	}
	out_set_num_or_null(r, D_NUMA, d->numa_node);
	out_set_str(r, D_KIND, !d->is_pci ? "non-pci" : d->is_bridge ? "bridge"
				     : d->is_host_bridge ? "host-bridge" : "endpoint");
	out_set_str(r, D_PCIE, vfc_pcie_type_name(d->cfg.pcie_type));
	out_set_str(r, D_PARENT, d->parent[0] ? d->parent : NULL);
	if (d->is_pci)
		out_set_str(r, D_SRIOV_ROLE, vfc_sriov_role_name(vfc_sriov_role_of(d)));
	out_set_str(r, D_PHYSFN, d->physfn[0] ? d->physfn : NULL);
	out_set_num_or_null(r, D_VF_INDEX, vfc_sriov_vf_index(t->ctx, d));
	out_set_num_or_null(r, D_TOTALVFS, d->sriov_totalvfs);
	out_set_num_or_null(r, D_NUMVFS, d->sriov_numvfs);
	set_tri(r, D_FLR, d->cfg.flr);
	set_tri(r, D_PM_NOSOFTRST, d->cfg.pm_nosoftrst);
	set_tri(r, D_ACS, d->cfg.acs);
}

/* What the running kernel offers, probed once per run (opens /dev/vfio/vfio). */
static unsigned kernel_backends(const struct vfc_ctx *ctx)
{
	static bool done;
	static unsigned mask;

	if (!done) {
		vfc_backends_probe(ctx, NULL, &mask);
		done = true;
	}
	return mask;
}

static void set_backends(struct out_row *r, const struct vfc_topology *t, const struct vfc_group *g)
{
	const char *v[VFC_BACKEND_COUNT + 1] = { 0 };
	unsigned mask = kernel_backends(t->ctx);
	size_t k = 0;
	bool cdevs = g->ndevs > 0;

	/* iommufd needs every member that is not a bridge to have a vfio cdev (bound to vfio). */
	for (size_t i = 0; i < g->ndevs; i++)
		if (!g->devs[i]->is_bridge && !vfc_driver_is_vfio(g->devs[i]->driver))
			cdevs = false;
	if (g->noiommu)
		mask &= 1u << VFC_BACKEND_NOIOMMU;
	else
		mask &= ~(1u << VFC_BACKEND_NOIOMMU);
	for (unsigned b = 1; b < VFC_BACKEND_COUNT; b++) {
		if (!(mask & (1u << b)) || (b == VFC_BACKEND_IOMMUFD && !cdevs))
			continue;
		v[k++] = vfc_backend_name((enum vfc_backend)b);
	}
	out_set_strv(r, G_BACKENDS, (char *const *)v);
}

/* "0x%016llx" without a vsnprintf per address (two per reserved region, 8 k on the bench tree). */
static const char *resv_hex(char buf[19], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 17; i >= 2; i--, v >>= 4)
		buf[i] = digits[v & 0xf];
	buf[18] = '\0';
	return buf;
}

/* The blockers and holders sub-tables: a group's own, and carried by show to each member. */
static void fill_blockers(struct out_table *sub, const struct vfc_group *g)
{
	for (size_t i = 0; i < g->nblockers; i++) {
		struct out_row *b = out_row_add(sub);

		out_set_str(b, B_BDF, g->blockers[i].dev->name);
		out_set_str(b, B_DRIVER, g->blockers[i].dev->driver);
		out_set_str(b, B_REASON, g->blockers[i].reason);
		out_set_str(b, B_FIX, g->blockers[i].fix);
	}
}

static void fill_holders(struct out_table *sub, const struct vfc_group *g)
{
	for (size_t i = 0; i < g->nholders; i++) {
		struct out_row *h = out_row_add(sub);

		out_set_num(h, H_PID, g->holders[i].pid);
		out_set_str(h, H_COMM, g->holders[i].comm);
		out_set_str(h, H_PATH, g->holders[i].path);
	}
}

/*
 * show DEVICE: the group's verdict on the device's record, so that "group_viable: no" comes
 * with the members, the blockers and their fixes, and who holds it (a group is the unit VFIO
 * opens: a process holding /dev/vfio/N or a member's cdev holds this device too). A device
 * without a group has none of these (null).
 */
void disc_fill_device_verdict(struct out_row *r, const struct vfc_topology *t,
				const struct vfc_device *d)
{
	const struct vfc_group *g = d->group != VFC_NO_GROUP ? vfc_topology_group(t, d->group) : NULL;
	const char **v;

	if (!g)
		return;
	v = calloc(g->ndevs + 1, sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < g->ndevs; i++)
		v[i] = g->devs[i]->name;
	out_set_strv(r, D_GROUP_DEVICES, (char *const *)v);
	free(v);
	fill_blockers(out_sub(r, D_GROUP_BLOCKERS), g);
	fill_holders(out_sub(r, D_HOLDERS), g);
}

void disc_fill_vfio_driver(struct out_row *r, const struct vfc_ctx *ctx,
			   const struct vfc_variants *vs, const struct vfc_device *d)
{
	struct vfc_variant v;
	char drv[VFC_DRIVER_NAME_MAX];

	vfc_variant_for(ctx, vs, d, drv, sizeof(drv), &v);
	if (drv[0])
		out_set_str(r, D_VFIO_DRIVER, drv);
}

void disc_fill_device_power(struct out_row *r, const struct vfc_ctx *ctx,
			    const struct vfc_device *d)
{
	struct vfc_power p;
	struct vfc_fb_state fb;

	if (!d->is_pci)
		return;
	if (!vfc_power_read(ctx, d->name, &p)) {
		struct vfc_reset_verdict v;

		out_set_str(r, D_POWER_STATE, p.power_state[0] ? p.power_state : NULL);
		if (p.d3cold_allowed >= 0)
			out_set_bool(r, D_D3COLD_ALLOWED, p.d3cold_allowed);
		vfc_power_reset_eval(&p, d, &v);
		if (p.has_reset_method)
			out_set_bool(r, D_RESET_OVERRIDDEN, v.overridden);
	}
	vfc_power_free(&p);
	if (vfc_fb_read(ctx, d->name, &fb))
		return;
	if (fb.nhits) {
		char one[200];

		vfc_fb_hit_str(&fb.hits[0], one, sizeof(one));
		out_set_str(r, D_BOOT_FRAMEBUFFER, one);
	} else if (fb.hidden && fb.nfbs) {
		out_set_str(r, D_BOOT_FRAMEBUFFER, "unknown: /proc/iomem shows addresses to root only");
	}
}

void disc_fill_group(struct out_row *r, const struct vfc_topology *t, const struct vfc_group *g,
		       unsigned fill)
{
	struct out_table *sub;

	out_set_num(r, G_GROUP, g->id);
	out_set_str(r, G_TYPE, g->type);
	out_set_bool(r, G_VIABLE, g->viable);
	out_set_bool(r, G_ASSIGNABLE, vfc_group_assignable(g, NULL));
	out_set_bool(r, G_NOIOMMU, g->noiommu);
	out_set_num(r, G_NDEVS, (int64_t)g->ndevs);
	sub = out_sub(r, G_DEVICES);
	for (size_t i = 0; i < g->ndevs; i++)
		disc_fill_device(out_row_add(sub), t, g->devs[i], fill);
	if (fill & FILL_BASIC)
		return;
	set_backends(r, t, g);
	fill_blockers(out_sub(r, G_BLOCKERS), g);
	fill_holders(out_sub(r, G_HOLDERS), g);
	sub = out_sub(r, G_RESV);
	for (size_t i = 0; i < g->nresv; i++) {
		struct out_row *x = out_row_add(sub);
		char hex[19];

		out_set_str(x, R_START, resv_hex(hex, g->resv[i].start));
		out_set_str(x, R_END, resv_hex(hex, g->resv[i].end));
		out_set_str(x, R_TYPE, g->resv[i].type);
	}
}

/* No-IOMMU groups are said out loud: there is no isolation behind them. */
static void warn_noiommu(const struct vfc_topology *t)
{
	char list[256] = "";
	size_t used = 0, n = 0;

	for (size_t i = 0; i < t->ngroups; i++) {
		if (!t->groups[i].noiommu)
			continue;
		n++;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%d", used ? "," : "",
						 t->groups[i].id);
	}
	if (n)
		vfc_warn("noiommu", "group%s %s %s no-IOMMU (UNSAFE: no isolation, devices can DMA "
			 "anywhere)", n > 1 ? "s" : "", list, n > 1 ? "are" : "is");
}

int disc_scan(struct vfc_cli *cli, unsigned flags, struct vfc_topology **t)
{
	int rc = vfc_topology_scan(&cli->ctx, flags, t);

	if (rc) {
		vfc_error(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	warn_noiommu(*t);
	/* Names are a nicety: pci.ids missing must not fail discovery. */
	vfc_names_fill(&cli->ctx, *t, cli->ids_path);
	return 0;
}

/* The IOMMU state after a scan; on failure it says so, frees t and returns the exit code. */
int disc_iommu_state(struct vfc_cli *cli, struct vfc_topology *t, struct vfc_iommu_state *st)
{
	int rc = vfc_iommu_state_read(&cli->ctx, t, st);

	if (rc) {
		vfc_topology_free(t);
		vfc_error(vfc_ctx_root(&cli->ctx), rc, "cannot read the IOMMU state");
		return vfc_exit_for_errno(rc);
	}
	return 0;
}
