/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_none.c -- zcoap built without DTLS (ZCOAP_WITH_DTLS=OFF or no Mbed
 * TLS): no descriptor is ever a DTLS socket, and the public DTLS functions
 * of zcoap_dtls.h exist but report -ENOTSUP.
 */

#include <errno.h>
#include <unistd.h>

#include "transport/transport.h"
#include "zcoap_dtls.h"

bool zc_dtls_owns(int sock)
{
	(void)sock;
	return false;
}

int zc_dtls_send(int sock, const uint8_t *buf, size_t len)
{
	(void)sock;
	(void)buf;
	(void)len;
	return -ENOTSUP;
}

long zc_dtls_recv(int sock, uint8_t *buf, size_t cap, bool *truncated)
{
	(void)sock;
	(void)buf;
	(void)cap;
	(void)truncated;
	return -ENOTSUP;
}

int zcoap_tls_credential_add(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type,
			     const void *cred, size_t credlen)
{
	(void)tag;
	(void)type;
	(void)cred;
	(void)credlen;
	return -ENOTSUP;
}

int zcoap_tls_credential_get(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type, void *cred,
			     size_t *credlen)
{
	(void)tag;
	(void)type;
	(void)cred;
	(void)credlen;
	return -ENOTSUP;
}

int zcoap_tls_credential_delete(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type)
{
	(void)tag;
	(void)type;
	return -ENOTSUP;
}

int zcoap_dtls_connect(int sock, const struct sockaddr *peer, socklen_t peerlen,
		       const struct zcoap_dtls_config *cfg)
{
	(void)sock;
	(void)peer;
	(void)peerlen;
	(void)cfg;
	return -ENOTSUP;
}

int zcoap_dtls_close(int sock)
{
	/*
	 * The documented rule "release a socket with zcoap_dtls_close() after
	 * any zcoap_dtls_connect() error" must not leak the descriptor here.
	 */
	if (sock < 0 || close(sock) != 0) {
		return -EBADF;
	}
	return -ENOTSUP;
}

bool zcoap_dtls_is_dtls(int sock)
{
	(void)sock;
	return false;
}

int zcoap_dtls_ciphersuite(int sock)
{
	(void)sock;
	return -ENOTSUP;
}

int zcoap_dtls_last_error(int sock, char *buf, size_t buflen)
{
	(void)sock;
	if (buf != NULL && buflen > 0) {
		buf[0] = '\0';
	}
	return -ENOTSUP;
}

bool zcoap_dtls_available(void)
{
	return false;
}
