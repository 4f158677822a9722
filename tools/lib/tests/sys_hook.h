/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys_hook.h - included by dsm.c when it is built for the unit tests
 * (-DDSM_LIB_TEST): the system calls go through dsm_sys, which the tests
 * point at fakes, and dsm_lib_reset() forgets the process state.
 */
#ifndef DSM_SYS_HOOK_H
#define DSM_SYS_HOOK_H

#include <sys/types.h>

struct dsm_sys {
	const char *path;
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long req, void *arg);
	void *(*mmap)(size_t len, int fd, off_t off);
};

extern struct dsm_sys dsm_sys;

#define sys_open(path, flags)		dsm_sys.open(path, flags)
#define sys_close(fd)			dsm_sys.close(fd)
#define sys_ioctl(fd, req, arg)		dsm_sys.ioctl(fd, req, arg)
#define sys_mmap(len, fd, off)		dsm_sys.mmap(len, fd, off)
#define DSM_PATH			dsm_sys.path

void dsm_lib_reset(void);

#endif /* DSM_SYS_HOOK_H */
