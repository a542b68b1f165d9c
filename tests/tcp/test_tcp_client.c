/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_client.c -- the CoAP-over-TCP client (coap_client_tcp.h) against
 * the scripted peer (tcp_peer.c) over loopback: CSM first, token matching,
 * Block2 (and BERT), Block1, Observe, Ping/Pong both ways, Release, Abort,
 * a malformed frame, a lost connection, cancel and close.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "tcp/frame.h"
#include "tcp_peer.h"
#include "zcoap_option.h"

#define BODY_LEN 5000

static uint8_t body[BODY_LEN];

/* Written on the client's thread, read on the test's: atomics (the data only after a sem). */
struct result {
	sem_t done; /* posted on last_block */
	sem_t any;  /* posted on every callback */
	_Atomic int calls;
	_Atomic int code;
	_Atomic size_t total;
	uint8_t data[BODY_LEN];
	_Atomic bool bad_offset;
	_Atomic int last_blocks;
};

struct events {
	sem_t sem;
	_Atomic int csm, pong, release, abort_ev;
	char alt[64];
	uint32_t hold_off;
	uint16_t bad_opt;
};

static struct coap_client_tcp client;
static struct tcp_peer peer;
static struct result res;
static struct events ev;
static uint8_t upload[BODY_LEN];
static uint8_t obs_token[8];
static _Atomic uint32_t client_mms; /* from the client's CSM */
static _Atomic int dereg_seen;
static _Atomic bool dereg_same_token;
static uint8_t mbuf[512]; /* the test thread's send buffer */
static size_t uploaded;
static _Atomic unsigned int up_blocks; /* Block1 blocks of "up" received */
static _Atomic unsigned int up_szx;    /* SZX of the last of them */

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct result *r = user_data;

	r->calls++;
	r->code = d->result_code;
	if (d->result_code >= 0 && d->payload_len > 0) {
		if (d->offset != r->total && d->offset != 0) {
			r->bad_offset = true;
		}
		if (d->offset == 0) {
			r->total = 0;
		}
		if (d->offset + d->payload_len <= sizeof(r->data)) {
			memcpy(r->data + d->offset, d->payload, d->payload_len);
		}
		r->total = d->offset + d->payload_len;
	}
	if (d->result_code < 0) {
		assert_null(d->packet);
	}
	sem_post(&r->any);
	if (d->last_block) {
		r->last_blocks++;
		sem_post(&r->done);
	}
}

static void on_event(struct coap_client_tcp *c, enum coap_client_tcp_event e,
		     const union coap_client_tcp_event_data *data, void *user_data)
{
	struct events *x = user_data;

	assert_ptr_equal(c, &client);
	switch (e) {
	case COAP_CLIENT_TCP_EVENT_CSM_UPDATED:
		x->csm++;
		break;
	case COAP_CLIENT_TCP_EVENT_PONG_RECEIVED:
		x->pong++;
		break;
	case COAP_CLIENT_TCP_EVENT_RELEASE:
		x->release++;
		if (data->release.alt_addr != NULL) {
			strncpy(x->alt, data->release.alt_addr, sizeof(x->alt) - 1);
		}
		x->hold_off = data->release.hold_off_sec;
		break;
	case COAP_CLIENT_TCP_EVENT_ABORT:
		x->abort_ev++;
		x->bad_opt = data->abort.bad_csm_option;
		break;
	}
	sem_post(&x->sem);
}

static int setup(void **state)
{
	(void)state;
	memset(&res, 0, sizeof(res));
	memset(&ev, 0, sizeof(ev));
	sem_init(&res.done, 0, 0);
	sem_init(&res.any, 0, 0);
	sem_init(&ev.sem, 0, 0);
	for (size_t i = 0; i < sizeof(body); i++) {
		body[i] = (uint8_t)(i * 7 + (i >> 8));
	}
	memset(upload, 0, sizeof(upload));
	uploaded = 0;
	dereg_seen = 0;
	dereg_same_token = false;
	memset(&client, 0, sizeof(client));
	assert_int_equal(coap_client_tcp_init(&client, "tcp_test"), 0);
	coap_client_tcp_set_event_cb(&client, on_event, &ev);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(zcoap_client_tcp_deinit(&client), 0);
	tcp_peer_stop(&peer);
	sem_destroy(&res.done);
	sem_destroy(&res.any);
	sem_destroy(&ev.sem);
	return 0;
}

static void connect_peer(tcp_peer_handler h)
{
	tcp_peer_start(&peer, h, NULL);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
}

static struct coap_client_tcp_request get_req(const char *path)
{
	struct coap_client_tcp_request req = {
	    .method = COAP_METHOD_GET, .cb = on_response, .user_data = &res};

	strcpy(req.path, path);
	return req;
}

static bool has_path(const struct coap_packet *pkt, const char *path)
{
	const uint8_t *v;
	uint16_t len;

	return zcoap_option_find(pkt, COAP_OPTION_URI_PATH, &v, &len) == 0 && len == strlen(path) &&
	       memcmp(v, path, len) == 0;
}

