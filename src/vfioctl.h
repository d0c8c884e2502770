/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command-line layer: exit codes, the command table, global options, messages. */
#ifndef VFIOCTL_H
#define VFIOCTL_H

#include <popt.h>
#include <stdbool.h>
#include <stddef.h>

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

struct vfc_session;

/*
 * The global (output) options of one call, parsed on the stack like a command's own. A batch
 * line parses its own set (without --sysroot, --version and --dump-commands) and takes the
 * batch's values for what it does not give.
 */
struct vfc_gopts {
	int json, raw, noheadings, list_columns, verbose, quiet, help, version, dump, pairs;
	char *columns, *sysroot;
};

struct vfc_cli {
	struct vfc_ctx ctx;
	struct out_opts out;
	int verbose;			/* -v: 1, -vv: 2 (trace every ioctl and sysfs write) */
	int quiet;
	int list_columns;
	const char *ids_path;		/* pci.ids override (VFIOCTL_PCI_IDS) */
	const char **tail;		/* after "--" for commands with takes_tail (exec) */
	int ntail;
	struct vfc_session *session;	/* a batch's named domains (NULL outside a batch) */
};

/* Options that cannot be combined: up to four long names; a list ends with { { NULL } }. */
struct vfc_exclusive {
	const char *opt[4];
};

/* The words after a command that name a verb of it: `bench map`, `domain create` in a batch. */
struct vfc_subcmd {
	const char *name;
	const char *args;
	const char *summary;
};

/*
 * An option of a new-form command stores into the command's option struct: the popt table's
 * arg is the field's offset (plus one, so that the first field is not NULL), which the dispatcher turns into the address in the struct it
 * parses into (on its stack, fresh for every call):
 *	{ "devices", 'd', POPT_ARG_NONE, VFC_OPT(struct list_opts, devices), 0, "...", NULL },
 */
#define VFC_OPT(type, field) ((void *)(offsetof(type, field) + 1))	/* + 1: never NULL */

struct vfc_cmd {
	const char *name;
	int order;			/* position in --help (lower first) */
	const char *args;		/* synopsis after the name: "[--devices] [FILTER...]" */
	const char *summary;
	const struct poptOption *options;	/* the command's own; globals are added */
	bool takes_tail;		/* everything after the first "--" is cli->tail, unparsed */
	const struct vfc_exclusive *exclusive;	/* refused together (the globals' are added) */
	const struct vfc_subcmd *subcommands;	/* ends with { NULL }; completion and help */

	/*
	 * The new form: options parsed into a struct of opts_size bytes, starting from
	 * opts_init (NULL: zeros); the strings popt allocated are freed after main returns.
	 * schemas (NULL-terminated) are the column schemas: --list-columns prints the first,
	 * -o is valid when one of them accepts it; schemas_for, when set, picks them from the
	 * parsed options (list --devices). caps: the capabilities main needs (caps_all: every
	 * command's, for batch); the rest are dropped before main runs.
	 */
	size_t opts_size;
	const void *opts_init;
	const struct out_schema *const *schemas;
	const struct out_schema *const *(*schemas_for)(const void *opts);
	const int *caps;
	size_t ncaps;
	bool caps_all;
	/* argv: the arguments after the command name and its options (argc of them) */
	int (*main)(struct vfc_cli *cli, void *opts, int argc, const char **argv);

	/* a batch session verb (cmd/domain.h), run over the session's named domains */
	int (*run_session)(struct vfc_cli *cli, struct vfc_session *s, int argc, const char **argv);
};

/* Where a call comes from: the process's argv, or a line of a batch or the prompt. */
enum vfc_from { VFC_FROM_ARGV, VFC_FROM_LINE };

/*
 * The one dispatcher: parse the command's and the global options of one call, refuse the
 * exclusive ones, answer --help and --list-columns, check -o, keep the command's capabilities
 * (FROM_ARGV), run it. argv[0] is the name popt shows ("vfioctl list"); argv[1..] the words
 * after the command's name. top: the global options given before the command name (FROM_ARGV),
 * or NULL. A takes_tail command run from a line runs in a child (it replaces the process).
 * Returns the exit code.
 */
