// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

/* Past the white space at s; NULL stays NULL (the number parsers refuse it). */
static const char *skip_ws(const char *s)
{
	while (s && *s && isspace((unsigned char)*s))
		s++;
	return s;
}

static bool only_ws(const char *s)
{
	return *skip_ws(s) == '\0';
}

/*
 * Decimal, or hex after "0x": never strtoull's base 0, which reads "010" as octal 8 (a
 * --map 010M would map 8 MiB). Found by tests/fuzz/fuzz_size.c.
 */
static int num_base(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
}

/*
 * After strtoull/strtoll(s, &end): garbage (no digits, or more than white space after them)
 * is -EINVAL even when the digits before it overflow; then -ERANGE; 0 for a number.
 */
static int strto_end(const char *s, const char *end)
{
	if (end == s || !only_ws(end))
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

/*
 * The number at s in base, by strtoll (sign; *val holds the int64_t's bits) or strtoull, into
 * *val (unchanged unless it returns 0): see strto_end.
 */
static int parse_num(const char *s, int base, bool sign, uint64_t *val)
{
	uint64_t v;
	char *end;
	int rc;

	errno = 0;
	v = sign ? (uint64_t)strtoll(s, &end, base) : strtoull(s, &end, base);
	rc = strto_end(s, end);
	if (!rc)
		*val = v;
	return rc;
}

int vfc_parse_u64(const char *s, uint64_t *val)
{
	s = skip_ws(s);
	if (!s || *s == '-' || *s == '+' || *s == '\0')
		return -EINVAL;
	return parse_num(s, num_base(s), false, val);
}

int vfc_parse_s64(const char *s, int64_t *val)
{
	uint64_t bits;
	int rc;

	s = skip_ws(s);
	if (!s || *s == '\0')
		return -EINVAL;
	rc = parse_num(s, num_base(s + (*s == '-' || *s == '+')), true, &bits);
	if (!rc)
		*val = (int64_t)bits;
	return rc;
}

int vfc_parse_hex_u64(const char *s, uint64_t *val)
{
	s = skip_ws(s);
	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	/* strtoull(16) would take a second "0x": "0x0x10" is garbage, not 0x10. */
	if (!isxdigit((unsigned char)*s) || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -EINVAL;
	return parse_num(s, 16, false, val);
}

int vfc_parse_size(const char *s, uint64_t *val)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;
	int rc;

	s = skip_ws(s);
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, num_base(s));
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	case 'p': case 'P': shift = 50; end++; break;
	case 'e': case 'E': shift = 60; end++; break;
	default: break;
	}
	/* "4KiB " like "4K ": the unit's tail may be followed by white space too. */
	if (shift && !strncmp(end, "iB", 2))
		end += 2;
	else if (*end == 'B')
		end++;
	rc = strto_end(s, end);	/* end is past the digits: only the tail and ERANGE */
	if (rc)
		return rc;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*val = (uint64_t)v << shift;
	return 0;
}

const char *vfc_format_size(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;

	while (u + 1 < VFC_ARRAY_SIZE(units) && v && (v & 1023) == 0) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", v, units[u]);
	return buf;
}

/*
 * The next white-space separated word at *p into buf (NUL terminated); *p moves past it.
 * 0 when there is none or it does not fit: a longer word is an error, never cut (the fuzzer
 * found that "<40 digits> direct" must not parse as three words).
 */
static int next_word(const char **p, char *buf, size_t len)
{
	const char *s = *p, *w;

	while (isspace((unsigned char)*s))
		s++;
	for (w = s; *s && !isspace((unsigned char)*s); s++)
		;
	*p = s;
	if (s == w || (size_t)(s - w) >= len)
		return 0;
	memcpy(buf, w, (size_t)(s - w));
	buf[s - w] = '\0';
	return 1;
}

