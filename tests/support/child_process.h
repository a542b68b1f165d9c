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

#endif /* ZCOAP_TEST_CHILD_PROCESS_H */
