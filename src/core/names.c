// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The distinct vendor:device pairs of the PCI devices (device -1: the vendor's name only). */
struct id_pair {
	int64_t vendor, device;
};

static size_t pairs_of(const struct vfc_topology *t, struct id_pair *v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->ndevs; i++) {
		const struct vfc_device *d = t->devs[i];
		size_t k = 0;

		if (!d->is_pci || d->vendor < 0)
			continue;
		while (k < n && (v[k].vendor != d->vendor || v[k].device != d->device))
			k++;
		if (k == n) {
			if (n == max)
				return SIZE_MAX;
			v[n++] = (struct id_pair){ d->vendor, d->device };
		}
	}
	return n;
}

/* A vendor line of pci.ids: four hex digits and white space ("8086  Intel Corporation"). */
static int64_t vendor_line(const char *p, const char *end)
{
	char hex[5];

	if (end - p < 5 || (p[4] != ' ' && p[4] != '\t'))
		return -1;
	for (int i = 0; i < 4; i++)
		if (!isxdigit((unsigned char)p[i]))
			return -1;
	memcpy(hex, p, 4);
	hex[4] = '\0';
	return strtol(hex, NULL, 16);
}

/*
 * libpci parses the whole pci.ids (~1.3 MB, 40 k entries into a hash: 25 M instructions and
 * ~300 page faults, 7 % of `-J list` on the bench tree) for the few vendor:device pairs a
 * host has. So it gets a pci.ids of those lines only (each wanted vendor's line and the
 * device lines nested under it that name a wanted device; no subsystems, classes nor
 * comments, which vfc_names_fill never asks for), in a memfd: libpci still parses it and
 * gives the names, the same for every id it holds. A file that is compressed or unreadable,
 * or more pairs than fit here, gets the whole file, as before. Returns the memfd, or -1.
 */
static int ids_subset(const char *path, const struct vfc_topology *t)
{
	struct id_pair want[256];
	size_t nwant = pairs_of(t, want, VFC_ARRAY_SIZE(want));
	struct stat st;
	char *map, *out = NULL, plain[PATH_MAX];
	size_t used = 0, plen;
	int fd, mfd = -1;
	int64_t vendor = -1;

	if (nwant == SIZE_MAX || !path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	plen = strlen(path);
	if (fd < 0 && errno == ENOENT && plen > 3 && plen < sizeof(plain) &&
	    !strcmp(path + plen - 3, ".gz")) {
		/* libpci's default is pci.ids.gz, and it reads pci.ids where that is missing */
		memcpy(plain, path, plen - 3);
		plain[plen - 3] = '\0';
		fd = open(plain, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 2) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	if ((unsigned char)map[0] == 0x1f && (unsigned char)map[1] == 0x8b)
		goto out; /* gzip: libpci reads it through zlib */
	out = malloc((size_t)st.st_size);
	if (!out)
		goto out;
	for (const char *p = map, *end = map + st.st_size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		bool copy = false;

		if (*p == '#' || *p == '\n') {
			/* a comment or an empty line: libpci skips them, so does the copy */
		} else if (*p != '\t') {
			/* nesting level 0: a vendor line, a class or anything else */
			vendor = vendor_line(p, next);
			for (size_t k = 0; vendor >= 0 && k < nwant && !copy; k++)
				copy = want[k].vendor == vendor;
			if (!copy)
				vendor = -1;
		} else if (vendor >= 0 && p + 1 < next && p[1] != '\t') {
			/* level 1 under a wanted vendor: a device line */
			int64_t dev = vendor_line(p + 1, next);

			for (size_t k = 0; dev >= 0 && k < nwant && !copy; k++)
				copy = want[k].vendor == vendor && want[k].device == dev;
		}
		if (copy) {
			memcpy(out + used, p, (size_t)(next - p));
			used += (size_t)(next - p);
		}
		p = next;
	}
	mfd = memfd_create("pci.ids", MFD_CLOEXEC);
	for (size_t done = 0; mfd >= 0 && done < used;) {
		ssize_t w = write(mfd, out + done, used - done);

		if (w <= 0) {
			close(mfd);
			mfd = -1;
		} else {
			done += (size_t)w;
		}
	}
out:
	free(out);
	munmap(map, (size_t)st.st_size);
	return mfd;
}

int vfc_names_fill(const struct vfc_ctx *ctx, struct vfc_topology *t, const char *ids_path)
{
	char sysfs[PATH_MAX], buf[512], subset[64];
	struct pci_access *pacc;
	int rc, mfd;

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
	mfd = ids_subset(pacc->id_file_name, t);
	if (mfd >= 0) {
		/* libpci opens a path: the memfd's, where /proc is there to give it */
		snprintf(subset, sizeof(subset), "/proc/self/fd/%d", mfd);
		if (!access(subset, R_OK))
			pci_set_name_list_path(pacc, subset, 0);
	}
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
	if (mfd >= 0)
		close(mfd);
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
