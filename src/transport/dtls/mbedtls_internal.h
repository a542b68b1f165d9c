/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_internal.h -- what the files of the Mbed TLS DTLS backend share:
 * the session slot, its state, and the functions each file provides. DTLS
 * 1.2 client sockets (RFC 6347) over Mbed TLS 2.28, with the 3.x
 * differences behind MBEDTLS_VERSION_MAJOR. Only the mbedtls_*.c files of
 * this folder include it, and they are the only files of zcoap that
 * include Mbed TLS headers (docs/design/dtls.md).
 *
 * The backend's files, one job each:
 *   mbedtls_session.c  the session table, its registration with the
 *                      transport table, zcoap_dtls_connect()/close() and
 *                      the queries on a socket
 *   mbedtls_config.c   configuration checks, credentials parsed into the
 *                      session, cipher suites, the Mbed TLS configuration
 *   mbedtls_bio.c      the retransmission timer and the socket callbacks
 *                      Mbed TLS reads and writes through
 *   mbedtls_record.c   application data: the transport operations send
 *                      and receive of a DTLS socket
 *   mbedtls_diag.c     Mbed TLS failures and alerts as errno and a sentence
 *                      (the mapping also serves TLS over TCP: mbedtls_diag.h)
 *   mbedtls_rng.c      the random generator shared by all sessions
 *   mbedtls_identity.c an IP address literal as the server's identity: its
 *                      parser and the iPAddress subjectAltName check
 *   mbedtls_resume.c   session resumption: the process-wide cache, the
 *                      saved-session format, the offer and its outcome
 *
 * Naming: st is our per-session state (struct dtls_state), s its slot
 * (struct session); ssl, conf, ca, own and key are the Mbed TLS objects
 * inside st.
 *
 * Locks, all from the port (src/port/port.h): table_lock (mbedtls_session.c)
 * guards which descriptor a slot serves, each slot has its own mutex for its
 * Mbed TLS context, the credential store has its lock (credentials.c) and
 * the random generator rng_lock. The three global ones are static mutexes,
 * valid before any init call; a slot's mutex is initialised when the slot
 * is first claimed. Order: (client lock ->) table_lock -> session lock ->
 * the transport registry's lock; the credential lock and rng_lock are
 * leaves. A handshake runs without any of them held while it waits.
 */
#ifndef ZCOAP_TRANSPORT_DTLS_MBEDTLS_INTERNAL_H
#define ZCOAP_TRANSPORT_DTLS_MBEDTLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <mbedtls/version.h>

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "port/port.h"
#include "transport/dtls/mbedtls_diag.h"
#include "transport/transport.h"
#include "zcoap_dtls.h"

/* 3.x made the context fields private; 2.x has no MBEDTLS_PRIVATE. */
#if MBEDTLS_VERSION_MAJOR >= 3
#define MBED_FIELD(x) MBEDTLS_PRIVATE(x)
#else
#define MBED_FIELD(x) x
#endif

/* Default offer: every suite of the mode this Mbed TLS build has (127 in Debian's 2.28). */
#define ZC_DTLS_MAX_OFFERED_SUITES 128
/* CoAP messages a client-driven handshake holds until it completes (mbedtls_driven.c). */
#define ZC_DTLS_PENDING_MAX 8
/* Room for the sentence zcoap_dtls_last_error() returns. */
#define ZC_DTLS_DETAIL_LEN 200

enum zc_dtls_session_state {
	ZC_DTLS_FREE = 0,
	ZC_DTLS_CONNECTING, /* the handshake runs: zcoap_dtls_connect(), or the application steps it
			     */
	ZC_DTLS_UP,         /* application data may flow */
	ZC_DTLS_FAILED,     /* handshake failed or session ended; Mbed TLS state freed */
};

/* The DTLS retransmission timer (RFC 6347 §4.2.4) in the form Mbed TLS asks for. */
struct dtls_timer {
	int64_t start_ms;
	uint32_t int_ms;
	uint32_t fin_ms; /* 0: stopped */
};

