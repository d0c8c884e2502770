/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one JSON writer: correct escaping and nesting; nothing else in vfioctl writes JSON. */
#ifndef VFC_JSON_H
#define VFC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Nesting is not limited (it was, to 31 levels). JW_MAX_DEPTH stays for the fuzz harness,
 * which bounds the depth of the documents it generates with it.
 */
#define JW_MAX_DEPTH 32

/*
 * Text is assembled in buf and handed to the FILE when it fills and whenever a top-level value
 * is complete (depth back at 0): between two top-level values the FILE has everything.
 */
struct jw {
	FILE *f;
	int depth;
	bool need_comma;	/* the innermost open container holds a value already */
	bool compact;		/* one line (JSON lines for batch mode) */
	size_t n;
	char buf[65536];
};

void jw_init(struct jw *w, FILE *f, bool compact);
/* key is NULL inside arrays and for the top-level value. */
void jw_object_open(struct jw *w, const char *key);
void jw_object_close(struct jw *w);
void jw_array_open(struct jw *w, const char *key);
void jw_array_close(struct jw *w);
void jw_string(struct jw *w, const char *key, const char *val);	/* NULL -> null */
void jw_int(struct jw *w, const char *key, int64_t val);
void jw_uint(struct jw *w, const char *key, uint64_t val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);
void jw_end(struct jw *w);	/* final newline */
/*
 * Decimal digits of v, NUL-terminated and right-aligned before end (21 bytes of room are
 * enough); returns the first. The text tables format numbers with it too.
 */
char *jw_fmt_i64(int64_t v, char *end);

#endif
