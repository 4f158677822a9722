/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsmctl.h - shared by the object files of dsmctl (one per object, as in
 * iproute2: node.c, region.c, status.c, monitor.c).
 */
#ifndef DSMCTL_H
#define DSMCTL_H

#include <errno.h>

#include "dsm_genl.h"
#include "parse.h"
#include "print.h"

/* Exit codes; documented in dsmctl(8). Never renumber. */
enum {
	DSMCTL_OK	= 0,	/* done */
	DSMCTL_FAIL	= 1,	/* the kernel refused, the object is absent,
				 * or the key file could not be written */
	DSMCTL_USAGE	= 2,	/* bad command line */
	DSMCTL_NODSM	= 3,	/* dsm.ko not loaded, or netlink failed */
	DSMCTL_PERM	= 4,	/* not allowed: needs CAP_NET_ADMIN */
	DSMCTL_DEGRADED	= 5,	/* status: cluster not configured or not
				 * every node up */
};

extern struct dsm_genl genl;

/* Print "dsmctl: WHAT: reason" and a hint; returns the exit code. */
int dsmctl_error(const char *what, int err);
/* Usage error: message and "try 'dsmctl OBJECT help'"; returns 2. */
int dsmctl_usage(const char *object, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Printers shared with monitor. */
/* Print one node or region; @key names the JSON object (NULL in arrays). */
void print_node(struct nlattr **tb, const char *key);
void print_region(struct nlattr **tb, const char *key);

int do_node(int argc, char **argv);
int do_region(int argc, char **argv);
int region_top(int argc, char **argv);
void print_top_event(struct nlattr **tb);
int do_lock(int argc, char **argv);
int do_status(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_key(int argc, char **argv);	/* needs no module */
int do_home(int argc, char **argv);

#endif /* DSMCTL_H */
