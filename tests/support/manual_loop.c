/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * manual_loop.c -- see manual_loop.h.
 */
#include "manual_loop.h"

#include <errno.h>

#include "zcoap_loop.h"

/*
 * Each wait is bounded (100 ms) only so that the thread notices `stop`: a
 * wait cut short is harmless (the client waits again in the next call) and
 * nothing in the tests depends on it.
 */
#define LOOP_SLICE_MS 100

static void *loop_main(void *arg)
{
	struct manual_loop *l = arg;

	while (!atomic_load(&l->stop)) {
		int r = zcoap_client_process(l->client, LOOP_SLICE_MS);

		if (r < 0 && r != -EINTR) {
			int none = 0;

			(void)atomic_compare_exchange_strong(&l->error, &none, r);
			break;
		}
	}
	return NULL;
}

int manual_loop_start(struct manual_loop *l, struct coap_client *client)
{
	int r = zcoap_client_init_manual(client);

	if (r < 0) {
		return r;
	}
	l->client = client;
	atomic_init(&l->stop, false);
	atomic_init(&l->error, 0);
	if (pthread_create(&l->thread, NULL, loop_main, l) != 0) {
		(void)zcoap_client_deinit(client);
		return -EAGAIN;
	}
	return 0;
}

int manual_loop_stop(struct manual_loop *l)
{
	int r;

	atomic_store(&l->stop, true);
	(void)pthread_join(l->thread, NULL);
	r = zcoap_client_deinit(l->client);
	return r < 0 ? r : atomic_load(&l->error);
}
