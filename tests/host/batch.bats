#!/usr/bin/env bats
# vfioctl batch against fixture trees: the line grammar, comments and continuations, FILE:LINE
# in errors, stopping at the first failure and --force, JSON lines, standard input, per-line
# options that do not leak into the next line, the domain verbs' errors (no kernel here), a
# signal, and the interactive prompt in tmux. Real domains: tests/vm/batch.bats.
# shellcheck shell=bash

load helpers

setup_file() {
	require_binary
	make_fixture desktop-gpu
	export FX=$BATS_FILE_TMPDIR/desktop-gpu
}

# script NAME: write stdin to $BATS_TEST_TMPDIR/NAME; prints the path
script() {
	cat >"$BATS_TEST_TMPDIR/$1"
	echo "$BATS_TEST_TMPDIR/$1"
}

# vb ARGS...: vfioctl --sysroot $FX ARGS (stdout in $output, stderr in $stderr)
vb() {
	run --separate-stderr "$VFIOCTL" --sysroot "$FX" "$@"
}

@test "batch: every line's output is what the command alone prints, in order" {
	local f expect
	f=$(script s.vfc <<-'EOF'
		list -o GROUP,BDF
		show 12
		list --devices --class 02
	EOF
	)
	expect=$(
		"$VFIOCTL" --sysroot "$FX" list -o GROUP,BDF
		"$VFIOCTL" --sysroot "$FX" show 12
		"$VFIOCTL" --sysroot "$FX" list --devices --class 02
	)
	vb batch "$f"
	expect_status 0
	[ -z "$stderr" ] || { dump; false; }
	[ "$output" = "$expect" ] || { diff <(echo "$expect") <(echo "$output"); false; }
}

@test "batch: comments, blank lines, quotes and continued lines" {
	local f
	f=$(script c.vfc <<-'EOF'
		# a comment line

		   list --devices -o BDF --class '02'   # a comment after words
		list --devices \
		     -o "BDF,DRIVER" \
		     --class 02
		list --devices -o 'BDF,
		DRIVER' --class 02
	EOF
	)
	vb batch "$f"
	# a quoted newline is part of the word: line 7's column list is "BDF,\nDRIVER"
	expect_status 2
	[ "$(grep -c '^BDF' <<<"$output")" -eq 2 ] || { dump; false; }
	[ "$(grep -c '^0000:04:00.0 *vfio-pci$' <<<"$output")" -eq 1 ] || { dump; false; }
	grep -q "^vfioctl: $f:7: unknown column '\$" <<<"$stderr" || { dump; false; }
	grep -q "^vfioctl: $f:7: stopping" <<<"$stderr" || { dump; false; }
}

@test "batch: the first failure stops it; the message says FILE:LINE; exit status is the line's" {
	local f
	f=$(script stop.vfc <<-'EOF'
		list -o GROUP -n
		show 99
		list -o BDF
	EOF
	)
	vb batch "$f"
	expect_status 3
	grep -qx "vfioctl: $f:2: 99: no such IOMMU group" <<<"$stderr" || { dump; false; }
	grep -qx "vfioctl: $f:2: stopping at the first failure (exit status 3; --force goes on)" \
		<<<"$stderr" || { dump; false; }
	[[ $output != *BDF* ]] || { dump; false; }	# line 3 did not run
	[[ $output == *12* ]]
}

@test "batch: --force runs every line and exits with the first failure's status" {
	local f
	f=$(script force.vfc <<-'EOF'
		show 'not!a-target'
		show 99
		list -o BDF -n --devices --class 02
	EOF
	)
	vb batch --force "$f"
	expect_status 2
	grep -q "^vfioctl: $f:1: not!a-target: " <<<"$stderr" || { dump; false; }
	grep -qx "vfioctl: $f:2: 99: no such IOMMU group" <<<"$stderr" || { dump; false; }
	grep -q 'stopping' <<<"$stderr" && { dump; false; }
	[[ $output == *0000:04:00.0* ]] || { dump; false; }
}

