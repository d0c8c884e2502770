// SPDX-License-Identifier: GPL-2.0-or-later
/* The output model: JSON escaping and types, -o selection, nested sub-tables, raw lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "out/out.h"
#include "tap.h"

enum { C_NAME, C_N, C_OK, C_LIST };
static const struct out_col kid_cols[] = {
	[C_NAME] = { "NAME", OUT_STR, 4, OUT_DEFAULT, "name" },
	[C_N] = { "N", OUT_NUM, 2, OUT_DEFAULT, "number" },
	[C_OK] = { "OK", OUT_BOOL, 2, 0, "flag" },
	[C_LIST] = { "LIST", OUT_STRV, 4, 0, "words" },
};
static const struct out_schema kid_schema = { "kids", kid_cols, 4 };
enum { P_ID, P_KIDS, P_NOTE };
static const struct out_col par_cols[] = {
	[P_ID] = { "ID", OUT_NUM, 2, OUT_DEFAULT, "id" },
	[P_KIDS] = { "KIDS", OUT_SUB, 0, OUT_EXPAND, "kids", &kid_schema },
	[P_NOTE] = { "NOTE", OUT_STR, 4, OUT_TEXT, "text only" },
};
static const struct out_schema par_schema = { "parents", par_cols, 3 };

static char *render(enum out_format fmt, const char *cols)
{
	struct out_opts o = { .format = fmt, .columns = cols };
	struct out_doc *d = out_doc_new(&o);
	struct out_table *t = out_table_new(&par_schema);
	struct out_row *r = out_row_add(t), *k;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	out_set_num(r, P_ID, 7);
	out_set_str(r, P_NOTE, "note");
	k = out_row_add(out_sub(r, P_KIDS));
	out_set_str(k, C_NAME, "a\"b\\c\n\x01");
	out_set_num(k, C_N, -3);
	out_set_bool(k, C_OK, true);
	{
		static char w1[] = "flr", w2[] = "bus";
		char *words[] = { w1, w2, NULL };

		out_set_strv(k, C_LIST, words);
	}
	k = out_row_add(out_sub(r, P_KIDS));
	out_set_str(k, C_NAME, "z");
	r = out_row_add(t);
	out_set_num(r, P_ID, 8);	/* no kids: an empty array, never null */
	out_doc_add_table(d, t);
	f = open_memstream(&buf, &len);
	out_doc_print(d, f);
	fclose(f);
	out_doc_free(d);
	return buf;
}

/*
 * The built-in plain table renderer against libsmartcols: random tables (widths, hints,
 * alignment, empty and unset cells, sub-table continuation lines, with and without
 * headings) must come out byte for byte the same. libsmartcols lays out for a terminal when
 * stdout is one, so stdout is /dev/null while they render.
 */
static uint64_t rng = 0x2545f4914f6cdd1dull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static bool not_plain;	/* a cell the built-in renderer leaves to libsmartcols */

static char *rnd_text(size_t max, bool upper)
{
	static const char odd[] = { 0x7f, (char)0xc3, 0x01, '\\' };
	size_t n = rnd((unsigned)max + 1);
	char *s = malloc(n + 2);

	for (size_t i = 0; i < n; i++) {
		s[i] = upper ? (char)('A' + rnd(26)) : (char)(rnd(8) ? 0x21 + rnd(94) : ' ');
		if (s[i] == '\\')
			s[i] = '/';
	}
	s[n] = '\0';
	if (!upper && n && rnd(100) == 0) {
		size_t at = rnd((unsigned)n);

		s[at] = odd[rnd(4)];
		if (s[at] == '\\' && rnd(2))
			strcpy(s + at + 1, "x");	/* "\x": libsmartcols escapes it */
		not_plain = true;
	}
	return s;
}

static const double hints[] = { 0, 0.2, 0.4, 1, 2, 3, 5, 8, 12, 20 };

static void rnd_schema(struct out_schema *s, struct out_col *cols, size_t n, bool expand)
{
	static const enum out_type types[] = { OUT_STR, OUT_STR, OUT_STR, OUT_NUM, OUT_BOOL,
					       OUT_STRV };

	for (size_t i = 0; i < n; i++) {
		cols[i] = (struct out_col){ .name = rnd_text(10, true), .type = types[rnd(6)],
					    .whint = hints[rnd(10)], .flags = OUT_DEFAULT };
		if (!*cols[i].name) {
			free((char *)cols[i].name);
			cols[i].name = strdup("X");
		}
		if (rnd(3) == 0)
			cols[i].flags |= OUT_RIGHT;
		if (rnd(3) == 0)
			cols[i].flags |= OUT_TRUNC;
	}
	if (expand) {
		free((char *)cols[n - 1].name);
		cols[n - 1] = (struct out_col){ .name = strdup("SUB"), .type = OUT_SUB,
						.flags = OUT_EXPAND };
	}
	*s = (struct out_schema){ "t", cols, n };
}

