#!/usr/bin/env bats
# `vfioctl boot` (issue 22, the kernel command line) on fixture hosts: an Intel one
# (desktop-gpu) and an AMD one (sriov-nic), each given a /proc/cpuinfo, a vfioctl.conf and the
# /etc tree of one bootloader (GRUB, systemd-boot/kernel-install, bootc). The read-only view,
# --write --dry-run, --write, a second --write, --undo, and the user's own files untouched.

load helpers

# host intel|amd grub|sdboot|bootc|none: this test's tree in $R
host() {
	local vendor=$1 bl=$2 topo
	R=$BATS_TEST_TMPDIR/t
	case $vendor in
	intel) topo=desktop-gpu ;;
	amd) topo=sriov-nic ;;
	esac
	rm -rf "$R"
	"$MKFIXTURE" "$topo" "$R" >/dev/null
	mkdir -p "$R/etc"
	case $vendor in
	intel)
		printf 'processor\t: 0\nvendor_id\t: GenuineIntel\n' >"$R/proc/cpuinfo"
		# the GPU by address, its audio function by ids
		printf '0000:01:00.0\n10de:1aef\n' >"$R/etc/vfioctl.conf"
		;;
	amd)
		printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\n' >"$R/proc/cpuinfo"
		printf '0000:01:00.0\n' >"$R/etc/vfioctl.conf"
		;;
	esac
	case $bl in
	grub)
		mkdir -p "$R/etc/default/grub.d"
		printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' \
			>"$R/etc/default/grub"
		USERFILE=$R/etc/default/grub
		OURS=$R/etc/default/grub.d/vfioctl.cfg
		;;
	sdboot)
		mkdir -p "$R/etc/kernel" "$R/boot/loader/entries"
		printf 'root=UUID=1234 rw quiet\n' >"$R/etc/kernel/cmdline"
		USERFILE=$R/etc/kernel/cmdline
		OURS=
		;;
	none) # no bootloader vfioctl knows (syslinux, rEFInd, an EFI stub entry)
		USERFILE=$R/etc/vfioctl.conf
		OURS=
		;;
	bootc)
		mkdir -p "$R/usr/lib/bootc/kargs.d"
		printf 'kargs = ["console=ttyS0"]\n' >"$R/usr/lib/bootc/kargs.d/10-user.toml"
		USERFILE=$R/usr/lib/bootc/kargs.d/10-user.toml
		OURS=$R/usr/lib/bootc/kargs.d/vfioctl.toml
		;;
	esac
	USERSUM=$(sha256sum "$USERFILE")
	MODP=$R/etc/modprobe.d/vfioctl.conf
}

b() { # run the binary on this test's tree
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
}

user_untouched() {
	[ "$(sha256sum "$USERFILE")" = "$USERSUM" ] || { echo "user file changed: $USERFILE"; cat "$USERFILE"; return 1; }
}

@test "boot: Intel GRUB host: vendor, bootloader, what the command line has and needs" {
	host intel grub
	b boot
	expect_status 0
	grep -qx 'vendor: *intel' <<<"$output" || { dump; false; }
	grep -qx 'bootloader: *grub' <<<"$output" || { dump; false; }
	grep -q '^intel_iommu=on *required yes' <<<"$output" || { dump; false; }
	grep -q '^iommu=pt *optional no' <<<"$output" || { dump; false; }
	grep -q '^vfio-pci.ids=10de:2204,10de:1aef *required no' <<<"$output" || { dump; false; }
}

@test "boot -J: schema 1, the boot object's keys and values" {
	host intel grub
	b -J boot
	expect_status 0
	jqe '.schema == 1 and (.boot | keys) == (["args","args_file","bootloader","cmdline","conf_devices","hook","host_drivers","notes","vendor","vendor_from"])'
	jqe '.boot.vendor == "intel" and .boot.vendor_from == "/proc/cpuinfo GenuineIntel"'
	jqe '.boot.bootloader == "grub" and .boot.args_file == "/etc/default/grub, /etc/default/grub.d"'
	jqe '.boot.conf_devices == 2 and .boot.host_drivers == ["nvidia","snd_hda_intel"] and .boot.hook == null'
	jqe '.boot.cmdline | endswith("intel_iommu=on")'
	jqe '[.boot.args[] | {word, needed, present}] == [{"word":"intel_iommu=on","needed":"required","present":true},{"word":"iommu=pt","needed":"optional","present":false},{"word":"vfio-pci.ids=10de:2204,10de:1aef","needed":"required","present":false}]'
}

