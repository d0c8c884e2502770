#!/usr/bin/env bats
# vfioctl exec: build a domain, then run a program with exactly the announced fds inherited,
# optionally as another user with no capabilities left. Proven with the lab's edu DMA helper.

load helpers

setup() {
	EDU=$(edu_alone) || skip "no edu device alone in a group in this guest"
	sysfs_bind "$EDU" vfio-pci
	if [ -d /sys/class/vfio-dev ] && [ -e /dev/iommu ]; then
		BACKEND=iommufd
	else
		BACKEND=type1v2
	fi
}

teardown() {
	restore_drivers
}

@test "exec: --user nobody runs an edu DMA round trip through the inherited fds, CapEff 0" {
	[ -x "${VFIOCTL_EDU_DMA:-}" ] || skip "edu DMA helper not built for this guest"
	getent passwd nobody >/dev/null || skip "no user nobody in this root"
	if [ "$BACKEND" = iommufd ]; then
		fds=(--iommufd '{iommufd}' --ioas '{ioas}' --device-fd "{device:$EDU}")
	else
		fds=(--container-fd '{container}' --device-fd "{device:$EDU}")
	fi
	run "$VFIOCTL" exec "$EDU" --user nobody -- "$VFIOCTL_EDU_DMA" "$EDU" "${fds[@]}" --len 2048
	echo "$output"
	[ "$status" -eq 0 ]
	run "$VFIOCTL" exec "$EDU" --user nobody -- sh -c 'id -un; grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == nobody* ]]
	[[ $output == *"CapEff:	0000000000000000"* ]]
	[[ $output == *"CapPrm:	0000000000000000"* ]]
}

@test "exec: the program inherits exactly the announced fds, and their numbers are in the env" {
	run "$VFIOCTL" exec "$EDU" -- sh -c 'ls /proc/$$/fd | sort -n | tr "\n" " "; echo; env | grep ^VFIOCTL_ | sort'
	echo "$output"
	[ "$status" -eq 0 ]
	fds=$(echo "$output" | head -n 1)
	dev=$(echo "$output" | sed -n "s/^VFIOCTL_DEVICE_$(echo "$EDU" | tr ':.' '__')=//p")
	[ -n "$dev" ]
	if [ "$BACKEND" = iommufd ]; then
		main=$(echo "$output" | sed -n 's/^VFIOCTL_IOMMUFD=//p')
		expect="0 1 2 $(printf '%s\n' "$main" "$dev" | sort -n | tr '\n' ' ')"
	else
		main=$(echo "$output" | sed -n 's/^VFIOCTL_CONTAINER=//p')
		grp=$(echo "$output" | sed -n "s/^VFIOCTL_GROUP_$(pci_group "$EDU")=//p")
		[ -n "$grp" ]
		expect="0 1 2 $(printf '%s\n' "$main" "$grp" "$dev" | sort -n | tr '\n' ' ')"
	fi
	[ -n "$main" ]
	echo "expected fds: $expect"
	[ "$fds" = "$expect" ]
	echo "$output" | grep -qx "VFIOCTL_BACKEND=$BACKEND"
	echo "$output" | grep -qx "VFIOCTL_DEVICES=$EDU=$dev"
}

@test "exec: placeholders expand inside words; an unknown one stops before anything runs" {
	run "$VFIOCTL" exec "$EDU" -- echo "fd={device:$EDU},x" '{backend}'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ ^fd=[0-9]+,x\ (iommufd|type1v2)$ ]]
	run "$VFIOCTL" exec "$EDU" -- echo '{nope:1}'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"unknown placeholder '{nope:1}'"* ]]
}

@test "exec: maps are memfd-backed and handed over with fd, offset, iova and size" {
	run "$VFIOCTL" exec "$EDU" --map 64K --map 64K -- sh -c 'echo "$VFIOCTL_MAP_0"; echo "$VFIOCTL_MAP_1"; fd=${VFIOCTL_MAP_0#fd=}; fd=${fd%%,*}; readlink /proc/$$/fd/$fd'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $(sed -n 1p <<<"$output") =~ ^fd=[0-9]+,offset=0x0,iova=0x0,size=0x10000$ ]]
	[[ $(sed -n 2p <<<"$output") =~ ^fd=[0-9]+,offset=0x10000,iova=0x10000,size=0x10000$ ]]
	[[ $(sed -n 3p <<<"$output") == "/memfd:vfioctl-dma"* ]]
}

@test "exec: a program that does not exist: exit 127, and the domain is torn down" {
	run "$VFIOCTL" exec "$EDU" -- /nonexistent/program
	echo "$output"
	[ "$status" -eq 127 ]
	# the group (or cdev) is free again: a domain can be built right away
	run "$VFIOCTL" domain "$EDU"
	[ "$status" -eq 0 ]
}
