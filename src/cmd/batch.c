// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl batch [FILE|-]`: many commands in one process, one per line,
 * split like a shell splits words (core/split.c). Named domains persist across lines (a core
 * session table, core/session.c; the verbs are cmd/domain.c's) and are torn down at the end,
 * after a failure, and on SIGINT/SIGTERM/SIGHUP.
 *
 * A batch stops at the first failing line unless --force and exits with that line's status;
 * its messages carry FILE:LINE. Without FILE on a terminal it is interactive: it prompts,
 * edits lines, keeps a history and completes words (libedit, when the build has it), and
 * goes on after failures.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#ifdef VFC_HAVE_LIBEDIT
#include <histedit.h>
#endif

#include "cmd/domain.h"
#include "core/session.h"
#include "core/split.h"
#include "vfioctl.h"

/* The command table, filled by the linker from every VFC_COMMAND() (see vfioctl.c). */
extern const struct vfc_cmd *const __start_vfc_cmds[];
extern const struct vfc_cmd *const __stop_vfc_cmds[];

static int force;

static const struct poptOption batch_options[] = {
	{ "force", 'f', POPT_ARG_NONE, &force, 0,
	  "go on after a failing line (the exit status is still the first failure's)", NULL },
	POPT_TABLEEND
};

/*
 * Output options a line may give after its command, as on the command line; the batch's own
 * global options are every line's defaults. --sysroot is the batch's alone.
 */
static struct {
	int json, raw, noheadings, list_columns, verbose, quiet, help;
	char *columns;
} lo;

static const struct poptOption line_options[] = {
	{ "json", 'J', POPT_ARG_NONE, &lo.json, 0, "JSON output (one line per document in a batch)",
	  NULL },
	{ "output", 'o', POPT_ARG_STRING, &lo.columns, 0, "columns to show", "COLS" },
	{ "noheadings", 'n', POPT_ARG_NONE, &lo.noheadings, 0, "no table headings", NULL },
	{ "raw", 'r', POPT_ARG_NONE, &lo.raw, 0, "raw output", NULL },
	{ "list-columns", 0, POPT_ARG_NONE, &lo.list_columns, 0, "list the command's columns",
	  NULL },
	{ "verbose", 'v', POPT_ARG_NONE, &lo.verbose, 0, "say more", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, &lo.quiet, 0, "say less", NULL },
	{ "help", 'h', POPT_ARG_NONE, &lo.help, 0, "show the command's options", NULL },
	POPT_TABLEEND
};

struct batch {
	struct vfc_cli *cli;		/* the batch's own: context and default output options */
	struct vfc_session session;
	const char *source;		/* FILE as given, "stdin", or NULL (interactive) */
	unsigned long line;		/* first line of the command being run */
	bool interactive;
	int first_fail;			/* exit status of the first failing line */
	int last;			/* exit status of the last line (the shell's) */
};

/* ---- signals: stop reading, tear the domains down, exit 128 + signal ---- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void signals_catch(struct sigaction *old)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	/* No SA_RESTART: a read blocked on the next line must return so that the batch stops. */
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
}

static void signals_restore(const struct sigaction *old)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	for (size_t i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
}

/*
 * Messages: every command prints through vfc_err and friends, which put the location set with
 * vfc_msg_where() after "vfioctl: ", so the message of any command, however deep, says where
 * in the file it came from: "vfioctl: FILE:LINE: SUBJECT: ...".
 */

/* ---- option state: every line starts from the options' initial values ---- */

/*
 * popt writes option values into the commands' static variables and never resets them, so
 * `domain 12 --verify` on one line would leave --verify set for the next. The values before
 * the first line are saved; after each line popt's strings are freed and the values restored.
 */
struct saved_opt {
	const struct poptOption *o;
	union {
		int i;
		double d;
		char *s;
		char **v;
	} val;
};

struct saved_opts {
	struct saved_opt *v;
	size_t n;
};

