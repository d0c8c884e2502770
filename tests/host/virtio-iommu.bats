#!/usr/bin/env bats
# A host whose IOMMU is virtio-iommu (a cloud VM's vIOMMU): no interrupt remapping, so
# vfio_iommu_type1 refuses groups with EPERM. check must name virtio-iommu and the fixes
# (issue 23 item 11); the domain command's message is proven in tests/unit/test_domain.c
# (the fake kernel answers VFIO_SET_IOMMU with EPERM) and on the lab's x86-virtio-iommu guest.

load helpers

setup_file() {
	make_fixture desktop-gpu
}

# irq_item: the check item interrupt-remapping of the host, as JSON
irq_item() {
	jq -ce '.checks[] | select(.target == "host" and .item == "interrupt-remapping")' \
		<<<"$output"
}

# virtio_tree: desktop-gpu with its VT-d units replaced by one virtio-iommu unit, no IR- irqchip
virtio_tree() {
	R=$BATS_TEST_TMPDIR/virtio
	cp -a "$BATS_FILE_TMPDIR/desktop-gpu" "$R"
	rm -rf "$R"/sys/class/iommu/*
	mkdir -p "$R/sys/devices/pci0000:00/0000:00:03.0/virtio0/iommu/$1"
	ln -s "../../devices/pci0000:00/0000:00:03.0/virtio0/iommu/$1" "$R/sys/class/iommu/$1"
	sed -i 's/IR-//' "$R/proc/interrupts"
}

@test "virtio-iommu: check's interrupt-remapping item names virtio-iommu, the fix and the unsafe way" {
	virtio_tree virtio0
	run --separate-stderr "$VFIOCTL" --sysroot "$R" -J check
	expect_status 8
	it=$(irq_item) || { dump; return 1; }
	jq -e '.status == "fail"' <<<"$it" >/dev/null || { echo "$it"; return 1; }
	jq -e '.detail | contains("virtio-iommu")' <<<"$it" >/dev/null || { echo "$it"; return 1; }
	jq -e '.fix | contains("virtio-iommu") and contains("intremap=on") and
		contains("allow_unsafe_interrupts")' <<<"$it" >/dev/null || { echo "$it"; return 1; }
	# the VT-d advice does not apply to a virtio-iommu
	jq -e '.fix | contains("firmware setup") | not' <<<"$it" >/dev/null || { echo "$it"; return 1; }
}

@test "virtio-iommu: a unit named otherwise is recognised by its driver, virtio_iommu" {
	virtio_tree viommu
	mkdir -p "$R/sys/bus/virtio/drivers/virtio_iommu"
	ln -s "../../../../bus/virtio/drivers/virtio_iommu" \
		"$R/sys/devices/pci0000:00/0000:00:03.0/virtio0/driver"
	ln -s ../.. "$R/sys/devices/pci0000:00/0000:00:03.0/virtio0/iommu/viommu/device"
	run --separate-stderr "$VFIOCTL" --sysroot "$R" -J check
	it=$(irq_item) || { dump; return 1; }
	jq -e '.detail | contains("virtio-iommu (1 unit)")' <<<"$it" >/dev/null || { echo "$it"; return 1; }
}

@test "virtio-iommu: a VT-d host without remapping is not called virtio-iommu" {
	R=$BATS_TEST_TMPDIR/vtd
	cp -a "$BATS_FILE_TMPDIR/desktop-gpu" "$R"
	sed -i 's/IR-//' "$R/proc/interrupts"
	run --separate-stderr "$VFIOCTL" --sysroot "$R" -J check
	it=$(irq_item) || { dump; return 1; }
	jq -e '.status == "fail" and (.detail + .fix | contains("virtio") | not)' <<<"$it" \
		>/dev/null || { echo "$it"; return 1; }
}
