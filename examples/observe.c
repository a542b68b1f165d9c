/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * observe.c -- observe a resource of a CoAP server on 127.0.0.1 (RFC 7641)
 * for a number of notifications, then deregister.
 *
 * Usage: example_observe [PORT [PATH [COUNT]]]   (defaults: 5683 time 5)
 * Serve it with `coap-server-notls -A 127.0.0.1`; its /example_data is larger
 * than one block, so its notifications arrive block-wise (RFC 7959 §2.6).
 */
#define _POSIX_C_SOURCE 200809L

#include <coap_client.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static sem_t notified;
static bool failed;
static bool deregistering; /* the answer to the deregistration has no Observe */

/* What the first block of the notification being delivered said. */
static bool has_observe;
static uint32_t observe_value;

static void on_notification(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			    bool last_block, void *user_data)
{
	const struct zcoap_response_info *info = zcoap_client_response_info();

	(void)user_data;
	if (code < 0) {
		if (!deregistering) {
			fprintf(stderr, "observation ended: %s\n", zcoap_strerror(code));
			failed = true;
		}
		sem_post(&notified);
		return;
	}
	if (offset == 0) {
		/*
		 * Only the first block of a notification carries Observe: the
		 * library fetches the other blocks with requests of their own.
		 */
		has_observe = info != NULL && info->has_observe;
		observe_value = has_observe ? info->observe : 0;
	}
	if (payload != NULL) {
		fwrite(payload, 1, len, stdout); /* the body, block by block */
	}
	if (last_block) {
		printf("\n(%d.%02d, %s %u)\n", code >> 5, code & 0x1f,
		       has_observe ? "observe" : "no observe: final answer",
		       (unsigned int)observe_value);
		fflush(stdout);
		if (!has_observe && !deregistering) {
			failed = true; /* not (or no longer) observed (RFC 7641 §3.2) */
		}
		sem_post(&notified);
	}
}

int main(int argc, char **argv)
{
	static struct coap_client client;
	struct sockaddr_in server = {.sin_family = AF_INET};
	/* Observe = 0 registers (RFC 7641 §3.1). */
	struct coap_client_option observe = {.code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = argc > 2 ? argv[2] : "time",
	    .cb = on_notification,
	    .options = &observe,
	    .num_options = 1,
	    .observe_liveness = ZCOAP_OBSERVE_REREGISTER, /* the default: re-register when quiet */
	};
	int count = argc > 3 ? atoi(argv[3]) : 5;
	int sock = socket(AF_INET, SOCK_DGRAM, 0);

	server.sin_port = htons((uint16_t)(argc > 1 ? atoi(argv[1]) : 5683));
	inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
	if (sock < 0 || sem_init(&notified, 0, 0) != 0 || coap_client_init(&client, NULL) != 0 ||
	    coap_client_req(&client, sock, (struct sockaddr *)&server, &req, NULL) != 0) {
		return 1;
	}
	for (int i = 0; i < count && !failed; i++) {
		while (sem_wait(&notified) != 0 && errno == EINTR) {
		}
	}
	/* GET with Observe = 1 and the registration token; its response is the last callback. */
	deregistering = true;
	if (!failed && coap_client_deregister_observe(&client, &req) == 0) {
		while (sem_wait(&notified) != 0 && errno == EINTR) {
		}
	}
	zcoap_client_deinit(&client);
	close(sock);
	return failed ? 1 : 0;
}
