/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_packet.c -- libFuzzer target: the parser and every consumer of its output.
 *
 * A datagram is parsed; when accepted, everything a client does with a parsed
 * message is exercised (getters, option iterator, finders, block decoding,
 * the §5.4 option checks, ACK/RST builders, and the payload as a path for
 * coap_packet_set_path()), then the message is rebuilt
 * with the builder API, appending the options out of order, and must come
 * out byte-identical (the option encoding of RFC 7252 §3.1 is canonical) and
 * re-parse. Any broken invariant aborts, which the fuzzer reports as a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap.h"
#include "codec/codec_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct opt_ref {
	uint16_t number;
	uint16_t len;
	const uint8_t *value;
};

static const uint16_t probe_numbers[] = {
    0,
    COAP_OPTION_IF_MATCH,
    COAP_OPTION_URI_HOST,
    COAP_OPTION_ETAG,
    COAP_OPTION_OBSERVE,
    COAP_OPTION_URI_PORT,
    COAP_OPTION_LOCATION_PATH,
    COAP_OPTION_OSCORE,
    COAP_OPTION_URI_PATH,
    COAP_OPTION_CONTENT_FORMAT,
    COAP_OPTION_MAX_AGE,
    COAP_OPTION_URI_QUERY,
    COAP_OPTION_BLOCK2,
    COAP_OPTION_BLOCK1,
    COAP_OPTION_SIZE2,
    COAP_OPTION_SIZE1,
    COAP_OPTION_ECHO,
    COAP_OPTION_NO_RESPONSE,
    COAP_OPTION_REQUEST_TAG,
    268,
    269,
    65535,
};

static void exercise_getters(const struct coap_packet *pkt, const uint8_t *buf, size_t size)
{
	struct coap_option found[3];
	uint8_t token[COAP_TOKEN_MAX_LEN];
	const uint8_t *payload;
	const uint8_t *value;
	uint16_t plen;
	uint16_t vlen;
	size_t i;

	CHECK(coap_header_get_version(pkt) == 1);
	CHECK(coap_header_get_type(pkt) <= COAP_TYPE_RESET);
	CHECK(coap_header_get_token(pkt, token) == (buf[0] & 0x0F));
	CHECK(coap_header_get_code(pkt) == buf[1]);
	CHECK(coap_header_get_id(pkt) == (uint16_t)((buf[2] << 8) | buf[3]));
	(void)coap_packet_is_request(pkt);

	payload = coap_packet_get_payload(pkt, &plen);
	if (payload != NULL) {
		CHECK(plen > 0);
		CHECK(payload > buf && payload + plen == buf + size);
		CHECK(payload[-1] == 0xFF);
	} else {
		CHECK(plen == 0);
	}

	for (i = 0; i < sizeof(probe_numbers) / sizeof(probe_numbers[0]); i++) {
		uint16_t n = probe_numbers[i];
		int r = coap_find_options(pkt, n, found, 3);
		int v;

		CHECK(r == -EMSGSIZE || (r >= 0 && r <= 3));
		while (r > 0) {
			r--;
			CHECK(found[r].delta == n && found[r].len <= COAP_OPTION_VALUE_MAX_LEN);
			(void)coap_option_value_to_int(&found[r]);
		}
		v = coap_get_option_int(pkt, n);
		CHECK(v >= 0 || v == -ENOENT || v == -EINVAL || v == -ERANGE);
		r = zcoap_option_find(pkt, n, &value, &vlen);
		CHECK(r == 0 || r == -ENOENT);
		if (r == 0) {
			CHECK(vlen == 0 || (value >= buf && value + vlen <= buf + size));
			(void)zcoap_option_uint(value, vlen);
		}
		r = zc_option_get_checked(pkt, n, &value, &vlen);
		CHECK(r == 0 || r == -ENOENT);
	}
}

