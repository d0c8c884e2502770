// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl — discover, bind and exercise Linux VFIO devices, groups and DMA domains.
 * main: global options, exact command lookup (no prefix matching), dispatch.
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "core/caps.h"
#include "core/trace.h"
#include "core/util.h"
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

#define G(f) VFC_OPT(struct vfc_gopts, f)

const struct poptOption vfc_global_options[] = {
	{ "json", 'J', POPT_ARG_NONE, G(json), 0, "JSON output", NULL },
	{ "output", 'o', POPT_ARG_STRING, G(columns), 0,
	  "columns to show (comma list; +COLS adds to the defaults)", "COLS" },
	{ "noheadings", 'n', POPT_ARG_NONE, G(noheadings), 0, "no table headings", NULL },
	{ "raw", 'r', POPT_ARG_NONE, G(raw), 0, "raw output (unaligned, values repeated, '-' empty)",
	  NULL },
	{ "pairs", 'P', POPT_ARG_NONE, G(pairs), 0, "NAME=\"value\" pairs, one row a line", NULL },
	{ "list-columns", 0, POPT_ARG_NONE, G(list_columns), 0, "list the command's columns", NULL },
	{ "sysroot", 0, POPT_ARG_STRING, G(sysroot), 0,
	  "read /sys, /proc and /dev below DIR (fixture trees)", "DIR" },
	{ "verbose", 'v', POPT_ARG_NONE, G(verbose), 0,
	  "say more (-vv: trace every ioctl and sysfs write)", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, G(quiet), 0, "say less", NULL },
	{ "help", 'h', POPT_ARG_NONE, G(help), 0, "show help and exit", NULL },
	{ "version", 'V', POPT_ARG_NONE, G(version), 0, "show the version and exit", NULL },
	{ "dump-commands", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, G(dump), 0,
	  "machine-readable command table (completions and docs are generated from it)", NULL },
	POPT_TABLEEND
};

/*
 * Output options a batch line may give after its command, as on the command line; the
 * batch's own global options are every line's defaults. --sysroot is the batch's alone.
 */
const struct poptOption vfc_line_options[] = {
	{ "json", 'J', POPT_ARG_NONE, G(json), 0, "JSON output (one line per document in a batch)",
	  NULL },
	{ "output", 'o', POPT_ARG_STRING, G(columns), 0, "columns to show", "COLS" },
	{ "noheadings", 'n', POPT_ARG_NONE, G(noheadings), 0, "no table headings", NULL },
	{ "raw", 'r', POPT_ARG_NONE, G(raw), 0, "raw output", NULL },
	{ "pairs", 'P', POPT_ARG_NONE, G(pairs), 0, "NAME=\"value\" pairs", NULL },
	{ "list-columns", 0, POPT_ARG_NONE, G(list_columns), 0, "list the command's columns", NULL },
	{ "verbose", 'v', POPT_ARG_NONE, G(verbose), 0, "say more", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, G(quiet), 0, "say less", NULL },
	{ "help", 'h', POPT_ARG_NONE, G(help), 0, "show the command's options", NULL },
	POPT_TABLEEND
};

/* Every command: the output formats exclude each other. */
static const struct vfc_exclusive global_exclusive[] = {
	{ { "json", "raw" } },
	{ { "json", "pairs" } },
	{ { "raw", "pairs" } },
	{ { NULL } },
};

static const char *msg_where;
static int msg_quiet;		/* -q of the call being run: no warnings */

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

void vfc_error(const char *subject, int err, const char *fmt, ...)
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

	if (msg_quiet)
		return;
	msg_head(subject);
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * In a batch there is no "vfioctl --help" to type: a usage error points at the batch's help,
 * for the command of the line being parsed when there is one (usage_cmd, set by the dispatcher).
 */
static bool usage_in_batch;
static const char *usage_cmd;

void vfc_usage_in_batch(bool on)
{
	usage_in_batch = on;
	usage_cmd = NULL;	/* the batch's own command is not the line's */
}

