// SPDX-License-Identifier: GPL-2.0-or-later
/* `list`: groups, or devices with --devices, or the PCI tree with --tree (cmd/discover.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "core/host.h"
#include "core/names.h"
#include "core/pciaddr.h"
#include "core/reset.h"
#include "core/topology.h"
#include "core/vfio.h"
#include "vfioctl.h"
#include "cmd/discover.h"

/* ---- list ---- */

struct list_opts {
	int devices, viable, not_viable, assignable, tree;
	char *class, *id, *driver;
};

#define L(f) VFC_OPT(struct list_opts, f)
static const struct poptOption list_options[] = {
	{ "devices", 'd', POPT_ARG_NONE, L(devices), 0, "list devices instead of groups", NULL },
	{ "tree", 't', POPT_ARG_NONE, L(tree), 0,
	  "the PCI hierarchy, with groups, drivers and where isolation stops", NULL },
	{ "class", 0, POPT_ARG_STRING, L(class), 0, "only class codes starting with HEX (03: display)",
	  "HEX" },
	{ "id", 0, POPT_ARG_STRING, L(id), 0,
	  "only devices with these ids (VVVV, VVVV:DDDD or :DDDD)", "VVVV:DDDD" },
	{ "driver", 0, POPT_ARG_STRING, L(driver), 0,
	  "only devices on DRIVER ('none': unbound; vfio_pci = vfio-pci)", "DRIVER" },
	{ "viable", 0, POPT_ARG_NONE, L(viable), 0,
	  "only groups the kernel would accept as bound now (bridges too: see --assignable)", NULL },
	{ "assignable", 0, POPT_ARG_NONE, L(assignable), 0,
	  "only groups worth passing through (no bridge-, host bridge- or IOMMU-only groups)",
	  NULL },
	{ "not-viable", 0, POPT_ARG_NONE, L(not_viable), 0, "only groups that are not viable",
	  NULL },
	POPT_TABLEEND
};
#undef L

static const struct vfc_exclusive list_exclusive[] = {
	{ { "viable", "not-viable" } },
	{ { "tree", "devices" } },
	{ { NULL } },
};

struct filter {
	const char *class;
	int64_t vendor, device;
	const char *driver;
	int viable;		/* -1 any */
	bool assignable;
};

static int parse_filter(const struct list_opts *lo, struct filter *f)
{
	uint64_t v;

	memset(f, 0, sizeof(*f));
	f->vendor = f->device = -1;
	f->viable = lo->viable ? 1 : lo->not_viable ? 0 : -1;
	f->assignable = lo->assignable;
	if (lo->class) {
		const char *c = lo->class + (strncmp(lo->class, "0x", 2) ? 0 : 2);

		if (!*c || strlen(c) > 6 || strspn(c, "0123456789abcdefABCDEF") != strlen(c))
			return vfc_usage_error("--class: '%s' is not a hex class prefix", lo->class);
		f->class = c;
	}
	if (lo->id) {
		/* as lspci -d: VVVV, VVVV:, VVVV:DDDD or :DDDD (an empty side matches any) */
		char ven[8] = "", dev[8] = "";
		const char *colon = strchr(lo->id, ':');
		size_t vl = colon ? (size_t)(colon - lo->id) : strlen(lo->id);
		size_t dl = colon ? strlen(colon + 1) : 0;

		if (vl > 4 || dl > 4 || vl + dl == 0 || (!colon && vl == 0))
			return vfc_usage_error("--id: '%s' is not VVVV[:DDDD] or :DDDD", lo->id);
		memcpy(ven, lo->id, vl);
		if (colon)
			strcpy(dev, colon + 1);
		if (vl && vfc_parse_hex_u64(ven, &v))
			return vfc_usage_error("--id: '%s' is not VVVV[:DDDD] or :DDDD", lo->id);
		if (vl)
			f->vendor = (int64_t)v;
		if (dl) {
			if (vfc_parse_hex_u64(dev, &v))
				return vfc_usage_error("--id: '%s' is not VVVV[:DDDD] or :DDDD", lo->id);
			f->device = (int64_t)v;
		}
	}
	f->driver = lo->driver;
	return 0;
}

