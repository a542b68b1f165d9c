/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_port_posix.c -- the POSIX port (src/port/port.h): monotonic clock,
 * random bytes, mutex and condition variable, static mutex, thread, wake-up
 * object, poll, descriptor identity, socket errors and process identity.
 */
#define _GNU_SOURCE /* pthread_getname_np */

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec_test_util.h"
#include "coap_client.h"
#include "port/port.h"
#include "port/posix/port_posix.h"

static void test_clock_monotonic(void **state)
{
	struct timespec ts;
	int64_t a;
	int64_t b;
	int64_t ref;

	(void)state;
	a = zc_port_now_ms();
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	ref = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	b = zc_port_now_ms();
	assert_true(a <= ref);
	assert_true(ref <= b);
}

static void test_random_fills(void **state)
{
	uint8_t big[1000];
	uint8_t again[1000];
	size_t zeros = 0;
	size_t i;

	(void)state;
	memset(big, 0, sizeof(big));
	/* More than 256 bytes: getrandom() may return short reads. */
	assert_int_equal(zc_port_random(big, sizeof(big)), 0);
	assert_int_equal(zc_port_random(again, sizeof(again)), 0);
	assert_memory_not_equal(big, again, sizeof(big));
	for (i = 0; i < sizeof(big); i++) {
		zeros += big[i] == 0;
	}
	/* Expect ~4 zero bytes in 1000; 100 would mean the buffer was not filled. */
	assert_true(zeros < 100);
	assert_int_equal(zc_port_random(NULL, 0), 0);
	assert_int_equal(zc_port_random(big, 0), 0);
}

/* What the test thread saw of itself. */
struct thread_probe {
	struct zcoap_port_mutex lock;
	struct zcoap_port_cond cond;
	struct zcoap_port_thread thread;
	bool started;
	bool go;
	bool self;
	bool all_blocked;
	char name[16];
};

static void probe_main(void *arg)
{
	struct thread_probe *p = arg;
	sigset_t mask;

	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	zc_port_mutex_lock(&p->lock);
	p->all_blocked = sigismember(&mask, SIGINT) == 1 && sigismember(&mask, SIGTERM) == 1 &&
			 sigismember(&mask, SIGUSR1) == 1;
	p->started = true;
	zc_port_cond_broadcast(&p->cond);
	/* Wait for the creator, which only now may look at the handle. */
	while (!p->go) {
		zc_port_cond_wait(&p->cond, &p->lock);
	}
	p->self = zc_port_thread_is_self(&p->thread);
	zc_port_mutex_unlock(&p->lock);
}

static void test_thread_and_sync(void **state)
{
	static struct thread_probe p;
	sigset_t mask;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(zc_port_mutex_init(&p.lock), 0);
	assert_int_equal(zc_port_cond_init(&p.cond), 0);
	/* The creator's own mask is left as it was. */
	sigemptyset(&mask);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	assert_int_equal(zc_port_thread_create(&p.thread, "a-name-longer-than-15", probe_main, &p),
			 0);
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	assert_int_equal(sigismember(&mask, SIGINT), 0);
	assert_false(zc_port_thread_is_self(&p.thread));
	/* Named before zc_port_thread_create() returns; Linux keeps 15 characters. */
	assert_int_equal(pthread_getname_np(zc_posix_thread_id(&p.thread), p.name, sizeof(p.name)),
			 0);
	assert_string_equal(p.name, "a-name-longer-t");

	zc_port_mutex_lock(&p.lock);
	while (!p.started) {
		zc_port_cond_wait(&p.cond, &p.lock);
	}
	p.go = true;
	zc_port_cond_broadcast(&p.cond);
	zc_port_mutex_unlock(&p.lock);
	zc_port_thread_join(&p.thread);

	assert_true(p.all_blocked);
	assert_true(p.self);
	assert_true(pthread_equal(zc_posix_thread_id(&p.thread), pthread_self()) == 0);
	zc_port_cond_destroy(&p.cond);
	zc_port_mutex_destroy(&p.lock);
}

/*
 * The client's mutex and condition variable under contention (on Linux
 * futex words, src/port/posix/sync.c): THREADS threads take turns in a
 * fixed order through one condition variable, every turn a broadcast that
 * wakes all the others, and between turns each increments a plain counter
 * under the mutex. A lost wake-up hangs the test (ctest's timeout), a
 * mutex that lets two threads in loses increments. (The TSan build uses the
 * pthread variant, ZCOAP_PORT_PTHREAD_SYNC, so there this checks pthread;
 * the futex words were checked under TSan by hand on 2026-12-06: clean.)
 */
