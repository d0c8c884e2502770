#!/usr/bin/env bats
# check: the preflight against fixture trees (tests/fixtures/mkfixture) and this host's real
# root. Trees: desktop-gpu (VT-d with interrupt remapping, ACS-less CPU root ports, no-reset and
# reset-disabled devices, a held group, limits.conf users), pci-bridge (VT-d without interrupt
# remapping), sriov-nic (AMD-Vi, PF + VFs), arm-msi (SMMUv3 + GICv3 ITS, MSI window),
# power-phb (SPAPR), iommu-off (no IOMMU, no VFIO modules).

load helpers

setup_file() {
	for t in desktop-gpu pci-bridge sriov-nic arm-msi power-phb iommu-off; do
		make_fixture "$t"
	done
}

# item TARGET ITEM: the JSON object of one item of $output (fails when absent or not one)
item() {
	local it
	it=$(jq -ce --arg t "$1" --arg i "$2" '.checks[] | select(.target == $t and .item == $i)' \
		<<<"$output") || it=
	if [ -z "$it" ] || [ "$(wc -l <<<"$it")" != 1 ]; then
		echo "not exactly one item '$2' for '$1' in:"
		dump
		return 1
	fi
	echo "$it"
}

# status_is TARGET ITEM STATUS [DETAIL-SUBSTRING [FIX-SUBSTRING]]
status_is() {
	local it
	it=$(item "$1" "$2") || {
		echo "$it"
		return 1
	}
	jq -e --arg s "$3" --arg d "${4:-}" --arg f "${5:-}" \
		'.status == $s and (.detail | contains($d)) and ($f == "" or (.fix // "" | contains($f)))' \
		<<<"$it" >/dev/null || {
		echo "$1 $2: expected status $3${4:+, detail with '$4'}${5:+, fix with '$5'}; got:"
		echo "$it"
		return 1
	}
}

# a private copy of fixture NAME in $R
private_tree() {
	R=$BATS_TEST_TMPDIR/$1
	cp -a "$BATS_FILE_TMPDIR/$1" "$R"
}

vfr() { # run the binary on the private tree
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
}

@test "check: iommu-off: every missing piece fails with its fix, exit 8" {
	vf iommu-off -J check
	expect_status 8
	status_is host iommu fail "no ACPI DMAR or IVRS table" "in the firmware setup"
	status_is host interrupt-remapping fail "no IOMMU" "IOMMU first"
	status_is host "module vfio_pci" fail "not loaded" "modprobe vfio-pci"
	status_is host "module vfio_iommu_type1" fail "not loaded" "modprobe vfio_iommu_type1"
	status_is host /dev/vfio/vfio fail missing "modprobe vfio"
	jqe '.summary.verdict == "fail" and .summary.fail >= 5'
}

@test "check: iommu-off: the table says fail and names the fix; summary on stderr" {
	vf iommu-off check
	expect_status 8
	grep -E '^host +iommu +fail .*firmware setup' <<<"$output" || { dump; false; }
	[[ "$stderr" == *"vfioctl: check: "*" failed"* ]] || { dump; false; }
	vf iommu-off -q check
	[ -z "$stderr" ] || { dump; false; }
}

@test "check: -J is typed: every item has five keys, status ok|warn|fail, fix string or null" {
	vf desktop-gpu -J check 01:00.0 04:00.0
	jqe '.schema == 1 and (.checks | length) > 10'
	jqe '[.checks[] | (keys == ["detail", "fix", "item", "status", "target"]) and
		(.status | IN("ok", "warn", "fail")) and (.detail | type == "string") and
		((.fix | type) == "string" or .fix == null) and
		(if .status == "ok" then .fix == null else (.fix | type) == "string" end)] | all'
	jqe '.summary | (.ok | type) == "number" and (.warn | type) == "number" and
		(.fail | type) == "number" and .verdict == "fail"'
	jqe '(.summary.ok + .summary.warn + .summary.fail) == (.checks | length)'
}

@test "check: desktop-gpu host: VT-d with interrupt remapping, modules, node: all ok, exit 0" {
	vf desktop-gpu -J check
	expect_status 0
	status_is host iommu ok "10 IOMMU groups"
	status_is host interrupt-remapping ok "active: 18 of 18"
	status_is host msi-window ok "0xfee00000-0xfeefffff (msi)"
	status_is host "module vfio" ok loaded
	status_is host "module vfio_pci" ok loaded
	status_is host "module vfio_iommu_type1" ok loaded
	status_is host /dev/vfio/vfio ok "mode 0666"
	status_is host noiommu ok
	jqe '[.checks[] | select(.target == "host") | .status] | all(. == "ok")'
}

