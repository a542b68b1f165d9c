/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * engine.c -- the sans-I/O client state machine: admission, message
 * building, retransmission, matching of received datagrams, separate
 * responses, duplicates, Echo, cancellation.
 *
 * Block-wise transfers live in engine_block.c and Observe in
 * engine_observe.c. Nothing here reads a clock, touches a socket or runs an
 * application callback (see engine.h).
 */

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "core/core_internal.h"
#include "codec/codec_internal.h"

/* ---- small helpers --------------------------------------------------- */

static uint32_t eng_rand32(struct zcoap_engine *eng)
{
	uint8_t b[4];

	eng->io->random(eng->io_ctx, b, sizeof(b));
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static int eng_send(struct zcoap_engine *eng, int sock, const struct sockaddr *addr,
		    socklen_t addrlen, const uint8_t *buf, size_t len)
{
	if (eng->io->trace != NULL) {
		eng->io->trace(eng->io_ctx, true, buf, len);
	}
	return eng->io->send(eng->io_ctx, sock, addrlen > 0 ? addr : NULL, addrlen, buf, len);
}

static bool sockaddr_equal(const struct sockaddr *a, socklen_t alen, const struct sockaddr *b,
			   socklen_t blen)
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
static bool endpoint_match(const struct zcoap_slot *s, int sock, const struct sockaddr *src,
			   socklen_t srclen)
{
	if (s->sock != sock) {
		return false;
	}
	if (s->addrlen == 0 || src == NULL || srclen == 0) {
		return true;
	}
	return sockaddr_equal((const struct sockaddr *)&s->addr, s->addrlen, src, srclen);
}

static bool token_equal(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* ---- slot index ---------------------------------------------------------- */

/*
 * With ZCOAP_CONFIG_MAX_REQUESTS = 255 a scan of every slot per datagram
 * and per new token cost more than the rest of the request (issue 8,
 * docs/performance.md). The engine therefore keeps a bitmap of the active
 * slots (eng->active) and, with more than 16 slots (ZCOAP_TOKEN_INDEX), a
 * hash of their tokens (eng->tok_tab). Scans walk the bitmap in ascending
 * slot order, exactly like the plain loops they replace, so events keep
 * their order; token lookups find the one slot that can hold a token
 * (tokens and registration tokens of active requests are unique, see
 * fresh_token()) and then apply the same checks as before.
 */

#define NSLOTS ZCOAP_CONFIG_MAX_REQUESTS
#define NWORDS ((unsigned int)(sizeof(((struct zcoap_engine *)0)->active) / sizeof(uint32_t)))

/* Index of the lowest set bit of a non-zero word (de Bruijn multiply, portable C). */
static unsigned int lowest_bit(uint32_t x)
{
	static const uint8_t pos[32] = {0,  1,  28, 2,  29, 14, 24, 3,  30, 22, 20,
					15, 25, 17, 4,  8,  31, 27, 13, 23, 21, 19,
					16, 7,  26, 12, 18, 6,  11, 5,  10, 9};

	return pos[((x & (0U - x)) * 0x077CB531U) >> 27];
}

/* The first active slot at index >= i, or ZCOAP_CONFIG_MAX_REQUESTS. */
static unsigned int next_active(const struct zcoap_engine *eng, unsigned int i)
{
	unsigned int w = i / 32U;
	uint32_t bits;

	if (w >= NWORDS) {
		return NSLOTS;
	}
	bits = eng->active[w] & (UINT32_MAX << (i % 32U));
	while (bits == 0) {
		if (++w >= NWORDS) {
			return NSLOTS;
		}
		bits = eng->active[w];
	}
	return w * 32U + lowest_bit(bits);
}

static unsigned int slot_index(const struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	return (unsigned int)(s - eng->slots);
}

static void set_active(struct zcoap_engine *eng, unsigned int i, bool on)
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

#if ZCOAP_TOKEN_INDEX
#define TOK_MASK   (ZCOAP_TOKEN_TAB_SIZE - 1U)
#define KIND_TOKEN 0U
#define KIND_REG   1U

static uint64_t token_key(const uint8_t *tok)
{
	uint64_t k;

	memcpy(&k, tok, sizeof(k));
	return k;
}

static unsigned int tok_hash(uint64_t key)
{
	/* Tokens are random; the multiply only spreads a non-random test RNG. */
	return (unsigned int)((key * 0x9E3779B97F4A7C15ULL) >> 40) & TOK_MASK;
}

static uint64_t entry_key(const struct zcoap_engine *eng, uint16_t v)
{
	return eng->tok_key[(v - 1U) >> 1][(v - 1U) & 1U];
}

/* The slot whose token or registration token is @p key, or NULL. */
static struct zcoap_slot *tok_find(struct zcoap_engine *eng, uint64_t key)
{
	for (unsigned int h = tok_hash(key);; h = (h + 1U) & TOK_MASK) {
		uint16_t v = eng->tok_tab[h];

		if (v == 0) {
			return NULL;
		}
		if (entry_key(eng, v) == key) {
			return &eng->slots[(v - 1U) >> 1];
		}
	}
}

static void tok_insert(struct zcoap_engine *eng, unsigned int slot, unsigned int kind, uint64_t key)
{
	unsigned int h = tok_hash(key);

	eng->tok_key[slot][kind] = key;
	while (eng->tok_tab[h] != 0) {
		h = (h + 1U) & TOK_MASK;
	}
	eng->tok_tab[h] = (uint16_t)(((slot << 1) | kind) + 1U);
	eng->tok_set[slot] = (uint8_t)(eng->tok_set[slot] | (1U << kind));
}

static void tok_remove(struct zcoap_engine *eng, unsigned int slot, unsigned int kind)
{
	uint16_t v = (uint16_t)(((slot << 1) | kind) + 1U);
	unsigned int i;
	unsigned int j;

	if ((eng->tok_set[slot] & (1U << kind)) == 0) {
		return;
	}
	eng->tok_set[slot] = (uint8_t)(eng->tok_set[slot] & ~(1U << kind));
	i = tok_hash(eng->tok_key[slot][kind]);
	while (eng->tok_tab[i] != v) {
		i = (i + 1U) & TOK_MASK;
	}
	/* Backward-shift deletion keeps every probe chain unbroken (no tombstones). */
	for (j = (i + 1U) & TOK_MASK; eng->tok_tab[j] != 0; j = (j + 1U) & TOK_MASK) {
		unsigned int home = tok_hash(entry_key(eng, eng->tok_tab[j]));

		/* The entry at j may fill the hole at i unless its home lies in (i, j]. */
		if (((j - home) & TOK_MASK) >= ((j - i) & TOK_MASK)) {
			eng->tok_tab[i] = eng->tok_tab[j];
			i = j;
		}
	}
	eng->tok_tab[i] = 0;
}

/* Index the slot's tokens again after they changed (zc_eng_send_new()). */
static void tok_reindex(struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	unsigned int i = slot_index(eng, s);

	tok_remove(eng, i, KIND_TOKEN);
	tok_remove(eng, i, KIND_REG);
	if (s->tkl == 8) {
		tok_insert(eng, i, KIND_TOKEN, token_key(s->token));
	}
	if (s->obs.reg_tkl == 8) {
		tok_insert(eng, i, KIND_REG, token_key(s->obs.reg_token));
	}
}

/* Drop a freed slot's tokens from the index. */
static void tok_unindex(struct zcoap_engine *eng, unsigned int slot)
{
	tok_remove(eng, slot, KIND_TOKEN);
	tok_remove(eng, slot, KIND_REG);
}

/* The active slot whose token or registration token is @p tok, or NULL. */
static struct zcoap_slot *token_owner(struct zcoap_engine *eng, const uint8_t *tok)
{
	return tok_find(eng, token_key(tok));
}
#else
/* Up to 16 slots a scan of the active ones is as fast as a hash, and smaller. */
static void tok_reindex(struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	(void)eng;
	(void)s;
}

static void tok_unindex(struct zcoap_engine *eng, unsigned int slot)
{
	(void)eng;
	(void)slot;
}

static struct zcoap_slot *token_owner(struct zcoap_engine *eng, const uint8_t *tok)
{
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];

		if ((s->tkl == 8 && memcmp(s->token, tok, 8) == 0) ||
		    (s->obs.reg_tkl == 8 && memcmp(s->obs.reg_token, tok, 8) == 0)) {
			return s;
		}
	}
	return NULL;
}
#endif