static void rnd_row(struct out_row *r, const struct out_schema *s)
{
	for (size_t c = 0; c < s->ncols; c++) {
		char *t, *v[4] = { NULL };

		if (rnd(6) == 0)
			continue;	/* unset */
		switch (s->cols[c].type) {
		case OUT_STR:
			t = rnd_text(rnd(4) ? 8 : 30, false);
			out_set_str(r, (int)c, t);
			free(t);
			break;
		case OUT_NUM: out_set_num(r, (int)c, (int64_t)rnd(100000) - 500); break;
		case OUT_BOOL: out_set_bool(r, (int)c, rnd(2)); break;
		case OUT_STRV:
			for (unsigned k = rnd(3), i = 0; i < k; i++)
				v[i] = rnd_text(6, false);
			out_set_strv(r, (int)c, v);
			for (int i = 0; v[i]; i++)
				free(v[i]);
			break;
		case OUT_SUB:
			for (unsigned k = rnd(4), i = 0; i < k; i++)
				rnd_row(out_row_add(out_sub(r, (int)c)), s->cols[c].sub);
			break;
		}
	}
}

static char *render_with(const struct out_schema *s, uint64_t seed, bool noheadings,
			 enum out_table_engine engine)
{
	struct out_opts o = { .format = OUT_FMT_TABLE, .noheadings = noheadings,
			      .table_engine = engine };
	struct out_doc *d = out_doc_new(&o);
	struct out_table *t = out_table_new(s);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	rng = seed;
	for (unsigned n = rnd(12), i = 0; i < n; i++)
		rnd_row(out_row_add(t), s);
	out_doc_add_table(d, t);
	f = open_memstream(&buf, &len);
	out_doc_print(d, f);
	fclose(f);
	out_doc_free(d);
	return buf;
}

