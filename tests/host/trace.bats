#!/usr/bin/env bats
# -vv traces every sysfs write and every ioctl (core/trace.c, installed by the CLI) on stderr,
# "vfioctl: trace: ..."; -v alone does not. The ioctl lines of a real domain are proven in the
# guests (tests/vm/domain.bats, "trace"); here a sysfs function reset under --sysroot writes
# reset_method and reset into the fixture.
# shellcheck shell=bash

load helpers

setup_file() {
	make_fixture sriov-nic
}

D=/sys/bus/pci/devices/0000:01:11.6

@test "trace: -vv names every sysfs write, its value and its result, in order" {
	[ "$(id -u)" = 0 ] || skip "reset writes root-owned attributes: needs root (uid $(id -u))"
	local d=$BATS_FILE_TMPDIR/sriov-nic$D
	: >"$d/reset"
	echo "flr pm" >"$d/reset_method"
	vf sriov-nic -J -vv reset 01:11.6 --method flr
	expect_status 0
	grep '^vfioctl: trace: ' <<<"$stderr" >"$BATS_TEST_TMPDIR/trace" || true
	cat "$BATS_TEST_TMPDIR/trace"
	diff -u - "$BATS_TEST_TMPDIR/trace" <<EXP
vfioctl: trace: write $D/reset_method "flr" = 0
vfioctl: trace: write $D/reset "1" = 0
vfioctl: trace: write $D/reset_method "flr pm" = 0
EXP
	# stdout is untouched by tracing
	jqe '.reset.method == "flr" and .reset.result == "reset"'
}

@test "trace: a failed write is traced with its errno, as strace writes it" {
	[ "$(id -u)" = 0 ] || skip "reset writes root-owned attributes: needs root (uid $(id -u))"
	local d=$BATS_FILE_TMPDIR/sriov-nic$D
	rm -f "$d/reset"
	mkdir "$d/reset"	# open(O_WRONLY) of a directory: EISDIR
	vf sriov-nic -vv reset 01:11.6 --method flr
	rmdir "$d/reset"
	: >"$d/reset"
	[ "$status" -ne 0 ]
	grep -qxF "vfioctl: trace: write $D/reset \"1\" = -1 EISDIR (Is a directory)" <<<"$stderr" ||
		{ dump; false; }
}

@test "trace: -v alone and no -v trace nothing; -v -v on both sides of the command adds up" {
	[ "$(id -u)" = 0 ] || skip "reset writes root-owned attributes: needs root (uid $(id -u))"
	local d=$BATS_FILE_TMPDIR/sriov-nic$D
	: >"$d/reset"
	vf sriov-nic -v reset 01:11.6 --method flr
	expect_status 0
	[[ $stderr != *"trace:"* ]] || { dump; false; }
	vf sriov-nic reset 01:11.6 --method flr
	expect_status 0
	[[ $stderr != *"trace:"* ]] || { dump; false; }
	vf sriov-nic -v reset -v 01:11.6 --method flr
	expect_status 0
	[[ $stderr == *"vfioctl: trace: write $D/reset \"1\" = 0"* ]] || { dump; false; }
}

@test "trace: a batch line's -vv traces that line only" {
	[ "$(id -u)" = 0 ] || skip "reset writes root-owned attributes: needs root (uid $(id -u))"
	local d=$BATS_FILE_TMPDIR/sriov-nic$D
	: >"$d/reset"
	run --separate-stderr "$VFIOCTL" --sysroot "$BATS_FILE_TMPDIR/sriov-nic" batch - <<<$'reset 01:11.6 --method flr -vv\nreset 01:11.6 --method flr'
	expect_status 0
	[ "$(grep -c "trace: write $D/reset \"1\"" <<<"$stderr")" = 1 ] || { dump; false; }
}
