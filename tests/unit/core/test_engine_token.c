/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_token.c -- the application's own token (coap_client_request
 * .token/.token_len, a zcoap extension; the tool's -T) on the fake clock:
 * which messages carry it, which get fresh tokens, and the checks at
 * admission (length, uniqueness among the requests in flight). Also the
 * other request extension of the tool's issue 17: a body without
 * Content-Format (no_content_format, the tool's -t none).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "fake_io.h"

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
static int u2;

static void set_token(struct coap_client_request *r, const char *tok)
{
	r->token_len = (uint8_t)strlen(tok);
	memcpy(r->token, tok, r->token_len);
}

static void assert_token(const struct fk_msg *m, const char *tok)
{
	assert_int_equal(m->tkl, strlen(tok));
	assert_memory_equal(m->token, tok, m->tkl);
}

/* The request and its retransmission carry the token; the answer to it is delivered. */
static void test_token_sent_and_matched(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "t", &u1);
	struct fk_msg m, m2;

	set_token(&r, "ab");
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	assert_token(&m, "ab");
	assert_true(fk_step(f)); /* retransmission: same MID and token */
	fk_sent_msg(f, 1, &m2);
	assert_int_equal(m2.mid, m.mid);
	assert_token(&m2, "ab");
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "x", 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "x", 1, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

/* A separate response is matched by the (short) token alone. */
static void test_token_separate_response(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "t", &u1);
	struct fk_msg m, resp;

	set_token(&r, "z");
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_empty_ack(f, m.mid);
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x7001);
	fk_msg_payload(&resp, "sep", 3);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "sep", 3, 0, true, true);
}

/* Longer than 8 bytes, or on a ping: -EINVAL; nothing is sent. */
static void test_token_invalid(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "t", &u1);
	struct coap_client_request ping = fk_req((enum coap_method)COAP_CODE_EMPTY, true, "", &u1);

	r.token_len = 9;
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	set_token(&ping, "p");
	assert_int_equal(fk_submit(f, &ping, NULL), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
	assert_false(zc_engine_busy(&f->eng));
}

/* The same token twice in flight: -EEXIST; once the first has ended, it may be used again. */
static void test_token_in_use_eexist(void **state)
{
	struct fk *f = *state;
	struct coap_client_request a = fk_req(COAP_METHOD_GET, true, "a", &u1);
	struct coap_client_request b = fk_req(COAP_METHOD_GET, true, "b", &u2);
	struct coap_client_request c = fk_req(COAP_METHOD_GET, true, "c", &u2);
	struct fk_msg m;

	set_token(&a, "12345678");
	set_token(&b, "12345678");
	set_token(&c, "1234567"); /* a prefix is another token (RFC 7252 §5.3.1) */
	assert_int_equal(fk_submit(f, &a, NULL), 0);
	assert_int_equal(fk_submit(f, &b, NULL), -EEXIST);
#if ZCOAP_CONFIG_MAX_REQUESTS >= 2
	assert_int_equal(fk_submit(f, &c, NULL), 0);
	assert_int_equal(fk_nsent(f), 2);
#endif
	fk_sent_msg(f, 0, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), ZCOAP_CONFIG_MAX_REQUESTS >= 2 ? 1 : 0);
	assert_int_equal(fk_submit(f, &b, NULL), 0);
}

/* A token the library chose for a request in flight cannot be taken either. */
static void test_token_library_token_in_use(void **state)
{
	struct fk *f = *state;
	struct coap_client_request a = fk_req(COAP_METHOD_GET, true, "a", &u1);
	struct coap_client_request b = fk_req(COAP_METHOD_GET, true, "b", &u2);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &a, NULL), 0);
	fk_sent_msg(f, 0, &m);
	assert_int_equal(m.tkl, 8);
	b.token_len = 8;
	memcpy(b.token, m.token, 8);
	assert_int_equal(fk_submit(f, &b, NULL), -EEXIST);
}

/* Block2: the request carries the token, each continuation a fresh 8-byte one. */
static void test_token_block2_continuation_fresh(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", &u1);
	uint8_t block[16];
	struct fk_msg m, resp;

	memset(block, 'b', sizeof(block));
	set_token(&r, "tok");
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_last_msg(f, &m);
	assert_token(&m, "tok");
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(0, true, 0));
	fk_msg_payload(&resp, block, sizeof(block));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), 2);
	fk_last_msg(f, &m);
	assert_int_equal(m.tkl, 8);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(1, false, 0));
	fk_msg_payload(&resp, block, 4);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 2);
	assert_true(fk_ev(f, 1)->last_block);
	assert_false(zc_engine_busy(&f->eng));
}

/* Block1: the first block carries the token, the next blocks fresh ones. */
static void test_token_block1_first_block_only(void **state)
{
	struct fk *f = *state;
	struct coap_client_option b1 = {.code = COAP_OPTION_BLOCK1, .len = 1, .value = {0}};
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "up", &u1);
	uint8_t body[40];
	struct fk_msg m, resp;

	memset(body, 'u', sizeof(body));
	r.payload = body;
	r.len = sizeof(body);
	r.options = &b1;
	r.num_options = 1;
	set_token(&r, "up1");
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_last_msg(f, &m);
	assert_token(&m, "up1");
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTINUE, m.mid);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, fk_block(0, true, 0));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), 2);
	fk_last_msg(f, &m);
	assert_int_equal(m.tkl, 8);
	assert_false(m.tkl == 3 && memcmp(m.token, "up1", 3) == 0);
}

