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

/* ---- vfio: ioctl numbers, _IO(';', 100 + n): nr 0x64 + n ---- */
VFC_ABI_IO(VFIO_GET_API_VERSION, 0x64);
VFC_ABI_IO(VFIO_CHECK_EXTENSION, 0x65);
VFC_ABI_IO(VFIO_SET_IOMMU, 0x66);
VFC_ABI_IO(VFIO_GROUP_GET_STATUS, 0x67);
VFC_ABI_IO(VFIO_GROUP_SET_CONTAINER, 0x68);
VFC_ABI_IO(VFIO_GROUP_UNSET_CONTAINER, 0x69);
VFC_ABI_IO(VFIO_GROUP_GET_DEVICE_FD, 0x6a);
VFC_ABI_IO(VFIO_DEVICE_GET_INFO, 0x6b);
VFC_ABI_IO(VFIO_DEVICE_GET_REGION_INFO, 0x6c);
VFC_ABI_IO(VFIO_DEVICE_RESET, 0x6f);
VFC_ABI_IO(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, 0x70);
VFC_ABI_IO(VFIO_DEVICE_PCI_HOT_RESET, 0x71);
VFC_ABI_IO(VFIO_IOMMU_GET_INFO, 0x70);
VFC_ABI_IO(VFIO_IOMMU_MAP_DMA, 0x71);
VFC_ABI_IO(VFIO_IOMMU_UNMAP_DMA, 0x72);
VFC_ABI_IO(VFIO_IOMMU_ENABLE, 0x73);
VFC_ABI_IO(VFIO_IOMMU_DISABLE, 0x74);
VFC_ABI_IO(VFIO_IOMMU_SPAPR_TCE_GET_INFO, 0x70);
VFC_ABI_IO(VFIO_IOMMU_SPAPR_REGISTER_MEMORY, 0x75);
VFC_ABI_IO(VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, 0x76);
VFC_ABI_IO(VFIO_IOMMU_SPAPR_TCE_CREATE, 0x77);
VFC_ABI_IO(VFIO_IOMMU_SPAPR_TCE_REMOVE, 0x78);
VFC_ABI_IO(VFIO_DEVICE_BIND_IOMMUFD, 0x76);
VFC_ABI_IO(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x77);
VFC_ABI_IO(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x78);

