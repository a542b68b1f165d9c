/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * udp.c -- datagrams on an application's UDP socket (connected or not).
 */

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "transport/transport.h"

int zc_transport_send(int sock, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
		      size_t len)
{
	ssize_t n;

	if (zc_dtls_owns(sock)) {
		return zc_dtls_send(sock, buf, len);
	}
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

long zc_transport_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		       socklen_t *srclen, bool *truncated)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {0};
	ssize_t n;

	if (zc_dtls_owns(sock)) {
		/* The session is bound to its peer; there is no other source to report. */
		*srclen = 0;
		return zc_dtls_recv(sock, buf, cap, truncated);
	}
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
