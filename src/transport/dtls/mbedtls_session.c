/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_session.c -- the DTLS session table: which descriptor is a DTLS
 * socket (registered with the transport table for as long as it is one),
 * zcoap_dtls_connect() with the handshake in the caller's thread,
 * zcoap_dtls_close(), and the queries on a socket.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h> /* close() of the application's descriptor */

#include <mbedtls/platform_util.h>

#include "coap_client.h"
#include "port/port.h"
#include "transport/dtls/mbedtls_internal.h"
#include "transport/transport.h"

_Static_assert(ZCOAP_DTLS_MAX_SESSIONS <= ZC_TRANSPORT_MAX_SOCKETS,
	       "the transport table must have room for every DTLS session");

/* What the transport table calls for a registered DTLS descriptor. */
static const struct zc_transport_ops dtls_transport = {
    .name = "dtls",
    .send = zc_dtls_op_send,
    .recv = zc_dtls_op_recv,
    .close = zc_dtls_op_close,
    .error = zc_dtls_op_error,
    .deadline = zc_dtls_op_deadline,
    .peer_silent = zc_dtls_op_peer_silent,
};

static struct session sessions[ZCOAP_DTLS_MAX_SESSIONS];
static struct zc_port_static_mutex table_lock = ZC_PORT_STATIC_MUTEX_INIT;

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

	zc_port_static_mutex_lock(&table_lock);
	s = session_find(fd);
	if (s != NULL) {
		zc_port_mutex_lock(&s->lock);
	}
	zc_port_static_mutex_unlock(&table_lock);
	return s;
}

/*
 * Free the Mbed TLS state. The *_free() functions zeroise what they release
 * (keys, PSK, master secret, record keys); the struct itself is cleared too.
 */
static void contexts_free(struct dtls_state *st)
{
	zc_dtls_pending_drop(st);
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

struct session *zc_dtls_session_lock_ctx(struct session *s, int sock)
{
	if (s == NULL) {
		return NULL;
	}
	zc_port_mutex_lock(&s->lock);
	/* in_use and fd change only with this lock held too (struct session). */
	if (s->in_use && s->fd == sock) {
		return s;
	}
	zc_port_mutex_unlock(&s->lock);
	return NULL;
}

/*
 * Clear a whole slot (it becomes free) and give its descriptor back to
 * UDP. Caller holds table_lock and the session lock.
 */
static void session_wipe(struct session *s)
{
	if (s->in_use) {
		zc_transport_unregister(s->fd);
	}
	contexts_free(&s->st);
	mbedtls_platform_zeroize(&s->st, sizeof(s->st));
	s->st.fd = -1;
	s->st.state = ZC_DTLS_FREE;
	s->in_use = false;
	s->fd = -1;
}

void zc_dtls_session_fail_locked(struct dtls_state *st, int err, const char *text)
{
	/* RFC 5246 §7.2.2: a session ended by a fatal alert must not be resumed. */
	if (err == -ECONNABORTED) {
		zc_dtls_resume_forget(st);
	}
	mbedtls_platform_zeroize(st->offer_master, sizeof(st->offer_master));
	contexts_free(st);
	st->state = ZC_DTLS_FAILED;
	st->error = err;
	snprintf(st->detail, sizeof(st->detail), "%s", text);
}

static void session_fail(struct session *s, int err, const char *text)
{
	zc_port_mutex_lock(&s->lock);
	zc_dtls_session_fail_locked(&s->st, err, text);
	zc_port_mutex_unlock(&s->lock);
}

/* Start the handshake's clock. */
static void handshake_begin(struct dtls_state *st, const struct zcoap_dtls_config *cfg)
{
	st->hs_total_ms = cfg->handshake_timeout_ms != 0 ? cfg->handshake_timeout_ms
							 : ZCOAP_DTLS_HANDSHAKE_TIMEOUT_MS;
	st->hs_start_ms = zc_port_now_ms();
	st->hs_deadline_ms = st->hs_start_ms + (int64_t)st->hs_total_ms;
	st->hs_forged = 0;
}

/*
 * Advance the handshake as far as it goes without waiting: each call of
 * mbedtls_ssl_handshake() does what it can without blocking (the socket
 * I/O uses MSG_DONTWAIT). Returns 0 when it is complete, -EINPROGRESS with
 * the milliseconds until it must be stepped again even if no datagram
 * arrives (the retransmission timer, RFC 6347 §4.2.4, or the overall
 * deadline) in @p wait_ms, or the failure with its reason in @p why.
 */
static int handshake_step(struct dtls_state *st, char *why, size_t n, int64_t *wait_ms)
{
	const char *host = st->host[0] != '\0' ? st->host : NULL;

	for (;;) {
		int ret = mbedtls_ssl_handshake(&st->ssl);
		int64_t now;
		int64_t t;

		if (ret == 0) {
			st->hs_ms = (uint32_t)(zc_port_now_ms() - st->hs_start_ms);
			return 0;
		}
		now = zc_port_now_ms();
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE &&
		    now < st->hs_deadline_ms && zc_dtls_resume_fallback(st, ret)) {
			/* The offered session was refused: a full handshake, same deadline. */
			st->peer_after_finished = false;
			continue;
		}
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
			/*
			 * Before the server's Finished nothing it sent is
			 * authenticated: one forged plaintext record must not end
			 * the handshake (RFC 6347 §4.1.2.7: invalid records SHOULD
			 * be silently discarded). Mbed TLS has already taken it
			 * into its state, so the handshake starts over (a new
			 * ClientHello) within the same deadline.
			 */
			if (zc_dtls_error_is_forgeable(ret) && now < st->hs_deadline_ms &&
			    mbedtls_ssl_session_reset(&st->ssl) == 0) {
				st->peer_after_finished = false;
				st->hs_forged = ret;
				continue;
			}
			return zc_dtls_handshake_error(st, ret, host, st->hs_total_ms, why, n);
		}
		if (now >= st->hs_deadline_ms) {
			/* A server that always answers with garbage: say so, not "timeout". */
			if (st->hs_forged != 0 && !zc_dtls_awaits_server_finished(&st->ssl)) {
				return zc_dtls_handshake_error(st, st->hs_forged, host,
							       st->hs_total_ms, why, n);
			}
			return zc_dtls_timeout_error(st, st->hs_total_ms, why, n);
		}
		*wait_ms = st->hs_deadline_ms - now;
		t = zc_dtls_timer_remaining(&st->timer);
		if (t >= 0 && t < *wait_ms) {
			*wait_ms = t;
		}
		return -EINPROGRESS;
	}
}

