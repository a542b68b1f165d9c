/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_server.c -- start, probe and stop libcoap's DTLS example servers.
 *
 * libcoap's server listens for coap on -p PORT and for coaps on PORT+1,
 * each over UDP and TCP (coap+tcp, coaps+tcp: RFC 8323), so a free pair of
 * ports is found by binding both over UDP (127.0.0.1, then closing them)
 * and checking that TCP can bind them too; a server that exits at start because another process
 * took one meanwhile is retried on a fresh pair. Readiness is probed with a CoAP ping on the plain
 * port, which must be answered with RST (RFC 7252 §4.3); both endpoints are bound before the server
 * enters its loop.
 */

#include "dtls_server.h"
#include "child_process.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TRIES   8
#define READY_WAIT_MS 5000

int64_t dtls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *dtls_srv_binary(const char *flavour)
{
	static char found[2][4096];
	char env[64];
	char name[64];
	const char *e;
	const char *path = getenv("PATH");
	char *out = found[strcmp(flavour, "openssl") == 0 ? 0 : 1];

	snprintf(env, sizeof(env), "ZCOAP_COAP_SERVER_%s", flavour);
	for (char *c = env; *c != '\0'; c++) {
		*c = (char)toupper((unsigned char)*c);
	}
	e = getenv(env);
	if (e != NULL && e[0] != '\0') {
		return access(e, X_OK) == 0 ? e : NULL;
	}
	snprintf(name, sizeof(name), "coap-server-%s", flavour);
	if (path == NULL) {
		path = "/usr/bin:/bin";
	}
	while (*path != '\0') {
		const char *end = strchr(path, ':');
		size_t len = end != NULL ? (size_t)(end - path) : strlen(path);

		if (len > 0 && len + strlen(name) + 2 < sizeof(found[0])) {
			memcpy(out, path, len);
			out[len] = '/';
			strcpy(out + len + 1, name);
			if (access(out, X_OK) == 0) {
				return out;
			}
		}
		if (end == NULL) {
			break;
		}
		path = end + 1;
	}
	return NULL;
}

static int bind_loopback(uint16_t port, uint16_t *got)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		return -errno;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (got != NULL) {
		*got = ntohs(a.sin_port);
	}
	return fd;
}

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

/* A port P such that P and P+1 are both free on 127.0.0.1, for UDP and TCP. */
static int free_port_pair(uint16_t *port)
{
	for (int i = 0; i < 50; i++) {
		uint16_t p = 0;
		int a = bind_loopback(0, &p);
		int b;

		if (a < 0) {
			return a;
		}
		if (p == 65535) {
			close(a);
			continue;
		}
		b = bind_loopback((uint16_t)(p + 1), NULL);
		close(a);
		if (b >= 0) {
			close(b);
			if (tcp_port_free(p) && tcp_port_free((uint16_t)(p + 1))) {
				*port = p;
				return 0;
			}
		}
	}
	return -EADDRINUSE;
}

uint16_t dtls_unused_port(void)
{
	uint16_t p = 0;
	int fd = bind_loopback(0, &p);

	if (fd >= 0) {
		close(fd);
	}
	return p;
}

/* Ping every 100 ms until an RST with our MID comes back or the child dies. */
static int wait_ready(struct dtls_srv *s)
{
	int64_t deadline = dtls_now_ms() + READY_WAIT_MS;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t mid = (uint16_t)(0x5000 + (getpid() & 0xfff));
	int rc = -ETIMEDOUT;

	if (fd < 0) {
		return -errno;
	}
	while (dtls_now_ms() < deadline) {
		uint8_t ping[4] = {0x40, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};
		uint8_t buf[64];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int status;

		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			rc = -ECHILD;
			break;
		}
		sendto(fd, ping, sizeof(ping), 0, (struct sockaddr *)&s->udp_addr,
		       sizeof(s->udp_addr));
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

/* Run @p bin on s->port (plain) and s->port + 1 (DTLS) and wait until it answers. */
static int spawn_on_port(struct dtls_srv *s, const char *bin, const char *const *extra)
{
	char port[8];
	const char *argv[40];
	size_t argc = 0;
	int rc;

	snprintf(port, sizeof(port), "%u", (unsigned int)s->port);
	argv[argc++] = bin;
	argv[argc++] = "-A";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "-p";
	argv[argc++] = port;
	argv[argc++] = "-v";
	argv[argc++] = "7";
	for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 39; i++) {
		argv[argc++] = extra[i];
	}
	argv[argc] = NULL;
	s->pid = child_spawn(argv, s->log, true);
	if (s->pid < 0) {
		return (int)s->pid;
	}
	rc = wait_ready(s);
	/*
	 * The ping proves the plain port only: libcoap's server just warns when
	 * another process took the DTLS port (or a TCP one) meanwhile, and the
	 * tests would then fail with ECONNREFUSED. Retried on fresh ports.
	 */
	if (rc == 0 &&
	    (child_port_owner(s->pid, false, (uint16_t)(s->port + 1)) != CHILD_PORT_CHILD ||
	     child_port_owner(s->pid, true, s->port) == CHILD_PORT_OTHER ||
	     child_port_owner(s->pid, true, (uint16_t)(s->port + 1)) == CHILD_PORT_OTHER)) {
		rc = -EADDRINUSE;
	}
	if (rc != 0) {
		dtls_srv_stop(s);
	}
	return rc;
}

