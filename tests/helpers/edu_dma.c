// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edu_dma — prove that a VFIO DMA mapping really works, with QEMU's "edu" device.
 *
 * The edu device (PCI 1234:11e8) copies up to 4095 bytes between its own 4 KiB buffer (at
 * 0x40000 in its address space) and an IOVA. We map a buffer, let the device copy page A of it
 * into the device and back out into page B, and compare: only a working IOMMU mapping at the
 * requested IOVA makes the bytes arrive. A random pattern per run keeps a stale device buffer
 * from faking success.
 *
 * Ways to get the device (all end in a device fd plus something that can map memory):
 *   --group /dev/vfio/N         legacy: new container, type1v2, map, GET_DEVICE_FD(BDF)
 *   --cdev /dev/vfio/devices/vfioX
 *                               iommufd: open /dev/iommu, BIND_IOMMUFD, IOAS_ALLOC, ATTACH
 *   --container-fd N --device-fd N
 *                               inherited from `vfioctl exec`: the container already has its
 *                               IOMMU set; we map our own buffer through it
 *   --iommufd N --ioas ID --device-fd N
 *                               inherited, iommufd: the device is bound and attached to ID
 * Options: --iova ADDR (default 0x100000; the device reaches IOVAs below 256 MiB only, higher
 * ones are clamped by QEMU and fault), --len BYTES (1..4095, default 4095), --dma-offset OFF
 * (tell the device IOVA+OFF instead of IOVA: a deliberate wrong address), --quiet.
 * Exit: 0 data matched; 1 mismatch or DMA error; 2 usage; 3 setup failed.
 * Built with kernel uAPI headers and libc only (the iommufd bits are declared below when the
 * installed headers predate them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

/* iommufd uAPI (Linux 6.2+) and the vfio cdev ioctls (Linux 6.6+): ABI, stable by definition. */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#endif
#define EDU_IOMMUFD_TYPE ';'
struct edu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
struct edu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define EDU_IOMMU_IOAS_ALLOC _IO(EDU_IOMMUFD_TYPE, 0x81)
#define EDU_IOMMU_IOAS_MAP _IO(EDU_IOMMUFD_TYPE, 0x85)
#define EDU_IOAS_MAP_FIXED_IOVA (1u << 0)
#define EDU_IOAS_MAP_WRITEABLE (1u << 1)
#define EDU_IOAS_MAP_READABLE (1u << 2)

/* edu registers (BAR0) */
#define EDU_IDENT 0x00
#define EDU_IDENT_VALUE 0x010000edu
#define EDU_LIVENESS 0x04
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_DEV_BUF 0x40000
#define EDU_MAX_LEN 4095 /* 4096 aborts QEMU 7.2 (off-by-one in its range check) */

enum { EXIT_MISMATCH = 1, EXIT_USAGE = 2, EXIT_SETUP = 3 };

static const char *bdf = "";
static bool quiet;

static void __attribute__((format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "edu_dma: %s: ", bdf);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	printf("edu_dma: %s: ", bdf);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: edu_dma BDF (--group /dev/vfio/N | --cdev /dev/vfio/devices/vfioX |\n"
		"                    --container-fd N --device-fd N |\n"
		"                    --iommufd N --ioas ID --device-fd N)\n"
		"               [--iova ADDR] [--len BYTES] [--dma-offset OFF] [--quiet]\n"
		"Maps a buffer at IOVA, has the edu device copy RAM -> device -> RAM, compares.\n"
		"Exit: 0 match, 1 mismatch/DMA error, 2 usage, 3 setup failed.\n");
}

static uint64_t parse_u64(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die(EXIT_USAGE, "%s: not a number: '%s'", opt, s);
	return v;
}

/* BAR0 access: mmap when the region allows it, else pread/pwrite on the device fd. */
struct bar {
	int fd;
	uint64_t offset;
	uint64_t size;
	volatile uint8_t *map;
};

static uint32_t bar_read32(struct bar *b, uint64_t reg)
{
	uint32_t v;

	if (b->map)
		return *(volatile uint32_t *)(b->map + reg);
	if (pread(b->fd, &v, sizeof(v), (off_t)(b->offset + reg)) != sizeof(v))
		die(EXIT_SETUP, "BAR0 read at 0x%" PRIx64 ": %s", reg, strerror(errno));
	return v;
}

static uint64_t bar_read64(struct bar *b, uint64_t reg)
{
	uint64_t v;

	if (b->map)
		return *(volatile uint64_t *)(b->map + reg);
	if (pread(b->fd, &v, sizeof(v), (off_t)(b->offset + reg)) != sizeof(v))
		die(EXIT_SETUP, "BAR0 read at 0x%" PRIx64 ": %s", reg, strerror(errno));
	return v;
}

static void bar_write32(struct bar *b, uint64_t reg, uint32_t v)
{
	if (b->map) {
		*(volatile uint32_t *)(b->map + reg) = v;
		return;
	}
	if (pwrite(b->fd, &v, sizeof(v), (off_t)(b->offset + reg)) != sizeof(v))
		die(EXIT_SETUP, "BAR0 write at 0x%" PRIx64 ": %s", reg, strerror(errno));
}

static void bar_write64(struct bar *b, uint64_t reg, uint64_t v)
{
	if (b->map) {
		*(volatile uint64_t *)(b->map + reg) = v;
		return;
	}
	if (pwrite(b->fd, &v, sizeof(v), (off_t)(b->offset + reg)) != sizeof(v))
		die(EXIT_SETUP, "BAR0 write at 0x%" PRIx64 ": %s", reg, strerror(errno));
}

/* Memory decoding and bus mastering: vfio-pci enables the device but not bus mastering,
 * and without it QEMU drops the edu device's DMA. */
static void enable_bus_master(int devfd)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t cmd;

	if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die(EXIT_SETUP, "config region info: %s", strerror(errno));
	if (pread(devfd, &cmd, sizeof(cmd), (off_t)(ri.offset + 0x04)) != sizeof(cmd))
		die(EXIT_SETUP, "config read: %s", strerror(errno));
	cmd |= 0x2 /* memory */ | 0x4 /* bus master */;
	if (pwrite(devfd, &cmd, sizeof(cmd), (off_t)(ri.offset + 0x04)) != sizeof(cmd))
		die(EXIT_SETUP, "config write: %s", strerror(errno));
}