/* What the resumption cache files a session under (mbedtls_resume.c), captured at connect. */
struct dtls_resume_key {
	bool cache;  /* session_cache ENABLED and a peer address given */
	bool verify; /* the connection checks the server's identity in full */
	socklen_t addrlen;
	uint8_t addr[sizeof(struct sockaddr_storage)];
	size_t ntags;
	zcoap_sec_tag_t tags[ZCOAP_DTLS_MAX_SEC_TAGS];
};

struct dtls_state {
	int fd;                   /* copy of session.fd for the I/O callbacks */
	uint8_t state;            /* enum zc_dtls_session_state */
	bool was_up;              /* the handshake completed once */
	bool live;                /* the Mbed TLS contexts below are initialised */
	bool have_psk;            /* a PSK is configured */
	bool have_own;            /* our own certificate is configured */
	bool peer_seen;           /* a datagram came from the server */
	bool peer_after_finished; /* ... while we waited for its Finished (handshake) */
	uint64_t id_a;            /* identity of the socket (zc_port_fd_identity()), to spot a */
	uint64_t id_b;            /* reused descriptor number */
	int io_errno;             /* errno of the last failed send()/recv(), 0 if none */
	int error;                /* why the session failed (negative errno), 0 if it did not */
	int suite;                /* negotiated cipher suite (IANA), 0 before the handshake */
	bool offered;             /* a session was offered for resumption (offer holds it) */
	bool resumed;             /* the server resumed it (abbreviated handshake) */
	bool resume_failed;       /* the offer made the handshake fail: redone without it */
	uint32_t hs_sent;         /* datagrams sent during the handshake */
	uint32_t hs_received;     /* datagrams received during the handshake */
	uint32_t hs_ms;           /* duration of the completed handshake */
	uint32_t hs_total_ms;     /* the handshake timeout in force */
	int64_t hs_start_ms;      /* when the handshake started (port clock) */
	int64_t hs_deadline_ms;   /* ... and when it gives up */
	int hs_forged;            /* the last failure that made it start over, 0 if none */
	bool app_driven;          /* zcoap_dtls_connect_start(): the application steps it */
	bool client_driven;       /* zcoap_dtls_connect_async(): the client using it steps it */
	uint8_t n_pending;        /* messages held until the handshake completes (client_driven) */
	uint8_t rc_attempts;      /* reconnect policy: attempts per loss (0: off) */
	uint8_t rc_attempt;       /* the attempt running (0: no reconnect) */
	uint32_t rc_delay_ms;     /* wait before the second attempt */
	int64_t rc_retry_at;      /* the next attempt starts then (0: none waiting) */
	int rc_lost;              /* why the session was lost */
	zcoap_dtls_event_cb_t event_cb;
	void *event_user;
	uint16_t pending_len[ZC_DTLS_PENDING_MAX];
	uint8_t *pending[ZC_DTLS_PENDING_MAX]; /* Mbed TLS heap, zeroised when freed */
	int cache_slot;     /* resumption cache entry of this session + 1; 0: none */
	uint32_t cache_gen; /* ... and its generation (the entry may be reused) */
	bool verified;      /* the session's server was authenticated (peer_verify REQUIRED) */
	uint8_t offer_master[48]; /* master secret of the offered session, until the end */
	char host[256];           /* the configured host name ("" none), for saved sessions */
	struct dtls_resume_key resume_key; /* (mbedtls_resume.c) */
	uint8_t ip_len; /* 4 or 16: the identity to verify is this address; 0: none */
	uint8_t ip[16]; /* (mbedtls_identity.c) */
	struct dtls_timer timer;
	char detail[ZC_DTLS_DETAIL_LEN];
	int suites[ZC_DTLS_MAX_OFFERED_SUITES + 1]; /* 0-terminated; referenced by conf */
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt own;
	mbedtls_pk_context key;
};

/*
 * in_use and fd say which descriptor a slot serves; they change only with
 * both table_lock and the slot's lock held, so either lock is enough to
 * read them. Everything in st is guarded by the slot's lock, except while
 * st.state is CONNECTING: then only the connecting thread touches the Mbed
 * TLS contexts (the others see CONNECTING and back off).
 */
struct session {
	struct zcoap_port_mutex lock;
	bool lock_ready; /* lock is initialised (on the slot's first claim; never destroyed) */
	bool in_use;
	int fd;
	struct dtls_state st;
};

