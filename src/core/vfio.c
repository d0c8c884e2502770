// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/trace.h"
#include "core/util.h"
#include "core/vfio.h"

void vfc_err_set(struct vfc_err *e, const char *subject, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	snprintf(e->subject, sizeof(e->subject), "%s", subject ? subject : "");
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

/*
 * The system call itself. Weak so that a unit test can link its own fake kernel in its place
 * (tests/unit/test_domain.c) and reach the paths no emulated IOMMU here reaches.
 */
__attribute__((weak)) int vfc_sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

/*
 * Every ioctl of the tool passes here: EINTR retried, -errno returned, traced at -vv. The
 * trace names the request as the call site spells it: VFIO numbers its requests per kind of
 * file (a container's VFIO_IOMMU_MAP_DMA is a device's VFIO_DEVICE_PCI_HOT_RESET), so the
 * number alone cannot say which one it was.
 */
static int xioctl_named(int fd, unsigned long req, void *arg, const char *name)
{
	int r;

	do
		r = vfc_sys_ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	r = r < 0 ? -errno : r;
	vfc_trace_ioctl(fd, name, r);
	return r;
}
#define xioctl(fd, req, arg) xioctl_named(fd, req, arg, #req)

#define IOCTL_OR_FAIL(fd, req, arg, e, subj, ...)                                       \
	do {                                                                             \
		int rc_ = xioctl_named(fd, req, arg, #req);                              \
		if (rc_ < 0) {                                                           \
			vfc_err_set(e, subj, __VA_ARGS__);                               \
			return rc_;                                                      \
		}                                                                        \
	} while (0)

static int open_node(const struct vfc_ctx *ctx, const char *node, int flags, struct vfc_err *e,
		     const char *what)
{
	char path[PATH_MAX];
	int fd, rc;

	rc = vfc_path(ctx, path, sizeof(path), "%s", node);
	if (rc) {
		vfc_err_set(e, node, "%s", what);
		return rc;
	}
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		vfc_err_set(e, node, "%s", what);
		return rc;
	}
	return fd;
}

/* ---- container ---- */

int vfc_container_open(const struct vfc_ctx *ctx, struct vfc_container *c, struct vfc_err *e)
{
	int fd, v;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	fd = open_node(ctx, "/dev/vfio/vfio", O_RDWR, e, "cannot open the VFIO container");
	if (fd < 0)
		return fd;
	v = xioctl(fd, VFIO_GET_API_VERSION, NULL);
	if (v < 0 || v != VFIO_API_VERSION) {
		close(fd);
		vfc_err_set(e, "/dev/vfio/vfio", "VFIO API version %d, expected %d", v,
			    VFIO_API_VERSION);
		return v < 0 ? v : -EPROTO;
	}
	c->fd = fd;
	c->api_version = v;
	c->type1 = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_TYPE1_IOMMU) > 0;
	c->type1v2 = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_TYPE1v2_IOMMU) > 0;
	c->unmap_all = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_UNMAP_ALL) > 0;
	c->update_vaddr = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_UPDATE_VADDR) > 0;
	c->spapr = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_SPAPR_TCE_IOMMU) > 0;
	c->spapr2 = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_SPAPR_TCE_v2_IOMMU) > 0;
	c->noiommu = xioctl(fd, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_NOIOMMU_IOMMU) > 0;
	return 0;
}

void vfc_container_close(struct vfc_container *c)
{
	vfc_close_fd(&c->fd);
}

int vfc_container_set_iommu(struct vfc_container *c, int type, struct vfc_err *e)
{
	IOCTL_OR_FAIL(c->fd, VFIO_SET_IOMMU, (void *)(long)type, e, "/dev/vfio/vfio",
		      "VFIO_SET_IOMMU(%d)", type);
	c->iommu_type = type;
	return 0;
}

/* ---- groups ---- */

