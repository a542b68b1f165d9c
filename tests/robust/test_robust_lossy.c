/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_robust_lossy.c -- the real client over a lossy network: a seeded
 * proxy drops, duplicates and reorders datagrams in both directions
 * between the client and a responder on loopback.
 *
 *   - 1000 CON GETs at 30 % loss, up to ZCOAP_CONFIG_MAX_REQUESTS at once
 *     (some answered with separate responses): each ends exactly once,
 *     with its own 2.05 or -ETIMEDOUT; per message ID the proxy sees at
 *     most 1 + MAX_RETRANSMIT transmissions, exactly that many for the
 *     requests that timed out, and the retransmissions follow the doubling
 *     schedule of RFC 7252 §4.2 (checked on medians, loosely: no timing
 *     precision is asserted);
 *   - a 256 KiB Block2 download and a 256 KiB Block1 upload at 20 % loss
 *     (RFC 7959): byte-exact;
 *   - an observation at 20 % loss with duplicates and reordering
 *     (RFC 7641 §3.4): no stale and no duplicate notification delivered.
 *
 * ZCOAP_ROBUST_SEED overrides the proxy seeds (printed by every test).
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "coap.h"
#include "coap_client.h"
#include "robust_util.h"

#define WAIT_S       60
#define N_GETS       1000
#define GET_ACK_MS   30
#define GET_RETRANS  4
#define BLOCK_BODY   (256U * 1024U)
#define OBS_RUN_MS   3000
#define MAX_OBS_EVTS 4096

struct fix {
	struct coap_client client;
	int sock;
	struct responder *resp;
	struct proxy *proxy;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long done; /* final callbacks */
};

static int fix_setup(void **state, const struct proxy_cfg *pcfg, const struct responder_cfg *rcfg)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->sock = robust_udp_socket();
	if (f->sock < 0 || responder_start(&f->resp, rcfg) != 0 ||
	    proxy_start(&f->proxy, responder_addr(f->resp), pcfg) != 0 ||
	    coap_client_init(&f->client, "robust") != 0) {
		return -1;
	}
	print_message("proxy seed 0x%llx: loss %.2f dup %.2f reorder %.2f (<= %d ms)\n",
		      (unsigned long long)pcfg->seed, pcfg->loss, pcfg->dup, pcfg->reorder,
		      pcfg->reorder_ms);
	*state = f;
	return 0;
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;
	struct proxy_stats st;

	if (f == NULL) {
		return 0;
	}
	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	st = proxy_get_stats(f->proxy);
	print_message("proxy c->s: %lu seen, %lu dropped, %lu duplicated, %lu delayed; "
		      "s->c: %lu seen, %lu dropped, %lu duplicated, %lu delayed\n",
		      st.seen[0], st.dropped[0], st.duplicated[0], st.delayed[0], st.seen[1],
		      st.dropped[1], st.duplicated[1], st.delayed[1]);
	proxy_stop(f->proxy);
	responder_stop(f->resp);
	close(f->sock);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
	*state = NULL;
	return 0;
}

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Wait (bounded) until f->done reaches @p n. */
static bool wait_done(struct fix *f, unsigned long n, int ms)
{
	struct timespec ts;
	bool ok = true;

	deadline_in(&ts, ms);
	pthread_mutex_lock(&f->lock);
	while (f->done < n && ok) {
		ok = pthread_cond_timedwait(&f->cond, &f->lock, &ts) != ETIMEDOUT;
	}
	ok = f->done >= n;
	pthread_mutex_unlock(&f->lock);
	return ok;
}

static void mark_done(struct fix *f)
{
	pthread_mutex_lock(&f->lock);
	f->done++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* ---- (a) 1000 CON GETs at 30 % loss ----------------------------------------------- */

struct get_ctx {
	struct fix *f;
	int idx;
	atomic_int calls;
	atomic_int finals;
	int16_t code;
	bool payload_ok;
};

static void get_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last,
		   void *user_data)
{
	struct get_ctx *c = user_data;
	char want[16];
	int n = snprintf(want, sizeof(want), "r%d", c->idx);

	atomic_fetch_add(&c->calls, 1);
	c->code = code;
	/* The response of this very request: "r<idx>", never another one's. */
	c->payload_ok = code >= 0 && offset == 0 && len == (size_t)n && payload != NULL &&
			memcmp(payload, want, len) == 0;
	if (last) {
		atomic_fetch_add(&c->finals, 1);
		mark_done(c->f);
	}
}

