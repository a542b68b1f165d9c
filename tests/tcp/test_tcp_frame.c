/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_frame.c -- RFC 8323 framing (src/tcp/frame.c) and signalling
 * messages (src/tcp/signal.c): golden bytes annotated field by field, and a
 * stream of frames decoded when split at every offset and byte by byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/frame.h"
#include "zcoap_option.h"

#define BUF_SIZE 2048

static void assert_frame(const struct coap_packet *pkt, const uint8_t *golden, size_t golden_len)
{
	const uint8_t *frame;
	size_t len;

	assert_int_equal(zc_tcp_frame_seal(pkt, &frame, &len), 0);
	assert_int_equal(len, golden_len);
	assert_memory_equal(frame, golden, golden_len);
}

static void test_golden_get(void **state)
{
	static const uint8_t tok[] = {0x01, 0x02};
	static const uint8_t golden[] = {
	    0x52,                      /* Len 5 (body: options and payload) | TKL 2 */
	    0x01,                      /* Code 0.01 GET */
	    0x01, 0x02,                /* Token */
	    0xB4, 't',  'i', 'm', 'e', /* Uri-Path (11) "time": delta 11, length 4 */
	};
	static uint8_t buf[BUF_SIZE];
	struct coap_packet pkt;

	(void)state;
	assert_int_equal(zc_tcp_msg_init(&pkt, buf, sizeof(buf), COAP_METHOD_GET, tok, 2), 0);
	assert_int_equal(coap_packet_set_path(&pkt, "/time"), 0);
	assert_frame(&pkt, golden, sizeof(golden));
	assert_int_equal(zc_tcp_header_len(5, 2), 4);
}

static void test_golden_no_token_empty_body(void **state)
{
	static const uint8_t golden[] = {
	    0x00, /* Len 0 | TKL 0 */
	    0xE2, /* Code 7.02 Ping */
	};
	static uint8_t buf[BUF_SIZE];
	struct coap_packet pkt;

	(void)state;
	assert_int_equal(zc_tcp_build_ping(&pkt, buf, sizeof(buf), ZC_TCP_PING, false), 0);
	assert_frame(&pkt, golden, sizeof(golden));
}

static void test_golden_extended_8bit(void **state)
{
	static uint8_t buf[BUF_SIZE];
	uint8_t golden[3 + 1 + 20];
	uint8_t payload[20];
	struct coap_packet pkt;

	(void)state;
	memset(payload, 'x', sizeof(payload));
	golden[0] = 0xD0; /* Len 13: one byte of Extended Length follows | TKL 0 */
	golden[1] = 8;    /* Extended Length: body 21 - 13 */
	golden[2] = 0x45; /* Code 2.05 */
	golden[3] = 0xFF; /* payload marker */
	memcpy(golden + 4, payload, sizeof(payload));
	assert_int_equal(zc_tcp_msg_init(&pkt, buf, sizeof(buf), 0x45, NULL, 0), 0);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
	assert_int_equal(coap_packet_append_payload(&pkt, payload, sizeof(payload)), 0);
	assert_frame(&pkt, golden, 24);
}

static void test_golden_extended_16bit(void **state)
{
	static uint8_t buf[BUF_SIZE];
	static uint8_t payload[299];
	const uint8_t *frame;
	size_t len;
	struct coap_packet pkt;
	static const uint8_t tok[] = {0xAB};

	(void)state;
	memset(payload, 0x5A, sizeof(payload));
	assert_int_equal(zc_tcp_msg_init(&pkt, buf, sizeof(buf), 0x45, tok, 1), 0);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
	assert_int_equal(coap_packet_append_payload(&pkt, payload, sizeof(payload)), 0);
	assert_int_equal(zc_tcp_frame_seal(&pkt, &frame, &len), 0);
	assert_int_equal(len, 1 + 2 + 1 + 1 + 300);
	assert_int_equal(frame[0], 0xE1); /* Len 14: two bytes of Extended Length | TKL 1 */
	assert_int_equal(frame[1], 0x00); /* Extended Length: body 300 - 269 = 31 */
	assert_int_equal(frame[2], 0x1F);
	assert_int_equal(frame[3], 0x45); /* Code */
	assert_int_equal(frame[4], 0xAB); /* Token */
	assert_int_equal(frame[5], 0xFF); /* payload marker */
	assert_memory_equal(frame + 6, payload, sizeof(payload));
	/* Length boundaries: 12 | 13, 268 | 269, 65804 | 65805. */
	assert_int_equal(zc_tcp_header_len(12, 0), 2);
	assert_int_equal(zc_tcp_header_len(13, 0), 3);
	assert_int_equal(zc_tcp_header_len(268, 0), 3);
	assert_int_equal(zc_tcp_header_len(269, 0), 4);
	assert_int_equal(zc_tcp_header_len(65804, 8), 12);
	assert_int_equal(zc_tcp_header_len(65805, 8), 14);
}

