/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_option.c -- option encoding, insertion, removal and lookup tests.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "codec_test_util.h"

/* Every message below starts with this header: CON GET, TKL 0, MID 1. */
#define HDR 0x40, 0x01, 0x00, 0x01

static void init_get(struct coap_packet *pkt, uint8_t *buf, uint16_t len)
{
	assert_int_equal(
	    coap_packet_init(pkt, buf, len, 1, COAP_TYPE_CON, 0, NULL, COAP_METHOD_GET, 1), 0);
}

/* ---- delta and length encodings at the §3.1 boundaries ------------------------- */

struct enc_case {
	uint16_t number;
	uint8_t hdr[3]; /* expected option header */
	uint8_t hdr_len;
};

static const struct enc_case delta_cases[] = {
    {0, {0x00}, 1},                 /* delta 0 */
    {12, {0xC0}, 1},                /* largest nibble delta */
    {13, {0xD0, 0x00}, 2},          /* nibble 13, ext8 0 -> 13 */
    {14, {0xD0, 0x01}, 2},          /* ext8 1 -> 14 */
    {268, {0xD0, 0xFF}, 2},         /* ext8 255 -> 268 */
    {269, {0xE0, 0x00, 0x00}, 3},   /* nibble 14, ext16 0 -> 269 */
    {270, {0xE0, 0x00, 0x01}, 3},   /* ext16 1 -> 270 */
    {65535, {0xE0, 0xFE, 0xF2}, 3}, /* ext16 0xFEF2 -> 65535, the largest number */
};

static void test_delta_boundaries(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(delta_cases); i++) {
		const struct enc_case *c = &delta_cases[i];
		uint8_t expect[8] = {HDR};
		struct coap_packet pkt;
		struct coap_packet parsed;
		struct coap_option opt;
		uint8_t buf[16];

		memcpy(expect + 4, c->hdr, c->hdr_len);
		init_get(&pkt, buf, sizeof(buf));
		assert_int_equal(coap_packet_append_option(&pkt, c->number, NULL, 0), 0);
		check_bytes(buf, pkt.offset, expect, 4U + c->hdr_len);
		assert_int_equal(pkt.opt_len, c->hdr_len);
		assert_int_equal(pkt.delta, c->number);

		assert_int_equal(coap_packet_parse(&parsed, buf, pkt.offset, &opt, 1), 0);
		assert_int_equal(opt.delta, c->number);
		assert_int_equal(opt.len, 0);
		assert_int_equal(parsed.delta, c->number);
	}
}

struct len_case {
	uint16_t len;
	uint8_t hdr[3]; /* header of option 1 (delta 1) with that length */
	uint8_t hdr_len;
};

static const struct len_case length_cases[] = {
    {0, {0x10}, 1},                /* empty value */
    {12, {0x1C}, 1},               /* largest nibble length */
    {13, {0x1D, 0x00}, 2},         /* ext8 0 -> 13 */
    {268, {0x1D, 0xFF}, 2},        /* ext8 255 -> 268 */
    {269, {0x1E, 0x00, 0x00}, 3},  /* ext16 0 -> 269 */
    {1000, {0x1E, 0x02, 0xDB}, 3}, /* 1000 - 269 = 731 = 0x02DB */
    /* Largest value that fits a 65535-byte message: 65535 - 4 - 3. */
    {65528, {0x1E, 0xFE, 0xEB}, 3}, /* 65528 - 269 = 0xFEEB */
};

static void test_length_boundaries(void **state)
{
	uint8_t *buf = malloc(65535);
	uint8_t *value = malloc(65535);
	size_t i;

	(void)state;
	assert_non_null(buf);
	assert_non_null(value);
	for (i = 0; i < 65535; i++) {
		value[i] = (uint8_t)(i * 7U);
	}
	for (i = 0; i < ARRAY_SIZE(length_cases); i++) {
		const struct len_case *c = &length_cases[i];
		uint8_t expect[7] = {HDR};
		struct coap_packet pkt;
		struct coap_packet parsed;
		const uint8_t *v;
		uint16_t vlen;

		memcpy(expect + 4, c->hdr, c->hdr_len);
		init_get(&pkt, buf, 65535);
		assert_int_equal(coap_packet_append_option(&pkt, 1, value, c->len), 0);
		check_bytes(buf, 4U + c->hdr_len, expect, 4U + c->hdr_len);
		assert_memory_equal(buf + 4 + c->hdr_len, value, c->len);
		assert_int_equal(pkt.offset, 4U + c->hdr_len + c->len);

		assert_int_equal(coap_packet_parse(&parsed, buf, pkt.offset, NULL, 0), 0);
		assert_int_equal(zcoap_option_find(&parsed, 1, &v, &vlen), 0);
		assert_int_equal(vlen, c->len);
		assert_ptr_equal(v, c->len ? buf + 4 + c->hdr_len : NULL);
	}
	/* One byte more than fits. */
	{
		struct coap_packet pkt;

		init_get(&pkt, buf, 65535);
		assert_int_equal(coap_packet_append_option(&pkt, 1, value, 65529), -ENOSPC);
		assert_int_equal(pkt.offset, 4);
	}
	free(value);
	free(buf);
}

