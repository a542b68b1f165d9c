/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_codec_packet.c -- header, parser, payload and ACK/RST builder tests.
 */
#include <errno.h>

#include "codec_test_util.h"

/* ---- building headers ---------------------------------------------------- */

static void test_init_header(void **state)
{
	static const uint8_t tok[] = {0xAA, 0xBB};
	static const uint8_t golden[] = {
	    0x42,       /* Ver 1 | T 0 (CON) | TKL 2 */
	    0x01,       /* Code 0.01 GET */
	    0x12, 0x34, /* Message ID 0x1234 */
	    0xAA, 0xBB, /* Token */
	};
	struct coap_packet pkt;
	uint8_t buf[32];
	uint8_t token[8];

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_CON, 2, tok,
					  COAP_METHOD_GET, 0x1234),
			 0);
	check_packet(&pkt, golden);
	assert_int_equal(pkt.hdr_len, 6);
	assert_int_equal(pkt.opt_len, 0);
	assert_int_equal(pkt.delta, 0);
	assert_int_equal(pkt.max_len, sizeof(buf));
	assert_int_equal(coap_header_get_version(&pkt), 1);
	assert_int_equal(coap_header_get_type(&pkt), COAP_TYPE_CON);
	assert_int_equal(coap_header_get_code(&pkt), COAP_METHOD_GET);
	assert_int_equal(coap_header_get_id(&pkt), 0x1234);
	assert_int_equal(coap_header_get_token(&pkt, token), 2);
	assert_memory_equal(token, tok, 2);
	assert_true(coap_packet_is_request(&pkt));
}

static void test_init_rejects(void **state)
{
	static const uint8_t tok[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct coap_packet pkt;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(coap_packet_init(NULL, buf, sizeof(buf), 1, 0, 0, NULL, 1, 1), -EINVAL);
	assert_int_equal(coap_packet_init(&pkt, NULL, sizeof(buf), 1, 0, 0, NULL, 1, 1), -EINVAL);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 0, 0, 0, NULL, 1, 1), -EINVAL);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 2, 0, 0, NULL, 1, 1), -EINVAL);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 4, 0, NULL, 1, 1), -EINVAL);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 9, tok, 1, 1), -EINVAL);
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, 0, 2, NULL, 1, 1), -EINVAL);
	/* Header + token must fit: 4 + 8 = 12 bytes. */
	assert_int_equal(coap_packet_init(&pkt, buf, 11, 1, 0, 8, tok, 1, 1), -ENOSPC);
	assert_int_equal(coap_packet_init(&pkt, buf, 12, 1, 0, 8, tok, 1, 1), 0);
	assert_int_equal(coap_packet_init(&pkt, buf, 3, 1, 0, 0, NULL, 0, 1), -ENOSPC);
	assert_int_equal(coap_packet_init(&pkt, buf, 4, 1, 0, 0, NULL, 0, 1), 0);
}

/*
 * Modelled on RFC 7252 Appendix A (a CON GET for /temperature answered by a
 * piggybacked 2.05 in the ACK).
 */
static const uint8_t get_temperature[] = {
    0x40,                                                    /* Ver 1 | CON | TKL 0 */
    0x01,                                                    /* 0.01 GET */
    0x7d, 0x34,                                              /* MID 0x7d34 */
    0xBB,                                                    /* delta 11 (Uri-Path) | len 11 */
    't',  'e',  'm', 'p', 'e', 'r', 'a', 't', 'u', 'r', 'e', /* "temperature" */
};
static const uint8_t content_22_3[] = {
    0x60,                           /* Ver 1 | ACK | TKL 0 */
    0x45,                           /* 2.05 Content */
    0x7d, 0x34,                     /* MID 0x7d34 (same as the request) */
    0xFF,                           /* payload marker */
    '2',  '2',  '.', '3', ' ', 'C', /* "22.3 C" */
};

