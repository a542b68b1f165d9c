/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * exchange.c -- the exchange core: the one place that changes a request's
 * phase, sends a datagram, queues an event, completes, fails or frees a
 * request. The policies (block.c, observe.c) only return verdicts; the
 * switch statements below act on them by phase.
 *
 * docs/design/state-machine.md has the table of phases and transitions
 * that legal_next[] encodes.
 */

#include <errno.h>
#include <string.h>

#include "core/exchange.h"

/* ---- phases --------------------------------------------------------------- */

#define P(x) (1U << ZCOAP_PHASE_##x)

/* Bit (1 << to) is set in legal_next[from] for every transition the core makes. */
static const uint16_t legal_next[] = {
    [ZCOAP_PHASE_FREE] = P(REQUEST),
    [ZCOAP_PHASE_UPLOAD] = P(REQUEST) | P(DOWNLOAD) | P(DEREGISTER) | P(FREE),
    [ZCOAP_PHASE_REQUEST] = P(UPLOAD) | P(DOWNLOAD) | P(OBSERVING) | P(DEREGISTER) | P(FREE),
    [ZCOAP_PHASE_DOWNLOAD] = P(FREE),
    [ZCOAP_PHASE_OBSERVING] =
	P(NOTIFICATION) | P(REREGISTER) | P(DEREGISTER) | P(REQUEST) | P(FREE),
    [ZCOAP_PHASE_NOTIFICATION] = P(OBSERVING) | P(DEREGISTER) | P(REQUEST) | P(FREE),
    [ZCOAP_PHASE_REREGISTER] = P(OBSERVING) | P(DEREGISTER) | P(REQUEST) | P(FREE),
    /* Back to where it came from only when the deregistration could not be sent. */
    [ZCOAP_PHASE_DEREGISTER] =
	P(REQUEST) | P(FREE) | P(UPLOAD) | P(OBSERVING) | P(NOTIFICATION) | P(REREGISTER),
};

/* zc_set_phase(), inline for the plain completion (zc_exchange_on_plain_response()). */
static inline void set_phase(struct zcoap_engine *eng, struct zcoap_slot *s, enum zcoap_phase to)
{
	unsigned int i = (unsigned int)(s - eng->slots);
	enum zcoap_phase from = (enum zcoap_phase)s->phase;

	if (from != to && (legal_next[from] & (1U << to)) == 0) {
		eng->illegal_transitions++;
	}
	s->phase = (uint8_t)to;
	switch (to) {
	case ZCOAP_PHASE_FREE:
		zc_tok_unindex(eng, i);
		zc_set_active(eng, i, false);
		s->msg = ZCOAP_MSG_NONE;
		s->serial = 0;
		s->deadline = ZC_NO_DEADLINE;
		break;
	case ZCOAP_PHASE_OBSERVING:
		/* Nothing is in flight while observing (a continuation is abandoned). */
		s->msg = ZCOAP_MSG_NONE;
		break;
	default:
		if (from == ZCOAP_PHASE_FREE) {
			zc_set_active(eng, i, true);
		}
		break;
	}
}

void zc_set_phase(struct zcoap_engine *eng, struct zcoap_slot *s, enum zcoap_phase to)
{
	set_phase(eng, s, to);
}

/* RFC 7641: wait for the next notification, checking liveness at Max-Age. */
static void enter_observing(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	zc_set_phase(eng, s, ZCOAP_PHASE_OBSERVING);
	s->end = ZC_NO_DEADLINE; /* registered: an overall deadline covered the registration */
	s->deadline = zc_observe_deadline(s, now);
}

/* ---- events ---------------------------------------------------------------- */

