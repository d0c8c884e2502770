# shellcheck shell=bash
# Driving an interactive program in tmux from bats (host and guest suites: `load ../helpers/tmux`).
# The caller starts `tmux -S "$TMUX_SOCK" new-session -d -s vfc ...`; TMUX_WAIT is the default
# wait in seconds (20; the TCG guests set more).

# pane: the session's screen and 200 lines of history
pane() { tmux -S "$TMUX_SOCK" capture-pane -p -N -t vfc -S -200; }

# wait_pane REGEX [SECONDS]: until the pane shows REGEX (extended), or fail showing the pane
wait_pane() {
	local i
	for ((i = 0; i < ${2:-${TMUX_WAIT:-20}} * 5; i++)); do
		pane | grep -qE -- "$1" && return 0
		sleep 0.2
	done
	echo "pane never showed /$1/:"
	pane
	return 1
}

# count_pane REGEX: lines of the pane matching REGEX
count_pane() { pane | grep -cE -- "$1" || true; }

# wait_next REGEX NEXT: until the line after the last line matching REGEX matches NEXT
wait_next() {
	local i
	for ((i = 0; i < 100; i++)); do
		pane | grep -A1 -E -- "$1" | tail -n 1 | grep -qE -- "$2" && return 0
		sleep 0.2
	done
	echo "no /$2/ after /$1/:"
	pane
	return 1
}

# keys KEY...: tmux send-keys to the session
keys() { tmux -S "$TMUX_SOCK" send-keys -t vfc "$@"; }
