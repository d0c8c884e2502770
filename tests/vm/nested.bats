#!/usr/bin/env bats
# QEMU inside a lab guest (x86-sriov): the VMM hand-over tests start a QEMU in the guest and
# give it what vfioctl holds. Proven here: QEMU 7.2 (the host's, seen over the 9p root) and
# QEMU 10 (tests/vm/fetch-qemu's unpacked Debian 13 root, through its own loader) start with
# `-accel tcg` inside the guest, answer QMP with their own version, and run under the usual
# process name; Debian's DPDK (dpdk-devbind.py) reads the guest's devices and its testpmd drives
# the igb PF on vfio-pci.

bats_require_minimum_version 1.5.0
load helpers

teardown() {
	[ -z "${QPID:-}" ] || { kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; } || true
	restore_drivers
}

# qmp_version SOCKET: print "MAJOR.MINOR.MICRO" of query-version, then quit
qmp_version() {
	qmp "$1" query-version quit | python3 -c '
import json, sys
v = json.loads(sys.stdin.readline())["qemu"]
print("%d.%d.%d" % (v["major"], v["minor"], v["micro"]))'
}

# start_qemu PROGRAM: a paused TCG q35 with one QMP socket; QPID, QSOCK
start_qemu() {
	QSOCK=$BATS_TEST_TMPDIR/qmp.sock
	"$1" -accel tcg -machine q35 -nodefaults -display none -S \
		-qmp "unix:$QSOCK,server=on,wait=off" >"$BATS_TEST_TMPDIR/qemu.log" 2>&1 &
	QPID=$!
}

@test "nested: QEMU 7.2 from the host root starts with -accel tcg in the guest and answers QMP" {
	local q=${VFIOCTL_LAB_QEMU_7:-}
	[ -n "$q" ] || { echo "VFIOCTL_LAB_QEMU_7 not set: GUEST_NESTED_QEMU lacks 7"; return 1; }
	start_qemu "$q"
	run qmp_version "$QSOCK"
	echo "$output"; cat "$BATS_TEST_TMPDIR/qemu.log"
	[ "$status" = 0 ]
	[[ $output == 7.2.* ]]
	wait "$QPID"
	QPID=
}

@test "nested: QEMU 10 from the unpacked Debian 13 root starts in the guest, answers QMP, is called qemu-system-x86" {
	local q=${VFIOCTL_LAB_QEMU_10:-}
	[ -n "$q" ] || { echo "VFIOCTL_LAB_QEMU_10 not set: GUEST_NESTED_QEMU lacks 10"; return 1; }
	start_qemu "$q"
	# The process is the loader copy named qemu-system-x86_64 (comm is cut to 15 bytes).
	local comm i
	for i in $(seq 100); do
		read -r comm <"/proc/$QPID/comm" || comm=
		[ "$comm" = qemu-system-x86 ] && break
		sleep 0.1
	done
	echo "comm: $comm"
	[ "$comm" = qemu-system-x86 ]
	run qmp_version "$QSOCK"
	echo "$output"; cat "$BATS_TEST_TMPDIR/qemu.log"
	[ "$status" = 0 ]
	[[ $output == 10.* ]]
	wait "$QPID"
	QPID=
}

@test "nested: QEMU 10 in the guest has the devices the hand-over tests use (vfio-pci fd=, iommufd, igb)" {
	local q=${VFIOCTL_LAB_QEMU_10:?}
	run "$q" -device vfio-pci,help
	[ "$status" = 0 ]
	[[ $output == *"fd="* ]]
	run "$q" -object iommufd,help
	[ "$status" = 0 ]
	[[ $output == *"fd="* ]]
	run "$q" -device igb,help
	[ "$status" = 0 ]
}

@test "nested: Debian's dpdk-devbind.py lists the guest's NICs with the kernel's drivers" {
	command -v dpdk-devbind.py >/dev/null || {
		echo "no dpdk-devbind.py on the host root: .ci/packages lists dpdk"
		return 1
	}
	local pf
	pf=$(pci_find 8086:10c9 | head -n 1)
	[ -n "$pf" ]
	run dpdk-devbind.py --status-dev net
	echo "$output"
	[ "$status" = 0 ]
	[[ $output == *"${pf#0000:}"*"drv=igb"* ]]
	sysfs_bind "$pf" vfio-pci
	run dpdk-devbind.py --status-dev net
	echo "$output"
	[[ $output == *"${pf#0000:}"*"drv=vfio-pci"* ]]
}

# Debian's dpdk-testpmd (tests/vm/fetch-dpdk: dpdk-dev unpacked with the libraries it links,
# the e1000/virtio/null PMDs) as a real VFIO client: it drives the igb PF on vfio-pci through
# the guest's VT-d, with its memory on the guest's hugepages (GUEST_HUGEPAGES).
@test "nested: Debian's dpdk-testpmd drives the igb PF on vfio-pci from the guest's hugepages" {
	[ -n "${VFIOCTL_LAB_TESTPMD:-}" ] || {
		echo "no VFIOCTL_LAB_TESTPMD: tests/vm/fetch-dpdk failed in the preparation (its warning says why)"
		return 1
	}
	local pf free
	read -r free </sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
	echo "free 2M hugepages: $free"
	[ "$free" -ge 16 ]
	pf=$(pci_find 8086:10c9 | head -n 1)
	[ -n "$pf" ]
	sysfs_bind "$pf" vfio-pci
	# Non-interactive testpmd starts forwarding and stops at the newline on its stdin.
	run timeout 300 sh -c '(sleep 5; echo) | "$0" -l 0-1 -n 1 -a "$1" --file-prefix lab-testpmd \
		--huge-dir /dev/hugepages -- --total-num-mbufs=2048 --forward-mode=txonly --nb-cores=1' \
		"$VFIOCTL_LAB_TESTPMD" "$pf"
	echo "$output"
	[ "$status" = 0 ]
	[[ $output == *"Probe PCI driver: net_e1000_igb (8086:10c9) device: $pf"* ]]
	[[ $output == *"Port 0: "[0-9A-F][0-9A-F]:* ]]
	[[ $output == *"txonly packet forwarding"* ]]
	[[ $output == *"Bye..."* ]]
	[[ $output != *"No free hugepages"* ]]
	rm -f /dev/hugepages/lab-testpmd*
}
