/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * codec_internal.h -- codec functions used by the core but not public: the
 * response option checks (the public option walker is zcoap_option.h).
 * All functions assume a packet accepted by coap_packet_parse() (or built by
 * the codec) and never read outside cpkt->data[0 .. cpkt->offset).
 */
#ifndef ZCOAP_CODEC_INTERNAL_H
#define ZCOAP_CODEC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "coap.h"
#include "zcoap_option.h"

/**
 * Whether a client can accept a received response/notification as far as its
 * options go (RFC 7252 §5.4.1, §5.4.3, §5.4.4, RFC 7959, RFC 7641, RFC 9175):
 * every critical (odd-numbered) option must be one the client recognises,
 * occur once unless repeatable, and have a length inside its defined range.
 * Elective options with the same faults are to be ignored by consumers, not
 * rejected (see zc_option_get_checked()).
 * @retval 0 Acceptable.
 * @retval -ENOTSUP An unrecognised critical option, or a recognised critical
 *         option repeated or with an out-of-range length.
 * @retval -EILSEQ Malformed packet.
 */
int zc_response_check_options(const struct coap_packet *cpkt);

/** Distinct option numbers a struct zc_opt_index records. */
#define ZC_OPT_INDEX_MAX 8

/**
 * Where the first occurrence of each option number of a checked response
 * is (zc_response_index_options()): the client looks up several options of
 * every response (Block2, Size2, ETag, Observe ...), and a walk of the
 * options per lookup was the largest cost of a Block2 download.
 */
struct zc_opt_index {
	uint8_t n;     /* entries used */
	bool complete; /* every option number of the packet has an entry */
	struct {
		uint16_t number;
		uint16_t len;
		const uint8_t *value; /* NULL when len is 0 */
	} e[ZC_OPT_INDEX_MAX];
};

/**
 * zc_response_check_options(), also filling @p idx (the same walk). @p idx
 * is complete only when the check passed and the packet has at most
 * ZC_OPT_INDEX_MAX distinct option numbers.
 */
int zc_response_index_options(const struct coap_packet *cpkt, struct zc_opt_index *idx);

/**
 * The per-option work of zc_response_index_options(), for a walk that is
 * done anyway (zc_packet_parse_response()): zc_opt_walk_init(), then
 * zc_opt_walk_step() for each option in wire order, then zc_opt_walk_end()
 * with whether the walk found the options malformed.
 */
struct zc_opt_walk {
	struct zc_opt_index *idx; /* may be NULL */
	int check;                /* 0, or the verdict once an option failed */
	uint16_t prev;
	bool first;
	bool fits;
};

void zc_opt_walk_init(struct zc_opt_walk *w, struct zc_opt_index *idx);
void zc_opt_walk_step(struct zc_opt_walk *w, uint16_t num, const uint8_t *value, uint16_t len);
/** @return zc_response_check_options()'s verdict; completes the index when it is 0. */
int zc_opt_walk_end(struct zc_opt_walk *w, bool malformed);

/**
 * coap_packet_parse() of a received response without copying options out,
 * and zc_response_index_options() in the same walk of its options.
 * @param[out] check The option check's verdict (0, -ENOTSUP), valid when
 *             the parse succeeded.
 * @return coap_packet_parse()'s result.
 */
int zc_packet_parse_response(struct coap_packet *cpkt, uint8_t *data, uint16_t len,
			     struct zc_opt_index *idx, int *check);

/**
 * coap_packet_parse() of the common shape of a response: the fixed header,
 * the token, at most the elective options Content-Format, Max-Age and ETag
 * (each once, short header form, a length in its RFC 7252 §5.10 range),
 * then nothing or the payload marker and a payload. Checks what parse()
 * checks for that shape (version, token length, a non-Empty code, every
 * option value within the datagram, a marker followed by at least one
 * byte).
 * @return true: @p cpkt is the view coap_packet_parse() would make;
 *         false: another shape or invalid, @p cpkt untouched (parse it).
 */
