// SPDX-License-Identifier: GPL-2.0-or-later
/* The pure parts of `check`: /proc/interrupts irqchips, the interrupt-remapping verdict,
 * pam_limits precedence for memlock, and ACS as Linux wants it. */
#include <string.h>

#include "core/check.h"
#include "tap.h"

static const char ir_on[] =
	"           CPU0       CPU1       \n"
	"  0:        158          0  IR-IO-APIC   2-edge      timer\n"
	" 24:          0          0  DMAR-MSI   0-edge      dmar0\n"
	" 25:          0          0  IR-PCI-MSIX-0000:00:10.0   0-edge      PCIe PME, aerdrv\n"
	"NMI:          0          0   Non-maskable interrupts\n"
	"ERR:          0\n";
static const char ir_off[] =
	"           CPU0       CPU1       \n"
	"  0:        136          0   IO-APIC   2-edge      timer\n"
	" 25:          0          0   PCI-MSIX-0000:00:10.0   0-edge      PCIe PME\n";
static const char its[] =
	"           CPU0       \n"
	" 11:       1234     GICv3  27 Level     arch_timer\n"
	" 14:          0     ITS-PCI-MSIX-0000:00:02.0   0 Edge      virtio0-config\n";

static struct vfc_check_item *eval(struct vfc_irq_facts *f, struct vfc_check_report *r)
{
	vfc_check_report_free(r);
	vfc_irq_eval(f, r);
	return r->n == 1 ? &r->items[0] : NULL;
}

static void test_irq(void)
{
	struct vfc_check_report r = { 0 };
	struct vfc_irq_facts f = { .iommu_enabled = true, .unsafe_type1 = 0, .unsafe_iommufd = -1 };
	struct vfc_check_item *it;

	vfc_irq_parse(ir_on, &f);
	OK(f.nirqs == 3 && f.nremapped == 2 && f.nits == 0, "IR-: 3 numbered irqs, 2 remapped");
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_OK && strstr(it->detail, "2 of 3"), "IR- -> ok");

	vfc_irq_parse(ir_off, &f);
	OK(f.nirqs == 2 && f.nremapped == 0, "no IR- prefix: nothing remapped");
	f.ndmar = f.ndmar_ecap = 1;
	f.ndmar_ir = 0;
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_FAIL, "no IR, hardware lacks it -> fail");
	OK(it && strstr(it->detail, "lack the IR capability"), "fail names the missing ecap bit");
	OK(it && strstr(it->fix, "intremap=on") && strstr(it->fix, "allow_unsafe_interrupts"),
	   "fix: vIOMMU intremap=on, last resort allow_unsafe_interrupts");

	f.ndmar_ir = 1;
	f.cmdline_intremap_off = true;
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_FAIL && strstr(it->fix, "remove intremap=off"),
	   "intremap=off on the command line -> fail, fix removes it");

	f.cmdline_intremap_off = false;
	f.unsafe_type1 = 1;
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_WARN && strstr(it->detail, "allow_unsafe_interrupts=Y"),
	   "unsafe interrupts allowed -> warn, not fail");

	memset(&f, 0, sizeof(f));
	f.iommu_enabled = true;
	f.unsafe_type1 = f.unsafe_iommufd = -1;
	vfc_irq_parse(its, &f);
	OK(f.nits == 1 && f.nirqs == 2, "ITS- irqchip counted");
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_OK && strstr(it->detail, "ITS"), "arm64 ITS -> ok");

	memset(&f, 0, sizeof(f));
	f.unsafe_type1 = f.unsafe_iommufd = -1;
	f.nirqs = 4;
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_FAIL && strstr(it->fix, "IOMMU first"),
	   "no IOMMU -> fail pointing at the IOMMU");

	f.iommu_enabled = true;
	f.spapr = true;
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_OK && strstr(it->detail, "SPAPR"), "spapr -> ok");

	memset(&f, 0, sizeof(f));
	f.iommu_enabled = true;
	f.unsafe_type1 = f.unsafe_iommufd = -1;
	f.nirqs = -1;
	it = eval(&f, &r);
	OK(it && it->status == VFC_CHECK_WARN && strstr(it->detail, "unknown"),
	   "unreadable /proc/interrupts and no ecap -> warn unknown");

	vfc_irq_parse("garbage\n\n: x\n12\n", &f);
	OK(f.nirqs == 0, "garbage counts no interrupts");
	vfc_check_report_free(&r);
}

