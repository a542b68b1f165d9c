/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_stream.c -- streamed reception (docs/design/tcp.md): responses
 * longer than the client's receive buffer (ZCOAP_CONFIG_TCP_MESSAGE_SIZE) but
 * within the Max-Message-Size it advertises reach the response callback in
 * pieces, with the contract of block-wise delivery (offset rising, last_block
 * once), against the scripted peer (tcp_peer.c) over loopback: a body
 * written in odd pieces, an error response with a body, Observe
 * notifications, a Block2 (BERT) continuation after a streamed first message,
 * the connection lost or stalled in the middle of a body, a frame longer
 * than advertised (Abort), and options that do not fit the buffer (the
 * request ends, the connection stays); zcoap_client_tcp_set_max_message_size().
 * Skipped when the build does not stream
 * (ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE == ZCOAP_CONFIG_TCP_MESSAGE_SIZE).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "tcp/frame.h"
#include "tcp_peer.h"
#include "zcoap_option.h"

#define CAP        ZCOAP_CONFIG_TCP_MESSAGE_SIZE
#define STREAM_LEN (3 * CAP + 123)                 /* a body over three buffers */
#define BIG_OPTS   (CAP + 600)                     /* option bytes over the buffer */
#define BERT_LEN   ((CAP / 1024 + 2) * 1024 + 500) /* a BERT block over the buffer, then 500 */
#define BODY_LEN   (STREAM_LEN > BERT_LEN ? STREAM_LEN : BERT_LEN)

/* Written on the client's thread, read on the test's after a sem. */
struct result {
	sem_t done;
	_Atomic int calls;
	_Atomic int code;
	_Atomic int last_blocks;
	_Atomic bool bad; /* a contract violation (see on_response) */
	_Atomic size_t total;
	_Atomic int content_format;
	/* At each last_block: the body's length and checksum (later bodies may overwrite data). */
	size_t snap_total[4];
	uint32_t snap_sum[4];
	uint8_t data[BODY_LEN];
};

static uint32_t checksum(const uint8_t *d, size_t n)
{
	uint32_t h = 2166136261U;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ d[i]) * 16777619U;
	}
	return h;
}

static struct coap_client_tcp client;
static struct tcp_peer peer;
static bool peer_started;
static _Atomic uint32_t client_mms; /* from the client's CSM */
static struct result res;
static uint8_t body[BODY_LEN];
static uint8_t big_tx[ZCOAP_TCP_TX_HEADROOM + BIG_OPTS + 512];

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	struct result *r = user_data;

	r->calls++;
	r->code = d->result_code;
	if (d->result_code >= 0) {
		const uint8_t *pl;
		uint16_t plen = 0;

		/* The packet is the message's header and options, the piece its payload. */
		if (d->packet == NULL) {
			r->bad = true;
		} else {
			pl = coap_packet_get_payload(d->packet, &plen);
			if (plen != d->payload_len || (plen > 0 && pl != d->payload)) {
				r->bad = true;
			}
			r->content_format =
			    coap_get_option_int(d->packet, COAP_OPTION_CONTENT_FORMAT);
		}
		if (d->offset == 0) {
			r->total = 0; /* a new notification */
		}
		if (d->offset != r->total || d->offset + d->payload_len > sizeof(r->data)) {
			r->bad = true;
		} else if (d->payload_len > 0) {
			memcpy(r->data + d->offset, d->payload, d->payload_len);
			r->total = d->offset + d->payload_len;
		}
	} else if (d->packet != NULL || !d->last_block) {
		r->bad = true;
	}
	if (d->last_block) {
		if (r->last_blocks < 4) {
			r->snap_total[r->last_blocks] = r->total;
			r->snap_sum[r->last_blocks] = checksum(r->data, r->total);
		}
		r->last_blocks++;
		sem_post(&r->done);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&res, 0, sizeof(res));
	sem_init(&res.done, 0, 0);
	for (size_t i = 0; i < sizeof(body); i++) {
		body[i] = (uint8_t)(i * 13 + (i >> 9));
	}
	memset(&client, 0, sizeof(client));
	assert_int_equal(coap_client_tcp_init(&client, "tcp_stream"), 0);
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
	sem_destroy(&res.done);
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
 * Send @p out (options built, no payload yet) with @p len payload bytes of
 * @p pl as one message, the payload in writes of @p piece bytes; only the
 * first @p upto payload bytes are written (the rest never comes).
 */
