/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command-line layer: exit codes, the command table, global options, messages. */
#ifndef VFIOCTL_H
#define VFIOCTL_H

#include <popt.h>
#include <stdbool.h>

#include "core/sysroot.h"
#include "out/out.h"

/* The one exit-code enum; documented in vfioctl(8) EXIT STATUS. */
enum vfc_exit {
	VFC_EXIT_OK = 0,
	VFC_EXIT_FAILED = 1,
	VFC_EXIT_USAGE = 2,
	VFC_EXIT_NODEV = 3,		/* no such device or group */
	VFC_EXIT_PERM = 4,		/* permission or capability missing */
	VFC_EXIT_BUSY = 5,		/* busy / in use */
	VFC_EXIT_UNSUPPORTED = 6,	/* not supported by this kernel or hardware */
	VFC_EXIT_PARTIAL = 7,		/* some targets failed, others succeeded */
	VFC_EXIT_PROBLEMS = 8,		/* not viable / check found problems */
};

struct vfc_cli {
	struct vfc_ctx ctx;
	struct out_opts out;
	int verbose;
	int quiet;
	int list_columns;
	const char *ids_path;		/* pci.ids override (VFIOCTL_PCI_IDS) */
	const char **tail;		/* after "--" for commands with takes_tail (exec) */
	int ntail;
};

struct vfc_cmd {
	const char *name;
	int order;			/* position in --help (lower first) */
	const char *args;		/* synopsis after the name: "[--devices] [FILTER...]" */
	const char *summary;
	const struct poptOption *options;	/* the command's own; globals are added */
	bool takes_tail;		/* everything after the first "--" is cli->tail, unparsed */
	/* argv: the arguments after the command name and its options (argc of them) */
	int (*run)(struct vfc_cli *cli, poptContext pc, int argc, const char **argv);
};

extern const struct poptOption vfc_global_options[];

/*
 * Command records live in their own files under src/cmd/ and register themselves into a
 * linker section, so adding a command touches no shared table:
 *	VFC_COMMAND(vfc_cmd_list);
 */
#define VFC_COMMAND(rec)                                                                   \
	static const struct vfc_cmd *const vfc_cmd_ptr_##rec                               \
		__attribute__((used, section("vfc_cmds"), aligned(sizeof(void *)))) = &(rec)

/*
 * Where the command being run came from ("FILE:LINE" in a batch), put before the subject of
 * every message below: "vfioctl: FILE:LINE: SUBJECT: ...". NULL or "": nothing. The string
 * is not copied: it must live until the next call.
 */
void vfc_msg_where(const char *where);
/* "vfioctl: SUBJECT: MESSAGE" on stderr: information (-v output, summaries). */
void vfc_msg(const char *subject, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "vfioctl: SUBJECT: MESSAGE[: strerror(-err)]" on one line. err 0: no strerror. */
void vfc_err(const char *subject, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vfc_warn(const char *subject, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: message plus "Try 'vfioctl --help'"; returns VFC_EXIT_USAGE. */
int vfc_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Mutating commands call this first (not for --dry-run): writing sysfs attributes needs uid 0
 * or CAP_DAC_OVERRIDE. Prints "vfioctl: WHAT: needs root (or CAP_DAC_OVERRIDE) ..." and
 * returns VFC_EXIT_PERM, or 0.
 */
int vfc_require_root(const char *what);
/* -errno -> exit code. */
int vfc_exit_for_errno(int err);

/* Print the output document per global options; map failures to an exit code. */
int vfc_print_doc(struct out_doc *doc);
/* Validate -o against a schema; prints the usage error. Returns 0 or VFC_EXIT_USAGE. */
int vfc_check_columns(const struct vfc_cli *cli, const struct out_schema *s);

#endif
