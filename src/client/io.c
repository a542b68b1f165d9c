/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * io.c -- the engine's I/O table for a real client (struct zc_engine_io):
 * datagrams go to the transport, except the first one of coap_client_req(),
 * which is deferred until the lock is released; random bytes come from the
 * port in bulk; every datagram goes past the application's trace hook.
 */

#include <string.h>

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

/*
 * Kept out of io_send() (GCC and Clang): inlined, its registers would be
 * saved and restored on every deferred send too.
 */
#if defined(__GNUC__) || defined(__clang__)
#define ZC_IO_NOINLINE __attribute__((noinline))
#else
#define ZC_IO_NOINLINE
#endif

/* A datagram sent at once: the transport, by way of a lingering duplicate's route. */
ZC_IO_NOINLINE static int send_now(struct coap_client *client, int sock,
				   const struct sockaddr *addr, socklen_t addrlen,
				   const uint8_t *buf, size_t len)
{
	return zc_transport_send(zc_linger_route_locked(client, sock, buf, len), addr, addrlen, buf,
				 len);
}

/*
 * memcpy() of up to 32 bytes (a request without a body, typically) as two
 * overlapping word-sized moves inline, each within [0, len); longer ones
 * by memcpy().
 */
static void copy_datagram(uint8_t *dst, const uint8_t *src, size_t len)
{
	if (len >= 16 && len <= 32) {
		memcpy(dst, src, 16);
		memcpy(dst + len - 16, src + len - 16, 16);
	} else if (len >= 8 && len < 16) {
		memcpy(dst, src, 8);
		memcpy(dst + len - 8, src + len - 8, 8);
	} else {
		memcpy(dst, src, len);
	}
}

static int io_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		   const uint8_t *buf, size_t len)
{
	struct zc_deferred_send *d = ((struct coap_client *)ctx)->priv.defer;

	/* coap_client_req() sends its first datagram itself, outside the lock. */
	if (d == NULL || d->used || len > sizeof(d->buf) ||
	    (addr != NULL && addrlen > (socklen_t)sizeof(d->addr))) {
		return send_now(ctx, sock, addr, addrlen, buf, len);
	}
	d->used = true;
	d->sock = sock;
	d->addrlen = addr != NULL ? addrlen : 0;
	if (d->addrlen > 0) {
		memcpy(&d->addr, addr, d->addrlen);
	}
	d->len = len;
	copy_datagram(d->buf, buf, len);
	return 0;
}

/*
 * A request the pool cannot serve: bytes straight from the port when @p len
 * exceeds the pool (returns false), else a full pool again.
 */
static bool refill(struct zcoap_client_private *priv, uint8_t *buf, size_t len)
{
	if (len > sizeof(priv->rand_pool)) {
		(void)zc_port_random(buf, len);
		return false;
	}
	/* Read first: a fork() during the fetch leaves the child's pool stale. */
	zc_port_fork_watch();
	priv->rand_fork_gen = zc_port_fork_generation();
	(void)zc_port_random(priv->rand_pool, sizeof(priv->rand_pool));
	priv->rand_left = (uint16_t)sizeof(priv->rand_pool);
	return true;
}

/*
 * Every request takes 12 random bytes in one call (token and timeout
 * jitter, RFC 7252 §5.3.1, §4.2), a block-wise body 8 more (Request-Tag,
 * RFC 9175 §3): one getrandom() per pool (1024 bytes, 64 in small
 * configurations) instead of a system call per request. The bytes are the
 * same CSPRNG output, only fetched ahead; each is handed out once and wiped
 * when taken. Called by the engine, so always under the client lock.
 */
static void io_random(void *ctx, uint8_t *buf, size_t len)
{
	struct zcoap_client_private *priv = &((struct coap_client *)ctx)->priv;
	uint8_t *p;

	/*
	 * A pool fetched before a fork() is also the parent's: the child
	 * fetches its own, or both would hand out the same tokens.
	 */
	if ((priv->rand_left < len || priv->rand_fork_gen != zc_port_fork_generation()) &&
	    !refill(priv, buf, len)) {
		return;
	}
	p = priv->rand_pool + sizeof(priv->rand_pool) - priv->rand_left;
	priv->rand_left = (uint16_t)(priv->rand_left - len);
	/*
	 * The engine takes 12 bytes per request (token and jitter), 8 (a NON
	 * request's token) or 4: copies and wipes of a constant size are a
	 * few word moves inline, where memcpy() and memset() calls each cost
	 * more than the copy.
	 */
	switch (len) {
	case 12:
		memcpy(buf, p, 12);
		memset(p, 0, 12);
		break;
	case 8:
		memcpy(buf, p, 8);
		memset(p, 0, 8);
		break;
	default:
		memcpy(buf, p, len);
		memset(p, 0, len);
		break;
	}
}

static void io_trace(void *ctx, bool outgoing, const uint8_t *buf, size_t len)
{
	struct coap_client *client = ctx;

	if (client->priv.trace_cb != NULL) {
		client->priv.trace_cb(outgoing, buf, len, client->priv.trace_user);
	}
}

/* The transport may re-establish a session (a DTLS reconnect policy). */
static void io_peer_silent(void *ctx, int sock)
{
	(void)ctx;
	zc_transport_peer_silent(sock);
}

const struct zc_engine_io zc_client_io = {
    .send = io_send,
    .random = io_random,
    .trace = io_trace,
    .peer_silent = io_peer_silent,
};

/*
 * The same without the trace hook: the engine's table while no trace
 * callback is installed (zcoap_client_set_trace() switches), so a datagram
 * costs no call to find there is nothing to trace.
 */
const struct zc_engine_io zc_client_io_untraced = {
    .send = io_send,
    .random = io_random,
    .trace = NULL,
    .peer_silent = io_peer_silent,
};
