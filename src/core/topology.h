/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One immutable snapshot of PCI devices and IOMMU groups, read from sysfs through the
 * root context. Sorted (devices by address, groups by number) whatever readdir says.
 */
#ifndef VFC_TOPOLOGY_H
#define VFC_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/pciaddr.h"
#include "core/pcicfg.h"
#include "core/sysroot.h"
#include "core/util.h"

#define VFC_NO_GROUP (-1)

struct vfc_device {
	char name[VFC_BDF_LEN + 40];	/* sysfs name: the BDF for PCI devices */
	bool is_pci;
	struct vfc_pciaddr addr;
	int group;			/* VFC_NO_GROUP when the device has none */

	/* ids: -1 when the attribute is missing or unreadable */
	int32_t vendor, device, subsys_vendor, subsys_device;
	int64_t class_code;		/* 24 bits; -1 unknown */
	char *driver;			/* NULL: no driver */
	char *driver_override;		/* NULL: unset ("(null)") or missing */
	bool has_reset_attr;		/* kernel >= 5.15 exposes reset_method */
	char **reset_methods;		/* NULL-terminated; empty when none */
	int64_t numa_node;		/* -1: none */
	bool is_bridge;			/* PCI-to-PCI or CardBus bridge */
	bool is_host_bridge;		/* class 0600 */
	char physfn[VFC_BDF_LEN];	/* "" unless an SR-IOV VF */
	int32_t sriov_totalvfs, sriov_numvfs;	/* -1 unless a PF */
	char parent[VFC_BDF_LEN];	/* upstream PCI device (bridge) or "" at a root bus */
	struct vfc_cfginfo cfg;
	size_t cfg_len;			/* bytes of config space readable (64 unprivileged) */
	char *vendor_name, *device_name;	/* filled by vfc_names_fill; NULL unknown */
};

struct vfc_holder {
	pid_t pid;
	char comm[64];
	char path[128];			/* /dev/vfio/12, /dev/vfio/devices/vfio0 */
};

struct vfc_blocker {
	struct vfc_device *dev;
	char reason[160];		/* "bound to host driver snd_hda_intel" */
	char fix[320];			/* "bind it to vfio-pci or unbind it" */
};

struct vfc_group {
	int id;
	char *type;			/* DMA, DMA-FQ, identity, blocked, unknown; NULL missing */
	struct vfc_device **devs;	/* sorted; points into the topology's device array */
	size_t ndevs;
	struct vfc_resv *resv;
	size_t nresv;
	int resv_bad_lines;		/* lines of reserved_regions that did not parse */
	bool viable;
	struct vfc_blocker *blockers;
	size_t nblockers;
	struct vfc_holder *holders;
	size_t nholders;
	bool noiommu;			/* /dev/vfio/noiommu-N */
};

struct vfc_topology {
	const struct vfc_ctx *ctx;	/* the root it was read from */
	struct vfc_device **devs;	/* every device: PCI sorted by address, then others by name */
	size_t ndevs;
	struct vfc_group *groups;	/* sorted by id */
	size_t ngroups;
	bool groups_dir;		/* /sys/kernel/iommu_groups exists */
	bool holders_complete;		/* false when some /proc/PID/fd could not be read */
	int nbad_groups;		/* group dirs whose names are not numbers */
};

enum vfc_scan_flags {
	VFC_SCAN_HOLDERS = 1 << 0,	/* scan /proc for processes holding groups/devices */
	/*
	 * Identity only, for a listing that shows nothing else (`list` with its default
	 * columns): per device vendor, device, class, driver and iommu_group; per group its
	 * type and members, viability and noiommu. Not read, so left unknown: config space
	 * (cfg, cfg_len; is_bridge then comes from the class alone), subsystem ids,
	 * driver_override, numa_node, reset_method, physfn, SR-IOV counts, parent, reserved
	 * regions. A third of the files of a full scan. Never for a decision (bind, reset,
	 * check, show): they need the full snapshot.
	 */
	VFC_SCAN_BASIC = 1 << 1,
	/*
	 * No reserved_regions (every group's resv left empty): for a listing that does not show
	 * them (`list --devices`), three syscalls a group.
	 */
	VFC_SCAN_NO_RESV = 1 << 2,
};

int vfc_topology_scan(const struct vfc_ctx *ctx, unsigned flags, struct vfc_topology **out);

/*
 * Config-space facts from the `config` file in device directory dfd; *len: bytes readable
 * (64 unprivileged). sparse: read only the bytes the parse looks at (vfc_cfg_parse_fetch),
 * for sysfs, where each dword is a config cycle; otherwise the whole file in one read. Both
 * give the same facts and length. Returns 0 or -errno (then facts unknown, *len 0).
 */
int vfc_config_read_at(int dfd, bool sparse, struct vfc_cfginfo *ci, size_t *len);
void vfc_topology_free(struct vfc_topology *t);
struct vfc_device *vfc_topology_device(const struct vfc_topology *t, const struct vfc_pciaddr *a);
struct vfc_group *vfc_topology_group(const struct vfc_topology *t, int id);

/* Viability by the kernel's rule; fills viable + blockers. (viability.c) */
int vfc_group_eval(struct vfc_group *g);
/* Does this driver leave DMA to vfio (vfio variants) or manage none (pci-stub, pcieport)? */
bool vfc_driver_dma_safe(const char *driver);
bool vfc_driver_is_vfio(const char *driver);
/*
 * "The kernel would accept it" (viable) is not "it makes sense to assign it": a bridge, a host
 * bridge, an ISA/LPC bridge or an IOMMU is never given to a guest. vfc_device_assignable says
 * whether d is a device one passes through; *what names what it is otherwise ("a host
 * bridge"). vfc_group_assignable: the group holds such a device and nothing that must stay
 * with the host (a host bridge, an LPC bridge, an IOMMU); *keeper, when not NULL, is set to
 * that member.
 */
bool vfc_device_assignable(const struct vfc_device *d, const char **what);
bool vfc_group_assignable(const struct vfc_group *g, const struct vfc_device **keeper);

/*
 * Where isolation stops at d, so that the devices below or beside it share a group: a root or
 * downstream port without ACS (everything below can reach its peers), a PCIe-to-PCI bridge
 * (the devices behind it use its requester ID: they alias), a function of a multifunction
 * device without ACS (functions may reach each other). Known facts only: an unreadable
 * config space (unprivileged) marks nothing. (viability.c)
 */
enum {
	VFC_STOP_NO_ACS = 1 << 0,
	VFC_STOP_PCI_BRIDGE = 1 << 1,
	VFC_STOP_MULTIFUNCTION = 1 << 2,
};
unsigned vfc_isolation_stops(const struct vfc_topology *t, const struct vfc_device *d);

/* Holders: who has /dev/vfio/N or a vfio cdev open. (holders.c) */
int vfc_holders_scan(const struct vfc_ctx *ctx, struct vfc_topology *t);



/*
 * Devices a target names: a BDF (one), vendor:device (all matching), a group (its members),
 * PF/vfs (the VFs the PF has now; -ENODEV when it has none).
 * *out is allocated (free it); returns 0 or -ENODEV when nothing matches.
 */
int vfc_topology_resolve(const struct vfc_topology *t, const struct vfc_target *tg,
			 struct vfc_device ***out, size_t *n);
#endif
