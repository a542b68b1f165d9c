/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_manual.c -- event-loop mode of the CoAP-over-TCP client
 * (zcoap_loop_tcp.h) against the scripted peer (tcp_peer.c) over loopback.
 * No receive thread exists: the test's thread drives the client, with
 * zcoap_client_tcp_process() or the foreign-loop calls, and every timer,
 * the non-blocking connect and every callback run from those calls alone.
 * The only waits are the client's own; a 20 s guard ends a round loop
 * that would otherwise hang (a guard, not a timing assertion).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "tcp/frame.h"
#include "tcp_peer.h"
#include "zcoap_loop_tcp.h"
#include "zcoap_option.h"

#define BODY_LEN 5000

struct result {
	_Atomic int calls;
	_Atomic int finals;
	_Atomic int code;
	size_t total;
	uint8_t data[BODY_LEN];
	bool bad_offset;
};

static struct coap_client_tcp client;
static struct tcp_peer peer;
static struct result res;
static struct result res2;
static uint8_t body[BODY_LEN];
static _Atomic int csm_events;
static _Atomic int pongs;

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct result *r = user_data;

	r->calls++;
	r->code = d->result_code;
	if (d->result_code >= 0 && d->payload_len > 0) {
		if (d->offset != r->total && d->offset != 0) {
			r->bad_offset = true;
		}
		if (d->offset + d->payload_len <= sizeof(r->data)) {
			memcpy(r->data + d->offset, d->payload, d->payload_len);
		}
		r->total = d->offset + d->payload_len;
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
	} else if (e == COAP_CLIENT_TCP_EVENT_PONG_RECEIVED) {
		pongs++;
	}
}

static bool has_path(const struct coap_packet *pkt, const char *path)
{
	const uint8_t *v;
	uint16_t len;

	return zcoap_option_find(pkt, COAP_OPTION_URI_PATH, &v, &len) == 0 && len == strlen(path) &&
	       memcmp(v, path, len) == 0;
}

/* The server: CSM answered with a CSM, then by path. */
static bool serve(struct tcp_peer *p, const struct coap_packet *pkt)
{
	uint8_t code = coap_header_get_code(pkt);
	struct coap_packet out;
	const uint8_t *v;
	uint16_t vlen;

	if (code == ZC_TCP_CSM) {
		tcp_peer_csm(p, 8192, true);
		return true;
	}
	if (code == ZC_TCP_PING) {
		tcp_peer_msg(p, &out, ZC_TCP_PONG, NULL);
		tcp_peer_send(p, &out, 0);
		return true;
	}
	if ((code >> 5) == 7) {
		return true;
	}
	if (has_path(pkt, "hello")) {
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		coap_packet_append_payload_marker(&out);
		coap_packet_append_payload(&out, (const uint8_t *)"hello", 5);
		tcp_peer_send(p, &out, 1); /* one byte per write: partial reads */
	} else if (has_path(pkt, "big")) {
		/* Block2 in the largest block the client's receive buffer takes (SZX <= 6). */
		uint32_t num = 0;
		uint8_t szx = 6;
		uint32_t unit;
		size_t off;
		size_t n;

		while (szx > 0 && (16U << szx) + 64U > ZCOAP_CONFIG_TCP_MESSAGE_SIZE) {
			szx--;
		}
		unit = 16U << szx;
		if (zcoap_option_find(pkt, COAP_OPTION_BLOCK2, &v, &vlen) == 0) {
			num = zcoap_option_uint(v, vlen) >> 4;
		}
		off = (size_t)num * unit;
		n = BODY_LEN - off < unit ? BODY_LEN - off : unit;
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		coap_append_option_int(&out, COAP_OPTION_BLOCK2,
				       (num << 4) | (off + n < BODY_LEN ? 8U : 0U) | szx);
		coap_packet_append_payload_marker(&out);
		coap_packet_append_payload(&out, body + off, (uint16_t)n);
		tcp_peer_send(p, &out, 100);
	} else if (has_path(pkt, "obs")) {
		/* Three notifications, then the server ends the observation with 4.04. */
		for (unsigned int i = 0; i < 3; i++) {
			tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
			coap_append_option_int(&out, COAP_OPTION_OBSERVE, i + 2);
			tcp_peer_send(p, &out, 0);
		}
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_NOT_FOUND, pkt);
		tcp_peer_send(p, &out, 0);
	} else if (has_path(pkt, "silent")) {
		/* no answer */
	} else if (has_path(pkt, "hangup")) {
		return false;
	} else {
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_NOT_FOUND, pkt);
		tcp_peer_send(p, &out, 0);
	}
	return true;
}

