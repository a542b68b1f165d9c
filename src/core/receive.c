/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * receive.c -- zc_engine_receive(): decode a datagram, reject what a client
 * must not accept, match it to its exchange (endpoint, MID, token), answer
 * duplicates, and hand the response to the exchange core.
 */

#include <errno.h>
#include <string.h>

#include "core/exchange.h"

/*
 * RFC 7252 §4.2/§4.3: a message we cannot or will not process is rejected:
 * CON with RST, NON and ACK silently.
 */
static void reject(struct zcoap_engine *eng, uint8_t type, uint16_t mid, int sock,
		   const struct sockaddr *src, socklen_t srclen)
{
	if (type == COAP_TYPE_CON) {
		(void)zc_send_empty(eng, COAP_TYPE_RESET, mid, sock, src, srclen);
	}
}

/* Empty ACK for a CON response: to its source, or to the request's peer if unknown. */
static int send_ack(struct zcoap_engine *eng, const struct zc_rx *rx, const struct zcoap_slot *s)
{
	const struct sockaddr *dst = rx->src;
	socklen_t dstlen = rx->srclen;

	if ((dst == NULL || dstlen == 0) && s != NULL) {
		dst = (const struct sockaddr *)&s->addr;
		dstlen = s->addrlen;
	}
	return zc_send_empty(eng, COAP_TYPE_ACK, rx->mid, rx->sock, dst, dstlen);
}

/* The exchange whose message in flight has @p mid, from this endpoint. */
static struct zcoap_slot *match_by_mid(struct zcoap_engine *eng, uint16_t mid, int sock,
				       const struct sockaddr *src, socklen_t srclen)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (s->msg != ZCOAP_MSG_NONE && s->mid == mid &&
		    zc_endpoint_match(s, sock, src, srclen)) {
			return s;
		}
	}
	return NULL;
}

static void handle_empty(struct zcoap_engine *eng, int64_t now, uint8_t type, uint16_t mid,
			 int sock, const struct sockaddr *src, socklen_t srclen)
{
	struct zcoap_slot *s;

	switch (type) {
	case COAP_TYPE_CON:
		/* A CoAP ping: answer with RST (RFC 7252 §4.3). */
		(void)zc_send_empty(eng, COAP_TYPE_RESET, mid, sock, src, srclen);
		break;
	case COAP_TYPE_ACK:
	case COAP_TYPE_RESET:
		s = match_by_mid(eng, mid, sock, src, srclen);
		if (s == NULL) {
			break;
		}
		if (s->multicast) {
			break; /* a responder's RST or ACK does not end a group request */
		}
		if (zc_is_ping(s)) {
			/* RFC 7252 §4.3: the RST (or an Empty ACK) is the ping's answer. */
			eng->rx_src = src;
			eng->rx_srclen = srclen;
			eng->rx_has_observe = false;
			eng->rx_observe = 0;
			zc_exchange_on_pong(eng, s);
		} else if (type == COAP_TYPE_ACK) {
			zc_exchange_on_empty_ack(eng, s, now);
		} else {
			zc_fail(eng, s, -ECONNRESET);
		}
		break;
	default:
		/* An Empty NON is meaningless (RFC 7252 §4.3): ignore. */
		break;
	}
}

static bool response_matches(const struct zcoap_slot *s, const struct zc_rx *rx)
{
	/* A ping has no token and gets no response, only RST or an Empty ACK. */
	if (zc_is_ping(s) || !zc_endpoint_match(s, rx->sock, rx->src, rx->srclen)) {
		return false;
	}
	if (rx->type == COAP_TYPE_ACK) {
		/* Piggybacked: MID and token must both match (RFC 7252 §5.3.2). */
		return s->msg == ZCOAP_MSG_WAIT_ACK && s->mid == rx->mid &&
		       zc_token_equal(s->token, s->tkl, rx->token, rx->tkl);
	}
	/* Separate responses: the token of the message in flight. */
	if (s->msg != ZCOAP_MSG_NONE && zc_token_equal(s->token, s->tkl, rx->token, rx->tkl)) {
		return true;
	}
	/* Notifications: the registration token (RFC 7641 §3.2). */
	return s->obs.wanted && s->obs.reg_tkl > 0 &&
	       zc_token_equal(s->obs.reg_token, s->obs.reg_tkl, rx->token, rx->tkl);
}

