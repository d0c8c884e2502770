#!/usr/bin/env bats
# Packaging (issue 23): what `make install` lays out for any PREFIX, what the shipped files do on
# a host where nothing is configured, the build flags under distro flags, and the Debian package
# (dpkg-buildpackage, lintian, install and purge in a throwaway overlay of this root).
# The RPM side is tests/host/rpm.bats.
# shellcheck shell=bash

load helpers

setup_file() {
	export PKGTMP=$BATS_FILE_TMPDIR/pkg
	mkdir -p "$PKGTMP"
}

skip_unless_default() {
	[ "$VFIOCTL" = "$TOP/build/vfioctl" ] || skip "packaging is checked once, in the default build's run"
}

# stage_install DIR ARGS...: make install into DIR with the given variables
stage_install() {
	local dir=$1
	shift
	make -s -C "$TOP" install DESTDIR="$dir" "$@" >"$PKGTMP/install.log" 2>&1 ||
		{ cat "$PKGTMP/install.log"; return 1; }
}

@test "packaging: with PREFIX=/usr/local the installed udev rule and unit run /usr/local/sbin/vfioctl" {
	skip_unless_default
	local d=$PKGTMP/local rule unit
	stage_install "$d" PREFIX=/usr/local
	[ -x "$d/usr/local/sbin/vfioctl" ]
	rule=$(find "$d" -name '*vfioctl*.rules')
	unit=$(find "$d" -name 'vfioctl*.service')
	[ -n "$rule" ] && [ -n "$unit" ]
	# every program the rule runs and the unit starts is the installed one
	grep -o 'RUN+="[^" ]*' "$rule" | sed 's/^RUN+="//' | sort -u >"$PKGTMP/run"
	cat "$PKGTMP/run"
	[ "$(cat "$PKGTMP/run")" = /usr/local/sbin/vfioctl ]
	sed -n 's/^Exec[A-Za-z]*=[-@+!:]*\([^ ]*\).*/\1/p' "$unit" | sort -u >"$PKGTMP/exec"
	cat "$PKGTMP/exec"
	[ "$(cat "$PKGTMP/exec")" = /usr/local/sbin/vfioctl ]
	# nothing left of a template
	! grep -rn '@[A-Z_]*@' "$d"/usr/local/lib
	# and with the default prefix, /usr/sbin
	stage_install "$PKGTMP/usr"
	grep -q 'RUN+="/usr/sbin/vfioctl ' "$(find "$PKGTMP/usr" -name '*vfioctl*.rules')"
	grep -q '^ExecStart=/usr/sbin/vfioctl ' "$(find "$PKGTMP/usr" -name 'vfioctl*.service')"
}

@test "packaging: nothing configured: the rule's TEST and the unit's condition are false after install" {
	skip_unless_default
	local d=$PKGTMP/fresh rule unit tested cond
	stage_install "$d"
	rule=$(find "$d" -name '*vfioctl*.rules')
	unit=$(find "$d" -name 'vfioctl*.service')
	# the paths the rule tests and the unit's conditions name: the file the tool reads
	tested=$(grep -o 'TEST=="[^"]*"' "$rule" | sed 's/^TEST=="//; s/"$//' | sort -u)
	cond=$(sed -n 's/^ConditionPathExists=//p' "$unit" | sort -u)
	echo "rule tests: $tested; unit condition: $cond"
	[ "$tested" = /etc/vfioctl.conf ]
	[ "$cond" = /etc/vfioctl.conf ]
	grep -q 'define VFC_CONF_PATH "/etc/vfioctl.conf"' "$TOP/src/core/conf.h"
	# the package creates no such file: udev spawns nothing and the unit is skipped until an
	# admin (or `bind --persist`) writes one
	[ ! -e "$d/etc/vfioctl.conf" ]
	# the commented template is installed as an example
	grep -q '^#0000:01:00.0$' "$d/usr/share/doc/vfioctl/examples/vfioctl.conf"
}