int vfc_usage_error(const char *fmt, ...)
{
	va_list ap;

	msg_head(NULL);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!usage_in_batch)
		fputs("\nTry 'vfioctl --help' for more information.\n", stderr);
	else if (usage_cmd)
		fprintf(stderr, "\nTry 'help %s' for more information.\n", usage_cmd);
	else
		fputs("\nTry 'help' for more information.\n", stderr);
	return VFC_EXIT_USAGE;
}

int vfc_require_root(const char *what)
{
	if (geteuid() == 0 || vfc_cap_effective(CAP_DAC_OVERRIDE))
		return 0;
	vfc_error(what, -EPERM, "needs root (or CAP_DAC_OVERRIDE) to change device bindings and "
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
	const char *why, *bad;

	if (rc == -EDOM && (bad = out_doc_bad_column(doc, &why)))
		return vfc_usage_error("-o %s: %s", bad, why);
	if (!rc && fflush(stdout))
		rc = -errno;
	if (rc) {
		vfc_error("stdout", rc, "cannot write output");
		return VFC_EXIT_FAILED;
	}
	return VFC_EXIT_OK;
}

int vfc_print_one(const struct vfc_cli *cli, struct out_table *tb, const char *object_key)
{
	struct out_opts o = cli->out;
	struct out_doc *doc;
	int rc;

	if (object_key && o.format == OUT_FMT_TABLE)
		o.format = OUT_FMT_RECORD;
	doc = out_doc_new(&o);
	if (object_key && o.format == OUT_FMT_JSON)
		out_doc_add_object(doc, object_key, tb);
	else
		out_doc_add_table(doc, tb);
	rc = vfc_print_doc(doc);
	out_doc_free(doc);
	return rc;
}

int vfc_check_columns(const struct vfc_cli *cli, const struct out_schema *s)
{
	const char *bad;
	size_t len;

	if (cli->out.columns && !cli->out.columns[cli->out.columns[0] == '+'])
		return vfc_usage_error("-o: no column named (see --list-columns)");
	if (out_columns_check(s, cli->out.columns, &bad, &len))
		return vfc_usage_error("unknown column '%.*s' (see --list-columns)", (int)len, bad);
	return 0;
}

const struct vfc_cmd *const *vfc_commands(size_t *n)
{
	*n = ncommands;
	return commands;
}

const struct vfc_cmd *vfc_command_find(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static bool opt_end(const struct poptOption *o)
{
	return !o->longName && !o->shortName && !o->argInfo;
}

void vfc_options_walk(const struct poptOption *o, void (*fn)(const struct poptOption *, void *),
		      void *data)
{
	for (; o && !opt_end(o); o++) {
		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE)
			vfc_options_walk(o->arg, fn, data);
		else
			fn(o, data);
	}
}

/* ---- parsing one call ---- */

/*
 * The tables popt parses are copies: a new-form option's arg (an offset) becomes an address in
 * the struct of this call, and every option gets a val of its own so that poptGetNextOpt says
 * which one it just stored (given: how often). Options live in the call's struct (or the
 * global options of the call), so nothing leaks into the next batch line.
 */
#define VAL_BASE 0x4000

union optval {
	int i;
	double d;
	char *s;
	char **v;
};

struct optref {
	const struct poptOption *o;	/* the copy (arg: the address written) */
	union optval init;		/* the value before parsing */
	int given;
};

struct parse {
	struct poptOption *tab[2];	/* copies of the command's and the global table */
	struct optref *ref;
	size_t nref;
};

static void val_get(const struct poptOption *o, union optval *v)
{
	switch (o->argInfo & POPT_ARG_MASK) {
	case POPT_ARG_NONE: case POPT_ARG_VAL: case POPT_ARG_INT: v->i = *(int *)o->arg; break;
	case POPT_ARG_DOUBLE: v->d = *(double *)o->arg; break;
	case POPT_ARG_STRING: v->s = *(char **)o->arg; break;
	case POPT_ARG_ARGV: v->v = *(char ***)o->arg; break;
	default: break;
	}
}

/*
 * Free what popt allocated for o (a value other than the initial one) and put the initial
 * value back: the struct (or the global options) holds nothing popt owns after a call.
 */
static void val_drop(const struct optref *r)
{
	const struct poptOption *o = r->o;

	switch (o->argInfo & POPT_ARG_MASK) {
	case POPT_ARG_STRING:
		if (*(char **)o->arg != r->init.s) {
			free(*(char **)o->arg);
			*(char **)o->arg = r->init.s;
		}
		break;
	case POPT_ARG_ARGV:
		if (*(char ***)o->arg != r->init.v) {
			vfc_strv_free(*(char ***)o->arg);
			*(char ***)o->arg = r->init.v;
		}
		break;
	default:
		break;
	}
}

static size_t count_options(const struct poptOption *o)
{
	size_t n = 0;

	for (; o && !opt_end(o); o++)
		n += (o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE ? count_options(o->arg) : 1;
	return n;
}

static void copy_options(struct parse *p, struct poptOption **dst, const struct poptOption *o,
			 void *base)
{
	for (; o && !opt_end(o); o++) {
		struct optref *r;

		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			copy_options(p, dst, o->arg, base);
			continue;
		}
		**dst = *o;
		if (base && o->arg)
			(*dst)->arg = (char *)base + ((uintptr_t)o->arg - 1);
		(*dst)->val = VAL_BASE + (int)p->nref;
		r = &p->ref[p->nref++];
		r->o = *dst;
		r->given = 0;
		if ((*dst)->arg)
			val_get(*dst, &r->init);
		(*dst)++;
	}
}

/* Copy cmd (base: the command's struct, NULL for statics) and the globals (into g). */
static int parse_tables(struct parse *p, const struct poptOption *cmd, void *base,
			const struct poptOption *glob, struct vfc_gopts *g)
{
	size_t nc = count_options(cmd), ng = count_options(glob);
	struct poptOption *d;

	memset(p, 0, sizeof(*p));
	p->tab[0] = calloc(nc + 1, sizeof(**p->tab));
	p->tab[1] = calloc(ng + 1, sizeof(**p->tab));
	p->ref = calloc(nc + ng + 1, sizeof(*p->ref));
	if (!p->tab[0] || !p->tab[1] || !p->ref)
		return -ENOMEM;
	d = p->tab[0];
	copy_options(p, &d, cmd, base);
	d = p->tab[1];
	copy_options(p, &d, glob, g);
	return 0;
}

static struct optref *parse_ref(struct parse *p, int val)
{
	if (val < VAL_BASE || (size_t)(val - VAL_BASE) >= p->nref)
		return NULL;
	return &p->ref[val - VAL_BASE];
}

/* What popt allocated is freed; the tables and references go. */
static void parse_end(struct parse *p)
{
	for (size_t i = 0; i < p->nref; i++)
		if (p->ref[i].o->arg)
			val_drop(&p->ref[i]);
	free(p->tab[0]);
	free(p->tab[1]);
	free(p->ref);
}

static struct optref *find_ref(struct parse *p, const char *name)
{
	for (size_t i = 0; i < p->nref; i++)
		if (p->ref[i].o->longName && !strcmp(p->ref[i].o->longName, name))
			return &p->ref[i];
	return NULL;
}

/* The first group of ex with two members given: refused with one message. */
static int check_exclusive(struct parse *p, const char *who, const struct vfc_exclusive *ex,
			   const struct vfc_gopts *g, bool from_top)
{
	for (; ex && ex->opt[0]; ex++) {
		const char *first = NULL;

		for (size_t k = 0; k < VFC_ARRAY_SIZE(ex->opt) && ex->opt[k]; k++) {
			struct optref *r = find_ref(p, ex->opt[k]);
			bool given = r && r->given;

			/* before the command name: `vfioctl -J list -r` combines them too */
			if (r && from_top && !given && r->o->arg >= (void *)g &&
			    r->o->arg < (void *)(g + 1) &&
			    (r->o->argInfo & POPT_ARG_MASK) == POPT_ARG_NONE)
				given = r->init.i != 0;
			if (!given)
				continue;
			if (first)
				return vfc_usage_error("%s: --%s and --%s cannot be combined", who,
						       first, ex->opt[k]);
			first = ex->opt[k];
		}
	}
	return 0;
}

/* ---- capabilities ---- */

static void caps_add(int *v, size_t *n, size_t max, const int *add, size_t nadd)
{
	for (size_t i = 0; i < nadd; i++) {
		size_t k = 0;

		while (k < *n && v[k] != add[i])
			k++;
		if (k == *n && *n < max)
			v[(*n)++] = add[i];
	}
}

static void cmd_caps(const struct vfc_cmd *cmd, int *v, size_t *n, size_t max)
{
	if (cmd->caps_all) {
		for (size_t i = 0; i < ncommands; i++)
			if (!commands[i]->caps_all)
				cmd_caps(commands[i], v, n, max);
	} else {
		caps_add(v, n, max, cmd->caps, cmd->ncaps);
	}
}

/* ---- the dispatcher ---- */

static void trace_line(void *data, const char *line)
{
	(void)data;
	vfc_msg("trace", "%s", line);
}

/* Commands that replace the process (exec) run in a child when a batch runs them. */
static int run_in_child(const struct vfc_cmd *cmd, struct vfc_cli *c, void *opts, int n,
			const char **args)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		vfc_error(cmd->name, -errno, "cannot fork");
		return VFC_EXIT_FAILED;
	}
	if (pid == 0) {
		int rc = cmd->main(c, opts, n, args);

		fflush(NULL);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			vfc_error(cmd->name, -errno, "cannot wait for the child");
			return VFC_EXIT_FAILED;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The call's global options into its cli: from argv they are the options; a line's add up. */
static int apply_globals(struct vfc_cli *c, const struct vfc_gopts *g, enum vfc_from from)
{
	if (from == VFC_FROM_LINE) {
		if (g->json)
			c->out.format = OUT_FMT_JSON;
		else if (g->raw)
			c->out.format = OUT_FMT_RAW;
		else if (g->pairs)
			c->out.format = OUT_FMT_PAIRS;
		c->out.noheadings |= g->noheadings;
		if (g->columns)
			c->out.columns = g->columns;
		c->verbose += g->verbose;
		c->quiet |= g->quiet;
		c->list_columns |= g->list_columns;
		return 0;
	}
	c->out.format = g->json ? OUT_FMT_JSON : g->raw ? OUT_FMT_RAW
		      : g->pairs ? OUT_FMT_PAIRS : OUT_FMT_TABLE;
	c->out.noheadings = g->noheadings;
	c->out.columns = g->columns;
	c->verbose = g->verbose;
	c->quiet = g->quiet;
	c->list_columns = g->list_columns;

	int rc = vfc_ctx_init(&c->ctx, g->sysroot);

	if (!rc && g->sysroot) {
		struct stat st;

		/* A mistyped fixture path must not look like a host with nothing in it. */
		if (stat(g->sysroot, &st))
			rc = -errno;
		else if (!S_ISDIR(st.st_mode))
			rc = -ENOTDIR;
	}
	if (rc) {
		vfc_error(g->sysroot, rc, "bad --sysroot");
		return VFC_EXIT_USAGE;
	}
	return 0;
}

/* --list-columns and -o, from the schemas the command declares. */
static int columns_answer(const struct vfc_cmd *cmd, const struct vfc_cli *c, const void *opts,
			  bool *done)
{
	const struct out_schema *const *s = cmd->schemas_for ? cmd->schemas_for(opts) : cmd->schemas;
	const char *bad = NULL;
	size_t len = 0;

	*done = false;
	if (!s || !s[0])
		return 0;
	if (c->list_columns) {
		if (c->out.format == OUT_FMT_JSON)
			out_list_columns_json(s[0], stdout, c->out.compact_json);
		else
			out_list_columns(s[0], stdout);
		*done = true;
		return VFC_EXIT_OK;
	}
	if (c->out.columns && !c->out.columns[c->out.columns[0] == '+'])
		return vfc_usage_error("-o: no column named (see --list-columns)");
	for (size_t i = 0; s[i]; i++)
		if (!out_columns_check(s[i], c->out.columns, &bad, &len))
			return 0;
	return vfc_usage_error("unknown column '%.*s' (see --list-columns)", (int)len, bad);
}

static size_t wrap_words(FILE *f, const char *text, size_t col, size_t indent);

/*
 * popt prints "Usage: PROGRAM " and then this: the arguments wrapped at the help width, going
 * on under the first argument (NULL: no memory; the caller uses them unwrapped).
 */
static char *wrapped_args(const char *program, const char *args)
{
	size_t col = strlen("Usage: ") + strlen(program) + 1, size = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	wrap_words(f, args ? args : "", col, col > 40 ? 8 : col);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

int vfc_dispatch(struct vfc_cli *cli, const struct vfc_cmd *cmd, enum vfc_from from,
		 const struct vfc_gopts *top, int argc, const char **argv)
{
	max_align_t obuf[64];	/* the command's option struct */
	void *opts = cmd->main ? obuf : NULL;
	struct vfc_gopts g = { 0 };
	struct vfc_cli c = *cli;
	struct parse p;
	poptContext pc = NULL;
	char *usage_args = NULL;
	const char *old_usage_cmd = usage_cmd;
	int rc, verbose, old_quiet = msg_quiet;
	bool traced = false, done;

	if (top && from == VFC_FROM_ARGV)
		g = *top;
	verbose = g.verbose;
	if (cmd->opts_size > sizeof(obuf)) {
		vfc_error(cmd->name, -E2BIG, "internal error: the option struct is too large");
		return VFC_EXIT_FAILED;
	}
	if (cmd->main) {
		if (cmd->opts_init)
			memcpy(obuf, cmd->opts_init, cmd->opts_size);
		else
			memset(obuf, 0, cmd->opts_size);
	}
	c.tail = NULL;
	c.ntail = 0;
	/* exec: "--" ends vfioctl's words; the rest is the program's, never parsed here. */
	if (cmd->takes_tail) {
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--"))
				continue;
			c.tail = argv + i + 1;
			c.ntail = argc - i - 1;
			argc = i;
			break;
		}
	}
	if (parse_tables(&p, cmd->options, opts, from == VFC_FROM_ARGV ? vfc_global_options
								    : vfc_line_options, &g)) {
		parse_end(&p);
		vfc_error(cmd->name, -ENOMEM, "cannot parse the options");
		return VFC_EXIT_FAILED;
	}
	struct poptOption table[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, p.tab[0], 0, "Command options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, p.tab[1], 0,
		  from == VFC_FROM_ARGV ? "Global options:" : "Output options:", NULL },
		POPT_TABLEEND
	};
	if (opt_end(p.tab[0]))
		table[0] = table[1], table[1] = (struct poptOption)POPT_TABLEEND;
	pc = poptGetContext(argv[0], argc, argv, table, 0);
	usage_args = wrapped_args(argv[0], cmd->args);
	usage_cmd = cmd->name;
	poptSetOtherOptionHelp(pc, usage_args ? usage_args : cmd->args);
	while ((rc = poptGetNextOpt(pc)) > 0) {
		struct optref *r = parse_ref(&p, rc);

		if (!r)
			continue;
		r->given++;
		if (r->o->arg == (void *)&g.verbose)
			verbose++;	/* -v counts: -vv traces */
	}
	if (rc < -1) {
		rc = vfc_usage_error("%s: %s: %s", cmd->name, poptBadOption(pc, 0), poptStrerror(rc));
		goto out;
	}
	if (g.help) {
		poptPrintHelp(pc, stdout, 0);
		fflush(stdout);
		rc = VFC_EXIT_OK;
		goto out;
	}
	g.verbose = verbose;
	if ((rc = check_exclusive(&p, cmd->name, global_exclusive, &g, top != NULL)) ||
	    (rc = check_exclusive(&p, cmd->name, cmd->exclusive, &g, top != NULL)))
		goto out;
	if ((rc = apply_globals(&c, &g, from)))
		goto out;
	if (cmd->main) {
		rc = columns_answer(cmd, &c, opts, &done);
		if (rc || done)
			goto out;
	}
	if (from == VFC_FROM_ARGV) {
		int keep[64];
		size_t nkeep = 0;

		/*
		 * Least privilege from the start: only what this command can use stays (the
		 * bounding set is left alone, so a program exec runs as root is as root expects).
		 * Long-running commands drop further once set up. A failure here leaves the
		 * process as it was, which every command copes with.
		 */
		cmd_caps(cmd, keep, &nkeep, VFC_ARRAY_SIZE(keep));
		(void)vfc_caps_keep(keep, nkeep, false);
	}
	{
		const char **rest = poptGetArgs(pc);
		int n = 0;

		while (rest && rest[n])
			n++;
		msg_quiet = c.quiet;
		if (c.verbose >= 2 && !vfc_tracing()) {
			vfc_trace_hook(trace_line, NULL);
			traced = true;
		}
		if (cmd->run_session)
			rc = cmd->run_session(&c, c.session, n, rest);
		else if (from == VFC_FROM_LINE && cmd->takes_tail)
			rc = run_in_child(cmd, &c, opts, n, rest);
		else
			rc = cmd->main(&c, opts, n, rest);
		if (traced)
			vfc_trace_hook(NULL, NULL);
		msg_quiet = old_quiet;
	}
out:
	usage_cmd = old_usage_cmd;
	poptFreeContext(pc);
	free(usage_args);
	parse_end(&p);
	return rc;
}

