/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * engine_observe.c -- Observe (RFC 7641) for the client engine:
 * registration detection, notification freshness, the end of an
 * observation, and deregistration (GET with Observe = 1).
 */

#include <errno.h>
#include <string.h>

#include "core/core_internal.h"
#include "codec/codec_internal.h"

/* RFC 7641 §3.4: sequence numbers are 24-bit and compared modulo 2^23. */
#define SEQ_HALF (1UL << 23)
/* RFC 7641 §3.4: after 128 s a notification is newer whatever its number. */
#define SEQ_MAX_AGE_MS 128000

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
			if (s->options[i].value[j] != 0) {
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

static bool is_reg_token(const struct zcoap_slot *s, const struct zcoap_rx *rx)
{
	return s->obs.reg_tkl == rx->tkl && memcmp(s->obs.reg_token, rx->token, rx->tkl) == 0;
}

bool zc_observe_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			       const struct zcoap_rx *rx, bool by_reg_token)
{
	(void)by_reg_token;
	if (s->obs.deregistering) {
		/*
		 * Notifications racing our Observe = 1 GET are ACKed (done by the
		 * caller) but not delivered; the response to the deregistration
		 * (no Observe, or the piggybacked ACK) ends the request normally.
		 */
		return rx->type != COAP_TYPE_ACK && rx->has_observe;
	}
	if (!is_reg_token(s, rx)) {
		/* A response to one of our continuation GETs: ordinary block handling. */
		return false;
	}
	if (!rx->has_observe || (rx->code >> 5) != 2) {
		/*
		 * RFC 7641 §3.2/§4.2: a response without Observe, or an error,
		 * means the server does not (or no longer) keep us: the request
		 * ends with this response.
		 */
		uint8_t szx = s->b2.szx;

		s->obs.registered = false;
		memset(&s->b2, 0, sizeof(s->b2));
		s->b2.szx = szx;
		return false;
	}
	if (s->obs.have_seq &&
	    !zc_observe_is_fresh(s->obs.last_seq, s->obs.last_time, rx->observe, rx->now)) {
		/* Older than what we have: not delivered (a CON one was ACKed already). */
		return true;
	}
	s->obs.have_seq = true;
	s->obs.last_seq = rx->observe;
	s->obs.last_time = rx->now;
	s->obs.reregistering = false;
	/* RFC 7252 §5.10.5: Max-Age defaults to 60 s. */
	s->obs.max_age = 60;
	{
		const uint8_t *v;
		uint16_t vlen;

		if (zc_eng_rx_option(eng, COAP_OPTION_MAX_AGE, &v, &vlen) == 0) {
			s->obs.max_age = zcoap_option_uint(v, vlen);
		}
	}
	/* A newer notification replaces a body still being fetched (RFC 7959 §2.6). */
	if (s->b2.active || s->b2.have_first) {
		uint8_t szx = s->b2.szx;

		memset(&s->b2, 0, sizeof(s->b2));
		s->b2.szx = szx;
		s->truncation_retry = false;
	}
	s->state = ZCOAP_SLOT_OBSERVING;
	s->deadline = zc_observe_deadline(s, rx->now);
	return false;
}

int64_t zc_observe_deadline(const struct zcoap_slot *s, int64_t now)
{
	if (s->obs.liveness == ZCOAP_OBSERVE_WAIT) {
		return ZCOAP_NO_DEADLINE;
	}
	/* Max-Age is at most 2^32-1 s: compute in 64 bits (RFC 7252 §5.10.5). */
	return now + (int64_t)s->obs.max_age * 1000 + (int64_t)ZCOAP_CONFIG_OBSERVE_MARGIN_MS;
}

void zc_observe_on_silence(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	int r;

	if (s->obs.liveness == ZCOAP_OBSERVE_FAIL) {
		zc_eng_fail(eng, s, -ETIMEDOUT);
		return;
	}
	/*
	 * RFC 7641 §3.3.1: the notification went stale without a newer one, so
	 * the server may have lost us. Register again with the same token; the
	 * server's next sequence number need not be higher than ours.
	 */
	s->obs.reregistering = true;
	s->obs.have_seq = false;
	r = zc_eng_send_new(eng, s, now);
	if (r < 0) {
		zc_eng_fail(eng, s, r);
	}
}

void zc_observe_on_cancel(struct zcoap_engine *eng, struct zcoap_slot *s)
{
	if (!s->obs.registered || s->obs.reg_tkl == 0 || s->obs.deregistering) {
		return;
	}
	/*
	 * RFC 7641 §3.6 lets a client forget an observation and answer the
	 * next notification with RST -- but that RST only goes out while the
	 * socket is still read, and after a cancel the application may close
	 * it. So also send a one-off NON GET with Observe = 1 and the
	 * registration token now; the server drops us at once. Its answer
	 * (if the socket is still read) has an unknown token and gets RST.
	 */
	memcpy(s->token, s->obs.reg_token, s->obs.reg_tkl);
	s->tkl = s->obs.reg_tkl;
	{
		uint8_t szx = s->b2.szx;

		memset(&s->b2, 0, sizeof(s->b2));
		s->b2.szx = szx;
	}
	s->obs.deregistering = true;
	s->confirmable = false;
	(void)zc_eng_send_oneoff(eng, s);
}

int zc_engine_deregister(struct zcoap_engine *eng, int64_t now,
			    const struct coap_client_request *pattern)
{
	int sent = 0;
	int err = 0;

	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		struct zcoap_slot *s = &eng->slots[i];
		int r;

		if (s->state == ZCOAP_SLOT_FREE || !s->obs.registered || s->obs.reg_tkl == 0 ||
		    s->obs.deregistering || !zc_engine_slot_matches(s, pattern)) {
			continue;
		}
		/* Abandon a notification body still being fetched. */
		{
			uint8_t szx = s->b2.szx;

			memset(&s->b2, 0, sizeof(s->b2));
			s->b2.szx = szx;
		}
		s->obs.deregistering = true;
		r = zc_eng_send_new(eng, s, now);
		if (r < 0) {
			s->obs.deregistering = false;
			err = r;
			continue;
		}
		sent++;
		if (!s->confirmable) {
			/* NON: nothing to wait for (Zephyr's behaviour). */
			zc_eng_fail(eng, s, -ECANCELED);
		}
	}
	if (sent > 0) {
		return 0;
	}
	return err < 0 ? err : -ENOENT;
}