/* The server side of most tests: CSM answered with a CSM, then by path. */
static bool serve(struct tcp_peer *p, const struct coap_packet *pkt)
{
	uint8_t code = coap_header_get_code(pkt);
	struct coap_packet out;
	const uint8_t *v;
	uint16_t vlen;

	if (code == ZC_TCP_CSM) {
		struct zc_tcp_signal sig;

		/* The client's Max-Message-Size bounds what the server sends. */
		assert_int_equal(zc_tcp_signal_parse(pkt, &sig), 0);
		assert_true(sig.has_mms);
		client_mms = sig.max_message_size;
		tcp_peer_csm(p, p->ctx != NULL ? *(const uint32_t *)p->ctx : 8192, true);
		return true;
	}
	if (code == ZC_TCP_PING) {
		tcp_peer_msg(p, &out, ZC_TCP_PONG, NULL);
		tcp_peer_send(p, &out, 0);
		return true;
	}
	if (code == ZC_TCP_PONG || code == ZC_TCP_RELEASE) {
		return true;
	}
	if (has_path(pkt, "hello")) {
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		coap_append_option_int(&out, COAP_OPTION_CONTENT_FORMAT, 0);
		coap_packet_append_payload_marker(&out);
		coap_packet_append_payload(&out, (const uint8_t *)"hello", 5);
		tcp_peer_send(p, &out, 1); /* one byte per write */
	} else if (has_path(pkt, "big")) {
		/* Block2: 1024-byte blocks, or BERT (SZX 7: 1024-byte units). */
		uint32_t num = 0;
		uint8_t szx = 6;

		while (szx > 0 && (16U << szx) + 64U > client_mms) {
			szx--; /* the largest block the client takes */
		}
		uint32_t unit;
		size_t off;
		size_t n;

		if (zcoap_option_find(pkt, COAP_OPTION_BLOCK2, &v, &vlen) == 0) {
			uint32_t val = zcoap_option_uint(v, vlen);

			num = val >> 4;
			szx = (uint8_t)(val & 7);
		}
		unit = szx == 7 ? 1024 : 16U << szx;
		off = (size_t)num * unit;
		n = BODY_LEN - off < unit ? BODY_LEN - off : unit;
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		coap_append_option_int(&out, COAP_OPTION_BLOCK2,
				       (num << 4) | (off + n < BODY_LEN ? 8U : 0U) | szx);
		coap_packet_append_payload_marker(&out);
		coap_packet_append_payload(&out, body + off, (uint16_t)n);
		tcp_peer_send(p, &out, 100);
	} else if (has_path(pkt, "bert4")) {
		/* BERT with four 1024-byte units per message (RFC 8323 §6). */
		uint32_t num = 0;
		size_t off;
		size_t n;

		if (zcoap_option_find(pkt, COAP_OPTION_BLOCK2, &v, &vlen) == 0) {
			num = zcoap_option_uint(v, vlen) >> 4;
		}
		off = (size_t)num * 1024U;
		n = BODY_LEN - off < 4096U ? BODY_LEN - off : 4096U;
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		coap_append_option_int(&out, COAP_OPTION_BLOCK2,
				       (num << 4) | (off + n < BODY_LEN ? 8U : 0U) | 7U);
		coap_packet_append_payload_marker(&out);
		coap_packet_append_payload(&out, body + off, (uint16_t)n);
		tcp_peer_send(p, &out, 1000);
	} else if (has_path(pkt, "up") || has_path(pkt, "upshrink")) {
		/* "upshrink" answers with SZX 4 (256 bytes): the size to go on with */
		bool shrink = has_path(pkt, "upshrink");
		uint32_t val;
		const uint8_t *pl;
		uint16_t plen = 0;

		assert_int_equal(zcoap_option_find(pkt, COAP_OPTION_BLOCK1, &v, &vlen), 0);
		val = zcoap_option_uint(v, vlen);
		pl = coap_packet_get_payload(pkt, &plen);
		if ((val >> 4) == 0) {
			uploaded = 0; /* a new upload */
			up_blocks = 0;
		}
		up_blocks++;
		up_szx = val & 7U;
		/* NUM counts blocks, or 1024-byte units for BERT (SZX 7, RFC 8323 §6) */
		assert_int_equal((size_t)(val >> 4) * ((val & 7) == 7 ? 1024U : 16U << (val & 7)),
				 uploaded);
		memcpy(upload + uploaded, pl, plen);
		uploaded += plen;
		tcp_peer_msg(p, &out,
			     (val & 8) ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED,
			     pkt);
		coap_append_option_int(&out, COAP_OPTION_BLOCK1,
				       shrink && (val & 7U) > 4U ? (val & ~7U) | 4U : val);
		tcp_peer_send(p, &out, 0);
	} else if (has_path(pkt, "obs")) {
		/* Three notifications, then the server ends the observation with 4.04. */
		for (unsigned int i = 0; i < 3; i++) {
			char txt[8];

			tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
			coap_append_option_int(&out, COAP_OPTION_OBSERVE, i + 2);
			coap_packet_append_payload_marker(&out);
			snprintf(txt, sizeof(txt), "n%u", i);
			coap_packet_append_payload(&out, (const uint8_t *)txt, 2);
			tcp_peer_send(p, &out, 0);
		}
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_NOT_FOUND, pkt);
		tcp_peer_send(p, &out, 0);
	} else if (has_path(pkt, "obs2")) {
		/* A notification, then a 2.05 without Observe: the observation is over. */
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		coap_append_option_int(&out, COAP_OPTION_OBSERVE, 7);
		tcp_peer_send(p, &out, 0);
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		tcp_peer_send(p, &out, 0);
	} else if (has_path(pkt, "obs1")) {
		/* One notification; the observation stays until the client deregisters. */
		int obs = coap_get_option_int(pkt, COAP_OPTION_OBSERVE);

		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		if (obs == 0) {
			coap_append_option_int(&out, COAP_OPTION_OBSERVE, 5);
			coap_header_get_token(pkt, obs_token);
		} else if (obs == 1) {
			uint8_t tok[8];

			assert_int_equal(coap_header_get_token(pkt, tok), 8);
			dereg_same_token = memcmp(tok, obs_token, 8) == 0;
			dereg_seen++;
		}
		coap_packet_append_payload_marker(&out);
		coap_packet_append_payload(&out, (const uint8_t *)"v", 1);
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

/* Answers of the client to requests from the server (test_server_request). */
static _Atomic unsigned int answers;
static uint8_t answer_code[4];
static uint8_t answer_token[4][8];
static uint8_t answer_tkl[4];

/* serve(), and the client's answers to the server's requests recorded. */
static bool serve_asks(struct tcp_peer *p, const struct coap_packet *pkt)
{
	uint8_t code = coap_header_get_code(pkt);
	unsigned int i = answers;

	if ((code >> 5) == 0 || (code >> 5) == 7 || i >= 4) {
		return serve(p, pkt);
	}
	answer_code[i] = code;
	answer_tkl[i] = coap_header_get_token(pkt, answer_token[i]);
	answers = i + 1;
	return true;
}

static void test_get_csm_first(void **state)
{
	struct coap_client_tcp_request req = get_req("hello");

	(void)state;
	connect_peer(serve);
	assert_int_equal(tcp_wait(&peer.frame_sem), 0); /* the client's CSM */
	assert_int_equal(tcp_peer_first_code(&peer), ZC_TCP_CSM);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* the server's CSM reported */
	assert_int_equal(ev.csm, 1);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(res.total, 5);
	assert_memory_equal(res.data, "hello", 5);
	assert_int_equal(res.calls, 1);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_not_found_and_concurrent(void **state)
{
	struct coap_client_tcp_request a = get_req("nothing");
	struct coap_client_tcp_request b = get_req("hello");
	struct result rb;

	(void)state;
	memset(&rb, 0, sizeof(rb));
	sem_init(&rb.done, 0, 0);
	sem_init(&rb.any, 0, 0);
	b.user_data = &rb;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &a), 0);
	assert_int_equal(coap_client_tcp_req(&client, &b), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(tcp_wait(&rb.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_NOT_FOUND);
	assert_int_equal(rb.code, COAP_RESPONSE_CODE_CONTENT);
	assert_memory_equal(rb.data, "hello", 5);
	sem_destroy(&rb.done);
	sem_destroy(&rb.any);
}

static void test_block2_download(void **state)
{
	struct coap_client_tcp_request req = get_req("big");

	(void)state;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, BODY_LEN);
	assert_memory_equal(res.data, body, BODY_LEN);
	/*
	 * Full blocks of the size the peer chose for the client's Max-Message-Size, and the rest;
	 * blocks longer than the receive buffer (the constrained profile) come in pieces.
	 */
	{
		size_t unit = 1024;
		size_t blocks;

		while (unit + 64 > client_mms) {
			unit /= 2;
		}
		blocks = (BODY_LEN + unit - 1) / unit;
		if (unit + 64 <= ZCOAP_CONFIG_TCP_MESSAGE_SIZE) {
			assert_int_equal(res.calls, blocks);
		} else {
			assert_true((size_t)res.calls > blocks);
		}
	}
}

static void test_bert_download(void **state)
{
	struct coap_client_tcp_request req = get_req("big");
	struct coap_client_tcp_option o;

	(void)state;
	connect_peer(serve);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* the server's CSM: BWT, 8192 */
	o = coap_client_tcp_option_initial_block2(&client);
	assert_int_equal(o.code, COAP_OPTION_BLOCK2);
	if (ZCOAP_CONFIG_BLOCK_SIZE == 1024) {
		assert_int_equal(o.len, 1);
		assert_int_equal(o.value[0], 7); /* NUM 0, M 0, SZX 7 (BERT) */
	}
	req.options[0] = o;
	req.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, BODY_LEN);
	assert_memory_equal(res.data, body, BODY_LEN);
}

