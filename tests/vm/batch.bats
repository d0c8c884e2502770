#!/usr/bin/env bats
# vfioctl batch: named domains that live across lines on real kernels (type1v2 on Debian's x86
# kernels, iommufd + vfio cdev on the custom one), the edu DMA helper run through a named
# domain, teardown on failure and on a signal, and the interactive prompt driven through tmux.
# shellcheck shell=bash disable=SC2154 # bats' run --separate-stderr sets $stderr

bats_require_minimum_version 1.5.0
load helpers

setup() {
	EDU=$(edu_alone) || skip "no edu device alone in a group in this guest"
	sysfs_bind "$EDU" vfio-pci
	if [ -d /sys/class/vfio-dev ] && [ -e /dev/iommu ]; then
		BACKEND=iommufd
		FDS="--iommufd {iommufd} --ioas {ioas} --device-fd {device:$EDU}"
	else
		BACKEND=type1v2
		FDS="--container-fd {container} --device-fd {device:$EDU}"
	fi
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
}

teardown() {
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	restore_drivers
}

# line N of $output
line() { sed -n "${1}p" <<<"$output"; }

@test "batch: d0 lives across lines: create, map, show, exec edu DMA, reset, exec, unmap, show" {
	[ -x "${VFIOCTL_EDU_DMA:-}" ] || skip "edu DMA helper not built for this guest"
	cat >"$BATS_TEST_TMPDIR/dma.vfc" <<-EOF
		# one domain for the whole script
		domain create d0 $EDU --window 256M
		map d0 64K 64K      # adjacent: one kernel mapping
		show d0
		exec d0 -- $VFIOCTL_EDU_DMA $EDU $FDS --iova 0x1000000 --len 2048 --quiet
		reset d0
		exec d0 -- $VFIOCTL_EDU_DMA $EDU $FDS --iova 0x2000000 --len 2048 --quiet
		unmap d0 0x0
		map d0 \\
		    2M@0x400000
		exec d0 -- sh -c 'echo "\$VFIOCTL_BACKEND \$VFIOCTL_MAP_0"'
		unmap d0 all
		show d0
	EOF
	run --separate-stderr "$VFIOCTL" -J batch "$BATS_TEST_TMPDIR/dma.vfc"
	printf '%s\n' "$output" "--- stderr" "$stderr"
	[ "$status" -eq 0 ]
	# the custom kernel has iommufd and vfio cdevs: auto must pick them there
	[ "${VFIOCTL_GUEST:-}" != x86-custom ] || [ "$BACKEND" = iommufd ]
	[ "$(wc -l <<<"$output")" -eq 9 ]
	line 1 | jq -e --arg b "$BACKEND" '.domain.name == "d0" and .domain.backend == $b and
		.domain.window_size == "0x10000000" and .domain.devices == ["'"$EDU"'"]'
	line 2 | jq -e '.mappings | map(.iova) == ["0x0", "0x10000"] and
		map(.kernel_mapping) == [0, 0]'
	line 3 | jq -e '.domain.kernel_mappings == 1 and .domain.mapped_bytes == 131072 and
		.domain.mappings == [{"iova": "0x0", "size": "0x20000", "hugetlb": false,
		"fixed": false, "kernel_mapping": 0}]'
	# VFIO_DEVICE_RESET through d0's device fd, and DMA through d0 still works after it
	line 4 | jq -e --arg d "$EDU" '.resets == [{"device": $d, "result": "done"}]'
	line 5 | jq -e '.unmapped == [{"iova": "0x0", "size": "0x20000"}]'
	line 6 | jq -e '.mappings == [{"iova": "0x400000", "size": "0x200000", "hugetlb": false,
		"fixed": true, "kernel_mapping": 0}]'
	[[ $(line 7) =~ ^$BACKEND\ fd=[0-9]+,offset=0x0,iova=0x400000,size=0x200000$ ]]
	line 8 | jq -e '.unmapped == [{"iova": "0x400000", "size": "0x200000"}]'
	line 9 | jq -e '.domain.kernel_mappings == 0 and .domain.mappings == []'
	# torn down at the end: the device can be taken again
	run "$VFIOCTL" domain "$EDU"
	[ "$status" -eq 0 ]
}

@test "batch: a domain destroyed mid-batch frees its group for the next line" {
	cat >"$BATS_TEST_TMPDIR/again.vfc" <<-EOF
		domain create d0 $EDU --backend type1v2
		domain create d1 $EDU --backend type1v2
		domain destroy d0
		domain create d1 $EDU --backend type1v2
		show d1 -o NAME,BACKEND
	EOF
	run --separate-stderr "$VFIOCTL" batch --force "$BATS_TEST_TMPDIR/again.vfc"
	printf '%s\n' "$output" "--- stderr" "$stderr"
	# line 2: the group is held by d0 in this very process (a second open is EBUSY)
	[ "$status" -eq 5 ]
	[[ $stderr == *"again.vfc:2: "* ]]
	[[ $stderr != *"again.vfc:4"* ]]
	[[ $output == *"name:"*"d1"*"backend:"*"type1v2"* ]]
}

