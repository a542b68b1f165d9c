/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_block.c -- Block1/Block2/Size options and block contexts (RFC 7959).
 */
#include <errno.h>
#include <stdlib.h>

#include "codec_test_util.h"

struct opt {
	uint16_t number;
	const char *value; /* bytes; may contain NUL, so with an explicit length */
	uint16_t len;
};

/* Build a message with the given code, options and payload. */
static void build(struct coap_packet *pkt, uint8_t *buf, uint16_t size, uint8_t code,
		  const struct opt *opts, size_t n, uint16_t payload_len)
{
	size_t i;

	assert_int_equal(coap_packet_init(pkt, buf, size, 1, COAP_TYPE_ACK, 0, NULL, code, 0x42),
			 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(coap_packet_append_option(pkt, opts[i].number,
							   (const uint8_t *)opts[i].value,
							   opts[i].len),
				 0);
	}
	if (payload_len > 0) {
		uint8_t *payload = calloc(1, payload_len);

		assert_non_null(payload);
		assert_int_equal(coap_packet_append_payload_marker(pkt), 0);
		assert_int_equal(coap_packet_append_payload(pkt, payload, payload_len), 0);
		free(payload);
	}
}

/* ---- value encoding (§2.2: NUM << 4 | M << 3 | SZX, shortest uint) -------------- */

static void test_block_encode_decode(void **state)
{
	static const struct {
		uint32_t num;
		bool more;
		uint8_t szx;
		uint8_t bytes[3];
		uint16_t len;
	} cases[] = {
	    {0, false, 0, {0}, 0},                     /* all zero: empty value */
	    {0, false, 2, {0x02}, 1},                  /* NUM 0, 64 bytes */
	    {1, true, 6, {0x1E}, 1},                   /* 0001 1 110 */
	    {15, false, 6, {0xF6}, 1},                 /* largest 1-byte NUM */
	    {16, false, 6, {0x01, 0x06}, 2},           /* 16 << 4 = 0x100 */
	    {4095, true, 4, {0xFF, 0xFC}, 2},          /* largest 2-byte NUM */
	    {4096, false, 0, {0x01, 0x00, 0x00}, 3},   /* smallest 3-byte NUM */
	    {0xFFFFF, true, 6, {0xFF, 0xFF, 0xFE}, 3}, /* largest NUM (20 bits) */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t out[3];
		uint32_t num = 99;
		bool more = !cases[i].more;
		uint8_t szx = 9;

		assert_int_equal(zcoap_block_encode(cases[i].num, cases[i].more, cases[i].szx, out),
				 cases[i].len);
		assert_memory_equal(out, cases[i].bytes, cases[i].len);
		assert_int_equal(
		    zcoap_block_decode(cases[i].bytes, cases[i].len, &num, &more, &szx), 0);
		assert_int_equal(num, cases[i].num);
		assert_int_equal(more, cases[i].more);
		assert_int_equal(szx, cases[i].szx);
	}
}

static void test_block_decode_rejects(void **state)
{
	static const uint8_t szx7[] = {0x07};
	static const uint8_t szx7_more[] = {0x01, 0x0F};
	static const uint8_t four[] = {0x00, 0x00, 0x00, 0x02};
	uint32_t num;
	bool more;
	uint8_t szx;

	(void)state;
	assert_int_equal(zcoap_block_decode(szx7, 1, &num, &more, &szx), -EINVAL);
	assert_int_equal(zcoap_block_decode(szx7_more, 2, &num, &more, &szx), -EINVAL);
	assert_int_equal(zcoap_block_decode(four, 4, &num, &more, &szx), -EINVAL);
	assert_int_equal(zcoap_block_decode(NULL, 1, &num, &more, &szx), -EINVAL);
}

/* ---- getters ---------------------------------------------------------------------- */

