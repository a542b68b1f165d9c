/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * thread.c -- the per-client receive thread of thread mode: sleeps in
 * poll() until a datagram, a wake-up or the engine's next deadline, and runs
 * the loop's rounds (loop.c): read the sockets that are ready, feed the
 * engine, run the callbacks it asks for with the client lock released.
 */

#include <errno.h>

#include "client/client_internal.h"
#include "port/port.h"

/* After poll() failed for another reason than a signal, wait this long rather than spin. */
#define POLL_ERROR_BACKOFF_MS 10

static void client_thread(void *arg)
{
	struct coap_client *client = arg;
	struct zcoap_client_private *priv = &client->priv;
	struct zc_port_pollfd fds[ZC_LOOP_MAX_FDS];
	struct zc_loop_frame frame;

	zc_loop_enter(&frame, client); /* for the thread's whole life */
	zc_port_mutex_lock(&priv->lock);
	while (!priv->stop) {
		unsigned int n;
		int timeout;
		int nsock;
		int ready;

		zc_loop_tick_locked(client);
		if (priv->stop) {
			break;
		}
		n = zc_loop_prepare_locked(client, fds, &timeout, &nsock);
		zc_port_mutex_unlock(&priv->lock);

		/* No polling tick: sleep until a datagram, a wake-up or the next deadline. */
		ready = zc_port_poll(fds, n, timeout);
		if (ready < 0 && ready != -EINTR) {
			/* Only EINVAL/ENOMEM are possible; back off rather than spin. */
			(void)zc_port_poll(NULL, 0, POLL_ERROR_BACKOFF_MS);
		}

		zc_port_mutex_lock(&priv->lock);
		zc_loop_dispatch_locked(client, fds, ready > 0 ? n : 0, nsock);
	}
	zc_port_mutex_unlock(&priv->lock);
}

void zc_thread_wake(struct coap_client *client)
{
	zc_port_wake_signal(&client->priv.wake);
}

int zc_thread_start(struct coap_client *client, const char *name)
{
	struct zcoap_client_private *priv = &client->priv;

	if (zc_port_wake_init(&priv->wake) != 0) {
		return -EAGAIN;
	}
	if (zc_port_thread_create(&priv->thread, name, client_thread, client) != 0) {
		zc_port_wake_destroy(&priv->wake);
		return -EAGAIN;
	}
	return 0;
}

void zc_thread_stop(struct coap_client *client)
{
	zc_thread_wake(client);
	zc_port_thread_join(&client->priv.thread);
	zc_port_wake_destroy(&client->priv.wake);
}
