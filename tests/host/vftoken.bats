#!/usr/bin/env bats
# SR-IOV roles in list/show (sriov_role, vf_index, physfn, the PF's counts) and the VF token:
# --vf-token's syntax, and check on a VF whose PF is on vfio-pci (the sriov-nic fixture with
# its PF 01:00.0 moved from ixgbe to vfio-pci). The token's ioctls are proven in the lab
# (tests/vm/vftoken.bats); tests/unit/test_vftoken.c checks what they hand the kernel.

load helpers

setup_file() {
	make_fixture sriov-nic
}

T=sriov-nic
U=4b9bd6c5-8f5a-4e0b-9d6e-0123456789ab

# the PF on vfio-pci, in a copy of the tree for this test: sets R
pf_on_vfio() {
	R=$BATS_TEST_TMPDIR/t
	"$MKFIXTURE" $T "$R" >/dev/null
	local d=$R/sys/bus/pci/devices/0000:01:00.0
	rm "$d/driver" "$R/sys/bus/pci/drivers/ixgbe/0000:01:00.0"
	ln -s ../../../../bus/pci/drivers/vfio-pci "$d/driver"
	ln -s ../../../../devices/pci0000:00/0000:00:01.1/0000:01:00.0 \
		"$R/sys/bus/pci/drivers/vfio-pci/0000:01:00.0"
}

@test "vftoken: list -J marks the PF and its VFs with role, index and PF" {
	vf $T -J list --devices
	expect_status 0
	jqe '.devices[] | select(.bdf == "0000:01:00.0") |
	     .sriov_role == "pf" and .vf_index == null and .physfn == null and
	     .sriov_totalvfs == 63 and .sriov_numvfs == 8'
	jqe '[.devices[] | select(.sriov_role == "vf") | [.bdf, .vf_index, .physfn]] ==
	     [["0000:01:10.0",0,"0000:01:00.0"],["0000:01:10.2",1,"0000:01:00.0"],
	      ["0000:01:10.4",2,"0000:01:00.0"],["0000:01:10.6",3,"0000:01:00.0"],
	      ["0000:01:11.0",4,"0000:01:00.0"],["0000:01:11.2",5,"0000:01:00.0"],
	      ["0000:01:11.4",6,"0000:01:00.0"],["0000:01:11.6",7,"0000:01:00.0"]]'
	jqe '[.devices[] | select(.sriov_role == "none") | .vf_index, .physfn] | all(. == null)'
}

@test "vftoken: vf_index is the kernel's virtfnN, for every VF" {
	vf $T -J list --devices
	expect_status 0
	local d=$BATS_FILE_TMPDIR/$T/sys/bus/pci/devices n bdf
	for l in "$d"/0000:01:00.0/virtfn*; do
		n=${l##*virtfn}
		bdf=$(basename "$(readlink "$l")")
		jqe --arg b "$bdf" --argjson n "$n" '.devices[] | select(.bdf == $b) | .vf_index == $n'
	done
}

@test "vftoken: show prints sriov_role, vf_index and physfn for a VF and the counts for a PF" {
	vf $T show 01:11.6
	expect_status 0
	grep -qx 'sriov_role: *vf' <<<"$output"
	grep -qx 'vf_index: *7' <<<"$output"
	grep -qx 'physfn: *0000:01:00.0' <<<"$output"
	vf $T -J show 01:00.0
	expect_status 0
	jqe '.devices[0] | .sriov_role == "pf" and .sriov_numvfs == 8 and .sriov_totalvfs == 63'
}

@test "vftoken: the list columns are optional: the default table is unchanged, -o names them" {
	vf $T list --devices
	expect_status 0
	! grep -q 'SRIOV_ROLE\|VF_INDEX' <<<"$output"
	vf $T list --devices -r -n -o BDF,SRIOV_ROLE,VF_INDEX
	expect_status 0
	grep -qx '0000:01:00.0 pf -' <<<"$output"
	grep -qx '0000:01:10.2 vf 1' <<<"$output"
	grep -qx '0000:00:00.0 none -' <<<"$output"
}

@test "vftoken: --vf-token takes a UUID (domain, exec: usage error, exit 2)" {
	vf $T domain --vf-token nope 01:10.0
	expect_status 2
	grep -q -- "--vf-token: 'nope' is not a UUID" <<<"$stderr"
	vf $T exec --vf-token ${U}0 01:10.0 -- true
	expect_status 2
	grep -q -- "--vf-token: '${U}0' is not a UUID" <<<"$stderr"
	vf $T exec --handoff --vf-token $U 01:10.0 -- true
	expect_status 2
	grep -q -- "--vf-token shapes a prepared domain" <<<"$stderr"
}

@test "vftoken: check VF of a PF on vfio-pci warns that a VF token will be needed" {
	pf_on_vfio
	run --separate-stderr "$VFIOCTL" --sysroot "$R" -J check 01:10.0
	jqe '.checks[] | select(.target == "0000:01:10.0" and .item == "vf-token") |
	     .status == "warn" and (.detail | contains("its PF 0000:01:00.0 is on vfio-pci")) and
	     (.fix | contains("vfioctl domain 0000:01:10.0 --vf-token UUID"))'
	run --separate-stderr "$VFIOCTL" --sysroot "$R" -J check 01:00.0
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "vf-token") |
	     .status == "ok" and (.detail | contains("PF on vfio-pci"))'
	# the sriov item no longer tells the user to keep the PF on a host driver
	run --separate-stderr "$VFIOCTL" --sysroot "$R" -J check 01:10.0
	jqe '.checks[] | select(.target == "0000:01:10.0" and .item == "sriov") |
	     (.detail | contains("keep the PF on its host driver") | not) and
	     (.detail | contains("manages the VFs"))'
}

@test "vftoken: no vf-token item while the PF is on its host driver" {
	vf $T -J check 01:10.0 01:00.0
	jqe '[.checks[] | select(.item == "vf-token")] == []'
	jqe '.checks[] | select(.target == "0000:01:10.0" and .item == "sriov") |
	     .detail | contains("keep the PF on its host driver")'
}