/*
 * Drive the handshake to its end in the caller's thread: between steps we
 * sleep in the port's poll until a datagram arrives or the step is due,
 * never past the overall deadline.
 */
static int handshake(struct dtls_state *st, char *why, size_t n)
{
	for (;;) {
		struct zc_port_pollfd p = {.fd = st->fd, .events = ZC_PORT_POLL_IN};
		int64_t wait = 0;
		int rc = handshake_step(st, why, n, &wait);

		if (rc != -EINPROGRESS) {
			return rc;
		}
		rc = zc_port_poll(&p, 1, (int)wait);
		if (rc < 0 && rc != -EINTR) {
			snprintf(why, n, "poll() failed: %s", zcoap_strerror(-rc));
			return rc;
		}
	}
}

/* The handshake completed: resumption outcome, negotiated suite, data may flow. Lock held. */
static void handshake_finish_locked(struct dtls_state *st)
{
	zc_dtls_resume_done(st);
#if MBEDTLS_VERSION_MAJOR >= 3
	st->suite = mbedtls_ssl_get_ciphersuite_id_from_ssl(&st->ssl);
#else
	st->suite = mbedtls_ssl_get_ciphersuite_id(mbedtls_ssl_get_ciphersuite(&st->ssl));
#endif
	st->state = ZC_DTLS_UP;
	st->was_up = true;
}

/*
 * The socket must be an open datagram socket; records its identity. A
 * descriptor that is open but no socket fails SO_TYPE with ENOTSOCK.
 */
static int check_socket(int sock, uint64_t *id_a, uint64_t *id_b)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (sock < 0 || !zc_port_fd_identity(sock, id_a, id_b)) {
		return -EBADF;
	}
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
		return -errno;
	}
	if (type != SOCK_DGRAM) {
		return -EPROTOTYPE;
	}
	return 0;
}

