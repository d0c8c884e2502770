// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "core/topology.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define IOMMU_GROUPS "/sys/kernel/iommu_groups"

/* Longest attribute we keep; a longer driver_override is truncated rather than failing. */
#define ATTR_MAX 4096

static char *read_str_at(int dfd, const char *attr)
{
	char buf[ATTR_MAX];

	if (vfc_read_attr_at(dfd, attr, buf, sizeof(buf)) < 0)
		return NULL;
	return strdup(buf);
}

static int32_t read_id_at(int dfd, const char *attr, int64_t max)
{
	int64_t v;

	if (vfc_read_s64_at(dfd, attr, &v) < 0 || v < 0 || v > max)
		return -1;
	return (int32_t)v;
}

static char *read_driver_at(int dfd, const char *name)
{
	char buf[512];

	if (vfc_read_link_base_at(dfd, name, buf, sizeof(buf)) < 0)
		return NULL;
	return strdup(buf);
}

/*
 * The canonical form of the address in s ("%04x:%02x:%02x.%x") into buf. The kernel names
 * devices so already: copying such a name saves a parse-and-snprintf per link, of which a
 * scan reads several per device; anything else goes the long way.
 */
static void bdf_canonical(const char *s, char *buf, size_t len)
{
	static const char pattern[] = "hhhh:hh:hh.h";
	struct vfc_pciaddr a;
	size_t i;

	for (i = 0; pattern[i] && s[i]; i++) {
		bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');

		if (pattern[i] == 'h' ? !hex : s[i] != pattern[i])
			break;
	}
	if (vfc_pciaddr_parse(s, &a))
		return;
	if (!pattern[i] && !s[i] && i < len)
		memcpy(buf, s, i + 1);
	else
		vfc_pciaddr_format(&a, buf, len);
}

/* "../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0" -> parent "0000:00:1c.0" */
static void find_parent(int devs_fd, struct vfc_device *d)
{
	char target[1024], *slash, *prev;

	if (vfc_read_link_at(devs_fd, d->name, target, sizeof(target)) < 0)
		return;
	slash = strrchr(target, '/');
	if (!slash)
		return;
	*slash = '\0';
	prev = strrchr(target, '/');
	prev = prev ? prev + 1 : target;
	bdf_canonical(prev, d->parent, sizeof(d->parent));
}

static void read_reset(int dfd, struct vfc_device *d)
{
	char buf[256];
	ssize_t r;

	r = vfc_read_attr_at(dfd, "reset_method", buf, sizeof(buf));
	d->has_reset_attr = r >= 0;
	if (r < 0 || vfc_split_words(buf, &d->reset_methods) < 0)
		vfc_split_words("", &d->reset_methods);
	/* Keep only well-formed method names; the kernel's are short lowercase words. */
	if (d->reset_methods) {
		size_t w = 0;

		for (size_t i = 0; d->reset_methods[i]; i++) {
			if (vfc_name_is_sane(d->reset_methods[i], 32))
				d->reset_methods[w++] = d->reset_methods[i];
			else
				free(d->reset_methods[i]);
		}
		d->reset_methods[w] = NULL;
	}
}

static int fetch_pread(void *arg, uint8_t *dst, size_t off, size_t n)
{
	int fd = *(const int *)arg;
	ssize_t r;

	do
		r = pread(fd, dst, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == n ? 0 : -EIO;
}

int vfc_config_read_at(int dfd, bool sparse, struct vfc_cfginfo *ci, size_t *len)
{
	uint8_t cfg[4096];
	struct stat st;
	ssize_t r;
	int fd;

	if (!sparse) {
		r = vfc_read_bin_at(dfd, "config", cfg, sizeof(cfg));
		*len = r > 0 ? (size_t)r : 0;
		vfc_cfg_parse(r > 0 ? cfg : NULL, *len, ci);
		return r < 0 ? (int)r : 0;
	}
	fd = vfc_open_at(dfd, "config");
	if (fd < 0) {
		*len = 0;
		vfc_cfg_parse(NULL, 0, ci);
		return fd;
	}
	/*
	 * Sparse only when all of the file is readable, which its last byte tells: the kernel
	 * cuts an unprivileged read at 64 bytes (128 for CardBus), and then the whole (short)
	 * file is read below, as the parse must see where it ends.
	 */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 64) {
		uint8_t last;

		*len = st.st_size < (off_t)sizeof(cfg) ? (size_t)st.st_size : sizeof(cfg);
		if (!fetch_pread(&fd, &last, *len - 1, 1) &&
		    !vfc_cfg_parse_fetch(*len, fetch_pread, &fd, ci)) {
			close(fd);
			return 0;
		}
	}
	do
		r = read(fd, cfg, sizeof(cfg));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		r = -errno;
	close(fd);
	*len = r > 0 ? (size_t)r : 0;
	vfc_cfg_parse(r > 0 ? cfg : NULL, *len, ci);
	return r < 0 ? (int)r : 0;
}

