/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_dtls_async.c -- a DTLS handshake the client drives
 * (zcoap_dtls_connect_async(), issue 16 point 1), against libcoap's
 * coap-server-openssl / coap-server-gnutls (DTLS_FLAVOUR), PSK:
 * - thread mode: two requests submitted right after the start wait for the
 *   handshake (held by the socket) and get their responses;
 * - event-loop mode, with zcoap_client_process() and with the foreign-loop
 *   calls (get_fds / fd_ready / timeout);
 * - a silent port: the client's receive thread retransmits the ClientHello
 *   and fails the request with -ETIMEDOUT at the handshake timeout, while a
 *   plain request of the same client to the server completes meanwhile;
 * - a wrong PSK: the waiting request ends with the handshake's -EACCES, a
 *   later coap_client_req() on the socket returns it too.
 * Waits are bounded by counts or by generous "did not hang" limits, never
 * used as synchronisation.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap.h"
#include "coap_client.h"
#include "dtls_server.h"
#include "recorder.h"
#include "zcoap_dtls.h"
#include "zcoap_loop.h"

#ifndef DTLS_FLAVOUR
#define DTLS_FLAVOUR "openssl"
#endif

#define WAIT_MS 10000
/* Handshake timeout of the failure cases. */
#define FAIL_HS_MS 3000
/* Generous bound (no timing precision implied): "did not hang". */
#define HANG_BOUND_MS (FAIL_HS_MS + 7000)

#define PSK_KEY      "zcoap-secret-psk"
#define PSK_IDENTITY "zcoap-client"

enum { TAG_PSK = 10, TAG_PSK_WRONG = 11, TAG_PKI = 20 };

#ifndef DTLS_CERT_SCRIPT
#error "DTLS_CERT_SCRIPT must name make_certs.sh"
#endif

/* The run's PKI (make_certs.sh): the server's certificate names "localhost". */
static char pki_dir[256];
static uint8_t *pki_blob[3];
static size_t pki_len[3];

struct fx {
	struct coap_client client;
	bool manual;
	struct recorder rec;
	struct dtls_srv srv;
	bool srv_running;
	int sock;
};

static int udp_socket(void)
{
	return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static void start_psk_server(struct fx *f)
{
	static const char *const args[] = {"-k", PSK_KEY, "-h", "zcoap-hint", "-d", "10", NULL};
	char log[256];

	snprintf(log, sizeof(log), "/tmp/zcoap-dtls-async-%s-%d.log", DTLS_FLAVOUR, (int)getpid());
	assert_int_equal(dtls_srv_start(&f->srv, DTLS_FLAVOUR, log, args), 0);
	f->srv_running = true;
}

static struct coap_client_request request(struct fx *f, const char *path)
{
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = path,
	    .fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN,
	    .cb = recorder_cb,
	    .user_data = &f->rec,
	};

	return r;
}

static void start_pki_server(struct fx *f)
{
	static char c[300], k[300], ca[300];
	const char *args[] = {"-c", c, "-j", k, "-C", ca, "-d", "10", NULL};
	char log[320];

	snprintf(c, sizeof(c), "%s/server.crt", pki_dir);
	snprintf(k, sizeof(k), "%s/server.key", pki_dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", pki_dir);
	snprintf(log, sizeof(log), "%s/server-%s.log", pki_dir, DTLS_FLAVOUR);
	assert_int_equal(dtls_srv_start(&f->srv, DTLS_FLAVOUR, log, args), 0);
	f->srv_running = true;
}

/* A socket to @p to with the handshake left to the client (@p host: certificate mode). */
static int start_async_cfg(struct fx *f, zcoap_sec_tag_t tag, const char *host,
			   const struct sockaddr_in *to)
{
	zcoap_sec_tag_t tags[] = {tag};
	struct zcoap_dtls_config cfg = {
	    .sec_tags = tags,
	    .sec_tag_count = 1,
	    .hostname = host,
	    .handshake_timeout_ms = FAIL_HS_MS,
	    .retransmit_min_ms = 500,
	};
	int rc;

	f->sock = udp_socket();
	assert_true(f->sock >= 0);
	rc = zcoap_dtls_connect_async(f->sock, (const struct sockaddr *)to, sizeof(*to), &cfg);
	/* On loopback the start call may already have seen the whole handshake (then 0). */
	assert_true(rc == -EINPROGRESS || rc == 0);
	return rc;
}

/* A PSK socket to @p to with the handshake left to the client. */
static int start_async(struct fx *f, zcoap_sec_tag_t tag, const struct sockaddr_in *to)
{
	return start_async_cfg(f, tag, NULL, to);
}

/* Two requests submitted at once; both must get 2.05 with the expected bodies. */
static void submit_two(struct fx *f)
{
	struct coap_client_request a = request(f, "time");
	struct coap_client_request b = request(f, "/.well-known/core");

	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &a, NULL), 0);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &b, NULL), 0);
}

