# shellcheck shell=bash
# Shared helpers of the real-kernel lab (sourced by tests/vm/run, fetch-kernel, build-kernel,
# mkinitramfs, demo). Nothing here runs on source; callers `set -euo pipefail` themselves.
#
# Layout of the cache (${VFIOCTL_LAB_CACHE:-/var/cache/vfioctl-lab}), safe to delete at any time:
#   dl/                      downloaded .deb files (apt-get download)
#   apt-STATE/               private apt state (lists, sources, cache): STATE is a Debian
#                            architecture (bookworm) or RELEASE-ARCH (trixie-amd64)
#   kernel/ID/               one kernel: vmlinuz, VERSION (uname -r), lib/modules/VERSION/
#                            (depmod'ed, decompressed .ko) and .complete when finished
#   initramfs/HASH.cpio.gz   initramfs built from (busybox, init, module list)
#   build/                   scratch space of the custom kernel build

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${VFIOCTL_LAB_CACHE:-/var/cache/vfioctl-lab}
export LAB_DIR TOP LAB_CACHE

lab_log() { printf 'vm: %s\n' "$*" >&2; }
lab_die() { printf 'vm: error: %s\n' "$*" >&2; exit 1; }

# lab_build_progress PID LOG EXPECTED-STEPS TEXT: until PID ends, a progress line on stderr:
# TEXT, the kbuild steps in LOG so far of about EXPECTED-STEPS, and the time elapsed. On a
# terminal one line rewritten every 5 s; otherwise a line a minute (CI logs).
lab_build_progress() {
	local pid=$1 log=$2 expect=$3 text=$4 start=$SECONDS n pct el tty=0 every=60 last=-60
	[ -t 2 ] && tty=1 every=5
	while kill -0 "$pid" 2>/dev/null; do
		el=$((SECONDS - start))
		if [ $((el - last)) -ge "$every" ]; then
			last=$el
			n=$(grep -c '^  [A-Z]' "$log" 2>/dev/null) || n=0
			pct=$((n * 100 / (expect > 0 ? expect : 1)))
			[ "$pct" -gt 99 ] && pct=99
			if [ "$tty" = 1 ]; then
				printf '\rvm: %s: step %d of ~%d (%d%%), %dm%02ds elapsed\033[K' \
					"$text" "$n" "$expect" "$pct" $((el / 60)) $((el % 60)) >&2
			else
				printf 'vm: %s: step %d of ~%d (%d%%), %dm%02ds elapsed\n' \
					"$text" "$n" "$expect" "$pct" $((el / 60)) $((el % 60)) >&2
			fi
		fi
		sleep 1
	done
	[ "$tty" = 1 ] && printf '\n' >&2
	return 0
}

# Seconds since the epoch with a fraction, for stage timings.
lab_now() { date +%s.%N; }
# lab_elapsed START -> "12.3"
lab_elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# Serialise cache writers (two `run`s on one machine, or run + demo) per cache item.
# lab_lock NAME runs the rest of the calling (sub)shell under an flock on LAB_CACHE/locks/NAME.
lab_lock() {
	mkdir -p "$LAB_CACHE/locks"
	exec {LAB_LOCK_FD}>"$LAB_CACHE/locks/$1.lock"
	flock "$LAB_LOCK_FD"
}

# Debian architecture for a kernel id or a GUEST_ARCH value.
#   debian-6.12-amd64 -> amd64, debian-6.12-ppc64el-64k -> ppc64el, x86_64 -> amd64 ...
lab_debarch() {
	case "$1" in
	*-amd64 | *-amd64-* | x86_64) echo amd64 ;;
	*-arm64 | *-arm64-* | aarch64) echo arm64 ;;
	*-ppc64el | *-ppc64el-* | ppc64le) echo ppc64el ;;
	*) lab_die "cannot tell the Debian architecture of '$1'" ;;
	esac
}