static void test_golden_csm(void **state)
{
	static const uint8_t golden[] = {
	    0x40,             /* Len 4 | TKL 0 */
	    0xE1,             /* Code 7.01 CSM */
	    0x22, 0x04, 0x80, /* Max-Message-Size (2): delta 2, length 2, 1152 */
	    0x20,             /* Block-Wise-Transfer (4): delta 2, length 0 */
	};
	static uint8_t buf[BUF_SIZE];
	struct coap_packet pkt;

	(void)state;
	assert_int_equal(zc_tcp_build_csm(&pkt, buf, sizeof(buf), 1152, true), 0);
	assert_frame(&pkt, golden, sizeof(golden));
}

static void test_golden_release_abort(void **state)
{
	static const uint8_t release[] = {
	    0x70,                      /* Len 7 | TKL 0 */
	    0xE4,                      /* Code 7.04 Release */
	    0x24, 'h',  'o', 's', 't', /* Alternative-Address (2): "host" */
	    0x21, 0x3C,                /* Hold-Off (4): delta 2, length 1, 60 s */
	};
	static const uint8_t abort_msg[] = {
	    0x50,            /* Len 5 | TKL 0 */
	    0xE5,            /* Code 7.05 Abort */
	    0x21, 0x09,      /* Bad-CSM-Option (2): 9 */
	    0xFF, 'n',  'o', /* diagnostic payload */
	};
	static uint8_t buf[BUF_SIZE];
	struct coap_packet pkt;

	(void)state;
	assert_int_equal(zc_tcp_build_release(&pkt, buf, sizeof(buf), "host", 60), 0);
	assert_frame(&pkt, release, sizeof(release));
	assert_int_equal(zc_tcp_build_abort(&pkt, buf, sizeof(buf), 9, "no"), 0);
	assert_frame(&pkt, abort_msg, sizeof(abort_msg));
	assert_int_equal(zc_tcp_build_release(&pkt, buf, sizeof(buf), "", 0), -EINVAL);
	assert_int_equal(zc_tcp_build_release(&pkt, buf, sizeof(buf), NULL, 0x1000000), -EINVAL);
}

/* ---- the stream decoder --------------------------------------------------- */

/* A stream of five frames: a 2.05 with token and payload, a CSM, an Empty
 * message, a 300-byte body (16-bit Extended Length) and a Pong. */
static const uint8_t stream_bytes[] = {
    0x73, 0x45, 0xA1, 0xA2, 0xA3,           /* Len 7 TKL 3, 2.05, token */
    0xC1, 0x00, 0xFF, 'h',  'e',  'l', 'o', /* Content-Format 0 (12, len 1), marker, "helo" */
    0x30, 0xE1, 0x22, 0x01, 0x00,           /* CSM, Max-Message-Size 256 */
    0x00, 0x00,                             /* Empty (0.00) */
};

struct seen {
	unsigned int frames;
	uint8_t codes[8];
	uint16_t payload_len[8];
	uint8_t first_payload[8];
};

static size_t make_stream(uint8_t *out)
{
	static uint8_t big[BUF_SIZE];
	static uint8_t payload[299];
	struct coap_packet pkt;
	const uint8_t *frame;
	size_t len;
	size_t n = sizeof(stream_bytes);

	memcpy(out, stream_bytes, n);
	memset(payload, 0x33, sizeof(payload));
	payload[0] = 0x77;
	assert_int_equal(zc_tcp_msg_init(&pkt, big, sizeof(big), 0x84, NULL, 0), 0);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
	assert_int_equal(coap_packet_append_payload(&pkt, payload, sizeof(payload)), 0);
	assert_int_equal(zc_tcp_frame_seal(&pkt, &frame, &len), 0);
	memcpy(out + n, frame, len);
	n += len;
	out[n++] = 0x00; /* Pong: Len 0 TKL 0 */
	out[n++] = 0xE3;
	return n;
}

