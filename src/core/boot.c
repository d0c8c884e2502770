// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel command line and the boot drop-ins (see boot.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/boot.h"
#include "core/conf.h"
#include "core/journal.h"
#include "core/topology.h"
#include "core/util.h"

#define GRUB_DROPIN "/etc/default/grub.d/vfioctl.cfg"
#define BOOTC_DROPIN "/usr/lib/bootc/kargs.d/vfioctl.toml"
#define MODPROBE_DROPIN "/etc/modprobe.d/vfioctl.conf"
/* where the arguments go when no bootloader vfioctl knows is found */
#define VFC_BOOT_BY_HAND                                                                      \
	"no GRUB (/etc/default/grub), systemd-boot or kernel-install (/etc/kernel/cmdline) or "  \
	"bootc (/usr/lib/bootc/kargs.d) found: vfioctl writes no bootloader drop-in; add the "    \
	"required words by hand where this host's bootloader keeps the kernel command line (the " \
	"options line of /boot/loader/entries/*.conf, APPEND in syslinux/extlinux.conf, "        \
	"refind_linux.conf, or the EFI boot entry), then reboot"

const char *vfc_bootloader_name(enum vfc_bootloader b)
{
	switch (b) {
	case VFC_BL_GRUB:
		return "grub";
	case VFC_BL_KERNEL_INSTALL:
		return "kernel-install";
	case VFC_BL_BOOTC:
		return "bootc";
	default:
		return "unknown";
	}
}

static bool exists(const struct vfc_ctx *ctx, const char *p)
{
	return vfc_exists(ctx, "%s", p) == 1;
}

static void read_vendor(const struct vfc_ctx *ctx, struct vfc_boot_state *st)
{
	char buf[8192];
	struct vfc_names units = { 0 };

	if (vfc_read_attr(ctx, buf, sizeof(buf), "/proc/cpuinfo") >= 0) {
		if (strstr(buf, "GenuineIntel")) {
			snprintf(st->vendor, sizeof(st->vendor), "intel");
			snprintf(st->vendor_from, sizeof(st->vendor_from), "/proc/cpuinfo GenuineIntel");
			return;
		}
		if (strstr(buf, "AuthenticAMD") || strstr(buf, "HygonGenuine")) {
			snprintf(st->vendor, sizeof(st->vendor), "amd");
			snprintf(st->vendor_from, sizeof(st->vendor_from), "/proc/cpuinfo %s",
				 strstr(buf, "AuthenticAMD") ? "AuthenticAMD" : "HygonGenuine");
			return;
		}
	}
	if (exists(ctx, "/sys/firmware/acpi/tables/DMAR")) {
		snprintf(st->vendor, sizeof(st->vendor), "intel");
		snprintf(st->vendor_from, sizeof(st->vendor_from), "ACPI DMAR table");
		return;
	}
	if (exists(ctx, "/sys/firmware/acpi/tables/IVRS")) {
		snprintf(st->vendor, sizeof(st->vendor), "amd");
		snprintf(st->vendor_from, sizeof(st->vendor_from), "ACPI IVRS table");
		return;
	}
	if (vfc_list_dir(ctx, &units, "/sys/class/iommu"))
		return;
	for (size_t i = 0; i < units.n; i++) {
		const char *v = !strncmp(units.v[i], "dmar", 4) ? "intel"
				: !strncmp(units.v[i], "ivhd", 4) ? "amd" : NULL;

		if (v) {
			snprintf(st->vendor, sizeof(st->vendor), "%s", v);
			snprintf(st->vendor_from, sizeof(st->vendor_from), "/sys/class/iommu/%.40s",
				 units.v[i]);
			break;
		}
	}
	vfc_names_free(&units);
}

static bool cmdline_has(const struct vfc_boot_state *st, const char *word)
{
	char **w;
	bool found = false;

	if (vfc_split_words(st->cmdline, &w) < 0)
		return false;
	found = vfc_strv_contains(w, word);
	vfc_strv_free(w);
	return found;
}

/* Every id of "vfio-pci.ids=A,B" is in some vfio-pci.ids= (or vfio_pci.ids=) word. */
static bool cmdline_has_ids(const struct vfc_boot_state *st, const char *ids)
{
	char **w, *copy = strdup(ids), *save = NULL;
	bool all = true;

	if (!copy || vfc_split_words(st->cmdline, &w) < 0) {
		free(copy);
		return false;
	}
	for (char *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		bool one = false;

		for (char **p = w; *p && !one; p++)
			if ((!strncmp(*p, "vfio-pci.ids=", 13) || !strncmp(*p, "vfio_pci.ids=", 13)) &&
			    strstr(*p + 13, id))
				one = true;
		all = all && one;
	}
	vfc_strv_free(w);
	free(copy);
	return all;
}

