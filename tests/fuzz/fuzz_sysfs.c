// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysfs attribute parsers: a reserved_regions line (vfc_parse_resv_line), reset_method
 * (vfc_split_words, then vfc_reset_usable and vfc_reset_method_parse), and the name check
 * every driver/interface/method name read from sysfs or given as an option passes before it
 * is pasted into a path (vfc_name_is_sane). A fixture tree or a hostile kernel can put
 * anything there. Held against models of the documented formats.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "core/reset.h"
#include "core/util.h"
#include "fuzz.h"

/* "0x" optional, then 1+ hex digits, fitting in 64 bits. */
static bool model_hex(const char *s, size_t n, uint64_t *v)
{
	size_t i = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == n)
		return false;
	*v = 0;
	for (; i < n; i++) {
		unsigned d;

		if (!isxdigit((unsigned char)s[i]))
			return false;
		d = isdigit((unsigned char)s[i]) ? (unsigned)(s[i] - '0')
						 : (unsigned)(tolower((unsigned char)s[i]) - 'a' + 10);
		if (*v >> 60)
			return false;
		*v = *v * 16 + d;
	}
	return true;
}

/* Exactly three white-space separated words: START END TYPE (TYPE [a-z-], 1..23 chars). */
static bool model_resv(const char *s, struct vfc_resv *r)
{
	const char *w[4];
	size_t len[4], n = 0;

	for (;;) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (n == 4)
			return false;
		w[n] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		len[n] = (size_t)(s - w[n]);
		n++;
	}
	if (n != 3 || len[0] > 39 || len[1] > 39 || len[2] > 23)
		return false;
	if (!model_hex(w[0], len[0], &r->start) || !model_hex(w[1], len[1], &r->end) ||
	    r->end < r->start)
		return false;
	for (size_t i = 0; i < len[2]; i++)
		if (!(w[2][i] >= 'a' && w[2][i] <= 'z') && w[2][i] != '-')
			return false;
	memcpy(r->type, w[2], len[2]);
	r->type[len[2]] = '\0';
	return true;
}

static bool model_sane(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

static void check_words(const char *s)
{
	char **v = NULL, **u = NULL, *joined, *norm;
	size_t k = 0, nj = 0;
	int n, rc;

	n = vfc_split_words(s, &v);
	FUZZ_CHECK(n >= 0 && v && (size_t)n == vfc_strv_len(v), "split '%s': %d", s, n);
	/* Joined with one space, the words are the input with white space runs collapsed. */
	joined = calloc(strlen(s) + 2, 1);
	norm = calloc(strlen(s) + 2, 1);
	if (!joined || !norm)
		abort();
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(*v[i], "split '%s': empty word %d", s, i);
		for (const char *p = v[i]; *p; p++)
			FUZZ_CHECK(!isspace((unsigned char)*p), "split '%s': space in a word", s);
		nj += (size_t)sprintf(joined + nj, "%s%s", i ? " " : "", v[i]);
	}
	for (const char *p = s; *p;) {
		if (isspace((unsigned char)*p)) {
			while (isspace((unsigned char)*p))
				p++;
			if (k && *p)
				norm[k++] = ' ';
		} else {
			norm[k++] = *p++;
		}
	}
	FUZZ_CHECK(!strcmp(joined, norm), "split '%s': '%s' vs '%s'", s, joined, norm);

	/* vfc_reset_usable: the same methods in order, minus bus resets on a shared bus. */
	for (int alone = 0; alone < 2; alone++) {
		rc = vfc_reset_usable(v, alone, &u);
		FUZZ_CHECK(!rc && u, "reset_usable: %d", rc);
		k = 0;
		for (int i = 0; i < n; i++) {
			if (!alone && (!strcmp(v[i], "bus") || !strcmp(v[i], "cxl_bus")))
				continue;
			FUZZ_CHECK(u[k] && !strcmp(u[k], v[i]), "reset_usable '%s' word %d", s, i);
			k++;
		}
		FUZZ_CHECK(!u[k], "reset_usable '%s': extra words", s);
		vfc_strv_free(u);
	}
	vfc_strv_free(v);
	free(joined);
	free(norm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct vfc_resv r, m;
	enum vfc_reset_method meth;
	bool ok;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = vfc_parse_resv_line(s, &r);
	ok = model_resv(s, &m);
	FUZZ_CHECK(!rc == ok, "resv '%s': parser %d, model %s", s, rc, ok ? "ok" : "bad");
	if (ok)
		FUZZ_CHECK(r.start == m.start && r.end == m.end && !strcmp(r.type, m.type),
			   "resv '%s': different fields", s);

	check_words(s);

	rc = vfc_reset_method_parse(s, &meth);
	if (!rc) {
		const char *name = vfc_reset_method_name(meth);

		FUZZ_CHECK(name && !strcmp(name, s), "reset method '%s' named '%s'", s,
			   name ? name : "(null)");
	}

	for (size_t max = 0; max < 40; max += 13)
		FUZZ_CHECK(vfc_name_is_sane(s, max) == model_sane(s, max), "name '%s' max %zu", s,
			   max);
	free(s);
	return 0;
}
