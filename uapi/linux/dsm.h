/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dsm: distributed shared memory - the userspace contract.
 *
 * This header is the only interface between dsm.ko and userspace: the
 * ioctls on /dev/dsm and the generic netlink family "dsm". It is included
 * unchanged by the module, by dsmd, dsmctl, libdsm and the selftests.
 *
 * Rules, as in include/uapi/linux/fuse.h:
 *  - every structure is padded to a multiple of 64 bits with explicit
 *    reserved fields, which callers must zero and the kernel checks;
 *  - nothing is ever renumbered or removed; new things are appended and
 *    announced by a bump of DSM_API_VERSION and a feature bit;
 *  - userspace learns what the running module supports with DSM_IOC_API
 *    (the feature handshake, after UFFDIO_API) before using anything else.
 *
 * Changelog of the API version:
 *  1: /dev/dsm misc device; DSM_IOC_API handshake.
 */
#ifndef _UAPI_LINUX_DSM_H
#define _UAPI_LINUX_DSM_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Version of this header; reported by the module in struct dsm_api. */
#define DSM_API_VERSION		1

/* Name of the misc device, /dev/dsm. */
#define DSM_DEVICE_NAME		"dsm"

/*
 * The DSM space: file offsets of /dev/dsm run from 0 to DSM_SPACE_SIZE.
 * Regions are carved out of it; an offset outside every region is refused
 * with ENXIO by mmap, read and write.
 */
#define DSM_SPACE_SIZE		(1ULL << 40)

/*
 * Feature bits reported in dsm_api.features. A bit is set only when the
 * running module implements the whole feature.
 */
#define DSM_FEATURE_MAP_SC	(1ULL << 0)	/* sc regions can be mapped */
#define DSM_FEATURE_MAP_LRC	(1ULL << 1)	/* lrc regions, locks, barriers */

/**
 * struct dsm_api - feature handshake, argument of DSM_IOC_API.
 * @api:	in: the DSM_API_VERSION the caller was built against (>= 1);
 *		out: the API version the module speaks.
 * @reserved:	must be zero.
 * @features:	out: DSM_FEATURE_* bits implemented by the module.
 *
 * Fails with EINVAL if @api is 0 or @reserved is not zero.
 */
struct dsm_api {
	__u32 api;
	__u32 reserved;
	__u64 features;
};

/* ioctl type byte; see Documentation/uapi.md. */
#define DSM_IOC_MAGIC		0xD5

#define DSM_IOC_API		_IOWR(DSM_IOC_MAGIC, 0x00, struct dsm_api)

#endif /* _UAPI_LINUX_DSM_H */
