/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_validate.c -- RFC 7252 §5.4 option acceptance rules for responses.
 */
#include <errno.h>

#include "codec_test_util.h"

struct opt {
	uint16_t number;
	uint16_t len; /* value: len bytes of 0x01 */
};

struct check_case {
	const char *name;
	struct opt opts[4];
	size_t n;
	int expect;       /* zc_response_check_options() */
	uint16_t probe;   /* option asked from zc_option_get_checked() */
	int probe_expect; /* 0 or -ENOENT */
	uint16_t probe_len;
};

static const struct check_case cases[] = {
    {"no options", {{0, 0}}, 0, 0, COAP_OPTION_ETAG, -ENOENT, 0},
    /* Unrecognised: critical rejects (§5.4.1), elective is ignored. */
    {"OSCORE (unsupported)", {{COAP_OPTION_OSCORE, 3}}, 1, -ENOTSUP, 9, 0, 3},
    {"unknown critical 13", {{13, 0}}, 1, -ENOTSUP, 13, 0, 0},
    {"unknown critical 65535", {{65535, 1}}, 1, -ENOTSUP, 65535, 0, 1},
    {"unknown elective 2", {{2, 5}}, 1, 0, 2, 0, 5},
    {"reserved 0", {{0, 1}}, 1, 0, 0, 0, 1},
    {"reserved 128", {{128, 1}}, 1, 0, 128, 0, 1},
    /* Length ranges (§5.4.3): critical out of range rejects... */
    {"Block2 3 bytes", {{COAP_OPTION_BLOCK2, 3}}, 1, 0, 23, 0, 3},
    {"Block2 4 bytes", {{COAP_OPTION_BLOCK2, 4}}, 1, -ENOTSUP, 23, -ENOENT, 0},
    {"Block1 4 bytes", {{COAP_OPTION_BLOCK1, 4}}, 1, -ENOTSUP, 27, -ENOENT, 0},
    {"Uri-Host empty", {{COAP_OPTION_URI_HOST, 0}}, 1, -ENOTSUP, 3, -ENOENT, 0},
    {"If-None-Match 1 byte", {{COAP_OPTION_IF_NONE_MATCH, 1}}, 1, -ENOTSUP, 5, -ENOENT, 0},
    {"Uri-Port 3 bytes", {{COAP_OPTION_URI_PORT, 3}}, 1, -ENOTSUP, 7, -ENOENT, 0},
    {"Accept 3 bytes", {{COAP_OPTION_ACCEPT, 3}}, 1, -ENOTSUP, 17, -ENOENT, 0},
    {"If-Match 9 bytes", {{COAP_OPTION_IF_MATCH, 9}}, 1, -ENOTSUP, 1, -ENOENT, 0},
    {"Uri-Path 256 bytes", {{COAP_OPTION_URI_PATH, 256}}, 1, -ENOTSUP, 11, -ENOENT, 0},
    {"Proxy-Uri 1034", {{COAP_OPTION_PROXY_URI, 1034}}, 1, 0, 35, 0, 1034},
    {"Proxy-Uri 1035", {{COAP_OPTION_PROXY_URI, 1035}}, 1, -ENOTSUP, 35, -ENOENT, 0},
    {"Proxy-Scheme empty", {{COAP_OPTION_PROXY_SCHEME, 0}}, 1, -ENOTSUP, 39, -ENOENT, 0},
    /* ...elective out of range is only ignored. */
    {"Content-Format 3 bytes", {{COAP_OPTION_CONTENT_FORMAT, 3}}, 1, 0, 12, -ENOENT, 0},
    {"Max-Age 5 bytes", {{COAP_OPTION_MAX_AGE, 5}}, 1, 0, 14, -ENOENT, 0},
    {"Observe 4 bytes", {{COAP_OPTION_OBSERVE, 4}}, 1, 0, 6, -ENOENT, 0},
    {"ETag empty", {{COAP_OPTION_ETAG, 0}}, 1, 0, 4, -ENOENT, 0},
    {"ETag 9 bytes", {{COAP_OPTION_ETAG, 9}}, 1, 0, 4, -ENOENT, 0},
    {"Echo 40", {{COAP_OPTION_ECHO, 40}}, 1, 0, 252, 0, 40},
    {"Echo 41", {{COAP_OPTION_ECHO, 41}}, 1, 0, 252, -ENOENT, 0},
    {"Echo empty", {{COAP_OPTION_ECHO, 0}}, 1, 0, 252, -ENOENT, 0},
    {"Hop-Limit 2 bytes", {{COAP_OPTION_HOP_LIMIT, 2}}, 1, 0, 16, -ENOENT, 0},
    {"Size1 5 bytes", {{COAP_OPTION_SIZE1, 5}}, 1, 0, 60, -ENOENT, 0},
    {"Size2 5 bytes", {{COAP_OPTION_SIZE2, 5}}, 1, 0, 28, -ENOENT, 0},
    {"No-Response 2 bytes", {{COAP_OPTION_NO_RESPONSE, 2}}, 1, 0, 258, -ENOENT, 0},
    {"Request-Tag 9 bytes", {{COAP_OPTION_REQUEST_TAG, 9}}, 1, 0, 292, -ENOENT, 0},
    /* Repetition (§5.4.4): a repeated critical non-repeatable option rejects. */
    {"Block2 twice", {{23, 1}, {23, 1}}, 2, -ENOTSUP, 23, 0, 1},
    {"Uri-Host twice", {{3, 1}, {3, 1}}, 2, -ENOTSUP, 3, 0, 1},
    {"Uri-Path repeated", {{11, 1}, {11, 2}, {11, 3}}, 3, 0, 11, 0, 1},
    {"Uri-Query repeated", {{15, 1}, {15, 0}}, 2, 0, 15, 0, 1},
    {"If-Match repeated", {{1, 1}, {1, 0}}, 2, 0, 1, 0, 1},
    /* Elective repeats: only the first one counts. */
    {"ETag twice (response)", {{4, 2}, {4, 8}}, 2, 0, 4, 0, 2},
    {"Max-Age twice", {{14, 1}, {14, 4}}, 2, 0, 14, 0, 1},
    {"Location-Path repeated", {{8, 3}, {8, 0}}, 2, 0, 8, 0, 3},
    {"Request-Tag repeated", {{292, 1}, {292, 2}}, 2, 0, 292, 0, 1},
    /* An out-of-range first occurrence makes the option absent (no fallback). */
    {"ETag bad then good", {{4, 9}, {4, 2}}, 2, 0, 4, -ENOENT, 0},
    /* A typical notification: everything fine. */
    {"notification", {{6, 3}, {12, 1}, {14, 2}, {23, 1}}, 4, 0, 6, 0, 3},
};

