// SPDX-License-Identifier: GPL-2.0
/*
 * dsm_key.c - the cluster key file (dsm_key.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsm_key.h"

int dsm_auth_random(void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom((char *)buf + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dsm_key_parse(const char *text, size_t len, uint8_t key[DSM_KEY_BYTES])
{
	size_t i;
	int hi, lo;

	if (len < 2 * DSM_KEY_BYTES)
		return -1;
	for (i = 0; i < DSM_KEY_BYTES; i++) {
		hi = hexval((unsigned char)text[2 * i]);
		lo = hexval((unsigned char)text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	for (i = 2 * DSM_KEY_BYTES; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return -1;
	return 0;
}

/* Permissions of the open key file @fd; 0, or -1 with @err set. */
static int key_mode_ok(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(err, errlen, "cluster key %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cluster key %s is not a regular file",
			 path);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "cluster key %s is accessible by group or others (mode %04o); run 'chmod 600 %s' (and make a new key if others may have read it)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "cluster key %s is owned by uid %u, not by uid %u that reads it; run 'chown %u %s'",
			 path, (unsigned int)st.st_uid,
			 (unsigned int)geteuid(), (unsigned int)geteuid(), path);
		return -1;
	}
	return 0;
}

int dsm_key_load(const char *path, uint8_t key[DSM_KEY_BYTES], char *err,
		 size_t errlen)
{
	char text[2 * DSM_KEY_TEXT];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen,
			 "cannot read the cluster key %s: %s; make one with 'dsmctl key generate %s' and copy it to every node, or set 'auth none' on a trusted network",
			 path, strerror(errno), path);
		return -1;
	}
	if (key_mode_ok(fd, path, err, errlen)) {
		close(fd);
		return -1;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read the cluster key %s: %s",
			 path, strerror(errno));
		return -1;
	}
	if ((size_t)n == sizeof(text) || dsm_key_parse(text, n, key)) {
		snprintf(err, errlen,
			 "cluster key %s is not one line of %d hexadecimal digits (%d random bytes); make one with 'dsmctl key generate'",
			 path, 2 * DSM_KEY_BYTES, DSM_KEY_BYTES);
		return -1;
	}
	return 0;
}

static int key_write(int fd, char *err, size_t errlen, const char *path)
{
	uint8_t key[DSM_KEY_BYTES];
	char text[DSM_KEY_TEXT + 1];
	int i, ret;

	ret = dsm_auth_random(key, sizeof(key));
	if (ret) {
		snprintf(err, errlen, "getrandom: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < DSM_KEY_BYTES; i++)
		snprintf(text + 2 * i, 3, "%02x", key[i]);
	text[2 * DSM_KEY_BYTES] = '\n';
	memset(key, 0, sizeof(key));
	if (write(fd, text, DSM_KEY_TEXT) != DSM_KEY_TEXT || fsync(fd)) {
		ret = -(errno ? errno : EIO);
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(-ret));
	}
	memset(text, 0, sizeof(text));
	return ret;
}

int dsm_key_generate(const char *path, bool force, char *err, size_t errlen)
{
	char tmp[4096];
	const char *target = path;
	int fd, ret;

	err[0] = '\0';
	if (force) {
		if (snprintf(tmp, sizeof(tmp), "%s.new", path) >=
		    (int)sizeof(tmp)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -ENAMETOOLONG;
		}
		unlink(tmp);
		target = tmp;
	}
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, ret == -EEXIST ?
			 "%s exists; it may be the cluster's key: use --force to replace it" :
			 "cannot create %s: %s", target, strerror(-ret));
		return ret;
	}
	/* The mode asked for at creation is masked by the umask: set it. */
	ret = fchmod(fd, 0600) ? -errno : key_write(fd, err, errlen, target);
	close(fd);
	if (!ret && force && rename(tmp, path))
		ret = -errno;
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		unlink(target);
	}
	return ret;
}
