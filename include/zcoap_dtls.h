/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_dtls.h -- DTLS ("coaps") sockets for the CoAP client, modelled on
 * Zephyr's TLS credentials (<zephyr/net/tls_credentials.h>) and its DTLS
 * socket options (TLS_SEC_TAG_LIST, TLS_HOSTNAME, TLS_PEER_VERIFY, ...).
 */

/**
 * @file
 * @brief DTLS 1.2 client sockets (RFC 6347, RFC 7252 §9) through Mbed TLS.
 *
 * On Zephyr, a coaps client registers its credentials under integer
 * security tags, creates a DTLS socket, names the tags and the server's
 * host name in socket options, and connect()s; the handshake runs inside
 * connect(). The same descriptor then goes to coap_client_req(). zcoap
 * offers the same model on POSIX systems:
 *
 * @code
 * static const char psk_id[] = "Client_identity";
 * static const uint8_t psk[] = "secretkey";               // raw key bytes
 * zcoap_tls_credential_add(7, ZCOAP_TLS_CREDENTIAL_PSK_ID, psk_id, strlen(psk_id));
 * zcoap_tls_credential_add(7, ZCOAP_TLS_CREDENTIAL_PSK, psk, sizeof(psk) - 1);
 *
 * int sock = socket(AF_INET, SOCK_DGRAM, 0);
 * const zcoap_sec_tag_t tags[] = {7};
 * struct zcoap_dtls_config cfg = {.sec_tags = tags, .sec_tag_count = 1};
 * int rc = zcoap_dtls_connect(sock, (struct sockaddr *)&server, sizeof(server), &cfg);
 * if (rc < 0) {
 *         char why[128];
 *         zcoap_dtls_last_error(sock, why, sizeof(why));  // e.g. "... has expired"
 *         zcoap_dtls_close(sock);
 * }
 * coap_client_req(&client, sock, NULL, &req, NULL);  // unchanged client API
 * ...
 * zcoap_dtls_close(sock);  // close_notify, free, zeroise, close(sock)
 * @endcode
 *
 * A descriptor becomes a DTLS socket in zcoap_dtls_connect() and stays one
 * until zcoap_dtls_close(). From then on every datagram the client sends
 * on it is encrypted; a DTLS socket whose handshake failed, or whose
 * session ended, refuses to send (never a plaintext fallback). Plain UDP
 * and DTLS sockets can be used side by side, by one client or several.
 *
 * Limits: at most ZCOAP_DTLS_MAX_SESSIONS DTLS sockets and
 * ZCOAP_TLS_MAX_CREDENTIALS credentials at a time (fixed tables). Mbed TLS
 * allocates the session's record buffers and parsed certificates on the
 * heap (about 35 KiB per session plus the certificates); everything else is
 * static. See docs/design/dtls.md.
 *
 * Threading: every function is thread-safe. zcoap_dtls_connect() blocks
 * the calling thread for the handshake (bounded by the handshake timeout),
 * never a client's receive thread; zcoap_dtls_connect_start() and
 * zcoap_dtls_handshake_continue() let an event loop drive it without
 * blocking at all.
 *
 * Errors are negative errno values. The DTLS-specific meanings are listed
 * below and returned in text form by zcoap_dtls_strerror(); the detailed
 * reason of a socket's last failure comes from zcoap_dtls_last_error().
 *
 * | errno           | meaning                                                     |
 * |-----------------|-------------------------------------------------------------|
 * | -ETIMEDOUT      | no complete handshake within the handshake timeout          |
 * | -ECONNREFUSED   | ICMP port unreachable: nothing listens on the server port   |
 * | -EACCES         | the server rejected our credentials (wrong PSK or identity, |
 * |                 | client certificate refused)                                 |
 * | -ECONNABORTED   | the server ended the session with a fatal alert             |
 * | -EKEYREJECTED   | the server's certificate failed verification (unknown CA,   |
 * |                 | bad signature, host name mismatch, unusable key)            |
 * | -EKEYEXPIRED    | the server's certificate (or its chain) has expired or is   |
 * |                 | not valid yet                                               |
 * | -ECONNRESET     | the server closed the session (close_notify)                |
 * | -EPROTO         | DTLS protocol violation or unexpected message               |
 * | -ENOTCONN       | the socket's handshake failed or has not finished           |
 * | -ENOTSUP        | built without DTLS, or a cipher suite this build lacks      |
 *
 * Compatibility: Zephyr's TLS_PEER_VERIFY numbering has NONE = 0; here the
 * zero value of a configuration means REQUIRED, so a zeroed configuration is
 * the safe one.
 */

