/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_mbedtls.c -- DTLS 1.2 client sockets (RFC 6347) over Mbed TLS 2.28
 * (3.x differences isolated behind MBEDTLS_VERSION_MAJOR): the credential
 * store, the session table, the handshake in the caller's thread, and the
 * transport.h hooks through which the client's datagrams are encrypted and
 * decrypted. The only file of zcoap that includes Mbed TLS headers; the
 * codec and the engine never see DTLS (docs/design/dtls.md).
 *
 * Locks: table_lock guards the session table (which descriptor is whose),
 * each session has its own mutex for its Mbed TLS context, cred_lock guards
 * the credential table and rng_lock the shared random generator. Order:
 * (client lock ->) table_lock -> session lock; cred_lock and rng_lock are
 * leaves. A handshake runs without any of them held while it waits.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/version.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include "coap_client.h"
#include "transport/transport.h"
#include "zcoap_dtls.h"

/* 3.x made the context fields private; 2.x has no MBEDTLS_PRIVATE. */
#if MBEDTLS_VERSION_MAJOR >= 3
#define MBED_FIELD(x) MBEDTLS_PRIVATE(x)
#else
#define MBED_FIELD(x) x
#endif

#define MAX_HOSTNAME_LEN 255
/* Default offer: every suite of the mode this Mbed TLS build has (127 in Debian's 2.28). */
#define MAX_OFFERED_SUITES 128
#define DETAIL_LEN         200
/* How long a send waits for room in a full socket buffer before reporting -EAGAIN. */
#define SEND_WAIT_MS 100
/* Records handled per zc_dtls_recv() call when a datagram carries several. */
#define RECV_PENDING_MAX 8

/* TLS alert numbers (RFC 5246 §7.2, RFC 4279 §2 for unknown_psk_identity). */
enum {
	ALERT_CLOSE_NOTIFY = 0,
	ALERT_BAD_RECORD_MAC = 20,
	ALERT_HANDSHAKE_FAILURE = 40,
	ALERT_BAD_CERTIFICATE = 42,
	ALERT_UNSUPPORTED_CERTIFICATE = 43,
	ALERT_CERTIFICATE_REVOKED = 44,
	ALERT_CERTIFICATE_EXPIRED = 45,
	ALERT_CERTIFICATE_UNKNOWN = 46,
	ALERT_UNKNOWN_CA = 48,
	ALERT_ACCESS_DENIED = 49,
	ALERT_DECRYPT_ERROR = 51,
	ALERT_UNKNOWN_PSK_IDENTITY = 115,
};

/* ---- credential store (Zephyr's tls_credentials) --------------------------- */

struct credential {
	bool used;
	uint8_t type;
	zcoap_sec_tag_t tag;
	const uint8_t *data; /* the application's buffer (referenced, as in Zephyr) */
	size_t len;
};

static struct credential creds[ZCOAP_TLS_MAX_CREDENTIALS];
static pthread_mutex_t cred_lock = PTHREAD_MUTEX_INITIALIZER;

static bool type_valid(int type)
{
	return type >= ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE && type <= ZCOAP_TLS_CREDENTIAL_PSK_ID;
}

/* Caller holds cred_lock. */
static struct credential *cred_find(zcoap_sec_tag_t tag, int type)
{
	for (size_t i = 0; i < ZCOAP_TLS_MAX_CREDENTIALS; i++) {
		if (creds[i].used && creds[i].tag == tag && creds[i].type == type) {
			return &creds[i];
		}
	}
	return NULL;
}

int zcoap_tls_credential_add(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type,
			     const void *cred, size_t credlen)
{
	int rc = -ENOMEM;

	if (cred == NULL || credlen == 0 || !type_valid((int)type)) {
		return -EINVAL;
	}
	pthread_mutex_lock(&cred_lock);
	if (cred_find(tag, (int)type) != NULL) {
		rc = -EEXIST;
	} else {
		for (size_t i = 0; i < ZCOAP_TLS_MAX_CREDENTIALS; i++) {
			if (!creds[i].used) {
				creds[i] = (struct credential){.used = true,
							       .type = (uint8_t)type,
							       .tag = tag,
							       .data = cred,
							       .len = credlen};
				rc = 0;
				break;
			}
		}
	}
	pthread_mutex_unlock(&cred_lock);
	return rc;
}

int zcoap_tls_credential_get(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type, void *cred,
			     size_t *credlen)
{
	const struct credential *c;
	int rc = 0;

	if (cred == NULL || credlen == NULL) {
		return -EINVAL;
	}
	pthread_mutex_lock(&cred_lock);
	c = type_valid((int)type) ? cred_find(tag, (int)type) : NULL;
	if (c == NULL) {
		rc = -ENOENT;
	} else if (c->len > *credlen) {
		*credlen = c->len;
		rc = -EFBIG;
	} else {
		memcpy(cred, c->data, c->len);
		*credlen = c->len;
	}
	pthread_mutex_unlock(&cred_lock);
	return rc;
}

int zcoap_tls_credential_delete(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type)
{
	struct credential *c;
	int rc = -ENOENT;

	pthread_mutex_lock(&cred_lock);
	c = type_valid((int)type) ? cred_find(tag, (int)type) : NULL;
	if (c != NULL) {
		/* Only a reference: the application owns (and clears) the bytes. */
		memset(c, 0, sizeof(*c));
		rc = 0;
	}
	pthread_mutex_unlock(&cred_lock);
	return rc;
}

/* ---- shared random generator ---------------------------------------------------- */

/*
 * One CTR_DRBG for all sessions: the entropy context alone is ~37 KiB in
 * Debian's build, too much to repeat per session. Calls are serialised by
 * rng_lock (Mbed TLS's own locking exists only with MBEDTLS_THREADING_C).
 * A forked child reseeds so that it never repeats its parent's stream.
 */
static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static bool rng_ready;
static pid_t rng_pid;