static void decode(struct zcoap_tcp_stream *s, const uint8_t *data, size_t len, struct seen *seen)
{
	size_t pos = 0;

	while (pos < len) {
		bool complete = false;
		long r = zc_tcp_stream_feed(s, data + pos, len - pos, &complete);
		struct coap_packet pkt;

		assert_true(r >= 0);
		pos += (size_t)r;
		if (complete) {
			int p = zc_tcp_stream_packet(s, &pkt);

			if (p == -ENOMSG) {
				seen->codes[seen->frames] = 0;
				seen->payload_len[seen->frames] = 0;
			} else {
				uint16_t plen = 0;
				const uint8_t *pl;

				assert_int_equal(p, 0);
				pl = coap_packet_get_payload(&pkt, &plen);
				seen->codes[seen->frames] = coap_header_get_code(&pkt);
				seen->payload_len[seen->frames] = plen;
				seen->first_payload[seen->frames] = plen > 0 ? pl[0] : 0;
				if (seen->codes[seen->frames] == 0x45) {
					uint8_t tok[8];

					assert_int_equal(coap_header_get_token(&pkt, tok), 3);
					assert_int_equal(tok[0], 0xA1);
					assert_int_equal(tok[2], 0xA3);
					assert_memory_equal(pl, "helo", 4);
					assert_int_equal(
					    coap_get_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT),
					    0);
				}
			}
			seen->frames++;
			zc_tcp_stream_next(s);
		} else {
			assert_int_equal((size_t)r, len - pos + (size_t)r); /* took everything */
		}
	}
}

static void check_seen(const struct seen *seen)
{
	assert_int_equal(seen->frames, 5);
	assert_int_equal(seen->codes[0], 0x45);
	assert_int_equal(seen->payload_len[0], 4);
	assert_int_equal(seen->codes[1], ZC_TCP_CSM);
	assert_int_equal(seen->codes[2], 0);
	assert_int_equal(seen->codes[3], 0x84);
	assert_int_equal(seen->payload_len[3], 299);
	assert_int_equal(seen->first_payload[3], 0x77);
	assert_int_equal(seen->codes[4], ZC_TCP_PONG);
}

static void test_stream_split_at_every_offset(void **state)
{
	static uint8_t data[BUF_SIZE];
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 512];
	size_t n = make_stream(data);

	(void)state;
	for (size_t k = 0; k <= n; k++) {
		struct zcoap_tcp_stream s;
		struct seen seen;

		memset(&seen, 0, sizeof(seen));
		zc_tcp_stream_init(&s, rx, 512, 512);
		decode(&s, data, k, &seen);
		decode(&s, data + k, n - k, &seen);
		check_seen(&seen);
	}
	/* Two splits: every pair (i, j). */
	for (size_t i = 0; i <= n; i += 7) {
		for (size_t j = i; j <= n; j++) {
			struct zcoap_tcp_stream s;
			struct seen seen;

			memset(&seen, 0, sizeof(seen));
			zc_tcp_stream_init(&s, rx, 512, 512);
			decode(&s, data, i, &seen);
			decode(&s, data + i, j - i, &seen);
			decode(&s, data + j, n - j, &seen);
			check_seen(&seen);
		}
	}
}

static void test_stream_byte_by_byte(void **state)
{
	static uint8_t data[BUF_SIZE];
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 512];
	size_t n = make_stream(data);
	struct zcoap_tcp_stream s;
	struct seen seen;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	zc_tcp_stream_init(&s, rx, 512, 512);
	for (size_t k = 0; k < n; k++) {
		decode(&s, data + k, 1, &seen);
	}
	check_seen(&seen);
}

static void test_stream_reserved_tkl(void **state)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 64];
	static const uint8_t bad[] = {0x09, 0x45}; /* TKL 9: a message format error */
	struct zcoap_tcp_stream s;
	bool complete;

	(void)state;
	zc_tcp_stream_init(&s, rx, 64, 64);
	assert_int_equal(zc_tcp_stream_feed(&s, bad, sizeof(bad), &complete), -EBADMSG);
}

static void test_stream_too_big(void **state)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 64];
	/* Len 14: body 269 + 0 bytes, over a 64-byte capacity: refused before any body byte. */
	static const uint8_t big[] = {0xE0, 0x00, 0x00, 0x45, 0xFF};
	/* Len 12: 12 bytes, over a capacity of 8. */
	static const uint8_t small[] = {0xC0, 0x45, 0xFF};
	static const uint8_t huge[] = {0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0x45};
	struct zcoap_tcp_stream s;
	bool complete;

	(void)state;
	zc_tcp_stream_init(&s, rx, 64, 64);
	assert_int_equal(zc_tcp_stream_feed(&s, big, sizeof(big), &complete), -EMSGSIZE);
	zc_tcp_stream_init(&s, rx, 8, 8);
	assert_int_equal(zc_tcp_stream_feed(&s, small, sizeof(small), &complete), -EMSGSIZE);
	/* 4-byte Extended Length: 0xFFFFFFFF + 65805 does not wrap around. */
	zc_tcp_stream_init(&s, rx, 64, 64);
	assert_int_equal(zc_tcp_stream_feed(&s, huge, sizeof(huge), &complete), -EMSGSIZE);
}