static void check_index_agrees(const char *name, const struct coap_packet *parsed, int expect);
static int check_parse_response_agrees(const char *name, const uint8_t *bytes, uint16_t len);

static void test_check_options_table(void **state)
{
	static uint8_t value[1100];
	size_t i;

	(void)state;
	memset(value, 0x01, sizeof(value));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct check_case *c = &cases[i];
		struct coap_packet pkt;
		struct coap_packet parsed;
		uint8_t buf[2400];
		const uint8_t *v = NULL;
		uint16_t len = 0xFFFF;
		size_t k;
		int r;

		assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_ACK, 0, NULL,
						  COAP_RESPONSE_CODE_CONTENT, 1),
				 0);
		for (k = 0; k < c->n; k++) {
			assert_int_equal(coap_packet_append_option(&pkt, c->opts[k].number, value,
								   c->opts[k].len),
					 0);
		}
		assert_int_equal(coap_packet_parse(&parsed, buf, pkt.offset, NULL, 0), 0);
		r = zc_response_check_options(&parsed);
		if (r != c->expect) {
			print_message("case '%s': check %d, want %d\n", c->name, r, c->expect);
			fail();
		}
		r = zc_option_get_checked(&parsed, c->probe, &v, &len);
		if (r != c->probe_expect || (r == 0 && len != c->probe_len) ||
		    (r == -ENOENT && (len != 0 || v != NULL))) {
			print_message("case '%s': get_checked(%u) %d len %u, want %d len %u\n",
				      c->name, c->probe, r, len, c->probe_expect, c->probe_len);
			fail();
		}
		check_index_agrees(c->name, &parsed, c->expect);
		(void)check_parse_response_agrees(c->name, buf, pkt.offset);
	}
}

