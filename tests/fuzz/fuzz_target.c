// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command-line targets and PCI addresses (vfc_target_parse, vfc_pciaddr_parse): every
 * TARGET argument and every vfioctl.conf MATCH goes through them, and the BDF they accept
 * is pasted into /sys/bus/pci/devices/%s paths. Checked against a model written from the
 * grammar in pciaddr.h, plus: the canonical form re-parses to the same address and holds
 * only [0-9a-f:.] (nothing that could climb out of a sysfs directory).
 */
#include <ctype.h>
#include <stdbool.h>

#include "core/pciaddr.h"
#include "fuzz.h"

/* A run of hex digits of length [min,max] covering all of s[0..n). */
static bool model_hex(const char *s, size_t n, size_t min, size_t max, unsigned long long *v)
{
	if (n < min || n > max)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		*v = *v * 16 + (unsigned long long)(isdigit((unsigned char)s[i])
				? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return true;
}

/* [DOMAIN(1-8 hex):]BUS(1-2 hex):DEV(1-2 hex, <= 1f).FN(0-7) */
static bool model_bdf(const char *s, struct vfc_pciaddr *a)
{
	const char *dot = strchr(s, '.'), *c1, *c2, *bus;
	unsigned long long dom = 0, b, d, f;

	if (!dot || strchr(dot + 1, '.'))
		return false;
	c2 = memrchr(s, ':', (size_t)(dot - s));
	if (!c2)
		return false;
	c1 = memrchr(s, ':', (size_t)(c2 - s));
	bus = c1 ? c1 + 1 : s;
	if (c1 && (memchr(s, ':', (size_t)(c1 - s)) || !model_hex(s, (size_t)(c1 - s), 1, 8, &dom)))
		return false;
	if (!model_hex(bus, (size_t)(c2 - bus), 1, 2, &b) ||
	    !model_hex(c2 + 1, (size_t)(dot - c2 - 1), 1, 2, &d) ||
	    !model_hex(dot + 1, strlen(dot + 1), 1, 1, &f) || d > 0x1f || f > 7)
		return false;
	a->domain = (uint32_t)dom;
	a->bus = (uint8_t)b;
	a->dev = (uint8_t)d;
	a->fn = (uint8_t)f;
	return true;
}

static bool model_group(const char *s, int *g)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v > 0x7fffffff)
			return false;
	}
	*g = (int)v;
	return true;
}

static void check_canonical(const struct vfc_pciaddr *a)
{
	char buf[VFC_BDF_LEN];
	struct vfc_pciaddr b;

	vfc_pciaddr_format(a, buf, sizeof(buf));
	FUZZ_CHECK(strspn(buf, "0123456789abcdef:.") == strlen(buf), "canonical '%s'", buf);
	FUZZ_CHECK(!vfc_pciaddr_parse(buf, &b) && !vfc_pciaddr_cmp(a, &b), "'%s' round trip", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct vfc_pciaddr a, m;
	struct vfc_target t;
	const char *why;
	bool ok;

	/* vfc_pciaddr_parse */
	why = vfc_pciaddr_parse(s, &a);
	ok = model_bdf(s, &m);
	FUZZ_CHECK(!why == ok, "pciaddr '%s': parser says %s, model says %s", s,
		   why ? why : "ok", ok ? "ok" : "bad");
	if (!why) {
		FUZZ_CHECK(!vfc_pciaddr_cmp(&a, &m), "pciaddr '%s': different address", s);
		FUZZ_CHECK(!strchr(s, '/'), "pciaddr '%s' accepted a slash", s);
		check_canonical(&a);
	}

	/* vfc_target_parse: the forms in the order the parser tries them */
	why = vfc_target_parse(s, &t);
	if (!strncmp(s, "group:", 6)) {
		int g;

		ok = model_group(s + 6, &g);
		FUZZ_CHECK(!why == ok, "target '%s': %s", s, why ? why : "ok");
		if (ok)
			FUZZ_CHECK(t.kind == VFC_TARGET_GROUP && t.group == g, "target '%s'", s);
	} else if (strchr(s, '/')) {
		/* PF/vfs: a BDF and exactly "/vfs" */
		const char *slash = strchr(s, '/');
		char pf[64];

		ok = !strcmp(slash, "/vfs") && (size_t)(slash - s) < sizeof(pf);
		if (ok) {
			memcpy(pf, s, (size_t)(slash - s));
			pf[slash - s] = '\0';
			ok = model_bdf(pf, &m);
		}
		FUZZ_CHECK(!why == ok, "target '%s' (PF/vfs): %s", s, why ? why : "ok");
		if (ok)
			FUZZ_CHECK(t.kind == VFC_TARGET_VFS && !vfc_pciaddr_cmp(&t.addr, &m),
				   "target '%s' (PF/vfs)", s);
	} else if (strchr(s, '.')) {
		ok = model_bdf(s, &m);
		FUZZ_CHECK(!why == ok, "target '%s': %s", s, why ? why : "ok");
		if (ok) {
			FUZZ_CHECK(t.kind == VFC_TARGET_DEVICE && !vfc_pciaddr_cmp(&t.addr, &m),
				   "target '%s'", s);
			check_canonical(&t.addr);
		}
	} else {
		unsigned long long v, d;
		int g;

		if (strlen(s) == 9 && s[4] == ':' && model_hex(s, 4, 4, 4, &v) &&
		    model_hex(s + 5, 4, 4, 4, &d)) {
			FUZZ_CHECK(!why && t.kind == VFC_TARGET_ID && t.vendor == v && t.device == d,
				   "target '%s' (ids)", s);
		} else if (strspn(s, "0123456789") == strlen(s)) {
			ok = model_group(s, &g);
			FUZZ_CHECK(!why == ok, "target '%s': %s", s, why ? why : "ok");
			if (ok)
				FUZZ_CHECK(t.kind == VFC_TARGET_GROUP && t.group == g, "target '%s'", s);
		} else {
			/* [DOMAIN:]BUS:DEV, a slot: the BDF of its function 0 (lspci -s 01:00) */
			char bdf[64];

			ok = strchr(s, ':') && strlen(s) < 16;
			if (ok) {
				snprintf(bdf, sizeof(bdf), "%s.0", s);
				ok = model_bdf(bdf, &m);
			}
			FUZZ_CHECK(!why == ok, "target '%s' (slot): %s", s, why ? why : "ok");
			if (ok)
				FUZZ_CHECK(t.kind == VFC_TARGET_SLOT && !vfc_pciaddr_cmp(&t.addr, &m),
					   "target '%s' (slot)", s);
		}
	}
	if (!why && t.kind != VFC_TARGET_VFS)
		FUZZ_CHECK(!strchr(s, '/'), "target '%s' accepted a slash", s);
	free(s);
	return 0;
}
