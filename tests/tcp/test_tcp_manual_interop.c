/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_manual_interop.c -- event-loop mode of the CoAP-over-TCP client
 * (zcoap_loop_tcp.h) against libcoap's coap-server-notls 4.3.1 over TCP:
 * the non-blocking connect and the server's CSM, GET of the banner, PUT and
 * GET of 1 MiB byte-exact, Observe of /time with cancel, and the server
 * killed in the middle of a download. The test's thread is the only one
 * that drives the client (zcoap_client_tcp_process()). Exits 77 (skipped)
 * when the server is not installed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "libcoap_server.h"
#include "tcp_peer.h" /* tcp_wait_listening() */
#include "zcoap_loop_tcp.h"

#define BIG (1024 * 1024)

struct result {
	int code;
	int finals;
	size_t total;
	size_t blocks;
	bool bad_offset;
	size_t kill_at; /* kill the server when this offset is reached (0: never) */
	pid_t server;
	uint8_t *buf;
	size_t cap;
};

static struct lc_server srv;
static struct coap_client_tcp client;
static struct result res;
static int csm_events;
static uint8_t big[BIG];

static const char *const args[] = {"-d", "10", "-v", "0", NULL};

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct result *r = user_data;

	r->code = d->result_code;
	if (d->result_code >= 0 && d->payload_len > 0) {
		if (d->offset != r->total && d->offset != 0) {
			r->bad_offset = true;
		}
		if (d->offset + d->payload_len <= r->cap) {
			memcpy(r->buf + d->offset, d->payload, d->payload_len);
		}
		r->total = d->offset + d->payload_len;
		r->blocks++;
		if (r->kill_at != 0 && r->total >= r->kill_at) {
			kill(r->server,
			     SIGKILL); /* the server dies in the middle of the transfer */
			r->kill_at = 0;
		}
	}
	if (d->last_block) {
		r->finals++;
	}
}

static void on_event(struct coap_client_tcp *c, enum coap_client_tcp_event e,
		     const union coap_client_tcp_event_data *data, void *user_data)
{
	(void)c;
	(void)data;
	(void)user_data;
	if (e == COAP_CLIENT_TCP_EVENT_CSM_UPDATED) {
		csm_events++;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until *counter reaches @p want (a 60 s guard against hangs, not a timing test). */
static void drive_until(const int *counter, int want)
{
	int64_t guard = now_ms() + 60000;

	while (*counter < want) {
		int r = zcoap_client_tcp_process(&client, 1000);

		assert_true(r >= 0 || r == -EINTR);
		if (now_ms() > guard) {
			fail_msg("no progress in 60 s");
		}
	}
}

static int setup(void **state)
{
	static uint8_t rx[BIG + 4096];
	int64_t guard;

	(void)state;
	if (lc_server_binary() == NULL) {
		return 0;
	}
	/* It answered on UDP; its TCP listener may come a moment later (or another port). */
	for (int attempt = 0;; attempt++) {
		if (lc_server_start(&srv, args) != 0) {
			return -1;
		}
		if (tcp_wait_listening(&srv.addr) == 0) {
			break;
		}
		lc_server_stop(&srv);
		if (attempt == 2) {
			return -1;
		}
	}
	memset(&res, 0, sizeof(res));
	res.buf = rx;
	res.cap = sizeof(rx);
	csm_events = 0;
	memset(&client, 0, sizeof(client));
	if (zcoap_client_tcp_init_manual(&client) != 0) {
		return -1;
	}
	coap_client_tcp_set_event_cb(&client, on_event, NULL);
	if (coap_client_tcp_connect(&client, (struct sockaddr *)&srv.addr, sizeof(srv.addr),
				    IPPROTO_TCP) != 0) {
		return -1;
	}
	/* The connect completes in the loop; then libcoap's CSM arrives. */
	guard = now_ms() + 20000;
	while (csm_events == 0 && now_ms() < guard) {
		if (zcoap_client_tcp_process(&client, 1000) < 0 &&
		    zcoap_client_tcp_conn_state(&client) != 0) {
			return -1;
		}
	}
	return zcoap_client_tcp_conn_state(&client);
}

static int teardown(void **state)
{
	(void)state;
	if (lc_server_binary() == NULL) {
		return 0;
	}
	zcoap_client_tcp_deinit(&client);
	lc_server_stop(&srv);
	return 0;
}

static struct coap_client_tcp_request req_of(enum coap_method m, const char *path)
{
	struct coap_client_tcp_request req = {.method = m, .cb = on_response, .user_data = &res};

	snprintf(req.path, sizeof(req.path), "%s", path);
	return req;
}

static void test_get_banner(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");

	(void)state;
	assert_int_equal(csm_events, 1); /* libcoap's CSM, read by the loop */
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	drive_until(&res.finals, 1);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(res.total > 10);
	assert_non_null(strstr((const char *)res.buf, "libcoap"));
}

static void put_big(const char *path)
{
	struct coap_client_tcp_request put = req_of(COAP_METHOD_PUT, path);

	for (size_t i = 0; i < BIG; i++) {
		big[i] = (uint8_t)((i * 131 + i / 509) & 0xff);
	}
	put.payload = big;
	put.len = BIG;
	put.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	assert_int_equal(coap_client_tcp_req(&client, &put), 0);
	drive_until(&res.finals, 1);
	if (res.code != COAP_RESPONSE_CODE_CREATED && res.code != COAP_RESPONSE_CODE_CHANGED) {
		fail_msg("PUT of 1 MiB ended with %d", res.code);
	}
	res.finals = 0;
	res.total = 0;
	res.blocks = 0;
}

static void test_put_get_1mib(void **state)
{
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "blob");

	(void)state;
	put_big("blob");
	get.options[0] = coap_client_tcp_option_initial_block2(&client); /* BERT when allowed */
	get.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &get), 0);
	drive_until(&res.finals, 1);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, BIG);
	assert_memory_equal(res.buf, big, BIG);
	assert_true(res.blocks > 1); /* it went block-wise */
}

static void test_observe_time(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "time");

	(void)state;
	req.options[0].code = COAP_OPTION_OBSERVE;
	req.options[0].len = 0;
	req.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	/* The response to the registration and two notifications (one a second). */
	drive_until(&res.finals, 3);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(coap_client_tcp_has_ongoing_exchange(&client));
	coap_client_tcp_cancel_requests(&client); /* runs the -ECANCELED callback here */
	assert_int_equal(res.finals, 4);
	assert_int_equal(res.code, -ECANCELED);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_server_killed_mid_transfer(void **state)
{
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "blob");

	(void)state;
	put_big("blob");
	res.kill_at = 64 * 1024;
	res.server = srv.pid;
	/*
	 * 1024-byte blocks, one round trip each: without Block2 the server sends
	 * the body as one streamed message, all in the socket buffers before the
	 * kill (a connection lost in the middle of a streamed message:
	 * test_tcp_stream).
	 */
	get.options[0].code = COAP_OPTION_BLOCK2;
	get.options[0].len = 1;
	get.options[0].value[0] = 6;
	get.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &get), 0);
	drive_until(&res.finals, 1);
	/* The download ends with the error of the lost connection, never hangs. */
	assert_true(res.code == -ECONNRESET || res.code == -EPIPE);
	assert_true(res.total >= 64 * 1024 && res.total < BIG);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
	assert_int_equal(coap_client_tcp_req(&client, &get), -ENOTCONN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_get_banner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_get_1mib, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_killed_mid_transfer, setup, teardown),
	};

	if (lc_server_binary() == NULL) {
		printf("coap-server-notls not installed: skipped\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