static void test_stream_32bit_length(void **state)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 70000];
	static uint8_t body[70000];
	/* Len 15: 4 bytes of Extended Length: 70000 - 65805 = 4195 = 0x1063. */
	static const uint8_t hdr[] = {0xF0, 0x00, 0x00, 0x10, 0x63, 0x45};
	struct zcoap_tcp_stream s;
	bool complete = false;

	(void)state;
	memset(body, 0xEE, sizeof(body));
	body[0] = 0xFF;
	zc_tcp_stream_init(&s, rx, sizeof(body), sizeof(body) + 6);
	assert_int_equal(zc_tcp_stream_feed(&s, hdr, sizeof(hdr), &complete), (long)sizeof(hdr));
	assert_false(complete);
	assert_int_equal(zc_tcp_stream_feed(&s, body, sizeof(body), &complete), (long)sizeof(body));
	assert_true(complete);
	assert_int_equal(s.body_len, 70000);
	assert_int_equal(s.code, 0x45);
	assert_int_equal(rx[ZCOAP_TCP_RX_HEADROOM + 69999], 0xEE);
	assert_int_equal(zc_tcp_header_len(70000, 0), 6);
}

static void test_stream_malformed_body(void **state)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 64];
	/* A payload marker with no payload (RFC 7252 §3: a format error). */
	static const uint8_t marker_only[] = {0x10, 0x45, 0xFF};
	/* An option length running past the end. */
	static const uint8_t short_opt[] = {0x10, 0x45, 0xB4};
	struct zcoap_tcp_stream s;
	struct coap_packet pkt;
	bool complete;

	(void)state;
	zc_tcp_stream_init(&s, rx, 64, 64);
	assert_int_equal(zc_tcp_stream_feed(&s, marker_only, 3, &complete), 3);
	assert_true(complete);
	assert_int_equal(zc_tcp_stream_packet(&s, &pkt), -EBADMSG);
	zc_tcp_stream_init(&s, rx, 64, 64);
	assert_int_equal(zc_tcp_stream_feed(&s, short_opt, 3, &complete), 3);
	assert_true(complete);
	assert_int_equal(zc_tcp_stream_packet(&s, &pkt), -EBADMSG);
	/* Not complete yet: no packet. */
	zc_tcp_stream_init(&s, rx, 64, 64);
	assert_int_equal(zc_tcp_stream_feed(&s, short_opt, 1, &complete), 1);
	assert_false(complete);
	assert_int_equal(zc_tcp_stream_packet(&s, &pkt), -EINVAL);
}

/* ---- streamed frames (a body over the buffer) ------------------------------ */

#define S_CAP     64
#define S_MAX     4096
#define S_PAYLOAD (3 * S_CAP + 17)

/* What a streamed decode saw: frames or pieces, and the streamed payload put back together. */
struct sseen {
	unsigned int events;
	uint8_t codes[16];
	int results[16];
	unsigned int pieces;
	unsigned int lasts;
	size_t next_off;
	bool bad;
	uint8_t payload[S_PAYLOAD];
};

static const uint8_t *s_payload(void)
{
	static uint8_t p[S_PAYLOAD];

	for (size_t i = 0; i < sizeof(p); i++) {
		p[i] = (uint8_t)(i * 5 + 1);
	}
	return p;
}

/*
 * Append a frame of @p code with Content-Format 0 (1 byte) and options 2048
 * of the value lengths @p vals (the first 3 + len bytes, the others 1 + len,
 * plus one when len >= 13), and @p pay_len payload bytes.
 */
