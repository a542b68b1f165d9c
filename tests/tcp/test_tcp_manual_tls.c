/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_tcp_manual_tls.c -- event-loop mode of the CoAP-over-TCP client over
 * TLS (coaps+tcp, PSK) against libcoap's coap-server-openssl or
 * coap-server-gnutls (TCP_TLS_FLAVOUR): coap_client_tcp_connect() returns
 * at once and the test's thread drives the TCP connect, the TLS handshake
 * and everything after it with zcoap_client_tcp_process() alone: the
 * server's CSM, GET, Ping/Pong, and a 100 KiB PUT and GET byte-exact, whose
 * records Mbed TLS decrypts ahead of the reads (the loop's zero timeout
 * while it holds bytes). The handshake's failures come from the loop: a
 * wrong PSK, and a listener that accepts TCP but never answers the
 * ClientHello (-ETIMEDOUT after the configuration's handshake timeout);
 * while such a handshake hangs, the same thread serves a second client.
 * Certificates (a fresh test PKI, TCP_TLS_CERT_SCRIPT): a verified server
 * and a client certificate, and a server signed by a CA the client does
 * not know (-EKEYREJECTED from the loop), a name mismatch and an expired
 * certificate; each failure's sentence (zcoap_client_tcp_last_error(),
 * recorded by the loop) names its cause. A foreign poll() loop drives the
 * connect, the handshake and a GET through get_fds() and fd_ready().
 * Exits 77 (skipped) when the server is missing or the build has no Mbed TLS.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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
#define TAG_WRONG    41
#define TAG_CA       42
#define TAG_OTHER_CA 43

struct blob {
	char *data;
	size_t len;
};

static char pki_dir[256];
static bool have_pki;

static struct dtls_srv srv;
static struct coap_client_tcp client;
static struct coap_client_tcp stuck; /* its handshake never ends */
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

/* Run the loop until the connect (TCP, then TLS) has ended: conn_state() then. */
static int wait_connected(struct coap_client_tcp *c)
{
	int64_t guard = now_ms() + 60000;
	int state;

	while ((state = zcoap_client_tcp_conn_state(c)) == -EINPROGRESS) {
		int r = zcoap_client_tcp_process(c, 1000);

		assert_true(r >= 0 || r == -EINTR);
		if (now_ms() > guard) {
			fail_msg("the connect did not end in 60 s");
		}
	}
	return state;
}

static void start_server_with(const char *const *args)
{
	int started = -1;

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
}

static void start_server(void)
{
	static const char *const args[] = {"-k", PSK_KEY, "-d", "10", NULL};

	start_server_with(args);
}

/* The name a certificate is checked against. */
static const char *ca_hostname = "localhost";

/* zcoap_client_tcp_last_error() gives @p err and a sentence that names @p cause. */
static void assert_why(struct coap_client_tcp *c, int err, const char *cause)
{
	char why[ZCOAP_CLIENT_TCP_ERROR_LEN];

	assert_int_equal(zcoap_client_tcp_last_error(c, why, sizeof(why)), err);
	print_message("  last error %d: %s\n", err, why);
	if (cause == NULL) {
		assert_string_equal(why, "");
	} else if (strstr(why, cause) == NULL) {
		fail_msg("\"%s\" does not name \"%s\"", why, cause);
	}
}

static void connect_tls(struct coap_client_tcp *c, const struct sockaddr_in *to,
			zcoap_sec_tag_t tag, uint32_t handshake_timeout_ms)
{
	const zcoap_sec_tag_t tags[] = {tag};
	struct zcoap_dtls_config cfg = {
	    .sec_tags = tags,
	    .sec_tag_count = 1,
	    .handshake_timeout_ms = handshake_timeout_ms,
	    .hostname = tag == TAG_CA || tag == TAG_OTHER_CA ? ca_hostname : NULL};

	assert_int_equal(zcoap_client_tcp_set_tls_config(c, &cfg), 0);
	assert_int_equal(
	    coap_client_tcp_connect(c, (const struct sockaddr *)to, sizeof(*to), IPPROTO_TLS_1_2),
	    0);
}

/*
 * A TCP listener that never accepts: the kernel completes the TCP connect
 * and takes the ClientHello, and nothing ever answers it.
 */
static int silent_listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

