#!/usr/bin/env bats
# SR-IOV in the lab (guest x86-sriov, QEMU 10 + VT-d): virtual functions made through sysfs
# (sriov_numvfs) on the physical functions' own drivers, each VF in its own IOMMU group, and
# the tool's view of them. The PFs: QEMU's igb (82576, 8086:10c9, VFs 8086:10ca for igbvf) and
# an nvme behind an nvme-subsys with sriov_max_vfs=2 (1b36:0010; its VFs have the same ids).
# Writing sriov_numvfs needs the PF on a driver with sriov_configure (igb, nvme): unbound it
# fails (ENOENT, measured on 6.12).

bats_require_minimum_version 1.5.0
load helpers

IGB_PF=8086:10c9 IGB_VF=8086:10ca NVME=1b36:0010

teardown() {
	local pf
	# drivers first (the journal names VFs), then the VFs go
	restore_drivers
	for pf in ${PFS_TOUCHED:-}; do
		echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs" || true
		echo 1 >"/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe" || true
	done
}

# pf_of ID: the one PF with ID that has SR-IOV (sriov_totalvfs), fails naming what is missing
pf_of() {
	local b
	for b in $(pci_find "$1"); do
		[ -e "/sys/bus/pci/devices/$b/sriov_totalvfs" ] && { echo "$b"; return 0; }
	done
	echo "no SR-IOV capable $1 in this guest (tests/vm/guests/x86-sriov.conf)" >&2
	return 1
}

# make_vfs PF N AUTOPROBE: N VFs with sriov_drivers_autoprobe AUTOPROBE; VFS gets their BDFs
make_vfs() {
	local pf=$1 n=$2 d=/sys/bus/pci/devices/$1 i
	PFS_TOUCHED="${PFS_TOUCHED:-} $pf"
	echo "$3" >"$d/sriov_drivers_autoprobe"
	echo "$n" >"$d/sriov_numvfs"
	VFS=()
	for ((i = 0; i < n; i++)); do
		[ -L "$d/virtfn$i" ] || { echo "$pf: no virtfn$i after sriov_numvfs=$n"; return 1; }
		VFS+=("$(basename "$(readlink "$d/virtfn$i")")")
	done
	echo "VFs of $pf: ${VFS[*]}"
}

# own_groups PF VF...: every VF has a group, none shares it with the PF or another VF
own_groups() {
	local pf=$1 vf g seen
	shift
	seen=" $(pci_group "$pf") "
	for vf in "$@"; do
		g=$(pci_group "$vf")
		[ -n "$g" ] || { echo "$vf has no IOMMU group"; return 1; }
		case $seen in *" $g "*) echo "$vf shares group $g (seen:$seen)"; return 1 ;; esac
		[ "$(group_members "$g")" = "$vf" ] || { echo "group $g of $vf: $(group_members "$g")"; return 1; }
		seen+="$g "
	done
}

@test "sriov: igb PF on its own root port, driven by igb, 7 VFs possible, none enabled" {
	local pf
	pf=$(pf_of "$IGB_PF")
	[ "$(pci_driver "$pf")" = igb ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_totalvfs")" = 7 ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
	[ "$(group_members "$(pci_group "$pf")")" = "$pf" ]
}

@test "sriov: igb sriov_numvfs=2 with autoprobe 0: two unbound VFs 8086:10ca, each in its own group" {
	local pf vf
	pf=$(pf_of "$IGB_PF")
	make_vfs "$pf" 2 0
	for vf in "${VFS[@]}"; do
		[ "$(pci_id "$vf")" = "$IGB_VF" ]
		[ -z "$(pci_driver "$vf")" ] || { echo "$vf on $(pci_driver "$vf") with autoprobe 0"; return 1; }
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$vf/physfn")")" = "$pf" ]
	done
	own_groups "$pf" "${VFS[@]}"
}

@test "sriov: vfioctl list -J shows the VFs with their own groups, as sysfs does" {
	local pf
	pf=$(pf_of "$IGB_PF")
	make_vfs "$pf" 2 0
	sysfs_devices_json >"$BATS_TEST_TMPDIR/sysfs"
	tool_devices_json >"$BATS_TEST_TMPDIR/tool"
	assert_same "$BATS_TEST_TMPDIR/sysfs" "$BATS_TEST_TMPDIR/tool" "devices with VFs"
	grep -q "\"${VFS[1]}\"" "$BATS_TEST_TMPDIR/tool"
}

@test "sriov: an igb VF binds to igbvf (the guest's VF driver) and to vfio-pci" {
	local pf
	pf=$(pf_of "$IGB_PF")
	make_vfs "$pf" 1 0
	sysfs_bind "${VFS[0]}" igbvf
	sysfs_bind "${VFS[0]}" vfio-pci
	[ -c "/dev/vfio/$(pci_group "${VFS[0]}")" ]
}

@test "sriov: nvme PF behind an nvme-subsys: sriov_numvfs=2 gives two VFs in their own groups, vfio-pci takes one" {
	local pf vf
	pf=$(pf_of "$NVME")
	[ "$(pci_driver "$pf")" = nvme ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_totalvfs")" = 2 ]
	make_vfs "$pf" 2 0
	for vf in "${VFS[@]}"; do
		[ "$(pci_id "$vf")" = "$NVME" ]
		[ -z "$(pci_driver "$vf")" ]
	done
	own_groups "$pf" "${VFS[@]}"
	sysfs_bind "${VFS[0]}" vfio-pci
	[ -c "/dev/vfio/$(pci_group "${VFS[0]}")" ]
}

@test "sriov: an unbound PF cannot make VFs (no sriov_configure: the write fails)" {
	local pf
	pf=$(pf_of "$IGB_PF")
	sysfs_bind "$pf" none
	run -1 bash -c "echo 1 >/sys/bus/pci/devices/$pf/sriov_numvfs"
	echo "$output"
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
}
