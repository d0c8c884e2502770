/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfioctl.conf: the devices `vfioctl apply` binds (at boot, from the udev rule and the
 * systemd unit in etc/). One device per line:
 *	MATCH [driver=DRIVER] [owner=USER[:GROUP]] [reset_method=M[,M...]] [d3cold=yes|no]
 *	PF vfs=N [autoprobe=yes|no] [reset_method=...] [d3cold=...]	# the PF keeps its driver
 *	PF/vfs [driver=DRIVER] ...					# every VF of PF
 * MATCH is a PCI address or vendor:device ids, never a group number (groups are renumbered
 * across boots and kernels).
 */
#ifndef VFC_CONF_H
#define VFC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/pciaddr.h"
#include "core/sysroot.h"

#define VFC_CONF_PATH "/etc/vfioctl.conf"

struct vfc_conf_entry {
	struct vfc_target match;	/* VFC_TARGET_DEVICE or VFC_TARGET_ID */
	char match_text[32];		/* as canonicalised: "0000:01:00.0" or "10de:2204" */
	char driver[64];		/* default vfio-pci */
	char owner[128];		/* "" = leave the node alone */
	int vfs;			/* vfs=N: the PF's VF count (-1: not set) */
	int autoprobe;			/* autoprobe=yes|no: 1 or 0 (-1: not set) */
	char reset_method[128];		/* reset_method=a,b as sysfs takes it: "a b" ("": not set) */
	int d3cold;			/* d3cold=yes|no: d3cold_allowed 1 or 0 (-1: not set) */
	bool binds;			/* the line binds (not a PF's vfs=/autoprobe= line) */
	int line;
	const char *bad;		/* vfc_conf_read_all: why the line does not parse */
};

/*
 * Pure: parse one line. Returns 1 with *e filled, 0 for a blank or comment line, or -EINVAL
 * with *why set to a reason.
 */
int vfc_conf_parse_line(const char *line, struct vfc_conf_entry *e, const char **why);

/* Read a whole file (path as given, not below the sysroot). On -EINVAL, *bad_line says where. */
int vfc_conf_read(const char *path, struct vfc_conf_entry **out, size_t *n, int *bad_line,
		  const char **why);

/*
 * Read a whole file, bad lines too: an entry whose bad is set (the reason; its line set, the
 * rest empty) is a line that does not parse, so that the caller can refuse it alone and go
 * on with the others. 0 or -errno (the file cannot be read, -ENOMEM).
 */
int vfc_conf_read_all(const char *path, struct vfc_conf_entry **out, size_t *n);

/*
 * owner= on a group node (NODE is "/dev/vfio/N", below the sysroot): the node belongs to uid
 * and gid (-1: that part not asked for) and the user may open it (rw for the user; the group
 * bits are left as they are, as bind --owner leaves them). Returns 1 when the node differs (*what: "UID:GID MODE", e.g. "0:0 0644"), 0 when
 * it is as wanted, -errno. With fix, a node that differs is changed (lchown, chmod; never
 * through a symlink: -ELOOP) and 1 says it was.
 */
int vfc_conf_node_owner(const struct vfc_ctx *ctx, const char *node, uid_t uid, gid_t gid,
			bool fix, char *what, size_t len);

/*
 * Edit the file for `bind --persist` / `unbind --persist`: make the line naming bdf say
 * "BDF driver=DRIVER[ owner=OWNER]" (added when missing; an existing line keeps its other
 * options: owner= when none is given, reset_method=, d3cold=, vfs=), or with
 * remove drop every line naming bdf. Lines matching by ids are never touched. The file is
 * rewritten atomically (temp file in the same directory, fsync, rename) and created when
 * missing. *changed says whether anything was written. Returns 0 or -errno.
 */
int vfc_conf_set(const char *path, const char *bdf, const char *driver, const char *owner,
		 bool remove, bool *changed);

/* The line e says, canonical ("0000:01:00.0 vfs=7 autoprobe=no"), with its newline. */
void vfc_conf_format(const struct vfc_conf_entry *e, char *buf, size_t len);

/*
 * `sriov --persist`: make the lines matching e->match_text (a PF's address, or PF/vfs) say
 * what e says, keeping the options of an existing line that e leaves unset (merge), or with
 * remove drop them. Atomic and *changed as vfc_conf_set. 0 or -errno.
 */
int vfc_conf_put(const char *path, const struct vfc_conf_entry *e, bool remove, bool *changed);

#endif
