// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_perm - access control on one node (issue 13, item 4): /dev/dsm is
 * 0660, group dsm; a region's owner, group and mode, given with dsmctl
 * and shown by `region list -j`, decide who may mmap (read, write),
 * read, write, look it up (REGION_INFO) and use its locks and barriers;
 * the cluster-wide lock ids need CAP_SYS_ADMIN; the rights of a file
 * are its opener's; each region's locks are its own (API version 5), so
 * that a user holding its region's lock N delays nobody else's lock N.
 *
 * root (the test) creates the regions; each access is tried in a child
 * that drops to uid and gid DSM_TEST_UID, with or without the group dsm
 * (DSM_GID) as a supplementary group, and reports the errno it got.
 * Both outcomes are checked everywhere: a check that refused everything
 * would fail the "allowed" half, one that refused nothing the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dsm_test.h"
#include "dsm_shell.h"

#define NOT_RUN		250	/* the child could not become the user */
#define WRONG		251	/* something else than an errno went wrong */
#define LOCK_ID		4242
#define NS_WAIT		20	/* s, times the time factor: a free lock */

/* The regions, created by root in the fixture; see FIXTURE_SETUP. */
enum { R_OWN, R_GRP_RO, R_GRP_RW, R_ROOT, R_NR };

static const char *const names[R_NR] = {
	[R_OWN] = "perm-own",		/* owner the user, 0600 (group: the
					 * default, dsm: the owner's bits
					 * win over the group's) */
	[R_GRP_RO] = "perm-grp-ro",	/* root, group dsm, 0640 */
	[R_GRP_RW] = "perm-grp-rw",	/* root, group dsm, 0660 */
	[R_ROOT] = "perm-root",		/* root, group root, 0600 */
};

static unsigned int env_id(const char *var, unsigned int def)
{
	const char *s = getenv(var);

	return s && *s ? (unsigned int)strtoul(s, NULL, 10) : def;
}

static unsigned int test_uid(void)
{
	return env_id("DSM_TEST_UID", 1000);
}

static unsigned int dsm_gid(void)
{
	return env_id("DSM_GID", 990);
}

FIXTURE(perm) {
	uint64_t off[R_NR];
};

