/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_loop.h -- event-loop ("manual") mode of the client: no receive
 * thread; the application drives the client from its own loop (zcoap
 * extension, docs/design/threading.md "Manual mode").
 */

/**
 * @file
 * @brief Event-loop mode: drive a client from the application's own loop.
 *
 * A client initialised with zcoap_client_init_manual() starts no thread.
 * Requests, cancellation, deregistration and zcoap_client_deinit() are the
 * same as in thread mode (coap_client.h); what the receive thread would do
 * -- wait for datagrams and deadlines, read, retransmit, run the callbacks --
 * happens when the application calls one of the functions below, and the
 * callbacks run in the thread that calls them (the "loop thread").
 *
 * The simplest loop:
 * @code
 * zcoap_client_init_manual(&client);
 * coap_client_req(&client, sock, NULL, &req, NULL);
 * while (!done) {
 *         zcoap_client_process(&client, -1);   // waits, reads, runs callbacks
 * }
 * zcoap_client_deinit(&client);
 * @endcode
 *
 * A foreign loop (epoll, libuv, GLib ...) asks for the descriptors to watch
 * and the time of the next deadline, sleeps on them with everything else,
 * and hands over what happened:
 * @code
 * int fds[ZCOAP_CLIENT_MAX_FDS], timeout;
 * int n = zcoap_client_get_fds(&client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
 * ... wait until one of fds[0..n) is readable or timeout ms have passed ...
 * zcoap_client_fd_ready(&client, fd, ZCOAP_FD_IN);   // per readable descriptor
 * zcoap_client_timeout(&client);                     // when the timeout passed
 * @endcode
 *
 * Threading contract (manual mode):
 * - zcoap_client_process(), zcoap_client_get_fds(), zcoap_client_fd_ready()
 *   and zcoap_client_timeout() are called by one thread at a time (a second
 *   one gets -EBUSY), never from a callback of the same client (-EDEADLK).
 * - coap_client_req(), coap_client_cancel_request(s)(),
 *   coap_client_deregister_observe() and coap_client_has_ongoing_exchange()
 *   may be called from any thread and from callbacks. When a request from
 *   another thread needs the loop to watch a new socket or wake earlier, the
 *   client makes its wake-up descriptor (always part of the set) readable.
 * - Callbacks run in the loop thread; a cancel's -ECANCELED callbacks run in
 *   the cancelling thread, after a callback of the same request that the
 *   loop thread is running has returned (as in thread mode).
 * - zcoap_client_deinit() may be called from any thread but not from a
 *   callback; if another thread is inside a processing call, it waits for
 *   that call to return (which it does at once, with -ESHUTDOWN). No call
 *   may start after zcoap_client_deinit() returned.
 * - Before zcoap_client_deinit(), remove the descriptors of the last
 *   zcoap_client_get_fds() from your loop (epoll_ctl(EPOLL_CTL_DEL), uv_poll_stop
 *   ...): deinit closes the client's own descriptors (the wake-up object and
 *   the duplicates of lingering sockets), and an epoll set cannot forget a
 *   descriptor after it was closed while the socket behind it stays open.
 */

#ifndef ZCOAP_LOOP_H
#define ZCOAP_LOOP_H

#include "coap_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Most descriptors zcoap_client_get_fds() returns: the wake-up
 * descriptor, the sockets of the requests, and the client's own duplicates
 * of sockets it still answers on for a while after their last exchange
 * (zcoap_client_set_linger()).
 */
#define ZCOAP_CLIENT_MAX_FDS (2 * ZCOAP_CONFIG_MAX_REQUESTS + 1)

/** @name Readiness flags of zcoap_client_fd_ready() (the values of POLLIN etc., and of
 * EPOLLIN etc. on Linux) */
/** @{ */
#define ZCOAP_FD_IN   0x001 /**< readable */
#define ZCOAP_FD_ERR  0x008 /**< error pending */
#define ZCOAP_FD_HUP  0x010 /**< hung up */
#define ZCOAP_FD_NVAL 0x020 /**< not an open descriptor */
/** @} */

