/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_exchange.c -- issue 14 on the fake clock: long option values
 * (ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN), No-Response (RFC 7967) and the other
 * kinds of exchange of docs/design/exchanges.md.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
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

/* ---- long option values (issue 14 point 4) ---- */

/* A 255-byte Uri-Host (RFC 7252 §5.10.1's limit) and a long Proxy-Uri go out intact. */
static void test_long_options_sent(void **state)
{
#if MAX_COAP_CLIENT_OPTION_LEN < 255
	(void)state;
	skip(); /* the constrained profile keeps Zephyr's 12-byte option values */
#else
	struct fk *f = *state;
	static struct coap_client_option opts[2];
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "", &u1);
	const struct fk_opt *o;
	struct fk_msg m;
	size_t proxy_len = MAX_COAP_CLIENT_OPTION_LEN;

	memset(opts, 0, sizeof(opts));
	opts[0].code = COAP_OPTION_URI_HOST;
	opts[0].len = 255;
	memset(opts[0].value, 'h', 255);
	opts[1].code = COAP_OPTION_PROXY_URI;
	opts[1].len = (uint16_t)proxy_len;
	memcpy(opts[1].value, "coap://", 7);
	memset(opts[1].value + 7, 'p', proxy_len - 7);
	r.options = opts;
	r.num_options = 2;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	o = fk_opt_get(&m, COAP_OPTION_URI_HOST, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 255);
	assert_memory_equal(o->val, opts[0].value, 255);
	o = fk_opt_get(&m, COAP_OPTION_PROXY_URI, 0);
	assert_non_null(o);
	assert_int_equal(o->len, proxy_len);
	assert_memory_equal(o->val, opts[1].value, proxy_len);
	/* and the retransmission too (the copy in the slot is what is sent) */
	memset(opts, 0, sizeof(opts));
	assert_true(fk_step(f));
	fk_sent_msg(f, 1, &m);
	o = fk_opt_get(&m, COAP_OPTION_URI_HOST, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 255);
	assert_int_equal(o->val[254], 'h');
#endif
}

/* An option value longer than MAX_COAP_CLIENT_OPTION_LEN is -EINVAL, and nothing is sent. */
static void test_option_too_long_einval(void **state)
{
	struct fk *f = *state;
	static struct coap_client_option opt;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "x", &u1);

	memset(&opt, 0, sizeof(opt));
	opt.code = COAP_OPTION_URI_HOST;
	opt.len = MAX_COAP_CLIENT_OPTION_LEN + 1;
	r.options = &opt;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
	assert_false(zc_engine_busy(&f->eng));
	opt.len = MAX_COAP_CLIENT_OPTION_LEN;
	assert_int_not_equal(fk_submit(f, &r, NULL), -EINVAL);
}

/* Options that together cannot fit in a message: -ENOSPC, slot free again. */
static void test_options_too_many_bytes_enospc(void **state)
{
	struct fk *f = *state;
	static struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "x", &u1);
	size_t total = 0;

	memset(opts, 0, sizeof(opts));
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_EXTRA_OPTIONS; i++) {
		opts[i].code = COAP_OPTION_URI_QUERY;
		opts[i].len = MAX_COAP_CLIENT_OPTION_LEN;
		memset(opts[i].value, 'q', MAX_COAP_CLIENT_OPTION_LEN);
		total += MAX_COAP_CLIENT_OPTION_LEN;
	}
	r.options = opts;
	r.num_options = ZCOAP_CONFIG_MAX_EXTRA_OPTIONS;
	if (total + 4 + 8 + 2 <= MAX_COAP_MSG_LEN) {
		skip(); /* every option at its largest fits in a message in this build */
	}
	assert_int_equal(fk_submit(f, &r, NULL), -ENOSPC);
	assert_int_equal(fk_nsent(f), 0);
	assert_false(zc_engine_busy(&f->eng));
}

/* ---- No-Response (RFC 7967, issue 14 point 2) ---- */

/* The end of a request that got no response and wanted none: (0, 0, NULL, 0, true), no packet. */
static void assert_noresp_done(const struct fk_event *e)
{
	assert_ptr_equal(e->cb, fk_cb);
	assert_int_equal(e->code, 0);
	assert_int_equal(e->offset, 0);
	assert_true(e->payload_null);
	assert_int_equal(e->len, 0);
	assert_true(e->last_block);
	assert_true(e->final);
	assert_false(e->has_packet);
}

