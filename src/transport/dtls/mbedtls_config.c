/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_config.c -- a DTLS session's Mbed TLS configuration: the checks
 * on struct zcoap_dtls_config, the credentials of its security tags parsed
 * into the session, the cipher suites offered, DTLS 1.2 only (RFC 7925
 * §4.1), verification, SNI, MTU and timers.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "transport/dtls/credentials.h"
#include "transport/dtls/mbedtls_internal.h"

#define MAX_HOSTNAME_LEN 255

/*
 * DTLS Connection ID (RFC 9146), the one compile-time switch
 * ZCOAP_DTLS_CONNECTION_ID (CMake -DZCOAP_DTLS_CONNECTION_ID=ON): the
 * client offers the extension with an empty CID of its own (its socket is
 * connected, so it needs none) and, when the server gives one, stamps it on
 * every record it sends, so that the server finds the session again after a
 * NAT rebinding changed our address. Only Mbed TLS 3.x speaks the RFC
 * (2.28's CID is a pre-RFC draft with other code points), and only when the
 * library was built with it; Debian 12's 2.28 has neither
 * (docs/design/dtls.md).
 */
#if defined(ZCOAP_DTLS_CONNECTION_ID) && ZCOAP_DTLS_CONNECTION_ID
#if !defined(MBEDTLS_SSL_DTLS_CONNECTION_ID)
#error "ZCOAP_DTLS_CONNECTION_ID needs an Mbed TLS built with MBEDTLS_SSL_DTLS_CONNECTION_ID"
#elif MBEDTLS_VERSION_MAJOR < 3 || MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT != 0
#error                                                                                             \
    "ZCOAP_DTLS_CONNECTION_ID needs Mbed TLS 3.x without MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT (RFC 9146)"
#endif
#define USE_CID 1
#else
#define USE_CID 0
#endif

int zc_dtls_check_config(const struct zcoap_dtls_config *cfg)
{
	if (cfg == NULL || cfg->sec_tags == NULL || cfg->sec_tag_count == 0 ||
	    cfg->sec_tag_count > ZCOAP_DTLS_MAX_SEC_TAGS) {
		return -EINVAL;
	}
	if (cfg->ciphersuites != NULL &&
	    (cfg->ciphersuite_count == 0 || cfg->ciphersuite_count > ZCOAP_DTLS_MAX_CIPHERSUITES)) {
		return -EINVAL;
	}
	if (cfg->hostname != NULL &&
	    (cfg->hostname[0] == '\0' ||
	     strnlen(cfg->hostname, MAX_HOSTNAME_LEN + 1) > MAX_HOSTNAME_LEN)) {
		return -EINVAL;
	}
	if (cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_REQUIRED &&
	    cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_NONE) {
		return -EINVAL;
	}
	if (cfg->handshake_timeout_ms > INT_MAX) {
		return -EINVAL;
	}
	if ((cfg->session_cache != ZCOAP_TLS_SESSION_CACHE_DISABLED &&
	     cfg->session_cache != ZCOAP_TLS_SESSION_CACHE_ENABLED) ||
	    (cfg->session == NULL && cfg->session_len != 0)) {
		return -EINVAL;
	}
	{
		uint32_t rmin = cfg->retransmit_min_ms != 0 ? cfg->retransmit_min_ms
							    : ZCOAP_DTLS_RETRANSMIT_MIN_MS;
		uint32_t rmax = cfg->retransmit_max_ms != 0 ? cfg->retransmit_max_ms
							    : ZCOAP_DTLS_RETRANSMIT_MAX_MS;

		if (rmin > rmax) {
			return -EINVAL;
		}
	}
	return 0;
}

static bool looks_pem(const uint8_t *d, size_t len)
{
	static const char begin[] = "-----BEGIN ";

	while (len > 0 && (*d == ' ' || *d == '\t' || *d == '\r' || *d == '\n')) {
		d++;
		len--;
	}
	return len >= sizeof(begin) - 1 && memcmp(d, begin, sizeof(begin) - 1) == 0;
}

