/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_fastpath.c -- the receive fast path (src/core/receive.c,
 * receive_plain_ack()): a piggy-backed response with an 8-byte token and no
 * option, to a plain request, is handled without the full parse. Each test
 * sends a datagram of that shape (or one byte away from it) that the fast
 * path must leave to the general path, and checks what the general path
 * does: a fast path that skipped that check would complete the request.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "fake_io.h"

#define SRV ((const struct sockaddr *)&f->server)

static int setup(void **state)
{
	*state = fk_new();
	return 0;
}

static int teardown(void **state)
{
	fk_free(*state);
	return 0;
}

static int u1;

/* Submit a plain CON GET and decode what went out into @p m. */
static void plain_get(struct fk *f, struct fk_msg *m)
{
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "fast", &u1);

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, m);
	assert_int_equal(m->tkl, 8);
}

/* The bytes of a piggy-backed answer to @p req: header, token, [0xFF payload]. */
static size_t plain_ack_bytes(const struct fk_msg *req, uint8_t code, const char *payload,
			      uint8_t *out)
{
	size_t n = 0;

	out[n++] = 0x68; /* version 1, ACK, TKL 8 */
	out[n++] = code;
	out[n++] = (uint8_t)(req->mid >> 8);
	out[n++] = (uint8_t)req->mid;
	memcpy(out + n, req->token, 8);
	n += 8;
	if (payload != NULL && payload[0] != '\0') {
		out[n++] = 0xFF;
		memcpy(out + n, payload, strlen(payload));
		n += strlen(payload);
	}
	return n;
}

/* The request is still waiting: nothing delivered, the slot in use. */
static void assert_waiting(const struct fk *f, size_t nev)
{
	assert_int_equal(fk_nev(f), nev);
	assert_true(zc_engine_busy(&f->eng));
}

/*
 * The fast path's outcome equals the general path's: the same datagram with
 * an elective option the client ignores (RFC 7252 §5.4.1) takes the general
 * path. Result code, payload, offset, flags and the response info agree,
 * for a payload, an empty body and an error code.
 */
static void test_plain_ack_same_as_general(void **state)
{
	struct fk *f = *state;
	static const struct {
		uint8_t code;
		const char *payload;
	} cases[] = {
	    {COAP_RESPONSE_CODE_CONTENT, "hello"},
	    {COAP_RESPONSE_CODE_CONTENT, ""},
	    {COAP_RESPONSE_CODE_NOT_FOUND, "nope"},
	    {COAP_RESPONSE_CODE_INTERNAL_ERROR, ""},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fk_event ev[2];

		for (int general = 0; general < 2; general++) {
			struct fk_msg m, resp;
			size_t sent;

			fk_forget(f);
			plain_get(f, &m);
			sent = fk_nsent(f);
			fk_msg_reply(&resp, &m, COAP_TYPE_ACK, cases[c].code, 0);
			if (general) {
				fk_msg_opt(&resp, 2048, "e", 1); /* elective, unknown */
			}
			if (cases[c].payload[0] != '\0') {
				fk_msg_payload(&resp, cases[c].payload, strlen(cases[c].payload));
			}
			fk_deliver_msg(f, &resp);
			assert_int_equal(fk_nev(f), 1);
			assert_false(zc_engine_busy(&f->eng));
			assert_int_equal(fk_nsent(f), sent); /* an ACK is never answered */
			ev[general] = *fk_ev(f, 0);
		}
		fk_assert_response(&ev[0], cases[c].code,
				   cases[c].payload[0] != '\0' ? cases[c].payload : NULL,
				   strlen(cases[c].payload), 0, true, true);
		assert_int_equal(ev[0].code, ev[1].code);
		assert_int_equal(ev[0].len, ev[1].len);
		assert_memory_equal(ev[0].payload, ev[1].payload, ev[0].len);
		assert_int_equal(ev[0].payload_null, ev[1].payload_null);
		assert_int_equal(ev[0].offset, ev[1].offset);
		assert_true(ev[0].has_packet && ev[1].has_packet);
		assert_true(ev[0].info_ok && ev[1].info_ok);
		assert_int_equal(ev[0].info_code, cases[c].code);
		assert_int_equal(ev[0].info_has_observe, ev[1].info_has_observe);
		assert_int_equal(ev[0].info_block_count, ev[1].info_block_count);
		assert_int_equal(ev[0].info_size2, ev[1].info_size2);
		assert_int_equal(ev[0].info_retransmissions, ev[1].info_retransmissions);
		assert_int_equal(ev[0].info_source_null, ev[1].info_source_null);
		assert_int_equal(ev[0].info_source_len, ev[1].info_source_len);
		assert_memory_equal(&ev[0].info_source, &ev[1].info_source, ev[0].info_source_len);
	}
}

