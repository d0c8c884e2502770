/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The preflight as data: every check is an item (target, name, status, detail, fix) in a
 * report. Facts are read through the root context (so fixture trees drive every case) and
 * judged by pure functions (tests/unit/test_check.c). Never prints.
 */
#ifndef VFC_CHECK_H
#define VFC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/host.h"
#include "core/sysroot.h"
#include "core/topology.h"
#include "core/variant.h"

enum vfc_check_status { VFC_CHECK_OK = 0, VFC_CHECK_WARN = 1, VFC_CHECK_FAIL = 2 };
const char *vfc_check_status_name(enum vfc_check_status s);

struct vfc_check_item {
	char target[VFC_BDF_LEN];	/* "host" or the device's BDF */
	char item[40];			/* "iommu", "interrupt-remapping", "acs", ... */
	enum vfc_check_status status;
	char detail[512];
	char fix[512];			/* "" when there is nothing to do */
};

struct vfc_check_report {
	struct vfc_check_item *items;
	size_t n, cap;
	size_t nstatus[3];		/* items per status */
};

/* Adds an item; returns it (NULL only when out of memory: the report keeps what it had). */
struct vfc_check_item *vfc_check_add(struct vfc_check_report *r, const char *target,
				     const char *item, enum vfc_check_status st, const char *fix,
				     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void vfc_check_report_free(struct vfc_check_report *r);
/* The worst status in the report (OK when empty). */
enum vfc_check_status vfc_check_worst(const struct vfc_check_report *r);

/* ---- interrupt remapping: facts and their judgement (pure) ---- */

struct vfc_irq_facts {
	bool iommu_enabled;
	int nirqs;			/* numbered lines of /proc/interrupts; -1 unreadable */
	int nremapped;			/* of those, on an "IR-" irqchip (x86 VT-d / AMD-Vi) */
	int nits;			/* on a GICv3 ITS ("ITS-" irqchip): MSIs isolated */
	int ndmar, ndmar_ecap, ndmar_ir;	/* Intel units; with a readable ecap; with its IR bit (3) */
	int namd, nsmmu;		/* AMD-Vi (ivhd*) and ARM SMMU units */
	int nvirtio;			/* virtio-iommu units: no interrupt remapping at all */
	bool spapr;			/* vfio_iommu_spapr_tce loaded: type1's MSI check n/a */
	int unsafe_type1;		/* vfio_iommu_type1 allow_unsafe_interrupts: -1 absent */
	int unsafe_iommufd;		/* iommufd allow_unsafe_interrupts: -1 absent */
	bool cmdline_intremap_off;	/* intremap=off on the kernel command line */
};

/* Count irqchips in /proc/interrupts text. */
void vfc_irq_parse(const char *text, struct vfc_irq_facts *f);
void vfc_irq_eval(const struct vfc_irq_facts *f, struct vfc_check_report *r);
/* IOMMU units in /sys/class/iommu that are virtio-iommu (by name or by their driver). */
int vfc_iommu_virtio_units(const struct vfc_ctx *ctx);
/*
 * Why vfio_iommu_type1 refused a group with EPERM (VFIO_SET_IOMMU): its MSIs are not isolated
 * since the host has no interrupt remapping; the cause `check` reports and its fixes, in one
 * sentence for an error line.
 */
void vfc_irq_explain_eperm(const struct vfc_ctx *ctx, char *buf, size_t len);

/* ---- RLIMIT_MEMLOCK of a user from limits.conf (pure parser) ---- */

struct vfc_limit {
	bool set;			/* some line applied */
	bool unlimited;
	uint64_t bytes;
	int prio;			/* 1 user, 2 @group, 3 '*' (lower wins) */
	char source[160];		/* "FILE:LINE" of the line that decided */
};

/*
 * Apply one limits.conf file's text for user (groups: NULL-terminated names the user is in)
 * to soft/hard, the way pam_limits does: a line whose domain is the user name beats an
 * @group line, which beats '*'; among equal domains the later line wins; '*' and @group never
 * apply to root. "-" sets soft and hard. Values are KiB; unlimited/infinity/-1 lift it.
 */
void vfc_limits_apply(const char *text, const char *file, const char *user, char *const *groups,
		      struct vfc_limit *soft, struct vfc_limit *hard);

/* ---- the checks ---- */

/* A user as the root's /etc/passwd and /etc/group describe it (files only, not NSS). */
struct vfc_check_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t gids[64];			/* every group it is in, primary included */
	size_t ngids;
	char **groups;			/* their names, NULL-terminated */
};
/* -ENOENT when name is not in /etc/passwd. */
int vfc_check_user_read(const struct vfc_ctx *ctx, const char *name, struct vfc_check_user *u);
void vfc_check_user_free(struct vfc_check_user *u);

struct vfc_check_opts {
	/* --user: judge its RLIMIT_MEMLOCK from limits.conf and its access to group nodes */
	const struct vfc_check_user *user;
	/* modules.alias's vfio_pci: lines: the "vfio-driver" item (NULL: not read) */
	const struct vfc_variants *variants;
};

/* Host items. Problems are items, not return codes (0 or -ENOMEM). */
int vfc_check_host(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		   const struct vfc_iommu_state *st, const struct vfc_check_opts *o,
		   struct vfc_check_report *r);
/* Items of one device (a target or a member of a target group). */
int vfc_check_device(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		     const struct vfc_iommu_state *st, const struct vfc_check_opts *o,
		     const struct vfc_device *d, struct vfc_check_report *r);

/* ACS as Linux wants it on a port: the control bits SV RR CR UF that the capability offers. */
bool vfc_acs_enabled(const struct vfc_cfginfo *c);

#endif