@test "packaging: no configuration file: apply does nothing and says nothing (exit 0)" {
	make_fixture desktop-gpu
	rm -f "$BATS_FILE_TMPDIR/desktop-gpu/etc/vfioctl.conf"
	vf desktop-gpu -q apply
	expect_status 0
	[ -z "$output" ] && [ -z "$stderr" ] || { dump; return 1; }
	# the rule's form: one device
	vf desktop-gpu -q apply --device 0000:01:00.0
	expect_status 0
	[ -z "$output" ] && [ -z "$stderr" ] || { dump; return 1; }
}

@test "packaging: distro flags that define _FORTIFY_SOURCE build without a redefinition warning" {
	skip_unless_default
	local b=$PKGTMP/fortify obj=src/core/pciaddr.o f
	# dpkg-buildflags puts it in CPPFLAGS, rpm's optflags in CFLAGS; both, and the undefine form
	for f in CPPFLAGS=-D_FORTIFY_SOURCE=2 CFLAGS="-O2 -Wp,-D_FORTIFY_SOURCE=2" \
		CPPFLAGS=-U_FORTIFY_SOURCE; do
		rm -rf "$b"
		make -s -C "$TOP" BUILDDIR="$b" "$f" "$b/$obj" >"$PKGTMP/fortify.log" 2>&1 ||
			{ cat "$PKGTMP/fortify.log"; return 1; }
		if grep -n 'redefined\|FORTIFY' "$PKGTMP/fortify.log"; then
			echo "with $f"
			return 1
		fi
	done
	# without distro flags the Makefile's own -D_FORTIFY_SOURCE=3 is there
	make -s -C "$TOP" -n -B BUILDDIR="$b" "$b/$obj" | grep -q -- '-D_FORTIFY_SOURCE=3'
	! make -s -C "$TOP" -n -B BUILDDIR="$b" CPPFLAGS=-D_FORTIFY_SOURCE=2 "$b/$obj" |
		grep -q -- '-D_FORTIFY_SOURCE=3'
}

@test "packaging: the version is written once: vfioctl.spec, and debian/changelog and %changelog agree" {
	local version
	version=$(make -s -C "$TOP" print-version)
	[ "$version" = "$(sed -n 's/^Version:[[:space:]]*//p' "$TOP/vfioctl.spec")" ]
	! grep -nE '^VERSION[[:space:]]*:?=[[:space:]]*[0-9]' "$TOP/Makefile"
	# the newest changelog entries name it (they are histories, so they repeat it once)
	[ "$(sed -n '1s/^vfioctl (\([^)]*\)).*/\1/p' "$TOP/debian/changelog")" = "$version" ]
	sed -n '/^%changelog/,$p' "$TOP/vfioctl.spec" | sed -n '2p' | grep -q -- "- $version-1\$"
	# the binary says it
	run "$VFIOCTL" --version
	[[ $output == *"$version"* ]]
}

# deb_build: `make deb` of the tracked files as they are now (uncommitted edits too), once
deb_build() {
	[ -e "$TOP/.git" ] || skip "not a git checkout: make dist needs git"
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
		{ echo "dpkg-buildpackage or dh missing (dpkg-dev, debhelper: .ci/packages)"; return 1; }
	DEB_OUT=$BATS_FILE_TMPDIR/deb
	if [ ! -f "$DEB_OUT/ok" ]; then
		local ref t=$SECONDS
		ref=$(git -C "$TOP" stash create 2>/dev/null)
		ref=${ref:-HEAD}
		# CI's budget is 2 minutes for the build and lintian (measured 82 s + 22 s at a load
		# of 12 on 2 cores): nocheck, the unit tests run in this suite's own layer already;
		# noautodbgsym, the -dbgsym package is debhelper's, not ours
		DEB_BUILD_OPTIONS="nocheck noautodbgsym" make -s -C "$TOP" deb DIST_REF="$ref" DEB_OUT="$DEB_OUT" \
			BUILDDIR="$BATS_FILE_TMPDIR/debbuild" >"$BATS_FILE_TMPDIR/deb.log" 2>&1 ||
			{ tail -40 "$BATS_FILE_TMPDIR/deb.log"; return 1; }
		echo "dpkg-buildpackage: $((SECONDS - t)) s" >"$DEB_OUT/ok"
	fi
	DEB=$(ls "$DEB_OUT"/vfioctl_*.deb)
}