static int setup(void **state)
{
	(void)state;
	memset(&res, 0, sizeof(res));
	memset(&res2, 0, sizeof(res2));
	csm_events = 0;
	pongs = 0;
	for (size_t i = 0; i < sizeof(body); i++) {
		body[i] = (uint8_t)(i * 7 + (i >> 8));
	}
	memset(&client, 0, sizeof(client));
	assert_int_equal(zcoap_client_tcp_init_manual(&client), 0);
	coap_client_tcp_set_event_cb(&client, on_event, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (client.initialised) {
		assert_int_equal(zcoap_client_tcp_deinit(&client), 0);
	}
	if (peer.lfd > 0) {
		tcp_peer_stop(&peer);
	}
	memset(&peer, 0, sizeof(peer));
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive the client with zcoap_client_tcp_process() until *flag reaches @p want. */
static int drive_until(_Atomic int *flag, int want)
{
	int64_t guard = now_ms() + 20000;
	int ran = 0;

	while (*flag < want) {
		int r = zcoap_client_tcp_process(&client, 1000);

		assert_true(r >= 0 || r == -EINTR);
		ran += r > 0 ? r : 0;
		if (now_ms() > guard) {
			fail_msg("no progress in 20 s");
		}
	}
	return ran;
}

/* Until the connect under way has ended; returns the state. */
static int drive_connect(void)
{
	int64_t guard = now_ms() + 20000;
	int st;

	while ((st = zcoap_client_tcp_conn_state(&client)) == -EINPROGRESS) {
		int r = zcoap_client_tcp_process(&client, 1000);

		assert_true(r >= 0 || r == -EINTR);
		if (now_ms() > guard) {
			fail_msg("connect did not end in 20 s");
		}
	}
	return st;
}

static struct coap_client_tcp_request get_req(const char *path, struct result *r)
{
	struct coap_client_tcp_request req = {
	    .method = COAP_METHOD_GET, .cb = on_response, .user_data = r};

	strcpy(req.path, path);
	return req;
}

/* Threads of this process (/proc/self/status): the client must start none. */
static int thread_count(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Threads: %d", &n) == 1) {
			break;
		}
	}
	fclose(f);
	return n;
}

static void connect_peer(void)
{
	int st;

	tcp_peer_start(&peer, serve, NULL);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	st = drive_connect();
	assert_int_equal(st, 0);
}

