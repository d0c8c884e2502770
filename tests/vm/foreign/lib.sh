# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this
# Shared helpers for the arm64/ppc64le parts of the lab (sourced, not run).
#
# Everything here is about *foreign* architectures: a Debian root for the guest (also the
# cross-compile sysroot) and busybox for the initramfs. Kernels come from the generic
# tests/vm/fetch-kernel. Nothing touches the host's dpkg: adding a foreign architecture to it
# made apt want to remove 65 host packages (LAB.md); downloads go through the lab's private
# apt state (lab_apt in tests/vm/lib.sh).

# shellcheck source=../lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib.sh"

FOREIGN_DIR=$LAB_DIR/foreign
CACHE=$LAB_CACHE
# The archive the host's apt configuration names for bookworm (lab_archive_uri); part of the
# root's cache key, so another mirror makes another root.
MIRROR=${VFIOCTL_LAB_MIRROR:-$(lab_archive_uri bookworm || true)}
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf 'foreign: %s\n' "$*" >&2; }
die() { printf 'foreign: error: %s\n' "$*" >&2; exit 1; }

# arch_vars ARCH: sets DEB_ARCH (Debian's name), TRIPLET (GNU), QEMU_USER (binfmt handler name).
arch_vars() {
	case $1 in
	aarch64) DEB_ARCH=arm64 TRIPLET=aarch64-linux-gnu QEMU_USER=qemu-aarch64 ;;
	ppc64le) DEB_ARCH=ppc64el TRIPLET=powerpc64le-linux-gnu QEMU_USER=qemu-ppc64le ;;
	*) die "unknown architecture '$1' (expected aarch64 or ppc64le)" ;;
	esac
}

# binfmt_ready ARCH: qemu-user-static's handler must be registered with flag F (the interpreter
# is opened at registration time), else nothing of the foreign root runs inside a chroot.
binfmt_ready() {
	arch_vars "$1"
	local bm=/proc/sys/fs/binfmt_misc
	if [[ ! -e $bm/register ]]; then
		log "mounting binfmt_misc"
		# A concurrent prepare for the other arch may win the race: then it is mounted.
		mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null || [[ -e $bm/register ]] ||
			die "cannot mount binfmt_misc"
	fi
	if [[ ! -e $bm/$QEMU_USER ]] || ! grep -qx enabled "$bm/$QEMU_USER"; then
		command -v update-binfmts >/dev/null || die "binfmt-support is not installed"
		[[ -e /usr/share/binfmts/$QEMU_USER ]] || die "qemu-user-static is not installed"
		log "enabling binfmt handler $QEMU_USER"
		update-binfmts --enable "$QEMU_USER" >&2 || true
	fi
	grep -qx enabled "$bm/$QEMU_USER" || die "binfmt handler $QEMU_USER is not enabled"
	grep -q '^flags:.*F' "$bm/$QEMU_USER" || die "binfmt handler $QEMU_USER lacks flag F"
}

# relink_absolute ROOT: turn absolute symlinks into relative ones, so that a path inside ROOT
# resolves inside ROOT when ROOT is used as a --sysroot on the host (libfoo.so -> /lib/... would
# otherwise point at the host's amd64 files; libc.so names /lib64/ld64.so.2 on ppc64le, itself an
# absolute link). Relative links resolve the same in the chroot. Idempotent.
relink_absolute() {
	local root=$1 link target rel n=0
	while IFS= read -r -d '' link; do
		target=$(readlink "$link")
		[[ $target == /* ]] || continue
		rel=$(realpath -m -s --relative-to="$(dirname "$link")" "$root$target")
		ln -sfn "$rel" "$link"
		n=$((n + 1))
	done < <(find "$root"/usr/lib* "$root/usr/include" "$root/usr/share/pkgconfig" \
		-type l -print0 2>/dev/null)
	[[ $n -eq 0 ]] || log "made $n absolute symlinks relative under $root"
}
