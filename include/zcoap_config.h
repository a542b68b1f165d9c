/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_config.h -- compile-time sizes and limits of the client, with defaults.
 */

/**
 * @file
 * @brief Compile-time configuration.
 *
 * Every value has an `#ifndef` default. The values that were in force when
 * the library was built are recorded in the generated header
 * `zcoap_build_config.h` (installed beside this one), which is included
 * first, so an application always sees the layout the library was built
 * with. A port that builds without CMake may instead name its own header in
 * `ZCOAP_CONFIG_FILE`.
 *
 * The CMake option `ZCOAP_PROFILE=constrained` selects Zephyr's defaults
 * (2 requests, 256-byte blocks and messages, 48-byte header room, 64-byte
 * paths, 2 extra options of at most 12 bytes each).
 *
 * RAM cost: `struct coap_client` holds ZCOAP_CONFIG_MAX_REQUESTS slots, each
 * with a MAX_COAP_MSG_LEN send buffer, a copy of the path and the extra
 * options, plus one receive buffer. `scripts/footprint.sh` prints the size.
 */

#ifndef ZCOAP_CONFIG_H
#define ZCOAP_CONFIG_H

#if defined(ZCOAP_CONFIG_FILE)
#include ZCOAP_CONFIG_FILE
#elif defined(__has_include)
#if __has_include("zcoap_build_config.h")
#include "zcoap_build_config.h"
#endif
#endif

/** Concurrent requests (slots) per client; Zephyr: CONFIG_COAP_CLIENT_MAX_REQUESTS. */
#ifndef ZCOAP_CONFIG_MAX_REQUESTS
#define ZCOAP_CONFIG_MAX_REQUESTS 16
#endif

/** Block size in bytes used for Block1/Block2 (16..1024, a power of two). */
#ifndef ZCOAP_CONFIG_BLOCK_SIZE
#define ZCOAP_CONFIG_BLOCK_SIZE 1024
#endif

/** Payload room of a message; a request body larger than this is sent block-wise. */
#ifndef ZCOAP_CONFIG_MESSAGE_SIZE
#define ZCOAP_CONFIG_MESSAGE_SIZE ZCOAP_CONFIG_BLOCK_SIZE
#endif

/** Room for the header, token and options of a message, on top of the payload. */
#ifndef ZCOAP_CONFIG_MESSAGE_HEADER_SIZE
#define ZCOAP_CONFIG_MESSAGE_HEADER_SIZE 128
#endif

/** Longest request path (bytes, without the NUL) that coap_client_req() accepts. */
#ifndef ZCOAP_CONFIG_MAX_PATH_LEN
#define ZCOAP_CONFIG_MAX_PATH_LEN 255
#endif

/** Most extra options per request (struct coap_client_request.num_options). */
#ifndef ZCOAP_CONFIG_MAX_EXTRA_OPTIONS
#define ZCOAP_CONFIG_MAX_EXTRA_OPTIONS 8
#endif

/**
 * Long option values (Zephyr: CONFIG_COAP_EXTENDED_OPTIONS_LEN). When 1,
 * struct coap_client_option has a 16-bit @c len and a value array of
 * ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE bytes, so that a Uri-Host (up to
 * 255 bytes, RFC 7252 §5.10.1) or a Proxy-Uri can be sent. When 0, the
 * layout is Zephyr's default: a uint8_t @c len and 12 value bytes. The
 * default profile sets 1, the constrained profile 0.
 */
#ifndef ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN
#define ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN 1
#endif

/** Value bytes of an extra option when ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN is 1 (13..1034). */
#ifndef ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE
#define ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE 270
#endif

/** Recently finished exchanges remembered per client to ACK or drop duplicates. */
#ifndef ZCOAP_CONFIG_DEDUP_ENTRIES
#define ZCOAP_CONFIG_DEDUP_ENTRIES 16
#endif

/** Longest Echo option value kept (RFC 9175 §2.2.1 allows 1..40 bytes). */
#ifndef ZCOAP_CONFIG_ECHO_MAX_LEN
#define ZCOAP_CONFIG_ECHO_MAX_LEN 40
#endif