static void test_rfc7252_request_build_and_parse(void **state)
{
	struct coap_packet pkt;
	struct coap_option opts[2];
	uint8_t buf[64];

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_CON, 0, NULL,
					  COAP_METHOD_GET, 0x7d34),
			 0);
	assert_int_equal(coap_packet_set_path(&pkt, "/temperature"), 0);
	check_packet(&pkt, get_temperature);

	memcpy(buf, get_temperature, sizeof(get_temperature));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(get_temperature), opts, 2), 0);
	assert_int_equal(pkt.hdr_len, 4);
	assert_int_equal(pkt.opt_len, 12);
	assert_int_equal(pkt.offset, sizeof(get_temperature));
	assert_int_equal(pkt.delta, COAP_OPTION_URI_PATH);
	assert_int_equal(opts[0].delta, COAP_OPTION_URI_PATH);
	assert_int_equal(opts[0].len, 11);
	assert_memory_equal(opts[0].value, "temperature", 11);
	assert_int_equal(opts[1].delta, 0); /* unused entries are zeroed */
	assert_int_equal(opts[1].len, 0);
}

static void test_rfc7252_response_parse(void **state)
{
	struct coap_packet pkt;
	const uint8_t *payload;
	uint16_t len;
	uint8_t buf[sizeof(content_22_3)];
	uint8_t token[8];

	(void)state;
	memcpy(buf, content_22_3, sizeof(buf));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(buf), NULL, 0), 0);
	assert_int_equal(coap_header_get_type(&pkt), COAP_TYPE_ACK);
	assert_int_equal(coap_header_get_code(&pkt), COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(coap_header_get_id(&pkt), 0x7d34);
	assert_int_equal(coap_header_get_token(&pkt, token), 0);
	assert_false(coap_packet_is_request(&pkt));
	payload = coap_packet_get_payload(&pkt, &len);
	assert_non_null(payload);
	assert_int_equal(len, 6);
	assert_memory_equal(payload, "22.3 C", 6);
	assert_ptr_equal(payload, buf + 5);
}

static void test_set_code_and_id(void **state)
{
	struct coap_packet pkt;
	uint8_t buf[8];

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_NON_CON, 0, NULL,
					  COAP_METHOD_GET, 1),
			 0);
	assert_int_equal(coap_header_set_code(&pkt, COAP_RESPONSE_CODE_NOT_FOUND), 0);
	assert_int_equal(coap_header_set_id(&pkt, 0xBEEF), 0);
	assert_int_equal(buf[1], 0x84); /* 4.04 = 100 00100 */
	assert_int_equal(buf[2], 0xBE);
	assert_int_equal(buf[3], 0xEF);
	assert_int_equal(coap_header_set_code(NULL, 1), -EINVAL);
	assert_int_equal(coap_header_set_id(NULL, 1), -EINVAL);
}

/* ---- parse rejections ------------------------------------------------------ */

struct parse_case {
	const char *name;
	uint8_t bytes[48];
	uint16_t len;
	int expect;
};

#define V(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

