/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * coap.h -- CoAP message codec with the names, types and return conventions of
 * Zephyr's <zephyr/net/coap.h> (client-relevant subset), for POSIX systems.
 */

/**
 * @file
 * @brief CoAP (RFC 7252) message builder and parser.
 *
 * A @ref coap_packet is a view over a caller-owned byte buffer. Build a
 * message with coap_packet_init(), then append options (in any order; the
 * wire order is always ascending), an optional payload marker and payload.
 * Parse a received datagram with coap_packet_parse(), which validates the
 * whole message before returning 0, then read it with the getters.
 *
 * The codec never allocates memory and keeps no state other than the message
 * ID counter (coap_next_id()) and the token scratch buffer of
 * coap_next_token().
 *
 * Every function returns 0 (or a non-negative count or value) on success and
 * a negative errno value on failure. The full set is documented per function
 * and summarised in docs/errors.md.
 */

#ifndef ZCOAP_COAP_H
#define ZCOAP_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zcoap_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Option numbers (RFC 7252 §12.2, RFC 7641, RFC 7959, RFC 9175, RFC 7967, RFC 8768). */
enum coap_option_num {
	COAP_OPTION_IF_MATCH = 1,        /**< If-Match */
	COAP_OPTION_URI_HOST = 3,        /**< Uri-Host */
	COAP_OPTION_ETAG = 4,            /**< ETag */
	COAP_OPTION_IF_NONE_MATCH = 5,   /**< If-None-Match */
	COAP_OPTION_OBSERVE = 6,         /**< Observe (RFC 7641) */
	COAP_OPTION_URI_PORT = 7,        /**< Uri-Port */
	COAP_OPTION_LOCATION_PATH = 8,   /**< Location-Path */
	COAP_OPTION_OSCORE = 9,          /**< OSCORE (RFC 8613) */
	COAP_OPTION_URI_PATH = 11,       /**< Uri-Path */
	COAP_OPTION_CONTENT_FORMAT = 12, /**< Content-Format */
	COAP_OPTION_MAX_AGE = 14,        /**< Max-Age */
	COAP_OPTION_URI_QUERY = 15,      /**< Uri-Query */
	COAP_OPTION_HOP_LIMIT = 16,      /**< Hop-Limit (RFC 8768) */
	COAP_OPTION_ACCEPT = 17,         /**< Accept */
	COAP_OPTION_LOCATION_QUERY = 20, /**< Location-Query */
	COAP_OPTION_BLOCK2 = 23,         /**< Block2 (RFC 7959) */
	COAP_OPTION_BLOCK1 = 27,         /**< Block1 (RFC 7959) */
	COAP_OPTION_SIZE2 = 28,          /**< Size2 (RFC 7959) */
	COAP_OPTION_PROXY_URI = 35,      /**< Proxy-Uri */
	COAP_OPTION_PROXY_SCHEME = 39,   /**< Proxy-Scheme */
	COAP_OPTION_SIZE1 = 60,          /**< Size1 */
	COAP_OPTION_ECHO = 252,          /**< Echo (RFC 9175) */
	COAP_OPTION_NO_RESPONSE = 258,   /**< No-Response (RFC 7967) */
	COAP_OPTION_REQUEST_TAG = 292    /**< Request-Tag (RFC 9175) */
};

/** @brief Request methods; the value is the message code byte. */
enum coap_method {
	COAP_METHOD_GET = 1,    /**< GET */
	COAP_METHOD_POST = 2,   /**< POST */
	COAP_METHOD_PUT = 3,    /**< PUT */
	COAP_METHOD_DELETE = 4, /**< DELETE */
	COAP_METHOD_FETCH = 5,  /**< FETCH (RFC 8132) */
	COAP_METHOD_PATCH = 6,  /**< PATCH (RFC 8132) */
	COAP_METHOD_IPATCH = 7, /**< iPATCH (RFC 8132) */
};

