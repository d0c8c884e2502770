#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs INSIDE the x86 lab guest (booted by `bench/guest-p2 --p3`): P3, binding the lab's
# endpoints (every non-bridge device off bus 0: 8) to vfio-pci with
#   vfioctl:      one `vfioctl -q bind BDF...`
#   driverctl:    `driverctl --nosave set-override BDF vfio-pci` per device
# and, as dpdk-devbind refuses devices it does not classify (edu, pci-testdev, virtio-rng:
# "Unknown device"), its network devices only (class 02: 3) with
#   vfioctl:      one `vfioctl -q bind BDF...`
#   dpdk-devbind: one `dpdk-devbind.py -b vfio-pci BDF...`
# Only the bind is timed (wall, ms); between binds every device goes back to its own driver,
# untimed (vfioctl: `vfioctl restore --all`, keeping its journal right; the others: plain sysfs).
# Tools run in rotating order per round. Results: $VFIOCTL_LAB_RESULTS/p3/p3.json.
set -u
# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
source "$(dirname "$0")/guest-lib.sh"
out=${VFIOCTL_LAB_RESULTS:-/run/lab}/p3
mkdir -p "$out"
rounds=${BENCH_P3_ROUNDS:-3}
say() { echo "bench-p3: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

devs=()
for d in /sys/bus/pci/devices/*; do
	b=${d##*/}
	case "$b" in 0000:00:*) continue ;; esac
	case "$(cat "$d/class")" in 0x0604*) continue ;; esac
	devs+=("$b")
done
say "devices (${#devs[@]}): ${devs[*]}"
nics=()
for b in "${devs[@]}"; do
	case "$(cat "/sys/bus/pci/devices/$b/class")" in 0x02*) nics+=("$b") ;; esac
done
say "network devices (${#nics[@]}): ${nics[*]}"
guest_modprobe_shim
declare -A orig=()
for b in "${devs[@]}"; do
	l=$(readlink "/sys/bus/pci/devices/$b/driver") && orig[$b]=${l##*/} || orig[$b]=-
done

sysfs_restore() {
	local b
	for b in "${devs[@]}"; do
		echo >"/sys/bus/pci/devices/$b/driver_override" 2>/dev/null
		[ -e "/sys/bus/pci/devices/$b/driver" ] &&
			echo "$b" >"/sys/bus/pci/devices/$b/driver/unbind" 2>/dev/null
		echo "$b" >/sys/bus/pci/drivers_probe 2>/dev/null
	done
}

all_on_vfio() { # TOOL
	local b l set=("${devs[@]}")
	case "$1" in vfioctl-nics | dpdk-devbind) set=("${nics[@]}") ;; esac
	for b in "${set[@]}"; do
		l=$(readlink "/sys/bus/pci/devices/$b/driver") || return 1
		[ "${l##*/}" = vfio-pci ] || return 1
	done
}

bind_with() {
	case "$1" in
	vfioctl) "$VFIOCTL" -q bind "${devs[@]}" ;;
	vfioctl-nics) "$VFIOCTL" -q bind "${nics[@]}" ;;
	driverctl)
		local b
		for b in "${devs[@]}"; do driverctl --nosave set-override "$b" vfio-pci || return 1; done
		;;
	dpdk-devbind) dpdk-devbind.py -b vfio-pci "${nics[@]}" ;;
	esac
}

declare -A ms=()
tools=(vfioctl driverctl vfioctl-nics dpdk-devbind)
rc=0
for r in $(seq "$rounds"); do
	for i in 0 1 2 3; do
		t=${tools[$(((i + r) % 4))]}
		t0=$(now_ms)
		bind_with "$t" >"$out/$t-$r.log" 2>&1 || { say "$t round $r: bind failed: $(tail -2 "$out/$t-$r.log")"; rc=1; }
		t1=$(now_ms)
		all_on_vfio "$t" || { say "$t round $r: not every device is on vfio-pci"; rc=1; }
		ms[$t]+="$((t1 - t0)) "
		case "$t" in vfioctl*) "$VFIOCTL" -q restore --all >/dev/null 2>&1 ;; esac
		sysfs_restore
		say "$t round $r: $((t1 - t0)) ms"
	done
done
for b in "${devs[@]}"; do
	l=$(readlink "/sys/bus/pci/devices/$b/driver") && now=${l##*/} || now=-
	[ "$now" = "${orig[$b]}" ] || say "warning: $b is on $now, was on ${orig[$b]}"
done
guest_results "$out/p3.json" "$(printf '"devices": %d, "nics": %d' "${#devs[@]}" "${#nics[@]}")" "${tools[@]}"
echo "BENCH-P3-DONE $rc"
