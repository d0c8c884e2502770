// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/driver.h"
#include "core/events.h"
#include "core/util.h"

/* The driver each PCI device is on, kept up to date by the events themselves. */
struct known {
	char bdf[32];
	char driver[64];
};

struct vfc_events {
	const struct vfc_ctx *ctx;
	struct udev *udev;
	struct udev_monitor *mon;
	struct known *k;
	size_t nk;
};

static struct known *known_find(struct vfc_events *e, const char *bdf, bool add)
{
	struct known *k;

	for (size_t i = 0; i < e->nk; i++)
		if (!strcmp(e->k[i].bdf, bdf))
			return &e->k[i];
	if (!add)
		return NULL;
	k = VFC_APPEND(e->k, e->nk);
	if (!k)
		return NULL;
	snprintf(k->bdf, sizeof(k->bdf), "%s", bdf);
	return k;
}

static void known_set(struct vfc_events *e, const char *bdf, const char *driver)
{
	struct known *k = known_find(e, bdf, driver && *driver);

	if (k)
		snprintf(k->driver, sizeof(k->driver), "%s", driver ? driver : "");
}

int vfc_events_open(const struct vfc_ctx *ctx, bool udev_source, struct vfc_events **out)
{
	static const char *const subsystems[] = { "pci", "vfio", "vfio-dev" };
	struct vfc_events *e;
	struct vfc_names devs = { 0 };
	int rc;

	*out = NULL;
	if (ctx->rootlen)
		return -EOPNOTSUPP;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ctx = ctx;
	e->udev = udev_new();
	if (!e->udev) {
		rc = errno ? -errno : -ENOMEM;
		goto fail;
	}
	e->mon = udev_monitor_new_from_netlink(e->udev, udev_source ? "udev" : "kernel");
	if (!e->mon) {
		rc = errno ? -errno : -EPROTONOSUPPORT;
		goto fail;
	}
	for (size_t i = 0; i < VFC_ARRAY_SIZE(subsystems); i++)
		if ((rc = udev_monitor_filter_add_match_subsystem_devtype(e->mon, subsystems[i],
									  NULL)) < 0)
			goto fail;
	if ((rc = udev_monitor_enable_receiving(e->mon)) < 0)
		goto fail;
	/* After listening starts: a bind between the scan and the socket is not lost. */
	if (!vfc_list_dir(ctx, &devs, "/sys/bus/pci/devices"))
		for (size_t i = 0; i < devs.n; i++) {
			char drv[64];

			if (!vfc_driver_current(ctx, devs.v[i], drv, sizeof(drv)) && drv[0])
				known_set(e, devs.v[i], drv);
		}
	vfc_names_free(&devs);
	*out = e;
	return 0;
fail:
	vfc_events_close(e);
	return rc < 0 ? rc : -EIO;
}

int vfc_events_fd(const struct vfc_events *e)
{
	return udev_monitor_get_fd(e->mon);
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int vfc_events_next(struct vfc_events *e, struct vfc_event *ev)
{
	struct udev_device *d;
	const char *s;

	errno = 0;
	d = udev_monitor_receive_device(e->mon);
	if (!d)
		return errno && errno != EAGAIN && errno != EWOULDBLOCK ? -errno : -EAGAIN;
	memset(ev, 0, sizeof(*ev));
	clock_gettime(CLOCK_REALTIME, &ev->when);
	ev->group = -1;
	ev->seqnum = udev_device_get_seqnum(d);
	copy(ev->action, sizeof(ev->action), udev_device_get_action(d));
	copy(ev->subsystem, sizeof(ev->subsystem), udev_device_get_subsystem(d));
	copy(ev->name, sizeof(ev->name), udev_device_get_sysname(d));
	copy(ev->node, sizeof(ev->node), udev_device_get_devnode(d));
	if (!strcmp(ev->subsystem, "pci")) {
		if ((s = udev_device_get_property_value(d, "PCI_ID"))) {
			copy(ev->id, sizeof(ev->id), s);
			for (char *p = ev->id; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
		/*
		 * The event's own DRIVER, never udev_device_get_driver(): that reads the
		 * driver link now, and an add read late would show the driver bound since.
		 */
		if (!strcmp(ev->action, "bind")) {
			copy(ev->driver, sizeof(ev->driver),
			     udev_device_get_property_value(d, "DRIVER"));
			known_set(e, ev->name, ev->driver);
		} else if (!strcmp(ev->action, "unbind") || !strcmp(ev->action, "remove")) {
			/* The kernel sends these after the device left its driver: say which. */
			struct known *k = known_find(e, ev->name, false);

			if (k) {
				copy(ev->driver, sizeof(ev->driver), k->driver);
				k->driver[0] = '\0';
			}
		} else {
			copy(ev->driver, sizeof(ev->driver),
			     udev_device_get_property_value(d, "DRIVER"));
		}
		if (strcmp(ev->action, "remove"))
			ev->group = vfc_device_group(e->ctx, ev->name);
	} else if (!strcmp(ev->subsystem, "vfio")) {
		char *end;
		long g = strtol(ev->name, &end, 10);

		/* Group nodes are named by their number; noiommu-N ones by theirs too. */
		if (!strncmp(ev->name, "noiommu-", 8))
			g = strtol(ev->name + 8, &end, 10);
		if (end != ev->name && !*end && g >= 0 && g <= INT32_MAX)
			ev->group = (int)g;
	}
	udev_device_unref(d);
	return 0;
}

void vfc_events_close(struct vfc_events *e)
{
	if (!e)
		return;
	vfc_udev_release(e->udev, e->mon);
	free(e->k);
	free(e);
}
