/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * none.c -- zcoap built without DTLS (ZCOAP_WITH_DTLS=OFF or no Mbed TLS):
 * no descriptor is ever a DTLS socket (nothing registers with the transport
 * table, so every descriptor stays UDP), and the public DTLS functions of
 * zcoap_dtls.h exist but report -ENOTSUP. The credential store
 * (credentials.c) is built here too and answers -ENOTSUP through
 * zcoap_dtls_available().
 */

#include <errno.h>
#include <unistd.h> /* close() */

#include "zcoap_dtls.h"

int zcoap_dtls_connect(int sock, const struct sockaddr *peer, socklen_t peerlen,
		       const struct zcoap_dtls_config *cfg)
{
	(void)sock;
	(void)peer;
	(void)peerlen;
	(void)cfg;
	return -ENOTSUP;
}

int zcoap_dtls_connect_start(int sock, const struct sockaddr *peer, socklen_t peerlen,
			     const struct zcoap_dtls_config *cfg, int *wait_ms)
{
	(void)sock;
	(void)peer;
	(void)peerlen;
	(void)cfg;
	(void)wait_ms;
	return -ENOTSUP;
}

int zcoap_dtls_connect_async(int sock, const struct sockaddr *peer, socklen_t peerlen,
			     const struct zcoap_dtls_config *cfg)
{
	(void)sock;
	(void)peer;
	(void)peerlen;
	(void)cfg;
	return -ENOTSUP;
}

int zcoap_dtls_handshake_continue(int sock, int *wait_ms)
{
	(void)sock;
	(void)wait_ms;
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

int zcoap_dtls_handshake_info(int sock, struct zcoap_dtls_handshake_info *info)
{
	(void)sock;
	(void)info;
	return -ENOTSUP;
}

int zcoap_dtls_session_save(int sock, void *buf, size_t *len)
{
	(void)sock;
	(void)buf;
	(void)len;
	return -ENOTSUP;
}

void zcoap_dtls_session_clear(void *buf, size_t len)
{
	volatile unsigned char *p = buf;

	while (p != NULL && len-- > 0) {
		*p++ = 0;
	}
}

int zcoap_dtls_session_cache_purge(void)
{
	return -ENOTSUP;
}