@test "check: pci-bridge: VT-d without interrupt remapping fails, naming ecap and the fixes" {
	vf pci-bridge -J check
	expect_status 8
	status_is host interrupt-remapping fail "lack the IR capability (ecap bit 3)" "intremap=on"
	status_is host interrupt-remapping fail "No interrupt remapping support" \
		"allow_unsafe_interrupts=1"
	jqe '[.checks[] | select(.status == "fail") | .item] == ["interrupt-remapping"]'
}

@test "check: allow_unsafe_interrupts=Y turns the failure into a warning (exit 0)" {
	private_tree pci-bridge
	echo Y >"$R/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
	vfr -J check
	expect_status 0
	status_is host interrupt-remapping warn "allow_unsafe_interrupts=Y" "drop allow_unsafe"
}

@test "check: intremap=off on the command line is named as the cause" {
	private_tree desktop-gpu
	sed -i 's/intel_iommu=on/intel_iommu=on intremap=off/' "$R/proc/cmdline"
	sed -i 's/IR-//' "$R/proc/interrupts"
	vfr -J check
	expect_status 8
	status_is host interrupt-remapping fail "intremap=off" "remove intremap=off"
}

@test "check: sriov-nic: AMD-Vi remapped; iommu=pt noted; PF lists its VFs, a VF names its PF" {
	vf sriov-nic -J check 01:00.0 01:10.2
	status_is host interrupt-remapping ok "IR-"
	status_is host iommu-passthrough ok "iommu=pt"
	status_is 0000:01:00.0 sriov warn "PF with 8 of 63 VFs enabled: 0000:01:10.0 (group 40)" \
		"vfioctl bind 0000:01:00.0/vfs"
	# moving the PF destroys the VFs: check says so and never suggests it (issue 21)
	status_is 0000:01:00.0 sriov warn "removes all 8 and is refused: VF 0000:01:10.2 (group 41) is in use by pid 3077"
	status_is 0000:01:00.0 group warn "" "vfioctl bind 0000:01:00.0/vfs"
	status_is 0000:01:10.2 sriov ok "VF of 0000:01:00.0 (on ixgbe, group 20)"
	status_is 0000:01:10.2 in-use fail "dpdk-testpmd (pid 3077) via /dev/vfio/41"
	expect_status 8
}

@test "check: arm-msi: ITS isolates MSIs, the MSI window is reported, driverless = no group" {
	vf arm-msi -J check 03:00.0 04:00.0
	status_is host interrupt-remapping ok "GICv3 ITS"
	status_is host msi-window ok "0x8000000-0x80fffff (msi) reserved in 8 of 8 groups"
	status_is 0000:03:00.0 group warn "no IOMMU group yet" "bind it to vfio-pci"
	status_is 0000:04:00.0 group ok "group 12 viable"
	expect_status 0
}

@test "check: power-phb: SPAPR needs neither type1 nor interrupt remapping" {
	vf power-phb -J check
	expect_status 0
	status_is host interrupt-remapping ok SPAPR
	status_is host "module vfio_iommu_spapr_tce" ok loaded
	status_is host msi-window ok "no group reserves"
	jqe '[.checks[] | select(.item == "module vfio_iommu_type1")] == []'
}

@test "check: ACS missing on the CPU root port: the GPU shares group 1, and who with" {
	vf desktop-gpu -J check 01:00.0
	status_is 0000:01:00.0 acs warn \
		"missing on 0000:00:01.0 (no ACS capability): shares group 1 with 0000:00:01.1, 0000:01:00.1, 0000:02:00.0" \
		"vfioctl bind --group"
	status_is 0000:01:00.0 group warn "group 1 not viable as bound now" \
		"vfioctl bind --group 0000:01:00.0"
}

@test "check: ACS present on the PCH root port: the NVMe is isolated" {
	vf desktop-gpu -J check 03:00.0
	status_is 0000:03:00.0 acs ok "enabled on 0000:00:1b.0"
	status_is 0000:03:00.0 reset ok "flr bus"
}

@test "check: ACS present but not enabled is not enough" {
	private_tree desktop-gpu
	# clear the ACS control register of 00:1c.4 (walk the extended capabilities from 0x100)
	python3 -c '
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off = 0x100
while off:
    hdr = struct.unpack_from("<I", b, off)[0]
    if hdr & 0xffff == 0x000d:
        struct.pack_into("<H", b, off + 6, 0)
    off = hdr >> 20
open(sys.argv[1], "wb").write(b)
' "$R/sys/bus/pci/devices/0000:00:1c.4/config"
	vfr -J check 05:00.0
	status_is 0000:05:00.0 acs ok "missing on 0000:00:1c.4 (ACS not enabled), yet the device has its group to itself"
}

