// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binding journal (see journal.h). One file per device so a crash can at worst leave one
 * temp file behind, never a half-written entry: rename(2) is atomic, and the fsync of the
 * file before it and of the directory after it make the entry survive power loss where
 * /run is not tmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/util.h"

static bool value_ok(const char *s, size_t max)
{
	return !*s || vfc_name_is_sane(s, max);
}

int vfc_jentry_format(const struct vfc_jentry *e, char *buf, size_t len)
{
	struct vfc_pciaddr a;
	int n;

	if (vfc_pciaddr_parse(e->bdf, &a) || !value_ok(e->driver, sizeof(e->driver) - 1) ||
	    !value_ok(e->override, sizeof(e->override) - 1))
		return -EINVAL;
	/* "-" stands for none: an empty value would be ambiguous with a missing line. */
	n = snprintf(buf, len,
		     "vfioctl-journal %d\nbdf %s\ndriver %s\noverride %s\nvendor %d\ndevice %d\n"
		     "instance %llu\npid %lld\ntime %lld\n",
		     VFC_JOURNAL_VERSION, e->bdf, e->driver[0] ? e->driver : "-",
		     e->override[0] ? e->override : "-", (int)e->vendor, (int)e->device,
		     (unsigned long long)e->instance, (long long)e->pid, (long long)e->time);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

static int copy_value(char *dst, size_t len, const char *v)
{
	if (!strcmp(v, "-")) {
		dst[0] = '\0';
		return 0;
	}
	if (!vfc_name_is_sane(v, len - 1))
		return -EINVAL;
	snprintf(dst, len, "%s", v);
	return 0;
}

int vfc_jentry_parse(const char *text, struct vfc_jentry *e)
{
	char *copy = strdup(text), *line, *save = NULL;
	bool version = false, bdf = false, drv = false, ovr = false;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->vendor = e->device = -1;
	for (line = strtok_r(copy, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ' ');
		int64_t num;

		if (!v) {
			rc = -EINVAL;
			break;
		}
		*v++ = '\0';
		if (!strcmp(line, "vfioctl-journal")) {
			version = !vfc_parse_s64(v, &num) && num == VFC_JOURNAL_VERSION;
			if (!version)
				rc = -EINVAL;
		} else if (!strcmp(line, "bdf")) {
			struct vfc_pciaddr a;

			if (vfc_pciaddr_parse(v, &a))
				rc = -EINVAL;
			else
				vfc_pciaddr_format(&a, e->bdf, sizeof(e->bdf));
			bdf = true;
		} else if (!strcmp(line, "driver")) {
			rc = copy_value(e->driver, sizeof(e->driver), v);
			drv = true;
		} else if (!strcmp(line, "override")) {
			rc = copy_value(e->override, sizeof(e->override), v);
			ovr = true;
		} else if (!strcmp(line, "vendor") || !strcmp(line, "device")) {
			if (vfc_parse_s64(v, &num) || num < -1 || num > 0xffff)
				rc = -EINVAL;
			else if (line[0] == 'v')
				e->vendor = (int32_t)num;
			else
				e->device = (int32_t)num;
		} else if (!strcmp(line, "instance")) {
			char *end;

			errno = 0;
			e->instance = strtoull(v, &end, 10);
			if (errno || end == v || *end || *v == '-')
				rc = -EINVAL;
		} else if (!strcmp(line, "pid") || !strcmp(line, "time")) {
			if (vfc_parse_s64(v, &num))
				rc = -EINVAL;
			else if (line[0] == 'p')
				e->pid = num;
			else
				e->time = num;
		}
		/* Unknown keys are ignored: a newer vfioctl may add some. */
	}
	free(copy);
	if (!rc && (!version || !bdf || !drv || !ovr))
		rc = -EINVAL;
	return rc;
}

static int journal_dir(const struct vfc_ctx *ctx, char *buf, size_t len)
{
	return vfc_path(ctx, buf, len, VFC_JOURNAL_DIR);
}

/* Make ROOT/run/vfioctl: 0700, owned by us, a real directory (not a planted symlink). */
static int ensure_dir(const struct vfc_ctx *ctx)
{
	char path[PATH_MAX];
	struct stat st;

	if (journal_dir(ctx, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) && errno != EEXIST) {
		/* ROOT/run itself may be missing in a fixture tree. */
		char parent[PATH_MAX];

		if (errno != ENOENT || vfc_path(ctx, parent, sizeof(parent), "/run"))
			return -errno;
		if (mkdir(parent, 0755) && errno != EEXIST)
			return -errno;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
	}
	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & 0022))
		return -EPERM;	/* someone else's, or writable by others: do not trust it */
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