void zc_emit(struct zcoap_engine *eng, struct zcoap_slot *s, int code, size_t offset,
	     const uint8_t *payload, size_t len, bool last_block, bool final, bool has_packet)
{
	struct zcoap_event *ev;

	/* (The capacity is MAX_REQUESTS + 2: up to 257 entries, more than a uint8_t counts.) */
	if (eng->n_events >= sizeof(eng->events) / sizeof(eng->events[0])) {
		/* Cannot happen: every entry point emits at most one event per slot plus one. */
		return;
	}
	ev = &eng->events[eng->n_events++];
	ev->cb = s->cb;
	ev->cb_4_3 = s->cb_4_3;
	ev->user_data = s->user_data;
	ev->serial = s->serial;
	ev->slot = (uint8_t)(s - eng->slots);
	ev->code = (int16_t)code;
	ev->offset = offset;
	ev->payload = len > 0 ? payload : NULL;
	ev->len = len;
	ev->last_block = last_block;
	ev->final = final;
	ev->has_packet = has_packet;
	if (has_packet) {
		eng->rx_retransmissions = s->retransmissions;
		eng->rx_block_count = s->b2.blocks;
		eng->rx_size2 = s->b2.size2;
	}
}

/*
 * Remember @p sock for zc_engine_take_lingers(): its peer may still send
 * on an exchange that just ended, and the driver keeps answering it for a
 * while (docs/design/threading.md, "Linger").
 */
static void note_linger(struct zcoap_engine *eng, int sock)
{
	for (unsigned int i = 0; i < eng->n_linger; i++) {
		if (eng->linger_socks[i] == sock) {
			return;
		}
	}
	if (eng->n_linger < ZCOAP_CONFIG_MAX_REQUESTS) {
		eng->linger_socks[eng->n_linger++] = sock;
	}
}

/* zc_free(), inline for the plain completion. */
static inline void free_slot(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	/*
	 * RFC 7252 §4.5: the server retransmits a CON response whose ACK was
	 * lost; RFC 7641 §3.6: a server that ignored the deregistration goes
	 * on notifying, and only an RST (or an ACK) ends either.
	 */
	if (s->linger || (s->obs.wanted && s->obs.reg_tkl > 0)) {
		note_linger(eng, s->sock);
	}
	s->linger = false;
	set_phase(eng, s, ZCOAP_PHASE_FREE);
}

void zc_free(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	free_slot(eng, s);
}

void zc_fail(struct zcoap_engine *eng, struct zcoap_slot *s, int err)
{
	zc_emit(eng, s, err, 0, NULL, 0, true, true, false);
	if (s->msg == ZCOAP_MSG_WAIT_RESPONSE) {
		/* A late (separate or NON) response gets RST, not silence. */
		s->linger = true;
	}
	zc_free(eng, s);
}

/*
 * The end of a request without a response, and not a failure: one wanting
 * none (RFC 7967 No-Response), or a multicast window that is over. One final
 * callback (0, 0, NULL, 0, true) with no packet, then the slot is free.
 */
static void complete_without_response(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	zc_emit(eng, s, 0, 0, NULL, 0, true, true, false);
	zc_free(eng, s);
}

void zc_exchange_on_pong(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	/* The RST (or Empty ACK) answering a ping: result 0, the packet in the response info. */
	zc_emit(eng, s, 0, 0, NULL, 0, true, true, true);
	zc_free(eng, s);
}

void zc_complete(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zc_rx *rx,
		 size_t offset, const uint8_t *payload, size_t len)
{
	/* (A CON/NON response is already in the dedup ring: receive.c adds it on arrival.) */
	zc_emit(eng, s, rx->code, offset, payload, len, true, true, true);
	zc_free(eng, s);
}

void zc_exchange_on_plain_response(struct zcoap_engine *eng, struct zcoap_slot *s, uint8_t code,
				   const uint8_t *payload, uint16_t len)
{
	/* zc_exchange_on_response()'s way for this shape: Block2's FINISH at offset 0. */
	zc_emit(eng, s, code, 0, payload, len, true, true, true);
	free_slot(eng, s);
}

/* ---- sending ----------------------------------------------------------------- */

static int send_datagram(struct zcoap_engine *eng, int sock, const struct sockaddr *addr,
			 socklen_t addrlen, const uint8_t *buf, size_t len)
{
	if (eng->io->trace != NULL) {
		eng->io->trace(eng->io_ctx, true, buf, len);
	}
	return eng->io->send(eng->io_ctx, sock, addrlen > 0 ? addr : NULL, addrlen, buf, len);
}

