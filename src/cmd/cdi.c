// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl cdi [TARGET...] [--backend legacy|iommufd|auto] [--output FILE|-] [--kind KIND]`:
 * a CDI spec of the devices bound to a vfio driver, for container runtimes (podman --device
 * KIND=NAME, containerd/CRI-O with CDI, Kubernetes DRA drivers). The model and the file are
 * core/cdi.c's; this file parses, reports refusals with bind's exit codes, and prints the
 * table of CDI devices (or, with -J, the spec itself).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/caps.h"
#include "core/cdi.h"
#include "core/pciaddr.h"
#include "core/topology.h"
#include "vfioctl.h"

struct cdi_opts {
	char *backend, *output, *kind;
};

/* --output is the spec's file here; -o stays the global column list. */
static const struct poptOption cdi_options[] = {
	{ "backend", 'b', POPT_ARG_STRING, VFC_OPT(struct cdi_opts, backend), 0,
	  "device nodes: legacy (/dev/vfio/vfio + /dev/vfio/N), iommufd (/dev/iommu + "
	  "/dev/vfio/devices/vfioN, legacy where the kernel has no vfio cdev), auto (default: "
	  "legacy when the kernel has the container)",
	  "legacy|iommufd|auto" },
	{ "output", 0, POPT_ARG_STRING, VFC_OPT(struct cdi_opts, output), 0,
	  "write the spec to FILE (- : standard output) instead of " VFC_CDI_SPEC_PATH,
	  "FILE|-" },
	{ "kind", 'k', POPT_ARG_STRING, VFC_OPT(struct cdi_opts, kind), 0,
	  "CDI kind VENDOR/CLASS (default " VFC_CDI_KIND ")", "KIND" },
	POPT_TABLEEND
};

enum { C_DEVICE, C_NAME, C_GROUP, C_BACKEND, C_NODES };
static const struct out_col cdi_cols[] = {
	[C_DEVICE] = { "DEVICE", OUT_STR, 24, OUT_DEFAULT, "what --device takes: KIND=NAME" },
	[C_NAME] = { "NAME", OUT_STR, 12, 0, "the CDI device name: a PCI address or group-N" },
	[C_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "IOMMU group" },
	[C_BACKEND] = { "BACKEND", OUT_STR, 7, OUT_DEFAULT, "legacy or iommufd nodes" },
	[C_NODES] = { "NODES", OUT_STRV, 0.5, OUT_DEFAULT, "device nodes handed to the container" },
};
static const struct out_schema cdi_schema = { "cdi", cdi_cols, VFC_ARRAY_SIZE(cdi_cols) };

static int exit_for(enum vfc_cdi_why why)
{
	switch (why) {
	case VFC_CDI_HELD:
		return VFC_EXIT_BUSY;
	case VFC_CDI_NOT_VIABLE:
		return VFC_EXIT_PROBLEMS;
	case VFC_CDI_NOIOMMU:
	case VFC_CDI_NO_GROUP:
		return VFC_EXIT_UNSUPPORTED;
	case VFC_CDI_NO_NODE:
		return VFC_EXIT_NODEV;
	case VFC_CDI_NOT_VFIO:
	default:
		return VFC_EXIT_FAILED;
	}
}

/* Targets -> devices (each once); a usage or no-such-device exit code, or 0. */
static int collect(const struct vfc_topology *t, int argc, const char **argv,
		   struct vfc_device ***out, size_t *nout)
{
	struct vfc_device **v = NULL;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		struct vfc_device **devs, **nv;
		struct vfc_target tg;
		size_t nd;

		vfc_target_parse(argv[i], &tg);
		if (vfc_topology_resolve(t, &tg, &devs, &nd)) {
			vfc_err(argv[i], 0, tg.kind == VFC_TARGET_GROUP ? "no such IOMMU group"
									 : "no such PCI device");
			free(v);
			return VFC_EXIT_NODEV;
		}
		nv = reallocarray(v, n + nd, sizeof(*nv));
		if (!nv) {
			free(devs);
			free(v);
			vfc_err(NULL, -ENOMEM, "cdi");
			return VFC_EXIT_FAILED;
		}
		v = nv;
		memcpy(v + n, devs, nd * sizeof(*v));
		n += nd;
		free(devs);
	}
	*out = v;
	*nout = n;
	return 0;
}

static int print_table(struct vfc_cli *cli, const struct vfc_cdi_spec *s)
{
	struct out_doc *doc = out_doc_new(&cli->out);
	struct out_table *t = out_table_new(&cdi_schema);
	int rc;

	for (size_t i = 0; i < s->ndevs; i++) {
		const struct vfc_cdi_device *d = &s->devs[i];
		struct out_row *r = out_row_add(t);
		char **nodes = calloc(d->nnodes + 1, sizeof(*nodes));

		out_set_strf(r, C_DEVICE, "%s=%s", s->kind, d->name);
		out_set_str(r, C_NAME, d->name);
		out_set_num(r, C_GROUP, d->group);
		out_set_str(r, C_BACKEND, d->iommufd ? "iommufd" : "legacy");
		for (size_t k = 0; nodes && k < d->nnodes; k++)
			nodes[k] = (char *)d->nodes[k].path;
		out_set_strv(r, C_NODES, nodes);
		free(nodes);
	}
	out_doc_add_table(doc, t);
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	return rc;
}

