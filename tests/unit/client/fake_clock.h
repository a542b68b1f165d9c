/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fake_clock.h -- the clock of the manual-mode unit tests (fake_clock.c):
 * starts at 1000000 ms and moves only when the test says so.
 */
#ifndef ZCOAP_TEST_FAKE_CLOCK_H
#define ZCOAP_TEST_FAKE_CLOCK_H

#include <stdint.h>

/** Move the port clock forward by @p ms milliseconds. */
void fake_clock_advance(int64_t ms);

#endif