static struct zcoap_slot *match_response(struct zcoap_engine *eng, const struct zc_rx *rx)
{
	if (rx->tkl == 8) {
		/* Only the slot holding this token can match (slot_index.c). */
		struct zcoap_slot *s = zc_token_owner(eng, rx->token);

		return s != NULL && response_matches(s, rx) ? s : NULL;
	}
	/* Active slots always carry 8-byte tokens; keep the plain scan for other lengths. */
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		if (response_matches(&eng->slots[i], rx)) {
			return &eng->slots[i];
		}
	}
	return NULL;
}

static void handle_response(struct zcoap_engine *eng, struct zc_rx *rx)
{
	struct zcoap_slot *s = match_response(eng, rx);
	int r;

	if (s == NULL) {
		/* Never answer an ACK (RFC 7252 §4.2). */
		if (rx->type == COAP_TYPE_ACK) {
			return;
		}
		if (zc_dedup_find(eng, rx)) {
			/* A retransmission of a response we already took: ACK it again (§4.5). */
			if (rx->type == COAP_TYPE_CON) {
				(void)send_ack(eng, rx, NULL);
			}
			return;
		}
		/* Unknown token: RFC 7252 §5.3.2 / RFC 7641 §3.6 -- reject with RST. */
		(void)zc_send_empty(eng, COAP_TYPE_RESET, rx->mid, rx->sock, rx->src, rx->srclen);
		return;
	}
	if (s->multicast) {
		/* Responders have their own MID spaces: no dedup, no ACK, no RST (RFC 7252 §8.2).
		 */
		eng->rx_src = rx->src;
		eng->rx_srclen = rx->srclen;
		eng->rx_has_observe = rx->has_observe;
		eng->rx_observe = rx->observe;
		zc_exchange_on_multicast_response(eng, s, rx);
		return;
	}
	if (rx->type != COAP_TYPE_ACK && s->last_rx_mid == (int32_t)rx->mid) {
		/* Duplicate (RFC 7252 §4.5): ACK again, process once. */
		if (rx->type == COAP_TYPE_CON) {
			(void)send_ack(eng, rx, s);
		}
		return;
	}
	if (rx->type == COAP_TYPE_CON) {
		r = send_ack(eng, rx, s);
		if (r < 0) {
			zc_fail(eng, s, r);
			return;
		}
		s->linger = true; /* our ACK may be lost: its repetition must be ACKed too */
	}
	if (rx->type != COAP_TYPE_ACK) {
		/*
		 * RFC 7252 §4.5: the server may send this CON again after the
		 * exchange moved on (the next block has a new token) or ended,
		 * so every accepted CON/NON response goes into the dedup ring,
		 * not only the last one: its repetition is ACKed, never RST.
		 */
		s->last_rx_mid = rx->mid;
		zc_dedup_add(eng, rx);
	}
	eng->rx_src = rx->src;
	eng->rx_srclen = rx->srclen;
	eng->rx_has_observe = rx->has_observe;
	eng->rx_observe = rx->observe;
	zc_exchange_on_response(eng, s, rx);
}

/*
 * Whether a datagram that must be rejected (malformed, cut short before its
 * payload marker, an unknown critical option) answers a multicast request:
 * its header and token are read as they came. A group member's answer is
 * dropped, never reset (RFC 7252 §8.2; §4.3 allows silence for NON): an RST
 * would tell that member to forget us, and a CON answer is dropped anyway.
 */
static bool from_group_member(struct zcoap_engine *eng, struct zc_rx *rx, const uint8_t *data,
			      size_t len)
{
	const struct zcoap_slot *s;
	size_t tkl = data[0] & 0x0FU;

	if (tkl > COAP_TOKEN_MAX_LEN || len < COAP_FIXED_HEADER_SIZE + tkl) {
		return false;
	}
	rx->tkl = (uint8_t)tkl;
	memcpy(rx->token, data + COAP_FIXED_HEADER_SIZE, tkl);
	s = match_response(eng, rx);
	return s != NULL && s->multicast;
}

/* The fixed header of a received datagram (at least 4 bytes) and where it came from. */
static void rx_header(struct zc_rx *rx, int64_t now, int sock, const struct sockaddr *src,
		      socklen_t srclen, const uint8_t *data)
{
	memset(rx, 0, sizeof(*rx));
	rx->sock = sock;
	rx->src = src;
	rx->srclen = srclen;
	rx->now = now;
	rx->type = (uint8_t)((data[0] >> 4) & 3U);
	rx->code = data[1];
	rx->mid = (uint16_t)((data[2] << 8) | data[3]);
}

/*
 * A response that did not fit the receive buffer (MSG_TRUNC), after the
 * same checks as a whole one (zc_engine_receive()). It is never delivered:
 * the exchange core re-asks it in smaller blocks or fails the request.
 */
