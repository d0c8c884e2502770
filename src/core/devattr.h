/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfioctl.conf's reset_method= and d3cold= (issue 22): a device's reset_method and
 * d3cold_allowed as the file asks, written by `apply`, and the values they had before
 * vfioctl first changed them journalled (ROOT/run/vfioctl/attr.BDF, beside the binding
 * journal, whose listing skips it) so that `restore` puts them back. Read with the sysroot
 * helpers directly (the reporting of these attributes is check/show's). Never prints.
 */
#ifndef VFC_DEVATTR_H
#define VFC_DEVATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/journal.h"

struct vfc_bindrun;
struct vfc_conf_entry;

/* Does e ask for an attribute at all (reset_method=, d3cold=)? */
bool vfc_devattr_wanted(const struct vfc_conf_entry *e);

/*
 * What differs on bdf from what e asks: "reset_method 'flr bus' -> 'bus'; d3cold_allowed 1
 * -> 0" into what. 1 when something differs, 0 when not, -errno (-ENOENT: the kernel has no
 * such attribute for the device).
 */
int vfc_devattr_drift(const struct vfc_ctx *ctx, const char *bdf, const struct vfc_conf_entry *e,
		      char *what, size_t len);

/* Journal the current values (unless an entry exists: the first ones stay), then write what
 * differs. Must hold the writers' lock j. 0 or -errno. */
int vfc_devattr_set(struct vfc_journal *j, const char *bdf, const struct vfc_conf_entry *e);

/*
 * restore: the journalled values of r->devs (every entry when all) written back (dry: only
 * planned) and the entries dropped. Each device's row in r->p (its binding's, else a new one,
 * action restore) says so in its reason. Returns 0 or the first -errno (that row failed).
 */
int vfc_devattr_restore(struct vfc_bindrun *r, bool all, bool dry);

#endif
