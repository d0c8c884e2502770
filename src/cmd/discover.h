/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What cmd/list.c and cmd/show.c share with cmd/discover.c (columns, rows, scan, tree). */
#ifndef VFIOCTL_CMD_DISCOVER_H
#define VFIOCTL_CMD_DISCOVER_H

#include "core/host.h"
#include "core/topology.h"
#include "core/variant.h"
#include "out/out.h"
#include "vfioctl.h"

/* the iommu object's columns (list -J) */
enum { I_ENABLED, I_GROUPS, I_UNGROUPED, I_UNITS, I_CMDLINE, I_DIAG, I_HOLDERS_COMPLETE, I_NOIOMMU };

/*
 * How rows are filled. FILL_BASIC: only the basic columns (a VFC_SCAN_BASIC snapshot).
 * FILL_TEXT: the text-only cells too (IDS, NAME, RESET): JSON never prints them, so they are
 * not built for it.
 */
enum { FILL_BASIC = 1 << 0, FILL_TEXT = 1 << 1 };

/* The PCI tree of list --tree and show --tree. */
struct disc_tree {
	const struct vfc_topology *t;
	size_t *parent;			/* index of each device's parent, or SIZE_MAX at a root */
	bool *keep;			/* show --tree: the targets, their ancestors and subtrees */
	bool json;
};

extern const struct out_schema dev_schema, show_dev_schema, ungrouped_schema, group_schema,
	iommu_schema, tree_schema;
extern const struct out_schema *const tree_schemas[];
/* the columns a VFC_SCAN_BASIC snapshot fills (list scans only those when it shows no other) */
extern const char *const basic_cols[];
/*
 * The capabilities in list's and show's records: what they read: other users' /proc/PID/fd
 * (holders), root-only files, PCI config space past 64 bytes (FLR, ACS, PM), /dev/iommu for
 * the backends a group offers.
 */
#define VFC_READ_CAPS VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN)

/* NAME: "VENDOR DEVICE", with the short vendor as the form a too narrow table shows */
void disc_set_name(struct out_row *r, int col, const struct vfc_device *d);
void disc_fill_device_verdict(struct out_row *r, const struct vfc_topology *t,
				const struct vfc_device *d);
/* show's VFIO_DRIVER: what bind --driver auto picks (vs: modules.alias's; NULL: none) */
void disc_fill_vfio_driver(struct out_row *r, const struct vfc_ctx *ctx,
			   const struct vfc_variants *vs, const struct vfc_device *d);
/* show DEVICE: power_state, d3cold_allowed, reset_method overridden, boot framebuffer */
void disc_fill_device_power(struct out_row *r, const struct vfc_ctx *ctx,
			    const struct vfc_device *d);
void disc_fill_device(struct out_row *r, const struct vfc_topology *t, const struct vfc_device *d,
			unsigned fill);
unsigned disc_fill_for(const struct vfc_cli *cli, bool basic);
void disc_fill_group(struct out_row *r, const struct vfc_topology *t, const struct vfc_group *g,
		       unsigned fill);
int disc_scan(struct vfc_cli *cli, unsigned flags, struct vfc_topology **t);
int disc_iommu_state(struct vfc_cli *cli, struct vfc_topology *t, struct vfc_iommu_state *st);
void disc_tree_free(struct disc_tree *tr);
int disc_tree_init(struct disc_tree *tr, const struct vfc_topology *t, bool json);
void disc_tree_mark(struct disc_tree *tr, struct vfc_device **devs, size_t n, bool *kept);
struct out_table *disc_tree_table(struct disc_tree *tr);

#endif
