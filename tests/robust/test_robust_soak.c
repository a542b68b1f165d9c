/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_robust_soak.c -- concurrency soak: 8 application threads share one
 * client and hammer coap-server-notls with requests (CON and NON GETs, PUTs,
 * delayed separate responses from /async, CON and NON observations of
 * /time), cancels by various patterns (one request, a path, a callback,
 * everything), deregistrations, and callbacks that cancel or deregister
 * themselves or other requests (nested: the other request's final callback
 * runs inside theirs, on the client thread or on the thread that ended the
 * callback's own request; and a nested callback may end the request of the
 * callback it is nested in, whose final callback then comes after that
 * one has returned).
 *
 * Runs for $ZCOAP_SOAK_SECONDS (default 10). Checked at the end:
 *   - every request whose coap_client_req() returned 0 got exactly one
 *     final callback (last_block with a negative code, or a response that
 *     ends it: any non-observe response, or a notification without Observe
 *     or with an error code, or the response to its deregistration) -- a
 *     callback that cancels its own observation ends it without a callback
 *     (threading.md), unless another thread's cancel got there first, which
 *     then delivers its -ECANCELED;
 *   - the final callback is the last one: no callback after a request's
 *     end, and no two callbacks of one request at the same time (a final
 *     -ECANCELED of another thread's cancel or deregistration while a
 *     notification callback still runs, or a callback re-entered from a
 *     nested one); none for a refused request (each request has its own
 *     user_data, so every callback is attributed);
 *   - no deadlock: the threads stop within a bounded time (else the test
 *     fails instead of hanging);
 *   - no descriptor leak, and flat memory: the resident size after the first
 *     quarter of the run does not grow by more than 8 MiB (not checked under
 *     sanitizers or valgrind, which have their own accounting; valgrind and
 *     TSan themselves report leaks and races when CI runs this test under
 *     them).
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
#include "libcoap_server.h"
#include "port/posix/port_posix.h"
#include "robust_util.h"

#define THREADS  8
#define MAX_REQS 200000 /* requests per thread (each gets its own tracking record) */
#define RECENT   32     /* recent requests a thread may cancel or deregister */
#define JOIN_S   30     /* longest wait for the threads to stop */
#define VICTIMS  64     /* recent requests (of any thread) a callback may end */

enum kind { K_GET, K_NON_GET, K_PUT, K_ASYNC, K_OBSERVE, K_KINDS };

/*
 * One record per request, never reused: user_data is unique, so a callback
 * can always be attributed to the request it belongs to.
 */
struct track {
	atomic_int finals;      /* final callbacks */
	atomic_int late;        /* callbacks after the end */
	atomic_int active;      /* callbacks of it running now */
	atomic_int overlap;     /* callbacks that started while another one of it ran */
	atomic_bool self_ended; /* an observation that cancelled itself in its callback */
	atomic_bool dereg;      /* a deregistration was sent for it */
	bool observe;
	bool non;
	bool submitted;
	/* for the report of a failure */
	int16_t final_code;
	int16_t late_code;
	uint8_t final_how; /* 1 error, 2 plain, 3 no Observe, 4 error code */
	bool late_last;
	bool late_has_observe;
	uint8_t final_op;     /* cur_op of the thread that ran the final callback */
	bool final_foreign;   /* ... whose own pattern named another request */
	bool final_on_client; /* which thread ran the callback */
	bool late_on_client;
	int64_t final_us;
	int64_t late_us;
};

struct worker {
	int id;
	pthread_t thread;
	struct soak *sk;
	int sock;
	struct robust_rng rng;
	struct track *t; /* MAX_REQS records */
	size_t used;
	size_t recent[RECENT];
	unsigned long submitted;
	unsigned long rejected; /* -EAGAIN: no free slot */
	unsigned long cancels;
	unsigned long deregs;
	atomic_bool finished;
};

