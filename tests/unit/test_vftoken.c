// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VF token: UUID parsing (pure), a VF's index from routing ids (pure), what the ioctl
 * layer hands the kernel (a fake vfc_sys_ioctl records it), and when a VF needs a token and
 * how a refused open is explained (a small sysfs tree under a temporary root).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vfio.h"
#include "core/vftoken.h"
#include "tap.h"

static const char *U = "4b9bd6c5-8f5a-4e0b-9d6e-0123456789ab";

/* ---- a fake kernel: records the last request and its argument ---- */
static struct {
	unsigned long req;
	char name[160];			/* GET_DEVICE_FD's string */
	struct vfc_bind_iommufd_token bind;
	uint8_t bind_uuid[16];
	uint32_t feat_argsz, feat_flags;
	uint8_t feat_uuid[16];
	int ret;			/* -errno to fail with, 0 to succeed */
} fk;

int vfc_sys_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	fk.req = req;
	if (req == VFIO_GROUP_GET_DEVICE_FD) {
		snprintf(fk.name, sizeof(fk.name), "%s", (const char *)arg);
	} else if (req == VFIO_DEVICE_BIND_IOMMUFD) {
		const struct vfc_bind_iommufd_token *b = arg;

		memset(&fk.bind, 0, sizeof(fk.bind));
		memcpy(&fk.bind, b, b->argsz < sizeof(fk.bind) ? b->argsz : sizeof(fk.bind));
		if (b->flags & VFIO_DEVICE_BIND_FLAG_TOKEN)
			memcpy(fk.bind_uuid, (const void *)(uintptr_t)b->token_uuid_ptr, 16);
	} else if (req == VFIO_DEVICE_FEATURE) {
		const struct vfio_device_feature *f = arg;

		fk.feat_argsz = f->argsz;
		fk.feat_flags = f->flags;
		memcpy(fk.feat_uuid, f->data, 16);
	}
	if (fk.ret) {
		errno = -fk.ret;
		return -1;
	}
	return req == VFIO_GROUP_GET_DEVICE_FD ? 42 : 0;
}

static void test_uuid(void)
{
	uint8_t u[16];
	char buf[VFC_UUID_LEN];

	OK(!vfc_uuid_parse(U, u) && u[0] == 0x4b && u[1] == 0x9b && u[15] == 0xab,
	   "a UUID parses in string order");
	IS_STR(vfc_uuid_format(u, buf), U, "and formats back");
	OK(!vfc_uuid_parse("4B9BD6C5-8F5A-4E0B-9D6E-0123456789AB", u) && u[0] == 0x4b,
	   "upper case accepted");
	IS_STR(vfc_uuid_format(u, buf), U, "formatted lower case");
	OK(vfc_uuid_parse("4b9bd6c58f5a4e0b9d6e0123456789ab", u) == -EINVAL, "no dashes refused");
	OK(vfc_uuid_parse("4b9bd6c5-8f5a-4e0b-9d6e-0123456789a", u) == -EINVAL, "short refused");
	OK(vfc_uuid_parse("4b9bd6c5-8f5a-4e0b-9d6e-0123456789abc", u) == -EINVAL, "long refused");
	OK(vfc_uuid_parse("4b9bd6c5-8f5a-4e0b-9d6e-0123456789ag", u) == -EINVAL, "non-hex refused");
	OK(vfc_uuid_parse("4b9bd6c5+8f5a-4e0b-9d6e-0123456789ab", u) == -EINVAL,
	   "a dash out of place refused");
	OK(vfc_uuid_parse("", u) == -EINVAL && vfc_uuid_parse(NULL, u) == -EINVAL, "empty refused");
}

static void test_index(void)
{
	/* 82599: PF 01:00.0, offset 128, stride 2: VFs 01:10.0, 01:10.2, ... 01:11.6 */
	OK(vfc_sriov_index_from_rid(0x100, 0x180, 128, 2) == 0, "first VF is index 0");
	OK(vfc_sriov_index_from_rid(0x100, 0x182, 128, 2) == 1, "stride 2: 01:10.2 is 1");
	OK(vfc_sriov_index_from_rid(0x100, 0x18e, 128, 2) == 7, "01:11.6 is 7");
	OK(vfc_sriov_index_from_rid(0x100, 0x181, 128, 2) == -1, "between strides: not a VF");
	OK(vfc_sriov_index_from_rid(0x100, 0x17e, 128, 2) == -1, "below the offset: not a VF");
	/* igb in QEMU: PF 00:18.0 (0xc0) on the root bus, offset 0x80 stride 2: bus 1 */
	OK(vfc_sriov_index_from_rid(0xc0, 0x140, 0x80, 2) == 0, "VFs on the next bus");
	OK(vfc_sriov_index_from_rid(0x100, 0x180, 0, 2) == -1, "offset 0 is no layout");
	OK(vfc_sriov_index_from_rid(0x100, 0x180, 128, 0) == -1, "stride 0 is no layout");
}

