/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_dtls_api.c -- the DTLS API of zcoap_dtls.h without a DTLS server:
 * the credential store, argument checks, the session table, and the
 * failures that need no server (ICMP port unreachable, a silent peer,
 * unusable credentials). Every failed socket must refuse application data.
 * In a build without DTLS, checks that each function reports -ENOTSUP.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap_client.h"
#include "dtls_server.h"
#include "zcoap_dtls.h"

#ifndef DTLS_CERT_SCRIPT
#define DTLS_CERT_SCRIPT ""
#endif

#define PSK    "0123456789abcdef"
#define PSK_ID "api-test"

enum {
	TAG_PSK = 100,
	TAG_EMPTY = 101, /* never registered */
	TAG_PSK_NO_ID = 102,
	TAG_GARBAGE_CA = 103,
	TAG_CA = 104,
	TAG_CERT_NO_KEY = 105,
	TAG_MISMATCH = 106,
};

static char pki_dir[256];
static char *ca_pem, *client_pem, *server_key_pem;

static int udp_socket(void)
{
	return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* A bound loopback socket that never answers: a silent "server". */
static int silent_server(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = udp_socket();

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

static size_t drain_count(int fd)
{
	uint8_t buf[2048];
	size_t n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
		n++;
	}
	return n;
}

static struct zcoap_dtls_config psk_cfg(const zcoap_sec_tag_t *tags)
{
	struct zcoap_dtls_config cfg = {.sec_tags = tags, .sec_tag_count = 1};

	return cfg;
}

/*
 * A socket whose zcoap_dtls_connect() failed with @p rc: it stays a DTLS
 * socket that refuses to send, explains itself, and closes cleanly.
 */
static void check_failed_socket(int sock, int rc)
{
	static struct coap_client client;
	struct coap_client_request r = {.method = COAP_METHOD_GET, .path = "x"};
	char why[256] = "";

	assert_true(zcoap_dtls_is_dtls(sock));
	assert_int_equal(zcoap_dtls_last_error(sock, why, sizeof(why)), rc);
	assert_true(strlen(why) > 0);
	print_message("  %d (%s): %s\n", rc, zcoap_dtls_strerror(rc), why);
	assert_int_equal(zcoap_dtls_ciphersuite(sock), -ENOTCONN);
	assert_int_equal(coap_client_init(&client, "api"), 0);
	assert_int_equal(coap_client_req(&client, sock, NULL, &r, NULL), -ENOTCONN);
	assert_int_equal(zcoap_client_deinit(&client), 0);
	assert_int_equal(zcoap_dtls_close(sock), 0);
	assert_false(zcoap_dtls_is_dtls(sock));
	/* zcoap_dtls_close() closed the descriptor. */
	assert_int_equal(fcntl(sock, F_GETFD), -1);
}

/* Connect with @p cfg to a silent local socket; the error must come before anything is sent. */
static void expect_setup_error(const struct zcoap_dtls_config *cfg, int expected)
{
	struct sockaddr_in srv;
	int quiet = silent_server(&srv);
	int sock = udp_socket();
	int rc;

	rc = zcoap_dtls_connect(sock, (struct sockaddr *)&srv, sizeof(srv), cfg);
	assert_int_equal(rc, expected);
	assert_int_equal(drain_count(quiet), 0);
	check_failed_socket(sock, rc);
	close(quiet);
}

/* ---- without DTLS ---------------------------------------------------------------------------- */

static void test_not_supported(void **state)
{
	static const zcoap_sec_tag_t tags[] = {1};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in to = {.sin_family = AF_INET};
	size_t len = 4;
	char buf[8];
	int sock = udp_socket();

	(void)state;
	assert_false(zcoap_dtls_available());
	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK, "k", 1), -ENOTSUP);
	assert_int_equal(zcoap_tls_credential_get(1, ZCOAP_TLS_CREDENTIAL_PSK, buf, &len),
			 -ENOTSUP);
	assert_int_equal(zcoap_tls_credential_delete(1, ZCOAP_TLS_CREDENTIAL_PSK), -ENOTSUP);
	assert_int_equal(zcoap_dtls_connect(sock, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -ENOTSUP);
	assert_false(zcoap_dtls_is_dtls(sock));
	assert_int_equal(zcoap_dtls_ciphersuite(sock), -ENOTSUP);
	assert_int_equal(zcoap_dtls_last_error(sock, buf, sizeof(buf)), -ENOTSUP);
	assert_string_equal(buf, "");
	/* The "close after an error" rule still releases the descriptor. */
	assert_int_equal(zcoap_dtls_close(sock), -ENOTSUP);
	assert_int_equal(fcntl(sock, F_GETFD), -1);
	assert_non_null(strstr(zcoap_dtls_strerror(-ENOTSUP), "DTLS"));
	{
		struct zcoap_dtls_handshake_info info;
		uint8_t blob[4] = {1, 2, 3, 4};

		len = sizeof(blob);
		assert_int_equal(zcoap_dtls_handshake_info(sock, &info), -ENOTSUP);
		assert_int_equal(zcoap_dtls_session_save(sock, blob, &len), -ENOTSUP);
		assert_int_equal(zcoap_dtls_session_cache_purge(), -ENOTSUP);
		assert_int_equal(zcoap_dtls_handshake_continue(sock, NULL), -ENOTSUP);
		assert_int_equal(zcoap_dtls_connect_async(sock, NULL, 0, &cfg), -ENOTSUP);
		/* Wiping needs no DTLS. */
		zcoap_dtls_session_clear(blob, sizeof(blob));
		assert_memory_equal(blob, "\0\0\0\0", 4);
	}
}

