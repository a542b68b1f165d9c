/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_robust_cancel_race.c -- a deterministic form of a race the
 * concurrency soak found: cancellation must not run a request's -ECANCELED
 * while that request's callback is still running (docs/design/threading.md,
 * "Cancellation is synchronous").
 *
 * The observation's notification callback blocks. Thread A cancels the
 * observation: it must wait for that callback. Meanwhile the main thread
 * keeps calling API functions that run queued callbacks (a cancel and a
 * deregistration that match nothing). None of them may run A's -ECANCELED:
 * it belongs to A, after the blocked callback has returned. The main thread
 * watches for 2 s (a bounded wait; nothing is asserted about timing), then
 * releases the callback.
 *
 * Two more forms of the same rule, "the final callback is the last one"
 * (issue 18):
 *   - a NON observation deregistered from another thread while its
 *     notification callback runs: coap_client_deregister_observe() ends the
 *     request at once (RFC 7641 §3.6, nothing to wait for), but its final
 *     -ECANCELED must wait for that callback, as a cancel's does;
 *   - request A's callback cancels request B, and B's -ECANCELED (run nested
 *     on the client thread) blocks: another thread's cancel of A must wait
 *     for A's callback too, not only for the innermost one (B's).
 *   - ... and when B's -ECANCELED cancels A in turn, A's final callback
 *     comes once A's callback has returned (not nested inside it, and not
 *     dropped: exactly one).
 * The first two block a callback until the other thread's call has been made (the
 * peer saw the deregistration; the canceller started), then gives that call
 * 1 s to return early (a bounded wait for what must not happen).
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "robust_util.h"
#include "sys_util.h"

struct race {
	struct sys *s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool in_callback; /* the notification callback is running (blocked) */
	bool release;
	atomic_int cancelled_while_blocked;
	pthread_t canceller;
	atomic_bool cancel_returned;
};

static struct race race;

/* Recorder hook: block inside the first notification until released. */
static void block_hook(struct recorder *r, const struct rec_event *ev, size_t index)
{
	(void)r;
	if (index != 0 || ev->code != COAP_RESPONSE_CODE_CONTENT) {
		if (ev->code == -ECANCELED) {
			pthread_mutex_lock(&race.lock);
			if (race.in_callback) {
				atomic_fetch_add(&race.cancelled_while_blocked, 1);
			}
			pthread_mutex_unlock(&race.lock);
		}
		return;
	}
	pthread_mutex_lock(&race.lock);
	race.in_callback = true;
	pthread_cond_broadcast(&race.cond);
	while (!race.release) {
		pthread_cond_wait(&race.cond, &race.lock);
	}
	race.in_callback = false;
	pthread_mutex_unlock(&race.lock);
}

static void *cancel_main(void *arg)
{
	struct sys *s = arg;
	struct coap_client_request pattern = {.user_data = &s->rec};

	coap_client_cancel_request(&s->client, &pattern);
	atomic_store(&race.cancel_returned, true);
	return NULL;
}

static void test_cancel_waits_for_running_callback(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "obs");
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	static int dummy;
	struct coap_client_request nothing = {.user_data = &dummy};
	uint8_t seqv[4];
	struct peer_opt opt = {COAP_OPTION_OBSERVE, 0, seqv};
	int64_t until;
	struct rec_event ev;

	memset(&race, 0, sizeof(race));
	race.s = s;
	pthread_mutex_init(&race.lock, NULL);
	pthread_cond_init(&race.cond, NULL);
	recorder_set_hook(&s->rec, block_hook, NULL);
	req.options = &obs;
	req.num_options = 1;
	sys_send(s, &req, &params);
	opt.len = peer_uint_value(seqv, 1);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &opt, 1, "n1", 2), 0);

	/* Wait (bounded) until the notification callback is running and blocked. */
	pthread_mutex_lock(&race.lock);
	until = robust_now_us() + 10000000;
	while (!race.in_callback && robust_now_us() < until) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&race.cond, &race.lock, &ts);
	}
	assert_true(race.in_callback);
	pthread_mutex_unlock(&race.lock);

	/* A cancels the observation; it has to wait for the blocked callback. */
	assert_int_equal(pthread_create(&race.canceller, NULL, cancel_main, s), 0);
	until = robust_now_us() + 2000000;
	while (robust_now_us() < until && atomic_load(&race.cancelled_while_blocked) == 0) {
		/* Other API calls that run queued callbacks must leave A's alone. */
		coap_client_cancel_request(&s->client, &nothing);
		(void)coap_client_deregister_observe(&s->client, &nothing);
	}
	if (atomic_load(&race.cancelled_while_blocked) != 0) {
		print_message("-ECANCELED of the observation ran while its notification callback "
			      "was still running (run by another API call's event loop)\n");
	}
	assert_false(atomic_load(&race.cancel_returned));

	pthread_mutex_lock(&race.lock);
	race.release = true;
	pthread_cond_broadcast(&race.cond);
	pthread_mutex_unlock(&race.lock);
	pthread_join(race.canceller, NULL);

	assert_int_equal(atomic_load(&race.cancelled_while_blocked), 0);
	assert_int_equal(recorder_count(&s->rec), 2);
	ev = recorder_get(&s->rec, 1);
	assert_int_equal(ev.code, -ECANCELED);
	recorder_set_hook(&s->rec, NULL, NULL);
	pthread_mutex_destroy(&race.lock);
	pthread_cond_destroy(&race.cond);
}