struct soak {
	struct coap_client client;
	struct lc_server srv;
	int shared_sock;
	atomic_bool stop;
	atomic_ulong self_cancel; /* observations cancelled from their callback */
	atomic_ulong raced;       /* ... that still got the -ECANCELED of a concurrent cancel */
	atomic_ulong notifications;
	atomic_ulong by_code[8]; /* final callbacks by code class (index 0: errors) */
	atomic_ulong odd;        /* unexpected return values in the threads */
	atomic_ulong cb_ops;     /* cancels and deregistrations made from callbacks */
	atomic_uint cb_tick;     /* picks what a final callback does */
	/* Recent requests of all threads, for callbacks to cancel or deregister. */
	_Atomic(struct track *) victims[VICTIMS];
	atomic_uint victim_next;
	struct worker w[THREADS];
};

static struct soak *soak;

/* What the calling thread is doing, to tell who delivered a callback (failure reports). */
enum op {
	OP_NONE,
	OP_SUBMIT,
	OP_CANCEL_ONE,
	OP_CANCEL_PATH,
	OP_CANCEL_CB,
	OP_CANCEL_ALL,
	OP_DEREGISTER,
	OP_CB_CANCEL,    /* a callback cancelling another request */
	OP_CB_DEREGISTER /* a callback deregistering itself or another request */
};
static _Thread_local enum op cur_op;
static _Thread_local const void *cur_target; /* user_data of the pattern, if any */
static _Thread_local struct track *cur_cb;   /* request of the innermost callback running */

static void pace(long us)
{
	struct timespec ts = {0, us * 1000L};

	nanosleep(&ts, NULL);
}

static bool ended(struct track *t)
{
	return atomic_load(&t->finals) > 0 || atomic_load(&t->self_ended);
}

/*
 * From a callback: cancel (or deregister) request @p v, or with NULL a
 * recent request of any thread. Its final callback then runs nested inside
 * this one -- or, when @p v is the request of the callback this one is
 * nested in, after that callback has returned. The request may have ended
 * already (then nothing matches: records are never reused).
 */
static void end_other(bool deregister, struct track *v)
{
	enum op saved_op = cur_op;
	const void *saved_target = cur_target;
	struct coap_client_request p;

	if (v == NULL) {
		v = atomic_load(&soak->victims[atomic_fetch_add(&soak->cb_tick, 7U) % VICTIMS]);
	}
	/* Ending its own request is the self-cancel case, counted apart. */
	if (v == NULL || v == cur_cb) {
		return;
	}
	memset(&p, 0, sizeof(p));
	p.user_data = v;
	cur_target = v;
	atomic_fetch_add(&soak->cb_ops, 1);
	if (deregister) {
		bool was = atomic_exchange(&v->dereg, true);
		int r;

		cur_op = OP_CB_DEREGISTER;
		r = coap_client_deregister_observe(&soak->client, &p);
		/* -ENOENT: ended, already deregistering, or no observation. */
		if (r != 0) {
			atomic_store(&v->dereg, was);
		}
		if (r != 0 && r != -ENOENT) {
			atomic_fetch_add(&soak->odd, 1);
		}
	} else {
		cur_op = OP_CB_CANCEL;
		coap_client_cancel_request(&soak->client, &p);
	}
	cur_op = saved_op;
	cur_target = saved_target;
}

/*
 * A notification callback deregisters its own observation. A NON one ends
 * at once (RFC 7641 §3.6) and, like a callback cancelling itself, gets no
 * nested final callback (threading.md); a CON one ends with the response.
 */
static void deregister_self(struct track *t)
{
	struct coap_client_request self = {.user_data = t};
	enum op saved_op = cur_op;
	bool was = atomic_exchange(&t->dereg, true);
	int r;

	if (t->non) {
		atomic_store(&t->self_ended, true);
	}
	cur_op = OP_CB_DEREGISTER;
	atomic_fetch_add(&soak->cb_ops, 1);
	r = coap_client_deregister_observe(&soak->client, &self);
	cur_op = saved_op;
	if (r != 0) {
		/* Not deregistered (another thread ended it first): it still ends with a callback.
		 */
		atomic_store(&t->dereg, was);
		atomic_store(&t->self_ended, false);
	} else if (t->non) {
		atomic_fetch_add(&soak->self_cancel, 1);
	}
	if (r != 0 && r != -ENOENT) {
		atomic_fetch_add(&soak->odd, 1);
	}
}

