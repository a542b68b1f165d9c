/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * packet.c -- CoAP message header, parser, payload and ACK/RST builders.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "coap.h"
#include "codec/codec_internal.h"

/* Byte 0 of the fixed header: Ver (2 bits) | T (2 bits) | TKL (4 bits). */
#define HDR_VERSION(b0) ((uint8_t)((b0) >> 6))
#define HDR_TYPE(b0)    ((uint8_t)(((b0) >> 4) & 0x03U))
#define HDR_TKL(b0)     ((uint8_t)((b0)&0x0FU))
#define PAYLOAD_MARKER  0xFFU

/*
 * Whether the bookkeeping of @p cpkt is self-consistent, i.e. every index the
 * codec derives from it stays inside data[0 .. offset) and offset <= max_len.
 * The fields are "read-only" for callers, but the codec must never turn a
 * corrupted struct into an out-of-bounds access.
 */
static bool pkt_consistent(const struct coap_packet *cpkt)
{
	if (cpkt == NULL || cpkt->data == NULL) {
		return false;
	}
	if (cpkt->offset > cpkt->max_len || cpkt->offset < COAP_FIXED_HEADER_SIZE) {
		return false;
	}
	if (cpkt->hdr_len < COAP_FIXED_HEADER_SIZE ||
	    cpkt->hdr_len > COAP_FIXED_HEADER_SIZE + COAP_TOKEN_MAX_LEN) {
		return false;
	}
	return (uint32_t)cpkt->hdr_len + cpkt->opt_len <= cpkt->offset;
}

/* A packet with at least the 4-byte fixed header, for the header getters. */
static bool has_header(const struct coap_packet *cpkt)
{
	return cpkt != NULL && cpkt->data != NULL && cpkt->offset >= COAP_FIXED_HEADER_SIZE;
}

uint8_t coap_header_get_version(const struct coap_packet *cpkt)
{
	return has_header(cpkt) ? HDR_VERSION(cpkt->data[0]) : 0;
}

uint8_t coap_header_get_type(const struct coap_packet *cpkt)
{
	return has_header(cpkt) ? HDR_TYPE(cpkt->data[0]) : 0;
}

uint8_t coap_header_get_token(const struct coap_packet *cpkt, uint8_t *token)
{
	uint8_t tkl;

	if (!has_header(cpkt) || token == NULL) {
		return 0;
	}
	/*
	 * Re-check TKL against the buffer even for parsed packets: callers also
	 * use this on raw datagrams, and TKL 9..15 must never make us copy more
	 * than COAP_TOKEN_MAX_LEN bytes (the Zephyr PR #58794 bug class).
	 */
	tkl = HDR_TKL(cpkt->data[0]);
	if (tkl > COAP_TOKEN_MAX_LEN || COAP_FIXED_HEADER_SIZE + tkl > cpkt->offset) {
		return 0;
	}
	if (tkl == 8) {
		/* The usual length (zcoap's own tokens): a fixed-size copy, no memcpy() call. */
		memcpy(token, cpkt->data + COAP_FIXED_HEADER_SIZE, 8);
	} else if (tkl > 0) {
		memcpy(token, cpkt->data + COAP_FIXED_HEADER_SIZE, tkl);
	}
	return tkl;
}

uint8_t coap_header_get_code(const struct coap_packet *cpkt)
{
	return has_header(cpkt) ? cpkt->data[1] : 0;
}

int coap_header_set_code(const struct coap_packet *cpkt, uint8_t code)
{
	if (!has_header(cpkt)) {
		return -EINVAL;
	}
	cpkt->data[1] = code;
	return 0;
}

uint16_t coap_header_get_id(const struct coap_packet *cpkt)
{
	if (!has_header(cpkt)) {
		return 0;
	}
	return (uint16_t)(((unsigned int)cpkt->data[2] << 8) | cpkt->data[3]);
}

int coap_header_set_id(struct coap_packet *cpkt, uint16_t id)
{
	if (!has_header(cpkt)) {
		return -EINVAL;
	}
	cpkt->data[2] = (uint8_t)(id >> 8);
	cpkt->data[3] = (uint8_t)(id & 0xFFU);
	return 0;
}

