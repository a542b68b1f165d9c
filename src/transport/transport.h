/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * transport.h -- datagram send/receive on an application socket, through a
 * table of operations per transport (docs/design/transport.md).
 *
 * The client calls only zc_transport_send() and zc_transport_recv(): the
 * front door (transport.c) looks the descriptor up in a small registry and
 * hands the call to the transport that owns it. A descriptor nobody has
 * registered is a plain UDP socket (udp.c). A transport that runs a session
 * over a descriptor (DTLS today, TCP/TLS later) registers the descriptor
 * when the session is created and unregisters it when the session is
 * released, so the layers below it never learn it exists and the client
 * never knows which kind of socket it talks to.
 */
#ifndef ZCOAP_TRANSPORT_H
#define ZCOAP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Descriptors that can be registered at the same time: the sum of the
 * session limits of the registering transports (DTLS: ZCOAP_DTLS_MAX_SESSIONS,
 * checked at compile time there).
 */
#define ZC_TRANSPORT_MAX_SOCKETS 16

/**
 * Whom a socket error concerns (zc_transport_error()). The client fails
 * only the requests the error is about: an ICMP error can be forged by
 * anyone off the path, so an error that names no endpoint must not end
 * requests to other servers (docs/security.md, "ICMP errors").
 */
enum zc_transport_scope {
	/** Names no endpoint: an unconnected socket's error without an address. */
	ZC_TRANSPORT_SCOPE_NONE,
	/** The endpoint in the address returned with it (the failed datagram's destination). */
	ZC_TRANSPORT_SCOPE_ENDPOINT,
	/** Every exchange on the socket: its one peer (connected) or its session. */
	ZC_TRANSPORT_SCOPE_SOCKET,
};

/** One socket error and whom it concerns. */
struct zc_transport_err {
	int err;                       /**< Negative errno */
	enum zc_transport_scope scope; /**< Whom it concerns */
	socklen_t addrlen;             /**< ZC_TRANSPORT_SCOPE_ENDPOINT: length of @p addr */
	struct sockaddr_storage addr;  /**< ZC_TRANSPORT_SCOPE_ENDPOINT: the endpoint */
	/**
	 * The requests get @p err itself, not the client's generic mapping
	 * (a DTLS handshake the client drove failed: -ETIMEDOUT, -EACCES, ...).
	 */
	bool exact;
};

/**
 * zc_transport_recv(): the transport re-established the socket's session
 * (a DTLS reconnect): nothing was read, the socket's observations must
 * register again. Not an errno value.
 */
#define ZC_TRANSPORT_RECONNECTED (-100001L)

/** zc_transport_deadline(): the transport needs no step without a datagram. */
#define ZC_TRANSPORT_NO_DEADLINE INT64_MAX

/**
 * One transport's operations. @p ctx is what the transport gave to
 * zc_transport_register() for the descriptor (NULL for UDP, which keeps no
 * state); the transport must still check that @p ctx serves @p sock, since
 * a descriptor can be unregistered between the lookup and the call.
 */
struct zc_transport_ops {
	/** Short name for logs and documentation ("udp", "dtls"). */
	const char *name;
	/** Send one datagram or message; same contract as zc_transport_send(). */
	int (*send)(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		    const uint8_t *buf, size_t len);
	/** Receive without blocking; same contract as zc_transport_recv(). */
	long (*recv)(void *ctx, int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		     socklen_t *srclen, bool *truncated);
	/** End the session on @p sock and close() it; same contract as zc_transport_close(). */
	int (*close)(void *ctx, int sock);
	/**
	 * Optional: take one pending error of @p sock; same contract as
	 * zc_transport_error(). Without it, a receive error concerns the
	 * whole socket and pending errors are read as on a UDP socket.
	 */
	bool (*error)(void *ctx, int sock, int recv_err, struct zc_transport_err *e);
	/** Optional: whether @p sock can carry this transport; same contract as
	 * zc_transport_check(). */
	int (*check)(void *ctx, int sock);
	/** Optional: same contract as zc_transport_deadline(). */
	int64_t (*deadline)(void *ctx, int sock);
	/** Optional: same contract as zc_transport_peer_silent(). */
	void (*peer_silent)(void *ctx, int sock);
};

/** The plain UDP transport (udp.c): every descriptor nobody registered. */
extern const struct zc_transport_ops zc_transport_udp;

