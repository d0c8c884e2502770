// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The best vfio_pci: alias for a device (core/variant.h): the text modules.alias (libkmod's
 * binary index cannot list every alias of one prefix, and a fixture tree has no binary
 * index), the vfio_pci: lines only, kept in memory for a scan.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/topology.h"
#include "core/variant.h"

#define ALIAS_PREFIX "alias vfio_pci:"

int vfc_modules_dir(const struct vfc_ctx *ctx, char *buf, size_t len)
{
	char rel[128];
	int rc = vfc_os_release(ctx, rel, sizeof(rel));

	return rc ? rc : vfc_path(ctx, buf, len, "/lib/modules/%s", rel);
}

static int count_wildcards(const char *p)
{
	int n = 0;

	for (; *p; p++)
		n += *p == '*' || *p == '?' || *p == '[';
	return n;
}

static int add_alias(struct vfc_variants *vs, size_t *cap, const char *pat, const char *mod)
{
	struct vfc_vfio_alias *a;

	if (vs->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct vfc_vfio_alias *nv = realloc(vs->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		vs->v = nv;
		*cap = ncap;
	}
	a = &vs->v[vs->n];
	a->pattern = strdup(pat);
	if (!a->pattern)
		return -ENOMEM;
	snprintf(a->module, sizeof(a->module), "%s", mod);
	a->wildcards = count_wildcards(pat);
	vs->n++;
	return 0;
}

void vfc_variants_free(struct vfc_variants *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i].pattern);
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

int vfc_variants_load(const struct vfc_ctx *ctx, struct vfc_variants *vs)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], line[1024];
	size_t cap = 0;
	int rc;
	FILE *f;

	vs->v = NULL;
	vs->n = 0;
	rc = vfc_modules_dir(ctx, dir, sizeof(dir));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/modules.alias", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		char *pat, *mod, *end;

		if (strncmp(line, ALIAS_PREFIX, strlen(ALIAS_PREFIX)))
			continue;
		pat = line + strlen(ALIAS_PREFIX);
		end = strpbrk(pat, " \t");
		if (!end)
			continue;
		*end = '\0';
		mod = end + 1 + strspn(end + 1, " \t");
		mod[strcspn(mod, " \t\r\n")] = '\0';
		if (!*pat || !*mod || strlen(mod) >= VFC_MODULE_NAME_MAX)
			continue;
		rc = add_alias(vs, &cap, pat, mod);
	}
	fclose(f);
	if (rc)
		vfc_variants_free(vs);
	return rc;
}

int vfc_variants_match(const struct vfc_ctx *ctx, const struct vfc_variants *vs,
		       const char *bdf, struct vfc_variant *v)
{
	const struct vfc_vfio_alias *best = NULL;
	char modalias[256];
	const char *ids;

	memset(v, 0, sizeof(*v));
	if (vfc_read_attr(ctx, modalias, sizeof(modalias), "/sys/bus/pci/devices/%s/modalias",
			  bdf) <= 0 || strncmp(modalias, "pci:", 4))
		return -ENOENT;
	ids = modalias + 4;
	for (size_t i = 0; i < vs->n; i++)
		if ((!best || vs->v[i].wildcards < best->wildcards) &&
		    !fnmatch(vs->v[i].pattern, ids, 0))
			best = &vs->v[i];
	if (!best)
		return -ENOENT;
	snprintf(v->module, sizeof(v->module), "%s", best->module);
	v->wildcards = best->wildcards;
	vfc_module_driver(ctx, v->module, v->driver, sizeof(v->driver));
	return 0;
}

int vfc_variant_is_generic(const struct vfc_variant *v)
{
	return !v->module[0] || !strcmp(v->module, "vfio_pci") || !strcmp(v->module, "vfio-pci");
}

void vfc_module_driver(const struct vfc_ctx *ctx, const char *module, char *buf, size_t len)
{
	char alt[VFC_MODULE_NAME_MAX];

	snprintf(alt, sizeof(alt), "%s", module);
	for (char *p = alt; *p; p++)
		if (*p == '_')
			*p = '-';
	if (vfc_driver_exists(ctx, module))
		snprintf(buf, len, "%s", module);
	else if (vfc_driver_exists(ctx, alt) || !strcmp(module, "vfio_pci"))
		snprintf(buf, len, "%s", alt);
	else
		snprintf(buf, len, "%s", module);
}

int vfc_variant_for(const struct vfc_ctx *ctx, const struct vfc_variants *vs,
		    const struct vfc_device *d, char *buf, size_t len, struct vfc_variant *v)
{
	memset(v, 0, sizeof(*v));
	if (!d->is_pci || d->is_bridge || d->is_host_bridge) {
		snprintf(buf, len, "%s", "");
		return 0;
	}
	if (vs && !vfc_variants_match(ctx, vs, d->name, v) && !vfc_variant_is_generic(v)) {
		snprintf(buf, len, "%s", v->driver);
		return 1;
	}
	snprintf(buf, len, "%s", VFC_DRIVER_GENERIC);
	return 0;
}