enum blob_kind { BLOB_CERT, BLOB_KEY };

/*
 * Parse a certificate (appended to @p crt) or a private key. Mbed TLS takes
 * PEM only with the terminating NUL counted in the length; for PEM given
 * without it, a NUL-terminated copy is made on Mbed TLS's heap, zeroised
 * and freed right after.
 */
static int parse_blob(enum blob_kind kind, const struct zc_credential *c, mbedtls_x509_crt *crt,
		      mbedtls_pk_context *pk)
{
	const unsigned char *buf = c->data;
	unsigned char *copy = NULL;
	size_t len = c->len;
	int ret;

	if (looks_pem(c->data, c->len) && c->data[c->len - 1] != '\0') {
		copy = mbedtls_calloc(1, c->len + 1);
		if (copy == NULL) {
			return -ENOMEM;
		}
		memcpy(copy, c->data, c->len);
		buf = copy;
		len = c->len + 1;
	}
	if (kind == BLOB_CERT) {
		ret = mbedtls_x509_crt_parse(crt, buf, len);
	} else {
#if MBEDTLS_VERSION_MAJOR >= 3
		ret = mbedtls_pk_parse_key(pk, buf, len, NULL, 0, zc_dtls_rng_random, NULL);
#else
		ret = mbedtls_pk_parse_key(pk, buf, len, NULL, 0);
#endif
	}
	if (copy != NULL) {
		mbedtls_platform_zeroize(copy, len);
		mbedtls_free(copy);
	}
	if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED || ret == MBEDTLS_ERR_PK_ALLOC_FAILED) {
		return -ENOMEM;
	}
	/* x509_crt_parse() returns the number of certificates it skipped: all must parse. */
	return ret == 0 ? 0 : -EINVAL;
}

static const char *type_name(int type)
{
	switch (type) {
	case ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE:
		return "CA certificate";
	case ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE:
		return "certificate";
	case ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY:
		return "private key";
	case ZCOAP_TLS_CREDENTIAL_PSK:
		return "PSK";
	default:
		return "PSK identity";
	}
}

/*
 * Parse the credentials of the configured tags into the session, under
 * the store's lock (the buffers belong to the application and may be deleted
 * right after). Every CA certificate of every tag joins the trust chain;
 * our certificate + key and the PSK + identity come from the first tag
 * that has them.
 */
