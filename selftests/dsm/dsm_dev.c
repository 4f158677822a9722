// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_dev - single-node semantics of /dev/dsm: open and close, the API
 * handshake, refusals with their documented errnos, and module unload
 * while the device is open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dsm.h>

#include "kselftest_harness.h"
#include "dsm_test.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DSM_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST(open_close)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(DSM_DEV, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	fd = open(DSM_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
}

TEST_F(dev, api_handshake)
{
	struct dsm_api api = { .api = DSM_API_VERSION };

	ASSERT_EQ(0, ioctl(self->fd, DSM_IOC_API, &api));
	EXPECT_EQ(DSM_API_VERSION, api.api);
	EXPECT_EQ(0, api.reserved);
}

TEST_F(dev, api_bad_arguments)
{
	struct dsm_api api = { .api = 0 };

	/* version 0 does not exist */
	EXPECT_EQ(-1, ioctl(self->fd, DSM_IOC_API, &api));
	EXPECT_EQ(EINVAL, errno);
	/* reserved fields must be zero */
	api.api = DSM_API_VERSION;
	api.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DSM_IOC_API, &api));
	EXPECT_EQ(EINVAL, errno);
	/* bad pointer */
	EXPECT_EQ(-1, ioctl(self->fd, DSM_IOC_API, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_ioctl)
{
	int arg = 0;

	EXPECT_EQ(-1, ioctl(self->fd, _IOW(DSM_IOC_MAGIC, 0xff, int), &arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('x', 1), 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, mmap_private_refused)
{
	void *p;

	p = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/* Far beyond any region: the last page of the DSM space. */
TEST_F(dev, mmap_outside_regions_refused)
{
	void *p;

	p = mmap(NULL, DSM_PAGE, PROT_READ, MAP_SHARED, self->fd,
		 DSM_FAR_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENXIO, errno);
}

TEST_F(dev, read_write_outside_regions_refused)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf), DSM_FAR_OFFSET));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, pwrite(self->fd, buf, sizeof(buf), DSM_FAR_OFFSET));
	EXPECT_EQ(ENXIO, errno);
}

TEST_F(dev, lseek)
{
	EXPECT_EQ(4096, lseek(self->fd, 4096, SEEK_SET));
	EXPECT_EQ(8192, lseek(self->fd, 4096, SEEK_CUR));
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	/* the offset is unchanged by a failed seek */
	EXPECT_EQ(8192, lseek(self->fd, 0, SEEK_CUR));
}

static int module_loaded(void)
{
	return access("/sys/module/dsm", F_OK) == 0;
}

/*
 * An open file holds a reference on the module: unloading must fail with
 * EWOULDBLOCK and leave the module working; after close it unloads and
 * /dev/dsm disappears; loading it again brings the device back.
 */
TEST(unload_while_open)
{
	const char *ko = getenv("DSM_MODULE");
	struct dsm_api api = { .api = DSM_API_VERSION };
	/* /dev/dsm comes and goes within 2 s (times the factor) */
	double wait = dsm_test_secs(2.0), t0;
	int fd, kfd;

	if (!ko)
		SKIP(return, "DSM_MODULE (path of dsm.ko) is not set");
	ASSERT_TRUE(module_loaded());
	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);

	EXPECT_EQ(-1, syscall(SYS_delete_module, "dsm", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(module_loaded());
	EXPECT_EQ(0, ioctl(fd, DSM_IOC_API, &api));

	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, syscall(SYS_delete_module, "dsm", O_NONBLOCK))
		TH_LOG("delete_module: %s", strerror(errno));
	EXPECT_FALSE(module_loaded());
	for (t0 = dsm_sync_now(); access(DSM_DEV, F_OK) == 0 &&
	     dsm_sync_now() - t0 < wait;)
		usleep(20000);
	EXPECT_NE(0, access(DSM_DEV, F_OK));

	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, kfd);
	ASSERT_EQ(0, syscall(SYS_finit_module, kfd, "", 0))
		TH_LOG("finit_module: %s", strerror(errno));
	close(kfd);
	for (t0 = dsm_sync_now(); access(DSM_DEV, F_OK) != 0 &&
	     dsm_sync_now() - t0 < wait;)
		usleep(20000);
	fd = open(DSM_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, DSM_IOC_API, &api));
	close(fd);
}

TEST_HARNESS_MAIN
