/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_cancel.c -- cancellation over real UDP: coap_client_cancel_requests(),
 * coap_client_cancel_request() with wildcard matching (as Zephyr's
 * test_cancel_match), cancelling and sending from inside a callback, and
 * zcoap_client_deinit(). After a cancel the request gets exactly one
 * -ECANCELED, in the cancelling thread, and nothing else ever.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys_util.h"

/* The cancel callback has run, in this thread, before cancel returned. */
static void assert_cancelled_here(struct recorder *r, size_t n)
{
	struct rec_event ev;

	assert_int_equal(recorder_count(r), n);
	sys_assert_event(r, n - 1, -ECANCELED, NULL, true);
	ev = recorder_get(r, n - 1);
	assert_true(pthread_equal(ev.thread, pthread_self()));
}

/*
 * Cancel every request; late responses for them are not delivered: an ACK is
 * ignored and a CON response is answered with RST (unknown token, §5.3.2).
 */
static void test_cancel_all(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "c");
	struct peer_msg *a = malloc(sizeof(*a));
	uint16_t mid = peer_next_mid();

	assert_non_null(a);
	sys_send(s, &req, &params);
	*a = s->req;
	sys_send(s, &req, &params);
	coap_client_cancel_requests(&s->client);
	assert_int_equal(recorder_count(&s->rec), 2);
	for (size_t i = 0; i < 2; i++) {
		sys_assert_event(&s->rec, i, -ECANCELED, NULL, true);
		assert_true(pthread_equal(recorder_get(&s->rec, i).thread, pthread_self()));
	}
	assert_false(coap_client_has_ongoing_exchange(&s->client));

	sys_keeper(s);
	assert_int_equal(peer_reply(&s->peer, a, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4),
			 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4),
			 0);
	assert_int_equal(peer_recv(&s->peer, &s->other, PEER_WAIT_MS), 0);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid));
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 2);
	free(a);
}

/* Cancelling one request leaves the other one working. */
static void test_cancel_one(void **state)
{
	struct sys *s = *state;
	struct recorder rec2;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req1 = sys_request(s, COAP_METHOD_GET, true, "one");
	struct coap_client_request req2 = sys_request(s, COAP_METHOD_GET, true, "two");
	struct peer_msg *m1 = malloc(sizeof(*m1));

	assert_non_null(m1);
	recorder_init(&rec2);
	req2.user_data = &rec2;
	sys_send(s, &req1, &params);
	*m1 = s->req;
	sys_send(s, &req2, &params);
	coap_client_cancel_request(&s->client, &req1);
	assert_cancelled_here(&s->rec, 1);
	assert_int_equal(recorder_count(&rec2), 0);
	assert_true(coap_client_has_ongoing_exchange(&s->client));

	/* req1's response is not delivered, req2's is. */
	assert_int_equal(peer_reply(&s->peer, m1, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "1", 1), 0);
	assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "2", 1),
			 0);
	assert_true(recorder_wait(&rec2, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec2, 0, COAP_RESPONSE_CODE_CONTENT, "2", true);
	assert_int_equal(recorder_count(&s->rec), 1);
	recorder_destroy(&rec2);
	free(m1);
}