#ifndef ZCOAP_DTLS_H
#define ZCOAP_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "zcoap_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of DTLS sockets that can exist at the same time. */
#define ZCOAP_DTLS_MAX_SESSIONS 16

/** Number of credentials (tag, type) that can be registered at the same time. */
#define ZCOAP_TLS_MAX_CREDENTIALS 32

/** At most this many security tags in one configuration. */
#define ZCOAP_DTLS_MAX_SEC_TAGS 8

/** At most this many cipher suites in a configuration's list. */
#define ZCOAP_DTLS_MAX_CIPHERSUITES 32

/** Default handshake timeout (ms): zcoap_dtls_connect() gives up after it. */
#define ZCOAP_DTLS_HANDSHAKE_TIMEOUT_MS 10000U

/** Default initial DTLS retransmission timer (ms), RFC 6347 §4.2.4.1. */
#define ZCOAP_DTLS_RETRANSMIT_MIN_MS 1000U

/** Default cap of the doubling retransmission timer (ms), RFC 6347 §4.2.4.1. */
#define ZCOAP_DTLS_RETRANSMIT_MAX_MS 60000U

/** Sessions the process-wide resumption cache holds (zcoap_dtls_config.session_cache). */
#define ZCOAP_DTLS_SESSION_CACHE_SIZE 4

/**
 * Longest time (s) a cached session is offered for resumption after its full
 * handshake: RFC 5246 Appendix F.1.4's upper limit for session IDs. The
 * server's own limit is usually shorter; an expired session costs one full
 * handshake, not an error.
 */
#define ZCOAP_DTLS_SESSION_MAX_AGE_S 86400U

/** @name Cipher suite numbers (IANA) for zcoap_dtls_config.ciphersuites */
/** @{ */
#define ZCOAP_TLS_PSK_WITH_AES_128_CCM_8              0xC0A8 /**< RFC 7252 §9.1.3.1 */
#define ZCOAP_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8      0xC0AE /**< RFC 7252 §9.1.3.2 */
#define ZCOAP_TLS_PSK_WITH_AES_128_GCM_SHA256         0x00A8
#define ZCOAP_TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256   0xC037
#define ZCOAP_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 0xC02B
#define ZCOAP_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 0xC02C
#define ZCOAP_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256   0xC02F
#define ZCOAP_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384   0xC030
#define ZCOAP_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256   0xC027
/** @} */

/** A security tag: the integer under which credentials are registered (Zephyr's sec_tag_t). */
typedef int zcoap_sec_tag_t;

/** Kinds of credentials (same numbers as Zephyr's enum tls_credential_type). */
enum zcoap_tls_credential_type {
	ZCOAP_TLS_CREDENTIAL_NONE = 0,
	/** Trusted CA certificate(s), PEM (one or more) or DER. */
	ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE = 1,
	/** Our own certificate (Zephyr's TLS_CREDENTIAL_PUBLIC_CERTIFICATE), PEM or DER. */
	ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE = 2,
	/** Private key of our certificate, PEM or DER, unencrypted. */
	ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY = 3,
	/** Pre-shared key: raw bytes. */
	ZCOAP_TLS_CREDENTIAL_PSK = 4,
	/** PSK identity: bytes (a trailing NUL counted in the length is ignored). */
	ZCOAP_TLS_CREDENTIAL_PSK_ID = 5,
};

