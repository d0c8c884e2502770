#!/usr/bin/env bats
# bind's driver: the module loaded when the driver is not registered (libkmod on a host; under
# --sysroot the tree's modules.dep and the fake kernel's answer to ROOT/run/vfioctl/modprobe,
# never the host's kernel), and --driver auto: the vfio-pci variant driver modules.alias names
# for a device (the match with the fewest wildcards), shown by show and check. desktop-gpu,
# with a module tree added: 04:00.0 is an Intel I210 (8086:1533), 05:00.0 a Realtek
# (10ec:8168) on pci-stub in a viable group of its own, 01:00.0 an NVIDIA GPU.

load helpers

REL=6.12.0-fixture

setup() {
	fakekernel_setup desktop-gpu
	M=$R/lib/modules/$REL
	mkdir -p "$M" "$R/proc/sys/kernel"
	echo "$REL" >"$R/proc/sys/kernel/osrelease"
	cat >"$M/modules.dep" <<-DEP
		kernel/drivers/vfio/pci/vfio-pci-core.ko.xz:
		kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz
		kernel/drivers/vfio/pci/igb/igb-vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz
		kernel/drivers/vfio/pci/rtl/rtl-vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz
	DEP
	# the less specific Intel line comes first; the most specific one does not match (its
	# subsystem vendor is not 8086): the fewest wildcards among the matches wins
	cat >"$M/modules.alias" <<-ALIAS
		# Aliases extracted from modules themselves.
		alias pci:v00008086d00001533sv*sd*bc*sc*i* igb
		alias vfio_pci:v00008086d*sv*sd*bc*sc*i* intel_vfio_pci
		alias vfio_pci:v00008086d00001533sv00001234sd*bc*sc*i* wrong_vfio_pci
		alias vfio_pci:v00008086d00001533sv*sd*bc*sc*i* igb_vfio_pci
		alias vfio_pci:v000010ECd00008168sv*sd*bc*sc*i* rtl_vfio_pci
		alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci
	ALIAS
}

# no vfio-pci registered: its module is not loaded (04:00.0 was on it: now on no driver)
no_vfio_pci() {
	rm -f "$D/0000:04:00.0/driver"
	rm -rf "$R/sys/bus/pci/drivers/vfio-pci" "$R/dev/vfio/12"
}

@test "bind --dry-run without vfio-pci loaded: the plan says the module would be loaded; nothing is" {
	no_vfio_pci
	fk bind --dry-run --driver vfio-pci 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[[ "$output" == *"0000:05:00.0"*"vfio-pci"*"planned"*"module vfio_pci would be loaded first"* ]] || { dump; false; }
	[ ! -e "$R/sys/bus/pci/drivers/vfio-pci" ]
	[ ! -e "$R/run/vfioctl/modprobe" ]
	[ "$(drv 0000:05:00.0)" = pci-stub ]
}

@test "bind without vfio-pci loaded loads its module (the fake kernel registers it) and binds" {
	no_vfio_pci
	fk bind --driver vfio-pci 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[ "$(cat "$R/run/vfioctl/modprobe")" = vfio_pci ]
	[ -d "$R/sys/bus/pci/drivers/vfio-pci" ]
	[ "$(drv 0000:05:00.0)" = vfio-pci ]
	[ -e "$R/dev/vfio/13" ]
	[[ "$output" == *"done"*"module vfio_pci loaded"* ]] || { dump; false; }
}

@test "a module the tree does not have: one line naming it, exit 6, dry run and real run alike" {
	no_vfio_pci
	sed -i '/\/vfio-pci.ko/d' "$M/modules.dep"
	for dry in --dry-run ""; do
		fk bind $dry --driver vfio-pci 05:00.0
		[ "$status" -eq 6 ] || { dump; false; }
		[ "$stderr" = "vfioctl: vfio-pci: cannot load module vfio_pci: No such file or directory" ] ||
			{ dump; false; }
	done
	[ "$(drv 0000:05:00.0)" = pci-stub ]
	[ ! -e "$J/0000:05:00.0" ]
}

@test "a module the kernel refuses: the error names it; the device is not touched" {
	no_vfio_pci
	VFIOCTL_FAKEKERNEL_FAIL_MODPROBE=vfio_pci fk bind --driver vfio-pci 05:00.0
	[ "$status" -ne 0 ] || { dump; false; }
	[ "$stderr" = "vfioctl: vfio-pci: cannot load module vfio_pci: Exec format error" ] || { dump; false; }
	[ "$(drv 0000:05:00.0)" = pci-stub ]
	[ ! -e "$J/0000:05:00.0" ]
	[ ! -e "$R/sys/bus/pci/drivers/vfio-pci" ]
}

@test "show: vfio_driver is the variant with the fewest wildcards, else vfio-pci; null for a bridge" {
	fk -J show 04:00.0 05:00.0 01:00.0 00:01.0
	[ "$status" -eq 0 ] || { dump; false; }
	[ "$(jq -r '[.devices[] | "\(.bdf)=\(.vfio_driver)"] | join(" ")' <<<"$output")" = \
		"0000:04:00.0=igb_vfio_pci 0000:05:00.0=rtl_vfio_pci 0000:01:00.0=vfio-pci 0000:00:01.0=null" ] ||
		{ dump; false; }
}

