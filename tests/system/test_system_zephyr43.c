/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_zephyr43.c -- issue 14 point 6: code written against Zephyr
 * 4.3+'s coap_client.h (callback taking a struct coap_client_response_data,
 * char path[], embedded options[], payload_cb) builds unchanged with
 * ZCOAP_ZEPHYR_API_4_3 defined (CMake compiles this file with it) and runs
 * against the same library as every other test, over loopback UDP.
 *
 * Only the public API is used below, written as a Zephyr 4.3 application
 * would; sys_util.h (default shape) is not included.
 */

#ifndef ZCOAP_ZEPHYR_API_4_3
#error "this test must be compiled with -DZCOAP_ZEPHYR_API_4_3"
#endif

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coap_client.h>

#include "peer.h"

/* ---- a Zephyr 4.3 style callback log ---- */

#define MAX_EV 16

struct ev43 {
	int16_t code;
	size_t offset;
	size_t len;
	bool last_block;
	bool has_packet;
	uint8_t packet_code;
	char payload[64];
	bool has_source;
	struct sockaddr_in source; /* when has_source and IPv4 */
	socklen_t source_len;
};

struct log43 {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ev43 ev[MAX_EV];
	size_t n;
};

static void on_response(const struct coap_client_response_data *data, void *user_data)
{
	struct log43 *l = user_data;
	struct ev43 *e;

	pthread_mutex_lock(&l->lock);
	if (l->n < MAX_EV) {
		e = &l->ev[l->n++];
		memset(e, 0, sizeof(*e));
		e->code = data->result_code;
		e->offset = data->offset;
		e->len = data->payload_len;
		e->last_block = data->last_block;
		e->has_packet = data->packet != NULL;
		if (data->packet != NULL) {
			e->packet_code = coap_header_get_code(data->packet);
		}
		e->has_source = data->source != NULL;
		e->source_len = data->source_len;
		if (data->source != NULL && data->source_len == sizeof(e->source)) {
			memcpy(&e->source, data->source, sizeof(e->source));
		}
		if (data->payload != NULL && data->payload_len < sizeof(e->payload)) {
			memcpy(e->payload, data->payload, data->payload_len);
		}
	}
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static bool log_wait(struct log43 *l, size_t n)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&l->lock);
	while (l->n < n) {
		if (pthread_cond_timedwait(&l->cond, &l->lock, &until) != 0) {
			break;
		}
	}
	ok = l->n >= n;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

struct fixture {
	struct coap_client client;
	int sock;
	struct peer peer;
	struct log43 log;
	struct peer_msg req;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = {.sin_family = AF_INET};

