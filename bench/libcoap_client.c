/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libcoap_client.c -- the libcoap (Debian libcoap3, 4.3.x) side of the
 * benchmarks, doing the same work as zcoap_client.c with libcoap's own API:
 * one context, one client session (a connected UDP socket), one response
 * handler; libcoap is single-threaded, so the application drives
 * coap_io_process() itself.
 *
 * Usage: zbench_libcoap seq <port> <n>
 *        zbench_libcoap inflight <port> <n> <k>   (NSTART raised to k)
 *        zbench_libcoap block <port>              (COAP_BLOCK_USE_LIBCOAP: libcoap
 *                                                  asks for the next blocks itself)
 *        zbench_libcoap tcpblock <port>           the same over TCP (RFC 8323), the
 *                                                  connection set-up measured too
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "bench_common.h"

static coap_context_t *ctx;
static coap_session_t *session;
static int failure;
static int got;
static unsigned long issued;
static unsigned long completed;
static uint8_t *body;
static size_t body_len;
static unsigned long blocks;
static bool body_done;

static void send_get(const char *path)
{
	uint8_t token[8];
	size_t tlen = 0;
	coap_pdu_t *pdu =
	    coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET, coap_new_message_id(session),
			  coap_session_max_pdu_size(session));

	if (pdu == NULL) {
		zbench_die("libcoap: coap_pdu_init failed");
	}
	coap_session_new_token(session, &tlen, token);
	if (!coap_add_token(pdu, tlen, token) ||
	    !coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(path), (const uint8_t *)path)) {
		zbench_die("libcoap: building the request failed");
	}
	if (coap_send(session, pdu) == COAP_INVALID_MID) {
		zbench_die("libcoap: coap_send failed");
	}
}

static coap_response_t on_small(coap_session_t *s, const coap_pdu_t *sent,
				const coap_pdu_t *received, const coap_mid_t mid)
{
	size_t len = 0;
	const uint8_t *data = NULL;

	(void)s;
	(void)sent;
	(void)mid;
	if (coap_pdu_get_code(received) != COAP_RESPONSE_CODE_CONTENT ||
	    !coap_get_data(received, &len, &data) || len != ZBENCH_SMALL_PAYLOAD_LEN ||
	    memcmp(data, ZBENCH_SMALL_PAYLOAD, len) != 0) {
		failure = 1;
	}
	got = 1;
	completed++;
	return COAP_RESPONSE_OK;
}

static void run_seq(unsigned long n)
{
	uint64_t t0 = zbench_now_ns();
	uint64_t c0 = zbench_cpu_ns();

	for (unsigned long i = 0; i < n; i++) {
		got = 0;
		send_get("t");
		while (!got) {
			if (coap_io_process(ctx, COAP_IO_WAIT) < 0) {
				zbench_die("libcoap: coap_io_process failed");
			}
		}
		if (failure) {
			zbench_die("libcoap: request %lu failed", i);
		}
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, n);
}

static void run_inflight(unsigned long n, unsigned long k)
{
	uint64_t t0;
	uint64_t c0;

	/* RFC 7252 §4.7 NSTART defaults to 1; allow k outstanding CON requests. */
	coap_session_set_nstart(session, (uint16_t)k);
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	while (completed < n) {
		/*
		 * Top up to k outstanding here rather than from the handler:
		 * a request sent from inside the handler still counts the one
		 * being answered against NSTART and waits in libcoap's delay
		 * queue (measured ~3x slower at k = 1).
		 */
		while (issued - completed < k && issued < n) {
			issued++;
			send_get("t");
		}
		if (coap_io_process(ctx, COAP_IO_WAIT) < 0) {
			zbench_die("libcoap: coap_io_process failed");
		}
		if (failure) {
			zbench_die("libcoap: inflight failed");
		}
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, n);
}

