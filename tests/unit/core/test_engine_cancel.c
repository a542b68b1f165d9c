/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_cancel.c -- cancelling requests on the engine (fake clock and
 * transport): Zephyr's wildcard matching rule, -ECANCELED events, the quiet
 * serial of a request cancelling itself, and what happens to late
 * responses (RFC 7252 §4.2/§4.3: unknown CON/NON get RST). Tests named after
 * a Zephyr test case (tests/net/lib/coap_client) say so in their comment.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

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

static int sem1, sem2;
static const uint8_t testing[] = "testing";

static struct coap_client_request short_request(const char *path, void *ud)
{
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, path, ud);

	r.payload = testing;
	r.len = 7;
	return r;
}

/* Serial of the active request with @p ud (engine state, read by the test only). */
static uint32_t serial_of(const struct fk *f, void *ud)
{
	for (size_t i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		if (f->eng.slots[i].phase != ZCOAP_PHASE_FREE && f->eng.slots[i].user_data == ud) {
			return f->eng.slots[i].serial;
		}
	}
	fail_msg("no active request");
	return 0;
}

/* Number of events in [from, n_ev) for @p ud. */
static size_t events_for(const struct fk *f, size_t from, void *ud)
{
	size_t n = 0;

	for (size_t i = from; i < fk_nev(f); i++) {
		n += fk_ev(f, i)->user_data == ud;
	}
	return n;
}

static const struct fk_event *last_for(const struct fk *f, void *ud)
{
	for (size_t i = fk_nev(f); i-- > 0;) {
		if (fk_ev(f, i)->user_data == ud) {
			return fk_ev(f, i);
		}
	}
	fail_msg("no event");
	return NULL;
}

/* Zephyr test_cancel: cancel one request; its late response gives no event. */
static void test_cancel(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request req1 = short_request("test", &sem1);
	struct coap_client_request req2 = short_request("test", &sem2);
	struct fk_msg m1, m2, resp;
	uint32_t serials[4] = {0};
	uint32_t s1;
	size_t sent;

	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	fk_sent_msg(f, 0, &m1);
	fk_sent_msg(f, 1, &m2);
	fk_tick(f, 1000); /* one retransmission each: harmless */
	assert_int_equal(fk_nsent(f), 4);
	s1 = serial_of(f, &sem1);

	assert_int_equal(fk_cancel(f, &req1, 0, serials, 4), 1);
	assert_int_equal(serials[0], s1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ECANCELED);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &sem1);
	assert_int_equal(fk_ev(f, 0)->serial, s1);
	assert_true(zc_engine_busy(&f->eng));

	/* req1's piggybacked response: no event, nothing sent (an ACK is never RST) */
	sent = fk_nsent(f);
	fk_reply_ack(f, &m1, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_nsent(f), sent);
	/* ... a CON or NON response with its token gets RST */
	fk_msg_reply(&resp, &m1, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x0101);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), sent + 1);
	assert_true(fk_is_rst(fk_sent(f, sent), 0x0101));
	fk_msg_reply(&resp, &m1, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x0102);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), sent + 2);
	assert_true(fk_is_rst(fk_sent(f, sent + 1), 0x0102));
	assert_int_equal(fk_nev(f), 1);

	/* req1 is no longer retransmitted; req2 is */
	fk_tick(f, 3000);
	assert_int_equal(fk_nsent(f), sent + 3);
	assert_memory_equal(fk_sent(f, sent + 2)->buf, fk_sent(f, 1)->buf, fk_sent(f, 1)->len);

	fk_reply_ack(f, &m2, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 2);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &sem2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

static void test_cancel_all(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request req1 = short_request("test", &sem1);
	struct coap_client_request req2 = short_request("other", &sem2);
	uint32_t serials[3] = {0, 0, 0xdeadbeef};
	uint32_t s1, s2;

	req2.confirmable = false;
	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	s1 = serial_of(f, &sem1);
	s2 = serial_of(f, &sem2);
	assert_int_not_equal(s1, s2);
	assert_int_equal(fk_cancel(f, NULL, 0, serials, 2), 2);
	assert_true((serials[0] == s1 && serials[1] == s2) ||
		    (serials[0] == s2 && serials[1] == s1));
	assert_int_equal(serials[2], 0xdeadbeef);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 0), -ECANCELED);
	fk_assert_error(fk_ev(f, 1), -ECANCELED);
	assert_int_equal(events_for(f, 0, &sem1), 1);
	assert_int_equal(events_for(f, 0, &sem2), 1);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_nev(f), 2);
	/* nothing left to cancel */
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 0);
}