@test "batch: the first failing line stops it with FILE:LINE; its domains are torn down" {
	cat >"$BATS_TEST_TMPDIR/fail.vfc" <<-EOF
		domain create d0 $EDU --window 256M
		map d0 4K@0x40000000
		show d0
	EOF
	run --separate-stderr "$VFIOCTL" batch "$BATS_TEST_TMPDIR/fail.vfc"
	printf '%s\n' "$output" "--- stderr" "$stderr"
	[ "$status" -eq 6 ]
	[[ $stderr == *"vfioctl: $BATS_TEST_TMPDIR/fail.vfc:2: map d0: IOVA 0x40000000 (+size) is outside the granted window"* ]]
	[[ $stderr == *"fail.vfc:2: stopping at the first failure"* ]]
	[ "$(grep -c '^name:' <<<"$output")" -eq 1 ]	# show d0 did not run
	run "$VFIOCTL" domain "$EDU"
	[ "$status" -eq 0 ]
}

@test "batch: SIGTERM while waiting for a line tears the domain down and exits 143" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$VFIOCTL" batch - <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec 8>"$BATS_TEST_TMPDIR/fifo"
	echo "domain create d0 $EDU" >&8
	for _ in $(seq 100); do
		grep -q backend "$BATS_TEST_TMPDIR/out" && break
		sleep 0.2
	done
	grep -q backend "$BATS_TEST_TMPDIR/out"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	exec 8>&-
	cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -eq 143 ]
	grep -q "vfioctl: batch: Terminated: named domains torn down" "$BATS_TEST_TMPDIR/err"
	run "$VFIOCTL" domain "$EDU"
	[ "$status" -eq 0 ]
}

# --- the interactive prompt, driven through tmux ----------------------------------------------

load ../helpers/tmux
TMUX_WAIT=60	# TCG: the prompt and its answers come slowly

@test "batch: interactive prompt in tmux: completion, history, ^C, errors do not end it" {
	command -v tmux >/dev/null || { echo "tmux is missing from the root (.ci/packages)"; false; }
	[ -x "${VFIOCTL_EDU_DMA:-}" ] || skip "edu DMA helper not built for this guest"
	tmux -S "$TMUX_SOCK" new-session -d -s vfc -x 220 -y 60 \
		"$VFIOCTL batch; echo EXIT=\$? >$BATS_TEST_TMPDIR/exit; sleep 60"
	wait_pane '^vfioctl> '
	# Tab completes the command, then the verb
	keys 'dom' Tab
	wait_pane '^vfioctl> domain $'
	keys 'cr' Tab
	wait_pane '^vfioctl> domain create $'
	keys "d0 $EDU" Enter
	wait_pane "^backend: +$BACKEND"
	keys 'map d0 64K' Enter
	wait_pane '^0x0 +0x10000 '
	# the domain name completes after a verb that takes one
	keys 'sh' Tab 'd' Tab
	wait_pane '^vfioctl> show d0 $'
	keys Enter
	wait_pane '^kernel_mappings: +1'
	keys "exec d0 -- $VFIOCTL_EDU_DMA $EDU $FDS --len 1024" Enter
	wait_pane 'DMA round trip of 1024 bytes via IOVA 0x100000 matched'
	# history: two lines up is "show d0"
	keys Up Up
	wait_pane '^vfioctl> show d0 *$'
	keys Enter
	for _ in $(seq 100); do
		[ "$(count_pane '^kernel_mappings: +1')" -ge 2 ] && break
		sleep 0.2
	done
	[ "$(count_pane '^kernel_mappings: +1')" -ge 2 ] || { pane; false; }
	# ^C drops the line being typed
	keys 'not a command'
	wait_pane '^vfioctl> not a command$'
	keys C-c	# (sent with the text, the tty would flush the text unread)
	wait_next '^vfioctl> not a command$' '^vfioctl> *$'
	keys 'frobnicate' Enter
	wait_pane '^vfioctl: frobnicate: unknown command'
	keys 'show d0 -o NAME' Enter
	wait_pane '^name: +d0$'
	pane | grep -q 'not: unknown command' && { pane; false; }
	keys 'quit' Enter
	for _ in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/exit" ] && break
		sleep 0.2
	done
	pane
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ]
	run "$VFIOCTL" domain "$EDU"
	[ "$status" -eq 0 ]
}
