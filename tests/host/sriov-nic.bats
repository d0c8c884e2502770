#!/usr/bin/env bats
# AMD EPYC: 82599ES PF 01:00.0 (ixgbe, group 20) with 8 VFs 01:10.0..01:11.6 (groups 40-47):
# VFs 0-2 on vfio-pci, 3-5 on ixgbevf, 6-7 unbound; dpdk-testpmd holds /dev/vfio/41.

load helpers

setup_file() {
	make_fixture sriov-nic
}

T=sriov-nic

@test "sriov-nic: list -J matches the fixture" {
	vf $T -J list
	expect_status 0
	contract list $T
}

@test "sriov-nic: list --devices -J matches the fixture" {
	vf $T -J list --devices
	expect_status 0
	contract devices $T
}

@test "sriov-nic: PF reports totalvfs/numvfs, every VF names its PF" {
	vf $T -J list --devices
	jqe '.devices[] | select(.bdf == "0000:01:00.0") | .sriov_totalvfs == 63 and .sriov_numvfs == 8 and .physfn == null'
	jqe '[.devices[] | select(.physfn == "0000:01:00.0") | .bdf] ==
	     ["0000:01:10.0","0000:01:10.2","0000:01:10.4","0000:01:10.6","0000:01:11.0","0000:01:11.2","0000:01:11.4","0000:01:11.6"]'
	jqe '[.devices[] | select(.physfn != null) | .sriov_totalvfs, .sriov_numvfs] | all(. == null)'
}

@test "sriov-nic: VF ids come from sysfs, not from config space (which reads ffff)" {
	vf $T -J list --devices
	jqe '[.devices[] | select(.physfn != null) | "\(.vendor_id):\(.device_id)"] | unique == ["8086:10ed"]'
	jqe '.devices[] | select(.bdf == "0000:01:10.0") | .device == "82599 Ethernet Controller Virtual Function"'
}

@test "sriov-nic: one group per function; VF groups viable on vfio-pci or unbound, not on ixgbevf" {
	vf $T -J list
	jqe 'all(.groups[]; (.devices | length) == 1)'
	jqe '[.groups[] | select(.group >= 40) | select(.viable) | .group] == [40, 41, 42, 46, 47]'
	jqe '[.groups[] | select(.group >= 40) | .blockers[] | "\(.bdf) \(.driver)"] ==
	     ["0000:01:10.6 ixgbevf", "0000:01:11.0 ixgbevf", "0000:01:11.2 ixgbevf"]'
	jqe '.groups[] | select(.group == 20) | .viable == false and .blockers[0].driver == "ixgbe"'
}

@test "sriov-nic: ACS root port, FLR on PF and VFs, AMD reserved regions, numa node 0" {
	vf $T -J list
	jqe '.groups[] | select(.group == 2) | .devices[0] | .acs == true and .kind == "bridge"'
	jqe '[.groups[].devices[] | select(.bdf | startswith("0000:01:")) | .flr] | all'
	jqe '[.groups[].devices[] | select(.physfn != null) | .reset_methods] | unique == [["flr"]]'
	jqe '.groups[] | select(.group == 20) | .devices[0].reset_methods == ["flr", "pm"]'
	jqe '.groups[] | select(.group == 40) | .reserved_regions | map(.type) == ["msi", "reserved"]'
	jqe '[.groups[].devices[].numa_node] | unique == [0]'
}

@test "sriov-nic: dpdk-testpmd holds group 41" {
	vf $T -J list
	jqe '[.groups[] | select(.holders != []) | {group, holders}] == [{"group": 41, "holders": [{"pid": 3077, "comm": "dpdk-testpmd", "path": "/dev/vfio/41"}]}]'
}

@test "sriov-nic: show of the PF and of a VF" {
	vf $T -J show 01:00.0 01:11.6
	expect_status 0
	contract show-device $T
	vf $T -J show 8086:10ed
	expect_status 0
	jqe '.devices | length == 8'
}

@test "sriov-nic: --id VVVV:DDDD and --driver filters" {
	vf $T -J list --devices --id 8086:10fb
	jqe '[.devices[].bdf] == ["0000:01:00.0"]'
	vf $T -J list --devices --driver vfio-pci
	jqe '[.devices[].bdf] == ["0000:01:10.0", "0000:01:10.2", "0000:01:10.4"]'
	vf $T -J list --viable --driver vfio-pci
	jqe '[.groups[].group] == [40, 41, 42]'
}

@test "sriov-nic: human list matches expected/sriov-nic.list" {
	golden $T sriov-nic.list list
}

@test "sriov-nic: human show 01:00.0 matches expected/sriov-nic.show-01.00.0" {
	golden $T sriov-nic.show-01.00.0 show 01:00.0
}