static struct vfc_boot_arg *add_arg(struct vfc_boot_state *st, const char *word, bool required,
				    const char *why)
{
	struct vfc_boot_arg *a = &st->args[st->nargs++];

	snprintf(a->word, sizeof(a->word), "%s", word);
	snprintf(a->why, sizeof(a->why), "%s", why);
	a->required = required;
	a->present = cmdline_has(st, word);
	return a;
}

static void add_note(struct vfc_boot_state *st, const char *note)
{
	if (st->nnotes < VFC_BOOT_MAXNOTES)
		snprintf(st->notes[st->nnotes++], sizeof(st->notes[0]), "%s", note);
}

static void add_driver(struct vfc_boot_state *st, const char *drv)
{
	for (size_t i = 0; i < st->ndrivers; i++)
		if (!strcmp(st->drivers[i], drv))
			return;
	if (st->ndrivers < VFC_BOOT_MAXDRV && (st->drivers[st->ndrivers] = strdup(drv)))
		st->ndrivers++;
}

static bool is_host_driver(const char *drv)
{
	return drv && drv[0] && !vfc_driver_is_vfio(drv) && strcmp(drv, "pci-stub");
}

/*
 * A configured device's host driver: the one bound now, or, once vfioctl has moved it to
 * vfio-pci (bind --persist, then boot --write), the one its journal entry recorded.
 */
static void add_host_driver(const struct vfc_ctx *ctx, struct vfc_boot_state *st,
			    const struct vfc_device *d)
{
	struct vfc_jentry je;

	if (is_host_driver(d->driver))
		add_driver(st, d->driver);
	else if (d->is_pci && !vfc_journal_get(ctx, d->name, &je) && is_host_driver(je.driver))
		add_driver(st, je.driver);
}

/* vfioctl.conf's devices: their host drivers, and their ids when the hook cannot bind them. */
static int read_conf(const struct vfc_ctx *ctx, struct vfc_boot_state *st, char *ids,
		     size_t idslen)
{
	struct vfc_conf_entry *ents = NULL;
	struct vfc_topology *t = NULL;
	char path[PATH_MAX];
	const char *why;
	size_t n = 0;
	int rc, bad;

	ids[0] = '\0';
	if (vfc_path(ctx, path, sizeof(path), VFC_CONF_PATH))
		return -ENAMETOOLONG;
	rc = vfc_conf_read(path, &ents, &n, &bad, &why);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	st->nconf = n;
	if (n && vfc_topology_scan(ctx, 0, &t))
		t = NULL;
	for (size_t i = 0; i < n; i++) {
		struct vfc_device **devs = NULL;
		size_t nd = 0;

		if (ents[i].match.kind == VFC_TARGET_ID) {
			char id[16];

			snprintf(id, sizeof(id), "%04x:%04x", ents[i].match.vendor,
				 ents[i].match.device);
			if (!strstr(ids, id))
				snprintf(ids + strlen(ids), idslen - strlen(ids), "%s%s",
					 ids[0] ? "," : "", id);
		}
		if (!t || vfc_topology_resolve(t, &ents[i].match, &devs, &nd))
			continue;
		for (size_t k = 0; k < nd; k++) {
			char id[24];

			add_host_driver(ctx, st, devs[k]);
			if (devs[k]->vendor < 0 || devs[k]->device < 0)
				continue;
			snprintf(id, sizeof(id), "%04x:%04x", (unsigned)devs[k]->vendor & 0xffff,
				 (unsigned)devs[k]->device & 0xffff);
			if (!strstr(ids, id) && strlen(ids) + strlen(id) + 2 < idslen)
				snprintf(ids + strlen(ids), idslen - strlen(ids), "%s%s",
					 ids[0] ? "," : "", id);
		}
		free(devs);
	}
	if (t)
		vfc_topology_free(t);
	free(ents);
	return 0;
}

static const char *const hooks[] = {
	"/usr/share/initramfs-tools/hooks/vfioctl",
	"/etc/initramfs-tools/hooks/vfioctl",
	"/usr/lib/dracut/modules.d/90vfioctl/module-setup.sh",
};

