/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_blockwise.c -- block-wise transfers and observations of the
 * CoAP-over-TCP client against the scripted peer (tcp_peer.c) in the
 * orders that used to go wrong (docs/design/tcp.md "Block-wise"):
 * - a notification that arrives while the Block2 continuation of the
 *   previous one is in flight: the answer to that old continuation is not
 *   taken for a block of the new body (each continuation has a token of
 *   its own), and the observation goes on;
 * - blocks of one body with different ETags (RFC 7959 §2.4): a
 *   notification's partial body is dropped and the observation goes on, a
 *   plain GET ends with -EBADMSG;
 * - an observation the client ends with an error of its own (a bad block,
 *   options over the receive buffer, a continuation left unanswered) is
 *   deregistered (RFC 7641 §3.6);
 * - a cancel from another thread while the receive thread runs the payload
 *   callback of an upload waits for that callback before it runs the final
 *   callback.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "port/port.h"
#include "tcp/frame.h"
#include "tcp_peer.h"
#include "zcoap_option.h"

#define CAP      ZCOAP_CONFIG_TCP_MESSAGE_SIZE
#define BIG_OPTS (CAP + 600) /* option bytes over the client's receive buffer */
/* Blocks of 256 bytes (SZX 4): each fits the receive buffer of every profile, not streamed. */
#define SZX 4U
#define BLK 256U

/* What the response callback saw (client thread; read by the test after a sem). */
struct event {
	int code;
	size_t offset;
	size_t len;
	char fill; /* the payload's byte ('-' none, '?' not all the same) */
	bool last;
};

static struct coap_client_tcp client;
static struct tcp_peer peer;
static bool peer_started;
static sem_t last_sem;  /* a last_block callback */
static sem_t dereg_sem; /* the peer saw a deregistration */
static struct event events[16];
static _Atomic unsigned int n_events;

