#!/usr/bin/env bats
# Guest suite for `vfioctl reset`: VFIO device reset, PCI hot reset with its scope and ownership,
# sysfs function resets, and the refusals. The truth is sysfs and the kernel's ioctl answers;
# devices are found by ids (helpers.bash), never by group number, and bound with plain sysfs
# writes (sysfs_bind), undone in teardown:
#   virtio-net 1af4:1041 (flr pm bus), e1000e 8086:10d3 alone (pm bus), edu 1234:11e8 alone on
#   a root port (bus), edu + pci-testdev 1b36:0005 behind the pcie-pci-bridge 1b36:000e (one
#   bus, one group; no function reset), the multifunction e1000e fn0 + edu fn1 (edu: none).
# x86 topology: tests/vm/guests/x86-q35.inc; ppc64: tests/vm/guests/ppc64-612.conf.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local b n
	E1000E= MF_EDU= BR_EDU=
	VNET=$(pci_find 1af4:1041 | head -n1)
	for b in $(pci_find 8086:10d3); do
		n=$(group_members "$(pci_group "$b")" | wc -l)
		[ "$n" = 1 ] && [ -z "$E1000E" ] && E1000E=$b
	done
	EDU=$(edu_alone || true)
	TESTDEV=$(pci_find 1b36:0005 | head -n1)
	if [ -n "$TESTDEV" ]; then
		BR_EDU=$(group_members "$(pci_group "$TESTDEV")" | while read -r b; do
			[ "$(pci_id "$b")" = 1234:11e8 ] && echo "$b"
		done | head -n1)
	fi
	for b in $(pci_find 1234:11e8); do
		[ "$b" = "$EDU" ] || [ "$b" = "$BR_EDU" ] && continue
		MF_EDU=$b
	done
	export VNET E1000E EDU TESTDEV BR_EDU MF_EDU
}

teardown() {
	restore_drivers
}

x86_only() {
	[ "$VFIOCTL_GUEST_ARCH" = x86_64 ] || skip "the x86 lab topology (q35 root ports, pcie-pci-bridge)"
}

# rst ARGS...: vfioctl -J reset, stdout (JSON) and stderr apart
rst() {
	run --separate-stderr "$VFIOCTL" -J reset "$@"
	echo "status=$status"
	echo "$output"
	echo "--- stderr"
	echo "$stderr"
}

iommufd_guest() {
	[ -d /sys/class/vfio-dev ] && [ -e /dev/iommu ]
}

@test "reset: virtio-net on vfio-pci gets VFIO_DEVICE_RESET (the kernel offers flr)" {
	x86_only
	need VNET "virtio-net 1af4:1041"
	grep -qw flr "/sys/bus/pci/devices/$VNET/reset_method"
	sysfs_bind "$VNET" vfio-pci
	rst "$VNET"
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "device" and .reset.result == "reset" and .reset.vfio_reset == true' <<<"$output"
	jq -e '.reset.usable_methods | index("flr") != null' <<<"$output"
	jq -e '.reset.dry_run == false and .reset.backend != null' <<<"$output"
}

@test "reset: e1000e on vfio-pci gets VFIO_DEVICE_RESET; --method pm resets through sysfs and restores reset_method" {
	need E1000E "e1000e alone in a group"
	local before after
	read -r before <"/sys/bus/pci/devices/$E1000E/reset_method"
	[[ " $before " == *" pm "* ]]
	[[ " $before " != *" flr "* ]]
	sysfs_bind "$E1000E" vfio-pci
	rst "$E1000E"
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "device" and .reset.vfio_reset == true and .reset.result == "reset"' <<<"$output"
	rst "$E1000E" --method pm
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "pm" and .reset.result == "reset" and .reset.backend == null' <<<"$output"
	read -r after <"/sys/bus/pci/devices/$E1000E/reset_method"
	[ "$after" = "$before" ]
	# e1000e has no FLR: asking for it is refused with what the kernel offers
	rst "$E1000E" --method flr
	[ "$status" -eq 6 ]
	[[ $stderr == *"$E1000E: reset refused: no flr reset: the kernel offers pm"* ]]
}

@test "reset: a device on its host driver is refused, naming the driver" {
	need E1000E "e1000e alone in a group"
	[ "$(pci_driver "$E1000E")" = e1000e ] || skip "e1000e is not on its host driver here"
	rst "$E1000E"
	[ "$status" -eq 5 ]
	[[ $stderr == *"$E1000E: reset refused: it is bound to host driver e1000e"* ]]
	jq -e '.reset.result == "refused" and .reset.method == "none"' <<<"$output"
}

@test "reset: hot reset of a root-port endpoint; the kernel's scope is the device alone" {
	x86_only
	need EDU "edu alone on a root port"
	sysfs_bind "$EDU" vfio-pci
	rst "$EDU" --method hot
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "hot" and .reset.result == "reset"' <<<"$output"
	jq -e '.reset.scope_source == "kernel"' <<<"$output"
	jq -e --arg d "$EDU" --arg g "$(pci_group "$EDU")" '
		.reset.scope == [{bdf: $d, group: ($g | tonumber), driver: "vfio-pci", target: true,
				  owned: true, held_by: null, blocker: null}]' <<<"$output"
	if iommufd_guest; then
		jq -e '.reset.backend == "iommufd" and (.reset.action | contains("zero-length"))' <<<"$output"
	else
		jq -e '.reset.backend == "type1v2" and (.reset.action | contains("group fd"))' <<<"$output"
	fi
}

