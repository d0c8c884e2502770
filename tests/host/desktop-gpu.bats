#!/usr/bin/env bats
# Intel Z390 desktop: RTX 3090 + HDMI audio + Renesas USB behind two non-ACS CPU root ports
# (group 1), PCH USB (2), SATA (3), three ACS PCH root ports (4-6), host bridge + LPC + SMBus (9),
# NVMe (10), I210 on vfio-pci held by qemu (12), RTL8111 on pci-stub (13).

load helpers

setup_file() {
	make_fixture desktop-gpu
}

T=desktop-gpu

@test "desktop-gpu: list -J matches the fixture (every device once, sorted, all fields)" {
	vf $T -J list
	expect_status 0
	contract list $T
}

@test "desktop-gpu: list --devices -J matches the fixture" {
	vf $T -J list --devices
	expect_status 0
	contract devices $T
}

@test "desktop-gpu: GPU group is not viable; blockers name nvidia, snd_hda_intel and xhci_hcd" {
	vf $T -J list
	expect_status 0
	jqe '.groups[] | select(.group == 1) | .viable == false'
	jqe '[.groups[] | select(.group == 1) | .blockers[] | "\(.bdf) \(.driver)"] | sort ==
	     ["0000:01:00.0 nvidia", "0000:01:00.1 snd_hda_intel", "0000:02:00.0 xhci_hcd"]'
	# the pcieport root ports in the same group are not blockers
	jqe '[.groups[] | select(.group == 1) | .blockers[] | select(.driver == "pcieport")] == []'
}

@test "desktop-gpu: the fix for the GPU group says to bind each blocker" {
	vf $T -J list
	jqe '[.groups[] | select(.group == 1) | .blockers[] | .bdf as $b
	      | ((.reason // "") + " " + (.fix // "")) as $t
	      | ($t | test("bind"; "i")) and ($t | contains($b))] | length == 3 and all'
	vf $T show 1
	expect_status 0
	for b in 0000:01:00.0 0000:01:00.1 0000:02:00.0; do
		grep -E "$b.*bind|bind.*$b" <<<"$output" || { echo "no bind advice for $b"; dump; false; }
	done
}

@test "desktop-gpu: vfio-pci and pci-stub groups are viable, pcieport-only groups too" {
	vf $T -J list
	jqe '[.groups[] | select(.viable) | .group] == [4, 5, 6, 12, 13]'
	jqe '.groups[] | select(.group == 13) | .devices[0].driver == "pci-stub" and (.blockers == [])'
}

@test "desktop-gpu: holders: qemu (pid 4242) holds /dev/vfio/12, nothing else is held" {
	vf $T -J list
	jqe '[.groups[] | select(.holders != []) | .group] == [12]'
	jqe '.groups[] | select(.group == 12) | .holders == [{"pid": 4242, "comm": "qemu-system-x86", "path": "/dev/vfio/12"}]'
	vf $T show 12
	expect_status 0
	grep -q 4242 <<<"$output" && grep -q qemu-system-x86 <<<"$output"
}

@test "desktop-gpu: reserved regions in address order, x86 MSI window and RMRRs" {
	vf $T -J list
	jqe '.groups[] | select(.group == 2) | .reserved_regions == [
	      {"start": "0x000000003e2e0000", "end": "0x000000003e2fffff", "type": "direct-relaxable"},
	      {"start": "0x00000000fee00000", "end": "0x00000000feefffff", "type": "msi"}]'
	jqe '.groups[] | select(.group == 9) | .reserved_regions[0].type == "direct"'
	jqe '[.groups[].type] | unique == ["DMA-FQ"]'
	jqe '.iommu.enabled == true and .iommu.groups == 10'
}

@test "desktop-gpu: config-space flags and reset methods per device" {
	vf $T -J list --devices
	dev() { jq -c --arg b "$1" '.devices[] | select(.bdf == $b) | [.flr, .pm_nosoftrst, .acs, .reset_methods, .kind]' <<<"$output"; }
	[ "$(dev 0000:03:00.0)" = '[true,true,false,["flr","bus"],"endpoint"]' ]        # NVMe
	[ "$(dev 0000:04:00.0)" = '[true,false,false,["flr","pm","bus"],"endpoint"]' ]  # I210
	[ "$(dev 0000:01:00.0)" = '[false,true,false,null,"endpoint"]' ]                # GPU: no method
	[ "$(dev 0000:05:00.0)" = '[false,false,false,[],"endpoint"]' ]                 # methods disabled
	[ "$(dev 0000:00:1c.0)" = '[false,true,true,null,"bridge"]' ]                   # ACS root port
	[ "$(dev 0000:00:01.0)" = '[false,true,false,null,"bridge"]' ]                  # no ACS
	# an ISA bridge has a type 0 header: an endpoint, whatever its class says
	[ "$(jq -r '.devices[] | select(.bdf == "0000:00:1f.0") | .kind' <<<"$output")" = endpoint ]
}

