/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The binding journal: ROOT/run/vfioctl/BDF holds the driver and driver_override a device
 * had before vfioctl first touched it. Written before any sysfs write (temp file, fsync,
 * rename, fsync of the directory), removed only once the device is back. `restore` replays
 * it; a vfioctl killed at any step leaves a journal that still says where every touched
 * device belongs. Writers serialise on ROOT/run/vfioctl/lock (flock); readers never lock.
 */
#ifndef VFC_JOURNAL_H
#define VFC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/pciaddr.h"
#include "core/sysroot.h"

#define VFC_JOURNAL_DIR "/run/vfioctl"
#define VFC_JOURNAL_VERSION 1

struct vfc_jentry {
	char bdf[VFC_BDF_LEN];
	char driver[64];	/* original driver; "" = none */
	char override[64];	/* original driver_override; "" = unset */
	int32_t vendor, device;	/* -1 unknown: lets restore notice a different device in the slot */
	uint64_t instance;	/* the device's sysfs inode then (vfc_device_instance); 0 unknown */
	int64_t pid;		/* the vfioctl that wrote it */
	int64_t time;		/* seconds since the epoch */
};

/* Pure: the entry as text ("key value" lines) and back. Unit tested. */
int vfc_jentry_format(const struct vfc_jentry *e, char *buf, size_t len);
/* 0, or -EINVAL (unknown version, missing or malformed bdf/driver/override). */
int vfc_jentry_parse(const char *text, struct vfc_jentry *e);

struct vfc_journal {
	const struct vfc_ctx *ctx;
	int lockfd;		/* -1 when not locked */
};

/*
 * Create ROOT/run/vfioctl (0700) if needed and take the writers' lock, waiting at most
 * timeout_ms (-ETIMEDOUT; another vfioctl may be stuck in an unbind). Returns 0 or -errno.
 */
int vfc_journal_lock(const struct vfc_ctx *ctx, struct vfc_journal *j, int timeout_ms);
void vfc_journal_unlock(struct vfc_journal *j);

/* Lock-free reads. -ENOENT when the device has no entry. */
int vfc_journal_get(const struct vfc_ctx *ctx, const char *bdf, struct vfc_jentry *e);
/* Every entry, sorted by BDF; entries that do not parse are counted in *nbad. */
int vfc_journal_list(const struct vfc_ctx *ctx, struct vfc_jentry **out, size_t *n, size_t *nbad);

/* Writers (must hold the lock). */
int vfc_journal_put(struct vfc_journal *j, const struct vfc_jentry *e);
int vfc_journal_remove(struct vfc_journal *j, const char *bdf);
/* Remove temp files left by a writer that died between create and rename. */
int vfc_journal_sweep(struct vfc_journal *j);

#endif
