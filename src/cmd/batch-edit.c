// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * batch's interactive prompt with libedit: line editing, a history, and Tab completion of
 * commands, options, named domains and devices (cmd/batch.c reads and runs the lines).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/batch.h"
#include "cmd/domain.h"
#include "core/session.h"
#include "core/split.h"
#include "vfioctl.h"

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

	(void)ch;	/* libedit's callback type: the key that was bound (always Tab here) */

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
		size_t ncmds;
		const struct vfc_cmd *const *cmds = vfc_commands(&ncmds);

		for (size_t k = 0; k < ncmds; k++)
			if (strcmp(cmds[k]->name, "batch"))
				cand_add(&c, cur, cmds[k]->name);
		for (const struct vfc_session_verb *v = vfc_domain_verbs; v->name; v++)
			cand_add(&c, cur, v->name);
		cand_add(&c, cur, "help");
		cand_add(&c, cur, "quit");
	} else if (cur[0] == '-') {
		int skip = 1;
		const struct vfc_session_verb *v = batch_find_verb((int)n, w, &skip);
		const struct vfc_cmd *k = v ? NULL : vfc_command_find(w[0]);

		cand_options(&c, cur, v ? v->options : k ? k->options : NULL);
		cand_options(&c, cur, vfc_line_options);
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

int batch_editor_open(struct reader *r, struct batch *b)
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

void batch_editor_close(struct reader *r)
{
	if (r->el)
		el_end(r->el);
	if (r->hist)
		history_end(r->hist);
	r->el = NULL;
	r->hist = NULL;
}

void batch_editor_remember(struct reader *r, const char *text)
{
	HistEvent ev;

	if (r->hist && text[strspn(text, " \t\n")])
		history(r->hist, &ev, H_ENTER, text);
}
#endif