static int rng_setup(void)
{
	static const unsigned char pers[] = "zcoap dtls client";
	int rc = 0;

	pthread_mutex_lock(&rng_lock);
	if (!rng_ready) {
#if MBEDTLS_VERSION_MAJOR >= 3
		if (psa_crypto_init() != PSA_SUCCESS) {
			rc = -EIO;
		}
#endif
		mbedtls_entropy_init(&rng_entropy);
		mbedtls_ctr_drbg_init(&rng_drbg);
		if (rc == 0 && mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
						     pers, sizeof(pers) - 1) != 0) {
			rc = -EIO;
		}
		if (rc == 0) {
			rng_ready = true;
			rng_pid = getpid();
		} else {
			mbedtls_ctr_drbg_free(&rng_drbg);
			mbedtls_entropy_free(&rng_entropy);
		}
	} else if (rng_pid != getpid()) {
		if (mbedtls_ctr_drbg_reseed(&rng_drbg, NULL, 0) != 0) {
			rc = -EIO;
		} else {
			rng_pid = getpid();
		}
	}
	pthread_mutex_unlock(&rng_lock);
	return rc;
}

static int rng_random(void *ctx, unsigned char *out, size_t len)
{
	int rc;

	(void)ctx;
	pthread_mutex_lock(&rng_lock);
	rc = mbedtls_ctr_drbg_random(&rng_drbg, out, len);
	pthread_mutex_unlock(&rng_lock);
	return rc;
}

/* ---- sessions -------------------------------------------------------------------- */

enum session_state {
	SESSION_FREE = 0,
	SESSION_CONNECTING, /* zcoap_dtls_connect() is running the handshake */
	SESSION_UP,         /* application data may flow */
	SESSION_FAILED,     /* handshake failed or session ended; Mbed TLS state freed */
};

/* The DTLS retransmission timer (RFC 6347 §4.2.4) in the form Mbed TLS asks for. */
struct dtls_timer {
	int64_t start_ms;
	uint32_t int_ms;
	uint32_t fin_ms; /* 0: stopped */
};

struct dtls_state {
	int fd;         /* copy of session.fd for the I/O callbacks */
	uint8_t state;  /* enum session_state */
	bool was_up;    /* the handshake completed once */
	bool live;      /* the Mbed TLS contexts below are initialised */
	bool have_psk;  /* a PSK is configured */
	bool have_own;  /* our own certificate is configured */
	bool peer_seen; /* a datagram came from the server */
	dev_t dev;      /* identity of the socket, to spot a reused descriptor number */
	ino_t ino;
	int io_errno; /* errno of the last failed send()/recv(), 0 if none */
	int error;    /* why the session failed (negative errno), 0 if it did not */
	int suite;    /* negotiated cipher suite (IANA), 0 before the handshake */
	struct dtls_timer timer;
	char detail[DETAIL_LEN];
	int suites[MAX_OFFERED_SUITES + 1]; /* 0-terminated; referenced by conf */
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt own;
	mbedtls_pk_context key;
};

/*
 * in_use and fd say which descriptor a slot serves; they change only under
 * table_lock. Everything in st is guarded by the slot's lock, except while
 * st.state is CONNECTING: then only the connecting thread touches the Mbed
 * TLS contexts (the others see CONNECTING and back off).
 */
struct session {
	pthread_mutex_t lock;
	bool lock_ready;
	bool in_use;
	int fd;
	struct dtls_state st;
};

