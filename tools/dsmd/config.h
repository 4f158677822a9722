/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - /etc/dsm/dsm.conf, as documented in dsm.conf(5).
 */
#ifndef DSMD_CONFIG_H
#define DSMD_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/dsm.h>

#define DSMD_CONF_PATH		"/etc/dsm/dsm.conf"
#define DSMD_DEFAULT_PORT	7900

/* Defaults and limits of the timeouts, in milliseconds. */
#define DSMD_HEARTBEAT_DEFAULT	1000
#define DSMD_DEAD_DEFAULT	5000
#define DSMD_RECONNECT_DEFAULT	1000
#define DSMD_MS_MIN		10
#define DSMD_MS_MAX		600000

struct dsmd_conf_node {
	bool present;
	int line;			/* where it was defined */
	int family;			/* AF_INET or AF_INET6 */
	struct in_addr addr4;
	struct in6_addr addr6;
	char addr[64];			/* as written */
	uint16_t port;
};

/* How peers are authenticated (Documentation/protocol.md). */
enum dsmd_auth {
	DSMD_AUTH_KEY = 1,		/* 'key PATH': the cluster key */
	DSMD_AUTH_NONE,			/* 'auth none': a trusted fabric */
};

#define DSMD_KEY_PATH_MAX	256

/*
 * Which dsm.ko transport carries pages ('transport tcp|rdma'): dsmd
 * checks at start that the module was loaded with it (Documentation/
 * rdma.md); its own connections are TCP either way.
 */
enum dsmd_transport {
	DSMD_TRANSPORT_TCP,
	DSMD_TRANSPORT_RDMA,
};

static inline const char *dsmd_transport_name(enum dsmd_transport t)
{
	return t == DSMD_TRANSPORT_RDMA ? "rdma" : "tcp";
}

struct dsmd_conf {
	char cluster[DSM_NAME_MAX];
	enum dsmd_auth auth;
	enum dsmd_transport transport;
	char key_path[DSMD_KEY_PATH_MAX];	/* with DSMD_AUTH_KEY */
	int local;			/* this node's id, -1 if unset */
	unsigned int heartbeat_ms;
	unsigned int dead_ms;
	unsigned int reconnect_ms;
	/*
	 * 1 + the highest member's id. The file's ids run 0 .. nr_nodes - 1;
	 * runtime changes (dsmctl node del) may leave gaps: test @present.
	 */
	unsigned int nr_nodes;
	/*
	 * 'join': this node waits to be added (dsmctl node add on a
	 * member); its nodes are the members and itself, and it pushes no
	 * home table until a member sends it one.
	 */
	bool join;
	struct dsmd_conf_node nodes[DSM_NODES_MAX];
};

/*
 * dsmd_conf_parse - read a configuration from @f, named @fname in
 * messages. Returns 0, or -1 with "FNAME:LINE: what is wrong" (or
 * "FNAME: what is wrong" for what no single line causes) in @err.
 */
int dsmd_conf_parse(FILE *f, const char *fname, struct dsmd_conf *c,
		    char *err, size_t errlen);

/* dsmd_conf_load - the same from the file at @path. */
int dsmd_conf_load(const char *path, struct dsmd_conf *c, char *err,
		   size_t errlen);

/*
 * dsmd_conf_add_node - node @id at @addr, @port (0: the default) joins
 * @c at run time, with the checks of a 'node' line; 0, or -1 and @err.
 * dsmd_conf_del_node - node @id leaves @c (it must be present).
 */
int dsmd_conf_add_node(struct dsmd_conf *c, unsigned int id, const char *addr,
		       unsigned int port, char *err, size_t errlen);
void dsmd_conf_del_node(struct dsmd_conf *c, unsigned int id);

/* "500ms", "3s" to milliseconds; -1 if malformed or out of limits. */
int dsmd_parse_ms(const char *s, unsigned int *ms);

#endif /* DSMD_CONFIG_H */
