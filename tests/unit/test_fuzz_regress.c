// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the fuzzers (tests/fuzz) found, pinned down as plain unit tests so they run in every
 * build, sanitized or not. The same inputs are corpus entries (tests/fuzz/corpus/NAME/regress-*)
 * the fuzz layer replays against the models.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"
#include "out/json.h"
#include "tap.h"

static void test_numbers(void)
{
	uint64_t v = 0;
	int64_t s = 0;

	/* fuzz_size: strtoull base 0 read a leading 0 as octal. */
	OK(!vfc_parse_size("022", &v) && v == 22, "size 022 is decimal 22, not octal 18");
	OK(!vfc_parse_size("010M", &v) && v == 10u << 20, "size 010M is 10 MiB");
	OK(!vfc_parse_size("08", &v) && v == 8, "size 08 is 8 (was garbage as octal)");
	OK(!vfc_parse_size("0x10", &v) && v == 16, "size 0x10 still hex");
	OK(!vfc_parse_u64("010", &v) && v == 10, "u64 010 is decimal");
	OK(!vfc_parse_s64("-010", &s) && s == -10, "s64 -010 is decimal");
	OK(!vfc_parse_s64("-0x10", &s) && s == -16, "s64 -0x10 is hex");
	/* fuzz_size: "4K " was accepted, "4KiB " refused. */
	OK(!vfc_parse_size("4KiB ", &v) && v == 4096, "size '4KiB ' (trailing space)");
	OK(!vfc_parse_size("4KB\n", &v) && v == 4096, "size '4KB\\n'");
	OK(vfc_parse_size("4KiBB", &v) == -EINVAL, "size 4KiBB refused");
	/* fuzz_size: strtoull(16) took a second 0x prefix. */
	OK(vfc_parse_hex_u64("0x0x10", &v) == -EINVAL, "hex 0x0x10 refused");
	OK(!vfc_parse_hex_u64("0x10", &v) && v == 16, "hex 0x10");
	/* fuzz_size: garbage after overflowing digits is garbage (-EINVAL), not -ERANGE. */
	OK(vfc_parse_hex_u64("333333333333333333-02", &v) == -EINVAL, "hex overflow+garbage");
	OK(vfc_parse_size("99999999999999999999x", &v) == -EINVAL, "size overflow+garbage");
	OK(vfc_parse_size("99999999999999999999", &v) == -ERANGE, "size overflow alone");
}

static void test_sysfs(void)
{
	struct vfc_resv r;

	/* fuzz_sysfs: %39s split a long word, making two words parse as three. */
	OK(vfc_parse_resv_line("0000000000000000000000000000000000000001 direct", &r) == -EINVAL,
	   "resv: a 40-digit word is not two words");
	OK(!vfc_parse_resv_line("0x00000000fee00000 0x00000000feefffff msi\n", &r) &&
	   r.start == 0xfee00000 && r.end == 0xfeefffff, "resv: kernel line still parses");
	OK(vfc_parse_resv_line("0x0 0x1 abcdefghijklmnopqrstuvwxyz", &r) == -EINVAL,
	   "resv: 26-char type refused, not cut");
	/* fuzz_sysfs: ".." passed as a driver name: drivers/.. is /sys/bus/pci itself. */
	OK(!vfc_name_is_sane("..", 64) && !vfc_name_is_sane(".", 64), "names . and .. refused");
	OK(vfc_name_is_sane("vfio-pci", 64) && vfc_name_is_sane("...", 64), "other names fine");
}

static char *json_of(const char *str)
{
	static char out[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	jw_init(&w, f, true);
	jw_string(&w, NULL, str);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct jw w;
	int depth = 0;

	/* fuzz_json: bytes that are not UTF-8 went out raw, making the document invalid. */
	IS_STR(json_of("a\xb0z"), "\"a\\ufffdz\"", "lone continuation byte -> U+FFFD");
	IS_STR(json_of("\xc3\xa9"), "\"\xc3\xa9\"", "valid UTF-8 kept");
	IS_STR(json_of("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"", "surrogate refused");
	IS_STR(json_of("\xc0\xaf"), "\"\\ufffd\\ufffd\"", "overlong refused");
	IS_STR(json_of("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"", "4-byte sequence kept");
	IS_STR(json_of("\xf0\x9f\x98"), "\"\\ufffd\\ufffd\\ufffd\"", "truncated sequence");
	IS_STR(json_of("\x7f\x01"), "\"\\u007f\\u0001\"", "controls and DEL escaped");

	/* The writer's documented limit: JW_MAX_DEPTH - 1 nested containers stay valid. */
	f = open_memstream(&buf, &len);
	jw_init(&w, f, true);
	jw_object_open(&w, NULL);
	for (depth = 1; depth < JW_MAX_DEPTH - 1; depth++)
		jw_array_open(&w, depth == 1 ? "a" : NULL);
	jw_int(&w, NULL, 1);
	jw_int(&w, NULL, 2);
	for (depth = JW_MAX_DEPTH - 2; depth >= 2; depth--) {
		jw_array_close(&w);
		jw_int(&w, NULL, depth);
	}
	jw_array_close(&w);
	jw_object_close(&w);
	fclose(f);
	OK(strstr(buf, "[[1,2],30],29]") && strstr(buf, "],3],2]}"), "31 levels keep their commas");
	free(buf);

	/* Below depth 31 the writer dropped commas (JW_MAX_DEPTH); it has no limit now. */
	{
		char want[4096] = "{\"a\":", *p = want + strlen(want);

		for (depth = 1; depth <= 100; depth++)
			p += sprintf(p, "[%d,", depth);
		p += sprintf(p, "{\"k\":0,\"l\":1}");
		for (depth = 100; depth >= 1; depth--)
			p += sprintf(p, ",%d]", -depth);
		sprintf(p, "}\n");
		buf = NULL;
		f = open_memstream(&buf, &len);
		jw_init(&w, f, true);
		jw_object_open(&w, NULL);
		for (depth = 1; depth <= 100; depth++) {
			jw_array_open(&w, depth == 1 ? "a" : NULL);
			jw_int(&w, NULL, depth);
		}
		jw_object_open(&w, NULL);
		jw_int(&w, "k", 0);
		jw_int(&w, "l", 1);
		jw_object_close(&w);
		for (depth = 100; depth >= 1; depth--) {
			jw_int(&w, NULL, -depth);
			jw_array_close(&w);
		}
		jw_object_close(&w);
		jw_end(&w);
		fclose(f);
		OK(buf && !strcmp(buf, want), "100 levels keep their commas");
		free(buf);
	}
	{
		buf = NULL;
		f = open_memstream(&buf, &len);
		jw_init(&w, f, false);
		jw_object_open(&w, NULL);
		jw_int(&w, "min", INT64_MIN);
		jw_uint(&w, "max", UINT64_MAX);
		jw_array_open(&w, "e");
		jw_array_close(&w);
		jw_array_open(&w, "n");
		jw_null(&w, NULL);
		jw_bool(&w, NULL, false);
		jw_array_close(&w);
		jw_object_close(&w);
		jw_end(&w);
		fclose(f);
		IS_STR(buf, "{\n  \"min\": -9223372036854775808,\n"
		       "  \"max\": 18446744073709551615,\n"
		       "  \"e\": [],\n  \"n\": [\n    null,\n    false\n  ]\n}\n",
		       "indented output, extreme numbers");
		free(buf);
	}
}

int main(void)
{
	test_numbers();
	test_sysfs();
	test_json();
	return tap_done();
}
