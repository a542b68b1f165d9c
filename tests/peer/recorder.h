/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * recorder.h -- thread-safe log of response callbacks for system tests.
 *
 * Pass recorder_cb as the request's callback and a struct recorder as its
 * user_data. Every call is stored (code, offset, a copy of the payload, len,
 * last_block, the calling thread, and what zcoap_client_response_info()
 * said), and the test waits for a number of events with a bounded deadline.
 */

#ifndef ZCOAP_TEST_RECORDER_H
#define ZCOAP_TEST_RECORDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most events one recorder keeps. */
#define RECORDER_MAX_EVENTS 64
/** Default wait for events. */
#define RECORDER_WAIT_MS 10000

/** One callback invocation. */
struct rec_event {
	int16_t code;
	size_t offset;
	uint8_t *payload; /**< Copy (malloc), NULL when the callback got none */
	size_t len;
	bool last_block;
	bool payload_was_null; /**< The callback's payload pointer was NULL */
	pthread_t thread;      /**< Thread that ran the callback */
	bool has_info;         /**< zcoap_client_response_info() was non-NULL */
	bool has_packet;       /**< zcoap_client_response_packet() was non-NULL */
	uint8_t packet_code;   /**< Code of that packet */
	uint16_t source_port;  /**< Source port in the info (0 if none) */
	bool has_observe;
	uint32_t observe;
};

struct recorder;

/** Optional hook run after an event is stored (outside the recorder lock). */
typedef void (*recorder_hook_t)(struct recorder *r, const struct rec_event *ev, size_t index);

/** A callback log. */
struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct rec_event ev[RECORDER_MAX_EVENTS];
	size_t n;
	size_t overflow; /**< Events beyond RECORDER_MAX_EVENTS (a test failure) */
	recorder_hook_t hook;
	void *hook_ctx;
};

void recorder_init(struct recorder *r);
/** Install (or remove, with NULL) the hook, under the recorder lock. */
void recorder_set_hook(struct recorder *r, recorder_hook_t hook, void *ctx);

/** Free the payload copies. */
void recorder_destroy(struct recorder *r);

/** The response callback; user_data must be a struct recorder. */
void recorder_cb(int16_t result_code, size_t offset, const uint8_t *payload, size_t len,
		 bool last_block, void *user_data);

/** Wait until at least @p n events are stored. @return true if they are. */
bool recorder_wait(struct recorder *r, size_t n, int timeout_ms);

/** Number of events stored so far. */
size_t recorder_count(struct recorder *r);

/** Copy of event @p i (payload pointer shared with the recorder). */
struct rec_event recorder_get(struct recorder *r, size_t i);

/** Whether event @p i has exactly this payload. */
bool recorder_payload_is(struct recorder *r, size_t i, const void *data, size_t len);

#endif /* ZCOAP_TEST_RECORDER_H */