@test "check: no-reset devices: none at all, and every method disabled by the user" {
	vf desktop-gpu -J check 01:00.0 05:00.0 04:00.0
	status_is 0000:01:00.0 reset warn "no reset method: no FLR, PM NoSoftRst set"
	# src/core/reset.h's scope: a bus reset would take the HDMI audio function along
	status_is 0000:01:00.0 reset warn "a hot reset of its bus is possible (also resets 0000:01:00.1:"
	status_is 0000:05:00.0 reset warn "every reset method is disabled" \
		"echo default > /sys/bus/pci/devices/0000:05:00.0/reset_method"
	status_is 0000:04:00.0 reset ok "flr pm bus"
}

@test "check: a held group fails in-use with the holder; the exit is 8" {
	vf desktop-gpu -J check 04:00.0
	expect_status 8
	status_is 0000:04:00.0 in-use fail "qemu-system-x86 (pid 4242) via /dev/vfio/12" "stop that process"
	status_is 0000:04:00.0 driver ok "on vfio-pci; driver_override vfio-pci"
}

@test "check: a foreign driver_override is a warning" {
	private_tree desktop-gpu
	echo pci-stub >"$R/sys/bus/pci/devices/0000:03:00.0/driver_override"
	vfr -J check 03:00.0
	status_is 0000:03:00.0 driver warn "driver_override=pci-stub" "vfioctl bind 0000:03:00.0"
}

@test "check: host-critical group member fails the group item" {
	private_tree desktop-gpu
	stage_nvme_root
	vfr -J check 03:00.0
	expect_status 8
	status_is 0000:03:00.0 host-critical fail "backs the mounted filesystem / (259:2)" \
		"pick another device"
	vfr -J check 04:00.0
	status_is 0000:04:00.0 host-critical ok "no mounted filesystem"
}

@test "check: a host-critical member fails the group item of the other members" {
	private_tree pci-bridge
	local dev=$R/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:00.0
	[ -d "$dev" ] || { echo "fixture layout changed: no $dev"; false; }
	mkdir -p "$dev/net/eth0" "$R/proc/net" "$R/sys/class/net"
	ln -s ../.. "$dev/net/eth0/device"
	ln -s ../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:00.0/net/eth0 \
		"$R/sys/class/net/eth0"
	printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' \
		>"$R/proc/net/route"
	vfr -J check 02:04.0
	expect_status 8
	status_is 0000:02:04.0 host-critical ok
	status_is 0000:02:04.0 group fail "group member 0000:02:00.0 is host-critical" \
		"another slot or device"
}

@test "check: a group target checks each endpoint once, not its bridges" {
	vf desktop-gpu -J check group:1 01:00.1
	jqe '[.checks[] | select(.target != "host") | .target] | unique ==
		["0000:01:00.0", "0000:01:00.1", "0000:02:00.0"]'
	jqe '[.checks[] | select(.target == "0000:01:00.1" and .item == "group")] | length == 1'
}

@test "check: unknown targets: exit 3 alone, 7 with a good one; bad syntax is a usage error" {
	vf desktop-gpu check 0000:09:00.0
	expect_status 3
	stderr_names 0000:09:00.0
	vf desktop-gpu -J check 0000:09:00.0 03:00.0
	expect_status 7
	status_is 0000:03:00.0 acs ok
	vf desktop-gpu check 99
	expect_status 3
	stderr_names 99
	vf desktop-gpu check 01:00.9
	expect_status 2
}

@test "check: /dev/vfio/vfio without rw for others warns; noiommu mode warns loudly" {
	private_tree desktop-gpu
	chmod 0600 "$R/dev/vfio/vfio"
	mkdir -p "$R/sys/module/vfio/parameters"
	echo Y >"$R/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
	vfr -J check
	expect_status 0
	status_is host /dev/vfio/vfio warn "mode 0600" "chmod 0666 /dev/vfio/vfio"
	status_is host noiommu warn "UNSAFE no-IOMMU mode is enabled"
}

@test "check: iommufd is reported when /dev/iommu exists" {
	private_tree desktop-gpu
	touch "$R/dev/iommu"
	vfr -J check
	status_is host iommufd ok "available: /dev/iommu"
}

