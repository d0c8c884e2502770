/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Facts from a device's config space bytes (the sysfs `config` file). Pure, unit tested. */
#ifndef VFC_PCICFG_H
#define VFC_PCICFG_H

#include <stddef.h>
#include <stdint.h>

/* Tri-state: a fact we could not read is unknown, never false. */
enum vfc_tri { VFC_UNKNOWN = -1, VFC_NO = 0, VFC_YES = 1 };

enum vfc_pcie_type {
	VFC_PCIE_NONE = -1,	/* conventional PCI or unknown */
	VFC_PCIE_ENDPOINT = 0,
	VFC_PCIE_LEGACY_ENDPOINT = 1,
	VFC_PCIE_RC_INTEGRATED = 9,
	VFC_PCIE_ROOT_PORT = 4,
	VFC_PCIE_UPSTREAM = 5,
	VFC_PCIE_DOWNSTREAM = 6,
	VFC_PCIE_TO_PCI_BRIDGE = 7,
	VFC_PCI_TO_PCIE_BRIDGE = 8,
	VFC_PCIE_RC_EVENT_COLLECTOR = 10,
};

struct vfc_cfginfo {
	int header_type;	/* 0 endpoint, 1 bridge, 2 cardbus; -1 unknown */
	enum vfc_tri multifunction;
	enum vfc_tri flr;		/* PCIe DevCap FLR or AF FLR */
	enum vfc_tri pm;		/* PM capability present */
	enum vfc_tri pm_nosoftrst;	/* PMCSR No_Soft_Reset: D3hot->D0 keeps state (no PM reset) */
	enum vfc_tri acs;		/* ACS extended capability present */
	uint16_t acs_cap;		/* ACS capability bits (valid when acs == YES) */
	uint16_t acs_ctrl;		/* ACS control bits */
	enum vfc_tri sriov;
	int pcie_type;			/* enum vfc_pcie_type */
	int caps_seen;			/* how many capabilities the walk visited */
	int malformed;			/* loop or out-of-range pointer in a capability list */
};

/* ACS bits (PCIe spec 7.7.8): Source Validation, Translation Blocking, P2P Request
 * Redirect, P2P Completion Redirect, Upstream Forwarding, Egress Control, Direct Translated. */
#define VFC_ACS_SV 0x0001
#define VFC_ACS_TB 0x0002
#define VFC_ACS_RR 0x0004
#define VFC_ACS_CR 0x0008
#define VFC_ACS_UF 0x0010
#define VFC_ACS_EC 0x0020
#define VFC_ACS_DT 0x0040

/*
 * Parse LEN bytes of config space. An unprivileged read of sysfs `config` returns only the
 * first 64 bytes: capabilities are then unknown, not absent. Extended capabilities are
 * known only when len > 256.
 */
void vfc_cfg_parse(const uint8_t *cfg, size_t len, struct vfc_cfginfo *out);

/*
 * The same parse over config space of LEN bytes that is read on demand: fetch(arg, dst, off,
 * n) copies bytes off..off+n-1 to dst and returns 0, or -errno (the parse stops and returns
 * it; *out is then incomplete). The parse asks only for the bytes it looks at, a few at a
 * time: on sysfs every dword of config space is a config cycle (a trap to the hypervisor in
 * a VM, microseconds each), so reading all 4096 bytes would cost milliseconds per device.
 */
typedef int vfc_cfg_fetch_fn(void *arg, uint8_t *dst, size_t off, size_t n);
int vfc_cfg_parse_fetch(size_t len, vfc_cfg_fetch_fn *fetch, void *arg, struct vfc_cfginfo *out);
const char *vfc_pcie_type_name(int t);

#endif