/* Transmission parameters with defaults resolved; -EINVAL if unusable. */
static int resolve_params(const struct coap_transmission_parameters *in,
			  struct coap_transmission_parameters *out)
{
	*out = in != NULL ? *in : coap_get_transmission_parameters();
	if (out->ack_random_percent == 0) {
		out->ack_random_percent = 150;
	}
	if (out->ack_timeout == 0 || out->ack_timeout > 24U * 3600U * 1000U ||
	    out->ack_random_percent < 100 || out->coap_backoff_percent < 100) {
		return -EINVAL;
	}
	return 0;
}

/* RFC 7252 §4.2: initial timeout uniformly in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]. */
static uint32_t initial_timeout(struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	uint64_t t = s->params.ack_timeout;
	uint64_t span = t * (uint64_t)(s->params.ack_random_percent - 100U) / 100U;

	if (span > 0) {
		t += eng_rand32(eng) % (span + 1U);
	}
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static uint32_t next_timeout(uint32_t timeout, uint16_t backoff_percent)
{
	uint64_t t = (uint64_t)timeout * backoff_percent / 100U;

	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/*
 * How long a NON request waits for its response: MAX_TRANSMIT_WAIT
 * (RFC 7252 §4.8.2), i.e. as long as a CON request would keep trying, so
 * both kinds give up at the same point.
 */
static int64_t non_window(const struct zcoap_slot *s)
{
	uint64_t t = (uint64_t)s->params.ack_timeout * s->params.ack_random_percent / 100U;
	uint64_t total = 0;

	for (unsigned int i = 0; i <= s->params.max_retransmission; i++) {
		total += t;
		t = t * s->params.coap_backoff_percent / 100U;
		if (total > (uint64_t)INT32_MAX) {
			return INT32_MAX;
		}
	}
	return (int64_t)total;
}

/* ---- events ---------------------------------------------------------- */

void zc_eng_emit(struct zcoap_engine *eng, struct zcoap_slot *s, int code, size_t offset,
		    const uint8_t *payload, size_t len, bool last_block, bool final,
		    bool has_packet)
{
	struct zcoap_event *ev;

	/* (The capacity is MAX_REQUESTS + 2: up to 257 entries, more than a uint8_t counts.) */
	if (eng->n_events >= sizeof(eng->events) / sizeof(eng->events[0])) {
		/* Cannot happen: every entry point emits at most one event per slot plus one. */
		return;
	}
	ev = &eng->events[eng->n_events++];
	ev->cb = s->cb;
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

void zc_eng_free(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	unsigned int i = slot_index(eng, s);

	tok_unindex(eng, i);
	set_active(eng, i, false);
	s->state = ZCOAP_SLOT_FREE;
	s->serial = 0;
	s->deadline = ZCOAP_NO_DEADLINE;
}

void zc_eng_fail(struct zcoap_engine *eng, struct zcoap_slot *s, int err)
{
	zc_eng_emit(eng, s, err, 0, NULL, 0, true, true, false);
	zc_eng_free(eng, s);
}

static void dedup_add(struct zcoap_engine *eng, const struct zcoap_rx *rx, int64_t now)
{
	struct zcoap_dedup_entry *d = &eng->dedup[eng->dedup_next];

	eng->dedup_next = (uint8_t)((eng->dedup_next + 1U) % ZCOAP_CONFIG_DEDUP_ENTRIES);
	d->used = true;
	d->sock = rx->sock;
	d->mid = rx->mid;
	d->addrlen = 0;
	if (rx->src != NULL && rx->srclen > 0 && rx->srclen <= (socklen_t)sizeof(d->addr)) {
		memcpy(&d->addr, rx->src, rx->srclen);
		d->addrlen = rx->srclen;
	}
	/* RFC 7252 §4.8.2: a CON may be retransmitted for EXCHANGE_LIFETIME. */
	d->expires = now + 247000;
}

static bool dedup_find(const struct zcoap_engine *eng, const struct zcoap_rx *rx)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_DEDUP_ENTRIES; i++) {
		const struct zcoap_dedup_entry *d = &eng->dedup[i];

		if (!d->used || d->sock != rx->sock || d->mid != rx->mid || d->expires < rx->now) {
			continue;
		}
		if (d->addrlen == 0 || rx->src == NULL || rx->srclen == 0 ||
		    sockaddr_equal((const struct sockaddr *)&d->addr, d->addrlen, rx->src,
				   rx->srclen)) {
			return true;
		}
	}
	return false;
}

void zc_eng_complete(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zcoap_rx *rx,
			size_t offset, const uint8_t *payload, size_t len)
{
	if (rx->type != COAP_TYPE_ACK) {
		dedup_add(eng, rx, rx->now);
	}
	zc_eng_emit(eng, s, rx->code, offset, payload, len, true, true, true);
	zc_eng_free(eng, s);
}

/* ---- building and sending requests ------------------------------------ */

static bool token_in_use(struct zcoap_engine *eng, const uint8_t *tok)
{
	return token_owner(eng, tok) != NULL;
}

/* RFC 7252 §5.3.1 / RFC 9175 §4: 8 CSPRNG bytes, unique among outstanding requests. */
static void fresh_token(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	uint8_t tok[8];

	do {
		eng->io->random(eng->io_ctx, tok, sizeof(tok));
	} while (token_in_use(eng, tok));
	memcpy(s->token, tok, sizeof(tok));
	s->tkl = 8;
}

static bool has_body(const struct zcoap_slot *s)
{
	return s->payload_cb != NULL || s->payload != NULL;
}

/* Payload bytes of the message being built, by phase. */
static void message_body(const struct zcoap_slot *s, const uint8_t **body, size_t *n)
{
	bool continuation = s->b2.active;

	*body = NULL;
	*n = 0;
	if (s->obs.deregistering || continuation) {
		/*
		 * RFC 7641 §3.6 repeats the registration (minus Observe), and
		 * RFC 8132 §2.3.2 repeats a FETCH body for later blocks; other
		 * methods ask for further Block2 blocks without a body (RFC 7959
		 * §2.7).
		 */
		if (s->method == COAP_METHOD_FETCH && !s->b1.active && s->b1.have_chunk) {
			*body = s->b1.cb_data;
			*n = s->b1.chunk;
		}
		return;
	}
	if (s->b1.have_chunk) {
		*body = s->b1.cb_data;
		*n = s->b1.chunk;
	}
}

/*
 * The next request of a Block2 download (RFC 7959 §2.7) repeats the previous
 * one but for its MID, token and Block2 value. When tx still holds that
 * previous request (cont_b2_off set by build_message()) and the new Block2
 * value has the same length, patch those bytes instead of encoding the
 * path and options again: this is the per-block cost of a download (~550
 * of ~3500 instructions per block, docs/performance.md). Messages with an
 * Echo value or a body, and re-/deregistrations, are always rebuilt.
 */
static bool patch_continuation(struct zcoap_slot *s)
{
	uint8_t buf[3];
	uint32_t num;
	uint16_t n;

	if (s->cont_b2_off == 0 || !s->b2.active || s->echo_len > 0 || s->tkl != 8 ||
	    s->obs.deregistering || s->obs.reregistering) {
		return false;
	}
	num = (uint32_t)(s->b2.delivered >> (s->b2.szx + 4U));
	n = zcoap_block_encode(num, false, s->b2.szx, buf);
	if (n != s->cont_b2_len) {
		return false;
	}
	s->tx[2] = (uint8_t)(s->mid >> 8);
	s->tx[3] = (uint8_t)s->mid;
	memcpy(s->tx + COAP_FIXED_HEADER_SIZE, s->token, 8);
	memcpy(s->tx + s->cont_b2_off, buf, n);
	return true;
}

static int build_message(struct zcoap_slot *s)
{
	struct coap_packet p;
	const uint8_t *body;
	size_t body_len;
	bool continuation = s->b2.active;
	bool body_phase = !continuation && !s->obs.deregistering;
	uint8_t type = s->confirmable ? COAP_TYPE_CON : COAP_TYPE_NON_CON;
	uint8_t buf[4];
	uint16_t n;
	int r;

	if (patch_continuation(s)) {
		return 0;
	}
	s->cont_b2_off = 0;
	r = coap_packet_init(&p, s->tx, (uint16_t)sizeof(s->tx), COAP_VERSION_1, type, s->tkl,
			     s->token, s->method, s->mid);
	if (r < 0) {
		return r;
	}
	r = coap_packet_set_path(&p, s->path);
	if (r < 0) {
		return r;
	}
	message_body(s, &body, &body_len);
	/* Content-Format only with a body (Zephyr's rule, RFC 7252 §5.10.3). */
	if (has_body(s) && (body_phase || body_len > 0)) {
		r = coap_append_option_int(&p, COAP_OPTION_CONTENT_FORMAT, s->fmt);
		if (r < 0) {
			return r;
		}
	}
	for (unsigned int i = 0; i < s->num_options; i++) {
		uint16_t code = s->options[i].code;

		/* Our own Block2 replaces the app's early negotiation after the first request. */
		if (code == COAP_OPTION_BLOCK2 && continuation) {
			continue;
		}
		/* An app Block1 only chooses the upload block size (zc_block1_setup()). */
		if (code == COAP_OPTION_BLOCK1) {
			continue;
		}
		if (code == COAP_OPTION_OBSERVE) {
			/* RFC 7959 §2.6 / RFC 7641: no Observe on continuation GETs. */
			if (continuation) {
				continue;
			}
			if (s->obs.deregistering) {
				r = coap_append_option_int(&p, COAP_OPTION_OBSERVE, 1);
				if (r < 0) {
					return r;
				}
				continue;
			}
		}
		r = coap_packet_append_option(&p, code, s->options[i].value, s->options[i].len);
		if (r < 0) {
			return r;
		}
	}
	if (continuation) {
		uint32_t num = (uint32_t)(s->b2.delivered >> (s->b2.szx + 4U));

		n = zcoap_block_encode(num, false, s->b2.szx, buf);
		r = coap_packet_append_option(&p, COAP_OPTION_BLOCK2, buf, n);
		if (r < 0) {
			return r;
		}
	}
	if (s->b1.active && body_phase) {
		uint32_t num = (uint32_t)(s->b1.offset >> (s->b1.szx + 4U));

		n = zcoap_block_encode(num, !s->b1.last, s->b1.szx, buf);
		r = coap_packet_append_option(&p, COAP_OPTION_BLOCK1, buf, n);
		if (r < 0) {
			return r;
		}
		/* RFC 7959 §4: Size1 tells the server the whole body size up front. */
		if (s->b1.total != UINT64_MAX && s->b1.total <= UINT32_MAX) {
			r = coap_append_option_int(&p, COAP_OPTION_SIZE1,
						   (unsigned int)s->b1.total);
			if (r < 0) {
				return r;
			}
		}
	}
	/* RFC 9175 §3.3: one Request-Tag for every block of a body, Block2 phase included. */
	if (s->b1.active) {
		r = coap_packet_append_option(&p, COAP_OPTION_REQUEST_TAG, s->b1.tag,
					      sizeof(s->b1.tag));
		if (r < 0) {
			return r;
		}
	}
	if (s->echo_len > 0) {
		r = coap_packet_append_option(&p, COAP_OPTION_ECHO, s->echo, s->echo_len);
		if (r < 0) {
			return r;
		}
	}
	if (body_len > 0) {
		if (body_len > UINT16_MAX) {
			return -ENOSPC;
		}
		r = coap_packet_append_payload_marker(&p);
		if (r < 0) {
			return r;
		}
		r = coap_packet_append_payload(&p, body, (uint16_t)body_len);
		if (r < 0) {
			return r;
		}
	}
	s->tx_len = p.offset;
	if (continuation && body_len == 0 && s->echo_len == 0 && s->tkl == 8) {
		/* Remember where the Block2 value sits for patch_continuation(). */
		const uint8_t *v;
		uint16_t vlen;

		if (zcoap_option_find(&p, COAP_OPTION_BLOCK2, &v, &vlen) == 0 && v != NULL &&
		    vlen <= 3) {
			s->cont_b2_off = (uint16_t)(v - s->tx);
			s->cont_b2_len = (uint8_t)vlen;
		}
	}
	return 0;
}

static void arm_timer(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	s->retransmissions = 0;
	if (s->confirmable) {
		s->state = ZCOAP_SLOT_WAIT_ACK;
		s->retries_left = s->params.max_retransmission;
		s->timeout_ms = initial_timeout(eng, s);
		s->deadline = now + s->timeout_ms;
	} else {
		s->state = ZCOAP_SLOT_WAIT_RESPONSE;
		s->deadline = now + non_window(s);
	}
}

int zc_eng_send_new(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	uint8_t old_token[8];
	uint8_t old_tkl = s->tkl;
	uint16_t old_mid = s->mid;
	int r;

	memcpy(old_token, s->token, sizeof(old_token));
	if (s->obs.deregistering || s->obs.reregistering) {
		/* RFC 7641 §3.3.1/§3.6: re- and deregistration reuse the registration token. */
		memcpy(s->token, s->obs.reg_token, s->obs.reg_tkl);
		s->tkl = s->obs.reg_tkl;
	} else {
		fresh_token(eng, s);
	}
	s->mid = coap_next_id();
	r = build_message(s);
	if (r == 0) {
		r = eng_send(eng, s->sock, (const struct sockaddr *)&s->addr, s->addrlen, s->tx,
			     s->tx_len);
	}
	if (r < 0) {
		memcpy(s->token, old_token, sizeof(old_token));
		s->tkl = old_tkl;
		s->mid = old_mid;
		tok_reindex(eng, s);
		return r;
	}
	if (s->obs.registered && !s->b2.active && !s->obs.deregistering) {
		/* This message is the registration itself (first send or an Echo retry). */
		memcpy(s->obs.reg_token, s->token, s->tkl);
		s->obs.reg_tkl = s->tkl;
	}
	tok_reindex(eng, s);
	s->last_rx_mid = -1;
	arm_timer(eng, s, now);
	return 0;
}

int zc_eng_send_oneoff(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	int r;

	s->mid = coap_next_id();
	r = build_message(s);
	if (r == 0) {
		r = eng_send(eng, s->sock, (const struct sockaddr *)&s->addr, s->addrlen, s->tx,
			     s->tx_len);
	}
	return r;
}

/* ---- admission ------------------------------------------------------- */

void zc_engine_init(struct zcoap_engine *eng, const struct zcoap_engine_io *io, void *io_ctx)
{
	memset(eng, 0, sizeof(*eng));
	eng->io = io;
	eng->io_ctx = io_ctx;
	eng->next_serial = 1;
	eng->separate_timeout_ms = ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS;
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		eng->slots[i].deadline = ZCOAP_NO_DEADLINE;
	}
}