static int region_offset(const char *name, uint64_t *off)
{
	struct dsm_region_info ri = {};
	int fd = open(DSM_DEV, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	strcpy(ri.name, name);
	ret = ioctl(fd, DSM_IOC_REGION_INFO, &ri) ? -errno : 0;
	close(fd);
	*off = ri.offset;
	return ret;
}

FIXTURE_SETUP(perm)
{
	char out[1024];
	int i;

	ASSERT_EQ(0, geteuid()) TH_LOG("dsm_perm runs as root");
	ASSERT_EQ(0, dsm_sh(out, sizeof(out),
			    "for r in perm-own perm-grp-ro perm-grp-rw perm-root "
			    "perm-dflt; do dsmctl region delete $r >/dev/null "
			    "2>&1; done; "
			    "dsmctl region create perm-own size 64K owner %u mode 0600 && "
			    "dsmctl region create perm-grp-ro size 64K group dsm mode 640 && "
			    "dsmctl region create perm-grp-rw size 64K model lrc owner root "
			    "group %u mode 0660 && "
			    "dsmctl region create perm-root size 64K group 0 mode 0600",
			    test_uid(), dsm_gid())) TH_LOG("%s", out);
	for (i = 0; i < R_NR; i++)
		ASSERT_EQ(0, region_offset(names[i], &self->off[i]));
}

FIXTURE_TEARDOWN(perm)
{
	char out[1024];

	dsm_sh(out, sizeof(out),
	       "for r in perm-own perm-grp-ro perm-grp-rw perm-root perm-dflt; "
	       "do dsmctl region delete $r >/dev/null 2>&1; done");
}

/* What a child does as the user: 0 or the errno of the refusal. */
struct op {
	int (*fn)(const struct op *op);
	uint64_t off;
	const char *name;
	unsigned int flags;
};

/*
 * Start @op in a child as uid and gid DSM_TEST_UID, with group dsm as its
 * one supplementary group if @in_dsm (as root if @root). Its pid, or -1.
 */
static pid_t start_as(bool root, bool in_dsm, const struct op *op)
{
	gid_t g = dsm_gid();
	pid_t pid = fork();

	if (pid == 0) {
		if (!root && (setgroups(in_dsm ? 1 : 0, &g) ||
			      setgid(test_uid()) || setuid(test_uid()) ||
			      !getuid() || !geteuid()))
			_exit(NOT_RUN);
		_exit(op->fn(op));
	}
	return pid;
}

/* Run @op in a child as the user (see start_as()); its exit status. */
static int as_user(bool in_dsm, const struct op *op)
{
	pid_t pid = start_as(false, in_dsm, op);
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int open_dev(void)
{
	return open(DSM_DEV, O_RDWR | O_CLOEXEC);
}

static int op_open(const struct op *op)
{
	int fd = open_dev();

	(void)op;
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* mmap one page (@op->flags: PROT_*) and touch it as the mapping allows. */
static int op_mmap(const struct op *op)
{
	int fd = open_dev();
	volatile char *p;

	if (fd < 0)
		return WRONG;
	p = mmap(NULL, DSM_PAGE, op->flags, MAP_SHARED, fd, op->off);
	if (p == MAP_FAILED)
		return errno;
	if (op->flags & PROT_WRITE)
		p[1] = 'w';
	else
		(void)p[1];
	munmap((void *)p, DSM_PAGE);
	close(fd);
	return 0;
}

/* A read-only mapping cannot be made writable where writing is refused. */
static int op_mprotect(const struct op *op)
{
	int fd = open_dev(), ret = 0;
	void *p;

	if (fd < 0)
		return WRONG;
	p = mmap(NULL, DSM_PAGE, PROT_READ, MAP_SHARED, fd, op->off);
	if (p == MAP_FAILED)
		return WRONG;
	if (mprotect(p, DSM_PAGE, PROT_READ | PROT_WRITE))
		ret = errno;
	munmap(p, DSM_PAGE);
	close(fd);
	return ret;
}

static int op_rw(const struct op *op)
{
	char buf[16] = "permission test";
	int fd = open_dev();
	ssize_t n;

	if (fd < 0)
		return WRONG;
	n = op->flags ? pwrite(fd, buf, sizeof(buf), op->off + 64) :
			pread(fd, buf, sizeof(buf), op->off + 64);
	if (n < 0)
		return errno;
	close(fd);
	return n == sizeof(buf) ? 0 : WRONG;
}

static int op_info(const struct op *op)
{
	struct dsm_region_info ri = {};
	int fd = open_dev();

	if (fd < 0)
		return WRONG;
	strcpy(ri.name, op->name);
	if (ioctl(fd, DSM_IOC_REGION_INFO, &ri))
		return errno;
	close(fd);
	return ri.offset == op->off ? 0 : WRONG;
}

/*
 * Acquire and release lock LOCK_ID, then a barrier, with @op->flags as
 * dsm_sync.flags and @op->off as its reserved field.
 */
static int op_sync(const struct op *op)
{
	struct dsm_sync s = { .id = LOCK_ID, .flags = op->flags,
			      .reserved = op->off };
	int fd = open_dev();

	if (fd < 0)
		return WRONG;
	if (ioctl(fd, DSM_IOC_LOCK_ACQUIRE, &s))
		return errno;
	if (ioctl(fd, DSM_IOC_LOCK_RELEASE, &s))
		return WRONG;
	if (ioctl(fd, DSM_IOC_BARRIER, &s))
		return WRONG;
	close(fd);
	return 0;
}

/* The device: 0660, root's, group dsm, as udev (or the guest's init) does. */
TEST_F(perm, device_mode_and_group)
{
	struct op o = { .fn = op_open };
	struct stat st;

	ASSERT_EQ(0, stat(DSM_DEV, &st));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(dsm_gid(), st.st_gid);
	EXPECT_EQ(EACCES, as_user(false, &o)) TH_LOG("open without group dsm");
	EXPECT_EQ(0, as_user(true, &o)) TH_LOG("open with group dsm");
}

/* What dsmctl was told is what every reader sees, and the defaults. */
TEST_F(perm, dsmctl_list_shows_permissions)
{
	char out[4096];

	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j region list | jq -e '"
			    "(.[] | select(.name == \"perm-own\") | "
			    ".uid == %u and .gid == %u and .mode == \"0600\") and "
			    "(.[] | select(.name == \"perm-grp-ro\") | "
			    ".uid == 0 and .gid == %u and .mode == \"0640\") and "
			    "(.[] | select(.name == \"perm-grp-rw\") | "
			    ".uid == 0 and .gid == %u and .mode == \"0660\") and "
			    "(.[] | select(.name == \"default\") | "
			    ".uid == 0 and .gid == %u and .mode == \"0660\")'",
			    test_uid(), dsm_gid(), dsm_gid(), dsm_gid(),
			    dsm_gid()))
		TH_LOG("%s", out);
	/* Created without them: the default region's owner, group, mode. */
	EXPECT_EQ(0, dsm_sh(out, sizeof(out),
			    "dsmctl -j region create perm-dflt size 4K | jq -e "
			    "'.uid == 0 and .gid == %u and .mode == \"0660\"'",
			    dsm_gid())) TH_LOG("%s", out);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region show perm-own"));
	EXPECT_NE(NULL, strstr(out, "mode 0600")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "owner 1000")) TH_LOG("%s", out);
	/* Refused by dsmctl itself (exit 2), before the kernel. */
	EXPECT_EQ(2, dsm_sh(out, sizeof(out),
			    "dsmctl region create perm-x size 4K mode 1777"));
	EXPECT_EQ(2, dsm_sh(out, sizeof(out),
			    "dsmctl region create perm-x size 4K owner nosuchuser"));
	EXPECT_NE(NULL, strstr(out, "give a number")) TH_LOG("%s", out);
	EXPECT_EQ(2, dsm_sh(out, sizeof(out),
			    "dsmctl region create perm-x size 4K group 4294967295"));
}