int vfc_vgroup_open(const struct vfc_ctx *ctx, int id, bool noiommu, struct vfc_vgroup *g,
		    struct vfc_err *e)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char node[64];
	int fd, rc;

	memset(g, 0, sizeof(*g));
	g->fd = -1;
	g->id = id;
	g->noiommu = noiommu;
	snprintf(node, sizeof(node), noiommu ? "/dev/vfio/noiommu-%d" : "/dev/vfio/%d", id);
	fd = open_node(ctx, node, O_RDWR, e, "cannot open the group");
	if (fd < 0)
		return fd;
	rc = xioctl(fd, VFIO_GROUP_GET_STATUS, &st);
	if (rc < 0) {
		close(fd);
		vfc_err_set(e, node, "VFIO_GROUP_GET_STATUS");
		return rc;
	}
	g->fd = fd;
	g->viable = st.flags & VFIO_GROUP_FLAGS_VIABLE;
	if (!g->viable) {
		vfc_err_set(e, node, "group is not viable (a device in it is on a host driver)");
		return -EPERM;
	}
	return 0;
}

int vfc_vgroup_set_container(struct vfc_vgroup *g, struct vfc_container *c, struct vfc_err *e)
{
	char node[64];

	snprintf(node, sizeof(node), "/dev/vfio/%s%d", g->noiommu ? "noiommu-" : "", g->id);
	IOCTL_OR_FAIL(g->fd, VFIO_GROUP_SET_CONTAINER, &c->fd, e, node, "VFIO_GROUP_SET_CONTAINER");
	g->attached = true;
	return 0;
}

int vfc_vgroup_unset_container(struct vfc_vgroup *g, struct vfc_err *e)
{
	char node[64];

	if (!g->attached)
		return 0;
	snprintf(node, sizeof(node), "/dev/vfio/%s%d", g->noiommu ? "noiommu-" : "", g->id);
	IOCTL_OR_FAIL(g->fd, VFIO_GROUP_UNSET_CONTAINER, NULL, e, node,
		      "VFIO_GROUP_UNSET_CONTAINER");
	g->attached = false;
	return 0;
}

void vfc_vgroup_close(struct vfc_vgroup *g)
{
	vfc_close_fd(&g->fd);
}

