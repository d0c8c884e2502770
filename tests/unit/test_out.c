// SPDX-License-Identifier: GPL-2.0-or-later
/* The output model: JSON escaping and types, -o selection, nested sub-tables, raw lines. */
#include <errno.h>

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
	OK(s && !strcmp(s, "ID NAME N\n7 a\"b\\x5cc\\x0a\\x01 -3\n7 z \n8  \n"),
	   "raw repeats parent values and escapes (got: %s)", s);
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
	return tap_done();
}
