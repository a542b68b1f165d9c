/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_bio.c -- what Mbed TLS reads and writes through for a DTLS
 * session: the retransmission timer (RFC 6347 §4.2.4) on the port's
 * monotonic clock, and the socket send/receive callbacks, all non-blocking.
 */

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include <mbedtls/net_sockets.h>

#include "port/port.h"
#include "transport/dtls/mbedtls_internal.h"

/* How long a send waits for room in a full socket buffer before reporting -EAGAIN. */
#define SEND_WAIT_MS 100

static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
	struct dtls_timer *t = ctx;

	t->start_ms = zc_port_now_ms();
	t->int_ms = int_ms;
	t->fin_ms = fin_ms;
}

/* Mbed TLS's contract: -1 stopped, 0 running, 1 intermediate passed, 2 final passed. */
static int timer_get(void *ctx)
{
	const struct dtls_timer *t = ctx;
	int64_t elapsed;

	if (t->fin_ms == 0) {
		return -1;
	}
	elapsed = zc_port_now_ms() - t->start_ms;
	if (elapsed >= (int64_t)t->fin_ms) {
		return 2;
	}
	return elapsed >= (int64_t)t->int_ms ? 1 : 0;
}

int64_t zc_dtls_timer_remaining(const struct dtls_timer *t)
{
	int64_t left;

	if (t->fin_ms == 0) {
		return -1;
	}
	left = t->start_ms + (int64_t)t->fin_ms - zc_port_now_ms();
	return left > 0 ? left : 0;
}

/*
 * Send one datagram of records. During the handshake an error ends it (so
 * ICMP and routing errors are reported at once). Afterwards an error is
 * recorded in io_errno and the datagram counted as sent: Mbed TLS keeps an
 * unsent record and would flush it in place of the next message, so it must
 * never see a failed send of application data; the caller reports io_errno
 * instead, and a lost datagram is what DTLS and CoAP recover from anyway
 * (RFC 6347 §4.1.2.7, RFC 7252 §4.2).
 */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct dtls_state *st = ctx;
	bool waited = false;

	if (len > INT_MAX) {
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	}
	for (;;) {
		ssize_t n = send(st->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n >= 0) {
			if (st->state == ZC_DTLS_CONNECTING) {
				st->hs_sent++;
			}
			return (int)n;
		}
		if (errno == EINTR) {
			continue;
		}
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && !waited) {
			struct zc_port_pollfd p = {.fd = st->fd, .events = ZC_PORT_POLL_OUT};

			waited = true;
			(void)zc_port_poll(&p, 1, SEND_WAIT_MS);
			continue;
		}
		st->io_errno = errno == EWOULDBLOCK ? EAGAIN : errno;
		if (st->state == ZC_DTLS_CONNECTING) {
			return MBEDTLS_ERR_NET_SEND_FAILED;
		}
		return (int)len;
	}
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct dtls_state *st = ctx;

	if (len > INT_MAX) {
		len = INT_MAX;
	}
	for (;;) {
		ssize_t n = recv(st->fd, buf, len, MSG_DONTWAIT);

		if (n > 0) {
			st->peer_seen = true;
			if (st->state == ZC_DTLS_CONNECTING) {
				st->hs_received++;
			}
			/* Tells a rejected Finished from a lost last flight
			 * (zc_dtls_timeout_error()). */
			if (zc_dtls_awaits_server_finished(&st->ssl)) {
				st->peer_after_finished = true;
			}
			return (int)n;
		}
		if (n == 0) {
			continue; /* an empty datagram carries no record: skip it */
		}
		if (errno == EINTR) {
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return MBEDTLS_ERR_SSL_WANT_READ;
		}
		st->io_errno = errno;
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

void zc_dtls_bio_attach(struct dtls_state *st)
{
	mbedtls_ssl_set_bio(&st->ssl, st, bio_send, bio_recv, NULL);
	mbedtls_ssl_set_timer_cb(&st->ssl, &st->timer, timer_set, timer_get);
}
