// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
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

static void put_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			/*
			 * JSON text is UTF-8 (RFC 8259): a sysfs or pci.ids string in another
			 * encoding would make the whole document unparsable (Python's json, Go), so
			 * each byte that does not start a valid sequence becomes U+FFFD, as decoders
			 * do. Found by tests/fuzz/fuzz_json.c.
			 */
			int n = utf8_seq_len(p);

			if (n) {
				fwrite(p, 1, (size_t)n, f);
				p += n - 1;
			} else {
				fputs("\\ufffd", f);
			}
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			/* Control bytes and DEL escaped; sysfs strings may hold anything. */
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void indent(struct jw *w)
{
	if (w->compact)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Comma, newline and indentation before a value; then the key if any. */
static void begin_value(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->need_comma[w->depth])
			fputc(',', w->f);
		indent(w);
		w->need_comma[w->depth] = true;
	}
	if (key) {
		put_escaped(w->f, key);
		fputs(w->compact ? ":" : ": ", w->f);
	}
}

static void open_container(struct jw *w, const char *key, char c)
{
	begin_value(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_container(struct jw *w, char c)
{
	bool had = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had)
		indent(w);
	fputc(c, w->f);
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
		put_escaped(w->f, val);
	else
		fputs("null", w->f);
}

void jw_int(struct jw *w, const char *key, int64_t val)
{
	begin_value(w, key);
	fprintf(w->f, "%" PRId64, val);
}

void jw_uint(struct jw *w, const char *key, uint64_t val)
{
	begin_value(w, key);
	fprintf(w->f, "%" PRIu64, val);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	begin_value(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	begin_value(w, key);
	fputs("null", w->f);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
}