/* ---- a NON deregistration from another thread -------------------------- */

/* How long a call that must block is given to return early (bounded wait). */
#define EARLY_US 1000000

struct nested {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool blocked;        /* the callback that blocks is running */
	bool release;        /* ... may return */
	bool outer_running;  /* the callback of the request ended elsewhere is on the stack */
	int final_too_early; /* that request's final callback ran while it was */
	int finals_noted;    /* nest_note_final() calls that have finished their work */
	bool call_returned;  /* the other thread's deregister/cancel returned */
	struct sys *s;
	struct coap_client_request pattern;
	int result;
};

static struct nested nest;

static void nest_init(struct sys *s)
{
	memset(&nest, 0, sizeof(nest));
	nest.s = s;
	pthread_mutex_init(&nest.lock, NULL);
	pthread_cond_init(&nest.cond, NULL);
}

static void nest_destroy(void)
{
	pthread_mutex_destroy(&nest.lock);
	pthread_cond_destroy(&nest.cond);
}

/* Block (bounded: 20 s) until the test releases the callback. */
static void nest_block(void)
{
	int64_t until = robust_now_us() + 20000000;

	pthread_mutex_lock(&nest.lock);
	nest.blocked = true;
	pthread_cond_broadcast(&nest.cond);
	while (!nest.release && robust_now_us() < until) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&nest.cond, &nest.lock, &ts);
	}
	nest.blocked = false;
	pthread_mutex_unlock(&nest.lock);
}

/* Wait (bounded: @p us) until *flag is set or @p until_us passes; the flag's value. */
static bool nest_wait(const bool *flag, int64_t us)
{
	int64_t until = robust_now_us() + us;
	bool v;

	pthread_mutex_lock(&nest.lock);
	while (!*flag && robust_now_us() < until) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&nest.cond, &nest.lock, &ts);
	}
	v = *flag;
	pthread_mutex_unlock(&nest.lock);
	return v;
}

static void nest_release(void)
{
	pthread_mutex_lock(&nest.lock);
	nest.release = true;
	pthread_cond_broadcast(&nest.cond);
	pthread_mutex_unlock(&nest.lock);
}

/* The final -ECANCELED of the request whose callback is on the stack: too early? */
static void nest_note_final(void)
{
	pthread_mutex_lock(&nest.lock);
	if (nest.outer_running) {
		nest.final_too_early++;
	}
	nest.finals_noted++;
	pthread_cond_broadcast(&nest.cond);
	pthread_mutex_unlock(&nest.lock);
}

/*
 * Wait (bounded) until the hook has noted @p n finals. The recorder wakes
 * its waiter before it runs the hook, so the hook may still be running on
 * the client thread when recorder_wait() returns: nest must outlive it.
 */
static void nest_wait_finals(int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&nest.lock);
	while (nest.finals_noted < n &&
	       pthread_cond_timedwait(&nest.cond, &nest.lock, &until) == 0) {
	}
	assert_true(nest.finals_noted >= n);
	pthread_mutex_unlock(&nest.lock);
}

