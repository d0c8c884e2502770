// SPDX-License-Identifier: GPL-2.0-or-later
/* Config-space parsing: FLR, PM NoSoftRst, ACS, bridges, malformed capability lists. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pcicfg.h"
#include "core/topology.h"
#include "tap.h"

static uint8_t cfg[4096];

static void w16(unsigned off, uint16_t v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = v >> 8;
}

static void w32(unsigned off, uint32_t v)
{
	w16(off, v & 0xffff);
	w16(off + 2, v >> 16);
}

/* Endpoint with PM at 0x40 -> PCIe at 0x50; ACS ext cap at 0x100 -> SR-IOV at 0x140. */
static void build(int header, int flr, int nosoftrst, int acs)
{
	memset(cfg, 0, sizeof(cfg));
	w16(0x00, 0x8086);
	w16(0x06, 0x0010);		/* status: capability list */
	cfg[0x0e] = (uint8_t)header | 0x80;
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x01;		/* PM */
	cfg[0x41] = 0x50;
	w16(0x44, nosoftrst ? 0x0008 : 0);
	cfg[0x50] = 0x10;		/* PCIe */
	cfg[0x51] = 0x00;
	w16(0x52, (uint16_t)((header == 1 ? 4 : 0) << 4));	/* root port or endpoint */
	w32(0x54, flr ? (1u << 28) : 0);
	if (acs) {
		w32(0x100, 0x000d | (1u << 16) | (0x140u << 20));
		w16(0x104, 0x001f);
		w16(0x106, 0x001d);
		w32(0x140, 0x0010 | (1u << 16));
	} else {
		w32(0x100, 0x0010 | (1u << 16));
	}
}

/* A config space of random bytes with a plausible (or broken) capability structure. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void build_random(void)
{
	static const uint8_t ids[] = { 0x01, 0x10, 0x13, 0x05, 0x09, 0x11 };
	static const uint16_t ext_ids[] = { 0x000d, 0x0010, 0x0001, 0x000e };
	unsigned pos, n;

	for (size_t i = 0; i < sizeof(cfg); i++)
		cfg[i] = (uint8_t)rnd(256);
	cfg[0x0e] = (uint8_t)((rnd(4) == 0 ? rnd(256) : rnd(3)) | (rnd(2) << 7));
	if (rnd(8))
		cfg[0x06] |= 0x10;
	n = rnd(8);
	pos = 0x40 + 4 * rnd(40);
	cfg[(cfg[0x0e] & 0x7f) == 2 ? 0x14 : 0x34] = (uint8_t)(rnd(10) ? pos : rnd(256));
	for (unsigned k = 0; k < n; k++) {
		unsigned next = rnd(6) ? 0x40 + 4 * rnd(48) : rnd(256);

		cfg[pos] = ids[rnd(sizeof(ids))];
		cfg[pos + 1] = (uint8_t)(k + 1 == n ? (rnd(6) ? 0 : next) : next);
		pos = cfg[pos + 1] & ~3u;
		if (pos < 0x40 || pos > 0xf8)
			break;
	}
	n = rnd(6);
	pos = 0x100;
	if (rnd(5) == 0)
		w32(0x100, rnd(2) ? 0 : 0xffffffff);
	else
		for (unsigned k = 0; k < n && pos >= 0x100 && pos <= 0xff8; k++) {
			unsigned next = k + 1 == n ? 0 : rnd(8) ? 0x100 + 8 * rnd(480) : rnd(4096);

			w32(pos, ext_ids[rnd(4)] | (1u << 16) | ((next & 0xffc) << 20));
			pos = next & 0xffc;
		}
}

struct fetcher {
	const uint8_t *src;
	size_t len;
	size_t bytes, calls;
	size_t fail_after;	/* 0: never */
};

static int fetch_buf(void *arg, uint8_t *dst, size_t off, size_t n)
{
	struct fetcher *f = arg;

	if (off + n > f->len)
		return -EIO;
	if (f->fail_after && f->calls >= f->fail_after)
		return -EIO;
	f->calls++;
	f->bytes += n;
	memcpy(dst, f->src + off, n);
	return 0;
}

static void test_fetch(void)
{
	static const size_t lens[] = { 0, 10, 63, 64, 65, 128, 200, 255, 256, 257, 300, 4096 };
	struct vfc_cfginfo a, b;
	size_t same = 0, total = 0, max_bytes = 0;
	bool err_seen = false;

	for (int round = 0; round < 4000; round++) {
		build_random();
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			struct fetcher f = { cfg, lens[i], 0, 0, 0 };
			int rc;

			vfc_cfg_parse(cfg, lens[i], &a);
			rc = vfc_cfg_parse_fetch(lens[i], fetch_buf, &f, &b);
			total++;
			same += !rc && !memcmp(&a, &b, sizeof(a));
			if (f.bytes > max_bytes)
				max_bytes = f.bytes;
			if (round < 200 && f.calls > 1) {
				unsigned k = 1 + rnd((unsigned)f.calls - 1);

				f = (struct fetcher){ cfg, lens[i], 0, 0, k };
				err_seen |= vfc_cfg_parse_fetch(lens[i], fetch_buf, &f, &b) == -EIO;
			}
		}
	}
	OK(same == total, "fetch parse = full parse on %zu random config spaces (%zu differ)",
	   total, total - same);
	OK(max_bytes <= 8 + 48 * 8 + 480 * 8, "fetch reads only what the walk looks at (max %zu B)",
	   max_bytes);
	OK(err_seen, "a failing fetch stops the parse with its error");

	build(0, 1, 1, 1);
	{
		struct fetcher f = { cfg, 4096, 0, 0, 0 };

		vfc_cfg_parse_fetch(4096, fetch_buf, &f, &b);
		OK(b.flr == VFC_YES && b.acs == VFC_YES && b.sriov == VFC_YES && f.bytes <= 40,
		   "PM, PCIe, ACS, SR-IOV from %zu bytes in %zu reads", f.bytes, f.calls);
	}
}