static void test_get_without_thread(void **state)
{
	struct coap_client_tcp_request req = get_req("hello", &res);
	int fds[ZCOAP_CLIENT_TCP_MAX_FDS];
	unsigned int events[ZCOAP_CLIENT_TCP_MAX_FDS];
	int timeout = 0;
	int threads;
	int st;
	int ran;

	(void)state;
	tcp_peer_start(&peer, serve, NULL);
	threads = thread_count(); /* the test's and the peer's */
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	st = zcoap_client_tcp_conn_state(&client);
	assert_true(st == -EINPROGRESS || st == 0);
	if (st == -EINPROGRESS) {
		/* Nothing goes out before the connection: the loop watches for writability. */
		assert_int_equal(coap_client_tcp_req(&client, &req), -EINPROGRESS);
		assert_int_equal(coap_client_tcp_ping(&client), -EINPROGRESS);
		assert_int_equal(zcoap_client_tcp_get_fds(&client, fds, events, 2, &timeout), 2);
		assert_int_equal(events[0], ZCOAP_FD_IN);
		assert_int_equal(events[1], ZCOAP_FD_OUT);
		assert_true(timeout > 0); /* the connect's deadline: no busy loop */
	}
	assert_int_equal(drive_connect(), 0);
	assert_int_equal(zcoap_client_tcp_get_fds(&client, fds, events, 2, &timeout), 2);
	assert_int_equal(events[1], ZCOAP_FD_IN);
	assert_int_equal(timeout, -1); /* no request: nothing to time */
	/* get_fds() means "the loop sleeps on this set"; a round ends that (it may run the
	 * server's CSM event). */
	assert_true(zcoap_client_tcp_process(&client, 0) >= 0);

	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(zcoap_client_tcp_get_fds(&client, fds, events, 2, &timeout), 2);
	assert_true(timeout > 0);
	{
		/* A request from the loop thread between rounds does not signal the wake-up. */
		struct pollfd w = {.fd = fds[0], .events = POLLIN};

		assert_int_equal(poll(&w, 1, 0), 0);
	}
	ran = drive_until(&res.finals, 1);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(res.total, 5);
	assert_memory_equal(res.data, "hello", 5);
	assert_true(ran >= 1); /* process() counts the callbacks it ran */
	assert_int_equal(tcp_peer_first_code(&peer), ZC_TCP_CSM);
	assert_int_equal(thread_count(), threads);
	/* Idle: a round that waits not at all runs nothing. */
	assert_int_equal(zcoap_client_tcp_process(&client, 0), 0);
	/* Signalling works the same: Ping, its Pong from a loop call; Release goes out. */
	assert_int_equal(coap_client_tcp_ping(&client), 0);
	(void)drive_until(&pongs, 1);
	assert_int_equal(coap_client_tcp_release(&client, NULL, 0), 0);
}

static void test_timeout_from_process(void **state)
{
	struct coap_client_tcp_request req = get_req("silent", &res);
	int ran;

	(void)state;
	connect_peer();
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 100), 0);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	ran = drive_until(&res.finals, 1);
	assert_int_equal(res.code, -ETIMEDOUT);
	assert_true(ran >= 1);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_connection_lost(void **state)
{
	struct coap_client_tcp_request a = get_req("silent", &res);
	struct coap_client_tcp_request b = get_req("hangup", &res2);

	(void)state;
	connect_peer();
	assert_int_equal(coap_client_tcp_req(&client, &a), 0);
	assert_int_equal(coap_client_tcp_req(&client, &b), 0);
	(void)drive_until(&res.finals, 1);
	(void)drive_until(&res2.finals, 1);
	assert_int_equal(res.code, -ECONNRESET);
	assert_int_equal(res2.code, -ECONNRESET);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), -ENOTCONN);
	assert_int_equal(coap_client_tcp_req(&client, &a), -ENOTCONN);
	/* The descriptor is gone from the set. */
	assert_int_equal(zcoap_client_tcp_get_fds(&client, NULL, NULL, 0, NULL), 1);
}

static void test_block2_and_observe(void **state)
{
	struct coap_client_tcp_request big = get_req("big", &res);
	struct coap_client_tcp_request obs = get_req("obs", &res2);

	(void)state;
	connect_peer();
	assert_int_equal(coap_client_tcp_req(&client, &big), 0);
	(void)drive_until(&res.finals, 1);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, BODY_LEN);
	assert_memory_equal(res.data, body, BODY_LEN);
	assert_true(res.calls > 1);

	obs.options[0].code = COAP_OPTION_OBSERVE;
	obs.options[0].len = 0;
	obs.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &obs), 0);
	(void)drive_until(&res2.finals, 4);
	assert_int_equal(res2.code, COAP_RESPONSE_CODE_NOT_FOUND);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
	assert_true(csm_events >= 1);
}

/* A callback that tries the loop calls and deinit, cancels the other request, sends a new one.
 */
static _Atomic int in_cb_process;
static _Atomic int in_cb_deinit;
static _Atomic int in_cb_cancelled_code;
static _Atomic int in_cb_req;

static void on_first(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct coap_client_tcp_request next = get_req("hello", &res2);

	(void)user_data;
	if (!d->last_block) {
		return;
	}
	res.code = d->result_code;
	in_cb_process = zcoap_client_tcp_process(&client, 0);
	in_cb_deinit = zcoap_client_tcp_deinit(&client);
	/* The open "silent" request ends here, in this thread, before cancel returns. */
	coap_client_tcp_cancel_requests(&client);
	in_cb_cancelled_code = res2.code;
	res2.code = 0;
	res2.finals = 0;
	in_cb_req = coap_client_tcp_req(&client, &next);
	res.finals++;
}

