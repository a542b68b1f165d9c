/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_robust_hostile.c -- the real client against a hostile peer.
 *
 * One or more cases per bug class of the CoAP CVE history
 * (../shared/reference/conformance.md §3.3):
 *   1 length fields trusted before the bounds check (header, TKL, RFC 8974
 *     extended TKL, extended delta/length, option value, payload marker);
 *   2 16-bit arithmetic (+269 extensions, cumulative option numbers,
 *     NUM x size, Size2, Max-Age in milliseconds);
 *   3 option numbers used as indices (0, 40, 128, 2049, 65534, 65535);
 *   4 zero-length cases (options repeated 500 times, marker without
 *     payload, empty final Block2 block, empty token, empty Block2 value);
 *   5 error paths (a bad option after valid ones, 1000 times over;
 *     transfers that fail half way), after which the client keeps working;
 *   6 peer data echoed into fixed buffers (Echo of 41+ bytes, TKL 9-15,
 *     RFC 8974 tokens of 40 and 269 bytes, ETags longer than 8 bytes): RSTs
 *     stay 4 bytes, an over-long Echo is never sent back;
 *   7 payloads as C strings (embedded NULs, no terminator, a payload that
 *     fills the receive buffer): delivered byte-exact with their length.
 * Malformed replies are sent as CON, NON and ACK (RFC 7252 §4.2: CON is
 * answered with a 4-byte RST, NON and ACK are ignored) to a CON and to a
 * NON request; unsolicited datagrams come from another port and with
 * guessed tokens and message IDs (RFC 7252 §5.3.2); and 20 000 junk
 * datagrams flood the client while legitimate exchanges go on (the CPU
 * time per datagram is printed, not asserted).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "port/posix/port_posix.h"
#include "robust_util.h"
#include "sys_util.h"

#define MAXMSG MAX_COAP_MSG_LEN

/* Bytes as (pointer, length) for the case tables. */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define NOBYTES    NULL, 0

/* A datagram to reject: header, then the request's token (tkl < 0) or tkl as written. */
struct bad_case {
	const char *name;
	int cls;  /* §3.3 class */
	int tkl;  /* -1: the request's token; else this TKL nibble, token bytes in tail */
	int code; /* -1: 2.05 */
	const uint8_t *tail;
	size_t tail_len;
	size_t fill; /* filler bytes ('A') after the tail */
};

static const struct bad_case bad_cases[] = {
    /* 1: length fields */
    {"TKL 8 with 3 token bytes", 1, 8, -1, BYTES(1, 2, 3), 0},
    {"TKL 13 (RFC 8974), extension byte missing", 1, 13, -1, NOBYTES, 0},
    {"TKL 14 (RFC 8974), one extension byte", 1, 14, -1, BYTES(0x01), 0},
    {"delta nibble 13, extension missing", 1, -1, -1, BYTES(0xd0), 0},
    {"delta nibble 14, one extension byte", 1, -1, -1, BYTES(0xe0, 0x01), 0},
    {"length nibble 13, extension missing", 1, -1, -1, BYTES(0x0d), 0},
    {"length nibble 14, one extension byte", 1, -1, -1, BYTES(0x0e, 0x01), 0},
    {"option value past the end", 1, -1, -1, BYTES(0xc5, 0x00, 0x00), 0},
    {"length 65535+269 announced", 1, -1, -1, BYTES(0x0e, 0xff, 0xff, 'x'), 0},
    {"payload marker without payload", 1, -1, -1, BYTES(0xff), 0},
    /* 2: 16-bit arithmetic */
    {"delta 65535+269", 2, -1, -1, BYTES(0xe0, 0xff, 0xff), 0},
    {"option numbers summing past 65535", 2, -1, -1, BYTES(0xe0, 0xfc, 0xdb, 0xe0, 0x02, 0xdb), 0},
    {"delta nibble 15", 2, -1, -1, BYTES(0xf1, 0x00), 0},
    {"length nibble 15", 2, -1, -1, BYTES(0x1f, 0x00), 0},
    /* 3: option numbers as indices: unknown critical options are rejected (§5.4.1) */
    {"critical option 65535", 3, -1, -1, BYTES(0xe1, 0xfe, 0xf2, 0x01), 0},
    {"critical option 2049", 3, -1, -1, BYTES(0xe1, 0x06, 0xf4, 0x01), 0},
    {"Block2 of 4 bytes", 3, -1, -1, BYTES(0xd4, 0x0a, 0x00, 0x00, 0x00, 0x16), 0},
    {"Block2 twice", 3, -1, -1, BYTES(0xd1, 0x0a, 0x06, 0x01, 0x16), 0},
    /* 4: zero-length cases */
    {"Empty message with a token", 4, -1, 0, NOBYTES, 0},
    {"Empty message with a payload", 4, 0, 0, BYTES(0xff, 'x'), 0},
    /* 5: error path after options that were fine */
    {"valid options, then a truncated one", 5, -1, -1,
     BYTES(0x41, 0xaa, 0xa1, 0x3c, 0x21, 0x2a, 0x15, 'x'), 0},
    /* 6: peer data that would not fit a fixed buffer */
    {"TKL 9", 6, 9, -1, NOBYTES, 9},
    {"TKL 12", 6, 12, -1, NOBYTES, 12},
    {"TKL 15", 6, 15, -1, NOBYTES, 15},
    {"RFC 8974 token of 40 bytes (TKL 13)", 6, 13, -1, BYTES(27), 40},
    {"RFC 8974 token of 269 bytes (TKL 14)", 6, 14, -1, BYTES(0, 0), 269},
    /* request codes and reserved classes where a response belongs */
    {"request code 0.01", 1, -1, 0x01, NOBYTES, 0},
    {"reserved class 7", 1, -1, 0xe1, NOBYTES, 0},
};