/*
 * The client advertises ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE as its
 * Max-Message-Size, and BERT responses of several units come whole.
 */
static void test_bert_multi_unit(void **state)
{
	struct coap_client_tcp_request req = get_req("bert4");

	(void)state;
	if (ZCOAP_CONFIG_TCP_MESSAGE_SIZE < 4096 + 64 || ZCOAP_CONFIG_BLOCK_SIZE != 1024) {
		skip();
	}
	connect_peer(serve);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* the server's CSM */
	assert_int_equal(client_mms, ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE);
	req.options[0] = coap_client_tcp_option_initial_block2(&client);
	req.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad_offset);
	assert_int_equal(res.total, BODY_LEN);
	assert_memory_equal(res.data, body, BODY_LEN);
	assert_int_equal(res.calls, 2); /* 4096 bytes, then the 904 left */
}

static void test_block1_upload(void **state)
{
	struct coap_client_tcp_request req = get_req("up");

	(void)state;
	req.method = COAP_METHOD_PUT;
	req.payload = body;
	req.len = 2500;
	req.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, 2500);
	assert_memory_equal(upload, body, 2500);
	assert_int_equal(res.calls, 1);
}

static size_t cb_total;
static unsigned int cb_calls;

static int give_body(size_t offset, const uint8_t **payload, size_t *len, bool *last,
		     void *user_data)
{
	size_t n = cb_total - offset < *len ? cb_total - offset : *len;

	assert_ptr_equal(user_data, &res);
	cb_calls++;
	*payload = body + offset;
	*len = n;
	*last = offset + n == cb_total;
	return 0;
}

