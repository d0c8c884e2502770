#!/usr/bin/env bats
# check on a GPU host (issue 22): power states, reset_method overrides, the boot framebuffer in
# a BAR, the initramfs without vfioctl's hook, and the GPU's group mates. Each case edits a copy
# of the desktop-gpu fixture the way the kernel would show it.

load helpers

setup_file() {
	make_fixture desktop-gpu
}

# tree NAME: a fresh copy of desktop-gpu as $BATS_FILE_TMPDIR/NAME; sets T (its root) and P
# (its PCI devices)
tree() {
	T=$BATS_FILE_TMPDIR/$1
	rm -rf "$T"
	cp -a "$BATS_FILE_TMPDIR/desktop-gpu" "$T"
	P=$T/sys/bus/pci/devices
}

# item BDF NAME: the one check item's row (-r: TARGET ITEM STATUS DETAIL FIX)
item() {
	jq -c --arg t "$1" --arg i "$2" '[.checks[] | select(.target == $t and .item == $i)]' <<<"$output"
}

@test "power: a device in D0 is ok and the report names its settings" {
	vf desktop-gpu -J check 0000:01:00.0
	expect_status 0
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "power") | .status == "ok"'
	jqe '.checks[] | select(.item == "power") | .detail | test("power_state D0") and test("d3cold_allowed 1") and test("disable_idle_d3 N")'
}

@test "power: a driverless device stuck in D3cold fails, with the fix" {
	tree d3-stuck
	echo D3cold >"$P/0000:00:14.2/power_state"
	vf d3-stuck -J check 0000:00:14.2
	expect_status 8
	jqe '.checks[] | select(.target == "0000:00:14.2" and .item == "power") | .status == "fail" and (.detail | test("stuck in D3cold")) and (.fix | test("d3cold_allowed") and test("rescan"))'
}

@test "power: D3cold on vfio-pci is idle runtime PM, not a failure; disable_idle_d3 is reported" {
	tree d3-vfio
	echo D3cold >"$P/0000:04:00.0/power_state"
	echo 0 >"$P/0000:04:00.0/d3cold_allowed"
	echo Y >"$T/sys/module/vfio_pci/parameters/disable_idle_d3"
	vf d3-vfio -J check 0000:04:00.0
	jqe '.checks[] | select(.target == "0000:04:00.0" and .item == "power") | .status == "ok" and (.detail | test("runtime PM") and test("d3cold_allowed 0") and test("disable_idle_d3 Y"))'
}

@test "reset-method: the kernel's own list says nothing more; an override is a warning with the undo" {
	vf desktop-gpu -J check 0000:04:00.0
	jqe '[.checks[] | select(.item == "reset-method")] | length == 0'
	tree reset-order
	echo "bus flr" >"$P/0000:04:00.0/reset_method"
	vf reset-order -J check 0000:04:00.0
	jqe '.checks[] | select(.target == "0000:04:00.0" and .item == "reset-method") | .status == "warn" and (.detail | test("overridden: reset_method is \"bus flr\"") and test("not the kernel.s order")) and (.fix | test("echo default > /sys/bus/pci/devices/0000:04:00.0/reset_method"))'
	tree reset-noflr
	echo "pm bus" >"$P/0000:04:00.0/reset_method"
	vf reset-noflr -J check 0000:04:00.0
	jqe '.checks[] | select(.item == "reset-method") | .status == "warn" and (.detail | test("leaves flr out"))'
}

@test "reset-method: vendor-reset loaded on an AMD GPU without device_specific warns; with it, ok" {
	tree vendor-reset
	echo 0x1002 >"$P/0000:01:00.0/vendor"
	sed -i 's/^PCI_ID=10DE:/PCI_ID=1002:/' "$P/0000:01:00.0/uevent"
	mkdir -p "$T/sys/module/vendor_reset"
	echo "bus" >"$P/0000:01:00.0/reset_method"
	vf vendor-reset -J check 0000:01:00.0
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "reset-method") | .status == "warn" and (.detail | test("vendor-reset is loaded")) and (.fix | test("echo device_specific > /sys/bus/pci/devices/0000:01:00.0/reset_method"))'
	echo "device_specific bus" >"$P/0000:01:00.0/reset_method"
	vf vendor-reset -J check 0000:01:00.0
	jqe '.checks[] | select(.item == "reset-method") | .status == "ok" and (.detail | test("device_specific first") and test("vendor-reset"))'
}
