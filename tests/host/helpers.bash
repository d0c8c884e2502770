# Shared setup for the host suite: the real binary against mkfixture trees.
# shellcheck shell=bash

bats_require_minimum_version 1.5.0

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VFIOCTL=${VFIOCTL:-$TOP/build/vfioctl}
MKFIXTURE=$TOP/tests/fixtures/mkfixture
CONTRACT=$TOP/tests/host/contract.py
EXPECTED=$TOP/tests/host/expected
export TOP VFIOCTL MKFIXTURE CONTRACT EXPECTED
export LC_ALL=C
unset COLUMNS

# make_fixture NAME: writes $BATS_FILE_TMPDIR/NAME and its facts (call from setup_file)
make_fixture() {
	local name=$1
	rm -rf "${BATS_FILE_TMPDIR:?}/$name"
	"$MKFIXTURE" "$name" "$BATS_FILE_TMPDIR/$name"
	"$MKFIXTURE" --facts "$name" >"$BATS_FILE_TMPDIR/$name.facts.json"
}

# fakekernel_setup FIXTURE: a fresh tree of FIXTURE for this test, for the suites that run the
# binary under the fake kernel (tests/fakekernel/fakekernel.c): sets R (the root), D (its PCI
# devices), J (its journal) and FK (the shim; FAKEKERNEL= overrides). Call from setup().
fakekernel_setup() {
	R=$BATS_TEST_TMPDIR/t
	"$MKFIXTURE" "$1" "$R" >/dev/null
	D=$R/sys/bus/pci/devices
	J=$R/run/vfioctl
	FK=${FAKEKERNEL:-$(dirname "$VFIOCTL")/tests/fakekernel.so}
	if [ ! -f "$FK" ]; then
		echo "fake kernel not found at $FK (run make unit, or set FAKEKERNEL=)" >&2
		return 1
	fi
}

# stage_nvme_root: in the desktop-gpu tree $R, the NVMe (0000:03:00.0) holds the mounted root
# filesystem (a block device below it, /proc/self/mountinfo naming it): host-critical
stage_nvme_root() {
	local dev=$R/sys/devices/pci0000:00/0000:00:1b.0/0000:03:00.0
	mkdir -p "$dev/nvme/nvme0/nvme0n1/nvme0n1p2" "$R/sys/dev/block" "$R/proc/self" "$R/sys/class/block"
	echo 259:2 >"$dev/nvme/nvme0/nvme0n1/nvme0n1p2/dev"
	ln -s ../../devices/pci0000:00/0000:00:1b.0/0000:03:00.0/nvme/nvme0/nvme0n1/nvme0n1p2 \
		"$R/sys/dev/block/259:2"
	ln -s ../../devices/pci0000:00/0000:00:1b.0/0000:03:00.0/nvme/nvme0/nvme0n1/nvme0n1p2 \
		"$R/sys/class/block/nvme0n1p2"
	echo '25 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw' >"$R/proc/self/mountinfo"
}

# fk ARGS...: run the binary on fakekernel_setup's tree under the fake kernel (FAKEKERNEL_DISABLE=1:
# on the bare sysroot, to see a test fail without it); drv BDF: the device's driver ("" for none)
fk() {
	require_binary
	if [ "${FAKEKERNEL_DISABLE:-0}" = 1 ]; then
		run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
	else
		# the asan build checks that its runtime comes first; the shim has no sanitizer
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
			LD_PRELOAD=$FK VFIOCTL_FAKEKERNEL_ROOT=$R \
			run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
	fi
}

drv() { # BDF: the driver the device is on ("" for none)
	local l
	l=$(readlink "$D/$1/driver") || { echo ""; return 0; }
	basename "$l"
}

# require_binary: a missing binary is a failure, not a skip (the suite exists to test it)
require_binary() {
	if [ ! -x "$VFIOCTL" ]; then
		echo "vfioctl binary not found at $VFIOCTL (run make, or set VFIOCTL=)" >&2
		return 1
	fi
}

# vf NAME ARGS...: run the binary against fixture NAME; sets $status, $output, $stderr
vf() {
	local name=$1
	shift
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/$name" "$@"
}

# show what happened when an assertion fails
dump() {
	echo "status=$status"
	echo "--- stdout (first 3000 bytes)"
	printf '%s\n' "$output" | head -c 3000
	echo "--- stderr"
	printf '%s\n' "$stderr"
}

# jqe FILTER: evaluate a jq -e filter against $output; print both on failure
jqe() {
	if ! jq -e "$@" >/dev/null <<<"$output"; then
		echo "jq -e $* failed on:"
		dump
		return 1
	fi
}

# expect_status N: fail with the whole run printed when $status differs
expect_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1"
		dump
		return 1
	fi
}

# contract MODE NAME: compare $output with the fixture's facts (see contract.py)
contract() {
	local res
	if ! res=$(python3 "$CONTRACT" "$1" "$BATS_FILE_TMPDIR/$2.facts.json" <<<"$output"); then
		echo "$res"
		echo "--- stderr of vfioctl"
		printf '%s\n' "$stderr"
		return 1
	fi
}

# stderr_is_error TARGET: one-line "vfioctl: TARGET: ..." message
stderr_names() {
	local subject=$1
	if ! grep -qF "vfioctl: $subject: " <<<"$stderr"; then
		echo "stderr does not start a line with 'vfioctl: $subject: '"
		dump
		return 1
	fi
}

# golden NAME FILE ARGS...: diff the human output with tests/host/expected/FILE
golden() {
	local name=$1 file=$2
	shift 2
	vf "$name" "$@"
	if [ ! -f "$EXPECTED/$file" ]; then
		echo "no golden file $EXPECTED/$file (tests/host/update-expected writes it; review it by hand)"
		return 1
	fi
	if ! diff -u "$EXPECTED/$file" - <<<"$output"; then
		echo "--- stderr"
		printf '%s\n' "$stderr"
		return 1
	fi
}
