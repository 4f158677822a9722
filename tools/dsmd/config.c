// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - the dsm.conf parser. Pure: no I/O but the FILE it is given,
 * so that tests/unit.c exercises every error.
 *
 * A line is KEYWORD ARGS...; '#' starts a comment; blank lines are
 * ignored. Every error names the line and what is wrong with it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAX_WORDS	8
#define MAX_LINE	1024

static int conf_err(char *err, size_t errlen, const char *fname, int line,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int conf_err(char *err, size_t errlen, const char *fname, int line,
		    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line > 0)
		n = snprintf(err, errlen, "%s:%d: ", fname, line);
	else
		n = snprintf(err, errlen, "%s: ", fname);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool name_ok(const char *s)
{
	const char *p;

	if (!isalnum((unsigned char)s[0]))
		return false;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			return false;
	return p - s < DSM_NAME_MAX;
}

int dsmd_parse_ms(const char *s, unsigned int *ms)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v > DSMD_MS_MAX)
		return -1;
	if (!strcmp(end, "ms"))
		;
	else if (!strcmp(end, "s"))
		v *= 1000;
	else
		return -1;
	if (v < DSMD_MS_MIN || v > DSMD_MS_MAX)
		return -1;
	*ms = (unsigned int)v;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

struct seen {
	int cluster, local, heartbeat, dead, reconnect, auth, transport, join;
};

/* Why @n's address cannot be a node's, or NULL if it is unicast. */
static const char *not_unicast(const struct dsmd_conf_node *n)
{
	if (n->family == AF_INET) {
		uint32_t a = ntohl(n->addr4.s_addr);

		if (a == INADDR_ANY)
			return "the unspecified address";
		if (a == INADDR_BROADCAST)
			return "the broadcast address";
		if (IN_MULTICAST(a))
			return "a multicast address";
		if (IN_EXPERIMENTAL(a))
			return "a reserved (class E) address";
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&n->addr6))
		return "the unspecified address";
	if (IN6_IS_ADDR_MULTICAST(&n->addr6))
		return "a multicast address";
	if (IN6_IS_ADDR_V4MAPPED(&n->addr6))
		return "an IPv4-mapped address (write the IPv4 address)";
	return NULL;
}

static bool same_addr(const struct dsmd_conf_node *a,
		      const struct dsmd_conf_node *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr4.s_addr == b->addr4.s_addr;
	return !memcmp(&a->addr6, &b->addr6, sizeof(a->addr6));
}

/*
 * A node uses PORT (dsmd) and PORT + 1 (the kernel's data port): two
 * nodes on one address need ports at least 2 apart.
 */
static int conf_node_unique(const struct dsmd_conf *c, unsigned int id,
			    int line, const char *fname, char *err,
			    size_t errlen)
{
	const struct dsmd_conf_node *n = &c->nodes[id];
	unsigned int i;

	for (i = 0; i < DSM_NODES_MAX; i++) {
		const struct dsmd_conf_node *o = &c->nodes[i];

		if (!o->present || !same_addr(o, n) ||
		    abs((int)o->port - (int)n->port) > 1)
			continue;
		if (o->port == n->port)
			return conf_err(err, errlen, fname, line,
					"address %s port %u is already node %u's (line %d)",
					n->addr, n->port, i, o->line);
		return conf_err(err, errlen, fname, line,
				"node %u's ports %u and %u (dsmd and data) collide with node %u's %u and %u on address %s (line %d); leave a gap of 2",
				id, n->port, n->port + 1, i, o->port,
				o->port + 1, n->addr, o->line);
	}
	return 0;
}

/* node ID ADDRESS [PORT] */
static int conf_node(char **w, int nw, int line, const char *fname,
		     struct dsmd_conf *c, char *err, size_t errlen)
{
	unsigned long v, id;
	struct dsmd_conf_node *n;
	const char *bad;

	if (nw < 3 || nw > 4)
		return conf_err(err, errlen, fname, line,
				"'node' takes an id, an address and optionally a port: node ID ADDRESS [PORT]");
	if (parse_uint(w[1], DSM_NODES_MAX - 1, &id))
		return conf_err(err, errlen, fname, line,
				"node id '%s' is not a number from 0 to %d",
				w[1], DSM_NODES_MAX - 1);
	n = &c->nodes[id];
	if (n->present)
		return conf_err(err, errlen, fname, line,
				"node %lu is already defined on line %d",
				id, n->line);
	if (strlen(w[2]) >= sizeof(n->addr))
		return conf_err(err, errlen, fname, line, "address too long");
	if (inet_pton(AF_INET, w[2], &n->addr4) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, w[2], &n->addr6) == 1)
		n->family = AF_INET6;
	else
		return conf_err(err, errlen, fname, line,
				"'%s' is not an IPv4 or IPv6 address (host names are not resolved)",
				w[2]);
	bad = not_unicast(n);
	if (bad)
		return conf_err(err, errlen, fname, line,
				"node %lu's address %s is %s; a node needs a unicast address",
				id, w[2], bad);
	strcpy(n->addr, w[2]);
	n->port = DSMD_DEFAULT_PORT;
	if (nw == 4) {
		if (parse_uint(w[3], DSM_PORT_MAX, &v) || !v)
			return conf_err(err, errlen, fname, line,
					"port '%s' is not 1 to %u (the data port is PORT + 1)",
					w[3], DSM_PORT_MAX);
		n->port = (uint16_t)v;
	}
	if (conf_node_unique(c, id, line, fname, err, errlen))
		return -1;
	n->present = true;
	n->line = line;
	return 0;
}

