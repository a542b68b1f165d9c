/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_path.c -- coap_packet_set_path(): Zephyr's Uri-Path/Uri-Query split.
 */
#include <errno.h>
#include <stdlib.h>

#include "codec_test_util.h"

#define P COAP_OPTION_URI_PATH
#define Q COAP_OPTION_URI_QUERY

struct path_case {
	const char *path;
	struct {
		uint16_t number;
		const char *value;
	} expect[6];
	size_t n;
};

static const struct path_case cases[] = {
    {"test", {{P, "test"}}, 1},
    {"/test", {{P, "test"}}, 1},
    {"a/b", {{P, "a"}, {P, "b"}}, 2}, /* one-character last segment (Zephyr PR #61827) */
    {"/a//b/", {{P, "a"}, {P, "b"}}, 2},
    {"a/abc?a&b", {{P, "a"}, {P, "abc"}, {Q, "a"}, {Q, "b"}}, 4},
    {"", {{0, NULL}}, 0},
    {"/", {{0, NULL}}, 0},
    {"///", {{0, NULL}}, 0},
    {"?", {{0, NULL}}, 0},
    {"?x=1", {{Q, "x=1"}}, 1},
    {"x?", {{P, "x"}}, 1},
    {"a?b?c&&d&", {{P, "a"}, {Q, "b"}, {Q, "c"}, {Q, "d"}}, 4},
    {"a/b?c/d", {{P, "a"}, {P, "b"}, {Q, "c/d"}}, 3}, /* '/' is data in a query */
    {"%2F/x%20y", {{P, "%2F"}, {P, "x%20y"}}, 2},     /* no percent-decoding */
    {".well-known/core?rt=temp", {{P, ".well-known"}, {P, "core"}, {Q, "rt=temp"}}, 3},
};

static void test_path_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct path_case *c = &cases[i];
		struct zcoap_option_iter it;
		struct coap_packet pkt;
		struct coap_packet parsed;
		uint8_t buf[128];
		const uint8_t *v;
		uint16_t num;
		uint16_t len;
		size_t k = 0;
		int r;

		assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 1), 0);
		assert_int_equal(coap_packet_set_path(&pkt, c->path), 0);
		assert_int_equal(coap_packet_parse(&parsed, buf, pkt.offset, NULL, 0), 0);
		zcoap_option_iter_init(&it, &parsed);
		while ((r = zcoap_option_iter_next(&it, &num, &v, &len)) == 1) {
			if (k >= c->n || num != c->expect[k].number ||
			    len != strlen(c->expect[k].value) ||
			    memcmp(v, c->expect[k].value, len) != 0) {
				print_message("path '%s': option %zu (%u, %.*s) unexpected\n",
					      c->path, k, num, (int)len, (const char *)v);
				fail();
			}
			k++;
		}
		assert_int_equal(r, 0);
		if (k != c->n) {
			print_message("path '%s': %zu options, want %zu\n", c->path, k, c->n);
			fail();
		}
	}
}

static void test_path_bytes(void **state)
{
	static const uint8_t golden[] = {
	    0x40, 0x01, 0x00, 0x01, /* CON GET MID 1 */
	    0xB1, 'a',              /* delta 11 (Uri-Path) len 1 */
	    0x03, 'a',  'b',  'c',  /* delta 0 len 3 */
	    0x41, 'a',              /* delta 4 (15, Uri-Query) len 1 */
	    0x01, 'b',              /* delta 0 len 1 */
	    0x10,                   /* delta 1 (16) len 0: appended before the path */
	};
	struct coap_packet pkt;
	uint8_t buf[32];

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 1), 0);
	/* An option with a higher number first: the path is inserted before it. */
	assert_int_equal(coap_packet_append_option(&pkt, 16, NULL, 0), 0);
	assert_int_equal(coap_packet_set_path(&pkt, "a/abc?a&b"), 0);
	check_packet(&pkt, golden);
}

static void test_path_errors(void **state)
{
	struct coap_packet pkt;
	uint8_t buf[12];
	char *huge;

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 1), 0);
	assert_int_equal(coap_packet_set_path(NULL, "a"), -EINVAL);
	assert_int_equal(coap_packet_set_path(&pkt, NULL), -EINVAL);
	/* 4 header + 1 option header + 6 bytes = 11 of 12: fits; one more option does not. */
	assert_int_equal(coap_packet_set_path(&pkt, "abcdef"), 0);
	assert_int_equal(pkt.offset, 11);
	assert_int_equal(coap_packet_set_path(&pkt, "x"), -ENOSPC);

	/* A segment longer than any option value can be. */
	huge = malloc(70001);
	assert_non_null(huge);
	memset(huge, 'z', 70000);
	huge[70000] = '\0';
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 1), 0);
	assert_int_equal(coap_packet_set_path(&pkt, huge), -EINVAL);
	free(huge);
}

