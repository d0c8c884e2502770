// SPDX-License-Identifier: GPL-2.0-or-later
/* Tracing (core/trace.c): the hook and the line formats. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/trace.h"
#include "tap.h"

static char buf[1024];
static const char *last = buf;
static int nlines;

static void grab(void *data, const char *line)
{
	(void)data;
	snprintf(buf, sizeof(buf), "%s", line);
	nlines++;
}

int main(void)
{
	int fd;

	OK(!vfc_tracing(), "no hook: not tracing");
	vfc_trace("nothing %d", 1);
	vfc_trace_write("/sys/x", "1", 1, 0);
	OK(nlines == 0, "without a hook nothing is called");

	vfc_trace_hook(grab, NULL);
	OK(vfc_tracing(), "a hook: tracing");
	vfc_trace_write("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci\n", 9, 0);
	IS_STR(last, "write /sys/bus/pci/devices/0000:01:00.0/driver_override \"vfio-pci\" = 0",
	       "a write: path, value without its newline, result");
	vfc_trace_write("/sys/x/reset", "1", 1, -EBUSY);
	IS_STR(last, "write /sys/x/reset \"1\" = -1 EBUSY (Device or resource busy)",
	       "a failed write as strace writes it");

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	vfc_trace_ioctl(fd, "VFIO_SET_IOMMU", 0);
	IS_STR(last, "ioctl VFIO_SET_IOMMU /dev/null = 0", "an ioctl: name, the fd's path, result");
	vfc_trace_ioctl(fd, "VFIO_IOMMU_MAP_DMA", -ENOTTY);
	IS_STR(last, "ioctl VFIO_IOMMU_MAP_DMA /dev/null = -1 ENOTTY (Inappropriate ioctl for device)",
	       "a failure with its errno");
	close(fd);
	vfc_trace_ioctl(fd, "VFIO_CHECK_EXTENSION", 1);
	{
		char want[64];

		snprintf(want, sizeof(want), "ioctl VFIO_CHECK_EXTENSION fd %d = 1", fd);
		OK(!strcmp(last, want), "a closed fd is named by number; a positive result as it is");
	}
	vfc_trace_hook(NULL, NULL);
	nlines = 0;
	vfc_trace("off %d", 2);
	OK(nlines == 0 && !vfc_tracing(), "the hook removed: nothing is called");
	return tap_done();
}
