// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The planning rules of core/bindplan.c over mkfixture topologies: what bind, unbind,
 * restore and apply would do and why, without moving anything (the fake kernel's host
 * tests and the guests cover the moves).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bindplan.h"
#include "tap.h"

static char root[64];
static struct vfc_ctx ctx;
static int nwarn, nerr;
static char last[1024];

static void collect_report(void *data, enum vfc_bind_level level, const char *subject, int err,
			   const char *text)
{
	(void)data;
	(void)err;
	if (level == VFC_BIND_WARN)
		nwarn++;
	if (level == VFC_BIND_ERR)
		nerr++;
	snprintf(last, sizeof(last), "%s: %s", subject ? subject : "", text);
}

/* A fresh tree of the topology; false when mkfixture did not run. */
static bool fixture(const char *topo)
{
	const char *top = getenv("TOP");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && '%s/tests/fixtures/mkfixture' %s '%s' >/dev/null",
		 root, top ? top : ".", topo, root);
	return system(cmd) == 0 && vfc_ctx_init(&ctx, root) == 0;
}

/* A shell command in the tree (staging a case). */
static void sh(const char *c)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s", root, c);
	if (system(cmd))
		printf("# command failed: %s\n", c);
}

/* Scan and resolve the targets into a run, as bindrun_prepare does (without the lock). */
static int run_open(struct vfc_bindrun *r, int argc, const char **argv, bool group_mode)
{
	vfc_bindrun_init(r, &ctx);
	r->report = collect_report;
	nwarn = nerr = 0;
	for (int i = 0; i < argc; i++) {
		struct vfc_target tg;

		if (vfc_target_parse(argv[i], &tg))
			return -EINVAL;
		r->group_target |= tg.kind == VFC_TARGET_GROUP;
	}
	if (vfc_bindrun_scan(r))
		return -EIO;
	return vfc_bindrun_collect(r, argc, argv, group_mode || r->group_target);
}

static const struct vfc_bind_step *step(const struct vfc_bindrun *r, const char *bdf)
{
	for (size_t i = 0; i < r->p.n; i++)
		if (!strcmp(r->p.v[i].bdf, bdf))
			return &r->p.v[i];
	return NULL;
}

static bool is(const struct vfc_bindrun *r, const char *bdf, enum vfc_bind_action a,
	       enum vfc_bind_result res, const char *reason_part)
{
	const struct vfc_bind_step *s = step(r, bdf);

	if (!s) {
		printf("# %s: no step\n", bdf);
		return false;
	}
	if (s->action != a || s->result != res || !strstr(s->reason, reason_part)) {
		printf("# %s: %s %s '%s'\n", bdf, vfc_bind_action_name[s->action],
		       vfc_bind_result_name[s->result], s->reason);
		return false;
	}
	return true;
}