static void bar_open(struct bar *b, int devfd)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
	void *p;

	if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die(EXIT_SETUP, "BAR0 region info: %s", strerror(errno));
	if (ri.size < 0x100)
		die(EXIT_SETUP, "BAR0 is %llu bytes: not an edu device",
		    (unsigned long long)ri.size);
	b->fd = devfd;
	b->offset = ri.offset;
	b->size = ri.size;
	b->map = NULL;
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, devfd, (off_t)ri.offset);
		if (p != MAP_FAILED)
			b->map = p;
	}
	info("BAR0 %llu bytes, %s", (unsigned long long)ri.size, b->map ? "mmap" : "pread/pwrite");
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		die(EXIT_SETUP, "cannot open %s: %s", path, strerror(errno));
	return fd;
}

static void map_type1(int container, void *buf, uint64_t size, uint64_t iova)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m))
		die(EXIT_SETUP, "VFIO_IOMMU_MAP_DMA %" PRIu64 " bytes at IOVA 0x%" PRIx64 ": %s",
		    size, iova, strerror(errno));
}

static void map_iommufd(int iommufd, uint32_t ioas, void *buf, uint64_t size, uint64_t iova)
{
	struct edu_ioas_map m = {
		.size = sizeof(m),
		.flags = EDU_IOAS_MAP_FIXED_IOVA | EDU_IOAS_MAP_READABLE | EDU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = size,
		.iova = iova,
	};

	if (ioctl(iommufd, EDU_IOMMU_IOAS_MAP, &m))
		die(EXIT_SETUP, "IOMMU_IOAS_MAP %" PRIu64 " bytes at IOVA 0x%" PRIx64 ": %s", size,
		    iova, strerror(errno));
}