/* Wildcard matching: a field counts only when set on both sides (Zephyr's test_cancel_match). */
static void test_cancel_match(void **state)
{
	struct sys *s = *state;
	struct recorder rec2;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req1 = sys_request(s, COAP_METHOD_GET, true, "test");
	struct coap_client_request req2 = sys_request(s, COAP_METHOD_GET, true, "another");
	struct coap_client_request pattern;

	recorder_init(&rec2);
	req2.user_data = &rec2;
	sys_send(s, &req1, &params);
	sys_send(s, &req2, &params);

	memset(&pattern, 0, sizeof(pattern));
	pattern.path = "test";
	coap_client_cancel_request(&s->client, &pattern);
	assert_cancelled_here(&s->rec, 1);
	assert_int_equal(recorder_count(&rec2), 0);

	sys_send(s, &req1, &params);
	memset(&pattern, 0, sizeof(pattern));
	pattern.path = "test";
	pattern.user_data = &rec2;
	coap_client_cancel_request(&s->client, &pattern);
	assert_int_equal(recorder_count(&s->rec), 1);
	assert_int_equal(recorder_count(&rec2), 0);

	/* A different method matches nothing; the same one matches both. */
	memset(&pattern, 0, sizeof(pattern));
	pattern.method = COAP_METHOD_POST;
	coap_client_cancel_request(&s->client, &pattern);
	assert_int_equal(recorder_count(&s->rec), 1);
	assert_int_equal(recorder_count(&rec2), 0);
	pattern.method = COAP_METHOD_GET;
	coap_client_cancel_request(&s->client, &pattern);
	assert_cancelled_here(&s->rec, 2);
	assert_cancelled_here(&rec2, 1);

	/* By callback + path, and by user_data alone. */
	sys_send(s, &req1, &params);
	sys_send(s, &req2, &params);
	memset(&pattern, 0, sizeof(pattern));
	pattern.cb = recorder_cb;
	pattern.path = "another";
	coap_client_cancel_request(&s->client, &pattern);
	assert_int_equal(recorder_count(&s->rec), 2);
	assert_cancelled_here(&rec2, 2);
	memset(&pattern, 0, sizeof(pattern));
	pattern.user_data = &s->rec;
	coap_client_cancel_request(&s->client, &pattern);
	assert_cancelled_here(&s->rec, 3);
	assert_int_equal(recorder_count(&rec2), 2);

	/* The all-zero pattern matches everything. */
	sys_send(s, &req1, &params);
	sys_send(s, &req2, &params);
	memset(&pattern, 0, sizeof(pattern));
	coap_client_cancel_request(&s->client, &pattern);
	assert_cancelled_here(&s->rec, 4);
	assert_cancelled_here(&rec2, 3);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
	recorder_destroy(&rec2);
}

/* What the callback of request A does: cancel B and send C, from the client thread. */
struct in_cb_ctx {
	struct sys *s;
	struct recorder *rec_b;
	struct recorder *rec_c;
	struct coap_transmission_parameters params;
	int req_rc;
	size_t b_events_after_cancel;
	bool ran;
};

static struct in_cb_ctx *in_cb;

static void hook_cancel_and_send(struct recorder *r, const struct rec_event *ev, size_t index)
{
	struct in_cb_ctx *ctx = in_cb;
	struct coap_client_request pattern;
	struct coap_client_request req_c = sys_request(ctx->s, COAP_METHOD_GET, true, "c");

	(void)r;
	(void)ev;
	if (index != 0) {
		return;
	}
	memset(&pattern, 0, sizeof(pattern));
	pattern.user_data = ctx->rec_b;
	coap_client_cancel_request(&ctx->s->client, &pattern);
	/* The -ECANCELED ran synchronously, in this (the client's) thread. */
	ctx->b_events_after_cancel = recorder_count(ctx->rec_b);
	req_c.user_data = ctx->rec_c;
	ctx->req_rc = coap_client_req(&ctx->s->client, ctx->s->sock, peer_sa(&ctx->s->peer), &req_c,
				      &ctx->params);
	ctx->ran = true;
}

/* Cancel and coap_client_req() from inside a callback do not deadlock and behave as usual. */
static void test_cancel_and_send_in_callback(void **state)
{
	struct sys *s = *state;
	struct recorder rec_b, rec_c;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req_a = sys_request(s, COAP_METHOD_GET, true, "a");
	struct coap_client_request req_b = sys_request(s, COAP_METHOD_GET, true, "b");
	struct peer_msg *ma = malloc(sizeof(*ma));
	struct peer_msg *mb = malloc(sizeof(*mb));
	struct in_cb_ctx ctx = {.s = s, .rec_b = &rec_b, .rec_c = &rec_c, .params = params};
	struct rec_event ev_a, ev_b;
	char path[8];

	assert_non_null(ma);
	assert_non_null(mb);
	recorder_init(&rec_b);
	recorder_init(&rec_c);
	in_cb = &ctx;
	recorder_set_hook(&s->rec, hook_cancel_and_send, NULL);
	req_b.user_data = &rec_b;

	sys_send(s, &req_a, &params);
	*ma = s->req;
	sys_send(s, &req_b, &params);
	*mb = s->req;
	assert_int_equal(peer_reply(&s->peer, ma, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "a", 1), 0);

	/* C's request reaches the peer: the callback returned from coap_client_req(). */
	assert_int_equal(peer_recv_skip(&s->peer, &s->req, PEER_WAIT_MS, ma), 0);
	assert_string_equal(peer_msg_path(&s->req, path, sizeof(path)), "c");
	assert_true(recorder_wait(&rec_b, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_b, 0, -ECANCELED, NULL, true);
	ev_a = recorder_get(&s->rec, 0);
	ev_b = recorder_get(&rec_b, 0);
	assert_true(pthread_equal(ev_a.thread, ev_b.thread));
	assert_false(pthread_equal(ev_b.thread, pthread_self()));

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "cc", 2), 0);
	assert_true(recorder_wait(&rec_c, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_c, 0, COAP_RESPONSE_CODE_CONTENT, "cc", true);
	assert_true(ctx.ran);
	assert_int_equal(ctx.req_rc, 0);
	assert_int_equal(ctx.b_events_after_cancel, 1);

	/* B's late response is not delivered. */
	sys_keeper(s);
	assert_int_equal(peer_reply(&s->peer, mb, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "b", 1), 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&rec_b), 1);
	assert_int_equal(recorder_count(&s->rec), 1);
	recorder_set_hook(&s->rec, NULL, NULL);
	coap_client_cancel_requests(&s->client);
	recorder_destroy(&rec_b);
	recorder_destroy(&rec_c);
	free(ma);
	free(mb);
}

