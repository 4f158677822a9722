/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_members.h - which member of the cluster serves a key.
 *
 * A page's home (the kernel's sc model) and a lock's or barrier's manager
 * (dsmd) are the (key mod n)-th of the n present members, counted over the
 * present node ids in ascending order. Every node must pick the same one
 * from the same membership, so the rule exists only here.
 */
#ifndef _DSM_MEMBERS_H
#define _DSM_MEMBERS_H

#include "dsm_core_env.h"
#include "dsm_limits.h"

/* A membership is a u32 bit mask: bit i is node i. */
static_assert(DSM_MAX_NODES <= 32, "a membership must fit a u32 mask");

u32 dsm_member_rank(u32 present, u64 key, u32 none);

#endif /* _DSM_MEMBERS_H */
