/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - one call prints text or JSON, as iproute2's json_print.
 *
 * With -j every print_*() call with a key adds a JSON member (or array
 * element inside an array); with a text format it prints that instead. A
 * NULL format means "JSON only"; a NULL key means "text only".
 */
#ifndef DSMCTL_PRINT_H
#define DSMCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

void print_init(bool json, bool pretty);
bool print_is_json(void);
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);
void print_string(const char *key, const char *fmt, const char *value);
void print_u64(const char *key, const char *fmt, uint64_t value);
void print_bool(const char *key, const char *fmt, bool value);
/* Text only: a line break. JSON: nothing. */
void print_nl(void);
/* End of a JSON document: a newline; flush. */
void print_end(void);

/* Human sizes: 268435456 -> "256M"; exact, else bytes. */
const char *print_size(uint64_t bytes, char *buf, unsigned int len);

/* Room for every node id of a u64 mask: "0,1,...,63" and its NUL. */
#define PRINT_NODES_LEN	(3 * 64)

/*
 * A node mask, bit i node i, as "0,2,63" into @buf (@len bytes,
 * PRINT_NODES_LEN for all of them); "-" for none. Ids that do not fit
 * are left off.
 */
const char *print_nodes(uint64_t bits, char *buf, unsigned int len);

/*
 * A node mask as a member: in JSON an array of the ids ([0, 2, 63]: exact
 * for any id, where a 64-bit mask as a number is not for readers that use
 * doubles), in text @fmt with the ids as print_nodes() writes them.
 */
void print_node_list(const char *key, const char *fmt, uint64_t bits);

#endif /* DSMCTL_PRINT_H */
