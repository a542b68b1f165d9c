/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * udp.c -- the plain UDP transport: datagrams on an application's socket
 * (connected or not), for every descriptor no other transport registered.
 */

#include <errno.h>
#include <sys/socket.h> /* also ssize_t and struct iovec (POSIX) */
#include <unistd.h>     /* close() */

#include "port/port.h"
#include "transport/transport.h"

/* Writing to a stream socket whose peer closed raises SIGPIPE unless asked not to. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* Sends of one datagram with an address, when pending errors of other endpoints fail them. */
#define SEND_TRIES 4

/* Error-queue entries looked at per call that carry no error (e.g. timestamps). */
#define ERRQUEUE_SKIP_MAX 16

static int udp_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		    const uint8_t *buf, size_t len)
{
	ssize_t n;

	(void)ctx;
	/*
	 * MSG_NOSIGNAL: the client refuses stream sockets (udp_check), but a
	 * descriptor number can be closed and reused for one behind its back;
	 * a library must never kill its application with SIGPIPE.
	 */
	if (addr != NULL && addrlen > 0) {
		/*
		 * On an unconnected socket with IP_RECVERR, a send fails with the
		 * pending error of an ICMP message about another endpoint (and
		 * takes it). That error is not this datagram's: the error queue
		 * still holds it with its address for the receive thread, so send
		 * again. An error of this send itself (no route) comes back again.
		 */
		int tries = 0;

		do {
			n = sendto(sock, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, addr, addrlen);
		} while (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			 (errno == EINTR || ++tries < SEND_TRIES));
	} else {
		do {
			n = send(sock, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		} while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	/* A datagram goes out whole or not at all; anything else is a transport fault. */
	return (size_t)n == len ? 0 : -EIO;
}

/* SO_TYPE of @p sock, or a negative errno. */
static int socket_type(int sock)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
		return -errno;
	}
	return type;
}

long zc_udp_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		 socklen_t *srclen, bool *truncated)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {0};
	ssize_t n;

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
	/*
	 * A datagram socket always names the source, also of an empty datagram;
	 * nothing with no source is a stream socket at end of file: its peer
	 * closed, and every further read returns 0 at once (a busy loop if it
	 * were taken for an empty datagram). Checked only on this rare path.
	 */
	if (n == 0 && mh.msg_namelen == 0 && socket_type(sock) != SOCK_DGRAM) {
		return -ECONNRESET;
	}
	/* MSG_TRUNC: the datagram was longer than the buffer (RFC 7959 §2.4 recovery). */
	*truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	*srclen = mh.msg_namelen;
	return (long)n;
}

static long udp_recv(void *ctx, int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		     socklen_t *srclen, bool *truncated)
{
	(void)ctx;
	return zc_udp_recv(sock, buf, cap, src, srclen, truncated);
}

/*
 * An error that names no address concerns a connected socket's one peer,
 * which every exchange on it talks to; on an unconnected socket it names
 * nobody (Linux reports ICMP errors there only with IP_RECVERR, which also
 * queues the address, read by udp_error()).
 */
static void attribute_unnamed(int sock, struct zc_transport_err *e)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	e->addrlen = 0;
	e->scope = getpeername(sock, (struct sockaddr *)&peer, &len) == 0
		       ? ZC_TRANSPORT_SCOPE_SOCKET
		       : ZC_TRANSPORT_SCOPE_NONE;
}

#ifdef MSG_ERRQUEUE
/*
 * Take entries of the error queue (IP_RECVERR / IPV6_RECVERR) until one
 * reports an error. Its msg_name is the destination of the datagram that
 * failed (RFC 1122 §4.1.3.3: UDP passes ICMP errors up); reading the last
 * ICMP entry also clears SO_ERROR, so poll() stops reporting POLLERR.
 */
static bool read_error_queue(int sock, struct zc_transport_err *e)
{
	for (int k = 0; k < ERRQUEUE_SKIP_MAX; k++) {
		_Alignas(struct cmsghdr) uint8_t control[ZC_PORT_ERRQUEUE_CONTROL_SIZE];
		struct msghdr mh = {0};
		ssize_t n;
		int err;

		mh.msg_name = &e->addr;
		mh.msg_namelen = (socklen_t)sizeof(e->addr);
		mh.msg_control = control;
		mh.msg_controllen = sizeof(control);
		do {
			n = recvmsg(sock, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			return false; /* EAGAIN: empty; anything else: no queue to read */
		}
		err = zc_port_errqueue_errno(control, mh.msg_controllen);
		if (err == 0 || err == ENOMSG) {
			continue; /* not an error: a transmit timestamp or a notification */
		}
		e->err = -err;
		if (mh.msg_namelen > 0) {
			e->scope = ZC_TRANSPORT_SCOPE_ENDPOINT;
			e->addrlen = mh.msg_namelen;
		} else {
			attribute_unnamed(sock, e);
		}
		return true;
	}
	return false;
}
#endif

/*
 * Whether a receive error is a socket's pending error from an ICMP message
 * (Linux's icmp_err_convert table and ICMPv6's), rather than a fault of the
 * descriptor itself (ENOTSOCK, EBADF, ...), which concerns all of it.
 */
static bool is_icmp_error(int err)
{
	switch (-err) {
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
#ifdef EHOSTDOWN
	case EHOSTDOWN:
#endif
#ifdef ENONET
	case ENONET:
#endif
	case ENOPROTOOPT:
	case EMSGSIZE:
	case EOPNOTSUPP:
	case EPROTO:
	case EACCES:
		return true;
	default:
		return false;
	}
}

static bool udp_error(void *ctx, int sock, int recv_err, struct zc_transport_err *e)
{
	int err = 0;
	socklen_t len = sizeof(err);

	(void)ctx;
	if (recv_err < 0) {
		/* The socket error a receive took: it came without an address. */
		e->err = recv_err;
		if (is_icmp_error(recv_err)) {
			attribute_unnamed(sock, e);
		} else {
			e->scope = ZC_TRANSPORT_SCOPE_SOCKET;
			e->addrlen = 0;
		}
		return true;
	}
#ifdef MSG_ERRQUEUE
	if (read_error_queue(sock, e)) {
		return true;
	}
#endif
	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err == 0) {
		return false;
	}
	e->err = -err;
	attribute_unnamed(sock, e);
	return true;
}

/*
 * An unconnected socket learns of an ICMP error (port unreachable: the
 * server is not listening) only through the error queue, which Linux keeps
 * only with IP_RECVERR / IPV6_RECVERR; without it the request would wait
 * for its whole timeout. Each entry names the failed datagram's
 * destination, so the client ends only the requests to that endpoint
 * (udp_error()). A connected socket needs nothing: its one peer's error
 * comes as SO_ERROR. Best effort: a socket that refuses keeps the timeout.
 */
static void enable_recverr(int sock)
{
	struct sockaddr_storage me;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(me);
	socklen_t plen = sizeof(peer);

	if (getpeername(sock, (struct sockaddr *)&peer, &plen) == 0 ||
	    getsockname(sock, (struct sockaddr *)&me, &len) < 0) {
		return;
	}
	zc_port_errqueue_enable(sock, me.ss_family);
}

static int udp_check(void *ctx, int sock)
{
	int type = socket_type(sock);

	(void)ctx;
	if (type < 0) {
		return type;
	}
	if (type != SOCK_DGRAM) {
		return -EPROTOTYPE;
	}
	enable_recverr(sock);
	return 0;
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
    .error = udp_error,
    .check = udp_check,
};
