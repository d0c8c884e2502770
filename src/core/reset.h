/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reset planning and execution: which reset a device can get (function reset through VFIO or
 * sysfs, or a PCI hot reset of its bus/slot), what a hot reset touches (its scope: every device,
 * its group, driver, holder, and whether this run owns it), and why a reset is refused.
 *
 * The planning half is pure over a topology snapshot, so `check`, `show` and `reset --dry-run`
 * can ask "can this device be reset, and how?" without opening anything: opening a VFIO device
 * fd makes the kernel try a function reset, so a read-only answer must not open one.
 * The executing half goes through src/core/vfio.c (ioctls) and sysfs (`reset`, `reset_method`).
 * Nothing here prints; functions return 0 or -errno and fill structs / a struct vfc_err.
 */
#ifndef VFC_RESET_H
#define VFC_RESET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/domain.h"
#include "core/pcicfg.h"
#include "core/topology.h"
#include "core/vfio.h"

enum vfc_reset_method {
	VFC_RESET_AUTO = 0,	/* device, else hot, else a sysfs function reset (not on vfio) */
	VFC_RESET_DEVICE,	/* VFIO_DEVICE_RESET: the kernel picks flr/pm/bus... */
	VFC_RESET_HOT,		/* VFIO_DEVICE_PCI_HOT_RESET: the whole bus/slot */
	VFC_RESET_FLR,		/* sysfs function reset with reset_method = flr */
	VFC_RESET_PM,		/* ... = pm (D3hot -> D0 without No_Soft_Reset) */
	VFC_RESET_BUS,		/* ... = bus (secondary bus reset; the device alone on its bus) */
	VFC_RESET_NONE,		/* a plan's answer: nothing can reset it */
	VFC_RESET_FUNCTION,	/* a plan's answer: sysfs `reset` in the kernel's own order */
};

const char *vfc_reset_method_name(enum vfc_reset_method m);
/* "auto", "device", "hot", "flr", "pm", "bus". -EINVAL otherwise. */
int vfc_reset_method_parse(const char *s, enum vfc_reset_method *m);

/*
 * The function reset methods the kernel would use now, in its order: reset_method minus `bus`
 * when the device shares its bus (the kernel lists `bus` from a probe at enumeration time, when
 * the device may still have been alone, and refuses at reset time: ENOTTY, measured behind the
 * pcie-pci-bridge). methods: NULL-terminated; alone: no other device on the same bus.
 * *out is a new NULL-terminated vector (free with vfc_strv_free). Pure.
 */
int vfc_reset_usable(char *const *methods, bool alone, char ***out);
/* The same for a device of a topology (computes `alone` from its bus). */
int vfc_reset_usable_dev(const struct vfc_topology *t, const struct vfc_device *d, char ***out);
/* Does d have a function reset the kernel can use? (the question every passthrough user asks) */
bool vfc_reset_has_function_reset(const struct vfc_topology *t, const struct vfc_device *d);

/* One device a bus/slot reset touches. */
struct vfc_reset_member {
	char bdf[VFC_BDF_LEN];
	int group;			/* VFC_NO_GROUP when none */
	char driver[64];		/* "" when unbound */
	bool known;			/* present in the topology snapshot */
	bool target;			/* the device asked for */
	bool on_vfio;			/* bound to vfio-pci or a variant */
	bool bridge;			/* a bridge below the reset bus (reset with it, never on vfio) */
	pid_t holder_pid;		/* 0: nobody else has its group or cdev open */
	char holder_comm[64];
	char holder_path[128];
	bool owned;			/* this run has (or, dry-run, would get) its group / cdev */
	char blocker[320];		/* why it keeps the hot reset from happening; "" when fine */
};

