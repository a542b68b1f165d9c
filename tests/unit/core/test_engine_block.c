/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_block.c -- block-wise transfers (RFC 7959) on the engine with a
 * fake clock and transport: Block1 uploads with a Request-Tag (RFC 9175
 * §3), server-driven block size changes (RFC 7959 §2.3, §2.5), and the
 * basic Block2 checks (SZX 7, offsets, short blocks, ETag changes). Tests
 * named after a Zephyr test case (tests/net/lib/coap_client) say so.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_io.h"

#define BS ZCOAP_CONFIG_BLOCK_SIZE

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

static int sem2;

static uint8_t *make_body(size_t len)
{
	uint8_t *b = malloc(len);

	assert_non_null(b);
	for (size_t i = 0; i < len; i++) {
		b[i] = (uint8_t)(i * 7 + i / 251);
	}
	return b;
}

/* Answer decoded block request @p m with @p code and a Block1 option. */
static void block1_reply(struct fk *f, const struct fk_msg *m, uint8_t code, uint32_t b1)
{
	struct fk_msg resp;

	fk_msg_reply(&resp, m, COAP_TYPE_ACK, code, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
	fk_deliver_msg(f, &resp);
}

struct seen {
	uint16_t mids[256];
	uint8_t tokens[256][8];
	size_t n;
};

/* Each block is a new message: its MID and token were never used before. */
static void assert_fresh(struct seen *s, const struct fk_msg *m)
{
	for (size_t i = 0; i < s->n; i++) {
		assert_int_not_equal(s->mids[i], m->mid);
		assert_memory_not_equal(s->tokens[i], m->token, 8);
	}
	assert_true(s->n < 256);
	assert_int_equal(m->tkl, 8);
	s->mids[s->n] = m->mid;
	memcpy(s->tokens[s->n], m->token, 8);
	s->n++;
}

/* Zephyr test_send_large_data: a body above MESSAGE_SIZE goes out in Block1 blocks. */
static void test_send_large_data(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_POST, true, "test", &sem2);
	/* Zephyr's 445-byte LOREM_IPSUM_SHORT fits its 256-byte profile only */
	size_t total = ZCOAP_CONFIG_MESSAGE_SIZE == 256 ? 445 : ZCOAP_CONFIG_MESSAGE_SIZE + 421;
	size_t nblocks = (total + BS - 1) / BS;
	uint8_t *body = make_body(total);
	uint8_t tag[8];
	struct seen seen = {.n = 0};
	size_t off = 0;

	r.payload = body;
	r.len = total;
	r.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (size_t i = 0; i < nblocks; i++) {
		struct fk_msg m;
		const struct fk_opt *o;
		uint32_t b1 = 0, size1 = 0, cf = 99;
		size_t chunk = total - off < BS ? total - off : BS;
		bool last = i + 1 == nblocks;
		char path[16];

		assert_int_equal(fk_nsent(f), i + 1 + (i == 0 ? 0 : 1));
		fk_last_msg(f, &m);
		assert_int_equal(m.type, COAP_TYPE_CON);
		assert_int_equal(m.code, COAP_METHOD_POST);
		fk_msg_path(&m, path, sizeof(path));
		assert_string_equal(path, "test");
		assert_true(fk_opt_uint(&m, COAP_OPTION_CONTENT_FORMAT, &cf));
		assert_int_equal(cf, COAP_CONTENT_FORMAT_APP_OCTET_STREAM);
		assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
		assert_int_equal(b1, fk_block((uint32_t)i, !last, fk_local_szx()));
		o = fk_opt_get(&m, COAP_OPTION_REQUEST_TAG, 0);
		assert_non_null(o);
		assert_int_equal(o->len, 8);
		if (i == 0) {
			memcpy(tag, o->val, 8);
			assert_true(fk_opt_uint(&m, COAP_OPTION_SIZE1, &size1));
			assert_int_equal(size1, total);
		} else {
			assert_memory_equal(o->val, tag, 8);
			if (fk_opt_uint(&m, COAP_OPTION_SIZE1, &size1)) {
				assert_int_equal(size1, total);
			}
		}
		assert_int_equal(m.payload_len, chunk);
		assert_memory_equal(m.payload, body + off, chunk);
		assert_fresh(&seen, &m);

		if (i == 0) {
			/* a lost block is retransmitted as it was */
			fk_tick(f, f->now + 1000);
			assert_int_equal(fk_nsent(f), 2);
			assert_memory_equal(fk_sent(f, 1)->buf, fk_sent(f, 0)->buf,
					    fk_sent(f, 0)->len);
		}
		off += chunk;
		block1_reply(f, &m, last ? COAP_RESPONSE_CODE_CHANGED : COAP_RESPONSE_CODE_CONTINUE,
			     fk_block((uint32_t)i, !last, fk_local_szx()));
		assert_int_equal(fk_nev(f), i + 1);
		if (last) {
			fk_assert_response(fk_ev(f, i), COAP_RESPONSE_CODE_CHANGED, NULL, 0, off,
					   true, true);
		} else {
			fk_assert_response(fk_ev(f, i), COAP_RESPONSE_CODE_CONTINUE, NULL, 0, off,
					   false, false);
		}
		assert_ptr_equal(fk_ev(f, i)->user_data, &sem2);
	}
	assert_int_equal(off, total);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, f->now + 1000000);
	assert_int_equal(fk_nsent(f), nblocks + 1);
	assert_int_equal(fk_nev(f), nblocks);
	free(body);
}

