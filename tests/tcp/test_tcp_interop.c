/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_interop.c -- the CoAP-over-TCP client against libcoap's example
 * server (coap-server-notls 4.3.1), which listens on TCP on its UDP port.
 * Started per test on a free loopback port ("-d 10": resources created by
 * PUT); exits 77 (skipped) when the server is not installed.
 *
 * GET of the banner, 4.04, the server's CSM and a Ping/Pong, PUT and GET of
 * 1 MiB byte-exact (Block1, and a GET streamed in one message), a 3 MiB
 * body streamed in one message, Observe of /time, and the server killed in
 * the middle of a (block-wise) download.
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

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "libcoap_server.h"
#include "tcp_peer.h" /* tcp_wait() */
#include "zcoap_option.h"

#define BIG  (1024 * 1024)
#define HUGE (3 * 1024 * 1024 + 777) /* one streamed message (docs/design/tcp.md) */

/* Written on the client's thread, read on the test's: atomics (the data only after a sem). */
struct result {
	sem_t done;
	sem_t block;
	_Atomic int code;
	_Atomic size_t total;
	_Atomic size_t blocks;
	_Atomic bool bad_offset;
	_Atomic int notifications;
	_Atomic bool saw_block2; /* a response message carried Block2 */
	size_t kill_at;          /* kill the server when this offset is reached (0: never) */
	pid_t server;
	uint8_t *buf;
	size_t cap;
};

static struct lc_server srv;
static struct coap_client_tcp client;
static struct result res;
static sem_t ev_sem;
static _Atomic int csm_events;
static _Atomic int pongs;
static uint8_t big[HUGE];

static const char *const args[] = {"-d", "10", "-v", "0", NULL};

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct result *r = user_data;

	r->code = d->result_code;
	if (d->packet != NULL) {
		const uint8_t *v;
		uint16_t vlen;

		if (zcoap_option_find(d->packet, COAP_OPTION_BLOCK2, &v, &vlen) == 0) {
			r->saw_block2 = true;
		}
	}
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
			/* The server dies in the middle of the transfer. */
			kill(r->server, SIGKILL);
			r->kill_at = 0;
		}
	}
	if (d->last_block) {
		r->notifications++;
		sem_post(&r->done);
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
	} else if (e == COAP_CLIENT_TCP_EVENT_PONG_RECEIVED) {
		pongs++;
	}
	sem_post(&ev_sem);
}

static int setup(void **state)
{
	static uint8_t rx[HUGE + 4096];

	(void)state;
	if (lc_server_binary() == NULL) {
		return 0;
	}
	/* It answered on UDP; its TCP listener may come a moment later, or not at all when
	 * another process holds that TCP port: then on another port. */
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
	sem_init(&res.done, 0, 0);
	sem_init(&res.block, 0, 0);
	sem_init(&ev_sem, 0, 0);
	csm_events = 0;
	pongs = 0;
	memset(&client, 0, sizeof(client));
	if (coap_client_tcp_init(&client, "tcp_interop") != 0) {
		return -1;
	}
	coap_client_tcp_set_event_cb(&client, on_event, NULL);
	return coap_client_tcp_connect(&client, (struct sockaddr *)&srv.addr, sizeof(srv.addr),
				       IPPROTO_TCP);
}

static int teardown(void **state)
{
	(void)state;
	if (lc_server_binary() == NULL) {
		return 0;
	}
	zcoap_client_tcp_deinit(&client);
	lc_server_stop(&srv);
	sem_destroy(&res.done);
	sem_destroy(&res.block);
	sem_destroy(&ev_sem);
	return 0;
}

static struct coap_client_tcp_request req_of(enum coap_method m, const char *path)
{
	struct coap_client_tcp_request req = {.method = m, .cb = on_response, .user_data = &res};

	snprintf(req.path, sizeof(req.path), "%s", path);
	return req;
}

static void test_get_banner_csm_ping(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");

	(void)state;
	assert_int_equal(tcp_wait(&ev_sem), 0);
	assert_int_equal(csm_events, 1); /* libcoap's CSM */
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(res.total > 10);
	assert_non_null(strstr((const char *)res.buf, "libcoap"));
	assert_int_equal(coap_client_tcp_ping(&client), 0);
	assert_int_equal(tcp_wait(&ev_sem), 0);
	assert_int_equal(pongs, 1);
}

static void test_not_found(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "no/such/thing");

	(void)state;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_NOT_FOUND);
}

static void put_len(const char *path, size_t len)
{
	struct coap_client_tcp_request put = req_of(COAP_METHOD_PUT, path);

	for (size_t i = 0; i < len; i++) {
		big[i] = (uint8_t)((i * 131 + i / 509) & 0xff);
	}
	put.payload = big;
	put.len = len;
	put.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	assert_int_equal(coap_client_tcp_req(&client, &put), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	if (res.code != COAP_RESPONSE_CODE_CREATED && res.code != COAP_RESPONSE_CODE_CHANGED) {
		fail_msg("PUT of %zu bytes ended with %d", len, res.code);
	}
}

static void put_big(const char *path)
{
	put_len(path, BIG);
}

static void test_put_get_1mib(void **state)
{
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "blob");

	(void)state;
	put_big("blob");
	res.total = 0;
	res.blocks = 0;
	assert_int_equal(coap_client_tcp_req(&client, &get), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, BIG);
	assert_memory_equal(res.buf, big, BIG);
	assert_true(res.blocks > 1); /* in pieces (one message, streamed) */
}

/*
 * Without Block2 in the request the server sends the body as one message
 * (our Max-Message-Size takes it): streamed through the receive buffer in
 * pieces, byte-exact.
 */
static void test_get_streamed_3mib(void **state)
{
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "huge");

	(void)state;
	if (ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE < HUGE + 64) {
		skip(); /* this build does not stream that much */
	}
	put_len("huge", HUGE);
	res.total = 0;
	res.blocks = 0;
	res.saw_block2 = false;
	assert_int_equal(coap_client_tcp_req(&client, &get), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, HUGE);
	assert_memory_equal(res.buf, big, HUGE);
	assert_false(res.saw_block2); /* one message, no round trips */
	assert_true(res.blocks >= HUGE / ZCOAP_CONFIG_TCP_MESSAGE_SIZE); /* in pieces */
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
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tcp_wait(&res.done), 0);
		assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	}
	assert_true(coap_client_tcp_has_ongoing_exchange(&client));
	coap_client_tcp_cancel_requests(&client);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECANCELED);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_server_killed_mid_transfer(void **state)
{
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "blob");

	(void)state;
	put_big("blob");
	res.total = 0;
	res.kill_at = 64 * 1024;
	res.server = srv.pid;
	/*
	 * 1024-byte blocks, one round trip each: without Block2 the server sends
	 * the body as one message, all in the socket buffers before the kill.
	 * (A connection lost in the middle of a streamed message: test_tcp_stream.)
	 */
	get.options[0].code = COAP_OPTION_BLOCK2;
	get.options[0].len = 1;
	get.options[0].value[0] = 6;
	get.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &get), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	/* The download ends with the error of the lost connection, never hangs. */
	assert_true(res.code < 0);
	assert_true(res.code == -ECONNRESET || res.code == -EPIPE);
	assert_true(res.total >= 64 * 1024 && res.total < BIG);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
	get = req_of(COAP_METHOD_GET, "blob");
	assert_int_equal(coap_client_tcp_req(&client, &get), -ENOTCONN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_get_banner_csm_ping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_get_1mib, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_streamed_3mib, setup, teardown),
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
