#!/usr/bin/env bats
# apply and SR-IOV (issue 21, persistence): a PF line `PF vfs=N autoprobe=no|yes` and a
# `PF/vfs driver=...` line on the sriov-nic fixture (an ixgbe PF with 8 VFs, VF 01:10.2 held
# by dpdk-testpmd), through the fake kernel's sriov_numvfs: VFs first (autoprobe before the
# count), then the binds; idempotent; --check/--diff count count and autoprobe drift; a held
# VF refuses a change (5); journalled so that restore puts the count back. The real kernel's
# proof is tests/vm/sriov.bats.

load helpers

PF=0000:01:00.0

setup() {
	fakekernel_setup sriov-nic
	C=$R/etc/vfioctl.conf
	mkdir -p "$R/etc"
}

unhold() { # the fixture's dpdk-testpmd exits
	rm -rf "$R/proc/3077"
}

nvfs() { # the virtfn links the PF has
	local n=0
	while [ -L "$D/$PF/virtfn$n" ]; do n=$((n + 1)); done
	echo "$n"
}

@test "apply: vfs=4 autoprobe=no + PF/vfs: autoprobe, then the count, then 4 binds that never met ixgbevf; a second apply changes nothing; restore puts 8 back" {
	unhold
	printf '%s vfs=4 autoprobe=no\n%s/vfs driver=vfio-pci\n' $PF $PF >"$C"
	fk -J apply --diff
	expect_status 8
	jqe '.actions[0].bdf == "0000:01:00.0" and .actions[0].action == "none" and
		.actions[0].result == "planned" and .actions[0].from == "ixgbe" and
		.actions[0].reason == "sriov_drivers_autoprobe 1 -> 0; sriov_numvfs 8 -> 0 -> 4 (line 1)"'
	[ "$(nvfs)" = 8 ]
	[ ! -e "$J/sriov.$PF" ]
	fk -vv -J apply --timeout 2
	expect_status 0
	jqe '.actions[0].result == "done" and (.actions | length) == 5'
	jqe '[.actions[1:][] | [.action, .result, .from, .to]] == [["bind","done",null,"vfio-pci"],
		["bind","done",null,"vfio-pci"],["bind","done",null,"vfio-pci"],["bind","done",null,"vfio-pci"]]'
	# the order of the writes: autoprobe, 0, 4, then the VFs' driver_override
	grep -o 'write /sys/bus/pci/devices/[^ ]* "[^"]*"' <<<"$stderr" | head -4 >"$BATS_TEST_TMPDIR/w"
	diff -u - "$BATS_TEST_TMPDIR/w" <<EOF
write /sys/bus/pci/devices/$PF/sriov_drivers_autoprobe "0"
write /sys/bus/pci/devices/$PF/sriov_numvfs "0"
write /sys/bus/pci/devices/$PF/sriov_numvfs "4"
write /sys/bus/pci/devices/0000:01:10.0/driver_override "vfio-pci"
EOF
	[ "$(nvfs)" = 4 ]
	for vf in 0000:01:10.0 0000:01:10.2 0000:01:10.4 0000:01:10.6; do
		[ "$(drv $vf)" = vfio-pci ]
		grep -qx 'driver -' "$J/$vf" || { cat "$J/$vf"; return 1; }	# unbound: autoprobe 0
	done
	grep -qx 'numvfs 8' "$J/sriov.$PF"
	grep -qx 'autoprobe 1' "$J/sriov.$PF"
	# idempotent
	fk apply --check
	expect_status 0
	fk -vv -J apply --timeout 2
	expect_status 0
	jqe '[.actions[] | .result] == ["already","already","already","already","already"]'
	jqe '.actions[0].reason == "already as configured: 4 VFs, autoprobe 0 (line 1)"'
	! grep -q 'trace: write' <<<"$stderr" || { dump; return 1; }
	# restore: the VFs' bindings, then the count and autoprobe
	fk -J restore --timeout 2 $PF
	expect_status 0
	jqe '.actions[0].reason == "sriov_numvfs 4 -> 8; sriov_drivers_autoprobe 0 -> 1"'
	[ "$(nvfs)" = 8 ]
	[ "$(cat "$D/$PF/sriov_drivers_autoprobe")" = 1 ]
	[ ! -e "$J/sriov.$PF" ]
}

