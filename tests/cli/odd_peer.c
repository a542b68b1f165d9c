/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * odd_peer.c -- a UDP peer on 127.0.0.1 that answers every CON request with
 * a piggybacked ACK the client must reject (RFC 7252 §4.2, §5.4.1), or with
 * an Empty ACK alone, for the zcoap tool's tests of rejected responses and
 * timeouts:
 *
 *   odd_peer class7     code 7.01 (a reserved class, RFC 7252 §12.1)
 *   odd_peer critical   2.05 with the critical option 9 (OSCORE), empty
 *   odd_peer badlen     2.05 with a 3-byte Uri-Port (7): a critical option of a
 *                       bad length (RFC 7252 §5.4.1, §5.10.1)
 *   odd_peer ack        an Empty ACK only: the separate response never comes
 *
 * Prints its port on the first line of stdout, then answers until killed or
 * for at most 60 seconds (a forgotten peer must not outlive the test run).
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

int main(int argc, char **argv)
{
	bool class7 = argc > 1 && strcmp(argv[1], "class7") == 0;
	bool ack = argc > 1 && strcmp(argv[1], "ack") == 0;
	bool badlen = argc > 1 && strcmp(argv[1], "badlen") == 0;
	time_t end = time(NULL) + 60;
	int fd;

	if (argc != 2 || (!class7 && !ack && !badlen && strcmp(argv[1], "critical") != 0)) {
		fprintf(stderr, "usage: odd_peer class7|critical|badlen|ack\n");
		return 2;
	}
	fd = peer_socket_open();
	if (fd < 0) {
		return 1;
	}
	while (time(NULL) < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		uint8_t in[2048];
		uint8_t out[32];
		size_t tkl;
		size_t n;
		ssize_t got;

		if (poll(&pfd, 1, 1000) <= 0) {
			continue;
		}
		got = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
		if (got < 0) {
			break;
		}
		tkl = (size_t)(in[0] & 0x0F);
		/* version 1, CON, a request code, a token that fits */
		if (got < 4 || (in[0] >> 4) != 0x4 || tkl > 8 || (size_t)got < 4 + tkl ||
		    in[1] == 0 || (in[1] >> 5) != 0) {
			continue;
		}
		if (ack) {
			out[0] = 0x60; /* version 1, ACK, no token */
			out[1] = 0;    /* Empty */
			memcpy(out + 2, in + 2, 2);
			if (sendto(fd, out, 4, 0, (struct sockaddr *)&from, flen) < 0) {
				break;
			}
			continue;
		}
		out[0] = (uint8_t)(0x60 | tkl); /* version 1, ACK */
		out[1] = class7 ? (uint8_t)((7 << 5) | 1) : (uint8_t)((2 << 5) | 5);
		memcpy(out + 2, in + 2, 2 + tkl); /* MID and token */
		n = 4 + tkl;
		if (badlen) {
			out[n++] = 0x73; /* option delta 7 (Uri-Port), length 3 */
			out[n++] = 0x01;
			out[n++] = 0x02;
			out[n++] = 0x03;
		} else if (!class7) {
			out[n++] = 0x90; /* option delta 9 (OSCORE), length 0 */
		}
		out[n++] = 0xFF;
		memcpy(out + n, "odd", 3);
		n += 3;
		if (sendto(fd, out, n, 0, (struct sockaddr *)&from, flen) < 0) {
			break;
		}
	}
	close(fd);
	return 0;
}