static const struct parse_case reject_cases[] = {
    /* Shorter than the fixed header: not CoAP at all. */
    {"1 byte", V(0x40), -EINVAL},
    {"3 bytes", V(0x40, 0x01, 0x00), -EINVAL},
    /* Wakaama CVE-2021-41040 datagram: 2 bytes. */
    {"wakaama 6E 8D", V(0x6E, 0x8D), -EINVAL},

    /* §3 header faults -> -EBADMSG. */
    {"version 0", V(0x00, 0x01, 0x00, 0x01), -EBADMSG},
    {"version 2", V(0x80, 0x45, 0x00, 0x01), -EBADMSG},
    {"version 3", V(0xC0, 0x45, 0x00, 0x01), -EBADMSG},
    /* TKL 9 with 9 token bytes present: reserved all the same. */
    {"TKL 9", V(0x49, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9), -EBADMSG},
    /* TKL 13/14 (RFC 8974 extended tokens, not supported) on a bare header:
     * the RIOT GHSA-p9hp-2jxm-6rqp shape. */
    {"TKL 13 bare", V(0x4D, 0x01, 0x00, 0x01), -EBADMSG},
    {"TKL 14 bare", V(0x4E, 0x01, 0x00, 0x01), -EBADMSG},
    {"TKL 15", V(0x4F, 0x01, 0x00, 0x01, 0xFF, 0xFF), -EBADMSG},
    /* Token longer than the datagram (mbed CVE-2020-12886, Contiki #2491). */
    {"token past end", V(0x48, 0x01, 0x00, 0x01, 0xAA, 0xBB), -EBADMSG},
    {"token 1 missing", V(0x41, 0x45, 0x00, 0x01), -EBADMSG},
    /* libcoap OSS-Fuzz #214: NON, TKL 10, 2 bytes after the header. */
    {"libcoap #214", V(0x5A, 0x0A, 0x5B, 0x5B), -EBADMSG},
    /* §4.1 Empty message with anything after the MID. */
    {"empty + token", V(0x41, 0x00, 0x00, 0x01, 0xAA), -EBADMSG},
    {"empty + option", V(0x40, 0x00, 0x00, 0x01, 0xB0), -EBADMSG},
    {"empty + payload", V(0x60, 0x00, 0x12, 0x34, 0xFF, 0x01), -EBADMSG},
    {"empty + marker", V(0x70, 0x00, 0x12, 0x34, 0xFF), -EBADMSG},

    /* §3.1 option faults -> -EILSEQ. */
    {"delta nibble 15", V(0x40, 0x01, 0x00, 0x01, 0xF0), -EILSEQ},
    {"delta 15 + len 1", V(0x40, 0x01, 0x00, 0x01, 0xF1, 0x00), -EILSEQ},
    {"length nibble 15", V(0x40, 0x01, 0x00, 0x01, 0x1F, 0x00), -EILSEQ},
    {"length 15 after opt", V(0x40, 0x01, 0x00, 0x01, 0xB1, 'a', 0x0F), -EILSEQ},
    /* Extended delta/length bytes missing (mbed CVE-2020-12883, libcoap #199). */
    {"ext8 delta missing", V(0x40, 0x01, 0x00, 0x01, 0xD0), -EILSEQ},
    {"ext16 delta missing", V(0x40, 0x01, 0x00, 0x01, 0xE0), -EILSEQ},
    {"ext16 delta 1 of 2", V(0x40, 0x01, 0x00, 0x01, 0xE0, 0x01), -EILSEQ},
    {"ext8 len missing", V(0x40, 0x01, 0x00, 0x01, 0x0D), -EILSEQ},
    {"ext16 len 1 of 2", V(0x40, 0x01, 0x00, 0x01, 0x0E, 0x00), -EILSEQ},
    {"ext delta ok, ext len missing", V(0x40, 0x01, 0x00, 0x01, 0xDD, 0x00), -EILSEQ},
    /* Values running past the end. */
    {"value past end", V(0x40, 0x01, 0x00, 0x01, 0xB3, 'a', 'b'), -EILSEQ},
    {"ext8 value past end", V(0x40, 0x01, 0x00, 0x01, 0xBD, 0x00, 'a'), -EILSEQ},
    /* Length 0xFFFF + 269 = 65804 (microcoap #48: must not wrap in 16 bits). */
    {"ext16 len 65804", V(0x40, 0x01, 0x00, 0x01, 0x1E, 0xFF, 0xFF, 'a'), -EILSEQ},
    /* Option numbers above 65535 (CVE-2020-10063, mbed CVE-2020-12887). */
    {"delta 65536", V(0x40, 0x01, 0x00, 0x01, 0xE0, 0xFE, 0xF3), -EILSEQ},
    {"delta 65804", V(0x40, 0x01, 0x00, 0x01, 0xE0, 0xFF, 0xFF), -EILSEQ},
    {"1 + 65535", V(0x40, 0x01, 0x00, 0x01, 0x10, 0xE0, 0xFE, 0xF2), -EILSEQ},
    {"wrap to 11", V(0x40, 0x01, 0x00, 0x01, 0xB0, 0xE0, 0xFE, 0xF2), -EILSEQ},
    /* §3: a marker with no payload after it. */
    {"marker, no payload", V(0x40, 0x01, 0x00, 0x01, 0xFF), -EILSEQ},
    {"opt, marker, no payload", V(0x40, 0x01, 0x00, 0x01, 0xB1, 'a', 0xFF), -EILSEQ},
    /*
     * Zephyr's malformed-message shapes: a 5.05 with token "token" followed by
     * a truncated ext delta, a missing value, a truncated ext16 delta, a
     * truncated ext16 length, and a bare marker.
     */
    {"zephyr opt", V(0x55, 0xA5, 0x12, 0x34, 't', 'o', 'k', 'e', 'n', 0xD0), -EILSEQ},
    {"zephyr opt len", V(0x55, 0xA5, 0x12, 0x34, 't', 'o', 'k', 'e', 'n', 0xC1), -EILSEQ},
    {"zephyr opt ext", V(0x55, 0xA5, 0x12, 0x34, 't', 'o', 'k', 'e', 'n', 0xE0, 0x01), -EILSEQ},
    {"zephyr len ext", V(0x55, 0xA5, 0x12, 0x34, 't', 'o', 'k', 'e', 'n', 0xEE, 0x01, 0x02, 0x01),
     -EILSEQ},
    {"zephyr marker", V(0x55, 0xA5, 0x12, 0x34, 't', 'o', 'k', 'e', 'n', 0xFF), -EILSEQ},
    /*
     * Contiki er-coap #2238-#2240 crash vector: TKL 2, options 4 and 8, then
     * 2-byte deltas (0xE1E1 + 269 each) push the number past 65535.
     */
    {"contiki 2238",
     V(0x42, 0x43, 0x42, 0x42, 0x42, 0x42, 0x42, 0x9E, 0x80, 0x42, 0x42, 0x28, 0x01, 0xE1, 0xE1,
       0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xBF, 0xE1, 0x00,
       0x00, 0x10, 0x00, 0x43, 0x42, 0x53, 0x42, 0xFF, 0x49),
     -EILSEQ},
};