/* The peer's side (peer thread). */
static uint8_t obs_tok[8];
static uint8_t obs_tkl;
static uint8_t cont_tok[4][8]; /* tokens of the Block2 continuations received */
static _Atomic unsigned int n_conts;
static _Atomic unsigned int n_deregs;
static _Atomic bool dereg_tok_ok; /* every deregistration carried the registration token */
static uint8_t big_tx[ZCOAP_TCP_TX_HEADROOM + BIG_OPTS + 512];

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	unsigned int i = n_events;
	struct event *e = &events[i < 16 ? i : 15];

	(void)user_data;
	e->code = d->result_code;
	e->offset = d->offset;
	e->len = d->payload_len;
	e->last = d->last_block;
	e->fill = '-';
	if (d->payload_len > 0) {
		e->fill = (char)d->payload[0];
		for (size_t k = 1; k < d->payload_len; k++) {
			if (d->payload[k] != d->payload[0]) {
				e->fill = '?';
			}
		}
	}
	n_events = i + 1;
	if (d->last_block) {
		sem_post(&last_sem);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(events, 0, sizeof(events));
	n_events = 0;
	n_conts = 0;
	n_deregs = 0;
	dereg_tok_ok = true;
	obs_tkl = 0;
	sem_init(&last_sem, 0, 0);
	sem_init(&dereg_sem, 0, 0);
	memset(&client, 0, sizeof(client));
	assert_int_equal(coap_client_tcp_init(&client, "tcp_blockwise"), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(zcoap_client_tcp_deinit(&client), 0);
	if (peer_started) {
		tcp_peer_stop(&peer);
		peer_started = false;
	}
	sem_destroy(&last_sem);
	sem_destroy(&dereg_sem);
	return 0;
}

static bool has_path(const struct coap_packet *pkt, const char *path)
{
	const uint8_t *v;
	uint16_t len;

	return zcoap_option_find(pkt, COAP_OPTION_URI_PATH, &v, &len) == 0 && len == strlen(path) &&
	       memcmp(v, path, len) == 0;
}

/*
 * Send a 2.05 with token @p tok: Observe @p obs (< 0: none), ETag @p etag (0:
 * none), Block2 @p num (SZX 4; @p num < 0: no Block2) and @p len bytes of @p fill.
 */
static void send_rsp(struct tcp_peer *p, const uint8_t *tok, uint8_t tkl, int obs, uint8_t etag,
		     int num, bool more, char fill, size_t len)
{
	struct coap_packet out;
	uint8_t pl[BLK];

	assert_true(len <= sizeof(pl));
	memset(pl, fill, sizeof(pl));
	assert_int_equal(
	    zc_tcp_msg_init(&out, p->tx, sizeof(p->tx), COAP_RESPONSE_CODE_CONTENT, tok, tkl), 0);
	if (etag != 0) {
		assert_int_equal(coap_packet_append_option(&out, COAP_OPTION_ETAG, &etag, 1), 0);
	}
	if (obs >= 0) {
		assert_int_equal(
		    coap_append_option_int(&out, COAP_OPTION_OBSERVE, (unsigned int)obs), 0);
	}
	if (num >= 0) {
		assert_int_equal(
		    coap_append_option_int(&out, COAP_OPTION_BLOCK2,
					   ((unsigned int)num << 4) | (more ? 8U : 0U) | SZX),
		    0);
	}
	if (len > 0) {
		assert_int_equal(coap_packet_append_payload_marker(&out), 0);
		assert_int_equal(coap_packet_append_payload(&out, pl, (uint16_t)len), 0);
	}
	tcp_peer_send(p, &out, 0);
}

/* A notification with options over the client's receive buffer (token of the registration). */
static void send_fat(struct tcp_peer *p)
{
	uint8_t value[200];
	struct coap_packet fat;

	memset(value, 'o', sizeof(value));
	assert_int_equal(zc_tcp_msg_init(&fat, big_tx, sizeof(big_tx), COAP_RESPONSE_CODE_CONTENT,
					 obs_tok, obs_tkl),
			 0);
	assert_int_equal(coap_append_option_int(&fat, COAP_OPTION_OBSERVE, 3), 0);
	for (size_t n = 0; n < BIG_OPTS; n += sizeof(value) + 3U) {
		assert_int_equal(coap_packet_append_option(&fat, 65000, value, sizeof(value)), 0);
	}
	assert_int_equal(coap_packet_append_payload_marker(&fat), 0);
	assert_int_equal(coap_packet_append_payload(&fat, value, 10), 0);
	tcp_peer_send(p, &fat, 0);
}

/* The requests of an observation: registration, Block2 continuation or deregistration. */
static bool serve_obs(struct tcp_peer *p, const struct coap_packet *pkt, const uint8_t *tok,
		      uint8_t tkl)
{
	const uint8_t *v;
	uint16_t vlen;
	bool has_obs = zcoap_option_find(pkt, COAP_OPTION_OBSERVE, &v, &vlen) == 0;
	unsigned int k;

	if (has_obs && zcoap_option_uint(v, vlen) == 1) {
		if (tkl != obs_tkl || memcmp(tok, obs_tok, tkl) != 0) {
			dereg_tok_ok = false;
		}
		n_deregs++;
		sem_post(&dereg_sem);
		return true;
	}
	if (has_obs) {
		memcpy(obs_tok, tok, tkl);
		obs_tkl = tkl;
		if (has_path(pkt, "fat")) {
			send_rsp(p, tok, tkl, 2, 0, -1, false, 'N', 10);
			send_fat(p);
			return true;
		}
		if (has_path(pkt, "longetag")) {
			/* Block 0 of a notification with a 9-byte ETag (RFC 7252: at most 8). */
			static const uint8_t etag9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
			struct coap_packet out;

			assert_int_equal(zc_tcp_msg_init(&out, p->tx, sizeof(p->tx),
							 COAP_RESPONSE_CODE_CONTENT, tok, tkl),
					 0);
			assert_int_equal(
			    coap_packet_append_option(&out, COAP_OPTION_ETAG, etag9, sizeof(etag9)),
			    0);
			assert_int_equal(coap_append_option_int(&out, COAP_OPTION_OBSERVE, 2), 0);
			assert_int_equal(coap_append_option_int(&out, COAP_OPTION_BLOCK2, 8U | SZX),
					 0);
			assert_int_equal(coap_packet_append_payload_marker(&out), 0);
			assert_int_equal(
			    coap_packet_append_payload(&out, (const uint8_t *)"abcd", 4), 0);
			tcp_peer_send(p, &out, 0);
			return true;
		}
		send_rsp(p, tok, tkl, 2, 1, 0, true, 'A', BLK); /* notification 1, block 0 */
		return true;
	}
	k = n_conts;
	if (k < 4) {
		memcpy(cont_tok[k], tok, tkl);
	}
	n_conts = k + 1;
	if (has_path(pkt, "mix")) {
		if (k == 0) {
			/* The resource changed meanwhile: notification 2, then the answer to C1. */
			send_rsp(p, obs_tok, obs_tkl, 3, 0, 0, true, 'B', BLK);
			send_rsp(p, tok, tkl, -1, 0, 1, false, 'a', 100);
		} else {
			send_rsp(p, tok, tkl, -1, 0, 1, false, 'b', 100);
			send_rsp(p, obs_tok, obs_tkl, 4, 0, -1, false, 'C',
				 10); /* notification 3 */
		}
	} else if (has_path(pkt, "etag")) {
		/* Block 1 of a newer state (ETag 2), then its notification. */
		send_rsp(p, tok, tkl, -1, 2, 1, false, 'x', 100);
		send_rsp(p, obs_tok, obs_tkl, 3, 2, -1, false, 'C', 10);
	} else if (has_path(pkt, "stall")) {
		/* no answer to the continuation */
	} else if (has_path(pkt, "badblk")) {
		send_rsp(p, tok, tkl, -1, 1, 5, false, 'x', 100); /* not the block asked for */
	}
	return true;
}

static bool serve(struct tcp_peer *p, const struct coap_packet *pkt)
{
	uint8_t code = coap_header_get_code(pkt);
	uint8_t tok[8];
	uint8_t tkl = (uint8_t)coap_header_get_token(pkt, tok);
	const uint8_t *v;
	uint16_t vlen;
	struct coap_packet out;

	if (code == ZC_TCP_CSM) {
		tcp_peer_csm(p, 1U << 20, false);
		return true;
	}
	if ((code >> 5) == 7) {
		return true;
	}
	if (has_path(pkt, "mix") || has_path(pkt, "etag") || has_path(pkt, "badblk") ||
	    has_path(pkt, "fat") || has_path(pkt, "stall") || has_path(pkt, "longetag")) {
		return serve_obs(p, pkt, tok, tkl);
	}
	if (has_path(pkt, "etagget")) {
		/* A plain GET whose second block comes from another state of the resource. */
		if (zcoap_option_find(pkt, COAP_OPTION_BLOCK2, &v, &vlen) != 0) {
			send_rsp(p, tok, tkl, -1, 1, 0, true, 'A', BLK);
		} else {
			send_rsp(p, tok, tkl, -1, 2, 1, false, 'x', 100);
		}
		return true;
	}
	if (zcoap_option_find(pkt, COAP_OPTION_BLOCK1, &v, &vlen) == 0) {
		/* An upload: go on, block after block. */
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTINUE, pkt);
		coap_append_option_int(&out, COAP_OPTION_BLOCK1, zcoap_option_uint(v, vlen));
		tcp_peer_send(p, &out, 0);
	}
	return true;
}

