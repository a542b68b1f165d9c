/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * thread.c -- POSIX port: the receive thread's creation (named, every
 * signal blocked), join and "is this the caller".
 */
#define _GNU_SOURCE /* pthread_setname_np */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "coap_client.h"
#include "port/port.h"
#include "port/posix/port_posix.h"

ZC_POSIX_STORAGE_FITS(struct zcoap_port_thread, struct zc_posix_thread);

static struct zc_posix_thread *thread_of(struct zcoap_port_thread *t)
{
	return (struct zc_posix_thread *)(void *)t->u.bytes;
}

/* pthread wants void *(*)(void *); the port's entry returns nothing. */
static void *trampoline(void *arg)
{
	const struct zc_posix_thread *pt = arg;

	pt->fn(pt->arg);
	return NULL;
}

int zc_port_thread_create(struct zcoap_port_thread *t, const char *name, void (*fn)(void *arg),
			  void *arg)
{
	struct zc_posix_thread *pt = thread_of(t);
	char short_name[16]; /* Linux keeps 15 characters and the NUL */
	sigset_t all;
	sigset_t old;
	int r;

	pt->fn = fn;
	pt->arg = arg;
	/*
	 * Signals belong to the application's threads, not ours: the new
	 * thread inherits this mask (POSIX pthread_create()), so a process
	 * signal such as SIGINT is never delivered to it.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&pt->id, NULL, trampoline, pt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		return -EAGAIN;
	}
	(void)snprintf(short_name, sizeof(short_name), "%s", name);
	(void)pthread_setname_np(pt->id, short_name);
	return 0;
}

void zc_port_thread_join(struct zcoap_port_thread *t)
{
	(void)pthread_join(thread_of(t)->id, NULL);
}

bool zc_port_thread_is_self(const struct zcoap_port_thread *t)
{
	return pthread_equal(pthread_self(), zc_posix_thread_id(t->u.bytes)) != 0;
}
