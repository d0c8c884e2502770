#!/usr/bin/env bats
# CDI in a real guest: `vfioctl bind` + `vfioctl cdi`, then Debian's podman (the host's
# package, seen over 9p) runs a container from a local image made here (busybox and the
# project's edu DMA helper, `podman import` of a tarball: nothing is pulled) with
# `--device vfioctl.io/pci=BDF`; inside, the helper opens the handed nodes and completes an
# edu DMA round trip; without the --device it cannot open them. After `restore` the spec no
# longer lists the device. Legacy nodes everywhere, iommufd nodes where the kernel has vfio
# cdev (x86-custom).

bats_require_minimum_version 1.5.0
load helpers

KIND=vfioctl.io/pci
SPEC=/var/run/cdi/vfioctl.json
CHECKER=$(dirname "$BATS_TEST_DIRNAME")/host/cdi_spec.py

# podman as root without systemd, journald or a network: vfs storage under the test's tmp,
# cgroupfs, no cgroups of its own for the container (the lab's guests have no cgroup tree).
pod() {
	podman --root "$PODROOT/storage" --runroot "$PODROOT/run" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --runtime crun "$@"
}

# prun ARGS...: podman run of the test image, no network, no cgroups; the rest is ours
prun() {
	pod run --rm --network none --cgroups disabled --log-driver k8s-file "$@"
}

setup_file() {
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	rm -f "$SPEC" /run/vfioctl/cdi
	export PODROOT=$BATS_FILE_TMPDIR/podman IMAGE=localhost/vfioctl-cdi-test
	# crun wants a cgroup file system at /sys/fs/cgroup even for --cgroups disabled; the lab's
	# init mounts none. cgroup2 when the kernel has it (need_podman skips, naming it, if not).
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
		grep -qw cgroup2 /proc/filesystems && mount -t cgroup2 none /sys/fs/cgroup; then
		touch "$BATS_FILE_TMPDIR/cgroup-mounted"
	fi
	[ -z "$(podman_why)" ] || return 0	# the tests say why they skip
	# The image: static busybox, the helper and the libraries it links (ldd), nothing else.
	local img=$BATS_FILE_TMPDIR/img lib
	mkdir -p "$img/bin" "$PODROOT"
	cp /bin/busybox "$img/bin/busybox"
	ln -s busybox "$img/bin/sh"
	cp "$VFIOCTL_EDU_DMA" "$img/bin/edu_dma"
	for lib in $(ldd "$VFIOCTL_EDU_DMA" | grep -oE '/[^ ]+'); do
		mkdir -p "$img$(dirname "$lib")"
		cp -L "$lib" "$img$lib"
	done
	tar -C "$img" -cf "$BATS_FILE_TMPDIR/img.tar" .
	pod import "$BATS_FILE_TMPDIR/img.tar" "$IMAGE" >"$BATS_FILE_TMPDIR/import.log" 2>&1 ||
		cat "$BATS_FILE_TMPDIR/import.log" >&2
}

teardown() {
	"$VFIOCTL" restore --all >/dev/null 2>&1 || true
	restore_drivers
}

teardown_file() {
	rm -f "$SPEC" /run/vfioctl/cdi
	[ ! -e "$BATS_FILE_TMPDIR/cgroup-mounted" ] || umount /sys/fs/cgroup || true
}

