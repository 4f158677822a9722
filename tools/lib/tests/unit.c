// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - unit tests of libdsm (ASan, UBSan), TAP output: argument
 * checks, what reaches the kernel, the errno mapping, EINTR, fork and
 * threads, and the behaviour without a dsm device. dsm.c is built with
 * -DDSM_LIB_TEST, which routes its system calls through dsm_sys; most
 * tests point that at the fakes below, a few at the real system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dsm.h>

#include "kselftest_harness.h"
#include "dsm.h"
#include "sys_hook.h"

/* ---- the real system calls ---- */

static int real_open(const char *path, int flags)
{
	return open(path, flags);
}

static int real_close(int fd)
{
	return close(fd);
}

static int real_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static void *real_mmap(size_t len, int fd, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
}

struct dsm_sys dsm_sys = {
	.path	= "/dev/dsm",
	.open	= real_open,
	.close	= real_close,
	.ioctl	= real_ioctl,
	.mmap	= real_mmap,
};

/* ---- the fake module ---- */

static struct fake {
	/* what the library did */
	int opens, closes, open_flags, last_fd, closed_fd;
	int ioctls, mmaps;
	unsigned long last_req;
	struct dsm_sync last_sync;
	char last_name[DSM_NAME_MAX];
	size_t mmap_len;
	off_t mmap_off;
	/* what the module answers */
	struct dsm_api api;
	struct dsm_node_info node;
	struct dsm_region_info region;
	int err;		/* errno of every ioctl, 0 = success */
	int eintr;		/* fail this many ioctls with EINTR first */
	int mmap_err;
	pthread_mutex_t lock;
} fake;

static int fake_open(const char *path, int flags)
{
	int fd;

	(void)path;
	pthread_mutex_lock(&fake.lock);
	fake.opens++;
	fake.open_flags = flags;
	usleep(1000);		/* widen the window for racing dsm_init()s */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	fake.last_fd = fd;
	pthread_mutex_unlock(&fake.lock);
	return fd;
}