/* Take a free slot for @p sock (state CONNECTING). */
static int session_claim(int sock, uint64_t id_a, uint64_t id_b, struct session **out)
{
	struct session *s;
	int rc = 0;

	zc_port_static_mutex_lock(&table_lock);
	s = session_find(sock);
	if (s != NULL) {
		zc_port_mutex_lock(&s->lock);
		if (s->st.id_a == id_a && s->st.id_b == id_b) {
			rc = s->st.state == ZC_DTLS_CONNECTING ? -EBUSY : -EALREADY;
		} else if (s->st.state == ZC_DTLS_CONNECTING) {
			rc = -EBUSY;
		} else {
			/* The application close()d a DTLS socket and got the number back. */
			session_wipe(s);
		}
		zc_port_mutex_unlock(&s->lock);
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
		/* A slot's mutex is set up on its first claim and kept for the process. */
		if (!s->lock_ready) {
			rc = zc_port_mutex_init(&s->lock);
			s->lock_ready = rc == 0;
		}
	}
	if (rc == 0) {
		zc_port_mutex_lock(&s->lock);
		s->in_use = true;
		s->fd = sock;
		memset(&s->st, 0, sizeof(s->st));
		s->st.fd = sock;
		s->st.id_a = id_a;
		s->st.id_b = id_b;
		s->st.state = ZC_DTLS_CONNECTING;
		/*
		 * From now on the transport table hands the descriptor's traffic
		 * to this slot: no CoAP message can leave it unencrypted, also
		 * when the handshake fails, until session_wipe().
		 */
		rc = zc_transport_register(sock, &dtls_transport, s);
		if (rc < 0) {
			s->in_use = false;
			s->fd = -1;
			s->st.fd = -1;
			s->st.state = ZC_DTLS_FREE;
		}
		zc_port_mutex_unlock(&s->lock);
		if (rc == 0) {
			*out = s;
		}
	}
	zc_port_static_mutex_unlock(&table_lock);
	return rc;
}

static void session_release(struct session *s)
{
	zc_port_static_mutex_lock(&table_lock);
	zc_port_mutex_lock(&s->lock);
	session_wipe(s);
	zc_port_mutex_unlock(&s->lock);
	zc_port_static_mutex_unlock(&table_lock);
}

/*
 * What both ways of connecting share: checks, a slot, connect(), the Mbed
 * TLS setup, the resumption offer and the handshake's clock. On success the
 * slot is CONNECTING and owned by the caller. After a setup failure the
 * descriptor is a failed DTLS socket (the error returned).
 */
static int connect_begin(int sock, const struct sockaddr *peer, socklen_t peerlen,
			 const struct zcoap_dtls_config *cfg, struct session **out)
{
	char why[ZC_DTLS_DETAIL_LEN] = "";
	struct session *s = NULL;
	struct dtls_state *st;
	uint64_t id_a = 0;
	uint64_t id_b = 0;
	int rc;

	rc = zc_dtls_check_config(cfg);
	if (rc == 0 && peer != NULL && peerlen == 0) {
		rc = -EINVAL;
	}
	if (rc < 0) {
		return rc;
	}
	rc = check_socket(sock, &id_a, &id_b);
	if (rc < 0) {
		return rc;
	}
	rc = session_claim(sock, id_a, id_b, &s);
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
	rc = zc_dtls_setup(st, cfg, why, sizeof(why));
	if (rc < 0) {
		session_fail(s, rc, why);
		return rc;
	}
	zc_dtls_resume_offer(st, cfg, peer, peerlen);
	zc_dtls_reconnect_setup(st, cfg);
	handshake_begin(st, cfg);
	*out = s;
	return 0;
}

