// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl check`: facts read through the root context, judged into items. The judgement of
 * interrupt remapping and of limits.conf lines is pure (unit tested); the rest is small
 * enough to be proven by fixture trees and the lab guests.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/cdi.h"
#include "core/check.h"
#include "core/reset.h"
#include "core/safety.h"

#define GIB (1024ull * 1024 * 1024)
/* Below this a VM of any real size cannot pin its RAM: warn (type1 pins every mapped page). */
#define MEMLOCK_WARN_BELOW GIB

const char *vfc_check_status_name(enum vfc_check_status s)
{
	return s == VFC_CHECK_OK ? "ok" : s == VFC_CHECK_WARN ? "warn" : "fail";
}

struct vfc_check_item *vfc_check_add(struct vfc_check_report *r, const char *target,
				     const char *item, enum vfc_check_status st, const char *fix,
				     const char *fmt, ...)
{
	struct vfc_check_item *it;
	va_list ap;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct vfc_check_item *v = reallocarray(r->items, cap, sizeof(*v));

		if (!v)
			return NULL;
		r->items = v;
		r->cap = cap;
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->target, sizeof(it->target), "%s", target);
	snprintf(it->item, sizeof(it->item), "%s", item);
	it->status = st;
	snprintf(it->fix, sizeof(it->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
	r->nstatus[st]++;
	return it;
}

void vfc_check_report_free(struct vfc_check_report *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}

enum vfc_check_status vfc_check_worst(const struct vfc_check_report *r)
{
	return r->nstatus[VFC_CHECK_FAIL] ? VFC_CHECK_FAIL
	       : r->nstatus[VFC_CHECK_WARN] ? VFC_CHECK_WARN : VFC_CHECK_OK;
}

/* Append to a fixed buffer with a separator; silently truncates. */
static void cat(char *buf, size_t len, const char *sep, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t len, const char *sep, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + strlen(sep) < len) {
		strcpy(buf + used, sep);
		used += strlen(sep);
	}
	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* ---- interrupt remapping ---- */

void vfc_irq_parse(const char *text, struct vfc_irq_facts *f)
{
	const char *line = text;

	f->nirqs = f->nremapped = f->nits = 0;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[512], *tok, *save = NULL;

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		line = end ? end + 1 : NULL;
		tok = strtok_r(buf, " \t", &save);
		/* numbered interrupts only ("25:"); NMI:, LOC:, ... are CPU-local */
		if (!tok || !isdigit((unsigned char)tok[0]) || tok[strlen(tok) - 1] != ':')
			continue;
		f->nirqs++;
		/* per-CPU counts, then the irqchip's name */
		while ((tok = strtok_r(NULL, " \t", &save)) && strspn(tok, "0123456789") == strlen(tok))
			;
		if (!tok)
			continue;
		if (!strncmp(tok, "IR-", 3))
			f->nremapped++;
		else if (!strncmp(tok, "ITS-", 4))
			f->nits++;
	}
}

void vfc_irq_eval(const struct vfc_irq_facts *f, struct vfc_check_report *r)
{
	static const char unsafe_fix[] =
		"last resort, unsafe (a device can then forge interrupts): "
		"options vfio_iommu_type1 allow_unsafe_interrupts=1 in /etc/modprobe.d/vfio.conf";
	char detail[512] = "", fix[512] = "";
	const char *item = "interrupt-remapping";

	if (f->nremapped > 0) {
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "active: %d of %d interrupts go through a remapping irqchip (IR-)",
			      f->nremapped, f->nirqs);
		return;
	}
	if (f->nits > 0 || (f->nsmmu > 0 && f->nirqs < 0)) {
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "not used on ARM: MSIs are isolated by the GICv3 ITS (%d interrupts on "
			      "ITS irqchips); the IOMMU reserves the MSI window (see msi-window)",
			      f->nits);
		return;
	}
	if (f->spapr) {
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "not required: the SPAPR TCE backend does not depend on it (POWER "
			      "isolates MSIs per partitionable endpoint)");
		return;
	}
	if (!f->iommu_enabled) {
		vfc_check_add(r, "host", item, VFC_CHECK_FAIL,
			      "enable the IOMMU first (see the iommu item); interrupt remapping "
			      "comes with it on VT-d and AMD-Vi",
			      "not active: no IOMMU is enabled, so no interrupt is remapped");
		return;
	}
	if (f->nirqs < 0) {
		/* no report of the kernel: the hardware's capability is all there is */
		if (f->ndmar_ecap > 0 && f->ndmar_ir == f->ndmar_ecap)
			vfc_check_add(r, "host", item, VFC_CHECK_WARN, "make /proc/interrupts readable",
				      "unknown: /proc/interrupts is unreadable; the VT-d units offer "
				      "it (ecap IR bit)");
		else if (!f->ndmar_ecap)
			vfc_check_add(r, "host", item, VFC_CHECK_WARN, "make /proc/interrupts readable",
				      "unknown: /proc/interrupts is unreadable and no IOMMU unit "
				      "reports its capabilities");
		if (f->ndmar_ecap == 0 || f->ndmar_ir == f->ndmar_ecap)
			return;
		snprintf(detail, sizeof(detail), "unknown: /proc/interrupts is unreadable");
	} else
		snprintf(detail, sizeof(detail), "not active: none of %d interrupts goes through a "
			 "remapping irqchip (no IR- in /proc/interrupts)", f->nirqs);
	if (f->ndmar_ir < f->ndmar_ecap)
		cat(detail, sizeof(detail), "; ", "%d of %d VT-d units lack the IR capability "
		    "(ecap bit 3)", f->ndmar_ecap - f->ndmar_ir, f->ndmar_ecap);
	if (f->cmdline_intremap_off)
		cat(detail, sizeof(detail), "; ", "the kernel command line has intremap=off");

	if (f->cmdline_intremap_off)
		snprintf(fix, sizeof(fix), "remove intremap=off from the kernel command line; ");
	if (f->ndmar_ir < f->ndmar_ecap)
		cat(fix, sizeof(fix), "", "enable interrupt remapping in the firmware setup (VT-d / "
		    "x2APIC), or on a VM's vIOMMU (QEMU: -device intel-iommu,intremap=on); ");
	else if (!f->cmdline_intremap_off)
		cat(fix, sizeof(fix), "", "enable interrupt remapping in the firmware setup "
		    "(VT-d / AMD-Vi, x2APIC); ");
	if (f->unsafe_type1 == 1 || f->unsafe_iommufd == 1) {
		cat(detail, sizeof(detail), "; ", "allowed anyway by allow_unsafe_interrupts=Y: a "
		    "device can forge interrupts to the host");
		cat(fix, sizeof(fix), "", "then drop allow_unsafe_interrupts");
		vfc_check_add(r, "host", item, VFC_CHECK_WARN, fix, "%s", detail);
		return;
	}
	cat(detail, sizeof(detail), "; ", "VFIO refuses to attach groups (EPERM, \"No interrupt "
	    "remapping support\")");
	cat(fix, sizeof(fix), "", "%s", unsafe_fix);
	vfc_check_add(r, "host", item, VFC_CHECK_FAIL, fix, "%s", detail);
}

