// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/host.h"

static bool is_iommu_word(const char *w)
{
	static const char *const prefixes[] = { "intel_iommu=", "amd_iommu=", "iommu=", "iommu.",
						"vfio", "vfio_iommu_type1.", "intremap=" };

	for (size_t i = 0; i < VFC_ARRAY_SIZE(prefixes); i++)
		if (!strncmp(w, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void read_cmdline(const struct vfc_ctx *ctx, struct vfc_iommu_state *st)
{
	char buf[4096];
	char **words;

	if (vfc_read_attr(ctx, buf, sizeof(buf), "/proc/cmdline") < 0)
		return;
	if (vfc_split_words(buf, &words) < 0)
		return;
	for (char **w = words; *w; w++) {
		size_t used = strlen(st->cmdline_iommu);

		if (!is_iommu_word(*w) || used + strlen(*w) + 2 > sizeof(st->cmdline_iommu))
			continue;
		snprintf(st->cmdline_iommu + used, sizeof(st->cmdline_iommu) - used, "%s%s",
			 used ? " " : "", *w);
	}
	vfc_strv_free(words);
}

/* One cause of "no IOMMU groups": its detail and its fix (fix may already be in st->off_fix). */
static void __attribute__((format(printf, 3, 4)))
cause(struct vfc_iommu_state *st, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (fix != st->off_fix)
		snprintf(st->off_fix, sizeof(st->off_fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(st->off_detail, sizeof(st->off_detail), fmt, ap);
	va_end(ap);
}

/* The word of the kernel command line that switched the IOMMU off ("" when none did). */
static const char *cmdline_off_word(const char *cmdline)
{
	static const char *const offs[] = { "intel_iommu=off", "amd_iommu=off", "iommu=off" };
	char words[256];
	char *save = NULL;

	snprintf(words, sizeof(words), "%s", cmdline);
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
		for (size_t i = 0; i < VFC_ARRAY_SIZE(offs); i++)
			if (!strcmp(w, offs[i]))
				return offs[i];
	return "";
}

/*
 * The kernel's config (/boot/config-RELEASE, release from /proc/sys/kernel/osrelease):
 * 1 when it sets opt (=y or =m), 0 when it says "is not set" or lacks it, -1 unreadable.
 */
static int kconfig_has(const struct vfc_ctx *ctx, const char *opt)
{
	char rel[128], path[PATH_MAX], line[512], want[96];
	FILE *f;
	int found = 0;

	if (vfc_os_release(ctx, rel, sizeof(rel)))
		return -1;
	if (vfc_path(ctx, path, sizeof(path), "/boot/config-%s", rel))
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s=", opt);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, strlen(want)) &&
			(line[strlen(want)] == 'y' || line[strlen(want)] == 'm');
	fclose(f);
	return found;
}

/*
 * No IOMMU groups: say which of the causes the evidence shows, each with its own fix. A
 * kernel without IOMMU support has no /sys/kernel/iommu_groups (or its config lacks the
 * vendor's driver); a command line word can switch it off; without an ACPI DMAR/IVRS table
 * the firmware does not offer one; a DMAR table and no intel_iommu=on is a default-off kernel.
 */
static void off_cause(const struct vfc_ctx *ctx, struct vfc_iommu_state *st)
{
	const char *off = cmdline_off_word(st->cmdline_iommu);
	int kintel = kconfig_has(ctx, "CONFIG_INTEL_IOMMU");
	int kamd = kconfig_has(ctx, "CONFIG_AMD_IOMMU");
	bool vendor_missing = (st->acpi_dmar && kintel == 0) ||
			      (st->acpi_ivrs && !st->acpi_dmar && kamd == 0);

	if (st->units.n > 0) {
		cause(st, "check iommu= / iommu.passthrough= on the kernel command line",
		      "IOMMU units are registered but there are no IOMMU groups");
		return;
	}
	if (vfc_exists(ctx, "/sys/kernel/iommu_groups") != 1 || vendor_missing ||
	    (kintel == 0 && kamd == 0)) {
		snprintf(st->off_fix, sizeof(st->off_fix), "boot a kernel built with %s",
			 st->acpi_dmar ? "CONFIG_INTEL_IOMMU=y"
			 : st->acpi_ivrs ? "CONFIG_AMD_IOMMU=y"
			 : "CONFIG_INTEL_IOMMU=y (Intel) or CONFIG_AMD_IOMMU=y (AMD)");
		cause(st, st->off_fix,
		      "no IOMMU groups: this kernel has no IOMMU support (%s)",
		      vfc_exists(ctx, "/sys/kernel/iommu_groups") != 1
		      ? "no /sys/kernel/iommu_groups"
		      : vendor_missing ? (st->acpi_dmar ? "CONFIG_INTEL_IOMMU not set"
						       : "CONFIG_AMD_IOMMU not set")
		      : "neither CONFIG_INTEL_IOMMU nor CONFIG_AMD_IOMMU set");
		return;
	}
	if (off[0]) {
		snprintf(st->off_fix, sizeof(st->off_fix),
			 "remove %s from the kernel command line%s and reboot", off,
			 st->acpi_ivrs && !st->acpi_dmar ? "" : " (add intel_iommu=on on Intel)");
		cause(st, st->off_fix,
		      "no IOMMU groups: switched off on the kernel command line (%s)", off);
		return;
	}
	if (!st->acpi_dmar && !st->acpi_ivrs) {
		cause(st, "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup",
		      "no IOMMU groups: the firmware offers no IOMMU (no ACPI DMAR or IVRS "
		      "table)");
		return;
	}
	if (st->acpi_dmar && strstr(st->cmdline_iommu, "intel_iommu=on")) {
		cause(st, "look for DMAR errors in the kernel log (dmesg | grep -i dmar); a "
		      "firmware update may fix a broken DMAR table",
		      "no IOMMU groups although the firmware has VT-d (ACPI DMAR) and the "
		      "command line says intel_iommu=on");
		return;
	}
	if (st->acpi_dmar) {
		cause(st, "add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in "
		      "/etc/default/grub, then update-grub) and reboot",
		      "no IOMMU groups: the firmware has VT-d (ACPI DMAR) but this kernel "
		      "leaves it off by default%s%s", st->cmdline_iommu[0] ? "; cmdline: " : "",
		      st->cmdline_iommu);
		return;
	}
	cause(st, "check amd_iommu= / iommu= on the kernel command line and reboot",
	      "no IOMMU groups: the firmware has AMD-Vi (ACPI IVRS) but the kernel did not "
	      "enable it%s%s", st->cmdline_iommu[0] ? "; cmdline: " : "", st->cmdline_iommu);
}

int vfc_iommu_state_read(const struct vfc_ctx *ctx, const struct vfc_topology *t,
			 struct vfc_iommu_state *st)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->ngroups = t->ngroups;
	for (size_t i = 0; i < t->ndevs; i++)
		if (t->devs[i]->is_pci && t->devs[i]->group == VFC_NO_GROUP)
			st->nungrouped++;
	rc = vfc_list_dir(ctx, &st->units, "/sys/class/iommu");
	if (rc && rc != -ENOENT && rc != -ENOTDIR)
		return rc;
	st->acpi_dmar = vfc_exists(ctx, "/sys/firmware/acpi/tables/DMAR") == 1;
	st->acpi_ivrs = vfc_exists(ctx, "/sys/firmware/acpi/tables/IVRS") == 1;
	read_cmdline(ctx, st);
	st->enabled = st->ngroups > 0 || st->units.n > 0;
	if (st->ngroups > 0)
		return 0;
	off_cause(ctx, st);
	snprintf(st->diagnosis, sizeof(st->diagnosis), "%s; %s", st->off_detail,
		 st->off_fix);
	return 0;
}

void vfc_iommu_state_free(struct vfc_iommu_state *st)
{
	vfc_names_free(&st->units);
}
