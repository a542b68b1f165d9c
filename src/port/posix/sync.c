/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * sync.c -- POSIX port: the client's mutex and condition variable (futex
 * words on Linux, pthread_mutex_t and pthread_cond_t elsewhere, in the
 * opaque storage of struct zcoap_client_private), and the static mutexes
 * of the globals (pthread_mutex_t).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "coap_client.h"
#include "port/port.h"
#include "port/posix/port_posix.h"

ZC_POSIX_STORAGE_FITS(struct zcoap_port_mutex, pthread_mutex_t); /* static mutexes */

static pthread_mutex_t *mutex_of(struct zcoap_port_mutex *m)
{
	return (pthread_mutex_t *)(void *)m->u.bytes;
}

#if defined(__linux__) && !defined(ZCOAP_PORT_PTHREAD_SYNC)
/*
 * Linux: the client's mutex and condition variable are a 32-bit futex word
 * each (Drepper, "Futexes Are Tricky", mutex 3). Uncontended, a lock is one
 * compare-and-swap and an unlock one exchange, about a tenth of
 * pthread_mutex_lock() + _unlock() (docs/performance.md, issue 13: four
 * pairs per request). The kernel is entered only when threads contend.
 * Acquire on lock and release on unlock order the protected data as a
 * pthread mutex would (C11 5.1.2.4), which is also what ThreadSanitizer
 * checks. Define ZCOAP_PORT_PTHREAD_SYNC to use pthread instead.
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Mutex states: unlocked, locked, locked with (perhaps) a thread waiting. */
enum { UNLOCKED = 0, LOCKED = 1, CONTENDED = 2 };

struct futex_mutex {
	atomic_uint state;
};

/* seq changes with every broadcast; waiters counts threads in cond_wait (under the mutex). */
struct futex_cond {
	atomic_uint seq;
	atomic_uint waiters;
};

ZC_POSIX_STORAGE_FITS(struct zcoap_port_mutex, struct futex_mutex);
ZC_POSIX_STORAGE_FITS(struct zcoap_port_cond, struct futex_cond);

static struct futex_mutex *fmutex_of(struct zcoap_port_mutex *m)
{
	return (struct futex_mutex *)(void *)m->u.bytes;
}

static struct futex_cond *fcond_of(struct zcoap_port_cond *c)
{
	return (struct futex_cond *)(void *)c->u.bytes;
}

/* Sleep while *word == val (returns at once if it differs; spurious wakes allowed). */
static void futex_wait(atomic_uint *word, unsigned int val)
{
	(void)syscall(SYS_futex, (unsigned int *)(void *)word, FUTEX_WAIT_PRIVATE, val, NULL, NULL,
		      0);
}

static void futex_wake(atomic_uint *word, int n)
{
	(void)syscall(SYS_futex, (unsigned int *)(void *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL,
		      0);
}

int zc_port_mutex_init(struct zcoap_port_mutex *m)
{
	atomic_init(&fmutex_of(m)->state, UNLOCKED);
	return 0;
}

void zc_port_mutex_destroy(struct zcoap_port_mutex *m)
{
	(void)m;
}

/* Take the mutex marked CONTENDED, so that its unlock wakes the next waiter. */
static void mutex_lock_contended(struct futex_mutex *f)
{
	while (atomic_exchange_explicit(&f->state, CONTENDED, memory_order_acquire) != UNLOCKED) {
		futex_wait(&f->state, CONTENDED);
	}
}

void zc_port_mutex_lock(struct zcoap_port_mutex *m)
{
	struct futex_mutex *f = fmutex_of(m);
	unsigned int expected = UNLOCKED;

	if (!atomic_compare_exchange_strong_explicit(&f->state, &expected, LOCKED,
						     memory_order_acquire, memory_order_relaxed)) {
		mutex_lock_contended(f);
	}
}

void zc_port_mutex_unlock(struct zcoap_port_mutex *m)
{
	struct futex_mutex *f = fmutex_of(m);

	if (atomic_exchange_explicit(&f->state, UNLOCKED, memory_order_release) == CONTENDED) {
		futex_wake(&f->state, 1);
	}
}

int zc_port_cond_init(struct zcoap_port_cond *c)
{
	atomic_init(&fcond_of(c)->seq, 0);
	atomic_init(&fcond_of(c)->waiters, 0);
	return 0;
}

void zc_port_cond_destroy(struct zcoap_port_cond *c)
{
	(void)c;
}

/*
 * seq is read under the mutex, and a broadcast changes it under the same
 * mutex: a broadcast after this thread's unlock makes futex_wait() return
 * at once, so no wake-up is lost. The mutex is taken back as CONTENDED: other
 * woken waiters may queue on it.
 */
void zc_port_cond_wait(struct zcoap_port_cond *c, struct zcoap_port_mutex *m)
{
	struct futex_cond *fc = fcond_of(c);
	unsigned int seq = atomic_load_explicit(&fc->seq, memory_order_relaxed);

	atomic_fetch_add_explicit(&fc->waiters, 1, memory_order_relaxed);
	zc_port_mutex_unlock(m);
	futex_wait(&fc->seq, seq);
	mutex_lock_contended(fmutex_of(m));
	atomic_fetch_sub_explicit(&fc->waiters, 1, memory_order_relaxed);
}

/* Called with the mutex held, as every caller does: no system call without a waiter. */
void zc_port_cond_broadcast(struct zcoap_port_cond *c)
{
	struct futex_cond *fc = fcond_of(c);

	atomic_fetch_add_explicit(&fc->seq, 1, memory_order_relaxed);
	if (atomic_load_explicit(&fc->waiters, memory_order_relaxed) > 0) {
		futex_wake(&fc->seq, INT_MAX);
	}
}

#else /* pthread */

ZC_POSIX_STORAGE_FITS(struct zcoap_port_mutex, pthread_mutex_t);
ZC_POSIX_STORAGE_FITS(struct zcoap_port_cond, pthread_cond_t);

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

#endif /* pthread */

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