/* The raw bytes of the fast shape complete the request; the response info holds the packet. */
static void test_plain_ack_bytes(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "0123456789abcdef", b);
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "0123456789abcdef", 16, 0, true,
			   true);
	assert_true(fk_ev(f, 0)->info_ok);
	assert_int_equal(fk_ev(f, 0)->info_code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(fk_ev(f, 0)->info_source_null);
	assert_false(zc_engine_busy(&f->eng));
	/* The view left for the response info is the one coap_packet_parse() makes. */
	{
		const uint8_t *pl;
		uint16_t plen = 0;

		pl = coap_packet_get_payload(&f->eng.rx, &plen);
		assert_non_null(pl);
		assert_int_equal(plen, 16);
		assert_int_equal(f->eng.rx.hdr_len, 12);
		assert_int_equal(f->eng.rx.opt_len, 0);
		assert_int_equal(f->eng.rx.offset, n);
	}
}

/* Right token, wrong MID: not the answer to our CON (RFC 7252 §5.3.2); dropped. */
static void test_plain_ack_wrong_mid(void **state)
{
	struct fk *f = *state;
	struct fk_msg m, other;
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	other = m;
	other.mid = (uint16_t)(m.mid + 1);
	n = plain_ack_bytes(&other, COAP_RESPONSE_CODE_CONTENT, "x", b);
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", b);
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 1);
	assert_false(zc_engine_busy(&f->eng));
}

/* Right MID, one token byte off: dropped. */
static void test_plain_ack_wrong_token(void **state)
{
	struct fk *f = *state;
	struct fk_msg m, other;
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	other = m;
	other.token[7] ^= 1U;
	n = plain_ack_bytes(&other, COAP_RESPONSE_CODE_CONTENT, "x", b);
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
}

/* From another endpoint than the request went to (RFC 7252 §5.3.2): dropped. */
static void test_plain_ack_wrong_source(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	struct sockaddr_in other = fk_addr4(FK_SERVER_IP, FK_SERVER_PORT + 1);
	struct sockaddr_in other_ip = fk_addr4("192.0.2.2", FK_SERVER_PORT);
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", b);
	fk_deliver_from(f, f->sock, (const struct sockaddr *)&other, sizeof(other), b, n);
	assert_waiting(f, 0);
	fk_deliver_from(f, f->sock, (const struct sockaddr *)&other_ip, sizeof(other_ip), b, n);
	assert_waiting(f, 0);
	fk_deliver_from(f, f->sock + 1, SRV, sizeof(f->server), b, n);
	assert_waiting(f, 0);
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 1);
}

/*
 * TKL 7 whose 7 token bytes and the next byte are our 8-byte token: the
 * token is 7 bytes, so it is not ours (and the byte after it starts an
 * option). A fast path reading the token without TKL would take it.
 */
static void test_plain_ack_tkl7(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;

	f->rng_const = true;
	f->rng_byte = 0x10; /* as an option header: delta 1 (If-Match), length 0 */
	plain_get(f, &m);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", b);
	b[0] = 0x67;
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
}

/* A duplicate of the piggy-backed response: taken once; the copy is dropped silently. */
static void test_plain_ack_duplicate(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;
	size_t sent;

	plain_get(f, &m);
	sent = fk_nsent(f);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", b);
	fk_deliver(f, b, n);
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_nsent(f), sent); /* no RST, no ACK for an ACK (RFC 7252 §4.2) */
}

/* The shape as RST (a Reset with a code is malformed, RFC 7252 §4.2): ignored. */
static void test_plain_shape_rst(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;
	size_t sent;

	plain_get(f, &m);
	sent = fk_nsent(f);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", b);
	b[0] = 0x78; /* RST, TKL 8 */
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
	assert_int_equal(fk_nsent(f), sent);
}