@test "apply --check/--diff: count drift and autoprobe drift each count; apply fixes them" {
	unhold
	printf '%s vfs=8 autoprobe=yes\n' $PF >"$C"
	fk apply --check
	expect_status 0
	echo 0 >"$D/$PF/sriov_drivers_autoprobe"
	fk apply --check
	expect_status 8
	fk -J apply --diff
	expect_status 8
	jqe '.actions == [.actions[0]] and .actions[0].result == "planned" and
		.actions[0].reason == "sriov_drivers_autoprobe 0 -> 1 (line 1)"'
	fk apply --timeout 2
	expect_status 0
	[ "$(cat "$D/$PF/sriov_drivers_autoprobe")" = 1 ]
	[ "$(nvfs)" = 8 ]
	printf '%s vfs=2\n' $PF >"$C"
	fk -J apply --diff
	expect_status 8
	jqe '.actions[0].reason == "sriov_numvfs 8 -> 0 -> 2 (line 1)"'
	fk apply --timeout 2
	expect_status 0
	[ "$(nvfs)" = 2 ]
	fk apply --check
	expect_status 0
	# vfs=0 removes them
	printf '%s vfs=0\n' $PF >"$C"
	fk -J apply --diff
	expect_status 8
	jqe '.actions[0].reason == "sriov_numvfs 2 -> 0 (line 1)"'
	fk apply --timeout 2
	expect_status 0
	[ "$(nvfs)" = 0 ]
	# the first count vfioctl saw is the one restore puts back
	grep -qx 'numvfs 8' "$J/sriov.$PF"
}

@test "apply: a count change while a process holds a VF is refused (5) naming VF and holder, nothing written; --check says 5 too" {
	printf '%s vfs=4 autoprobe=no\n%s/vfs\n' $PF $PF >"$C"
	fk apply --check
	expect_status 5
	[[ $stderr == *"vfioctl: $PF: refused: "*"VF 0000:01:10.2 (group 41) is in use by pid 3077 (dpdk-testpmd)"* ]] || { dump; return 1; }
	fk -J apply --timeout 2
	expect_status 5
	jqe '.actions[0].result == "refused" and (.actions[0].reason | test("^sriov_drivers_autoprobe 1 -> 0; sriov_numvfs 8 -> 0 -> 4 would remove its VFs: VF 0000:01:10.2 .*[(]line 1[)]$"))'
	jqe '(.actions | length) == 1'	# the VFs that would go are not bound either
	[[ $stderr == *"pid 3077 (dpdk-testpmd)"* ]]
	[ "$(nvfs)" = 8 ]
	[ "$(cat "$D/$PF/sriov_drivers_autoprobe")" = 1 ]
	[ ! -e "$J/sriov.$PF" ]
}

@test "apply: a PF/vfs line whose PF has no VFs is explained: no vfs= line, or (dry run) the vfs= line that makes them" {
	unhold
	fk sriov $PF --vfs 0
	expect_status 0
	rm -f "$J/sriov.$PF"
	printf '%s/vfs driver=vfio-pci\n' $PF >"$C"
	fk apply --check
	expect_status 0
	[[ $stderr == *"vfioctl: $C:1: warning: $PF has no VFs, and no line gives it vfs=N: nothing to bind (add a line \`$PF vfs=N\`)"* ]] || { dump; return 1; }
	printf '%s/vfs driver=vfio-pci\n%s vfs=3 autoprobe=no\n' $PF $PF >"$C"
	fk apply --diff
	expect_status 8
	[[ $stderr == *"vfioctl: $C:1: warning: $PF has no VFs yet: line 2 (vfs=3) makes them first, then this line binds them"* ]] || { dump; return 1; }
	fk -J apply --timeout 2
	expect_status 0
	jqe '[.actions[] | .result] == ["done","done","done","done"]'
	[ "$(nvfs)" = 3 ]
	[ "$(drv 0000:01:10.4)" = vfio-pci ]
}

@test "apply --device: the PF's add event sets its count only; each VF's add event binds that VF" {
	unhold
	fk sriov $PF --vfs 0
	expect_status 0
	printf '%s vfs=2 autoprobe=no\n%s/vfs driver=vfio-pci\n' $PF $PF >"$C"
	fk -J apply --device 0000:01:10.0 --timeout 2
	expect_status 0
	[ "$(nvfs)" = 0 ]
	fk -J apply --device $PF --timeout 2
	expect_status 0
	jqe '(.actions | length) == 1 and .actions[0].result == "done"'
	[ "$(nvfs)" = 2 ]
	[ "$(drv 0000:01:10.0)" = "" ]
	fk -J apply --device 0000:01:10.2 --timeout 2
	expect_status 0
	jqe '(.actions | length) == 1 and .actions[0].bdf == "0000:01:10.2" and .actions[0].result == "done"'
	[ "$(drv 0000:01:10.2)" = vfio-pci ]
	[ "$(drv 0000:01:10.0)" = "" ]
}

