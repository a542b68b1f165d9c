/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * policy.h -- what the exchange core (exchange.c) and its policy modules
 * (block.c: RFC 7959, observe.c: RFC 7641) share: the decoded response and
 * the verdict a policy returns.
 *
 * A policy looks at a decoded response, at the slot (read-only, apart from
 * its own sub-state: b1, b2 or obs) and returns a verdict. It never sends,
 * fails, completes or frees a request and never queues an event: only the
 * exchange core does. So policies call nothing in src/core/ but their own
 * file and the codec, and the call graph of the core is a star.
 */
#ifndef ZC_CORE_POLICY_H
#define ZC_CORE_POLICY_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "codec/codec_internal.h"
#include "coap_client.h"
#include "core/engine.h"

/*
 * No-Response (RFC 7967): whether the request waits for a response at all.
 * Only a request that is not an observation nor a block-wise upload uses
 * it (docs/design/exchanges.md); noresp holds its suppressed classes.
 */
static inline bool zc_noresp_all(const struct zcoap_slot *s)
{
	return s->noresp == COAP_NO_RESPONSE_SUPPRESS_ALL;
}

/* A CoAP ping (RFC 7252 §4.3: Empty CON, answered with RST): method 0. */
static inline bool zc_is_ping(const struct zcoap_slot *s)
{
	return s->method == COAP_CODE_EMPTY;
}

/* The value bytes of the request's i-th extra option. */
static inline const uint8_t *zc_opt_value(const struct zcoap_slot *s, unsigned int i)
{
	return s->opt_bytes + s->options[i].off;
}

/** A received response, decoded once by receive.c. */
struct zc_rx {
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
	/* The parsed datagram (NULL for a truncated one) and the number of its first option. */
	const struct coap_packet *pkt;
	uint16_t first_opt;
	/* Where pkt's options are (receive.c), or NULL: zc_rx_option() walks them. */
	const struct zc_opt_index *opts;
};

/**
 * zc_option_get_checked() on the response, without walking the options for
 * a number outside the range present: coap_packet_parse() leaves the last
 * option's number in pkt->delta and receive.c keeps the first one (a Block2
 * response then costs no walk for Echo, Observe or ETag).
 */
static inline int zc_rx_option(const struct zc_rx *rx, uint16_t number, const uint8_t **value,
			       uint16_t *len)
{
	if (rx->pkt == NULL || number > rx->pkt->delta || number < rx->first_opt) {
		*value = NULL;
		*len = 0;
		return -ENOENT;
	}
	if (rx->opts != NULL && rx->opts->complete) {
		return zc_opt_index_get(rx->opts, number, value, len);
	}
	return zc_option_get_checked(rx->pkt, number, value, len);
}

/** What a policy decided about a response (or a timer). */
enum zc_verdict_kind {
	ZC_V_PASS,       /* not this policy's business: go on to the next step */
	ZC_V_DROP,       /* deliver nothing and change nothing (a stale notification ...) */
	ZC_V_FAIL,       /* end the request with .err */
	ZC_V_FINISH,     /* deliver .offset/.payload/.len as the end of the body */
	ZC_V_CONTINUE,   /* deliver .offset/.payload/.len, then send the next block request */
	ZC_V_RESEND,     /* send the request again from its first block, delivering nothing */
	ZC_V_NOTIFY,     /* observe: a fresh notification; the observation goes on */
	ZC_V_DECLINE,    /* observe: the server does not (or no longer) keep us */
	ZC_V_DISCARD,    /* block-wise: a notification body went stale; keep observing */
	ZC_V_REREGISTER, /* observe: silence; register again with the same token */
};

struct zc_verdict {
	enum zc_verdict_kind kind;
	int err;       /* ZC_V_FAIL */
	size_t offset; /* ZC_V_FINISH, ZC_V_CONTINUE; ZC_V_PASS from Block1: body offset base */
	const uint8_t *payload;
	size_t len;
};