static int read_yn(const struct vfc_ctx *ctx, const char *path)
{
	char buf[16];

	if (vfc_read_attr(ctx, buf, sizeof(buf), "%s", path) < 0)
		return -1;
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static void irq_facts_read(const struct vfc_ctx *ctx, const struct vfc_iommu_state *st,
			   struct vfc_irq_facts *f)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);

	memset(f, 0, sizeof(*f));
	f->iommu_enabled = st->enabled;
	f->nirqs = -1;
	if (buf && vfc_read_attr(ctx, buf, len, "/proc/interrupts") >= 0)
		vfc_irq_parse(buf, f);
	free(buf);
	for (size_t i = 0; i < st->units.n; i++) {
		const char *u = st->units.v[i];
		char ecap[64];
		uint64_t v;

		if (!strncmp(u, "dmar", 4)) {
			f->ndmar++;
			if (vfc_read_attr(ctx, ecap, sizeof(ecap),
					  "/sys/class/iommu/%s/intel-iommu/ecap", u) > 0 &&
			    !vfc_parse_hex_u64(ecap, &v)) {
				f->ndmar_ecap++;
				f->ndmar_ir += !!(v & (1u << 3));
			}
		} else if (!strncmp(u, "ivhd", 4)) {
			f->namd++;
		} else if (!strncmp(u, "smmu", 4)) {
			f->nsmmu++;
		}
	}
	f->spapr = vfc_exists(ctx, "/sys/module/vfio_iommu_spapr_tce") == 1;
	f->unsafe_type1 = read_yn(ctx, "/sys/module/vfio_iommu_type1/parameters/"
				  "allow_unsafe_interrupts");
	f->unsafe_iommufd = read_yn(ctx, "/sys/module/iommufd/parameters/allow_unsafe_interrupts");
	f->cmdline_intremap_off = strstr(st->cmdline_iommu, "intremap=off") != NULL;
}

/* ---- limits.conf ---- */

static bool in_groups(char *const *groups, const char *g)
{
	for (; groups && *groups; groups++)
		if (!strcmp(*groups, g))
			return true;
	return false;
}

static void limit_set(struct vfc_limit *l, int prio, bool unlimited, uint64_t bytes,
		      const char *file, int lineno)
{
	/* pam_limits: a more specific domain is never overridden by a less specific one */
	if (l->set && prio > l->prio)
		return;
	l->set = true;
	l->prio = prio;
	l->unlimited = unlimited;
	l->bytes = bytes;
	snprintf(l->source, sizeof(l->source), "%s:%d", file, lineno);
}

void vfc_limits_apply(const char *text, const char *file, const char *user, char *const *groups,
		      struct vfc_limit *soft, struct vfc_limit *hard)
{
	const char *line = text;
	int lineno = 0;
	bool root = !strcmp(user, "root");

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[512], *save = NULL, *dom, *type, *item, *val, *hash;
		bool unlimited = false;
		uint64_t kib = 0;
		int prio;

		lineno++;
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		line = end ? end + 1 : NULL;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		dom = strtok_r(buf, " \t", &save);
		type = strtok_r(NULL, " \t", &save);
		item = strtok_r(NULL, " \t", &save);
		val = strtok_r(NULL, " \t", &save);
		if (!dom || !type || !item || !val || strcmp(item, "memlock"))
			continue;
		if (!strcmp(dom, user))
			prio = 1;
		else if (dom[0] == '@' && !root && in_groups(groups, dom + 1))
			prio = 2;
		else if (!strcmp(dom, "*") && !root)
			prio = 3;
		else
			continue;
		if (!strcmp(val, "unlimited") || !strcmp(val, "infinity") || !strcmp(val, "-1"))
			unlimited = true;
		else if (vfc_parse_u64(val, &kib) || kib > UINT64_MAX / 1024)
			continue;	/* pam_limits ignores a value it cannot parse */
		if (!strcmp(type, "soft") || !strcmp(type, "-"))
			limit_set(soft, prio, unlimited, kib * 1024, file, lineno);
		if (!strcmp(type, "hard") || !strcmp(type, "-"))
			limit_set(hard, prio, unlimited, kib * 1024, file, lineno);
	}
}

