// SPDX-License-Identifier: GPL-2.0-or-later
/* power: d3cold_allowed, power_state, disable_idle_d3 and reset_method of a device. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/check-int.h"
#include "core/power.h"
#include "core/util.h"

const char *const vfc_reset_kernel_order[] = { "device_specific", "acpi", "flr", "af_flr", "pm",
					       "bus", "cxl_bus", NULL };

int vfc_power_read(const struct vfc_ctx *ctx, const char *bdf, struct vfc_power *p)
{
	char buf[256];
	int64_t v;

	memset(p, 0, sizeof(*p));
	p->d3cold_allowed = -1;
	p->disable_idle_d3 = -1;
	if (vfc_exists(ctx, "/sys/bus/pci/devices/%s", bdf) <= 0)
		return -ENOENT;
	if (!vfc_read_s64(ctx, &v, "/sys/bus/pci/devices/%s/d3cold_allowed", bdf))
		p->d3cold_allowed = v != 0;
	if (vfc_read_attr(ctx, buf, sizeof(buf), "/sys/bus/pci/devices/%s/power_state", bdf) > 0 &&
	    strlen(buf) < sizeof(p->power_state) && !strchr(buf, ' '))
		snprintf(p->power_state, sizeof(p->power_state), "%.15s", buf);
	p->disable_idle_d3 =
		vfc_check_read_yn(ctx, "/sys/module/vfio_pci/parameters/disable_idle_d3");
	p->vfio_pci_loaded = vfc_exists(ctx, "/sys/module/vfio_pci") > 0;
	if (vfc_read_attr(ctx, buf, sizeof(buf), "/sys/bus/pci/devices/%s/reset_method", bdf) >= 0) {
		p->has_reset_method = true;
		if (vfc_split_words(buf, &p->reset_methods) < 0)
			p->reset_methods = NULL;
	}
	p->vendor_reset = vfc_exists(ctx, "/sys/module/vendor_reset") > 0;
	return 0;
}

void vfc_power_free(struct vfc_power *p)
{
	vfc_strv_free(p->reset_methods);
	p->reset_methods = NULL;
}

static int kernel_rank(const char *m)
{
	for (int i = 0; vfc_reset_kernel_order[i]; i++)
		if (!strcmp(vfc_reset_kernel_order[i], m))
			return i;
	return -1;
}

static bool listed(char **v, const char *m)
{
	for (; v && *v; v++)
		if (!strcmp(*v, m))
			return true;
	return false;
}

void vfc_power_reset_eval(const struct vfc_power *p, const struct vfc_device *d,
			  struct vfc_reset_verdict *v)
{
	bool flr = d->cfg.flr == VFC_YES;
	bool pm = d->cfg.pm == VFC_YES && d->cfg.pm_nosoftrst == VFC_NO;
	int last = -1;

	memset(v, 0, sizeof(*v));
	if (!p->has_reset_method)
		return;
	for (char **m = p->reset_methods; m && *m; m++) {
		int k = kernel_rank(*m);

		if (k >= 0 && k < last) {
			v->overridden = true;
			vfc_check_cat(v->why, sizeof(v->why), "; ", "%s before %s is not the "
				      "kernel's order", m[-1], *m);
		}
		if (k > last)
			last = k;
	}
	if (flr && !listed(p->reset_methods, "flr")) {
		v->overridden = true;
		vfc_check_cat(v->why, sizeof(v->why), "; ", "the device has FLR, the list leaves "
			      "flr out");
	}
	if (pm && !listed(p->reset_methods, "pm")) {
		v->overridden = true;
		vfc_check_cat(v->why, sizeof(v->why), "; ", "the device has a PM reset, the list "
			      "leaves pm out");
	}
	v->device_specific = listed(p->reset_methods, "device_specific");
	/* vendor-reset's AMD GPUs: since 5.15 its method must be chosen in reset_method */
	v->vendor_reset_unused = p->vendor_reset && !v->device_specific && d->vendor == 0x1002 &&
				 d->class_code >= 0 && (d->class_code >> 16) == 0x03;
}
