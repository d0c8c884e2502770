// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host files vfioctl reads as text: a journal entry (ROOT/run/vfioctl/BDF, vfc_jentry_parse;
 * `restore` acts on what it says), /proc/interrupts (vfc_irq_parse) and limits.conf
 * (vfc_limits_apply). Checked: an entry that parses has a canonical BDF and sane names and
 * survives format -> parse unchanged; the irq counts stay within the lines given; a memlock
 * limit that applies says where it came from and is consistent (unlimited or bytes).
 */
#include <stdbool.h>

#include "core/check.h"
#include "core/journal.h"
#include "core/util.h"
#include "fuzz.h"

static void check_jentry(const char *s)
{
	struct vfc_jentry e, f;
	struct vfc_pciaddr a;
	char buf[1024];
	int n;

	memset(&e, 0, sizeof(e));
	if (vfc_jentry_parse(s, &e))
		return;
	FUZZ_CHECK(!vfc_pciaddr_parse(e.bdf, &a), "journal bdf '%s'", e.bdf);
	FUZZ_CHECK(!strchr(e.bdf, '/') && !strchr(e.driver, '/') && !strchr(e.override, '/'),
		   "journal names with a slash");
	FUZZ_CHECK(memchr(e.driver, 0, sizeof(e.driver)) && memchr(e.override, 0, sizeof(e.override)),
		   "journal names not terminated");
	n = vfc_jentry_format(&e, buf, sizeof(buf));
	FUZZ_CHECK(n >= 0 && (size_t)n < sizeof(buf), "format: %d", n);
	memset(&f, 0, sizeof(f));
	FUZZ_CHECK(!vfc_jentry_parse(buf, &f), "formatted entry does not parse:\n%s", buf);
	FUZZ_CHECK(!strcmp(e.bdf, f.bdf) && !strcmp(e.driver, f.driver) &&
		   !strcmp(e.override, f.override) && e.vendor == f.vendor &&
		   e.device == f.device && e.pid == f.pid && e.time == f.time,
		   "journal entry changes through format/parse:\n%s", buf);
}

static void check_irq(const char *s)
{
	struct vfc_irq_facts f;
	int lines = 1;

	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	memset(&f, 0, sizeof(f));
	vfc_irq_parse(s, &f);
	FUZZ_CHECK(f.nirqs >= -1 && f.nirqs <= lines, "nirqs %d of %d lines", f.nirqs, lines);
	FUZZ_CHECK(f.nirqs < 0 || (f.nremapped >= 0 && f.nits >= 0 &&
				   f.nremapped + f.nits <= f.nirqs),
		   "remapped %d + its %d > %d", f.nremapped, f.nits, f.nirqs);
}

static void check_limits(const char *s)
{
	static char kvm[] = "kvm", libvirt[] = "libvirt";
	char *groups[] = { kvm, libvirt, NULL };
	const char *users[] = { "qemu", "root" };
	struct vfc_limit soft, hard;

	for (size_t i = 0; i < VFC_ARRAY_SIZE(users); i++) {
		memset(&soft, 0, sizeof(soft));
		memset(&hard, 0, sizeof(hard));
		vfc_limits_apply(s, "/etc/security/limits.conf", users[i], groups, &soft, &hard);
		FUZZ_CHECK(!soft.set || (*soft.source && memchr(soft.source, 0, sizeof(soft.source))),
			   "soft limit without a source");
		FUZZ_CHECK(!hard.set || *hard.source, "hard limit without a source");
		FUZZ_CHECK(!soft.set || (soft.prio >= 1 && soft.prio <= 3), "prio %d", soft.prio);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 8192)
		return 0;
	s = fuzz_cstr(data, size);
	check_jentry(s);
	check_irq(s);
	check_limits(s);
	free(s);
	return 0;
}