static void send_body(struct tcp_peer *p, struct coap_packet *out, const uint8_t *pl, size_t len,
		      size_t piece, size_t upto)
{
	const uint8_t *frame;
	size_t flen;

	assert_int_equal(coap_packet_append_payload_marker(out), 0);
	assert_int_equal(zc_tcp_frame_seal_extra(out, (uint32_t)len, &frame, &flen), 0);
	tcp_peer_write(p, frame, flen);
	for (size_t off = 0; off < upto; off += piece) {
		tcp_peer_write(p, pl + off, upto - off < piece ? upto - off : piece);
	}
}

static bool serve(struct tcp_peer *p, const struct coap_packet *pkt)
{
	uint8_t code = coap_header_get_code(pkt);
	struct coap_packet out;
	const uint8_t *v;
	uint16_t vlen;

	if (code == ZC_TCP_CSM) {
		struct zc_tcp_signal sig;

		if (zc_tcp_signal_parse(pkt, &sig) == 0 && sig.has_mms) {
			client_mms = sig.max_message_size;
		}
		tcp_peer_csm(p, 1U << 20, true);
		return true;
	}
	if ((code >> 5) == 7) {
		return true; /* Abort, Pong... recorded by the peer */
	}
	tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
	if (has_path(pkt, "whole")) {
		coap_append_option_int(&out, COAP_OPTION_CONTENT_FORMAT, 42);
		send_body(p, &out, body, STREAM_LEN, 997, STREAM_LEN);
	} else if (has_path(pkt, "err")) {
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_NOT_FOUND, pkt);
		coap_append_option_int(&out, COAP_OPTION_CONTENT_FORMAT, 0);
		send_body(p, &out, body, CAP + 500, 4096, CAP + 500);
	} else if (has_path(pkt, "obs")) {
		/* Two streamed notifications, then a response without Observe ends it. */
		for (uint32_t i = 0; i < 2; i++) {
			tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
			coap_append_option_int(&out, COAP_OPTION_OBSERVE, i + 2);
			send_body(p, &out, body + i * 100, CAP + 100, 3000, CAP + 100);
		}
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_CONTENT, pkt);
		send_body(p, &out, (const uint8_t *)"end", 3, 3, 3);
	} else if (has_path(pkt, "bert")) {
		/* BERT (RFC 8323 §6): a first message of k units over the buffer, then the rest. */
		uint32_t k = CAP / 1024U + 2U;
		uint32_t num = 0;

		if (zcoap_option_find(pkt, COAP_OPTION_BLOCK2, &v, &vlen) == 0) {
			num = zcoap_option_uint(v, vlen) >> 4;
		}
		if (num == 0) {
			coap_append_option_int(&out, COAP_OPTION_BLOCK2, 0x08U | 7U);
			send_body(p, &out, body, k * 1024U, 1500, k * 1024U);
		} else {
			assert_int_equal(num, k);
			coap_append_option_int(&out, COAP_OPTION_BLOCK2, (num << 4) | 7U);
			send_body(p, &out, body + k * 1024U, 500, 500, 500);
		}
	} else if (has_path(pkt, "cut")) {
		send_body(p, &out, body, 2 * CAP, 1000, CAP + 10);
		return false; /* hang up in the middle of the body */
	} else if (has_path(pkt, "stall")) {
		send_body(p, &out, body, 2 * CAP, 1000, CAP + 10); /* and no more */
	} else if (has_path(pkt, "toolong")) {
		/* A body of the client's whole MMS: with the header, a frame over it. */
		uint32_t blen = ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE;
		uint8_t hdr[6 + 8];
		size_t h = 0;
		uint8_t tok[8];
		int tkl = coap_header_get_token(pkt, tok);

		if (blen >= 65805U) {
			blen -= 65805U;
			hdr[h++] = (uint8_t)(0xF0 | tkl);
			hdr[h++] = (uint8_t)(blen >> 24);
			hdr[h++] = (uint8_t)(blen >> 16);
		} else {
			blen -= 269U;
			hdr[h++] = (uint8_t)(0xE0 | tkl);
		}
		hdr[h++] = (uint8_t)(blen >> 8);
		hdr[h++] = (uint8_t)blen;
		hdr[h++] = COAP_RESPONSE_CODE_CONTENT;
		memcpy(hdr + h, tok, (size_t)tkl);
		tcp_peer_write(p, hdr, h + (size_t)tkl);
		tcp_peer_write(p, body, 100);
	} else if (has_path(pkt, "fatopts")) {
		/* Options longer than the client's buffer, then a payload: skipped by the client.
		 */
		uint8_t tok[8];
		uint8_t tkl = (uint8_t)coap_header_get_token(pkt, tok);
		uint8_t value[200];
		struct coap_packet fat;

		memset(value, 'o', sizeof(value));
		assert_int_equal(zc_tcp_msg_init(&fat, big_tx, sizeof(big_tx),
						 COAP_RESPONSE_CODE_CONTENT, tok, tkl),
				 0);
		for (size_t n = 0; n < BIG_OPTS; n += sizeof(value) + 3U) {
			assert_int_equal(
			    coap_packet_append_option(&fat, 65000, value, sizeof(value)), 0);
		}
		send_body(p, &fat, body, CAP, 700, CAP);
	} else if (has_path(pkt, "k2")) {
		send_body(p, &out, body, 2000, 2000, 2000); /* over an MMS of 1152 */
	} else if (has_path(pkt, "hello")) {
		send_body(p, &out, (const uint8_t *)"hello", 5, 5, 5);
	} else {
		tcp_peer_msg(p, &out, COAP_RESPONSE_CODE_NOT_FOUND, pkt);
		tcp_peer_send(p, &out, 0);
	}
	return true;
}

