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
 *   helpers               message.c (building requests), timing.h
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
#include "core/timing.h"

/* ---- endpoints and tokens (header-only: used by several files) ----------- */

/*
 * The IPv4 address and port of @p a if it is an IPv4 endpoint: AF_INET, or
 * AF_INET6 with a v4-mapped address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2).
 */
static inline bool zc_sockaddr_v4(const struct sockaddr *a, socklen_t alen, uint32_t *addr,
				  in_port_t *port)
{
	if (a->sa_family == AF_INET && alen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)(const void *)a;

		*addr = x->sin_addr.s_addr;
		*port = x->sin_port;
		return true;
	}
	if (a->sa_family == AF_INET6 && alen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;

		if (!IN6_IS_ADDR_V4MAPPED(&x->sin6_addr)) {
			return false;
		}
		memcpy(addr, &x->sin6_addr.s6_addr[12], sizeof(*addr));
		*port = x->sin6_port;
		return true;
	}
	return false;
}

/* Whether @p a is a group address: IPv4 224.0.0.0/4 (also v4-mapped), IPv6 ff00::/8. */
static inline bool zc_sockaddr_multicast(const struct sockaddr *a, socklen_t alen)
{
	uint32_t v4;
	in_port_t port;

	if (zc_sockaddr_v4(a, alen, &v4, &port)) {
		return (ntohl(v4) >> 28) == 0xEU;
	}
	if (a->sa_family == AF_INET6 && alen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;

		return x->sin6_addr.s6_addr[0] == 0xFFU;
	}
	return false;
}

/*
 * Whether two endpoints are the same (RFC 7252 §5.3.2 matching, §4.5
 * deduplication, RFC 9175 Echo). A dual-stack socket (AF_INET6 with
 * IPV6_V6ONLY off) sends to an AF_INET destination, but the kernel reports
 * the replies as the v4-mapped ::ffff:a.b.c.d: across families the two
 * forms of an IPv4 endpoint are equal, in both directions.
 */