/*
 * Start the handshake and submit two requests while the server is stopped
 * (SIGSTOP), so that they are certainly submitted before the handshake
 * completes; then let the server go on.
 */
static void start_and_submit_held_cfg(struct fx *f, zcoap_sec_tag_t tag, const char *host)
{
	assert_int_equal(kill(f->srv.pid, SIGSTOP), 0);
	assert_int_equal(start_async_cfg(f, tag, host, &f->srv.dtls_addr), -EINPROGRESS);
	submit_two(f);
	assert_int_equal(zcoap_dtls_ciphersuite(f->sock), -ENOTCONN); /* not up yet */
	assert_int_equal(recorder_count(&f->rec), 0);
	assert_int_equal(kill(f->srv.pid, SIGCONT), 0);
}

static void start_and_submit_held(struct fx *f)
{
	start_and_submit_held_cfg(f, TAG_PSK, NULL);
}

static void check_two(struct fx *f)
{
	bool seen_core = false;

	assert_int_equal(recorder_count(&f->rec), 2);
	for (size_t i = 0; i < 2; i++) {
		struct rec_event ev = recorder_get(&f->rec, i);

		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(ev.last_block);
		assert_true(ev.len > 0);
		for (size_t k = 0; k + 7 <= ev.len && !seen_core; k++) {
			seen_core = memcmp(ev.payload + k, "</time>", 7) == 0;
		}
	}
	assert_true(seen_core);
	assert_true(zcoap_dtls_ciphersuite(f->sock) > 0);
}

/* ---- thread mode --------------------------------------------------------------------- */

static void test_async_requests_wait_for_handshake(void **state)
{
	struct fx *f = *state;

	start_psk_server(f);
	start_and_submit_held(f);
	assert_true(recorder_wait(&f->rec, 2, WAIT_MS));
	check_two(f);
	/* The socket goes on like any DTLS socket. */
	{
		struct coap_client_request c = request(f, "time");

		assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &c, NULL), 0);
		assert_true(recorder_wait(&f->rec, 3, WAIT_MS));
		assert_int_equal(recorder_get(&f->rec, 2).code, COAP_RESPONSE_CODE_CONTENT);
	}
}

/* A bound socket that never answers: what the client sends to it is counted. */
static int silent_peer(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int s = udp_socket();

	assert_true(s >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)addr, &len), 0);
	return s;
}

static int drain_count(int s)
{
	uint8_t buf[2048];
	int n = 0;

	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
		n++;
	}
	return n;
}

