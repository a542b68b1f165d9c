/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * interop_util.h -- helpers shared by the Observe/Block-wise interop tests:
 * a response callback that reassembles one body (checking offsets), one that
 * follows a Block1 upload, and a datagram counter for zcoap_client_set_trace().
 */

#ifndef ZCOAP_INTEROP_UTIL_H
#define ZCOAP_INTEROP_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Reassembles the body of one request from its callbacks. */
struct body_collector {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *buf; /**< Body so far (malloc, @c cap bytes) */
	size_t cap;
	size_t len;    /**< Bytes delivered so far */
	size_t chunks; /**< Callbacks with a non-negative code */
	int16_t code;  /**< Code of the latest callback */
	bool done;     /**< A callback with last_block arrived */
	size_t late;   /**< Callbacks after the final one (an error) */
	size_t errors; /**< Offset gaps/overlaps, overflows */
	char first_error[160];
};

/** @p cap is the largest body expected. */
void collector_init(struct body_collector *c, size_t cap);
void collector_destroy(struct body_collector *c);
/** Response callback; user_data is a struct body_collector. */
void collector_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
		  void *user_data);
/** Wait (bounded) for the callback with last_block. @return true if it came. */
bool collector_wait_done(struct body_collector *c, int timeout_ms);

/** Follows the callbacks of a Block1 upload (offset = bytes sent so far). */
struct upload_tracker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t callbacks;
	size_t last_offset;
	int16_t code; /**< Code of the latest callback */
	bool done;
	size_t late;
	size_t errors; /**< Offsets going backwards, last_block too early */
	char first_error[160];
};

void upload_init(struct upload_tracker *u);
void upload_destroy(struct upload_tracker *u);
void upload_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	       void *user_data);
bool upload_wait_done(struct upload_tracker *u, int timeout_ms);

/** Datagram counts seen by the trace hook. */
struct trace_counts {
	size_t in;                  /**< Datagrams received */
	size_t in_observe;          /**< Received datagrams that carry an Observe option */
	size_t in_plain;            /**< Received 2.xx responses without Observe */
	size_t in_observe_at_plain; /**< @c in_observe when the latest of those arrived */
	size_t out;                 /**< Datagrams sent */
	size_t out_rst;             /**< RST messages sent */
};

/** The trace hook's state. */
struct trace_counter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct trace_counts n;
};

void trace_counter_init(struct trace_counter *t);
void trace_counter_destroy(struct trace_counter *t);
/** The zcoap_trace_cb_t; user_data is a struct trace_counter. */
void trace_counter_hook(bool outgoing, const uint8_t *data, size_t len, void *user_data);
/** Snapshot of the counts. */
struct trace_counts trace_counter_get(struct trace_counter *t);
/** Wait until at least @p n datagrams have been received. */
bool trace_counter_wait_in(struct trace_counter *t, size_t n, int timeout_ms);

/** Wait until at least @p n 2.xx responses without Observe have been received. */
bool trace_counter_wait_plain(struct trace_counter *t, size_t n, int timeout_ms);

/** A UDP socket bound to 127.0.0.1:0, or -1. */
int interop_udp_socket(void);

/** Milliseconds on CLOCK_MONOTONIC. */
int64_t interop_now_ms(void);

/** Sleep for @p ms (pacing a bounded polling loop, never synchronisation). */
void interop_sleep_ms(int ms);

#endif /* ZCOAP_INTEROP_UTIL_H */
