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

#include "peer_socket.h"

int main(void)
{
	time_t end = time(NULL) + 60;
	int fd = peer_socket_open();

	if (fd < 0) {
		return 1;
	}
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