/* "BDF vf_token=UUID": vfio-pci's match() reads the token after the name. */
static void vf_token_name(char *buf, size_t len, const char *bdf, const uint8_t *token)
{
	const uint8_t *u = token;

	if (!token) {
		snprintf(buf, len, "%s", bdf);
		return;
	}
	snprintf(buf, len,
		 "%s vf_token=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 bdf, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

int vfc_vgroup_device_fd(struct vfc_vgroup *g, const char *bdf, const uint8_t *vf_token,
			 struct vfc_err *e)
{
	char name[128];
	int fd;

	vf_token_name(name, sizeof(name), bdf, vf_token);
	fd = xioctl(g->fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (fd < 0)
		vfc_err_set(e, bdf, "VFIO_GROUP_GET_DEVICE_FD on group %d%s", g->id,
			    vf_token ? " with a VF token" : "");
	return fd;
}

/* ---- type1 ---- */

/* The fixed part of a type1 info capability: what must fit in the buffer to read it. */
static size_t cap_size(uint16_t id)
{
	switch (id) {
	case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
		return sizeof(struct vfio_iommu_type1_info_cap_iova_range);
	case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
		return sizeof(struct vfio_iommu_type1_info_dma_avail);
	case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION:
		return sizeof(struct vfio_iommu_type1_info_cap_migration);
	default:
		return sizeof(struct vfio_info_cap_header);
	}
}

static int parse_caps(const uint8_t *buf, size_t len, uint32_t off, struct vfc_type1_info *info)
{
	int hops = 0;

	while (off) {
		const struct vfio_info_cap_header *h;

		/* The chain lives inside the buffer the kernel filled; a bad offset is a bug. */
		if (off < sizeof(struct vfio_iommu_type1_info) || off + sizeof(*h) > len ||
		    hops++ > 64)
			return -EPROTO;
		h = (const void *)(buf + off);
		if (off + cap_size(h->id) > len)
			return -EPROTO;
		switch (h->id) {
		case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: {
			const struct vfio_iommu_type1_info_cap_iova_range *r = (const void *)h;
			size_t need = sizeof(*r) + (size_t)r->nr_iovas * sizeof(r->iova_ranges[0]);

			if (off + need > len)
				return -EPROTO;
			free(info->ranges);
			info->ranges = calloc(r->nr_iovas ? r->nr_iovas : 1, sizeof(*info->ranges));
			if (!info->ranges)
				return -ENOMEM;
			info->nranges = r->nr_iovas;
			for (uint32_t i = 0; i < r->nr_iovas; i++) {
				info->ranges[i].start = r->iova_ranges[i].start;
				info->ranges[i].last = r->iova_ranges[i].end;
			}
			break;
		}
		case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: {
			const struct vfio_iommu_type1_info_dma_avail *d = (const void *)h;

			info->has_dma_avail = true;
			info->dma_avail = d->avail;
			break;
		}
		case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION: {
			const struct vfio_iommu_type1_info_cap_migration *m = (const void *)h;

			info->has_migration = true;
			info->mig_pgsizes = m->pgsize_bitmap;
			info->mig_max_dirty_bitmap = m->max_dirty_bitmap_size;
			break;
		}
		default:
			break;
		}
		off = h->next;
	}
	return 0;
}

/*
 * A variable-size ioctl argument of len bytes, zeroed, its argsz (every such struct's first
 * field) set to len. NULL, with old freed, when out of memory.
 */
static void *argsz_realloc(void *old, size_t len)
{
	uint32_t argsz = (uint32_t)len;
	void *nb = realloc(old, len);

	if (!nb) {
		free(old);
		return NULL;
	}
	memset(nb, 0, len);
	memcpy(nb, &argsz, sizeof(argsz));
	return nb;
}
_Static_assert(offsetof(struct vfio_iommu_type1_info, argsz) == 0 &&
		       offsetof(struct vfio_pci_hot_reset_info, argsz) == 0,
	       "argsz_realloc's structs start with argsz");

int vfc_type1_info(struct vfc_container *c, struct vfc_type1_info *info, struct vfc_err *e)
{
	size_t len = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info *ti = NULL;
	int rc;

	memset(info, 0, sizeof(*info));
	/* Two calls: the kernel raises argsz to what the capability chain needs. */
	for (int tries = 0; tries < 4; tries++) {
		ti = argsz_realloc(ti, len);
		if (!ti)
			return -ENOMEM;
		rc = xioctl(c->fd, VFIO_IOMMU_GET_INFO, ti);
		if (rc < 0) {
			free(ti);
			vfc_err_set(e, "/dev/vfio/vfio", "VFIO_IOMMU_GET_INFO");
			return rc;
		}
		if (ti->argsz <= len)
			break;
		len = ti->argsz;
	}
	info->has_pgsizes = ti->flags & VFIO_IOMMU_INFO_PGSIZES;
	info->pgsizes = ti->iova_pgsizes;
	rc = 0;
	/* Old kernels (argsz without cap_offset) report no chain: no ranges, no DMA_AVAIL. */
	if ((ti->flags & VFIO_IOMMU_INFO_CAPS) && len >= sizeof(*ti) && ti->cap_offset)
		rc = parse_caps((const uint8_t *)ti, len, ti->cap_offset, info);
	free(ti);
	if (rc) {
		vfc_err_set(e, "/dev/vfio/vfio", "VFIO_IOMMU_GET_INFO capability chain");
		vfc_type1_info_free(info);
	}
	return rc;
}

void vfc_type1_info_free(struct vfc_type1_info *info)
{
	free(info->ranges);
	info->ranges = NULL;
	info->nranges = 0;
}

int vfc_type1_map(struct vfc_container *c, void *vaddr, uint64_t iova, uint64_t size,
		  bool writable, struct vfc_err *e)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | (writable ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	char sz[32];

	IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_MAP_DMA, &m, e, "/dev/vfio/vfio",
		      "VFIO_IOMMU_MAP_DMA %s at 0x%llx", vfc_format_size(size, sz, sizeof(sz)),
		      (unsigned long long)iova);
	return 0;
}

int vfc_type1_unmap(struct vfc_container *c, uint64_t iova, uint64_t size, uint64_t *unmapped,
		    struct vfc_err *e)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };
	char sz[32];

	IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_UNMAP_DMA, &u, e, "/dev/vfio/vfio",
		      "VFIO_IOMMU_UNMAP_DMA %s at 0x%llx", vfc_format_size(size, sz, sizeof(sz)),
		      (unsigned long long)iova);
	if (unmapped)
		*unmapped = u.size;
	return 0;
}