# APT for any Debian architecture or release without touching the host's dpkg: the host's own
# apt configuration for the host architecture on bookworm, a private state dir (lists, cache,
# sources with RELEASE, -updates, -security and -backports; see lab_apt_prepare) for any other
# STATE: a Debian architecture (bookworm) or RELEASE-ARCH (trixie-amd64).
# Usage: lab_apt STATE apt-get ARGS... Foreign guests reuse this (fetch-kernel is generic over
# the id's architecture suffix).
lab_apt() {
	local state=$1 tool=$2 rel arch
	shift 2
	if [ "$state" = "$(dpkg --print-architecture)" ]; then
		"$tool" "$@"
		return
	fi
	rel=$(lab_apt_release "$state")
	arch=${state#"$rel"-}
	local st="$LAB_CACHE/apt-$state"
	"$tool" -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		-o Dir::State="$st/state" -o Dir::State::Lists="$st/lists" \
		-o Dir::State::status="$st/status" -o Dir::Cache="$st/cache" \
		-o Dir::Etc::SourceList="$st/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
		-o Debug::NoLocking=1 "$@"
}

# The archive URI the host's own apt configuration uses for suite $1 (bookworm,
# bookworm-security, ...): the first enabled "deb" source, one-line (sources.list, *.list) or
# deb822 (*.sources), whose suites include exactly $1. No archive host name lives in the
# repository: the lab follows whatever mirror the machine is set up with. Prints nothing (and
# fails) when no source carries the suite.
lab_archive_uri() {
	local suite=$1 ETC='' LIST='' PARTS='' files=()
	eval "$(apt-config shell ETC Dir::Etc/d LIST Dir::Etc::sourcelist/f PARTS Dir::Etc::sourceparts/d)"
	[ -n "$LIST" ] || LIST=${ETC:-/etc/apt/}sources.list
	[ -n "$PARTS" ] || PARTS=${ETC:-/etc/apt/}sources.list.d
	[ -f "$LIST" ] && files+=("$LIST")
	local f
	for f in "$PARTS"/*.list "$PARTS"/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ "${#files[@]}" -gt 0 ] || return 1
	awk -v want="$suite" '
		function found(uri) { sub("/+$", "", uri); print uri; done = 1; exit }
		function has(list, w,   n, a, i) {
			n = split(list, a, /[ \t]+/)
			for (i = 1; i <= n; i++) if (a[i] == w) return 1
			return 0
		}
		function flush() {
			if (types != "" && has(types, "deb") && tolower(enabled) != "no" && has(suites, want)) {
				n = split(uris, u, /[ \t]+/)
				for (i = 1; i <= n; i++) if (u[i] != "" && u[i] !~ /^cdrom:/) found(u[i])
			}
			types = uris = suites = ""; enabled = "yes"; key = ""
		}
		FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
		deb822 {
			if ($0 ~ /^[ \t]*#/) next
			if ($0 ~ /^[ \t]*$/) { flush(); next }
			if ($0 ~ /^[ \t]/) { val = $0; sub(/^[ \t]+/, "", val); add(key, val); next }
			key = tolower($0); sub(/:.*/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val); add(key, val)
			next
		}
		/^[ \t]*deb[ \t]/ {
			line = $0; sub(/#.*/, "", line); sub(/^[ \t]*deb[ \t]+/, "", line)
			if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
			n = split(line, w, /[ \t]+/)
			if (n >= 2 && w[2] == want && w[1] !~ /^cdrom:/) found(w[1])
		}
		function add(k, v) {
			if (k == "types") types = types " " v
			else if (k == "uris") uris = uris " " v
			else if (k == "suites") suites = suites " " v
			else if (k == "enabled") enabled = v
		}
		END { if (!done) flush(); if (!done) exit 1 }' "${files[@]}"
}

# The Debian release of a private apt state id: ARCH (bookworm) or RELEASE-ARCH (trixie-amd64).
lab_apt_release() {
	case "$1" in
	*-*) echo "${1%%-*}" ;;
	*) echo bookworm ;;
	esac
}

