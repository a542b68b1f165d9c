/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_linger.c -- after its last exchange ended, the client keeps
 * reading a socket for a bounded while, so that a server retransmitting a
 * CON response whose Empty ACK was lost gets the ACK again (RFC 7252 §4.5)
 * instead of counting the exchange as failed; a message nobody asked for is
 * still answered with RST (§4.2). No other request uses the socket here.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys_util.h"

/* Longer than the first idle wake-up of the poll set (1 s), far below its linger (45 s). */
#define PAST_STICKY_MS 1300

/* A CON GET answered by an Empty ACK and then a separate CON 2.05 with MID @p mid. */
static void separate_exchange(struct sys *s, uint16_t mid)
{
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "sep");

	sys_send(s, &req, &params);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "v1", 2),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "v1", true);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* The server retransmits the CON response (its ACK was lost): it is ACKed again, not delivered. */
static void retransmit_and_expect_ack(struct sys *s, uint16_t mid)
{
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "v1", 2),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));
}

/* Right after the exchange ended: the duplicate is ACKed, and only once delivered. */
static void test_linger_acks_duplicate_at_once(void **state)
{
	struct sys *s = *state;
	uint16_t mid = peer_next_mid();

	separate_exchange(s, mid);
	retransmit_and_expect_ack(s, mid);
	/* A CON nobody asked for still gets RST: the barrier proves all was processed. */
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
}

/*
 * The server's first retransmission comes after ACK_TIMEOUT (2 to 3 s by
 * default, RFC 7252 §4.8): past the poll set's first idle wake-up, the
 * socket is still read.
 */
static void test_linger_acks_duplicate_later(void **state)
{
	struct sys *s = *state;
	uint16_t mid = peer_next_mid();

	separate_exchange(s, mid);
	/* Nothing is sent meanwhile (a bounded wait that must time out). */
	assert_int_equal(peer_recv_skip(&s->peer, &s->other, PAST_STICKY_MS, &s->req), -ETIMEDOUT);
	retransmit_and_expect_ack(s, mid);
	retransmit_and_expect_ack(s, mid);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
}

/* A new request on the lingering socket works as usual, and its response is delivered. */
static void test_linger_then_new_request(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "next");
	uint16_t mid = peer_next_mid();

	separate_exchange(s, mid);
	retransmit_and_expect_ack(s, mid);
	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "v2", 2), 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "v2", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_linger_acks_duplicate_at_once, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_acks_duplicate_later, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_then_new_request, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
