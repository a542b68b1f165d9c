/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * port_posix.h -- the POSIX port's own types behind the opaque storage of
 * include/zcoap_client_types.h (struct zcoap_port_mutex holds a
 * pthread_mutex_t, struct zcoap_port_cond a pthread_cond_t, and the two
 * below). cmake/profile.cmake measures them with check_type_size() to size
 * that storage; each implementation file checks with _Static_assert that
 * they fit.
 *
 * Only the POSIX port (and POSIX-only tests, through zc_posix_thread_id())
 * include this header.
 */
#ifndef ZCOAP_PORT_POSIX_H
#define ZCOAP_PORT_POSIX_H

#include <pthread.h>

/** A thread: its handle, and what it runs (read by the new thread itself). */
struct zc_posix_thread {
	pthread_t id;
	void (*fn)(void *arg);
	void *arg;
};

/** The wake-up object: an eventfd (rd == wr) or the two ends of a pipe. */
struct zc_posix_wake {
	int rd;
	int wr;
};

/*
 * Compile-time check that the storage sized at configure time (or by the
 * documented defaults of zcoap_client_types.h) holds @p real: a build
 * whose ZCOAP_PORT_*_SIZE is too small fails here instead of corrupting
 * memory at run time.
 */
#define ZC_POSIX_STORAGE_FITS(storage, real)                                                       \
	_Static_assert(sizeof(storage) >= sizeof(real) && _Alignof(storage) >= _Alignof(real),     \
		       #real " does not fit in " #storage " (ZCOAP_PORT_*_SIZE too small)")

/** The pthread_t behind the storage of a struct zcoap_port_thread. */
static inline pthread_t zc_posix_thread_id(const void *thread_storage)
{
	return ((const struct zc_posix_thread *)thread_storage)->id;
}

#endif /* ZCOAP_PORT_POSIX_H */
