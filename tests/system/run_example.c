/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * run_example.c -- run one of the event-loop examples (examples/poll_loop.c, epoll_loop.c,
 * uv_loop.c) against libcoap's coap-server-notls, started on a free loopback port
 * (tests/interop/libcoap_server.c): the examples are built AND run in CI.
 *
 * Usage: run_example [--tcp] EXAMPLE_BINARY
 * (--tcp: the example speaks CoAP over TCP, examples/tcp_poll_loop.c: the
 * server's TCP listener, on the same port, is waited for too)
 * Exit status: the example's (0 when all its answers were 2.05), 77 (skip)
 * when no libcoap server is installed, 1 when it could not be run.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcoap_server.h"
#include "tcp_peer.h" /* tcp_wait_listening() */

int main(int argc, char **argv)
{
	struct lc_server srv;
	char port[16];
	pid_t pid;
	int status = 0;
	int r;
	bool tcp = argc == 3 && strcmp(argv[1], "--tcp") == 0;
	const char *example = argv[argc - 1];

	if (argc != 2 && !tcp) {
		fprintf(stderr, "usage: %s [--tcp] EXAMPLE_BINARY\n", argv[0]);
		return 1;
	}
	/* Its TCP listener may come a moment after the UDP answer, or another process may
	 * hold that TCP port: then on another port. */
	for (int attempt = 0;; attempt++) {
		r = lc_server_start(&srv, NULL);
		if (r == -ENOENT) {
			fprintf(stderr, "no coap-server-notls: skipped\n");
			return 77;
		}
		if (r < 0) {
			fprintf(stderr, "coap-server-notls did not start: %d\n", r);
			return 1;
		}
		if (!tcp || tcp_wait_listening(&srv.addr) == 0) {
			break;
		}
		lc_server_stop(&srv);
		if (attempt == 2) {
			fprintf(stderr, "coap-server-notls did not listen on TCP\n");
			return 1;
		}
	}
	(void)snprintf(port, sizeof(port), "%u", (unsigned int)srv.port);
	pid = fork();
	if (pid == 0) {
		execl(example, example, "127.0.0.1", port, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	lc_server_stop(&srv);
	if (pid < 0 || !WIFEXITED(status)) {
		fprintf(stderr, "%s did not exit normally\n", example);
		return 1;
	}
	return WEXITSTATUS(status);
}