/* ---- out-of-order appends ------------------------------------------------------ */

static void test_insert_before_simple(void **state)
{
	static const uint8_t golden[] = {
	    HDR,       /* CON GET MID 1 */
	    0xB1, 'a', /* delta 11 (Uri-Path) len 1 */
	    0x10,      /* delta 1 (12, Content-Format) len 0 */
	};
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_append_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT, 0), 0);
	assert_int_equal(
	    coap_packet_append_option(&pkt, COAP_OPTION_URI_PATH, (const uint8_t *)"a", 1), 0);
	check_packet(&pkt, golden);
	assert_int_equal(pkt.opt_len, 3);
	assert_int_equal(pkt.delta, COAP_OPTION_CONTENT_FORMAT);
}

/* The following option's header shrinks from ext8 to a nibble (13 boundary). */
static void test_insert_shrinks_ext8(void **state)
{
	static const uint8_t step1[] = {
	    HDR,              /* CON GET MID 1 */
	    0xD1, 0x0A, 0x02, /* delta 13+10 = 23 (Block2) len 1: NUM 0 M 0 SZX 2 */
	};
	static const uint8_t step2[] = {
	    HDR,        /* CON GET MID 1 */
	    0xB1, 'x',  /* delta 11 (Uri-Path) len 1 */
	    0xC1, 0x02, /* delta 12 (23) len 1: header shrank by a byte */
	};
	static const uint8_t step3[] = {
	    HDR,        /* CON GET MID 1 */
	    0x31, 'h',  /* delta 3 (Uri-Host) len 1 */
	    0x81, 'x',  /* delta 8 (11) */
	    0xC1, 0x02, /* delta 12 (23) */
	};
	static const uint8_t b2[] = {0x02};
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(&pkt, COAP_OPTION_BLOCK2, b2, 1), 0);
	check_packet(&pkt, step1);
	assert_int_equal(
	    coap_packet_append_option(&pkt, COAP_OPTION_URI_PATH, (const uint8_t *)"x", 1), 0);
	check_packet(&pkt, step2);
	assert_int_equal(
	    coap_packet_append_option(&pkt, COAP_OPTION_URI_HOST, (const uint8_t *)"h", 1), 0);
	check_packet(&pkt, step3);
	assert_int_equal(pkt.delta, COAP_OPTION_BLOCK2);
	assert_int_equal(pkt.opt_len, 6);
}

/* Across the 269 boundary: ext16 headers shrink to ext8 and to a nibble. */
static void test_insert_shrinks_ext16(void **state)
{
	static const uint8_t step1[] = {
	    HDR,              /* CON GET MID 1 */
	    0xE0, 0x00, 0x1F, /* delta 269+31 = 300, len 0 */
	};
	static const uint8_t step2[] = {
	    HDR,              /* CON GET MID 1 */
	    0xD0, 0x07,       /* delta 13+7 = 20 */
	    0xE0, 0x00, 0x0B, /* delta 269+11 = 280 (300) */
	};
	static const uint8_t step3[] = {
	    HDR,              /* CON GET MID 1 */
	    0xD0, 0x07,       /* 20 */
	    0xE0, 0x00, 0x01, /* delta 270 (290) */
	    0xA0,             /* delta 10 (300): from 3 header bytes to 1 */
	};
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(&pkt, 300, NULL, 0), 0);
	check_packet(&pkt, step1);
	assert_int_equal(coap_packet_append_option(&pkt, 20, NULL, 0), 0);
	check_packet(&pkt, step2);
	assert_int_equal(coap_packet_append_option(&pkt, 290, NULL, 0), 0);
	check_packet(&pkt, step3);
	assert_int_equal(pkt.delta, 300);

	/* Removing 290 gives its delta back to 300 (header grows from 1 to 3). */
	{
		static const uint8_t after[] = {HDR, 0xD0, 0x07, 0xE0, 0x00, 0x0B};

		assert_int_equal(coap_packet_remove_option(&pkt, 290), 0);
		check_packet(&pkt, after);
		assert_int_equal(pkt.delta, 300);
		assert_int_equal(pkt.opt_len, 5);
	}
}

