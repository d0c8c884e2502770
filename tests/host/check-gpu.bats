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

# fb NAME START END: a copy of desktop-gpu whose /proc/iomem holds framebuffer NAME at START-END
# (hex), nested as the kernel nests it under the BAR containing it
fb() {
	tree "fb-$1"
	awk -v s="$2" -v e="$3" -v n="$1" '
		{ print }
		/^  f0[0-9a-f]*-f0[0-9a-f]* : 0000:01:00.0$/ {
			split($1, r, "-")	# 8 hex digits each: string order is numeric order
			if (r[1] <= s && s <= r[2])
				printf "    %s-%s : %s\n", s, e, n
		}' "$BATS_FILE_TMPDIR/desktop-gpu/proc/iomem" >"$T/proc/iomem"
}

@test "framebuffer: none in the GPU's BARs is ok; a non-display device gets no item" {
	vf desktop-gpu -J check 0000:01:00.0 0000:01:00.1
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "framebuffer") | .status == "ok" and (.detail | test("no boot framebuffer"))'
	jqe '[.checks[] | select(.target == "0000:01:00.1" and .item == "framebuffer")] | length == 0'
}

@test "framebuffer: efifb inside BAR 0 fails, naming the BAR and the range, with video=efifb:off" {
	fb efifb f0100000 f01007ff
	vf fb-efifb -J check 0000:01:00.0
	expect_status 8
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "framebuffer") | .status == "fail" and (.detail | test("efifb 0xf0100000-0xf01007ff lies in BAR 0 \\(0xf0100000-0xf0103fff\\)")) and (.fix | test("video=efifb:off") and test("echo efi-framebuffer.0 > /sys/bus/platform/drivers/efi-framebuffer/unbind"))'
}

@test "framebuffer: sysfb's BOOTFB in BAR 1 fails with initcall_blacklist=sysfb_init" {
	fb BOOTFB f0104000 f0105fff
	vf fb-BOOTFB check -r -o TARGET,ITEM,STATUS 0000:01:00.0
	expect_status 8
	grep -qx '0000:01:00.0 framebuffer fail' <<<"$output" || { dump; false; }
	vf fb-BOOTFB -J check 0000:01:00.0
	jqe '.checks[] | select(.item == "framebuffer") | (.detail | test("BOOTFB .* lies in BAR 1") and test("can.t reserve")) and (.fix | test("initcall_blacklist=sysfb_init") and test("simple-framebuffer"))'
}

@test "framebuffer: a framebuffer elsewhere (the iGPU) is ok and named" {
	tree fb-elsewhere
	echo "d0000000-d07fffff : simple-framebuffer.0" >>"$T/proc/iomem"
	vf fb-elsewhere -J check 0000:01:00.0
	jqe '.checks[] | select(.item == "framebuffer") | .status == "ok" and (.detail | test("simple-framebuffer.0 lies elsewhere"))'
}

@test "framebuffer: /proc/iomem as non-root sees it (all zeros) is a warning, not a pass" {
	fb BOOTFB f0104000 f0105fff
	sed -i -E 's/[0-9a-f]+-[0-9a-f]+ :/00000000-00000000 :/' "$T/proc/iomem"
	vf fb-BOOTFB -J check 0000:01:00.0
	expect_status 0
	jqe '.checks[] | select(.item == "framebuffer") | .status == "warn" and (.detail | test("every address as 0 to non-root")) and (.detail | test("BOOTFB")) and (.fix | test("as root"))'
}

@test "framebuffer: no /proc/iomem at all is a warning" {
	tree fb-none
	rm "$T/proc/iomem"
	vf fb-none -J check 0000:01:00.0
	jqe '.checks[] | select(.item == "framebuffer") | .status == "warn" and (.detail | test("unreadable"))'
}

# initrd NAME FILE...: a copy of desktop-gpu with vfioctl.conf naming the GPU and an
# uncompressed newc initrd for the running kernel (6.1.0-18-amd64, from BOOT_IMAGE) holding FILE...
initrd() {
	local name=$1 d
	shift
	tree "$name"
	echo 0000:01:00.0 >"$T/etc/vfioctl.conf"
	mkdir -p "$T/boot"
	d=$BATS_TEST_TMPDIR/initrd-$name
	mkdir -p "$d"
	for f in "$@"; do
		mkdir -p "$d/$(dirname "$f")"
		: >"$d/$f"
	done
	(cd "$d" && find . | cpio -o -H newc --quiet) >"$T/boot/initrd.img-6.1.0-18-amd64"
}

@test "initramfs: no item without a configured device (the listing is not paid for)" {
	initrd noconf usr/lib/modules/6.1.0-18-amd64/kernel/drivers/video/nvidia.ko
	rm "$T/etc/vfioctl.conf"
	vf noconf -J check
	jqe '[.checks[] | select(.item == "initramfs")] == []'
}

