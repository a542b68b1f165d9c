/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * manual.c -- event-loop mode (include/zcoap_loop.h): the loop's rounds
 * (loop.c) run in the application's thread, from zcoap_client_process() or
 * from a foreign loop through zcoap_client_get_fds(), _fd_ready() and
 * _timeout(). One thread processes at a time (priv->processing); requests,
 * cancels and deinit may come from any thread (docs/design/threading.md).
 */

#include <errno.h>

#include "zcoap_loop.h"

#include "client/client_internal.h"
#include "port/port.h"

/* A processing call in progress: this thread's loop frame for the client. */
struct zc_processing {
	struct zc_loop_frame frame;
	uint32_t callbacks; /* priv->loop_callbacks when it began */
};

/*
 * Begin a processing call: checks, then the lock is held, this thread is
 * the client's loop thread and priv->processing is set.
 */
static int begin(struct coap_client *client, struct zc_processing *p)
{
	struct zcoap_client_private *priv;

	if (client == NULL) {
		return -EINVAL;
	}
	if (!zc_client_initialised(client)) {
		return -ESHUTDOWN;
	}
	priv = &client->priv;
	if (!priv->manual) {
		return -EINVAL;
	}
	if (zc_loop_is_self(client)) {
		return -EDEADLK; /* from a callback of this client */
	}
	zc_port_mutex_lock(&priv->lock);
	if (priv->stop || priv->processing) {
		int r = priv->stop ? -ESHUTDOWN : -EBUSY;

		zc_port_mutex_unlock(&priv->lock);
		return r;
	}
	priv->processing = true;
	zc_loop_enter(&p->frame, client);
	p->callbacks = priv->loop_callbacks;
	return 0;
}

/* End a processing call begun by begin(); returns the callbacks it ran. */
static int end(struct coap_client *client, const struct zc_processing *p)
{
	struct zcoap_client_private *priv = &client->priv;
	int ran = (int)(priv->loop_callbacks - p->callbacks);

	priv->processing = false;
	if (priv->stop) {
		/* zcoap_client_deinit() in another thread waits for this call to end. */
		zc_port_cond_broadcast(&priv->cond);
	}
	zc_port_mutex_unlock(&priv->lock);
	zc_loop_leave(&p->frame);
	return ran;
}

int zcoap_client_process(struct coap_client *client, int timeout_ms)
{
	struct zc_processing p;
	int ready;
	int ran;
	int r = begin(client, &p);

	if (r < 0) {
		return r;
	}
	ready = zc_loop_round_locked(client, timeout_ms);
	r = client->priv.stop ? -ESHUTDOWN : 0;
	ran = end(client, &p);
	if (r == 0 && ran == 0 && ready < 0) {
		r = ready; /* -EINTR, or what poll() failed with */
	}
	return r < 0 && ran == 0 ? r : ran;
}

int zcoap_client_get_fds(struct coap_client *client, int *fds, int max, int *timeout_ms)
{
	const struct zc_port_pollfd *pfds;
	struct zc_processing p;
	unsigned int n;
	int timeout;
	int nsock;
	int r;

	if (fds == NULL && max > 0) {
		return -EINVAL;
	}
	r = begin(client, &p);
	if (r < 0) {
		return r;
	}
	/* polling stays set: the loop sleeps on these until it hands something over. */
	n = zc_loop_prepare_locked(client, &timeout, &nsock);
	pfds = zc_loop_fds(client);
	for (unsigned int i = 0; i < n && (int)i < max; i++) {
		fds[i] = pfds[i].fd;
	}
	if (timeout_ms != NULL) {
		*timeout_ms = timeout;
	}
	(void)end(client, &p);
	return (int)n;
}

int zcoap_client_fd_ready(struct coap_client *client, int fd, unsigned int events)
{
	struct zc_processing p;
	short revents =
	    (short)(events & (ZCOAP_FD_IN | ZCOAP_FD_ERR | ZCOAP_FD_HUP | ZCOAP_FD_NVAL));
	int r = begin(client, &p);

	if (r < 0) {
		return r;
	}
	client->priv.polling = false;
	if (revents == 0) {
		revents = ZC_PORT_POLL_IN;
	}
	zc_loop_fd_ready_locked(client, fd, revents);
	return end(client, &p);
}

int zcoap_client_timeout(struct coap_client *client)
{
	struct zc_processing p;
	int r = begin(client, &p);

	if (r < 0) {
		return r;
	}
	client->priv.polling = false;
	zc_loop_tick_locked(client);
	return end(client, &p);
}
