// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl exec TARGET... -- PROGRAM ARGS...`: build a domain as domain does, then replace
 * vfioctl with PROGRAM holding the domain's file descriptors ({fd:...} placeholders and
 * VFIOCTL_* environment), optionally as another user with no capabilities left.
 * `exec --handoff`: the fds a VMM binds itself (QEMU, cloud-hypervisor): /dev/iommu and the
 * device cdevs, or the container and the group nodes; nothing bound, attached or mapped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cap-ng.h>
#include <grp.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core/caps.h"
#include "core/domain.h"
#include "core/pciaddr.h"
#include "core/topology.h"
#include "core/util.h"
#include "cmd/domain-int.h"
#include "vfioctl.h"

/* ---- exec: hand the prepared domain's file descriptors to a program ---- */

struct exec_opts {
	struct dom_opts dom;
	struct dom_exec_as as;
};

#define EXEC_DOM(f) VFC_OPT(struct exec_opts, dom.f)
static const struct poptOption exec_options[] = {
	DOM_OPTION_ROWS(EXEC_DOM)
	{ "handoff", 0, POPT_ARG_NONE, VFC_OPT(struct exec_opts, as.handoff), 0,
	  "hand a VMM unbound fds ({iommufd}, {device:BDF}; legacy: {container}, {group:N}): "
	  "nothing bound, attached or mapped", NULL },
	{ "user", 'u', POPT_ARG_STRING, VFC_OPT(struct exec_opts, as.user), 0,
	  "run PROGRAM as USER (and its groups) with no capabilities left (after every privileged "
	  "open)", "USER" },
	{ "group", 0, POPT_ARG_STRING, VFC_OPT(struct exec_opts, as.group), 0,
	  "with --user: GROUP is PROGRAM's primary group instead of the user's", "GROUP" },
	{ "memlock", 0, POPT_ARG_STRING, VFC_OPT(struct exec_opts, as.memlock), 0,
	  "RLIMIT_MEMLOCK of PROGRAM, set before privileges go (a VMM pins its guest RAM: "
	  "RAM + 1G per VFIO domain)", "SIZE" },
	POPT_TABLEEND
};

static int fdvar_add(struct dom_fdvars *fv, int fd, const char *key, const char *env, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));

static int fdvar_add(struct dom_fdvars *fv, int fd, const char *key, const char *env, const char *fmt,
		     ...)
{
	struct fdvar *n = VFC_APPEND(fv->v, fv->n);
	va_list ap;

	if (!n)
		return -ENOMEM;
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
		if (!d->handoff)
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
	/* A legacy handoff has no device fd: the VMM gets them from its groups once it set them up. */
	for (size_t i = 0; i < nbdfs && !(d->handoff && d->backend != VFC_BACKEND_IOMMUFD); i++) {
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
	if (d->handoff) {
		/* Whose locked_vm the VMM's pins are charged to: type1 and SPAPR, always its own. */
		rc |= fdvar_add(fv, -1, "accounting", "VFIOCTL_MEMLOCK_ACCOUNTING", "%s",
				d->memlock_per_user ? "user" : "process");
		fv->hint = d->backend == VFC_BACKEND_IOMMUFD
				   ? " (--handoff: the VMM binds the devices and allocates its own IOAS; "
				     "there is no {ioas}, {map:K} or {window})"
				   : " (--handoff, legacy: the VMM sets the container up and opens the "
				     "devices from its groups; there is no {device:BDF}, {map:K} or "
				     "{window})";
	}
	if (rc)
		vfc_err("exec", -ENOMEM, "cannot collect the file descriptors");
	return rc ? -ENOMEM : 0;
}

/* Replace {key} placeholders; an unknown one is an error naming it (exit 2). */
static int substitute(const char *arg, struct dom_fdvars *fv, char **out)
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
				if (strlen(fv->v[i].key) == klen && !strncmp(fv->v[i].key, arg + 1, klen)) {
					val = fv->v[i].val;
					fv->v[i].used = true;
				}
			if (!val) {
				vfc_err("exec", 0, "unknown placeholder '%.*s' in '%s'%s", (int)(klen + 2),
					arg, begin, fv->hint ? fv->hint : "");
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

static int drop_to_user(const char *user, const char *group)
{
	struct passwd *pw = getpwnam(user);
	struct group *gr = group ? getgrnam(group) : NULL;

	if (!pw) {
		vfc_err(user, 0, "no such user");
		return VFC_EXIT_USAGE;
	}
	if (group && !gr) {
		vfc_err(group, 0, "no such group");
		return VFC_EXIT_USAGE;
	}
	/*
	 * libcap-ng: the user's supplementary groups (initgroups, as login and libvirt do: a
	 * group owning /dev/vfio/N keeps working), its uid and gid (or --group's), and no
	 * capability at all: none effective, permitted, inheritable, ambient or bounding.
	 */
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_change_id((int)pw->pw_uid, (int)(gr ? gr->gr_gid : pw->pw_gid),
			    CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT)) {
		vfc_err(user, errno ? -errno : -EPERM, "cannot drop to this user");
		return VFC_EXIT_PERM;
	}
	return 0;
}

/*
 * --memlock SIZE above the hard limit needs CAP_SYS_RESOURCE: refuse it with the shortfall
 * before anything is opened, not with a VMM that fails to pin later.
 */
static int memlock_refused(uint64_t want, uint64_t hard)
{
	char a[32], b[32], c[32];

	vfc_err("memlock", 0, "cannot raise RLIMIT_MEMLOCK to %s: the hard limit is %s and vfioctl "
		"lacks CAP_SYS_RESOURCE: short by %s; run vfioctl as root, or raise the hard limit "
		"(limits.conf memlock, LimitMEMLOCK=)",
		vfc_format_size(want, a, sizeof(a)), vfc_format_size(hard, b, sizeof(b)),
		vfc_format_size(want - hard, c, sizeof(c)));
	return VFC_EXIT_PERM;
}

int dom_exec_check(const struct dom_exec_as *as, uint64_t *memlock)
{
	struct rlimit rl;

	*memlock = 0;
	if (as->group && !as->user)
		return vfc_usage_error("--group needs --user (it replaces that user's primary group)");
	if (as->user && !getpwnam(as->user)) {
		vfc_err(as->user, 0, "no such user");
		return VFC_EXIT_USAGE;
	}
	if (as->group && !getgrnam(as->group)) {
		vfc_err(as->group, 0, "no such group");
		return VFC_EXIT_USAGE;
	}
	if (!as->memlock)
		return 0;
	if (vfc_parse_size(as->memlock, memlock) || !*memlock)
		return vfc_usage_error("--memlock: '%s' is not a size", as->memlock);
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_max != RLIM_INFINITY &&
	    *memlock > (uint64_t)rl.rlim_max &&
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_RESOURCE) != 1)
		return memlock_refused(*memlock, (uint64_t)rl.rlim_max);
	return 0;
}

