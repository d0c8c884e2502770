#!/usr/bin/env bats
# bind / unbind / restore against fixture trees: plans (--dry-run), refusals (held, host-critical,
# bridges), the journal's logic and its files. The tool writes into fixture files under
# --sysroot; nothing here reacts like a kernel (a driver link moving), so a real bind times out
# and rolls back. fakekernel.bats runs the same commands under the fake kernel (success,
# rollback, restore, apply); the real proof is tests/vm/bind.bats inside the guests.

load helpers

setup() {
	R=$BATS_TEST_TMPDIR/t
	"$MKFIXTURE" desktop-gpu "$R" >/dev/null
	D=$R/sys/bus/pci/devices
	J=$R/run/vfioctl
}

vfr() { # run the binary on this test's tree
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
}

# fail_timeout SECONDS: a --timeout for a move that is meant to time out here (nothing in a plain
# fixture moves a driver link), long enough for the unbind's own write to finish first; the
# valgrind layer (tests/hardening) sets VFIOCTL_TEST_SLOW, as the tool runs many times slower there
fail_timeout() {
	awk -v t="$1" -v f="${VFIOCTL_TEST_SLOW:-1}" 'BEGIN { printf "%g\n", t * f }'
}

entry() { # BDF DRIVER(-) OVERRIDE(-) [VENDOR DEVICE]: a journal entry as vfioctl writes it
	mkdir -p "$J"
	chmod 700 "$J"
	printf 'vfioctl-journal 1\nbdf %s\ndriver %s\noverride %s\nvendor %s\ndevice %s\npid 1\ntime 1\n' \
		"$1" "$2" "$3" "${4:--1}" "${5:--1}" >"$J/$1"
	chmod 600 "$J/$1"
}

@test "bind --dry-run --group: the plan names every device, from, to and why; nothing changes" {
	before=$(cd "$R" && find . -printf '%p %y %s %l\n' | LC_ALL=C sort)
	vfr bind --dry-run --group 01:00.0
	expect_status 0
	grep -q '^0000:01:00.0 .*nvidia .*vfio-pci .*bind .*planned' <<<"$output" || { dump; false; }
	grep -q '^0000:01:00.1 .*snd_hda_intel .*vfio-pci .*bind .*planned' <<<"$output" || { dump; false; }
	grep -q '^0000:02:00.0 .*xhci_hcd .*bind .*planned' <<<"$output" || { dump; false; }
	grep -q '^0000:00:01.0 .*skipped .*bridge, left alone' <<<"$output" || { dump; false; }
	after=$(cd "$R" && find . -printf '%p %y %s %l\n' | LC_ALL=C sort)
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); false; }
}

@test "bind --dry-run -J: typed plan with schema 1" {
	vfr -J bind --dry-run --group 01:00.0
	expect_status 0
	jqe '.schema == 1'
	jqe '.actions | length == 5'
	jqe '[.actions[] | select(.action == "bind")] | length == 3'
	jqe '.actions[] | select(.bdf == "0000:01:00.0") | .from == "nvidia" and .to == "vfio-pci" and
		.group == 1 and .result == "planned" and .ids == "10de:2204" and
		(.reason | test("group 1"))'
	jqe '[.actions[] | keys] | all(. == ["action","bdf","from","group","ids","node","reason","result","to"])'
	[ ! -e "$J" ]
}

@test "bind --dry-run of a group number means the group" {
	vfr -J bind --dry-run 1
	expect_status 0
	jqe '[.actions[] | select(.action == "bind")] | length == 3'
}

@test "bind: a device already on vfio-pci says already and writes nothing" {
	vfr bind 04:00.0
	expect_status 0
	grep -q 'already on vfio-pci' <<<"$output" || { dump; false; }
	[ ! -e "$J/0000:04:00.0" ]
	[ "$(cat "$D/0000:04:00.0/driver_override")" != "vfio-pci" ] || true
}

@test "bind --group: devices on pci-stub are left alone" {
	vfr -J bind --dry-run --group 05:00.0
	expect_status 0
	jqe '.actions[0].result == "skipped" and (.actions[0].reason | test("pci-stub"))'
}

@test "bind of a bridge is refused (endpoints only)" {
	vfr bind --dry-run 00:01.0
	expect_status 1
	stderr_names 0000:00:01.0
	[[ "$stderr" == *bridge* ]]
}

