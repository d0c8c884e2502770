#!/bin/bash
# A short narrated tour of vfioctl inside the x86 lab guest (run by tests/vm/demo; the
# console is the output). Commands the tool does not have yet are skipped with a note, so the
# tour works at every stage of the project. Devices are found by vendor:device ids.
set -uo pipefail

V=${VFIOCTL:?}
HELP=$("$V" --help 2>&1)

has() { # COMMAND -> true when `vfioctl --help` lists it
	grep -qE "^  $1( |$)" <<<"$HELP"
}

heading() {
	printf '\n\033[1m=== %s\033[0m\n' "$*"
}

say() {
	printf '# %s\n' "$*"
}

run() { # show the command, then run it
	printf '\033[36m$ %s\033[0m\n' "vfioctl $*"
	"$V" "$@"
	local rc=$?
	[ "$rc" = 0 ] || say "(exit status $rc)"
	return 0
}

find_dev() { # VENDOR:DEVICE -> first BDF
	local d v i
	for d in /sys/bus/pci/devices/*; do
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		[ "${v#0x}:${i#0x}" = "$1" ] && {
			echo "${d##*/}"
			return 0
		}
	done
	return 1
}

heading "vfioctl tour: kernel $(uname -r) in a QEMU q35 guest with an emulated VT-d"
say "devices: edu (1234:11e8), e1000e, virtio-net/rng, a pcie-pci-bridge with edu + pci-testdev,"
say "a multifunction e1000e + edu, all behind PCIe root ports"

heading "1. Every IOMMU group, whether it is viable, and who drives its devices"
run list

heading "2. The same as JSON (stable schema, for scripts)"
run list -J | head -n 40

heading "3. Devices instead of groups"
run list --devices

BR=$(find_dev 1b36:000e || true)
if [ -n "$BR" ]; then
	heading "4. The bridge group: a PCIe-to-PCI bridge shares its group with everything behind it"
	run show "$BR"
fi

MF=''
for d in /sys/bus/pci/devices/*.0; do
	b=${d##*/}
	[ -e "/sys/bus/pci/devices/${b%.0}.1" ] || continue
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && MF=$b && break
done
if [ -n "$MF" ]; then
	heading "5. Why a group is not viable: the multifunction e1000e + edu"
	run show "$MF"
fi

EDU=''
for d in /sys/bus/pci/devices/*; do
	b=${d##*/}
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] || continue
	g=$(readlink "$d/iommu_group") || continue
	n=("/sys/kernel/iommu_groups/${g##*/}/devices/"*)
	[ "${#n[@]}" = 1 ] && EDU=$b && break
done

if has bind && [ -n "$EDU" ]; then
	heading "6. Bind the lone edu device to vfio-pci (journalled, reversible)"
	run bind "$EDU"
	run show "$EDU"
else
	heading "6. bind: not in this build of vfioctl yet"
	[ -n "$EDU" ] && {
		say "binding $EDU to vfio-pci with plain sysfs writes instead"
		echo vfio-pci >"/sys/bus/pci/devices/$EDU/driver_override"
		echo "$EDU" >/sys/bus/pci/drivers_probe
	}
fi

if has domain && [ -n "$EDU" ]; then
	heading "7. A DMA domain: request a window, see what the kernel granted, prove DMA works"
	run domain "$EDU" --window 16M --map 64K --verify
else
	heading "7. domain: not in this build of vfioctl yet"
fi

if [ -n "$EDU" ] && [ -x "${VFIOCTL_EDU_DMA:-}" ]; then
	heading "8. The lab's own proof: the edu device copies RAM -> device -> RAM through the IOMMU"
	printf '\033[36m$ %s\033[0m\n' "edu_dma --group /dev/vfio/N $EDU"
	g=$(readlink "/sys/bus/pci/devices/$EDU/iommu_group")
	"$VFIOCTL_EDU_DMA" --group "/dev/vfio/${g##*/}" "$EDU"
fi

if has restore; then
	heading "9. Put everything back the way it was"
	run restore --all
fi

heading "End of the tour"
