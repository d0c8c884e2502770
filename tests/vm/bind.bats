#!/usr/bin/env bats
# Guest suite for the binding engine (bind, unbind, restore, journal, safety), run inside the
# x86 lab guests by tests/vm/run. The truth is sysfs, read directly (helpers.bash); devices are
# found by vendor:device ids, never by group number:
#   e1000e 8086:10d3 alone on a root port, and fn0 of the multifunction group (with an edu fn1)
#   edu 1234:11e8 alone (no host driver), pcie-pci-bridge 1b36:000e with edu + pci-testdev
#   the virtio-9p device carrying the guest's root filesystem (must be refused)

bats_require_minimum_version 1.5.0
load helpers

# Process spawns cost ~50 ms in a TCG guest (much more on a loaded host): the state helpers
# below use shell builtins only, and the devices are found once per file.

setup_file() {
	# A journal from an earlier file of the same boot would confuse every check here.
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	find_bind_devices
}

teardown() {
	exec 7>&- 2>/dev/null || true
	[ -z "${holder:-}" ] || { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; } || true
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	restore_drivers
	if [ -n "${kmod_mounted:-}" ]; then	# bind kmod: vfio-pci back for the tests after it
		grep -q '^vfio_pci ' /proc/modules || modprobe vfio-pci || true
		umount "/lib/modules/$(uname -r)" || true
		kmod_mounted=
	fi
}

@test "bind/restore: e1000e goes to vfio-pci with its node, journal says e1000e, restore returns it" {
	need E1000E "e1000e alone in a group"
	expect_state "$E1000E" e1000e -
	run --separate-stderr "$VFIOCTL" -J bind "$E1000E"
	echo "$output"
	[ "$status" = 0 ]
	echo "$output" | jq -e --arg b "$E1000E" '.actions[] | select(.bdf == $b) |
		.action == "bind" and .result == "done" and .from == "e1000e" and .to == "vfio-pci"'
	expect_state "$E1000E" vfio-pci vfio-pci
	g=$(pci_group "$E1000E")
	[ -c "/dev/vfio/$g" ]
	echo "$output" | jq -e --arg n "/dev/vfio/$g" '.actions[0].node == $n'
	grep -qx "driver e1000e" "$J/$E1000E"
	grep -qx "override -" "$J/$E1000E"
	[ "$(stat -c %a "$J/$E1000E")" = 600 ]
	[ "$(stat -c %a "$J")" = 700 ]
	run "$VFIOCTL" restore "$E1000E"
	echo "$output"
	[ "$status" = 0 ]
	[[ "$output" == *done* ]]
	expect_state "$E1000E" e1000e -
	[ ! -e "$J/$E1000E" ]
}

@test "bind: a second bind says already and changes nothing (the journal keeps the original)" {
	need E1000E "e1000e alone in a group"
	run "$VFIOCTL" bind "$E1000E"
	[ "$status" = 0 ]
	cp "$J/$E1000E" "$BATS_TEST_TMPDIR/entry"
	run --separate-stderr "$VFIOCTL" -J bind "$E1000E"
	echo "$output"
	[ "$status" = 0 ]
	echo "$output" | jq -e '.actions[0].result == "already" and .actions[0].action == "none"'
	expect_state "$E1000E" vfio-pci vfio-pci
	cmp "$BATS_TEST_TMPDIR/entry" "$J/$E1000E"
	run "$VFIOCTL" restore --all
	[ "$status" = 0 ]
	expect_state "$E1000E" e1000e -
	journal_empty
}

@test "bind/unbind/restore: edu (no host driver) goes to vfio-pci, off it, and back to none" {
	need EDU "edu alone in a group"
	expect_state "$EDU" none -
	run "$VFIOCTL" bind "$EDU"
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$EDU" vfio-pci vfio-pci
	[ -c "/dev/vfio/$(pci_group "$EDU")" ]
	grep -qx "driver -" "$J/$EDU"
	run "$VFIOCTL" unbind "$EDU"
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$EDU" none -
	[ -e "$J/$EDU" ]	# unbind keeps the entry: restore decides
	run "$VFIOCTL" restore "$EDU"
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$EDU" none -
	journal_empty
}