static struct session sessions[ZCOAP_DTLS_MAX_SESSIONS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

/* Caller holds table_lock. */
static struct session *session_find(int fd)
{
	if (fd < 0) {
		return NULL;
	}
	for (size_t i = 0; i < ZCOAP_DTLS_MAX_SESSIONS; i++) {
		if (sessions[i].in_use && sessions[i].fd == fd) {
			return &sessions[i];
		}
	}
	return NULL;
}

/* The session of @p fd with its lock held, or NULL. */
static struct session *session_lock(int fd)
{
	struct session *s;

	pthread_mutex_lock(&table_lock);
	s = session_find(fd);
	if (s != NULL) {
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&table_lock);
	return s;
}

/*
 * Free the Mbed TLS state. The *_free() functions zeroise what they release
 * (keys, PSK, master secret, record keys); the struct itself is cleared too.
 */
static void contexts_free(struct dtls_state *st)
{
	if (!st->live) {
		return;
	}
	mbedtls_ssl_free(&st->ssl);
	mbedtls_ssl_config_free(&st->conf);
	mbedtls_x509_crt_free(&st->ca);
	mbedtls_x509_crt_free(&st->own);
	mbedtls_pk_free(&st->key);
	mbedtls_platform_zeroize(&st->ssl, sizeof(st->ssl));
	mbedtls_platform_zeroize(&st->conf, sizeof(st->conf));
	st->live = false;
}

/* Clear a whole slot (it becomes free). Caller holds table_lock and the session lock. */
static void session_wipe(struct session *s)
{
	contexts_free(&s->st);
	mbedtls_platform_zeroize(&s->st, sizeof(s->st));
	s->st.fd = -1;
	s->st.state = SESSION_FREE;
	s->in_use = false;
	s->fd = -1;
}

/* Mark the session failed with @p err and @p text; frees Mbed TLS state. Lock held. */
static void session_fail_locked(struct dtls_state *st, int err, const char *text)
{
	contexts_free(st);
	st->state = SESSION_FAILED;
	st->error = err;
	snprintf(st->detail, sizeof(st->detail), "%s", text);
}

static void session_fail(struct session *s, int err, const char *text)
{
	pthread_mutex_lock(&s->lock);
	session_fail_locked(&s->st, err, text);
	pthread_mutex_unlock(&s->lock);
}

/* ---- clock, timer and socket callbacks ------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
	struct dtls_timer *t = ctx;

	t->start_ms = now_ms();
	t->int_ms = int_ms;
	t->fin_ms = fin_ms;
}

/* Mbed TLS's contract: -1 stopped, 0 running, 1 intermediate passed, 2 final passed. */
static int timer_get(void *ctx)
{
	const struct dtls_timer *t = ctx;
	int64_t elapsed;

	if (t->fin_ms == 0) {
		return -1;
	}
	elapsed = now_ms() - t->start_ms;
	if (elapsed >= (int64_t)t->fin_ms) {
		return 2;
	}
	return elapsed >= (int64_t)t->int_ms ? 1 : 0;
}

/* Milliseconds until the final timer fires, -1 when stopped. */
static int64_t timer_remaining(const struct dtls_timer *t)
{
	int64_t left;

	if (t->fin_ms == 0) {
		return -1;
	}
	left = t->start_ms + (int64_t)t->fin_ms - now_ms();
	return left > 0 ? left : 0;
}

/*
 * Send one datagram of records. During the handshake an error ends it (so
 * ICMP and routing errors are reported at once). Afterwards an error is
 * recorded in io_errno and the datagram counted as sent: Mbed TLS keeps an
 * unsent record and would flush it in place of the next message, so it must
 * never see a failed send of application data; the caller reports io_errno
 * instead, and a lost datagram is what DTLS and CoAP recover from anyway
 * (RFC 6347 §4.1.2.7, RFC 7252 §4.2).
 */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct dtls_state *st = ctx;
	bool waited = false;

	if (len > INT_MAX) {
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	}
	for (;;) {
		ssize_t n = send(st->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n >= 0) {
			return (int)n;
		}
		if (errno == EINTR) {
			continue;
		}
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && !waited) {
			struct pollfd p = {.fd = st->fd, .events = POLLOUT};

			waited = true;
			(void)poll(&p, 1, SEND_WAIT_MS);
			continue;
		}
		st->io_errno = errno == EWOULDBLOCK ? EAGAIN : errno;
		if (st->state == SESSION_CONNECTING) {
			return MBEDTLS_ERR_NET_SEND_FAILED;
		}
		return (int)len;
	}
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct dtls_state *st = ctx;

	if (len > INT_MAX) {
		len = INT_MAX;
	}
	for (;;) {
		ssize_t n = recv(st->fd, buf, len, MSG_DONTWAIT);

		if (n > 0) {
			st->peer_seen = true;
			return (int)n;
		}
		if (n == 0) {
			continue; /* an empty datagram carries no record: skip it */
		}
		if (errno == EINTR) {
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return MBEDTLS_ERR_SSL_WANT_READ;
		}
		st->io_errno = errno;
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

/* ---- error mapping ------------------------------------------------------------------ */

static const char *alert_name(int alert)
{
	switch (alert) {
	case ALERT_CLOSE_NOTIFY:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case ALERT_BAD_RECORD_MAC:
		return "bad_record_mac";
	case 22:
		return "record_overflow";
	case ALERT_HANDSHAKE_FAILURE:
		return "handshake_failure";
	case ALERT_BAD_CERTIFICATE:
		return "bad_certificate";
	case ALERT_UNSUPPORTED_CERTIFICATE:
		return "unsupported_certificate";
	case ALERT_CERTIFICATE_REVOKED:
		return "certificate_revoked";
	case ALERT_CERTIFICATE_EXPIRED:
		return "certificate_expired";
	case ALERT_CERTIFICATE_UNKNOWN:
		return "certificate_unknown";
	case 47:
		return "illegal_parameter";
	case ALERT_UNKNOWN_CA:
		return "unknown_ca";
	case ALERT_ACCESS_DENIED:
		return "access_denied";
	case 50:
		return "decode_error";
	case ALERT_DECRYPT_ERROR:
		return "decrypt_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 90:
		return "user_canceled";
	case 100:
		return "no_renegotiation";
	case 110:
		return "unsupported_extension";
	case 112:
		return "unrecognized_name";
	case ALERT_UNKNOWN_PSK_IDENTITY:
		return "unknown_psk_identity";
	default:
		return "unknown alert";
	}
}

/* Alerts by which a server says it does not accept our credentials. */
static bool alert_rejects_credentials(int alert)
{
	switch (alert) {
	case ALERT_BAD_RECORD_MAC:
	case ALERT_BAD_CERTIFICATE:
	case ALERT_UNSUPPORTED_CERTIFICATE:
	case ALERT_CERTIFICATE_REVOKED:
	case ALERT_CERTIFICATE_EXPIRED:
	case ALERT_CERTIFICATE_UNKNOWN:
	case ALERT_UNKNOWN_CA:
	case ALERT_ACCESS_DENIED:
	case ALERT_DECRYPT_ERROR:
	case ALERT_UNKNOWN_PSK_IDENTITY:
		return true;
	default:
		return false;
	}
}

/* The description byte of the alert Mbed TLS just reported as fatal. */
static int received_alert(const mbedtls_ssl_context *ssl)
{
	const unsigned char *msg = ssl->MBED_FIELD(in_msg);

	return msg != NULL ? msg[1] : -1;
}

/* Whether the server sent a CertificateRequest (RFC 5246 §7.4.4). */
static bool server_asked_for_certificate(const mbedtls_ssl_context *ssl)
{
#if MBEDTLS_VERSION_MAJOR >= 3
	(void)ssl; /* not visible through the 3.x API */
	return false;
#else
	return ssl->client_auth != 0;
#endif
}

static int handshake_step(const mbedtls_ssl_context *ssl)
{
	return ssl->MBED_FIELD(state);
}

/* Cipher suite chosen by the server's ServerHello, 0 before it. */
static int negotiating_suite(const mbedtls_ssl_context *ssl)
{
	const mbedtls_ssl_session *sn = ssl->MBED_FIELD(session_negotiate);

	return sn != NULL ? sn->MBED_FIELD(ciphersuite) : 0;
}

static bool suite_uses_psk(int id)
{
	const mbedtls_ssl_ciphersuite_t *info = mbedtls_ssl_ciphersuite_from_id(id);

	if (info == NULL) {
		return false;
	}
	switch (info->MBED_FIELD(key_exchange)) {
	case MBEDTLS_KEY_EXCHANGE_PSK:
	case MBEDTLS_KEY_EXCHANGE_DHE_PSK:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_PSK:
	case MBEDTLS_KEY_EXCHANGE_RSA_PSK:
		return true;
	default:
		return false;
	}
}

static void mbed_text(int ret, char *buf, size_t len)
{
#if defined(MBEDTLS_ERROR_C)
	mbedtls_strerror(ret, buf, len);
#else
	snprintf(buf, len, "Mbed TLS error -0x%04X", (unsigned int)-ret);
#endif
}

/* A handshake that did not finish in time: -ETIMEDOUT, or -EACCES for a PSK mismatch. */
static int timeout_error(const struct dtls_state *st, uint32_t total_ms, char *why, size_t n)
{
	int step = handshake_step(&st->ssl);

	if (!st->peer_seen) {
		snprintf(why, n, "DTLS handshake timed out after %u ms: no answer from the server",
			 (unsigned int)total_ms);
		return -ETIMEDOUT;
	}
	/*
	 * We sent our Finished, the server kept talking but never sent its own:
	 * OpenSSL and GnuTLS discard a Finished whose MAC fails (RFC 6347
	 * §4.1.2.7 lets them drop bad records silently), which is what a
	 * different pre-shared key produces.
	 */
	if ((step == MBEDTLS_SSL_SERVER_NEW_SESSION_TICKET ||
	     step == MBEDTLS_SSL_SERVER_CHANGE_CIPHER_SPEC ||
	     step == MBEDTLS_SSL_SERVER_FINISHED) &&
	    suite_uses_psk(negotiating_suite(&st->ssl))) {
		snprintf(why, n,
			 "the server never accepted our Finished message within %u ms: the "
			 "pre-shared key or identity does not match the server's",
			 (unsigned int)total_ms);
		return -EACCES;
	}
	snprintf(why, n,
		 "DTLS handshake timed out after %u ms (server answered, stalled at step %d)",
		 (unsigned int)total_ms, step);
	return -ETIMEDOUT;
}

/* The server certificate failed verification: -EKEYREJECTED or -EKEYEXPIRED. */
static int verify_error(const struct dtls_state *st, const char *hostname, char *why, size_t n)
{
	uint32_t flags = mbedtls_ssl_get_verify_result(&st->ssl);

	if (flags == UINT32_MAX) {
		flags = 0;
	}
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		snprintf(why, n, "server certificate is not signed by a trusted CA (unknown CA)");
		return -EKEYREJECTED;
	}
	if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
		snprintf(why, n, "server certificate has expired");
		return -EKEYEXPIRED;
	}
	if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
		snprintf(why, n, "server certificate is not valid yet");
		return -EKEYEXPIRED;
	}
	if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		snprintf(why, n, "server certificate is not valid for host '%s' (name mismatch)",
			 hostname != NULL ? hostname : "");
		return -EKEYREJECTED;
	}
	if (flags & MBEDTLS_X509_BADCERT_REVOKED) {
		snprintf(why, n, "server certificate has been revoked");
		return -EKEYREJECTED;
	}
	{
		char info[160];
		int len = mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);

		/* Keep the first reason only; the text ends in a newline. */
		if (len > 0) {
			char *nl = strchr(info, '\n');

			if (nl != NULL) {
				*nl = '\0';
			}
		} else {
			snprintf(info, sizeof(info), "flags 0x%08x", (unsigned int)flags);
		}
		snprintf(why, n, "server certificate rejected: %s", info);
	}
	return -EKEYREJECTED;
}