/** Mask of the request-method bits of a code byte of class 0. */
#define COAP_REQUEST_MASK 0x07
/** The only CoAP version defined (RFC 7252 §3). */
#define COAP_VERSION_1 1U
/** Largest Observe sequence value (24 bits, RFC 7641 §3.4). */
#define COAP_OBSERVE_MAX_AGE 0xFFFFFF

/** @brief Message types (RFC 7252 §3). */
enum coap_msgtype {
	COAP_TYPE_CON = 0,     /**< Confirmable */
	COAP_TYPE_NON_CON = 1, /**< Non-confirmable */
	COAP_TYPE_ACK = 2,     /**< Acknowledgement */
	COAP_TYPE_RESET = 3    /**< Reset */
};

/**
 * Build a code byte from its class and detail, e.g. (2, 5) for 2.05.
 * @param class Class, 0..7.
 * @param det Detail, 0..31.
 */
#define COAP_MAKE_RESPONSE_CODE(class, det) (((class) << 5) | (det))

/** @brief Response codes (RFC 7252 §12.1.2 and later registrations). */
enum coap_response_code {
	COAP_RESPONSE_CODE_OK =
	    COAP_MAKE_RESPONSE_CODE(2, 0), /**< 2.00 (kept for Zephyr 4.2 code) */
	COAP_RESPONSE_CODE_CREATED = COAP_MAKE_RESPONSE_CODE(2, 1),      /**< 2.01 Created */
	COAP_RESPONSE_CODE_DELETED = COAP_MAKE_RESPONSE_CODE(2, 2),      /**< 2.02 Deleted */
	COAP_RESPONSE_CODE_VALID = COAP_MAKE_RESPONSE_CODE(2, 3),        /**< 2.03 Valid */
	COAP_RESPONSE_CODE_CHANGED = COAP_MAKE_RESPONSE_CODE(2, 4),      /**< 2.04 Changed */
	COAP_RESPONSE_CODE_CONTENT = COAP_MAKE_RESPONSE_CODE(2, 5),      /**< 2.05 Content */
	COAP_RESPONSE_CODE_CONTINUE = COAP_MAKE_RESPONSE_CODE(2, 31),    /**< 2.31 Continue */
	COAP_RESPONSE_CODE_BAD_REQUEST = COAP_MAKE_RESPONSE_CODE(4, 0),  /**< 4.00 Bad Request */
	COAP_RESPONSE_CODE_UNAUTHORIZED = COAP_MAKE_RESPONSE_CODE(4, 1), /**< 4.01 Unauthorized */
	COAP_RESPONSE_CODE_BAD_OPTION = COAP_MAKE_RESPONSE_CODE(4, 2),   /**< 4.02 Bad Option */
	COAP_RESPONSE_CODE_FORBIDDEN = COAP_MAKE_RESPONSE_CODE(4, 3),    /**< 4.03 Forbidden */
	COAP_RESPONSE_CODE_NOT_FOUND = COAP_MAKE_RESPONSE_CODE(4, 4),    /**< 4.04 Not Found */
	COAP_RESPONSE_CODE_NOT_ALLOWED =
	    COAP_MAKE_RESPONSE_CODE(4, 5), /**< 4.05 Method Not Allowed */
	COAP_RESPONSE_CODE_NOT_ACCEPTABLE =
	    COAP_MAKE_RESPONSE_CODE(4, 6), /**< 4.06 Not Acceptable */
	COAP_RESPONSE_CODE_INCOMPLETE =
	    COAP_MAKE_RESPONSE_CODE(4, 8), /**< 4.08 Request Entity Incomplete */
	COAP_RESPONSE_CODE_CONFLICT = COAP_MAKE_RESPONSE_CODE(4, 9), /**< 4.09 Conflict */
	COAP_RESPONSE_CODE_PRECONDITION_FAILED = COAP_MAKE_RESPONSE_CODE(4, 12),        /**< 4.12 */
	COAP_RESPONSE_CODE_REQUEST_TOO_LARGE = COAP_MAKE_RESPONSE_CODE(4, 13),          /**< 4.13 */
	COAP_RESPONSE_CODE_UNSUPPORTED_CONTENT_FORMAT = COAP_MAKE_RESPONSE_CODE(4, 15), /**< 4.15 */
	COAP_RESPONSE_CODE_UNPROCESSABLE_ENTITY = COAP_MAKE_RESPONSE_CODE(4, 22),       /**< 4.22 */
	COAP_RESPONSE_CODE_TOO_MANY_REQUESTS = COAP_MAKE_RESPONSE_CODE(4, 29),          /**< 4.29 */
	COAP_RESPONSE_CODE_INTERNAL_ERROR = COAP_MAKE_RESPONSE_CODE(5, 0),              /**< 5.00 */
	COAP_RESPONSE_CODE_NOT_IMPLEMENTED = COAP_MAKE_RESPONSE_CODE(5, 1),             /**< 5.01 */
	COAP_RESPONSE_CODE_BAD_GATEWAY = COAP_MAKE_RESPONSE_CODE(5, 2),                 /**< 5.02 */
	COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE = COAP_MAKE_RESPONSE_CODE(5, 3),         /**< 5.03 */
	COAP_RESPONSE_CODE_GATEWAY_TIMEOUT = COAP_MAKE_RESPONSE_CODE(5, 4),             /**< 5.04 */
	COAP_RESPONSE_CODE_PROXYING_NOT_SUPPORTED = COAP_MAKE_RESPONSE_CODE(5, 5),      /**< 5.05 */
};