static void start(void)
{
	tcp_peer_start(&peer, serve, NULL);
	peer_started = true;
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
}

static void observe(const char *path)
{
	struct coap_client_tcp_request req = {.method = COAP_METHOD_GET, .cb = on_response};

	strcpy(req.path, path);
	req.options[0].code = COAP_OPTION_OBSERVE; /* value 0: empty */
	req.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
}

static void expect_event(unsigned int i, int code, size_t offset, size_t len, char fill, bool last)
{
	assert_true(i < n_events);
	assert_int_equal(events[i].code, code);
	assert_int_equal(events[i].offset, offset);
	assert_int_equal(events[i].len, len);
	assert_int_equal(events[i].fill, fill);
	assert_int_equal(events[i].last, last);
}

/*
 * n1 (block 0 'A') -> C1; the server sends n2 (block 0 'B') and then C1's
 * answer (block 1 'a'). The client drops C1's answer, fetches n2's block 1
 * with C2 ('b') and delivers n2 whole; the observation goes on (n3 'C'),
 * and a cancel deregisters it.
 */
static void test_notification_during_continuation(void **state)
{
	(void)state;
	start();
	observe("mix");
	assert_int_equal(tcp_wait(&last_sem), 0); /* n2 complete */
	assert_int_equal(tcp_wait(&last_sem), 0); /* n3 */
	assert_int_equal(n_events, 4);
	expect_event(0, COAP_RESPONSE_CODE_CONTENT, 0, BLK, 'A', false);
	expect_event(1, COAP_RESPONSE_CODE_CONTENT, 0, BLK, 'B', false);
	expect_event(2, COAP_RESPONSE_CODE_CONTENT, BLK, 100, 'b', true);
	expect_event(3, COAP_RESPONSE_CODE_CONTENT, 0, 10, 'C', true);
	assert_true(coap_client_tcp_has_ongoing_exchange(&client));
	/* Each continuation had a token of its own, neither the observation's. */
	assert_int_equal(n_conts, 2);
	assert_memory_not_equal(cont_tok[0], cont_tok[1], 8);
	assert_int_equal(obs_tkl, 8);
	assert_memory_not_equal(cont_tok[0], obs_tok, 8);
	assert_memory_not_equal(cont_tok[1], obs_tok, 8);
	coap_client_tcp_cancel_requests(&client);
	assert_int_equal(tcp_wait(&dereg_sem), 0);
	assert_true(dereg_tok_ok);
	assert_int_equal(events[4].code, -ECANCELED);
}

