/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_roundtrip.c -- property test: random messages built, parsed and compared.
 *
 * A seeded PRNG builds messages with random header fields, options appended
 * in random order (numbers and lengths chosen to cross the 13/269 encoding
 * boundaries) and payloads, then removes a few options. Every message must
 * parse back to exactly the fields it was built from. The seed is printed;
 * set ZCOAP_TEST_SEED to replay a run.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <stdlib.h>

#include "codec_test_util.h"

#define ITERATIONS  20000
#define MAX_OPTIONS 24
#define BUF_SIZE    8192 /* > 4 + 8 + MAX_OPTIONS * (5 + 270) + 1 + 200: every random message fits */

static uint64_t rng_state;

/* xorshift64*: fast, good enough to pick test inputs, and reproducible. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

struct ref_option {
	uint16_t number;
	uint16_t len;
	uint8_t value[300];
	unsigned int seq; /* append order, to keep equal numbers stable */
};

static uint16_t random_number(void)
{
	switch (rnd_below(6)) {
	case 0:
		return (uint16_t)rnd_below(13); /* nibble deltas */
	case 1:
		return (uint16_t)(11 + rnd_below(5)); /* repeats around Uri-Path/Query */
	case 2:
		return (uint16_t)(12 + rnd_below(3)); /* the 12/13 boundary */
	case 3:
		return (uint16_t)(260 + rnd_below(20)); /* the 268/269 boundary */
	case 4:
		return (uint16_t)(65535 - rnd_below(3)); /* the top */
	default:
		return (uint16_t)rnd_below(65536);
	}
}

static uint16_t random_length(void)
{
	switch (rnd_below(5)) {
	case 0:
		return 0;
	case 1:
		return (uint16_t)rnd_below(13);
	case 2:
		return (uint16_t)(12 + rnd_below(3));
	case 3:
		return (uint16_t)(266 + rnd_below(5)); /* 266..270 */
	default:
		return (uint16_t)rnd_below(40);
	}
}

