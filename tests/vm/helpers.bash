# shellcheck shell=bash
# Helpers of the guest suites (common.bats, x86.bats, arm64.bats, ppc64.bats): `load helpers`.
# They read sysfs directly (the independent truth the tool is checked against) and change
# drivers with plain sysfs writes, never with the tool under test.

: "${VFIOCTL:?VFIOCTL is not set: run the guest suites through tests/vm/run}"

# Drivers that leave a group viable (vfio-pci, pci-stub and pcieport declare driver-managed DMA).
VIABLE_DRIVERS=" vfio-pci pci-stub pcieport "

# Process spawns cost ~50 ms in a TCG guest: the helpers read sysfs in bulk (one find/grep for
# all devices) rather than one readlink per device.

pci_driver() { # BDF -> driver name, or an empty line
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver") || l=
	echo "${l##*/}"
}

pci_group() { # BDF -> group number, or an empty line
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/iommu_group") || l=
	echo "${l##*/}"
}

pci_id() { # BDF -> vendor:device, 4 hex digits each
	local v i
	read -r v <"/sys/bus/pci/devices/$1/vendor"
	read -r i <"/sys/bus/pci/devices/$1/device"
	echo "${v#0x}:${i#0x}"
}

pci_find() { # VENDOR:DEVICE -> BDFs, sorted
	local d v i
	for d in /sys/bus/pci/devices/*; do
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		[ "${v#0x}:${i#0x}" = "$1" ] && echo "${d##*/}"
	done
	return 0
}

group_members() { # N -> BDFs, sorted
	local d
	for d in "/sys/kernel/iommu_groups/$1/devices/"*; do
		[ -e "$d" ] && echo "${d##*/}"
	done
	return 0
}

# "BDF GROUP DRIVER VENDOR DEVICE CLASS" for every PCI device, "-" for no group or driver,
# sorted by BDF: one find and one grep for the whole bus.
sysfs_pci_table() {
	{
		find -H /sys/bus/pci/devices/*/ -maxdepth 1 \( -name driver -o -name iommu_group \) \
			-printf '%h %f %l\n'
		grep -H . /sys/bus/pci/devices/*/vendor /sys/bus/pci/devices/*/device \
			/sys/bus/pci/devices/*/class /sys/bus/pci/devices/*/subsystem_vendor \
			/sys/bus/pci/devices/*/subsystem_device |
			sed 's|^\(.*\)/\([a-z_]*\):|\1 \2 |'
	} | awk '
		{ b = $1; sub("/+$", "", b); sub(".*/", "", b); v = $3; sub(".*/", "", v)
		  sub("^0x", "", v); all[b] = 1; val[b, $2] = v }
		function get(b, k) { return ((b, k) in val) ? val[b, k] : "-" }
		END { for (b in all) print b, get(b, "iommu_group"), get(b, "driver"),
			get(b, "vendor"), get(b, "device"), get(b, "class"),
			get(b, "subsystem_vendor"), get(b, "subsystem_device") }' | LC_ALL=C sort
}

# Every PCI device as {bdf, group, driver}, from sysfs, sorted by bdf (compact JSON lines).
sysfs_devices_json() {
	sysfs_pci_table | jq -Rc 'split(" ") | {bdf: .[0],
		group: (if .[1] == "-" then null else (.[1] | tonumber) end),
		driver: (if .[2] == "-" then null else .[2] end)}'
}

