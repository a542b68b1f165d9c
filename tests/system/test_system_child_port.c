/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_child_port.c -- the test support's child_port_owner(), which
 * the peer-server starters use to restart a libcoap server that answers on
 * its plain port but lost its DTLS (or TCP) port to another process: such
 * a server only warns, and the tests then failed with ECONNREFUSED.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_process.h"

/* A socket of @p type bound to 127.0.0.1 on an ephemeral port (TCP: listening). */
static int bound(int type, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	if (type == SOCK_STREAM) {
		assert_int_equal(listen(fd, 1), 0);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_owner(void **state)
{
	uint16_t child_udp;
	uint16_t child_tcp;
	uint16_t mine_udp;
	uint16_t mine_tcp;
	uint16_t closed;
	int fds[2] = {bound(SOCK_DGRAM, &child_udp), bound(SOCK_STREAM, &child_tcp)};
	int mine[2] = {bound(SOCK_DGRAM, &mine_udp), bound(SOCK_STREAM, &mine_tcp)};
	int gone = bound(SOCK_DGRAM, &closed);
	int sync[2];
	char c = 0;
	pid_t pid;

	(void)state;
	close(gone);
	assert_int_equal(pipe(sync), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child keeps the first two sockets and drops the parent's. */
		close(mine[0]);
		close(mine[1]);
		close(sync[0]);
		(void)write(sync[1], "r", 1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	assert_int_equal(read(sync[0], &c, 1), 1);
	close(fds[0]); /* now only the child holds them */
	close(fds[1]);

	assert_int_equal(child_port_owner(pid, false, child_udp), CHILD_PORT_CHILD);
	assert_int_equal(child_port_owner(pid, true, child_tcp), CHILD_PORT_CHILD);
	assert_int_equal(child_port_owner(pid, false, mine_udp), CHILD_PORT_OTHER);
	assert_int_equal(child_port_owner(pid, true, mine_tcp), CHILD_PORT_OTHER);
	assert_int_equal(child_port_owner(pid, false, closed), CHILD_PORT_FREE);
	/* A UDP port is not a TCP listener, and the reverse. */
	assert_int_equal(child_port_owner(pid, true, child_udp) == CHILD_PORT_CHILD, false);
	assert_int_equal(child_port_owner(pid, false, child_tcp) == CHILD_PORT_CHILD, false);

	kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	close(sync[0]);
	close(mine[0]);
	close(mine[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