static coap_response_t on_block(coap_session_t *s, const coap_pdu_t *sent,
				const coap_pdu_t *received, const coap_mid_t mid)
{
	size_t len = 0;
	size_t offset = 0;
	size_t tot = 0;
	const uint8_t *data = NULL;
	coap_block_t b2;

	(void)s;
	(void)sent;
	(void)mid;
	if (coap_pdu_get_code(received) != COAP_RESPONSE_CODE_CONTENT ||
	    !coap_get_data_large(received, &len, &data, &offset, &tot) || offset != body_len ||
	    offset + len > ZBENCH_BODY_SIZE) {
		failure = 1;
		body_done = true;
		return COAP_RESPONSE_OK;
	}
	memcpy(body + offset, data, len);
	body_len += len;
	blocks++;
	if (!coap_get_block(received, COAP_OPTION_BLOCK2, &b2) || !b2.m) {
		body_done = true;
	}
	return COAP_RESPONSE_OK;
}

static void run_block(void)
{
	uint64_t t0;
	uint64_t c0;

	body = calloc(1, ZBENCH_BODY_SIZE);
	if (body == NULL) {
		zbench_die("libcoap: out of memory");
	}
	coap_register_response_handler(ctx, on_block);
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	send_get("big");
	while (!body_done) {
		if (coap_io_process(ctx, COAP_IO_WAIT) < 0) {
			zbench_die("libcoap: coap_io_process failed");
		}
	}
	if (failure) {
		zbench_die("libcoap: block download failed");
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, blocks);
	if (!zbench_body_ok(body, body_len)) {
		exit(1);
	}
	free(body);
}

/* CoAP over TCP: the session (connection and CSM exchange) is part of the measurement. */
static void run_tcp_block(const coap_address_t *dst)
{
	uint64_t t0;
	uint64_t c0;

	body = calloc(1, ZBENCH_BODY_SIZE);
	if (body == NULL) {
		zbench_die("libcoap: out of memory");
	}
	coap_register_response_handler(ctx, on_block);
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	session = coap_new_client_session(ctx, NULL, dst, COAP_PROTO_TCP);
	if (session == NULL) {
		zbench_die("libcoap: coap_new_client_session (TCP) failed");
	}
	send_get("big");
	while (!body_done) {
		if (coap_io_process(ctx, COAP_IO_WAIT) < 0) {
			zbench_die("libcoap: coap_io_process failed");
		}
	}
	if (failure) {
		zbench_die("libcoap: TCP block download failed");
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, blocks);
	if (!zbench_body_ok(body, body_len)) {
		exit(1);
	}
	free(body);
}

#define USAGE "usage: %s seq <port> <n> | inflight <port> <n> <k> | block <port> | tcpblock <port>"

int main(int argc, char **argv)
{
	coap_address_t dst;

	if (argc < 3) {
		zbench_die(USAGE, argv[0]);
	}
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	ctx = coap_new_context(NULL);
	if (ctx == NULL) {
		zbench_die("libcoap: coap_new_context failed");
	}
	if (strcmp(argv[1], "block") == 0 || strcmp(argv[1], "tcpblock") == 0) {
		/* Before the session: a session takes the block mode of its context. */
		coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP);
	}
	coap_address_init(&dst);
	dst.addr.sin.sin_family = AF_INET;
	dst.addr.sin.sin_port = htons((uint16_t)zbench_arg(argv[2], "port"));
	dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.size = sizeof(dst.addr.sin);
	if (strcmp(argv[1], "tcpblock") == 0) {
		run_tcp_block(&dst);
		coap_session_release(session);
		coap_free_context(ctx);
		coap_cleanup();
		return 0;
	}
	session = coap_new_client_session(ctx, NULL, &dst, COAP_PROTO_UDP);
	if (session == NULL) {
		zbench_die("libcoap: coap_new_client_session failed");
	}
	/* libcoap 4.3.1 has no accessor for the session's socket: default buffers (enough for 32).
	 */
	coap_register_response_handler(ctx, on_small);
	if (strcmp(argv[1], "seq") == 0 && argc == 4) {
		run_seq(zbench_arg(argv[3], "n"));
	} else if (strcmp(argv[1], "inflight") == 0 && argc == 5) {
		run_inflight(zbench_arg(argv[3], "n"), zbench_arg(argv[4], "k"));
	} else if (strcmp(argv[1], "block") == 0) {
		run_block();
	} else {
		zbench_die(USAGE, argv[0]);
	}
	coap_session_release(session);
	coap_free_context(ctx);
	coap_cleanup();
	return 0;
}