static void test_get_block_options(void **state)
{
	/* ACK 2.05, Block2 NUM 1 M 1 SZX 6, Block1 NUM 2 M 0 SZX 2. */
	static const uint8_t msg[] = {
	    0x60, 0x45, 0x00, 0x01, /* ACK 2.05 MID 1 */
	    0xD1, 0x0A, 0x1E,       /* delta 13+10 = 23 (Block2) len 1 */
	    0x41, 0x22,             /* delta 4 (27, Block1) len 1: 0010 0 010 */
	};
	struct coap_packet pkt;
	uint8_t buf[sizeof(msg)];
	uint32_t num = 0;
	bool more = false;

	(void)state;
	memcpy(buf, msg, sizeof(msg));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(buf), NULL, 0), 0);
	assert_int_equal(coap_get_block2_option(&pkt, &more, &num), 1024);
	assert_true(more);
	assert_int_equal(num, 1);
	assert_int_equal(coap_get_block1_option(&pkt, &more, &num), 64);
	assert_false(more);
	assert_int_equal(num, 2);
	/* NULL outputs are allowed. */
	assert_int_equal(coap_get_block2_option(&pkt, NULL, NULL), 1024);
	assert_int_equal(coap_get_block1_option(NULL, &more, &num), -EINVAL);
}

static void test_get_block_option_faults(void **state)
{
	static const struct {
		const char *name;
		uint8_t bytes[12];
		uint16_t len;
		int expect;
	} cases[] = {
	    {"absent", {0x60, 0x45, 0x00, 0x01}, 4, -ENOENT},
	    {"SZX 7", {0x60, 0x45, 0x00, 0x01, 0xD1, 0x0A, 0x07}, 7, -EINVAL},
	    {"4 bytes", {0x60, 0x45, 0x00, 0x01, 0xD4, 0x0A, 0, 0, 0, 0x02}, 10, -EINVAL},
	    {"empty = NUM 0 SZX 0", {0x60, 0x45, 0x00, 0x01, 0xD0, 0x0A}, 6, 16},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct coap_packet pkt;
		uint8_t buf[12];
		uint32_t num;
		bool more;
		int r;

		memcpy(buf, cases[i].bytes, cases[i].len);
		assert_int_equal(coap_packet_parse(&pkt, buf, cases[i].len, NULL, 0), 0);
		r = coap_get_block2_option(&pkt, &more, &num);
		if (r != cases[i].expect) {
			print_message("case '%s': expected %d, got %d\n", cases[i].name,
				      cases[i].expect, r);
			fail();
		}
	}
}

/* ---- builders -------------------------------------------------------------------- */

static void test_append_block1(void **state)
{
	static const uint8_t first[] = {
	    0x40, 0x02, 0x00, 0x07, /* CON POST MID 7 */
	    0xD1, 0x0E, 0x0C,       /* delta 13+14 = 27 (Block1) len 1: NUM 0 M 1 SZX 4 */
	};
	static const uint8_t second[] = {
	    0x40, 0x02, 0x00, 0x07, /* CON POST MID 7 */
	    0xD1, 0x0E, 0x14,       /* NUM 1 M 0 SZX 4: 445 - 256 = 189 bytes left */
	};
	struct coap_block_context ctx;
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_256, 445), 0);
	assert_int_equal(ctx.current, 0);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 2, 7), 0);
	assert_int_equal(coap_append_block1_option(&pkt, &ctx), 0);
	check_packet(&pkt, first);
	ctx.current = 256;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 2, 7), 0);
	assert_int_equal(coap_append_block1_option(&pkt, &ctx), 0);
	check_packet(&pkt, second);

	/* Exactly two blocks: the second is the last. */
	ctx.total_size = 512;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 2, 7), 0);
	assert_int_equal(coap_append_block1_option(&pkt, &ctx), 0);
	check_packet(&pkt, second);
}