static void exercise_blocks(const struct coap_packet *pkt)
{
	struct coap_block_context ctx;
	uint32_t num;
	bool more;
	int r;

	r = coap_get_block1_option(pkt, &more, &num);
	CHECK(r == -ENOENT || r == -EINVAL || (r >= 16 && r <= 1024));
	r = coap_get_block2_option(pkt, &more, &num);
	CHECK(r == -ENOENT || r == -EINVAL || (r >= 16 && r <= 1024));

	CHECK(coap_block_transfer_init(&ctx, COAP_BLOCK_256, 0) == 0);
	r = coap_update_from_block(pkt, &ctx);
	CHECK(r == 0 || r == -EINVAL);
	CHECK((unsigned int)ctx.block_size <= COAP_BLOCK_256);
	(void)coap_next_block(pkt, &ctx);
}

/* Rebuild from the parsed fields: option groups appended highest number first. */
static void rebuild(const struct coap_packet *pkt, const uint8_t *buf, size_t size,
		    const struct opt_ref *opts, size_t nopts)
{
	struct coap_packet out;
	struct coap_packet again;
	uint8_t token[COAP_TOKEN_MAX_LEN];
	const uint8_t *payload;
	uint16_t plen;
	uint8_t *copy = malloc(size);
	size_t group_end = nopts;

	CHECK(copy != NULL);
	CHECK(coap_packet_init(&out, copy, (uint16_t)size, 1, coap_header_get_type(pkt),
			       coap_header_get_token(pkt, token), token, coap_header_get_code(pkt),
			       coap_header_get_id(pkt)) == 0);
	/*
	 * Every append but the first group is an out-of-order insertion; within
	 * a group of equal numbers the original order is kept, so the result
	 * must be the original datagram.
	 */
	while (group_end > 0) {
		size_t start = group_end - 1;
		size_t i;

		while (start > 0 && opts[start - 1].number == opts[group_end - 1].number) {
			start--;
		}
		for (i = start; i < group_end; i++) {
			CHECK(coap_packet_append_option(&out, opts[i].number, opts[i].value,
							opts[i].len) == 0);
		}
		group_end = start;
	}
	payload = coap_packet_get_payload(pkt, &plen);
	if (payload != NULL) {
		CHECK(coap_packet_append_payload_marker(&out) == 0);
		CHECK(coap_packet_append_payload(&out, payload, plen) == 0);
	}
	CHECK(out.offset == size && memcmp(copy, buf, size) == 0);
	CHECK(out.hdr_len == pkt->hdr_len && out.opt_len == pkt->opt_len);
	CHECK(out.delta == pkt->delta);
	CHECK(coap_packet_parse(&again, copy, (uint16_t)size, NULL, 0) == 0);

	/* Removing options keeps the message well-formed. */
	if (nopts > 0) {
		CHECK(coap_packet_remove_option(&out, opts[nopts / 2].number) == 0);
		CHECK(out.offset <= size);
		CHECK(coap_packet_parse(&again, copy, out.offset, NULL, 0) == 0);
		CHECK(coap_packet_remove_option(&out, opts[0].number) == 0);
		CHECK(coap_packet_parse(&again, copy, out.offset, NULL, 0) == 0);
	}
	free(copy);
}

static void exercise_replies(const struct coap_packet *pkt)
{
	struct coap_packet reply;
	uint8_t buf[COAP_FIXED_HEADER_SIZE + COAP_TOKEN_MAX_LEN];
	uint8_t token[COAP_TOKEN_MAX_LEN];
	uint8_t tkl = coap_header_get_token(pkt, token);

	CHECK(coap_ack_init(&reply, pkt, buf, sizeof(buf), COAP_RESPONSE_CODE_CONTENT) == 0);
	CHECK(reply.offset == COAP_FIXED_HEADER_SIZE + tkl);
	CHECK(coap_header_get_id(&reply) == coap_header_get_id(pkt));
	CHECK(coap_ack_init(&reply, pkt, buf, COAP_FIXED_HEADER_SIZE, COAP_CODE_EMPTY) == 0);
	CHECK(coap_rst_init(&reply, pkt, buf, COAP_FIXED_HEADER_SIZE) == 0);
	CHECK(coap_header_get_type(&reply) == COAP_TYPE_RESET);
}