/* ---- help and the command table ---- */

static void usage_option(const struct poptOption *o, void *data)
{
	FILE *f = data;
	char head[64];
	unsigned type = o->argInfo & POPT_ARG_MASK;
	bool flag = type == POPT_ARG_NONE || type == POPT_ARG_VAL;

	if (!o->longName || (o->argInfo & POPT_ARGFLAG_DOC_HIDDEN))
		return;
	snprintf(head, sizeof(head), "%c%c%s --%s%s%s", o->shortName ? '-' : ' ',
		 o->shortName ? o->shortName : ' ', o->shortName ? "," : " ", o->longName,
		 flag ? "" : " ", flag ? "" : o->argDescrip ? o->argDescrip : "ARG");
	fprintf(f, "  %-20s %s\n", head, o->descrip ? o->descrip : "");
}

/*
 * Help is at most HELP_WIDTH columns, as util-linux's is: a text that does not fit is broken
 * at spaces (outside brackets, so "[--user U [--group G]]" stays whole) and goes on on lines
 * indented by indent. col is where the text starts on the current line; returns where it ends.
 * A word longer than a line is printed whole.
 */
#define HELP_WIDTH 80

static size_t wrap_words(FILE *f, const char *text, size_t col, size_t indent)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		const char *w = p;
		int depth = 0;
		size_t len;

		while (*p && (depth || *p != ' ')) {
			if (*p == '[' || *p == '{')
				depth++;
			else if ((*p == ']' || *p == '}') && depth)
				depth--;
			p++;
		}
		len = (size_t)(p - w);
		while (*p == ' ')
			p++;
		if (!len)
			continue;
		if (!first && col + 1 + len > HELP_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, len, f);
		col += len;
		first = false;
	}
	return col;
}

