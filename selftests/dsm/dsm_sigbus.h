/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_sigbus.h - read a word through a dsm mapping and tell data from
 * SIGBUS (a page that cannot be had), in any thread: install
 * dsm_sigbus_handler for SIGBUS, then call dsm_sigbus_read().
 */
#ifndef _DSM_SIGBUS_H
#define _DSM_SIGBUS_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

static __thread sigjmp_buf dsm_sigbus_jmp;

static inline void dsm_sigbus_handler(int sig)
{
	siglongjmp(dsm_sigbus_jmp, sig);
}

/* Read the word at @w through the mapping: 0, or SIGBUS. */
static inline int dsm_sigbus_read(const uint8_t *w)
{
	int sig = sigsetjmp(dsm_sigbus_jmp, 1);

	if (!sig)
		(void)*(const volatile uint64_t *)w;
	return sig;
}

#endif /* _DSM_SIGBUS_H */