static void start(void)
{
	if (ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE <= CAP + 16U ||
	    ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE < STREAM_LEN + 64U) {
		skip(); /* this build does not stream (or not that much) */
	}
	tcp_peer_start(&peer, serve, NULL);
	peer_started = true;
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

static void run(const char *path)
{
	struct coap_client_tcp_request req = get_req(path);

	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
}

/* One message over three buffers, its payload in pieces; options in every piece. */
static void test_streamed_body(void **state)
{
	(void)state;
	start();
	run("whole");
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad);
	assert_int_equal(res.total, STREAM_LEN);
	assert_memory_equal(res.data, body, STREAM_LEN);
	assert_int_equal(res.content_format, 42);
	assert_true(res.calls >= 4); /* never more than a buffer at a time */
	assert_int_equal(res.last_blocks, 1);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
	/* The stream goes on after it. */
	run("hello");
	assert_int_equal(res.total, 5);
	assert_memory_equal(res.data, "hello", 5);
}

static void test_streamed_error_body(void **state)
{
	(void)state;
	start();
	run("err");
	assert_int_equal(res.code, COAP_RESPONSE_CODE_NOT_FOUND);
	assert_false(res.bad);
	assert_int_equal(res.total, CAP + 500);
	assert_memory_equal(res.data, body, CAP + 500);
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_streamed_notifications(void **state)
{
	struct coap_client_tcp_request req = get_req("obs");

	(void)state;
	start();
	req.options[0].code = COAP_OPTION_OBSERVE;
	req.options[0].len = 0;
	req.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tcp_wait(&res.done), 0);
	}
	/* Each notification whole from offset 0, then the response without Observe. */
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad);
	assert_int_equal(res.last_blocks, 3);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(res.snap_total[i], CAP + 100);
		assert_int_equal(res.snap_sum[i], checksum(body + i * 100, CAP + 100));
	}
	assert_int_equal(res.snap_total[2], 3);
	assert_int_equal(res.snap_sum[2], checksum((const uint8_t *)"end", 3));
	assert_false(coap_client_tcp_has_ongoing_exchange(&client));
}

