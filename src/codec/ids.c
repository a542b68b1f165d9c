/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ids.c -- message IDs (process-wide counter) and random tokens.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "coap.h"
#include "port/port.h"

/*
 * RFC 7252 §4.4 wants MIDs that do not repeat toward an endpoint within
 * EXCHANGE_LIFETIME; a counter gives 65536 distinct values in a row. It
 * starts at a random value (§4.4 "SHOULD be randomized") so a restarted
 * client does not reuse the MIDs of its previous life.
 *
 * The IDs are seed + n, with n from an atomic counter. The seed is set once:
 * bit 16 marks it as set, and racing first callers agree on whichever seed
 * wins the compare-and-swap, so no lock (and no pthread) is needed and every
 * caller gets a distinct n.
 */
#define SEED_SET 0x10000U

static atomic_uint_least32_t mid_seed;
static atomic_uint_least32_t mid_count;

static uint32_t get_seed(void)
{
	uint32_t seed = atomic_load_explicit(&mid_seed, memory_order_acquire);
	uint_least32_t expected = 0;
	uint16_t r = 0;

	if (seed != 0) {
		return seed;
	}
	(void)zc_port_random(&r, sizeof(r)); /* fills r even when it fails */
	seed = SEED_SET | r;
	if (!atomic_compare_exchange_strong_explicit(&mid_seed, &expected, seed,
						     memory_order_acq_rel, memory_order_acquire)) {
		seed = (uint32_t)expected; /* another thread was first */
	}
	return seed;
}

uint16_t coap_next_id(void)
{
	uint32_t seed = get_seed();
	uint32_t n = (uint32_t)atomic_fetch_add_explicit(&mid_count, 1U, memory_order_relaxed);

	return (uint16_t)((seed + n) & 0xFFFFU);
}

/*
 * §5.3.1/§11.4: tokens of requests sent over unsecured transports need
 * enough randomness to resist off-path spoofing; all 8 bytes come from the
 * OS CSPRNG. The buffer is per thread so concurrent callers cannot
 * overwrite each other's token.
 */
static _Thread_local uint8_t token_buf[COAP_TOKEN_MAX_LEN];

uint8_t *coap_next_token(void)
{
	(void)zc_port_random(token_buf, sizeof(token_buf));
	return token_buf;
}