/* Wire order: ascending number, equal numbers in append order. */
static int cmp_ref(const void *a, const void *b)
{
	const struct ref_option *x = a;
	const struct ref_option *y = b;

	if (x->number != y->number) {
		return x->number < y->number ? -1 : 1;
	}
	return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

static uint64_t seed_used;

static void fail_iteration(unsigned int iter, const char *what)
{
	print_message("round trip failed at iteration %u: %s (seed %" PRIu64
		      ", replay with ZCOAP_TEST_SEED=%" PRIu64 ")\n",
		      iter, what, seed_used, seed_used);
	fail();
}

static void one_message(unsigned int iter, struct ref_option *ref, uint8_t *buf)
{
	struct coap_packet pkt;
	struct coap_packet parsed;
	struct coap_option copies[4];
	struct zcoap_option_iter it;
	uint8_t token[8];
	uint8_t got_token[8];
	uint8_t payload[200];
	uint8_t type = (uint8_t)rnd_below(4);
	uint8_t code = (uint8_t)rnd_below(256);
	uint16_t id = (uint16_t)rnd();
	uint8_t tkl = (uint8_t)rnd_below(9);
	size_t nopt = rnd_below(MAX_OPTIONS + 1);
	uint16_t payload_len = (uint16_t)(rnd_below(3) == 0 ? 0 : 1 + rnd_below(sizeof(payload)));
	const uint8_t *p;
	uint16_t plen;
	uint16_t num;
	uint16_t vlen;
	const uint8_t *v;
	size_t i;
	size_t k;
	int r;

	for (i = 0; i < tkl; i++) {
		token[i] = (uint8_t)rnd();
	}
	for (i = 0; i < payload_len; i++) {
		payload[i] = (uint8_t)rnd();
	}
	if (code == COAP_CODE_EMPTY) {
		/* §4.1: an Empty message is nothing but the header. */
		tkl = 0;
		nopt = 0;
		payload_len = 0;
	}

	assert_int_equal(coap_packet_init(&pkt, buf, BUF_SIZE, 1, type, tkl, token, code, id), 0);
	for (i = 0; i < nopt; i++) {
		ref[i].number = random_number();
		ref[i].len = random_length();
		ref[i].seq = (unsigned int)i;
		for (k = 0; k < ref[i].len; k++) {
			ref[i].value[k] = (uint8_t)rnd();
		}
		if (coap_packet_append_option(&pkt, ref[i].number, ref[i].value, ref[i].len) != 0) {
			fail_iteration(iter, "append_option");
		}
	}
	qsort(ref, nopt, sizeof(ref[0]), cmp_ref);

	/* Remove a few options: the first occurrence of a random number. */
	for (r = (int)rnd_below(3); r > 0 && nopt > 0; r--) {
		size_t victim = rnd_below((uint32_t)nopt);
		uint16_t number = ref[victim].number;

		while (victim > 0 && ref[victim - 1].number == number) {
			victim--;
		}
		if (coap_packet_remove_option(&pkt, number) != 0) {
			fail_iteration(iter, "remove_option");
		}
		memmove(&ref[victim], &ref[victim + 1], (nopt - victim - 1) * sizeof(ref[0]));
		nopt--;
	}

	if (payload_len > 0) {
		if (coap_packet_append_payload_marker(&pkt) != 0 ||
		    coap_packet_append_payload(&pkt, payload, payload_len) != 0) {
			fail_iteration(iter, "payload");
		}
	}

	r = coap_packet_parse(&parsed, buf, pkt.offset, copies, 4);
	if (r != 0) {
		print_message("parse returned %d\n", r);
		print_hex("message", buf, pkt.offset);
		fail_iteration(iter, "parse");
	}
	if (coap_header_get_version(&parsed) != 1 || coap_header_get_type(&parsed) != type ||
	    coap_header_get_code(&parsed) != code || coap_header_get_id(&parsed) != id ||
	    coap_header_get_token(&parsed, got_token) != tkl ||
	    memcmp(got_token, token, tkl) != 0) {
		fail_iteration(iter, "header fields");
	}
	if (parsed.hdr_len != pkt.hdr_len || parsed.opt_len != pkt.opt_len ||
	    parsed.delta != pkt.delta || parsed.offset != pkt.offset) {
		fail_iteration(iter, "bookkeeping (hdr_len/opt_len/delta/offset)");
	}

	zcoap_option_iter_init(&it, &parsed);
	for (i = 0; (r = zcoap_option_iter_next(&it, &num, &v, &vlen)) == 1; i++) {
		if (i >= nopt || num != ref[i].number || vlen != ref[i].len ||
		    (vlen > 0 && memcmp(v, ref[i].value, vlen) != 0)) {
			fail_iteration(iter, "option list");
		}
		if (i < 4 && (copies[i].delta != num ||
			      copies[i].len != (vlen < COAP_OPTION_VALUE_MAX_LEN ? vlen : 12) ||
			      memcmp(copies[i].value, ref[i].value, copies[i].len) != 0)) {
			fail_iteration(iter, "parse option copies");
		}
	}
	if (r != 0 || i != nopt) {
		fail_iteration(iter, "option count");
	}

	p = coap_packet_get_payload(&parsed, &plen);
	if (plen != payload_len || (payload_len > 0 && memcmp(p, payload, plen) != 0) ||
	    (payload_len == 0 && p != NULL)) {
		fail_iteration(iter, "payload");
	}

	/* coap_find_options agrees with the reference on a random number. */
	if (nopt > 0) {
		struct coap_option found[MAX_OPTIONS];
		const struct ref_option *pick = &ref[rnd_below((uint32_t)nopt)];
		size_t expect = 0;
		bool too_long = false;

		for (i = 0; i < nopt; i++) {
			if (ref[i].number == pick->number) {
				too_long |= ref[i].len > COAP_OPTION_VALUE_MAX_LEN;
				expect++;
			}
		}
		r = coap_find_options(&parsed, pick->number, found, MAX_OPTIONS);
		if (too_long ? r != -EMSGSIZE : r != (int)expect) {
			fail_iteration(iter, "coap_find_options count");
		}
	}
}

static void test_roundtrip(void **state)
{
	const char *env = getenv("ZCOAP_TEST_SEED");
	struct ref_option *ref = calloc(MAX_OPTIONS, sizeof(*ref));
	uint8_t *buf = malloc(BUF_SIZE);
	unsigned int i;

	(void)state;
	assert_non_null(ref);
	assert_non_null(buf);
	seed_used = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	print_message("round-trip seed %" PRIu64 "\n", seed_used);
	rng_state = seed_used * 0x9E3779B97F4A7C15ULL + 1U; /* never 0 */
	if (rng_state == 0) {
		rng_state = 1;
	}
	for (i = 0; i < ITERATIONS; i++) {
		one_message(i, ref, buf);
	}
	free(buf);
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