/* mmap: read needs r, a writable mapping w; both ways for each region. */
TEST_F(perm, mmap)
{
	struct op r = { .fn = op_mmap, .flags = PROT_READ };
	struct op w = { .fn = op_mmap, .flags = PROT_READ | PROT_WRITE };
	struct op up = { .fn = op_mprotect };

	r.off = w.off = up.off = self->off[R_OWN];
	EXPECT_EQ(0, as_user(true, &r)) TH_LOG("owner reads");
	EXPECT_EQ(0, as_user(true, &w)) TH_LOG("owner writes");
	EXPECT_EQ(0, as_user(true, &up)) TH_LOG("owner makes it writable");
	r.off = w.off = up.off = self->off[R_GRP_RO];
	EXPECT_EQ(0, as_user(true, &r)) TH_LOG("group reads");
	EXPECT_EQ(EACCES, as_user(true, &w)) TH_LOG("group may not write");
	EXPECT_EQ(EACCES, as_user(true, &up)) TH_LOG("no mprotect to write");
	r.off = w.off = self->off[R_GRP_RW];
	EXPECT_EQ(0, as_user(true, &w)) TH_LOG("group writes");
	r.off = w.off = self->off[R_ROOT];
	EXPECT_EQ(EACCES, as_user(true, &r)) TH_LOG("others may not read");
	EXPECT_EQ(EACCES, as_user(true, &w)) TH_LOG("others may not write");
	/* The default region: group dsm reads and writes. */
	r.off = w.off = 32UL << 20;
	EXPECT_EQ(0, as_user(true, &w)) TH_LOG("default region, group dsm");
}

TEST_F(perm, read_write)
{
	struct op rd = { .fn = op_rw, .flags = 0 };
	struct op wr = { .fn = op_rw, .flags = 1 };
	char buf[16];
	int fd;

	rd.off = wr.off = self->off[R_OWN];
	EXPECT_EQ(0, as_user(true, &wr)) TH_LOG("owner writes");
	EXPECT_EQ(0, as_user(true, &rd)) TH_LOG("owner reads");
	rd.off = wr.off = self->off[R_GRP_RO];
	EXPECT_EQ(0, as_user(true, &rd)) TH_LOG("group reads");
	EXPECT_EQ(EACCES, as_user(true, &wr)) TH_LOG("group may not write");
	rd.off = wr.off = self->off[R_ROOT];
	EXPECT_EQ(EACCES, as_user(true, &rd)) TH_LOG("others may not read");
	EXPECT_EQ(EACCES, as_user(true, &wr)) TH_LOG("others may not write");
	/* root may (CAP_DAC_OVERRIDE), and the refused write wrote nothing */
	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(buf, 1, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(fd, buf, sizeof(buf), self->off[R_ROOT] + 64));
	EXPECT_EQ(0, buf[0]);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(fd, buf, sizeof(buf), self->off[R_OWN] + 64));
	EXPECT_EQ(0, memcmp(buf, "permission test", sizeof(buf)));
	close(fd);
}