static void soak_cb_body(int16_t code, bool last, struct track *t, struct track *outer)
{
	bool final = false;

	if (atomic_load(&t->self_ended) && atomic_load(&t->finals) == 0 && code == -ECANCELED) {
		/*
		 * Another thread cancelled this observation while its callback was
		 * cancelling it too: that cancel owns the end and delivers it
		 * (threading.md, "Cancellation is synchronous").
		 */
		atomic_fetch_add(&soak->raced, 1);
		atomic_fetch_add(&t->finals, 1);
		return;
	}
	if (ended(t)) {
		const struct zcoap_response_info *info = zcoap_client_response_info();

		t->late_code = code;
		t->late_us = robust_now_us();
		t->late_on_client =
		    pthread_equal(pthread_self(), zc_posix_thread_id(&soak->client.priv.thread));
		t->late_last = last;
		t->late_has_observe = info != NULL && info->has_observe;
		atomic_fetch_add(&t->late, 1);
		return;
	}
	if (!last) {
		return;
	}
	if (code < 0 || !t->observe) {
		final = true;
		t->final_how = code < 0 ? 1 : 2;
	} else {
		const struct zcoap_response_info *info = zcoap_client_response_info();

		/*
		 * RFC 7641 §3.2: a response without Observe, or an error, ends it.
		 * So does the response to a deregistration (§3.6), which a server
		 * sends without Observe ("processed as a normal GET"). An ACK with
		 * Observe after deregister_observe() is no proof of the end: it can
		 * be the registration's own response, delivered just before the
		 * deregistration went out.
		 */
		final = info == NULL || !info->has_observe || (code >> 5) != 2;
		t->final_how = info == NULL || !info->has_observe ? 3 : 4;
		if (!final) {
			atomic_fetch_add(&soak->notifications, 1);
			/* A callback that takes a while: the window for other threads to end it. */
			pace(100);
			if (info->observe % 3 == 0) {
				struct coap_client_request self = {.user_data = t};

				/* Cancelling itself from its callback: no -ECANCELED follows. */
				atomic_store(&t->self_ended, true);
				atomic_fetch_add(&soak->self_cancel, 1);
				coap_client_cancel_request(&soak->client, &self);
				return;
			}
			if (info->observe % 3 == 1) {
				end_other(info->observe % 2 == 0, NULL);
			} else if (info->observe % 8 == 5 && !atomic_load(&t->dereg)) {
				deregister_self(t);
			}
			return;
		}
	}
	if (final) {
		t->final_op = (uint8_t)cur_op;
		t->final_foreign =
		    (cur_op == OP_CANCEL_ONE || cur_op == OP_DEREGISTER || cur_op == OP_SUBMIT ||
		     cur_op == OP_CB_CANCEL || cur_op == OP_CB_DEREGISTER) &&
		    cur_target != t;
		t->final_code = code;
		t->final_us = robust_now_us();
		t->final_on_client =
		    pthread_equal(pthread_self(), zc_posix_thread_id(&soak->client.priv.thread));
		atomic_fetch_add(&soak->by_code[code < 0 ? 0 : (code >> 5) & 7], 1);
		atomic_fetch_add(&t->finals, 1);
		/*
		 * Some final callbacks end another request too (nested, on this
		 * thread): a recent one, or the one whose callback this one is
		 * nested in (its final callback must wait until that returns).
		 */
		switch (atomic_fetch_add(&soak->cb_tick, 1U) % 16U) {
		case 3:
			end_other(false, outer);
			break;
		case 7:
			end_other(true, outer);
			break;
		case 11:
			end_other(true, NULL);
			break;
		case 15:
			end_other(false, NULL);
			break;
		default:
			break;
		}
	}
}

static void soak_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last,
		    void *user_data)
{
	struct track *t = user_data;
	struct track *outer = cur_cb;

	(void)offset;
	(void)payload;
	(void)len;
	/*
	 * The final callback is the last one: no callback of a request may run
	 * while another of it does (a final -ECANCELED during a notification,
	 * or a nested re-entry).
	 */
	if (atomic_fetch_add(&t->active, 1) != 0) {
		atomic_fetch_add(&t->overlap, 1);
	}
	cur_cb = t;
	soak_cb_body(code, last, t, outer);
	cur_cb = outer;
	atomic_fetch_sub(&t->active, 1);
}