/* The events the loop watches on @p c's connection (0: no connection). */
static unsigned int conn_events(struct coap_client_tcp *c)
{
	int fds[ZCOAP_CLIENT_TCP_MAX_FDS];
	unsigned int ev[ZCOAP_CLIENT_TCP_MAX_FDS];
	int timeout;
	int n = zcoap_client_tcp_get_fds(c, fds, ev, ZCOAP_CLIENT_TCP_MAX_FDS, &timeout);

	assert_true(n >= 1);
	return n == 2 ? ev[1] : 0U;
}

static struct coap_client_tcp_request req_of(enum coap_method m, const char *path)
{
	struct coap_client_tcp_request req = {.method = m, .cb = on_response};

	snprintf(req.path, sizeof(req.path), "%s", path);
	return req;
}

static int setup(void **state)
{
	(void)state;
	code = 0;
	finals = 0;
	total = 0;
	csm_events = 0;
	pongs = 0;
	memset(&client, 0, sizeof(client));
	memset(&stuck, 0, sizeof(stuck));
	if (zcoap_client_tcp_init_manual(&client) != 0 ||
	    zcoap_client_tcp_init_manual(&stuck) != 0) {
		return -1;
	}
	coap_client_tcp_set_event_cb(&client, on_event, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)zcoap_client_tcp_deinit(&client);
	(void)zcoap_client_tcp_deinit(&stuck);
	dtls_srv_stop(&srv);
	return 0;
}

static void test_psk_get_put_get(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");
	struct coap_client_tcp_request put = req_of(COAP_METHOD_PUT, "tlsblob");
	struct coap_client_tcp_request get = req_of(COAP_METHOD_GET, "tlsblob");

	(void)state;
	start_server();
	/* The call returns at once: the loop connects and shakes hands. */
	connect_tls(&client, &srv.dtls_addr, TAG_PSK, 0);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), -EINPROGRESS);
	assert_int_equal(coap_client_tcp_req(&client, &req), -EINPROGRESS);
	assert_int_equal(wait_connected(&client), 0);
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
}

/* A wrong PSK: the loop ends the handshake with the blocking path's error (docs/errors.md). */
static void test_wrong_psk(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");
	int r;

	(void)state;
	start_server();
	connect_tls(&client, &srv.dtls_addr, TAG_WRONG, 0);
	r = wait_connected(&client);
	assert_true(r == -EACCES || r == -ECONNABORTED || r == -ECONNRESET);
	assert_why(&client, r, "pre-shared key");
	assert_int_equal(coap_client_tcp_req(&client, &req), -ENOTCONN);
	/* The state stays the failure's until the next connect. */
	assert_int_equal(zcoap_client_tcp_conn_state(&client), r);
	/* And the same client then connects with the right key. */
	connect_tls(&client, &srv.dtls_addr, TAG_PSK, 0);
	assert_why(&client, 0, NULL); /* the next connect forgets the failure */
	assert_int_equal(wait_connected(&client), 0);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	drive_until(&finals, 1);
	assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
}

/* Nobody answers the ClientHello: -ETIMEDOUT from the loop, after the handshake timeout. */
static void test_silent_server_times_out(void **state)
{
	struct sockaddr_in addr;
	int lfd = silent_listener(&addr);
	int64_t guard = now_ms() + 60000;

	(void)state;
	connect_tls(&client, &addr, TAG_PSK, 200);
	/* The TCP connect completes, the ClientHello goes out, then the loop waits to read. */
	while (conn_events(&client) != ZCOAP_FD_IN) {
		assert_int_equal(zcoap_client_tcp_conn_state(&client), -EINPROGRESS);
		assert_true(zcoap_client_tcp_process(&client, 100) >= 0);
		assert_true(now_ms() < guard);
	}
	assert_int_equal(wait_connected(&client), -ETIMEDOUT);
	assert_why(&client, -ETIMEDOUT, "no TLS handshake within 200 ms");
	assert_int_equal(conn_events(&client), 0U); /* the connection is gone */
	close(lfd);
}

/*
 * While one client's handshake hangs (a 60 s handshake timeout), the same
 * thread connects a second client through TLS and runs a GET on it: the
 * hanging handshake never holds the loop.
 */
