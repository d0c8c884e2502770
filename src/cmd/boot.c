// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `boot [--write [--dry-run] | --undo [--dry-run]]`: the kernel command line this host needs
 * for vfio (issue 22) and the drop-ins vfioctl owns. Named `boot` because it is about what
 * happens at boot: the command line, the bootloader and the initramfs's module order.
 * The reading, the plan and the writes are core/boot.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "core/boot.h"
#include "core/util.h"
#include "vfioctl.h"

struct boot_opts {
	int write, undo, dry_run;
};

static const struct poptOption boot_options[] = {
	{ "write", 'w', POPT_ARG_NONE, VFC_OPT(struct boot_opts, write), 0,
	  "write vfioctl's own drop-ins (bootloader arguments, modprobe.d softdeps); "
	  "shows the diff first", NULL },
	{ "undo", 0, POPT_ARG_NONE, VFC_OPT(struct boot_opts, undo), 0,
	  "remove the files --write wrote (only files with vfioctl's header line)", NULL },
	{ "dry-run", 'n', POPT_ARG_NONE, VFC_OPT(struct boot_opts, dry_run), 0,
	  "with --write or --undo: show the diff, change nothing", NULL },
	POPT_TABLEEND
};

static const struct vfc_exclusive boot_exclusive[] = {
	{ { "write", "undo" } },
	{ { NULL } },
};

enum { A_WORD, A_NEEDED, A_PRESENT, A_WHY };
static const struct out_col arg_cols[] = {
	[A_WORD] = { "WORD", OUT_STR, 20, OUT_DEFAULT, "a kernel command-line argument" },
	[A_NEEDED] = { "NEEDED", OUT_STR, 8, OUT_DEFAULT, "required or optional" },
	[A_PRESENT] = { "PRESENT", OUT_BOOL, 7, OUT_DEFAULT,
			"on the running command line (/proc/cmdline)" },
	[A_WHY] = { "WHY", OUT_STR, 0.5, OUT_DEFAULT | OUT_TRUNC, "why this host needs it" },
};
static const struct out_schema arg_schema = { "args", arg_cols, VFC_ARRAY_SIZE(arg_cols) };

enum { N_NOTE };
static const struct out_col note_cols[] = {
	[N_NOTE] = { "NOTE", OUT_STR, 0.9, OUT_DEFAULT, "what to know about this host's boot" },
};
static const struct out_schema note_schema = { "notes", note_cols, VFC_ARRAY_SIZE(note_cols) };

enum { B_CMDLINE, B_VENDOR, B_VENDOR_FROM, B_BOOTLOADER, B_ARGS_FILE, B_HOOK, B_CONF_DEVICES,
       B_HOST_DRIVERS, B_NOTES, B_ARGS };
static const struct out_col boot_cols[] = {
	[B_CMDLINE] = { "CMDLINE", OUT_STR, 0.5, OUT_DEFAULT, "the running kernel command line" },
	[B_VENDOR] = { "VENDOR", OUT_STR, 6, OUT_DEFAULT, "IOMMU vendor: intel, amd or null" },
	[B_VENDOR_FROM] = { "VENDOR_FROM", OUT_STR, 16, OUT_DEFAULT,
			    "what told the vendor (CPU vendor, ACPI DMAR/IVRS, IOMMU units)" },
	[B_BOOTLOADER] = { "BOOTLOADER", OUT_STR, 8, OUT_DEFAULT,
			   "grub, kernel-install, bootc or unknown" },
	[B_ARGS_FILE] = { "ARGS_FILE", OUT_STR, 16, OUT_DEFAULT,
			  "where this bootloader keeps the arguments" },
	[B_HOOK] = { "HOOK", OUT_STR, 16, OUT_DEFAULT,
		     "the vfioctl initramfs hook (null: not installed)" },
	[B_CONF_DEVICES] = { "CONF_DEVICES", OUT_NUM, 4, OUT_DEFAULT | OUT_RIGHT,
			     "entries in vfioctl.conf" },
	[B_HOST_DRIVERS] = { "HOST_DRIVERS", OUT_STRV, 10, OUT_DEFAULT,
			     "host drivers of configured devices (softdep ... pre: vfio-pci)" },
	[B_NOTES] = { "NOTES", OUT_STRV, 0, OUT_JSON,
		      "what to know: why amd_iommu=on is not suggested, where the arguments go "
		      "when no known bootloader is found" },
	[B_ARGS] = { "ARGS", OUT_SUB, 0, OUT_JSON, "what the command line needs", &arg_schema },
};
static const struct out_schema boot_schema = { "boot", boot_cols, VFC_ARRAY_SIZE(boot_cols) };