/* A body of exactly MESSAGE_SIZE bytes still goes in one message. */
static void test_block1_not_needed(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "test", NULL);
	uint8_t *body = make_body(ZCOAP_CONFIG_MESSAGE_SIZE);
	struct fk_msg m;

	r.payload = body;
	r.len = ZCOAP_CONFIG_MESSAGE_SIZE;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_BLOCK1), 0);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_REQUEST_TAG), 0);
	assert_int_equal(m.payload_len, ZCOAP_CONFIG_MESSAGE_SIZE);
	assert_memory_equal(m.payload, body, ZCOAP_CONFIG_MESSAGE_SIZE);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CHANGED, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_ev(f, 0)->code, COAP_RESPONSE_CODE_CHANGED);
	assert_true(fk_ev(f, 0)->final);
	free(body);
}

/* RFC 7959 §2.3: the server's smaller Block1 SZX is used from the next block on. */
static void test_block1_szx_renegotiation(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "test", NULL);
	size_t total = 2 * BS + 500;
	uint8_t *body = make_body(total);
	uint8_t szx = fk_local_szx();
	uint8_t small = (uint8_t)(szx - 2);
	size_t q = BS / 4;
	size_t off, ev = 1;
	uint32_t num = 4;
	struct fk_msg m;
	uint32_t b1 = 0;
	uint8_t tag[8];

	r.payload = body;
	r.len = total;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	assert_int_equal(b1, fk_block(0, true, szx));
	assert_int_equal(m.payload_len, BS);
	memcpy(tag, fk_opt_get(&m, COAP_OPTION_REQUEST_TAG, 0)->val, 8);
	/* the server takes the first block but wants a quarter of the size */
	block1_reply(f, &m, COAP_RESPONSE_CODE_CONTINUE, fk_block(0, true, small));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTINUE, NULL, 0, BS, false, false);

	/* e.g. 1024 bytes went as NUM 0 SZX 6; next is NUM 4 SZX 4 = bytes 1024..1279 */
	for (off = BS; off < total; num++) {
		size_t chunk = total - off < q ? total - off : q;
		bool last = off + chunk == total;
		const struct fk_opt *o;

		fk_last_msg(f, &m);
		assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
		assert_int_equal(b1, fk_block(num, !last, small));
		assert_int_equal(m.payload_len, chunk);
		assert_memory_equal(m.payload, body + off, chunk);
		o = fk_opt_get(&m, COAP_OPTION_REQUEST_TAG, 0);
		assert_non_null(o);
		assert_memory_equal(o->val, tag, 8);
		off += chunk;
		block1_reply(f, &m, last ? COAP_RESPONSE_CODE_CHANGED : COAP_RESPONSE_CODE_CONTINUE,
			     fk_block(num, !last, small));
		assert_int_equal(fk_nev(f), ev + 1);
		assert_int_equal(fk_ev(f, ev)->offset, off);
		assert_int_equal(fk_ev(f, ev)->last_block, last);
		assert_int_equal(fk_ev(f, ev)->final, last);
		ev++;
	}
	assert_int_equal(fk_ev(f, ev - 1)->code, COAP_RESPONSE_CODE_CHANGED);
	assert_false(zc_engine_busy(&f->eng));
	free(body);
}