@test "unbind of a device whose group a process holds: exit 5 naming the pid" {
	vfr unbind 04:00.0
	expect_status 5
	[[ "$stderr" == *"pid 4242"* ]] || { dump; false; }
	[[ "$stderr" == *"/dev/vfio/12"* ]]
	[ ! -e "$J/0000:04:00.0" ]
}

@test "host-critical: the NVMe behind the mounted root filesystem is refused, --force overrides" {
	stage_nvme_root
	vfr bind --dry-run 03:00.0
	expect_status 5
	[[ "$stderr" == *"host-critical: backs the mounted filesystem / (259:2)"* ]] || { dump; false; }
	vfr bind 03:00.0
	expect_status 5
	[ ! -e "$J/0000:03:00.0" ]
	vfr bind --dry-run --force 03:00.0
	expect_status 0
	[[ "$stderr" == *"warning: host-critical"* ]]
	[[ "$output" == *planned* ]]
}

@test "host-critical: swap, default route, IPv6 address, boot VGA, console, 9p root" {
	local dev1=$R/sys/devices/pci0000:00/0000:00:1c.4/0000:05:00.0
	local nv=$R/sys/devices/pci0000:00/0000:00:1b.0/0000:03:00.0
	# swap on an NVMe partition
	mkdir -p "$nv/nvme/nvme0/nvme0n1/nvme0n1p3" "$R/sys/class/block"
	ln -s ../../devices/pci0000:00/0000:00:1b.0/0000:03:00.0/nvme/nvme0/nvme0n1/nvme0n1p3 \
		"$R/sys/class/block/nvme0n1p3"
	printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/nvme0n1p3 partition 8388604 0 -2\n' \
		>"$R/proc/swaps"
	vfr bind --dry-run 03:00.0
	expect_status 5
	[[ "$stderr" == *"holds active swap /dev/nvme0n1p3"* ]] || { dump; false; }
	# the RTL8111 carries the default route
	mkdir -p "$dev1/net/enp5s0" "$R/sys/class/net" "$R/proc/net"
	ln -s ../../devices/pci0000:00/0000:00:1c.4/0000:05:00.0/net/enp5s0 "$R/sys/class/net/enp5s0"
	ln -s ../../../0000:05:00.0 "$dev1/net/enp5s0/device"
	printf 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\nenp5s0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' \
		>"$R/proc/net/route"
	vfr bind --dry-run 05:00.0
	expect_status 5
	[[ "$stderr" == *"carries the default route on interface enp5s0"* ]] || { dump; false; }
	: >"$R/proc/net/route"
	echo "20010db8000000000000000000000001 02 40 00 80 enp5s0" >"$R/proc/net/if_inet6"
	vfr bind --dry-run 05:00.0
	expect_status 5
	[[ "$stderr" == *"global IPv6 address on interface enp5s0"* ]] || { dump; false; }
	echo "fe800000000000000000000000000001 02 40 20 80 enp5s0" >"$R/proc/net/if_inet6"
	vfr bind --dry-run 05:00.0
	expect_status 0	# link-local only: not in use
	# the GPU is the boot VGA device and drives fb0 of the console tty0
	echo 1 >"$D/0000:01:00.0/boot_vga"
	vfr bind --dry-run 01:00.0
	expect_status 5
	[[ "$stderr" == *"boot VGA"* ]]
	echo 0 >"$D/0000:01:00.0/boot_vga"
	mkdir -p "$R/sys/class/tty/console" "$R/sys/class/graphics/fb0"
	echo "tty0" >"$R/sys/class/tty/console/active"
	ln -s ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0 "$R/sys/class/graphics/fb0/device"
	vfr bind --dry-run 01:00.0
	expect_status 5
	[[ "$stderr" == *"framebuffer fb0 of the active console tty0"* ]] || { dump; false; }
	# the xhci at 00:14.0 as a virtio-9p transport whose tag is mounted (the lab's root)
	mkdir -p "$R/sys/devices/pci0000:00/0000:00:14.0/virtio3" "$R/sys/bus/virtio/devices" "$R/proc/1"
	ln -s ../../../devices/pci0000:00/0000:00:14.0/virtio3 "$R/sys/bus/virtio/devices/virtio3"
	printf 'root\n' >"$R/sys/devices/pci0000:00/0000:00:14.0/virtio3/mount_tag"
	echo '22 1 0:21 / /lower ro - 9p root ro,trans=virtio' >"$R/proc/1/mountinfo"
	vfr bind --dry-run 00:14.0
	expect_status 5
	[[ "$stderr" == *"backs the mounted 9p filesystem /lower (tag root)"* ]] || { dump; false; }
}

