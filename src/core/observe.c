/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * observe.c -- the Observe policy (RFC 7641): registration detection,
 * notification freshness and liveness. It keeps s->obs and returns verdicts
 * (policy.h); the exchange core registers, re-registers and deregisters.
 */

#include <string.h>

#include "core/policy.h"

/* RFC 7641 §3.4: sequence numbers are 24-bit and compared modulo 2^23. */
#define SEQ_HALF (1UL << 23)
/* RFC 7641 §3.4: after 128 s a notification is newer whatever its number. */
#define SEQ_MAX_AGE_MS 128000
/* RFC 7252 §5.10.5: Max-Age defaults to 60 s. */
#define DEFAULT_MAX_AGE_S 60

bool zc_observe_is_register(const struct zcoap_slot *s)
{
	if (s->method != COAP_METHOD_GET && s->method != COAP_METHOD_FETCH) {
		return false;
	}
	for (unsigned int i = 0; i < s->num_options; i++) {
		if (s->options[i].code != COAP_OPTION_OBSERVE) {
			continue;
		}
		/* Value 0 (empty or zero bytes) registers; 1 would deregister. */
		for (unsigned int j = 0; j < s->options[i].len; j++) {
			if (zc_opt_value(s, i)[j] != 0) {
				return false;
			}
		}
		return true;
	}
	return false;
}

bool zc_observe_is_fresh(uint32_t v1, int64_t t1, uint32_t v2, int64_t t2)
{
	v1 &= 0xFFFFFFU;
	v2 &= 0xFFFFFFU;
	return (v1 < v2 && v2 - v1 < SEQ_HALF) || (v1 > v2 && v1 - v2 > SEQ_HALF) ||
	       t2 > t1 + SEQ_MAX_AGE_MS;
}

static struct zc_verdict verdict(enum zc_verdict_kind kind)
{
	struct zc_verdict v = {.kind = kind};

	return v;
}

struct zc_verdict zc_observe_on_response(struct zcoap_slot *s, const struct zc_rx *rx,
					 bool have_seq, bool deregistering)
{
	const uint8_t *v;
	uint16_t vlen;

	if (deregistering) {
		/*
		 * Notifications racing our Observe = 1 GET are ACKed (done by the
		 * exchange) but not delivered; the response to the deregistration
		 * (no Observe, or the piggybacked ACK) ends the request normally.
		 */
		return verdict(rx->type != COAP_TYPE_ACK && rx->has_observe ? ZC_V_DROP
									    : ZC_V_PASS);
	}
	if (s->obs.reg_tkl != rx->tkl || memcmp(s->obs.reg_token, rx->token, rx->tkl) != 0) {
		/* A response to one of our continuation GETs: ordinary block handling. */
		return verdict(ZC_V_PASS);
	}
	if (!rx->has_observe || (rx->code >> 5) != 2) {
		/*
		 * RFC 7641 §3.2/§4.2: a response without Observe, or an error,
		 * means the server does not (or no longer) keep us: the request
		 * ends with this response.
		 */
		s->obs.wanted = false;
		return verdict(ZC_V_DECLINE);
	}
	if (have_seq &&
	    !zc_observe_is_fresh(s->obs.last_seq, s->obs.last_time, rx->observe, rx->now)) {
		/* Older than what we have: not delivered (a CON one was ACKed already). */
		return verdict(ZC_V_DROP);
	}
	s->obs.last_seq = rx->observe;
	s->obs.last_time = rx->now;
	s->obs.max_age = DEFAULT_MAX_AGE_S;
	if (zc_rx_option(rx, COAP_OPTION_MAX_AGE, &v, &vlen) == 0) {
		s->obs.max_age = zcoap_option_uint(v, vlen);
	}
	return verdict(ZC_V_NOTIFY);
}

int64_t zc_observe_deadline(const struct zcoap_slot *s, int64_t now)
{
	if (s->obs.liveness == ZCOAP_OBSERVE_WAIT) {
		return ZC_NO_DEADLINE;
	}
	/* Max-Age is at most 2^32-1 s: compute in 64 bits (RFC 7252 §5.10.5). */
	return now + (int64_t)s->obs.max_age * 1000 + (int64_t)ZCOAP_CONFIG_OBSERVE_MARGIN_MS;
}

struct zc_verdict zc_observe_on_silence(const struct zcoap_slot *s)
{
	struct zc_verdict timeout = {.kind = ZC_V_FAIL, .err = -ETIMEDOUT};

	if (s->obs.liveness == ZCOAP_OBSERVE_FAIL) {
		return timeout;
	}
	/*
	 * RFC 7641 §3.3.1: the notification went stale without a newer one, so
	 * the server may have lost us. Register again with the same token; the
	 * server's next sequence number need not be higher than ours.
	 */
	return verdict(ZC_V_REREGISTER);
}
