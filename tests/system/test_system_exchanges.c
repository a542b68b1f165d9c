/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_exchanges.c -- issue 14 over loopback UDP with the real client
 * thread: long option values (Uri-Host, Proxy-Uri) and No-Response.
 */

#include "sys_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A 255-byte Uri-Host and a long Proxy-Uri reach the server byte for byte. */
static void test_long_options_on_the_wire(void **state)
{
#if MAX_COAP_CLIENT_OPTION_LEN < 255
	(void)state;
	skip(); /* the constrained profile keeps Zephyr's 12-byte option values */
#else
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "");
	static struct coap_client_option opts[2];
	const struct peer_opt *o;

	memset(opts, 0, sizeof(opts));
	opts[0].code = COAP_OPTION_URI_HOST;
	opts[0].len = 255;
	memset(opts[0].value, 'a', 255);
	opts[1].code = COAP_OPTION_PROXY_URI;
	opts[1].len = MAX_COAP_CLIENT_OPTION_LEN;
	memcpy(opts[1].value, "coap://example.org/", 19);
	memset(opts[1].value + 19, 'z', MAX_COAP_CLIENT_OPTION_LEN - 19);
	req.options = opts;
	req.num_options = 2;
	sys_send(s, &req, &params);
	o = peer_msg_opt(&s->req, COAP_OPTION_URI_HOST, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 255);
	assert_memory_equal(o->val, opts[0].value, 255);
	o = peer_msg_opt(&s->req, COAP_OPTION_PROXY_URI, 0);
	assert_non_null(o);
	assert_int_equal(o->len, MAX_COAP_CLIENT_OPTION_LEN);
	assert_memory_equal(o->val, opts[1].value, MAX_COAP_CLIENT_OPTION_LEN);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
#endif
}

/* One byte too many is refused before anything is sent. */
static void test_option_too_long_refused(void **state)
{
	struct sys *s = *state;
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "x");
	static struct coap_client_option opt;

	memset(&opt, 0, sizeof(opt));
	opt.code = COAP_OPTION_PROXY_URI;
	opt.len = MAX_COAP_CLIENT_OPTION_LEN + 1;
	req.options = &opt;
	req.num_options = 1;
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &req, NULL),
			 -EINVAL);
	assert_false(peer_pending(&s->peer));
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* A PUT with No-Response 26 (RFC 7967): NON ends with 0 once sent, CON once ACKed. */
static void test_no_response_all(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_PUT, false, "led");
	struct coap_client_option opt;
	struct rec_event ev;

	memset(&opt, 0, sizeof(opt));
	opt.code = COAP_OPTION_NO_RESPONSE;
	opt.len = 1;
	opt.value[0] = COAP_NO_RESPONSE_SUPPRESS_ALL;
	req.options = &opt;
	req.num_options = 1;
	req.payload = (const uint8_t *)"on";
	req.len = 2;
	/* NON: no answer at all; the slow parameters would wait minutes for one */
	sys_send(s, &req, &params);
	assert_int_equal(peer_opt_uint(peer_msg_opt(&s->req, COAP_OPTION_NO_RESPONSE, 0)), 26);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	ev = recorder_get(&s->rec, 0);
	assert_int_equal(ev.code, 0);
	assert_true(ev.last_block);
	assert_true(ev.payload_was_null);
	assert_false(ev.has_info);
	assert_false(coap_client_has_ongoing_exchange(&s->client));

	/* CON: the Empty ACK ends it */
	req.confirmable = true;
	sys_send(s, &req, &params);
	assert_int_equal(recorder_count(&s->rec), 1);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	ev = recorder_get(&s->rec, 1);
	assert_int_equal(ev.code, 0);
	assert_true(ev.last_block);
	assert_false(ev.has_info);
	/* nothing more comes for either request */
	sys_keeper(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 2);
}

/*
 * An unconnected socket the application did not set IP_RECVERR on: the
 * client turns it on, so a port unreachable ends the request with
 * -ECONNREFUSED at once instead of after its timeout (minutes here).
 */
static void test_icmp_unconnected_without_app_recverr(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "gone");
	struct sockaddr_in gone = {.sin_family = AF_INET};
	socklen_t len = sizeof(gone);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int on = 0;
	socklen_t olen = sizeof(on);

	/* a port nothing listens on: bound, then closed */
	assert_true(fd >= 0);
	gone.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&gone, sizeof(gone)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&gone, &len), 0);
	close(fd);

	assert_int_equal(getsockopt(s->sock, IPPROTO_IP, IP_RECVERR, &on, &olen), 0);
	assert_int_equal(on, 0);
	assert_int_equal(
	    coap_client_req(&s->client, s->sock, (struct sockaddr *)&gone, &req, &params), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ECONNREFUSED, NULL, true);
	olen = sizeof(on);
	assert_int_equal(getsockopt(s->sock, IPPROTO_IP, IP_RECVERR, &on, &olen), 0);
	assert_int_equal(on, 1);
}

/* deadline_ms ends a request the server never answers long before its retransmissions would. */
static void test_deadline_over_udp(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "silent");

	req.deadline_ms = 200;
	sys_send(s, &req, &params);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ETIMEDOUT, NULL, true);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* zcoap_client_ping(): Empty CON out, the peer's RST back: result 0 with the RST's source. */