static size_t put_frame(uint8_t *out, uint8_t code, const uint16_t *vals, size_t n_vals,
			const uint8_t *pay, size_t pay_len)
{
	static uint8_t b[BUF_SIZE];
	static const uint8_t tok[2] = {0xB1, 0xB2};
	static uint8_t val[200];
	struct coap_packet pkt;
	const uint8_t *frame;
	size_t len;

	memset(val, 'v', sizeof(val));
	assert_int_equal(zc_tcp_msg_init(&pkt, b, sizeof(b), code, tok, 2), 0);
	assert_int_equal(coap_append_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT, 0), 0);
	for (size_t i = 0; i < n_vals; i++) {
		assert_int_equal(coap_packet_append_option(&pkt, 2048, val, vals[i]), 0);
	}
	if (pay_len > 0) {
		assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
		assert_int_equal(coap_packet_append_payload(&pkt, pay, (uint16_t)pay_len), 0);
	}
	assert_int_equal(zc_tcp_frame_seal(&pkt, &frame, &len), 0);
	memcpy(out, frame, len);
	return len;
}

/* Options and marker of the streamed frame of make_streamed(): 1 + 15 + 1. */
#define S_HEAD   17
#define S_PIECES ((S_PAYLOAD + (S_CAP - S_HEAD) - 1) / (S_CAP - S_HEAD))

/*
 * A small response, a streamed one (options, then a payload over three
 * buffers), an Empty message, a streamed one whose options and marker fill
 * the buffer exactly (no room for payload: refused, skipped), one whose
 * options go past the buffer (refused, skipped), and a Pong.
 */
static size_t make_streamed(uint8_t *out)
{
	static const uint16_t one[] = {12};
	static const uint16_t fill[] = {12, 45};  /* 1 + 15 + 47 = 63: the marker is byte 64 */
	static const uint16_t over[] = {12, 100}; /* 1 + 15 + 102 = 118 */
	const uint8_t *pay = s_payload();
	size_t n = 0;

	n += put_frame(out + n, 0x45, NULL, 0, (const uint8_t *)"helo", 4);
	n += put_frame(out + n, 0x45, one, 1, pay, S_PAYLOAD);
	out[n++] = 0x00;
	out[n++] = 0x00;
	n += put_frame(out + n, 0x45, fill, 2, pay, 100);
	n += put_frame(out + n, 0x84, over, 2, pay, 10);
	out[n++] = 0x00;
	out[n++] = 0xE3;
	return n;
}

static void sdecode_ready(struct zcoap_tcp_stream *s, struct sseen *seen)
{
	struct coap_packet pkt;
	int p = zc_tcp_stream_packet(s, &pkt);

	if (seen->events < 16) {
		seen->codes[seen->events] = s->code;
		seen->results[seen->events] = p;
	}
	seen->events++;
	if (p == 0 && s->streamed) {
		uint16_t plen = 0;
		const uint8_t *pl = coap_packet_get_payload(&pkt, &plen);

		/* Options readable in every piece; pieces in order, never empty. */
		if (coap_get_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT) != 0 || plen == 0 ||
		    s->piece_off != seen->next_off || s->piece_off + plen > S_PAYLOAD ||
		    zc_tcp_stream_payload_len(s) != S_PAYLOAD) {
			seen->bad = true;
			return;
		}
		memcpy(seen->payload + s->piece_off, pl, plen);
		seen->next_off = s->piece_off + plen;
		seen->pieces++;
		seen->lasts += zc_tcp_stream_last_piece(s) ? 1U : 0U;
	}
}

/* Feed @p len bytes; body bytes through the window (no copy) when @p window. */
static void sdecode(struct zcoap_tcp_stream *s, const uint8_t *data, size_t len, bool window,
		    struct sseen *seen)
{
	size_t pos = 0;

	while (pos < len) {
		bool complete = false;
		size_t room;
		uint8_t *w = window ? zc_tcp_stream_window(s, &room) : NULL;
		long r;

		if (w != NULL) {
			size_t n = len - pos < room ? len - pos : room;

			memcpy(w, data + pos, n);
			r = zc_tcp_stream_advance(s, n, &complete);
		} else {
			r = zc_tcp_stream_feed(s, data + pos, len - pos, &complete);
		}
		assert_true(r >= 0);
		pos += (size_t)r;
		if (complete) {
			sdecode_ready(s, seen);
			zc_tcp_stream_next(s);
		}
	}
}

