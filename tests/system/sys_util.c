/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * sys_util.c -- fixtures shared by the system tests (see sys_util.h).
 */

#include "sys_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sys_udp_socket(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -1;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int sys_setup(void **state)
{
	struct sys *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		return -1;
	}
	s->sock = sys_udp_socket();
	if (s->sock < 0 || peer_open(&s->peer) != 0) {
		return -1;
	}
#ifdef SYS_MANUAL_MODE
	/* Event-loop mode, driven by an application thread (tests/support/manual_loop.c). */
	if (manual_loop_start(&s->loop, &s->client) != 0) {
		return -1;
	}
#else
	if (coap_client_init(&s->client, "sys") != 0) {
		return -1;
	}
#endif
	recorder_init(&s->rec);
	recorder_init(&s->keeper_rec);
	*state = s;
	return 0;
}

int sys_teardown(void **state)
{
	struct sys *s = *state;

	if (s == NULL) {
		return 0;
	}
	/* Deinit first: it may still deliver -ECANCELED into the recorder. */
#ifdef SYS_MANUAL_MODE
	assert_int_equal(manual_loop_stop(&s->loop), 0);
#else
	assert_int_equal(zcoap_client_deinit(&s->client), 0);
#endif
	close(s->sock);
	peer_close(&s->peer);
	recorder_destroy(&s->rec);
	recorder_destroy(&s->keeper_rec);
	free(s);
	*state = NULL;
	return 0;
}

struct coap_transmission_parameters sys_params(uint32_t ack_timeout_ms, uint8_t max_retrans)
{
	struct coap_transmission_parameters p = {
	    .ack_timeout = ack_timeout_ms,
	    .ack_random_percent = 100,
	    .coap_backoff_percent = 200,
	    .max_retransmission = max_retrans,
	};

	return p;
}

struct coap_transmission_parameters sys_slow_params(void)
{
	return sys_params(20000, 2);
}

struct coap_client_request sys_request(struct sys *s, enum coap_method method, bool con,
				       const char *path)
{
	struct coap_client_request r = {
	    .method = method,
	    .confirmable = con,
	    .path = path,
	    .fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN,
	    .cb = recorder_cb,
	    .user_data = &s->rec,
	};

	return r;
}

void sys_send(struct sys *s, struct coap_client_request *req,
	      struct coap_transmission_parameters *params)
{
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), req, params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->req, PEER_WAIT_MS), 0);
	assert_true(s->req.valid);
	assert_int_equal(s->req.type, req->confirmable ? COAP_TYPE_CON : COAP_TYPE_NON_CON);
	assert_int_equal(s->req.code, (uint8_t)req->method);
}

void sys_keeper(struct sys *s)
{
	struct coap_transmission_parameters params = sys_params(60000, 1);
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "keeper",
	    .cb = recorder_cb,
	    .user_data = &s->keeper_rec,
	};
	char path[32];

	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &r, &params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->keeper, PEER_WAIT_MS), 0);
	assert_true(s->keeper.valid);
	assert_string_equal(peer_msg_path(&s->keeper, path, sizeof(path)), "keeper");
}

void sys_recv_other(struct sys *s, struct peer_msg *m)
{
	assert_int_equal(peer_recv_skip(&s->peer, m, PEER_WAIT_MS, &s->req), 0);
}

void sys_barrier(struct sys *s)
{
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, NULL, 0, NULL), 0);
}

void sys_assert_event(struct recorder *r, size_t i, int16_t code, const char *payload,
		      bool last_block)
{
	struct rec_event ev = recorder_get(r, i);

	assert_int_equal(ev.code, code);
	assert_int_equal(ev.last_block, last_block);
	if (payload != NULL) {
		assert_int_equal(ev.len, strlen(payload));
		assert_true(recorder_payload_is(r, i, payload, strlen(payload)));
	} else {
		assert_int_equal(ev.len, 0);
	}
	if (code < 0) {
		/* coap_client.h: errors come with offset 0, payload NULL, len 0, last_block. */
		assert_int_equal(ev.offset, 0);
		assert_true(ev.payload_was_null);
		assert_true(ev.last_block);
		assert_false(ev.has_info);
		assert_false(ev.has_packet);
	} else {
		assert_true(ev.has_info);
		assert_true(ev.has_packet);
		assert_int_equal(ev.packet_code, (uint8_t)code);
	}
}