@test "bind: unbind then restore: e1000e off its driver, then back on e1000e" {
	need E1000E "e1000e alone in a group"
	run "$VFIOCTL" unbind "$E1000E"
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$E1000E" none -
	grep -qx "driver e1000e" "$J/$E1000E"
	run "$VFIOCTL" unbind "$E1000E"
	[ "$status" = 0 ]
	[[ "$output" == *already* ]]
	run "$VFIOCTL" restore --all
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$E1000E" e1000e -
	journal_empty
}

@test "bind --dry-run: prints the plan (JSON too) and changes nothing" {
	need MF_NIC "multifunction e1000e + edu group"
	all_states >"$BATS_TEST_TMPDIR/before"
	run --separate-stderr "$VFIOCTL" -J bind --dry-run --group "$MF_NIC"
	echo "$output"
	[ "$status" = 0 ]
	echo "$output" | jq -e --arg n "$MF_NIC" --arg e "$MF_EDU" '
		(.actions | length) == 2 and
		(.actions[] | select(.bdf == $n) | .from == "e1000e" and .to == "vfio-pci" and
			.action == "bind" and .result == "planned") and
		(.actions[] | select(.bdf == $e) | .from == null and .to == "vfio-pci" and
			.result == "planned")'
	run "$VFIOCTL" bind --dry-run --group "$MF_NIC"
	[ "$status" = 0 ]
	[[ "$output" == *"BDF"*"FROM"*"TO"*"ACTION"* ]]
	all_states >"$BATS_TEST_TMPDIR/after"
	assert_same "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" "devices"
	journal_empty
}

@test "bind --group: the multifunction group (e1000e + edu) binds whole and becomes viable" {
	need MF_NIC "multifunction e1000e + edu group"
	g=$(pci_group "$MF_NIC")
	[ "$(sysfs_group_viable "$g")" = false ]
	run "$VFIOCTL" bind --group "$MF_NIC"
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$MF_NIC" vfio-pci vfio-pci
	expect_state "$MF_EDU" vfio-pci vfio-pci
	[ "$(sysfs_group_viable "$g")" = true ]
	[ -c "/dev/vfio/$g" ]
	tool_group "$g" | jq -e '.viable == true'
	run "$VFIOCTL" restore --all
	[ "$status" = 0 ]
	expect_state "$MF_NIC" e1000e -
	expect_state "$MF_EDU" none -
	journal_empty
}

@test "bind without --group of the multifunction edu: bound, but exit 8 (group not viable)" {
	need MF_NIC "multifunction e1000e + edu group"
	# fn1 (edu) alone while fn0 stays on e1000e: the group is not viable afterwards.
	run "$VFIOCTL" bind "$MF_EDU"
	echo "$output"
	[ "$status" = 8 ]
	[[ "$output" == *done* ]]
	expect_state "$MF_EDU" vfio-pci vfio-pci
	expect_state "$MF_NIC" e1000e -
	run "$VFIOCTL" restore --all
	[ "$status" = 0 ]
	journal_empty
}

@test "bind --group: the bridge group binds edu + pci-testdev and leaves the bridge alone" {
	need BRIDGE "pcie-pci-bridge group"
	g=$(pci_group "$BRIDGE")
	bdrv=$(pci_driver "$BRIDGE")
	mapfile -t ends < <(group_members "$g" | grep -v "^$BRIDGE$")
	[ "${#ends[@]}" = 2 ]
	run --separate-stderr "$VFIOCTL" -J bind "$g"
	echo "$output"
	[ "$status" = 0 ]
	for b in "${ends[@]}"; do expect_state "$b" vfio-pci vfio-pci; done
	[ "$(pci_driver "$BRIDGE")" = "$bdrv" ]
	echo "$output" | jq -e --arg b "$BRIDGE" '.actions[] | select(.bdf == $b) |
		.action == "none" and .result == "skipped"'
	[ "$(sysfs_group_viable "$g")" = true ]
	[ -c "/dev/vfio/$g" ]
	run "$VFIOCTL" restore "$g"
	echo "$output"
	[ "$status" = 0 ]
	for b in "${ends[@]}"; do expect_state "$b" none -; done
	journal_empty
}

@test "bind --group: an (injected) failure on the second device rolls the first back" {
	need MF_NIC "multifunction e1000e + edu group"
	VFIOCTL_TEST_FAIL_BDF=$MF_EDU run --separate-stderr "$VFIOCTL" -J bind --group "$MF_NIC"
	echo "$output"
	[ "$status" != 0 ]
	[ "$status" != 7 ]
	echo "$output" | jq -e --arg n "$MF_NIC" --arg e "$MF_EDU" '
		(.actions[] | select(.bdf == $n) | .result == "rolled-back") and
		(.actions[] | select(.bdf == $e) | .result == "failed" and
			(.reason | test("injected")))'
	expect_state "$MF_NIC" e1000e -
	expect_state "$MF_EDU" none -
	journal_empty
}

