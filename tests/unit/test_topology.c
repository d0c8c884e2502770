// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfc_topology_scan on a small tree written here: parent and physfn links in every spelling
 * come out in the canonical form, and a basic scan (VFC_SCAN_BASIC) agrees with a full one
 * on what it reads and leaves the rest unknown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/topology.h"
#include "tap.h"

static char root[64];

static void mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *data)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f || fputs(data, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void link_to(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path)) {
		perror(path);
		exit(1);
	}
}

/* A device at devices/pci0000:00/PARENT/NAME (PARENT "" for the root bus), in group G. */
static void device(const char *parent, const char *name, const char *physfn, int group)
{
	char dir[256], rel[512], target[512];

	snprintf(dir, sizeof(dir), "sys/devices/pci0000:00/%s%s%s", parent, *parent ? "/" : "",
		 name);
	mkdirs(dir);
	snprintf(rel, sizeof(rel), "%s/vendor", dir);
	put(rel, "0x15b3\n");
	snprintf(rel, sizeof(rel), "%s/device", dir);
	put(rel, "0x1018\n");
	snprintf(rel, sizeof(rel), "%s/class", dir);
	put(rel, "0x020000\n");
	snprintf(rel, sizeof(rel), "%s/numa_node", dir);
	put(rel, "1\n");
	snprintf(rel, sizeof(rel), "%s/reset_method", dir);
	put(rel, "flr bus\n");
	snprintf(rel, sizeof(rel), "%s/driver_override", dir);
	put(rel, "vfio-pci\n");
	if (physfn) {
		snprintf(rel, sizeof(rel), "%s/physfn", dir);
		link_to(physfn, rel);
	}
	snprintf(rel, sizeof(rel), "%s/iommu_group", dir);
	snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
	link_to(target, rel);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", name);
	snprintf(target, sizeof(target), "../../../%s", dir + 4);
	link_to(target, rel);
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices", group);
	mkdirs(rel);
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s", group, name);
	snprintf(target, sizeof(target), "../../../../%s", dir + 4);
	link_to(target, rel);
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/type", group);
	put(rel, "DMA\n");
}

int main(void)
{
	struct vfc_topology *full = NULL, *basic = NULL;
	struct vfc_ctx ctx;
	char cmd[128];
	bool same = true;

	snprintf(root, sizeof(root), "/tmp/vfc-test-topology.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/kernel/iommu_groups");
	device("", "0000:00:1c.0", NULL, 1);
	device("0000:00:1c.0", "0000:01:00.0", NULL, 2);
	device("0000:00:1c.0", "0000:01:00.1", "../0000:01:00.0", 3);	/* canonical */
	device("0000:00:1C.0", "0000:01:00.2", "../0000:01:00.0", 4);	/* upper-case parent */
	device("0000:00:1c.0", "0000:01:00.3", "../01:00.0", 5);	/* short physfn */
	device("0000:00:1c.0", "0000:01:00.4", "../0000:01:00.ZZ", 6);	/* garbage physfn */
	device("0000:00:1c.0", "0000:01:00.5", "../0000:1:0.0", 7);	/* short fields */
	device("0000:00:1c.0", "0000:01:00.6", "../0000:01:00.A", 8);	/* upper-case fn */
	vfc_ctx_init(&ctx, root);

	OK(vfc_topology_scan(&ctx, 0, &full) == 0 && full->ndevs == 8, "full scan: 8 devices");
	OK(vfc_topology_scan(&ctx, VFC_SCAN_BASIC, &basic) == 0 && basic->ndevs == 8,
	   "basic scan: 8 devices");
	if (!full || !basic || full->ndevs != 8 || basic->ndevs != 8)
		return tap_done();

	IS_STR(full->devs[0]->parent, "", "root bus: no parent");
	IS_STR(full->devs[1]->parent, "0000:00:1c.0", "parent from the device's link");
	IS_STR(full->devs[2]->physfn, "0000:01:00.0", "canonical physfn kept");
	IS_STR(full->devs[3]->parent, "0000:00:1c.0", "upper-case parent made canonical");
	IS_STR(full->devs[4]->physfn, "0000:01:00.0", "short physfn made canonical");
	IS_STR(full->devs[5]->physfn, "", "unparsable physfn: none");
	IS_STR(full->devs[6]->physfn, "0000:01:00.0", "short fields made canonical");
	IS_STR(full->devs[7]->physfn, "", "function A is out of range: none");

	for (size_t i = 0; i < 8; i++) {
		const struct vfc_device *f = full->devs[i], *b = basic->devs[i];

		same = same && !strcmp(f->name, b->name) && f->vendor == b->vendor &&
		       f->device == b->device && f->class_code == b->class_code &&
		       f->group == b->group && !f->driver == !b->driver;
	}
	OK(same, "basic scan: ids, class, driver and group as in the full scan");
	OK(full->devs[1]->numa_node == 1 && full->devs[1]->driver_override &&
	   full->devs[1]->cfg_len == 0, "full scan: numa_node, driver_override");
	OK(basic->devs[1]->numa_node == -1 && !basic->devs[1]->driver_override &&
	   !basic->devs[1]->reset_methods && !basic->devs[1]->parent[0] &&
	   basic->devs[1]->cfg.flr == VFC_UNKNOWN && basic->devs[2]->physfn[0] == '\0',
	   "basic scan: the rest stays unknown");
	OK(basic->ngroups == 8 && basic->groups[1].ndevs == 1 && basic->groups[1].type &&
	   !basic->groups[1].nresv, "basic scan: groups, members and type");

	vfc_topology_free(full);
	vfc_topology_free(basic);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		return 1;
	return tap_done();
}