static void test_block1_payload_cb(void **state)
{
	struct coap_client_tcp_request req = get_req("up");

	(void)state;
	cb_total = 3000;
	cb_calls = 0;
	req.method = COAP_METHOD_POST;
	req.payload_cb = give_body;
	/* Block1 in the build's block size: no BERT, whenever the server's CSM comes */
	req.options[0] = coap_client_tcp_option_initial_block2(NULL);
	req.options[0].code = COAP_OPTION_BLOCK1;
	req.num_options = 1;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, 3000);
	assert_memory_equal(upload, body, 3000);
	assert_int_equal(cb_calls, (3000 + ZCOAP_CONFIG_BLOCK_SIZE - 1) / ZCOAP_CONFIG_BLOCK_SIZE);
	req.cb = NULL;
	assert_int_equal(coap_client_tcp_req(&client, &req), -EINVAL); /* no callback */
}

static void test_observe(void **state)
{
	struct coap_client_tcp_request req = get_req("obs");

	(void)state;
	req.options[0].code = COAP_OPTION_OBSERVE;
	req.options[0].len = 0; /* 0: register */
	req.num_options = 1;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(tcp_wait(&res.done), 0);
	}
	/* Three notifications, each a whole body, then the 4.04 that ended it. */
	assert_int_equal(res.calls, 4);
	assert_int_equal(res.last_blocks, 4);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_NOT_FOUND);
	assert_memory_equal(res.data, "n2", 2);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_observe_ended_without_observe_option(void **state)
{
	struct coap_client_tcp_request req = get_req("obs2");

	(void)state;
	req.options[0].code = COAP_OPTION_OBSERVE;
	req.options[0].len = 0;
	req.num_options = 1;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_observe_cancel_deregisters(void **state)
{
	struct coap_client_tcp_request req = get_req("obs1");

	(void)state;
	req.options[0].code = COAP_OPTION_OBSERVE;
	req.options[0].len = 0;
	req.num_options = 1;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0); /* the first notification */
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(coap_client_tcp_has_ongoing_exchange(&client));
	coap_client_tcp_cancel_requests(&client);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECANCELED);
	/* The server got a GET with Observe = 1 and the registration's token. */
	while (dereg_seen == 0) {
		assert_int_equal(tcp_wait(&peer.frame_sem), 0);
	}
	assert_true(dereg_same_token);
	/* Its answer (a token no request has now) is dropped: one callback more would fail. */
	assert_int_equal(coap_client_tcp_ping(&client), 0);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* CSM or Pong */
	while (ev.pong == 0) {
		assert_int_equal(tcp_wait(&ev.sem), 0);
	}
	assert_int_equal(res.last_blocks, 2);
}

static void test_timeout(void **state)
{
	struct coap_client_tcp_request req = get_req("silent");

	(void)state;
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 0), -EINVAL);
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 50), 0);
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ETIMEDOUT);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_block1_fits_server_mms(void **state)
{
	static const uint32_t mms = 300;
	struct coap_client_tcp_request req = get_req("up");

	(void)state;
	req.method = COAP_METHOD_PUT;
	req.payload = body;
	req.len = 2500;
	tcp_peer_start(&peer, serve, (void *)&mms);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* the server's CSM: 300 bytes at most */
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, 2500);
	assert_memory_equal(upload, body, 2500);
	/* A 16..128-byte block plus the header room fits 300 bytes: more than 10 blocks. */
	assert_true(tcp_peer_frames(&peer) > 10);
	/* A body within the payload room but not within the server's limit goes block-wise too. */
	req.len = 600;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, 600);
	assert_memory_equal(upload, body, 600);
}