static int cmd_cdi(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct cdi_opts *copt = opts;
	enum vfc_cdi_backend backend = VFC_CDI_AUTO;
	const char *kind = copt->kind ? copt->kind : VFC_CDI_KIND;
	bool to_stdout = copt->output && !strcmp(copt->output, "-");
	struct vfc_device **devs = NULL;
	struct vfc_topology *t = NULL;
	struct vfc_cdi_spec s = { 0 };
	struct vfc_cdi_state state = { 0 };
	char where[PATH_MAX];
	const char *why;
	size_t n = 0;
	int rc, code = 0;

	if (copt->backend && vfc_cdi_backend_parse(copt->backend, &backend))
		return vfc_usage_error("--backend: '%s': use legacy, iommufd or auto", copt->backend);
	if ((why = vfc_cdi_kind_check(kind)))
		return vfc_usage_error("--kind: '%s': %s", kind, why);
	if (copt->output && !*copt->output)
		return vfc_usage_error("--output: a FILE or - is required");
	for (int i = 0; i < argc; i++) {
		struct vfc_target tg;

		if ((why = vfc_target_parse(argv[i], &tg)))
			return vfc_usage_error("%s: %s", argv[i], why);
	}
	rc = vfc_topology_scan(&cli->ctx, VFC_SCAN_HOLDERS, &t);
	if (rc) {
		vfc_err(vfc_ctx_root(&cli->ctx), rc, "cannot read the PCI and IOMMU topology");
		return vfc_exit_for_errno(rc);
	}
	if (argc && (rc = collect(t, argc, argv, &devs, &n)))
		goto out;
	/* The owned spec's devices stay through their holders (see vfc_cdi_build). */
	if (!copt->output && (rc = vfc_cdi_state_read(&cli->ctx, &state)) < 0) {
		vfc_err(VFC_CDI_STATE_PATH, rc, "cannot read");
		rc = vfc_exit_for_errno(rc);
		goto out;
	}
	rc = vfc_cdi_build(&cli->ctx, t, devs, n, kind, backend,
			   getenv("VFIOCTL_TEST_IGNORE_HOLDERS") ? VFC_CDI_KEEP_HELD : 0,
			   state.devices, &s);
	if (rc) {
		vfc_err("cdi", rc, "cannot build the CDI spec");
		rc = vfc_exit_for_errno(rc);
		goto out;
	}
	for (size_t i = 0; i < s.nrefused; i++) {
		vfc_err(s.refused[i].subject, 0, "refused: %s", s.refused[i].reason);
		if (!code)
			code = exit_for(s.refused[i].why);
	}
	if (s.fell_back)
		vfc_warn("cdi", "this kernel has no vfio cdev (/dev/vfio/devices) or no /dev/iommu: "
				"legacy nodes instead of iommufd");
	if (!s.ndevs && !s.nrefused && !cli->quiet)
		vfc_msg("cdi", "no device is bound to a vfio driver: the spec has no devices");

	if (to_stdout) {
		/* CDI wants at least one device; an empty spec is still shown for what it is. */
		rc = vfc_cdi_write_json(&s, stdout) ? VFC_EXIT_FAILED : 0;
	} else {
		bool changed;

		if (copt->output)
			snprintf(where, sizeof(where), "%s", copt->output);
		else if (vfc_path(&cli->ctx, where, sizeof(where), VFC_CDI_SPEC_PATH))
			snprintf(where, sizeof(where), "%s", VFC_CDI_SPEC_PATH);
		rc = vfc_cdi_save(&cli->ctx, copt->output, &s, &changed);
		if (!rc && !copt->output)
			rc = vfc_cdi_state_save(&cli->ctx, &s, backend);
		if (rc) {
			vfc_err(where, rc, "cannot write the CDI spec");
			rc = vfc_exit_for_errno(rc);
			goto out;
		}
		if (cli->verbose)
			vfc_msg(where, "%s (%zu CDI devices)",
				!s.ndevs ? "no devices: no spec" : changed ? "written" : "unchanged",
				s.ndevs);
		if (cli->out.format == OUT_FMT_JSON)
			rc = vfc_cdi_write_json(&s, stdout) ? VFC_EXIT_FAILED : 0;
		else
			rc = print_table(cli, &s);
	}
	if (!rc && code)
		rc = s.ndevs ? VFC_EXIT_PARTIAL : code;
out:
	vfc_cdi_state_free(&state);
	vfc_cdi_spec_free(&s);
	free(devs);
	vfc_topology_free(t);
	return rc;
}

/* Capabilities: root-only /etc/cdi and the holders in other users' /proc/PID/fd. */
VFC_DEFINE_COMMAND(cdi, struct cdi_opts, 36,
		   "[TARGET...] [--backend B] [--output FILE|-] [--kind K]",
		   "CDI spec of the bound devices for container runtimes",
		   VFC_SCHEMAS(&cdi_schema),
		   VFC_CAPS(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE));
