// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "core/names.h"

/*
 * Names come from pci.ids only, never from udev's hwdb: the answer must be the same for a
 * fixture tree as for the host, and must not depend on the host's udev database.
 */
#define LOOKUP_FLAGS (PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB)

/* libpci reports through callbacks; the core never prints, so they stay silent. */
static void quiet(char *msg, ...)
{
	(void)msg;
}

int vfc_names_fill(const struct vfc_ctx *ctx, struct vfc_topology *t, const char *ids_path)
{
	char sysfs[PATH_MAX], buf[512];
	struct pci_access *pacc;
	int rc;

	pacc = pci_alloc();
	if (!pacc)
		return -ENOMEM;
	pacc->warning = quiet;
	pacc->debug = quiet;
	rc = vfc_path(ctx, sysfs, sizeof(sysfs), "/sys/bus/pci");
	if (!rc)
		pci_set_param(pacc, (char *)"sysfs.path", sysfs);
	if (ids_path)
		pci_set_name_list_path(pacc, (char *)ids_path, 0);
	/*
	 * Devices come sorted by address, so equal ids sit together (the functions of a card, the
	 * VFs of a PF): the previous device's names are the likely answer, and a lookup in pci.ids
	 * costs far more than comparing two ids.
	 */
	const struct vfc_device *prev = NULL;

	for (size_t i = 0; i < t->ndevs; i++) {
		struct vfc_device *d = t->devs[i];
		char *s;

		if (!d->is_pci || d->vendor < 0)
			continue;
		if (prev && prev->vendor == d->vendor) {
			s = prev->vendor_name;
		} else {
			s = pci_lookup_name(pacc, buf, sizeof(buf),
					    PCI_LOOKUP_VENDOR | LOOKUP_FLAGS, d->vendor);
		}
		if (s)
			d->vendor_name = strdup(s);
		if (d->device >= 0) {
			if (prev && prev->vendor == d->vendor && prev->device == d->device)
				s = prev->device_name;
			else
				s = pci_lookup_name(pacc, buf, sizeof(buf),
						    PCI_LOOKUP_DEVICE | LOOKUP_FLAGS, d->vendor,
						    d->device);
			if (s)
				d->device_name = strdup(s);
		}
		prev = d;
	}
	pci_cleanup(pacc);
	return 0;
}

/*
 * pci.ids vendor names are long ("Intel Corporation", "Advanced Micro Devices, Inc.
 * [AMD/ATI]"); where a NAME must shrink, the model matters more. The short form is the
 * bracketed name when there is one (AMD/ATI), else the first word without a trailing comma
 * (Intel, NVIDIA, Realtek).
 */
size_t vfc_vendor_short(const char *vendor, const char **start)
{
	const char *open = strrchr(vendor, '['), *close;
	size_t n;

	if (open && (close = strchr(open, ']')) && close > open + 1 && !close[1]) {
		*start = open + 1;
		return (size_t)(close - open - 1);
	}
	n = strcspn(vendor, " ");
	while (n > 1 && vendor[n - 1] == ',')
		n--;
	*start = vendor;
	return n;
}
