/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * app_4_3.c -- a program in the Zephyr 4.3 shape of coap_client.h (issue 14
 * point 6), built by tests/install/run.sh with -DZCOAP_ZEPHYR_API_4_3
 * against the installed library: a GET with the path and an option inside
 * the request, answered by a tiny server on loopback in this program, and a
 * callback that takes a struct coap_client_response_data.
 */

#define _POSIX_C_SOURCE 200809L

#include <coap_client.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static sem_t done;
static int result = -1;

static void on_response(const struct coap_client_response_data *data, void *user_data)
{
	(void)user_data;
	if (data->last_block && data->result_code == COAP_RESPONSE_CODE_CONTENT &&
	    data->packet != NULL && data->payload_len == 2 && memcmp(data->payload, "ok", 2) == 0) {
		result = 0;
	}
	sem_post(&done);
}

static int udp_socket(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0) {
		return -1;
	}
	return fd;
}

int main(void)
{
	static struct coap_client client;
	struct coap_client_request req = {
	    .method = COAP_METHOD_GET,
	    .confirmable = true,
	    .path = "hello",
	    .options = {{.code = COAP_OPTION_ACCEPT, .len = 1, .value = {0}}},
	    .num_options = 1,
	    .cb = on_response,
	};
	struct sockaddr_in me, srv, from;
	socklen_t fromlen = sizeof(from);
	uint8_t buf[256], out[256];
	struct coap_packet rq, rs;
	ssize_t n;
	int csock = udp_socket(&me);
	int ssock = udp_socket(&srv);

	if (csock < 0 || ssock < 0 || sem_init(&done, 0, 0) != 0 ||
	    coap_client_init(&client, NULL) != 0 ||
	    coap_client_req(&client, csock, (struct sockaddr *)&srv, &req, NULL) != 0) {
		fprintf(stderr, "app_4_3: setup failed\n");
		return 1;
	}
	n = recvfrom(ssock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0 || coap_packet_parse(&rq, buf, (uint16_t)n, NULL, 0) != 0 ||
	    coap_ack_init(&rs, &rq, out, sizeof(out), COAP_RESPONSE_CODE_CONTENT) != 0 ||
	    coap_packet_append_payload_marker(&rs) != 0 ||
	    coap_packet_append_payload(&rs, (const uint8_t *)"ok", 2) != 0 ||
	    sendto(ssock, out, rs.offset, 0, (struct sockaddr *)&from, fromlen) < 0) {
		fprintf(stderr, "app_4_3: the server part failed\n");
		return 1;
	}
	sem_wait(&done);
	zcoap_client_deinit(&client);
	close(csock);
	close(ssock);
	printf("app_4_3: %s\n", result == 0 ? "ok" : "unexpected response");
	return result == 0 ? 0 : 1;
}
