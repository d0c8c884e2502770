#!/usr/bin/env bats
# Hotplug in the x86 lab guests through the guest's own QMP channel (tests/vm/qmp): devices
# hot-added to the spare root port rp7 (00:16.0) and removed again. Proves `vfioctl monitor`
# on real events, the shipped udev rule binding a hot-added device, and hot-unplug faults:
# a device removed in the middle of a bind, of a DMA domain with maps, and of resets.
# The truth is sysfs, read directly (helpers.bash).

bats_require_minimum_version 1.5.0
load helpers

RP7=0000:00:16.0

qmp() { "$TOP/tests/vm/qmp" "$@"; }

present() { [ -e "/sys/bus/pci/devices/$HOT" ]; }
absent() { [ ! -e "/sys/bus/pci/devices/$HOT" ]; }
on_driver() { [ "$(pci_driver "$HOT")" = "$1" ]; }

# hot_add DRIVER ID [KEY=VALUE...]: plug into rp7 and wait for the device in sysfs
hot_add() {
	local drv=$1 id=$2
	shift 2
	qmp device_add "driver=$drv" "id=$id" bus=rp7 "$@" >/dev/null
	wait_for 30 present
}

# hot_del ID: unplug (the guest acknowledges after pciehp's 5 s button delay) and wait
hot_del() {
	qmp --timeout 120 device_del "id=$1" --wait-event "DEVICE_DELETED:$1" >/dev/null
	wait_for 30 absent
}

setup_file() {
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	local sec
	read -r sec <"/sys/bus/pci/devices/$RP7/secondary_bus_number"
	HOT=$(printf '0000:%02x:00.0' "$sec")
	export HOT
}

setup() {
	[ -n "${VFIOCTL_LAB_QMP:-}" ] ||
		skip "guest $VFIOCTL_GUEST has no QMP channel (GUEST_QMP_SERIAL in its .conf)"
}

teardown() {
	local p
	for p in ${bg:-}; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
	if [ -n "${udevd_started:-}" ]; then
		stop_udevd
		rm -f /etc/udev/rules.d/60-vfioctl.rules
	fi
	[ -z "${deb_installed:-}" ] || dpkg --purge --no-triggers vfioctl >/dev/null 2>&1 || true
	rm -f /etc/vfioctl.conf
	# Leave rp7 empty for the next test (whichever id is plugged).
	if present; then
		for p in hot-nic hot-edu hot-old; do
			qmp --timeout 120 device_del "id=$p" --wait-event "DEVICE_DELETED:$p" \
				>/dev/null 2>&1 && break
		done
	fi
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	if [ -n "${modules_mounted:-}" ]; then
		rmmod e1000 2>/dev/null || true
		umount "/lib/modules/$(uname -r)"
	fi
}

@test "hotplug qmp: the guest's QMP channel answers, and rp7 is empty" {
	run qmp query-status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'"running": true'* ]]
	absent
}

@test "hotplug monitor -J: plug, bind, unplug: every event with its driver, group and node" {
	local out=$BATS_TEST_TMPDIR/events err=$BATS_TEST_TMPDIR/err mon group caps st=0
	"$VFIOCTL" -J -v monitor >"$out" 2>"$err" 3>&- &
	mon=$!
	bg=$mon
	wait_for 30 grep -q listening "$err"
	hot_add e1000e hot-nic romfile=
	wait_for 30 on_driver e1000e
	run "$VFIOCTL" bind "$HOT"
	echo "$output"
	[ "$status" -eq 0 ]
	group=$(pci_group "$HOT")
	[ -n "$group" ]
	hot_del hot-nic
	wait_for 30 grep -q "\"action\":\"remove\",\"subsystem\":\"pci\",\"device\":\"$HOT\"" "$out"
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$mon/status")
	kill -TERM "$mon"
	wait "$mon" || st=$?
	bg=
	cat "$out"
	[ "$st" = 0 ]
	# The monitor dropped every capability once listening.
	[ "$caps" = 0000000000000000 ]
	# The device's own events, in order, with the driver it went to or left.
	run jq -r --arg b "$HOT" 'select(.event.subsystem == "pci" and .event.device == $b) |
		.event | "\(.action):\(.driver // "-"):\(.id)"' "$out"
	echo "$output"
	[ "$(echo $output)" = "add:-:8086:10d3 bind:e1000e:8086:10d3 unbind:e1000e:8086:10d3 bind:vfio-pci:8086:10d3 unbind:vfio-pci:8086:10d3 remove:-:8086:10d3" ]
	# Its group node came and went with vfio-pci.
	run jq -r --argjson g "$group" 'select(.event.subsystem == "vfio" and .event.group == $g) |
		.event | "\(.action):\(.node)"' "$out"
	echo "$output"
	[ "$(echo $output)" = "add:/dev/vfio/$group remove:/dev/vfio/$group" ]
	# While bound, the pci events carried the group.
	run jq -r --arg b "$HOT" 'select(.event.subsystem == "pci" and .event.device == $b and
		.event.action == "bind") | .event.group' "$out"
	[ "$(echo $output)" = "$group $group" ]
}

