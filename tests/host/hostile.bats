#!/usr/bin/env bats
# Broken and unusual sysfs (see tests/fixtures/mkfixture topo_hostile): the tool must not crash,
# hang or drop devices, and its JSON must stay valid.

load helpers

setup_file() {
	make_fixture hostile
}

T=hostile

@test "hostile: list -J exits 0, valid JSON, every device once (loose fields type-checked)" {
	vf $T -J list
	expect_status 0
	contract list $T
}

@test "hostile: list --devices -J matches the fixture" {
	vf $T -J list --devices
	expect_status 0
	contract devices $T
}

@test "hostile: human list exits 0 and lists all 12 devices" {
	vf $T list
	expect_status 0
	for b in $(jq -r '.devices[].bdf' "$BATS_FILE_TMPDIR/$T.facts.json"); do
		grep -q "$b" <<<"$output" || { echo "$b missing"; dump; false; }
	done
}

@test "hostile: unknown ids print the ids and null names" {
	vf $T -J list --devices
	jqe '.devices[] | select(.bdf == "0000:00:02.0") | .vendor_id == "1dea" and .device_id == "0001" and .vendor == null and .device == null'
	jqe '.devices[] | select(.bdf == "0000:00:03.0") | .vendor == "Intel Corporation" and .device == null'
	vf $T list --devices
	grep -E '0000:00:02.0 .*1dea:0001' <<<"$output"
	grep -E '0000:00:03.0 .*8086:fffe' <<<"$output"
}

@test "hostile: a missing or unreadable id shows the other id in the table" {
	vf $T -n -r -o BDF,IDS list --devices
	expect_status 0
	grep -x '0000:00:05.0 ????:1533' <<<"$output" || { dump; false; }
	grep -x '0000:00:06.0 8086:????' <<<"$output" || { dump; false; }
}

@test "hostile: 200-character driver and driver_override survive intact" {
	vf $T -J list --devices
	long_d=$(printf 'x%.0s' {1..200})
	long_o=$(printf 'o%.0s' {1..200})
	jqe --arg d "$long_d" --arg o "$long_o" '.devices[] | select(.bdf == "0000:00:04.0") | .driver == $d and .driver_override == $o'
	vf $T -J list
	jqe --arg d "$long_d" '.groups[] | select(.group == 3) | .viable == false and .blockers[0].driver == $d'
}

@test "hostile: garbage in numa_node, reset_method, reserved_regions never leaks as data" {
	vf $T -J list
	jqe '[.groups[].devices[] | select(.bdf == "0000:00:06.0") | .numa_node] == [null]'
	jqe '.groups[] | select(.group == 2) | .reserved_regions == [{"start": "0x00000000fee00000", "end": "0x00000000feefffff", "type": "msi"}]'
	# no control characters from reset_method in any string
	jqe '[.. | strings | select(test("[\u0000-\u001f]"))] - [.groups[].holders[].comm] == []'
}

@test "hostile: truncated config gives null flags; looping capability lists terminate" {
	vf $T -J list --devices
	jqe '.devices[] | select(.bdf == "0000:00:07.0") | [.flr, .pm_nosoftrst, .acs] == [null, null, null]'
	jqe '.devices[] | select(.bdf == "0000:00:08.0") | [.flr, .acs] | all(. == false or . == null)'
	# a loop must not cost time: the whole list is fast
	start=$(date +%s%N)
	timeout 10 "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/$T" -J list >/dev/null
	end=$(date +%s%N)
	[ $(((end - start) / 1000000)) -lt 2000 ]
}

@test "hostile: group type missing -> null; dangling and non-numeric group entries ignored" {
	vf $T -J list
	jqe '.groups[] | select(.group == 4) | .type == null'
	jqe '[.groups[].group] == [0,1,2,3,4,5,6,7,8,9] and .iommu.groups == 10'
	jqe '.groups[] | select(.group == 9) | [.devices[].bdf] == ["0000:00:1f.0"]'
}

@test "hostile: VMD domain 10000 devices sort after domain 0000 and keep 5 hex digits" {
	vf $T -J list
	jqe '.groups[] | select(.group == 8) | [.devices[].bdf] == ["0000:00:0e.0", "10000:e0:06.0", "10000:e1:00.0"]'
	vf $T -J show 10000:e1:00.0
	expect_status 0
	jqe '.devices[0].bdf == "10000:e1:00.0" and .devices[0].group == 8 and .devices[0].parent == "10000:e0:06.0"'
}

@test "hostile: holder with quotes and control characters in comm is escaped, not mangled" {
	vf $T -J list
	jqe '.groups[] | select(.group == 7) | .holders[0] == {"pid": 666, "comm": "we\"ird\\na\u0001me", "path": "/dev/vfio/7"}'
	jqe '.groups[] | select(.group == 7) | [.holders[].pid] == [666, 667]'
}

@test "hostile: show of each odd device works" {
	for b in 00:04.0 00:05.0 00:06.0 00:07.0 00:08.0; do
		vf $T -J show "$b"
		expect_status 0
		contract show-device $T
	done
}

@test "hostile: human list matches expected/hostile.list" {
	golden $T hostile.list list
}

@test "hostile: human list --devices matches expected/hostile.devices" {
	golden $T hostile.devices list --devices
}