static int opts_save(struct saved_opts *sv, const struct poptOption *o)
{
	for (; o && (o->longName || o->shortName || o->argInfo); o++) {
		unsigned type = o->argInfo & POPT_ARG_MASK;
		struct saved_opt *nv;

		if (type == POPT_ARG_INCLUDE_TABLE) {
			if (opts_save(sv, o->arg))
				return -ENOMEM;
			continue;
		}
		if (!o->arg)
			continue;
		nv = reallocarray(sv->v, sv->n + 1, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		sv->v = nv;
		nv = &sv->v[sv->n++];
		nv->o = o;
		switch (type) {
		case POPT_ARG_NONE: case POPT_ARG_VAL: case POPT_ARG_INT:
			nv->val.i = *(int *)o->arg;
			break;
		case POPT_ARG_DOUBLE: nv->val.d = *(double *)o->arg; break;
		case POPT_ARG_STRING: nv->val.s = *(char **)o->arg; break;
		case POPT_ARG_ARGV: nv->val.v = *(char ***)o->arg; break;
		default: sv->n--; break;	/* no command uses other kinds */
		}
	}
	return 0;
}

static void opts_restore(struct saved_opts *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		const struct poptOption *o = sv->v[i].o;

		switch (o->argInfo & POPT_ARG_MASK) {
		case POPT_ARG_NONE: case POPT_ARG_VAL: case POPT_ARG_INT:
			*(int *)o->arg = sv->v[i].val.i;
			break;
		case POPT_ARG_DOUBLE: *(double *)o->arg = sv->v[i].val.d; break;
		case POPT_ARG_STRING:
			if (*(char **)o->arg != sv->v[i].val.s)
				free(*(char **)o->arg);	/* popt's copy of the argument */
			*(char **)o->arg = sv->v[i].val.s;
			break;
		case POPT_ARG_ARGV:
			if (*(char ***)o->arg != sv->v[i].val.v)
				vfc_strv_free(*(char ***)o->arg);
			*(char ***)o->arg = sv->v[i].val.v;
			break;
		}
	}
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* ---- what a line can name ---- */

static const struct vfc_cmd *find_command(const char *name)
{
	for (const struct vfc_cmd *const *c = __start_vfc_cmds; c < __stop_vfc_cmds; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}

/* A verb over named domains: `domain create`, `map`, or `show NAME` when NAME is a name. */
static const struct vfc_session_verb *find_verb(int argc, char **words, int *skip)
{
	for (const struct vfc_session_verb *v = vfc_domain_verbs; v->name; v++) {
		if (strcmp(words[0], v->name))
			continue;
		if (v->sub) {
			if (argc < 2 || strcmp(words[1], v->sub))
				continue;
			*skip = 2;
			return v;
		}
		if (v->shadows && (argc < 2 || !vfc_session_name_ok(words[1])))
			continue;
		*skip = 1;
		return v;
	}
	return NULL;
}

static void help(void)
{
	printf("Commands, one per line, as on the command line (without 'vfioctl'):\n");
	for (const struct vfc_cmd *const *c = __start_vfc_cmds; c < __stop_vfc_cmds; c++)
		if (strcmp((*c)->name, "batch"))
			printf("  %-16s %s\n", (*c)->name, (*c)->summary);
	printf("\nNamed domains (they live until destroyed or the session ends):\n");
	for (const struct vfc_session_verb *v = vfc_domain_verbs; v->name; v++) {
		char words[64];

		snprintf(words, sizeof(words), "%s%s%s", v->name, v->sub ? " " : "",
			 v->sub ? v->sub : "");
		printf("  %-16s %s\n    %s\n", words, v->args, v->summary);
	}
	printf("\n  help             this list\n  quit, exit       end the session\n"
	       "Words are split like a shell does ('quotes', \"quotes\", \\), with no expansion;\n"
	       "# starts a comment. See vfioctl(8), batch.\n");
	fflush(stdout);
}

/* ---- running one line ---- */

/* Commands that replace the process (exec) run in a child, so that the batch goes on. */
static int run_in_child(const struct vfc_cmd *cmd, struct vfc_cli *lc, poptContext pc, int n,
			const char **args)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		vfc_err(cmd->name, -errno, "cannot fork");
		return VFC_EXIT_FAILED;
	}
	if (pid == 0) {
		int rc = cmd->run(lc, pc, n, args);

		fflush(NULL);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			vfc_err(cmd->name, -errno, "cannot wait for the child");
			return VFC_EXIT_FAILED;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_words(struct batch *b, int argc, char **words)
{
	const struct vfc_session_verb *verb;
	const struct vfc_cmd *cmd = NULL;
	const struct poptOption *opts;
	struct saved_opts saved = { 0 };
	struct vfc_cli lc = *b->cli;
	const char **argv, **rest;
	char name[64];
	poptContext pc;
	int skip = 1, n = 0, rc, pargc;

	verb = find_verb(argc, words, &skip);
	if (!verb) {
		cmd = find_command(words[0]);
		if (!cmd)
			return vfc_usage_error("%s: unknown command (help lists them)", words[0]);
		if (!strcmp(cmd->name, "batch"))
			return vfc_usage_error("batch: not inside a batch");
	}
	opts = verb ? verb->options : cmd->options;
	snprintf(name, sizeof(name), "vfioctl %s%s%s", words[0], skip > 1 ? " " : "",
		 skip > 1 ? words[1] : "");
	/* popt wants argv[0] = the program; "--" ends the words of exec (the program's follow) */
	argv = calloc((size_t)argc + 2, sizeof(*argv));
	if (!argv)
		return VFC_EXIT_FAILED;
	argv[0] = name;
	pargc = 1;
	lc.tail = NULL;
	lc.ntail = 0;
	for (int i = skip; i < argc; i++) {
		if ((verb ? verb->takes_tail : cmd->takes_tail) && !strcmp(words[i], "--")) {
			lc.tail = (const char **)words + i + 1;
			lc.ntail = argc - i - 1;
			break;
		}
		argv[pargc++] = words[i];
	}
	struct poptOption table[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)opts, 0, "Command options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)line_options, 0, "Output options:",
		  NULL },
		POPT_TABLEEND
	};
	if (!opts)
		table[0] = table[1], table[1] = (struct poptOption)POPT_TABLEEND;
	if (opts_save(&saved, table)) {
		free(argv);
		opts_restore(&saved);
		return VFC_EXIT_FAILED;
	}
	pc = poptGetContext(name, pargc, argv, table, 0);
	if (verb)
		poptSetOtherOptionHelp(pc, verb->args);
	else
		poptSetOtherOptionHelp(pc, cmd->args);
	while ((rc = poptGetNextOpt(pc)) > 0)
		;
	if (rc < -1) {
		rc = vfc_usage_error("%s: %s: %s", name + 8, poptBadOption(pc, 0),
				     poptStrerror(rc));
		goto out;
	}
	if (lo.help) {
		poptPrintHelp(pc, stdout, 0);
		fflush(stdout);
		rc = VFC_EXIT_OK;
		goto out;
	}
	if (lo.json)
		lc.out.format = OUT_FMT_JSON;
	else if (lo.raw)
		lc.out.format = OUT_FMT_RAW;
	lc.out.noheadings |= lo.noheadings;
	if (lo.columns)
		lc.out.columns = lo.columns;
	lc.verbose |= lo.verbose;
	lc.quiet |= lo.quiet;
	lc.list_columns |= lo.list_columns;
	rest = poptGetArgs(pc);
	while (rest && rest[n])
		n++;
	if (verb)
		rc = verb->run(&lc, &b->session, n, rest);
	else if (cmd->takes_tail)
		rc = run_in_child(cmd, &lc, pc, n, rest);
	else
		rc = cmd->run(&lc, pc, n, rest);
out:
	poptFreeContext(pc);
	free(argv);
	opts_restore(&saved);
	memset(&lo, 0, sizeof(lo));
	return rc;
}