/* Map a failed mbedtls_ssl_handshake() to our errno and a sentence. */
static int handshake_error(const struct dtls_state *st, int ret, const char *hostname,
			   uint32_t total_ms, char *why, size_t n)
{
	char text[120];
	int alert;

	switch (ret) {
	case MBEDTLS_ERR_SSL_TIMEOUT:
		return timeout_error(st, total_ms, why, n);
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		if (st->io_errno == ECONNREFUSED) {
			snprintf(why, n,
				 "nothing listens on the server port (ICMP port unreachable)");
			return -ECONNREFUSED;
		}
		snprintf(why, n, "%s() failed during the DTLS handshake: %s",
			 ret == MBEDTLS_ERR_NET_SEND_FAILED ? "send" : "recv",
			 zcoap_strerror(st->io_errno));
		return st->io_errno != 0 ? -st->io_errno : -EIO;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		return verify_error(st, hostname, why, n);
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		alert = received_alert(&st->ssl);
		if (alert == ALERT_HANDSHAKE_FAILURE && !st->have_own &&
		    server_asked_for_certificate(&st->ssl)) {
			snprintf(why, n,
				 "the server requires a client certificate and none is configured: "
				 "fatal alert %s (%d)",
				 alert_name(alert), alert);
			return -EACCES;
		}
		if (alert_rejects_credentials(alert)) {
			snprintf(why, n, "the server rejected our credentials: fatal alert %s (%d)",
				 alert_name(alert), alert);
			return -EACCES;
		}
		snprintf(why, n, "the server aborted the handshake: fatal alert %s (%d)",
			 alert_name(alert), alert);
		return -ECONNABORTED;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		snprintf(why, n, "the server closed the session during the handshake");
		return -ECONNABORTED;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		snprintf(why, n, "Mbed TLS ran out of memory during the handshake");
		return -ENOMEM;
	default:
		mbed_text(ret, text, sizeof(text));
		snprintf(why, n, "DTLS handshake failed: %s", text);
		return -EPROTO;
	}
}

/* ---- setup --------------------------------------------------------------------------- */

static bool looks_pem(const uint8_t *d, size_t len)
{
	static const char begin[] = "-----BEGIN ";

	while (len > 0 && (*d == ' ' || *d == '\t' || *d == '\r' || *d == '\n')) {
		d++;
		len--;
	}
	return len >= sizeof(begin) - 1 && memcmp(d, begin, sizeof(begin) - 1) == 0;
}

enum blob_kind { BLOB_CERT, BLOB_KEY };

/*
 * Parse a certificate (appended to @p crt) or a private key. Mbed TLS takes
 * PEM only with the terminating NUL counted in the length; for PEM given
 * without it, a NUL-terminated copy is made on Mbed TLS's heap, zeroised
 * and freed right after.
 */
static int parse_blob(enum blob_kind kind, const struct credential *c, mbedtls_x509_crt *crt,
		      mbedtls_pk_context *pk)
{
	const unsigned char *buf = c->data;
	unsigned char *copy = NULL;
	size_t len = c->len;
	int ret;

	if (looks_pem(c->data, c->len) && c->data[c->len - 1] != '\0') {
		copy = mbedtls_calloc(1, c->len + 1);
		if (copy == NULL) {
			return -ENOMEM;
		}
		memcpy(copy, c->data, c->len);
		buf = copy;
		len = c->len + 1;
	}
	if (kind == BLOB_CERT) {
		ret = mbedtls_x509_crt_parse(crt, buf, len);
	} else {
#if MBEDTLS_VERSION_MAJOR >= 3
		ret = mbedtls_pk_parse_key(pk, buf, len, NULL, 0, rng_random, NULL);
#else
		ret = mbedtls_pk_parse_key(pk, buf, len, NULL, 0);
#endif
	}
	if (copy != NULL) {
		mbedtls_platform_zeroize(copy, len);
		mbedtls_free(copy);
	}
	if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED || ret == MBEDTLS_ERR_PK_ALLOC_FAILED) {
		return -ENOMEM;
	}
	/* x509_crt_parse() returns the number of certificates it skipped: all must parse. */
	return ret == 0 ? 0 : -EINVAL;
}