@test "check: --user: limits.conf precedence (user > @group > *, limits.d after), root and unknown users" {
	vf desktop-gpu -J check --user alice
	status_is host "memlock(alice)" ok "soft unlimited (/etc/security/limits.conf:4)"
	vf desktop-gpu -J check --user bob
	status_is host "memlock(bob)" warn "soft 64 MiB (/etc/security/limits.conf:3)" "LimitMEMLOCK="
	expect_status 0
	vf desktop-gpu -J check -u qemu
	status_is host "memlock(qemu)" ok "soft 16 GiB (/etc/security/limits.d/90-qemu.conf:1)"
	vf desktop-gpu -J check --user root
	status_is host "memlock(root)" warn "no limits.conf entry applies to root"
	vf desktop-gpu check --user mallory
	expect_status 3
	stderr_names mallory
}

@test "check: --user says whose budget pins draw on: per process (type1), per user (iommufd)" {
	private_tree desktop-gpu
	rm -f "$R/dev/iommu"
	vfr -J check --user alice
	status_is host "accounting(alice)" ok "type1 charges each process of alice"
	touch "$R/dev/iommu"
	vfr -J check --user alice
	status_is host "accounting(alice)" ok "iommufd charges alice's pins per user"
	jqe '[.checks[] | select(.item == "accounting(alice)") | .detail][0] | test("exec --handoff")'
}

@test "check: memlock of the caller: CAP_IPC_LOCK is ok, 8 MiB without it warns" {
	[ "$(id -u)" = 0 ] || skip "needs root: compares root (CAP_IPC_LOCK) with an unprivileged uid"
	command -v setpriv >/dev/null && command -v prlimit >/dev/null ||
		skip "needs setpriv and prlimit (util-linux) to drop to an unprivileged uid"
	vf desktop-gpu -J check
	status_is host memlock ok "CAP_IPC_LOCK"
	require_binary
	# nobody must be able to read the tree and run the binary: a world-readable copy
	local w
	w=$(mktemp -d /tmp/vfioctl-check.XXXXXX)
	cp -a "$BATS_FILE_TMPDIR/desktop-gpu" "$w/t"
	chmod -R a+rX "$w"
	run --separate-stderr prlimit --memlock=8388608 setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$VFIOCTL" --sysroot "$w/t" -J check
	rm -rf "$w"
	status_is host memlock warn "RLIMIT_MEMLOCK 8 MiB" "CAP_IPC_LOCK"
	expect_status 0
}