static void test_async_silent_peer(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in silent_addr;
	int silent = silent_peer(&silent_addr);
	struct recorder plain_rec;
	struct coap_client_request d = request(f, "time");
	struct coap_client_request p = request(f, "time");
	int plain = udp_socket();
	int64_t t0;
	int64_t t_fail;
	char why[256];

	start_psk_server(f);
	recorder_init(&plain_rec);
	p.user_data = &plain_rec;
	t0 = dtls_now_ms();
	assert_int_equal(start_async(f, TAG_PSK, &silent_addr), -EINPROGRESS);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, NULL), 0);
	/* The same client's plain request goes through while the handshake hangs. */
	assert_true(plain >= 0);
	assert_int_equal(
	    coap_client_req(&f->client, plain, (struct sockaddr *)&f->srv.udp_addr, &p, NULL), 0);
	assert_true(recorder_wait(&plain_rec, 1, WAIT_MS));
	assert_int_equal(recorder_get(&plain_rec, 0).code, COAP_RESPONSE_CODE_CONTENT);
	if (recorder_count(&f->rec) != 0) {
		/* Only possible on a machine stalled for the whole handshake timeout. */
		print_message("  note: the plain response came after the handshake failed\n");
	}
	/* The waiting request ends with the handshake's own error. */
	assert_true(recorder_wait(&f->rec, 1, HANG_BOUND_MS));
	t_fail = dtls_now_ms();
	assert_int_equal(recorder_get(&f->rec, 0).code, -ETIMEDOUT);
	assert_true(recorder_get(&f->rec, 0).last_block);
	print_message("  handshake failed after %lld ms (timeout %d ms)\n",
		      (long long)(t_fail - t0), FAIL_HS_MS);
	assert_true(t_fail - t0 < HANG_BOUND_MS);
	/* The client thread retransmitted the ClientHello (RFC 6347 §4.2.4) by itself. */
	assert_true(drain_count(silent) >= 2);
	/* Later requests on the socket get the same error at once. */
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, NULL), -ETIMEDOUT);
	assert_int_equal(zcoap_dtls_last_error(f->sock, why, sizeof(why)), -ETIMEDOUT);
	assert_int_equal(recorder_count(&f->rec), 1);
	close(plain);
	close(silent);
	recorder_destroy(&plain_rec);
}

static void test_async_wrong_psk(void **state)
{
	struct fx *f = *state;
	struct coap_client_request d = request(f, "time");

	start_psk_server(f);
	assert_int_equal(kill(f->srv.pid, SIGSTOP), 0);
	assert_int_equal(start_async(f, TAG_PSK_WRONG, &f->srv.dtls_addr), -EINPROGRESS);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, NULL), 0);
	assert_int_equal(kill(f->srv.pid, SIGCONT), 0);
	assert_true(recorder_wait(&f->rec, 1, HANG_BOUND_MS));
	assert_int_equal(recorder_get(&f->rec, 0).code, -EACCES);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, NULL), -EACCES);
}

/* Certificates: the same with an ECDSA certificate for "localhost" and a client certificate. */
static void test_async_pki_requests_wait(void **state)
{
	struct fx *f = *state;

	start_pki_server(f);
	start_and_submit_held_cfg(f, TAG_PKI, "localhost");
	assert_true(recorder_wait(&f->rec, 2, WAIT_MS));
	check_two(f);
}

/* A certificate that does not name the server: the waiting request gets -EKEYREJECTED. */
static void test_async_pki_wrong_name(void **state)
{
	struct fx *f = *state;
	struct coap_client_request d = request(f, "time");
	char why[256];

	start_pki_server(f);
	/* Stopped: the start call cannot see the server's certificate yet (else it fails there). */
	assert_int_equal(kill(f->srv.pid, SIGSTOP), 0);
	assert_int_equal(start_async_cfg(f, TAG_PKI, "not-the-server.example", &f->srv.dtls_addr),
			 -EINPROGRESS);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, NULL), 0);
	assert_int_equal(kill(f->srv.pid, SIGCONT), 0);
	assert_true(recorder_wait(&f->rec, 1, HANG_BOUND_MS));
	assert_int_equal(recorder_get(&f->rec, 0).code, -EKEYREJECTED);
	assert_int_equal(zcoap_dtls_last_error(f->sock, why, sizeof(why)), -EKEYREJECTED);
	print_message("  %s\n", why);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, NULL), -EKEYREJECTED);
}

/* ---- event-loop mode ------------------------------------------------------------------- */