/* A recent request of this thread that has not ended, or NULL. */
static struct track *open_track(struct worker *w, bool observe_only)
{
	size_t start = (size_t)(robust_rng_next(&w->rng) % RECENT);

	for (size_t k = 0; k < RECENT && k < w->used; k++) {
		struct track *t = &w->t[w->recent[(start + k) % RECENT]];

		if (t->submitted && !ended(t) && (!observe_only || t->observe)) {
			return t;
		}
	}
	return NULL;
}

static void submit(struct worker *w, enum kind kind)
{
	static const uint8_t data[] = "soak payload";
	struct coap_transmission_parameters params = {
	    .ack_timeout = 300,
	    .ack_random_percent = 150,
	    .coap_backoff_percent = 200,
	    .max_retransmission = 2,
	};
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "",
	    .cb = soak_cb,
	};
	struct track *t;
	int sock = (w->id & 1) ? w->sock : w->sk->shared_sock;
	int r;

	if (w->used >= MAX_REQS) {
		return;
	}
	t = &w->t[w->used];
	switch (kind) {
	case K_GET:
		req.path = (robust_rng_next(&w->rng) & 1) ? "" : ".well-known/core";
		break;
	case K_NON_GET:
		req.confirmable = false;
		req.path = "time";
		break;
	case K_PUT:
		req.method = COAP_METHOD_PUT;
		req.path = "example_data";
		req.payload = data;
		req.len = sizeof(data) - 1;
		break;
	case K_ASYNC:
		req.path = "async?1"; /* a separate response one second later */
		break;
	default:
		req.confirmable = (robust_rng_next(&w->rng) & 1) != 0;
		req.path = "time";
		req.options = &obs;
		req.num_options = 1;
		req.observe_liveness = ZCOAP_OBSERVE_WAIT;
		break;
	}
	req.user_data = t;
	t->observe = kind == K_OBSERVE;
	t->non = !req.confirmable;
	cur_op = OP_SUBMIT;
	cur_target = t;
	r = coap_client_req(&w->sk->client, sock, (const struct sockaddr *)&w->sk->srv.addr, &req,
			    &params);
	if (r == 0) {
		t->submitted = true;
		atomic_store(&w->sk->victims[atomic_fetch_add(&w->sk->victim_next, 1U) % VICTIMS],
			     t);
		w->recent[w->used % RECENT] = w->used;
		w->used++;
		w->submitted++;
	} else {
		/* The record stays unused; nothing may call back for it (checked at the end). */
		w->rejected++;
		if (r != -EAGAIN) {
			atomic_fetch_add(&w->sk->odd, 1);
		}
		pace(1000); /* all slots busy: let some finish */
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct coap_client *c = &w->sk->client;

	while (!atomic_load(&w->sk->stop)) {
		unsigned int op = (unsigned int)(robust_rng_next(&w->rng) % 100U);
		struct track *t;

		if (op < 30) {
			submit(w, K_GET);
		} else if (op < 40) {
			submit(w, K_NON_GET);
		} else if (op < 48) {
			submit(w, K_PUT);
		} else if (op < 53) {
			submit(w, K_ASYNC);
		} else if (op < 65) {
			submit(w, K_OBSERVE);
		} else if (op < 80) {
			t = open_track(w, false);
			if (t != NULL) {
				struct coap_client_request p = {.user_data = t};

				cur_op = OP_CANCEL_ONE;
				cur_target = t;
				coap_client_cancel_request(c, &p);
				w->cancels++;
			}
		} else if (op < 83) {
			struct coap_client_request p = {.path = "time"};

			cur_op = OP_CANCEL_PATH;
			coap_client_cancel_request(c, &p);
			w->cancels++;
		} else if (op < 84) {
			struct coap_client_request p = {.method = COAP_METHOD_GET, .cb = soak_cb};

			cur_op = OP_CANCEL_CB;
			coap_client_cancel_request(c, &p);
			w->cancels++;
		} else if (op < 85 && w->id == 0) {
			cur_op = OP_CANCEL_ALL;
			coap_client_cancel_requests(c);
			w->cancels++;
		} else if (op < 95) {
			t = open_track(w, true);
			if (t != NULL) {
				struct coap_client_request p = {.user_data = t};
				bool was = atomic_exchange(&t->dereg, true);
				int r;

				cur_op = OP_DEREGISTER;
				cur_target = t;
				r = coap_client_deregister_observe(c, &p);

				/* -ENOENT: it ended or is already deregistering. */
				if (r != 0) {
					atomic_store(&t->dereg, was);
				}
				if (r != 0 && r != -ENOENT) {
					atomic_fetch_add(&w->sk->odd, 1);
				}
				w->deregs += r == 0;
			}
		} else {
			(void)coap_client_has_ongoing_exchange(c);
		}
		cur_op = OP_NONE;
		cur_target = NULL;
		pace(200);
	}
	atomic_store(&w->finished, true);
	return NULL;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0;
	long resident = 0;

	if (f == NULL) {
		return -1;
	}
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
		resident = -1;
	}
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static bool under_valgrind(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	if (f == NULL) {
		return false;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		found = strstr(line, "vgpreload") != NULL;
	}
	fclose(f);
	return found;
}

