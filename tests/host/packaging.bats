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