/** Resends with a fresh Echo value after 4.01 before the 4.01 is delivered. */
#ifndef ZCOAP_CONFIG_MAX_ECHO_RETRIES
#define ZCOAP_CONFIG_MAX_ECHO_RETRIES 3
#endif

/**
 * Default wait for a separate response after an Empty ACK, in milliseconds.
 * RFC 7252 §4.8.2 EXCHANGE_LIFETIME (247 s) with the default parameters;
 * change it per client with zcoap_client_set_separate_timeout().
 */
#ifndef ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS
#define ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS 247000U
#endif

/** Silence allowed after an observation's Max-Age before re-registering (ms). */
#ifndef ZCOAP_CONFIG_OBSERVE_MARGIN_MS
#define ZCOAP_CONFIG_OBSERVE_MARGIN_MS 5000U
#endif

/**
 * How long the client keeps answering on a socket after its last exchange
 * ended while the server may still send on it (ms; 0: never). RFC 7252
 * §4.8.2 MAX_TRANSMIT_SPAN (45 s): the server retransmits a CON response
 * whose ACK was lost for that long; a server that ignored a cancelled
 * observation gets an RST for its next notification within it. Change it
 * per client with zcoap_client_set_linger(); docs/design/threading.md.
 */
#ifndef ZCOAP_CONFIG_LINGER_MS
#define ZCOAP_CONFIG_LINGER_MS 45000U
#endif

/**
 * How long a lingering socket must have been idle before the client reads
 * it again through its own descriptor (ms, > 0). A request that comes on the
 * socket sooner (a sequential loop's next one) finds the linger still
 * suspended and costs no identity check (fstat()) at its start; its
 * exchange is checked when it ends only if it lingers too (a separate
 * response, an observation, a timeout). Datagrams that arrive meanwhile
 * wait in the socket's buffer: they belong to ended exchanges, and a CON one
 * is retransmitted no sooner than ACK_TIMEOUT (2 s). docs/design/threading.md,
 * "Linger".
 */
#ifndef ZCOAP_CONFIG_LINGER_GRACE_MS
#define ZCOAP_CONFIG_LINGER_GRACE_MS 50U
#endif
#if ZCOAP_CONFIG_LINGER_GRACE_MS < 1 || ZCOAP_CONFIG_LINGER_GRACE_MS > 1000
#error "ZCOAP_CONFIG_LINGER_GRACE_MS must be 1..1000"
#endif

/**
 * CoAP over TCP (coap_client_tcp.h): how long a request waits for its
 * response, or for the next block of it, before it ends with -ETIMEDOUT (ms).
 * TCP retransmits by itself, so there is one deadline and no resending
 * (RFC 8323 §3.3). An observation has no deadline once a notification arrived.
 */
#ifndef ZCOAP_CONFIG_TCP_TIMEOUT_MS
#define ZCOAP_CONFIG_TCP_TIMEOUT_MS 60000U
#endif

/**
 * CoAP over TCP (coap_client_tcp.h): the largest message the client receives,
 * in bytes (header room and payload), advertised as its Max-Message-Size in
 * the CSM (RFC 8323 §5.3.1) and the size of its receive buffer. Larger than
 * MAX_COAP_MSG_LEN, it lets BERT responses (RFC 8323 §6) carry several
 * 1024-byte units per message: fewer round trips per download.
 */
#ifndef ZCOAP_CONFIG_TCP_MESSAGE_SIZE
#define ZCOAP_CONFIG_TCP_MESSAGE_SIZE (ZCOAP_CONFIG_MESSAGE_HEADER_SIZE + ZCOAP_CONFIG_MESSAGE_SIZE)
#endif

/**
 * CoAP over TCP: the Max-Message-Size the client advertises in its CSM
 * (RFC 8323 §5.3.1), in bytes, and the longest frame it accepts (a longer
 * one is a protocol error: Abort, and every request ends with -EMSGSIZE).
 * A response longer than the receive buffer (ZCOAP_CONFIG_TCP_MESSAGE_SIZE)
 * is streamed: its options stay in the buffer and its payload reaches the
 * response callback in pieces, as block-wise bodies do (docs/design/tcp.md).
 * No memory depends on it. Equal to ZCOAP_CONFIG_TCP_MESSAGE_SIZE: no
 * streaming.
 */