/* "START END TYPE", hex addresses, white space around; without sscanf (one per group in list). */
int vfc_parse_resv_line(const char *line, struct vfc_resv *out)
{
	char a[40], b[40], t[sizeof(out->type)];
	const char *p = line;

	if (!line || !next_word(&p, a, sizeof(a)) || !next_word(&p, b, sizeof(b)) ||
	    !next_word(&p, t, sizeof(t)))
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	if (vfc_parse_hex_u64(a, &out->start) || vfc_parse_hex_u64(b, &out->end))
		return -EINVAL;
	if (out->end < out->start)
		return -EINVAL;
	for (const char *c = t; *c; c++)
		if (!islower((unsigned char)*c) && *c != '-')
			return -EINVAL;
	memcpy(out->type, t, sizeof(out->type));
	return 0;
}

/* 1..maxdigits hex digits from s up to end; -1 if anything else. */
static int32_t hex_field(const char *s, const char *end, size_t maxdigits)
{
	int32_t v = 0;

	if (s >= end || (size_t)(end - s) > maxdigits)
		return -1;
	for (; s < end; s++) {
		int c = (unsigned char)*s, x;

		if (c >= '0' && c <= '9')
			x = c - '0';
		else if (c >= 'a' && c <= 'f')
			x = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + x;
	}
	return v;
}

/* "VVVV:DDDD" between s and end into two ids; both -1 unless the whole pair parses. */
static void hex_pair(const char *s, const char *end, int32_t *a, int32_t *b)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));

	*a = *b = -1;
	if (!colon)
		return;
	*a = hex_field(s, colon, 4);
	*b = hex_field(colon + 1, end, 4);
	if (*a < 0 || *b < 0)
		*a = *b = -1;
}

void vfc_parse_pci_uevent(const char *buf, struct vfc_pci_uevent *out)
{
	const char *line = buf;

	out->vendor = out->device = out->subsys_vendor = out->subsys_device = -1;
	out->class_code = -1;
	while (line && *line) {
		const char *end = strchr(line, '\n');

		if (!end)
			end = line + strlen(line);
		if (!strncmp(line, "PCI_ID=", 7))
			hex_pair(line + 7, end, &out->vendor, &out->device);
		else if (!strncmp(line, "PCI_SUBSYS_ID=", 14))
			hex_pair(line + 14, end, &out->subsys_vendor, &out->subsys_device);
		else if (!strncmp(line, "PCI_CLASS=", 10))
			out->class_code = hex_field(line + 10, end, 6);
		line = *end ? end + 1 : NULL;
	}
}

void vfc_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t vfc_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

bool vfc_strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

int vfc_split_words(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	if (!s)
		return -EINVAL;
	for (;;) {
		const char *start;
		char **nv;

		s = skip_ws(s);
		if (!*s)
			break;
		start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		nv = reallocarray(v, n + 2, sizeof(*v));
		if (!nv)
			goto nomem;
		v = nv;
		v[n] = strndup(start, (size_t)(s - start));
		if (!v[n])
			goto nomem;
		v[++n] = NULL;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	*out = v;
	return (int)n;
nomem:
	if (v)
		v[n] = NULL;
	vfc_strv_free(v);
	return -ENOMEM;
}

bool vfc_name_is_sane(const char *s, size_t maxlen)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	/* A name is pasted into paths (drivers/%s): "." and ".." would name a directory. */
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++, n++) {
		if (n >= maxlen || *s == '/' || !isgraph((unsigned char)*s))
			return false;
	}
	return true;
}

int vfc_write_atomic(const char *tmp, const char *path, const void *buf, size_t len, mode_t mode)
{
	ssize_t w;
	int fd, rc = 0;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
	if (fd < 0)
		return -errno;
	w = write(fd, buf, len);
	if (w < 0 || (size_t)w != len)
		rc = w < 0 ? -errno : -EIO;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void vfc_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* arrp: the address of the array's pointer, copied in and out (any object pointer type). */
void *vfc_append_(void *arrp, size_t *n, size_t size)
{
	char *v;

	memcpy(&v, arrp, sizeof(v));
	v = reallocarray(v, *n + 1, size);
	if (!v)
		return NULL;
	memcpy(arrp, &v, sizeof(v));
	v += (*n)++ * size;
	memset(v, 0, size);
	return v;
}
