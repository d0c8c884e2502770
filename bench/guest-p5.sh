#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs INSIDE the x86-sriov lab guest (booted by `bench/guest-p2 --p5`): P5, carving the igb
# PF (QEMU 10, 8086:10c9) into 7 VFs kept off igbvf and bound to vfio-pci:
#   vfioctl:       `vfioctl -q sriov PF --vfs 7 --autoprobe=no --bind`
#   driverctl:     sysfs writes (sriov_drivers_autoprobe=0, sriov_numvfs=7), then
#                  `driverctl --nosave set-override VF vfio-pci` per VF
#   dpdk-devbind:  the same sysfs writes, then one `dpdk-devbind.py -b vfio-pci VF...`
# The whole job is timed (wall, ms), VF creation included; between runs, untimed, the VFs go
# (vfioctl: `vfioctl restore PF`, keeping its journal right; then sysfs: sriov_numvfs=0,
# autoprobe 1). Tools run in rotating order per round. Results: $VFIOCTL_LAB_RESULTS/p5/p5.json.
set -u
# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
source "$(dirname "$0")/guest-lib.sh"
out=${VFIOCTL_LAB_RESULTS:-/run/lab}/p5
mkdir -p "$out"
rounds=${BENCH_P5_ROUNDS:-5}
driverctl=${BENCH_DRIVERCTL:-driverctl}
say() { echo "bench-p5: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

pf=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10c9 ] && [ -e "$d/sriov_totalvfs" ] && pf=${d##*/}
done
[ -n "$pf" ] || { say "no igb PF in this guest"; echo "BENCH-P5-DONE 1"; exit 1; }
P=/sys/bus/pci/devices/$pf
say "PF $pf on $(basename "$(readlink "$P/driver")"), totalvfs $(cat "$P/sriov_totalvfs")"
guest_modprobe_shim

vfs() { local i; for ((i = 0; i < $(cat "$P/sriov_numvfs"); i++)); do basename "$(readlink "$P/virtfn$i")"; done; }

sysfs_vfs() { echo 0 >"$P/sriov_drivers_autoprobe" && echo 7 >"$P/sriov_numvfs"; }

job() {
	local v
	case "$1" in
	vfioctl) "$VFIOCTL" -q sriov "$pf" --vfs 7 --autoprobe=no --bind ;;
	driverctl)
		sysfs_vfs || return 1
		for v in $(vfs); do "$driverctl" --nosave set-override "$v" vfio-pci || return 1; done
		;;
	dpdk-devbind)
		sysfs_vfs || return 1
		# shellcheck disable=SC2046 # one word per VF
		dpdk-devbind.py -b vfio-pci $(vfs)
		;;
	esac
}

all_on_vfio() {
	local v l n=0
	for v in $(vfs); do
		l=$(readlink "/sys/bus/pci/devices/$v/driver") || return 1
		[ "${l##*/}" = vfio-pci ] || return 1
		n=$((n + 1))
	done
	[ "$n" = 7 ]
}

undo() {
	case "$1" in vfioctl) "$VFIOCTL" -q restore "$pf" >/dev/null 2>&1 ;; esac
	echo 0 >"$P/sriov_numvfs"
	echo 1 >"$P/sriov_drivers_autoprobe"
}

declare -A ms=()
tools=(vfioctl driverctl dpdk-devbind)
rc=0
undo none
for r in $(seq "$rounds"); do
	for i in 0 1 2; do
		t=${tools[$(((i + r) % 3))]}
		t0=$(now_ms)
		job "$t" >"$out/$t-$r.log" 2>&1 || { say "$t round $r: failed: $(tail -2 "$out/$t-$r.log")"; rc=1; }
		t1=$(now_ms)
		all_on_vfio || { say "$t round $r: not 7 VFs on vfio-pci"; rc=1; }
		ms[$t]+="$((t1 - t0)) "
		undo "$t"
		say "$t round $r: $((t1 - t0)) ms"
	done
done
say "PF $pf ends on $(basename "$(readlink "$P/driver")") with $(cat "$P/sriov_numvfs") VFs"
guest_results "$out/p5.json" "$(printf '"pf": "%s", "vfs": 7' "$pf")" "${tools[@]}"
echo "BENCH-P5-DONE $rc"