/* A request with one No-Response option of value @p v. */
static struct coap_client_request noresp_req(bool con, uint8_t v, struct coap_client_option *opt)
{
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, con, "led", &u1);

	memset(opt, 0, sizeof(*opt));
	opt->code = COAP_OPTION_NO_RESPONSE;
	opt->len = 1;
	opt->value[0] = v;
	r.options = opt;
	r.num_options = 1;
	r.payload = (const uint8_t *)"1";
	r.len = 1;
	return r;
}

/* NON, every class suppressed (26): done once sent, result 0, no response info. */
static void test_noresp_non_all_completes_at_once(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(false, COAP_NO_RESPONSE_SUPPRESS_ALL, &opt);
	struct fk_msg m;
	const struct fk_opt *o;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	assert_int_equal(fk_nsent(f), 1);
	fk_sent_msg(f, 0, &m);
	o = fk_opt_get(&m, COAP_OPTION_NO_RESPONSE, 0);
	assert_non_null(o);
	assert_int_equal(o->val[0], 26);
	/* never from the submitting call: the client thread's next tick ends it */
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_next(f), 0);
	assert_true(fk_step(f));
	assert_int_equal(f->now, 0);
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), 1);
}

/* CON, every class suppressed: done when the Empty ACK comes, with result 0. */
static void test_noresp_con_all_completes_on_ack(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(true, COAP_NO_RESPONSE_SUPPRESS_ALL, &opt);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	assert_int_equal(m.type, COAP_TYPE_CON);
	/* not before the server has it: a retransmission still goes out */
	assert_true(fk_step(f));
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_nev(f), 0);
	fk_empty_ack(f, m.mid);
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
	assert_false(zc_engine_busy(&f->eng));
}

/* CON, every class suppressed, but the server answers anyway: that answer is delivered. */
static void test_noresp_con_all_response_delivered(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(true, COAP_NO_RESPONSE_SUPPRESS_ALL, &opt);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CHANGED, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CHANGED, NULL, 0, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

/* NON suppressing 2.xx only: silence until the end of the window is success (0). */
static void test_noresp_non_some_silence_is_success(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = noresp_req(false, COAP_NO_RESPONSE_SUPPRESS_2_XX, &opt);

	assert_int_equal(fk_submit(f, &r, &p), 0);
	assert_true(fk_next(f) > 0);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), 1);
}

/* NON suppressing 2.xx: a 4.04 that does come is the result, at once. */
static void test_noresp_non_some_other_class_delivered(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(false, COAP_NO_RESPONSE_SUPPRESS_2_XX, &opt);
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_NOT_FOUND, 0x4242);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_NOT_FOUND, NULL, 0, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

/* CON suppressing 4.xx and 5.xx, Empty ACK, no separate response: 0 when the wait ends. */
static void test_noresp_con_some_separate_silence(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r =
	    noresp_req(true, COAP_NO_RESPONSE_SUPPRESS_4_XX | COAP_NO_RESPONSE_SUPPRESS_5_XX, &opt);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_empty_ack(f, m.mid);
	assert_int_equal(fk_nev(f), 0);
	assert_true(zc_engine_busy(&f->eng));
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
	assert_false(zc_engine_busy(&f->eng));
}