#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static size_t build_bad(uint8_t *out, size_t cap, const struct bad_case *c, uint8_t type,
			uint16_t mid, const struct peer_msg *req)
{
	size_t n = 0;
	uint8_t tkl = c->tkl < 0 ? req->tkl : (uint8_t)c->tkl;

	out[n++] = (uint8_t)(0x40 | (type << 4) | tkl);
	out[n++] = c->code < 0 ? COAP_RESPONSE_CODE_CONTENT : (uint8_t)c->code;
	out[n++] = (uint8_t)(mid >> 8);
	out[n++] = (uint8_t)mid;
	if (c->tkl < 0) {
		memcpy(out + n, req->token, req->tkl);
		n += req->tkl;
	}
	assert_true(n + c->tail_len + c->fill <= cap);
	if (c->tail_len > 0) {
		memcpy(out + n, c->tail, c->tail_len);
		n += c->tail_len;
	}
	memset(out + n, 'A', c->fill);
	return n + c->fill;
}

/*
 * Send every bad case as @p type to the request in s->req and check the
 * reaction: CON -> exactly one 4-byte RST with its MID; NON -> at most that
 * RST; ACK -> nothing. No callback, and the request stays open.
 */
static void reject_all(struct sys *s, uint8_t type)
{
	struct peer_msg *others = calloc(8, sizeof(*others));
	uint8_t *buf = malloc(2048);

	assert_non_null(others);
	assert_non_null(buf);
	for (size_t k = 0; k < N_BAD; k++) {
		const struct bad_case *c = &bad_cases[k];
		uint16_t mid = type == COAP_TYPE_ACK ? s->req.mid : peer_next_mid();
		size_t n = build_bad(buf, 2048, c, type, mid, &s->req);
		size_t n_others = 0;
		size_t rsts = 0;

		assert_int_equal(peer_send(&s->peer, &s->req.from, buf, n), 0);
		assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 8, &n_others), 0);
		for (size_t i = 0; i < n_others; i++) {
			/* Never more than a 4-byte RST: no token or option is echoed. */
			if (!peer_msg_is_empty(&others[i], COAP_TYPE_RESET, mid)) {
				print_message(
				    "class %d \"%s\" as type %u: unexpected reply type %u "
				    "code %u len %zu\n",
				    c->cls, c->name, type, others[i].type, others[i].code,
				    others[i].len);
				fail();
			}
			rsts++;
		}
		if (type == COAP_TYPE_CON && rsts != 1) {
			print_message("class %d \"%s\" as CON: %zu RSTs\n", c->cls, c->name, rsts);
			fail();
		}
		if (type == COAP_TYPE_ACK) {
			assert_int_equal(rsts, 0);
		}
		if (recorder_count(&s->rec) != 0) {
			print_message("class %d \"%s\" as type %u was delivered (code %d)\n",
				      c->cls, c->name, type, recorder_get(&s->rec, 0).code);
			fail();
		}
		assert_true(coap_client_has_ongoing_exchange(&s->client));
	}
	free(buf);
	free(others);
}

