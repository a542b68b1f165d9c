/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_port_posix.c -- the POSIX port: monotonic clock and random bytes.
 */
#include <errno.h>
#include <time.h>

#include "codec_test_util.h"
#include "port/port.h"

static void test_clock_monotonic(void **state)
{
	struct timespec ts;
	int64_t a;
	int64_t b;
	int64_t ref;

	(void)state;
	a = zc_port_now_ms();
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	ref = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	b = zc_port_now_ms();
	assert_true(a <= ref);
	assert_true(ref <= b);
}

static void test_random_fills(void **state)
{
	uint8_t big[1000];
	uint8_t again[1000];
	size_t zeros = 0;
	size_t i;

	(void)state;
	memset(big, 0, sizeof(big));
	/* More than 256 bytes: getrandom() may return short reads. */
	assert_int_equal(zc_port_random(big, sizeof(big)), 0);
	assert_int_equal(zc_port_random(again, sizeof(again)), 0);
	assert_memory_not_equal(big, again, sizeof(big));
	for (i = 0; i < sizeof(big); i++) {
		zeros += big[i] == 0;
	}
	/* Expect ~4 zero bytes in 1000; 100 would mean the buffer was not filled. */
	assert_true(zeros < 100);
	assert_int_equal(zc_port_random(NULL, 0), 0);
	assert_int_equal(zc_port_random(big, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_monotonic),
	    cmocka_unit_test(test_random_fills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