static void test_ioctls(void)
{
	uint8_t u[16];
	struct vfc_vgroup g = { .fd = 3, .id = 7 };
	struct vfc_err e = { { 0 }, { 0 } };
	uint32_t devid;

	vfc_uuid_parse(U, u);
	memset(&fk, 0, sizeof(fk));
	OK(vfc_vgroup_device_fd(&g, "0000:01:10.0", NULL, &e) == 42 &&
	   !strcmp(fk.name, "0000:01:10.0"), "no token: GET_DEVICE_FD gets the BDF alone");
	OK(vfc_vgroup_device_fd(&g, "0000:01:10.0", u, &e) == 42 &&
	   !strcmp(fk.name, "0000:01:10.0 vf_token=4b9bd6c5-8f5a-4e0b-9d6e-0123456789ab"),
	   "token: GET_DEVICE_FD gets 'BDF vf_token=UUID' (%s)", fk.name);
	OK(!vfc_cdev_bind(5, 6, &devid, "0000:01:10.0", NULL, &e) && fk.bind.argsz == 16 &&
	   fk.bind.flags == 0, "no token: the bind is 6.6's 16 bytes, no flags");
	OK(!vfc_cdev_bind(5, 6, &devid, "0000:01:10.0", u, &e) && fk.bind.argsz == 24 &&
	   fk.bind.flags == VFIO_DEVICE_BIND_FLAG_TOKEN && !memcmp(fk.bind_uuid, u, 16),
	   "token: BIND_IOMMUFD with FLAG_TOKEN and the 16 bytes behind token_uuid_ptr");
	OK(!vfc_device_set_vf_token(5, "0000:01:00.0", u, &e) && fk.req == VFIO_DEVICE_FEATURE &&
	   fk.feat_argsz == sizeof(struct vfio_device_feature) + 16 &&
	   fk.feat_flags == (VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) &&
	   !memcmp(fk.feat_uuid, u, 16), "the PF's token: FEATURE SET|PCI_VF_TOKEN, 16 bytes");
	fk.ret = -EACCES;
	OK(vfc_vgroup_device_fd(&g, "0000:01:10.0", u, &e) == -EACCES &&
	   !strcmp(e.subject, "0000:01:10.0") && strstr(e.what, "with a VF token"),
	   "a refused open names the device and the token (%s)", e.what);
	fk.ret = 0;
}

/* A shell script with $R the temporary root. */
static int sh(const char *script, const char *root)
{
	setenv("R", root, 1);
	return system(script);
}

static void test_needed(void)
{
	char root[] = "/tmp/vfc-vftoken-XXXXXX", why[512], pf[VFC_BDF_LEN];
	struct vfc_ctx ctx;
	struct vfc_err e;

	if (!mkdtemp(root)) {
		OK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	/* PF 0000:00:18.0 on vfio-pci with VF 0000:01:00.0; PF 0000:00:19.0 on igb with 01:10.0 */
	OK(!sh("set -e; d=$R/sys/bus/pci/devices; b=$R/sys/bus/pci/drivers; "
	       "mkdir -p $d/0000:00:18.0 $d/0000:01:00.0 $d/0000:00:19.0 $d/0000:01:10.0 "
	       "$d/0000:00:10.0 $b/vfio-pci $b/igb; echo 7 > $d/0000:00:18.0/sriov_totalvfs; "
	       "ln -s ../../drivers/vfio-pci $d/0000:00:18.0/driver; "
	       "ln -s ../../drivers/igb $d/0000:00:19.0/driver; "
	       "ln -s ../0000:00:18.0 $d/0000:01:00.0/physfn; "
	       "ln -s ../0000:00:19.0 $d/0000:01:10.0/physfn", root) &&
	   !vfc_ctx_init(&ctx, root), "a tree with a vfio-pci PF and an igb PF");
	OK(vfc_vf_token_needed(&ctx, "0000:01:00.0", pf, sizeof(pf), why, sizeof(why)) &&
	   !strcmp(pf, "0000:00:18.0") && strstr(why, "is on vfio-pci") &&
	   strstr(why, "--vf-token"), "a VF of a vfio-pci PF needs the token: %s", why);
	OK(!vfc_vf_token_needed(&ctx, "0000:01:10.0", pf, sizeof(pf), why, sizeof(why)) &&
	   !why[0] && !pf[0], "a VF of an igb PF does not");
	OK(!vfc_vf_token_needed(&ctx, "0000:00:10.0", NULL, 0, NULL, 0), "nor a plain device");
	OK(vfc_vf_token_applies(&ctx, "0000:00:18.0") && vfc_vf_token_applies(&ctx, "0000:01:10.0") &&
	   !vfc_vf_token_applies(&ctx, "0000:00:10.0"), "a token applies to PFs and VFs only");

	vfc_err_set(&e, "0000:01:00.0", "VFIO_GROUP_GET_DEVICE_FD on group 9");
	vfc_vf_token_explain(&ctx, "0000:01:00.0", false, -EACCES, &e);
	OK(strstr(e.what, "VFIO_GROUP_GET_DEVICE_FD on group 9 refused: no VF token: its PF "
		  "0000:00:18.0 is on vfio-pci") != NULL, "EACCES without a token: %s", e.what);
	vfc_err_set(&e, "0000:01:00.0", "VFIO_DEVICE_BIND_IOMMUFD with a VF token");
	vfc_vf_token_explain(&ctx, "0000:01:00.0", true, -EACCES, &e);
	OK(strstr(e.what, "refused: wrong VF token: its PF 0000:00:18.0") != NULL,
	   "EACCES with a token: %s", e.what);
	vfc_err_set(&e, "0000:01:10.0", "VFIO_GROUP_GET_DEVICE_FD on group 9 with a VF token");
	vfc_vf_token_explain(&ctx, "0000:01:10.0", true, -EINVAL, &e);
	OK(strstr(e.what, "its PF 0000:00:19.0 is on igb, not vfio-pci") != NULL,
	   "EINVAL with a token the PF does not ask for: %s", e.what);
	vfc_err_set(&e, "0000:00:10.0", "VFIO_GROUP_GET_DEVICE_FD on group 9");
	vfc_vf_token_explain(&ctx, "0000:00:10.0", false, -EACCES, &e);
	IS_STR(e.what, "VFIO_GROUP_GET_DEVICE_FD on group 9", "another EACCES is left as it is");
	sh("rm -rf \"$R\"", root);
}

int main(void)
{
	test_uuid();
	test_index();
	test_ioctls();
	test_needed();
	return tap_done();
}
