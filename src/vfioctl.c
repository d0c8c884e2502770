// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl — discover, bind and exercise Linux VFIO devices, groups and DMA domains.
 * main: global options, exact command lookup (no prefix matching), dispatch.
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>

#include "core/caps.h"
#include "vfioctl.h"

/* Filled by the linker from every VFC_COMMAND() in src/cmd/. */
extern const struct vfc_cmd *const __start_vfc_cmds[];
extern const struct vfc_cmd *const __stop_vfc_cmds[];

static const struct vfc_cmd **commands;
static size_t ncommands;

static int cmp_cmd(const void *a, const void *b)
{
	const struct vfc_cmd *x = *(const struct vfc_cmd *const *)a;
	const struct vfc_cmd *y = *(const struct vfc_cmd *const *)b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int load_commands(void)
{
	ncommands = (size_t)(__stop_vfc_cmds - __start_vfc_cmds);
	commands = calloc(ncommands ? ncommands : 1, sizeof(*commands));
	if (!commands)
		return -ENOMEM;
	memcpy(commands, __start_vfc_cmds, ncommands * sizeof(*commands));
	qsort(commands, ncommands, sizeof(*commands), cmp_cmd);
	return 0;
}

static struct {
	int json, raw, noheadings, list_columns, verbose, quiet, help, version, dump;
	char *columns, *sysroot;
} g;

const struct poptOption vfc_global_options[] = {
	{ "json", 'J', POPT_ARG_NONE, &g.json, 0, "JSON output", NULL },
	{ "output", 'o', POPT_ARG_STRING, &g.columns, 0,
	  "columns to show (comma list; +COLS adds to the defaults)", "COLS" },
	{ "noheadings", 'n', POPT_ARG_NONE, &g.noheadings, 0, "no table headings", NULL },
	{ "raw", 'r', POPT_ARG_NONE, &g.raw, 0, "raw output (unaligned, values repeated)", NULL },
	{ "list-columns", 0, POPT_ARG_NONE, &g.list_columns, 0, "list the command's columns", NULL },
	{ "sysroot", 0, POPT_ARG_STRING, &g.sysroot, 0,
	  "read /sys, /proc and /dev below DIR (fixture trees)", "DIR" },
	{ "verbose", 'v', POPT_ARG_NONE, &g.verbose, 0, "say more", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, &g.quiet, 0, "say less", NULL },
	{ "help", 'h', POPT_ARG_NONE, &g.help, 0, "show help and exit", NULL },
	{ "version", 'V', POPT_ARG_NONE, &g.version, 0, "show the version and exit", NULL },
	{ "dump-commands", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &g.dump, 0,
	  "machine-readable command table (completions and docs are generated from it)", NULL },
	POPT_TABLEEND
};

static const char *msg_where;

void vfc_msg_where(const char *where)
{
	msg_where = where;
}

/* "vfioctl: [WHERE: ][SUBJECT: ]" */
static void msg_head(const char *subject)
{
	fputs("vfioctl: ", stderr);
	if (msg_where && *msg_where)
		fprintf(stderr, "%s: ", msg_where);
	if (subject)
		fprintf(stderr, "%s: ", subject);
}

void vfc_msg(const char *subject, const char *fmt, ...)
{
	va_list ap;

	msg_head(subject);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vfc_err(const char *subject, int err, const char *fmt, ...)
{
	va_list ap;

	msg_head(subject);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	fputc('\n', stderr);
}

void vfc_warn(const char *subject, const char *fmt, ...)
{
	va_list ap;

	if (g.quiet)
		return;
	msg_head(subject);
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vfc_usage_error(const char *fmt, ...)
{
	va_list ap;

	msg_head(NULL);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vfioctl --help' for more information.\n", stderr);
	return VFC_EXIT_USAGE;
}

int vfc_require_root(const char *what)
{
	if (geteuid() == 0 || vfc_cap_effective(CAP_DAC_OVERRIDE))
		return 0;
	vfc_err(what, -EPERM, "needs root (or CAP_DAC_OVERRIDE) to change device bindings and "
		"write sysfs");
	return VFC_EXIT_PERM;
}

int vfc_exit_for_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return VFC_EXIT_OK;
	case ENOENT: case ENODEV: case ENXIO: return VFC_EXIT_NODEV;
	case EPERM: case EACCES: return VFC_EXIT_PERM;
	case EBUSY: case EEXIST: return VFC_EXIT_BUSY;
	case ENOTTY: case EOPNOTSUPP: case ENOSYS: return VFC_EXIT_UNSUPPORTED;
	default: return VFC_EXIT_FAILED;
	}
}

int vfc_print_doc(struct out_doc *doc)
{
	int rc = out_doc_print(doc, stdout);

	if (!rc && fflush(stdout))
		rc = -errno;
	if (rc) {
		vfc_err("stdout", rc, "cannot write output");
		return VFC_EXIT_FAILED;
	}
	return VFC_EXIT_OK;
}

int vfc_check_columns(const struct vfc_cli *cli, const struct out_schema *s)
{
	const char *bad;
	size_t len;

	if (out_columns_check(s, cli->out.columns, &bad, &len))
		return vfc_usage_error("unknown column '%.*s' (see --list-columns)", (int)len, bad);
	return 0;
}

static const struct vfc_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fputs("Usage: vfioctl [OPTIONS] COMMAND [ARGS]\n\n"
	      "Discover, bind and exercise Linux VFIO devices, IOMMU groups and DMA domains.\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < ncommands; i++)
		fprintf(f, "  %-8s %-34s %s\n", commands[i]->name, commands[i]->args,
			commands[i]->summary);
	fputs("\nTARGET: a PCI address (0000:01:00.0 or 01:00.0), a group (12 or group:12),\n"
	      "        or vendor:device ids (10de:2204).\n\n"
	      "Options:\n"
	      "  -J, --json            JSON output ({\"schema\": 1, ...})\n"
	      "  -o, --output COLS     columns to show (comma list; +COLS adds to the defaults)\n"
	      "  -n, --noheadings      no table headings\n"
	      "  -r, --raw             raw output (unaligned, values repeated)\n"
	      "      --list-columns    list the command's columns\n"
	      "      --sysroot DIR     read /sys, /proc and /dev below DIR\n"
	      "  -v, --verbose         say more\n"
	      "  -q, --quiet           say less\n"
	      "  -h, --help            show this help (COMMAND --help: the command's)\n"
	      "  -V, --version         show the version\n\n"
	      "Exit status: 0 ok, 1 failed, 2 usage, 3 no such device or group, 4 permission,\n"
	      "5 busy, 6 unsupported, 7 some targets failed, 8 not viable or problems found.\n"
	      "See vfioctl(8).\n", f);
}

static void dump_options(const char *owner, const struct poptOption *o)
{
	for (; o && (o->longName || o->shortName || o->argInfo); o++) {
		unsigned type = o->argInfo & POPT_ARG_MASK;

		if (type == POPT_ARG_INCLUDE_TABLE) {
			dump_options(owner, o->arg);
			continue;
		}
		if (!o->longName || (o->argInfo & POPT_ARGFLAG_DOC_HIDDEN))
			continue;
		printf("option\t%s\t--%s\t%s%c\t%s\t%s\n", owner, o->longName,
		       o->shortName ? "-" : "", o->shortName ? o->shortName : '-',
		       type == POPT_ARG_NONE || type == POPT_ARG_VAL ? "-"
		       : o->argDescrip ? o->argDescrip : "ARG",
		       o->descrip ? o->descrip : "");
	}
}

/*
 * --dump-commands: tab-separated records, one per line, for generators:
 *	command	NAME	ARGS	SUMMARY
 *	option	OWNER	--LONG	-S|--	ARG|-	DESCRIPTION	(OWNER is a command or "global")
 */
static void dump_commands(void)
{
	for (size_t i = 0; i < ncommands; i++)
		printf("command\t%s\t%s\t%s\n", commands[i]->name, commands[i]->args,
		       commands[i]->summary);
	dump_options("global", vfc_global_options);
	for (size_t i = 0; i < ncommands; i++)
		dump_options(commands[i]->name, commands[i]->options);
}

static void apply_globals(struct vfc_cli *cli)
{
	cli->out.format = g.json ? OUT_FMT_JSON : g.raw ? OUT_FMT_RAW : OUT_FMT_TABLE;
	cli->out.noheadings = g.noheadings;
	cli->out.columns = g.columns;
	cli->verbose = g.verbose;
	cli->quiet = g.quiet;
	cli->list_columns = g.list_columns;
}

static int run_command(struct vfc_cli *cli, const struct vfc_cmd *cmd, int argc, const char **argv)
{
	/* exec: "--" ends vfioctl's words; the rest is the program's, never parsed here. */
	if (cmd->takes_tail) {
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--"))
				continue;
			cli->tail = argv + i + 1;
			cli->ntail = argc - i - 1;
			argc = i;
			break;
		}
	}
	struct poptOption table[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)cmd->options, 0, "Command options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)vfc_global_options, 0, "Global options:",
		  NULL },
		POPT_TABLEEND
	};
	char name[64], other[160];
	poptContext pc;
	int rc;

	snprintf(name, sizeof(name), "vfioctl %s", cmd->name);
	snprintf(other, sizeof(other), "%s", cmd->args);
	if (!cmd->options)
		table[0] = table[1], table[1] = (struct poptOption)POPT_TABLEEND;
	pc = poptGetContext(name, argc, argv, table, 0);
	poptSetOtherOptionHelp(pc, other);
	while ((rc = poptGetNextOpt(pc)) > 0)
		;
	if (rc < -1) {
		rc = vfc_usage_error("%s: %s: %s", cmd->name, poptBadOption(pc, 0), poptStrerror(rc));
		poptFreeContext(pc);
		return rc;
	}
	if (g.help) {
		poptPrintHelp(pc, stdout, 0);
		poptFreeContext(pc);
		return VFC_EXIT_OK;
	}
	apply_globals(cli);
	rc = vfc_ctx_init(&cli->ctx, g.sysroot);
	if (!rc && g.sysroot) {
		struct stat st;

		/* A mistyped fixture path must not look like a host with nothing in it. */
		if (stat(g.sysroot, &st))
			rc = -errno;
		else if (!S_ISDIR(st.st_mode))
			rc = -ENOTDIR;
	}
	if (rc) {
		vfc_err(g.sysroot, rc, "bad --sysroot");
		poptFreeContext(pc);
		return VFC_EXIT_USAGE;
	}
	{
		const char **rest = poptGetArgs(pc);
		int n = 0;

		while (rest && rest[n])
			n++;
		/*
		 * Least privilege from the start: only what some command can use stays (the
		 * bounding set is left alone, so a program exec runs as root is as root expects).
		 * Long-running commands drop further once set up. A failure here leaves the
		 * process as it was, which every command copes with.
		 */
		(void)vfc_caps_keep(vfc_caps_used, vfc_caps_nused, false);
		rc = cmd->run(cli, pc, n, rest);
	}
	poptFreeContext(pc);
	return rc;
}