int dtls_srv_restart(struct dtls_srv *s, const char *flavour, const char *const *extra)
{
	const char *bin = dtls_srv_binary(flavour);
	int rc = -EADDRINUSE;

	if (bin == NULL) {
		return -ENOENT;
	}
	/* The ports were just released; another process may take them meanwhile (rare). */
	for (int attempt = 0; attempt < START_TRIES && rc != 0; attempt++) {
		rc = spawn_on_port(s, bin, extra);
	}
	return rc;
}

int dtls_srv_start(struct dtls_srv *s, const char *flavour, const char *log,
		   const char *const *extra)
{
	const char *bin = dtls_srv_binary(flavour);

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	snprintf(s->log, sizeof(s->log), "%s", log);
	if (bin == NULL) {
		return -ENOENT;
	}
	for (int attempt = 0; attempt < START_TRIES; attempt++) {
		int rc = free_port_pair(&s->port);

		if (rc < 0) {
			return rc;
		}
		s->udp_addr.sin_family = AF_INET;
		s->udp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s->udp_addr.sin_port = htons(s->port);
		s->dtls_addr = s->udp_addr;
		s->dtls_addr.sin_port = htons((uint16_t)(s->port + 1));
		if (spawn_on_port(s, bin, extra) == 0) {
			return 0;
		}
	}
	return -EADDRINUSE;
}

void dtls_srv_stop(struct dtls_srv *s)
{
	child_stop(s->pid, 3000);
	s->pid = -1;
}

bool dtls_srv_log_contains(const struct dtls_srv *s, const char *needle)
{
	FILE *f = fopen(s->log, "r");
	char line[4096];
	bool found = false;

	if (f == NULL) {
		return false;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		found = strstr(line, needle) != NULL;
	}
	fclose(f);
	return found;
}

/* ---- relay ---------------------------------------------------------------------------- */

static void *relay_thread(void *arg)
{
	struct udp_relay *r = arg;
	uint8_t buf[65536];

	for (;;) {
		struct pollfd p[3] = {{.fd = r->front, .events = POLLIN},
				      {.fd = r->back, .events = POLLIN},
				      {.fd = r->wake[0], .events = POLLIN}};

		if (poll(p, 3, -1) < 0) {
			continue;
		}
		if (p[2].revents != 0) {
			return NULL;
		}
		if (p[0].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t len = sizeof(from);
			ssize_t n =
			    recvfrom(r->front, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

			if (n >= 0 && from.sin_port == r->marker_addr.sin_port) {
				/* A marker: everything queued before it has been counted. */
				pthread_mutex_lock(&r->lock);
				r->markers_seen++;
				pthread_cond_broadcast(&r->cond);
				pthread_mutex_unlock(&r->lock);
			} else if (n >= 0) {
				pthread_mutex_lock(&r->lock);
				r->client = from;
				r->have_client = true;
				r->to_server++;
				pthread_mutex_unlock(&r->lock);
				(void)send(r->back, buf, (size_t)n, 0);
			}
		}
		if (p[1].revents != 0) {
			/* Also drains ICMP errors from the server side. */
			ssize_t n = recv(r->back, buf, sizeof(buf), MSG_DONTWAIT);
			struct sockaddr_in to;
			bool have;

			pthread_mutex_lock(&r->lock);
			to = r->client;
			have = r->have_client;
			pthread_mutex_unlock(&r->lock);
			if (n >= 0 && have) {
				(void)sendto(r->front, buf, (size_t)n, 0, (struct sockaddr *)&to,
					     sizeof(to));
			}
		}
	}
}

int relay_start(struct udp_relay *r, const struct sockaddr_in *server)
{
	socklen_t len = sizeof(r->addr);
	uint16_t port = 0;

	memset(r, 0, sizeof(*r));
	r->front = bind_loopback(0, &port);
	r->marker = bind_loopback(0, &port);
	len = sizeof(r->marker_addr);
	if (r->marker < 0 ||
	    getsockname(r->marker, (struct sockaddr *)&r->marker_addr, &len) != 0) {
		return -EIO;
	}
	len = sizeof(r->addr);
	r->back = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->front < 0 || r->back < 0 || pipe(r->wake) != 0 ||
	    connect(r->back, (const struct sockaddr *)server, sizeof(*server)) != 0 ||
	    getsockname(r->front, (struct sockaddr *)&r->addr, &len) != 0) {
		return -EIO;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->thread, NULL, relay_thread, r) != 0) {
		return -EAGAIN;
	}
	r->running = true;
	return 0;
}

size_t relay_to_server(struct udp_relay *r)
{
	struct timespec dl;
	size_t want;
	size_t n = SIZE_MAX;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&r->lock);
	want = ++r->markers_sent;
	pthread_mutex_unlock(&r->lock);
	(void)sendto(r->marker, "m", 1, 0, (struct sockaddr *)&r->addr, sizeof(r->addr));
	pthread_mutex_lock(&r->lock);
	while (r->markers_seen < want) {
		if (pthread_cond_timedwait(&r->cond, &r->lock, &dl) == ETIMEDOUT) {
			break;
		}
	}
	if (r->markers_seen >= want) {
		n = r->to_server;
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

void relay_stop(struct udp_relay *r)
{
	if (!r->running) {
		return;
	}
	(void)write(r->wake[1], "x", 1);
	pthread_join(r->thread, NULL);
	close(r->front);
	close(r->back);
	close(r->wake[0]);
	close(r->wake[1]);
	close(r->marker);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	r->running = false;
}
