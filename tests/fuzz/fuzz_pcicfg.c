// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Config space (vfc_cfg_parse): the bytes of a device's sysfs `config` file, which a device
 * (or a fixture tree, or a malicious VF) controls completely: capability pointers may loop,
 * point past the end or into the header. ASan catches any read outside the LEN bytes (the
 * harness hands over exactly LEN bytes); the checks below hold the result to what pcicfg.h
 * promises: unknown below 64 bytes, header-only at 64, standard capabilities independent of
 * the extended space, every tri-state a tri-state.
 */
#include <stdbool.h>

#include "core/pcicfg.h"
#include "fuzz.h"

static bool tri(enum vfc_tri t)
{
	return t == VFC_UNKNOWN || t == VFC_NO || t == VFC_YES;
}

static void check_info(const struct vfc_cfginfo *ci, size_t len)
{
	FUZZ_CHECK(tri(ci->multifunction) && tri(ci->flr) && tri(ci->pm) &&
		   tri(ci->pm_nosoftrst) && tri(ci->acs) && tri(ci->sriov), "tri-state, len %zu",
		   len);
	FUZZ_CHECK(ci->header_type >= -1 && ci->header_type <= 0x7f, "header type %d",
		   ci->header_type);
	FUZZ_CHECK(ci->pcie_type >= -1 && ci->pcie_type <= 15, "pcie type %d", ci->pcie_type);
	FUZZ_CHECK(ci->caps_seen >= 0 && ci->caps_seen <= 48, "caps_seen %d", ci->caps_seen);
	FUZZ_CHECK(ci->pm_nosoftrst == VFC_UNKNOWN || ci->pm == VFC_YES,
		   "No_Soft_Reset known without a PM capability");
	if (len < 64)
		FUZZ_CHECK(ci->header_type == -1 && ci->flr == VFC_UNKNOWN && ci->acs == VFC_UNKNOWN,
			   "facts from %zu bytes", len);
	if (len <= 64)
		FUZZ_CHECK(ci->flr == VFC_UNKNOWN && ci->pm == VFC_UNKNOWN &&
			   ci->acs == VFC_UNKNOWN && ci->sriov == VFC_UNKNOWN && !ci->caps_seen,
			   "capabilities from %zu bytes", len);
	if (len > 64 && len <= 256)
		FUZZ_CHECK(ci->acs != VFC_YES && ci->sriov != VFC_YES,
			   "extended capability found in %zu bytes", len);
	if (ci->acs != VFC_YES)
		FUZZ_CHECK(!ci->acs_cap && !ci->acs_ctrl, "ACS bits without ACS");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfc_cfginfo a, b;
	uint8_t *cfg;

	if (size > 4096)
		return 0;
	/* An exact-size heap copy: one byte too far is an ASan report. */
	cfg = malloc(size ? size : 1);
	if (!cfg)
		abort();
	memcpy(cfg, data, size);
	vfc_cfg_parse(cfg, size, &a);
	check_info(&a, size);
	if (size > 256) {
		/* The first 256 bytes alone give the same standard-capability facts. */
		vfc_cfg_parse(cfg, 256, &b);
		check_info(&b, 256);
		FUZZ_CHECK(a.header_type == b.header_type && a.flr == b.flr && a.pm == b.pm &&
			   a.pm_nosoftrst == b.pm_nosoftrst && a.pcie_type == b.pcie_type &&
			   a.caps_seen == b.caps_seen, "standard caps differ with %zu bytes", size);
	}
	if (size >= 64) {
		vfc_cfg_parse(cfg, 64, &b);
		check_info(&b, 64);
		FUZZ_CHECK(a.header_type == b.header_type && a.multifunction == b.multifunction,
			   "header differs between 64 and %zu bytes", size);
	}
	free(cfg);
	return 0;
}