/* 4.xx/5.xx on an intermediate block ends the upload (RFC 7959 §2.9.3). */
static void test_block1_error_midway(void **state)
{
	static const uint8_t codes[] = {COAP_RESPONSE_CODE_REQUEST_TOO_LARGE,
					COAP_RESPONSE_CODE_INTERNAL_ERROR};

	for (size_t c = 0; c < sizeof(codes); c++) {
		struct fk *f = fk_new();
		struct coap_transmission_parameters p = fk_params();
		struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "test", NULL);
		size_t total = 2 * BS + 10;
		uint8_t *body = make_body(total);
		struct fk_msg m;

		r.payload = body;
		r.len = total;
		assert_int_equal(fk_submit(f, &r, &p), 0);
		fk_last_msg(f, &m);
		fk_reply_ack(f, &m, codes[c], "err", 3);
		assert_int_equal(fk_nev(f), 1);
		assert_int_equal(fk_ev(f, 0)->code, codes[c]);
		assert_true(fk_ev(f, 0)->last_block);
		assert_true(fk_ev(f, 0)->final);
		assert_false(zc_engine_busy(&f->eng));
		fk_run_until(f, 1000000);
		assert_int_equal(fk_nsent(f), 1);
		assert_int_equal(fk_nev(f), 1);
		free(body);
		fk_free(f);
	}
	(void)state;
}

/* ---- Block2 ---- */

static void block2_reply(struct fk *f, const struct fk_msg *req, uint32_t b2, const uint8_t *data,
			 size_t len, const char *etag)
{
	struct fk_msg resp;

	fk_msg_reply(&resp, req, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, b2);
	if (etag != NULL) {
		fk_msg_opt(&resp, COAP_OPTION_ETAG, etag, strlen(etag));
	}
	fk_msg_payload(&resp, data, len);
	fk_deliver_msg(f, &resp);
}

static struct coap_client_request get_big(void)
{
	static const struct coap_client_option accept = {COAP_OPTION_ACCEPT, 1, {42}};
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big?q=1", NULL);

	r.options = &accept;
	r.num_options = 1;
	return r;
}

/* The follow-up GET for block @p num of size @p szx. */
static void assert_block2_request(const struct fk *f, const struct fk_msg *prev, uint32_t num,
				  uint8_t szx, struct fk_msg *m)
{
	uint32_t b2 = 0, acc = 0;
	char path[32];

	fk_last_msg(f, m);
	assert_int_equal(m->type, COAP_TYPE_CON);
	assert_int_equal(m->code, COAP_METHOD_GET);
	assert_true(fk_opt_uint(m, COAP_OPTION_BLOCK2, &b2));
	assert_int_equal(b2, fk_block(num, false, szx));
	fk_msg_path(m, path, sizeof(path));
	assert_string_equal(path, "big?q=1");
	assert_true(fk_opt_uint(m, COAP_OPTION_ACCEPT, &acc));
	assert_int_equal(acc, 42);
	assert_int_equal(fk_opt_count(m, COAP_OPTION_OBSERVE), 0);
	assert_false(m->has_payload);
	assert_int_not_equal(m->mid, prev->mid);
	assert_memory_not_equal(m->token, prev->token, 8);
}

static void test_block2_basic(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = get_big();
	/* a final block shorter than a block (300 bytes when blocks are 1024) */
	const size_t tail = BS > 300 ? 300 : BS / 2;
	uint8_t *body = make_body(BS + tail);
	struct fk_msg m0, m1;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m0);
	block2_reply(f, &m0, fk_block(0, true, fk_local_szx()), body, BS, "E1");
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, body, BS, 0, false, false);
	assert_int_equal(fk_nsent(f), 2);
	assert_block2_request(f, &m0, 1, fk_local_szx(), &m1);
	/* the follow-up is retransmitted like any CON */
	fk_tick(f, 1000);
	assert_int_equal(fk_nsent(f), 3);
	assert_memory_equal(fk_sent(f, 2)->buf, fk_sent(f, 1)->buf, fk_sent(f, 1)->len);
	block2_reply(f, &m1, fk_block(1, false, fk_local_szx()), body + BS, tail, "E1");
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, body + BS, tail, BS, true,
			   true);
	assert_int_equal(fk_ev(f, 0)->serial, fk_ev(f, 1)->serial);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), 3);
	free(body);
}