int vfc_check_user_read(const struct vfc_ctx *ctx, const char *name, struct vfc_check_user *u)
{
	size_t len = 1 << 20, n = 0;
	char *buf = malloc(len), *line, *save = NULL;
	bool found = false;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->groups = calloc(VFC_ARRAY_SIZE(u->gids) + 1, sizeof(*u->groups));
	if (!buf || !u->groups) {
		free(buf);
		vfc_check_user_free(u);
		return -ENOMEM;
	}
	if (vfc_read_attr(ctx, buf, len, "/etc/passwd") >= 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *f[4] = { 0 };
			int k = 0;

			/* name:passwd:uid:gid (strsep keeps empty fields) */
			for (char *p = line; k < 4 && p; k++)
				f[k] = strsep(&p, ":");
			if (k == 4 && f[0] && !strcmp(f[0], name)) {
				u->uid = (uid_t)strtoul(f[2], NULL, 10);
				u->gid = (gid_t)strtoul(f[3], NULL, 10);
				found = true;
				break;
			}
		}
	}
	if (!found) {
		free(buf);
		vfc_check_user_free(u);
		return -ENOENT;
	}
	save = NULL;
	if (vfc_read_attr(ctx, buf, len, "/etc/group") >= 0) {
		for (line = strtok_r(buf, "\n", &save); line && n < VFC_ARRAY_SIZE(u->gids);
		     line = strtok_r(NULL, "\n", &save)) {
			char *f[4] = { 0 }, *p = line;
			bool member = false;
			int k = 0;

			for (; k < 4 && p; k++)
				f[k] = strsep(&p, ":");
			if (k < 4 || !f[0] || !f[2])
				continue;
			if ((gid_t)strtoul(f[2], NULL, 10) == u->gid)
				member = true;
			for (char *m = f[3], *mm; !member && m && (mm = strsep(&m, ","));)
				if (!strcmp(mm, name))
					member = true;
			if (!member)
				continue;
			if (!(u->groups[n] = strdup(f[0])))
				break;
			u->gids[n++] = (gid_t)strtoul(f[2], NULL, 10);
		}
	}
	u->ngids = n;
	free(buf);
	return 0;
}

void vfc_check_user_free(struct vfc_check_user *u)
{
	vfc_strv_free(u->groups);
	u->groups = NULL;
}

static void memlock_user(const struct vfc_ctx *ctx, const char *user, char **groups,
			 struct vfc_check_report *r)
{
	struct vfc_limit soft = { 0 }, hard = { 0 };
	struct vfc_names d = { 0 };
	size_t len = 1 << 20;
	char *buf = malloc(len), item[40], sz[32];

	snprintf(item, sizeof(item), "memlock(%s)", user);
	if (!buf)
		return;
	if (vfc_read_attr(ctx, buf, len, "/etc/security/limits.conf") >= 0)
		vfc_limits_apply(buf, "/etc/security/limits.conf", user, groups, &soft, &hard);
	if (!vfc_list_dir(ctx, &d, "/etc/security/limits.d")) {
		for (size_t i = 0; i < d.n; i++) {
			char file[300];
			size_t l = strlen(d.v[i]);

			if (l < 6 || strcmp(d.v[i] + l - 5, ".conf"))
				continue;
			snprintf(file, sizeof(file), "/etc/security/limits.d/%s", d.v[i]);
			if (vfc_read_attr(ctx, buf, len, "%s", file) >= 0)
				vfc_limits_apply(buf, file, user, groups, &soft, &hard);
		}
		vfc_names_free(&d);
	}
	free(buf);
	if (!soft.set && !hard.set) {
		vfc_check_add(r, "host", item, VFC_CHECK_WARN,
			      "add '<user> - memlock unlimited' (or the VM's RAM in KiB) to "
			      "/etc/security/limits.d/vfio.conf; for a systemd service set "
			      "LimitMEMLOCK= in its unit instead",
			      "no limits.conf entry applies to %s: a login session gets the default "
			      "(8 MiB on Linux >= 5.16), too little to pin a VM's memory", user);
		return;
	}
	if (!soft.set)
		soft = hard;
	if (soft.unlimited || soft.bytes >= MEMLOCK_WARN_BELOW) {
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "soft %s (%s) for login sessions via pam_limits",
			      soft.unlimited ? "unlimited" : vfc_format_size(soft.bytes, sz, sizeof(sz)),
			      soft.source);
		return;
	}
	vfc_check_add(r, "host", item, VFC_CHECK_WARN,
		      "raise it in /etc/security/limits.d/vfio.conf ('<user> - memlock "
		      "unlimited' or the VM's RAM in KiB); systemd services: LimitMEMLOCK=",
		      "soft %s (%s): DMA mappings past it fail with ENOMEM; a VM pins all its RAM",
		      vfc_format_size(soft.bytes, sz, sizeof(sz)), soft.source);
}

/* ---- host items ---- */