	if (f == NULL) {
		return -1;
	}
	f->sock = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (f->sock < 0 || bind(f->sock, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    peer_open(&f->peer) != 0 || coap_client_init(&f->client, "z43") != 0) {
		return -1;
	}
	pthread_mutex_init(&f->log.lock, NULL);
	pthread_cond_init(&f->log.cond, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	peer_close(&f->peer);
	close(f->sock);
	pthread_cond_destroy(&f->log.cond);
	pthread_mutex_destroy(&f->log.lock);
	free(f);
	return 0;
}

/* The request of a Zephyr 4.3 sample: path and options inside the struct. */
static void test_43_get_with_embedded_options(void **state)
{
	struct fixture *f = *state;
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "sensors/temp",
	    .cb = on_response,
	    .options = {{.code = COAP_OPTION_ACCEPT, .len = 1, .value = {50}}},
	    .num_options = 1,
	    .user_data = &f->log,
	};
	char path[64];
	const struct peer_opt *o;

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	/* the structure may be reused at once: the library copied it */
	memset(&req, 0, sizeof(req));
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_true(f->req.valid);
	assert_string_equal(peer_msg_path(&f->req, path, sizeof(path)), "sensors/temp");
	o = peer_msg_opt(&f->req, COAP_OPTION_ACCEPT, 0);
	assert_non_null(o);
	assert_int_equal(peer_opt_uint(o), 50);
	assert_int_equal(
	    peer_reply(&f->peer, &f->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "21.5", 4), 0);
	assert_true(log_wait(&f->log, 1));
	assert_int_equal(f->log.ev[0].code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(f->log.ev[0].last_block);
	assert_int_equal(f->log.ev[0].len, 4);
	assert_string_equal(f->log.ev[0].payload, "21.5");
	/* 4.3: the callback gets the response packet */
	assert_true(f->log.ev[0].has_packet);
	assert_int_equal(f->log.ev[0].packet_code, COAP_RESPONSE_CODE_CONTENT);
}

/* Errors: result_code < 0, packet NULL, last_block true. */
static void test_43_error_and_cancel(void **state)
{
	struct fixture *f = *state;
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "never",
	    .cb = on_response,
	    .user_data = &f->log,
	};
	struct coap_client_request pattern = {.cb = on_response};

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	/* a 4.3 pattern (empty path: any) matches by callback */
	coap_client_cancel_request(&f->client, &pattern);
	assert_true(log_wait(&f->log, 1));
	assert_int_equal(f->log.ev[0].code, -ECANCELED);
	assert_false(f->log.ev[0].has_packet);
	assert_true(f->log.ev[0].last_block);
	assert_false(coap_client_has_ongoing_exchange(&f->client));
}

/* payload_cb (4.3) streams the body. */
static const char body[] = "streamed-body";

static int give_body(size_t offset, const uint8_t **payload, size_t *len, bool *last_block,
		     void *user_data)
{
	(void)user_data;
	*payload = (const uint8_t *)body + offset;
	*len = sizeof(body) - 1 - offset;
	*last_block = true;
	return 0;
}

static void test_43_payload_cb_and_ping(void **state)
{
	struct fixture *f = *state;
	struct coap_client_request req = {
	    .method = COAP_METHOD_PUT,
	    .confirmable = true,
	    .path = "x",
	    .fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN,
	    .payload_cb = give_body,
	    .cb = on_response,
	    .user_data = &f->log,
	};

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(f->req.payload_len, sizeof(body) - 1);
	assert_memory_equal(peer_msg_payload(&f->req), body, sizeof(body) - 1);
	assert_int_equal(
	    peer_reply(&f->peer, &f->req, COAP_RESPONSE_CODE_CHANGED, NULL, 0, NULL, 0), 0);
	assert_true(log_wait(&f->log, 1));
	assert_int_equal(f->log.ev[0].code, COAP_RESPONSE_CODE_CHANGED);

	/* zcoap_client_ping() takes the 4.3 callback too */
	assert_int_equal(zcoap_client_ping(&f->client, f->sock, peer_sa(&f->peer), on_response,
					   &f->log, 0, NULL),
			 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(peer_rst(&f->peer, &f->req), 0);
	assert_true(log_wait(&f->log, 2));
	assert_int_equal(f->log.ev[1].code, 0);
	assert_true(f->log.ev[1].has_packet);
}

/* A path without its NUL cannot be read: -EINVAL, nothing sent. */
static void test_43_unterminated_path(void **state)
{
	struct fixture *f = *state;
	struct coap_client_request req = {.method = COAP_METHOD_GET, .cb = on_response};

	memset(req.path, 'p', sizeof(req.path));
	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL),
			 -EINVAL);
	assert_false(peer_pending(&f->peer));
}

/*
 * Zephyr 4.4's data->source/source_len: the responder of each response on an
 * unconnected socket (what names the members of a group, RFC 7252 §8); NULL
 * in a callback without a response (here a cancel, as for the end of a
 * multicast window).
 */
static void test_43_source(void **state)
{
	struct fixture *f = *state;
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "who",
	    .cb = on_response,
	    .user_data = &f->log,
	};
	const struct sockaddr_in *peer =
	    (const struct sockaddr_in *)(const void *)peer_sa(&f->peer);

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(
	    peer_reply(&f->peer, &f->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "me", 2), 0);
	assert_true(log_wait(&f->log, 1));
	assert_true(f->log.ev[0].has_source);
	assert_int_equal(f->log.ev[0].source_len, sizeof(struct sockaddr_in));
	assert_int_equal(f->log.ev[0].source.sin_family, AF_INET);
	assert_int_equal(f->log.ev[0].source.sin_port, peer->sin_port);
	assert_int_equal(f->log.ev[0].source.sin_addr.s_addr, peer->sin_addr.s_addr);

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	coap_client_cancel_requests(&f->client);
	assert_true(log_wait(&f->log, 2));
	assert_int_equal(f->log.ev[1].code, -ECANCELED);
	assert_false(f->log.ev[1].has_source);
	assert_int_equal(f->log.ev[1].source_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_43_get_with_embedded_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_43_error_and_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_43_payload_cb_and_ping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_43_unterminated_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_43_source, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