/** Zephyr's name for the same credential type. */
#define ZCOAP_TLS_CREDENTIAL_SERVER_CERTIFICATE ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE

/** Peer verification (TLS_PEER_VERIFY). The zero value is REQUIRED. */
enum zcoap_tls_peer_verify {
	/** The server's certificate must chain to a registered CA and match the host name. */
	ZCOAP_TLS_PEER_VERIFY_REQUIRED = 0,
	/** Accept any server certificate: only when asked for explicitly (tests, pinning apps). */
	ZCOAP_TLS_PEER_VERIFY_NONE = 1,
};

/** Session resumption (Zephyr's TLS_SESSION_CACHE). The zero value is DISABLED, as on Zephyr. */
enum zcoap_tls_session_cache {
	/** Every connection runs a full handshake (unless @c session is given). */
	ZCOAP_TLS_SESSION_CACHE_DISABLED = 0,
	/**
	 * Remember the session of each completed handshake in the process-wide
	 * cache, keyed by server address, host name, security tags and
	 * verification mode, and offer it (session ID, or the RFC 5077 ticket
	 * when the server gave one) on the next connection with the same key.
	 */
	ZCOAP_TLS_SESSION_CACHE_ENABLED = 1,
};

/** A step of the reconnect policy (zcoap_dtls_config.reconnect_attempts), for event_cb. */
enum zcoap_dtls_event_type {
	/**
	 * The session was lost: @c err says why (-ECONNRESET, -ECONNABORTED,
	 * -ECONNREFUSED, -EBADMSG, -ETIMEDOUT: silence).
	 */
	ZCOAP_DTLS_EVENT_LOST = 1,
	/** Handshake attempt number @c attempt starts (@c resuming: a session is offered). */
	ZCOAP_DTLS_EVENT_RECONNECTING = 2,
	/** Attempt @c attempt failed with @c err; another follows after a delay. */
	ZCOAP_DTLS_EVENT_ATTEMPT_FAILED = 3,
	/** The session is up again (@c resumed: abbreviated handshake); observations register
	   again. */
	ZCOAP_DTLS_EVENT_RECONNECTED = 4,
	/** Every attempt failed: the socket's requests end with @c err. */
	ZCOAP_DTLS_EVENT_GAVE_UP = 5,
};

/** One reconnect step, as event_cb gets it. */
struct zcoap_dtls_event {
	enum zcoap_dtls_event_type type;
	int err;          /**< LOST, ATTEMPT_FAILED, GAVE_UP: negative errno; else 0 */
	unsigned attempt; /**< RECONNECTING, ATTEMPT_FAILED, RECONNECTED: 1, 2, ... */
	bool resuming;    /**< RECONNECTING: a session is offered */
	bool resumed;     /**< RECONNECTED: the server resumed it */
};

/**
 * Reports a reconnect step of @p sock. Runs in the thread that drives the
 * socket (the client's loop thread) with internal locks held: record or
 * log only; it must not call zcoap or coap_client functions.
 */
typedef void (*zcoap_dtls_event_cb_t)(int sock, const struct zcoap_dtls_event *ev, void *user);

/**
 * @brief How to set up a DTLS socket. Zero every field you do not set.
 *
 * Mode: the tags' credentials decide it. A tag holding a PSK and its
 * identity enables the PSK cipher suites; CA certificates (and/or our own
 * certificate + key) enable the certificate suites; both may be offered at
 * once. Certificate verification is on unless @c peer_verify says NONE.
 */