#define SYNC_THREADS 3
#define SYNC_TURNS   3000
#define SYNC_INCS    20

static struct {
	struct zcoap_port_mutex lock;
	struct zcoap_port_cond cond;
	struct zcoap_port_thread threads[SYNC_THREADS];
	unsigned long turn; /* whose turn: turn % SYNC_THREADS */
	unsigned long counter;
	unsigned long waits;
} turns;

static void turn_main(void *arg)
{
	unsigned long me = (unsigned long)(uintptr_t)arg;

	for (unsigned long k = 0; k < SYNC_TURNS; k++) {
		zc_port_mutex_lock(&turns.lock);
		while (turns.turn % SYNC_THREADS != me) {
			turns.waits++;
			zc_port_cond_wait(&turns.cond, &turns.lock);
		}
		turns.turn++;
		zc_port_cond_broadcast(&turns.cond);
		zc_port_mutex_unlock(&turns.lock);
		for (int i = 0; i < SYNC_INCS; i++) {
			zc_port_mutex_lock(&turns.lock);
			turns.counter++;
			zc_port_mutex_unlock(&turns.lock);
		}
	}
}

static void test_sync_contended(void **state)
{
	(void)state;
	memset(&turns, 0, sizeof(turns));
	assert_int_equal(zc_port_mutex_init(&turns.lock), 0);
	assert_int_equal(zc_port_cond_init(&turns.cond), 0);
	for (unsigned long i = 0; i < SYNC_THREADS; i++) {
		assert_int_equal(zc_port_thread_create(&turns.threads[i], "sync", turn_main,
						       (void *)(uintptr_t)i),
				 0);
	}
	for (int i = 0; i < SYNC_THREADS; i++) {
		zc_port_thread_join(&turns.threads[i]);
	}
	assert_int_equal(turns.turn, (unsigned long)SYNC_THREADS * SYNC_TURNS);
	assert_int_equal(turns.counter, (unsigned long)SYNC_THREADS * SYNC_TURNS * SYNC_INCS);
	assert_true(turns.waits > 0); /* the condition variable was waited on */
	zc_port_cond_destroy(&turns.cond);
	zc_port_mutex_destroy(&turns.lock);
}

/*
 * Static mutexes: valid with no init call, initialised on first lock
 * exactly once also when several threads lock one for the first time
 * together, and mutually exclusive from then on. Each of STATIC_MUTEXES
 * fresh mutexes is first taken by STATIC_THREADS threads released together
 * by a barrier; each thread increments every mutex's counter with a
 * read-yield-write that loses updates without exclusion (and that
 * ThreadSanitizer reports as a race should a thread ever see a mutex before
 * its initialisation).
 */
#define STATIC_MUTEXES 64
#define STATIC_THREADS 8
#define STATIC_ROUNDS  50

static struct zc_port_static_mutex file_scope_lock = ZC_PORT_STATIC_MUTEX_INIT;

static struct {
	struct zc_port_static_mutex locks[STATIC_MUTEXES]; /* zero: ZC_PORT_STATIC_MUTEX_INIT */
	unsigned long counts[STATIC_MUTEXES];
	pthread_barrier_t start;
} race;

static void race_main(void *arg)
{
	(void)arg;
	(void)pthread_barrier_wait(&race.start);
	for (int r = 0; r < STATIC_ROUNDS; r++) {
		for (int i = 0; i < STATIC_MUTEXES; i++) {
			unsigned long v;

			zc_port_static_mutex_lock(&race.locks[i]);
			v = race.counts[i];
			if (r == 0) {
				sched_yield(); /* widen the window of the first use */
			}
			race.counts[i] = v + 1;
			zc_port_static_mutex_unlock(&race.locks[i]);
		}
	}
}

static void test_static_mutex_first_use(void **state)
{
	static struct zcoap_port_thread threads[STATIC_THREADS];
	const struct zc_port_static_mutex zero = ZC_PORT_STATIC_MUTEX_INIT;

	(void)state;
	/* The initialiser is all zeroes: such an object can sit in .bss. */
	for (size_t i = 0; i < sizeof(zero); i++) {
		assert_int_equal(((const unsigned char *)&zero)[i], 0);
	}
	assert_int_equal(pthread_barrier_init(&race.start, NULL, STATIC_THREADS), 0);
	for (int t = 0; t < STATIC_THREADS; t++) {
		assert_int_equal(zc_port_thread_create(&threads[t], "static-race", race_main, NULL),
				 0);
	}
	for (int t = 0; t < STATIC_THREADS; t++) {
		zc_port_thread_join(&threads[t]);
	}
	(void)pthread_barrier_destroy(&race.start);
	for (int i = 0; i < STATIC_MUTEXES; i++) {
		assert_int_equal(race.counts[i], (unsigned long)STATIC_THREADS * STATIC_ROUNDS);
		assert_true(atomic_load(&race.locks[i].ready));
	}
}

