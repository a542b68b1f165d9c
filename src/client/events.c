/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * events.c -- running the callbacks the engine queued, with the client lock
 * released, and the synchronisation around them: cancellation waits until
 * a cancelled request's callback has returned, and
 * zcoap_client_response_info() describes the response behind the callback
 * running on this thread.
 */

#include <string.h>

#include "client/client_internal.h"
#include "port/port.h"

/* The response behind the callback running on this thread (zcoap_client_response_info()). */
static _Thread_local const struct zcoap_response_info *current_info;

const struct zcoap_response_info *zcoap_client_response_info(void)
{
	return current_info;
}

const struct coap_packet *zcoap_client_response_packet(void)
{
	return current_info != NULL ? current_info->packet : NULL;
}

unsigned int zc_take_events_locked(struct coap_client *client, struct zcoap_event *evs)
{
	struct zcoap_client_private *priv = &client->priv;
	unsigned int n = priv->eng.n_events;

	memcpy(evs, priv->eng.events, n * sizeof(evs[0]));
	priv->eng.n_events = 0;
	return n;
}

void zc_run_events_locked(struct coap_client *client)
{
	struct zcoap_event evs[ZC_MAX_EVENTS];
	unsigned int n = zc_take_events_locked(client, evs);

	zc_run_taken_events_locked(client, evs, n);
}

void zc_run_taken_events_locked(struct coap_client *client, const struct zcoap_event *evs,
				unsigned int n)
{
	struct zcoap_client_private *priv = &client->priv;
	bool self = zc_thread_is_self(client);

	for (unsigned int i = 0; i < n; i++) {
		const struct zcoap_event *ev = &evs[i];
		const struct zcoap_response_info *saved_info = current_info;
		uint32_t saved_serial = priv->running_serial;
		struct zcoap_response_info info;

		if (ev->cb == NULL || !zc_engine_event_live(&priv->eng, ev)) {
			continue;
		}
		/*
		 * Never re-enter a request's callback from inside itself (e.g. it
		 * cancels itself): Zephyr's in_callback rule.
		 */
		if (self && saved_serial == ev->serial) {
			continue;
		}
		if (ev->has_packet) {
			zc_engine_response_info(&priv->eng, &info);
			current_info = &info;
		} else {
			current_info = NULL;
		}
		if (self) {
			priv->running_serial = ev->serial;
		}
		zc_port_mutex_unlock(&priv->lock);
		ev->cb(ev->code, ev->offset, ev->payload, ev->len, ev->last_block, ev->user_data);
		zc_port_mutex_lock(&priv->lock);
		current_info = saved_info;
		if (self) {
			priv->running_serial = saved_serial;
			zc_port_cond_broadcast(&priv->cond);
		}
	}
}

void zc_wait_callbacks_locked(struct coap_client *client, const uint32_t *serials, int n)
{
	struct zcoap_client_private *priv = &client->priv;

	if (zc_thread_is_self(client)) {
		return;
	}
	for (;;) {
		bool busy = false;

		for (int i = 0; i < n && priv->running_serial != 0; i++) {
			if (serials[i] == priv->running_serial) {
				busy = true;
			}
		}
		if (!busy) {
			return;
		}
		zc_port_cond_wait(&priv->cond, &priv->lock);
	}
}
