/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * sync.c -- POSIX port: the client's mutex and condition variable
 * (pthread_mutex_t and pthread_cond_t in the opaque storage of
 * struct zcoap_client_private), and the static mutexes of the globals.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "coap_client.h"
#include "port/port.h"
#include "port/posix/port_posix.h"

ZC_POSIX_STORAGE_FITS(struct zcoap_port_mutex, pthread_mutex_t);
ZC_POSIX_STORAGE_FITS(struct zcoap_port_cond, pthread_cond_t);

static pthread_mutex_t *mutex_of(struct zcoap_port_mutex *m)
{
	return (pthread_mutex_t *)(void *)m->u.bytes;
}

static pthread_cond_t *cond_of(struct zcoap_port_cond *c)
{
	return (pthread_cond_t *)(void *)c->u.bytes;
}

int zc_port_mutex_init(struct zcoap_port_mutex *m)
{
	return pthread_mutex_init(mutex_of(m), NULL) == 0 ? 0 : -EAGAIN;
}

void zc_port_mutex_destroy(struct zcoap_port_mutex *m)
{
	(void)pthread_mutex_destroy(mutex_of(m));
}

/*
 * Lock and unlock cannot fail for a valid default mutex that the caller
 * does not already hold (POSIX lists only EINVAL, EDEADLK, EPERM), so
 * there is nothing to report.
 */
void zc_port_mutex_lock(struct zcoap_port_mutex *m)
{
	(void)pthread_mutex_lock(mutex_of(m));
}

void zc_port_mutex_unlock(struct zcoap_port_mutex *m)
{
	(void)pthread_mutex_unlock(mutex_of(m));
}

int zc_port_cond_init(struct zcoap_port_cond *c)
{
	return pthread_cond_init(cond_of(c), NULL) == 0 ? 0 : -EAGAIN;
}

void zc_port_cond_destroy(struct zcoap_port_cond *c)
{
	(void)pthread_cond_destroy(cond_of(c));
}

void zc_port_cond_wait(struct zcoap_port_cond *c, struct zcoap_port_mutex *m)
{
	(void)pthread_cond_wait(cond_of(c), mutex_of(m));
}

void zc_port_cond_broadcast(struct zcoap_port_cond *c)
{
	(void)pthread_cond_broadcast(cond_of(c));
}

/*
 * Static mutexes. The first lock of each initialises its pthread_mutex_t
 * under first_use, which PTHREAD_MUTEX_INITIALIZER makes valid before any
 * code runs: of several threads arriving together, one initialises, the
 * others block on first_use and then find `ready` set. `ready` is stored
 * with release order after the initialisation and loaded with acquire
 * order, so a thread that sees it set also sees the initialised mutex
 * (C11 5.1.2.4); afterwards a lock costs that load and pthread_mutex_lock().
 * first_use is held only around pthread_mutex_init(), never while a static
 * mutex is held by the same call, so it adds nothing to any lock order.
 */
static pthread_mutex_t first_use = PTHREAD_MUTEX_INITIALIZER;

static void static_mutex_first_use(struct zc_port_static_mutex *sm)
{
	(void)pthread_mutex_lock(&first_use);
	if (!atomic_load_explicit(&sm->ready, memory_order_relaxed)) {
		pthread_mutex_t *m = mutex_of(&sm->m);

		/*
		 * With default attributes glibc, musl and macOS allocate nothing
		 * here and cannot fail. An implementation that does allocate and
		 * ran out still gets a valid mutex: the value of the static
		 * initialiser, which POSIX defines as equivalent to this call
		 * without the error checks.
		 */
		if (pthread_mutex_init(m, NULL) != 0) {
			*m = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
		}
		atomic_store_explicit(&sm->ready, true, memory_order_release);
	}
	(void)pthread_mutex_unlock(&first_use);
}

void zc_port_static_mutex_lock(struct zc_port_static_mutex *sm)
{
	if (!atomic_load_explicit(&sm->ready, memory_order_acquire)) {
		static_mutex_first_use(sm);
	}
	(void)pthread_mutex_lock(mutex_of(&sm->m));
}

void zc_port_static_mutex_unlock(struct zc_port_static_mutex *sm)
{
	(void)pthread_mutex_unlock(mutex_of(&sm->m));
}
