/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal TAP producer for the C unit tests; tests/run counts the lines. */
#ifndef VFC_TAP_H
#define VFC_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define OK(cond, ...)                                                                     \
	do {                                                                              \
		int ok_ = !!(cond);                                                       \
		printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);                         \
		printf(__VA_ARGS__);                                                      \
		printf("\n");                                                             \
		if (!ok_) {                                                               \
			tap_failed++;                                                     \
			printf("#   %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
		}                                                                         \
	} while (0)

#define IS_STR(a, b, ...) OK((a) && (b) && !strcmp((a), (b)), __VA_ARGS__)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
