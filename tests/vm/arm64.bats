#!/usr/bin/env bats
# arm64 guest (QEMU virt + SMMUv3, guests/arm64-612.conf): vfioctl against the real kernel.
# Runs as root inside the guest; VFIOCTL is build/aarch64/vfioctl. Order matters: the edu test
# must see edu before anything binds it (on SMMUv3 the group appears at the first probe).

load foreign/helpers

EDU_ID=1234:11e8
E1000E_ID=8086:10d3

setup_file() {
	[[ -x ${VFIOCTL:-} ]] || {
		echo "VFIOCTL=${VFIOCTL:-} is not an executable: cross build missing?" >&3
		return 1
	}
}

# The MSI doorbell window of QEMU virt's GICv3 ITS, reserved in every SMMUv3 group (LAB.md).
has_msi_window() {
	local f=/sys/kernel/iommu_groups/$1/reserved_regions start end type
	[[ -r $f ]] || { echo "no $f"; return 1; }
	while read -r start end type; do
		if ((start == 0x08000000 && end == 0x080fffff)) && [[ $type == msi ]]; then
			return 0
		fi
	done <"$f"
	echo "group $1: no 0x08000000-0x080fffff msi region in reserved_regions:"
	cat "$f"
	return 1
}

# tool_resv_matches_sysfs GROUP: `vfioctl show GROUP -J` lists the same reserved regions as
# /sys/kernel/iommu_groups/GROUP/reserved_regions (numerically: the tool may pad or not).
tool_resv_matches_sysfs() {
	local expected actual s e t
	expected=$(while read -r s e t; do printf '%x %x %s\n' "$((s))" "$((e))" "$t"; done \
		<"/sys/kernel/iommu_groups/$1/reserved_regions")
	actual=$(vfc show "$1" -J |
		jq -r '.groups[0].reserved_regions[] | "\(.start) \(.end) \(.type)"' |
		while read -r s e t; do printf '%x %x %s\n' "$((s))" "$((e))" "$t"; done)
	same_lines "reserved regions of group $1" "$expected" "$actual"
}

@test "arm64: the guest has the topology the tests expect" {
	[[ $(uname -m) == aarch64 ]]
	[[ -n $(find_devices "$EDU_ID") ]]
	[[ -n $(find_devices "$E1000E_ID") ]]
	[[ -d /sys/module/vfio_pci ]]
	[[ -d /sys/module/vfio_iommu_type1 ]]
	# An IOMMU is really there: at least one group exists (e1000e's, probed at boot).
	compgen -G '/sys/kernel/iommu_groups/*' >/dev/null
}

@test "arm64: edu without a driver has no IOMMU group, in sysfs and in vfioctl" {
	local edu json
	edu=$(find_devices "$EDU_ID")
	[[ $(wc -w <<<"$edu") -eq 1 ]]
	run driver_of "$edu"
	[[ $status -ne 0 ]] || { echo "edu is already bound to $output"; false; }
	[[ ! -e $PCI/devices/$edu/iommu_group ]] || {
		echo "edu already has group $(group_of "$edu") before any probe"
		false
	}
	# list -J: in "ungrouped", with a null driver, and in no group.
	json=$(vfc list -J)
	jq -e --arg b "$edu" '[.ungrouped[] | select(.bdf == $b and .driver == null)] | length == 1' \
		<<<"$json"
	jq -e --arg b "$edu" '[.groups[].devices[] | select(.bdf == $b)] | length == 0' <<<"$json"
	# list --devices -J: group null.
	json=$(vfc list --devices -J)
	jq -e --arg b "$edu" '[.devices[] | select(.bdf == $b)] | length == 1 and .[0].group == null
		and .[0].driver == null and .[0].vendor_id == "1234" and .[0].device_id == "11e8"' \
		<<<"$json"
}

@test "arm64: binding edu to vfio-pci (sysfs) gives it a viable DMA group with the MSI window" {
	local edu g json
	edu=$(find_devices "$EDU_ID")
	sysfs_bind "$edu" vfio-pci
	g=$(group_of "$edu") || { echo "edu has no group after binding to vfio-pci"; false; }
	[[ -c /dev/vfio/$g ]] || { echo "no /dev/vfio/$g"; false; }
	[[ $(<"/sys/kernel/iommu_groups/$g/type") == DMA ]]
	has_msi_window "$g"
	tool_resv_matches_sysfs "$g"
	json=$(tool_group "$g")
	jq -e --arg b "$edu" '.viable == true and .type == "DMA"
		and ([.devices[] | select(.bdf == $b and .driver == "vfio-pci")] | length == 1)' \
		<<<"$json" || { echo "vfioctl's group $g: $json"; false; }
	json=$(vfc list --devices -J)
	jq -e --arg b "$edu" --argjson g "$g" \
		'[.devices[] | select(.bdf == $b and .group == $g and .driver == "vfio-pci")] | length == 1' \
		<<<"$json"
}

@test "arm64: an unbound edu keeps its group, and the group stays viable" {
	local edu g json
	edu=$(find_devices "$EDU_ID")
	sysfs_bind "$edu" vfio-pci
	g=$(group_of "$edu")
	sysfs_unbind "$edu"
	run driver_of "$edu"
	[[ $status -ne 0 ]]
	[[ $(group_of "$edu") == "$g" ]]
	json=$(tool_group "$g")
	jq -e '.viable == true' <<<"$json" || { echo "vfioctl's group $g: $json"; false; }
}

