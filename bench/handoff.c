/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * handoff.c -- the price of handing work to another thread and back, which
 * a callback API with its own receive thread pays once per request when the
 * application thread waits for each callback (benchmark 1).
 *
 * Usage: zbench_handoff <n>
 *   Two threads ping-pong n times through a pair of POSIX semaphores (the
 *   way an application waits for a zcoap callback); prints the result line
 *   with n round trips (each = two wake-ups of a sleeping thread).
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "bench_common.h"

static sem_t ping;
static sem_t pong;
static unsigned long rounds;

static void wait_sem(sem_t *s)
{
	while (sem_wait(s) != 0 && errno == EINTR) {
	}
}

static void *partner(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < rounds; i++) {
		wait_sem(&ping);
		sem_post(&pong);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	uint64_t t0;
	uint64_t c0;

	if (argc != 2) {
		zbench_die("usage: %s <n>", argv[0]);
	}
	rounds = zbench_arg(argv[1], "n");
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	if (pthread_create(&t, NULL, partner, NULL) != 0) {
		zbench_die("pthread_create failed");
	}
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	for (unsigned long i = 0; i < rounds; i++) {
		sem_post(&ping);
		wait_sem(&pong);
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, rounds);
	pthread_join(t, NULL);
	return 0;
}
