// SPDX-License-Identifier: GPL-2.0-or-later
#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "core/caps.h"
#include "core/util.h"

bool vfc_cap_effective(int cap)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process())
		return false;
	return capng_have_capability(CAPNG_EFFECTIVE, (unsigned)cap) != 0;
}

int vfc_caps_keep(const int *keep, size_t n, bool bounding)
{
	bool have[64] = { 0 };

	if (n > VFC_ARRAY_SIZE(have))
		return -EINVAL;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process())
		return -EPERM;
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;
	for (size_t i = 0; i < n; i++)
		have[i] = capng_have_capability(CAPNG_PERMITTED, (unsigned)keep[i]) != 0;
	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < n; i++)
		if (have[i] && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
					    (unsigned)keep[i]))
			return -EINVAL;
	if (bounding) {
		/* Not kept in the bounding set either: nothing executed later gets it back. */
		for (size_t i = 0; i < n; i++)
			if (have[i])
				capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, (unsigned)keep[i]);
		/* The bounding set needs CAP_SETPCAP; without it, the other sets still go. */
		if (!capng_apply(CAPNG_SELECT_BOTH))
			return 0;
	}
	/* The ambient set follows: the kernel keeps it a subset of permitted and inheritable. */
	if (!capng_apply(CAPNG_SELECT_CAPS))
		return 0;
	return -EPERM;
}

int vfc_memlock_read(const struct vfc_ctx *ctx, struct vfc_memlock *m)
{
	char buf[4096], *p;
	struct rlimit rl;

	memset(m, 0, sizeof(*m));
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	m->unlimited = rl.rlim_cur == RLIM_INFINITY;
	m->limit = m->unlimited ? UINT64_MAX : (uint64_t)rl.rlim_cur;
	m->cap_ipc_lock = vfc_cap_effective(CAP_IPC_LOCK);
	/* type1 accounts pinned pages in the mm's locked_vm, which /proc shows as VmLck. */
	if (vfc_read_attr(ctx, buf, sizeof(buf), "/proc/self/status") > 0 &&
	    (p = strstr(buf, "VmLck:"))) {
		unsigned long long kb;

		if (sscanf(p + 6, "%llu", &kb) == 1)
			m->locked = (uint64_t)kb * 1024;
	}
	return 0;
}

int vfc_memlock_check(const struct vfc_memlock *m, uint64_t need, uint64_t *shortfall)
{
	uint64_t avail;

	*shortfall = 0;
	if (m->cap_ipc_lock || m->unlimited)
		return 0;
	avail = m->limit > m->locked ? m->limit - m->locked : 0;
	if (need <= avail)
		return 0;
	*shortfall = need - avail;
	return -EPERM;
}

int vfc_hugepool_read(const struct vfc_ctx *ctx, uint64_t page_size, struct vfc_hugepool *p)
{
	int64_t v;
	int rc;

	memset(p, 0, sizeof(*p));
	p->page_size = page_size;
	rc = vfc_read_s64(ctx, &v, "/sys/kernel/mm/hugepages/hugepages-%llukB/nr_hugepages",
			  (unsigned long long)(page_size >> 10));
	if (rc)
		return rc;
	p->total = v > 0 ? (uint64_t)v : 0;
	rc = vfc_read_s64(ctx, &v, "/sys/kernel/mm/hugepages/hugepages-%llukB/free_hugepages",
			  (unsigned long long)(page_size >> 10));
	if (rc)
		return rc;
	p->free = v > 0 ? (uint64_t)v : 0;
	return 0;
}
