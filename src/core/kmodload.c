// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading a driver's module (core/kmodload.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>

#include "core/driver.h"
#include "core/kmodload.h"
#include "core/topology.h"

/* kmod's name rule: '-' and '_' are the same in a module name. */
static void normalize(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	for (char *p = dst; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* A module-file path's module name: "kernel/drivers/vfio/pci/vfio-pci.ko.zst" -> vfio_pci. */
static void path_module(char *dst, size_t len, const char *path)
{
	const char *base = strrchr(path, '/');
	char *dot;

	normalize(dst, len, base ? base + 1 : path);
	dot = strstr(dst, ".ko");
	if (dot)
		*dot = '\0';
}

/* In a text list of module paths (modules.dep "PATH: DEPS", modules.builtin "PATH")? */
static int listed(const char *dir, const char *file, const char *mod)
{
	char path[PATH_MAX + 32], line[4096], name[VFC_MODULE_NAME_MAX];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, ":\r\n")] = '\0';
		path_module(name, sizeof(name), line);
		found = !strcmp(name, mod);
	}
	fclose(f);
	return found;
}

static int sysroot_lookup(const struct vfc_ctx *ctx, struct vfc_kmod *k)
{
	char dir[PATH_MAX];
	int rc = vfc_modules_dir(ctx, dir, sizeof(dir));

	if (rc)
		return -ENOENT;
	if (listed(dir, "modules.builtin", k->module) == 1) {
		k->builtin = true;
		return 0;
	}
	return listed(dir, "modules.dep", k->module) == 1 ? 0 : -ENOENT;
}

/* The request to the tree's kernel (the fake kernel answers it inside the write). */
static int sysroot_load(const struct vfc_ctx *ctx, const struct vfc_kmod *k)
{
	char path[PATH_MAX], run[PATH_MAX], dir[PATH_MAX], line[VFC_MODULE_NAME_MAX + 1];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", k->module);
	ssize_t w;
	int fd, rc = 0;

	if (vfc_path(ctx, run, sizeof(run), "/run") ||
	    vfc_path(ctx, dir, sizeof(dir), "/run/vfioctl") ||
	    vfc_path(ctx, path, sizeof(path), VFC_KMOD_REQUEST))
		return -ENAMETOOLONG;
	(void)mkdir(run, 0755);		/* a fixture tree may have no /run */
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	w = write(fd, line, n);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != n)
		rc = -EIO;
	close(fd);
	return rc;
}

/* The running kernel, through libkmod: lookup (dry_run), or lookup and insert. */
static int host_probe(struct vfc_kmod *k, bool dry_run)
{
	struct kmod_ctx *kc = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *it;
	int rc;

	if (!kc)
		return -ENOMEM;
	kmod_load_resources(kc);
	rc = kmod_module_new_from_lookup(kc, k->module, &list);
	if (rc >= 0 && !list)
		rc = -ENOENT;
	if (rc >= 0) {
		struct kmod_module *mod = kmod_module_get_module(list);

		snprintf(k->module, sizeof(k->module), "%s", kmod_module_get_name(mod));
		k->builtin = kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN;
		kmod_module_unref(mod);
	}
	if (rc >= 0 && !dry_run) {
		rc = -ENOENT;
		kmod_list_foreach(it, list) {
			struct kmod_module *mod = kmod_module_get_module(it);

			rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY,
							     NULL, NULL, NULL, NULL);
			kmod_module_unref(mod);
			if (rc > 0)	/* blacklisted (aliases only, as modprobe) */
				rc = -EPERM;
			if (!rc)
				break;
		}
	}
	kmod_module_unref_list(list);
	kmod_unref(kc);
	return rc < 0 ? rc : 0;
}

int vfc_kmod_need_driver(const struct vfc_ctx *ctx, const char *drv, bool dry_run,
			 struct vfc_kmod *k)
{
	bool sysroot = ctx->root[0] != '\0';
	int rc;

	memset(k, 0, sizeof(*k));
	normalize(k->module, sizeof(k->module), drv);
	if (vfc_driver_exists(ctx, drv))
		return 0;
	k->needed = true;
	rc = sysroot ? sysroot_lookup(ctx, k) : host_probe(k, true);
	if (rc || dry_run)
		return rc;
	rc = sysroot ? sysroot_load(ctx, k) : host_probe(k, false);
	if (rc)
		return rc;
	k->loaded = true;
	/* the module's init registers its driver before the load returns */
	return vfc_driver_exists(ctx, drv) ? 0 : -ENXIO;
}

/* A driver made registered once per run: an earlier pick of the same driver says how. */
static int need_once(const struct vfc_ctx *ctx, struct vfc_driver_pick *out, size_t i,
		     bool dry_run)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(out[k].driver, out[i].driver)) {
			out[i].k = out[k].k;
			out[i].k.loaded = false;
			return 0;
		}
	return vfc_kmod_need_driver(ctx, out[i].driver, dry_run, &out[i].k);
}

static void note_module(struct vfc_driver_pick *p, bool dry_run)
{
	size_t len = strlen(p->note);

	if (p->k.needed && !p->k.builtin)
		snprintf(p->note + len, sizeof(p->note) - len, "%smodule %s %s", len ? "; " : "",
			 p->k.module, dry_run ? "would be loaded first" : "loaded");
}

int vfc_driver_pick(const struct vfc_ctx *ctx, struct vfc_device *const *devs, size_t n,
		    const char *drv, bool dry_run, struct vfc_driver_pick *out,
		    const struct vfc_driver_pick **failed)
{
	bool autodrv = !strcmp(drv, VFC_DRIVER_AUTO);
	struct vfc_variants vs = { 0 };
	int rc = 0;

	*failed = NULL;
	if (autodrv)
		(void)vfc_variants_load(ctx, &vs);	/* none: vfio-pci for all */
	for (size_t i = 0; i < n && !rc; i++) {
		struct vfc_driver_pick *p = &out[i];

		memset(p, 0, sizeof(*p));
		snprintf(p->driver, sizeof(p->driver), "%s", autodrv ? VFC_DRIVER_GENERIC : drv);
		if (autodrv && devs[i]->is_pci &&
		    !vfc_variants_match(ctx, &vs, devs[i]->name, &p->variant) &&
		    !vfc_variant_is_generic(&p->variant)) {
			snprintf(p->driver, sizeof(p->driver), "%s", p->variant.driver);
			p->variant_err = need_once(ctx, out, i, dry_run);
			if (!p->variant_err) {
				snprintf(p->note, sizeof(p->note), "variant driver (modules.alias)");
				note_module(p, dry_run);
				continue;
			}
			snprintf(p->note, sizeof(p->note), "variant %s: cannot load module %s: %s; "
				 "%s instead", p->variant.driver, p->k.module,
				 strerror(-p->variant_err), VFC_DRIVER_GENERIC);
			snprintf(p->driver, sizeof(p->driver), "%s", VFC_DRIVER_GENERIC);
		}
		rc = need_once(ctx, out, i, dry_run);
		if (rc)
			*failed = p;
		else
			note_module(p, dry_run);
	}
	vfc_variants_free(&vs);
	return rc;
}