/* Insert at the very front, before an option with a value and an ext16 delta. */
static void test_insert_front_ext16(void **state)
{
	static const uint8_t golden[] = {
	    HDR,                   /* CON GET MID 1 */
	    0x10,                  /* delta 1 (If-Match) len 0 */
	    0xE1, 0x02, 0xDA, 'v', /* delta 269+0x2DA = 999 (1000) len 1 */
	};
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(&pkt, 1000, (const uint8_t *)"v", 1), 0);
	assert_int_equal(buf[4], 0xE1);
	assert_int_equal(buf[5], 0x02);
	assert_int_equal(buf[6], 0xDB);
	assert_int_equal(coap_packet_append_option(&pkt, COAP_OPTION_IF_MATCH, NULL, 0), 0);
	check_packet(&pkt, golden);
}

/* Insertion where the new option's header must grow (delta from 12 to 20). */
static void test_insert_new_option_ext8(void **state)
{
	static const uint8_t golden[] = {
	    HDR,              /* CON GET MID 1 */
	    0xC0,             /* delta 12 (Content-Format) */
	    0xD1, 0x07, 0x05, /* delta 13+7 = 20 (32), len 1 */
	    0x81, 0x07,       /* delta 8 (40) len 1 */
	};
	static const uint8_t v5[] = {5};
	static const uint8_t v7[] = {7};
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(&pkt, 12, NULL, 0), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 40, v7, 1), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 32, v5, 1), 0);
	check_packet(&pkt, golden);
}

/* Equal numbers keep their append order, also when inserted. */
static void test_repeated_options_order(void **state)
{
	static const uint8_t golden[] = {
	    HDR,       /* CON GET MID 1 */
	    0x31, 'h', /* Uri-Host */
	    0x81, 'a', /* Uri-Path "a" */
	    0x01, 'b', /* Uri-Path "b" */
	    0x01, 'c', /* Uri-Path "c" */
	    0x10,      /* Content-Format 0 */
	};
	struct coap_packet pkt;
	uint8_t buf[32];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"a", 1), 0);
	assert_int_equal(coap_append_option_int(&pkt, 12, 0), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"b", 1), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 3, (const uint8_t *)"h", 1), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"c", 1), 0);
	check_packet(&pkt, golden);
}

static void test_insert_enospc_leaves_packet(void **state)
{
	static const uint8_t before[] = {HDR, 0xC0, 0x20}; /* 12, then 14 */
	struct coap_packet pkt;
	struct coap_packet copy;
	uint8_t buf[8];

	(void)state;
	init_get(&pkt, buf, 7);
	assert_int_equal(coap_packet_append_option(&pkt, 12, NULL, 0), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 14, NULL, 0), 0);
	check_packet(&pkt, before);
	copy = pkt;
	/* Inserting Uri-Path "a" needs 2 more bytes; only 1 is left. */
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"a", 1), -ENOSPC);
	check_packet(&pkt, before);
	assert_int_equal(pkt.offset, copy.offset);
	assert_int_equal(pkt.opt_len, copy.opt_len);
	assert_int_equal(pkt.delta, copy.delta);
	assert_int_equal(pkt.hdr_len, copy.hdr_len);
	/* A zero-length one fits exactly (11 then 12 at delta 1: +1 byte). */
	assert_int_equal(coap_packet_append_option(&pkt, 11, NULL, 0), 0);
	{
		static const uint8_t after[] = {HDR, 0xB0, 0x10, 0x20};

		check_packet(&pkt, after);
	}
	assert_int_equal(coap_packet_append_option(&pkt, 15, NULL, 0), -ENOSPC);
}

static void test_append_rejects(void **state)
{
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(NULL, 11, NULL, 0), -EINVAL);
	assert_int_equal(coap_packet_append_option(&pkt, 11, NULL, 1), -EINVAL);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"a", 1), -EINVAL);
	assert_int_equal(coap_append_option_int(&pkt, 11, 1), -EINVAL);
	assert_int_equal(coap_append_option_int(NULL, 11, 1), -EINVAL);
}