/* Held by the test while the thread tries to take it. */
static atomic_bool excluded_entered;

static void exclusion_main(void *arg)
{
	(void)arg;
	zc_port_static_mutex_lock(&file_scope_lock);
	atomic_store(&excluded_entered, true);
	zc_port_static_mutex_unlock(&file_scope_lock);
}

static void test_static_mutex_excludes(void **state)
{
	static struct zcoap_port_thread thread;

	(void)state;
	/* First use from the main thread, with no init call before. */
	zc_port_static_mutex_lock(&file_scope_lock);
	assert_int_equal(zc_port_thread_create(&thread, "static-excl", exclusion_main, NULL), 0);
	/* However long the thread gets, it cannot enter while the lock is held. */
	(void)zc_port_poll(NULL, 0, 50);
	assert_false(atomic_load(&excluded_entered));
	zc_port_static_mutex_unlock(&file_scope_lock);
	zc_port_thread_join(&thread);
	assert_true(atomic_load(&excluded_entered));
	/* And it can be taken again (not left locked, not recursive state). */
	zc_port_static_mutex_lock(&file_scope_lock);
	zc_port_static_mutex_unlock(&file_scope_lock);
}

static void test_wake_and_poll(void **state)
{
	struct zcoap_port_wake w;
	struct zc_port_pollfd fd;
	int64_t t0;

	(void)state;
	assert_int_equal(zc_port_wake_init(&w), 0);
	fd.fd = zc_port_wake_fd(&w);
	fd.events = ZC_PORT_POLL_IN;
	fd.revents = 0;
	assert_true(fd.fd >= 0);

	/* Nothing pending: the poll times out. */
	t0 = zc_port_now_ms();
	assert_int_equal(zc_port_poll(&fd, 1, 30), 0);
	assert_true(zc_port_now_ms() - t0 >= 25);

	/* Signals coalesce; one drain empties them all. */
	zc_port_wake_signal(&w);
	zc_port_wake_signal(&w);
	zc_port_wake_signal(&w);
	assert_int_equal(zc_port_poll(&fd, 1, 1000), 1);
	assert_true(fd.revents & ZC_PORT_POLL_IN);
	zc_port_wake_drain(&w);
	fd.revents = 0;
	assert_int_equal(zc_port_poll(&fd, 1, 0), 0);
	zc_port_wake_drain(&w); /* draining an empty object does not block */

	/* No descriptors: only sleeps. */
	t0 = zc_port_now_ms();
	assert_int_equal(zc_port_poll(NULL, 0, 20), 0);
	assert_true(zc_port_now_ms() - t0 >= 15);
	zc_port_wake_destroy(&w);

	/* A closed descriptor is reported, not waited for. */
	fd.revents = 0;
	assert_int_equal(zc_port_poll(&fd, 1, 1000), 1);
	assert_true(fd.revents & ZC_PORT_POLL_NVAL);

	/* A fresh UDP socket has room in its send buffer: writable at once. */
	fd.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd.fd >= 0);
	fd.events = ZC_PORT_POLL_OUT;
	fd.revents = 0;
	assert_int_equal(zc_port_poll(&fd, 1, 1000), 1);
	assert_true(fd.revents & ZC_PORT_POLL_OUT);
	close(fd.fd);
}

static void test_fd_identity(void **state)
{
	uint64_t a1;
	uint64_t b1;
	uint64_t a2;
	uint64_t b2;
	int s1 = socket(AF_INET, SOCK_DGRAM, 0);
	int s2 = socket(AF_INET, SOCK_DGRAM, 0);
	int n;

	(void)state;
	assert_true(s1 >= 0 && s2 >= 0);
	assert_true(zc_port_fd_identity(s1, &a1, &b1));
	assert_true(zc_port_fd_identity(s2, &a2, &b2));
	assert_false(a1 == a2 && b1 == b2);
	/* The same number, reused for a new socket, is another file. */
	n = s1;
	close(s1);
	assert_false(zc_port_fd_identity(n, &a2, &b2));
	s1 = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(s1, n);
	assert_true(zc_port_fd_identity(s1, &a2, &b2));
	assert_false(a1 == a2 && b1 == b2);
	close(s1);
	close(s2);
}