static void test_callbacks_cancel_and_deinit(void **state)
{
	struct coap_client_tcp_request silent = get_req("silent", &res2);
	struct coap_client_tcp_request first = get_req("hello", NULL);

	(void)state;
	connect_peer();
	first.cb = on_first;
	assert_int_equal(coap_client_tcp_req(&client, &silent), 0);
	assert_int_equal(coap_client_tcp_req(&client, &first), 0);
	(void)drive_until(&res.finals, 1);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(in_cb_process, -EDEADLK);
	assert_int_equal(in_cb_deinit, -EDEADLK);
	assert_int_equal(in_cb_cancelled_code, -ECANCELED);
	assert_int_equal(in_cb_req, 0);
	/* The request sent from the callback completes in a later round. */
	(void)drive_until(&res2.finals, 1);
	assert_int_equal(res2.code, COAP_RESPONSE_CODE_CONTENT);
}

/* A callback that closes the connection: the other request ends with -ECANCELED. */
static void on_close(const struct coap_client_tcp_response_data *d, void *user_data)
{
	(void)user_data;
	if (d->last_block) {
		res.code = d->result_code;
		assert_int_equal(coap_client_tcp_close(&client), 0);
		res.finals++;
	}
}

static void test_callback_closes(void **state)
{
	struct coap_client_tcp_request silent = get_req("silent", &res2);
	struct coap_client_tcp_request first = get_req("hello", NULL);

	(void)state;
	connect_peer();
	first.cb = on_close;
	assert_int_equal(coap_client_tcp_req(&client, &silent), 0);
	assert_int_equal(coap_client_tcp_req(&client, &first), 0);
	(void)drive_until(&res.finals, 1);
	assert_int_equal(res2.finals, 1);
	assert_int_equal(res2.code, -ECANCELED);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), -ENOTCONN);
	assert_int_equal(zcoap_client_tcp_process(&client, 0), 0);
	/* A new connection works (the peer takes one connection at a time). */
	assert_int_equal(tcp_wait(&peer.closed_sem), 0);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	assert_int_equal(drive_connect(), 0);
	silent = get_req("hello", &res2);
	assert_int_equal(coap_client_tcp_req(&client, &silent), 0);
	(void)drive_until(&res2.finals, 2);
	assert_int_equal(res2.code, COAP_RESPONSE_CODE_CONTENT);
}

/* One round of a foreign poll() loop: the client's descriptors with their events. */
static void poll_round(void)
{
	int fds[ZCOAP_CLIENT_TCP_MAX_FDS];
	unsigned int events[ZCOAP_CLIENT_TCP_MAX_FDS];
	struct pollfd pfd[ZCOAP_CLIENT_TCP_MAX_FDS];
	int timeout;
	int n = zcoap_client_tcp_get_fds(&client, fds, events, ZCOAP_CLIENT_TCP_MAX_FDS, &timeout);
	int ready;

	assert_true(n >= 1 && n <= ZCOAP_CLIENT_TCP_MAX_FDS);
	for (int i = 0; i < n; i++) {
		pfd[i] = (struct pollfd){.fd = fds[i], .events = (short)events[i]};
	}
	ready = poll(pfd, (nfds_t)n, timeout < 0 || timeout > 1000 ? 1000 : timeout);
	assert_true(ready >= 0);
	for (int i = 0; i < n; i++) {
		if (pfd[i].revents != 0) {
			assert_true(zcoap_client_tcp_fd_ready(&client, pfd[i].fd,
							      (unsigned int)pfd[i].revents) >= 0);
		}
	}
	if (ready == 0) {
		assert_true(zcoap_client_tcp_timeout(&client) >= 0);
	}
}

