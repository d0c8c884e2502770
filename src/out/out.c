// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "out/json.h"
#include "out/out.h"

struct cell {
	bool set;
	/*
	 * OUT_STR: s is "FULL\0SHORT": the shorter form a table too wide for the terminal shows.
	 * A flag, not a pointer: a cell stays 16 bytes (a -J list of the bench tree has ~170k).
	 */
	bool has_alt;
	union {
		char *s;
		int64_t n;
		bool b;
		char **v;
		struct out_table *t;
	};
};

struct out_row {
	const struct out_schema *s;
	struct out_table *t;	/* the table it belongs to (its arena) */
	struct cell *cells;
};

/*
 * Everything a table holds (rows, cells, strings, its sub-tables and theirs) comes from one
 * arena, freed with the table: a large listing has a cell count in the hundreds of thousands,
 * and a malloc and a free for each would be a visible part of its cost.
 */
struct chunk {
	struct chunk *next;
	size_t mapped;		/* > 0: a huge chunk, mmap'ed (its length), else malloc'ed */
	max_align_t data[];
};

struct arena {
	struct chunk *chunks;
	char *p;		/* free space in the newest chunk */
	size_t left;
	size_t nsmall;		/* malloc'ed chunks so far */
};

struct out_table {
	const struct out_schema *s;
	struct out_row **rows;
	size_t n, cap;
	struct arena *arena;	/* shared by a table and its sub-tables */
	bool owns_arena;	/* made by out_table_new (not out_sub) */
};

struct part {
	struct out_table *t;
	const char *title;
	const char *object_key;		/* non-NULL: render row 0 as a JSON object */
};

struct out_doc {
	struct out_opts o;
	struct part *parts;
	size_t nparts;
	int oom;
	struct out_table *errors;	/* NULL until a target fails */
	char bad[64];		/* out_doc_print -EDOM: the column, and why */
	const char *why;
};

/* ---- arena ---- */

#define CHUNK_SIZE (64 * 1024)
#define ARENA_ALIGN (sizeof(max_align_t))

/*
 * A table past SMALL_CHUNKS chunks (1 MiB: thousands of rows) gets the rest in 2 MiB chunks,
 * aligned and marked MADV_HUGEPAGE: each 4 KiB page of the heap costs a page fault when first
 * written (~15 us on the bench VM), and the cells of `-J list` on 4160 groups are ~7 MB, 1900
 * faults. A huge chunk faults once where transparent huge pages are enabled (`always` or
 * `madvise`) and is ordinary memory where they are not; small outputs never get one.
 */
#define SMALL_CHUNKS 16
#define HUGE_CHUNK (2 * 1024 * 1024)

static struct chunk *huge_chunk(void)
{
	char *m = mmap(NULL, 2 * HUGE_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char *start;
	size_t head;
	struct chunk *c;

	if (m == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)m + HUGE_CHUNK - 1) & ~((uintptr_t)HUGE_CHUNK - 1));
	head = (size_t)(start - m);
	if (head)
		munmap(m, head);
	munmap(start + HUGE_CHUNK, HUGE_CHUNK - head);
	(void)madvise(start, HUGE_CHUNK, MADV_HUGEPAGE);	/* advice: fine to be refused */
	c = (struct chunk *)(void *)start;
	c->mapped = HUGE_CHUNK;
	return c;
}

/* Out of memory while building output: nothing sane is left to print. */
static void *arena_alloc(struct arena *a, size_t n)
{
	void *p;

	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (n > a->left) {
		size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE - sizeof(struct chunk);
		struct chunk *c = NULL;

		if (size != n && a->nsmall >= SMALL_CHUNKS && (c = huge_chunk()))
			size = HUGE_CHUNK - sizeof(struct chunk);
		if (!c) {
			c = malloc(sizeof(*c) + size);
			if (!c)
				abort();
			c->mapped = 0;
			if (size != n)
				a->nsmall++;
		}
		c->next = a->chunks;
		a->chunks = c;
		if (size != n || !a->p) {	/* a big one-off keeps the current chunk's space */
			a->p = (char *)c->data;
			a->left = size;
		} else {
			return c->data;
		}
	}
	p = a->p;
	a->p += n;
	a->left -= n;
	return p;
}

static void *arena_zalloc(struct arena *a, size_t n)
{
	return memset(arena_alloc(a, n), 0, n);
}

static char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(arena_alloc(a, n), s, n);
}