static int fake_close(int fd)
{
	fake.closes++;
	fake.closed_fd = fd;
	return close(fd);
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	fake.ioctls++;
	fake.last_req = req;
	if (fake.eintr > 0) {
		fake.eintr--;
		errno = EINTR;
		return -1;
	}
	if (fake.err && req != DSM_IOC_API) {
		errno = fake.err;
		return -1;
	}
	switch (req) {
	case DSM_IOC_API: {
		struct dsm_api *a = arg;

		if (a->api != DSM_API_VERSION || a->reserved) {
			errno = EINVAL;
			return -1;
		}
		*a = fake.api;
		return 0;
	}
	case DSM_IOC_NODE_INFO: {
		struct dsm_node_info *ni = arg;

		if (ni->reserved) {
			errno = EINVAL;
			return -1;
		}
		*ni = fake.node;
		return 0;
	}
	case DSM_IOC_REGION_INFO: {
		struct dsm_region_info *ri = arg;

		if (ri->reserved || !memchr(ri->name, 0, sizeof(ri->name))) {
			errno = EINVAL;
			return -1;
		}
		memcpy(fake.last_name, ri->name, sizeof(ri->name));
		ri->offset = fake.region.offset;
		ri->size = fake.region.size;
		ri->model = fake.region.model;
		ri->origin = fake.region.origin;
		return 0;
	}
	case DSM_IOC_LOCK_ACQUIRE:
	case DSM_IOC_LOCK_RELEASE:
	case DSM_IOC_BARRIER:
		fake.last_sync = *(struct dsm_sync *)arg;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

static void *fake_mmap(size_t len, int fd, off_t off)
{
	(void)fd;
	fake.mmaps++;
	fake.mmap_len = len;
	fake.mmap_off = off;
	if (fake.mmap_err) {
		errno = fake.mmap_err;
		return MAP_FAILED;
	}
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* A module of API 3 with lrc, node 1 of 3, one 64 KiB region "r". */
static void use_fake(void)
{
	pthread_mutex_init(&fake.lock, NULL);
	memset(&fake, 0, offsetof(struct fake, lock));
	fake.last_fd = fake.closed_fd = -1;
	fake.api.api = 3;
	fake.api.features = DSM_FEATURE_MAP_SC | DSM_FEATURE_MAP_LRC;
	fake.node.node_id = 1;
	fake.node.nr_nodes = 3;
	fake.node.nr_up = 3;
	fake.region.offset = 1ULL << 37;
	fake.region.size = 64 << 10;
	fake.region.model = DSM_MODEL_LRC;
	dsm_sys.path = "/fake/dsm";
	dsm_sys.open = fake_open;
	dsm_sys.close = fake_close;
	dsm_sys.ioctl = fake_ioctl;
	dsm_sys.mmap = fake_mmap;
	dsm_lib_reset();
}

static void use_real(const char *path)
{
	dsm_sys.path = path;
	dsm_sys.open = real_open;
	dsm_sys.close = real_close;
	dsm_sys.ioctl = real_ioctl;
	dsm_sys.mmap = real_mmap;
	dsm_lib_reset();
}

static int fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* ---- before dsm_init and without a device ---- */

static void expect_all_ebadf(struct __test_metadata *_metadata)
{
	size_t len = 7;

	EXPECT_EQ(-EBADF, dsm_node_id());
	EXPECT_EQ(-EBADF, dsm_nodes());
	EXPECT_EQ(-EBADF, dsm_lock_acquire(1));
	EXPECT_EQ(-EBADF, dsm_lock_release(1));
	EXPECT_EQ(-EBADF, dsm_barrier(1));
	errno = 0;
	EXPECT_EQ(NULL, dsm_map("r", &len));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(7, len);
}

TEST(calls_before_init_fail_ebadf)
{
	use_fake();
	expect_all_ebadf(_metadata);
	EXPECT_EQ(0, fake.opens);
	EXPECT_EQ(0, fake.ioctls);
	EXPECT_EQ(0, fake.mmaps);
}

TEST(no_device_enoent)
{
	use_real("/nonexistent-dir/dsm");
	EXPECT_EQ(-ENOENT, dsm_init());
	expect_all_ebadf(_metadata);
	/* and again: a failed dsm_init leaves nothing behind */
	EXPECT_EQ(-ENOENT, dsm_init());
}

/* The host's /dev/dsm: the module never loads into the build machine's
 * kernel, so it must not be there. */
TEST(no_dev_dsm_on_the_build_host)
{
	struct stat st;

	if (stat("/dev/dsm", &st) == 0)
		SKIP(return, "/dev/dsm exists on this machine");
	use_real("/dev/dsm");
	EXPECT_EQ(-ENOENT, dsm_init());
	expect_all_ebadf(_metadata);
}

/* A device that is not dsm's answers the handshake with ENOTTY. */
TEST(not_a_dsm_device)
{
	int lowest;

	/* the lowest free descriptor, which dsm_init's open will take */
	lowest = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, lowest);
	close(lowest);
	use_real("/dev/null");
	EXPECT_EQ(-EOPNOTSUPP, dsm_init());
	expect_all_ebadf(_metadata);
	/* and closed it again */
	EXPECT_FALSE(fd_is_open(lowest));
}

/* ---- dsm_init ---- */

TEST(init_handshake)
{
	use_fake();
	ASSERT_EQ(0, dsm_init());
	EXPECT_EQ(1, fake.opens);
	EXPECT_EQ(O_RDWR | O_CLOEXEC, fake.open_flags);
	EXPECT_EQ(1, fake.ioctls);
	EXPECT_EQ(DSM_IOC_API, fake.last_req);
	/* again: nothing new */
	EXPECT_EQ(0, dsm_init());
	EXPECT_EQ(1, fake.opens);
	EXPECT_EQ(1, fake.ioctls);
	EXPECT_EQ(0, fake.closes);
}

TEST(init_refuses_old_module)
{
	use_fake();
	fake.api.api = 2;
	EXPECT_EQ(-EOPNOTSUPP, dsm_init());
	EXPECT_EQ(1, fake.closes);
	EXPECT_EQ(fake.last_fd, fake.closed_fd);
	EXPECT_FALSE(fd_is_open(fake.last_fd));
	expect_all_ebadf(_metadata);
	/* the module was upgraded: a new dsm_init works */
	fake.api.api = 3;
	EXPECT_EQ(0, dsm_init());
	EXPECT_EQ(2, fake.opens);
}

TEST(init_retries_eintr)
{
	use_fake();
	fake.eintr = 2;
	EXPECT_EQ(0, dsm_init());
	EXPECT_EQ(3, fake.ioctls);
}

static void *init_thread(void *arg)
{
	(void)arg;
	return (void *)(long)dsm_init();
}

TEST(init_from_many_threads_opens_once)
{
	pthread_t t[8];
	void *ret;
	int i;

	use_fake();
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, init_thread, NULL));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(0, (long)ret);
	}
	EXPECT_EQ(1, fake.opens);
	EXPECT_EQ(0, fake.closes);
}

