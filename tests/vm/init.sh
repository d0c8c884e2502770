#!/bin/busybox sh
# shellcheck shell=dash disable=SC2013,SC1091
# /init of the lab's initramfs (busybox sh; packed by tests/vm/mkinitramfs).
#
# 1. proc/sys/devtmpfs, load /modules.order (insmod, dependencies first)
# 2. results share (9p tag "results", rw) at /results: the host wrote lab.env and cmd.sh there
# 3. root share (9p tag "root", ro) as overlay lower + tmpfs upper at /newroot; with LAB_WORK
#    set, the work tree share (tag "work") is overlaid at the same absolute path inside
# 4. proc, sys, dev (+ /dev/fd links, hugetlbfs), /tmp, /run inside; results at /run/lab
# 5. chroot, run /run/lab/cmd.sh (bash) with the console as stdout/stderr
# 6. save dmesg to the results share, print "VFIOCTL-LAB-EXIT=<rc>", poweroff -f
# Any failure of the set-up prints "VFIOCTL-LAB-INIT-FAILED: <what>" and powers off: the host
# turns that into an infrastructure failure.

/bin/busybox --install -s /bin
export PATH=/bin

fail() {
	echo "VFIOCTL-LAB-INIT-FAILED: $*"
	poweroff -f
	sleep 10
}

mkdir -p /proc /sys /dev /results /lower /upper /newroot
mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs /dev 2>/dev/null # the kernel may have mounted it already

for m in $(cat /modules.order); do
	insmod "/modules/$m" || echo "vm-init: insmod $m failed"
done

# msize: bigger messages make the 9p root much faster under TCG.
p9='trans=virtio,version=9p2000.L,msize=262144'
mount -t 9p -o "$p9" results /results || fail "mount results share"
[ -r /results/lab.env ] || fail "no lab.env in the results share"
. /results/lab.env

# cache=loose: the root is read-only for the guest's lifetime, so caching metadata and pages
# is safe, and it makes every exec (bats spawns hundreds) cheaper.
mount -t 9p -o "$p9,ro,cache=loose" root /lower ||
	mount -t 9p -o "$p9,ro" root /lower || fail "mount root share"
mount -t tmpfs -o mode=0755 tmpfs /upper || fail "mount tmpfs upper"
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
	fail "mount overlay root"


r=/newroot
mount -t proc proc $r/proc || fail "mount proc in root"
mount -t sysfs sysfs $r/sys || fail "mount sysfs in root"
mount -t devtmpfs devtmpfs $r/dev || fail "mount devtmpfs in root"
# bats needs /dev/fd; devtmpfs has none of these links.
ln -sf /proc/self/fd $r/dev/fd
ln -sf /proc/self/fd/0 $r/dev/stdin
ln -sf /proc/self/fd/1 $r/dev/stdout
ln -sf /proc/self/fd/2 $r/dev/stderr
mkdir -p $r/dev/pts $r/dev/shm $r/dev/hugepages
mount -t devpts devpts $r/dev/pts 2>/dev/null
mount -t tmpfs tmpfs $r/dev/shm
mount -t hugetlbfs hugetlbfs $r/dev/hugepages || echo "vm-init: no hugetlbfs"
mount -t tmpfs -o mode=1777 tmpfs $r/tmp || fail "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs $r/run || fail "mount /run"
# The work tree goes on after /tmp and /run: a clone under /tmp (CI may clone anywhere) would
# otherwise be hidden by the guest's own tmpfs there.
if [ -n "${LAB_WORK:-}" ]; then
	mkdir -p /work-lower /work-upper "/newroot$LAB_WORK"
	mount -t 9p -o "$p9,ro,cache=loose" work /work-lower ||
		mount -t 9p -o "$p9,ro" work /work-lower || fail "mount work tree share"
	mount -t tmpfs tmpfs /work-upper || fail "mount tmpfs for the work tree"
	mkdir -p /work-upper/u /work-upper/w
	mount -t overlay -o lowerdir=/work-lower,upperdir=/work-upper/u,workdir=/work-upper/w \
		overlay "/newroot$LAB_WORK" || fail "mount overlay work tree"
fi
mkdir -p $r/run/lab
mount -o bind /results $r/run/lab || fail "bind results"
[ -d /sys/kernel/debug ] && mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null

echo "VFIOCTL-LAB-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
chroot $r /bin/bash /run/lab/cmd.sh </dev/console >/dev/console 2>&1
rc=$?
dmesg >/results/dmesg.txt 2>/dev/null
echo "$rc" >/results/exit-code
sync
umount $r/run/lab 2>/dev/null
umount /results 2>/dev/null
echo "VFIOCTL-LAB-EXIT=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
sleep 10
