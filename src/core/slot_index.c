/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * slot_index.c -- which slots are active, and which slot holds a token.
 */

#include <string.h>

#include "core/exchange.h"

/*
 * With ZCOAP_CONFIG_MAX_REQUESTS = 255 a scan of every slot per datagram
 * and per new token cost more than the rest of the request (issue 8,
 * docs/performance.md). The engine therefore keeps a bitmap of the active
 * slots (eng->active) and, with more than 16 slots (ZCOAP_TOKEN_INDEX), a
 * hash of their tokens (eng->tok_tab). Scans walk the bitmap in ascending
 * slot order, exactly like the plain loops they replace, so events keep
 * their order; token lookups find the one slot that can hold a token
 * (tokens and registration tokens of active requests are unique, see
 * zc_send_new()) and then apply the same checks as before.
 */

#if ZCOAP_TOKEN_INDEX
static unsigned int slot_index(const struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	return (unsigned int)(s - eng->slots);
}

#define TOK_MASK   (ZCOAP_TOKEN_TAB_SIZE - 1U)
#define KIND_TOKEN 0U
#define KIND_REG   1U

static uint64_t token_key(const uint8_t *tok)
{
	uint64_t k;

	memcpy(&k, tok, sizeof(k));
	return k;
}

static unsigned int tok_hash(uint64_t key)
{
	/* Tokens are random; the multiply only spreads a non-random test RNG. */
	return (unsigned int)((key * 0x9E3779B97F4A7C15ULL) >> 40) & TOK_MASK;
}

static uint64_t entry_key(const struct zcoap_engine *eng, uint16_t v)
{
	return eng->tok_key[(v - 1U) >> 1][(v - 1U) & 1U];
}

/* The slot whose token or registration token is @p key, or NULL. */
static struct zcoap_slot *tok_find(struct zcoap_engine *eng, uint64_t key)
{
	for (unsigned int h = tok_hash(key);; h = (h + 1U) & TOK_MASK) {
		uint16_t v = eng->tok_tab[h];

		if (v == 0) {
			return NULL;
		}
		if (entry_key(eng, v) == key) {
			return &eng->slots[(v - 1U) >> 1];
		}
	}
}

static void tok_insert(struct zcoap_engine *eng, unsigned int slot, unsigned int kind, uint64_t key)
{
	unsigned int h = tok_hash(key);

	eng->tok_key[slot][kind] = key;
	while (eng->tok_tab[h] != 0) {
		h = (h + 1U) & TOK_MASK;
	}
	eng->tok_tab[h] = (uint16_t)(((slot << 1) | kind) + 1U);
	eng->tok_set[slot] = (uint8_t)(eng->tok_set[slot] | (1U << kind));
}

static void tok_remove(struct zcoap_engine *eng, unsigned int slot, unsigned int kind)
{
	uint16_t v = (uint16_t)(((slot << 1) | kind) + 1U);
	unsigned int i;
	unsigned int j;

	if ((eng->tok_set[slot] & (1U << kind)) == 0) {
		return;
	}
	eng->tok_set[slot] = (uint8_t)(eng->tok_set[slot] & ~(1U << kind));
	i = tok_hash(eng->tok_key[slot][kind]);
	while (eng->tok_tab[i] != v) {
		i = (i + 1U) & TOK_MASK;
	}
	/* Backward-shift deletion keeps every probe chain unbroken (no tombstones). */
	for (j = (i + 1U) & TOK_MASK; eng->tok_tab[j] != 0; j = (j + 1U) & TOK_MASK) {
		unsigned int home = tok_hash(entry_key(eng, eng->tok_tab[j]));

		/* The entry at j may fill the hole at i unless its home lies in (i, j]. */
		if (((j - home) & TOK_MASK) >= ((j - i) & TOK_MASK)) {
			eng->tok_tab[i] = eng->tok_tab[j];
			i = j;
		}
	}
	eng->tok_tab[i] = 0;
}

/* Index the slot's tokens again after they changed (zc_eng_send_new()). */
void zc_tok_reindex(struct zcoap_engine *eng, const struct zcoap_slot *s)
{
	unsigned int i = slot_index(eng, s);

	tok_remove(eng, i, KIND_TOKEN);
	tok_remove(eng, i, KIND_REG);
	if (s->tkl == 8) {
		tok_insert(eng, i, KIND_TOKEN, token_key(s->token));
	}
	if (s->obs.reg_tkl == 8) {
		tok_insert(eng, i, KIND_REG, token_key(s->obs.reg_token));
	}
}

void zc_tok_unindex(struct zcoap_engine *eng, unsigned int slot)
{
	tok_remove(eng, slot, KIND_TOKEN);
	tok_remove(eng, slot, KIND_REG);
}

struct zcoap_slot *zc_token_owner(struct zcoap_engine *eng, const uint8_t *tok)
{
	return tok_find(eng, token_key(tok));
}
#endif

struct zcoap_slot *zc_free_slot(struct zcoap_engine *eng)
{
	/* The lowest free index, as a scan would find it. */
	for (unsigned int w = 0; w < ZC_NWORDS; w++) {
		if (eng->active[w] != UINT32_MAX) {
			unsigned int i = w * 32U + zc_lowest_bit(~eng->active[w]);

			return i < ZCOAP_CONFIG_MAX_REQUESTS ? &eng->slots[i] : NULL;
		}
	}
	return NULL;
}
