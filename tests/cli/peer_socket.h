/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * peer_socket.h -- the start of the CLI tests' small UDP peers
 * (silent_peer.c, body_peer.c): a socket on 127.0.0.1 with an ephemeral
 * port, which is printed on the first line of standard output so the test
 * script can read it.
 */
#ifndef ZCOAP_CLI_PEER_SOCKET_H
#define ZCOAP_CLI_PEER_SOCKET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The bound socket, or -1 after a message on standard error. */
static inline int peer_socket_open(void)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("socket");
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
		perror("bind");
		return -1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	return fd;
}

#endif /* ZCOAP_CLI_PEER_SOCKET_H */