struct zcoap_dtls_config {
	/** Security tags whose credentials are used (TLS_SEC_TAG_LIST). */
	const zcoap_sec_tag_t *sec_tags;
	/** Number of tags, 1..ZCOAP_DTLS_MAX_SEC_TAGS. */
	size_t sec_tag_count;
	/**
	 * Server name (TLS_HOSTNAME): sent as SNI and checked against the
	 * server certificate's subjectAltName dNSName / CN. An IP address
	 * literal ("192.0.2.7", "2001:db8::1", "[::1]"; a zone is ignored) is
	 * instead checked against the certificate's iPAddress subjectAltNames
	 * (octet by octet; never the CN) and not sent as SNI. Required when a
	 * certificate is verified, unless @c skip_hostname_check is set.
	 * Up to 255 characters; copied.
	 */
	const char *hostname;
	/** Certificate verification (TLS_PEER_VERIFY); default REQUIRED. */
	enum zcoap_tls_peer_verify peer_verify;
	/** Verify the chain but not the name: must be asked for explicitly. */
	bool skip_hostname_check;
	/** Cipher suites to offer, IANA numbers in preference order (TLS_CIPHERSUITE_LIST); NULL:
	 * defaults. */
	const int *ciphersuites;
	/** Entries in @c ciphersuites, at most ZCOAP_DTLS_MAX_CIPHERSUITES. */
	size_t ciphersuite_count;
	/** Give up the handshake after this many ms (TLS_DTLS_HANDSHAKE_TIMEO); 0: 10000. */
	uint32_t handshake_timeout_ms;
	/** Initial retransmission timer, ms (TLS_DTLS_HANDSHAKE_TIMEOUT_MIN); 0: 1000. */
	uint32_t retransmit_min_ms;
	/** Retransmission timer cap, ms (TLS_DTLS_HANDSHAKE_TIMEOUT_MAX); 0: 60000. */
	uint32_t retransmit_max_ms;
	/** Largest datagram for the handshake (fragments long flights); 0: no limit. */
	uint16_t mtu;
	/**
	 * Resumption cache (TLS_SESSION_CACHE); default DISABLED. ENABLED also
	 * accepts session tickets (RFC 5077) from the server. Only when @p peer
	 * is given to zcoap_dtls_connect() (the cache key is its address).
	 */
	enum zcoap_tls_session_cache session_cache;
	/**
	 * A session saved by zcoap_dtls_session_save() to resume (a device that
	 * slept, a new process); NULL: none. Offered only when it was saved for
	 * the same @c hostname, when this connection checks the server's
	 * identity (verification on, name not skipped) only if that session
	 * did too, and a session proved by a PSK only when the tags hold a PSK;
	 * otherwise, or when the server no longer knows it, the handshake is a
	 * full one. Read during zcoap_dtls_connect() only; the application
	 * wipes it (zcoap_dtls_session_clear()) when it drops it.
	 */
	const void *session;
	/** Length of @c session. */
	size_t session_len;
	/**
	 * Reconnect policy (opt-in; 0: off, the default). When the session is
	 * lost -- the server's fatal alert or close_notify, ICMP port
	 * unreachable, 8 records that fail to decrypt, or an observation's
	 * re-registration after its liveness check unanswered -- the socket
	 * runs up to this many new handshakes (offering the lost session for
	 * resumption, except after a fatal alert, RFC 5246 §7.2.2) instead of
	 * ending its requests. The client using it drives them (as for
	 * zcoap_dtls_connect_async()); messages sent meanwhile are held; once
	 * it is up again, every observation on the socket registers again
	 * (RFC 7641 §3.3.1). Each attempt has the handshake timeout.
	 */
	uint8_t reconnect_attempts;
	/** Wait before the second attempt, doubled for each further one (at most 30 s); 0: 1000. */
	uint32_t reconnect_delay_ms;
	/** Optional: each reconnect step (zcoap_dtls_event_cb_t). */
	zcoap_dtls_event_cb_t event_cb;
	/** Passed to @c event_cb. */
	void *event_user;
};

