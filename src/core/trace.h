/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tracing (-vv): one line per ioctl and per sysfs write, naming the request, the object and
 * the result, so that a user can attach it to a bug report. The core never prints: it hands
 * each line to the hook the command-line layer installed, and does nothing when there is none.
 *
 * The hook is one per process, not one per context: the ioctl layer (core/vfio.c) works on
 * open file descriptors that outlive the context that opened them, and has no context to ask.
 */
#ifndef VFC_TRACE_H
#define VFC_TRACE_H

#include <stdbool.h>
#include <stddef.h>

typedef void vfc_trace_fn(void *data, const char *line);

/* Install fn (NULL: tracing off). */
void vfc_trace_hook(vfc_trace_fn *fn, void *data);
bool vfc_tracing(void);
void vfc_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * "ioctl NAME OBJECT = RESULT": NAME the request as the caller spells it, OBJECT the path
 * behind fd, RESULT the return value, or "-1 ENAME (strerror)" for rc -errno.
 */
void vfc_trace_ioctl(int fd, const char *name, int rc);
/* "write PATH "VALUE" = RESULT" for a sysfs attribute write. */
void vfc_trace_write(const char *path, const char *val, size_t len, int rc);

#endif
