// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl exec TARGET... -- PROGRAM ARGS...`: build a domain as domain does, then replace
 * vfioctl with PROGRAM holding the domain's file descriptors ({fd:...} placeholders and
 * VFIOCTL_* environment), optionally as another user with no capabilities left.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cap-ng.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/wait.h>

#include "core/caps.h"
#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/topology.h"
#include "cmd/domain-int.h"
#include "vfioctl.h"

/* ---- exec: hand the prepared domain's file descriptors to a program ---- */

char *dom_exec_user;

static const struct poptOption exec_options[] = {
	{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)dom_options, 0, NULL, NULL },
	{ "user", 'u', POPT_ARG_STRING, &dom_exec_user, 0,
	  "run PROGRAM as USER with no capabilities left (after every privileged open)", "USER" },
	POPT_TABLEEND
};

static int fdvar_add(struct dom_fdvars *fv, int fd, const char *key, const char *env, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));

static int fdvar_add(struct dom_fdvars *fv, int fd, const char *key, const char *env, const char *fmt,
		     ...)
{
	struct fdvar *n = reallocarray(fv->v, fv->n + 1, sizeof(*n));
	va_list ap;

	if (!n)
		return -ENOMEM;
	fv->v = n;
	n = &fv->v[fv->n++];
	memset(n, 0, sizeof(*n));
	n->fd = fd;
	snprintf(n->key, sizeof(n->key), "%s", key);
	snprintf(n->env, sizeof(n->env), "%s", env);
	va_start(ap, fmt);
	vsnprintf(n->val, sizeof(n->val), fmt, ap);
	va_end(ap);
	return 0;
}

/* VFIOCTL_DEVICE_0000_01_00_0: environment names cannot hold ':' or '.'. */
static void env_name(char *buf, size_t len, const char *prefix, const char *id)
{
	size_t n = (size_t)snprintf(buf, len, "%s", prefix);

	for (; *id && n + 1 < len; id++)
		buf[n++] = (*id == ':' || *id == '.' || *id == '-') ? '_' : *id;
	buf[n] = '\0';
}

/*
 * The fds and facts a program gets: container and groups (legacy) or iommufd and IOAS, the
 * devices, the maps and the window. maps: the requests of a one-shot exec, each {map:K} its
 * place in the shared memfd; NULL: a named domain's kernel mappings, {map:K} as show lists them.
 */
int dom_collect_fds(struct vfc_domain *d, char *const *bdfs, size_t nbdfs,
		       const struct vfc_map_req *maps, struct dom_fdvars *fv)
{
	char key[64], env[96], list[1024] = "";
	struct vfc_err e = { { 0 }, { 0 } };
	size_t used = 0;
	int rc = 0, fd;

	if (d->backend == VFC_BACKEND_IOMMUFD) {
		rc |= fdvar_add(fv, d->iommufd, "iommufd", "VFIOCTL_IOMMUFD", "%d", d->iommufd);
		rc |= fdvar_add(fv, -1, "ioas", "VFIOCTL_IOAS", "%u", d->ioas);
	} else {
		rc |= fdvar_add(fv, d->c.fd, "container", "VFIOCTL_CONTAINER", "%d", d->c.fd);
		for (size_t i = 0; i < d->ngroups; i++) {
			char id[16];

			snprintf(id, sizeof(id), "%d", d->groups[i].id);
			snprintf(key, sizeof(key), "group:%s", id);
			env_name(env, sizeof(env), "VFIOCTL_GROUP_", id);
			rc |= fdvar_add(fv, d->groups[i].fd, key, env, "%d", d->groups[i].fd);
		}
	}
	for (size_t i = 0; i < nbdfs; i++) {
		int err = vfc_domain_device_fd(d, bdfs[i], &fd, &e);

		if (err) {
			dom_fail(&e, err);
			return err;
		}
		snprintf(key, sizeof(key), "device:%s", bdfs[i]);
		env_name(env, sizeof(env), "VFIOCTL_DEVICE_", bdfs[i]);
		rc |= fdvar_add(fv, fd, key, env, "%d", fd);
		if (i == 0)
			rc |= fdvar_add(fv, -1, "device", "VFIOCTL_DEVICE", "%d", fd);
		used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
					 "%s%s=%d", i ? "," : "", bdfs[i], fd);
	}
	rc |= fdvar_add(fv, -1, "devices", "VFIOCTL_DEVICES", "%s", list);
	/* Maps: the memfd that backs each, the offset there, and where it sits. */
	for (size_t k = 0; k < d->nmaps; k++) {
		const struct vfc_mapping *m = &d->maps[k];
		size_t q = maps ? m->first_req : k, end = maps ? m->first_req + m->nreqs : k + 1;

		for (; q < end; q++) {
			char id[24];

			snprintf(id, sizeof(id), "%zu", q);
			snprintf(key, sizeof(key), "map:%zu", q);
			env_name(env, sizeof(env), "VFIOCTL_MAP_", id);
			rc |= fdvar_add(fv, m->memfd, key, env, "fd=%d,offset=0x%llx,iova=0x%llx,size=0x%llx",
					m->memfd,
					(unsigned long long)(maps ? (char *)maps[q].vaddr -
								    (char *)m->vaddr : 0),
					(unsigned long long)(maps ? maps[q].iova : m->iova),
					(unsigned long long)(maps ? maps[q].size : m->size));
		}
	}
	if (d->has_window)
		rc |= fdvar_add(fv, -1, "window", "VFIOCTL_WINDOW", "0x%llx+0x%llx",
				(unsigned long long)d->window.start,
				(unsigned long long)vfc_range_size(&d->window));
	rc |= fdvar_add(fv, -1, "backend", "VFIOCTL_BACKEND", "%s", vfc_backend_name(d->backend));
	if (rc)
		vfc_err("exec", -ENOMEM, "cannot collect the file descriptors");
	return rc ? -ENOMEM : 0;
}