/* Without an ACK the server never got it: still -ETIMEDOUT, No-Response or not. */
static void test_noresp_con_unacked_times_out(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(true, COAP_NO_RESPONSE_SUPPRESS_ALL, &opt);

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	while (fk_step(f)) {
	}
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

/* No-Response 0 (interested in everything) changes nothing: silence is -ETIMEDOUT. */
static void test_noresp_zero_is_plain(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(false, 0, &opt);

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

/* An observation with No-Response keeps its normal rules (it wants notifications). */
static void test_noresp_ignored_for_observe(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opts[2];
	struct coap_client_request r = fk_req(COAP_METHOD_GET, false, "obs", &u1);

	memset(opts, 0, sizeof(opts));
	opts[0].code = COAP_OPTION_OBSERVE;
	opts[0].len = 0;
	opts[1].code = COAP_OPTION_NO_RESPONSE;
	opts[1].len = 1;
	opts[1].value[0] = COAP_NO_RESPONSE_SUPPRESS_ALL;
	r.options = opts;
	r.num_options = 2;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

/* ---- overall deadline (issue 14 point 5) ---- */

/* A CON request whose retransmissions outlast deadline_ms ends with -ETIMEDOUT at the deadline. */
static void test_deadline_cuts_retransmissions(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params(); /* 1 s, 3 s, 7 s, 15 s, 31 s */
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "slow", &u1);

	r.deadline_ms = 5000;
	f->now = 100;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_run_until(f, 5099);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 3); /* at 100, 1100, 3100 */
	assert_int_equal(fk_next(f), 5100);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), 3);
}

/* After an Empty ACK the deadline, not the 247 s separate-response wait, ends it. */
static void test_deadline_cuts_separate_wait(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "later", &u1);
	struct fk_msg m;

	r.deadline_ms = 30000;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_empty_ack(f, m.mid);
	assert_int_equal(fk_next(f), 30000);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
	assert_false(zc_engine_busy(&f->eng));
}

/* The deadline covers every block of a download: it ends one in the middle. */
static void test_deadline_covers_all_blocks(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", &u1);
	uint8_t block[16];
	struct fk_msg m, resp;

	memset(block, 'b', sizeof(block));
	r.deadline_ms = 2500;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (int i = 0; i < 2; i++) {
		fk_last_msg(f, &m);
		f->now += 1000;
		fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block((uint32_t)i, true, 0));
		fk_msg_payload(&resp, block, sizeof(block));
		fk_deliver_msg(f, &resp);
	}
	/* two blocks delivered at 1000 and 2000; the third is asked for, then the deadline */
	assert_int_equal(fk_nev(f), 2);
	assert_false(fk_ev(f, 1)->last_block);
	assert_int_equal(fk_next(f), 2500);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 3);
	fk_assert_error(fk_ev(f, 2), -ETIMEDOUT);
	assert_false(zc_engine_busy(&f->eng));
}

/* An answer before the deadline ends the request; nothing fires later. */
static void test_deadline_met(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "ok", &u1);
	struct fk_msg m;

	r.deadline_ms = 1;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "x", 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "x", 1, 0, true, true);
	assert_int_equal(fk_next(f), ZC_NO_DEADLINE);
}

/* An observation: the deadline covers the registration only. */
static void test_deadline_observe_registration_only(void **state)
{
	struct fk *f = *state;
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 0};
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "obs", &u1);
	struct fk_msg m, resp;

	r.options = &obs;
	r.num_options = 1;
	r.deadline_ms = 1000;
	r.observe_liveness = ZCOAP_OBSERVE_WAIT;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid);
	fk_msg_opt_uint(&resp, COAP_OPTION_OBSERVE, 2);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	assert_false(fk_ev(f, 0)->final);
	/* registered: no timer at all any more, the observation lives on */
	assert_int_equal(fk_next(f), ZC_NO_DEADLINE);
	fk_tick(f, 100000);
	assert_int_equal(fk_nev(f), 1);
	assert_true(zc_engine_busy(&f->eng));
}

/* With No-Response, a deadline that passes after delivery is success, before it -ETIMEDOUT. */
static void test_deadline_with_no_response(void **state)
{
	struct fk *f = *state;
	struct coap_client_option opt;
	struct coap_client_request r = noresp_req(false, COAP_NO_RESPONSE_SUPPRESS_2_XX, &opt);

	r.deadline_ms = 500;
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	assert_int_equal(fk_next(f), 500);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
}

/* ---- CoAP ping (RFC 7252 §4.3, issue 14 point 5) ---- */

static struct coap_client_request ping_req(void)
{
	return fk_req((enum coap_method)COAP_CODE_EMPTY, true, "", &u1);
}

