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
	# a holder left by a failed test would block the VFs' removal (vfio-pci waits for it)
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	[ -z "${UEVENT_MON:-}" ] || uevents_stop
	if [ -n "${udevd_started:-}" ]; then
		stop_udevd
		rm -f /etc/udev/rules.d/60-vfioctl.rules
		udevd_started=
	fi
	rm -f /etc/vfioctl.conf
	# what vfioctl journalled (the sriov tests below), then what the sysfs helpers changed
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
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

# uevents_start FILE: the kernel's own uevents, read from the netlink socket (udevadm refuses
# in the guest's chroot root), into FILE, one KEY=VALUE per line; uevents_stop ends it.
uevents_start() {
	python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)  # NETLINK_KOBJECT_UEVENT
s.bind((0, 1))
print("READY", flush=True)
while True:
    for f in s.recv(65536).split(b"\0")[1:]:
        print(f.decode(errors="replace"), flush=True)
    print("", flush=True)
' >"$1" 2>&1 &
	UEVENT_MON=$!
	for _ in $(seq 50); do grep -q READY "$1" && break; sleep 0.1; done
	grep -q READY "$1" || { cat "$1"; return 1; }
}

uevents_stop() {
	kill "$UEVENT_MON" 2>/dev/null || true
	wait "$UEVENT_MON" 2>/dev/null || true
	UEVENT_MON=
}

# never_igbvf FILE N: the proof that no VF met igbvf: N VF adds and N vfio-pci binds seen in
# the uevents of FILE, no igbvf bind
never_igbvf() {
	[ "$(grep -A3 '^ACTION=add' "$1" | grep -c '^DEVPATH=.*/0000:..:..\..$')" -ge "$2" ] ||
		{ cat "$1"; return 1; }
	[ "$(grep -A12 '^ACTION=bind' "$1" | grep -c '^DRIVER=vfio-pci')" -ge "$2" ] || { cat "$1"; return 1; }
	! grep -q '^DRIVER=igbvf' "$1" || { echo "a VF met igbvf:"; cat "$1"; return 1; }
}

# restore_7_to_0 PF: `vfioctl restore PF` after 7 VFs: count 0, autoprobe 1, PF on igb, no journal
restore_7_to_0() {
	run --separate-stderr "$VFIOCTL" restore "$1"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ $output == *"restore done"*"sriov_numvfs 7 -> 0; sriov_drivers_autoprobe 0 -> 1"* ]]
	[ "$(cat "/sys/bus/pci/devices/$1/sriov_numvfs")" = 0 ]
	[ "$(cat "/sys/bus/pci/devices/$1/sriov_drivers_autoprobe")" = 1 ]
	[ "$(pci_driver "$1")" = igb ]
	journal_empty
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

# ---- vfioctl sriov (issue 21): the tool makes, binds and removes the VFs -------------------

J=/run/vfioctl

# vfio_nodes VF...: each VF on vfio-pci with its own /dev/vfio/N
vfio_nodes() {
	local vf
	for vf in "$@"; do
		[ "$(pci_driver "$vf")" = vfio-pci ] || { echo "$vf on '$(pci_driver "$vf")'"; return 1; }
		[ -c "/dev/vfio/$(pci_group "$vf")" ] || { echo "$vf: no /dev/vfio/$(pci_group "$vf")"; return 1; }
	done
}

# vfs_of PF: its VFs (virtfnN order) into VFS
vfs_of() {
	local d=/sys/bus/pci/devices/$1 i=0
	VFS=()
	while [ -L "$d/virtfn$i" ]; do
		VFS+=("$(basename "$(readlink "$d/virtfn$i")")")
		i=$((i + 1))
	done
}

