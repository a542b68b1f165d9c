/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fork.c -- telling a fork()ed child from its parent without a system call
 * (src/port/port.h: zc_port_fork_watch(), zc_port_fork_generation()): a
 * pthread_atfork() child handler counts the forks, and the client's random
 * pool (src/client/io.c) compares the count with the one it was filled
 * under. getpid() would be a system call per request.
 */

#include <pthread.h>
#include <stdatomic.h>

#include "port/port.h"

/* Incremented in every child of fork() once the handler is installed. */
static atomic_uint fork_generation;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_child(void)
{
	atomic_fetch_add_explicit(&fork_generation, 1U, memory_order_relaxed);
}

static void fork_handler_install(void)
{
	/* Without the handler (ENOMEM) a child could repeat its parent's pool. */
	(void)pthread_atfork(NULL, NULL, fork_child);
}

void zc_port_fork_watch(void)
{
	(void)pthread_once(&fork_once, fork_handler_install);
}

unsigned int zc_port_fork_generation(void)
{
	return atomic_load_explicit(&fork_generation, memory_order_relaxed);
}
