/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the commands that build domains share, from src/cmd/domain.c: domain and exec, bench
 * map (src/cmd/bench.c) and the named domains of a batch session (src/cmd/batch.c).
 */
#ifndef VFC_CMD_DOMAIN_H
#define VFC_CMD_DOMAIN_H

#include "core/domain.h"
#include "core/topology.h"
#include "vfioctl.h"

/*
 * Resolve TARGET words (vfc_domain_targets); on failure print why and return the exit code:
 * 2 not a target, 3 no such device or group, 8 not viable or no group. 0 on success.
 */
int vfc_cmd_targets(const struct vfc_topology *topo, int argc, const char **argv,
		    struct vfc_domain_targets *t);

#endif