int vfc_boot_read(const struct vfc_ctx *ctx, struct vfc_boot_state *st)
{
	char ids[200];
	int rc;

	memset(st, 0, sizeof(*st));
	if (vfc_read_attr(ctx, st->cmdline, sizeof(st->cmdline), "/proc/cmdline") < 0)
		st->cmdline[0] = '\0';
	read_vendor(ctx, st);
	if (!strcmp(st->vendor, "intel"))
		add_arg(st, "intel_iommu=on", true,
			"Intel VT-d is off unless the kernel is told (or built with "
			"CONFIG_INTEL_IOMMU_DEFAULT_ON): no IOMMU groups, no vfio");
	else if (!strcmp(st->vendor, "amd"))
		add_note(st, "AMD-Vi is on by default: amd_iommu=on is not needed (the kernel "
			 "knows no such value and ignores it), so vfioctl neither suggests nor "
			 "writes it; only iommu=pt is an option. If there are no IOMMU groups, "
			 "enable the IOMMU (AMD-Vi, SVM/IOMMU) in the firmware setup");
	if (st->vendor[0])
		add_arg(st, "iommu=pt", false,
			"optional: devices the host keeps skip DMA translation (faster host I/O); "
			"devices given to vfio are translated either way");
	for (size_t i = 0; i < VFC_ARRAY_SIZE(hooks); i++)
		if (exists(ctx, hooks[i])) {
			st->hook = true;
			snprintf(st->hook_path, sizeof(st->hook_path), "%s", hooks[i]);
			break;
		}
	if ((rc = read_conf(ctx, st, ids, sizeof(ids))))
		return rc;
	if (!st->hook && ids[0]) {
		char word[256];
		struct vfc_boot_arg *a;

		snprintf(word, sizeof(word), "vfio-pci.ids=%s", ids);
		a = add_arg(st, word, true,
			    "no initramfs hook: vfio-pci must claim the configured devices by id "
			    "before their host drivers do (this takes every device with these ids)");
		a->present = cmdline_has_ids(st, ids);
	}
	if (exists(ctx, "/usr/lib/bootc/kargs.d") || exists(ctx, "/usr/lib/bootc")) {
		st->bl = VFC_BL_BOOTC;
		snprintf(st->bl_file, sizeof(st->bl_file), "/usr/lib/bootc/kargs.d");
	} else if (exists(ctx, "/etc/default/grub") || exists(ctx, "/etc/default/grub.d")) {
		st->bl = VFC_BL_GRUB;
		snprintf(st->bl_file, sizeof(st->bl_file), "/etc/default/grub, /etc/default/grub.d");
	} else if (exists(ctx, "/etc/kernel/cmdline") || exists(ctx, "/etc/kernel/install.conf") ||
		   exists(ctx, "/boot/loader/entries") || exists(ctx, "/boot/efi/loader")) {
		st->bl = VFC_BL_KERNEL_INSTALL;
		snprintf(st->bl_file, sizeof(st->bl_file), "/etc/kernel/cmdline");
	} else {
		add_note(st, VFC_BOOT_BY_HAND);
	}
	return 0;
}

void vfc_boot_free(struct vfc_boot_state *st)
{
	for (size_t i = 0; i < st->ndrivers; i++)
		free(st->drivers[i]);
	st->ndrivers = 0;
}

/* The file's content, NULL when missing; -errno on other errors. */
static int slurp(const struct vfc_ctx *ctx, const char *path, char **out)
{
	char full[PATH_MAX];
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (vfc_path(ctx, full, sizeof(full), "%s", path))
		return -ENAMETOOLONG;
	f = fopen(full, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	{
		FILE *m = open_memstream(&buf, &len);
		char chunk[4096];
		size_t r;

		if (!m) {
			fclose(f);
			return -ENOMEM;
		}
		while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, r, m);
		fclose(m);
	}
	fclose(f);
	*out = buf;
	return 0;
}

static int add_file(const struct vfc_ctx *ctx, struct vfc_boot_plan *p, const char *path,
		    char *want)
{
	struct vfc_boot_file *f = &p->files[p->nfiles++];
	int rc;

	snprintf(f->path, sizeof(f->path), "%s", path);
	if ((rc = slurp(ctx, path, &f->old))) {
		free(want);
		return rc;
	}
	f->ours = !f->old || !strncmp(f->old, VFC_BOOT_HEADER "\n", strlen(VFC_BOOT_HEADER) + 1);
	if (!f->ours) {
		free(want);
		f->new = f->old ? strdup(f->old) : NULL;	/* never the user's file */
		return 0;
	}
	f->new = want;
	return 0;
}

static char *words_of(const struct vfc_boot_state *st, bool quoted_list)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	bool first = true;

	if (!m)
		return NULL;
	for (size_t i = 0; i < st->nargs; i++) {
		if (!st->args[i].required)
			continue;
		fprintf(m, quoted_list ? "%s\"%s\"" : "%s%s", first ? "" : quoted_list ? ", " : " ",
			st->args[i].word);
		first = false;
	}
	fclose(m);
	if (buf && !*buf) {
		free(buf);
		return NULL;
	}
	return buf;
}