static int load_credentials(struct dtls_state *st, const struct zcoap_dtls_config *cfg,
			    bool *have_ca, bool *have_own, char *why, size_t n)
{
	const struct zc_credential *cert = NULL;
	const struct zc_credential *key = NULL;
	const struct zc_credential *psk = NULL;
	const struct zc_credential *psk_id = NULL;
	zcoap_sec_tag_t cert_tag = 0;
	zcoap_sec_tag_t psk_tag = 0;
	int rc = 0;

	*have_ca = false;
	*have_own = false;
	zc_credentials_lock();
	for (size_t t = 0; t < cfg->sec_tag_count && rc == 0; t++) {
		zcoap_sec_tag_t tag = cfg->sec_tags[t];
		bool any = false;

		for (const struct zc_credential *c = zc_credential_next(tag, NULL);
		     c != NULL && rc == 0; c = zc_credential_next(tag, c)) {
			any = true;
			if (c->type == ZCOAP_TLS_CREDENTIAL_CA_CERTIFICATE) {
				rc = parse_blob(BLOB_CERT, c, &st->ca, NULL);
				if (rc == -EINVAL) {
					snprintf(why, n,
						 "CA certificate of tag %d cannot be parsed", tag);
				}
				*have_ca = true;
			}
		}
		if (rc == 0 && !any) {
			snprintf(why, n, "security tag %d has no credentials", tag);
			rc = -ENOENT;
		}
		if (rc == 0 && cert == NULL && key == NULL) {
			cert = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE);
			key = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY);
			cert_tag = tag;
		}
		if (rc == 0 && psk == NULL && psk_id == NULL) {
			psk = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PSK);
			psk_id = zc_credential_find(tag, ZCOAP_TLS_CREDENTIAL_PSK_ID);
			psk_tag = tag;
		}
	}
	if (rc == 0 && (cert == NULL) != (key == NULL)) {
		snprintf(why, n, "tag %d has a %s but no %s", cert_tag,
			 type_name(cert != NULL ? ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE
						: ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY),
			 type_name(cert != NULL ? ZCOAP_TLS_CREDENTIAL_PRIVATE_KEY
						: ZCOAP_TLS_CREDENTIAL_PUBLIC_CERTIFICATE));
		rc = -EINVAL;
	}
	if (rc == 0 && (psk == NULL) != (psk_id == NULL)) {
		snprintf(
		    why, n, "tag %d has a %s but no %s", psk_tag,
		    type_name(psk != NULL ? ZCOAP_TLS_CREDENTIAL_PSK : ZCOAP_TLS_CREDENTIAL_PSK_ID),
		    type_name(psk != NULL ? ZCOAP_TLS_CREDENTIAL_PSK_ID
					  : ZCOAP_TLS_CREDENTIAL_PSK));
		rc = -EINVAL;
	}
	if (rc == 0 && cert != NULL) {
		rc = parse_blob(BLOB_CERT, cert, &st->own, NULL);
		if (rc == -EINVAL) {
			snprintf(why, n, "certificate of tag %d cannot be parsed", cert_tag);
		}
		if (rc == 0) {
			rc = parse_blob(BLOB_KEY, key, NULL, &st->key);
			if (rc == -EINVAL) {
				snprintf(why, n,
					 "private key of tag %d cannot be parsed (PEM or DER, "
					 "unencrypted)",
					 cert_tag);
			}
		}
		if (rc == 0) {
#if MBEDTLS_VERSION_MAJOR >= 3
			int ret =
			    mbedtls_pk_check_pair(&st->own.pk, &st->key, zc_dtls_rng_random, NULL);
#else
			int ret = mbedtls_pk_check_pair(&st->own.pk, &st->key);
#endif
			if (ret != 0) {
				snprintf(why, n,
					 "private key of tag %d does not match its certificate",
					 cert_tag);
				rc = -EINVAL;
			}
		}
		*have_own = rc == 0;
		st->have_own = rc == 0;
	}
	if (rc == 0 && psk != NULL) {
		size_t id_len = psk_id->len;

		/* An identity given as a C string with its NUL counted: the NUL is not part of it.
		 */
		if (id_len > 1 && psk_id->data[id_len - 1] == '\0') {
			id_len--;
		}
		/* Mbed TLS copies both (and zeroises the key when the config is freed). */
		int ret =
		    mbedtls_ssl_conf_psk(&st->conf, psk->data, psk->len, psk_id->data, id_len);

		if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
			rc = -ENOMEM;
		} else if (ret != 0) {
			snprintf(why, n, "PSK or identity of tag %d is not usable (too long?)",
				 psk_tag);
			rc = -EINVAL;
		}
		st->have_psk = rc == 0;
	}
	zc_credentials_unlock();
	if (rc == -ENOMEM) {
		snprintf(why, n, "out of memory while parsing credentials");
	}
	return rc;
}

/* Whether a suite belongs to the offered mode; never one without encryption. */
static bool suite_fits(const mbedtls_ssl_ciphersuite_t *info, bool psk, bool cert)
{
	if (info->MBED_FIELD(cipher) == MBEDTLS_CIPHER_NULL) {
		return false;
	}
	switch (info->MBED_FIELD(key_exchange)) {
	case MBEDTLS_KEY_EXCHANGE_PSK:
	case MBEDTLS_KEY_EXCHANGE_DHE_PSK:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_PSK:
		return psk;
	case MBEDTLS_KEY_EXCHANGE_RSA:
	case MBEDTLS_KEY_EXCHANGE_DHE_RSA:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_RSA:
	case MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA:
	case MBEDTLS_KEY_EXCHANGE_ECDH_RSA:
	case MBEDTLS_KEY_EXCHANGE_ECDH_ECDSA:
		return cert;
	default:
		/* RSA-PSK needs both at once; EC J-PAKE a password we do not take. */
		return false;
	}
}

