/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_interop_multicast.c -- issue 14 point 1 against libcoap: a NON GET to
 * a group that coap-server-notls joined (-g GROUP -G lo) is answered by the
 * server from its unicast address; the answer reaches the callback with
 * last_block false and the server as source, nothing is sent back, and the
 * window ends with (0, 0, NULL, 0, true).
 *
 * The server must listen on every address to hear the group, so the test
 * runs in a network namespace of its own (run_in_netns.sh: loopback only)
 * and skips (77) outside one, or without the server.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap.h"
#include "coap_client.h"
#include "libcoap_server.h"
#include "recorder.h"

#define GROUP   "239.255.0.189"
#define WAIT_MS 20000

/* Datagrams the client sent, counted by the trace hook. */
static size_t sent_out;
static pthread_mutex_t sent_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_trace(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	(void)data;
	(void)len;
	(void)user_data;
	if (outgoing) {
		pthread_mutex_lock(&sent_lock);
		sent_out++;
		pthread_mutex_unlock(&sent_lock);
	}
}

/*
 * Whether the namespace has joined GROUP (/proc/net/igmp lists each group as
 * the %08X of its address as stored): the server answers its readiness
 * probe before it joins, so wait for the join too (bounded polling).
 */
static bool group_joined(void)
{
	char want[16];
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/net/igmp", "r");

	if (f == NULL) {
		return false;
	}
	snprintf(want, sizeof(want), "%08X", (unsigned int)inet_addr(GROUP));
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		found = strstr(line, want) != NULL;
	}
	fclose(f);
	return found;
}

static void wait_group_joined(void)
{
	struct timespec step = {0, 10 * 1000 * 1000};

	for (int i = 0; i < 1000 && !group_joined(); i++) {
		nanosleep(&step, NULL);
	}
	assert_true(group_joined());
}

static void test_multicast_libcoap(void **state)
{
	static const char *const args[] = {"-A", "0.0.0.0", "-g", GROUP, "-G",
					   "lo", "-v",      "0",  NULL};
	struct lc_server srv;
	static struct coap_client client;
	struct recorder rec;
	struct sockaddr_in me = {.sin_family = AF_INET};
	struct sockaddr_in group = {.sin_family = AF_INET};
	struct in_addr lo = {.s_addr = htonl(INADDR_LOOPBACK)};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = false,
	    .path = ".well-known/core",
	    .cb = recorder_cb,
	    .user_data = &rec,
	    .multicast_timeout_ms = 9000,
	};
	struct rec_event ev;
	int sock;

	(void)state;
	/* -A 0.0.0.0 after lc_server_start()'s own -A 127.0.0.1: the later one counts */
	if (lc_server_start(&srv, args) != 0) {
		fail_msg("coap-server-notls -g did not start");
	}
	wait_group_joined();
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(sock >= 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sock, (struct sockaddr *)&me, sizeof(me)), 0);
	assert_int_equal(setsockopt(sock, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo)), 0);
	recorder_init(&rec);
	assert_int_equal(coap_client_init(&client, "mcast"), 0);
	assert_int_equal(zcoap_client_set_trace(&client, on_trace, NULL), 0);
	group.sin_addr.s_addr = inet_addr(GROUP);
	group.sin_port = htons(srv.port);

	assert_int_equal(coap_client_req(&client, sock, (struct sockaddr *)&group, &req, NULL), 0);
	/* libcoap answers after a random leisure of up to 5 s (RFC 7252 §8.2): a 9 s window */
	assert_true(recorder_wait(&rec, 2, WAIT_MS));
	ev = recorder_get(&rec, 0);
	assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(ev.last_block);
	assert_true(ev.has_info);
	assert_int_equal(ev.source_port, srv.port);
	assert_true(ev.len > 0);
	ev = recorder_get(&rec, 1);
	assert_int_equal(ev.code, 0);
	assert_true(ev.last_block);
	assert_false(ev.has_info);
	assert_int_equal(recorder_count(&rec), 2);
	/* the request was the only datagram: no RST, no ACK */
	pthread_mutex_lock(&sent_lock);
	assert_int_equal(sent_out, 1);
	pthread_mutex_unlock(&sent_lock);

	assert_int_equal(zcoap_client_deinit(&client), 0);
	close(sock);
	recorder_destroy(&rec);
	lc_server_stop(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_multicast_libcoap),
	};

	if (getenv("ZCOAP_IN_NETNS") == NULL) {
		printf("SKIP: run through run_in_netns.sh (the server listens on every address)\n");
		return 77;
	}
	if (lc_server_binary() == NULL) {
		printf("SKIP: coap-server-notls (libcoap3-bin) is not installed\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