@test "sriov: vfioctl sriov igb --vfs 7 --autoprobe=no --bind: 7 VFs on vfio-pci that never met igbvf (kernel uevents), own groups; restore: 0 VFs, autoprobe 1, PF on igb" {
	local pf ev vf
	pf=$(pf_of "$IGB_PF")
	PFS_TOUCHED="$pf"
	ev=$BATS_TEST_TMPDIR/uevents
	uevents_start "$ev"
	run --separate-stderr "$VFIOCTL" -J sriov "$pf" --vfs 7 --autoprobe=no --bind
	sleep 1
	uevents_stop
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	jq -e '.sriov.numvfs == 7 and .sriov.autoprobe == false and (.sriov.vfs | length) == 7 and
		([.sriov.vfs[] | .driver] | unique) == ["vfio-pci"] and
		([.actions[] | .result] | unique) == ["done"] and .sriov.journal_numvfs == 0' <<<"$output"
	vfs_of "$pf"
	[ "${#VFS[@]}" = 7 ]
	own_groups "$pf" "${VFS[@]}"
	vfio_nodes "${VFS[@]}"
	never_igbvf "$ev" 7
	# the tool's own view and the PF/vfs target
	run --separate-stderr "$VFIOCTL" -J show "$pf/vfs"
	[ "$status" -eq 0 ]
	[ "$(jq '.devices | length' <<<"$output")" = 7 ]
	restore_7_to_0 "$pf"
}

@test "sriov: a process holding an igb VF's group blocks vfioctl sriov --vfs 0 (exit 5, naming VF and holder); PF unbind refused too" {
	local pf g holder
	pf=$(pf_of "$IGB_PF")
	PFS_TOUCHED="$pf"
	run --separate-stderr "$VFIOCTL" sriov "$pf" --vfs 2 --autoprobe=no --bind
	echo "$stderr"
	[ "$status" -eq 0 ]
	vfs_of "$pf"
	g=$(pci_group "${VFS[1]}")
	sleep 600 3<>"/dev/vfio/$g" &
	holder=$!
	HOLDER=$holder
	sleep 0.5
	run --separate-stderr "$VFIOCTL" sriov "$pf" --vfs 0
	echo "$stderr"
	[ "$status" -eq 5 ]
	[[ $stderr == *"VF ${VFS[1]} (group $g) is in use by pid $holder (sleep)"* ]]
	run --separate-stderr "$VFIOCTL" unbind --force "$pf"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ $output == *"removes its 2 VFs"* ]]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 2 ]
	[ "$(pci_driver "$pf")" = igb ]
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	run --separate-stderr "$VFIOCTL" restore "$pf"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
	journal_empty
}

@test "sriov: vfioctl sriov nvme --vfs 2 --autoprobe=no --bind: both VFs on vfio-pci in their own groups; restore removes them" {
	local pf
	pf=$(pf_of "$NVME")
	PFS_TOUCHED="$pf"
	run --separate-stderr "$VFIOCTL" -J sriov "$pf" --vfs 2 --autoprobe=no --bind
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	vfs_of "$pf"
	[ "${#VFS[@]}" = 2 ]
	own_groups "$pf" "${VFS[@]}"
	vfio_nodes "${VFS[@]}"
	run --separate-stderr "$VFIOCTL" restore "$pf"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
	[ "$(pci_driver "$pf")" = nvme ]
	journal_empty
}

@test "sriov: a VF vfioctl bound is what DPDK sees on vfio-pci (dpdk-testpmd probes it when the guest has it)" {
	local pf testpmd
	command -v dpdk-devbind.py >/dev/null || skip "no dpdk-devbind.py on the root (.ci/packages: dpdk)"
	pf=$(pf_of "$IGB_PF")
	PFS_TOUCHED="$pf"
	run --separate-stderr "$VFIOCTL" sriov "$pf" --vfs 1 --autoprobe=no --bind
	[ "$status" -eq 0 ]
	vfs_of "$pf"
	run dpdk-devbind.py --status-dev net
	echo "$output"
	[[ $output == *"${VFS[0]#0000:}"*"drv=vfio-pci"* || $output == *"${VFS[0]}"*"drv=vfio-pci"* ]]
	# the lab's testpmd (tests/vm/fetch-dpdk), else one on the root
	testpmd=${VFIOCTL_LAB_TESTPMD:-$(command -v dpdk-testpmd || true)}
	if [ -n "$testpmd" ]; then
		run timeout 300 "$testpmd" -l 0 -n 1 --in-memory -a "${VFS[0]}" -- --total-num-mbufs=2048 \
			--stats-period 0 -i </dev/null
		echo "$output"
		[[ $output == *"net_e1000_igb_vf"* ]]
		[[ $output != *"Cause: No probed"* ]]
	fi
	run --separate-stderr "$VFIOCTL" restore "$pf"
	[ "$status" -eq 0 ]
	journal_empty
	[ -n "$testpmd" ] || skip "dpdk-devbind.py saw the VF on vfio-pci; no dpdk-testpmd (VFIOCTL_LAB_TESTPMD unset: tests/vm/fetch-dpdk failed in the preparation), so no PMD probe"
}