TEST_F(perm, region_info)
{
	struct op o = { .fn = op_info };

	o.name = names[R_GRP_RO];
	o.off = self->off[R_GRP_RO];
	EXPECT_EQ(0, as_user(true, &o)) TH_LOG("group may look it up");
	o.name = names[R_OWN];
	o.off = self->off[R_OWN];
	EXPECT_EQ(0, as_user(true, &o)) TH_LOG("owner may look it up");
	o.name = names[R_ROOT];
	o.off = self->off[R_ROOT];
	EXPECT_EQ(EACCES, as_user(true, &o)) TH_LOG("others may not");
	o.name = "perm-no-such-region";
	EXPECT_EQ(ENOENT, as_user(true, &o));
}

/*
 * A region's locks and barriers need write permission on it; the
 * cluster-wide ids (no DSM_SYNC_F_REGION) CAP_SYS_ADMIN.
 */
TEST_F(perm, locks_and_barriers)
{
	struct op o = { .fn = op_sync, .flags = DSM_SYNC_F_REGION };

	o.off = self->off[R_GRP_RW];
	EXPECT_EQ(0, as_user(true, &o)) TH_LOG("group writer locks");
	o.off = self->off[R_OWN];
	EXPECT_EQ(0, as_user(true, &o)) TH_LOG("owner locks");
	o.off = self->off[R_GRP_RO];
	EXPECT_EQ(EACCES, as_user(true, &o)) TH_LOG("a reader may not lock");
	o.off = self->off[R_ROOT];
	EXPECT_EQ(EACCES, as_user(true, &o)) TH_LOG("others may not lock");
	o.off = self->off[R_GRP_RW] + DSM_PAGE;
	EXPECT_EQ(ENXIO, as_user(true, &o)) TH_LOG("not a region's start");
	o.flags = 0;
	o.off = 0;
	EXPECT_EQ(EPERM, as_user(true, &o)) TH_LOG("global ids: admin only");
	o.flags = 2;
	EXPECT_EQ(EINVAL, as_user(true, &o)) TH_LOG("unknown flag");
	o.flags = 0;
	o.off = self->off[R_GRP_RW];
	EXPECT_EQ(EINVAL, as_user(true, &o)) TH_LOG("offset without the flag");
	/* root: a region's lock, and a global one */
	o.flags = DSM_SYNC_F_REGION;
	o.off = self->off[R_ROOT];
	EXPECT_EQ(0, op_sync(&o));
	o.flags = 0;
	o.off = 0;
	EXPECT_EQ(0, op_sync(&o));
}

/*
 * Namespaces: op_hold takes region @op->off's lock LOCK_ID, says so on
 * ns_held, and holds it until ns_go says go (or closes); op_lock_once
 * takes and releases lock LOCK_ID of @op->flags/@op->off and says so on
 * ns_got when it has it.
 */
static int ns_held[2], ns_go[2], ns_got[2];

static int op_hold(const struct op *op)
{
	struct dsm_sync s = { .id = LOCK_ID, .flags = DSM_SYNC_F_REGION,
			      .reserved = op->off };
	int fd = open_dev();
	char c;

	if (fd < 0)
		return WRONG;
	if (ioctl(fd, DSM_IOC_LOCK_ACQUIRE, &s))
		return errno;
	if (write(ns_held[1], "h", 1) != 1 || read(ns_go[0], &c, 1) < 0)
		return WRONG;
	if (ioctl(fd, DSM_IOC_LOCK_RELEASE, &s))
		return WRONG;
	close(fd);
	return 0;
}

static int op_lock_once(const struct op *op)
{
	struct dsm_sync s = { .id = LOCK_ID, .flags = op->flags,
			      .reserved = op->off };
	int fd = open_dev();

	if (fd < 0)
		return WRONG;
	if (ioctl(fd, DSM_IOC_LOCK_ACQUIRE, &s))
		return errno;
	if (write(ns_got[1], "g", 1) != 1)
		return WRONG;
	if (ioctl(fd, DSM_IOC_LOCK_RELEASE, &s))
		return WRONG;
	close(fd);
	return 0;
}

