/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_separate.c -- separate responses (RFC 7252 §5.2.2), replies
 * to the right endpoint, and the Echo option (RFC 9175 §2), on the engine
 * with a fake clock and transport. Tests named after a Zephyr test case
 * (tests/net/lib/coap_client) say so in their comment.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int u1, u2;
static const uint8_t testing[] = "testing";
static const char echo_value[] = "echo_value";

static struct coap_client_request short_request(void *ud)
{
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "test", ud);

	r.payload = testing;
	r.len = 7;
	return r;
}

/* Deliver a separate response (CON/NON) with @p req's token and server MID @p mid. */
static void separate(struct fk *f, const struct fk_msg *req, uint8_t type, uint16_t mid,
		     uint8_t code, const char *payload)
{
	struct fk_msg resp;

	fk_msg_reply(&resp, req, type, code, mid);
	if (payload != NULL) {
		fk_msg_payload(&resp, payload, strlen(payload));
	}
	fk_deliver_msg(f, &resp);
}

/* Zephyr test_separate_response: Empty ACK, then a CON response that is ACKed. */
static void test_separate_response(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	f->eng.separate_timeout_ms = 6000;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	f->now = 100;
	fk_empty_ack(f, m.mid);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 1);
	assert_true(zc_engine_busy(&f->eng));
	/* no more retransmissions: only the separate-response timer */
	assert_int_equal(fk_next(f), 100 + 6000);
	fk_run_until(f, 2000);
	assert_int_equal(fk_nsent(f), 1);

	separate(f, &m, COAP_TYPE_CON, 0x1234, COAP_RESPONSE_CODE_CONTENT, "sep");
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x1234));
	assert_true(fk_sent_to(f, 1, SRV));
	assert_int_equal(fk_sent(f, 1)->sock, 0);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "sep", 3, 0, true, true);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	assert_false(zc_engine_busy(&f->eng));

	/* the server did not get our ACK and sends the response again */
	f->now = 4000;
	separate(f, &m, COAP_TYPE_CON, 0x1234, COAP_RESPONSE_CODE_CONTENT, "sep");
	assert_int_equal(fk_nsent(f), 3);
	assert_true(fk_is_empty_ack(fk_sent(f, 2), 0x1234));
	assert_true(fk_sent_to(f, 2, SRV));
	assert_int_equal(fk_nev(f), 1);
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_nsent(f), 3);
}

/* Zephyr test_separate_response_lost: no response after the Empty ACK -> -ETIMEDOUT. */
static void test_separate_response_lost(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;
	int64_t d;

	assert_int_equal(f->eng.separate_timeout_ms, ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS);
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	f->now = 50;
	fk_empty_ack(f, m.mid);
	d = fk_next(f);
	assert_int_equal(d, 50 + (int64_t)ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS);
	fk_run_until(f, d - 1);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 1);
	fk_run_until(f, d);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
	assert_false(zc_engine_busy(&f->eng));

	/* a shorter configured wait */
	f->eng.separate_timeout_ms = 6000;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_tick(f, f->now + 10);
	fk_empty_ack(f, m.mid);
	d = f->now + 6000;
	assert_int_equal(fk_next(f), d);
	fk_run_until(f, d - 1);
	assert_int_equal(fk_nev(f), 1);
	fk_run_until(f, d);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -ETIMEDOUT);
}

/* Zephyr test_separate_response_ack_fail: the ACK cannot be sent -> that errno. */
static void test_separate_response_ack_fail(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	fk_script(f, -ENETDOWN, 1);
	separate(f, &m, COAP_TYPE_CON, 0x2345, COAP_RESPONSE_CODE_CONTENT, "x");
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x2345));
	assert_int_equal(fk_sent(f, 1)->result, -ENETDOWN);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ENETDOWN);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nev(f), 1);
}

static void test_separate_non_response(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	separate(f, &m, COAP_TYPE_NON_CON, 0x3456, COAP_RESPONSE_CODE_CONTENT, "non");
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "non", 3, 0, true, true);
}

/* An Empty ACK with another MID does not stop the retransmissions. */
static void test_empty_ack_wrong_mid(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, (uint16_t)(m.mid ^ 0x0100));
	assert_int_equal(fk_next(f), 1000);
	fk_tick(f, 1000);
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_nev(f), 0);
}

/* A CON response may overtake the Empty ACK (RFC 7252 §5.2.2): it acts as the ACK. */
static void test_con_response_before_empty_ack(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	f->now = 300;
	separate(f, &m, COAP_TYPE_CON, 0x4567, COAP_RESPONSE_CODE_CONTENT, "early");
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x4567));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "early", 5, 0, true, true);
	/* the late Empty ACK changes nothing; nothing is retransmitted */
	fk_empty_ack(f, m.mid);
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_nev(f), 1);
}

