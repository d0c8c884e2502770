// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core/variant.c and the sysroot side of core/kmodload.c on a small tree: the best vfio_pci:
 * alias (fewest wildcards, whatever the order of the lines), lines that are not aliases of
 * that prefix, a release that would leave the tree, the driver a module registers, and the
 * lookup of a module in modules.dep/modules.builtin (a dry run writes no request).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kmodload.h"
#include "core/sysroot.h"
#include "core/variant.h"
#include "tap.h"

static char root[256];
static struct vfc_ctx ctx;

/* ROOT/rel := text, in one write (as the files the core reads are made) */
static void put(const char *rel, const char *text)
{
	char path[512];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "# cannot write %s\n", path);
		exit(1);
	}
	close(fd);
}

static void fixture(void)
{
	char cmd[2048];

	snprintf(root, sizeof(root), "%s/vfc-variant-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		exit(1);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%1$s/proc/sys/kernel' '%1$s/lib/modules/6.1-t' "
		 "'%1$s/sys/bus/pci/devices/0000:01:00.0' '%1$s/sys/bus/pci/devices/0000:02:00.0' "
		 "'%1$s/sys/bus/pci/devices/0000:03:00.0' '%1$s/sys/bus/pci/drivers/mlx5_vfio_pci'",
		 root);
	if (system(cmd))
		exit(1);
	put("/proc/sys/kernel/osrelease", "6.1-t\n");
	put("/sys/bus/pci/devices/0000:01:00.0/modalias",
	    "pci:v000015B3d0000101Esv000015B3sd00000001bc02sc00i00\n");
	put("/sys/bus/pci/devices/0000:02:00.0/modalias",
	    "pci:v00008086d00001533sv00008086sd00000001bc02sc00i00\n");
	put("/sys/bus/pci/devices/0000:03:00.0/modalias", "usb:v1234\n");
	put("/lib/modules/6.1-t/modules.alias",
	    "# Aliases extracted from modules themselves.\n"
	    "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
	    "alias vfio_pci:v000015B3d*sv*sd*bc*sc*i* mlx_any_vfio_pci\n"
	    "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core\n"
	    "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\n"
	    "alias vfio_pci:v000015B3d0000101Esv00001111sd*bc*sc*i* other_vfio_pci\n"
	    "alias vfio_pci:broken-line-without-module\n"
	    "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* a_module_name_longer_than_sixty_three_characters_is_not_one_at_all\n");
	put("/lib/modules/6.1-t/modules.dep",
	    "kernel/drivers/vfio/pci/vfio-pci-core.ko.zst:\n"
	    "kernel/drivers/vfio/pci/mlx5/mlx5-vfio-pci.ko.zst: kernel/drivers/vfio/pci/vfio-pci-core.ko.zst\n");
	put("/lib/modules/6.1-t/modules.builtin", "kernel/drivers/vfio/pci/vfio-pci.ko\n");
	vfc_ctx_init(&ctx, root);
}

int main(void)
{
	struct vfc_variants vs;
	struct vfc_variant v;
	struct vfc_kmod k;
	char buf[64], dir[PATH_MAX];
	int rc;

	fixture();
	rc = vfc_modules_dir(&ctx, dir, sizeof(dir));
	OK(!rc && strstr(dir, "/lib/modules/6.1-t"), "the modules dir comes from osrelease");
	rc = vfc_variants_load(&ctx, &vs);
	OK(!rc && vs.n == 4, "only well-formed vfio_pci: lines are kept (%zu)", vs.n);

	rc = vfc_variants_match(&ctx, &vs, "0000:01:00.0", &v);
	OK(!rc, "a ConnectX VF matches");
	OK(!strcmp(v.module, "mlx5_vfio_pci"), "the fewest wildcards win over an earlier, wider line");
	OK(!strcmp(v.driver, "mlx5_vfio_pci"), "a variant registers under its module name");
	OK(!vfc_variant_is_generic(&v), "mlx5_vfio_pci is a variant");

	rc = vfc_variants_match(&ctx, &vs, "0000:02:00.0", &v);
	OK(!rc && vfc_variant_is_generic(&v), "a device without a variant matches vfio_pci itself");
	OK(!strcmp(v.driver, "vfio-pci"), "vfio_pci's driver is spelled vfio-pci");
	OK(vfc_variants_match(&ctx, &vs, "0000:03:00.0", &v) == -ENOENT,
	   "a modalias that is not pci: matches nothing");
	OK(vfc_variants_match(&ctx, &vs, "0000:09:00.0", &v) == -ENOENT,
	   "a device that is not there matches nothing");
	vfc_variants_free(&vs);
	OK(vs.n == 0 && vs.v == NULL, "free leaves an empty set");

	vfc_module_driver(&ctx, "virtio_vfio_pci", buf, sizeof(buf));
	OK(!strcmp(buf, "virtio_vfio_pci"), "an unloaded variant: its module name");

	rc = vfc_kmod_need_driver(&ctx, "mlx5_vfio_pci", false, &k);
	OK(!rc && !k.needed, "a registered driver needs nothing");
	rc = vfc_kmod_need_driver(&ctx, "vfio-pci", true, &k);
	OK(!rc && k.needed && k.builtin, "vfio-pci is found in modules.builtin (dry run)");
	OK(!strcmp(k.module, "vfio_pci"), "kmod's spelling of the module");
	rc = vfc_kmod_need_driver(&ctx, "nosuch-vfio-pci", true, &k);
	OK(rc == -ENOENT, "a module the tree does not have: -ENOENT (%d)", rc);
	{
		char req[512];

		snprintf(req, sizeof(req), "%s%s", root, VFC_KMOD_REQUEST);
		OK(access(req, F_OK) != 0, "a dry run writes no load request");
	}
	/* no fake kernel here: the request is written, but no driver registers */
	rc = vfc_kmod_need_driver(&ctx, "vfio-pci-core", false, &k);
	OK(rc == -ENXIO && k.loaded, "a load that registers no driver: -ENXIO (%d)", rc);

	put("/proc/sys/kernel/osrelease", "..\n");
	OK(vfc_variants_load(&ctx, &vs) == -ENOENT, "a release of '..' does not leave the tree");
	put("/proc/sys/kernel/osrelease", "6.9-none\n");
	OK(vfc_variants_load(&ctx, &vs) == -ENOENT && vs.n == 0, "no modules.alias: -ENOENT");

	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "# cannot remove %s\n", root);
	}
	return tap_done();
}
