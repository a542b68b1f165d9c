/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_option.h -- zero-copy access to the options of a CoAP message
 * (a zcoap extension to Zephyr's coap.h).
 *
 * Zephyr's coap_find_options() copies option values into caller arrays and
 * caps their length; these functions walk the options in place instead, so
 * the library, the zcoap tool and the tests share one bounds-checked parser
 * (RFC 7252 §3.1). They work on any struct coap_packet: one accepted by
 * coap_packet_parse(), one being built, or the packet a response callback
 * sees through zcoap_client_response_packet(). No function reads outside
 * cpkt->data[0 .. cpkt->offset).
 *
 * Example -- print every option of a received response:
 *
 *     struct zcoap_option_iter it;
 *     uint16_t num, len;
 *     const uint8_t *val;
 *
 *     zcoap_option_iter_init(&it, zcoap_client_response_packet());
 *     while (zcoap_option_iter_next(&it, &num, &val, &len) == 1) {
 *             printf("option %u, %u bytes\n", num, len);
 *     }
 */
#ifndef ZCOAP_OPTION_H
#define ZCOAP_OPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "coap.h"
#include "zcoap_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An option walker. Initialise it with zcoap_option_iter_init(); its members
 * are private (they may change between releases).
 */
struct zcoap_option_iter {
	const struct coap_packet *pkt; /* private: the packet walked */
	uint16_t pos;                  /* private: offset of the next option header */
	uint16_t number;               /* private: number of the option last returned */
};

/** Start walking @p cpkt's options (in wire order, i.e. by ascending number). */
ZCOAP_API void zcoap_option_iter_init(struct zcoap_option_iter *it, const struct coap_packet *cpkt);

/**
 * Next option.
 * @param[out] number Option number (RFC 7252 §3.1: the sum of the deltas).
 * @param[out] value Points into the packet; NULL when *len is 0.
 * @param[out] len Value length.
 * @retval 1 An option was returned.
 * @retval 0 No more options.
 * @retval -EINVAL A NULL argument, or @p it was started on a NULL packet.
 * @retval -EILSEQ Malformed option (a reserved nibble, a length past the end,
 *         or a number above 65535). Only possible on packets that did not go
 *         through coap_packet_parse(). The walk stops there.
 */
ZCOAP_API int zcoap_option_iter_next(struct zcoap_option_iter *it, uint16_t *number,
				     const uint8_t **value, uint16_t *len);

/**
 * First occurrence of option @p number, without copying.
 * @retval 0 Found: *value (NULL when *len is 0) and *len set.
 * @retval -ENOENT Absent.
 * @retval -EILSEQ Malformed packet.
 * @retval -EINVAL A NULL argument.
 */
ZCOAP_API int zcoap_option_find(const struct coap_packet *cpkt, uint16_t number,
				const uint8_t **value, uint16_t *len);

/**
 * Decode an unsigned big-endian option value (RFC 7252 §3.2). A value of 0
 * bytes is 0. Values longer than 4 bytes keep their last (least significant)
 * 4 bytes.
 */
ZCOAP_API uint32_t zcoap_option_uint(const uint8_t *value, uint16_t len);

/** Encode @p val in its shortest big-endian form (0 is 0 bytes); returns the length (0..4). */
ZCOAP_API uint16_t zcoap_uint_encode(uint32_t val, uint8_t out[4]);

/**
 * Decode a Block1/Block2 option value (RFC 7959 §2.2): NUM, M and SZX
 * (block size 16 << SZX bytes).
 * @retval 0 Valid: *num, *more, *szx set.
 * @retval -EINVAL Longer than 3 bytes, or SZX 7 (reserved).
 */
ZCOAP_API int zcoap_block_decode(const uint8_t *value, uint16_t len, uint32_t *num, bool *more,
				 uint8_t *szx);

/**
 * Encode a Block1/Block2 value in its shortest form (RFC 7959 §2.2).
 * @p num must be below 2^20 and @p szx at most 6.
 * @return The length written to @p out (0..3).
 */
ZCOAP_API uint16_t zcoap_block_encode(uint32_t num, bool more, uint8_t szx, uint8_t out[3]);

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_OPTION_H */