@test "reset: behind the pcie-pci-bridge, the hot reset is refused while pci-testdev is not on vfio" {
	x86_only
	need BR_EDU "edu behind the pcie-pci-bridge"
	need TESTDEV "pci-testdev 1b36:0005"
	sysfs_bind "$BR_EDU" vfio-pci
	[ "$(pci_driver "$TESTDEV")" != vfio-pci ]
	# the plan, from sysfs: both devices of the bus, the testdev not ownable
	rst "$BR_EDU" --method hot --dry-run
	[ "$status" -eq 5 ]
	jq -e --arg e "$BR_EDU" --arg t "$TESTDEV" '
		[.reset.scope[] | {bdf, target, owned}] ==
		([{bdf: $e, target: true, owned: true}, {bdf: $t, target: false, owned: false}]
		 | sort_by(.bdf))' <<<"$output"
	[[ $stderr == *"$TESTDEV: blocks the hot reset: not bound to vfio-pci"* ]]
	# the real run refuses before opening anything
	rst "$BR_EDU" --method hot
	[ "$status" -eq 5 ]
	jq -e '.reset.result == "refused"' <<<"$output"
	[[ $stderr == *"$TESTDEV: blocks the hot reset"* ]]
	# auto: no function reset behind a shared bus (reset_method's "bus" is not usable)
	rst "$BR_EDU"
	[ "$status" -eq 6 ]
	[[ $stderr == *"no reset method"* ]]
}

@test "reset: behind the pcie-pci-bridge, the hot reset succeeds once the whole group is on vfio" {
	x86_only
	need BR_EDU "edu behind the pcie-pci-bridge"
	need TESTDEV "pci-testdev 1b36:0005"
	sysfs_bind "$BR_EDU" vfio-pci
	sysfs_bind "$TESTDEV" vfio-pci
	rst "$BR_EDU" --method hot
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "hot" and .reset.result == "reset" and .reset.scope_source == "kernel"' <<<"$output"
	jq -e --arg e "$BR_EDU" --arg t "$TESTDEV" '
		[.reset.scope[] | .bdf] == ([$e, $t] | sort) and
		all(.reset.scope[]; .owned and .blocker == null)' <<<"$output"
	# auto falls back to the hot reset: the kernel offers no function reset here
	rst "$BR_EDU"
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "hot" and .reset.result == "reset"' <<<"$output"
}

@test "reset: pci-testdev has no reset method: a clear error (sysfs and VFIO)" {
	x86_only
	need TESTDEV "pci-testdev 1b36:0005"
	[ ! -s "/sys/bus/pci/devices/$TESTDEV/reset_method" ]
	rst "$TESTDEV"
	[ "$status" -eq 6 ]
	[[ $stderr == *"$TESTDEV: reset refused: no reset method"* ]]
	sysfs_bind "$TESTDEV" vfio-pci
	rst "$TESTDEV" --method device
	[ "$status" -eq 6 ]
	[[ $stderr == *"$TESTDEV: reset refused: no reset method"* ]]
	run "$VFIOCTL" show "$TESTDEV"
	[[ $output == *"reset:"*"no reset method"* ]]
}

@test "reset: the multifunction edu has no reset method; its bus reset would touch the e1000e" {
	x86_only
	need MF_EDU "edu fn1 of the multifunction slot"
	[ ! -s "/sys/bus/pci/devices/$MF_EDU/reset_method" ]
	sysfs_bind "$MF_EDU" vfio-pci
	rst "$MF_EDU"
	[ "$status" -eq 6 ]
	[[ $stderr == *"$MF_EDU: reset refused: no reset method"* ]]
	[[ $stderr == *"blocks the hot reset: bound to host driver e1000e"* ]]
	jq -e '[.reset.scope[] | select(.driver == "e1000e") | .owned] == [false]' <<<"$output"
}

@test "reset: iommufd hot reset passes the zero-length fd array (custom kernel)" {
	x86_only
	iommufd_guest || skip "no /dev/iommu or vfio cdevs: this kernel lacks CONFIG_IOMMUFD/CONFIG_VFIO_DEVICE_CDEV (x86-custom has them)"
	need BR_EDU "edu behind the pcie-pci-bridge"
	sysfs_bind "$BR_EDU" vfio-pci
	sysfs_bind "$TESTDEV" vfio-pci
	rst "$BR_EDU" --method hot
	[ "$status" -eq 0 ]
	jq -e '.reset.backend == "iommufd" and (.reset.action | contains("zero-length"))' <<<"$output"
	jq -e 'all(.reset.scope[]; .owned)' <<<"$output"
}

@test "reset: e1000e on ppc64 (pseries) resets through VFIO (pm)" {
	[ "$VFIOCTL_GUEST_ARCH" = ppc64le ] || skip "the pseries e1000e guest (ppc64-612)"
	need E1000E "e1000e alone on a host bridge"
	sysfs_bind "$E1000E" vfio-pci
	rst "$E1000E"
	[ "$status" -eq 0 ]
	jq -e '.reset.method == "device" and .reset.result == "reset" and .reset.vfio_reset == true' <<<"$output"
}