static int check_request(const struct coap_client_request *req, int sock)
{
	if (req == NULL || req->path == NULL || sock < 0) {
		return -EINVAL;
	}
	if (req->method < COAP_METHOD_GET || req->method > COAP_METHOD_IPATCH) {
		return -EINVAL;
	}
	if (strnlen(req->path, ZCOAP_CONFIG_MAX_PATH_LEN + 1) > ZCOAP_CONFIG_MAX_PATH_LEN) {
		return -EINVAL;
	}
	if (req->num_options > ZCOAP_CONFIG_MAX_EXTRA_OPTIONS ||
	    (req->num_options > 0 && req->options == NULL)) {
		return -EINVAL;
	}
	for (unsigned int i = 0; i < req->num_options; i++) {
		if (req->options[i].len > MAX_COAP_CLIENT_OPTION_LEN) {
			return -EINVAL;
		}
	}
	if (req->payload == NULL && req->payload_cb == NULL && req->len > 0) {
		return -EINVAL;
	}
	if ((unsigned int)req->fmt > 65535U ||
	    (unsigned int)req->observe_liveness > ZCOAP_OBSERVE_WAIT) {
		return -EINVAL;
	}
	return 0;
}

static struct zcoap_slot *free_slot(struct zcoap_engine *eng)
{
	/* The lowest free index, as a scan would find it. */
	for (unsigned int w = 0; w < NWORDS; w++) {
		if (eng->active[w] != UINT32_MAX) {
			unsigned int i = w * 32U + lowest_bit(~eng->active[w]);

			return i < ZCOAP_CONFIG_MAX_REQUESTS ? &eng->slots[i] : NULL;
		}
	}
	return NULL;
}