/* Legacy path: container + group + type1v2. Returns the device fd, maps buf. */
static int setup_group(const char *group, void *buf, uint64_t size, uint64_t iova)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int container, grp, dev;

	container = open_or_die("/dev/vfio/vfio", O_RDWR);
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die(EXIT_SETUP, "unexpected VFIO API version");
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		die(EXIT_SETUP, "the kernel has no VFIO type1v2 IOMMU");
	grp = open_or_die(group, O_RDWR);
	if (ioctl(grp, VFIO_GROUP_GET_STATUS, &st))
		die(EXIT_SETUP, "VFIO_GROUP_GET_STATUS %s: %s", group, strerror(errno));
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die(EXIT_SETUP, "group %s is not viable (a device in it has a host driver)", group);
	if (ioctl(grp, VFIO_GROUP_SET_CONTAINER, &container))
		die(EXIT_SETUP, "VFIO_GROUP_SET_CONTAINER %s: %s", group, strerror(errno));
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die(EXIT_SETUP, "VFIO_SET_IOMMU type1v2: %s", strerror(errno));
	map_type1(container, buf, size, iova);
	dev = ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev < 0)
		die(EXIT_SETUP, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	info("group %s, container type1v2, mapped %" PRIu64 " bytes at IOVA 0x%" PRIx64, group,
	     size, iova);
	return dev;
}

/* iommufd path with a vfio cdev: bind, new IOAS, attach, map. Returns the device fd. */
static int setup_cdev(const char *cdev, void *buf, uint64_t size, uint64_t iova)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt att = { .argsz = sizeof(att) };
	struct edu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int iommufd, dev;

	dev = open_or_die(cdev, O_RDWR);
	iommufd = open_or_die("/dev/iommu", O_RDWR);
	bind.iommufd = iommufd;
	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die(EXIT_SETUP, "VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(errno));
	if (ioctl(iommufd, EDU_IOMMU_IOAS_ALLOC, &alloc))
		die(EXIT_SETUP, "IOMMU_IOAS_ALLOC: %s", strerror(errno));
	att.pt_id = alloc.out_ioas_id;
	if (ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att))
		die(EXIT_SETUP, "VFIO_DEVICE_ATTACH_IOMMUFD_PT: %s", strerror(errno));
	map_iommufd(iommufd, alloc.out_ioas_id, buf, size, iova);
	info("cdev %s, iommufd IOAS %u, mapped %" PRIu64 " bytes at IOVA 0x%" PRIx64, cdev,
	     alloc.out_ioas_id, size, iova);
	return dev;
}

