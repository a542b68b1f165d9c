/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_manual.c -- event-loop mode (zcoap_loop.h) over loopback UDP
 * against the scripted peer, with no thread but the test's: the test thread
 * plays the server and is the client's loop. Retransmissions, timeouts,
 * separate responses and Block2 run on the real clock, driven by
 * zcoap_client_process() alone.
 *
 * No sleeps: every wait is zcoap_client_process() (bounded by the client's
 * own deadlines) or the peer's bounded receive.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys_util.h"
#include "zcoap_loop.h"

/* Rounds of zcoap_client_process() a test may take before it counts as hung. */
#define MAX_ROUNDS 200

struct mfx {
	struct coap_client client;
	int sock;
	struct peer peer;
	struct recorder rec;
	struct peer_msg req;
};

static int setup(void **state)
{
	struct mfx *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	f->sock = sys_udp_socket();
	if (f->sock < 0 || peer_open(&f->peer) != 0 || zcoap_client_init_manual(&f->client) != 0) {
		return -1;
	}
	recorder_init(&f->rec);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct mfx *f = *state;

	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	close(f->sock);
	peer_close(&f->peer);
	recorder_destroy(&f->rec);
	free(f);
	return 0;
}

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		n += e->d_name[0] != '.';
	}
	closedir(d);
	return n;
}

static struct coap_client_request request(struct mfx *f, const char *path)
{
	struct coap_client_request r = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = path,
	    .cb = recorder_cb,
	    .user_data = &f->rec,
	};

	return r;
}

/* Run the loop until @p n callbacks were recorded. */
static void process_until(struct mfx *f, size_t n)
{
	for (int i = 0; i < MAX_ROUNDS && recorder_count(&f->rec) < n; i++) {
		int r = zcoap_client_process(&f->client, -1);

		assert_true(r >= 0 || r == -EINTR);
	}
	assert_int_equal(recorder_count(&f->rec), n);
}

/* Run the loop until the peer has a datagram waiting. */
static void process_until_peer(struct mfx *f)
{
	for (int i = 0; i < MAX_ROUNDS && !peer_pending(&f->peer); i++) {
		int r = zcoap_client_process(&f->client, -1);

		assert_true(r >= 0 || r == -EINTR);
	}
	assert_true(peer_pending(&f->peer));
}

/* A piggybacked response, its callback in the calling thread; no thread exists. */
static void test_get(void **state)
{
	struct mfx *f = *state;
	struct coap_client_request req = request(f, "a/b");
	struct rec_event ev;

	assert_int_equal(count_threads(), 1);
	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(
	    peer_reply(&f->peer, &f->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "hello", 5), 0);
	process_until(f, 1);
	sys_assert_event(&f->rec, 0, COAP_RESPONSE_CODE_CONTENT, "hello", true);
	ev = recorder_get(&f->rec, 0);
	assert_true(pthread_equal(ev.thread, pthread_self()));
	assert_int_equal(ev.source_port, peer_port(&f->peer));
	assert_int_equal(count_threads(), 1);
	assert_false(coap_client_has_ongoing_exchange(&f->client));
}

/* The retransmission timer fires from zcoap_client_process() (real clock). */
static void test_retransmit(void **state)
{
	struct mfx *f = *state;
	struct coap_transmission_parameters p = sys_params(100, 2);
	struct coap_client_request req = request(f, "r");
	struct peer_msg again;

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, &p), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	process_until_peer(f);
	assert_int_equal(peer_recv(&f->peer, &again, PEER_WAIT_MS), 0);
	assert_int_equal(again.mid, f->req.mid);
	assert_int_equal(again.len, f->req.len);
	assert_int_equal(peer_reply(&f->peer, &again, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "x", 1),
			 0);
	process_until(f, 1);
	sys_assert_event(&f->rec, 0, COAP_RESPONSE_CODE_CONTENT, "x", true);
}

/* No answer at all: -ETIMEDOUT after the last retransmission, from the loop. */
static void test_timeout(void **state)
{
	struct mfx *f = *state;
	struct coap_transmission_parameters p = sys_params(50, 1);
	struct coap_client_request req = request(f, "t");

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, &p), 0);
	process_until(f, 1);
	sys_assert_event(&f->rec, 0, -ETIMEDOUT, NULL, true);
	/* The request and one retransmission went out. */
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_false(peer_pending(&f->peer));
}

/* Empty ACK, then a CON separate response: delivered, and ACKed by the client. */
static void test_separate(void **state)
{
	struct mfx *f = *state;
	struct coap_client_request req = request(f, "s");
	struct peer_msg ack;
	uint16_t mid = peer_next_mid();

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(peer_empty_ack(&f->peer, &f->req), 0);
	assert_int_equal(zcoap_client_process(&f->client, -1), 0);
	assert_int_equal(peer_separate(&f->peer, &f->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4),
			 0);
	process_until(f, 1);
	sys_assert_event(&f->rec, 0, COAP_RESPONSE_CODE_CONTENT, "late", true);
	assert_int_equal(peer_recv(&f->peer, &ack, PEER_WAIT_MS), 0);
	assert_int_equal(ack.type, COAP_TYPE_ACK);
	assert_int_equal(ack.mid, mid);
}

/* A Block2 body in two 16-byte blocks: the next block is asked for from the loop. */
static void test_block2(void **state)
{
	struct mfx *f = *state;
	struct coap_client_request req = request(f, "big");
	uint8_t b0 = 0x08; /* NUM 0, M 1, SZX 0 (16 bytes) */
	uint8_t b1 = 0x10; /* NUM 1, M 0, SZX 0 */
	struct peer_opt o0 = {COAP_OPTION_BLOCK2, 1, &b0};
	struct peer_opt o1 = {COAP_OPTION_BLOCK2, 1, &b1};
	const struct peer_opt *asked;
	struct rec_event ev;

	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	assert_int_equal(peer_reply(&f->peer, &f->req, COAP_RESPONSE_CODE_CONTENT, &o0, 1,
				    "0123456789abcdef", 16),
			 0);
	process_until(f, 1);
	sys_assert_event(&f->rec, 0, COAP_RESPONSE_CODE_CONTENT, "0123456789abcdef", false);
	assert_int_equal(peer_recv(&f->peer, &f->req, PEER_WAIT_MS), 0);
	asked = peer_msg_opt(&f->req, COAP_OPTION_BLOCK2, 0);
	assert_non_null(asked);
	assert_int_equal(asked->len, 1);
	assert_int_equal(asked->val[0] >> 4, 1);
	assert_int_equal(
	    peer_reply(&f->peer, &f->req, COAP_RESPONSE_CODE_CONTENT, &o1, 1, "xyz", 3), 0);
	process_until(f, 2);
	sys_assert_event(&f->rec, 1, COAP_RESPONSE_CODE_CONTENT, "xyz", true);
	ev = recorder_get(&f->rec, 1);
	assert_int_equal(ev.offset, 16);
}

/* A bounded wait with nothing to do returns 0, and a cancel ends requests in the caller. */
static void test_idle_and_cancel(void **state)
{
	struct mfx *f = *state;
	struct coap_client_request req = request(f, "c");

	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(zcoap_client_process(&f->client, 1), 0);
	assert_int_equal(coap_client_req(&f->client, f->sock, peer_sa(&f->peer), &req, NULL), 0);
	coap_client_cancel_requests(&f->client);
	assert_int_equal(recorder_count(&f->rec), 1);
	sys_assert_event(&f->rec, 0, -ECANCELED, NULL, true);
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(recorder_count(&f->rec), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retransmit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_separate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_and_cancel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
