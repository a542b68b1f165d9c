/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_ids.c -- message IDs, tokens and default transmission parameters.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "codec_test_util.h"

#define IDS_PER_THREAD 10000

static void test_next_id_sequential(void **state)
{
	uint16_t first = coap_next_id();
	uint16_t i;

	(void)state;
	/* A counter: consecutive calls in one thread step by one (mod 2^16). */
	for (i = 1; i < 100; i++) {
		assert_int_equal(coap_next_id(), (uint16_t)(first + i));
	}
}

static void *take_ids(void *arg)
{
	uint16_t *out = arg;
	int i;

	for (i = 0; i < IDS_PER_THREAD; i++) {
		out[i] = coap_next_id();
	}
	return NULL;
}

static void test_next_id_threads(void **state)
{
	pthread_t t[2];
	uint16_t *ids = calloc(2 * IDS_PER_THREAD, sizeof(*ids));
	uint8_t *seen = calloc(65536, 1);
	int i;

	(void)state;
	assert_non_null(ids);
	assert_non_null(seen);
	assert_int_equal(pthread_create(&t[0], NULL, take_ids, ids), 0);
	assert_int_equal(pthread_create(&t[1], NULL, take_ids, ids + IDS_PER_THREAD), 0);
	assert_int_equal(pthread_join(t[0], NULL), 0);
	assert_int_equal(pthread_join(t[1], NULL), 0);
	/* 20 000 IDs < 65 536: no two may be equal. */
	for (i = 0; i < 2 * IDS_PER_THREAD; i++) {
		if (seen[ids[i]]) {
			print_message("duplicate message ID 0x%04x at %d\n", ids[i], i);
			fail();
		}
		seen[ids[i]] = 1;
	}
	free(seen);
	free(ids);
}

static void *take_token(void *arg)
{
	uint8_t **out = arg;

	*out = coap_next_token();
	return NULL;
}

static void test_next_token(void **state)
{
	uint8_t a[8];
	uint8_t b[8];
	uint8_t *p;
	uint8_t *q;
	uint8_t *other = NULL;
	pthread_t t;
	int tries;

	(void)state;
	p = coap_next_token();
	assert_non_null(p);
	memcpy(a, p, 8);
	q = coap_next_token();
	assert_ptr_equal(p, q); /* the same per-thread buffer */
	memcpy(b, q, 8);
	/* 64 random bits: two equal draws in a row mean the source is broken. */
	assert_memory_not_equal(a, b, 8);
	/* And not all-zero (allow a few redraws to rule out the 2^-64 event). */
	for (tries = 0; tries < 3; tries++) {
		static const uint8_t zero[8];

		if (memcmp(coap_next_token(), zero, 8) != 0) {
			break;
		}
	}
	assert_true(tries < 3);
	/* Another thread gets its own buffer. */
	assert_int_equal(pthread_create(&t, NULL, take_token, &other), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(other);
	assert_ptr_not_equal(other, p);
}

static void test_transmission_parameters(void **state)
{
	struct coap_transmission_parameters def = coap_get_transmission_parameters();
	struct coap_transmission_parameters mine = {5000, 120, 300, 7};
	struct coap_transmission_parameters got;

	(void)state;
	/* RFC 7252 §4.8 defaults. */
	assert_int_equal(def.ack_timeout, 2000);
	assert_int_equal(def.ack_random_percent, 150);
	assert_int_equal(def.coap_backoff_percent, 200);
	assert_int_equal(def.max_retransmission, 4);

	coap_set_transmission_parameters(&mine);
	got = coap_get_transmission_parameters();
	assert_int_equal(got.ack_timeout, 5000);
	assert_int_equal(got.ack_random_percent, 120);
	assert_int_equal(got.coap_backoff_percent, 300);
	assert_int_equal(got.max_retransmission, 7);
	coap_set_transmission_parameters(NULL); /* ignored */
	got = coap_get_transmission_parameters();
	assert_int_equal(got.ack_timeout, 5000);
	coap_set_transmission_parameters(&def);
	got = coap_get_transmission_parameters();
	assert_int_equal(got.ack_timeout, 2000);
	assert_int_equal(got.max_retransmission, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_next_id_sequential),
	    cmocka_unit_test(test_next_id_threads),
	    cmocka_unit_test(test_next_token),
	    cmocka_unit_test(test_transmission_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
