/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A backend-neutral DMA domain: groups or devices attached to one IOMMU address space,
 * created with a *requested* window and reporting the *granted* one; an IOVA allocator
 * confined to it; mappings; teardown in the safe order (unmap all, detach, close).
 */
#ifndef VFC_DOMAIN_H
#define VFC_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/iova.h"
#include "core/sysroot.h"
#include "core/topology.h"
#include "core/vfio.h"

struct vfc_domain_req {
	enum vfc_backend backend;	/* VFC_BACKEND_AUTO picks */
	bool has_window;
	struct vfc_window_req window;	/* align is filled from the page size */
	uint64_t page_size;		/* 0: smallest the domain supports */
	unsigned levels;		/* SPAPR v2 TCE table levels to start from (0: 1) */
	bool replace_default;		/* SPAPR v2: remove the default window first */
	bool allow_noiommu;		/* the caller said --unsafe-noiommu */
	bool has_vf_token;		/* --vf-token: set on target PFs, presented by their VFs */
	uint8_t vf_token[16];
};

struct vfc_domain_dev {
	char bdf[32];
	int group;
	int fd;				/* device fd (iommufd: the cdev; legacy: opened on demand) */
	uint32_t devid;
	char node[64];			/* /dev/vfio/devices/vfioX (iommufd) */
};

struct vfc_mapping {
	uint64_t iova;
	uint64_t size;
	void *vaddr;
	bool hugetlb;
	bool fixed;
	bool registered;		/* SPAPR v2: preregistered memory */
	int memfd;			/* shared maps: the memfd behind the memory; -1 otherwise */
	size_t first_req, nreqs;	/* the requests this kernel mapping serves */
};

struct vfc_backend_ops;

struct vfc_domain {
	const struct vfc_ctx *ctx;
	enum vfc_backend backend;
	const struct vfc_backend_ops *ops;	/* core/backend.h: what differs per backend */
	unsigned offered;		/* backends this kernel offers (bitmask) */
	bool allow_noiommu;
	bool has_vf_token;		/* vf_token goes to the opens of PFs and VFs (core/vftoken.h) */
	uint8_t vf_token[16];
	size_t noiommu_groups;		/* targets whose group is /dev/vfio/noiommu-N */
	/* legacy container */
	struct vfc_container c;
	struct vfc_vgroup *groups;
	size_t ngroups;
	/* iommufd */
	int iommufd;
	uint32_t ioas;
	bool ioas_alive;
	struct vfc_domain_dev *devs;
	size_t ndevs;
	/* what the kernel reports */
	struct vfc_range *ranges;	/* valid IOVA ranges (after ALLOW_IOVAS for iommufd) */
	size_t nranges;
	bool ranges_from_kernel;	/* false: derived from reserved_regions (old kernel) */
	uint64_t pgsizes;
	bool has_dma_avail;
	uint32_t dma_avail;		/* at creation; 65535 assumed when the kernel is silent */
	uint64_t iova_alignment;	/* iommufd out_iova_alignment */
	bool has_migration;
	/*
	 * Who the kernel charges pinned pages to: this process's locked_vm (type1, SPAPR,
	 * iommufd in per-process mode) or the user's, shared with every process of the uid
	 * (iommufd's default, IOPT_PAGES_ACCOUNT_USER, unless CAP_SYS_RESOURCE let us switch).
	 */
	bool memlock_per_user;
	/*
	 * A handoff (vfc_domain_handoff): the fds a VMM expects, in their first state. iommufd:
	 * /dev/iommu with no object and the device cdevs (dev_t checked), unbound. Legacy: the
	 * container with no IOMMU type and the viable group nodes, in no container. No window,
	 * no map; destroy only closes.
	 */
	bool handoff;
	/* SPAPR TCE */
	struct vfc_spapr_info spapr;
	bool spapr_enabled;		/* v1: VFIO_IOMMU_ENABLE done */
	bool spapr_fallback;		/* auto: SET_IOMMU(v2) was refused, v1 is in use */
	bool backend_auto;		/* the caller left the backend to us */
	bool default_removed;		/* v2: --replace-default removed it */
	uint64_t created[2];		/* v2: windows we created (start addresses) */
	size_t ncreated;
	unsigned levels;		/* v2: levels the created window got */
	/* the window */
	bool has_window;
	struct vfc_range window;	/* granted */
	uint64_t page_size;		/* granted (requested, or the smallest supported) */
	struct vfc_iova_alloc alloc;
	struct vfc_mapping *maps;
	size_t nmaps;
	uint64_t mapped_bytes;
};

struct vfc_map_req {
	uint64_t size;
	bool fixed;
	uint64_t iova;			/* in with fixed; out: where it landed */
	bool hugetlb;
	bool shared;			/* back it with a memfd another process can map (exec) */
	void *vaddr;			/* out */
};

/* What the TARGET words of domain, exec, bench and batch's `domain create` stand for. */
struct vfc_domain_targets {
	int *groups;			/* distinct groups, in the order the targets name them */
	size_t ngroups;
	char **bdfs;			/* devices to open: PCI endpoints on vfio drivers */
	size_t nbdfs;
};

