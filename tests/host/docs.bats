#!/usr/bin/env bats
# Man pages: lint-clean, and in step with the binary. Every command and option of the command
# table (`vfioctl --dump-commands`) must be documented in vfioctl(8) under its own command, no
# command may be documented that the binary lacks, and EXIT STATUS lists exactly the codes of
# `vfioctl --help`. See man/README for how to document a new command.
# shellcheck shell=bash

load helpers

MAN8=$TOP/man/vfioctl.8

setup_file() {
	require_binary
	command -v mandoc >/dev/null || {
		echo "mandoc is not installed (it is in .ci/packages)" >&2
		return 1
	}
	export TABLE=$BATS_FILE_TMPDIR/table TEXT=$BATS_FILE_TMPDIR/vfioctl.8.txt
	"$VFIOCTL" --dump-commands >"$TABLE"
	# plain text: no overstrike, no line breaks inside headings
	mandoc -T ascii -O width=400 "$MAN8" | sed 's/.\x08//g' >"$TEXT"
}

# section NAME: the rendered text of a top-level section (.SH)
section() {
	awk -v s="$1" '/^[^ ]/ { on = ($0 == s); next } on' "$TEXT"
}

# subsection CMD: the text of the COMMANDS subsection (.SS) whose heading starts with CMD
subsection() {
	section COMMANDS | awk -v c="$1" '
		/^   [^ ]/ { split($0, w, " "); on = (w[1] == c); next }
		on'
}

# headings: the first word of every COMMANDS subsection heading
headings() {
	section COMMANDS | awk '/^   [^ ]/ { print $1 }'
}

@test "every man page is mandoc-lint clean (warnings fail)" {
	local page out n=0
	for page in "$TOP"/man/*.[1-8]; do
		n=$((n + 1))
		out=$(mandoc -T lint -W warning "$page" 2>&1) || { echo "$out"; return 1; }
		[ -z "$out" ] || { echo "$out"; return 1; }
	done
	[ "$n" -ge 1 ]
}

@test "every command of the binary has its section in vfioctl(8), headed by its synopsis" {
	local name args heading
	while IFS=$'\t' read -r _ name args _; do
		heading=$(section COMMANDS | awk -v c="$name" '/^   [^ ]/ { split($0, w, " "); if (w[1] == c) { sub(/^   /, ""); print } }')
		if [ -z "$heading" ]; then
			echo "vfioctl(8) has no COMMANDS subsection for '$name' (see man/README)"
			return 1
		fi
		if [ "$heading" != "$name $args" ]; then
			echo "vfioctl(8) heading for '$name' is '$heading'; the binary says '$name $args'"
			return 1
		fi
	done < <(grep '^command	' "$TABLE")
}

@test "vfioctl(8) documents no command the binary lacks" {
	local h
	for h in $(headings); do
		if ! grep -q "^command	$h	" "$TABLE"; then
			echo "vfioctl(8) documents '$h', which vfioctl --dump-commands does not list"
			return 1
		fi
	done
	[ -n "$(headings)" ]
}

@test "every option is documented: global ones in OPTIONS, the others under their command" {
	local owner long short text missing=0
	while IFS=$'\t' read -r _ owner long short _; do
		if [ "$owner" = global ]; then
			text=$(section OPTIONS)
		else
			text=$(subsection "$owner")
		fi
		if ! grep -qE -- "(^|[ ,\[])$long([ ,=]|$)" <<<"$text"; then
			echo "vfioctl(8): $owner option $long is not documented"
			missing=1
		fi
		if [ "$short" != - ] && ! grep -qE -- "(^|[ \[])$short," <<<"$text"; then
			echo "vfioctl(8): $owner option $long: its short form $short is not documented"
			missing=1
		fi
	done < <(grep '^option	' "$TABLE")
	[ "$missing" = 0 ]
}

@test "EXIT STATUS lists exactly the exit codes of vfioctl --help" {
	local help man
	run "$VFIOCTL" --help
	[ "$status" -eq 0 ]
	# "Exit status: 0 ok, 1 failed, ..." possibly over several lines, up to "See vfioctl(8)"
	help=$(sed -n '/^Exit status:/,/vfioctl(8)/p' <<<"$output" | grep -oE '(^|[:,] ?)[0-9]+ ' |
		grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
	man=$(section "EXIT STATUS" | grep -oE '^       [0-9]+( |$)' | tr -d ' ' | sort -n | tr '\n' ' ')
	[ -n "$help" ] || { echo "no 'Exit status:' in vfioctl --help"; return 1; }
	if [ "$help" != "$man" ]; then
		echo "vfioctl --help exit codes: $help"
		echo "vfioctl(8) EXIT STATUS:    $man"
		return 1
	fi
}

@test "vfioctl(8) has the sections admins look for" {
	local s
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS TARGETS OUTPUT "EXIT STATUS" \
		ENVIRONMENT FILES EXAMPLES; do
		grep -qx -- "$s" "$TEXT" || { echo "vfioctl(8) has no $s section"; return 1; }
	done
	# ENVIRONMENT names every VFIOCTL_* variable the source reads (test hooks excepted)
	local v
	for v in $(grep -rhoE 'getenv\("VFIOCTL_[A-Z_]+' "$TOP/src" | sed 's/getenv("//' | sort -u); do
		[[ $v == VFIOCTL_TEST_* ]] && continue
		section ENVIRONMENT | grep -q "$v" || { echo "ENVIRONMENT lacks $v"; return 1; }
	done
}

@test "the man pages carry the Makefile's VERSION" {
	local version page
	# written once, in vfioctl.spec; the Makefile reads it
	version=$(make -s -C "$TOP" print-version)
	[ -n "$version" ]
	for page in "$TOP"/man/*.[1-8]; do
		grep -q "^\.TH .*\"vfioctl $version\"" "$page" ||
			{ echo "$page: .TH does not say \"vfioctl $version\""; return 1; }
	done
}
