/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_tcp_client.c -- the zcoap side of the CoAP-over-TCP benchmark
 * (RFC 8323), through the public API only (coap_client_tcp.h).
 *
 * Usage: zbench_zcoap_tcp put <port>    store the 1 MiB virtual body under "big"
 *                                       on the server (set-up, not measured)
 *        zbench_zcoap_tcp stream <port> measured: connect, then download "big"
 *                                       without Block2: the server sends it as
 *                                       one message (our Max-Message-Size takes
 *                                       it), streamed through the receive
 *                                       buffer; n = callbacks (pieces)
 *        zbench_zcoap_tcp block <port>  measured: connect, wait for the server's
 *                                       CSM, then download "big" block-wise
 *                                       (BERT when the CSMs allow it, else
 *                                       ZCOAP_CONFIG_BLOCK_SIZE blocks) and
 *                                       check it; n = callbacks (messages)
 *
 * The server is libcoap's coap-server-notls (started by bench/run.sh with
 * dynamic resources), the same one libcoap's client downloads from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "coap_client_tcp.h"

static struct coap_client_tcp client;
static sem_t done;
static sem_t csm;
static volatile int failure;
static uint8_t *body;
static size_t body_len;
static unsigned long messages;

static void wait_sem(sem_t *s)
{
	while (sem_wait(s) != 0 && errno == EINTR) {
	}
}

static void on_event(struct coap_client_tcp *c, enum coap_client_tcp_event event,
		     const union coap_client_tcp_event_data *data, void *user_data)
{
	(void)c;
	(void)data;
	(void)user_data;
	if (event == COAP_CLIENT_TCP_EVENT_CSM_UPDATED) {
		sem_post(&csm);
	}
}

static void put_cb(const struct coap_client_tcp_response_data *d, void *user_data)
{
	(void)user_data;
	if (d->last_block) {
		if (d->result_code != COAP_RESPONSE_CODE_CHANGED &&
		    d->result_code != COAP_RESPONSE_CODE_CREATED) {
			failure = d->result_code != 0 ? d->result_code : -1;
		}
		sem_post(&done);
	}
}

static void get_cb(const struct coap_client_tcp_response_data *d, void *user_data)
{
	(void)user_data;
	messages++;
	if (d->result_code != COAP_RESPONSE_CODE_CONTENT || d->offset != body_len ||
	    d->offset + d->payload_len > ZBENCH_BODY_SIZE) {
		failure = d->result_code != 0 ? d->result_code : -1;
		sem_post(&done);
		return;
	}
	if (d->payload_len > 0) {
		memcpy(body + d->offset, d->payload, d->payload_len);
		body_len += d->payload_len;
	}
	if (d->last_block) {
		sem_post(&done);
	}
}

static void connect_only(uint16_t port)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	int r;

	dst.sin_port = htons(port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = coap_client_tcp_connect(&client, (struct sockaddr *)&dst, sizeof(dst), IPPROTO_TCP);
	if (r < 0) {
		zbench_die("zcoap: coap_client_tcp_connect: %d", r);
	}
}

static void connect_to(uint16_t port)
{
	connect_only(port);
	wait_sem(&csm); /* BERT needs the server's CSM (Block-Wise-Transfer) */
}

static void run_put(uint16_t port)
{
	struct coap_client_tcp_request req = {
	    .method = COAP_METHOD_PUT,
	    .path = "big",
	    .fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM,
	    .cb = put_cb,
	};
	int r;

	for (uint32_t i = 0; i < ZBENCH_BODY_SIZE; i++) {
		body[i] = zbench_body_byte(i);
	}
	req.payload = body;
	req.len = ZBENCH_BODY_SIZE;
	connect_to(port);
	r = coap_client_tcp_req(&client, &req);
	if (r < 0) {
		zbench_die("zcoap: coap_client_tcp_req: %d", r);
	}
	wait_sem(&done);
	if (failure != 0) {
		zbench_die("zcoap: PUT failed: %d", failure);
	}
}

static void run_get(uint16_t port, bool block2)
{
	struct coap_client_tcp_request req = {
	    .method = COAP_METHOD_GET,
	    .path = "big",
	    .cb = get_cb,
	};
	uint64_t t0 = zbench_now_ns();
	uint64_t c0 = zbench_cpu_ns();
	int r;

	if (block2) {
		connect_to(port); /* BERT needs the server's CSM (Block-Wise-Transfer) */
		req.options[0] = coap_client_tcp_option_initial_block2(&client);
		req.num_options = 1;
	} else {
		connect_only(port); /* no Block2: the server may send the body whole */
	}
	r = coap_client_tcp_req(&client, &req);
	if (r < 0) {
		zbench_die("zcoap: coap_client_tcp_req: %d", r);
	}
	wait_sem(&done);
	if (failure != 0) {
		zbench_die("zcoap: download failed: %d", failure);
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, messages);
	if (!zbench_body_ok(body, body_len)) {
		exit(1);
	}
}

#define USAGE "usage: %s put <port> | stream <port> | block <port>"

int main(int argc, char **argv)
{
	uint16_t port;
	int r;

	if (argc != 3) {
		zbench_die(USAGE, argv[0]);
	}
	port = (uint16_t)zbench_arg(argv[2], "port");
	body = calloc(1, ZBENCH_BODY_SIZE);
	if (body == NULL || sem_init(&done, 0, 0) != 0 || sem_init(&csm, 0, 0) != 0) {
		zbench_die("zcoap: set-up failed");
	}
	r = coap_client_tcp_init(&client, "zbench-tcp");
	if (r < 0) {
		zbench_die("zcoap: coap_client_tcp_init: %d", r);
	}
	coap_client_tcp_set_event_cb(&client, on_event, NULL);
	if (strcmp(argv[1], "put") == 0) {
		run_put(port);
	} else if (strcmp(argv[1], "stream") == 0) {
		run_get(port, false);
	} else if (strcmp(argv[1], "block") == 0) {
		run_get(port, true);
	} else {
		zbench_die(USAGE, argv[0]);
	}
	coap_client_tcp_close(&client);
	zcoap_client_tcp_deinit(&client);
	free(body);
	return 0;
}
