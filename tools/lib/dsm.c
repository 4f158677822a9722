// SPDX-License-Identifier: GPL-2.0
/*
 * dsm.c - libdsm: the C API of dsm over the ioctls of /dev/dsm
 * (uapi/linux/dsm.h, API 3; the region-scoped locks and barriers API 4,
 * their own namespaces API 5). See dsm(3).
 *
 * State: one file of /dev/dsm per process, opened by dsm_init() with
 * O_CLOEXEC. Locks belong to that open file (the kernel releases them when
 * it is closed, at the latest when the process exits), so every thread of
 * the process shares them: a lock one thread holds is held for all.
 *
 * Thread safety: dsm_state is written only under init_lock (dsm_init and
 * the fork handlers); the other calls read the file descriptor with one
 * atomic load and need no lock. Once set, the descriptor is never closed
 * in the process that opened it, so a reader cannot see it reused.
 *
 * Nothing but libc (pthread is part of glibc since 2.34): a static
 * program links libdsm.a as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dsm.h>

#include "dsm.h"

#ifdef DSM_LIB_TEST
/* The unit tests replace the system calls (tests/unit.c). */
#include "tests/sys_hook.h"
#else
#define sys_open(path, flags)		open(path, flags)
#define sys_close(fd)			close(fd)
#define sys_ioctl(fd, req, arg)		ioctl(fd, req, arg)
#define sys_mmap(len, fd, off)						\
	mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off)
#define DSM_PATH			"/dev/" DSM_DEVICE_NAME
#endif

/* Oldest module API with the calls this library makes (locks, barriers,
 * region and node info). */
#define DSM_LIB_MIN_API		3

static struct {
	int fd;			/* -1 until dsm_init succeeds; atomic */
	uint64_t features;	/* DSM_FEATURE_* of the module */
} dsm_state = { .fd = -1 };

/*
 * init_lock serialises dsm_init() and fork(): a child must not inherit it
 * locked, nor a half-opened file. Innermost: nothing is called under it
 * that takes another lock.
 */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void dsm_atfork_prepare(void)
{
	pthread_mutex_lock(&init_lock);
}

static void dsm_atfork_parent(void)
{
	pthread_mutex_unlock(&init_lock);
}

/*
 * The child shares the parent's open file, and with it the parent's
 * locks. Forget it (closing the child's descriptor leaves the parent's
 * file open): the child calls dsm_init() again and gets a file, and locks,
 * of its own.
 */
static void dsm_atfork_child(void)
{
	int fd = __atomic_load_n(&dsm_state.fd, __ATOMIC_RELAXED);

	__atomic_store_n(&dsm_state.fd, -1, __ATOMIC_RELEASE);
	dsm_state.features = 0;
	if (fd >= 0)
		sys_close(fd);
	pthread_mutex_unlock(&init_lock);
}

static void dsm_atfork_register(void)
{
	pthread_atfork(dsm_atfork_prepare, dsm_atfork_parent,
		       dsm_atfork_child);
}

#ifdef DSM_LIB_TEST
/* For the unit tests only: back to the state before dsm_init(). */
void dsm_lib_reset(void)
{
	pthread_mutex_lock(&init_lock);
	__atomic_store_n(&dsm_state.fd, -1, __ATOMIC_RELEASE);
	dsm_state.features = 0;
	pthread_mutex_unlock(&init_lock);
}
#endif

/* -errno of a failed ioctl; ENOTTY (a module without the request) reads
 * as "not supported". */
static int dsm_errno(void)
{
	int e = errno;

	if (e == ENOTTY)
		return -EOPNOTSUPP;
	return e > 0 ? -e : -EIO;
}

static int dsm_fd(void)
{
	return __atomic_load_n(&dsm_state.fd, __ATOMIC_ACQUIRE);
}

/* An ioctl that may wait: a signal handler interrupting it (EINTR) does
 * not end the call; the wait is simply started again. */
static int dsm_ioctl_wait(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = sys_ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? dsm_errno() : 0;
}

int dsm_init(void)
{
	struct dsm_api api = { .api = DSM_API_VERSION };
	int fd, ret = 0;

	pthread_once(&atfork_once, dsm_atfork_register);
	pthread_mutex_lock(&init_lock);
	if (dsm_fd() >= 0)
		goto out;
	fd = sys_open(DSM_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = errno > 0 ? -errno : -EIO;
		goto out;
	}
	if (dsm_ioctl_wait(fd, DSM_IOC_API, &api)) {
		ret = dsm_errno();
		sys_close(fd);
		goto out;
	}
	if (api.api < DSM_LIB_MIN_API) {
		ret = -EOPNOTSUPP;
		sys_close(fd);
		goto out;
	}
	dsm_state.features = api.features;
	__atomic_store_n(&dsm_state.fd, fd, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&init_lock);
	return ret;
}

