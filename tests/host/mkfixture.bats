#!/usr/bin/env bats
# The fixture generator itself: if these fail, every other host test is suspect.

load helpers

setup_file() {
	"$MKFIXTURE" --all "$BATS_FILE_TMPDIR/a"
	"$MKFIXTURE" --all "$BATS_FILE_TMPDIR/b"
	"$MKFIXTURE" --reverse-order --all "$BATS_FILE_TMPDIR/r"
}

# a listing of a tree: path, type, link target, content hash
inventory() {
	(cd "$1" && find . -printf '%p %y %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

@test "mkfixture --list names every topology" {
	run "$MKFIXTURE" --list
	[ "$status" -eq 0 ]
	for t in desktop-gpu sriov-nic pci-bridge power-phb arm-msi iommu-off iommu-absent hostile sriov-scale; do
		grep -q "^$t " <<<"$output" || { echo "missing $t"; echo "$output"; false; }
	done
}

@test "mkfixture: unknown topology and bad usage fail" {
	run "$MKFIXTURE" no-such-topology "$BATS_FILE_TMPDIR/x"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no-such-topology"* ]]
	run "$MKFIXTURE"
	[ "$status" -eq 2 ]
	# refuses to write into a non-empty directory
	run "$MKFIXTURE" desktop-gpu "$BATS_FILE_TMPDIR/a/desktop-gpu"
	[ "$status" -ne 0 ]
}

@test "mkfixture is deterministic (same paths, links and bytes)" {
	diff <(inventory "$BATS_FILE_TMPDIR/a") <(inventory "$BATS_FILE_TMPDIR/b")
}

@test "mkfixture --reverse-order writes the same tree" {
	diff <(inventory "$BATS_FILE_TMPDIR/a") <(inventory "$BATS_FILE_TMPDIR/r")
}

@test "every symlink is relative and resolves inside the fixture (except proc fd links)" {
	cd "$BATS_FILE_TMPDIR/a"
	bad=$(find . -type l ! -path './*/proc/*' -lname '/*')
	[ -z "$bad" ] || { echo "absolute links: $bad"; false; }
	# only the hostile tree's dangling group member may dangle
	dangling=$(find . -xtype l ! -path './*/proc/*' | LC_ALL=C sort)
	[ "$dangling" = "./hostile/sys/kernel/iommu_groups/9/devices/0000:00:1f.7" ] ||
		{ echo "dangling: $dangling"; false; }
	for d in */sys/bus/pci/devices/*; do
		real=$(readlink -f "$d")
		case "$real" in "$BATS_FILE_TMPDIR"/a/*/sys/devices/*) ;; *) echo "$d -> $real"; false ;; esac
	done
}

@test "kernel layout: bus links, driver and iommu_group links, group member links" {
	r=$BATS_FILE_TMPDIR/a/desktop-gpu
	[ "$(readlink "$r/sys/bus/pci/devices/0000:01:00.0")" = "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0" ]
	[ "$(readlink "$r/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver")" = "../../../../bus/pci/drivers/nvidia" ]
	[ "$(readlink "$r/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group")" = "../../../../kernel/iommu_groups/1" ]
	[ "$(readlink "$r/sys/kernel/iommu_groups/1/devices/0000:01:00.0")" = "../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0" ]
	[ "$(readlink "$r/sys/bus/pci/drivers/nvidia/0000:01:00.0")" = "../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0" ]
	[ "$(cat "$r/sys/bus/pci/devices/0000:01:00.0/vendor")" = "0x10de" ]
	[ "$(cat "$r/sys/bus/pci/devices/0000:01:00.0/class")" = "0x030000" ]
	[ "$(cat "$r/sys/bus/pci/devices/0000:01:00.0/driver_override")" = "(null)" ]
	[ "$(cat "$r/sys/kernel/iommu_groups/1/type")" = "DMA-FQ" ]
	grep -qx '0x00000000fee00000 0x00000000feefffff msi' "$r/sys/kernel/iommu_groups/1/reserved_regions"
	[ "$(readlink "$r/proc/4242/fd/15")" = "/dev/vfio/12" ]
	[ -e "$r/dev/vfio/12" ]
	[ -d "$r/sys/module/vfio_pci" ]
	[ -e "$r/sys/class/iommu/dmar0" ]
	# SR-IOV links
	s=$BATS_FILE_TMPDIR/a/sriov-nic
	[ "$(readlink "$s/sys/bus/pci/devices/0000:01:00.0/virtfn2")" = "../0000:01:10.4" ]
	[ "$(readlink "$s/sys/bus/pci/devices/0000:01:10.4/physfn")" = "../0000:01:00.0" ]
	[ "$(cat "$s/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs")" = "8" ]
	# VMD: domain 10000 nests under the VMD endpoint
	h=$BATS_FILE_TMPDIR/a/hostile
	[ "$(readlink -f "$h/sys/bus/pci/devices/10000:e1:00.0")" = "$h/sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0/10000:e1:00.0" ]
}

@test "iommu-off has an empty iommu_groups dir, iommu-absent none, neither has group links" {
	[ -d "$BATS_FILE_TMPDIR/a/iommu-off/sys/kernel/iommu_groups" ]
	[ -z "$(ls -A "$BATS_FILE_TMPDIR/a/iommu-off/sys/kernel/iommu_groups")" ]
	[ ! -e "$BATS_FILE_TMPDIR/a/iommu-absent/sys/kernel/iommu_groups" ]
	[ -z "$(ls -A "$BATS_FILE_TMPDIR/a/iommu-off/sys/class/iommu")" ]
	! grep -q intel_iommu=on "$BATS_FILE_TMPDIR/a/iommu-off/proc/cmdline"
	[ -z "$(find "$BATS_FILE_TMPDIR/a/iommu-off" "$BATS_FILE_TMPDIR/a/iommu-absent" -name iommu_group)" ]
}

@test "arm-msi: driverless devices have no iommu_group link and are in no group dir" {
	r=$BATS_FILE_TMPDIR/a/arm-msi
	for b in 0000:00:00.0 0000:03:00.0 0000:05:00.0; do
		[ ! -e "$r/sys/bus/pci/devices/$b/iommu_group" ]
		[ ! -e "$r/sys/bus/pci/devices/$b/driver" ]
		[ -z "$(find "$r/sys/kernel/iommu_groups" -name "$b")" ]
	done
	grep -qx '0x0000000008000000 0x00000000080fffff msi' "$r/sys/kernel/iommu_groups/10/reserved_regions"
}

@test "config space decodes as lspci sees it: FLR, NoSoftRst, ACS, SR-IOV, header type" {
	command -v lspci >/dev/null || skip "lspci (pciutils) not installed: cannot cross-check config bytes"
	lsp() { lspci -A linux-sysfs -O "sysfs.path=$BATS_FILE_TMPDIR/a/$1/sys/bus/pci" -vv -s "$2" 2>/dev/null; }
	run lsp desktop-gpu 03:00.0
	[[ "$output" == *"FLReset+"* && "$output" == *"NoSoftRst+"* ]]
	run lsp desktop-gpu 04:00.0
	[[ "$output" == *"FLReset+"* && "$output" == *"NoSoftRst-"* ]]
	run lsp desktop-gpu 01:00.0
	[[ "$output" == *"FLReset-"* && "$output" != *"Access Control Services"* ]]
	run lsp desktop-gpu 00:1c.0
	[[ "$output" == *"ACSCap:	SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+"* ]]
	[[ "$output" == *"Root Port"* && "$output" == *"secondary=04"* ]]
	run lsp desktop-gpu 00:01.0
	[[ "$output" == *"Root Port"* && "$output" != *"Access Control Services"* ]]
	run lsp sriov-nic 01:00.0
	[[ "$output" == *"Total VFs: 63, Number of VFs: 8"* && "$output" == *"VF offset: 128, stride: 2, Device ID: 10ed"* ]]
	run lsp pci-bridge 01:00.0
	[[ "$output" == *"PCI-Express to PCI/PCI-X Bridge"* && "$output" == *"secondary=02"* ]]
}

@test "reset_method follows the kernel: hidden without a method, empty when disabled" {
	r=$BATS_FILE_TMPDIR/a/desktop-gpu/sys/bus/pci/devices
	[ "$(cat "$r/0000:03:00.0/reset_method")" = "flr bus" ]
	[ "$(cat "$r/0000:04:00.0/reset_method")" = "flr pm bus" ]
	[ ! -e "$r/0000:01:00.0/reset_method" ] # multi-function GPU, NoSoftRst+, no FLR
	[ -f "$r/0000:05:00.0/reset_method" ]
	[ ! -s "$r/0000:05:00.0/reset_method" ]
	[ "$(cat "$BATS_FILE_TMPDIR/a/sriov-nic/sys/bus/pci/devices/0000:01:10.0/reset_method")" = "flr" ]
}

@test "VF config space reads 0xffff ids; the sysfs files carry the real ids" {
	r=$BATS_FILE_TMPDIR/a/sriov-nic/sys/bus/pci/devices/0000:01:10.0
	[ "$(od -An -tx2 -N4 "$r/config" | tr -d ' ')" = "ffffffff" ]
	[ "$(cat "$r/vendor") $(cat "$r/device")" = "0x8086 0x10ed" ]
}

@test "hostile tree has what it promises" {
	h=$BATS_FILE_TMPDIR/a/hostile/sys/bus/pci/devices
	[ ! -e "$h/0000:00:04.0/class" ]
	[ ! -e "$h/0000:00:05.0/vendor" ]
	[ -d "$h/0000:00:06.0/device" ]
	run cat "$h/0000:00:06.0/device"
	[[ "$output" == *"Is a directory"* ]]
	[ "$(stat -c %s "$h/0000:00:07.0/config")" -eq 10 ]
	[ "$(od -An -tx1 -j 0x41 -N1 "$h/0000:00:08.0/config" | tr -d ' ')" = "40" ]
	[ "$(basename "$(readlink "$h/0000:00:04.0/driver")" | wc -c)" -eq 201 ]
	[ -d "$BATS_FILE_TMPDIR/a/hostile/sys/kernel/iommu_groups/foo" ]
	[ -e "$h/10000:e1:00.0/config" ]
}

@test "mkfixture --facts is valid JSON naming every device once" {
	for t in desktop-gpu sriov-nic pci-bridge power-phb arm-msi iommu-off iommu-absent hostile; do
		"$MKFIXTURE" --facts "$t" >"$BATS_FILE_TMPDIR/$t.json"
		want=$(ls "$BATS_FILE_TMPDIR/a/$t/sys/bus/pci/devices" | LC_ALL=C sort)
		got=$(jq -r '.devices[].bdf' "$BATS_FILE_TMPDIR/$t.json" | LC_ALL=C sort)
		[ "$want" = "$got" ] || { echo "$t: $want != $got"; false; }
	done
	jq -e '.groups[] | select(.group == 1) | .viable == false' "$BATS_FILE_TMPDIR/desktop-gpu.json"
}

@test "contract.py accepts a correct report and rejects a wrong one" {
	# render the facts in the contract's shape: this is what a correct vfioctl prints
	"$MKFIXTURE" --facts desktop-gpu >"$BATS_FILE_TMPDIR/f.json"
	jq '(.devices | map({key: .bdf, value: (del(._loose))}) | from_entries) as $d
	    | {schema: 1, iommu: .iommu,
	       groups: [.groups[] | del(._loose) | .devices |= map($d[.])
	                | .blockers |= map(. + {reason: "bound to a host driver"})],
	       ungrouped: [.ungrouped[] | $d[.]]}' "$BATS_FILE_TMPDIR/f.json" >"$BATS_FILE_TMPDIR/good.json"
	python3 "$CONTRACT" list "$BATS_FILE_TMPDIR/f.json" <"$BATS_FILE_TMPDIR/good.json"
	for bad in '.groups[0].viable = true' '.groups |= reverse' \
		'.groups[0].devices[0].flr = "yes"' '.groups[0].devices |= .[1:]' \
		'.groups[1].devices[0].group = "2"' '.ungrouped += [.groups[0].devices[0]]' \
		'.groups[0].blockers = []' '.schema = "1"' 'del(.iommu)' \
		'(.groups[] | select(.group == 12) | .holders) = []' '.groups[0].devices[0].reset_methods = []'; do
		jq "$bad" "$BATS_FILE_TMPDIR/good.json" >"$BATS_FILE_TMPDIR/bad.json"
		if python3 "$CONTRACT" list "$BATS_FILE_TMPDIR/f.json" <"$BATS_FILE_TMPDIR/bad.json" >/dev/null; then
			echo "contract.py accepted: $bad"
			false
		fi
	done
}

@test "sriov-scale: --pfs/--vfs shape the tree, one group per function" {
	"$MKFIXTURE" sriov-scale "$BATS_FILE_TMPDIR/scale" --pfs 2 --vfs 5
	r=$BATS_FILE_TMPDIR/scale
	[ "$(ls "$r/sys/bus/pci/devices" | wc -l)" -eq 14 ] # 2 root ports + 2 PFs + 10 VFs
	[ "$(ls "$r/sys/kernel/iommu_groups" | wc -l)" -eq 14 ]
	[ "$(cat "$r/sys/bus/pci/devices/0000:02:00.0/sriov_numvfs")" = "5" ]
	[ "$(readlink "$r/sys/bus/pci/devices/0000:02:00.5/physfn")" = "../0000:02:00.0" ]
}

@test "sriov-scale --shape bus: a root bus per PF, no root ports; a bad shape is refused" {
	"$MKFIXTURE" sriov-scale "$BATS_FILE_TMPDIR/scale-bus" --pfs 2 --vfs 5 --shape bus
	r=$BATS_FILE_TMPDIR/scale-bus
	[ "$(ls "$r/sys/bus/pci/devices" | wc -l)" -eq 12 ] # 2 PFs + 10 VFs
	[ "$(ls "$r/sys/kernel/iommu_groups" | wc -l)" -eq 12 ]
	[ "$(readlink "$r/sys/bus/pci/devices/0000:02:00.0")" = "../../../devices/pci0000:02/0000:02:00.0" ]
	[ "$(readlink "$r/sys/bus/pci/devices/0000:02:00.5")" = "../../../devices/pci0000:02/0000:02:00.5" ]
	[ "$(readlink "$r/sys/bus/pci/devices/0000:02:00.5/physfn")" = "../0000:02:00.0" ]
	run "$MKFIXTURE" sriov-scale "$BATS_FILE_TMPDIR/scale-bad" --shape diagonal
	[ "$status" -ne 0 ]
	[[ "$output" == *"--shape must be one of rp bus"* ]]
}