# The same three keys from `vfioctl list -J` (groups' devices + ungrouped devices).
tool_devices_json() {
	"$VFIOCTL" list -J | jq -c '
		[(.groups[] | .group as $g | .devices[] | {bdf, group: $g, driver}),
		 ((.ungrouped // [])[] | {bdf, group: null, driver})] | sort_by(.bdf) | .[]'
}

# "GROUP true|false" for every group, from sysfs: viable when every member is unbound or on
# a driver that declares driver-managed DMA.
sysfs_groups_viable() {
	sysfs_pci_table | awk -v ok="$VIABLE_DRIVERS" '
		$2 != "-" { g[$2] = 1; if ($3 != "-" && index(ok, " " $3 " ") == 0) bad[$2] = 1 }
		END { for (n in g) print n, (n in bad) ? "false" : "true" }' | sort -n
}

sysfs_group_viable() { # N -> true|false
	sysfs_groups_viable | awk -v n="$1" '$1 == n { print $2 }'
}

# tool's view of one group: `vfioctl list -J` object for group N
tool_group() {
	"$VFIOCTL" list -J | jq -ce --argjson n "$1" '.groups[] | select(.group == $n)'
}

# --- driver changes with plain sysfs writes, undone in teardown -------------------------------
# Each change is journalled in $BATS_TEST_TMPDIR/rebinds as "BDF ORIGINAL-DRIVER"; call
# restore_drivers from teardown.

sysfs_bind() { # BDF DRIVER — DRIVER may be "none" (unbind and leave unbound)
	local bdf=$1 drv=$2 d=/sys/bus/pci/devices/$1 cur
	cur=$(pci_driver "$bdf")
	echo "$bdf ${cur:-none}" >>"$BATS_TEST_TMPDIR/rebinds"
	if [ "$drv" = none ]; then
		echo >"$d/driver_override"
		[ -z "$cur" ] || echo "$bdf" >"$d/driver/unbind"
		return 0
	fi
	echo "$drv" >"$d/driver_override"
	[ -z "$cur" ] || echo "$bdf" >"$d/driver/unbind"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	cur=$(pci_driver "$bdf")
	if [ "$cur" != "$drv" ]; then
		echo "sysfs_bind: $bdf is on '${cur:-no driver}' after probing $drv" >&2
		return 1
	fi
}

sysfs_unbind_to_original() { # BDF ORIGINAL — original driver name or "none"
	local bdf=$1 orig=$2 d=/sys/bus/pci/devices/$1
	echo >"$d/driver_override"
	[ -e "$d/driver" ] && echo "$bdf" >"$d/driver/unbind"
	if [ "$orig" != none ]; then
		echo "$bdf" >/sys/bus/pci/drivers_probe
		[ "$(pci_driver "$bdf")" = "$orig" ] ||
			echo "restore: $bdf did not return to $orig" >&2
	fi
	return 0
}

restore_drivers() {
	local f=$BATS_TEST_TMPDIR/rebinds bdf orig
	[ -f "$f" ] || return 0
	# Undo in reverse order; the first record of a device holds its original driver.
	tac "$f" | while read -r bdf orig; do
		echo "$bdf $orig"
	done | awk '{ last[$1] = $2; order[$1] = NR } END { for (b in last) print order[b], b, last[b] }' |
		sort -n | while read -r _ bdf orig; do
		sysfs_unbind_to_original "$bdf" "$orig"
	done
	rm -f "$f"
}

# An edu device alone in its group once bound to vfio-pci, printed as BDF. The edu behind the
# pcie-pci-bridge and the multifunction one share groups: skip those.
edu_alone() {
	local b g
	for b in $(pci_find 1234:11e8); do
		g=$(pci_group "$b")
		# arm64 SMMUv3 gives a group only after a driver probed: a groupless edu counts.
		if [ -z "$g" ] || [ "$(group_members "$g" | wc -l)" = 1 ]; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

# Fail with a readable diff when two files differ.
assert_same() { # EXPECTED-FILE ACTUAL-FILE WHAT
	if ! diff -u "$1" "$2" >"$BATS_TEST_TMPDIR/diff"; then
		echo "$3 differ (--- sysfs, +++ vfioctl):"
		cat "$BATS_TEST_TMPDIR/diff"
		return 1
	fi
}

# ---- binding state, read from sysfs with shell builtins only (bind, faults, hotplug suites)

J=/run/vfioctl	# the binding journal

# state1 BDF: REPLY="BDF driver override" from sysfs ("none" / "-" when unset), no forks
state1() {
	local d=/sys/bus/pci/devices/$1 drv=none o= here=$PWD
	if [ -e "$d/driver" ]; then
		cd -P "$d/driver" && drv=${PWD##*/}
		cd "$here" || return 1
	fi
	read -r o <"$d/driver_override" || o=
	[ "$o" = "(null)" ] && o=
	REPLY="$1 $drv ${o:--}"
}

state() { # BDF...: one line each
	local b
	for b in "$@"; do
		state1 "$b"
		echo "$REPLY"
	done
}

expect_state() { # BDF DRIVER(none) OVERRIDE(-)
	state1 "$1"
	if [ "$REPLY" != "$1 $2 $3" ]; then
		echo "expected '$1 $2 $3', sysfs says '$REPLY'"
		return 1
	fi
}

all_states() { # every PCI device's state on one line each
	local d
	for d in /sys/bus/pci/devices/*; do
		state1 "${d##*/}"
		echo "$REPLY"
	done
}

journal_empty() {
	local f left=()
	for f in "$J"/* "$J"/.*; do
		case ${f##*/} in lock | . | .. | '*' | '.*') ;; *) left+=("$f") ;; esac
	done
	if [ "${#left[@]}" -gt 0 ]; then
		echo "journal not empty: ${left[*]}"
		return 1
	fi
}

# find_bind_devices: the x86 topology's devices the binding suites use, exported (empty when this
# guest lacks one): E1000E alone in its group, the multifunction group's MF_NIC (e1000e fn0) and
# MF_EDU (edu fn1), EDU alone once bound, BRIDGE the pcie-pci-bridge. Found by ids, never by
# group number.
find_bind_devices() {
	local b n
	E1000E= MF_NIC= MF_EDU=
	for b in $(pci_find 8086:10d3); do
		n=$(group_members "$(pci_group "$b")" | wc -l)
		[ "$n" = 1 ] && [ -z "$E1000E" ] && E1000E=$b
		[ "$n" = 2 ] && [ -z "$MF_NIC" ] && MF_NIC=$b
	done
	[ -n "$MF_NIC" ] && MF_EDU=$(group_members "$(pci_group "$MF_NIC")" | grep -v "^$MF_NIC$")
	EDU=$(edu_alone || true)
	BRIDGE=$(pci_find 1b36:000e | head -n1)
	export E1000E EDU MF_NIC MF_EDU BRIDGE
}

# need VAR DESCRIPTION: skip, naming the missing device, when this guest's topology lacks it
need() {
	[ -n "${!1}" ] || skip "this guest has no $2 (see tests/vm/guests/x86-q35.inc)"
}

# ---- IOMMUs other than VT-d (x86-amd, x86-virtio-iommu) --------------------------------------

# iommu_kind: how the guest's IOMMU shows in /sys/class/iommu: vtd (dmar*), amd (ivhd*),
# virtio (a unit whose device is driven by virtio_iommu), smmu, or none
iommu_kind() {
	local u drv
	for u in /sys/class/iommu/*; do
		[ -e "$u" ] || continue
		case ${u##*/} in
		dmar*) echo vtd; return 0 ;;
		ivhd*) echo amd; return 0 ;;
		smmu*) echo smmu; return 0 ;;
		esac
		drv=$(readlink "$u/device/driver" 2>/dev/null) || drv=
		[ "${drv##*/}" = virtio_iommu ] && { echo virtio; return 0; }
	done
	echo none
}