@test "desktop-gpu: names from pci.ids; numa_node -1 is null; override shown" {
	vf $T -J list --devices
	jqe '.devices[] | select(.bdf == "0000:01:00.0") | .vendor == "NVIDIA Corporation" and .device == "GA102 [GeForce RTX 3090]" and .numa_node == null'
	jqe '.devices[] | select(.bdf == "0000:04:00.0") | .driver_override == "vfio-pci" and .driver == "vfio-pci"'
	jqe '[.devices[] | select(.driver_override != null) | .bdf] == ["0000:04:00.0"]'
}

@test "desktop-gpu: filters --class, --id, --driver on devices" {
	vf $T -J list --devices --class 030000
	expect_status 0
	jqe '[.devices[].bdf] == ["0000:01:00.0"]'
	vf $T -J list --devices --id 10de:1aef
	jqe '[.devices[].bdf] == ["0000:01:00.1"]'
	vf $T -J list --devices --driver xhci_hcd
	jqe '[.devices[].bdf] == ["0000:00:14.0", "0000:02:00.0"]'
	vf $T -J list --devices --driver no-such-driver
	expect_status 0
	jqe '.devices == []'
}

@test "desktop-gpu: documented filter forms: class prefix, vendor alone, --driver none" {
	vf $T -J list --devices --class 03
	expect_status 0
	jqe '[.devices[].bdf] == ["0000:01:00.0"]'
	vf $T -J list --devices --class 0c03
	jqe '[.devices[].bdf] == ["0000:00:14.0", "0000:02:00.0"]'
	vf $T -J list --devices --id 10de
	jqe '[.devices[].bdf] == ["0000:01:00.0", "0000:01:00.1"]'
	vf $T -J list --devices --driver none
	jqe '[.devices[].bdf] == ["0000:00:14.2", "0000:00:1f.0"]'
	# filters combine: NVIDIA devices bound to snd_hda_intel
	vf $T -J list --devices --id 10de --driver snd_hda_intel
	jqe '[.devices[].bdf] == ["0000:01:00.1"]'
}

@test "desktop-gpu: filters --viable / --not-viable and --class on groups" {
	vf $T -J list --viable
	expect_status 0
	jqe '[.groups[].group] == [4, 5, 6, 12, 13] and all(.groups[]; .viable)'
	vf $T -J list --not-viable
	jqe '[.groups[].group] == [1, 2, 3, 9, 10] and all(.groups[]; .viable | not)'
	vf $T -J list --class 030000
	jqe '[.groups[].group] == [1]'
}

@test "desktop-gpu: show accepts BDF, short BDF, group N, group:N and vendor:device" {
	vf $T -J show 0000:01:00.0
	expect_status 0
	full=$output
	contract show-device $T
	jqe '.devices[0].group == 1'
	vf $T -J show 01:00.0
	expect_status 0
	[ "$output" = "$full" ]
	vf $T -J show 12
	expect_status 0
	contract show-group $T
	g=$output
	jqe '[.groups[].group] == [12]'
	vf $T -J show group:12
	[ "$output" = "$g" ]
	vf $T -J show 10de:2204
	expect_status 0
	jqe '[.devices[].bdf] == ["0000:01:00.0"]'
}

@test "desktop-gpu: show of a device carries its group's viability" {
	vf $T -J show 01:00.1 04:00.0
	expect_status 0
	contract show-device $T
}

@test "desktop-gpu: show DEVICE carries the group's members, blockers with fixes, holders" {
	vf $T -J show 01:00.0
	expect_status 0
	jqe '.devices[0].group_devices == ["0000:00:01.0","0000:00:01.1","0000:01:00.0","0000:01:00.1","0000:02:00.0"]'
	jqe '[.devices[0].group_blockers[].bdf] == ["0000:01:00.0","0000:01:00.1","0000:02:00.0"]'
	jqe '.devices[0].group_blockers[] | select(.bdf == "0000:01:00.1") | .fix | test("vfioctl bind --group 0000:01:00.1")'
	jqe '.devices[0].holders == []'
	vf $T show 01:00.0
	expect_status 0
	grep -q '^group_blockers:' <<<"$output" || { dump; false; }
	grep -q 'snd_hda_intel.*bind 0000:01:00.1 to vfio-pci' <<<"$output" || { dump; false; }
}

