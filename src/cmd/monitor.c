// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfioctl monitor [--udev] [--action A,B] [--count N] [--timeout S] [TARGET...]`: stream the
 * kernel's events of PCI devices (add, remove, bind, unbind, change) and VFIO nodes (group
 * nodes, device cdevs) as they happen: a table line each, or one JSON document per line with
 * -J ({"schema":1,"event":{...}}). Needs no privilege; what it has it drops once listening.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/caps.h"
#include "core/events.h"
#include "core/pciaddr.h"
#include "core/util.h"
#include "vfioctl.h"

struct monitor_opts {
	int udev, count;
	double timeout;
	char *action;
};

#define M(f) VFC_OPT(struct monitor_opts, f)
static const struct poptOption monitor_options[] = {
	{ "udev", 0, POPT_ARG_NONE, M(udev), 0,
	  "events after udevd ran its rules (device nodes final), not as the kernel sends them",
	  NULL },
	{ "action", 'a', POPT_ARG_STRING, M(action), 0,
	  "only these actions (comma list: add,remove,bind,unbind,change,move,online,offline)",
	  "LIST" },
	{ "count", 'c', POPT_ARG_INT, M(count), 0,
	  "exit after N events (exit 1 if --timeout ends the wait first)", "N" },
	{ "timeout", 't', POPT_ARG_DOUBLE, M(timeout), 0,
	  "stop after S seconds (0, the default: until interrupted)", "S" },
	POPT_TABLEEND
};
#undef M

enum { E_TIME, E_SEQNUM, E_ACTION, E_SUBSYSTEM, E_DEVICE, E_ID, E_DRIVER, E_GROUP, E_NODE };
static const struct out_col event_cols[] = {
	[E_TIME] = { "TIME", OUT_STR, 27, OUT_DEFAULT, "when it arrived, ISO 8601 UTC" },
	[E_SEQNUM] = { "SEQNUM", OUT_NUM, 6, OUT_RIGHT, "the kernel's event sequence number" },
	[E_ACTION] = { "ACTION", OUT_STR, 6, OUT_DEFAULT, "add, remove, bind, unbind, change, move" },
	[E_SUBSYSTEM] = { "SUBSYSTEM", OUT_STR, 8, OUT_DEFAULT,
			  "pci (a device), vfio (a group node), vfio-dev (a device cdev)" },
	[E_DEVICE] = { "DEVICE", OUT_STR, 12, OUT_DEFAULT,
		       "PCI address, group number or cdev name" },
	[E_ID] = { "ID", OUT_STR, 9, OUT_DEFAULT, "PCI vendor:device (pci only)" },
	[E_DRIVER] = { "DRIVER", OUT_STR, 8, OUT_DEFAULT,
		       "bind: the new driver; unbind and remove: the one it left, when known" },
	[E_GROUP] = { "GROUP", OUT_NUM, 5, OUT_DEFAULT | OUT_RIGHT, "IOMMU group (null: none)" },
	[E_NODE] = { "NODE", OUT_STR, 14, OUT_DEFAULT, "device node (vfio: /dev/vfio/N)" },
};
static const struct out_schema event_schema = { "events", event_cols,
						VFC_ARRAY_SIZE(event_cols) };

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static const char *const known_actions[] = { "add", "remove", "bind", "unbind", "change",
					     "move", "online", "offline" };

/* Is action in the comma list (NULL: all)? */
static bool action_wanted(const char *list, const char *action)
{
	size_t len = strlen(action);

	if (!list)
		return true;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, action, len))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

static int check_actions(const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		bool ok = false;

		for (size_t i = 0; i < VFC_ARRAY_SIZE(known_actions); i++)
			ok |= strlen(known_actions[i]) == n && !strncmp(p, known_actions[i], n);
		if (!ok)
			return vfc_usage_error("--action: unknown action '%.*s'", (int)n, p);
		p += n + (p[n] == ',');
	}
	return 0;
}

/* Targets: PCI addresses (any form vfc_pciaddr_parse takes) and group numbers. */
struct filter {
	struct vfc_pciaddr *addr;
	size_t naddr;
	int *group;
	size_t ngroup;
	const char *actions;	/* --action, or NULL: every action */
};

static bool event_wanted(const struct filter *f, const struct vfc_event *ev)
{
	struct vfc_pciaddr a;

	if (!action_wanted(f->actions, ev->action))
		return false;
	if (!f->naddr && !f->ngroup)
		return true;
	if (!strcmp(ev->subsystem, "pci") && !vfc_pciaddr_parse(ev->name, &a))
		for (size_t i = 0; i < f->naddr; i++)
			if (!vfc_pciaddr_cmp(&a, &f->addr[i]))
				return true;
	for (size_t i = 0; i < f->ngroup; i++)
		if (ev->group == f->group[i])
			return true;
	return false;
}

static int parse_targets(int argc, const char **argv, struct filter *f)
{
	f->addr = calloc((size_t)argc + 1, sizeof(*f->addr));
	f->group = calloc((size_t)argc + 1, sizeof(*f->group));
	if (!f->addr || !f->group)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		struct vfc_target tg;
		const char *why = vfc_target_parse(argv[i], &tg);

		if (!why && tg.kind == VFC_TARGET_GROUP)
			f->group[f->ngroup++] = tg.group;
		else if (!why && tg.kind == VFC_TARGET_DEVICE)
			f->addr[f->naddr++] = tg.addr;
		else
			return vfc_usage_error("%s: %s", argv[i],
					       why ? why : "not a PCI address or group number");
	}
	return 0;
}