static void test_malformed_replies_to_con(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "hostile");

	sys_send(s, &req, &params);
	reject_all(s, COAP_TYPE_ACK);
	reject_all(s, COAP_TYPE_CON);
	reject_all(s, COAP_TYPE_NON_CON);
	/* Short datagrams and other versions: silently dropped (RFC 7252 §3). */
	for (size_t len = 0; len < 4; len++) {
		static const uint8_t b[4] = {0x40, 0x45, 0x12, 0x34};

		assert_int_equal(peer_send(&s->peer, &s->req.from, b, len), 0);
	}
	{
		uint8_t v0[4] = {0x00, 0x45, 0x12, 0x35};
		uint8_t v2[4] = {0x80, 0x45, 0x12, 0x36};

		assert_int_equal(peer_send(&s->peer, &s->req.from, v0, 4), 0);
		assert_int_equal(peer_send(&s->peer, &s->req.from, v2, 4), 0);
	}
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	/* The exchange is intact: the real response is delivered. */
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "good", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "good", true);
}

static void test_malformed_replies_to_non(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "hostile-non");

	sys_keeper(s);
	sys_send(s, &req, &params);
	reject_all(s, COAP_TYPE_CON);
	reject_all(s, COAP_TYPE_NON_CON);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "good", 4),
			 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "good", true);
}

/* ---- responses that must be accepted despite odd content -------------------------------- */

/* Send a piggybacked response with @p opts to a fresh GET and expect it delivered intact. */
static void accept_one(struct sys *s, const char *name, const struct peer_opt *opts, size_t n,
		       const uint8_t *payload, size_t len)
{
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "odd");
	size_t before = recorder_count(&s->rec);
	struct rec_event ev;

	print_message("accept: %s\n", name);
	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, opts, n, payload, len), 0);
	assert_true(recorder_wait(&s->rec, before + 1, RECORDER_WAIT_MS));
	ev = recorder_get(&s->rec, before);
	assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(ev.last_block);
	assert_int_equal(ev.len, len);
	if (len > 0) {
		assert_true(recorder_payload_is(&s->rec, before, payload, len));
	} else {
		assert_true(ev.payload_was_null);
	}
}

static void test_odd_but_valid_responses(void **state)
{
	struct sys *s = *state;
	static uint8_t long_val[300];
	static uint8_t zeros[8];
	struct peer_opt opts[PEER_MAX_OPTIONS];
	uint8_t payload[MAXMSG];
	size_t n;

	memset(long_val, 'L', sizeof(long_val));
	/* 3: unknown elective options are skipped whatever their number (§5.4.1). */
	opts[0] = (struct peer_opt){0, 1, long_val};
	opts[1] = (struct peer_opt){40, 1, long_val};
	opts[2] = (struct peer_opt){128, 1, long_val};
	opts[3] = (struct peer_opt){140, 0, NULL};
	opts[4] = (struct peer_opt){65534, 2, long_val};
	accept_one(s, "elective options 0, 40, 128, 140, 65534", opts, 5, (const uint8_t *)"ok", 2);

	/* 4 (CVE-2020-12885): a zero-length option repeated 500 times (or what fits). */
	{
		struct coap_transmission_parameters params = sys_slow_params();
		struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "zero");
		size_t before = recorder_count(&s->rec);
		size_t reps = MAXMSG - 16 < 500 ? MAXMSG - 16 : 500;

		sys_send(s, &req, &params);
		n = peer_build(payload, sizeof(payload), COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT,
			       s->req.mid, s->req.token, s->req.tkl, NULL, 0, NULL, 0);
		payload[n++] = 0x80;                 /* Location-Path (8), length 0 */
		memset(payload + n, 0x00, reps - 1); /* the same option again, delta 0 */
		n += reps - 1;
		payload[n++] = 0xff;
		payload[n++] = 'z';
		assert_int_equal(peer_send(&s->peer, &s->req.from, payload, n), 0);
		assert_true(recorder_wait(&s->rec, before + 1, RECORDER_WAIT_MS));
		sys_assert_event(&s->rec, before, COAP_RESPONSE_CODE_CONTENT, "z", true);
	}

	/* 6: out-of-range elective values are ignored, not copied (ETag 9/40 bytes, §5.4.3). */
	opts[0] = (struct peer_opt){COAP_OPTION_ETAG, 9, long_val};
	accept_one(s, "ETag of 9 bytes", opts, 1, (const uint8_t *)"e9", 2);
	if (MAXMSG > 120) {
		opts[0] = (struct peer_opt){COAP_OPTION_ETAG, 40, long_val};
		opts[1] = (struct peer_opt){COAP_OPTION_MAX_AGE, 5, zeros};
		opts[2] = (struct peer_opt){COAP_OPTION_OBSERVE, 4, zeros};
		opts[3] = (struct peer_opt){COAP_OPTION_SIZE2, 5, zeros};
		accept_one(s, "ETag 40, Max-Age 5, Observe 4, Size2 5 bytes", opts, 4,
			   (const uint8_t *)"ok", 2);
	}
	if (MAXMSG > 600) {
		opts[0] = (struct peer_opt){COAP_OPTION_LOCATION_PATH, 255, long_val};
		opts[1] = (struct peer_opt){COAP_OPTION_LOCATION_PATH, 255, long_val};
		accept_one(s, "Location-Path of 255 bytes, twice", opts, 2, (const uint8_t *)"lp",
			   2);
	}
	/* 7: payloads are bytes with a length, not C strings. */
	{
		static const uint8_t nuls[] = {'a', 0, 'b', 0, 0, 'c'};

		accept_one(s, "payload with NULs", NULL, 0, nuls, sizeof(nuls));
	}
	memset(payload, 0xff, sizeof(payload));
	accept_one(s, "payload of 0xff bytes", NULL, 0, payload, 17);
	/* Exactly fills the receive buffer: header 4 + token 8 + marker 1. */
	for (size_t i = 0; i < sizeof(payload); i++) {
		payload[i] = (uint8_t)('0' + i % 10);
	}
	accept_one(s, "payload filling the receive buffer", NULL, 0, payload, MAXMSG - 13);
}

