/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_reconnect.c -- the reconnect policy (zcoap_dtls_config.
 * reconnect_attempts, docs/design/dtls.md "Reconnect and re-register"):
 * when an established session is lost, the same socket runs new
 * handshakes, driven by the client that uses it like those of
 * zcoap_dtls_connect_async() (mbedtls_driven.c), instead of failing. The
 * first attempt offers the lost session for resumption (not after a fatal
 * alert, RFC 5246 §7.2.2); attempts are spaced by a doubling delay. When one
 * completes, the receive operation tells the client (ZC_TRANSPORT_RECONNECTED),
 * which registers the socket's observations again. Each step is reported to
 * the application's event_cb.
 */

#include <errno.h>

#include <mbedtls/platform_util.h>

#include "transport/dtls/mbedtls_internal.h"

/* Records that fail to decrypt before the session counts as lost (Mbed TLS's badmac limit). */
#define BADMAC_LIMIT 8
/* Longest wait between two attempts. */
#define MAX_DELAY_MS 30000U

static void report(const struct dtls_state *st, enum zcoap_dtls_event_type type, int err,
		   bool resuming, bool resumed)
{
	struct zcoap_dtls_event ev = {
	    .type = type,
	    .err = err,
	    .attempt = st->rc_attempt,
	    .resuming = resuming,
	    .resumed = resumed,
	};

	if (st->event_cb != NULL) {
		st->event_cb(st->fd, &ev, st->event_user);
	}
}

void zc_dtls_reconnect_setup(struct dtls_state *st, const struct zcoap_dtls_config *cfg)
{
	st->rc_attempts = cfg->reconnect_attempts;
	st->rc_delay_ms = cfg->reconnect_delay_ms != 0 ? cfg->reconnect_delay_ms : 1000U;
	st->event_cb = cfg->event_cb;
	st->event_user = cfg->event_user;
	if (st->rc_attempts > 0) {
		/*
		 * DTLS drops a record that fails to decrypt (RFC 6347 §4.1.2.7);
		 * many of them mean the server lost our keys (a restart without
		 * a close_notify): Mbed TLS then reports INVALID_MAC.
		 */
		mbedtls_ssl_conf_dtls_badmac_limit(&st->conf, BADMAC_LIMIT);
	}
}

/* An attempt starts now: the handshake's clock and counters. */
static void attempt_start(struct dtls_state *st)
{
	int64_t now = zc_port_now_ms();

	st->resumed = false;
	st->resume_failed = false;
	st->peer_seen = false;
	st->peer_after_finished = false;
	st->hs_sent = 0;
	st->hs_received = 0;
	st->hs_forged = 0;
	st->hs_start_ms = now;
	st->hs_deadline_ms = now + (int64_t)st->hs_total_ms;
	st->rc_retry_at = 0;
	report(st, ZCOAP_DTLS_EVENT_RECONNECTING, 0, st->offered, false);
}

bool zc_dtls_reconnect_begin_locked(struct dtls_state *st, int err, int ret)
{
	mbedtls_ssl_session sn;
	bool have = false;

	if (st->rc_attempts == 0 || st->state != ZC_DTLS_UP || !st->live) {
		return false;
	}
	st->rc_lost = ret == MBEDTLS_ERR_SSL_INVALID_MAC ? -EBADMSG : err;
	report(st, ZCOAP_DTLS_EVENT_LOST, st->rc_lost, false, false);
	mbedtls_ssl_session_init(&sn);
	if (err == -ECONNABORTED) {
		zc_dtls_resume_forget(st); /* a fatal alert: never resumed */
	} else {
		have = mbedtls_ssl_get_session(&st->ssl, &sn) == 0;
	}
	if (mbedtls_ssl_session_reset(&st->ssl) != 0) {
		mbedtls_ssl_session_free(&sn);
		return false;
	}
	st->offered = have && zc_dtls_resume_offer_session(st, &sn);
	mbedtls_ssl_session_free(&sn); /* zeroises the master secret */
	st->state = ZC_DTLS_CONNECTING;
	st->client_driven = true;
	st->app_driven = true;
	st->suite = 0;
	st->rc_attempt = 1;
	attempt_start(st);
	(void)zc_dtls_step_locked(st, NULL); /* the ClientHello; a failure schedules attempt 2 */
	return true;
}

bool zc_dtls_reconnect_retry_locked(struct dtls_state *st, int err)
{
	uint32_t delay;

	if (st->rc_attempt == 0) {
		return false; /* not reconnecting: a first handshake fails as usual */
	}
	if (st->rc_attempt >= st->rc_attempts || mbedtls_ssl_session_reset(&st->ssl) != 0) {
		report(st, ZCOAP_DTLS_EVENT_GAVE_UP, err, false, false);
		st->rc_attempt = 0;
		return false;
	}
	report(st, ZCOAP_DTLS_EVENT_ATTEMPT_FAILED, err, false, false);
	/* The reset dropped any offered session: the next attempts are full handshakes. */
	st->offered = false;
	mbedtls_platform_zeroize(st->offer_master, sizeof(st->offer_master));
	delay = st->rc_delay_ms;
	for (unsigned int i = 1; i < st->rc_attempt && delay < MAX_DELAY_MS; i++) {
		delay *= 2U;
	}
	delay = delay < MAX_DELAY_MS ? delay : MAX_DELAY_MS;
	st->rc_attempt++;
	st->rc_retry_at = zc_port_now_ms() + (int64_t)delay;
	return true;
}

int zc_dtls_reconnect_due_locked(struct dtls_state *st, int64_t *wait_ms)
{
	int64_t now;

	if (st->rc_retry_at == 0) {
		return 0;
	}
	now = zc_port_now_ms();
	if (now < st->rc_retry_at) {
		*wait_ms = st->rc_retry_at - now;
		return -EINPROGRESS;
	}
	attempt_start(st);
	return 0;
}

void zc_dtls_op_peer_silent(void *ctx, int sock)
{
	struct session *s = zc_dtls_session_lock_ctx(ctx, sock);

	if (s == NULL) {
		return;
	}
	/*
	 * A server that restarted drops the records of a session it no longer
	 * knows, without a word: silence is all the client sees.
	 */
	(void)zc_dtls_reconnect_begin_locked(&s->st, -ETIMEDOUT, 0);
	zc_port_mutex_unlock(&s->lock);
}

void zc_dtls_reconnect_done_locked(struct dtls_state *st)
{
	if (st->rc_attempt == 0) {
		return;
	}
	report(st, ZCOAP_DTLS_EVENT_RECONNECTED, 0, false, st->resumed);
	st->rc_attempt = 0;
}