/* One transfer; returns false when the device did not finish in time. */
static bool edu_transfer(struct bar *b, uint64_t src, uint64_t dst, uint32_t len, bool to_ram)
{
	struct timespec t0, t;

	bar_write64(b, EDU_DMA_SRC, src);
	bar_write64(b, EDU_DMA_DST, dst);
	bar_write64(b, EDU_DMA_CNT, len);
	bar_write64(b, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The edu device finishes from a QEMU timer (~100 ms); allow a slow TCG host 10 s. */
	while (bar_read64(b, EDU_DMA_CMD) & EDU_CMD_START) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10)
			return false;
		usleep(1000);
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "cdev", required_argument, NULL, 'c' },
		{ "container-fd", required_argument, NULL, 'C' },
		{ "iommufd", required_argument, NULL, 'I' },
		{ "ioas", required_argument, NULL, 'A' },
		{ "device-fd", required_argument, NULL, 'D' },
		{ "iova", required_argument, NULL, 'i' },
		{ "len", required_argument, NULL, 'l' },
		{ "dma-offset", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *group = NULL, *cdev = NULL;
	long container_fd = -1, iommufd = -1, device_fd = -1, ioas = -1;
	uint64_t iova = 0x100000, len = EDU_MAX_LEN, dma_offset = 0, size, pagesz;
	uint8_t *buf, *src, *dst;
	struct bar bar;
	uint32_t ident, live;
	size_t i, bad = 0;
	int c, dev, modes;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'g': group = optarg; break;
		case 'c': cdev = optarg; break;
		case 'C': container_fd = (long)parse_u64("--container-fd", optarg); break;
		case 'I': iommufd = (long)parse_u64("--iommufd", optarg); break;
		case 'A': ioas = (long)parse_u64("--ioas", optarg); break;
		case 'D': device_fd = (long)parse_u64("--device-fd", optarg); break;
		case 'i': iova = parse_u64("--iova", optarg); break;
		case 'l': len = parse_u64("--len", optarg); break;
		case 'o': dma_offset = parse_u64("--dma-offset", optarg); break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	bdf = argv[optind];
	modes = !!group + !!cdev + (container_fd >= 0) + (iommufd >= 0);
	if (modes != 1)
		die(EXIT_USAGE, "give exactly one of --group, --cdev, --container-fd, --iommufd");
	if ((container_fd >= 0 || iommufd >= 0) != (device_fd >= 0))
		die(EXIT_USAGE, "--device-fd goes with --container-fd or --iommufd (and only them)");
	if (iommufd >= 0 && ioas < 0)
		die(EXIT_USAGE, "--iommufd needs --ioas ID (the IOAS the device is attached to)");
	if (len == 0 || len > EDU_MAX_LEN)
		die(EXIT_USAGE, "--len must be 1..%d (the edu buffer; 4096 crashes QEMU 7.2)",
		    EDU_MAX_LEN);
	pagesz = (uint64_t)sysconf(_SC_PAGESIZE);
	if (iova % pagesz)
		die(EXIT_USAGE, "--iova 0x%" PRIx64 " is not aligned to the page size %" PRIu64, iova,
		    pagesz);

	/* Page A (source) and page B (destination) in one mapping. */
	size = 2 * pagesz;
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die(EXIT_SETUP, "mmap %" PRIu64 " bytes: %s", size, strerror(errno));
	src = buf;
	dst = buf + pagesz;
	if (getrandom(src, len, 0) != (ssize_t)len)
		die(EXIT_SETUP, "getrandom: %s", strerror(errno));
	for (i = 0; i < len; i++)
		dst[i] = (uint8_t)~src[i];

	if (group) {
		dev = setup_group(group, buf, size, iova);
	} else if (cdev) {
		dev = setup_cdev(cdev, buf, size, iova);
	} else if (container_fd >= 0) {
		dev = (int)device_fd;
		map_type1((int)container_fd, buf, size, iova);
		info("inherited container fd %ld, mapped at IOVA 0x%" PRIx64, container_fd, iova);
	} else {
		dev = (int)device_fd;
		map_iommufd((int)iommufd, (uint32_t)ioas, buf, size, iova);
		info("inherited iommufd %ld IOAS %ld, mapped at IOVA 0x%" PRIx64, iommufd, ioas,
		     iova);
	}

	enable_bus_master(dev);
	bar_open(&bar, dev);
	ident = bar_read32(&bar, EDU_IDENT);
	if (ident != EDU_IDENT_VALUE)
		die(EXIT_SETUP, "ident is 0x%08x, not 0x%08x: not an edu device", ident,
		    EDU_IDENT_VALUE);
	bar_write32(&bar, EDU_LIVENESS, 0x12345678u);
	live = bar_read32(&bar, EDU_LIVENESS);
	if (live != (uint32_t)~0x12345678u)
		die(EXIT_SETUP, "liveness check read 0x%08x, expected 0x%08x", live,
		    (uint32_t)~0x12345678u);
	info("ident 0x%08x, liveness ok", ident);

	if (!edu_transfer(&bar, iova + dma_offset, EDU_DEV_BUF, (uint32_t)len, false))
		die(EXIT_MISMATCH, "RAM -> device DMA did not complete");
	if (!edu_transfer(&bar, EDU_DEV_BUF, iova + dma_offset + pagesz, (uint32_t)len, true))
		die(EXIT_MISMATCH, "device -> RAM DMA did not complete");

	for (i = 0; i < len; i++)
		bad += src[i] != dst[i];
	if (bad)
		die(EXIT_MISMATCH,
		    "DMA round trip via IOVA 0x%" PRIx64 " failed: %zu of %" PRIu64
		    " bytes differ (an unmapped or clamped IOVA faults: see dmesg)",
		    iova + dma_offset, bad, len);
	info("DMA round trip of %" PRIu64 " bytes via IOVA 0x%" PRIx64 " matched", len,
	     iova + dma_offset);
	return 0;
}