/* How many times that final callback ran too early, read under the lock. */
static int nest_too_early(void)
{
	int n;

	pthread_mutex_lock(&nest.lock);
	n = nest.final_too_early;
	pthread_mutex_unlock(&nest.lock);
	return n;
}

static void nest_set_running(bool running)
{
	pthread_mutex_lock(&nest.lock);
	nest.outer_running = running;
	pthread_mutex_unlock(&nest.lock);
}

static void nest_returned(int r)
{
	pthread_mutex_lock(&nest.lock);
	nest.result = r;
	nest.call_returned = true;
	pthread_cond_broadcast(&nest.cond);
	pthread_mutex_unlock(&nest.lock);
}

/* The NON observation's notification callback blocks; its -ECANCELED is noted. */
static void dereg_hook(struct recorder *r, const struct rec_event *ev, size_t index)
{
	(void)r;
	if (ev->code == -ECANCELED) {
		nest_note_final();
	} else if (index == 0 && ev->code == COAP_RESPONSE_CODE_CONTENT) {
		nest_set_running(true);
		nest_block();
		nest_set_running(false);
	}
}

static void *deregister_main(void *arg)
{
	(void)arg;
	nest_returned(coap_client_deregister_observe(&nest.s->client, &nest.pattern));
	return NULL;
}

static void test_non_deregister_waits_for_running_callback(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "obs");
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	uint8_t seqv[4];
	struct peer_opt opt = {COAP_OPTION_OBSERVE, 0, seqv};
	const struct peer_opt *o;
	pthread_t deregisterer;
	bool returned_early;
	struct rec_event ev;

	nest_init(s);
	nest.pattern.user_data = &s->rec;
	recorder_set_hook(&s->rec, dereg_hook, NULL);
	req.options = &obs;
	req.num_options = 1;
	sys_send(s, &req, &params);
	opt.len = peer_uint_value(seqv, 5);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, peer_next_mid(),
				       COAP_RESPONSE_CODE_CONTENT, &opt, 1, "n1", 2),
			 0);
	assert_true(nest_wait(&nest.blocked, 10000000));

	/* Another thread deregisters the NON observation while its callback runs. */
	assert_int_equal(pthread_create(&deregisterer, NULL, deregister_main, NULL), 0);
	/* The deregistration (a NON GET with Observe 1, RFC 7641 §3.6) went out: the call is made.
	 */
	sys_recv_other(s, &s->other);
	o = peer_msg_opt(&s->other, COAP_OPTION_OBSERVE, 0);
	assert_non_null(o);
	assert_int_equal(peer_opt_uint(o), 1);
	/* It must not return -- nor run the final callback -- before the callback has. */
	returned_early = nest_wait(&nest.call_returned, EARLY_US);
	if (returned_early || nest_too_early() != 0) {
		print_message("deregister_observe() ended the NON observation (final -ECANCELED "
			      "%d) while its notification callback was still running\n",
			      nest_too_early());
	}
	nest_release();
	pthread_join(deregisterer, NULL);

	assert_false(returned_early);
	assert_int_equal(nest_too_early(), 0);
	assert_int_equal(nest.result, 0);
	assert_int_equal(recorder_count(&s->rec), 2);
	ev = recorder_get(&s->rec, 1);
	assert_int_equal(ev.code, -ECANCELED);
	assert_true(ev.last_block);
	recorder_set_hook(&s->rec, NULL, NULL);
	nest_destroy();
}

/* ---- a cancel while the callback is inside a nested cancel ---------------- */

/* A's notification callback cancels B; A's own -ECANCELED is noted. */
static void outer_hook(struct recorder *r, const struct rec_event *ev, size_t index)
{
	(void)r;
	if (ev->code == -ECANCELED) {
		nest_note_final();
	} else if (index == 0 && ev->code == COAP_RESPONSE_CODE_CONTENT) {
		struct coap_client_request b = {.user_data = &nest.s->keeper_rec};

		nest_set_running(true);
		coap_client_cancel_request(&nest.s->client, &b);
		nest_set_running(false);
	}
}

/* B's -ECANCELED, nested inside A's callback on the client thread, blocks. */
static void inner_hook(struct recorder *r, const struct rec_event *ev, size_t index)
{
	(void)r;
	(void)index;
	if (ev->code == -ECANCELED) {
		nest_block();
	}
}

