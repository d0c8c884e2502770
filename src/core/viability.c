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

int vfc_group_eval(struct vfc_group *g)
{
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
	for (size_t i = 0; i < g->ndevs; i++) {
		struct vfc_device *d = g->devs[i];
		struct vfc_blocker *b;

		if (vfc_driver_dma_safe(d->driver))
			continue;
		b = &g->blockers[g->nblockers++];
		b->dev = d;
		snprintf(b->reason, sizeof(b->reason), "%s is bound to host driver %.100s",
			 d->is_bridge ? "bridge" : "device", d->driver);
		if (d->is_bridge)
			snprintf(b->fix, sizeof(b->fix),
				 "unbind %s from %.100s (a bridge needs no driver for VFIO)", d->name,
				 d->driver);
		else
			snprintf(b->fix, sizeof(b->fix), "bind %s to vfio-pci (vfioctl bind --group %s)",
				 d->name, d->name);
	}
	return 0;
}