/** What the handshake of a DTLS socket cost (zcoap_dtls_handshake_info()). */
struct zcoap_dtls_handshake_info {
	/** The server resumed an earlier session (abbreviated handshake, RFC 5246 §7.3). */
	bool resumed;
	/** A session was offered (from the cache or zcoap_dtls_config.session). */
	bool offered;
	/** Milliseconds from the first ClientHello to the end of the handshake. */
	uint32_t duration_ms;
	/** Datagrams we sent during the handshake (retransmissions included). */
	uint32_t datagrams_sent;
	/** Datagrams we received during the handshake. */
	uint32_t datagrams_received;
};

/**
 * @brief Register a credential under a security tag (Zephyr's tls_credential_add()).
 *
 * The buffer is referenced, not copied: it must stay valid and unchanged
 * until zcoap_tls_credential_delete(). Sockets parse what they need at
 * zcoap_dtls_connect() and keep their own copy, so deleting a credential
 * does not affect sockets already connected. The application owns the
 * buffer and clears it when done; zcoap clears its own copies when a socket
 * is closed.
 * @param tag Security tag (any int).
 * @param type Kind of credential.
 * @param cred Data: PEM (NUL-terminated; the length may or may not count
 *        the NUL) or DER for certificates and keys, raw bytes for PSK and
 *        PSK identity.
 * @param credlen Length of @p cred in bytes, > 0.
 * @retval 0 Registered.
 * @retval -EINVAL NULL @p cred, zero @p credlen, or an unknown @p type.
 * @retval -EEXIST The tag already has a credential of this type.
 * @retval -ENOMEM All ZCOAP_TLS_MAX_CREDENTIALS entries are in use.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_tls_credential_add(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type,
				       const void *cred, size_t credlen);

/**
 * @brief Copy a registered credential (Zephyr's tls_credential_get()).
 * @param tag Security tag.
 * @param type Kind of credential.
 * @param cred Destination buffer.
 * @param[in,out] credlen Capacity of @p cred in; bytes stored (or needed) out.
 * @retval 0 Copied.
 * @retval -EINVAL NULL @p cred or @p credlen.
 * @retval -ENOENT No such credential.
 * @retval -EFBIG @p cred is too small; @p *credlen tells the size needed.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_tls_credential_get(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type,
				       void *cred, size_t *credlen);

/**
 * @brief Remove a credential (Zephyr's tls_credential_delete()).
 * @param tag Security tag.
 * @param type Kind of credential.
 * @retval 0 Removed; its buffer is no longer referenced.
 * @retval -ENOENT No such credential.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_tls_credential_delete(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type);

/**
 * @brief Make @p sock a DTLS socket: connect it to @p peer and run the handshake.
 *
 * Runs in the calling thread like connect() on a Zephyr DTLS socket: sends
 * the ClientHello, answers a HelloVerifyRequest, retransmits flights on the
 * DTLS timers (RFC 6347 §4.2.4) and waits in poll() between steps, for at
 * most @c cfg->handshake_timeout_ms. On success @p sock can be passed to
 * coap_client_req() with a NULL address.
 *
 * From the moment the handshake starts, @p sock belongs to the DTLS layer
 * until zcoap_dtls_close(), also when the handshake fails: it then refuses
 * to send (-ENOTCONN) and zcoap_dtls_last_error() tells why. After any
 * error, release the descriptor with zcoap_dtls_close().
 * @param sock A UDP socket (SOCK_DGRAM), bound or not, blocking or not.
 * @param peer The server; NULL if @p sock is already connected to it.
 * @param peerlen Length of @p peer.
 * @param cfg Configuration; read during the call only.
 * @retval 0 Handshake complete.
 * @retval -EINVAL NULL @p cfg, no or too many tags, too many cipher suites,
 *         a host name that is missing (certificate verification needs it)
 *         or too long, an invalid timeout, an incomplete credential set (a
 *         PSK without its identity, a certificate without its key) or a
 *         credential that cannot be parsed (bad PEM/DER, key not matching
 *         the certificate).
 * @retval -EBADF @p sock is not an open descriptor.
 * @retval -ENOTSOCK @p sock is not a socket.
 * @retval -EPROTOTYPE @p sock is not a datagram socket.
 * @retval -EALREADY @p sock is already a DTLS socket.
 * @retval -ENOBUFS All ZCOAP_DTLS_MAX_SESSIONS sessions are in use.
 * @retval -ENOENT A tag has no credential at all, or no credential usable
 *         for a handshake was found (a PSK or, for verification, a CA).
 * @retval -ENOTSUP A listed cipher suite is unknown to this Mbed TLS or not
 *         usable with DTLS; or zcoap was built without DTLS.
 * @retval -ENOMEM Mbed TLS could not allocate its buffers.
 * @retval -ETIMEDOUT No complete handshake within the handshake timeout.
 * @retval -ECONNREFUSED The server port is closed (ICMP port unreachable).
 * @retval -EACCES The server rejected our credentials: a fatal alert about
 *         them, or, with a PSK, the server never answered our Finished
 *         message (OpenSSL and GnuTLS servers silently drop a Finished
 *         made with a different key).
 * @retval -ECONNABORTED The server ended the handshake with another fatal
 *         alert (e.g. handshake_failure: no common cipher suite).
 * @retval -EKEYREJECTED The server's certificate failed verification:
 *         not issued by a registered CA, host name or address mismatch, bad signature
 *         or unsuitable key usage.
 * @retval -EKEYEXPIRED The server's certificate, or one in its chain, has
 *         expired or is not valid yet.
 * @retval -EPROTO A DTLS protocol error during the handshake.
 * @retval -EBUSY Another thread is running a handshake on @p sock.
 * @retval <0 Another negative errno from connect() or send() (e.g.
 *         -ENETUNREACH, -EAFNOSUPPORT).
 */