/*
 * One logical line (continuations joined). Returns its exit status; *quit on quit/exit.
 * A blank or comment line is 0 and runs nothing.
 */
static int run_line(struct batch *b, const char *text, size_t len, bool *quit)
{
	struct vfc_split_info info;
	char **words;
	size_t n;
	int rc;

	rc = vfc_split_line(text, len, 0, &words, &n, &info);
	if (rc == -EAGAIN) {
		vfc_err(NULL, 0, "%s at the end of the input", info.why);
		return VFC_EXIT_USAGE;
	}
	if (rc == -EINVAL) {
		if (text[info.col])
			vfc_err(NULL, 0, "column %zu: '%c': %s", info.col + 1, text[info.col],
				info.why);
		else
			vfc_err(NULL, 0, "column %zu: %s", info.col + 1, info.why);
		return VFC_EXIT_USAGE;
	}
	if (rc) {
		vfc_err(NULL, rc, "cannot split the line");
		return VFC_EXIT_FAILED;
	}
	if (!n) {
		rc = VFC_EXIT_OK;
	} else if (!strcmp(words[0], "quit") || !strcmp(words[0], "exit")) {
		*quit = true;
		rc = VFC_EXIT_OK;
	} else if (!strcmp(words[0], "help")) {
		help();
		rc = VFC_EXIT_OK;
	} else {
		rc = run_words(b, (int)n, words);
	}
	vfc_strv_free(words);
	return rc;
}

