// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_wire_err.c - the error numbers of the wire protocol: why the decoder
 * refused a message (names and the errno each is reported as), and which
 * errnos a NACK or a manager reply may carry into this node (moved here
 * from dsm_wire.c, which outgrew 900 lines).
 *
 * Kernel-independent (dsm_core_env.h): linked into dsm.ko, dsmd, the unit
 * tests and the fuzzers.
 */
#include "dsm_wire.h"

static const char * const dsm_wire_reject_names[DSM_WIRE_R_NR] = {
	[DSM_WIRE_OK] = "ok",
	[DSM_WIRE_R_SHORT] = "short",
	[DSM_WIRE_R_LONG] = "long",
	[DSM_WIRE_R_MAGIC] = "magic",
	[DSM_WIRE_R_VERSION] = "version",
	[DSM_WIRE_R_TYPE] = "type",
	[DSM_WIRE_R_FLAGS] = "flags",
	[DSM_WIRE_R_MSGSIZE] = "msgsize",
	[DSM_WIRE_R_NODE] = "node",
	[DSM_WIRE_R_RESERVED] = "reserved",
	[DSM_WIRE_R_BODY_LEN] = "body_len",
	[DSM_WIRE_R_PAGE] = "page",
	[DSM_WIRE_R_ACCESS] = "access",
	[DSM_WIRE_R_FIELD] = "field",
	[DSM_WIRE_R_NR_NODES] = "nr_nodes",
	[DSM_WIRE_R_COUNT] = "count",
	[DSM_WIRE_R_INTERVAL] = "interval",
	[DSM_WIRE_R_ORDER] = "order",
	[DSM_WIRE_R_DIFF] = "diff",
};

/**
 * dsm_wire_reject_name() - short name of a reject reason, for logs.
 * @why:	the reason.
 *
 * Return: a static string; "unknown" for values out of range.
 */
const char *dsm_wire_reject_name(enum dsm_wire_reject why)
{
	if ((unsigned int)why >= DSM_WIRE_R_NR)
		return "unknown";
	return dsm_wire_reject_names[why];
}

/**
 * dsm_wire_reject_errno() - the errno a reject reason is reported as.
 * @why:	the reason.
 *
 * Return: 0 for DSM_WIRE_OK; -EPROTO when the peer speaks another protocol
 * (version, type); -EMSGSIZE for an impossible length field; -EBADMSG for
 * every other malformed message.
 */
int dsm_wire_reject_errno(enum dsm_wire_reject why)
{
	switch (why) {
	case DSM_WIRE_OK:
		return 0;
	case DSM_WIRE_R_VERSION:
	case DSM_WIRE_R_TYPE:
		return -EPROTO;
	case DSM_WIRE_R_MSGSIZE:
		return -EMSGSIZE;
	default:
		return -EBADMSG;
	}
}

/**
 * dsm_wire_errno() - what an error number from another node means here.
 * @err:	a NACK's or a manager reply's error field: a positive errno
 *		as the sender wrote it.
 *
 * Only the errnos the protocol sends pass. Anything else, from a bug or a
 * hostile peer, becomes EPROTO: an errno such as EAGAIN, EINPROGRESS or
 * ERESTARTSYS would mean "wait" or "restart" to the code it reaches, and
 * must never come from the network.
 *
 * Return: 0 for 0, else a negative errno of the protocol.
 */
int dsm_wire_errno(u32 err)
{
	switch (err) {
	case 0:
		return 0;
	case EPERM:
	case ENOENT:
	case ENXIO:
	case ENOMEM:
	case EACCES:
	case EBUSY:
	case EINVAL:
	case ENOSPC:
	case ERANGE:
	case EMSGSIZE:
	case EPROTO:
	case EOPNOTSUPP:
	case ENOTCONN:
	case ETIMEDOUT:
	case EHOSTDOWN:
	case ESTALE:
		return -(int)err;
	default:
		return -EPROTO;
	}
}
