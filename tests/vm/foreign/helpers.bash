# shellcheck shell=bash
# Helpers for the foreign guests' bats files (arm64.bats, ppc64.bats): `load foreign/helpers`.
#
# They read /sys directly, with bash globbing instead of readlink/realpath: a process spawn in
# a TCG guest costs 50-75 ms and these walks visit every device. Binding uses plain sysfs
# writes (driver_override + drivers_probe), never vfioctl, so the tool is checked against the
# kernel and not against itself.

PCI=/sys/bus/pci

# The binary under test: build/ARCH/vfioctl, exported by the lab.
vfc() {
	"${VFIOCTL:?VFIOCTL is not set: run through tests/vm/run}" "$@"
}

# sysfs_walk: one line per PCI device, "BDF GROUP DRIVER", '-' for none, sorted by BDF.
sysfs_walk() {
	local -A grp=() drv=()
	local g d
	for g in /sys/kernel/iommu_groups/*; do
		[[ -d $g/devices ]] || continue
		for d in "$g"/devices/*; do
			[[ -e $d ]] && grp[${d##*/}]=${g##*/}
		done
	done
	for g in "$PCI"/drivers/*; do
		for d in "$g"/????:??:??.?; do
			[[ -e $d ]] && drv[${d##*/}]=${g##*/}
		done
	done
	for d in "$PCI"/devices/*; do
		d=${d##*/}
		echo "$d ${grp[$d]:--} ${drv[$d]:--}"
	done | LC_ALL=C sort
}

# tool_walk_groups: the same lines from `vfioctl list -J` (groups + ungrouped).
tool_walk_groups() {
	vfc list -J | jq -r '
		(.groups[] | .group as $g | .devices[] | "\(.bdf) \($g) \(.driver // "-")"),
		(.ungrouped[] | "\(.bdf) - \(.driver // "-")")' | LC_ALL=C sort
}

# tool_walk_devices: the same lines from `vfioctl list --devices -J`.
tool_walk_devices() {
	vfc list --devices -J | jq -r '.devices[] | "\(.bdf) \(.group // "-") \(.driver // "-")"' |
		LC_ALL=C sort
}

# same_lines WHAT EXPECTED ACTUAL: fail with both listings and their diff when they differ.
same_lines() {
	if [[ $2 != "$3" ]]; then
		echo "$1 differs from /sys:"
		echo "--- /sys (BDF group driver)"
		echo "$2"
		echo "--- vfioctl"
		echo "$3"
		diff <(echo "$2") <(echo "$3") || true
		return 1
	fi
}

# find_devices VENDOR:DEVICE: BDFs of the PCI devices with that ID (4 hex digits each), sorted.
find_devices() {
	local d v i
	for d in "$PCI"/devices/*; do
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		[[ ${v#0x}:${i#0x} == "$1" ]] && echo "${d##*/}"
	done
	return 0
}

# group_of BDF: the IOMMU group number, or nothing (status 1) when the device has none.
group_of() {
	local l=$PCI/devices/$1/iommu_group g
	[[ -e $l ]] || return 1
	g=$(readlink "$l")
	echo "${g##*/}"
}

# driver_of BDF: the bound driver's name, or nothing (status 1).
driver_of() {
	local l=$PCI/devices/$1/driver d
	[[ -e $l ]] || return 1
	d=$(readlink "$l")
	echo "${d##*/}"
}

# sysfs_bind BDF DRIVER: bind BDF to DRIVER the way the kernel documents it: override, unbind
# from the current driver, reprobe. Fails unless the device really ends up on DRIVER.
sysfs_bind() {
	local bdf=$1 want=$2 cur
	echo "$want" >"$PCI/devices/$bdf/driver_override"
	if cur=$(driver_of "$bdf"); then
		[[ $cur == "$want" ]] && return 0
		echo "$bdf" >"$PCI/devices/$bdf/driver/unbind"
	fi
	echo "$bdf" >"$PCI/drivers_probe"
	cur=$(driver_of "$bdf") || { echo "$bdf: no driver after binding to $want"; return 1; }
	[[ $cur == "$want" ]] || { echo "$bdf: on $cur after binding to $want"; return 1; }
}

# sysfs_unbind BDF: leave the device without a driver and without an override.
sysfs_unbind() {
	local bdf=$1
	if [[ -e $PCI/devices/$bdf/driver ]]; then
		echo "$bdf" >"$PCI/devices/$bdf/driver/unbind"
	fi
	echo >"$PCI/devices/$bdf/driver_override"
}

# sysfs_restore BDF [DRIVER]: clear the override and reprobe, so the device goes back to its
# host driver (if any); with DRIVER, fail unless it is bound to DRIVER afterwards.
sysfs_restore() {
	local bdf=$1 want=${2:-} cur
	sysfs_unbind "$bdf"
	echo "$bdf" >"$PCI/drivers_probe" 2>/dev/null || true
	[[ -z $want ]] && return 0
	cur=$(driver_of "$bdf") || { echo "$bdf: no driver after restore, expected $want"; return 1; }
	[[ $cur == "$want" ]] || { echo "$bdf: on $cur after restore, expected $want"; return 1; }
}

# tool_group JSON-GROUP: the group object N of `vfioctl list -J`, or "null".
tool_group() {
	vfc list -J | jq -c --argjson g "$1" '[.groups[] | select(.group == $g)][0]'
}

# host_bridge_of BDF: the sysfs name of the PCI host bridge above BDF (pciDDDD:BB), taken from
# the canonical device path /sys/devices/pciDDDD:BB/.../BDF.
host_bridge_of() {
	local p
	p=$(readlink -f "$PCI/devices/$1")
	p=${p#/sys/devices/}
	echo "${p%%/*}"
}

# expect_viable GROUP true|false: vfioctl's verdict on GROUP must be that; else show the group.
expect_viable() {
	local json
	json=$(tool_group "$1")
	if [[ $(jq -r '.viable' <<<"$json") != "$2" ]]; then
		echo "group $1: expected viable=$2 from vfioctl, got: $json"
		sysfs_walk | awk -v g="$1" '$2 == g'
		return 1
	fi
}
