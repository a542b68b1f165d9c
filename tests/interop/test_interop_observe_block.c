/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_interop_observe_block.c -- Observe deregistration and large
 * block-wise transfers against libcoap's example server (coap-server-notls,
 * Debian libcoap3-bin 4.3.1). Exits 77 (skipped) when it is not installed.
 *
 * - /time notifies every second: after coap_client_deregister_observe() the
 *   server's 2.05 without Observe is the final callback (RFC 7641 §3.6), and
 *   no notification reaches our socket in the next 2.5 s (the trace hook
 *   counts received datagrams carrying Observe).
 * - A 100 KiB body PUT to a dynamic resource ("-d") in Block1 blocks of every
 *   size 16..1024 chosen by the client (a Block1 extra option), read back
 *   with early Block2 negotiation of the same size, and with the sizes left
 *   to the client's and server's defaults; byte-for-byte compare.
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
#include "libcoap_server.h"
#include "recorder.h"

#define WAIT_MS 15000
/* Observation window after the deregistration: /time notifies every second. */
#define SILENCE_MS 2500
#define BODY_SIZE  (100 * 1024)
/* Transfers may take long under sanitizers on a loaded 2-core machine. */
#define TRANSFER_WAIT_MS 120000

struct fx {
	struct lc_server srv;
	struct coap_client client;
	int sock;
	struct recorder rec;
	struct trace_counter trace;
};

static int start(void **state, const char *const *args)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	if (lc_server_start(&f->srv, args) != 0) {
		free(f);
		return -1;
	}
	f->sock = interop_udp_socket();
	if (f->sock < 0 || coap_client_init(&f->client, "interop-ob") != 0) {
		lc_server_stop(&f->srv);
		free(f);
		return -1;
	}
	recorder_init(&f->rec);
	trace_counter_init(&f->trace);
	if (zcoap_client_set_trace(&f->client, trace_counter_hook, &f->trace) != 0) {
		return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	static const char *const args[] = {"-d", "20", "-v", "0", NULL};

	return start(state, args);
}

/* "-N": NON notifications (every fifth still CON, RFC 7641 §4.5). */
static int setup_non(void **state)
{
	static const char *const args[] = {"-N", "-v", "0", NULL};

	return start(state, args);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	close(f->sock);
	lc_server_stop(&f->srv);
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

static bool wait_idle(struct fx *f, int timeout_ms)
{
	int64_t end = interop_now_ms() + timeout_ms;

	while (interop_now_ms() < end) {
		if (!coap_client_has_ongoing_exchange(&f->client)) {
			return true;
		}
		interop_sleep_ms(10);
	}
	return false;
}

static void deregister_case(struct fx *f, bool con)
{
	static const struct coap_client_option obs = {
	    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = con,
	    .path = "time",
	    .cb = recorder_cb,
	    .user_data = &f->rec,
	    .options = &obs,
	    .num_options = 1,
	};
	struct coap_client_request pattern = {.path = "time"};
	struct recorder keep;
	struct coap_client_request k = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "async?60",
	    .cb = recorder_cb,
	    .user_data = &keep,
	};
	struct trace_counts before, now;
	size_t n;
	int64_t t0;

	recorder_init(&keep);
	send_req(f, &r);
	/* The registration's response and 3 notifications. */
	assert_true(recorder_wait(&f->rec, 4, WAIT_MS));
	before = trace_counter_get(&f->trace);
	assert_int_equal(before.in_plain, 0);
	assert_int_equal(coap_client_deregister_observe(&f->client, &pattern), 0);
	/*
	 * The client reads a socket only while a request on it is active: keep
	 * one (the server acknowledges it with an Empty ACK and answers a
	 * minute later) so that anything the server still sends is seen, also
	 * after a NON deregistration, which ends the observation at once.
	 */
	send_req(f, &k);
	/* §3.6: the server answers the Observe = 1 GET with a 2.05 without Observe. */
	assert_true(trace_counter_wait_plain(&f->trace, 1, WAIT_MS));
	t0 = interop_now_ms();

	if (con) {
		/* That answer is the observation's final callback. */
		for (n = 5;; n++) {
			assert_true(n <= RECORDER_MAX_EVENTS);
			assert_true(recorder_wait(&f->rec, n, WAIT_MS));
			if (!recorder_get(&f->rec, n - 1).has_observe) {
				break;
			}
		}
	}
	n = recorder_count(&f->rec);
	assert_true(n >= 5 && n <= RECORDER_MAX_EVENTS);
	for (size_t i = 0; i + 1 < n; i++) {
		struct rec_event ev = recorder_get(&f->rec, i);

		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(ev.has_observe);
		assert_true(ev.last_block);
		assert_true(ev.len > 0);
		if (i > 0) {
			assert_true(ev.observe != recorder_get(&f->rec, i - 1).observe);
		}
	}
	if (con) {
		struct rec_event last = recorder_get(&f->rec, n - 1);

		assert_int_equal(last.code, COAP_RESPONSE_CODE_CONTENT);
		assert_false(last.has_observe);
		assert_true(last.last_block);
		assert_true(last.len > 0);
	} else {
		/* NON: the request ended at once; the server's answer was not delivered. */
		assert_int_equal(recorder_get(&f->rec, n - 1).code, -ECANCELED);
	}

	/* /time notifies every second: 2.5 s without a notification shows it stopped. */
	while (interop_now_ms() < t0 + SILENCE_MS) {
		interop_sleep_ms(50);
	}
	now = trace_counter_get(&f->trace);
	if (now.in_observe != now.in_observe_at_plain) {
		fail_msg("%zu notification(s) after the deregistration's response",
			 now.in_observe - now.in_observe_at_plain);
	}
	assert_int_equal(now.in_plain, 1);
	/* The keep-alive request was acknowledged, so the socket was being read. */
	assert_true(now.in > before.in + 1);
	assert_int_equal(recorder_count(&f->rec), n);
	assert_int_equal(recorder_count(&keep), 0);
	coap_client_cancel_requests(&f->client);
	assert_int_equal(recorder_count(&keep), 1);
	recorder_destroy(&keep);
}