static void test_async_manual_process(void **state)
{
	struct fx *f = *state;
	int calls = 0;

	start_psk_server(f);
	start_and_submit_held(f);
	while (recorder_count(&f->rec) < 2) {
		/* Each call waits for a datagram or the next step; bounded by a count. */
		assert_true(++calls < 200);
		assert_true(zcoap_client_process(&f->client, 1000) >= 0);
	}
	print_message("  %d zcoap_client_process() calls\n", calls);
	check_two(f);
}

static void test_async_foreign_loop(void **state)
{
	struct fx *f = *state;
	int calls = 0;

	start_psk_server(f);
	start_and_submit_held(f);
	while (recorder_count(&f->rec) < 2) {
		int fds[ZCOAP_CLIENT_MAX_FDS];
		struct pollfd p[ZCOAP_CLIENT_MAX_FDS];
		int timeout = -1;
		int n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
		int ready;

		assert_true(++calls < 200);
		assert_true(n > 0 && n <= ZCOAP_CLIENT_MAX_FDS);
		/* The handshake's socket is watched: a request uses it. */
		for (int i = 0; i < n; i++) {
			p[i].fd = fds[i];
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		ready = poll(p, (nfds_t)n, timeout < 0 || timeout > 1000 ? 1000 : timeout);
		assert_true(ready >= 0);
		if (ready == 0) {
			assert_true(zcoap_client_timeout(&f->client) >= 0);
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (p[i].revents != 0) {
				assert_true(zcoap_client_fd_ready(&f->client, p[i].fd,
								  (unsigned int)p[i].revents) >= 0);
				break; /* the set may change: ask again */
			}
		}
	}
	check_two(f);
}

/*
 * The round's wait ends at the handshake's next step (its retransmission
 * timer, at the latest its timeout), not at the request's far timer: the
 * step deadline of a socket a request uses is part of the round's
 * (loop.c). The silent peer never answers, so only that timer moves on.
 */
static void test_async_round_waits_for_step(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in silent_addr;
	int silent = silent_peer(&silent_addr);
	struct coap_client_request d = request(f, "time");
	struct coap_transmission_parameters slow = coap_get_transmission_parameters();
	int fds[ZCOAP_CLIENT_MAX_FDS];
	int timeout = -1;
	int n;

	slow.ack_timeout = 60000; /* the request's own timer: far beyond the handshake */
	slow.ack_random_percent = 100;
	assert_int_equal(start_async(f, TAG_PSK, &silent_addr), -EINPROGRESS);
	assert_true(drain_count(silent) >= 1); /* the first ClientHello */
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &d, &slow), 0);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
	assert_true(n >= 2);
	assert_true(timeout >= 0 && timeout <= FAIL_HS_MS);
	/* Stepping it retransmits the ClientHello when due, without a datagram. */
	for (int calls = 0; drain_count(silent) == 0; calls++) {
		assert_true(calls < 100);
		assert_true(zcoap_client_process(&f->client, 1000) >= 0);
	}
	coap_client_cancel_requests(&f->client);
	close(silent);
}

/* ---- reconnect and re-register (issue 16 point 3) --------------------------------------- */

#define MAX_DTLS_EVENTS 64

/* The reconnect steps event_cb reported (the client thread), with their times. */
static struct {
	pthread_mutex_t lock;
	size_t n;
	struct zcoap_dtls_event ev[MAX_DTLS_EVENTS];
	int64_t at[MAX_DTLS_EVENTS];
} events = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void on_dtls_event(int sock, const struct zcoap_dtls_event *ev, void *user)
{
	(void)sock;
	(void)user;
	pthread_mutex_lock(&events.lock);
	if (events.n < MAX_DTLS_EVENTS) {
		events.ev[events.n] = *ev;
		events.at[events.n] = dtls_now_ms();
		events.n++;
	}
	pthread_mutex_unlock(&events.lock);
}

static const char *event_name(enum zcoap_dtls_event_type t)
{
	switch (t) {
	case ZCOAP_DTLS_EVENT_LOST:
		return "lost";
	case ZCOAP_DTLS_EVENT_RECONNECTING:
		return "reconnecting";
	case ZCOAP_DTLS_EVENT_ATTEMPT_FAILED:
		return "attempt failed";
	case ZCOAP_DTLS_EVENT_RECONNECTED:
		return "reconnected";
	case ZCOAP_DTLS_EVENT_GAVE_UP:
		return "gave up";
	}
	return "?";
}

