/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_interop_libcoap.c -- the zcoap client against libcoap's example
 * server (coap-server-notls, Debian libcoap3-bin 4.3.1), started per test on
 * a free loopback port. Exits 77 (skipped) when the server is not installed.
 *
 * Resources of the 4.3.1 example server used here: /.well-known/core,
 * / (a text banner), /time (observable, a notification per second),
 * /async?N (Empty ACK, then a CON "done" after N seconds), and with "-d N"
 * resources created by PUT, read back with GET and removed with DELETE.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap.h"
#include "coap_client.h"
#include "libcoap_server.h"
#include "recorder.h"
#ifdef INTEROP_MANUAL_MODE
#include "manual_loop.h"
#endif

#define WAIT_MS 10000

/* Datagrams seen by the trace hook: enough to find the RST after a cancel. */
struct trace_log {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t rst_out; /* RST datagrams the client sent */
	size_t in;      /* datagrams received */
};

struct fx {
	struct lc_server srv;
	struct coap_client client;
	int sock;
	struct recorder rec;
	struct trace_log trace;
#ifdef INTEROP_MANUAL_MODE
	struct manual_loop loop; /* event-loop mode, driven by an application thread */
#endif
};

static const char *const dyn_args[] = {"-d", "10", "-v", "0", NULL};