static void test_socket_error(void **state)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	struct zc_port_pollfd fd;
	int closed = socket(AF_INET, SOCK_DGRAM, 0);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t byte = 0;

	(void)state;
	assert_true(closed >= 0 && s >= 0);
	/* A port nobody listens on: bind one, note it, close it. */
	assert_int_equal(bind(closed, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(closed, (struct sockaddr *)&addr, &len), 0);
	close(closed);
	assert_int_equal(zc_port_socket_error(s), 0);
	assert_int_equal(connect(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(send(s, &byte, 1, 0), 1);
	/* ICMP port unreachable turns into a pending ECONNREFUSED (POLLERR). */
	fd.fd = s;
	fd.events = ZC_PORT_POLL_IN;
	fd.revents = 0;
	assert_int_equal(zc_port_poll(&fd, 1, 2000), 1);
	assert_true(fd.revents & ZC_PORT_POLL_ERR);
	assert_int_equal(zc_port_socket_error(s), ECONNREFUSED);
	assert_int_equal(zc_port_socket_error(s), 0); /* taken */
	close(s);
	assert_int_equal(zc_port_socket_error(s), -EIO);
}

/* An IP_RECVERR error-queue entry: its control data reports ECONNREFUSED, other data nothing. */
static void test_errqueue_errno(void **state)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in dst;
	socklen_t len = sizeof(addr);
	_Alignas(struct cmsghdr) uint8_t control[ZC_PORT_ERRQUEUE_CONTROL_SIZE];
	struct msghdr mh = {0};
	struct zc_port_pollfd fd;
	int closed = socket(AF_INET, SOCK_DGRAM, 0);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int on = 1;
	uint8_t byte = 0;

	(void)state;
	assert_true(closed >= 0 && s >= 0);
	assert_int_equal(bind(closed, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(closed, (struct sockaddr *)&addr, &len), 0);
	close(closed);
	assert_int_equal(setsockopt(s, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)), 0);
	assert_int_equal(sendto(s, &byte, 1, 0, (struct sockaddr *)&addr, sizeof(addr)), 1);
	fd.fd = s;
	fd.events = ZC_PORT_POLL_IN;
	fd.revents = 0;
	assert_int_equal(zc_port_poll(&fd, 1, 2000), 1);
	assert_true(fd.revents & ZC_PORT_POLL_ERR);
	mh.msg_name = &dst;
	mh.msg_namelen = sizeof(dst);
	mh.msg_control = control;
	mh.msg_controllen = sizeof(control);
	assert_true(recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0);
	assert_int_equal(zc_port_errqueue_errno(control, mh.msg_controllen), ECONNREFUSED);
	/* msg_name is the destination of the datagram that failed. */
	assert_int_equal(mh.msg_namelen, sizeof(dst));
	assert_int_equal(dst.sin_port, addr.sin_port);
	/* The queue is empty now, and so is the pending error: poll() is quiet again. */
	assert_int_equal(zc_port_socket_error(s), 0);
	assert_int_equal(zc_port_poll(&fd, 1, 0), 0);
	assert_int_equal(zc_port_errqueue_errno(control, 0), 0);
	memset(control, 0, sizeof(control));
	assert_int_equal(zc_port_errqueue_errno(control, sizeof(control)), 0);
	close(s);
}

/* The process identity changes in a fork()ed child, which is what the DTLS generator checks. */
static void test_process_id(void **state)
{
	unsigned long parent = zc_port_process_id();
	int status = 0;
	pid_t child;

	(void)state;
	assert_int_equal(parent, (unsigned long)getpid());
	assert_int_equal(zc_port_process_id(), parent);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		_exit(zc_port_process_id() != parent &&
			      zc_port_process_id() == (unsigned long)getpid()
			  ? 0
			  : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_monotonic),
	    cmocka_unit_test(test_random_fills),
	    cmocka_unit_test(test_thread_and_sync),
	    cmocka_unit_test(test_sync_contended),
	    cmocka_unit_test(test_wake_and_poll),
	    cmocka_unit_test(test_fd_identity),
	    cmocka_unit_test(test_socket_error),
	    cmocka_unit_test(test_errqueue_errno),
	    cmocka_unit_test(test_static_mutex_first_use),
	    cmocka_unit_test(test_static_mutex_excludes),
	    cmocka_unit_test(test_process_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
