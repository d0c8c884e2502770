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