/** Block size in bytes of an SZX. */
static inline uint32_t zc_szx_bytes(uint8_t szx)
{
	return 16U << szx;
}

/* ---- block.c: block-wise transfers (RFC 7959) --------------------------- */

/**
 * The block size the app asked for with a Block1/Block2 (@p code) extra
 * option, if smaller than ZCOAP_CONFIG_BLOCK_SIZE; else that of the config.
 */
uint8_t zc_block_requested_szx(const struct zcoap_slot *s, uint16_t code);

/** Set up Block1 for a new request. 0 or a negative errno (payload_cb errors). */
int zc_block1_setup(struct zcoap_slot *s);

/** Make sure the Block1 chunk at b1.offset is loaded (may call payload_cb). 0 or a negative errno.
 */
int zc_block1_chunk(struct zcoap_slot *s);

/**
 * A response while the body goes out block-wise (phase UPLOAD), or a 4.13
 * for a body sent whole. FINISH (an error ends the upload), CONTINUE (the
 * next block is set up at b1.offset; load it with zc_block1_chunk()), RESEND
 * (start over, likewise), or PASS with .offset = the body offset base of
 * the response body (the whole request body was acknowledged).
 */
struct zc_verdict zc_block1_on_response(struct zcoap_slot *s, const struct zc_rx *rx);

/**
 * The body of a response or notification: FINISH, CONTINUE (b2 set up for
 * the next continuation), DISCARD (a notification body changed under us) or
 * FAIL.
 * @param in_body A Block2 body is being fetched (phase DOWNLOAD or NOTIFICATION).
 * @param observing The body is a notification's (phase OBSERVING or NOTIFICATION).
 * @param base Offset reported for a body that is not block-wise (Zephyr
 *        reports the Block1 bytes sent for the final Block1 response).
 */
struct zc_verdict zc_block2_on_response(struct zcoap_slot *s, const struct zc_rx *rx, bool in_body,
					bool observing, size_t base);

/**
 * A datagram for @p s did not fit the receive buffer (MSG_TRUNC): CONTINUE
 * (re-ask the block at the delivered offset with a size that fits, RFC 7959
 * §2.4 late negotiation) when that is safe, else FAIL with -EMSGSIZE.
 */
struct zc_verdict zc_block2_on_truncated(struct zcoap_slot *s, bool deregistering);

/** Forget a partial response body (keeps the block size asked for). */
void zc_block2_reset(struct zcoap_slot *s);

/* ---- observe.c: Observe (RFC 7641) ------------------------------------- */

/** Whether the request's extra options register an observation (Observe = 0 on GET/FETCH). */
bool zc_observe_is_register(const struct zcoap_slot *s);

/**
 * RFC 7641 §3.4: is a notification with sequence @p v2 at @p t2 newer than
 * the freshest one seen (@p v1 at @p t1)?
 */
bool zc_observe_is_fresh(uint32_t v1, int64_t t1, uint32_t v2, int64_t t2);

/**
 * A response for an observation (phases REQUEST of a registration,
 * OBSERVING, NOTIFICATION, REREGISTER, DEREGISTER): NOTIFY (fresh; the
 * policy recorded it), DROP (stale, or racing a deregistration), DECLINE
 * (not or no longer observed) or PASS (an ordinary response: one to a
 * continuation request, or the answer to a deregistration).
 * @param have_seq A notification was accepted before (OBSERVING or NOTIFICATION).
 * @param deregistering Observe = 1 is in flight (DEREGISTER).
 */
struct zc_verdict zc_observe_on_response(struct zcoap_slot *s, const struct zc_rx *rx,
					 bool have_seq, bool deregistering);

/** Deadline of an observation's liveness check after a notification at @p now. */
int64_t zc_observe_deadline(const struct zcoap_slot *s, int64_t now);

/** The liveness deadline of an observation passed: REREGISTER or FAIL. */
struct zc_verdict zc_observe_on_silence(const struct zcoap_slot *s);

#endif /* ZC_CORE_POLICY_H */