int zc_engine_submit(struct zcoap_engine *eng, int64_t now, int sock,
			const struct sockaddr *addr, socklen_t addrlen,
			const struct coap_client_request *req,
			const struct coap_transmission_parameters *params)
{
	struct coap_transmission_parameters p;
	struct zcoap_slot *s;
	int r;

	r = check_request(req, sock);
	if (r < 0) {
		return r;
	}
	r = resolve_params(params, &p);
	if (r < 0) {
		return r;
	}
	if (addr != NULL &&
	    (addrlen == 0 || addrlen > (socklen_t)sizeof(struct sockaddr_storage))) {
		return -EINVAL;
	}
	s = free_slot(eng);
	if (s == NULL) {
		return -EAGAIN;
	}
	/*
	 * Everything but the transmit buffer, which build_message() overwrites,
	 * and the path and option copies, of which only the part written below
	 * is ever read (saves clearing ~400 bytes per request).
	 */
	memset(s, 0, offsetof(struct zcoap_slot, path));
	memset(&s->b2, 0, offsetof(struct zcoap_slot, tx) - offsetof(struct zcoap_slot, b2));
	s->deadline = ZCOAP_NO_DEADLINE;
	s->last_rx_mid = -1;
	s->params = p;
	s->sock = sock;
	if (addr != NULL) {
		memcpy(&s->addr, addr, addrlen);
		s->addrlen = addrlen;
	}
	s->method = (uint8_t)req->method;
	s->confirmable = req->confirmable;
	s->fmt = (uint16_t)req->fmt;
	s->payload = req->payload;
	s->len = req->len;
	s->cb = req->cb;
	s->payload_cb = req->payload_cb;
	s->user_data = req->user_data;
	memcpy(s->path, req->path, strlen(req->path) + 1U);
	s->num_options = req->num_options;
	for (unsigned int i = 0; i < req->num_options; i++) {
		s->options[i].code = req->options[i].code;
		s->options[i].len = req->options[i].len;
		memcpy(s->options[i].value, req->options[i].value, req->options[i].len);
	}
	/* Early negotiation (RFC 7959 §2.4): keep asking for the size the app asked for. */
	s->b2.szx = zc_requested_szx(s, COAP_OPTION_BLOCK2);
	s->obs.registered = zc_observe_is_register(s);
	s->obs.liveness = (uint8_t)req->observe_liveness;
	eng->io->random(eng->io_ctx, s->b1.tag, sizeof(s->b1.tag));

	/* RFC 9175 §2.3: an Echo value goes back only to the endpoint that sent it. */
	if (eng->echo.pending && eng->echo.sock == sock && eng->echo.addrlen == s->addrlen &&
	    (s->addrlen == 0 ||
	     sockaddr_equal((const struct sockaddr *)&eng->echo.addr, eng->echo.addrlen,
			    (const struct sockaddr *)&s->addr, s->addrlen))) {
		memcpy(s->echo, eng->echo.value, eng->echo.len);
		s->echo_len = eng->echo.len;
	}

	s->serial = eng->next_serial++;
	if (eng->next_serial == 0) {
		eng->next_serial = 1;
	}
	s->state = ZCOAP_SLOT_WAIT_ACK; /* reserve while building */
	set_active(eng, slot_index(eng, s), true);
	r = zc_block1_setup(s);
	if (r == 0) {
		r = zc_eng_send_new(eng, s, now);
	}
	if (r < 0) {
		zc_eng_free(eng, s);
		return r;
	}
	if (s->echo_len > 0) {
		eng->echo.pending = false;
	}
	eng->last_deadline = s->deadline;
	return 0;
}

