/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_interop_node.c -- the zcoap client against a second real CoAP
 * implementation: node-coap (npm "coap", tests/interop/node/server.js),
 * started per test on a free loopback port. Exits 77 (skipped) when node or
 * the npm packages are missing (tests/interop/node/setup.sh installs them).
 *
 * Covered (issues 4 and 5, interop bullets):
 * - Block2 downloads served by node-coap's own block-wise layer, with its
 *   default block size and with early negotiation of every size 16..1024
 *   (RFC 7959 §2.4), byte-exact;
 * - Observe (RFC 7641) of a resource notifying every 100 ms, CON and NON:
 *   every notification delivered once and in order, then cancel (the next
 *   notification is answered with RST, §3.6) or deregistration (GET with
 *   Observe = 1, §3.6), after which the server has no observer left;
 * - block-wise notifications (RFC 7959 §2.6): each notification's body is
 *   fetched to its end and reassembled byte-exact, never mixing two; also
 *   when a newer notification arrives in the middle of a body, and when the
 *   representation changes (new ETag) between two blocks of a notification.
 *
 * ZCOAP_NODE_LOG=1 makes server.js log every datagram (to our stderr, or to
 * $ZCOAP_INTEROP_LOG when set).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap.h"
#include "coap_client.h"
#include "interop_util.h"
#include "node_server.h"
#include "recorder.h"

#define WAIT_MS        15000
#define BIG_SIZE       10000
#define OBS_BIG_SIZE   3000
#define OBS_BIG_HEADER 13 /* "SEQ %08u\n" */

struct notif_collector;
static void notif_free(struct notif_collector *c);

struct fx {
	struct node_server srv;
	struct coap_client client;
	int sock;
	struct recorder rec;
	struct trace_counter trace;
	/* Owned here so that teardown frees it after the client has stopped. */
	struct notif_collector *notif;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	if (node_server_start(&f->srv) != 0) {
		fprintf(stderr, "node server did not start\n");
		free(f);
		return -1;
	}
	f->sock = interop_udp_socket();
	if (f->sock < 0 || coap_client_init(&f->client, "interop-node") != 0) {
		node_server_stop(&f->srv);
		free(f);
		return -1;
	}
	recorder_init(&f->rec);
	trace_counter_init(&f->trace);
	assert_int_equal(zcoap_client_set_trace(&f->client, trace_counter_hook, &f->trace), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	close(f->sock);
	node_server_stop(&f->srv);
	notif_free(f->notif);
	recorder_destroy(&f->rec);
	trace_counter_destroy(&f->trace);
	free(f);
	return 0;
}

static void send_req(struct fx *f, struct coap_client_request *r)
{
	assert_int_equal(
	    coap_client_req(&f->client, f->sock, (struct sockaddr *)&f->srv.addr, r, NULL), 0);
}

/* The /big body (server.js bigBody()). */
static void big_body(uint8_t *b)
{
	for (size_t i = 0; i < BIG_SIZE; i++) {
		b[i] = (uint8_t)(0x21 + (i * 7 + i / 251) % 94);
	}
}

/* The /obs-big body of version @p seq (server.js obsBigBody()). */
static void obs_big_body(uint32_t seq, uint8_t *b)
{
	char head[OBS_BIG_HEADER + 1];

	snprintf(head, sizeof(head), "SEQ %08u\n", (unsigned int)seq);
	memcpy(b, head, OBS_BIG_HEADER);
	for (size_t i = OBS_BIG_HEADER; i < OBS_BIG_SIZE; i++) {
		b[i] = (uint8_t)(0x61 + (i * 7 + (size_t)seq * 13) % 26);
	}
}

static struct coap_client_option block2_option(uint8_t szx)
{
	struct coap_client_option o = {.code = COAP_OPTION_BLOCK2, .len = 1, .value = {szx}};

	return o;
}

static const struct coap_client_option observe0 = {
    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};

/*
 * GET a small text resource on the test's socket and return its number, or
 * -1. Using the observation's socket matters: the client reads a socket only
 * while a request on it is active, so these GETs are also what lets it read
 * (and RST) notifications after a cancel.
 */
static long get_number(struct fx *f, const char *path)
{
	struct body_collector c;
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = path,
	    .cb = collector_cb,
	    .user_data = &c,
	};
	long v = -1;