@test "bind --group: a refusal anywhere refuses the whole transaction, nothing is touched" {
	echo 1 >"$D/0000:01:00.0/boot_vga"
	vfr -J bind --group 01:00.1
	expect_status 5
	jqe '.actions[] | select(.bdf == "0000:01:00.0") | .result == "refused"'
	jqe '[.actions[] | select(.bdf != "0000:01:00.0" and .action == "bind")] | all(.result == "skipped")'
	[ ! -e "$J/0000:01:00.1" ]
	[ -z "$(cat "$D/0000:01:00.1/driver_override")" ] || [ "$(cat "$D/0000:01:00.1/driver_override")" = "(null)" ]
}

@test "bind: the kernel never moves the device (fixture): timeout, rollback, journal empty" {
	orig=$(cat "$D/0000:03:00.0/driver_override")
	vfr bind --timeout "$(fail_timeout 0.2)" --group 03:00.0
	expect_status 1
	stderr_names 0000:03:00.0
	[[ "$stderr" == *"did not come up on its driver vfio-pci within the timeout"* ]] || { dump; false; }
	# the writes went where the method says: override, the driver's unbind, drivers_probe
	[ "$(cat "$R/sys/bus/pci/drivers/nvme/unbind")" = 0000:03:00.0 ]
	[ "$(cat "$R/sys/bus/pci/drivers_probe")" = 0000:03:00.0 ]
	# rolled back: the override is cleared again, the journal keeps nothing
	[ "$(cat "$D/0000:03:00.0/driver_override")" = "" ]
	[ -d "$J" ]
	[ "$(stat -c %a "$J")" = 700 ]
	[ "$(stat -c %a "$J/lock")" = 600 ]
	[ -z "$(ls "$J" | grep -v '^lock$')" ]
}

@test "bind without --group (fixture): the failure keeps the journal entry for restore" {
	vfr bind --timeout "$(fail_timeout 0.1)" 03:00.0
	expect_status 1
	[ -f "$J/0000:03:00.0" ]
	grep -qx 'driver nvme' "$J/0000:03:00.0"
	grep -qx 'override -' "$J/0000:03:00.0"
	grep -qx 'vendor 5197' "$J/0000:03:00.0"	# 0x144d
	[ "$(stat -c %a "$J/0000:03:00.0")" = 600 ]
	[ "$(cat "$D/0000:03:00.0/driver_override")" = "vfio-pci" ]
	# the device (per the fixture) is still on nvme: restore puts the override back, drops the entry
	vfr -J restore --all
	expect_status 0
	jqe '.actions[0].bdf == "0000:03:00.0" and .actions[0].action == "restore" and .actions[0].result == "done"'
	[ "$(cat "$D/0000:03:00.0/driver_override")" = "" ]
	[ ! -e "$J/0000:03:00.0" ]
}

@test "restore: an entry whose device is already back is dropped (already)" {
	entry 0000:03:00.0 nvme -
	vfr -J restore 03:00.0
	expect_status 0
	jqe '.actions[0].result == "already" and .actions[0].action == "restore"'
	[ ! -e "$J/0000:03:00.0" ]
}

@test "restore --dry-run: the plan from the journal, nothing removed" {
	entry 0000:03:00.0 - vfio-pci
	entry 0000:05:00.0 r8169 - 4332 33128
	vfr -J restore --dry-run --all
	expect_status 0
	jqe '.actions[] | select(.bdf == "0000:03:00.0") | .from == "nvme" and .to == null and .result == "planned"'
	jqe '.actions[] | select(.bdf == "0000:05:00.0") | .from == "pci-stub" and .to == "r8169"'
	[ -e "$J/0000:03:00.0" ]
	[ -e "$J/0000:05:00.0" ]
}

