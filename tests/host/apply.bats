#!/usr/bin/env bats
# apply against vfioctl.conf on the desktop-gpu fixture, through the fake kernel (as
# fakekernel.bats does): the drift --check and --diff count (owner= on /dev/vfio/N too), that
# a dry run exits as the real run would, one bad line failing alone, and the file's errors
# (issue 23 item 4). The fixture's /dev/vfio/12 (0000:04:00.0, on vfio-pci) is 0:0 0644.

load helpers

setup() {
	fakekernel_setup desktop-gpu
	C=$R/etc/vfioctl.conf
	mkdir -p "$R/etc"
}

node() { # N: "UID:GID MODE" of ROOT/dev/vfio/N
	stat -c '%u:%g %a' "$R/dev/vfio/$1"
}

@test "apply: owner= drift on /dev/vfio/N is counted by --check and --diff, fixed by apply, once" {
	[ "$(id -u)" = 0 ] || skip "needs root: apply refuses to run without it, and chown (uid $(id -u))"
	id nobody >/dev/null 2>&1 || skip "no user nobody on this host"
	printf '0000:04:00.0 owner=nobody\n' >"$C"
	[ "$(node 12)" = "0:0 644" ]
	fk apply --check
	expect_status 8
	fk -J apply --diff
	expect_status 8
	jqe '.actions[0].bdf == "0000:04:00.0" and .actions[0].result == "planned" and
		.actions[0].action == "none" and (.actions[0].reason | test("^owner: /dev/vfio/12 is 0:0 0644, wanted 65534:65534 u\\+rw: 0000:04:00.0 [(]line 1[)]$"))'
	[ "$(node 12)" = "0:0 644" ]
	fk -J apply --timeout 2
	expect_status 0
	jqe '.actions[0].result == "done" and .actions[0].node == "/dev/vfio/12"'
	# the user (and its group, as owner= looks it up); 0644 lets the user open it: kept
	[ "$(node 12)" = "65534:65534 644" ]
	# idempotent: nothing left to do
	fk apply --check
	expect_status 0
	fk -J apply --timeout 2
	expect_status 0
	jqe '.actions[0].result == "already" and (.actions[0].reason | test("^already as configured"))'
	# a mode that locks the owner out is drift too (u+rw added, nothing else changed)
	chmod 0400 "$R/dev/vfio/12"
	fk apply --check
	expect_status 8
	printf '0000:04:00.0 owner=nobody:nogroup\n' >"$C"
	fk apply --timeout 2
	expect_status 0
	[ "$(node 12)" = "65534:65534 600" ]
	fk apply --check
	expect_status 0
}

@test "apply: owner= on a device apply binds: the new node gets its owner and mode" {
	[ "$(id -u)" = 0 ] || skip "needs root: apply refuses to run without it, and chown (uid $(id -u))"
	getent group nogroup >/dev/null || skip "no group nogroup on this host"
	printf '0000:03:00.0 owner=nobody:nogroup\n' >"$C"
	fk -J apply --timeout 2
	expect_status 0
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	[ "$(node 10)" = "65534:65534 600" ]
	fk apply --check
	expect_status 0
}

@test "apply --check exits as the real run would: a host-critical line is 5, and says why" {
	stage_nvme_root
	printf '0000:03:00.0\n' >"$C"
	fk apply --diff
	expect_status 5
	fk apply --check
	expect_status 5
	[ -z "$output" ]
	[[ "$stderr" == *"vfioctl: 0000:03:00.0: refused: host-critical: backs the mounted filesystem /"* ]] || { dump; false; }
	[ "$(id -u)" = 0 ] || skip "needs root for the real run (uid $(id -u))"
	fk apply --timeout 2
	expect_status 5
	[ "$(drv 0000:03:00.0)" = nvme ]
}

@test "apply: a bad line fails alone (FILE:LINE), the others are applied, the worst code at the end" {
	[ "$(id -u)" = 0 ] || skip "needs root: apply refuses to run without it (uid $(id -u))"
	printf '0000:01:00.0 owner=no-such-user-vfc\n0000:03:00.0\n0000:05:00.0 speed=fast\n' >"$C"
	fk apply --check
	expect_status 2
	[[ "$stderr" == *"vfioctl: $C:1: no such user or group 'no-such-user-vfc'"* ]] || { dump; false; }
	[[ "$stderr" == *"vfioctl: $C:3: unknown option"* ]] || { dump; false; }
	fk -J apply --timeout 2
	expect_status 2
	[[ "$stderr" == *"vfioctl: $C:1: no such user or group 'no-such-user-vfc'"* ]] || { dump; false; }
	jqe '[.actions[] | .bdf] == ["0000:03:00.0"] and .actions[0].result == "done"'
	[ "$(drv 0000:03:00.0)" = vfio-pci ]
	[ "$(drv 0000:01:00.0)" = nvidia ]
	[ "$(drv 0000:05:00.0)" = pci-stub ]
	# a driver that does not exist is 6, and outranks the user's 2
	printf '0000:01:00.0 owner=no-such-user-vfc\n0000:05:00.0 driver=no-such-drv\n0000:03:00.0\n' >"$C"
	fk apply --timeout 2
	expect_status 6
	# (its module is looked up first, as bind does: there is none)
	[[ "$stderr" == *"vfioctl: $C:2: driver no-such-drv: cannot load module no_such_drv: No such file or directory"* ]] ||
		{ dump; false; }
}

@test "apply: a CONF that cannot be read is a file error (1), not a missing device (3)" {
	fk apply --check "$BATS_TEST_TMPDIR/nonexistent"
	expect_status 1
	[ "$stderr" = "vfioctl: $BATS_TEST_TMPDIR/nonexistent: cannot read configuration: No such file or directory" ] || { dump; false; }
	fk apply --diff "$BATS_TEST_TMPDIR/nonexistent"
	expect_status 1
	# the default file missing is still nothing to do
	fk apply --check
	expect_status 0
	[ -z "$stderr" ]
}

@test "apply: a line's parse error never says a group number is expected (vfioctl.conf(5))" {
	for l in 12 group:3 nvme0 01:00 '0000:01:00.0/vf' 'pci-slot-7'; do
		printf '%s\n' "$l" >"$C"
		fk apply --check
		expect_status 2
		[[ "$stderr" == *"$C:1: "* ]] || { dump; false; }
		if grep -qiE 'expected[^:]*group number|group number[^:]*expected|a group number,' <<<"$stderr"; then
			echo "line '$l': the error offers a group number"
			dump
			false
		fi
	done
}
