/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * stream.c -- the socket calls of the CoAP-over-TCP client: the only file of
 * src/tcp/ that calls the OS (socket operations only; scripts/check-layers.sh).
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp/tcp_internal.h"

int zc_tcp_sock_connect(const struct sockaddr *addr, socklen_t addrlen,
			coap_client_tcp_socket_config_cb_t cfg, void *cfg_user_data)
{
	int fd = socket(addr->sa_family, SOCK_STREAM, 0);
	int r;

	if (fd < 0) {
		return -errno;
	}
	if (cfg != NULL) {
		r = cfg(fd, cfg_user_data);
		if (r != 0) {
			close(fd);
			return r < 0 ? r : -EINVAL;
		}
	}
	r = connect(fd, addr, addrlen);
	if (r != 0 && errno == EINTR) {
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

int zc_tcp_sock_send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

long zc_tcp_sock_recv(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n;

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

void zc_tcp_sock_close(int fd)
{
	(void)close(fd);
}