/* ---- reading ---- */

struct reader {
	FILE *f;
	unsigned long lineno;		/* lines read so far */
	bool prompt;			/* interactive without line editing */
#ifdef VFC_HAVE_LIBEDIT
	EditLine *el;
	History *hist;
	struct batch *b;
	bool continued;			/* prompting for the rest of a line */
#endif
};

/* One physical line without its newline (and a DOS carriage return); NULL at the end. */
static char *read_physical(struct reader *r, size_t *len, bool continued)
{
#ifdef VFC_HAVE_LIBEDIT
	if (r->el) {
		const char *s;
		int count;

		r->continued = continued;
		s = el_gets(r->el, &count);
		if (!s || count <= 0)
			return NULL;
		r->lineno++;
		*len = strcspn(s, "\n");
		return strndup(s, *len);
	}
#endif
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;

	if (r->prompt) {
		fputs(continued ? "> " : "vfioctl> ", stdout);
		fflush(stdout);
	}
	got = getline(&line, &cap, r->f);
	if (got < 0) {
		free(line);
		return NULL;
	}
	r->lineno++;
	if (got && line[got - 1] == '\n')
		line[--got] = '\0';
	if (got && line[got - 1] == '\r')
		line[--got] = '\0';
	*len = (size_t)got;
	return line;
}

#ifdef VFC_HAVE_LIBEDIT
static char *prompt(EditLine *el)
{
	struct reader *r;

	el_get(el, EL_CLIENTDATA, &r);
	return (char *)(r->continued ? "> " : "vfioctl> ");
}

struct cands {
	char **v;
	size_t n;
};

static void cand_add(struct cands *c, const char *prefix, const char *w)
{
	char **nv;

	if (strncmp(w, prefix, strlen(prefix)))
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], w))
			return;
	nv = reallocarray(c->v, c->n + 1, sizeof(*nv));
	if (!nv)
		return;
	c->v = nv;
	c->v[c->n] = strdup(w);
	if (c->v[c->n])
		c->n++;
}

