#!/usr/bin/env bats
# `vfioctl reset` against fixture trees: the plan (method choice), the scope of a bus reset
# with each device's group, driver, holder and ownership, the refusals and their exit codes,
# --dry-run changing nothing, and the sysfs function reset writing `reset`/`reset_method`.
# The VFIO ioctl paths (device reset, hot reset) run only in the guests: tests/vm/reset.bats.
# shellcheck shell=bash

load helpers

setup_file() {
	make_fixture desktop-gpu
	make_fixture pci-bridge
	make_fixture sriov-nic
	make_fixture hostile
}

# tree_sum NAME: a checksum of every file (content and name) of a fixture
tree_sum() {
	(cd "$BATS_FILE_TMPDIR/$1" && find . -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha1sum | sha1sum)
}

@test "reset: a vfio device held by another process is refused, naming the holder (exit 5)" {
	vf desktop-gpu -J reset 04:00.0
	expect_status 5
	[[ $stderr == *"vfioctl: 0000:04:00.0: reset refused: held by pid 4242 (qemu-system-x86) via /dev/vfio/12"* ]] || { dump; false; }
	jqe '.schema == 1 and .reset.result == "refused" and .reset.method == "none"'
	jqe '.reset.scope == [{bdf: "0000:04:00.0", group: 12, driver: "vfio-pci", target: true,
		owned: false, held_by: "4242 (qemu-system-x86)",
		blocker: "held by pid 4242 (qemu-system-x86) via /dev/vfio/12"}]'
}

@test "reset: all methods disabled means no reset method (exit 6), and show says so" {
	vf desktop-gpu -J reset 05:00.0
	expect_status 6
	[[ $stderr == *"0000:05:00.0: reset refused: no reset method"* ]] || { dump; false; }
	jqe '.reset.reset_methods == [] and .reset.usable_methods == []'
	vf desktop-gpu show 05:00.0
	expect_status 0
	grep -qx 'reset: *no reset method' <<<"$output" || { dump; false; }
	vf desktop-gpu show 04:00.0
	grep -qx 'reset: *flr,pm,bus' <<<"$output" || { dump; false; }
}

@test "reset: --dry-run of a hot reset behind a PCI bridge names every device in the way (exit 5)" {
	vf pci-bridge -J reset 02:04.0 --method hot --dry-run
	expect_status 5
	jqe '.reset.dry_run and .reset.scope_source == "sysfs" and .reset.scope_groups == ["8"]'
	jqe '[.reset.scope[] | .bdf] == ["0000:02:00.0", "0000:02:01.0", "0000:02:02.0",
		"0000:02:03.0", "0000:02:04.0"]'
	jqe '[.reset.scope[] | select(.owned) | .bdf] == ["0000:02:04.0"]'
	jqe '[.reset.scope[] | select(.blocker == null) | .bdf] == ["0000:02:04.0"]'
	local b
	for b in "0000:02:00.0: blocks the hot reset: bound to host driver e1000" \
		"0000:02:01.0: blocks the hot reset: bound to host driver snd_emu10k1" \
		"0000:02:02.0: blocks the hot reset: bound to host driver firewire_ohci" \
		"0000:02:03.0: blocks the hot reset: not bound to vfio-pci (no driver)"; do
		[[ $stderr == *"vfioctl: $b"* ]] || { echo "missing: $b"; dump; false; }
	done
}

@test "reset: --dry-run prints the plan in text too: scope table with owner and blocker" {
	vf pci-bridge reset 02:04.0 --dry-run
	expect_status 0
	grep -q '^result: *would-reset$' <<<"$output" || { dump; false; }
	grep -q '^action: *VFIO_DEVICE_RESET of 0000:02:04.0 through group 8 (the kernel picks: pm)$' \
		<<<"$output" || { dump; false; }
	grep -q '0000:02:03.0 *8 *no *no .*not bound to vfio-pci' <<<"$output" || { dump; false; }
}

@test "reset: --dry-run opens and changes nothing" {
	local before after
	before=$(tree_sum sriov-nic)
	vf sriov-nic reset 01:11.4 --dry-run
	expect_status 0
	vf sriov-nic reset 01:11.4 --method flr --dry-run
	expect_status 0
	after=$(tree_sum sriov-nic)
	[ "$before" = "$after" ]
}