const uint8_t *coap_packet_get_payload(const struct coap_packet *cpkt, uint16_t *len)
{
	uint32_t marker;

	if (len != NULL) {
		*len = 0;
	}
	if (!pkt_consistent(cpkt)) {
		return NULL;
	}
	/*
	 * The marker sits right after the options; a marker with nothing after
	 * it (possible only while building) means "no payload yet".
	 */
	marker = (uint32_t)cpkt->hdr_len + cpkt->opt_len;
	if (marker + 1U >= cpkt->offset || cpkt->data[marker] != PAYLOAD_MARKER) {
		return NULL;
	}
	if (len != NULL) {
		*len = (uint16_t)(cpkt->offset - marker - 1U);
	}
	return cpkt->data + marker + 1U;
}

bool coap_packet_is_request(const struct coap_packet *cpkt)
{
	uint8_t code = coap_header_get_code(cpkt);

	/* Class 0 with a non-zero detail; 0.00 is the Empty message (§4.1). */
	return (code & 0xE0U) == 0 && code != COAP_CODE_EMPTY;
}

/*
 * RFC 7252 §3, message format:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Ver| T |  TKL  |      Code     |          Message ID           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Token (if any, TKL bytes) ...
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Options (if any) ...
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |1 1 1 1 1 1 1 1|    Payload (if any) ...
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * and each option (§3.1):
 *
 *    +---------------+---------------+
 *    | Option Delta  | Option Length |   1 byte; nibble 13: +1 byte, value+13
 *    +---------------+---------------+           nibble 14: +2 bytes, value+269
 *    /  Option Delta (extended) 0-2  /           nibble 15: reserved (0xFF is
 *    /  Option Length (extended) 0-2 /           the payload marker)
 *    /  Option Value ...             /
 *
 * The parser checks everything up front ("parse, then trust"): once it
 * returns 0 the getters and the option iterator can rely on hdr_len, opt_len
 * and offset. Every length is compared with the bytes left *before* it is
 * used, and all arithmetic on option numbers is done in 32 bits (the option
 * decoder lives in zcoap_option_iter_next(), shared with every reader).
 *
 * Option values longer than COAP_OPTION_VALUE_MAX_LEN cannot be copied into
 * struct coap_option: for those the copy holds the first 12 bytes and its
 * len is 12. Callers that need the whole value use zcoap_option_find() or
 * the iterator, which point into the message. Code classes 1, 6 and 7 are
 * reserved (§3) but are not a *format* error: deciding to reject them is the
 * receiver's business (the client engine does; a server would not).
 *
 * parse() is coap_packet_parse(), and with @p walk
 * (zc_packet_parse_response()) also the option check and index of a
 * response, in the same walk of the options.
 */
static int parse(struct coap_packet *cpkt, uint8_t *data, uint16_t len, struct coap_option *options,
		 uint8_t opt_num, struct zc_opt_walk *walk)
{
	struct coap_packet view;
	struct zcoap_option_iter it;
	uint16_t number;
	uint16_t vlen;
	const uint8_t *value;
	uint8_t tkl;
	unsigned int count = 0;
	int r;

	if (cpkt == NULL) {
		return -EINVAL;
	}
	/* A failed parse leaves an empty view, so stray getters return 0. */
	memset(cpkt, 0, sizeof(*cpkt));
	if (options != NULL && opt_num > 0) {
		memset(options, 0, (size_t)opt_num * sizeof(*options));
	}
	if (data == NULL || len < COAP_FIXED_HEADER_SIZE) {
		return -EINVAL;
	}

	/* §3: unknown versions MUST be silently ignored by the receiver. */
	if (HDR_VERSION(data[0]) != COAP_VERSION_1) {
		return -EBADMSG;
	}
	/* §3: TKL 9..15 are reserved and MUST be processed as a format error. */
	tkl = HDR_TKL(data[0]);
	if (tkl > COAP_TOKEN_MAX_LEN) {
		return -EBADMSG;
	}
	if (COAP_FIXED_HEADER_SIZE + tkl > len) {
		return -EBADMSG;
	}
	/* §4.1: an Empty message has TKL 0 and nothing after the Message ID. */
	if (data[1] == COAP_CODE_EMPTY && len != COAP_FIXED_HEADER_SIZE) {
		return -EBADMSG;
	}

	view.data = data;
	view.offset = len;
	view.max_len = len;
	view.hdr_len = (uint8_t)(COAP_FIXED_HEADER_SIZE + tkl);
	/* Provisional: the options may run to the end; the walk finds the marker. */
	view.opt_len = (uint16_t)(len - view.hdr_len);
	view.delta = 0;

	zcoap_option_iter_init(&it, &view);
	while ((r = zcoap_option_iter_next(&it, &number, &value, &vlen)) == 1) {
		if (options != NULL && count < opt_num) {
			uint8_t n = vlen < COAP_OPTION_VALUE_MAX_LEN ? (uint8_t)vlen
								     : COAP_OPTION_VALUE_MAX_LEN;

			options[count].delta = number;
			options[count].len = n;
			if (n > 0) {
				memcpy(options[count].value, value, n);
			}
		}
		if (walk != NULL) {
			zc_opt_walk_step(walk, number, value, vlen);
		}
		count++;
	}
	if (r < 0) {
		return -EILSEQ;
	}

	/* The walk stopped at the end of the datagram or on the 0xFF marker. */
	if (it.pos < len && (uint32_t)it.pos + 1U >= len) {
		/* §3: a marker followed by a zero-length payload is a format error. */
		return -EILSEQ;
	}
	view.opt_len = (uint16_t)(it.pos - view.hdr_len);
	view.delta = it.number;
	*cpkt = view;
	return 0;
}