# podman_why: empty when podman can run the test image here, else why not (for a skip)
podman_why() {
	if ! command -v podman >/dev/null; then
		echo "no podman on the host root (apt-get install podman crun conmon uidmap: .ci/packages)"
	elif [ ! -x "${VFIOCTL_EDU_DMA:-}" ]; then
		echo "edu DMA helper not built for this guest"
	elif [ ! -e /proc/self/ns/mnt ] || [ ! -e /proc/self/ns/pid ]; then
		echo "no mount/pid namespaces for a container: this guest's kernel lacks CONFIG_NAMESPACES"
	elif [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
		echo "no cgroup2 at /sys/fs/cgroup (crun needs one): this guest's kernel lacks CONFIG_CGROUPS"
	fi
}

need_podman() {
	local why
	why=$(podman_why)
	[ -z "$why" ] || skip "$why"
	pod image exists "$IMAGE" || {
		cat "$BATS_FILE_TMPDIR/import.log"
		echo "podman import of the test image failed"
		return 1
	}
}

@test "cdi legacy: podman --device KIND=BDF: edu DMA round trip inside; without it no node; restore drops it" {
	need_podman
	local edu g
	edu=$(edu_alone) || skip "no edu device in a group of its own in this guest's topology"
	run --separate-stderr "$VFIOCTL" bind "$edu"
	[ "$status" = 0 ] || { echo "$output $stderr"; false; }
	g=$(pci_group "$edu")
	run --separate-stderr "$VFIOCTL" cdi --backend legacy
	echo "$output"
	echo "$stderr"
	[ "$status" = 0 ]
	grep -qF "$KIND=$edu" <<<"$output"
	# the real nodes: numbers, owner and mode as the checker reads them from / itself
	run python3 "$CHECKER" facts "$SPEC" --root / --backend legacy --expect "$edu,group-$g"
	echo "$output"
	[ "$status" = 0 ]

	run prun --device "$KIND=$edu" "$IMAGE" /bin/edu_dma --group "/dev/vfio/$g" "$edu"
	echo "$output"
	[ "$status" = 0 ]
	grep -qi "match" <<<"$output"
	# the group's CDI device carries the same nodes
	run prun --device "$KIND=group-$g" "$IMAGE" /bin/edu_dma --group "/dev/vfio/$g" "$edu"
	echo "$output"
	[ "$status" = 0 ]
	# without the --device the container has no such node: the helper cannot open it
	run prun "$IMAGE" /bin/edu_dma --group "/dev/vfio/$g" "$edu"
	echo "$output"
	[ "$status" = 3 ]
	grep -q "/dev/vfio" <<<"$output"

	run --separate-stderr "$VFIOCTL" restore "$edu"
	[ "$status" = 0 ] || { echo "$output $stderr"; false; }
	[ ! -e "$SPEC" ] || ! grep -qF "\"$edu\"" "$SPEC"
	# and podman no longer knows the name
	run prun --device "$KIND=$edu" "$IMAGE" /bin/true
	echo "$output"
	[ "$status" != 0 ]
	grep -qi "cdi" <<<"$output"
}

@test "cdi iommufd: /dev/iommu and the device cdev handed to the container; DMA through iommufd" {
	[ -e /dev/iommu ] || skip "no /dev/iommu: this guest's kernel lacks CONFIG_IOMMUFD"
	[ -d /sys/class/vfio-dev ] || skip "no vfio cdev: this guest's kernel lacks CONFIG_VFIO_DEVICE_CDEV"
	[ -x "${VFIOCTL_EDU_DMA:-}" ] || skip "edu DMA helper not built for this guest"
	local edu g cdev why
	edu=$(edu_alone) || skip "no edu device in a group of its own in this guest's topology"
	run --separate-stderr "$VFIOCTL" bind "$edu"
	[ "$status" = 0 ] || { echo "$output $stderr"; false; }
	g=$(pci_group "$edu")
	cdev=$(ls "/sys/bus/pci/devices/$edu/vfio-dev")
	run --separate-stderr "$VFIOCTL" cdi --backend iommufd "$edu"
	echo "$output"
	echo "$stderr"
	[ "$status" = 0 ]
	[ -z "$stderr" ]
	run python3 "$CHECKER" facts "$SPEC" --root / --backend iommufd --expect "$edu,group-$g"
	echo "$output"
	[ "$status" = 0 ]
	jq -e --arg c "/dev/vfio/devices/$cdev" '.devices[0].containerEdits.deviceNodes | map(.path) == ["/dev/iommu", $c]' "$SPEC"
	# the nodes the spec names are all the helper needs (here, outside a container)
	run "$VFIOCTL_EDU_DMA" --cdev "$(jq -r '.devices[0].containerEdits.deviceNodes[1].path' "$SPEC")" "$edu"
	echo "$output"
	[ "$status" = 0 ]

	why=$(podman_why)
	if [ -z "$why" ]; then
		pod image exists "$IMAGE"
		run prun --device "$KIND=$edu" "$IMAGE" /bin/edu_dma --cdev "/dev/vfio/devices/$cdev" "$edu"
		echo "$output"
		[ "$status" = 0 ]
		grep -qi "match" <<<"$output"
		run prun "$IMAGE" /bin/edu_dma --cdev "/dev/vfio/devices/$cdev" "$edu"
		echo "$output"
		[ "$status" = 3 ]
	fi
	run --separate-stderr "$VFIOCTL" restore "$edu"
	[ "$status" = 0 ]
	[ ! -e "$SPEC" ] || ! grep -qF "\"$edu\"" "$SPEC"
	[ -z "$why" ] || skip "container part: $why (the iommufd spec was checked against the real nodes, the helper did DMA with exactly its nodes, restore dropped it)"
}
