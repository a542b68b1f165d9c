/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * exchange.h -- the inside of the sans-I/O core (src/core/), shared by its
 * files. Not used outside src/core/.
 *
 *   engine entry points   submit.c (admission, cancel, deregister)
 *                         receive.c (decode and match datagrams)
 *                         timers.c (retransmission and timeouts)
 *                         query.c (read-only questions, response info)
 *            │
 *            ▼
 *   exchange.c            the exchange core: the one place that changes a
 *                         request's phase, sends, fails, completes or frees
 *            │
 *            ▼
 *   policies              block.c (RFC 7959), observe.c (RFC 7641): verdicts
 *   helpers               message.c (building requests), timing.c
 *                         (RFC 7252 §4.8 timers), dedup.c, slot_index.c
 *
 * Calls only go down this picture (scripts/check-layers.sh checks it).
 */
#ifndef ZC_CORE_EXCHANGE_H
#define ZC_CORE_EXCHANGE_H

#include <netinet/in.h>
#include <string.h>

#include "core/engine.h"
#include "core/policy.h"

/* ---- endpoints and tokens (header-only: used by several files) ----------- */

static inline bool zc_sockaddr_equal(const struct sockaddr *a, socklen_t alen,
				     const struct sockaddr *b, socklen_t blen)
{
	if (a->sa_family != b->sa_family) {
		return false;
	}
	if (a->sa_family == AF_INET && alen >= (socklen_t)sizeof(struct sockaddr_in) &&
	    blen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)(const void *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)(const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6 && alen >= (socklen_t)sizeof(struct sockaddr_in6) &&
	    blen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)(const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

/*
 * RFC 7252 §5.3.2: a response must come from the endpoint the request was
 * sent to. On a connected socket (addrlen 0) the kernel already filters by
 * peer; a transport that reports no source (DTLS) vouches for the peer.
 */
static inline bool zc_endpoint_match(const struct zcoap_slot *s, int sock,
				     const struct sockaddr *src, socklen_t srclen)
{
	if (s->sock != sock) {
		return false;
	}
	if (s->addrlen == 0 || src == NULL || srclen == 0) {
		return true;
	}
	return zc_sockaddr_equal((const struct sockaddr *)&s->addr, s->addrlen, src, srclen);
}

static inline bool zc_token_equal(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/** The request has a body (a buffer or a payload_cb). */
static inline bool zc_has_body(const struct zcoap_slot *s)
{
	return s->payload_cb != NULL || s->payload != NULL;
}

/* ---- phases ---------------------------------------------------------------- */

/** A Block2 body is being fetched: the message in flight is a continuation. */
static inline bool zc_in_body(const struct zcoap_slot *s)
{
	return s->phase == ZCOAP_PHASE_DOWNLOAD || s->phase == ZCOAP_PHASE_NOTIFICATION;
}

/** The server keeps us: a notification was accepted and no deregistration is out. */
static inline bool zc_observing(const struct zcoap_slot *s)
{
	return s->phase == ZCOAP_PHASE_OBSERVING || s->phase == ZCOAP_PHASE_NOTIFICATION;
}

/* ---- exchange.c: the exchange core ---------------------------------------- */

/**
 * The one function that changes a request's phase. A transition not in the
 * table of docs/design/state-machine.md is a bug: it is counted in
 * eng->illegal_transitions (the unit tests and the stateful fuzzer check
 * that it stays 0) and carried out anyway.
 */
void zc_set_phase(struct zcoap_engine *eng, struct zcoap_slot *s, enum zcoap_phase to);

/** Queue an event for @p s (the slot stays as it is). */
void zc_emit(struct zcoap_engine *eng, struct zcoap_slot *s, int code, size_t offset,
	     const uint8_t *payload, size_t len, bool last_block, bool final, bool has_packet);

/** Queue a final error event for @p s and free the slot. */
void zc_fail(struct zcoap_engine *eng, struct zcoap_slot *s, int err);

/** Release a slot without an event. */
void zc_free(struct zcoap_engine *eng, struct zcoap_slot *s);

/**
 * Give @p s a fresh token (or the registration token, by phase) and MID,
 * build its current message, send it and arm the retransmission or response
 * timer.
 * @return 0, or a negative errno (token and MID are left as they were).
 */
int zc_send_new(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/** Handle a response matched to @p s (after ACK, duplicate and dedup checks). */
void zc_exchange_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			     const struct zc_rx *rx);

/** An Empty ACK for the message in flight (RFC 7252 §5.2.2). */
void zc_exchange_on_empty_ack(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/** A response for @p s that did not fit the receive buffer. */
void zc_exchange_on_truncated(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/** The deadline of @p s passed. */
void zc_exchange_on_timer(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/**
 * End @p s because the application cancelled it: tell the server an
 * observation is over (best effort), then queue -ECANCELED (or nothing when
 * @p quiet) and free the slot.
 */
void zc_exchange_cancel(struct zcoap_engine *eng, struct zcoap_slot *s, bool quiet);

/**
 * Send an Empty ACK or RST for @p mid to @p dst (NULL: the connected peer).
 * @return 0 or the transport's negative errno.
 */
int zc_send_empty(struct zcoap_engine *eng, uint8_t type, uint16_t mid, int sock,
		  const struct sockaddr *dst, socklen_t dstlen);

/** Queue the final event of a request answered by @p rx and free the slot. */
void zc_complete(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zc_rx *rx,
		 size_t offset, const uint8_t *payload, size_t len);

/**
 * Send the deregistration of an observation (RFC 7641 §3.6).
 * @retval 0 Sent (a NON one also ends the request with -ECANCELED).
 * @retval <0 Send error; the observation goes on unchanged.
 */
int zc_exchange_deregister(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/* ---- message.c: building requests ------------------------------------------ */

/**
 * Build the slot's current message (by phase: request or Block1 block,
 * Block2 continuation, re- or deregistration) into s->tx with s->token and
 * s->mid, as CON or NON by @p confirmable.
 * @return 0 or a negative errno (-ENOSPC: does not fit).
 */
int zc_build_message(struct zcoap_slot *s, bool confirmable);

/** Write an Empty ACK or RST for @p mid into @p out (4 bytes, RFC 7252 §4.2/§4.3). */
void zc_build_empty(uint8_t out[4], uint8_t type, uint16_t mid);

/* ---- timing.c: RFC 7252 §4.2/§4.8 ------------------------------------------ */

/** Transmission parameters with defaults resolved; -EINVAL if unusable. */
int zc_resolve_params(const struct coap_transmission_parameters *in,
		      struct coap_transmission_parameters *out);

/** Width of the random part of the first retransmission timeout (0: none, no random needed). */
uint64_t zc_initial_timeout_span(const struct coap_transmission_parameters *p);

/**
 * First retransmission timeout, uniformly in [ACK_TIMEOUT, ACK_TIMEOUT *
 * ACK_RANDOM_FACTOR] given a uniform @p random (RFC 7252 §4.2).
 */
uint32_t zc_initial_timeout(const struct coap_transmission_parameters *p, uint32_t random);

/** The next retransmission timeout (binary exponential back-off by backoff_percent). */
uint32_t zc_next_timeout(uint32_t timeout, uint16_t backoff_percent);

/** How long a NON request waits for its response: MAX_TRANSMIT_WAIT (§4.8.2). */
int64_t zc_non_window(const struct coap_transmission_parameters *p);

/* ---- dedup.c: recently finished exchanges (RFC 7252 §4.5) ------------------ */

/** Remember a finished exchange's last CON/NON response. */
void zc_dedup_add(struct zcoap_engine *eng, const struct zc_rx *rx);

/** Whether @p rx repeats a response of a finished exchange. */
bool zc_dedup_find(const struct zcoap_engine *eng, const struct zc_rx *rx);

/* ---- slot_index.c: active-slot bitmap and token index --------------------- */

#define ZC_NSLOTS ZCOAP_CONFIG_MAX_REQUESTS

/** The first active slot at index >= @p i, or ZC_NSLOTS. */
unsigned int zc_next_active(const struct zcoap_engine *eng, unsigned int i);

/** The lowest free slot, or NULL. */
struct zcoap_slot *zc_free_slot(struct zcoap_engine *eng);

/** Mark slot @p i active or free in the bitmap. */
void zc_set_active(struct zcoap_engine *eng, unsigned int i, bool on);

/** Index the slot's token and registration token again after they changed. */
void zc_tok_reindex(struct zcoap_engine *eng, const struct zcoap_slot *s);

/** Drop a freed slot's tokens from the index. */
void zc_tok_unindex(struct zcoap_engine *eng, unsigned int slot);

/** The active slot whose token or registration token is the 8-byte @p tok, or NULL. */
struct zcoap_slot *zc_token_owner(struct zcoap_engine *eng, const uint8_t *tok);

/** Iterate over the active slots in ascending order. */
#define ZC_FOR_EACH_ACTIVE(eng, i)                                                                 \
	for (unsigned int i = zc_next_active((eng), 0); i < ZC_NSLOTS;                             \
	     i = zc_next_active((eng), i + 1U))

#endif /* ZC_CORE_EXCHANGE_H */