static int setup_gets(void **state)
{
	struct proxy_cfg p = {.loss = 0.30,
			      .dup = 0.05,
			      .reorder = 0.05,
			      .reorder_ms = 20,
			      .seed = robust_seed(0xA11CE)};
	struct responder_cfg r = {.body_len = 16,
				  .upload_cap = 16,
				  .separate_every = 5,
				  .separate_rto_ms = 40,
				  .separate_retrans = 6};

	return fix_setup(state, &p, &r);
}

/* Index of the Uri-Path "r/<idx>" of a logged request, or -1. */
static int logged_index(const struct proxy_rec *rec, uint16_t *mid, uint8_t *type)
{
	uint8_t buf[sizeof(rec->head)];
	struct coap_packet pkt;
	struct coap_option opts[2];
	char num[16];
	size_t len = rec->len < sizeof(buf) ? rec->len : sizeof(buf);

	memcpy(buf, rec->head, len);
	if (coap_packet_parse(&pkt, buf, (uint16_t)len, NULL, 0) != 0 ||
	    coap_header_get_code(&pkt) != COAP_METHOD_GET) {
		return -1;
	}
	if (coap_find_options(&pkt, COAP_OPTION_URI_PATH, opts, 2) != 2 || opts[0].len != 1 ||
	    opts[0].value[0] != 'r' || opts[1].len == 0 || opts[1].len >= sizeof(num)) {
		return -1;
	}
	memcpy(num, opts[1].value, opts[1].len);
	num[opts[1].len] = '\0';
	*mid = coap_header_get_id(&pkt);
	*type = coap_header_get_type(&pkt);
	return atoi(num);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct mid_track {
	int idx;
	int count;
	int64_t t[8];
};

static void test_con_gets_30_percent_loss(void **state)
{
	struct fix *f = *state;
	struct coap_transmission_parameters params = {
	    .ack_timeout = GET_ACK_MS,
	    .ack_random_percent = 100,
	    .coap_backoff_percent = 200,
	    .max_retransmission = GET_RETRANS,
	};
	struct get_ctx *ctx = calloc(N_GETS, sizeof(*ctx));
	struct mid_track *mids = calloc(65536, sizeof(*mids));
	int *mid_of = malloc(N_GETS * sizeof(int));
	struct proxy_rec *log = NULL;
	size_t nlog;
	int ok = 0;
	int timeouts = 0;
	int64_t *samples = malloc(N_GETS * sizeof(int64_t));

	assert_non_null(ctx);
	assert_non_null(mids);
	assert_non_null(mid_of);
	assert_non_null(samples);
	/* A separate response that never arrives must not hold the test for 247 s. */
	assert_int_equal(zcoap_client_set_separate_timeout(&f->client, 3000), 0);
	for (int i = 0; i < N_GETS; i++) {
		char path[16];
		struct coap_client_request req = {
		    .method = COAP_METHOD_GET,
		    .confirmable = true,
		    .path = path,
		    .cb = get_cb,
		    .user_data = &ctx[i],
		};
		int r;

		ctx[i].f = f;
		ctx[i].idx = i;
		snprintf(path, sizeof(path), "r/%d", i);
		/* Keep every slot busy: on -EAGAIN wait for some request to end. */
		for (;;) {
			unsigned long before;

			pthread_mutex_lock(&f->lock);
			before = f->done;
			pthread_mutex_unlock(&f->lock);
			r = coap_client_req(&f->client, f->sock, proxy_addr(f->proxy), &req,
					    &params);
			if (r != -EAGAIN) {
				break;
			}
			assert_true(wait_done(f, before + 1, WAIT_S * 1000));
		}
		assert_int_equal(r, 0);
	}
	assert_true(wait_done(f, N_GETS, WAIT_S * 1000));

	for (int i = 0; i < N_GETS; i++) {
		/* Exactly one callback, final, with its own 2.05 or -ETIMEDOUT. */
		assert_int_equal(atomic_load(&ctx[i].calls), 1);
		assert_int_equal(atomic_load(&ctx[i].finals), 1);
		if (ctx[i].code == COAP_RESPONSE_CODE_CONTENT) {
			assert_true(ctx[i].payload_ok);
			ok++;
		} else {
			assert_int_equal(ctx[i].code, -ETIMEDOUT);
			timeouts++;
		}
		mid_of[i] = -1;
	}
	print_message("%d x 2.05, %d x -ETIMEDOUT\n", ok, timeouts);

	/* What went over the wire, per message ID (RFC 7252 §4.2). */
	nlog = proxy_log(f->proxy, &log);
	assert_non_null(log);
	for (size_t k = 0; k < nlog; k++) {
		uint16_t mid;
		uint8_t type;
		int idx = logged_index(&log[k], &mid, &type);
		struct mid_track *m = &mids[mid];

		if (idx < 0) {
			continue; /* Empty ACKs for separate responses */
		}
		assert_true(idx < N_GETS);
		assert_int_equal(type, COAP_TYPE_CON);
		if (m->count == 0) {
			m->idx = idx;
			/* One message ID per request: no request is re-sent under a new one. */
			assert_int_equal(mid_of[idx], -1);
			mid_of[idx] = mid;
		}
		assert_int_equal(m->idx, idx);
		assert_true(m->count < 1 + GET_RETRANS);
		m->t[m->count++] = log[k].t_us;
	}
	for (int i = 0; i < N_GETS; i++) {
		assert_true(mid_of[i] >= 0);
		if (ctx[i].code == -ETIMEDOUT && mids[mid_of[i]].count != 1 + GET_RETRANS) {
			/* Acknowledged, then the separate response never came: fewer sends. */
			assert_true(i % 5 == 2);
		}
	}
	/* Retransmission i comes T * (2^i - 1) after the first send (medians, loose bounds). */
	for (int i = 1; i <= GET_RETRANS; i++) {
		size_t n = 0;
		double expect = GET_ACK_MS * (double)((1 << i) - 1) * 1000.0;
		double ratio;

		for (int k = 0; k < N_GETS; k++) {
			const struct mid_track *m = &mids[mid_of[k]];

			if (m->count > i) {
				samples[n++] = m->t[i] - m->t[0];
			}
		}
		if (n < 5) {
			continue;
		}
		qsort(samples, n, sizeof(samples[0]), cmp_i64);
		ratio = (double)samples[n / 2] / expect;
		print_message("retransmission %d: %zu samples, median %.1f ms after the first "
			      "send (schedule %.0f ms)\n",
			      i, n, (double)samples[n / 2] / 1000.0, expect / 1000.0);
		assert_true(ratio > 0.9 && ratio < 3.0);
	}
	free(log);
	free(samples);
	free(mid_of);
	free(mids);
	free(ctx);
}

/* ---- (b) block-wise at 20 % loss ------------------------------------------------------ */

struct xfer {
	struct fix *f;
	uint8_t *buf;
	size_t got;
	int calls_after_last;
	bool finished;
	bool order_ok;
	int16_t code;
	size_t progress; /* Block1: offset of the last progress callback */
};

static void download_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last,
			void *user_data)
{
	struct xfer *x = user_data;

	if (x->finished) {
		x->calls_after_last++;
		return;
	}
	x->code = code;
	/* Every byte once, in order (RFC 7959 §2.2): offset = bytes delivered so far. */
	if (code >= 0 && offset == x->got && x->got + len <= BLOCK_BODY) {
		if (len > 0) {
			memcpy(x->buf + x->got, payload, len);
		}
		x->got += len;
	} else if (code >= 0) {
		x->order_ok = false;
	}
	if (last) {
		x->finished = true;
		mark_done(x->f);
	}
}

