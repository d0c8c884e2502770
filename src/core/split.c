// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/split.h"
#include "core/util.h"

/* Outside quotes these would be syntax to a shell: refusing them beats a surprising literal. */
#define OPERATORS "|&;<>()"
#define EXPANSIONS "$`"

struct word {
	char *s;
	size_t len, cap;
};

static int word_add(struct word *w, char c)
{
	if (w->len + 1 >= w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 32;
		char *ns = realloc(w->s, ncap);

		if (!ns)
			return -ENOMEM;
		w->s = ns;
		w->cap = ncap;
	}
	w->s[w->len++] = c;
	w->s[w->len] = '\0';
	return 0;
}

static int words_push(char ***v, size_t *n, struct word *w)
{
	char **nv = reallocarray(*v, *n + 2, sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strndup(w->s ? w->s : "", w->len);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	w->len = 0;
	return 0;
}

static int fail(struct vfc_split_info *info, size_t col, const char *why, int rc)
{
	info->col = col;
	info->why = why;
	return rc;
}

static int split(const char *s, size_t len, unsigned flags, char ***v, size_t *n,
		 struct vfc_split_info *info)
{
	struct word w = { 0 };
	bool inword = false;
	size_t i = 0;
	int rc = 0;

	while (i < len && !rc) {
		char c = s[i];

		if (c == '\0') {
			rc = fail(info, i, "NUL byte", -EINVAL);
			break;
		}
		/* sh drops a backslash-newline before it looks for words: it joins, never splits */
		if (c == '\\' && i + 1 < len && s[i + 1] == '\n') {
			i += 2;
			continue;
		}
		if (!inword) {
			if (c == ' ' || c == '\t' || c == '\n') {
				i++;
				continue;
			}
			if (c == '#')
				break;
			inword = true;
			info->last_start = i;
		}
		if (c == ' ' || c == '\t' || c == '\n') {
			rc = words_push(v, n, &w);
			inword = false;
			i++;
		} else if (c == '\'') {
			const char *end = memchr(s + i + 1, '\'', len - i - 1);
			size_t stop = end ? (size_t)(end - s) : len;

			for (size_t j = i + 1; j < stop && !rc; j++)
				rc = s[j] ? word_add(&w, s[j]) : fail(info, j, "NUL byte", -EINVAL);
			if (!end && !rc) {
				info->quote = '\'';
				rc = fail(info, i, "unterminated single quote", -EAGAIN);
			}
			i = stop + 1;
		} else if (c == '"') {
			size_t j = i + 1;

			while (j < len && s[j] != '"' && !rc) {
				if (s[j] == '\0') {
					rc = fail(info, j, "NUL byte", -EINVAL);
				} else if (s[j] == '\\' && j + 1 < len && s[j + 1] &&
					   strchr("\"\\$`", s[j + 1])) {
					rc = word_add(&w, s[j + 1]);
					j += 2;
				} else if (s[j] == '\\' && j + 1 < len && s[j + 1] == '\n') {
					j += 2;
				} else if (s[j] == '\\' && j + 1 == len) {
					j++;	/* the closing quote may follow on the next line */
				} else {
					rc = word_add(&w, s[j]);
					j++;
				}
			}
			if (j >= len && !rc) {
				info->quote = '"';
				rc = fail(info, i, "unterminated double quote", -EAGAIN);
			}
			i = j + 1;
		} else if (c == '\\') {
			if (i + 1 == len) {
				rc = fail(info, i, "backslash at the end of the input", -EAGAIN);
			} else if (s[i + 1] == '\0') {
				rc = fail(info, i + 1, "NUL byte", -EINVAL);
			} else {
				rc = word_add(&w, s[i + 1]);
			}
			i += 2;
		} else if (strchr(OPERATORS, c)) {
			rc = fail(info, i, "a shell operator: a batch line has no pipes, redirections or "
				  "lists; quote it", -EINVAL);
		} else if (strchr(EXPANSIONS, c)) {
			rc = fail(info, i, "a batch line has no expansions; quote it", -EINVAL);
		} else {
			rc = word_add(&w, c);
			i++;
		}
	}
	if (rc == -EAGAIN && (flags & VFC_SPLIT_PARTIAL)) {
		info->why = NULL;
		rc = 0;
	}
	if (!rc && inword) {
		info->open = true;
		rc = words_push(v, n, &w);
	}
	free(w.s);
	return rc;
}

int vfc_split_line(const char *s, size_t len, unsigned flags, char ***words, size_t *n,
		   struct vfc_split_info *info)
{
	struct vfc_split_info dummy;
	char **v = NULL;
	size_t nv = 0;
	int rc;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	*words = NULL;
	*n = 0;
	rc = split(s, len, flags, &v, &nv, info);
	if (!rc && !v)
		v = calloc(1, sizeof(*v));
	if (!rc && !v)
		rc = -ENOMEM;
	if (rc) {
		vfc_strv_free(v);
		return rc;
	}
	*words = v;
	*n = nv;
	return 0;
}

char *vfc_quote_word(const char *w)
{
	size_t len = strlen(w), n = 0;
	bool plain = len > 0 && w[0] != '#';
	char *out;

	for (size_t i = 0; i < len && plain; i++)
		plain = !strchr(" \t\n'\"\\" OPERATORS EXPANSIONS, w[i]);
	if (plain)
		return strdup(w);
	/* '...' with each ' as '\'': the closing quote, an escaped one, a new opening */
	out = malloc(len * 4 + 3);
	if (!out)
		return NULL;
	out[n++] = '\'';
	for (size_t i = 0; i < len; i++) {
		if (w[i] == '\'') {
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			out[n++] = w[i];
		}
	}
	out[n++] = '\'';
	out[n] = '\0';
	return out;
}