static void test_append_block2(void **state)
{
	static const uint8_t request[] = {
	    0x40, 0x01, 0x00, 0x07, /* CON GET */
	    0xD1, 0x0A, 0x22,       /* Block2 NUM 2 M 0 SZX 2 */
	};
	static const uint8_t response[] = {
	    0x60, 0x45, 0x00, 0x07, /* ACK 2.05 */
	    0xD1, 0x0A, 0x2A,       /* Block2 NUM 2 M 1 SZX 2 */
	};
	struct coap_block_context ctx;
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_64, 1000), 0);
	ctx.current = 128;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 7), 0);
	assert_int_equal(coap_append_block2_option(&pkt, &ctx), 0);
	check_packet(&pkt, request); /* M is 0 in a request, even with more to come */
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 2, 0, NULL, 0x45, 7), 0);
	assert_int_equal(coap_append_block2_option(&pkt, &ctx), 0);
	check_packet(&pkt, response);
}

static void test_append_block_num_limit(void **state)
{
	static const uint8_t largest[] = {0x40, 0x01, 0x00, 0x07, 0xD3, 0x0A, 0xFF, 0xFF, 0xF0};
	struct coap_block_context ctx;
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_16, 0), 0);
	ctx.current = (size_t)16 * 0xFFFFF; /* NUM 2^20 - 1 */
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 7), 0);
	assert_int_equal(coap_append_block2_option(&pkt, &ctx), 0);
	check_packet(&pkt, largest);
	ctx.current = (size_t)16 * 0x100000; /* NUM 2^20 does not fit 20 bits */
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 1, 7), 0);
	assert_int_equal(coap_append_block2_option(&pkt, &ctx), -EINVAL);
	assert_int_equal(coap_append_block1_option(&pkt, &ctx), -EINVAL);
	assert_int_equal(coap_append_block1_option(&pkt, NULL), -EINVAL);
	assert_int_equal(pkt.offset, 4);
}

static void test_append_sizes(void **state)
{
	static const uint8_t golden[] = {
	    0x40, 0x02, 0x00, 0x07, /* CON POST MID 7 */
	    0xD2, 0x0F, 0x03, 0xE8, /* delta 13+15 = 28 (Size2) len 2: 1000 */
	    0xD2, 0x13, 0x03, 0xE8, /* delta 13+19 = 32 (60, Size1) len 2: 1000 */
	};
	struct coap_block_context ctx;
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_1024, 1000), 0);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 0, NULL, 2, 7), 0);
	assert_int_equal(coap_append_size1_option(&pkt, &ctx), 0); /* out of order on purpose */
	assert_int_equal(coap_append_size2_option(&pkt, &ctx), 0);
	check_packet(&pkt, golden);
	assert_int_equal(coap_append_size1_option(NULL, &ctx), -EINVAL);
	assert_int_equal(coap_append_size1_option(&pkt, NULL), -EINVAL);
#if SIZE_MAX > UINT32_MAX
	ctx.total_size = (size_t)UINT32_MAX + 1U;
	assert_int_equal(coap_append_size2_option(&pkt, &ctx), -EINVAL);
#endif
}

static void test_transfer_init(void **state)
{
	struct coap_block_context ctx;

	(void)state;
	assert_int_equal(coap_block_transfer_init(NULL, COAP_BLOCK_16, 0), -EINVAL);
	assert_int_equal(coap_block_transfer_init(&ctx, (enum coap_block_size)7, 0), -EINVAL);
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_1024, 77), 0);
	assert_int_equal(ctx.block_size, COAP_BLOCK_1024);
	assert_int_equal(ctx.total_size, 77);
	assert_int_equal(ctx.current, 0);
	/* The inline helpers of coap.h. */
	assert_int_equal(coap_block_size_to_bytes(COAP_BLOCK_16), 16);
	assert_int_equal(coap_block_size_to_bytes(COAP_BLOCK_1024), 1024);
	assert_int_equal(coap_bytes_to_block_size(0), COAP_BLOCK_16);
	assert_int_equal(coap_bytes_to_block_size(300), COAP_BLOCK_256);
	assert_int_equal(coap_bytes_to_block_size(5000), COAP_BLOCK_1024);
}

/* ---- coap_update_from_block ------------------------------------------------------ */

struct update_case {
	const char *name;
	uint8_t code;
	struct opt opts[3];
	size_t nopts;
	enum coap_block_size ctx_szx;
	size_t ctx_total;
	size_t ctx_current;
	int expect;
	enum coap_block_size szx_after;
	size_t total_after;
	size_t current_after;
};

