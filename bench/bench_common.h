/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * bench_common.h -- helpers shared by the benchmark programs: the virtual
 * 1 MiB body the responder serves, clocks, socket set-up and the one-line
 * result format bench/run.sh parses.
 */
#ifndef ZBENCH_COMMON_H
#define ZBENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of the Block2 body served under the path "big". */
#define ZBENCH_BODY_SIZE (1024U * 1024U)

/* Payload of every small 2.05 response (path anything but "big"). */
#define ZBENCH_SMALL_PAYLOAD     "0123456789abcdef"
#define ZBENCH_SMALL_PAYLOAD_LEN 16U

/* Byte @p i of the virtual body: cheap, position dependent, not periodic in 1024. */
static inline uint8_t zbench_body_byte(uint32_t i)
{
	return (uint8_t)((i * 2654435761U) >> 24 ^ (i >> 10));
}

/* Monotonic wall clock in nanoseconds. */
uint64_t zbench_now_ns(void);

/* User + system CPU time of the whole process (all threads) in nanoseconds. */
uint64_t zbench_cpu_ns(void);

/* A UDP socket connected to 127.0.0.1:@p port with large buffers; exits on failure. */
int zbench_connect(uint16_t port);

/* Grow a socket's buffers so hundreds of datagrams in flight never overflow them. */
void zbench_big_buffers(int fd);

/* Parse a decimal argument or exit with a usage error. */
unsigned long zbench_arg(const char *s, const char *what);

/* Check a received body against the virtual body; prints and returns false on a mismatch. */
bool zbench_body_ok(const uint8_t *body, size_t len);

/*
 * Print the result line: "wall_ns=... cpu_ns=... n=... csw=..." (run.sh parses
 * it); csw counts the context switches of all threads since the first call
 * of zbench_cpu_ns(), which must be the start of the measurement.
 */
void zbench_report(uint64_t wall_ns, uint64_t cpu_ns, unsigned long n);

/* Print a message to stderr and exit(1). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
void zbench_die(const char *fmt, ...);

#endif /* ZBENCH_COMMON_H */
