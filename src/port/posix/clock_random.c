/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * clock_random.c -- POSIX/Linux port: monotonic clock, OS random bytes,
 * and the process identity a random generator reseeds on after fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"

int64_t zc_port_now_ms(void)
{
	struct timespec ts;

	/*
	 * CLOCK_MONOTONIC cannot fail with a valid pointer on Linux; should it
	 * anyway, report 0 rather than garbage so deadlines stay well defined.
	 */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		return 0;
	}
	/* tv_nsec is within [0, 999999999]: an unsigned division (a multiply, no sign fix-up). */
	return (int64_t)ts.tv_sec * 1000 + (int64_t)((uint32_t)ts.tv_nsec / 1000000U);
}

/*
 * getrandom() may return fewer bytes than asked (only for requests above
 * 256 bytes, or when interrupted by a signal while the pool initialises), so
 * loop until everything is filled. Returns 0 or the errno that stopped it.
 */
static int fill_getrandom(uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return errno;
		}
		p += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Kernels without getrandom() (ENOSYS, seccomp filters): /dev/urandom. */
static int fill_urandom(uint8_t *p, size_t len)
{
	int fd;

	do {
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		return errno;
	}
	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			(void)close(fd);
			return EIO;
		}
		p += (size_t)n;
		len -= (size_t)n;
	}
	(void)close(fd);
	return 0;
}

/*
 * Last resort when the OS offers no randomness at all: a splitmix64 stream
 * keyed by the clocks and a stack address. Not unpredictable, but it never
 * leaves the buffer uninitialised and never repeats within a process.
 */
static void fill_weak(uint8_t *p, size_t len)
{
	static _Thread_local uint64_t state;
	struct timespec ts;
	int local;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	state ^= (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
	state ^= (uint64_t)(uintptr_t)&local ^ (uint64_t)zc_port_now_ms();
	while (len > 0) {
		uint64_t z;
		size_t n = len < sizeof(z) ? len : sizeof(z);

		state += 0x9E3779B97F4A7C15ULL;
		z = state;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		z ^= z >> 31;
		memcpy(p, &z, n);
		p += n;
		len -= n;
	}
}

int zc_port_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	if (p == NULL || len == 0) {
		return 0;
	}
	if (fill_getrandom(p, len) == 0) {
		return 0;
	}
	if (fill_urandom(p, len) == 0) {
		return 0;
	}
	fill_weak(p, len);
	return -EIO;
}

unsigned long zc_port_process_id(void)
{
	/* A pid is positive and never changes within a process; a fork()ed child gets another. */
	return (unsigned long)getpid();
}
