/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the parts of `check` share, private to them: check.c (the report and the host items),
 * check-irq.c (interrupt remapping facts), check-limits.c (limits.conf and users),
 * check-device.c (the items of one device).
 */
#ifndef VFC_CHECK_INT_H
#define VFC_CHECK_INT_H

#include "core/check.h"

#define GIB (1024ull * 1024 * 1024)
/* Below this a VM of any real size cannot pin its RAM: warn (type1 pins every mapped page). */
#define MEMLOCK_WARN_BELOW GIB

/* Append to a fixed buffer with a separator; silently truncates. */
void vfc_check_cat(char *buf, size_t len, const char *sep, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A Y/N module parameter: 1 yes, 0 no, -1 absent. */
int vfc_check_read_yn(const struct vfc_ctx *ctx, const char *path);
void vfc_irq_facts_read(const struct vfc_ctx *ctx, const struct vfc_iommu_state *st,
			struct vfc_irq_facts *f);
/* The memlock(USER) item: RLIMIT_MEMLOCK a login session of user gets from limits.conf. */
void vfc_check_memlock_user(const struct vfc_ctx *ctx, const char *user, char **groups,
			    struct vfc_check_report *r);
/* The initramfs item (check-initramfs.c): only when vfioctl.conf names devices. */
void vfc_check_initramfs(const struct vfc_ctx *ctx, struct vfc_check_report *r);

#endif
