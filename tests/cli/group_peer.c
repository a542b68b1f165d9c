/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * group_peer.c -- two CoAP responders that joined an IPv4 multicast group on
 * the loopback interface, for the zcoap tool's multicast tests (RFC 7252 §8):
 *
 *   group_peer GROUP two      responder A answers a NON request with a NON
 *                             2.05 "hello A", responder B with a NON 4.04
 *                             "gone B", each from a unicast socket of its own
 *                             on 127.0.0.1 (as RFC 7252 §8.1 has it)
 *   group_peer GROUP errors   both answer with a NON 4.04 ("gone A", "gone B")
 *   group_peer GROUP silent   both hear the request and never answer
 *
 * A CON request (RFC 7252 §8.1 forbids it) is not answered. Prints the
 * group's port (ephemeral, shared by both members) on the first line of
 * stdout, then "got N" after each request a member heard; exits 77 with
 * "skip" on stdout when the kernel refuses to join the group on loopback.
 * Runs until killed or for at most 60 seconds.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peer_socket.h"

/* A socket bound to GROUP:port that joined the group on loopback, or -1. */
static int member(struct in_addr group, uint16_t port)
{
	struct sockaddr_in a;
	struct ip_mreq mreq;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int on = 1;

	if (fd < 0) {
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr = group;
	mreq.imr_multiaddr = group;
	mreq.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	return getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : 0;
}

/* A unicast socket on 127.0.0.1 (ephemeral port), or -1. */
static int unicast(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Answer request @p in (@p n bytes) from @p reply to @p to: NON, @p code, @p body. */
static void answer(int reply, const uint8_t *in, size_t n, const struct sockaddr_in *to,
		   uint8_t code, uint16_t mid, const char *body)
{
	uint8_t out[64];
	size_t tkl = (size_t)(in[0] & 0x0F);
	size_t len = strlen(body);
	size_t k;

	if (n < 4 + tkl || tkl > 8 || 4 + tkl + 1 + len > sizeof(out)) {
		return;
	}
	out[0] = (uint8_t)(0x50 | tkl); /* version 1, NON */
	out[1] = code;
	out[2] = (uint8_t)(mid >> 8);
	out[3] = (uint8_t)mid;
	memcpy(out + 4, in + 4, tkl);
	k = 4 + tkl;
	out[k++] = 0xFF;
	memcpy(out + k, body, len);
	k += len;
	if (sendto(reply, out, k, 0, (const struct sockaddr *)to, sizeof(*to)) < 0) {
		perror("sendto");
	}
}

int main(int argc, char **argv)
{
	struct in_addr group;
	bool silent = argc == 3 && strcmp(argv[2], "silent") == 0;
	bool errors = argc == 3 && strcmp(argv[2], "errors") == 0;
	time_t end = time(NULL) + 60;
	int fds[2];
	int reply[2];
	unsigned long got = 0;
	uint16_t mid = 0x4000;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &group) != 1 ||
	    (!silent && !errors && strcmp(argv[2], "two") != 0)) {
		fprintf(stderr, "usage: group_peer GROUP two|errors|silent\n");
		return 2;
	}
	fds[0] = member(group, 0);
	fds[1] = fds[0] >= 0 ? member(group, port_of(fds[0])) : -1;
	if (fds[1] < 0) {
		printf("skip\n");
		fprintf(stderr, "group_peer: the kernel refuses to join %s on loopback\n", argv[1]);
		return 77;
	}
	reply[0] = unicast();
	reply[1] = unicast();
	if (reply[0] < 0 || reply[1] < 0) {
		perror("socket");
		return 1;
	}
	printf("%u\n", port_of(fds[0]));
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd pfd[2] = {{.fd = fds[0], .events = POLLIN},
					{.fd = fds[1], .events = POLLIN}};

		if (poll(pfd, 2, 1000) <= 0) {
			continue;
		}
		for (int i = 0; i < 2; i++) {
			struct sockaddr_in from;
			socklen_t flen = sizeof(from);
			uint8_t in[2048];
			ssize_t n;

			if ((pfd[i].revents & POLLIN) == 0) {
				continue;
			}
			n = recvfrom(fds[i], in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
			/* version 1, NON, a request code */
			if (n < 4 || (in[0] & 0xF0) != 0x50 || in[1] == 0 || (in[1] >> 5) != 0) {
				continue;
			}
			printf("got %lu\n", ++got);
			fflush(stdout);
			if (silent) {
				continue;
			}
			if (i == 0) {
				answer(reply[0], in, (size_t)n, &from,
				       errors ? (4 << 5) | 4 : (2 << 5) | 5, mid++,
				       errors ? "gone A" : "hello A");
			} else {
				answer(reply[1], in, (size_t)n, &from, (4 << 5) | 4, mid++,
				       "gone B");
			}
		}
	}
	return 0;
}
