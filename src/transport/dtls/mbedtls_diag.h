/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_diag.h -- the part of mbedtls_diag.c that DTLS sockets
 * (mbedtls_*.c of this folder) and TLS over TCP (src/transport/tls/) share:
 * why an Mbed TLS handshake or session failed, as an errno and a sentence
 * (alerts by their RFC names, certificate verification flags, socket
 * errors). Only files that include Mbed TLS headers themselves include it.
 */
#ifndef ZCOAP_TRANSPORT_DTLS_MBEDTLS_DIAG_H
#define ZCOAP_TRANSPORT_DTLS_MBEDTLS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/ssl.h>

/* What the mapping needs to know besides Mbed TLS's context. */
struct zc_mbed_diag {
	const mbedtls_ssl_context *ssl;
	const char *proto; /* "DTLS" or "TLS": named in the sentences */
	int io_errno;      /* errno of the last failed send()/recv(), 0 if none */
	bool have_own;     /* our own certificate is configured */
	bool ip_identity;  /* the identity checked is an IP address, not a host name */
};

/** The RFC name of a TLS alert description ("handshake_failure"), or "unknown alert". */
const char *zc_dtls_alert_name(int alert);

/** Whether cipher suite @p id authenticates the server with a pre-shared key. */
bool zc_dtls_suite_is_psk(int id);

/** The cipher suite the server's ServerHello chose, 0 before it. */
int zc_mbed_negotiating_suite(const mbedtls_ssl_context *ssl);

/** Whether the handshake has sent our Finished and waits for the server's. */
bool zc_dtls_awaits_server_finished(const mbedtls_ssl_context *ssl);

/**
 * A failed mbedtls_ssl_handshake() (Mbed TLS error @p ret; not its timeout,
 * which each transport words itself) as a negative errno (the DTLS mapping
 * of docs/errors.md) and a sentence in @p why. @p hostname: the configured
 * name of the server, for a name mismatch.
 */
int zc_mbed_handshake_error(const struct zc_mbed_diag *d, int ret, const char *hostname, char *why,
			    size_t n);

/** The failure @p ret that ended an established session, as zc_mbed_handshake_error(). */
int zc_mbed_session_error(const struct zc_mbed_diag *d, int ret, char *why, size_t n);

#endif /* ZCOAP_TRANSPORT_DTLS_MBEDTLS_DIAG_H */