/*
 * zc_response_index_options() gives the check's verdict, and its index
 * answers every lookup exactly as zc_option_get_checked() does (value
 * pointer and length included), for the numbers present and absent ones.
 */
static void check_index_agrees(const char *name, const struct coap_packet *parsed, int expect)
{
	static const uint16_t probes[] = {0,  1,  2,  3,  4,   5,   6,   7,   8,   9,
					  11, 12, 13, 14, 15,  16,  17,  20,  23,  27,
					  28, 35, 39, 60, 128, 252, 258, 292, 293, 65535};
	struct zc_opt_index idx;
	int r = zc_response_index_options(parsed, &idx);

	if (r != expect) {
		print_message("case '%s': index %d, want %d\n", name, r, expect);
		fail();
	}
	if (r < 0) {
		assert_false(idx.complete);
		return;
	}
	assert_true(idx.complete);
	for (size_t k = 0; k < ARRAY_SIZE(probes); k++) {
		const uint8_t *v1 = (const uint8_t *)1;
		const uint8_t *v2 = (const uint8_t *)2;
		uint16_t l1 = 0xFFFF;
		uint16_t l2 = 0xFFFE;
		int r1 = zc_option_get_checked(parsed, probes[k], &v1, &l1);
		int r2 = zc_opt_index_get(&idx, probes[k], &v2, &l2);

		if (r1 != r2 || v1 != v2 || l1 != l2) {
			print_message("case '%s': option %u: index %d/%p/%u, walk %d/%p/%u\n", name,
				      probes[k], r2, (const void *)v2, l2, r1, (const void *)v1,
				      l1);
			fail();
		}
	}
}

/*
 * zc_packet_parse_response() (parse, check and index in one walk) against
 * coap_packet_parse() then zc_response_index_options(): the same result,
 * the same packet view, the same check verdict, the same index.
 */
/* @return 1 when both accepted the datagram and its options, with at least one option. */
static int check_parse_response_agrees(const char *name, const uint8_t *bytes, uint16_t len)
{
	uint8_t a_buf[2400];
	uint8_t b_buf[2400];
	struct coap_packet a;
	struct coap_packet b;
	struct zc_opt_index ia;
	struct zc_opt_index ib;
	int check_a = 1234;
	int check_b;
	int ra;
	int rb;

	assert_true(len <= sizeof(a_buf));
	memcpy(a_buf, bytes, len);
	memcpy(b_buf, bytes, len);
	ra = zc_packet_parse_response(&a, a_buf, len, &ia, &check_a);
	rb = coap_packet_parse(&b, b_buf, len, NULL, 0);
	if (ra != rb) {
		print_message("case '%s': parse_response %d, parse %d\n", name, ra, rb);
		fail();
	}
	if (ra < 0) {
		assert_false(ia.complete);
		return 0;
	}
	assert_int_equal(a.offset, b.offset);
	assert_int_equal(a.max_len, b.max_len);
	assert_int_equal(a.hdr_len, b.hdr_len);
	assert_int_equal(a.opt_len, b.opt_len);
	assert_int_equal(a.delta, b.delta);
	check_b = zc_response_index_options(&b, &ib);
	if (check_a != check_b) {
		print_message("case '%s': check %d in the parse, %d after it\n", name, check_a,
			      check_b);
		fail();
	}
	assert_int_equal(ia.complete, ib.complete);
	if (check_a == 0) {
		assert_int_equal(ia.n, ib.n);
		for (unsigned int k = 0; k < ia.n; k++) {
			assert_int_equal(ia.e[k].number, ib.e[k].number);
			assert_int_equal(ia.e[k].len, ib.e[k].len);
			/* the same offset in the two copies of the datagram */
			assert_true((ia.e[k].value == NULL && ib.e[k].value == NULL) ||
				    ia.e[k].value - a_buf == ib.e[k].value - b_buf);
		}
	}
	return check_a == 0 && ia.n > 0;
}