static int build_suites(struct dtls_state *st, const struct zcoap_dtls_config *cfg, bool psk,
			bool cert, char *why, size_t n)
{
	size_t k = 0;

	if (cfg->ciphersuites != NULL) {
		for (size_t i = 0; i < cfg->ciphersuite_count; i++) {
			const mbedtls_ssl_ciphersuite_t *info =
			    mbedtls_ssl_ciphersuite_from_id(cfg->ciphersuites[i]);

			/* RFC 7252 §9: a NULL cipher would be plaintext on the wire. */
			if (info == NULL || info->MBED_FIELD(cipher) == MBEDTLS_CIPHER_NULL) {
				snprintf(
				    why, n,
				    "cipher suite 0x%04X is not available in this Mbed TLS build",
				    (unsigned int)cfg->ciphersuites[i]);
				return -ENOTSUP;
			}
			st->suites[k++] = cfg->ciphersuites[i];
		}
	} else {
		for (const int *id = mbedtls_ssl_list_ciphersuites();
		     *id != 0 && k < ZC_DTLS_MAX_OFFERED_SUITES; id++) {
			const mbedtls_ssl_ciphersuite_t *info =
			    mbedtls_ssl_ciphersuite_from_id(*id);

			if (info != NULL && suite_fits(info, psk, cert)) {
				st->suites[k++] = *id;
			}
		}
	}
	st->suites[k] = 0;
	if (k == 0) {
		snprintf(why, n, "no cipher suite of this Mbed TLS build fits the credentials");
		return -ENOTSUP;
	}
	mbedtls_ssl_conf_ciphersuites(&st->conf, st->suites);
	return 0;
}

