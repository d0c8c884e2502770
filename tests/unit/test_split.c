// SPDX-License-Identifier: GPL-2.0-or-later
/* Batch line splitting (core/split.c): shell words and quotes, no expansion. */
#include <errno.h>
#include <stdarg.h>

#include "core/split.h"
#include "core/util.h"
#include "tap.h"

/* split s and compare with the expected words (NULL-terminated list) */
static int same(const char *s, unsigned flags, ...)
{
	struct vfc_split_info info;
	char **w;
	size_t n, i = 0;
	const char *x;
	va_list ap;
	int ok;

	if (vfc_split_line(s, strlen(s), flags, &w, &n, &info))
		return 0;
	ok = w[n] == NULL;
	va_start(ap, flags);
	while ((x = va_arg(ap, const char *)) && ok) {
		ok = i < n && !strcmp(w[i], x);
		if (!ok)
			printf("# word %zu: '%s', expected '%s'\n", i, i < n ? w[i] : "(none)", x);
		i++;
	}
	va_end(ap);
	ok = ok && i == n;
	vfc_strv_free(w);
	return ok;
}

static int fails(const char *s, int want, size_t col)
{
	struct vfc_split_info info;
	char **w = (char **)1;
	size_t n = 1;
	int rc = vfc_split_line(s, strlen(s), 0, &w, &n, &info);

	if (rc != want || info.col != col || !info.why || w || n) {
		printf("# '%s': rc %d col %zu why %s\n", s, rc, info.col,
		       info.why ? info.why : "-");
		return 0;
	}
	return 1;
}

static void test_words(void)
{
	OK(same("", 0, NULL), "empty line: no words");
	OK(same("   \t ", 0, NULL), "blanks only: no words");
	OK(same("list", 0, "list", NULL), "one word");
	OK(same("  map  d0\t64K  ", 0, "map", "d0", "64K", NULL), "blanks separate, runs collapse");
	OK(same("# a comment", 0, NULL), "a comment line");
	OK(same("show d0 # what is in it", 0, "show", "d0", NULL), "a comment after words");
	OK(same("echo a#b", 0, "echo", "a#b", NULL), "# inside a word is literal");
	OK(same("echo '#x'", 0, "echo", "#x", NULL), "quoted # is literal");
	OK(same("exec d0 -- sh -c 'echo $X; ls | wc'", 0, "exec", "d0", "--", "sh", "-c",
		"echo $X; ls | wc", NULL), "single quotes keep operators and $");
	OK(same("say \"a \\\"b\\\" \\\\ \\$ \\` \\n\"", 0, "say", "a \"b\" \\ $ ` \\n", NULL),
	   "double quotes: \\\" \\\\ \\$ \\` escape, \\n stays two characters");
	OK(same("a'b'\"c\"d", 0, "abcd", NULL), "quoted and unquoted parts make one word");
	OK(same("x '' \"\" y", 0, "x", "", "", "y", NULL), "empty quotes are empty words");
	OK(same("a\\ b \\'c\\\"", 0, "a b", "'c\"", NULL), "backslash quotes one character");
	OK(same("map d0 \\\n 64K", 0, "map", "d0", "64K", NULL), "backslash-newline joins lines");
	OK(same("ab\\\ncd", 0, "abcd", NULL), "backslash-newline inside a word disappears");
	OK(same("'a\nb'", 0, "a\nb", NULL), "a newline inside quotes is kept");
	OK(same("\"a\\\nb\"", 0, "ab", NULL), "backslash-newline inside double quotes disappears");
	OK(same("{device:0000:00:10.0} fd={iommufd},x", 0, "{device:0000:00:10.0}",
		"fd={iommufd},x", NULL), "exec placeholders are plain words");
	OK(same("glob* ?[x] ~ !", 0, "glob*", "?[x]", "~", "!", NULL),
	   "glob characters are literal (no expansion)");
	OK(same("list\r", 0, "list\r", NULL),
	   "a carriage return is a character (the reader strips it)");
}

