/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_manual_tls.c -- event-loop mode of the CoAP-over-TCP client over
 * TLS (coaps+tcp, PSK) against libcoap's coap-server-openssl or
 * coap-server-gnutls (TCP_TLS_FLAVOUR): the handshake runs, blocking, in
 * coap_client_tcp_connect(); then the test's thread drives the client with
 * zcoap_client_tcp_process() alone: the server's CSM, GET, Ping/Pong, and a
 * 100 KiB PUT and GET byte-exact, whose records Mbed TLS decrypts ahead of
 * the reads (the loop's zero timeout while it holds bytes). Exits 77
 * (skipped) when the server is missing or the build has no Mbed TLS.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap_client_tcp.h"
#include "dtls_server.h"
#include "tcp_peer.h" /* tcp_wait_listening() */
#include "zcoap_dtls.h"
#include "zcoap_loop_tcp.h"

#ifndef TCP_TLS_FLAVOUR
#define TCP_TLS_FLAVOUR "openssl"
#endif

#define PSK_KEY      "zcoap-secret-psk"
#define PSK_IDENTITY "zcoap-client"
#define BODY         (100 * 1024)
#define TAG_PSK      40

static struct dtls_srv srv;
static struct coap_client_tcp client;
static int code;
static int finals;
static size_t total;
static int csm_events;
static int pongs;
static uint8_t got[BODY];
static uint8_t body[BODY];
static char logfile[256];

static void on_response(const struct coap_client_tcp_response_data *d, void *user_data)
{
	(void)user_data;
	code = d->result_code;
	if (d->result_code >= 0 && d->payload_len > 0 && d->offset + d->payload_len <= BODY) {
		memcpy(got + d->offset, d->payload, d->payload_len);
		total = d->offset + d->payload_len;
	}
	if (d->last_block) {
		finals++;
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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until *counter reaches @p want (a 60 s guard against hangs). */
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

static struct coap_client_tcp_request req_of(enum coap_method m, const char *path)
{
	struct coap_client_tcp_request req = {.method = m, .cb = on_response};

	snprintf(req.path, sizeof(req.path), "%s", path);
	return req;
}

static void test_psk_get_put_get(void **state)
{
	static const char *const args[] = {"-k", PSK_KEY, "-d", "10", NULL};
	const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = {.sec_tags = tags, .sec_tag_count = 1};
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");
	struct coap_client_tcp_request put = req_of(COAP_METHOD_PUT, "tlsblob");
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "tlsblob");
	int started = -1;

	(void)state;
	for (int attempt = 0; attempt < 3 && started != 0; attempt++) {
		if (dtls_srv_start(&srv, TCP_TLS_FLAVOUR, logfile, args) != 0) {
			fail_msg("coap-server-%s did not start", TCP_TLS_FLAVOUR);
		}
		started = tcp_wait_listening(&srv.dtls_addr);
		if (started != 0) {
			dtls_srv_stop(&srv);
		}
	}
	assert_int_equal(started, 0);
	memset(&client, 0, sizeof(client));
	assert_int_equal(zcoap_client_tcp_init_manual(&client), 0);
	coap_client_tcp_set_event_cb(&client, on_event, NULL);
	assert_int_equal(zcoap_client_tcp_set_tls_config(&client, &cfg), 0);
	/* TLS: connect and handshake in the call, so the connection is up when it returns. */
	assert_int_equal(coap_client_tcp_connect(&client, (struct sockaddr *)&srv.dtls_addr,
						 sizeof(srv.dtls_addr), IPPROTO_TLS_1_2),
			 0);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), 0);
	drive_until(&csm_events, 1); /* the server's CSM came through TLS */

	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	drive_until(&finals, 1);
	assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(total > 10);

	assert_int_equal(coap_client_tcp_ping(&client), 0);
	drive_until(&pongs, 1);

	for (size_t i = 0; i < BODY; i++) {
		body[i] = (uint8_t)(i * 29 + i / 1021);
	}
	put.payload = body;
	put.len = BODY;
	put.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	assert_int_equal(coap_client_tcp_req(&client, &put), 0);
	drive_until(&finals, 2);
	assert_true(code == COAP_RESPONSE_CODE_CREATED || code == COAP_RESPONSE_CODE_CHANGED);
	total = 0;
	memset(got, 0, sizeof(got));
	get.options[0] = coap_client_tcp_option_initial_block2(&client);
	get.num_options = 1;
	assert_int_equal(coap_client_tcp_req(&client, &get), 0);
	drive_until(&finals, 3);
	assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(total, BODY);
	assert_memory_equal(got, body, BODY);

	assert_int_equal(coap_client_tcp_close(&client), 0);
	assert_int_equal(zcoap_client_tcp_deinit(&client), 0);
	dtls_srv_stop(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_psk_get_put_get),
	};
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (!zcoap_dtls_available() || dtls_srv_binary(TCP_TLS_FLAVOUR) == NULL) {
		printf("Mbed TLS or coap-server-%s missing: skipped\n", TCP_TLS_FLAVOUR);
		return 77;
	}
	snprintf(logfile, sizeof(logfile), "%s/zcoap-tcp-manual-%s-%ld.log",
		 tmp != NULL ? tmp : "/tmp", TCP_TLS_FLAVOUR, (long)getpid());
	rc = zcoap_tls_credential_add(TAG_PSK, ZCOAP_TLS_CREDENTIAL_PSK, PSK_KEY, strlen(PSK_KEY));
	rc |= zcoap_tls_credential_add(TAG_PSK, ZCOAP_TLS_CREDENTIAL_PSK_ID, PSK_IDENTITY,
				       strlen(PSK_IDENTITY));
	if (rc != 0) {
		fprintf(stderr, "credentials: %d\n", rc);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	(void)remove(logfile);
	return rc;
}
