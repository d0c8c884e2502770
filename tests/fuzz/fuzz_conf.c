// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl.conf (src/core/conf.h): the input is a whole file. Checked: every line alone
 * (vfc_conf_parse_line) and the file (vfc_conf_read) agree; an accepted entry is a device or
 * ids match (or PF/vfs) whose canonical text parses back to the same target, with sane driver/owner
 * names; and `bind --persist` editing (vfc_conf_set) of a valid file keeps it valid, keeps
 * every other entry, leaves exactly one line for the device, is idempotent, and removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/util.h"
#include "fuzz.h"

/* tmpfs when there is one: vfc_conf_set fsyncs every rewrite. */
static char dir[64];
static char path[sizeof(dir) + 16];

static void cleanup(void)
{
	char p[sizeof(dir) + 32];

	snprintf(p, sizeof(p), "%s/conf", dir);
	unlink(p);
	rmdir(dir);
}

static void check_entry(const struct vfc_conf_entry *e)
{
	struct vfc_target t;

	FUZZ_CHECK(e->match.kind == VFC_TARGET_DEVICE || e->match.kind == VFC_TARGET_ID ||
		   e->match.kind == VFC_TARGET_VFS, "match kind %d", e->match.kind);
	FUZZ_CHECK(e->binds || e->match.kind == VFC_TARGET_DEVICE, "vfs= on '%s'", e->match_text);
	FUZZ_CHECK(e->vfs >= -1 && e->autoprobe >= -1 && e->autoprobe <= 1 && e->d3cold >= -1 &&
		   e->d3cold <= 1, "vfs %d autoprobe %d d3cold %d", e->vfs, e->autoprobe, e->d3cold);
	FUZZ_CHECK(!vfc_target_parse(e->match_text, &t) && t.kind == e->match.kind,
		   "match_text '%s'", e->match_text);
	FUZZ_CHECK(vfc_name_is_sane(e->driver, sizeof(e->driver) - 1), "driver '%s'", e->driver);
	FUZZ_CHECK(!*e->owner || vfc_name_is_sane(e->owner, sizeof(e->owner) - 1), "owner '%s'",
		   e->owner);
}

static size_t count_bdf(const struct vfc_conf_entry *v, size_t n, const char *bdf)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i].match.kind == VFC_TARGET_DEVICE && !strcmp(v[i].match_text, bdf);
	return k;
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char bdf[] = "0000:01:00.0";
	struct vfc_conf_entry *v = NULL, *w = NULL, e;
	size_t n = 0, m = 0, before;
	const char *why = NULL, *old_owner = NULL;
	int bad = 0, rc;
	bool changed;
	char *s;

	if (!*path) {
		snprintf(dir, sizeof(dir), "%s/vfc-fuzz-conf.XXXXXX",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
		snprintf(path, sizeof(path), "%s/conf", dir);
	}
	if (size > 8192)
		return 0;

	/* The input as one line. */
	s = fuzz_cstr(data, size);
	rc = vfc_conf_parse_line(s, &e, &why);
	FUZZ_CHECK(rc == 0 || rc == 1 || (rc == -EINVAL && why), "parse_line: %d", rc);
	if (rc == 1)
		check_entry(&e);
	free(s);

	/* The input as a file. */
	write_file(data, size);
	rc = vfc_conf_read(path, &v, &n, &bad, &why);
	FUZZ_CHECK(rc == 0 || (rc == -EINVAL && bad > 0 && why), "read: %d, line %d", rc, bad);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		check_entry(&v[i]);
		FUZZ_CHECK(!i || v[i].line > v[i - 1].line, "line numbers");
	}
	/* Files holding NUL bytes are rewritten up to each NUL (fputs): not a text file. */
	if (memchr(data, '\0', size))
		goto out;

	before = count_bdf(v, n, bdf);
	/* the line set keeps the first old line's owner= (a merge: bind --persist without --owner) */
	for (size_t i = 0; i < n && !old_owner; i++)
		if (v[i].match.kind == VFC_TARGET_DEVICE && !strcmp(v[i].match_text, bdf))
			old_owner = v[i].owner;
	rc = vfc_conf_set(path, bdf, "vfio-pci", "", false, &changed);
	FUZZ_CHECK(!rc, "set: %d", rc);
	rc = vfc_conf_read(path, &w, &m, &bad, &why);
	FUZZ_CHECK(!rc, "set made the file unreadable: line %d: %s", bad, why);
	FUZZ_CHECK(count_bdf(w, m, bdf) == 1, "set left %zu lines for %s", count_bdf(w, m, bdf), bdf);
	FUZZ_CHECK(m == n - before + 1, "set: %zu entries, was %zu (%zu for the device)", m, n,
		   before);
	for (size_t i = 0; i < m; i++)
		if (w[i].match.kind == VFC_TARGET_DEVICE && !strcmp(w[i].match_text, bdf))
			FUZZ_CHECK(!strcmp(w[i].driver, "vfio-pci") &&
				   !strcmp(w[i].owner, old_owner ? old_owner : ""), "set entry");
	free(w);
	w = NULL;
	rc = vfc_conf_set(path, bdf, "vfio-pci", "", false, &changed);
	FUZZ_CHECK(!rc && !changed, "set twice: %d, changed %d", rc, changed);

	rc = vfc_conf_set(path, bdf, NULL, NULL, true, &changed);
	FUZZ_CHECK(!rc && changed, "remove: %d", rc);
	rc = vfc_conf_read(path, &w, &m, &bad, &why);
	FUZZ_CHECK(!rc && !count_bdf(w, m, bdf) && m == n - before, "remove left %zu of %zu", m, n);
out:
	free(v);
	free(w);
	return 0;
}
