/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * timers.c -- the engine's clock entry points: fire due timers
 * (retransmissions, response windows, observe liveness) and report the next
 * deadline.
 */

#include "core/exchange.h"

void zc_engine_tick(struct zcoap_engine *eng, int64_t now)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (s->end <= now) {
			zc_exchange_on_end(eng, s);
		} else if (s->deadline <= now) {
			zc_exchange_on_timer(eng, s, now);
		}
	}
}

int64_t zc_engine_next_deadline(const struct zcoap_engine *eng)
{
	int64_t d = ZC_NO_DEADLINE;

	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		if (eng->slots[i].deadline < d) {
			d = eng->slots[i].deadline;
		}
		if (eng->slots[i].end < d) {
			d = eng->slots[i].end;
		}
	}
	return d;
}
