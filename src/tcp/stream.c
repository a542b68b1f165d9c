/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * stream.c -- the socket calls of the CoAP-over-TCP client: the only file of
 * src/tcp/ that calls the OS (socket operations only; scripts/check-layers.sh),
 * and the door to TLS (src/transport/tls/) for coaps+tcp connections.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tcp/tcp_internal.h"
#include "transport/tls/tls.h"

int zc_tcp_sock_connect(const struct sockaddr *addr, socklen_t addrlen,
			coap_client_tcp_socket_config_cb_t cfg, void *cfg_user_data,
			uint32_t send_timeout_ms, bool *in_progress)
{
	/* Event-loop mode: a non-blocking connect, completed by the application's loop. */
	int fd =
	    socket(addr->sa_family, SOCK_STREAM | (in_progress != NULL ? SOCK_NONBLOCK : 0), 0);
	struct timeval tv = {.tv_sec = (time_t)(send_timeout_ms / 1000U),
			     .tv_usec = (suseconds_t)((send_timeout_ms % 1000U) * 1000U)};
	int r;

	if (fd < 0) {
		return -errno;
	}
	/*
	 * Writes block with the client's lock held: a server that stops reading
	 * must not stall the client for ever. On Linux this bounds connect() too.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (cfg != NULL) {
		r = cfg(fd, cfg_user_data);
		if (r != 0) {
			close(fd);
			return r < 0 ? r : -EINVAL;
		}
	}
	r = connect(fd, addr, addrlen);
	if (in_progress != NULL) {
		*in_progress = r != 0 && (errno == EINPROGRESS || errno == EINTR);
		if (r == 0 || *in_progress) {
			return fd; /* connected, or on its way: the loop watches for writability */
		}
	} else if (r != 0 && errno == EINTR) {
		/* The connection goes on in the background: wait for its outcome. */
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int err = 0;
		socklen_t elen = sizeof(err);

		do {
			r = connect(fd, addr, addrlen);
		} while (r != 0 && (errno == EINTR || errno == EALREADY));
		if (r != 0 && errno == EISCONN) {
			r = getpeername(fd, (struct sockaddr *)&peer, &plen);
			if (r != 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0) {
				errno = err != 0 ? err : ECONNREFUSED;
			}
		}
	}
	if (r != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int zc_tcp_tls_open(int fd, const struct zcoap_dtls_config *cfg, void **tls, char *why, size_t n)
{
	struct zc_tls *t = NULL;
	int r = zc_tls_open(fd, cfg, &t, why, n);

	*tls = t;
	return r;
}

int zc_tcp_tls_start(int fd, const struct zcoap_dtls_config *cfg, void **tls, uint32_t *timeout_ms,
		     char *why, size_t n)
{
	struct zc_tls *t = NULL;
	int r = zc_tls_start(fd, cfg, &t, timeout_ms, why, n);

	*tls = t;
	return r;
}

int zc_tcp_tls_error(const void *tls, char *why, size_t n)
{
	return zc_tls_last_error(tls, why, n);
}

void zc_tcp_errno_text(const char *what, int err, char *why, size_t n)
{
	zc_tls_errno_text(what, err, why, n);
}

int zc_tcp_tls_step(void *tls, bool *want_write)
{
	return zc_tls_handshake_step(tls, want_write);
}

int zc_tcp_sock_send_all(int fd, void *tls, const uint8_t *buf, size_t len)
{
	if (tls != NULL) {
		return zc_tls_send(tls, buf, len);
	}
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			/* SO_SNDTIMEO passed: the server has not read for that long. */
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

long zc_tcp_sock_recv(int fd, void *tls, uint8_t *buf, size_t cap)
{
	ssize_t n;

	if (tls != NULL) {
		return zc_tls_recv(tls, buf, cap);
	}
	do {
		n = recv(fd, buf, cap, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	return n == 0 ? -ECONNRESET : (long)n;
}

void zc_tcp_sock_shutdown(int fd)
{
	(void)shutdown(fd, SHUT_RDWR);
}

bool zc_tcp_sock_pending(const void *tls)
{
	return tls != NULL && zc_tls_pending(tls);
}

void zc_tcp_sock_close(int fd, void *tls)
{
	if (tls != NULL) {
		zc_tls_close(tls); /* close_notify */
	}
	(void)shutdown(fd, SHUT_RDWR); /* wakes a poll() on it */
	(void)close(fd);
}