int vfc_dispatch(struct vfc_cli *cli, const struct vfc_cmd *cmd, enum vfc_from from,
		 const struct vfc_gopts *top, int argc, const char **argv);
/* The commands, in --help order; lookup by exact name (NULL: none). */
const struct vfc_cmd *const *vfc_commands(size_t *n);
const struct vfc_cmd *vfc_command_find(const char *name);
/* One entry of a command list as --help prints it, wrapped at 80 columns. */
void vfc_help_command(FILE *f, const char *name, const char *args, const char *summary);
/* Every option of a popt table (includes followed), for completion: fn(option, data). */
void vfc_options_walk(const struct poptOption *o, void (*fn)(const struct poptOption *, void *),
		      void *data);

/* The global options a batch line may give (output and verbosity). */
extern const struct poptOption vfc_line_options[];

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
 * A command's record, defined and registered in one declaration. The command NAME's options
 * are NAME_options, parsed into an OPTS_TYPE, and cmd_NAME is its main; ORDER, ARGS and
 * SUMMARY are the record's fields of those names; the rest are further fields:
 *	VFC_DEFINE_COMMAND(frob, struct frob_opts, 50, "[--dry-run] TARGET...",
 *			   "what it does, in one line",
 *			   VFC_SCHEMAS(&frob_schema), VFC_CAPS(CAP_DAC_OVERRIDE));
 */
#define VFC_DEFINE_COMMAND(id, opts_type, ord, synopsis, what, ...)                        \
	static const struct vfc_cmd vfc_cmd_##id = {                                        \
		.name = #id, .order = (ord), .args = (synopsis), .summary = (what),          \
		.options = id##_options, .opts_size = sizeof(opts_type), .main = cmd_##id,   \
		__VA_ARGS__                                                                  \
	};                                                                                    \
	VFC_COMMAND(vfc_cmd_##id)
/* The record's schemas: the first answers --list-columns; -o is valid when one accepts it. */
#define VFC_SCHEMAS(...) .schemas = (const struct out_schema *const[]){ __VA_ARGS__, NULL }
/* The capabilities main needs (the others are dropped before it runs). */
#define VFC_CAPS(...)                                                                      \
	.caps = (const int[]){ __VA_ARGS__ },                                                \
	.ncaps = sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int)

/*
 * Where the command being run came from ("FILE:LINE" in a batch), put before the subject of
 * every message below: "vfioctl: FILE:LINE: SUBJECT: ...". NULL or "": nothing. The string
 * is not copied: it must live until the next call.
 */
void vfc_msg_where(const char *where);
/* "vfioctl: SUBJECT: MESSAGE" on stderr: information (-v output, summaries). */
void vfc_msg(const char *subject, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "vfioctl: SUBJECT: MESSAGE[: strerror(-err)]" on one line. err 0: no strerror. */
void vfc_error(const char *subject, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The old name, which was also the core's struct vfc_err: kept as a function-like macro (it
 * never touches the struct tag) for the files not yet converted; new code says vfc_error.
 */
#define vfc_err(...) vfc_error(__VA_ARGS__)
void vfc_warn(const char *subject, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A usage error: message plus "Try 'vfioctl --help'" (in a batch: "Try 'help COMMAND'", the
 * command being parsed, else "Try 'help'"); returns VFC_EXIT_USAGE.
 */
int vfc_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The batch's lines are being run: usage errors point at the batch's help. */
void vfc_usage_in_batch(bool on);
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
/*
 * One table printed: with object_key, a one-row table as a record (the table view) or as the
 * JSON object object_key; without, as a table in every format. Frees tb; returns the exit code.
 */
int vfc_print_one(const struct vfc_cli *cli, struct out_table *tb, const char *object_key);
/* Validate -o against a schema; prints the usage error. Returns 0 or VFC_EXIT_USAGE. */
int vfc_check_columns(const struct vfc_cli *cli, const struct out_schema *s);

#endif