/** Code of an Empty message (RFC 7252 §4.1). */
#define COAP_CODE_EMPTY (0)
/** Largest token length RFC 7252 allows (TKL 0..8). */
#define COAP_TOKEN_MAX_LEN 8UL
/** Size of the fixed header: version/type/TKL, code, message ID. */
#define COAP_FIXED_HEADER_SIZE 4UL

/** @brief Content-Format registry values used most often. */
enum coap_content_format {
	COAP_CONTENT_FORMAT_TEXT_PLAIN = 0,            /**< text/plain;charset=utf-8 */
	COAP_CONTENT_FORMAT_APP_LINK_FORMAT = 40,      /**< application/link-format */
	COAP_CONTENT_FORMAT_APP_XML = 41,              /**< application/xml */
	COAP_CONTENT_FORMAT_APP_OCTET_STREAM = 42,     /**< application/octet-stream */
	COAP_CONTENT_FORMAT_APP_EXI = 47,              /**< application/exi */
	COAP_CONTENT_FORMAT_APP_JSON = 50,             /**< application/json */
	COAP_CONTENT_FORMAT_APP_JSON_PATCH_JSON = 51,  /**< application/json-patch+json */
	COAP_CONTENT_FORMAT_APP_MERGE_PATCH_JSON = 52, /**< application/merge-patch+json */
	COAP_CONTENT_FORMAT_APP_CBOR = 60,             /**< application/cbor */
	COAP_CONTENT_FORMAT_APP_EDHOC_CBOR_SEQ = 64,   /**< application/edhoc+cbor-seq */
};

/** @brief No-Response option bits (RFC 7967 §2.1). */
enum coap_no_response {
	COAP_NO_RESPONSE_SUPPRESS_2_XX = 0x02, /**< Not interested in 2.xx */
	COAP_NO_RESPONSE_SUPPRESS_4_XX = 0x08, /**< Not interested in 4.xx */
	COAP_NO_RESPONSE_SUPPRESS_5_XX = 0x10, /**< Not interested in 5.xx */
	COAP_NO_RESPONSE_SUPPRESS_ALL = 0x1A,  /**< Not interested in any response */
};