ZCOAP_API int zcoap_dtls_connect(int sock, const struct sockaddr *peer, socklen_t peerlen,
				 const struct zcoap_dtls_config *cfg);

/**
 * @brief Start making @p sock a DTLS socket without waiting for the handshake.
 *
 * The same checks, set-up and first flight (ClientHello) as
 * zcoap_dtls_connect(), then it returns at once: the application drives
 * the rest from its own event loop by calling
 * zcoap_dtls_handshake_continue() whenever @p sock is readable or
 * @p *wait_ms have passed, until it returns anything but -EINPROGRESS.
 * No thread ever blocks on the handshake; the handshake timeout still
 * bounds it. Until it completes the socket refuses application data
 * (-ENOTCONN), exactly as a socket whose handshake failed.
 * @param sock, peer, peerlen, cfg As for zcoap_dtls_connect().
 * @param[out] wait_ms With -EINPROGRESS: call zcoap_dtls_handshake_continue()
 *             after at most this many milliseconds (the DTLS retransmission
 *             timer or the handshake timeout), sooner when @p sock becomes
 *             readable. May be NULL.
 * @retval -EINPROGRESS The handshake runs.
 * @retval 0 The handshake is already complete.
 * @retval <0 Every error of zcoap_dtls_connect() (the socket is then a
 *         failed DTLS socket, to release with zcoap_dtls_close()).
 */
ZCOAP_API int zcoap_dtls_connect_start(int sock, const struct sockaddr *peer, socklen_t peerlen,
				       const struct zcoap_dtls_config *cfg, int *wait_ms);

