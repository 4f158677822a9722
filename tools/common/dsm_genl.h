/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_genl.h - the generic netlink family "dsm" from userspace, through
 * libnl-genl-3. Shared by dsmd and dsmctl (compiled into each).
 *
 * A request is built with dsm_genl_msg(), filled with libnl's nla_put_*(),
 * and sent with dsm_genl_call(), which waits for the reply, the end of a
 * dump or the acknowledgement, calls @cb for each reply message, and on
 * failure returns a negative errno with the kernel's extended ack message
 * in g->errmsg.
 */
#ifndef DSM_GENL_H
#define DSM_GENL_H

/*
 * dsmctl node add/del ask the local dsmd on this Unix socket (root only;
 * Documentation/control-plane.md, "Runtime membership").
 */
#define DSM_CTL_SOCKET_DIR	"/run/dsm"
#define DSM_CTL_SOCKET		DSM_CTL_SOCKET_DIR "/dsmd.sock"

#include <stdbool.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/dsm.h>

struct dsm_genl {
	struct nl_sock *sk;
	int family;
	int err;		/* last error, negative errno */
	char errmsg[256];	/* last extended ack message, or "" */
};

/* Called for each message of a reply; returns 0, or negative to stop. */
typedef int (*dsm_genl_cb)(uint8_t cmd, struct nlattr **tb, void *arg);

/*
 * Open a socket and resolve the family. Returns 0, -ENOENT if the family
 * is not registered (dsm.ko not loaded), or another negative errno.
 */
int dsm_genl_open(struct dsm_genl *g);
void dsm_genl_close(struct dsm_genl *g);

/* The loaded module's family version, or a negative errno. */
int dsm_genl_family_version(struct dsm_genl *g);

/*
 * May this build use a module of family @version? 1 if so; else 0 and
 * why in @why. An older module lacks what this build relies on (family 17:
 * 64 node ids and the region slices of DSM_NODES_MAX); a newer one keeps
 * every command and attribute (nothing is ever renumbered).
 */
int dsm_genl_version_ok(int version, char *why, size_t len);

/* Subscribe @g to the "events" group; its socket then only receives. */
int dsm_genl_subscribe(struct dsm_genl *g);

/* A request of @cmd; @flags: 0 or NLM_F_DUMP. NULL on no memory. */
struct nl_msg *dsm_genl_msg(struct dsm_genl *g, uint8_t cmd, int flags);

/* Send @msg (consumed) and process the answer. */
int dsm_genl_call(struct dsm_genl *g, struct nl_msg *msg, dsm_genl_cb cb,
		  void *arg);

/*
 * Receive what is queued on a subscribed socket, calling @cb per event.
 * With @block false, returns 0 when nothing more is queued.
 */
int dsm_genl_recv_events(struct dsm_genl *g, bool block, dsm_genl_cb cb,
			 void *arg);

/*
 * The kernel's home table (GET_STATUS: HOME_EPOCH, HOME_BUCKETS) into
 * @epoch and @node; *@epoch 0 when it has none yet. 0 or negative errno.
 */
int dsm_genl_home_get(struct dsm_genl *g, uint64_t *epoch,
		      uint8_t node[DSM_HOME_NR_BUCKETS]);
/* HOME_SET: @node's buckets with @epoch to the kernel. 0 or negative errno. */
int dsm_genl_home_set(struct dsm_genl *g, uint64_t epoch,
		      const uint8_t node[DSM_HOME_NR_BUCKETS]);

/* Attribute getters that check the length; @def if absent or short. */
uint8_t dsm_nla_u8(struct nlattr *a, uint8_t def);
uint16_t dsm_nla_u16(struct nlattr *a, uint16_t def);
uint32_t dsm_nla_u32(struct nlattr *a, uint32_t def);
uint64_t dsm_nla_u64(struct nlattr *a, uint64_t def);
/* A node mask, bit i node i: a u64, or a u32 from a module before 17. */
uint64_t dsm_nla_nodes(struct nlattr *a, uint64_t def);
/* A NUL-terminated string attribute, or @def. */
const char *dsm_nla_str(struct nlattr *a, const char *def);

/* Names of enum values, for output; "?" when out of range. */
const char *dsm_state_name(unsigned int state);
const char *dsm_reason_name(unsigned int reason);
const char *dsm_model_name(unsigned int model);
const char *dsm_leave_name(unsigned int leave);	/* DSM_A_LEAVING */

#endif /* DSM_GENL_H */