/*
 * One line of the command list: NAME ARGS SUMMARY in columns, or ARGS and SUMMARY wrapped
 * (--help, and batch's help).
 */
#define HELP_ARGS_COL 11		/* "  " NAME(8) " " */
#define HELP_SUMMARY_COL 46		/* HELP_ARGS_COL + 34 + " " */

void vfc_help_command(FILE *f, const char *name, const char *args, const char *summary)
{
	size_t col;

	if (HELP_ARGS_COL + strlen(args) < HELP_SUMMARY_COL &&
	    HELP_SUMMARY_COL + strlen(summary) <= HELP_WIDTH) {
		fprintf(f, "  %-8s %-34s %s\n", name, args, summary);
		return;
	}
	fprintf(f, "  %-8s ", name);
	col = wrap_words(f, args, HELP_ARGS_COL, HELP_ARGS_COL + 4);
	if (col < HELP_SUMMARY_COL && HELP_SUMMARY_COL + strlen(summary) <= HELP_WIDTH) {
		fprintf(f, "%*s%s\n", (int)(HELP_SUMMARY_COL - col), "", summary);
		return;
	}
	/* the summary on its own line(s), under the arguments */
	fprintf(f, "\n%*s", HELP_ARGS_COL + 2, "");
	wrap_words(f, summary, HELP_ARGS_COL + 2, HELP_ARGS_COL + 2);
	fputc('\n', f);
}