@test "hotplug udev rule: a hot-added device named in vfioctl.conf comes up on vfio-pci, journalled" {
	start_udevd
	# By address: an e1000e. Its driver is loaded, so the kernel binds it first; the rule's
	# `apply --device` then moves it, journalled like `bind`.
	echo "$HOT" >/etc/vfioctl.conf
	hot_add e1000e hot-nic romfile=
	wait_for 60 on_driver vfio-pci
	[ -e "/dev/vfio/$(pci_group "$HOT")" ]
	run "$VFIOCTL" -J restore --dry-run "$HOT"
	echo "$output"
	[ "$(jq -r '.actions[0] | "\(.from) \(.to) \(.result)"' <<<"$output")" = "vfio-pci e1000e planned" ]
	hot_del hot-nic
	# By vendor:device: an edu (no host driver): straight to vfio-pci.
	echo "1234:11e8" >/etc/vfioctl.conf
	hot_add edu hot-edu
	wait_for 60 on_driver vfio-pci
	run "$VFIOCTL" -J restore "$HOT"
	echo "$output"
	[ "$status" -eq 0 ]
	expect_state "$HOT" none -
	# Only the added device: the other edus of the guest, matching the same line, stay put.
	for b in $(pci_find 1234:11e8); do
		[ "$b" = "$HOT" ] || [ "$(pci_driver "$b")" != vfio-pci ]
	done
	hot_del hot-edu
	journal_empty
	stop_udevd
	udevd_started=
}

# The Debian package as an admin installs it (issue 23): dpkg -i into the guest's overlay (the
# host root is its read-only lower layer, so nothing reaches the host), then udevd with the
# rule the package put in /lib/udev/rules.d running the package's /usr/sbin/vfioctl; purge
# takes it all away again. The .deb is what `make deb` built from this tree (build/deb).
@test "hotplug udev rule of the installed .deb: idle without vfioctl.conf, binds once configured" {
	local deb
	deb=$(ls "${VFIOCTL_LAB_DEB_DIR:-$TOP/build/deb}"/vfioctl_*.deb 2>/dev/null | tail -n 1)
	[ -n "$deb" ] || skip "no .deb in ${VFIOCTL_LAB_DEB_DIR:-$TOP/build/deb} (make deb builds it)"
	! dpkg-query -W vfioctl >/dev/null 2>&1 || skip "vfioctl is already installed in this root"
	# man-db's trigger would index every page under TCG: not what is tested
	dpkg -i --no-triggers "$deb"
	deb_installed=1
	[ -x /usr/sbin/vfioctl ]
	grep -q 'RUN+="/usr/sbin/vfioctl ' /lib/udev/rules.d/60-vfioctl.rules
	[ ! -e /etc/vfioctl.conf ]
	[ -x /lib/systemd/systemd-udevd ] || { echo "no systemd-udevd: install udev (.ci/packages)"; return 1; }
	/lib/systemd/systemd-udevd --daemon </dev/null >/dev/null 2>&1 3>&-
	udevd_started=1
	wait_for 30 udevadm control --ping
	# nothing configured: the edu comes up without a driver (it has none) and nobody moves it
	hot_add edu hot-edu
	udevadm settle --timeout=60
	[ "$(pci_driver "$HOT")" != vfio-pci ]
	[ -z "$(cat "/sys/bus/pci/devices/$HOT/driver_override" 2>/dev/null | grep -v '(null)')" ]
	journal_empty
	hot_del hot-edu
	# configured by id: the next edu lands on vfio-pci through the package's rule
	echo "1234:11e8" >/etc/vfioctl.conf
	hot_add edu hot-edu
	wait_for 60 on_driver vfio-pci
	run "$VFIOCTL" -J restore "$HOT"
	echo "$output"
	[ "$status" -eq 0 ]
	hot_del hot-edu
	journal_empty
	stop_udevd
	udevd_started=
	rm -f /etc/vfioctl.conf
	dpkg --purge --no-triggers vfioctl
	deb_installed=
	[ ! -e /usr/sbin/vfioctl ] && [ ! -e /lib/udev/rules.d/60-vfioctl.rules ]
}