@test "bind held: a process holding /dev/vfio/N is never disturbed; unbind and restore exit 5 naming it" {
	need EDU "edu alone in a group"
	run "$VFIOCTL" bind "$EDU"
	[ "$status" = 0 ]
	g=$(pci_group "$EDU")
	exec 7<>"/dev/vfio/$g"
	run timeout 60 "$VFIOCTL" unbind "$EDU"
	echo "$output"
	[ "$status" = 5 ]
	[[ "$output" == *"pid $$ "* || "$output" == *"pid $BASHPID "* ]]
	expect_state "$EDU" vfio-pci vfio-pci
	run timeout 60 "$VFIOCTL" restore --all
	echo "$output"
	[ "$status" = 5 ]
	[[ "$output" == *"in use by pid"* ]]
	expect_state "$EDU" vfio-pci vfio-pci
	[ -e "$J/$EDU" ]
	# re-binding a held device that needs nothing is fine: "already"
	run "$VFIOCTL" bind "$EDU"
	[ "$status" = 0 ]
	[[ "$output" == *already* ]]
	exec 7>&-
	run "$VFIOCTL" restore --all
	[ "$status" = 0 ]
	expect_state "$EDU" none -
	journal_empty
}

@test "bind held: a device whose group is held by a process exits 5 naming the pid" {
	need MF_NIC "multifunction e1000e + edu group"
	# fn1 (edu) on vfio-pci makes a node; holding it, a group bind must not touch fn0
	run "$VFIOCTL" bind "$MF_EDU"
	g=$(pci_group "$MF_EDU")
	[ -c "/dev/vfio/$g" ] || skip "no /dev/vfio/$g: the group is not viable, nothing can hold it"
	exec 7<>"/dev/vfio/$g" || skip "cannot open /dev/vfio/$g while fn0 is on e1000e (not viable)"
	run "$VFIOCTL" bind --group "$MF_NIC"
	echo "$output"
	[ "$status" = 5 ]
	[[ "$output" == *"pid "* ]]
	expect_state "$MF_NIC" e1000e -
	exec 7>&-
}

