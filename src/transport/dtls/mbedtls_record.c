/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_record.c -- application data on a DTLS socket: the send and
 * receive operations the transport table calls for a descriptor the DTLS
 * session table registered. One CoAP message per record (RFC 7252 §9.1.1).
 */

#include <errno.h>

#include <mbedtls/net_sockets.h>

#include "transport/dtls/mbedtls_internal.h"

/* Records handled per receive call when a datagram carries several. */
#define RECV_PENDING_MAX 8

/*
 * The session of @p sock, locked, if it can carry data; else NULL with the
 * error in @p err: -EBADF for no session, or what a socket that cannot
 * carry data answers (a session that ended keeps its reason; a failed
 * handshake never sends).
 */
static struct session *lock_up_session(void *ctx, int sock, int *err)
{
	struct session *s = zc_dtls_session_lock_ctx(ctx, sock);

	if (s == NULL) {
		*err = -EBADF;
		return NULL;
	}
	if (s->st.state == ZC_DTLS_CONNECTING && s->st.client_driven) {
		return s; /* the caller holds or steps (mbedtls_driven.c) */
	}
	if (s->st.state != ZC_DTLS_UP) {
		/* A handshake the client drove keeps its failure for later requests. */
		*err = (s->st.was_up || s->st.client_driven) && s->st.error != 0 ? s->st.error
										 : -ENOTCONN;
		zc_port_mutex_unlock(&s->lock);
		return NULL;
	}
	return s;
}

/* The session ended under us (alert, close_notify, ICMP): map, record, free. Lock held. */
static int session_end_locked(struct dtls_state *st, int ret)
{
	char why[ZC_DTLS_DETAIL_LEN];
	int err = zc_dtls_session_error(st, ret, why, sizeof(why));

	if (zc_dtls_reconnect_begin_locked(st, err, ret)) {
		return -EAGAIN; /* the reconnect policy runs a new handshake (CONNECTING) */
	}
	zc_dtls_session_fail_locked(st, err, why);
	return err;
}

/*
 * Encrypt and send one CoAP message. The socket is connected to its peer
 * (zcoap_dtls_connect()), so @p addr is not needed.
 */
int zc_dtls_op_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		    const uint8_t *buf, size_t len)
{
	int rc = 0;
	struct session *s = lock_up_session(ctx, sock, &rc);
	struct dtls_state *st;
	int ret;

	(void)addr;
	(void)addrlen;
	if (s == NULL) {
		return rc;
	}
	st = &s->st;
	if (st->state == ZC_DTLS_CONNECTING) {
		/* Client-driven handshake: held until it completes. */
		rc = zc_dtls_pending_add(st, buf, len);
		zc_port_mutex_unlock(&s->lock);
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
	if (st->state == ZC_DTLS_CONNECTING) {
		/* The session was lost and is being re-established: hold the message. */
		rc = zc_dtls_pending_add(st, buf, len);
	}
	zc_port_mutex_unlock(&s->lock);
	return rc;
}

/*
 * Read and decrypt one record without blocking: plaintext bytes, -EAGAIN
 * for nothing (or only a non-application record), or the fatal error that
 * made the session unusable (peer close, alert, I/O).
 */
long zc_dtls_op_recv(void *ctx, int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		     socklen_t *srclen, bool *truncated)
{
	struct session *s;
	struct dtls_state *st;
	int err = 0;
	long rc = -EAGAIN;

	(void)src;
	/* The session is bound to its peer; there is no other source to report. */
	*srclen = 0;
	*truncated = false;
	s = lock_up_session(ctx, sock, &err);
	if (s == NULL) {
		return err;
	}
	st = &s->st;
	if (st->state == ZC_DTLS_CONNECTING) {
		/* Client-driven handshake: this call is its step. */
		rc = zc_dtls_driven_step_locked(st);
		if (rc < 0 || st->state != ZC_DTLS_UP) {
			zc_port_mutex_unlock(&s->lock);
			return rc;
		}
		/* Complete: the server's data may already follow its Finished. */
	}
	for (int k = 0; k < RECV_PENDING_MAX && st->state == ZC_DTLS_UP; k++) {
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
	zc_port_mutex_unlock(&s->lock);
	return rc;
}