/* An Empty CON goes out; the RST is the answer: result 0 with the RST as the packet. */
static void test_ping_rst(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = ping_req();
	const struct fk_sent *sent;
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	sent = fk_sent(f, 0);
	assert_int_equal(sent->len, 4);
	fk_sent_msg(f, 0, &m);
	assert_int_equal(m.type, COAP_TYPE_CON);
	assert_int_equal(m.code, COAP_CODE_EMPTY);
	assert_int_equal(m.tkl, 0);
	/* retransmitted like any CON until answered */
	assert_true(fk_step(f));
	assert_int_equal(fk_nsent(f), 2);
	assert_memory_equal(fk_sent(f, 1)->buf, sent->buf, 4);
	fk_rst(f, m.mid);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_ev(f, 0)->code, 0);
	assert_true(fk_ev(f, 0)->last_block);
	assert_true(fk_ev(f, 0)->final);
	assert_true(fk_ev(f, 0)->payload_null);
	assert_true(fk_ev(f, 0)->has_packet);
	assert_true(fk_ev(f, 0)->info_ok);
	assert_int_equal(fk_ev(f, 0)->info_retransmissions, 1);
	assert_int_equal(fk_ev(f, 0)->info_code, COAP_CODE_EMPTY);
	assert_false(fk_ev(f, 0)->info_source_null);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), 2); /* the RST is not answered */
}

/* An Empty ACK (some servers) counts as the answer too. */
static void test_ping_empty_ack(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = ping_req();
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_empty_ack(f, m.mid);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_ev(f, 0)->code, 0);
	assert_true(fk_ev(f, 0)->final);
	assert_false(zc_engine_busy(&f->eng));
}

/* No answer: -ETIMEDOUT after the last retransmission; an RST for another MID changes nothing. */
static void test_ping_timeout(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = ping_req();
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_rst(f, (uint16_t)(m.mid + 1));
	assert_int_equal(fk_nev(f), 0);
	while (fk_step(f)) {
	}
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
	assert_int_equal(fk_nsent(f), 5); /* the ping and 4 retransmissions */
}

/* A response without a token is not the ping's: it is rejected and the ping goes on. */
static void test_ping_ignores_tokenless_response(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = ping_req();
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_msg_init(&resp, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x1111, NULL, 0);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 0);
	assert_true(fk_is_rst(fk_sent(f, fk_nsent(f) - 1), 0x1111));
	/* a piggybacked "answer" with the ping's MID is not one either */
	fk_msg_init(&resp, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid, NULL, 0);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 0);
	assert_true(zc_engine_busy(&f->eng));
	fk_rst(f, m.mid);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_ev(f, 0)->code, 0);
}

/* A pending Echo value (RFC 9175 §2.3) is not used up by a ping, which cannot carry it. */
static void test_ping_keeps_echo(void **state)
{
	struct fk *f = *state;
	struct coap_client_request get = fk_req(COAP_METHOD_GET, true, "e", &u1);
	struct coap_client_request ping = ping_req();
	static const uint8_t echo[4] = {1, 2, 3, 4};
	const struct fk_opt *o;
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &get, NULL), 0);
	fk_sent_msg(f, 0, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid);
	fk_msg_opt(&resp, COAP_OPTION_ECHO, echo, sizeof(echo));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_submit(f, &ping, NULL), 0);
	fk_last_msg(f, &m);
	fk_rst(f, m.mid);
	assert_int_equal(fk_submit(f, &get, NULL), 0);
	fk_last_msg(f, &m);
	o = fk_opt_get(&m, COAP_OPTION_ECHO, 0);
	assert_non_null(o);
	assert_memory_equal(o->val, echo, sizeof(echo));
}

/* A ping is an Empty CON and nothing else. */
static void test_ping_invalid(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = ping_req();
	struct coap_client_option opt = {.code = COAP_OPTION_ACCEPT, .len = 0};

	r.confirmable = false;
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	r = ping_req();
	r.path = "x";
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	r = ping_req();
	r.options = &opt;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	r = ping_req();
	r.payload = (const uint8_t *)"x";
	r.len = 1;
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
}

/* ---- multicast (RFC 7252 §8, issue 14 point 1) ---- */

#define GROUP4 "224.0.1.187"

static struct coap_client_request mc_req(uint32_t window)
{
	struct coap_client_request r = fk_req(COAP_METHOD_GET, false, ".well-known/core", &u1);

	r.multicast_timeout_ms = window;
	return r;
}