int vfc_type1_unmap_all(struct vfc_container *c, uint64_t *unmapped, struct vfc_err *e)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_ALL };

	if (!c->unmap_all) {
		vfc_err_set(e, "/dev/vfio/vfio", "VFIO_DMA_UNMAP_FLAG_ALL (kernel lacks VFIO_UNMAP_ALL)");
		return -EOPNOTSUPP;
	}
	IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_UNMAP_DMA, &u, e, "/dev/vfio/vfio",
		      "VFIO_IOMMU_UNMAP_DMA (all)");
	if (unmapped)
		*unmapped = u.size;
	return 0;
}

/* ---- SPAPR TCE ---- */

int vfc_spapr_info(struct vfc_container *c, struct vfc_spapr_info *info, struct vfc_err *e)
{
	struct vfio_iommu_spapr_tce_info ti = { .argsz = sizeof(ti) };

	IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &ti, e, "/dev/vfio/vfio",
		      "VFIO_IOMMU_SPAPR_TCE_GET_INFO");
	memset(info, 0, sizeof(*info));
	info->dma32_start = ti.dma32_window_start;
	info->dma32_size = ti.dma32_window_size;
	info->ddw = ti.flags & VFIO_IOMMU_SPAPR_INFO_DDW;
	if (info->ddw) {
		info->ddw_pgsizes = ti.ddw.pgsizes;
		info->ddw_max_windows = ti.ddw.max_dynamic_windows_supported;
		info->ddw_levels = ti.ddw.levels;
	}
	return 0;
}

int vfc_spapr_enable(struct vfc_container *c, bool enable, struct vfc_err *e)
{
	/* one request per call: the trace names the request the call site spells */
	if (enable)
		IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_ENABLE, NULL, e, "/dev/vfio/vfio", "VFIO_IOMMU_ENABLE");
	else
		IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_DISABLE, NULL, e, "/dev/vfio/vfio",
			      "VFIO_IOMMU_DISABLE");
	return 0;
}

int vfc_spapr_register(struct vfc_container *c, void *vaddr, uint64_t size, bool reg,
		       struct vfc_err *e)
{
	struct vfio_iommu_spapr_register_memory r = { .argsz = sizeof(r),
						      .vaddr = (uintptr_t)vaddr, .size = size };
	char sz[32];

	vfc_format_size(size, sz, sizeof(sz));
	if (reg)
		IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &r, e, "/dev/vfio/vfio",
			      "VFIO_IOMMU_SPAPR_REGISTER_MEMORY %s", sz);
	else
		IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, &r, e, "/dev/vfio/vfio",
			      "VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY %s", sz);
	return 0;
}

int vfc_spapr_create(struct vfc_container *c, unsigned page_shift, uint64_t size,
		     unsigned levels, uint64_t *start, struct vfc_err *e)
{
	struct vfio_iommu_spapr_tce_create cr = { .argsz = sizeof(cr), .page_shift = page_shift,
						  .window_size = size, .levels = levels };
	char sz[32];

	IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr, e, "/dev/vfio/vfio",
		      "VFIO_IOMMU_SPAPR_TCE_CREATE %s window, page shift %u, %u level%s",
		      vfc_format_size(size, sz, sizeof(sz)), page_shift, levels,
		      levels == 1 ? "" : "s");
	*start = cr.start_addr;
	return 0;
}