static int send_tx(struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	return send_datagram(eng, s->sock, (const struct sockaddr *)&s->addr, s->addrlen, s->tx,
			     s->tx_len);
}

int zc_send_empty(struct zcoap_engine *eng, uint8_t type, uint16_t mid, int sock,
		  const struct sockaddr *dst, socklen_t dstlen)
{
	zc_build_empty(eng->ctl, type, mid);
	return send_datagram(eng, sock, dst, dstlen, eng->ctl, 4);
}

static uint32_t be32(const uint8_t b[4])
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Whether arming the timer of @p s takes a random value (the ACK_RANDOM_FACTOR jitter). */
static bool wants_jitter(const struct zcoap_slot *s)
{
	return s->confirmable && zc_initial_timeout_span(&s->params) > 0;
}

/*
 * RFC 7252 §5.3.1 / RFC 9175 §4: 8 CSPRNG bytes, unique among outstanding
 * requests. With @p jitter, 4 more CSPRNG bytes for arm_timer() come from
 * the same call (one random() call per request instead of two).
 */
static void fresh_token(struct zcoap_engine *eng, struct zcoap_slot *s, uint8_t *jitter)
{
	uint8_t b[12];

	eng->io->random(eng->io_ctx, b, jitter != NULL ? 12 : 8);
	while (zc_token_owner(eng, b) != NULL) {
		eng->io->random(eng->io_ctx, b, 8);
	}
	memcpy(s->token, b, 8);
	s->tkl = 8;
	if (jitter != NULL) {
		memcpy(jitter, b + 8, 4);
	}
}

/*
 * The messaging layer (RFC 7252 §4.2): arm retransmission (CON) or the
 * response window (NON). @p jitter: 4 random bytes already drawn for it
 * (fresh_token()), or NULL to draw them here when needed.
 */
static void arm_timer(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now,
		      const uint8_t *jitter)
{
	s->retransmissions = 0;
	if (s->confirmable) {
		uint32_t rnd = 0;

		if (wants_jitter(s)) {
			uint8_t b[4];

			if (jitter == NULL) {
				eng->io->random(eng->io_ctx, b, sizeof(b));
				jitter = b;
			}
			rnd = be32(jitter);
		}

		s->msg = ZCOAP_MSG_WAIT_ACK;
		s->retries_left = s->params.max_retransmission;
		s->timeout_ms = zc_initial_timeout(&s->params, rnd);
		s->deadline = now + s->timeout_ms;
	} else if (s->multicast) {
		s->msg = ZCOAP_MSG_WAIT_RESPONSE;
		s->deadline = now + s->mc_window_ms;
	} else {
		s->msg = ZCOAP_MSG_WAIT_RESPONSE;
		/*
		 * RFC 7967: a NON request that suppresses every response class
		 * is done once sent; the client thread completes it at once
		 * (zc_exchange_on_timer()), never from coap_client_req().
		 */
		s->deadline = zc_noresp_all(s) ? now : now + zc_non_window(&s->params);
	}
}