@test "batch: a line continued past the end, and shell operators, are errors with their place" {
	local f
	f=$(script open.vfc <<-'EOF'
		list -o GROUP -n
		list | wc -l
	EOF
	)
	vb batch "$f"
	expect_status 2
	grep -q "^vfioctl: $f:2: column 6: '|': a shell operator" <<<"$stderr" || { dump; false; }
	printf 'list -n -o GROUP\nshow "12\n' >"$BATS_TEST_TMPDIR/q.vfc"
	vb batch "$BATS_TEST_TMPDIR/q.vfc"
	expect_status 2
	grep -qx "vfioctl: $BATS_TEST_TMPDIR/q.vfc:2: unterminated double quote at the end of the input" \
		<<<"$stderr" || { dump; false; }
	# shellcheck disable=SC2016 # the $ is the batch line's, unexpanded on purpose
	printf 'list -n -o GROUP\nshow $HOME\n' >"$BATS_TEST_TMPDIR/d.vfc"
	vb batch "$BATS_TEST_TMPDIR/d.vfc"
	expect_status 2
	grep -q "d.vfc:2: column 6: '\$': a batch line has no expansions" <<<"$stderr" || { dump; false; }
}

@test "batch: -J prints one JSON document per line (JSON lines)" {
	local f n
	f=$(script j.vfc <<-'EOF'
		list
		show 12
		list --devices -o BDF
		show 0000:04:00.0 -o BDF,DRIVER
	EOF
	)
	vb -J batch "$f"
	expect_status 0
	[ "$(wc -l <<<"$output")" -eq 4 ] || { dump; false; }
	n=0
	while IFS= read -r l; do
		n=$((n + 1))
		jq -e '.schema == 1' <<<"$l" >/dev/null || { echo "line $n: $l"; false; }
	done <<<"$output"
	sed -n 2p <<<"$output" | jq -e '.groups[0].group == 12'
	sed -n 4p <<<"$output" | jq -e '.devices[0].driver == "vfio-pci"'
	# the same documents as the commands alone print them (pretty), compacted
	diff <(sed -n 1p <<<"$output") <("$VFIOCTL" --sysroot "$FX" -J list | jq -c .)
}

@test "batch: options of a line hold for that line only" {
	local f
	f=$(script o.vfc <<-'EOF'
		list -o GROUP -n
		list --devices --class 02
		show 12 -J
		show 12
	EOF
	)
	vb batch "$f"
	expect_status 0
	# line 2 has headings and its default columns again; line 3 is JSON, line 4 is not
	grep -q '^BDF ' <<<"$output" || { dump; false; }
	[ "$(grep -c '"schema":1' <<<"$output")" -eq 1 ] || { dump; false; }
	[[ $output =~ ^\ +1$'\n' ]] || { dump; false; }	# line 1 had -n
	diff <(sed -n '/^group:/,$p' <<<"$output") <("$VFIOCTL" --sysroot "$FX" show 12)
}

@test "batch: - and a non-terminal standard input read the script from stdin" {
	vb batch - <<<$'list -o GROUP -n\nshow 99'
	expect_status 3
	grep -qx 'vfioctl: stdin:2: 99: no such IOMMU group' <<<"$stderr" || { dump; false; }
	run --separate-stderr "$VFIOCTL" --sysroot "$FX" batch < <(printf 'list -o GROUP -n\n')
	expect_status 0
	[[ $output == *13* ]]
}

@test "batch: named domain verbs without a domain say so at their line (exit 3)" {
	local f
	f=$(script v.vfc <<-'EOF'
		map d0 64K
		unmap d0 all
		show d0
		reset d0
		exec d0 -- true
		domain destroy d0
	EOF
	)
	vb batch --force "$f"
	expect_status 3
	local verb i=0
	for verb in map unmap show reset exec 'domain destroy'; do
		i=$((i + 1))
		grep -qx "vfioctl: $f:$i: $verb d0: no domain of this name in this session (domain create d0 TARGET... makes one)" \
			<<<"$stderr" || { echo "line $i ($verb)"; dump; false; }
	done
}

