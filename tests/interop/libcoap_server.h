/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libcoap_server.h -- run libcoap's example server (coap-server-notls) as a
 * child process on a free loopback port for interop tests.
 */

#ifndef ZCOAP_LIBCOAP_SERVER_H
#define ZCOAP_LIBCOAP_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/** A running server. */
struct lc_server {
	pid_t pid;
	uint16_t port;
	struct sockaddr_in addr; /**< 127.0.0.1:port */
};

/**
 * Path of the server binary: $ZCOAP_COAP_SERVER, else coap-server-notls
 * (then coap-server) found on $PATH. NULL when none is installed.
 */
const char *lc_server_binary(void);

/**
 * Start the server with "-A 127.0.0.1 -p PORT" plus @p extra (NULL-terminated,
 * may be NULL) on a free port, and wait (bounded) until it answers a CoAP
 * ping. Retries with another port when the server dies at start.
 * Its output goes to $ZCOAP_INTEROP_LOG when set, else to /dev/null.
 * @retval 0 Running.
 * @retval -ENOENT No server binary.
 * @retval <0 Other failure.
 */
int lc_server_start(struct lc_server *s, const char *const *extra);

/** Kill and reap the server (idempotent). */
void lc_server_stop(struct lc_server *s);

#endif /* ZCOAP_LIBCOAP_SERVER_H */
