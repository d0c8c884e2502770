// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The directory-relative readers (vfc_*_at) return what the path-based ones return for the
 * same file: topology scans read through them, the rest of the tool by path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sysroot.h"
#include "tap.h"

static char root[64];

static void put(const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void dir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0755)) {
		perror(path);
		exit(1);
	}
}

int main(void)
{
	struct vfc_ctx ctx;
	struct vfc_names a, b;
	char buf[64], buf2[64], big[5000];
	int64_t v, v2;
	int dfd;

	snprintf(root, sizeof(root), "/tmp/vfc-test-sysroot.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	vfc_ctx_init(&ctx, root);
	dir("d");
	put("d/vendor", "0x15b3\n", 7);
	put("d/spaces", "a b  \n\n", 7);
	put("d/nul", "ab\0cd\n", 6);
	put("d/empty", "", 0);
	put("d/garbage", "12x\n", 4);
	memset(big, 'x', sizeof(big));
	put("d/big", big, sizeof(big));
	if (symlink("../../bus/pci/drivers/mlx5_core", strcat(strcpy(big, root), "/d/driver")))
		return 1;
	dir("d/many");
	for (int i = 0; i < 700; i++) {	/* more names than one 16 KiB getdents64 holds */
		char name[64];

		snprintf(name, sizeof(name), "many/entry-with-a-long-name-to-fill-buffers-%03d", i);
		put(strcat(strcpy(big, "d/"), name), "", 0);
	}

	dfd = vfc_dir_open(&ctx, "/d");
	OK(dfd >= 0, "vfc_dir_open: a directory");
	OK(vfc_dir_open(&ctx, "/d/vendor") == -ENOTDIR, "vfc_dir_open: a file is -ENOTDIR");
	OK(vfc_dir_open(&ctx, "/nope") == -ENOENT, "vfc_dir_open: missing is -ENOENT");

	static const char *const attrs[] = { "vendor", "spaces", "nul", "empty", "garbage", "big",
					     "missing" };
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		ssize_t r1 = vfc_read_attr(&ctx, buf, sizeof(buf), "/d/%s", attrs[i]);
		ssize_t r2 = vfc_read_attr_at(dfd, attrs[i], buf2, sizeof(buf2));
		int s1 = vfc_read_s64(&ctx, &v, "/d/%s", attrs[i]);
		int s2 = vfc_read_s64_at(dfd, attrs[i], &v2);

		OK(r1 == r2 && !strcmp(buf, buf2), "read_attr_at %s = read_attr (%zd '%s')",
		   attrs[i], r2, buf2);
		OK(s1 == s2 && (s1 || v == v2), "read_s64_at %s = read_s64 (%d)", attrs[i], s2);
	}
	OK(vfc_read_link_base_at(dfd, "driver", buf, sizeof(buf)) == 9 && !strcmp(buf, "mlx5_core"),
	   "read_link_base_at: basename of the target");
	OK(vfc_read_link_at(dfd, "driver", buf, sizeof(buf)) > 0 &&
	   !strcmp(buf, "../../bus/pci/drivers/mlx5_core"), "read_link_at: the target");
	OK(vfc_read_link_base_at(dfd, "vendor", buf, sizeof(buf)) == -EINVAL && !buf[0],
	   "read_link_base_at: not a link");
	OK(vfc_exists_at(dfd, "vendor") == 1 && vfc_exists_at(dfd, "missing") == 0, "exists_at");
	OK(vfc_read_attr_at(-EBADF, "vendor", buf, sizeof(buf)) == -EBADF && !buf[0],
	   "a directory that failed to open: every read fails");

	OK(vfc_list_dir(&ctx, &a, "/d/many") == 0 && vfc_list_dir_at(dfd, "many", &b) == 0,
	   "list_dir and list_dir_at");
	{
		bool same = a.n == b.n && a.n == 700 && !b.v[b.n];

		for (size_t i = 0; same && i < a.n; i++)
			same = !strcmp(a.v[i], b.v[i]);
		OK(same, "list_dir_at: the same sorted %zu names, NULL-terminated", b.n);
	}
	vfc_names_free(&a);
	vfc_names_free(&b);
	OK(vfc_list_dir_at(dfd, "vendor", &b) == -ENOTDIR && !b.v && !b.n,
	   "list_dir_at: a file is -ENOTDIR");
	close(dfd);

	{
		char rel[64];

		OK(vfc_os_release(&ctx, rel, sizeof(rel)) == -ENOENT && !rel[0],
		   "os_release: no proc/sys/kernel/osrelease is -ENOENT, \"\"");
		dir("proc");
		dir("proc/sys");
		dir("proc/sys/kernel");
		put("proc/sys/kernel/osrelease", "6.12.0-1-amd64\n", 15);
		OK(vfc_os_release(&ctx, rel, sizeof(rel)) == 0 && !strcmp(rel, "6.12.0-1-amd64"),
		   "os_release: the release, newline stripped");
		put("proc/sys/kernel/osrelease", "../../etc\n", 10);
		OK(vfc_os_release(&ctx, rel, sizeof(rel)) == -ENOENT && !rel[0],
		   "os_release: a release with a slash is not a name");
		put("proc/sys/kernel/osrelease", "..\n", 3);
		OK(vfc_os_release(&ctx, rel, sizeof(rel)) == -ENOENT, "os_release: '..' is not a name");
	}

	snprintf(big, sizeof(big), "rm -rf '%s'", root);
	if (system(big))
		return 1;
	return tap_done();
}