/* The shape as CON (a separate response): it must be ACKed (RFC 7252 §5.2.2). */
static void test_plain_shape_con(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;
	size_t sent;

	plain_get(f, &m);
	sent = fk_nsent(f);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", b);
	b[0] = 0x48;                    /* CON, TKL 8 */
	b[2] = (uint8_t)(b[2] ^ 0x80U); /* the server's own MID */
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_nsent(f), sent + 1);
	assert_true(fk_is_empty_ack(fk_sent(f, sent), (uint16_t)((b[2] << 8) | b[3])));
}

/* A request code, an Empty code and class 3 in the shape: not a response; request waits. */
static void test_plain_shape_not_response(void **state)
{
	struct fk *f = *state;
	static const uint8_t codes[] = {
	    COAP_METHOD_GET, COAP_MAKE_RESPONSE_CODE(3, 0), COAP_MAKE_RESPONSE_CODE(1, 0),
	    COAP_MAKE_RESPONSE_CODE(6, 0), COAP_MAKE_RESPONSE_CODE(7, 31)};
	struct fk_msg m;
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	for (size_t i = 0; i < sizeof(codes); i++) {
		n = plain_ack_bytes(&m, codes[i], "x", b);
		fk_deliver(f, b, n);
		assert_waiting(f, 0);
	}
	/* Empty code with a token and payload: malformed (RFC 7252 §4.1). */
	n = plain_ack_bytes(&m, COAP_CODE_EMPTY, "x", b);
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
}

/* A payload marker with nothing after it is a format error (RFC 7252 §3): dropped. */
static void test_plain_shape_marker_only(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "", b);
	b[n++] = 0xFF;
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
}

/* An option cut off by the end of the datagram after the token: malformed, dropped. */
static void test_plain_shape_truncated_option(void **state)
{
	struct fk *f = *state;
	struct fk_msg m;
	uint8_t b[64];
	size_t n;

	plain_get(f, &m);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "", b);
	b[n++] = 0xC4; /* Content-Format (12), 4 bytes of value ... */
	b[n++] = 0x00; /* ... of which one arrived */
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
	/* An unrecognised critical option (RFC 7252 §5.4.1) is not the fast shape either. */
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "", b);
	b[n++] = 0xD1;      /* extended delta, length 1 */
	b[n++] = 0xFF - 13; /* option 255 + ... */
	b[n++] = 0x00;      /* ... a critical number: 255 is odd */
	b[n++] = 0xFF;
	b[n++] = 'x';
	fk_deliver(f, b, n);
	assert_waiting(f, 0);
}

/*
 * The shape, but the datagram did not fit the receive buffer (MSG_TRUNC):
 * never delivered as it is; the request fails (or re-asks smaller).
 */
static void test_plain_shape_truncated_datagram(void **state)
{
	struct fk *f = *state;
	struct fk_msg m, resp;
	char big[64];

	memset(big, 'b', sizeof(big));
	plain_get(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_payload(&resp, big, sizeof(big));
	fk_deliver_trunc_from(f, SRV, sizeof(f->server), &resp, 12 + 1 + 16);
	for (size_t i = 0; i < fk_nev(f); i++) {
		/* whatever it does, it never delivers the cut payload as the response */
		assert_false(fk_ev(f, i)->code == COAP_RESPONSE_CODE_CONTENT &&
			     fk_ev(f, i)->len == 16);
	}
}

/*
 * A continuation of a Block2 download answered without Block2: the body
 * stops in the middle (RFC 7959 §2.3); the general path fails it with
 * -EBADMSG. A fast path ignoring the phase would complete it.
 */
static void test_plain_shape_in_body(void **state)
{
	struct fk *f = *state;
	struct fk_msg m, resp;
	uint8_t block[16];
	uint8_t b[64];
	size_t n;

	memset(block, 'a', sizeof(block));
	plain_get(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(0, true, 0));
	fk_msg_payload(&resp, block, sizeof(block));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1); /* the first block */
	fk_last_msg(f, &m);             /* the continuation */
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "rest", b);
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -EBADMSG);
	assert_false(zc_engine_busy(&f->eng));
}

/*
 * An observation's registration answered by a bare piggy-backed 2.05 (the
 * server does not keep us, RFC 7641 §3.2): the general path ends it as a
 * plain request whose observation is over, so the socket does not linger
 * (a fast path that took it would free a slot still marked as observing).
 */