/* PROGRAM ARGS with placeholders replaced; NULL-terminated. Returns 0 or an exit code. */
int dom_expand_args(const char **tail, int ntail, struct dom_fdvars *fv, char ***out)
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

/* Announce the fds, keep only them, set the memlock, drop to the user, exec. Returns only on failure. */
int dom_exec_program(char **args, const struct dom_fdvars *fv, const struct dom_exec_as *as)
{
	uint64_t memlock = 0, hard;
	int rc;

	rc = dom_exec_check(as, &memlock);
	if (rc)
		return rc;
	for (size_t i = 0; i < fv->n; i++)
		if (fv->v[i].env[0])
			setenv(fv->v[i].env, fv->v[i].val, 1);
	rc = arrange_fds(fv);
	if (rc) {
		/* arrange_fds returns -errno; the global errno may be anything by now */
		vfc_err("exec", rc, "cannot arrange file descriptors");
		return VFC_EXIT_FAILED;
	}
	/* Before the user: raising the hard limit needs CAP_SYS_RESOURCE; exec keeps it. */
	if (memlock) {
		rc = vfc_memlock_set(memlock, &hard);
		if (rc == -EPERM && memlock > hard)
			return memlock_refused(memlock, hard);
		if (rc) {
			vfc_err("memlock", rc, "cannot set RLIMIT_MEMLOCK");
			return VFC_EXIT_FAILED;
		}
	}
	if (as->user) {
		rc = drop_to_user(as->user, as->group);
		if (rc)
			return rc;
	}
	fflush(NULL);
	execvp(args[0], args);
	rc = errno;
	vfc_err(args[0], -rc, "cannot execute");
	return rc == ENOENT ? 127 : 126;
}

/* A VMM binds, attaches and maps the devices itself: a prepared domain cannot be its input. */
bool dom_is_vmm(const char *prog)
{
	const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;

	return !strncmp(base, "qemu-system-", 12) || !strcmp(base, "cloud-hypervisor") ||
	       !strcmp(base, "crosvm") || !strncmp(base, "qemu-kvm", 8);
}

/* The options that shape a prepared domain; a handoff has none of it. */
static const char *prepared_only(const struct dom_opts *o)
{
	return o->maps ? "--map" : o->pin ? "--pin" : o->window ? "--window"
	       : o->page_size ? "--page-size" : o->levels ? "--levels"
	       : o->replace_default ? "--replace-default"
	       : o->unsafe_noiommu ? "--unsafe-noiommu" : o->vf_token ? "--vf-token" : NULL;
}

