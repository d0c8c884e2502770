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
	grep -q 'intel_iommu=on' <<<"$stderr" || { echo "no hint how to turn it on"; dump; false; }
	# and the devices are still listed, not an empty table
	grep -q '0000:01:00.0' <<<"$output" || { echo "devices missing"; dump; false; }
}

@test "iommu-off: the diagnosis does not pollute JSON on stdout" {
	vf iommu-off -J list
	jq -e . >/dev/null <<<"$output"
}

@test "iommu-absent: list explains on stderr that the IOMMU is off" {
	vf iommu-absent list
	grep -qiE 'iommu.*(off|absent|disabled)' <<<"$stderr" || { dump; false; }
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
