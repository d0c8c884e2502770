// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsmartcols.h>

#include "out/json.h"
#include "out/out.h"

struct cell {
	bool set;
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
	struct cell *cells;
};

struct out_table {
	const struct out_schema *s;
	struct out_row **rows;
	size_t n, cap;
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
};

/* ---- model ---- */

struct out_table *out_table_new(const struct out_schema *s)
{
	struct out_table *t = calloc(1, sizeof(*t));

	if (t)
		t->s = s;
	return t;
}

static void cell_clear(const struct out_col *c, struct cell *cell)
{
	if (!cell->set)
		return;
	switch (c->type) {
	case OUT_STR: free(cell->s); break;
	case OUT_STRV:
		for (char **p = cell->v; p && *p; p++)
			free(*p);
		free(cell->v);
		break;
	case OUT_SUB: out_table_free(cell->t); break;
	default: break;
	}
	memset(cell, 0, sizeof(*cell));
}

void out_table_free(struct out_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct out_row *r = t->rows[i];

		for (size_t c = 0; c < t->s->ncols; c++)
			cell_clear(&t->s->cols[c], &r->cells[c]);
		free(r->cells);
		free(r);
	}
	free(t->rows);
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
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct out_row **nv = reallocarray(t->rows, ncap, sizeof(*nv));

		if (!nv)
			abort();	/* out of memory while building output: nothing sane left */
		t->rows = nv;
		t->cap = ncap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->s = t->s;
	r->cells = calloc(t->s->ncols ? t->s->ncols : 1, sizeof(*r->cells));
	if (!r->cells)
		abort();
	t->rows[t->n++] = r;
	return r;
}

static struct cell *cell_at(struct out_row *r, int col, enum out_type type)
{
	struct cell *c;

	if (col < 0 || (size_t)col >= r->s->ncols || r->s->cols[col].type != type)
		abort();	/* a programming error: the schema and the caller disagree */
	c = &r->cells[col];
	cell_clear(&r->s->cols[col], c);
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
		c->s = xstrdup(s);
		c->set = true;
	}
}

void out_set_strf(struct out_row *r, int col, const char *fmt, ...)
{
	struct cell *c = cell_at(r, col, OUT_STR);
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&c->s, fmt, ap) < 0)
		abort();
	va_end(ap);
	c->set = true;
}

void out_set_num(struct out_row *r, int col, int64_t v)
{
	struct cell *c = cell_at(r, col, OUT_NUM);

	c->n = v;
	c->set = true;
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
	cell_clear(&r->s->cols[col], &r->cells[col]);
}

void out_set_strv(struct out_row *r, int col, char *const *v)
{
	struct cell *c = cell_at(r, col, OUT_STRV);
	size_t n = 0;

	if (!v)
		return;
	while (v[n])
		n++;
	c->v = calloc(n + 1, sizeof(*c->v));
	if (!c->v)
		abort();
	for (size_t i = 0; i < n; i++)
		c->v[i] = xstrdup(v[i]);
	c->set = true;
}

struct out_table *out_sub(struct out_row *r, int col)
{
	struct cell *c;

