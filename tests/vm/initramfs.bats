#!/usr/bin/env bats
# x86-initramfs: what the initramfs built by Debian's mkinitramfs with vfioctl's hook left
# behind (tests/vm/mkinitramfs-debian writes it into the kernel log as "vfioctl-lab: ..."
# lines at init-bottom). The NIC named in vfioctl.conf is 0000:01:00.0, the control 0000:02:00.0.
# With VFIOCTL_LAB_INITRAMFS_NOHOOK=1 (the image without the hook) the first two tests fail.

CONF_DEV=0000:01:00.0
CTRL_DEV=0000:02:00.0

setup_file() {
	dmesg >"$BATS_FILE_TMPDIR/dmesg"
}

klog() { cat "$BATS_FILE_TMPDIR/dmesg"; }

@test "initramfs: the image holds vfioctl, its rule, vfioctl.conf and the e1000e module" {
	run grep -o 'vfioctl-lab: initramfs has: .*' "$BATS_FILE_TMPDIR/dmesg"
	echo "$output"
	[ "$status" = 0 ]
	[[ "$output" == *"vfioctl=yes conf=yes rule=yes e1000e=/"*"e1000e.ko"* ]]
}

@test "initramfs: the configured NIC is on vfio-pci at the end of the initramfs" {
	[ "$(cat /sys/bus/pci/devices/$CONF_DEV/vendor):$(cat /sys/bus/pci/devices/$CONF_DEV/device)" = 0x8086:0x10d3 ]
	run grep -o "vfioctl-lab: initramfs end: $CONF_DEV .*" "$BATS_FILE_TMPDIR/dmesg"
	echo "$output"
	[ "$output" = "vfioctl-lab: initramfs end: $CONF_DEV driver=vfio-pci override=vfio-pci" ]
	# the initramfs's apply journalled the move (no driver before it)
	run grep -o "vfioctl-lab: initramfs journal $CONF_DEV: .*" "$BATS_FILE_TMPDIR/dmesg"
	echo "$output"
	[ "$status" = 0 ]
	[ "$(basename "$(readlink /sys/bus/pci/devices/$CONF_DEV/driver)")" = vfio-pci ]
	# and the boot script saw the bindings match the file
	klog | grep -q 'vfioctl: initramfs: bindings match /etc/vfioctl.conf'
}

@test "initramfs: the kernel log shows e1000e never bound the configured NIC" {
	# (bats: a bare `! cmd` never fails a test; count instead)
	run grep -c "e1000e $CONF_DEV" "$BATS_FILE_TMPDIR/dmesg"
	echo "e1000e lines for $CONF_DEV: $output"
	[ "$output" = 0 ]
	# e1000e was loaded in the initramfs (it bound the control NIC): the absence above means
	# something
	klog | grep -q "e1000e $CTRL_DEV"
}

@test "initramfs: the NIC vfioctl.conf does not name was bound by e1000e in the initramfs" {
	run grep -o "vfioctl-lab: initramfs end: $CTRL_DEV .*" "$BATS_FILE_TMPDIR/dmesg"
	echo "$output"
	[ "$output" = "vfioctl-lab: initramfs end: $CTRL_DEV driver=e1000e override=(null)" ]
	# its probe is in the log before the initramfs ended
	local probe end
	probe=$(klog | grep -n -m1 "e1000e $CTRL_DEV" | cut -d: -f1)
	end=$(klog | grep -n -m1 "vfioctl-lab: initramfs end:" | cut -d: -f1)
	[ -n "$probe" ] && [ -n "$end" ] && [ "$probe" -lt "$end" ]
}