# x86 without interrupt remapping (virtio-iommu): vfio_iommu_type1 refuses every group (EPERM)
# until allow_unsafe_interrupts is Y (written at run time: busybox insmod ignores module
# options). allow_unsafe_for_dma sets it when no interrupt goes through an IR- irqchip, saying
# so in the test's output; unsafe_restore (teardown) puts the old value back.
UNSAFE=/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
allow_unsafe_for_dma() {
	[ "$VFIOCTL_GUEST_ARCH" = x86_64 ] && [ -w "$UNSAFE" ] || return 0
	grep -q ' IR-' /proc/interrupts && return 0
	[ -n "${UNSAFE_OLD:-}" ] || read -r UNSAFE_OLD <"$UNSAFE"
	echo "no interrupt remapping in this guest ($(iommu_kind)): allow_unsafe_interrupts=Y for this test"
	echo Y >"$UNSAFE"
}
unsafe_restore() {
	[ -z "${UNSAFE_OLD:-}" ] || echo "$UNSAFE_OLD" >"$UNSAFE"
	UNSAFE_OLD=
}

# QEMU's emulated AMD-Vi (amd-iommu, QEMU 7.2 and 10.0) maps and attaches, but the edu device's
# DMA through it returns wrong data (measured with the tool's --verify and with the lab's own
# edu_dma alike: the emulator, not the tool). Suites assert that failure by name on it.
dma_broken_in_emulator() { [ "$(iommu_kind)" = amd ]; }

# qmp SOCKET COMMAND...: connect (waiting up to 120 s for the socket), negotiate, print each
# command's "return" as one JSON line (handoff.bats, nested.bats)
qmp() {
	python3 - "$@" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
for _ in range(1200):
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("qmp: no socket " + sys.argv[1])
f = s.makefile("rw")
def cmd(c):
    f.write(json.dumps({"execute": c}) + "\n"); f.flush()
    while True:
        line = f.readline()
        if not line:
            return {"return": None}
        m = json.loads(line)
        if "return" in m or "error" in m:
            return m
assert "QMP" in json.loads(f.readline())
assert "return" in cmd("qmp_capabilities")
for c in sys.argv[2:]:
    print(json.dumps(cmd(c).get("return")))
PY
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds (0.1 s steps); fails on timeout.
wait_for() {
	local n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "timed out waiting for: $*"; return 1; }
		sleep 0.1
	done
}

# start_udevd: Debian's udevd with every rule of the host root plus the shipped vfioctl rule
# (its template, etc/udev/rules.d/60-vfioctl.rules.in), pointing at the binary under test (the
# only difference, checked).
start_udevd() {
	local rule=/etc/udev/rules.d/60-vfioctl.rules
	[ -x /lib/systemd/systemd-udevd ] || { echo "no systemd-udevd: install udev (.ci/packages)"; return 1; }
	mkdir -p /etc/udev/rules.d
	sed "s|@SBINDIR@/vfioctl|$VFIOCTL|" "$TOP/etc/udev/rules.d/60-vfioctl.rules.in" >"$rule"
	diff "$TOP/etc/udev/rules.d/60-vfioctl.rules.in" "$rule" | grep -c '^>' | grep -qx 1
	# Its own stdio, and not bats' fd 3: a daemon holding that would keep bats waiting.
	/lib/systemd/systemd-udevd --daemon </dev/null >/dev/null 2>&1 3>&-
	udevd_started=1
	wait_for 30 udevadm control --ping
}

# stop_udevd: ask it to exit, wait until it has; later suites must not see it renaming NICs.
stop_udevd() {
	udevadm control --exit 2>/dev/null || true
	wait_for 20 eval '! pgrep -x systemd-udevd >/dev/null' || pkill -9 -x systemd-udevd || true
	wait_for 10 eval '! pgrep -x systemd-udevd >/dev/null'
}
