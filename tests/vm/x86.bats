#!/usr/bin/env bats
# Guest suite for the x86 q35 + VT-d guests (topology: tests/vm/guests/x86-q35.inc).
# Devices are found by vendor:device and topology in sysfs, never by group number.

load helpers

teardown() {
	restore_drivers
}

# The pcie-pci-bridge (1b36:000e) and the edu (1234:11e8) and pci-testdev (1b36:0005) behind it.
bridge_members() {
	local br b
	br=$(pci_find 1b36:000e)
	[ "$(echo "$br" | wc -l)" = 1 ] && [ -n "$br" ] || {
		echo "expected one pcie-pci-bridge, found: '$br'" >&2
		return 1
	}
	echo "$br"
	for b in /sys/bus/pci/devices/"$br"/0000:*; do
		[ -e "$b" ] && echo "${b##*/}"
	done
}

# The multifunction slot: an e1000e (8086:10d3) at function 0 with an edu at function 1.
multifunction_pair() {
	local e slot
	for e in $(pci_find 8086:10d3); do
		slot=${e%.0}
		[ "$slot" != "$e" ] && [ -e "/sys/bus/pci/devices/$slot.1" ] &&
			[ "$(pci_id "$slot.1")" = 1234:11e8 ] && {
			echo "$e $slot.1"
			return 0
		}
	done
	return 1
}

@test "x86: VT-d is on: dmar unit, DMA groups, MSI window reserved" {
	ls -d /sys/class/iommu/dmar* >/dev/null
	local g
	g=$(ls /sys/kernel/iommu_groups | head -n 1)
	[ -n "$g" ]
	grep -q '^0x00000000fee00000 0x00000000feefffff msi$' \
		"/sys/kernel/iommu_groups/$g/reserved_regions"
	"$VFIOCTL" list -J | jq -e '.groups | length > 5'
	"$VFIOCTL" list -J | jq -e '[.groups[].type] | all(. == "DMA" or . == "DMA-FQ")'
}

@test "x86: the bridge group holds the pcie-pci-bridge, its edu and its pci-testdev" {
	local members g b ids
	members=$(bridge_members | sort)
	echo "behind/at the bridge: $members"
	[ "$(echo "$members" | wc -l)" = 3 ]
	ids=$(for b in $members; do pci_id "$b"; done | sort | tr '\n' ' ')
	[ "$ids" = "1234:11e8 1b36:0005 1b36:000e " ]
	g=$(pci_group "$(echo "$members" | head -n 1)")
	for b in $members; do
		[ "$(pci_group "$b")" = "$g" ]
	done
	[ "$(group_members "$g")" = "$members" ]

	tool_group "$g" | jq -r '.devices[].bdf' | sort >"$BATS_TEST_TMPDIR/tool"
	echo "$members" >"$BATS_TEST_TMPDIR/sysfs"
	assert_same "$BATS_TEST_TMPDIR/sysfs" "$BATS_TEST_TMPDIR/tool" "bridge group members"
	run "$VFIOCTL" show "$g" -J
	[ "$status" = 0 ]
	[ "$(echo "$output" | jq -r '.groups[0].devices[].bdf' | sort)" = "$members" ]
	# Nothing in it has a host driver (no shpchp/pcieport on a PCIe-to-PCI bridge here).
	[ "$(echo "$output" | jq '.groups[0].viable')" = true ]
}

@test "x86: the multifunction e1000e + edu share a group that is not viable while e1000e drives fn 0" {
	local pair e edu g
	pair=$(multifunction_pair) || {
		echo "no e1000e function 0 with an edu at function 1"
		return 1
	}
	read -r e edu <<<"$pair"
	g=$(pci_group "$e")
	[ -n "$g" ]
	[ "$(pci_group "$edu")" = "$g" ]
	[ "$(group_members "$g" | tr '\n' ' ')" = "$e $edu " ]
	[ "$(pci_driver "$e")" = e1000e ] || {
		echo "fn 0 is on '$(pci_driver "$e")', expected e1000e (is the module loaded?)"
		return 1
	}
	tool_group "$g" | jq -e --arg e "$e" --arg u "$edu" '
		([.devices[].bdf] | sort) == ([$e, $u] | sort) and .viable == false and
		(.blockers | length) == 1 and .blockers[0].bdf == $e and
		.blockers[0].driver == "e1000e" and (.blockers[0].reason | type) == "string"'
}

@test "x86: multifunction group becomes viable with fn 0 on vfio-pci, and not again on e1000e" {
	local pair e edu g
	pair=$(multifunction_pair) || {
		echo "no e1000e function 0 with an edu at function 1"
		return 1
	}
	read -r e edu <<<"$pair"
	g=$(pci_group "$e")
	tool_group "$g" | jq -e '.viable == false'

	sysfs_bind "$e" vfio-pci
	[ "$(sysfs_group_viable "$g")" = true ]
	tool_group "$g" | jq -e --arg e "$e" '.viable == true and
		(.devices[] | select(.bdf == $e) | .driver) == "vfio-pci"'

	# edu on vfio-pci as well: still viable; DMA through the shared group works.
	sysfs_bind "$edu" vfio-pci
	tool_group "$g" | jq -e '.viable == true'
	run "$VFIOCTL_EDU_DMA" --group "/dev/vfio/$g" "$edu"
	echo "$output"
	[ "$status" = 0 ]

	sysfs_bind "$edu" none
	sysfs_bind "$e" e1000e
	tool_group "$g" | jq -e --arg e "$e" '.viable == false and .blockers[0].bdf == $e'
}

@test "x86: DMA through the edu behind the pcie-pci-bridge (bridge requester id)" {
	local members b g edu
	members=$(bridge_members)
	for b in $members; do
		[ "$(pci_id "$b")" = 1234:11e8 ] && edu=$b
		[ "$(pci_id "$b")" = 1b36:0005 ] && sysfs_bind "$b" vfio-pci
	done
	sysfs_bind "$edu" vfio-pci
	g=$(pci_group "$edu")
	tool_group "$g" | jq -e '.viable == true'
	run "$VFIOCTL_EDU_DMA" --group "/dev/vfio/$g" "$edu"
	echo "$output"
	[ "$status" = 0 ]
}

@test "x86: type1v2 through iommufd cdev: DMA round trip (custom kernel only)" {
	local b
	[ -c /dev/iommu ] || skip "no /dev/iommu: kernel $(uname -r) lacks CONFIG_IOMMUFD (as Debian's kernels do; x86-custom has it)"
	b=$(edu_alone) || {
		echo "no edu device alone in a group"
		return 1
	}
	sysfs_bind "$b" vfio-pci
	local cdev
	cdev=$(ls "/sys/bus/pci/devices/$b/vfio-dev" 2>/dev/null | head -n 1)
	[ -n "$cdev" ] || {
		echo "no vfio-dev/ under $b: CONFIG_VFIO_DEVICE_CDEV missing?"
		return 1
	}
	[ -c "/dev/vfio/devices/$cdev" ]
	run "$VFIOCTL_EDU_DMA" --cdev "/dev/vfio/devices/$cdev" "$b"
	echo "$output"
	[ "$status" = 0 ]
	[[ "$output" == *"iommufd IOAS"*"matched"* ]]
	run "$VFIOCTL_EDU_DMA" --cdev "/dev/vfio/devices/$cdev" --dma-offset 0x10000 "$b"
	echo "$output"
	[ "$status" = 1 ]
}
