// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/trace.h"

static vfc_trace_fn *hook;
static void *hook_data;

void vfc_trace_hook(vfc_trace_fn *fn, void *data)
{
	hook = fn;
	hook_data = data;
}

bool vfc_tracing(void)
{
	return hook != NULL;
}

void vfc_trace(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!hook)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hook(hook_data, line);
}

/* "= 0", or "= -1 EBUSY (Device or resource busy)" as strace writes a failure. */
static void result(char *buf, size_t len, int rc)
{
	if (rc >= 0) {
		snprintf(buf, len, "%d", rc);
		return;
	}
	const char *name = strerrorname_np(-rc);

	snprintf(buf, len, "-1 %s (%s)", name ? name : "?", strerror(-rc));
}

void vfc_trace_ioctl(int fd, const char *name, int rc)
{
	char link[64], obj[4096], res[128];
	ssize_t n;

	if (!hook)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, obj, sizeof(obj) - 1);
	if (n < 0)
		snprintf(obj, sizeof(obj), "fd %d", fd);
	else
		obj[n] = '\0';
	result(res, sizeof(res), rc);
	vfc_trace("ioctl %s %s = %s", name, obj, res);
}

void vfc_trace_write(const char *path, const char *val, size_t len, int rc)
{
	char res[128];

	if (!hook)
		return;
	result(res, sizeof(res), rc);
	/* sysfs values are short words; a newline the caller added is not part of the word */
	while (len && (val[len - 1] == '\n'))
		len--;
	vfc_trace("write %s \"%.*s\" = %s", path, (int)len, val, res);
}