/* A child of fork() shares the parent's file and locks: it must call
 * dsm_init() again and gets a file of its own. */
TEST(fork_child_needs_its_own_init)
{
	int status, parent_fd;
	pid_t pid;

	use_fake();
	ASSERT_EQ(0, dsm_init());
	parent_fd = fake.last_fd;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		/* the inherited descriptor was closed in the child */
		bad |= fake.closes != 1 || fake.closed_fd != parent_fd;
		bad |= fd_is_open(parent_fd) << 1;
		bad |= (dsm_lock_acquire(1) != -EBADF) << 2;
		bad |= (dsm_init() != 0) << 3;
		bad |= (fake.opens != 2) << 4;
		bad |= (dsm_lock_acquire(1) != 0) << 5;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* the parent keeps its file */
	EXPECT_TRUE(fd_is_open(parent_fd));
	EXPECT_EQ(0, dsm_lock_release(1));
	EXPECT_EQ(1, fake.opens);
}

/* ---- node id and count ---- */

TEST(node_id_and_count)
{
	use_fake();
	ASSERT_EQ(0, dsm_init());
	EXPECT_EQ(1, dsm_node_id());
	EXPECT_EQ(DSM_IOC_NODE_INFO, fake.last_req);
	EXPECT_EQ(3, dsm_nodes());
	fake.node.node_id = 7;
	fake.node.nr_nodes = 8;
	EXPECT_EQ(7, dsm_node_id());
	EXPECT_EQ(8, dsm_nodes());
	/* 64 nodes (issue 15 item 5): node 63 of 64. */
	fake.node.node_id = 63;
	fake.node.nr_nodes = 64;
	EXPECT_EQ(63, dsm_node_id());
	EXPECT_EQ(64, dsm_nodes());
}

TEST(node_info_errors)
{
	use_fake();
	ASSERT_EQ(0, dsm_init());
	fake.err = ENOTCONN;
	EXPECT_EQ(-ENOTCONN, dsm_node_id());
	EXPECT_EQ(-ENOTCONN, dsm_nodes());
	fake.err = 0;
	/* a module answering nonsense */
	fake.node.node_id = 64;
	EXPECT_EQ(-EPROTO, dsm_node_id());
	fake.node.nr_nodes = 0;
	EXPECT_EQ(-EPROTO, dsm_nodes());
	fake.node.nr_nodes = 65;
	EXPECT_EQ(-EPROTO, dsm_nodes());
}

/* ---- dsm_map ---- */