/* A Block1 option in the request asks for smaller blocks (zcoap extension, as for UDP). */
static void test_block1_requested_size(void **state)
{
	struct coap_client_tcp_request req = get_req("up");

	(void)state;
	req.method = COAP_METHOD_PUT;
	req.payload = body;
	req.len = 600;
	req.options[0].code = COAP_OPTION_BLOCK1;
	req.options[0].len = 1;
	req.options[0].value[0] = 2; /* NUM 0, M 0, SZX 2: 64 bytes */
	req.num_options = 1;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, 600);
	assert_memory_equal(upload, body, 600);
	/* ten 64-byte blocks (the server checks each block's NUM against the bytes so far) */
	assert_int_equal(up_blocks, 10);
	assert_int_equal(up_szx, 2);
}

/* BERT uploads (RFC 8323 §6): blocks of k x 1024 bytes, k from the server's Max-Message-Size. */
static void test_bert_upload(void **state)
{
	static const uint32_t mms = 3200; /* (3200 - header room) / 1024: 3 units a block */
	struct coap_client_tcp_request req = get_req("up");

	(void)state;
	if (ZCOAP_CONFIG_BLOCK_SIZE != 1024 || ZCOAP_CONFIG_MESSAGE_HEADER_SIZE > 128) {
		skip();
	}
	req.method = COAP_METHOD_PUT;
	req.payload = body;
	req.len = BODY_LEN;
	tcp_peer_start(&peer, serve, (void *)&mms);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* the server's CSM: BWT, 3200 bytes */
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, BODY_LEN);
	assert_memory_equal(upload, body, BODY_LEN);
	assert_int_equal(up_blocks, 2); /* 3072 bytes (NUM 0), then 1928 (NUM 3) */
	assert_int_equal(up_szx, 7);
}

/* RFC 7959 §2.3: a smaller block size in the server's 2.31 is used from the next block on. */
static void test_block1_server_shrinks(void **state)
{
	struct coap_client_tcp_request req = get_req("upshrink");

	(void)state;
	if (ZCOAP_CONFIG_BLOCK_SIZE < 512) {
		skip();
	}
	req.method = COAP_METHOD_PUT;
	req.payload = body;
	req.len = 2500;
	/* Block1 SZX 5 (512 bytes) asked for: no BERT, whenever the server's CSM comes */
	req.options[0].code = COAP_OPTION_BLOCK1;
	req.options[0].len = 1;
	req.options[0].value[0] = 5;
	req.num_options = 1;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(uploaded, 2500);
	assert_memory_equal(upload, body, 2500);
	assert_int_equal(up_blocks, 9); /* 512 bytes, then 256-byte blocks: 1 + 8 */
	assert_int_equal(up_szx, 4);    /* the last blocks were 256 bytes */
}

static void test_ping_pong(void **state)
{
	struct coap_packet out;

	(void)state;
	connect_peer(serve);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* CSM */
	assert_int_equal(coap_client_tcp_ping(&client), 0);
	assert_int_equal(tcp_wait(&ev.sem), 0);
	assert_int_equal(ev.pong, 1);
	/* The server pings: the client answers with a Pong. */
	assert_int_equal(zc_tcp_build_ping(&out, mbuf, sizeof(mbuf), ZC_TCP_PING, false), 0);
	tcp_peer_send(&peer, &out, 0);
	for (;;) {
		assert_int_equal(tcp_wait(&peer.frame_sem), 0);
		if (tcp_peer_code(&peer, tcp_peer_frames(&peer) - 1) == ZC_TCP_PONG) {
			break;
		}
	}
}

static void test_release(void **state)
{
	struct coap_client_tcp_request req = get_req("hello");
	struct coap_packet out;

	(void)state;
	connect_peer(serve);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* CSM */
	assert_int_equal(zc_tcp_build_release(&out, mbuf, sizeof(mbuf), "coap+tcp://[::1]", 30), 0);
	tcp_peer_send(&peer, &out, 3);
	assert_int_equal(tcp_wait(&ev.sem), 0);
	assert_int_equal(ev.release, 1);
	assert_string_equal(ev.alt, "coap+tcp://[::1]");
	assert_int_equal(ev.hold_off, 30);
	/* RFC 8323 §5.5: no new requests on a released connection. */
	assert_int_equal(coap_client_tcp_req(&client, &req), -ENOTCONN);
	/* The client's own Release reaches the server. */
	assert_int_equal(coap_client_tcp_release(&client, NULL, 0), 0);
	for (;;) {
		assert_int_equal(tcp_wait(&peer.frame_sem), 0);
		if (tcp_peer_code(&peer, tcp_peer_frames(&peer) - 1) == ZC_TCP_RELEASE) {
			break;
		}
	}
	assert_int_equal(coap_client_tcp_close(&client), 0);
	assert_int_equal(coap_client_tcp_close(&client), -ENOTCONN);
}

/*
 * RFC 8323 §3.3: the server may send requests too. The client serves no
 * resource: 4.04 for a known method, 4.05 for an unknown method code
 * (RFC 7252 §5.8), each with the request's token; the connection stays.
 */
