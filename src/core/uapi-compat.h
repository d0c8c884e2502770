/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel uAPI that Debian 12's linux-libc-dev (6.1) lacks: iommufd (6.2+) and the vfio
 * device cdev (6.6+). Written from the kernel's uAPI documentation; each block is used only
 * when the system header does not already define it. The values are ABI and never change:
 * uapi-abi.h asserts every size, offset and number at compile time, whichever header gave them.
 */
#ifndef VFC_UAPI_COMPAT_H
#define VFC_UAPI_COMPAT_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#ifndef IOMMUFD_TYPE
#define IOMMUFD_TYPE (';')

/* ioctl numbers: _IO(';', 0x80 + n); the argument's first u32 is its size. */
#define IOMMU_DESTROY		_IO(IOMMUFD_TYPE, 0x80)
#define IOMMU_IOAS_ALLOC	_IO(IOMMUFD_TYPE, 0x81)
#define IOMMU_IOAS_ALLOW_IOVAS	_IO(IOMMUFD_TYPE, 0x82)
#define IOMMU_IOAS_COPY		_IO(IOMMUFD_TYPE, 0x83)
#define IOMMU_IOAS_IOVA_RANGES	_IO(IOMMUFD_TYPE, 0x84)
#define IOMMU_IOAS_MAP		_IO(IOMMUFD_TYPE, 0x85)
#define IOMMU_IOAS_UNMAP	_IO(IOMMUFD_TYPE, 0x86)
#define IOMMU_OPTION		_IO(IOMMUFD_TYPE, 0x87)

struct iommu_destroy {
	__u32 size;
	__u32 id;
};

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;		/* inclusive */
};

/* Two-call pattern: too small a num_iovas -> EMSGSIZE with the count filled in. */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;	/* user pointer to struct iommu_iova_range[] */
	__aligned_u64 out_iova_alignment;
};

struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

#define IOMMU_IOAS_MAP_FIXED_IOVA	(1u << 0)
#define IOMMU_IOAS_MAP_WRITEABLE	(1u << 1)
#define IOMMU_IOAS_MAP_READABLE		(1u << 2)

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;		/* in with FIXED_IOVA, else out */
};

/* iova 0 + length UINT64_MAX unmaps everything. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;		/* out: bytes unmapped */
};

#define IOMMU_OPTION_RLIMIT_MODE	0	/* object_id 0; val64 0 per user (default), 1 per process */
#define IOMMU_OPTION_HUGE_PAGES		1
#define IOMMU_OPTION_OP_SET		0
#define IOMMU_OPTION_OP_GET		1

struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#endif /* IOMMUFD_TYPE */

#ifndef VFIO_DEVICE_BIND_IOMMUFD
/* vfio device cdev (/dev/vfio/devices/vfioX) with iommufd, Linux 6.6+. */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;			/* in: IOAS or HWPT id; out: the HWPT actually used */
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

#ifndef VFIO_DEVICE_BIND_FLAG_TOKEN
/* Linux 6.17: a VF token on the cdev bind (the group path names it after the BDF). */
#define VFIO_DEVICE_BIND_FLAG_TOKEN	(1u << 0)
#endif
/* vfio_device_bind_iommufd with 6.17's token_uuid_ptr, whichever header is older. */
struct vfc_bind_iommufd_token {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
	__aligned_u64 token_uuid_ptr;	/* with FLAG_TOKEN: 16 bytes, as PCI_VF_TOKEN takes */
};

#ifndef VFIO_PCI_HOT_RESET_FLAG_DEV_ID
/* GET_PCI_HOT_RESET_INFO on a cdev-opened device reports device ids, not groups. */
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID		(1u << 0)
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED	(1u << 1)
#define VFIO_PCI_DEVID_OWNED			0
#define VFIO_PCI_DEVID_NOT_OWNED		(-1)
#endif

#ifndef VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3
struct vfio_iommu_type1_info_dma_avail {
	struct vfio_info_cap_header header;
	__u32 avail;
};
#endif

#include "core/uapi-abi.h"

#endif