/**
 * zc_transport_udp's receive without its context argument: what
 * zc_transport_recv() calls directly for a descriptor nobody registered
 * (no call through the table on the path of every datagram).
 */
long zc_udp_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		 socklen_t *srclen, bool *truncated);

/**
 * Send one datagram.
 * @param addr Destination, or NULL on a connected socket.
 * @retval 0 Sent.
 * @retval <0 Negative errno (-EAGAIN when the socket buffer is full).
 */
int zc_transport_send(int sock, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
		      size_t len);

/**
 * Receive one datagram without blocking.
 * @param[out] src Source address (left with *srclen = 0 when unknown).
 * @param[out] truncated Set when the datagram was longer than @p cap.
 * @retval >=0 Bytes stored in @p buf (at most @p cap).
 * @retval -EAGAIN Nothing to read.
 * @retval <0 Other negative errno (e.g. -ECONNREFUSED after ICMP port unreachable).
 */
long zc_transport_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		       socklen_t *srclen, bool *truncated);

/**
 * Take one error of @p sock and say whom it concerns. Call it with
 * @p recv_err < 0, the error zc_transport_recv() just returned, to have
 * that error attributed; then, and whenever poll() reported POLLERR, with
 * @p recv_err 0 until it returns false, which drains the pending errors
 * (UDP: the error queue of IP_RECVERR, then SO_ERROR), so that poll() stops
 * reporting them.
 * @retval true An error was taken: @p e says which and whom it concerns.
 * @retval false None is pending (only with @p recv_err 0).
 */
bool zc_transport_error(int sock, int recv_err, struct zc_transport_err *e);

/**
 * Whether @p sock can carry CoAP messages for the transport that owns it
 * (UDP: a datagram socket; a stream socket would need RFC 8323 framing, and
 * writing to one whose peer closed raises SIGPIPE). A few system calls: the
 * client calls it once per socket it does not watch yet. UDP also turns on
 * IP_RECVERR / IPV6_RECVERR on an unconnected socket, so that ICMP errors
 * reach the requests to the endpoint they name (udp.c).
 * @retval 0 Usable.
 * @retval -EPROTOTYPE Not a datagram socket.
 * @retval <0 The socket cannot be queried (-EBADF, -ENOTSOCK).
 */
int zc_transport_check(int sock);

/**
 * When the owning transport must be stepped even if no datagram arrives: a
 * DTLS handshake that the client drives (zcoap_dtls_connect_async()) has a
 * retransmission timer and a deadline. The client then calls
 * zc_transport_recv() on @p sock, which runs the step (and returns -EAGAIN
 * while it goes on). One atomic load for a process without session sockets.
 * @return The port clock's time (ms) of the next step, or
 *         ZC_TRANSPORT_NO_DEADLINE.
 */
int64_t zc_transport_deadline(int sock);

/**
 * The client suspects the peer of @p sock is gone (an observation stayed
 * silent past its liveness check and its re-registration is unanswered). A
 * session transport may re-establish the session (DTLS with a reconnect
 * policy); the datagrams sent meanwhile are then held. Nothing for UDP.
 */
void zc_transport_peer_silent(int sock);

/**
 * End whatever session the owning transport runs on @p sock and close() it.
 * @retval 0 Closed.
 * @retval -EBADF Not an open descriptor.
 * @retval <0 The owning transport's refusal (e.g. DTLS: -EBUSY during a handshake;
 *         the descriptor is then left open).
 */
int zc_transport_close(int sock);

/**
 * Make @p ops the owner of @p sock until zc_transport_unregister().
 * Called by a transport when it creates a session on the descriptor.
 * @retval 0 Registered.
 * @retval -EINVAL Negative @p sock or NULL @p ops.
 * @retval -EALREADY @p sock is already registered.
 * @retval -ENOBUFS All ZC_TRANSPORT_MAX_SOCKETS entries are in use.
 */
int zc_transport_register(int sock, const struct zc_transport_ops *ops, void *ctx);

/** Give @p sock back to UDP; nothing happens if it is not registered. */
void zc_transport_unregister(int sock);

/**
 * The transport that owns @p sock: the registered one, with its context in
 * @p *ctx, or &zc_transport_udp with *ctx = NULL.
 */
const struct zc_transport_ops *zc_transport_owner(int sock, void **ctx);

#endif /* ZCOAP_TRANSPORT_H */
