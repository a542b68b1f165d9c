/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * udp.c -- the plain UDP transport: datagrams on an application's socket
 * (connected or not), for every descriptor no other transport registered.
 */

#include <errno.h>
#include <sys/socket.h> /* also ssize_t and struct iovec (POSIX) */
#include <unistd.h>     /* close() */

#include "transport/transport.h"

static int udp_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		    const uint8_t *buf, size_t len)
{
	ssize_t n;

	(void)ctx;
	do {
		if (addr != NULL && addrlen > 0) {
			n = sendto(sock, buf, len, MSG_DONTWAIT, addr, addrlen);
		} else {
			n = send(sock, buf, len, MSG_DONTWAIT);
		}
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	/* A datagram goes out whole or not at all; anything else is a transport fault. */
	return (size_t)n == len ? 0 : -EIO;
}

static long udp_recv(void *ctx, int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		     socklen_t *srclen, bool *truncated)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {0};
	ssize_t n;

	(void)ctx;
	mh.msg_name = src;
	mh.msg_namelen = (socklen_t)sizeof(*src);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do {
		n = recvmsg(sock, &mh, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN : -errno;
	}
	/* MSG_TRUNC: the datagram was longer than the buffer (RFC 7959 §2.4 recovery). */
	*truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	*srclen = mh.msg_namelen;
	return (long)n;
}

static int udp_close(void *ctx, int sock)
{
	(void)ctx;
	/* Linux releases the descriptor even when close() reports EINTR. */
	if (close(sock) != 0 && errno != EINTR) {
		return -errno;
	}
	return 0;
}

const struct zc_transport_ops zc_transport_udp = {
    .name = "udp",
    .send = udp_send,
    .recv = udp_recv,
    .close = udp_close,
};