static void test_path_long_segment(void **state)
{
	char seg[301];
	struct coap_packet pkt;
	uint8_t buf[400];

	(void)state;
	memset(seg, 's', 300);
	seg[300] = '\0';
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 1), 0);
	assert_int_equal(coap_packet_set_path(&pkt, seg), 0);
	/* delta 11, length 300 = 269 + 31: BE 00 1F */
	assert_int_equal(buf[4], 0xBE);
	assert_int_equal(buf[5], 0x00);
	assert_int_equal(buf[6], 0x1F);
	assert_int_equal(pkt.offset, 4 + 3 + 300);
}

/*
 * zc_encode_path() (the request builder's plain-request path) agrees with
 * coap_packet_set_path() on an empty packet, byte for byte and in its
 * errors: the table, then random paths of separators and segments whose
 * lengths straddle the extended-length boundaries (12/13, 268/269), each
 * into every room from none to two bytes more than it needs. So does
 * zc_encode_path_copy(), which also copies the path.
 */
static void check_encode_agrees(const char *path, size_t cap)
{
	static uint8_t buf[4 + 2048];
	uint8_t out[2048];
	static uint8_t out3[2048];
	static char copy[1100];
	struct coap_packet pkt;
	int r1;
	int r2;
	int r3;

	assert_true(cap <= sizeof(out));
	assert_int_equal(coap_packet_init(&pkt, buf, (uint16_t)(4 + cap), 1, 0, 0, NULL, 1, 1), 0);
	r1 = coap_packet_set_path(&pkt, path);
	r2 = zc_encode_path(out, cap, path);
	/* zc_encode_path_copy() (submit's fast path): the same, and a copy of the path */
	memset(copy, 0x55, sizeof(copy));
	r3 = zc_encode_path_copy(out3, cap, path, copy, sizeof(copy));
	if (r1 < 0) {
		assert_int_equal(r2, r1);
		assert_int_equal(r3, r1);
		return;
	}
	assert_int_equal(r2, pkt.offset - 4);
	assert_memory_equal(out, buf + 4, (size_t)r2);
	assert_int_equal(r3, r2);
	assert_memory_equal(out3, out, (size_t)r2);
	assert_string_equal(copy, path);
	/* a copy buffer one byte too short for the path and its NUL: -EINVAL */
	assert_int_equal(zc_encode_path_copy(out3, cap, path, copy, strlen(path)), -EINVAL);
}

static void test_encode_path_agrees(void **state)
{
	static const size_t seglens[] = {1, 2, 12, 13, 14, 268, 269, 270};
	char path[1100];
	uint32_t seed = 12345;
	unsigned int checked = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_encode_agrees(cases[i].path, 64);
	}
	for (int k = 0; k < 3000; k++) {
		size_t n = 0;
		int parts;
		int need;

		seed = seed * 1103515245U + 12345U;
		parts = (int)((seed >> 16) % 7U);
		for (int j = 0; j < parts; j++) {
			size_t len;

			seed = seed * 1103515245U + 12345U;
			len = seglens[(seed >> 16) % 8U];
			if (((seed >> 24) & 3U) != 0 && len > 14) {
				len = 1 + ((seed >> 8) & 3U); /* mostly short segments */
			}
			for (size_t c = 0; c < len && n < sizeof(path) - 3; c++) {
				path[n++] = (char)('a' + (c % 26));
			}
			path[n++] = "/?&/"[(seed >> 12) & 3U];
			if (((seed >> 20) & 7U) == 0) {
				path[n++] = '/'; /* a doubled separator */
			}
		}
		path[n] = '\0';
		need = zc_encode_path((uint8_t[2048]){0}, 2048, path);
		assert_true(need >= 0);
		for (int cap = 0; cap <= need + 2; cap += (need > 40 ? 7 : 1)) {
			check_encode_agrees(path, (size_t)cap);
			checked++;
		}
		check_encode_agrees(path, (size_t)need);
	}
	assert_true(checked > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_table),         cmocka_unit_test(test_path_bytes),
	    cmocka_unit_test(test_path_errors),        cmocka_unit_test(test_path_long_segment),
	    cmocka_unit_test(test_encode_path_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