static __attribute__((format(printf, 2, 0))) char *arena_vprintf(struct arena *a, const char *fmt,
								  va_list ap)
{
	char *start = a->p, *p;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	/* Try the free space first; formatted cells are short. */
	n = vsnprintf(start, a->left, fmt, ap);
	if (n < 0)
		abort();
	if ((size_t)n < a->left) {
		/* left is a multiple of ARENA_ALIGN: the space written is what this takes */
		p = arena_alloc(a, (size_t)n + 1);
		if (p != start)
			memcpy(p, start, (size_t)n + 1);
	} else {
		p = arena_alloc(a, (size_t)n + 1);
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	return p;
}

/*
 * Oldest chunk first. The chunks of a large table lie in address order at the top of the
 * heap; freed newest first, each free leaves a free top above the trim threshold and malloc
 * gives it back with a brk(2) of its own (92 for `-J list` of 4160 groups, each an unmap and
 * a TLB flush). Freed oldest first they coalesce below the newest, and the last free trims
 * once.
 */
static void arena_free(struct arena *a)
{
	struct chunk *rev = NULL;

	while (a->chunks) {
		struct chunk *c = a->chunks;

		a->chunks = c->next;
		c->next = rev;
		rev = c;
	}
	while (rev) {
		struct chunk *c = rev;

		rev = c->next;
		if (c->mapped)
			munmap(c, c->mapped);
		else
			free(c);
	}
}

/* ---- model ---- */

/* Never NULL: out of memory aborts, as every allocation of the output model does. */
struct out_table *out_table_new(const struct out_schema *s)
{
	struct out_table *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	t->arena = calloc(1, sizeof(*t->arena));
	if (!t->arena)
		abort();
	t->s = s;
	t->owns_arena = true;
	return t;
}

/* The memory stays in the arena until the table is freed; a value set twice costs twice. */
static void cell_clear(struct cell *cell)
{
	memset(cell, 0, sizeof(*cell));
}

void out_table_free(struct out_table *t)
{
	if (!t || !t->owns_arena)
		return;	/* a sub-table lives in its top table's arena */
	arena_free(t->arena);
	free(t->arena);
	free(t);
}

size_t out_table_nrows(const struct out_table *t)
{
	return t ? t->n : 0;
}

struct out_row *out_row_add(struct out_table *t)
{
	struct out_row *r;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4;
		struct out_row **nv = arena_alloc(t->arena, ncap * sizeof(*nv));

		if (t->n)
			memcpy(nv, t->rows, t->n * sizeof(*nv));
		t->rows = nv;
		t->cap = ncap;
	}
	r = arena_alloc(t->arena, sizeof(*r));
	r->s = t->s;
	r->t = t;
	r->cells = arena_zalloc(t->arena, (t->s->ncols ? t->s->ncols : 1) * sizeof(*r->cells));
	t->rows[t->n++] = r;
	return r;
}

static struct cell *cell_at(struct out_row *r, int col, enum out_type type)
{
	struct cell *c;

	if (col < 0 || (size_t)col >= r->s->ncols || r->s->cols[col].type != type)
		abort();	/* a programming error: the schema and the caller disagree */
	c = &r->cells[col];
	cell_clear(c);
	return c;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

void out_set_str(struct out_row *r, int col, const char *s)
{
	struct cell *c = cell_at(r, col, OUT_STR);

	if (s) {
		c->s = arena_strdup(r->t->arena, s);
		c->set = true;
	}
}

void out_set_str_alt(struct out_row *r, int col, const char *s, const char *alt)
{
	struct cell *c = cell_at(r, col, OUT_STR);

	size_t n, m;

	if (!s || !alt || !strcmp(s, alt)) {
		out_set_str(r, col, s);
		return;
	}
	n = strlen(s) + 1;
	m = strlen(alt) + 1;
	c->s = arena_alloc(r->t->arena, n + m);
	memcpy(c->s, s, n);
	memcpy(c->s + n, alt, m);
	c->set = true;
	c->has_alt = true;
}

/* The shorter form out_set_str_alt gave a cell, or NULL. */
static const char *cell_alt(const struct cell *c)
{
	return c->has_alt ? c->s + strlen(c->s) + 1 : NULL;
}

void out_set_strf(struct out_row *r, int col, const char *fmt, ...)
{
	struct cell *c = cell_at(r, col, OUT_STR);
	va_list ap;

	va_start(ap, fmt);
	c->s = arena_vprintf(r->t->arena, fmt, ap);
	va_end(ap);
	c->set = true;
}

void out_set_num(struct out_row *r, int col, int64_t v)
{
	struct cell *c = cell_at(r, col, OUT_NUM);

	c->n = v;
	c->set = true;
}

void out_set_num_or_null(struct out_row *r, int col, int64_t v)
{
	if (v < 0)
		out_set_null(r, col);
	else
		out_set_num(r, col, v);
}

const char *out_fmt_hex(char *buf, size_t len, uint64_t v, int width)
{
	char *p = buf + len;
	int n = 0;

	*--p = '\0';
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
		n++;
	} while (v);
	while (n++ < width)
		*--p = '0';
	return p;
}

void out_set_hex(struct out_row *r, int col, int64_t v, int width)
{
	char buf[24];

	if (v < 0)
		out_set_null(r, col);
	else
		out_set_str(r, col, out_fmt_hex(buf, sizeof(buf), (uint64_t)v, width));
}

void out_set_bool(struct out_row *r, int col, bool v)
{
	struct cell *c = cell_at(r, col, OUT_BOOL);

	c->b = v;
	c->set = true;
}

void out_set_null(struct out_row *r, int col)
{
	if (col < 0 || (size_t)col >= r->s->ncols)
		abort();
	cell_clear(&r->cells[col]);
}

void out_set_strv(struct out_row *r, int col, char *const *v)
{
	struct cell *c = cell_at(r, col, OUT_STRV);
	size_t n = 0;

	if (!v)
		return;
	while (v[n])
		n++;
	c->v = arena_alloc(r->t->arena, (n + 1) * sizeof(*c->v));
	for (size_t i = 0; i < n; i++)
		c->v[i] = arena_strdup(r->t->arena, v[i]);
	c->v[n] = NULL;
	c->set = true;
}

struct out_table *out_sub(struct out_row *r, int col)
{
	struct cell *c;

	if (col < 0 || (size_t)col >= r->s->ncols || r->s->cols[col].type != OUT_SUB)
		abort();
	c = &r->cells[col];
	if (!c->set) {
		c->t = arena_zalloc(r->t->arena, sizeof(*c->t));
		c->t->s = r->s->cols[col].sub;
		c->t->arena = r->t->arena;
		c->set = true;
	}
	return c->t;
}

/* ---- column selection ---- */

/* A selected column: level 0 is the schema itself, level 1 its OUT_EXPAND sub-schema. */
struct sel {
	int level;
	int col;
};

struct selection {
	struct sel *v;
	size_t n;
	int expand;		/* index of the OUT_EXPAND column in the top schema, or -1 */
	bool sub_named;		/* -o named sub-schema columns */
};

static int find_expand(const struct out_schema *s)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (s->cols[i].type == OUT_SUB && (s->cols[i].flags & OUT_EXPAND))
			return (int)i;
	return -1;
}

