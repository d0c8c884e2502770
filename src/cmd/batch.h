/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What cmd/batch.c (the loop) and cmd/batch-edit.c (libedit's prompt) share. */
#ifndef VFIOCTL_CMD_BATCH_H
#define VFIOCTL_CMD_BATCH_H

#include <stdbool.h>
#include <stdio.h>
#ifdef VFC_HAVE_LIBEDIT
#include <histedit.h>
#endif

#include "core/session.h"
#include "vfioctl.h"

struct batch {
	struct vfc_cli *cli;		/* the batch's own: context and default output options */
	struct vfc_session session;
	const char *source;		/* FILE as given, "stdin", or NULL (interactive) */
	unsigned long line;		/* first line of the command being run */
	bool interactive;
	bool force;			/* --force: go on after a failing line */
	int first_fail;			/* exit status of the first failing line */
	int last;			/* exit status of the last line (the shell's) */
	struct vfc_cmd *verbs;		/* vfc_domain_verbs as records the dispatcher runs */
	char (*verb_names)[64];		/* their names: "domain create", "map" */
};

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

/* A verb over named domains: `domain create`, `map`, or `show NAME` when NAME is a name. */
const struct vfc_session_verb *batch_find_verb(int argc, char **words, int *skip);

#ifdef VFC_HAVE_LIBEDIT
/* The prompt on the terminal: 0 or -errno (then the plain prompt is used). */
int batch_editor_open(struct reader *r, struct batch *b);
void batch_editor_close(struct reader *r);
/* A line entered goes into the history (blank ones do not). */
void batch_editor_remember(struct reader *r, const char *text);
#endif

#endif