static void test_loop_not_blocked(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");
	struct sockaddr_in addr;
	int lfd = silent_listener(&addr);
	int64_t guard = now_ms() + 60000;
	bool sent = false;

	(void)state;
	start_server();
	connect_tls(&stuck, &addr, TAG_PSK, 60000);
	connect_tls(&client, &srv.dtls_addr, TAG_PSK, 0);
	while (finals < 1) {
		assert_true(zcoap_client_tcp_process(&stuck, 0) >= 0);
		assert_int_equal(zcoap_client_tcp_conn_state(&stuck), -EINPROGRESS);
		assert_true(zcoap_client_tcp_process(&client, 50) >= 0);
		if (!sent && zcoap_client_tcp_conn_state(&client) == 0) {
			assert_int_equal(coap_client_tcp_req(&client, &req), 0);
			sent = true;
		}
		assert_true(now_ms() < guard);
	}
	assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
	/* Still shaking hands, waiting for the ServerHello. */
	assert_int_equal(zcoap_client_tcp_conn_state(&stuck), -EINPROGRESS);
	assert_int_equal(conn_events(&stuck), ZCOAP_FD_IN);
	assert_int_equal(coap_client_tcp_close(&stuck), 0);
	assert_int_equal(zcoap_client_tcp_conn_state(&stuck), -ENOTCONN);
	close(lfd);
}

/*
 * One turn of a foreign poll() loop: get_fds(), poll(), fd_ready() per ready
 * descriptor or timeout(). Returns the events watched on the connection.
 */
static unsigned int foreign_turn(struct coap_client_tcp *c)
{
	int fds[ZCOAP_CLIENT_TCP_MAX_FDS];
	unsigned int ev[ZCOAP_CLIENT_TCP_MAX_FDS];
	struct pollfd p[ZCOAP_CLIENT_TCP_MAX_FDS];
	int timeout;
	int n = zcoap_client_tcp_get_fds(c, fds, ev, ZCOAP_CLIENT_TCP_MAX_FDS, &timeout);
	int ready;

	assert_true(n >= 1 && n <= ZCOAP_CLIENT_TCP_MAX_FDS);
	for (int i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = (short)(((ev[i] & ZCOAP_FD_IN) != 0 ? POLLIN : 0) |
				      ((ev[i] & ZCOAP_FD_OUT) != 0 ? POLLOUT : 0));
		p[i].revents = 0;
	}
	ready = poll(p, (nfds_t)n, timeout < 0 || timeout > 1000 ? 1000 : timeout);
	assert_true(ready >= 0);
	for (int i = 0; i < n; i++) {
		if (p[i].revents != 0) {
			unsigned int r = ((p[i].revents & POLLIN) != 0 ? ZCOAP_FD_IN : 0U) |
					 ((p[i].revents & POLLOUT) != 0 ? ZCOAP_FD_OUT : 0U) |
					 ((p[i].revents & POLLERR) != 0 ? ZCOAP_FD_ERR : 0U) |
					 ((p[i].revents & POLLHUP) != 0 ? ZCOAP_FD_HUP : 0U);

			assert_true(zcoap_client_tcp_fd_ready(c, p[i].fd, r) >= 0);
		}
	}
	if (ready == 0) {
		assert_true(zcoap_client_tcp_timeout(c) >= 0);
	}
	return n == 2 ? ev[1] : 0U;
}

/*
 * A foreign loop drives the TCP connect, the handshake (the connection
 * watched for writability, then for readability while Mbed TLS waits for
 * the server's flight) and a GET, through get_fds() and fd_ready() alone.
 */
static void test_foreign_loop_handshake(void **state)
{
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");
	unsigned int seen = 0;
	int64_t guard = now_ms() + 60000;

	(void)state;
	start_server();
	connect_tls(&client, &srv.dtls_addr, TAG_PSK, 0);
	while (zcoap_client_tcp_conn_state(&client) == -EINPROGRESS) {
		seen |= foreign_turn(&client);
		assert_true(now_ms() < guard);
	}
	assert_int_equal(zcoap_client_tcp_conn_state(&client), 0);
	assert_int_equal(seen, ZCOAP_FD_IN | ZCOAP_FD_OUT);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	while (finals < 1) {
		assert_int_equal(foreign_turn(&client), ZCOAP_FD_IN);
		assert_true(now_ms() < guard);
	}
	assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
}

/*
 * Certificates, verified: the handshake (with a client certificate: the
 * server asks for one) runs in the loop; then a server whose certificate
 * the client's CA did not sign ends with -EKEYREJECTED, as the blocking path.
 */