@test "reset: an unbound device gets a sysfs function reset; --method flr restores reset_method" {
	local d=$BATS_FILE_TMPDIR/sriov-nic/sys/bus/pci/devices/0000:01:11.6
	: >"$d/reset"
	vf sriov-nic -J reset 01:11.6
	expect_status 0
	jqe '.reset.method == "function" and .reset.result == "reset" and .reset.backend == null'
	[ "$(cat "$d/reset")" = 1 ]
	: >"$d/reset"
	# an administrator's selection of two methods comes back after a one-method reset
	echo "flr pm" >"$d/reset_method"
	vf sriov-nic -J reset 01:11.6 --method flr
	expect_status 0
	jqe '.reset.method == "flr" and (.reset.action | contains("reset_method=flr"))'
	[ "$(cat "$d/reset")" = 1 ]
	[ "$(cat "$d/reset_method")" = "flr pm" ]
}

@test "reset: a device on a host driver is refused (exit 5); nothing is written" {
	local d=$BATS_FILE_TMPDIR/sriov-nic/sys/bus/pci/devices/0000:01:10.6
	: >"$d/reset"
	vf sriov-nic reset 01:10.6 --method flr
	expect_status 5
	[[ $stderr == *"0000:01:10.6: reset refused: it is bound to host driver ixgbevf"* ]] || { dump; false; }
	[ ! -s "$d/reset" ]
}

@test "reset: a method the kernel does not offer is refused with what it offers (exit 6)" {
	vf sriov-nic reset 01:10.0 --method bus --dry-run
	expect_status 6
	[[ $stderr == *"0000:01:10.0: reset refused: no bus reset: the kernel offers flr"* ]] || { dump; false; }
	# pm is per function: fine on a shared bus
	vf pci-bridge reset 02:04.0 --method pm --dry-run
	expect_status 0
}

@test "reset: a hot reset of a device not on vfio needs a bind (exit 8); a root-bus device has none (exit 6)" {
	vf desktop-gpu -J reset 01:00.0 --method hot --dry-run
	expect_status 8
	[[ $stderr == *"a hot reset goes through VFIO"* ]] || { dump; false; }
	jqe '[.reset.scope[] | {bdf, driver, owned}] == [
		{bdf: "0000:01:00.0", driver: "nvidia", owned: false},
		{bdf: "0000:01:00.1", driver: "snd_hda_intel", owned: false}]'
	vf desktop-gpu -J reset 00:17.0 --method hot --dry-run
	expect_status 6
	[[ $stderr == *"no hot reset: it is on a root bus"* ]] || { dump; false; }
	jqe '.reset.hot_reset_possible == false and .reset.scope == []'
}

@test "reset: the SR-IOV bus reset touches the PF and every VF, with the dpdk holder named" {
	vf sriov-nic -J reset 01:10.0 --method hot --dry-run
	expect_status 5
	jqe '.reset.scope | length == 9'
	jqe '.reset.scope_groups == ["20","40","41","42","43","44","45","46","47"]'
	jqe '.reset.scope[] | select(.bdf == "0000:01:10.2") | .held_by == "3077 (dpdk-testpmd)"'
	[[ $stderr == *"0000:01:10.2: blocks the hot reset: held by pid 3077 (dpdk-testpmd)"* ]] || { dump; false; }
}

@test "reset: usage errors and missing devices" {
	vf desktop-gpu reset
	expect_status 2
	vf desktop-gpu reset 04:00.0 05:00.0
	expect_status 2
	vf desktop-gpu reset 04:00.0 --method warm
	expect_status 2
	[[ $stderr == *"--method: unknown method 'warm'"* ]] || { dump; false; }
	vf desktop-gpu reset 09:00.0
	expect_status 3
	vf sriov-nic reset 8086:10ed --dry-run
	expect_status 2
	[[ $stderr == *"names 8 devices"* ]] || { dump; false; }
}

@test "reset: JSON types never change; --list-columns lists the scope" {
	vf pci-bridge -J reset 02:04.0 --dry-run
	expect_status 0
	jqe '.reset | (.target | type) == "string" and (.group | type) == "number" and
		(.vfio_reset == null) and (.dry_run | type) == "boolean" and
		(.scope_groups | type) == "array" and (.reason == null)'
	jqe 'all(.reset.scope[]; (.group | type) == "number" and (.owned | type) == "boolean"
		and (.target | type) == "boolean")'
	vf pci-bridge reset --list-columns
	expect_status 0
	grep -q '^ *SCOPE ' <<<"$output" || { dump; false; }
}

@test "reset: hostile trees never crash it or leak garbage" {
	local b
	for b in $(jq -r '.devices[].bdf' "$BATS_FILE_TMPDIR/hostile.facts.json"); do
		vf hostile -J reset "$b" --dry-run
		[ "$status" -le 8 ] || { echo "$b"; dump; false; }
		[ -z "$output" ] || jq -e . >/dev/null <<<"$output" || { echo "$b"; dump; false; }
		if printf '%s' "$output" | LC_ALL=C grep -q $'[\x01-\x08\x1b]'; then
			echo "$b: control characters in the output"
			dump
			false
		fi
	done
}
