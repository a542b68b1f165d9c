/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_diag.c -- why a DTLS handshake or session failed, as one of the
 * errno values zcoap_dtls.h documents and a sentence for
 * zcoap_dtls_last_error(): TLS alerts, certificate verification flags,
 * timeouts (with the PSK-mismatch case of RFC 6347 §4.1.2.7), socket errors;
 * and which failures one forged record can cause. The mapping itself
 * (mbedtls_diag.h) serves TLS over TCP too (src/transport/tls/,
 * zcoap_client_tcp_last_error()).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "coap_client.h"
#include "transport/dtls/mbedtls_internal.h"

/*
 * TLS alerts (RFC 5246 §7.2; RFC 4279 §2 for unknown_psk_identity, RFC 6066
 * §3 for unrecognized_name, RFC 7507 for inappropriate_fallback, RFC 7301 for
 * no_application_protocol), by Mbed TLS's MBEDTLS_SSL_ALERT_MSG_* names, with
 * the name the RFCs give them. "_RESERVED" ones are obsolete in TLS 1.2 but
 * may still arrive from old peers.
 */
static const struct {
	uint8_t code;
	const char *name;
} alerts[] = {
    {MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY, "close_notify"},
    {MBEDTLS_SSL_ALERT_MSG_UNEXPECTED_MESSAGE, "unexpected_message"},
    {MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC, "bad_record_mac"},
    {MBEDTLS_SSL_ALERT_MSG_DECRYPTION_FAILED, "decryption_failed_RESERVED"},
    {MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW, "record_overflow"},
    {MBEDTLS_SSL_ALERT_MSG_DECOMPRESSION_FAILURE, "decompression_failure_RESERVED"},
    {MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE, "handshake_failure"},
    {MBEDTLS_SSL_ALERT_MSG_NO_CERT, "no_certificate_RESERVED"},
    {MBEDTLS_SSL_ALERT_MSG_BAD_CERT, "bad_certificate"},
    {MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT, "unsupported_certificate"},
    {MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED, "certificate_revoked"},
    {MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED, "certificate_expired"},
    {MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN, "certificate_unknown"},
    {MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER, "illegal_parameter"},
    {MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA, "unknown_ca"},
    {MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED, "access_denied"},
    {MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR, "decode_error"},
    {MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR, "decrypt_error"},
    {MBEDTLS_SSL_ALERT_MSG_EXPORT_RESTRICTION, "export_restriction_RESERVED"},
    {MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION, "protocol_version"},
    {MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY, "insufficient_security"},
    {MBEDTLS_SSL_ALERT_MSG_INTERNAL_ERROR, "internal_error"},
    {MBEDTLS_SSL_ALERT_MSG_INAPROPRIATE_FALLBACK, "inappropriate_fallback"},
    {MBEDTLS_SSL_ALERT_MSG_USER_CANCELED, "user_canceled"},
    {MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION, "no_renegotiation"},
#ifdef MBEDTLS_SSL_ALERT_MSG_MISSING_EXTENSION /* 3.x (TLS 1.3) */
    {MBEDTLS_SSL_ALERT_MSG_MISSING_EXTENSION, "missing_extension"},
#endif
    {MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_EXT, "unsupported_extension"},
    {MBEDTLS_SSL_ALERT_MSG_UNRECOGNIZED_NAME, "unrecognized_name"},
    {MBEDTLS_SSL_ALERT_MSG_UNKNOWN_PSK_IDENTITY, "unknown_psk_identity"},
#ifdef MBEDTLS_SSL_ALERT_MSG_CERT_REQUIRED /* 3.x (TLS 1.3) */
    {MBEDTLS_SSL_ALERT_MSG_CERT_REQUIRED, "certificate_required"},
#endif
    {MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL, "no_application_protocol"},
};

const char *zc_dtls_alert_name(int alert)
{
	for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++) {
		if (alerts[i].code == alert) {
			return alerts[i].name;
		}
	}
	return "unknown alert";
}