/* Whether event_cb reported @p type (the first at or after index @p from: its index in *at). */
static bool event_seen(enum zcoap_dtls_event_type type, size_t from, size_t *at)
{
	bool seen = false;

	pthread_mutex_lock(&events.lock);
	for (size_t i = from; i < events.n && !seen; i++) {
		if (events.ev[i].type == type) {
			seen = true;
			if (at != NULL) {
				*at = i;
			}
		}
	}
	pthread_mutex_unlock(&events.lock);
	return seen;
}

/* Wait (bounded by a count of short recorder waits) until event_cb reported @p type. */
static bool wait_event(struct recorder *r, enum zcoap_dtls_event_type type, size_t *at)
{
	for (int i = 0; i < 200 && !event_seen(type, 0, at); i++) {
		(void)recorder_wait(r, recorder_count(r) + 1, 250);
	}
	return event_seen(type, 0, at);
}

static void print_transcript(int64_t t0)
{
	pthread_mutex_lock(&events.lock);
	for (size_t i = 0; i < events.n; i++) {
		const struct zcoap_dtls_event *ev = &events.ev[i];

		print_message("  %5lld ms  dtls event: %s", (long long)(events.at[i] - t0),
			      event_name(ev->type));
		if (ev->attempt > 0) {
			print_message(", attempt %u", ev->attempt);
		}
		if (ev->err != 0) {
			print_message(", %s", zcoap_strerror(ev->err));
		}
		if (ev->type == ZCOAP_DTLS_EVENT_RECONNECTING) {
			print_message(ev->resuming ? ", session offered" : ", full handshake");
		}
		if (ev->type == ZCOAP_DTLS_EVENT_RECONNECTED) {
			print_message(ev->resumed ? ", resumed" : ", not resumed");
		}
		print_message("\n");
	}
	pthread_mutex_unlock(&events.lock);
}

/*
 * The server is killed (SIGKILL: no close_notify, no last notification)
 * during an observation of /time and started again on the same port. A GET
 * the application sends meanwhile meets the closed port (ICMP port
 * unreachable): with the reconnect policy the socket reconnects by itself
 * (attempts that find the port still closed fail fast and are retried after
 * a delay), the observation registers again, notifications continue, and
 * the GET, held meanwhile, is answered. The observation's callback never
 * sees an error. The transcript is printed (times from the first request).
 */
