#!/usr/bin/env bats
# IOMMU off: iommu_groups/ empty (iommu-off) or missing (iommu-absent), no sys/class/iommu
# entries, no intel_iommu=on; devices exist but none has a group.

load helpers

setup_file() {
	make_fixture iommu-off
	make_fixture iommu-absent
}

@test "iommu-off: list -J: groups [], every device ungrouped, iommu disabled" {
	vf iommu-off -J list
	contract list iommu-off
	jqe '.groups == [] and .iommu.enabled == false and .iommu.groups == 0'
	jqe '[.ungrouped[].bdf] | length == 6'
}

@test "iommu-absent: list -J: same answer when iommu_groups/ does not exist" {
	vf iommu-absent -J list
	contract list iommu-absent
	jqe '.groups == [] and .iommu.enabled == false'
}

@test "iommu-off: list explains on stderr that the IOMMU is off" {
	vf iommu-off list
	grep -qi 'iommu' <<<"$stderr" || { echo "no diagnosis on stderr"; dump; false; }
	grep -qiE 'off|disabled|not enabled' <<<"$stderr" || { echo "diagnosis does not say off"; dump; false; }
	# the same cause and fix as check's iommu item: here the firmware offers none (no DMAR/IVRS)
	grep -q 'the firmware offers no IOMMU.*enable VT-d (Intel) or AMD-Vi' <<<"$stderr" ||
		{ echo "no hint how to turn it on, or not check's wording"; dump; false; }
	# and the devices are still listed, not an empty table
	grep -q '0000:01:00.0' <<<"$output" || { echo "devices missing"; dump; false; }
}

@test "iommu-off: the diagnosis does not pollute JSON on stdout" {
	vf iommu-off -J list
	jq -e . >/dev/null <<<"$output"
}

@test "iommu-absent: list explains on stderr that the IOMMU is off" {
	vf iommu-absent list
	grep -qiE 'iommu.*(off|absent|disabled)|no IOMMU support' <<<"$stderr" || { dump; false; }
}

@test "iommu-off: show of a device works and reports group null" {
	vf iommu-off -J show 01:00.0
	expect_status 0
	jqe '.devices[0].group == null and .devices[0].driver == "nvme"'
	vf iommu-off show 3
	expect_status 3
	stderr_names 3
}

@test "iommu-off: human list matches expected/iommu-off.list" {
	golden iommu-off iommu-off.list list
}

@test "iommu-off: iommu.cmdline is null, not \"\", when the command line has no IOMMU word" {
	vf iommu-off -J list
	jqe '.iommu.cmdline == null'
}

# ---- check: each cause of "no IOMMU groups" has its own detail and its own fix (issue 23.10)

# a private copy of fixture NAME in $R, and the binary run on it
private_tree() {
	R=$BATS_TEST_TMPDIR/$1
	cp -a "$BATS_FILE_TMPDIR/$1" "$R"
}
vfr() {
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
}
# iommu_is DETAIL-SUBSTRING FIX-SUBSTRING [NOT-IN-FIX]: the host iommu item of -J check fails so
iommu_is() {
	expect_status 8
	jqe --arg d "$1" --arg f "$2" --arg n "${3:-}" '.checks[] | select(.item == "iommu") |
		.status == "fail" and (.detail | contains($d)) and (.fix | contains($f)) and
		($n == "" or (.fix | contains($n) | not))'
}
firmware_table() { # firmware_table DMAR|IVRS: the firmware describes an IOMMU
	mkdir -p "$R/sys/firmware/acpi/tables"
	printf '%s' "$1" >"$R/sys/firmware/acpi/tables/$1"
}

@test "iommu-off check: no DMAR/IVRS table: the firmware is named, not intel_iommu=on" {
	vf iommu-off -J check
	iommu_is "the firmware offers no IOMMU (no ACPI DMAR or IVRS table)" \
		"enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup" "intel_iommu=on"
}

@test "iommu-off check: intel_iommu=off / iommu=off / amd_iommu=off: remove that word" {
	private_tree iommu-off
	firmware_table DMAR
	sed -i 's/$/ intel_iommu=off/' "$R/proc/cmdline"
	vfr -J check
	iommu_is "switched off on the kernel command line (intel_iommu=off)" \
		"remove intel_iommu=off from the kernel command line" "firmware"
	sed -i 's/ intel_iommu=off/ iommu=off/' "$R/proc/cmdline"
	vfr -J check
	iommu_is "kernel command line (iommu=off)" "remove iommu=off"
	rm "$R/sys/firmware/acpi/tables/DMAR"
	firmware_table IVRS
	sed -i 's/ iommu=off/ amd_iommu=off/' "$R/proc/cmdline"
	vfr -J check
	iommu_is "kernel command line (amd_iommu=off)" "remove amd_iommu=off" "intel_iommu=on"
}

@test "iommu-off check: a DMAR table and a default-off kernel: add intel_iommu=on" {
	private_tree iommu-off
	firmware_table DMAR
	vfr -J check
	iommu_is "the firmware has VT-d (ACPI DMAR) but this kernel leaves it off by default" \
		"add intel_iommu=on to the kernel command line" "firmware setup"
}

@test "iommu-off check: no /sys/kernel/iommu_groups: a kernel without IOMMU support" {
	vf iommu-absent -J check
	iommu_is "this kernel has no IOMMU support (no /sys/kernel/iommu_groups)" \
		"boot a kernel built with CONFIG_INTEL_IOMMU=y (Intel) or CONFIG_AMD_IOMMU=y (AMD)" \
		"intel_iommu=on"
}

@test "iommu-off check: the kernel config (/boot/config-RELEASE) without CONFIG_INTEL_IOMMU" {
	private_tree iommu-off
	firmware_table DMAR
	mkdir -p "$R/proc/sys/kernel" "$R/boot"
	echo 6.1.0-18-amd64 >"$R/proc/sys/kernel/osrelease"
	printf 'CONFIG_PCI=y\n# CONFIG_INTEL_IOMMU is not set\nCONFIG_AMD_IOMMU=y\n' \
		>"$R/boot/config-6.1.0-18-amd64"
	vfr -J check
	iommu_is "this kernel has no IOMMU support (CONFIG_INTEL_IOMMU not set)" \
		"boot a kernel built with CONFIG_INTEL_IOMMU=y" "intel_iommu=on"
	# with the driver built in, the same tree is the default-off kernel again
	sed -i 's/^# CONFIG_INTEL_IOMMU is not set/CONFIG_INTEL_IOMMU=y/' \
		"$R/boot/config-6.1.0-18-amd64"
	vfr -J check
	iommu_is "leaves it off by default" "add intel_iommu=on"
}

# no_repeat: no item of $output (-J check) says a run of 5 words in both DETAIL and FIX
no_repeat() {
	python3 -c '
import json, sys
bad = []
for c in json.load(sys.stdin)["checks"]:
    d, f = (c["detail"] or "").split(), (c["fix"] or "").split()
    grams = {tuple(d[i:i + 5]) for i in range(len(d) - 4)}
    if any(tuple(f[i:i + 5]) in grams for i in range(len(f) - 4)):
        bad.append(c["item"])
print(" ".join(bad))
sys.exit(1 if bad else 0)' <<<"$output" || { echo "DETAIL and FIX repeat a sentence"; dump; false; }
}

@test "iommu-off check: the detail never repeats the fix" {
	vf iommu-off -J check
	no_repeat
	vf iommu-absent -J check
	no_repeat
}