@test "bind refusal: the virtio-9p device behind the root filesystem is host-critical (exit 5)" {
	local v dev=
	for v in /sys/bus/virtio/devices/*; do
		[ "$(cat "$v/mount_tag" 2>/dev/null | tr -d '\0')" = root ] || continue
		dev=$(basename "$(readlink -f "$v/..")")
	done
	[ -n "$dev" ] || skip "no virtio-9p device with mount tag 'root' in this guest"
	before=$(state "$dev")
	run "$VFIOCTL" bind "$dev"
	echo "$output"
	[ "$status" = 5 ]
	[[ "$output" == *"host-critical"* ]]
	[[ "$output" == *"9p"* ]]
	run "$VFIOCTL" bind --dry-run "$dev"
	[ "$status" = 5 ]
	[[ "$output" == *refused* ]]
	[ "$(state "$dev")" = "$before" ]
	journal_empty
}

@test "bind --owner: /dev/vfio/N belongs to the user afterwards" {
	need EDU "edu alone in a group"
	run "$VFIOCTL" bind --owner nobody:nogroup "$EDU"
	echo "$output"
	[ "$status" = 0 ]
	g=$(pci_group "$EDU")
	[ "$(stat -c %U:%G "/dev/vfio/$g")" = nobody:nogroup ]
}

@test "bind SIGKILL at every step of a group bind: restore brings every device back" {
	need MF_NIC "multifunction e1000e + edu group"
	local k i
	# two devices x four steps (journal, driver_override, unbind, probe)
	for k in 1 2 3 4 5 6 7 8; do
		rm -f "$BATS_TEST_TMPDIR/err"
		VFIOCTL_TEST_PAUSE_AFTER=$k "$VFIOCTL" bind --group "$MF_NIC" \
			>/dev/null 2>"$BATS_TEST_TMPDIR/err" &
		pid=$!
		for i in $(seq 300); do
			grep -q "paused after step $k" "$BATS_TEST_TMPDIR/err" 2>/dev/null && break
			sleep 0.2
		done
		grep -q "paused after step $k" "$BATS_TEST_TMPDIR/err" || {
			echo "step $k: never paused"; cat "$BATS_TEST_TMPDIR/err"; kill -9 $pid; false; }
		kill -9 "$pid"
		wait "$pid" || true
		echo "# killed after step $k: $(state "$MF_NIC" "$MF_EDU" | tr '\n' ' ')" >&3
		run "$VFIOCTL" restore --all
		echo "step $k: $output"
		[ "$status" = 0 ]
		expect_state "$MF_NIC" e1000e -
		expect_state "$MF_EDU" none -
		journal_empty
	done
}

@test "bind concurrency: 8 runs at once on overlapping groups end consistent, then restore is total" {
	need MF_NIC "multifunction e1000e + edu group"
	need E1000E "e1000e alone in a group"
	need BRIDGE "pcie-pci-bridge group"
	local pids=() i rc=0
	bg=$(pci_group "$BRIDGE")
	targets=("--group $MF_NIC" "$MF_EDU" "--group $MF_EDU" "$E1000E" "$bg" "--group $MF_NIC"
		"$E1000E $MF_NIC" "$bg")
	for i in "${!targets[@]}"; do
		# shellcheck disable=SC2086
		"$VFIOCTL" bind ${targets[$i]} >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { echo "run $i (${targets[$i]}) exit $?"; cat "$BATS_TEST_TMPDIR/out.$i"; }
	done
	# Exit codes may be 8 (a single bind of a shared group's member); the end state may not vary:
	expect_state "$MF_NIC" vfio-pci vfio-pci
	expect_state "$MF_EDU" vfio-pci vfio-pci
	expect_state "$E1000E" vfio-pci vfio-pci
	# every journal entry records the original driver, never a racing run's vfio-pci
	grep -qx "driver e1000e" "$J/$MF_NIC"
	grep -qx "driver e1000e" "$J/$E1000E"
	grep -qx "driver -" "$J/$MF_EDU"
	! grep -l "driver vfio-pci" "$J"/0000:* || false
	for i in 1 2 3 4 5 6 7 8; do
		"$VFIOCTL" restore --all >"$BATS_TEST_TMPDIR/r.$i" 2>&1 &
		pids[$i]=$!
	done
	for i in 1 2 3 4 5 6 7 8; do wait "${pids[$i]}" || rc=1; done
	[ "$rc" = 0 ] || { cat "$BATS_TEST_TMPDIR"/r.*; false; }
	expect_state "$MF_NIC" e1000e -
	expect_state "$MF_EDU" none -
	expect_state "$E1000E" e1000e -
	journal_empty
}

@test "bind apply: vfioctl.conf binds what it names; a second apply changes nothing (exit 0)" {
	need EDU "edu alone in a group"
	conf=$BATS_TEST_TMPDIR/vfioctl.conf
	printf '# lab\n%s owner=nobody:nogroup\n' "$EDU" >"$conf"
	run "$VFIOCTL" apply --check "$conf"
	[ "$status" = 8 ]
	expect_state "$EDU" none -
	run "$VFIOCTL" apply "$conf"
	echo "$output"
	[ "$status" = 0 ]
	expect_state "$EDU" vfio-pci vfio-pci
	g=$(pci_group "$EDU")
	[ "$(stat -c %U:%G "/dev/vfio/$g")" = nobody:nogroup ]
	run "$VFIOCTL" apply --check "$conf"
	[ "$status" = 0 ]
	cp "$J/$EDU" "$BATS_TEST_TMPDIR/entry"
	run --separate-stderr "$VFIOCTL" -J apply "$conf"
	echo "$output"
	[ "$status" = 0 ]
	echo "$output" | jq -e '[.actions[] | .result == "already"] | all'
	cmp "$BATS_TEST_TMPDIR/entry" "$J/$EDU"
}

# hold_device GROUP BDF: a process with the device fd open (container, type1v2, GET_DEVICE_FD),
# which is what makes vfio-pci's remove() wait; prints "holding" when it has it.
hold_device() {
	# exec: the background job's pid is the holder itself, so `kill $!` releases the device
	exec python3 -c '
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
c = os.open("/dev/vfio/vfio", os.O_RDWR)
g = os.open("/dev/vfio/" + sys.argv[1], os.O_RDWR)
cfd = ctypes.c_int(c)
if libc.ioctl(g, 0x3b68, ctypes.byref(cfd)) or libc.ioctl(c, 0x3b66, ctypes.c_ulong(3)):
    sys.exit("set container/iommu: " + os.strerror(ctypes.get_errno()))
d = libc.ioctl(g, 0x3b6a, ctypes.c_char_p(sys.argv[2].encode()))
if d < 0:
    sys.exit("GET_DEVICE_FD: " + os.strerror(ctypes.get_errno()))
print("holding", flush=True)
time.sleep(3600)
' "$1" "$2"
}

@test "bind unbind timeout: an unbind the kernel blocks (device fd open) times out, exit 5, no hang" {
	need EDU "edu alone in a group"
	run "$VFIOCTL" bind "$EDU"
	[ "$status" = 0 ]
	g=$(pci_group "$EDU")
	hold_device "$g" "$EDU" >"$BATS_TEST_TMPDIR/hold" 2>&1 3>&- &
	holder=$!
	for _ in $(seq 150); do
		grep -q holding "$BATS_TEST_TMPDIR/hold" && break
		sleep 0.2
	done
	grep -q holding "$BATS_TEST_TMPDIR/hold" || { cat "$BATS_TEST_TMPDIR/hold"; kill $holder; false; }
	t0=$SECONDS
	# the hook skips the holder check, so vfio-pci's remove() really waits for the holder
	VFIOCTL_TEST_IGNORE_HOLDERS=1 run timeout 120 "$VFIOCTL" unbind --timeout 3 "$EDU"
	echo "$output"
	[ "$status" = 5 ] || { kill $holder; false; }
	[[ "$output" == *"cannot unbind from its driver within the timeout"* ]]
	[ $((SECONDS - t0)) -lt 60 ]
	[ -e "$J/$EDU" ]
	# the unbind left behind in the kernel completes once the holder lets go
	kill "$holder"
	wait "$holder" || true
	for _ in $(seq 100); do
		state1 "$EDU"
		[ "$REPLY" = "$EDU none -" ] && break
		sleep 0.2
	done
	expect_state "$EDU" none -
	run "$VFIOCTL" restore --all
	[ "$status" = 0 ]
	journal_empty
}

# Issue 23 item 12: bind loads the driver's module itself (libkmod, as modprobe), here from the
# lab's module tree: GUEST_UDEV_MODULES in x86-612.conf carries vfio-pci and vfio-pci-core.
@test "bind kmod: vfio-pci unloaded: a dry run says it would load it; bind loads it and binds" {
	need E1000E "e1000e alone in a group"
	[ -n "${VFIOCTL_LAB_MODULES:-}" ] && compgen -G "$VFIOCTL_LAB_MODULES/kernel/vfio-pci.ko*" >/dev/null ||
		skip "no vfio-pci module in this guest's GUEST_UDEV_MODULES tree (x86-612.conf has one)"
	grep -q '^vfio_pci ' /proc/modules || skip "vfio_pci is not a loaded module here: nothing to unload"
	expect_state "$E1000E" e1000e -
	mkdir -p "/lib/modules/$(uname -r)"
	mount --bind "$VFIOCTL_LAB_MODULES" "/lib/modules/$(uname -r)"
	kmod_mounted=1
	rmmod vfio_pci
	! grep -q '^vfio_pci_core ' /proc/modules || rmmod vfio_pci_core
	[ ! -e /sys/bus/pci/drivers/vfio-pci ]
	run --separate-stderr "$VFIOCTL" bind --dry-run "$E1000E"
	echo "$output"
	echo "$stderr"
	[ "$status" = 0 ]
	[[ "$output" == *"vfio-pci"*"planned"*"module vfio_pci would be loaded first"* ]]
	! grep -q '^vfio_pci ' /proc/modules
	expect_state "$E1000E" e1000e -
	run --separate-stderr "$VFIOCTL" -J bind "$E1000E"
	echo "$output"
	echo "$stderr"
	[ "$status" = 0 ]
	grep -q '^vfio_pci ' /proc/modules
	[ -e /sys/bus/pci/drivers/vfio-pci ]
	expect_state "$E1000E" vfio-pci vfio-pci
	jq -e '.actions[0].result == "done" and (.actions[0].reason | contains("module vfio_pci loaded"))' \
		<<<"$output"
	[ -c "/dev/vfio/$(pci_group "$E1000E")" ]
	run "$VFIOCTL" restore "$E1000E"
	[ "$status" = 0 ]
	expect_state "$E1000E" e1000e -
}