/** Block number of a Block1/Block2 option value (RFC 7959 §2.2). */
#define GET_BLOCK_NUM(v) ((v) >> 4)
/** SZX of a Block1/Block2 option value. */
#define GET_BLOCK_SIZE(v) (((v)&0x7))
/** M (more) flag of a Block1/Block2 option value. */
#define GET_MORE(v) (!!((v)&0x08))

/**
 * @brief A CoAP message: a view over a caller-owned buffer.
 *
 * All fields are maintained by the codec; treat them as read-only.
 * @c offset is the number of bytes written (when building) or the datagram
 * length (after parsing).
 */
struct coap_packet {
	uint8_t *data;    /**< Caller-owned buffer holding the message */
	uint16_t offset;  /**< Bytes used: message length so far */
	uint16_t max_len; /**< Size of @c data */
	uint8_t hdr_len;  /**< Fixed header plus token length */
	uint16_t opt_len; /**< Bytes taken by options (headers and values) */
	uint16_t delta;   /**< Number of the last option written or parsed */
};

/** Size of the value buffer of struct coap_option (Zephyr's default). */
#define COAP_OPTION_VALUE_MAX_LEN 12

/**
 * @brief One option as copied out by coap_find_options() or coap_packet_parse().
 *
 * Values longer than @ref COAP_OPTION_VALUE_MAX_LEN bytes cannot be copied
 * out: the finder reports -EMSGSIZE for them (see coap_find_options()).
 */
struct coap_option {
	uint16_t delta;                           /**< Option number */
	uint8_t len;                              /**< Value length */
	uint8_t value[COAP_OPTION_VALUE_MAX_LEN]; /**< Value bytes */
};

/**
 * @brief CoAP transmission parameters (RFC 7252 §4.8), per request.
 *
 * A zero @c ack_random_percent means the library default (150).
 */
struct coap_transmission_parameters {
	uint32_t ack_timeout;          /**< ACK_TIMEOUT in milliseconds */
	uint16_t ack_random_percent;   /**< ACK_RANDOM_FACTOR x 100; 0 = default; else >= 100 */
	uint16_t coap_backoff_percent; /**< Multiplier of the timeout per retransmission x 100 */
	uint8_t max_retransmission;    /**< MAX_RETRANSMIT */
};

/** @brief Block sizes; the value is the SZX field (RFC 7959 §2.2). */
enum coap_block_size {
	COAP_BLOCK_16,   /**< 16 bytes */
	COAP_BLOCK_32,   /**< 32 bytes */
	COAP_BLOCK_64,   /**< 64 bytes */
	COAP_BLOCK_128,  /**< 128 bytes */
	COAP_BLOCK_256,  /**< 256 bytes */
	COAP_BLOCK_512,  /**< 512 bytes */
	COAP_BLOCK_1024, /**< 1024 bytes */
};

/** @brief State of a block-wise transfer in one direction. */
struct coap_block_context {
	size_t total_size;               /**< Size of the whole body, 0 if unknown */
	size_t current;                  /**< Byte offset of the current block */
	enum coap_block_size block_size; /**< Block size in use */
};

/**
 * @brief Size in bytes of a block size.
 * @param block_size SZX value 0..6.
 * @return 16 << block_size.
 */
static inline uint16_t coap_block_size_to_bytes(enum coap_block_size block_size)
{
	return (uint16_t)(1U << ((unsigned int)block_size + 4U));
}

/**
 * @brief Largest block size that is not larger than @p bytes.
 *
 * Values below 16 give COAP_BLOCK_16 and values of 1024 or more give
 * COAP_BLOCK_1024; sizes that are not powers of two round down.
 * @param bytes Size in bytes.
 * @return The SZX.
 */
static inline enum coap_block_size coap_bytes_to_block_size(uint16_t bytes)
{
	enum coap_block_size szx = COAP_BLOCK_16;

	while (szx < COAP_BLOCK_1024 &&
	       coap_block_size_to_bytes((enum coap_block_size)(szx + 1)) <= bytes) {
		szx = (enum coap_block_size)(szx + 1);
	}
	return szx;
}

