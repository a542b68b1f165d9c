/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * bench_common.c -- see bench_common.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

uint64_t zbench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long csw_base;

uint64_t zbench_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	/* Called at the start and the end of a measurement: remember the switches at the start. */
	if (csw_base == 0) {
		csw_base = ru.ru_nvcsw + ru.ru_nivcsw + 1;
	}
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
}

void zbench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void zbench_big_buffers(int fd)
{
	int sz = 4 * 1024 * 1024;

	/*
	 * 255 small datagrams in flight cost ~255 skb truesizes (~1 KiB each),
	 * more than the default 208 KiB: a drop would turn into a 2 s
	 * retransmission and wreck the measurement. SO_RCVBUFFORCE passes
	 * rmem_max when we may (root); otherwise SO_RCVBUF does what it can.
	 */
#ifdef SO_RCVBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
#endif
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
#ifdef SO_SNDBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
#endif
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

int zbench_connect(uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		zbench_die("socket: %s", strerror(errno));
	}
	zbench_big_buffers(fd);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		zbench_die("connect: %s", strerror(errno));
	}
	return fd;
}

unsigned long zbench_arg(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		zbench_die("bad %s: %s", what, s);
	}
	return v;
}

bool zbench_body_ok(const uint8_t *body, size_t len)
{
	if (len != ZBENCH_BODY_SIZE) {
		fprintf(stderr, "body: %zu bytes, expected %u\n", len, ZBENCH_BODY_SIZE);
		return false;
	}
	for (uint32_t i = 0; i < len; i++) {
		if (body[i] != zbench_body_byte(i)) {
			fprintf(stderr, "body: byte %u differs\n", (unsigned int)i);
			return false;
		}
	}
	return true;
}

void zbench_report(uint64_t wall_ns, uint64_t cpu_ns, unsigned long n)
{
	struct rusage ru;

	/* Context switches (voluntary + involuntary) of all threads since the first
	 * zbench_cpu_ns(). */
	getrusage(RUSAGE_SELF, &ru);
	printf("wall_ns=%llu cpu_ns=%llu n=%lu csw=%ld\n", (unsigned long long)wall_ns,
	       (unsigned long long)cpu_ns, n, ru.ru_nvcsw + ru.ru_nivcsw + 1 - csw_base);
	fflush(stdout);
}