@test "desktop-gpu: show of a held device names the QEMU holding it (table, -o HOLDERS, JSON)" {
	vf $T -J show 04:00.0
	expect_status 0
	jqe '.devices[0].holders == [{"pid":4242,"comm":"qemu-system-x86","path":"/dev/vfio/12"}]'
	vf $T show 04:00.0 -o HOLDERS
	expect_status 0
	grep -Eq '^ +4242 qemu-system-x86 +/dev/vfio/12$' <<<"$output" || { dump; false; }
	vf $T show 04:00.0
	grep -Eq '4242 qemu-system-x86' <<<"$output" || { dump; false; }
}

@test "desktop-gpu: unknown targets exit 3 naming the target; a mix exits 7" {
	vf $T show 0000:0a:00.0
	expect_status 3
	stderr_names 0000:0a:00.0
	vf $T show 99
	expect_status 3
	stderr_names 99
	vf $T show group:99
	expect_status 3
	stderr_names group:99
	vf $T -J show 01:00.0 0a:00.0
	expect_status 7
	stderr_names 0a:00.0
	jqe '[.devices[].bdf] == ["0000:01:00.0"]'
}

@test "desktop-gpu: -n -r -o BDF,DRIVER prints one line per device, - for no driver" {
	vf $T -n -r -o BDF,DRIVER list --devices
	expect_status 0
	want=$(jq -r '.devices[] | "\(.bdf) \(.driver // "-")"' "$BATS_FILE_TMPDIR/$T.facts.json")
	diff <(printf '%s\n' "$want") <(printf '%s\n' "$output")
}

@test "desktop-gpu: -o with group columns only prints one row per group" {
	vf $T -n -o GROUP,VIABLE list
	expect_status 0
	diff <(printf '%s\n' 1 2 3 4 5 6 9 10 12 13) <(awk '{print $1}' <<<"$output")
}

@test "desktop-gpu: --list-columns names a column for every JSON device key" {
	vf $T --list-columns list --devices
	expect_status 0
	cols=$output
	vf $T -J list --devices
	for k in $(jq -r '.devices[0] | keys[]' <<<"$output"); do
		K=$(tr a-z A-Z <<<"$k")
		grep -qw "$K" <<<"$cols" || { echo "no column $K for JSON key $k"; echo "$cols"; false; }
	done
}

@test "desktop-gpu: human list matches expected/desktop-gpu.list" {
	golden $T desktop-gpu.list list
	expect_status 0
}

@test "desktop-gpu: human list --devices matches expected/desktop-gpu.devices" {
	golden $T desktop-gpu.devices list --devices
}

@test "desktop-gpu: human show 1 matches expected/desktop-gpu.show-1" {
	golden $T desktop-gpu.show-1 show 1
}

@test "desktop-gpu: human show 01:00.0 matches expected/desktop-gpu.show-01.00.0" {
	golden $T desktop-gpu.show-01.00.0 show 01:00.0
}

@test "desktop-gpu: -J show reports a failed target in errors (target, exit, message), never an empty stdout" {
	vf $T -J show 01:00.0 99:00.0
	expect_status 7
	jqe '[.devices[].bdf] == ["0000:01:00.0"]'
	jqe '.errors == [{"target": "99:00.0", "exit": 3, "message": "no such PCI device"}]'
	vf $T -J show 99:00.0 group:77
	expect_status 3
	jqe '.errors == [{"target": "99:00.0", "exit": 3, "message": "no such PCI device"},
		{"target": "group:77", "exit": 3, "message": "no such IOMMU group"}]'
	vf $T -J show 01:00.0
	jqe 'has("errors") | not'
}

