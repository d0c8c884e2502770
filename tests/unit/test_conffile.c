// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl.conf as a file (core/conf.c): vfc_conf_read_all keeps bad lines as entries so apply
 * can refuse them alone; vfc_conf_node_owner judges and fixes a /dev/vfio/N node below a root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "tap.h"

static char dir[] = "/tmp/vfc-conffile-XXXXXX";

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static mode_t mode_of(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

static void read_all(void)
{
	char p[PATH_MAX];
	struct vfc_conf_entry *e = NULL;
	size_t n = 0;

	put("c.conf", "# head\n01:00.0\n\nbogus line\n10de:2204 driver=pci-stub\n12\n", 0644);
	snprintf(p, sizeof(p), "%s/c.conf", dir);
	OK(vfc_conf_read_all(p, &e, &n) == 0 && n == 4, "read_all: 4 entries, bad lines too (n=%zu)",
	   n);
	if (n == 4) {
		OK(!e[0].bad && e[0].line == 2 && !strcmp(e[0].match_text, "0000:01:00.0"),
		   "read_all: a good line keeps its line number");
		OK(e[1].bad && e[1].line == 4, "read_all: a bad line is an entry with its reason");
		OK(!e[2].bad && e[2].line == 5 && !strcmp(e[2].driver, "pci-stub"),
		   "read_all: parsing goes on after a bad line");
		OK(e[3].bad && e[3].line == 6 && strstr(e[3].bad, "group"),
		   "read_all: a group number is a bad line that says why");
	}
	free(e);
	e = NULL;
	snprintf(p, sizeof(p), "%s/missing.conf", dir);
	OK(vfc_conf_read_all(p, &e, &n) == -ENOENT, "read_all: a missing file is -ENOENT");
	free(e);
}

static void node_owner(void)
{
	struct vfc_ctx ctx;
	char what[64] = "", p[PATH_MAX], want[64];

	snprintf(p, sizeof(p), "%s/dev", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev/vfio", dir);
	mkdir(p, 0755);
	put("dev/vfio/7", "", 0400);
	if (vfc_ctx_init(&ctx, dir)) {
		OK(0, "sysroot context on %s", dir);
		return;
	}
	OK(vfc_conf_node_owner(&ctx, "/dev/vfio/7", (uid_t)-1, (gid_t)-1, false, what,
			       sizeof(what)) == 1, "node_owner: 0400 is not rw for the user");
	snprintf(want, sizeof(want), "%u:%u 0400", (unsigned)geteuid(), (unsigned)getegid());
	OK(!strcmp(what, want), "node_owner: what says UID:GID MODE (%s)", what);
	OK(mode_of("dev/vfio/7") == 0400, "node_owner: without fix nothing changes");
	OK(vfc_conf_node_owner(&ctx, "/dev/vfio/7", geteuid(), (gid_t)-1, true, what,
			       sizeof(what)) == 1 && mode_of("dev/vfio/7") == 0600,
	   "node_owner: fix adds rw for the user, keeps the rest");
	OK(vfc_conf_node_owner(&ctx, "/dev/vfio/7", geteuid(), getegid(), false, what,
			       sizeof(what)) == 0, "node_owner: then it is as wanted");
	snprintf(p, sizeof(p), "%s/dev/vfio/8", dir);
	OK(symlink("7", p) == 0 && vfc_conf_node_owner(&ctx, "/dev/vfio/8", (uid_t)-1,
						       (gid_t)-1, true, what, sizeof(what)) ==
	   -ELOOP, "node_owner: never through a symlink");
	OK(vfc_conf_node_owner(&ctx, "/dev/vfio/9", (uid_t)-1, (gid_t)-1, false, what,
			       sizeof(what)) == -ENOENT, "node_owner: a missing node is -ENOENT");
}

int main(void)
{
	char cmd[PATH_MAX + 16];
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	read_all();
	node_owner();
	rc = tap_done();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		rc = 1;
	return rc;
}