/* ---- block-wise and observe values at their limits (classes 2, 4, 5, 6) ------------------- */

/* The next request the client sends (a block continuation or a resend): into s->req. */
static void next_req(struct sys *s)
{
	sys_recv_other(s, &s->other);
	s->req = s->other;
	assert_true(s->req.valid);
}

static void send_block2(struct sys *s, const struct peer_msg *req, uint32_t num, bool more,
			uint8_t szx, const uint8_t *etag, uint16_t etag_len, const uint8_t *payload,
			size_t len, int64_t size2)
{
	uint8_t b2[3];
	uint8_t sz[4];
	struct peer_opt opts[3];
	size_t n = 0;

	opts[n++] = (struct peer_opt){COAP_OPTION_BLOCK2, peer_block_value(b2, num, more, szx), b2};
	if (etag != NULL) {
		opts[n++] = (struct peer_opt){COAP_OPTION_ETAG, etag_len, etag};
	}
	if (size2 >= 0) {
		opts[n++] =
		    (struct peer_opt){COAP_OPTION_SIZE2, peer_uint_value(sz, (uint32_t)size2), sz};
	}
	assert_int_equal(
	    peer_reply(&s->peer, req, COAP_RESPONSE_CODE_CONTENT, opts, n, payload, len), 0);
}

static void expect_final(struct sys *s, size_t idx, int16_t code)
{
	struct rec_event ev;

	assert_true(recorder_wait(&s->rec, idx + 1, RECORDER_WAIT_MS));
	ev = recorder_get(&s->rec, idx);
	assert_int_equal(ev.code, code);
	assert_true(ev.last_block);
}