static void usage(FILE *f)
{
	fputs("Usage: vfioctl [OPTIONS] COMMAND [ARGS]\n\n"
	      "Discover, bind and exercise Linux VFIO devices, IOMMU groups and DMA domains.\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < ncommands; i++) {
		vfc_help_command(f, commands[i]->name, commands[i]->args, commands[i]->summary);
		for (const struct vfc_subcmd *s = commands[i]->subcommands; s && s->name; s++) {
			char words[64];

			snprintf(words, sizeof(words), "%s %s", commands[i]->name, s->name);
			vfc_help_command(f, "", words, s->summary);
		}
	}
	fputs("\nTARGET: a PCI address (0000:01:00.0 or 01:00.0), a group (12 or group:12),\n"
	      "        or vendor:device ids (10de:2204).\n\n"
	      "Options:\n", f);
	vfc_options_walk(vfc_global_options, usage_option, f);
	fputs("\nCOMMAND --help: the command's options.\n\n"
	      "Exit status: 0 ok, 1 failed, 2 usage, 3 no such device or group, 4 permission,\n"
	      "5 busy, 6 unsupported, 7 some targets failed, 8 not viable or problems found.\n"
	      "See vfioctl(8).\n", f);
}

/*
 * help [COMMAND]: what --help and COMMAND --help say, for those who type the word. A batch
 * answers its own `help` lines (cmd/batch.c); this is the command line's.
 */