#ifndef ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE
#define ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE ZCOAP_CONFIG_TCP_MESSAGE_SIZE
#endif

/**
 * CoAP over TLS (coaps+tcp): the Max-Message-Size advertised on TLS
 * connections (at most ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE). One TLS record
 * (16384) by default: libcoap 4.3.1's coap-server-gnutls sends only the
 * first record of a longer message and stalls (docs/design/tcp.md).
 */
#ifndef ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE
#if ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE < 16384
#define ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE
#else
#define ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE 16384U
#endif
#endif

/** CoAP over TLS (coaps+tcp): TLS sessions open at a time in the process (a fixed table). */
#ifndef ZCOAP_CONFIG_TCP_TLS_SESSIONS
#define ZCOAP_CONFIG_TCP_TLS_SESSIONS 4
#endif

/** Name of the receive thread when coap_client_init() gets NULL. */
#ifndef ZCOAP_CONFIG_THREAD_NAME
#define ZCOAP_CONFIG_THREAD_NAME "coap_client"
#endif

/** Size of a message buffer: header room plus payload room (Zephyr's name). */
#define MAX_COAP_MSG_LEN (ZCOAP_CONFIG_MESSAGE_HEADER_SIZE + ZCOAP_CONFIG_MESSAGE_SIZE)

/** Zephyr's name for the size of struct coap_client_option's value array. */
#if ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN
#define MAX_COAP_CLIENT_OPTION_LEN ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE
#else
#define MAX_COAP_CLIENT_OPTION_LEN 12
#endif

#if ZCOAP_CONFIG_MAX_REQUESTS < 1 || ZCOAP_CONFIG_MAX_REQUESTS > 255
#error "ZCOAP_CONFIG_MAX_REQUESTS must be 1..255"
#endif
#if ZCOAP_CONFIG_BLOCK_SIZE != 16 && ZCOAP_CONFIG_BLOCK_SIZE != 32 &&                              \
    ZCOAP_CONFIG_BLOCK_SIZE != 64 && ZCOAP_CONFIG_BLOCK_SIZE != 128 &&                             \
    ZCOAP_CONFIG_BLOCK_SIZE != 256 && ZCOAP_CONFIG_BLOCK_SIZE != 512 &&                            \
    ZCOAP_CONFIG_BLOCK_SIZE != 1024
#error "ZCOAP_CONFIG_BLOCK_SIZE must be a power of two from 16 to 1024"
#endif
#if ZCOAP_CONFIG_MESSAGE_SIZE < ZCOAP_CONFIG_BLOCK_SIZE
#error "ZCOAP_CONFIG_MESSAGE_SIZE must not be smaller than ZCOAP_CONFIG_BLOCK_SIZE"
#endif
#if ZCOAP_CONFIG_MESSAGE_HEADER_SIZE < 24
#error "ZCOAP_CONFIG_MESSAGE_HEADER_SIZE must be at least 24"
#endif
#if ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN && (ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE < 13 ||          \
					  ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE > 1034)
#error "ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN_VALUE must be 13..1034 (RFC 7252 §5.10: Proxy-Uri)"
#endif
#if MAX_COAP_MSG_LEN > 65535
#error "MAX_COAP_MSG_LEN must fit in 16 bits"
#endif
#if MAX_COAP_MSG_LEN + 12 > 65535
#error "MAX_COAP_MSG_LEN plus 12 bytes of CoAP-over-TCP header room must fit in 16 bits"
#endif
#if ZCOAP_CONFIG_TCP_MESSAGE_SIZE < MAX_COAP_MSG_LEN || ZCOAP_CONFIG_TCP_MESSAGE_SIZE + 12 > 65535
#error "ZCOAP_CONFIG_TCP_MESSAGE_SIZE must be MAX_COAP_MSG_LEN..65523"
#endif
#if ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE < ZCOAP_CONFIG_TCP_MESSAGE_SIZE ||                           \
    ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE > 0x7FFFFFFF
#error "ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE must be ZCOAP_CONFIG_TCP_MESSAGE_SIZE..2^31-1"
#endif
#if ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE < 1152 ||                                                \
    ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE > ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE
#error "ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE must be 1152..ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE"
#endif

#endif /* ZCOAP_CONFIG_H */