@test "batch: domain create checks its name and targets before anything is opened" {
	vb batch --force - <<-'EOF'
		domain create 0d 12
		domain create d0
		domain create d0 99
		domain create d0 1
		domain create d0 12 --window nonsense
	EOF
	expect_status 2
	grep -q "stdin:1: domain create: '0d' is not a domain name" <<<"$stderr" || { dump; false; }
	grep -q "stdin:2: domain create: NAME and a TARGET are required" <<<"$stderr" || { dump; false; }
	grep -qx "vfioctl: stdin:3: 99: no such IOMMU group" <<<"$stderr" || { dump; false; }
	grep -q "stdin:4: 0000:00:01.0: group 1 is not viable: 0000:01:00.0 " <<<"$stderr" ||
		{ dump; false; }
	grep -q "stdin:5: --window: 'nonsense' is not" <<<"$stderr" || { dump; false; }
	[ -z "$output" ] || { dump; false; }
}

@test "batch: a domain name is never mistaken for a target; targets still go to the commands" {
	vb batch - <<<'show 0000:04:00.0 -o DRIVER'
	expect_status 0
	[[ $output =~ ^driver:\ +vfio-pci$ ]] || { dump; false; }
	vb batch - <<<'show g12'
	expect_status 3
	grep -q 'stdin:1: show g12: no domain of this name' <<<"$stderr" || { dump; false; }
}

@test "batch: help, quit, unknown commands, batch inside a batch, a missing file" {
	vb batch - <<<$'help\nquit\nshow 99'
	expect_status 0
	[[ $output == *"domain create"*"NAME TARGET..."* ]] || { dump; false; }
	[[ $output == *"unmap"*"NAME IOVA...|all"* ]] || { dump; false; }
	vb batch - <<<'frobnicate now'
	expect_status 2
	grep -q '^vfioctl: stdin:1: frobnicate: unknown command' <<<"$stderr" || { dump; false; }
	vb batch - <<<'batch -'
	expect_status 2
	grep -q '^vfioctl: stdin:1: batch: not inside a batch' <<<"$stderr" || { dump; false; }
	vb batch "$BATS_TEST_TMPDIR/no-such.vfc"
	expect_status 1
	grep -q "^vfioctl: $BATS_TEST_TMPDIR/no-such.vfc: cannot open the batch file: No such file" \
		<<<"$stderr" || { dump; false; }
	vb batch a b
	expect_status 2
}

@test "batch: a DOS line end is not part of the last word" {
	printf 'list -o GROUP -n\r\nlist --devices -o BDF -n --class 02\r\n' >"$BATS_TEST_TMPDIR/dos.vfc"
	vb batch "$BATS_TEST_TMPDIR/dos.vfc"
	expect_status 0
	[[ $output == *0000:04:00.0* ]] || { dump; false; }
}

@test "batch: a line's --help shows that command's options and the batch goes on" {
	vb batch - <<<$'domain create --help\nlist -o GROUP -n'
	expect_status 0
	[[ $output == *"--window"* && $output == *"--json"* ]] || { dump; false; }
	[[ $output == *13* ]]
}