@test "arm64: every group is DMA with the MSI window; a host driver's group is not viable" {
	local e g json n=0
	for g in /sys/kernel/iommu_groups/*; do
		[[ $(<"$g/type") == DMA ]] || { echo "${g##*/}: type $(<"$g/type")"; false; }
		has_msi_window "${g##*/}"
		tool_resv_matches_sysfs "${g##*/}"
		n=$((n + 1))
	done
	# virtio 9p x3, virtio-net, e1000e and (bound earlier) edu.
	[[ $n -ge 5 ]] || { echo "only $n groups"; false; }
	# Debian's 6.12 has type1 but neither iommufd nor SPAPR: those two are offered, nothing else.
	vfc list -J | jq -e 'all(.groups[]; (.backends | sort) == ["type1", "type1v2"])'
	e=$(find_devices "$E1000E_ID")
	[[ $(driver_of "$e") == e1000e ]]
	g=$(group_of "$e")
	json=$(tool_group "$g")
	jq -e '.viable == false and .type == "DMA"' <<<"$json" ||
		{ echo "vfioctl's group $g: $json"; false; }
}

@test "arm64: group types in vfioctl list -J match sysfs for every group" {
	local expected actual g
	expected=$(for g in /sys/kernel/iommu_groups/*; do echo "${g##*/} $(<"$g/type")"; done |
		sort -n)
	actual=$(vfc list -J | jq -r '.groups[] | "\(.group) \(.type)"' | sort -n)
	same_lines "group types" "$expected" "$actual"
}

@test "arm64: vfioctl list -J agrees with /sys (every device, its group or none, its driver)" {
	same_lines "vfioctl list -J" "$(sysfs_walk)" "$(tool_walk_groups)"
}

@test "arm64: vfioctl list --devices -J agrees with /sys, ids and class included" {
	local expected actual d v i c
	same_lines "vfioctl list --devices -J" "$(sysfs_walk)" "$(tool_walk_devices)"
	expected=$(for d in "$PCI"/devices/*; do
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		read -r c <"$d/class"
		echo "${d##*/} ${v#0x} ${i#0x} ${c#0x}"
	done | LC_ALL=C sort)
	actual=$(vfc list --devices -J |
		jq -r '.devices[] | "\(.bdf) \(.vendor_id) \(.device_id) \(.class)"' | LC_ALL=C sort)
	same_lines "vendor/device/class" "$expected" "$actual"
}

@test "arm64: type1v2 refuses a DMA map inside the MSI window; edu DMA works right above it" {
	local edu g
	[[ -x ${VFIOCTL_EDU_DMA:-} ]] || { echo "edu helper not built: ${VFIOCTL_EDU_DMA:-}"; false; }
	edu=$(find_devices "$EDU_ID")
	sysfs_bind "$edu" vfio-pci
	g=$(group_of "$edu")
	# 0x08000000 is the start of the reserved MSI region: MAP_DMA fails (EINVAL), exit 3.
	run "$VFIOCTL_EDU_DMA" --group "/dev/vfio/$g" --iova 0x8000000 "$edu"
	echo "$output"
	[[ $status -eq 3 ]]
	[[ $output == *VFIO_IOMMU_MAP_DMA* ]]
	# 0x08100000 is the first IOVA after it (and below edu's 28-bit DMA mask): a round trip.
	run "$VFIOCTL_EDU_DMA" --group "/dev/vfio/$g" --iova 0x8100000 --len 4095 "$edu"
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $output == *matched* ]]
	sysfs_unbind "$edu"
}

@test "arm64: vfioctl domain reports the SMMUv3 IOVA ranges and fits windows around the MSI hole" {
	local edu json
	edu=$(find_devices "$EDU_ID")
	sysfs_bind "$edu" vfio-pci
	# LAB.md: type1v2 ranges 0x0-0x7ffffff and 0x8100000-0xffffffffffff (44-bit ias, 48-bit VA).
	json=$(vfc -J domain "$edu")
	jq -e '.domain.backend == "type1v2" and .domain.ranges_source == "kernel"
		and .domain.iova_ranges == [{"start": "0x0", "last": "0x7ffffff", "size": "0x8000000"},
		{"start": "0x8100000", "last": "0xffffffffffff", "size": "0xfffff7f00000"}]' <<<"$json" ||
		{ echo "$json"; false; }
	# 128 MiB fits below the hole: lowest fit is 0x0.
	json=$(vfc -J domain "$edu" --window 128M)
	jq -e '.domain.window_start == "0x0" and .domain.window_size == "0x8000000"' <<<"$json" ||
		{ echo "$json"; false; }
	# 1 GiB with 2 MiB pages does not: first 2 MiB-aligned fit above the hole.
	json=$(vfc -J domain "$edu" --window 1G --page-size 2M)
	jq -e '.domain.window_start == "0x8200000" and .domain.page_size == 2097152' <<<"$json" ||
		{ echo "$json"; false; }
	# A window across the hole is refused (exit 6: not supported by this IOMMU).
	run "$VFIOCTL" domain "$edu" --window 0x7f00000+0x200000
	echo "$output"
	[[ $status -eq 6 ]]
	[[ $output == *"fits no valid IOVA range"* ]]
	# The tool's own mapping carries DMA on SMMUv3 (edu round trip), above the hole.
	json=$(vfc -J domain "$edu" --window 256M --map 64K --verify)
	jq -e --arg d "$edu" '.domain.window_start == "0x8100000"
		and .domain.mappings[0].iova == "0x8100000"
		and (.domain.verify | startswith("ok: " + $d))' <<<"$json" || { echo "$json"; false; }
	sysfs_unbind "$edu"
}
