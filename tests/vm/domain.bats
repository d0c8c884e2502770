#!/usr/bin/env bats
# DMA domains with requested windows (vfioctl domain), proven on real kernels: type1v2 on
# Debian's x86 kernels, iommufd + vfio cdev on the custom x86 kernel, SMMUv3 on arm64.
# Devices are found by ids in sysfs, never by group number; bound with plain sysfs writes.

# shellcheck disable=SC2154 # bats' run --separate-stderr sets $stderr

bats_require_minimum_version 1.5.0
load helpers

setup() {
	EDU=$(edu_alone) || skip "no edu device alone in a group in this guest"
	sysfs_bind "$EDU" vfio-pci
	GROUP=$(pci_group "$EDU")
	[ -n "$GROUP" ]
	# The backend auto picks: iommufd when the kernel has vfio cdevs, else type1v2.
	if [ -d /sys/class/vfio-dev ] && [ -e /dev/iommu ]; then
		BACKEND=iommufd
	else
		BACKEND=type1v2
	fi
	# A window at 0 that edu can reach (28-bit DMA mask) and that fits the first valid range:
	# x86 0x0-0xfedfffff; arm64 virt 0x0-0x7ffffff (the ITS doorbell sits at 0x8000000).
	WIN=256M LOW1G=0x0
	if [ "$VFIOCTL_GUEST_ARCH" = aarch64 ]; then
		WIN=64M LOW1G=0x8200000
	fi
}

teardown() {
	exec 7>&- || true
	restore_drivers
}

dom() { # run vfioctl domain on the edu with extra options, JSON on stdout
	run "$VFIOCTL" -J domain "$EDU" "$@"
}

@test "domain: auto backend, granted facts, valid ranges exclude the MSI/interrupt window" {
	dom
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg b "$BACKEND" '.domain.backend == $b'
	echo "$output" | jq -e --arg g "$GROUP" '.domain.groups == [$g]'
	echo "$output" | jq -e --arg d "$EDU" '.domain.devices == [$d]'
	echo "$output" | jq -e '.domain.ranges_source == "kernel"'
	echo "$output" | jq -e '.domain.iova_ranges | length >= 2'
	case $VFIOCTL_GUEST_ARCH in
	x86_64) hole=0xfee00000 ;;
	aarch64) hole=0x8000000 ;;
	esac
	# No valid range may contain the reserved interrupt window.
	echo "$output" | jq -e --arg h "$hole" '
		($h | ltrimstr("0x") | explode | map(if . >= 97 then . - 87 else . - 48 end)
		 | reduce .[] as $d (0; . * 16 + $d)) as $hv
		| [.domain.iova_ranges[] | [.start, .last] | map(ltrimstr("0x") | explode
		   | map(if . >= 97 then . - 87 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d))
		   | select(.[0] <= $hv and $hv <= .[1])] | length == 0'
	echo "$output" | jq -e '.domain.page_size == 4096'
	echo "$output" | jq -e '.domain.page_sizes | index("4K") != null'
	if [ "$BACKEND" != iommufd ]; then
		echo "$output" | jq -e '.domain.dma_avail_source == "kernel" and .domain.dma_avail == 65535'
	fi
	echo "$output" | jq -e '.domain.reserved_regions | map(.type) | index("msi") != null'
}