@test "desktop-gpu: viable is not assignable: --assignable drops root-port-only groups; group 9 is never suggested for vfio-pci" {
	vf $T -n -o GROUP list --viable
	expect_status 0
	diff <(printf '%s\n' 4 5 6 12 13) <(awk '{print $1}' <<<"$output")
	vf $T -n -o GROUP list --assignable
	expect_status 0
	diff <(printf '%s\n' 1 2 3 10 12 13) <(awk '{print $1}' <<<"$output")
	vf $T -n -o GROUP list --assignable --viable
	diff <(printf '%s\n' 12 13) <(awk '{print $1}' <<<"$output")
	vf $T -J show 9
	expect_status 0
	jqe '.groups[0].assignable == false'
	jqe '[.groups[0].blockers[].fix | test("vfio-pci|vfioctl bind")] | any | not'
	jqe '.groups[0].blockers[0].fix | test("host bridge \\(0000:00:00.0\\)")'
	vf $T -J show 1
	jqe '.groups[0].assignable == true'
}

@test "desktop-gpu: filters take vfio_pci for vfio-pci, --id VVVV: and :DDDD as lspci -d" {
	vf $T -n -o BDF list --devices --driver vfio_pci
	expect_status 0
	[ "$output" = "0000:04:00.0" ] || { dump; false; }
	vf $T -n -o BDF list --devices --driver pci_stub
	[ "$output" = "0000:05:00.0" ] || { dump; false; }
	vf $T -n -o BDF list --devices --id :2204
	expect_status 0
	[ "$output" = "0000:01:00.0" ] || { dump; false; }
	vf $T -n -o BDF list --devices --id 10de:
	[ "$output" = $'0000:01:00.0\n0000:01:00.1' ] || { dump; false; }
	vf $T -n -o GROUP list --id :1533
	[ "$(tr -d ' ' <<<"$output")" = 12 ] || { dump; false; }
	vf $T list --id :
	expect_status 2
}

@test "desktop-gpu: show takes a slot (every function) and interface and block device names" {
	local root=$BATS_TEST_TMPDIR/named
	cp -a "$BATS_FILE_TMPDIR/$T" "$root"
	mkdir -p "$root/sys/class/net" "$root/sys/class/block"
	ln -s ../../devices/pci0000:00/0000:00:1c.0/0000:04:00.0/net/enp4s0 "$root/sys/class/net/enp4s0"
	ln -s ../../devices/pci0000:00/0000:00:1b.0/0000:03:00.0/nvme/nvme0/nvme0n1/nvme0n1p1 \
		"$root/sys/class/block/nvme0n1p1"
	ln -s ../../devices/virtual/net/lo "$root/sys/class/net/lo"
	run --separate-stderr "$VFIOCTL" --sysroot "$root" -J show 01:00 enp4s0 /dev/nvme0n1p1
	expect_status 0
	jqe '[.devices[].bdf] == ["0000:01:00.0", "0000:01:00.1", "0000:04:00.0", "0000:03:00.0"]'
	run --separate-stderr "$VFIOCTL" --sysroot "$root" -J show lo
	expect_status 3
	jqe '.errors[0] | .target == "lo" and (.message | test("no PCI device behind"))'
	run --separate-stderr "$VFIOCTL" --sysroot "$root" -J check enp4s0
	jqe '[.checks[] | select(.target != "host") | .target] | unique == ["0000:04:00.0"]'
}

@test "desktop-gpu: human list --tree matches expected/desktop-gpu.tree" {
	golden $T desktop-gpu.tree list --tree
	expect_status 0
}

@test "desktop-gpu: list --tree marks the ACS-less root ports and the grouped functions; JSON nests" {
	vf $T -J list --tree
	expect_status 0
	jqe '[.tree[].bdf] | index("0000:01:00.0") == null'
	jqe '.tree[] | select(.bdf == "0000:00:01.0") | .isolation == ["no-acs"] and
		([.children[].bdf] == ["0000:01:00.0", "0000:01:00.1"]) and
		(.children[0].isolation == ["multifunction"]) and (.children[0].group == 1)'
	jqe '.tree[] | select(.bdf == "0000:00:1c.0") | .isolation == [] and
		.children[0].bdf == "0000:04:00.0" and .children[0].viable == true and
		.children[0].driver == "vfio-pci"'
	# every device once in the nesting
	jqe '[.. | objects | select(has("bdf")) | .bdf] | length == 17'
	# show --tree: the target, the bridges above it, nothing else
	vf $T -n show --tree 02:00.0
	expect_status 0
	[ "$(awk '{print $1}' <<<"$output")" = $'0000:00:01.1\n`-0000:02:00.0' ] || { dump; false; }
	vf $T list --tree --devices
	expect_status 2
}