static void expect_map_fails(struct __test_metadata *_metadata,
			     const char *name, size_t *len, int err)
{
	int before = fake.ioctls + fake.mmaps;

	errno = 0;
	EXPECT_EQ(NULL, dsm_map(name, len)) TH_LOG("name '%s'", name);
	EXPECT_EQ(err, errno) TH_LOG("name '%s': %s", name, strerror(errno));
	if (err == EINVAL || err == ENAMETOOLONG)
		EXPECT_EQ(before, fake.ioctls + fake.mmaps)
			TH_LOG("bad name '%s' reached the module", name);
}

TEST(map_argument_checks)
{
	char name[64];
	size_t len = 5;

	use_fake();
	ASSERT_EQ(0, dsm_init());
	expect_map_fails(_metadata, NULL, &len, EINVAL);
	expect_map_fails(_metadata, "r", NULL, EINVAL);
	expect_map_fails(_metadata, "", &len, EINVAL);
	expect_map_fails(_metadata, "a/b", &len, EINVAL);
	expect_map_fails(_metadata, "a b", &len, EINVAL);
	expect_map_fails(_metadata, "caf\xc3\xa9", &len, EINVAL);
	memset(name, 'a', sizeof(name));
	name[DSM_NAME_MAX] = '\0';		/* 32 characters */
	expect_map_fails(_metadata, name, &len, ENAMETOOLONG);
	name[40] = '\0';
	memset(name, 'b', 40);
	expect_map_fails(_metadata, name, &len, ENAMETOOLONG);
	EXPECT_EQ(5, len);
	/* 31 characters of every allowed kind */
	strcpy(name, "AZaz09_.-xxxxxxxxxxxxxxxxxxxxxx");
	ASSERT_EQ(DSM_NAME_MAX - 1, strlen(name));
	EXPECT_NE(NULL, dsm_map(name, &len));
	EXPECT_STREQ(name, fake.last_name);
}

TEST(map_maps_the_region)
{
	size_t len = 0;
	char *p;

	use_fake();
	ASSERT_EQ(0, dsm_init());
	p = dsm_map("r", &len);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(DSM_IOC_REGION_INFO, fake.last_req);
	EXPECT_STREQ("r", fake.last_name);
	EXPECT_EQ(64 << 10, len);
	EXPECT_EQ(64 << 10, fake.mmap_len);
	EXPECT_EQ((off_t)1 << 37, fake.mmap_off);
	p[len - 1] = 1;
	munmap(p, len);
}

TEST(map_errors)
{
	size_t len = 5;

	use_fake();
	ASSERT_EQ(0, dsm_init());
	fake.err = ENOENT;
	expect_map_fails(_metadata, "nosuch", &len, ENOENT);
	EXPECT_EQ(0, fake.mmaps);
	fake.err = ENOTTY;		/* a module without REGION_INFO */
	expect_map_fails(_metadata, "r", &len, EOPNOTSUPP);
	fake.err = 0;
	fake.mmap_err = EOPNOTSUPP;	/* lrc not mappable */
	expect_map_fails(_metadata, "r", &len, EOPNOTSUPP);
	fake.mmap_err = ENOMEM;
	expect_map_fails(_metadata, "r", &len, ENOMEM);
	fake.mmap_err = 0;
	/* nonsense from the module is not mapped */
	fake.region.size = 0;
	expect_map_fails(_metadata, "r", &len, EPROTO);
	fake.region.size = 4096;
	fake.region.offset = DSM_SPACE_SIZE;
	expect_map_fails(_metadata, "r", &len, EPROTO);
	fake.region.offset = DSM_SPACE_SIZE - 4096;
	fake.region.size = 8192;
	expect_map_fails(_metadata, "r", &len, EPROTO);
	EXPECT_EQ(2, fake.mmaps);
	EXPECT_EQ(5, len);
}

/* ---- locks and barriers ---- */