/**
 * @brief Start making @p sock a DTLS socket whose handshake the client drives.
 *
 * The same checks, set-up and first flight (ClientHello) as
 * zcoap_dtls_connect(), then it returns at once. Hand @p sock to
 * coap_client_req() right away: the client that uses it steps the
 * handshake -- its receive thread, or in event-loop mode
 * zcoap_client_process() and the foreign-loop calls (zcoap_loop.h) --
 * whenever the socket is readable or the DTLS retransmission timer or the
 * handshake timeout is due. Nothing blocks: the client's other requests go
 * on meanwhile.
 * Requests submitted before the handshake completes are held by the socket
 * (up to 8 messages; coap_client_req() returns 0) and sent when it completes;
 * their CoAP timers run from submission. If the handshake fails, each of
 * them ends with the handshake's error in its callback (-ETIMEDOUT,
 * -EACCES, -EKEYREJECTED, ... as zcoap_dtls_connect() would return it),
 * and later coap_client_req() calls on @p sock return that error.
 * The handshake is stepped only while a request uses @p sock;
 * zcoap_dtls_handshake_continue() also steps it (e.g. to wait for it
 * without a request), and zcoap_dtls_close() abandons it.
 * @param sock, peer, peerlen, cfg As for zcoap_dtls_connect().
 * @retval -EINPROGRESS The handshake runs.
 * @retval 0 The handshake is already complete.
 * @retval <0 Every error of zcoap_dtls_connect() (the socket is then a
 *         failed DTLS socket, to release with zcoap_dtls_close()).
 */
ZCOAP_API int zcoap_dtls_connect_async(int sock, const struct sockaddr *peer, socklen_t peerlen,
				       const struct zcoap_dtls_config *cfg);

/**
 * @brief Advance a handshake started by zcoap_dtls_connect_start(); never blocks.
 *
 * Reads what the server sent, retransmits a flight whose timer expired, and
 * gives up at the handshake timeout. Thread-safe; calls for one socket are
 * serialised. Once the handshake is over it keeps returning its outcome.
 * @param sock The socket.
 * @param[out] wait_ms With -EINPROGRESS: the longest wait before the next
 *             call (see zcoap_dtls_connect_start()). May be NULL.
 * @retval 0 The handshake is complete: the socket carries requests.
 * @retval -EINPROGRESS Not yet.
 * @retval -EBADF @p sock is not a DTLS socket.
 * @retval -EBUSY zcoap_dtls_connect() runs this socket's handshake in another thread.
 * @retval <0 The handshake failed: the values of zcoap_dtls_connect()
 *         (e.g. -ETIMEDOUT, -EACCES, -EKEYREJECTED), also on later calls.
 */
ZCOAP_API int zcoap_dtls_handshake_continue(int sock, int *wait_ms);

/**
 * @brief End the DTLS session of @p sock and close the descriptor.
 *
 * Sends close_notify when the session is up, frees the Mbed TLS state,
 * zeroises every secret the socket held, and close()s @p sock. Works on
 * descriptors whose handshake failed, and on plain descriptors (then it is
 * just close()). Requests still using @p sock end with an error, as when a
 * UDP socket is closed under them.
 * @param sock The descriptor.
 * @retval 0 Closed.
 * @retval -EBADF @p sock is not an open descriptor.
 * @retval -EBUSY Another thread is running zcoap_dtls_connect() on @p sock;
 *         nothing was done. (A handshake started with
 *         zcoap_dtls_connect_start() is abandoned instead.)
 * @retval -ENOTSUP zcoap was built without DTLS (the descriptor is still closed).
 */
ZCOAP_API int zcoap_dtls_close(int sock);

/**
 * @brief Whether @p sock is a DTLS socket (connected, failed or ended).
 * @param sock The descriptor.
 * @return true for a descriptor between zcoap_dtls_connect() and zcoap_dtls_close().
 */
ZCOAP_API bool zcoap_dtls_is_dtls(int sock);

