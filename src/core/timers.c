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

int zc_engine_round(const struct zcoap_engine *eng, int *socks, int max, int64_t *deadline)
{
	int64_t d = ZC_NO_DEADLINE;
	unsigned int left = eng->n_active;
	int n = 0;

	/* A sequential loop's round: one request. */
	if (left == 1 && max > 0) {
		unsigned int w = 0;
		const struct zcoap_slot *s;

		while (eng->active[w] == 0) {
			w++;
		}
		s = &eng->slots[w * 32U + zc_lowest_bit(eng->active[w])];
		socks[0] = s->sock;
		*deadline = s->deadline < s->end ? s->deadline : s->end;
		return 1;
	}
	/*
	 * One pass over the active slots for both answers, in ascending slot
	 * order like ZC_FOR_EACH_ACTIVE; it stops at the last active slot
	 * (n_active of them), so one request in flight costs one bitmap word.
	 */
	for (unsigned int w = 0; left > 0 && w < ZC_NWORDS; w++) {
		for (uint32_t bits = eng->active[w]; bits != 0; bits &= bits - 1U) {
			const struct zcoap_slot *s = &eng->slots[w * 32U + zc_lowest_bit(bits)];
			int j = 0;

			d = s->deadline < d ? s->deadline : d;
			d = s->end < d ? s->end : d;
			while (j < n && socks[j] != s->sock) {
				j++;
			}
			if (j == n && n < max) {
				socks[n++] = s->sock;
			}
			left--;
		}
	}
	*deadline = d;
	return n;
}