static void test_reconnect_observe_restart(void **state)
{
	static const char *const args[] = {"-k", PSK_KEY, "-h", "zcoap-hint", "-d", "10", NULL};
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	static const struct coap_client_option obs = {
	    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct fx *f = *state;
	struct zcoap_dtls_config cfg = {
	    .sec_tags = tags,
	    .sec_tag_count = 1,
	    .session_cache = ZCOAP_TLS_SESSION_CACHE_ENABLED,
	    .handshake_timeout_ms = FAIL_HS_MS,
	    .reconnect_attempts = 10,
	    .reconnect_delay_ms = 200,
	    .event_cb = on_dtls_event,
	};
	struct coap_client_request r = request(f, "time");
	struct coap_client_request g = request(f, "time");
	struct recorder get_rec;
	int64_t t0;
	size_t before;
	size_t after;
	size_t up = 0;
	int status;

	pthread_mutex_lock(&events.lock);
	events.n = 0;
	pthread_mutex_unlock(&events.lock);
	recorder_init(&get_rec);
	g.user_data = &get_rec;
	start_psk_server(f);
	f->sock = udp_socket();
	assert_int_equal(zcoap_dtls_connect(f->sock, (struct sockaddr *)&f->srv.dtls_addr,
					    sizeof(f->srv.dtls_addr), &cfg),
			 0);
	r.options = &obs;
	r.num_options = 1;
	/*
	 * No liveness re-registration of its own (libcoap's /time has Max-Age 1,
	 * which would re-register after 6 s anyway): only the reconnect's
	 * re-registration can bring the notifications back.
	 */
	r.observe_liveness = ZCOAP_OBSERVE_WAIT;
	t0 = dtls_now_ms();
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &r, NULL), 0);
	assert_true(recorder_wait(&f->rec, 2, WAIT_MS));
	before = recorder_count(&f->rec);

	/* The server dies without a word. */
	assert_int_equal(kill(f->srv.pid, SIGKILL), 0);
	assert_int_equal(waitpid(f->srv.pid, &status, 0), f->srv.pid);
	f->srv.pid = -1;
	print_message("  %5lld ms  server killed (SIGKILL) after %zu notifications\n",
		      (long long)(dtls_now_ms() - t0), before);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &g, NULL), 0);
	print_message("  %5lld ms  GET /time sent\n", (long long)(dtls_now_ms() - t0));
	assert_true(wait_event(&f->rec, ZCOAP_DTLS_EVENT_LOST, NULL));
	assert_int_equal(dtls_srv_restart(&f->srv, DTLS_FLAVOUR, args), 0);
	print_message("  %5lld ms  server running again on port %u\n",
		      (long long)(dtls_now_ms() - t0), (unsigned int)f->srv.port + 1);
	assert_true(wait_event(&f->rec, ZCOAP_DTLS_EVENT_RECONNECTED, &up));
	after = recorder_count(&f->rec);
	/* Notifications from the restarted server: two more after the reconnect. */
	assert_true(recorder_wait(&f->rec, after + 2, WAIT_MS));
	assert_true(recorder_wait(&get_rec, 1, WAIT_MS));
	print_message("  %5lld ms  %zu notifications after the reconnect; GET answered %d.%02d\n",
		      (long long)(dtls_now_ms() - t0), recorder_count(&f->rec) - after,
		      recorder_get(&get_rec, 0).code >> 5, recorder_get(&get_rec, 0).code & 31);
	print_transcript(t0);

	pthread_mutex_lock(&events.lock);
	assert_true(events.n >= 3);
	assert_int_equal(events.ev[0].type, ZCOAP_DTLS_EVENT_LOST);
	assert_int_equal(events.ev[0].err, -ECONNREFUSED); /* ICMP port unreachable */
	assert_int_equal(events.ev[1].type, ZCOAP_DTLS_EVENT_RECONNECTING);
	assert_true(events.ev[1].resuming); /* the lost session is offered first */
	pthread_mutex_unlock(&events.lock);
	for (size_t i = 0; i < recorder_count(&f->rec); i++) {
		struct rec_event ev = recorder_get(&f->rec, i);

		/* Never an error: the observation went on through the restart. */
		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(ev.has_observe);
	}
	assert_int_equal(recorder_get(&get_rec, 0).code, COAP_RESPONSE_CODE_CONTENT);
	assert_false(event_seen(ZCOAP_DTLS_EVENT_GAVE_UP, 0, NULL));
	assert_true(zcoap_dtls_ciphersuite(f->sock) > 0);
	coap_client_cancel_requests(&f->client);
	recorder_destroy(&get_rec);
}

/*
 * The server is killed and restarted while nothing is sent: the client only
 * sees silence. The observation's liveness rule (libcoap's /time has
 * Max-Age 1: after 1 s + ZCOAP_CONFIG_OBSERVE_MARGIN_MS) re-registers on the
 * old session, which the new server process drops; when that is unanswered
 * too (its first retransmission), the reconnect policy runs a new handshake,
 * the held re-registration goes out on it, and notifications continue.
 */