uint32_t zc_engine_last_serial(const struct zcoap_engine *eng)
{
	/* submit() hands out next_serial++ and skips 0. */
	return eng->next_serial == 1 ? UINT32_MAX : eng->next_serial - 1U;
}

int zc_engine_unsubmit(struct zcoap_engine *eng, uint32_t serial)
{
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];

		if (s->serial != serial) {
			continue;
		}
		if (s->echo_len > 0 && s->echo_retries == 0) {
			/* The value came from eng->echo (RFC 9175 §2.3): offer it again. */
			memcpy(eng->echo.value, s->echo, s->echo_len);
			eng->echo.len = s->echo_len;
			eng->echo.sock = s->sock;
			memcpy(&eng->echo.addr, &s->addr, sizeof(s->addr));
			eng->echo.addrlen = s->addrlen;
			eng->echo.pending = true;
		}
		zc_eng_free(eng, s);
		return 0;
	}
	return -ENOENT;
}

/* ---- receiving -------------------------------------------------------- */

int zc_eng_rx_option(const struct zcoap_engine *eng, uint16_t number, const uint8_t **value,
			uint16_t *len)
{
	if (number > eng->rx.delta || number < eng->rx_first) {
		*value = NULL;
		*len = 0;
		return -ENOENT;
	}
	return zc_option_get_checked(&eng->rx, number, value, len);
}