/* Kept as written: clang-format would put every field on a line of its own. */
/* clang-format off */
static const struct update_case update_cases[] = {
	/* The server's 1024-byte block 3: we keep our 256, current = 3 x 1024. */
	{"bigger server block", 0x45, {{23, "\x3E", 1}}, 1,
	 COAP_BLOCK_256, 0, 0, 0, COAP_BLOCK_256, 0, 3072},
	/* A smaller server block is adopted: block 5 of 64 bytes. */
	{"smaller server block", 0x45, {{23, "\x5A", 1}}, 1,
	 COAP_BLOCK_256, 0, 0, 0, COAP_BLOCK_64, 0, 320},
	/* Size2 gives the total. */
	{"size2", 0x45, {{23, "\x0E", 1}, {28, "\x13\x88", 2}}, 2,
	 COAP_BLOCK_1024, 0, 0, 0, COAP_BLOCK_1024, 5000, 0},
	/* Size2 of 2^32 - 1 is valid (more than INT_MAX). */
	{"size2 max", 0x45, {{23, "\x0E", 1}, {28, "\xFF\xFF\xFF\xFF", 4}}, 2,
	 COAP_BLOCK_1024, 0, 0, 0, COAP_BLOCK_1024, 0xFFFFFFFFU, 0},
	/* A 5-byte Size2 is out of range and elective: ignored. */
	{"size2 too long", 0x45, {{23, "\x0E", 1}, {28, "\x00\x00\x00\x13\x88", 5}}, 2,
	 COAP_BLOCK_1024, 7, 0, 0, COAP_BLOCK_1024, 7, 0},
	/* A block starting past the announced body. */
	{"past total", 0x45, {{23, "\xAE", 1}, {28, "\x03\xE8", 2}}, 2,
	 COAP_BLOCK_1024, 0, 0, -EINVAL, COAP_BLOCK_1024, 0, 0},
	{"past ctx total", 0x45, {{23, "\xAE", 1}}, 1,
	 COAP_BLOCK_1024, 1000, 0, -EINVAL, COAP_BLOCK_1024, 1000, 0},
	/* In a request Block1 describes the payload; Size1 the total. */
	{"request block1", COAP_METHOD_PUT, {{27, "\x2C", 1}, {60, "\x07\xD0", 2}}, 2,
	 COAP_BLOCK_256, 0, 0, 0, COAP_BLOCK_256, 2000, 512},
	/* A 2.31 with only Block1 (control): the smaller size is adopted. */
	{"control block1", 0x5F, {{27, "\x0A", 1}}, 1,
	 COAP_BLOCK_256, 445, 256, 0, COAP_BLOCK_64, 445, 256},
	{"control bigger", 0x5F, {{27, "\x0E", 1}}, 1,
	 COAP_BLOCK_256, 445, 256, 0, COAP_BLOCK_256, 445, 256},
	/* No block option: nothing changes. */
	{"no block", 0x45, {{12, "", 0}}, 1,
	 COAP_BLOCK_256, 10, 5, 0, COAP_BLOCK_256, 10, 5},
	{"SZX 7", 0x45, {{23, "\x07", 1}}, 1,
	 COAP_BLOCK_256, 0, 0, -EINVAL, COAP_BLOCK_256, 0, 0},
	{"4-byte block", 0x45, {{23, "\x00\x00\x00\x06", 4}}, 1,
	 COAP_BLOCK_256, 0, 0, -EINVAL, COAP_BLOCK_256, 0, 0},
};
/* clang-format on */