/* ---- coap_append_option_int ---------------------------------------------------- */

static void test_append_option_int(void **state)
{
	static const struct {
		unsigned int val;
		uint8_t bytes[4];
		uint8_t len;
	} cases[] = {
	    {0, {0}, 0},                                /* §3.2: 0 is the empty string */
	    {1, {0x01}, 1},                             /* 1 byte */
	    {255, {0xFF}, 1},                           /* largest 1-byte */
	    {256, {0x01, 0x00}, 2},                     /* smallest 2-byte */
	    {65535, {0xFF, 0xFF}, 2},                   /* largest 2-byte */
	    {65536, {0x01, 0x00, 0x00}, 3},             /* smallest 3-byte */
	    {0x00FFFFFFU, {0xFF, 0xFF, 0xFF}, 3},       /* largest 3-byte */
	    {0x01000000U, {0x01, 0x00, 0x00, 0x00}, 4}, /* smallest 4-byte */
	    {0xFFFFFFFFU, {0xFF, 0xFF, 0xFF, 0xFF}, 4}, /* largest */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct coap_packet pkt;
		uint8_t buf[16];
		uint8_t enc[4];

		init_get(&pkt, buf, sizeof(buf));
		assert_int_equal(coap_append_option_int(&pkt, COAP_OPTION_MAX_AGE, cases[i].val),
				 0);
		/* delta 14 = 13 + 1 (ext8), len nibble = byte count */
		assert_int_equal(buf[4], 0xD0 | cases[i].len);
		assert_int_equal(buf[5], 0x01);
		assert_int_equal(pkt.offset, 6U + cases[i].len);
		assert_memory_equal(buf + 6, cases[i].bytes, cases[i].len);
		assert_int_equal(zcoap_uint_encode(cases[i].val, enc), cases[i].len);
		assert_memory_equal(enc, cases[i].bytes, cases[i].len);
		assert_int_equal(zcoap_option_uint(buf + 6, cases[i].len), cases[i].val);
	}
}

/* ---- removal ---------------------------------------------------------------------- */

static void test_remove_option(void **state)
{
	static const uint8_t full[] = {
	    HDR,            /* CON GET MID 1 */
	    0x31, 'h',      /* 3 */
	    0x81, 'a',      /* 11 */
	    0x01, 'b',      /* 11 */
	    0x10,           /* 12 */
	    0xFF, 'p', 'l', /* marker, payload "pl" */
	};
	static const uint8_t no_first_path[] = {HDR, 0x31, 'h', 0x81, 'b', 0x10, 0xFF, 'p', 'l'};
	static const uint8_t no_cf[] = {HDR, 0x31, 'h', 0x81, 'b', 0xFF, 'p', 'l'};
	static const uint8_t no_host[] = {HDR, 0xB1, 'b', 0xFF, 'p', 'l'};
	static const uint8_t none[] = {HDR, 0xFF, 'p', 'l'};
	struct coap_packet pkt;
	uint8_t buf[32];
	const uint8_t *p;
	uint16_t len;

	(void)state;
	init_get(&pkt, buf, sizeof(buf));
	assert_int_equal(coap_packet_append_option(&pkt, 3, (const uint8_t *)"h", 1), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"a", 1), 0);
	assert_int_equal(coap_packet_append_option(&pkt, 11, (const uint8_t *)"b", 1), 0);
	assert_int_equal(coap_append_option_int(&pkt, 12, 0), 0);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
	assert_int_equal(coap_packet_append_payload(&pkt, (const uint8_t *)"pl", 2), 0);
	check_packet(&pkt, full);

	/* Absent option: nothing changes. */
	assert_int_equal(coap_packet_remove_option(&pkt, 4), 0);
	assert_int_equal(coap_packet_remove_option(&pkt, 60), 0);
	check_packet(&pkt, full);

	assert_int_equal(coap_packet_remove_option(&pkt, 11), 0); /* first occurrence only */
	check_packet(&pkt, no_first_path);
	assert_int_equal(coap_packet_remove_option(&pkt, 12), 0); /* the last option */
	check_packet(&pkt, no_cf);
	assert_int_equal(pkt.delta, 11);
	assert_int_equal(coap_packet_remove_option(&pkt, 3), 0);
	check_packet(&pkt, no_host);
	assert_int_equal(coap_packet_remove_option(&pkt, 11), 0);
	check_packet(&pkt, none);
	assert_int_equal(pkt.delta, 0);
	assert_int_equal(pkt.opt_len, 0);
	p = coap_packet_get_payload(&pkt, &len);
	assert_ptr_equal(p, buf + 5);
	assert_int_equal(len, 2);
	assert_int_equal(coap_packet_remove_option(NULL, 1), -EINVAL);
}