@test "packaging: dpkg-buildpackage -us -uc -b builds the .deb, without a compiler warning" {
	skip_unless_default
	deb_build
	cat "$DEB_OUT/ok"
	[ -f "$DEB" ]
	# the distro flags reached the compiler, and nothing warned (FORTIFY above all)
	grep -q -- '-D_FORTIFY_SOURCE=2' "$BATS_FILE_TMPDIR/deb.log"
	! grep -n 'warning:' "$BATS_FILE_TMPDIR/deb.log"
	# what it holds: the Debian places, the programs the rule and unit run
	dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$BATS_FILE_TMPDIR/deb.files"
	local f
	for f in /usr/sbin/vfioctl /lib/udev/rules.d/60-vfioctl.rules \
		/lib/systemd/system/vfioctl.service /usr/share/man/man8/vfioctl.8.gz \
		/usr/share/man/man5/vfioctl.conf.5.gz /usr/share/doc/vfioctl/examples/vfioctl.conf \
		/usr/share/doc/vfioctl/copyright /usr/share/bash-completion/completions/vfioctl \
		/usr/share/zsh/vendor-completions/_vfioctl \
		/usr/share/fish/vendor_completions.d/vfioctl.fish; do
		grep -qx "$f" "$BATS_FILE_TMPDIR/deb.files" || { echo "not in the .deb: $f"; return 1; }
	done
	# no conffile: nothing in /etc, so purging has no admin file of its own to remove
	! grep '^/etc/.' "$BATS_FILE_TMPDIR/deb.files"
	dpkg-deb --ctrl-tarfile "$DEB" | tar -tf - | grep -vqx './conffiles'
	dpkg-deb -x "$DEB" "$BATS_FILE_TMPDIR/debx"
	grep -q 'RUN+="/usr/sbin/vfioctl ' "$BATS_FILE_TMPDIR/debx/lib/udev/rules.d/60-vfioctl.rules"
	grep -qx 'ExecStart=/usr/sbin/vfioctl apply' "$BATS_FILE_TMPDIR/debx/lib/systemd/system/vfioctl.service"
}

@test "packaging: lintian finds no error and no warning in the .deb" {
	skip_unless_default
	command -v lintian >/dev/null || { echo "lintian is not installed (.ci/packages)"; return 1; }
	deb_build
	local t=$SECONDS
	run lintian --fail-on error,warning --info "$DEB_OUT"/vfioctl_*.changes "$DEB"
	echo "lintian: $((SECONDS - t)) s"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -E '^(E|W): ' <<<"$output"
}

# in_overlay SCRIPT: run SCRIPT (bash) chrooted into a throwaway overlay of this root (tmpfs-like
# upper directory $OV/upper), in a private mount namespace: dpkg -i there changes nothing here.
in_overlay() {
	unshare -m bash -c '
		set -e
		mount -t overlay overlay -o "lowerdir=/,upperdir=$OV/upper,workdir=$OV/work" "$OV/root"
		mount -t proc proc "$OV/root/proc"
		mount --rbind /dev "$OV/root/dev"
		mount --bind "$DEB_OUT" "$OV/root/mnt"
		exec chroot "$OV/root" /bin/bash -euo pipefail -c "$1"' bash "$1"
}

