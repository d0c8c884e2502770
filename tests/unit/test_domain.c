// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The domain core against a fake kernel: this file's vfc_sys_ioctl replaces the weak one of
 * core/vfio.c, so every VFIO and iommufd ioctl lands in fake_ioctl below. It reaches what no
 * emulated IOMMU of the lab gives: a 64 KiB smallest IOMMU page on a 4 KiB host, a SPAPR
 * platform that refuses v2, a default window of size 0, unmaps that fail half-way. Each test
 * names the issue 19 item it proves.
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/caps.h"
#include "core/domain.h"
#include "core/reset.h"
#include "core/vfio.h"
#include "tap.h"

#define MAXLOG 64

/* What the fake kernel offers and how it misbehaves; what it saw. */
static struct fake {
	unsigned ext;			/* 1 << VFIO_*_IOMMU the container answers 1 for */
	int set_iommu_errno[16];	/* per type */
	int iommu_type;
	uint64_t pgsizes;		/* type1 iova_pgsizes */
	uint64_t spapr_start, spapr_size;
	bool spapr_ddw;
	uint64_t unmap_fail_iova;	/* UNMAP_DMA at this iova fails with EIO (0: none) */
	uint64_t unmaps[MAXLOG];
	size_t nunmaps;
	size_t nmaps;
	int map_errno;			/* the last MAP_DMA's errno (0: accepted) */
	uint32_t reset_groups[4];	/* GET_PCI_HOT_RESET_INFO lists these */
	size_t nreset_groups;
	int hot_reset_fds[8];
	int hot_reset_count;
	int option_val;			/* IOMMU_OPTION RLIMIT_MODE set to (-1: never) */
	int option_errno;
	bool option_after_alloc;
	bool ioas_allocated;
	int binds, set_containers;	/* VFIO_DEVICE_BIND_IOMMUFD, VFIO_GROUP_SET_CONTAINER seen */
} fk;

static void fake_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.ext = (1u << VFIO_TYPE1_IOMMU) | (1u << VFIO_TYPE1v2_IOMMU);
	fk.pgsizes = 0x1000 | 0x200000 | 0x40000000;
	fk.option_val = -1;
	fk.hot_reset_count = -1;
}

/* What an fd is, from its path: the fixture's nodes are plain files (cdevs: /dev/null). */
static const char *fd_kind(int fd, int *group)
{
	static char path[4096];
	char link[64];
	ssize_t n;
	const char *b;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return "?";
	path[n] = '\0';
	if (!strcmp(path, "/dev/null"))
		return "cdev";
	if (!strcmp(path, "/dev/zero"))
		return "device";
	b = strrchr(path, '/');
	b = b ? b + 1 : path;
	if (!strcmp(b, "vfio"))
		return "container";
	if (!strcmp(b, "iommu"))
		return "iommufd";
	*group = atoi(b);
	return "group";
}

static uint64_t min_page(void)
{
	return fk.pgsizes & -fk.pgsizes;
}

static int type1_info(struct vfio_iommu_type1_info *ti)
{
	size_t need = sizeof(*ti) + sizeof(struct vfio_iommu_type1_info_cap_iova_range) +
		      sizeof(struct vfio_iova_range);
	struct vfio_iommu_type1_info_cap_iova_range *r;

	if (ti->argsz < need) {
		ti->argsz = (uint32_t)need;
		ti->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
		ti->cap_offset = 0;
		return 0;
	}
	ti->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	ti->iova_pgsizes = fk.pgsizes;
	ti->cap_offset = sizeof(*ti);
	r = (void *)((char *)ti + sizeof(*ti));
	memset(r, 0, sizeof(*r) + sizeof(r->iova_ranges[0]));
	r->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	r->header.version = 1;
	r->nr_iovas = 1;
	r->iova_ranges[0].start = 0;
	r->iova_ranges[0].end = (1ULL << 39) - 1;
	return 0;
}

