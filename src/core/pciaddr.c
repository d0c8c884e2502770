// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pciaddr.h"

/* Parse exactly [min,max] hex digits; returns pointer after them or NULL. */
static const char *hexfield(const char *s, size_t min, size_t max, unsigned long *val)
{
	size_t n = 0;
	unsigned long v = 0;

	while (isxdigit((unsigned char)s[n])) {
		if (n == max)
			return NULL;
		v = v * 16 + (unsigned long)(isdigit((unsigned char)s[n]) ? s[n] - '0'
							: (tolower((unsigned char)s[n]) - 'a' + 10));
		n++;
	}
	if (n < min)
		return NULL;
	*val = v;
	return s + n;
}

const char *vfc_pciaddr_parse(const char *s, struct vfc_pciaddr *out)
{
	unsigned long f1, f2, dev, fn;
	const char *p, *q;
	struct vfc_pciaddr a = { 0 };

	if (!s || !*s)
		return "empty PCI address";
	/* Either DOMAIN:BUS:DEV.FN or BUS:DEV.FN. */
	p = hexfield(s, 1, 8, &f1);
	if (!p || *p != ':')
		return "not a PCI address (expected [DOMAIN:]BUS:DEV.FN)";
	q = hexfield(p + 1, 1, 2, &f2);
	if (q && *q == ':') {
		if (f1 > 0xffffffffUL)
			return "domain out of range";
		a.domain = (uint32_t)f1;
		if (f2 > 0xff)
			return "bus out of range";
		a.bus = (uint8_t)f2;
		p = q + 1;
	} else {
		if (f1 > 0xff || (size_t)(p - s) > 2)
			return "not a PCI address (expected [DOMAIN:]BUS:DEV.FN)";
		a.bus = (uint8_t)f1;
		p = p + 1;
	}
	q = hexfield(p, 1, 2, &dev);
	if (!q || *q != '.')
		return "not a PCI address (expected [DOMAIN:]BUS:DEV.FN)";
	if (dev > 0x1f)
		return "device number out of range (0-1f)";
	p = hexfield(q + 1, 1, 1, &fn);
	if (!p || *p)
		return "not a PCI address (expected [DOMAIN:]BUS:DEV.FN)";
	if (fn > 7)
		return "function number out of range (0-7)";
	a.dev = (uint8_t)dev;
	a.fn = (uint8_t)fn;
	*out = a;
	return NULL;
}

const char *vfc_pciaddr_format(const struct vfc_pciaddr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->fn);
	return buf;
}

int vfc_pciaddr_cmp(const struct vfc_pciaddr *a, const struct vfc_pciaddr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

static const char *parse_group(const char *s, struct vfc_target *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return "not a group number";
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 0x7fffffff)
		return "not a group number";
	out->kind = VFC_TARGET_GROUP;
	out->group = (int)v;
	return NULL;
}

/*
 * An interface or block device name (as ip and lsblk print them), or /dev/NAME: resolved
 * through sysfs (vfc_topology_resolve), so here only its shape: a letter, then letters,
 * digits and . _ - @ :, at most 63 bytes.
 */
static const char *parse_name(const char *s, struct vfc_target *out)
{
	const char *n = !strncmp(s, "/dev/", 5) ? s + 5 : s;
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789._-@:";

	if (!isalpha((unsigned char)*n) || strspn(n, ok) != strlen(n) || strlen(n) >= sizeof(out->name))
		return "not a target (expected a PCI address, a slot BUS:DEV, a group number, "
		       "group:N, VVVV:DDDD, or an interface or block device name)";
	memset(out, 0, sizeof(*out));
	out->kind = VFC_TARGET_NAME;
	snprintf(out->name, sizeof(out->name), "%s", n);
	return NULL;
}

const char *vfc_target_parse(const char *s, struct vfc_target *out)
{
	unsigned long v, d;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return "empty target";
	if (!strncmp(s, "group:", 6))
		return parse_group(s + 6, out);
	if ((p = strchr(s, '/'))) {
		char bdf[VFC_BDF_LEN];
		const char *why;

		if (strcmp(p, "/vfs") || (size_t)(p - s) >= sizeof(bdf))
			return "not a target (a PF's VFs are PF/vfs, e.g. 0000:01:00.0/vfs)";
		memcpy(bdf, s, (size_t)(p - s));
		bdf[p - s] = '\0';
		if ((why = vfc_pciaddr_parse(bdf, &out->addr)))
			return why;
		out->kind = VFC_TARGET_VFS;
		return NULL;
	}
	if (strchr(s, '.')) {
		out->kind = VFC_TARGET_DEVICE;
		return vfc_pciaddr_parse(s, &out->addr);
	}
	/* VVVV:DDDD — exactly four hex digits each side, so "01:00" never matches. */
	p = hexfield(s, 4, 4, &v);
	if (p && *p == ':') {
		p = hexfield(p + 1, 4, 4, &d);
		if (p && !*p) {
			out->kind = VFC_TARGET_ID;
			out->vendor = (uint16_t)v;
			out->device = (uint16_t)d;
			return NULL;
		}
	}
	if (isdigit((unsigned char)*s) && strspn(s, "0123456789") == strlen(s))
		return parse_group(s, out);
	/* [DOMAIN:]BUS:DEV: a slot, every function of it (lspci -s 01:00) */
	if (strchr(s, ':') && strlen(s) < 16) {
		char bdf[24];

		snprintf(bdf, sizeof(bdf), "%s.0", s);
		if (!vfc_pciaddr_parse(bdf, &out->addr)) {
			out->kind = VFC_TARGET_SLOT;
			return NULL;
		}
	}
	return "not a target (expected a PCI address, a slot BUS:DEV, a group number, group:N, "
	       "VVVV:DDDD or PF/vfs)";
}

const char *vfc_target_nomatch(const struct vfc_target *t)
{
	switch (t->kind) {
	case VFC_TARGET_GROUP:
		return "no such IOMMU group";
	case VFC_TARGET_VFS:
		return "no such PF, or it has no VFs now (vfioctl sriov PF --vfs N makes them)";
	case VFC_TARGET_NAME:
		return "no PCI device behind this interface or block device";
	case VFC_TARGET_ID:
	case VFC_TARGET_SLOT:
	case VFC_TARGET_DEVICE:
	default:
		return "no such PCI device";
	}
}

const char *vfc_target_parse_any(const char *s, struct vfc_target *out)
{
	const char *why = vfc_target_parse(s, out);

	/* "eth0", "eth0.100", "/dev/nvme0n1": a name, not a mistyped address */
	if (why && s && (isalpha((unsigned char)*s) || *s == '/') && !parse_name(s, out))
		return NULL;
	return why;
}
