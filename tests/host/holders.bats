#!/usr/bin/env bats
# The holder scan (src/core/holders.c) on a /proc of its own: group nodes and cdevs found,
# processes without them not, past the scan's buffer sizes (many processes, many fds), a
# cdev with and without the kernel's class link. Fixture: sriov-scale with 1 PF and 6 VFs
# (groups: 0 root port, 1 PF, 2-7 the VFs 0000:01:00.1-6).

load helpers

T=sriov-scale

# The /proc is written by one python3 (thousands of links: a fork per link takes minutes on
# a loaded machine).
setup_file() {
	local root=$BATS_FILE_TMPDIR/$T
	rm -rf "$root"
	"$MKFIXTURE" sriov-scale "$root" --pfs 1 --vfs 6 >/dev/null
	rm -rf "$root/proc"
	python3 - "$root" <<'PY'
import os, sys
root = sys.argv[1]

def fd(pid, n, target, comm=None):
    d = "%s/proc/%d" % (root, pid)
    os.makedirs(d + "/fd", exist_ok=True)
    if not os.path.exists(d + "/comm"):
        with open(d + "/comm", "w") as f:
            f.write((comm or "p-%d" % pid) + "\n")
    os.symlink(target, "%s/fd/%d" % (d, n))

def mkdir(path):
    os.makedirs(root + "/" + path, exist_ok=True)

def link(target, path):
    os.symlink(target, root + "/" + path)

# 1500 processes of 3 fds each (the /proc listing takes several getdents64 buffers), none
# on vfio: every one of them must be read and left out.
for p in range(2000, 3500):
    for n, t in enumerate(("/dev/null", "socket:[%d]" % p, "/dev/vfio/vfio")):
        fd(p, n, t, comm="idle")
# pid 100: group 2's node at fd 3
fd(100, 3, "/dev/vfio/2")
# pid 200: 1000 fds (several getdents64 buffers), a cdev at the last one; the device has
# vfio-dev/vfio0 and the class link names it
for i in range(999):
    fd(200, i, "pipe:[%d]" % i)
fd(200, 999, "/dev/vfio/devices/vfio0")
mkdir("sys/bus/pci/devices/0000:01:00.2/vfio-dev/vfio0")
mkdir("sys/class/vfio-dev/vfio0")
link("../../../bus/pci/devices/0000:01:00.2", "sys/class/vfio-dev/vfio0/device")
# pid 300: a cdev without a class link (older kernels, fixtures): the device that has it
fd(300, 4, "/dev/vfio/devices/vfio1")
mkdir("sys/bus/pci/devices/0000:01:00.3/vfio-dev/vfio1")
# pid 400: a cdev whose class link names a device without it: the device that has it
fd(400, 4, "/dev/vfio/devices/vfio2")
mkdir("sys/bus/pci/devices/0000:01:00.5/vfio-dev/vfio2")
mkdir("sys/class/vfio-dev/vfio2")
link("../../../bus/pci/devices/0000:01:00.4", "sys/class/vfio-dev/vfio2/device")
# pid 500: many fds, none on vfio (a node of no group, a cdev of no device, look-alikes)
for i in range(400):
    fd(500, i, "/dev/null")
for i, t in enumerate(("/dev/vfio/99", "/dev/vfio/devices/vfio7", "/dev/vfiox/2",
                       "/dev/vfio/noiommu-x")):
    fd(500, 400 + i, t)
# pid 600 holds group 2 twice and group 6 once: one entry per node, sorted by pid
fd(600, 7, "/dev/vfio/2")
fd(600, 8, "/dev/vfio/2")
fd(600, 9, "/dev/vfio/6")
PY
}

@test "holders: a group node and cdevs are found, each in its device's group" {
	vf $T -J list
	expect_status 0
	jqe '[.groups[] | select(.holders != []) | {group, holders: [.holders[] | [.pid, .comm, .path]]}] == [
		{"group": 2, "holders": [[100, "p-100", "/dev/vfio/2"], [600, "p-600", "/dev/vfio/2"]]},
		{"group": 3, "holders": [[200, "p-200", "/dev/vfio/devices/vfio0"]]},
		{"group": 4, "holders": [[300, "p-300", "/dev/vfio/devices/vfio1"]]},
		{"group": 6, "holders": [[400, "p-400", "/dev/vfio/devices/vfio2"], [600, "p-600", "/dev/vfio/6"]]}]'
	jqe '.iommu.holders_complete == true'
}

@test "holders: processes without a vfio node (1500 idle, one with 404 look-alike fds) are not" {
	vf $T -J list
	expect_status 0
	jqe '[.groups[].holders[].pid] | map(select(. >= 2000 or . == 500)) == []'
	jqe '[.groups[].holders[].pid] | length == 6'
}

@test "holders: show GROUP names the cdev holder found through the class link" {
	vf $T -J show 3
	expect_status 0
	jqe '.groups[0].holders == [{"pid": 200, "comm": "p-200", "path": "/dev/vfio/devices/vfio0"}]'
	vf $T show 2
	expect_status 0
	grep -q 'p-100' <<<"$output" && grep -q 'p-600' <<<"$output"
}