static void send_ctl(struct zcoap_engine *eng, uint8_t type, uint16_t mid, int sock,
		     const struct sockaddr *dst, socklen_t dstlen)
{
	/* Empty ACK or RST: version 1, TKL 0, code 0.00, the peer's MID (RFC 7252 §4.2). */
	eng->ctl[0] = (uint8_t)(0x40U | ((unsigned int)type << 4));
	eng->ctl[1] = 0;
	eng->ctl[2] = (uint8_t)(mid >> 8);
	eng->ctl[3] = (uint8_t)mid;
	(void)eng_send(eng, sock, dst, dstlen, eng->ctl, 4);
}

static int send_ack(struct zcoap_engine *eng, const struct zcoap_rx *rx, const struct zcoap_slot *s)
{
	const struct sockaddr *dst = rx->src;
	socklen_t dstlen = rx->srclen;

	/* Reply to the datagram's source, or to the request's peer if unknown. */
	if ((dst == NULL || dstlen == 0) && s != NULL) {
		dst = (const struct sockaddr *)&s->addr;
		dstlen = s->addrlen;
	}
	eng->ctl[0] = 0x60;
	eng->ctl[1] = 0;
	eng->ctl[2] = (uint8_t)(rx->mid >> 8);
	eng->ctl[3] = (uint8_t)rx->mid;
	return eng_send(eng, rx->sock, dst, dstlen, eng->ctl, 4);
}

/*
 * RFC 7252 §4.2/§4.3: a message we cannot or will not process is rejected:
 * CON with RST, NON and ACK silently.
 */
static void reject(struct zcoap_engine *eng, uint8_t type, uint16_t mid, int sock,
		   const struct sockaddr *src, socklen_t srclen)
{
	if (type == COAP_TYPE_CON) {
		send_ctl(eng, COAP_TYPE_RESET, mid, sock, src, srclen);
	}
}

static struct zcoap_slot *match_by_mid(struct zcoap_engine *eng, uint16_t mid, int sock,
				       const struct sockaddr *src, socklen_t srclen)
{
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];

		if (s->state != ZCOAP_SLOT_OBSERVING && s->mid == mid &&
		    endpoint_match(s, sock, src, srclen)) {
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
		send_ctl(eng, COAP_TYPE_RESET, mid, sock, src, srclen);
		break;
	case COAP_TYPE_ACK:
		/* RFC 7252 §5.2.2: the Empty ACK stops retransmission; the response comes later. */
		s = match_by_mid(eng, mid, sock, src, srclen);
		if (s != NULL && s->state == ZCOAP_SLOT_WAIT_ACK) {
			s->state = ZCOAP_SLOT_WAIT_RESPONSE;
			s->deadline = now + eng->separate_timeout_ms;
		}
		break;
	case COAP_TYPE_RESET:
		s = match_by_mid(eng, mid, sock, src, srclen);
		if (s != NULL) {
			zc_eng_fail(eng, s, -ECONNRESET);
		}
		break;
	default:
		/* An Empty NON is meaningless (RFC 7252 §4.3): ignore. */
		break;
	}
}

static bool response_matches(const struct zcoap_slot *s, const struct zcoap_rx *rx)
{
	if (!endpoint_match(s, rx->sock, rx->src, rx->srclen)) {
		return false;
	}
	if (rx->type == COAP_TYPE_ACK) {
		/* Piggybacked: MID and token must both match (RFC 7252 §5.3.2). */
		return s->state == ZCOAP_SLOT_WAIT_ACK && s->mid == rx->mid &&
		       token_equal(s->token, s->tkl, rx->token, rx->tkl);
	}
	/* Separate responses and notifications: by token. */
	if (s->state != ZCOAP_SLOT_OBSERVING && token_equal(s->token, s->tkl, rx->token, rx->tkl)) {
		return true;
	}
	return s->obs.registered && s->obs.reg_tkl > 0 &&
	       token_equal(s->obs.reg_token, s->obs.reg_tkl, rx->token, rx->tkl);
}