int vfc_boot_plan(const struct vfc_ctx *ctx, const struct vfc_boot_state *st, bool undo,
		  struct vfc_boot_plan *p)
{
	char *words = undo ? NULL : words_of(st, false);
	char *list = undo ? NULL : words_of(st, true);
	char *grub = NULL, *bootc = NULL, *modp = NULL;
	size_t nr = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!undo && st->bl == VFC_BL_GRUB)
		if (words && asprintf(&grub, VFC_BOOT_HEADER "\n# Then: update-grub (Debian) or "
				      "grub2-mkconfig -o /boot/grub2/grub.cfg.\n"
				      "GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX} %s\"\n", words) < 0)
			grub = NULL;
	if (!undo && st->bl == VFC_BL_BOOTC)
		if (list && asprintf(&bootc, VFC_BOOT_HEADER "\nkargs = [%s]\n", list) < 0)
			bootc = NULL;
	if (!undo && st->ndrivers) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m) {
			fprintf(m, "%s\n# vfio-pci loads before the host drivers of the devices in "
				"vfioctl.conf.\n", VFC_BOOT_HEADER);
			for (size_t i = 0; i < st->ndrivers; i++)
				fprintf(m, "softdep %s pre: vfio-pci\n", st->drivers[i]);
			fclose(m);
			modp = buf;
		}
	}
	if (!undo && st->bl == VFC_BL_UNKNOWN && words)
		snprintf(p->advice, sizeof(p->advice), "add '%s' to the kernel command line by "
			 "hand: %s", words, VFC_BOOT_BY_HAND);
	if (!undo && st->bl == VFC_BL_KERNEL_INSTALL && words)
		snprintf(p->advice, sizeof(p->advice),
			 "add '%s' to /etc/kernel/cmdline (the user's file: vfioctl does not edit "
			 "it), then run kernel-install add $(uname -r) /lib/modules/$(uname -r)/vmlinuz",
			 words);
	free(words);
	free(list);
	if ((undo || st->bl == VFC_BL_GRUB) && (rc = add_file(ctx, p, GRUB_DROPIN, grub)))
		goto fail_bootc;
	if ((undo || st->bl == VFC_BL_BOOTC) && (rc = add_file(ctx, p, BOOTC_DROPIN, bootc)))
		goto fail_modp;
	if ((rc = add_file(ctx, p, MODPROBE_DROPIN, modp)))
		goto fail;
	for (size_t i = 0; i < p->nfiles; i++) {
		if (!vfc_boot_file_changes(&p->files[i]))
			continue;
		if (!strcmp(p->files[i].path, GRUB_DROPIN))
			p->regen[nr++] = "update-grub || grub2-mkconfig -o /boot/grub2/grub.cfg";
		else if (!strcmp(p->files[i].path, MODPROBE_DROPIN)) {
			p->regen[nr++] = "update-initramfs -u || dracut -f";
		} else if (!strcmp(p->files[i].path, BOOTC_DROPIN))
			p->regen[nr++] = "bootc upgrade (or rebuild the image: kargs.d is read "
					 "when a deployment is made)";
	}
	if (p->advice[0] && st->bl == VFC_BL_KERNEL_INSTALL && nr < 3)
		p->regen[nr++] = "kernel-install add $(uname -r) /lib/modules/$(uname -r)/vmlinuz";
	return 0;
fail_bootc:
	free(bootc);
fail_modp:
	free(modp);
fail:
	vfc_boot_plan_free(p);
	return rc;
}

bool vfc_boot_file_changes(const struct vfc_boot_file *f)
{
	if (!f->ours)
		return false;
	if (!f->old || !f->new)
		return f->old != f->new;
	return strcmp(f->old, f->new) != 0;
}

static int mkdirs(char *path)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			int rc = -errno;

			*s = '/';
			return rc;
		}
		*s = '/';
	}
	return 0;
}

int vfc_boot_apply(const struct vfc_ctx *ctx, const struct vfc_boot_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct vfc_boot_file *f = &p->files[i];
		char full[PATH_MAX], tmp[PATH_MAX + 16];
		int rc;

		if (!vfc_boot_file_changes(f))
			continue;
		if (vfc_path(ctx, full, sizeof(full), "%s", f->path))
			return -ENAMETOOLONG;
		if (!f->new) {
			if (unlink(full) && errno != ENOENT)
				return -errno;
			continue;
		}
		if ((rc = mkdirs(full)))
			return rc;
		snprintf(tmp, sizeof(tmp), "%s.vfioctl-tmp", full);
		if ((rc = vfc_write_atomic(tmp, full, f->new, strlen(f->new), 0644)))
			return rc;
	}
	return 0;
}

void vfc_boot_plan_free(struct vfc_boot_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].old);
		free(p->files[i].new);
	}
	p->nfiles = 0;
}