int zc_send_new(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	uint8_t old_token[8];
	uint8_t old_tkl = s->tkl;
	uint16_t old_mid = s->mid;
	bool reuse_reg = s->phase == ZCOAP_PHASE_REREGISTER || s->phase == ZCOAP_PHASE_DEREGISTER;
	uint8_t jitter[4];
	bool have_jitter = false;
	int r;

	memcpy(old_token, s->token, sizeof(old_token));
	if (reuse_reg) {
		/* RFC 7641 §3.3.1/§3.6: re- and deregistration reuse the registration token. */
		memcpy(s->token, s->obs.reg_token, s->obs.reg_tkl);
		s->tkl = s->obs.reg_tkl;
	} else if (zc_is_ping(s)) {
		s->tkl = 0; /* an Empty message has no token (RFC 7252 §4.1) */
	} else if (s->user_tkl > 0 && zc_is_first_message(s)) {
		/* the application's own token (checked unique at admission) */
		memcpy(s->token, s->user_token, s->user_tkl);
		s->tkl = s->user_tkl;
	} else {
		have_jitter = wants_jitter(s);
		fresh_token(eng, s, have_jitter ? jitter : NULL);
	}
	if (s->b1.blockwise && !s->b1.has_tag) {
		/*
		 * RFC 9175 §3: one Request-Tag for every block of a body. Drawn
		 * when the body first goes block-wise (at admission or when a
		 * 4.13 restarts it in blocks), not for every request.
		 */
		eng->io->random(eng->io_ctx, s->b1.tag, sizeof(s->b1.tag));
		s->b1.has_tag = true;
	}
	s->mid = coap_next_id();
	r = zc_build_message(s, s->confirmable);
	if (r == 0) {
		r = send_tx(eng, s);
	}
	if (r < 0) {
		memcpy(s->token, old_token, sizeof(old_token));
		s->tkl = old_tkl;
		s->mid = old_mid;
		zc_tok_reindex(eng, s);
		return r;
	}
	if (s->obs.wanted && !reuse_reg &&
	    (s->phase == ZCOAP_PHASE_REQUEST || s->phase == ZCOAP_PHASE_UPLOAD)) {
		/* This message is the registration itself (first send or an Echo retry). */
		memcpy(s->obs.reg_token, s->token, s->tkl);
		s->obs.reg_tkl = s->tkl;
	}
	zc_tok_reindex(eng, s);
	s->last_rx_mid = -1;
	arm_timer(eng, s, now, have_jitter ? jitter : NULL);
	return 0;
}

/*
 * zc_send_new() and arm_timer() for this one shape, in one function: the
 * token and the jitter in one draw, nothing to save or restore (a failed
 * send frees the slot), the CON timer armed here.
 */
int zc_send_plain(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	bool con = s->confirmable;
	uint32_t ack_timeout = s->params.ack_timeout;
	uint64_t span = con ? zc_initial_timeout_span(&s->params) : 0;
	uint8_t b[12];
	uint16_t mid;
	int r;

	/*
	 * RFC 7252 §5.3.1: 8 CSPRNG bytes, unique among outstanding requests
	 * (fresh_token()). The only request in flight (this one: no token yet)
	 * has no other to compare with.
	 */
	eng->io->random(eng->io_ctx, b, span > 0 ? 12 : 8);
	while (eng->n_active > 1 && zc_token_owner(eng, b) != NULL) {
		eng->io->random(eng->io_ctx, b, 8);
	}
	memcpy(s->token, b, 8);
	s->tkl = 8;
	mid = coap_next_id();
	s->mid = mid;
	/* message.c's build_header() for this shape: version 1, TKL 8, then the token */
	s->tx[0] = (uint8_t)((COAP_VERSION_1 << 6) |
			     ((unsigned int)(con ? COAP_TYPE_CON : COAP_TYPE_NON_CON) << 4) | 8U);
	s->tx[1] = s->method;
	s->tx[2] = (uint8_t)(mid >> 8);
	s->tx[3] = (uint8_t)mid;
	memcpy(s->tx + COAP_FIXED_HEADER_SIZE, b, 8);
	r = send_tx(eng, s);
	if (r < 0) {
		s->tkl = 0; /* as zc_send_new() leaves it: no token */
		return r;
	}
	zc_tok_reindex(eng, s);
	if (!con) {
		arm_timer(eng, s, now, NULL); /* a NON request's timer takes no random value */
		return 0;
	}
	s->msg = ZCOAP_MSG_WAIT_ACK;
	s->retries_left = s->params.max_retransmission;
	s->timeout_ms = zc_initial_timeout_in(ack_timeout, span, span > 0 ? be32(b + 8) : 0);
	s->deadline = now + s->timeout_ms;
	return 0;
}

/*
 * Send the slot's next message, or end the request with the error. With
 * @p load_block the Block1 block at b1.offset is loaded first (payload_cb).
 */
static void send_next(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now, bool load_block)
{
	int r = load_block ? zc_block1_chunk(s) : 0;

	if (r == 0) {
		r = zc_send_new(eng, s, now);
	}
	if (r < 0) {
		zc_fail(eng, s, r);
	}
}

/* ---- verdicts ------------------------------------------------------------------ */