static void test_bind(void)
{
	struct vfc_bindrun r;
	const char *g[] = { "01:00.0" }, *one[] = { "03:00.0", "04:00.0", "00:01.0" };
	const char *stub[] = { "05:00.0" }, *gn[] = { "1" }, *none[] = { "07:00.0" };

	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu");
	OK(run_open(&r, 1, g, true) == 0 && r.n == 5, "bind --group 01:00.0: the group's 5 members");
	vfc_bindplan_bind_targets(&r, true, "vfio-pci");
	OK(r.p.transaction && r.p.n == 5, "a group bind is a transaction of 5 steps");
	OK(is(&r, "0000:01:00.0", VFC_ACT_BIND, VFC_RES_PLANNED, "member of group 1 (--group)") &&
	   is(&r, "0000:01:00.1", VFC_ACT_BIND, VFC_RES_PLANNED, "group 1") &&
	   is(&r, "0000:02:00.0", VFC_ACT_BIND, VFC_RES_PLANNED, "group 1"),
	   "the three endpoints are planned onto vfio-pci");
	OK(is(&r, "0000:00:01.0", VFC_ACT_NONE, VFC_RES_SKIPPED, "bridge, left alone") &&
	   is(&r, "0000:00:01.1", VFC_ACT_NONE, VFC_RES_SKIPPED, "bridge, left alone"),
	   "the root ports (pcieport) are left alone");
	OK(!strcmp(step(&r, "0000:01:00.0")->from, "nvidia") &&
	   !strcmp(step(&r, "0000:01:00.0")->to, "vfio-pci") &&
	   !strcmp(step(&r, "0000:01:00.0")->to_ovr, "vfio-pci"),
	   "a step knows where the device comes from and goes");
	OK(vfc_bindplan_differs(&r.p) && !vfc_bindplan_refused(&r.p) && !nerr && !nwarn,
	   "planning reports nothing and refuses nothing here");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, gn, false) == 0 && r.group_target && r.n == 5,
	   "a group number names the whole group");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 3, one, false) == 0 && r.n == 3, "bind 03:00.0 04:00.0 00:01.0");
	vfc_bindplan_bind_targets(&r, false, "vfio-pci");
	OK(!r.p.transaction, "without --group: no transaction");
	OK(is(&r, "0000:03:00.0", VFC_ACT_BIND, VFC_RES_PLANNED, "target"), "the NVMe: planned");
	OK(is(&r, "0000:04:00.0", VFC_ACT_NONE, VFC_RES_ALREADY, "already on vfio-pci"),
	   "a device on vfio-pci already: nothing to do");
	OK(is(&r, "0000:00:01.0", VFC_ACT_NONE, VFC_RES_REFUSED, "is a bridge") &&
	   step(&r, "0000:00:01.0")->fault == VFC_FAULT_FAILED,
	   "a bridge named outside --group is refused");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, stub, true) == 0, "bind --group 05:00.0");
	vfc_bindplan_bind_targets(&r, true, "vfio-pci");
	OK(is(&r, "0000:05:00.0", VFC_ACT_NONE, VFC_RES_SKIPPED, "pci-stub"),
	   "--group leaves a pci-stub device alone (DMA-safe)");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, none, false) == -ENODEV && nerr == 1 &&
	   strstr(last, "07:00.0: no such PCI device"),
	   "a target that names nothing: -ENODEV, reported with the target");
	vfc_bindrun_free(&r);
}

static void test_bind_refusals(void)
{
	struct vfc_bindrun r;
	const char *g[] = { "01:00.1" }, *gpu[] = { "01:00.0" };

	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu (boot VGA)");
	sh("echo 1 >sys/bus/pci/devices/0000:01:00.0/boot_vga");
	OK(run_open(&r, 1, g, true) == 0, "bind --group 01:00.1 with 01:00.0 the boot VGA");
	vfc_bindplan_bind_targets(&r, true, "vfio-pci");
	OK(is(&r, "0000:01:00.0", VFC_ACT_BIND, VFC_RES_REFUSED, "host-critical: ") &&
	   step(&r, "0000:01:00.0")->fault == VFC_FAULT_BUSY, "the boot VGA device is refused (busy)");
	OK(is(&r, "0000:01:00.1", VFC_ACT_BIND, VFC_RES_SKIPPED, "group 1") &&
	   is(&r, "0000:02:00.0", VFC_ACT_BIND, VFC_RES_SKIPPED, "group 1"),
	   "all or nothing: a refusal skips the rest of the transaction");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, gpu, false) == 0, "bind --force 01:00.0 (boot VGA)");
	r.force = true;
	vfc_bindplan_bind_targets(&r, false, "vfio-pci");
	OK(is(&r, "0000:01:00.0", VFC_ACT_BIND, VFC_RES_PLANNED, "target") && nwarn == 1 &&
	   strstr(last, "going ahead because of --force"), "--force: planned, with one warning");
	vfc_bindrun_free(&r);

	/* a bridge on a host driver that is not DMA-safe keeps the group not viable */
	sh("echo 0 >sys/bus/pci/devices/0000:01:00.0/boot_vga");
	sh("ln -sfn ../../../bus/pci/drivers/xhci_hcd sys/bus/pci/devices/0000:00:01.1/driver");
	OK(run_open(&r, 1, gpu, true) == 0, "bind --group 01:00.0 with a bridge on xhci_hcd");
	vfc_bindplan_bind_targets(&r, true, "vfio-pci");
	OK(is(&r, "0000:00:01.1", VFC_ACT_NONE, VFC_RES_REFUSED,
	      "bridge on host driver xhci_hcd keeps group 1 not viable; unbind it first") &&
	   step(&r, "0000:00:01.1")->fault == VFC_FAULT_NOT_VIABLE,
	   "the bridge's driver refuses the group (not viable)");
	OK(is(&r, "0000:02:00.0", VFC_ACT_BIND, VFC_RES_SKIPPED, "group 1"),
	   "and nothing else of the group is planned");
	vfc_bindrun_free(&r);
}

