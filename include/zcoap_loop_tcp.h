/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_loop_tcp.h -- event-loop ("manual") mode of the CoAP-over-TCP
 * client: no receive thread; the application drives the client from its
 * own loop (zcoap extension, docs/design/tcp.md "Manual mode").
 */

/**
 * @file
 * @brief Event-loop mode of the TCP client: drive it from the application's loop.
 *
 * The TCP counterpart of zcoap_loop.h, in its own header so that
 * coap_client_tcp.h stays Zephyr's. A client initialised with
 * zcoap_client_tcp_init_manual() starts no thread. Connect, requests,
 * cancel, ping, release, close and zcoap_client_tcp_deinit() are those of
 * coap_client_tcp.h; what the receive thread would do -- wait for the
 * connection and the deadlines, complete a connect, read, decode, time
 * requests out, run the callbacks -- happens when the application calls one
 * of the functions below, and the callbacks run in the calling thread (the
 * "loop thread").
 *
 * The simplest loop:
 * @code
 * zcoap_client_tcp_init_manual(&client);
 * coap_client_tcp_connect(&client, addr, addrlen, IPPROTO_TCP);  // does not block (TLS neither)
 * while (zcoap_client_tcp_conn_state(&client) == -EINPROGRESS) {
 *         zcoap_client_tcp_process(&client, -1);
 * }
 * coap_client_tcp_req(&client, &req);
 * while (!done) {
 *         zcoap_client_tcp_process(&client, -1);  // waits, reads, runs callbacks
 * }
 * zcoap_client_tcp_deinit(&client);
 * @endcode
 *
 * A foreign loop (poll, epoll, libuv ...) asks for the descriptors with the
 * events to watch and the time of the next deadline, sleeps on them with
 * everything else, and hands over what happened:
 * @code
 * int fds[ZCOAP_CLIENT_TCP_MAX_FDS], timeout;
 * unsigned int events[ZCOAP_CLIENT_TCP_MAX_FDS];
 * int n = zcoap_client_tcp_get_fds(&client, fds, events, ZCOAP_CLIENT_TCP_MAX_FDS, &timeout);
 * ... wait until one of fds[0..n) shows one of its events[] or timeout ms passed ...
 * zcoap_client_tcp_fd_ready(&client, fd, revents);  // per ready descriptor
 * zcoap_client_tcp_timeout(&client);                // when the timeout passed
 * @endcode
 *
 * Connecting: coap_client_tcp_connect() does not block in this mode. It
 * starts a non-blocking connect and returns 0; the loop watches the socket
 * for ZCOAP_FD_OUT until the connect ends. With IPPROTO_TLS_1_2 the loop
 * then steps the TLS handshake, watching the socket for what Mbed TLS waits
 * for (ZCOAP_FD_IN or ZCOAP_FD_OUT), bounded by the handshake timeout of
 * the TLS configuration. Then it sends the client's CSM. Until then
 * coap_client_tcp_req(), _ping(), _release() and _csm_req() return
 * -EINPROGRESS; zcoap_client_tcp_conn_state() tells when it is done, or why
 * it failed (the connect's errno; -ETIMEDOUT after the client's timeout,
 * zcoap_client_tcp_set_timeout(); a handshake failure as for the blocking
 * connect, -ETIMEDOUT after the handshake timeout; docs/errors.md).
 * Writes block, as in thread mode: the socket is a blocking one once
 * connected, and a server that does not read stalls a write for at most the
 * client's timeout (SO_SNDTIMEO) before the connection ends with -ETIMEDOUT.
 *
 * Threading contract (manual mode):
 * - zcoap_client_tcp_process(), _get_fds(), _fd_ready() and _timeout() are
 *   called by one thread at a time (a second one gets -EBUSY), never from a
 *   callback of the same client (-EDEADLK).
 * - coap_client_tcp_connect(), _req(), _cancel_requests(),
 *   _cancel_and_reset_all(), _ping(), _release(), _csm_req(), _close(),
 *   _has_ongoing_exchange(), the setters and zcoap_client_tcp_conn_state()
 *   may be called from any thread and from callbacks.
 *   A call from another thread that changes what the loop waits for (a new
 *   connection, an earlier deadline) makes the client's wake-up descriptor,
 *   always part of the set, readable.
 * - Callbacks run in the loop thread; the -ECANCELED callbacks of a cancel
 *   or close run in the thread that made it, after a callback of the same
 *   request that the loop thread is running has returned.
 * - zcoap_client_tcp_deinit() may be called from any thread but not from a
 *   callback (-EDEADLK); if another thread is inside a loop call, it waits
 *   for that call to return (at once, with -ESHUTDOWN or the callbacks it
 *   ran). No call may start after it returned.
 * - The client closes the connection's descriptor itself (close, a lost
 *   connection, a reconnect), and a new connection may get the same number:
 *   a foreign loop takes the set of the last zcoap_client_tcp_get_fds()
 *   anew after each call into the client (an epoll loop: EPOLL_CTL_MOD, and
 *   EPOLL_CTL_ADD when the descriptor is not in the set any more). A closed
 *   descriptor leaves an epoll set by itself (the client held the only
 *   reference to its socket), also when the new connection has the same
 *   number: EPOLL_CTL_MOD on it then fails with ENOENT, and the loop must
 *   EPOLL_CTL_ADD it again (treat ENOENT from MOD as "ADD").
 */

