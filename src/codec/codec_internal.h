/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * codec_internal.h -- codec functions used by the client engine but not part
 * of Zephyr's coap.h: zero-copy option access and response option checks.
 * All functions assume a packet accepted by coap_packet_parse() (or built by
 * the codec) and never read outside cpkt->data[0 .. cpkt->offset).
 */
#ifndef ZCOAP_CODEC_INTERNAL_H
#define ZCOAP_CODEC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "coap.h"

/** Walks the options of a packet in wire order without copying. */
struct zcoap_option_iter {
	const struct coap_packet *pkt;
	uint16_t pos;    /* offset of the next option header */
	uint16_t number; /* number of the option last returned */
};

/** Start walking @p cpkt's options. */
void zcoap_option_iter_init(struct zcoap_option_iter *it, const struct coap_packet *cpkt);

/**
 * Next option.
 * @retval 1 An option: *number, *value (into the packet; NULL when *len is 0) and *len set.
 * @retval 0 No more options.
 * @retval -EILSEQ Malformed option (only possible on packets not checked by the parser).
 */
int zcoap_option_iter_next(struct zcoap_option_iter *it, uint16_t *number, const uint8_t **value,
			   uint16_t *len);

/**
 * First occurrence of an option, without copying.
 * @retval 0 Found: *value (NULL when *len is 0) and *len set.
 * @retval -ENOENT Absent.
 * @retval -EILSEQ Malformed packet.
 */
int zcoap_option_find(const struct coap_packet *cpkt, uint16_t number, const uint8_t **value,
		      uint16_t *len);

/** Decode an unsigned big-endian option value of up to 4 bytes (0 bytes = 0). */
uint32_t zcoap_option_uint(const uint8_t *value, uint16_t len);

/**
 * Whether a client can accept a received response/notification as far as its
 * options go (RFC 7252 §5.4.1, §5.4.3, §5.4.4, RFC 7959, RFC 7641, RFC 9175):
 * every critical (odd-numbered) option must be one the client recognises,
 * occur once unless repeatable, and have a length inside its defined range.
 * Elective options with the same faults are to be ignored by consumers, not
 * rejected (see zcoap_option_get_checked()).
 * @retval 0 Acceptable.
 * @retval -ENOTSUP An unrecognised critical option, or a recognised critical
 *         option repeated or with an out-of-range length.
 * @retval -EILSEQ Malformed packet.
 */
int zcoap_response_check_options(const struct coap_packet *cpkt);

/**
 * First occurrence of an option whose length is inside its defined range
 * (RFC 7252 §5.4.3); an out-of-range first occurrence counts as absent, and
 * later occurrences of non-repeatable options are never returned (§5.4.4).
 * @retval 0 Found.
 * @retval -ENOENT Absent (or unusable).
 */
int zcoap_option_get_checked(const struct coap_packet *cpkt, uint16_t number, const uint8_t **value,
			     uint16_t *len);

/**
 * Decode a Block1/Block2 option value (RFC 7959 §2.2).
 * @retval 0 Valid: *num, *more, *szx set.
 * @retval -EINVAL Longer than 3 bytes, or SZX 7 (reserved).
 */
int zcoap_block_decode(const uint8_t *value, uint16_t len, uint32_t *num, bool *more, uint8_t *szx);

/** Encode a Block1/Block2 value into its shortest form; returns the length (0..3). */
uint16_t zcoap_block_encode(uint32_t num, bool more, uint8_t szx, uint8_t out[3]);

/** Encode an unsigned value in its shortest big-endian form; returns the length (0..4). */
uint16_t zcoap_uint_encode(uint32_t val, uint8_t out[4]);

#endif /* ZCOAP_CODEC_INTERNAL_H */