static void *cancel_outer_main(void *arg)
{
	(void)arg;
	coap_client_cancel_request(&nest.s->client, &nest.pattern);
	nest_returned(0);
	return NULL;
}

static void test_cancel_waits_for_callback_in_nested_cancel(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "obs");
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	uint8_t seqv[4];
	struct peer_opt opt = {COAP_OPTION_OBSERVE, 0, seqv};
	pthread_t canceller;
	bool returned_early;
	struct rec_event ev;

	nest_init(s);
	nest.pattern.user_data = &s->rec;
	sys_keeper(s); /* request B */
	recorder_set_hook(&s->keeper_rec, inner_hook, NULL);
	recorder_set_hook(&s->rec, outer_hook, NULL);
	req.options = &obs;
	req.num_options = 1;
	sys_send(s, &req, &params); /* request A */
	opt.len = peer_uint_value(seqv, 1);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &opt, 1, "n1", 2), 0);
	/* A's callback runs, has cancelled B, and B's -ECANCELED blocks inside it. */
	assert_true(nest_wait(&nest.blocked, 10000000));

	/* Another thread cancels A: it must wait until A's callback has returned. */
	assert_int_equal(pthread_create(&canceller, NULL, cancel_outer_main, NULL), 0);
	returned_early = nest_wait(&nest.call_returned, EARLY_US);
	if (returned_early || nest_too_early() != 0) {
		print_message("cancel of A returned (A's -ECANCELED ran %d times) while A's "
			      "callback was still on the client thread's stack\n",
			      nest_too_early());
	}
	nest_release();
	pthread_join(canceller, NULL);

	assert_false(returned_early);
	assert_int_equal(nest_too_early(), 0);
	assert_int_equal(recorder_count(&s->keeper_rec), 1);
	assert_int_equal(recorder_count(&s->rec), 2);
	ev = recorder_get(&s->rec, 1);
	assert_int_equal(ev.code, -ECANCELED);
	recorder_set_hook(&s->rec, NULL, NULL);
	recorder_set_hook(&s->keeper_rec, NULL, NULL);
	nest_destroy();
}

/* ---- a nested callback that ends the request of the callback around it ---- */

/* B's -ECANCELED, nested inside A's callback, cancels A in turn. */
static void inner_cancels_outer_hook(struct recorder *r, const struct rec_event *ev, size_t index)
{
	(void)r;
	(void)index;
	if (ev->code == -ECANCELED) {
		coap_client_cancel_request(&nest.s->client, &nest.pattern);
	}
}

static void test_final_after_callback_ended_from_nested_callback(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "obs");
	struct coap_client_option obs = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	uint8_t seqv[4];
	struct peer_opt opt = {COAP_OPTION_OBSERVE, 0, seqv};
	struct rec_event ev;

	nest_init(s);
	nest.pattern.user_data = &s->rec;
	sys_keeper(s); /* request B */
	recorder_set_hook(&s->keeper_rec, inner_cancels_outer_hook, NULL);
	recorder_set_hook(&s->rec, outer_hook, NULL);
	req.options = &obs;
	req.num_options = 1;
	sys_send(s, &req, &params); /* request A */
	opt.len = peer_uint_value(seqv, 1);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &opt, 1, "n1", 2), 0);

	/*
	 * A's callback cancels B, B's -ECANCELED cancels A: A still gets
	 * exactly one final callback, after its notification callback returned.
	 */
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	nest_wait_finals(1);
	assert_int_equal(recorder_count(&s->keeper_rec), 1);
	assert_int_equal(nest_too_early(), 0);
	ev = recorder_get(&s->rec, 1);
	assert_int_equal(ev.code, -ECANCELED);
	assert_true(ev.last_block);
	/* Both requests ended, and nothing follows (a bounded wait for what must not come). */
	assert_false(coap_client_has_ongoing_exchange(&s->client));
	assert_false(recorder_wait(&s->rec, 3, 200));
	assert_int_equal(recorder_count(&s->keeper_rec), 1);
	recorder_set_hook(&s->rec, NULL, NULL);
	recorder_set_hook(&s->keeper_rec, NULL, NULL);
	nest_destroy();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cancel_waits_for_running_callback, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_non_deregister_waits_for_running_callback,
					    sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_waits_for_callback_in_nested_cancel,
					    sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_final_after_callback_ended_from_nested_callback,
					    sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