/*
 * The payload, read as a path string, through coap_packet_set_path(): with
 * room for the worst case (3 header bytes per 1-byte segment) it must
 * succeed, and the result must parse, with no more value bytes than input.
 */
static void exercise_path(const uint8_t *payload, uint16_t len)
{
	struct coap_packet pkt;
	struct coap_packet again;
	struct zcoap_option_iter it;
	const uint8_t *value;
	uint16_t number;
	uint16_t vlen;
	size_t total = 0;
	size_t cap = 4 + 4 * (size_t)len + 8;
	char *path;
	uint8_t *buf;
	int r;

	if (len > 4096) {
		return;
	}
	path = malloc((size_t)len + 1);
	buf = malloc(cap);
	CHECK(path != NULL && buf != NULL);
	memcpy(path, payload, len);
	path[len] = '\0';
	CHECK(coap_packet_init(&pkt, buf, (uint16_t)cap, 1, COAP_TYPE_CON, 0, NULL, COAP_METHOD_GET,
			       1) == 0);
	CHECK(coap_packet_set_path(&pkt, path) == 0);
	CHECK(coap_packet_parse(&again, buf, pkt.offset, NULL, 0) == 0);
	zcoap_option_iter_init(&it, &again);
	while ((r = zcoap_option_iter_next(&it, &number, &value, &vlen)) == 1) {
		CHECK(number == COAP_OPTION_URI_PATH || number == COAP_OPTION_URI_QUERY);
		CHECK(vlen > 0 && memchr(value, '\0', vlen) == NULL);
		total += vlen;
	}
	CHECK(r == 0 && total <= len);
	free(buf);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coap_packet pkt;
	struct coap_option head[4];
	struct zcoap_option_iter it;
	struct opt_ref *opts;
	const uint8_t *value;
	uint16_t number;
	uint16_t vlen;
	uint8_t *buf;
	size_t nopts = 0;
	int r;

	if (size > UINT16_MAX) {
		return 0;
	}
	/* An exact-size heap copy, so any read past the datagram is caught by ASan. */
	buf = malloc(size > 0 ? size : 1);
	CHECK(buf != NULL);
	if (size > 0) {
		memcpy(buf, data, size);
	}
	r = coap_packet_parse(&pkt, buf, (uint16_t)size, head, 4);
	if (r != 0) {
		CHECK(r == -EINVAL || r == -EBADMSG || r == -EILSEQ);
		CHECK(coap_header_get_code(&pkt) == 0 &&
		      coap_packet_get_payload(&pkt, &vlen) == NULL);
		free(buf);
		return 0;
	}
	CHECK(memcmp(buf, data, size) == 0); /* the parser never writes */

	opts = malloc(size * sizeof(*opts));
	CHECK(opts != NULL);
	zcoap_option_iter_init(&it, &pkt);
	while ((r = zcoap_option_iter_next(&it, &number, &value, &vlen)) == 1) {
		CHECK(nopts == 0 || number >= opts[nopts - 1].number);
		if (nopts < 4) {
			CHECK(head[nopts].delta == number);
			CHECK(head[nopts].len == (vlen < 12 ? vlen : 12));
		}
		opts[nopts].number = number;
		opts[nopts].len = vlen;
		opts[nopts].value = value;
		nopts++;
	}
	CHECK(r == 0);

	exercise_getters(&pkt, buf, size);
	exercise_blocks(&pkt);
	r = zc_response_check_options(&pkt);
	CHECK(r == 0 || r == -ENOTSUP);
	exercise_replies(&pkt);
	rebuild(&pkt, buf, size, opts, nopts);
	value = coap_packet_get_payload(&pkt, &vlen);
	if (value != NULL) {
		exercise_path(value, vlen);
	}

	free(opts);
	free(buf);
	return 0;
}
