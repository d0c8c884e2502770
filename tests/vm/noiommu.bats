#!/usr/bin/env bats
# noiommu (x86-noiommu guest: no IOMMU, vfio.enable_unsafe_noiommu_mode=1, custom kernel):
# reported loudly as unsafe, refused without --unsafe-noiommu, never a window or a mapping.

load helpers

@test "noiommu: vfioctl bind refuses a device that would get a no-IOMMU group, unless asked" {
	[ "$(cat /sys/module/vfio/parameters/enable_unsafe_noiommu_mode 2>/dev/null)" = Y ] ||
		skip "this guest is not in vfio no-IOMMU mode"
	local e
	e=$(pci_find 1234:11e8 | tail -n 1)
	[ -z "$(pci_group "$e")" ]
	run "$VFIOCTL" bind "$e"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ $output == *"no-IOMMU group (UNSAFE"* ]]
	[ -z "$(pci_driver "$e")" ]
	run "$VFIOCTL" bind "$e" --unsafe-noiommu
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pci_driver "$e")" = vfio-pci ]
	[ -e "/dev/vfio/noiommu-$(pci_group "$e")" ]
	run "$VFIOCTL" restore "$e"
	[ "$status" -eq 0 ]
	[ -z "$(pci_driver "$e")" ]
}

setup() {
	[ "$(cat /sys/module/vfio/parameters/enable_unsafe_noiommu_mode 2>/dev/null)" = Y ] ||
		skip "this guest is not in vfio no-IOMMU mode"
	[ "$BATS_TEST_DESCRIPTION" != "${BATS_TEST_DESCRIPTION#noiommu: vfioctl bind}" ] && return 0
	EDU=$(pci_find 1234:11e8 | head -n 1)
	[ -n "$EDU" ]
	sysfs_bind "$EDU" vfio-pci
	GROUP=$(pci_group "$EDU")
	[ -n "$GROUP" ]
	[ -e "/dev/vfio/noiommu-$GROUP" ]
}

teardown() {
	restore_drivers
}

@test "noiommu: list and show mark the group as a no-IOMMU group" {
	run "$VFIOCTL" -J show "$GROUP"
	echo "$output"
	[ "$status" -eq 0 ]
	json=$(echo "$output" | sed -n '/^{/,$p')
	echo "$json" | jq -e '.groups[0].noiommu == true'
	echo "$json" | jq -e '.groups[0].backends == ["noiommu"]'
	run "$VFIOCTL" -J list
	json=$(echo "$output" | sed -n '/^{/,$p')
	echo "$json" | jq -e --argjson g "$GROUP" '.groups[] | select(.group == $g) | .noiommu'
	echo "$json" | jq -e '.iommu.noiommu_mode == true'
	[[ $output == *"warning: group $GROUP is no-IOMMU (UNSAFE"* ]]
}

@test "noiommu: domain refuses without --unsafe-noiommu (exit 4), saying why" {
	run "$VFIOCTL" domain "$EDU"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ $output == *"could DMA to any memory"* ]]
	[[ $output == *"--unsafe-noiommu"* ]]
}

@test "noiommu: with --unsafe-noiommu a domain opens, warns, and reports no window" {
	run "$VFIOCTL" -J domain "$EDU" --unsafe-noiommu
	echo "$output"
	[ "$status" -eq 0 ]
	json=$(echo "$output" | sed -n '/^{/,$p')
	echo "$json" | jq -e '.domain.backend == "noiommu"'
	echo "$json" | jq -e '.domain.window_start == null and .domain.page_size == null'
	echo "$json" | jq -e '.domain.iova_ranges == [] and .domain.mappings == []'
	[[ $output == *"warning: no IOMMU: no isolation"* ]]
}

@test "noiommu: a map or a window is refused, never pretended" {
	run "$VFIOCTL" domain "$EDU" --unsafe-noiommu --map 64K
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"no IOMMU, so no mapping"* ]]
	run "$VFIOCTL" domain "$EDU" --unsafe-noiommu --window 1G
	echo "$output"
	[ "$status" -eq 6 ]
	[[ $output == *"no window"* ]]
}