static void check_iommu(const struct vfc_iommu_state *st, struct vfc_check_report *r)
{
	char units[256] = "";

	for (size_t i = 0; i < st->units.n; i++)
		cat(units, sizeof(units), ", ", "%s", st->units.v[i]);
	if (st->enabled && st->ngroups > 0) {
		vfc_check_add(r, "host", "iommu", VFC_CHECK_OK, NULL,
			      "enabled: %zu IOMMU groups%s%s%s%s%s%s", st->ngroups,
			      units[0] ? ", units " : "", units,
			      st->acpi_dmar ? ", ACPI DMAR" : "", st->acpi_ivrs ? ", ACPI IVRS" : "",
			      st->cmdline_iommu[0] ? ", cmdline: " : "", st->cmdline_iommu);
		if (strstr(st->cmdline_iommu, "iommu=pt") || strstr(st->cmdline_iommu,
								      "iommu.passthrough=1"))
			vfc_check_add(r, "host", "iommu-passthrough", VFC_CHECK_OK, NULL,
				      "host devices bypass translation (iommu=pt); VFIO groups still "
				      "get their own translated domains");
		return;
	}
	{
		const char *fix = st->acpi_dmar ? "add intel_iommu=on to the kernel command line "
						  "(GRUB_CMDLINE_LINUX in /etc/default/grub, then "
						  "update-grub) and reboot"
				  : st->acpi_ivrs ? "check amd_iommu= / iommu= on the kernel command "
						    "line (remove amd_iommu=off) and reboot"
				  : "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, "
				    "then boot with intel_iommu=on (Intel) or amd_iommu=on (AMD)";

		vfc_check_add(r, "host", "iommu", VFC_CHECK_FAIL, fix, "%s", st->diagnosis[0] ?
			      st->diagnosis : "no IOMMU groups");
	}
}

static void check_modules(const struct vfc_ctx *ctx, const struct vfc_irq_facts *irq,
			  struct vfc_check_report *r)
{
	static const struct {
		const char *mod, *alt;	/* alt: what proves it is present besides /sys/module */
		const char *load;
	} mods[] = {
		{ "vfio", "/dev/vfio/vfio", "vfio" },
		{ "vfio_pci", "/sys/bus/pci/drivers/vfio-pci", "vfio-pci" },
		{ "vfio_iommu_type1", NULL, "vfio_iommu_type1" },
	};

	for (size_t i = 0; i < VFC_ARRAY_SIZE(mods); i++) {
		char item[40], fix[160];
		bool present = vfc_exists(ctx, "/sys/module/%s", mods[i].mod) == 1 ||
			       (mods[i].alt && vfc_exists(ctx, "%s", mods[i].alt) == 1);
		bool builtin = present &&
			       vfc_exists(ctx, "/sys/module/%s/initstate", mods[i].mod) != 1;

		snprintf(item, sizeof(item), "module %s", mods[i].mod);
		if (!strcmp(mods[i].mod, "vfio_iommu_type1") && irq->spapr && !present) {
			vfc_check_add(r, "host", "module vfio_iommu_spapr_tce", VFC_CHECK_OK, NULL,
				      "loaded (the POWER backend; type1 is not used)");
			continue;
		}
		if (present) {
			vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL, "%s",
				      builtin ? "built into the kernel" : "loaded");
			continue;
		}
		snprintf(fix, sizeof(fix), "modprobe %s (at boot: add it to "
			 "/etc/modules-load.d/vfio.conf)", mods[i].load);
		vfc_check_add(r, "host", item, VFC_CHECK_FAIL, fix, "not loaded");
	}
}

static void check_node(const struct vfc_ctx *ctx, const char *node, bool required,
		       struct vfc_check_report *r)
{
	char path[PATH_MAX];
	struct stat sb;

	if (vfc_path(ctx, path, sizeof(path), "%s", node) || stat(path, &sb)) {
		if (!strcmp(node, "/dev/iommu"))
			vfc_check_add(r, "host", "iommufd", VFC_CHECK_OK, NULL,
				      "not available (no /dev/iommu): the legacy VFIO container "
				      "(type1) is used; iommufd needs CONFIG_IOMMUFD");
		else
			vfc_check_add(r, "host", node, required ? VFC_CHECK_FAIL : VFC_CHECK_WARN,
				      "modprobe vfio (udev or devtmpfs creates the node)",
				      "missing");
		return;
	}
	/* Both nodes grant nothing by themselves (groups/devices carry the permission): the
	 * kernel makes them 0666, and a user without rw here cannot use VFIO at all. */
	if ((sb.st_mode & 0666) != 0666 && strcmp(node, "/dev/iommu")) {
		char fix[200];

		snprintf(fix, sizeof(fix), "chmod 0666 %s (the kernel's default; check udev rules "
			 "that change it)", node);
		vfc_check_add(r, "host", node, VFC_CHECK_WARN, fix, "mode %04o: other users cannot open it read-write",
			      (unsigned)(sb.st_mode & 07777));
		return;
	}
	if (!strcmp(node, "/dev/iommu"))
		vfc_check_add(r, "host", "iommufd", VFC_CHECK_OK, NULL,
			      "available: /dev/iommu mode %04o", (unsigned)(sb.st_mode & 07777));
	else
		vfc_check_add(r, "host", node, VFC_CHECK_OK, NULL, "present, mode %04o",
			      (unsigned)(sb.st_mode & 07777));
}

