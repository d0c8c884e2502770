/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compile-time ABI check of every kernel uAPI struct and ioctl number vfioctl uses, whether it
 * comes from the system's <linux/vfio.h> or from uapi-compat.h. The numbers are those of the
 * kernel's include/uapi/linux/vfio.h and iommufd.h (Linux 6.12); they are ABI and never change,
 * so a wrong compat block, or a system header with another layout, fails the build here.
 * Checked against a newer kernel's own headers with:
 *   gcc -fsyntax-only -D_GNU_SOURCE -isystem KDIR/include/uapi -Isrc -include linux/iommufd.h \
 *       -x c src/core/uapi-compat.h
 * (KDIR: Debian's linux-headers-6.12*-common, /usr/src/linux-headers-*-common).
 */
#ifndef VFC_UAPI_ABI_H
#define VFC_UAPI_ABI_H

#include <stddef.h>

#define VFC_ABI_SIZE(type, n) _Static_assert(sizeof(struct type) == (n), "sizeof " #type)
#define VFC_ABI_OFF(type, field, n) \
	_Static_assert(offsetof(struct type, field) == (n), #type "." #field)
#define VFC_ABI_NR(name, n) _Static_assert((name) == (n), #name)
/* ioctl numbers: _IO(';', nr) (type 0x3b); the encoding of _IO itself is the architecture's */
#define VFC_ABI_IO(name, nr) _Static_assert((name) == _IO(';', (nr)), #name)

/*
 * The tables below are rows of these (one assert per name or field, as above; a row with a
 * missing or extra argument does not expand, so it fails the build too):
 *   VFC_ABI_SEQ(M, n, A, B, C)            M(A, n); M(B, n + 1); M(C, n + 2)   (up to 6 names;
 *                                         M is VFC_ABI_IOS or VFC_ABI_NRS)
 *   VFC_ABI_STRUCT(type, size, f, o, ...) sizeof and each field's offset      (up to 4 fields)
 */
#define VFC_ABI_CAT_(a, b) a##b
#define VFC_ABI_CAT(a, b) VFC_ABI_CAT_(a, b)
#define VFC_ABI_N_(_1, _2, _3, _4, _5, _6, _7, _8, n, ...) n
#define VFC_ABI_N(...) VFC_ABI_N_(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
/* the names as written (arguments passed on are expanded): the row's names, in order from n */
#define VFC_ABI_SEQ(M, n, ...) \
	VFC_ABI_CAT(VFC_ABI_S, VFC_ABI_N(__VA_ARGS__))(M, n, #__VA_ARGS__ " from " #n, __VA_ARGS__)
#define VFC_ABI_S1(M, n, s, a) M(a, n, s)
#define VFC_ABI_S2(M, n, s, a, ...) M(a, n, s); VFC_ABI_S1(M, (n) + 1, s, __VA_ARGS__)
#define VFC_ABI_S3(M, n, s, a, ...) M(a, n, s); VFC_ABI_S2(M, (n) + 1, s, __VA_ARGS__)
#define VFC_ABI_S4(M, n, s, a, ...) M(a, n, s); VFC_ABI_S3(M, (n) + 1, s, __VA_ARGS__)
#define VFC_ABI_S5(M, n, s, a, ...) M(a, n, s); VFC_ABI_S4(M, (n) + 1, s, __VA_ARGS__)
#define VFC_ABI_S6(M, n, s, a, ...) M(a, n, s); VFC_ABI_S5(M, (n) + 1, s, __VA_ARGS__)
#define VFC_ABI_IOS(name, nr, s) _Static_assert((name) == _IO(';', (nr)), s)
#define VFC_ABI_NRS(name, n, s) _Static_assert((name) == (n), s)
#define VFC_ABI_STRUCT(type, size, ...) \
	VFC_ABI_SIZE(type, size); VFC_ABI_CAT(VFC_ABI_F, VFC_ABI_N(__VA_ARGS__))(type, __VA_ARGS__)
#define VFC_ABI_F2(t, f, o) VFC_ABI_OFF(t, f, o)
#define VFC_ABI_F4(t, f, o, ...) VFC_ABI_OFF(t, f, o); VFC_ABI_F2(t, __VA_ARGS__)
#define VFC_ABI_F6(t, f, o, ...) VFC_ABI_OFF(t, f, o); VFC_ABI_F4(t, __VA_ARGS__)
#define VFC_ABI_F8(t, f, o, ...) VFC_ABI_OFF(t, f, o); VFC_ABI_F6(t, __VA_ARGS__)

/* ---- vfio: ioctl numbers, _IO(';', 100 + n): nr 0x64 + n ---- */
VFC_ABI_SEQ(VFC_ABI_IOS, 0x64, VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x67, VFIO_GROUP_GET_STATUS, VFIO_GROUP_SET_CONTAINER,
	    VFIO_GROUP_UNSET_CONTAINER, VFIO_GROUP_GET_DEVICE_FD);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x6b, VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x6f, VFIO_DEVICE_RESET, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
	    VFIO_DEVICE_PCI_HOT_RESET);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x70, VFIO_IOMMU_GET_INFO, VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA,
	    VFIO_IOMMU_ENABLE, VFIO_IOMMU_DISABLE);
VFC_ABI_IO(VFIO_IOMMU_SPAPR_TCE_GET_INFO, 0x70);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x75, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
	    VFIO_IOMMU_SPAPR_TCE_CREATE, VFIO_IOMMU_SPAPR_TCE_REMOVE);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x76, VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
	    VFIO_DEVICE_DETACH_IOMMUFD_PT);