/** @name Header access */
/** @{ */

/**
 * @brief Version field of a message.
 * @param cpkt Built or parsed message.
 * @return The version (1 for every message coap_packet_parse() accepts), 0 if @p cpkt is empty.
 */
ZCOAP_API uint8_t coap_header_get_version(const struct coap_packet *cpkt);

/**
 * @brief Type field (enum coap_msgtype) of a message.
 * @param cpkt Built or parsed message.
 * @return The type, 0 if @p cpkt is empty.
 */
ZCOAP_API uint8_t coap_header_get_type(const struct coap_packet *cpkt);

/**
 * @brief Copy out the token.
 * @param cpkt Built or parsed message.
 * @param token Buffer of at least COAP_TOKEN_MAX_LEN bytes.
 * @return Token length 0..8; 0 also when the header is invalid.
 */
ZCOAP_API uint8_t coap_header_get_token(const struct coap_packet *cpkt, uint8_t *token);

/**
 * @brief Code byte of a message.
 *
 * Unlike Zephyr, every code byte is returned as it is on the wire
 * (Zephyr maps codes it does not know to 0). Use COAP_MAKE_RESPONSE_CODE()
 * values to compare.
 * @param cpkt Built or parsed message.
 * @return The code byte, 0 if @p cpkt is empty.
 */
ZCOAP_API uint8_t coap_header_get_code(const struct coap_packet *cpkt);

/**
 * @brief Replace the code byte of a message.
 * @param cpkt Built or parsed message.
 * @param code New code byte.
 * @retval 0 Success.
 * @retval -EINVAL @p cpkt is NULL or holds no header.
 */
ZCOAP_API int coap_header_set_code(const struct coap_packet *cpkt, uint8_t code);

/**
 * @brief Message ID of a message.
 * @param cpkt Built or parsed message.
 * @return The message ID, 0 if @p cpkt is empty.
 */
ZCOAP_API uint16_t coap_header_get_id(const struct coap_packet *cpkt);

/**
 * @brief Replace the message ID of a message.
 * @param cpkt Built or parsed message.
 * @param id New message ID.
 * @retval 0 Success.
 * @retval -EINVAL @p cpkt is NULL or holds no header.
 */
ZCOAP_API int coap_header_set_id(struct coap_packet *cpkt, uint16_t id);

/**
 * @brief Payload of a message.
 * @param cpkt Built or parsed message.
 * @param[out] len Payload length; 0 when there is none.
 * @return Pointer into the message buffer, or NULL when there is no payload.
 */
ZCOAP_API const uint8_t *coap_packet_get_payload(const struct coap_packet *cpkt, uint16_t *len);

/**
 * @brief Whether the code is a request method (class 0, detail 1..31).
 * @param cpkt Built or parsed message.
 */
ZCOAP_API bool coap_packet_is_request(const struct coap_packet *cpkt);

/** @} */

/** @name Parsing */
/** @{ */

/**
 * @brief Validate a received datagram and make @p cpkt a view of it.
 *
 * The whole message is checked before 0 is returned (RFC 7252 §3, §4.1):
 * the caller may then use every getter without further bounds checks.
 * Options up to @p opt_num are copied into @p options in wire order
 * (values longer than COAP_OPTION_VALUE_MAX_LEN are truncated in the copy
 * only; the message itself is not modified).
 *
 * @param cpkt Packet to initialise.
 * @param data Received bytes; must stay valid while @p cpkt is used.
 * @param len Number of bytes received.
 * @param options Array for the first options, or NULL.
 * @param opt_num Size of @p options.
 * @retval 0 Success.
 * @retval -EINVAL @p cpkt or @p data is NULL, or @p len is shorter than the fixed header.
 * @retval -EBADMSG Malformed header: version other than 1, TKL 9..15, token
 *         longer than the datagram, or an Empty message (code 0.00) with a
 *         token, options or payload.
 * @retval -EILSEQ Malformed options or payload: nibble 15 other than the
 *         payload marker, truncated extended delta/length, value running past
 *         the end, option number above 65535, or a payload marker with no
 *         payload after it.
 */
