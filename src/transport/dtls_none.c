/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dtls_none.c -- the DTLS hooks of transport.h when zcoap is built without
 * DTLS: no descriptor is ever a DTLS socket.
 */

#include <errno.h>

#include "transport/transport.h"

bool zcoap_dtls_owns(int sock)
{
	(void)sock;
	return false;
}

int zcoap_dtls_send(int sock, const uint8_t *buf, size_t len)
{
	(void)sock;
	(void)buf;
	(void)len;
	return -ENOTSUP;
}

long zcoap_dtls_recv(int sock, uint8_t *buf, size_t cap, bool *truncated)
{
	(void)sock;
	(void)buf;
	(void)cap;
	(void)truncated;
	return -ENOTSUP;
}
