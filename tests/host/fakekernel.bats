#!/usr/bin/env bats
# bind / unbind / restore / apply succeeding and rolling back on the host, through the fake
# kernel (tests/fakekernel/fakekernel.c, preloaded): it moves the driver links and creates
# /dev/vfio/N when the tool writes driver_override, unbind, bind and drivers_probe in the
# fixture tree. Without it every change here times out, so each test fails
# (FAKEKERNEL_DISABLE=1 runs them without the shim to show that). The real kernel's proof
# stays tests/vm/bind.bats.

load helpers

setup() {
	fakekernel_setup desktop-gpu
}

journal_clean() { # nothing but the lock in the journal
	[ -z "$(ls -A "$J" | grep -v '^lock$')" ] || { ls -la "$J"; return 1; }
}

@test "fake kernel: bind one device: driver link, /dev/vfio/N, journal entry, node named" {
	fk -J bind --timeout 2 03:00.0
	expect_status 0
	jqe '.actions[0].bdf == "0000:03:00.0" and .actions[0].result == "done" and
		.actions[0].from == "nvme" and .actions[0].to == "vfio-pci" and .actions[0].node == "/dev/vfio/10"'
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	[ -L "$R/sys/bus/pci/drivers/vfio-pci/0000:03:00.0" ]
	[ ! -e "$R/sys/bus/pci/drivers/nvme/0000:03:00.0" ]
	[ -e "$R/dev/vfio/10" ]
	[ "$(cat "$D/0000:03:00.0/driver_override")" = vfio-pci ]
	grep -qx 'driver nvme' "$J/0000:03:00.0"
	# binding it again is nothing to do
	fk -J bind --timeout 2 03:00.0
	expect_status 0
	jqe '.actions[0].result == "already"'
}

@test "fake kernel: bind --group: every endpoint of group 1 on vfio-pci, bridges left alone" {
	fk -J bind --timeout 2 --group 01:00.0
	expect_status 0
	jqe '[.actions[] | select(.action == "bind") | .result] == ["done","done","done"]'
	jqe '[.actions[] | select(.result == "skipped") | .bdf] == ["0000:00:01.0","0000:00:01.1"]'
	for b in 0000:01:00.0 0000:01:00.1 0000:02:00.0; do
		[ "$(drv $b)" = vfio-pci ] || { echo "$b on $(drv $b)"; false; }
		[ -f "$J/$b" ]
	done
	[ "$(drv 0000:00:01.0)" = pcieport ]
	[ -e "$R/dev/vfio/1" ]
}

@test "fake kernel: a group bind whose probe fails rolls back: original drivers, journal clean" {
	VFIOCTL_FAKEKERNEL_FAIL_PROBE=0000:01:00.1 fk -J bind --timeout 2 --group 01:00.0
	expect_status 1
	[[ "$stderr" == *"vfioctl: 0000:01:00.1: cannot probe vfio-pci: Invalid argument"* ]] || { dump; false; }
	[[ "$stderr" == *"group bind failed here; every device was put back"* ]] || { dump; false; }
	jqe '.actions[] | select(.bdf == "0000:01:00.0") | .result == "rolled-back"'
	jqe '.actions[] | select(.bdf == "0000:01:00.1") | .result == "failed"'
	jqe '.actions[] | select(.bdf == "0000:02:00.0") | .result == "skipped"'
	# the first device really moved before the failure, and really came back
	grep -qx 0000:01:00.0 "$R/sys/bus/pci/drivers/nvidia/unbind"
	[ "$(drv 0000:01:00.0)" = nvidia ]
	[ "$(drv 0000:01:00.1)" = snd_hda_intel ]
	[ "$(drv 0000:02:00.0)" = xhci_hcd ]
	for b in 0000:01:00.0 0000:01:00.1 0000:02:00.0; do
		[ "$(cat "$D/$b/driver_override")" = "(null)" ] || { echo "$b: $(cat "$D/$b/driver_override")"; false; }
	done
	[ ! -e "$R/dev/vfio/1" ]
	journal_clean
}