@test "domain: -vv traces every ioctl of the run, with its object and result (trace)" {
	local err=$BATS_TEST_TMPDIR/err
	run --separate-stderr "$VFIOCTL" -J -vv domain "$EDU" --map 1M
	printf '%s\n' "$stderr" >"$err"
	cat "$err"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.mappings | length == 1'	# stdout: the document alone
	grep -q '^vfioctl: trace: ' "$err"
	# every trace line has the one format: ioctl NAME OBJECT = RESULT
	[ -z "$(grep '^vfioctl: trace: ' "$err" | grep -Ev '^vfioctl: trace: (ioctl [A-Z0-9_x]+ [^ ]+ = (-?[0-9]+|-1 E[A-Z0-9]+ \(.*\))|write [^ ]+ ".*" = .*)$')" ]
	if [ "$BACKEND" = iommufd ]; then
		grep -qx "vfioctl: trace: ioctl IOMMU_IOAS_ALLOC /dev/iommu = 0" "$err"
		grep -qx "vfioctl: trace: ioctl VFIO_DEVICE_BIND_IOMMUFD /dev/vfio/devices/vfio[0-9]* = 0" "$err"
		grep -qx "vfioctl: trace: ioctl IOMMU_IOAS_MAP /dev/iommu = 0" "$err"
		grep -qx "vfioctl: trace: ioctl IOMMU_IOAS_UNMAP /dev/iommu = 0" "$err"
	else
		grep -qx "vfioctl: trace: ioctl VFIO_GROUP_SET_CONTAINER /dev/vfio/$GROUP = 0" "$err"
		grep -qx "vfioctl: trace: ioctl VFIO_SET_IOMMU /dev/vfio/vfio = 0" "$err"
		grep -qx "vfioctl: trace: ioctl VFIO_IOMMU_MAP_DMA /dev/vfio/vfio = 0" "$err"
		grep -qx "vfioctl: trace: ioctl VFIO_IOMMU_UNMAP_DMA /dev/vfio/vfio = 0" "$err"
		# in the order the kernel needs them: the group joins the container before the IOMMU
		# type is set, and maps come after
		grep -n 'trace: ioctl VFIO_\(GROUP_SET_CONTAINER\|SET_IOMMU\|IOMMU_MAP_DMA\) ' "$err" |
			cut -d' ' -f4 | uniq | tr '\n' ' ' |
			grep -qx 'VFIO_GROUP_SET_CONTAINER VFIO_SET_IOMMU VFIO_IOMMU_MAP_DMA '
	fi
	# -v alone traces nothing
	run --separate-stderr "$VFIOCTL" -J -v domain "$EDU"
	[ "$status" -eq 0 ]
	[[ $stderr != *"trace:"* ]]
}

@test "domain: a window across the interrupt hole is refused, listing the valid ranges" {
	[ "$VFIOCTL_GUEST_ARCH" = x86_64 ] || skip "the 0xfee00000 hole is x86's"
	run "$VFIOCTL" domain "$EDU" --window 0xf0000000+0x20000000
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"fits no valid IOVA range"* ]]
	[[ $output == *"valid ranges: 0x0-0xfedfffff, 0xfef00000-"* ]]
}

@test "domain: the arm64 MSI window 0x08000000-0x080fffff is refused" {
	[ "$VFIOCTL_GUEST_ARCH" = aarch64 ] || skip "the MSI window at 0x08000000 is arm64 virt's"
	run "$VFIOCTL" domain "$EDU" --window 0x8000000+0x100000
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"fits no valid IOVA range"* ]]
	dom --window 0x8100000+0x100000
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.window_start == "0x8100000"'
}

@test "domain: no start given picks the lowest aligned fit; requested vs granted" {
	dom --window 1G --page-size 2M
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.requested_start == null and .domain.requested_size == "0x40000000"'
	# the lowest page-aligned (2M) start whose whole window is valid: 0x8200000 above arm64's
	# ITS window (measured)
	echo "$output" | jq -e --arg s "$LOW1G" '.domain.window_start == $s and .domain.window_size == "0x40000000"'
	echo "$output" | jq -e '.domain.page_size == 2097152'
}

@test "domain: maps inside the window; adjacent requests coalesce into one kernel mapping" {
	dom --window "$WIN" --map 64K --map 64K --map 128K
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.mappings | length == 3'
	echo "$output" | jq -e '.domain.kernel_mappings == 1'
	echo "$output" | jq -e '[.domain.mappings[].kernel_mapping] == [0, 0, 0]'
	echo "$output" | jq -e '.domain.mappings | map(.iova) == ["0x0", "0x10000", "0x20000"]'
	echo "$output" | jq -e '.domain.mapped_bytes == 262144 and .domain.unmapped_bytes == 262144'
	if [ "$BACKEND" != iommufd ]; then
		echo "$output" | jq -e '.domain.dma_avail_after_map == .domain.dma_avail - 1'
	fi
}

@test "domain: a fixed map outside the granted window is refused by the tool" {
	# iommufd's ALLOW_IOVAS does not stop fixed maps (measured): the tool must.
	run "$VFIOCTL" domain "$EDU" --window "$WIN" --map 4K@0x40000000
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"outside the granted window"* ]]
	dom --window "$WIN" --map 4K@0x100000
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.mappings[0].iova == "0x100000" and .domain.mappings[0].fixed'
}

@test "domain: --verify carries a DMA round trip through the tool's mapping (edu)" {
	dom --window "$WIN" --map 64K --verify
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg d "$EDU" '.domain.verify | startswith("ok: " + $d)'
}