static void check_noiommu(const struct vfc_ctx *ctx, const struct vfc_topology *t,
			  struct vfc_check_report *r)
{
	int on = read_yn(ctx, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	size_t ngroups = 0;

	for (size_t i = 0; i < t->ngroups; i++)
		ngroups += t->groups[i].noiommu;
	if (on == 1 || ngroups)
		vfc_check_add(r, "host", "noiommu", VFC_CHECK_WARN,
			      "unless this host is meant to run without an IOMMU: echo N > "
			      "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
			      "UNSAFE no-IOMMU mode is %s%s%zu no-IOMMU groups: devices there DMA "
			      "anywhere in host memory and the kernel is tainted",
			      on == 1 ? "enabled" : "in use", ngroups ? ", " : ", ", ngroups);
	else
		vfc_check_add(r, "host", "noiommu", VFC_CHECK_OK, NULL, "%s",
			      on == 0 ? "off" : "not compiled in (no enable_unsafe_noiommu_mode)");
}

static void check_msi_window(const struct vfc_topology *t, struct vfc_check_report *r)
{
	char detail[512] = "";
	size_t with = 0;
	struct vfc_resv seen[4];
	size_t nseen = 0;

	if (!t->ngroups)
		return;
	for (size_t i = 0; i < t->ngroups; i++) {
		const struct vfc_group *g = &t->groups[i];
		bool has = false;

		for (size_t k = 0; k < g->nresv; k++) {
			const struct vfc_resv *x = &g->resv[k];
			size_t s;

			if (strcmp(x->type, "msi") && strcmp(x->type, "sw-msi"))
				continue;
			has = true;
			for (s = 0; s < nseen; s++)
				if (seen[s].start == x->start && seen[s].end == x->end)
					break;
			if (s == nseen && nseen < VFC_ARRAY_SIZE(seen))
				seen[nseen++] = *x;
		}
		with += has;
	}
	if (!nseen) {
		vfc_check_add(r, "host", "msi-window", VFC_CHECK_OK, NULL,
			      "no group reserves an MSI window: the whole IOVA space is usable");
		return;
	}
	for (size_t s = 0; s < nseen; s++)
		cat(detail, sizeof(detail), ", ", "0x%llx-0x%llx (%s)",
		    (unsigned long long)seen[s].start, (unsigned long long)seen[s].end,
		    seen[s].type);
	vfc_check_add(r, "host", "msi-window", VFC_CHECK_OK, NULL,
		      "%s reserved in %zu of %zu groups: DMA cannot use these IOVAs", detail, with,
		      t->ngroups);
}

static void check_memlock(const struct vfc_ctx *ctx, struct vfc_check_report *r)
{
	struct vfc_memlock m;
	char sz[32];
	int rc = vfc_memlock_read(ctx, &m);

	if (rc) {
		vfc_check_add(r, "host", "memlock", VFC_CHECK_WARN, NULL, "cannot read: %s",
			      strerror(-rc));
		return;
	}
	if (m.cap_ipc_lock)
		vfc_check_add(r, "host", "memlock", VFC_CHECK_OK, NULL,
			      "this process has CAP_IPC_LOCK: pinned memory is not limited");
	else if (m.unlimited || m.limit >= MEMLOCK_WARN_BELOW)
		vfc_check_add(r, "host", "memlock", VFC_CHECK_OK, NULL, "RLIMIT_MEMLOCK %s",
			      m.unlimited ? "unlimited" : vfc_format_size(m.limit, sz, sizeof(sz)));
	else
		vfc_check_add(r, "host", "memlock", VFC_CHECK_WARN,
			      "raise it (limits.conf memlock, ulimit -l, or systemd LimitMEMLOCK=) "
			      "to at least the memory you will map, or run with CAP_IPC_LOCK",
			      "RLIMIT_MEMLOCK %s for this process: mapping more fails with ENOMEM",
			      vfc_format_size(m.limit, sz, sizeof(sz)));
}

static void check_hugepages(const struct vfc_ctx *ctx, struct vfc_check_report *r)
{
	static const uint64_t sizes[] = { 2ull << 20, GIB };
	char detail[256] = "";

	for (size_t i = 0; i < VFC_ARRAY_SIZE(sizes); i++) {
		struct vfc_hugepool p;
		char sz[32];

		if (vfc_hugepool_read(ctx, sizes[i], &p))
			continue;
		cat(detail, sizeof(detail), "; ", "%s: %llu reserved, %llu free",
		    vfc_format_size(sizes[i], sz, sizeof(sz)), (unsigned long long)p.total,
		    (unsigned long long)p.free);
	}
	vfc_check_add(r, "host", "hugepages", VFC_CHECK_OK, NULL, "%s",
		      detail[0] ? detail : "no hugepage pools (optional: hugepages=N on the "
					   "kernel command line)");
}

int vfc_check_host(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		   const struct vfc_iommu_state *st, const struct vfc_check_opts *o,
		   struct vfc_check_report *r)
{
	struct vfc_irq_facts irq;

	irq_facts_read(ctx, st, &irq);
	check_iommu(st, r);
	vfc_irq_eval(&irq, r);
	check_msi_window(t, r);
	check_modules(ctx, &irq, r);
	check_node(ctx, "/dev/vfio/vfio", true, r);
	check_node(ctx, "/dev/iommu", false, r);
	check_noiommu(ctx, t, r);
	check_memlock(ctx, r);
	if (o && o->user)
		memlock_user(ctx, o->user->name, o->user->groups, r);
	check_hugepages(ctx, r);
	vfc_cdi_check(ctx, t, r);
	return 0;
}

/* ---- device items ---- */

bool vfc_acs_enabled(const struct vfc_cfginfo *c)
{
	uint16_t want = VFC_ACS_SV | VFC_ACS_RR | VFC_ACS_CR | VFC_ACS_UF;

	if (c->acs != VFC_YES)
		return false;
	want &= c->acs_cap;
	return want && (c->acs_ctrl & want) == want;
}

static bool is_port(const struct vfc_device *d)
{
	return d->cfg.pcie_type == VFC_PCIE_ROOT_PORT || d->cfg.pcie_type == VFC_PCIE_DOWNSTREAM;
}

static void check_critical(const struct vfc_ctx *ctx, const struct vfc_device *d,
			   struct vfc_check_report *r)
{
	char why[400];
	int n = vfc_safety_check(ctx, d->name, why, sizeof(why));