@test "restore: held device refused (5); different ids refused; a removed device's entry dropped" {
	entry 0000:04:00.0 igb -
	vfr restore 04:00.0
	expect_status 5
	[[ "$stderr" == *"pid 4242"* ]]
	[ -e "$J/0000:04:00.0" ]
	entry 0000:05:00.0 r8169 - 32902 4096	# 8086:1000, but 05:00.0 is 10ec:8168
	vfr restore 05:00.0
	expect_status 1
	[[ "$stderr" == *"journal is for 8086:1000, the device is now 10ec:8168"* ]] || { dump; false; }
	[ -e "$J/0000:05:00.0" ]
	rm "$J/0000:04:00.0" "$J/0000:05:00.0"
	# A device that is gone (hot-unplugged): the kernel forgot its override with it, a device
	# coming back there is probed afresh; nothing to restore, the entry goes (not in --dry-run).
	entry 0000:09:00.0 e1000e -
	vfr -J restore --all --dry-run
	expect_status 0
	jqe '.actions[0].bdf == "0000:09:00.0" and .actions[0].result == "planned"
		and (.actions[0].reason | test("device is gone"))'
	[ -e "$J/0000:09:00.0" ]
	vfr -J restore --all
	expect_status 0
	jqe '.actions[0].result == "done" and (.actions[0].reason | test("journal entry dropped"))'
	[ ! -e "$J/0000:09:00.0" ]
}

@test "restore: a target without an entry has nothing to do; usage errors exit 2" {
	vfr -J restore 03:00.0
	expect_status 0
	jqe '.actions[0].result == "already" and (.actions[0].reason | test("no journal entry"))'
	vfr restore
	expect_status 2
	vfr restore --all 03:00.0
	expect_status 2
	vfr bind --timeout -1 03:00.0
	expect_status 2
	vfr bind 03:00.8
	expect_status 2
	# 03:00 is a slot (issue 23 item 7): every function of it, here 03:00.0 alone
	vfr -J bind --dry-run 03:00
	expect_status 0
	jqe '[.actions[].bdf] == ["0000:03:00.0"]'
	vfr bind 07:00.0
	expect_status 3
	vfr bind --driver no-such-drv 03:00.0
	expect_status 6
	vfr bind --owner no-such-user-xyz 03:00.0
	expect_status 2
}

@test "journal: garbage and temp files are ignored by readers, swept by writers" {
	entry 0000:03:00.0 nvme -
	echo garbage >"$J/0000:05:00.0"
	echo half >"$J/.0000:02:00.0.tmp.999"
	vfr restore --dry-run --all
	expect_status 0
	[[ "$stderr" == *"1 entries do not parse"* ]]
	[ -e "$J/.0000:02:00.0.tmp.999" ]
	vfr restore --all
	expect_status 0
	[ ! -e "$J/.0000:02:00.0.tmp.999" ]
	[ -e "$J/0000:05:00.0" ]	# not ours to delete
	[ ! -e "$J/0000:03:00.0" ]
}

@test "journal: a directory writable by others or a planted symlink is not trusted (exit 4)" {
	mkdir -p "$J"
	chmod 777 "$J"
	vfr bind --timeout "$(fail_timeout 0.1)" 03:00.0
	expect_status 4
	[ ! -e "$J/0000:03:00.0" ]
	rm -rf "$J"
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$J"
	vfr bind --timeout "$(fail_timeout 0.1)" 03:00.0
	[ "$status" -ne 0 ]
	[ -z "$(ls "$BATS_TEST_TMPDIR/elsewhere")" ]
}

@test "lock: writers wait for the lock (timeout names it), readers do not" {
	mkdir -p "$J" && chmod 700 "$J"
	: >"$J/lock"
	flock -x "$J/lock" sleep 5 &
	holder=$!
	sleep 0.3
	t0=$(date +%s%N)
	VFIOCTL_LOCK_WAIT=0.5 vfr bind --timeout "$(fail_timeout 0.1)" 03:00.0
	expect_status 5
	[[ "$stderr" == *"held the lock"* ]] || { dump; false; }
	vfr restore --dry-run --all
	expect_status 0
	t1=$(date +%s%N)
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	[ $(((t1 - t0) / 1000000)) -lt 4000 ]
	[ ! -e "$J/0000:03:00.0" ]
}