ZCOAP_API int coap_packet_parse(struct coap_packet *cpkt, uint8_t *data, uint16_t len,
				struct coap_option *options, uint8_t opt_num);

/**
 * @brief Copy out every occurrence of one option, in wire order.
 * @param cpkt Built or parsed message.
 * @param code Option number.
 * @param options Output array.
 * @param veclen Size of @p options.
 * @retval >=0 Number of occurrences copied (at most @p veclen).
 * @retval -EINVAL Bad arguments or a malformed message.
 * @retval -EMSGSIZE An occurrence has a value longer than COAP_OPTION_VALUE_MAX_LEN.
 */
ZCOAP_API int coap_find_options(const struct coap_packet *cpkt, uint16_t code,
				struct coap_option *options, uint16_t veclen);

/**
 * @brief Decode an option value as an unsigned big-endian integer.
 *
 * Zero-length values are 0 and leading zero bytes are accepted (RFC 7252 §3.2).
 * @param option An option copied out by coap_find_options().
 * @return The value; values longer than 4 bytes give their low 32 bits.
 */
ZCOAP_API unsigned int coap_option_value_to_int(const struct coap_option *option);

/**
 * @brief First occurrence of an option, decoded as an unsigned integer.
 * @param cpkt Built or parsed message.
 * @param code Option number.
 * @retval >=0 The value (values above INT_MAX are reported as -ERANGE).
 * @retval -ENOENT The option is absent.
 * @retval -EINVAL Bad arguments, a malformed message, or a value longer than 4 bytes.
 * @retval -ERANGE The value does not fit in an int.
 */
ZCOAP_API int coap_get_option_int(const struct coap_packet *cpkt, uint16_t code);

/** @} */

/** @name Building */
/** @{ */

/**
 * @brief Start a new message in a caller buffer.
 * @param cpkt Packet to initialise.
 * @param data Buffer for the message.
 * @param max_len Size of @p data.
 * @param ver Version; must be 1.
 * @param type enum coap_msgtype.
 * @param token_len 0..8.
 * @param token Token bytes (may be NULL when @p token_len is 0).
 * @param code Code byte.
 * @param id Message ID.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments (NULL pointers, version, type > 3, token_len > 8).
 * @retval -ENOSPC @p max_len is too small for the header and token.
 */
ZCOAP_API int coap_packet_init(struct coap_packet *cpkt, uint8_t *data, uint16_t max_len,
			       uint8_t ver, uint8_t type, uint8_t token_len, const uint8_t *token,
			       uint8_t code, uint16_t id);

/**
 * @brief Start a piggybacked response (ACK, same MID and token as @p req).
 * @param cpkt Packet to initialise.
 * @param req The message being acknowledged.
 * @param data Buffer for the message.
 * @param max_len Size of @p data.
 * @param code Code byte (COAP_CODE_EMPTY for an Empty ACK, which then carries no token).
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments.
 * @retval -ENOSPC @p max_len is too small.
 */
ZCOAP_API int coap_ack_init(struct coap_packet *cpkt, const struct coap_packet *req, uint8_t *data,
			    uint16_t max_len, uint8_t code);

/**
 * @brief Build a Reset (RST) message for @p req: same MID, no token, code 0.00.
 * @param cpkt Packet to initialise.
 * @param req The message being rejected.
 * @param data Buffer for the message.
 * @param max_len Size of @p data.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments.
 * @retval -ENOSPC @p max_len is too small.
 */