static void fill_row(struct out_row *r, const struct vfc_event *ev)
{
	struct tm tm;
	char when[48];
	size_t n;

	gmtime_r(&ev->when.tv_sec, &tm);
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%06uZ", (unsigned)(ev->when.tv_nsec / 1000) % 1000000u);
	out_set_str(r, E_TIME, when);
	if (ev->seqnum)
		out_set_num(r, E_SEQNUM, (int64_t)ev->seqnum);
	else
		out_set_null(r, E_SEQNUM);
	out_set_str(r, E_ACTION, ev->action);
	out_set_str(r, E_SUBSYSTEM, ev->subsystem);
	out_set_str(r, E_DEVICE, ev->name);
	out_set_str(r, E_ID, ev->id[0] ? ev->id : NULL);
	out_set_str(r, E_DRIVER, ev->driver[0] ? ev->driver : NULL);
	out_set_num_or_null(r, E_GROUP, ev->group);
	out_set_str(r, E_NODE, ev->node[0] ? ev->node : NULL);
}

/* One event out, flushed: a table line (heading before the first), or a JSON line. */
static int print_event(struct vfc_cli *cli, const struct vfc_event *ev, bool *headed)
{
	struct out_opts o = cli->out;
	struct out_table *t = out_table_new(&event_schema);
	struct out_doc *d;
	int rc;

	if (!t)
		return -ENOMEM;
	fill_row(out_row_add(t), ev);
	if (o.format == OUT_FMT_JSON) {
		o.compact_json = true;
		d = out_doc_new(&o);
		if (!d) {
			out_table_free(t);
			return -ENOMEM;
		}
		out_doc_add_object(d, "event", t);
	} else {
		o.noheadings = o.noheadings || *headed;
		d = out_doc_new(&o);
		if (!d) {
			out_table_free(t);
			return -ENOMEM;
		}
		out_doc_add_table(d, t);
	}
	*headed = true;
	rc = out_doc_print(d, stdout);
	out_doc_free(d);
	if (!rc && fflush(stdout))
		rc = -errno;
	return rc;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmd_monitor(struct vfc_cli *cli, void *opts, int argc, const char **argv)
{
	const struct monitor_opts *mo = opts;
	/* Reading the uevent socket needs nothing; keep nothing. */
	static const int keep_none[1];
	struct filter f = { .actions = ((const struct monitor_opts *)opts)->action };
	struct vfc_events *e = NULL;
	struct sigaction sa = { .sa_handler = on_stop };
	int64_t deadline = -1;
	int rc, seen = 0;
	bool headed = false;

	if (mo->action && (rc = check_actions(mo->action)))
		return rc;
	if (mo->count < 0)
		return vfc_usage_error("--count: must be 0 or more");
	if (mo->timeout < 0 || mo->timeout > 1e9)
		return vfc_usage_error("--timeout: must be 0 or more seconds");
	if ((rc = parse_targets(argc, argv, &f))) {
		rc = rc < 0 ? vfc_exit_for_errno(rc) : rc;
		goto out;
	}
	rc = vfc_events_open(&cli->ctx, mo->udev, &e);
	if (rc == -EOPNOTSUPP) {
		vfc_error("monitor", 0, "needs the live kernel's events; --sysroot has none");
		rc = VFC_EXIT_UNSUPPORTED;
		goto out;
	}
	if (rc) {
		vfc_error("monitor", rc, "cannot listen for kernel events");
		rc = vfc_exit_for_errno(rc);
		goto out;
	}
	rc = vfc_caps_keep(keep_none, 0, true);
	if (rc) {
		vfc_error("monitor", rc, "cannot drop capabilities");
		rc = VFC_EXIT_PERM;
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (mo->timeout > 0)
		deadline = mono_ms() + (int64_t)(mo->timeout * 1000);
	/* A script can act once it has seen this line (the socket is open). */
	if (cli->verbose)
		vfc_msg("monitor", "listening for %s events (pci, vfio, vfio-dev)",
			mo->udev ? "udev" : "kernel");
	rc = VFC_EXIT_OK;
	while (!stop_signal && !(mo->count && seen >= mo->count)) {
		struct pollfd p = { .fd = vfc_events_fd(e), .events = POLLIN };
		struct vfc_event ev;
		int wait = -1, n;

		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();

			if (left <= 0)
				break;
			wait = left > 60000 ? 60000 : (int)left;
		}
		n = poll(&p, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vfc_error("monitor", -errno, "poll");
			rc = VFC_EXIT_FAILED;
			goto out;
		}
		while (!(mo->count && seen >= mo->count)) {
			int r = vfc_events_next(e, &ev);

			if (r == -EAGAIN)
				break;
			if (r == -ENOBUFS) {
				/* The socket overflowed: say so, go on with what comes next. */
				vfc_warn("monitor", "events were lost (receive buffer overflow)");
				continue;
			}
			if (r) {
				vfc_error("monitor", r, "cannot read an event");
				rc = VFC_EXIT_FAILED;
				goto out;
			}
			if (!event_wanted(&f, &ev))
				continue;
			if ((rc = print_event(cli, &ev, &headed)))
				goto write_error;
			seen++;
		}
	}
	if (mo->count && seen < mo->count && !stop_signal) {
		vfc_error("monitor", 0, "timed out after %g s with %d of %d events", mo->timeout, seen,
			mo->count);
		rc = VFC_EXIT_FAILED;
	}
	goto out;
write_error:
	vfc_error("stdout", rc, "cannot write output");
	rc = VFC_EXIT_FAILED;
out:
	vfc_events_close(e);
	free(f.addr);
	free(f.group);
	return rc;
}

/* No capabilities: the uevent socket needs none. */
VFC_DEFINE_COMMAND(monitor, struct monitor_opts, 38,
		   "[--udev] [--action LIST] [--count N] [--timeout S] [TARGET...]",
		   "stream PCI and VFIO device events (add, remove, bind, unbind) as they happen",
		   VFC_SCHEMAS(&event_schema));