@test "boot: the initramfs hook installed: no vfio-pci.ids needed" {
	host intel grub
	mkdir -p "$R/usr/share/initramfs-tools/hooks"
	: >"$R/usr/share/initramfs-tools/hooks/vfioctl"
	b -J boot
	expect_status 0
	jqe '.boot.hook == "/usr/share/initramfs-tools/hooks/vfioctl"'
	jqe '[.boot.args[].word] == ["intel_iommu=on","iommu=pt"]'
}

@test "boot: AMD host: no amd_iommu=on (on by default; the note says why), iommu=pt optional; vendor from ACPI IVRS without cpuinfo" {
	host amd bootc
	b -J boot
	expect_status 0
	jqe '.boot.vendor == "amd" and .boot.bootloader == "bootc" and .boot.host_drivers == ["ixgbe"]'
	jqe '[.boot.args[] | select(.word | startswith("amd_iommu"))] == []'
	jqe '[.boot.args[] | select(.word == "iommu=pt") | [.needed, .present]] == [["optional",true]]'
	jqe '.boot.notes | length == 1 and (.[0] | test("AMD-Vi is on by default: amd_iommu=on is not needed") and test("only iommu=pt is an option"))'
	b boot
	grep -q "amd_iommu=on is not needed" <<<"$output" || { dump; false; }
	rm "$R/proc/cpuinfo"
	mkdir -p "$R/sys/firmware/acpi/tables"
	: >"$R/sys/firmware/acpi/tables/IVRS"
	b -J boot
	jqe '.boot.vendor == "amd" and .boot.vendor_from == "ACPI IVRS table"'
}

@test "boot: systemd-boot host: kernel-install, /etc/kernel/cmdline" {
	host amd sdboot
	b -J boot
	expect_status 0
	jqe '.boot.bootloader == "kernel-install" and .boot.args_file == "/etc/kernel/cmdline"'
}

# write_cycle VENDOR BL WORD: dry run, write, second write, undo; the user's file untouched
write_cycle() {
	host "$1" "$2"
	b boot --write --dry-run
	expect_status 0
	[ ! -e "$MODP" ] || { echo "dry run wrote $MODP"; false; }
	[ -z "$OURS" ] || [ ! -e "$OURS" ] || { echo "dry run wrote $OURS"; false; }
	grep -qx "+++ /etc/modprobe.d/vfioctl.conf" <<<"$output" || { dump; false; }
	grep -qx "+softdep $4 pre: vfio-pci" <<<"$output" || { dump; false; }
	[ -z "$OURS" ] || grep -q "^+.*$3" <<<"$output" || { dump; false; }
	grep -q "nothing written" <<<"$stderr" || { dump; false; }
	user_untouched

	b boot --write
	expect_status 0
	grep -qx "softdep $4 pre: vfio-pci" "$MODP"
	head -1 "$MODP" | grep -q '^# Written by vfioctl boot --write'
	if [ -n "$OURS" ]; then
		grep -q -- "$3" "$OURS" || { cat "$OURS"; false; }
		head -1 "$OURS" | grep -q '^# Written by vfioctl boot --write'
	fi
	grep -q "update-initramfs -u" <<<"$output" || { dump; false; }
	user_untouched
	local before
	before=$(cat "$MODP" ${OURS:+"$OURS"} | sha256sum)

	b boot --write
	expect_status 0
	grep -q "nothing to change" <<<"$stderr" || { dump; false; }
	if grep -q '^+++ ' <<<"$output"; then dump; false; fi
	[ "$(cat "$MODP" ${OURS:+"$OURS"} | sha256sum)" = "$before" ]

	b boot --undo
	expect_status 0
	[ ! -e "$MODP" ]
	[ -z "$OURS" ] || [ ! -e "$OURS" ]
	grep -qx -- "--- /etc/modprobe.d/vfioctl.conf" <<<"$output" || { dump; false; }
	user_untouched
	b boot --undo
	expect_status 0
	grep -q "nothing to change" <<<"$stderr" || { dump; false; }
}

@test "boot --write/--undo: Intel GRUB" {
	write_cycle intel grub 'GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} intel_iommu=on vfio-pci.ids=10de:2204,10de:1aef"' nvidia
}

@test "boot --write/--undo: AMD GRUB" {
	write_cycle amd grub 'GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} vfio-pci.ids=8086:10fb"' ixgbe
}

@test "boot --write/--undo: Intel bootc" {
	write_cycle intel bootc 'kargs = \["intel_iommu=on", "vfio-pci.ids=10de:2204,10de:1aef"\]' snd_hda_intel
}