@test "fake kernel: restore --all after a group bind puts every device back, entries dropped" {
	fk bind --timeout 2 --group 01:00.0
	expect_status 0
	[ "$(drv 0000:01:00.1)" = vfio-pci ]
	fk -J restore --timeout 2 --all
	expect_status 0
	jqe '[.actions[] | .result] == ["done","done","done"]'
	jqe '.actions[] | select(.bdf == "0000:01:00.1") | .from == "vfio-pci" and .to == "snd_hda_intel"'
	[ "$(drv 0000:01:00.0)" = nvidia ]
	[ "$(drv 0000:01:00.1)" = snd_hda_intel ]
	[ "$(drv 0000:02:00.0)" = xhci_hcd ]
	[ ! -e "$R/dev/vfio/1" ]
	journal_clean
}

@test "fake kernel: unbind leaves the device driverless; restore brings its driver back" {
	fk -J unbind --timeout 2 03:00.0
	expect_status 0
	jqe '.actions[0].action == "unbind" and .actions[0].result == "done"'
	[ "$(drv 0000:03:00.0)" = "" ]
	[ -f "$J/0000:03:00.0" ]
	fk -J restore --timeout 2 03:00.0
	expect_status 0
	jqe '.actions[0].result == "done" and .actions[0].to == "nvme"'
	[ "$(drv 0000:03:00.0)" = nvme ]
	journal_clean
}

@test "fake kernel: apply binds what vfioctl.conf names, then has nothing left to do" {
	mkdir -p "$R/etc"
	printf '0000:03:00.0\n10de:2204\n' >"$R/etc/vfioctl.conf"
	fk apply --check
	expect_status 8
	fk -J apply --timeout 2
	expect_status 0
	jqe '[.actions[] | .result] == ["done","done"]'
	jqe '.actions[] | select(.bdf == "0000:01:00.0") | .reason == "10de:2204 (line 2)"'
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	[ "$(drv 0000:01:00.0)" = vfio-pci ]
	[ "$(drv 0000:01:00.1)" = snd_hda_intel ]
	fk apply --check
	expect_status 0
	fk -J apply --timeout 2
	expect_status 0
	jqe '[.actions[] | .result] == ["already","already"]'
}

@test "fake kernel: bind --dry-run exits as the real bind does (8: the group stays not viable)" {
	fk bind --dry-run --timeout 2 01:00.0
	expect_status 8
	[ "$(drv 0000:01:00.0)" = nvidia ]
	fk bind --timeout 2 01:00.0
	expect_status 8
	[[ "$stderr" == *"group 1 is not viable"* ]] || { dump; false; }
	[ "$(drv 0000:01:00.0)" = vfio-pci ]
}

@test "fake kernel: restore --default returns a device someone else put on vfio-pci to the kernel's choice" {
	# issue 23 item 13: bound, then the journal forgotten (as if another tool had bound it)
	fk bind --timeout 2 03:00.0
	expect_status 0
	rm -f "$J/0000:03:00.0"
	fk -J restore --timeout 2 03:00.0
	expect_status 0
	jqe '.actions[0].result == "already"'	# no journal entry: plain restore has nothing
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	fk -J restore --default --dry-run 03:00.0
	expect_status 0
	jqe '.actions[0].result == "planned" and .actions[0].from == "vfio-pci"'
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	fk -J restore --default --timeout 2 03:00.0
	expect_status 0
	jqe '.actions[0].action == "restore" and .actions[0].result == "done" and .actions[0].to == "nvme"'
	[ "$(drv 0000:03:00.0)" = nvme ]
	[ "$(cat "$D/0000:03:00.0/driver_override")" = "(null)" ]
	fk -J restore --default 03:00.0
	expect_status 0
	jqe '.actions[0].result == "already"'
	fk restore --default --all
	expect_status 2
}