static void hook_cancel_all(struct recorder *r, const struct rec_event *ev, size_t index)
{
	(void)r;
	(void)ev;
	if (index == 0) {
		/* Set first: the test reads it once B's -ECANCELED (run below) is seen. */
		in_cb->ran = true;
		coap_client_cancel_requests(&in_cb->s->client);
	}
}

/*
 * coap_client_cancel_requests() from inside a response callback of a
 * finished request cancels the other requests and returns.
 */
static void test_cancel_all_in_callback(void **state)
{
	struct sys *s = *state;
	struct recorder rec_b;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req_a = sys_request(s, COAP_METHOD_GET, true, "a");
	struct coap_client_request req_b = sys_request(s, COAP_METHOD_GET, true, "b");
	struct peer_msg *ma = malloc(sizeof(*ma));
	struct in_cb_ctx ctx = {.s = s};

	assert_non_null(ma);
	recorder_init(&rec_b);
	in_cb = &ctx;
	recorder_set_hook(&s->rec, hook_cancel_all, NULL);
	req_b.user_data = &rec_b;
	sys_send(s, &req_a, &params);
	*ma = s->req;
	sys_send(s, &req_b, &params);
	assert_int_equal(peer_reply(&s->peer, ma, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "a", 1), 0);
	assert_true(recorder_wait(&rec_b, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_b, 0, -ECANCELED, NULL, true);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "a", true);
	assert_true(ctx.ran);
	/* The client still works afterwards. */
	recorder_set_hook(&s->rec, NULL, NULL);
	sys_send(s, &req_a, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "again", 5), 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "again", true);
	assert_int_equal(recorder_count(&rec_b), 1);
	recorder_destroy(&rec_b);
	free(ma);
}

/* zcoap_client_deinit() cancels what is left; the client can be initialised again. */
#ifndef SYS_MANUAL_MODE
static void test_deinit_and_reinit(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "d");

	sys_send(s, &req, &params);
	assert_int_equal(zcoap_client_deinit(&s->client), 0);
	/* deinit does not say which thread runs the -ECANCELED; only that it ran. */
	assert_int_equal(recorder_count(&s->rec), 1);
	sys_assert_event(&s->rec, 0, -ECANCELED, NULL, true);
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &req, &params),
			 -ESHUTDOWN);
	assert_int_equal(coap_client_init(&s->client, "again"), 0);
	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "back", 4), 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "back", true);
}

#endif

/* A request without a callback runs to completion silently and can be cancelled. */
static void test_null_callback(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "n");

	req.cb = NULL;
	sys_send(s, &req, &params);
	assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "x", 1),
			 0);
	sys_keeper(s);
	sys_barrier(s);
	sys_send(s, &req, &params);
	coap_client_cancel_request(&s->client, &req);
	assert_int_equal(recorder_count(&s->rec), 0);
	/* Only the keeper is left. */
	assert_true(coap_client_has_ongoing_exchange(&s->client));
	coap_client_cancel_requests(&s->client);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
	assert_int_equal(recorder_count(&s->keeper_rec), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cancel_all, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_one, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_match, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_and_send_in_callback, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_all_in_callback, sys_setup, sys_teardown),
#ifndef SYS_MANUAL_MODE
	    /* Manual mode: the fixture's loop thread may not call the client after deinit. */
	    cmocka_unit_test_setup_teardown(test_deinit_and_reinit, sys_setup, sys_teardown),
#endif
	    cmocka_unit_test_setup_teardown(test_null_callback, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
