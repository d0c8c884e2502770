// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "out/json.h"

void jw_init(struct jw *w, FILE *f, bool compact)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->compact = compact;
}

/*
 * Length of the valid UTF-8 sequence at p (2-4; no overlong forms, surrogates or code points
 * past U+10FFFF), 0 when p does not start one. p[0] >= 0x80; the string is NUL-terminated,
 * and NUL is never a continuation byte, so the checks stop at the end.
 */
static int utf8_seq_len(const unsigned char *p)
{
	int n;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * Text collects in w->buf and goes out 64 KiB at a time: a large document is millions of
 * small pieces, and a stdio call for each (per byte, or per value) costs more than writing
 * them.
 */
static void flush(struct jw *w)
{
	if (w->n)
		fwrite_unlocked(w->buf, 1, w->n, w->f);
	w->n = 0;
}

/* Room for n more bytes in the buffer, flushed first when that makes it; false: n never fits. */
static bool room(struct jw *w, size_t n)
{
	if (n > sizeof(w->buf) - w->n) {
		flush(w);
		if (n > sizeof(w->buf))
			return false;
	}
	return true;
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (!room(w, n)) {
		fwrite_unlocked(s, 1, n, w->f);
		return;
	}
	memcpy(w->buf + w->n, s, n);
	w->n += n;
}

static void put_str(struct jw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_char(struct jw *w, char c)
{
	if (w->n == sizeof(w->buf))
		flush(w);
	w->buf[w->n++] = c;
}

/* After each value: a complete top-level value is in the FILE when the call returns. */
static void done(struct jw *w)
{
	if (w->depth == 0)
		flush(w);
}

/* Bytes that go out as they are: printable ASCII but '"' (0x22) and '\\' (0x5c). */
static const bool plain_byte[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

static bool plain(unsigned char c)
{
	return plain_byte[c];
}

/* Does s hold plain bytes only (no escaping)? Then *n is its length. */
static bool plain_len(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (plain(*p))
		p++;
	*n = (size_t)(p - (const unsigned char *)s);
	return !*p;
}

/*
 * A string of plain bytes only (keys, ids, names: nearly every string) goes out quoted in one
 * copy, with `tail` (": " after a key) appended; false when s needs escaping or does not fit.
 */
static bool put_plain_quoted(struct jw *w, const char *s, const char *tail, size_t tlen)
{
	size_t n;

	if (!plain_len(s, &n) || !room(w, n + tlen + 2))
		return false;
	w->buf[w->n++] = '"';
	memcpy(w->buf + w->n, s, n);
	w->n += n;
	w->buf[w->n++] = '"';
	memcpy(w->buf + w->n, tail, tlen);
	w->n += tlen;
	return true;
}

static void put_escaped(struct jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (put_plain_quoted(w, s, "", 0))
		return;
	put_char(w, '"');
	while (*p) {
		const unsigned char *run = p;
		char esc[8];

		while (plain(*p))
			p++;
		put(w, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p >= 0x80) {
			/*
			 * JSON text is UTF-8 (RFC 8259): a sysfs or pci.ids string in another
			 * encoding would make the whole document unparsable (Python's json,
			 * Go), so each byte that does not start a valid sequence becomes
			 * U+FFFD, as decoders do. Found by tests/fuzz/fuzz_json.c.
			 */
			int n = utf8_seq_len(p);

			if (n) {
				put(w, (const char *)p, (size_t)n);
				p += n;
			} else {
				put(w, "\\ufffd", 6);
				p++;
			}
			continue;
		}
		switch (*p) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\t': put(w, "\\t", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\b': put(w, "\\b", 2); break;
		case '\f': put(w, "\\f", 2); break;
		default:
			/* Control bytes and DEL escaped; sysfs strings may hold anything. */
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(w, esc, 6);
		}
		p++;
	}
	put_char(w, '"');
}

static const char nl_spaces[] = "\n                                ";

static void indent(struct jw *w)
{
	static const char spaces[] = "                                ";

	if (w->compact)
		return;
	if (2 * (size_t)w->depth < sizeof(nl_spaces) - 1) {
		put(w, nl_spaces, 1 + 2 * (size_t)w->depth);	/* one copy for depths < 16 */
		return;
	}
	put_char(w, '\n');
	for (size_t n = 2 * (size_t)w->depth; n;) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		put(w, spaces, k);
		n -= k;
	}
}

/*
 * Comma, newline and indentation before a value; then the key if any. Only the innermost
 * container's "has a value" matters: every outer one holds at least the container being
 * written, so closing a container always leaves its parent needing a comma. (The writer
 * kept one flag per level in a 32-entry array and lost commas below depth 31.)
 */
/*
 * The common case in one room check and one pass: pretty output at a depth below 16 and a
 * plain key (every key vfioctl has). Comma, newline, indentation and `"key": ` go straight
 * into the buffer; false (nothing written) for anything else.
 */
static bool begin_keyed_fast(struct jw *w, const char *key)
{
	size_t ind = 1 + 2 * (size_t)w->depth, klen;
	char *d;

	if (w->compact || w->depth <= 0 || ind > sizeof(nl_spaces) - 1)
		return false;
	if (!plain_len(key, &klen) || !room(w, 1 + ind + klen + 4))
		return false;
	d = w->buf + w->n;
	if (w->need_comma)
		*d++ = ',';
	memcpy(d, nl_spaces, ind);
	d += ind;
	*d++ = '"';
	memcpy(d, key, klen);
	d += klen;
	memcpy(d, "\": ", 3);
	w->n = (size_t)(d + 3 - w->buf);
	w->need_comma = true;
	return true;
}

static void begin_value(struct jw *w, const char *key)
{
	if (key && begin_keyed_fast(w, key))
		return;
	if (w->depth > 0) {
		if (w->need_comma)
			put_char(w, ',');
		indent(w);
		w->need_comma = true;
	}
	if (key && !put_plain_quoted(w, key, w->compact ? ":" : ": ", w->compact ? 1 : 2)) {
		put_escaped(w, key);
		put_str(w, w->compact ? ":" : ": ");
	}
}

static void open_container(struct jw *w, const char *key, char c)
{
	begin_value(w, key);
	put_char(w, c);
	w->depth++;
	w->need_comma = false;
}

static void close_container(struct jw *w, char c)
{
	bool had = w->need_comma;

	if (w->depth > 0)
		w->depth--;
	if (had)
		indent(w);
	put_char(w, c);
	w->need_comma = w->depth > 0;
	done(w);
}

void jw_object_open(struct jw *w, const char *key)
{
	open_container(w, key, '{');
}

void jw_object_close(struct jw *w)
{
	close_container(w, '}');
}

void jw_array_open(struct jw *w, const char *key)
{
	open_container(w, key, '[');
}

void jw_array_close(struct jw *w)
{
	close_container(w, ']');
}

void jw_string(struct jw *w, const char *key, const char *val)
{
	begin_value(w, key);
	if (val)
		put_escaped(w, val);
	else
		put(w, "null", 4);
	done(w);
}

/* Digits of v, right-aligned before end; returns the first. */
static char *fmt_u64(uint64_t v, char *end)
{
	*--end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

char *jw_fmt_i64(int64_t v, char *end)
{
	char *p = fmt_u64(v < 0 ? -(uint64_t)v : (uint64_t)v, end);

	if (v < 0)
		*--p = '-';
	return p;
}

void jw_int(struct jw *w, const char *key, int64_t val)
{
	char buf[24];

	begin_value(w, key);
	put_str(w, jw_fmt_i64(val, buf + sizeof(buf)));
	done(w);
}

void jw_uint(struct jw *w, const char *key, uint64_t val)
{
	char buf[24];

	begin_value(w, key);
	put_str(w, fmt_u64(val, buf + sizeof(buf)));
	done(w);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	begin_value(w, key);
	put_str(w, val ? "true" : "false");
	done(w);
}

void jw_null(struct jw *w, const char *key)
{
	begin_value(w, key);
	put(w, "null", 4);
	done(w);
}

void jw_end(struct jw *w)
{
	put_char(w, '\n');
	flush(w);
}
