// SPDX-License-Identifier: GPL-2.0-or-later
/* The PCI tree that list --tree and show --tree print (the rest of discovery: discover.c). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pciaddr.h"
#include "core/topology.h"
#include "vfioctl.h"

#include "cmd/discover.h"

/*
 * list --tree: the PCI hierarchy. Text is one row a device with the branch drawn in TREE
 * (ASCII, as lspci -t); JSON nests each device's "children". ISOLATION marks where isolation
 * stops (vfc_isolation_stops), which is why the devices there share a group.
 */
enum { T_TREE, T_BDF, T_GROUP, T_VIABLE, T_DRIVER, T_ISOLATION, T_NAME, T_CHILDREN };
static const struct out_col tree_cols[] = {
	[T_TREE] = { "TREE", OUT_STR, 16, OUT_DEFAULT | OUT_TEXT, "the device in the PCI hierarchy" },
	[T_BDF] = { "BDF", OUT_STR, 12, OUT_JSON, "PCI address" },
	[T_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "IOMMU group (null: none)" },
	[T_VIABLE] = { "VIABLE", OUT_BOOL, 3, OUT_DEFAULT, "its group is viable (null: no group)" },
	[T_DRIVER] = { "DRIVER", OUT_STR, 10, OUT_DEFAULT, "bound driver (null: none)" },
	[T_ISOLATION] = { "ISOLATION", OUT_STRV, 10, OUT_DEFAULT,
			  "where isolation stops: no-acs (a port without ACS), pci-bridge (aliasing "
			  "behind a PCIe-to-PCI bridge), multifunction (functions without ACS)" },
	[T_NAME] = { "NAME", OUT_STR, 0.3, OUT_DEFAULT | OUT_TRUNC, "vendor and device name" },
	[T_CHILDREN] = { "CHILDREN", OUT_SUB, 0, OUT_JSON, "the devices below it", &tree_schema },
};
const struct out_schema tree_schema = { "tree", tree_cols, VFC_ARRAY_SIZE(tree_cols) };

static size_t dev_index(const struct vfc_topology *t, const struct vfc_device *d)
{
	for (size_t i = 0; i < t->ndevs; i++)
		if (t->devs[i] == d)
			return i;
	return SIZE_MAX;
}

int disc_tree_init(struct disc_tree *tr, const struct vfc_topology *t, bool json)
{
	tr->t = t;
	tr->json = json;
	tr->parent = calloc(t->ndevs ? t->ndevs : 1, sizeof(*tr->parent));
	tr->keep = calloc(t->ndevs ? t->ndevs : 1, sizeof(*tr->keep));
	if (!tr->parent || !tr->keep)
		return -ENOMEM;
	for (size_t i = 0; i < t->ndevs; i++) {
		const struct vfc_device *d = t->devs[i];
		struct vfc_pciaddr a;
		const struct vfc_device *p;

		tr->parent[i] = SIZE_MAX;
		tr->keep[i] = true;
		if (d->is_pci && d->parent[0] && !vfc_pciaddr_parse(d->parent, &a) &&
		    (p = vfc_topology_device(t, &a)))
			tr->parent[i] = dev_index(t, p);
	}
	return 0;
}

void disc_tree_free(struct disc_tree *tr)
{
	free(tr->parent);
	free(tr->keep);
}

static void tree_row(struct disc_tree *tr, struct out_table *tab, size_t i, char *prefix, size_t plen,
		     bool last, bool root)
{
	const struct vfc_topology *t = tr->t;
	const struct vfc_device *d = t->devs[i];
	const struct vfc_group *g = d->group != VFC_NO_GROUP ? vfc_topology_group(t, d->group) : NULL;
	struct out_row *r = out_row_add(tab);
	unsigned stops = vfc_isolation_stops(t, d);
	const char *iso[4] = { 0 };
	size_t n = 0, kids = 0, seen = 0;

	if (!tr->json)
		out_set_strf(r, T_TREE, "%.*s%s%s", (int)plen, prefix,
			     root ? "" : last ? "`-" : "|-", d->name);
	out_set_str(r, T_BDF, d->name);
	out_set_num_or_null(r, T_GROUP, d->group);
	if (g)
		out_set_bool(r, T_VIABLE, g->viable);
	out_set_str(r, T_DRIVER, d->driver);
	if (stops & VFC_STOP_NO_ACS)
		iso[n++] = "no-acs";
	if (stops & VFC_STOP_PCI_BRIDGE)
		iso[n++] = "pci-bridge";
	if (stops & VFC_STOP_MULTIFUNCTION)
		iso[n++] = "multifunction";
	out_set_strv(r, T_ISOLATION, (char *const *)iso);
	if (d->vendor_name || d->device_name)
		disc_set_name(r, T_NAME, d);
	for (size_t k = 0; k < t->ndevs; k++)
		kids += tr->parent[k] == i && tr->keep[k];
	if (tr->json) {
		struct out_table *sub = out_sub(r, T_CHILDREN);

		for (size_t k = 0; k < t->ndevs; k++)
			if (tr->parent[k] == i && tr->keep[k])
				tree_row(tr, sub, k, prefix, 0, false, false);
		return;
	}
	/* children indent under the branch: "| " while siblings follow, "  " after the last */
	if (!root && plen + 2 < 256) {
		memcpy(prefix + plen, last ? "  " : "| ", 2);
		plen += 2;
	}
	for (size_t k = 0; k < t->ndevs; k++)
		if (tr->parent[k] == i && tr->keep[k])
			tree_row(tr, tab, k, prefix, plen, ++seen == kids, false);
}

struct out_table *disc_tree_table(struct disc_tree *tr)
{
	struct out_table *tab = out_table_new(&tree_schema);
	char prefix[260];

	for (size_t i = 0; i < tr->t->ndevs; i++)
		if (tr->t->devs[i]->is_pci && tr->parent[i] == SIZE_MAX && tr->keep[i])
			tree_row(tr, tab, i, prefix, 0, false, true);
	return tab;
}

/* show --tree: keep the targets, the bridges above them and everything below them */
void disc_tree_mark(struct disc_tree *tr, struct vfc_device **devs, size_t n, bool *kept)
{
	const struct vfc_topology *t = tr->t;

	for (size_t k = 0; k < n; k++) {
		size_t i = dev_index(t, devs[k]);

		for (size_t a = i; a != SIZE_MAX; a = tr->parent[a])
			kept[a] = true;
		for (size_t j = 0; j < t->ndevs; j++)
			for (size_t a = tr->parent[j]; a != SIZE_MAX; a = tr->parent[a])
				if (a == i) {
					kept[j] = true;
					break;
				}
	}
}

const struct out_schema *const tree_schemas[] = { &tree_schema, NULL };