/* vfio-pci or vfio_pci: the driver's name and its module's, as modprobe treats them */
static bool same_driver(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static bool device_matches(const struct filter *f, const struct vfc_device *d)
{
	if (f->class) {
		char hex[20];

		if (d->class_code < 0)
			return false;
		snprintf(hex, sizeof(hex), "%06llx", (unsigned long long)d->class_code);
		if (strncasecmp(hex, f->class, strlen(f->class)))
			return false;
	}
	if (f->vendor >= 0 && d->vendor != f->vendor)
		return false;
	if (f->device >= 0 && d->device != f->device)
		return false;
	if (f->driver) {
		if (!strcmp(f->driver, "none") ? d->driver != NULL
					       : (!d->driver || !same_driver(d->driver, f->driver)))
			return false;
	}
	return true;
}

static bool group_matches(const struct filter *f, const struct vfc_group *g)
{
	bool devfilter = f->class || f->vendor >= 0 || f->device >= 0 || f->driver;

	if (f->viable >= 0 && g->viable != (f->viable == 1))
		return false;
	if (f->assignable && !vfc_group_assignable(g, NULL))
		return false;
	if (!devfilter)
		return true;
	for (size_t i = 0; i < g->ndevs; i++)
		if (device_matches(f, g->devs[i]))
			return true;
	return false;
}

static void add_iommu_object(struct out_doc *doc, const struct vfc_topology *t,
			     const struct vfc_iommu_state *st)
{
	struct out_table *it = out_table_new(&iommu_schema);
	struct out_row *r = out_row_add(it);

	out_set_bool(r, I_ENABLED, st->enabled);
	out_set_num(r, I_GROUPS, (int64_t)st->ngroups);
	out_set_num(r, I_UNGROUPED, (int64_t)st->nungrouped);
	out_set_strv(r, I_UNITS, st->units.v ? st->units.v : (char *[]){ NULL });
	/* null, not "", when the command line has no IOMMU word (the JSON contract) */
	out_set_str(r, I_CMDLINE, st->cmdline_iommu[0] ? st->cmdline_iommu : NULL);
	out_set_str(r, I_DIAG, st->diagnosis[0] ? st->diagnosis : NULL);
	out_set_bool(r, I_HOLDERS_COMPLETE, t->holders_complete);
	{
		char yn[8];

		if (vfc_read_attr(t->ctx, yn, sizeof(yn),
				  "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode") > 0)
			out_set_bool(r, I_NOIOMMU, yn[0] == 'Y' || yn[0] == '1');
	}
	out_doc_add_object(doc, "iommu", it);
}

static int cmd_list(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct list_opts *lo = opts;
	const struct out_schema *schema = lo->devices ? &dev_schema : &group_schema;
	struct vfc_iommu_state st;
	struct vfc_topology *t;
	struct out_doc *doc;
	struct filter f;
	unsigned flags, fill;
	bool basic;
	int rc;

	if (argc > 0)
		return vfc_usage_error("list: unexpected argument '%s'", argv[0]);
	rc = parse_filter(lo, &f);
	if (rc)
		return rc;
	/* Devices without a group are shown with the device columns the options pick. */
	basic = !lo->tree && out_columns_within(schema, &cli->out, basic_cols) &&
		(lo->devices || out_columns_within(&ungrouped_schema, &cli->out, basic_cols));
	fill = disc_fill_for(cli, basic);
	/*
	 * Holders (a /proc walk: every fd of every process) and reserved regions (a file per
	 * group) only when a group column that shows them is printed; no device column needs
	 * either.
	 */
	if (basic)
		flags = VFC_SCAN_BASIC;
	else if (lo->devices || lo->tree)
		flags = VFC_SCAN_NO_RESV;
	else
		flags = (out_column_shown(&group_schema, &cli->out, "HOLDERS") ? VFC_SCAN_HOLDERS : 0) |
			(out_column_shown(&group_schema, &cli->out, "RESERVED_REGIONS") ? 0 :
										VFC_SCAN_NO_RESV);
	rc = disc_scan(cli, flags, &t);
	if (rc)
		return rc;
	rc = disc_iommu_state(cli, t, &st);
	if (rc)
		return rc;
	doc = out_doc_new(&cli->out);
	if (lo->tree) {
		struct disc_tree tr;
		bool filtered = f.class || f.vendor >= 0 || f.device >= 0 || f.driver ||
				f.viable >= 0 || f.assignable;

		if (disc_tree_init(&tr, t, cli->out.format == OUT_FMT_JSON)) {
			disc_tree_free(&tr);
			out_doc_free(doc);
			vfc_iommu_state_free(&st);
			vfc_topology_free(t);
			vfc_error("list", -ENOMEM, "cannot build the tree");
			return VFC_EXIT_FAILED;
		}
		if (filtered) {
			/* the devices the filters select, with their bridges and what is below them */
			struct vfc_device **sel = calloc(t->ndevs ? t->ndevs : 1, sizeof(*sel));
			size_t n = 0;

			if (!sel)
				abort();
			for (size_t i = 0; i < t->ndevs; i++) {
				const struct vfc_device *d = t->devs[i];
				const struct vfc_group *g = vfc_topology_group(t, d->group);

				tr.keep[i] = false;
				if (!device_matches(&f, d) || (f.viable >= 0 && (!g || !group_matches(&f, g))) ||
				    (f.assignable && (!g || !group_matches(&f, g))))
					continue;
				sel[n++] = t->devs[i];
			}
			disc_tree_mark(&tr, sel, n, tr.keep);
			free(sel);
		}
		out_doc_add_table(doc, disc_tree_table(&tr));
		disc_tree_free(&tr);
	} else if (lo->devices) {
		struct out_table *dt = out_table_new(&dev_schema);

		for (size_t i = 0; i < t->ndevs; i++) {
			const struct vfc_device *d = t->devs[i];
			const struct vfc_group *g = vfc_topology_group(t, d->group);

			if (!device_matches(&f, d))
				continue;
			if (f.viable >= 0 && (!g || g->viable != (f.viable == 1)))
				continue;
			if (f.assignable && (!g || !vfc_group_assignable(g, NULL) ||
					     !vfc_device_assignable(d, NULL)))
				continue;
			disc_fill_device(out_row_add(dt), t, d, fill);
		}
		out_doc_add_table(doc, dt);
	} else {
		struct out_table *gt = out_table_new(&group_schema);
		struct out_table *ut = out_table_new(&ungrouped_schema);

		add_iommu_object(doc, t, &st);
		for (size_t i = 0; i < t->ngroups; i++)
			if (group_matches(&f, &t->groups[i]))
				disc_fill_group(out_row_add(gt), t, &t->groups[i], fill);
		/* Devices without a group are listed, never dropped (ARM before probe, IOMMU off). */
		for (size_t i = 0; i < t->ndevs; i++) {
			const struct vfc_device *d = t->devs[i];

			if (d->group == VFC_NO_GROUP && f.viable < 0 && !f.assignable &&
			    device_matches(&f, d))
				disc_fill_device(out_row_add(ut), t, d, fill);
		}
		if (out_table_nrows(gt) || cli->out.format == OUT_FMT_JSON ||
		    !out_table_nrows(ut))
			out_doc_add_table(doc, gt);
		else
			out_table_free(gt);
		if (cli->out.format == OUT_FMT_JSON)
			out_doc_add_table(doc, ut);
		else if (out_table_nrows(ut))
			out_doc_add_table_titled(doc, ut, "PCI devices without an IOMMU group:");
		else
			out_table_free(ut);
	}
	if (st.diagnosis[0] && !cli->quiet)
		vfc_error(NULL, 0, "%s", st.diagnosis);
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	vfc_iommu_state_free(&st);
	vfc_topology_free(t);
	return rc;
}

static const struct out_schema *const group_schemas[] = { &group_schema, NULL };
static const struct out_schema *const device_schemas[] = { &dev_schema, NULL };


static const struct out_schema *const *list_schemas(const void *opts)
{
	const struct list_opts *lo = opts;

	return lo->tree ? tree_schemas : lo->devices ? device_schemas : group_schemas;
}

VFC_DEFINE_COMMAND(list, struct list_opts, 10, "[--devices|--tree] [FILTERS]",
		   "IOMMU groups (or devices) with viability and drivers",
		   .exclusive = list_exclusive, .schemas = group_schemas,
		   .schemas_for = list_schemas, VFC_READ_CAPS);

