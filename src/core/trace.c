// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "core/trace.h"
#include "core/uapi-compat.h"

static vfc_trace_fn *hook;
static void *hook_data;

void vfc_trace_hook(vfc_trace_fn *fn, void *data)
{
	hook = fn;
	hook_data = data;
}

bool vfc_tracing(void)
{
	return hook != NULL;
}

void vfc_trace(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!hook)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hook(hook_data, line);
}

const char *vfc_ioctl_name(unsigned long req)
{
#define N(x) { x, #x }
	static const struct {
		unsigned long req;
		const char *name;
	} names[] = {
		N(VFIO_GET_API_VERSION), N(VFIO_CHECK_EXTENSION), N(VFIO_SET_IOMMU),
		N(VFIO_GROUP_GET_STATUS), N(VFIO_GROUP_SET_CONTAINER),
		N(VFIO_GROUP_UNSET_CONTAINER), N(VFIO_GROUP_GET_DEVICE_FD),
		N(VFIO_DEVICE_GET_INFO), N(VFIO_DEVICE_GET_REGION_INFO), N(VFIO_DEVICE_RESET),
		N(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO), N(VFIO_DEVICE_PCI_HOT_RESET),
		N(VFIO_DEVICE_BIND_IOMMUFD), N(VFIO_DEVICE_ATTACH_IOMMUFD_PT),
		N(VFIO_DEVICE_DETACH_IOMMUFD_PT), N(VFIO_IOMMU_GET_INFO), N(VFIO_IOMMU_MAP_DMA),
		N(VFIO_IOMMU_UNMAP_DMA), N(VFIO_IOMMU_ENABLE), N(VFIO_IOMMU_DISABLE),
		N(VFIO_IOMMU_SPAPR_TCE_GET_INFO), N(VFIO_IOMMU_SPAPR_REGISTER_MEMORY),
		N(VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY), N(VFIO_IOMMU_SPAPR_TCE_CREATE),
		N(VFIO_IOMMU_SPAPR_TCE_REMOVE), N(IOMMU_DESTROY), N(IOMMU_IOAS_ALLOC),
		N(IOMMU_IOAS_ALLOW_IOVAS), N(IOMMU_IOAS_IOVA_RANGES), N(IOMMU_IOAS_MAP),
		N(IOMMU_IOAS_UNMAP), N(IOMMU_OPTION),
	};
#undef N
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].req == req)
			return names[i].name;
	return NULL;
}

/* "= 0", or "= -1 EBUSY (Device or resource busy)" as strace writes a failure. */
static void result(char *buf, size_t len, int rc)
{
	if (rc >= 0) {
		snprintf(buf, len, "%d", rc);
		return;
	}
	const char *name = strerrorname_np(-rc);

	snprintf(buf, len, "-1 %s (%s)", name ? name : "?", strerror(-rc));
}

void vfc_trace_ioctl(int fd, unsigned long req, int rc)
{
	char link[64], obj[4096], res[128], num[24];
	const char *name;
	ssize_t n;

	if (!hook)
		return;
	name = vfc_ioctl_name(req);
	if (!name) {
		snprintf(num, sizeof(num), "0x%lx", req);
		name = num;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, obj, sizeof(obj) - 1);
	if (n < 0)
		snprintf(obj, sizeof(obj), "fd %d", fd);
	else
		obj[n] = '\0';
	result(res, sizeof(res), rc);
	vfc_trace("ioctl %s %s = %s", name, obj, res);
}

void vfc_trace_write(const char *path, const char *val, size_t len, int rc)
{
	char res[128];

	if (!hook)
		return;
	result(res, sizeof(res), rc);
	/* sysfs values are short words; a newline the caller added is not part of the word */
	while (len && (val[len - 1] == '\n'))
		len--;
	vfc_trace("write %s \"%.*s\" = %s", path, (int)len, val, res);
}
