#!/usr/bin/env bats
# arm64 SMMUv3: driverless devices (host bridge 00:00.0, virtio-gpu 03:00.0, xhci 05:00.0) have
# no iommu_group; the rest are grouped with the 0x8000000 MSI window reserved.

load helpers

setup_file() {
	make_fixture arm-msi
}

T=arm-msi

@test "arm-msi: list -J matches the fixture" {
	vf $T -J list
	expect_status 0
	contract list $T
}

@test "arm-msi: ungrouped devices are reported with group null, never dropped" {
	vf $T -J list
	jqe '[.ungrouped[].bdf] == ["0000:00:00.0", "0000:03:00.0", "0000:05:00.0"]'
	jqe '[.ungrouped[].group] | all(. == null)'
	vf $T -J list --devices
	jqe '[.devices[] | select(.group == null) | .bdf] == ["0000:00:00.0", "0000:03:00.0", "0000:05:00.0"]'
	vf $T list
	expect_status 0
	for b in 0000:00:00.0 0000:03:00.0 0000:05:00.0; do
		grep -q "$b" <<<"$output" || { echo "$b missing from the table"; dump; false; }
	done
}

@test "arm-msi: every group reserves the ARM MSI window" {
	vf $T -J list
	jqe '[.groups[].reserved_regions] | unique == [[{"start": "0x0000000008000000", "end": "0x00000000080fffff", "type": "msi"}]]'
	jqe '.iommu.enabled == true'
}

@test "arm-msi: show of an ungrouped device says group null" {
	vf $T -J show 03:00.0
	expect_status 0
	jqe '.devices[0].group == null and .devices[0].bdf == "0000:03:00.0"'
}

@test "arm-msi: human list matches expected/arm-msi.list" {
	golden $T arm-msi.list list
}