static void test_streamed_bert_continuation(void **state)
{
	struct coap_client_tcp_request req = get_req("bert");
	uint32_t k = CAP / 1024U + 2U;

	(void)state;
	if (ZCOAP_CONFIG_BLOCK_SIZE != 1024) {
		skip(); /* BERT needs 1024-byte blocks */
	}
	start();
	req.options[0].code = COAP_OPTION_BLOCK2;
	req.options[0].len = 1;
	req.options[0].value[0] = 7; /* NUM 0, SZX 7 */
	req.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	assert_int_equal(tcp_wait(&res.done), 0);
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(res.bad);
	assert_int_equal(res.total, k * 1024U + 500U);
	assert_memory_equal(res.data, body, k * 1024U + 500U);
	assert_int_equal(res.last_blocks, 1);
}

static void test_lost_mid_body(void **state)
{
	(void)state;
	start();
	run("cut");
	assert_int_equal(res.code, -ECONNRESET);
	assert_false(res.bad);
	assert_true(res.total <= CAP + 10);
	assert_memory_equal(res.data, body, res.total);
	assert_int_equal(res.last_blocks, 1);
}

static void test_stalled_mid_body(void **state)
{
	(void)state;
	start();
	assert_int_equal(zcoap_client_tcp_set_timeout(&client, 200), 0);
	run("stall");
	assert_int_equal(res.code, -ETIMEDOUT);
	assert_false(res.bad);
	assert_int_equal(res.last_blocks, 1);
}

static void test_frame_over_mms(void **state)
{
	(void)state;
	start();
	run("toolong");
	assert_int_equal(res.code, -EMSGSIZE);
	assert_int_equal(res.calls, 1);
	/* RFC 8323 §5.6: the client said why (Abort) before it closed. */
	for (;;) {
		assert_int_equal(tcp_wait(&peer.frame_sem), 0);
		if (tcp_peer_code(&peer, tcp_peer_frames(&peer) - 1) == ZC_TCP_ABORT) {
			break;
		}
	}
}

static void test_options_over_buffer(void **state)
{
	(void)state;
	start();
	run("fatopts");
	assert_int_equal(res.code, -EMSGSIZE);
	assert_int_equal(res.calls, 1);
	/* The frame was skipped whole: the connection goes on. */
	run("hello");
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_memory_equal(res.data, "hello", 5);
}

/* zcoap_client_tcp_set_max_message_size(): the CSM says it, and longer frames are refused. */
static void test_set_max_message_size(void **state)
{
	(void)state;
	assert_int_equal(zcoap_client_tcp_set_max_message_size(NULL, 0), -EINVAL);
	assert_int_equal(zcoap_client_tcp_set_max_message_size(&client, 1151), -EINVAL);
	if (ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE < UINT32_MAX) {
		assert_int_equal(zcoap_client_tcp_set_max_message_size(
				     &client, (uint32_t)ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE + 1U),
				 -EINVAL);
	}
	assert_int_equal(zcoap_client_tcp_set_max_message_size(&client, 1152), 0);
	start();
	run("hello");
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(client_mms, 1152);
	run("k2"); /* over 1152 bytes: the connection is aborted */
	assert_int_equal(res.code, -EMSGSIZE);
	/* 0: the default again, on the next connection. */
	assert_int_equal(zcoap_client_tcp_set_max_message_size(&client, 0), 0);
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&peer.addr,
						 sizeof(peer.addr), IPPROTO_TCP),
			 0);
	run("whole");
	assert_int_equal(res.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(client_mms, ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE);
	assert_int_equal(res.total, STREAM_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_streamed_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streamed_error_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streamed_notifications, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streamed_bert_continuation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_mid_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stalled_mid_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frame_over_mms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_options_over_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_max_message_size, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
