/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * manual_loop.h -- an application thread that drives an event-loop-mode
 * client (zcoap_loop.h) with zcoap_client_process(), so that the system and
 * interop tests written for thread mode run unchanged against manual mode:
 * the test thread calls coap_client_req() etc. on a manual-mode client
 * from another thread, as the threading contract allows.
 */
#ifndef ZCOAP_TEST_MANUAL_LOOP_H
#define ZCOAP_TEST_MANUAL_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "coap_client.h"

struct manual_loop {
	struct coap_client *client;
	pthread_t thread;
	atomic_bool stop;
	atomic_int error; /* first negative return of zcoap_client_process() but -EINTR */
};

/** zcoap_client_init_manual(@p client) and start the loop thread. 0 or a negative errno. */
int manual_loop_start(struct manual_loop *l, struct coap_client *client);

/**
 * Stop and join the loop thread, then zcoap_client_deinit() in the calling
 * thread. @return What the loop saw: 0, or its first error.
 */
int manual_loop_stop(struct manual_loop *l);

#endif
