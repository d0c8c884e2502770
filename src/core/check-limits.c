// SPDX-License-Identifier: GPL-2.0-or-later
/* check: RLIMIT_MEMLOCK from limits.conf / limits.d as pam_limits applies it, and users. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/check-int.h"
#include "core/reset.h"
#include "core/safety.h"

/* ---- limits.conf ---- */

static bool in_groups(char *const *groups, const char *g)
{
	for (; groups && *groups; groups++)
		if (!strcmp(*groups, g))
			return true;
	return false;
}

static void limit_set(struct vfc_limit *l, int prio, bool unlimited, uint64_t bytes,
		      const char *file, int lineno)
{
	/* pam_limits: a more specific domain is never overridden by a less specific one */
	if (l->set && prio > l->prio)
		return;
	l->set = true;
	l->prio = prio;
	l->unlimited = unlimited;
	l->bytes = bytes;
	snprintf(l->source, sizeof(l->source), "%s:%d", file, lineno);
}

void vfc_limits_apply(const char *text, const char *file, const char *user, char *const *groups,
		      struct vfc_limit *soft, struct vfc_limit *hard)
{
	const char *line = text;
	int lineno = 0;
	bool root = !strcmp(user, "root");

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[512], *save = NULL, *dom, *type, *item, *val, *hash;
		bool unlimited = false;
		uint64_t kib = 0;
		int prio;

		lineno++;
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		line = end ? end + 1 : NULL;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		dom = strtok_r(buf, " \t", &save);
		type = strtok_r(NULL, " \t", &save);
		item = strtok_r(NULL, " \t", &save);
		val = strtok_r(NULL, " \t", &save);
		if (!dom || !type || !item || !val || strcmp(item, "memlock"))
			continue;
		if (!strcmp(dom, user))
			prio = 1;
		else if (dom[0] == '@' && !root && in_groups(groups, dom + 1))
			prio = 2;
		else if (!strcmp(dom, "*") && !root)
			prio = 3;
		else
			continue;
		if (!strcmp(val, "unlimited") || !strcmp(val, "infinity") || !strcmp(val, "-1"))
			unlimited = true;
		else if (vfc_parse_u64(val, &kib) || kib > UINT64_MAX / 1024)
			continue;	/* pam_limits ignores a value it cannot parse */
		if (!strcmp(type, "soft") || !strcmp(type, "-"))
			limit_set(soft, prio, unlimited, kib * 1024, file, lineno);
		if (!strcmp(type, "hard") || !strcmp(type, "-"))
			limit_set(hard, prio, unlimited, kib * 1024, file, lineno);
	}
}

int vfc_check_user_read(const struct vfc_ctx *ctx, const char *name, struct vfc_check_user *u)
{
	size_t len = 1 << 20, n = 0;
	char *buf = malloc(len), *line, *save = NULL;
	bool found = false;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->groups = calloc(VFC_ARRAY_SIZE(u->gids) + 1, sizeof(*u->groups));
	if (!buf || !u->groups) {
		free(buf);
		vfc_check_user_free(u);
		return -ENOMEM;
	}
	if (vfc_read_attr(ctx, buf, len, "/etc/passwd") >= 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *f[4] = { 0 };
			int k = 0;

			/* name:passwd:uid:gid (strsep keeps empty fields) */
			for (char *p = line; k < 4 && p; k++)
				f[k] = strsep(&p, ":");
			if (k == 4 && f[0] && !strcmp(f[0], name)) {
				u->uid = (uid_t)strtoul(f[2], NULL, 10);
				u->gid = (gid_t)strtoul(f[3], NULL, 10);
				found = true;
				break;
			}
		}
	}
	if (!found) {
		free(buf);
		vfc_check_user_free(u);
		return -ENOENT;
	}
	save = NULL;
	if (vfc_read_attr(ctx, buf, len, "/etc/group") >= 0) {
		for (line = strtok_r(buf, "\n", &save); line && n < VFC_ARRAY_SIZE(u->gids);
		     line = strtok_r(NULL, "\n", &save)) {
			char *f[4] = { 0 }, *p = line;
			bool member = false;
			int k = 0;

			for (; k < 4 && p; k++)
				f[k] = strsep(&p, ":");
			if (k < 4 || !f[0] || !f[2])
				continue;
			if ((gid_t)strtoul(f[2], NULL, 10) == u->gid)
				member = true;
			for (char *m = f[3], *mm; !member && m && (mm = strsep(&m, ","));)
				if (!strcmp(mm, name))
					member = true;
			if (!member)
				continue;
			if (!(u->groups[n] = strdup(f[0])))
				break;
			u->gids[n++] = (gid_t)strtoul(f[2], NULL, 10);
		}
	}
	u->ngids = n;
	free(buf);
	return 0;
}