static int spapr_info(struct vfio_iommu_spapr_tce_info *ti)
{
	ti->dma32_window_start = (uint32_t)fk.spapr_start;
	ti->dma32_window_size = (uint32_t)fk.spapr_size;
	ti->flags = fk.spapr_ddw ? VFIO_IOMMU_SPAPR_INFO_DDW : 0;
	if (fk.spapr_ddw) {
		ti->ddw.pgsizes = 0x1000 | 0x10000 | 0x1000000;
		ti->ddw.max_dynamic_windows_supported = 2;
		ti->ddw.levels = 1;
	}
	return 0;
}

static bool ipc_lock_effective(void)
{
	return vfc_cap_effective(CAP_IPC_LOCK);
}

/* The kernel's account_locked_vm: past RLIMIT_MEMLOCK without CAP_IPC_LOCK is ENOMEM. */
static int charge(uint64_t bytes)
{
	struct rlimit rl;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (!ipc_lock_effective() && rl.rlim_cur != RLIM_INFINITY && bytes > rl.rlim_cur)
		return -ENOMEM;
	return 0;
}

static int container_ioctl(unsigned long req, void *arg);
static int group_ioctl(unsigned long req, void *arg);
static int device_ioctl(unsigned long req, void *arg);
static int iommufd_ioctl(unsigned long req, void *arg);

static int nshort_argsz;		/* ioctls refused for a short argsz, over all tests */

#define END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * The kernel's first test of every struct-taking VFIO and iommufd ioctl: argsz (size) must
 * cover the struct up to its last field it reads, else EINVAL. The core must set it right.
 */
static bool short_argsz(const char *kind, unsigned long req, const void *arg)
{
	static const struct {
		const char *kind;
		unsigned long req;
		size_t minsz;
	} sized[] = {
		{ "container", VFIO_IOMMU_MAP_DMA, END(struct vfio_iommu_type1_dma_map, size) },
		{ "container", VFIO_IOMMU_UNMAP_DMA, END(struct vfio_iommu_type1_dma_unmap, size) },
		{ "container", VFIO_IOMMU_SPAPR_TCE_CREATE,
		  END(struct vfio_iommu_spapr_tce_create, start_addr) },
		{ "container", VFIO_IOMMU_SPAPR_TCE_REMOVE,
		  END(struct vfio_iommu_spapr_tce_remove, start_addr) },
		{ "container", VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
		  END(struct vfio_iommu_spapr_register_memory, size) },
		{ "container", VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
		  END(struct vfio_iommu_spapr_register_memory, size) },
		{ "group", VFIO_GROUP_GET_STATUS, END(struct vfio_group_status, flags) },
		{ "device", VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
		  END(struct vfio_pci_hot_reset_info, count) },
		{ "device", VFIO_DEVICE_PCI_HOT_RESET, END(struct vfio_pci_hot_reset, count) },
		{ "device", VFIO_DEVICE_BIND_IOMMUFD, END(struct vfio_device_bind_iommufd, out_devid) },
		{ "device", VFIO_DEVICE_ATTACH_IOMMUFD_PT,
		  END(struct vfio_device_attach_iommufd_pt, pt_id) },
		{ "device", VFIO_DEVICE_DETACH_IOMMUFD_PT,
		  END(struct vfio_device_detach_iommufd_pt, flags) },
		{ "iommufd", IOMMU_OPTION, END(struct iommu_option, val64) },
		{ "iommufd", IOMMU_IOAS_ALLOC, END(struct iommu_ioas_alloc, out_ioas_id) },
		{ "iommufd", IOMMU_IOAS_IOVA_RANGES,
		  END(struct iommu_ioas_iova_ranges, out_iova_alignment) },
		{ "iommufd", IOMMU_IOAS_MAP, END(struct iommu_ioas_map, iova) },
		{ "iommufd", IOMMU_IOAS_UNMAP, END(struct iommu_ioas_unmap, length) },
		{ "iommufd", IOMMU_IOAS_ALLOW_IOVAS, END(struct iommu_ioas_allow_iovas, allowed_iovas) },
		{ "iommufd", IOMMU_DESTROY, END(struct iommu_destroy, id) },
	};

	if (!strcmp(kind, "cdev"))
		kind = "device";
	for (size_t i = 0; i < sizeof(sized) / sizeof(sized[0]); i++)
		if (sized[i].req == req && !strcmp(sized[i].kind, kind)) {
			uint32_t argsz;

			memcpy(&argsz, arg, sizeof(argsz));
			return argsz < sized[i].minsz;
		}
	return false;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	int group = -1;
	const char *kind = fd_kind(fd, &group);

	if (short_argsz(kind, req, arg)) {
		printf("# fake kernel: ioctl 0x%lx on a %s with a short argsz: EINVAL\n", req, kind);
		nshort_argsz++;
		return -EINVAL;
	}

	/* VFIO reuses numbers across fd kinds (GET_INFO is HOT_RESET_INFO): the fd decides. */
	if (!strcmp(kind, "container"))
		return container_ioctl(req, arg);
	if (!strcmp(kind, "group"))
		return group_ioctl(req, arg);
	if (!strcmp(kind, "device") || !strcmp(kind, "cdev"))
		return device_ioctl(req, arg);
	if (!strcmp(kind, "iommufd"))
		return iommufd_ioctl(req, arg);
	(void)group;
	return -ENOTTY;
}