int zcoap_dtls_connect(int sock, const struct sockaddr *peer, socklen_t peerlen,
		       const struct zcoap_dtls_config *cfg)
{
	char why[ZC_DTLS_DETAIL_LEN] = "";
	struct session *s = NULL;
	int rc = connect_begin(sock, peer, peerlen, cfg, &s);

	if (rc < 0) {
		return rc;
	}
	/* CONNECTING: no other thread touches the Mbed TLS context, no lock while we wait. */
	rc = handshake(&s->st, why, sizeof(why));
	zc_port_mutex_lock(&s->lock);
	if (rc < 0) {
		zc_dtls_session_fail_locked(&s->st, rc, why);
	} else {
		handshake_finish_locked(&s->st);
	}
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

int zc_dtls_step_locked(struct dtls_state *st, int *wait_ms)
{
	char why[ZC_DTLS_DETAIL_LEN] = "";
	int64_t wait = 0;
	/* A reconnect attempt waiting for its delay does not step yet. */
	int rc = zc_dtls_reconnect_due_locked(st, &wait);

	if (rc == 0) {
		rc = handshake_step(st, why, sizeof(why), &wait);
	}
	if (rc == 0) {
		handshake_finish_locked(st);
		zc_dtls_reconnect_done_locked(st);
	} else if (rc != -EINPROGRESS) {
		if (zc_dtls_reconnect_retry_locked(st, rc)) {
			/* The reconnect policy tries again after a delay. */
			rc = zc_dtls_reconnect_due_locked(st, &wait);
		} else {
			zc_dtls_session_fail_locked(st, rc, why);
		}
	}
	if (rc == -EINPROGRESS && wait_ms != NULL) {
		*wait_ms = wait > INT_MAX ? INT_MAX : (int)wait;
	}
	return rc;
}

int zcoap_dtls_connect_start(int sock, const struct sockaddr *peer, socklen_t peerlen,
			     const struct zcoap_dtls_config *cfg, int *wait_ms)
{
	struct session *s = NULL;
	int rc = connect_begin(sock, peer, peerlen, cfg, &s);

	if (rc < 0) {
		return rc;
	}
	zc_port_mutex_lock(&s->lock);
	s->st.app_driven = true;
	rc = zc_dtls_step_locked(&s->st, wait_ms); /* sends the ClientHello */
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

int zcoap_dtls_connect_async(int sock, const struct sockaddr *peer, socklen_t peerlen,
			     const struct zcoap_dtls_config *cfg)
{
	struct session *s = NULL;
	int rc = connect_begin(sock, peer, peerlen, cfg, &s);

	if (rc < 0) {
		return rc;
	}
	zc_port_mutex_lock(&s->lock);
	s->st.app_driven =
	    true; /* zcoap_dtls_handshake_continue() and close work as for _start() */
	s->st.client_driven = true;
	rc = zc_dtls_step_locked(&s->st, NULL); /* sends the ClientHello */
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

int zcoap_dtls_handshake_continue(int sock, int *wait_ms)
{
	struct session *s = session_lock(sock);
	int rc;

	if (s == NULL) {
		return -EBADF;
	}
	if (s->st.state == ZC_DTLS_UP) {
		rc = 0;
	} else if (s->st.state != ZC_DTLS_CONNECTING) {
		rc = s->st.error != 0 ? s->st.error : -ENOTCONN;
	} else if (!s->st.app_driven) {
		rc = -EBUSY; /* zcoap_dtls_connect() runs it in another thread */
	} else {
		rc = zc_dtls_step_locked(&s->st, wait_ms);
	}
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

/*
 * The close operation of the transport table. The slot is looked up again
 * under table_lock, which freeing it needs anyway; @p ctx is not trusted
 * beyond that.
 */
int zc_dtls_op_close(void *ctx, int sock)
{
	struct session *s;
	int rc = 0;

	(void)ctx;

	zc_port_static_mutex_lock(&table_lock);
	s = session_find(sock);
	if (s != NULL) {
		zc_port_mutex_lock(&s->lock);
		if (s->st.state == ZC_DTLS_CONNECTING && !s->st.app_driven) {
			rc = -EBUSY; /* zcoap_dtls_connect() runs the handshake in another thread */
		} else {
			if (s->st.state == ZC_DTLS_UP) {
				/* RFC 5246 §7.2.1; one datagram, its loss is harmless. */
				(void)mbedtls_ssl_close_notify(&s->st.ssl);
			}
			session_wipe(s);
		}
		zc_port_mutex_unlock(&s->lock);
	}
	zc_port_static_mutex_unlock(&table_lock);
	if (rc < 0) {
		return rc;
	}
	/* Linux releases the descriptor even when close() reports EINTR. */
	if (close(sock) != 0 && errno != EINTR) {
		return -errno;
	}
	return 0;
}

int zcoap_dtls_close(int sock)
{
	/* The owner of the descriptor ends its session: DTLS here, or plain close(). */
	return zc_transport_close(sock);
}

bool zcoap_dtls_is_dtls(int sock)
{
	bool owned;

	zc_port_static_mutex_lock(&table_lock);
	owned = session_find(sock) != NULL;
	zc_port_static_mutex_unlock(&table_lock);
	return owned;
}

int zcoap_dtls_ciphersuite(int sock)
{
	struct session *s = session_lock(sock);
	int rc;

	if (s == NULL) {
		return -EBADF;
	}
	rc = s->st.state == ZC_DTLS_UP ? s->st.suite : -ENOTCONN;
	zc_port_mutex_unlock(&s->lock);
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
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

int zcoap_dtls_handshake_info(int sock, struct zcoap_dtls_handshake_info *info)
{
	struct session *s;
	int rc = 0;

	if (info == NULL) {
		return -EINVAL;
	}
	s = session_lock(sock);
	if (s == NULL) {
		return -EBADF;
	}
	if (!s->st.was_up) {
		rc = -ENOTCONN;
	} else {
		info->resumed = s->st.resumed;
		info->offered = s->st.offered;
		info->duration_ms = s->st.hs_ms;
		info->datagrams_sent = s->st.hs_sent;
		info->datagrams_received = s->st.hs_received;
	}
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

int zcoap_dtls_session_save(int sock, void *buf, size_t *len)
{
	struct session *s;
	int rc;

	if (len == NULL || (buf == NULL && *len != 0)) {
		return -EINVAL;
	}
	s = session_lock(sock);
	if (s == NULL) {
		return -EBADF;
	}
	rc = s->st.state == ZC_DTLS_UP ? zc_dtls_resume_save(&s->st, buf, len) : -ENOTCONN;
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

bool zcoap_dtls_available(void)
{
	return true;
}