@test "show without modules.alias: vfio-pci for every device" {
	rm "$M/modules.alias"
	fk -J show 04:00.0 05:00.0
	[ "$(jq -r '[.devices[].vfio_driver] | join(" ")' <<<"$output")" = "vfio-pci vfio-pci" ] ||
		{ dump; false; }
}

@test "check: a vfio-driver item for a device with a variant (a warning on vfio-pci); none without" {
	fk -J check 04:00.0 05:00.0 01:00.0
	[ "$(jq -r '[.checks[] | select(.item == "vfio-driver") | "\(.target)=\(.status)"] | join(" ")' \
		<<<"$output")" = "0000:04:00.0=warn 0000:05:00.0=ok" ] || { dump; false; }
	[[ "$(jq -r '.checks[] | select(.item == "vfio-driver" and .target == "0000:04:00.0") | .detail' \
		<<<"$output")" == "on vfio-pci, but its variant driver is igb_vfio_pci"* ]] || { dump; false; }
}

@test "bind (auto): the device goes to its variant driver, whose module is loaded first" {
	fk bind --dry-run 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[[ "$output" == *"rtl_vfio_pci"*"planned"*"variant driver (modules.alias); module rtl_vfio_pci would be loaded first"* ]] ||
		{ dump; false; }
	[ ! -e "$R/run/vfioctl/modprobe" ]
	fk bind 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[ "$(cat "$R/run/vfioctl/modprobe")" = rtl_vfio_pci ]
	[ "$(drv 0000:05:00.0)" = rtl_vfio_pci ]
	[ "$(cat "$D/0000:05:00.0/driver_override")" = rtl_vfio_pci ]
	[ -e "$R/dev/vfio/13" ]
	fk restore 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[ "$(drv 0000:05:00.0)" = pci-stub ]
}

@test "bind --driver vfio-pci forces the generic driver over the variant" {
	fk bind --driver vfio-pci 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[ "$(drv 0000:05:00.0)" = vfio-pci ]
	[ ! -e "$R/run/vfioctl/modprobe" ]
}

@test "bind (auto) when the variant's module cannot be loaded: a warning, and vfio-pci" {
	VFIOCTL_FAKEKERNEL_FAIL_MODPROBE=rtl_vfio_pci fk bind 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[ "$(drv 0000:05:00.0)" = vfio-pci ]
	[[ "$stderr" == *"vfioctl: 0000:05:00.0: warning: variant driver rtl_vfio_pci: cannot load module rtl_vfio_pci: Exec format error; binding to vfio-pci"* ]] ||
		{ dump; false; }
	[[ "$output" == *"variant rtl_vfio_pci: cannot load module rtl_vfio_pci"*"vfio-pci instead"* ]] ||
		{ dump; false; }
}

@test "bind --dry-run (auto) when the variant's module is not in the tree: the plan says vfio-pci" {
	sed -i '/rtl-vfio-pci/d' "$M/modules.dep"
	fk bind --dry-run 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	[[ "$output" == *"0000:05:00.0"*" vfio-pci "*"planned"*"vfio-pci instead"* ]] || { dump; false; }
}

@test "bind --persist (auto) records the driver each device went to" {
	fk bind --persist 05:00.0
	[ "$status" -eq 0 ] || { dump; false; }
	grep -q '^0000:05:00.0 .*rtl_vfio_pci' "$R/etc/vfioctl.conf" || { cat "$R/etc/vfioctl.conf"; false; }
}

# apply binds what vfioctl.conf names, at boot too, where nothing has loaded vfio-pci yet
@test "apply without vfio-pci loaded: --check says the module would be loaded; apply loads it and binds" {
	no_vfio_pci
	mkdir -p "$R/etc"
	printf '0000:05:00.0 driver=vfio-pci\n' >"$R/etc/vfioctl.conf"
	fk apply --check
	expect_status 8
	[[ "$stderr" == *"vfioctl.conf:1: driver vfio-pci: module vfio_pci would be loaded first"* ]] ||
		{ dump; false; }
	[ ! -e "$R/run/vfioctl/modprobe" ]
	[ "$(drv 0000:05:00.0)" = pci-stub ]
	fk apply
	expect_status 0
	[ "$(cat "$R/run/vfioctl/modprobe")" = vfio_pci ]
	[ "$(drv 0000:05:00.0)" = vfio-pci ]
	fk apply --check
	expect_status 0
}

@test "apply: a line whose driver's module does not exist fails alone, exit 6; the others are applied" {
	no_vfio_pci
	mkdir -p "$R/etc"
	printf '0000:04:00.0 driver=nosuch-vfio-pci\n0000:05:00.0 driver=vfio-pci\n' \
		>"$R/etc/vfioctl.conf"
	fk apply
	expect_status 6
	[[ "$stderr" == *"vfioctl.conf:1: driver nosuch-vfio-pci: cannot load module nosuch_vfio_pci"* ||
	   "$stderr" == *"vfioctl.conf:1: driver nosuch-vfio-pci: cannot load module nosuch-vfio-pci"* ]] ||
		{ dump; false; }
	[ ! -e "$D/0000:04:00.0/driver" ]
	[ "$(drv 0000:05:00.0)" = vfio-pci ] || { dump; false; }
}
