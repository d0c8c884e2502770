/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV roles (PF, VF and its index) and the VF token. With vfio-pci bound to a PF (module
 * parameter enable_sriov=1) the kernel opens the PF's VFs only for a user who presents the
 * PF's VF token: a UUID the PF's user sets with VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, given to
 * VFIO_GROUP_GET_DEVICE_FD as "BDF vf_token=UUID" or to VFIO_DEVICE_BIND_IOMMUFD with
 * VFIO_DEVICE_BIND_FLAG_TOKEN (drivers/vfio/pci/vfio_pci_core.c: no token EACCES, a wrong
 * one EACCES, a token where none applies EINVAL). Facts through the root context; never
 * prints.
 */
#ifndef VFC_VFTOKEN_H
#define VFC_VFTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sysroot.h"
#include "core/topology.h"
#include "core/vfio.h"

#define VFC_UUID_LEN 37		/* 8-4-4-4-12 hex digits and the NUL */

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case) into 16 bytes in string order, as the
 * kernel's uuid_parse reads it. 0 or -EINVAL. Pure. */
int vfc_uuid_parse(const char *s, uint8_t out[16]);
/* Lower case, canonical. Pure. */
const char *vfc_uuid_format(const uint8_t u[16], char buf[VFC_UUID_LEN]);

enum vfc_sriov_role { VFC_SRIOV_NONE = 0, VFC_SRIOV_PF, VFC_SRIOV_VF };
const char *vfc_sriov_role_name(enum vfc_sriov_role r);	/* "none", "pf", "vf" */
enum vfc_sriov_role vfc_sriov_role_of(const struct vfc_device *d);

/*
 * A VF's index from routing ids (bus << 8 | devfn) as the kernel places VFs
 * (pci_iov_virtfn_bus/devfn): vf = pf + offset + index * stride. -1 when vf is not one of
 * them. Pure.
 */
int vfc_sriov_index_from_rid(unsigned pf_rid, unsigned vf_rid, int offset, int stride);
/* The VF's index on its PF (the PF's sriov_offset, sriov_stride); -1: not a VF, unreadable. */
int vfc_sriov_vf_index(const struct vfc_ctx *ctx, const struct vfc_device *vf);

/*
 * Will the kernel open this device only with a VF token: it is a VF whose PF is bound to
 * vfio-pci (or a vfio-pci variant)? why gets the sentence check and the failed open print
 * ("its PF 0000:00:18.0 is on vfio-pci: ..."); pf gets the PF (both may be NULL).
 */
bool vfc_vf_token_needed(const struct vfc_ctx *ctx, const char *bdf, char *pf, size_t pflen,
			 char *why, size_t len);
/* Is the device an SR-IOV PF or VF (sysfs: sriov_totalvfs or physfn)? A token applies. */
bool vfc_vf_token_applies(const struct vfc_ctx *ctx, const char *bdf);

/*
 * After a device open (GET_DEVICE_FD, BIND_IOMMUFD) of bdf failed with rc: when a VF token
 * is the cause (missing, wrong, or given where no vfio-pci PF asks for one), rewrite e->what
 * to say so, keeping the failed call in front. had_token: the open presented one.
 */
void vfc_vf_token_explain(const struct vfc_ctx *ctx, const char *bdf, bool had_token, int rc,
			  struct vfc_err *e);

#endif