/* Replace {key} placeholders; an unknown one is an error naming it (exit 2). */
static int substitute(const char *arg, const struct dom_fdvars *fv, char **out)
{
	size_t cap = strlen(arg) + 1, n = 0;
	char *buf = malloc(cap), *nb;

	if (!buf)
		return -ENOMEM;
	const char *begin = arg;

	while (*arg) {
		const char *close;
		const char *val = NULL;

		/*
		 * {name} or {name:arg} with name and arg of [a-z0-9:._-]; "${...}" and "{}" are the
		 * shell's or the program's, left alone.
		 */
		if (*arg == '{' && (arg == begin || arg[-1] != '$') && (close = strchr(arg, '}')) &&
		    close > arg + 1 &&
		    strspn(arg + 1, "abcdefghijklmnopqrstuvwxyz0123456789:._-") == (size_t)(close - arg - 1)) {
			size_t klen = (size_t)(close - arg - 1);

			for (size_t i = 0; i < fv->n && !val; i++)
				if (strlen(fv->v[i].key) == klen && !strncmp(fv->v[i].key, arg + 1, klen))
					val = fv->v[i].val;
			if (!val) {
				vfc_err("exec", 0, "unknown placeholder '%.*s' in '%s'", (int)(klen + 2),
					arg, arg);
				free(buf);
				return -EINVAL;
			}
			cap += strlen(val);
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);	/* realloc failing leaves it allocated */
				return -ENOMEM;
			}
			buf = nb;
			memcpy(buf + n, val, strlen(val));
			n += strlen(val);
			arg = close + 1;
			continue;
		}
		buf[n++] = *arg++;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static bool kept(const struct dom_fdvars *fv, int fd)
{
	for (size_t i = 0; i < fv->n; i++)
		if (fv->v[i].fd == fd)
			return true;
	return false;
}

/*
 * Announced fds lose FD_CLOEXEC; every other fd above stderr gets it, so PROGRAM inherits
 * exactly the announced set (libraries may have opened things we do not know about).
 */
static int arrange_fds(const struct dom_fdvars *fv)
{
	struct vfc_ctx self;
	struct vfc_names fds;
	int rc;

	vfc_ctx_init(&self, NULL);
	rc = vfc_list_dir(&self, &fds, "/proc/self/fd");
	if (rc)
		return rc;
	for (size_t i = 0; i < fds.n; i++) {
		int fd = atoi(fds.v[i]);
		int fl = fcntl(fd, F_GETFD);

		if (fd <= 2 || fl < 0)
			continue;
		fcntl(fd, F_SETFD, kept(fv, fd) ? (fl & ~FD_CLOEXEC) : (fl | FD_CLOEXEC));
	}
	vfc_names_free(&fds);
	return 0;
}