/* ---- credentials
 * --------------------------------------------------------------------------------- */

static void test_credentials(void **state)
{
	static const char key[] = "secret";
	char out[16];
	size_t len;

	(void)state;
	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK, NULL, 3), -EINVAL);
	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK, key, 0), -EINVAL);
	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_NONE, key, 3), -EINVAL);
	assert_int_equal(zcoap_tls_credential_add(1, (enum zcoap_tls_credential_type)99, key, 3),
			 -EINVAL);

	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK, key, 6), 0);
	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK, key, 6), -EEXIST);
	/* Same tag, other type; same type, other tag: both fine. */
	assert_int_equal(zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK_ID, "id", 2), 0);
	assert_int_equal(zcoap_tls_credential_add(2, ZCOAP_TLS_CREDENTIAL_PSK, key, 6), 0);

	len = sizeof(out);
	assert_int_equal(zcoap_tls_credential_get(1, ZCOAP_TLS_CREDENTIAL_PSK, out, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(out, key, 6);
	len = 3;
	assert_int_equal(zcoap_tls_credential_get(1, ZCOAP_TLS_CREDENTIAL_PSK, out, &len), -EFBIG);
	assert_int_equal(len, 6);
	len = sizeof(out);
	assert_int_equal(zcoap_tls_credential_get(3, ZCOAP_TLS_CREDENTIAL_PSK, out, &len), -ENOENT);
	assert_int_equal(zcoap_tls_credential_get(1, ZCOAP_TLS_CREDENTIAL_PSK, NULL, &len),
			 -EINVAL);

	assert_int_equal(zcoap_tls_credential_delete(1, ZCOAP_TLS_CREDENTIAL_PSK), 0);
	assert_int_equal(zcoap_tls_credential_delete(1, ZCOAP_TLS_CREDENTIAL_PSK), -ENOENT);
	assert_int_equal(zcoap_tls_credential_get(1, ZCOAP_TLS_CREDENTIAL_PSK, out, &len), -ENOENT);
	assert_int_equal(zcoap_tls_credential_delete(1, ZCOAP_TLS_CREDENTIAL_PSK_ID), 0);
	assert_int_equal(zcoap_tls_credential_delete(2, ZCOAP_TLS_CREDENTIAL_PSK), 0);
}

static void test_credential_table_full(void **state)
{
	static const char k[] = "k";
	int i;

	(void)state;
	for (i = 0; i < ZCOAP_TLS_MAX_CREDENTIALS; i++) {
		if (zcoap_tls_credential_add(1000 + i, ZCOAP_TLS_CREDENTIAL_PSK, k, 1) != 0) {
			break;
		}
	}
	/* main() registered 10 entries (6 without openssl); the rest must have fit. */
	assert_true(i >= ZCOAP_TLS_MAX_CREDENTIALS - 10);
	assert_int_equal(zcoap_tls_credential_add(2000, ZCOAP_TLS_CREDENTIAL_PSK, k, 1), -ENOMEM);
	for (int j = 0; j < i; j++) {
		assert_int_equal(zcoap_tls_credential_delete(1000 + j, ZCOAP_TLS_CREDENTIAL_PSK),
				 0);
	}
	assert_int_equal(zcoap_tls_credential_add(2000, ZCOAP_TLS_CREDENTIAL_PSK, k, 1), 0);
	assert_int_equal(zcoap_tls_credential_delete(2000, ZCOAP_TLS_CREDENTIAL_PSK), 0);
}

/* ---- argument checks (the socket is left alone) -----------------------------------------------
 */

static void test_bad_arguments(void **state)
{
	static const zcoap_sec_tag_t tags[ZCOAP_DTLS_MAX_SEC_TAGS + 1] = {TAG_PSK};
	struct sockaddr_in to = {.sin_family = AF_INET};
	char longname[300];
	int sock = udp_socket();
	int pipefd[2];
	int tcp;
	struct zcoap_dtls_config cfg;

	(void)state;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(dtls_unused_port());
	memset(longname, 'a', sizeof(longname));
	longname[sizeof(longname) - 1] = '\0';

#define EXPECT_EINVAL(...)                                                                         \
	do {                                                                                       \
		cfg = psk_cfg(tags);                                                               \
		__VA_ARGS__;                                                                       \
		assert_int_equal(                                                                  \
		    zcoap_dtls_connect(sock, (struct sockaddr *)&to, sizeof(to), &cfg), -EINVAL);  \
		assert_false(zcoap_dtls_is_dtls(sock));                                            \
	} while (0)

	assert_int_equal(zcoap_dtls_connect(sock, (struct sockaddr *)&to, sizeof(to), NULL),
			 -EINVAL);
	EXPECT_EINVAL(cfg.sec_tag_count = 0);
	EXPECT_EINVAL(cfg.sec_tags = NULL);
	EXPECT_EINVAL(cfg.sec_tag_count = ZCOAP_DTLS_MAX_SEC_TAGS + 1);
	EXPECT_EINVAL(cfg.hostname = "");
	EXPECT_EINVAL(cfg.hostname = longname);
	EXPECT_EINVAL(cfg.peer_verify = (enum zcoap_tls_peer_verify)7);
	EXPECT_EINVAL(cfg.retransmit_min_ms = 5000; cfg.retransmit_max_ms = 1000);
	EXPECT_EINVAL(cfg.session_cache = (enum zcoap_tls_session_cache)2);
	EXPECT_EINVAL(cfg.session = NULL; cfg.session_len = 10);
	EXPECT_EINVAL(static const int one = 0xC0A8; cfg.ciphersuites = &one;
		      cfg.ciphersuite_count = 0);
	EXPECT_EINVAL(static const int one = 0xC0A8; cfg.ciphersuites = &one;
		      cfg.ciphersuite_count = ZCOAP_DTLS_MAX_CIPHERSUITES + 1);
	cfg = psk_cfg(tags);
	assert_int_equal(zcoap_dtls_connect(sock, (struct sockaddr *)&to, 0, &cfg), -EINVAL);
	assert_int_equal(zcoap_dtls_connect(-1, (struct sockaddr *)&to, sizeof(to), &cfg), -EBADF);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(zcoap_dtls_connect(pipefd[0], (struct sockaddr *)&to, sizeof(to), &cfg),
			 -ENOTSOCK);
	close(pipefd[0]);
	close(pipefd[1]);
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(zcoap_dtls_connect(tcp, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -EPROTOTYPE);
	close(tcp);
	assert_false(zcoap_dtls_is_dtls(sock));
	/* On a plain descriptor the DTLS queries say "not mine". */
	assert_int_equal(zcoap_dtls_ciphersuite(sock), -EBADF);
	assert_int_equal(zcoap_dtls_last_error(sock, NULL, 0), -EBADF);
	{
		struct zcoap_dtls_handshake_info info;
		uint8_t blob[8];
		size_t len = sizeof(blob);

		assert_int_equal(zcoap_dtls_handshake_info(sock, &info), -EBADF);
		assert_int_equal(zcoap_dtls_handshake_info(sock, NULL), -EINVAL);
		assert_int_equal(zcoap_dtls_session_save(sock, blob, &len), -EBADF);
		assert_int_equal(zcoap_dtls_session_save(sock, blob, NULL), -EINVAL);
		assert_int_equal(zcoap_dtls_session_save(sock, NULL, &len), -EINVAL);
	}
	/* ... and zcoap_dtls_close() is close(). */
	assert_int_equal(zcoap_dtls_close(sock), 0);
	assert_int_equal(fcntl(sock, F_GETFD), -1);
	assert_int_equal(zcoap_dtls_close(sock), -EBADF);
#undef EXPECT_EINVAL
}

/* ---- credential problems found at connect time
 * --------------------------------------------------- */

static void test_unusable_credentials(void **state)
{
	static const int bogus_suite = 0x1234;
	zcoap_sec_tag_t tag[1] = {0}; /* (set below; GCC -O0 -Wmaybe-uninitialized cannot tell) */
	struct zcoap_dtls_config cfg = psk_cfg(tag);

	(void)state;
	tag[0] = TAG_EMPTY;
	expect_setup_error(&cfg, -ENOENT);
	tag[0] = TAG_PSK_NO_ID;
	expect_setup_error(&cfg, -EINVAL);
	tag[0] = TAG_GARBAGE_CA;
	cfg.hostname = "localhost";
	expect_setup_error(&cfg, -EINVAL);
	tag[0] = TAG_PSK;
	cfg = psk_cfg(tag);
	cfg.ciphersuites = &bogus_suite;
	cfg.ciphersuite_count = 1;
	expect_setup_error(&cfg, -ENOTSUP);
	/* A PSK tag with verification off still needs no CA; an empty mode does. */
	tag[0] = TAG_PSK;
	cfg = psk_cfg(tag);
	cfg.handshake_timeout_ms = 1; /* a silent peer: it must fail on time, not on setup */
	{
		struct sockaddr_in srv;
		int quiet = silent_server(&srv);
		int sock = udp_socket();
		int rc = zcoap_dtls_connect(sock, (struct sockaddr *)&srv, sizeof(srv), &cfg);

		assert_int_equal(rc, -ETIMEDOUT);
		assert_true(drain_count(quiet) >= 1); /* the ClientHello went out */
		check_failed_socket(sock, rc);
		close(quiet);
	}
}

static void test_certificate_credentials(void **state)
{
	zcoap_sec_tag_t tag[1] = {0}; /* (set below; GCC -O0 -Wmaybe-uninitialized cannot tell) */
	struct zcoap_dtls_config cfg = psk_cfg(tag);

	(void)state;
	if (ca_pem == NULL) {
		skip();
	}
	/* Verification needs the server's name unless that check is waived explicitly. */
	tag[0] = TAG_CA;
	expect_setup_error(&cfg, -EINVAL);
	tag[0] = TAG_CERT_NO_KEY;
	cfg.hostname = "localhost";
	expect_setup_error(&cfg, -EINVAL);
	tag[0] = TAG_MISMATCH;
	expect_setup_error(&cfg, -EINVAL);
	/* skip_hostname_check, asked for: setup passes and the silent peer times out. */
	tag[0] = TAG_CA;
	cfg = psk_cfg(tag);
	cfg.skip_hostname_check = true;
	cfg.handshake_timeout_ms = 1;
	{
		struct sockaddr_in srv;
		int quiet = silent_server(&srv);
		int sock = udp_socket();

		assert_int_equal(
		    zcoap_dtls_connect(sock, (struct sockaddr *)&srv, sizeof(srv), &cfg),
		    -ETIMEDOUT);
		check_failed_socket(sock, -ETIMEDOUT);
		close(quiet);
	}
}

/* ---- failures without a server
 * ---------------------------------------------------------------------- */

static void test_port_unreachable(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in to = {.sin_family = AF_INET};
	int sock = udp_socket();
	int rc;

	(void)state;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(dtls_unused_port());
	cfg.handshake_timeout_ms = 5000;
	rc = zcoap_dtls_connect(sock, (struct sockaddr *)&to, sizeof(to), &cfg);
	assert_int_equal(rc, -ECONNREFUSED);
	/* Already a (failed) DTLS socket: a second connect is refused. */
	assert_int_equal(zcoap_dtls_connect(sock, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -EALREADY);
	{
		/* No session to describe or save after a failed handshake. */
		struct zcoap_dtls_handshake_info info;
		uint8_t blob[8];
		size_t len = sizeof(blob);

		assert_int_equal(zcoap_dtls_handshake_info(sock, &info), -ENOTCONN);
		assert_int_equal(zcoap_dtls_session_save(sock, blob, &len), -ENOTCONN);
	}
	check_failed_socket(sock, rc);
}

/*
 * A peer that never answers: the ClientHello is retransmitted on the DTLS
 * timer (RFC 6347 §4.2.4) until the handshake timeout, which gives
 * -ETIMEDOUT. An already connected socket is accepted with a NULL peer.
 */
static void test_silent_peer_timeout(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in srv;
	int quiet = silent_server(&srv);
	int sock = udp_socket();
	int64_t t0;
	int rc;
	char why[256];

	(void)state;
	cfg.handshake_timeout_ms = 1500;
	cfg.retransmit_min_ms = 200; /* 200, 400, 800 ms: three sends within 1500 ms */
	assert_int_equal(connect(sock, (struct sockaddr *)&srv, sizeof(srv)), 0);
	t0 = dtls_now_ms();
	rc = zcoap_dtls_connect(sock, NULL, 0, &cfg);
	assert_int_equal(rc, -ETIMEDOUT);
	/* Not before the timeout; a generous upper bound only says "did not hang". */
	assert_true(dtls_now_ms() - t0 >= 1400);
	assert_true(dtls_now_ms() - t0 < 10000);
	assert_true(drain_count(quiet) >= 2); /* ClientHello + retransmission(s) */
	zcoap_dtls_last_error(sock, why, sizeof(why));
	assert_non_null(strstr(why, "no answer"));
	check_failed_socket(sock, rc);
	close(quiet);
}

/*
 * The handshake driven by the caller (zcoap_dtls_connect_start()): it returns
 * after the ClientHello; meanwhile the socket refuses data; each continue
 * call returns at once; the timeout still ends it, and the outcome stays.
 * The loop's bound is a count of calls, not a time.
 */
static void test_connect_start_silent_peer(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in srv;
	int quiet = silent_server(&srv);
	int sock = udp_socket();
	int wait = -1;
	int calls = 0;
	int rc;

	(void)state;
	cfg.handshake_timeout_ms = 1500;
	cfg.retransmit_min_ms = 200;
	rc = zcoap_dtls_connect_start(sock, (struct sockaddr *)&srv, sizeof(srv), &cfg, &wait);
	assert_int_equal(rc, -EINPROGRESS);
	assert_true(wait >= 0 && wait <= 1500);
	assert_true(zcoap_dtls_is_dtls(sock));
	assert_int_equal(zcoap_dtls_ciphersuite(sock), -ENOTCONN);
	assert_int_equal(zcoap_dtls_last_error(sock, NULL, 0), 0); /* no failure (yet) */
	/* A blocking connect on the same socket is refused while it runs. */
	assert_int_equal(zcoap_dtls_connect(sock, NULL, 0, &cfg), -EBUSY);
	while (rc == -EINPROGRESS) {
		struct pollfd p = {.fd = sock, .events = POLLIN};

		assert_true(++calls < 100);
		(void)poll(&p, 1, wait);
		rc = zcoap_dtls_handshake_continue(sock, &wait);
	}
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(drain_count(quiet) >= 2); /* ClientHello + retransmission(s) */
	/* The outcome is kept. */
	assert_int_equal(zcoap_dtls_handshake_continue(sock, NULL), -ETIMEDOUT);
	check_failed_socket(sock, rc);
	close(quiet);
}

/* A handshake the caller drives can be abandoned: zcoap_dtls_close() ends it (no -EBUSY). */
static void test_connect_start_abandoned(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in srv;
	int quiet = silent_server(&srv);
	int sock = udp_socket();

	(void)state;
	assert_int_equal(zcoap_dtls_handshake_continue(sock, NULL), -EBADF);
	assert_int_equal(
	    zcoap_dtls_connect_start(sock, (struct sockaddr *)&srv, sizeof(srv), &cfg, NULL),
	    -EINPROGRESS);
	assert_int_equal(zcoap_dtls_handshake_continue(sock, NULL), -EINPROGRESS);
	assert_int_equal(zcoap_dtls_close(sock), 0);
	assert_false(zcoap_dtls_is_dtls(sock));
	assert_int_equal(fcntl(sock, F_GETFD), -1);
	close(quiet);
}

static void ignore_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last,
		      void *user)
{
	(void)code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last;
	(void)user;
}

/*
 * zcoap_dtls_connect_async(): a request submitted during the handshake is
 * held by the socket -- nothing of it leaves in plaintext: the peer sees
 * DTLS handshake records only (content type 22) -- and the handshake can be
 * abandoned with zcoap_dtls_close().
 */
static void test_connect_async_holds_requests(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET, .confirmable = true, .path = "time", .cb = ignore_cb};
	struct coap_client_request non = req;
	static struct coap_client client;
	struct sockaddr_in srv;
	int quiet = silent_server(&srv);
	int sock = udp_socket();
	uint8_t buf[2048];
	int datagrams = 0;
	ssize_t n;

	(void)state;
	non.confirmable = false;
	assert_int_equal(coap_client_init(&client, "async"), 0);
	assert_int_equal(zcoap_dtls_connect_async(sock, (struct sockaddr *)&srv, sizeof(srv), &cfg),
			 -EINPROGRESS);
	assert_true(zcoap_dtls_is_dtls(sock));
	assert_int_equal(coap_client_req(&client, sock, NULL, &req, NULL), 0);
	assert_int_equal(coap_client_req(&client, sock, NULL, &non, NULL), 0);
	/* The application may step it too; it is still running. */
	assert_int_equal(zcoap_dtls_handshake_continue(sock, NULL), -EINPROGRESS);
	/* Wait for the ClientHello (bounded), then look at everything the peer got. */
	{
		struct pollfd p = {.fd = quiet, .events = POLLIN};

		assert_int_equal(poll(&p, 1, 10000), 1);
	}
	while ((n = recv(quiet, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		datagrams++;
		assert_int_equal(buf[0], 22); /* handshake, never a CoAP message */
	}
	assert_true(datagrams >= 1);
	coap_client_cancel_requests(&client);
	assert_int_equal(zcoap_dtls_close(sock), 0); /* abandons it: no -EBUSY */
	assert_false(zcoap_dtls_is_dtls(sock));
	assert_int_equal(zcoap_client_deinit(&client), 0);
	close(quiet);
}

/* The session table holds ZCOAP_DTLS_MAX_SESSIONS sockets, failed ones included. */
static void test_session_table_full(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in to = {.sin_family = AF_INET};
	int socks[ZCOAP_DTLS_MAX_SESSIONS];
	int extra = udp_socket();

	(void)state;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(dtls_unused_port());
	for (int i = 0; i < ZCOAP_DTLS_MAX_SESSIONS; i++) {
		socks[i] = udp_socket();
		assert_int_equal(
		    zcoap_dtls_connect(socks[i], (struct sockaddr *)&to, sizeof(to), &cfg),
		    -ECONNREFUSED);
	}
	assert_int_equal(zcoap_dtls_connect(extra, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -ENOBUFS);
	assert_false(zcoap_dtls_is_dtls(extra));
	assert_int_equal(zcoap_dtls_close(socks[0]), 0);
	assert_int_equal(zcoap_dtls_connect(extra, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -ECONNREFUSED);
	assert_int_equal(zcoap_dtls_close(extra), 0);
	for (int i = 1; i < ZCOAP_DTLS_MAX_SESSIONS; i++) {
		assert_int_equal(zcoap_dtls_close(socks[i]), 0);
	}
}

/* A DTLS socket closed with plain close(): its number, reused, can be connected again. */
static void test_reused_descriptor(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct zcoap_dtls_config cfg = psk_cfg(tags);
	struct sockaddr_in to = {.sin_family = AF_INET};
	int sock = udp_socket();
	int again;

	(void)state;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(dtls_unused_port());
	assert_int_equal(zcoap_dtls_connect(sock, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -ECONNREFUSED);
	close(sock); /* the application's mistake: not zcoap_dtls_close() */
	again = udp_socket();
	if (again != sock) {
		close(again);
		zcoap_dtls_close(sock);
		skip();
	}
	assert_int_equal(zcoap_dtls_connect(again, (struct sockaddr *)&to, sizeof(to), &cfg),
			 -ECONNREFUSED);
	assert_int_equal(zcoap_dtls_close(again), 0);
}

struct connect_job {
	int sock;
	struct sockaddr_in to;
	int rc;
};

static void *connect_thread(void *arg)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	struct connect_job *job = arg;
	struct zcoap_dtls_config cfg = psk_cfg(tags);

	cfg.handshake_timeout_ms = 1500;
	job->rc = zcoap_dtls_connect(job->sock, (struct sockaddr *)&job->to, sizeof(job->to), &cfg);
	return NULL;
}

/* zcoap_dtls_close() during another thread's handshake is refused, not a use-after-free. */
static void test_close_during_handshake(void **state)
{
	struct connect_job job = {.sock = udp_socket()};
	int quiet = silent_server(&job.to);
	pthread_t th;
	int64_t deadline = dtls_now_ms() + 5000;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, connect_thread, &job), 0);
	while (!zcoap_dtls_is_dtls(job.sock) && dtls_now_ms() < deadline) {
		poll(NULL, 0, 5);
	}
	assert_true(zcoap_dtls_is_dtls(job.sock));
	assert_int_equal(zcoap_dtls_close(job.sock), -EBUSY);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(job.rc, -ETIMEDOUT);
	assert_int_equal(zcoap_dtls_close(job.sock), 0);
	close(quiet);
}

static void test_strerror(void **state)
{
	static const int errs[] = {ETIMEDOUT,   ECONNREFUSED, EACCES,   ECONNABORTED, EKEYREJECTED,
				   EKEYEXPIRED, ECONNRESET,   EPROTO,   ENOTCONN,     ENOTSUP,
				   EINVAL,      EBADF,        ENOTSOCK, EPROTOTYPE,   EALREADY,
				   EBUSY,       ENOBUFS,      ENOENT,   EEXIST,       ENOMEM,
				   EFBIG,       EMSGSIZE,     EAGAIN};

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *t = zcoap_dtls_strerror(-errs[i]);

		assert_non_null(t);
		assert_string_not_equal(t, "Unknown error");
		assert_string_equal(t, zcoap_dtls_strerror(errs[i]));
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(t, zcoap_dtls_strerror(-errs[j]));
		}
	}
	assert_string_equal(zcoap_dtls_strerror(-EPIPE), zcoap_strerror(-EPIPE));
	assert_string_equal(zcoap_dtls_strerror(0), "Success");
}

/* ---- main
 * --------------------------------------------------------------------------------------------- */

static char *slurp(const char *file)
{
	char path[512];
	FILE *f;
	char *b;
	long size;

	snprintf(path, sizeof(path), "%s/%s", pki_dir, file);
	f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = calloc(1, (size_t)size + 1);
	if (b != NULL && fread(b, 1, (size_t)size, f) != (size_t)size) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

/* Certificates for the certificate-credential test; NULL (test skipped) without openssl. */
static void make_pki(void)
{
	char cmd[800];
	const char *tmp = getenv("TMPDIR");

	if (DTLS_CERT_SCRIPT[0] == '\0' || system("openssl version > /dev/null 2>&1") != 0) {
		return;
	}
	snprintf(pki_dir, sizeof(pki_dir), "%s/zcoap-dtls-api-XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(pki_dir) == NULL) {
		pki_dir[0] = '\0';
		return;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", DTLS_CERT_SCRIPT, pki_dir);
	if (system(cmd) == 0) {
		ca_pem = slurp("ca.crt");
		client_pem = slurp("client.crt");
		server_key_pem = slurp("server.key");
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", pki_dir);
	}
	if (ca_pem == NULL || client_pem == NULL || server_key_pem == NULL) {
		free(ca_pem);
		free(client_pem);
		free(server_key_pem);
		ca_pem = client_pem = server_key_pem = NULL;
	}
}

static int add_credentials(void)
{
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
				      "-----END CERTIFICATE-----\n";
	int rc = 0;

	rc |= zcoap_tls_credential_add(TAG_PSK, ZCOAP_TLS_CREDENTIAL_PSK, PSK, strlen(PSK));
	rc |=
	    zcoap_tls_credential_add(TAG_PSK, ZCOAP_TLS_CREDENTIAL_PSK_ID, PSK_ID, strlen(PSK_ID));
	rc |= zcoap_tls_credential_add(TAG_PSK_NO_ID, ZCOAP_TLS_CREDENTIAL_PSK, PSK, strlen(PSK));
	rc |= zcoap_tls_credential_add(TAG_GARBAGE_CA, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE, garbage,
				       sizeof(garbage));
	if (ca_pem != NULL) {
		rc |= zcoap_tls_credential_add(TAG_CA, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE, ca_pem,
					       strlen(ca_pem) + 1);
		rc |= zcoap_tls_credential_add(TAG_CERT_NO_KEY, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE,
					       ca_pem, strlen(ca_pem));
		rc |= zcoap_tls_credential_add(TAG_CERT_NO_KEY,
					       ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE, client_pem,
					       strlen(client_pem));
		rc |= zcoap_tls_credential_add(TAG_MISMATCH, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE,
					       ca_pem, strlen(ca_pem));
		rc |=
		    zcoap_tls_credential_add(TAG_MISMATCH, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
					     client_pem, strlen(client_pem));
		rc |= zcoap_tls_credential_add(TAG_MISMATCH, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY,
					       server_key_pem, strlen(server_key_pem));
	}
	return rc;
}

int main(void)
{
	const struct CMUnitTest dtls_tests[] = {
	    cmocka_unit_test(test_credentials),
	    cmocka_unit_test(test_credential_table_full),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_unusable_credentials),
	    cmocka_unit_test(test_certificate_credentials),
	    cmocka_unit_test(test_port_unreachable),
	    cmocka_unit_test(test_silent_peer_timeout),
	    cmocka_unit_test(test_connect_start_silent_peer),
	    cmocka_unit_test(test_connect_start_abandoned),
	    cmocka_unit_test(test_connect_async_holds_requests),
	    cmocka_unit_test(test_session_table_full),
	    cmocka_unit_test(test_reused_descriptor),
	    cmocka_unit_test(test_close_during_handshake),
	    cmocka_unit_test(test_strerror),
	};
	const struct CMUnitTest none_tests[] = {
	    cmocka_unit_test(test_not_supported),
	    cmocka_unit_test(test_strerror),
	};
	int rc;

	if (!zcoap_dtls_available()) {
		return cmocka_run_group_tests_name("dtls-api-without-dtls", none_tests, NULL, NULL);
	}
	make_pki();
	if (add_credentials() != 0) {
		fprintf(stderr, "could not register the test credentials\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("dtls-api", dtls_tests, NULL, NULL);
	free(ca_pem);
	free(client_pem);
	free(server_key_pem);
	return rc;
}
