#!/usr/bin/env bats
# exec --handoff with real VMMs inside the guest (issue 20): QEMU 10 (fetch-qemu's Debian 13
# root) gets an unbound /dev/iommu and the edu device's cdev and binds them itself; QEMU 7.2
# (the host's) opens the group node that `bind --owner nobody` gave to nobody. Both run as
# nobody with the RLIMIT_MEMLOCK vfioctl set, paused (-S) with little RAM: under TCG the
# nested guest never runs, but QEMU maps (pins) all its RAM for VFIO when the device realizes.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	EDU=$(edu_alone) || skip "no edu device alone in a group in this guest"
	getent passwd nobody >/dev/null || skip "no user nobody in this root"
	G=$(pci_group "$EDU")
	# nobody creates the QMP socket and the log here
	D=$(mktemp -d /tmp/handoff.XXXXXX)
	chmod 1777 "$D"
	QSOCK=$D/qmp.sock
	QPID=
}

teardown() {
	[ -z "${QPID:-}" ] || { kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; } || true
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	restore_drivers
	rm -rf "$D"
}

# holds PID JSON: some "holders" list in the JSON names PID
holds() {
	python3 -c '
import json, sys
pid, doc = int(sys.argv[1]), json.loads(sys.argv[2])
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "holders" and isinstance(v, list) and any(h.get("pid") == pid for h in v):
                return True
            if walk(v):
                return True
    elif isinstance(o, list):
        return any(walk(x) for x in o)
    return False
sys.exit(0 if walk(doc) else "no holder with pid %d" % pid)' "$1" "$2"
}

# The assigned device as the nested guest sees it: "vendor:device" of every PCI function.
qmp_pci_ids() {
	qmp "$QSOCK" query-pci | python3 -c '
import json, sys
for bus in json.loads(sys.stdin.readline()):
    for d in bus["devices"]:
        print("%04x:%04x" % (d["id"]["vendor"], d["id"]["device"]))'
}

# start_vmm -- VFIOCTL EXEC WORDS...: run it in the background; wait for QMP or its exit
start_vmm() {
	"$@" >"$D/qemu.log" 2>&1 &
	QPID=$!
	local i
	for i in $(seq 1200); do
		[ -S "$QSOCK" ] && return 0
		kill -0 "$QPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "--- the VMM did not come up:"; cat "$D/qemu.log"
	wait "$QPID"; echo "exit status $?"
	QPID=
	return 1
}

# The checks both VMMs must pass while they run, and restore after they quit.
check_running_vmm() {
	local pid=$QPID
	echo "--- vfioctl and QEMU said:"; cat "$D/qemu.log"
	# stays up (a device refused at realize makes QEMU exit)
	sleep 2
	kill -0 "$pid"
	# runs as nobody with no capabilities
	grep -E '^(Uid|Cap(Eff|Prm|Amb))' "/proc/$pid/status"
	grep -qE '^Uid:	65534	65534	65534	65534' "/proc/$pid/status"
	grep -qx 'CapEff:	0000000000000000' <(grep ^CapEff "/proc/$pid/status")
	grep -qx 'CapPrm:	0000000000000000' <(grep ^CapPrm "/proc/$pid/status")
	# the memlock vfioctl set
	grep 'Max locked memory' "/proc/$pid/limits"
	grep -q "Max locked memory *$MEMLOCK_BYTES *$MEMLOCK_BYTES" "/proc/$pid/limits"
	# the nested guest has the edu device (1234:11e8) besides q35's own functions
	run qmp_pci_ids
	echo "query-pci: $output"
	[ "$status" -eq 0 ]
	[[ $output == *"1234:11e8"* ]]
	# vfioctl names QEMU as the holder of the group
	run "$VFIOCTL" -J show "$G"
	echo "$output"
	holds "$pid" "$output"
	# ... and of the device (show DEVICE carries its group's holders): asserted at the end, so
	# that the refusals below are proven whatever show DEVICE says
	local devholder=0
	run "$VFIOCTL" -J show "$EDU"
	holds "$pid" "$output" || { devholder=1; echo "show $EDU: $output"; }
	# restore and reset refuse while it runs, naming its pid
	run timeout 120 "$VFIOCTL" restore "$EDU"
	echo "restore: $status $output"
	[ "$status" -eq 5 ]
	[[ $output == *"pid $pid"* ]]
	run timeout 120 "$VFIOCTL" reset "$EDU"
	echo "reset: $status $output"
	[ "$status" -eq 5 ]
	[[ $output == *"pid $pid"* ]]
	# quit; then restore works
	qmp "$QSOCK" quit >/dev/null || true
	wait "$QPID" || true
	QPID=
	run timeout 120 "$VFIOCTL" restore "$EDU"
	echo "restore after quit: $status $output"
	[ "$status" -eq 0 ]
	[ "$devholder" = 0 ] || { echo "vfioctl show $EDU names no holder (pid $pid)"; return 1; }
}

need_qemu10_iommufd() {
	Q10=${VFIOCTL_LAB_QEMU_10:-}
	[ -n "$Q10" ] || { echo "VFIOCTL_LAB_QEMU_10 not set: the guest's GUEST_NESTED_QEMU lacks 10"; return 1; }
	[ -e /dev/iommu ] && [ -d "/sys/bus/pci/devices/$EDU/vfio-dev" ] ||
		skip "no iommufd + vfio cdev on this kernel (Debian 6.12 builds neither): legacy only"
}