int vfc_spapr_remove(struct vfc_container *c, uint64_t start, struct vfc_err *e)
{
	struct vfio_iommu_spapr_tce_remove r = { .argsz = sizeof(r), .start_addr = start };

	IOCTL_OR_FAIL(c->fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &r, e, "/dev/vfio/vfio",
		      "VFIO_IOMMU_SPAPR_TCE_REMOVE(0x%llx)", (unsigned long long)start);
	return 0;
}

/* ---- iommufd + cdev ---- */

int vfc_iommufd_open(const struct vfc_ctx *ctx, int *fd, struct vfc_err *e)
{
	int r = open_node(ctx, "/dev/iommu", O_RDWR, e, "cannot open iommufd");

	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

int vfc_cdev_open(const struct vfc_ctx *ctx, const char *bdf, int *fd, char *node, size_t nodelen,
		  struct vfc_err *e)
{
	struct vfc_names names;
	char devattr[32], what[64];
	unsigned maj, min;
	struct stat st;
	int rc, f;

	rc = vfc_list_dir(ctx, &names, "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	if (rc || names.n != 1) {
		if (!rc)
			vfc_names_free(&names);
		vfc_err_set(e, bdf, "no vfio cdev (bound to vfio-pci on a kernel with "
			    "CONFIG_VFIO_DEVICE_CDEV?)");
		return rc ? rc : -ENODEV;
	}
	snprintf(node, nodelen, "/dev/vfio/devices/%s", names.v[0]);
	rc = vfc_read_attr(ctx, devattr, sizeof(devattr), "/sys/bus/pci/devices/%s/vfio-dev/%s/dev",
			   bdf, names.v[0]);
	vfc_names_free(&names);
	if (rc < 0 || sscanf(devattr, "%u:%u", &maj, &min) != 2) {
		vfc_err_set(e, bdf, "cannot read the vfio cdev's device number");
		return rc < 0 ? (int)rc : -EPROTO;
	}
	snprintf(what, sizeof(what), "cannot open the vfio cdev of %s", bdf);
	f = open_node(ctx, node, O_RDWR, e, what);
	if (f < 0)
		return f;
	/* A stale or foreign node with the right name must not be used. */
	if (fstat(f, &st) || !S_ISCHR(st.st_mode) || major(st.st_rdev) != maj ||
	    minor(st.st_rdev) != min) {
		close(f);
		vfc_err_set(e, node, "is not the cdev of %s (expected char %u:%u)", bdf, maj, min);
		return -ENODEV;
	}
	*fd = f;
	return 0;
}

int vfc_cdev_bind(int devfd, int iommufd, uint32_t *devid, const char *bdf,
		  const uint8_t *vf_token, struct vfc_err *e)
{
	/* The token's field is Linux 6.17's tail: without a token the argument stays 6.6's. */
	struct vfc_bind_iommufd_token b = {
		.argsz = vf_token ? sizeof(b) : offsetof(struct vfc_bind_iommufd_token, token_uuid_ptr),
		.iommufd = iommufd,
	};
	uint8_t uuid[16];

	if (vf_token) {
		memcpy(uuid, vf_token, sizeof(uuid));
		b.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		b.token_uuid_ptr = (uintptr_t)uuid;
	}
	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_BIND_IOMMUFD, &b, e, bdf, "VFIO_DEVICE_BIND_IOMMUFD%s",
		      vf_token ? " with a VF token" : "");
	*devid = b.out_devid;
	return 0;
}

int vfc_device_set_vf_token(int devfd, const char *bdf, const uint8_t vf_token[16],
			    struct vfc_err *e)
{
	uint64_t buf[(sizeof(struct vfio_device_feature) + 16 + 7) / 8] = { 0 };
	struct vfio_device_feature *f = (struct vfio_device_feature *)buf;

