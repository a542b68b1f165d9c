/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * transport.c -- the transport front door: which transport owns a
 * descriptor (a registry that session transports such as DTLS fill in),
 * and the dispatch of send, receive and close to it (docs/design/transport.md).
 *
 * Every CoAP datagram passes through zc_transport_send()/zc_transport_recv(),
 * so the lookup is built for the common case, a plain UDP socket:
 * - nothing registered (no DTLS socket in the process): one relaxed atomic
 *   load of the count, no lock;
 * - something registered: a lock-free scan of ZC_TRANSPORT_MAX_SOCKETS
 *   atomic keys; a plain socket matches none and takes no lock either.
 * Only a registered descriptor takes reg_lock, to read its (ops, ctx) pair
 * consistently. Writers (register, unregister) hold reg_lock too, so the
 * pair of an entry never changes while a reader copies it. reg_lock is a
 * leaf: the registering transport may hold its own locks when it calls in,
 * and the dispatch calls the transport only after releasing reg_lock.
 *
 * Relaxed loads suffice on the fast path: a descriptor is registered inside
 * the call that makes it a session socket (zcoap_dtls_connect()), before the
 * application can hand it to a client, and the application's own hand-over
 * (a call, or the client lock) orders that store before the client's load.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "transport/transport.h"

struct registration {
	/* (unsigned)descriptor + 1, 0 while the entry is free; also read without reg_lock. */
	atomic_uint key;
	/* Written and read under reg_lock only. */
	const struct zc_transport_ops *ops;
	void *ctx;
};

/* Static zero initialisation is a valid state for C11 atomics (C11 §7.17.2). */
static struct registration registry[ZC_TRANSPORT_MAX_SOCKETS];
static atomic_uint registered;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned int key_of(int sock)
{
	return (unsigned int)sock + 1U;
}

/* The entry of @p key, or NULL. Caller holds reg_lock. */
static struct registration *entry_find(unsigned int key)
{
	for (size_t i = 0; i < ZC_TRANSPORT_MAX_SOCKETS; i++) {
		if (atomic_load_explicit(&registry[i].key, memory_order_relaxed) == key) {
			return &registry[i];
		}
	}
	return NULL;
}

const struct zc_transport_ops *zc_transport_owner(int sock, void **ctx)
{
	const struct zc_transport_ops *ops = &zc_transport_udp;
	const struct registration *r;
	unsigned int key;
	size_t i;

	*ctx = NULL;
	if (sock < 0 || atomic_load_explicit(&registered, memory_order_relaxed) == 0) {
		return ops;
	}
	key = key_of(sock);
	for (i = 0; i < ZC_TRANSPORT_MAX_SOCKETS; i++) {
		if (atomic_load_explicit(&registry[i].key, memory_order_relaxed) == key) {
			break;
		}
	}
	if (i == ZC_TRANSPORT_MAX_SOCKETS) {
		return ops;
	}
	/* Registered (or just being unregistered): read the pair under the lock. */
	pthread_mutex_lock(&reg_lock);
	r = entry_find(key);
	if (r != NULL) {
		ops = r->ops;
		*ctx = r->ctx;
	}
	pthread_mutex_unlock(&reg_lock);
	return ops;
}

int zc_transport_register(int sock, const struct zc_transport_ops *ops, void *ctx)
{
	struct registration *r;
	int rc = 0;

	if (sock < 0 || ops == NULL) {
		return -EINVAL;
	}
	pthread_mutex_lock(&reg_lock);
	if (entry_find(key_of(sock)) != NULL) {
		rc = -EALREADY;
	} else {
		r = entry_find(0);
		if (r == NULL) {
			rc = -ENOBUFS;
		} else {
			r->ops = ops;
			r->ctx = ctx;
			atomic_store_explicit(&r->key, key_of(sock), memory_order_relaxed);
			atomic_fetch_add_explicit(&registered, 1U, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

void zc_transport_unregister(int sock)
{
	struct registration *r;

	if (sock < 0) {
		return;
	}
	pthread_mutex_lock(&reg_lock);
	r = entry_find(key_of(sock));
	if (r != NULL) {
		atomic_store_explicit(&r->key, 0U, memory_order_relaxed);
		r->ops = NULL;
		r->ctx = NULL;
		atomic_fetch_sub_explicit(&registered, 1U, memory_order_relaxed);
	}
	pthread_mutex_unlock(&reg_lock);
}

int zc_transport_send(int sock, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
		      size_t len)
{
	void *ctx;
	const struct zc_transport_ops *t = zc_transport_owner(sock, &ctx);

	return t->send(ctx, sock, addr, addrlen, buf, len);
}

long zc_transport_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		       socklen_t *srclen, bool *truncated)
{
	void *ctx;
	const struct zc_transport_ops *t = zc_transport_owner(sock, &ctx);

	return t->recv(ctx, sock, buf, cap, src, srclen, truncated);
}

int zc_transport_close(int sock)
{
	void *ctx;
	const struct zc_transport_ops *t = zc_transport_owner(sock, &ctx);

	return t->close(ctx, sock);
}
