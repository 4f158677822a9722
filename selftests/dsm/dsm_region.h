/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_region.h - the regions of the selftests: the words of /dev/dsm,
 * a window of the DSM space, a named region that node 0 creates and
 * dsmd replicates to every node (libdsm's dsm_map()).
 */
#ifndef _DSM_REGION_H
#define _DSM_REGION_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dsm.h>

#include "dsm_shell.h"
#include "dsm_test.h"

/* Write the word @w at offset @off of /dev/dsm (@fd): 0 or -errno. */
static inline int dsm_put_word(int fd, off_t off, uint64_t w)
{
	return pwrite(fd, &w, sizeof(w), off) == sizeof(w) ? 0 : -errno;
}

/* Read the word at offset @off into @w (0 on an error): 0 or -errno. */
static inline int dsm_get_word(int fd, off_t off, uint64_t *w)
{
	*w = 0;
	return pread(fd, w, sizeof(*w), off) == sizeof(*w) ? 0 : -errno;
}

/*
 * dsm_map_space - map [@off, @off + @len) of the DSM space shared, read
 * and write, without libdsm; MAP_FAILED with errno set on an error.
 */
static inline void *dsm_map_space(size_t off, size_t len)
{
	void *p;
	int fd;

	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	close(fd);
	return p;
}

/*
 * dsm_map_wait - dsm_map() of region @name, waiting up to @wait seconds
 * for dsmd to bring it to this node. NULL with errno set when another
 * error came, or ENOENT when the region was still missing at the end.
 */
static inline void *dsm_map_wait(const char *name, size_t *len, double wait)
{
	double t0 = dsm_now();
	void *p;

	while (!(p = dsm_map(name, len))) {
		if (errno != ENOENT || dsm_now() - t0 > wait)
			return NULL;
		usleep(100000);
	}
	return p;
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * dsm_test_region - node 0 creates region @name (@size bytes, a multiple
 * of 1 KiB, consistency model @model); after sync @step every node maps
 * it (dsm_map_wait(), @wait seconds), checks its size, then sync
 * @step + 1. Returns the mapping (its length in *@len), or NULL after
 * logging why; a failed sync ends the test. A node that returns NULL
 * leaves the test: the others' sync @step + 1 then fails at once
 * ("node N is already at ...").
 */
#define dsm_test_region(name, model, size, step, wait, len)		\
	__dsm_test_region(_metadata, name, model, size, step, wait, len)

static inline void *__dsm_test_region(struct __test_metadata *_metadata,
				      const char *name, const char *model,
				      size_t size, unsigned int step,
				      double wait, size_t *len)
{
	int node = dsm_node_id_env(), ret;
	char out[512];
	void *p;

	if (node == 0) {
		ret = dsm_sh(out, sizeof(out),
			     "dsmctl region create %s size %zuK model %s",
			     name, size >> 10, model);
		if (ret)
			TH_LOG("node 0: dsmctl region create %s: status %d: %s",
			       name, ret, out);
	}
	dsm_test_sync(step);
	p = dsm_map_wait(name, len, wait);
	if (!p) {
		TH_LOG("node %d: dsm_map(%s): %s", node, name, strerror(errno));
		return NULL;
	}
	if (*len != size) {
		TH_LOG("node %d: region %s has %zu bytes, not %zu", node, name,
		       *len, size);
		munmap(p, *len);
		return NULL;
	}
	dsm_test_sync(step + 1);
	return p;
}
#endif /* __KSELFTEST_HARNESS_H */

#endif /* _DSM_REGION_H */
