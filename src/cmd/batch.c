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

#include "cmd/batch.h"
#include "cmd/domain.h"
#include "core/session.h"
#include "core/split.h"
#include "vfioctl.h"

struct batch_opts {
	int force;
};

static const struct poptOption batch_options[] = {
	{ "force", 'f', POPT_ARG_NONE, VFC_OPT(struct batch_opts, force), 0,
	  "go on after a failing line (the exit status is still the first failure's)", NULL },
	POPT_TABLEEND
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

/* ---- what a line can name ---- */

const struct vfc_session_verb *batch_find_verb(int argc, char **words, int *skip)
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
	const struct vfc_cmd *const *cmds;
	size_t ncmds;

	cmds = vfc_commands(&ncmds);
	for (size_t i = 0; i < ncmds; i++)
		if (strcmp(cmds[i]->name, "batch") && strcmp(cmds[i]->name, "help"))
			vfc_help_command(stdout, cmds[i]->name, cmds[i]->args, cmds[i]->summary);
	printf("\nNamed domains (they live until destroyed or the session ends):\n");
	for (const struct vfc_session_verb *v = vfc_domain_verbs; v->name; v++) {
		char words[160];

		snprintf(words, sizeof(words), "%s%s%s %s", v->name, v->sub ? " " : "",
			 v->sub ? v->sub : "", v->args);
		vfc_help_command(stdout, "", words, v->summary);
	}
	printf("\n  help [COMMAND]   this list, or COMMAND's options (as COMMAND --help)\n"
	       "  quit, exit       end the session\n"
	       "Words are split like a shell does ('quotes', \"quotes\", \\), with no expansion;\n"
	       "# starts a comment. See vfioctl(8), batch.\n");
	fflush(stdout);
}

/* ---- running one line ---- */

/* The verbs as command records: the dispatcher parses their options like any command's. */
static int verbs_load(struct batch *b)
{
	size_t n = 0;

	while (vfc_domain_verbs[n].name)
		n++;
	b->verbs = calloc(n + 1, sizeof(*b->verbs));
	b->verb_names = calloc(n + 1, sizeof(*b->verb_names));
	if (!b->verbs || !b->verb_names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct vfc_session_verb *v = &vfc_domain_verbs[i];

		snprintf(b->verb_names[i], sizeof(b->verb_names[i]), "%s%s%s", v->name,
			 v->sub ? " " : "", v->sub ? v->sub : "");
		b->verbs[i] = (struct vfc_cmd){
			.name = b->verb_names[i],
			.args = v->args,
			.summary = v->summary,
			.options = v->options,
			.takes_tail = v->takes_tail,
			.run_session = v->run,
		};
	}
	return 0;
}

static int run_words(struct batch *b, int argc, char **words)
{
	const struct vfc_session_verb *verb;
	const struct vfc_cmd *cmd;
	struct vfc_cli lc = *b->cli;
	const char **argv;
	char name[80];
	int skip = 1, rc, pargc = 1;

	verb = batch_find_verb(argc, words, &skip);
	if (verb) {
		cmd = &b->verbs[verb - vfc_domain_verbs];
	} else {
		cmd = vfc_command_find(words[0]);
		if (!cmd)
			return vfc_usage_error("%s: unknown command", words[0]);
		/* batch --help (help batch) is answered; a batch inside a batch is not run */
		if (!strcmp(cmd->name, "batch") && (argc != 2 || strcmp(words[1], "--help")))
			return vfc_usage_error("batch: not inside a batch");
	}
	/* popt wants argv[0] = the program */
	snprintf(name, sizeof(name), "vfioctl %s", cmd->name);
	argv = calloc((size_t)argc + 2, sizeof(*argv));
	if (!argv)
		return VFC_EXIT_FAILED;
	argv[0] = name;
	for (int i = skip; i < argc; i++)
		argv[pargc++] = words[i];
	lc.session = &b->session;
	rc = vfc_dispatch(&lc, cmd, VFC_FROM_LINE, NULL, pargc, argv);
	free(argv);
	return rc;
}

