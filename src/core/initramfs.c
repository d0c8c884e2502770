// SPDX-License-Identifier: GPL-2.0-or-later
/* initramfs: list the running kernel's image (see initramfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/initramfs.h"
#include "core/util.h"

#define HOOK_RULE "05-vfioctl-initramfs.rules"
#define IMAGE_MAX (512u << 20)

static int push(char ***v, size_t *n, const char *s, size_t len)
{
	char **nv = reallocarray(*v, *n + 2, sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strndup(s, len)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static unsigned long hex8(const unsigned char *p)
{
	char b[9];

	memcpy(b, p, 8);
	b[8] = '\0';
	return strtoul(b, NULL, 16);
}

long vfc_cpio_names(const unsigned char *buf, size_t len, char ***names, size_t *n)
{
	size_t off = 0;

	for (;;) {
		unsigned long fsize, nsize;
		size_t name_off;

		/* archives may be concatenated, with zero padding between them */
		while (off < len && buf[off] == 0)
			off++;
		if (off + 110 > len)
			return (long)off;
		if (memcmp(buf + off, "07070", 5) || (buf[off + 5] != '1' && buf[off + 5] != '2'))
			return (long)off;	/* not cpio: a compressed part begins here */
		fsize = hex8(buf + off + 54);
		nsize = hex8(buf + off + 94);
		name_off = off + 110;
		if (!nsize || nsize > 4096 || name_off + nsize > len)
			return -EINVAL;
		if (nsize != 11 || memcmp(buf + name_off, "TRAILER!!!", 10)) {
			const char *nm = (const char *)buf + name_off;
			size_t l = strnlen(nm, nsize);

			if (push(names, n, nm, l))
				return -ENOMEM;
		}
		off = (name_off + nsize + 3) & ~(size_t)3;
		if (fsize > len - off)
			return -EINVAL;
		off = (off + fsize + 3) & ~(size_t)3;
	}
}

static void read_release(const struct vfc_ctx *ctx, struct vfc_initramfs *ir)
{
	char buf[4096], *p;
	struct utsname u;

	if (!vfc_os_release(ctx, ir->release, sizeof(ir->release)))
		return;
	/* BOOT_IMAGE=/boot/vmlinuz-RELEASE (GRUB) names it on fixture and real roots alike */
	if (vfc_read_attr(ctx, buf, sizeof(buf), "/proc/cmdline") > 0 &&
	    (p = strstr(buf, "vmlinuz-"))) {
		size_t l = strcspn(p + 8, " \t");

		snprintf(ir->release, sizeof(ir->release), "%.*s", (int)l, p + 8);
		return;
	}
	if (!vfc_ctx_root(ctx)[1] && !uname(&u))
		snprintf(ir->release, sizeof(ir->release), "%s", u.release);
}

/* Run LISTER FILE and keep the last word of each line (lsinitrd prints ls -l lines). */
static int run_lister(const char *lister, const char *file, struct vfc_initramfs *ir)
{
	char *argv[] = { (char *)lister, (char *)file, NULL };
	posix_spawn_file_actions_t fa;
	int pfd[2], status, rc = 0;
	pid_t pid;
	FILE *f;
	char line[4096];

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, lister, &fa, NULL, argv, NULL);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		return -rc;
	}
	f = fdopen(pfd[0], "r");
	if (!f) {
		close(pfd[0]);
		rc = -errno;
	}
	while (f && fgets(line, sizeof(line), f)) {
		char *e = line + strcspn(line, "\n"), *w;

		*e = '\0';
		while (e > line && e[-1] == ' ')
			*--e = '\0';
		w = strrchr(line, ' ');
		w = w ? w + 1 : line;
		if (*w && !rc)
			rc = push(&ir->files, &ir->nfiles, w, strlen(w));
	}
	if (f)
		fclose(f);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status)))
		rc = -EIO;
	return rc;
}

int vfc_initramfs_list(const struct vfc_ctx *ctx, struct vfc_initramfs *ir)
{
	static const char *const images[][2] = { { "/boot/initrd.img-", "" },
						 { "/boot/initramfs-", ".img" } };
	char full[PATH_MAX];
	unsigned char *buf;
	struct stat sb;
	ssize_t r;
	long used;
	int rc;

	memset(ir, 0, sizeof(*ir));
	read_release(ctx, ir);
	if (!ir->release[0] || strchr(ir->release, '/'))
		return 0;
	for (size_t i = 0; i < VFC_ARRAY_SIZE(images) && !ir->path[0]; i++) {
		char p[sizeof(ir->path)];

		snprintf(p, sizeof(p), "%s%s%s", images[i][0], ir->release, images[i][1]);
		if (vfc_exists(ctx, "%s", p) == 1)
			snprintf(ir->path, sizeof(ir->path), "%s", p);
	}
	if (!ir->path[0])
		return 0;
	if (vfc_path(ctx, full, sizeof(full), "%s", ir->path))
		return -ENAMETOOLONG;
	if (stat(full, &sb))
		return -errno;
	if (sb.st_size <= 0 || (unsigned long long)sb.st_size > IMAGE_MAX)
		return -EFBIG;
	buf = malloc((size_t)sb.st_size);
	if (!buf)
		return -ENOMEM;
	r = vfc_read_bin(ctx, buf, (size_t)sb.st_size, "%s", ir->path);
	if (r < 0) {
		free(buf);
		return (int)r;
	}
	used = vfc_cpio_names(buf, (size_t)r, &ir->files, &ir->nfiles);
	free(buf);
	if (used < 0)
		return (int)used;
	ir->lister = "cpio";
	if ((size_t)used >= (size_t)r)
		return 0;
	/* a compressed part (the main archive after an early microcode one): ask the tools */
	vfc_strv_free(ir->files);
	ir->files = NULL;
	ir->nfiles = 0;
	rc = -ENOTSUP;
	for (size_t i = 0; i < 2 && rc; i++) {
		const char *lister = i ? "lsinitrd" : "lsinitramfs";

		rc = run_lister(lister, full, ir);
		if (!rc)
			ir->lister = lister;
		else {
			vfc_strv_free(ir->files);
			ir->files = NULL;
			ir->nfiles = 0;
			if (rc == -ENOENT)
				rc = -ENOTSUP;
		}
	}
	return rc;
}

void vfc_initramfs_free(struct vfc_initramfs *ir)
{
	vfc_strv_free(ir->files);
	ir->files = NULL;
	ir->nfiles = 0;
}

bool vfc_initramfs_has_module(const struct vfc_initramfs *ir, const char *module)
{
	size_t ml = strlen(module);

	for (size_t i = 0; i < ir->nfiles; i++) {
		const char *b = strrchr(ir->files[i], '/');
		bool same = true;

		b = b ? b + 1 : ir->files[i];
		if (strlen(b) < ml + 3 || strncmp(b + ml, ".ko", 3))
			continue;
		for (size_t k = 0; k < ml && same; k++)
			same = (b[k] == '-' ? '_' : b[k]) == (module[k] == '-' ? '_' : module[k]);
		if (same)
			return true;
	}
	return false;
}

bool vfc_initramfs_has_hook(const struct vfc_initramfs *ir)
{
	for (size_t i = 0; i < ir->nfiles; i++) {
		const char *b = strrchr(ir->files[i], '/');

		if (!strcmp(b ? b + 1 : ir->files[i], HOOK_RULE))
			return true;
	}
	return false;
}
