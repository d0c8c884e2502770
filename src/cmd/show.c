// SPDX-License-Identifier: GPL-2.0-or-later
/* `show TARGET...`: a group or a device with its verdict, members and holders (cmd/discover.c). */
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

/* ---- show ---- */

struct show_opts {
	int tree;
};

static const struct poptOption show_options[] = {
	{ "tree", 't', POPT_ARG_NONE, VFC_OPT(struct show_opts, tree), 0,
	  "the targets in the PCI hierarchy: the bridges above them and the devices below", NULL },
	POPT_TABLEEND
};

static int show_tree(struct vfc_cli *cli, struct vfc_topology *t, int argc, const char **argv)
{
	struct out_doc *doc = out_doc_new(&cli->out);
	struct disc_tree tr;
	int rc, failed = 0;

	if (disc_tree_init(&tr, t, cli->out.format == OUT_FMT_JSON))
		abort();
	memset(tr.keep, 0, t->ndevs * sizeof(*tr.keep));
	for (int i = 0; i < argc; i++) {
		struct vfc_device **devs;
		struct vfc_target tg;
		size_t n;

		vfc_target_parse_any(argv[i], &tg);
		if (vfc_topology_resolve(t, &tg, &devs, &n)) {
			const char *what = tg.kind == VFC_TARGET_GROUP ? "no such IOMMU group"
					   : tg.kind == VFC_TARGET_NAME
					   ? "no PCI device behind this interface or block device"
					   : "no such PCI device";

			vfc_error(argv[i], 0, "%s", what);
			out_doc_add_error(doc, argv[i], VFC_EXIT_NODEV, "%s", what);
			failed++;
			continue;
		}
		disc_tree_mark(&tr, devs, n, tr.keep);
		free(devs);
	}
	out_doc_add_table(doc, disc_tree_table(&tr));
	rc = VFC_EXIT_OK;
	if (failed < argc || cli->out.format == OUT_FMT_JSON)
		rc = vfc_print_doc(doc);
	out_doc_free(doc);
	disc_tree_free(&tr);
	if (rc)
		return rc;
	return failed ? failed == argc ? VFC_EXIT_NODEV : VFC_EXIT_PARTIAL : VFC_EXIT_OK;
}

static int cmd_show(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct show_opts *so = opts;
	struct out_table *gt, *dt;
	struct vfc_topology *t;
	struct out_doc *doc;
	struct out_opts o = cli->out;
	struct vfc_variants vs = { 0 };
	int rc, failed = 0;

	if (argc < 1)
		return vfc_usage_error("show: a TARGET is required");
	/* show prints records (key: value), which have no headings to leave out */
	if (o.format == OUT_FMT_TABLE && o.noheadings && !so->tree)
		return vfc_usage_error("show: --noheadings applies to tables; show prints records "
				       "(use -r or -P for one line a row)");
	for (int i = 0; i < argc; i++) {
		struct vfc_target tg;
		const char *why = vfc_target_parse_any(argv[i], &tg);

		if (why)
			return vfc_usage_error("%s: %s", argv[i], why);
	}
	rc = disc_scan(cli, so->tree ? VFC_SCAN_NO_RESV : VFC_SCAN_HOLDERS, &t);
	if (rc)
		return rc;
	if (so->tree) {
		rc = show_tree(cli, t, argc, argv);
		vfc_topology_free(t);
		return rc;
	}
	if (o.format == OUT_FMT_TABLE)
		o.format = OUT_FMT_RECORD;
	(void)vfc_variants_load(&cli->ctx, &vs);	/* none: vfio-pci for every device */
	doc = out_doc_new(&o);
	gt = out_table_new(&group_schema);
	dt = out_table_new(&show_dev_schema);
	for (int i = 0; i < argc; i++) {
		struct vfc_device **devs;
		struct vfc_target tg;
		size_t n;

		vfc_target_parse_any(argv[i], &tg);
		if (tg.kind == VFC_TARGET_GROUP) {
			const struct vfc_group *g = vfc_topology_group(t, tg.group);

			if (!g) {
				vfc_error(argv[i], 0, "no such IOMMU group");
				out_doc_add_error(doc, argv[i], VFC_EXIT_NODEV, "no such IOMMU group");
				failed++;
				continue;
			}
			disc_fill_group(out_row_add(gt), t, g, disc_fill_for(cli, false));
			continue;
		}
		rc = vfc_topology_resolve(t, &tg, &devs, &n);
		if (rc) {
			vfc_error(argv[i], 0, "%s", vfc_target_nomatch(&tg));
			out_doc_add_error(doc, argv[i], VFC_EXIT_NODEV, "%s", vfc_target_nomatch(&tg));
			failed++;
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			struct out_row *dr = out_row_add(dt);

			disc_fill_device(dr, t, devs[k], disc_fill_for(cli, false));
			disc_fill_device_verdict(dr, t, devs[k]);
			disc_fill_vfio_driver(dr, &cli->ctx, &vs, devs[k]);
			disc_fill_device_power(dr, &cli->ctx, devs[k]);
		}
		free(devs);
	}
	if (out_table_nrows(gt))
		out_doc_add_table(doc, gt);
	else
		out_table_free(gt);
	if (out_table_nrows(dt))
		out_doc_add_table(doc, dt);
	else
		out_table_free(dt);
	rc = VFC_EXIT_OK;
	/* JSON always: a script reads which target failed from "errors", not from stderr */
	if (failed < argc || o.format == OUT_FMT_JSON)
		rc = vfc_print_doc(doc);
	out_doc_free(doc);
	vfc_topology_free(t);
	vfc_variants_free(&vs);
	if (rc)
		return rc;
	if (failed)
		return failed == argc ? VFC_EXIT_NODEV : VFC_EXIT_PARTIAL;
	return VFC_EXIT_OK;
}

/* -o may name group or device columns: a TARGET may be either */
static const struct out_schema *const show_schemas[] = { &group_schema, &show_dev_schema, NULL };

static const struct out_schema *const *show_schemas_for(const void *opts)
{
	return ((const struct show_opts *)opts)->tree ? tree_schemas : show_schemas;
}

VFC_DEFINE_COMMAND(show, struct show_opts, 20, "TARGET... [--tree]",
		   "everything about a group or device, and why it is (not) viable",
		   .schemas = show_schemas, .schemas_for = show_schemas_for, VFC_READ_CAPS);
