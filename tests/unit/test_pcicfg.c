// SPDX-License-Identifier: GPL-2.0-or-later
/* Config-space parsing: FLR, PM NoSoftRst, ACS, bridges, malformed capability lists. */
#include <stdint.h>

#include "core/pcicfg.h"
#include "tap.h"

static uint8_t cfg[4096];

static void w16(unsigned off, uint16_t v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = v >> 8;
}

static void w32(unsigned off, uint32_t v)
{
	w16(off, v & 0xffff);
	w16(off + 2, v >> 16);
}

/* Endpoint with PM at 0x40 -> PCIe at 0x50; ACS ext cap at 0x100 -> SR-IOV at 0x140. */
static void build(int header, int flr, int nosoftrst, int acs)
{
	memset(cfg, 0, sizeof(cfg));
	w16(0x00, 0x8086);
	w16(0x06, 0x0010);		/* status: capability list */
	cfg[0x0e] = (uint8_t)header | 0x80;
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x01;		/* PM */
	cfg[0x41] = 0x50;
	w16(0x44, nosoftrst ? 0x0008 : 0);
	cfg[0x50] = 0x10;		/* PCIe */
	cfg[0x51] = 0x00;
	w16(0x52, (uint16_t)((header == 1 ? 4 : 0) << 4));	/* root port or endpoint */
	w32(0x54, flr ? (1u << 28) : 0);
	if (acs) {
		w32(0x100, 0x000d | (1u << 16) | (0x140u << 20));
		w16(0x104, 0x001f);
		w16(0x106, 0x001d);
		w32(0x140, 0x0010 | (1u << 16));
	} else {
		w32(0x100, 0x0010 | (1u << 16));
	}
}

int main(void)
{
	struct vfc_cfginfo ci;

	build(0, 1, 0, 0);
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.header_type == 0 && ci.multifunction == VFC_YES, "endpoint, multifunction");
	OK(ci.flr == VFC_YES, "FLR from DevCap bit 28");
	OK(ci.pm == VFC_YES && ci.pm_nosoftrst == VFC_NO, "PM present, NoSoftRst clear");
	OK(ci.acs == VFC_NO && ci.sriov == VFC_YES, "no ACS, SR-IOV present");
	OK(ci.pcie_type == VFC_PCIE_ENDPOINT && ci.caps_seen == 2 && !ci.malformed,
	   "two caps walked cleanly");

	build(1, 0, 1, 1);
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.header_type == 1, "bridge header");
	OK(ci.flr == VFC_NO && ci.pm_nosoftrst == VFC_YES, "no FLR, NoSoftRst set");
	OK(ci.acs == VFC_YES && ci.acs_cap == 0x1f && ci.acs_ctrl == 0x1d, "ACS cap and ctrl");
	OK(ci.pcie_type == VFC_PCIE_ROOT_PORT, "root port");

	vfc_cfg_parse(cfg, 256, &ci);
	OK(ci.acs == VFC_UNKNOWN && ci.flr == VFC_NO, "256 bytes: ext caps unknown, std caps known");
	vfc_cfg_parse(cfg, 64, &ci);
	OK(ci.header_type == 1 && ci.flr == VFC_UNKNOWN && ci.acs == VFC_UNKNOWN,
	   "64 bytes (unprivileged): only the header is known");
	vfc_cfg_parse(cfg, 10, &ci);
	OK(ci.header_type == -1 && ci.flr == VFC_UNKNOWN, "truncated: nothing known");

	build(0, 0, 0, 0);
	cfg[0x51] = 0x40;		/* PCIe cap points back at PM: a loop */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.malformed && ci.caps_seen <= 48, "capability loop detected and bounded");
	build(0, 0, 0, 0);
	cfg[0x41] = 0x20;		/* pointer into the header */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.malformed, "pointer below 0x40 is malformed");
	build(0, 0, 0, 1);
	w32(0x140, 0x0010 | (1u << 16) | (0x100u << 20));	/* ext loop */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.malformed && ci.acs == VFC_YES, "extended capability loop bounded");
	build(0, 0, 0, 0);
	w16(0x06, 0);			/* no capability list */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.flr == VFC_NO && ci.pm == VFC_NO && ci.caps_seen == 0, "status without cap list");
	return tap_done();
}