/* Has a byte come on @fd (non-blocking)? */
static bool byte_came(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/*
 * The user holds lock LOCK_ID of its region perm-grp-rw. Lock LOCK_ID of
 * another region (perm-own) and the cluster-wide LOCK_ID (root) are
 * other locks: granted at once, also to root. Region perm-grp-rw's own
 * LOCK_ID, asked for by root, is granted only after the user released
 * it. With API version 4 all three were one lock.
 */
TEST_F(perm, region_namespaces)
{
	struct op hold = { .fn = op_hold, .off = self->off[R_GRP_RW] };
	struct op once = { .fn = op_lock_once, .flags = DSM_SYNC_F_REGION };
	pid_t holder, same;
	char c;
	int st;

	ASSERT_EQ(0, pipe(ns_held));
	ASSERT_EQ(0, pipe(ns_go));
	ASSERT_EQ(0, pipe2(ns_got, O_NONBLOCK));
	holder = start_as(false, true, &hold);
	ASSERT_LT(0, holder);
	ASSERT_EQ(1, read(ns_held[0], &c, 1)) TH_LOG("the holder never held");

	once.off = self->off[R_OWN];
	st = dsm_wait_child(start_as(false, true, &once), NS_WAIT);
	EXPECT_EQ(0, st) TH_LOG("the user's lock %d of perm-own waited for the same id of perm-grp-rw (%d; -1: not granted in %d s)",
				LOCK_ID, st, NS_WAIT);
	EXPECT_TRUE(byte_came(ns_got[0]));
	st = dsm_wait_child(start_as(true, false, &once), NS_WAIT);
	EXPECT_EQ(0, st) TH_LOG("root's lock %d of perm-own: %d", LOCK_ID, st);
	EXPECT_TRUE(byte_came(ns_got[0]));
	once.flags = 0;
	once.off = 0;
	st = dsm_wait_child(start_as(true, false, &once), NS_WAIT);
	EXPECT_EQ(0, st) TH_LOG("the cluster-wide lock %d waited for a region's (%d)",
				LOCK_ID, st);
	EXPECT_TRUE(byte_came(ns_got[0]));

	/* The held lock itself: not granted before the holder lets go. */
	once.flags = DSM_SYNC_F_REGION;
	once.off = self->off[R_GRP_RW];
	same = start_as(true, false, &once);
	ASSERT_LT(0, same);
	EXPECT_EQ(0, waitpid(same, &st, WNOHANG));
	EXPECT_FALSE(byte_came(ns_got[0])) TH_LOG("granted while held");
	ASSERT_EQ(1, write(ns_go[1], "g", 1));
	EXPECT_EQ(0, dsm_wait_child(holder, NS_WAIT));
	EXPECT_EQ(0, dsm_wait_child(same, NS_WAIT));
	EXPECT_TRUE(byte_came(ns_got[0]));
	close(ns_held[0]);
	close(ns_held[1]);
	close(ns_go[0]);
	close(ns_go[1]);
	close(ns_got[0]);
	close(ns_got[1]);
}

/* Send @fd over @sock (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int sock_for_child = -1;

static int op_send_fd(const struct op *op)
{
	int fd = open_dev();

	(void)op;
	if (fd < 0)
		return errno;
	return send_fd(sock_for_child, fd) ? WRONG : 0;
}

/*
 * A file carries its opener's rights: root, given the user's file, can
 * do with it only what the user could (as /proc/pid/mem and sg learnt),
 * and its own file still has root's.
 */
TEST_F(perm, opener_credentials)
{
	struct op o = { .fn = op_send_fd };
	struct dsm_sync s = { .id = LOCK_ID };
	int sv[2], fd;
	char buf[8];
	void *p;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	sock_for_child = sv[1];
	ASSERT_EQ(0, as_user(true, &o));
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), self->off[R_ROOT]));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, DSM_PAGE, PROT_READ, MAP_SHARED, fd,
				   self->off[R_ROOT]));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, ioctl(fd, DSM_IOC_LOCK_ACQUIRE, &s));
	EXPECT_EQ(EPERM, errno);
	/* what the user may, root may through it */
	p = mmap(NULL, DSM_PAGE, PROT_READ, MAP_SHARED, fd,
		 self->off[R_GRP_RO]);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, DSM_PAGE);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)sizeof(buf),
		  pread(fd, buf, sizeof(buf), self->off[R_ROOT]));
	close(fd);
}

/* A mapped region cannot be deleted; unmapped, it can. */
TEST_F(perm, mapped_region_not_deleted)
{
	char out[1024];
	int fd = open(DSM_DEV, O_RDWR | O_CLOEXEC);
	void *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, DSM_PAGE, PROT_READ, MAP_SHARED, fd,
		 self->off[R_ROOT]);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(1, dsm_sh(out, sizeof(out), "dsmctl region delete perm-root"));
	EXPECT_NE(NULL, strstr(out, "unmap it first")) TH_LOG("%s", out);
	munmap(p, DSM_PAGE);
	EXPECT_EQ(0, dsm_sh(out, sizeof(out), "dsmctl region delete perm-root"))
		TH_LOG("%s", out);
	close(fd);
}

TEST_HARNESS_MAIN