static void upload_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last,
		      void *user_data)
{
	struct xfer *x = user_data;

	(void)payload;
	(void)len;
	if (x->finished) {
		x->calls_after_last++;
		return;
	}
	x->code = code;
	if (!last) {
		/* Progress after each 2.31: bytes sent so far, growing. */
		if (code != COAP_RESPONSE_CODE_CONTINUE || offset <= x->progress ||
		    offset > BLOCK_BODY) {
			x->order_ok = false;
		}
		x->progress = offset;
		return;
	}
	x->finished = true;
	mark_done(x->f);
}

static int setup_blocks_seed(void **state, uint64_t seed)
{
	struct proxy_cfg p = {
	    .loss = 0.20, .dup = 0.05, .reorder = 0.05, .reorder_ms = 15, .seed = seed};
	struct responder_cfg r = {.body_len = BLOCK_BODY, .upload_cap = BLOCK_BODY};

	return fix_setup(state, &p, &r);
}

static int setup_download(void **state)
{
	return setup_blocks_seed(state, robust_seed(0xB10C2));
}

static int setup_upload(void **state)
{
	return setup_blocks_seed(state, robust_seed(0xB10C1) ^ 1U);
}

/*
 * 256 round trips at 20 % loss each way: with the default five transmissions
 * a whole transfer would fail most of the time, so these transfers keep
 * trying (constant 20 ms timeout, 30 retransmissions).
 */