static const char *type_name(int type)
{
	switch (type) {
	case ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE:
		return "CA certificate";
	case ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE:
		return "certificate";
	case ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY:
		return "private key";
	case ZCOAP_TLS_CREDENTIAL_PSK:
		return "PSK";
	default:
		return "PSK identity";
	}
}

/*
 * Parse the credentials of the configured tags into the session, under
 * cred_lock (the buffers belong to the application and may be deleted
 * right after). Every CA certificate of every tag joins the trust chain;
 * our certificate + key and the PSK + identity come from the first tag
 * that has them.
 */
static int load_credentials(struct dtls_state *st, const struct zcoap_dtls_config *cfg,
			    bool *have_ca, bool *have_own, char *why, size_t n)
{
	const struct credential *cert = NULL;
	const struct credential *key = NULL;
	const struct credential *psk = NULL;
	const struct credential *psk_id = NULL;
	zcoap_sec_tag_t cert_tag = 0;
	zcoap_sec_tag_t psk_tag = 0;
	int rc = 0;

	*have_ca = false;
	*have_own = false;
	pthread_mutex_lock(&cred_lock);
	for (size_t t = 0; t < cfg->sec_tag_count && rc == 0; t++) {
		zcoap_sec_tag_t tag = cfg->sec_tags[t];
		bool any = false;

		for (size_t i = 0; i < ZCOAP_TLS_MAX_CREDENTIALS && rc == 0; i++) {
			const struct credential *c = &creds[i];

			if (!c->used || c->tag != tag) {
				continue;
			}
			any = true;
			if (c->type == ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE) {
				rc = parse_blob(BLOB_CERT, c, &st->ca, NULL);
				if (rc == -EINVAL) {
					snprintf(why, n,
						 "CA certificate of tag %d cannot be parsed", tag);
				}
				*have_ca = true;
			}
		}
		if (rc == 0 && !any) {
			snprintf(why, n, "security tag %d has no credentials", tag);
			rc = -ENOENT;
		}
		if (rc == 0 && cert == NULL && key == NULL) {
			cert = cred_find(tag, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE);
			key = cred_find(tag, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY);
			cert_tag = tag;
		}
		if (rc == 0 && psk == NULL && psk_id == NULL) {
			psk = cred_find(tag, ZCOAP_TLS_CREDENTIAL_PSK);
			psk_id = cred_find(tag, ZCOAP_TLS_CREDENTIAL_PSK_ID);
			psk_tag = tag;
		}
	}
	if (rc == 0 && (cert == NULL) != (key == NULL)) {
		snprintf(why, n, "tag %d has a %s but no %s", cert_tag,
			 type_name(cert != NULL ? ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE
						: ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY),
			 type_name(cert != NULL ? ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY
						: ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE));
		rc = -EINVAL;
	}
	if (rc == 0 && (psk == NULL) != (psk_id == NULL)) {
		snprintf(
		    why, n, "tag %d has a %s but no %s", psk_tag,
		    type_name(psk != NULL ? ZCOAP_TLS_CREDENTIAL_PSK : ZCOAP_TLS_CREDENTIAL_PSK_ID),
		    type_name(psk != NULL ? ZCOAP_TLS_CREDENTIAL_PSK_ID
					  : ZCOAP_TLS_CREDENTIAL_PSK));
		rc = -EINVAL;
	}
	if (rc == 0 && cert != NULL) {
		rc = parse_blob(BLOB_CERT, cert, &st->own, NULL);
		if (rc == -EINVAL) {
			snprintf(why, n, "certificate of tag %d cannot be parsed", cert_tag);
		}
		if (rc == 0) {
			rc = parse_blob(BLOB_KEY, key, NULL, &st->key);
			if (rc == -EINVAL) {
				snprintf(why, n,
					 "private key of tag %d cannot be parsed (PEM or DER, "
					 "unencrypted)",
					 cert_tag);
			}
		}
		if (rc == 0) {
#if MBEDTLS_VERSION_MAJOR >= 3
			int ret = mbedtls_pk_check_pair(&st->own.pk, &st->key, rng_random, NULL);
#else
			int ret = mbedtls_pk_check_pair(&st->own.pk, &st->key);
#endif
			if (ret != 0) {
				snprintf(why, n,
					 "private key of tag %d does not match its certificate",
					 cert_tag);
				rc = -EINVAL;
			}
		}
		*have_own = rc == 0;
		st->have_own = rc == 0;
	}
	if (rc == 0 && psk != NULL) {
		size_t id_len = psk_id->len;

		/* An identity given as a C string with its NUL counted: the NUL is not part of it.
		 */
		if (id_len > 1 && psk_id->data[id_len - 1] == '\0') {
			id_len--;
		}
		/* Mbed TLS copies both (and zeroises the key when the config is freed). */
		int ret =
		    mbedtls_ssl_conf_psk(&st->conf, psk->data, psk->len, psk_id->data, id_len);

		if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
			rc = -ENOMEM;
		} else if (ret != 0) {
			snprintf(why, n, "PSK or identity of tag %d is not usable (too long?)",
				 psk_tag);
			rc = -EINVAL;
		}
		st->have_psk = rc == 0;
	}
	pthread_mutex_unlock(&cred_lock);
	if (rc == -ENOMEM) {
		snprintf(why, n, "out of memory while parsing credentials");
	}
	return rc;
}

/* Whether a suite belongs to the offered mode; never one without encryption. */
static bool suite_fits(const mbedtls_ssl_ciphersuite_t *info, bool psk, bool cert)
{
	if (info->MBED_FIELD(cipher) == MBEDTLS_CIPHER_NULL) {
		return false;
	}
	switch (info->MBED_FIELD(key_exchange)) {
	case MBEDTLS_KEY_EXCHANGE_PSK:
	case MBEDTLS_KEY_EXCHANGE_DHE_PSK:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_PSK:
		return psk;
	case MBEDTLS_KEY_EXCHANGE_RSA:
	case MBEDTLS_KEY_EXCHANGE_DHE_RSA:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_RSA:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA:
	case MBEDTLS_KEY_EXCHANGE_ECDH_RSA:
	case MBEDTLS_KEY_EXCHANGE_ECDH_ECDSA:
		return cert;
	default:
		/* RSA-PSK needs both at once; EC J-PAKE a password we do not take. */
		return false;
	}
}

