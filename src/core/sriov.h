/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV: a PF's VF count and sriov_drivers_autoprobe, read and set through sysfs (the root
 * context), its VFs and who uses them, and the journal of the count and autoprobe a PF had
 * before vfioctl first changed them (ROOT/run/vfioctl/sriov.BDF, beside the binding journal,
 * whose listing skips it), so that `restore PF` puts them back. Never prints.
 *
 * The kernel's rules (drivers/pci/iov.c, sriov_numvfs_store): the PF must be on a driver
 * with sriov_configure (else ENOENT; vfio-pci only with enable_sriov=1), N above
 * sriov_totalvfs is ERANGE, and a change between two non-zero counts is EBUSY: it goes
 * through 0. sriov_drivers_autoprobe=0 written before the VFs appear keeps them off the
 * host VF driver (they are added unbound).
 */
#ifndef VFC_SRIOV_H
#define VFC_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/journal.h"
#include "core/topology.h"

struct vfc_sriov_vf {
	const struct vfc_device *dev;	/* in the topology */
	int index;			/* virtfnN; -1 when the PF has no link to it */
	const struct vfc_group *group;	/* NULL: none */
	char critical[300];		/* host-critical: why ("" when not) */
};

struct vfc_sriov_info {
	const struct vfc_device *pf;
	int32_t totalvfs, numvfs;	/* -1: unreadable */
	int autoprobe;			/* sriov_drivers_autoprobe 0/1; -1: missing */
	int32_t vf_device;		/* sriov_vf_device; -1: missing */
	int32_t offset, stride;		/* -1: missing */
	struct vfc_sriov_vf *vfs;	/* sorted by address */
	size_t nvfs;
	size_t nheld;			/* VFs whose group a process holds */
	size_t ncritical;		/* VFs the host depends on */
	bool journalled;		/* a journal entry for the PF exists */
	int j_numvfs, j_autoprobe;	/* its count and autoprobe (-1 when none) */
};

/* Is this device an SR-IOV PF (sriov_totalvfs readable)? */
bool vfc_sriov_is_pf(const struct vfc_device *d);

/*
 * The PF's SR-IOV state in the snapshot t (scanned with holders for nheld); with_safety:
 * also the host-critical check of each VF (reads mounts, routes). 0, -EINVAL (not a PF),
 * -ENOMEM. Free with vfc_sriov_free.
 */
int vfc_sriov_get(const struct vfc_topology *t, const struct vfc_device *pf, bool with_safety,
		  struct vfc_sriov_info *out);
void vfc_sriov_free(struct vfc_sriov_info *s);

/*
 * Why the PF's VFs may not go: "VF 0000:01:10.2 (group 41) is in use by pid 3077
 * (dpdk-testpmd) holding /dev/vfio/41"; every held VF, joined by "; ". Returns the number
 * of held VFs (0: none; buf then "").
 */
size_t vfc_sriov_held_reason(const struct vfc_sriov_info *s, char *buf, size_t len);
/* The same for the host-critical VFs. */
size_t vfc_sriov_critical_reason(const struct vfc_sriov_info *s, char *buf, size_t len);

/*
 * The PF's VF count in the topology (0 when not a PF), and how many of its VFs a process
 * holds (why: the first holder). For the bind plan's PF safety.
 */
int vfc_sriov_pf_vfs(const struct vfc_topology *t, const char *pf, size_t *nheld, char *why,
		     size_t len);

/*
 * Write sriov_drivers_autoprobe (autoprobe 0/1; -1 leaves it) and then the count: through 0
 * when both the current count (cur) and n are non-zero and differ. Waits (at most
 * timeout_ms) until the PF shows n virtfn links. 0 or -errno (the kernel's: ENOENT, ERANGE,
 * EBUSY...; -ETIMEDOUT when the VFs do not appear).
 */
int vfc_sriov_set(const struct vfc_ctx *ctx, const char *pf, int cur, int n, int autoprobe,
		  int timeout_ms);

/*
 * The journal (must hold the writers' lock j): record the PF's count and autoprobe unless
 * an entry exists already (the first state vfioctl saw is the one restore puts back).
 * 0 or -errno.
 */
int vfc_sriov_journal_put(struct vfc_journal *j, const char *pf, int numvfs, int autoprobe);
/* Lock-free read: 0, -ENOENT (no entry), -EINVAL (malformed). */
int vfc_sriov_journal_get(const struct vfc_ctx *ctx, const char *pf, int *numvfs, int *autoprobe);
int vfc_sriov_journal_remove(struct vfc_journal *j, const char *pf);
/* Every PF with an entry (sorted BDFs, vfc_strv_free). 0 or -errno. */
int vfc_sriov_journal_list(const struct vfc_ctx *ctx, char ***pfs);

/*
 * restore: the PFs with a count journal entry among r->devs (every one when all) into *pfs
 * (vfc_strv_free), and their VFs added to r->devs, so that the VFs' bindings are put back
 * before the count. 0 or -errno.
 */
struct vfc_bindrun;
/*
 * A row of the action table for a device whose driver stays (a PF's count, a device's
 * attributes): with reuse, its row with no action (a target without a binding to restore),
 * else a new one. NULL: -ENOMEM.
 */
struct vfc_bind_step *vfc_sriov_row(struct vfc_bindrun *r, const char *pf,
				    const struct vfc_device *d, bool reuse);
int vfc_sriov_restore_targets(struct vfc_bindrun *r, bool all, char ***pfs);
/*
 * Put the PF's journalled autoprobe and count back (dry: only say what), then drop the
 * entry. what gets "sriov_numvfs 7 -> 0; sriov_drivers_autoprobe 0 -> 1" (or "already").
 * -EBUSY (what names the holders) when a process holds a VF that would go. 0 or -errno.
 * Either way a step for the PF is added to r->p (action restore; result planned, done,
 * already, refused or failed; reason: what), so that the action table shows it.
 */
int vfc_sriov_restore(struct vfc_bindrun *r, const char *pf, bool dry, char *what, size_t len);

/*
 * apply: a vfioctl.conf line with vfs= or autoprobe= (e), for its PF in r->t. Adds the PF's
 * step to r->p (action none, the PF keeps its driver; reason: what changes, "(line N)"):
 * in a dry run planned (or already), else autoprobe and then the count written as `sriov
 * --vfs` does (journalled first, a change between two non-zero counts through 0): done,
 * already, skipped (the PF has no driver yet: the udev rule applies it when one binds),
 * refused (busy: a VF a process holds, or a host-critical one, would go) or failed (err).
 * *wrote: sysfs changed (the caller scans again). Returns 0 (the step says how it went),
 * -ENODEV (no such device here: no step), -EINVAL (not an SR-IOV PF: no step), -ERANGE
 * (more than sriov_totalvfs: no step), or the -errno of a failed write (step failed).
 */
struct vfc_conf_entry;
int vfc_sriov_apply(struct vfc_bindrun *r, const struct vfc_conf_entry *e, bool dry, bool *wrote);

/*
 * `sriov --persist`: ROOT/etc/vfioctl.conf gets the PF's line "PF vfs=N[ autoprobe=yes|no]"
 * (autoprobe -1: an existing line's is kept, else none) and, with bind, "PF/vfs
 * driver=vfio-pci", through the editor `bind --persist` uses (vfc_conf_put: other options of
 * the lines kept, atomic, the file created when missing); n 0 drops both lines instead.
 * Must hold the writers' lock. *changed: the file was written. 0 or -errno.
 */
int vfc_sriov_persist(const struct vfc_ctx *ctx, const char *pf, int n, int autoprobe, bool bind,
		      bool *changed);

#endif
