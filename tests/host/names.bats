#!/usr/bin/env bats
# Device names (src/core/names.c): libpci parses a pci.ids of the wanted vendor and device
# lines only (bench/README.md, issue 25). The names must be the ones libpci gives from the
# whole file, whatever else the file holds.

load helpers

setup_file() {
	make_fixture desktop-gpu
	make_fixture sriov-nic
}

# the vendor and device names of every PCI device, "BDF|VENDOR|DEVICE", from -J list --devices
names_of() {
	vf "$1" -J list --devices
	expect_status 0
	jq -r '.devices[] | select(.vendor_id != null) | "\(.bdf)|\(.vendor)|\(.device)"' <<<"$output"
}

# the same from lspci -vmm (libpci, the whole pci.ids, no hwdb: an unknown id prints as hex)
lspci_names_of() {
	lspci -D -vmm -O sysfs.path="$BATS_FILE_TMPDIR/$1/sys/bus/pci" -O hwdb.disable=1 2>/dev/null |
		awk -F'\t' '/^Slot:/ { s = $2 } /^Vendor:/ { v = $2 } /^Device:/ { d = $2 }
			/^$/ { if (s != "") print s "|" v "|" d; s = "" }
			END { if (s != "") print s "|" v "|" d }' |
		sed -E 's/\|[0-9a-f]{4}(\||$)/|null\1/g; s/\|[0-9a-f]{4}(\||$)/|null\1/g'
}

@test "names: the same as lspci's (libpci reading the whole pci.ids) on desktop-gpu and sriov-nic" {
	command -v lspci >/dev/null || skip "lspci (pciutils) is not installed: nothing to compare with"
	for t in desktop-gpu sriov-nic; do
		diff <(names_of $t | sort) <(lspci_names_of $t | sort)
	done
}

@test "names: comments, subsystems, classes and other vendors' equal ids in pci.ids change nothing" {
	# 8086 and 10de are desktop-gpu's; 1234 has a device 1901 too, and the class section a
	# line that looks like a vendor's device line; a subsystem line carries a wanted id.
	local ids=$BATS_TEST_TMPDIR/pci.ids
	printf '%s\n' '# header comment' '1234  Decoy Vendor' '	1901  decoy device 1901' \
		'8086  Intel Corp (test)' '# a comment inside the block' \
		'	1234  some other device' '		8086 1901  a subsystem naming 1901' \
		'	1901  Test Root Port 1901' '10de  NVIDIA (test)' \
		'C 06  Bridge' '	04  PCI bridge' '	1901  not a device' >"$ids"
	VFIOCTL_PCI_IDS=$ids vf desktop-gpu -J list --devices
	expect_status 0
	jqe '[.devices[] | select(.vendor_id == "8086" and .device_id == "1901")] | length > 0'
	jqe '[.devices[] | select(.vendor_id == "8086" and .device_id == "1901") |
		.vendor == "Intel Corp (test)" and .device == "Test Root Port 1901"] | all'
	jqe '[.devices[] | select(.vendor_id == "10de") | .vendor == "NVIDIA (test)" and .device == null] | all'
	jqe '[.devices[] | select(.vendor_id != "8086" and .vendor_id != "10de") | .vendor == null] | all'
}

@test "names: a compressed pci.ids still gives names (libpci reads it through zlib)" {
	local ids=$BATS_TEST_TMPDIR/pci.ids
	printf '%s\n' '8086  Intel Corp (gz)' '	1901  Test Root Port (gz)' >"$ids"
	gzip -9 "$ids"
	VFIOCTL_PCI_IDS=$ids.gz vf desktop-gpu -J list --devices
	expect_status 0
	if ! ldd "$VFIOCTL" "$(ldconfig -p | awk '/libpci.so.3 / { print $NF; exit }')" 2>/dev/null |
		grep -q libz; then
		skip "this libpci is built without zlib: it cannot read pci.ids.gz"
	fi
	jqe '[.devices[] | select(.vendor_id == "8086" and .device_id == "1901") | .device] ==
		["Test Root Port (gz)"]'
}