# Make sure the private apt state STATE (a Debian architecture for bookworm, or RELEASE-ARCH such
# as trixie-amd64) exists and has lists younger than a day. Its sources are the host's own
# archive URIs (lab_archive_uri; VFIOCTL_LAB_MIRROR overrides the main one) for RELEASE,
# -updates, -backports and -security.
lab_apt_prepare() {
	local state=$1
	[ "$state" = "$(dpkg --print-architecture)" ] && return 0
	local st="$LAB_CACHE/apt-$state" rel arch main sec
	rel=$(lab_apt_release "$state")
	arch=${state#"$rel"-}
	# One preparation at a time per state: the two preparation lanes (and .ci/run's early
	# build-kernel) can reach the same state at once; measured with two at once on an empty
	# cache: one's `mv sources.list.tmp` failed, the other's apt-get update failed on the
	# first one's files and went on with 1 of the 4 suites' Packages lists.
	mkdir -p "$LAB_CACHE/locks"
	(
		flock 9
		mkdir -p "$st/state" "$st/lists/partial" "$st/cache/archives/partial"
		[ -e "$st/status" ] || : >"$st/status"
		if [ ! -s "$st/sources.list" ]; then
			# The host is a bookworm machine: its sources name the bookworm suites; a newer
			# release comes from the same archive (and the same security archive).
			main=${VFIOCTL_LAB_MIRROR:-$(lab_archive_uri bookworm || true)}
			[ -n "$main" ] || lab_die "the host's apt configuration has no bookworm source (set VFIOCTL_LAB_MIRROR)"
			sec=$(lab_archive_uri bookworm-security || true)
			{
				echo "deb [arch=$arch] $main $rel main"
				echo "deb [arch=$arch] $main $rel-updates main"
				echo "deb [arch=$arch] $main $rel-backports main"
				if [ -n "$sec" ]; then
					echo "deb [arch=$arch] $sec $rel-security main"
				else
					lab_log "warning: the host's apt configuration has no bookworm-security source; $state goes without $rel-security"
				fi
			} >"$st/sources.list.tmp"
			mv "$st/sources.list.tmp" "$st/sources.list"
		fi
		if [ -z "$(find "$st/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
			lab_log "apt-get update for $state (private state $st)"
			# One suite's index can be broken on the mirror for hours (seen: bookworm-security
			# ppc64el Packages.xz of the wrong size) while the others, backports with the 6.12
			# kernels among them, are fine: carry on with the lists that did arrive.
			if ! lab_apt "$state" apt-get -q update >/dev/null; then
				[ -n "$(find "$st/lists" -maxdepth 1 -name '*Packages*' 2>/dev/null)" ] ||
					lab_die "apt-get update for $state failed"
				lab_log "warning: apt-get update for $state partly failed; using the lists it got"
			fi
		fi
	) 9>"$LAB_CACHE/locks/apt-prepare-$state.lock" || exit 1
}

# Highest-versioned package name matching the extended regex $2 for Debian arch $1.
lab_apt_newest() {
	local arch=$1 re=$2 name
	name=$(lab_apt "$arch" apt-cache search --names-only "$re" | awk '{ print $1 }' |
		grep -E "$re" | sort -V | tail -n 1)
	[ -n "$name" ] || lab_die "no package matches '$re' for $arch (apt-get update?)"
	echo "$name"
}

# Download package $2 (a name, optionally name=version) of Debian arch $1 into dl/, print the path.
lab_apt_download() {
	local arch=$1 pkg=$2 dir="$LAB_CACHE/dl" tmp deb
	mkdir -p "$dir"
	# apt-get download drops privileges to _apt for the fetch; a root-owned cache dir is
	# not writable for it and apt warns, so give the download a private world-writable dir.
	tmp=$(mktemp -d "$dir/.dl.XXXXXX")
	chmod 0777 "$tmp"
	(cd "$tmp" && lab_apt "$arch" apt-get -q download "$pkg" >/dev/null) ||
		{ rm -rf "$tmp"; lab_die "apt-get download $pkg ($arch) failed"; }
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
	[ -n "$deb" ] || { rm -rf "$tmp"; lab_die "apt-get download $pkg ($arch) gave no .deb"; }
	mv -f "$deb" "$dir/"
	rm -rf "$tmp"
	echo "$dir/${deb##*/}"
}

# Finish a kernel directory: modules.dep and friends (Debian's packages ship none). Modules stay
# compressed here; mkinitramfs decompresses the few it packs (busybox insmod reads plain .ko).
lab_kernel_finish_modules() {
	local kdir=$1 ver
	ver=$(cat "$kdir/VERSION")
	[ -d "$kdir/lib/modules/$ver" ] || return 0
	depmod -b "$kdir" "$ver"
}

# Print the load order (absolute .ko paths inside KDIR) for the modules "$@" of kernel KDIR,
# dependencies first, each once; builtin modules print nothing.
lab_module_order() {
	local kdir=$1 ver m
	shift
	ver=$(cat "$kdir/VERSION")
	for m in "$@"; do
		modprobe -d "$kdir" -S "$ver" --show-depends "$m" ||
			lab_die "module $m not found for kernel $ver in $kdir"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Source a guest definition into the caller's scope, with defaults and checks.
lab_guest_load() {
	local name=$1 conf="$LAB_DIR/guests/$1.conf"
	[ -f "$conf" ] || lab_die "no guest '$name' ($conf)"
	GUEST_NAME=$name
	# Everything a .conf sets is read by the callers (run, demo), hence the SC2034 disables.
	# shellcheck disable=SC2034
	{
		GUEST_ARCH='' GUEST_KERNEL='' GUEST_APPEND='' GUEST_CONSOLE=ttyS0 GUEST_9P_BUS=''
		GUEST_ROOT=host GUEST_TESTS='' GUEST_TIMEOUT=600 GUEST_MODULES='' GUEST_HUGEPAGES=''
		GUEST_BUSYBOX='' GUEST_QMP_SERIAL='' GUEST_QEMU=() GUEST_QEMU_RELEASE=''
		GUEST_NESTED_QEMU='' GUEST_INITRD_TOOL='' GUEST_COST=''
	}
	# shellcheck disable=SC1090
	source "$conf"
	[ -n "$GUEST_ARCH" ] || lab_die "$conf: GUEST_ARCH not set"
	[ -n "$GUEST_KERNEL" ] || lab_die "$conf: GUEST_KERNEL not set"
	[ "${#GUEST_QEMU[@]}" -gt 0 ] || lab_die "$conf: GUEST_QEMU not set"
}

# ---------------------------------------------------------------------------------------------
# Preparing and booting one guest (used by tests/vm/run and tests/vm/demo).
#
# What a guest .conf gives (see guests/README.md) and what the framework adds to GUEST_QEMU:
#   -kernel -initrd -append "console=$GUEST_CONSOLE panic=-1 rdinit=/init [hugepages=N] $GUEST_APPEND"
#   -fsdev/-device virtio-9p-pci (tags root, results, and work for foreign roots; bus=$GUEST_9P_BUS)
#   -nographic -no-reboot -serial stdio -monitor none -qmp unix:RESULTS/qmp.sock,server=on,wait=off

# Bats files of the guest, binaries, kernel, initramfs and root for guest $GUEST_NAME (loaded).
# Sets LAB_KDIR LAB_INITRD LAB_ROOT LAB_BIN LAB_EDU LAB_QEMU LAB_NESTED LAB_TESTPMD; prints stage times to
# stderr. LAB_QEMU is the program that runs the guest: GUEST_QEMU[0], or the wrapper of
# GUEST_QEMU_RELEASE from fetch-qemu. LAB_NESTED holds "RELEASE=PROGRAM" words for
# GUEST_NESTED_QEMU (QEMUs the suites start inside the guest).
lab_guest_prepare() {
	local t busybox r
	# The kernel first: in a cold run the custom kernel's compile is the longest lane of the
	# preparation, and the QEMU and DPDK downloads below would otherwise delay its start
	# (~2 min from an empty cache: fetch-dpdk alone took 95 s).
	t=$(lab_now)
	LAB_KDIR=$("$LAB_DIR/fetch-kernel" "$GUEST_KERNEL")
	case "$GUEST_KERNEL" in
	custom-*) lab_log "$GUEST_NAME: stage kernel build/lookup $GUEST_KERNEL: $(lab_elapsed "$t")s" ;;
	*) lab_log "$GUEST_NAME: stage fetch $GUEST_KERNEL: $(lab_elapsed "$t")s" ;;
	esac

	t=$(lab_now)
	LAB_QEMU=${GUEST_QEMU[0]}
	if [ -n "${GUEST_QEMU_RELEASE:-}" ]; then
		LAB_QEMU=$("$LAB_DIR/fetch-qemu" "$GUEST_QEMU_RELEASE")
		lab_log "$GUEST_NAME: stage qemu $GUEST_QEMU_RELEASE: $(lab_elapsed "$t")s"
	fi
	LAB_NESTED=''
	for r in ${GUEST_NESTED_QEMU:-}; do
		LAB_NESTED+=" $r=$("$LAB_DIR/fetch-qemu" "$r")"
	done
	# Debian's dpdk-testpmd for the x86 guests on the host's root (fetch-dpdk: dpdk-dev is not
	# installed on the host; its closure is 214 packages). Not fatal: the tests that use it
	# skip, naming VFIOCTL_LAB_TESTPMD, when it could not be made.
	LAB_TESTPMD=''
	if [ "$GUEST_ARCH" = x86_64 ] && [ "$GUEST_ROOT" = host ] && [ "$(uname -m)" = x86_64 ]; then
		t=$(lab_now)
		LAB_TESTPMD=$("$LAB_DIR/fetch-dpdk") ||
			{ LAB_TESTPMD=''; lab_log "warning: $GUEST_NAME: fetch-dpdk failed: no testpmd in the guest"; }
		lab_log "$GUEST_NAME: stage dpdk-testpmd: $(lab_elapsed "$t")s"
	fi
	t=$(lab_now)
	case "$GUEST_ROOT" in
	host)
		LAB_ROOT=/
		LAB_BIN=$TOP/build/vfioctl
		LAB_EDU=$TOP/build/tests/edu_dma
		;;
	foreign:*)
		[ -x "$LAB_DIR/foreign/prepare" ] ||
			lab_die "$GUEST_NAME: $LAB_DIR/foreign/prepare is missing"
		LAB_ROOT=$("$LAB_DIR/foreign/prepare" "${GUEST_ROOT#foreign:}" | tail -n 1)
		[ -d "$LAB_ROOT" ] || lab_die "$GUEST_NAME: foreign/prepare gave no root directory"
		LAB_BIN=$TOP/build/$GUEST_ARCH/vfioctl
		LAB_EDU=$TOP/build/$GUEST_ARCH/tests/edu_dma
		lab_log "$GUEST_NAME: stage foreign root $LAB_ROOT: $(lab_elapsed "$t")s"
		;;
	*) lab_die "$GUEST_NAME: GUEST_ROOT must be host or foreign:ARCH, not '$GUEST_ROOT'" ;;
	esac

	t=$(lab_now)
	if [ -n "${GUEST_BUSYBOX:-}" ]; then
		busybox=$GUEST_BUSYBOX
	elif [ "$GUEST_ARCH" = "$(uname -m)" ]; then
		busybox=/bin/busybox
		[ -x "$busybox" ] || lab_die "no /bin/busybox: apt-get install busybox-static"
	else
		busybox=$("$LAB_DIR/foreign/fetch-busybox" "$GUEST_ARCH" | tail -n 1)
	fi
	local infra=(virtio_pci 9pnet_virtio 9p overlay)
	# shellcheck disable=SC2086 # GUEST_MODULES is a word list
	LAB_INITRD=$("$LAB_DIR/mkinitramfs" "$busybox" "$LAB_KDIR" "${infra[@]}" $GUEST_MODULES)
	# GUEST_INITRD_TOOL (x86-initramfs): a distribution's own tool builds the image, with
	# vfioctl's early-binding hook, and the lab's image as the root it ends in.
	if [ -n "${GUEST_INITRD_TOOL:-}" ]; then
		LAB_INITRD=$("$LAB_DIR/mkinitramfs-debian" "$GUEST_INITRD_TOOL" "$LAB_KDIR" "$LAB_INITRD")
	fi
	lab_log "$GUEST_NAME: stage initramfs: $(lab_elapsed "$t")s"
}