/* ---- lookup ------------------------------------------------------------------------ */

static void test_find_options(void **state)
{
	static const uint8_t msg[] = {
	    0x60, 0x45, 0x00, 0x01, /* ACK 2.05 */
	    0x81, 'a',              /* 8 Location-Path "a" */
	    0x02, 'b',  'c',        /* 8 "bc" */
	    0x00,                   /* 8 "" */
	    0x3D, 0x00,             /* 11, len 13 */
	    '0',  '1',  '2',  '3',  '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', /* the value */
	    0x11, 0x2A, /* 12 Content-Format 42 */
	};
	struct coap_option opts[4];
	struct coap_packet pkt;
	uint8_t buf[sizeof(msg)];

	(void)state;
	memcpy(buf, msg, sizeof(msg));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(buf), NULL, 0), 0);

	assert_int_equal(coap_find_options(&pkt, 8, opts, 4), 3);
	assert_int_equal(opts[0].len, 1);
	assert_memory_equal(opts[0].value, "a", 1);
	assert_int_equal(opts[1].len, 2);
	assert_memory_equal(opts[1].value, "bc", 2);
	assert_int_equal(opts[2].len, 0);
	assert_int_equal(opts[2].delta, 8);
	/* At most veclen are copied. */
	assert_int_equal(coap_find_options(&pkt, 8, opts, 2), 2);
	assert_int_equal(coap_find_options(&pkt, 8, opts, 0), 0);
	assert_int_equal(coap_find_options(&pkt, 4, opts, 4), 0);
	/* A 13-byte value does not fit struct coap_option. */
	assert_int_equal(coap_find_options(&pkt, 11, opts, 4), -EMSGSIZE);
	assert_int_equal(coap_find_options(&pkt, 12, opts, 4), 1);
	assert_int_equal(coap_option_value_to_int(&opts[0]), 42);
	assert_int_equal(coap_find_options(NULL, 12, opts, 4), -EINVAL);
	assert_int_equal(coap_find_options(&pkt, 12, NULL, 4), -EINVAL);
}

static void test_get_option_int(void **state)
{
	static const uint8_t msg[] = {
	    0x60, 0x45, 0x00, 0x01,                /* ACK 2.05 MID 1 */
	    0x60,                                  /* 6 Observe, len 0 -> 0 */
	    0x62, 0x00, 0x05,                      /* 12 Content-Format 00 05 (leading zero) */
	    0x24, 0x7F, 0xFF, 0xFF, 0xFF,          /* 14 Max-Age INT_MAX */
	    0xD4, 0x01, 0x80, 0x00, 0x00, 0x00,    /* 28 Size2 2^31 */
	    0xD5, 0x13, 1,    2,    3,    4,    5, /* 60 Size1, 5 bytes */
	};
	struct coap_packet pkt;
	uint8_t buf[sizeof(msg)];

	(void)state;
	memcpy(buf, msg, sizeof(msg));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(buf), NULL, 0), 0);
	assert_int_equal(coap_get_option_int(&pkt, COAP_OPTION_OBSERVE), 0);
	assert_int_equal(coap_get_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT), 5);
	assert_int_equal(coap_get_option_int(&pkt, COAP_OPTION_MAX_AGE), INT_MAX);
	assert_int_equal(coap_get_option_int(&pkt, COAP_OPTION_SIZE2), -ERANGE);
	assert_int_equal(coap_get_option_int(&pkt, COAP_OPTION_SIZE1), -EINVAL);
	assert_int_equal(coap_get_option_int(&pkt, COAP_OPTION_BLOCK2), -ENOENT);
	assert_int_equal(coap_get_option_int(&pkt, 65535), -ENOENT);
	assert_int_equal(coap_get_option_int(NULL, 6), -EINVAL);
}

