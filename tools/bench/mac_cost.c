// SPDX-License-Identifier: GPL-2.0
/*
 * mac_cost - what a frame tag costs per 4 KiB page, measured on the
 * guest kernel's own hmac(sha256), the transform dsm.ko seals and opens
 * every frame with (kmod/core/dsm_auth.c, Documentation/protocol.md).
 *
 *   vcluster run -n 1 --copy build/bench/mac_cost -- ./mac_cost
 *
 * It reaches the transform through AF_ALG (algif_hash), keyed with a
 * 32-byte key like a session key, and times SAMPLES rounds of: write a
 * message, read the 32-byte MAC. Each round also pays two system calls
 * and the copy of the message into the kernel, which dsm.ko does not
 * pay; timing the same rounds with a 32-byte message (a frame header)
 * and subtracting leaves what 4 KiB more of data costs the transform:
 * the MAC's share of a page frame. A grant is sealed once by the sender
 * and opened once by the receiver, so a remote fault pays it twice.
 */
#include <errno.h>
#include <linux/if_alg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES		2000
#define PAGE		4096
#define HDR		32
#define KEY_SIZE	32
#define TAG_SIZE	32

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One MAC of @len bytes of @buf on @op; 0 or -1 (errno set). */
static int mac_once(int op, const unsigned char *buf, size_t len,
		    unsigned char *tag)
{
	if (write(op, buf, len) != (ssize_t)len)
		return -1;
	if (read(op, tag, TAG_SIZE) != TAG_SIZE) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* Median time in us of one MAC of @len bytes, over SAMPLES rounds. */
static double median_us(int op, const unsigned char *buf, size_t len)
{
	static double t[SAMPLES];
	unsigned char tag[TAG_SIZE];
	double t0;
	int i;

	for (i = 0; i < SAMPLES / 10; i++)	/* warm-up */
		if (mac_once(op, buf, len, tag))
			return -1;
	for (i = 0; i < SAMPLES; i++) {
		t0 = now_us();
		if (mac_once(op, buf, len, tag))
			return -1;
		t[i] = now_us() - t0;
	}
	qsort(t, SAMPLES, sizeof(t[0]), cmp_double);
	return t[SAMPLES / 2];
}

int main(void)
{
	struct sockaddr_alg sa = {
		.salg_family = AF_ALG,
		.salg_type = "hash",
		.salg_name = "hmac(sha256)",
	};
	static unsigned char buf[PAGE];
	unsigned char key[KEY_SIZE];
	double hdr, page;
	int tfm, op;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 31);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key))) {
		perror("mac_cost: AF_ALG hmac(sha256) (is algif_hash loaded?)");
		return 1;
	}
	op = accept(tfm, NULL, NULL);
	if (op < 0) {
		perror("mac_cost: accept");
		return 1;
	}
	hdr = median_us(op, buf, HDR);
	page = median_us(op, buf, PAGE);
	if (hdr < 0 || page < 0) {
		perror("mac_cost: hmac(sha256)");
		return 1;
	}
	printf("mac_cost: kernel hmac(sha256), %d rounds each, medians\n",
	       SAMPLES);
	printf("hdr    %4d bytes %8.1f us per MAC (with 2 syscalls)\n", HDR, hdr);
	printf("page   %4d bytes %8.1f us per MAC (with 2 syscalls)\n", PAGE,
	       page);
	printf("mac per 4 KiB page %.1f us (page - hdr); a remote fault "
	       "seals and opens one: %.1f us\n", page - hdr, 2 * (page - hdr));
	close(op);
	close(tfm);
	return 0;
}