void vfc_check_user_free(struct vfc_check_user *u)
{
	vfc_strv_free(u->groups);
	u->groups = NULL;
}

void vfc_check_memlock_user(const struct vfc_ctx *ctx, const char *user, char **groups,
			 struct vfc_check_report *r)
{
	struct vfc_limit soft = { 0 }, hard = { 0 };
	struct vfc_names d = { 0 };
	size_t len = 1 << 20;
	char *buf = malloc(len), item[40], sz[32];

	snprintf(item, sizeof(item), "accounting(%s)", user);
	/* whose budget the user's pins draw on: what an admin sizes the limit for */
	if (vfc_exists(ctx, "/dev/iommu") == 1)
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "iommufd charges %s's pins per user: every process of %s shares one "
			      "RLIMIT_MEMLOCK budget, unless the iommufd is switched to per process "
			      "(IOMMU_OPTION_RLIMIT_MODE, as vfioctl exec --handoff does when it holds "
			      "CAP_SYS_RESOURCE); type1 charges each process", user, user);
	else
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "type1 charges each process of %s against its own RLIMIT_MEMLOCK "
			      "(no /dev/iommu: iommufd's per-user accounting does not apply)", user);
	snprintf(item, sizeof(item), "memlock(%s)", user);
	if (!buf)
		return;
	if (vfc_read_attr(ctx, buf, len, "/etc/security/limits.conf") >= 0)
		vfc_limits_apply(buf, "/etc/security/limits.conf", user, groups, &soft, &hard);
	if (!vfc_list_dir(ctx, &d, "/etc/security/limits.d")) {
		for (size_t i = 0; i < d.n; i++) {
			char file[300];
			size_t l = strlen(d.v[i]);

			if (l < 6 || strcmp(d.v[i] + l - 5, ".conf"))
				continue;
			snprintf(file, sizeof(file), "/etc/security/limits.d/%s", d.v[i]);
			if (vfc_read_attr(ctx, buf, len, "%s", file) >= 0)
				vfc_limits_apply(buf, file, user, groups, &soft, &hard);
		}
		vfc_names_free(&d);
	}
	free(buf);
	if (!soft.set && !hard.set) {
		vfc_check_add(r, "host", item, VFC_CHECK_WARN,
			      "add '<user> - memlock unlimited' (or the VM's RAM in KiB) to "
			      "/etc/security/limits.d/vfio.conf; for a systemd service set "
			      "LimitMEMLOCK= in its unit instead",
			      "no limits.conf entry applies to %s: a login session gets the default "
			      "(8 MiB on Linux >= 5.16), too little to pin a VM's memory", user);
		return;
	}
	if (!soft.set)
		soft = hard;
	if (soft.unlimited || soft.bytes >= MEMLOCK_WARN_BELOW) {
		vfc_check_add(r, "host", item, VFC_CHECK_OK, NULL,
			      "soft %s (%s) for login sessions via pam_limits",
			      soft.unlimited ? "unlimited" : vfc_format_size(soft.bytes, sz, sizeof(sz)),
			      soft.source);
		return;
	}
	vfc_check_add(r, "host", item, VFC_CHECK_WARN,
		      "raise it in /etc/security/limits.d/vfio.conf ('<user> - memlock "
		      "unlimited' or the VM's RAM in KiB); systemd services: LimitMEMLOCK=",
		      "soft %s (%s): DMA mappings past it fail with ENOMEM; a VM pins all its RAM",
		      vfc_format_size(soft.bytes, sz, sizeof(sz)), soft.source);
}