/*
 * Legacy handoff: a group node opens once. Hand it over only when PROGRAM's words name
 * {group:N} (a program that takes the fd); else close it, so that a VMM opening /dev/vfio/N
 * itself (QEMU -device vfio-pci,host=) can, and check that PROGRAM's user may open it.
 */
static int handoff_groups(struct vfc_cli *cli, struct vfc_domain *d, struct dom_fdvars *fv,
			  const struct dom_exec_as *as)
{
	struct passwd *pw = as->user ? getpwnam(as->user) : NULL;
	struct group *gr = as->group ? getgrnam(as->group) : NULL;
	gid_t gl[256];
	unsigned gids[257];
	int ng = VFC_ARRAY_SIZE(gl);
	size_t ngids = 0;

	if (pw) {
		gids[ngids++] = gr ? gr->gr_gid : pw->pw_gid;
		if (getgrouplist(pw->pw_name, pw->pw_gid, gl, &ng) >= 0)
			for (int i = 0; i < ng; i++)
				gids[ngids++] = gl[i];
	}
	for (size_t i = 0; i < fv->n; i++) {
		struct fdvar *v = &fv->v[i];
		char node[64];
		int id, rc;

		if (strncmp(v->key, "group:", 6) || v->used)
			continue;
		id = atoi(v->key + 6);
		for (size_t g = 0; g < d->ngroups; g++)
			if (d->groups[g].id == id)
				vfc_vgroup_close(&d->groups[g]);
		v->fd = -1;
		v->env[0] = '\0';
		snprintf(node, sizeof(node), "/dev/vfio/%d", id);
		if (!pw)
			continue;
		rc = vfc_node_access(&cli->ctx, node, (unsigned)pw->pw_uid, gids, ngids);
		if (rc) {
			vfc_err(node, rc, "%s cannot open it, and PROGRAM's words do not take it as "
				"{group:%d}: vfioctl bind --owner %s, or --group of its owner",
				pw->pw_name, id, pw->pw_name);
			return VFC_EXIT_PERM;
		}
	}
	for (size_t i = 0; i < fv->n; i++)
		if (!strcmp(fv->v[i].key, "container") && fv->v[i].used)
			pw = NULL;	/* PROGRAM takes the container fd: no open of its own */
	if (pw && vfc_node_access(&cli->ctx, "/dev/vfio/vfio", (unsigned)pw->pw_uid, gids, ngids)) {
		vfc_err("/dev/vfio/vfio", -EACCES, "%s cannot open the VFIO container", pw->pw_name);
		return VFC_EXIT_PERM;
	}
	return 0;
}

/* QEMU's guest RAM from its words (-m 256M, -m size=1G,slots=2; no suffix: MiB); 0: unknown. */
static uint64_t qemu_ram(char *const *args)
{
	for (size_t i = 1; args[i] && args[i + 1]; i++) {
		char v[64], *comma;
		uint64_t n;

		if (strcmp(args[i], "-m") && strcmp(args[i], "--m"))
			continue;
		snprintf(v, sizeof(v), "%s", strncmp(args[i + 1], "size=", 5) ? args[i + 1]
									  : args[i + 1] + 5);
		if ((comma = strchr(v, ',')))
			*comma = '\0';
		if (v[0] && strspn(v, "0123456789") == strlen(v))
			return strtoull(v, NULL, 10) << 20;
		return vfc_parse_size(v, &n) ? 0 : n;
	}
	return 0;
}

/*
 * A VMM pins all its guest RAM: when its words say how much (QEMU's -m) and the limit it will
 * run under is lower, say so now rather than let the VMM fail with ENOMEM three layers down.
 */
static int handoff_memlock(char *const *args, const struct vfc_memlock *ml, uint64_t memlock,
			   const struct dom_exec_as *as)
{
	uint64_t ram = dom_is_vmm(args[0]) ? qemu_ram(args) : 0, limit;
	char a[32], b[32], c[32], d[32];

	if (!ram || (ml->unlimited && !memlock) || (ml->cap_ipc_lock && !as->user))
		return 0;
	limit = memlock ? memlock : ml->limit;
	if (limit >= ram)
		return 0;
	vfc_err("memlock", 0, "%s pins its %s of guest RAM but RLIMIT_MEMLOCK will be %s%s: short "
		"by %s; --memlock %s (guest RAM + 1 GiB per VFIO domain, libvirt's rule)", args[0],
		vfc_format_size(ram, a, sizeof(a)), vfc_format_size(limit, b, sizeof(b)),
		memlock ? " (--memlock)" : "", vfc_format_size(ram - limit, c, sizeof(c)),
		vfc_format_size(ram + (1ULL << 30), d, sizeof(d)));
	return VFC_EXIT_PERM;
}