@test "unbind --dry-run: plan; a device without a driver is already unbound" {
	vfr -J unbind --dry-run 03:00.0 00:14.2
	expect_status 0
	jqe '.actions[] | select(.bdf == "0000:03:00.0") | .action == "unbind" and .from == "nvme" and .to == null and .result == "planned"'
	jqe '.actions[] | select(.bdf == "0000:00:14.2") | .result == "already"'
}

@test "bind --list-columns documents the action table" {
	vfr bind --list-columns
	expect_status 0
	for c in BDF GROUP FROM TO ACTION RESULT REASON NODE; do
		grep -q "^$c" <<<"$output" || grep -q " $c " <<<"$output" || { echo "no $c"; dump; false; }
	done
}

@test "apply: --diff and --check against ROOT/etc/vfioctl.conf; a refusal is not a change" {
	mkdir -p "$R/etc"
	printf '# devices\n0000:04:00.0 owner=nobody\n10de:1aef\n\n' >"$R/etc/vfioctl.conf"
	vfr apply --check
	expect_status 8
	[ -z "$output" ]
	vfr -J apply --diff
	expect_status 8
	# issue 23 item 4: the fixture's /dev/vfio/12 is 0:0 0644, so owner=nobody is a change
	jqe '.actions[] | select(.bdf == "0000:04:00.0") | .result == "planned" and (.reason | test("^owner: /dev/vfio/12 is 0:0 0644.*line 2"))'
	jqe '.actions[] | select(.bdf == "0000:01:00.1") | .result == "planned" and .from == "snd_hda_intel"'
	[ ! -e "$J" ]
	printf '0000:04:00.0\n' >"$R/etc/vfioctl.conf"
	vfr apply --check
	expect_status 0
	vfr apply
	expect_status 0
	[ ! -e "$J/0000:04:00.0" ]
}

@test "apply: no file is nothing to do; bad lines and group numbers are refused with the line" {
	vfr apply
	expect_status 0
	printf '0000:03:00.0\n7 driver=vfio-pci\n' >"$BATS_TEST_TMPDIR/c"
	vfr apply --check "$BATS_TEST_TMPDIR/c"
	expect_status 2
	[[ "$stderr" == *"/c:2: group numbers change across boots"* ]] || { dump; false; }
	printf '0000:03:00.0 speed=fast\n' >"$BATS_TEST_TMPDIR/c"
	vfr apply --check "$BATS_TEST_TMPDIR/c"
	expect_status 2
	[[ "$stderr" == *"/c:1: unknown option"* ]]
	printf '0000:03:00.0 driver=no-such-drv\n' >"$BATS_TEST_TMPDIR/c"
	vfr apply --check "$BATS_TEST_TMPDIR/c"
	expect_status 6
	vfr apply "$BATS_TEST_TMPDIR/missing"
	expect_status 1
}

@test "apply: the shipped etc/vfioctl.conf parses and asks for nothing" {
	vfr apply --check "$TOP/etc/vfioctl.conf"
	expect_status 0
}

@test "bind --persist / unbind --persist edit ROOT/etc/vfioctl.conf by address, atomically" {
	mkdir -p "$R/etc"
	vfr bind --persist 04:00.0
	expect_status 0
	[ "$(grep -v '^#' "$R/etc/vfioctl.conf")" = "0000:04:00.0 driver=vfio-pci" ] || { cat "$R/etc/vfioctl.conf"; false; }
	vfr bind --persist 04:00.0
	expect_status 0
	[ "$(grep -c '^0000:04:00.0' "$R/etc/vfioctl.conf")" = 1 ]
	vfr bind --persist --owner 0:0 04:00.0
	expect_status 0
	grep -qx '0000:04:00.0 driver=vfio-pci owner=0:0' "$R/etc/vfioctl.conf"
	printf '8086:1533 # by ids: never edited\n0000:00:14.2\n' >>"$R/etc/vfioctl.conf"
	vfr unbind --persist 00:14.2
	expect_status 0
	! grep -q '^0000:00:14.2' "$R/etc/vfioctl.conf"
	grep -q '^8086:1533' "$R/etc/vfioctl.conf"
	grep -q '^0000:04:00.0' "$R/etc/vfioctl.conf"
	[ -z "$(ls "$R/etc" | grep tmp)" ]
	vfr apply --check
	expect_status 0
}