/* Act on a block-wise verdict for a response to @p s. */
static void apply(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zc_rx *rx,
		  const struct zc_verdict *v)
{
	switch (v->kind) {
	case ZC_V_FAIL:
		zc_fail(eng, s, v->err);
		break;
	case ZC_V_FINISH:
		if (!zc_observing(s)) {
			zc_complete(eng, s, rx, v->offset, v->payload, v->len);
			break;
		}
		/* A notification is complete; the observation goes on (RFC 7641 §3.2). */
		zc_emit(eng, s, rx->code, v->offset, v->payload, v->len, true, false, true);
		zc_block2_reset(s);
		enter_observing(eng, s, rx->now);
		break;
	case ZC_V_CONTINUE:
		zc_emit(eng, s, rx->code, v->offset, v->payload, v->len, false, false, true);
		if (s->phase == ZCOAP_PHASE_UPLOAD) {
			send_next(eng, s, rx->now, true); /* the next Block1 block */
			break;
		}
		zc_set_phase(eng, s,
			     zc_observing(s) ? ZCOAP_PHASE_NOTIFICATION : ZCOAP_PHASE_DOWNLOAD);
		send_next(eng, s, rx->now, false); /* the next Block2 continuation */
		break;
	case ZC_V_RESEND:
		zc_set_phase(eng, s, ZCOAP_PHASE_UPLOAD);
		send_next(eng, s, rx->now, true);
		break;
	case ZC_V_DISCARD:
		zc_block2_reset(s);
		enter_observing(eng, s, rx->now);
		break;
	case ZC_V_PASS:
	case ZC_V_DROP:
	case ZC_V_NOTIFY:
	case ZC_V_DECLINE:
	case ZC_V_REREGISTER:
		break;
	}
}

/* RFC 9175 §2.3: keep an Echo value for the next new request to the same endpoint. */
static void remember_echo(struct zcoap_engine *eng, const struct zcoap_slot *s, const uint8_t *v,
			  uint16_t len)
{
	memcpy(eng->echo.value, v, len);
	eng->echo.len = (uint8_t)len;
	eng->echo.sock = s->sock;
	memcpy(&eng->echo.addr, &s->addr, sizeof(s->addr));
	eng->echo.addrlen = s->addrlen;
	eng->echo.pending = true;
}

/* The Observe step of a response: false when the response ends here (dropped). */
static bool observe_step(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zc_rx *rx)
{
	bool deregistering = s->phase == ZCOAP_PHASE_DEREGISTER;
	struct zc_verdict v = zc_observe_on_response(s, rx, zc_observing(s), deregistering);

	switch (v.kind) {
	case ZC_V_DROP:
		return false;
	case ZC_V_NOTIFY:
		/* A newer notification replaces a body still being fetched (RFC 7959 §2.6). */
		zc_block2_reset(s);
		enter_observing(eng, s, rx->now);
		return true;
	case ZC_V_DECLINE:
		zc_block2_reset(s);
		zc_set_phase(eng, s, ZCOAP_PHASE_REQUEST);
		return true;
	default:
		if (deregistering) {
			/* The answer to our deregistration: the observation is over. */
			s->obs.wanted = false;
			zc_set_phase(eng, s, ZCOAP_PHASE_REQUEST);
		}
		return true;
	}
}

