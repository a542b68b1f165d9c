/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * credentials.c -- the security-tag credential store (Zephyr's
 * tls_credentials): zcoap_tls_credential_add/get/delete() and the lookups
 * the TLS backends use at connect time. Needs no TLS library, so it is
 * built with and without DTLS; without it the public functions keep their
 * documented answer, -ENOTSUP (include/zcoap_dtls.h).
 */

#include <errno.h>
#include <string.h>

#include "port/port.h"
#include "transport/dtls/credentials.h"

static struct zc_credential creds[ZCOAP_TLS_MAX_CREDENTIALS];
/* Valid before any call: credentials may be added before any client or DTLS socket exists. */
static struct zc_port_static_mutex cred_lock = ZC_PORT_STATIC_MUTEX_INIT;

void zc_credentials_lock(void)
{
	zc_port_static_mutex_lock(&cred_lock);
}

void zc_credentials_unlock(void)
{
	zc_port_static_mutex_unlock(&cred_lock);
}

static bool type_valid(int type)
{
	return type >= ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE && type <= ZCOAP_TLS_CREDENTIAL_PSK_ID;
}

static struct zc_credential *cred_find(zcoap_sec_tag_t tag, int type)
{
	for (size_t i = 0; i < ZCOAP_TLS_MAX_CREDENTIALS; i++) {
		if (creds[i].used && creds[i].tag == tag && creds[i].type == type) {
			return &creds[i];
		}
	}
	return NULL;
}

const struct zc_credential *zc_credential_find(zcoap_sec_tag_t tag, int type)
{
	return cred_find(tag, type);
}

const struct zc_credential *zc_credential_next(zcoap_sec_tag_t tag,
					       const struct zc_credential *prev)
{
	size_t i = prev != NULL ? (size_t)(prev - creds) + 1 : 0;

	for (; i < ZCOAP_TLS_MAX_CREDENTIALS; i++) {
		if (creds[i].used && creds[i].tag == tag) {
			return &creds[i];
		}
	}
	return NULL;
}

int zcoap_tls_credential_add(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type,
			     const void *cred, size_t credlen)
{
	int rc = -ENOMEM;

	/* Without a TLS backend nothing could use a credential: say so before anything else. */
	if (!zcoap_dtls_available()) {
		return -ENOTSUP;
	}
	if (cred == NULL || credlen == 0 || !type_valid((int)type)) {
		return -EINVAL;
	}
	zc_port_static_mutex_lock(&cred_lock);
	if (cred_find(tag, (int)type) != NULL) {
		rc = -EEXIST;
	} else {
		for (size_t i = 0; i < ZCOAP_TLS_MAX_CREDENTIALS; i++) {
			if (!creds[i].used) {
				creds[i] = (struct zc_credential){.used = true,
								  .type = (uint8_t)type,
								  .tag = tag,
								  .data = cred,
								  .len = credlen};
				rc = 0;
				break;
			}
		}
	}
	zc_port_static_mutex_unlock(&cred_lock);
	return rc;
}

int zcoap_tls_credential_get(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type, void *cred,
			     size_t *credlen)
{
	const struct zc_credential *c;
	int rc = 0;

	if (!zcoap_dtls_available()) {
		return -ENOTSUP;
	}
	if (cred == NULL || credlen == NULL) {
		return -EINVAL;
	}
	zc_port_static_mutex_lock(&cred_lock);
	c = type_valid((int)type) ? cred_find(tag, (int)type) : NULL;
	if (c == NULL) {
		rc = -ENOENT;
	} else if (c->len > *credlen) {
		*credlen = c->len;
		rc = -EFBIG;
	} else {
		memcpy(cred, c->data, c->len);
		*credlen = c->len;
	}
	zc_port_static_mutex_unlock(&cred_lock);
	return rc;
}

int zcoap_tls_credential_delete(zcoap_sec_tag_t tag, enum zcoap_tls_credential_type type)
{
	struct zc_credential *c;
	int rc = -ENOENT;

	if (!zcoap_dtls_available()) {
		return -ENOTSUP;
	}
	zc_port_static_mutex_lock(&cred_lock);
	c = type_valid((int)type) ? cred_find(tag, (int)type) : NULL;
	if (c != NULL) {
		/* Only a reference: the application owns (and clears) the bytes. */
		memset(c, 0, sizeof(*c));
		rc = 0;
	}
	zc_port_static_mutex_unlock(&cred_lock);
	return rc;
}
