/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - parsing of dsmctl arguments, kept apart for unit tests.
 */
#ifndef DSMCTL_PARSE_H
#define DSMCTL_PARSE_H

#include <stdint.h>

/*
 * parse_size - "4096", "64K", "256M", "2G" (powers of 1024; lower case
 * too) to bytes. Returns 0, or -1 with *why set to what is wrong.
 */
int parse_size(const char *s, uint64_t *bytes, const char **why);

/* parse_u32 - a decimal number no larger than @max. */
int parse_u32(const char *s, uint32_t max, uint32_t *out);

/* parse_node_id - a node id, 0 .. DSM_NODES_MAX - 1 (63). */
int parse_node_id(const char *s, uint32_t *id);

/* Prefix match as iproute2: "reg" matches "region". */
int matches(const char *arg, const char *word);

#endif /* DSMCTL_PARSE_H */
