/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_server.h -- run libcoap's coap-server-openssl / coap-server-gnutls
 * (Debian libcoap3-bin) as a child process for the DTLS interop tests.
 */

#ifndef ZCOAP_TEST_DTLS_SERVER_H
#define ZCOAP_TEST_DTLS_SERVER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/** A running server: plain CoAP on @c port, DTLS on @c port + 1 (libcoap's rule). */
struct dtls_srv {
	pid_t pid;
	uint16_t port;
	struct sockaddr_in udp_addr;  /**< 127.0.0.1:port (coap) */
	struct sockaddr_in dtls_addr; /**< 127.0.0.1:port+1 (coaps) */
	char log[512];                /**< The server's stdout+stderr */
};

/**
 * Path of coap-server-@p flavour ("openssl" or "gnutls"), from
 * $ZCOAP_COAP_SERVER_<FLAVOUR> or $PATH; NULL when not installed.
 */
const char *dtls_srv_binary(const char *flavour);

/**
 * Start the server with "-A 127.0.0.1 -p PORT -v 7" plus @p extra
 * (NULL-terminated) on a free port pair, logging to @p log, and wait
 * (bounded) until its plain-CoAP port answers a ping. Retries on other
 * ports when the server dies at start (port taken meanwhile).
 * @retval 0 Running. @retval -ENOENT No binary. @retval <0 Other failure.
 */
int dtls_srv_start(struct dtls_srv *s, const char *flavour, const char *log,
		   const char *const *extra);

/**
 * Start the server of @p s again on the same ports (after dtls_srv_stop()),
 * with the same log file (written anew). 0 or a negative errno.
 */
int dtls_srv_restart(struct dtls_srv *s, const char *flavour, const char *const *extra);

/** SIGTERM the server, wait for it (bounded, then SIGKILL). Idempotent. */
void dtls_srv_stop(struct dtls_srv *s);

/** Whether the server's log contains @p needle (read the log after dtls_srv_stop()). */
bool dtls_srv_log_contains(const struct dtls_srv *s, const char *needle);

/** A loopback UDP port with nothing bound to it (at the time of the call). */
uint16_t dtls_unused_port(void);

/**
 * A UDP relay between the client and a server, counting what the client
 * sends: it proves that nothing leaves a socket after a failed handshake.
 */
struct udp_relay {
	int front;                 /**< the client talks to this one */
	int back;                  /**< connected to the server */
	int wake[2];               /**< stop pipe */
	struct sockaddr_in addr;   /**< address of @c front */
	struct sockaddr_in client; /**< last client address seen */
	bool have_client;
	size_t to_server; /**< datagrams forwarded client -> server */
	int marker;       /**< socket of the markers relay_to_server() sends */
	struct sockaddr_in marker_addr;
	size_t markers_sent;
	size_t markers_seen;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running;
};

/** Start a relay to @p server on a free loopback port. 0 or a negative errno. */
int relay_start(struct udp_relay *r, const struct sockaddr_in *server);

/**
 * Datagrams the client has sent through the relay so far, counting every
 * datagram sent before this call: a marker datagram is queued behind them
 * and the count is read once the relay has seen it (bounded wait).
 * @return The count, or SIZE_MAX when the marker did not come through.
 */
size_t relay_to_server(struct udp_relay *r);

/** Stop the relay and close its sockets (idempotent). */
void relay_stop(struct udp_relay *r);

/** Milliseconds of CLOCK_MONOTONIC. */
int64_t dtls_now_ms(void);

#endif /* ZCOAP_TEST_DTLS_SERVER_H */
