/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_internal.h - the module's one internal header.
 *
 * Shared state and prototypes, grouped by the file that defines them.
 * Every field shared between contexts says which lock protects it.
 */
#ifndef _DSM_INTERNAL_H
#define _DSM_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/dsm.h>

#include "dsm_compat.h"

#define DSM_MODULE_VERSION	"0.1.0"

/**
 * struct dsm_file - per open file description of /dev/dsm.
 * @flags:	reserved for per-open state; nothing is kept yet.
 */
struct dsm_file {
	u64 flags;
};

/* dsm_main.c */
extern const struct file_operations dsm_fops;

#endif /* _DSM_INTERNAL_H */