enum { F_PATH, F_ACTION, F_DIFF };
static const struct out_col file_cols[] = {
	[F_PATH] = { "PATH", OUT_STR, 24, OUT_DEFAULT, "a file vfioctl owns" },
	[F_ACTION] = { "ACTION", OUT_STR, 9, OUT_DEFAULT,
		       "create, update, remove, unchanged, or not-ours (left alone)" },
	[F_DIFF] = { "DIFF", OUT_STRV, 0, OUT_JSON, "the change, as -/+ lines" },
};
static const struct out_schema file_schema = { "files", file_cols, VFC_ARRAY_SIZE(file_cols) };

enum { R_COMMAND };
static const struct out_col regen_cols[] = {
	[R_COMMAND] = { "COMMAND", OUT_STR, 0.5, OUT_DEFAULT,
			"run after writing, so the next boot uses it" },
};
static const struct out_schema regen_schema = { "regenerate", regen_cols,
						VFC_ARRAY_SIZE(regen_cols) };


/* The arguments the host needs, a row each: the boot row's ARGS (JSON) and the table view's. */
static void add_args(struct out_table *a, const struct vfc_boot_state *st)
{
	for (size_t i = 0; i < st->nargs; i++) {
		struct out_row *ar = out_row_add(a);

		out_set_str(ar, A_WORD, st->args[i].word);
		out_set_str(ar, A_NEEDED, st->args[i].required ? "required" : "optional");
		out_set_bool(ar, A_PRESENT, st->args[i].present);
		out_set_str(ar, A_WHY, st->args[i].why);
	}
}

static struct out_table *state_table(const struct vfc_boot_state *st)
{
	struct out_table *t = out_table_new(&boot_schema);
	struct out_row *r = out_row_add(t);
	struct out_table *a = out_sub(r, B_ARGS);

	out_set_str(r, B_CMDLINE, st->cmdline);
	out_set_str(r, B_VENDOR, st->vendor[0] ? st->vendor : NULL);
	out_set_str(r, B_VENDOR_FROM, st->vendor_from[0] ? st->vendor_from : NULL);
	out_set_str(r, B_BOOTLOADER, vfc_bootloader_name(st->bl));
	out_set_str(r, B_ARGS_FILE, st->bl_file[0] ? st->bl_file : NULL);
	out_set_str(r, B_HOOK, st->hook ? st->hook_path : NULL);
	out_set_num(r, B_CONF_DEVICES, (int64_t)st->nconf);
	out_set_strv(r, B_HOST_DRIVERS, st->drivers);
	{
		char *notes[VFC_BOOT_MAXNOTES + 1] = { NULL };

		for (size_t i = 0; i < st->nnotes; i++)
			notes[i] = (char *)st->notes[i];
		out_set_strv(r, B_NOTES, notes);
	}
	add_args(a, st);
	return t;
}

static struct out_table *args_table(const struct vfc_boot_state *st)
{
	struct out_table *a = out_table_new(&arg_schema);

	add_args(a, st);
	return a;
}

static int show(struct vfc_cli *cli, const struct vfc_boot_state *st)
{
	struct out_opts o = cli->out;
	struct out_doc *doc;
	int rc = vfc_print_one(cli, state_table(st), "boot");

	/* the arguments' table: in the table view only (-o names the boot row's columns) */
	if (rc || cli->out.format != OUT_FMT_TABLE || cli->out.columns)
		return rc;
	if (st->nargs) {
		o = cli->out;
		putchar('\n');
		doc = out_doc_new(&o);
		out_doc_add_table_titled(doc, args_table(st), "Kernel command line:");
		rc = vfc_print_doc(doc);
		out_doc_free(doc);
	}
	if (rc || !st->nnotes)
		return rc;
	{
		struct out_table *nt = out_table_new(&note_schema);

		for (size_t i = 0; i < st->nnotes; i++)
			out_set_str(out_row_add(nt), N_NOTE, st->notes[i]);
		o = cli->out;
		o.noheadings = true;
		putchar('\n');
		doc = out_doc_new(&o);
		out_doc_add_table_titled(doc, nt, "Notes:");
		rc = vfc_print_doc(doc);
		out_doc_free(doc);
	}
	return rc;
}

/* Lines of s into v (a NULL-terminated vector), each prefixed with mark. */
static void diff_lines(const char *s, char mark, char ***v, size_t *n)
{
	const char *p = s;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char **nv = reallocarray(*v, *n + 2, sizeof(**v));

		if (!nv)
			abort();
		*v = nv;
		if (asprintf(&(*v)[*n], "%c%.*s", mark, (int)len, p) < 0)
			abort();
		(*v)[++*n] = NULL;
		p = nl ? nl + 1 : NULL;
	}
}

