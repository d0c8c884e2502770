// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proof that a foreign root works as a cross-compile sysroot: one call into each library the
 * tool links (libudev, libpci, libcap-ng, popt, libsmartcols), resolved through pkg-config.
 * prepare runs it through qemu-user; a failure to link or to load fails prepare.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cap-ng.h>
#include <libsmartcols.h>
#include <libudev.h>
#include <pci/pci.h>
#include <popt.h>

int main(int argc, const char **argv)
{
	struct poptOption opts[] = { POPT_AUTOHELP POPT_TABLEEND };
	poptContext pc = poptGetContext("sysroot-check", argc, argv, opts, 0);
	struct udev *udev = udev_new();
	struct pci_access *pacc = pci_alloc();
	struct libscols_table *tb = scols_new_table();
	int caps = capng_have_capabilities(CAPNG_SELECT_CAPS);

	if (poptGetNextOpt(pc) < -1 || !udev || !pacc || !tb) {
		fprintf(stderr, "sysroot-check: a library call failed\n");
		return EXIT_FAILURE;
	}
	printf("sysroot-check: libudev, libpci, libcap-ng (%d), popt, libsmartcols ok\n", caps);
	scols_unref_table(tb);
	pci_cleanup(pacc);
	udev_unref(udev);
	poptFreeContext(pc);
	return EXIT_SUCCESS;
}
