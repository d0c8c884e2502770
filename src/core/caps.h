/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities and memory limits: can this process pin what it is about to map? */
#ifndef VFC_CAPS_H
#define VFC_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/capability.h>

#include "core/sysroot.h"

struct vfc_memlock {
	bool unlimited;
	uint64_t limit;		/* RLIMIT_MEMLOCK soft limit, bytes */
	uint64_t locked;	/* already locked by this process (VmLck) */
	bool cap_ipc_lock;	/* CAP_IPC_LOCK effective: the limit does not apply */
};

int vfc_memlock_read(const struct vfc_ctx *ctx, struct vfc_memlock *m);
/* 0 when need bytes can be pinned; -EPERM with *shortfall set otherwise. */
int vfc_memlock_check(const struct vfc_memlock *m, uint64_t need, uint64_t *shortfall);

struct vfc_hugepool {
	uint64_t page_size;
	uint64_t total, free;
};
/* The pool for page_size (2 MiB: /sys/kernel/mm/hugepages/hugepages-2048kB). */
int vfc_hugepool_read(const struct vfc_ctx *ctx, uint64_t page_size, struct vfc_hugepool *p);

/* Is capability cap (linux/capability.h number) effective in this process? */
bool vfc_cap_effective(int cap);

/*
 * Least privilege: keep only the capabilities listed (those of them the process has), drop
 * every other one from the effective, permitted, inheritable and ambient sets, and, with
 * bounding, from the bounding set too (when the process may change it): then nothing this
 * process executes can get them back. Without bounding, a program executed as root gets the
 * root's usual set (exec without --user). Call after the privileged opens. A process with no
 * capabilities has nothing to drop (0). Returns 0 or -errno.
 */
int vfc_caps_keep(const int *keep, size_t n, bool bounding);

#endif
