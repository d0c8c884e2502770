// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Prove a mapping carries DMA: with QEMU's edu device (1234:11e8) in the domain, copy a
 * pattern RAM -> device -> RAM through its DMA engine at the mapping's IOVA and compare.
 * edu's registers (BAR0): 0x00 ident, 0x80 src, 0x88 dst, 0x90 count, 0x98 command
 * (bit0 start, bit1 direction device->RAM). Its buffer sits at 0x40000; DMA mask 28 bits.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/domain.h"

#define EDU_IDENT 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_BUF 0x40000
#define EDU_DMA_LIMIT (1ULL << 28)
#define EDU_MAX_XFER 4095	/* QEMU 7.2's edu aborts on a 4096-byte transfer (off by one) */

/*
 * QEMU's edu is a native-endian device: its registers are big-endian on a pseries guest
 * (ident reads 0xed000001 there). Detected from the ident register, then swapped.
 */
static bool swapped;

static void w64(volatile uint8_t *bar, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = swapped ? __builtin_bswap64(v) : v;
	__sync_synchronize();
}

static uint32_t r32(volatile uint8_t *bar, unsigned off)
{
	uint32_t v;

	__sync_synchronize();
	v = *(volatile uint32_t *)(bar + off);
	return swapped ? __builtin_bswap32(v) : v;
}

static int wait_idle(volatile uint8_t *bar)
{
	struct timespec ts = { 0, 1000000 };

	/* TCG guests are slow; a transfer of a page takes well under a second. */
	for (int i = 0; i < 5000; i++) {
		if (!(r32(bar, EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int cfg_command(int fd, uint64_t cfg_off, uint16_t *old, uint16_t set)
{
	uint16_t v;

	if (pread(fd, &v, sizeof(v), (off_t)(cfg_off + 4)) != sizeof(v))
		return -errno ? -errno : -EIO;
	if (old)
		*old = v;
	v |= set;
	if (pwrite(fd, &v, sizeof(v), (off_t)(cfg_off + 4)) != sizeof(v))
		return -errno ? -errno : -EIO;
	return 0;
}

int vfc_verify_edu(struct vfc_domain *d, const char *bdf, const struct vfc_map_req *m,
		   size_t len, struct vfc_err *e)
{
	uint64_t bar_size, bar_off, cfg_size, cfg_off;
	uint32_t flags, cfg_flags;
	volatile uint8_t *bar;
	uint8_t *buf = m->vaddr, *pattern;
	uint16_t oldcmd = 0;
	int fd, rc;

	if (len == 0 || len > EDU_MAX_XFER || len > m->size)
		len = m->size < EDU_MAX_XFER ? m->size : EDU_MAX_XFER;
	if (m->iova + len > EDU_DMA_LIMIT) {
		vfc_err_set(e, bdf, "edu's DMA engine reaches only IOVAs below 256 MiB (mapping at "
			    "0x%llx)", (unsigned long long)m->iova);
		return -ERANGE;
	}
	rc = vfc_domain_device_fd(d, bdf, &fd, e);
	if (rc)
		return rc;
	rc = vfc_device_region(fd, bdf, VFIO_PCI_BAR0_REGION_INDEX, &bar_size, &bar_off, &flags, e);
	if (rc)
		return rc;
	rc = vfc_device_region(fd, bdf, VFIO_PCI_CONFIG_REGION_INDEX, &cfg_size, &cfg_off,
			       &cfg_flags, e);
	if (rc)
		return rc;
	if (!(flags & VFIO_REGION_INFO_FLAG_MMAP) || bar_size < 0x100) {
		vfc_err_set(e, bdf, "BAR0 cannot be mmapped");
		return -ENOTSUP;
	}
	bar = mmap(NULL, bar_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)bar_off);
	if (bar == MAP_FAILED) {
		rc = -errno;
		vfc_err_set(e, bdf, "mmap of BAR0");
		return rc;
	}
	swapped = false;
	if ((r32(bar, EDU_IDENT) & 0xff) != 0xed)
		swapped = true;
	if ((r32(bar, EDU_IDENT) & 0xff) != 0xed) {
		vfc_err_set(e, bdf, "not an edu device (ident 0x%08x)", r32(bar, EDU_IDENT));
		rc = -ENODEV;
		goto out;
	}
	/* The device may DMA only with Bus Master Enable set in its command register. */
	rc = cfg_command(fd, cfg_off, &oldcmd, 0x0006);
	if (rc) {
		vfc_err_set(e, bdf, "enabling bus mastering in config space");
		goto out;
	}
	pattern = malloc(len);
	if (!pattern) {
		rc = -ENOMEM;
		goto restore;
	}
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (size_t i = 0; i < len; i++)
		pattern[i] = (uint8_t)(rand() >> 7);
	memcpy(buf, pattern, len);
	w64(bar, EDU_DMA_SRC, m->iova);
	w64(bar, EDU_DMA_DST, EDU_BUF);
	w64(bar, EDU_DMA_CNT, len);
	w64(bar, EDU_DMA_CMD, EDU_CMD_START);
	rc = wait_idle(bar);
	if (!rc) {
		memset(buf, 0, len);
		w64(bar, EDU_DMA_SRC, EDU_BUF);
		w64(bar, EDU_DMA_DST, m->iova);
		w64(bar, EDU_DMA_CNT, len);
		w64(bar, EDU_DMA_CMD, EDU_CMD_START | EDU_CMD_TO_RAM);
		rc = wait_idle(bar);
	}
	if (rc)
		vfc_err_set(e, bdf, "edu DMA did not complete");
	else if (memcmp(buf, pattern, len)) {
		vfc_err_set(e, bdf, "DMA round trip through IOVA 0x%llx returned different data",
			    (unsigned long long)m->iova);
		rc = -EIO;
	}
	free(pattern);
restore:
	/* Put the command register back as it was (bus mastering off again). */
	if (pwrite(fd, &oldcmd, sizeof(oldcmd), (off_t)(cfg_off + 4)) != sizeof(oldcmd) && !rc) {
		rc = -EIO;
		vfc_err_set(e, bdf, "restoring the PCI command register");
	}
out:
	munmap((void *)bar, bar_size);
	return rc;
}