static struct vfc_device *device_new(const char *name)
{
	struct vfc_device *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->group = VFC_NO_GROUP;
	d->vendor = d->device = d->subsys_vendor = d->subsys_device = -1;
	d->class_code = -1;
	d->numa_node = -1;
	d->sriov_totalvfs = d->sriov_numvfs = -1;
	vfc_cfg_parse(NULL, 0, &d->cfg);
	return d;
}

static void device_free(struct vfc_device *d)
{
	if (!d)
		return;
	free(d->driver);
	free(d->driver_override);
	vfc_strv_free(d->reset_methods);
	free(d->vendor_name);
	free(d->device_name);
	free(d);
}

/* What a full scan reads beyond identity, class, driver and group (see VFC_SCAN_BASIC). */
static void read_details(int dfd, bool cfg_sparse, struct vfc_device *d)
{
	char buf[ATTR_MAX];
	int64_t v;

	if (d->subsys_vendor < 0 || d->subsys_device < 0) {
		d->subsys_vendor = read_id_at(dfd, "subsystem_vendor", 0xffff);
		d->subsys_device = read_id_at(dfd, "subsystem_device", 0xffff);
	}
	d->driver_override = read_str_at(dfd, "driver_override");
	if (d->driver_override && (!strcmp(d->driver_override, "(null)") || !*d->driver_override)) {
		free(d->driver_override);
		d->driver_override = NULL;
	}
	if (vfc_read_s64_at(dfd, "numa_node", &v) == 0 && v >= 0)
		d->numa_node = v;
	read_reset(dfd, d);
	vfc_config_read_at(dfd, cfg_sparse, &d->cfg, &d->cfg_len);
	if (vfc_read_link_base_at(dfd, "physfn", buf, sizeof(buf)) > 0)
		bdf_canonical(buf, d->physfn, sizeof(d->physfn));
	/*
	 * The kernel makes sriov_* for a device only when it found the SR-IOV capability in its
	 * config space: when the parse saw all of it and there is none, they are not asked for
	 * (two failing opens per device otherwise, on every VF).
	 */
	if (d->cfg.sriov == VFC_NO && !d->cfg.malformed)
		return;
	if (vfc_read_s64_at(dfd, "sriov_totalvfs", &v) == 0 && v >= 0 && v < 65536)
		d->sriov_totalvfs = (int32_t)v;
	if (vfc_read_s64_at(dfd, "sriov_numvfs", &v) == 0 && v >= 0 && v < 65536)
		d->sriov_numvfs = (int32_t)v;
}

/*
 * Identity and class. The uevent file carries the five ids, printed by pci_uevent from the
 * pci_dev fields the vendor, device, class and subsystem_* attributes print: one file read
 * instead of five (a dozen syscalls a device fewer). An id it lacks (a tree
 * without uevent files, a malformed line) is read from its own attribute; the subsystem ids
 * only by a full scan.
 */