static void test_block_limits(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "blk");
	static const uint8_t etag20[20] = "twenty-byte-etag-xyz";
	uint8_t block[16];
	struct rec_event ev;

	memset(block, 'b', sizeof(block));
	/* 4 (CVE-2024-40493): a final block without payload; 6: a 20-byte ETag, ignored. */
	sys_send(s, &req, &params);
	send_block2(s, &s->req, 0, true, 0, etag20, sizeof(etag20), block, 16, -1);
	next_req(s);
	send_block2(s, &s->req, 1, false, 0, etag20, sizeof(etag20), NULL, 0, -1);
	expect_final(s, 1, COAP_RESPONSE_CODE_CONTENT);
	ev = recorder_get(&s->rec, 1);
	assert_int_equal(ev.offset, 16);
	assert_int_equal(ev.len, 0);
	assert_true(ev.payload_was_null);

	/* 4: an empty Block2 value is NUM 0, M 0, SZX 0 (RFC 7252 §3.2). */
	sys_send(s, &req, &params);
	{
		struct peer_opt o = {COAP_OPTION_BLOCK2, 0, NULL};

		assert_int_equal(
		    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &o, 1, block, 10), 0);
	}
	expect_final(s, 2, COAP_RESPONSE_CODE_CONTENT);

	/* 2: NUM 2^20-1 (offset ~1 GiB) where block 1 is due: refused, no arithmetic wrap. */
	sys_send(s, &req, &params);
	send_block2(s, &s->req, 0, true, 0, NULL, 0, block, 16, -1);
	next_req(s);
	send_block2(s, &s->req, (1U << 20) - 1, true, 6, NULL, 0, block, 16, -1);
	expect_final(s, 4, -EBADMSG);

	/* 2: Size2 of 2^32-1 on a one-block body: the size does not match, refused. */
	sys_send(s, &req, &params);
	send_block2(s, &s->req, 0, false, 0, NULL, 0, block, 5, 0xffffffffLL);
	expect_final(s, 5, -EBADMSG);

	/* 5: an error half way through a body ends the request with it; the client goes on. */
	sys_send(s, &req, &params);
	send_block2(s, &s->req, 0, true, 0, NULL, 0, block, 16, -1);
	next_req(s);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_NOT_FOUND, NULL, 0, "gone", 4), 0);
	expect_final(s, 7, COAP_RESPONSE_CODE_NOT_FOUND);

	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "fine", 4), 0);
	expect_final(s, 8, COAP_RESPONSE_CODE_CONTENT);
	assert_true(recorder_payload_is(&s->rec, 8, "fine", 4));
}

static void test_observe_limits(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "obs");
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	static const uint8_t max_age[4] = {0xff, 0xff, 0xff, 0xff};
	uint8_t seqv[4];
	struct peer_opt opts[2];
	struct coap_client_request pattern = {0};

	req.options = &obs;
	req.num_options = 1;
	sys_send(s, &req, &params);
	/* 2: Max-Age 2^32-1 s must not overflow the liveness deadline (RFC 7252 §5.10.5). */
	opts[0] = (struct peer_opt){COAP_OPTION_OBSERVE, peer_uint_value(seqv, 0xfffffe), seqv};
	opts[1] = (struct peer_opt){COAP_OPTION_MAX_AGE, 4, max_age};
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, opts, 2, "n1", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	/* Sequence numbers wrap at 2^24 (RFC 7641 §3.4): 0xffffff then 0 are both newer. */
	opts[0].len = peer_uint_value(seqv, 0xffffff);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, opts, 1, "n2", 2),
			 0);
	opts[0].len = peer_uint_value(seqv, 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, opts, 1, "n3", 2),
			 0);
	/* ... and 0xfffff0 is now older than 0: not delivered. */
	opts[0].len = peer_uint_value(seqv, 0xfffff0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, opts, 1, "stale", 5),
			 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 3);
	assert_true(recorder_payload_is(&s->rec, 1, "n2", 2));
	assert_true(recorder_payload_is(&s->rec, 2, "n3", 2));
	pattern.user_data = &s->rec;
	coap_client_cancel_request(&s->client, &pattern);
	expect_final(s, 3, -ECANCELED);
}

/* ---- Echo (RFC 9175 §2.2.1: 1..40 bytes) ------------------------------------------------- */

