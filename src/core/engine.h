/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * engine.h -- the sans-I/O client state machine.
 *
 * The engine owns the request slots of one client. It never reads a clock,
 * never touches a socket and never runs an application callback: the caller
 * passes the current time, hands it received datagrams, and gets back
 *   - datagrams to send, through io->send (called synchronously),
 *   - callbacks to run, queued in eng->events (the caller copies them out,
 *     clears the queue, and runs them without holding its lock),
 *   - the next deadline, from zc_engine_next_deadline().
 * Every entry point must be called with the client lock held (suffix-free
 * because the engine has no lock of its own). After each call the caller
 * must drain eng->events before calling the engine again.
 *
 * See docs/design/state-machine.md for the slot life cycle.
 */
#ifndef ZCOAP_ENGINE_H
#define ZCOAP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap_client.h"

/** What the engine needs from the outside world. */
struct zc_engine_io {
	/** Send a datagram; 0 or a negative errno (-EAGAIN: try again later). */
	int (*send)(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		    const uint8_t *buf, size_t len);
	/** Fill @p buf with random bytes (tokens, Request-Tags, timeout jitter). */
	void (*random)(void *ctx, uint8_t *buf, size_t len);
	/** Optional: observe every datagram sent (true) or received (false). */
	void (*trace)(void *ctx, bool outgoing, const uint8_t *buf, size_t len);
	/**
	 * Optional: the peer on @p sock may be gone -- an observation's
	 * re-registration after its liveness check (RFC 7641 §3.3.1) went
	 * unanswered until its first retransmission, which is sent right after.
	 */
	void (*peer_silent)(void *ctx, int sock);
};

/** No deadline. */
#define ZC_NO_DEADLINE INT64_MAX

/** Initialise an engine (clears it). */
void zc_engine_init(struct zcoap_engine *eng, const struct zc_engine_io *io, void *io_ctx);

/**
 * Start a request: validate, take a slot, build and send the first datagram.
 * @retval 0 Sent; the slot is active.
 * @retval -EINVAL Invalid request or parameters (see coap_client_req()).
 * @retval -EAGAIN No free slot.
 * @retval -ENOSPC The request does not fit in a message buffer.
 * @retval <0 The send error (the slot is released again).
 */
int zc_engine_submit(struct zcoap_engine *eng, int64_t now, int sock, const struct sockaddr *addr,
		     socklen_t addrlen, const struct coap_client_request *req,
		     const struct coap_transmission_parameters *params);

/*
 * zc_engine_submit() is zc_engine_submit_plain(), and zc_engine_submit_general()
 * when that declines. The two are declared for the unit tests, which check
 * that both leave the same slot and bytes (test_engine_basic).
 */
/** zc_engine_submit_plain() declined: not its shape, nothing changed. */
#define ZC_SUBMIT_NOT_PLAIN 1

/**
 * The fast path of a plain request: a method, no option but the path, no
 * body, the library's token, not multicast, no Echo value pending, and
 * valid. @return As zc_engine_submit(), or ZC_SUBMIT_NOT_PLAIN.
 */
int zc_engine_submit_plain(struct zcoap_engine *eng, int64_t now, int sock,
			   const struct sockaddr *addr, socklen_t addrlen,
			   const struct coap_client_request *req,
			   const struct coap_transmission_parameters *params);

/** Every request, the plain ones included. @return As zc_engine_submit(). */
int zc_engine_submit_general(struct zcoap_engine *eng, int64_t now, int sock,
			     const struct sockaddr *addr, socklen_t addrlen,
			     const struct coap_client_request *req,
			     const struct coap_transmission_parameters *params);

/**
 * Mark the request @p serial (just submitted) as having a Zephyr 4.3 style
 * callback (zcoap_client_request_4_3): its events carry cb_4_3.
 */
void zc_engine_set_cb_4_3(struct zcoap_engine *eng, uint32_t serial);

/** Serial of the request the last successful zc_engine_submit() started. */
uint32_t zc_engine_last_serial(const struct zcoap_engine *eng);

/**
 * Take back a request whose first datagram the caller failed to send after
 * zc_engine_submit() returned (the client sends it outside its lock):
 * the slot is freed without an event and a pending Echo value it took is
 * pending again, as if zc_engine_submit() had failed.
 * @retval 0 Done. @retval -ENOENT The request already ended.
 */
int zc_engine_unsubmit(struct zcoap_engine *eng, uint32_t serial);

/**
 * Handle one received datagram.
 * @param sock Socket it arrived on.
 * @param src Source address, or NULL/0 when unknown (connected socket).
 * @param data The bytes (at most the receive buffer).
 * @param len Number of bytes kept.
 * @param truncated The datagram was longer than the receive buffer.
 */
void zc_engine_receive(struct zcoap_engine *eng, int64_t now, int sock, const struct sockaddr *src,
		       socklen_t srclen, uint8_t *data, size_t len, bool truncated);

