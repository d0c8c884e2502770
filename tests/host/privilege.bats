#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
# Privilege handling (issue 12), on a fixture tree:
# - read-only commands work for an unprivileged user (nobody, no capabilities) and see the
#   same thing root sees;
# - every mutating command run unprivileged fails early with exit 4 naming what is missing
#   (a capability or root), and the tree is left untouched;
# - no argument reaches a path outside the device's sysfs directory: "../" in targets and
#   driver names is refused, and a device link planted to point outside the tree is not
#   written through.
# The unprivileged runs use setpriv (util-linux): uid/gid nobody, no supplementary groups,
# empty inheritable and bounding sets, so no capability can come back.

load helpers

T=sriov-nic

setup_file() {
	# A world-readable home for the tree: bats' own temp dirs are 0700, closed to nobody.
	PRIV_DIR=$(mktemp -d /tmp/vfioctl-priv.XXXXXX)
	chmod 755 "$PRIV_DIR"
	"$MKFIXTURE" "$T" "$PRIV_DIR/$T" >/dev/null
	export PRIV_DIR
}

teardown_file() {
	rm -rf "${PRIV_DIR:?}"
}

# as_nobody ARGS...: run vfioctl unprivileged against the tree; sets $status/$output/$stderr
as_nobody() {
	require_binary
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$VFIOCTL" --sysroot "$PRIV_DIR/$T" "$@"
}

as_root() {
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$PRIV_DIR/$T" "$@"
}

# A digest of every file, link and mode in the tree: any write shows.
tree_digest() {
	(cd "$PRIV_DIR/$T" && find . -printf '%p %m %l\n' | sort && find . -type f -print0 |
		sort -z | xargs -0 cat) | sha256sum
}

@test "privilege: the unprivileged runner really has no capability" {
	run setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		--bounding-set=-all -- grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(grep -c ':[[:space:]]*0000000000000000$' <<<"$output")" -eq 3 ] || { echo "$output"; false; }
}

@test "privilege: read-only commands work unprivileged and see what root sees" {
	local cmd root
	for cmd in "-J list" "-J list --devices" "-J show 40" "-J show 0000:01:00.0" \
		"-J bind 0000:01:11.0 --dry-run" "-J reset 0000:01:10.0 --dry-run" \
		"-J restore --all --dry-run"; do
		# shellcheck disable=SC2086
		as_root $cmd
		root=$output
		expect_status 0
		# shellcheck disable=SC2086
		as_nobody $cmd
		if [ "$status" -ne 0 ] || [ "$output" != "$root" ]; then
			echo "vfioctl $cmd as nobody differs from root (exit $status):"
			diff <(echo "$root") <(echo "$output") | head -20
			dump
			return 1
		fi
	done
}

@test "privilege: check works unprivileged (its verdict may differ: memlock is per user)" {
	as_nobody -J check 0000:01:10.0
	[ "$status" -eq 0 ] || [ "$status" -eq 8 ] || { dump; false; }
	jqe '.schema == 1'
}

# Mutating commands, unprivileged: exit 4, nothing touched. (A hot reset of this tree's bus is
# refused for its scope first, exit 5, whoever asks: not a privilege question, so not listed.)
@test "privilege: mutating commands run unprivileged exit 4 and touch nothing" {
	local before cmd bad=0 conf=$PRIV_DIR/vfioctl.conf
	printf '0000:01:11.0 driver=vfio-pci\n' >"$conf"
	chmod 644 "$conf"
	before=$(tree_digest)
	for cmd in "bind 0000:01:11.0" "bind --group 44" "unbind 0000:01:11.0" \
		"restore --all" "restore 0000:01:10.0" "apply $conf" \
		"reset 0000:01:10.0" "reset 0000:01:10.0 --method flr"; do
		# shellcheck disable=SC2086
		as_nobody $cmd
		if [ "$status" -ne 4 ]; then
			echo "vfioctl $cmd as nobody: exit $status, want 4: $stderr"
			bad=1
		fi
	done
	[ "$(tree_digest)" = "$before" ] || { echo "the fixture tree changed"; bad=1; }
	[ "$bad" -eq 0 ]
}

@test "privilege: an unprivileged mutating command names the missing capability" {
	local cmd bad=0
	for cmd in "bind 0000:01:11.0" "unbind 0000:01:11.0" "restore --all" \
		"reset 0000:01:10.0 --method flr"; do
		# shellcheck disable=SC2086
		as_nobody $cmd
		# One line, the capability by name (CAP_SYS_ADMIN, CAP_DAC_OVERRIDE...) or "root".
		if ! grep -qE '(CAP_[A-Z_]+|root)' <<<"$stderr"; then
			echo "vfioctl $cmd as nobody: '$stderr' names no capability"
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "privilege: path tricks in targets are usage errors, for every command" {
	local t cmd bad=0
	for t in "../../../../etc" "0000:01:10.0/../../../.." "01:10.0/.." "../01:10.0" \
		"group:../40" "group:40/.." "40/../41" "/sys/bus/pci/devices/0000:01:10.0" \
		"0000:01:10.0/" "0000:01:10.0 " "%2e%2e%2f01:10.0" "8086:10ed/.." \
		"0000:01:10.0/driver_override" "0000:01:10.0"$'\n'"x"; do
		for cmd in show "bind --dry-run" "unbind --dry-run" "reset --dry-run" check; do
			# shellcheck disable=SC2086
			as_root $cmd "$t"
			if [ "$status" -ne 2 ]; then
				echo "vfioctl $cmd '$t': exit $status, want 2 (usage): $stderr"
				bad=1
			fi
		done
	done
	[ "$bad" -eq 0 ]
}

@test "privilege: driver names that are paths are refused (--driver, vfioctl.conf)" {
	local d bad=0 conf=$PRIV_DIR/bad.conf
	for d in .. . ../../bus ../pci-stub "vfio-pci/../pci-stub"; do
		as_root bind 0000:01:11.0 --dry-run --driver "$d"
		if [ "$status" -ne 2 ]; then
			echo "bind --driver '$d': exit $status, want 2: $stderr"
			bad=1
		fi
		printf '0000:01:11.0 driver=%s\n' "$d" >"$conf"
		as_root apply --check "$conf"
		if [ "$status" -eq 0 ] || [ "$status" -eq 8 ]; then
			echo "apply with driver=$d: exit $status, want a refusal: $output $stderr"
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "privilege: a device link planted to point outside the tree is not written through" {
	local tree=$PRIV_DIR/planted out=$PRIV_DIR/outside dev real
	cp -a "$PRIV_DIR/$T" "$tree"
	dev=$tree/sys/bus/pci/devices/0000:01:11.0
	real=$(readlink -f "$dev")
	cp -a "$real" "$out"
	ln -sfn "$out" "$dev"
	before=$(cat "$out/driver_override")
	run --separate-stderr "$VFIOCTL" --sysroot "$tree" bind 0000:01:11.0 --timeout 1
	[ "$status" -ne 0 ] || { echo "bind through a planted link succeeded"; dump; false; }
	[ "$(cat "$out/driver_override")" = "$before" ] ||
		{ echo "driver_override outside the tree was written: $(cat "$out/driver_override")"; dump; false; }
}