TEST(sync_calls_reach_the_module)
{
	use_fake();
	ASSERT_EQ(0, dsm_init());
	memset(&fake.last_sync, 0xff, sizeof(fake.last_sync));
	EXPECT_EQ(0, dsm_lock_acquire(42));
	EXPECT_EQ(DSM_IOC_LOCK_ACQUIRE, fake.last_req);
	EXPECT_EQ(42, fake.last_sync.id);
	EXPECT_EQ(0, fake.last_sync.flags);
	EXPECT_EQ(0, fake.last_sync.reserved);
	memset(&fake.last_sync, 0xff, sizeof(fake.last_sync));
	EXPECT_EQ(0, dsm_lock_release(0xffffffffu));
	EXPECT_EQ(DSM_IOC_LOCK_RELEASE, fake.last_req);
	EXPECT_EQ(0xffffffffu, fake.last_sync.id);
	EXPECT_EQ(0, fake.last_sync.flags);
	EXPECT_EQ(0, fake.last_sync.reserved);
	memset(&fake.last_sync, 0xff, sizeof(fake.last_sync));
	EXPECT_EQ(0, dsm_barrier(0));
	EXPECT_EQ(DSM_IOC_BARRIER, fake.last_req);
	EXPECT_EQ(0, fake.last_sync.id);
	EXPECT_EQ(0, fake.last_sync.flags);
	EXPECT_EQ(0, fake.last_sync.reserved);
}

TEST(sync_errno_mapping)
{
	static const int errs[] = { EPERM, EDEADLK, EHOSTDOWN, ENOTCONN,
				    EINVAL, EFAULT };
	unsigned int i;

	use_fake();
	ASSERT_EQ(0, dsm_init());
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fake.err = errs[i];
		EXPECT_EQ(-errs[i], dsm_lock_acquire(1));
		EXPECT_EQ(-errs[i], dsm_lock_release(1));
		EXPECT_EQ(-errs[i], dsm_barrier(1));
	}
	fake.err = ENOTTY;	/* a module without the request */
	EXPECT_EQ(-EOPNOTSUPP, dsm_lock_acquire(1));
	EXPECT_EQ(-EOPNOTSUPP, dsm_barrier(1));
}

TEST(sync_waits_again_after_eintr)
{
	use_fake();
	ASSERT_EQ(0, dsm_init());
	fake.ioctls = 0;
	fake.eintr = 3;
	EXPECT_EQ(0, dsm_lock_acquire(5));
	EXPECT_EQ(4, fake.ioctls);
	fake.eintr = 2;
	EXPECT_EQ(0, dsm_barrier(5));
	EXPECT_EQ(7, fake.ioctls);
	/* an error after an EINTR is still reported */
	fake.eintr = 1;
	fake.err = EHOSTDOWN;
	EXPECT_EQ(-EHOSTDOWN, dsm_barrier(5));
}

/* ---- locks and barriers of a region ---- */

/* The region's offset, looked up by name, with DSM_SYNC_F_REGION. */
TEST(region_sync_calls_reach_the_module)
{
	use_fake();
	fake.api.api = 5;
	fake.api.features |= DSM_FEATURE_REGION_PERM | DSM_FEATURE_REGION_SYNC;
	ASSERT_EQ(0, dsm_init());
	memset(&fake.last_sync, 0xff, sizeof(fake.last_sync));
	fake.ioctls = 0;
	EXPECT_EQ(0, dsm_region_lock_acquire("r", 5));
	EXPECT_EQ(2, fake.ioctls);	/* REGION_INFO, then the lock */
	EXPECT_STREQ("r", fake.last_name);
	EXPECT_EQ(DSM_IOC_LOCK_ACQUIRE, fake.last_req);
	EXPECT_EQ(5, fake.last_sync.id);
	EXPECT_EQ(DSM_SYNC_F_REGION, fake.last_sync.flags);
	EXPECT_EQ(1ULL << 37, fake.last_sync.reserved);
	fake.region.offset = 0;		/* the default region: offset 0 */
	memset(&fake.last_sync, 0xff, sizeof(fake.last_sync));
	EXPECT_EQ(0, dsm_region_lock_release("default", 0xffffffffu));
	EXPECT_STREQ("default", fake.last_name);
	EXPECT_EQ(DSM_IOC_LOCK_RELEASE, fake.last_req);
	EXPECT_EQ(0xffffffffu, fake.last_sync.id);
	EXPECT_EQ(DSM_SYNC_F_REGION, fake.last_sync.flags);
	EXPECT_EQ(0, fake.last_sync.reserved);
	fake.region.offset = DSM_SPACE_SIZE - 4096;
	memset(&fake.last_sync, 0xff, sizeof(fake.last_sync));
	EXPECT_EQ(0, dsm_region_barrier("b.2-x", 0));
	EXPECT_EQ(DSM_IOC_BARRIER, fake.last_req);
	EXPECT_EQ(0, fake.last_sync.id);
	EXPECT_EQ(DSM_SYNC_F_REGION, fake.last_sync.flags);
	EXPECT_EQ(DSM_SPACE_SIZE - 4096, fake.last_sync.reserved);
}

