/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * transport.c -- the transport front door: which transport owns a
 * descriptor (a registry that session transports such as DTLS fill in),
 * and the dispatch of send, receive, error, check and close to it
 * (docs/design/transport.md).
 *
 * Every CoAP datagram passes through zc_transport_send()/zc_transport_recv(),
 * so the lookup is built for the common case, a plain UDP socket:
 * - nothing registered (no DTLS socket in the process): one relaxed atomic
 *   load of the high-water mark, no lock;
 * - something registered: a lock-free scan of the keys below the mark (one
 *   cache line at most; one key while a single DTLS socket exists); a plain
 *   socket matches none and takes no lock either.
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
#include <stdatomic.h>

#include "port/port.h"
#include "transport/transport.h"

/*
 * Entry i: keys[i] is (unsigned)descriptor + 1, 0 while free, and is also
 * read without reg_lock; owners[i] is written and read under reg_lock only.
 * The keys are kept apart so that the scan reads one dense array.
 * Static zero initialisation is a valid state for C11 atomics (C11 §7.17.2.1).
 */
static atomic_uint keys[ZC_TRANSPORT_MAX_SOCKETS];
static struct {
	const struct zc_transport_ops *ops;
	void *ctx;
} owners[ZC_TRANSPORT_MAX_SOCKETS];
/* 1 + the highest index in use, 0 when nothing is registered; written under reg_lock. */
static atomic_uint high;
/* Valid from the first call of any thread, without an init call (src/port/port.h). */
static struct zc_port_static_mutex reg_lock = ZC_PORT_STATIC_MUTEX_INIT;

static unsigned int key_of(int sock)
{
	return (unsigned int)sock + 1U;
}

/* The index of @p key below the high-water mark, or -1. */
static int index_of(unsigned int key)
{
	unsigned int n = atomic_load_explicit(&high, memory_order_relaxed);

	for (unsigned int i = 0; i < n; i++) {
		if (atomic_load_explicit(&keys[i], memory_order_relaxed) == key) {
			return (int)i;
		}
	}
	return -1;
}

/* The registered owner of @p key, read under reg_lock; NULL if it left meanwhile. */
static const struct zc_transport_ops *owner_locked_read(unsigned int key, void **ctx)
{
	const struct zc_transport_ops *ops = NULL;
	int i;

	zc_port_static_mutex_lock(&reg_lock);
	i = index_of(key);
	if (i >= 0) {
		ops = owners[i].ops;
		*ctx = owners[i].ctx;
	}
	zc_port_static_mutex_unlock(&reg_lock);
	return ops;
}

const struct zc_transport_ops *zc_transport_owner(int sock, void **ctx)
{
	const struct zc_transport_ops *ops;

	*ctx = NULL;
	if (sock < 0 || index_of(key_of(sock)) < 0) {
		return &zc_transport_udp;
	}
	ops = owner_locked_read(key_of(sock), ctx);
	return ops != NULL ? ops : &zc_transport_udp;
}

int zc_transport_register(int sock, const struct zc_transport_ops *ops, void *ctx)
{
	unsigned int n;
	unsigned int i;
	int rc = 0;

	if (sock < 0 || ops == NULL) {
		return -EINVAL;
	}
	zc_port_static_mutex_lock(&reg_lock);
	n = atomic_load_explicit(&high, memory_order_relaxed);
	if (index_of(key_of(sock)) >= 0) {
		rc = -EALREADY;
	} else {
		/* The lowest free entry, so that the scanned range stays short. */
		for (i = 0; i < ZC_TRANSPORT_MAX_SOCKETS; i++) {
			if (atomic_load_explicit(&keys[i], memory_order_relaxed) == 0) {
				break;
			}
		}
		if (i == ZC_TRANSPORT_MAX_SOCKETS) {
			rc = -ENOBUFS;
		} else {
			owners[i].ops = ops;
			owners[i].ctx = ctx;
			atomic_store_explicit(&keys[i], key_of(sock), memory_order_relaxed);
			if (i + 1 > n) {
				atomic_store_explicit(&high, i + 1, memory_order_relaxed);
			}
		}
	}
	zc_port_static_mutex_unlock(&reg_lock);
	return rc;
}