static int container_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return (long)arg < 32 && (fk.ext >> (long)arg) & 1;
	case VFIO_SET_IOMMU:
		if (fk.set_iommu_errno[(long)arg & 15])
			return -fk.set_iommu_errno[(long)arg & 15];
		fk.iommu_type = (int)(long)arg;
		return 0;
	case VFIO_IOMMU_GET_INFO:	/* == VFIO_IOMMU_SPAPR_TCE_GET_INFO */
		if (fk.iommu_type == VFIO_SPAPR_TCE_IOMMU || fk.iommu_type == VFIO_SPAPR_TCE_v2_IOMMU)
			return spapr_info(arg);
		return type1_info(arg);
	case VFIO_IOMMU_MAP_DMA: {
		struct vfio_iommu_type1_dma_map *m = arg;

		/* vfio_dma_do_map: everything aligned to the smallest IOMMU page */
		fk.map_errno = (m->vaddr | m->iova | m->size) & (min_page() - 1) ? EINVAL : 0;
		if (fk.map_errno)
			return -fk.map_errno;
		fk.nmaps++;
		return 0;
	}
	case VFIO_IOMMU_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap *u = arg;

		if (fk.unmap_fail_iova && u->iova == fk.unmap_fail_iova)
			return -EIO;
		if (fk.nunmaps < MAXLOG)
			fk.unmaps[fk.nunmaps++] = u->iova;
		return 0;
	}
	case VFIO_IOMMU_ENABLE:
		/* tce_iommu_enable charges the whole default window */
		return charge(fk.spapr_size);
	case VFIO_IOMMU_DISABLE:
		return 0;
	case VFIO_IOMMU_SPAPR_TCE_CREATE: {
		struct vfio_iommu_spapr_tce_create *c = arg;
		int rc = charge((c->window_size >> c->page_shift) * 8);

		if (!rc)
			c->start_addr = 0x0800000000000000ULL;
		return rc;
	}
	case VFIO_IOMMU_SPAPR_TCE_REMOVE:
	case VFIO_IOMMU_SPAPR_REGISTER_MEMORY:
	case VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY:
		return 0;
	default:
		return -ENOTTY;
	}
}

static int group_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GROUP_GET_STATUS:
		((struct vfio_group_status *)arg)->flags = VFIO_GROUP_FLAGS_VIABLE;
		return 0;
	case VFIO_GROUP_SET_CONTAINER:
		fk.set_containers++;
		return 0;
	case VFIO_GROUP_UNSET_CONTAINER:
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		return open("/dev/zero", O_RDWR | O_CLOEXEC);
	default:
		return -ENOTTY;
	}
}