static const char limits[] =
	"# comment\n"
	"*       soft  memlock  65536\n"
	"@kvm    -     memlock  unlimited   # trailing comment\n"
	"bob     hard  memlock  banana\n"
	"carol   soft  memlock  1024\n"
	"@kvm    soft  memlock  2048\n"
	"root    -     memlock  4\n"
	"*       hard  nofile   4096\n";

static void test_limits(void)
{
	static char alice[] = "alice", kvmg[] = "kvm", rootg[] = "root";
	char *kvm[] = { alice, kvmg, NULL }, *none[] = { NULL }, *roots[] = { rootg, NULL };
	struct vfc_limit s, h;

	memset(&s, 0, sizeof(s));
	memset(&h, 0, sizeof(h));
	vfc_limits_apply(limits, "L", "alice", kvm, &s, &h);
	OK(s.set && !s.unlimited && s.bytes == 2048 * 1024 && s.prio == 2,
	   "later @group line wins over the earlier one (soft 2 MiB)");
	OK(h.set && h.unlimited && !strcmp(h.source, "L:3"), "'-' sets hard, source file:line");

	memset(&s, 0, sizeof(s));
	memset(&h, 0, sizeof(h));
	vfc_limits_apply(limits, "L", "bob", none, &s, &h);
	OK(s.set && s.bytes == 65536ull * 1024 && s.prio == 3, "'*' applies to bob");
	OK(!h.set, "an unparsable value is ignored");

	memset(&s, 0, sizeof(s));
	memset(&h, 0, sizeof(h));
	vfc_limits_apply(limits, "L", "carol", kvm, &s, &h);
	OK(s.bytes == 1024 * 1024 && s.prio == 1, "a user line beats a later @group line");

	memset(&s, 0, sizeof(s));
	memset(&h, 0, sizeof(h));
	vfc_limits_apply("*  -  memlock  unlimited\n@root - memlock unlimited\n", "L", "root",
			 roots, &s, &h);
	OK(!s.set && !h.set, "'*' and @group never apply to root");
	vfc_limits_apply(limits, "L", "root", none, &s, &h);
	OK(s.set && s.bytes == 4096 && h.bytes == 4096, "root only by name");

	/* a second file: the user line of the first still beats a '*' of the second */
	memset(&s, 0, sizeof(s));
	memset(&h, 0, sizeof(h));
	vfc_limits_apply(limits, "A", "carol", none, &s, &h);
	vfc_limits_apply("* soft memlock unlimited\ncarol soft memlock 8\n", "B", "carol", none, &s,
			 &h);
	OK(s.bytes == 8 * 1024 && !strcmp(s.source, "B:2"), "later file, same priority: later wins");
}

static void test_acs(void)
{
	struct vfc_cfginfo c = { .acs = VFC_YES, .acs_cap = 0x1f, .acs_ctrl = 0x1d };

	OK(vfc_acs_enabled(&c), "SV RR CR UF enabled (TB not needed)");
	c.acs_ctrl = 0x0d;
	OK(!vfc_acs_enabled(&c), "UF offered but not enabled");
	c.acs_cap = 0x0d;
	OK(vfc_acs_enabled(&c), "UF not offered: not required");
	c.acs = VFC_NO;
	OK(!vfc_acs_enabled(&c), "no capability");
	c.acs = VFC_UNKNOWN;
	OK(!vfc_acs_enabled(&c), "unknown is not enabled");
	c.acs = VFC_YES;
	c.acs_cap = 0;
	OK(!vfc_acs_enabled(&c), "a capability offering none of the bits");
}

static void test_report(void)
{
	struct vfc_check_report r = { 0 };

	OK(vfc_check_worst(&r) == VFC_CHECK_OK, "empty report is ok");
	for (int i = 0; i < 40; i++)
		vfc_check_add(&r, "host", "x", i == 7 ? VFC_CHECK_WARN : VFC_CHECK_OK, NULL, "%d", i);
	OK(r.n == 40 && vfc_check_worst(&r) == VFC_CHECK_WARN, "grows; worst is warn");
	vfc_check_add(&r, "0000:01:00.0", "y", VFC_CHECK_FAIL, "do this", "%s", "bad");
	OK(vfc_check_worst(&r) == VFC_CHECK_FAIL && r.nstatus[2] == 1, "fail counted");
	IS_STR(r.items[40].fix, "do this", "fix kept");
	IS_STR(vfc_check_status_name(VFC_CHECK_WARN), "warn", "status names");
	vfc_check_report_free(&r);
}

int main(void)
{
	test_irq();
	test_limits();
	test_acs();
	test_report();
	return tap_done();
}
