/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * THE ioctl layer: every VFIO and iommufd ioctl vfioctl issues goes through here.
 * Functions return 0 or -errno; on failure they fill a struct vfc_err naming the object
 * and the operation, so commands print "vfioctl: /dev/vfio/12: VFIO_GROUP_SET_CONTAINER: ...".
 */
#ifndef VFC_VFIO_H
#define VFC_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/iova.h"
#include "core/sysroot.h"
#include "core/uapi-compat.h"

struct vfc_err {
	char subject[96];	/* the object: /dev/vfio/12, 0000:01:00.0, /dev/iommu */
	char what[480];		/* what failed: "VFIO_IOMMU_MAP_DMA 64 MiB at 0x100000" (or why) */
};

/* ioctl(2) as every call below makes it; a weak symbol a unit test may replace. */
int vfc_sys_ioctl(int fd, unsigned long req, void *arg);

void vfc_err_set(struct vfc_err *e, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- legacy container + group ---- */

struct vfc_container {
	int fd;
	int api_version;
	bool type1, type1v2, unmap_all, spapr, spapr2, noiommu, update_vaddr;
	int iommu_type;		/* set by vfc_container_set_iommu; 0 before */
};

int vfc_container_open(const struct vfc_ctx *ctx, struct vfc_container *c, struct vfc_err *e);
void vfc_container_close(struct vfc_container *c);

struct vfc_vgroup {
	int fd;
	int id;
	bool noiommu;
	bool viable;
	bool attached;
};

/* Opens /dev/vfio/N (or noiommu-N); -EBUSY when another process has it open. */
int vfc_vgroup_open(const struct vfc_ctx *ctx, int id, bool noiommu, struct vfc_vgroup *g,
		    struct vfc_err *e);
int vfc_vgroup_set_container(struct vfc_vgroup *g, struct vfc_container *c, struct vfc_err *e);
int vfc_vgroup_unset_container(struct vfc_vgroup *g, struct vfc_err *e);
void vfc_vgroup_close(struct vfc_vgroup *g);
/* The device's fd; vf_token (16 bytes, or NULL): name it "BDF vf_token=UUID" (core/vftoken.h). */
int vfc_vgroup_device_fd(struct vfc_vgroup *g, const char *bdf, const uint8_t *vf_token,
			 struct vfc_err *e);

int vfc_container_set_iommu(struct vfc_container *c, int type, struct vfc_err *e);

/* ---- type1 info ---- */

struct vfc_type1_info {
	bool has_pgsizes;
	uint64_t pgsizes;
	struct vfc_range *ranges;	/* NULL when the kernel reports none (old kernels) */
	size_t nranges;
	bool has_dma_avail;
	uint32_t dma_avail;
	bool has_migration;
	uint64_t mig_pgsizes;
	uint64_t mig_max_dirty_bitmap;
};

/* GET_INFO with the capability chain; grows argsz as the kernel asks. */
int vfc_type1_info(struct vfc_container *c, struct vfc_type1_info *info, struct vfc_err *e);
void vfc_type1_info_free(struct vfc_type1_info *info);
int vfc_type1_map(struct vfc_container *c, void *vaddr, uint64_t iova, uint64_t size,
		  bool writable, struct vfc_err *e);
/* *unmapped: bytes the kernel unmapped. */
int vfc_type1_unmap(struct vfc_container *c, uint64_t iova, uint64_t size, uint64_t *unmapped,
		    struct vfc_err *e);
int vfc_type1_unmap_all(struct vfc_container *c, uint64_t *unmapped, struct vfc_err *e);

/* ---- SPAPR TCE (POWER) ---- */

struct vfc_spapr_info {
	uint64_t dma32_start;		/* the default 32-bit window */
	uint64_t dma32_size;
	bool ddw;			/* dynamic DMA windows (v2 platforms) */
	uint64_t ddw_pgsizes;
	uint32_t ddw_max_windows;
	uint32_t ddw_levels;
};

int vfc_spapr_info(struct vfc_container *c, struct vfc_spapr_info *info, struct vfc_err *e);
/* v1: account and enable the default window (ENOTTY on v2). */
int vfc_spapr_enable(struct vfc_container *c, bool enable, struct vfc_err *e);
/* v2: preregister (pin) memory before mapping it; unregister after unmapping. */
int vfc_spapr_register(struct vfc_container *c, void *vaddr, uint64_t size, bool reg,
		       struct vfc_err *e);
/* v2: create a window; the kernel chooses *start. */
int vfc_spapr_create(struct vfc_container *c, unsigned page_shift, uint64_t size,
		     unsigned levels, uint64_t *start, struct vfc_err *e);
int vfc_spapr_remove(struct vfc_container *c, uint64_t start, struct vfc_err *e);

/* ---- iommufd + vfio cdev ---- */

int vfc_iommufd_open(const struct vfc_ctx *ctx, int *fd, struct vfc_err *e);
/* Find vfioX under the device's vfio-dev/, open /dev/vfio/devices/vfioX, check dev_t. */
int vfc_cdev_open(const struct vfc_ctx *ctx, const char *bdf, int *fd, char *node, size_t nodelen,
		  struct vfc_err *e);
/* vf_token (16 bytes, or NULL): VFIO_DEVICE_BIND_FLAG_TOKEN (Linux 6.17+; older: EINVAL). */
int vfc_cdev_bind(int devfd, int iommufd, uint32_t *devid, const char *bdf,
		  const uint8_t *vf_token, struct vfc_err *e);
int vfc_cdev_attach(int devfd, uint32_t pt_id, const char *bdf, struct vfc_err *e);
int vfc_cdev_detach(int devfd, const char *bdf, struct vfc_err *e);
int vfc_ioas_alloc(int iommufd, uint32_t *ioas, struct vfc_err *e);
int vfc_ioas_ranges(int iommufd, uint32_t ioas, struct vfc_range **ranges, size_t *n,
		    uint64_t *alignment, struct vfc_err *e);
int vfc_ioas_allow(int iommufd, uint32_t ioas, const struct vfc_range *r, size_t n,
		   struct vfc_err *e);
int vfc_ioas_map(int iommufd, uint32_t ioas, void *vaddr, uint64_t len, bool fixed,
		 uint64_t *iova, bool writable, struct vfc_err *e);
int vfc_ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova, uint64_t len, uint64_t *unmapped,
		   struct vfc_err *e);