static void check_streamed(const struct sseen *seen)
{
	/* helo, the pieces, Empty, 2 refused, Pong: every frame resynchronised after the skips */
	assert_false(seen->bad);
	assert_int_equal(seen->events, 1 + S_PIECES + 4);
	assert_int_equal(seen->codes[0], 0x45);
	assert_int_equal(seen->results[0], 0);
	for (unsigned int i = 1; i <= S_PIECES; i++) {
		assert_int_equal(seen->codes[i], 0x45);
		assert_int_equal(seen->results[i], 0);
	}
	assert_int_equal(seen->results[S_PIECES + 1], -ENOMSG);
	assert_int_equal(seen->codes[S_PIECES + 2], 0x45);
	assert_int_equal(seen->results[S_PIECES + 2], -EMSGSIZE);
	assert_int_equal(seen->codes[S_PIECES + 3], 0x84);
	assert_int_equal(seen->results[S_PIECES + 3], -EMSGSIZE);
	assert_int_equal(seen->codes[S_PIECES + 4], 0xE3);
	assert_int_equal(seen->results[S_PIECES + 4], 0);
	assert_int_equal(seen->pieces, S_PIECES);
	assert_int_equal(seen->lasts, 1);
	assert_int_equal(seen->next_off, S_PAYLOAD);
	assert_memory_equal(seen->payload, s_payload(), S_PAYLOAD);
}

static void test_streamed_split_at_every_offset(void **state)
{
	static uint8_t data[BUF_SIZE];
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + S_CAP];
	size_t n = make_streamed(data);

	(void)state;
	for (int window = 0; window < 2; window++) {
		for (size_t k = 0; k <= n; k++) {
			struct zcoap_tcp_stream s;
			struct sseen seen;

			memset(&seen, 0, sizeof(seen));
			zc_tcp_stream_init(&s, rx, S_CAP, S_MAX);
			sdecode(&s, data, k, window != 0, &seen);
			sdecode(&s, data + k, n - k, window != 0, &seen);
			check_streamed(&seen);
		}
		for (size_t i = 0; i <= n; i += 5) {
			for (size_t j = i; j <= n; j++) {
				struct zcoap_tcp_stream s;
				struct sseen seen;

				memset(&seen, 0, sizeof(seen));
				zc_tcp_stream_init(&s, rx, S_CAP, S_MAX);
				sdecode(&s, data, i, window != 0, &seen);
				sdecode(&s, data + i, j - i, window != 0, &seen);
				sdecode(&s, data + j, n - j, window != 0, &seen);
				check_streamed(&seen);
			}
		}
	}
	/* Byte by byte. */
	{
		struct zcoap_tcp_stream s;
		struct sseen seen;

		memset(&seen, 0, sizeof(seen));
		zc_tcp_stream_init(&s, rx, S_CAP, S_MAX);
		for (size_t k = 0; k < n; k++) {
			sdecode(&s, data + k, 1, k % 2 == 0, &seen);
		}
		check_streamed(&seen);
	}
}

/* The limits of a streamed frame: what was advertised, lengths, options, the window. */
static void test_streamed_limits(void **state)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + S_CAP];
	/* Len 13: body 13 + ext. Frame = 3 + body (no token): 200 accepted, 201 refused. */
	static const uint8_t at_max[] = {0xD0, 197 - 13, 0x45};
	static const uint8_t over_max[] = {0xD0, 198 - 13, 0x45};
	/* 4-byte Extended Length: 0xFFFFFFFF + 65805 does not wrap around. */
	static const uint8_t huge[] = {0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0x45};
	/* A streamed body whose first option byte has the reserved nibble 15 (not a marker). */
	uint8_t reserved[3 + S_CAP] = {0xD0, S_CAP + 1 - 13, 0x45, 0xF1};
	uint8_t reserved_len[3 + S_CAP] = {0xD0, S_CAP + 1 - 13, 0x45, 0x1F};
	struct zcoap_tcp_stream s;
	bool complete;
	size_t room;

	(void)state;
	zc_tcp_stream_init(&s, rx, S_CAP, 200);
	assert_null(zc_tcp_stream_window(&s, &room)); /* a header comes first */
	assert_int_equal(zc_tcp_stream_advance(&s, 1, &complete), -EINVAL);
	assert_int_equal(zc_tcp_stream_feed(&s, at_max, sizeof(at_max), &complete), 3);
	assert_true(s.streamed);
	assert_non_null(zc_tcp_stream_window(&s, &room));
	assert_int_equal(room, S_CAP); /* the buffer first: options go there */
	assert_int_equal(zc_tcp_stream_advance(&s, room + 1, &complete), -EINVAL);
	zc_tcp_stream_init(&s, rx, S_CAP, 200);
	assert_int_equal(zc_tcp_stream_feed(&s, over_max, sizeof(over_max), &complete), -EMSGSIZE);
	zc_tcp_stream_init(&s, rx, S_CAP, UINT32_MAX);
	assert_int_equal(zc_tcp_stream_feed(&s, huge, sizeof(huge), &complete), -EMSGSIZE);
	memset(reserved + 4, 0, sizeof(reserved) - 4);
	zc_tcp_stream_init(&s, rx, S_CAP, S_MAX);
	assert_int_equal(zc_tcp_stream_feed(&s, reserved, sizeof(reserved), &complete), -EBADMSG);
	memset(reserved_len + 4, 0, sizeof(reserved_len) - 4);
	zc_tcp_stream_init(&s, rx, S_CAP, S_MAX);
	assert_int_equal(zc_tcp_stream_feed(&s, reserved_len, sizeof(reserved_len), &complete),
			 -EBADMSG);
}

