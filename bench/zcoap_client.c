/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_client.c -- the zcoap side of the benchmarks, through the public
 * API only (coap_client.h), as an application would use it.
 *
 * Usage: zbench_zcoap seq <port> <n> [pause_us]  n CON GETs; the main thread waits
 *                                            for each callback, then sends the next
 *                                            (after pause_us microseconds, if given:
 *                                            the "quiet" case, where the receive
 *                                            thread is always asleep in poll() when
 *                                            the next request comes)
 *        zbench_zcoap inflight <port> <n> <k>  n CON GETs, k in flight: each
 *                                            callback submits the next request
 *        zbench_zcoap block <port>            1 MiB Block2 download of "big"
 *        zbench_zcoap mseq|minflight|mblock ... the same in event-loop mode
 *                                            (zcoap_loop.h): no client thread; the
 *                                            main thread runs zcoap_client_process()
 *                                            until the callback says it is done
 *
 * The socket is connected, so requests pass addr = NULL (as libcoap's client
 * sessions and the raw baseline use connected sockets too).
 */
#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "coap_client.h"
#include "zcoap_loop.h"

static struct coap_client client;
static int sock;
static sem_t done;
static volatile int failure;
static bool manual;      /* event-loop mode */
static bool manual_done; /* manual mode: what sem_post(&done) says in thread mode */

/* The callback's "done": wakes the main thread (thread mode) or ends its loop. */
static void signal_done(void)
{
	if (manual) {
		manual_done = true;
	} else {
		sem_post(&done);
	}
}

/* Wait for signal_done(): on the semaphore, or running the client's loop. */
static void wait_done(void)
{
	if (manual) {
		while (!manual_done) {
			int r = zcoap_client_process(&client, -1);

			if (r < 0 && r != -EINTR) {
				zbench_die("zcoap: zcoap_client_process: %d", r);
			}
		}
		manual_done = false;
		return;
	}
	while (sem_wait(&done) != 0 && errno == EINTR) {
	}
}

/* ---- sequential ------------------------------------------------------- */

static void seq_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
		   void *user_data)
{
	(void)offset;
	(void)user_data;
	if (code != COAP_RESPONSE_CODE_CONTENT || len != ZBENCH_SMALL_PAYLOAD_LEN ||
	    memcmp(payload, ZBENCH_SMALL_PAYLOAD, len) != 0 || !last_block) {
		failure = code;
	}
	signal_done();
}

static void run_seq(unsigned long n, unsigned long pause_us)
{
	struct timespec pause = {
	    .tv_sec = (time_t)(pause_us / 1000000UL),
	    .tv_nsec = (long)(pause_us % 1000000UL) * 1000L,
	};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "t",
	    .cb = seq_cb,
	};
	uint64_t t0 = zbench_now_ns();
	uint64_t c0 = zbench_cpu_ns();

	for (unsigned long i = 0; i < n; i++) {
		int r = coap_client_req(&client, sock, NULL, &req, NULL);

		if (r < 0) {
			zbench_die("zcoap: coap_client_req: %d", r);
		}
		wait_done();
		if (failure != 0) {
			zbench_die("zcoap: request %lu failed: %d", i, failure);
		}
		if (pause_us > 0) {
			/* Not synchronisation: only lets the receive thread go to sleep. */
			while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
			}
			pause.tv_sec = (time_t)(pause_us / 1000000UL);
			pause.tv_nsec = (long)(pause_us % 1000000UL) * 1000L;
		}
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, n);
}

/* ---- k in flight -------------------------------------------------------- */

static unsigned long total;
static atomic_ulong issued;
static atomic_ulong completed;

static void inflight_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data);

static struct coap_client_request inflight_req = {
    .method = COAP_METHOD_GET,
    .confirmable = true,
    .path = "t",
    .cb = inflight_cb,
};

static void submit_next(void)
{
	if (atomic_fetch_add(&issued, 1) < total) {
		int r = coap_client_req(&client, sock, NULL, &inflight_req, NULL);

		if (r < 0) {
			failure = r;
			signal_done();
		}
	}
}