/**
 * @brief Initialise a client without a receive thread (event-loop mode).
 *
 * Like coap_client_init(), but nothing happens between calls of the
 * application: it drives the client with zcoap_client_process() or the
 * foreign-loop calls below.
 * @param client Client storage (cleared first).
 * @retval 0 Success.
 * @retval -EINVAL @p client is NULL.
 * @retval -EALREADY Already initialised.
 * @retval -EAGAIN The wake-up descriptor, mutex or condition could not be created.
 */
ZCOAP_API int zcoap_client_init_manual(struct coap_client *client);

/**
 * @brief Wait for datagrams and deadlines, handle them, run the callbacks.
 *
 * One round: waits up to @p timeout_ms (0: not at all; negative: until a
 * datagram, a wake-up or the client's next deadline, whichever comes first)
 * for the client's descriptors, reads what arrived, handles every due
 * timer (retransmissions, timeouts) and runs the resulting callbacks in the
 * calling thread. The wait never lasts past the client's next deadline.
 * @param client A client of zcoap_client_init_manual().
 * @param timeout_ms Longest wait in milliseconds.
 * @return The number of callbacks run (>= 0), or
 * @retval -EINVAL NULL or a thread-mode client.
 * @retval -ESHUTDOWN Not initialised, or being deinitialised.
 * @retval -EBUSY Another thread is processing this client.
 * @retval -EDEADLK Called from a callback of this client.
 * @retval -EINTR The wait was interrupted by a signal (nothing lost; call again).
 */
ZCOAP_API int zcoap_client_process(struct coap_client *client, int timeout_ms);

/**
 * @brief The descriptors a foreign loop watches and how long it may sleep.
 *
 * Watch each returned descriptor for readability (and errors) until the
 * next call; the set changes as requests come and go, so call this again
 * after each zcoap_client_fd_ready(), zcoap_client_timeout() or request,
 * before the loop sleeps. fds[0] is the client's wake-up descriptor.
 * @param client A manual-mode client.
 * @param[out] fds Descriptors (at most @p max are written).
 * @param max Room in @p fds; ZCOAP_CLIENT_MAX_FDS is always enough.
 * @param[out] timeout_ms Milliseconds until zcoap_client_timeout() must be
 *             called: -1 for no deadline, 0 when one is due. May be NULL.
 * @return The number of descriptors (more than @p max means some were not
 *         written), or -EINVAL, -ESHUTDOWN, -EBUSY, -EDEADLK as
 *         zcoap_client_process().
 */
ZCOAP_API int zcoap_client_get_fds(struct coap_client *client, int *fds, int max, int *timeout_ms);

/**
 * @brief Hand over "this descriptor is ready": read it, run the callbacks.
 *
 * @param client A manual-mode client.
 * @param fd A descriptor of the last zcoap_client_get_fds(); others are ignored.
 * @param events What the loop saw: ZCOAP_FD_IN, ZCOAP_FD_ERR, ... (0 counts as
 *        ZCOAP_FD_IN). Pass ZCOAP_FD_ERR when the loop reports an error
 *        condition, so the client takes the socket's error (ICMP).
 * @return Callbacks run (>= 0), or a negative errno as zcoap_client_process().
 */
ZCOAP_API int zcoap_client_fd_ready(struct coap_client *client, int fd, unsigned int events);

/**
 * @brief Hand over "time passed": handle the due timers, run the callbacks.
 *
 * Call it when the timeout of zcoap_client_get_fds() has expired (calling it
 * earlier or more often is harmless).
 * @param client A manual-mode client.
 * @return Callbacks run (>= 0), or a negative errno as zcoap_client_process().
 */
ZCOAP_API int zcoap_client_timeout(struct coap_client *client);

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_LOOP_H */
