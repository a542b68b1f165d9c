/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * credentials.h -- the security-tag credential store behind
 * zcoap_tls_credential_add/get/delete() (Zephyr's tls_credentials), as the
 * TLS backends read it. It depends on no TLS library.
 */
#ifndef ZCOAP_TRANSPORT_DTLS_CREDENTIALS_H
#define ZCOAP_TRANSPORT_DTLS_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zcoap_dtls.h"

/** One registered credential: a reference to the application's buffer. */
struct zc_credential {
	bool used;
	uint8_t type; /* enum zcoap_tls_credential_type */
	zcoap_sec_tag_t tag;
	const uint8_t *data; /* the application's buffer (referenced, as in Zephyr) */
	size_t len;
};

/*
 * A backend reads the store under this lock, and parses what it needs
 * before releasing it: the application may delete a credential (and free
 * its buffer) as soon as the lock is free. A leaf lock.
 */
void zc_credentials_lock(void);
void zc_credentials_unlock(void);

/** The credential of @p tag and @p type, or NULL. Caller holds the lock. */
const struct zc_credential *zc_credential_find(zcoap_sec_tag_t tag, int type);

/**
 * The credentials of @p tag in table order: the first with @p prev NULL,
 * then the one after @p prev; NULL at the end. Caller holds the lock.
 */
const struct zc_credential *zc_credential_next(zcoap_sec_tag_t tag,
					       const struct zc_credential *prev);

#endif /* ZCOAP_TRANSPORT_DTLS_CREDENTIALS_H */
