// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_map - single-node semantics of mappings of /dev/dsm: read and write
 * coherent with mappings, several mappings and processes sharing one
 * copy, fork, mprotect, mremap, the documented refusals, and module unload
 * refused while a mapping lives. Runs on one node (the page's home is the
 * node itself), so every access is local.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"

#define OFF	(16UL << 20)	/* a range of the default region of its own */

FIXTURE(map) {
	int fd;
};

FIXTURE_SETUP(map)
{
	self->fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(map)
{
	close(self->fd);
}

TEST_F(map, feature_bit)
{
	struct dsm_api api = { .api = DSM_API_VERSION };

	ASSERT_EQ(0, ioctl(self->fd, DSM_IOC_API, &api));
	EXPECT_TRUE(api.features & DSM_FEATURE_MAP_SC);
}

TEST_F(map, private_refused)
{
	EXPECT_EQ(MAP_FAILED, mmap(NULL, DSM_PAGE, PROT_READ, MAP_PRIVATE,
				   self->fd, OFF));
	EXPECT_EQ(EINVAL, errno);
}

/* A range must lie inside one region: the default one ends at 256 MiB. */
TEST_F(map, beyond_region_refused)
{
	size_t end = DSM_DEFAULT_REGION_SIZE;

	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * DSM_PAGE, PROT_READ, MAP_SHARED,
				   self->fd, end - DSM_PAGE));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, DSM_PAGE, PROT_READ, MAP_SHARED,
				   self->fd, DSM_FAR_OFFSET));
	EXPECT_EQ(ENXIO, errno);
}

TEST_F(map, write_then_read_and_map)
{
	char buf[100], *p;

	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf),
					       OFF + 10));
	p = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, OFF);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p + 10, buf, sizeof(buf)));
	/* a store through the mapping is seen by pread at once */
	p[10] = 'b';
	ASSERT_EQ(1, pread(self->fd, buf, 1, OFF + 10));
	EXPECT_EQ('b', buf[0]);
	/* a read across a page boundary, through lseek and read */
	ASSERT_EQ((off_t)(OFF + DSM_PAGE - 50),
		  lseek(self->fd, OFF + DSM_PAGE - 50, SEEK_SET));
	ASSERT_EQ(100, read(self->fd, buf, 100));
	EXPECT_EQ((off_t)(OFF + DSM_PAGE + 50), lseek(self->fd, 0, SEEK_CUR));
	munmap(p, DSM_PAGE);
}

/* A read stops at the end of the region; beyond it is ENXIO. */
TEST_F(map, read_at_region_end)
{
	char buf[64];

	EXPECT_EQ(32, pread(self->fd, buf, sizeof(buf),
			    DSM_DEFAULT_REGION_SIZE - 32));
	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf),
			    DSM_DEFAULT_REGION_SIZE));
	EXPECT_EQ(ENXIO, errno);
}

/* Two mappings of one offset (and a forked child) share one copy. */
TEST_F(map, two_mappings_and_fork)
{
	volatile uint64_t *a, *b;
	int status;
	pid_t pid;

	a = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, OFF + DSM_PAGE);
	b = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, OFF + DSM_PAGE);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	a[0] = 7;
	EXPECT_EQ(7, b[0]);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		b[1] = 99;
		_exit(a[0] == 7 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(99, a[1]);
	munmap((void *)a, DSM_PAGE);
	munmap((void *)b, DSM_PAGE);
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, sig);
}

/* mprotect works as on any shared file mapping. */
TEST_F(map, mprotect)
{
	volatile char *p;
	int sig;

	p = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, OFF + 2 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, mprotect((void *)p, DSM_PAGE, PROT_READ));
	signal(SIGSEGV, on_segv);
	sig = sigsetjmp(segv_jmp, 1);
	if (!sig)
		p[0] = 2;
	signal(SIGSEGV, SIG_DFL);
	EXPECT_EQ(SIGSEGV, sig);
	EXPECT_EQ(1, p[0]);
	ASSERT_EQ(0, mprotect((void *)p, DSM_PAGE, PROT_READ | PROT_WRITE));
	p[0] = 3;
	EXPECT_EQ(3, p[0]);
	munmap((void *)p, DSM_PAGE);
}

/* mremap may move or shrink a mapping, never grow it. */
TEST_F(map, mremap)
{
	char *p, *q;

	p = mmap(NULL, 2 * DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, OFF + 4 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	p[DSM_PAGE] = 'm';
	q = mremap(p, 2 * DSM_PAGE, 4 * DSM_PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(p, 2 * DSM_PAGE, DSM_PAGE, 0);
	ASSERT_EQ(p, q);
	q = mmap(NULL, 2 * DSM_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	p = mmap(NULL, 2 * DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, OFF + 4 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(p, 2 * DSM_PAGE, 2 * DSM_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   q);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ('m', q[DSM_PAGE]);
	munmap(q, 2 * DSM_PAGE);
}

/* A live mapping holds the module: unloading fails and changes nothing. */
TEST(unload_with_mapping_refused)
{
	volatile uint64_t *p;
	int fd;

	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, DSM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 OFF + 8 * DSM_PAGE);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	p[0] = 5;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "dsm", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(5, p[0]);
	p[0] = 6;
	EXPECT_EQ(6, p[0]);
	munmap((void *)p, DSM_PAGE);
}

TEST_HARNESS_MAIN
