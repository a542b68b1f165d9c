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

/*
 * After a poll() that lasted until its deadline while requests were admitted on watched
 * sockets without an identity check (zc_poll_set_admit_locked()): did the
 * application close one and get its number again for another socket? The
 * poll() then watched the old file and missed the new one's answer until
 * its deadline. Then every later admission while the thread sleeps checks
 * the identity (one fstat(), as it did before). Only sockets with requests
 * are looked at: the application keeps those open, so the fstat() races
 * with no close().
 */
static void check_trusted_locked(struct coap_client *client)
{
	struct zcoap_client_private *priv = &client->priv;

	for (int i = 0; i < priv->n_poll_socks; i++) {
		int fd = priv->poll_socks[i];
		uint64_t dev;
		uint64_t ino;

		if (fd < 0 || !zc_engine_socket_active(&priv->eng, fd) ||
		    !zc_port_fd_identity(fd, &dev, &ino)) {
			continue;
		}
		if (dev != priv->poll_dev[i] || ino != priv->poll_ino[i]) {
			priv->reuse_seen = true;
			priv->poll_dev[i] = dev;
			priv->poll_ino[i] = ino;
		}
	}
}

static void client_thread(void *arg)
{
	struct coap_client *client = arg;
	struct zcoap_client_private *priv = &client->priv;
	struct zc_port_pollfd *fds = zc_loop_fds(client);
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
		n = zc_loop_prepare_locked(client, &timeout, &nsock);
		zc_port_mutex_unlock(&priv->lock);

		/* No polling tick: sleep until a datagram, a wake-up or the next deadline. */
		ready = zc_port_poll(fds, n, timeout);
		if (ready < 0 && ready != -EINTR) {
			/* Only EINVAL/ENOMEM are possible; back off rather than spin. */
			(void)zc_port_poll(NULL, 0, POLL_ERROR_BACKOFF_MS);
		}

		zc_port_mutex_lock(&priv->lock);
		/*
		 * Woken by its deadline (at which Linux's poll() looks at the
		 * numbers once more, so a missed socket may show up ready).
		 */
		if (priv->poll_trusted && ready >= 0 && zc_port_now_ms() >= priv->poll_deadline) {
			check_trusted_locked(client);
		}
		priv->poll_trusted = false;
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
