#!/usr/bin/env bats
# vfioctl cdi against fixture trees: the spec for the desktop, SR-IOV and POWER fixtures judged
# field by field by tests/host/cdi_spec.py (nodes derived from the tree, not from vfioctl),
# golden tables, refusals with bind's exit codes, the owned spec's atomic writes, refreshes
# after binding changes, and check's cdi-spec item. The container runtime's side is
# tests/vm/cdi.bats.

load helpers

CHECKER=$TOP/tests/host/cdi_spec.py

setup() {
	R=$BATS_TEST_TMPDIR/t
	SPEC=$R/var/run/cdi/vfioctl.json
}

# tree NAME: the fixture, plus the sysfs `dev` attributes of the VFIO nodes the kernel has
# (class misc/vfio for the container, class vfio/N for each group node under dev/vfio)
tree() {
	"$MKFIXTURE" "$1" "$R" >/dev/null
	mkdir -p "$R/sys/class/misc/vfio"
	echo 10:196 >"$R/sys/class/misc/vfio/dev"
	local n i=0
	for n in "$R"/dev/vfio/*; do
		n=${n##*/}
		case $n in *[!0-9]*) continue ;; esac
		mkdir -p "$R/sys/class/vfio/$n"
		echo "243:$i" >"$R/sys/class/vfio/$n/dev"
		i=$((i + 1))
	done
}

# cdevs BDF...: an iommufd kernel: /dev/iommu and a vfio cdev for each device
cdevs() {
	local b i=0
	mkdir -p "$R/sys/class/misc/iommu" "$R/sys/class/vfio-dev" "$R/dev/vfio/devices"
	echo 10:123 >"$R/sys/class/misc/iommu/dev"
	: >"$R/dev/iommu"
	chmod 0660 "$R/dev/iommu"
	for b in "$@"; do
		mkdir -p "$R/sys/bus/pci/devices/$b/vfio-dev/vfio$i"
		echo "511:$i" >"$R/sys/bus/pci/devices/$b/vfio-dev/vfio$i/dev"
		: >"$R/dev/vfio/devices/vfio$i"
		chmod 0600 "$R/dev/vfio/devices/vfio$i"
		i=$((i + 1))
	done
}

vfr() { # run the binary on this test's tree
	require_binary
	run --separate-stderr "$VFIOCTL" --sysroot "$R" "$@"
}

# judge FILE BACKEND NAMES: the checker's verdict on a spec
judge() {
	run python3 "$CHECKER" facts "$1" --root "$R" --backend "$2" --expect "$3"
	if [ "$status" -ne 0 ]; then
		echo "cdi_spec.py: $output"
		cat "$1"
		return 1
	fi
}

# golden NAME: stdout equals tests/host/cdi-expected/NAME. Not in expected/CASES: these need
# the sysfs `dev` attributes added by tree(), some VFIOCTL_TEST_IGNORE_HOLDERS, and cdi writes
# into the tree. Regenerate by hand from the commands below, then read every changed line.
golden() {
	if ! diff -u "$TOP/tests/host/cdi-expected/$1" - <<<"$output"; then
		dump
		return 1
	fi
}

@test "cdi: the checker itself fails bad specs (names, kinds, versions, fields)" {
	good='{"cdiVersion":"0.5.0","kind":"vfioctl.io/pci","devices":[{"name":"0000:01:00.0","containerEdits":{"deviceNodes":[{"path":"/dev/vfio/vfio","type":"c","permissions":"rw"}]}}]}'
	run python3 "$CHECKER" validate - <<<"$good"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	local bad
	for bad in '.cdiVersion = "0.6"' '.cdiVersion = "0.7.0"' '.kind = "pci"' '.kind = "vfioctl.io/p.ci"' \
		'.devices = []' '.devices[0].name = "0000:01:00.0/"' '.devices[0].name = "-x"' \
		'.devices += [.devices[0]]' 'del(.devices[0].containerEdits)' '.devices[0].extra = 1' \
		'.devices[0].containerEdits.deviceNodes[0].path = "dev/vfio/vfio"' \
		'.devices[0].containerEdits.deviceNodes[0].permissions = "rwx"' \
		'.devices[0].containerEdits.deviceNodes[0].major = -1' \
		'.devices[0].containerEdits.deviceNodes[0].uid = 4294967296' \
		'.devices[0].containerEdits.deviceNodes[0].fileMode = 33206'; do
		run python3 "$CHECKER" validate - <<<"$(jq -c "$bad" <<<"$good")"
		[ "$status" -eq 1 ] || { echo "the checker passed: $bad"; false; }
	done
}

