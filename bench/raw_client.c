/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * raw_client.c -- the physical limit: the same CoAP datagrams as the
 * libraries send, over a connected UDP socket, with nothing but send + recv
 * and the checks any client must make (MID, token, code).
 *
 * Usage: zbench_raw seq <port> <n>     n sequential CON GETs of "t"
 *        zbench_raw block <port>       1 MiB of "big", one 1024-byte block at a time
 *        zbench_raw blockpoll <port>   the same, waiting like an event loop: poll() on an
 *                                      eventfd and the socket, non-blocking recvmsg()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "bench_common.h"

static const uint8_t token[8] = {0x5a, 0x11, 0xc0, 0xa9, 0x3e, 0x07, 0xd2, 0x81};

/*
 * evfd >= 0: wait like an event loop that watches more than one descriptor
 * (as zcoap's thread does: its wake-up eventfd and the request sockets):
 * poll() both, then a non-blocking recvmsg() with the source address,
 * instead of one blocking recv().
 */
static ssize_t recv_one(int fd, int evfd, uint8_t *buf, size_t cap)
{
	struct sockaddr_storage src;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {0};

	if (evfd < 0) {
		return recv(fd, buf, cap, 0);
	}
	mh.msg_name = &src;
	mh.msg_namelen = sizeof(src);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (;;) {
		struct pollfd p[2] = {{.fd = evfd, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			return n;
		}
		if (poll(p, 2, 5000) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

static size_t recv_reply(int fd, int evfd, uint8_t *buf, size_t cap, uint16_t mid)
{
	for (;;) {
		ssize_t n = recv_one(fd, evfd, buf, cap);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			zbench_die("raw: recv: %s", strerror(errno));
		}
		/* ACK (type 2), same MID, same token, 2.05. Anything else is a stray: skip. */
		if (n >= 12 && buf[0] == 0x68 && buf[2] == (uint8_t)(mid >> 8) &&
		    buf[3] == (uint8_t)mid && memcmp(buf + 4, token, 8) == 0) {
			if (buf[1] != 0x45) {
				zbench_die("raw: response code %u.%02u", buf[1] >> 5, buf[1] & 31U);
			}
			return (size_t)n;
		}
	}
}

static void run_seq(int fd, unsigned long n)
{
	/* CON GET, TKL 8, MID, token, Uri-Path "t": 14 bytes, as zcoap and libcoap send. */
	uint8_t req[14] = {0x48, 0x01, 0, 0};
	uint8_t buf[1500];
	uint16_t mid = 0x1000;
	uint64_t t0;
	uint64_t c0;

	memcpy(req + 4, token, 8);
	req[12] = 0xB1; /* delta 11 (Uri-Path), length 1 */
	req[13] = 't';
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	for (unsigned long i = 0; i < n; i++) {
		mid++;
		req[2] = (uint8_t)(mid >> 8);
		req[3] = (uint8_t)mid;
		if (send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
			zbench_die("raw: send: %s", strerror(errno));
		}
		(void)recv_reply(fd, -1, buf, sizeof(buf), mid);
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, n);
}

/* Walk of our responder's answer: Block2 and payload (no CoAP library here: this is the floor). */
static const uint8_t *find_block2(const uint8_t *d, size_t len, uint32_t *block2, size_t *plen)
{
	size_t pos = 12;
	uint32_t number = 0;
	bool have = false;

	while (pos < len && d[pos] != 0xFF) {
		uint32_t delta = d[pos] >> 4;
		uint32_t vlen = d[pos] & 15U;

		pos++;
		if (delta == 13U) {
			delta = d[pos++] + 13U;
		} else if (delta > 13U) {
			zbench_die("raw: unexpected option encoding");
		}
		if (vlen > 12U || pos + vlen > len) {
			zbench_die("raw: bad option");
		}
		number += delta;
		if (number == 23U) {
			*block2 = 0;
			for (uint32_t i = 0; i < vlen; i++) {
				*block2 = *block2 << 8 | d[pos + i];
			}
			have = true;
		}
		pos += vlen;
	}
	if (!have || pos + 1U >= len) {
		zbench_die("raw: block response without Block2 or payload");
	}
	*plen = len - pos - 1U;
	return d + pos + 1U;
}

static void run_block(int fd, int evfd)
{
	/* CON GET "big" with Block2 (delta 12 after Uri-Path 11), NUM < 2^12. */
	uint8_t req[24] = {0x48, 0x01, 0, 0};
	uint8_t buf[1500];
	uint8_t *body = calloc(1, ZBENCH_BODY_SIZE);
	uint16_t mid = 0x2000;
	size_t have = 0;
	bool more = true;
	uint64_t t0;
	uint64_t c0;
	unsigned long blocks = 0;

	if (body == NULL) {
		zbench_die("raw: out of memory");
	}
	memcpy(req + 4, token, 8);
	req[12] = 0xB3; /* Uri-Path, length 3 */
	memcpy(req + 13, "big", 3);
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	for (uint32_t num = 0; more; num++) {
		uint32_t v = num << 4 | 6U; /* SZX 6 = 1024 bytes */
		size_t len = 16;
		size_t n;
		size_t plen;
		uint32_t block2 = 0;
		const uint8_t *payload;

		mid++;
		req[2] = (uint8_t)(mid >> 8);
		req[3] = (uint8_t)mid;
		if (v < 0x100U) {
			req[len++] = 0xC1;
			req[len++] = (uint8_t)v;
		} else if (v < 0x10000U) {
			req[len++] = 0xC2;
			req[len++] = (uint8_t)(v >> 8);
			req[len++] = (uint8_t)v;
		} else {
			req[len++] = 0xC3;
			req[len++] = (uint8_t)(v >> 16);
			req[len++] = (uint8_t)(v >> 8);
			req[len++] = (uint8_t)v;
		}
		if (send(fd, req, len, 0) != (ssize_t)len) {
			zbench_die("raw: send: %s", strerror(errno));
		}
		n = recv_reply(fd, evfd, buf, sizeof(buf), mid);
		payload = find_block2(buf, n, &block2, &plen);
		if (block2 >> 4 != num || have + plen > ZBENCH_BODY_SIZE) {
			zbench_die("raw: unexpected block");
		}
		memcpy(body + have, payload, plen);
		have += plen;
		more = (block2 & 8U) != 0;
		blocks++;
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, blocks);
	if (!zbench_body_ok(body, have)) {
		exit(1);
	}
	free(body);
}

int main(int argc, char **argv)
{
	struct timeval tv = {.tv_sec = 5};
	int fd;

	if (argc < 3) {
		zbench_die("usage: %s seq <port> <n> | block <port> | blockpoll <port>", argv[0]);
	}
	fd = zbench_connect((uint16_t)zbench_arg(argv[2], "port"));
	/* Loopback does not lose datagrams; a stuck run should still end. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (strcmp(argv[1], "seq") == 0 && argc == 4) {
		run_seq(fd, zbench_arg(argv[3], "n"));
	} else if (strcmp(argv[1], "block") == 0) {
		run_block(fd, -1);
	} else if (strcmp(argv[1], "blockpoll") == 0) {
		int evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		if (evfd < 0) {
			zbench_die("raw: eventfd: %s", strerror(errno));
		}
		run_block(fd, evfd);
	} else {
		zbench_die("usage: %s seq <port> <n> | block <port> | blockpoll <port>", argv[0]);
	}
	return 0;
}