/* ---- signalling options --------------------------------------------------- */

static int parse_frame(const uint8_t *frame, size_t len, struct zc_tcp_signal *sig)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 512];
	static struct coap_packet pkt;
	struct zcoap_tcp_stream s;
	bool complete;

	zc_tcp_stream_init(&s, rx, 512, 512);
	assert_int_equal(zc_tcp_stream_feed(&s, frame, len, &complete), (long)len);
	assert_true(complete);
	assert_int_equal(zc_tcp_stream_packet(&s, &pkt), 0);
	return zc_tcp_signal_parse(&pkt, sig);
}

static void test_signal_parse(void **state)
{
	static uint8_t buf[BUF_SIZE];
	struct coap_packet pkt;
	struct zc_tcp_signal sig;
	const uint8_t *frame;
	size_t len;
	/* CSM with an unknown elective option 6 (ignored) and BWT. */
	static const uint8_t csm_elective[] = {0x40, 0xE1, 0x21, 0x40, 0x20, 0x20};
	/* CSM with an unknown critical option 7. */
	static const uint8_t csm_critical[] = {0x10, 0xE1, 0x70};
	/* CSM with a 5-byte Max-Message-Size. */
	static const uint8_t csm_bad_len[] = {0x60, 0xE1, 0x25, 1, 2, 3, 4, 5};
	/* Ping with Custody. */
	static const uint8_t ping_custody[] = {0x10, 0xE2, 0x20};

	(void)state;
	assert_int_equal(zc_tcp_build_csm(&pkt, buf, sizeof(buf), 70000, true), 0);
	assert_int_equal(zc_tcp_frame_seal(&pkt, &frame, &len), 0);
	assert_int_equal(parse_frame(frame, len, &sig), 0);
	assert_int_equal(sig.code, ZC_TCP_CSM);
	assert_true(sig.has_mms);
	assert_int_equal(sig.max_message_size, 70000);
	assert_true(sig.block_wise);

	assert_int_equal(parse_frame(csm_elective, sizeof(csm_elective), &sig), 0);
	assert_int_equal(sig.max_message_size, 0x40);
	assert_true(sig.block_wise);
	assert_int_equal(parse_frame(csm_critical, sizeof(csm_critical), &sig), -ENOTSUP);
	assert_int_equal(sig.bad_option, 7);
	assert_int_equal(parse_frame(csm_bad_len, sizeof(csm_bad_len), &sig), -EBADMSG);
	assert_int_equal(parse_frame(ping_custody, sizeof(ping_custody), &sig), 0);
	assert_true(sig.custody);

	assert_int_equal(zc_tcp_build_release(&pkt, buf, sizeof(buf), "coap+tcp://h", 300), 0);
	assert_int_equal(zc_tcp_frame_seal(&pkt, &frame, &len), 0);
	assert_int_equal(parse_frame(frame, len, &sig), 0);
	assert_int_equal(sig.code, ZC_TCP_RELEASE);
	assert_int_equal(sig.alt_addr_len, 12);
	assert_memory_equal(sig.alt_addr, "coap+tcp://h", 12);
	assert_int_equal(sig.hold_off, 300);

	assert_int_equal(zc_tcp_build_abort(&pkt, buf, sizeof(buf), 0x123, NULL), 0);
	assert_int_equal(zc_tcp_frame_seal(&pkt, &frame, &len), 0);
	assert_int_equal(parse_frame(frame, len, &sig), 0);
	assert_int_equal(sig.code, ZC_TCP_ABORT);
	assert_int_equal(sig.bad_csm_option, 0x123);

	/* Not a signal. */
	assert_int_equal(zc_tcp_msg_init(&pkt, buf, sizeof(buf), 0x45, NULL, 0), 0);
	assert_int_equal(zc_tcp_signal_parse(&pkt, &sig), -EINVAL);
}

