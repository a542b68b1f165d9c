/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * silent_peer.c -- a UDP socket on 127.0.0.1 that reads and never answers,
 * for the zcoap tool's timeout test. Prints its port on the first line of
 * stdout, then drains datagrams until killed or for at most 60 seconds (a
 * forgotten peer must not outlive the test run).
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	time_t end = time(NULL) + 60;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
		perror("bind");
		return 1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char buf[2048];

		if (poll(&pfd, 1, 1000) > 0 && recv(fd, buf, sizeof(buf), 0) < 0) {
			break;
		}
	}
	close(fd);
	return 0;
}