void zc_exchange_on_response(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zc_rx *rx)
{
	const uint8_t *echo;
	uint16_t echo_len;
	struct zc_verdict v;
	size_t base = 0;

	if (zc_rx_option(rx, COAP_OPTION_ECHO, &echo, &echo_len) == 0) {
		/* RFC 9175 §2.3: 4.01 + Echo asks for the request again with the value. */
		if (rx->code == COAP_RESPONSE_CODE_UNAUTHORIZED &&
		    s->echo_retries < ZCOAP_CONFIG_MAX_ECHO_RETRIES) {
			s->echo_retries++;
			memcpy(s->echo, echo, echo_len);
			s->echo_len = (uint8_t)echo_len;
			send_next(eng, s, rx->now, false);
			return;
		}
		remember_echo(eng, s, echo, echo_len);
	}
	switch (s->phase) {
	case ZCOAP_PHASE_UPLOAD:
		v = zc_block1_on_response(s, rx);
		if (v.kind != ZC_V_PASS) {
			apply(eng, s, rx, &v);
			return;
		}
		/* The whole body is acknowledged: this response starts the response body. */
		base = v.offset;
		zc_set_phase(eng, s, ZCOAP_PHASE_REQUEST);
		break;
	case ZCOAP_PHASE_REQUEST:
		/* RFC 7959 §2.9.3: a body sent whole was too large; maybe go block-wise. */
		if (rx->code == COAP_RESPONSE_CODE_REQUEST_TOO_LARGE && zc_has_body(s)) {
			s->noresp = 0; /* a block-wise upload needs every response */
			v = zc_block1_on_response(s, rx);
			apply(eng, s, rx, &v);
			return;
		}
		break;
	default:
		break;
	}
	if (s->obs.wanted && !observe_step(eng, s, rx)) {
		return;
	}
	v = zc_block2_on_response(s, rx, zc_in_body(s), zc_observing(s), base);
	apply(eng, s, rx, &v);
}

/* ---- the messaging layer: Empty ACK, truncation, timers ------------------------- */

void zc_exchange_on_empty_ack(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	/* RFC 7252 §5.2.2: the Empty ACK stops retransmission; the response comes later. */
	if (s->msg == ZCOAP_MSG_WAIT_ACK) {
		if (zc_noresp_all(s) && s->phase == ZCOAP_PHASE_REQUEST) {
			/* RFC 7967: the server has it and will not answer: done. */
			complete_without_response(eng, s);
			return;
		}
		s->msg = ZCOAP_MSG_WAIT_RESPONSE;
		s->deadline = now + eng->separate_timeout_ms;
	}
}

void zc_exchange_on_truncated(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	struct zc_verdict v = zc_block2_on_truncated(s, s->phase == ZCOAP_PHASE_DEREGISTER);

	if (v.kind == ZC_V_FAIL) {
		zc_fail(eng, s, v.err);
		return;
	}
	/* Re-ask the block at the delivered offset as a continuation (RFC 7959 §2.4). */
	zc_set_phase(eng, s, ZCOAP_PHASE_DOWNLOAD);
	send_next(eng, s, now, false);
}

/* RFC 7252 §4.2: the same message (MID and token) again, with a doubled timeout. */
static void retransmit(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	int r;

	if (s->retries_left == 0) {
		zc_fail(eng, s, -ETIMEDOUT);
		return;
	}
	if (s->phase == ZCOAP_PHASE_REREGISTER && s->retransmissions == 0 &&
	    eng->io->peer_silent != NULL) {
		/* Silence past the liveness rule, and the re-registration unanswered. */
		eng->io->peer_silent(eng->io_ctx, s->sock);
	}
	r = send_tx(eng, s);
	if (r == -EAGAIN || r == -EWOULDBLOCK || r == -ENOBUFS) {
		/* The socket is full; retry soon without using up a retransmission. */
		s->deadline = now + 10;
		return;
	}
	if (r < 0) {
		zc_fail(eng, s, r);
		return;
	}
	s->retries_left--;
	if (s->retransmissions < UINT8_MAX) {
		s->retransmissions++;
	}
	s->timeout_ms = zc_next_timeout(s->timeout_ms, s->params.coap_backoff_percent);
	s->deadline += s->timeout_ms;
	if (s->deadline <= now) {
		s->deadline = now + s->timeout_ms;
	}
}

void zc_exchange_on_timer(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	struct zc_verdict v;

	switch (s->msg) {
	case ZCOAP_MSG_WAIT_ACK:
		retransmit(eng, s, now);
		break;
	case ZCOAP_MSG_WAIT_RESPONSE:
		if (s->multicast) {
			complete_without_response(eng, s);
			break;
		}
		if (s->noresp != 0 && s->phase == ZCOAP_PHASE_REQUEST) {
			/*
			 * RFC 7967: silence may be the server suppressing a
			 * class we said we do not want; not a failure.
			 */
			complete_without_response(eng, s);
			break;
		}
		/* NON window, separate-response wait or a continuation: give up. */
		zc_fail(eng, s, -ETIMEDOUT);
		break;
	case ZCOAP_MSG_NONE:
		/* Observing and the freshest notification went stale. */
		v = zc_observe_on_silence(s);
		if (v.kind == ZC_V_FAIL) {
			zc_fail(eng, s, v.err);
			break;
		}
		zc_set_phase(eng, s, ZCOAP_PHASE_REREGISTER);
		send_next(eng, s, now, false);
		break;
	}
}