enum vfc_targets_fail {
	VFC_TARGETS_OK = 0,
	VFC_TARGETS_SYNTAX,		/* -EINVAL: word is not a target; why says why */
	VFC_TARGETS_NOMATCH,		/* -ENODEV: word names no device or group */
	VFC_TARGETS_NOGROUP,		/* -ENOENT: dev is in no IOMMU group */
	VFC_TARGETS_NOT_VIABLE,		/* -EBUSY: group (of dev) is not viable; see its blockers */
};

/* Why resolving failed; the pointers point into the topology (or the words). */
struct vfc_targets_error {
	enum vfc_targets_fail fail;
	const char *word;
	const char *why;
	const struct vfc_device *dev;
	const struct vfc_group *group;
};

/*
 * Resolve target words against a topology: every group they touch must be viable; bridges
 * join with their group but are not opened (they stay on pcieport). On failure err says
 * which word and why (the command turns the kind into its exit code) and t is left empty.
 */
int vfc_domain_targets(const struct vfc_topology *topo, const char *const *words, size_t n,
		       struct vfc_domain_targets *t, struct vfc_targets_error *err);
void vfc_domain_targets_free(struct vfc_domain_targets *t);

/* "[START+]SIZE" (--window): sizes with K/M/G/T, 0x addresses. 0 or -EINVAL. Pure. */
int vfc_window_req_parse(const char *s, struct vfc_window_req *w);

/*
 * Create a domain over groups (legacy) or the devices of those groups / the given devices
 * (iommufd). bdfs: the PCI devices that are targets (iommufd attaches exactly these).
 * On failure *e names the object and the step, and everything opened is closed again.
 */
int vfc_domain_create(const struct vfc_ctx *ctx, const int *groups, size_t ngroups,
		      char *const *bdfs, size_t nbdfs, const struct vfc_domain_req *req,
		      struct vfc_domain **out, struct vfc_err *e);

/* "SIZE[@IOVA][,hugetlb]" (--map, batch `map`) into *m (zeroed first). 0 or -EINVAL. Pure. */
int vfc_map_req_parse(const char *s, struct vfc_map_req *m);

/*
 * Map the requests. Runs of adjacent non-fixed requests of the same memory kind share one
 * buffer, one IOVA block and one kernel mapping (the mapping limit is real: 65535 on type1).
 */
int vfc_domain_map(struct vfc_domain *d, struct vfc_map_req *reqs, size_t n, struct vfc_err *e);
/* Bytes the kernel confirmed unmapped go to *unmapped. */
int vfc_domain_unmap_all(struct vfc_domain *d, uint64_t *unmapped, struct vfc_err *e);
/*
 * Unmap the kernel mapping that starts at iova (as d->maps lists it) and free its memory.
 * -ENOENT: no mapping starts there (-EINVAL with e naming the mapping when iova is inside
 * one: the kernel unmaps whole mappings only).
 */
int vfc_domain_unmap(struct vfc_domain *d, uint64_t iova, uint64_t *unmapped, struct vfc_err *e);
/* Current DMA_AVAIL (type1), for reporting how much of the budget is used. */
int vfc_domain_dma_avail(struct vfc_domain *d, uint32_t *avail);
/*
 * A device fd for a target device (legacy: from its group on first use, named with the VF
 * token when one was given and the device is a PF or VF).
 */
int vfc_domain_device_fd(struct vfc_domain *d, const char *bdf, int *fd, struct vfc_err *e);
/* The VF token the opens of bdf present: d's, when bdf is a PF or a VF; else NULL. */
const uint8_t *vfc_domain_vf_token(const struct vfc_domain *d, const char *bdf);
/* Safe order: unmap everything, detach, close. Always frees d; returns the first error. */
int vfc_domain_destroy(struct vfc_domain *d, struct vfc_err *e);

/*
 * Open what a VMM needs and binds itself, after the same checks as vfc_domain_create (the
 * backend, viable groups, a cdev per device): nothing is bound, attached or mapped. iommufd:
 * IOMMU_OPTION_RLIMIT_MODE is set to per process when the caller may (CAP_SYS_RESOURCE);
 * d->memlock_per_user says which accounting the VMM's pins get. no-IOMMU groups: -EOPNOTSUPP.
 * On failure *e names the object and the step, and everything opened is closed again.
 */
int vfc_domain_handoff(const struct vfc_ctx *ctx, const int *groups, size_t ngroups,
		       char *const *bdfs, size_t nbdfs, enum vfc_backend backend,
		       struct vfc_domain **out, struct vfc_err *e);

/*
 * Can uid (with the groups gids) open node read-write, by its owner, group and mode (what the
 * kernel checks for a process without capabilities)? 0, -EACCES, or -errno of the stat.
 */
int vfc_node_access(const struct vfc_ctx *ctx, const char *node, unsigned uid,
		    const unsigned *gids, size_t ngids);

/*
 * Set RLIMIT_MEMLOCK (soft and hard) to bytes for this process and what it executes.
 * -EPERM when the hard limit is lower and raising it is not allowed (CAP_SYS_RESOURCE):
 * *hard is the hard limit then (UINT64_MAX: unlimited).
 */
int vfc_memlock_set(uint64_t bytes, uint64_t *hard);

/* DMA round trip through a mapping with the QEMU edu device (1234:11e8), if one is in d. */
int vfc_verify_edu(struct vfc_domain *d, const char *bdf, const struct vfc_map_req *m,
		   size_t len, struct vfc_err *e);

#endif
