#!/usr/bin/env bats
# Fault injection and privilege in the x86 lab guests (issue 12): a journal that cannot be
# written, termination signals in the middle of a group bind, and what a long-running command
# keeps of root's capabilities. Hot-unplug faults are in hotplug.bats.
# The truth is sysfs, read directly (helpers.bash); devices are found by vendor:device ids.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	find_bind_devices
}

teardown() {
	[ -z "${pid:-}" ] || { kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
	mountpoint -q "$J" && umount "$J"
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	restore_drivers
}

# bind_refused_by_journal MESSAGE: binding E1000E fails (exit 1) with MESSAGE on stderr, and
# sysfs shows the device untouched.
bind_refused_by_journal() {
	run --separate-stderr "$VFIOCTL" bind "$E1000E"
	echo "status=$status stdout=$output stderr=$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"$1"* ]]
	expect_state "$E1000E" e1000e -
}

@test "faults: a full /run/vfioctl refuses the bind before touching the device" {
	need E1000E "e1000e alone in its group"
	expect_state "$E1000E" e1000e -
	mkdir -p "$J"
	mount -t tmpfs -o size=8k,mode=0700 vfioctl-full "$J"
	dd if=/dev/zero of="$J/fill" bs=1k count=64 2>/dev/null || true
	[ "$(df --output=avail "$J" | tail -n1 | tr -d ' ')" = 0 ]
	bind_refused_by_journal "$E1000E: cannot write the journal: No space left on device"
}

@test "faults: a read-only /run/vfioctl refuses the bind before touching the device" {
	need E1000E "e1000e alone in its group"
	mkdir -p "$J"
	mount -t tmpfs -o ro,mode=0700 vfioctl-ro "$J"
	bind_refused_by_journal "$J: cannot lock the journal: Read-only file system"
}

# sig_during_group_bind SIGNAL STEP: stop a group bind after STEP (test hook), send SIGNAL,
# let it go on; it must finish the device in progress, roll the group back and die by SIGNAL.
sig_during_group_bind() {
	local sig=$1 k=$2 err=$BATS_TEST_TMPDIR/err.$1.$2 st=0 i
	# Background jobs of a non-interactive shell start with SIGINT ignored: undo that, as an
	# interactive shell's foreground job would have it.
	VFIOCTL_TEST_PAUSE_AFTER=$k python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$VFIOCTL" bind --group "$MF_NIC" >"$err.out" 2>"$err" 3>&- &
	pid=$!
	for i in $(seq 300); do
		grep -q "paused after step $k" "$err" 2>/dev/null && break
		sleep 0.2
	done
	grep -q "paused after step $k" "$err" || { echo "step $k: never paused"; cat "$err"; return 1; }
	kill "-$sig" "$pid"
	kill -CONT "$pid"
	wait "$pid" || st=$?
	pid=
	echo "SIG$sig after step $k: exit $st; stderr: $(cat "$err")"
	cat "$err.out"
	[ "$st" = $((128 + $(kill -l "$sig"))) ]
	grep -q "the group bind was rolled back" "$err"
	expect_state "$MF_NIC" e1000e -
	expect_state "$MF_EDU" none -
	journal_empty
}

@test "faults: SIGINT in the middle of a group bind rolls the group back, then ends by SIGINT" {
	need MF_NIC "multifunction e1000e + edu group"
	# step 3: the first device is off its driver; step 6: the second one's override is set
	sig_during_group_bind INT 3
	sig_during_group_bind INT 6
}

@test "faults: SIGTERM and SIGHUP in the middle of a group bind roll it back too" {
	need MF_NIC "multifunction e1000e + edu group"
	sig_during_group_bind TERM 2
	sig_during_group_bind HUP 7
}

@test "privilege: bench map keeps only CAP_IPC_LOCK once its domain is set up, bounding set too" {
	need EDU "edu alone in its group"
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err caps= seen=
	run "$VFIOCTL" bind "$EDU"
	[ "$status" -eq 0 ]
	"$VFIOCTL" -J bench map --page-size 4K --size 64M --iterations 40 "$EDU" >"$out" 2>"$err" 3>&- &
	pid=$!
	# Before the domain exists it still has root's set; once set up, only CAP_IPC_LOCK (14).
	while kill -0 "$pid" 2>/dev/null; do
		caps=$(awk '/^Cap(Prm|Eff|Bnd):/ { printf "%s ", $2 }' "/proc/$pid/status" 2>/dev/null) ||
			break
		[ "$caps" = "0000000000004000 0000000000004000 0000000000004000 " ] && { seen=1; break; }
		sleep 0.05
	done
	wait "$pid"
	pid=
	echo "last seen: $caps"
	cat "$out" "$err"
	[ "$seen" = 1 ]
	jq -e '.bench_map[0].page_size != null' "$out"
}
