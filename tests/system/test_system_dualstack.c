/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_dualstack.c -- the real client on a dual-stack socket
 * (AF_INET6 with IPV6_V6ONLY off) talking to an IPv4 server given as a
 * sockaddr_in: Linux sends the request, and reports the replies as coming
 * from the v4-mapped ::ffff:127.0.0.1. They must match the request
 * (issue 18, defect 3; RFC 7252 §5.3.2 on the same endpoint).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys_util.h"

static int dual_fd = -1;

/* Close the dual-stack socket only after the client stopped reading it. */
static int dual_teardown(void **state)
{
	int r = sys_teardown(state);

	if (dual_fd >= 0) {
		close(dual_fd);
		dual_fd = -1;
	}
	return r;
}

static void test_dual_stack_ipv4_destination(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "dual");
	struct peer_msg ack;
	int off = 0;

	dual_fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (dual_fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
		skip(); /* a kernel without IPv6 has no dual-stack sockets */
	}
	assert_true(dual_fd >= 0);
	assert_int_equal(
	    setsockopt(dual_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, (socklen_t)sizeof(off)), 0);

	/* piggybacked */
	assert_int_equal(coap_client_req(&s->client, dual_fd, peer_sa(&s->peer), &req, &params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->req, PEER_WAIT_MS), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "v4", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "v4", true);

	/* separate: the CON response is ACKed back to the server */
	assert_int_equal(coap_client_req(&s->client, dual_fd, peer_sa(&s->peer), &req, &params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->req, PEER_WAIT_MS), 0);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, 0x4242,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "sep", 3),
			 0);
	assert_int_equal(peer_recv(&s->peer, &ack, PEER_WAIT_MS), 0);
	assert_true(peer_msg_is_empty(&ack, COAP_TYPE_ACK, 0x4242));
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "sep", true);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dual_stack_ipv4_destination, sys_setup,
					    dual_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
