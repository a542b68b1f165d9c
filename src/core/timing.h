/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * timing.h -- the transmission parameters and the timers they imply
 * (RFC 7252 §4.2, §4.8). Pure arithmetic: the random value comes in as an
 * argument. Header-only: these run once or twice per request, inside
 * submit and send, where a call each would cost more than their bodies
 * (docs/performance.md).
 */
#ifndef ZC_CORE_TIMING_H
#define ZC_CORE_TIMING_H

#include <errno.h>
#include <limits.h>

#include "coap_client.h"

static inline int zc_resolve_params(const struct coap_transmission_parameters *in,
				    struct coap_transmission_parameters *out)
{
	*out = in != NULL ? *in : coap_get_transmission_parameters();
	if (out->ack_random_percent == 0) {
		out->ack_random_percent = 150;
	}
	if (out->ack_timeout == 0 || out->ack_timeout > 24U * 3600U * 1000U ||
	    out->ack_random_percent < 100 || out->coap_backoff_percent < 100) {
		return -EINVAL;
	}
	return 0;
}

static inline uint64_t zc_initial_timeout_span(const struct coap_transmission_parameters *p)
{
	return (uint64_t)p->ack_timeout * (uint64_t)(p->ack_random_percent - 100U) / 100U;
}

/* zc_initial_timeout() with its span (zc_initial_timeout_span()) already computed. */
static inline uint32_t zc_initial_timeout_in(uint32_t ack_timeout, uint64_t span, uint32_t random)
{
	uint64_t t = ack_timeout;

	if (span > 0) {
		t += random % (span + 1U);
	}
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static inline uint32_t zc_initial_timeout(const struct coap_transmission_parameters *p,
					  uint32_t random)
{
	return zc_initial_timeout_in(p->ack_timeout, zc_initial_timeout_span(p), random);
}

static inline uint32_t zc_next_timeout(uint32_t timeout, uint16_t backoff_percent)
{
	uint64_t t = (uint64_t)timeout * backoff_percent / 100U;

	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/*
 * MAX_TRANSMIT_WAIT (RFC 7252 §4.8.2), i.e. as long as a CON request would
 * keep trying, so both kinds give up at the same point.
 */
static inline int64_t zc_non_window(const struct coap_transmission_parameters *p)
{
	uint64_t t = (uint64_t)p->ack_timeout * p->ack_random_percent / 100U;
	uint64_t total = 0;

	for (unsigned int i = 0; i <= p->max_retransmission; i++) {
		total += t;
		t = t * p->coap_backoff_percent / 100U;
		if (total > (uint64_t)INT32_MAX) {
			return INT32_MAX;
		}
	}
	return (int64_t)total;
}

#endif /* ZC_CORE_TIMING_H */
