/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_icmp.c -- ICMP errors on the client's socket (RFC 1122
 * §4.1.3.3): a port unreachable ends only the requests to the endpoint it
 * names, never those to other servers on the same socket (an off-path
 * attacker can forge one), and with IP_RECVERR the error queue is drained
 * so that poll() stops reporting POLLERR (the client thread must not spin).
 *
 * A UDP datagram to a closed port of 127.0.0.1 draws a genuine ICMP port
 * unreachable from the kernel, so no raw socket is needed.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sys_util.h"

/* The window over which the client's CPU use is measured, and the most it may use. */
#define IDLE_WINDOW_MS  500
#define IDLE_CPU_MAX_MS 100

/* 127.0.0.1 with a port nothing listens on (bound, then closed). */
static struct sockaddr_in closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return a;
}

static void set_recverr(int fd)
{
	int on = 1;

	assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)), 0);
}

static int64_t cpu_ms(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The process's CPU time while the test thread waits IDLE_WINDOW_MS for a
 * datagram the client must not send (slow parameters: no retransmission).
 * A client thread that spins on POLLERR uses about all of it.
 */
static void assert_client_idle(struct sys *s)
{
	int64_t before = cpu_ms();
	int64_t used;

	assert_int_equal(peer_recv_skip(&s->peer, &s->other, IDLE_WINDOW_MS, &s->req), -ETIMEDOUT);
	used = cpu_ms() - before;
	print_message("CPU over %d ms idle: %lld ms\n", IDLE_WINDOW_MS, (long long)used);
	assert_true(used < IDLE_CPU_MAX_MS);
}

/* A CON GET to @p to with its own recorder; the first datagram draws the ICMP error. */
static void send_to_closed(struct sys *s, int sock, const struct sockaddr_in *to,
			   struct recorder *rec)
{
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "gone");

	req.user_data = rec;
	assert_int_equal(
	    coap_client_req(&s->client, sock, (const struct sockaddr *)to, &req, &params), 0);
}

/*
 * Defect 5: with IP_RECVERR, a port unreachable about server A ends the
 * request to A with -ECONNREFUSED and leaves the request to the healthy
 * peer on the same socket alone; the peer's response is still delivered.
 */
static void test_icmp_fails_only_named_endpoint(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "healthy");
	struct sockaddr_in gone = closed_port();
	struct recorder rec_gone;

	recorder_init(&rec_gone);
	set_recverr(s->sock);
	sys_send(s, &req, &params);
	send_to_closed(s, s->sock, &gone, &rec_gone);
	assert_true(recorder_wait(&rec_gone, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_gone, 0, -ECONNREFUSED, NULL, true);

	/* The client still reads the socket and the healthy request goes on. */
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_true(coap_client_has_ongoing_exchange(&s->client));
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
	assert_int_equal(recorder_count(&rec_gone), 1);
	recorder_destroy(&rec_gone);
}

/*
 * Defect 4: after an ICMP error on a socket with IP_RECVERR, the next
 * request on the socket must not make the client thread spin on POLLERR
 * (the error queue is read), and still gets its response.
 */
static void test_icmp_error_queue_drained(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "after");
	struct sockaddr_in gone = closed_port();
	struct recorder rec_gone;

	recorder_init(&rec_gone);
	set_recverr(s->sock);
	send_to_closed(s, s->sock, &gone, &rec_gone);
	assert_true(recorder_wait(&rec_gone, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_gone, 0, -ECONNREFUSED, NULL, true);

	sys_send(s, &req, &params);
	assert_client_idle(s);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
	recorder_destroy(&rec_gone);
}

/*
 * Several errors queued at once (three requests to closed ports) are all
 * taken, each ends its own request, and the healthy request goes on without
 * the thread spinning.
 */
static void test_icmp_several_errors(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "healthy");
	struct sockaddr_in gone[3];
	struct recorder rec_gone[3];

	if (ZCOAP_CONFIG_MAX_REQUESTS < 4) {
		skip(); /* four requests at once (the constrained profile has 2 slots) */
	}
	set_recverr(s->sock);
	sys_send(s, &req, &params);
	for (int i = 0; i < 3; i++) {
		gone[i] = closed_port();
		recorder_init(&rec_gone[i]);
		send_to_closed(s, s->sock, &gone[i], &rec_gone[i]);
	}
	for (int i = 0; i < 3; i++) {
		assert_true(recorder_wait(&rec_gone[i], 1, RECORDER_WAIT_MS));
		sys_assert_event(&rec_gone[i], 0, -ECONNREFUSED, NULL, true);
	}
	assert_client_idle(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(recorder_count(&rec_gone[i]), 1);
		recorder_destroy(&rec_gone[i]);
	}
}

/*
 * A connected socket's error names no address but concerns its one peer:
 * with and without IP_RECVERR the request ends with -ECONNREFUSED, and a
 * later request on the socket does not make the thread spin.
 */
static void connected_refused(struct sys *s, bool recverr)
{
	struct sockaddr_in gone = closed_port();
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "gone");
	struct recorder rec;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	if (recverr) {
		set_recverr(fd);
	}
	assert_int_equal(connect(fd, (struct sockaddr *)&gone, sizeof(gone)), 0);
	recorder_init(&rec);
	req.user_data = &rec;
	assert_int_equal(coap_client_req(&s->client, fd, NULL, &req, &params), 0);
	assert_true(recorder_wait(&rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec, 0, -ECONNREFUSED, NULL, true);

	/* Again: the second error is taken too, and nothing spins meanwhile. */
	assert_int_equal(coap_client_req(&s->client, fd, NULL, &req, &params), 0);
	assert_true(recorder_wait(&rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&rec, 1, -ECONNREFUSED, NULL, true);
	assert_client_idle(s);
	close(fd);
	recorder_destroy(&rec);
}

static void test_icmp_connected(void **state)
{
	connected_refused(*state, false);
}

static void test_icmp_connected_recverr(void **state)
{
	connected_refused(*state, true);
}

/*
 * IPv6 with IPV6_RECVERR: the error queue names the endpoint as well; the
 * request to the closed port ends with -ECONNREFUSED and nothing spins.
 */
static void test_icmp_ipv6_recverr(void **state)
{
	struct sys *s = *state;
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr_in6 gone = a;
	socklen_t len = sizeof(gone);
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "gone");
	struct recorder rec;
	int on = 1;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	int tmp = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0 || tmp < 0 || bind(tmp, (struct sockaddr *)&gone, sizeof(gone)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		print_message("no IPv6 loopback: skipped\n");
		skip();
	}
	assert_int_equal(getsockname(tmp, (struct sockaddr *)&gone, &len), 0);
	close(tmp);
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on)), 0);
	recorder_init(&rec);
	req.user_data = &rec;
	assert_int_equal(
	    coap_client_req(&s->client, fd, (const struct sockaddr *)&gone, &req, &params), 0);
	assert_true(recorder_wait(&rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec, 0, -ECONNREFUSED, NULL, true);
	assert_int_equal(
	    coap_client_req(&s->client, fd, (const struct sockaddr *)&gone, &req, &params), 0);
	assert_true(recorder_wait(&rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&rec, 1, -ECONNREFUSED, NULL, true);
	assert_client_idle(s);
	close(fd);
	recorder_destroy(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_icmp_fails_only_named_endpoint, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_error_queue_drained, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_several_errors, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_connected, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_connected_recverr, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_ipv6_recverr, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