int coap_packet_parse(struct coap_packet *cpkt, uint8_t *data, uint16_t len,
		      struct coap_option *options, uint8_t opt_num)
{
	return parse(cpkt, data, len, options, opt_num, NULL);
}

/*
 * The options a plain response may carry on the fast path, by number (the
 * numbers below 15 that a one-byte option header reaches): each is elective
 * and acts on nothing in a non-block, non-observe exchange -- RFC 7252
 * §5.10.6 ETag (between blocks only), §5.10.3 Content-Format, §5.10.5
 * Max-Age (an observation's only). Bit n of an entry: a value of n bytes is
 * in the option's §5.10 range; 0: not allowed. A length outside the range
 * is left to the general path, which treats the option as unrecognized
 * (§5.4.3).
 */
const uint16_t zc_bare_option_lengths[15] = {
    [COAP_OPTION_ETAG] = 0x1FE,         /* 1..8 */
    [COAP_OPTION_CONTENT_FORMAT] = 0x7, /* 0..2 */
    [COAP_OPTION_MAX_AGE] = 0x1F,       /* 0..4 */
};

bool zc_packet_parse_bare(struct coap_packet *cpkt, uint8_t *data, uint16_t len)
{
	unsigned int tkl;

	/* §3: version 1; TKL 9..15 reserved; the token is all there; §4.1: not Empty. */
	if (len < COAP_FIXED_HEADER_SIZE || HDR_VERSION(data[0]) != COAP_VERSION_1 ||
	    data[1] == COAP_CODE_EMPTY) {
		return false;
	}
	tkl = HDR_TKL(data[0]);
	if (tkl > COAP_TOKEN_MAX_LEN || COAP_FIXED_HEADER_SIZE + tkl > len) {
		return false;
	}
	return zc_packet_parse_bare_after(cpkt, data, len, COAP_FIXED_HEADER_SIZE + tkl);
}

int zc_packet_parse_response(struct coap_packet *cpkt, uint8_t *data, uint16_t len,
			     struct zc_opt_index *idx, int *check)
{
	struct zc_opt_walk w;
	int r;

	zc_opt_walk_init(&w, idx);
	r = parse(cpkt, data, len, NULL, 0, &w);
	/*
	 * The options of a parsed packet are well-formed: the same walk as
	 * zc_response_index_options() on it, with the same verdict.
	 */
	*check = zc_opt_walk_end(&w, false);
	if (r < 0 && idx != NULL) {
		idx->complete = false;
	}
	return r;
}