static struct zcoap_slot *match_response(struct zcoap_engine *eng, const struct zcoap_rx *rx)
{
	if (rx->tkl == 8) {
		/* Only the slot holding this token can match (slot index above). */
		struct zcoap_slot *s = token_owner(eng, rx->token);

		return s != NULL && response_matches(s, rx) ? s : NULL;
	}
	/* Active slots always carry 8-byte tokens; keep the plain scan for other lengths. */
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		if (response_matches(&eng->slots[i], rx)) {
			return &eng->slots[i];
		}
	}
	return NULL;
}

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

static void handle_response(struct zcoap_engine *eng, struct zcoap_rx *rx)
{
	struct zcoap_slot *s = match_response(eng, rx);
	const uint8_t *echo;
	uint16_t echo_len;
	size_t base = 0;
	int r;

	if (s == NULL) {
		/* Never answer an ACK (RFC 7252 §4.2). */
		if (rx->type == COAP_TYPE_ACK) {
			return;
		}
		if (dedup_find(eng, rx)) {
			/* A retransmission of a response we already took: ACK it again (§4.5). */
			if (rx->type == COAP_TYPE_CON) {
				(void)send_ack(eng, rx, NULL);
			}
			return;
		}
		/* Unknown token: RFC 7252 §5.3.2 / RFC 7641 §3.6 -- reject with RST. */
		send_ctl(eng, COAP_TYPE_RESET, rx->mid, rx->sock, rx->src, rx->srclen);
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
			zc_eng_fail(eng, s, r);
			return;
		}
	}
	if (rx->type != COAP_TYPE_ACK) {
		s->last_rx_mid = rx->mid;
	}
	eng->rx_src = rx->src;
	eng->rx_srclen = rx->srclen;
	eng->rx_has_observe = rx->has_observe;
	eng->rx_observe = rx->observe;

	if (zc_eng_rx_option(eng, COAP_OPTION_ECHO, &echo, &echo_len) == 0) {
		/* RFC 9175 §2.3: 4.01 + Echo asks for the request again with the value. */
		if (rx->code == COAP_RESPONSE_CODE_UNAUTHORIZED &&
		    s->echo_retries < ZCOAP_CONFIG_MAX_ECHO_RETRIES) {
			s->echo_retries++;
			memcpy(s->echo, echo, echo_len);
			s->echo_len = (uint8_t)echo_len;
			r = zc_eng_send_new(eng, s, rx->now);
			if (r < 0) {
				zc_eng_fail(eng, s, r);
			}
			return;
		}
		remember_echo(eng, s, echo, echo_len);
	}

	if (s->obs.registered && zc_observe_on_response(eng, s, rx, false)) {
		return;
	}
	if (!s->b1.done && (s->b1.active || (rx->code == COAP_RESPONSE_CODE_REQUEST_TOO_LARGE &&
					     has_body(s) && !s->b2.active))) {
		r = zc_block1_on_response(eng, s, rx);
		if (r != 1) {
			return;
		}
		base = (size_t)s->b1.offset + s->b1.chunk;
	}
	zc_block2_on_response(eng, s, rx, base);
}