static void test_ping_over_udp(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct rec_event ev;

	assert_int_equal(zcoap_client_ping(&s->client, s->sock, peer_sa(&s->peer), recorder_cb,
					   &s->rec, 0, &params),
			 0);
	assert_int_equal(peer_recv(&s->peer, &s->req, PEER_WAIT_MS), 0);
	assert_true(s->req.valid);
	assert_int_equal(s->req.type, COAP_TYPE_CON);
	assert_int_equal(s->req.code, COAP_CODE_EMPTY);
	assert_int_equal(s->req.len, 4);
	assert_int_equal(peer_rst(&s->peer, &s->req), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	ev = recorder_get(&s->rec, 0);
	assert_int_equal(ev.code, 0);
	assert_true(ev.last_block);
	assert_true(ev.has_info);
	assert_int_equal(ev.source_port, peer_port(&s->peer));
	assert_false(coap_client_has_ongoing_exchange(&s->client));

	/* a ping is not a method of coap_client_req() */
	{
		struct coap_client_request req = sys_request(s, (enum coap_method)0, true, "");

		assert_int_equal(
		    coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &req, &params),
		    -EINVAL);
	}
}

/* ---- multicast over loopback (issue 14 point 1) ---- */

#define MC_GROUP "239.255.0.187"

/*
 * A socket bound to MC_GROUP:@p port (0: ephemeral; bound to the group, so it
 * hears nothing but the group) that joined MC_GROUP on loopback; -1 if refused.
 */
static int group_socket(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct ip_mreq mreq;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int on = 1;

	if (fd < 0) {
		return -1;
	}
	a.sin_port = htons(port);
	a.sin_addr.s_addr = inet_addr(MC_GROUP);
	mreq.imr_multiaddr.s_addr = inet_addr(MC_GROUP);
	mreq.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/*
 * Two responders joined to a group on loopback answer a NON GET sent to the
 * group: both answers reach the callback (last_block false, each with its
 * responder as the source), a CON answer is dropped, nobody gets an RST, and
 * the window ends with (0, 0, NULL, 0, true). Skipped where the kernel
 * refuses multicast on loopback.
 */
static void test_multicast_loopback(void **state)
{
	struct sys *s = *state;
	struct peer a = {.fd = -1}, b = {.fd = -1}, a_reply = {.fd = -1}, b_reply = {.fd = -1};
	struct sockaddr_in group = {.sin_family = AF_INET};
	struct in_addr lo = {.s_addr = htonl(INADDR_LOOPBACK)};
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "whoami");
	struct peer_msg ma, mb;
	struct rec_event ev[3];
	int r;

	a.fd = group_socket(0);
	if (a.fd < 0) {
		skip(); /* the kernel refuses to join a group on loopback */
	}
	b.fd = group_socket(local_port(a.fd));
	assert_true(b.fd >= 0);
	assert_int_equal(peer_open(&a_reply), 0);
	assert_int_equal(peer_open(&b_reply), 0);
	assert_int_equal(setsockopt(s->sock, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo)), 0);
	group.sin_addr.s_addr = inet_addr(MC_GROUP);
	group.sin_port = htons(local_port(a.fd));

	req.multicast_timeout_ms = 1500;
	r = coap_client_req(&s->client, s->sock, (struct sockaddr *)&group, &req, NULL);
	if (r == -ENETUNREACH || r == -EHOSTUNREACH || r == -EPERM) {
		close(a.fd);
		close(b.fd);
		peer_close(&a_reply);
		peer_close(&b_reply);
		skip(); /* no route for the group */
	}
	assert_int_equal(r, 0);
	/* both members get the one datagram */
	assert_int_equal(peer_recv(&a, &ma, PEER_WAIT_MS), 0);
	assert_int_equal(peer_recv(&b, &mb, PEER_WAIT_MS), 0);
	assert_int_equal(ma.type, COAP_TYPE_NON_CON);
	assert_int_equal(ma.mid, mb.mid);
	/* each answers from its own unicast socket (127.0.0.1), B also with a CON */
	assert_int_equal(peer_separate(&b_reply, &mb, COAP_TYPE_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "con", 3),
			 0);
	assert_int_equal(peer_separate(&a_reply, &ma, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "A", 1),
			 0);
	assert_int_equal(peer_separate(&b_reply, &mb, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "B", 1),
			 0);
	assert_true(recorder_wait(&s->rec, 3, RECORDER_WAIT_MS));
	for (int i = 0; i < 3; i++) {
		ev[i] = recorder_get(&s->rec, (size_t)i);
	}
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "A", false);
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "B", false);
	assert_int_equal(ev[0].source_port, peer_port(&a_reply));
	assert_int_equal(ev[1].source_port, peer_port(&b_reply));
	/* the end of the window */
	assert_int_equal(ev[2].code, 0);
	assert_true(ev[2].last_block);
	assert_false(ev[2].has_info);
	assert_int_equal(recorder_count(&s->rec), 3);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
	/* nobody was answered: no RST for the answers, no ACK for the CON */
	assert_false(peer_pending(&a_reply));
	assert_false(peer_pending(&b_reply));
	close(a.fd);
	close(b.fd);
	peer_close(&a_reply);
	peer_close(&b_reply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_long_options_on_the_wire, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_option_too_long_refused, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_no_response_all, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_unconnected_without_app_recverr, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_over_udp, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_ping_over_udp, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_multicast_loopback, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