	f->argsz = sizeof(struct vfio_device_feature) + 16;
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	memcpy(f->data, vf_token, 16);
	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_FEATURE, f, e, bdf,
		      "VFIO_DEVICE_FEATURE(SET PCI_VF_TOKEN)");
	return 0;
}

int vfc_cdev_attach(int devfd, uint32_t pt_id, const char *bdf, struct vfc_err *e)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a), .pt_id = pt_id };

	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a, e, bdf,
		      "VFIO_DEVICE_ATTACH_IOMMUFD_PT(%u)", pt_id);
	return 0;
}

int vfc_cdev_detach(int devfd, const char *bdf, struct vfc_err *e)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d, e, bdf,
		      "VFIO_DEVICE_DETACH_IOMMUFD_PT");
	return 0;
}

int vfc_ioas_alloc(int iommufd, uint32_t *ioas, struct vfc_err *e)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	IOCTL_OR_FAIL(iommufd, IOMMU_IOAS_ALLOC, &a, e, "/dev/iommu", "IOMMU_IOAS_ALLOC");
	*ioas = a.out_ioas_id;
	return 0;
}

int vfc_ioas_ranges(int iommufd, uint32_t ioas, struct vfc_range **ranges, size_t *n,
		    uint64_t *alignment, struct vfc_err *e)
{
	struct iommu_iova_range *buf = NULL;
	uint32_t cap = 0;
	int rc;

	*ranges = NULL;
	*n = 0;
	/* Two calls: too small an array is EMSGSIZE with num_iovas set to what is needed. */
	for (int tries = 0; tries < 4; tries++) {
		struct iommu_ioas_iova_ranges r = {
			.size = sizeof(r), .ioas_id = ioas, .num_iovas = cap,
			.allowed_iovas = (uintptr_t)buf,
		};

		rc = xioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &r);
		if (rc == -EMSGSIZE && r.num_iovas > cap) {
			void *nb = reallocarray(buf, r.num_iovas, sizeof(*buf));

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = r.num_iovas;
			continue;
		}
		if (rc < 0)
			break;
		*alignment = r.out_iova_alignment;
		*ranges = calloc(r.num_iovas ? r.num_iovas : 1, sizeof(**ranges));
		if (!*ranges) {
			free(buf);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < r.num_iovas; i++) {
			(*ranges)[i].start = buf[i].start;
			(*ranges)[i].last = buf[i].last;
		}
		*n = r.num_iovas;
		free(buf);
		return 0;
	}
	free(buf);
	vfc_err_set(e, "/dev/iommu", "IOMMU_IOAS_IOVA_RANGES");
	return rc < 0 ? rc : -EPROTO;
}

int vfc_ioas_allow(int iommufd, uint32_t ioas, const struct vfc_range *r, size_t n,
		   struct vfc_err *e)
{
	struct iommu_iova_range *buf = calloc(n ? n : 1, sizeof(*buf));
	struct iommu_ioas_allow_iovas a = { .size = sizeof(a), .ioas_id = ioas,
					    .num_iovas = (uint32_t)n };
	int rc;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		buf[i].start = r[i].start;
		buf[i].last = r[i].last;
	}
	a.allowed_iovas = (uintptr_t)buf;
	rc = xioctl(iommufd, IOMMU_IOAS_ALLOW_IOVAS, &a);
	free(buf);
	if (rc < 0)
		vfc_err_set(e, "/dev/iommu", "IOMMU_IOAS_ALLOW_IOVAS");
	return rc < 0 ? rc : 0;
}