/* ---- mbedtls_session.c ---- */

/**
 * Lock the slot that the transport table handed over as the context of
 * @p sock: @p s itself when it still serves @p sock (lock held on return),
 * NULL when it was released in between.
 */
struct session *zc_dtls_session_lock_ctx(struct session *s, int sock);

/** Mark the session failed with @p err and @p text; frees Mbed TLS state. Lock held. */
void zc_dtls_session_fail_locked(struct dtls_state *st, int err, const char *text);

/**
 * The transport table's close for a DTLS socket: close_notify when up, free
 * the slot, unregister, close(). -EBUSY during a handshake (nothing done).
 */
int zc_dtls_op_close(void *ctx, int sock);

/*
 * One step of a handshake driven by zcoap_dtls_handshake_continue() or the
 * client (never waits): 0 complete (the session is UP), -EINPROGRESS with
 * the wait in @p wait_ms (may be NULL), or the failure (session FAILED).
 * Lock held.
 */
int zc_dtls_step_locked(struct dtls_state *st, int *wait_ms);

/* ---- mbedtls_driven.c: the handshake the client drives (zcoap_dtls_connect_async()) ---- */

/* Hold one CoAP message until the handshake completes: 0, or -ENOBUFS/-ENOMEM. Lock held. */
int zc_dtls_pending_add(struct dtls_state *st, const uint8_t *buf, size_t len);

/* Free (zeroised) the messages held. */
void zc_dtls_pending_drop(struct dtls_state *st);

/*
 * The receive operation's part for a client-driven session still
 * handshaking: step it; -EAGAIN while it goes on, 0 once it completed (the
 * held messages are sent), or the failure. Lock held.
 */
long zc_dtls_driven_step_locked(struct dtls_state *st);

/* The transport table's deadline operation (zc_transport_deadline()). */
int64_t zc_dtls_op_deadline(void *ctx, int sock);

/* The transport table's peer_silent operation: a reconnect when the policy allows. */
void zc_dtls_op_peer_silent(void *ctx, int sock);

/* The transport table's error operation: a client-driven handshake's failure is exact. */
bool zc_dtls_op_error(void *ctx, int sock, int recv_err, struct zc_transport_err *e);

/* ---- mbedtls_reconnect.c: the reconnect policy (zcoap_dtls_config.reconnect_attempts) ---- */

/* Keep the policy of @p cfg in the session (at connect). */
void zc_dtls_reconnect_setup(struct dtls_state *st, const struct zcoap_dtls_config *cfg);

/*
 * The established session ended with @p err (Mbed TLS's @p ret): start
 * reconnecting when the policy allows (true: the session is CONNECTING and
 * client-driven again), else false. Lock held.
 */
bool zc_dtls_reconnect_begin_locked(struct dtls_state *st, int err, int ret);

/*
 * A reconnect attempt failed with @p err: schedule the next (true) or give
 * up (false: the caller fails the session). Lock held.
 */
bool zc_dtls_reconnect_retry_locked(struct dtls_state *st, int err);

/*
 * Before a step: an attempt waiting for its delay starts when it is due.
 * @return 0 to step now, or -EINPROGRESS with the ms left in @p wait_ms.
 */
int zc_dtls_reconnect_due_locked(struct dtls_state *st, int64_t *wait_ms);

/* The handshake of a reconnect completed: report it. Lock held. */
void zc_dtls_reconnect_done_locked(struct dtls_state *st);

/* ---- mbedtls_config.c ---- */

/** Check a configuration before anything is touched: 0 or -EINVAL. */
int zc_dtls_check_config(const struct zcoap_dtls_config *cfg);

/**
 * Initialise the Mbed TLS contexts of @p st (st->live) and configure them
 * from @p cfg and the credential store. 0, or a negative errno with the
 * reason in @p why.
 */
int zc_dtls_setup(struct dtls_state *st, const struct zcoap_dtls_config *cfg, char *why, size_t n);

/* ---- mbedtls_bio.c ---- */

/** Milliseconds until the final timer fires, -1 when stopped. */
int64_t zc_dtls_timer_remaining(const struct dtls_timer *t);

