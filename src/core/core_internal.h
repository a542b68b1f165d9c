/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * engine_internal.h -- helpers shared by engine.c, engine_block.c and
 * engine_observe.c. Not used outside src/client/.
 */
#ifndef ZCOAP_ENGINE_INTERNAL_H
#define ZCOAP_ENGINE_INTERNAL_H

#include "core/engine.h"

/** A received response, decoded once by the dispatcher. */
struct zcoap_rx {
	int sock;
	const struct sockaddr *src;
	socklen_t srclen;
	uint8_t type;
	uint8_t code;
	uint16_t mid;
	uint8_t tkl;
	uint8_t token[8];
	const uint8_t *payload;
	uint16_t payload_len;
	bool has_observe;
	uint32_t observe;
	int64_t now;
};

/** Queue an event for @p s (the slot stays as it is). */
void zc_eng_emit(struct zcoap_engine *eng, struct zcoap_slot *s, int code, size_t offset,
		    const uint8_t *payload, size_t len, bool last_block, bool final,
		    bool has_packet);

/** Queue a final error event for @p s and free the slot. */
void zc_eng_fail(struct zcoap_engine *eng, struct zcoap_slot *s, int err);

/** Queue a final event for a response and free the slot. */
void zc_eng_complete(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zcoap_rx *rx,
			size_t offset, const uint8_t *payload, size_t len);

/** Release a slot without an event. */
void zc_eng_free(struct zcoap_engine *eng, struct zcoap_slot *s);

/**
 * Give @p s a fresh token and MID, build its current message (block state,
 * Echo, deregistration flags as set in the slot), send it and arm the
 * retransmission or response timer.
 * @return 0, or a negative errno (the slot is left as it was, not freed).
 */
int zc_eng_send_new(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/**
 * Build the slot's current message with a new MID and send it once, without
 * arming any timer or changing the token (fire-and-forget messages).
 */
int zc_eng_send_oneoff(struct zcoap_engine *eng, struct zcoap_slot *s);

/**
 * zc_option_get_checked() on the datagram being processed (eng->rx),
 * without walking the options for a number outside the range present:
 * coap_packet_parse() leaves the last option's number in rx.delta and
 * reported the first one in eng->rx_first (a Block2 response then costs no
 * walk for Echo, Observe or ETag).
 */
int zc_eng_rx_option(const struct zcoap_engine *eng, uint16_t number, const uint8_t **value,
			uint16_t *len);

/** Block size in bytes of an SZX. */
static inline uint32_t zcoap_szx_bytes(uint8_t szx)
{
	return 16U << szx;
}

/* engine_block.c */

/**
 * The block size the app asked for with a Block1/Block2 (@p code) extra
 * option, if smaller than ZCOAP_CONFIG_BLOCK_SIZE; else that of the config.
 */
uint8_t zc_requested_szx(const struct zcoap_slot *s, uint16_t code);

/** Set up Block1 for a new request. 0 or a negative errno (payload_cb errors). */
int zc_block1_setup(struct zcoap_slot *s);

/** Make sure the Block1 chunk at b1.offset is available. 0 or a negative errno. */
int zc_block1_chunk(struct zcoap_slot *s);

/**
 * Handle a response for a request whose body is still going out block-wise.
 * Either finishes the slot, sends the next block, or returns 1 when the
 * response is the final one and must go on to the response-body handling.
 */
int zc_block1_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			     const struct zcoap_rx *rx);

/**
 * Handle the body of a response (Block2 continuation, Observe notifications
 * included): deliver the chunk and either request the next block or finish.
 * @param body_offset_base Offset reported for a body that is not block-wise
 *        (Zephyr reports the Block1 bytes sent for the final Block1 response).
 */
void zc_block2_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			      const struct zcoap_rx *rx, size_t body_offset_base);

/**
 * A datagram for @p s did not fit the receive buffer (MSG_TRUNC): re-ask the
 * block at the delivered offset with a size that fits (RFC 7959 §2.4 late
 * negotiation) when that is safe, else fail the request with -EMSGSIZE.
 */
void zc_block2_on_truncated(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/* engine_observe.c */

/** Whether the request's extra options register an observation (Observe = 0 on GET/FETCH). */
bool zc_observe_is_register(const struct zcoap_slot *s);

/**
 * RFC 7641 §3.4: is a notification with sequence @p v2 at @p t2 newer than
 * the freshest one seen (@p v1 at @p t1)?
 */
bool zc_observe_is_fresh(uint32_t v1, int64_t t1, uint32_t v2, int64_t t2);

/**
 * Handle a response for an observing (or registering) request.
 * @return true when handled here, false when the caller should treat it as
 *         an ordinary response.
 */
bool zc_observe_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			       const struct zcoap_rx *rx, bool by_reg_token);

/** An observation is being cancelled: tell the server (best effort). */
void zc_observe_on_cancel(struct zcoap_engine *eng, struct zcoap_slot *s);

/** Deadline of an observation's liveness check after a notification at @p now. */
int64_t zc_observe_deadline(const struct zcoap_slot *s, int64_t now);

/** The liveness deadline of an observation passed: re-register or fail. */
void zc_observe_on_silence(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

#endif /* ZCOAP_ENGINE_INTERNAL_H */