/* ---- vfio: constants ---- */
VFC_ABI_NR(VFIO_API_VERSION, 0);
VFC_ABI_SEQ(VFC_ABI_NRS, 1, VFIO_TYPE1_IOMMU, VFIO_SPAPR_TCE_IOMMU, VFIO_TYPE1v2_IOMMU);
VFC_ABI_SEQ(VFC_ABI_NRS, 7, VFIO_SPAPR_TCE_v2_IOMMU, VFIO_NOIOMMU_IOMMU, VFIO_UNMAP_ALL,
	    VFIO_UPDATE_VADDR);
VFC_ABI_SEQ(VFC_ABI_NRS, 1, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
	    VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
VFC_ABI_SEQ(VFC_ABI_NRS, 1, VFIO_PCI_HOT_RESET_FLAG_DEV_ID, VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
VFC_ABI_SEQ(VFC_ABI_NRS, -1, VFIO_PCI_DEVID_NOT_OWNED, VFIO_PCI_DEVID_OWNED);

/* ---- vfio: structs ---- */
VFC_ABI_STRUCT(vfio_info_cap_header, 8, next, 4);
VFC_ABI_SIZE(vfio_group_status, 8);
/* 6.1 ends at cap_offset (20 bytes), newer headers add a pad (24): argsz tells the kernel */
_Static_assert(sizeof(struct vfio_device_info) == 20 || sizeof(struct vfio_device_info) == 24,
	       "sizeof vfio_device_info");
VFC_ABI_F6(vfio_device_info, cap_offset, 16, num_regions, 8, num_irqs, 12);
VFC_ABI_STRUCT(vfio_region_info, 32, size, 16, offset, 24);
VFC_ABI_STRUCT(vfio_iommu_type1_info, 24, iova_pgsizes, 8, cap_offset, 16);
VFC_ABI_SIZE(vfio_iova_range, 16);
VFC_ABI_STRUCT(vfio_iommu_type1_info_cap_iova_range, 16, nr_iovas, 8, iova_ranges, 16);
VFC_ABI_STRUCT(vfio_iommu_type1_info_cap_migration, 32, pgsize_bitmap, 16,
	       max_dirty_bitmap_size, 24);
VFC_ABI_STRUCT(vfio_iommu_type1_info_dma_avail, 12, avail, 8);
VFC_ABI_STRUCT(vfio_iommu_type1_dma_map, 32, vaddr, 8, iova, 16, size, 24);
VFC_ABI_STRUCT(vfio_iommu_type1_dma_unmap, 24, iova, 8, size, 16);
VFC_ABI_SIZE(vfio_iommu_spapr_tce_ddw_info, 16);
VFC_ABI_STRUCT(vfio_iommu_spapr_tce_info, 32, dma32_window_start, 8, dma32_window_size, 12,
	       ddw, 16);
VFC_ABI_STRUCT(vfio_iommu_spapr_register_memory, 24, vaddr, 8, size, 16);
VFC_ABI_STRUCT(vfio_iommu_spapr_tce_create, 40, page_shift, 8, window_size, 16, levels, 24,
	       start_addr, 32);
VFC_ABI_STRUCT(vfio_iommu_spapr_tce_remove, 16, start_addr, 8);
VFC_ABI_STRUCT(vfio_pci_dependent_device, 8, segment, 4, bus, 6, devfn, 7);
VFC_ABI_STRUCT(vfio_pci_hot_reset_info, 12, devices, 12);
VFC_ABI_STRUCT(vfio_pci_hot_reset, 12, group_fds, 12);
/* 16 bytes to Linux 6.16; 6.17 appends token_uuid_ptr (24): either header is right */
VFC_ABI_OFF(vfio_device_bind_iommufd, iommufd, 8);
VFC_ABI_OFF(vfio_device_bind_iommufd, out_devid, 12);
_Static_assert(sizeof(struct vfio_device_bind_iommufd) == 16 ||
	       sizeof(struct vfio_device_bind_iommufd) == 24, "sizeof vfio_device_bind_iommufd");
VFC_ABI_STRUCT(vfc_bind_iommufd_token, 24, iommufd, 8, out_devid, 12, token_uuid_ptr, 16);
VFC_ABI_NR(VFIO_DEVICE_BIND_FLAG_TOKEN, 1);
VFC_ABI_NR(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, 0);
VFC_ABI_NR(VFIO_DEVICE_FEATURE_SET, 1 << 17);
VFC_ABI_IO(VFIO_DEVICE_FEATURE, 100 + 17);
VFC_ABI_SIZE(vfio_device_feature, 8);
VFC_ABI_STRUCT(vfio_device_attach_iommufd_pt, 12, pt_id, 8);
VFC_ABI_SIZE(vfio_device_detach_iommufd_pt, 8);

/* ---- iommufd: ioctl numbers, _IO(';', 0x80 + n), and constants ---- */
VFC_ABI_NR(IOMMUFD_TYPE, ';');
VFC_ABI_SEQ(VFC_ABI_IOS, 0x80, IOMMU_DESTROY, IOMMU_IOAS_ALLOC, IOMMU_IOAS_ALLOW_IOVAS,
	    IOMMU_IOAS_COPY, IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_MAP);
VFC_ABI_SEQ(VFC_ABI_IOS, 0x86, IOMMU_IOAS_UNMAP, IOMMU_OPTION);
VFC_ABI_SEQ(VFC_ABI_NRS, 1, IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_WRITEABLE);
VFC_ABI_NR(IOMMU_IOAS_MAP_READABLE, 4);
VFC_ABI_SEQ(VFC_ABI_NRS, 0, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_HUGE_PAGES);
VFC_ABI_SEQ(VFC_ABI_NRS, 0, IOMMU_OPTION_OP_SET, IOMMU_OPTION_OP_GET);

/* ---- iommufd: structs ---- */
VFC_ABI_STRUCT(iommu_destroy, 8, id, 4);
VFC_ABI_STRUCT(iommu_ioas_alloc, 12, out_ioas_id, 8);
VFC_ABI_STRUCT(iommu_iova_range, 16, last, 8);
VFC_ABI_STRUCT(iommu_ioas_iova_ranges, 32, num_iovas, 8, allowed_iovas, 16,
	       out_iova_alignment, 24);
VFC_ABI_STRUCT(iommu_ioas_allow_iovas, 24, num_iovas, 8, allowed_iovas, 16);
VFC_ABI_STRUCT(iommu_ioas_map, 40, ioas_id, 8, user_va, 16, length, 24, iova, 32);
VFC_ABI_STRUCT(iommu_ioas_unmap, 24, iova, 8, length, 16);
VFC_ABI_STRUCT(iommu_option, 24, op, 8, object_id, 12, val64, 16);

#endif
