/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * epoll_loop.c -- event-loop mode (zcoap_loop.h) under Linux epoll: the
 * client's descriptors join the application's epoll set (kept in step with
 * zcoap_client_get_fds() after every call), the client's deadline becomes
 * epoll_wait()'s timeout, and a timerfd of the application's own shares
 * the loop. Three GETs are in flight at once.
 *
 * Usage: example_epoll_loop [HOST [PORT]]   (default 127.0.0.1 5683)
 * Exit status 0 when every answer was 2.05 Content.
 */
#define _GNU_SOURCE

#include <coap_client.h>
#include <zcoap_loop.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define NREQ 3

static int answered;
static int good;

static void on_response(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	(void)offset;
	(void)payload;
	if (last_block) {
		printf("GET /%s: %d.%02d (%zu bytes in the last block)\n", (const char *)user_data,
		       code >> 5, code & 0x1f, len);
		answered++;
		good += code == COAP_RESPONSE_CODE_CONTENT;
	}
}

/* The descriptors the client asked for last time, to add and remove the difference. */
static int watched[ZCOAP_CLIENT_MAX_FDS];
static int n_watched;

static bool in(const int *set, int n, int fd)
{
	for (int i = 0; i < n; i++) {
		if (set[i] == fd) {
			return true;
		}
	}
	return false;
}

/* Bring the epoll set in step with the client; returns the client's timeout. */
static int sync_fds(int ep, struct coap_client *client)
{
	int fds[ZCOAP_CLIENT_MAX_FDS];
	int timeout;
	int n = zcoap_client_get_fds(client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);

	for (int i = 0; i < n; i++) {
		if (!in(watched, n_watched, fds[i])) {
			struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};

			(void)epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		}
	}
	for (int i = 0; i < n_watched; i++) {
		if (!in(fds, n, watched[i])) {
			(void)epoll_ctl(ep, EPOLL_CTL_DEL, watched[i], NULL);
		}
	}
	memcpy(watched, fds, (size_t)n * sizeof(fds[0]));
	n_watched = n;
	return timeout;
}

int main(int argc, char **argv)
{
	static struct coap_client client;
	static char *paths[NREQ] = {"", ".well-known/core", "time"};
	struct sockaddr_in server = {.sin_family = AF_INET};
	struct itimerspec every_10ms = {{0, 10000000}, {0, 10000000}};
	struct epoll_event ev = {.events = EPOLLIN};
	unsigned long ticks = 0;
	int sock, ep, tfd;

	server.sin_port = htons((uint16_t)(argc > 2 ? atoi(argv[2]) : 5683));
	if (inet_pton(AF_INET, argc > 1 ? argv[1] : "127.0.0.1", &server.sin_addr) != 1) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sock < 0 || ep < 0 || tfd < 0 || zcoap_client_init_manual(&client) != 0) {
		perror("setup");
		return 1;
	}
	/* The application's own timer in the same loop. */
	ev.data.fd = tfd;
	(void)timerfd_settime(tfd, 0, &every_10ms, NULL);
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);

	for (int i = 0; i < NREQ; i++) {
		struct coap_client_request req = {
		    .method = COAP_METHOD_GET,
		    .confirmable = true,
		    .path = paths[i],
		    .cb = on_response,
		    .user_data = paths[i],
		};
		int r = coap_client_req(&client, sock, (struct sockaddr *)&server, &req, NULL);

		if (r < 0) {
			fprintf(stderr, "request: %s\n", zcoap_strerror(r));
			return 1;
		}
	}
	while (answered < NREQ) {
		struct epoll_event evs[8];
		int timeout = sync_fds(ep, &client);
		int n = epoll_wait(ep, evs, 8, timeout);

		if (n < 0 && errno != EINTR) {
			perror("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == tfd) {
				uint64_t expirations;

				if (read(tfd, &expirations, sizeof(expirations)) > 0) {
					ticks += expirations;
				}
			} else {
				(void)zcoap_client_fd_ready(&client, evs[i].data.fd, evs[i].events);
			}
		}
		if (n == 0 || timeout == 0) {
			(void)zcoap_client_timeout(&client); /* the client's deadline passed */
		}
	}
	printf("application timer: %lu ticks meanwhile\n", ticks);
	zcoap_client_deinit(&client);
	close(tfd);
	close(ep);
	close(sock);
	return good == NREQ ? 0 : 1;
}