#ifndef ZCOAP_LOOP_TCP_H
#define ZCOAP_LOOP_TCP_H

#include "coap_client_tcp.h"
#include "zcoap_loop.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most descriptors zcoap_client_tcp_get_fds() returns: the wake-up descriptor and the
 * connection. */
#define ZCOAP_CLIENT_TCP_MAX_FDS 2

/** Writable (the value of POLLOUT, and of EPOLLOUT on Linux); with the ZCOAP_FD_ flags of
 * zcoap_loop.h. */
#define ZCOAP_FD_OUT 0x004

/**
 * @brief Initialise a TCP client without a receive thread (event-loop mode).
 *
 * Like coap_client_tcp_init(), but nothing happens between calls of the
 * application: it drives the client with zcoap_client_tcp_process() or
 * the foreign-loop calls below.
 * @param client Client storage (cleared first).
 * @retval 0 Success.
 * @retval -EINVAL @p client is NULL.
 * @retval -EALREADY Already initialised.
 * @retval -EAGAIN The wake-up descriptor, mutex or condition could not be created.
 */
ZCOAP_API int zcoap_client_tcp_init_manual(struct coap_client_tcp *client);

/**
 * @brief Wait for the connection and the deadlines, handle them, run the callbacks.
 *
 * One round: ends the requests whose deadline passed, waits up to
 * @p timeout_ms (0: not at all; negative: until the connection is ready,
 * a wake-up or the client's next deadline) -- never past the next
 * deadline --, completes a connect under way or reads what arrived, ends
 * the requests whose deadline passed meanwhile, and runs the callbacks in
 * the calling thread.
 * @param client A client of zcoap_client_tcp_init_manual().
 * @param timeout_ms Longest wait in milliseconds.
 * @return The number of callbacks run (>= 0), or
 * @retval -EINVAL NULL or a thread-mode client.
 * @retval -ESHUTDOWN Not initialised, or being deinitialised.
 * @retval -EBUSY Another thread is in a loop call of this client.
 * @retval -EDEADLK Called from a callback of this client.
 * @retval -EINTR The wait was interrupted by a signal (nothing lost; call again).
 */
ZCOAP_API int zcoap_client_tcp_process(struct coap_client_tcp *client, int timeout_ms);

/**
 * @brief The descriptors a foreign loop watches, with their events, and how long it may sleep.
 *
 * fds[0] is the client's wake-up descriptor (ZCOAP_FD_IN); fds[1], when
 * there is a connection, its socket: ZCOAP_FD_OUT while a connect is under
 * way, then during a TLS handshake ZCOAP_FD_IN or ZCOAP_FD_OUT (what it
 * waits for), ZCOAP_FD_IN once connected. Errors and hang-ups are always of interest (poll()
 * reports them anyway; with epoll they come with any event). Call it again
 * after every call into the client, before the loop sleeps.
 * @param client A manual-mode client.
 * @param[out] fds Descriptors (at most @p max are written).
 * @param[out] events The ZCOAP_FD_ events to watch each for.
 * @param max Room in @p fds and @p events; ZCOAP_CLIENT_TCP_MAX_FDS is always enough.
 * @param[out] timeout_ms Milliseconds until zcoap_client_tcp_timeout() must be
 *             called: -1 for no deadline, 0 when one is due (or TLS holds
 *             decrypted bytes). May be NULL.
 * @return The number of descriptors, or -EINVAL, -ESHUTDOWN, -EBUSY, -EDEADLK as
 *         zcoap_client_tcp_process().
 */
ZCOAP_API int zcoap_client_tcp_get_fds(struct coap_client_tcp *client, int *fds,
				       unsigned int *events, int max, int *timeout_ms);

/**
 * @brief Hand over "this descriptor is ready": complete the connect or read, run the callbacks.
 *
 * @param client A manual-mode client.
 * @param fd A descriptor of the last zcoap_client_tcp_get_fds(); others, and
 *        that of a connection closed since, are ignored.
 * @param events What the loop saw (ZCOAP_FD_IN, ZCOAP_FD_OUT, ZCOAP_FD_ERR,
 *        ZCOAP_FD_HUP; 0 counts as ZCOAP_FD_IN).
 * @return Callbacks run (>= 0), or a negative errno as zcoap_client_tcp_process().
 */
ZCOAP_API int zcoap_client_tcp_fd_ready(struct coap_client_tcp *client, int fd,
					unsigned int events);

/**
 * @brief Hand over "time passed": end the requests (and a connect) whose deadline passed.
 *
 * Call it when the timeout of zcoap_client_tcp_get_fds() has expired
 * (earlier or more often is harmless).
 * @param client A manual-mode client.
 * @return Callbacks run (>= 0), or a negative errno as zcoap_client_tcp_process().
 */
ZCOAP_API int zcoap_client_tcp_timeout(struct coap_client_tcp *client);

/**
 * @brief The state of the client's connection (either mode).
 * @retval 0 Connected.
 * @retval -EINPROGRESS A connect is under way (manual mode, IPPROTO_TCP).
 * @retval -ENOTCONN No connection (never connected, closed, or lost).
 * @retval other Why the last connect attempt failed (-ECONNREFUSED, -ETIMEDOUT, ...).
 * @retval -EINVAL @p client is NULL or not initialised.
 */
ZCOAP_API int zcoap_client_tcp_conn_state(struct coap_client_tcp *client);

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_LOOP_TCP_H */