@test "apply: a PF without a driver yet is skipped (the udev rule applies it at its bind event); --check counts it" {
	unhold
	fk sriov $PF --vfs 0
	expect_status 0
	fk unbind --timeout 2 $PF
	expect_status 0
	[ "$(drv $PF)" = "" ]
	printf '%s vfs=2\n' $PF >"$C"
	fk apply --check
	expect_status 8
	fk -J apply --timeout 2
	expect_status 0
	jqe '.actions[0].result == "skipped" and (.actions[0].reason | test("no driver yet"))'
	[ "$(nvfs)" = 0 ]
}

@test "apply: vfioctl.conf's SR-IOV lines that cannot be: each refused alone, with its line" {
	unhold
	printf '%s vfs=4 driver=vfio-pci\n8086:10fb vfs=2\n%s/vfs vfs=2\n%s vfs=lots\n%s autoprobe=maybe\n' \
		$PF $PF $PF $PF >"$C"
	fk apply --check
	expect_status 2
	[[ $stderr == *"$C:1: a PF line with vfs= or autoprobe= keeps the PF on its own driver"* ]] || { dump; return 1; }
	[[ $stderr == *"$C:2: vfs= and autoprobe= name a PF by its PCI address"* ]]
	[[ $stderr == *"$C:3: vfs= and autoprobe= name a PF by its PCI address"* ]]
	[[ $stderr == *"$C:4: vfs= takes a VF count"* ]]
	[[ $stderr == *"$C:5: autoprobe= takes yes or no"* ]]
	printf '0000:00:18.3 vfs=2\n' >"$C"
	fk apply --check
	expect_status 6
	[[ $stderr == *"$C:1: 0000:00:18.3 is not an SR-IOV PF"* ]] || { dump; return 1; }
	printf '%s vfs=64\n' $PF >"$C"
	fk apply --timeout 2
	expect_status 2
	[[ $stderr == *"$C:1: vfs=64 is more than the VFs $PF supports"* ]] || { dump; return 1; }
	[ "$(nvfs)" = 8 ]
}

@test "sriov --vfs --persist: the PF line (and with --bind its PF/vfs line) in vfioctl.conf, which apply then finds done; --vfs 0 --persist drops them" {
	unhold
	printf '# mine\n0000:07:00.0 driver=vfio-pci\n' >"$C"
	fk -J sriov $PF --vfs 4 --autoprobe=no --bind --persist --dry-run
	expect_status 0
	jqe '.sriov.plan[-1] == "record 0000:01:00.0'"'"'s lines in /etc/vfioctl.conf (--persist)"'
	[ "$(cat "$C")" = "$(printf '# mine\n0000:07:00.0 driver=vfio-pci')" ]
	fk -J sriov $PF --vfs 4 --autoprobe=no --bind --persist --timeout 2
	expect_status 0
	jqe '.sriov.plan[-1] == "recorded 0000:01:00.0'"'"'s lines in /etc/vfioctl.conf (--persist)"'
	diff -u - "$C" <<EOF2
# mine
0000:07:00.0 driver=vfio-pci
$PF vfs=4 autoprobe=no
$PF/vfs driver=vfio-pci
EOF2
	# the file says what the host is: apply has nothing to do
	fk apply --check
	expect_status 0
	# a new count keeps the line's other options (autoprobe), once
	fk -J sriov $PF --vfs 2 --persist --timeout 2
	expect_status 0
	[ "$(grep -c "^$PF" "$C")" = 2 ]
	grep -qx "$PF vfs=2 autoprobe=no" "$C"
	fk -J sriov $PF --vfs 2 --persist --timeout 2
	expect_status 0
	jqe '.sriov.plan[-1] == "already had 0000:01:00.0'"'"'s lines in /etc/vfioctl.conf (--persist)"'
	fk sriov $PF --vfs 0 --persist --timeout 2
	expect_status 0
	[ "$(cat "$C")" = "$(printf '# mine\n0000:07:00.0 driver=vfio-pci')" ]
	fk sriov $PF --persist
	expect_status 2
	[[ $stderr == *"--persist: needs --vfs N"* ]]
}

@test "sriov --persist: a refused change records nothing" {
	fk sriov $PF --vfs 2 --persist
	expect_status 5
	[ ! -e "$C" ]
}