static void test_parse_rejects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(reject_cases); i++) {
		const struct parse_case *c = &reject_cases[i];
		struct coap_packet pkt;
		struct coap_option opts[4];
		uint8_t buf[48];
		int r;

		memcpy(buf, c->bytes, c->len);
		r = coap_packet_parse(&pkt, buf, c->len, opts, 4);
		if (r != c->expect) {
			print_message("case '%s': expected %d, got %d\n", c->name, c->expect, r);
			fail();
		}
		/* A failed parse leaves an empty view. */
		assert_int_equal(pkt.offset, 0);
		assert_null(pkt.data);
		assert_int_equal(coap_header_get_code(&pkt), 0);
	}
}

static void test_parse_null_args(void **state)
{
	struct coap_packet pkt;
	uint8_t buf[4] = {0x40, 0x01, 0, 1};

	(void)state;
	assert_int_equal(coap_packet_parse(NULL, buf, 4, NULL, 0), -EINVAL);
	assert_int_equal(coap_packet_parse(&pkt, NULL, 4, NULL, 0), -EINVAL);
	assert_int_equal(coap_packet_parse(&pkt, buf, 0, NULL, 0), -EINVAL);
	assert_int_equal(coap_packet_parse(&pkt, buf, 4, NULL, 0), 0);
	assert_int_equal(coap_packet_parse(&pkt, buf, 4, NULL, 3), 0); /* no array: ok */
}