ZCOAP_API int coap_rst_init(struct coap_packet *cpkt, const struct coap_packet *req, uint8_t *data,
			    uint16_t max_len);

/**
 * @brief Append an option.
 *
 * Options may be appended in any order: an option whose number is lower than
 * one already present is inserted at its place and the deltas after it are
 * re-encoded, so the wire order is always ascending (RFC 7252 §3.1). Options
 * cannot be appended after the payload marker.
 * @param cpkt Packet being built.
 * @param code Option number.
 * @param value Value bytes (may be NULL when @p len is 0).
 * @param len Value length.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments, or a payload marker is already present.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_packet_append_option(struct coap_packet *cpkt, uint16_t code,
					const uint8_t *value, uint16_t len);

/**
 * @brief Remove the first occurrence of an option.
 * @param cpkt Packet being built.
 * @param code Option number.
 * @retval 0 Success, also when the option was absent.
 * @retval -EINVAL Bad arguments or a malformed message.
 */
ZCOAP_API int coap_packet_remove_option(struct coap_packet *cpkt, uint16_t code);

/**
 * @brief Append an unsigned integer option in its shortest form.
 *
 * 0 is encoded as a zero-length value (RFC 7252 §3.2).
 * @param cpkt Packet being built.
 * @param code Option number.
 * @param val Value.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments, or a payload marker is already present.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_append_option_int(struct coap_packet *cpkt, uint16_t code, unsigned int val);

/**
 * @brief Append the payload marker (0xFF).
 * @param cpkt Packet being built.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments or a marker is already present.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_packet_append_payload_marker(struct coap_packet *cpkt);

/**
 * @brief Append payload bytes after the marker.
 * @param cpkt Packet being built.
 * @param payload Bytes to append.
 * @param payload_len Number of bytes.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments or no payload marker.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_packet_append_payload(struct coap_packet *cpkt, const uint8_t *payload,
					 uint16_t payload_len);

/**
 * @brief Append Uri-Path and Uri-Query options from a path string.
 *
 * Splits as Zephyr does: every non-empty segment before the first '?'
 * separated by '/' becomes a Uri-Path option; the rest is split on '&' (and
 * further '?') into Uri-Query options; empty segments are skipped. There is
 * no percent-decoding: bytes are sent as given. Example: "a/abc?x&y" gives
 * Uri-Path "a", "abc", Uri-Query "x", "y".
 * @param cpkt Packet being built.
 * @param path NUL-terminated path, with or without a leading '/'.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments, or a segment longer than 65535 bytes.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_packet_set_path(struct coap_packet *cpkt, const char *path);

/** @} */

/** @name Tokens and message IDs */
/** @{ */

/**
 * @brief Eight fresh random bytes from the OS CSPRNG.
 *
 * The returned buffer is thread-local: it stays valid until the calling
 * thread calls coap_next_token() again.
 * @return Pointer to 8 bytes.
 */
ZCOAP_API uint8_t *coap_next_token(void);

/**
 * @brief Next message ID of the process-wide counter.
 *
 * The counter starts at a random value and is safe to call from several
 * threads at once.
 * @return A message ID.
 */
ZCOAP_API uint16_t coap_next_id(void);

/** @} */

/** @name Block-wise transfers (RFC 7959) */
/** @{ */

/**
 * @brief Initialise a block context.
 * @param ctx Context.
 * @param block_size Block size.
 * @param total_size Body size if known, else 0.
 * @retval 0 Success.
 * @retval -EINVAL @p ctx is NULL or @p block_size is not 0..6.
 */
ZCOAP_API int coap_block_transfer_init(struct coap_block_context *ctx,
				       enum coap_block_size block_size, size_t total_size);