static int find_col(const struct out_schema *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strlen(s->cols[i].name) == len && !strncasecmp(s->cols[i].name, name, len))
			return (int)i;
	return -1;
}

static int lookup(const struct out_schema *s, int expand, const char *name, size_t len,
		  struct sel *out)
{
	int c = find_col(s, name, len);

	if (c >= 0) {
		*out = (struct sel){ 0, c };
		return 0;
	}
	if (expand >= 0) {
		c = find_col(s->cols[expand].sub, name, len);
		if (c >= 0) {
			*out = (struct sel){ 1, c };
			return 0;
		}
	}
	return -EINVAL;
}

int out_columns_check(const struct out_schema *s, const char *columns, const char **bad,
		      size_t *badlen)
{
	int expand = find_expand(s);
	const char *p = columns;

	if (!columns)
		return 0;
	if (*p == '+')
		p++;
	while (*p) {
		size_t len = strcspn(p, ",");
		struct sel sl;

		if (len == 0 || lookup(s, expand, p, len, &sl)) {
			*bad = p;
			*badlen = len;
			return -EINVAL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static bool wanted(const struct out_col *c, enum out_format f, bool defaults_only)
{
	if (f == OUT_FMT_JSON)
		return !(c->flags & OUT_TEXT);
	if (c->flags & OUT_JSON)
		return false;
	if (f == OUT_FMT_RECORD)
		return true;
	return !defaults_only || (c->flags & OUT_DEFAULT);
}

static void sel_push(struct selection *sel, int level, int col)
{
	for (size_t i = 0; i < sel->n; i++)
		if (sel->v[i].level == level && sel->v[i].col == col)
			return;
	sel->v[sel->n++] = (struct sel){ level, col };
}

static void select_columns(const struct out_schema *s, const struct out_opts *o, struct selection *sel)
{
	const char *p = o->columns;
	size_t max = s->ncols;
	bool append = p && *p == '+';

	sel->expand = find_expand(s);
	sel->sub_named = false;
	if (sel->expand >= 0)
		max += s->cols[sel->expand].sub->ncols;
	sel->v = calloc(max + 1, sizeof(*sel->v));
	sel->n = 0;
	if (!sel->v)
		abort();
	if (!p || append) {
		for (size_t i = 0; i < s->ncols; i++) {
			const struct out_col *c = &s->cols[i];

			if (c->type == OUT_SUB && o->format != OUT_FMT_JSON &&
			    o->format != OUT_FMT_RECORD && !(c->flags & OUT_EXPAND))
				continue;
			if (wanted(c, o->format, true))
				sel_push(sel, 0, (int)i);
		}
		if (sel->expand >= 0 && o->format != OUT_FMT_JSON && o->format != OUT_FMT_RECORD) {
			const struct out_schema *sub = s->cols[sel->expand].sub;

			for (size_t i = 0; i < sub->ncols; i++)
				if (wanted(&sub->cols[i], o->format, true))
					sel_push(sel, 1, (int)i);
		}
		if (!append)
			return;
		p++;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		struct sel sl;

		if (len && !lookup(s, sel->expand, p, len, &sl)) {
			sel_push(sel, sl.level, sl.col);
			if (sl.level == 1)
				sel->sub_named = true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	/* JSON or records with sub-schema columns named: the array that holds them must be there. */
	if ((o->format == OUT_FMT_JSON || o->format == OUT_FMT_RECORD) && sel->sub_named)
		sel_push(sel, 0, sel->expand);
}

bool out_columns_within(const struct out_schema *s, const struct out_opts *o,
			const char *const *names)
{
	struct selection sel;
	bool within = true;

	if (o->format != OUT_FMT_TABLE && o->format != OUT_FMT_RAW)
		return false;
	select_columns(s, o, &sel);
	for (size_t i = 0; within && i < sel.n; i++) {
		const struct out_schema *cs = sel.v[i].level ? s->cols[sel.expand].sub : s;
		const struct out_col *c = &cs->cols[sel.v[i].col];
		bool named = false;

		/* not a column of a table (the expanded one shows its own) */
		if (c->type == OUT_SUB)
			continue;
		for (const char *const *n = names; *n && !named; n++)
			named = !strcmp(*n, c->name);
		within = named;
	}
	free(sel.v);
	return within;
}

bool out_column_shown(const struct out_schema *s, const struct out_opts *o, const char *name)
{
	bool whole = o->format == OUT_FMT_JSON || o->format == OUT_FMT_RECORD;
	struct selection sel;
	bool shown = false;

	select_columns(s, o, &sel);
	for (size_t i = 0; !shown && i < sel.n; i++) {
		const struct out_schema *cs = sel.v[i].level ? s->cols[sel.expand].sub : s;
		const struct out_col *c = &cs->cols[sel.v[i].col];

		shown = !strcmp(c->name, name);
		if (!shown && whole && !sel.v[i].level && sel.v[i].col == sel.expand)
			for (size_t k = 0; !shown && k < c->sub->ncols; k++)
				shown = !strcmp(c->sub->cols[k].name, name);
	}
	free(sel.v);
	return shown;
}

/* ---- text values ---- */

/* A growing text buffer: the cells of a table, NUL-separated. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static void sb_reserve(struct sbuf *b, size_t more)
{
	if (b->n + more > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;

		while (ncap < b->n + more)
			ncap *= 2;
		b->p = realloc(b->p, ncap);
		if (!b->p)
			abort();
		b->cap = ncap;
	}
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (!n)
		return;
	sb_reserve(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* The text of a cell, NUL-terminated, appended to b. */
static void cell_text_add(struct sbuf *b, const struct out_col *c, const struct cell *cell,
			  bool record)
{
	char num[32];

	if (!cell || !cell->set) {
		sb_adds(b, record ? "-" : "");
	} else {
		switch (c->type) {
		case OUT_STR:
			sb_adds(b, cell->s);
			break;
		case OUT_NUM:
			sb_adds(b, jw_fmt_i64(cell->n, num + sizeof(num)));
			break;
		case OUT_BOOL:
			sb_adds(b, cell->b ? "yes" : "no");
			break;
		case OUT_STRV: {
			size_t start = b->n;

			for (char **p = cell->v; *p; p++) {
				if (p != cell->v)
					sb_add(b, ",", 1);
				sb_adds(b, *p);
			}
			if (b->n == start && record)
				sb_adds(b, "none");
			break;
		}
		case OUT_SUB:
			snprintf(num, sizeof(num), "%zu", out_table_nrows(cell->t));
			sb_adds(b, num);
			break;
		}
	}
	sb_add(b, "", 1);
}

static char *cell_text(const struct out_col *c, const struct cell *cell, bool record)
{
	struct sbuf b = { 0 };

	cell_text_add(&b, c, cell, record);
	return b.p;
}

/* ---- table and raw ---- */

static int scols_flags(const struct out_col *c, bool raw)
{
	int fl = 0;

	if (c->flags & OUT_RIGHT)
		fl |= SCOLS_FL_RIGHT;
	if ((c->flags & OUT_TRUNC) && !raw)
		fl |= SCOLS_FL_TRUNC;
	return fl;
}

/* The table as text: ncols columns, nlines lines of cells (offsets into text). */
struct grid {
	const struct out_col **cols;
	size_t ncols, nlines;
	struct sbuf text;
	size_t *off;		/* nlines * ncols */
	size_t *alt;		/* the same cells' shorter forms in text (0: none) */
	size_t noff, offcap;
	bool plain;		/* every cell printable ASCII */
	bool raw;		/* empty cells print as "-" */
};

static void grid_cell(struct grid *g, const struct out_col *c, const struct cell *cell)
{
	size_t start = g->text.n;

	if (g->noff == g->offcap) {
		g->offcap = g->offcap ? g->offcap * 2 : 256;
		g->off = reallocarray(g->off, g->offcap, sizeof(*g->off));
		g->alt = reallocarray(g->alt, g->offcap, sizeof(*g->alt));
		if (!g->off || !g->alt)
			abort();
	}
	g->alt[g->noff] = 0;
	g->off[g->noff++] = start;
	if (c)
		cell_text_add(&g->text, c, cell, false);
	else
		sb_add(&g->text, "", 1);
	/* raw: a field for every column, so an empty one must still be there */
	if (g->raw && !g->text.p[start]) {
		g->text.n = start;
		sb_add(&g->text, "-", 2);
	}
	/* libsmartcols escapes control bytes, bad multibyte sequences and a "\x" (as \xHH) */
	for (const unsigned char *p = (const unsigned char *)g->text.p + start; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '\\')
			g->plain = false;
	if (c && c->type == OUT_STR && cell && cell->set && cell->has_alt && !g->raw) {
		const char *alt = cell_alt(cell);

		g->alt[g->noff - 1] = g->text.n;	/* never 0: the full text comes first */
		sb_add(&g->text, alt, strlen(alt) + 1);
	}
}

static const char *grid_at(const struct grid *g, size_t line, size_t col)
{
	return g->text.p + g->off[line * g->ncols + col];
}

static void grid_free(struct grid *g)
{
	free(g->cols);
	free(g->text.p);
	free(g->off);
	free(g->alt);
}

/*
 * Why two table engines: libsmartcols is the one layout (terminal widths, truncation, UTF-8,
 * escaping), but it measures each cell with mbrtowc and wcwidth and encodes it again to print
 * it, which dominates the cost of listing a large host into a pipe. So a table for a pipe or
 * a file whose every cell is printable ASCII without a backslash is written here, without
 * libsmartcols. For such a table off a terminal its layout is simple, and this is it: a column is as wide as its widest
 * cell, at least its header (then the width hint does not apply), else at least a width hint
 * >= 1; fractional hints and truncation only matter on a terminal. Cells are padded to the
 * width (right-aligned ones on the left), one space between columns, the last column not
 * padded unless right-aligned and not empty; the header is aligned like its column. Tables
 * without lines or columns stay with libsmartcols (which refuses the latter).
 * tests/unit/test_out.c renders random tables both ways and requires the same bytes, so a
 * libsmartcols whose layout differs fails the unit tests rather than the output.
 */
static bool plain_table_ok(const struct out_opts *o, const struct grid *g)
{
	if (o->format != OUT_FMT_TABLE || o->table_engine == OUT_TABLE_SCOLS || !g->plain ||
	    !g->nlines || !g->ncols)
		return false;
	if (o->table_engine == OUT_TABLE_BUILTIN)
		return true;
	/* what libsmartcols asks to decide it prints for a terminal, and its debug switches */
	return !isatty(STDOUT_FILENO) && !getenv("LIBSMARTCOLS_DEBUG") &&
	       !getenv("LIBSMARTCOLS_DEBUG_PADDING");
}

static void pad(struct sbuf *b, size_t n)
{
	if (!n)
		return;
	sb_reserve(b, n);
	memset(b->p + b->n, ' ', n);
	b->n += n;
}

static void plain_cell(struct sbuf *out, const struct out_col *c, const char *text, size_t width,
		       bool last)
{
	size_t len = strlen(text);
	bool right = (c->flags & OUT_RIGHT) && len;	/* an empty cell is padding only */

	if (right)
		pad(out, width - len);
	sb_add(out, text, len);
	if (!right && !last)
		pad(out, width - len);
	if (!last)
		sb_add(out, " ", 1);
}

static int print_plain(const struct grid *g, const struct out_opts *o, FILE *f)
{
	size_t *width = calloc(g->ncols ? g->ncols : 1, sizeof(*width));
	struct sbuf out = { 0 };
	int rc = 0;

	if (!width)
		return -ENOMEM;
	for (size_t c = 0; c < g->ncols; c++) {
		size_t hw = strlen(g->cols[c]->name), w = 0;
		double hint = g->cols[c]->whint;

		for (size_t l = 0; l < g->nlines; l++) {
			size_t len = strlen(grid_at(g, l, c));

			if (len > w)
				w = len;
		}
		if (!hw)
			hw = 1;
		if (w < hw)
			w = hw;
		else if (hint >= 1 && w < (size_t)hint)
			w = (size_t)hint;
		width[c] = w;
	}
	if (!o->noheadings) {
		for (size_t c = 0; c < g->ncols; c++)
			plain_cell(&out, g->cols[c], g->cols[c]->name, width[c], c + 1 == g->ncols);
		sb_add(&out, "\n", 1);
	}
	for (size_t l = 0; l < g->nlines; l++) {
		for (size_t c = 0; c < g->ncols; c++)
			plain_cell(&out, g->cols[c], grid_at(g, l, c), width[c], c + 1 == g->ncols);
		sb_add(&out, "\n", 1);
		if (out.n >= 65536 || l + 1 == g->nlines) {
			if (fwrite(out.p, 1, out.n, f) != out.n)
				rc = -EIO;
			out.n = 0;
		}
	}
	free(out.p);
	free(width);
	return rc;
}

/*
 * Whether the table's natural width (each column as wide as its widest cell or header, one
 * space between) exceeds the terminal's: then cells with a shorter form use it before
 * libsmartcols truncates, so that a NAME keeps the model rather than the vendor (issue 23
 * item 18). Widths are counted in bytes, which is at least the columns for UTF-8.
 */
static bool grid_too_wide(const struct grid *g, size_t termwidth)
{
	size_t total = 0;
	bool any = false;

	for (size_t c = 0; c < g->ncols; c++) {
		size_t w = strlen(g->cols[c]->name);

		for (size_t l = 0; l < g->nlines; l++) {
			size_t n = strlen(grid_at(g, l, c));

			any |= g->alt[l * g->ncols + c] != 0;
			if (n > w)
				w = n;
		}
		total += w + (c ? 1 : 0);
	}
	return any && termwidth && total > termwidth;
}

static int print_scols(const struct grid *g, const struct out_opts *o, FILE *f)
{
	struct libscols_table *tb = scols_new_table();
	bool raw = o->format == OUT_FMT_RAW, short_forms;
	int rc = 0;

	if (!tb)
		return -ENOMEM;
	scols_table_set_stream(tb, f);
	scols_table_enable_raw(tb, raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	short_forms = !raw && grid_too_wide(g, scols_table_get_termwidth(tb));
	for (size_t c = 0; c < g->ncols; c++) {
		if (!scols_table_new_column(tb, g->cols[c]->name, g->cols[c]->whint,
					    scols_flags(g->cols[c], raw))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (size_t l = 0; l < g->nlines; l++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t c = 0; c < g->ncols; c++) {
			/* refer_data hands ownership of the copy to libsmartcols */
			size_t alt = g->alt[l * g->ncols + c];
			char *text = xstrdup(short_forms && alt ? g->text.p + alt : grid_at(g, l, c));

			if (scols_line_refer_data(ln, c, text))
				free(text);
		}
	}
	if (g->nlines || !o->noheadings)
		rc = scols_print_table(tb) ? -EIO : 0;
out:
	scols_unref_table(tb);
	return rc;
}

/*
 * -P: NAME="value" per column, one row a line, as lsblk -P. Inside the quotes a '"', a '\\',
 * a '$', a '`' and any byte outside printable ASCII are \\xHH, so that a line is safe for
 * eval in a shell and splits on the spaces between pairs.
 */
static int print_pairs(const struct grid *g, FILE *f)
{
	struct sbuf out = { 0 };
	int rc = 0;

	for (size_t l = 0; l < g->nlines; l++) {
		for (size_t c = 0; c < g->ncols; c++) {
			const unsigned char *v = (const unsigned char *)grid_at(g, l, c);

			if (c)
				sb_add(&out, " ", 1);
			sb_adds(&out, g->cols[c]->name);
			sb_add(&out, "=\"", 2);
			for (; *v; v++) {
				if (*v < 0x20 || *v > 0x7e || strchr("\"\\$`", *v)) {
					char hex[5];

					snprintf(hex, sizeof(hex), "\\x%02x", *v);
					sb_add(&out, hex, 4);
				} else {
					sb_add(&out, (const char *)v, 1);
				}
			}
			sb_add(&out, "\"", 1);
		}
		sb_add(&out, "\n", 1);
	}
	if (out.n && fwrite(out.p, 1, out.n, f) != out.n)
		rc = -EIO;
	free(out.p);
	return rc;
}

static int print_table(const struct out_table *t, const struct out_opts *o, FILE *f,
		       const struct selection *sel)
{
	const struct out_schema *s = t->s;
	const struct out_schema *sub = sel->expand >= 0 ? s->cols[sel->expand].sub : NULL;
	bool raw = o->format == OUT_FMT_RAW || o->format == OUT_FMT_PAIRS;
	struct grid g = { .plain = true, .raw = o->format == OUT_FMT_RAW };
	bool any_sub = false;
	int rc;

	g.cols = calloc(sel->n ? sel->n : 1, sizeof(*g.cols));
	if (!g.cols)
		return -ENOMEM;
	for (size_t i = 0; i < sel->n; i++) {
		const struct out_col *c = sel->v[i].level ? &sub->cols[sel->v[i].col]
							  : &s->cols[sel->v[i].col];

		any_sub |= sel->v[i].level == 1;
		if (c->type != OUT_SUB)
			g.cols[g.ncols++] = c;
	}
	/* Without a sub-schema column selected, one line per row: no empty continuation lines. */
	for (size_t r = 0; r < t->n; r++) {
		const struct out_row *row = t->rows[r];
		const struct out_table *kids = NULL;
		size_t nk;

		if (sub && any_sub && row->cells[sel->expand].set)
			kids = row->cells[sel->expand].t;
		nk = kids && kids->n ? kids->n : 1;
		for (size_t k = 0; k < nk; k++, g.nlines++) {
			for (size_t i = 0; i < sel->n; i++) {
				const struct sel *sl = &sel->v[i];

				if (sl->level == 0) {
					const struct out_col *c = &s->cols[sl->col];

					if (c->type == OUT_SUB)
						continue;
					/* group values once per group in a table, every line raw */
					grid_cell(&g, k == 0 || raw ? c : NULL,
						  &row->cells[sl->col]);
				} else {
					grid_cell(&g, kids && kids->n ? &sub->cols[sl->col] : NULL,
						  kids && kids->n ? &kids->rows[k]->cells[sl->col]
								  : NULL);
				}
			}
		}
	}
	if (o->format == OUT_FMT_PAIRS)
		rc = print_pairs(&g, f);
	else
		rc = plain_table_ok(o, &g) ? print_plain(&g, o, f) : print_scols(&g, o, f);
	grid_free(&g);
	return rc;
}

/* ---- records (show) ---- */

static void print_indented(FILE *f, const char *text, const char *prefix)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		fprintf(f, "%s%.*s\n", prefix, (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
}

static int print_records(const struct out_table *t, FILE *f, const struct selection *sel)
{
	const struct out_schema *s = t->s;
	int width = 0;

	for (size_t i = 0; i < sel->n; i++)
		if (sel->v[i].level == 0) {
			int w = (int)strlen(s->cols[sel->v[i].col].name);

			if (w > width)
				width = w;
		}
	for (size_t r = 0; r < t->n; r++) {
		const struct out_row *row = t->rows[r];

		if (r)
			fputc('\n', f);
		for (size_t i = 0; i < sel->n; i++) {
			const struct out_col *c;
			char label[64];

			if (sel->v[i].level)
				continue;
			c = &s->cols[sel->v[i].col];
			if ((c->flags & OUT_SPARSE) && !row->cells[sel->v[i].col].set)
				continue;
			snprintf(label, sizeof(label), "%s:", c->name);
			for (char *p = label; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (c->type == OUT_SUB) {
				const struct out_table *kt = row->cells[sel->v[i].col].t;
				struct out_opts ko = { .format = OUT_FMT_TABLE };
				struct selection ks;
				char *buf = NULL;
				size_t len = 0;
				FILE *mf;
				int rc;

				if (!kt || !kt->n) {
					fprintf(f, "%-*s %s\n", width + 1, label, "none");
					continue;
				}
				fprintf(f, "%s\n", label);
				select_columns(kt->s, &ko, &ks);
				mf = open_memstream(&buf, &len);
				if (!mf) {
					free(ks.v);
					return -ENOMEM;
				}
				rc = print_table(kt, &ko, mf, &ks);
				fclose(mf);
				free(ks.v);
				if (!rc)
					print_indented(f, buf, "  ");
				free(buf);
				if (rc)
					return rc;
				continue;
			}
			{
				char *v = cell_text(c, &row->cells[sel->v[i].col], true);

				fprintf(f, "%-*s %s\n", width + 1, label, v);
				free(v);
			}
		}
	}
	return 0;
}

/* ---- JSON ---- */

#define JKEY_LEN 64

/* The JSON keys of a schema's columns, made once per document instead of once per cell. */
struct jkeys {
	const struct out_schema *s;
	char (*keys)[JKEY_LEN];
	struct jkeys *next;
};

struct jout {
	struct jw w;
	struct jkeys *keys;
};

static void json_key(const char *name, char *buf, size_t len)
{
	size_t i;

	/* column names are ASCII */
	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] == '-' ? '_'
			 : name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	buf[i] = '\0';
}

static const char *jkey(struct jout *j, const struct out_schema *s, size_t col)
{
	struct jkeys *k = j->keys;

	while (k && k->s != s)
		k = k->next;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k || !(k->keys = calloc(s->ncols ? s->ncols : 1, sizeof(*k->keys))))
			abort();
		k->s = s;
		for (size_t c = 0; c < s->ncols; c++)
			json_key(s->cols[c].name, k->keys[c], sizeof(k->keys[c]));
		k->next = j->keys;
		j->keys = k;
	}
	return k->keys[col];
}

static void jkeys_free(struct jout *j)
{
	while (j->keys) {
		struct jkeys *k = j->keys;

		j->keys = k->next;
		free(k->keys);
		free(k);
	}
}

static void json_row(struct jout *j, const char *key, const struct out_row *row,
		     const struct selection *sel, int level, bool all);

static void json_cell(struct jout *j, const struct out_row *row, size_t col,
		      const struct selection *sel, bool sub_all)
{
	const struct out_col *c = &row->s->cols[col];
	const struct cell *cell = &row->cells[col];
	const char *key = jkey(j, row->s, col);
	struct jw *w = &j->w;

	if (!cell->set) {
		if (c->type == OUT_SUB) {
			jw_array_open(w, key);	/* an empty list is a list, never null */
			jw_array_close(w);
		} else {
			jw_null(w, key);
		}
		return;
	}
	switch (c->type) {
	case OUT_STR: jw_string(w, key, cell->s); break;
	case OUT_NUM: jw_int(w, key, cell->n); break;
	case OUT_BOOL: jw_bool(w, key, cell->b); break;
	case OUT_STRV:
		jw_array_open(w, key);
		for (char **p = cell->v; *p; p++)
			jw_string(w, NULL, *p);
		jw_array_close(w);
		break;
	case OUT_SUB:
		jw_array_open(w, key);
		for (size_t i = 0; i < cell->t->n; i++)
			json_row(j, NULL, cell->t->rows[i], sel, 1, sub_all);
		jw_array_close(w);
		break;
	}
}

static void json_row(struct jout *j, const char *key, const struct out_row *row,
		     const struct selection *sel, int level, bool all)
{
	const struct out_schema *s = row->s;

	jw_object_open(&j->w, key);
	if (all || !sel) {
		for (size_t c = 0; c < s->ncols; c++) {
			if (s->cols[c].flags & OUT_TEXT)
				continue;
			json_cell(j, row, c, NULL, true);
		}
	} else {
		for (size_t i = 0; i < sel->n; i++) {
			const struct sel *sl = &sel->v[i];
			bool sub_all;

			if (sl->level != level)
				continue;
			if (s->cols[sl->col].flags & OUT_TEXT)
				continue;
			/* the expanded array shows only named sub columns when some were named */
			sub_all = !(sl->col == sel->expand && sel->sub_named);
			json_cell(j, row, (size_t)sl->col, sub_all ? NULL : sel, sub_all);
		}
	}
	jw_object_close(&j->w);
}

/* ---- document ---- */

enum { E_TARGET, E_EXIT, E_MESSAGE };
static const struct out_col error_cols[] = {
	[E_TARGET] = { .name = "TARGET", .type = OUT_STR, .whint = 12, .flags = OUT_DEFAULT,
		       .help = "the target as given" },
	[E_EXIT] = { .name = "EXIT", .type = OUT_NUM, .whint = 2, .flags = OUT_DEFAULT,
		     .help = "the exit status it alone gives" },
	[E_MESSAGE] = { .name = "MESSAGE", .type = OUT_STR, .whint = 0.5, .flags = OUT_DEFAULT,
			.help = "what failed (as on stderr)" },
};
static const struct out_schema error_schema = { "errors", error_cols, 3 };

void out_doc_add_error(struct out_doc *d, const char *target, int exit_code, const char *fmt, ...)
{
	struct out_row *r;
	char msg[512];
	va_list ap;

	if (!d->errors)
		d->errors = out_table_new(&error_schema);
	r = out_row_add(d->errors);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_set_str(r, E_TARGET, target);
	out_set_num(r, E_EXIT, exit_code);
	out_set_str(r, E_MESSAGE, msg);
}

struct out_doc *out_doc_new(const struct out_opts *o)
{
	struct out_doc *d = calloc(1, sizeof(*d));

	if (!d)
		abort();
	d->o = *o;
	return d;
}

static void add_part(struct out_doc *d, struct out_table *t, const char *object_key,
		     const char *title)
{
	struct part *np = reallocarray(d->parts, d->nparts + 1, sizeof(*np));

	if (!np)
		abort();
	d->parts = np;
	d->parts[d->nparts++] = (struct part){ .t = t, .object_key = object_key, .title = title };
}

void out_doc_add_table(struct out_doc *d, struct out_table *t)
{
	add_part(d, t, NULL, NULL);
}

void out_doc_add_table_titled(struct out_doc *d, struct out_table *t, const char *title)
{
	add_part(d, t, NULL, title);
}

void out_doc_add_object(struct out_doc *d, const char *key, struct out_table *t)
{
	add_part(d, t, key, NULL);
}

static bool doc_bad(struct out_doc *d, const char *name, size_t len, const char *why)
{
	snprintf(d->bad, sizeof(d->bad), "%.*s", (int)len, name);
	d->why = why;
	return false;
}

/*
 * Can every part show what -o names in this format? A named column that cannot be rendered
 * here, or a part with rows and no column left, is a usage error (it was an empty table that
 * libsmartcols refused, "Input/output error", or JSON objects with no keys).
 */
static bool doc_columns_fit(struct out_doc *d)
{
	enum out_format fmt = d->o.format;
	bool json = fmt == OUT_FMT_JSON, table = !json && fmt != OUT_FMT_RECORD;
	const char *cols = d->o.columns;

	if (!cols)
		return true;
	for (size_t i = 0; i < d->nparts; i++) {
		const struct out_table *t = d->parts[i].t;
		const struct out_schema *s = t->s;
		int expand = find_expand(s);
		struct selection sel;
		size_t shown = 0;

		if (d->parts[i].object_key)
			continue;
		for (const char *p = cols + (*cols == '+'); *p;) {
			size_t len = strcspn(p, ",");
			struct sel sl;

			if (len && !lookup(s, expand, p, len, &sl)) {
				const struct out_col *c = sl.level ? &s->cols[expand].sub->cols[sl.col]
								   : &s->cols[sl.col];

				if (table && c->type == OUT_SUB)
					return doc_bad(d, p, len, c->flags & OUT_EXPAND ?
						"holds rows: name the columns of its rows (--list-columns), or use -J" :
						"holds rows, which a table cannot show: use -J (or show)");
				if (!json && (c->flags & OUT_JSON))
					return doc_bad(d, p, len, "a JSON key only: use -J");
				if (json && (c->flags & OUT_TEXT))
					return doc_bad(d, p, len, "text only, not a JSON key");
			}
			p += len;
			if (*p == ',')
				p++;
		}
		select_columns(s, &d->o, &sel);
		for (size_t k = 0; k < sel.n; k++) {
			const struct out_col *c = sel.v[k].level ? &s->cols[expand].sub->cols[sel.v[k].col]
							      : &s->cols[sel.v[k].col];

			if (json || (fmt == OUT_FMT_RECORD ? !sel.v[k].level : c->type != OUT_SUB))
				shown++;
		}
		free(sel.v);
		if (!shown && t->n)
			return doc_bad(d, cols, strlen(cols),
				       "not a column of these rows (a group's and a device's differ; "
				       "see --list-columns)");
	}
	return true;
}

const char *out_doc_bad_column(const struct out_doc *d, const char **why)
{
	*why = d->why;
	return d->bad[0] || d->why ? d->bad : NULL;
}

int out_doc_print(struct out_doc *d, FILE *f)
{
	int rc = 0;

	if (!doc_columns_fit(d))
		return -EDOM;

	if (d->o.format == OUT_FMT_JSON) {
		struct jout j = { .keys = NULL };
		struct jw *w = &j.w;

		jw_init(w, f, d->o.compact_json);
		jw_object_open(w, NULL);
		jw_int(w, "schema", 1);
		for (size_t i = 0; i < d->nparts; i++) {
			struct part *p = &d->parts[i];
			struct selection sel;

			if (p->object_key) {
				if (p->t->n)
					json_row(&j, p->object_key, p->t->rows[0], NULL, 0, true);
				continue;
			}
			select_columns(p->t->s, &d->o, &sel);
			jw_array_open(w, p->t->s->key);
			for (size_t r = 0; r < p->t->n; r++)
				json_row(&j, NULL, p->t->rows[r], &sel, 0, false);
			jw_array_close(w);
			free(sel.v);
		}
		if (d->errors && d->errors->n) {
			struct out_opts all = { .format = OUT_FMT_JSON };
			struct selection sel;

			/* every key, whatever -o names: a script needs all three */
			select_columns(&error_schema, &all, &sel);
			jw_array_open(w, "errors");
			for (size_t r = 0; r < d->errors->n; r++)
				json_row(&j, NULL, d->errors->rows[r], &sel, 0, false);
			jw_array_close(w);
			free(sel.v);
		}
		jw_object_close(w);
		jw_end(w);
		jkeys_free(&j);
		return ferror(f) ? -EIO : 0;
	}
	for (size_t i = 0, shown = 0; i < d->nparts && !rc; i++) {
		struct part *p = &d->parts[i];
		struct selection sel;

		if (p->object_key)
			continue;
		/* Raw output is for scripts: no titles, nothing but rows. */
		if (p->title && d->o.format != OUT_FMT_RAW)
			fprintf(f, "%s%s\n", shown ? "\n" : "", p->title);
		else if (shown && d->o.format == OUT_FMT_RECORD)
			fputc('\n', f);
		shown++;
		select_columns(p->t->s, &d->o, &sel);
		if (d->o.format == OUT_FMT_RECORD)
			rc = print_records(p->t, f, &sel);
		else
			rc = print_table(p->t, &d->o, f, &sel);
		free(sel.v);
	}
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}

void out_doc_free(struct out_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nparts; i++)
		out_table_free(d->parts[i].t);
	out_table_free(d->errors);
	free(d->parts);
	free(d);
}

static const char *type_name(enum out_type t)
{
	switch (t) {
	case OUT_STR: return "string";
	case OUT_NUM: return "number";
	case OUT_BOOL: return "boolean";
	case OUT_STRV: return "array of strings";
	case OUT_SUB: return "array of objects";
	}
	return "?";
}

static int name_width(const struct out_schema *s)
{
	int w = 0;

	for (size_t i = 0; i < s->ncols; i++) {
		const struct out_col *c = &s->cols[i];
		int n = (int)strlen(c->name);

		if (c->type == OUT_SUB && c->sub && (c->flags & OUT_EXPAND))
			n = name_width(c->sub) + 2 > n ? name_width(c->sub) + 2 : n;
		if (n > w)
			w = n;
	}
	return w;
}

static void list_cols(const struct out_schema *s, FILE *f, int indent, int width)
{
	for (size_t i = 0; i < s->ncols; i++) {
		const struct out_col *c = &s->cols[i];
		const char *where = c->flags & OUT_JSON ? " (JSON only)"
				    : c->flags & OUT_TEXT ? " (text only)" : "";

		fprintf(f, "%*s%-*s  %-16s %s%s\n", indent, "", width - indent, c->name,
			type_name(c->type), c->help ? c->help : "", where);
		if (c->type == OUT_SUB && c->sub && (c->flags & OUT_EXPAND))
			list_cols(c->sub, f, indent + 2, width);
	}
}

void out_list_columns(const struct out_schema *s, FILE *f)
{
	list_cols(s, f, 0, name_width(s));
}

static void list_cols_json(struct jw *w, const struct out_schema *s)
{
	char key[JKEY_LEN];

	jw_array_open(w, "columns");
	for (size_t i = 0; i < s->ncols; i++) {
		const struct out_col *c = &s->cols[i];

		jw_object_open(w, NULL);
		jw_string(w, "name", c->name);
		json_key(c->name, key, sizeof(key));
		if (c->flags & OUT_TEXT)
			jw_null(w, "key");
		else
			jw_string(w, "key", key);
		jw_string(w, "type", type_name(c->type));
		jw_string(w, "help", c->help);
		jw_bool(w, "default", c->flags & OUT_DEFAULT);
		jw_bool(w, "text", !(c->flags & OUT_JSON));
		jw_bool(w, "json", !(c->flags & OUT_TEXT));
		if (c->type == OUT_SUB && c->sub)
			list_cols_json(w, c->sub);
		jw_object_close(w);
	}
	jw_array_close(w);
}

/* {"schema": 1, "key": "groups", "columns": [{name, key, type, help, default, text, json}]} */
void out_list_columns_json(const struct out_schema *s, FILE *f, bool compact)
{
	struct jw w;

	jw_init(&w, f, compact);
	jw_object_open(&w, NULL);
	jw_int(&w, "schema", 1);
	jw_string(&w, "key", s->key);
	list_cols_json(&w, s);
	jw_object_close(&w);
	jw_end(&w);
}