/*
 * IOMMU_OPTION_RLIMIT_MODE: pinned pages charged to this process (1) or to its user (0, the
 * kernel's default). Needs CAP_SYS_RESOURCE and an iommufd that holds no object yet.
 */
int vfc_iommufd_rlimit_mode(int iommufd, bool per_process, struct vfc_err *e);
int vfc_iommufd_destroy(int iommufd, uint32_t id, struct vfc_err *e);

/* ---- devices ---- */

struct vfc_devinfo {
	uint32_t flags;		/* VFIO_DEVICE_FLAGS_* */
	uint32_t num_regions;
	uint32_t num_irqs;
};
int vfc_device_info(int devfd, const char *bdf, struct vfc_devinfo *info, struct vfc_err *e);
int vfc_device_region(int devfd, const char *bdf, uint32_t index, uint64_t *size,
		      uint64_t *offset, uint32_t *flags, struct vfc_err *e);
int vfc_device_reset(int devfd, const char *bdf, struct vfc_err *e);
/* VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN on a PF on vfio-pci: its VFs open only with it. */
int vfc_device_set_vf_token(int devfd, const char *bdf, const uint8_t vf_token[16],
			    struct vfc_err *e);

/* ---- what the running kernel offers ---- */

enum vfc_backend {
	VFC_BACKEND_AUTO = 0,
	VFC_BACKEND_TYPE1,
	VFC_BACKEND_TYPE1V2,
	VFC_BACKEND_IOMMUFD,
	VFC_BACKEND_SPAPR,
	VFC_BACKEND_SPAPR2,
	VFC_BACKEND_NOIOMMU,
	VFC_BACKEND_COUNT,
};
const char *vfc_backend_name(enum vfc_backend b);
int vfc_backend_parse(const char *s, enum vfc_backend *b);
/*
 * Bitmask (1 << backend) of what this kernel offers: container extensions from
 * /dev/vfio/vfio, iommufd when /dev/iommu exists and (bdf != NULL) the device has a
 * vfio cdev. -errno when /dev/vfio/vfio cannot be opened and no iommufd exists.
 */
int vfc_backends_probe(const struct vfc_ctx *ctx, const char *bdf, unsigned *mask);

/* ---- reset (PCI hot reset; src/core/reset.c plans around these) ---- */

/* One device a bus/slot reset touches, as GET_PCI_HOT_RESET_INFO reports it. */
struct vfc_hot_reset_dep {
	uint32_t id;		/* group id, or (dev_id form) devid / VFIO_PCI_DEVID_OWNED / _NOT_OWNED */
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
};

struct vfc_hot_reset_info {
	uint32_t flags;		/* VFIO_PCI_HOT_RESET_FLAG_DEV_ID, _DEV_ID_OWNED */
	uint32_t count;
	struct vfc_hot_reset_dep *devs;
};

/*
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, two calls: the first with no room returns ENOSPC and
 * the count. -ENODEV: the device has no bus or slot reset (on a root bus).
 */
int vfc_device_hot_reset_info(int devfd, const char *bdf, struct vfc_hot_reset_info *info,
			      struct vfc_err *e);
void vfc_hot_reset_info_free(struct vfc_hot_reset_info *info);
/*
 * VFIO_DEVICE_PCI_HOT_RESET. Legacy: an fd for every group the reset touches. iommufd (cdev):
 * n == 0, the zero-length array meaning "every affected device is owned by my iommufd".
 */
int vfc_device_hot_reset(int devfd, const char *bdf, const int *group_fds, size_t n,
			 struct vfc_err *e);

#endif