static void handle_truncated(struct zcoap_engine *eng, const struct zc_rx *rx)
{
	struct zcoap_slot *s = match_response(eng, rx);

	if (s != NULL && s->multicast) {
		return; /* a truncated answer to a group request: dropped, never reset */
	}
	if (s == NULL) {
		if (rx->type == COAP_TYPE_CON && zc_dedup_find(eng, rx)) {
			/* Our ACK was lost and the server sends it again (RFC 7252 §4.5). */
			(void)send_ack(eng, rx, NULL);
			return;
		}
		reject(eng, rx->type, rx->mid, rx->sock, rx->src, rx->srclen);
		return;
	}
	if (rx->type == COAP_TYPE_CON) {
		(void)send_ack(eng, rx, s);
		s->linger = true;
	}
	if (rx->type != COAP_TYPE_ACK) {
		zc_dedup_add(eng, rx);
	}
	zc_exchange_on_truncated(eng, s, rx->now);
}

/* The first byte of a piggy-backed response with the library's token: version 1, ACK, TKL 8. */
#define PLAIN_ACK_BYTE0 ((uint8_t)(COAP_VERSION_1 << 6 | COAP_TYPE_ACK << 4 | 8U))

/*
 * The fast path of the common case: a piggy-backed response (ACK, a class
 * 2, 4 or 5 code) with an 8-byte token and no option but Content-Format,
 * Max-Age and ETag (zc_packet_parse_bare(): none acts on this exchange),
 * whole, to a plain request (phase REQUEST, not observing, not multicast,
 * no 4.13 for a body) waiting for the ACK with this MID and token, from its
 * endpoint. Such a
 * response is the request's final one: handle_response() and the exchange
 * core would do exactly this (no duplicate or dedup check for an ACK, no
 * Echo, Observe or Block option to act on), and it needs no clock: it arms
 * no timer. Decided from the datagram before any parse; every byte read is
 * checked to be there (zc_packet_parse_bare() checks the rest of the shape
 * and leaves the view of the datagram in eng->rx, as the parse would).
 * @return The request, or NULL: not this shape or no such exchange (eng->rx
 *         may then hold the view; the general path parses again).
 */
static inline struct zcoap_slot *plain_ack_target(struct zcoap_engine *eng, int sock,
						  const struct sockaddr *src, socklen_t srclen,
						  uint8_t *data, size_t len, bool truncated)
{
	uint16_t mid;
	struct zcoap_slot *s;

	if (truncated || len < COAP_FIXED_HEADER_SIZE + 8U || len > UINT16_MAX ||
	    data[0] != PLAIN_ACK_BYTE0) {
		return NULL;
	}
	switch (data[1] >> 5) {
	case 2:
	case 4:
	case 5:
		break;
	default:
		return NULL;
	}
	/* Header checked above (version 1, ACK, TKL 8, a response code): the rest. */
	if (!zc_packet_parse_bare_after(&eng->rx, data, (unsigned int)len,
					COAP_FIXED_HEADER_SIZE + 8U)) {
		return NULL;
	}
	mid = (uint16_t)((data[2] << 8) | data[3]);
	s = zc_token_owner(eng, data + COAP_FIXED_HEADER_SIZE);
	if (s == NULL || s->msg != ZCOAP_MSG_WAIT_ACK || s->mid != mid ||
	    s->phase != ZCOAP_PHASE_REQUEST || s->obs.wanted || s->multicast ||
	    !zc_token_equal(s->token, s->tkl, data + COAP_FIXED_HEADER_SIZE, 8) ||
	    (data[1] == COAP_RESPONSE_CODE_REQUEST_TOO_LARGE && zc_has_body(s)) ||
	    !zc_endpoint_match(s, sock, src, srclen)) {
		return NULL;
	}
	return s;
}

/* Complete @p s with the plain piggy-backed response in eng->rx (plain_ack_target()). */
static void receive_plain_ack(struct zcoap_engine *eng, struct zcoap_slot *s,
			      const struct sockaddr *src, socklen_t srclen)
{
	const uint8_t *payload = NULL;
	uint16_t payload_len = 0;

	uint16_t end = (uint16_t)(eng->rx.hdr_len + eng->rx.opt_len);

	if (eng->rx.offset > end) {
		payload = eng->rx.data + end + 1; /* after the marker */
		payload_len = (uint16_t)(eng->rx.offset - end - 1U);
	}
	eng->rx_src = src;
	eng->rx_srclen = srclen;
	eng->rx_has_observe = false;
	eng->rx_observe = 0;
	zc_exchange_on_plain_response(eng, s, eng->rx.data[1], payload, payload_len);
}

