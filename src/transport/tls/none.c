/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * none.c -- TLS over TCP in a build without Mbed TLS: no session can be opened.
 */
#include <errno.h>
#include <stdio.h>

#include "coap_client.h"
#include "transport/tls/tls.h"

static const char no_tls[] = "TLS is not available: zcoap was built without Mbed TLS";

int zc_tls_open(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out, char *why,
		size_t n)
{
	(void)fd;
	(void)cfg;
	*out = NULL;
	if (why != NULL && n > 0) {
		snprintf(why, n, "%s", no_tls);
	}
	return -EPROTONOSUPPORT;
}

int zc_tls_start(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out,
		 uint32_t *timeout_ms, char *why, size_t n)
{
	(void)fd;
	(void)cfg;
	*out = NULL;
	*timeout_ms = 0;
	if (why != NULL && n > 0) {
		snprintf(why, n, "%s", no_tls);
	}
	return -EPROTONOSUPPORT;
}

int zc_tls_handshake_step(struct zc_tls *t, bool *want_write)
{
	(void)t;
	*want_write = false;
	return -EPROTONOSUPPORT;
}

int zc_tls_send(struct zc_tls *t, const uint8_t *buf, size_t len)
{
	(void)t;
	(void)buf;
	(void)len;
	return -ENOTCONN;
}

long zc_tls_recv(struct zc_tls *t, uint8_t *buf, size_t cap)
{
	(void)t;
	(void)buf;
	(void)cap;
	return -ENOTCONN;
}

bool zc_tls_pending(const struct zc_tls *t)
{
	(void)t;
	return false;
}

void zc_tls_close(struct zc_tls *t)
{
	(void)t;
}

int zc_tls_last_error(const struct zc_tls *t, char *buf, size_t n)
{
	(void)t;
	if (buf != NULL && n > 0) {
		buf[0] = '\0';
	}
	return 0;
}

void zc_tls_errno_text(const char *what, int err, char *why, size_t n)
{
	snprintf(why, n, "%s: %s", what, zcoap_strerror(err));
}