# The case the rule is written for: a host driver that is a module nobody has loaded yet. The
# kernel has no driver for the new device; udevd runs the rule's apply (driver_override, then
# vfio-pci) before 80-drivers.rules loads the module, so e1000 registers and never sees it.
@test "hotplug udev rule: a host driver udev loads for the new device never binds it" {
	local out=$BATS_TEST_TMPDIR/events err=$BATS_TEST_TMPDIR/err mon st=0
	[ -n "${VFIOCTL_LAB_MODULES:-}" ] ||
		skip "no GUEST_UDEV_MODULES in $VFIOCTL_GUEST's .conf (a modular e1000 for udev to load)"
	# e1000 is not loaded, and udev can load it: the guest's kernel modules at the usual place
	! grep -q '^e1000 ' /proc/modules
	mkdir -p "/lib/modules/$(uname -r)"
	mount --bind "$VFIOCTL_LAB_MODULES" "/lib/modules/$(uname -r)"
	modules_mounted=1
	modprobe -n -v e1000 | grep -q 'e1000.ko'
	start_udevd
	echo "$HOT" >/etc/vfioctl.conf
	"$VFIOCTL" -J -v monitor >"$out" 2>"$err" 3>&- &
	mon=$!
	bg=$mon
	wait_for 30 grep -q listening "$err"
	hot_add e1000 hot-old romfile=
	wait_for 60 on_driver vfio-pci
	# udevd loaded the host driver for this very device, after the rule had run
	wait_for 60 grep -q '^e1000 ' /proc/modules
	[ -e /sys/bus/pci/drivers/e1000 ]
	[ ! -e "/sys/bus/pci/drivers/e1000/$HOT" ]
	[ "$(cat "/sys/bus/pci/devices/$HOT/driver_override")" = vfio-pci ]
	# journalled with no original driver: restore would leave it unbound
	run "$VFIOCTL" -J restore --dry-run "$HOT"
	echo "$output"
	[ "$(jq -r '.actions[0] | "\(.from) \(.to // "none") \(.result)"' <<<"$output")" = "vfio-pci none planned" ]
	hot_del hot-old
	wait_for 30 grep -q "\"action\":\"remove\",\"subsystem\":\"pci\",\"device\":\"$HOT\"" "$out"
	kill -TERM "$mon"
	wait "$mon" || st=$?
	bg=
	[ "$st" = 0 ]
	# the device's whole life, as the kernel told it: never on e1000
	run jq -r --arg b "$HOT" 'select(.event.subsystem == "pci" and .event.device == $b) |
		.event | "\(.action):\(.driver // "-")"' "$out"
	echo "$output"
	[ "$(echo $output)" = "add:- bind:vfio-pci unbind:vfio-pci remove:-" ]
	stop_udevd
	udevd_started=
	# the entry of the unplugged device goes with a restore
	"$VFIOCTL" restore --all
	journal_empty
}

@test "hotplug fault: a device removed in the middle of a bind: exit 3 saying so, journal clean" {
	local err=$BATS_TEST_TMPDIR/err st=0 pid
	hot_add e1000e hot-nic romfile=
	wait_for 30 on_driver e1000e
	# Stop the bind after its second step (journal written, driver_override set).
	VFIOCTL_TEST_PAUSE_AFTER=2 "$VFIOCTL" bind "$HOT" >/dev/null 2>"$err" 3>&- &
	pid=$!
	bg=$pid
	wait_for 60 grep -q "paused after step 2" "$err"
	[ -e "$J/$HOT" ]
	hot_del hot-nic
	kill -CONT "$pid"
	wait "$pid" || st=$?
	bg=
	cat "$err"
	[ "$st" = 3 ]
	grep -q "^vfioctl: $HOT: device was removed while it was being moved" "$err"
	journal_empty
	run "$VFIOCTL" restore --all
	[ "$status" -eq 0 ]
}

@test "hotplug fault: a device removed under a running DMA domain with maps (bench map): clean end" {
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err st=0 pid group
	hot_add edu hot-edu
	run "$VFIOCTL" bind "$HOT"
	[ "$status" -eq 0 ]
	group=$(pci_group "$HOT")
	"$VFIOCTL" -J bench map --size 8M --page-size 4K --iterations 400 "$HOT" >"$out" 2>"$err" 3>&- &
	pid=$!
	bg=$pid
	sleep 2
	kill -0 "$pid"	# still mapping when the unplug starts
	qmp device_del id=hot-edu >/dev/null
	# The unplug waits for whoever holds the device; the bench must end by itself.
	wait "$pid" || st=$?
	bg=
	echo "exit $st"; cat "$out" "$err"
	[ "$st" -lt 128 ]
	if [ "$st" = 0 ]; then
		jq -e '.bench_map | length >= 1' "$out"
	else
		# One line per error, subject first, no crash.
		grep -qv '^vfioctl: ' "$err" && return 1
		[ -s "$err" ]
	fi
	wait_for 120 absent
	wait_for 30 test ! -e "/dev/vfio/$group"
	run "$VFIOCTL" restore --all
	[ "$status" -eq 0 ]
	journal_empty
}

@test "hotplug fault: resets while the device is being removed end cleanly (0, then 3)" {
	local st i ok=0 gone=0 log=
	hot_add edu hot-edu
	run "$VFIOCTL" bind "$HOT"
	[ "$status" -eq 0 ]
	qmp device_del id=hot-edu >/dev/null
	for i in $(seq 120); do
		st=0
		timeout 60 "$VFIOCTL" reset "$HOT" >/dev/null 2>"$BATS_TEST_TMPDIR/err" || st=$?
		log+="$st "
		case $st in
		0) ok=$((ok + 1)) ;;
		3) gone=1; grep -q "^vfioctl: $HOT: " "$BATS_TEST_TMPDIR/err"; break ;;
		*) echo "reset $i: exit $st: $(cat "$BATS_TEST_TMPDIR/err")"; return 1 ;;
		esac
	done
	echo "exits: $log"
	[ "$gone" = 1 ]
	wait_for 60 absent
	run "$VFIOCTL" restore --all
	[ "$status" -eq 0 ]
	journal_empty
}
