#!/usr/bin/env bats
# Packaging: `make dist` gives a tarball that `rpmbuild -ta` turns into an RPM whose files are
# exactly what `make install` lays out from the same tarball, with /etc files marked
# %config(noreplace) and the systemd scriptlets present when a unit is packaged; the top-level
# vfioctl.spec builds the same with `rpmbuild -ba` on that tarball.
#
# rpmbuild runs with --nodeps: Debian's rpm has no database of the Debian packages, so the
# pkgconfig(...) BuildRequires cannot be resolved here (the libraries are installed through apt).
# It runs with --nocheck: %check is `make check-host`, which is this suite; running it again
# inside the build would triple the time (and recurse into this file).
# shellcheck shell=bash

load helpers

# The zsh directory Fedora and openSUSE read (the spec installs there; make's default is
# Debian's vendor-completions).
RPM_ZSHCOMPDIR=/usr/share/zsh/site-functions

setup_file() {
	if [ -n "${RPM_BUILD_ROOT:-}" ]; then
		return 0		# inside rpmbuild's %check: the tests skip
	fi
	export RPMTMP=$BATS_FILE_TMPDIR/rpm
	mkdir -p "$RPMTMP"
}

skip_unless_default() {
	[ -z "${RPM_BUILD_ROOT:-}" ] || skip "inside rpmbuild (%check): no RPM build in the RPM build"
	[ "$VFIOCTL" = "$TOP/build/vfioctl" ] || skip "packaging is checked once, in the default build's run"
	[ -e "$TOP/.git" ] || skip "not a git checkout: make dist needs git"	# a file in a worktree
	command -v rpmbuild >/dev/null || {
		echo "rpmbuild is not installed (Debian package rpm, in .ci/packages)"
		return 1
	}
}

# dist_and_build: tarball of the working tree's tracked files, RPM from it, make install of it
dist_and_build() {
	local ref
	# `git stash create` makes a commit of the tracked files as they are now (nothing when
	# clean) without touching the tree or the stash list, so uncommitted edits are tested too
	ref=$(git -C "$TOP" stash create 2>/dev/null)
	ref=${ref:-HEAD}
	make -s -C "$TOP" dist DIST_REF="$ref" DIST_OUT="$RPMTMP" >"$RPMTMP/dist.log" 2>&1 ||
		{ cat "$RPMTMP/dist.log"; return 1; }
	TARBALL=$(ls "$RPMTMP"/vfioctl-*.tar.gz)
	rpmbuild -ta --nodeps --nocheck --define "_topdir $RPMTMP/top" "$TARBALL" \
		>"$RPMTMP/rpmbuild.log" 2>&1 || { tail -40 "$RPMTMP/rpmbuild.log"; return 1; }
	RPM=$(ls "$RPMTMP"/top/RPMS/*/vfioctl-[0-9]*.rpm | grep -v debug)
	mkdir -p "$RPMTMP/src" "$RPMTMP/stage"
	tar -xzf "$TARBALL" -C "$RPMTMP/src" --strip-components=1
	make -s -C "$RPMTMP/src" -j2 install DESTDIR="$RPMTMP/stage" PREFIX=/usr \
		ZSHCOMPDIR=$RPM_ZSHCOMPDIR >"$RPMTMP/install.log" 2>&1 ||
		{ tail -40 "$RPMTMP/install.log"; return 1; }
	echo "$RPM" >"$RPMTMP/rpm-path"
}

@test "make dist names the tarball by VERSION and puts the top-level spec in it" {
	skip_unless_default
	dist_and_build
	local version
	version=$(make -s -C "$TOP" print-version)
	[ -n "$version" ]
	[ "$(basename "$TARBALL")" = "vfioctl-$version.tar.gz" ]
	tar -tzf "$TARBALL" | grep -qx "vfioctl-$version/vfioctl.spec"
	tar -xzOf "$TARBALL" "vfioctl-$version/vfioctl.spec" | grep -qx "Version: *$version"
	tar -xzOf "$TARBALL" "vfioctl-$version/vfioctl.spec" | cmp - "$TOP/vfioctl.spec"
	! tar -xzOf "$TARBALL" "vfioctl-$version/vfioctl.spec" | grep -n '@[A-Z_]*@'
	echo "$RPM" >"$RPMTMP/rpm-path"
}

@test "rpmbuild -ba vfioctl.spec (the checkout's spec, the tarball in _sourcedir) builds the same RPM" {
	skip_unless_default
	[ -f "$RPMTMP/rpm-path" ] || dist_and_build
	TARBALL=$(ls "$RPMTMP"/vfioctl-*.tar.gz)
	rpmbuild -ba --nodeps --nocheck --define "_topdir $RPMTMP/top-ba" \
		--define "_sourcedir $RPMTMP" "$TOP/vfioctl.spec" >"$RPMTMP/rpmbuild-ba.log" 2>&1 ||
		{ tail -40 "$RPMTMP/rpmbuild-ba.log"; return 1; }
	local ba ta
	ba=$(ls "$RPMTMP"/top-ba/RPMS/*/vfioctl-[0-9]*.rpm | grep -v debug)
	ls "$RPMTMP"/top-ba/SRPMS/vfioctl-*.src.rpm
	ta=$(cat "$RPMTMP/rpm-path")
	[ "$(basename "$ba")" = "$(basename "$ta")" ]
	# the same files (build ids differ: another build directory)
	diff <(rpm -qlp "$ta" | grep -v '^/usr/lib/.build-id') <(rpm -qlp "$ba" | grep -v '^/usr/lib/.build-id')
}

