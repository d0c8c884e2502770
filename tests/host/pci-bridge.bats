#!/usr/bin/env bats
# ASM1083 PCIe-to-PCI bridge 01:00.0 (no driver) behind ACS root port 00:1c.0; five conventional
# cards on bus 02 share group 8 with the bridge: e1000, snd_emu10k1, firewire_ohci, unbound,
# vfio-pci.

load helpers

setup_file() {
	make_fixture pci-bridge
}

T=pci-bridge

@test "pci-bridge: list -J matches the fixture" {
	vf $T -J list
	expect_status 0
	contract list $T
}

@test "pci-bridge: the bridge and everything behind it share one non-viable group" {
	vf $T -J list
	jqe '.groups[] | select(.group == 8) | [.devices[].bdf] == ["0000:01:00.0","0000:02:00.0","0000:02:01.0","0000:02:02.0","0000:02:03.0","0000:02:04.0"]'
	jqe '.groups[] | select(.group == 8) | .viable == false'
	# blockers are exactly the host-driven cards: not the driverless bridge, not the unbound
	# card, not the one already on vfio-pci
	jqe '[.groups[] | select(.group == 8) | .blockers[] | .bdf] == ["0000:02:00.0","0000:02:01.0","0000:02:02.0"]'
	jqe '.groups[] | select(.group == 7) | .viable == true and .devices[0].driver == "pcieport"'
}

@test "pci-bridge: conventional devices: 256-byte config, no FLR, PM reset only" {
	vf $T -J list --devices
	contract devices $T
	jqe '.devices[] | select(.bdf == "0000:01:00.0") | .kind == "bridge" and .driver == null'
	jqe '[.devices[] | select(.bdf | startswith("0000:02:")) | .flr] | all(. == false)'
	jqe '.devices[] | select(.bdf == "0000:02:00.0") | .reset_methods == ["pm"]'
	jqe '.devices[] | select(.bdf == "0000:02:03.0") | .reset_methods == null and .pm_nosoftrst == true'
}

@test "pci-bridge: show group 8 names every blocker and its driver" {
	vf $T -J show 8
	expect_status 0
	contract show-group $T
}

@test "pci-bridge: human list matches expected/pci-bridge.list" {
	golden $T pci-bridge.list list
}

@test "pci-bridge: human show 8 matches expected/pci-bridge.show-8" {
	golden $T pci-bridge.show-8 show 8
}

@test "pci-bridge: human list --tree matches expected/pci-bridge.tree" {
	golden $T pci-bridge.tree list --tree
	expect_status 0
}

@test "pci-bridge: list --tree marks the PCIe-to-PCI bridge as where the devices behind it alias" {
	vf $T -J list --tree
	expect_status 0
	jqe '.tree[] | select(.bdf == "0000:00:1c.0") | .children[0] |
		.bdf == "0000:01:00.0" and .isolation == ["pci-bridge"] and
		([.children[].group] | unique == [8]) and (.children | length == 5)'
}