/** Hand @p st's socket and timer callbacks to its Mbed TLS context. */
void zc_dtls_bio_attach(struct dtls_state *st);

/* ---- mbedtls_record.c: the transport table's send and receive for a DTLS socket ---- */

int zc_dtls_op_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		    const uint8_t *buf, size_t len);
long zc_dtls_op_recv(void *ctx, int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		     socklen_t *srclen, bool *truncated);

/* ---- mbedtls_diag.c ---- */

/* (the mapping shared with TLS over TCP: mbedtls_diag.h) */

/** Map a failed mbedtls_ssl_handshake() to our errno and a sentence in @p why. */
int zc_dtls_handshake_error(const struct dtls_state *st, int ret, const char *hostname,
			    uint32_t total_ms, char *why, size_t n);

/** A handshake that did not finish in time: -ETIMEDOUT, or -EACCES for a PSK mismatch. */
int zc_dtls_timeout_error(const struct dtls_state *st, uint32_t total_ms, char *why, size_t n);

/**
 * Whether a failed mbedtls_ssl_handshake() may stem from one unauthenticated
 * record that anyone who can spoof the server's address could have sent
 * (RFC 6347 §4.1.2.7): the handshake is then restarted, not given up.
 */
bool zc_dtls_error_is_forgeable(int ret);

/** Map the failure that ended an established session to our errno and a sentence. */
int zc_dtls_session_error(const struct dtls_state *st, int ret, char *why, size_t n);

/* ---- mbedtls_identity.c ---- */

/**
 * Parse @p host as an IP address literal: an IPv4 dotted quad, or IPv6 text
 * (RFC 4291 §2.2), bare or in brackets, a zone ("%eth0") ignored.
 * @return 4 or 16 (bytes stored in @p out, network order), 0 for a host name.
 */
int zc_dtls_ip_literal(const char *host, uint8_t out[16]);

/**
 * Verification callback (mbedtls_ssl_conf_verify(), @p ctx the session's
 * struct dtls_state): the server's certificate must carry an iPAddress
 * subjectAltName equal to st->ip, or it gets MBEDTLS_X509_BADCERT_CN_MISMATCH.
 */
int zc_dtls_verify_ip(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

/* ---- mbedtls_resume.c ---- */

/**
 * Before the handshake (no lock held, st CONNECTING): offer the session of
 * cfg->session, or else the cached one of this server, to @p st's context.
 * Never fails the connection: an unusable session is simply not offered.
 */
void zc_dtls_resume_offer(struct dtls_state *st, const struct zcoap_dtls_config *cfg,
			  const struct sockaddr *peer, socklen_t peerlen);

/**
 * After a completed handshake (st still CONNECTING): whether the server
 * resumed, and the session stored in the cache when the connection asked
 * for it (st->resume_key). Clears the copy of the offered secret.
 */
void zc_dtls_resume_done(struct dtls_state *st);

/**
 * Serialise the (up) session of @p st for zcoap_dtls_session_save(): the
 * same contract. Session lock held.
 */
int zc_dtls_resume_save(struct dtls_state *st, void *buf, size_t *len);

/**
 * The handshake failed with Mbed TLS error @p ret while a session was
 * offered (a server that answers a resumption attempt with an alert, or a
 * saved session whose secret the server does not share): when it may be
 * the offer's fault, reset the context for a full handshake without it and
 * return true (once per connection).
 */
bool zc_dtls_resume_fallback(struct dtls_state *st, int ret);

/** The session ended by a fatal alert: it must not be resumed (RFC 5246 §7.2.2). */
void zc_dtls_resume_forget(struct dtls_state *st);

/* Offer @p sn (the session just lost) in the next ClientHello. */
bool zc_dtls_resume_offer_session(struct dtls_state *st, const mbedtls_ssl_session *sn);

/* ---- mbedtls_rng.c ---- */

/** Seed the shared generator on first use (reseed in a forked child). 0 or -EIO. */
int zc_dtls_rng_setup(void);

/** Mbed TLS's f_rng: random bytes from the shared generator. */
int zc_dtls_rng_random(void *ctx, unsigned char *out, size_t len);

#endif /* ZCOAP_TRANSPORT_DTLS_MBEDTLS_INTERNAL_H */