/**
 * The common case of zc_engine_receive(), which needs no clock: a
 * piggy-backed response without options that ends a plain request (it arms
 * no timer). The caller reads the clock only when this declines.
 * @return true: handled exactly as zc_engine_receive() would (traced,
 *         matched, completed); false: nothing done, not even the trace (only
 *         eng->rx, which zc_engine_receive() parses again, may have changed)
 *         -- call zc_engine_receive() with the datagram.
 */
bool zc_engine_receive_plain(struct zcoap_engine *eng, int sock, const struct sockaddr *src,
			     socklen_t srclen, uint8_t *data, size_t len, bool truncated);

/** Fire every timer whose deadline is <= @p now (retransmissions, timeouts). */
void zc_engine_tick(struct zcoap_engine *eng, int64_t now);

/** Earliest pending deadline, or ZC_NO_DEADLINE. */
int64_t zc_engine_next_deadline(const struct zcoap_engine *eng);

/**
 * Cancel the active requests matching @p pattern (NULL: all). Each gets a
 * final -ECANCELED event, except the one whose serial is @p quiet_serial
 * (the request whose callback is cancelling itself; 0 for none).
 * @param[out] serials Serials of the cancelled requests (may be NULL).
 * @param max Capacity of @p serials.
 * @return The number of requests cancelled.
 */
int zc_engine_cancel(struct zcoap_engine *eng, const struct coap_client_request *pattern,
		     uint32_t quiet_serial, uint32_t *serials, int max);

/**
 * Deregister matching observations (RFC 7641 §3.6: GET with Observe = 1 and
 * the registration token).
 * @retval 0 At least one deregistration was sent.
 * @retval -ENOENT Nothing matched.
 * @retval <0 Send error of the last failing deregistration.
 */
int zc_engine_deregister(struct zcoap_engine *eng, int64_t now,
			 const struct coap_client_request *pattern);

/**
 * The transport re-established the session of @p sock (a DTLS reconnect):
 * every observation on it that waits for notifications registers again.
 */
void zc_engine_reregister_socket(struct zcoap_engine *eng, int sock, int64_t now);

/** Fail every active request on @p sock with the negative errno @p err. */
void zc_engine_fail_socket(struct zcoap_engine *eng, int sock, int err);

/**
 * Fail the active requests on @p sock to the endpoint @p addr with the
 * negative errno @p err: a socket error that names its endpoint (an ICMP
 * error from the error queue, RFC 1122 §4.1.3.3). Requests to other
 * endpoints on the same socket go on. A request without an address (a
 * connected socket) talks to the socket's one peer, the only endpoint a
 * connected socket receives errors about, so it matches any @p addr; with
 * @p addr NULL only such requests match.
 */
void zc_engine_fail_endpoint(struct zcoap_engine *eng, int sock, const struct sockaddr *addr,
			     socklen_t addrlen, int err);

/** Whether any slot is in use. */
bool zc_engine_busy(const struct zcoap_engine *eng);

/** Whether any active request uses @p sock. */
bool zc_engine_socket_active(const struct zcoap_engine *eng, int sock);

/**
 * What a round of the loop needs in one pass over the active slots: their
 * distinct sockets, as zc_engine_sockets() lists them, and the engine's
 * next deadline, as zc_engine_next_deadline() reports it.
 * @return How many sockets were stored in @p socks (at most @p max).
 */
int zc_engine_round(const struct zcoap_engine *eng, int *socks, int max, int64_t *deadline);

/**
 * Distinct sockets of the active requests.
 * @return How many were stored in @p socks (at most @p max).
 */
int zc_engine_sockets(const struct zcoap_engine *eng, int *socks, int max);

/**
 * Take the sockets whose last exchange ended while their peer may still
 * send on it (a CON response whose ACK may be lost, an observation the
 * server may not have dropped, a response that was still awaited) and that
 * no request uses now. The driver keeps reading them for a bounded time
 * and feeds what arrives to zc_engine_receive(), which ACKs duplicates and
 * rejects the rest with RST (docs/design/threading.md, "Linger").
 * @return How many were stored in @p socks (at most @p max); the list is then empty.
 */
int zc_engine_take_lingers(struct zcoap_engine *eng, int *socks, int max);

/**
 * Whether an event may still be delivered: final events always; others only
 * while their request has not been cancelled in between.
 */
bool zc_engine_event_live(const struct zcoap_engine *eng, const struct zcoap_event *ev);

/** Describe the datagram behind the last event that has_packet. */
void zc_engine_response_info(const struct zcoap_engine *eng, struct zcoap_response_info *info);

/**
 * Whether @p pattern matches an active request's fields (Zephyr's rule: a
 * field is compared only when it is set on both sides).
 */
bool zc_engine_slot_matches(const struct zcoap_slot *slot,
			    const struct coap_client_request *pattern);

#endif /* ZCOAP_ENGINE_H */
