/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * params.c -- process-wide default transmission parameters (RFC 7252 §4.8).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "coap.h"

/*
 * RFC 7252 §4.8 defaults: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5,
 * MAX_RETRANSMIT 4, and a doubling back-off (200 %). One atomic per field
 * keeps readers and writers on different threads free of data races; a
 * reader racing a writer may see a mix of old and new fields, which is
 * harmless because each field is validated on its own by the client.
 */
static atomic_uint_least32_t def_ack_timeout = 2000;
static atomic_uint_least16_t def_ack_random_percent = 150;
static atomic_uint_least16_t def_backoff_percent = 200;
static atomic_uint_least8_t def_max_retransmission = 4;

struct coap_transmission_parameters coap_get_transmission_parameters(void)
{
	struct coap_transmission_parameters p;

	p.ack_timeout = (uint32_t)atomic_load(&def_ack_timeout);
	p.ack_random_percent = (uint16_t)atomic_load(&def_ack_random_percent);
	p.coap_backoff_percent = (uint16_t)atomic_load(&def_backoff_percent);
	p.max_retransmission = (uint8_t)atomic_load(&def_max_retransmission);
	return p;
}

void coap_set_transmission_parameters(const struct coap_transmission_parameters *params)
{
	if (params == NULL) {
		return;
	}
	atomic_store(&def_ack_timeout, params->ack_timeout);
	atomic_store(&def_ack_random_percent, params->ack_random_percent);
	atomic_store(&def_backoff_percent, params->coap_backoff_percent);
	atomic_store(&def_max_retransmission, params->max_retransmission);
}