/**
 * @brief The cipher suite negotiated on @p sock (Zephyr's TLS_CIPHERSUITE_USED).
 * @param sock A connected DTLS socket.
 * @retval >0 The IANA number of the suite (e.g. 0xC0A8).
 * @retval -EBADF @p sock is not a DTLS socket.
 * @retval -ENOTCONN The handshake failed or the session has ended.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_dtls_ciphersuite(int sock);

/**
 * @brief Why the last DTLS operation on @p sock failed.
 *
 * The text is specific: which alert the server sent, which certificate
 * check failed (e.g. "server certificate has expired", "server certificate
 * is not valid for host 'x'"), how far the handshake got before a timeout.
 * @param sock A DTLS socket (also one whose handshake failed).
 * @param buf Where to store the text (NUL-terminated, truncated to fit); may be NULL.
 * @param buflen Size of @p buf.
 * @retval 0 No failure recorded for @p sock (an empty string is stored).
 * @retval <0 The socket's failure, as returned by zcoap_dtls_connect() or
 *         reported to its requests.
 * @retval -EBADF @p sock is not a DTLS socket (nothing is stored).
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_dtls_last_error(int sock, char *buf, size_t buflen);

/**
 * @brief How the handshake of @p sock went: resumed or full, time, datagrams.
 * @param sock A DTLS socket whose handshake completed (it may have ended since).
 * @param info Filled in.
 * @retval 0 Filled in.
 * @retval -EINVAL NULL @p info.
 * @retval -EBADF @p sock is not a DTLS socket.
 * @retval -ENOTCONN The handshake did not complete.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_dtls_handshake_info(int sock, struct zcoap_dtls_handshake_info *info);

/**
 * @brief Save the session of @p sock so that a later connection can resume it.
 *
 * The bytes hold the session's **master secret** (and the server's
 * certificate, or its ticket): whoever has them can decrypt the traffic of
 * every connection that resumes the session, and of this one. Keep them like
 * a private key, for no longer than the session should live (at most
 * ZCOAP_DTLS_SESSION_MAX_AGE_S; the server decides how long it accepts the
 * session, often much less), and wipe them with zcoap_dtls_session_clear()
 * when dropped. They are bound to the host name the session was verified for,
 * and to this build of Mbed TLS (another version or configuration refuses to
 * load them: the next connection is then a full handshake).
 * Give them back through zcoap_dtls_config.session.
 * @param sock A DTLS socket whose session is up.
 * @param buf Destination; NULL with @c *len 0 asks for the size.
 * @param[in,out] len Capacity of @p buf in; bytes stored (or needed) out.
 * @retval 0 Saved.
 * @retval -EINVAL NULL @p len, or NULL @p buf with a non-zero @c *len.
 * @retval -EFBIG @p buf is too small; @c *len tells the size needed.
 * @retval -EBADF @p sock is not a DTLS socket.
 * @retval -ENOTCONN The session is not up (handshake failed or session ended).
 * @retval -ENOMEM Mbed TLS could not copy the session.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_dtls_session_save(int sock, void *buf, size_t *len);

/**
 * @brief Overwrite saved session bytes with zeros (a store the compiler keeps).
 * @param buf The bytes (NULL: nothing done).
 * @param len Their length.
 */
ZCOAP_API void zcoap_dtls_session_clear(void *buf, size_t len);

/**
 * @brief Forget every session of the resumption cache (Zephyr's TLS_SESSION_CACHE_PURGE).
 *
 * The cached secrets are zeroised. Use it when credentials change: a cached
 * session resumes without checking the server's certificate again.
 * @retval 0 Done.
 * @retval -ENOTSUP zcoap was built without DTLS.
 */
ZCOAP_API int zcoap_dtls_session_cache_purge(void);

/**
 * @brief Text for a negative errno returned by the DTLS functions, with its DTLS meaning.
 *
 * Covers every value listed in this header; other values get
 * zcoap_strerror()'s text.
 * @param err A negative (or positive) errno value.
 * @return A static string; never NULL.
 */
ZCOAP_API const char *zcoap_dtls_strerror(int err);

/**
 * @brief Whether this zcoap was built with DTLS support.
 * @return true with Mbed TLS, false otherwise (every function above then returns -ENOTSUP).
 */
ZCOAP_API bool zcoap_dtls_available(void);

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_DTLS_H */