static void test_reconnect_after_silence(void **state)
{
	static const char *const args[] = {"-k", PSK_KEY, "-h", "zcoap-hint", "-d", "10", NULL};
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	static const struct coap_client_option obs = {
	    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct fx *f = *state;
	struct zcoap_dtls_config cfg = {
	    .sec_tags = tags,
	    .sec_tag_count = 1,
	    .handshake_timeout_ms = FAIL_HS_MS,
	    .reconnect_attempts = 3,
	    .reconnect_delay_ms = 200,
	    .event_cb = on_dtls_event,
	};
	struct coap_client_request r = request(f, "time");
	int64_t t0;
	size_t after;
	int status;

	pthread_mutex_lock(&events.lock);
	events.n = 0;
	pthread_mutex_unlock(&events.lock);
	start_psk_server(f);
	f->sock = udp_socket();
	assert_int_equal(zcoap_dtls_connect(f->sock, (struct sockaddr *)&f->srv.dtls_addr,
					    sizeof(f->srv.dtls_addr), &cfg),
			 0);
	r.options = &obs;
	r.num_options = 1;
	t0 = dtls_now_ms();
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &r, NULL), 0);
	assert_true(recorder_wait(&f->rec, 2, WAIT_MS));
	assert_int_equal(kill(f->srv.pid, SIGKILL), 0);
	assert_int_equal(waitpid(f->srv.pid, &status, 0), f->srv.pid);
	f->srv.pid = -1;
	assert_int_equal(dtls_srv_restart(&f->srv, DTLS_FLAVOUR, args), 0);
	print_message("  %5lld ms  server killed and running again\n",
		      (long long)(dtls_now_ms() - t0));
	assert_true(wait_event(&f->rec, ZCOAP_DTLS_EVENT_RECONNECTED, NULL));
	after = recorder_count(&f->rec);
	assert_true(recorder_wait(&f->rec, after + 2, WAIT_MS));
	print_message("  %5lld ms  2 notifications after the reconnect\n",
		      (long long)(dtls_now_ms() - t0));
	print_transcript(t0);
	pthread_mutex_lock(&events.lock);
	assert_int_equal(events.ev[0].type, ZCOAP_DTLS_EVENT_LOST);
	assert_int_equal(events.ev[0].err, -ETIMEDOUT); /* silence */
	pthread_mutex_unlock(&events.lock);
	for (size_t i = 0; i < recorder_count(&f->rec); i++) {
		assert_int_equal(recorder_get(&f->rec, i).code, COAP_RESPONSE_CODE_CONTENT);
	}
	coap_client_cancel_requests(&f->client);
}

/* Without the policy (the default) the same loss ends the socket's requests, as before. */
static void test_no_reconnect_by_default(void **state)
{
	static const zcoap_sec_tag_t tags[] = {TAG_PSK};
	static const struct coap_client_option obs = {
	    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct fx *f = *state;
	struct zcoap_dtls_config cfg = {.sec_tags = tags, .sec_tag_count = 1};
	struct coap_client_request r = request(f, "time");
	struct coap_client_request g = request(f, "time");
	size_t n;
	int status;

	start_psk_server(f);
	f->sock = udp_socket();
	assert_int_equal(zcoap_dtls_connect(f->sock, (struct sockaddr *)&f->srv.dtls_addr,
					    sizeof(f->srv.dtls_addr), &cfg),
			 0);
	r.options = &obs;
	r.num_options = 1;
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &r, NULL), 0);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	assert_int_equal(kill(f->srv.pid, SIGKILL), 0);
	assert_int_equal(waitpid(f->srv.pid, &status, 0), f->srv.pid);
	f->srv.pid = -1;
	n = recorder_count(&f->rec);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &g, NULL), 0);
	/* Both requests end with the ICMP error. */
	assert_true(recorder_wait(&f->rec, n + 2, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, n).code, -ECONNREFUSED);
	assert_int_equal(recorder_get(&f->rec, n + 1).code, -ECONNREFUSED);
}

/* ---- fixture --------------------------------------------------------------------------- */

static int setup_mode(void **state, bool manual)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	f->sock = -1;
	f->manual = manual;
	recorder_init(&f->rec);
	if ((manual ? zcoap_client_init_manual(&f->client)
		    : coap_client_init(&f->client, "dtls-async")) != 0) {
		return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_mode(state, false);
}

