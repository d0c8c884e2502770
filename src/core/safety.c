// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host-critical devices (see safety.h). The question is always "does this sysfs object
 * resolve to a path below /sys/devices/.../BDF/?": a block device, a virtio device, a net
 * interface, a tty or a framebuffer is a child of the PCI function that provides it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/safety.h"
#include "core/util.h"

struct reasons {
	char *buf;
	size_t len;
	int n;
};

static void add_reason(struct reasons *r, const char *what)
{
	size_t used = strlen(r->buf);

	/* The same mount seen through /proc/self and /proc/1 is one reason. */
	if (strstr(r->buf, what))
		return;
	snprintf(r->buf + used, r->len - used, "%s%s", used ? "; " : "", what);
	r->n++;
}

/* Does ROOT + rel resolve to a path with bdf as one of its components? */
static bool resolves_below(const struct vfc_ctx *ctx, const char *rel, const char *bdf)
{
	char path[PATH_MAX], real[PATH_MAX], *p;
	size_t bl = strlen(bdf);

	if (vfc_path(ctx, path, sizeof(path), "%s", rel) || !realpath(path, real))
		return false;
	for (p = real; (p = strstr(p, bdf)); p += bl)
		if (p > real && p[-1] == '/' && (p[bl] == '/' || p[bl] == '\0'))
			return true;
	return false;
}

/* A block device (by sysfs dir) or anything stacked under it (dm, md slaves) on bdf? */
static bool block_on_device(const struct vfc_ctx *ctx, const char *dir, const char *bdf, int depth)
{
	struct vfc_names slaves;
	bool hit = false;

	if (resolves_below(ctx, dir, bdf))
		return true;
	if (depth > 8)
		return false;
	/* a partition's slaves/ is its disk's; dm and md list their components here */
	if (vfc_list_dir(ctx, &slaves, "%s/slaves", dir))
		return false;
	for (size_t i = 0; i < slaves.n && !hit; i++) {
		char sub[PATH_MAX];

		snprintf(sub, sizeof(sub), "/sys/class/block/%s", slaves.v[i]);
		hit = block_on_device(ctx, sub, bdf, depth + 1);
	}
	vfc_names_free(&slaves);
	return hit;
}

/* The PCI device of the virtio-9p transport whose mount tag is tag? */
static bool tag_on_device(const struct vfc_ctx *ctx, const char *tag, const char *bdf)
{
	struct vfc_names v;
	bool hit = false;

	if (vfc_list_dir(ctx, &v, "/sys/bus/virtio/devices"))
		return false;
	for (size_t i = 0; i < v.n && !hit; i++) {
		char t[256], rel[300];

		if (vfc_read_attr(ctx, t, sizeof(t), "/sys/bus/virtio/devices/%s/mount_tag",
				  v.v[i]) <= 0 || strcmp(t, tag))
			continue;
		snprintf(rel, sizeof(rel), "/sys/bus/virtio/devices/%s", v.v[i]);
		hit = resolves_below(ctx, rel, bdf);
	}
	vfc_names_free(&v);
	return hit;
}

/* mountinfo: "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts" */
static void check_mounts(const struct vfc_ctx *ctx, const char *file, const char *bdf,
			 struct reasons *r)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (vfc_path(ctx, path, sizeof(path), "%s", file))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char mnt[256], majmin[32], fstype[64], source[256], what[640];
		unsigned maj, min;
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %31s %*s %255s", majmin, mnt) != 2 ||
		    sscanf(dash + 3, "%63s %255s", fstype, source) != 2 ||
		    sscanf(majmin, "%u:%u", &maj, &min) != 2)
			continue;
		if (maj != 0) {
			char dir[64];

			snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", maj, min);
			if (block_on_device(ctx, dir, bdf, 0)) {
				snprintf(what, sizeof(what), "backs the mounted filesystem %s (%s)",
					 mnt, majmin);
				add_reason(r, what);
			}
		} else if (!strcmp(fstype, "9p") && tag_on_device(ctx, source, bdf)) {
			snprintf(what, sizeof(what), "backs the mounted 9p filesystem %s (tag %s)",
				 mnt, source);
			add_reason(r, what);
		}
	}
	free(line);
	fclose(f);
}

static void check_swaps(const struct vfc_ctx *ctx, const char *bdf, struct reasons *r)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (vfc_path(ctx, path, sizeof(path), "/proc/swaps"))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char name[256], type[32], dir[300], what[320];
		const char *base;

		if (sscanf(line, "%255s %31s", name, type) != 2 || strcmp(type, "partition"))
			continue;	/* header, or a swap file: its filesystem is a mount */
		base = strrchr(name, '/');
		base = base ? base + 1 : name;
		snprintf(dir, sizeof(dir), "/sys/class/block/%s", base);
		if (block_on_device(ctx, dir, bdf, 0)) {
			snprintf(what, sizeof(what), "holds active swap %s", name);
			add_reason(r, what);
		}
	}
	free(line);
	fclose(f);
}

