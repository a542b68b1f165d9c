/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * client_internal.h -- shared by api.c and thread.c (the client thread and
 * the public entry points around the engine).
 *
 * Locking rules (docs/design/threading.md): priv->lock guards the engine and
 * every field of struct zcoap_client_private. Functions whose name ends in
 * _locked expect it held. Application callbacks never run with it held.
 */
#ifndef ZCOAP_CLIENT_INTERNAL_H
#define ZCOAP_CLIENT_INTERNAL_H

#include "core/engine.h"

#define ZCOAP_CLIENT_MAGIC 0x7a636f61U /* "zcoa" */

/**
 * The first datagram of a request, built under the client lock and sent by
 * coap_client_req() after releasing it (see api.c).
 */
struct zcoap_deferred_send {
	bool used;
	int sock;
	socklen_t addrlen;
	struct sockaddr_storage addr;
	size_t len;
	uint8_t buf[MAX_COAP_MSG_LEN];
};

/** The engine I/O of a real client: transport, port random, trace hook. */
extern const struct zcoap_engine_io zc_client_io;

/** Start the receive thread. 0 or a negative errno. */
int zc_thread_start(struct coap_client *client, const char *name);

/** Wake the receive thread so it re-reads its sockets and deadlines. */
void zc_thread_wake(struct coap_client *client);

/**
 * Whether a request just submitted on @p sock needs zc_thread_wake(): not
 * when the thread's poll() already watches @p sock and wakes no later than
 * the engine's next deadline.
 */
bool zc_thread_needs_wake_locked(struct coap_client *client, int sock);

/** Whether the caller is this client's receive thread. */
bool zc_thread_is_self(const struct coap_client *client);

/** Capacity of an event list (struct zcoap_engine's queue). */
#define ZCOAP_MAX_EVENTS (ZCOAP_CONFIG_MAX_REQUESTS + 2)

/**
 * Run the events queued by the last engine call: copies them out, clears
 * the queue, and calls each live one with the lock released.
 */
void zc_run_events_locked(struct coap_client *client);

/**
 * Move the queued events into @p evs (ZCOAP_MAX_EVENTS entries) and clear
 * the queue. Whoever made an engine call owns its events: a caller that
 * must release the lock before running them (cancel waiting for a running
 * callback) takes them first, so no other thread's engine call can run them.
 */
unsigned int zc_take_events_locked(struct coap_client *client, struct zcoap_event *evs);

/** Run events taken with zc_take_events_locked(), each live one unlocked. */
void zc_run_taken_events_locked(struct coap_client *client, const struct zcoap_event *evs,
				unsigned int n);

/** Block until no callback of the requests in @p serials runs on the client thread. */
void zc_wait_callbacks_locked(struct coap_client *client, const uint32_t *serials, int n);

#endif /* ZCOAP_CLIENT_INTERNAL_H */