	collector_init(&c, 64);
	send_req(f, &r);
	assert_true(collector_wait_done(&c, WAIT_MS));
	if (c.code == COAP_RESPONSE_CODE_CONTENT && c.errors == 0 && c.len > 0 && c.len < 32) {
		char text[32];

		memcpy(text, c.buf, c.len);
		text[c.len] = '\0';
		v = strtol(text, NULL, 10);
	}
	collector_destroy(&c);
	return v;
}

/* Poll (bounded) until the server reports no observer of @p path's resource. */
static bool wait_no_observers(struct fx *f, const char *path)
{
	int64_t end = interop_now_ms() + WAIT_MS;

	while (interop_now_ms() < end) {
		if (get_number(f, path) == 0) {
			return true;
		}
		interop_sleep_ms(50);
	}
	return false;
}

/*
 * Poll (bounded) until the client sent an RST: a socket's linger resumes
 * only after ZCOAP_CONFIG_LINGER_GRACE_MS of idleness, so what arrived
 * meanwhile is answered a little later.
 */
static bool wait_rst(struct fx *f)
{
	int64_t end = interop_now_ms() + WAIT_MS;

	while (interop_now_ms() < end) {
		if (trace_counter_get(&f->trace).out_rst >= 1) {
			return true;
		}
		interop_sleep_ms(10);
	}
	return false;
}

static bool wait_idle(struct fx *f)
{
	int64_t end = interop_now_ms() + WAIT_MS;

	while (interop_now_ms() < end) {
		if (!coap_client_has_ongoing_exchange(&f->client)) {
			return true;
		}
		interop_sleep_ms(10);
	}
	return false;
}

static void get_big(struct fx *f, bool con, int szx)
{
	struct body_collector c;
	struct coap_client_option opt;
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = con,
	    .path = "big",
	    .cb = collector_cb,
	    .user_data = &c,
	};
	size_t block = szx < 0 ? 1024 : (size_t)16 << szx;
	uint8_t *want = malloc(BIG_SIZE);

	assert_non_null(want);
	big_body(want);
	collector_init(&c, BIG_SIZE + 1024);
	if (szx >= 0) {
		opt = block2_option((uint8_t)szx);
		r.options = &opt;
		r.num_options = 1;
	}
	send_req(f, &r);
	assert_true(collector_wait_done(&c, WAIT_MS));
	if (c.errors != 0) {
		fail_msg("block size %zu: %s", block, c.first_error);
	}
	assert_int_equal(c.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(c.len, BIG_SIZE);
	assert_memory_equal(c.buf, want, BIG_SIZE);
	/* One callback per block: the server used the size we asked for. */
	assert_int_equal(c.chunks, (BIG_SIZE + block - 1) / block);
	assert_true(wait_idle(f));
	assert_int_equal(c.late, 0);
	collector_destroy(&c);
	free(want);
}

/* node-coap's Block2 with its own block size (1024), CON and NON. */
static void test_big_default(void **state)
{
	struct fx *f = *state;

	get_big(f, true, -1);
	get_big(f, false, -1);
}

/* Early negotiation (RFC 7959 §2.4): Block2 NUM 0 with SZX 0..6 on the first request. */
static void test_big_early_negotiation(void **state)
{
	struct fx *f = *state;

	for (int szx = 0; szx <= 6; szx++) {
		get_big(f, true, szx);
	}
}

/*
 * Register on /obs and check the first @p n callbacks: 2.05 notifications,
 * each one complete (last_block), Observe and the counter payload each one
 * more than the previous: every notification delivered once, in order (on
 * loopback nothing is lost or reordered).
 */