static void test_echo_lengths(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "echo");
	static uint8_t echo[1000];
	const size_t lens[] = {41, 255, 1000};
	struct peer_opt o;
	const struct peer_opt *got;

	memset(echo, 'E', sizeof(echo));
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t idx = recorder_count(&s->rec);

		if (lens[k] + 20 > MAXMSG) {
			continue;
		}
		/* 6: an over-long Echo is not a valid Echo: the 4.01 is the answer. */
		sys_send(s, &req, &params);
		o = (struct peer_opt){COAP_OPTION_ECHO, (uint16_t)lens[k], echo};
		assert_int_equal(
		    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_UNAUTHORIZED, &o, 1, NULL, 0),
		    0);
		expect_final(s, idx, COAP_RESPONSE_CODE_UNAUTHORIZED);
		/* ... and it is never sent back either. */
		sys_send(s, &req, &params);
		assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_ECHO), 0);
		assert_int_equal(
		    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, NULL, 0), 0);
		expect_final(s, idx + 1, COAP_RESPONSE_CODE_CONTENT);
	}
	/* 40 bytes is the most a server may send: resent with exactly that value (§2.3). */
	sys_send(s, &req, &params);
	o = (struct peer_opt){COAP_OPTION_ECHO, 40, echo};
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_UNAUTHORIZED, &o, 1, NULL, 0), 0);
	next_req(s);
	got = peer_msg_opt(&s->req, COAP_OPTION_ECHO, 0);
	assert_non_null(got);
	assert_int_equal(got->len, 40);
	assert_memory_equal(got->val, echo, 40);
	{
		size_t idx = recorder_count(&s->rec);

		assert_int_equal(
		    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "in", 2), 0);
		expect_final(s, idx, COAP_RESPONSE_CODE_CONTENT);
	}
}

/* ---- unsolicited datagrams -------------------------------------------------------------- */

/*
 * A piggybacked ACK (MID @p ack_mid), separate CON and NON responses with
 * @p token, and with @p empties also an RST and an Empty ACK for @p ack_mid.
 */
static void send_all_kinds(struct peer *from, const struct sockaddr_in *to, const uint8_t *token,
			   uint8_t tkl, uint16_t ack_mid, bool empties)
{
	uint8_t b[4] = {0x70, 0x00, (uint8_t)(ack_mid >> 8), (uint8_t)ack_mid};

	assert_int_equal(peer_send_msg(from, to, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, ack_mid,
				       token, tkl, NULL, 0, "spoof", 5),
			 0);
	assert_int_equal(peer_send_msg(from, to, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT,
				       peer_next_mid(), token, tkl, NULL, 0, "spoof", 5),
			 0);
	assert_int_equal(peer_send_msg(from, to, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT,
				       peer_next_mid(), token, tkl, NULL, 0, "spoof", 5),
			 0);
	if (empties) {
		assert_int_equal(peer_send(from, to, b, 4), 0);
		b[0] = 0x60;
		assert_int_equal(peer_send(from, to, b, 4), 0);
	}
}

/* RFC 7252 §5.3.2: only the request's endpoint may answer it -- never another port. */
static void test_other_port_never_accepted(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_params(300, 4);
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "spoofed");
	struct peer other;
	struct peer_msg *m = calloc(1, sizeof(*m));
	int retrans = 0;

	assert_non_null(m);
	assert_int_equal(peer_open(&other), 0);
	sys_send(s, &req, &params);
	/* The exact token and MID, from the server's address but another port. */
	send_all_kinds(&other, &s->req.from, s->req.token, s->req.tkl, s->req.mid, true);
	/* Neither the Empty ACK nor the RST stopped the request: it is retransmitted. */
	while (retrans == 0) {
		assert_int_equal(peer_recv(&s->peer, m, PEER_WAIT_MS), 0);
		if (m->valid && m->type == COAP_TYPE_CON && m->mid == s->req.mid) {
			retrans++;
		}
	}
	assert_int_equal(recorder_count(&s->rec), 0);
	/* The unknown CON/NON responses got RSTs -- sent to the other port, 4 bytes each. */
	for (int got = 0; got < 2;) {
		assert_int_equal(peer_recv(&other, m, PEER_WAIT_MS), 0);
		assert_true(m->valid && m->type == COAP_TYPE_RESET && m->len == 4);
		got++;
	}
	assert_false(peer_pending(&other));
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "real", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "real", true);
	peer_close(&other);
	free(m);
}

/* Guessed tokens from the right endpoint: accepted only when they are the token. */
static void test_guessed_tokens(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "guess");
	uint8_t guess[8];

	sys_send(s, &req, &params);
	assert_int_equal(s->req.tkl, 8);
	/*
	 * With the request's MID: its first 4 bytes (a 4-byte token guess), the
	 * empty token, the token with one bit flipped, and all zeros.
	 */
	send_all_kinds(&s->peer, &s->req.from, s->req.token, 4, s->req.mid, false);
	send_all_kinds(&s->peer, &s->req.from, NULL, 0, s->req.mid, false);
	memcpy(guess, s->req.token, 8);
	guess[7] ^= 1;
	send_all_kinds(&s->peer, &s->req.from, guess, 8, s->req.mid, false);
	memset(guess, 0, sizeof(guess));
	send_all_kinds(&s->peer, &s->req.from, guess, 8, s->req.mid, false);
	/* The right token with the wrong MID is not a piggybacked response (§5.3.2). */
	assert_int_equal(peer_send_msg(&s->peer, &s->req.from, COAP_TYPE_ACK,
				       COAP_RESPONSE_CODE_CONTENT, (uint16_t)(s->req.mid + 1),
				       s->req.token, 8, NULL, 0, "mid", 3),
			 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_true(coap_client_has_ongoing_exchange(&s->client));
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "real", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "real", true);
}

