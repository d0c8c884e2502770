// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Numbers and sizes (vfc_parse_size, vfc_parse_u64, vfc_parse_s64, vfc_parse_hex_u64):
 * --window [START+]SIZE, --map SIZE[@IOVA], --page-size, --pin go through vfc_parse_size
 * (src/cmd/domain.c splits on '+', '@' and ',' first, in static functions this harness
 * cannot reach), and every numeric sysfs attribute through the other three.
 * Each is checked against a model of what util.h documents: decimal, or hex after "0x";
 * white space around the number; sizes take K/M/G/T/P/E, optionally followed by "iB" or
 * "B", or a bare "B"; overflow is -ERANGE and garbage -EINVAL. vfc_format_size must
 * round-trip through vfc_parse_size once its space is removed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "core/util.h"
#include "fuzz.h"

static const char *ws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* Digits at *s: "0x" + hex or decimal. 0, -EINVAL (no digits), -ERANGE; *s moves past them. */
static int model_digits(const char **sp, bool hex_only, uint64_t *v)
{
	const char *s = *sp;
	unsigned base = 10;
	int rc = 0;
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    isxdigit((unsigned char)s[2])) {
		s += 2;
		base = 16;
	} else if (hex_only) {
		base = 16;
	}
	*v = 0;
	for (;; s++, n++) {
		unsigned d;

		if (isdigit((unsigned char)*s))
			d = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			break;
		if (*v > (UINT64_MAX - d) / base)
			rc = -ERANGE;
		else
			*v = *v * base + d;
	}
	*sp = s;
	return n ? rc : -EINVAL;
}

static int model_u64(const char *s, uint64_t *v)
{
	int rc;

	s = ws(s);
	rc = model_digits(&s, false, v);
	if (rc == -EINVAL || *ws(s))
		return -EINVAL;
	return rc;
}

static int model_s64(const char *s, int64_t *v)
{
	bool neg = false;
	uint64_t m;
	int rc;

	s = ws(s);
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	rc = model_digits(&s, false, &m);
	if (rc == -EINVAL || *ws(s))
		return -EINVAL;
	if (rc)
		return rc;
	if (m > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -ERANGE;
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

static int model_hex(const char *s, uint64_t *v)
{
	int rc;

	s = ws(s);
	rc = model_digits(&s, true, v);
	if (rc == -EINVAL || *ws(s))
		return -EINVAL;
	return rc;
}

static int model_size(const char *s, uint64_t *v)
{
	static const char units[] = "kmgtpe";
	const char *u;
	unsigned shift = 0;
	int rc;

	s = ws(s);
	rc = model_digits(&s, false, v);
	if (rc == -EINVAL)
		return rc;
	if (*s && (u = strchr(units, tolower((unsigned char)*s)))) {
		shift = 10 * (unsigned)(u - units + 1);
		s++;
		if (!strncmp(s, "iB", 2))
			s += 2;
		else if (*s == 'B')
			s++;
	} else if (*s == 'B') {
		s++;
	}
	if (*ws(s))
		return -EINVAL;
	if (rc)
		return rc;
	if (shift && *v > UINT64_MAX >> shift)
		return -ERANGE;
	*v <<= shift;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), buf[64], *p;
	uint64_t a = 0, b = 0;
	int64_t sa = 0, sb = 0;
	int ra, rb;

	ra = vfc_parse_size(s, &a);
	rb = model_size(s, &b);
	FUZZ_CHECK(ra == rb && (ra || a == b), "size '%s': %d/%llu, model %d/%llu", s, ra,
		   (unsigned long long)a, rb, (unsigned long long)b);

	ra = vfc_parse_u64(s, &a);
	rb = model_u64(s, &b);
	FUZZ_CHECK(ra == rb && (ra || a == b), "u64 '%s': %d/%llu, model %d/%llu", s, ra,
		   (unsigned long long)a, rb, (unsigned long long)b);

	ra = vfc_parse_s64(s, &sa);
	rb = model_s64(s, &sb);
	FUZZ_CHECK(ra == rb && (ra || sa == sb), "s64 '%s': %d/%lld, model %d/%lld", s, ra,
		   (long long)sa, rb, (long long)sb);

	ra = vfc_parse_hex_u64(s, &a);
	rb = model_hex(s, &b);
	FUZZ_CHECK(ra == rb && (ra || a == b), "hex '%s': %d/%llx, model %d/%llx", s, ra,
		   (unsigned long long)a, rb, (unsigned long long)b);

	/* vfc_format_size: any 64-bit value, printed and read back. */
	if (size >= 8) {
		memcpy(&a, data, 8);
		vfc_format_size(a, buf, sizeof(buf));
		p = strchr(buf, ' ');
		FUZZ_CHECK(p, "format %llu: '%s' has no space", (unsigned long long)a, buf);
		memmove(p, p + 1, strlen(p));
		FUZZ_CHECK(!vfc_parse_size(buf, &b) && a == b, "format %llu: '%s' reads back %llu",
			   (unsigned long long)a, buf, (unsigned long long)b);
	}
	free(s);
	return 0;
}