static void observe_obs(struct fx *f, struct coap_client_request *r, bool con, size_t n)
{
	uint32_t prev_obs = 0;
	long prev_counter = 0;

	r->method = COAP_METHOD_GET;
	r->confirmable = con;
	r->path = "obs";
	r->cb = recorder_cb;
	r->user_data = &f->rec;
	r->options = &observe0;
	r->num_options = 1;
	send_req(f, r);
	assert_true(recorder_wait(&f->rec, n, WAIT_MS));
	for (size_t i = 0; i < n; i++) {
		struct rec_event ev = recorder_get(&f->rec, i);
		char text[32] = {0};
		long counter;

		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(ev.last_block);
		assert_true(ev.has_observe);
		assert_true(ev.len > 0 && ev.len < sizeof(text));
		memcpy(text, ev.payload, ev.len);
		counter = strtol(text, NULL, 10);
		if (i > 0) {
			assert_int_equal(ev.observe, prev_obs + 1);
			assert_int_equal(counter, prev_counter + 1);
		}
		prev_obs = ev.observe;
		prev_counter = counter;
	}
}

/* Every callback before the last is a notification; the last is @p code. */
static void check_ended_with(struct fx *f, int16_t code, bool expect_observe)
{
	size_t n = recorder_count(&f->rec);
	struct rec_event last;

	assert_true(n >= 1 && n <= RECORDER_MAX_EVENTS);
	for (size_t i = 0; i + 1 < n; i++) {
		struct rec_event ev = recorder_get(&f->rec, i);

		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(ev.has_observe);
	}
	last = recorder_get(&f->rec, n - 1);
	assert_int_equal(last.code, code);
	assert_true(last.last_block);
	assert_true(last.has_observe == expect_observe);
}

static void cancel_case(struct fx *f, bool con)
{
	struct coap_client_request r = {0};
	struct coap_client_request pattern = {.user_data = &f->rec};
	size_t n;

	observe_obs(f, &r, con, 6);
	coap_client_cancel_request(&f->client, &pattern);
	/* The -ECANCELED callback ran in this thread, before the call returned. */
	check_ended_with(f, -ECANCELED, false);
	n = recorder_count(&f->rec);
	assert_false(coap_client_has_ongoing_exchange(&f->client));

	/*
	 * The server still notifies until it gets our RST for a notification
	 * (RFC 7641 §3.6); the GETs of wait_no_observers() keep the socket read.
	 */
	assert_true(wait_no_observers(f, "observers"));
	assert_true(trace_counter_get(&f->trace).out_rst >= 1);
	assert_int_equal(recorder_count(&f->rec), n);
}

/*
 * Issue 14 point 3: after a cancel no request uses the observation's socket
 * any more (the server's observer count is asked on another socket), so
 * only the client's linger can answer the notifications node-coap keeps
 * sending. Before the linger they piled up unread and the server kept the
 * observation.
 */
static void cancel_linger_case(struct fx *f, bool con)
{
	struct coap_client_request r = {0};
	struct coap_client_request pattern = {.user_data = &f->rec};
	int obs_sock = f->sock;
	size_t n;

	observe_obs(f, &r, con, 3);
	coap_client_cancel_request(&f->client, &pattern);
	check_ended_with(f, -ECANCELED, false);
	n = recorder_count(&f->rec);
	f->sock = interop_udp_socket();
	assert_true(f->sock >= 0);
	assert_true(wait_no_observers(f, "observers"));
	assert_true(wait_rst(f));
	assert_int_equal(recorder_count(&f->rec), n);
	close(f->sock);
	f->sock = obs_sock;
}

static void test_observe_cancel_linger_con(void **state)
{
	cancel_linger_case(*state, true);
}

static void test_observe_cancel_linger_non(void **state)
{
	cancel_linger_case(*state, false);
}

/* CON notifications: node-coap itself ends the observation on our RST. */
static void test_observe_cancel_con(void **state)
{
	cancel_case(*state, true);
}

/* NON notifications (server.js handles their RST, which node-coap ignores). */
static void test_observe_cancel_non(void **state)
{
	cancel_case(*state, false);
}

static void test_observe_deregister_con(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = {0};
	struct coap_client_request pattern = {.path = "obs"};

	observe_obs(f, &r, true, 6);
	assert_int_equal(coap_client_deregister_observe(&f->client, &pattern), 0);
	/* The server's answer to the Observe = 1 GET (no Observe) is the final callback. */
	assert_true(wait_idle(f));
	check_ended_with(f, COAP_RESPONSE_CODE_CONTENT, false);
	assert_int_equal(get_number(f, "observers"), 0);
	assert_int_equal(coap_client_deregister_observe(&f->client, &pattern), -ENOENT);
}