/*
 * RFC 7959 §2.4: block 1 of a notification's body comes with another ETag
 * (the resource changed): the partial body is dropped, the observation goes
 * on with the next notification.
 */
static void test_notification_etag_changed(void **state)
{
	(void)state;
	start();
	observe("etag");
	assert_int_equal(tcp_wait(&last_sem), 0);
	assert_int_equal(n_events, 2);
	expect_event(0, COAP_RESPONSE_CODE_CONTENT, 0, BLK, 'A', false);
	expect_event(1, COAP_RESPONSE_CODE_CONTENT, 0, 10, 'C', true);
	assert_true(coap_client_tcp_has_ongoing_exchange(&client));
	assert_int_equal(n_deregs, 0);
}

/* The same for a plain GET: the request ends with -EBADMSG. */
static void test_get_etag_changed(void **state)
{
	struct coap_client_tcp_request req = {.method = COAP_METHOD_GET, .cb = on_response};

	(void)state;
	start();
	strcpy(req.path, "etagget");
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&last_sem), 0);
	assert_int_equal(n_events, 2);
	expect_event(0, COAP_RESPONSE_CODE_CONTENT, 0, BLK, 'A', false);
	expect_event(1, -EBADMSG, 0, 0, '-', true);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

/* A continuation answered with the wrong block ends the observation: the server is told. */
static void test_bad_block_deregisters(void **state)
{
	(void)state;
	start();
	observe("badblk");
	assert_int_equal(tcp_wait(&last_sem), 0);
	expect_event(n_events - 1, -EBADMSG, 0, 0, '-', true);
	assert_int_equal(tcp_wait(&dereg_sem), 0);
	assert_int_equal(n_deregs, 1);
	assert_true(dereg_tok_ok);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

/*
 * A block-wise notification whose ETag is longer than an ETag can be: the
 * observation ends with -EBADMSG and the server is told (it used to be
 * dropped silently, every time: found by review).
 */
static void test_long_etag_deregisters(void **state)
{
	(void)state;
	start();
	observe("longetag");
	assert_int_equal(tcp_wait(&last_sem), 0);
	expect_event(n_events - 1, -EBADMSG, 0, 0, '-', true);
	assert_int_equal(tcp_wait(&dereg_sem), 0);
	assert_int_equal(n_deregs, 1);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

/* A continuation left unanswered ends the observation with -ETIMEDOUT: the server is told. */
static void test_continuation_timeout_deregisters(void **state)
{
	(void)state;
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 100), 0);
	start();
	observe("stall");
	assert_int_equal(tcp_wait(&last_sem), 0);
	assert_int_equal(n_events, 2);
	expect_event(0, COAP_RESPONSE_CODE_CONTENT, 0, BLK, 'A', false);
	expect_event(1, -ETIMEDOUT, 0, 0, '-', true);
	assert_int_equal(tcp_wait(&dereg_sem), 0);
	assert_true(dereg_tok_ok);
}