static int dsm_node_info(struct dsm_node_info *ni)
{
	int fd = dsm_fd();

	if (fd < 0)
		return -EBADF;
	memset(ni, 0, sizeof(*ni));
	return dsm_ioctl_wait(fd, DSM_IOC_NODE_INFO, ni);
}

int dsm_node_id(void)
{
	struct dsm_node_info ni;
	int ret = dsm_node_info(&ni);

	if (ret)
		return ret;
	if (ni.node_id >= DSM_NODES_MAX)	/* never from a sane module */
		return -EPROTO;
	return (int)ni.node_id;
}

int dsm_nodes(void)
{
	struct dsm_node_info ni;
	int ret = dsm_node_info(&ni);

	if (ret)
		return ret;
	if (!ni.nr_nodes || ni.nr_nodes > DSM_NODES_MAX)
		return -EPROTO;
	return (int)ni.nr_nodes;
}

/* 0 if @name is a region name the module accepts, else a -errno. */
static int dsm_check_name(const char *name)
{
	size_t i, n = strnlen(name, DSM_NAME_MAX);

	if (n == 0)
		return -EINVAL;
	if (n >= DSM_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return -EINVAL;
	}
	return 0;
}

void *dsm_map(const char *region, size_t *len)
{
	struct dsm_region_info ri;
	int fd = dsm_fd(), ret;
	void *p;

	if (!region || !len) {
		errno = EINVAL;
		return NULL;
	}
	ret = dsm_check_name(region);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	memset(&ri, 0, sizeof(ri));
	memcpy(ri.name, region, strlen(region) + 1);
	ret = dsm_ioctl_wait(fd, DSM_IOC_REGION_INFO, &ri);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	/* A module that answers nonsense must not make us map it. */
	if (!ri.size || ri.size > SIZE_MAX || ri.size > DSM_SPACE_SIZE ||
	    ri.offset > DSM_SPACE_SIZE - ri.size) {
		errno = EPROTO;
		return NULL;
	}
	p = sys_mmap((size_t)ri.size, fd, (off_t)ri.offset);
	if (p == MAP_FAILED)
		return NULL;	/* errno from mmap */
	*len = (size_t)ri.size;
	return p;
}

/* Locks and barriers: the module must implement lrc (the feature bit). */
static int dsm_sync_op(unsigned long req, unsigned int id)
{
	struct dsm_sync s = { .id = id };
	int fd = dsm_fd();

	if (fd < 0)
		return -EBADF;
	if (!(dsm_state.features & DSM_FEATURE_MAP_LRC))
		return -EOPNOTSUPP;
	return dsm_ioctl_wait(fd, req, &s);
}

int dsm_lock_acquire(unsigned int lock)
{
	return dsm_sync_op(DSM_IOC_LOCK_ACQUIRE, lock);
}

int dsm_lock_release(unsigned int lock)
{
	return dsm_sync_op(DSM_IOC_LOCK_RELEASE, lock);
}

int dsm_barrier(unsigned int barrier)
{
	return dsm_sync_op(DSM_IOC_BARRIER, barrier);
}

/*
 * A lock or barrier of region @region: its offset (REGION_INFO, every
 * call: a region deleted and created again may move) in dsm_sync.reserved
 * with DSM_SYNC_F_REGION. The kernel checks write permission on it.
 */
static int dsm_region_sync_op(unsigned long req, const char *region,
			      unsigned int id)
{
	struct dsm_sync s = { .id = id, .flags = DSM_SYNC_F_REGION };
	struct dsm_region_info ri;
	int fd = dsm_fd(), ret;

	if (!region)
		return -EINVAL;
	ret = dsm_check_name(region);
	if (ret)
		return ret;
	if (fd < 0)
		return -EBADF;
	if (!(dsm_state.features & DSM_FEATURE_MAP_LRC) ||
	    !(dsm_state.features & DSM_FEATURE_REGION_PERM))
		return -EOPNOTSUPP;
	memset(&ri, 0, sizeof(ri));
	memcpy(ri.name, region, strlen(region) + 1);
	ret = dsm_ioctl_wait(fd, DSM_IOC_REGION_INFO, &ri);
	if (ret)
		return ret;
	if (ri.offset >= DSM_SPACE_SIZE || ri.offset % DSM_REGION_ALIGN)
		return -EPROTO;
	s.reserved = ri.offset;
	return dsm_ioctl_wait(fd, req, &s);
}

int dsm_region_lock_acquire(const char *region, unsigned int lock)
{
	return dsm_region_sync_op(DSM_IOC_LOCK_ACQUIRE, region, lock);
}

int dsm_region_lock_release(const char *region, unsigned int lock)
{
	return dsm_region_sync_op(DSM_IOC_LOCK_RELEASE, region, lock);
}

int dsm_region_barrier(const char *region, unsigned int barrier)
{
	return dsm_region_sync_op(DSM_IOC_BARRIER, region, barrier);
}