/* CON registration, CON notifications: deregister, then silence. */
static void test_time_deregister(void **state)
{
	deregister_case(*state, true);
}

/* CON registration against "-N" (mostly NON notifications). */
static void test_time_deregister_non_notifications(void **state)
{
	deregister_case(*state, true);
}

/* NON registration: a NON deregistration, then silence. */
static void test_time_deregister_non(void **state)
{
	deregister_case(*state, false);
}

static void make_body(uint8_t *b, size_t n, unsigned int salt)
{
	for (size_t i = 0; i < n; i++) {
		b[i] = (uint8_t)((i * 131 + i / 509 + salt * 7) & 0xff);
	}
}

/*
 * PUT @p total bytes to @p path in blocks of 16 << @p szx (or the client's
 * default when @p szx < 0), then GET it back with early Block2 of the same
 * size (or none) and compare.
 */
static void roundtrip(struct fx *f, const char *path, int szx, size_t total)
{
	uint8_t *body = malloc(total);
	struct upload_tracker up;
	struct body_collector down;
	struct coap_client_option b1 = {.code = COAP_OPTION_BLOCK1, .len = 1};
	struct coap_client_option b2 = {.code = COAP_OPTION_BLOCK2, .len = 1};
	struct coap_client_request put = {
	    .method = COAP_METHOD_PUT,
	    .confirmable = true,
	    .path = path,
	    .fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM,
	    .cb = upload_cb,
	    .user_data = &up,
	};
	struct coap_client_request get = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = path,
	    .cb = collector_cb,
	    .user_data = &down,
	};
	size_t block = szx < 0 ? ZCOAP_CONFIG_BLOCK_SIZE : (size_t)16 << szx;
	int64_t t0 = interop_now_ms();
	struct trace_counts before = trace_counter_get(&f->trace);
	struct trace_counts after;

	assert_non_null(body);
	make_body(body, total, (unsigned int)(szx + 1));
	upload_init(&up);
	collector_init(&down, total + 1024);
	put.payload = body;
	put.len = total;
	if (szx >= 0) {
		b1.value[0] = (uint8_t)szx; /* NUM 0, M 0, SZX */
		b2.value[0] = (uint8_t)szx;
		put.options = &b1;
		put.num_options = 1;
		get.options = &b2;
		get.num_options = 1;
	}

	send_req(f, &put);
	assert_true(upload_wait_done(&up, TRANSFER_WAIT_MS));
	if (up.errors != 0) {
		fail_msg("upload in %zu-byte blocks: %s", block, up.first_error);
	}
	if (up.code != COAP_RESPONSE_CODE_CREATED && up.code != COAP_RESPONSE_CODE_CHANGED) {
		fail_msg("upload in %zu-byte blocks ended with %d", block, up.code);
	}
	assert_int_equal(up.last_offset, total);
	/* One callback per block (2.31 Continue each, then the final code). */
	if (szx >= 0) {
		assert_int_equal(up.callbacks, (total + block - 1) / block);
	}

	send_req(f, &get);
	assert_true(collector_wait_done(&down, TRANSFER_WAIT_MS));
	if (down.errors != 0) {
		fail_msg("download in %zu-byte blocks: %s", block, down.first_error);
	}
	assert_int_equal(down.code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(down.len, total);
	assert_memory_equal(down.buf, body, total);
	if (szx >= 0) {
		assert_int_equal(down.chunks, (total + block - 1) / block);
	} else {
		assert_true(down.chunks > 1);
	}
	assert_true(wait_idle(f, WAIT_MS));
	assert_int_equal(up.late, 0);
	assert_int_equal(down.late, 0);
	/* The wire saw one request per block each way (the callbacks are not the only evidence). */
	after = trace_counter_get(&f->trace);
	if (szx >= 0) {
		assert_true(after.out - before.out >= 2 * ((total + block - 1) / block));
		assert_true(after.in - before.in >= 2 * ((total + block - 1) / block));
	}
	fprintf(stderr, "  %s: %zu bytes up and down, %zu datagrams sent, %lld ms\n", path, total,
		after.out - before.out, (long long)(interop_now_ms() - t0));
	upload_destroy(&up);
	collector_destroy(&down);
	free(body);
}

/* Upload/download block sizes 16..1024, each on its own dynamic resource. */
static void test_block_sizes(void **state)
{
	struct fx *f = *state;

	for (int szx = 0; szx <= 6; szx++) {
		char path[32];

		snprintf(path, sizeof(path), "blk/s%d", szx);
		roundtrip(f, path, szx, BODY_SIZE);
	}
}

/* No size options: the client's default upload size, the server's download size. */
static void test_block_default_sizes(void **state)
{
	roundtrip(*state, "blk/default", -1, BODY_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_time_deregister, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_time_deregister_non_notifications, setup_non,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_time_deregister_non, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block_default_sizes, setup, teardown),
	};

	if (lc_server_binary() == NULL) {
		fprintf(stderr, "coap-server-notls not installed: skipping\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
