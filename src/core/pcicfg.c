// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "core/pcicfg.h"

#define CFG_STATUS		0x06
#define CFG_STATUS_CAP_LIST	0x10
#define CFG_HEADER_TYPE		0x0e
#define CFG_CAP_PTR		0x34
#define CFG_CAP_PTR_CARDBUS	0x14

#define CAP_ID_PM		0x01
#define CAP_ID_EXP		0x10
#define CAP_ID_AF		0x13
#define EXT_CAP_ID_ACS		0x000d
#define EXT_CAP_ID_SRIOV	0x0010

static uint16_t rd16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | (p[off + 1] << 8));
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | ((uint32_t)p[off + 1] << 8) | ((uint32_t)p[off + 2] << 16) |
	       ((uint32_t)p[off + 3] << 24);
}

static void walk_caps(const uint8_t *cfg, size_t len, struct vfc_cfginfo *ci)
{
	size_t limit = len < 256 ? len : 256;
	unsigned pos;
	int ttl = 48;	/* 192 bytes of caps / 4: more hops than that is a loop */

	pos = cfg[ci->header_type == 2 ? CFG_CAP_PTR_CARDBUS : CFG_CAP_PTR] & ~3u;
	while (pos) {
		uint8_t id;

		if (pos < 0x40 || pos + 8 > limit || ttl-- <= 0) {
			ci->malformed = 1;
			return;
		}
		id = cfg[pos];
		ci->caps_seen++;
		switch (id) {
		case CAP_ID_PM:
			ci->pm = VFC_YES;
			/* PMCSR at +4, bit 3 No_Soft_Reset */
			ci->pm_nosoftrst = (rd16(cfg, pos + 4) & 0x0008) ? VFC_YES : VFC_NO;
			break;
		case CAP_ID_EXP:
			ci->pcie_type = (rd16(cfg, pos + 2) >> 4) & 0xf;
			/* Device Capabilities at +4, bit 28 Function Level Reset */
			if (rd32(cfg, pos + 4) & (1u << 28))
				ci->flr = VFC_YES;
			break;
		case CAP_ID_AF:
			/* AF capabilities at +3: bit 1 FLR, bit 0 Transactions Pending */
			if (cfg[pos + 3] & 0x02)
				ci->flr = VFC_YES;
			break;
		default:
			break;
		}
		pos = cfg[pos + 1] & ~3u;
	}
}

static void walk_ext_caps(const uint8_t *cfg, size_t len, struct vfc_cfginfo *ci)
{
	unsigned pos = 0x100;
	int ttl = (4096 - 256) / 8;

	while (pos) {
		uint32_t hdr;

		if (pos < 0x100 || pos + 8 > len || ttl-- <= 0) {
			ci->malformed = 1;
			return;
		}
		hdr = rd32(cfg, pos);
		if (hdr == 0 || hdr == 0xffffffff)
			return;	/* no extended capabilities */
		switch (hdr & 0xffff) {
		case EXT_CAP_ID_ACS:
			ci->acs = VFC_YES;
			ci->acs_cap = rd16(cfg, pos + 4);
			ci->acs_ctrl = rd16(cfg, pos + 6);
			break;
		case EXT_CAP_ID_SRIOV:
			ci->sriov = VFC_YES;
			break;
		default:
			break;
		}
		pos = (hdr >> 20) & 0xffc;
	}
}

void vfc_cfg_parse(const uint8_t *cfg, size_t len, struct vfc_cfginfo *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->header_type = -1;
	ci->multifunction = VFC_UNKNOWN;
	ci->flr = ci->pm = ci->pm_nosoftrst = ci->acs = ci->sriov = VFC_UNKNOWN;
	ci->pcie_type = VFC_PCIE_NONE;
	if (!cfg || len < 64)
		return;
	ci->header_type = cfg[CFG_HEADER_TYPE] & 0x7f;
	ci->multifunction = (cfg[CFG_HEADER_TYPE] & 0x80) ? VFC_YES : VFC_NO;
	if (len <= 64)
		return;	/* unprivileged read: the capability list is not visible */
	ci->flr = ci->pm = ci->pm_nosoftrst = VFC_NO;
	if (rd16(cfg, CFG_STATUS) & CFG_STATUS_CAP_LIST)
		walk_caps(cfg, len, ci);
	if (ci->pm != VFC_YES)
		ci->pm_nosoftrst = VFC_UNKNOWN;	/* no PM capability: the bit does not exist */
	if (ci->pcie_type == VFC_PCIE_NONE && !ci->malformed) {
		/* Conventional PCI: no extended config space, so no ACS and no SR-IOV at all. */
		ci->acs = ci->sriov = VFC_NO;
	} else if (len > 256) {
		ci->acs = ci->sriov = VFC_NO;
		walk_ext_caps(cfg, len, ci);
	}
}

const char *vfc_pcie_type_name(int t)
{
	switch (t) {
	case VFC_PCIE_ENDPOINT: return "endpoint";
	case VFC_PCIE_LEGACY_ENDPOINT: return "legacy-endpoint";
	case VFC_PCIE_RC_INTEGRATED: return "rc-integrated";
	case VFC_PCIE_ROOT_PORT: return "root-port";
	case VFC_PCIE_UPSTREAM: return "upstream-port";
	case VFC_PCIE_DOWNSTREAM: return "downstream-port";
	case VFC_PCIE_TO_PCI_BRIDGE: return "pcie-to-pci-bridge";
	case VFC_PCI_TO_PCIE_BRIDGE: return "pci-to-pcie-bridge";
	case VFC_PCIE_RC_EVENT_COLLECTOR: return "rc-event-collector";
	default: return NULL;
	}
}
