#!/usr/bin/env bats
# vfio-pci as the PF driver (guests x86-sriov: QEMU 10 igb, Debian's Linux 7.3; x86-custom:
# QEMU 7.2 nvme with sriov_max_vfs, the custom 7.3 with IOMMUFD): vfio_pci with
# enable_sriov=Y, the SR-IOV PF (igb first, else nvme) bound to vfio-pci and held open by `vfioctl exec PF --vf-token U`
# (which sets the token with VFIO_DEVICE_FEATURE PCI_VF_TOKEN), VFs made through the PF's
# sriov_numvfs, one bound to vfio-pci: `domain VF` without the token is refused with the
# explanation, with another token refused too, with the PF's token granted; on the group
# path (type1v2: "BDF vf_token=UUID") and on the cdev path (iommufd: BIND_FLAG_TOKEN), which
# skips where the kernel has no IOMMUFD/VFIO_DEVICE_CDEV (Debian 7.3, the x86-sriov kernel)
# and runs in x86-custom.

bats_require_minimum_version 1.5.0
load helpers

IGB_PF=8086:10c9 NVME=1b36:0010
U=4b9bd6c5-8f5a-4e0b-9d6e-0123456789ab
W=11111111-2222-3333-4444-555555555555
P=/sys/module/vfio_pci/parameters/enable_sriov

setup() {
	local b
	PF=
	for b in $(pci_find "$NVME") $(pci_find "$IGB_PF"); do	# igb wins where both are
		[ -e "/sys/bus/pci/devices/$b/sriov_totalvfs" ] && PF=$b
	done
	[ -n "$PF" ] || { echo "no SR-IOV igb or nvme PF in this guest (tests/vm/guests/x86-sriov.conf, x86-custom.conf)"; return 1; }
	[ -w "$P" ] || { echo "$P is missing or read-only (vfio_pci without SR-IOV support?)"; return 1; }
	OLD_SRIOV=$(cat "$P")
	echo Y >"$P"
}

teardown() {
	[ -z "${HOLDER:-}" ] || { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; } || true
	# the VFs go while the PF is still on vfio-pci (its sriov_configure), then the drivers
	[ -z "$PF" ] || echo 0 >"/sys/bus/pci/devices/$PF/sriov_numvfs" || true
	restore_drivers
	[ -z "$PF" ] || echo 1 >"/sys/bus/pci/devices/$PF/sriov_drivers_autoprobe" || true
	[ -z "${OLD_SRIOV:-}" ] || echo "$OLD_SRIOV" >"$P" || true
}

# hold_pf BACKEND: the PF on vfio-pci, opened by exec with the token U; HOLDER its pid
hold_pf() {
	sysfs_bind "$PF" vfio-pci
	"$VFIOCTL" exec --backend "$1" --vf-token "$U" "$PF" -- sleep 600 3>&- &
	HOLDER=$!
	local i
	for ((i = 0; i < 50; i++)); do
		# exec opens the fds first and becomes sleep after: wait for both
		[ "$(cat "/proc/$HOLDER/comm" 2>/dev/null)" = sleep ] &&
			ls -l "/proc/$HOLDER/fd" 2>/dev/null | grep -q '/dev/vfio\|/dev/iommu' && break
		kill -0 "$HOLDER" 2>/dev/null || { echo "exec on the PF ended"; return 1; }
		sleep 0.2
	done
	[ "$(cat "/proc/$HOLDER/comm")" = sleep ] || { echo "exec did not become sleep"; return 1; }
}

# make_vf: 2 VFs with autoprobe 0, the first on vfio-pci; VF gets it
make_vf() {
	local d=/sys/bus/pci/devices/$PF
	echo 0 >"$d/sriov_drivers_autoprobe"
	echo 2 >"$d/sriov_numvfs"
	[ -L "$d/virtfn0" ] || { echo "no virtfn0 after sriov_numvfs=2 on vfio-pci"; return 1; }
	VF=$(basename "$(readlink "$d/virtfn0")")
	sysfs_bind "$VF" vfio-pci
	echo "PF $PF (vfio-pci, held by $HOLDER), VF $VF (group $(pci_group "$VF"))"
}

# token_cases BACKEND: without, wrong, right
token_cases() {
	run --separate-stderr "$VFIOCTL" domain --backend "$1" "$VF"
	echo "no token: status $status: $stderr"
	[ "$status" -eq 4 ]
	grep -q "no VF token: its PF $PF is on vfio-pci" <<<"$stderr"
	grep -q -- "--vf-token UUID" <<<"$stderr"
	run --separate-stderr "$VFIOCTL" domain --backend "$1" --vf-token "$W" "$VF"
	echo "wrong token: status $status: $stderr"
	[ "$status" -eq 4 ]
	grep -q "wrong VF token: its PF $PF is on vfio-pci" <<<"$stderr"
	run --separate-stderr "$VFIOCTL" -J domain --backend "$1" --vf-token "$U" "$VF"
	echo "right token: status $status: $stderr"
	[ "$status" -eq 0 ]
	jq -e --arg vf "$VF" --arg b "$1" '.domain.backend == $b and .domain.devices == [$vf]' \
		<<<"$output"
}

@test "vftoken: check VF names the vfio-pci PF and the token it will need" {
	hold_pf type1v2
	make_vf
	run --separate-stderr "$VFIOCTL" -J check "$VF"
	jq -e --arg vf "$VF" --arg pf "$PF" '.checks[] | select(.target == $vf and .item == "vf-token")
		| .status == "warn" and (.detail | contains("its PF " + $pf + " is on vfio-pci"))' \
		<<<"$output"
}

@test "vftoken: group path (type1v2): VF refused without the token and with another, granted with it" {
	hold_pf type1v2
	make_vf
	token_cases type1v2
	# -vv shows the device name the kernel got
	run --separate-stderr "$VFIOCTL" -vv domain --backend type1v2 --vf-token "$U" "$VF"
	[ "$status" -eq 0 ]
	grep -q "ioctl VFIO_GROUP_GET_DEVICE_FD" <<<"$stderr"
}

@test "vftoken: cdev path (iommufd, BIND_FLAG_TOKEN): the same three cases" {
	[ -e /dev/iommu ] || skip "no /dev/iommu: this kernel has no IOMMUFD (Debian 7.3's config; the cdev token is unit-tested)"
	hold_pf iommufd
	make_vf
	[ -d "/sys/bus/pci/devices/$VF/vfio-dev" ] || skip "no vfio cdev for $VF (VFIO_DEVICE_CDEV off)"
	token_cases iommufd
}

@test "vftoken: the PF's token holds across backends: PF on iommufd, VF on type1v2" {
	[ -e /dev/iommu ] || skip "no /dev/iommu: this kernel has no IOMMUFD (Debian 7.3's config; the cdev token is unit-tested)"
	hold_pf iommufd
	make_vf
	run --separate-stderr "$VFIOCTL" domain --backend type1v2 --vf-token "$U" "$VF"
	echo "$stderr"
	[ "$status" -eq 0 ]
}
