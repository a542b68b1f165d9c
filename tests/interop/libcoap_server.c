/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libcoap_server.c -- start, probe and stop coap-server-notls for interop tests.
 *
 * The port is found by binding a UDP socket to 127.0.0.1:0 and closing it,
 * and is kept only when TCP can bind it too (libcoap also listens for
 * coap+tcp on the same port, RFC 8323; a taken TCP port leaves the server
 * running without it). Another process may take it before the server
 * binds, so a server that
 * exits at start is retried on a fresh port. Readiness is probed with a
 * CoAP ping (CON Empty), which a server must answer with RST (RFC 7252 §4.3).
 */

#include "libcoap_server.h"
#include "child_process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TRIES   5
#define READY_WAIT_MS 5000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *lc_server_binary(void)
{
	static char found[4096];
	static const char *const names[] = {"coap-server-notls", "coap-server"};
	const char *env = getenv("ZCOAP_COAP_SERVER");
	const char *path = getenv("PATH");

	if (env != NULL && env[0] != '\0') {
		return access(env, X_OK) == 0 ? env : NULL;
	}
	if (path == NULL) {
		path = "/usr/bin:/bin";
	}
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		const char *p = path;

		while (*p != '\0') {
			const char *end = strchr(p, ':');
			size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

			if (len > 0 && len + strlen(names[n]) + 2 < sizeof(found)) {
				memcpy(found, p, len);
				found[len] = '/';
				strcpy(found + len + 1, names[n]);
				if (access(found, X_OK) == 0) {
					return found;
				}
			}
			if (end == NULL) {
				break;
			}
			p = end + 1;
		}
	}
	return NULL;
}

static int free_udp_port(uint16_t *port);

/* Whether a TCP listener could bind 127.0.0.1:@p port (with SO_REUSEADDR, as libcoap). */
static bool tcp_port_free(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0) {
		return false;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* A loopback port free for UDP and for TCP. */
static int free_port(uint16_t *port)
{
	for (int i = 0; i < 50; i++) {
		int r = free_udp_port(port);

		if (r < 0 || tcp_port_free(*port)) {
			return r;
		}
	}
	return -EADDRINUSE;
}

static int free_udp_port(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		return -errno;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*port = ntohs(a.sin_port);
	close(fd);
	return 0;
}

/* Ping every 100 ms until an RST with our MID comes back or the child dies. */
static int wait_ready(struct lc_server *s)
{
	int64_t deadline = now_ms() + READY_WAIT_MS;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t mid = (uint16_t)(0x7000 + (getpid() & 0xfff));
	int rc = -ETIMEDOUT;

	if (fd < 0) {
		return -errno;
	}
	while (now_ms() < deadline) {
		uint8_t ping[4] = {0x40, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};
		uint8_t buf[64];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int status;

		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			rc = -ECHILD;
			break;
		}
		sendto(fd, ping, sizeof(ping), 0, (struct sockaddr *)&s->addr, sizeof(s->addr));
		if (poll(&pfd, 1, 100) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n >= 4 && (buf[0] & 0x30) == 0x30 && buf[2] == ping[2] &&
			    buf[3] == ping[3]) {
				rc = 0;
				break;
			}
		}
	}
	close(fd);
	return rc;
}

int lc_server_start(struct lc_server *s, const char *const *extra)
{
	const char *bin = lc_server_binary();
	const char *log = getenv("ZCOAP_INTEROP_LOG");

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	if (bin == NULL) {
		return -ENOENT;
	}
	for (int attempt = 0; attempt < START_TRIES; attempt++) {
		char port[8];
		const char *argv[32];
		size_t argc = 0;
		int rc = free_port(&s->port);

		if (rc < 0) {
			return rc;
		}
		snprintf(port, sizeof(port), "%u", (unsigned int)s->port);
		s->addr.sin_family = AF_INET;
		s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s->addr.sin_port = htons(s->port);
		argv[argc++] = bin;
		argv[argc++] = "-A";
		argv[argc++] = "127.0.0.1";
		argv[argc++] = "-p";
		argv[argc++] = port;
		for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++) {
			argv[argc++] = extra[i];
		}
		argv[argc] = NULL;

		s->pid = child_spawn(argv, log, false);
		if (s->pid < 0) {
			return (int)s->pid;
		}
		rc = wait_ready(s);
		/* The ping proves UDP only; libcoap just warns when TCP's bind fails. */
		if (rc == 0 && child_port_owner(s->pid, true, s->port) != CHILD_PORT_OTHER) {
			return 0;
		}
		lc_server_stop(s);
	}
	return -EADDRINUSE;
}

void lc_server_stop(struct lc_server *s)
{
	child_stop(s->pid, 2000);
	s->pid = -1;
}
