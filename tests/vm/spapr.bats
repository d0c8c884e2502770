#!/usr/bin/env bats
# The POWER SPAPR TCE backend of `vfioctl domain`, on pseries guests (4K and 64K page kernels).
# Facts measured in KERNEL.md: default 32-bit window 0x0 + 1 GiB; DDW page sizes 4K|64K|16M,
# 2 windows, 1 level; CREATE 64K/1 GiB -> start 0x0800000000000000; MAP past a window -> ENXIO;
# on a 4K-page kernel a 64K window over 4K-backed memory -> EINVAL (hugepages needed).
# Removing the default window can leave the device in a failed-DDW state for the rest of the
# boot on the 64K kernel: the --replace-default test is the last one of this file.

load helpers

setup() {
	[ "$VFIOCTL_GUEST_ARCH" = ppc64le ] || skip "SPAPR TCE is POWER's"
	EDU=$(edu_alone) || skip "no edu alone on its host bridge in this guest"
	sysfs_bind "$EDU" vfio-pci
	PAGE=$(getconf PAGESIZE)
}

teardown() {
	restore_drivers
}

dom() {
	run "$VFIOCTL" -J domain "$EDU" "$@"
	echo "$output"
}

@test "spapr: auto picks spapr2; the default window and the DDW facts are reported" {
	dom
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.backend == "spapr2"'
	echo "$output" | jq -e '.domain.offered == ["spapr", "spapr2"]'
	echo "$output" | jq -e '.domain.default_window == "0x0+0x40000000"'
	echo "$output" | jq -e '.domain.window_start == "0x0" and .domain.window_size == "0x40000000"'
	echo "$output" | jq -e '.domain.window_created == false'
	echo "$output" | jq -e '.domain.ddw_max_windows == 2 and .domain.ddw_levels >= 1'
	# KERNEL.md measured 4K|64K|16M on one kernel; this one may add 2M: require the three.
	echo "$output" | jq -e '.domain.page_sizes | (index("4K") and index("64K") and index("16M"))'
	PGSIZES=$(echo "$output" | jq -r '.domain.page_sizes | join("|")')
	echo "$output" | jq -e '.domain.iova_ranges == [{"start": "0x0", "last": "0x3fffffff", "size": "0x40000000"}]'
}

@test "spapr: v2 preregisters, maps in the default window, DMA round trip (edu)" {
	dom --map 64K --map 64K --verify
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.kernel_mappings == 1 and .domain.mapped_bytes == 131072'
	echo "$output" | jq -e --arg d "$EDU" '.domain.verify | startswith("ok: " + $d)'
	echo "$output" | jq -e '.domain.unmapped_bytes == 131072'
}

@test "spapr: v1 has only the default window: a larger request is refused" {
	dom --backend spapr --map 64K --verify
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.backend == "spapr" and .domain.window_created == false'
	run "$VFIOCTL" domain "$EDU" --backend spapr --window 2G
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"only the default window exists"* ]]
}

@test "spapr: v1's charge of the whole default window is checked against memlock first (issue 19 item 4)" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing in this root"
	command -v prlimit >/dev/null || skip "prlimit (util-linux) missing in this root"
	# VFIO_IOMMU_ENABLE charges the 1 GiB default window: far past the usual 8 MiB.
	run setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock -- \
		prlimit --memlock=8388608:8388608 -- "$VFIOCTL" domain "$EDU" --backend spapr
	echo "$output"
	[ "$status" -eq 4 ]
	[[ $output == *"VFIO_IOMMU_ENABLE (SPAPR v1) charges the whole default DMA window"* ]]
	[[ $output == *"RLIMIT_MEMLOCK is 8 MiB"* ]]
	[[ $output == *"short by"* ]]
}

@test "spapr: a fixed map past every window is refused by the tool" {
	run "$VFIOCTL" domain "$EDU" --map 64K@0x40000000
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"outside the granted window"* ]]
}

@test "spapr: an unsupported IOMMU page size names the supported ones" {
	run "$VFIOCTL" domain "$EDU" --page-size 8K
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"page size 8 KiB not supported (supported: 4K|64K|"*"16M)"* ]]
}

@test "spapr: a 2 GiB request creates a window; the kernel chooses its start" {
	dom --window 2G --page-size 64K
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.window_created == true and .domain.levels >= 1'
	echo "$output" | jq -e '.domain.requested_size == "0x80000000" and .domain.requested_start == null'
	echo "$output" | jq -e '.domain.window_start == "0x800000000000000" and .domain.window_size == "0x80000000"'
	echo "$output" | jq -e '.domain.page_size == 65536'
	# both windows are valid IOVA space now
	echo "$output" | jq -e '.domain.iova_ranges | length == 2'
}

@test "spapr: sizes round up to a power of two" {
	dom --window 1536M --page-size 64K
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.window_size == "0x80000000"'
}

@test "spapr: a start the kernel does not grant is refused, saying where it would go" {
	run "$VFIOCTL" domain "$EDU" --window 0x1000000000+2G --page-size 64K
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"placed the window at 0x800000000000000, not at the requested 0x1000000000"* ]]
}

@test "spapr: 64K IOMMU pages over 4K-backed memory need hugepages (4K-page kernel)" {
	[ "$PAGE" = 4096 ] || skip "this kernel's pages are $PAGE bytes: 64K TCEs fit ordinary memory"
	run "$VFIOCTL" domain "$EDU" --window 2G --page-size 64K --map 64K
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"64 KiB IOMMU pages over 4 KiB-backed memory"* ]]
	[[ $output == *"hugetlb"* ]]
}

@test "spapr: maps in a created 64K window work (hugepages on 4K kernels)" {
	local m=64K
	if [ "$PAGE" = 4096 ]; then
		[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)" -ge 1 ] ||
			skip "no free 2 MiB hugepages (GUEST_HUGEPAGES) for 64K TCEs on a 4K kernel"
		m=2M,hugetlb
	fi
	dom --window 2G --page-size 64K --map "$m"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.mappings[0].iova == "0x800000000000000"'
}

@test "spapr: --replace-default removes the default window and creates the requested one" {
	dom --window 1G --page-size 64K --replace-default
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.window_created == true'
	echo "$output" | jq -e '.domain.iova_ranges | length == 1'
}