/* Zephyr test_separate_response_connected: NULL destination on every send. */
static void test_separate_response_connected(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, resp;
	uint8_t buf[FK_MAX_DGRAM];
	uint8_t eack[4];
	size_t len;

	assert_int_equal(fk_submit_to(f, 0, NULL, 0, &r, &p), 0);
	fk_tick(f, 1000); /* one retransmission */
	fk_last_msg(f, &m);
	eack[0] = 0x60;
	eack[1] = 0;
	eack[2] = (uint8_t)(m.mid >> 8);
	eack[3] = (uint8_t)m.mid;
	fk_deliver_from(f, 0, NULL, 0, eack, 4);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x5678);
	len = fk_encode(&resp, buf, sizeof(buf));
	fk_deliver_from(f, 0, NULL, 0, buf, len);
	assert_int_equal(fk_nsent(f), 3);
	assert_true(fk_is_empty_ack(fk_sent(f, 2), 0x5678));
	for (size_t i = 0; i < fk_nsent(f); i++) {
		assert_true(fk_sent(f, i)->addr_null);
		assert_int_equal(fk_sent(f, i)->addrlen, 0);
		assert_int_equal(fk_sent(f, i)->sock, 0);
	}
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_true(fk_ev(f, 0)->info_source_null);
}

/* Zephyr test_separate_response_reply_to_source: the ACK goes to the datagram's source. */
static void test_separate_response_reply_to_source(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	separate(f, &m, COAP_TYPE_CON, 0x6789, COAP_RESPONSE_CODE_CONTENT, "s");
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x6789));
	assert_false(fk_sent(f, 1)->addr_null);
	assert_int_equal(fk_sent(f, 1)->addrlen, sizeof(struct sockaddr_in));
	assert_true(fk_sent_to(f, 1, SRV));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "s", 1, 0, true, true);
}

/*
 * Zephyr test_separate_response_req_addr_no_src: the transport reports no
 * source; the ACK then goes to the request's address.
 */
static void test_separate_response_req_addr_no_src(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, resp;
	uint8_t buf[FK_MAX_DGRAM];
	size_t len;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x789A);
	len = fk_encode(&resp, buf, sizeof(buf));
	fk_deliver_from(f, 0, NULL, 0, buf, len);
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x789A));
	assert_false(fk_sent(f, 1)->addr_null);
	assert_int_equal(fk_sent(f, 1)->addrlen, sizeof(struct sockaddr_in));
	assert_true(fk_sent_to(f, 1, SRV));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
}

/* Zephyr test_echo_option: 4.01 + Echo -> immediate resend with Echo, 4.01 not delivered. */
static void test_echo_option(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, m2, resp;
	const struct fk_opt *o;
	char path[32];

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_ECHO), 0);
	f->now = 40;
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_UNAUTHORIZED, 0);
	fk_msg_opt(&resp, COAP_OPTION_ECHO, echo_value, strlen(echo_value));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 2);
	fk_sent_msg(f, 1, &m2);
	assert_int_equal(m2.type, COAP_TYPE_CON);
	assert_int_equal(m2.code, COAP_METHOD_GET);
	assert_int_not_equal(m2.mid, m.mid);
	assert_int_equal(m2.tkl, 8);
	assert_memory_not_equal(m2.token, m.token, 8);
	fk_msg_path(&m2, path, sizeof(path));
	assert_string_equal(path, "test");
	assert_int_equal(m2.payload_len, 7);
	assert_memory_equal(m2.payload, "testing", 7);
	assert_int_equal(fk_opt_count(&m2, COAP_OPTION_ECHO), 1);
	o = fk_opt_get(&m2, COAP_OPTION_ECHO, 0);
	assert_int_equal(o->len, strlen(echo_value));
	assert_memory_equal(o->val, echo_value, strlen(echo_value));

	/* the resent request retransmits on its own schedule (same bytes) */
	fk_tick(f, 40 + 1000);
	assert_int_equal(fk_nsent(f), 3);
	assert_int_equal(fk_sent(f, 2)->len, fk_sent(f, 1)->len);
	assert_memory_equal(fk_sent(f, 2)->buf, fk_sent(f, 1)->buf, fk_sent(f, 1)->len);

	/* the server answers with a CON, which is ACKed and delivered */
	separate(f, &m2, COAP_TYPE_CON, 0x2001, COAP_RESPONSE_CODE_CONTENT, NULL);
	assert_int_equal(fk_nsent(f), 4);
	assert_true(fk_is_empty_ack(fk_sent(f, 3), 0x2001));
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), 4);
	assert_int_equal(fk_nev(f), 1);
}

