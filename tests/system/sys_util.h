/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * sys_util.h -- fixtures shared by the system tests: one client with its
 * own UDP socket on 127.0.0.1, one scripted peer and one callback recorder.
 */

#ifndef ZCOAP_SYS_UTIL_H
#define ZCOAP_SYS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "coap.h"
#include "coap_client.h"
#include "peer.h"
#include "recorder.h"
#ifdef SYS_MANUAL_MODE
#include "manual_loop.h"
#endif

/** The fixture of one test. */
struct sys {
	struct coap_client client;
	int sock;         /**< The client's socket (unconnected, 127.0.0.1:ephemeral) */
	struct peer peer; /**< The fake server */
	struct recorder rec;
	struct peer_msg req;        /**< Scratch: last request seen by the peer */
	struct peer_msg other;      /**< Scratch: another datagram */
	struct recorder keeper_rec; /**< Callbacks of the keeper request */
	struct peer_msg keeper;     /**< The keeper request as the peer saw it */
#ifdef SYS_MANUAL_MODE
	struct manual_loop loop; /**< The application thread driving the manual-mode client */
#endif
};

/** cmocka setup/teardown: allocate, init the client, open the peer. */
int sys_setup(void **state);
int sys_teardown(void **state);

/** A UDP socket bound to 127.0.0.1:0. */
int sys_udp_socket(void);

/** Parameters with exact timing (ack_random_percent 100) and backoff 200 %. */
struct coap_transmission_parameters sys_params(uint32_t ack_timeout_ms, uint8_t max_retrans);

/** Long timeouts: nothing is retransmitted while a test runs its script. */
struct coap_transmission_parameters sys_slow_params(void);

/** A request for the recorder of @p s. */
struct coap_client_request sys_request(struct sys *s, enum coap_method method, bool con,
				       const char *path);

/** Send @p req to the peer of @p s and wait until the peer has it in s->req. */
void sys_send(struct sys *s, struct coap_client_request *req,
	      struct coap_transmission_parameters *params);

/** Wait for the next datagram at the peer that is not a copy of s->req. */
void sys_recv_other(struct sys *s, struct peer_msg *m);

/** peer_barrier() towards the client; fails the test when it times out. */
void sys_barrier(struct sys *s);

/**
 * Start an unrelated CON GET "keeper" (never answered, long timeouts) so that
 * the client keeps a request on its socket: barriers after the request under
 * test has finished still get their RST. Its callbacks go to s->keeper_rec.
 */
void sys_keeper(struct sys *s);

/** Assert that event @p i has this code, payload and last_block. */
void sys_assert_event(struct recorder *r, size_t i, int16_t code, const char *payload,
		      bool last_block);

#endif /* ZCOAP_SYS_UTIL_H */