@test "packaging: the .deb installs and purges cleanly (an overlay of this root), enabling a unit that stays idle" {
	skip_unless_default
	[ "$(id -u)" = 0 ] || skip "installing into an overlay of / needs root (unshare -m, mount)"
	unshare -m true 2>/dev/null || skip "no private mount namespace here (unshare -m)"
	deb_build
	export OV=$BATS_FILE_TMPDIR/ov DEB_OUT
	rm -rf "$OV"
	mkdir -p "$OV/upper" "$OV/work" "$OV/root"
	! dpkg-query -W vfioctl 2>/dev/null | grep -q . || skip "vfioctl is installed on this host"
	run in_overlay '
		dpkg -i /mnt/vfioctl_*.deb
		dpkg-query -W -f="\${Status}\n" vfioctl | grep -qx "install ok installed"
		/usr/sbin/vfioctl --version
		test -f /lib/udev/rules.d/60-vfioctl.rules
		test ! -e /etc/vfioctl.conf
		# enabled (a symlink in sysinit.target.wants), idle until /etc/vfioctl.conf exists
		test -L /etc/systemd/system/sysinit.target.wants/vfioctl.service
		# nothing configured: apply does nothing
		/usr/sbin/vfioctl -q apply
		dpkg --purge vfioctl
		! dpkg-query -W -f="\${Status}\n" vfioctl 2>/dev/null | grep -q installed
		test ! -e /usr/sbin/vfioctl
		test ! -e /etc/systemd/system/sysinit.target.wants/vfioctl.service
		echo installed-and-purged'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *installed-and-purged* ]]
	# what is left of it in the overlay: only dpkg's own bookkeeping and logs
	(cd "$OV/upper" && find . ! -type d | sed 's|^\.||' | sort) >"$BATS_FILE_TMPDIR/left"
	# (man-db's trigger refreshes its index cache)
	grep -v -E '^/var/(lib/dpkg|log|cache/debconf|cache/ldconfig|cache/man)/' \
		"$BATS_FILE_TMPDIR/left" >"$BATS_FILE_TMPDIR/stray" || true
	if [ -s "$BATS_FILE_TMPDIR/stray" ]; then
		echo "left behind after the purge:"
		cat "$BATS_FILE_TMPDIR/stray"
		return 1
	fi
}

@test "packaging: make demo shows the tour, not the guest's boot log (which stays in console.log)" {
	local console
	console=$(printf '%s\r\n' 'SeaBIOS (version 1.16.2)' 'Booting from ROM...' \
		'[    0.000000] Linux version 6.12.0 (vfioctl@lab)' 'lab: mounting the host root' \
		'VFIOCTL-DEMO-TOUR-BEGIN' '=== vfioctl tour' '$ vfioctl list' 'GROUP BDF' \
		'[    5.123456] vfio-pci 0000:01:00.0: enabling device' '# done' \
		'VFIOCTL-LAB-EXIT=0 uptime=9.1' '[    9.2] reboot: Power down')
	run --separate-stderr "$TOP/tests/vm/demo" --filter <<<"$console"
	[ "$status" -eq 0 ] || { dump; return 1; }
	printf '%s\n' "$output" | od -c | head -3
	[ "$output" = "$(printf '%s\n' '=== vfioctl tour' '$ vfioctl list' 'GROUP BDF' '# done')" ]
}

@test "packaging: while the custom kernel compiles, a progress line says how far and how long" {
	local log=$BATS_TEST_TMPDIR/build.log pid
	# a stand-in for kbuild: steps logged over ~2.5 s
	( for i in 1 2 3 4 5; do printf '  CC      lib/x%d.o\n' "$i" >>"$log"; sleep 0.5; done ) &
	pid=$!
	run --separate-stderr bash -c 'source "$1/tests/vm/lib.sh"; lab_build_progress "$2" "$3" 10 "build-kernel: compiling k (about 6 min expected at -j2)"' \
		bash "$TOP" "$pid" "$log"
	wait "$pid" || true
	echo "$stderr"
	[ "$status" -eq 0 ]
	# not a terminal here: one line at the start (then one a minute)
	[[ $stderr =~ "vm: build-kernel: compiling k (about 6 min expected at -j2): step "[0-9]+" of ~10 ("[0-9]+"%), 0m0"[0-9]"s elapsed" ]]
	[ -z "$output" ]
	# the build script uses it and records its step count for the next estimate
	grep -q 'lab_build_progress "$mpid"' "$TOP/tests/vm/build-kernel"
	grep -q '"$steps_file"' "$TOP/tests/vm/build-kernel"
}