@test "bind --persist keeps the line's other options (reset_method=, d3cold=, owner=)" {
	mkdir -p "$R/etc"
	printf '0000:04:00.0 driver=pci-stub owner=0:0 reset_method=bus d3cold=no\n' >"$R/etc/vfioctl.conf"
	vfr bind --persist 04:00.0
	expect_status 0
	[ "$(grep -v '^#' "$R/etc/vfioctl.conf")" = \
	  "0000:04:00.0 driver=vfio-pci owner=0:0 reset_method=bus d3cold=no" ] ||
		{ cat "$R/etc/vfioctl.conf"; false; }
}

@test "bind --dry-run predicts: a non-viable group exits 8 as the real run does; --persist is in the plan" {
	# issue 23 item 3: 01:00.1 (snd_hda_intel) keeps group 1 not viable without --group
	vfr bind --dry-run 01:00.0
	expect_status 8
	[[ "$stderr" == *"0000:01:00.0: group 1 would stay not viable: 0000:01:00.1"*"(use --group)"* ]] || { dump; false; }
	vfr bind --dry-run --group 01:00.0
	expect_status 0
	vfr -J bind --dry-run --persist 03:00.0
	expect_status 0
	jqe '.actions[0].reason == "target; recorded in /etc/vfioctl.conf (--persist)"'
	vfr -J unbind --dry-run --persist 03:00.0
	expect_status 0
	jqe '.actions[0].reason | test("dropped from /etc/vfioctl.conf")'
	[ ! -e "$R/etc/vfioctl.conf" ]
}

@test "bind without --group: a failure names the way back (vfioctl restore BDF)" {
	# issue 23 item 9: the device stays where the failure left it, journalled; the message says so
	vfr bind --timeout "$(fail_timeout 0.1)" 03:00.0
	expect_status 1
	[[ "$stderr" == *'0000:03:00.0: left as the failure left it (journalled): `vfioctl restore 0000:03:00.0` puts it back on nvme'* ]] || { dump; false; }
	[ -f "$J/0000:03:00.0" ]
}

@test "unbind of a bridge is refused as bind's is; --force overrides with a warning" {
	# issue 23 item 17: the root port 00:01.0 on pcieport
	vfr unbind --dry-run 00:01.0
	expect_status 1
	[[ "$stderr" == *"0000:00:01.0: refused: is a bridge: unbinding pcieport"* ]] || { dump; false; }
	vfr unbind 00:01.0
	expect_status 1
	[ ! -e "$J/0000:00:01.0" ]
	[ -z "$(cat "$R/sys/bus/pci/drivers/pcieport/unbind" 2>/dev/null)" ]
	vfr -J unbind --dry-run --force 00:01.0
	expect_status 0
	jqe '.actions[0].action == "unbind" and .actions[0].result == "planned"'
	[[ "$stderr" == *"warning: a bridge: unbinding pcieport because of --force"* ]] || { dump; false; }
}

@test "restore --persist undoes bind --persist: the device back, its line gone" {
	# issue 23 item 13: the journalled device (bind failed on the fixture) and its line
	mkdir -p "$R/etc"
	printf '0000:03:00.0 driver=vfio-pci\n0000:04:00.0 driver=vfio-pci\n' >"$R/etc/vfioctl.conf"
	entry 0000:03:00.0 nvme -
	echo vfio-pci >"$D/0000:03:00.0/driver_override"
	vfr -J restore --dry-run --persist 03:00.0
	expect_status 0
	jqe '.actions[0].reason | test("line dropped from /etc/vfioctl.conf")'
	grep -q '^0000:03:00.0' "$R/etc/vfioctl.conf"
	vfr -J restore --persist 03:00.0
	expect_status 0
	jqe '.actions[0].action == "restore" and .actions[0].result == "done"'
	! grep -q '^0000:03:00.0' "$R/etc/vfioctl.conf"
	grep -q '^0000:04:00.0' "$R/etc/vfioctl.conf"
	[ ! -e "$J/0000:03:00.0" ]
	[ "$(cat "$D/0000:03:00.0/driver_override")" = "" ]
}