static void test_unbind(void)
{
	struct vfc_bindrun r;
	const char *t[] = { "04:00.0", "03:00.0", "00:14.2" }, *g[] = { "2" };

	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu (unbind)");
	OK(run_open(&r, 3, t, false) == 0, "unbind 04:00.0 03:00.0 00:14.2");
	vfc_bindplan_unbind(&r);
	OK(is(&r, "0000:04:00.0", VFC_ACT_UNBIND, VFC_RES_REFUSED, "in use by pid 4242 (qemu") &&
	   step(&r, "0000:04:00.0")->fault == VFC_FAULT_BUSY,
	   "a device whose group a process holds is refused, naming the pid");
	OK(is(&r, "0000:03:00.0", VFC_ACT_UNBIND, VFC_RES_PLANNED, "target") &&
	   !step(&r, "0000:03:00.0")->to[0], "the NVMe: planned onto no driver");
	OK(is(&r, "0000:00:14.2", VFC_ACT_NONE, VFC_RES_ALREADY, "already without a driver"),
	   "a driverless device is already unbound");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, g, false) == 0 && r.group_target, "unbind group 2");
	vfc_bindplan_unbind(&r);
	OK(is(&r, "0000:00:14.0", VFC_ACT_NONE, VFC_RES_SKIPPED, "not on a vfio driver"),
	   "a group target unbinds only the members on vfio drivers");
	vfc_bindrun_free(&r);
}

/* bind --dry-run without --group: the plan says now that the group would stay not viable. */
static void test_predict(void)
{
	struct vfc_bindrun r;
	const char *gpu[] = { "01:00.0" }, *nvme[] = { "03:00.0" };
	const char *all[] = { "01:00.0", "01:00.1", "02:00.0" };
	const struct vfc_bind_step *s;

	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu (predict)");
	OK(run_open(&r, 1, gpu, false) == 0, "bind --dry-run 01:00.0 (group 1 has more endpoints)");
	vfc_bindplan_bind_targets(&r, false, "vfio-pci");
	s = step(&r, "0000:01:00.0");
	OK(s && s->result == VFC_RES_PLANNED && s->fault == VFC_FAULT_NONE && !nerr,
	   "before predict: planned, no fault");
	vfc_bindplan_predict(&r);
	s = step(&r, "0000:01:00.0");
	OK(s && s->result == VFC_RES_PLANNED && s->fault == VFC_FAULT_NOT_VIABLE,
	   "predict: the group stays not viable (the fault exit 8 comes from)");
	OK(nerr == 1 && strstr(last, "0000:01:00.0: group 1 would stay not viable: 0000:01:00.1") &&
	   strstr(last, "(use --group)"), "reported once, naming the first member left behind");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 3, all, false) == 0, "bind --dry-run 01:00.0 01:00.1 02:00.0");
	vfc_bindplan_bind_targets(&r, false, "vfio-pci");
	vfc_bindplan_predict(&r);
	s = step(&r, "0000:01:00.0");
	OK(s && s->fault == VFC_FAULT_NONE && step(&r, "0000:02:00.0")->fault == VFC_FAULT_NONE &&
	   !nerr, "every endpoint of group 1 bound: nothing predicted (bridges do not block)");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, nvme, false) == 0, "bind --dry-run 03:00.0 (a group of its own)");
	vfc_bindplan_bind_targets(&r, false, "vfio-pci");
	vfc_bindplan_predict(&r);
	OK(step(&r, "0000:03:00.0")->fault == VFC_FAULT_NONE && !nerr,
	   "a group of one: viable once bound, nothing predicted");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, gpu, false) == 0, "bind --dry-run --driver nvidia 01:00.0");
	vfc_bindplan_bind_targets(&r, false, "nvidia");
	vfc_bindplan_predict(&r);
	OK(step(&r, "0000:01:00.0")->fault == VFC_FAULT_NONE && !nerr,
	   "not going to a vfio driver: viability is not asked");
	vfc_bindrun_free(&r);
}

