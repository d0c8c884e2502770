/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one output model. A command declares its columns once (a schema) and fills rows;
 * every format is a rendering of the same rows: an aligned table (libsmartcols), raw
 * lines, typed JSON (out/json.c), or key/value records for `show`.
 */
#ifndef VFC_OUT_H
#define VFC_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum out_type {
	OUT_STR,	/* JSON string or null */
	OUT_NUM,	/* JSON number or null */
	OUT_BOOL,	/* JSON boolean or null */
	OUT_STRV,	/* JSON array of strings or null */
	OUT_SUB,	/* JSON array of objects of a sub-schema */
};

enum {
	OUT_DEFAULT = 1 << 0,	/* shown in text output when -o is not given */
	OUT_RIGHT = 1 << 1,
	OUT_TRUNC = 1 << 2,
	OUT_JSON = 1 << 3,	/* JSON key only, never a text column */
	OUT_TEXT = 1 << 4,	/* text column only, never a JSON key */
	OUT_EXPAND = 1 << 5,	/* OUT_SUB: text shows its rows as continuation lines */
	OUT_SPARSE = 1 << 6,	/* records (show-like text) omit it when null: backend-specific */
};

struct out_schema;

struct out_col {
	const char *name;	/* upper case in headers; its lower case is the JSON key */
	enum out_type type;
	double whint;
	unsigned flags;
	const char *help;
	const struct out_schema *sub;	/* OUT_SUB only */
};

struct out_schema {
	const char *key;	/* JSON key of the array ("groups", "devices") */
	const struct out_col *cols;
	size_t ncols;
};

/*
 * RAW: one line per row, unaligned, every value repeated, "-" for an empty or null value (so
 * that fields never shift for awk). PAIRS: lsblk's -P, NAME="value" pairs, one row a line.
 */
enum out_format { OUT_FMT_TABLE, OUT_FMT_RAW, OUT_FMT_JSON, OUT_FMT_RECORD, OUT_FMT_PAIRS };

/*
 * Who lays out OUT_FMT_TABLE: auto (0) is the built-in plain renderer when the output is not
 * a terminal and every cell is printable ASCII (the same bytes libsmartcols would print,
 * without its per-character width measuring), libsmartcols otherwise. Tests force either.
 */
enum out_table_engine { OUT_TABLE_AUTO, OUT_TABLE_SCOLS, OUT_TABLE_BUILTIN };

struct out_opts {
	enum out_format format;
	bool noheadings;
	const char *columns;	/* -o: comma list; "+A,B" appends to the defaults */
	bool compact_json;	/* JSON lines (batch mode) */
	enum out_table_engine table_engine;
};

struct out_table;
struct out_row;

/* A new table of schema s; never NULL (out of memory aborts). */
struct out_table *out_table_new(const struct out_schema *s);
void out_table_free(struct out_table *t);
size_t out_table_nrows(const struct out_table *t);
struct out_row *out_row_add(struct out_table *t);

/* Setters take the column index; a NULL string or vector is null. */
void out_set_str(struct out_row *r, int col, const char *s);
/* s, and alt: its shorter form, which a table too wide for the terminal shows instead. */
void out_set_str_alt(struct out_row *r, int col, const char *s, const char *alt);
void out_set_strf(struct out_row *r, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void out_set_num(struct out_row *r, int col, int64_t v);
/* A number a reader gives as -1 (or any negative) when it does not know: null then. */
void out_set_num_or_null(struct out_row *r, int col, int64_t v);
/* "%0*llx" into the end of buf (>= 20 bytes), without printf: it runs for every id of a scan. */
const char *out_fmt_hex(char *buf, size_t len, uint64_t v, int width);
/* v as width hex digits at least ("%0*llx": ids, classes), a string; negative: null. */
void out_set_hex(struct out_row *r, int col, int64_t v, int width);
void out_set_bool(struct out_row *r, int col, bool v);
void out_set_null(struct out_row *r, int col);
void out_set_strv(struct out_row *r, int col, char *const *v);
struct out_table *out_sub(struct out_row *r, int col);	/* creates it on first use */

/*
 * Check -o against the schema (and its OUT_EXPAND sub-schema) before doing any work.
 * Returns 0, or -EINVAL with *bad pointing at the unknown name inside columns.
 */
int out_columns_check(const struct out_schema *s, const char *columns, const char **bad,
		      size_t *badlen);

/*
 * Would a table of schema s printed with o show only columns named in names (a NULL-terminated
 * list)? Lets a command read no more than it shows. True only for the table and raw formats
 * (JSON and records show every column); an OUT_EXPAND column counts by the sub-schema
 * columns it shows, other sub-schemas are never shown in tables.
 */
bool out_columns_within(const struct out_schema *s, const struct out_opts *o,
			const char *const *names);

/*
 * Would a document of schema s printed with o show the column named name (at the top level or
 * in the OUT_EXPAND sub-schema)? For JSON and records an expanded sub-schema counts as shown
 * whole. Lets a command skip reading what only that column needs.
 */
bool out_column_shown(const struct out_schema *s, const struct out_opts *o, const char *name);

/* A document: JSON {"schema": 1, key: [...], ...}; text renders each part in order. */
struct out_doc;
struct out_doc *out_doc_new(const struct out_opts *o);
/* Takes ownership of t. */
void out_doc_add_table(struct out_doc *d, struct out_table *t);
/* Text output prints title on its own line first (after a blank line if not first). */
void out_doc_add_table_titled(struct out_doc *d, struct out_table *t, const char *title);
/* One row rendered as a JSON object under key; not shown in text output. */
void out_doc_add_object(struct out_doc *d, const char *key, struct out_table *t);
/*
 * Prints nothing and returns -EDOM when -o names a column this format cannot show (a list of
 * rows in a table, a text-only column in JSON, ...) or when a part with rows would have no
 * column at all; out_doc_bad_column then says which and why.
 */
int out_doc_print(struct out_doc *d, FILE *f);
/*
 * A target that failed: JSON ends with "errors": [{"target", "exit", "message"}] when there
 * is one (the message went to stderr too; text output prints nothing more). exit is the
 * vfc_exit code that target alone would give.
 */
void out_doc_add_error(struct out_doc *d, const char *target, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *out_doc_bad_column(const struct out_doc *d, const char **why);
void out_doc_free(struct out_doc *d);

/* --list-columns: the schema's columns with their types and help (JSON: a document). */
void out_list_columns(const struct out_schema *s, FILE *f);
void out_list_columns_json(const struct out_schema *s, FILE *f, bool compact);

#endif
