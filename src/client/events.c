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

/*
 * The response behind a callback, described only when the callback asks
 * (zcoap_client_response_info()): most never do. Each callback frame has
 * its own, so a callback nested in another (a cancel's callback, another
 * client's loop) leaves the outer one's description alone. The engine's
 * fields it reads stay as they were until the callback returns: only this
 * thread, the client's loop thread, changes them (manual.c refuses a second
 * loop, -EBUSY, and one from a callback, -EDEADLK).
 */
struct cb_info {
	const struct zcoap_engine *eng;
	bool filled;
	struct zcoap_response_info info;
};

/* The response behind the callback running on this thread, or NULL. */
static _Thread_local struct cb_info *current_info;

static const struct zcoap_response_info *describe(struct cb_info *c)
{
	if (c == NULL) {
		return NULL;
	}
	if (!c->filled) {
		zc_engine_response_info(c->eng, &c->info);
		c->filled = true;
	}
	return &c->info;
}

const struct zcoap_response_info *zcoap_client_response_info(void)
{
	return describe(current_info);
}

const struct coap_packet *zcoap_client_response_packet(void)
{
	const struct zcoap_response_info *info = describe(current_info);

	return info != NULL ? info->packet : NULL;
}

/*
 * The clients whose loop this thread runs, innermost first: its receive
 * thread's client, or the clients of the manual-mode loop calls it is
 * inside (a callback may drive another client's loop, so more than one).
 */
static _Thread_local struct zc_loop_frame *loop_frames;

bool zc_loop_is_self(const struct coap_client *client)
{
	for (const struct zc_loop_frame *f = loop_frames; f != NULL; f = f->outer) {
		if (f->client == client) {
			return client != NULL;
		}
	}
	return false;
}

void zc_loop_enter(struct zc_loop_frame *frame, struct coap_client *client)
{
	frame->client = client;
	frame->outer = loop_frames;
	loop_frames = frame;
}

void zc_loop_leave(const struct zc_loop_frame *frame)
{
	loop_frames = frame->outer;
}

static unsigned int take_events_locked(struct coap_client *client, struct zcoap_event *evs)
{
	struct zcoap_client_private *priv = &client->priv;
	unsigned int n = priv->eng.n_events;

	memcpy(evs, priv->eng.events, n * sizeof(evs[0]));
	priv->eng.n_events = 0;
	return n;
}

/* The frame of the callback of request @p serial on the client thread's stack, or NULL. */
static struct zc_running_cb *running_locked(const struct zcoap_client_private *priv,
					    uint32_t serial)
{
	for (struct zc_running_cb *f = priv->running; f != NULL; f = f->outer) {
		if (f->serial == serial) {
			return f;
		}
	}
	return NULL;
}

/*
 * Block until no callback of request @p serial runs on the client thread.
 * Every frame counts, not only the innermost: a callback that is itself
 * inside a nested cancel (A's callback cancelled B and B's -ECANCELED runs)
 * is still running.
 */
static void wait_callback_locked(struct zcoap_client_private *priv, uint32_t serial)
{
	while (running_locked(priv, serial) != NULL) {
		priv->cb_waiters++;
		zc_port_cond_wait(&priv->cond, &priv->lock);
		priv->cb_waiters--;
	}
}

static void run_taken_events_locked(struct coap_client *client, const struct zcoap_event *evs,
				    unsigned int n);

/*
 * Run the callback of one taken event (with the lock released), unless its
 * request's callback is running on this thread already. @p self: this
 * thread runs the client's loop (zc_loop_is_self()).
 */
