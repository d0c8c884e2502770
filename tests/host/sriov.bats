#!/usr/bin/env bats
# SR-IOV on fixtures (sriov-nic: an ixgbe PF with 8 VFs, VF 01:10.2 held by dpdk-testpmd;
# sriov-scale): `vfioctl sriov PF` read-only, and, through the fake kernel
# (tests/fakekernel/fakekernel.c imitates sriov_numvfs as the PCI core does), --vfs,
# --autoprobe, --bind, the count journal that `restore PF` replays, the PF/vfs target, and
# PF safety in bind/unbind/restore. The real kernel's proof is tests/vm/sriov.bats.

load helpers

PF=0000:01:00.0

setup() {
	fakekernel_setup sriov-nic
}

unhold() { # the fixture's dpdk-testpmd exits
	rm -rf "$R/proc/3077"
}

nvfs() { # PF: the virtfn links it has
	local n=0
	while [ -L "$D/$PF/virtfn$n" ]; do n=$((n + 1)); done
	echo "$n"
}

@test "sriov: the PF's state and every VF, table and -J" {
	fk -J sriov $PF
	expect_status 0
	jqe '.schema == 1 and .sriov.pf == "0000:01:00.0" and .sriov.totalvfs == 63 and
		.sriov.numvfs == 8 and .sriov.autoprobe == true and .sriov.vf_device == "10ed" and
		.sriov.driver == "ixgbe" and .sriov.held_vfs == 1 and (.sriov.vfs | length) == 8 and
		.sriov.plan == [] and .sriov.journal_numvfs == null'
	jqe '[.sriov.vfs[] | .index] == [0,1,2,3,4,5,6,7]'
	jqe '.sriov.vfs[1].bdf == "0000:01:10.2" and .sriov.vfs[1].group == 41 and
		.sriov.vfs[1].holders == ["3077 (dpdk-testpmd)"] and .sriov.vfs[1].driver == "vfio-pci"'
	jqe '[.sriov.vfs[] | .driver] == ["vfio-pci","vfio-pci","vfio-pci","ixgbevf","ixgbevf","ixgbevf",null,null]'
	fk sriov $PF
	expect_status 0
	[[ $output == *"numvfs:"*8* ]]
	[[ $output == *"0000:01:10.2"*"3077 (dpdk-testpmd)"* ]]
}

@test "sriov: a VF, a device without SR-IOV, garbage: refused with the right codes" {
	fk sriov 01:10.2
	expect_status 6
	[[ $stderr == *"is a VF"* ]]
	fk sriov 00:18.3
	expect_status 6
	[[ $stderr == *"not an SR-IOV PF"* ]]
	fk sriov 07:00.0
	expect_status 3
	fk sriov $PF --autoprobe=maybe
	expect_status 2
	fk sriov $PF --vfs 64
	expect_status 2
	[[ $stderr == *"more than the 63"* ]]
	fk sriov $PF --bind
	expect_status 2
	fk sriov $PF/vfs
	expect_status 2
}

@test "sriov: --vfs while a process holds a VF: exit 5 naming VF and holder, nothing written" {
	fk sriov $PF --vfs 0
	expect_status 5
	[[ $stderr == *"0000:01:10.2"*"pid 3077 (dpdk-testpmd)"* ]]
	fk sriov $PF --vfs 0 --force
	expect_status 5
	[[ $stderr == *"does not override a holder"* ]]
	[ "$(nvfs)" = 8 ]
	[ ! -e "$J/sriov.$PF" ]
}

@test "sriov: --dry-run plans through 0 and writes nothing" {
	unhold
	fk -J sriov $PF --vfs 4 --autoprobe=no --bind --dry-run
	expect_status 0
	jqe '.sriov.plan == ["sriov_drivers_autoprobe 1 -> 0", "sriov_numvfs 8 -> 0 (removes 8 VFs)",
		"sriov_numvfs 0 -> 4 (creates 4 VFs)", "bind 0000:01:00.0/vfs to vfio-pci (all or nothing)"]'
	[ "$(nvfs)" = 8 ]
	[ "$(cat "$D/$PF/sriov_drivers_autoprobe")" = 1 ]
	[ ! -e "$J/sriov.$PF" ]
}