int zc_dtls_setup(struct dtls_state *st, const struct zcoap_dtls_config *cfg, char *why, size_t n)
{
	uint32_t rmin =
	    cfg->retransmit_min_ms != 0 ? cfg->retransmit_min_ms : ZCOAP_DTLS_RETRANSMIT_MIN_MS;
	uint32_t rmax =
	    cfg->retransmit_max_ms != 0 ? cfg->retransmit_max_ms : ZCOAP_DTLS_RETRANSMIT_MAX_MS;
	bool verify = cfg->peer_verify != ZCOAP_TLS_PEER_VERIFY_NONE;
	bool have_ca;
	bool have_own;
	bool cert;
	int ret;
	int rc;

	mbedtls_ssl_init(&st->ssl);
	mbedtls_ssl_config_init(&st->conf);
	mbedtls_x509_crt_init(&st->ca);
	mbedtls_x509_crt_init(&st->own);
	mbedtls_pk_init(&st->key);
	st->live = true;

	rc = zc_dtls_rng_setup();
	if (rc < 0) {
		snprintf(why, n, "the random generator could not be seeded");
		return rc;
	}
	ret =
	    mbedtls_ssl_config_defaults(&st->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		snprintf(why, n, "Mbed TLS configuration failed");
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EIO;
	}
	rc = load_credentials(st, cfg, &have_ca, &have_own, why, n);
	if (rc < 0) {
		return rc;
	}
	/* Certificate suites when certificates are configured, or explicitly unverified. */
	cert = have_ca || have_own || (!st->have_psk && !verify);
	if (!st->have_psk && !cert) {
		snprintf(why, n,
			 "no usable credentials: the tags hold neither a PSK with its identity "
			 "nor a CA certificate (set peer_verify NONE to skip verification)");
		return -ENOENT;
	}
	if (cert && verify && !have_ca) {
		snprintf(why, n, "certificate verification needs a CA certificate in the tags");
		return -ENOENT;
	}
	if (cert && verify && cfg->hostname == NULL && !cfg->skip_hostname_check) {
		snprintf(why, n,
			 "certificate verification needs the server's host name "
			 "(or skip_hostname_check)");
		return -EINVAL;
	}
	rc = build_suites(st, cfg, st->have_psk, cert, why, n);
	if (rc < 0) {
		return rc;
	}

	/* DTLS 1.2 only (RFC 7925 §4.1: DTLS 1.0 must not be used). */
#if MBEDTLS_VERSION_MAJOR >= 3
	mbedtls_ssl_conf_min_tls_version(&st->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(&st->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbedtls_ssl_conf_rng(&st->conf, zc_dtls_rng_random, NULL);
	mbedtls_ssl_conf_authmode(&st->conf,
				  verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
	if (have_ca) {
		mbedtls_ssl_conf_ca_chain(&st->conf, &st->ca, NULL);
	}
	if (have_own) {
		ret = mbedtls_ssl_conf_own_cert(&st->conf, &st->own, &st->key);
		if (ret != 0) {
			snprintf(why, n, "own certificate not usable by Mbed TLS");
			return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
		}
	}
	/*
	 * An address literal as the identity: matched against the iPAddress
	 * subjectAltNames (mbedtls_identity.c), never sent as SNI (RFC 6066 §3
	 * forbids literals there) nor handed to Mbed TLS's name check.
	 */
	st->ip_len = (uint8_t)(cfg->hostname != NULL && !cfg->skip_hostname_check
				   ? zc_dtls_ip_literal(cfg->hostname, st->ip)
				   : 0);
	if (verify && st->ip_len != 0) {
		mbedtls_ssl_conf_verify(&st->conf, zc_dtls_verify_ip, st);
	}
	mbedtls_ssl_conf_handshake_timeout(&st->conf, rmin, rmax);
#if USE_CID
	/* Our own CID is empty; a record with a CID we did not ask for is dropped. */
	ret = mbedtls_ssl_conf_cid(&st->conf, 0, MBEDTLS_SSL_UNEXPECTED_CID_IGNORE);
	if (ret != 0) {
		snprintf(why, n, "Mbed TLS refused the Connection ID configuration");
		return -EIO;
	}
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
	/*
	 * A ticket (RFC 5077) lets a server that keeps no session state resume
	 * us; without the cache or a saved session nothing would resume, and a
	 * ticket would only cost a message.
	 */
	mbedtls_ssl_conf_session_tickets(
	    &st->conf, cfg->session_cache == ZCOAP_TLS_SESSION_CACHE_ENABLED || cfg->session != NULL
			   ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
			   : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif

	ret = mbedtls_ssl_setup(&st->ssl, &st->conf);
	if (ret != 0) {
		snprintf(why, n, "Mbed TLS could not allocate the session buffers");
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EIO;
	}
	if (st->ip_len == 0 && cfg->hostname != NULL && !cfg->skip_hostname_check) {
		/* SNI (RFC 6066 §3) and the name the certificate must carry (RFC 6125). */
		ret = mbedtls_ssl_set_hostname(&st->ssl, cfg->hostname);
		if (ret != 0) {
			snprintf(why, n, "host name not accepted by Mbed TLS");
			return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
		}
	}
#if MBEDTLS_VERSION_MAJOR >= 3
	else {
		/*
		 * 3.6 refuses to verify without a name unless told "none"
		 * explicitly; an address literal is checked by zc_dtls_verify_ip().
		 */
		(void)mbedtls_ssl_set_hostname(&st->ssl, NULL);
	}
#endif
#if USE_CID
	ret = mbedtls_ssl_set_cid(&st->ssl, MBEDTLS_SSL_CID_ENABLED, NULL, 0);
	if (ret != 0) {
		snprintf(why, n, "Mbed TLS refused to offer a Connection ID");
		return -EIO;
	}
#endif
	if (cfg->mtu != 0) {
		/*
		 * Fragment long handshake messages to the path MTU (RFC 6347
		 * §4.1.1.1, §4.2.3), but one record per datagram: packed records
		 * get a small message such as Finished split across datagrams,
		 * which GnuTLS 3.7 servers fail to reassemble.
		 */
		mbedtls_ssl_set_mtu(&st->ssl, cfg->mtu);
		mbedtls_ssl_set_datagram_packing(&st->ssl, 0);
	}
	zc_dtls_bio_attach(st);
	return 0;
}