static struct coap_transmission_parameters block_params(void)
{
	struct coap_transmission_parameters p = {
	    .ack_timeout = 20,
	    .ack_random_percent = 100,
	    .coap_backoff_percent = 100,
	    .max_retransmission = 30,
	};

	return p;
}

static void test_block2_download_20_percent_loss(void **state)
{
	struct fix *f = *state;
	struct coap_transmission_parameters params = block_params();
	struct xfer x = {.f = f, .buf = malloc(BLOCK_BODY), .order_ok = true};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "big",
	    .cb = download_cb,
	    .user_data = &x,
	};
	size_t bad = 0;

	assert_non_null(x.buf);
	assert_int_equal(coap_client_req(&f->client, f->sock, proxy_addr(f->proxy), &req, &params),
			 0);
	assert_true(wait_done(f, 1, WAIT_S * 1000));
	assert_int_equal(x.code, COAP_RESPONSE_CODE_CONTENT);
	assert_true(x.order_ok);
	assert_int_equal(x.got, BLOCK_BODY);
	for (size_t i = 0; i < BLOCK_BODY; i++) {
		bad += x.buf[i] != robust_pattern(i);
	}
	assert_int_equal(bad, 0);
	/* Nothing after the final callback (late duplicates are not delivered). */
	assert_false(coap_client_has_ongoing_exchange(&f->client));
	assert_int_equal(x.calls_after_last, 0);
	free(x.buf);
}

static void test_block1_upload_20_percent_loss(void **state)
{
	struct fix *f = *state;
	struct coap_transmission_parameters params = block_params();
	uint8_t *body = malloc(BLOCK_BODY);
	struct xfer x = {.f = f, .order_ok = true};
	struct coap_client_request req = {
	    .method = COAP_METHOD_PUT,
	    .confirmable = true,
	    .path = "up",
	    .fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM,
	    .cb = upload_cb,
	    .user_data = &x,
	};
	const uint8_t *stored;
	size_t n;

	assert_non_null(body);
	for (size_t i = 0; i < BLOCK_BODY; i++) {
		body[i] = robust_pattern(i);
	}
	req.payload = body;
	req.len = BLOCK_BODY;
	assert_int_equal(coap_client_req(&f->client, f->sock, proxy_addr(f->proxy), &req, &params),
			 0);
	assert_true(wait_done(f, 1, WAIT_S * 1000));
	assert_int_equal(x.code, COAP_RESPONSE_CODE_CHANGED);
	assert_true(x.order_ok);
	n = responder_upload(f->resp, &stored);
	assert_int_equal(n, BLOCK_BODY);
	assert_memory_equal(stored, body, BLOCK_BODY);
	assert_int_equal(x.calls_after_last, 0);
	free(body);
}

/* ---- (c) observe at 20 % loss ----------------------------------------------------------- */

struct obs_evt {
	int16_t code;
	bool last;
	bool has_observe;
	uint32_t observe;
	bool payload_ok;
};

struct obs_ctx {
	struct fix *f;
	pthread_mutex_t lock;
	struct obs_evt ev[MAX_OBS_EVTS];
	size_t n;
	int finals;
};

