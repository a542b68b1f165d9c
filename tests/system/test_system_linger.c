/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_linger.c -- the client keeps answering on a socket after its
 * last exchange ended (src/client/linger.c; issue 18 defect 6, issue 14
 * point 3): a retransmitted CON response is ACKed again (RFC 7252 §4.5), a
 * server that ignores a cancelled observation gets RST for its next
 * notification (RFC 7641 §3.6), a late response to a request that gave up
 * gets RST; and the client never reads a descriptor number the application
 * closed and reused. No other request keeps the socket read in these tests:
 * only the linger can answer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys_util.h"

/* How long a negative check waits for an answer that must not come. */
#define QUIET_MS 300

static const struct coap_client_option observe0 = {
    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};

/* A CON GET answered with an Empty ACK and a separate CON response (MID @p mid). */
static void separate_exchange(struct sys *s, uint16_t mid)
{
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "sep");

	sys_send(s, &req, &params);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "late", true);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* The separate response again, as a server whose ACK was lost sends it. */
static void resend_separate(struct sys *s, uint16_t mid)
{
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4),
			 0);
}

/* Defect 6b: the retransmission after the exchange ended is ACKed, not ignored. */
static void test_linger_acks_retransmitted_response(void **state)
{
	struct sys *s = *state;
	uint16_t mid = peer_next_mid();

	separate_exchange(s, mid);
	for (int i = 0; i < 2; i++) {
		resend_separate(s, mid);
		sys_recv_other(s, &s->other);
		assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));
	}
	/* Delivered once. */
	assert_int_equal(recorder_count(&s->rec), 1);
}

/*
 * The application closes its socket after the exchange and gets the same
 * number for a new one: the client still ACKs through its own descriptor,
 * and never reads the new socket's data.
 */
static void test_linger_after_close_never_reads_reused_number(void **state)
{
	struct sys *s = *state;
	uint16_t mid = peer_next_mid();
	int fresh;
	struct sockaddr_in fresh_addr;
	socklen_t alen = sizeof(fresh_addr);
	char buf[16];

	separate_exchange(s, mid);
	assert_int_equal(close(s->sock), 0);
	fresh = sys_udp_socket();
	assert_true(fresh >= 0);
	s->sock = fresh; /* closed by the teardown */
	assert_int_equal(getsockname(fresh, (struct sockaddr *)&fresh_addr, &alen), 0);

	/* The old socket is still answered (the duplicate keeps it open). */
	resend_separate(s, mid);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));

	/* Data for the new socket (perhaps the same number) stays for its owner. */
	assert_int_equal(peer_send(&s->peer, &fresh_addr, "mine", 4), 0);
	assert_int_equal(recv(fresh, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "mine", 4);
}

/* A new request on the socket takes it back; duplicates are then ACKed as usual. */
static void test_linger_new_request_takes_socket_back(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "next");
	uint16_t mid = peer_next_mid();
	struct peer_msg first;

	separate_exchange(s, mid);
	first = s->req;
	sys_send(s, &req, &params);
	assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "b", 1),
			 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "b", true);
	/* The first exchange's response again: still ACKed (dedup ring + linger). */
	s->req = first;
	resend_separate(s, mid);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));
	assert_int_equal(recorder_count(&s->rec), 2);
}

/*
 * Issue 14 point 3: a server that ignores the cancel's deregistration gets
 * RST for its next notification, even though no request uses the socket;
 * after that RST the linger is over (an RST for the answer to the
 * deregistration does not end it).
 */
static void test_linger_rst_after_cancelled_observation(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "obs");
	struct peer_msg reg;
	uint8_t v[4];
	struct peer_opt o = {COAP_OPTION_OBSERVE, 0, v};
	uint16_t mid = peer_next_mid();
	uint16_t mid2 = peer_next_mid();
	uint16_t mid3 = peer_next_mid();
	uint16_t mid4 = peer_next_mid();
	struct peer_msg m;

	req.options = &observe0;
	req.num_options = 1;
	sys_send(s, &req, &params);
	reg = s->req;
	o.len = peer_uint_value(v, 2);
	assert_int_equal(peer_separate(&s->peer, &reg, COAP_TYPE_NON_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, &o, 1, "n1", 2),
			 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	coap_client_cancel_request(&s->client, &req);
	assert_false(coap_client_has_ongoing_exchange(&s->client));

	/*
	 * The cancel's one-off deregistration. A lax server answers it but
	 * keeps the observation: the answer gets RST, and the linger goes on.
	 */
	sys_recv_other(s, &s->other);
	assert_int_equal(s->other.code, COAP_METHOD_GET);
	assert_int_equal(peer_separate(&s->peer, &s->other, COAP_TYPE_CON, mid4,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2),
			 0);
	sys_recv_other(s, &m);
	assert_true(peer_msg_is_empty(&m, COAP_TYPE_RESET, mid4));

	/* The next notification is rejected. */
	o.len = peer_uint_value(v, 3);
	assert_int_equal(peer_separate(&s->peer, &reg, COAP_TYPE_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, &o, 1, "n2", 2),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid2));

	/* The RST told the server to stop: the socket is not read any more. */
	o.len = peer_uint_value(v, 4);
	assert_int_equal(peer_separate(&s->peer, &reg, COAP_TYPE_CON, mid3,
				       COAP_RESPONSE_CODE_CONTENT, &o, 1, "n3", 2),
			 0);
	assert_int_equal(peer_recv_skip(&s->peer, &m, QUIET_MS, &reg), -ETIMEDOUT);
	assert_int_equal(recorder_count(&s->rec), 2); /* n1 and -ECANCELED */
}

/* A response that comes after its NON request gave up gets RST, not silence. */
static void test_linger_rst_for_late_non_response(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_params(100, 0);
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "slow");
	uint16_t mid = peer_next_mid();

	sys_send(s, &req, &params);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ETIMEDOUT, NULL, true);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "tardy", 5),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid));
	assert_int_equal(recorder_count(&s->rec), 1);
}

/* zcoap_client_set_linger(0): the socket is left alone once its exchange ended. */
static void test_linger_off(void **state)
{
	struct sys *s = *state;
	uint16_t mid = peer_next_mid();
	struct peer_msg m;

	assert_int_equal(zcoap_client_set_linger(NULL, 0), -EINVAL);
	assert_int_equal(zcoap_client_set_linger(&s->client, 0), 0);
	separate_exchange(s, mid);
	resend_separate(s, mid);
	assert_int_equal(peer_recv_skip(&s->peer, &m, QUIET_MS, &s->req), -ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_linger_acks_retransmitted_response, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_after_close_never_reads_reused_number,
					    sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_new_request_takes_socket_back, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_rst_after_cancelled_observation, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_rst_for_late_non_response, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_linger_off, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
