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

static int io_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		   const uint8_t *buf, size_t len)
{
	struct zc_deferred_send *d = ((struct coap_client *)ctx)->priv.defer;

	/* coap_client_req() sends its first datagram itself, outside the lock. */
	if (d != NULL && !d->used && len <= sizeof(d->buf) &&
	    (addr == NULL || addrlen <= (socklen_t)sizeof(d->addr))) {
		d->used = true;
		d->sock = sock;
		d->addrlen = addr != NULL ? addrlen : 0;
		if (d->addrlen > 0) {
			memcpy(&d->addr, addr, d->addrlen);
		}
		d->len = len;
		memcpy(d->buf, buf, len);
		return 0;
	}
	return zc_transport_send(zc_linger_route_locked(ctx, sock, buf, len), addr, addrlen, buf,
				 len);
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

	if (len > sizeof(priv->rand_pool)) {
		(void)zc_port_random(buf, len);
		return;
	}
	if (priv->rand_left < len) {
		(void)zc_port_random(priv->rand_pool, sizeof(priv->rand_pool));
		priv->rand_left = (uint16_t)sizeof(priv->rand_pool);
	}
	p = priv->rand_pool + sizeof(priv->rand_pool) - priv->rand_left;
	priv->rand_left = (uint16_t)(priv->rand_left - len);
	/*
	 * The engine takes 4, 8 or 12 bytes at a time: word-sized copies inline,
	 * where a memcpy() and a memset() call each cost more than the copy.
	 */
	for (; len >= 4; len -= 4, buf += 4, p += 4) {
		static const uint8_t zero[4];

		memcpy(buf, p, 4);
		memcpy(p, zero, 4);
	}
	for (; len > 0; len--) {
		*buf++ = *p;
		*p++ = 0;
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
