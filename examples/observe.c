/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * observe.c -- observe coap://127.0.0.1/time (RFC 7641) for five
 * notifications, then deregister. Serve it with `coap-server-notls -A 127.0.0.1`.
 */
#define _POSIX_C_SOURCE 200809L

#include <coap_client.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static sem_t notified;

static void on_notification(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			    bool last_block, void *user_data)
{
	const struct zcoap_response_info *info = zcoap_client_response_info();

	(void)offset;
	(void)user_data;
	if (code < 0) {
		fprintf(stderr, "observation ended: %s\n", zcoap_strerror(code));
	} else if (last_block) {
		/* One complete notification (block-wise ones are reassembled in order). */
		printf("%d.%02d observe=%u: %.*s\n", code >> 5, code & 0x1f,
		       info != NULL && info->has_observe ? (unsigned int)info->observe : 0U,
		       (int)len, payload != NULL ? (const char *)payload : "");
	}
	if (last_block) {
		sem_post(&notified);
	}
}

int main(void)
{
	static struct coap_client client;
	struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(5683)};
	/* Observe = 0 registers (RFC 7641 §3.1). */
	struct coap_client_option observe = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "time",
	    .cb = on_notification,
	    .options = &observe,
	    .num_options = 1,
	    .observe_liveness = ZCOAP_OBSERVE_REREGISTER, /* the default: re-register when quiet */
	};
	int sock = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
	if (sock < 0 || sem_init(&notified, 0, 0) != 0 || coap_client_init(&client, NULL) != 0 ||
	    coap_client_req(&client, sock, (struct sockaddr *)&server, &req, NULL) != 0) {
		return 1;
	}
	for (int i = 0; i < 5; i++) {
		while (sem_wait(&notified) != 0 && errno == EINTR) {
		}
	}
	/* GET with Observe = 1 and the registration token; its response is the last callback. */
	if (coap_client_deregister_observe(&client, &req) == 0) {
		while (sem_wait(&notified) != 0 && errno == EINTR) {
		}
	}
	zcoap_client_deinit(&client);
	close(sock);
	return 0;
}