int vfc_ioas_map(int iommufd, uint32_t ioas, void *vaddr, uint64_t len, bool fixed,
		 uint64_t *iova, bool writable, struct vfc_err *e)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | (writable ? IOMMU_IOAS_MAP_WRITEABLE : 0) |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = ioas,
		.user_va = (uintptr_t)vaddr,
		.length = len,
		.iova = fixed ? *iova : 0,
	};
	char sz[32];

	IOCTL_OR_FAIL(iommufd, IOMMU_IOAS_MAP, &m, e, "/dev/iommu", "IOMMU_IOAS_MAP %s%s0x%llx",
		      vfc_format_size(len, sz, sizeof(sz)), fixed ? " at " : " near ",
		      (unsigned long long)m.iova);
	*iova = m.iova;
	return 0;
}

int vfc_ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova, uint64_t len, uint64_t *unmapped,
		   struct vfc_err *e)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas, .iova = iova,
				      .length = len };

	IOCTL_OR_FAIL(iommufd, IOMMU_IOAS_UNMAP, &u, e, "/dev/iommu", "IOMMU_IOAS_UNMAP at 0x%llx",
		      (unsigned long long)iova);
	if (unmapped)
		*unmapped = u.length;
	return 0;
}

int vfc_iommufd_rlimit_mode(int iommufd, bool per_process, struct vfc_err *e)
{
	struct iommu_option o = { .size = sizeof(o), .option_id = IOMMU_OPTION_RLIMIT_MODE,
				  .op = IOMMU_OPTION_OP_SET, .val64 = per_process ? 1 : 0 };

	IOCTL_OR_FAIL(iommufd, IOMMU_OPTION, &o, e, "/dev/iommu", "IOMMU_OPTION RLIMIT_MODE=%s",
		      per_process ? "1 (per process)" : "0 (per user)");
	return 0;
}

int vfc_iommufd_destroy(int iommufd, uint32_t id, struct vfc_err *e)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	IOCTL_OR_FAIL(iommufd, IOMMU_DESTROY, &d, e, "/dev/iommu", "IOMMU_DESTROY(%u)", id);
	return 0;
}

/* ---- devices ---- */

int vfc_device_info(int devfd, const char *bdf, struct vfc_devinfo *info, struct vfc_err *e)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };

	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_GET_INFO, &di, e, bdf, "VFIO_DEVICE_GET_INFO");
	info->flags = di.flags;
	info->num_regions = di.num_regions;
	info->num_irqs = di.num_irqs;
	return 0;
}

int vfc_device_region(int devfd, const char *bdf, uint32_t index, uint64_t *size,
		      uint64_t *offset, uint32_t *flags, struct vfc_err *e)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri, e, bdf,
		      "VFIO_DEVICE_GET_REGION_INFO(%u)", index);
	*size = ri.size;
	*offset = ri.offset;
	*flags = ri.flags;
	return 0;
}

int vfc_device_reset(int devfd, const char *bdf, struct vfc_err *e)
{
	IOCTL_OR_FAIL(devfd, VFIO_DEVICE_RESET, NULL, e, bdf, "VFIO_DEVICE_RESET");
	return 0;
}

/* ---- backends ---- */

static const char *const backend_names[VFC_BACKEND_COUNT] = {
	[VFC_BACKEND_AUTO] = "auto",	   [VFC_BACKEND_TYPE1] = "type1",
	[VFC_BACKEND_TYPE1V2] = "type1v2", [VFC_BACKEND_IOMMUFD] = "iommufd",
	[VFC_BACKEND_SPAPR] = "spapr",	   [VFC_BACKEND_SPAPR2] = "spapr2",
	[VFC_BACKEND_NOIOMMU] = "noiommu",
};

const char *vfc_backend_name(enum vfc_backend b)
{
	return (unsigned)b < VFC_BACKEND_COUNT ? backend_names[b] : "?";
}

int vfc_backend_parse(const char *s, enum vfc_backend *b)
{
	for (unsigned i = 0; i < VFC_BACKEND_COUNT; i++)
		if (!strcmp(s, backend_names[i])) {
			*b = (enum vfc_backend)i;
			return 0;
		}
	return -EINVAL;
}

