/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_rng.c -- the random generator of the DTLS backend: one CTR_DRBG
 * for all sessions, because the entropy context alone is ~37 KiB in
 * Debian's build, too much to repeat per session. Calls are serialised by
 * rng_lock (Mbed TLS's own locking exists only with MBEDTLS_THREADING_C).
 * A forked child reseeds so that it never repeats its parent's stream.
 */

#include <errno.h>

#include <mbedtls/version.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include "port/port.h"
#include "transport/dtls/mbedtls_internal.h"

static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static struct zc_port_static_mutex rng_lock = ZC_PORT_STATIC_MUTEX_INIT;
static bool rng_ready;
/* The process that seeded or last reseeded (zc_port_process_id()). */
static unsigned long rng_pid;

int zc_dtls_rng_setup(void)
{
	static const unsigned char pers[] = "zcoap dtls client";
	int rc = 0;

	zc_port_static_mutex_lock(&rng_lock);
	if (!rng_ready) {
#if MBEDTLS_VERSION_MAJOR >= 3
		if (psa_crypto_init() != PSA_SUCCESS) {
			rc = -EIO;
		}
#endif
		mbedtls_entropy_init(&rng_entropy);
		mbedtls_ctr_drbg_init(&rng_drbg);
		if (rc == 0 && mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
						     pers, sizeof(pers) - 1) != 0) {
			rc = -EIO;
		}
		if (rc == 0) {
			rng_ready = true;
			rng_pid = zc_port_process_id();
		} else {
			mbedtls_ctr_drbg_free(&rng_drbg);
			mbedtls_entropy_free(&rng_entropy);
		}
	} else if (rng_pid != zc_port_process_id()) {
		if (mbedtls_ctr_drbg_reseed(&rng_drbg, NULL, 0) != 0) {
			rc = -EIO;
		} else {
			rng_pid = zc_port_process_id();
		}
	}
	zc_port_static_mutex_unlock(&rng_lock);
	return rc;
}

int zc_dtls_rng_random(void *ctx, unsigned char *out, size_t len)
{
	int rc;

	(void)ctx;
	zc_port_static_mutex_lock(&rng_lock);
	rc = mbedtls_ctr_drbg_random(&rng_drbg, out, len);
	zc_port_static_mutex_unlock(&rng_lock);
	return rc;
}
