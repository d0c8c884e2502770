// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/raw-map GROUP SIZE 4K|2M ITERATIONS: the floor for P2 (map/unmap throughput). The same
 * work `vfioctl bench map` does through the core domain API, with nothing but the ioctls:
 *
 *   once:      open /dev/vfio/vfio and /dev/vfio/GROUP, SET_CONTAINER, SET_IOMMU(type1v2)
 *   per round: map    = mmap anonymous memory (MAP_HUGETLB 2 MiB for 2M) + VFIO_IOMMU_MAP_DMA
 *              unmap  = VFIO_IOMMU_UNMAP_DMA + munmap
 *
 * vfioctl's domain allocates a fresh buffer for every map and frees it after the unmap, so the
 * floor does too (the kernel pins, i.e. faults in, the pages during MAP_DMA either way).
 * Prints one JSON object: {"map_ns": [...], "unmap_ns": [...]} with one entry per round.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mman.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "raw-map: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 30; break;
	case 'M': case 'm': v <<= 20; break;
	case 'K': case 'k': v <<= 10; break;
	default: break;
	}
	return v;
}

int main(int argc, char **argv)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	uint64_t size, *map_ns, *unmap_ns;
	int container, group, iters, huge;

	if (argc != 5) {
		fprintf(stderr, "usage: raw-map GROUP SIZE 4K|2M ITERATIONS\n");
		return 2;
	}
	size = parse_size(argv[2]);
	huge = !strcmp(argv[3], "2M");
	iters = atoi(argv[4]);
	if (!size || iters < 1)
		return 2;
	map_ns = calloc((size_t)iters, sizeof(*map_ns));
	unmap_ns = calloc((size_t)iters, sizeof(*unmap_ns));
	if (!map_ns || !unmap_ns)
		die("calloc");

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("VFIO_GET_API_VERSION");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st) || !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group not viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	for (int i = 0; i < iters; i++) {
		int flags = MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB | (21 << MAP_HUGE_SHIFT) : 0);
		struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
		struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
		uint64_t t0, t1, t2;
		void *p;

		t0 = now_ns();
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
		map.vaddr = (uintptr_t)p;
		map.iova = 0;
		map.size = size;
		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
			die("VFIO_IOMMU_MAP_DMA");
		t1 = now_ns();
		unmap.iova = 0;
		unmap.size = size;
		if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) || unmap.size != size)
			die("VFIO_IOMMU_UNMAP_DMA");
		munmap(p, size);
		t2 = now_ns();
		map_ns[i] = t1 - t0;
		unmap_ns[i] = t2 - t1;
	}
	close(group);
	close(container);

	printf("{\"map_ns\": [");
	for (int i = 0; i < iters; i++)
		printf("%s%llu", i ? ", " : "", (unsigned long long)map_ns[i]);
	printf("], \"unmap_ns\": [");
	for (int i = 0; i < iters; i++)
		printf("%s%llu", i ? ", " : "", (unsigned long long)unmap_ns[i]);
	printf("]}\n");
	return 0;
}