/* key PATH, auth none: one or the other, once. */
static int conf_auth(char **w, int nw, int line, const char *fname,
		     struct dsmd_conf *c, int *seen, char *err, size_t errlen)
{
	bool key = !strcmp(w[0], "key");

	if (key && (nw != 2 || w[1][0] != '/'))
		return conf_err(err, errlen, fname, line,
				"'key' takes the absolute path of the cluster key file (make one with 'dsmctl key generate')");
	if (key && strlen(w[1]) >= DSMD_KEY_PATH_MAX)
		return conf_err(err, errlen, fname, line, "key path too long");
	if (!key && (nw != 2 || strcmp(w[1], "none")))
		return conf_err(err, errlen, fname, line,
				"'auth' takes only 'none' (no peer authentication, for a trusted network); to authenticate peers set 'key PATH'");
	if (*seen)
		return conf_err(err, errlen, fname, line,
				"'%s' conflicts with line %d: set either 'key PATH' or 'auth none', once",
				w[0], *seen);
	*seen = line;
	c->auth = key ? DSMD_AUTH_KEY : DSMD_AUTH_NONE;
	if (key)
		strcpy(c->key_path, w[1]);
	return 0;
}

static int conf_line(char **w, int nw, int line, const char *fname,
		     struct dsmd_conf *c, struct seen *seen, char *err,
		     size_t errlen)
{
	unsigned long v;
	unsigned int ms;
	int *dup = NULL;

	if (!strcmp(w[0], "cluster")) {
		dup = &seen->cluster;
		if (nw != 2)
			return conf_err(err, errlen, fname, line,
					"'cluster' takes one name");
		if (!name_ok(w[1]))
			return conf_err(err, errlen, fname, line,
					"cluster name '%s' must be 1 to %d of [A-Za-z0-9_.-], starting with a letter or digit",
					w[1], DSM_NAME_MAX - 1);
		if (*dup)
			goto duplicate;
		strcpy(c->cluster, w[1]);
	} else if (!strcmp(w[0], "node-id")) {
		dup = &seen->local;
		if (nw != 2 || parse_uint(w[1], DSM_NODES_MAX - 1, &v))
			return conf_err(err, errlen, fname, line,
					"'node-id' takes this node's id, 0 to %d",
					DSM_NODES_MAX - 1);
		if (*dup)
			goto duplicate;
		c->local = (int)v;
	} else if (!strcmp(w[0], "heartbeat-interval") ||
		   !strcmp(w[0], "dead-timeout") ||
		   !strcmp(w[0], "reconnect-interval")) {
		dup = w[0][0] == 'h' ? &seen->heartbeat :
		      w[0][0] == 'd' ? &seen->dead : &seen->reconnect;
		if (nw != 2 || dsmd_parse_ms(w[1], &ms))
			return conf_err(err, errlen, fname, line,
					"'%s' takes a duration such as 500ms or 3s, %dms to %ds",
					w[0], DSMD_MS_MIN, DSMD_MS_MAX / 1000);
		if (*dup)
			goto duplicate;
		if (w[0][0] == 'h')
			c->heartbeat_ms = ms;
		else if (w[0][0] == 'd')
			c->dead_ms = ms;
		else
			c->reconnect_ms = ms;
	} else if (!strcmp(w[0], "transport")) {
		dup = &seen->transport;
		if (nw != 2 || (strcmp(w[1], "tcp") && strcmp(w[1], "rdma")))
			return conf_err(err, errlen, fname, line,
					"'transport' takes tcp or rdma");
		if (*dup)
			goto duplicate;
		c->transport = strcmp(w[1], "rdma") ? DSMD_TRANSPORT_TCP :
						      DSMD_TRANSPORT_RDMA;
	} else if (!strcmp(w[0], "node")) {
		return conf_node(w, nw, line, fname, c, err, errlen);
	} else if (!strcmp(w[0], "join")) {
		dup = &seen->join;
		if (nw != 1)
			return conf_err(err, errlen, fname, line,
					"'join' takes no argument");
		if (*dup)
			goto duplicate;
		c->join = true;
	} else if (!strcmp(w[0], "key") || !strcmp(w[0], "auth")) {
		return conf_auth(w, nw, line, fname, c, &seen->auth, err,
				 errlen);
	} else {
		return conf_err(err, errlen, fname, line,
				"unknown keyword '%s'; see dsm.conf(5)", w[0]);
	}
	if (dup)
		*dup = line;
	return 0;
duplicate:
	return conf_err(err, errlen, fname, line,
			"'%s' is already set on line %d", w[0], *dup);
}

