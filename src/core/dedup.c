/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dedup.c -- a ring of recently finished exchanges, so that a retransmitted
 * CON response is ACKed again and a repeated NON one dropped instead of
 * being answered with RST (RFC 7252 §4.5).
 */

#include <string.h>

#include "core/exchange.h"

/* RFC 7252 §4.8.2: a CON may be retransmitted for EXCHANGE_LIFETIME. */
#define EXCHANGE_LIFETIME_MS 247000

void zc_dedup_add(struct zcoap_engine *eng, const struct zc_rx *rx)
{
	struct zcoap_dedup_entry *d = &eng->dedup[eng->dedup_next];

	eng->dedup_next = (uint8_t)((eng->dedup_next + 1U) % ZCOAP_CONFIG_DEDUP_ENTRIES);
	d->used = true;
	d->sock = rx->sock;
	d->mid = rx->mid;
	d->addrlen = 0;
	if (rx->src != NULL && rx->srclen > 0 && rx->srclen <= (socklen_t)sizeof(d->addr)) {
		memcpy(&d->addr, rx->src, rx->srclen);
		d->addrlen = rx->srclen;
	}
	d->expires = rx->now + EXCHANGE_LIFETIME_MS;
}

bool zc_dedup_find(const struct zcoap_engine *eng, const struct zc_rx *rx)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_DEDUP_ENTRIES; i++) {
		const struct zcoap_dedup_entry *d = &eng->dedup[i];

		if (!d->used || d->sock != rx->sock || d->mid != rx->mid || d->expires < rx->now) {
			continue;
		}
		if (d->addrlen == 0 || rx->src == NULL || rx->srclen == 0 ||
		    zc_sockaddr_equal((const struct sockaddr *)&d->addr, d->addrlen, rx->src,
				      rx->srclen)) {
			return true;
		}
	}
	return false;
}
