/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * node_server.h -- run tests/interop/node/server.js (a node-coap server) as
 * a child process on a free loopback port for interop tests.
 */

#ifndef ZCOAP_NODE_SERVER_H
#define ZCOAP_NODE_SERVER_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/types.h>

/** A running node-coap server. */
struct node_server {
	pid_t pid;
	uint16_t port;
	struct sockaddr_in addr; /**< 127.0.0.1:port */
};

/**
 * Whether the server can run: a `node` executable ($ZCOAP_NODE, else found on
 * $PATH) and the installed npm packages (node_modules/coap beside server.js).
 * @param why Set to a reason when it cannot.
 */
int node_server_available(const char **why);

/**
 * Start `node server.js 0` and read its "PORT n" line (bounded wait).
 * server.js is looked for in $ZCOAP_NODE_SERVER_DIR, else in the directory
 * compiled in as ZCOAP_NODE_SERVER_DIR. The server's stderr goes to
 * $ZCOAP_INTEROP_LOG when set, to ours when $ZCOAP_NODE_LOG is set (its
 * datagram log), else to /dev/null.
 * @retval 0 Running.
 * @retval <0 Negative errno.
 */
int node_server_start(struct node_server *s);

/** SIGTERM, then SIGKILL after 3 s, and reap (idempotent). */
void node_server_stop(struct node_server *s);

#endif /* ZCOAP_NODE_SERVER_H */