static void test_plain_shape_observe(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "obs", &u1);
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 0};
	struct fk_msg m;
	uint8_t b[64];
	int socks[4];
	size_t n;

	r.options = &obs;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	n = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "v", b);
	fk_deliver(f, b, n);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "v", 1, 0, true, true);
	assert_false(fk_ev(f, 0)->info_has_observe);
	assert_int_equal(zc_engine_take_lingers(&f->eng, socks, 4), 0);
}

/*
 * zc_engine_receive_plain() (the loop's first try, without a clock) either
 * handles a datagram as zc_engine_receive() would, or does nothing at all:
 * no trace, no event, no datagram sent, the request unchanged.
 */
static bool plain_try(struct fk *f, const struct sockaddr *src, socklen_t srclen, const uint8_t *b,
		      size_t n, bool truncated)
{
	memset(f->rx, 0xEE, sizeof(f->rx));
	memcpy(f->rx, b, n);
	return zc_engine_receive_plain(&f->eng, f->sock, src, srclen, f->rx, n, truncated);
}

static void test_receive_plain_declines(void **state)
{
	struct fk *f = *state;
	struct sockaddr_in other = fk_addr4(FK_SERVER_IP, FK_SERVER_PORT + 1);
	struct fk_msg m, bad;
	uint8_t good[64];
	uint8_t b[64];
	size_t gn;
	size_t sent;
	size_t traced;

	plain_get(f, &m);
	sent = fk_nsent(f);
	traced = f->n_trace_in;
	gn = plain_ack_bytes(&m, COAP_RESPONSE_CODE_CONTENT, "x", good);
	for (int k = 0; k < 12; k++) {
		size_t n = gn;
		bool trunc = false;
		const struct sockaddr *src = SRV;

		memcpy(b, good, gn);
		switch (k) {
		case 0:
			bad = m;
			bad.mid = (uint16_t)(m.mid + 1);
			n = plain_ack_bytes(&bad, COAP_RESPONSE_CODE_CONTENT, "x", b);
			break;
		case 1:
			b[11] ^= 1U; /* token */
			break;
		case 2:
			b[0] = 0x67; /* TKL 7 */
			break;
		case 3:
			b[0] = 0x78; /* RST */
			break;
		case 4:
			b[0] = 0x48; /* CON */
			break;
		case 5:
			b[1] = COAP_MAKE_RESPONSE_CODE(3, 0);
			break;
		case 6:
			b[1] = COAP_CODE_EMPTY;
			break;
		case 7:
			n = 13; /* a marker with no payload */
			break;
		case 8:
			b[12] = 0xC2; /* Content-Format, its 2-byte value cut off */
			n = 14;
			break;
		case 9:
			trunc = true;
			break;
		case 10:
			src = (const struct sockaddr *)&other;
			break;
		default:
			n = 11; /* shorter than header and token */
			break;
		}
		assert_false(plain_try(f, src, sizeof(f->server), b, n, trunc));
		assert_int_equal(f->n_trace_in, traced);
		assert_int_equal(fk_nsent(f), sent);
		assert_int_equal(f->eng.n_events, 0);
		assert_true(zc_engine_busy(&f->eng));
	}
	assert_true(plain_try(f, SRV, sizeof(f->server), good, gn, false));
	assert_int_equal(f->n_trace_in, traced + 1);
	assert_int_equal(f->eng.n_events, 1);
	assert_false(zc_engine_busy(&f->eng));
	fk_drain(f);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "x", 1, 0, true, true);
	/* The request is gone: the same datagram again is declined (and then dropped). */
	assert_false(plain_try(f, SRV, sizeof(f->server), good, gn, false));
}

/* An answer to @p req with the option bytes @p opts (already encoded) and payload "hi". */
static size_t ack_with_options(const struct fk_msg *req, const uint8_t *opts, size_t olen,
			       uint8_t *out)
{
	size_t n = plain_ack_bytes(req, COAP_RESPONSE_CODE_CONTENT, NULL, out);

	memcpy(out + n, opts, olen);
	n += olen;
	out[n++] = 0xFF;
	out[n++] = 'h';
	out[n++] = 'i';
	return n;
}

/* Option bytes and their length, for the tables below. */
struct opt_bytes {
	uint8_t b[16];
	uint8_t n;
};

/*
 * Content-Format, Max-Age and ETag (elective, none acts on a plain
 * exchange) keep a response on the fast path: it completes the request
 * with the payload, and the view left for the response info holds the
 * options as coap_packet_parse() sees them.
 */