static void test_observe_deregister_non(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = {0};
	struct coap_client_request pattern = {.path = "obs"};
	size_t n;

	observe_obs(f, &r, false, 6);
	assert_int_equal(coap_client_deregister_observe(&f->client, &pattern), 0);
	/* NON: the request ends at once; the server drops us on the Observe = 1 GET. */
	assert_true(wait_idle(f));
	check_ended_with(f, -ECANCELED, false);
	n = recorder_count(&f->rec);
	assert_true(wait_no_observers(f, "observers"));
	assert_int_equal(recorder_count(&f->rec), n);
}

/* Reassembles block-wise notifications, one body at a time. */
struct notif_collector {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t body[OBS_BIG_SIZE + 1024];
	size_t len;
	bool observed_start; /* the current body began with a notification */
	uint32_t start_observe;
	size_t complete;   /* notifications reassembled and checked */
	uint32_t seqs[64]; /* their SEQ numbers */
	uint32_t observes[64];
	size_t superseded; /* bodies left unfinished by a newer notification */
	size_t plain;      /* complete bodies that began without Observe */
	int16_t last_code;
	int16_t error_code; /* first negative code, 0 if none */
	size_t errors;
	char first_error[200];
};

static void notif_error(struct notif_collector *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notif_error(struct notif_collector *c, const char *fmt, ...)
{
	va_list ap;

	if (c->errors++ == 0) {
		va_start(ap, fmt);
		vsnprintf(c->first_error, sizeof(c->first_error), fmt, ap);
		va_end(ap);
	}
}

static void notif_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		     bool last_block, void *user_data)
{
	struct notif_collector *c = user_data;
	const struct zcoap_response_info *info = zcoap_client_response_info();

	pthread_mutex_lock(&c->lock);
	c->last_code = code;
	if (code < 0) {
		if (c->error_code == 0) {
			c->error_code = code;
		}
		goto out;
	}
	if (code != COAP_RESPONSE_CODE_CONTENT) {
		notif_error(c, "code 0x%02x", (unsigned int)code);
		goto out;
	}
	if (offset == 0) {
		if (c->len > 0) {
			c->superseded++;
		}
		c->len = 0;
		c->observed_start = info != NULL && info->has_observe;
		c->start_observe = info != NULL ? info->observe : 0;
	} else if (offset != c->len) {
		notif_error(c, "chunk at offset %zu, expected %zu", offset, c->len);
		goto out;
	}
	if (c->len + len > sizeof(c->body)) {
		notif_error(c, "body larger than %zu", sizeof(c->body));
		goto out;
	}
	if (len > 0) {
		memcpy(c->body + c->len, payload, len);
		c->len += len;
	}
	if (last_block) {
		uint8_t want[OBS_BIG_SIZE];
		unsigned int seq = 0;
		char head[OBS_BIG_HEADER + 1];

		memcpy(head, c->body, OBS_BIG_HEADER);
		head[OBS_BIG_HEADER] = '\0';
		if (c->len != OBS_BIG_SIZE || sscanf(head, "SEQ %8u", &seq) != 1) {
			notif_error(c, "body of %zu bytes, header '%.12s'", c->len, head);
		} else {
			obs_big_body(seq, want);
			if (memcmp(want, c->body, OBS_BIG_SIZE) != 0) {
				notif_error(c, "body of SEQ %u is not consistent", seq);
			} else if (!c->observed_start) {
				c->plain++;
			} else if (c->complete < 64) {
				c->seqs[c->complete] = seq;
				c->observes[c->complete] = c->start_observe;
				c->complete++;
			}
		}
		c->len = 0;
	}
out:
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static bool notif_wait(struct notif_collector *c, size_t n, int timeout_ms)
{
	int64_t end = interop_now_ms() + timeout_ms;
	bool ok;

	pthread_mutex_lock(&c->lock);
	while (c->complete < n && c->errors == 0 && c->error_code == 0 && interop_now_ms() < end) {
		pthread_mutex_unlock(&c->lock);
		interop_sleep_ms(10);
		pthread_mutex_lock(&c->lock);
	}
	ok = c->complete >= n;
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static struct notif_collector *notif_new(void)
{
	struct notif_collector *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	return c;
}

static void notif_free(struct notif_collector *c)
{
	if (c != NULL) {
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->lock);
		free(c);
	}
}

/* A copy taken under the lock (never fail a test while holding it). */
static struct notif_collector notif_snapshot(struct notif_collector *c)
{
	struct notif_collector snap;

	pthread_mutex_lock(&c->lock);
	snap = *c;
	pthread_mutex_unlock(&c->lock);
	return snap;
}

/*
 * Observe @p path until @p n notifications were reassembled, deregister, and
 * check them: consistent bodies, newer and newer, never an error. With
 * @p even_only (the resources whose odd versions change mid-fetch) only even
 * versions can be complete.
 */
static void obs_big_case(struct fx *f, const char *path, int szx, size_t n, bool even_only)
{
	struct notif_collector *c = notif_new();
	struct notif_collector snap;
	struct coap_client_option opts[2] = {observe0, block2_option(0)};
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = path,
	    .cb = notif_cb,
	    .user_data = c,
	    .options = opts,
	    .num_options = 1,
	};
	struct coap_client_request pattern = {.path = path};
	char query[64];

	f->notif = c;
	if (szx >= 0) {
		opts[1] = block2_option((uint8_t)szx);
		r.num_options = 2;
	}
	send_req(f, &r);
	if (!notif_wait(c, n, WAIT_MS)) {
		snap = notif_snapshot(c);
		fail_msg("%s: %zu notifications, %zu errors (%s), final code %d", path,
			 snap.complete, snap.errors, snap.first_error, snap.error_code);
	}
	/* Still observing: the deregistration finds the observation. */
	assert_int_equal(coap_client_deregister_observe(&f->client, &pattern), 0);
	assert_true(wait_idle(f));

	snap = notif_snapshot(c);
	if (snap.errors != 0) {
		fail_msg("%s: %s", path, snap.first_error);
	}
	assert_int_equal(snap.error_code, 0);
	for (size_t i = 0; i < snap.complete; i++) {
		if (i > 0) {
			assert_true(snap.seqs[i] > snap.seqs[i - 1]);
			assert_true(snap.observes[i] > snap.observes[i - 1]);
		}
		if (even_only) {
			assert_int_equal(snap.seqs[i] % 2, 0);
		}
	}
	/* The deregistration's 2.05 (no Observe, also block-wise) ended the request. */
	assert_int_equal(snap.last_code, COAP_RESPONSE_CODE_CONTENT);
	snprintf(query, sizeof(query), "observers?%s", path);
	assert_int_equal(get_number(f, query), 0);
}