/* Alerts by which a server says it does not accept our credentials. */
static bool alert_rejects_credentials(int alert)
{
	switch (alert) {
	case MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC:
	case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
	case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
	case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
	case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
	case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
	case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
	case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
	case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR:
	case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_PSK_IDENTITY:
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

int zc_mbed_negotiating_suite(const mbedtls_ssl_context *ssl)
{
	const mbedtls_ssl_session *sn = ssl->MBED_FIELD(session_negotiate);

	return sn != NULL ? sn->MBED_FIELD(ciphersuite) : 0;
}

bool zc_dtls_suite_is_psk(int id)
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

/* The handshake state "the server's NewSessionTicket is next" (renamed in 3.x). */
#if MBEDTLS_VERSION_MAJOR >= 3
#define STATE_SERVER_NEW_SESSION_TICKET MBEDTLS_SSL_NEW_SESSION_TICKET
#else
#define STATE_SERVER_NEW_SESSION_TICKET MBEDTLS_SSL_SERVER_NEW_SESSION_TICKET
#endif

bool zc_dtls_awaits_server_finished(const mbedtls_ssl_context *ssl)
{
	int step = handshake_step(ssl);

	return step == STATE_SERVER_NEW_SESSION_TICKET ||
	       step == MBEDTLS_SSL_SERVER_CHANGE_CIPHER_SPEC || step == MBEDTLS_SSL_SERVER_FINISHED;
}

bool zc_dtls_error_is_forgeable(int ret)
{
	switch (ret) {
	case MBEDTLS_ERR_SSL_INVALID_RECORD:
	case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
#ifdef MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO
	case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
	case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
	case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_REQUEST:
	case MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE:
	case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO_DONE:
	case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
	case MBEDTLS_ERR_SSL_BAD_HS_NEW_SESSION_TICKET:
#endif
#ifdef MBEDTLS_ERR_SSL_DECODE_ERROR
	case MBEDTLS_ERR_SSL_DECODE_ERROR:
#endif
		return true;
	default:
		return false;
	}
}

int zc_dtls_timeout_error(const struct dtls_state *st, uint32_t total_ms, char *why, size_t n)
{
	int step = handshake_step(&st->ssl);

	if (!st->peer_seen) {
		snprintf(why, n, "DTLS handshake timed out after %u ms: no answer from the server",
			 (unsigned int)total_ms);
		return -ETIMEDOUT;
	}
	/*
	 * We sent our Finished and the server's never came. A server that
	 * cannot decrypt our Finished (another pre-shared key) drops it
	 * silently (RFC 6347 §4.1.2.7 lets it): OpenSSL then sends its earlier
	 * flight again, so a datagram after our Finished means the key was
	 * refused. GnuTLS says nothing at all, which looks exactly like a
	 * server whose last flight was lost on the way: then name both.
	 */
	if (zc_dtls_awaits_server_finished(&st->ssl) &&
	    zc_dtls_suite_is_psk(zc_mbed_negotiating_suite(&st->ssl))) {
		if (st->peer_after_finished) {
			snprintf(why, n,
				 "the server never accepted our Finished message within %u ms: the "
				 "pre-shared key or identity does not match the server's",
				 (unsigned int)total_ms);
		} else {
			snprintf(
			    why, n,
			    "the DTLS handshake stalled after our Finished message (%u ms): the "
			    "server's last flight never arrived, or the server silently rejects "
			    "our pre-shared key or identity",
			    (unsigned int)total_ms);
		}
		return -EACCES;
	}
	snprintf(why, n,
		 "DTLS handshake timed out after %u ms (server answered, stalled at step %d)",
		 (unsigned int)total_ms, step);
	return -ETIMEDOUT;
}

/* The server certificate failed verification: -EKEYREJECTED or -EKEYEXPIRED. */
static int verify_error(const struct zc_mbed_diag *d, const char *hostname, char *why, size_t n)
{
	uint32_t flags = mbedtls_ssl_get_verify_result(d->ssl);

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
	if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && d->ip_identity) {
		snprintf(why, n,
			 "server certificate is not valid for address %s (address mismatch: no "
			 "iPAddress subjectAltName equals it)",
			 hostname != NULL ? hostname : "");
		return -EKEYREJECTED;
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

int zc_mbed_handshake_error(const struct zc_mbed_diag *d, int ret, const char *hostname, char *why,
			    size_t n)
{
	char text[120];
	int alert;

	switch (ret) {
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		snprintf(why, n, "%s() failed during the %s handshake: %s",
			 ret == MBEDTLS_ERR_NET_SEND_FAILED ? "send" : "recv", d->proto,
			 zcoap_strerror(d->io_errno != 0 ? -d->io_errno : -EIO));
		return d->io_errno != 0 ? -d->io_errno : -EIO;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		return verify_error(d, hostname, why, n);
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		alert = received_alert(d->ssl);
		if (alert == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE && !d->have_own &&
		    server_asked_for_certificate(d->ssl)) {
			snprintf(why, n,
				 "the server requires a client certificate and none is configured: "
				 "fatal alert %s (%d)",
				 zc_dtls_alert_name(alert), alert);
			return -EACCES;
		}
		if (alert_rejects_credentials(alert) &&
		    zc_dtls_suite_is_psk(zc_mbed_negotiating_suite(d->ssl))) {
			snprintf(why, n,
				 "the server rejected our pre-shared key or identity: fatal alert "
				 "%s (%d)",
				 zc_dtls_alert_name(alert), alert);
			return -EACCES;
		}
		if (alert_rejects_credentials(alert)) {
			snprintf(why, n, "the server rejected our credentials: fatal alert %s (%d)",
				 zc_dtls_alert_name(alert), alert);
			return -EACCES;
		}
		snprintf(why, n, "the server aborted the handshake: fatal alert %s (%d)",
			 zc_dtls_alert_name(alert), alert);
		return -ECONNABORTED;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		snprintf(why, n, "the server closed the session during the handshake");
		return -ECONNABORTED;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		snprintf(why, n, "Mbed TLS ran out of memory during the handshake");
		return -ENOMEM;
	default:
		mbed_text(ret, text, sizeof(text));
		snprintf(why, n, "%s handshake failed: %s", d->proto, text);
		return -EPROTO;
	}
}

int zc_mbed_session_error(const struct zc_mbed_diag *d, int ret, char *why, size_t n)
{
	char text[120];
	int err;
	int alert;

	switch (ret) {
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		snprintf(why, n, "the server closed the %s session (close_notify)", d->proto);
		err = -ECONNRESET;
		break;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		alert = received_alert(d->ssl);
		snprintf(why, n, "the server ended the %s session: fatal alert %s (%d)", d->proto,
			 zc_dtls_alert_name(alert), alert);
		err = -ECONNABORTED;
		break;
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		err = d->io_errno != 0 ? -d->io_errno : -EIO;
		snprintf(why, n, "%s", zcoap_strerror(err));
		break;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		snprintf(why, n, "Mbed TLS ran out of memory");
		err = -ENOMEM;
		break;
	default:
		mbed_text(ret, text, sizeof(text));
		snprintf(why, n, "%s error: %s", d->proto, text);
		err = -EPROTO;
		break;
	}
	return err;
}

static struct zc_mbed_diag dtls_facts(const struct dtls_state *st)
{
	struct zc_mbed_diag d = {.ssl = &st->ssl,
				 .proto = "DTLS",
				 .io_errno = st->io_errno,
				 .have_own = st->have_own,
				 .ip_identity = st->ip_len != 0};

	return d;
}

int zc_dtls_handshake_error(const struct dtls_state *st, int ret, const char *hostname,
			    uint32_t total_ms, char *why, size_t n)
{
	struct zc_mbed_diag d = dtls_facts(st);

	if (ret == MBEDTLS_ERR_SSL_TIMEOUT) {
		return zc_dtls_timeout_error(st, total_ms, why, n);
	}
	if ((ret == MBEDTLS_ERR_NET_SEND_FAILED || ret == MBEDTLS_ERR_NET_RECV_FAILED) &&
	    st->io_errno == ECONNREFUSED) {
		snprintf(why, n, "nothing listens on the server port (ICMP port unreachable)");
		return -ECONNREFUSED;
	}
	return zc_mbed_handshake_error(&d, ret, hostname, why, n);
}

int zc_dtls_session_error(const struct dtls_state *st, int ret, char *why, size_t n)
{
	struct zc_mbed_diag d = dtls_facts(st);

	if ((ret == MBEDTLS_ERR_NET_RECV_FAILED || ret == MBEDTLS_ERR_NET_SEND_FAILED) &&
	    st->io_errno == ECONNREFUSED) {
		snprintf(why, n, "the server port is closed (ICMP port unreachable): session lost");
		return -ECONNREFUSED;
	}
	return zc_mbed_session_error(&d, ret, why, n);
}
