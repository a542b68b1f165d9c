/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_client_types.h -- storage layout of struct coap_client.
 *
 * Included by coap_client.h only (after its typedefs) so that applications
 * can allocate a client statically. Nothing here is API: field names and
 * layout change freely.
 */

#ifndef ZCOAP_CLIENT_TYPES_H
#define ZCOAP_CLIENT_TYPES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap.h"
#include "zcoap_config.h"
#include "zcoap_core_types.h"

struct zcoap_deferred_send;

/** Everything a client owns. */
struct zcoap_client_private {
	struct zcoap_engine eng;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int wake_fd[2];          /* eventfd (both equal) or a pipe */
	uint32_t running_serial; /* request whose callback the thread runs */
	uint32_t magic;          /* ZCOAP_CLIENT_MAGIC while initialised */
	bool stop;
	void (*trace_cb)(bool outgoing, const uint8_t *data, size_t len, void *user_data);
	void *trace_user;
	char name[16];
	/*
	 * The sockets and deadline of the thread's current (or next) poll(),
	 * set under the lock just before it sleeps: coap_client_req() skips
	 * the wake-up when its socket is already polled and its deadline is
	 * not earlier. Sockets stay in the set after their last request ends
	 * ("sticky") for a short while, so a request-response-request
	 * sequence needs no wake-up at all. poll_dev/poll_ino identify the
	 * file each descriptor referred to when it was added (a closed and
	 * reused descriptor number must not pass for a watched one).
	 */
	int poll_socks[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t poll_dev[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t poll_ino[ZCOAP_CONFIG_MAX_REQUESTS];
	int n_poll_socks;
	int64_t poll_deadline;
	bool polling; /* between setting those and retaking the lock */
	/* Where io_send copies the first datagram of coap_client_req() (api.c). */
	struct zcoap_deferred_send *defer;
	/* CSPRNG bytes fetched in bulk for tokens, Request-Tags and jitter. */
	uint16_t rand_left;
	uint8_t rand_pool[ZCOAP_CONFIG_MAX_REQUESTS >= 8 ? 256 : 64];
	uint8_t rx_buf[MAX_COAP_MSG_LEN];
};

#endif /* ZCOAP_CLIENT_TYPES_H */