	if (n > 0)
		vfc_check_add(r, d->name, "host-critical", VFC_CHECK_FAIL,
			      "pick another device: the host needs this one (vfioctl bind refuses "
			      "it without --force)", "%s", why);
	else if (n < 0)
		vfc_check_add(r, d->name, "host-critical", VFC_CHECK_WARN, NULL,
			      "could not check what the host uses it for: %s", strerror(-n));
	else
		vfc_check_add(r, d->name, "host-critical", VFC_CHECK_OK, NULL,
			      "no mounted filesystem, swap, route, console or boot VGA behind it");
}

static void check_group(const struct vfc_ctx *ctx, const struct vfc_topology *t,
			const struct vfc_iommu_state *st, const struct vfc_device *d,
			const struct vfc_group *g, struct vfc_check_report *r)
{
	char detail[512] = "", fix[512];
	bool critical = false;

	if (!g) {
		if (!st->enabled)
			vfc_check_add(r, d->name, "group", VFC_CHECK_FAIL,
				      "enable the IOMMU (see the host iommu item)",
				      "no IOMMU group: the IOMMU is off");
		else
			vfc_check_add(r, d->name, "group", VFC_CHECK_WARN,
				      "bind it to vfio-pci (vfioctl bind): SMMU-style IOMMUs group a "
				      "device when a driver probes it",
				      "no IOMMU group yet (driverless device)");
		return;
	}
	/* Taking a group takes every member: the host must not depend on any of them. */
	for (size_t i = 0; i < g->ndevs; i++) {
		const struct vfc_device *m = g->devs[i];
		char why[400];

		/* the device itself has its own host-critical item */
		if (m == d || m->is_bridge || !m->is_pci ||
		    vfc_safety_check(ctx, m->name, why, sizeof(why)) <= 0)
			continue;
		critical = true;
		cat(detail, sizeof(detail), "; ", "group member %s is host-critical (%s)", m->name,
		    why);
	}
	if (g->viable) {
		vfc_check_add(r, d->name, "group", critical ? VFC_CHECK_FAIL : VFC_CHECK_OK,
			      critical ? "pick a device whose group the host does not need" : NULL,
			      "group %d viable, %zu device%s%s%s", g->id, g->ndevs,
			      g->ndevs == 1 ? "" : "s", detail[0] ? "; " : "", detail);
		return;
	}
	{
		char blk[400] = "";

		for (size_t i = 0; i < g->nblockers; i++)
			cat(blk, sizeof(blk), "; ", "%s %s", g->blockers[i].dev->name,
			    g->blockers[i].reason);
		snprintf(fix, sizeof(fix), critical ? "the group holds a device the host needs: use "
			 "another slot or device" : "vfioctl bind --group %s", d->name);
		vfc_check_add(r, d->name, "group", critical ? VFC_CHECK_FAIL : VFC_CHECK_WARN, fix,
			      "group %d not viable as bound now: %s%s%s", g->id, blk,
			      detail[0] ? "; " : "", detail);
	}
}

static void check_acs(const struct vfc_topology *t, const struct vfc_device *d,
		      const struct vfc_group *g, struct vfc_check_report *r)
{
	char missing[256] = "", enabled[256] = "", shared[256] = "", path[VFC_BDF_LEN * 8] = "";
	const struct vfc_device *chain[16];
	size_t nchain = 0, nshared = 0;
	bool unknown = false, legacy = false;
	const struct vfc_device *p = d;

	/* The path to the root: every upstream bridge, by the topology's parent links. */
	while (p && p->parent[0] && nchain < VFC_ARRAY_SIZE(chain)) {
		struct vfc_pciaddr a;

		if (vfc_pciaddr_parse(p->parent, &a))
			break;
		p = vfc_topology_device(t, &a);
		if (p)
			chain[nchain++] = p;
	}
	for (size_t i = 0; i < nchain; i++) {
		const struct vfc_device *b = chain[i];

		cat(path, sizeof(path), " <- ", "%s", b->name);
		if (b->cfg.pcie_type == VFC_PCIE_TO_PCI_BRIDGE || b->cfg.pcie_type == VFC_PCIE_NONE)
			legacy = legacy || b->cfg.pcie_type == VFC_PCIE_TO_PCI_BRIDGE;
		if (!is_port(b))
			continue;
		if (b->cfg_len <= 256 && b->cfg.acs != VFC_YES)
			unknown = true;
		else if (vfc_acs_enabled(&b->cfg))
			cat(enabled, sizeof(enabled), ", ", "%s", b->name);
		else
			cat(missing, sizeof(missing), ", ", "%s (%s)", b->name,
			    b->cfg.acs == VFC_YES ? "ACS not enabled" : "no ACS capability");
	}
	if (g) {
		for (size_t i = 0; i < g->ndevs; i++) {
			const struct vfc_device *m = g->devs[i];
			bool upstream = false;

			for (size_t k = 0; k < nchain; k++)
				upstream = upstream || chain[k] == m;
			if (m == d || upstream)
				continue;
			nshared++;
			cat(shared, sizeof(shared), ", ", "%s", m->name);
		}
	}
	if (unknown && !missing[0]) {
		vfc_check_add(r, d->name, "acs", VFC_CHECK_WARN, "run as root to read it",
			      "unknown: the ports' config space past 64 bytes needs root");
		return;
	}
	if (!nchain) {
		vfc_check_add(r, d->name, "acs", nshared ? VFC_CHECK_WARN : VFC_CHECK_OK,
			      nshared ? "assign the whole group together (vfioctl bind --group)"
				      : NULL,
			      "on a root bus (no bridge to the root complex)%s%s%s",
			      nshared ? "; shares its group with " : "", shared,
			      nshared ? " (integrated devices without ACS isolation)" : "");
		return;
	}
	if (missing[0] && nshared) {
		vfc_check_add(r, d->name, "acs", VFC_CHECK_WARN,
			      "assign the whole group together (vfioctl bind --group), or move the "
			      "card to a slot whose root port has ACS",
			      "missing on %s: shares group %d with %s", missing, g->id, shared);
		return;
	}
	if (nshared) {
		vfc_check_add(r, d->name, "acs", VFC_CHECK_WARN,
			      "assign the whole group together (vfioctl bind --group)",
			      "%s%s; shares group %d with %s%s",
			      enabled[0] ? "enabled on " : "path ", enabled[0] ? enabled : path, g->id,
			      shared, legacy ? " (behind a PCIe-to-PCI bridge: requester IDs alias)"
					     : d->cfg.multifunction == VFC_YES
						       ? " (multifunction device without ACS)" : "");
		return;
	}
	if (missing[0])
		vfc_check_add(r, d->name, "acs", VFC_CHECK_OK, NULL,
			      "missing on %s, yet the device has its group to itself", missing);
	else
		vfc_check_add(r, d->name, "acs", VFC_CHECK_OK, NULL, "enabled on %s",
			      enabled[0] ? enabled : path);
}

/* What a bus/slot (hot) reset would touch: "; hot reset of the bus possible (touches ...)". */
static void hot_reset_note(const struct vfc_topology *t, const struct vfc_device *d, char *buf,
			   size_t len)
{
	struct vfc_reset_scope sc;
	char who[200] = "";

	memset(&sc, 0, sizeof(sc));
	if (vfc_reset_scope_sysfs(t, d, &sc))
		return;
	if (!sc.possible) {
		cat(buf, len, "; ", "no hot reset (%s)", sc.why_not);
	} else {
		for (size_t i = 0; i < sc.n; i++)
			if (!sc.m[i].target)
				cat(who, sizeof(who), ", ", "%s", sc.m[i].bdf);
		cat(buf, len, "; ", "a hot reset of its bus is possible%s%s%s", who[0] ? " (also resets "
		    : "", who, who[0] ? ": all must be on vfio and owned)" : "");
	}
	vfc_reset_scope_free(&sc);
}

static void check_reset(const struct vfc_topology *t, const struct vfc_device *d,
			struct vfc_check_report *r)
{
	char fix[200], m[128] = "", note[400] = "";
	char **usable = NULL;