int vfc_journal_lock(const struct vfc_ctx *ctx, struct vfc_journal *j, int timeout_ms)
{
	char path[PATH_MAX];
	int fd, rc;

	j->ctx = ctx;
	j->lockfd = -1;
	rc = ensure_dir(ctx);
	if (rc)
		return rc;
	if (vfc_path(ctx, path, sizeof(path), VFC_JOURNAL_DIR "/lock"))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		struct sigaction sa = { .sa_handler = on_alarm }, old;
		struct itimerval it = { 0 }, oldit;

		if (errno != EWOULDBLOCK) {
			rc = -errno;
			close(fd);
			return rc;
		}
		/*
		 * Wait in flock(2) itself (no polling) and let a one-shot timer interrupt it:
		 * without SA_RESTART the blocked flock returns EINTR at the deadline.
		 */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, &old);
		it.it_value.tv_sec = timeout_ms / 1000;
		it.it_value.tv_usec = (timeout_ms % 1000) * 1000;
		if (timeout_ms <= 0)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, &oldit);
		rc = flock(fd, LOCK_EX) ? -errno : 0;
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		sigaction(SIGALRM, &old, NULL);
		if (rc) {
			close(fd);
			return rc == -EINTR ? -ETIMEDOUT : rc;
		}
	}
	j->lockfd = fd;
	return 0;
}

void vfc_journal_unlock(struct vfc_journal *j)
{
	vfc_close_fd(&j->lockfd);
}

static int read_entry(const struct vfc_ctx *ctx, const char *name, struct vfc_jentry *e)
{
	char path[PATH_MAX], buf[1024];
	ssize_t r;
	int fd, rc;

	if (vfc_path(ctx, path, sizeof(path), VFC_JOURNAL_DIR "/%s", name))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	rc = r < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	buf[r] = '\0';
	rc = vfc_jentry_parse(buf, e);
	if (!rc && strcmp(e->bdf, name))
		rc = -EINVAL;	/* an entry must be filed under its own name */
	return rc;
}

int vfc_journal_get(const struct vfc_ctx *ctx, const char *bdf, struct vfc_jentry *e)
{
	struct vfc_pciaddr a;

	if (vfc_pciaddr_parse(bdf, &a))
		return -EINVAL;
	return read_entry(ctx, bdf, e);
}

int vfc_journal_list(const struct vfc_ctx *ctx, struct vfc_jentry **out, size_t *n, size_t *nbad)
{
	struct vfc_names names;
	struct vfc_jentry *v;
	int rc;

	*out = NULL;
	*n = 0;
	if (nbad)
		*nbad = 0;
	rc = vfc_list_dir(ctx, &names, VFC_JOURNAL_DIR);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	v = calloc(names.n ? names.n : 1, sizeof(*v));
	if (!v) {
		vfc_names_free(&names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < names.n; i++) {
		struct vfc_pciaddr a;

		/* lock, temp files (".BDF.tmp.PID") and anything else are not entries */
		if (names.v[i][0] == '.' || vfc_pciaddr_parse(names.v[i], &a))
			continue;
		if (read_entry(ctx, names.v[i], &v[*n]) == 0)
			(*n)++;
		else if (nbad)
			(*nbad)++;
	}
	vfc_names_free(&names);
	*out = v;	/* list_dir sorted the names, so the entries are sorted */
	return 0;
}

static int fsync_dir(const struct vfc_ctx *ctx)
{
	char path[PATH_MAX];
	int fd, rc = 0;

	if (journal_dir(ctx, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc == -EINVAL ? 0 : rc;	/* some filesystems cannot fsync a directory */
}

int vfc_journal_put(struct vfc_journal *j, const struct vfc_jentry *e)
{
	char tmp[PATH_MAX], dst[PATH_MAX], buf[1024];
	int n, rc;

	if (j->lockfd < 0)
		return -ENOLCK;
	n = vfc_jentry_format(e, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (vfc_path(j->ctx, tmp, sizeof(tmp), VFC_JOURNAL_DIR "/.%s.tmp.%d", e->bdf,
		     (int)getpid()) ||
	    vfc_path(j->ctx, dst, sizeof(dst), VFC_JOURNAL_DIR "/%s", e->bdf))
		return -ENAMETOOLONG;
	rc = vfc_write_atomic(tmp, dst, buf, (size_t)n, 0600);
	if (rc)
		return rc;
	return fsync_dir(j->ctx);
}

int vfc_journal_remove(struct vfc_journal *j, const char *bdf)
{
	char path[PATH_MAX];
	struct vfc_pciaddr a;

	if (j->lockfd < 0)
		return -ENOLCK;
	if (vfc_pciaddr_parse(bdf, &a))
		return -EINVAL;
	if (vfc_path(j->ctx, path, sizeof(path), VFC_JOURNAL_DIR "/%s", bdf))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return fsync_dir(j->ctx);
}

int vfc_journal_sweep(struct vfc_journal *j)
{
	struct vfc_names names;
	int rc;

	if (j->lockfd < 0)
		return -ENOLCK;
	rc = vfc_list_dir(j->ctx, &names, VFC_JOURNAL_DIR);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	for (size_t i = 0; i < names.n; i++) {
		char path[PATH_MAX];

		/* We hold the lock: every writer that made a temp file is gone. */
		if (names.v[i][0] == '.' && strstr(names.v[i], ".tmp.") &&
		    !vfc_path(j->ctx, path, sizeof(path), VFC_JOURNAL_DIR "/%s", names.v[i]))
			unlink(path);
	}
	vfc_names_free(&names);
	return 0;
}