static inline bool zc_sockaddr_equal(const struct sockaddr *a, socklen_t alen,
				     const struct sockaddr *b, socklen_t blen)
{
	if (a->sa_family != b->sa_family) {
		uint32_t xa;
		uint32_t ya;
		in_port_t xp;
		in_port_t yp;

		return zc_sockaddr_v4(a, alen, &xa, &xp) && zc_sockaddr_v4(b, blen, &ya, &yp) &&
		       xa == ya && xp == yp;
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
	/* RFC 7252 §8.2: responses to a group request come from each responder's own address. */
	if (s->multicast || s->addrlen == 0 || src == NULL || srclen == 0) {
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

/**
 * The message to send is the request itself (its first send, an Echo retry,
 * a restarted upload's first block), not a block-wise continuation: the one
 * that carries the application's own token (coap_client_request.token).
 */
static inline bool zc_is_first_message(const struct zcoap_slot *s)
{
	return (s->phase == ZCOAP_PHASE_REQUEST && !s->b1.blockwise) ||
	       (s->phase == ZCOAP_PHASE_UPLOAD && s->b1.offset == 0);
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

/**
 * zc_send_new() for the first message of a plain request (submit.c's fast
 * path: phase REQUEST, no option but the path, no body, no Echo, the
 * library's token, not multicast) whose path options are already in
 * s->tx[12..tx_len): a fresh 8-byte token and a MID, header, send, timer.
 * @return 0, or a negative errno (the caller frees the slot).
 */
int zc_send_plain(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/** Handle a response matched to @p s (after ACK, duplicate and dedup checks). */
void zc_exchange_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			     const struct zc_rx *rx);

/**
 * The final response of a plain request, matched and checked by receive.c:
 * a piggy-backed response without options to a request in phase REQUEST
 * that is not an observation or multicast (and no 4.13 for a body). The
 * same outcome as zc_exchange_on_response(): the final event with the
 * payload at offset 0, then the slot is free.
 */
void zc_exchange_on_plain_response(struct zcoap_engine *eng, struct zcoap_slot *s, uint8_t code,
				   const uint8_t *payload, uint16_t len);

/** An Empty ACK for the message in flight (RFC 7252 §5.2.2). */
void zc_exchange_on_empty_ack(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/** A response for @p s that did not fit the receive buffer. */
void zc_exchange_on_truncated(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/** The deadline of @p s passed. */
void zc_exchange_on_timer(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);

/**
 * An observation waiting for notifications registers again now (same
 * token, RFC 7641 §3.3.1), as when its liveness check finds it stale:
 * the transport re-established the session it ran on. Others: nothing.
 */
void zc_exchange_reregister(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now);
/** The Empty ACK or RST answering the ping @p s arrived (receive.c parsed it into eng->rx). */
void zc_exchange_on_pong(struct zcoap_engine *eng, struct zcoap_slot *s);
/** A response (matched by token) to the multicast request @p s (RFC 7252 §8.2). */
void zc_exchange_on_multicast_response(struct zcoap_engine *eng, struct zcoap_slot *s,
				       const struct zc_rx *rx);
/** The overall deadline of @p s (the request's deadline_ms) passed. */
void zc_exchange_on_end(struct zcoap_engine *eng, struct zcoap_slot *s);

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

/* ---- dedup.c: recently finished exchanges (RFC 7252 §4.5) ------------------ */

/** Remember a finished exchange's last CON/NON response. */
void zc_dedup_add(struct zcoap_engine *eng, const struct zc_rx *rx);

/** Whether @p rx repeats a response of a finished exchange. */
bool zc_dedup_find(const struct zcoap_engine *eng, const struct zc_rx *rx);

/* ---- slot_index.c: active-slot bitmap and token index --------------------- */

#define ZC_NSLOTS ZCOAP_CONFIG_MAX_REQUESTS
#define ZC_NWORDS ((unsigned int)(sizeof(((struct zcoap_engine *)0)->active) / sizeof(uint32_t)))

/*
 * The bitmap walk is on every path (each scan of the active slots), so it
 * is inline here rather than a call into slot_index.c.
 */
/*
 * Index of the lowest set bit of a non-zero word: one instruction with GCC
 * and Clang (every scan of the active slots steps through it), else a de
 * Bruijn multiply in portable C.
 */
static inline unsigned int zc_lowest_bit(uint32_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	return (unsigned int)__builtin_ctz(x);
#else
	static const uint8_t pos[32] = {0,  1,  28, 2,  29, 14, 24, 3,  30, 22, 20,
					15, 25, 17, 4,  8,  31, 27, 13, 23, 21, 19,
					16, 7,  26, 12, 18, 6,  11, 5,  10, 9};

	return pos[((x & (0U - x)) * 0x077CB531U) >> 27];
#endif
}

/* The first active slot at index >= @p i, or ZC_NSLOTS. */
static inline unsigned int zc_next_active(const struct zcoap_engine *eng, unsigned int i)
{
	unsigned int w = i / 32U;
	uint32_t bits;

	if (w >= ZC_NWORDS) {
		return ZC_NSLOTS;
	}
	bits = eng->active[w] & (UINT32_MAX << (i % 32U));
	while (bits == 0) {
		if (++w >= ZC_NWORDS) {
			return ZC_NSLOTS;
		}
		bits = eng->active[w];
	}
	return w * 32U + zc_lowest_bit(bits);
}

/* Mark slot @p i active or free in the bitmap (zc_set_phase() only). */
static inline void zc_set_active(struct zcoap_engine *eng, unsigned int i, bool on)
{
	uint32_t bit = 1U << (i % 32U);

	if (on && (eng->active[i / 32U] & bit) == 0) {
		eng->active[i / 32U] |= bit;
		eng->n_active++;
	} else if (!on && (eng->active[i / 32U] & bit) != 0) {
		eng->active[i / 32U] &= ~bit;
		eng->n_active--;
	}
}

/** The lowest free slot, or NULL. */
struct zcoap_slot *zc_free_slot(struct zcoap_engine *eng);

#if ZCOAP_TOKEN_INDEX
/** Index the slot's token and registration token again after they changed. */
void zc_tok_reindex(struct zcoap_engine *eng, const struct zcoap_slot *s);

/** Drop a freed slot's tokens from the index. */
void zc_tok_unindex(struct zcoap_engine *eng, unsigned int slot);

/** The active slot whose token or registration token is the 8-byte @p tok, or NULL. */
struct zcoap_slot *zc_token_owner(struct zcoap_engine *eng, const uint8_t *tok);
#else
/* Up to 16 slots zc_token_owner() scans the active slots: there is no index to keep. */
static inline void zc_tok_reindex(struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	(void)eng;
	(void)s;
}

static inline void zc_tok_unindex(struct zcoap_engine *eng, unsigned int slot)
{
	(void)eng;
	(void)slot;
}

/* Up to 16 slots a scan of the active ones is as fast as a hash, and smaller. */
static inline struct zcoap_slot *zc_token_owner(struct zcoap_engine *eng, const uint8_t *tok)
{
	for (unsigned int i = zc_next_active(eng, 0); i < ZC_NSLOTS;
	     i = zc_next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];

		if ((s->tkl == 8 && memcmp(s->token, tok, 8) == 0) ||
		    (s->obs.reg_tkl == 8 && memcmp(s->obs.reg_token, tok, 8) == 0)) {
			return s;
		}
	}
	return NULL;
}
#endif

/** Iterate over the active slots in ascending order. */
#define ZC_FOR_EACH_ACTIVE(eng, i)                                                                 \
	for (unsigned int i = zc_next_active((eng), 0); i < ZC_NSLOTS;                             \
	     i = zc_next_active((eng), i + 1U))

#endif /* ZC_CORE_EXCHANGE_H */