static void test_server_request(void **state)
{
	static const uint8_t t1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t t2[2] = {0xab, 0xcd};
	static const uint8_t t3[1] = {0x42};
	struct coap_client_tcp_request req = get_req("hello");
	struct coap_packet out;
	uint8_t payload[64];

	(void)state;
	answers = 0;
	memset(payload, 'p', sizeof(payload));
	connect_peer(serve_asks);
	assert_int_equal(tcp_wait(&ev.sem), 0); /* CSM */
	assert_int_equal(zc_tcp_msg_init(&out, mbuf, sizeof(mbuf), COAP_METHOD_GET, t1, 8), 0);
	assert_int_equal(
	    coap_packet_append_option(&out, COAP_OPTION_URI_PATH, (const uint8_t *)"x", 1), 0);
	tcp_peer_send(&peer, &out, 0);
	/* 0.31: no such method. */
	assert_int_equal(zc_tcp_msg_init(&out, mbuf, sizeof(mbuf), 31, t2, 2), 0);
	tcp_peer_send(&peer, &out, 2);
	/* A POST with a payload, one byte per write. */
	assert_int_equal(zc_tcp_msg_init(&out, mbuf, sizeof(mbuf), COAP_METHOD_POST, t3, 1), 0);
	assert_int_equal(coap_packet_append_payload_marker(&out), 0);
	assert_int_equal(coap_packet_append_payload(&out, payload, sizeof(payload)), 0);
	tcp_peer_send(&peer, &out, 1);
	while (answers < 3) {
		assert_int_equal(tcp_wait(&peer.frame_sem), 0);
	}
	assert_int_equal(answer_code[0], COAP_RESPONSE_CODE_NOT_FOUND);
	assert_int_equal(answer_tkl[0], 8);
	assert_memory_equal(answer_token[0], t1, 8);
	assert_int_equal(answer_code[1], COAP_RESPONSE_CODE_NOT_ALLOWED);
	assert_int_equal(answer_tkl[1], 2);
	assert_memory_equal(answer_token[1], t2, 2);
	assert_int_equal(answer_code[2], COAP_RESPONSE_CODE_NOT_FOUND);
	assert_int_equal(answer_tkl[2], 1);
	assert_memory_equal(answer_token[2], t3, 1);
	/* The connection goes on. */
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(res.calls, 1);
}

static void test_abort(void **state)
{
	struct coap_client_tcp_request req = get_req("silent");
	struct coap_packet out;

	(void)state;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&peer.frame_sem), 0); /* CSM */
	assert_int_equal(tcp_wait(&peer.frame_sem), 0); /* the request */
	assert_int_equal(zc_tcp_build_abort(&out, mbuf, sizeof(mbuf), 5, "bye"), 0);
	tcp_peer_send(&peer, &out, 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECONNABORTED);
	assert_true(ev.abort_ev == 1);
	assert_int_equal(ev.bad_opt, 5);
	assert_int_equal(coap_client_tcp_req(&client, &req), -ENOTCONN);
}

static void test_connection_lost(void **state)
{
	struct coap_client_tcp_request a = get_req("silent");
	struct coap_client_tcp_request b = get_req("hangup");

	(void)state;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &a), 0);
	assert_int_equal(coap_client_tcp_req(&client, &b), 0);
	/* The server hangs up: both requests end with an error, none hangs. */
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECONNRESET);
	assert_int_equal(res.last_blocks, 2);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
	assert_int_equal(coap_client_tcp_req(&client, &a), -ENOTCONN);
	/* A new connection works. */
	assert_int_equal(tcp_wait(&peer.closed_sem), 0);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	a = get_req("hello");
	assert_int_equal(coap_client_tcp_req(&client, &a), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
}

static bool send_garbage(struct tcp_peer *p, const struct coap_packet *pkt)
{
	static const uint8_t bad[] = {0x09, 0x45}; /* TKL 9: a message format error */

	if (coap_header_get_code(pkt) == ZC_TCP_CSM) {
		return true;
	}
	if (coap_header_get_code(pkt) == ZC_TCP_ABORT) {
		return false;
	}
	tcp_peer_write(p, bad, sizeof(bad));
	return true;
}

static void test_malformed_frame_aborts(void **state)
{
	struct coap_client_tcp_request req = get_req("x");

	(void)state;
	connect_peer(send_garbage);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -EBADMSG);
	/* The client told the server why (7.05 Abort) before closing. */
	assert_int_equal(tcp_wait(&peer.closed_sem), 0);
	assert_int_equal(tcp_peer_code(&peer, tcp_peer_frames(&peer) - 1), ZC_TCP_ABORT);
}

static bool critical_csm(struct tcp_peer *p, const struct coap_packet *pkt)
{
	static const uint8_t csm[] = {0x10, 0xE1, 0x90}; /* CSM with unknown critical option 9 */

	if (coap_header_get_code(pkt) == ZC_TCP_CSM) {
		tcp_peer_write(p, csm, sizeof(csm));
	}
	return coap_header_get_code(pkt) != ZC_TCP_ABORT;
}