/* ---- parse acceptances ------------------------------------------------------ */

struct accept_case {
	const char *name;
	uint8_t bytes[48];
	uint16_t len;
	uint16_t opt_len;
	uint16_t last_option;
	uint16_t payload_len;
};

#define A(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

static const struct accept_case accept_cases[] = {
    /* Empty messages: CON ping, Empty ACK, RST. */
    {"CON empty", A(0x40, 0x00, 0x12, 0x34), 0, 0, 0},
    {"ACK empty", A(0x60, 0x00, 0x12, 0x34), 0, 0, 0},
    {"RST", A(0x70, 0x00, 0x12, 0x34), 0, 0, 0},
    /* Reserved classes 1, 6, 7 are not format errors for the codec. */
    {"class 1", A(0x40, 0x20, 0x00, 0x01), 0, 0, 0},
    {"class 6", A(0x50, 0xC0, 0x00, 0x01), 0, 0, 0},
    {"class 7", A(0x40, 0xE5, 0x00, 0x01), 0, 0, 0},
    /* 8-byte token, no options. */
    {"TKL 8", A(0x68, 0x45, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8), 0, 0, 0},
    /* Delta 65535 exactly: E0 FE F2 (0xFEF2 + 269 = 65535). */
    {"delta 65535", A(0x40, 0x01, 0x00, 0x01, 0xE0, 0xFE, 0xF2), 3, 65535, 0},
    /* 65534 then +1: the sum reaches 65535 exactly. */
    {"65534 + 1", A(0x40, 0x01, 0x00, 0x01, 0xE0, 0xFE, 0xF1, 0x10), 4, 65535, 0},
    /* Option 12 (nibble) and 13 (ext8 = 0). */
    {"delta 12", A(0x40, 0x01, 0x00, 0x01, 0xC0), 1, 12, 0},
    {"delta 13", A(0x40, 0x01, 0x00, 0x01, 0xD0, 0x00), 2, 13, 0},
    {"delta 268", A(0x40, 0x01, 0x00, 0x01, 0xD0, 0xFF), 2, 268, 0},
    {"delta 269", A(0x40, 0x01, 0x00, 0x01, 0xE0, 0x00, 0x00), 3, 269, 0},
    /* Payload that itself begins with 0xFF: only the first 0xFF is the marker. */
    {"payload FF FF", A(0x40, 0x02, 0x00, 0x01, 0xFF, 0xFF, 0xFF), 0, 0, 2},
    /* A uint with leading zeros (§3.2 allows it) and a zero-length value. */
    {"leading zeros", A(0x60, 0x45, 0x00, 0x01, 0xC2, 0x00, 0x00, 0x20, 0xFF, 'x'), 4, 14, 1},
    /* Repeated zero-length options (mbed CVE-2020-12885 loop shape). */
    {"repeat zero-length", A(0x60, 0x45, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00), 5, 8, 0},
};

static void test_parse_accepts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(accept_cases); i++) {
		const struct accept_case *c = &accept_cases[i];
		struct coap_packet pkt;
		uint8_t buf[48];
		uint16_t plen = 0xFFFF;
		int r;

		memcpy(buf, c->bytes, c->len);
		r = coap_packet_parse(&pkt, buf, c->len, NULL, 0);
		if (r != 0) {
			print_message("case '%s': expected 0, got %d\n", c->name, r);
			fail();
		}
		assert_int_equal(pkt.offset, c->len);
		assert_int_equal(pkt.max_len, c->len);
		assert_int_equal(pkt.hdr_len, 4 + (c->bytes[0] & 0x0F));
		assert_int_equal(pkt.opt_len, c->opt_len);
		assert_int_equal(pkt.delta, c->last_option);
		(void)coap_packet_get_payload(&pkt, &plen);
		assert_int_equal(plen, c->payload_len);
	}
}