/* A notification whose options do not fit the buffer ends the observation: the server is told. */
static void test_oversize_notification_deregisters(void **state)
{
	(void)state;
	if (ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE < BIG_OPTS + 64U) {
		skip(); /* the client refuses such a frame whole (Abort): nothing to deregister */
	}
	start();
	observe("fat");
	assert_int_equal(tcp_wait(&last_sem), 0); /* the first notification */
	assert_int_equal(tcp_wait(&last_sem), 0); /* the -EMSGSIZE */
	expect_event(0, COAP_RESPONSE_CODE_CONTENT, 0, 10, 'N', true);
	expect_event(1, -EMSGSIZE, 0, 0, '-', true);
	assert_int_equal(tcp_wait(&dereg_sem), 0);
	assert_true(dereg_tok_ok);
}

/* ---- F3: a cancel while the receive thread runs the payload callback -------- */

static sem_t in_payload; /* the payload callback of block 2 runs */
static sem_t payload_go; /* it may return */
static sem_t finished;   /* the final callback ran */
static _Atomic bool payload_running;
static _Atomic bool overlap;
static _Atomic bool stuck;         /* the payload callback was never let go */
static _Atomic long canceller_tid; /* 0 until the cancelling thread starts */
static uint8_t up_data[4096];

/*
 * Whether thread @p tid sleeps in futex() (/proc/self/task/TID/syscall): the
 * cancelling thread waiting for the payload callback to return. Read from
 * /proc rather than by wrapping the library's wait, which LTO inlines.
 */
static bool in_futex(long tid)
{
	char path[64];
	long nr = -1;
	FILE *fp;

	(void)snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", tid);
	fp = fopen(path, "r");
	if (fp == NULL) {
		return false;
	}
	if (fscanf(fp, "%ld", &nr) != 1) {
		nr = -1; /* "running" */
	}
	fclose(fp);
	return nr == SYS_futex;
}

/* Until the canceller sleeps in futex() (fixed) or the final callback ran (not), at most 10 s. */
static bool wait_for_canceller(void)
{
	for (int i = 0; i < 10000; i++) {
		long tid = canceller_tid;

		if (sem_trywait(&payload_go) == 0) {
			return true;
		}
		if (tid != 0 && in_futex(tid)) {
			return true;
		}
		usleep(1000);
	}
	return false;
}

static int up_payload(size_t off, const uint8_t **pl, size_t *len, bool *last, void *ud)
{
	(void)ud;
	if (off > 0 && !payload_running) {
		payload_running = true;
		sem_post(&in_payload);
		if (!wait_for_canceller()) {
			stuck = true;
		}
		payload_running = false;
	}
	*pl = up_data + off;
	*last = off + *len >= sizeof(up_data);
	if (*last) {
		*len = sizeof(up_data) - off;
	}
	return 0;
}

static void up_response(const struct coap_client_tcp_response_data *d, void *ud)
{
	(void)ud;
	if (d->last_block) {
		if (payload_running) {
			overlap = true;
		}
		sem_post(&payload_go);
		sem_post(&finished);
	}
}

static void *canceller(void *arg)
{
	(void)arg;
	canceller_tid = (long)syscall(SYS_gettid);
	coap_client_tcp_cancel_requests(&client);
	return NULL;
}

static void test_cancel_waits_for_payload_cb(void **state)
{
	struct coap_client_tcp_request req = {.method = COAP_METHOD_PUT,
					      .cb = up_response,
					      .payload_cb = up_payload,
					      .len = sizeof(up_data)};
	pthread_t t;

	(void)state;
	sem_init(&in_payload, 0, 0);
	sem_init(&payload_go, 0, 0);
	sem_init(&finished, 0, 0);
	payload_running = false;
	overlap = false;
	stuck = false;
	canceller_tid = 0;
	start();
	strcpy(req.path, "up");
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&in_payload), 0); /* on the receive thread, lock released */
	assert_int_equal(pthread_create(&t, NULL, canceller, NULL), 0);
	assert_int_equal(tcp_wait(&finished), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(overlap);
	assert_false(stuck);
	sem_destroy(&in_payload);
	sem_destroy(&payload_go);
	sem_destroy(&finished);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_notification_during_continuation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notification_etag_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_etag_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_block_deregisters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_etag_deregisters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_continuation_timeout_deregisters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oversize_notification_deregisters, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_waits_for_payload_cb, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