/* restore --default: back to the kernel's choice (driver_override cleared), journal or not. */
static void test_default(void)
{
	struct vfc_bindrun r;
	const char *t[] = { "03:00.0", "00:01.0" }, *vf[] = { "04:00.0" };
	const struct vfc_bind_step *s;

	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu (restore --default)");
	OK(run_open(&r, 2, t, false) == 0, "restore --default 03:00.0 00:01.0 (host drivers)");
	vfc_bindplan_default(&r);
	s = step(&r, "0000:03:00.0");
	OK(s && s->action == VFC_ACT_RESTORE && s->result == VFC_RES_ALREADY &&
	   !strcmp(s->to, "nvme") && strstr(s->reason, "already the kernel's choice"),
	   "the NVMe on nvme, no override: already there, TO is its driver");
	OK(is(&r, "0000:00:01.0", VFC_ACT_RESTORE, VFC_RES_ALREADY, "already the kernel's choice") &&
	   !strcmp(step(&r, "0000:00:01.0")->to, "pcieport"),
	   "a root port on pcieport: already (a bridge is only refused when it would move)");
	OK(!vfc_bindplan_differs(&r.p) && !vfc_bindplan_refused(&r.p), "nothing to do");
	vfc_bindrun_free(&r);

	/* as if another tool had put them on vfio-pci (no journal entry) */
	sh("echo vfio-pci >sys/bus/pci/devices/0000:03:00.0/driver_override");
	sh("ln -sfn ../../../bus/pci/drivers/vfio-pci sys/bus/pci/devices/0000:03:00.0/driver");
	sh("echo vfio-pci >sys/bus/pci/devices/0000:00:01.0/driver_override");
	sh("ln -sfn ../../../bus/pci/drivers/vfio-pci sys/bus/pci/devices/0000:00:01.0/driver");
	OK(run_open(&r, 2, t, false) == 0, "restore --default, both on vfio-pci by override");
	vfc_bindplan_default(&r);
	s = step(&r, "0000:03:00.0");
	OK(s && s->action == VFC_ACT_RESTORE && s->result == VFC_RES_PLANNED &&
	   !strcmp(s->from, "vfio-pci") && !s->to[0] && !s->to_ovr[0] &&
	   strstr(s->reason, "--default: driver_override cleared"),
	   "the NVMe: planned, override cleared, TO left to the kernel's probe");
	OK(is(&r, "0000:00:01.0", VFC_ACT_RESTORE, VFC_RES_REFUSED, "is a bridge") &&
	   step(&r, "0000:00:01.0")->fault == VFC_FAULT_FAILED,
	   "a bridge on vfio-pci is refused (endpoints only)");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 1, vf, false) == 0, "restore --default 04:00.0 (on vfio-pci, held by qemu)");
	vfc_bindplan_default(&r);
	OK(is(&r, "0000:04:00.0", VFC_ACT_RESTORE, VFC_RES_REFUSED, "in use by pid 4242") &&
	   step(&r, "0000:04:00.0")->fault == VFC_FAULT_BUSY,
	   "a device whose group a process holds is refused (busy)");
	vfc_bindrun_free(&r);

	/* on vfio-pci without an override (new_id, say): not the kernel's choice either */
	sh("echo '(null)' >sys/bus/pci/devices/0000:03:00.0/driver_override");
	OK(run_open(&r, 1, t, false) == 0, "restore --default 03:00.0 (vfio-pci, no override)");
	vfc_bindplan_default(&r);
	OK(is(&r, "0000:03:00.0", VFC_ACT_RESTORE, VFC_RES_PLANNED, "--default") &&
	   !step(&r, "0000:03:00.0")->from_ovr[0], "planned: a vfio driver is never the default");
	vfc_bindrun_free(&r);
}