static int build_suites(struct dtls_state *st, const struct zcoap_dtls_config *cfg, bool psk,
			bool cert, char *why, size_t n)
{
	size_t k = 0;

	if (cfg->ciphersuites != NULL) {
		for (size_t i = 0; i < cfg->ciphersuite_count; i++) {
			const mbedtls_ssl_ciphersuite_t *info =
			    mbedtls_ssl_ciphersuite_from_id(cfg->ciphersuites[i]);

			/* RFC 7252 §9: a NULL cipher would be plaintext on the wire. */
			if (info == NULL || info->MBED_FIELD(cipher) == MBEDTLS_CIPHER_NULL) {
				snprintf(
				    why, n,
				    "cipher suite 0x%04X is not available in this Mbed TLS build",
				    (unsigned int)cfg->ciphersuites[i]);
				return -ENOTSUP;
			}
			st->suites[k++] = cfg->ciphersuites[i];
		}
	} else {
		for (const int *id = mbedtls_ssl_list_ciphersuites();
		     *id != 0 && k < MAX_OFFERED_SUITES; id++) {
			const mbedtls_ssl_ciphersuite_t *info =
			    mbedtls_ssl_ciphersuite_from_id(*id);

			if (info != NULL && suite_fits(info, psk, cert)) {
				st->suites[k++] = *id;
			}
		}
	}
	st->suites[k] = 0;
	if (k == 0) {
		snprintf(why, n, "no cipher suite of this Mbed TLS build fits the credentials");
		return -ENOTSUP;
	}
	mbedtls_ssl_conf_ciphersuites(&st->conf, st->suites);
	return 0;
}

