/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_driven.c -- a handshake that the client using the socket drives
 * (zcoap_dtls_connect_async(), docs/design/dtls.md "The client drives it"):
 * - the transport table's deadline operation tells the client's loop when
 *   the handshake must be stepped without a datagram (retransmission timer,
 *   handshake timeout), and the receive operation runs the step;
 * - messages the client sends meanwhile are held here (at most
 *   ZC_DTLS_PENDING_MAX, each once: a CoAP retransmission of a held message
 *   is not held twice) and sent, encrypted, when the handshake completes;
 * - when it fails, the error operation marks the failure "exact", so the
 *   client ends the socket's requests with the handshake's own error.
 */

#include <errno.h>
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>

#include "transport/dtls/mbedtls_internal.h"

int zc_dtls_pending_add(struct dtls_state *st, const uint8_t *buf, size_t len)
{
	uint8_t *copy;

	for (unsigned int i = 0; i < st->n_pending; i++) {
		if (st->pending_len[i] == len && memcmp(st->pending[i], buf, len) == 0) {
			return 0; /* a retransmission of a message already held */
		}
	}
	if (st->n_pending >= ZC_DTLS_PENDING_MAX) {
		return -ENOBUFS;
	}
	if (len > UINT16_MAX) {
		return -EMSGSIZE;
	}
	copy = mbedtls_calloc(1, len > 0 ? len : 1);
	if (copy == NULL) {
		return -ENOMEM;
	}
	memcpy(copy, buf, len);
	st->pending[st->n_pending] = copy;
	st->pending_len[st->n_pending] = (uint16_t)len;
	st->n_pending++;
	return 0;
}

void zc_dtls_pending_drop(struct dtls_state *st)
{
	for (unsigned int i = 0; i < st->n_pending; i++) {
		/* CoAP messages may carry secrets of the application (OSCORE-less payloads). */
		mbedtls_platform_zeroize(st->pending[i], st->pending_len[i]);
		mbedtls_free(st->pending[i]);
		st->pending[i] = NULL;
		st->pending_len[i] = 0;
	}
	st->n_pending = 0;
}

/*
 * The handshake completed: send what was held, in order. A message Mbed TLS
 * cannot take now is dropped like a lost datagram (CoAP retransmits a
 * confirmable one); a failure that ends the session is returned.
 */
static int pending_flush(struct dtls_state *st)
{
	int rc = 0;

	for (unsigned int i = 0; i < st->n_pending && rc == 0; i++) {
		int ret;

		st->io_errno = 0;
		ret = mbedtls_ssl_write(&st->ssl, st->pending[i], st->pending_len[i]);
		if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_WRITE &&
		    ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
			char why[ZC_DTLS_DETAIL_LEN];

			rc = zc_dtls_session_error(st, ret, why, sizeof(why));
			zc_dtls_session_fail_locked(st, rc, why);
			return rc; /* the failure freed the held messages */
		}
	}
	zc_dtls_pending_drop(st);
	return rc;
}

long zc_dtls_driven_step_locked(struct dtls_state *st)
{
	bool reconnect = st->rc_attempt != 0;
	int rc = zc_dtls_step_locked(st, NULL);

	if (rc == -EINPROGRESS) {
		return -EAGAIN;
	}
	if (rc < 0) {
		return rc; /* the session is FAILED with rc; the held messages are freed */
	}
	rc = pending_flush(st);
	if (rc == 0 && reconnect) {
		return ZC_TRANSPORT_RECONNECTED; /* the client registers its observations again */
	}
	return rc;
}

int64_t zc_dtls_op_deadline(void *ctx, int sock)
{
	struct session *s = zc_dtls_session_lock_ctx(ctx, sock);
	int64_t when = ZC_TRANSPORT_NO_DEADLINE;

	if (s == NULL) {
		return when;
	}
	if (s->st.state == ZC_DTLS_CONNECTING && s->st.client_driven && s->st.rc_retry_at != 0) {
		when = s->st.rc_retry_at; /* a reconnect attempt waits for its delay */
	} else if (s->st.state == ZC_DTLS_CONNECTING && s->st.client_driven) {
		int64_t t = zc_dtls_timer_remaining(&s->st.timer);

		when = s->st.hs_deadline_ms;
		if (t >= 0 && zc_port_now_ms() + t < when) {
			when = zc_port_now_ms() + t;
		}
	}
	zc_port_mutex_unlock(&s->lock);
	return when;
}

bool zc_dtls_op_error(void *ctx, int sock, int recv_err, struct zc_transport_err *e)
{
	struct session *s;

	if (recv_err == 0) {
		bool got;

		s = zc_dtls_session_lock_ctx(ctx, sock);
		if (s == NULL) {
			return zc_transport_udp.error(NULL, sock, 0, e);
		}
		if (s->st.state == ZC_DTLS_CONNECTING && s->st.client_driven) {
			/*
			 * A handshake the client drives takes the socket's error
			 * itself (ICMP port unreachable: its receive fails), so that
			 * it fails or, reconnecting, tries again.
			 */
			zc_port_mutex_unlock(&s->lock);
			return false;
		}
		/* The descriptor is still a UDP socket underneath: its queue is UDP's. */
		got = zc_transport_udp.error(NULL, sock, 0, e);
		if (got && e->err == -ECONNREFUSED && s->st.state == ZC_DTLS_UP &&
		    zc_dtls_reconnect_begin_locked(&s->st, -ECONNREFUSED,
						   MBEDTLS_ERR_NET_SEND_FAILED)) {
			/* The server's process is gone (ICMP): the reconnect policy took over. */
			got = false;
		}
		zc_port_mutex_unlock(&s->lock);
		return got;
	}
	/* A session transport's receive error ends its session: every exchange on it. */
	e->err = recv_err;
	e->scope = ZC_TRANSPORT_SCOPE_SOCKET;
	e->addrlen = 0;
	e->exact = false;
	s = zc_dtls_session_lock_ctx(ctx, sock);
	if (s != NULL) {
		/* A handshake the client drove failed (also a reconnect): its error as it is. */
		e->exact =
		    s->st.client_driven && s->st.state == ZC_DTLS_FAILED && s->st.error == recv_err;
		zc_port_mutex_unlock(&s->lock);
	}
	return true;
}