/* ---- hostile streams --------------------------------------------------------- */

static uint32_t rng_state = 0x2545F491U;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/*
 * Random and mutated streams in random pieces: the decoder consumes within
 * bounds, never stores past its capacity (ASan), and every frame it
 * completes is either refused or parses and walks cleanly.
 */
static void hostile(uint32_t cap, uint32_t max_msg)
{
	static uint8_t data[4096];
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 300];
	size_t base = make_stream(data);

	for (unsigned int round = 0; round < 3000; round++) {
		struct zcoap_tcp_stream s;
		size_t n = base;
		size_t pos = 0;

		if (round % 3 == 0) {
			n = 1 + rnd() % 600; /* pure noise */
			for (size_t i = 0; i < n; i++) {
				data[i] = (uint8_t)rnd();
			}
		} else {
			n = make_stream(data); /* a valid stream with a few bytes flipped */
			for (unsigned int k = 0; k < 1 + rnd() % 4; k++) {
				data[rnd() % n] ^= (uint8_t)(1U << (rnd() % 8));
			}
			n = rnd() % 4 == 0 ? rnd() % n : n; /* sometimes cut short */
		}
		zc_tcp_stream_init(&s, rx, cap, max_msg);
		while (pos < n) {
			size_t piece = 1 + rnd() % 64;
			bool complete = false;
			long r;

			if (piece > n - pos) {
				piece = n - pos;
			}
			r = zc_tcp_stream_feed(&s, data + pos, piece, &complete);
			if (r < 0) {
				assert_true(r == -EBADMSG || r == -EMSGSIZE);
				break;
			}
			assert_true((size_t)r <= piece);
			assert_true(s.body_len <= max_msg);
			assert_true(s.streamed || s.body_len <= cap);
			pos += (size_t)r;
			if (complete) {
				struct coap_packet pkt;
				int p = zc_tcp_stream_packet(&s, &pkt);

				if (p == 0) {
					struct zcoap_option_iter it;
					struct zc_tcp_signal sig;
					uint16_t num;
					uint16_t len;
					const uint8_t *v;
					int w;

					zcoap_option_iter_init(&it, &pkt);
					while ((w = zcoap_option_iter_next(&it, &num, &v, &len)) ==
					       1) {
					}
					assert_int_equal(w, 0);
					if ((coap_header_get_code(&pkt) >> 5) == 7) {
						int q = zc_tcp_signal_parse(&pkt, &sig);

						assert_true(q == 0 || q == -ENOTSUP ||
							    q == -EBADMSG);
						if (sig.alt_addr != NULL) {
							assert_true(sig.alt_addr_len >= 1 &&
								    sig.alt_addr_len <= 255);
						}
					}
					if (s.streamed) {
						uint16_t plen = 0;

						(void)coap_packet_get_payload(&pkt, &plen);
						assert_int_equal(plen, s.piece_len);
						assert_true(plen > 0);
						assert_true(s.piece_off + plen <=
							    zc_tcp_stream_payload_len(&s));
					}
				} else {
					assert_true(p == -EBADMSG || p == -ENOMSG ||
						    (p == -EMSGSIZE && s.streamed));
				}
				zc_tcp_stream_next(&s);
			}
		}
	}
}

static void test_stream_hostile(void **state)
{
	(void)state;
	hostile(300, 300);
}

/* The same with streaming: frames up to 600 bytes through a 300-byte buffer, or a 40-byte one. */
static void test_stream_hostile_streamed(void **state)
{
	(void)state;
	hostile(300, 600);
	hostile(40, 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_get),
	    cmocka_unit_test(test_golden_no_token_empty_body),
	    cmocka_unit_test(test_golden_extended_8bit),
	    cmocka_unit_test(test_golden_extended_16bit),
	    cmocka_unit_test(test_golden_csm),
	    cmocka_unit_test(test_golden_release_abort),
	    cmocka_unit_test(test_stream_split_at_every_offset),
	    cmocka_unit_test(test_stream_byte_by_byte),
	    cmocka_unit_test(test_stream_reserved_tkl),
	    cmocka_unit_test(test_stream_too_big),
	    cmocka_unit_test(test_stream_32bit_length),
	    cmocka_unit_test(test_stream_malformed_body),
	    cmocka_unit_test(test_streamed_split_at_every_offset),
	    cmocka_unit_test(test_streamed_limits),
	    cmocka_unit_test(test_signal_parse),
	    cmocka_unit_test(test_stream_hostile),
	    cmocka_unit_test(test_stream_hostile_streamed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