@test "batch: help COMMAND shows its options; usage errors say Try 'help', not 'vfioctl --help'" {
	vb batch --force - <<<$'help list\nhelp domain create\nhelp map\nlist --bogus\nfrobnicate\nlist -J -r\nhelp nosuch'
	expect_status 2
	[[ $output == *"Usage: vfioctl list [--devices|--tree]"*"--class"* ]] || { dump; false; }
	[[ $output == *"Usage: vfioctl domain create NAME"*"--window"* ]] || { dump; false; }
	[[ $output == *"Usage: vfioctl map NAME"* ]] || { dump; false; }
	[[ $stderr != *"vfioctl --help"* ]] || { echo "a batch line says Try 'vfioctl --help'"; dump; false; }
	grep -qx "vfioctl: stdin:4: list: --bogus: unknown option" <<<"$stderr" || { dump; false; }
	[ "$(grep -c "^Try 'help list' for more information.$" <<<"$stderr")" -eq 2 ] || { dump; false; }
	grep -qx "vfioctl: stdin:5: frobnicate: unknown command" <<<"$stderr" || { dump; false; }
	grep -qx "vfioctl: stdin:7: nosuch: unknown command" <<<"$stderr" || { dump; false; }
	[ "$(grep -c "^Try 'help' for more information.$" <<<"$stderr")" -eq 2 ] || { dump; false; }
	# help alone is still the batch's list, which names help COMMAND
	vb batch - <<<'help'
	expect_status 0
	[[ $output == *"help [COMMAND]"*"quit, exit"* ]] || { dump; false; }
	# the batch's own options are the command line's: vfioctl --help there
	vb batch --bogus
	expect_status 2
	[[ $stderr == *"Try 'vfioctl --help'"* ]] || { dump; false; }
}

@test "batch: SIGTERM while it waits for a line ends it with 143, saying so" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$VFIOCTL" --sysroot "$FX" batch - <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! rc=0 i
	exec 8>"$BATS_TEST_TMPDIR/fifo"
	echo 'list -o GROUP -n' >&8
	for i in $(seq 100); do
		grep -q 13 "$BATS_TEST_TMPDIR/out" && break
		sleep 0.05
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	exec 8>&-
	cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -eq 143 ]
	grep -qx 'vfioctl: batch: Terminated: named domains torn down' "$BATS_TEST_TMPDIR/err"
	grep -q 13 "$BATS_TEST_TMPDIR/out"
}

# --- interactive, in tmux (no kernel: completion of commands, verbs and fixture devices) --------

teardown() {
	[ -z "${TMUX_SOCK:-}" ] || tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
}

load ../helpers/tmux

@test "batch: interactive in tmux: prompt, Tab completion, history, ^C, errors, quit" {
	command -v tmux >/dev/null || { echo "tmux is not installed (it is in .ci/packages)"; false; }
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCK" new-session -d -s vfc -x 200 -y 50 \
		"$VFIOCTL --sysroot $FX batch; echo EXIT=\$? >$BATS_TEST_TMPDIR/exit; sleep 30"
	wait_pane '^vfioctl> '
	keys 'li' Tab
	wait_pane '^vfioctl> list $'
	keys -- '-o GR' Enter
	wait_pane 'unknown column|GR: '
	keys 'list --noh' Tab
	wait_pane '^vfioctl> list --noheadings $'
	keys -- '-o GROUP' Enter
	wait_pane '^ +13$'
	# PCI addresses complete from the (fixture) sysfs; several: their common part, then a list
	keys 'show 0000:04' Tab
	wait_pane '^vfioctl> show 0000:04:00.0 $'
	keys -- '-o DRIVER' Enter
	wait_pane '^driver: +vfio-pci'
	keys 'show 0000:00:1' Tab
	wait_pane '0000:00:1b.0 +0000:00:1c.0 +0000:00:1c.4'
	keys C-u 'unm' Tab
	wait_pane '^vfioctl> unmap +$'
	keys C-u
	# a failing line does not end the session
	keys 'show 99' Enter
	wait_pane '^vfioctl: 99: no such IOMMU group'
	# ^C drops the line being typed
	keys 'not a command'
	wait_pane '^vfioctl> not a command$'
	keys C-c	# (sent with the text, the tty would flush the text unread)
	wait_next '^vfioctl> not a command$' '^vfioctl> *$'
	# history: Up brings back the last line run
	keys Up
	wait_pane '^vfioctl> show 99 *$'
	keys C-u 'quit' Enter
	for _ in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/exit" ] && break
		sleep 0.1
	done
	pane | grep -q 'not: unknown command' && { pane; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ] || { pane; false; }
}