/**
 * @brief Append Block1 for the block at @c ctx->current.
 *
 * NUM = current / block size; M is set when more bytes than this block remain
 * of @c total_size.
 * @param cpkt Packet being built.
 * @param ctx Block context.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments, or NUM does not fit in 20 bits.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_append_block1_option(struct coap_packet *cpkt, struct coap_block_context *ctx);

/**
 * @brief Append Block2 for the block at @c ctx->current.
 *
 * In a request M is 0; in a response M is set when more bytes remain.
 * @param cpkt Packet being built.
 * @param ctx Block context.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments, or NUM does not fit in 20 bits.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_append_block2_option(struct coap_packet *cpkt, struct coap_block_context *ctx);

/**
 * @brief Append Size1 with @c ctx->total_size.
 * @param cpkt Packet being built.
 * @param ctx Block context.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments or a total above UINT32_MAX.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_append_size1_option(struct coap_packet *cpkt, struct coap_block_context *ctx);

/**
 * @brief Append Size2 with @c ctx->total_size.
 * @param cpkt Packet being built.
 * @param ctx Block context.
 * @retval 0 Success.
 * @retval -EINVAL Bad arguments or a total above UINT32_MAX.
 * @retval -ENOSPC The buffer is too small.
 */
ZCOAP_API int coap_append_size2_option(struct coap_packet *cpkt, struct coap_block_context *ctx);

/**
 * @brief Decode the Block1 option.
 * @param cpkt Parsed message.
 * @param[out] has_more M flag.
 * @param[out] block_number NUM.
 * @retval >0 Block size in bytes.
 * @retval -ENOENT No Block1 option.
 * @retval -EINVAL Bad arguments, a value longer than 3 bytes, or SZX 7 (reserved, RFC 7959 §2.2).
 */
ZCOAP_API int coap_get_block1_option(const struct coap_packet *cpkt, bool *has_more,
				     uint32_t *block_number);

/**
 * @brief Decode the Block2 option.
 * @param cpkt Parsed message.
 * @param[out] has_more M flag.
 * @param[out] block_number NUM.
 * @retval >0 Block size in bytes.
 * @retval -ENOENT No Block2 option.
 * @retval -EINVAL Bad arguments, a value longer than 3 bytes, or SZX 7.
 */
ZCOAP_API int coap_get_block2_option(const struct coap_packet *cpkt, bool *has_more,
				     uint32_t *block_number);

/**
 * @brief Update a block context from the Block1/Block2 and Size1/Size2 options of a message.
 *
 * Adopts the smaller of the message's and the context's block size and sets
 * @c current to NUM x size. Size1 (Block1) or Size2 (Block2) set @c total_size.
 * @param cpkt Parsed message.
 * @param ctx Block context.
 * @retval 0 Success (also when the message has no block option).
 * @retval -EINVAL Bad arguments, malformed block option, or an offset that overflows.
 */
ZCOAP_API int coap_update_from_block(const struct coap_packet *cpkt,
				     struct coap_block_context *ctx);

/**
 * @brief Advance a context past the block carried by @p cpkt.
 *
 * For a request with Block1, or a response with Block2: @c current advances by
 * the block size (or the payload length on the last block).
 * @param cpkt The message carrying the block just handled.
 * @param ctx Block context.
 * @return The new offset, or 0 when the transfer is complete.
 */
ZCOAP_API size_t coap_next_block(const struct coap_packet *cpkt, struct coap_block_context *ctx);

/** @} */

/** @name Default transmission parameters */
/** @{ */

/**
 * @brief Process-wide defaults used when a request passes NULL parameters.
 * @return The current defaults (initially 2000 ms, 150 %, 200 %, 4).
 */
ZCOAP_API struct coap_transmission_parameters coap_get_transmission_parameters(void);

/**
 * @brief Replace the process-wide defaults.
 *
 * Values are not validated here; coap_client_req() rejects unusable ones.
 * @param params New defaults; NULL is ignored.
 */
ZCOAP_API void coap_set_transmission_parameters(const struct coap_transmission_parameters *params);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_COAP_H */