static void test_parse_option_copies(void **state)
{
	/* 2.05 with Uri-Path "0123456789abcdef" (16 bytes) and ETag 01 02. */
	static const uint8_t msg[] = {
	    0x60, 0x45, 0x00, 0x07, /* ACK 2.05 MID 7 */
	    0x42, 0x01, 0x02,       /* delta 4 (ETag) len 2 */
	    0x7D, 0x03,             /* delta 7 (11, Uri-Path) len 13+3 = 16 */
	    '0',  '1',  '2',  '3',  '4', '5', '6', '7',
	    '8',  '9',  'a',  'b',  'c', 'd', 'e', 'f', /* value */
	    0x10,                                       /* delta 1 (12, Content-Format) len 0 */
	};
	struct coap_packet pkt;
	struct coap_option opts[2];
	uint8_t buf[sizeof(msg)];
	const uint8_t *value;
	uint16_t len;

	(void)state;
	memcpy(buf, msg, sizeof(msg));
	memset(opts, 0xA5, sizeof(opts));
	assert_int_equal(coap_packet_parse(&pkt, buf, sizeof(buf), opts, 2), 0);
	/* Only the first opt_num options are copied. */
	assert_int_equal(opts[0].delta, COAP_OPTION_ETAG);
	assert_int_equal(opts[0].len, 2);
	/* A 16-byte value: the copy holds the first 12 bytes and says 12. */
	assert_int_equal(opts[1].delta, COAP_OPTION_URI_PATH);
	assert_int_equal(opts[1].len, COAP_OPTION_VALUE_MAX_LEN);
	assert_memory_equal(opts[1].value, "0123456789ab", 12);
	/* The message itself is intact; the zero-copy finder sees all 16 bytes. */
	assert_memory_equal(buf, msg, sizeof(msg));
	assert_int_equal(zcoap_option_find(&pkt, COAP_OPTION_URI_PATH, &value, &len), 0);
	assert_int_equal(len, 16);
	assert_ptr_equal(value, buf + 9);
	assert_int_equal(pkt.delta, COAP_OPTION_CONTENT_FORMAT);
}

/* ---- getters on empty or inconsistent packets ------------------------------- */

static void test_getters_on_empty(void **state)
{
	struct coap_packet pkt;
	uint8_t token[8];
	uint16_t len = 77;

	(void)state;
	memset(&pkt, 0, sizeof(pkt));
	assert_int_equal(coap_header_get_version(NULL), 0);
	assert_int_equal(coap_header_get_version(&pkt), 0);
	assert_int_equal(coap_header_get_type(&pkt), 0);
	assert_int_equal(coap_header_get_code(&pkt), 0);
	assert_int_equal(coap_header_get_id(&pkt), 0);
	assert_int_equal(coap_header_get_token(&pkt, token), 0);
	assert_null(coap_packet_get_payload(&pkt, &len));
	assert_int_equal(len, 0);
	assert_null(coap_packet_get_payload(NULL, NULL));
	assert_false(coap_packet_is_request(NULL));
	assert_int_equal(coap_header_set_code(&pkt, 1), -EINVAL);
}

/*
 * Zephyr PR #58794: coap_header_get_token() on an unparsed buffer whose TKL
 * nibble is 9..15 must not copy more than 8 bytes.
 */
static void test_get_token_unparsed_tkl(void **state)
{
	uint8_t raw[24] = {0x4F, 0x01, 0x00, 0x01};
	uint8_t token[8 + 4];
	struct coap_packet pkt = {.data = raw, .offset = sizeof(raw), .max_len = sizeof(raw)};

	(void)state;
	memset(token, 0xEE, sizeof(token));
	assert_int_equal(coap_header_get_token(&pkt, token), 0);
	assert_int_equal(token[8], 0xEE);
	/* TKL 3 but only 2 bytes present. */
	raw[0] = 0x43;
	pkt.offset = 6;
	assert_int_equal(coap_header_get_token(&pkt, token), 0);
	assert_int_equal(coap_header_get_token(&pkt, NULL), 0);
}