int main(int argc, const char **argv)
{
	struct vfc_cli cli = { 0 };
	const struct vfc_cmd *cmd;
	const char **rest;
	poptContext pc;
	int rc, n = 0;

	setlocale(LC_ALL, "");
	if (load_commands()) {
		vfc_err(NULL, -ENOMEM, "cannot start");
		return VFC_EXIT_FAILED;
	}
	cli.ids_path = getenv("VFIOCTL_PCI_IDS");
	/* POSIXMEHARDER: global options end at the command name; the command parses the rest. */
	pc = poptGetContext("vfioctl", argc, argv, vfc_global_options, POPT_CONTEXT_POSIXMEHARDER);
	while ((rc = poptGetNextOpt(pc)) > 0)
		;
	if (rc < -1) {
		rc = vfc_usage_error("%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
		poptFreeContext(pc);
		return rc;
	}
	rest = poptGetArgs(pc);
	while (rest && rest[n])
		n++;
	if (g.dump) {
		dump_commands();
		poptFreeContext(pc);
		free(commands);
		return VFC_EXIT_OK;
	}
	if (g.version) {
		printf("vfioctl %s\n", VFIOCTL_VERSION);
		poptFreeContext(pc);
		return VFC_EXIT_OK;
	}
	if (n == 0) {
		poptFreeContext(pc);
		if (g.help) {
			usage(stdout);
			return VFC_EXIT_OK;
		}
		usage(stderr);
		return VFC_EXIT_USAGE;
	}
	cmd = find_command(rest[0]);
	if (!cmd) {
		rc = vfc_usage_error("%s: unknown command", rest[0]);
		poptFreeContext(pc);
		return rc;
	}
	/* The command sees argv[0] = its name and everything after it. */
	{
		const char **sub = calloc((size_t)n + 1, sizeof(*sub));

		if (!sub) {
			vfc_err(NULL, -ENOMEM, "cannot start");
			poptFreeContext(pc);
			return VFC_EXIT_FAILED;
		}
		char argv0[64];

		/* popt's help names the program by argv[0]: "vfioctl list". */
		snprintf(argv0, sizeof(argv0), "vfioctl %s", cmd->name);
		memcpy(sub, rest, (size_t)n * sizeof(*sub));
		sub[0] = argv0;
		rc = run_command(&cli, cmd, n, sub);
		free(sub);
	}
	poptFreeContext(pc);
	return rc;
}