@test "handoff: QEMU 10 binds the handed iommufd + cdev itself, as nobody with --memlock; holders, refusals, restore" {
	run "$VFIOCTL" bind "$EDU"
	[ "$status" -eq 0 ]
	need_qemu10_iommufd
	MEMLOCK_BYTES=$(((64 << 20) + (1 << 30)))
	start_vmm "$VFIOCTL" exec "$EDU" --handoff --backend iommufd --user nobody --memlock 1088M -- \
		"$Q10" -machine q35 -accel tcg -m 64M -nodefaults -display none -S \
		-qmp "unix:$QSOCK,server=on,wait=off" \
		-object iommufd,id=i0,fd={iommufd} -device "vfio-pci,iommufd=i0,fd={device:$EDU},id=hd0"
	grep -q 'pins are charged to its own process (IOMMU_OPTION_RLIMIT_MODE per process)' "$D/qemu.log"
	check_running_vmm
}

@test "handoff: QEMU 10 with 256M of RAM under the guest's small default memlock is refused naming memlock; --memlock makes it work" {
	run "$VFIOCTL" bind "$EDU"
	[ "$status" -eq 0 ]
	need_qemu10_iommufd
	local soft
	soft=$(ulimit -l)
	echo "default RLIMIT_MEMLOCK: $soft KiB"
	[ "$soft" != unlimited ] && [ "$soft" -lt $((256 << 10)) ]
	q=("$Q10" -machine q35 -accel tcg -m 256M -nodefaults -display none -S
		-qmp "unix:$QSOCK,server=on,wait=off"
		-object iommufd,id=i0,fd={iommufd} -device "vfio-pci,iommufd=i0,fd={device:$EDU},id=hd0")
	run --separate-stderr "$VFIOCTL" exec "$EDU" --handoff --user nobody -- "${q[@]}"
	echo "$stderr"
	[ "$status" -eq 4 ]
	[[ $stderr == *"vfioctl: memlock: "*"256 MiB of guest RAM"*"short by"*"--memlock"* ]]
	# too small a --memlock where vfioctl cannot see the RAM size: the kernel refuses the pins
	run --separate-stderr timeout 600 "$VFIOCTL" exec "$EDU" --handoff --user nobody --memlock 16M -- \
		"$Q10" -machine q35,memory-backend=m0 -accel tcg -object memory-backend-ram,id=m0,size=256M \
		-nodefaults -display none -S -qmp "unix:$QSOCK,server=on,wait=off" \
		-object iommufd,id=i0,fd={iommufd} -device "vfio-pci,iommufd=i0,fd={device:$EDU},id=hd0"
	echo "status $status"; echo "$stderr"
	[ "$status" -ne 0 ]
	[[ $stderr == *"vfioctl: handoff: RLIMIT_MEMLOCK of $Q10: 16 MiB (--memlock)"* ]]
	[[ $stderr == *"Cannot allocate memory"* || $stderr == *"-12"* ]]
	rm -f "$QSOCK"
	MEMLOCK_BYTES=$(((256 << 20) + (1 << 30)))
	start_vmm "$VFIOCTL" exec "$EDU" --handoff --user nobody --memlock 1280M -- "${q[@]}"
	check_running_vmm
}

@test "handoff: QEMU 7.2 opens the group node bind --owner nobody gave it, as nobody with the memlock vfioctl set" {
	local q=${VFIOCTL_LAB_QEMU_7:-}
	[ -n "$q" ] || { echo "VFIOCTL_LAB_QEMU_7 not set: the guest's GUEST_NESTED_QEMU lacks 7"; return 1; }
	[ -e /dev/vfio/vfio ] || skip "no legacy container (/dev/vfio/vfio) on this kernel"
	# without the owner: refused before QEMU starts, naming the node and the fix
	run "$VFIOCTL" bind "$EDU"
	[ "$status" -eq 0 ]
	run --separate-stderr "$VFIOCTL" exec "$EDU" --handoff --backend type1v2 --user nobody --memlock 1280M -- \
		"$q" -machine q35 -accel tcg -m 256M -nodefaults -display none -S -device "vfio-pci,host=$EDU"
	echo "$stderr"
	[ "$status" -eq 4 ]
	[[ $stderr == *"/dev/vfio/$G: nobody cannot open it"*"bind --owner nobody"* ]]
	run "$VFIOCTL" restore "$EDU"
	run "$VFIOCTL" bind --owner nobody "$EDU"
	echo "$output"
	[ "$status" -eq 0 ]
	ls -l "/dev/vfio/$G"
	[ "$(stat -c %U "/dev/vfio/$G")" = nobody ]
	MEMLOCK_BYTES=$(((256 << 20) + (1 << 30)))
	start_vmm "$VFIOCTL" exec "$EDU" --handoff --backend type1v2 --user nobody --memlock 1280M -- \
		"$q" -machine q35 -accel tcg -m 256M -nodefaults -display none -S \
		-qmp "unix:$QSOCK,server=on,wait=off" -device "vfio-pci,host=$EDU,id=hd0"
	grep -q 'type1v2: the VMM.s pins are charged to its own process' "$D/qemu.log"
	check_running_vmm
}

@test "handoff: a VMM without --handoff is refused before anything is bound, naming the fix" {
	run "$VFIOCTL" bind "$EDU"
	[ "$status" -eq 0 ]
	run --separate-stderr "$VFIOCTL" exec "$EDU" -- qemu-system-x86_64 -device "vfio-pci,host=$EDU"
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ $stderr == *"use exec --handoff"* ]]
	run --separate-stderr "$VFIOCTL" exec "$EDU" --handoff -- sh -c 'echo {ioas}'
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown placeholder '{ioas}'"* ]]
}
