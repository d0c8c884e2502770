/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host-wide IOMMU facts: is there an IOMMU, is it on, and if not, what to do. */
#ifndef VFC_HOST_H
#define VFC_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sysroot.h"
#include "core/topology.h"

struct vfc_iommu_state {
	size_t ngroups;
	size_t nungrouped;		/* PCI devices without a group */
	struct vfc_names units;		/* /sys/class/iommu entries (dmar0, ivhd0, smmu3.0x...) */
	bool acpi_dmar, acpi_ivrs;	/* firmware describes an Intel / AMD IOMMU */
	bool enabled;			/* groups exist or IOMMU units are registered */
	char cmdline_iommu[256];	/* the iommu-related words of /proc/cmdline */
	char off_detail[400];		/* without groups: what the evidence shows ("" when enabled) */
	char off_fix[256];		/* ... and what to do about it */
	char diagnosis[700];		/* off_detail; off_fix ("" when enabled) */
};

int vfc_iommu_state_read(const struct vfc_ctx *ctx, const struct vfc_topology *t,
			 struct vfc_iommu_state *st);
void vfc_iommu_state_free(struct vfc_iommu_state *st);

#endif