static void test_plain_ack_allowed_options(void **state)
{
	struct fk *f = *state;
	static const struct opt_bytes ok[] = {
	    {{0xC0}, 1},                                     /* Content-Format 0 (empty) */
	    {{0xC1, 0x32}, 2},                               /* Content-Format 50 */
	    {{0xC2, 0x00, 0x2A}, 3},                         /* 2 bytes */
	    {{0x41, 0xAA}, 2},                               /* ETag, 1 byte */
	    {{0x48, 1, 2, 3, 4, 5, 6, 7, 8}, 9},             /* ETag, 8 bytes */
	    {{0x41, 0xAA, 0x81, 0x32}, 4},                   /* ETag, Content-Format */
	    {{0xC1, 0x32, 0x21, 0x3C}, 4},                   /* Content-Format, Max-Age */
	    {{0xC1, 0x32, 0x24, 0x00, 0x00, 0x0E, 0x10}, 7}, /* Max-Age, 4 bytes */
	    {{0x41, 0xAA, 0x81, 0x32, 0x20}, 5},             /* all three, Max-Age empty */
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct fk_msg m;
		uint8_t b[64];
		size_t n;
		struct coap_option cf;

		fk_forget(f);
		plain_get(f, &m);
		n = ack_with_options(&m, ok[i].b, ok[i].n, b);
		assert_true(plain_try(f, SRV, sizeof(f->server), b, n, false));
		fk_drain(f);
		assert_int_equal(fk_nev(f), 1);
		fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "hi", 2, 0, true, true);
		assert_false(zc_engine_busy(&f->eng));
		assert_int_equal(f->eng.rx.opt_len, ok[i].n);
		if (ok[i].b[0] >> 4 == 12 || (ok[i].n > 2 && ok[i].b[2] >> 4 == 8)) {
			assert_int_equal(
			    coap_find_options(&f->eng.rx, COAP_OPTION_CONTENT_FORMAT, &cf, 1), 1);
		}
	}
}

/*
 * Any other option, a length outside its RFC 7252 §5.10 range, a repeat,
 * or an extended header nibble: not the fast shape. The datagram is left
 * untouched to the general path, which completes the request when the
 * options are well-formed (elective ones it does not use are ignored).
 */
