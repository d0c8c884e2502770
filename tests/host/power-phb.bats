#!/usr/bin/env bats
# pseries: PHBs in domains 0000-0003, one group per PHB holding every device on it; group type
# "unknown", empty reserved_regions, no reset_method on the emulated devices, no sys/class/iommu.

load helpers

setup_file() {
	make_fixture power-phb
}

T=power-phb

@test "power-phb: list -J matches the fixture" {
	vf $T -J list
	expect_status 0
	contract list $T
}

@test "power-phb: one group per host bridge, devices of all domains sorted" {
	vf $T -J list
	jqe '[.groups[] | {group, d: ([.devices[].bdf[0:4]] | unique)}] ==
	     [{"group":0,"d":["0000"]},{"group":1,"d":["0001"]},{"group":2,"d":["0002"]},{"group":3,"d":["0003"]}]'
	jqe '[.groups[].type] | unique == ["unknown"]'
	jqe '[.groups[].reserved_regions] | unique == [[]]'
}

@test "power-phb: groups exist without sys/class/iommu: the IOMMU is on" {
	vf $T -J list
	jqe '.iommu.enabled == true and .iommu.groups == 4'
	vf $T list
	expect_status 0
	if grep -qi 'iommu is off' <<<"$stderr"; then
		echo "claims the IOMMU is off although there are groups"
		dump
		false
	fi
}

@test "power-phb: missing reset_method is null, not []" {
	vf $T -J list --devices
	contract devices $T
	jqe '[.devices[] | select(.bdf | startswith("0000:")) | .reset_methods] | all(. == null)'
	jqe '.devices[] | select(.bdf == "0001:00:01.0") | .reset_methods == ["flr"]'
}

@test "power-phb: viability per PHB; qemu holds the vfio group" {
	vf $T -J list
	jqe '[.groups[] | select(.viable) | .group] == [2, 3]'
	jqe '.groups[] | select(.group == 2) | .holders == [{"pid": 2211, "comm": "qemu-system-ppc", "path": "/dev/vfio/2"}]'
}

@test "power-phb: show 0002:00:02.0 and group:1" {
	vf $T -J show 0002:00:02.0
	expect_status 0
	contract show-device $T
	vf $T -J show group:1
	expect_status 0
	contract show-group $T
	# a short BDF means domain 0000, never another domain's device
	vf $T -J show 00:01.0
	expect_status 0
	jqe '[.devices[].bdf] == ["0000:00:01.0"]'
}

@test "power-phb: human list matches expected/power-phb.list" {
	golden $T power-phb.list list
}

@test "power-phb: human list --tree matches expected/power-phb.tree" {
	golden $T power-phb.tree list --tree
	expect_status 0
}

@test "power-phb: check's iommufd item names the SPAPR TCE container, never type1" {
	vf $T -J check
	jqe '.checks[] | select(.item == "iommufd") |
	     (.detail | contains("legacy VFIO container (SPAPR TCE)")) and
	     (.detail | contains("type1") | not)'
}