int vfc_backends_probe(const struct vfc_ctx *ctx, const char *bdf, unsigned *mask)
{
	struct vfc_container c;
	int rc;

	*mask = 0;
	rc = vfc_container_open(ctx, &c, NULL);
	if (!rc) {
		if (c.type1)
			*mask |= 1u << VFC_BACKEND_TYPE1;
		if (c.type1v2)
			*mask |= 1u << VFC_BACKEND_TYPE1V2;
		if (c.spapr)
			*mask |= 1u << VFC_BACKEND_SPAPR;
		if (c.spapr2)
			*mask |= 1u << VFC_BACKEND_SPAPR2;
		if (c.noiommu)
			*mask |= 1u << VFC_BACKEND_NOIOMMU;
		vfc_container_close(&c);
	}
	/* iommufd needs /dev/iommu and vfio cdevs (the vfio-dev class exists with CDEV=y). */
	if (vfc_exists(ctx, "/dev/iommu") == 1 && vfc_exists(ctx, "/sys/class/vfio-dev") == 1 &&
	    (!bdf || vfc_exists(ctx, "/sys/bus/pci/devices/%s/vfio-dev", bdf) == 1))
		*mask |= 1u << VFC_BACKEND_IOMMUFD;
	return *mask ? 0 : rc;
}

/* ---- reset (PCI hot reset; src/core/reset.c plans around these) ---- */

int vfc_device_hot_reset_info(int devfd, const char *bdf, struct vfc_hot_reset_info *info,
			      struct vfc_err *e)
{
	struct vfio_pci_hot_reset_info *hi = NULL;
	size_t len = sizeof(*hi);
	int rc = 0;

	memset(info, 0, sizeof(*info));
	/* Two calls: too small an argsz is ENOSPC with count set to what is needed. */
	for (int tries = 0; tries < 4; tries++) {
		hi = argsz_realloc(hi, len);
		if (!hi)
			return -ENOMEM;
		rc = xioctl(devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hi);
		if (rc == -ENOSPC && sizeof(*hi) + hi->count * sizeof(hi->devices[0]) > len) {
			len = sizeof(*hi) + hi->count * sizeof(hi->devices[0]);
			continue;
		}
		break;
	}
	if (rc < 0) {
		free(hi);
		vfc_err_set(e, bdf, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
		return rc;
	}
	info->flags = hi->flags;
	info->count = hi->count;
	info->devs = calloc(hi->count ? hi->count : 1, sizeof(*info->devs));
	if (!info->devs) {
		free(hi);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < hi->count; i++) {
		/* group_id shares its place with devid (cdev form) in newer headers. */
		info->devs[i].id = hi->devices[i].group_id;
		info->devs[i].segment = hi->devices[i].segment;
		info->devs[i].bus = hi->devices[i].bus;
		info->devs[i].devfn = hi->devices[i].devfn;
	}
	free(hi);
	return 0;
}

void vfc_hot_reset_info_free(struct vfc_hot_reset_info *info)
{
	free(info->devs);
	info->devs = NULL;
	info->count = 0;
}

int vfc_device_hot_reset(int devfd, const char *bdf, const int *group_fds, size_t n,
			 struct vfc_err *e)
{
	struct vfio_pci_hot_reset *hr;
	size_t len = sizeof(*hr) + n * sizeof(hr->group_fds[0]);
	int rc;

	hr = calloc(1, len);
	if (!hr)
		return -ENOMEM;
	hr->argsz = (uint32_t)len;
	hr->count = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		hr->group_fds[i] = group_fds[i];
	rc = xioctl(devfd, VFIO_DEVICE_PCI_HOT_RESET, hr);
	free(hr);
	if (rc < 0)
		vfc_err_set(e, bdf, "VFIO_DEVICE_PCI_HOT_RESET with %zu group fd%s%s", n,
			    n == 1 ? "" : "s", n ? "" : " (iommufd: every device owned)");
	return rc < 0 ? rc : 0;
}
