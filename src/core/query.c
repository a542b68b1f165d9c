/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * query.c -- read-only questions about the engine: which requests match a
 * pattern, whether it is busy and on which sockets, whether an event may
 * still run, and what describes the response behind an event.
 */

#include <string.h>

#include "core/exchange.h"

bool zc_engine_slot_matches(const struct zcoap_slot *s, const struct coap_client_request *pattern)
{
	if (pattern->method != 0 && s->method != 0 && (uint8_t)pattern->method != s->method) {
		return false;
	}
	if (pattern->path != NULL && strcmp(pattern->path, s->path) != 0) {
		return false;
	}
	if (pattern->cb != NULL && s->cb != NULL && pattern->cb != s->cb) {
		return false;
	}
	if (pattern->user_data != NULL && s->user_data != NULL &&
	    pattern->user_data != s->user_data) {
		return false;
	}
	return true;
}

uint32_t zc_engine_last_serial(const struct zcoap_engine *eng)
{
	/* submit() hands out next_serial++ and skips 0. */
	return eng->next_serial == 1 ? UINT32_MAX : eng->next_serial - 1U;
}

bool zc_engine_busy(const struct zcoap_engine *eng)
{
	return eng->n_active > 0;
}

bool zc_engine_socket_active(const struct zcoap_engine *eng, int sock)
{
	unsigned int left = eng->n_active;

	/* Stops after the last active slot (the loop asks per ready socket and per datagram). */
	for (unsigned int w = 0; left > 0 && w < ZC_NWORDS; w++) {
		for (uint32_t bits = eng->active[w]; bits != 0; bits &= bits - 1U) {
			if (eng->slots[w * 32U + zc_lowest_bit(bits)].sock == sock) {
				return true;
			}
			left--;
		}
	}
	return false;
}

int zc_engine_sockets(const struct zcoap_engine *eng, int *socks, int max)
{
	int n = 0;

	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		const struct zcoap_slot *s = &eng->slots[i];
		bool seen = false;

		for (int j = 0; j < n; j++) {
			if (socks[j] == s->sock) {
				seen = true;
				break;
			}
		}
		if (!seen && n < max) {
			socks[n++] = s->sock;
		}
	}
	return n;
}

bool zc_engine_event_live(const struct zcoap_engine *eng, const struct zcoap_event *ev)
{
	return ev->final || eng->slots[ev->slot].serial == ev->serial;
}

void zc_engine_response_info(const struct zcoap_engine *eng, struct zcoap_response_info *info)
{
	memset(info, 0, sizeof(*info));
	info->packet = &eng->rx;
	info->source = eng->rx_srclen > 0 ? eng->rx_src : NULL;
	info->source_len = eng->rx_srclen;
	info->retransmissions = eng->rx_retransmissions;
	info->block_count = eng->rx_block_count;
	info->size2 = eng->rx_size2;
	info->observe = eng->rx_observe;
	info->has_observe = eng->rx_has_observe;
}

int zc_engine_take_lingers(struct zcoap_engine *eng, int *socks, int max)
{
	int n = 0;

	for (unsigned int i = 0; i < eng->n_linger; i++) {
		/* A socket that has requests again is read anyway: no linger needed. */
		if (n < max && !zc_engine_socket_active(eng, eng->linger_socks[i])) {
			socks[n++] = eng->linger_socks[i];
		}
	}
	eng->n_linger = 0;
	return n;
}