static int udp_socket(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -1;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void trace_hook(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	struct trace_log *t = user_data;

	pthread_mutex_lock(&t->lock);
	if (outgoing && len == 4 && (data[0] & 0x30) == 0x30) {
		t->rst_out++;
	}
	if (!outgoing) {
		t->in++;
	}
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static bool trace_wait_rst(struct trace_log *t, size_t n, int timeout_ms)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	pthread_mutex_lock(&t->lock);
	while (t->rst_out < n) {
		if (pthread_cond_timedwait(&t->cond, &t->lock, &dl) == ETIMEDOUT) {
			break;
		}
	}
	ok = t->rst_out >= n;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	if (lc_server_start(&f->srv, dyn_args) != 0) {
		free(f);
		return -1;
	}
	f->sock = udp_socket();
#ifdef INTEROP_MANUAL_MODE
	if (f->sock < 0 || manual_loop_start(&f->loop, &f->client) != 0) {
		return -1;
	}
#else
	if (f->sock < 0 || coap_client_init(&f->client, "interop") != 0) {
		return -1;
	}
#endif
	recorder_init(&f->rec);
	pthread_mutex_init(&f->trace.lock, NULL);
	pthread_cond_init(&f->trace.cond, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

#ifdef INTEROP_MANUAL_MODE
	assert_int_equal(manual_loop_stop(&f->loop), 0);
#else
	assert_int_equal(zcoap_client_deinit(&f->client), 0);
#endif
	close(f->sock);
	lc_server_stop(&f->srv);
	recorder_destroy(&f->rec);
	pthread_cond_destroy(&f->trace.cond);
	pthread_mutex_destroy(&f->trace.lock);
	free(f);
	return 0;
}

static struct coap_client_request request(struct fx *f, enum coap_method m, bool con,
					  const char *path)
{
	struct coap_client_request r = {
	    .method = m,
	    .confirmable = con,
	    .path = path,
	    .fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN,
	    .cb = recorder_cb,
	    .user_data = &f->rec,
	};

	return r;
}

static void send_req(struct fx *f, struct coap_client_request *r)
{
	assert_int_equal(
	    coap_client_req(&f->client, f->sock, (struct sockaddr *)&f->srv.addr, r, NULL), 0);
}

/* Wait for the final callback of the request whose events start at @p first. */
static size_t wait_final(struct recorder *r, size_t first)
{
	size_t n = first + 1;

	for (;;) {
		assert_true(recorder_wait(r, n, WAIT_MS));
		if (recorder_get(r, n - 1).last_block) {
			return n - 1;
		}
		n++;
		assert_true(n <= RECORDER_MAX_EVENTS);
	}
}

/* Concatenate the payloads of events first..last, checking offsets. */
static size_t join_body(struct recorder *r, size_t first, size_t last, uint8_t *out, size_t cap)
{
	size_t off = 0;

	for (size_t i = first; i <= last; i++) {
		struct rec_event ev = recorder_get(r, i);

		assert_true(ev.code >= 0);
		assert_int_equal(ev.offset, off);
		assert_true(off + ev.len <= cap);
		if (ev.len > 0) {
			memcpy(out + off, ev.payload, ev.len);
		}
		off += ev.len;
	}
	return off;
}

static bool body_contains(struct recorder *r, size_t i, const char *needle)
{
	struct rec_event ev = recorder_get(r, i);
	char *text = calloc(1, ev.len + 1);
	bool found;

	assert_non_null(text);
	if (ev.len > 0) {
		memcpy(text, ev.payload, ev.len);
	}
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

static void test_well_known_core(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = request(f, COAP_METHOD_GET, true, "/.well-known/core");
	size_t last;

	send_req(f, &r);
	last = wait_final(&f->rec, 0);
	assert_int_equal(last, 0);
	assert_int_equal(recorder_get(&f->rec, 0).code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(body_contains(&f->rec, 0, "</time>"));
	assert_true(body_contains(&f->rec, 0, "</async>"));
}

static void test_dynamic_put_get_delete(void **state)
{
	struct fx *f = *state;
	struct coap_client_request put = request(f, COAP_METHOD_PUT, true, "dyn/res");
	struct coap_client_request get = request(f, COAP_METHOD_GET, true, "dyn/res");
	struct coap_client_request del = request(f, COAP_METHOD_DELETE, true, "dyn/res");
	int16_t code;

	put.payload = (const uint8_t *)"hello zcoap";
	put.len = 11;
	send_req(f, &put);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	code = recorder_get(&f->rec, 0).code;
	assert_true(code == COAP_RESPONSE_CODE_CREATED || code == COAP_RESPONSE_CODE_CHANGED);

	send_req(f, &get);
	assert_true(recorder_wait(&f->rec, 2, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 1).code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(recorder_payload_is(&f->rec, 1, "hello zcoap", 11));

	send_req(f, &del);
	assert_true(recorder_wait(&f->rec, 3, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 2).code, COAP_RESPONSE_CODE_DELETED);

	send_req(f, &get);
	assert_true(recorder_wait(&f->rec, 4, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 3).code, COAP_RESPONSE_CODE_NOT_FOUND);
	assert_true(recorder_get(&f->rec, 3).last_block);
}

static void test_non_get(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = request(f, COAP_METHOD_GET, false, "time");
	struct rec_event ev;

	send_req(f, &r);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	ev = recorder_get(&f->rec, 0);
	assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(ev.len > 0);
	assert_true(ev.last_block);
}

/* /async?1: Empty ACK now, CON 2.05 "done" a second later (separate response). */
static void test_separate_async(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = request(f, COAP_METHOD_GET, true, "async?1");

	send_req(f, &r);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 0).code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(recorder_payload_is(&f->rec, 0, "done", 4));
	assert_true(recorder_get(&f->rec, 0).last_block);
}

static void test_not_found(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = request(f, COAP_METHOD_GET, true, "no/such/thing");

	send_req(f, &r);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 0).code, COAP_RESPONSE_CODE_NOT_FOUND);
	assert_true(recorder_get(&f->rec, 0).last_block);
}

static void test_two_concurrent(void **state)
{
	struct fx *f = *state;
	struct recorder rec2;
	struct coap_client_request a = request(f, COAP_METHOD_GET, true, "time");
	struct coap_client_request b = request(f, COAP_METHOD_GET, true, ".well-known/core");

	recorder_init(&rec2);
	b.user_data = &rec2;
	send_req(f, &a);
	send_req(f, &b);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	assert_true(recorder_wait(&rec2, 1, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 0).code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(recorder_get(&rec2, 0).code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(body_contains(&rec2, 0, "</time>"));
	assert_false(body_contains(&f->rec, 0, "</time>"));
	recorder_destroy(&rec2);
}

static void test_connected_socket(void **state)
{
	struct fx *f = *state;
	struct coap_client_request r = request(f, COAP_METHOD_GET, true, "/.well-known/core");
	int sock = udp_socket();

	assert_true(sock >= 0);
	assert_int_equal(connect(sock, (struct sockaddr *)&f->srv.addr, sizeof(f->srv.addr)), 0);
	assert_int_equal(coap_client_req(&f->client, sock, NULL, &r, NULL), 0);
	assert_true(recorder_wait(&f->rec, 1, WAIT_MS));
	assert_int_equal(recorder_get(&f->rec, 0).code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(body_contains(&f->rec, 0, "</time>"));
	coap_client_cancel_requests(&f->client);
	close(sock);
}

/*
 * Observe /time: the registration response and two notifications, then
 * cancel. The trace hook shows the client answering the next notification
 * with RST, and no callback follows the -ECANCELED.
 */
static void test_observe_time(void **state)
{
	struct fx *f = *state;
	static const struct coap_client_option obs = {
	    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct coap_client_request r = request(f, COAP_METHOD_GET, true, "time");

	r.options = &obs;
	r.num_options = 1;
	assert_int_equal(zcoap_client_set_trace(&f->client, trace_hook, &f->trace), 0);
	send_req(f, &r);
	assert_true(recorder_wait(&f->rec, 3, WAIT_MS));
	for (size_t i = 0; i < 3; i++) {
		struct rec_event ev = recorder_get(&f->rec, i);

		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(ev.last_block);
		assert_true(ev.has_observe);
		assert_true(ev.len > 0);
	}
	coap_client_cancel_requests(&f->client);
	assert_int_equal(recorder_count(&f->rec), 4);
	assert_int_equal(recorder_get(&f->rec, 3).code, -ECANCELED);
	/* Keep a request on the socket so the client still reads it. */
	{
		struct recorder keep;
		struct coap_client_request k = request(f, COAP_METHOD_GET, true, "async?9");

		recorder_init(&keep);
		k.user_data = &keep;
		send_req(f, &k);
		assert_true(trace_wait_rst(&f->trace, 1, WAIT_MS));
		coap_client_cancel_requests(&f->client);
		assert_int_equal(recorder_count(&keep), 1);
		recorder_destroy(&keep);
	}
	assert_int_equal(recorder_count(&f->rec), 4);
	assert_int_equal(zcoap_client_set_trace(&f->client, NULL, NULL), 0);
}

/* PUT 5000 bytes (Block1), GET them back (Block2), compare byte for byte. */
static void test_block_roundtrip(void **state)
{
	struct fx *f = *state;
	const size_t total = 5000;
	uint8_t *body = malloc(total);
	uint8_t *got = malloc(total + 1);
	struct coap_client_request put = request(f, COAP_METHOD_PUT, true, "big");
	struct coap_client_request get = request(f, COAP_METHOD_GET, true, "big");
	size_t last, n;
	int16_t code;

	assert_non_null(body);
	assert_non_null(got);
	for (size_t i = 0; i < total; i++) {
		body[i] = (uint8_t)('A' + (i * 31 + i / 97) % 58);
	}
	put.payload = body;
	put.len = total;
	put.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	send_req(f, &put);
	last = wait_final(&f->rec, 0);
	assert_true(last >= 1); /* more than one block went out */
	for (size_t i = 0; i < last; i++) {
		assert_int_equal(recorder_get(&f->rec, i).code, COAP_RESPONSE_CODE_CONTINUE);
		assert_false(recorder_get(&f->rec, i).last_block);
	}
	code = recorder_get(&f->rec, last).code;
	assert_true(code == COAP_RESPONSE_CODE_CREATED || code == COAP_RESPONSE_CODE_CHANGED);
	assert_int_equal(recorder_get(&f->rec, last).offset, total);

	send_req(f, &get);
	n = wait_final(&f->rec, last + 1);
	assert_true(n > last + 1); /* more than one block came back */
	assert_int_equal(join_body(&f->rec, last + 1, n, got, total + 1), total);
	assert_memory_equal(got, body, total);
	free(body);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_well_known_core, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dynamic_put_get_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_non_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_separate_async, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_concurrent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connected_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_observe_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block_roundtrip, setup, teardown),
	};

	if (lc_server_binary() == NULL) {
		fprintf(stderr, "coap-server-notls not installed: skipping\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
