/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * uv_loop.c -- event-loop mode (zcoap_loop.h) under libuv: three clients,
 * each with its own socket, share one uv loop with an application timer.
 * Each client's descriptors are uv_poll_t handles kept in step with
 * zcoap_client_get_fds(), and its deadline is a uv_timer_t. The application
 * timer submits a GET every 20 ms, round robin over the clients, until
 * NREQ answers arrived; then everything is closed and uv_run() returns.
 *
 * Usage: example_uv_loop [HOST [PORT]]   (default 127.0.0.1 5683)
 * Exit status 0 when every answer was 2.05 Content.
 */
#define _POSIX_C_SOURCE 200809L

#include <coap_client.h>
#include <zcoap_loop.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define NCLIENTS 3
#define NREQ     9

struct watch {
	uv_poll_t handle;
	int fd;
	bool used;
	struct app_client *owner;
};

struct app_client {
	struct coap_client client;
	int sock;
	uv_timer_t deadline;
	struct watch watches[ZCOAP_CLIENT_MAX_FDS];
};

static struct app_client clients[NCLIENTS];
static struct sockaddr_in server = {.sin_family = AF_INET};
static uv_timer_t app_timer;
static int submitted;
static int answered;
static int good;

static void sync_client(struct app_client *c);

static void on_response(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	struct app_client *c = user_data;

	(void)offset;
	(void)payload;
	(void)len;
	if (last_block) {
		printf("client %d: %d.%02d\n", (int)(c - clients), code >> 5, code & 0x1f);
		answered++;
		good += code == COAP_RESPONSE_CODE_CONTENT;
	}
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct watch *w = h->data;
	unsigned int ev = status < 0 ? ZCOAP_FD_ERR : 0;

	if (events & UV_READABLE) {
		ev |= ZCOAP_FD_IN;
	}
	(void)zcoap_client_fd_ready(&w->owner->client, w->fd, ev);
	sync_client(w->owner);
}

static void on_deadline(uv_timer_t *t)
{
	struct app_client *c = t->data;

	(void)zcoap_client_timeout(&c->client);
	sync_client(c);
}

static void on_watch_closed(uv_handle_t *h)
{
	((struct watch *)h->data)->used = false;
}

/* Poll exactly the client's descriptors, and arm its deadline timer. */
static void sync_client(struct app_client *c)
{
	int fds[ZCOAP_CLIENT_MAX_FDS];
	int timeout;
	int n = zcoap_client_get_fds(&c->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);

	for (int k = 0; k < ZCOAP_CLIENT_MAX_FDS; k++) {
		struct watch *w = &c->watches[k];
		bool wanted = false;

		for (int i = 0; i < n && w->used; i++) {
			wanted = wanted || fds[i] == w->fd;
		}
		if (w->used && !wanted && !uv_is_closing((uv_handle_t *)&w->handle)) {
			uv_close((uv_handle_t *)&w->handle, on_watch_closed);
		}
	}
	for (int i = 0; i < n; i++) {
		struct watch *free_w = NULL;
		bool have = false;

		for (int k = 0; k < ZCOAP_CLIENT_MAX_FDS; k++) {
			struct watch *w = &c->watches[k];

			if (w->used && w->fd == fds[i] &&
			    !uv_is_closing((uv_handle_t *)&w->handle)) {
				have = true;
			} else if (!w->used && free_w == NULL) {
				free_w = w;
			}
		}
		if (!have && free_w != NULL) {
			free_w->fd = fds[i];
			free_w->used = true;
			free_w->owner = c;
			free_w->handle.data = free_w;
			uv_poll_init(uv_default_loop(), &free_w->handle, fds[i]);
			uv_poll_start(&free_w->handle, UV_READABLE, on_readable);
		}
	}
	if (timeout < 0) {
		uv_timer_stop(&c->deadline);
	} else {
		uv_timer_start(&c->deadline, on_deadline, (uint64_t)timeout, 0);
	}
}

static void close_all(void)
{
	uv_timer_stop(&app_timer);
	uv_close((uv_handle_t *)&app_timer, NULL);
	for (int i = 0; i < NCLIENTS; i++) {
		struct app_client *c = &clients[i];

		for (int k = 0; k < ZCOAP_CLIENT_MAX_FDS; k++) {
			if (c->watches[k].used &&
			    !uv_is_closing((uv_handle_t *)&c->watches[k].handle)) {
				uv_close((uv_handle_t *)&c->watches[k].handle, on_watch_closed);
			}
		}
		uv_close((uv_handle_t *)&c->deadline, NULL);
	}
}

static void on_app_timer(uv_timer_t *t)
{
	(void)t;
	if (answered == NREQ) {
		close_all(); /* uv_run() returns once the handles are closed */
		return;
	}
	if (submitted < NREQ) {
		struct app_client *c = &clients[submitted % NCLIENTS];
		struct coap_client_request req = {
		    .method = COAP_METHOD_GET,
		    .confirmable = true,
		    .path = ".well-known/core",
		    .cb = on_response,
		    .user_data = c,
		};
		int r =
		    coap_client_req(&c->client, c->sock, (struct sockaddr *)&server, &req, NULL);

		if (r < 0) {
			fprintf(stderr, "request: %s\n", zcoap_strerror(r));
			answered++; /* counts as a failure */
		}
		submitted++;
		sync_client(c); /* a new socket or an earlier deadline to watch */
	}
}

int main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();

	server.sin_port = htons((uint16_t)(argc > 2 ? atoi(argv[2]) : 5683));
	if (inet_pton(AF_INET, argc > 1 ? argv[1] : "127.0.0.1", &server.sin_addr) != 1) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	for (int i = 0; i < NCLIENTS; i++) {
		struct app_client *c = &clients[i];

		c->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (c->sock < 0 || zcoap_client_init_manual(&c->client) != 0) {
			perror("setup");
			return 1;
		}
		uv_timer_init(loop, &c->deadline);
		c->deadline.data = c;
		sync_client(c);
	}
	uv_timer_init(loop, &app_timer);
	uv_timer_start(&app_timer, on_app_timer, 20, 20);
	uv_run(loop, UV_RUN_DEFAULT);
	for (int i = 0; i < NCLIENTS; i++) {
		zcoap_client_deinit(&clients[i].client);
		close(clients[i].sock);
	}
	uv_loop_close(loop);
	printf("%d of %d answers were 2.05\n", good, NREQ);
	return good == NREQ ? 0 : 1;
}