static int setup(struct dtls_state *st, const struct zcoap_dtls_config *cfg, char *why, size_t n)
{
	uint32_t rmin =
	    cfg->retransmit_min_ms != 0 ? cfg->retransmit_min_ms : ZCOAP_DTLS_RETRANSMIT_MIN_MS;
	uint32_t rmax =
	    cfg->retransmit_max_ms != 0 ? cfg->retransmit_max_ms : ZCOAP_DTLS_RETRANSMIT_MAX_MS;
	bool verify = cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_NONE;
	bool have_ca;
	bool have_own;
	bool cert;
	int ret;
	int rc;

	mbedtls_ssl_init(&st->ssl);
	mbedtls_ssl_config_init(&st->conf);
	mbedtls_x509_crt_init(&st->ca);
	mbedtls_x509_crt_init(&st->own);
	mbedtls_pk_init(&st->key);
	st->live = true;

	rc = rng_setup();
	if (rc < 0) {
		snprintf(why, n, "the random generator could not be seeded");
		return rc;
	}
	ret =
	    mbedtls_ssl_config_defaults(&st->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		snprintf(why, n, "Mbed TLS configuration failed");
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EIO;
	}
	rc = load_credentials(st, cfg, &have_ca, &have_own, why, n);
	if (rc < 0) {
		return rc;
	}
	/* Certificate suites when certificates are configured, or explicitly unverified. */
	cert = have_ca || have_own || (!st->have_psk && !verify);
	if (!st->have_psk && !cert) {
		snprintf(why, n,
			 "no usable credentials: the tags hold neither a PSK with its identity "
			 "nor a CA certificate (set peer_verify NONE to skip verification)");
		return -ENOENT;
	}
	if (cert && verify && !have_ca) {
		snprintf(why, n, "certificate verification needs a CA certificate in the tags");
		return -ENOENT;
	}
	if (cert && verify && cfg->hostname == NULL && !cfg->skip_hostname_check) {
		snprintf(why, n,
			 "certificate verification needs the server's host name "
			 "(or skip_hostname_check)");
		return -EINVAL;
	}
	rc = build_suites(st, cfg, st->have_psk, cert, why, n);
	if (rc < 0) {
		return rc;
	}

	/* DTLS 1.2 only (RFC 7925 §4.1: DTLS 1.0 must not be used). */
#if MBEDTLS_VERSION_MAJOR >= 3
	mbedtls_ssl_conf_min_tls_version(&st->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(&st->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbedtls_ssl_conf_rng(&st->conf, rng_random, NULL);
	mbedtls_ssl_conf_authmode(&st->conf,
				  verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
	if (have_ca) {
		mbedtls_ssl_conf_ca_chain(&st->conf, &st->ca, NULL);
	}
	if (have_own) {
		ret = mbedtls_ssl_conf_own_cert(&st->conf, &st->own, &st->key);
		if (ret != 0) {
			snprintf(why, n, "own certificate not usable by Mbed TLS");
			return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
		}
	}
	mbedtls_ssl_conf_handshake_timeout(&st->conf, rmin, rmax);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
	/* Sessions are never resumed, so a ticket (RFC 5077) would only cost a message. */
	mbedtls_ssl_conf_session_tickets(&st->conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif

	ret = mbedtls_ssl_setup(&st->ssl, &st->conf);
	if (ret != 0) {
		snprintf(why, n, "Mbed TLS could not allocate the session buffers");
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EIO;
	}
	if (cfg->hostname != NULL && !cfg->skip_hostname_check) {
		/* SNI (RFC 6066 §3) and the name the certificate must carry (RFC 6125). */
		ret = mbedtls_ssl_set_hostname(&st->ssl, cfg->hostname);
		if (ret != 0) {
			snprintf(why, n, "host name not accepted by Mbed TLS");
			return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
		}
	}
#if MBEDTLS_VERSION_MAJOR >= 3
	else {
		/* 3.6 refuses to verify without a name unless told "none" explicitly. */
		(void)mbedtls_ssl_set_hostname(&st->ssl, NULL);
	}
#endif
	if (cfg->mtu != 0) {
		/*
		 * Fragment long handshake messages to the path MTU (RFC 6347
		 * §4.1.1.1, §4.2.3), but one record per datagram: packed records
		 * get a small message such as Finished split across datagrams,
		 * which GnuTLS 3.7 servers fail to reassemble.
		 */
		mbedtls_ssl_set_mtu(&st->ssl, cfg->mtu);
		mbedtls_ssl_set_datagram_packing(&st->ssl, 0);
	}
	mbedtls_ssl_set_bio(&st->ssl, st, bio_send, bio_recv, NULL);
	mbedtls_ssl_set_timer_cb(&st->ssl, &st->timer, timer_set, timer_get);
	return 0;
}

/*
 * Drive the handshake to its end in the caller's thread: each call of
 * mbedtls_ssl_handshake() does what it can without blocking; between calls
 * we sleep in poll() until a datagram arrives or the retransmission timer
 * (RFC 6347 §4.2.4) fires, never past the overall deadline.
 */
static int handshake(struct dtls_state *st, const struct zcoap_dtls_config *cfg, char *why,
		     size_t n)
{
	uint32_t total = cfg->handshake_timeout_ms != 0 ? cfg->handshake_timeout_ms
							: ZCOAP_DTLS_HANDSHAKE_TIMEOUT_MS;
	int64_t deadline = now_ms() + (int64_t)total;

	for (;;) {
		int ret = mbedtls_ssl_handshake(&st->ssl);
		struct pollfd p = {.fd = st->fd, .events = POLLIN};
		int64_t now;
		int64_t wait;
		int64_t t;

		if (ret == 0) {
			return 0;
		}
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
			return handshake_error(st, ret, cfg->hostname, total, why, n);
		}
		now = now_ms();
		if (now >= deadline) {
			return timeout_error(st, total, why, n);
		}
		wait = deadline - now;
		t = timer_remaining(&st->timer);
		if (t >= 0 && t < wait) {
			wait = t;
		}
		if (poll(&p, 1, (int)wait) < 0 && errno != EINTR) {
			snprintf(why, n, "poll() failed: %s", zcoap_strerror(errno));
			return -errno;
		}
	}
}

static int check_config(const struct zcoap_dtls_config *cfg)
{
	if (cfg == NULL || cfg->sec_tags == NULL || cfg->sec_tag_count == 0 ||
	    cfg->sec_tag_count > ZCOAP_DTLS_MAX_SEC_TAGS) {
		return -EINVAL;
	}
	if (cfg->ciphersuites != NULL &&
	    (cfg->ciphersuite_count == 0 || cfg->ciphersuite_count > ZCOAP_DTLS_MAX_CIPHERSUITES)) {
		return -EINVAL;
	}
	if (cfg->hostname != NULL &&
	    (cfg->hostname[0] == '\0' ||
	     strnlen(cfg->hostname, MAX_HOSTNAME_LEN + 1) > MAX_HOSTNAME_LEN)) {
		return -EINVAL;
	}
	if (cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_REQUIRED &&
	    cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_NONE) {
		return -EINVAL;
	}
	if (cfg->handshake_timeout_ms > INT_MAX) {
		return -EINVAL;
	}
	{
		uint32_t rmin = cfg->retransmit_min_ms != 0 ? cfg->retransmit_min_ms
							    : ZCOAP_DTLS_RETRANSMIT_MIN_MS;
		uint32_t rmax = cfg->retransmit_max_ms != 0 ? cfg->retransmit_max_ms
							    : ZCOAP_DTLS_RETRANSMIT_MAX_MS;

		if (rmin > rmax) {
			return -EINVAL;
		}
	}
	return 0;
}

/* The socket must be an open datagram socket; records its identity. */
static int check_socket(int sock, dev_t *dev, ino_t *ino)
{
	struct stat sb;
	int type = 0;
	socklen_t len = sizeof(type);

	if (sock < 0 || fstat(sock, &sb) != 0) {
		return -EBADF;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		return -ENOTSOCK;
	}
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
		return -errno;
	}
	if (type != SOCK_DGRAM) {
		return -EPROTOTYPE;
	}
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return 0;
}

/* Take a free slot for @p sock (state CONNECTING). */
static int session_claim(int sock, dev_t dev, ino_t ino, struct session **out)
{
	struct session *s;
	int rc = 0;

	pthread_mutex_lock(&table_lock);
	s = session_find(sock);
	if (s != NULL) {
		pthread_mutex_lock(&s->lock);
		if (s->st.dev == dev && s->st.ino == ino) {
			rc = s->st.state == SESSION_CONNECTING ? -EBUSY : -EALREADY;
		} else if (s->st.state == SESSION_CONNECTING) {
			rc = -EBUSY;
		} else {
			/* The application close()d a DTLS socket and got the number back. */
			session_wipe(s);
		}
		pthread_mutex_unlock(&s->lock);
	}
	s = NULL;
	for (size_t i = 0; rc == 0 && i < ZCOAP_DTLS_MAX_SESSIONS; i++) {
		if (!sessions[i].in_use) {
			s = &sessions[i];
			break;
		}
	}
	if (rc == 0 && s == NULL) {
		rc = -ENOBUFS;
	}
	if (rc == 0) {
		if (!s->lock_ready) {
			pthread_mutex_init(&s->lock, NULL);
			s->lock_ready = true;
		}
		pthread_mutex_lock(&s->lock);
		s->in_use = true;
		s->fd = sock;
		memset(&s->st, 0, sizeof(s->st));
		s->st.fd = sock;
		s->st.dev = dev;
		s->st.ino = ino;
		s->st.state = SESSION_CONNECTING;
		pthread_mutex_unlock(&s->lock);
		*out = s;
	}
	pthread_mutex_unlock(&table_lock);
	return rc;
}

static void session_release(struct session *s)
{
	pthread_mutex_lock(&table_lock);
	pthread_mutex_lock(&s->lock);
	session_wipe(s);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&table_lock);
}

int zcoap_dtls_connect(int sock, const struct sockaddr *peer, socklen_t peerlen,
		       const struct zcoap_dtls_config *cfg)
{
	char why[DETAIL_LEN] = "";
	struct session *s = NULL;
	struct dtls_state *st;
	dev_t dev = 0;
	ino_t ino = 0;
	int rc;

	rc = check_config(cfg);
	if (rc == 0 && peer != NULL && peerlen == 0) {
		rc = -EINVAL;
	}
	if (rc < 0) {
		return rc;
	}
	rc = check_socket(sock, &dev, &ino);
	if (rc < 0) {
		return rc;
	}
	rc = session_claim(sock, dev, ino, &s);
	if (rc < 0) {
		return rc;
	}
	st = &s->st;
	/*
	 * A connected socket only receives the server's datagrams and gets its
	 * ICMP errors (RFC 6347 §4.1.1: the association is per address pair).
	 * Nothing has been sent yet, so a failure here gives the socket back.
	 */
	if (peer != NULL && connect(sock, peer, peerlen) != 0) {
		rc = -errno;
		session_release(s);
		return rc;
	}

	/* From here on the descriptor stays DTLS-owned, failed or not, until zcoap_dtls_close(). */
	rc = setup(st, cfg, why, sizeof(why));
	if (rc == 0) {
		rc = handshake(st, cfg, why, sizeof(why));
	}
	if (rc < 0) {
		session_fail(s, rc, why);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
#if MBEDTLS_VERSION_MAJOR >= 3
	st->suite = mbedtls_ssl_get_ciphersuite_id_from_ssl(&st->ssl);
#else
	st->suite = mbedtls_ssl_get_ciphersuite_id(mbedtls_ssl_get_ciphersuite(&st->ssl));
#endif
	st->state = SESSION_UP;
	st->was_up = true;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int zcoap_dtls_close(int sock)
{
	struct session *s;
	int rc = 0;

	pthread_mutex_lock(&table_lock);
	s = session_find(sock);
	if (s != NULL) {
		pthread_mutex_lock(&s->lock);
		if (s->st.state == SESSION_CONNECTING) {
			rc = -EBUSY;
		} else {
			if (s->st.state == SESSION_UP) {
				/* RFC 5246 §7.2.1; one datagram, its loss is harmless. */
				(void)mbedtls_ssl_close_notify(&s->st.ssl);
			}
			session_wipe(s);
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&table_lock);
	if (rc < 0) {
		return rc;
	}
	/* Linux releases the descriptor even when close() reports EINTR. */
	if (close(sock) != 0 && errno != EINTR) {
		return -errno;
	}
	return 0;
}

bool zcoap_dtls_is_dtls(int sock)
{
	return zc_dtls_owns(sock);
}

int zcoap_dtls_ciphersuite(int sock)
{
	struct session *s = session_lock(sock);
	int rc;

	if (s == NULL) {
		return -EBADF;
	}
	rc = s->st.state == SESSION_UP ? s->st.suite : -ENOTCONN;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int zcoap_dtls_last_error(int sock, char *buf, size_t buflen)
{
	struct session *s = session_lock(sock);
	int rc;

	if (s == NULL) {
		return -EBADF;
	}
	rc = s->st.error;
	if (buf != NULL && buflen > 0) {
		snprintf(buf, buflen, "%s", rc != 0 ? s->st.detail : "");
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

bool zcoap_dtls_available(void)
{
	return true;
}

/* ---- transport.h hooks ------------------------------------------------------------- */

bool zc_dtls_owns(int sock)
{
	bool owned;

	pthread_mutex_lock(&table_lock);
	owned = session_find(sock) != NULL;
	pthread_mutex_unlock(&table_lock);
	return owned;
}

/* What a socket that cannot carry data answers. Lock held. */
static int not_up_error(const struct dtls_state *st)
{
	/* A session that ended keeps its reason; a failed handshake never sends. */
	return st->was_up && st->error != 0 ? st->error : -ENOTCONN;
}

/* The session ended under us (alert, close_notify, ICMP): map, record, free. Lock held. */
static int session_end_locked(struct dtls_state *st, int ret)
{
	char why[DETAIL_LEN];
	char text[120];
	int err;
	int alert;

	switch (ret) {
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		snprintf(why, sizeof(why), "the server closed the DTLS session (close_notify)");
		err = -ECONNRESET;
		break;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		alert = received_alert(&st->ssl);
		snprintf(why, sizeof(why), "the server ended the DTLS session: fatal alert %s (%d)",
			 alert_name(alert), alert);
		err = -ECONNABORTED;
		break;
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		err = st->io_errno != 0 ? -st->io_errno : -EIO;
		snprintf(why, sizeof(why), "%s",
			 err == -ECONNREFUSED
			     ? "the server port is closed (ICMP port unreachable): session lost"
			     : zcoap_strerror(err));
		break;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		snprintf(why, sizeof(why), "Mbed TLS ran out of memory");
		err = -ENOMEM;
		break;
	default:
		mbed_text(ret, text, sizeof(text));
		snprintf(why, sizeof(why), "DTLS error: %s", text);
		err = -EPROTO;
		break;
	}
	session_fail_locked(st, err, why);
	return err;
}

int zc_dtls_send(int sock, const uint8_t *buf, size_t len)
{
	struct session *s = session_lock(sock);
	struct dtls_state *st;
	int ret;
	int rc;

	if (s == NULL) {
		return -EBADF;
	}
	st = &s->st;
	if (st->state != SESSION_UP) {
		rc = not_up_error(st);
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	st->io_errno = 0;
	ret = mbedtls_ssl_write(&st->ssl, buf, len);
	if (ret >= 0 && (size_t)ret == len) {
		rc = 0;
		if (st->io_errno == ECONNREFUSED) {
			/* An earlier datagram hit a closed port: the server lost our session. */
			rc = session_end_locked(st, MBEDTLS_ERR_NET_SEND_FAILED);
		} else if (st->io_errno != 0) {
			rc = -st->io_errno;
		}
	} else if (ret >= 0) {
		rc = -EMSGSIZE;
	} else if (ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
		/* Larger than one record may carry (RFC 6347 §4.1.1: no fragmentation). */
		rc = -EMSGSIZE;
	} else if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
		rc = -EAGAIN;
	} else {
		rc = session_end_locked(st, ret);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

long zc_dtls_recv(int sock, uint8_t *buf, size_t cap, bool *truncated)
{
	struct session *s = session_lock(sock);
	struct dtls_state *st;
	long rc = -EAGAIN;

	if (s == NULL) {
		return -EBADF;
	}
	st = &s->st;
	*truncated = false;
	if (st->state != SESSION_UP) {
		rc = not_up_error(st);
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	for (int k = 0; k < RECV_PENDING_MAX; k++) {
		int ret = mbedtls_ssl_read(&st->ssl, buf, cap);

		if (ret > 0) {
			/*
			 * One record is one CoAP message (RFC 7252 §9.1.1). Mbed TLS
			 * would hand out the rest of a longer record on the next read;
			 * drop it and report truncation, as MSG_TRUNC does for UDP.
			 */
			while (mbedtls_ssl_get_bytes_avail(&st->ssl) > 0) {
				unsigned char scrap[256];

				*truncated = true;
				if (mbedtls_ssl_read(&st->ssl, scrap, sizeof(scrap)) <= 0) {
					break;
				}
			}
			rc = ret;
			break;
		}
		if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
			/*
			 * A handshake retransmission, an alert or an empty record:
			 * nothing for the client. Another record may still wait in the
			 * same datagram, and poll() will not report it.
			 */
			if (mbedtls_ssl_check_pending(&st->ssl)) {
				continue;
			}
			rc = -EAGAIN;
			break;
		}
		rc = session_end_locked(st, ret);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
