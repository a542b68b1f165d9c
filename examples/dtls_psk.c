/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_psk.c -- GET coaps://127.0.0.1/time with a pre-shared key.
 * Serve it with `coap-server-openssl -A 127.0.0.1 -k secretkey` (coaps on 5684).
 */
#define _POSIX_C_SOURCE 200809L

#include <coap_client.h>
#include <zcoap_dtls.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static sem_t done;

static void on_response(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	(void)offset;
	(void)user_data;
	if (code < 0) {
		fprintf(stderr, "request failed: %s\n", zcoap_strerror(code));
	} else {
		printf("%d.%02d %.*s\n", code >> 5, code & 0x1f, (int)len,
		       payload != NULL ? (const char *)payload : "");
	}
	if (last_block) {
		sem_post(&done);
	}
}

int main(void)
{
	static struct coap_client client;
	static const char identity[] = "Client_identity";
	static const char key[] = "secretkey";
	const zcoap_sec_tag_t tags[] = {1};
	struct zcoap_dtls_config cfg = {.sec_tags = tags, .sec_tag_count = 1};
	struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(5684)};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET, .confirmable = true, .path = "time", .cb = on_response};
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	int ret;

	inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
	/* Credentials under a security tag, as with Zephyr's tls_credential_add(). */
	zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK_ID, identity, strlen(identity));
	zcoap_tls_credential_add(1, ZCOAP_TLS_CREDENTIAL_PSK, key, strlen(key));
	/* The handshake runs here, in this thread; never a plaintext fallback. */
	ret = zcoap_dtls_connect(sock, (struct sockaddr *)&server, sizeof(server), &cfg);
	if (ret < 0) {
		char why[160];

		zcoap_dtls_last_error(sock, why, sizeof(why));
		fprintf(stderr, "DTLS: %s (%s)\n", why, zcoap_dtls_strerror(ret));
		zcoap_dtls_close(sock);
		return 1;
	}
	if (sem_init(&done, 0, 0) != 0 || coap_client_init(&client, NULL) != 0) {
		return 1;
	}
	/* The connected DTLS socket goes to the unchanged client API, with addr NULL. */
	ret = coap_client_req(&client, sock, NULL, &req, NULL);
	if (ret == 0) {
		while (sem_wait(&done) != 0 && errno == EINTR) {
		}
	}
	zcoap_client_deinit(&client);
	zcoap_dtls_close(sock); /* close_notify, free, zeroise, close(sock) */
	return ret == 0 ? 0 : 1;
}