static void test_foreign_loop(void **state)
{
	struct coap_client_tcp_request req = get_req("hello", &res);
	struct coap_client_tcp_request silent = get_req("silent", &res2);
	int64_t guard = now_ms() + 20000;

	(void)state;
	tcp_peer_start(&peer, serve, NULL);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	while (zcoap_client_tcp_conn_state(&client) == -EINPROGRESS && now_ms() < guard) {
		poll_round();
	}
	assert_int_equal(zcoap_client_tcp_conn_state(&client), 0);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 100), 0);
	assert_int_equal(coap_client_tcp_req(&client, &silent), 0);
	while ((res.finals < 1 || res2.finals < 1) && now_ms() < guard) {
		poll_round();
	}
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(res2.code, -ETIMEDOUT); /* from zcoap_client_tcp_timeout() */
	/* A descriptor the client does not know is ignored. */
	assert_int_equal(zcoap_client_tcp_fd_ready(&client, 0, ZCOAP_FD_IN), 0);
}

static void test_connect_refused(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int r;

	(void)state;
	/* A port nobody listens on: bound, never listened to, held until the end. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	r = coap_client_tcp_connect(&client, (struct sockaddr *)&a, sizeof(a), IPPROTO_TCP);
	assert_true(r == 0 || r == -ECONNREFUSED);
	assert_int_equal(drive_connect(), -ECONNREFUSED);
	assert_int_equal(zcoap_client_tcp_get_fds(&client, NULL, NULL, 0, NULL), 1);
	close(s);
}

static void test_connect_timeout(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int fill[2];
	struct coap_client_tcp_request req = get_req("x", &res);

	(void)state;
	/* A listener that never accepts, its backlog full: the SYN goes unanswered. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(listen(l, 0), 0);
	for (int i = 0; i < 2; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 300), 0);
	assert_int_equal(
	    coap_client_tcp_connect(&client, (struct sockaddr *)&a, sizeof(a), IPPROTO_TCP), 0);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), -EINPROGRESS);
	assert_int_equal(coap_client_tcp_req(&client, &req), -EINPROGRESS);
	assert_int_equal(drive_connect(), -ETIMEDOUT);
	assert_int_equal(coap_client_tcp_req(&client, &req), -ENOTCONN);
	for (int i = 0; i < 2; i++) {
		close(fill[i]);
	}
	close(l);
}

/* Another thread makes requests while this one runs the loop: the wake-up descriptor. */
static sem_t other_sem;
static _Atomic int other_err;

static void on_other(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct result *r = user_data;

	if (d->last_block) {
		r->code = d->result_code;
		r->finals++;
		sem_post(&other_sem);
	}
}

static void *other_thread(void *arg)
{
	struct coap_client_tcp_request req = get_req("hello", &res);
	int r;

	(void)arg;
	req.cb = on_other;
	for (int i = 0; i < 20; i++) {
		r = coap_client_tcp_req(&client, &req);
		if (r != 0 || tcp_wait(&other_sem) != 0) {
			other_err = r != 0 ? r : -ETIMEDOUT;
			return NULL;
		}
	}
	/* A deadline earlier than any the loop knows (it has none): it must wake to take it. */
	req = get_req("silent", &res2);
	req.cb = on_other;
	r = zcoap_client_tcp_set_timeout(&client, 50);
	if (r == 0) {
		r = coap_client_tcp_req(&client, &req);
	}
	other_err = r;
	return NULL;
}

static void test_requests_from_another_thread(void **state)
{
	pthread_t t;
	int64_t guard = now_ms() + 20000;

	(void)state;
	connect_peer();
	other_err = 0;
	sem_init(&other_sem, 0, 0);
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	while (res2.finals < 1 && other_err == 0 && now_ms() < guard) {
		int r = zcoap_client_tcp_process(&client, -1); /* no deadline: waits for a wake */

		assert_true(r >= 0 || r == -EINTR);
	}
	pthread_join(t, NULL);
	sem_destroy(&other_sem);
	assert_int_equal(other_err, 0);
	assert_int_equal(res.finals, 20);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(res2.code, -ETIMEDOUT);
}

/* zcoap_client_tcp_deinit() from another thread while this one is inside a loop call. */
static sem_t in_cb_sem;
static sem_t deinit_sem;
static _Atomic bool deinit_started;
static _Atomic int deinit_result;

static void on_held(const struct coap_client_tcp_response_data *d, void *user_data)
{
	(void)user_data;
	if (d->last_block) {
		res.code = d->result_code;
		res.finals++;
		sem_post(&in_cb_sem);
		(void)tcp_wait(&deinit_sem); /* the other thread is about to deinit */
	}
}

static void *deinit_thread(void *arg)
{
	(void)arg;
	if (tcp_wait(&in_cb_sem) != 0) {
		deinit_result = -ETIMEDOUT;
		return NULL;
	}
	deinit_started = true;
	sem_post(&deinit_sem);
	deinit_result = zcoap_client_tcp_deinit(&client); /* waits for the loop call to end */
	return NULL;
}

static void test_deinit_from_another_thread(void **state)
{
	struct coap_client_tcp_request req = get_req("hello", NULL);
	struct coap_client_tcp_request silent = get_req("silent", &res2);
	pthread_t t;
	int64_t guard = now_ms() + 20000;
	int r = 0;

	(void)state;
	connect_peer();
	sem_init(&in_cb_sem, 0, 0);
	sem_init(&deinit_sem, 0, 0);
	deinit_started = false;
	deinit_result = 1;
	req.cb = on_held;
	assert_int_equal(coap_client_tcp_req(&client, &silent), 0);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(pthread_create(&t, NULL, deinit_thread, NULL), 0);
	/* No loop call starts once deinit has begun (the contract). */
	while (!deinit_started && now_ms() < guard) {
		r = zcoap_client_tcp_process(&client, 1000);
		assert_true(r >= 0 || r == -EINTR || r == -ESHUTDOWN);
	}
	pthread_join(t, NULL);
	assert_int_equal(deinit_result, 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	/* The open request ended with -ECANCELED (in the deinitialising thread). */
	assert_int_equal(res2.finals, 1);
	assert_int_equal(res2.code, -ECANCELED);
	assert_false(client.initialised);
	sem_destroy(&in_cb_sem);
	sem_destroy(&deinit_sem);
}

static void test_api_errors(void **state)
{
	static struct coap_client_tcp threaded;
	int fds[2];
	unsigned int ev[2];

	(void)state;
	assert_int_equal(zcoap_client_tcp_process(NULL, 0), -EINVAL);
	assert_int_equal(zcoap_client_tcp_timeout(NULL), -EINVAL);
	assert_int_equal(zcoap_client_tcp_fd_ready(NULL, 0, 0), -EINVAL);
	assert_int_equal(zcoap_client_tcp_get_fds(&client, NULL, ev, 2, NULL), -EINVAL);
	assert_int_equal(zcoap_client_tcp_get_fds(&client, fds, NULL, 2, NULL), -EINVAL);
	assert_int_equal(zcoap_client_tcp_conn_state(NULL), -EINVAL);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), -ENOTCONN);
	assert_int_equal(zcoap_client_tcp_init_manual(&client), -EALREADY);
	assert_int_equal(zcoap_client_tcp_init_manual(NULL), -EINVAL);
	/* Only the wake-up descriptor before a connection; no deadline. */
	{
		int timeout = 0;

		assert_int_equal(zcoap_client_tcp_get_fds(&client, fds, ev, 2, &timeout), 1);
		assert_int_equal(ev[0], ZCOAP_FD_IN);
		assert_int_equal(timeout, -1);
	}
	/* A thread-mode client has no loop calls. */
	memset(&threaded, 0, sizeof(threaded));
	assert_int_equal(coap_client_tcp_init(&threaded, "tcp_threaded"), 0);
	assert_int_equal(zcoap_client_tcp_process(&threaded, 0), -EINVAL);
	assert_int_equal(zcoap_client_tcp_get_fds(&threaded, fds, ev, 2, NULL), -EINVAL);
	assert_int_equal(zcoap_client_tcp_deinit(&threaded), 0);
	assert_int_equal(zcoap_client_tcp_process(&threaded, 0), -ESHUTDOWN);
	/* After deinit, nothing. */
	assert_int_equal(zcoap_client_tcp_deinit(&client), 0);
	assert_int_equal(zcoap_client_tcp_process(&client, 0), -ESHUTDOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_get_without_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_from_process, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connection_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block2_and_observe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_callbacks_cancel_and_deinit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_callback_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requests_from_another_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deinit_from_another_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
