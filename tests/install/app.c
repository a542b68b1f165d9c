/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * app.c -- a program built against an *installed* zcoap (see run.sh): it uses
 * only <coap.h> and <coap_client.h> from <prefix>/include/zcoap and links the
 * installed library. It checks the codec against hand-assembled bytes, then
 * does one confirmable GET over loopback UDP with the client thread, playing
 * the server itself, and exits 0 only when everything matched.
 *
 * Usage: app [expected-profile]   (the ZCOAP_PROFILE the library was built with)
 */

#define _POSIX_C_SOURCE 200809L

#include <coap.h>
#include <coap_client.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "app: %s:%d: check failed: %s\n", __FILE__, __LINE__,      \
				#cond);                                                            \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* Generous bound for each wait on loopback; nothing here sleeps for a fixed time. */
#define WAIT_MS 10000

static const char response_body[] = "21.5 C";

/*
 * The GET below, assembled by hand from RFC 7252 §3 and §3.1: Ver 1, CON,
 * TKL 4 (0x44), code 0.01, MID 0x1234, the token, then Uri-Path "sensors"
 * (delta 11, length 7), Uri-Path "temp" (delta 0, length 4) and Uri-Query
 * "unit=c" (delta 4, length 6).
 */
static const uint8_t expected_get[] = {
    0x44, 0x01, 0x12, 0x34, 0xd1, 0xd2, 0xd3, 0xd4, 0xb7, 's', 'e', 'n', 's', 'o',
    'r',  's',  0x04, 't',  'e',  'm',  'p',  0x46, 'u',  'n', 'i', 't', '=', 'c',
};

static int check_codec(void)
{
	static const uint8_t token[] = {0xd1, 0xd2, 0xd3, 0xd4};
	uint8_t buf[64];
	uint8_t tok[COAP_TOKEN_MAX_LEN];
	struct coap_packet pkt;
	struct coap_packet parsed;
	struct coap_option opts[4];
	uint16_t payload_len = 1;

	CHECK(coap_packet_init(&pkt, buf, sizeof(buf), COAP_VERSION_1, COAP_TYPE_CON, sizeof(token),
			       token, COAP_METHOD_GET, 0x1234) == 0);
	CHECK(coap_packet_set_path(&pkt, "sensors/temp?unit=c") == 0);
	CHECK(pkt.offset == sizeof(expected_get));
	CHECK(memcmp(buf, expected_get, sizeof(expected_get)) == 0);

	CHECK(coap_packet_parse(&parsed, buf, pkt.offset, NULL, 0) == 0);
	CHECK(coap_header_get_version(&parsed) == 1);
	CHECK(coap_header_get_type(&parsed) == COAP_TYPE_CON);
	CHECK(coap_header_get_code(&parsed) == COAP_METHOD_GET);
	CHECK(coap_header_get_id(&parsed) == 0x1234);
	CHECK(coap_packet_is_request(&parsed));
	CHECK(coap_header_get_token(&parsed, tok) == sizeof(token));
	CHECK(memcmp(tok, token, sizeof(token)) == 0);
	CHECK(coap_find_options(&parsed, COAP_OPTION_URI_PATH, opts, 4) == 2);
	CHECK(opts[0].len == 7 && memcmp(opts[0].value, "sensors", 7) == 0);
	CHECK(opts[1].len == 4 && memcmp(opts[1].value, "temp", 4) == 0);
	CHECK(coap_find_options(&parsed, COAP_OPTION_URI_QUERY, opts, 4) == 1);
	CHECK(opts[0].len == 6 && memcmp(opts[0].value, "unit=c", 6) == 0);
	CHECK(coap_packet_get_payload(&parsed, &payload_len) == NULL && payload_len == 0);

	/* A truncated copy must be rejected, not read past its end. */
	CHECK(coap_packet_parse(&parsed, buf, (uint16_t)(pkt.offset - 1), NULL, 0) < 0);
	return 0;
}

struct exchange {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;
	int16_t code;
	bool last_block;
	size_t len;
	char body[32];
};

static void on_response(int16_t result_code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	struct exchange *ex = user_data;

	(void)offset;
	pthread_mutex_lock(&ex->lock);
	ex->calls++;
	ex->code = result_code;
	ex->last_block = last_block;
	ex->len = len;
	if (payload != NULL && len < sizeof(ex->body)) {
		memcpy(ex->body, payload, len);
	}
	pthread_cond_signal(&ex->cond);
	pthread_mutex_unlock(&ex->lock);
}

static int wait_for_callback(struct exchange *ex)
{
	struct timespec deadline;
	int rc = 0;
	int calls;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&ex->lock);
	while (ex->calls == 0 && rc == 0) {
		rc = pthread_cond_timedwait(&ex->cond, &ex->lock, &deadline);
	}
	calls = ex->calls;
	pthread_mutex_unlock(&ex->lock);
	return calls > 0 ? 0 : -ETIMEDOUT;
}

