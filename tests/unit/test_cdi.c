// SPDX-License-Identifier: GPL-2.0-or-later
/* CDI specs (core/cdi.c): kinds, backends, the JSON of a spec, atomic saves, the state. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cdi.h"
#include "tap.h"

static void kinds(void)
{
	static const char *const good[] = { "vfioctl.io/pci", "example.com/vf", "a/b",
					    "x-y_z.example.org/gpu_2-a", NULL };
	static const char *const bad[] = { "pci", "/pci", "vfioctl.io/", "vfioctl.io/p.ci",
					   "vfioctl.io/pci/x", "-x.io/pci", "x.io-/pci",
					   "x.io/1pci", "x.io/pci-", "x io/pci", "x.io/pcï", "",
					   NULL };

	for (size_t i = 0; good[i]; i++)
		OK(!vfc_cdi_kind_check(good[i]), "kind '%s' is accepted", good[i]);
	for (size_t i = 0; bad[i]; i++)
		OK(vfc_cdi_kind_check(bad[i]) != NULL, "kind '%s' is refused (%s)", bad[i],
		   vfc_cdi_kind_check(bad[i]));
	OK(vfc_cdi_kind_check(NULL) != NULL, "no kind is refused");
}

static void backends(void)
{
	enum vfc_cdi_backend b = VFC_CDI_LEGACY;

	OK(!vfc_cdi_backend_parse("iommufd", &b) && b == VFC_CDI_IOMMUFD, "iommufd parses");
	OK(!vfc_cdi_backend_parse("auto", &b) && b == VFC_CDI_AUTO, "auto parses");
	OK(!vfc_cdi_backend_parse("legacy", &b) && b == VFC_CDI_LEGACY, "legacy parses");
	OK(vfc_cdi_backend_parse("type1", &b) == -EINVAL && b == VFC_CDI_LEGACY,
	   "type1 is not a CDI backend, and b is left alone");
	IS_STR(vfc_cdi_backend_name(VFC_CDI_IOMMUFD), "iommufd", "names round-trip");
}

static char *json_of(const struct vfc_cdi_spec *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m || vfc_cdi_write_json(s, m)) {
		if (m)
			fclose(m);
		free(buf);
		return NULL;
	}
	fclose(m);
	return buf;
}

static void json(void)
{
	struct vfc_cdi_node nodes[2] = {
		{ "/dev/vfio/vfio", 10, 196, 0, 0, 0666 },
		{ "/dev/vfio/12", -1, -1, 107, 110, 0660 },
	};
	struct vfc_cdi_device dev = { "0000:01:00.0", 12, false, nodes, 2 };
	struct vfc_cdi_spec s = { .kind = "vfioctl.io/pci", .devs = &dev, .ndevs = 1 };
	char *j = json_of(&s);

	IS_STR(j,
	       "{\n"
	       "  \"cdiVersion\": \"0.5.0\",\n"
	       "  \"kind\": \"vfioctl.io/pci\",\n"
	       "  \"devices\": [\n"
	       "    {\n"
	       "      \"name\": \"0000:01:00.0\",\n"
	       "      \"containerEdits\": {\n"
	       "        \"deviceNodes\": [\n"
	       "          {\n"
	       "            \"path\": \"/dev/vfio/vfio\",\n"
	       "            \"type\": \"c\",\n"
	       "            \"major\": 10,\n"
	       "            \"minor\": 196,\n"
	       "            \"permissions\": \"rw\",\n"
	       "            \"fileMode\": 438,\n"
	       "            \"uid\": 0,\n"
	       "            \"gid\": 0\n"
	       "          },\n"
	       "          {\n"
	       "            \"path\": \"/dev/vfio/12\",\n"
	       "            \"type\": \"c\",\n"
	       "            \"permissions\": \"rw\",\n"
	       "            \"fileMode\": 432,\n"
	       "            \"uid\": 107,\n"
	       "            \"gid\": 110\n"
	       "          }\n"
	       "        ]\n"
	       "      }\n"
	       "    }\n"
	       "  ]\n"
	       "}\n",
	       "a spec's JSON: version, kind, one device, numbers only when known, rw, mode, owner");
	free(j);
}

static int file_ino(const char *path, ino_t *ino)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static void save_and_state(void)
{
	char dir[] = "/tmp/vfc-cdi-XXXXXX", path[PATH_MAX];
	struct vfc_cdi_node nodes[1] = { { "/dev/vfio/vfio", 10, 196, 0, 0, 0666 } };
	struct vfc_cdi_device devs[2] = { { "0000:01:00.0", 12, false, nodes, 1 },
					  { "group-12", 12, false, nodes, 1 } };
	struct vfc_cdi_spec s = { .kind = "example.com/vf", .devs = devs, .ndevs = 2 };
	struct vfc_cdi_spec empty = { .kind = "example.com/vf" };
	struct vfc_cdi_state st;
	struct vfc_ctx ctx;
	bool changed = false;
	ino_t a = 0, b = 0;

	if (!mkdtemp(dir)) {
		OK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	OK(!vfc_ctx_init(&ctx, dir), "a root context on %s", dir);
	OK(vfc_cdi_state_read(&ctx, &st) == 0 && !st.devices, "no state: 0, nothing listed");
	snprintf(path, sizeof(path), "%s%s", dir, VFC_CDI_SPEC_PATH);
	OK(!vfc_cdi_save(&ctx, NULL, &s, &changed) && changed, "the owned spec is written");
	OK(!file_ino(path, &a), "it is at ROOT" VFC_CDI_SPEC_PATH);
	OK(!vfc_cdi_save(&ctx, NULL, &s, &changed) && !changed && !file_ino(path, &b) && a == b,
	   "the same spec again: the file is left as it is");
	devs[0].group = 13;	/* not in the JSON: still the same bytes */
	nodes[0].mode = 0660;
	OK(!vfc_cdi_save(&ctx, NULL, &s, &changed) && changed && !file_ino(path, &b) && a != b,
	   "a different spec replaces the file (rename: a new inode)");
	OK(!vfc_cdi_state_save(&ctx, &s, VFC_CDI_IOMMUFD), "the state is written");
	OK(vfc_cdi_state_read(&ctx, &st) == 1 && !strcmp(st.kind, "example.com/vf") &&
		   st.backend == VFC_CDI_IOMMUFD && st.devices && st.devices[0] && st.devices[1] &&
		   !st.devices[2] && !strcmp(st.devices[0], "0000:01:00.0") &&
		   !strcmp(st.devices[1], "group-12"),
	   "the state reads back: kind, backend, the listed devices");
	vfc_cdi_state_free(&st);
	OK(!vfc_cdi_save(&ctx, NULL, &empty, &changed) && changed && file_ino(path, &b) == -ENOENT,
	   "no devices: no file (CDI wants one device at least)");
	OK(!vfc_cdi_save(&ctx, NULL, &empty, &changed) && !changed, "and again: nothing to do");
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	OK(system(path) == 0, "clean up");
}

int main(void)
{
	kinds();
	backends();
	json();
	save_and_state();
	return tap_done();
}