void zc_exchange_reregister(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	if (s->msg != ZCOAP_MSG_NONE || s->phase != ZCOAP_PHASE_OBSERVING) {
		return; /* not waiting for notifications: its own timers carry on */
	}
	zc_set_phase(eng, s, ZCOAP_PHASE_REREGISTER);
	send_next(eng, s, now, false);
}

void zc_exchange_on_multicast_response(struct zcoap_engine *eng, struct zcoap_slot *s,
				       const struct zc_rx *rx)
{
	const uint8_t *v;
	uint16_t vlen;

	/*
	 * RFC 7252 §8.2: a response to a multicast request is NON; a CON one
	 * is dropped (neither ACKed nor reset: the responder gives up on its
	 * own). Block-wise responses are dropped too (no per-responder
	 * block-wise transfer, docs/design/exchanges.md). Never an RST.
	 */
	if (rx->type != COAP_TYPE_NON_CON || zc_rx_option(rx, COAP_OPTION_BLOCK2, &v, &vlen) == 0 ||
	    zc_rx_option(rx, COAP_OPTION_BLOCK1, &v, &vlen) == 0) {
		return;
	}
	zc_emit(eng, s, rx->code, 0, rx->payload, rx->payload_len, false, false, true);
}

void zc_exchange_on_end(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	if (s->multicast) {
		complete_without_response(eng, s);
		return;
	}
	if (s->noresp != 0 && s->phase == ZCOAP_PHASE_REQUEST &&
	    s->msg == ZCOAP_MSG_WAIT_RESPONSE) {
		/* Delivered (NON sent, or CON acknowledged) and silence was allowed (RFC 7967). */
		complete_without_response(eng, s);
		return;
	}
	zc_fail(eng, s, -ETIMEDOUT);
}

/* ---- the application ends an exchange ----------------------------------------- */

void zc_exchange_cancel(struct zcoap_engine *eng, struct zcoap_slot *s, bool quiet)
{
	if (s->obs.wanted && s->obs.reg_tkl > 0 && s->phase != ZCOAP_PHASE_DEREGISTER) {
		/*
		 * RFC 7641 §3.6 lets a client forget an observation and answer
		 * the next notification with RST -- but that RST only goes out
		 * while the socket is still read, and after a cancel the
		 * application may close it. So also send a one-off NON GET with
		 * Observe = 1 and the registration token now; the server drops us
		 * at once. Its answer (if the socket is still read) has an
		 * unknown token and gets RST.
		 */
		memcpy(s->token, s->obs.reg_token, s->obs.reg_tkl);
		s->tkl = s->obs.reg_tkl;
		zc_block2_reset(s);
		zc_set_phase(eng, s, ZCOAP_PHASE_DEREGISTER);
		s->mid = coap_next_id();
		if (zc_build_message(s, false) == 0) {
			(void)send_tx(eng, s);
		}
	}
	if (quiet) {
		zc_free(eng, s);
	} else {
		zc_fail(eng, s, -ECANCELED);
	}
}

int zc_exchange_deregister(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	enum zcoap_phase before = (enum zcoap_phase)s->phase;
	struct zcoap_block2_state b2 = s->b2;
	int r;

	/* Abandon a notification body still being fetched. */
	zc_block2_reset(s);
	zc_set_phase(eng, s, ZCOAP_PHASE_DEREGISTER);
	r = zc_send_new(eng, s, now);
	if (r < 0) {
		s->b2 = b2;
		zc_set_phase(eng, s, before);
		return r;
	}
	if (!s->confirmable) {
		/* NON: nothing to wait for (Zephyr's behaviour). */
		zc_fail(eng, s, -ECANCELED);
	}
	return 0;
}
