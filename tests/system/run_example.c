/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * run_example.c -- run one of the event-loop examples (examples/poll_loop.c, epoll_loop.c,
 * uv_loop.c) against libcoap's coap-server-notls, started on a free loopback port
 * (tests/interop/libcoap_server.c): the examples are built AND run in CI.
 *
 * Usage: run_example EXAMPLE_BINARY
 * Exit status: the example's (0 when all its answers were 2.05), 77 (skip)
 * when no libcoap server is installed, 1 when it could not be run.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcoap_server.h"

int main(int argc, char **argv)
{
	struct lc_server srv;
	char port[16];
	pid_t pid;
	int status = 0;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s EXAMPLE_BINARY\n", argv[0]);
		return 1;
	}
	r = lc_server_start(&srv, NULL);
	if (r == -ENOENT) {
		fprintf(stderr, "no coap-server-notls: skipped\n");
		return 77;
	}
	if (r < 0) {
		fprintf(stderr, "coap-server-notls did not start: %d\n", r);
		return 1;
	}
	(void)snprintf(port, sizeof(port), "%u", (unsigned int)srv.port);
	pid = fork();
	if (pid == 0) {
		execl(argv[1], argv[1], "127.0.0.1", port, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	lc_server_stop(&srv);
	if (pid < 0 || !WIFEXITED(status)) {
		fprintf(stderr, "%s did not exit normally\n", argv[1]);
		return 1;
	}
	return WEXITSTATUS(status);
}
