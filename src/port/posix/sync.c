/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * sync.c -- POSIX port: the client's mutex and condition variable
 * (pthread_mutex_t and pthread_cond_t in the opaque storage of
 * struct zcoap_client_private).
 */
#include <errno.h>
#include <pthread.h>

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