static void test_plain_ack_other_options_declined(void **state)
{
	struct fk *f = *state;
	static const struct opt_bytes bad[] = {
	    {{0xD1, 0x01, 0x3C}, 3},                 /* Max-Age alone: extended delta */
	    {{0xC3, 0x00, 0x00, 0x2A}, 4},           /* Content-Format of 3 bytes */
	    {{0xC1, 0x32, 0x01, 0x33}, 4},           /* Content-Format twice */
	    {{0x40}, 1},                             /* ETag of 0 bytes */
	    {{0x49, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10}, /* ETag of 9 bytes */
	    {{0xC0, 0x25, 1, 2, 3, 4, 5}, 7},        /* Max-Age of 5 bytes */
	    {{0x61, 0x05}, 2},                       /* Observe */
	    {{0x81, 0x61}, 2},                       /* Location-Path */
	    {{0xD1, 0x0F, 0x10}, 3},                 /* Size2 */
	    {{0x11, 0x61}, 2},                       /* If-Match */
	    {{0xB1, 0x61}, 2},                       /* Uri-Path */
	    {{0xC1, 0x32, 0xD1, 0x02, 0x00}, 5},     /* 27 after Content-Format */
	    {{0xE1, 0x00, 0x00, 0x00}, 4},           /* extended delta (269) */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fk_msg m;
		uint8_t b[64];
		size_t n;

		fk_forget(f);
		plain_get(f, &m);
		n = ack_with_options(&m, bad[i].b, bad[i].n, b);
		assert_false(plain_try(f, SRV, sizeof(f->server), b, n, false));
		assert_int_equal(f->eng.n_events, 0);
		assert_true(zc_engine_busy(&f->eng));
		zc_engine_cancel(&f->eng, NULL, 0, NULL, 0);
		fk_drain(f);
	}
}

/* ---- codec: zc_packet_parse_bare() agrees with coap_packet_parse() ---- */

static void check_bare_agrees(uint8_t *d, uint16_t len)
{
	struct coap_packet a;
	struct coap_packet b;
	uint8_t copy[64];
	int r;

	memset(&b, 0xA5, sizeof(b));
	memcpy(copy, d, len);
	if (!zc_packet_parse_bare(&b, d, len)) {
		struct coap_packet untouched;

		memset(&untouched, 0xA5, sizeof(untouched));
		assert_memory_equal(&b, &untouched, sizeof(b));
		/* Not the shape: either parse() fails, finds an option, or it is Empty. */
		r = coap_packet_parse(&a, copy, len, NULL, 0);
		assert_true(r < 0 || a.opt_len > 0 || copy[1] == COAP_CODE_EMPTY);
		return;
	}
	r = coap_packet_parse(&a, copy, len, NULL, 0);
	assert_int_equal(r, 0);
	assert_int_equal(a.offset, b.offset);
	assert_int_equal(a.max_len, b.max_len);
	assert_int_equal(a.hdr_len, b.hdr_len);
	assert_int_equal(a.opt_len, b.opt_len);
	assert_int_equal(a.delta, b.delta);
	assert_ptr_equal(b.data, d);
}

static void test_parse_bare_agrees(void **state)
{
	uint32_t x = 12345;
	uint8_t d[32];

	(void)state;
	/* Every first byte and length over a few interesting second bytes and fills. */
	for (unsigned int b0 = 0; b0 < 256; b0++) {
		for (uint16_t len = 0; len <= 24; len++) {
			for (unsigned int k = 0; k < 6; k++) {
				static const uint8_t fills[] = {0x00, 0xFF, 0x45, 0x10, 0xD0, 0x61};

				memset(d, fills[k], sizeof(d));
				d[0] = (uint8_t)b0;
				if (len > 1) {
					d[1] = k % 2 ? COAP_RESPONSE_CODE_CONTENT : COAP_CODE_EMPTY;
				}
				check_bare_agrees(d, len);
			}
		}
	}
	/* Random datagrams, biased towards the shape. */
	for (int i = 0; i < 200000; i++) {
		uint16_t len;

		for (size_t j = 0; j < sizeof(d); j++) {
			x = x * 1103515245U + 12345U;
			d[j] = (uint8_t)(x >> 16);
		}
		len = (uint16_t)(d[31] % 26);
		d[0] = (uint8_t)(0x40U | (d[0] & 0x3FU) | (i % 3 == 0 ? 0x80U : 0));
		if (i % 2 == 0 && len > 4 + (d[0] & 0x0FU)) {
			d[4 + (d[0] & 0x0FU)] = 0xFF;
		}
		check_bare_agrees(d, len);
	}
	/*
	 * Random option sequences after an 8-byte token: header nibbles biased
	 * towards the allowed numbers (4, 12, 14) and their length ranges, so
	 * both verdicts and every boundary come up.
	 */
	for (int i = 0; i < 200000; i++) {
		static const uint8_t deltas[] = {0, 2, 4, 8, 10, 12, 13, 14, 15, 1, 6};
		uint16_t len = 12;

		for (size_t j = 0; j < sizeof(d); j++) {
			x = x * 1103515245U + 12345U;
			d[j] = (uint8_t)(x >> 16);
		}
		d[0] = 0x68;
		d[1] = COAP_RESPONSE_CODE_CONTENT;
		for (int k = (int)(d[30] % 4); k > 0 && len < 24; k--) {
			x = x * 1103515245U + 12345U;
			d[len] =
			    (uint8_t)(deltas[(x >> 16) % sizeof(deltas)] << 4 | ((x >> 24) % 10U));
			len = (uint16_t)(len + 1U + (d[len] & 0x0FU) - (x >> 28 == 0 ? 1U : 0U));
		}
		if (d[31] % 3 == 0 && len < 30) {
			d[len++] = 0xFF;
		}
		len = (uint16_t)(len + d[29] % 2U);
		check_bare_agrees(d, len > sizeof(d) ? (uint16_t)sizeof(d) : len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_plain_ack_same_as_general, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_wrong_mid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_wrong_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_wrong_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_tkl7, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_duplicate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_rst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_con, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_not_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_marker_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_truncated_option, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_truncated_datagram, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_in_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_shape_observe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receive_plain_declines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_allowed_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_ack_other_options_declined, setup, teardown),
	    cmocka_unit_test(test_parse_bare_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
