// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
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
	if (st->units.n > 0)
		snprintf(st->diagnosis, sizeof(st->diagnosis),
			 "IOMMU units are registered but no IOMMU groups exist; the IOMMU may be "
			 "in passthrough-only mode or the kernel lacks IOMMU group support");
	else if (st->acpi_dmar)
		snprintf(st->diagnosis, sizeof(st->diagnosis),
			 "no IOMMU groups: the firmware describes an Intel VT-d IOMMU (ACPI DMAR) but "
			 "the kernel did not enable it; add intel_iommu=on to the kernel command line%s",
			 st->cmdline_iommu[0] ? " (it has: " : "");
	else if (st->acpi_ivrs)
		snprintf(st->diagnosis, sizeof(st->diagnosis),
			 "no IOMMU groups: the firmware describes an AMD-Vi IOMMU (ACPI IVRS) but the "
			 "kernel did not enable it; check amd_iommu= and iommu= on the kernel command "
			 "line%s", st->cmdline_iommu[0] ? " (it has: " : "");
	else
		snprintf(st->diagnosis, sizeof(st->diagnosis),
			 "no IOMMU groups: the IOMMU is off or absent (no IOMMU units, no ACPI "
			 "DMAR/IVRS table); enable VT-d or AMD-Vi in the firmware setup, then boot "
			 "with intel_iommu=on (Intel) or amd_iommu=on (AMD)");
	if (st->cmdline_iommu[0] && (st->acpi_dmar || st->acpi_ivrs)) {
		size_t used = strlen(st->diagnosis);

		snprintf(st->diagnosis + used, sizeof(st->diagnosis) - used, "%s)",
			 st->cmdline_iommu);
	}
	return 0;
}

void vfc_iommu_state_free(struct vfc_iommu_state *st)
{
	vfc_names_free(&st->units);
}