static void test_option_value_to_int(void **state)
{
	struct coap_option o = {.delta = 14, .len = 0};

	(void)state;
	assert_int_equal(coap_option_value_to_int(&o), 0);
	o.len = 2;
	o.value[0] = 0x01;
	o.value[1] = 0x02;
	assert_int_equal(coap_option_value_to_int(&o), 0x0102);
	/* Longer than 4 bytes: the low 32 bits. */
	o.len = 5;
	memcpy(o.value, "\x11\x22\x33\x44\x55", 5);
	assert_int_equal(coap_option_value_to_int(&o), 0x22334455U);
	o.len = 200; /* corrupted length: capped at the array */
	assert_int_equal(coap_option_value_to_int(NULL), 0);
	(void)coap_option_value_to_int(&o);
}

/* ---- the zero-copy iterator ----------------------------------------------------- */

static void test_iterator(void **state)
{
	static const uint8_t msg[] = {
	    0x61, 0x45, 0x00, 0x01, 0x77, /* ACK 2.05, token 77 */
	    0x60,                         /* 6 Observe "" */
	    0x51, 0x09,                   /* 11 "\x09" */
	    0xFF, 0x01,                   /* payload */
	};
	struct zcoap_option_iter it;
	struct coap_packet pkt;
	uint8_t buf[sizeof(msg)];
	const uint8_t *v;
	uint16_t num;
	uint16_t len;

	(void)state;
	memcpy(buf, msg, sizeof(msg));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(buf), NULL, 0), 0);
	zcoap_option_iter_init(&it, &pkt);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), 1);
	assert_int_equal(num, 6);
	assert_int_equal(len, 0);
	assert_null(v);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), 1);
	assert_int_equal(num, 11);
	assert_int_equal(len, 1);
	assert_ptr_equal(v, buf + 7);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), 0);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), 0);

	assert_int_equal(zcoap_option_find(&pkt, 11, &v, &len), 0);
	assert_int_equal(zcoap_option_find(&pkt, 12, &v, &len), -ENOENT);
	assert_null(v);
	assert_int_equal(len, 0);

	/* Inconsistent bookkeeping is reported, never followed. */
	pkt.opt_len = 200;
	zcoap_option_iter_init(&it, &pkt);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), -EILSEQ);
	assert_int_equal(zcoap_option_find(&pkt, 11, &v, &len), -EILSEQ);
	assert_int_equal(coap_get_option_int(&pkt, 11), -EINVAL);
	assert_int_equal(coap_find_options(&pkt, 11, NULL, 0), 0);
}

/* An unparsed packet whose option bytes are malformed (built by hand). */
static void test_iterator_malformed_unparsed(void **state)
{
	uint8_t raw[] = {HDR, 0xB1, 'a', 0xD0}; /* ext8 delta byte missing */
	struct coap_packet pkt = {
	    .data = raw,
	    .offset = sizeof(raw),
	    .max_len = sizeof(raw),
	    .hdr_len = 4,
	    .opt_len = 3,
	    .delta = 20, /* forces insertions to walk the options */
	};
	struct zcoap_option_iter it;
	struct coap_option opts[2];
	const uint8_t *v;
	uint16_t num;
	uint16_t len;

	(void)state;
	zcoap_option_iter_init(&it, &pkt);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), 1);
	assert_int_equal(zcoap_option_iter_next(&it, &num, &v, &len), -EILSEQ);
	assert_int_equal(coap_find_options(&pkt, 20, opts, 2), -EINVAL);
	assert_int_equal(coap_packet_append_option(&pkt, 15, NULL, 0), -EINVAL);
	assert_int_equal(coap_packet_remove_option(&pkt, 20), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delta_boundaries),
	    cmocka_unit_test(test_length_boundaries),
	    cmocka_unit_test(test_insert_before_simple),
	    cmocka_unit_test(test_insert_shrinks_ext8),
	    cmocka_unit_test(test_insert_shrinks_ext16),
	    cmocka_unit_test(test_insert_front_ext16),
	    cmocka_unit_test(test_insert_new_option_ext8),
	    cmocka_unit_test(test_repeated_options_order),
	    cmocka_unit_test(test_insert_enospc_leaves_packet),
	    cmocka_unit_test(test_append_rejects),
	    cmocka_unit_test(test_append_option_int),
	    cmocka_unit_test(test_remove_option),
	    cmocka_unit_test(test_find_options),
	    cmocka_unit_test(test_get_option_int),
	    cmocka_unit_test(test_option_value_to_int),
	    cmocka_unit_test(test_iterator),
	    cmocka_unit_test(test_iterator_malformed_unparsed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