int dsmd_conf_parse(FILE *f, const char *fname, struct dsmd_conf *c,
		    char *err, size_t errlen)
{
	char buf[MAX_LINE + 2], *w[MAX_WORDS], *p;
	struct seen seen = {};
	int line = 0, nw;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->local = -1;
	c->heartbeat_ms = DSMD_HEARTBEAT_DEFAULT;
	c->dead_ms = DSMD_DEAD_DEFAULT;
	c->reconnect_ms = DSMD_RECONNECT_DEFAULT;
	err[0] = '\0';

	while (fgets(buf, sizeof(buf), f)) {
		line++;
		if (!strchr(buf, '\n') && !feof(f))
			return conf_err(err, errlen, fname, line,
					"line longer than %d characters",
					MAX_LINE);
		p = strchr(buf, '#');
		if (p)
			*p = '\0';
		for (p = buf; *p; p++)
			if (!isprint((unsigned char)*p) && !isspace((unsigned char)*p))
				return conf_err(err, errlen, fname, line,
						"control character in line");
		nw = 0;
		for (p = strtok(buf, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
			if (nw == MAX_WORDS)
				return conf_err(err, errlen, fname, line,
						"too many words");
			w[nw++] = p;
		}
		if (!nw)
			continue;
		if (conf_line(w, nw, line, fname, c, &seen, err, errlen))
			return -1;
	}
	if (ferror(f))
		return conf_err(err, errlen, fname, 0, "read error");
	if (!seen.cluster)
		return conf_err(err, errlen, fname, 0,
				"no 'cluster NAME' line");
	if (!seen.local)
		return conf_err(err, errlen, fname, 0,
				"no 'node-id ID' line naming this node");
	for (i = 0; i < DSM_NODES_MAX; i++)
		if (c->nodes[i].present)
			c->nr_nodes = i + 1;
	if (!c->nr_nodes)
		return conf_err(err, errlen, fname, 0,
				"no 'node ID ADDRESS [PORT]' lines");
	/* A joining node names the members and itself: ids may skip. */
	for (i = 0; i < c->nr_nodes && !c->join; i++)
		if (!c->nodes[i].present)
			return conf_err(err, errlen, fname,
					c->nodes[c->nr_nodes - 1].line,
					"node %u is defined but node %u is not; node ids run from 0 without gaps",
					c->nr_nodes - 1, i);
	if ((unsigned int)c->local >= c->nr_nodes)
		return conf_err(err, errlen, fname, seen.local,
				"node-id %d has no 'node %d ADDRESS' line",
				c->local, c->local);
	if (c->dead_ms < 2 * c->heartbeat_ms)
		return conf_err(err, errlen, fname,
				seen.dead > seen.heartbeat ? seen.dead :
				seen.heartbeat,
				"dead-timeout (%ums) must be at least twice heartbeat-interval (%ums)",
				c->dead_ms, c->heartbeat_ms);
	if (!seen.auth)
		return conf_err(err, errlen, fname, 0,
				"no 'key PATH' line: peers are authenticated with a cluster key; make one with 'dsmctl key generate /etc/dsm/dsm.key', copy it to every node (mode 0600) and add 'key /etc/dsm/dsm.key', or set 'auth none' on a trusted network");
	return 0;
}

int dsmd_conf_add_node(struct dsmd_conf *c, unsigned int id, const char *addr,
		       unsigned int port, char *err, size_t errlen)
{
	char sid[16], sport[16];
	char *w[4] = { "node", sid, (char *)addr, sport };

	snprintf(sid, sizeof(sid), "%u", id);
	snprintf(sport, sizeof(sport), "%u", port ? port : DSMD_DEFAULT_PORT);
	if (conf_node(w, 4, 0, "node add", c, err, errlen))
		return -1;
	if (id >= c->nr_nodes)
		c->nr_nodes = id + 1;
	return 0;
}

void dsmd_conf_del_node(struct dsmd_conf *c, unsigned int id)
{
	unsigned int i;

	memset(&c->nodes[id], 0, sizeof(c->nodes[id]));
	c->nr_nodes = 0;
	for (i = 0; i < DSM_NODES_MAX; i++)
		if (c->nodes[i].present)
			c->nr_nodes = i + 1;
}

int dsmd_conf_load(const char *path, struct dsmd_conf *c, char *err,
		   size_t errlen)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f)
		return conf_err(err, errlen, path, 0, "cannot open: %s",
				strerror(errno));
	ret = dsmd_conf_parse(f, path, c, err, errlen);
	fclose(f);
	return ret;
}