@test "sriov: --vfs 4 --autoprobe=no --bind: 4 new VFs, each its own group, all on vfio-pci; restore puts 8 and autoprobe back" {
	local vf groups
	unhold
	fk -J sriov $PF --vfs 4 --autoprobe=no --bind --timeout 2
	expect_status 0
	jqe '.sriov.numvfs == 4 and .sriov.autoprobe == false and (.sriov.vfs | length) == 4 and
		.sriov.journal_numvfs == 8 and .sriov.journal_autoprobe == true'
	jqe '[.sriov.vfs[] | .driver] == ["vfio-pci","vfio-pci","vfio-pci","vfio-pci"]'
	jqe '[.actions[] | .result] == ["done","done","done","done"]'
	jqe '(.sriov.vfs | map(.group) | unique | length) == 4'
	[ "$(nvfs)" = 4 ]
	[ "$(cat "$D/$PF/sriov_numvfs")" = 4 ]
	[ "$(cat "$D/$PF/sriov_drivers_autoprobe")" = 0 ]
	grep -qx 'numvfs 8' "$J/sriov.$PF"
	grep -qx 'autoprobe 1' "$J/sriov.$PF"
	for vf in 0000:01:10.0 0000:01:10.2 0000:01:10.4 0000:01:10.6; do
		[ "$(drv $vf)" = vfio-pci ]
		grep -qx 'driver -' "$J/$vf" || { cat "$J/$vf"; return 1; }  # unbound before: autoprobe 0
		g=$(basename "$(readlink "$D/$vf/iommu_group")")
		[ -e "$R/dev/vfio/$g" ]
		groups+=" $g"
	done
	[ ! -e "$D/0000:01:11.0" ]
	# the PF/vfs target names the new VFs
	fk -J show $PF/vfs
	expect_status 0
	jqe '(.devices | length) == 4'
	# the count is a row of the action table (stdout, -J) like the VFs' bindings
	fk restore --dry-run $PF
	expect_status 0
	grep -Eq '^0000:01:00\.0 +20 ixgbe +ixgbe +restore planned +sriov_numvfs 4 -> 8; sriov_drivers_autoprobe 0 -> 1$' <<<"$output" || { dump; return 1; }
	[ "$(grep -c '^0000:01:00\.0 ' <<<"$output")" = 1 ] || { dump; return 1; }  # not also "no journal entry"
	[ -z "$stderr" ] || { dump; return 1; }
	[ "$(nvfs)" = 4 ]
	fk -J restore --timeout 2 $PF
	expect_status 0
	jqe '[.actions[] | select(.bdf == "0000:01:00.0")] == [{"bdf":"0000:01:00.0","ids":"8086:10fb",
		"group":20,"from":"ixgbe","to":"ixgbe","action":"restore","result":"done",
		"reason":"sriov_numvfs 4 -> 8; sriov_drivers_autoprobe 0 -> 1","node":null}]'
	jqe '[.actions[] | select(.bdf != "0000:01:00.0") | .result] == ["done","done","done","done"]'
	[ -z "$stderr" ] || { dump; return 1; }
	[ "$(nvfs)" = 8 ]
	[ "$(cat "$D/$PF/sriov_drivers_autoprobe")" = 1 ]
	[ -z "$(ls -A "$J" | grep -v '^lock$')" ] || { ls -la "$J"; return 1; }
	# autoprobe 1: the VFs met their drivers again (the fake kernel's id tables)
	[ "$(drv 0000:01:11.0)" = ixgbevf ]
}

@test "sriov: restore PF whose count would remove a held VF: a refused row in the table, exit 5, nothing changed" {
	mkdir -p "$J"
	printf 'version 1\nnumvfs 4\nautoprobe 1\npid 1\ntime 0\n' >"$J/sriov.$PF"
	fk -J restore --timeout 2 $PF
	expect_status 5
	jqe '(.actions | length) == 9 and [.actions[1:][] | .result] == ["already","already","already","already","already","already","already","already"]'
	jqe '.actions[0].action == "restore" and .actions[0].result == "refused" and
		(.actions[0].reason | test("0000:01:10.2.*dpdk-testpmd"))'
	[[ $stderr == *"vfioctl: $PF: refused: restoring its VF count: VF 0000:01:10.2"* ]]
	[ "$(nvfs)" = 8 ]
	[ -e "$J/sriov.$PF" ]
	# already as journalled: an "already" row, the entry dropped
	printf 'version 1\nnumvfs 8\nautoprobe 1\npid 1\ntime 0\n' >"$J/sriov.$PF"
	fk -J restore --timeout 2 $PF
	expect_status 0
	jqe '.actions[0].result == "already" and (.actions[0].reason | test("already as journalled"))'
	[ ! -e "$J/sriov.$PF" ]
}

