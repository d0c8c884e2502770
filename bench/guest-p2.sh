#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs INSIDE the x86 lab guest (booted by bench/guest-p2): P2, map/unmap throughput of
# `vfioctl bench map` against bench/raw-map doing the same work, on one viable group.
# Each (size, page size) case runs raw, vfioctl, vfioctl, raw, ... (interleaved, first side
# alternating: TCG timing drifts with the host's load). Results: $VFIOCTL_LAB_RESULTS/p2/*.json, then "BENCH-P2-DONE rc".
set -u
out=${VFIOCTL_LAB_RESULTS:-/run/lab}/p2
mkdir -p "$out"
raw=$TOP/build/bench/raw-map
cases=${BENCH_P2_CASES:-"64M:4K:4 64M:2M:4 256M:4K:3 256M:2M:3 1G:4K:2 1G:2M:3"}
alternations=${BENCH_P2_ALTERNATIONS:-4}

say() { echo "bench-p2: $*"; }

# The edu device behind the first root port (1234:11e8, no host driver): to vfio-pci by plain
# sysfs writes, so the setup does not depend on the tool under test.
dev=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
		g=$(readlink "$d/iommu_group")
		# alone in its group: the root-port edu
		members=("/sys/kernel/iommu_groups/${g##*/}/devices/"*)
		if [ "${#members[@]}" = 1 ]; then
			dev=${d##*/}
			break
		fi
	fi
done
[ -n "$dev" ] || { say "no edu device alone in a group"; echo "BENCH-P2-DONE 1"; exit 1; }
echo vfio-pci >"/sys/bus/pci/devices/$dev/driver_override"
[ -e "/sys/bus/pci/devices/$dev/driver" ] && echo "$dev" >"/sys/bus/pci/devices/$dev/driver/unbind"
echo "$dev" >/sys/bus/pci/drivers_probe
group=$(readlink "/sys/bus/pci/devices/$dev/iommu_group")
group=${group##*/}
for _ in $(seq 50); do [ -e "/dev/vfio/$group" ] && break; sleep 0.1; done
say "device $dev group $group driver $(basename "$(readlink "/sys/bus/pci/devices/$dev/driver")")"
grep -i huge /proc/meminfo | sed 's/^/bench-p2: /'
uname -r >"$out/kernel"

rc=0
for c in $cases; do
	IFS=: read -r size ps iters <<<"$c"
	for k in $(seq "$alternations"); do
		# The side that goes first alternates: no order effect (warm caches, a freshly
		# zeroed hugepage pool) can favour one of them.
		if [ $((k % 2)) = 1 ]; then order="raw vfioctl"; else order="vfioctl raw"; fi
		for side in $order; do
			if [ "$side" = raw ]; then
				set -- "$raw" "$group" "$size" "$ps" "$iters"
			else
				set -- "$VFIOCTL" -J bench map --size "$size" --page-size "$ps" \
					--iterations "$iters" "$group"
			fi
			if ! "$@" >"$out/$side-$size-$ps-$k.json" 2>"$out/$side-$size-$ps-$k.err"; then
				say "$side $size $ps: $(cat "$out/$side-$size-$ps-$k.err")"
				rc=1
			fi
		done
		say "$size $ps round $k done"
	done
done
echo "BENCH-P2-DONE $rc"
exit "$rc"