/* RFC 7959 §2.4: the server's smaller SZX is followed, also when it changes mid-transfer. */
static void test_block2_smaller_szx(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = get_big();
	uint8_t s = (uint8_t)(fk_local_szx() - 2);
	uint8_t s2 = (uint8_t)(s - 1);
	size_t q = (size_t)16 << s;
	uint8_t *body = make_body(2 * q);
	struct fk_msg m0, m1, m2;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m0);
	block2_reply(f, &m0, fk_block(0, true, s), body, q, NULL);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, body, q, 0, false, false);
	assert_block2_request(f, &m0, 1, s, &m1);
	/* asked for NUM 1 of size q; the server answers with half blocks: NUM 2 is offset q */
	block2_reply(f, &m1, fk_block(2, true, s2), body + q, q / 2, NULL);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, body + q, q / 2, q, false,
			   false);
	assert_block2_request(f, &m1, 3, s2, &m2);
	block2_reply(f, &m2, fk_block(3, false, s2), body + q + q / 2, 10, NULL);
	assert_int_equal(fk_nev(f), 3);
	fk_assert_response(fk_ev(f, 2), COAP_RESPONSE_CODE_CONTENT, body + q + q / 2, 10, q + q / 2,
			   true, true);
	assert_false(zc_engine_busy(&f->eng));
	free(body);
}

/* Run one inconsistent transfer; @p bad_second: the fault is in the second block. */
static void run_block2_reject(uint32_t first_b2, size_t first_len, const char *etag0,
			      bool bad_second, uint32_t second_b2, size_t second_len,
			      const char *etag1)
{
	struct fk *f = fk_new();
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = get_big();
	uint8_t *body = make_body(4 * BS);
	struct fk_msg m0, m1;
	size_t sent;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m0);
	block2_reply(f, &m0, first_b2, body, first_len, etag0);
	if (bad_second) {
		assert_int_equal(fk_nev(f), 1);
		assert_int_equal(fk_ev(f, 0)->code, COAP_RESPONSE_CODE_CONTENT);
		assert_false(fk_ev(f, 0)->final);
		fk_last_msg(f, &m1);
		block2_reply(f, &m1, second_b2, body + BS, second_len, etag1);
	}
	/* the bad block is never delivered: one -EBADMSG ends the request */
	assert_int_equal(fk_nev(f), bad_second ? 2 : 1);
	fk_assert_error(fk_ev(f, fk_nev(f) - 1), -EBADMSG);
	assert_false(zc_engine_busy(&f->eng));
	sent = fk_nsent(f);
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), sent);
	assert_int_equal(fk_nev(f), bad_second ? 2 : 1);
	free(body);
	fk_free(f);
}

static void test_block2_rejects(void **state)
{
	uint8_t szx = fk_local_szx();

	/* SZX 7 is reserved (RFC 7959 §2.2), in the first or a later block */
	run_block2_reject(fk_block(0, true, 7), BS, NULL, false, 0, 0, NULL);
	run_block2_reject(fk_block(0, true, szx), BS, NULL, true, fk_block(1, true, 7), BS, NULL);
	/* not the block that was asked for (NUM 1 expected) */
	run_block2_reject(fk_block(0, true, szx), BS, NULL, true, fk_block(2, true, szx), BS, NULL);
	run_block2_reject(fk_block(0, true, szx), BS, NULL, true, fk_block(0, true, szx), BS, NULL);
	/* a non-final block shorter than its size */
	run_block2_reject(fk_block(0, true, szx), BS - 1, NULL, false, 0, 0, NULL);
	run_block2_reject(fk_block(0, true, szx), BS, NULL, true, fk_block(1, true, szx), 10, NULL);
	/* the representation changed between blocks (RFC 7959 §2.4) */
	run_block2_reject(fk_block(0, true, szx), BS, "A1", true, fk_block(1, false, szx), 5, "B2");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_send_large_data),
	    T(test_block1_not_needed),
	    T(test_block1_szx_renegotiation),
	    T(test_block1_error_midway),
	    T(test_block2_basic),
	    T(test_block2_smaller_szx),
	    T(test_block2_rejects),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
