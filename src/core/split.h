/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Batch lines into words, the way a POSIX shell splits simple words and quotes, with no
 * expansion at all (vfioctl batch and shell; man vfioctl(8), "batch"). Pure: unit tested in
 * tests/unit/test_split.c, fuzzed in tests/fuzz/fuzz_split.c.
 *
 *   blanks (space, tab, newline) separate words; a word may mix quoted and unquoted parts
 *   'single quotes'   everything literal up to the next '
 *   "double quotes"   literal, except that \" \\ \$ \` mean the second character and a
 *                     backslash-newline disappears (as in sh)
 *   \c                outside quotes: c literally; a backslash-newline disappears
 *   # at a word start starts a comment to the end of the line
 *   | & ; < > ( ) $ `  unquoted: refused, since there are no pipes, redirections, lists or
 *                     expansions (a shell user would expect them to work); quote them
 */
#ifndef VFC_SPLIT_H
#define VFC_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

enum {
	/*
	 * Completion: the text ends where the cursor is, so an open quote or a trailing
	 * backslash is not an error; the unfinished word is returned as it would read so far.
	 */
	VFC_SPLIT_PARTIAL = 1 << 0,
};

struct vfc_split_info {
	size_t col;		/* error: 0-based byte offset of the offending character */
	const char *why;	/* error: a human reason ("unterminated single quote") */
	bool open;		/* the text ends inside a word (no blank or comment after it) */
	char quote;		/* PARTIAL: the quote open at the end ('\'', '"'), or 0 */
	size_t last_start;	/* byte offset where the last word began (quotes included) */
};

/*
 * Split s[0..len) into a NULL-terminated vector of words (*n of them; free with
 * vfc_strv_free). Returns 0; -EAGAIN when the text ends inside quotes or after a backslash
 * (a batch reader appends "\n" and the next line, then splits again); -EINVAL for a syntax
 * error (info->col and info->why; a NUL byte is one); -ENOMEM. *words is NULL on failure.
 * info may be NULL.
 */
int vfc_split_line(const char *s, size_t len, unsigned flags, char ***words, size_t *n,
		   struct vfc_split_info *info);

/*
 * One word as a batch line must spell it so that vfc_split_line gives it back: as it is when
 * it holds only characters that need no quoting, else in single quotes (a ' inside as '\'').
 * Returns a new string or NULL (out of memory).
 */
char *vfc_quote_word(const char *w);

#endif
