// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Driver binding through sysfs. The method (KERNEL.md): driver_override = DRIVER, unbind from
 * the current driver, write the BDF to /sys/bus/pci/drivers_probe. new_id is never used: it
 * binds every device with those ids, including ones the user did not name.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "core/driver.h"
#include "core/trace.h"
#include "core/util.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

static int vwrite_attr(const struct vfc_ctx *ctx, const char *val, const char *fmt, va_list ap)
{
	char path[PATH_MAX], rel[PATH_MAX];
	size_t len = strlen(val);
	ssize_t w;
	int fd, n;

	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	if (vfc_path(ctx, path, sizeof(path), "%s", rel))
		return -ENAMETOOLONG;
	/*
	 * Every write lands inside ROOT/sys: a device link planted to point elsewhere (a fixture
	 * tree, or a tampered mount) is refused rather than written through. realpath resolves
	 * the directory; O_NOFOLLOW below covers the attribute itself.
	 */
	{
		char dir[PATH_MAX], real[PATH_MAX], sysroot[PATH_MAX], base[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (!slash)
			return -EINVAL;
		*slash = '\0';
		if (vfc_path(ctx, base, sizeof(base), "/sys") || !realpath(base, sysroot))
			return -ENOENT;
		if (!realpath(dir, real))
			return -errno;
		n = (int)strlen(sysroot);
		if (strncmp(real, sysroot, (size_t)n) || (real[n] != '/' && real[n] != '\0'))
			return -EXDEV;
	}
	/*
	 * O_TRUNC so a fixture file holds exactly what was written (sysfs ignores it); no
	 * O_CREAT: a missing attribute means an old kernel or a wrong path, never a new file.
	 */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	do
		w = write(fd, val, len);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (close(fd) < 0 && errno != EINTR)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

int vfc_write_attr(const struct vfc_ctx *ctx, const char *val, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vwrite_attr(ctx, val, fmt, ap);
	va_end(ap);
	if (vfc_tracing()) {
		char rel[PATH_MAX];

		va_start(ap, fmt);
		vsnprintf(rel, sizeof(rel), fmt, ap);
		va_end(ap);
		vfc_trace_write(rel, val, strlen(val), rc);
	}
	return rc;
}

int vfc_driver_current(const struct vfc_ctx *ctx, const char *bdf, char *buf, size_t len)
{
	ssize_t r;

	buf[0] = '\0';
	if (vfc_exists(ctx, PCI_DEVICES "/%s", bdf) != 1)
		return -ENODEV;
	r = vfc_read_link_base(ctx, buf, len, PCI_DEVICES "/%s/driver", bdf);
	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return r < 0 ? (int)r : 0;
}

int vfc_driver_override_get(const struct vfc_ctx *ctx, const char *bdf, char *buf, size_t len)
{
	ssize_t r = vfc_read_attr(ctx, buf, len, PCI_DEVICES "/%s/driver_override", bdf);

	if (r == -ENOENT)
		return vfc_exists(ctx, PCI_DEVICES "/%s", bdf) == 1 ? -EOPNOTSUPP : -ENODEV;
	if (r < 0)
		return (int)r;
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return 0;
}

int vfc_driver_override_set(const struct vfc_ctx *ctx, const char *bdf, const char *drv)
{
	char val[VFC_DRIVER_NAME_MAX + 2];

	/* The kernel clears the override on an empty write; "\n" is what driverctl writes. */
	snprintf(val, sizeof(val), "%s\n", drv ? drv : "");
	return vfc_write_attr(ctx, val, PCI_DEVICES "/%s/driver_override", bdf);
}

bool vfc_driver_exists(const struct vfc_ctx *ctx, const char *drv)
{
	if (!drv || !vfc_name_is_sane(drv, VFC_DRIVER_NAME_MAX - 1))
		return false;
	return vfc_exists(ctx, "/sys/bus/pci/drivers/%s", drv) == 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *reap_child(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;

	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return NULL;
}

/*
 * The unbind write can stay blocked in the kernel for as long as the driver's remove takes,
 * past any timeout. A detached thread then waits for the child, so that no zombie stays
 * behind in a long-lived process (batch); the fast path pays nothing for it. Signals stay
 * with the threads that handle them.
 */
static void reap_later(pid_t pid)
{
	sigset_t all, old;
	pthread_attr_t a;
	pthread_t t;

	if (pthread_attr_init(&a))
		return;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&t, &a, reap_child, (void *)(intptr_t)pid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
}

static int driver_unbind(const struct vfc_ctx *ctx, const char *bdf, int timeout_ms);

/* The write is traced here: it happens in a child, which must not call back into the CLI. */
int vfc_driver_unbind(const struct vfc_ctx *ctx, const char *bdf, int timeout_ms)
{
	char rel[PATH_MAX];
	int rc = driver_unbind(ctx, bdf, timeout_ms);

	if (vfc_tracing()) {
		snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/driver/unbind", bdf);
		vfc_trace_write(rel, bdf, strlen(bdf), rc);
	}
	return rc;
}

static int driver_unbind(const struct vfc_ctx *ctx, const char *bdf, int timeout_ms)
{
	char drv[VFC_DRIVER_NAME_MAX], path[PATH_MAX];
	int64_t deadline;
	int fd, rc, status;
	pid_t pid;

	rc = vfc_driver_current(ctx, bdf, drv, sizeof(drv));
	if (rc)
		return rc;
	if (!drv[0])
		return 0;
	/* Through the device's own driver link: no second lookup of the driver by name. */
	if (vfc_path(ctx, path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* unbound meanwhile */
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (pid == 0) {
		/*
		 * The child may stay blocked in the kernel after the parent gave up: it must not
		 * keep the journal lock (a flock lives until every fd sharing it is closed), nor
		 * the caller's stdout/stderr (a pipe reader would wait for its EOF). fd can be 0
		 * (stdin closed), and close_range(0, -1) would close it too.
		 */
		if (fd > 0)
			close_range(0, (unsigned)fd - 1, 0);
		close_range((unsigned)fd + 1, ~0U, 0);
		_exit(write(fd, bdf, strlen(bdf)) == (ssize_t)strlen(bdf) ? 0 : (errno & 0x7f) | 0x80);
	}
	close(fd);
	deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			reap_later(pid);
			return -ETIMEDOUT;
		}
		/* A pidfd would avoid polling, but the child normally finishes in microseconds. */
		poll(NULL, 0, 5);
	}
	if (!WIFEXITED(status))
		return -EIO;
	if (WEXITSTATUS(status) & 0x80)
		return -(WEXITSTATUS(status) & 0x7f);
	return 0;
}

int vfc_driver_probe(const struct vfc_ctx *ctx, const char *bdf)
{
	return vfc_write_attr(ctx, bdf, "/sys/bus/pci/drivers_probe");
}

int vfc_device_group(const struct vfc_ctx *ctx, const char *bdf)
{
	char buf[32];
	int64_t g;

	if (vfc_read_link_base(ctx, buf, sizeof(buf), PCI_DEVICES "/%s/iommu_group", bdf) <= 0)
		return -1;
	if (vfc_parse_s64(buf, &g) || g < 0 || g > 0x7fffffff)
		return -1;
	return (int)g;
}

int vfc_group_node(const struct vfc_ctx *ctx, int group, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct stat st;

	if (group < 0)
		return -ENOENT;
	if (vfc_path(ctx, path, sizeof(path), "/dev/vfio/%d", group) == 0 && lstat(path, &st) == 0) {
		snprintf(buf, len, "/dev/vfio/%d", group);
		return 0;
	}
	if (vfc_path(ctx, path, sizeof(path), "/dev/vfio/noiommu-%d", group) == 0 &&
	    lstat(path, &st) == 0) {
		snprintf(buf, len, "/dev/vfio/noiommu-%d", group);
		return 0;
	}
	snprintf(buf, len, "/dev/vfio/%d", group);
	return -ENOENT;
}

int vfc_group_node_chown(const struct vfc_ctx *ctx, int group, uid_t uid, gid_t gid)
{
	char node[64], path[PATH_MAX];

	if (vfc_group_node(ctx, group, node, sizeof(node)))
		return -ENOENT;
	if (vfc_path(ctx, path, sizeof(path), "%s", node))
		return -ENAMETOOLONG;
	/* lchown: a symlink planted at the node's place must not redirect the chown. */
	return lchown(path, uid, gid) ? -errno : 0;
}

uint64_t vfc_device_instance(const struct vfc_ctx *ctx, const char *bdf)
{
	char path[PATH_MAX];
	struct stat st;

	if (vfc_path(ctx, path, sizeof(path), "/sys/bus/pci/devices/%s", bdf) || stat(path, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

struct vfc_waiter {
	struct udev *udev;
	struct udev_monitor *mon;
};

struct vfc_waiter *vfc_waiter_new(const struct vfc_ctx *ctx)
{
	struct vfc_waiter *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	/* libudev reads the real /sys: a fixture tree gets no monitor, only re-checks. */
	if (ctx->rootlen)
		return w;
	w->udev = udev_new();
	if (!w->udev)
		return w;
	/*
	 * "kernel", not "udev": the lab (and early boot) has no udevd, so only the kernel's own
	 * uevents exist. They come after the driver bound and after devtmpfs made the node.
	 */
	w->mon = udev_monitor_new_from_netlink(w->udev, "kernel");
	if (w->mon && udev_monitor_enable_receiving(w->mon) < 0) {
		udev_monitor_unref(w->mon);
		w->mon = NULL;
	}
	return w;
}

void vfc_udev_release(struct udev *udev, struct udev_monitor *mon)
{
	if (mon)
		udev_monitor_unref(mon);
	if (udev)
		udev_unref(udev);
}

void vfc_waiter_free(struct vfc_waiter *w)
{
	if (!w)
		return;
	vfc_udev_release(w->udev, w->mon);
	free(w);
}

bool vfc_waiter_has_monitor(const struct vfc_waiter *w)
{
	return w && w->mon;
}

/* 1: reached, 0: not yet, -errno: device gone */
static int wait_check(const struct vfc_ctx *ctx, const char *bdf, const char *drv, bool want_node,
		      int *group)
{
	char cur[VFC_DRIVER_NAME_MAX], node[64];
	int rc = vfc_driver_current(ctx, bdf, cur, sizeof(cur));

	if (rc)
		return rc;
	/* arm64 SMMUv3: the group appears only once a driver probed; read it each time. */
	*group = vfc_device_group(ctx, bdf);
	if (strcmp(cur, drv ? drv : ""))
		return 0;
	if (want_node && vfc_group_node(ctx, *group, node, sizeof(node)))
		return 0;
	return 1;
}

int vfc_driver_wait(struct vfc_waiter *w, const struct vfc_ctx *ctx, const char *bdf,
		    const char *drv, bool want_node, int timeout_ms, int *group)
{
	int64_t deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	int rc;

	*group = -1;
	for (;;) {
		int64_t left;

		rc = wait_check(ctx, bdf, drv, want_node, group);
		if (rc)
			return rc < 0 ? rc : 0;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (w && w->mon) {
			struct pollfd p = { .fd = udev_monitor_get_fd(w->mon), .events = POLLIN };

			/*
			 * Any event wakes us to re-check sysfs (bind of the device, add of the vfio
			 * group device). The cap re-checks anyway should an event be dropped when
			 * the socket buffer overflows on a busy host.
			 */
			if (poll(&p, 1, left > 500 ? 500 : (int)left) > 0) {
				struct udev_device *d;

				while ((d = udev_monitor_receive_device(w->mon)))
					udev_device_unref(d);
			}
		} else {
			/* No monitor (fixture tree, no netlink): re-check sysfs at short intervals. */
			poll(NULL, 0, left > 50 ? 50 : (int)left);
		}
	}
}