@test "rpmbuild -ta builds, and the RPM holds exactly what make install lays out" {
	skip_unless_default
	[ -f "$RPMTMP/rpm-path" ] || dist_and_build
	RPM=$(cat "$RPMTMP/rpm-path" 2>/dev/null || echo "$RPM")
	local staged packaged p
	# files and links make install wrote
	# (but initramfs-tools' hook: Debian's; the spec removes it, RPM systems use dracut)
	staged=$(cd "$RPMTMP/stage" && find . \( -type f -o -type l \) | sed 's|^\.||' |
		grep -v '^/usr/share/initramfs-tools/' | sort)
	# the RPM's entries that are not directories of the staged tree; rpm compresses man pages
	# and adds /usr/lib/.build-id links to ELF files itself
	packaged=$(rpm -qlp "$RPM" | while IFS= read -r p; do
		[ -d "$RPMTMP/stage$p" ] && continue
		[[ $p == /usr/lib/.build-id* ]] && continue
		printf '%s\n' "$p"
	done | sed -E 's#^(/usr/share/man/.*)\.(gz|bz2|xz|zst)$#\1#' | sort)
	[ -n "$staged" ]
	if [ "$staged" != "$packaged" ]; then
		echo "make install (<) and the RPM (>) differ:"
		diff <(echo "$staged") <(echo "$packaged")
		return 1
	fi
	# the essentials are there at all
	grep -qx /usr/sbin/vfioctl <<<"$packaged"
	grep -qx /usr/share/man/man8/vfioctl.8 <<<"$packaged"
	grep -qx /usr/share/bash-completion/completions/vfioctl <<<"$packaged"
}

@test "the RPM marks /etc files %config(noreplace) and runs systemd scriptlets for its units" {
	skip_unless_default
	RPM=$(cat "$RPMTMP/rpm-path")
	local etc conf units
	etc=$(cd "$RPMTMP/stage" && find ./etc -type f 2>/dev/null | sed 's|^\.||' | sort)
	conf=$(rpm -qcp "$RPM" | sort)
	[ "$etc" = "$conf" ] || { echo "/etc files: $etc"; echo "config files: $conf"; return 1; }
	# noreplace: rpm's file flags say so (%config = 1, noreplace = 16)
	if [ -n "$etc" ]; then
		local flags name
		while read -r flags name; do
			[[ $name == /etc/* ]] || continue
			(( flags & 16 )) || { echo "$name is not %config(noreplace) (flags $flags)"; return 1; }
		done < <(rpm -qp --qf '[%{FILEFLAGS} %{FILENAMES}\n]' "$RPM")
	fi
	units=$(cd "$RPMTMP/stage" && find . -path '*/systemd/system/*' -type f 2>/dev/null)
	if [ -n "$units" ]; then
		rpm -qp --scripts "$RPM" | grep -q 'systemctl' ||
			{ echo "units packaged but no systemctl in the scriptlets"; return 1; }
	else
		! rpm -qp --scripts "$RPM" | grep -q systemctl
	fi
}