/* Tokens: 8 bytes, distinct, every byte position well spread (RFC 7252 §5.3.1). */
static void test_token_entropy(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	enum { N = 256 };
	uint8_t(*tok)[8] = calloc(N, 8);
	struct coap_client_request pattern = {0};

	assert_non_null(tok);
	pattern.user_data = &s->rec;
	for (int i = 0; i < N; i++) {
		struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "t");

		req.cb = NULL; /* 256 cancellations: nothing to record */
		sys_send(s, &req, &params);
		assert_int_equal(s->req.tkl, 8);
		memcpy(tok[i], s->req.token, 8);
		coap_client_cancel_request(&s->client, &pattern);
		for (int j = 0; j < i; j++) {
			assert_memory_not_equal(tok[i], tok[j], 8);
		}
	}
	for (int pos = 0; pos < 8; pos++) {
		bool seen[256] = {false};
		int distinct = 0;

		for (int i = 0; i < N; i++) {
			distinct += !seen[tok[i][pos]];
			seen[tok[i][pos]] = true;
		}
		/* 256 uniform draws give ~162 distinct values; a counter or a constant far fewer.
		 */
		assert_true(distinct > 100);
	}
	free(tok);
}

/* ---- flood ------------------------------------------------------------------------------- */

#define FLOOD_N     20000
#define FLOOD_LEGIT 10

struct flood {
	struct sys *s;
	struct sockaddr_in client_addr;
	atomic_bool done;
	atomic_ulong sent;
	uint64_t seed;
};

static void *flood_main(void *arg)
{
	struct flood *fl = arg;
	struct robust_rng rng;
	int junk = robust_udp_socket();
	uint8_t buf[1600];

	robust_rng_init(&rng, fl->seed);
	for (int i = 0; i < FLOOD_N && junk >= 0; i++) {
		uint64_t r = robust_rng_next(&rng);
		uint8_t tok[8];
		size_t n = 0;
		/* Three in four from another port; the rest from the server's own socket. */
		bool own = (r & 3U) == 0;
		int fd = own ? fl->s->peer.fd : junk;
		unsigned int kind = (unsigned int)((r >> 2) % 8U);

		memcpy(tok, &r, sizeof(tok));
		switch (kind) {
		case 0: /* random bytes, short */
		case 1: /* random bytes, up to larger than the receive buffer */
			n = (size_t)((r >> 8) % (kind == 0 ? 64U : sizeof(buf)));
			for (size_t k = 0; k < n; k++) {
				buf[k] = (uint8_t)robust_rng_next(&rng);
			}
			if (own && n > 0) {
				buf[0] = 0x80; /* version 2: never a guess at a real message */
			}
			break;
		case 2: /* CON response with a random token: answered with RST */
		case 3: /* NON response with a random token */
		case 4: /* ACK with a random token and MID */
			n = peer_build(buf, sizeof(buf),
				       kind == 2 ? COAP_TYPE_CON
						 : (kind == 3 ? COAP_TYPE_NON_CON : COAP_TYPE_ACK),
				       COAP_RESPONSE_CODE_CONTENT, (uint16_t)(r >> 16), tok, 8,
				       NULL, 0, "junk", 4);
			break;
		case 5: /* CON ping */
			n = peer_build(buf, sizeof(buf), COAP_TYPE_CON, 0, (uint16_t)(r >> 16),
				       NULL, 0, NULL, 0, NULL, 0);
			break;
		default: /* RST / Empty ACK with a random MID: only from the other port */
			n = peer_build(buf, sizeof(buf),
				       kind == 6 ? COAP_TYPE_RESET : COAP_TYPE_ACK, 0,
				       (uint16_t)(r >> 16), NULL, 0, NULL, 0, NULL, 0);
			fd = junk;
			break;
		}
		(void)sendto(fd, buf, n, 0, (const struct sockaddr *)&fl->client_addr,
			     sizeof(fl->client_addr));
		atomic_fetch_add(&fl->sent, 1);
	}
	if (junk >= 0) {
		close(junk);
	}
	atomic_store(&fl->done, true);
	return NULL;
}