/* The Echo retry is bounded: after MAX_ECHO_RETRIES resends the 4.01 is delivered. */
static void test_echo_retries_bounded(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	char val[8];

	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (int i = 0; i <= ZCOAP_CONFIG_MAX_ECHO_RETRIES; i++) {
		struct fk_msg m, resp;

		fk_last_msg(f, &m);
		if (i > 0) {
			const struct fk_opt *o = fk_opt_get(&m, COAP_OPTION_ECHO, 0);

			/* the freshest value is echoed */
			assert_non_null(o);
			snprintf(val, sizeof(val), "e%d", i - 1);
			assert_int_equal(o->len, strlen(val));
			assert_memory_equal(o->val, val, strlen(val));
		}
		assert_int_equal(fk_nev(f), 0);
		snprintf(val, sizeof(val), "e%d", i);
		fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_UNAUTHORIZED, 0);
		fk_msg_opt(&resp, COAP_OPTION_ECHO, val, strlen(val));
		fk_msg_payload(&resp, "no", 2);
		fk_deliver_msg(f, &resp);
	}
	assert_int_equal(fk_nsent(f), 1 + ZCOAP_CONFIG_MAX_ECHO_RETRIES);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_UNAUTHORIZED, "no", 2, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

/* 4.01 without Echo is an ordinary response. */
static void test_unauthorized_without_echo(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_UNAUTHORIZED, NULL, 0);
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_UNAUTHORIZED, NULL, 0, 0, true, true);
}

/*
 * Zephyr test_echo_option_next_req: Echo on a 2.05 is attached once to the
 * next new request to the same endpoint (RFC 9175 §2.3).
 */
static void test_echo_option_next_req(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct coap_client_request post = short_request(&u2);
	struct sockaddr_in other = fk_addr4("192.0.2.9", FK_SERVER_PORT);
	static const uint8_t echo_testing[] = "echo testing";
	struct fk_msg m, resp;
	const struct fk_opt *o;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt(&resp, COAP_OPTION_ECHO, echo_value, strlen(echo_value));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_int_equal(fk_nsent(f), 1);

	/* another endpoint does not get it */
	assert_int_equal(fk_submit_to(f, 0, (struct sockaddr *)&other, sizeof(other), &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_ECHO), 0);

	post.method = COAP_METHOD_POST;
	post.payload = echo_testing;
	post.len = 12;
	assert_int_equal(fk_submit(f, &post, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(m.code, COAP_METHOD_POST);
	assert_int_equal(m.payload_len, 12);
	assert_memory_equal(m.payload, "echo testing", 12);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_ECHO), 1);
	o = fk_opt_get(&m, COAP_OPTION_ECHO, 0);
	assert_int_equal(o->len, strlen(echo_value));
	assert_memory_equal(o->val, echo_value, strlen(echo_value));
	/* its retransmission is the same message, Echo included */
	fk_tick(f, 1000);
	{
		bool found = false;

		for (size_t i = 3; i < fk_nsent(f); i++) {
			if (fk_sent(f, i)->len == fk_sent(f, 2)->len &&
			    memcmp(fk_sent(f, i)->buf, fk_sent(f, 2)->buf, fk_sent(f, 2)->len) ==
				0) {
				found = true;
			}
		}
		assert_true(found);
	}

	separate(f, &m, COAP_TYPE_CON, 0x3001, COAP_RESPONSE_CODE_CONTENT, NULL);
	assert_true(fk_is_empty_ack(fk_sent(f, fk_nsent(f) - 1), 0x3001));
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &u2);

	/* only once */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_ECHO), 0);
}

/*
 * Which ended exchanges leave their socket to linger (zc_engine_take_lingers(),
 * docs/design/threading.md): a piggybacked response does not (the server
 * sends nothing more); a separate CON response does (our ACK may be lost);
 * a request that gave up while a response was awaited does (a late one gets
 * RST). The list is taken once.
 */
static void test_linger_decision(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;
	int socks[4];

	/* piggybacked: nothing to linger for */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "ok", 2);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(zc_engine_take_lingers(&f->eng, socks, 4), 0);

	/* separate CON response: linger */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	separate(f, &m, COAP_TYPE_CON, 0x2345, COAP_RESPONSE_CODE_CONTENT, "sep");
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(zc_engine_take_lingers(&f->eng, socks, 4), 1);
	assert_int_equal(socks[0], 0);
	assert_int_equal(zc_engine_take_lingers(&f->eng, socks, 4), 0);

	/* separate-response wait timed out: linger */
	f->eng.separate_timeout_ms = 6000;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	fk_run_until(f, f->now + 6000);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(zc_engine_take_lingers(&f->eng, socks, 4), 1);

	/* a socket that has a request again is not listed */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	separate(f, &m, COAP_TYPE_CON, 0x2346, COAP_RESPONSE_CODE_CONTENT, "sep");
	assert_int_equal(fk_submit(f, &r, &p), 0);
	assert_int_equal(zc_engine_take_lingers(&f->eng, socks, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_separate_response),
	    T(test_separate_response_lost),
	    T(test_separate_response_ack_fail),
	    T(test_separate_non_response),
	    T(test_empty_ack_wrong_mid),
	    T(test_con_response_before_empty_ack),
	    T(test_separate_response_connected),
	    T(test_separate_response_reply_to_source),
	    T(test_separate_response_req_addr_no_src),
	    T(test_echo_option),
	    T(test_echo_retries_bounded),
	    T(test_unauthorized_without_echo),
	    T(test_echo_option_next_req),
	    T(test_linger_decision),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