@test "initramfs: the configured GPU's driver in the image without vfioctl's hook fails with update-initramfs -u" {
	initrd nohook usr/lib/modules/6.1.0-18-amd64/kernel/drivers/video/nvidia.ko usr/lib/modules/6.1.0-18-amd64/kernel/sound/pci/hda/snd-hda-intel.ko.zst
	vf nohook -J check
	expect_status 8
	jqe '.checks[] | select(.target == "host" and .item == "initramfs") | .status == "fail" and (.detail | test("/boot/initrd.img-6.1.0-18-amd64 holds nvidia, the host driver of a device in vfioctl.conf, but not vfioctl.s hook")) and (.fix | test("install vfioctl.s initramfs hook") and test("update-initramfs -u"))'
	# the hook installed on the host but the image older than it: regenerate only
	mkdir -p "$T/usr/share/initramfs-tools/hooks"
	: >"$T/usr/share/initramfs-tools/hooks/vfioctl"
	vf nohook -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "fail" and (.fix | startswith("update-initramfs -u"))'
}

@test "initramfs: with vfioctl's hook in the image it is ok; a driver not in it is ok; dracut's name" {
	initrd hook usr/lib/modules/6.1.0-18-amd64/kernel/drivers/video/nvidia.ko usr/lib/udev/rules.d/05-vfioctl-initramfs.rules
	vf hook -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "ok" and (.detail | test("holds vfioctl.s hook"))'
	initrd nodrv usr/lib/modules/6.1.0-18-amd64/kernel/drivers/nvme/host/nvme.ko
	mv "$T/boot/initrd.img-6.1.0-18-amd64" "$T/boot/initramfs-6.1.0-18-amd64.img"
	vf nodrv -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "ok" and (.detail | test("initramfs-6.1.0-18-amd64.img \\(listed by cpio\\) holds no host driver of the configured devices \\(nvidia\\)"))'
	initrd dracut usr/lib/modules/6.1.0-18-amd64/kernel/drivers/video/nvidia.ko.xz
	mv "$T/boot/initrd.img-6.1.0-18-amd64" "$T/boot/initramfs-6.1.0-18-amd64.img"
	vf dracut -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "fail" and (.fix | test("dracut -f"))'
}

@test "initramfs: a compressed image is listed by lsinitramfs (on PATH); without a lister, a warning" {
	initrd gz usr/lib/modules/6.1.0-18-amd64/kernel/drivers/video/nvidia.ko
	gzip -9 <"$T/boot/initrd.img-6.1.0-18-amd64" >"$T/boot/gz" && mv "$T/boot/gz" "$T/boot/initrd.img-6.1.0-18-amd64"
	# neither lister installed: the check cannot read the image and says what to install
	PATH=/usr/bin:/bin vf gz -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "warn" and
	     (.detail | test("compressed, and neither lsinitramfs nor lsinitrd")) and (.fix | test("install lsinitramfs"))'
	# lsinitramfs as initramfs-tools prints it: one path a line, relative to the image's root
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\ngzip -dc "$1" | cpio -t --quiet | sed "s|^\\./||"\n' >"$BATS_TEST_TMPDIR/bin/lsinitramfs"
	chmod +x "$BATS_TEST_TMPDIR/bin/lsinitramfs"
	PATH=$BATS_TEST_TMPDIR/bin:/usr/bin:/bin vf gz -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "fail" and
	     (.detail | test("holds nvidia")) and (.fix | test("update-initramfs -u"))'
}

@test "initramfs: no image for the running kernel is ok and says where it looked" {
	initrd noimg usr/lib/modules/6.1.0-18-amd64/kernel/drivers/video/nvidia.ko
	rm "$T/boot/initrd.img-6.1.0-18-amd64"
	vf noimg -J check
	jqe '.checks[] | select(.item == "initramfs") | .status == "ok" and (.detail | test("no initramfs image for 6.1.0-18-amd64"))'
}

@test "group: the GPU's audio function and the USB-C controller in its group are named, with bind --group" {
	vf desktop-gpu -J check 0000:01:00.0
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "group") | .status == "warn" and (.detail | test("0000:01:00.1 device is bound to host driver snd_hda_intel") and test("0000:02:00.0 device is bound to host driver xhci_hcd")) and .fix == "vfioctl bind --group 0000:01:00.0"'
	jqe '.checks[] | select(.target == "0000:01:00.0" and .item == "acs") | .detail | test("shares group 1 with 0000:00:01.1, 0000:01:00.1, 0000:02:00.0")'
}

@test "show: power_state, d3cold_allowed, reset_overridden and boot_framebuffer of a device" {
	vf desktop-gpu -J show 0000:04:00.0
	expect_status 0
	jqe '.devices[0] | .power_state == "D0" and .d3cold_allowed == true and .reset_overridden == false and .boot_framebuffer == null'
	tree show-gpu
	echo D3cold >"$P/0000:04:00.0/power_state"
	echo 0 >"$P/0000:04:00.0/d3cold_allowed"
	echo "bus flr" >"$P/0000:04:00.0/reset_method"
	vf show-gpu -J show 0000:04:00.0
	jqe '.devices[0] | .power_state == "D3cold" and .d3cold_allowed == false and .reset_overridden == true'
	fb BOOTFB f0104000 f0105fff
	vf fb-BOOTFB -J show 0000:01:00.0
	jqe '.devices[0].boot_framebuffer | test("^BOOTFB 0xf0104000-0xf0105fff lies in BAR 1")'
	vf desktop-gpu -J show 0000:01:00.0
	jqe '.devices[0] | .reset_overridden == null and .boot_framebuffer == null'
}