static int mc_submit(struct fk *f, const struct coap_client_request *r)
{
	struct sockaddr_in g = fk_addr4(GROUP4, 5683);

	return fk_submit_to(f, f->sock, (const struct sockaddr *)&g, sizeof(g), r, NULL);
}

/* Zephyr's test_multicast_confirmable_rejected, and the other admission rules. */
static void test_multicast_admission(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = mc_req(1000);
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 0};
	struct sockaddr_in6 g6;

	r.confirmable = true;
	assert_int_equal(mc_submit(f, &r), -EINVAL);
	r = mc_req(0); /* a group needs a window */
	assert_int_equal(mc_submit(f, &r), -EINVAL);
	r = mc_req(1000); /* a window needs a group */
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	assert_int_equal(fk_submit_to(f, f->sock, NULL, 0, &r, NULL), -EINVAL);
	r.options = &obs; /* no observation of a group */
	r.num_options = 1;
	assert_int_equal(mc_submit(f, &r), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
	assert_false(zc_engine_busy(&f->eng));
	/* IPv6 ff00::/8 is a group too */
	memset(&g6, 0, sizeof(g6));
	g6.sin6_family = AF_INET6;
	g6.sin6_port = htons(5683);
	assert_int_equal(inet_pton(AF_INET6, "ff02::fd", &g6.sin6_addr), 1);
	r = mc_req(0);
	assert_int_equal(
	    fk_submit_to(f, f->sock, (const struct sockaddr *)&g6, sizeof(g6), &r, NULL), -EINVAL);
	r = mc_req(500);
	assert_int_equal(
	    fk_submit_to(f, f->sock, (const struct sockaddr *)&g6, sizeof(g6), &r, NULL), 0);
	assert_int_equal(fk_nsent(f), 1);
}

/* Zephyr's test_multicast_get_responses: each answer, from its responder, then the end. */
static void test_multicast_responses(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = mc_req(2000);
	struct sockaddr_in g = fk_addr4(GROUP4, 5683);
	struct sockaddr_in a = fk_addr4("192.0.2.11", 5683);
	struct sockaddr_in b = fk_addr4("192.0.2.12", 5683);
	struct fk_msg m, resp;
	size_t sent;

	assert_int_equal(mc_submit(f, &r), 0);
	fk_sent_msg(f, 0, &m);
	assert_int_equal(m.type, COAP_TYPE_NON_CON);
	assert_true(fk_sent_to(f, 0, (const struct sockaddr *)&g));
	sent = fk_nsent(f);
	/* same MID and token from both (independent MID spaces): both count */
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x7777);
	fk_msg_payload(&resp, "a", 1);
	fk_deliver_msg_from(f, (const struct sockaddr *)&a, sizeof(a), &resp);
	fk_msg_payload(&resp, "b", 1);
	fk_deliver_msg_from(f, (const struct sockaddr *)&b, sizeof(b), &resp);
	/* a 4.04 from a responder is an answer too */
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_NOT_FOUND, 0x7778);
	fk_deliver_msg_from(f, (const struct sockaddr *)&b, sizeof(b), &resp);
	assert_int_equal(fk_nev(f), 3);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "a", 1, 0, false, false);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, "b", 1, 0, false, false);
	fk_assert_response(fk_ev(f, 2), COAP_RESPONSE_CODE_NOT_FOUND, NULL, 0, 0, false, false);
	assert_memory_equal(&((const struct sockaddr_in *)&fk_ev(f, 0)->info_source)->sin_addr,
			    &a.sin_addr, 4);
	assert_memory_equal(&((const struct sockaddr_in *)&fk_ev(f, 1)->info_source)->sin_addr,
			    &b.sin_addr, 4);
	/* nothing is sent back: no RST, no ACK */
	assert_int_equal(fk_nsent(f), sent);
	/* the window ends: (0, 0, NULL, 0, true) with no response info, and the slot is free */
	assert_int_equal(fk_next(f), 2000);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 4);
	assert_noresp_done(fk_ev(f, 3));
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), sent);
}