static int drop_to_user(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		vfc_err(user, 0, "no such user");
		return VFC_EXIT_USAGE;
	}
	/* libcap-ng: change uid/gid, drop supplementary groups, keep no capability at all. */
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING)) {
		vfc_err(user, errno ? -errno : -EPERM, "cannot drop to this user");
		return VFC_EXIT_PERM;
	}
	return 0;
}

/* PROGRAM ARGS with placeholders replaced; NULL-terminated. Returns 0 or an exit code. */
int dom_expand_args(const char **tail, int ntail, const struct dom_fdvars *fv, char ***out)
{
	char **args = calloc((size_t)ntail + 1, sizeof(*args));

	*out = args;
	if (!args)
		return VFC_EXIT_FAILED;
	for (int i = 0; i < ntail; i++)
		if (substitute(tail[i], fv, &args[i]))
			return VFC_EXIT_USAGE;
	return 0;
}

void dom_args_free(char **args)
{
	for (size_t i = 0; args && args[i]; i++)
		free(args[i]);
	free(args);
}

/* Announce the fds, keep only them, drop to the user, exec. Returns only on failure. */
int dom_exec_program(char **args, const struct dom_fdvars *fv, const char *user)
{
	int rc;

	for (size_t i = 0; i < fv->n; i++)
		setenv(fv->v[i].env, fv->v[i].val, 1);
	rc = arrange_fds(fv);
	if (rc) {
		/* arrange_fds returns -errno; the global errno may be anything by now */
		vfc_err("exec", rc, "cannot arrange file descriptors");
		return VFC_EXIT_FAILED;
	}
	if (user) {
		rc = drop_to_user(user);
		if (rc)
			return rc;
	}
	fflush(NULL);
	execvp(args[0], args);
	rc = errno;
	vfc_err(args[0], -rc, "cannot execute");
	return rc == ENOENT ? 127 : 126;
}

static int cmd_exec(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	struct vfc_domain *d = NULL;
	struct vfc_err e = { { 0 }, { 0 } };
	struct dom_fdvars fv = { 0 };
	char **args = NULL;
	struct dom_prep p;
	int rc;

	if (!cli->ntail)
		return vfc_usage_error("exec: PROGRAM is missing (exec TARGET... -- PROGRAM ARGS...)");
	if (dom_opt.verify)
		return vfc_usage_error("exec: --verify belongs to domain (the program does the DMA)");
	rc = dom_prepare(cli, "exec", argc, argv, true, &p);
	if (!rc)
		rc = dom_create(cli, &p, &d);
	if (rc)
		goto out;
	dom_warn_backend(d, &p.ml, p.nmaps);
	if (p.nmaps) {
		rc = vfc_domain_map(d, p.maps, p.nmaps, &e);
		if (rc) {
			rc = dom_map_exit(&e, rc);
			goto out;
		}
	}
	rc = dom_collect_fds(d, p.t.bdfs, p.t.nbdfs, p.maps, &fv) ? VFC_EXIT_FAILED : 0;
	if (!rc)
		rc = dom_expand_args(cli->tail, cli->ntail, &fv, &args);
	if (!rc)
		rc = dom_exec_program(args, &fv, dom_exec_user);
out:
	/* Only reached when PROGRAM did not start: tear down as domain would. */
	if (d)
		vfc_domain_destroy(d, NULL);
	dom_args_free(args);
	free(fv.v);
	dom_prep_free(&p);
	return rc;
}

static const struct vfc_cmd vfc_cmd_exec = {
	.name = "exec",
	.order = 45,
	.args = "TARGET... [DOMAIN OPTIONS] [--user U] -- PROGRAM ARGS...",
	.summary = "build a domain and run PROGRAM with its file descriptors ({device:BDF}, ...)",
	.options = exec_options,
	.run = cmd_exec,
	.takes_tail = true,
};
VFC_COMMAND(vfc_cmd_exec);
