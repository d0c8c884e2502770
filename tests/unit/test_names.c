// SPDX-License-Identifier: GPL-2.0-or-later
/* The short vendor form a NAME shrinks to on a narrow terminal (core/names.c). */
#include <string.h>

#include "core/names.h"
#include "tap.h"

static int is_short(const char *vendor, const char *want)
{
	const char *start = NULL;
	size_t n = vfc_vendor_short(vendor, &start);

	if (n != strlen(want) || strncmp(start, want, n)) {
		printf("# '%s' -> '%.*s', expected '%s'\n", vendor, (int)n, start ? start : "",
		       want);
		return 0;
	}
	return 1;
}

int main(void)
{
	OK(is_short("Intel Corporation", "Intel"), "first word");
	OK(is_short("Advanced Micro Devices, Inc. [AMD/ATI]", "AMD/ATI"), "bracketed name wins");
	OK(is_short("Advanced Micro Devices, Inc. [AMD]", "AMD"), "bracketed AMD");
	OK(is_short("NVIDIA Corporation", "NVIDIA"), "NVIDIA");
	OK(is_short("Realtek Semiconductor Co., Ltd.", "Realtek"), "Realtek");
	OK(is_short("Samsung, Electronics", "Samsung"), "a trailing comma goes");
	OK(is_short("Red Hat, Inc.", "Red"), "first word only: Red Hat has no bracket");
	OK(is_short("QEMU", "QEMU"), "one word");
	OK(is_short("Foo [] Bar", "Foo"), "an empty bracket is not a name");
	OK(is_short("Foo [Bar] Baz", "Foo"), "a bracket not at the end is not the short name");
	OK(is_short(",", ","), "a lone comma stays (never empty)");
	return tap_done();
}