static int setup_manual(void **state)
{
	return setup_mode(state, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	coap_client_cancel_requests(&f->client);
	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	if (f->sock >= 0) {
		assert_int_equal(zcoap_dtls_close(f->sock), 0);
	}
	if (f->srv_running) {
		dtls_srv_stop(&f->srv);
	}
	recorder_destroy(&f->rec);
	free(f);
	return 0;
}

/* Read @p file of the PKI (PEM with its NUL counted: Mbed TLS wants it). */
static int pki_load(int i, const char *file)
{
	char path[300];
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/%s", pki_dir, file);
	fp = fopen(path, "rb");
	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		if (fp != NULL) {
			fclose(fp);
		}
		return -1;
	}
	pki_blob[i] = calloc(1, (size_t)n + 1);
	if (pki_blob[i] == NULL || fread(pki_blob[i], 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	pki_len[i] = (size_t)n + 1;
	return 0;
}

static int make_pki(void)
{
	char cmd[800];
	const char *tmp = getenv("TMPDIR");

	snprintf(pki_dir, sizeof(pki_dir), "%s/zcoap-dtls-async-XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(pki_dir) == NULL) {
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s' > /dev/null", DTLS_CERT_SCRIPT, pki_dir);
	if (system(cmd) != 0 || pki_load(0, "ca.crt") != 0 || pki_load(1, "client.crt") != 0 ||
	    pki_load(2, "client.key") != 0) {
		return -1;
	}
	return zcoap_tls_credential_add(TAG_PKI, ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE, pki_blob[0],
					pki_len[0]) |
	       zcoap_tls_credential_add(TAG_PKI, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
					pki_blob[1], pki_len[1]) |
	       zcoap_tls_credential_add(TAG_PKI, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY, pki_blob[2],
					pki_len[2]);
}

int main(void)
{
	static const char wrong[] = "not-the-right-key";
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_async_requests_wait_for_handshake, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_async_silent_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_async_wrong_psk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_async_pki_requests_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_async_pki_wrong_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_async_manual_process, setup_manual, teardown),
	    cmocka_unit_test_setup_teardown(test_async_foreign_loop, setup_manual, teardown),
	    cmocka_unit_test_setup_teardown(test_async_round_waits_for_step, setup_manual,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reconnect_observe_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reconnect_after_silence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_reconnect_by_default, setup, teardown),
	};
	int rc = 0;

	if (!zcoap_dtls_available()) {
		printf("skip: built without DTLS\n");
		return 77;
	}
	if (dtls_srv_binary(DTLS_FLAVOUR) == NULL) {
		printf("skip: coap-server-%s not installed\n", DTLS_FLAVOUR);
		return 77;
	}
	rc |= zcoap_tls_credential_add(TAG_PSK, ZCOAP_TLS_CREDENTIAL_PSK, PSK_KEY, strlen(PSK_KEY));
	rc |= zcoap_tls_credential_add(TAG_PSK, ZCOAP_TLS_CREDENTIAL_PSK_ID, PSK_IDENTITY,
				       strlen(PSK_IDENTITY));
	rc |=
	    zcoap_tls_credential_add(TAG_PSK_WRONG, ZCOAP_TLS_CREDENTIAL_PSK, wrong, strlen(wrong));
	rc |= zcoap_tls_credential_add(TAG_PSK_WRONG, ZCOAP_TLS_CREDENTIAL_PSK_ID, PSK_IDENTITY,
				       strlen(PSK_IDENTITY));
	if (system("openssl version > /dev/null 2>&1") != 0) {
		printf("skip: openssl command line tool not installed\n");
		return 77;
	}
	if (rc != 0 || make_pki() != 0) {
		fprintf(stderr, "could not set up the credentials or the PKI in %s\n", pki_dir);
		return 1;
	}
	rc = cmocka_run_group_tests_name("dtls_async_" DTLS_FLAVOUR, tests, NULL, NULL);
	for (int i = 0; i < 3; i++) {
		free(pki_blob[i]);
	}
	if (getenv("ZCOAP_DTLS_KEEP_PKI") == NULL) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki_dir);
		(void)system(cmd);
	}
	return rc;
}