TEST(region_sync_errors)
{
	static const int errs[] = { ENOENT, EACCES, ENXIO, EPERM, EDEADLK,
				    EHOSTDOWN, ESTALE };
	unsigned int i;

	use_fake();
	EXPECT_EQ(-EBADF, dsm_region_lock_acquire("r", 1));
	fake.api.features |= DSM_FEATURE_REGION_PERM;
	ASSERT_EQ(0, dsm_init());
	fake.ioctls = 0;
	/* bad names: refused before any ioctl */
	EXPECT_EQ(-EINVAL, dsm_region_lock_acquire(NULL, 1));
	EXPECT_EQ(-EINVAL, dsm_region_lock_release("", 1));
	EXPECT_EQ(-EINVAL, dsm_region_barrier("a/b", 1));
	EXPECT_EQ(-ENAMETOOLONG,
		  dsm_region_barrier("0123456789abcdef0123456789abcdef", 1));
	EXPECT_EQ(0, fake.ioctls);
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fake.err = errs[i];
		EXPECT_EQ(-errs[i], dsm_region_lock_acquire("r", 1));
		EXPECT_EQ(-errs[i], dsm_region_lock_release("r", 1));
		EXPECT_EQ(-errs[i], dsm_region_barrier("r", 1));
	}
	fake.err = 0;
	/* an offset no region can have is not used */
	fake.region.offset = DSM_SPACE_SIZE;
	EXPECT_EQ(-EPROTO, dsm_region_lock_acquire("r", 1));
	fake.region.offset = 4095;
	EXPECT_EQ(-EPROTO, dsm_region_barrier("r", 1));
	EXPECT_EQ(DSM_IOC_REGION_INFO, fake.last_req);
}

/* A module of API 3 (no region permissions): refused before any ioctl. */
TEST(region_sync_needs_region_perm)
{
	use_fake();
	ASSERT_EQ(0, dsm_init());
	fake.ioctls = 0;
	EXPECT_EQ(-EOPNOTSUPP, dsm_region_lock_acquire("r", 1));
	EXPECT_EQ(-EOPNOTSUPP, dsm_region_lock_release("r", 1));
	EXPECT_EQ(-EOPNOTSUPP, dsm_region_barrier("r", 1));
	EXPECT_EQ(0, fake.ioctls);
}

/* A module without lrc: locks and barriers are refused before any ioctl;
 * node info still works. */
TEST(sync_needs_lrc_feature)
{
	use_fake();
	fake.api.features = DSM_FEATURE_MAP_SC;
	ASSERT_EQ(0, dsm_init());
	fake.ioctls = 0;
	EXPECT_EQ(-EOPNOTSUPP, dsm_lock_acquire(1));
	EXPECT_EQ(-EOPNOTSUPP, dsm_lock_release(1));
	EXPECT_EQ(-EOPNOTSUPP, dsm_barrier(1));
	EXPECT_EQ(0, fake.ioctls);
	EXPECT_EQ(1, dsm_node_id());
}

TEST_HARNESS_MAIN
