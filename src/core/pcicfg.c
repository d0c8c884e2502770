// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
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

/*
 * The bytes the parse looks at, and nothing else: with a fetch function each range is read
 * on demand (see vfc_cfg_parse_fetch); without one, cfg holds all len bytes.
 */
struct view {
	const uint8_t *cfg;
	size_t len;
	vfc_cfg_fetch_fn *fetch;
	void *arg;
	uint8_t *buf;	/* fetch mode: where fetched bytes land, at their offsets */
	int err;	/* first fetch error: the parse stops */
};

static bool need(struct view *v, size_t off, size_t n)
{
	int rc;

	if (!v->fetch)
		return true;
	if (v->err)
		return false;
	rc = v->fetch(v->arg, v->buf + off, off, n);
	if (rc)
		v->err = rc;
	return !rc;
}

static uint8_t rd8(const struct view *v, size_t off)
{
	return v->cfg[off];
}

static uint16_t rd16(const struct view *v, size_t off)
{
	return (uint16_t)(v->cfg[off] | (v->cfg[off + 1] << 8));
}

static uint32_t rd32(const struct view *v, size_t off)
{
	return (uint32_t)rd16(v, off) | ((uint32_t)rd16(v, off + 2) << 16);
}

static void walk_caps(struct view *v, struct vfc_cfginfo *ci)
{
	size_t limit = v->len < 256 ? v->len : 256;
	size_t ptr = ci->header_type == 2 ? CFG_CAP_PTR_CARDBUS : CFG_CAP_PTR;
	unsigned pos;
	int ttl = 48;	/* 192 bytes of caps / 4: more hops than that is a loop */

	if (!need(v, ptr, 1))
		return;
	pos = rd8(v, ptr) & ~3u;
	while (pos) {
		uint8_t id;

		if (pos < 0x40 || pos + 8 > limit || ttl-- <= 0) {
			ci->malformed = 1;
			return;
		}
		if (!need(v, pos, 2))
			return;
		id = rd8(v, pos);
		ci->caps_seen++;
		switch (id) {
		case CAP_ID_PM:
			if (!need(v, pos + 4, 2))
				return;
			ci->pm = VFC_YES;
			/* PMCSR at +4, bit 3 No_Soft_Reset */
			ci->pm_nosoftrst = (rd16(v, pos + 4) & 0x0008) ? VFC_YES : VFC_NO;
			break;
		case CAP_ID_EXP:
			if (!need(v, pos + 2, 6))
				return;
			ci->pcie_type = (rd16(v, pos + 2) >> 4) & 0xf;
			/* Device Capabilities at +4, bit 28 Function Level Reset */
			if (rd32(v, pos + 4) & (1u << 28))
				ci->flr = VFC_YES;
			break;
		case CAP_ID_AF:
			if (!need(v, pos + 3, 1))
				return;
			/* AF capabilities at +3: bit 1 FLR, bit 0 Transactions Pending */
			if (rd8(v, pos + 3) & 0x02)
				ci->flr = VFC_YES;
			break;
		default:
			break;
		}
		pos = rd8(v, pos + 1) & ~3u;
	}
}

static void walk_ext_caps(struct view *v, struct vfc_cfginfo *ci)
{
	unsigned pos = 0x100;
	int ttl = (4096 - 256) / 8;

	while (pos) {
		uint32_t hdr;

		if (pos < 0x100 || pos + 8 > v->len || ttl-- <= 0) {
			ci->malformed = 1;
			return;
		}
		if (!need(v, pos, 4))
			return;
		hdr = rd32(v, pos);
		if (hdr == 0 || hdr == 0xffffffff)
			return;	/* no extended capabilities */
		switch (hdr & 0xffff) {
		case EXT_CAP_ID_ACS:
			if (!need(v, pos + 4, 4))
				return;
			ci->acs = VFC_YES;
			ci->acs_cap = rd16(v, pos + 4);
			ci->acs_ctrl = rd16(v, pos + 6);
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

static void parse(struct view *v, struct vfc_cfginfo *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->header_type = -1;
	ci->multifunction = VFC_UNKNOWN;
	ci->flr = ci->pm = ci->pm_nosoftrst = ci->acs = ci->sriov = VFC_UNKNOWN;
	ci->pcie_type = VFC_PCIE_NONE;
	if ((!v->cfg && !v->fetch) || v->len < 64 || !need(v, CFG_HEADER_TYPE, 1))
		return;
	ci->header_type = rd8(v, CFG_HEADER_TYPE) & 0x7f;
	ci->multifunction = (rd8(v, CFG_HEADER_TYPE) & 0x80) ? VFC_YES : VFC_NO;
	if (v->len <= 64)
		return;	/* unprivileged read: the capability list is not visible */
	if (!need(v, CFG_STATUS, 2))
		return;
	ci->flr = ci->pm = ci->pm_nosoftrst = VFC_NO;
	if (rd16(v, CFG_STATUS) & CFG_STATUS_CAP_LIST)
		walk_caps(v, ci);
	if (ci->pm != VFC_YES)
		ci->pm_nosoftrst = VFC_UNKNOWN;	/* no PM capability: the bit does not exist */
	if (ci->pcie_type == VFC_PCIE_NONE && !ci->malformed) {
		/* Conventional PCI: no extended config space, so no ACS and no SR-IOV at all. */
		ci->acs = ci->sriov = VFC_NO;
	} else if (v->len > 256) {
		ci->acs = ci->sriov = VFC_NO;
		walk_ext_caps(v, ci);
	}
}

void vfc_cfg_parse(const uint8_t *cfg, size_t len, struct vfc_cfginfo *ci)
{
	struct view v = { .cfg = cfg, .len = len };

	parse(&v, ci);
}

int vfc_cfg_parse_fetch(size_t len, vfc_cfg_fetch_fn *fetch, void *arg, struct vfc_cfginfo *ci)
{
	uint8_t buf[4096];
	struct view v = { .cfg = buf, .len = len < sizeof(buf) ? len : sizeof(buf),
			  .fetch = fetch, .arg = arg, .buf = buf };

	parse(&v, ci);
	return v.err;
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