static atomic_ulong flood_rx;

static void count_rx(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	(void)data;
	(void)len;
	(void)user_data;
	if (!outgoing) {
		atomic_fetch_add(&flood_rx, 1);
	}
}

static double thread_cpu_s(pthread_t t)
{
	clockid_t cid;
	struct timespec ts;

	if (pthread_getcpuclockid(t, &cid) != 0 || clock_gettime(cid, &ts) != 0) {
		return -1.0;
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One GET answered by the peer, whatever else arrives meanwhile (bounded). */
static void legit_exchange(struct sys *s, int k, struct coap_transmission_parameters *params,
			   struct peer_msg *m)
{
	char path[24];
	char want[24];
	struct coap_client_request req;
	int64_t deadline = robust_now_us() + 30 * 1000000LL;

	snprintf(path, sizeof(path), "legit/%d", k);
	snprintf(want, sizeof(want), "legit-%d", k);
	req = sys_request(s, COAP_METHOD_GET, true, path);
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &req, params), 0);
	/* Answer every copy of the request (the flood may cost some) until it is done. */
	while (recorder_count(&s->rec) < (size_t)k + 1) {
		char got[32];

		assert_true(robust_now_us() < deadline);
		if (peer_recv(&s->peer, m, 100) != 0 || !m->valid || m->code != COAP_METHOD_GET ||
		    strcmp(peer_msg_path(m, got, sizeof(got)), path) != 0) {
			continue;
		}
		assert_int_equal(peer_reply(&s->peer, m, COAP_RESPONSE_CODE_CONTENT, NULL, 0, want,
					    strlen(want)),
				 0);
	}
	sys_assert_event(&s->rec, (size_t)k, COAP_RESPONSE_CODE_CONTENT, want, true);
}

static void test_junk_flood(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_params(100, 8);
	struct flood fl = {.s = s, .seed = robust_seed(0xF100D)};
	socklen_t alen = sizeof(fl.client_addr);
	struct peer_msg *m = calloc(1, sizeof(*m));
	pthread_t th;
	double cpu0;
	double cpu1;
	unsigned long rx;

	assert_non_null(m);
	assert_int_equal(getsockname(s->sock, (struct sockaddr *)&fl.client_addr, &alen), 0);
	atomic_store(&flood_rx, 0);
	assert_int_equal(zcoap_client_set_trace(&s->client, count_rx, NULL), 0);
	/* The client reads its socket only while a request is open: keep one open. */
	sys_keeper(s);
	cpu0 = thread_cpu_s(zc_posix_thread_id(&s->client.priv.thread));
	assert_int_equal(pthread_create(&th, NULL, flood_main, &fl), 0);
	for (int k = 0; k < FLOOD_LEGIT; k++) {
		legit_exchange(s, k, &params, m);
	}
	pthread_join(th, NULL);
	/* One more exchange after the flood; the keeper is still open and got nothing. */
	legit_exchange(s, FLOOD_LEGIT, &params, m);
	cpu1 = thread_cpu_s(zc_posix_thread_id(&s->client.priv.thread));
	rx = atomic_load(&flood_rx);
	assert_true(coap_client_has_ongoing_exchange(&s->client));
	assert_int_equal(recorder_count(&s->rec), FLOOD_LEGIT + 1);
	assert_int_equal(recorder_count(&s->keeper_rec), 0);
	print_message("flood: %lu junk datagrams sent, %lu datagrams received by the client, "
		      "client thread CPU %.3f s = %.2f us per datagram\n",
		      atomic_load(&fl.sent), rx, cpu1 - cpu0,
		      rx > 0 ? (cpu1 - cpu0) * 1e6 / (double)rx : 0.0);
	assert_int_equal(zcoap_client_set_trace(&s->client, NULL, NULL), 0);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_malformed_replies_to_con, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_replies_to_non, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_odd_but_valid_responses, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_block_limits, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_observe_limits, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_echo_lengths, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_other_port_never_accepted, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_guessed_tokens, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_token_entropy, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_junk_flood, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