static inline void run_event_locked(struct coap_client *client, const struct zcoap_event *ev,
				    bool self)
{
	struct zcoap_client_private *priv = &client->priv;
	struct cb_info *saved_info = current_info;
	struct zc_running_cb frame; /* deferred is read only once has_deferred is set */
	struct zc_running_cb *owner;
	struct cb_info info; /* info.info is filled only when asked for */

	if (ev->cb == NULL || !zc_engine_event_live(&priv->eng, ev)) {
		return;
	}
	frame.serial = ev->serial;
	frame.outer = priv->running;
	frame.has_deferred = false;
	owner = self ? running_locked(priv, ev->serial) : NULL;
	if (owner != NULL) {
		/*
		 * Never re-enter a request's callback from inside itself.
		 * A callback that ends its own request gets no nested
		 * final callback (Zephyr's in_callback rule). Ended from
		 * a callback nested in it (A's callback cancelled B, B's
		 * -ECANCELED cancels A), its final callback runs once its
		 * own has returned: still exactly one, and the last.
		 */
		if (ev->final && owner != priv->running) {
			owner->deferred = *ev;
			owner->has_deferred = true;
		}
		return;
	}
	if (!self && ev->final) {
		/*
		 * The request ended (cancel, NON deregistration, a failed
		 * send) while the client thread may still run one of its
		 * callbacks: its final callback, where the application
		 * frees user_data, must come after that one has returned.
		 * Only the client thread runs non-final callbacks, and
		 * none starts for an ended request (zc_engine_event_live()),
		 * so after this wait this one is the last.
		 */
		wait_callback_locked(priv, ev->serial);
	}
	if (ev->has_packet) {
		info.eng = &priv->eng;
		info.filled = false;
		current_info = &info;
	} else {
		current_info = NULL;
	}
	if (self) {
		priv->running = &frame;
		priv->loop_callbacks++;
	}
	zc_port_mutex_unlock(&priv->lock);
	if (ev->cb_4_3) {
		/* A request in the Zephyr 4.3 shape (api_4_3.c). */
		const struct zcoap_response_info *ri = describe(current_info);
		struct coap_client_response_data data = {
		    .result_code = ev->code,
		    .packet = ri != NULL ? ri->packet : NULL,
		    .offset = ev->offset,
		    .payload = ev->payload,
		    .payload_len = ev->len,
		    .last_block = ev->last_block,
		    .source = ri != NULL ? ri->source : NULL,
		    .source_len = ri != NULL ? ri->source_len : 0,
		};
		zcoap_client_response_cb_4_3_t cb43 =
		    (zcoap_client_response_cb_4_3_t)(void (*)(void))ev->cb;

		cb43(&data, ev->user_data);
	} else {
		ev->cb(ev->code, ev->offset, ev->payload, ev->len, ev->last_block, ev->user_data);
	}
	zc_port_mutex_lock(&priv->lock);
	current_info = saved_info;
	if (self) {
		priv->running = frame.outer;
		if (priv->cb_waiters > 0) {
			zc_port_cond_broadcast(&priv->cond); /* a cancel waits for it */
		}
		if (frame.has_deferred) {
			run_taken_events_locked(client, &frame.deferred, 1);
		}
	}
}

static void run_taken_events_locked(struct coap_client *client, const struct zcoap_event *evs,
				    unsigned int n)
{
	bool self = zc_loop_is_self(client);

	for (unsigned int i = 0; i < n; i++) {
		run_event_locked(client, &evs[i], self);
	}
}

/* The usual case, one event (a response): no array of events, no loop. */
static void run_one_event_locked(struct coap_client *client)
{
	struct zcoap_event ev = client->priv.eng.events[0];

	client->priv.eng.n_events = 0;
	/* Before any final callback: the application may close the socket in it. */
	if (client->priv.eng.n_linger > 0) {
		zc_linger_take_locked(client);
	}
	run_event_locked(client, &ev, zc_loop_is_self(client));
}

void zc_run_events_locked(struct coap_client *client)
{
	struct zcoap_event evs[ZC_MAX_EVENTS];
	unsigned int n;

	/* Most engine calls (a tick with nothing due) queue nothing: no copy, no frame. */
	if (client->priv.eng.n_events == 0 && client->priv.eng.n_linger == 0) {
		return;
	}
	if (client->priv.eng.n_events == 1) {
		run_one_event_locked(client);
		return;
	}
	n = take_events_locked(client, evs);

	/* Before any final callback: the application may close the socket in it. */
	zc_linger_take_locked(client);

	run_taken_events_locked(client, evs, n);
}
