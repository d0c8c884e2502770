// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Group viability, by the kernel's rule: VFIO lets a group be used only when every device
 * in it is unbound, bound to a vfio driver, or bound to a driver that declared
 * driver_managed_dma (pci-stub, pcieport). Anything else could DMA behind VFIO's back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/topology.h"

bool vfc_driver_is_vfio(const char *driver)
{
	if (!driver)
		return false;
	/* vfio-pci and the variant drivers: mlx5_vfio_pci, hisi_acc_vfio_pci, ... */
	return !strncmp(driver, "vfio", 4) || strstr(driver, "_vfio_pci") != NULL ||
	       strstr(driver, "-vfio-pci") != NULL;
}

bool vfc_driver_dma_safe(const char *driver)
{
	static const char *const managed[] = { "pci-stub", "pcieport" };

	if (!driver || vfc_driver_is_vfio(driver))
		return true;
	for (size_t i = 0; i < VFC_ARRAY_SIZE(managed); i++)
		if (!strcmp(driver, managed[i]))
			return true;
	return false;
}

/* What stays with the host whatever the group: the CPU's path to memory, the LPC, the IOMMU. */
static const char *host_only(const struct vfc_device *d)
{
	int64_t cls = d->class_code >> 8;

	if (!d->is_pci)
		return NULL;
	if (d->is_host_bridge || cls == 0x0600)
		return "a host bridge";
	if (cls == 0x0601)
		return "an ISA/LPC bridge";
	if (cls == 0x0806)
		return "an IOMMU";
	return NULL;
}

bool vfc_device_assignable(const struct vfc_device *d, const char **what)
{
	const char *w = host_only(d);

	if (!w && (d->is_bridge || (d->class_code >> 16) == 0x06))
		w = "a bridge";
	if (!w && !d->is_pci)
		w = "not a PCI device";
	if (what)
		*what = w;
	return w == NULL;
}

bool vfc_group_assignable(const struct vfc_group *g, const struct vfc_device **keeper)
{
	bool any = false;

	if (keeper)
		*keeper = NULL;
	for (size_t i = 0; i < g->ndevs; i++) {
		if (host_only(g->devs[i])) {
			if (keeper)
				*keeper = g->devs[i];
			return false;
		}
		any = any || vfc_device_assignable(g->devs[i], NULL);
	}
	return any;
}

int vfc_group_eval(struct vfc_group *g)
{
	const struct vfc_device *keeper = NULL;
	const char *kwhat = NULL;

	size_t n = 0;

	free(g->blockers);
	g->blockers = NULL;
	g->nblockers = 0;
	for (size_t i = 0; i < g->ndevs; i++)
		if (!vfc_driver_dma_safe(g->devs[i]->driver))
			n++;
	g->viable = n == 0;
	if (!n)
		return 0;
	g->blockers = calloc(n, sizeof(*g->blockers));
	if (!g->blockers)
		return -ENOMEM;
	/* a group holding a host bridge, an LPC bridge or an IOMMU is never passed through */
	if (!vfc_group_assignable(g, &keeper) && keeper)
		vfc_device_assignable(keeper, &kwhat);
	for (size_t i = 0; i < g->ndevs; i++) {
		struct vfc_device *d = g->devs[i];
		struct vfc_blocker *b;

		if (vfc_driver_dma_safe(d->driver))
			continue;
		b = &g->blockers[g->nblockers++];
		b->dev = d;
		snprintf(b->reason, sizeof(b->reason), "%s is bound to host driver %.100s",
			 d->is_bridge ? "bridge" : "device", d->driver);
		if (keeper)
			snprintf(b->fix, sizeof(b->fix),
				 "none: the group holds %s (%s), which stays with the host; do not "
				 "pass this group through", kwhat, keeper->name);
		else if (d->is_bridge)
			snprintf(b->fix, sizeof(b->fix),
				 "unbind %s from %.100s (a bridge needs no driver for VFIO)", d->name,
				 d->driver);
		else
			snprintf(b->fix, sizeof(b->fix), "bind %s to vfio-pci (vfioctl bind --group %s)",
				 d->name, d->name);
	}
	return 0;
}

unsigned vfc_isolation_stops(const struct vfc_topology *t, const struct vfc_device *d)
{
	unsigned stops = 0;
	int pt = d->cfg.pcie_type;

	if (!d->is_pci)
		return 0;
	if ((pt == VFC_PCIE_ROOT_PORT || pt == VFC_PCIE_DOWNSTREAM) && d->cfg.acs != VFC_UNKNOWN &&
	    !vfc_acs_enabled(&d->cfg))
		stops |= VFC_STOP_NO_ACS;
	/* conventional PCI has no requester ID: the bridge's stands for all behind it */
	if (d->is_bridge && pt == VFC_PCIE_TO_PCI_BRIDGE)
		stops |= VFC_STOP_PCI_BRIDGE;
	/*
	 * The kernel groups the functions of a multifunction device without ACS; counted only
	 * where it did (a sibling function in the same group): SR-IOV VFs at one slot number
	 * are not functions of one device, and split root complex functions are not grouped.
	 */
	if (!d->is_bridge && !d->physfn[0] && d->group != VFC_NO_GROUP &&
	    d->cfg.acs != VFC_UNKNOWN && !vfc_acs_enabled(&d->cfg)) {
		for (size_t i = 0; i < t->ndevs; i++) {
			const struct vfc_device *o = t->devs[i];

			if (o != d && o->is_pci && o->group == d->group &&
			    o->addr.domain == d->addr.domain &&
			    o->addr.bus == d->addr.bus && o->addr.dev == d->addr.dev) {
				stops |= VFC_STOP_MULTIFUNCTION;
				break;
			}
		}
	}
	return stops;
}