/* What the VMM's pins will be charged to and limited by; warnings when it may not be enough. */
static void handoff_say(const struct vfc_domain *d, const struct vfc_memlock *ml,
			const char *prog, uint64_t memlock)
{
	char a[32];

	if (d->backend == VFC_BACKEND_IOMMUFD && d->memlock_per_user)
		vfc_warn("memlock", "iommufd charges the VMM's pins to its user: RLIMIT_MEMLOCK is "
			 "shared with every process of that user (IOMMU_OPTION_RLIMIT_MODE per process "
			 "needs CAP_SYS_RESOURCE)");
	else
		vfc_msg("handoff", "%s: the VMM's pins are charged to its own process%s",
			vfc_backend_name(d->backend),
			d->backend == VFC_BACKEND_IOMMUFD ? " (IOMMU_OPTION_RLIMIT_MODE per process)" : "");
	if (memlock)
		vfc_msg("handoff", "RLIMIT_MEMLOCK of %s: %s (--memlock)", prog,
			vfc_format_size(memlock, a, sizeof(a)));
	else if (!ml->unlimited)
		vfc_warn("memlock", "%s keeps RLIMIT_MEMLOCK %s; a VMM pins all its guest RAM: "
			 "--memlock RAM+1G (one VFIO domain)", prog,
			 vfc_format_size(ml->limit, a, sizeof(a)));
}

static int cmd_exec(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct exec_opts *o = opts;
	struct vfc_domain *d = NULL;
	struct vfc_err e = { { 0 }, { 0 } };
	struct dom_fdvars fv = { 0 };
	char **args = NULL;
	struct dom_prep p = { 0 };
	uint64_t memlock;
	int rc;

	if (!cli->ntail)
		return vfc_usage_error("exec: PROGRAM is missing (exec TARGET... -- PROGRAM ARGS...)");
	if (o->dom.verify)
		return vfc_usage_error("exec: --verify belongs to domain (the program does the DMA)");
	if (o->as.handoff && prepared_only(&o->dom))
		return vfc_usage_error("exec: %s shapes a prepared domain; --handoff leaves the "
				       "window and the mappings to the VMM", prepared_only(&o->dom));
	if (!o->as.handoff && dom_is_vmm(cli->tail[0]))
		return vfc_usage_error("exec: %s binds and attaches the devices itself; a prepared "
				       "domain's are already bound (it would fail with EINVAL): use "
				       "exec --handoff", cli->tail[0]);
	rc = dom_exec_check(&o->as, &memlock);
	if (!rc)
		rc = dom_prepare(cli, "exec", &o->dom, argc, argv, true, &p);
	if (rc)
		goto out;
	if (o->as.handoff) {
		rc = vfc_domain_handoff(&cli->ctx, p.t.groups, p.t.ngroups, p.t.bdfs, p.t.nbdfs,
					p.req.backend, &d, &e);
		if (rc) {
			rc = vfc_cmd_domain_refused(&cli->ctx, &e, rc);
			goto out;
		}
	} else {
		rc = dom_create(cli, &p, &d);
		if (rc)
			goto out;
		dom_warn_backend(d, &p.ml, p.nmaps);
	}
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
	if (!rc && d->handoff && d->backend != VFC_BACKEND_IOMMUFD)
		rc = handoff_groups(cli, d, &fv, &o->as);
	if (!rc && d->handoff)
		rc = handoff_memlock(args, &p.ml, memlock, &o->as);
	if (!rc && d->handoff)
		handoff_say(d, &p.ml, args[0], memlock);
	if (!rc)
		rc = dom_exec_program(args, &fv, &o->as);
out:
	/* Only reached when PROGRAM did not start: tear down as domain would. */
	if (d)
		vfc_domain_destroy(d, NULL);
	vfc_strv_free(args);
	free(fv.v);
	dom_prep_free(&p);
	return rc;
}

/*
 * Capabilities: domain's (opens, holders, pinning, iommufd's per-process accounting, no-IOMMU)
 * and what --user and --memlock need: setuid/setgid with the user's groups, clearing the
 * bounding set, raising the hard RLIMIT_MEMLOCK.
 */
VFC_DEFINE_COMMAND(exec, struct exec_opts, 45,
		   "TARGET... [--handoff] [DOMAIN OPTIONS] [--user U [--group G]] [--memlock SIZE] -- PROGRAM ARGS...",
		   "build a domain and run PROGRAM with its file descriptors ({device:BDF}, ...)",
		   .takes_tail = true,
		   VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_IPC_LOCK,
			    CAP_SYS_RESOURCE, CAP_SYS_RAWIO, CAP_SETUID, CAP_SETGID, CAP_SETPCAP));
