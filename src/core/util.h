/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure parsers and small helpers: no I/O, no globals; unit tested in tests/unit. */
#ifndef VFC_UTIL_H
#define VFC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VFC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Whole-string numbers; surrounding white space allowed; 0x prefix means hex. */
int vfc_parse_s64(const char *s, int64_t *val);
int vfc_parse_u64(const char *s, uint64_t *val);
/* Plain hex without prefix required ("10de" or "0x10de"). */
int vfc_parse_hex_u64(const char *s, uint64_t *val);

/*
 * Sizes as users write them: "4096", "0x1000", "4K", "4k", "4KiB", "2M", "1G", "1T".
 * Binary multiples. Overflow -> -ERANGE, garbage -> -EINVAL.
 */
int vfc_parse_size(const char *s, uint64_t *val);
/* "1 GiB", "64 KiB", "4096 B" into buf; exact (largest unit that divides evenly). */
const char *vfc_format_size(uint64_t v, char *buf, size_t len);

/* One line of /sys/kernel/iommu_groups/N/reserved_regions: "START END TYPE". */
struct vfc_resv {
	uint64_t start;
	uint64_t end;		/* inclusive, as the kernel prints it */
	char type[24];		/* direct, direct-relaxable, reserved, msi, sw-msi */
};
int vfc_parse_resv_line(const char *line, struct vfc_resv *out);

/*
 * The ids in a PCI device's uevent file: "PCI_ID=VVVV:DDDD", "PCI_SUBSYS_ID=VVVV:DDDD" and
 * "PCI_CLASS=CCCCCC" (upper-case hex, as pci_uevent prints the pci_dev fields the vendor,
 * device, subsystem_* and class attributes print). A field that is missing, malformed or out of
 * range is -1; other lines are ignored.
 */
struct vfc_pci_uevent {
	int32_t vendor, device, subsys_vendor, subsys_device, class_code;
};
void vfc_parse_pci_uevent(const char *buf, struct vfc_pci_uevent *out);

/* Split on white space into a NULL-terminated vector; returns count or -errno. */
int vfc_split_words(const char *s, char ***out);
void vfc_strv_free(char **v);
size_t vfc_strv_len(char *const *v);
bool vfc_strv_contains(char *const *v, const char *s);

/* Is this attribute value a valid kernel driver/device name (printable, no '/', short)? */
bool vfc_name_is_sane(const char *s, size_t maxlen);

/*
 * Replace path with buf atomically: a new file tmp (mode, O_EXCL, no link followed) beside
 * it, written, fsynced and renamed over path; on failure tmp is gone and path untouched.
 * A short write is -EIO (it sets no errno: a stale one would lie). 0 or -errno.
 */
int vfc_write_atomic(const char *tmp, const char *path, const void *buf, size_t len, mode_t mode);
/*
 * Append one zeroed element to the array arr of n elements (both lvalues, n a size_t): the
 * new element's address, or NULL without memory (arr and n untouched then).
 *	struct vfc_holder *h = VFC_APPEND(g->holders, g->nholders);
 */
#define VFC_APPEND(arr, n)                                                                 \
	((__typeof__(&(arr)[0]))vfc_append_((void *)&(arr), &(n), sizeof((arr)[0])))
void *vfc_append_(void *arrp, size_t *n, size_t size);
/* Close *fd when it is open (>= 0) and mark it closed (-1): a second call does nothing. */
void vfc_close_fd(int *fd);

#endif