# Persistence (issue 21): vfioctl.conf's `PF vfs=7 autoprobe=no` and `PF/vfs driver=vfio-pci`.
write_conf() { # PF
	printf '%s vfs=7 autoprobe=no\n%s/vfs driver=vfio-pci\n' "$1" "$1" >/etc/vfioctl.conf
}

@test "sriov: vfioctl.conf vfs=7 autoprobe=no + PF/vfs: apply gives 7 VFs on vfio-pci that never met igbvf; a second apply changes nothing; restore: count 0" {
	local pf ev
	pf=$(pf_of "$IGB_PF")
	PFS_TOUCHED="$pf"
	write_conf "$pf"
	run --separate-stderr "$VFIOCTL" apply --check
	echo "$stderr"
	[ "$status" -eq 8 ]
	ev=$BATS_TEST_TMPDIR/uevents
	uevents_start "$ev"
	run --separate-stderr "$VFIOCTL" -J apply
	sleep 1
	uevents_stop
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	jq -e '.actions[0].bdf == "'"$pf"'" and .actions[0].result == "done" and
		.actions[0].reason == "sriov_drivers_autoprobe 1 -> 0; sriov_numvfs 0 -> 7 (line 1)" and
		(.actions | length) == 8 and
		([.actions[1:][] | [.action, .result, .from, .to]] | unique) == [["bind","done",null,"vfio-pci"]]' <<<"$output"
	vfs_of "$pf"
	[ "${#VFS[@]}" = 7 ]
	own_groups "$pf" "${VFS[@]}"
	vfio_nodes "${VFS[@]}"
	never_igbvf "$ev" 7
	[ "$(pci_driver "$pf")" = igb ]
	# idempotent: nothing to do, nothing written
	run --separate-stderr "$VFIOCTL" apply --check
	[ "$status" -eq 0 ]
	run --separate-stderr "$VFIOCTL" -vv -J apply
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '([.actions[] | .result] | unique) == ["already"] and (.actions | length) == 8' <<<"$output"
	! grep -q 'trace: write' <<<"$stderr" || { echo "$stderr"; return 1; }
	restore_7_to_0 "$pf"
}

# The PF appears late (removed and found again by a rescan; igb is loaded, so the kernel binds
# it right after its add event): the shipped udev rule runs apply for the PF's add and bind
# events (whichever finds it on igb makes the VFs: the kernel makes them only through the PF's
# driver), and each VF's add event binds that VF.
on_vfio() { # PF N: N VFs, every one on vfio-pci
	local d=/sys/bus/pci/devices/$1 i
	for ((i = 0; i < $2; i++)); do
		[ -L "$d/virtfn$i" ] || return 1
		[ "$(pci_driver "$(basename "$(readlink "$d/virtfn$i")")")" = vfio-pci ] || return 1
	done
}

@test "sriov: udev rule + vfioctl.conf vfs=7: a PF that appears late gets 7 VFs on vfio-pci (never igbvf) from its own and its VFs' events" {
	local pf ev
	pf=$(pf_of "$IGB_PF")
	PFS_TOUCHED="$pf"
	write_conf "$pf"
	start_udevd
	ev=$BATS_TEST_TMPDIR/uevents
	uevents_start "$ev"
	echo 1 >"/sys/bus/pci/devices/$pf/remove"
	wait_for 30 eval '[ ! -e "/sys/bus/pci/devices/$pf" ]'
	echo 1 >/sys/bus/pci/rescan
	wait_for 30 eval '[ -e "/sys/bus/pci/devices/$pf" ]'
	wait_for 120 on_vfio "$pf" 7 || {
		udevadm settle --timeout=30 || true
		"$VFIOCTL" sriov "$pf"
		return 1
	}
	udevadm settle --timeout=60
	sleep 1
	uevents_stop
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 7 ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe")" = 0 ]
	[ "$(pci_driver "$pf")" = igb ]
	never_igbvf "$ev" 7
	vfs_of "$pf"
	own_groups "$pf" "${VFS[@]}"
	run --separate-stderr "$VFIOCTL" apply --check
	echo "$stderr"
	[ "$status" -eq 0 ]
	stop_udevd
	udevd_started=
	rm -f /etc/udev/rules.d/60-vfioctl.rules
	run --separate-stderr "$VFIOCTL" restore "$pf"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
	journal_empty
}