static void read_ids(int dfd, struct vfc_device *d)
{
	struct vfc_pci_uevent u;
	char buf[1024];

	if (vfc_read_attr_at(dfd, "uevent", buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	vfc_parse_pci_uevent(buf, &u);
	d->vendor = u.vendor >= 0 ? u.vendor : read_id_at(dfd, "vendor", 0xffff);
	d->device = u.device >= 0 ? u.device : read_id_at(dfd, "device", 0xffff);
	d->class_code = u.class_code >= 0 ? u.class_code : read_id_at(dfd, "class", 0xffffff);
	d->subsys_vendor = u.subsys_vendor;
	d->subsys_device = u.subsys_device;
}

/*
 * The device's directory is opened once (O_PATH), or fails to: then every attribute is
 * missing, as reading each by its path would find.
 */
static int pci_device_read(int devs_fd, const char *name, bool cfg_sparse, bool basic,
			   struct vfc_device **out)
{
	char buf[ATTR_MAX];
	struct vfc_device *d;
	int dfd;

	d = device_new(name);
	if (!d)
		return -ENOMEM;
	d->is_pci = true;
	vfc_pciaddr_parse(name, &d->addr);
	dfd = vfc_dir_open_at(devs_fd, name);

	read_ids(dfd, d);
	d->driver = read_driver_at(dfd, "driver");
	if (!basic)
		read_details(dfd, cfg_sparse, d);
	d->is_bridge = d->cfg.header_type == 1 || d->cfg.header_type == 2 ||
		       (d->class_code >= 0 &&
			((d->class_code >> 8) == 0x0604 || (d->class_code >> 8) == 0x0609));
	d->is_host_bridge = d->class_code >= 0 && (d->class_code >> 8) == 0x0600;
	if (vfc_read_link_base_at(dfd, "iommu_group", buf, sizeof(buf)) > 0) {
		int64_t g;

		if (vfc_parse_s64(buf, &g) == 0 && g >= 0 && g <= 0x7fffffff)
			d->group = (int)g;
	}
	if (dfd >= 0)
		close(dfd);
	if (!basic)
		find_parent(devs_fd, d);
	*out = d;
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct vfc_device *x = *(struct vfc_device *const *)a;
	const struct vfc_device *y = *(struct vfc_device *const *)b;

	if (x->is_pci != y->is_pci)
		return x->is_pci ? -1 : 1;
	if (x->is_pci)
		return vfc_pciaddr_cmp(&x->addr, &y->addr);
	return strcmp(x->name, y->name);
}

static int cmp_group(const void *a, const void *b)
{
	const struct vfc_group *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int add_device(struct vfc_topology *t, struct vfc_device *d, size_t *cap)
{
	if (t->ndevs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct vfc_device **nv = reallocarray(t->devs, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->devs = nv;
		*cap = ncap;
	}
	t->devs[t->ndevs++] = d;
	return 0;
}

static int cmp_key_addr(const void *key, const void *elem)
{
	const struct vfc_device *d = *(struct vfc_device *const *)elem;

	if (!d->is_pci)
		return -1;	/* PCI devices sort first */
	return vfc_pciaddr_cmp(key, &d->addr);
}

/* Devices are sorted by address when groups are read: bsearch keeps 4096-device trees fast. */
static struct vfc_device *find_by_name(const struct vfc_topology *t, const char *name)
{
	struct vfc_device **hit;
	struct vfc_pciaddr a;

	if (!vfc_pciaddr_parse(name, &a)) {
		hit = bsearch(&a, t->devs, t->ndevs, sizeof(*t->devs), cmp_key_addr);
		return hit && !strcmp((*hit)->name, name) ? *hit : NULL;
	}
	for (size_t i = 0; i < t->ndevs; i++)
		if (!t->devs[i]->is_pci && !strcmp(t->devs[i]->name, name))
			return t->devs[i];
	return NULL;
}

static void read_resv(int groups_fd, const char *path, struct vfc_group *g)
{
	char buf[8192], *line, *save = NULL;
	size_t cap = 0;

	if (vfc_read_attr_at(groups_fd, path, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct vfc_resv r;

		if (vfc_parse_resv_line(line, &r)) {
			g->resv_bad_lines++;
			continue;
		}
		if (g->nresv == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct vfc_resv *nv = reallocarray(g->resv, ncap, sizeof(*nv));

			if (!nv)
				return;
			g->resv = nv;
			cap = ncap;
		}
		g->resv[g->nresv++] = r;
	}
}

/* Members of a group that are not PCI devices (platform devices on ARM, for example). */
static struct vfc_device *other_member(const struct vfc_ctx *ctx, struct vfc_topology *t,
				       int gid, const char *name, size_t *cap)
{
	char buf[512];
	struct vfc_device *d = device_new(name);

	if (!d)
		return NULL;
	if (vfc_read_link_base(ctx, buf, sizeof(buf), IOMMU_GROUPS "/%d/devices/%s/driver", gid,
			       name) >= 0)
		d->driver = strdup(buf);
	vfc_split_words("", &d->reset_methods);
	if (add_device(t, d, cap)) {
		device_free(d);
		return NULL;
	}
	return d;
}

/* "12/" into path (>= 16 bytes), its length: three of these per group, snprintf cost 9 M. */
static size_t group_dir(int id, char *path)
{
	char digits[16], *p = digits + sizeof(digits);
	size_t n;

	do
		*--p = (char)('0' + id % 10);
	while (id /= 10);
	n = (size_t)(digits + sizeof(digits) - p);
	memcpy(path, p, n);
	path[n] = '/';
	return n + 1;
}

static int scan_groups(const struct vfc_ctx *ctx, struct vfc_topology *t, size_t *devcap,
		       bool no_resv)
{
	struct vfc_names gn;
	int rc, groups_fd;

	groups_fd = vfc_dir_open(ctx, IOMMU_GROUPS);
	rc = groups_fd < 0 ? groups_fd : vfc_list_dir_at(groups_fd, ".", &gn);
	if (rc) {
		if (groups_fd >= 0)
			close(groups_fd);
		return rc == -ENOENT || rc == -ENOTDIR ? 0 : rc;
	}
	t->groups_dir = true;
	t->groups = calloc(gn.n ? gn.n : 1, sizeof(*t->groups));
	if (!t->groups) {
		vfc_names_free(&gn);
		close(groups_fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < gn.n; i++) {
		struct vfc_group *g = &t->groups[t->ngroups];
		struct vfc_names members;
		int64_t id;
		char buf[64];
		char path[64];
		size_t nlen;

		if (vfc_parse_s64(gn.v[i], &id) || id < 0 || id > 0x7fffffff ||
		    strspn(gn.v[i], "0123456789") != strlen(gn.v[i])) {
			t->nbad_groups++;
			continue;
		}
		g->id = (int)id;
		t->ngroups++;
		/*
		 * By the number, as a path would name it ("012" reads group 12's directory), and
		 * relative to the groups directory: opening each group's directory first would
		 * only add an open and a close per group.
		 */
		nlen = group_dir(g->id, path);
		strcpy(path + nlen, "type");
		if (vfc_read_attr_at(groups_fd, path, buf, sizeof(buf)) > 0)
			g->type = strdup(buf);
		strcpy(path + nlen, "reserved_regions");
		if (!no_resv)
			read_resv(groups_fd, path, g);
		strcpy(path + nlen, "devices");
		rc = vfc_list_dir_at(groups_fd, path, &members);
		if (rc)
			continue;
		g->devs = calloc(members.n ? members.n : 1, sizeof(*g->devs));
		if (!g->devs) {
			vfc_names_free(&members);
			vfc_names_free(&gn);
			close(groups_fd);
			return -ENOMEM;
		}
		for (size_t m = 0; m < members.n; m++) {
			struct vfc_device *d = find_by_name(t, members.v[m]);

			if (!d) {
				/* A dangling link is a device that went away: not a member. */
				if (!vfc_exists(ctx, IOMMU_GROUPS "/%d/devices/%s", g->id,
						members.v[m]))
					continue;
				d = other_member(ctx, t, g->id, members.v[m], devcap);
				if (!d)
					continue;
			}
			d->group = g->id;	/* the group directory is authoritative */
			g->devs[g->ndevs++] = d;
		}
		vfc_names_free(&members);
	}
	vfc_names_free(&gn);
	close(groups_fd);
	return 0;
}

/*
 * The group with this id: binary search in the first nsorted (sorted by id), then the rest.
 * Called per device by list, check and holders: a linear search was quadratic at scale.
 */
static struct vfc_group *group_find(const struct vfc_topology *t, size_t nsorted, int id)
{
	size_t lo = 0, hi = nsorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->groups[mid].id == id)
			return &t->groups[mid];
		if (t->groups[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = nsorted; k < t->ngroups; k++)
		if (t->groups[k].id == id)
			return &t->groups[k];
	return NULL;
}

/* A device whose iommu_group link names a group that has no directory entry for it. */
static int adopt_orphans(struct vfc_topology *t)
{
	size_t nsorted = t->ngroups;	/* sorted by the caller; orphans' groups are appended */

	for (size_t i = 0; i < t->ndevs; i++) {
		struct vfc_device *d = t->devs[i];
		struct vfc_group *g;
		bool member = false;

		if (d->group == VFC_NO_GROUP)
			continue;
		g = group_find(t, nsorted, d->group);
		if (g) {
			for (size_t k = 0; k < g->ndevs; k++)
				member |= g->devs[k] == d;
			if (member)
				continue;
		} else {
			struct vfc_group *ng = reallocarray(t->groups, t->ngroups + 1, sizeof(*ng));

			if (!ng)
				return -ENOMEM;
			t->groups = ng;
			g = &t->groups[t->ngroups++];
			memset(g, 0, sizeof(*g));
			g->id = d->group;
		}
		{
			struct vfc_device **nd = reallocarray(g->devs, g->ndevs + 1, sizeof(*nd));

			if (!nd)
				return -ENOMEM;
			g->devs = nd;
			g->devs[g->ndevs++] = d;
		}
	}
	return 0;
}

/*
 * /dev/vfio/noiommu-N, listed once rather than a failing stat per group. Unlistable /dev/vfio (listed == false): ask per group, as before.
 */
struct noiommu_ids {
	int *v;
	size_t n;
	bool listed;
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void noiommu_ids_read(const struct vfc_ctx *ctx, struct noiommu_ids *ids)
{
	struct vfc_names names;
	int dfd;

	memset(ids, 0, sizeof(*ids));
	dfd = vfc_dir_open(ctx, "/dev/vfio");
	if (dfd == -ENOENT || dfd == -ENOTDIR) {
		ids->listed = true;	/* no /dev/vfio: no node of any group */
		return;
	}
	if (dfd < 0 || vfc_list_dir_at(dfd, ".", &names)) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	ids->v = calloc(names.n ? names.n : 1, sizeof(*ids->v));
	if (ids->v) {
		ids->listed = true;
		for (size_t i = 0; i < names.n; i++) {
			char canon[24];
			int64_t id;

			/* exactly the name "noiommu-%d" would give, and stat-able like before */
			if (strncmp(names.v[i], "noiommu-", 8) ||
			    vfc_parse_s64(names.v[i] + 8, &id) || id < INT_MIN || id > INT_MAX)
				continue;
			snprintf(canon, sizeof(canon), "noiommu-%d", (int)id);
			if (!strcmp(canon, names.v[i]) && vfc_exists_at(dfd, names.v[i]) == 1)
				ids->v[ids->n++] = (int)id;
		}
		if (ids->n > 1)
			qsort(ids->v, ids->n, sizeof(*ids->v), cmp_int);
	}
	vfc_names_free(&names);
	close(dfd);
}

static bool noiommu_ids_has(const struct vfc_ctx *ctx, const struct noiommu_ids *ids, int id)
{
	if (!ids->listed)
		return vfc_exists(ctx, "/dev/vfio/noiommu-%d", id) == 1;
	return ids->n && bsearch(&id, ids->v, ids->n, sizeof(*ids->v), cmp_int);
}

int vfc_topology_scan(const struct vfc_ctx *ctx, unsigned flags, struct vfc_topology **out)
{
	struct vfc_topology *t;
	struct vfc_names names = { 0 };
	struct noiommu_ids noiommu;
	struct statfs sfs;
	bool cfg_sparse;
	size_t cap = 0;
	int rc, devs_fd;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->holders_complete = true;
	t->ctx = ctx;
	devs_fd = vfc_dir_open(ctx, PCI_DEVICES);
	rc = devs_fd < 0 ? devs_fd : vfc_list_dir_at(devs_fd, ".", &names);
	if (rc && rc != -ENOENT && rc != -ENOTDIR) {
		if (devs_fd >= 0)
			close(devs_fd);
		goto fail;
	}
	/* Config space is costly to read on sysfs only (a fixture tree is plain files). */
	cfg_sparse = devs_fd >= 0 && !fstatfs(devs_fd, &sfs) && sfs.f_type == SYSFS_MAGIC;
	for (size_t i = 0; i < names.n; i++) {
		struct vfc_pciaddr a;
		struct vfc_device *d;

		if (vfc_pciaddr_parse(names.v[i], &a))
			continue;	/* not a PCI address: not a PCI device */
		rc = pci_device_read(devs_fd, names.v[i], cfg_sparse, flags & VFC_SCAN_BASIC, &d);
		if (!rc)
			rc = add_device(t, d, &cap);
		if (rc) {
			device_free(d);
			vfc_names_free(&names);
			close(devs_fd);
			goto fail;
		}
	}
	vfc_names_free(&names);
	if (devs_fd >= 0)
		close(devs_fd);
	/* Sort first so groups (which keep pointers) see the final order of members. */
	if (t->ndevs)
		qsort(t->devs, t->ndevs, sizeof(*t->devs), cmp_dev);
	rc = scan_groups(ctx, t, &cap, flags & (VFC_SCAN_BASIC | VFC_SCAN_NO_RESV));
	if (!rc && t->ngroups)
		qsort(t->groups, t->ngroups, sizeof(*t->groups), cmp_group);
	if (!rc)
		rc = adopt_orphans(t);
	if (rc)
		goto fail;
	if (t->ndevs)
		qsort(t->devs, t->ndevs, sizeof(*t->devs), cmp_dev);
	if (t->ngroups)
		qsort(t->groups, t->ngroups, sizeof(*t->groups), cmp_group);
	noiommu_ids_read(ctx, &noiommu);
	for (size_t i = 0; i < t->ngroups; i++) {
		struct vfc_group *g = &t->groups[i];

		if (g->ndevs)
			qsort(g->devs, g->ndevs, sizeof(*g->devs), cmp_dev);
		g->noiommu = noiommu_ids_has(ctx, &noiommu, g->id);
		rc = vfc_group_eval(g);
		if (rc) {
			free(noiommu.v);
			goto fail;
		}
	}
	free(noiommu.v);
	if (flags & VFC_SCAN_HOLDERS) {
		rc = vfc_holders_scan(ctx, t);
		if (rc)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	vfc_topology_free(t);
	return rc;
}

void vfc_topology_free(struct vfc_topology *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ngroups; i++) {
		struct vfc_group *g = &t->groups[i];

		free(g->type);
		free(g->devs);
		free(g->resv);
		free(g->blockers);
		free(g->holders);
	}
	free(t->groups);
	for (size_t i = 0; i < t->ndevs; i++)
		device_free(t->devs[i]);
	free(t->devs);
	free(t);
}

struct vfc_device *vfc_topology_device(const struct vfc_topology *t, const struct vfc_pciaddr *a)
{
	for (size_t i = 0; i < t->ndevs; i++)
		if (t->devs[i]->is_pci && !vfc_pciaddr_cmp(&t->devs[i]->addr, a))
			return t->devs[i];
	return NULL;
}

struct vfc_group *vfc_topology_group(const struct vfc_topology *t, int id)
{
	return group_find(t, t->ngroups, id);
}

/*
 * The PCI device behind an interface or a block device: the last PCI address in the
 * resolved /sys/class/{net,block}/NAME link (.../0000:00:1b.0/0000:03:00.0/nvme/nvme0/
 * nvme0n1, a partition one level deeper). A virtual interface has none.
 */
static int name_device(const struct vfc_topology *t, const char *name, struct vfc_pciaddr *a)
{
	static const char *const classes[] = { "net", "block" };

	for (size_t c = 0; c < VFC_ARRAY_SIZE(classes); c++) {
		char link[512], *save = NULL;
		bool found = false;

		if (vfc_read_link(t->ctx, link, sizeof(link), "/sys/class/%s/%s", classes[c],
				  name) <= 0)
			continue;
		for (char *p = strtok_r(link, "/", &save); p; p = strtok_r(NULL, "/", &save))
			if (!vfc_pciaddr_parse(p, a))
				found = true;
		return found ? 0 : -ENODEV;
	}
	return -ENODEV;
}

int vfc_topology_resolve(const struct vfc_topology *t, const struct vfc_target *tg,
			 struct vfc_device ***out, size_t *n)
{
	struct vfc_device **v = calloc(t->ndevs ? t->ndevs : 1, sizeof(*v));
	char pf[VFC_BDF_LEN];
	struct vfc_pciaddr named = { 0 };
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!v)
		return -ENOMEM;
	vfc_pciaddr_format(&tg->addr, pf, sizeof(pf));
	if (tg->kind == VFC_TARGET_NAME && name_device(t, tg->name, &named)) {
		free(v);
		return -ENODEV;
	}
	for (size_t i = 0; i < t->ndevs; i++) {
		struct vfc_device *d = t->devs[i];
		bool hit = false;

		switch (tg->kind) {
		case VFC_TARGET_DEVICE:
			hit = d->is_pci && !vfc_pciaddr_cmp(&d->addr, &tg->addr);
			break;
		case VFC_TARGET_ID:
			hit = d->vendor == tg->vendor && d->device == tg->device;
			break;
		case VFC_TARGET_GROUP:
			hit = d->group == tg->group;
			break;
		case VFC_TARGET_VFS:
			hit = d->physfn[0] && !strcmp(d->physfn, pf);
			break;
		case VFC_TARGET_SLOT:
			hit = d->is_pci && d->addr.domain == tg->addr.domain &&
			      d->addr.bus == tg->addr.bus && d->addr.dev == tg->addr.dev;
			break;
		case VFC_TARGET_NAME:
			hit = d->is_pci && !vfc_pciaddr_cmp(&d->addr, &named);
			break;
		}
		if (hit)
			v[k++] = d;
	}
	if (!k) {
		free(v);
		return -ENODEV;
	}
	*out = v;
	*n = k;
	return 0;
}