int coap_packet_init(struct coap_packet *cpkt, uint8_t *data, uint16_t max_len, uint8_t ver,
		     uint8_t type, uint8_t token_len, const uint8_t *token, uint8_t code,
		     uint16_t id)
{
	if (cpkt == NULL || data == NULL || ver != COAP_VERSION_1 || type > COAP_TYPE_RESET ||
	    token_len > COAP_TOKEN_MAX_LEN || (token == NULL && token_len > 0)) {
		return -EINVAL;
	}
	if (max_len < COAP_FIXED_HEADER_SIZE + token_len) {
		return -ENOSPC;
	}

	data[0] = (uint8_t)((ver << 6) | (type << 4) | token_len);
	data[1] = code;
	data[2] = (uint8_t)(id >> 8);
	data[3] = (uint8_t)(id & 0xFFU);
	if (token_len == 8) {
		memcpy(data + COAP_FIXED_HEADER_SIZE, token, 8); /* the usual length, inline */
	} else if (token_len > 0) {
		memcpy(data + COAP_FIXED_HEADER_SIZE, token, token_len);
	}

	cpkt->data = data;
	cpkt->max_len = max_len;
	cpkt->hdr_len = (uint8_t)(COAP_FIXED_HEADER_SIZE + token_len);
	cpkt->offset = cpkt->hdr_len;
	cpkt->opt_len = 0;
	cpkt->delta = 0;
	return 0;
}

/* The request's token, or -EINVAL when its header cannot be trusted. */
static int request_token(const struct coap_packet *req, uint8_t token[COAP_TOKEN_MAX_LEN])
{
	uint8_t tkl;

	if (!has_header(req)) {
		return -EINVAL;
	}
	tkl = HDR_TKL(req->data[0]);
	if (tkl > COAP_TOKEN_MAX_LEN || COAP_FIXED_HEADER_SIZE + tkl > req->offset) {
		return -EINVAL;
	}
	return coap_header_get_token(req, token);
}

int coap_ack_init(struct coap_packet *cpkt, const struct coap_packet *req, uint8_t *data,
		  uint16_t max_len, uint8_t code)
{
	uint8_t token[COAP_TOKEN_MAX_LEN];
	int tkl = request_token(req, token);

	if (tkl < 0) {
		return tkl;
	}
	/*
	 * §4.1/§4.2: an Empty ACK must not carry a token; a piggybacked response
	 * echoes the request's token (§5.3.2). The token length was bounded to
	 * 8 above, so echoing it can never overrun a small buffer (the RIOT
	 * CVE-2026-27703 class): max_len is checked by coap_packet_init().
	 */
	if (code == COAP_CODE_EMPTY) {
		tkl = 0;
	}
	return coap_packet_init(cpkt, data, max_len, COAP_VERSION_1, COAP_TYPE_ACK, (uint8_t)tkl,
				tkl > 0 ? token : NULL, code, coap_header_get_id(req));
}

int coap_rst_init(struct coap_packet *cpkt, const struct coap_packet *req, uint8_t *data,
		  uint16_t max_len)
{
	if (!has_header(req)) {
		return -EINVAL;
	}
	/* §4.2/§4.3: RST is an Empty message carrying the MID being rejected. */
	return coap_packet_init(cpkt, data, max_len, COAP_VERSION_1, COAP_TYPE_RESET, 0, NULL,
				COAP_CODE_EMPTY, coap_header_get_id(req));
}

int coap_packet_append_payload_marker(struct coap_packet *cpkt)
{
	if (!pkt_consistent(cpkt)) {
		return -EINVAL;
	}
	/* Anything after the options is the marker (and payload). */
	if (cpkt->offset != (uint32_t)cpkt->hdr_len + cpkt->opt_len) {
		return -EINVAL;
	}
	if (cpkt->offset >= cpkt->max_len) {
		return -ENOSPC;
	}
	cpkt->data[cpkt->offset] = PAYLOAD_MARKER;
	cpkt->offset++;
	return 0;
}

int coap_packet_append_payload(struct coap_packet *cpkt, const uint8_t *payload,
			       uint16_t payload_len)
{
	if (!pkt_consistent(cpkt) || (payload == NULL && payload_len > 0)) {
		return -EINVAL;
	}
	if (cpkt->offset == (uint32_t)cpkt->hdr_len + cpkt->opt_len) {
		return -EINVAL; /* no marker yet */
	}
	/* 32-bit sum: offset + length may exceed 65535 (mbed CVE-2019-17211 class). */
	if ((uint32_t)cpkt->offset + payload_len > cpkt->max_len) {
		return -ENOSPC;
	}
	if (payload_len > 0) {
		memcpy(cpkt->data + cpkt->offset, payload, payload_len);
	}
	cpkt->offset = (uint16_t)(cpkt->offset + payload_len);
	return 0;
}