/* Journal entries as an earlier run would have left them. */
static bool journal(struct vfc_jentry *e, size_t n)
{
	struct vfc_journal j = { .lockfd = -1 };
	bool ok = vfc_journal_lock(&ctx, &j, 1000) == 0;

	sh("rm -f run/vfioctl/0*");
	for (size_t i = 0; ok && i < n; i++)
		ok = vfc_journal_put(&j, &e[i]) == 0;
	vfc_journal_unlock(&j);
	return ok;
}

static void test_restore(void)
{
	struct vfc_jentry e[4] = {
		{ .bdf = "0000:03:00.0", .driver = "nvme", .vendor = -1, .device = -1, .pid = 7 },
		{ .bdf = "0000:04:00.0", .driver = "igb", .vendor = -1, .device = -1 },
		{ .bdf = "0000:05:00.0", .driver = "r8169", .vendor = 0x8086, .device = 0x1000 },
		{ .bdf = "0000:09:00.0", .driver = "e1000e", .vendor = -1, .device = -1 },
	};
	struct vfc_bindrun r;
	const char *t[] = { "01:00.0", "03:00.0" };
	size_t nbad = 9;

	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu (restore)");
	OK(journal(e, 4), "four journal entries");
	sh("echo garbage >run/vfioctl/0000:02:00.0");
	OK(run_open(&r, 0, NULL, false) == 0 && vfc_bindplan_restore(&r, true, &nbad) == 0 &&
	   nbad == 1, "restore --all: the journal read, one entry that does not parse counted");
	OK(r.p.n == 4, "one step per entry");
	OK(is(&r, "0000:03:00.0", VFC_ACT_RESTORE, VFC_RES_PLANNED, "already where the journal says"),
	   "a device already where its entry says: only the entry goes");
	OK(is(&r, "0000:04:00.0", VFC_ACT_RESTORE, VFC_RES_REFUSED, "pid 4242"),
	   "a held device is refused");
	OK(is(&r, "0000:05:00.0", VFC_ACT_RESTORE, VFC_RES_REFUSED,
	      "journal is for 8086:1000, the device is now 10ec:8168; entry kept") &&
	   step(&r, "0000:05:00.0")->fault == VFC_FAULT_FAILED,
	   "an entry for other ids is refused and kept");
	OK(is(&r, "0000:09:00.0", VFC_ACT_RESTORE, VFC_RES_PLANNED, "device is gone") &&
	   step(&r, "0000:09:00.0")->gone, "a device that is gone: its entry is dropped");
	vfc_bindrun_free(&r);

	e[0].driver[0] = '\0';
	snprintf(e[0].override, sizeof(e[0].override), "vfio-pci");
	OK(journal(e, 4), "the NVMe's entry now says: no driver, override vfio-pci");
	OK(run_open(&r, 2, t, false) == 0 && vfc_bindplan_restore(&r, false, &nbad) == 0,
	   "restore 01:00.0 03:00.0");
	OK(r.p.n == 2, "only the targets");
	OK(is(&r, "0000:01:00.0", VFC_ACT_NONE, VFC_RES_ALREADY, "no journal entry"),
	   "a target without an entry has nothing to do");
	OK(is(&r, "0000:03:00.0", VFC_ACT_RESTORE, VFC_RES_PLANNED, "journal (by pid 7)") &&
	   !strcmp(step(&r, "0000:03:00.0")->to_ovr, "vfio-pci") &&
	   !step(&r, "0000:03:00.0")->to[0], "a target with an entry goes back to it");
	vfc_bindrun_free(&r);
}