static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

/*
 * Exactly one end per request, nothing after it, nothing for refused ones.
 * @return the number of requests that broke this (the first few are printed).
 */
static unsigned long check_tracks(struct worker *w)
{
	unsigned long bad = 0;

	for (size_t k = 0; k < MAX_REQS; k++) {
		struct track *t = &w->t[k];

		if (!t->submitted) {
			bad += atomic_load(&t->finals) != 0 || atomic_load(&t->late) != 0;
			continue;
		}
		if (atomic_load(&t->late) == 0 && atomic_load(&t->overlap) == 0 &&
		    (atomic_load(&t->finals) == 1 || atomic_load(&t->self_ended))) {
			continue;
		}
		if (bad++ < 5) {
			print_message(
			    "thread %d request %zu (%s%s): %d final callbacks (code %d, how %u, "
			    "deregistered %d), %d late (code %d, last %d, Observe %d), "
			    "%d overlapping another callback of it, "
			    "self-cancelled %d; final on the client thread %d, late on it %d, "
			    "%lld us apart; the final one ran in a thread doing op %u, %s\n",
			    w->id, k, t->non ? "NON " : "", t->observe ? "observe" : "plain",
			    atomic_load(&t->finals), t->final_code, t->final_how,
			    (int)atomic_load(&t->dereg), atomic_load(&t->late), t->late_code,
			    t->late_last, t->late_has_observe, atomic_load(&t->overlap),
			    (int)atomic_load(&t->self_ended), t->final_on_client, t->late_on_client,
			    (long long)(t->late_us - t->final_us), t->final_op,
			    t->final_foreign ? "whose pattern named ANOTHER request"
					     : "whose pattern matched it");
		}
	}
	return bad;
}