/* ---- vfio: constants ---- */
VFC_ABI_NR(VFIO_API_VERSION, 0);
VFC_ABI_NR(VFIO_TYPE1_IOMMU, 1);
VFC_ABI_NR(VFIO_SPAPR_TCE_IOMMU, 2);
VFC_ABI_NR(VFIO_TYPE1v2_IOMMU, 3);
VFC_ABI_NR(VFIO_SPAPR_TCE_v2_IOMMU, 7);
VFC_ABI_NR(VFIO_NOIOMMU_IOMMU, 8);
VFC_ABI_NR(VFIO_UNMAP_ALL, 9);
VFC_ABI_NR(VFIO_UPDATE_VADDR, 10);
VFC_ABI_NR(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
VFC_ABI_NR(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 2);
VFC_ABI_NR(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 3);
VFC_ABI_NR(VFIO_PCI_HOT_RESET_FLAG_DEV_ID, 1);
VFC_ABI_NR(VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, 2);
VFC_ABI_NR(VFIO_PCI_DEVID_OWNED, 0);
VFC_ABI_NR(VFIO_PCI_DEVID_NOT_OWNED, -1);

/* ---- vfio: structs ---- */
VFC_ABI_SIZE(vfio_info_cap_header, 8);
VFC_ABI_OFF(vfio_info_cap_header, next, 4);
VFC_ABI_SIZE(vfio_group_status, 8);
/* 6.1 ends at cap_offset (20 bytes), newer headers add a pad (24): argsz tells the kernel */
_Static_assert(sizeof(struct vfio_device_info) == 20 || sizeof(struct vfio_device_info) == 24,
	       "sizeof vfio_device_info");
VFC_ABI_OFF(vfio_device_info, cap_offset, 16);
VFC_ABI_OFF(vfio_device_info, num_regions, 8);
VFC_ABI_OFF(vfio_device_info, num_irqs, 12);
VFC_ABI_SIZE(vfio_region_info, 32);
VFC_ABI_OFF(vfio_region_info, size, 16);
VFC_ABI_OFF(vfio_region_info, offset, 24);
VFC_ABI_SIZE(vfio_iommu_type1_info, 24);
VFC_ABI_OFF(vfio_iommu_type1_info, iova_pgsizes, 8);
VFC_ABI_OFF(vfio_iommu_type1_info, cap_offset, 16);
VFC_ABI_SIZE(vfio_iova_range, 16);
VFC_ABI_SIZE(vfio_iommu_type1_info_cap_iova_range, 16);
VFC_ABI_OFF(vfio_iommu_type1_info_cap_iova_range, nr_iovas, 8);
VFC_ABI_OFF(vfio_iommu_type1_info_cap_iova_range, iova_ranges, 16);
VFC_ABI_SIZE(vfio_iommu_type1_info_cap_migration, 32);
VFC_ABI_OFF(vfio_iommu_type1_info_cap_migration, pgsize_bitmap, 16);
VFC_ABI_OFF(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size, 24);
VFC_ABI_SIZE(vfio_iommu_type1_info_dma_avail, 12);
VFC_ABI_OFF(vfio_iommu_type1_info_dma_avail, avail, 8);
VFC_ABI_SIZE(vfio_iommu_type1_dma_map, 32);
VFC_ABI_OFF(vfio_iommu_type1_dma_map, vaddr, 8);
VFC_ABI_OFF(vfio_iommu_type1_dma_map, iova, 16);
VFC_ABI_OFF(vfio_iommu_type1_dma_map, size, 24);
VFC_ABI_SIZE(vfio_iommu_type1_dma_unmap, 24);
VFC_ABI_OFF(vfio_iommu_type1_dma_unmap, iova, 8);
VFC_ABI_OFF(vfio_iommu_type1_dma_unmap, size, 16);
VFC_ABI_SIZE(vfio_iommu_spapr_tce_ddw_info, 16);
VFC_ABI_SIZE(vfio_iommu_spapr_tce_info, 32);
VFC_ABI_OFF(vfio_iommu_spapr_tce_info, dma32_window_start, 8);
VFC_ABI_OFF(vfio_iommu_spapr_tce_info, dma32_window_size, 12);
VFC_ABI_OFF(vfio_iommu_spapr_tce_info, ddw, 16);
VFC_ABI_SIZE(vfio_iommu_spapr_register_memory, 24);
VFC_ABI_OFF(vfio_iommu_spapr_register_memory, vaddr, 8);
VFC_ABI_OFF(vfio_iommu_spapr_register_memory, size, 16);
VFC_ABI_SIZE(vfio_iommu_spapr_tce_create, 40);
VFC_ABI_OFF(vfio_iommu_spapr_tce_create, page_shift, 8);
VFC_ABI_OFF(vfio_iommu_spapr_tce_create, window_size, 16);
VFC_ABI_OFF(vfio_iommu_spapr_tce_create, levels, 24);
VFC_ABI_OFF(vfio_iommu_spapr_tce_create, start_addr, 32);
VFC_ABI_SIZE(vfio_iommu_spapr_tce_remove, 16);
VFC_ABI_OFF(vfio_iommu_spapr_tce_remove, start_addr, 8);
VFC_ABI_SIZE(vfio_pci_dependent_device, 8);
VFC_ABI_OFF(vfio_pci_dependent_device, segment, 4);
VFC_ABI_OFF(vfio_pci_dependent_device, bus, 6);
VFC_ABI_OFF(vfio_pci_dependent_device, devfn, 7);
VFC_ABI_SIZE(vfio_pci_hot_reset_info, 12);
VFC_ABI_OFF(vfio_pci_hot_reset_info, devices, 12);
VFC_ABI_SIZE(vfio_pci_hot_reset, 12);
VFC_ABI_OFF(vfio_pci_hot_reset, group_fds, 12);
VFC_ABI_SIZE(vfio_device_bind_iommufd, 16);
VFC_ABI_OFF(vfio_device_bind_iommufd, iommufd, 8);
VFC_ABI_OFF(vfio_device_bind_iommufd, out_devid, 12);
VFC_ABI_SIZE(vfio_device_attach_iommufd_pt, 12);
VFC_ABI_OFF(vfio_device_attach_iommufd_pt, pt_id, 8);
VFC_ABI_SIZE(vfio_device_detach_iommufd_pt, 8);

/* ---- iommufd: ioctl numbers, _IO(';', 0x80 + n), and constants ---- */
VFC_ABI_NR(IOMMUFD_TYPE, ';');
VFC_ABI_IO(IOMMU_DESTROY, 0x80);
VFC_ABI_IO(IOMMU_IOAS_ALLOC, 0x81);
VFC_ABI_IO(IOMMU_IOAS_ALLOW_IOVAS, 0x82);
VFC_ABI_IO(IOMMU_IOAS_COPY, 0x83);
VFC_ABI_IO(IOMMU_IOAS_IOVA_RANGES, 0x84);
VFC_ABI_IO(IOMMU_IOAS_MAP, 0x85);
VFC_ABI_IO(IOMMU_IOAS_UNMAP, 0x86);
VFC_ABI_IO(IOMMU_OPTION, 0x87);
VFC_ABI_NR(IOMMU_IOAS_MAP_FIXED_IOVA, 1);
VFC_ABI_NR(IOMMU_IOAS_MAP_WRITEABLE, 2);
VFC_ABI_NR(IOMMU_IOAS_MAP_READABLE, 4);
VFC_ABI_NR(IOMMU_OPTION_RLIMIT_MODE, 0);
VFC_ABI_NR(IOMMU_OPTION_HUGE_PAGES, 1);
VFC_ABI_NR(IOMMU_OPTION_OP_SET, 0);
VFC_ABI_NR(IOMMU_OPTION_OP_GET, 1);

/* ---- iommufd: structs ---- */
VFC_ABI_SIZE(iommu_destroy, 8);
VFC_ABI_OFF(iommu_destroy, id, 4);
VFC_ABI_SIZE(iommu_ioas_alloc, 12);
VFC_ABI_OFF(iommu_ioas_alloc, out_ioas_id, 8);
VFC_ABI_SIZE(iommu_iova_range, 16);
VFC_ABI_OFF(iommu_iova_range, last, 8);
VFC_ABI_SIZE(iommu_ioas_iova_ranges, 32);
VFC_ABI_OFF(iommu_ioas_iova_ranges, num_iovas, 8);
VFC_ABI_OFF(iommu_ioas_iova_ranges, allowed_iovas, 16);
VFC_ABI_OFF(iommu_ioas_iova_ranges, out_iova_alignment, 24);
VFC_ABI_SIZE(iommu_ioas_allow_iovas, 24);
VFC_ABI_OFF(iommu_ioas_allow_iovas, num_iovas, 8);
VFC_ABI_OFF(iommu_ioas_allow_iovas, allowed_iovas, 16);
VFC_ABI_SIZE(iommu_ioas_map, 40);
VFC_ABI_OFF(iommu_ioas_map, ioas_id, 8);
VFC_ABI_OFF(iommu_ioas_map, user_va, 16);
VFC_ABI_OFF(iommu_ioas_map, length, 24);
VFC_ABI_OFF(iommu_ioas_map, iova, 32);
VFC_ABI_SIZE(iommu_ioas_unmap, 24);
VFC_ABI_OFF(iommu_ioas_unmap, iova, 8);
VFC_ABI_OFF(iommu_ioas_unmap, length, 16);
VFC_ABI_SIZE(iommu_option, 24);
VFC_ABI_OFF(iommu_option, op, 8);
VFC_ABI_OFF(iommu_option, object_id, 12);
VFC_ABI_OFF(iommu_option, val64, 16);

#endif