struct vfc_reset_scope {
	struct vfc_reset_member *m;	/* sorted by address, target included */
	size_t n;
	bool from_kernel;		/* GET_PCI_HOT_RESET_INFO; false: derived from sysfs */
	bool possible;			/* a bus or slot reset exists for the target */
	char why_not[200];		/* when !possible */
	int *groups;			/* distinct groups of the members (sorted) */
	size_t ngroups;
	bool devid_form;		/* kernel answered with device ids (iommufd cdev) */
	bool devid_owned;		/* ... and says every device is owned (DEV_ID_OWNED) */
	size_t nblockers;		/* members with a blocker */
};

/*
 * Scope from sysfs: every device below the target's parent bridge (the bus a secondary bus
 * reset hits, subordinate buses included), like the kernel's walk. A device on a root bus has
 * no hot reset: possible = false with why_not. Fills group/driver/holder facts from t (scan
 * it with VFC_SCAN_HOLDERS) and judges blockers (vfc_reset_scope_judge).
 */
int vfc_reset_scope_sysfs(const struct vfc_topology *t, const struct vfc_device *target,
			  struct vfc_reset_scope *s);
/* Scope from the kernel's answer (the truth once a device fd is open). */
int vfc_reset_scope_kernel(const struct vfc_topology *t, const struct vfc_device *target,
			   const struct vfc_hot_reset_info *info, struct vfc_reset_scope *s);
/*
 * Blockers, by the kernel's rule for a hot reset: every affected device must be on vfio-pci and
 * owned by the caller; a device held by another process is never ours. Bridges below the bus
 * are reset along and do not block. owned_groups (may be NULL): groups this run has open;
 * without it (dry-run), a member is judged ownable when it is on vfio and nobody holds it.
 * Returns the number of blockers (also in s->nblockers).
 */
size_t vfc_reset_scope_judge(struct vfc_reset_scope *s, const int *owned_groups, size_t nowned);
void vfc_reset_scope_free(struct vfc_reset_scope *s);

/* The facts a method choice depends on; pure input of vfc_reset_choose. */
struct vfc_reset_facts {
	bool on_vfio;			/* the target is on a vfio driver */
	bool host_driver;		/* the target is on a driver that is not vfio/pci-stub */
	const char *driver;		/* its driver (for messages); NULL: none */
	bool held;			/* another process has its group/cdev open */
	enum vfc_tri vfio_reset;	/* VFIO_DEVICE_FLAGS_RESET; UNKNOWN before a fd is open */
	char *const *methods;		/* reset_method as the kernel lists it; NULL-terminated */
	char *const *usable;		/* vfc_reset_usable(); NULL-terminated */
	bool hot_possible;		/* the scope says a bus/slot reset exists */
	const char *hot_why;		/* the scope's why_not when !hot_possible */
	size_t hot_blockers;		/* blockers in that scope */
};

/*
 * Which method runs for a request, or VFC_RESET_NONE with the reason in why. AUTO:
 * on vfio: VFIO_DEVICE_RESET when the device has a function reset, else a hot reset when the
 * scope allows; not on vfio: a sysfs function reset (never under a host driver or a holder).
 * A named sysfs method (flr/pm/bus) must be usable now. Pure.
 */
enum vfc_reset_method vfc_reset_choose(enum vfc_reset_method req, const struct vfc_reset_facts *f,
				       char *why, size_t len);

/*
 * sysfs function reset: with method (flr, pm, bus) the kernel is told to use only that one
 * (reset_method), then `reset` is written, then reset_method gets its old value back; method
 * NULL resets in the kernel's order. -ENOTTY/-EINVAL: the kernel could not use that method.
 */
int vfc_reset_function(const struct vfc_ctx *ctx, const char *bdf, const char *method,
		       struct vfc_err *e);

/*
 * PCI hot reset through an open domain whose groups (legacy) or bound devices (iommufd) cover
 * the scope: legacy passes the fds of the groups GET_PCI_HOT_RESET_INFO lists (-EPERM naming
 * the first one the domain does not hold), iommufd the zero-length array.
 */
int vfc_reset_hot(struct vfc_domain *d, int devfd, const char *bdf, struct vfc_err *e);

#endif