static int device_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		fk.binds++;
		((struct vfio_device_bind_iommufd *)arg)->out_devid = 1;
		return 0;
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return 0;
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: {
		struct vfio_pci_hot_reset_info *hi = arg;
		size_t need = sizeof(*hi) + fk.nreset_groups * sizeof(hi->devices[0]);

		hi->count = (uint32_t)fk.nreset_groups;
		hi->flags = 0;
		if (hi->argsz < need)
			return -ENOSPC;
		for (size_t i = 0; i < fk.nreset_groups; i++) {
			hi->devices[i].group_id = fk.reset_groups[i];
			hi->devices[i].segment = 0;
			hi->devices[i].bus = (uint8_t)(1 + i);
			hi->devices[i].devfn = 0;
		}
		return 0;
	}
	case VFIO_DEVICE_PCI_HOT_RESET: {
		struct vfio_pci_hot_reset *hr = arg;

		fk.hot_reset_count = (int)hr->count;
		for (uint32_t i = 0; i < hr->count && i < 8; i++)
			fk.hot_reset_fds[i] = hr->group_fds[i];
		/* vfio_pci_dev_set_hot_reset: more fds than affected devices is EINVAL */
		return hr->count > fk.nreset_groups ? -EINVAL : 0;
	}
	default:
		return -ENOTTY;
	}
}

static int iommufd_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case IOMMU_OPTION: {
		struct iommu_option *o = arg;

		if (o->option_id != IOMMU_OPTION_RLIMIT_MODE || o->op != IOMMU_OPTION_OP_SET)
			return -EOPNOTSUPP;
		if (fk.option_errno)		/* the kernel: EPERM without CAP_SYS_RESOURCE */
			return -fk.option_errno;
		if (fk.ioas_allocated) {
			fk.option_after_alloc = true;
			return -EBUSY;
		}
		fk.option_val = (int)o->val64;
		return 0;
	}
	case IOMMU_IOAS_ALLOC:
		((struct iommu_ioas_alloc *)arg)->out_ioas_id = 7;
		fk.ioas_allocated = true;
		return 0;
	case IOMMU_IOAS_IOVA_RANGES: {
		struct iommu_ioas_iova_ranges *r = arg;
		struct iommu_iova_range *v = (void *)(uintptr_t)r->allowed_iovas;

		if (r->num_iovas < 1) {
			r->num_iovas = 1;
			return -EMSGSIZE;
		}
		r->num_iovas = 1;
		v[0].start = 0;
		v[0].last = (1ULL << 39) - 1;
		r->out_iova_alignment = 4096;
		return 0;
	}
	case IOMMU_IOAS_MAP:
	case IOMMU_IOAS_UNMAP:
	case IOMMU_IOAS_ALLOW_IOVAS:
	case IOMMU_DESTROY:
		return 0;
	default:
		return -ENOTTY;
	}
}