static bool iface_on_device(const struct vfc_ctx *ctx, const char *ifname, const char *bdf)
{
	char rel[300];

	if (!vfc_name_is_sane(ifname, 64))
		return false;
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/device", ifname);
	return resolves_below(ctx, rel, bdf);
}

static void check_net(const struct vfc_ctx *ctx, const char *bdf, struct reasons *r)
{
	char path[PATH_MAX], *line = NULL, what[200];
	size_t cap = 0;
	FILE *f;

	/* IPv4: every configured address puts a route in the main table. */
	if (!vfc_path(ctx, path, sizeof(path), "/proc/net/route") && (f = fopen(path, "re"))) {
		while (getline(&line, &cap, f) > 0) {
			char ifn[64], dst[16];

			if (sscanf(line, "%63s %15s", ifn, dst) != 2 || !strcmp(ifn, "Iface") ||
			    !iface_on_device(ctx, ifn, bdf))
				continue;
			snprintf(what, sizeof(what), "%s interface %s",
				 !strcmp(dst, "00000000") ? "carries the default route on"
							  : "has IPv4 routes on", ifn);
			add_reason(r, what);
		}
		fclose(f);
	}
	/* IPv6: the default route, and global addresses (link-local ones are on every link) */
	if (!vfc_path(ctx, path, sizeof(path), "/proc/net/ipv6_route") &&
	    (f = fopen(path, "re"))) {
		while (getline(&line, &cap, f) > 0) {
			char dst[40], len[8], ifn[64];

			if (sscanf(line, "%39s %7s %*s %*s %*s %*s %*s %*s %*s %63s", dst, len,
				   ifn) != 3)
				continue;
			if (strcmp(dst, "00000000000000000000000000000000") || strcmp(len, "00") ||
			    !strcmp(ifn, "lo") || !iface_on_device(ctx, ifn, bdf))
				continue;
			snprintf(what, sizeof(what), "carries the IPv6 default route on interface %s",
				 ifn);
			add_reason(r, what);
		}
		fclose(f);
	}
	if (!vfc_path(ctx, path, sizeof(path), "/proc/net/if_inet6") && (f = fopen(path, "re"))) {
		while (getline(&line, &cap, f) > 0) {
			char addr[40], scope[8], ifn[64];

			if (sscanf(line, "%39s %*s %*s %7s %*s %63s", addr, scope, ifn) != 3 ||
			    strcmp(scope, "00") || !iface_on_device(ctx, ifn, bdf))
				continue;
			snprintf(what, sizeof(what), "has a global IPv6 address on interface %s", ifn);
			add_reason(r, what);
		}
		fclose(f);
	}
	free(line);
}

static void check_console(const struct vfc_ctx *ctx, const char *bdf, struct reasons *r)
{
	char buf[256], *tok, *save = NULL, what[200];
	int64_t v;

	if (vfc_read_s64(ctx, &v, "/sys/bus/pci/devices/%s/boot_vga", bdf) == 0 && v == 1)
		add_reason(r, "is the boot VGA device");
	if (vfc_read_attr(ctx, buf, sizeof(buf), "/sys/class/tty/console/active") <= 0)
		return;
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char rel[300];

		if (!vfc_name_is_sane(tok, 64))
			continue;
		if (!strncmp(tok, "tty", 3) && tok[3] >= '0' && tok[3] <= '9') {
			/* a virtual terminal: the console is on whatever drives the framebuffers */
			struct vfc_names fbs;

			if (vfc_list_dir(ctx, &fbs, "/sys/class/graphics"))
				continue;
			for (size_t i = 0; i < fbs.n; i++) {
				snprintf(rel, sizeof(rel), "/sys/class/graphics/%s/device", fbs.v[i]);
				if (!strncmp(fbs.v[i], "fb", 2) && resolves_below(ctx, rel, bdf)) {
					snprintf(what, sizeof(what),
						 "drives framebuffer %s of the active console %s",
						 fbs.v[i], tok);
					add_reason(r, what);
				}
			}
			vfc_names_free(&fbs);
			continue;
		}
		snprintf(rel, sizeof(rel), "/sys/class/tty/%s/device", tok);
		if (resolves_below(ctx, rel, bdf)) {
			snprintf(what, sizeof(what), "carries the active console %s", tok);
			add_reason(r, what);
		}
	}
}

int vfc_safety_check(const struct vfc_ctx *ctx, const char *bdf, char *reason, size_t len)
{
	struct reasons r = { reason, len, 0 };

	if (!len)
		return -EINVAL;
	reason[0] = '\0';
	/*
	 * Our own view and init's: inside a chroot (the lab), mounts outside our root are
	 * hidden from /proc/self but they are still what the host runs on.
	 */
	check_mounts(ctx, "/proc/self/mountinfo", bdf, &r);
	check_mounts(ctx, "/proc/1/mountinfo", bdf, &r);
	check_swaps(ctx, bdf, &r);
	check_net(ctx, bdf, &r);
	check_console(ctx, bdf, &r);
	return r.n;
}