static void test_certificate(void **state)
{
	static char crt[512], key[512], ca[512];
	const char *args[] = {"-c", crt, "-j", key, "-C", ca, "-d", "10", NULL};
	struct coap_client_tcp_request req = req_of(COAP_METHOD_GET, "");

	(void)state;
	if (!have_pki) {
		skip(); /* no openssl command to make the test PKI */
	}
	snprintf(crt, sizeof(crt), "%s/server.crt", pki_dir);
	snprintf(key, sizeof(key), "%s/server.key", pki_dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", pki_dir);
	start_server_with(args);
	connect_tls(&client, &srv.dtls_addr, TAG_CA, 0);
	assert_int_equal(zcoap_client_tcp_conn_state(&client), -EINPROGRESS);
	assert_int_equal(wait_connected(&client), 0);
	assert_int_equal(coap_client_tcp_req(&client, &req), 0);
	drive_until(&finals, 1);
	assert_int_equal(code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(total > 10);
	connect_tls(&client, &srv.dtls_addr, TAG_OTHER_CA, 0);
	assert_int_equal(wait_connected(&client), -EKEYREJECTED);
	assert_why(&client, -EKEYREJECTED, "unknown CA");
	ca_hostname = "example.org";
	connect_tls(&client, &srv.dtls_addr, TAG_CA, 0);
	assert_int_equal(wait_connected(&client), -EKEYREJECTED);
	ca_hostname = "localhost";
	assert_why(&client, -EKEYREJECTED, "not valid for host 'example.org' (name mismatch)");
	dtls_srv_stop(&srv);
	snprintf(crt, sizeof(crt), "%s/expired.crt", pki_dir);
	start_server_with(args);
	connect_tls(&client, &srv.dtls_addr, TAG_CA, 0);
	assert_int_equal(wait_connected(&client), -EKEYEXPIRED);
	assert_why(&client, -EKEYEXPIRED, "has expired");
}

static struct blob slurp(const char *file)
{
	char path[512];
	struct blob b = {0};
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/%s", pki_dir, file);
	f = fopen(path, "rb");
	if (f == NULL) {
		return b;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.data = calloc(1, (size_t)size + 1);
	if (b.data != NULL && fread(b.data, 1, (size_t)size, f) == (size_t)size) {
		b.len = (size_t)size;
	}
	fclose(f);
	return b;
}

/* A fresh test PKI and the certificate credentials; false without openssl. */
static bool make_pki(void)
{
	char cmd[800];
	const char *tmp = getenv("TMPDIR");
	struct blob ca, other_ca, cert, key;
	int rc;

	if (system("openssl version > /dev/null 2>&1") != 0) {
		return false;
	}
	snprintf(pki_dir, sizeof(pki_dir), "%s/zcoap-tcp-manual-tls-XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(pki_dir) == NULL) {
		return false;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", TCP_TLS_CERT_SCRIPT, pki_dir);
	if (system(cmd) != 0) {
		return false;
	}
	ca = slurp("ca.crt");
	other_ca = slurp("other-ca.crt");
	cert = slurp("client.crt");
	key = slurp("client.key");
	if (ca.len == 0 || other_ca.len == 0 || cert.len == 0 || key.len == 0) {
		return false;
	}
	rc = zcoap_tls_credential_add(TAG_CA, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE, ca.data, ca.len);
	rc |= zcoap_tls_credential_add(TAG_CA, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE, cert.data,
				       cert.len);
	rc |= zcoap_tls_credential_add(TAG_CA, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY, key.data, key.len);
	rc |= zcoap_tls_credential_add(TAG_OTHER_CA, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE,
				       other_ca.data, other_ca.len);
	rc |= zcoap_tls_credential_add(TAG_OTHER_CA, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
				       cert.data, cert.len);
	rc |= zcoap_tls_credential_add(TAG_OTHER_CA, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY, key.data,
				       key.len);
	return rc == 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_psk_get_put_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_psk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_silent_server_times_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loop_not_blocked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_certificate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_loop_handshake, setup, teardown),
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
	rc |= zcoap_tls_credential_add(TAG_WRONG, ZCOAP_TLS_CREDENTIAL_PSK, "not-the-right-key",
				       strlen("not-the-right-key"));
	rc |= zcoap_tls_credential_add(TAG_WRONG, ZCOAP_TLS_CREDENTIAL_PSK_ID, PSK_IDENTITY,
				       strlen(PSK_IDENTITY));
	if (rc != 0) {
		fprintf(stderr, "credentials: %d\n", rc);
		return 1;
	}
	have_pki = make_pki();
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	(void)remove(logfile);
	if (pki_dir[0] != '\0' && getenv("ZCOAP_DTLS_KEEP_PKI") == NULL) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "could not remove %s\n", pki_dir);
		}
	}
	return rc;
}