/* Plays the server: answers the client's GET with a piggybacked 2.05 (RFC 7252 §5.2.1). */
static int serve_one(int srv)
{
	struct pollfd pfd = {.fd = srv, .events = POLLIN};
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof(peer);
	uint8_t in[256];
	uint8_t out[256];
	struct coap_packet req;
	struct coap_packet resp;
	struct coap_option opts[2];
	ssize_t n;

	CHECK(poll(&pfd, 1, WAIT_MS) == 1);
	n = recvfrom(srv, in, sizeof(in), 0, (struct sockaddr *)&peer, &peer_len);
	CHECK(n > 0);
	CHECK(coap_packet_parse(&req, in, (uint16_t)n, NULL, 0) == 0);
	CHECK(coap_header_get_type(&req) == COAP_TYPE_CON);
	CHECK(coap_header_get_code(&req) == COAP_METHOD_GET);
	CHECK(coap_find_options(&req, COAP_OPTION_URI_PATH, opts, 2) == 2);
	CHECK(opts[0].len == 7 && memcmp(opts[0].value, "sensors", 7) == 0);
	CHECK(opts[1].len == 4 && memcmp(opts[1].value, "temp", 4) == 0);

	CHECK(coap_ack_init(&resp, &req, out, sizeof(out), COAP_RESPONSE_CODE_CONTENT) == 0);
	CHECK(coap_append_option_int(&resp, COAP_OPTION_CONTENT_FORMAT,
				     COAP_CONTENT_FORMAT_TEXT_PLAIN) == 0);
	CHECK(coap_packet_append_payload_marker(&resp) == 0);
	CHECK(coap_packet_append_payload(&resp, (const uint8_t *)response_body,
					 (uint16_t)strlen(response_body)) == 0);
	CHECK(sendto(srv, out, resp.offset, 0, (struct sockaddr *)&peer, peer_len) ==
	      (ssize_t)resp.offset);
	return 0;
}

static int check_client(void)
{
	static struct coap_client client;
	static struct exchange ex = {
	    .lock = PTHREAD_MUTEX_INITIALIZER,
	    .cond = PTHREAD_COND_INITIALIZER,
	};
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "sensors/temp",
	    .cb = on_response,
	    .user_data = &ex,
	};
	struct sockaddr_in srv_addr = {.sin_family = AF_INET};
	socklen_t srv_len = sizeof(srv_addr);
	int srv;
	int sock;

	srv_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(srv >= 0);
	CHECK(bind(srv, (struct sockaddr *)&srv_addr, sizeof(srv_addr)) == 0);
	CHECK(getsockname(srv, (struct sockaddr *)&srv_addr, &srv_len) == 0);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(sock >= 0);

	CHECK(coap_client_init(&client, "install-app") == 0);
	CHECK(coap_client_init(&client, NULL) == -EALREADY);
	CHECK(coap_client_req(&client, sock, (struct sockaddr *)&srv_addr, &req, NULL) == 0);
	CHECK(serve_one(srv) == 0);
	CHECK(wait_for_callback(&ex) == 0);

	pthread_mutex_lock(&ex.lock);
	CHECK(ex.calls == 1);
	CHECK(ex.code == COAP_RESPONSE_CODE_CONTENT);
	CHECK(ex.last_block);
	CHECK(ex.len == strlen(response_body) && memcmp(ex.body, response_body, ex.len) == 0);
	pthread_mutex_unlock(&ex.lock);

	CHECK(zcoap_client_deinit(&client) == 0);
	CHECK(coap_client_req(&client, sock, (struct sockaddr *)&srv_addr, &req, NULL) ==
	      -ESHUTDOWN);
	close(sock);
	close(srv);
	return 0;
}

int main(int argc, char **argv)
{
	const char *text = zcoap_strerror(-ETIMEDOUT);

	/* ZCOAP_CONFIG_PROFILE exists only in the generated, installed zcoap_build_config.h. */
	if (argc > 1 && strcmp(argv[1], ZCOAP_CONFIG_PROFILE) != 0) {
		fprintf(stderr, "app: library built with profile '%s', expected '%s'\n",
			ZCOAP_CONFIG_PROFILE, argv[1]);
		return 1;
	}
	if (text == NULL || text[0] == '\0') {
		fprintf(stderr, "app: zcoap_strerror gave no text\n");
		return 1;
	}
	if (check_codec() != 0 || check_client() != 0) {
		return 1;
	}
	printf("app: ok (profile %s, %d request slots, %d-byte messages)\n", ZCOAP_CONFIG_PROFILE,
	       ZCOAP_CONFIG_MAX_REQUESTS, MAX_COAP_MSG_LEN);
	return 0;
}