@test "sriov: --vfs 0 removes every VF with its group and node; a second --vfs 0 is nothing" {
	unhold
	fk -J sriov $PF --vfs 0
	expect_status 0
	jqe '.sriov.numvfs == 0 and .sriov.vfs == []'
	[ "$(nvfs)" = 0 ]
	[ ! -e "$D/0000:01:10.0" ] && [ ! -e "$R/sys/kernel/iommu_groups/40" ] && [ ! -e "$R/dev/vfio/40" ]
	fk show $PF/vfs
	expect_status 3
	[[ $stderr == *"has no VFs now"* ]]
	fk -J sriov $PF --vfs 0
	expect_status 0
	jqe '.sriov.plan == ["nothing to do: 0 VFs, autoprobe 1 already"]'
	grep -qx 'numvfs 8' "$J/sriov.$PF"
}

@test "sriov: the kernel's refusal is reported: a PF without a driver cannot make VFs" {
	unhold
	fk unbind --force --timeout 2 $PF
	expect_status 0
	[ "$(nvfs)" = 8 ]    # the fake kernel does not disable SR-IOV on unbind
	fk sriov $PF --vfs 2
	expect_status 1
	[[ $stderr == *"has no driver"* ]]
}

@test "PF safety: unbind/bind of a PF with a held VF: exit 5 naming the VF and holder, even with --force" {
	fk unbind --dry-run $PF
	expect_status 5
	[[ $output == *"refused"*"removes its 8 VFs"*"0000:01:10.2"*"dpdk-testpmd"* ]]
	fk bind --dry-run --force $PF
	expect_status 5
	[[ $stderr == *"0000:01:10.2"*"pid 3077"* ]]
}

@test "PF safety: no VF in use: the plan says it removes 8 VFs and needs --force" {
	unhold
	fk unbind --dry-run $PF
	expect_status 5
	[[ $output == *"removes its 8 VFs (--force does it)"* ]]
	fk -J unbind --dry-run --force $PF
	expect_status 0
	jqe '.actions[0].result == "planned" and (.actions[0].reason | test("removes 8 VFs"))'
	[[ $stderr == *"removes its 8 VFs, because of --force"* ]]
}

@test "PF/vfs target: bind --dry-run plans every VF of the PF; unknown PF says so" {
	unhold
	fk -J bind --dry-run $PF/vfs
	expect_status 0
	jqe '(.actions | length) == 8 and ([.actions[] | select(.result == "planned")] | length) == 5'
	fk bind --dry-run 0000:00:18.3/vfs
	expect_status 3
	[[ $stderr == *"has no VFs now"* ]]
	fk bind --dry-run 0000:01:00.0/vf
	expect_status 2
}

@test "sriov-scale: 4 PFs x 16 VFs: one PF's VFs listed, changed and restored alone" {
	local S=$BATS_TEST_TMPDIR/s pf
	"$MKFIXTURE" sriov-scale "$S" --pfs 4 --vfs 16 >/dev/null
	R=$S D=$S/sys/bus/pci/devices J=$S/run/vfioctl
	fk -J sriov "$(ls "$D" | while read -r b; do [ -e "$D/$b/sriov_totalvfs" ] && echo "$b"; done | head -1)"
	expect_status 0
	jqe '(.sriov.vfs | length) == 16'
	pf=$(jq -r .sriov.pf <<<"$output")
	PF=$pf
	fk -J sriov "$pf" --vfs 3 --timeout 2
	expect_status 0
	jqe '.sriov.numvfs == 3 and (.sriov.vfs | length) == 3'
	fk -J list --devices
	expect_status 0
	fk restore --timeout 2 "$pf"
	expect_status 0
	[ "$(nvfs)" = 16 ]
}
