// SPDX-License-Identifier: GPL-2.0-or-later
/* The legacy VFIO container (/dev/vfio/vfio + /dev/vfio/N): what type1, SPAPR and noiommu share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/backend.h"

int vfc_legacy_attach(struct vfc_domain *d, const int *groups, size_t ngroups, bool noiommu,
		      int (*set_iommu)(struct vfc_domain *d, struct vfc_err *e), struct vfc_err *e)
{
	int rc;

	rc = vfc_container_open(d->ctx, &d->c, e);
	if (rc)
		return rc;
	d->groups = calloc(ngroups ? ngroups : 1, sizeof(*d->groups));
	if (!d->groups)
		return -ENOMEM;
	for (size_t i = 0; i < ngroups; i++) {
		rc = vfc_vgroup_open(d->ctx, groups[i], noiommu, &d->groups[i], e);
		if (rc) {
			if (d->groups[i].fd >= 0)
				d->ngroups = i + 1;	/* opened but not viable: close it later */
			return rc;
		}
		d->ngroups = i + 1;
		rc = vfc_vgroup_set_container(&d->groups[i], &d->c, e);
		if (rc)
			return rc;
		/* The IOMMU type is set once, after the first group joins the container. */
		if (i == 0) {
			rc = set_iommu(d, e);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int vfc_legacy_devices(struct vfc_domain *d, char *const *bdfs, size_t nbdfs)
{
	d->devs = calloc(nbdfs ? nbdfs : 1, sizeof(*d->devs));
	if (!d->devs)
		return -ENOMEM;
	for (size_t i = 0; i < nbdfs; i++) {
		snprintf(d->devs[i].bdf, sizeof(d->devs[i].bdf), "%s", bdfs[i]);
		d->devs[i].fd = -1;
		d->ndevs = i + 1;
	}
	return 0;
}

int vfc_legacy_detach(struct vfc_domain *d, struct vfc_err *e)
{
	int first = 0, rc;

	/* device fds first: a group with open devices cannot leave its container */
	for (size_t i = 0; i < d->ndevs; i++) {
		if (d->devs[i].fd >= 0)
			close(d->devs[i].fd);
		d->devs[i].fd = -1;
	}
	for (size_t i = 0; i < d->ngroups; i++) {
		rc = vfc_vgroup_unset_container(&d->groups[i], first ? NULL : e);
		if (rc && !first)
			first = rc;
		vfc_vgroup_close(&d->groups[i]);
	}
	vfc_container_close(&d->c);
	return first;
}
