#!/usr/bin/env bats
# check's memlock item on a host with iommufd (/dev/iommu): iommufd charges pinned pages to
# the user, so the limit is shared with every process of that user unless CAP_SYS_RESOURCE
# lets vfioctl switch it to per process (issue 19 item 3; domain/exec's side is proven in
# tests/unit/test_domain.c and tests/vm/domain.bats on the iommufd guest).

load helpers

setup_file() {
	make_fixture desktop-gpu
}

# memlock_detail TREE: check's host memlock item detail as nobody with an 8 MiB limit
memlock_detail() {
	local w
	w=$(mktemp -d /tmp/vfioctl-memlock.XXXXXX)
	cp -a "$1" "$w/t"
	chmod -R a+rX "$w"
	run --separate-stderr prlimit --memlock=8388608 setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$VFIOCTL" --sysroot "$w/t" -J check
	rm -rf "$w"
	jq -r '.checks[] | select(.target == "host" and .item == "memlock") | .status + " " + .detail' \
		<<<"$output"
}

@test "memlock: with /dev/iommu, an 8 MiB limit without CAP_SYS_RESOURCE is said to be per user" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop to an unprivileged uid"
	command -v setpriv >/dev/null && command -v prlimit >/dev/null ||
		skip "needs setpriv and prlimit (util-linux) to drop to an unprivileged uid"
	require_binary
	R=$BATS_TEST_TMPDIR/t
	cp -a "$BATS_FILE_TMPDIR/desktop-gpu" "$R"
	: >"$R/dev/iommu"
	d=$(memlock_detail "$R")
	echo "$d"
	[[ $d == "warn RLIMIT_MEMLOCK 8 MiB"* ]]
	[[ $d == *"iommufd charges pins per user"* ]]
	[[ $d == *"shared with every process of this user"* ]]
	# without iommufd the sentence does not apply
	d=$(memlock_detail "$BATS_FILE_TMPDIR/desktop-gpu")
	echo "$d"
	[[ $d == "warn RLIMIT_MEMLOCK 8 MiB"* && $d != *"per user"* ]]
}

# exec --handoff (issue 20): what vfioctl refuses before a VMM starts, on a fixture (the
# kernel side, QEMU 7.2 and 10 taking the fds, is tests/vm/handoff.bats).

@test "exec: a VMM without --handoff is refused (exit 2) before anything is opened, naming the fix" {
	require_binary
	vf desktop-gpu exec 0000:01:00.0 -- /usr/bin/qemu-system-x86_64 -device vfio-pci,host=01:00.0
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ $stderr == *"qemu-system-x86_64 binds and attaches the devices itself"*"use exec --handoff"* ]]
	# any program is fine without the guard's names (nothing is opened before the targets)
	vf desktop-gpu exec 0000:01:00.0 --handoff --map 1M -- true
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ $stderr == *"--map shapes a prepared domain; --handoff leaves the window and the mappings to the VMM"* ]]
}

@test "exec: --group needs --user; --memlock must be a size; unknown users and groups exit 2" {
	require_binary
	vf desktop-gpu exec 0000:01:00.0 --handoff --group nogroup -- true
	[ "$status" -eq 2 ]
	[[ $stderr == *"--group needs --user"* ]]
	vf desktop-gpu exec 0000:01:00.0 --handoff --memlock lots -- true
	[ "$status" -eq 2 ]
	[[ $stderr == *"--memlock: 'lots' is not a size"* ]]
	vf desktop-gpu exec 0000:01:00.0 --handoff --user no-such-user-here -- true
	[ "$status" -eq 2 ]
	[[ $stderr == *"no-such-user-here: no such user"* ]]
	vf desktop-gpu exec 0000:01:00.0 --handoff --user nobody --group no-such-group-here -- true
	[ "$status" -eq 2 ]
	[[ $stderr == *"no-such-group-here: no such group"* ]]
}

@test "exec: --memlock above the hard limit without CAP_SYS_RESOURCE is refused with the shortfall (exit 4)" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop to an unprivileged uid"
	command -v setpriv >/dev/null && command -v prlimit >/dev/null ||
		skip "needs setpriv and prlimit (util-linux) to drop to an unprivileged uid"
	require_binary
	local w
	w=$(mktemp -d /tmp/vfioctl-memlock.XXXXXX)
	cp -a "$BATS_FILE_TMPDIR/desktop-gpu" "$w/t"
	chmod -R a+rX "$w"
	run --separate-stderr prlimit --memlock=8388608:8388608 setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$VFIOCTL" --sysroot "$w/t" exec 0000:01:00.0 \
		--handoff --memlock 1G -- true
	echo "$stderr"
	[ "$status" -eq 4 ]
	[[ $stderr == *"vfioctl: memlock: cannot raise RLIMIT_MEMLOCK to 1 GiB: the hard limit is 8 MiB and vfioctl lacks CAP_SYS_RESOURCE: short by 1016 MiB"* ]]
	# under the hard limit it is no refusal (the fixture has no kernel: the open fails later)
	run --separate-stderr prlimit --memlock=8388608:8388608 setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$VFIOCTL" --sysroot "$w/t" exec 0000:01:00.0 \
		--handoff --memlock 4M -- true
	echo "$stderr"
	rm -rf "$w"
	[[ $stderr != *"cannot raise RLIMIT_MEMLOCK"* ]]
}
