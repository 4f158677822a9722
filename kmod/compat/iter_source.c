// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: ITER_SOURCE, the direction of an iov_iter that data is read
 * from. Added in 6.2 by commit de4eda9de2d9 ("use less confusing names for
 * iov_iter direction initializers"); 6.1 says WRITE.
 */
#include <linux/uio.h>

int dsm_probe(void);
int dsm_probe(void)
{
	return ITER_SOURCE;
}
