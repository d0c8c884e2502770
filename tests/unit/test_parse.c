// SPDX-License-Identifier: GPL-2.0-or-later
/* Pure parsers: PCI addresses, targets, sizes, reserved_regions lines, word splitting. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "core/pciaddr.h"
#include "core/util.h"
#include <string.h>
#include "tap.h"

static void test_pciaddr(void)
{
	struct vfc_pciaddr a;
	char buf[VFC_BDF_LEN];

	OK(!vfc_pciaddr_parse("0000:01:00.0", &a) && a.domain == 0 && a.bus == 1 && a.dev == 0 &&
	   a.fn == 0, "full BDF");
	OK(!vfc_pciaddr_parse("01:00.1", &a) && a.domain == 0 && a.bus == 1 && a.fn == 1,
	   "short BDF means domain 0");
	OK(!vfc_pciaddr_parse("10000:e1:1f.7", &a) && a.domain == 0x10000 && a.bus == 0xe1 &&
	   a.dev == 0x1f && a.fn == 7, "VMD 5-digit domain");
	IS_STR(vfc_pciaddr_format(&a, buf, sizeof(buf)), "10000:e1:1f.7", "format keeps 5 digits");
	OK(!vfc_pciaddr_parse("0000:AB:0c.3", &a) && a.bus == 0xab && a.dev == 0xc,
	   "upper-case hex accepted");
	IS_STR(vfc_pciaddr_format(&a, buf, sizeof(buf)), "0000:ab:0c.3", "canonical lower case");
	OK(vfc_pciaddr_parse("0000:01:20.0", &a) != NULL, "device 0x20 refused");
	OK(vfc_pciaddr_parse("0000:01:00.8", &a) != NULL, "function 8 refused");
	OK(vfc_pciaddr_parse("0000:100:00.0", &a) != NULL, "3-digit bus refused");
	OK(vfc_pciaddr_parse("01:00", &a) != NULL, "missing function refused");
	OK(vfc_pciaddr_parse("01:00.0x", &a) != NULL, "trailing garbage refused");
	OK(vfc_pciaddr_parse("", &a) != NULL, "empty refused");
	OK(vfc_pciaddr_parse("../../00:01.0", &a) != NULL, "path tricks refused");
	OK(vfc_pciaddr_parse("123456789:00:00.0", &a) != NULL, "9-digit domain refused");
}

static void test_target(void)
{
	struct vfc_target t;

	OK(!vfc_target_parse("12", &t) && t.kind == VFC_TARGET_GROUP && t.group == 12, "group 12");
	OK(!vfc_target_parse("group:7", &t) && t.kind == VFC_TARGET_GROUP && t.group == 7,
	   "group:7");
	OK(!vfc_target_parse("01:00.0", &t) && t.kind == VFC_TARGET_DEVICE && t.addr.bus == 1,
	   "BDF target");
	OK(!vfc_target_parse("10de:2204", &t) && t.kind == VFC_TARGET_ID && t.vendor == 0x10de &&
	   t.device == 0x2204, "vendor:device target");
	OK(vfc_target_parse("group:", &t) != NULL, "group: without number refused");
	OK(vfc_target_parse("group:-1", &t) != NULL, "negative group refused");
	OK(vfc_target_parse("99999999999", &t) != NULL, "group overflow refused");
	OK(!vfc_target_parse("01:00", &t) && t.kind == VFC_TARGET_SLOT && t.addr.bus == 1 &&
	   t.addr.dev == 0, "bus:dev is a slot, not an id");
	OK(!vfc_target_parse("0001:02:1f", &t) && t.kind == VFC_TARGET_SLOT && t.addr.domain == 1 &&
	   t.addr.dev == 0x1f, "domain:bus:dev is a slot");
	OK(vfc_target_parse("01:20", &t) != NULL, "slot device 0x20 out of range");
	OK(vfc_target_parse("nvme0", &t) != NULL, "names are no target of vfc_target_parse");
	OK(!vfc_target_parse_any("nvme0n1", &t) && t.kind == VFC_TARGET_NAME &&
	   !strcmp(t.name, "nvme0n1"), "block device name (parse_any)");
	OK(!vfc_target_parse_any("/dev/nvme0n1p2", &t) && t.kind == VFC_TARGET_NAME &&
	   !strcmp(t.name, "nvme0n1p2"), "/dev/NAME is the name");
	OK(!vfc_target_parse_any("eth0.100", &t) && t.kind == VFC_TARGET_NAME, "VLAN interface name");
	OK(!vfc_target_parse_any("01:00.0", &t) && t.kind == VFC_TARGET_DEVICE, "parse_any: a BDF");
	OK(vfc_target_parse_any("not!a-target", &t) != NULL, "a name with ! refused");
	OK(vfc_target_parse_any("01:00.9", &t) != NULL, "a bad function stays an address error");
	OK(!vfc_target_parse("0000:01:00.0/vfs", &t) && t.kind == VFC_TARGET_VFS &&
	   t.addr.bus == 1 && t.addr.dev == 0, "PF/vfs");
	OK(!vfc_target_parse("01:00.1/vfs", &t) && t.kind == VFC_TARGET_VFS && t.addr.fn == 1,
	   "short PF/vfs");
	OK(vfc_target_parse("01:00.0/vf", &t) != NULL, "PF/vf refused");
	OK(vfc_target_parse("01:00.0/vfs/", &t) != NULL, "PF/vfs/ refused");
	OK(vfc_target_parse("12/vfs", &t) != NULL, "group/vfs refused");
}

static void test_size(void)
{
	uint64_t v;

	OK(!vfc_parse_size("4096", &v) && v == 4096, "plain bytes");
	OK(!vfc_parse_size("0x1000", &v) && v == 4096, "hex bytes");
	OK(!vfc_parse_size("4K", &v) && v == 4096, "4K");
	OK(!vfc_parse_size("4k", &v) && v == 4096, "4k");
	OK(!vfc_parse_size("2M", &v) && v == 2u << 20, "2M");
	OK(!vfc_parse_size("2MiB", &v) && v == 2u << 20, "2MiB");
	OK(!vfc_parse_size("1G", &v) && v == 1u << 30, "1G");
	OK(vfc_parse_size("16E", &v) == -ERANGE, "16E is -ERANGE");
	OK(vfc_parse_size("18446744073709551616", &v) == -ERANGE, "2^64 is -ERANGE");
	OK(vfc_parse_size("-4K", &v) == -EINVAL, "negative refused");
	OK(vfc_parse_size("4X", &v) == -EINVAL, "unknown suffix refused");
	OK(vfc_parse_size("", &v) == -EINVAL, "empty refused");
	OK(vfc_parse_size("K", &v) == -EINVAL, "suffix alone refused");
}

static void test_format_size(void)
{
	char buf[32];

	IS_STR(vfc_format_size(1u << 30, buf, sizeof(buf)), "1 GiB", "1 GiB");
	IS_STR(vfc_format_size(3u << 20, buf, sizeof(buf)), "3 MiB", "3 MiB");
	IS_STR(vfc_format_size(4097, buf, sizeof(buf)), "4097 B", "odd bytes stay bytes");
	IS_STR(vfc_format_size(0, buf, sizeof(buf)), "0 B", "zero");
}

static void test_resv(void)
{
	struct vfc_resv r;

	OK(!vfc_parse_resv_line("0x00000000fee00000 0x00000000feefffff msi", &r) &&
	   r.start == 0xfee00000 && r.end == 0xfeefffff && !strcmp(r.type, "msi"), "x86 MSI");
	OK(!vfc_parse_resv_line("0x0000000008000000 0x00000000080fffff msi\n", &r) &&
	   r.start == 0x8000000, "ARM MSI with newline");
	OK(!vfc_parse_resv_line("0x00000000000a0000 0x00000000000bffff direct-relaxable", &r) &&
	   !strcmp(r.type, "direct-relaxable"), "direct-relaxable");
	OK(vfc_parse_resv_line("0x2000 0x1000 msi", &r) == -EINVAL, "end before start refused");
	OK(vfc_parse_resv_line("garbage", &r) == -EINVAL, "garbage refused");
	OK(vfc_parse_resv_line("0x1 0x2 msi extra", &r) == -EINVAL, "extra field refused");
	OK(vfc_parse_resv_line("0x1 0x2 MSI!", &r) == -EINVAL, "odd type refused");
	OK(vfc_parse_resv_line("0xzz 0x2 msi", &r) == -EINVAL, "bad hex refused");
}

static void test_uevent(void)
{
	struct vfc_pci_uevent u;

	vfc_parse_pci_uevent("DRIVER=vfio-pci\nPCI_CLASS=30000\nPCI_ID=10DE:1B80\n"
			     "PCI_SUBSYS_ID=1458:3702\nPCI_SLOT_NAME=0000:01:00.0\n"
			     "MODALIAS=pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00\n", &u);
	OK(u.vendor == 0x10de && u.device == 0x1b80 && u.subsys_vendor == 0x1458 &&
	   u.subsys_device == 0x3702 && u.class_code == 0x030000, "a GPU's uevent");
	vfc_parse_pci_uevent("PCI_CLASS=C0330\nPCI_ID=8086:a36d", &u);
	OK(u.class_code == 0x0c0330 && u.vendor == 0x8086 && u.device == 0xa36d &&
	   u.subsys_vendor == -1 && u.subsys_device == -1, "no newline at the end; missing subsystem");
	vfc_parse_pci_uevent("", &u);
	OK(u.vendor == -1 && u.device == -1 && u.class_code == -1, "empty: all unknown");
	vfc_parse_pci_uevent("PCI_ID=10DE1B80\nPCI_SUBSYS_ID=1458:\nPCI_CLASS=1000000\n", &u);
	OK(u.vendor == -1 && u.device == -1 && u.subsys_vendor == -1 && u.class_code == -1,
	   "no colon, empty half, 7-digit class: unknown");
	vfc_parse_pci_uevent("PCI_ID=10DEE:1B80\nPCI_SUBSYS_ID=0x14:3702\nXPCI_CLASS=30000\n", &u);
	OK(u.vendor == -1 && u.device == -1 && u.subsys_vendor == -1 && u.class_code == -1,
	   "5-digit id, 0x prefix, a key that only ends like ours: unknown");
	vfc_parse_pci_uevent("PCI_ID=10de:1b80 \n", &u);
	OK(u.vendor == -1, "trailing space: unknown");
	vfc_parse_pci_uevent("PCI_ID=10de:1b80\n", &u);
	OK(u.vendor == 0x10de && u.device == 0x1b80, "lower-case hex");
}

static void test_words(void)
{
	char **v;

	OK(vfc_split_words("flr pm  bus\n", &v) == 3 && !strcmp(v[0], "flr") &&
	   !strcmp(v[2], "bus") && v[3] == NULL, "reset_method words");
	OK(vfc_strv_contains(v, "pm") && !vfc_strv_contains(v, "d3cold"), "contains");
	vfc_strv_free(v);
	OK(vfc_split_words("", &v) == 0 && v && v[0] == NULL, "empty gives empty vector");
	vfc_strv_free(v);
	OK(vfc_name_is_sane("vfio-pci", 64), "sane driver name");
	OK(!vfc_name_is_sane("../evil", 64), "slash refused");
	OK(!vfc_name_is_sane("a b", 64), "space refused");
	OK(!vfc_name_is_sane("", 64), "empty refused");
}

static void test_numbers(void)
{
	int64_t s;
	uint64_t u;

	OK(!vfc_parse_s64("-1\n", &s) && s == -1, "numa -1");
	OK(!vfc_parse_s64("0x10de\n", &s) && s == 0x10de, "hex id");
	OK(vfc_parse_s64("12abc", &s) == -EINVAL, "trailing garbage");
	OK(!vfc_parse_hex_u64("10de", &u) && u == 0x10de, "bare hex");
	OK(vfc_parse_u64("-5", &u) == -EINVAL, "negative unsigned refused");
}

/* VFC_APPEND (core/util.h): the arrays that grow by one element at a time. */
static void test_append(void)
{
	struct item {
		int a;
		char s[8];
	} *v = NULL, *e;
	size_t n = 0;
	int ok = 1;

	for (int i = 0; i < 100 && ok; i++) {
		e = VFC_APPEND(v, n);
		ok = e && e == &v[i] && n == (size_t)i + 1 && e->a == 0 && !e->s[0] && !e->s[7];
		if (e) {
			memset(e, 0xff, sizeof(*e));	/* the next element must be zeroed anew */
			e->a = i;
		}
	}
	OK(ok, "VFC_APPEND: each element is new, zeroed and counted");
	for (size_t i = 0; i < n && ok; i++)
		ok = v[i].a == (int)i;
	OK(ok && n == 100, "VFC_APPEND: the elements before survive the moves");
	free(v);
}

/* vfc_close_fd (core/util.h): closed once, marked, a second call does nothing. */
static void test_close_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), again;

	vfc_close_fd(&fd);
	again = open("/dev/null", O_RDONLY | O_CLOEXEC);	/* takes the number closed */
	OK(fd == -1 && again >= 0, "vfc_close_fd: the fd is closed and marked -1");
	vfc_close_fd(&fd);
	OK(fd == -1 && fcntl(again, F_GETFD) >= 0, "vfc_close_fd: a second call closes nothing");
	close(again);
}

int main(void)
{
	test_pciaddr();
	test_target();
	test_size();
	test_format_size();
	test_resv();
	test_uevent();
	test_words();
	test_numbers();
	test_append();
	test_close_fd();
	return tap_done();
}
