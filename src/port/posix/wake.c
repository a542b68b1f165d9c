/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * wake.c -- POSIX port: the wake-up object, an eventfd (Linux) or a pipe.
 * The client signals it when the receive thread must redo its poll() (a
 * new socket, an earlier deadline, a cancel, shutdown).
 */
#define _GNU_SOURCE /* pipe2 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "coap_client.h"
#include "port/port.h"
#include "port/posix/port_posix.h"

ZC_POSIX_STORAGE_FITS(struct zcoap_port_wake, struct zc_posix_wake);

static struct zc_posix_wake *wake_of(struct zcoap_port_wake *w)
{
	return (struct zc_posix_wake *)(void *)w->u.bytes;
}

int zc_port_wake_init(struct zcoap_port_wake *w)
{
	struct zc_posix_wake *pw = wake_of(w);
	int fds[2];
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd >= 0) {
		pw->rd = fd;
		pw->wr = fd;
		return 0;
	}
	/* No eventfd (old kernels, seccomp): a non-blocking pipe does the same job. */
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
		return -EAGAIN;
	}
	pw->rd = fds[0];
	pw->wr = fds[1];
	return 0;
}

void zc_port_wake_destroy(struct zcoap_port_wake *w)
{
	struct zc_posix_wake *pw = wake_of(w);

	(void)close(pw->rd);
	if (pw->wr != pw->rd) {
		(void)close(pw->wr);
	}
}

void zc_port_wake_signal(struct zcoap_port_wake *w)
{
	uint64_t one = 1; /* an eventfd takes exactly 8 bytes; a pipe any */
	ssize_t r;

	do {
		r = write(wake_of(w)->wr, &one, sizeof(one));
	} while (r < 0 && errno == EINTR);
	/* EAGAIN: a wake-up is already pending, which is all we need. */
}

void zc_port_wake_drain(struct zcoap_port_wake *w)
{
	uint64_t buf[8];
	ssize_t r;

	/* An eventfd is read empty at once; a pipe may hold several signals. */
	do {
		r = read(wake_of(w)->rd, buf, sizeof(buf));
	} while (r > 0 || (r < 0 && errno == EINTR));
}

int zc_port_wake_fd(const struct zcoap_port_wake *w)
{
	return ((const struct zc_posix_wake *)(const void *)w->u.bytes)->rd;
}
