/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fake_clock.c -- a port clock the test moves by hand: replaces
 * src/port/posix/clock_random.c in the library copy the manual-mode unit
 * tests link (tests/unit/client/CMakeLists.txt). Random bytes and the
 * process identity are the real ones.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/random.h>
#include <unistd.h>

#include "fake_clock.h"
#include "port/port.h"

static _Atomic int64_t fake_now = 1000000;

int64_t zc_port_now_ms(void)
{
	return atomic_load(&fake_now);
}

void fake_clock_advance(int64_t ms)
{
	atomic_fetch_add(&fake_now, ms);
}

int zc_port_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n <= 0) {
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

unsigned long zc_port_process_id(void)
{
	return (unsigned long)getpid();
}