/* Random datagrams (mostly malformed ones): both ways agree on every one. */
static void test_parse_response_random(void **state)
{
	uint32_t x = 0x9E3779B9U;
	uint8_t d[64];
	int indexed = 0;

	(void)state;
	for (int round = 0; round < 200000; round++) {
		uint16_t len = (uint16_t)(4 + round % 60);

		for (uint16_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			d[i] = (uint8_t)(x >> 24);
		}
		/* Version 1 and a response code mostly, so the walk is reached. */
		d[0] = (uint8_t)(0x40U | (d[0] & 0x3FU));
		if (round % 4 != 0) {
			d[0] = (uint8_t)(d[0] & 0xF0U); /* TKL 0: options right after the header */
			d[1] = 0x45;
		}
		indexed += check_parse_response_agrees("random", d, len);
	}
	/* Enough of them got as far as comparing indexes for the test to mean something. */
	print_message("%d of 200000 random datagrams accepted with options\n", indexed);
	assert_true(indexed > 1000);
}

/* More distinct numbers than the index holds: incomplete, so callers walk. */
static void test_index_overflow(void **state)
{
	static const uint8_t one = 1;
	struct coap_packet pkt;
	struct coap_packet parsed;
	struct zc_opt_index idx;
	uint8_t buf[256];
	const uint8_t *v;
	uint16_t len;

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_ACK, 0, NULL,
					  COAP_RESPONSE_CODE_CONTENT, 1),
			 0);
	for (uint16_t n = 2; n < 2 + 2 * (ZC_OPT_INDEX_MAX + 1); n += 2) {
		assert_int_equal(coap_packet_append_option(&pkt, n, &one, 1), 0);
	}
	assert_int_equal(coap_packet_parse(&parsed, buf, pkt.offset, NULL, 0), 0);
	assert_int_equal(zc_response_index_options(&parsed, &idx), 0);
	assert_false(idx.complete);
	assert_int_equal(idx.n, ZC_OPT_INDEX_MAX);
	/* Exactly ZC_OPT_INDEX_MAX distinct numbers (repeats do not count) still fit. */
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_ACK, 0, NULL,
					  COAP_RESPONSE_CODE_CONTENT, 1),
			 0);
	for (uint16_t n = 2; n < 2 + 2 * ZC_OPT_INDEX_MAX; n += 2) {
		assert_int_equal(coap_packet_append_option(&pkt, n, &one, 1), 0);
		assert_int_equal(coap_packet_append_option(&pkt, n, &one, 1), 0);
	}
	assert_int_equal(coap_packet_parse(&parsed, buf, pkt.offset, NULL, 0), 0);
	assert_int_equal(zc_response_index_options(&parsed, &idx), 0);
	assert_true(idx.complete);
	assert_int_equal(zc_opt_index_get(&idx, 2 * ZC_OPT_INDEX_MAX, &v, &len), 0);
	assert_int_equal(len, 1);
	/* The first of the two occurrences: before the second one's header and value. */
	assert_ptr_equal(v, parsed.data + parsed.offset - 3);
	assert_int_equal(zc_opt_index_get(&idx, 3, &v, &len), -ENOENT);
	assert_null(v);
	assert_int_equal(len, 0);
}

static void test_check_options_malformed(void **state)
{
	uint8_t raw[] = {0x60, 0x45, 0x00, 0x01, 0xB1, 'a', 0xD0};
	struct coap_packet pkt = {
	    .data = raw,
	    .offset = sizeof(raw),
	    .max_len = sizeof(raw),
	    .hdr_len = 4,
	    .opt_len = 3,
	    .delta = 11,
	};
	const uint8_t *v;
	uint16_t len;
	struct zc_opt_index idx;

	(void)state;
	assert_int_equal(zc_response_check_options(&pkt), -EILSEQ);
	assert_int_equal(zc_response_index_options(&pkt, &idx), -EILSEQ);
	assert_false(idx.complete);
	assert_int_equal(zc_option_get_checked(&pkt, 20, &v, &len), -ENOENT);
	assert_int_equal(zc_response_check_options(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_options_table),
	    cmocka_unit_test(test_check_options_malformed),
	    cmocka_unit_test(test_index_overflow),
	    cmocka_unit_test(test_parse_response_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