/* Block-wise notifications in 1024-byte blocks (the server's choice). */
static void test_observe_blockwise(void **state)
{
	obs_big_case(*state, "obs-big", -1, 3, false);
}

/* Block-wise notifications in 64-byte blocks asked for at registration. */
static void test_observe_blockwise_small(void **state)
{
	obs_big_case(*state, "obs-big", 2, 3, false);
}

/*
 * A newer notification arrives while the client fetches the blocks of an
 * older one (issue 5): the older body is abandoned, nothing is mixed, the
 * observation goes on.
 */
static void test_observe_blockwise_superseded(void **state)
{
	obs_big_case(*state, "obs-supersede", 4, 3, true);
}

/*
 * The representation changes (new ETag) between two blocks of a
 * notification, and the notification of the new version follows: the
 * changed block must not be delivered as part of the old body, and the
 * observation must survive to deliver the new version.
 */
static void test_observe_blockwise_etag_change(void **state)
{
	obs_big_case(*state, "obs-etag", 4, 3, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_big_default, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_early_negotiation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel_con, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel_non, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel_linger_con, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel_linger_non, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_deregister_con, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_deregister_non, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_blockwise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_blockwise_small, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_blockwise_superseded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_blockwise_etag_change, setup, teardown),
	};
	const char *why = NULL;

	if (!node_server_available(&why)) {
		fprintf(stderr, "node-coap interop skipped: %s\n", why);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
