// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Side paths of driver.c and journal.c on a fixture tree (issue 19 items 10 and 11): the errno
 * of a short journal write, the unbind child after a timeout, and an unbind fd that is 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/driver.h"
#include "core/journal.h"
#include "core/sysroot.h"
#include "tap.h"

static char root[256];
static struct vfc_ctx ctx;

#define sh(fmt, ...)                                                    \
	do {                                                            \
		char cmd_[1024];                                        \
		snprintf(cmd_, sizeof(cmd_), fmt, __VA_ARGS__);         \
		run_sh(cmd_);                                           \
	} while (0)

static void run_sh(const char *cmd)
{
	if (system(cmd))
		fprintf(stderr, "# failed: %s\n", cmd);
}

static void fixture(void)
{
	snprintf(root, sizeof(root), "%s/vfc-driver-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
										: "/tmp");
	if (!mkdtemp(root))
		exit(1);
	sh("mkdir -p '%s/sys/bus/pci/drivers/e1000e' '%s/sys/bus/pci/devices/0000:01:00.0' "
	   "'%s/run'", root, root, root);
	sh("ln -s ../../../../bus/pci/drivers/e1000e '%s/sys/bus/pci/devices/0000:01:00.0/driver'",
	   root);
	sh(": > '%s/sys/bus/pci/drivers/e1000e/unbind'", root);
	vfc_ctx_init(&ctx, root);
}

static void unbind_file(char *buf, size_t len)
{
	char p[512];
	int fd;
	ssize_t n;

	buf[0] = '\0';
	snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers/e1000e/unbind", root);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* ---- item 11: the unbind child is reaped after a timeout; fd 0 is not "close all" ---- */
static void test_unbind_child(void)
{
	int zombies = 0, timeouts = 0;
	pid_t w;

	for (int i = 0; i < 5; i++) {
		int rc = vfc_driver_unbind(&ctx, "0000:01:00.0", 0);

		timeouts += rc == -ETIMEDOUT;
	}
	usleep(300 * 1000);	/* every child has finished its write by now */
	while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
		zombies++;
	OK(zombies == 0, "item 11: no unbind child is left for the caller to reap after %d "
	   "timeouts (%d found)", timeouts, zombies);
}

static void test_unbind_fd0(void)
{
	char buf[64];
	int saved = dup(0), rc;

	sh(": > '%s/sys/bus/pci/drivers/e1000e/unbind'", root);
	close(0);		/* the unbind attribute's fd is then 0 */
	rc = vfc_driver_unbind(&ctx, "0000:01:00.0", 2000);
	dup2(saved, 0);
	close(saved);
	unbind_file(buf, sizeof(buf));
	OK(rc == 0 && !strcmp(buf, "0000:01:00.0"),
	   "item 11: with the attribute on fd 0 the child still writes it (rc %d, '%s')", rc, buf);
}

/* ---- item 10: a short journal write is EIO, not an earlier call's errno ---- */
static void test_journal_short_write(void)
{
	struct vfc_jentry e = { .bdf = "0000:01:00.0", .driver = "e1000e", .override = "",
				.vendor = 0x8086, .device = 0x10d3, .pid = 1, .time = 1 };
	struct rlimit old, small = { 16, 16 };
	struct vfc_journal j;
	int rc;

	rc = vfc_journal_lock(&ctx, &j, 1000);
	OK(rc == 0, "journal lock in the fixture (%d)", rc);
	if (rc)
		return;
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);	/* past RLIMIT_FSIZE write() is short, then EFBIG */
	setrlimit(RLIMIT_FSIZE, &small);
	rc = vfc_journal_put(&j, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	OK(rc == -EIO, "item 10: a short write reports EIO (got %d: %s)", rc, strerror(-rc));
	OK(vfc_journal_put(&j, &e) == 0, "the next write, with room, succeeds");
	vfc_journal_unlock(&j);
}

int main(void)
{
	fixture();
	test_unbind_child();
	test_unbind_fd0();
	test_journal_short_write();
	sh("rm -rf '%s'", root);
	return tap_done();
}
