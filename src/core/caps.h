/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities and memory limits: can this process pin what it is about to map? */
#ifndef VFC_CAPS_H
#define VFC_CAPS_H

#include <stdbool.h>
#include <stdint.h>

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

#endif