	if (col < 0 || (size_t)col >= r->s->ncols || r->s->cols[col].type != OUT_SUB)
		abort();
	c = &r->cells[col];
	if (!c->set) {
		c->t = out_table_new(r->s->cols[col].sub);
		if (!c->t)
			abort();
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
	/* JSON with sub-schema columns named: the array that holds them must be there. */
	if (o->format == OUT_FMT_JSON && sel->sub_named)
		sel_push(sel, 0, sel->expand);
}

/* ---- text values ---- */

static char *cell_text(const struct out_col *c, const struct cell *cell, bool record)
{
	char *s = NULL;

	if (!cell || !cell->set)
		return xstrdup(record ? "-" : "");
	switch (c->type) {
	case OUT_STR:
		return xstrdup(cell->s);
	case OUT_NUM:
		if (asprintf(&s, "%" PRId64, cell->n) < 0)
			abort();
		return s;
	case OUT_BOOL:
		return xstrdup(cell->b ? "yes" : "no");
	case OUT_STRV: {
		size_t len = 1;

		for (char **p = cell->v; *p; p++)
			len += strlen(*p) + 1;
		s = calloc(1, len);
		if (!s)
			abort();
		for (char **p = cell->v; *p; p++) {
			if (p != cell->v)
				strcat(s, ",");
			strcat(s, *p);
		}
		if (!*s && record) {
			free(s);
			return xstrdup("none");
		}
		return s;
	}
	case OUT_SUB:
		if (asprintf(&s, "%zu", out_table_nrows(cell->t)) < 0)
			abort();
		return s;
	}
	return xstrdup("");
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

static void set_line(struct libscols_line *ln, size_t idx, char *text)
{
	/* refer_data hands ownership of text to libsmartcols */
	if (scols_line_refer_data(ln, idx, text))
		free(text);
}

static int print_table(const struct out_table *t, const struct out_opts *o, FILE *f,
		       const struct selection *sel)
{
	const struct out_schema *s = t->s;
	const struct out_schema *sub = sel->expand >= 0 ? s->cols[sel->expand].sub : NULL;
	struct libscols_table *tb = scols_new_table();
	bool raw = o->format == OUT_FMT_RAW;
	int rc = 0;

	if (!tb)
		return -ENOMEM;
	scols_table_set_stream(tb, f);
	scols_table_enable_raw(tb, raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	for (size_t i = 0; i < sel->n; i++) {
		const struct out_col *c = sel->v[i].level ? &sub->cols[sel->v[i].col]
							  : &s->cols[sel->v[i].col];

		if (c->type == OUT_SUB)
			continue;
		if (!scols_table_new_column(tb, c->name, c->whint, scols_flags(c, raw))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	/* Without a sub-schema column selected, one line per row: no empty continuation lines. */
	bool any_sub = false;

	for (size_t i = 0; i < sel->n; i++)
		any_sub |= sel->v[i].level == 1;
	for (size_t r = 0; r < t->n; r++) {
		const struct out_row *row = t->rows[r];
		const struct out_table *kids = NULL;
		size_t nk;

		if (sub && any_sub && row->cells[sel->expand].set)
			kids = row->cells[sel->expand].t;
		nk = kids && kids->n ? kids->n : 1;
		for (size_t k = 0; k < nk; k++) {
			struct libscols_line *ln = scols_table_new_line(tb, NULL);
			size_t idx = 0;

			if (!ln) {
				rc = -ENOMEM;
				goto out;
			}
			for (size_t i = 0; i < sel->n; i++) {
				const struct sel *sl = &sel->v[i];
				const struct out_col *c;

				if (sl->level == 0) {
					c = &s->cols[sl->col];
					if (c->type == OUT_SUB)
						continue;
					/* group values once per group in a table, on every line raw */
					set_line(ln, idx++, (k == 0 || raw)
						 ? cell_text(c, &row->cells[sl->col], false)
						 : xstrdup(""));
				} else {
					c = &sub->cols[sl->col];
					set_line(ln, idx++, kids && kids->n
						 ? cell_text(c, &kids->rows[k]->cells[sl->col], false)
						 : xstrdup(""));
				}
			}
		}
	}
	if (scols_table_get_nlines(tb) || !o->noheadings)
		rc = scols_print_table(tb) ? -EIO : 0;
out:
	scols_unref_table(tb);
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

static int print_records(const struct out_table *t, const struct out_opts *o, FILE *f,
			 const struct selection *sel)
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

static void json_key(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
}

static void json_row(struct jw *w, const char *key, const struct out_row *row,
		     const struct selection *sel, int level, bool all);

static void json_cell(struct jw *w, const struct out_col *c, const struct cell *cell,
		      const struct selection *sel, bool sub_all)
{
	char key[64];

	json_key(c->name, key, sizeof(key));
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
			json_row(w, NULL, cell->t->rows[i], sel, 1, sub_all);
		jw_array_close(w);
		break;
	}
}

static void json_row(struct jw *w, const char *key, const struct out_row *row,
		     const struct selection *sel, int level, bool all)
{
	const struct out_schema *s = row->s;

	jw_object_open(w, key);
	if (all || !sel) {
		for (size_t c = 0; c < s->ncols; c++) {
			if (s->cols[c].flags & OUT_TEXT)
				continue;
			json_cell(w, &s->cols[c], &row->cells[c], NULL, true);
		}
	} else {
		for (size_t i = 0; i < sel->n; i++) {
			const struct sel *sl = &sel->v[i];
			const struct out_col *c;
			bool sub_all;

			if (sl->level != level)
				continue;
			c = &s->cols[sl->col];
			if (c->flags & OUT_TEXT)
				continue;
			/* the expanded array shows only named sub columns when some were named */
			sub_all = !(sl->col == sel->expand && sel->sub_named);
			json_cell(w, c, &row->cells[sl->col], sub_all ? NULL : sel, sub_all);
		}
	}
	jw_object_close(w);
}

/* ---- document ---- */

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

int out_doc_print(struct out_doc *d, FILE *f)
{
	int rc = 0;

	if (d->o.format == OUT_FMT_JSON) {
		struct jw w;

		jw_init(&w, f, d->o.compact_json);
		jw_object_open(&w, NULL);
		jw_int(&w, "schema", 1);
		for (size_t i = 0; i < d->nparts; i++) {
			struct part *p = &d->parts[i];
			struct selection sel;

			if (p->object_key) {
				if (p->t->n)
					json_row(&w, p->object_key, p->t->rows[0], NULL, 0, true);
				continue;
			}
			select_columns(p->t->s, &d->o, &sel);
			jw_array_open(&w, p->t->s->key);
			for (size_t r = 0; r < p->t->n; r++)
				json_row(&w, NULL, p->t->rows[r], &sel, 0, false);
			jw_array_close(&w);
			free(sel.v);
		}
		jw_object_close(&w);
		jw_end(&w);
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
			rc = print_records(p->t, &d->o, f, &sel);
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

static void list_cols(const struct out_schema *s, FILE *f, const char *indent)
{
	for (size_t i = 0; i < s->ncols; i++) {
		const struct out_col *c = &s->cols[i];
		const char *where = c->flags & OUT_JSON ? " (JSON only)"
				    : c->flags & OUT_TEXT ? " (text only)" : "";

		fprintf(f, "%s%14s  %-16s %s%s\n", indent, c->name, type_name(c->type),
			c->help ? c->help : "", where);
		if (c->type == OUT_SUB && c->sub && (c->flags & OUT_EXPAND))
			list_cols(c->sub, f, "  ");
	}
}

void out_list_columns(const struct out_schema *s, FILE *f)
{
	list_cols(s, f, "");
}