@test "cdi: desktop: the group qemu holds is refused (exit 5) and no spec is written" {
	tree desktop-gpu
	vfr cdi
	expect_status 5
	grep -qF "vfioctl: 0000:04:00.0: refused: group 12 is in use by pid 4242 (qemu-system-x86) holding /dev/vfio/12" <<<"$stderr"
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ ! -e "$SPEC" ]
}

@test "cdi: desktop (holders ignored): 04:00.0 and group-12, field by field, golden table" {
	tree desktop-gpu
	VFIOCTL_TEST_IGNORE_HOLDERS=1 vfr cdi
	expect_status 0
	golden desktop-gpu
	judge "$SPEC" legacy 0000:04:00.0,group-12
	[ -z "$stderr" ]
}

@test "cdi: SR-IOV: the VFs on vfio-pci, the held one refused: exit 7, golden, field by field" {
	tree sriov-nic
	vfr cdi
	expect_status 7
	golden sriov-nic
	grep -qF "vfioctl: 0000:01:10.2: refused: group 41 is in use by pid 3077 (dpdk-testpmd)" <<<"$stderr"
	judge "$SPEC" legacy 0000:01:10.0,0000:01:10.4,group-40,group-42
	# the JSON shape, once, as a golden (owner ids left out: the tree belongs to the runner)
	run jq -S 'del(.. | .uid?, .gid?)' "$SPEC"
	golden sriov-nic.json
}

@test "cdi: POWER: one group per PHB: the vfio device and group-2; the unbound sibling is fine" {
	tree power-phb
	vfr cdi
	expect_status 5
	grep -qF "vfioctl: 0002:00:01.0: refused: group 2 is in use by pid 2211 (qemu-system-ppc)" <<<"$stderr"
	VFIOCTL_TEST_IGNORE_HOLDERS=1 vfr cdi
	expect_status 0
	golden power-phb
	judge "$SPEC" legacy 0002:00:01.0,group-2
	# listed before its holder came (the container it was handed to): it stays listed
	vfr cdi
	expect_status 0
	judge "$SPEC" legacy 0002:00:01.0,group-2
}

@test "cdi: a non-viable group is refused as bind refuses it (exit 8, the blocker named)" {
	tree pci-bridge
	vfr cdi
	expect_status 8
	grep -qF "vfioctl: 0000:02:04.0: refused: group 8 is not viable: 0000:02:00.0" <<<"$stderr"
	grep -qF "e1000" <<<"$stderr"
	[ ! -e "$SPEC" ]
}

@test "cdi: targets: only what they name; a device off vfio is refused (1), an unknown one is 3" {
	tree sriov-nic
	vfr cdi 01:10.4
	expect_status 0
	judge "$SPEC" legacy 0000:01:10.4,group-42
	vfr cdi 42 01:10.4
	expect_status 0
	judge "$SPEC" legacy 0000:01:10.4,group-42
	vfr cdi 01:10.6
	expect_status 1
	grep -qF "vfioctl: 0000:01:10.6: refused: is not bound to a vfio driver (ixgbevf)" <<<"$stderr"
	vfr cdi 01:10.0 01:10.6
	expect_status 7
	judge "$SPEC" legacy 0000:01:10.0,group-40
	vfr cdi 05:00.0
	expect_status 3
	grep -qF "vfioctl: 05:00.0: no such PCI device" <<<"$stderr"
	vfr cdi 1:2:3
	expect_status 3		# a slot (domain 1, bus 2, device 3) that matches nothing
	vfr cdi 1:2:3:4
	expect_status 2
}

@test "cdi: --kind: the spec's kind and the --device names; bad kinds are usage errors" {
	tree sriov-nic
	vfr cdi --kind example.com/vf 01:10.0 -o DEVICE -n
	expect_status 0
	[ "$output" = "$(printf 'example.com/vf=0000:01:10.0\nexample.com/vf=group-40')" ] || { dump; false; }
	jq -e '.kind == "example.com/vf"' "$SPEC"
	grep -qx 'kind example.com/vf' "$R/run/vfioctl/cdi"
	local k
	for k in pci example.com/ /vf example.com/v.f example.com/vf/x '-x.com/vf' 'ex ample.com/vf'; do
		vfr cdi --kind "$k"
		expect_status 2
		grep -q "vfioctl: --kind: '$k': .*Try 'vfioctl --help'" <<<"$(tr '\n' ' ' <<<"$stderr")" || { dump; false; }
	done
	vfr cdi --backend vfio
	expect_status 2
}