static void test_plain_table(void)
{
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	size_t same = 0, total = 0, plain = 0;
	char first_diff[2048] = "";

	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	for (int round = 0; round < 3000; round++) {
		struct out_col cols[8], subcols[4];
		struct out_schema s, sub;
		bool expand = rnd(3) == 0, noheadings = rnd(4) == 0;
		size_t n = 1 + rnd(7), nsub = 1 + rnd(4);
		uint64_t seed = rng;
		char *a, *b;

		rnd_schema(&s, cols, n + expand, expand);
		if (expand) {
			rnd_schema(&sub, subcols, nsub, false);
			cols[n].sub = &sub;
		}
		seed = rng;
		not_plain = false;
		a = render_with(&s, seed, noheadings, OUT_TABLE_SCOLS);
		b = render_with(&s, seed, noheadings, OUT_TABLE_BUILTIN);
		total++;
		if (a && b && !strcmp(a, b))
			same++;
		else if (!first_diff[0])
			snprintf(first_diff, sizeof(first_diff),
				 "libsmartcols:\n%s\nbuilt-in:\n%s", a, b);
		plain += !not_plain && a && *a;
		free(a);
		free(b);
		for (size_t i = 0; i < n + expand; i++)
			free((char *)cols[i].name);
		for (size_t i = 0; expand && i < nsub; i++)
			free((char *)subcols[i].name);
		rng = seed * 6364136223846793005ull + 1442695040888963407ull;
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	OK(same == total, "built-in table = libsmartcols on %zu random tables (%zu built-in)%s%s",
	   total, plain, first_diff[0] ? "\n" : "", first_diff);
}

int main(void)
{
	const char *bad;
	size_t badlen;
	char *s;

	s = render(OUT_FMT_JSON, NULL);
	OK(strstr(s, "\"schema\": 1") != NULL, "schema key");
	OK(strstr(s, "\"name\": \"a\\\"b\\\\c\\n\\u0001\"") != NULL, "string escaping");
	OK(strstr(s, "\"n\": -3") != NULL && strstr(s, "\"ok\": true") != NULL, "typed values");
	OK(strstr(s, "\"list\": [\n") != NULL && strstr(s, "\"flr\"") != NULL, "string arrays");
	OK(strstr(s, "\"n\": null") != NULL, "unset number is null");
	OK(strstr(s, "\"kids\": []") != NULL, "empty sub-table is []");
	OK(strstr(s, "\"note\"") == NULL, "text-only column absent from JSON");
	free(s);

	s = render(OUT_FMT_JSON, "ID,NAME");
	OK(strstr(s, "\"id\": 7") && strstr(s, "\"name\": \"z\"") && !strstr(s, "\"n\":"),
	   "-o filters both levels and keeps the array that holds named sub columns");
	free(s);

	s = render(OUT_FMT_RAW, "ID,NAME,N");
	OK(s && !strcmp(s, "ID NAME N\n7 a\"b\\x5cc\\x0a\\x01 -3\n7 z -\n8 - -\n"),
	   "raw repeats parent values, escapes, and prints - for empty (got: %s)", s);
	free(s);

	s = render(OUT_FMT_PAIRS, "ID,NAME,N");
	OK(s && !strcmp(s, "ID=\"7\" NAME=\"a\\x22b\\x5cc\\x0a\\x01\" N=\"-3\"\n"
			    "ID=\"7\" NAME=\"z\" N=\"\"\nID=\"8\" NAME=\"\" N=\"\"\n"),
	   "pairs: NAME=\"value\", parent values repeated, quotes escaped (got: %s)", s);
	free(s);

	s = render(OUT_FMT_TABLE, NULL);
	OK(strstr(s, "ID NAME") == s && strstr(s, "\n   z") != NULL,
	   "table shows the parent once per group (got: %s)", s);
	free(s);

	OK(out_columns_check(&par_schema, "ID,NAME", &bad, &badlen) == 0, "known columns");
	OK(out_columns_check(&par_schema, "+n", &bad, &badlen) == 0, "+ and case-insensitive");
	OK(out_columns_check(&par_schema, "ID,BOGUS", &bad, &badlen) == -EINVAL && badlen == 5 &&
	   !strncmp(bad, "BOGUS", 5), "unknown column named");
	OK(out_columns_check(&par_schema, "ID,,N", &bad, &badlen) == -EINVAL, "empty name refused");
	{
		static const char *const basic[] = { "ID", "NAME", NULL };
		static const char *const more[] = { "ID", "NAME", "N", "LIST", NULL };
		struct out_opts o = { .format = OUT_FMT_TABLE };

		/* par_schema's default text columns: ID, and NAME, N of the expanded kids */
		OK(!out_columns_within(&par_schema, &o, basic), "within: N shown by default");
		OK(out_columns_within(&par_schema, &o, more), "within: the default columns");
		o.columns = "ID,NAME";
		OK(out_columns_within(&par_schema, &o, basic), "within: -o inside the list");
		o.columns = "+OK";
		OK(!out_columns_within(&par_schema, &o, more), "within: -o +COL outside the list");
		o.columns = "ID,KIDS";
		OK(out_columns_within(&par_schema, &o, basic),
		   "within: a sub-table column alone shows no column of its own");
		o.columns = "ID,NAME";
		o.format = OUT_FMT_RAW;
		OK(out_columns_within(&par_schema, &o, basic), "within: raw like table");
		o.format = OUT_FMT_JSON;
		OK(!out_columns_within(&par_schema, &o, more), "within: never for JSON");
		o.format = OUT_FMT_RECORD;
		OK(!out_columns_within(&par_schema, &o, more), "within: never for records");

		o.format = OUT_FMT_TABLE;
		o.columns = NULL;
		OK(out_column_shown(&par_schema, &o, "ID") && out_column_shown(&par_schema, &o, "N"),
		   "shown: default columns, the expanded ones too");
		OK(!out_column_shown(&par_schema, &o, "OK") && !out_column_shown(&par_schema, &o, "NOTE"),
		   "shown: not the non-default ones in a table");
		o.columns = "+OK";
		OK(out_column_shown(&par_schema, &o, "OK"), "shown: -o +COL");
		o.columns = "ID";
		OK(!out_column_shown(&par_schema, &o, "NAME"), "shown: -o without it");
		o.format = OUT_FMT_JSON;
		o.columns = NULL;
		OK(out_column_shown(&par_schema, &o, "OK") && out_column_shown(&par_schema, &o, "LIST"),
		   "shown: JSON shows the expanded sub-table whole");
		OK(!out_column_shown(&par_schema, &o, "NOTE"), "shown: JSON never a text column");
		OK(!out_column_shown(&par_schema, &o, "NOPE"), "shown: an unknown name never");
		o.columns = "ID";
		OK(!out_column_shown(&par_schema, &o, "OK"), "shown: JSON -o without the sub-table");
	}
	{
		static const struct out_col ncols[] = { { "N", OUT_NUM, 1, OUT_DEFAULT, "n", NULL } };
		static const struct out_schema ns = { "n", ncols, 1 };
		static const int64_t v[] = { 0, -1, 42, INT64_MIN, INT64_MAX };
		struct out_opts o = { .format = OUT_FMT_RAW, .noheadings = true };
		struct out_doc *d = out_doc_new(&o);
		struct out_table *t = out_table_new(&ns);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			out_set_num(out_row_add(t), 0, v[i]);
		out_doc_add_table(d, t);
		out_doc_print(d, f);
		fclose(f);
		out_doc_free(d);
		IS_STR(buf, "0\n-1\n42\n-9223372036854775808\n9223372036854775807\n",
		       "numbers as text, the extremes too");
		free(buf);
	}
	test_plain_table();
	return tap_done();
}
