#!/usr/bin/env bats
# `vfioctl monitor` on the host: option handling, the refusal of fixture trees, and, where this
# host lets root write a PCI device's uevent file, real kernel events (synthetic "change"
# uevents; they touch no driver). Binds, unbinds, hot-add and removal are proven in the lab
# guests (tests/vm/hotplug.bats).
# shellcheck shell=bash

load helpers

setup_file() {
	require_binary
}

# A PCI device whose uevent file root can write (real /sys), or nothing.
uevent_device() {
	local d
	[ "$(id -u)" = 0 ] || return 0
	for d in /sys/bus/pci/devices/*; do
		[ -w "$d/uevent" ] && { echo "${d##*/}"; return 0; }
	done
	return 0
}

@test "monitor: --sysroot is refused (a fixture tree has no kernel events), exit 6" {
	run --separate-stderr "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR" monitor --timeout 1
	dump
	[ "$status" -eq 6 ]
	[ "$stderr" = "vfioctl: monitor: needs the live kernel's events; --sysroot has none" ]
}

@test "monitor: bad options and targets are usage errors (exit 2) naming the culprit" {
	run --separate-stderr "$VFIOCTL" monitor --action add,frob
	[ "$status" -eq 2 ]
	[[ ${stderr%%$'\n'*} == "vfioctl: --action: unknown action 'frob'" ]]
	run --separate-stderr "$VFIOCTL" monitor --count -1
	[ "$status" -eq 2 ]
	[[ $stderr == *"--count: must be 0 or more"* ]]
	run --separate-stderr "$VFIOCTL" monitor 0000:00:zz.0
	[ "$status" -eq 2 ]
	[[ ${stderr%%$'\n'*} == "vfioctl: 0000:00:zz.0: "* ]]
	run --separate-stderr "$VFIOCTL" monitor -o TIME,NOPE
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown column 'NOPE'"* ]]
}

@test "monitor --list-columns: the event columns with their types" {
	run --separate-stderr "$VFIOCTL" monitor --list-columns
	dump
	[ "$status" -eq 0 ]
	for c in TIME SEQNUM ACTION SUBSYSTEM DEVICE ID DRIVER GROUP NODE; do
		grep -Eq "^ *$c +(string|number) " <<<"$output" || { echo "no column $c"; return 1; }
	done
}

@test "monitor --count 1 --timeout: no event in time is exit 1 saying so; without --count exit 0" {
	# A device nobody touches: its events cannot come.
	run --separate-stderr "$VFIOCTL" monitor --count 1 --timeout 0.3 0000:7f:1f.7
	dump
	[ "$status" -eq 1 ]
	[ "$stderr" = "vfioctl: monitor: timed out after 0.3 s with 0 of 1 events" ]
	[ -z "$output" ]
	run --separate-stderr "$VFIOCTL" monitor --timeout 0.3 0000:7f:1f.7
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "monitor -J: a real uevent of a PCI device arrives as one JSON line with its fields" {
	local bdf pid out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	bdf=$(uevent_device)
	[ -n "$bdf" ] || skip "needs root and a writable /sys/bus/pci/devices/*/uevent (this host: uid $(id -u))"
	"$VFIOCTL" -J -v monitor --count 1 --timeout 20 --action change "$bdf" >"$out" 2>"$err" &
	pid=$!
	for _ in $(seq 200); do grep -q listening "$err" && break; sleep 0.05; done
	grep -q listening "$err"
	echo change >"/sys/bus/pci/devices/$bdf/uevent"
	wait "$pid"
	cat "$out" "$err"
	[ "$(wc -l <"$out")" -eq 1 ]
	output=$(cat "$out")
	jqe --arg b "$bdf" '.schema == 1 and .event.action == "change" and .event.subsystem == "pci"
		and .event.device == $b and (.event.seqnum | type) == "number"
		and (.event.id | test("^[0-9a-f]{4}:[0-9a-f]{4}$"))
		and (.event.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$"))'
	[ "$(jq -r .event.id <<<"$output")" = "$(sed 's/0x//' "/sys/bus/pci/devices/$bdf/vendor"):$(sed 's/0x//' "/sys/bus/pci/devices/$bdf/device")" ]
}

@test "monitor run by root keeps no capability once it listens (CapEff 0)" {
	local pid err=$BATS_TEST_TMPDIR/err caps
	[ "$(id -u)" = 0 ] || skip "needs root to start with capabilities (this host: uid $(id -u))"
	grep -q '^CapEff:.*[1-9a-f]' /proc/self/status || skip "this root has no capabilities to drop"
	"$VFIOCTL" -v monitor --timeout 20 0000:7f:1f.7 >/dev/null 2>"$err" &
	pid=$!
	for _ in $(seq 200); do grep -q listening "$err" && break; sleep 0.05; done
	caps=$(awk '/^Cap(Eff|Prm|Inh|Amb):/ { printf "%s=%s ", $1, $2 }' "/proc/$pid/status")
	kill "$pid"
	wait "$pid" || true
	echo "$caps"
	[ "$caps" = "CapInh:=0000000000000000 CapPrm:=0000000000000000 CapEff:=0000000000000000 CapAmb:=0000000000000000 " ]
}

@test "monitor --help: --action lists every action monitor accepts; --timeout says what 0 means" {
	local help list a pid st=0
	help=$("$VFIOCTL" monitor --help | tr '\n' ' ' | tr -s ' ')
	list=$(sed -n 's/.*--action=LIST only these actions (comma list: \([a-z,]*\)).*/\1/p' <<<"$help")
	echo "help's list: $list"
	[ -n "$list" ]
	[[ ,$list, == *,online,* && ,$list, == *,offline,* ]]
	for a in ${list//,/ }; do
		run --separate-stderr "$VFIOCTL" monitor --action "$a" --timeout 0.05 0000:7f:1f.7
		[ "$status" -eq 0 ] || { echo "--action $a refused"; dump; return 1; }
	done
	# the man page lists the same ones
	for a in ${list//,/ }; do
		awk '/^\.SS "monitor/,/^\.SS "bench/' "$TOP/man/vfioctl.8" | grep -q "^\.BR $a\b" ||
			{ echo "vfioctl(8) monitor --action lacks $a"; return 1; }
	done
	# -t 0 is no limit (as the default), and the help and the man page say so
	[[ $help == *"--timeout=S stop after S seconds (0, the default: until interrupted)"* ]]
	awk '/^\.SS "monitor/,/^\.SS "bench/' "$TOP/man/vfioctl.8" | tr '\n' ' ' |
		grep -q 'seconds; 0, the default, waits until interrupted'
	"$VFIOCTL" monitor -t 0 0000:7f:1f.7 >/dev/null 2>&1 3>&- &
	pid=$!
	sleep 0.5
	kill -0 "$pid"
	kill -TERM "$pid"
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
}