static void test_apply(void)
{
	const char *lines[] = { "0000:04:00.0 owner=0:0", "10de:2204", "0000:03:00.0 driver=nvme",
				"10de:1aef owner=no-such-user-xyz", "0000:05:00.0 driver=no-such-drv" };
	struct vfc_conf_entry ents[5];
	struct vfc_apply_error err;
	struct vfc_bindrun r;
	struct vfc_pciaddr only;
	const char *why;
	bool parsed = true;

	for (int i = 0; i < 5; i++) {
		parsed &= vfc_conf_parse_line(lines[i], &ents[i], &why) == 1;
		ents[i].line = i + 1;
	}
	OK(parsed, "the conf lines parse");
	OK(fixture("desktop-gpu"), "mkfixture desktop-gpu (apply)");
	OK(run_open(&r, 0, NULL, false) == 0 && vfc_bindplan_apply(&r, ents, 3, NULL, &err) == 0,
	   "apply of three lines");
	OK(r.p.n == 3, "one step per device named");
	OK(is(&r, "0000:04:00.0", VFC_ACT_NONE, VFC_RES_ALREADY,
	      "already as configured: 0000:04:00.0 (line 1)") && step(&r, "0000:04:00.0")->has_owner &&
	   step(&r, "0000:04:00.0")->uid == 0, "a device as configured: already, with its owner");
	OK(is(&r, "0000:01:00.0", VFC_ACT_BIND, VFC_RES_PLANNED, "10de:2204 (line 2)"),
	   "a line by ids binds the device with those ids");
	OK(is(&r, "0000:03:00.0", VFC_ACT_NONE, VFC_RES_ALREADY, "line 3"),
	   "driver= of a device already on it: already");
	OK(vfc_bindplan_differs(&r.p), "the host differs from the file");
	vfc_bindrun_free(&r);

	OK(run_open(&r, 0, NULL, false) == 0 && vfc_bindplan_apply(&r, ents, 4, NULL, &err) == -EINVAL &&
	   err.kind == VFC_APPLY_OWNER && err.entry == &ents[3] &&
	   !strcmp(err.name, "no-such-user-xyz"), "an owner that does not exist: -EINVAL naming it");
	vfc_bindrun_free(&r);
	OK(run_open(&r, 0, NULL, false) == 0 && vfc_bindplan_apply(&r, &ents[4], 1, NULL, &err) ==
	   -EOPNOTSUPP && err.kind == VFC_APPLY_DRIVER, "a driver that does not exist: -EOPNOTSUPP");
	vfc_bindrun_free(&r);

	vfc_pciaddr_parse("03:00.0", &only);
	OK(run_open(&r, 0, NULL, false) == 0 && vfc_bindplan_apply(&r, ents, 3, &only, &err) == 0 &&
	   r.p.n == 1 && step(&r, "0000:03:00.0"), "--device: only that device is planned");
	vfc_bindrun_free(&r);
}

static void test_noiommu(void)
{
	struct vfc_bindrun r;
	const char *t[] = { "01:00.0" };

	OK(fixture("iommu-off"), "mkfixture iommu-off");
	sh("mkdir -p sys/module/vfio/parameters && echo Y >sys/module/vfio/parameters/"
	   "enable_unsafe_noiommu_mode");
	OK(run_open(&r, 1, t, false) == 0, "bind 01:00.0 without an IOMMU, noiommu mode on");
	OK(vfc_bindplan_noiommu(&r, "vfio-pci", false) == -EPERM && strstr(last, "has no IOMMU"),
	   "refused (-EPERM) unless the caller allows it");
	OK(vfc_bindplan_noiommu(&r, "vfio-pci", true) == 0, "allowed (--unsafe-noiommu)");
	OK(vfc_bindplan_noiommu(&r, "pci-stub", false) == 0, "not a vfio driver: nothing to say");
	vfc_bindrun_free(&r);
}

static void test_owner(void)
{
	uid_t u;
	gid_t g;
	const char *bad = NULL;

	OK(vfc_owner_lookup("0:0", &u, &g, &bad) == 0 && u == 0 && g == 0, "owner 0:0");
	OK(vfc_owner_lookup("root", &u, &g, &bad) == 0 && u == 0 && g == 0,
	   "owner root: its primary group too");
	OK(vfc_owner_lookup(":5", &u, &g, &bad) == 0 && u == (uid_t)-1 && g == 5, "owner :5");
	OK(vfc_owner_lookup("no-such-user-xyz", &u, &g, &bad) == -EINVAL && bad &&
	   !strcmp(bad, "no-such-user-xyz"), "an unknown user names itself");
}

int main(void)
{
	char cmd[128];

	snprintf(root, sizeof(root), "/tmp/vfc-test-bindplan.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_bind();
	test_bind_refusals();
	test_predict();
	test_default();
	test_unbind();
	test_restore();
	test_apply();
	test_noiommu();
	test_owner();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		return 1;
	return tap_done();
}