@test "domain: hugepage-backed maps (2 MiB)" {
	[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -ge 2 ] ||
		skip "no free 2 MiB hugepages in this guest (GUEST_HUGEPAGES)"
	dom --window "$WIN" --page-size 2M --map 2M,hugetlb --map 2M,hugetlb
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.mappings | map(.hugetlb) == [true, true]'
	echo "$output" | jq -e '.domain.mapped_bytes == 4194304'
}

@test "domain: too few hugepages is said before anything is touched" {
	run "$VFIOCTL" domain "$EDU" --map 1G,hugetlb
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"free 2 MiB hugepages"* ]]
	[[ $output == *"nr_hugepages"* ]]
}

@test "domain: memlock shortfall without CAP_IPC_LOCK fails early with exit 4" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing in this root"
	command -v prlimit >/dev/null || skip "prlimit (util-linux) missing in this root"
	run setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock -- \
		prlimit --memlock=1048576:1048576 -- "$VFIOCTL" domain "$EDU" --map 64M
	echo "$output"
	[ "$status" -eq 4 ]
	[[ $output == *"short by"* ]]
	[[ $output == *"CAP_IPC_LOCK"* ]]
}

@test "domain: adjacent maps with a fixed @IOVA stay separate kernel mappings (issue 19 item 6)" {
	# type1 v2 and IOMMU_IOAS_UNMAP refuse to split a mapping: merged, they could only be
	# unmapped together.
	dom --window "$WIN" --map 64K@0x100000 --map 64K@0x110000
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.domain.kernel_mappings == 2'
	echo "$output" | jq -e '[.domain.mappings[].kernel_mapping] == [0, 1]'
	echo "$output" | jq -e '.domain.unmapped_bytes == 131072'
}

@test "domain: iommufd charges the user unless CAP_SYS_RESOURCE makes it per process (issue 19 item 3)" {
	[ "$BACKEND" = iommufd ] || skip "per-user accounting is iommufd's (type1 charges the process)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing in this root"
	command -v prlimit >/dev/null || skip "prlimit (util-linux) missing in this root"
	run "$VFIOCTL" domain "$EDU" --window 256M --map 64K
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"shared with every process"* ]]
	run setpriv --bounding-set=-ipc_lock,-sys_resource --inh-caps=-ipc_lock,-sys_resource -- \
		prlimit --memlock=8388608:8388608 -- "$VFIOCTL" domain "$EDU" --window 256M --map 64K
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"iommufd charges pinned pages to user 0"* ]]
	[[ $output == *"shared with every process of that user"* ]]
}

@test "domain: an unsupported page size names the supported ones" {
	[ "$BACKEND" != iommufd ] || skip "iommufd reports an alignment, not a page-size bitmap"
	run "$VFIOCTL" domain "$EDU" --page-size 8K
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"page size 8 KiB not supported (supported: 4K|"* ]]
}

# Both backends: type1 opens the group node, which the kernel gives to one opener; iommufd binds
# the device cdev, which the kernel refuses while the group node is open.
@test "domain: a group held by another process: exit 5 naming the holder" {
	exec 7<>"/dev/vfio/$GROUP"
	run "$VFIOCTL" domain "$EDU"
	exec 7>&-
	echo "$output"
	[ "$status" -eq 5 ]
	[[ $output == *"held by pid $$"* ]]
}

# The vfio cdev opens any number of times; the kernel binds it to one iommufd (or container)
# only. A second domain on a device another vfioctl holds through its own domain is refused.
@test "domain: a device in another process's domain: exit 5 naming the holder" {
	"$VFIOCTL" exec "$EDU" -- sleep 120 3>&- &
	holder=$!
	for _ in $(seq 300); do
		ls -l "/proc/$holder/fd" 2>/dev/null | grep -q ' /dev/vfio/' && break
		sleep 0.1
	done
	ls -l "/proc/$holder/fd"
	run "$VFIOCTL" domain "$EDU"
	kill "$holder"
	wait "$holder" || true
	echo "$output"
	[ "$status" -eq 5 ]
	[[ $output == *"held by pid $holder (sleep)"* ]]
}

@test "domain: explicit backends the kernel lacks are refused (exit 6)" {
	if [ "$BACKEND" = iommufd ]; then
		dom --backend type1v2 --map 64K --verify
		echo "$output"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e '.domain.backend == "type1v2"'
	else
		run "$VFIOCTL" domain "$EDU" --backend iommufd
		echo "$output"
		[ "$status" -eq 6 ]
		[[ $output == *"does not offer"* ]]
	fi
}
