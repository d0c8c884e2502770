#!/usr/bin/env bats
# Hotplug in the x86 guests, through the guest's own QMP channel (tests/vm/qmp): devices
# hot-added to the spare root port rp7 (00:16.0) and removed again.

load helpers

RP7=0000:00:16.0

qmp() { "$TOP/tests/vm/qmp" "$@"; }

setup_file() {
	[ -n "${VFIOCTL_LAB_QMP:-}" ] || return 0
}

@test "hotplug qmp: the guest's QMP channel answers query-status" {
	[ -n "${VFIOCTL_LAB_QMP:-}" ] || skip "guest $VFIOCTL_GUEST has no QMP channel (GUEST_QMP_SERIAL)"
	run qmp query-status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'"running": true'* ]]
}

@test "hotplug qmp: an edu hot-added to rp7 appears on its secondary bus" {
	run qmp device_add driver=edu id=probe1 bus=rp7
	echo "$output"
	[ "$status" -eq 0 ]
	read -r sec <"/sys/bus/pci/devices/$RP7/secondary_bus_number"
	bdf=$(printf '0000:%02x:00.0' "$sec")
	for _ in $(seq 100); do [ -e "/sys/bus/pci/devices/$bdf" ] && break; sleep 0.1; done
	[ "$(pci_id "$bdf")" = 1234:11e8 ]
	run qmp --timeout 60 device_del id=probe1 --wait-event DEVICE_DELETED:probe1
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "/sys/bus/pci/devices/$bdf" ]
}