static void cand_options(struct cands *c, const char *prefix, const struct poptOption *o)
{
	for (; o && (o->longName || o->shortName || o->argInfo); o++) {
		char buf[64];

		if ((o->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			cand_options(c, prefix, o->arg);
			continue;
		}
		if (!o->longName)
			continue;
		snprintf(buf, sizeof(buf), "--%s", o->longName);
		cand_add(c, prefix, buf);
	}
}

static void cand_domains(struct cands *c, const char *prefix, const struct vfc_session *s)
{
	for (size_t i = 0; i < s->n; i++)
		cand_add(c, prefix, s->v[i].name);
}

static void cand_devices(struct cands *c, const char *prefix, const struct vfc_ctx *ctx)
{
	struct vfc_names names;

	if (vfc_list_dir(ctx, &names, "/sys/bus/pci/devices"))
		return;
	for (size_t i = 0; i < names.n; i++)
		cand_add(c, prefix, names.v[i]);
	vfc_names_free(&names);
}

/*
 * Tab: complete the word under the cursor. The first word: commands, verbs, help and quit;
 * after a verb that takes a NAME: the session's domains; options after '-'; otherwise the
 * PCI devices (targets). One candidate is inserted with a blank; several: their common
 * prefix, or the list when there is nothing to add.
 */
static unsigned char complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	struct vfc_split_info info;
	struct cands c = { 0 };
	struct reader *r;
	struct batch *b;
	char **w;
	size_t n, idx, common;
	const char *cur;
	unsigned char ret = CC_REFRESH;

	el_get(el, EL_CLIENTDATA, &r);
	b = r->b;
	if (vfc_split_line(li->buffer, (size_t)(li->cursor - li->buffer), VFC_SPLIT_PARTIAL, &w, &n,
			   &info))
		return CC_ERROR;
	if (info.quote) {
		vfc_strv_free(w);
		return CC_ERROR;
	}
	idx = info.open ? n - 1 : n;
	cur = info.open ? w[n - 1] : "";
	if (idx == 0) {
		for (const struct vfc_cmd *const *k = __start_vfc_cmds; k < __stop_vfc_cmds; k++)
			if (strcmp((*k)->name, "batch"))
				cand_add(&c, cur, (*k)->name);
		for (const struct vfc_session_verb *v = vfc_domain_verbs; v->name; v++)
			cand_add(&c, cur, v->name);
		cand_add(&c, cur, "help");
		cand_add(&c, cur, "quit");
	} else if (cur[0] == '-') {
		int skip = 1;
		const struct vfc_session_verb *v = find_verb((int)n, w, &skip);
		const struct vfc_cmd *k = v ? NULL : find_command(w[0]);

		cand_options(&c, cur, v ? v->options : k ? k->options : NULL);
		cand_options(&c, cur, line_options);
	} else if (!strcmp(w[0], "domain") && idx == 1) {
		cand_add(&c, cur, "create");
		cand_add(&c, cur, "destroy");
		cand_devices(&c, cur, &b->cli->ctx);
	} else if (!strcmp(w[0], "domain") && !strcmp(w[1], "destroy")) {
		cand_domains(&c, cur, &b->session);
	} else if (!strcmp(w[0], "domain") && !strcmp(w[1], "create")) {
		if (idx > 2)
			cand_devices(&c, cur, &b->cli->ctx);
	} else if (idx == 1 && (!strcmp(w[0], "map") || !strcmp(w[0], "unmap"))) {
		cand_domains(&c, cur, &b->session);
	} else if (idx == 1 && (!strcmp(w[0], "show") || !strcmp(w[0], "reset") ||
				!strcmp(w[0], "exec"))) {
		cand_domains(&c, cur, &b->session);
		cand_devices(&c, cur, &b->cli->ctx);
	} else if (!strcmp(w[0], "unmap") && idx == 2) {
		struct vfc_session_domain *sd = vfc_session_find(&b->session, w[1]);

		cand_add(&c, cur, "all");
		for (size_t k = 0; sd && k < sd->d->nmaps; k++) {
			char iova[24];

			snprintf(iova, sizeof(iova), "0x%llx",
				 (unsigned long long)sd->d->maps[k].iova);
			cand_add(&c, cur, iova);
		}
	} else if (strcmp(w[0], "map")) {
		cand_devices(&c, cur, &b->cli->ctx);
	}
	if (!c.n) {
		ret = CC_ERROR;
	} else {
		common = strlen(c.v[0]);
		for (size_t i = 1; i < c.n; i++) {
			size_t k = 0;

			while (k < common && c.v[i][k] == c.v[0][k])
				k++;
			common = k;
		}
		if (common > strlen(cur) || c.n == 1) {
			char *add = strndup(c.v[0] + strlen(cur), common - strlen(cur));

			if (add) {
				el_insertstr(el, add);
				if (c.n == 1)
					el_insertstr(el, " ");
			}
			free(add);
		} else {
			fputc('\n', stdout);
			for (size_t i = 0; i < c.n; i++)
				printf("%s%s", c.v[i], i + 1 < c.n ? "  " : "\n");
			fflush(stdout);
			ret = CC_REDISPLAY;
		}
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	vfc_strv_free(w);
	return ret;
}

static int editor_open(struct reader *r, struct batch *b)
{
	HistEvent ev;

	r->b = b;
	r->hist = history_init();
	r->el = el_init("vfioctl", stdin, stdout, stderr);
	if (!r->hist || !r->el)
		return -ENOMEM;
	history(r->hist, &ev, H_SETSIZE, 1000);
	history(r->hist, &ev, H_SETUNIQUE, 1);
	el_set(r->el, EL_CLIENTDATA, r);
	el_set(r->el, EL_PROMPT, prompt);
	el_set(r->el, EL_EDITOR, "emacs");
	el_set(r->el, EL_HIST, history, r->hist);
	/*
	 * The wide form: libedit's el_set copies the name and help into wide strings it never
	 * frees (LeakSanitizer in the asan build); el_wset keeps these static ones as they are.
	 */
	el_wset(r->el, EL_ADDFN, L"vfc-complete", L"complete a command, option, domain or device",
		complete);
	el_set(r->el, EL_BIND, "^I", "vfc-complete", NULL);
	el_source(r->el, NULL);	/* ~/.editrc, as every libedit program reads it */
	return 0;
}

static void editor_close(struct reader *r)
{
	if (r->el)
		el_end(r->el);
	if (r->hist)
		history_end(r->hist);
	r->el = NULL;
	r->hist = NULL;
}

static void editor_remember(struct reader *r, const char *text)
{
	HistEvent ev;

	if (r->hist && text[strspn(text, " \t\n")])
		history(r->hist, &ev, H_ENTER, text);
}
#endif

/* ---- the loop ---- */

static int run_all(struct batch *b, struct reader *r)
{
	char where[PATH_MAX + 32];
	bool quit = false;

	where[0] = '\0';
	vfc_msg_where(where);
	while (!quit) {
		char *text = NULL;
		size_t len = 0;
		int rc;

		/* Read a logical line: physical lines while a quote or a backslash is open. */
		for (;;) {
			size_t plen;
			char *line, *joined;
			char **words;
			size_t n;

			errno = 0;
			line = read_physical(r, &plen, text != NULL);
			if (!line) {
				if (errno == EINTR && b->interactive && got_signal == SIGINT) {
					/* ^C at the prompt drops the line, as a shell does */
					got_signal = 0;
					free(text);
					text = NULL;
					clearerr(r->f);
					fputc('\n', stdout);
#ifdef VFC_HAVE_LIBEDIT
					if (r->el)
						el_reset(r->el);
#endif
					continue;
				}
				break;
			}
			if (!text)
				b->line = r->lineno;
			joined = realloc(text, len + plen + 2);
			if (!joined) {
				free(line);
				break;
			}
			text = joined;
			if (len)
				text[len++] = '\n';
			memcpy(text + len, line, plen);
			len += plen;
			text[len] = '\0';
			free(line);
			if (vfc_split_line(text, len, 0, &words, &n, NULL) != -EAGAIN) {
				vfc_strv_free(words);
				break;
			}
		}
		if (!text) {
			if (b->interactive && isatty(STDIN_FILENO))
				fputc('\n', stdout);
			break;
		}
		if (got_signal)
			break;
		if (b->source)
			snprintf(where, sizeof(where), "%s:%lu", b->source, b->line);
#ifdef VFC_HAVE_LIBEDIT
		editor_remember(r, text);
#endif
		rc = run_line(b, text, len, &quit);
		fflush(stdout);
		fflush(stderr);
		free(text);
		b->last = rc;
		if (rc && !b->first_fail)
			b->first_fail = rc;
		if (got_signal == SIGINT && b->interactive) {
			got_signal = 0;		/* ^C during a command ends that command only */
			continue;
		}
		if (got_signal)
			break;
		if (rc && !force && !b->interactive) {
			vfc_err(NULL, 0,
				"stopping at the first failure (exit status %d; --force goes on)", rc);
			break;
		}
	}
	vfc_msg_where(NULL);	/* where is about to go out of scope */
	return 0;
}

static int run_session(struct vfc_cli *cli, const char *file, bool interactive)
{
	struct batch b = { .cli = cli, .interactive = interactive };
	struct sigaction old[3];
	struct reader r = { .f = stdin };
	struct vfc_err e = { { 0 }, { 0 } };
	int rc;

	if (file && strcmp(file, "-")) {
		r.f = fopen(file, "re");
		if (!r.f) {
			vfc_err(file, -errno, "cannot open the batch file");
			return VFC_EXIT_FAILED;
		}
		b.source = file;
	} else if (!interactive) {
		b.source = "stdin";
	}
	/* JSON lines: one document per line, so a reader can take the output line by line. */
	if (!interactive)
		cli->out.compact_json = true;
	r.prompt = interactive;
#ifdef VFC_HAVE_LIBEDIT
	if (interactive && editor_open(&r, &b)) {
		vfc_err("batch", -ENOMEM, "cannot start line editing");
		editor_close(&r);
	}
	r.prompt = interactive && !r.el;
#endif
	signals_catch(old);
	got_signal = 0;
	run_all(&b, &r);

	/* The end, a failure or a signal: every named domain goes, newest first. */
	vfc_msg_where(NULL);
	rc = vfc_session_end(&b.session, &e);
	if (rc) {
		vfc_err(e.subject[0] ? e.subject : NULL, rc, "teardown: %s", e.what);
		if (!b.first_fail)
			b.first_fail = vfc_exit_for_errno(rc);
	}
	signals_restore(old);
#ifdef VFC_HAVE_LIBEDIT
	editor_close(&r);
#endif
	if (r.f != stdin)
		fclose(r.f);
	if (got_signal) {
		vfc_err("batch", 0, "%s: named domains torn down",
			strsignal(got_signal));
		return 128 + got_signal;
	}
	return interactive ? b.last : b.first_fail;
}

static int cmd_batch(struct vfc_cli *cli, poptContext pc, int argc, const char **argv)
{
	if (argc > 1)
		return vfc_usage_error("batch: one FILE at most (- is standard input)");
	/* No FILE and a terminal: interactive. */
	return run_session(cli, argc ? argv[0] : NULL, !argc && isatty(STDIN_FILENO));
}

static const struct vfc_cmd vfc_cmd_batch = {
	.name = "batch",
	.order = 95,
	.args = "[--force] [FILE|-]",
	.summary = "run commands from FILE, one per line; named domains persist across lines",
	.options = batch_options,
	.run = cmd_batch,
};
VFC_COMMAND(vfc_cmd_batch);