static void obs_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last,
		   void *user_data)
{
	struct obs_ctx *c = user_data;
	const struct zcoap_response_info *info = zcoap_client_response_info();
	struct obs_evt e = {.code = code, .last = last};

	if (code >= 0 && info != NULL) {
		char want[32];
		int n;

		e.has_observe = info->has_observe;
		e.observe = info->observe;
		n = snprintf(want, sizeof(want), "seq=%u", (unsigned int)info->observe);
		e.payload_ok = offset == 0 && len == (size_t)n && payload != NULL &&
			       memcmp(payload, want, len) == 0;
	}
	pthread_mutex_lock(&c->lock);
	if (c->n < MAX_OBS_EVTS) {
		c->ev[c->n++] = e;
	}
	if (code < 0) {
		c->finals++;
	}
	pthread_mutex_unlock(&c->lock);
	if (code < 0) {
		mark_done(c->f);
	}
}

static int setup_observe(void **state)
{
	struct proxy_cfg p = {.loss = 0.20,
			      .dup = 0.15,
			      .reorder = 0.20,
			      .reorder_ms = 70,
			      .seed = robust_seed(0x0B5E)};
	struct responder_cfg r = {.body_len = 16, .upload_cap = 16, .notify_ms = 20};

	return fix_setup(state, &p, &r);
}

static void test_observe_20_percent_loss(void **state)
{
	struct fix *f = *state;
	struct coap_transmission_parameters params = {
	    .ack_timeout = 50,
	    .ack_random_percent = 100,
	    .coap_backoff_percent = 150,
	    .max_retransmission = 20,
	};
	struct obs_ctx *c = calloc(1, sizeof(*c));
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "obs",
	    .cb = obs_cb,
	    .options = &obs,
	    .num_options = 1,
	    .observe_liveness = ZCOAP_OBSERVE_WAIT,
	};
	struct coap_client_request pattern = {0};
	struct proxy_stats st;
	uint32_t prev = 0;
	size_t delivered = 0;

	assert_non_null(c);
	pthread_mutex_init(&c->lock, NULL);
	c->f = f;
	req.user_data = c;
	pattern.user_data = c;
	assert_int_equal(coap_client_req(&f->client, f->sock, proxy_addr(f->proxy), &req, &params),
			 0);
	/* Let notifications flow; nothing waits on them except this bounded pause. */
	assert_false(wait_done(f, 1, OBS_RUN_MS));
	coap_client_cancel_request(&f->client, &pattern);
	assert_true(wait_done(f, 1, WAIT_S * 1000));

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++) {
		const struct obs_evt *e = &c->ev[i];

		if (i + 1 == c->n) {
			/* The last callback is the cancellation, and there is one. */
			assert_int_equal(e->code, -ECANCELED);
			assert_true(e->last);
			break;
		}
		assert_int_equal(e->code, COAP_RESPONSE_CODE_CONTENT);
		assert_true(e->has_observe);
		assert_true(e->last); /* single-block notifications */
		assert_true(e->payload_ok);
		/* RFC 7641 §3.4: only newer notifications; no duplicate, nothing stale. */
		assert_true(e->observe > prev);
		prev = e->observe;
		delivered++;
	}
	assert_int_equal(c->finals, 1);
	pthread_mutex_unlock(&c->lock);
	st = proxy_get_stats(f->proxy);
	print_message("%zu notifications delivered, last sequence number %u\n", delivered,
		      (unsigned int)prev);
	/* Not vacuous: the network really duplicated and reordered notifications. */
	assert_true(delivered >= 10);
	assert_true(st.duplicated[PROXY_S2C] > 0 && st.delayed[PROXY_S2C] > 0);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_con_gets_30_percent_loss, setup_gets,
					    fix_teardown),
	    cmocka_unit_test_setup_teardown(test_block2_download_20_percent_loss, setup_download,
					    fix_teardown),
	    cmocka_unit_test_setup_teardown(test_block1_upload_20_percent_loss, setup_upload,
					    fix_teardown),
	    cmocka_unit_test_setup_teardown(test_observe_20_percent_loss, setup_observe,
					    fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