static int cmd_help(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct vfc_cmd *cmd;
	const char *words[3];
	char argv0[64];

	(void)opts;
	if (argc > 1)
		return vfc_usage_error("help: one COMMAND at most");
	if (argc == 0) {
		usage(stdout);
		fflush(stdout);
		return VFC_EXIT_OK;
	}
	cmd = vfc_command_find(argv[0]);
	if (!cmd)
		return vfc_usage_error("help: %s: unknown command", argv[0]);
	snprintf(argv0, sizeof(argv0), "vfioctl %s", cmd->name);
	words[0] = argv0;
	words[1] = "--help";
	words[2] = NULL;
	return vfc_dispatch(cli, cmd, VFC_FROM_ARGV, NULL, 2, words);
}

static const struct vfc_cmd vfc_cmd_help = {
	.name = "help",
	.order = 99,
	.args = "[COMMAND]",
	.summary = "the commands and options (as --help), or COMMAND's (as COMMAND --help)",
	.main = cmd_help,
};
VFC_COMMAND(vfc_cmd_help);

static void dump_option(const struct poptOption *o, void *data)
{
	const char *owner = data;
	unsigned type = o->argInfo & POPT_ARG_MASK;

	if (!o->longName || (o->argInfo & POPT_ARGFLAG_DOC_HIDDEN))
		return;
	printf("option\t%s\t--%s\t%s%c\t%s\t%s\n", owner, o->longName, o->shortName ? "-" : "",
	       o->shortName ? o->shortName : '-',
	       type == POPT_ARG_NONE || type == POPT_ARG_VAL ? "-"
	       : o->argDescrip ? o->argDescrip : "ARG",
	       o->descrip ? o->descrip : "");
}

