/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lifecycle.c -- a client's life: coap_client_init() (lock, condition,
 * wake-up object, receive thread), zcoap_client_deinit() (cancel
 * everything, stop and join the thread, release the OS objects), and the
 * per-client settings (separate-response timeout, trace hook; the linger
 * time is set in linger.c).
 */

#include <errno.h>
#include <string.h>

#include "zcoap_loop.h"

#include "client/client_internal.h"
#include "port/port.h"

/* Clear the client and create its lock and condition (common to both modes). */
static int client_setup(struct coap_client *client)
{
	struct zcoap_client_private *priv;

	if (client == NULL) {
		return -EINVAL;
	}
	if (zc_client_initialised(client)) {
		return -EALREADY;
	}
	memset(client, 0, sizeof(*client));
	priv = &client->priv;
	zc_engine_init(&priv->eng, &zc_client_io_untraced, client);
	priv->linger_ms = ZCOAP_CONFIG_LINGER_MS;
	if (zc_port_mutex_init(&priv->lock) != 0) {
		return -EAGAIN;
	}
	if (zc_port_cond_init(&priv->cond) != 0) {
		zc_port_mutex_destroy(&priv->lock);
		return -EAGAIN;
	}
	return 0;
}

static void client_teardown(struct coap_client *client)
{
	zc_port_cond_destroy(&client->priv.cond);
	zc_port_mutex_destroy(&client->priv.lock);
}

int coap_client_init(struct coap_client *client, const char *info)
{
	struct zcoap_client_private *priv;
	int r = client_setup(client);

	if (r < 0) {
		return r;
	}
	priv = &client->priv;
	/* The thread starts by taking the lock, so it sees every field set here. */
	zc_port_mutex_lock(&priv->lock);
	priv->magic = ZC_CLIENT_MAGIC;
	r = zc_thread_start(client, info != NULL ? info : ZCOAP_CONFIG_THREAD_NAME);
	if (r < 0) {
		priv->magic = 0;
	}
	zc_port_mutex_unlock(&priv->lock);
	if (r < 0) {
		client_teardown(client);
	}
	return r;
}

int zcoap_client_init_manual(struct coap_client *client)
{
	int r = client_setup(client);

	if (r < 0) {
		return r;
	}
	/* No thread: the wake-up object tells the application's loop to redo its wait. */
	if (zc_port_wake_init(&client->priv.wake) != 0) {
		client_teardown(client);
		return -EAGAIN;
	}
	client->priv.manual = true;
	client->priv.magic = ZC_CLIENT_MAGIC;
	return 0;
}

int zcoap_client_deinit(struct coap_client *client)
{
	struct zcoap_client_private *priv;

	if (!zc_client_initialised(client)) {
		return 0;
	}
	if (zc_loop_is_self(client)) {
		return -EDEADLK;
	}
	priv = &client->priv;
	zc_port_mutex_lock(&priv->lock);
	priv->linger_ms = 0; /* the cancelled requests' sockets are the application's now */
	zc_client_cancel_locked(client, NULL);
	priv->stop = true;
	if (priv->manual) {
		/* A processing call in another thread returns -ESHUTDOWN; wait for it. */
		zc_port_wake_signal(&priv->wake);
		while (priv->processing) {
			zc_port_cond_wait(&priv->cond, &priv->lock);
		}
	}
	zc_port_mutex_unlock(&priv->lock);
	if (priv->manual) {
		zc_port_wake_destroy(&priv->wake);
	} else {
		zc_thread_stop(client);
	}
	zc_linger_close_all_locked(client);
	client_teardown(client);
	priv->magic = 0;
	return 0;
}

int zcoap_client_set_separate_timeout(struct coap_client *client, uint32_t timeout_ms)
{
	if (!zc_client_initialised(client) || timeout_ms == 0) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->priv.lock);
	client->priv.eng.separate_timeout_ms = timeout_ms;
	zc_port_mutex_unlock(&client->priv.lock);
	return 0;
}

int zcoap_client_set_trace(struct coap_client *client, zcoap_trace_cb_t cb, void *user_data)
{
	if (!zc_client_initialised(client)) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->priv.lock);
	client->priv.trace_cb = cb;
	client->priv.trace_user = user_data;
	client->priv.eng.io = cb != NULL ? &zc_client_io : &zc_client_io_untraced;
	zc_port_mutex_unlock(&client->priv.lock);
	return 0;
}