static void test_unknown_critical_csm_option(void **state)
{
	struct coap_client_tcp_request req = get_req("silent");
	uint8_t i;

	(void)state;
	connect_peer(critical_csm);
	(void)coap_client_tcp_req(&client, &req); /* may race with the Abort */
	assert_int_equal(tcp_wait(&peer.closed_sem), 0);
	for (i = 0; i < tcp_peer_frames(&peer) && tcp_peer_code(&peer, i) != ZC_TCP_ABORT; i++) {
	}
	assert_true(i < tcp_peer_frames(&peer)); /* an Abort went out */
}

static void test_cancel_and_close(void **state)
{
	struct coap_client_tcp_request req = get_req("silent");

	(void)state;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_true(coap_client_tcp_has_ongoing_exchange(&client));
	coap_client_tcp_cancel_requests(&client);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECANCELED);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(coap_client_tcp_close(&client), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECANCELED);
	assert_int_equal(coap_client_tcp_ping(&client), -ENOTCONN);
}

/*
 * A cancel from another thread while the receive thread runs a block
 * callback of the same request: the final -ECANCELED (where applications
 * free user_data) runs only once that callback has returned, and the cancel
 * returns only then (found in review: it ran concurrently).
 */
static sem_t in_block, release_block;
static _Atomic int block_running, final_during_block, cancel_returned;

static void blocking_cb(const struct coap_client_tcp_response_data *d, void *user_data)
{
	(void)user_data;
	if (d->result_code > 0 && !d->last_block && d->offset == 0) {
		struct timespec until;

		block_running = 1;
		sem_post(&in_block);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		(void)sem_timedwait(&release_block, &until);
		block_running = 0;
	} else if (d->last_block) {
		final_during_block = block_running;
		sem_post(&res.done);
	}
}

static void *cancel_main(void *arg)
{
	(void)arg;
	coap_client_tcp_cancel_requests(&client);
	cancel_returned = 1;
	return NULL;
}

static void test_cancel_waits_for_running_callback(void **state)
{
	struct coap_client_tcp_request req = get_req("big");
	pthread_t canceller;

	(void)state;
	sem_init(&in_block, 0, 0);
	sem_init(&release_block, 0, 0);
	block_running = 0;
	final_during_block = 0;
	cancel_returned = 0;
	req.cb = blocking_cb;
	connect_peer(serve);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&in_block), 0);
	assert_int_equal(pthread_create(&canceller, NULL, cancel_main, NULL), 0);
	/* It must not return while the block callback runs (a bounded wait for what must not come).
	 */
	usleep(200000);
	assert_int_equal(cancel_returned, 0);
	sem_post(&release_block);
	pthread_join(canceller, NULL);
	assert_int_equal(cancel_returned, 1);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(final_during_block, 0);
	sem_destroy(&in_block);
	sem_destroy(&release_block);
}

/* zcoap_client_tcp_last_error() returns @p err with a sentence that contains @p text. */
static void assert_last_error(int err, const char *text)
{
	char why[ZCOAP_CLIENT_TCP_ERROR_LEN];

	assert_int_equal(zcoap_client_tcp_last_error(&client, why, sizeof(why)), err);
	if (strstr(why, text) == NULL) {
		fail_msg("\"%s\" lacks \"%s\"", why, text);
	}
}

static void test_api_errors(void **state)
{
	struct coap_client_tcp_request req = get_req("hello");
	struct sockaddr_in nowhere = {.sin_family = AF_INET};
	int r;

	(void)state;
	tcp_peer_start(&peer, serve, NULL);
	assert_int_equal(coap_client_tcp_req(&client, &req), -ENOTCONN);
	assert_int_equal(coap_client_tcp_init(&client, NULL), -EALREADY);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TLS_1_2),
			 -EINVAL); /* TLS without zcoap_client_tcp_set_tls_config() */
	assert_last_error(-EINVAL, "no TLS configuration");
	{
		const zcoap_sec_tag_t tags[] = {4242}; /* no credentials */
		struct zcoap_dtls_config tls = {.sec_tags = tags, .sec_tag_count = 1};

		assert_int_equal(zcoap_client_tcp_set_tls_config(&client, &tls), 0);
		/* Without Mbed TLS, TLS is not there; with it, the tag has no credentials. */
		assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
							 sizeof(peer.addr), IPPROTO_TLS_1_2),
				 zcoap_dtls_available() ? -ENOENT : -EPROTONOSUPPORT);
		/* ... and the sentence says which (the build without Mbed TLS: tls/none.c). */
		if (zcoap_dtls_available()) {
			assert_last_error(-ENOENT, "security tag 4242 has no credentials");
		} else {
			assert_last_error(-EPROTONOSUPPORT, "built without Mbed TLS");
		}
		assert_int_equal(zcoap_client_tcp_set_tls_config(&client, NULL), 0);
	}
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_UDP),
			 -EPROTONOSUPPORT);
	assert_int_equal(coap_client_tcp_connect(NULL, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 -EINVAL);
	/* Port 0 on loopback: refused. */
	nowhere.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = coap_client_tcp_connect(&client, (struct sockaddr *)&nowhere, sizeof(nowhere),
				    IPPROTO_TCP);
	assert_true(r < 0);
	assert_last_error(r, "TCP connect failed: ");
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	/* Connecting again replaces the connection: its requests end with -ECANCELED. */
	req = get_req("silent");
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ECANCELED);
	req = get_req("hello");
	memset(req.path, 'a', sizeof(req.path)); /* no NUL */
	assert_int_equal(coap_client_tcp_req(&client, &req), -EINVAL);
	req = get_req("hello");
	req.num_options = MAX_TCP_EXTRA_OPTIONS + 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), -EINVAL);
	assert_int_equal(coap_client_tcp_csm_req(&client, 512, NULL, NULL), 0);
}