static const char *action_of(const struct vfc_boot_file *f)
{
	if (!f->ours)
		return "not-ours";
	if (!vfc_boot_file_changes(f))
		return "unchanged";
	return !f->old ? "create" : !f->new ? "remove" : "update";
}

static int write_plan(struct vfc_cli *cli, const struct boot_opts *bo,
		      const struct vfc_boot_state *st)
{
	const char *what = bo->undo ? "boot --undo" : "boot --write";
	struct vfc_boot_plan p;
	struct out_table *ft = out_table_new(&file_schema), *rt = NULL;
	struct out_doc *doc;
	bool json = cli->out.format == OUT_FMT_JSON;
	size_t changes = 0, foreign = 0;
	int rc;

	if ((rc = vfc_boot_plan(&cli->ctx, st, bo->undo, &p))) {
		out_table_free(ft);
		vfc_error(what, rc, "cannot read the drop-ins");
		return vfc_exit_for_errno(rc);
	}
	for (size_t i = 0; i < p.nfiles; i++) {
		const struct vfc_boot_file *f = &p.files[i];
		struct out_row *r;
		char **diff = NULL;
		size_t nd = 0;

		if (!f->ours) {
			foreign++;
			vfc_warn(f->path, "not written by vfioctl (no header line): left alone");
		}
		if (!f->old && !f->new)
			continue;
		r = out_row_add(ft);
		out_set_str(r, F_PATH, f->path);
		out_set_str(r, F_ACTION, action_of(f));
		if (vfc_boot_file_changes(f)) {
			changes++;
			diff_lines(f->old, '-', &diff, &nd);
			diff_lines(f->new, '+', &diff, &nd);
			if (!json) {
				printf("--- %s\n+++ %s\n", f->old ? f->path : "/dev/null",
				       f->new ? f->path : "/dev/null");
				for (size_t k = 0; k < nd; k++)
					printf("%s\n", diff[k]);
			}
		}
		out_set_strv(r, F_DIFF, diff);
		vfc_strv_free(diff);
	}
	if (!bo->dry_run && changes) {
		if ((rc = vfc_boot_apply(&cli->ctx, &p))) {
			vfc_error(what, rc, "cannot write the drop-ins");
			rc = vfc_exit_for_errno(rc);
			goto out;
		}
	}
	if (!changes)
		vfc_msg(what, "nothing to change: vfioctl's drop-ins are as wanted");
	else if (bo->dry_run)
		vfc_msg(what, "dry run: %zu file(s) would change; nothing written", changes);
	if (p.advice[0])
		vfc_msg(what, "%s", p.advice);
	if (p.regen[0] && changes) {
		rt = out_table_new(&regen_schema);
		for (size_t i = 0; p.regen[i]; i++)
			out_set_str(out_row_add(rt), R_COMMAND, p.regen[i]);
	}
	if (!json && !changes && !p.advice[0]) {
		rc = foreign ? VFC_EXIT_FAILED : VFC_EXIT_OK;
		goto out;
	}
	if (!json && !cli->quiet)
		putchar('\n');
	doc = out_doc_new(&cli->out);
	out_doc_add_table(doc, ft);
	ft = NULL;
	if (rt)
		out_doc_add_table_titled(doc, rt, "Then run:");
	rt = NULL;
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	if (!rc && foreign)
		rc = VFC_EXIT_FAILED;
out:
	if (ft)
		out_table_free(ft);
	if (rt)
		out_table_free(rt);
	vfc_boot_plan_free(&p);
	return rc;
}

static int cmd_boot(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct boot_opts *bo = opts;
	struct vfc_boot_state st;
	int rc;

	(void)argv;
	if (argc)
		return vfc_usage_error("boot: takes no arguments");
	if (bo->dry_run && !bo->write && !bo->undo)
		return vfc_usage_error("boot: --dry-run goes with --write or --undo");
	if ((rc = vfc_boot_read(&cli->ctx, &st))) {
		vfc_error("boot", rc, "cannot read the host's boot configuration");
		vfc_boot_free(&st);
		return vfc_exit_for_errno(rc);
	}
	rc = bo->write || bo->undo ? write_plan(cli, bo, &st) : show(cli, &st);
	vfc_boot_free(&st);
	return rc;
}

VFC_DEFINE_COMMAND(boot, struct boot_opts, 36, "[--write|--undo] [--dry-run]",
		   "the kernel command line vfio needs; write vfioctl's boot drop-ins",
		   .exclusive = boot_exclusive,
		   VFC_SCHEMAS(&boot_schema, &file_schema, &regen_schema),
		   VFC_CAPS(CAP_DAC_OVERRIDE));
