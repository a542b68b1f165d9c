/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * poll.c -- POSIX port: poll() over the receive thread's descriptors, the
 * identity of an open descriptor (fstat()), a socket's pending error and
 * what an entry of its error queue reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/errqueue.h>
#endif

#include "port/port.h"

/*
 * struct zc_port_pollfd is struct pollfd under another name, so the array
 * goes to poll() as is: no copy, no translation on the hot path.
 */
_Static_assert(sizeof(struct zc_port_pollfd) == sizeof(struct pollfd) &&
		   offsetof(struct zc_port_pollfd, fd) == offsetof(struct pollfd, fd) &&
		   offsetof(struct zc_port_pollfd, events) == offsetof(struct pollfd, events) &&
		   offsetof(struct zc_port_pollfd, revents) == offsetof(struct pollfd, revents),
	       "struct zc_port_pollfd must have the layout of struct pollfd");
_Static_assert(ZC_PORT_POLL_IN == POLLIN && ZC_PORT_POLL_OUT == POLLOUT &&
		   ZC_PORT_POLL_ERR == POLLERR && ZC_PORT_POLL_HUP == POLLHUP &&
		   ZC_PORT_POLL_NVAL == POLLNVAL,
	       "ZC_PORT_POLL_* must equal the POLL* flags");

int zc_port_poll(struct zc_port_pollfd *fds, unsigned int n, int timeout_ms)
{
	int r = poll((struct pollfd *)(void *)fds, (nfds_t)n, timeout_ms);

	return r < 0 ? -errno : r;
}

bool zc_port_fd_identity(int fd, uint64_t *a, uint64_t *b)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		return false;
	}
	*a = (uint64_t)st.st_dev;
	*b = (uint64_t)st.st_ino;
	return true;
}

int zc_port_fd_dup(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return d < 0 ? -errno : d;
}

int zc_port_fd_set_nonblocking(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0) {
		return -errno;
	}
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

void zc_port_fd_close(int fd)
{
	/* POSIX leaves the descriptor's state unspecified after EINTR; Linux has closed it. */
	(void)close(fd);
}

int zc_port_socket_error(int sock)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		return -EIO;
	}
	return err;
}

#ifdef __linux__
/* One IP_RECVERR or IPV6_RECVERR message: the error and the offender's address. */
_Static_assert(ZC_PORT_ERRQUEUE_CONTROL_SIZE >=
		   CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6)),
	       "ZC_PORT_ERRQUEUE_CONTROL_SIZE is too small for an IP(V6)_RECVERR message");
#endif

int zc_port_errqueue_errno(const void *control, size_t len)
{
#ifdef __linux__
	struct msghdr mh = {0};

	/* The CMSG_* walk needs a msghdr; only its control fields are read. */
	mh.msg_control = (void *)(uintptr_t)control;
	mh.msg_controllen = len;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		struct sock_extended_err ee;

		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) ||
		    c->cmsg_len < CMSG_LEN(sizeof(ee))) {
			continue;
		}
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		return (int)ee.ee_errno;
	}
#else
	(void)control;
	(void)len;
#endif
	return 0;
}

void zc_port_errqueue_enable(int sock, int family)
{
#if defined(IP_RECVERR)
	int on = 1;

	if (family == AF_INET6) {
#if defined(IPV6_RECVERR)
		(void)setsockopt(sock, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
#endif
		(void)setsockopt(sock, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	} else if (family == AF_INET) {
		(void)setsockopt(sock, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	}
#else
	(void)sock;
	(void)family;
#endif
}
