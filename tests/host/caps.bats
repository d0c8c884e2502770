#!/usr/bin/env bats
# Least privilege (issue 12): run by root, vfioctl keeps only the capabilities some command
# can use (core/caps.c vfc_caps_used) and leaves the bounding set to the programs exec runs;
# long-running commands drop further once set up (monitor: all; bench map and domain: all but
# CAP_IPC_LOCK, proven in the lab guests, tests/vm/faults.bats).
# shellcheck shell=bash

load helpers

setup_file() {
	require_binary
}

# mask CAP...: the hex capability mask /proc/PID/status shows for these capabilities
mask() {
	local v=0 c
	for c in "$@"; do v=$((v | (1 << c))); done
	printf '%016x' "$v"
}

# caps_of CMD...: start CMD with a FIFO as stdin (it blocks reading), print its
# "CapInh CapPrm CapEff CapBnd CapAmb", end it.
caps_of() {
	local fifo=$BATS_TEST_TMPDIR/fifo pid i line
	mkfifo "$fifo"
	"$@" <"$fifo" >/dev/null 2>&1 &
	pid=$!
	exec 9>"$fifo"
	for i in $(seq 100); do
		line=$(awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s ", $2 }' "/proc/$pid/status")
		# exec'd and blocked on stdin once its effective set moved off the shell's
		[ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status")" = S ] &&
			[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$VFIOCTL")" ] && break
		sleep 0.05
	done
	line=$(awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s ", $2 }' "/proc/$pid/status")
	exec 9>&-
	wait "$pid" || true
	echo "$line"
}

@test "caps: root's vfioctl keeps only the capabilities its commands use; bounding set untouched" {
	[ "$(id -u)" = 0 ] || skip "needs root to start with capabilities (this host: uid $(id -u))"
	local full want got
	full=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	[ "$full" != 0000000000000000 ] || skip "this root has no capabilities to drop"
	# CHOWN 0, DAC_OVERRIDE 1, DAC_READ_SEARCH 2, SETGID 6, SETUID 7, SETPCAP 8, IPC_LOCK 14,
	# SYS_MODULE 16, SYS_RAWIO 17, SYS_PTRACE 19, SYS_ADMIN 21 (linux/capability.h), within
	# what root has.
	want=$(printf '%016x' $((0x$(mask 0 1 2 6 7 8 14 16 17 19 21) & 0x$full)))
	got=$(caps_of "$VFIOCTL" batch -)
	echo "root: $full; vfioctl batch: $got; want Prm=Eff=$want"
	read -r inh prm eff bnd amb <<<"$got"
	[ "$prm" = "$want" ]
	[ "$eff" = "$want" ]
	[ "$inh" = 0000000000000000 ]
	[ "$amb" = 0000000000000000 ]
	[ "$bnd" = "$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)" ]
}