@test "cdi: --backend iommufd: /dev/iommu and the cdevs; fallback to legacy without vfio cdev" {
	tree sriov-nic
	vfr cdi --backend iommufd 40 42
	expect_status 0
	grep -qF "warning: this kernel has no vfio cdev" <<<"$stderr"
	judge "$SPEC" legacy 0000:01:10.0,0000:01:10.4,group-40,group-42
	cdevs 0000:01:10.0 0000:01:10.2 0000:01:10.4
	vfr cdi --backend iommufd 40 42
	expect_status 0
	[ -z "$stderr" ] || { dump; false; }
	judge "$SPEC" iommufd 0000:01:10.0,0000:01:10.4,group-40,group-42
	jq -e '.devices[0].containerEdits.deviceNodes | map(.path) == ["/dev/iommu", "/dev/vfio/devices/vfio0"]' "$SPEC"
	jq -e '.devices[0].containerEdits.deviceNodes[1] | .major == 511 and .minor == 0 and .fileMode == 384' "$SPEC"
	# auto keeps the legacy container while the kernel has one
	vfr cdi 40
	expect_status 0
	judge "$SPEC" legacy 0000:01:10.0,group-40
	rm "$R/dev/vfio/vfio"
	vfr cdi 40
	expect_status 0
	judge "$SPEC" iommufd 0000:01:10.0,group-40
}

@test "cdi: a missing group node refuses the device (3); numbers unknown to sysfs are left out" {
	tree sriov-nic
	rm "$R/dev/vfio/42"
	vfr cdi 40 42
	expect_status 7
	grep -qF "vfioctl: 0000:01:10.4: refused: /dev/vfio/42 is missing: No such file or directory" <<<"$stderr"
	rm -r "$R/sys/class/vfio"
	vfr cdi 40
	expect_status 0
	judge "$SPEC" legacy 0000:01:10.0,group-40
	jq -e '[.devices[].containerEdits.deviceNodes[] | select(.path == "/dev/vfio/40") | has("major")] == [false, false]' "$SPEC"
}

@test "cdi -J prints the spec itself, byte for byte the file; --output - prints only" {
	tree sriov-nic
	vfr -J cdi 40 42
	expect_status 0
	[ "$output" = "$(cat "$SPEC")" ] || { dump; false; }
	jqe '.cdiVersion == "0.5.0" and (.devices | length) == 4'
	rm -r "$R/var/run/cdi" "$R/run/vfioctl"
	vfr cdi --output - 40
	expect_status 0
	python3 "$CHECKER" validate - <<<"$output"
	jqe '[.devices[].name] == ["0000:01:10.0", "group-40"]'
	[ ! -e "$R/var/run/cdi" ] && [ ! -e "$R/run/vfioctl/cdi" ]
}

@test "cdi --output FILE: written there atomically, the owned spec and its state untouched" {
	tree sriov-nic
	out=$BATS_TEST_TMPDIR/out/sub/vf.json
	vfr cdi --output "$out" 40
	expect_status 0
	judge "$out" legacy 0000:01:10.0,group-40
	[ ! -e "$SPEC" ] && [ ! -e "$R/run/vfioctl/cdi" ]
	[ "$(ls -A "$(dirname "$out")")" = vf.json ]
	# unchanged: not rewritten (same inode); changed: replaced by rename (new inode), no temp left
	ino=$(stat -c %i "$out")
	vfr -v cdi --output "$out" 40
	grep -qF "unchanged" <<<"$stderr"
	[ "$(stat -c %i "$out")" = "$ino" ]
	vfr -v cdi --output "$out" 40 42
	grep -qF "written (4 CDI devices)" <<<"$stderr"
	[ "$(stat -c %i "$out")" != "$ino" ]
	[ "$(ls -A "$(dirname "$out")")" = vf.json ]
	judge "$out" legacy 0000:01:10.0,0000:01:10.4,group-40,group-42
	# an unwritable place is the write's error, one line
	vfr cdi --output /proc/version/x 40
	expect_status 1
	grep -q "^vfioctl: /proc/version/x: cannot write the CDI spec: " <<<"$stderr"
}