bool zc_packet_parse_bare(struct coap_packet *cpkt, uint8_t *data, uint16_t len);

/** Bit n of entry k: an option k of n bytes is allowed by zc_packet_parse_bare(). */
extern const uint16_t zc_bare_option_lengths[15];

/**
 * zc_packet_parse_bare() past a header already checked (version 1, a valid
 * TKL whose token is all there, a non-Empty code): @p hdr_len is 4 + TKL.
 * Inline for the engine's receive fast path, which checked the header
 * itself. The options: only those of zc_bare_option_lengths, each once and
 * in order (a delta of 0 would repeat one), in the one-byte header form
 * (RFC 7252 §3.1: delta and length nibbles below 13), the value all there;
 * then the end, or the payload marker and at least one byte (§3: a marker
 * with nothing after it is a format error). Anything else is not this
 * shape: coap_packet_parse() and the option check decide.
 */
static inline bool zc_packet_parse_bare_after(struct coap_packet *cpkt, uint8_t *data,
					      unsigned int len, unsigned int hdr_len)
{
	unsigned int pos = hdr_len;
	unsigned int num = 0;

	while (pos < len && data[pos] != 0xFFU) {
		unsigned int delta = data[pos] >> 4;
		unsigned int olen = data[pos] & 0x0FU;

		num += delta;
		if (delta - 1U >= 12U || num >= 15U ||
		    ((zc_bare_option_lengths[num] >> olen) & 1U) == 0 || olen >= len - pos) {
			return false;
		}
		pos += 1U + olen;
	}
	if (pos + 1U == len) {
		return false;
	}
	cpkt->data = data;
	cpkt->offset = (uint16_t)len;
	cpkt->max_len = (uint16_t)len;
	cpkt->hdr_len = (uint8_t)hdr_len;
	cpkt->opt_len = (uint16_t)(pos - hdr_len);
	cpkt->delta = (uint16_t)num;
	return true;
}

/**
 * zc_option_get_checked() from a complete index of the same packet: the
 * same answer without walking the options.
 */
int zc_opt_index_get(const struct zc_opt_index *idx, uint16_t number, const uint8_t **value,
		     uint16_t *len);

/**
 * First occurrence of an option whose length is inside its defined range
 * (RFC 7252 §5.4.3); an out-of-range first occurrence counts as absent, and
 * later occurrences of non-repeatable options are never returned (§5.4.4).
 * @retval 0 Found.
 * @retval -ENOENT Absent (or unusable).
 */
int zc_option_get_checked(const struct coap_packet *cpkt, uint16_t number, const uint8_t **value,
			  uint16_t *len);

/** Size of an option header (RFC 7252 §3.1) for @p delta and @p len. */
uint32_t zc_option_header_size(uint32_t delta, uint32_t len);

/** Write an option header at @p p; returns its size (zc_option_header_size()). */
uint32_t zc_option_put_header(uint8_t *p, uint32_t delta, uint32_t len);

/**
 * Encode @p path as the first options of a message, at @p out: the
 * Uri-Path and Uri-Query options coap_packet_set_path() appends to a packet
 * without options, byte for byte, without a struct coap_packet (the
 * request builder's path of a plain request, src/core/message.c).
 * @return Bytes written, or -ENOSPC when they exceed @p cap.
 */
int zc_encode_path(uint8_t *out, size_t cap, const char *path);

/**
 * zc_encode_path() and a copy of @p path (its NUL included) into @p copy
 * in one walk over it, for a request that keeps its path (src/core/submit.c).
 * @return Bytes written to @p out, -EINVAL when the path has @p copy_cap
 *         bytes or more (no room for its NUL), or -ENOSPC when the options
 *         exceed @p cap.
 */
int zc_encode_path_copy(uint8_t *out, size_t cap, const char *path, char *copy, size_t copy_cap);

#endif /* ZCOAP_CODEC_INTERNAL_H */