static void test_soak(void **state)
{
	const char *env = getenv("ZCOAP_SOAK_SECONDS");
	int seconds = env != NULL && atoi(env) > 0 ? atoi(env) : 10;
	uint64_t seed = robust_seed(0x50A4);
	int fds_before = robust_count_fds();
	unsigned long submitted = 0;
	unsigned long rejected = 0;
	unsigned long cancels = 0;
	unsigned long deregs = 0;
	long rss_early = -1;
	long rss_late;
	unsigned long bad = 0;
	unsigned long odd;
	bool still_busy;
	int deinit;
	int64_t t0;
	int r;

	(void)state;
	soak = calloc(1, sizeof(*soak));
	assert_non_null(soak);
	r = lc_server_start(&soak->srv, NULL);
	if (r == -ENOENT) {
		free(soak);
		skip();
	}
	assert_int_equal(r, 0);
	assert_int_equal(coap_client_init(&soak->client, "soak"), 0);
	soak->shared_sock = robust_udp_socket();
	assert_true(soak->shared_sock >= 0);
	print_message("soak: %d threads for %d s against %s on port %u, seed 0x%llx\n", THREADS,
		      seconds, lc_server_binary(), (unsigned int)soak->srv.port,
		      (unsigned long long)seed);
	for (int i = 0; i < THREADS; i++) {
		struct worker *w = &soak->w[i];

		w->id = i;
		w->sk = soak;
		w->sock = robust_udp_socket();
		assert_true(w->sock >= 0);
		robust_rng_init(&w->rng, seed + (uint64_t)i * 0x9E3779B97F4A7C15ULL);
		/* Touched now, so that the resident size does not grow with it later. */
		w->t = malloc(MAX_REQS * sizeof(*w->t));
		assert_non_null(w->t);
		memset(w->t, 0, MAX_REQS * sizeof(*w->t));
		assert_int_equal(pthread_create(&w->thread, NULL, worker_main, w), 0);
	}

	t0 = robust_now_us();
	while (robust_now_us() - t0 < (int64_t)seconds * 1000000) {
		pace(50000);
		if (rss_early < 0 && robust_now_us() - t0 >= (int64_t)seconds * 250000) {
			rss_early = rss_kib();
		}
	}
	atomic_store(&soak->stop, true);
	/* Bounded join: a deadlock fails the test here instead of hanging it. */
	t0 = robust_now_us();
	for (int i = 0; i < THREADS; i++) {
		while (!atomic_load(&soak->w[i].finished)) {
			if (robust_now_us() - t0 > (int64_t)JOIN_S * 1000000) {
				print_message("thread %d did not stop within %d s: deadlock?\n", i,
					      JOIN_S);
				lc_server_stop(&soak->srv); /* no server left behind */
				abort();
			}
			pace(10000);
		}
		pthread_join(soak->w[i].thread, NULL);
		submitted += soak->w[i].submitted;
		rejected += soak->w[i].rejected;
		cancels += soak->w[i].cancels;
		deregs += soak->w[i].deregs;
	}
	rss_late = rss_kib();

	/* Whatever is still open ends now, each with one -ECANCELED, synchronously. */
	coap_client_cancel_requests(&soak->client);
	still_busy = coap_client_has_ongoing_exchange(&soak->client);
	print_message("soak: %lu requests (%lu refused: no free slot), %lu cancels, %lu "
		      "deregistrations, %lu notifications, %lu self-cancels (%lu raced), %lu "
		      "cancels and deregistrations from callbacks; finals: "
		      "%lu errors, %lu 2.xx, %lu 4.xx, %lu 5.xx; RSS %ld -> %ld KiB\n",
		      submitted, rejected, cancels, deregs, atomic_load(&soak->notifications),
		      atomic_load(&soak->self_cancel), atomic_load(&soak->raced),
		      atomic_load(&soak->cb_ops), atomic_load(&soak->by_code[0]),
		      atomic_load(&soak->by_code[2]), atomic_load(&soak->by_code[4]),
		      atomic_load(&soak->by_code[5]), rss_early, rss_late);
	for (int i = 0; i < THREADS; i++) {
		bad += check_tracks(&soak->w[i]);
	}

	/* Clean up before asserting, so that a failure leaves no server process behind. */
	deinit = zcoap_client_deinit(&soak->client);
	lc_server_stop(&soak->srv);
	close(soak->shared_sock);
	for (int i = 0; i < THREADS; i++) {
		close(soak->w[i].sock);
		free(soak->w[i].t);
	}
	odd = atomic_load(&soak->odd);
	free(soak);
	soak = NULL;

	assert_false(still_busy);
	assert_int_equal(bad, 0);
	assert_int_equal(odd, 0);
	assert_true(submitted > 0);
	if (!sanitized() && !under_valgrind() && rss_early > 0 && rss_late > 0) {
		assert_true(rss_late - rss_early <= 8 * 1024);
	}
	assert_int_equal(deinit, 0);
	assert_int_equal(robust_count_fds(), fds_before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_soak),
	};

	if (lc_server_binary() == NULL) {
		printf("coap-server-notls not found: skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
