#!/usr/bin/env bats
# Command line: usage errors, help/version, sysroot errors, contract-wide flags, determinism.

load helpers

setup_file() {
	make_fixture desktop-gpu
	for t in desktop-gpu sriov-nic pci-bridge power-phb arm-msi iommu-off hostile; do
		[ -d "$BATS_FILE_TMPDIR/$t" ] || make_fixture "$t"
	done
}

usage_error() {
	expect_status 2
	grep -qF "Try 'vfioctl --help'" <<<"$stderr" || { echo "no Try 'vfioctl --help'"; dump; false; }
	[ -z "$output" ] || { echo "usage error printed to stdout"; dump; false; }
}

@test "cli: unknown option, unknown command, missing argument are usage errors (exit 2)" {
	vf desktop-gpu --bogus list
	usage_error
	vf desktop-gpu frobnicate
	usage_error
	vf desktop-gpu show
	usage_error
	vf desktop-gpu list --id
	usage_error
	run --separate-stderr "$VFIOCTL" --sysroot
	usage_error
}

@test "cli: options that cannot combine are refused with one message (exit 2), wherever given" {
	vf desktop-gpu list -J -r
	usage_error
	[ "$stderr" = "vfioctl: list: --json and --raw cannot be combined
Try 'vfioctl --help' for more information." ] || { dump; false; }
	# before and after the command name: the same call
	vf desktop-gpu -r show 1 --json
	usage_error
	[[ $stderr == "vfioctl: show: --json and --raw cannot be combined"* ]] || { dump; false; }
	# a command's own: declared next to it
	vf desktop-gpu list --viable --not-viable
	usage_error
	[[ $stderr == "vfioctl: list: --viable and --not-viable cannot be combined"* ]] || { dump; false; }
	# in a batch, a line's own options; the batch's -J is only that line's default
	run --separate-stderr "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/desktop-gpu" -J batch - \
		<<<$'list -o GROUP -n -r\nlist -o GROUP -J -r'
	expect_status 2
	[[ $stderr == *"vfioctl: stdin:2: list: --json and --raw cannot be combined"* ]] || { dump; false; }
	[[ $output == 1$'\n'2* ]] || { dump; false; }
	# each alone is fine
	vf desktop-gpu list -r -o GROUP -n
	expect_status 0
	vf desktop-gpu list -J -o GROUP
	expect_status 0
}

@test "cli: bad option values are usage errors (exit 2)" {
	vf desktop-gpu list --viable --not-viable
	usage_error
	vf desktop-gpu list --id nothex
	usage_error
	vf desktop-gpu list --class zz
	usage_error
	vf desktop-gpu -o NO_SUCH_COLUMN list
	usage_error
}

@test "cli: error messages start with 'vfioctl: SUBJECT: '" {
	vf desktop-gpu --bogus list
	stderr_names --bogus
	vf desktop-gpu frobnicate
	stderr_names frobnicate
}

@test "cli: a target that is not a target exits 2 or 3 and names it" {
	vf desktop-gpu show 'not!a-target'
	[ "$status" -eq 2 ] || [ "$status" -eq 3 ] || { dump; false; }
	stderr_names 'not!a-target'
}

@test "cli: --help and -V exit 0 on stdout" {
	require_binary
	run --separate-stderr "$VFIOCTL" --help
	expect_status 0
	[[ "$output" == *Usage* && "$output" == *list* && "$output" == *show* ]]
	run --separate-stderr "$VFIOCTL" -V
	expect_status 0
	[[ "$output" =~ [0-9]+\.[0-9]+ ]]
}

@test "cli: a sysroot that does not exist is an error naming it, not an empty success" {
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/no-such-root" list
	[ "$status" -ne 0 ] || { echo "exit 0 for a missing sysroot"; dump; false; }
	stderr_names "$BATS_FILE_TMPDIR/no-such-root"
}

@test "cli: JSON keys and types never change between topologies" {
	for t in desktop-gpu sriov-nic pci-bridge power-phb arm-msi iommu-off hostile; do
		vf "$t" -J list --devices
		jq -c '[.devices[] | to_entries | map([.key, (.value | type)])] | flatten(1) | unique | map(.[0]) | unique' <<<"$output"
	done | sort -u >"$BATS_FILE_TMPDIR/keys"
	[ "$(wc -l <"$BATS_FILE_TMPDIR/keys")" -eq 1 ] || { cat "$BATS_FILE_TMPDIR/keys"; false; }
}

@test "cli: iommu.units names the sys/class/iommu entries (no garbage)" {
	vf desktop-gpu -J list
	jqe '.iommu.units == ["dmar0", "dmar1"]'
	vf arm-msi -J list
	jqe '.iommu.units == ["smmu3.0x0000000009050000"]'
}

@test "cli: contract: kind is endpoint, bridge, or host-bridge for class 0600" {
	for t in desktop-gpu sriov-nic arm-msi; do
		vf "$t" -J list --devices
		CONTRACT_STRICT=kind contract devices "$t"
	done
}

@test "cli: contract: flr/acs null only when config space is unreadable (pm_nosoftrst: also without PM)" {
	for t in desktop-gpu sriov-nic pci-bridge; do
		vf "$t" -J list --devices
		CONTRACT_STRICT=nullflags contract devices "$t"
	done
}

# Determinism: a second tree whose entries were created in the opposite order. On tmpfs readdir
# returns entries in reverse creation order, so the two trees list differently; on ext4 (hashed
# directories) the order does not depend on creation, and the test would prove nothing.
@test "cli: output does not depend on readdir order" {
	base=/dev/shm
	[ -d "$base" ] && [ -w "$base" ] || skip "no writable tmpfs at /dev/shm: readdir order cannot be varied"
	d=$(mktemp -d "$base/vfioctl-det.XXXXXX")
	"$MKFIXTURE" desktop-gpu "$d/fwd"
	"$MKFIXTURE" --reverse-order desktop-gpu "$d/rev"
	"$MKFIXTURE" hostile "$d/hfwd"
	"$MKFIXTURE" --reverse-order hostile "$d/hrev"
	# precondition: the two trees really enumerate differently
	if [ "$(ls -f "$d/fwd/sys/bus/pci/devices")" = "$(ls -f "$d/rev/sys/bus/pci/devices")" ]; then
		rm -rf "$d"
		skip "$base does not return entries in creation order: cannot vary readdir order"
	fi
	rc=0
	for args in "list" "-J list" "-J list --devices" "show 1" "-J show 9" "-r list"; do
		# shellcheck disable=SC2086
		a=$("$VFIOCTL" --sysroot "$d/fwd" $args 2>&1)
		# shellcheck disable=SC2086
		b=$("$VFIOCTL" --sysroot "$d/rev" $args 2>&1)
		[ "$a" = "$b" ] || { echo "differs: $args"; diff <(echo "$a") <(echo "$b") | head -20; rc=1; }
		# shellcheck disable=SC2086
		a=$("$VFIOCTL" --sysroot "$d/hfwd" $args 2>&1)
		# shellcheck disable=SC2086
		b=$("$VFIOCTL" --sysroot "$d/hrev" $args 2>&1)
		[ "$a" = "$b" ] || { echo "hostile differs: $args"; diff <(echo "$a") <(echo "$b") | head -20; rc=1; }
	done
	rm -rf "$d"
	[ "$rc" -eq 0 ]
}

@test "cli: expected/CASES and the golden files agree" {
	cases=$(grep -v '^#' "$EXPECTED/CASES" | awk 'NF {print $2}' | LC_ALL=C sort)
	files=$(cd "$EXPECTED" && ls | grep -v '^CASES$' | LC_ALL=C sort)
	[ "$cases" = "$files" ] || { diff <(echo "$cases") <(echo "$files"); false; }
	# and every golden file is exercised by some test
	for f in $files; do
		grep -q "$f" "$TOP"/tests/host/*.bats || { echo "$f not used by any test"; false; }
	done
}

@test "cli: sriov-scale tree (4 PFs x 7 VFs) matches its facts" {
	"$MKFIXTURE" sriov-scale "$BATS_FILE_TMPDIR/sriov-scale" --pfs 4 --vfs 7
	"$MKFIXTURE" --facts sriov-scale --pfs 4 --vfs 7 >"$BATS_FILE_TMPDIR/sriov-scale.facts.json"
	vf sriov-scale -J list
	expect_status 0
	contract list sriov-scale
	jqe '(.groups | length) == 36 and all(.groups[]; (.devices | length) == 1)'
}

@test "cli: -o naming an unknown, empty or not-applicable column is a usage error naming it" {
	vf desktop-gpu list -o HOLDERS
	usage_error
	[[ $stderr == "vfioctl: -o HOLDERS: holds rows"* ]] || { dump; false; }
	vf desktop-gpu list -o +HOLDERS
	usage_error
	vf desktop-gpu list -o ''
	usage_error
	[[ $stderr == "vfioctl: -o: no column named"* ]] || { dump; false; }
	vf desktop-gpu -J list -o ''
	usage_error
	vf desktop-gpu list -o GROUP,,VIABLE
	usage_error
	vf desktop-gpu -J list --devices -o IDS
	usage_error
	[[ $stderr == "vfioctl: -o IDS: text only"* ]] || { dump; false; }
	vf desktop-gpu show 01:00.0 -o VIABLE
	usage_error
	[[ $stderr == "vfioctl: -o VIABLE: not a column of these rows"* ]] || { dump; false; }
	vf desktop-gpu list -o NOSUCH
	usage_error
	[[ $stderr == "vfioctl: unknown column 'NOSUCH'"* ]] || { dump; false; }
	# what applies still works
	vf desktop-gpu -J list -o HOLDERS
	expect_status 0
	jqe '[.groups[].holders[].pid] == [4242]'
	vf desktop-gpu show 1 -o VIABLE
	expect_status 0
	[ "$output" = "viable: no" ] || { dump; false; }
}

@test "cli: -r prints - for an empty value, so that fields never shift" {
	vf desktop-gpu -r -n list --devices -o BDF,DRIVER_OVERRIDE,DRIVER
	expect_status 0
	awk 'NF != 3 { bad = 1; print "line " NR ": " $0 } END { exit bad }' <<<"$output"
	grep -qx '0000:00:14.2 - -' <<<"$output" || { dump; false; }
	grep -qx '0000:04:00.0 vfio-pci vfio-pci' <<<"$output" || { dump; false; }
}

@test "cli: -P prints NAME=\"value\" pairs, eval-safe, and excludes -J and -r" {
	vf desktop-gpu -P list --devices -o BDF,DRIVER,NAME
	expect_status 0
	grep -qx 'BDF="0000:00:14.2" DRIVER="" NAME="Intel Corporation Cannon Lake PCH Shared SRAM"' \
		<<<"$output" || { dump; false; }
	line=$(grep '^BDF="0000:01:00.0"' <<<"$output")
	eval "$line"
	[ "$DRIVER" = nvidia ] && [ "$NAME" = "NVIDIA Corporation GA102 [GeForce RTX 3090]" ] || { dump; false; }
	# a group's values repeat on each member's line
	vf desktop-gpu -P list -o GROUP,VIABLE,BDF
	expect_status 0
	grep -qx 'GROUP="12" VIABLE="yes" BDF="0000:04:00.0"' <<<"$output" || { dump; false; }
	# hostile names: quotes, dollars, backquotes and control bytes are \xHH
	vf hostile -P list --devices -o BDF,NAME
	expect_status 0
	while IFS= read -r l; do
		[[ $l =~ ^BDF=\"[^\"]*\"\ NAME=\"[^\"\$\`]*\"$ ]] || { echo "bad line: $l"; false; }
	done <<<"$output"
	vf desktop-gpu -P -r list
	usage_error
	vf desktop-gpu -P -J list
	usage_error
}

@test "cli: -n with show (records) is refused; -J -r is refused" {
	vf desktop-gpu -n show 1
	usage_error
	[[ $stderr == "vfioctl: show: --noheadings applies to tables"* ]] || { dump; false; }
	vf desktop-gpu -n -r show 1 -o GROUP,VIABLE
	expect_status 0
	[ "$output" = "1 no" ] || { dump; false; }
	vf desktop-gpu -J -r show 1
	usage_error
}

@test "cli: --list-columns names no source file and is a JSON document with -J" {
	vf desktop-gpu --list-columns list --devices
	expect_status 0
	! grep -q '\.h)' <<<"$output" || { dump; false; }
	# names never run into their type (SUBSYSTEM_VENDOR_ID is longer than 14)
	grep -Eq '^SUBSYSTEM_VENDOR_ID +string' <<<"$output" || { dump; false; }
	vf desktop-gpu -J --list-columns list
	expect_status 0
	jqe '.schema == 1 and .key == "groups"'
	jqe '[.columns[].name] | index("HOLDERS") != null'
	jqe '.columns[] | select(.name == "DEVICES") | [.columns[].key] | index("bdf") != null'
	jqe '.columns[] | select(.name == "NDEVS") | .json == false and .key == null'
}

@test "cli: sriov-nic list --tree matches expected/sriov-nic.tree (VFs are not marked multifunction)" {
	golden sriov-nic sriov-nic.tree list --tree
	expect_status 0
	! grep -q multifunction <<<"$output" || { dump; false; }
}

@test "cli: --help and every COMMAND --help fit in 80 columns (usage wrapped)" {
	require_binary
	local cmd bad=0
	check_width() {
		awk -v who="$1" 'length > 80 { printf "%s: %d columns: %s\n", who, length, $0; bad = 1 }
			END { exit bad }' <<<"$2"
	}
	run --separate-stderr "$VFIOCTL" --help
	expect_status 0
	check_width "vfioctl --help" "$output" || bad=1
	for cmd in $("$VFIOCTL" --dump-commands | awk -F'\t' '$1 == "command" { print $2 }'); do
		run --separate-stderr "$VFIOCTL" "$cmd" --help
		expect_status 0
		[[ $output == "Usage: vfioctl $cmd"* ]] || { echo "$cmd --help: no usage line"; dump; false; }
		check_width "vfioctl $cmd --help" "$output" || bad=1
	done
	[ "$bad" -eq 0 ]
}

@test "cli: batch's help fits in 80 columns and lists every command with its arguments" {
	require_binary
	local cmd
	run --separate-stderr "$VFIOCTL" batch <<<"help"
	expect_status 0
	awk 'length > 80 { printf "%d columns: %s\n", length, $0; bad = 1 } END { exit bad }' \
		<<<"$output" || { dump; false; }
	for cmd in list bind domain; do
		grep -qE "^  $cmd +\S" <<<"$output" || { echo "no $cmd line"; dump; false; }
	done
	grep -qF 'domain create NAME TARGET...' <<<"$output" || { echo "verb without args"; dump; false; }
}

@test "cli: help batch inside a batch prints batch's usage; a nested batch is refused" {
	require_binary
	run --separate-stderr "$VFIOCTL" batch <<<"help batch"
	expect_status 0
	[[ $output == "Usage: vfioctl batch"* ]] || { dump; false; }
	run --separate-stderr "$VFIOCTL" batch <<<"batch"
	expect_status 2
	grep -q 'batch: not inside a batch' <<<"$stderr" || { dump; false; }
}

@test "cli: help is --help, help COMMAND is COMMAND --help, help NOSUCH is a usage error" {
	require_binary
	local cmd want
	want=$("$VFIOCTL" --help)
	run --separate-stderr "$VFIOCTL" help
	expect_status 0
	[ "$output" = "$want" ] || { echo "help differs from --help"; dump; false; }
	[[ $want == *"help     [COMMAND]"* ]] || { echo "--help does not list help"; false; }
	for cmd in list exec bench batch help; do
		want=$("$VFIOCTL" "$cmd" --help)
		run --separate-stderr "$VFIOCTL" help "$cmd"
		expect_status 0
		[ "$output" = "$want" ] || { echo "help $cmd differs from $cmd --help"; dump; false; }
	done
	run --separate-stderr "$VFIOCTL" help frobnicate
	usage_error
	[[ $stderr == "vfioctl: help: frobnicate: unknown command"* ]] || { dump; false; }
	run --separate-stderr "$VFIOCTL" help list show
	usage_error
}

# on_tty COLUMNS ARGS...: vfioctl ARGS with stdout on a terminal COLUMNS wide (script's pty)
on_tty() {
	local cols=$1
	shift
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	output=$(COLUMNS=$cols script -qec "$(printf '%q ' "$VFIOCTL" "$@")" /dev/null | tr -d '\r')
}

@test "cli: at 100 columns NAME keeps the model and shortens the vendor (issue 23 item 18)" {
	local fx=$BATS_FILE_TMPDIR/desktop-gpu
	on_tty 100 --sysroot "$fx" list --devices
	grep -q '^0000:00:1c.0 .* Intel Cannon Lake PCH PCI Express Root Port #1 ' <<<"$output" ||
		{ echo "$output"; false; }
	grep -q '^0000:00:1c.4 .* Intel Cannon Lake PCH PCI Express Root Port #5 ' <<<"$output" ||
		{ echo "$output"; false; }
	grep -q '^0000:01:00.0 .* NVIDIA GA102 \[GeForce RTX 3090\] ' <<<"$output" || { echo "$output"; false; }
	! grep -q 'Intel Corporation' <<<"$output" || { echo "$output"; false; }
	awk 'length > 100 { bad = 1 } END { exit bad }' <<<"$output" || { echo "$output"; false; }
	# room enough, or not a terminal: the vendor's full name, as lspci says it
	on_tty 200 --sysroot "$fx" list --devices
	grep -q '^0000:00:1c.0 .* Intel Corporation Cannon Lake PCH PCI Express Root Port #1 ' <<<"$output" ||
		{ echo "$output"; false; }
	vf desktop-gpu list --devices -o BDF,NAME
	grep -qx '0000:00:1c.0 Intel Corporation Cannon Lake PCH PCI Express Root Port #1' <<<"$output" ||
		{ dump; false; }
}
