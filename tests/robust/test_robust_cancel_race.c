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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cancel_waits_for_running_callback, sys_setup,
					    sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
