#!/usr/bin/env bats
# Shell completions: generated from the command table (completions/gen), bash exercised by
# calling its completion function the way bash does, zsh and fish syntax-checked (and fish
# queried) when those shells are installed.
# shellcheck shell=bash

load helpers

setup_file() {
	require_binary
	make_fixture desktop-gpu
	export FX=$BATS_FILE_TMPDIR/desktop-gpu
	export GEN=$BATS_FILE_TMPDIR/gen
	mkdir -p "$GEN"
	"$VFIOCTL" --dump-commands >"$GEN/table"
	for sh in bash zsh fish; do
		"$TOP/completions/gen" "$sh" "$GEN/table" >"$GEN/vfioctl.$sh"
	done
}

# comp LINE: complete LINE (cursor at its end) as bash would; prints each candidate as the
# whole word would read after completion, one per line, into $output.
comp() {
	local line=$1 w keep reply
	# shellcheck disable=SC1091
	source "$GEN/vfioctl.bash"
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDS=()
	# readline's split: blanks separate words; runs of ':' and '=' are words of their own
	set -f
	for w in $line; do
		while [[ -n $w ]]; do
			if [[ $w =~ ^([:=]+)(.*)$ || $w =~ ^([^:=]+)(.*)$ ]]; then
				COMP_WORDS+=("${BASH_REMATCH[1]}")
				w=${BASH_REMATCH[2]}
			fi
		done
	done
	set +f
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vfioctl || return 1
	# readline keeps the current word up to its last break character and appends the reply
	w=${line##*[[:space:]]}
	keep=${w%"${w##*[:=]}"}
	output=
	for reply in "${COMPREPLY[@]}"; do
		output+="$keep$reply"$'\n'
	done
	output=${output%$'\n'}
}

# has WORD...: every WORD is a candidate
has() {
	local w
	for w in "$@"; do
		if ! grep -qxF -- "$w" <<<"$output"; then
			printf 'candidate %s missing; got:\n%s\n' "$w" "$output"
			return 1
		fi
	done
}

# hasnt WORD...: no WORD is a candidate
hasnt() {
	local w
	for w in "$@"; do
		if grep -qxF -- "$w" <<<"$output"; then
			printf 'unexpected candidate %s; got:\n%s\n' "$w" "$output"
			return 1
		fi
	done
}

# table KIND FIELD [OWNER]: a column of the command table
table() {
	awk -F'\t' -v k="$1" -v f="$2" -v o="${3:-}" '$1 == k && (o == "" || $2 == o) { print $f }' \
		"$GEN/table"
}

@test "the generator writes all three shells from the table, and refuses an empty one" {
	for sh in bash zsh fish; do
		[ -s "$GEN/vfioctl.$sh" ]
		! grep -n '@DATA@' "$GEN/vfioctl.$sh"
	done
	run "$TOP/completions/gen" bash /dev/null
	[ "$status" -ne 0 ]
	[[ $output == *"no commands"* ]]
	run "$TOP/completions/gen" tcsh "$GEN/table"
	[ "$status" -ne 0 ]
}

@test "make's generated completions are the generator's output for this binary" {
	local built=$TOP/build/completions/vfioctl.bash
	[ "$VFIOCTL" = "$TOP/build/vfioctl" ] || skip "checked once, for the default build"
	[ -f "$built" ] || { echo "no $built: make did not generate completions"; return 1; }
	diff -u "$built" "$GEN/vfioctl.bash"
}

@test "bash: every command of the table completes, and nothing else" {
	comp "$VFIOCTL "
	[ "$(sort <<<"$output")" = "$(table command 2 | sort)" ]
	comp "$VFIOCTL --sysroot $FX "
	[ "$(sort <<<"$output")" = "$(table command 2 | sort)" ]
	comp "$VFIOCTL -J l"
	has list
	hasnt show
}

@test "bash: every command offers its own options and the global ones, and no other command's" {
	local cmd other opt
	for cmd in $(table command 2); do
		comp "$VFIOCTL $cmd -"
		for opt in $(table option 3 "$cmd") $(table option 3 global); do
			has "$opt"
		done
		for other in $(table command 2); do
			[ "$other" = "$cmd" ] && continue
			for opt in $(table option 3 "$other"); do
				# a global option's name a command reuses (cdi --output) is still global
				grep -qxF -- "$opt" < <(table option 3 "$cmd"; table option 3 global) ||
					hasnt "$opt"
			done
		done
	done
	# before the command: the global options only
	comp "$VFIOCTL -"
	for opt in $(table option 3 global); do has "$opt"; done
	hasnt --devices
}

@test "bash: a command's verbs (subcommand records of the table) come first, then its arguments" {
	grep -qx $'subcommand\tbench\tmap\t.*' "$GEN/table"
	comp "$VFIOCTL --sysroot $FX bench "
	[ "$output" = map ] || { echo "got: $output"; false; }
	comp "$VFIOCTL --sysroot $FX bench --size 4K "
	[ "$output" = map ] || { echo "got: $output"; false; }
	comp "$VFIOCTL --sysroot $FX bench map "
	has 0000:04:00.0 12
	hasnt map
}

@test "bash, fish: help completes the command names once (issue 23 item 16b)" {
	grep -qx $'command\thelp\t\\[COMMAND\\]\t.*' "$GEN/table"
	comp "$VFIOCTL help "
	[ "$output" = "$(table command 2)" ] || { echo "got: $output"; false; }
	comp "$VFIOCTL help li"
	[ "$output" = list ] || { echo "got: $output"; false; }
	comp "$VFIOCTL help list "
	[ -z "$output" ] || { echo "got: $output"; false; }
	command -v fish >/dev/null || return 0
	run fish -c "source $GEN/vfioctl.fish; complete -C 'vfioctl help ba'"
	[ "$(cut -f1 <<<"$output")" = batch ] || { echo "fish got: $output"; false; }
}

@test "bash: BDFs and groups of the --sysroot tree complete for show" {
	comp "$VFIOCTL --sysroot $FX show "
	has 0000:01:00.0 0000:01:00.1 0000:04:00.0 1 12 13
	comp "$VFIOCTL --sysroot $FX show 0000:01:"
	[ "$output" = $'0000:01:00.0\n0000:01:00.1' ]
	comp "$VFIOCTL --sysroot=$FX show 0000:04"
	[ "$output" = 0000:04:00.0 ]
	comp "$VFIOCTL --sysroot $FX show 0000:01:00.0 1"
	has 1 10 12 13
	hasnt 0000:01:00.0 2
	comp "$VFIOCTL --sysroot $FX show g"
	has group:1 group:12
	comp "$VFIOCTL --sysroot $FX show 01:"
	[ "$output" = $'01:00.0\n01:00.1' ]
}

@test "bash: readline gets only the text after the last ':' (no doubled prefixes)" {
	source "$GEN/vfioctl.bash"
	COMP_LINE="vfioctl --sysroot $FX show 0000:01:00.1"
	COMP_POINT=${#COMP_LINE}
	COMP_WORDS=(vfioctl --sysroot "$FX" show 0000 : 01 : 00.1)
	COMP_CWORD=8
	PATH=$(dirname "$VFIOCTL"):$PATH
	_vfioctl || return 1
	[ "${COMPREPLY[*]}" = 00.1 ]
}

@test "bash: the line's --sysroot decides the devices (another tree, other BDFs)" {
	comp "$VFIOCTL --sysroot $FX show 0000:05"
	[ "$output" = 0000:05:00.0 ]
	mkdir -p "$BATS_TEST_TMPDIR/empty/sys/bus/pci/devices" "$BATS_TEST_TMPDIR/empty/sys/kernel/iommu_groups"
	comp "$VFIOCTL --sysroot $BATS_TEST_TMPDIR/empty show 0000:05"
	[ -z "$output" ]
}

@test "bash: option arguments: columns, drivers, ids, directories" {
	comp "$VFIOCTL --sysroot $FX list -o GROUP,B"
	has GROUP,BDF
	comp "$VFIOCTL --sysroot $FX list --output=+VI"
	has --output=+VIABLE
	comp "$VFIOCTL --sysroot $FX list --driver vf"
	[ "$output" = vfio-pci ]
	comp "$VFIOCTL --sysroot $FX list --id 10de:22"
	[ "$output" = 10de:2204 ]
	mkdir -p "$BATS_TEST_TMPDIR/dirs/alpha" "$BATS_TEST_TMPDIR/dirs/beta"
	comp "$VFIOCTL --sysroot $BATS_TEST_TMPDIR/dirs/al"
	[ "$output" = "$BATS_TEST_TMPDIR/dirs/alpha" ]
	comp "$VFIOCTL --sysroot=$BATS_TEST_TMPDIR/dirs/be"
	[ "$output" = "--sysroot=$BATS_TEST_TMPDIR/dirs/beta" ]
}

@test "bash: bench offers its subcommand map first, then targets" {
	comp "$VFIOCTL --sysroot $FX bench "
	[ "$output" = map ]
	comp "$VFIOCTL --sysroot $FX bench m"
	[ "$output" = map ]
	comp "$VFIOCTL --sysroot $FX bench map "
	has 0000:01:00.0 12
	hasnt map
	comp "$VFIOCTL --sysroot $FX bench --size 8M "
	[ "$output" = map ]
	# a command without a literal word is unchanged
	comp "$VFIOCTL --sysroot $FX show "
	has 0000:01:00.0
}

@test "bash: monitor --action offers the actions its description names, comma list" {
	comp "$VFIOCTL monitor --action "
	has add remove bind unbind change move online offline
	comp "$VFIOCTL monitor --action o"
	[ "$output" = $'online\noffline' ]
	comp "$VFIOCTL monitor -a add,re"
	[ "$output" = add,remove ]
	comp "$VFIOCTL monitor --action=un"
	[ "$output" = --action=unbind ]
}

@test "bash: restore offers the journalled devices (what --all covers), else every target" {
	local r=$BATS_TEST_TMPDIR/fx
	cp -a "$FX" "$r"
	mkdir -p "$r/run/vfioctl"
	chmod 700 "$r/run/vfioctl"
	printf 'vfioctl-journal 1\nbdf %s\ndriver %s\noverride -\nvendor -1\ndevice -1\npid 1\ntime 1\n' \
		0000:04:00.0 nvme >"$r/run/vfioctl/0000:04:00.0"
	chmod 600 "$r/run/vfioctl/0000:04:00.0"
	"$VFIOCTL" --sysroot "$r" -r -n -o BDF restore --all --dry-run | grep -qx 0000:04:00.0 ||
		skip "cannot read the fixture's journal as $(id -un) (root owns journals)"
	comp "$VFIOCTL --sysroot $r restore "
	[ "$output" = 0000:04:00.0 ]
	comp "$VFIOCTL --sysroot $r restore 04:"
	[ "$output" = 04:00.0 ]
	# no journal: nothing to restore, nothing offered
	rm -f "$r/run/vfioctl/0000:04:00.0"
	comp "$VFIOCTL --sysroot $r restore "
	[ -z "$output" ]
	# other commands still offer every device
	comp "$VFIOCTL --sysroot $r unbind "
	has 0000:01:00.0 0000:04:00.0
}

@test "bash: an option's argument is not taken for the command" {
	# "-o BDF" must not make BDF the command; "list" after it is
	comp "$VFIOCTL --sysroot $FX -o BDF list --dev"
	[ "$output" = --devices ]
}

@test "bash: real readline completes a BDF (interactive bash on a pty)" {
	command -v python3 >/dev/null || skip "python3 not installed"
	run python3 - "$GEN/vfioctl.bash" "$(dirname "$VFIOCTL")" "vfioctl --sysroot $FX show 0000:04" <<'EOF'
import os, pty, select, sys, time
comp, bindir, line = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(PS1="$ ", PATH=bindir + ":" + os.environ["PATH"], INPUTRC="/dev/null")
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
def wait_for(marker, limit=60.0):
    # The shell handles keys in order: completion is done before the next key is read, so
    # waiting for a marker is exact where fixed sleeps were flaky on a loaded machine.
    out, end = b"", time.time() + limit
    while time.time() < end and marker not in out:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out
os.write(fd, b"source " + comp.encode() + b"; echo SET''UP-DONE\n")
wait_for(b"SETUP-DONE")
os.write(fd, line.encode() + b"\t" + b"\x01echo LINE: \n")   # C-a: prefix the completed line
out = wait_for(b"\nLINE: ").decode(errors="replace")
out += wait_for(b"\n", 5.0).decode(errors="replace")
os.write(fd, b"exit\n")
for l in out.splitlines():
    if l.startswith("LINE: "):
        print(l[6:].strip())
EOF
	[ "$status" -eq 0 ]
	[ "$output" = "vfioctl --sysroot $FX show 0000:04:00.0" ]
}

@test "zsh completion parses (zsh -n)" {
	command -v zsh >/dev/null || skip "zsh not installed"
	zsh -n "$GEN/vfioctl.zsh"
	head -1 "$GEN/vfioctl.zsh" | grep -qx '#compdef vfioctl'
}

# zsh_complete LINE: type LINE and TAB into an interactive zsh with compinit and our _vfioctl;
# prints the line as completed
zsh_complete() {
	mkdir -p "$BATS_TEST_TMPDIR/zfunc"
	cp "$GEN/vfioctl.zsh" "$BATS_TEST_TMPDIR/zfunc/_vfioctl"
	python3 - "$BATS_TEST_TMPDIR/zfunc" "$(dirname "$VFIOCTL")" "$1" <<'EOF'
import os, pty, select, sys, time
fdir, bindir, line = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(PATH=bindir + ":" + os.environ["PATH"], HOME=fdir)
    os.execvp("zsh", ["zsh", "-f", "-i"])
def wait_for(marker, limit=60.0):
    # The shell handles keys in order: completion is done before the next key is read, so
    # waiting for a marker is exact where fixed sleeps were flaky on a loaded machine.
    out, end = b"", time.time() + limit
    while time.time() < end and marker not in out:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out
os.write(fd, ("PS1='$ '; fpath=(%s $fpath); autoload -Uz compinit; compinit -u -D; "
              "echo SET''UP-DONE\n" % fdir).encode())
wait_for(b"SETUP-DONE")
os.write(fd, line.encode() + b"\t" + b"\x01echo LINE: \n")
out = wait_for(b"\nLINE: ").decode(errors="replace")
out += wait_for(b"\n", 5.0).decode(errors="replace")
os.write(fd, b"exit\n")
for l in out.splitlines():
    if l.startswith("LINE: "):
        print(l[6:].strip())
EOF
}

@test "zsh: real completion on a pty: command, option, BDF, column" {
	command -v zsh >/dev/null || skip "zsh not installed"
	run zsh_complete "vfioctl --sysroot $FX sh"
	[ "$output" = "vfioctl --sysroot $FX show" ]
	run zsh_complete "vfioctl --sysroot $FX show 0000:04"
	[ "$output" = "vfioctl --sysroot $FX show 0000:04:00.0" ]
	run zsh_complete "vfioctl --sysroot $FX list --not-v"
	[ "$output" = "vfioctl --sysroot $FX list --not-viable" ]
	run zsh_complete "vfioctl --sysroot $FX list -o GROUP,BD"
	[ "$output" = "vfioctl --sysroot $FX list -o GROUP,BDF" ]
	# issue 23 item 15: bench's subcommand, monitor's actions
	run zsh_complete "vfioctl --sysroot $FX bench "
	[ "$output" = "vfioctl --sysroot $FX bench map" ]
	run zsh_complete "vfioctl monitor --action add,unb"
	[ "$output" = "vfioctl monitor --action add,unbind" ]
}

@test "fish completion parses (fish -n) and completes commands and BDFs" {
	command -v fish >/dev/null || skip "fish not installed"
	fish -n "$GEN/vfioctl.fish"
	run fish -c "set PATH $(dirname "$VFIOCTL") \$PATH; source $GEN/vfioctl.fish; complete -C 'vfioctl '"
	[ "$(cut -f1 <<<"$output" | sort)" = "$(table command 2 | sort)" ]
	run fish -c "set PATH $(dirname "$VFIOCTL") \$PATH; source $GEN/vfioctl.fish; complete -C 'vfioctl --sysroot $FX show 0000:01'"
	[ "$output" = $'0000:01:00.0\n0000:01:00.1' ]
	# issue 23 item 15: bench's subcommand first, then targets; monitor's actions
	run fish -c "set PATH $(dirname "$VFIOCTL") \$PATH; source $GEN/vfioctl.fish; complete -C 'vfioctl --sysroot $FX bench '"
	[ "$output" = map ]
	run fish -c "set PATH $(dirname "$VFIOCTL") \$PATH; source $GEN/vfioctl.fish; complete -C 'vfioctl --sysroot $FX bench map 0000:01'"
	[ "$output" = $'0000:01:00.0\n0000:01:00.1' ]
	run fish -c "source $GEN/vfioctl.fish; complete -C 'vfioctl monitor --action onl'"
	[ "$(cut -f1 <<<"$output")" = online ]
}