# The work tree needs its own share when the guest's root is not the host's /, or when it
# lives where the guest mounts its own tmpfs (/tmp, /run): a CI clone may be anywhere.
lab_share_work() {
	[ "$LAB_ROOT" != / ] && return 0
	case $TOP in /tmp | /tmp/* | /run | /run/*) return 0 ;; esac
	return 1
}

# lab_udev_modules RESULTS-DIR: GUEST_UDEV_MODULES (module names, not loaded at boot) with their
# depmod indexes into RESULTS-DIR/modules/lib/modules/VERSION, and the export line naming that
# tree as the guest sees it (the results share at /run/lab): a suite can put it at
# /lib/modules/VERSION, where udevd's kmod finds a host driver to load on a device's uevent.
lab_udev_modules() {
	local res=$1 ver dir m ko
	[ -n "${GUEST_UDEV_MODULES:-}" ] || return 0
	ver=$(cat "$LAB_KDIR/VERSION")
	dir=$res/modules/lib/modules/$ver
	mkdir -p "$dir/kernel"
	for m in $GUEST_UDEV_MODULES; do
		ko=$(find "$LAB_KDIR/lib/modules/$ver" -name "$m.ko*" -print -quit)
		[ -n "$ko" ] || lab_die "GUEST_UDEV_MODULES: no module $m in $LAB_KDIR"
		cp "$ko" "$dir/kernel/"
	done
	cp "$LAB_KDIR/lib/modules/$ver"/modules.{order,builtin,builtin.modinfo} "$dir/" 2>/dev/null || true
	depmod -b "$res/modules" "$ver" || lab_die "GUEST_UDEV_MODULES: depmod failed"
	printf 'export VFIOCTL_LAB_MODULES=%q\n' "/run/lab/modules/lib/modules/$ver"
}

# lab_guest_boot RESULTS-DIR CMD-FILE [--tee]
# Boot the prepared guest; inside, CMD-FILE (copied to RESULTS-DIR/cmd.sh) runs under bash in
# the chroot with the test environment exported. The console goes to RESULTS-DIR/console.log
# (and to stdout with --tee). Returns qemu's status (124 on timeout); never fails the caller.
lab_guest_boot() {
	local res=$1 cmd=$2 tee=${3:-} append
	rm -rf "$res"
	mkdir -p "$res"
	{
		printf 'LAB_WORK=%s\n' "$(lab_share_work && echo "$TOP")"
	} >"$res/lab.env"
	{
		echo '# generated by tests/vm (lib.sh lab_guest_boot)'
		echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		echo 'export HOME=/root LANG=C.UTF-8 TMPDIR=/tmp'
		printf 'export TOP=%q\n' "$TOP"
		printf 'export VFIOCTL=%q\n' "$LAB_BIN"
		printf 'export VFIOCTL_EDU_DMA=%q\n' "$LAB_EDU"
		printf 'export VFIOCTL_GUEST=%q\n' "$GUEST_NAME"
		printf 'export VFIOCTL_GUEST_ARCH=%q\n' "$GUEST_ARCH"
		printf 'export VFIOCTL_GUEST_KERNEL=%q\n' "$GUEST_KERNEL"
		printf 'export VFIOCTL_LAB_QEMU_RELEASE=%q\n' "${GUEST_QEMU_RELEASE:-7}"
		# QEMUs for the suites to start inside the guest: VFIOCTL_LAB_QEMU_7, _10 (the
		# guest sees the host's / over 9p, so the host's paths work there).
		local w
		for w in ${LAB_NESTED:-}; do
			printf 'export VFIOCTL_LAB_QEMU_%s=%q\n' "${w%%=*}" "${w#*=}"
		done
		[ -n "${LAB_TESTPMD:-}" ] && printf 'export VFIOCTL_LAB_TESTPMD=%q\n' "$LAB_TESTPMD"
		[ -n "${GUEST_QMP_SERIAL:-}" ] && echo 'export VFIOCTL_LAB_QMP=/dev/ttyS1'
		lab_udev_modules "$res"
		echo 'export VFIOCTL_LAB_RESULTS=/run/lab'
		cat "$cmd"
	} >"$res/cmd.sh"

	append="console=$GUEST_CONSOLE panic=-1 rdinit=/init"
	[ -n "${GUEST_HUGEPAGES:-}" ] && append+=" hugepages=$GUEST_HUGEPAGES"
	append+=" $GUEST_APPEND"
	local bus=${GUEST_9P_BUS:+,bus=$GUEST_9P_BUS}
	# GUEST_QEMU[0] names the emulator; GUEST_QEMU_RELEASE swaps in fetch-qemu's wrapper.
	local q=("${LAB_QEMU:-${GUEST_QEMU[0]}}" "${GUEST_QEMU[@]:1}"
		-kernel "$LAB_KDIR/vmlinuz" -initrd "$LAB_INITRD" -append "$append"
		-nographic -no-reboot -serial stdio -monitor none
		-qmp "unix:$res/qmp.sock,server=on,wait=off"
		-fsdev "local,id=fsroot,path=$LAB_ROOT,security_model=none,readonly=on,multidevs=remap"
		-device "virtio-9p-pci,fsdev=fsroot,mount_tag=root$bus"
		-fsdev "local,id=fsres,path=$res,security_model=none"
		-device "virtio-9p-pci,fsdev=fsres,mount_tag=results$bus")
	# The guest's own QMP channel (GUEST_QMP_SERIAL=1, x86): a second QMP monitor whose socket
	# QEMU connects to itself, through a second UART (ttyS1 in the guest, no PCI device added
	# to the topology under test). tests/vm/qmp speaks QMP on it from inside: hot-add, hot-remove.
	if [ -n "${GUEST_QMP_SERIAL:-}" ]; then
		q+=(-chardev "socket,id=labqmp,path=$res/qmp-guest.sock,server=on,wait=off"
			-mon chardev=labqmp,mode=control
			-chardev "socket,id=labqmpc,path=$res/qmp-guest.sock"
			-device isa-serial,chardev=labqmpc,index=1)
	fi
	if lab_share_work; then
		q+=(-fsdev "local,id=fswork,path=$TOP,security_model=none,readonly=on,multidevs=remap"
			-device "virtio-9p-pci,fsdev=fswork,mount_tag=work$bus")
	fi
	printf '%q ' "${q[@]}" >"$res/qemu-cmdline"
	echo >>"$res/qemu-cmdline"
	local rc=0
	if [ "$tee" = --tee ]; then
		timeout -k 10 "$GUEST_TIMEOUT" "${q[@]}" </dev/null 2>&1 | tee "$res/console.log" ||
			rc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$GUEST_TIMEOUT" "${q[@]}" </dev/null >"$res/console.log" 2>&1 || rc=$?
	fi
	return "$rc"
}

# Why the boot in RESULTS-DIR (qemu status $2) must not count as a test result; empty if fine.
lab_guest_infra_problem() {
	local res=$1 qrc=$2 log=$1/console.log pat
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "timed out after ${GUEST_TIMEOUT}s"
		return
	fi
	# Only kernel lines count ("[   12.345678] ..."): test output on the console may quote
	# these words. dmesg.txt (saved by init when the guest survived) is all kernel.
	local hit
	hit=$( { grep -a -E '\[ *[0-9]+\.[0-9]+\] ' "$log" 2>/dev/null
		cat "$res/dmesg.txt" 2>/dev/null; } |
		grep -a -m1 -E 'Kernel panic|Oops|BUG:|Call Trace' | tr -d '\r' || true)
	if [ -n "$hit" ]; then
		for pat in 'Kernel panic' 'Oops' 'BUG:' 'Call Trace'; do
			case "$hit" in *"$pat"*) break ;; esac
		done
		echo "kernel reported '$pat': $hit"
		return
	fi
	if grep -aq 'VFIOCTL-LAB-INIT-FAILED' "$log"; then
		echo "guest init: $(grep -a -m1 'VFIOCTL-LAB-INIT-FAILED' "$log" | tr -d '\r' |
			sed 's/.*VFIOCTL-LAB-INIT-FAILED: //')"
		return
	fi
	if ! grep -aq 'VFIOCTL-LAB-EXIT=' "$log"; then
		echo "no exit marker on the console (qemu status $qrc)"
		return
	fi
	[ "$qrc" = 0 ] || echo "qemu exited with status $qrc"
}