/* The fixed header of a received datagram (at least 4 bytes) and where it came from. */
static void rx_header(struct zcoap_rx *rx, int64_t now, int sock, const struct sockaddr *src,
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

static void handle_truncated(struct zcoap_engine *eng, int64_t now, int sock,
			     const struct sockaddr *src, socklen_t srclen, const uint8_t *data,
			     size_t len)
{
	struct zcoap_rx rx;
	struct zcoap_slot *s;

	rx_header(&rx, now, sock, src, srclen, data);
	rx.tkl = (uint8_t)(data[0] & 0x0FU);
	if (rx.tkl > 8 || len < 4U + rx.tkl || rx.code == 0 || (rx.code >> 5) == 0 ||
	    (rx.code >> 5) == 1 || (rx.code >> 5) > 5) {
		reject(eng, rx.type, rx.mid, sock, src, srclen);
		return;
	}
	memcpy(rx.token, data + 4, rx.tkl);
	if (rx.type == COAP_TYPE_RESET) {
		return; /* never answer a Reset, and a Reset carries no response */
	}
	s = match_response(eng, &rx);
	if (s == NULL) {
		reject(eng, rx.type, rx.mid, sock, src, srclen);
		return;
	}
	if (rx.type == COAP_TYPE_CON) {
		(void)send_ack(eng, &rx, s);
	}
	zc_block2_on_truncated(eng, s, now);
}

void zc_engine_receive(struct zcoap_engine *eng, int64_t now, int sock,
			  const struct sockaddr *src, socklen_t srclen, uint8_t *data, size_t len,
			  bool truncated)
{
	struct zcoap_rx rx;
	const uint8_t *v;
	uint16_t vlen;
	struct coap_option first;
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
	if (truncated) {
		handle_truncated(eng, now, sock, src, srclen, data, len);
		return;
	}
	rx_header(&rx, now, sock, src, srclen, data);

	/* With one option slot the parser reports the first option's number
	 * (zc_eng_rx_option()). */
	r = coap_packet_parse(&eng->rx, data, (uint16_t)len, &first, 1);
	eng->rx_first = first.delta;
	if (r < 0) {
		reject(eng, rx.type, rx.mid, sock, src, srclen);
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
	if (zc_response_check_options(&eng->rx) < 0) {
		reject(eng, rx.type, rx.mid, sock, src, srclen);
		return;
	}
	rx.tkl = coap_header_get_token(&eng->rx, rx.token);
	rx.payload = coap_packet_get_payload(&eng->rx, &rx.payload_len);
	if (zc_eng_rx_option(eng, COAP_OPTION_OBSERVE, &v, &vlen) == 0) {
		rx.has_observe = true;
		rx.observe = zcoap_option_uint(v, vlen);
	}
	handle_response(eng, &rx);
}

/* ---- timers ----------------------------------------------------------- */

void zc_engine_tick(struct zcoap_engine *eng, int64_t now)
{
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];
		int r;

		if (s->deadline > now) {
			continue;
		}
		if (s->state == ZCOAP_SLOT_OBSERVING) {
			zc_observe_on_silence(eng, s, now);
			continue;
		}
		if (s->state != ZCOAP_SLOT_WAIT_ACK) {
			/* NON window, separate-response wait or a continuation: give up. */
			zc_eng_fail(eng, s, -ETIMEDOUT);
			continue;
		}
		if (s->retries_left == 0) {
			zc_eng_fail(eng, s, -ETIMEDOUT);
			continue;
		}
		/* RFC 7252 §4.2: same message (MID and token), doubled timeout. */
		r = eng_send(eng, s->sock, (const struct sockaddr *)&s->addr, s->addrlen, s->tx,
			     s->tx_len);
		if (r == -EAGAIN || r == -EWOULDBLOCK || r == -ENOBUFS) {
			/* The socket is full; retry soon without using up a retransmission. */
			s->deadline = now + 10;
			continue;
		}
		if (r < 0) {
			zc_eng_fail(eng, s, r);
			continue;
		}
		s->retries_left--;
		if (s->retransmissions < UINT8_MAX) {
			s->retransmissions++;
		}
		s->timeout_ms = next_timeout(s->timeout_ms, s->params.coap_backoff_percent);
		s->deadline += s->timeout_ms;
		if (s->deadline <= now) {
			s->deadline = now + s->timeout_ms;
		}
	}
}

int64_t zc_engine_next_deadline(const struct zcoap_engine *eng)
{
	int64_t d = ZCOAP_NO_DEADLINE;

	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		const struct zcoap_slot *s = &eng->slots[i];

		if (s->deadline < d) {
			d = s->deadline;
		}
	}
	return d;
}

/* ---- cancellation and socket errors ----------------------------------- */

bool zc_engine_slot_matches(const struct zcoap_slot *s,
			       const struct coap_client_request *pattern)
{
	if (pattern->method != 0 && s->method != 0 && (uint8_t)pattern->method != s->method) {
		return false;
	}
	if (pattern->path != NULL && strcmp(pattern->path, s->path) != 0) {
		return false;
	}
	if (pattern->cb != NULL && s->cb != NULL && pattern->cb != s->cb) {
		return false;
	}
	if (pattern->user_data != NULL && s->user_data != NULL &&
	    pattern->user_data != s->user_data) {
		return false;
	}
	return true;
}

int zc_engine_cancel(struct zcoap_engine *eng, const struct coap_client_request *pattern,
			uint32_t quiet_serial, uint32_t *serials, int max)
{
	int n = 0;

	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];

		if (pattern != NULL && !zc_engine_slot_matches(s, pattern)) {
			continue;
		}
		if (serials != NULL && n < max) {
			serials[n] = s->serial;
		}
		n++;
		zc_observe_on_cancel(eng, s);
		if (s->serial == quiet_serial) {
			zc_eng_free(eng, s);
		} else {
			zc_eng_fail(eng, s, -ECANCELED);
		}
	}
	return n;
}

void zc_engine_fail_socket(struct zcoap_engine *eng, int sock, int err)
{
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		struct zcoap_slot *s = &eng->slots[i];

		if (s->sock == sock) {
			zc_eng_fail(eng, s, err);
		}
	}
}

bool zc_engine_busy(const struct zcoap_engine *eng)
{
	return eng->n_active > 0;
}

bool zc_engine_socket_active(const struct zcoap_engine *eng, int sock)
{
	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		if (eng->slots[i].sock == sock) {
			return true;
		}
	}
	return false;
}

int zc_engine_sockets(const struct zcoap_engine *eng, int *socks, int max)
{
	int n = 0;

	for (unsigned int i = next_active(eng, 0); i < NSLOTS; i = next_active(eng, i + 1U)) {
		const struct zcoap_slot *s = &eng->slots[i];
		bool seen = false;

		for (int j = 0; j < n; j++) {
			if (socks[j] == s->sock) {
				seen = true;
				break;
			}
		}
		if (!seen && n < max) {
			socks[n++] = s->sock;
		}
	}
	return n;
}

bool zc_engine_event_live(const struct zcoap_engine *eng, const struct zcoap_event *ev)
{
	return ev->final || eng->slots[ev->slot].serial == ev->serial;
}

void zc_engine_response_info(const struct zcoap_engine *eng, struct zcoap_response_info *info)
{
	memset(info, 0, sizeof(*info));
	info->packet = &eng->rx;
	info->source = eng->rx_srclen > 0 ? eng->rx_src : NULL;
	info->source_len = eng->rx_srclen;
	info->retransmissions = eng->rx_retransmissions;
	info->block_count = eng->rx_block_count;
	info->size2 = eng->rx_size2;
	info->observe = eng->rx_observe;
	info->has_observe = eng->rx_has_observe;
}