@test "boot --write/--undo: AMD bootc" {
	write_cycle amd bootc 'kargs = \["vfio-pci.ids=8086:10fb"\]' ixgbe
}

@test "boot --write/--undo: Intel systemd-boot: says what to add to /etc/kernel/cmdline" {
	write_cycle intel sdboot unused nvidia
	host intel sdboot
	b boot --write
	grep -q "add 'intel_iommu=on vfio-pci.ids=10de:2204,10de:1aef' to /etc/kernel/cmdline" <<<"$stderr" || { dump; false; }
	grep -q "kernel-install add" <<<"$output" || { dump; false; }
	user_untouched
}

@test "boot --write/--undo: AMD systemd-boot" {
	write_cycle amd sdboot unused ixgbe
}

@test "boot: Intel host: intel_iommu=on stays required; no notes" {
	host intel grub
	b -J boot
	jqe '[.boot.args[] | select(.word == "intel_iommu=on") | .needed] == ["required"] and .boot.notes == []'
}

@test "boot: no known bootloader: a note says where to put the arguments by hand" {
	host intel none
	b -J boot
	expect_status 0
	jqe '.boot.bootloader == "unknown" and .boot.args_file == null'
	jqe '.boot.notes | length == 1 and (.[0] | test("no GRUB .* found") and test("by hand") and test("/boot/loader/entries") and test("extlinux.conf"))'
	b boot --write --dry-run
	expect_status 0
	grep -q "add 'intel_iommu=on vfio-pci.ids=10de:2204,10de:1aef' to the kernel command line by hand" <<<"$stderr" || { dump; false; }
	if grep -q "kernel-install add\|update-grub" <<<"$output"; then dump; false; fi
	write_cycle intel none unused nvidia
}

@test "boot --write: the GRUB snippet regenerates with update-grub" {
	host intel grub
	b boot --write
	expect_status 0
	grep -q "update-grub" <<<"$output" || { dump; false; }
}

@test "boot --write -J: files with action and diff, and the regeneration commands" {
	host intel grub
	b -J boot --write --dry-run
	expect_status 0
	jqe '[.files[] | {path, action}] == [{"path":"/etc/default/grub.d/vfioctl.cfg","action":"create"},{"path":"/etc/modprobe.d/vfioctl.conf","action":"create"}]'
	jqe '.files[1].diff | index("+softdep nvidia pre: vfio-pci") != null'
	jqe '.regenerate | length == 2'
	[ ! -e "$OURS" ]
}

@test "boot --write after bind --group: the softdep names the journalled host driver (nvidia)" {
	host intel grub
	D=$R/sys/bus/pci/devices J=$R/run/vfioctl
	FK=${FAKEKERNEL:-$(dirname "$VFIOCTL")/tests/fakekernel.so}
	[ "$(id -u)" = 0 ] || skip "needs root: bind refuses to run without it (uid $(id -u))"
	fk bind --group --timeout 2 01:00.0
	expect_status 0
	[ "$(drv 0000:01:00.0)" = vfio-pci ] || { dump; false; }
	b -J boot --write --dry-run
	expect_status 0
	jqe '.files[1].diff | index("+softdep nvidia pre: vfio-pci") != null'
	jqe '.files[1].diff | index("+softdep snd_hda_intel pre: vfio-pci") != null'
}

@test "boot --write and --undo leave a same-named file without vfioctl's header alone" {
	host intel grub
	echo 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX mine"' >"$OURS"
	local sum
	sum=$(sha256sum "$OURS")
	b boot --write
	expect_status 1
	grep -q "vfioctl: /etc/default/grub.d/vfioctl.cfg: warning: not written by vfioctl" <<<"$stderr" || { dump; false; }
	b boot --undo
	expect_status 1
	[ "$(sha256sum "$OURS")" = "$sum" ]
	[ ! -e "$MODP" ]
}

@test "boot -o and -r: the boot row's columns only" {
	host intel grub
	b boot -o VENDOR,BOOTLOADER
	expect_status 0
	[ "$output" = "$(printf 'vendor:     intel\nbootloader: grub')" ] || { dump; false; }
	b boot -r -o VENDOR,BOOTLOADER
	expect_status 0
	[ "$output" = "$(printf 'VENDOR BOOTLOADER\nintel grub')" ] || { dump; false; }
}

@test "boot: usage errors exit 2" {
	host intel grub
	b boot --dry-run
	expect_status 2
	b boot --write --undo
	expect_status 2
	b boot extra
	expect_status 2
}