static int small_sndbuf(int fd, void *user_data)
{
	int size = 4096;

	(void)user_data;
	return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* A server that accepts and never reads: writes block, and give up after the timeout. */
static void test_server_not_reading(void **state)
{
	struct coap_client_tcp_request req = get_req("x");
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int rcv = 4096;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int r = 0;

	(void)state;
	tcp_peer_start(&peer, serve, NULL); /* unused; teardown stops it */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(lfd >= 0);
	assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)), 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	zcoap_client_tcp_set_socket_config_cb(&client, small_sndbuf, NULL);
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 200), 0);
	assert_int_equal(
	    coap_client_tcp_connect(&client, (struct sockaddr *)&a, sizeof(a), IPPROTO_TCP), 0);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	/* Fill the server's receive buffer and ours: a write finally gives up. */
	for (int i = 0; i < 1000000 && r == 0; i++) {
		r = coap_client_tcp_release(&client,
					    "coap+tcp://a-long-alternative-address.example", 1);
	}
	assert_true(r == -ETIMEDOUT || r == -ENOTCONN);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, -ETIMEDOUT);
	close(lfd);
}

static uint32_t rng_state = 0x9E3779B9U;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Answers each request with a damaged response (or noise), then hangs up. */
static bool hostile(struct tcp_peer *p, const struct coap_packet *pkt)
{
	struct coap_packet out;
	const uint8_t *frame;
	size_t len;
	uint8_t copy[1200];
	uint32_t kind = rnd() % 4;

	if (coap_header_get_code(pkt) == ZC_TCP_CSM) {
		if (rnd() % 2 == 0) {
			tcp_peer_csm(p, 1 + rnd() % 9000, rnd() % 2 == 0);
		}
		return true;
	}
	if ((coap_header_get_code(pkt) >> 5) == 7) {
		return true;
	}
	tcp_peer_msg(p, &out, kind == 3 ? ZC_TCP_RELEASE : (uint8_t)(0x40 | (rnd() % 8)), pkt);
	if (kind == 1) {
		coap_append_option_int(&out, COAP_OPTION_OBSERVE, rnd() % 5);
	}
	if (kind == 2) {
		coap_append_option_int(&out, COAP_OPTION_BLOCK2, rnd() % 64);
	}
	coap_packet_append_payload_marker(&out);
	coap_packet_append_payload(&out, body, (uint16_t)(rnd() % 300 + 1));
	assert_int_equal(zc_tcp_frame_seal(&out, &frame, &len), 0);
	memcpy(copy, frame, len);
	for (unsigned int k = 0; k < rnd() % 4; k++) {
		copy[rnd() % len] ^= (uint8_t)(1U << (rnd() % 8));
	}
	tcp_peer_write(p, copy, rnd() % 5 == 0 ? rnd() % len : len);
	return false;
}

/* Damaged responses and hang-ups: every request ends exactly once, never hangs. */
static void test_hostile_peer(void **state)
{
	int calls;
	int ended = 0;

	(void)state;
	tcp_peer_start(&peer, hostile, NULL);
	for (int round = 0; round < 150; round++) {
		struct coap_client_tcp_request req = get_req("x");

		(void)coap_client_tcp_close(&client);
		assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
							 sizeof(peer.addr), IPPROTO_TCP),
				 0);
		if (round % 2 == 0) {
			req.options[0].code = COAP_OPTION_OBSERVE;
			req.options[0].len = 0;
			req.num_options = 1;
		}
		if (coap_client_tcp_req(&client, &req) != 0) {
			continue; /* e.g. the connection already went */
		}
		/* Notifications may come first: wait for the request to be gone. */
		do {
			assert_int_equal(tcp_wait(&res.done), 0);
		} while (coap_client_tcp_has_ongoing_exchange(&client));
		calls = res.calls;
		assert_int_equal(tcp_wait(&peer.closed_sem), 0);
		(void)coap_client_tcp_close(&client);
		/* Nothing after the end: the hang-up and the close reported nothing more. */
		assert_int_equal(res.calls, calls);
		ended++;
	}
	assert_true(ended > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_get_csm_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_waits_for_running_callback, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_not_found_and_concurrent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block2_download, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bert_download, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bert_multi_unit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_upload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_payload_cb, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel_deregisters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_ended_without_observe_option, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_fits_server_mms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_requested_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bert_upload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_server_shrinks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ping_pong, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connection_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_frame_aborts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_critical_csm_option, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_and_close, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_not_reading, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