@test "check: this host's real root: the iommu item agrees with /sys/kernel/iommu_groups" {
	require_binary
	run --separate-stderr "$VFIOCTL" -J check
	if [ -n "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
		status_is host iommu ok "IOMMU groups"
	else
		# the development machines: no IOMMU. A clear failure with the fix, exit 8.
		expect_status 8
		status_is host iommu fail "no IOMMU groups"
		jqe '.checks[] | select(.item == "iommu") | .fix | length > 0'
		status_is host interrupt-remapping fail
	fi
}

@test "check: --list-columns and -o" {
	vf desktop-gpu check --list-columns
	expect_status 0
	for c in TARGET ITEM STATUS DETAIL FIX; do grep -qE "^ *$c " <<<"$output" || { dump; false; }; done
	vf desktop-gpu -n -o ITEM,STATUS check
	expect_status 0
	grep -qE '^iommu +ok$' <<<"$output" || { dump; false; }
	vf desktop-gpu -o NOPE check
	expect_status 2
}

@test "check: --user: can the user open the group's /dev/vfio/N?" {
	private_tree desktop-gpu
	[ "$(stat -c %u "$R/dev/vfio/12")" != 1001 ] || skip "the tree belongs to uid 1001 (bob) here"
	chmod 0600 "$R/dev/vfio/12"
	vfr -J check --user bob 04:00.0 03:00.0
	status_is 0000:04:00.0 group-node warn "/dev/vfio/12 (uid" "vfioctl bind --owner bob 0000:04:00.0"
	status_is 0000:04:00.0 group-node warn "mode 0600): bob cannot open it read-write"
	status_is 0000:03:00.0 group-node ok "/dev/vfio/10 does not exist yet"
	chmod 0666 "$R/dev/vfio/12"
	vfr -J check --user bob 04:00.0
	status_is 0000:04:00.0 group-node ok "bob can open it"
	vfr -J check 04:00.0
	status_is 0000:04:00.0 group-node ok "/dev/vfio/12: uid"
}

@test "check: a failed item outranks a missing target (exit 8, not 7); JSON names the missing one" {
	vf pci-bridge -J check 02:04.0 99:00.0
	expect_status 8
	jqe '.errors == [{"target": "99:00.0", "exit": 3, "message": "no such PCI device"}]'
	jqe '.summary.fail >= 1'
	# without a failed item a missing target is a partial result
	vf desktop-gpu -J check 01:00.0 99:00.0
	expect_status 7
	jqe '.errors[0].target == "99:00.0"'
	# no errors key when every target resolves
	vf desktop-gpu -J check 01:00.0
	expect_status 0
	jqe 'has("errors") | not'
}

@test "check: a host bridge is not assignable, its RMRR (direct) region fails, and nothing suggests binding it" {
	vf desktop-gpu -J check 00:00.0
	expect_status 8
	status_is 0000:00:00.0 assignable fail "is a host bridge" "pick an endpoint"
	status_is 0000:00:00.0 direct-map fail "0x3d000000-0x3d7fffff" "another group"
	jqe '[.checks[] | select(.target != "host") | .fix // "" | test("vfioctl bind")] | any | not'
	# a relaxable RMRR (USB) is said, and is fine
	vf desktop-gpu -J check 00:14.0
	status_is 0000:00:14.0 direct-map ok "direct-relaxable"
	# the AMD IOMMU function and a root port are not assignable either
	vf sriov-nic -J check 00:00.2 00:01.1
	expect_status 8
	status_is 0000:00:00.2 assignable fail "is an IOMMU"
	status_is 0000:00:01.1 assignable fail "is a bridge"
	# an endpoint in a normal group has no assignable or direct-map item
	vf desktop-gpu -J check 03:00.0
	jqe '[.checks[] | select(.item == "assignable" or .item == "direct-map")] == []'
}

# ---- the table at a terminal's width (issue 23.2): COLUMNS as lsblk reads it

# fits WIDTH FIXTURE ARGS...: check's table at COLUMNS=WIDTH: no line longer than WIDTH, no
# word split across lines (every word is a word of the JSON's cells), no sentence said twice
fits() {
	local width=$1 name=$2
	shift 2
	require_binary
	run --separate-stderr env COLUMNS="$width" "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/$name" \
		check "$@"
	local text=$output
	run --separate-stderr "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/$name" -J check "$@"
	python3 -c '
import json, sys
width, text, doc = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
words = {"TARGET", "ITEM", "STATUS", "DETAIL", "FIX", "fix:"}
cells = []
for c in doc["checks"]:
    for k in ("target", "item", "status", "detail", "fix"):
        words.update((c[k] or "").split())
    cells.append((c["detail"] or "") + " | " + (c["fix"] or ""))
bad = [l for l in text.splitlines() if len(l) > width]
if bad:
    sys.exit("longer than %d: %r" % (width, bad[0]))
split = [w for w in text.split() if w not in words]
if split:
    sys.exit("words split across lines: %r" % split[:4])
for c in doc["checks"]:  # DETAIL and FIX never share a run of 5 words
    d, f = (c["detail"] or "").split(), (c["fix"] or "").split()
    grams = {tuple(d[i:i + 5]) for i in range(len(d) - 4)}
    if any(tuple(f[i:i + 5]) in grams for i in range(len(f) - 4)):
        sys.exit("said twice in %s: %r / %r" % (c["item"], c["detail"], c["fix"]))
' "$width" "$text" "$output" || { echo "--- COLUMNS=$width:"; printf '%s\n' "$text"; false; }
}

@test "check: COLUMNS=80 and 100: every line fits, no word is split, nothing said twice" {
	for w in 80 100; do
		fits $w iommu-off
		fits $w desktop-gpu 01:00.0
		fits $w power-phb 0002:00:01.0
		fits $w arm-msi
		fits $w sriov-nic
	done
}

@test "check: a wide COLUMNS and a pipe without COLUMNS keep one line per item" {
	vf desktop-gpu check
	local n
	n=$(wc -l <<<"$output")
	vf desktop-gpu -J check
	[ "$n" -eq $(($(jq '.checks | length' <<<"$output") + 1)) ] || { dump; false; }
	run --separate-stderr env COLUMNS=1000 "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/desktop-gpu" check
	[ "$(wc -l <<<"$output")" -eq "$n" ] || { dump; false; }
}

@test "check: at 80 columns FIX goes on its own lines, under DETAIL" {
	run --separate-stderr env COLUMNS=80 "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/iommu-off" check
	expect_status 8
	grep -qE '^ +fix: enable VT-d' <<<"$output" || { dump; false; }
	grep -qE '^host +iommu +fail +no IOMMU groups' <<<"$output" || { dump; false; }
}