/* ---- ACK / RST ------------------------------------------------------------- */

static void test_ack_init(void **state)
{
	/* A CON GET, MID 0xA1B2, token 01 02 03 04, Uri-Path "x". */
	static const uint8_t req_bytes[] = {0x44, 0x01, 0xA1, 0xB2, 1, 2, 3, 4, 0xB1, 'x'};
	static const uint8_t piggy[] = {
	    0x64,                   /* ACK | TKL 4 */
	    0x45,                   /* 2.05 */
	    0xA1, 0xB2,             /* same MID */
	    0x01, 0x02, 0x03, 0x04, /* same token */
	};
	static const uint8_t empty_ack[] = {0x60, 0x00, 0xA1, 0xB2}; /* ACK 0.00, no token */
	struct coap_packet req;
	struct coap_packet ack;
	uint8_t rbuf[sizeof(req_bytes)];
	uint8_t buf[16];

	(void)state;
	memcpy(rbuf, req_bytes, sizeof(rbuf));
	assert_int_equal(coap_packet_parse(&req, rbuf, sizeof(rbuf), NULL, 0), 0);
	assert_int_equal(coap_ack_init(&ack, &req, buf, sizeof(buf), COAP_RESPONSE_CODE_CONTENT),
			 0);
	check_packet(&ack, piggy);
	assert_int_equal(coap_ack_init(&ack, &req, buf, sizeof(buf), COAP_CODE_EMPTY), 0);
	check_packet(&ack, empty_ack);
	/* The token is echoed only if the buffer can hold it. */
	assert_int_equal(coap_ack_init(&ack, &req, buf, 7, COAP_RESPONSE_CODE_CONTENT), -ENOSPC);
	assert_int_equal(coap_ack_init(&ack, &req, buf, 4, COAP_CODE_EMPTY), 0);
	assert_int_equal(coap_ack_init(&ack, NULL, buf, sizeof(buf), 0), -EINVAL);
	assert_int_equal(coap_ack_init(NULL, &req, buf, sizeof(buf), 0), -EINVAL);
	assert_int_equal(coap_ack_init(&ack, &req, NULL, sizeof(buf), 0), -EINVAL);
}

static void test_ack_init_bad_request_header(void **state)
{
	uint8_t raw[16] = {0x4C, 0x01, 0x00, 0x01}; /* TKL 12: must not be echoed */
	struct coap_packet req = {.data = raw, .offset = sizeof(raw), .max_len = sizeof(raw)};
	struct coap_packet ack;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(coap_ack_init(&ack, &req, buf, sizeof(buf), 0x45), -EINVAL);
}

static void test_rst_init(void **state)
{
	static const uint8_t con_bytes[] = {0x52, 0x45, 0x0B, 0xAD, 0xCA, 0xFE, 0xFF, 'h', 'i'};
	static const uint8_t rst[] = {
	    0x70,       /* Ver 1 | RST | TKL 0 */
	    0x00,       /* 0.00 Empty */
	    0x0B, 0xAD, /* MID of the rejected message */
	};
	struct coap_packet msg;
	struct coap_packet out;
	uint8_t mbuf[sizeof(con_bytes)];
	uint8_t buf[8];

	(void)state;
	memcpy(mbuf, con_bytes, sizeof(mbuf));
	assert_int_equal(coap_packet_parse(&msg, mbuf, sizeof(mbuf), NULL, 0), 0);
	assert_int_equal(coap_rst_init(&out, &msg, buf, sizeof(buf)), 0);
	check_packet(&out, rst);
	assert_int_equal(coap_rst_init(&out, &msg, buf, 3), -ENOSPC);
	assert_int_equal(coap_rst_init(&out, NULL, buf, sizeof(buf)), -EINVAL);
}

/* ---- payload ------------------------------------------------------------------ */

