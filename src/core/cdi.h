/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CDI (Container Device Interface) specs for the devices bound to a vfio driver, so that a
 * node's container runtime (podman --device, containerd/CRI-O with CDI, a Kubernetes DRA
 * driver or device plugin) hands out what vfioctl bound. The spec is a model first (built
 * from a topology snapshot: pure, unit tested), then JSON through the one writer (out/json.c).
 *
 * The spec vfioctl owns is ROOT/var/run/cdi/vfioctl.json. Once `vfioctl cdi` wrote it, a
 * state file (ROOT/run/vfioctl/cdi: the kind and backend it was asked for) makes every change
 * of the bindings regenerate it (vfc_cdi_refresh), and `check` compares it with the bindings
 * (vfc_cdi_check). Never prints.
 */
#ifndef VFC_CDI_H
#define VFC_CDI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/sysroot.h"
#include "core/topology.h"

/*
 * 0.5.0: the oldest version whose device names may begin with a digit (a PCI address does);
 * also the newest the CDI library in Debian 12's podman 4.3 knows, and every later runtime
 * loads older versions. Nothing here needs a later one (no annotations, no intelRdt).
 */
#define VFC_CDI_VERSION "0.5.0"
#define VFC_CDI_KIND "vfioctl.io/pci"
#define VFC_CDI_SPEC_PATH "/var/run/cdi/vfioctl.json"
#define VFC_CDI_STATE_PATH "/run/vfioctl/cdi"

enum vfc_cdi_backend { VFC_CDI_AUTO, VFC_CDI_LEGACY, VFC_CDI_IOMMUFD };
const char *vfc_cdi_backend_name(enum vfc_cdi_backend b);
int vfc_cdi_backend_parse(const char *s, enum vfc_cdi_backend *b);	/* 0 or -EINVAL */

/* A kind as CDI wants it: "vendor.tld/class" (DNS subdomain / name). NULL ok, else why not. */
const char *vfc_cdi_kind_check(const char *kind);

struct vfc_cdi_node {
	char path[64];			/* /dev/vfio/12, /dev/vfio/devices/vfio0, /dev/iommu */
	int64_t major, minor;		/* -1: unknown (the runtime then reads the host node) */
	int64_t uid, gid, mode;		/* the node's owner and permission bits; -1 unknown */
};

struct vfc_cdi_device {
	char name[VFC_BDF_LEN + 8];	/* "0000:01:00.0" or "group-12" */
	int group;
	bool iommufd;			/* nodes are /dev/iommu + cdevs, else the legacy pair */
	struct vfc_cdi_node *nodes;
	size_t nnodes;
};

/* Why a device or group is left out (the command turns it into bind's exit codes). */
enum vfc_cdi_why {
	VFC_CDI_HELD,			/* another process has the group or the cdev open */
	VFC_CDI_NOT_VIABLE,		/* a member is on a host driver */
	VFC_CDI_NOT_VFIO,		/* the target is not bound to a vfio driver */
	VFC_CDI_NOIOMMU,		/* no-IOMMU group: no isolation to hand out */
	VFC_CDI_NO_NODE,		/* the node it needs does not exist */
	VFC_CDI_NO_GROUP,		/* the device has no IOMMU group */
};

struct vfc_cdi_refusal {
	char subject[VFC_BDF_LEN + 8];	/* BDF */
	enum vfc_cdi_why why;
	char reason[400];
};

struct vfc_cdi_spec {
	char kind[256];
	struct vfc_cdi_device *devs;	/* devices by address, then groups by number */
	size_t ndevs;
	struct vfc_cdi_refusal *refused;
	size_t nrefused;
	bool fell_back;			/* iommufd asked for, legacy nodes given (no vfio cdev) */
};

enum vfc_cdi_flags {
	/* Holders never refuse (the test suite's VFIOCTL_TEST_IGNORE_HOLDERS). */
	VFC_CDI_KEEP_HELD = 1 << 0,
};

/*
 * Build the spec for targets (n of them; n == 0: every PCI device bound to a vfio driver) from
 * t (scanned with holders). A device whose group another process holds is refused unless its
 * name is in keep (NULL-terminated, may be NULL): the owned spec listed it before, and its
 * holder is most likely the container it was handed to. Node numbers come from sysfs `dev`
 * attributes (or the node's own st_rdev), owners from the nodes under ROOT/dev. Returns 0 or
 * -errno; refusals are in the spec.
 */
int vfc_cdi_build(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		  struct vfc_device *const *targets, size_t n, const char *kind,
		  enum vfc_cdi_backend backend, unsigned flags, char *const *keep,
		  struct vfc_cdi_spec *out);
void vfc_cdi_spec_free(struct vfc_cdi_spec *s);

/* The spec as CDI JSON (pretty, as the files are written). 0 or -errno. */
int vfc_cdi_write_json(const struct vfc_cdi_spec *s, FILE *f);

/*
 * Write the spec to path (NULL: the owned spec under ROOT) atomically: temp file in the same
 * directory, fsync, rename. Directories are created. A spec without devices is not valid CDI:
 * the file is removed instead. *changed (may be NULL): the file's bytes changed. 0 or -errno.
 */
int vfc_cdi_save(const struct vfc_ctx *ctx, const char *path, const struct vfc_cdi_spec *s,
		 bool *changed);

/* What `vfioctl cdi` asked for the owned spec, and the devices it lists now. */
struct vfc_cdi_state {
	char kind[256];
	enum vfc_cdi_backend backend;
	char **devices;			/* NULL-terminated names (the keep list of a rebuild) */
};

/* Record the state of the owned spec s (written with kind and backend). 0 or -errno. */
int vfc_cdi_state_save(const struct vfc_ctx *ctx, const struct vfc_cdi_spec *s,
		       enum vfc_cdi_backend b);
/* 1 and the state when `vfioctl cdi` owns a spec under ROOT, 0 when not, or -errno. */
int vfc_cdi_state_read(const struct vfc_ctx *ctx, struct vfc_cdi_state *st);
void vfc_cdi_state_free(struct vfc_cdi_state *st);

/*
 * After bindings changed: regenerate the owned spec if `vfioctl cdi` made one (else nothing).
 * Devices no longer bound go, newly bound ones come; held devices it listed stay. 0 or -errno.
 */
int vfc_cdi_refresh(const struct vfc_ctx *ctx);

struct vfc_check_report;
/* The `cdi-spec` check item: does the owned spec on disk match the bindings? 0 or -ENOMEM. */
int vfc_cdi_check(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		  struct vfc_check_report *r);

#endif