static void test_update_from_block(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(update_cases); i++) {
		const struct update_case *c = &update_cases[i];
		struct coap_block_context ctx;
		struct coap_packet pkt;
		uint8_t buf[64];
		int r;

		build(&pkt, buf, sizeof(buf), c->code, c->opts, c->nopts, 0);
		assert_int_equal(coap_block_transfer_init(&ctx, c->ctx_szx, c->ctx_total), 0);
		ctx.current = c->ctx_current;
		r = coap_update_from_block(&pkt, &ctx);
		if (r != c->expect || ctx.block_size != c->szx_after ||
		    ctx.total_size != c->total_after || ctx.current != c->current_after) {
			print_message("case '%s': r %d (want %d) szx %d (%d) total %zu (%zu) "
				      "current %zu (%zu)\n",
				      c->name, r, c->expect, ctx.block_size, c->szx_after,
				      ctx.total_size, c->total_after, ctx.current,
				      c->current_after);
			fail();
		}
	}
	{
		struct coap_block_context ctx = {0, 0, COAP_BLOCK_16};
		struct coap_packet pkt;
		uint8_t buf[8];

		build(&pkt, buf, sizeof(buf), 0x45, NULL, 0, 0);
		assert_int_equal(coap_update_from_block(NULL, &ctx), -EINVAL);
		assert_int_equal(coap_update_from_block(&pkt, NULL), -EINVAL);
		ctx.block_size = (enum coap_block_size)7;
		assert_int_equal(coap_update_from_block(&pkt, &ctx), -EINVAL);
	}
}

/* ---- coap_next_block ---------------------------------------------------------------- */

static void test_next_block(void **state)
{
	static const struct opt b2_0_more_1024[] = {{23, "\x0E", 1}};
	static const struct opt b2_1_last_256[] = {{23, "\x14", 1}};
	static const struct opt b2_0_more_256[] = {{23, "\x0C", 1}};
	static const struct opt b1_0_more_256[] = {{27, "\x0C", 1}};
	struct coap_block_context ctx;
	struct coap_packet pkt;
	uint8_t buf[1100];

	(void)state;
	/* Server sends 1024 bytes, we use 256: advance by what we deliver. */
	build(&pkt, buf, sizeof(buf), 0x45, b2_0_more_1024, 1, 1024);
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_256, 0), 0);
	assert_int_equal(coap_update_from_block(&pkt, &ctx), 0);
	assert_int_equal(coap_next_block(&pkt, &ctx), 256);
	assert_int_equal(ctx.current, 256);

	/* The last block (M 0) ends the transfer: returns 0, current = body size. */
	build(&pkt, buf, sizeof(buf), 0x45, b2_1_last_256, 1, 100);
	assert_int_equal(coap_update_from_block(&pkt, &ctx), 0);
	assert_int_equal(ctx.current, 256);
	assert_int_equal(coap_next_block(&pkt, &ctx), 0);
	assert_int_equal(ctx.current, 356);

	/* A short (truncated) non-final block advances only by what arrived. */
	build(&pkt, buf, sizeof(buf), 0x45, b2_0_more_256, 1, 100);
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_256, 0), 0);
	assert_int_equal(coap_next_block(&pkt, &ctx), 100);

	/* A request uses its Block1. */
	build(&pkt, buf, sizeof(buf), COAP_METHOD_PUT, b1_0_more_256, 1, 256);
	assert_int_equal(coap_block_transfer_init(&ctx, COAP_BLOCK_256, 600), 0);
	assert_int_equal(coap_next_block(&pkt, &ctx), 256);

	/* No block option, or bad arguments: 0. */
	build(&pkt, buf, sizeof(buf), 0x45, NULL, 0, 10);
	assert_int_equal(coap_next_block(&pkt, &ctx), 0);
	assert_int_equal(coap_next_block(NULL, &ctx), 0);
	assert_int_equal(coap_next_block(&pkt, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_block_encode_decode),
	    cmocka_unit_test(test_block_decode_rejects),
	    cmocka_unit_test(test_get_block_options),
	    cmocka_unit_test(test_get_block_option_faults),
	    cmocka_unit_test(test_append_block1),
	    cmocka_unit_test(test_append_block2),
	    cmocka_unit_test(test_append_block_num_limit),
	    cmocka_unit_test(test_append_sizes),
	    cmocka_unit_test(test_transfer_init),
	    cmocka_unit_test(test_update_from_block),
	    cmocka_unit_test(test_next_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