void zc_transport_unregister(int sock)
{
	unsigned int n;
	int i;

	if (sock < 0) {
		return;
	}
	zc_port_static_mutex_lock(&reg_lock);
	i = index_of(key_of(sock));
	if (i >= 0) {
		atomic_store_explicit(&keys[i], 0U, memory_order_relaxed);
		owners[i].ops = NULL;
		owners[i].ctx = NULL;
		/* Lower the mark past the free entries at the top. */
		n = atomic_load_explicit(&high, memory_order_relaxed);
		while (n > 0 && atomic_load_explicit(&keys[n - 1], memory_order_relaxed) == 0) {
			n--;
		}
		atomic_store_explicit(&high, n, memory_order_relaxed);
	}
	zc_port_static_mutex_unlock(&reg_lock);
}

int zc_transport_send(int sock, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
		      size_t len)
{
	void *ctx = NULL;
	const struct zc_transport_ops *t = &zc_transport_udp;

	/* Hot path: with no registered descriptor every socket is plain UDP (one load). */
	if (atomic_load_explicit(&high, memory_order_relaxed) != 0) {
		t = zc_transport_owner(sock, &ctx);
	}
	return t->send(ctx, sock, addr, addrlen, buf, len);
}

long zc_transport_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		       socklen_t *srclen, bool *truncated)
{
	void *ctx = NULL;
	const struct zc_transport_ops *t;

	/* Hot path: with no registered descriptor every socket is plain UDP (one load). */
	if (atomic_load_explicit(&high, memory_order_relaxed) == 0) {
		return zc_udp_recv(sock, buf, cap, src, srclen, truncated);
	}
	t = zc_transport_owner(sock, &ctx);
	return t->recv(ctx, sock, buf, cap, src, srclen, truncated);
}

bool zc_transport_error(int sock, int recv_err, struct zc_transport_err *e)
{
	void *ctx;
	const struct zc_transport_ops *t = zc_transport_owner(sock, &ctx);

	e->exact = false;
	if (t->error != NULL) {
		return t->error(ctx, sock, recv_err, e);
	}
	if (recv_err < 0) {
		/* A session transport's receive error ends its session: every exchange on it. */
		e->err = recv_err;
		e->scope = ZC_TRANSPORT_SCOPE_SOCKET;
		e->addrlen = 0;
		return true;
	}
	/* The descriptor is still a UDP socket underneath (DTLS): its queue is UDP's. */
	return zc_transport_udp.error(NULL, sock, 0, e);
}

int64_t zc_transport_deadline(int sock)
{
	void *ctx = NULL;
	const struct zc_transport_ops *t;

	if (atomic_load_explicit(&high, memory_order_relaxed) == 0) {
		return ZC_TRANSPORT_NO_DEADLINE;
	}
	t = zc_transport_owner(sock, &ctx);
	return t->deadline != NULL ? t->deadline(ctx, sock) : ZC_TRANSPORT_NO_DEADLINE;
}

void zc_transport_peer_silent(int sock)
{
	void *ctx = NULL;
	const struct zc_transport_ops *t;

	if (atomic_load_explicit(&high, memory_order_relaxed) == 0) {
		return;
	}
	t = zc_transport_owner(sock, &ctx);
	if (t->peer_silent != NULL) {
		t->peer_silent(ctx, sock);
	}
}

int zc_transport_check(int sock)
{
	void *ctx;
	const struct zc_transport_ops *t = zc_transport_owner(sock, &ctx);

	return t->check != NULL ? t->check(ctx, sock) : 0;
}

int zc_transport_close(int sock)
{
	void *ctx;
	const struct zc_transport_ops *t = zc_transport_owner(sock, &ctx);

	return t->close(ctx, sock);
}
