/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * child_process.h -- the peer servers the tests start (coap-server-*, node):
 * start with output to a log and death with the test process, stop with
 * SIGTERM and a bounded wait before SIGKILL.
 */
#ifndef ZCOAP_TEST_CHILD_PROCESS_H
#define ZCOAP_TEST_CHILD_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * Start @p argv[0] (a path) with @p argv. stdout and stderr go to @p log
 * (NULL: /dev/null), truncated first when @p truncate. The child is killed
 * when the test process dies, even when a sanitizer aborts it.
 * @return The child's pid, or a negative errno.
 */
pid_t child_spawn(const char *const *argv, const char *log, bool truncate);

/**
 * Ask @p pid to stop (SIGTERM); after @p grace_ms send SIGKILL. Reaps it.
 * A pid <= 0 is ignored.
 */
void child_stop(pid_t pid, int grace_ms);

/** child_port_owner(): who holds a local port. */
enum child_port {
	CHILD_PORT_FREE,  /**< no socket is bound to it (for TCP: listens on it) */
	CHILD_PORT_CHILD, /**< the child holds it */
	CHILD_PORT_OTHER, /**< another process holds it */
};

/**
 * Who holds local port @p port over UDP, or over TCP (@p tcp: a listening
 * socket), on IPv4 or IPv6, read from /proc/net and /proc/PID/fd. A
 * server that answers on one port may have failed to bind another one
 * (libcoap's servers only warn and go on): the tests use this to restart
 * such a server on fresh ports instead of failing later.
 */
enum child_port child_port_owner(pid_t pid, bool tcp, uint16_t port);

#endif /* ZCOAP_TEST_CHILD_PROCESS_H */