static void test_payload_rules(void **state)
{
	static const uint8_t golden[] = {
	    0x50,            /* Ver 1 | NON | TKL 0 */
	    0x02,            /* 0.02 POST */
	    0x00, 0x09,      /* MID 9 */
	    0xFF,            /* marker */
	    'a',  'b',  'c', /* payload */
	};
	struct coap_packet pkt;
	uint8_t buf[8];
	const uint8_t *p;
	uint16_t len;

	(void)state;
	assert_int_equal(coap_packet_init(&pkt, buf, sizeof(buf), 1, COAP_TYPE_NON_CON, 0, NULL,
					  COAP_METHOD_POST, 9),
			 0);
	/* Payload before the marker. */
	assert_int_equal(coap_packet_append_payload(&pkt, (const uint8_t *)"abc", 3), -EINVAL);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), 0);
	/* A marker without payload yet: no payload. */
	assert_null(coap_packet_get_payload(&pkt, &len));
	assert_int_equal(len, 0);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), -EINVAL);
	/* Options after the marker are refused. */
	assert_int_equal(coap_append_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT, 0), -EINVAL);
	assert_int_equal(coap_packet_append_payload(&pkt, NULL, 1), -EINVAL);
	assert_int_equal(coap_packet_append_payload(&pkt, (const uint8_t *)"abcd", 4), -ENOSPC);
	assert_int_equal(coap_packet_append_payload(&pkt, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(coap_packet_append_payload(&pkt, NULL, 0), 0);
	check_packet(&pkt, golden);
	p = coap_packet_get_payload(&pkt, &len);
	assert_ptr_equal(p, buf + 5);
	assert_int_equal(len, 3);
	assert_int_equal(coap_packet_append_payload(&pkt, (const uint8_t *)"d", 1), -ENOSPC);

	/* No room for the marker. */
	assert_int_equal(coap_packet_init(&pkt, buf, 4, 1, COAP_TYPE_NON_CON, 0, NULL, 2, 9), 0);
	assert_int_equal(coap_packet_append_payload_marker(&pkt), -ENOSPC);
	assert_int_equal(coap_packet_append_payload_marker(NULL), -EINVAL);
}

static void test_is_request(void **state)
{
	static const struct {
		uint8_t code;
		bool request;
	} cases[] = {
	    {0x00, false}, /* 0.00 Empty */
	    {0x01, true},  /* GET */
	    {0x07, true},  /* iPATCH */
	    {0x1F, true},  /* 0.31: class 0, unassigned method */
	    {0x20, false}, /* 1.00 reserved */
	    {0x45, false}, /* 2.05 */
	    {0x84, false}, /* 4.04 */
	    {0xE0, false}, /* 7.00 signalling */
	};
	struct coap_packet pkt;
	uint8_t buf[4];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(coap_packet_init(&pkt, buf, 4, 1, 0, 0, NULL, cases[i].code, 1),
				 0);
		assert_int_equal(coap_packet_is_request(&pkt), cases[i].request);
		/* Every code byte comes back as it is on the wire (unlike Zephyr). */
		assert_int_equal(coap_header_get_code(&pkt), cases[i].code);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_header),
	    cmocka_unit_test(test_init_rejects),
	    cmocka_unit_test(test_rfc7252_request_build_and_parse),
	    cmocka_unit_test(test_rfc7252_response_parse),
	    cmocka_unit_test(test_set_code_and_id),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_parse_null_args),
	    cmocka_unit_test(test_parse_accepts),
	    cmocka_unit_test(test_parse_option_copies),
	    cmocka_unit_test(test_getters_on_empty),
	    cmocka_unit_test(test_get_token_unparsed_tkl),
	    cmocka_unit_test(test_ack_init),
	    cmocka_unit_test(test_ack_init_bad_request_header),
	    cmocka_unit_test(test_rst_init),
	    cmocka_unit_test(test_payload_rules),
	    cmocka_unit_test(test_is_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