int vfc_sys_ioctl(int fd, unsigned long req, void *arg)
{
	int r = fake_ioctl(fd, req, arg);

	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* ---- the fixture: the nodes the core opens, as plain files ---- */

static char root[256];
static struct vfc_ctx ctx;

static void put(const char *rel, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void dir(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	if (system(cmd))
		perror("mkdir");
}

static void fixture(void)
{
	char p[512];

	snprintf(root, sizeof(root), "%s/vfc-domain-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
										: "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	dir("dev/vfio/devices");
	dir("sys/class/vfio-dev");
	dir("sys/bus/pci/devices/0000:01:00.0/vfio-dev/vfio0");
	dir("sys/kernel/iommu_groups/5");
	dir("sys/kernel/iommu_groups/6");
	put("dev/vfio/vfio", "");
	put("dev/vfio/5", "");
	put("dev/vfio/6", "");
	put("dev/iommu", "");
	put("sys/bus/pci/devices/0000:01:00.0/vfio-dev/vfio0/dev", "1:3\n");
	snprintf(p, sizeof(p), "%s/dev/vfio/devices/vfio0", root);
	if (symlink("/dev/null", p))
		perror("symlink");
	vfc_ctx_init(&ctx, root);
}

static void fixture_done(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		perror("rm");
}

static char bdf0[] = "0000:01:00.0";
static char *const one_bdf[] = { bdf0 };

static int create(enum vfc_backend b, const int *groups, size_t ng, struct vfc_domain **d,
		  struct vfc_err *e)
{
	struct vfc_domain_req req = { .backend = b };

	memset(e, 0, sizeof(*e));
	return vfc_domain_create(&ctx, groups, ng, one_bdf, 1, &req, d, e);
}

/* POWER: no iommufd, so `auto` chooses among the container's backends (no target cdevs). */
static int create_nocdev(enum vfc_backend b, const int *groups, size_t ng, struct vfc_domain **d,
			 struct vfc_err *e)
{
	struct vfc_domain_req req = { .backend = b };

	memset(e, 0, sizeof(*e));
	return vfc_domain_create(&ctx, groups, ng, NULL, 0, &req, d, e);
}

static int map1(struct vfc_domain *d, uint64_t size, struct vfc_err *e)
{
	struct vfc_map_req m = { .size = size };

	return vfc_domain_map(d, &m, 1, e);
}

/* Effective-set changes are reversible: the permitted set keeps the capability. */
static void cap_effective(int cap, bool on)
{
	capng_get_caps_process();
	capng_update(on ? CAPNG_ADD : CAPNG_DROP, CAPNG_EFFECTIVE, (unsigned)cap);
	capng_apply(CAPNG_SELECT_CAPS);
}

/* ---- issue 19 item 1: a partial unmap failure must not leave freed entries behind ---- */
static void test_unmap_partial(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	uint64_t second, got;
	int rc;

	fake_reset();
	rc = create(VFC_BACKEND_TYPE1V2, g5, 1, &d, &e);
	OK(rc == 0 && d, "type1v2 domain over the fake kernel (%s: %s)", e.subject, e.what);
	if (!d)
		return;
	for (int i = 0; i < 3; i++)
		map1(d, 0x1000, &e);
	OK(d->nmaps == 3, "three kernel mappings");
	second = d->maps[1].iova;
	fk.unmap_fail_iova = second;
	rc = vfc_domain_unmap_all(d, &got, &e);
	OK(rc == -EIO, "unmap-all reports the failed unmap");
	OK(d->nmaps == 1 && d->maps[0].iova == second,
	   "item 1: only the mapping the kernel kept stays listed (%zu listed)", d->nmaps);
	fk.unmap_fail_iova = 0;
	fk.nunmaps = 0;
	rc = vfc_domain_unmap_all(d, &got, &e);
	OK(rc == 0 && fk.nunmaps == 1 && fk.unmaps[0] == second,
	   "item 1: the retry unmaps (and munmaps) only the one that failed (%zu unmaps)",
	   fk.nunmaps);
	OK(d->nmaps == 0 && d->mapped_bytes == 0, "nothing left after the retry");
	vfc_domain_destroy(d, NULL);
}

/* ---- item 5: buffers aligned to the IOMMU's smallest page, not only the CPU page ---- */
static void test_align_64k(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain *d = NULL;
	void *spacer[8];
	struct vfc_err e;
	int fails = 0;

	fake_reset();
	fk.pgsizes = 0x10000;		/* virtio-iommu with a 64 KiB granule on a 4 KiB host */
	OK(create(VFC_BACKEND_TYPE1V2, g5, 1, &d, &e) == 0 && d && d->page_size == 0x10000,
	   "the granted page is the IOMMU's 64 KiB");
	if (!d)
		return;
	for (int i = 0; i < 8; i++) {
		/* CPU pages in between shift where an unaligned mmap would land */
		spacer[i] = mmap(NULL, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map1(d, 0x10000, &e))
			fails++;
	}
	OK(fails == 0 && d->nmaps == 8 && fk.map_errno == 0,
	   "item 5: every 64 KiB map is accepted by a kernel that checks vaddr alignment "
	   "(%d refused)", fails);
	for (size_t i = 0; i < d->nmaps; i++)
		OK(((uintptr_t)d->maps[i].vaddr & 0xffff) == 0, "buffer %zu is 64 KiB aligned", i);
	vfc_domain_destroy(d, NULL);
	for (int i = 0; i < 8; i++)
		if (spacer[i] != MAP_FAILED)
			munmap(spacer[i], 0x1000);
}

/* ---- item 6: fixed requests are never merged; the merge message says what happened ---- */
static void test_fixed_no_merge(void)
{
	static const int g5[] = { 5 };
	struct vfc_map_req r[2] = { { .size = 0x10000, .fixed = true, .iova = 0x100000 },
				    { .size = 0x10000, .fixed = true, .iova = 0x110000 } };
	struct vfc_map_req a[2] = { { .size = 0x10000 }, { .size = 0x10000 } };
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	uint64_t got;

	fake_reset();
	if (create(VFC_BACKEND_TYPE1V2, g5, 1, &d, &e) || !d) {
		OK(0, "domain for the merge test");
		return;
	}
	OK(vfc_domain_map(d, r, 2, &e) == 0, "two adjacent fixed maps");
	OK(d->nmaps == 2, "item 6: adjacent fixed requests stay two kernel mappings (%zu)",
	   d->nmaps);
	OK(vfc_domain_unmap(d, 0x110000, &got, &e) == 0 && got == 0x10000,
	   "item 6: the second fixed map can be unmapped alone");
	OK(vfc_domain_map(d, a, 2, &e) == 0 && d->nmaps == 2,
	   "adjacent requests without @IOVA still share one mapping (the mapping limit)");
	OK(vfc_domain_unmap(d, a[1].iova, &got, &e) == -EINVAL && strstr(e.what, "merged") &&
	   strstr(e.what, "2 requests"), "item 6: unmapping inside a merged mapping says why (%s)",
	   e.what);
	vfc_domain_destroy(d, NULL);
}

/* ---- item 2: SPAPR v2 refused with EPERM falls back to v1 under auto ---- */
static void test_spapr_fallback(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	int rc;

	fake_reset();
	fk.ext = (1u << VFIO_SPAPR_TCE_IOMMU) | (1u << VFIO_SPAPR_TCE_v2_IOMMU);
	fk.set_iommu_errno[VFIO_SPAPR_TCE_v2_IOMMU] = EPERM;
	fk.spapr_size = 1ULL << 30;
	rc = create_nocdev(VFC_BACKEND_AUTO, g5, 1, &d, &e);
	OK(rc == 0 && d && d->backend == VFC_BACKEND_SPAPR && fk.iommu_type == VFIO_SPAPR_TCE_IOMMU,
	   "item 2: auto retries v1 after SET_IOMMU(v2) EPERM and reports spapr (rc %d: %s)", rc,
	   e.what);
	OK(d && d->spapr_fallback, "the fallback is recorded for the report");
	vfc_domain_destroy(d, NULL);
	fake_reset();
	fk.ext = (1u << VFIO_SPAPR_TCE_IOMMU) | (1u << VFIO_SPAPR_TCE_v2_IOMMU);
	fk.set_iommu_errno[VFIO_SPAPR_TCE_v2_IOMMU] = EPERM;
	fk.spapr_size = 1ULL << 30;
	d = NULL;
	rc = create_nocdev(VFC_BACKEND_SPAPR2, g5, 1, &d, &e);
	OK(rc == -EPERM && !d, "an explicit --backend spapr2 is not silently changed");
}

/* ---- item 9: a default window of size 0 is "no default window", not 0..2^64-1 ---- */
static void test_spapr_no_default(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	int rc;

	fake_reset();
	fk.ext = 1u << VFIO_SPAPR_TCE_IOMMU;
	fk.spapr_size = 0;
	rc = create(VFC_BACKEND_SPAPR, g5, 1, &d, &e);
	OK(rc != 0 && !(d && d->has_window && d->window.last == UINT64_MAX),
	   "item 9: no window is granted when the platform reports none (rc %d)", rc);
	OK(rc == 0 || strstr(e.what, "no default"), "item 9: the error says so (%s)", e.what);
	vfc_domain_destroy(d, NULL);
}

/* ---- item 4: SPAPR's memlock charges are checked before the kernel refuses them ---- */
static void test_spapr_memlock(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain_req req = { .backend = VFC_BACKEND_SPAPR2, .has_window = true,
				      .window = { .size = 1ULL << 40 }, .page_size = 0x10000 };
	struct vfc_domain *d = NULL;
	struct rlimit old, rl;
	struct vfc_err e;
	int rc;

	getrlimit(RLIMIT_MEMLOCK, &old);
	rl = old;
	rl.rlim_cur = 8ULL << 20;	/* the usual 8 MiB */
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < rl.rlim_cur)
		rl.rlim_cur = old.rlim_max;
	setrlimit(RLIMIT_MEMLOCK, &rl);
	cap_effective(CAP_IPC_LOCK, false);
	fake_reset();
	fk.ext = 1u << VFIO_SPAPR_TCE_IOMMU;
	fk.spapr_size = 1ULL << 30;
	rc = create(VFC_BACKEND_SPAPR, g5, 1, &d, &e);
	OK(rc == -EPERM && strstr(e.what, "RLIMIT_MEMLOCK") && strstr(e.what, "short by"),
	   "item 4: v1 ENABLE's 1 GiB window charge is named with the shortfall (%s)", e.what);
	vfc_domain_destroy(d, NULL);
	d = NULL;
	fake_reset();
	fk.ext = (1u << VFIO_SPAPR_TCE_IOMMU) | (1u << VFIO_SPAPR_TCE_v2_IOMMU);
	fk.spapr_size = 1ULL << 30;
	fk.spapr_ddw = true;
	memset(&e, 0, sizeof(e));
	rc = vfc_domain_create(&ctx, g5, 1, one_bdf, 1, &req, &d, &e);
	OK(rc == -EPERM && strstr(e.what, "RLIMIT_MEMLOCK") && strstr(e.what, "TCE table"),
	   "item 4: v2's TCE table for a 1 TiB window (128 MiB) is named (%s)", e.what);
	vfc_domain_destroy(d, NULL);
	cap_effective(CAP_IPC_LOCK, true);
	setrlimit(RLIMIT_MEMLOCK, &old);
}

/* ---- item 3: iommufd per-process accounting when CAP_SYS_RESOURCE allows it ---- */
static void test_iommufd_rlimit_mode(void)
{
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	int rc;

	fake_reset();
	rc = create(VFC_BACKEND_IOMMUFD, NULL, 0, &d, &e);
	OK(rc == 0 && d, "iommufd domain over the fake kernel (%s: %s)", e.subject, e.what);
	OK(fk.option_val == 1 && !fk.option_after_alloc,
	   "item 3: RLIMIT_MODE=1 (per process) set before the IOAS exists (%d)", fk.option_val);
	OK(d && !d->memlock_per_user, "the domain says its pins count against this process");
	vfc_domain_destroy(d, NULL);
	d = NULL;
	fake_reset();
	fk.option_errno = EPERM;
	rc = create(VFC_BACKEND_IOMMUFD, NULL, 0, &d, &e);
	OK(rc == 0 && d && d->memlock_per_user,
	   "item 3: without CAP_SYS_RESOURCE (EPERM) the domain still comes up, per-user "
	   "accounting reported");
	vfc_domain_destroy(d, NULL);
}

/* ---- issue 20: a handoff binds, attaches, allocates and sets nothing ---- */
static void test_handoff(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain *d = NULL;
	struct vfc_err e = { { 0 }, { 0 } };
	int rc;

	fake_reset();
	rc = vfc_domain_handoff(&ctx, g5, 1, one_bdf, 1, VFC_BACKEND_IOMMUFD, &d, &e);
	OK(rc == 0 && d && d->handoff, "iommufd handoff over the fake kernel (%s: %s)", e.subject,
	   e.what);
	OK(d && d->iommufd >= 0 && d->ndevs == 1 && d->devs[0].fd >= 0,
	   "it holds /dev/iommu and the device's cdev");
	OK(fk.binds == 0 && !fk.ioas_allocated,
	   "no VFIO_DEVICE_BIND_IOMMUFD and no IOAS: the VMM binds and allocates (%d binds)",
	   fk.binds);
	OK(fk.option_val == 1 && d && !d->memlock_per_user,
	   "RLIMIT_MODE per process on the handed iommufd (%d)", fk.option_val);
	vfc_domain_destroy(d, NULL);
	d = NULL;
	fake_reset();
	fk.option_errno = EPERM;
	rc = vfc_domain_handoff(&ctx, g5, 1, one_bdf, 1, VFC_BACKEND_IOMMUFD, &d, &e);
	OK(rc == 0 && d && d->memlock_per_user,
	   "without CAP_SYS_RESOURCE the handoff says the VMM's pins count per user");
	vfc_domain_destroy(d, NULL);
	d = NULL;
	fake_reset();
	rc = vfc_domain_handoff(&ctx, g5, 1, one_bdf, 1, VFC_BACKEND_TYPE1V2, &d, &e);
	OK(rc == 0 && d && d->c.fd >= 0 && d->ngroups == 1 && d->groups[0].fd >= 0,
	   "legacy handoff holds the container and the group node (%s: %s)", e.subject, e.what);
	OK(fk.set_containers == 0 && fk.iommu_type == 0,
	   "no VFIO_GROUP_SET_CONTAINER and no VFIO_SET_IOMMU: the VMM sets them (%d, type %d)",
	   fk.set_containers, fk.iommu_type);
	vfc_domain_destroy(d, NULL);
}

/* ---- item 7: hot reset passes only the groups the kernel listed ---- */
static void test_hot_reset_fds(void)
{
	static const int g56[] = { 5, 6 };
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	int devfd, rc;

	fake_reset();
	fk.reset_groups[0] = 6;
	fk.nreset_groups = 1;
	if (create(VFC_BACKEND_TYPE1V2, g56, 2, &d, &e) || !d) {
		OK(0, "domain over groups 5 and 6 (%s)", e.what);
		return;
	}
	devfd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	rc = vfc_reset_hot(d, devfd, bdf0, &e);
	OK(rc == 0 && fk.hot_reset_count == 1 && fk.hot_reset_fds[0] == d->groups[1].fd,
	   "item 7: one fd, group 6's, for a reset the kernel says touches group 6 only "
	   "(rc %d, %d fds)", rc, fk.hot_reset_count);
	fk.nreset_groups = 2;
	fk.reset_groups[1] = 9;
	rc = vfc_reset_hot(d, devfd, bdf0, &e);
	OK(rc == -EPERM && strstr(e.what, "group 9"),
	   "a listed group the domain does not hold is named, not guessed (%s)", e.what);
	close(devfd);
	vfc_domain_destroy(d, NULL);
}

/* ---- issue 23 item 11: type1's EPERM (no interrupt remapping) is explained ---- */
static void test_type1_eperm(void)
{
	static const int g5[] = { 5 };
	struct vfc_domain *d = NULL;
	struct vfc_err e;
	char p[512];
	int rc;

	fake_reset();
	fk.set_iommu_errno[VFIO_TYPE1v2_IOMMU] = EPERM;
	rc = create_nocdev(VFC_BACKEND_AUTO, g5, 1, &d, &e);
	OK(rc == -EPERM && strstr(e.what, "VFIO_SET_IOMMU(3)") &&
	   strstr(e.what, "interrupt remapping") && strstr(e.what, "allow_unsafe_interrupts") &&
	   strstr(e.what, "forged") && !strstr(e.what, "virtio-iommu"),
	   "SET_IOMMU EPERM names the cause, the fix and what the unsafe one gives up (%s)",
	   e.what);
	OK(!strchr(e.what, '\n'), "in one line");
	dir("sys/devices/pci0000:00/0000:00:03.0/virtio0/iommu");
	dir("sys/class/iommu");
	snprintf(p, sizeof(p), "%s/sys/class/iommu/virtio0", root);
	if (symlink("../../devices/pci0000:00/0000:00:03.0/virtio0/iommu", p))
		perror("symlink");
	fake_reset();
	fk.set_iommu_errno[VFIO_TYPE1v2_IOMMU] = EPERM;
	rc = create_nocdev(VFC_BACKEND_AUTO, g5, 1, &d, &e);
	OK(rc == -EPERM && strstr(e.what, "virtio-iommu") && strstr(e.what, "intremap=on"),
	   "under virtio-iommu the message names it (%s)", e.what);
	unlink(p);
}

int main(void)
{
	fixture();
	test_unmap_partial();
	test_align_64k();
	test_fixed_no_merge();
	test_spapr_fallback();
	test_spapr_no_default();
	test_spapr_memlock();
	test_iommufd_rlimit_mode();
	test_handoff();
	test_hot_reset_fds();
	test_type1_eperm();
	fixture_done();
	{
		struct vfio_iommu_type1_dma_map m = { .argsz = 8 };

		OK(short_argsz("container", VFIO_IOMMU_MAP_DMA, &m),
		   "the fake kernel refuses a short argsz (its check can fail)");
	}
	OK(nshort_argsz == 0, "every ioctl the core made had an argsz covering its struct (%d short)",
	   nshort_argsz);
	return tap_done();
}