static void test_errors(void)
{
	OK(fails("list | grep x", -EINVAL, 5), "unquoted | refused at its column");
	OK(fails("a;b", -EINVAL, 1), "unquoted ; refused");
	OK(fails("show >out", -EINVAL, 5), "redirection refused");
	OK(fails("echo $HOME", -EINVAL, 5), "unquoted $ refused (no expansion)");
	OK(fails("echo `id`", -EINVAL, 5), "unquoted backquote refused");
	OK(fails("x (y)", -EINVAL, 2), "parentheses refused");
	OK(fails("map d0 '64K", -EAGAIN, 7), "open single quote: needs the next line");
	OK(fails("map \"d0", -EAGAIN, 4), "open double quote: needs the next line");
	OK(fails("map d0 \\", -EAGAIN, 7), "trailing backslash: needs the next line");
	OK(fails("say \"x\\", -EAGAIN, 4), "backslash at the end inside double quotes");
	{
		struct vfc_split_info info;
		char **w;
		size_t n;
		static const char nul[] = "ab\0cd";

		OK(vfc_split_line(nul, 5, 0, &w, &n, &info) == -EINVAL && info.col == 2 && !w,
		   "a NUL byte is refused");
		OK(vfc_split_line("'a\0b'", 5, 0, &w, &n, &info) == -EINVAL && info.col == 2,
		   "a NUL byte inside quotes is refused");
	}
}

static void test_partial(void)
{
	struct vfc_split_info info;
	char **w;
	size_t n;
	int rc;

	rc = vfc_split_line("map d", 5, VFC_SPLIT_PARTIAL, &w, &n, &info);
	OK(!rc && n == 2 && !strcmp(w[1], "d") && info.open && info.last_start == 4 && !info.quote,
	   "partial: the word under the cursor and where it starts");
	vfc_strv_free(w);
	rc = vfc_split_line("map ", 4, VFC_SPLIT_PARTIAL, &w, &n, &info);
	OK(!rc && n == 1 && !info.open, "partial: a blank at the end starts a new word");
	vfc_strv_free(w);
	rc = vfc_split_line("show 'ab c", 10, VFC_SPLIT_PARTIAL, &w, &n, &info);
	OK(!rc && n == 2 && !strcmp(w[1], "ab c") && info.open && info.quote == '\'' &&
	   info.last_start == 5, "partial: an open quote is part of the word so far");
	vfc_strv_free(w);
	rc = vfc_split_line("x # y", 5, VFC_SPLIT_PARTIAL, &w, &n, &info);
	OK(!rc && n == 1 && !info.open, "partial: inside a comment nothing is open");
	vfc_strv_free(w);
}

static void test_quote(void)
{
	static const char *const words[] = { "list", "", "a b", "it's", "#x", "a#x", "$HOME",
					     "x|y", "tab\there", "nl\nx", "\"q\"", "back\\slash",
					     "{device:0000:00:10.0}", "fd={iommufd},x", NULL };
	char line[1024] = "", **w;
	size_t n, used = 0;
	int ok = 1;

	for (size_t i = 0; words[i]; i++) {
		char *q = vfc_quote_word(words[i]);

		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i ? " " : "", q);
		free(q);
	}
	if (vfc_split_line(line, strlen(line), 0, &w, &n, NULL)) {
		ok = 0;
	} else {
		for (size_t i = 0; ok && words[i]; i++)
			ok = i < n && !strcmp(w[i], words[i]);
		ok = ok && n == VFC_ARRAY_SIZE(words) - 1;
		vfc_strv_free(w);
	}
	OK(ok, "quoted words split back to themselves");
	{
		char *q = vfc_quote_word("plain-word_0:1.2");

		IS_STR(q, "plain-word_0:1.2", "a word that needs no quotes stays bare");
		free(q);
		q = vfc_quote_word("it's");
		IS_STR(q, "'it'\\''s'", "a single quote inside becomes '\\''");
		free(q);
	}
}

int main(void)
{
	test_words();
	test_errors();
	test_partial();
	test_quote();
	return tap_done();
}