static void inflight_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	(void)offset;
	(void)payload;
	(void)user_data;
	if (code != COAP_RESPONSE_CODE_CONTENT || len != ZBENCH_SMALL_PAYLOAD_LEN || !last_block) {
		failure = code;
		signal_done();
		return;
	}
	/* The slot of this request is already free: the next one can take it. */
	submit_next();
	if (atomic_fetch_add(&completed, 1) + 1 == total) {
		signal_done();
	}
}

static void run_inflight(unsigned long n, unsigned long k)
{
	uint64_t t0;
	uint64_t c0;

	total = n;
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	for (unsigned long i = 0; i < k && i < n; i++) {
		submit_next();
	}
	wait_done();
	if (failure != 0) {
		zbench_die("zcoap: inflight failed: %d", failure);
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, n);
}

/* ---- Block2 ------------------------------------------------------------- */

static uint8_t *body;
static size_t body_len;
static unsigned long blocks;

static void block_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		     bool last_block, void *user_data)
{
	(void)user_data;
	if (code != COAP_RESPONSE_CODE_CONTENT || offset != body_len ||
	    offset + len > ZBENCH_BODY_SIZE) {
		failure = code < 0 ? code : -EBADMSG;
		signal_done();
		return;
	}
	memcpy(body + offset, payload, len);
	body_len += len;
	blocks++;
	if (last_block) {
		signal_done();
	}
}

static void run_block(void)
{
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "big",
	    .cb = block_cb,
	};
	uint64_t t0;
	uint64_t c0;
	int r;

	body = calloc(1, ZBENCH_BODY_SIZE);
	if (body == NULL) {
		zbench_die("zcoap: out of memory");
	}
	t0 = zbench_now_ns();
	c0 = zbench_cpu_ns();
	r = coap_client_req(&client, sock, NULL, &req, NULL);
	if (r < 0) {
		zbench_die("zcoap: coap_client_req: %d", r);
	}
	wait_done();
	if (failure != 0) {
		zbench_die("zcoap: block download failed: %d", failure);
	}
	zbench_report(zbench_now_ns() - t0, zbench_cpu_ns() - c0, blocks);
	if (!zbench_body_ok(body, body_len)) {
		exit(1);
	}
	free(body);
}

#define USAGE                                                                                      \
	"usage: %s [m]seq <port> <n> [pause_us] | [m]inflight <port> <n> <k> | [m]block <port>"

int main(int argc, char **argv)
{
	int r;

	if (argc < 3) {
		zbench_die(USAGE, argv[0]);
	}
	sock = zbench_connect((uint16_t)zbench_arg(argv[2], "port"));
	sem_init(&done, 0, 0);
	if (argv[1][0] == 'm') {
		manual = true;
		argv[1]++;
		r = zcoap_client_init_manual(&client);
	} else {
		r = coap_client_init(&client, "zbench");
	}
	if (r < 0) {
		zbench_die("zcoap: client init: %d", r);
	}
	if (strcmp(argv[1], "seq") == 0 && (argc == 4 || argc == 5)) {
		run_seq(zbench_arg(argv[3], "n"), argc == 5 ? zbench_arg(argv[4], "pause_us") : 0);
	} else if (strcmp(argv[1], "inflight") == 0 && argc == 5) {
		unsigned long k = zbench_arg(argv[4], "k");

		if (k == 0 || k > ZCOAP_CONFIG_MAX_REQUESTS) {
			zbench_die("zcoap: k must be 1..%d (ZCOAP_CONFIG_MAX_REQUESTS)",
				   ZCOAP_CONFIG_MAX_REQUESTS);
		}
		run_inflight(zbench_arg(argv[3], "n"), k);
	} else if (strcmp(argv[1], "block") == 0) {
		run_block();
	} else {
		zbench_die(USAGE, argv[0]);
	}
	zcoap_client_deinit(&client);
	return 0;
}
