/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tcp_poll_loop.c -- the CoAP-over-TCP client (coap_client_tcp.h) in
 * event-loop mode (zcoap_loop_tcp.h) in a plain poll() loop: no thread; the
 * application's own loop watches the client's descriptors, each with the
 * events the client asks for (writable while the connect is under way,
 * readable after), next to its own (here: none), and hands over what
 * happened. Connects without blocking, then GETs /, then /.well-known/core,
 * one after the other.
 *
 * Usage: example_tcp_poll_loop [HOST [PORT]]   (default 127.0.0.1 5683;
 *        serve with `coap-server-notls -A 127.0.0.1`, which listens on TCP too)
 * Exit status 0 when both answers were 2.05 Content.
 */
#define _POSIX_C_SOURCE 200809L

#include <coap_client_tcp.h>
#include <zcoap_loop_tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct state {
	bool done;    /* the current request's final callback ran */
	int16_t code; /* its result */
	size_t bytes;
};

static void on_response(const struct coap_client_tcp_response_data *data, void *user_data)
{
	struct state *st = user_data;

	st->bytes += data->payload_len;
	if (data->last_block) {
		st->code = data->result_code;
		st->done = true;
	}
}

/* One round of the application's loop: poll() the client's descriptors, hand over. */
static int loop_once(struct coap_client_tcp *client)
{
	int fds[ZCOAP_CLIENT_TCP_MAX_FDS];
	unsigned int events[ZCOAP_CLIENT_TCP_MAX_FDS];
	struct pollfd pfd[ZCOAP_CLIENT_TCP_MAX_FDS];
	int timeout;
	int n = zcoap_client_tcp_get_fds(client, fds, events, ZCOAP_CLIENT_TCP_MAX_FDS, &timeout);
	int ready;

	if (n < 0) {
		return n;
	}
	for (int i = 0; i < n; i++) {
		pfd[i] = (struct pollfd){.fd = fds[i], .events = (short)events[i]};
	}
	/* ... an application adds its own descriptors here ... */
	ready = poll(pfd, (nfds_t)n, timeout);
	if (ready < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	for (int i = 0; i < n && ready > 0; i++) {
		if (pfd[i].revents != 0) {
			int r = zcoap_client_tcp_fd_ready(client, pfd[i].fd,
							  (unsigned int)pfd[i].revents);

			if (r < 0) {
				return r;
			}
		}
	}
	if (ready == 0 || timeout == 0) {
		return zcoap_client_tcp_timeout(client); /* time passed */
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct coap_client_tcp client;
	const char *paths[] = {"", ".well-known/core"};
	struct sockaddr_in server = {.sin_family = AF_INET};
	int failures = 0;
	int r;

	server.sin_port = htons((uint16_t)(argc > 2 ? atoi(argv[2]) : 5683));
	if (inet_pton(AF_INET, argc > 1 ? argv[1] : "127.0.0.1", &server.sin_addr) != 1) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	if (zcoap_client_tcp_init_manual(&client) != 0) {
		fprintf(stderr, "init failed\n");
		return 1;
	}
	/* Returns at once; the loop completes the connect and sends the CSM. */
	r = coap_client_tcp_connect(&client, (struct sockaddr *)&server, sizeof(server),
				    IPPROTO_TCP);
	while (r == 0 && zcoap_client_tcp_conn_state(&client) == -EINPROGRESS) {
		r = loop_once(&client);
	}
	if (r == 0) {
		r = zcoap_client_tcp_conn_state(&client);
	}
	if (r < 0) {
		fprintf(stderr, "connect: %s\n", zcoap_strerror(r));
		zcoap_client_tcp_deinit(&client);
		return 1;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct state st = {0};
		struct coap_client_tcp_request req = {
		    .method = COAP_METHOD_GET,
		    .cb = on_response,
		    .user_data = &st,
		};

		snprintf(req.path, sizeof(req.path), "%s", paths[i]);
		r = coap_client_tcp_req(&client, &req);
		if (r < 0) {
			fprintf(stderr, "request: %s\n", zcoap_strerror(r));
			failures++;
			continue;
		}
		/* The request's timeout (or the connection's end) bounds this loop. */
		while (!st.done && r >= 0) {
			r = loop_once(&client);
		}
		if (st.code < 0) {
			printf("GET /%s: %s\n", paths[i], zcoap_strerror(st.code));
		} else {
			printf("GET /%s: %d.%02d, %zu bytes\n", paths[i], st.code >> 5,
			       st.code & 0x1f, st.bytes);
		}
		failures += r < 0 || st.code != COAP_RESPONSE_CODE_CONTENT;
	}
	(void)coap_client_tcp_close(&client);
	zcoap_client_tcp_deinit(&client);
	return failures == 0 ? 0 : 1;
}