/*
 * --dump-commands: tab-separated records, one per line, for generators:
 *	command	NAME	ARGS	SUMMARY
 *	subcommand	COMMAND	NAME	ARGS	SUMMARY	(a verb of COMMAND: bench map)
 *	option	OWNER	--LONG	-S|--	ARG|-	DESCRIPTION	(OWNER is a command or "global")
 */
static void dump_commands(void)
{
	for (size_t i = 0; i < ncommands; i++)
		printf("command\t%s\t%s\t%s\n", commands[i]->name, commands[i]->args,
		       commands[i]->summary);
	for (size_t i = 0; i < ncommands; i++)
		for (const struct vfc_subcmd *v = commands[i]->subcommands; v && v->name; v++)
			printf("subcommand\t%s\t%s\t%s\t%s\n", commands[i]->name, v->name, v->args,
			       v->summary);
	vfc_options_walk(vfc_global_options, dump_option, (void *)"global");
	for (size_t i = 0; i < ncommands; i++)
		vfc_options_walk(commands[i]->options, dump_option, (void *)commands[i]->name);
}

int main(int argc, const char **argv)
{
	struct vfc_cli cli = { 0 };
	struct vfc_gopts top = { 0 };
	const struct vfc_cmd *cmd;
	const char **rest;
	struct parse p;
	poptContext pc;
	int rc, n = 0, nverbose = 0;

	setlocale(LC_ALL, "");
	if (load_commands() || parse_tables(&p, NULL, NULL, vfc_global_options, &top)) {
		vfc_error(NULL, -ENOMEM, "cannot start");
		return VFC_EXIT_FAILED;
	}
	cli.ids_path = getenv("VFIOCTL_PCI_IDS");
	/* POSIXMEHARDER: global options end at the command name; the command parses the rest. */
	pc = poptGetContext("vfioctl", argc, argv, p.tab[1], POPT_CONTEXT_POSIXMEHARDER);
	while ((rc = poptGetNextOpt(pc)) > 0)
		if (parse_ref(&p, rc) && parse_ref(&p, rc)->o->arg == (void *)&top.verbose)
			nverbose++;	/* -v counts: -vv traces */
	top.verbose = nverbose;
	if (rc < -1) {
		rc = vfc_usage_error("%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
		goto out;
	}
	rest = poptGetArgs(pc);
	while (rest && rest[n])
		n++;
	if (top.dump) {
		dump_commands();
		rc = VFC_EXIT_OK;
		goto out;
	}
	if (top.version) {
		printf("vfioctl %s\n", VFIOCTL_VERSION);
		rc = VFC_EXIT_OK;
		goto out;
	}
	if (n == 0) {
		usage(top.help ? stdout : stderr);
		rc = top.help ? VFC_EXIT_OK : VFC_EXIT_USAGE;
		goto out;
	}
	cmd = vfc_command_find(rest[0]);
	if (!cmd) {
		rc = vfc_usage_error("%s: unknown command", rest[0]);
		goto out;
	}
	/* The command sees argv[0] = its name and everything after it. */
	{
		const char **sub = calloc((size_t)n + 1, sizeof(*sub));
		char argv0[64];

		if (!sub) {
			vfc_error(NULL, -ENOMEM, "cannot start");
			rc = VFC_EXIT_FAILED;
			goto out;
		}
		/* popt's help names the program by argv[0]: "vfioctl list". */
		snprintf(argv0, sizeof(argv0), "vfioctl %s", cmd->name);
		memcpy(sub, rest, (size_t)n * sizeof(*sub));
		sub[0] = argv0;
		rc = vfc_dispatch(&cli, cmd, VFC_FROM_ARGV, &top, n, sub);
		free(sub);
	}
out:
	poptFreeContext(pc);
	parse_end(&p);
	free(commands);
	return rc;
}