/* An observation: registration and deregistration carry the token, notifications match it. */
static void test_token_observe_register_deregister(void **state)
{
	struct fk *f = *state;
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 0};
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "obs", &u1);
	struct fk_msg m, resp;
	uint32_t v;

	r.options = &obs;
	r.num_options = 1;
	r.observe_liveness = ZCOAP_OBSERVE_WAIT;
	set_token(&r, "ob");
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	assert_token(&m, "ob");
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid);
	fk_msg_opt_uint(&resp, COAP_OPTION_OBSERVE, 2);
	fk_msg_payload(&resp, "1", 1);
	fk_deliver_msg(f, &resp);
	/* a NON notification with the token */
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x6002);
	fk_msg_opt_uint(&resp, COAP_OPTION_OBSERVE, 3);
	fk_msg_payload(&resp, "2", 1);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 2);
	/* a second request cannot take the registration's token */
	{
		struct coap_client_request b = fk_req(COAP_METHOD_GET, true, "b", &u2);

		set_token(&b, "ob");
		assert_int_equal(fk_submit(f, &b, NULL), -EEXIST);
	}
	assert_int_equal(fk_deregister(f, &r), 0);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 1);
	assert_token(&m, "ob");
}

/* ---- no_content_format ---- */

/* A body without Content-Format; by default (and with fmt 0) the option is there. */
static void test_no_content_format(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "p", &u1);
	struct fk_msg m;
	uint32_t cf = 99;

	r.payload = (const uint8_t *)"hi";
	r.len = 2;
	r.fmt = COAP_CONTENT_FORMAT_APP_JSON;
	r.no_content_format = true;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_CONTENT_FORMAT), 0);
	assert_int_equal(m.payload_len, 2);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CHANGED, NULL, 0);
	r.no_content_format = false;
	r.fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 1, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_CONTENT_FORMAT, &cf));
	assert_int_equal(cf, 0);
}

/* Every block of a Block1 upload goes without it. */
static void test_no_content_format_blockwise(void **state)
{
	struct fk *f = *state;
	struct coap_client_option b1 = {.code = COAP_OPTION_BLOCK1, .len = 1, .value = {0}};
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "up", &u1);
	uint8_t body[40];
	struct fk_msg m, resp;

	memset(body, 'u', sizeof(body));
	r.payload = body;
	r.len = sizeof(body);
	r.options = &b1;
	r.num_options = 1;
	r.no_content_format = true;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	for (uint32_t i = 0; i < 3; i++) {
		fk_last_msg(f, &m);
		assert_int_equal(fk_opt_count(&m, COAP_OPTION_CONTENT_FORMAT), 0);
		assert_true(m.payload_len > 0);
		fk_msg_reply(&resp, &m, COAP_TYPE_ACK,
			     i < 2 ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED,
			     m.mid);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, fk_block(i, i < 2, 0));
		fk_deliver_msg(f, &resp);
	}
	assert_int_equal(fk_nsent(f), 3);
	/* two 2.31 Continue, then the final 2.04 */
	assert_int_equal(fk_nev(f), 3);
	assert_true(fk_ev(f, 2)->last_block);
	assert_int_equal(fk_ev(f, 2)->code, COAP_RESPONSE_CODE_CHANGED);
	assert_false(zc_engine_busy(&f->eng));
}

/* Random bytes by script: draw i fills the buffer with script_bytes[i]. */
static const uint8_t script_bytes[] = {0x11, 0x11, 0x22, 0x33};
static size_t script_draws;
static size_t script_lens[8];

static void scripted_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_true(script_draws < sizeof(script_bytes));
	script_lens[script_draws] = len;
	memset(buf, script_bytes[script_draws++], len);
}

/*
 * RFC 7252 §5.3.1: a library token that a request in flight already uses is
 * drawn again -- also on the fast path of a plain request (submit.c), which
 * skips the comparison only when no other request is in flight. Two plain
 * requests (CON with the default parameters: token and jitter in one draw
 * of 12 bytes); the second's first draw repeats the first's token.
 */
static void test_token_library_redrawn_on_collision(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r1 = fk_req(COAP_METHOD_GET, true, "a", &u1);
	struct coap_client_request r2 = fk_req(COAP_METHOD_GET, true, "b", &u2);
	struct fk_msg m1;
	struct fk_msg m2;
	static const uint8_t tok1[8] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
	static const uint8_t tok2[8] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};

	script_draws = 0;
	f->io.random = scripted_random;
	assert_int_equal(fk_submit(f, &r1, NULL), 0);
	assert_int_equal(script_draws, 1); /* alone: no comparison, no second draw */
	assert_int_equal(script_lens[0], 12);
	assert_int_equal(fk_submit(f, &r2, NULL), 0);
	assert_int_equal(script_draws, 3);
	assert_int_equal(script_lens[1], 12);
	assert_int_equal(script_lens[2], 8); /* only the token again */
	fk_sent_msg(f, 0, &m1);
	fk_sent_msg(f, 1, &m2);
	assert_int_equal(m1.tkl, 8);
	assert_int_equal(m2.tkl, 8);
	assert_memory_equal(m1.token, tok1, 8);
	assert_memory_equal(m2.token, tok2, 8);
	/* Each response finds its own request. */
	fk_reply_ack(f, &m2, COAP_RESPONSE_CODE_CONTENT, "2", 1);
	assert_int_equal(fk_nev(f), 1);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u2);
	fk_reply_ack(f, &m1, COAP_RESPONSE_CODE_CONTENT, "1", 1);
	assert_int_equal(fk_nev(f), 2);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &u1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_token_sent_and_matched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_separate_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_invalid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_in_use_eexist, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_library_token_in_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_library_redrawn_on_collision, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_token_block2_continuation_fresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_block1_first_block_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_observe_register_deregister, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_no_content_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_content_format_blockwise, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