/* Zephyr's test_multicast_con_response_rejected (and an RST, and block-wise): dropped silently. */
static void test_multicast_dropped(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = mc_req(1000);
	struct sockaddr_in a = fk_addr4("192.0.2.11", 5683);
	struct fk_msg m, resp;
	uint8_t rst[4] = {0x70, 0, 0, 0};

	assert_int_equal(mc_submit(f, &r), 0);
	fk_sent_msg(f, 0, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x1234);
	fk_deliver_msg_from(f, (const struct sockaddr *)&a, sizeof(a), &resp);
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x1235);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(0, true, 0));
	fk_msg_payload(&resp, "0123456789abcdef", 16);
	fk_deliver_msg_from(f, (const struct sockaddr *)&a, sizeof(a), &resp);
	rst[2] = (uint8_t)(m.mid >> 8);
	rst[3] = (uint8_t)m.mid;
	fk_deliver_from(f, f->sock, (const struct sockaddr *)&a, sizeof(a), rst, 4);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 1);
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
}

/*
 * A member's answer with a critical option we do not know (RFC 7252 §5.4.1),
 * CON or NON: dropped like the other unusable answers, never reset -- an
 * RST would tell that member to forget us (found by fuzz_client).
 */
static void test_multicast_critical_option_dropped(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = mc_req(1000);
	struct sockaddr_in a = fk_addr4("192.0.2.12", 5683);
	struct fk_msg m, resp;

	assert_int_equal(mc_submit(f, &r), 0);
	fk_sent_msg(f, 0, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x2234);
	fk_msg_opt(&resp, 9, "", 0); /* OSCORE: critical, unknown to the library */
	fk_deliver_msg_from(f, (const struct sockaddr *)&a, sizeof(a), &resp);
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x2235);
	fk_msg_opt(&resp, 2049, "x", 1);
	fk_deliver_msg_from(f, (const struct sockaddr *)&a, sizeof(a), &resp);
	/* a malformed one (option delta nibble 15, RFC 7252 §3.1), and one cut short */
	{
		uint8_t bad[4 + 8 + 2] = {(uint8_t)(0x40 | m.tkl), COAP_RESPONSE_CODE_CONTENT, 0x22,
					  0x37};

		assert_int_equal(m.tkl, 8);
		memcpy(bad + 4, m.token, 8);
		bad[12] = 0xF1;
		bad[13] = 0x00;
		fk_deliver_from(f, f->sock, (const struct sockaddr *)&a, sizeof(a), bad,
				sizeof(bad));
	}
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x2238);
	fk_msg_opt(&resp, COAP_OPTION_ETAG, "abcd", 4);
	fk_msg_payload(&resp, "xyz", 3);
	fk_deliver_trunc_from(f, (const struct sockaddr *)&a, sizeof(a), &resp, 4 + 8 + 3);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 1);
	/* the same answer to an unknown token still gets its RST */
	fk_msg_init(&resp, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x2236,
		    (const uint8_t *)"zzzzzzzz", 8);
	fk_msg_opt(&resp, 9, "", 0);
	fk_deliver_msg_from(f, (const struct sockaddr *)&a, sizeof(a), &resp);
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_rst(fk_sent(f, 1), 0x2236));
	assert_true(fk_step(f));
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
}

/* Zephyr's test_multicast_get_timeout: no answer at all is not an error. */
static void test_multicast_silence(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = mc_req(1500);

	assert_int_equal(mc_submit(f, &r), 0);
	assert_true(fk_step(f));
	assert_int_equal(f->now, 1500);
	assert_int_equal(fk_nev(f), 1);
	assert_noresp_done(fk_ev(f, 0));
	assert_int_equal(fk_nsent(f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_long_options_sent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_option_too_long_einval, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_options_too_many_bytes_enospc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_non_all_completes_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_con_all_completes_on_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_con_all_response_delivered, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_non_some_silence_is_success, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_non_some_other_class_delivered, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_con_some_separate_silence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_con_unacked_times_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_zero_is_plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noresp_ignored_for_observe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_cuts_retransmissions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_cuts_separate_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_covers_all_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_met, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_observe_registration_only, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_with_no_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_rst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_empty_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_ignores_tokenless_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_invalid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_keeps_echo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multicast_admission, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multicast_responses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multicast_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multicast_silence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multicast_critical_option_dropped, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
