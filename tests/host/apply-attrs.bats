#!/usr/bin/env bats
# apply and vfioctl.conf's reset_method= and d3cold= (issue 22) on the desktop-gpu fixture
# through the fake kernel: 0000:04:00.0 is on vfio-pci with reset_method "flr pm bus",
# 0000:03:00.0 on nvme with "flr bus"; d3cold_allowed is staged (1) by each test. apply
# writes them (journalled), --check/--diff count the drift, restore puts the old values back.

load helpers

setup() {
	fakekernel_setup desktop-gpu
	C=$R/etc/vfioctl.conf
	mkdir -p "$R/etc"
	echo 1 >"$D/0000:04:00.0/d3cold_allowed"
	echo 1 >"$D/0000:03:00.0/d3cold_allowed"
}

@test "apply: reset_method=bus d3cold=no on a device already on vfio-pci: drift counted, written once, journalled; restore puts flr pm bus and 1 back" {
	printf '0000:04:00.0 reset_method=bus d3cold=no\n' >"$C"
	fk apply --check
	expect_status 8
	fk -J apply --diff
	expect_status 8
	jqe '.actions[0].result == "planned" and .actions[0].action == "none" and
		.actions[0].reason == "already as configured: 0000:04:00.0 (line 1); reset_method '"'flr pm bus'"' -> '"'bus'"'; d3cold_allowed 1 -> 0"'
	[ "$(cat "$D/0000:04:00.0/reset_method")" = "flr pm bus" ]
	fk -vv -J apply --timeout 2
	expect_status 0
	jqe '.actions[0].result == "done"'
	[[ $stderr == *'write /sys/bus/pci/devices/0000:04:00.0/d3cold_allowed "0" = 0'* ]] || { dump; return 1; }
	[ "$(cat "$D/0000:04:00.0/reset_method")" = bus ]
	[ "$(cat "$D/0000:04:00.0/d3cold_allowed")" = 0 ]
	grep -qx 'reset_method flr pm bus' "$J/attr.0000:04:00.0"
	grep -qx 'd3cold_allowed 1' "$J/attr.0000:04:00.0"
	fk apply --check
	expect_status 0
	fk -vv apply --timeout 2
	expect_status 0
	! grep -q 'trace: write' <<<"$stderr" || { dump; return 1; }
	# the journal keeps the first values: a second change does not replace them
	printf '0000:04:00.0 reset_method=pm,bus\n' >"$C"
	fk apply --timeout 2
	expect_status 0
	[ "$(cat "$D/0000:04:00.0/reset_method")" = "pm bus" ]
	grep -qx 'reset_method flr pm bus' "$J/attr.0000:04:00.0"
	fk -J restore --dry-run 0000:04:00.0
	expect_status 0
	jqe '.actions[0].result == "planned" and (.actions[0].reason | test("reset_method '"'pm bus'"' -> '"'flr pm bus'"'; d3cold_allowed 0 -> 1$"))'
	[ "$(cat "$D/0000:04:00.0/reset_method")" = "pm bus" ]
	fk -J restore 0000:04:00.0
	expect_status 0
	jqe '.actions[0].result == "done"'
	[ "$(cat "$D/0000:04:00.0/reset_method")" = "flr pm bus" ]
	[ "$(cat "$D/0000:04:00.0/d3cold_allowed")" = 1 ]
	[ ! -e "$J/attr.0000:04:00.0" ]
}

@test "apply: attributes on a device apply binds are set before the bind; restore --all puts driver and attributes back" {
	printf '0000:03:00.0 reset_method=bus d3cold=no\n' >"$C"
	fk -vv -J apply --timeout 2
	expect_status 0
	jqe '.actions[0].action == "bind" and .actions[0].result == "done" and
		(.actions[0].reason | test("reset_method .flr bus. -> .bus.; d3cold_allowed 1 -> 0$"))'
	grep -o 'write /sys/bus/pci/devices/0000:03:00.0/[a-z0-9_]* ' <<<"$stderr" | head -3 >"$BATS_TEST_TMPDIR/w"
	diff -u - "$BATS_TEST_TMPDIR/w" <<EOF2
write /sys/bus/pci/devices/0000:03:00.0/d3cold_allowed 
write /sys/bus/pci/devices/0000:03:00.0/reset_method 
write /sys/bus/pci/devices/0000:03:00.0/driver_override 
EOF2
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	[ "$(cat "$D/0000:03:00.0/reset_method")" = bus ]
	fk restore --all --timeout 2
	expect_status 0
	[ "$(drv 0000:03:00.0)" = nvme ]
	[ "$(cat "$D/0000:03:00.0/reset_method")" = "flr bus" ]
	[ "$(cat "$D/0000:03:00.0/d3cold_allowed")" = 1 ]
	[ -z "$(ls -A "$J" | grep -v '^lock$')" ] || { ls -la "$J"; return 1; }
}

@test "apply: d3cold= on a device without d3cold_allowed fails that line (exit 6) and says so; bad values refused (2)" {
	rm "$D/0000:04:00.0/d3cold_allowed"
	printf '0000:04:00.0 d3cold=no\n' >"$C"
	fk apply --check
	expect_status 6
	[[ $stderr == *"vfioctl: 0000:04:00.0: cannot read reset_method or d3cold_allowed (line 1): No such file or directory"* ]] || { dump; return 1; }
	fk apply --timeout 2
	expect_status 6
	printf '0000:04:00.0 reset_method=warm\n0000:03:00.0 d3cold=maybe\n' >"$C"
	fk apply --check
	expect_status 2
	[[ $stderr == *"$C:1: reset_method= takes methods joined by commas"* ]] || { dump; return 1; }
	[[ $stderr == *"$C:2: d3cold= takes yes or no"* ]]
}