@test "cdi: the owned spec follows the bindings: restore/apply refresh it, stale devices go" {
	[ "$(id -u)" = 0 ] || skip "needs root: restore and apply refuse to run without it (uid $(id -u))"
	tree desktop-gpu
	VFIOCTL_TEST_IGNORE_HOLDERS=1 vfr cdi
	expect_status 0
	judge "$SPEC" legacy 0000:04:00.0,group-12
	# the kernel moved 05:00.0 (pci-stub, group 13) to vfio-pci and made its node
	dev=$(readlink -f "$R/sys/bus/pci/devices/0000:05:00.0")
	ln -sfn "$(readlink "$dev/driver" | sed 's/pci-stub$/vfio-pci/')" "$dev/driver"
	: >"$R/dev/vfio/13"
	mkdir -p "$R/sys/class/vfio/13" && echo 243:7 >"$R/sys/class/vfio/13/dev"
	# a restore that finds its device back already is still a change run: the spec follows
	mkdir -p "$R/run/vfioctl" && chmod 700 "$R/run/vfioctl"
	printf 'vfioctl-journal 1\nbdf 0000:03:00.0\ndriver nvme\noverride -\nvendor -1\ndevice -1\npid 1\ntime 1\n' \
		>"$R/run/vfioctl/0000:03:00.0"
	chmod 600 "$R/run/vfioctl/0000:03:00.0"
	vfr restore 03:00.0
	expect_status 0
	judge "$SPEC" legacy 0000:04:00.0,0000:05:00.0,group-12,group-13
	# 04:00.0 went back to igb: gone from the spec (the group held by qemu stays otherwise)
	dev=$(readlink -f "$R/sys/bus/pci/devices/0000:04:00.0")
	ln -sfn "$(readlink "$dev/driver" | sed 's/vfio-pci$/igb/')" "$dev/driver"
	printf 'vfioctl-journal 1\nbdf 0000:03:00.0\ndriver nvme\noverride -\nvendor -1\ndevice -1\npid 1\ntime 1\n' \
		>"$R/run/vfioctl/0000:03:00.0"
	vfr restore 03:00.0
	expect_status 0
	judge "$SPEC" legacy 0000:05:00.0,group-13
	# nothing left on vfio: a spec without devices is no spec (CDI wants one device at least)
	ln -sfn "$(readlink "$(readlink -f "$R/sys/bus/pci/devices/0000:05:00.0")/driver" | sed 's/vfio-pci$/pci-stub/')" \
		"$(readlink -f "$R/sys/bus/pci/devices/0000:05:00.0")/driver"
	printf 'vfioctl-journal 1\nbdf 0000:03:00.0\ndriver nvme\noverride -\nvendor -1\ndevice -1\npid 1\ntime 1\n' \
		>"$R/run/vfioctl/0000:03:00.0"
	vfr restore 03:00.0
	expect_status 0
	[ ! -e "$SPEC" ]
	# the state stays: the next binding change brings the spec back (apply, as at boot)
	ln -sfn "$(readlink "$dev/driver" | sed 's/igb$/vfio-pci/')" "$dev/driver"
	mkdir -p "$R/etc"
	echo '0000:04:00.0 driver=vfio-pci' >"$R/etc/vfioctl.conf"
	vfr apply
	expect_status 0
	# qemu (pid 4242) still holds group 12, and the spec did not list it: not handed out
	[ ! -e "$SPEC" ]
	rm "$R/proc/4242/fd/15"
	vfr apply
	expect_status 0
	judge "$SPEC" legacy 0000:04:00.0,group-12
}

@test "cdi: no refresh without vfioctl cdi first (no state, no spec appears)" {
	[ "$(id -u)" = 0 ] || skip "needs root: restore refuses to run without it (uid $(id -u))"
	tree desktop-gpu
	mkdir -p "$R/run/vfioctl" && chmod 700 "$R/run/vfioctl"
	printf 'vfioctl-journal 1\nbdf 0000:03:00.0\ndriver nvme\noverride -\nvendor -1\ndevice -1\npid 1\ntime 1\n' \
		>"$R/run/vfioctl/0000:03:00.0"
	chmod 600 "$R/run/vfioctl/0000:03:00.0"
	vfr restore 03:00.0
	expect_status 0
	[ ! -e "$SPEC" ] && [ ! -e "$R/var/run/cdi" ]
}

@test "check: cdi-spec: absent is no item; matching is ok; a disagreeing or missing spec warns" {
	tree sriov-nic
	vfr -J check
	jqe '[.checks[] | select(.item == "cdi-spec")] == []'
	VFIOCTL_TEST_IGNORE_HOLDERS=1 vfr cdi
	expect_status 0
	vfr -J check
	jqe '.checks[] | select(.item == "cdi-spec") | .status == "ok" and (.detail | test("matches the bindings \\(6 CDI devices\\)"))'
	# the node's mode changed behind the spec's back: the spec disagrees
	chmod 0600 "$R/dev/vfio/40"
	vfr -J check
	jqe '.checks[] | select(.item == "cdi-spec") | .status == "warn" and (.detail | test("disagrees")) and (.fix | test("vfioctl cdi"))'
	vfr cdi
	vfr -J check
	jqe '.checks[] | select(.item == "cdi-spec") | .status == "ok"'
	rm "$SPEC"
	vfr -J check
	jqe '.checks[] | select(.item == "cdi-spec") | .status == "warn" and (.detail | test("is missing"))'
}
