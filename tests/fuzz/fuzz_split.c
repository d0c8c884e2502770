// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Batch lines (vfc_split_line, vfc_quote_word): every line of `vfioctl batch FILE` and of the
 * interactive shell goes through the splitter, and its words become argv of a command. Checked
 * against a model written from the grammar in core/split.h as a plain state machine, plus:
 * the words quoted with vfc_quote_word split back to themselves; completion mode (PARTIAL)
 * never reports an incomplete line and agrees with the normal mode on complete ones.
 */
#include <errno.h>
#include <stdbool.h>

#include "core/split.h"
#include "core/util.h"
#include "fuzz.h"

enum st { BLANK, WORD, SQ, DQ, COMMENT };

struct model {
	char **w;
	size_t n;
	char cur[4200];
	size_t len;
};

static void push(struct model *m)
{
	m->w = realloc(m->w, (m->n + 2) * sizeof(*m->w));
	if (!m->w)
		abort();
	m->w[m->n++] = strndup(m->cur, m->len);
	m->w[m->n] = NULL;
	m->len = 0;
}

/* 0, -EAGAIN or -EINVAL, and the words when 0 */
static int model_split(const char *s, size_t len, struct model *m)
{
	enum st st = BLANK;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool blank = c == ' ' || c == '\t' || c == '\n';

		if (st == COMMENT)
			continue;
		if (c == '\0')
			return -EINVAL;
		switch (st) {
		case BLANK:
		case WORD:
			if (c == '\\') {
				if (i + 1 == len)
					return -EAGAIN;
				if (s[i + 1] == '\0')
					return -EINVAL;
				if (s[i + 1] != '\n') {
					m->cur[m->len++] = s[i + 1];
					st = WORD;
				}
				i++;
			} else if (st == BLANK && c == '#') {
				st = COMMENT;
			} else if (blank) {
				if (st == WORD)
					push(m);
				st = BLANK;
			} else if (c == '\'') {
				st = SQ;
			} else if (c == '"') {
				st = DQ;
			} else if (strchr("|&;<>()$`", c)) {
				return -EINVAL;
			} else {
				m->cur[m->len++] = c;
				st = WORD;
			}
			break;
		case SQ:
			if (c == '\'')
				st = WORD;
			else
				m->cur[m->len++] = c;
			break;
		case DQ:
			if (c == '"') {
				st = WORD;
			} else if (c == '\\' && i + 1 < len &&
				   (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$' ||
				    s[i + 1] == '`')) {
				m->cur[m->len++] = s[++i];
			} else if (c == '\\' && i + 1 < len && s[i + 1] == '\n') {
				i++;
			} else if (c == '\\' && i + 1 == len) {
				return -EAGAIN;
			} else {
				m->cur[m->len++] = c;
			}
			break;
		case COMMENT:
			break;
		}
	}
	if (st == SQ || st == DQ)
		return -EAGAIN;
	if (st == WORD)
		push(m);
	return 0;
}

static void check_same(char **a, size_t na, char **b, size_t nb, const char *what)
{
	FUZZ_CHECK(na == nb, "%s: %zu words, expected %zu", what, na, nb);
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(!strcmp(a[i], b[i]), "%s: word %zu '%s', expected '%s'", what, i, a[i],
			   b[i]);
	FUZZ_CHECK(a[na] == NULL, "%s: vector not NULL-terminated", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct vfc_split_info info;
	struct model m = { 0 };
	char **w, **p;
	size_t n, np;
	int rc, mrc;

	if (size > 4096)
		return 0;
	rc = vfc_split_line(s, size, 0, &w, &n, &info);
	mrc = model_split(s, size, &m);
	FUZZ_CHECK(rc == mrc, "split says %d, model says %d", rc, mrc);
	if (rc) {
		FUZZ_CHECK(!w && info.why && info.col < size, "failure without reason or column");
	} else {
		check_same(w, n, m.w, m.n, "split vs model");
		/* quoting round trip */
		{
			size_t cap = 16, used = 0;
			char *line = malloc(cap);
			char **r;
			size_t nr;

			if (!line)
				abort();
			line[0] = '\0';
			for (size_t i = 0; i < n; i++) {
				char *q = vfc_quote_word(w[i]);
				size_t ql;

				FUZZ_CHECK(q != NULL, "quote failed");
				ql = strlen(q);
				if (used + ql + 2 > cap) {
					cap = (used + ql + 2) * 2;
					line = realloc(line, cap);
					if (!line)
						abort();
				}
				if (i)
					line[used++] = ' ';
				memcpy(line + used, q, ql + 1);
				used += ql;
				free(q);
			}
			FUZZ_CHECK(!vfc_split_line(line, used, 0, &r, &nr, NULL),
				   "quoted line refused");
			check_same(r, nr, w, n, "quote round trip");
			vfc_strv_free(r);
			free(line);
		}
	}
	/* completion mode: never incomplete; the same words when the line is complete */
	rc = vfc_split_line(s, size, VFC_SPLIT_PARTIAL, &p, &np, &info);
	FUZZ_CHECK(rc != -EAGAIN, "PARTIAL said incomplete");
	if (!mrc) {
		FUZZ_CHECK(rc == 0, "PARTIAL refused a complete line: %d", rc);
		check_same(p, np, m.w, m.n, "partial vs model");
	}
	if (!rc) {
		FUZZ_CHECK(!info.open || np > 0, "open without a word");
		FUZZ_CHECK(info.last_start <= size, "last_start past the end");
		vfc_strv_free(p);
	}
	vfc_strv_free(w);
	vfc_strv_free(m.w);
	return 0;
}