/* The file reader, sparse (sysfs) or whole: what parsing the whole file gives. */
static void test_file(void)
{
	static const size_t lens[] = { 0, 32, 64, 65, 128, 256, 300, 512, 513, 600, 4096, 5000 };
	char dir[] = "/tmp/vfc-test-pcicfg.XXXXXX", path[64];
	size_t same = 0, total = 0;
	int dfd;

	if (!mkdtemp(dir) || (dfd = open(dir, O_PATH | O_DIRECTORY)) < 0) {
		OK(0, "temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	for (int round = 0; round < 300; round++) {
		static uint8_t big[5000];

		build_random();
		memcpy(big, cfg, sizeof(cfg));
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t want_len = lens[i] < 4096 ? lens[i] : 4096, la = 99, lb = 99;
			struct vfc_cfginfo want, a, b;
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || write(fd, big, lens[i]) != (ssize_t)lens[i] || close(fd))
				break;
			vfc_cfg_parse(want_len ? big : NULL, want_len, &want);
			vfc_config_read_at(dfd, false, &a, &la);
			vfc_config_read_at(dfd, true, &b, &lb);
			total++;
			same += la == want_len && lb == want_len && !memcmp(&a, &want, sizeof(a)) &&
				!memcmp(&b, &want, sizeof(b));
		}
	}
	OK(total && same == total,
	   "config file: sparse and whole reads = whole-file parse (%zu of %zu)", same, total);
	unlink(path);
	if (!mkfifo(path, 0600)) {
		struct vfc_cfginfo a, b;
		size_t la = 99, lb = 99;

		vfc_config_read_at(dfd, false, &a, &la);
		vfc_config_read_at(dfd, true, &b, &lb);
		OK(la == 0 && lb == 0 && a.header_type == -1 && b.header_type == -1,
		   "a FIFO for config: nothing known, nothing blocks");
		unlink(path);
	}
	{
		struct vfc_cfginfo a;
		size_t la = 99;

		OK(vfc_config_read_at(dfd, true, &a, &la) == -ENOENT && la == 0 &&
		   a.flr == VFC_UNKNOWN, "no config file: unknown");
	}
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	struct vfc_cfginfo ci;

	build(0, 1, 0, 0);
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.header_type == 0 && ci.multifunction == VFC_YES, "endpoint, multifunction");
	OK(ci.flr == VFC_YES, "FLR from DevCap bit 28");
	OK(ci.pm == VFC_YES && ci.pm_nosoftrst == VFC_NO, "PM present, NoSoftRst clear");
	OK(ci.acs == VFC_NO && ci.sriov == VFC_YES, "no ACS, SR-IOV present");
	OK(ci.pcie_type == VFC_PCIE_ENDPOINT && ci.caps_seen == 2 && !ci.malformed,
	   "two caps walked cleanly");

	build(1, 0, 1, 1);
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.header_type == 1, "bridge header");
	OK(ci.flr == VFC_NO && ci.pm_nosoftrst == VFC_YES, "no FLR, NoSoftRst set");
	OK(ci.acs == VFC_YES && ci.acs_cap == 0x1f && ci.acs_ctrl == 0x1d, "ACS cap and ctrl");
	OK(ci.pcie_type == VFC_PCIE_ROOT_PORT, "root port");

	vfc_cfg_parse(cfg, 256, &ci);
	OK(ci.acs == VFC_UNKNOWN && ci.flr == VFC_NO, "256 bytes: ext caps unknown, std caps known");
	vfc_cfg_parse(cfg, 64, &ci);
	OK(ci.header_type == 1 && ci.flr == VFC_UNKNOWN && ci.acs == VFC_UNKNOWN,
	   "64 bytes (unprivileged): only the header is known");
	vfc_cfg_parse(cfg, 10, &ci);
	OK(ci.header_type == -1 && ci.flr == VFC_UNKNOWN, "truncated: nothing known");

	build(0, 0, 0, 0);
	cfg[0x51] = 0x40;		/* PCIe cap points back at PM: a loop */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.malformed && ci.caps_seen <= 48, "capability loop detected and bounded");
	build(0, 0, 0, 0);
	cfg[0x41] = 0x20;		/* pointer into the header */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.malformed, "pointer below 0x40 is malformed");
	build(0, 0, 0, 1);
	w32(0x140, 0x0010 | (1u << 16) | (0x100u << 20));	/* ext loop */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.malformed && ci.acs == VFC_YES, "extended capability loop bounded");
	build(0, 0, 0, 0);
	w16(0x06, 0);			/* no capability list */
	vfc_cfg_parse(cfg, 4096, &ci);
	OK(ci.flr == VFC_NO && ci.pm == VFC_NO && ci.caps_seen == 0, "status without cap list");
	test_fetch();
	test_file();
	return tap_done();
}
