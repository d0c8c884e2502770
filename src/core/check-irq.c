// SPDX-License-Identifier: GPL-2.0-or-later
/* check: interrupt remapping, its facts (/proc/interrupts, IOMMU units) and their judgement. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/check-int.h"
#include "core/reset.h"
#include "core/safety.h"

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
		vfc_check_cat(detail, sizeof(detail), "; ", "%d of %d VT-d units lack the IR capability "
		    "(ecap bit 3)", f->ndmar_ecap - f->ndmar_ir, f->ndmar_ecap);
	if (f->cmdline_intremap_off)
		vfc_check_cat(detail, sizeof(detail), "; ", "the kernel command line has intremap=off");
	if (f->nvirtio)
		vfc_check_cat(detail, sizeof(detail), "; ", "the IOMMU is virtio-iommu (%d unit%s), which "
		    "cannot remap interrupts (usual in cloud VMs)", f->nvirtio,
		    f->nvirtio == 1 ? "" : "s");

	if (f->cmdline_intremap_off)
		snprintf(fix, sizeof(fix), "remove intremap=off from the kernel command line; ");
	if (f->nvirtio)
		vfc_check_cat(fix, sizeof(fix), "", "virtio-iommu has no interrupt remapping: where you control "
		    "the VM, give it a vIOMMU that has (QEMU: -device intel-iommu,intremap=on); ");
	if (f->ndmar_ir < f->ndmar_ecap)
		vfc_check_cat(fix, sizeof(fix), "", "enable interrupt remapping in the firmware setup (VT-d / "
		    "x2APIC), or on a VM's vIOMMU (QEMU: -device intel-iommu,intremap=on); ");
	else if (!f->cmdline_intremap_off && !f->nvirtio)
		vfc_check_cat(fix, sizeof(fix), "", "enable interrupt remapping in the firmware setup "
		    "(VT-d / AMD-Vi, x2APIC); ");
	if (f->unsafe_type1 == 1 || f->unsafe_iommufd == 1) {
		vfc_check_cat(detail, sizeof(detail), "; ", "allowed anyway by allow_unsafe_interrupts=Y: a "
		    "device can forge interrupts to the host");
		vfc_check_cat(fix, sizeof(fix), "", "then drop allow_unsafe_interrupts");
		vfc_check_add(r, "host", item, VFC_CHECK_WARN, fix, "%s", detail);
		return;
	}
	vfc_check_cat(detail, sizeof(detail), "; ", "VFIO refuses to attach groups (EPERM, \"No interrupt "
	    "remapping support\")");
	vfc_check_cat(fix, sizeof(fix), "", "%s", unsafe_fix);
	vfc_check_add(r, "host", item, VFC_CHECK_FAIL, fix, "%s", detail);
}

static bool unit_is_virtio(const struct vfc_ctx *ctx, const char *u)
{
	char drv[64];

	if (!strncmp(u, "virtio", 6))
		return true;
	return vfc_read_link_base(ctx, drv, sizeof(drv), "/sys/class/iommu/%s/device/driver", u) > 0 &&
	       !strcmp(drv, "virtio_iommu");
}

int vfc_iommu_virtio_units(const struct vfc_ctx *ctx)
{
	struct vfc_names units;
	int n = 0;

	if (vfc_list_dir(ctx, &units, "/sys/class/iommu"))
		return 0;
	for (size_t i = 0; i < units.n; i++)
		n += unit_is_virtio(ctx, units.v[i]);
	vfc_names_free(&units);
	return n;
}

void vfc_irq_explain_eperm(const struct vfc_ctx *ctx, char *buf, size_t len)
{
	int nvirtio = vfc_iommu_virtio_units(ctx);

	snprintf(buf, len, "refused: this host has no interrupt remapping%s, so vfio_iommu_type1 "
		 "cannot isolate the devices' MSIs (see vfioctl check); fix: %s, or as a last resort "
		 "load vfio_iommu_type1 with allow_unsafe_interrupts=1, which gives up the "
		 "protection against interrupts forged by the device",
		 nvirtio ? " (its IOMMU is virtio-iommu, which has none)" : "",
		 nvirtio ? "give the VM a vIOMMU with interrupt remapping (QEMU: -device "
			   "intel-iommu,intremap=on)"
			 : "enable interrupt remapping (firmware VT-d / AMD-Vi, intremap)");
}

int vfc_check_read_yn(const struct vfc_ctx *ctx, const char *path)
{
	char buf[16];

	if (vfc_read_attr(ctx, buf, sizeof(buf), "%s", path) < 0)
		return -1;
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

void vfc_irq_facts_read(const struct vfc_ctx *ctx, const struct vfc_iommu_state *st,
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
		} else if (unit_is_virtio(ctx, u)) {
			f->nvirtio++;
		}
	}
	f->spapr = vfc_exists(ctx, "/sys/module/vfio_iommu_spapr_tce") == 1;
	f->unsafe_type1 = vfc_check_read_yn(ctx, "/sys/module/vfio_iommu_type1/parameters/"
				  "allow_unsafe_interrupts");
	f->unsafe_iommufd = vfc_check_read_yn(ctx, "/sys/module/iommufd/parameters/"
					      "allow_unsafe_interrupts");
	f->cmdline_intremap_off = strstr(st->cmdline_iommu, "intremap=off") != NULL;
}