	snprintf(fix, sizeof(fix), "echo default > /sys/bus/pci/devices/%s/reset_method", d->name);
	if (d->has_reset_attr) {
		/* the reset engineer's rule: `bus` only counts when the device is alone on its bus */
		if (vfc_reset_usable_dev(t, d, &usable))
			usable = NULL;
		for (char **p = usable; p && *p; p++)
			cat(m, sizeof(m), " ", "%s", *p);
		vfc_strv_free(usable);
		if (m[0]) {
			vfc_check_add(r, d->name, "reset", VFC_CHECK_OK, NULL, "%s%s", m,
				      !strcmp(m, "bus") ? " (secondary bus reset by the upstream "
							  "bridge)" : "");
			return;
		}
		if (!d->reset_methods || !d->reset_methods[0]) {
			vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN, fix,
				      "every reset method is disabled (reset_method is empty): the "
				      "device keeps its state between users");
			return;
		}
	}
	/* The kernel hides reset_method when no method exists (>= 5.15); older kernels lack it. */
	if (!d->has_reset_attr &&
	    (d->cfg.flr == VFC_YES || (d->cfg.pm == VFC_YES && d->cfg.pm_nosoftrst == VFC_NO))) {
		vfc_check_add(r, d->name, "reset", VFC_CHECK_OK, NULL,
			      "%s%s (config space; the kernel does not list reset_method)",
			      d->cfg.flr == VFC_YES ? "flr" : "",
			      d->cfg.pm == VFC_YES && d->cfg.pm_nosoftrst == VFC_NO
				      ? (d->cfg.flr == VFC_YES ? " pm" : "pm") : "");
		return;
	}
	if (!d->has_reset_attr && d->cfg.flr == VFC_UNKNOWN) {
		vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN, "run as root to read config space",
			      "unknown: no reset_method attribute and config space is not readable");
		return;
	}
	hot_reset_note(t, d, note, sizeof(note));
	if (d->has_reset_attr)
		vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN,
			      "expect stale device state between users; give the device a slot of "
			      "its own to gain bus reset",
			      "no usable function reset: reset_method lists only bus and the device "
			      "shares its bus%s%s", note[0] ? "; " : "", note);
	else
		vfc_check_add(r, d->name, "reset", VFC_CHECK_WARN,
			      "expect stale device state between users (some guest drivers fail); a "
			      "device alone on its bus gains bus reset",
			      "no reset method: no FLR, %s, %s%s%s",
			      d->cfg.pm_nosoftrst == VFC_YES ? "PM NoSoftRst set" : "no PM reset",
			      d->parent[0] ? "not alone on its bus" : "on a root bus",
			      note[0] ? "; " : "", note);
}

/* Can uid/gids open a node of this mode and ownership read-write? */
static bool may_rw(const struct stat *sb, const struct vfc_check_user *u)
{
	bool in_group = sb->st_gid == u->gid;

	for (size_t i = 0; i < u->ngids; i++)
		in_group = in_group || u->gids[i] == sb->st_gid;
	if (u->uid == 0)
		return true;
	if (sb->st_uid == u->uid)
		return (sb->st_mode & 0600) == 0600;
	if (in_group)
		return (sb->st_mode & 0060) == 0060;
	return (sb->st_mode & 0006) == 0006;
}

static void check_node_access(const struct vfc_ctx *ctx, const struct vfc_device *d,
			      const struct vfc_group *g, const struct vfc_check_opts *o,
			      struct vfc_check_report *r)
{
	char node[64], path[PATH_MAX], fix[200];
	struct stat sb;

