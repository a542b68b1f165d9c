/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * poll_loop.c -- event-loop mode (zcoap_loop.h) in a plain poll() loop: no
 * thread; the application's own loop watches the client's descriptors next
 * to its own (here: none) and hands over what happened. GETs /, then
 * /.well-known/core, one after the other, from a CoAP server.
 *
 * Usage: example_poll_loop [HOST [PORT]]   (default 127.0.0.1 5683;
 *        serve with `coap-server-notls -A 127.0.0.1`)
 * Exit status 0 when both answers were 2.05 Content.
 */
#define _POSIX_C_SOURCE 200809L

#include <coap_client.h>
#include <zcoap_loop.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct state {
	bool done;    /* the current request's final callback ran */
	int16_t code; /* its result */
	size_t bytes;
};

static void on_response(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	struct state *st = user_data;

	(void)offset;
	(void)payload;
	st->bytes += len;
	if (last_block) {
		st->code = code;
		st->done = true;
	}
}

/* One round of the application's loop: poll() the client's descriptors, hand over. */
static int loop_once(struct coap_client *client)
{
	int fds[ZCOAP_CLIENT_MAX_FDS];
	struct pollfd pfd[ZCOAP_CLIENT_MAX_FDS];
	int timeout;
	int n = zcoap_client_get_fds(client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
	int ready;

	if (n < 0) {
		return n;
	}
	for (int i = 0; i < n; i++) {
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	}
	/* ... an application adds its own descriptors here ... */
	ready = poll(pfd, (nfds_t)n, timeout);
	if (ready < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	for (int i = 0; i < n && ready > 0; i++) {
		if (pfd[i].revents != 0) {
			int r =
			    zcoap_client_fd_ready(client, pfd[i].fd, (unsigned int)pfd[i].revents);

			if (r < 0) {
				return r;
			}
		}
	}
	if (ready == 0 || timeout == 0) {
		return zcoap_client_timeout(client); /* time passed */
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct coap_client client;
	const char *paths[] = {"", ".well-known/core"};
	struct sockaddr_in server = {.sin_family = AF_INET};
	int failures = 0;
	int sock;

	server.sin_port = htons((uint16_t)(argc > 2 ? atoi(argv[2]) : 5683));
	if (inet_pton(AF_INET, argc > 1 ? argv[1] : "127.0.0.1", &server.sin_addr) != 1) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || zcoap_client_init_manual(&client) != 0) {
		perror("setup");
		return 1;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct state st = {0};
		struct coap_client_request req = {
		    .method = COAP_METHOD_GET,
		    .confirmable = true,
		    .path = paths[i],
		    .cb = on_response,
		    .user_data = &st,
		};
		int r = coap_client_req(&client, sock, (struct sockaddr *)&server, &req, NULL);

		if (r < 0) {
			fprintf(stderr, "request: %s\n", zcoap_strerror(r));
			failures++;
			continue;
		}
		/* The request's retransmissions and timeout bound this loop. */
		while (!st.done && r >= 0) {
			r = loop_once(&client);
		}
		printf("GET /%s: %d.%02d, %zu bytes\n", paths[i], st.code >> 5, st.code & 0x1f,
		       st.bytes);
		failures += r < 0 || st.code != COAP_RESPONSE_CODE_CONTENT;
	}
	zcoap_client_deinit(&client);
	close(sock);
	return failures == 0 ? 0 : 1;
}