static void test_cancel_serials_capacity(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request req1 = short_request("test", &sem1);
	struct coap_client_request req2 = short_request("test", &sem2);
	uint32_t serials[2] = {0, 0xdeadbeef};

	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	assert_int_equal(fk_cancel(f, NULL, 0, serials, 1), 2);
	assert_true(serials[0] != 0);
	assert_int_equal(serials[1], 0xdeadbeef);
	assert_int_equal(fk_nev(f), 2);
}

/* The request cancelling itself from its callback gets no -ECANCELED. */
static void test_cancel_quiet_serial(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request req1 = short_request("test", &sem1);
	struct coap_client_request req2 = short_request("test", &sem2);
	uint32_t s1;

	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	s1 = serial_of(f, &sem1);
	assert_int_equal(fk_cancel(f, NULL, s1, NULL, 0), 2);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ECANCELED);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &sem2);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nev(f), 1);
}

/* Zephyr test_cancel_match: fields are compared only when set on both sides. */
static void test_cancel_match(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request req1 = short_request("test", &sem1);
	struct coap_client_request req2 = short_request("another", &sem2);
	struct coap_client_request pat;
	size_t ev;

	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	fk_tick(f, 1000);

	/* {.path = "test"}: only req1 */
	memset(&pat, 0, sizeof(pat));
	pat.path = "test";
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ECANCELED);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &sem1);
	fk_tick(f, 5000);
	assert_int_equal(events_for(f, 0, &sem2), 0);

	/* the released slot is reusable at once */
	assert_int_equal(fk_submit(f, &req1, &p), 0);

	/* {.path = "test", .user_data = &sem2}: matches neither */
	ev = fk_nev(f);
	memset(&pat, 0, sizeof(pat));
	pat.path = "test";
	pat.user_data = &sem2;
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 0);
	assert_int_equal(fk_nev(f), ev);

	/* a different callback: matches neither */
	memset(&pat, 0, sizeof(pat));
	pat.cb = fk_cb2;
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 0);
	/* a different method: matches neither */
	memset(&pat, 0, sizeof(pat));
	pat.method = COAP_METHOD_PUT;
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 0);
	assert_int_equal(fk_nev(f), ev);

	/* {.method = GET}: both */
	memset(&pat, 0, sizeof(pat));
	pat.method = COAP_METHOD_GET;
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 2);
	assert_int_equal(fk_nev(f), ev + 2);
	assert_int_equal(events_for(f, ev, &sem1), 1);
	assert_int_equal(events_for(f, ev, &sem2), 1);
	fk_assert_error(last_for(f, &sem1), -ECANCELED);
	fk_assert_error(last_for(f, &sem2), -ECANCELED);

	/* all-zero pattern: both */
	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	ev = fk_nev(f);
	memset(&pat, 0, sizeof(pat));
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 2);
	assert_int_equal(fk_nev(f), ev + 2);
	assert_int_equal(events_for(f, ev, &sem1), 1);
	assert_int_equal(events_for(f, ev, &sem2), 1);

	/* {.cb = fk_cb, .user_data = &sem2}: only req2 */
	assert_int_equal(fk_submit(f, &req1, &p), 0);
	assert_int_equal(fk_submit(f, &req2, &p), 0);
	ev = fk_nev(f);
	memset(&pat, 0, sizeof(pat));
	pat.cb = fk_cb;
	pat.user_data = &sem2;
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 1);
	assert_int_equal(events_for(f, ev, &sem2), 1);
	assert_int_equal(events_for(f, ev, &sem1), 0);

	/* the full request as pattern: only itself */
	ev = fk_nev(f);
	assert_int_equal(fk_cancel(f, &req1, 0, NULL, 0), 1);
	assert_int_equal(events_for(f, ev, &sem1), 1);
	assert_false(zc_engine_busy(&f->eng));
}

/* A request whose cb/user_data are unset is matched by any pattern value there. */
static void test_cancel_match_unset_fields(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request req1 = short_request("test", NULL);
	struct coap_client_request pat;

	assert_int_equal(fk_submit(f, &req1, &p), 0);
	memset(&pat, 0, sizeof(pat));
	pat.user_data = &sem2;
	pat.path = "test";
	assert_int_equal(fk_cancel(f, &pat, 0, NULL, 0), 1);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_ev(f, 0)->code, -ECANCELED);
	assert_null(fk_ev(f, 0)->user_data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_cancel),
	    T(test_cancel_all),
	    T(test_cancel_serials_capacity),
	    T(test_cancel_quiet_serial),
	    T(test_cancel_match),
	    T(test_cancel_match_unset_fields),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