	if (!g)
		return;
	snprintf(node, sizeof(node), "/dev/vfio/%s%d", g->noiommu ? "noiommu-" : "", g->id);
	if (vfc_path(ctx, path, sizeof(path), "%s", node) || stat(path, &sb)) {
		vfc_check_add(r, d->name, "group-node", VFC_CHECK_OK, NULL,
			      "%s does not exist yet: vfio-pci creates it when it binds a member",
			      node);
		return;
	}
	if (!o || !o->user) {
		vfc_check_add(r, d->name, "group-node", VFC_CHECK_OK, NULL,
			      "%s: uid %u gid %u mode %04o", node, (unsigned)sb.st_uid,
			      (unsigned)sb.st_gid, (unsigned)(sb.st_mode & 07777));
		return;
	}
	if (may_rw(&sb, o->user)) {
		vfc_check_add(r, d->name, "group-node", VFC_CHECK_OK, NULL,
			      "%s (uid %u gid %u mode %04o): %s can open it", node,
			      (unsigned)sb.st_uid, (unsigned)sb.st_gid,
			      (unsigned)(sb.st_mode & 07777), o->user->name);
		return;
	}
	snprintf(fix, sizeof(fix), "vfioctl bind --owner %s %s", o->user->name, d->name);
	vfc_check_add(r, d->name, "group-node", VFC_CHECK_WARN, fix,
		      "%s (uid %u gid %u mode %04o): %s cannot open it read-write", node,
		      (unsigned)sb.st_uid, (unsigned)sb.st_gid, (unsigned)(sb.st_mode & 07777),
		      o->user->name);
}

static void check_use(const struct vfc_topology *t, const struct vfc_device *d,
		      const struct vfc_group *g, struct vfc_check_report *r)
{
	char who[400] = "";

	for (size_t i = 0; g && i < g->nholders; i++)
		cat(who, sizeof(who), ", ", "%s (pid %d) via %s", g->holders[i].comm,
		    (int)g->holders[i].pid, g->holders[i].path);
	if (who[0])
		vfc_check_add(r, d->name, "in-use", VFC_CHECK_FAIL,
			      "stop that process (or use another device)", "held by %s", who);
	else if (!t->holders_complete)
		vfc_check_add(r, d->name, "in-use", VFC_CHECK_WARN, "run as root to see every process",
			      "not held by any process this user can see");
	else
		vfc_check_add(r, d->name, "in-use", VFC_CHECK_OK, NULL, "no process holds it");
}

static void check_driver(const struct vfc_device *d, struct vfc_check_report *r)
{
	const char *o = d->driver_override;

	if (o && *o && strcmp(o, "vfio-pci")) {
		char fix[160];

		snprintf(fix, sizeof(fix), "vfioctl bind %s (sets it to vfio-pci)", d->name);
		vfc_check_add(r, d->name, "driver", VFC_CHECK_WARN, fix,
			      "on %s; driver_override=%s: the next probe binds %s, not vfio-pci",
			      d->driver ? d->driver : "no driver", o, o);
		return;
	}
	vfc_check_add(r, d->name, "driver", VFC_CHECK_OK, NULL, "%s%s%s; driver_override %s",
		      d->driver ? "on " : "no driver", d->driver ? d->driver : "",
		      d->driver && !vfc_driver_is_vfio(d->driver) && !vfc_driver_dma_safe(d->driver)
			      ? " (a host driver: vfioctl bind moves it)" : "",
		      o && *o ? o : "unset");
}

static void check_sriov(const struct vfc_topology *t, const struct vfc_device *d,
			struct vfc_check_report *r)
{
	if (d->physfn[0]) {
		struct vfc_pciaddr a;
		const struct vfc_device *pf = NULL;

		if (!vfc_pciaddr_parse(d->physfn, &a))
			pf = vfc_topology_device(t, &a);
		vfc_check_add(r, d->name, "sriov", VFC_CHECK_OK, NULL,
			      "VF of %s (on %s, group %d): keep the PF on its host driver; "
			      "disabling its VFs removes this device",
			      d->physfn, pf && pf->driver ? pf->driver : "no driver",
			      pf ? pf->group : -1);
		return;
	}
	if (d->sriov_totalvfs < 0)
		return;
	{
		char vfs[400] = "";
		size_t n = 0;

		for (size_t i = 0; i < t->ndevs; i++) {
			const struct vfc_device *v = t->devs[i];

			if (strcmp(v->physfn, d->name))
				continue;
			if (++n <= 8)
				cat(vfs, sizeof(vfs), ", ", "%s (group %d)", v->name, v->group);
		}
		vfc_check_add(r, d->name, "sriov", VFC_CHECK_OK, NULL,
			      "PF with %d of %d VFs enabled%s%s%s", d->sriov_numvfs, d->sriov_totalvfs,
			      n ? ": " : "", vfs, n > 8 ? ", ..." : "");
	}
}

int vfc_check_device(const struct vfc_ctx *ctx, const struct vfc_topology *t,
		     const struct vfc_iommu_state *st, const struct vfc_check_opts *o,
		     const struct vfc_device *d, struct vfc_check_report *r)
{
	const struct vfc_group *g = d->group != VFC_NO_GROUP ? vfc_topology_group(t, d->group)
							      : NULL;

	check_critical(ctx, d, r);
	check_group(ctx, t, st, d, g, r);
	check_acs(t, d, g, r);
	check_reset(t, d, r);
	check_use(t, d, g, r);
	check_node_access(ctx, d, g, o, r);
	check_driver(d, r);
	check_sriov(t, d, r);
	return 0;
}