/* help COMMAND (or a verb: help domain create, help map): the line COMMAND --help. */
static int run_help(struct batch *b, int argc, char **words)
{
	char **line = calloc((size_t)argc + 2, sizeof(*line));
	int rc;

	if (!line)
		return VFC_EXIT_FAILED;
	memcpy(line, words, (size_t)argc * sizeof(*line));
	line[argc] = (char *)"--help";
	rc = run_words(b, argc + 1, line);
	free(line);
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
		vfc_error(NULL, 0, "%s at the end of the input", info.why);
		return VFC_EXIT_USAGE;
	}
	if (rc == -EINVAL) {
		if (text[info.col])
			vfc_error(NULL, 0, "column %zu: '%c': %s", info.col + 1, text[info.col],
				info.why);
		else
			vfc_error(NULL, 0, "column %zu: %s", info.col + 1, info.why);
		return VFC_EXIT_USAGE;
	}
	if (rc) {
		vfc_error(NULL, rc, "cannot split the line");
		return VFC_EXIT_FAILED;
	}
	if (!n) {
		rc = VFC_EXIT_OK;
	} else if (!strcmp(words[0], "quit") || !strcmp(words[0], "exit")) {
		*quit = true;
		rc = VFC_EXIT_OK;
	} else if (!strcmp(words[0], "help") && n == 1) {
		help();
		rc = VFC_EXIT_OK;
	} else if (!strcmp(words[0], "help")) {
		rc = run_help(b, (int)n - 1, words + 1);
	} else {
		rc = run_words(b, (int)n, words);
	}
	vfc_strv_free(words);
	return rc;
}

/* ---- reading ---- */


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


/* ---- the loop ---- */

static int run_all(struct batch *b, struct reader *r)
{
	char where[PATH_MAX + 32];
	bool quit = false;

	where[0] = '\0';
	vfc_msg_where(where);
	vfc_usage_in_batch(true);
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
		batch_editor_remember(r, text);
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
		if (rc && !b->force && !b->interactive) {
			vfc_error(NULL, 0,
				"stopping at the first failure (exit status %d; --force goes on)", rc);
			break;
		}
	}
	vfc_msg_where(NULL);	/* where is about to go out of scope */
	vfc_usage_in_batch(false);
	return 0;
}

static int run_session(struct vfc_cli *cli, const char *file, bool interactive, bool force)
{
	struct batch b = { .cli = cli, .interactive = interactive, .force = force };
	struct sigaction old[3];
	struct reader r = { .f = stdin };
	struct vfc_err e = { { 0 }, { 0 } };
	int rc;

	if (verbs_load(&b)) {
		vfc_error("batch", -ENOMEM, "cannot start");
		rc = VFC_EXIT_FAILED;
		goto out;
	}
	if (file && strcmp(file, "-")) {
		r.f = fopen(file, "re");
		if (!r.f) {
			vfc_error(file, -errno, "cannot open the batch file");
			rc = VFC_EXIT_FAILED;
			goto out;
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
	if (interactive && batch_editor_open(&r, &b)) {
		vfc_error("batch", -ENOMEM, "cannot start line editing");
		batch_editor_close(&r);
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
		vfc_error(e.subject[0] ? e.subject : NULL, rc, "teardown: %s", e.what);
		if (!b.first_fail)
			b.first_fail = vfc_exit_for_errno(rc);
	}
	signals_restore(old);
#ifdef VFC_HAVE_LIBEDIT
	batch_editor_close(&r);
#endif
	if (r.f != stdin)
		fclose(r.f);
	if (got_signal) {
		vfc_error("batch", 0, "%s: named domains torn down", strsignal(got_signal));
		rc = 128 + got_signal;
	} else {
		rc = interactive ? b.last : b.first_fail;
	}
out:
	free(b.verbs);
	free(b.verb_names);
	return rc;
}

static int cmd_batch(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct batch_opts *o = opts;

	if (argc > 1)
		return vfc_usage_error("batch: one FILE at most (- is standard input)");
	/* No FILE and a terminal: interactive. */
	return run_session(cli, argc ? argv[0] : NULL, !argc && isatty(STDIN_FILENO), o->force);
}

VFC_DEFINE_COMMAND(batch, struct batch_opts, 95, "[--force] [FILE|-]",
		   "run commands from FILE, one per line; named domains persist across lines",
		   .caps_all = true);	/* a line may run any command */
