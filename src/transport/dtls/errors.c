/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * errors.c -- zcoap_dtls_strerror(): the DTLS meaning of the errors
 * zcoap_dtls.h documents. Needs no TLS library; built with and without DTLS.
 */

#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "coap_client.h"
#include "zcoap_dtls.h"

struct dtls_errtext {
	int err;
	const char *text;
};

/* The DTLS meaning of each errno zcoap_dtls.h lists; the rest falls back to zcoap_strerror(). */
static const struct dtls_errtext dtls_errtexts[] = {
    {ETIMEDOUT, "DTLS handshake timed out"},
    {ECONNREFUSED, "DTLS server port closed (ICMP port unreachable)"},
    {EACCES, "DTLS server rejected our credentials (wrong PSK, identity or client certificate)"},
    {ECONNABORTED, "DTLS server aborted the session (fatal alert)"},
#ifdef EKEYREJECTED
    {EKEYREJECTED, "DTLS server certificate rejected (untrusted, wrong host name or invalid)"},
#endif
#ifdef EKEYEXPIRED
    {EKEYEXPIRED, "DTLS server certificate expired or not yet valid"},
#endif
    {ECONNRESET, "DTLS session closed by the server (close_notify)"},
    {EPROTO, "DTLS protocol error"},
    {ENOTCONN, "DTLS socket not connected (handshake failed or not finished)"},
    {ENOTSUP, "DTLS not supported (zcoap built without Mbed TLS, or cipher suite unavailable)"},
    {EINVAL, "Invalid DTLS configuration or credential"},
    {EBADF, "Not an open descriptor / not a DTLS socket"},
    {ENOTSOCK, "Not a socket"},
    {EPROTOTYPE, "Not a datagram (UDP) socket"},
    {EALREADY, "Already a DTLS socket"},
    {EBUSY, "DTLS handshake in progress on this socket"},
    {ENOBUFS, "No free DTLS session (ZCOAP_DTLS_MAX_SESSIONS in use)"},
    {ENOENT, "DTLS credential not found"},
    {EEXIST, "DTLS credential already registered"},
    {ENOMEM, "Out of memory (credential table full, or Mbed TLS allocation failed)"},
    {EFBIG, "Buffer too small for the credential"},
    {EMSGSIZE, "Message too large for one DTLS record"},
    {EAGAIN, "DTLS socket buffer full, try again"},
};

const char *zcoap_dtls_strerror(int err)
{
	int e = err;

	if (e == INT_MIN) {
		return zcoap_strerror(err);
	}
	if (e < 0) {
		e = -e;
	}
	for (size_t i = 0; i < sizeof(dtls_errtexts) / sizeof(dtls_errtexts[0]); i++) {
		if (dtls_errtexts[i].err == e) {
			return dtls_errtexts[i].text;
		}
	}
	return zcoap_strerror(err);
}
