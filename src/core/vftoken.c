// SPDX-License-Identifier: GPL-2.0-or-later
/* SR-IOV roles and the VF token (core/vftoken.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/pciaddr.h"
#include "core/vftoken.h"

/* A hex digit's value, once isxdigit() said it is one: '0'-'9' 0-9, 'a'/'A'-'f'/'F' 10-15. */
#define XVAL(c) (((c) & 0xf) + ((c) > '9' ? 9 : 0))

int vfc_uuid_parse(const char *s, uint8_t out[16])
{
	uint8_t u[16];
	size_t k = 0;

	if (!s || strlen(s) != VFC_UUID_LEN - 1)
		return -EINVAL;
	for (size_t i = 0; i < VFC_UUID_LEN - 1;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -EINVAL;
		hi = XVAL(s[i]);
		lo = XVAL(s[i + 1]);
		u[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	memcpy(out, u, sizeof(u));
	return 0;
}

const char *vfc_uuid_format(const uint8_t u[16], char buf[VFC_UUID_LEN])
{
	snprintf(buf, VFC_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	return buf;
}

const char *vfc_sriov_role_name(enum vfc_sriov_role r)
{
	return r == VFC_SRIOV_PF ? "pf" : r == VFC_SRIOV_VF ? "vf" : "none";
}

enum vfc_sriov_role vfc_sriov_role_of(const struct vfc_device *d)
{
	if (!d || !d->is_pci)
		return VFC_SRIOV_NONE;
	if (d->physfn[0])
		return VFC_SRIOV_VF;
	return d->sriov_totalvfs >= 0 ? VFC_SRIOV_PF : VFC_SRIOV_NONE;
}

int vfc_sriov_index_from_rid(unsigned pf_rid, unsigned vf_rid, int offset, int stride)
{
	long first = (long)pf_rid + offset, d = (long)vf_rid - first;

	if (offset <= 0 || stride <= 0 || d < 0 || d % stride || d / stride > 65535)
		return -1;
	return (int)(d / stride);
}

static unsigned rid(const struct vfc_pciaddr *a)
{
	return (unsigned)a->bus << 8 | (unsigned)a->dev << 3 | a->fn;
}

int vfc_sriov_vf_index(const struct vfc_ctx *ctx, const struct vfc_device *vf)
{
	struct vfc_pciaddr p, v;
	int64_t off, stride;

	if (vfc_sriov_role_of(vf) != VFC_SRIOV_VF || vfc_pciaddr_parse(vf->physfn, &p) ||
	    vfc_pciaddr_parse(vf->name, &v) || p.domain != v.domain)
		return -1;
	if (vfc_read_s64(ctx, &off, "/sys/bus/pci/devices/%s/sriov_offset", vf->physfn) ||
	    vfc_read_s64(ctx, &stride, "/sys/bus/pci/devices/%s/sriov_stride", vf->physfn) ||
	    off > 65535 || stride > 65535)
		return -1;
	return vfc_sriov_index_from_rid(rid(&p), rid(&v), (int)off, (int)stride);
}

/* The PF of a VF (its physfn link) and the PF's driver; false when bdf is not a VF. */
static bool pf_of(const struct vfc_ctx *ctx, const char *bdf, char *pf, size_t pflen,
		  char *drv, size_t drvlen)
{
	drv[0] = '\0';
	if (vfc_read_link_base(ctx, pf, pflen, "/sys/bus/pci/devices/%s/physfn", bdf) <= 0)
		return false;
	if (vfc_read_link_base(ctx, drv, drvlen, "/sys/bus/pci/devices/%s/driver", pf) <= 0)
		drv[0] = '\0';
	return true;
}

bool vfc_vf_token_needed(const struct vfc_ctx *ctx, const char *bdf, char *pf, size_t pflen,
			 char *why, size_t len)
{
	char p[VFC_BDF_LEN] = "", drv[64];
	bool need = pf_of(ctx, bdf, p, sizeof(p), drv, sizeof(drv)) && vfc_driver_is_vfio(drv);

	if (pf && pflen)
		snprintf(pf, pflen, "%s", need ? p : "");
	if (why && len && need)
		snprintf(why, len, "its PF %s is on %s, so the kernel opens this VF only with the "
			 "PF's VF token (the UUID the PF's user set with "
			 "VFIO_DEVICE_FEATURE_PCI_VF_TOKEN): pass --vf-token UUID", p, drv);
	else if (why && len)
		why[0] = '\0';
	return need;
}

bool vfc_vf_token_applies(const struct vfc_ctx *ctx, const char *bdf)
{
	return vfc_exists(ctx, "/sys/bus/pci/devices/%s/physfn", bdf) == 1 ||
	       vfc_exists(ctx, "/sys/bus/pci/devices/%s/sriov_totalvfs", bdf) == 1;
}

void vfc_vf_token_explain(const struct vfc_ctx *ctx, const char *bdf, bool had_token, int rc,
			  struct vfc_err *e)
{
	char call[128], why[400], pf[VFC_BDF_LEN] = "", drv[64] = "";
	bool vf;

	if (!e || (rc != -EACCES && rc != -EINVAL))
		return;
	snprintf(call, sizeof(call), "%.120s", e->what);
	vf = pf_of(ctx, bdf, pf, sizeof(pf), drv, sizeof(drv));
	if (!had_token && rc == -EACCES && vfc_vf_token_needed(ctx, bdf, NULL, 0, why, sizeof(why)))
		vfc_err_set(e, e->subject, "%s refused: no VF token: %s", call, why);
	else if (had_token && rc == -EACCES && vf && vfc_driver_is_vfio(drv))
		vfc_err_set(e, e->subject, "%s refused: wrong VF token: its PF %s is on %s and "
			    "has another one (the UUID its user set with "
			    "VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)", call, pf, drv);
	else if (had_token && rc == -EINVAL && vf && !vfc_driver_is_vfio(drv))
		vfc_err_set(e, e->subject, "%s refused: a VF token was given but its PF %s is on "
			    "%s, not vfio-pci, and asks for none: drop --vf-token", call, pf,
			    drv[0] ? drv : "no driver");
	else if (had_token && rc == -EINVAL)
		vfc_err_set(e, e->subject, "%s refused: a VF token was given (the kernel takes it "
			    "for a PF on vfio-pci and its VFs; on a cdev bind only from Linux 6.17)",
			    call);
}