bool zc_engine_receive_plain(struct zcoap_engine *eng, int sock, const struct sockaddr *src,
			     socklen_t srclen, uint8_t *data, size_t len, bool truncated)
{
	struct zcoap_slot *s;

	if (src == NULL) {
		srclen = 0;
	}
	s = plain_ack_target(eng, sock, src, srclen, data, len, truncated);
	if (s == NULL) {
		return false;
	}
	if (eng->io->trace != NULL) {
		eng->io->trace(eng->io_ctx, false, data, len);
	}
	receive_plain_ack(eng, s, src, srclen);
	return true;
}

void zc_engine_receive(struct zcoap_engine *eng, int64_t now, int sock, const struct sockaddr *src,
		       socklen_t srclen, uint8_t *data, size_t len, bool truncated)
{
	struct zc_rx rx;
	struct zc_opt_index opts;
	const uint8_t *v;
	uint16_t vlen;
	int opt_check;
	int r;

	if (eng->io->trace != NULL) {
		eng->io->trace(eng->io_ctx, false, data, len);
	}
	/* Shorter than the fixed header, or a version we do not speak: drop (RFC 7252 §3). */
	if (len < COAP_FIXED_HEADER_SIZE || (data[0] >> 6) != COAP_VERSION_1 || len > UINT16_MAX) {
		return;
	}
	if (src == NULL) {
		srclen = 0;
	}
	{
		struct zcoap_slot *s =
		    plain_ack_target(eng, sock, src, srclen, data, len, truncated);

		if (s != NULL) {
			receive_plain_ack(eng, s, src, srclen);
			return;
		}
	}
	rx_header(&rx, now, sock, src, srclen, data);

	/*
	 * The parser also checks the options (opt_check, used below) and
	 * records where each number first occurs (opts): one walk of the
	 * options, and the lookups of the policies read the index
	 * (zc_rx_option(); the first number bounds them). A truncated datagram is parsed as far as
	 * it was kept: the checks below apply to it as to any other (RFC 7252 §4.2, §5.4.1). Its
	 * option area is complete only if the payload marker was kept; otherwise an option cut off,
	 * or one that did not arrive at all, could be an unrecognised critical one, so the datagram
	 * is rejected like a malformed message (docs/design/block-wise.md).
	 */
	r = zc_packet_parse_response(&eng->rx, data, (uint16_t)len, &opts, &opt_check);
	rx.pkt = &eng->rx;
	rx.first_opt = opts.n > 0 ? opts.e[0].number : 0;
	if (r == 0 && truncated && coap_packet_get_payload(&eng->rx, &vlen) == NULL) {
		r = -EMSGSIZE; /* no payload marker kept: the option area may go on */
	}
	if (r < 0) {
		if (!from_group_member(eng, &rx, data, len)) {
			reject(eng, rx.type, rx.mid, sock, src, srclen);
		}
		return;
	}
	if (rx.code == COAP_CODE_EMPTY) {
		handle_empty(eng, now, rx.type, rx.mid, sock, src, srclen);
		return;
	}
	/* RFC 7252 §4.2: a Reset is always Empty; one with a code is malformed: ignore. */
	if (rx.type == COAP_TYPE_RESET) {
		return;
	}
	/*
	 * Only responses (classes 2, 4, 5) are for a client. Requests and the
	 * reserved classes 1, 6 and 7 are rejected (RFC 7252 §4.2, §5.9), as is
	 * a response with a critical option we do not understand (§5.4.1).
	 */
	switch (rx.code >> 5) {
	case 2:
	case 4:
	case 5:
		break;
	default:
		reject(eng, rx.type, rx.mid, sock, src, srclen);
		return;
	}
	if (opt_check < 0) {
		if (!from_group_member(eng, &rx, data, len)) {
			reject(eng, rx.type, rx.mid, sock, src, srclen);
		}
		return;
	}
	rx.opts = &opts;
	rx.tkl = coap_header_get_token(&eng->rx, rx.token);
	if (truncated) {
		handle_truncated(eng, &rx);
		return;
	}
	rx.payload = coap_packet_get_payload(&eng->rx, &rx.payload_len);
	if (zc_rx_option(&rx, COAP_OPTION_OBSERVE, &v, &vlen) == 0) {
		rx.has_observe = true;
		rx.observe = zcoap_option_uint(v, vlen);
	}
	handle_response(eng, &rx);
}
