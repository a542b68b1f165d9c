/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * frame.h -- RFC 8323 §3.2 message framing and §5 signalling messages:
 * pure functions and a stream decoder over caller buffers (no I/O, no heap).
 *
 * A message on a CoAP-over-TCP stream:
 *
 *   Len (4 bits) | TKL (4 bits) | Extended Length (0, 1, 2 or 4 bytes)
 *   | Code (1 byte) | Token (TKL bytes) | Options | 0xFF Payload
 *
 * Len 0..12 is the length of Options and Payload (the "body") itself;
 * 13, 14 and 15 announce an Extended Length of 1, 2 and 4 bytes holding the
 * body length minus 13, 269 and 65805.
 *
 * Both directions reuse the RFC 7252 codec (coap.h): a message is built with
 * coap_packet_init() ZCOAP_TCP_TX_HEADROOM bytes into a buffer and
 * zc_tcp_frame_seal() rewrites its 4-byte header into the TCP header in
 * place; a received frame's body is stored ZCOAP_TCP_RX_HEADROOM bytes into
 * a buffer and zc_tcp_stream_packet() puts an RFC 7252 header (type 0,
 * message ID 0) in front of it, so coap_packet_parse() validates the options
 * and every reader of coap.h works on it.
 */
#ifndef ZC_TCP_FRAME_H
#define ZC_TCP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap.h"
#include "coap_client_tcp.h"

/* Signalling codes (RFC 8323 §5.1): class 7. */
#define ZC_TCP_CSM     0xE1 /* 7.01 */
#define ZC_TCP_PING    0xE2 /* 7.02 */
#define ZC_TCP_PONG    0xE3 /* 7.03 */
#define ZC_TCP_RELEASE 0xE4 /* 7.04 */
#define ZC_TCP_ABORT   0xE5 /* 7.05 */

/* Signalling option numbers (RFC 8323 §5.3-5.6); they depend on the code. */
#define ZC_TCP_OPT_MAX_MESSAGE_SIZE 2 /* CSM */
#define ZC_TCP_OPT_BLOCK_WISE       4 /* CSM */
#define ZC_TCP_OPT_CUSTODY          2 /* Ping, Pong */
#define ZC_TCP_OPT_ALT_ADDRESS      2 /* Release */
#define ZC_TCP_OPT_HOLD_OFF         4 /* Release */
#define ZC_TCP_OPT_BAD_CSM_OPTION   2 /* Abort */

/* RFC 8323 §5.3.1: Max-Message-Size until the peer's CSM says otherwise. */
#define ZC_TCP_DEFAULT_MMS 1152U

/** Length of the TCP header (Len/TKL, Extended Length, Code, Token) for a body of @p body_len. */
size_t zc_tcp_header_len(uint32_t body_len, uint8_t tkl);

/**
 * Turn a message built by coap_packet_init() at buf + ZCOAP_TCP_TX_HEADROOM
 * into a TCP frame in place.
 * @param[out] frame Start of the frame (inside the buffer).
 * @param[out] len Its length.
 * @retval 0 Done. @retval -EINVAL Not a message built at that place.
 */
int zc_tcp_frame_seal(const struct coap_packet *pkt, const uint8_t **frame, size_t *len);

/**
 * As zc_tcp_frame_seal(), for a message whose last @p extra payload bytes
 * are not in @p pkt (which ends with the payload marker): the Len/Extended
 * Length count them, and the caller sends them right after *len bytes of
 * *frame (BERT uploads, RFC 8323 §6, sent from the caller's body without a
 * copy). -EMSGSIZE when the length does not fit 32 bits.
 */
int zc_tcp_frame_seal_extra(const struct coap_packet *pkt, uint32_t extra, const uint8_t **frame,
			    size_t *len);

/**
 * Start building a message for the stream: coap_packet_init() at
 * buf + ZCOAP_TCP_TX_HEADROOM with version 1, type 0 and ID 0.
 * @param size Bytes of @p buf, the headroom included.
 */
int zc_tcp_msg_init(struct coap_packet *pkt, uint8_t *buf, size_t size, uint8_t code,
		    const uint8_t *token, uint8_t tkl);

/**
 * Start decoding a stream into @p buf (ZCOAP_TCP_RX_HEADROOM + @p cap
 * bytes). Frames longer than @p max_msg bytes (header included: the
 * Max-Message-Size we advertise, RFC 8323 §5.3.1) are refused. A frame
 * whose body (options and payload) fits @p cap is delivered whole; a longer
 * one is *streamed*: its options stay at the start of the buffer and its
 * payload passes through the rest of it in pieces (s->streamed).
 */
void zc_tcp_stream_init(struct zcoap_tcp_stream *s, uint8_t *buf, uint32_t cap, uint32_t max_msg);

/**
 * Feed stream bytes. Stops right after the end of a frame or of a piece of
 * a streamed one.
 * @param[out] complete A frame, or a piece of a streamed frame, is ready
 *             (read it with zc_tcp_stream_packet(), then call
 *             zc_tcp_stream_next() before feeding more).
 * @return Bytes consumed (0..len), or -EBADMSG (TKL 9..15: a message format
 *         error, RFC 8323 §3.2; or the reserved option nibble 15 in the
 *         options of a streamed frame) or -EMSGSIZE (a frame longer than
 *         max_msg). After an error the stream cannot be resynchronised: the
 *         connection ends.
 */
long zc_tcp_stream_feed(struct zcoap_tcp_stream *s, const uint8_t *data, size_t len,
			bool *complete);

/**
 * Where the next body bytes of the frame being read go, and how many may go
 * there (*room, never past the frame or the buffer): the caller may read
 * from the socket straight into it and then call zc_tcp_stream_advance(),
 * instead of zc_tcp_stream_feed() (no copy). NULL when the decoder is
 * not in a body (header bytes next, or a frame ready).
 */
uint8_t *zc_tcp_stream_window(struct zcoap_tcp_stream *s, size_t *room);

/**
 * Count @p n bytes written into the window (n <= its room). *complete as
 * for zc_tcp_stream_feed(). @return n, -EINVAL (no window or n too large)
 * or -EBADMSG (as for zc_tcp_stream_feed()).
 */
long zc_tcp_stream_advance(struct zcoap_tcp_stream *s, size_t n, bool *complete);

/**
 * The ready frame as an RFC 7252-shaped message parsed by
 * coap_packet_parse() (written into the headroom of the stream's buffer).
 * For a piece of a streamed frame, the message holds the frame's header and
 * options with the piece as its payload (never an empty one): its offset in
 * the payload is s->piece_off, zc_tcp_stream_payload_len() is the whole
 * payload's length and zc_tcp_stream_last_piece() tells the last piece.
 * A frame with code 0.00 (an Empty message, which RFC 8323 §4.4 says to
 * ignore) gives -ENOMSG.
 * @retval 0 Parsed. @retval -EBADMSG Malformed options or payload marker.
 * @retval -EMSGSIZE A streamed frame whose options leave no room for payload
 *         in the buffer: s->code and s->token tell whose it is;
 *         zc_tcp_stream_next() then skips the rest of the frame.
 */
int zc_tcp_stream_packet(struct zcoap_tcp_stream *s, struct coap_packet *pkt);

/** Get ready for the next frame (or the next piece of a streamed one). */
void zc_tcp_stream_next(struct zcoap_tcp_stream *s);

/** A streamed frame's whole payload length (all its pieces; streamed frames only). */
static inline uint32_t zc_tcp_stream_payload_len(const struct zcoap_tcp_stream *s)
{
	return s->body_len - s->head_len;
}

/** The ready piece is the last of its frame (always true for a frame delivered whole). */
static inline bool zc_tcp_stream_last_piece(const struct zcoap_tcp_stream *s)
{
	return s->got == s->body_len;
}

/** A decoded signalling message. */
struct zc_tcp_signal {
	uint8_t code;
	bool has_mms;
	uint32_t max_message_size; /* CSM */
	bool block_wise;           /* CSM */
	bool custody;              /* Ping, Pong */
	const uint8_t *alt_addr;   /* Release: points into the message, NULL when absent */
	uint16_t alt_addr_len;
	uint32_t hold_off;       /* Release */
	uint16_t bad_csm_option; /* Abort */
	uint16_t bad_option;     /* after -ENOTSUP: the unknown critical option */
};

/**
 * Decode a signalling message (code class 7).
 * @retval 0 Decoded.
 * @retval -ENOTSUP An unknown critical (odd) option (RFC 8323 §5.2): sig->bad_option.
 * @retval -EBADMSG A known option with a bad length.
 * @retval -EINVAL Not a signalling message.
 */
int zc_tcp_signal_parse(const struct coap_packet *pkt, struct zc_tcp_signal *sig);

/** Build a CSM with Max-Message-Size @p mms and, when @p bwt, Block-Wise-Transfer. */
int zc_tcp_build_csm(struct coap_packet *pkt, uint8_t *buf, size_t size, uint32_t mms, bool bwt);

/** Build a Ping or Pong (@p code), with Custody when @p custody. */
int zc_tcp_build_ping(struct coap_packet *pkt, uint8_t *buf, size_t size, uint8_t code,
		      bool custody);

/** Build a Release with an optional Alternative-Address (NULL: none) and Hold-Off (0: none). */
int zc_tcp_build_release(struct coap_packet *pkt, uint8_t *buf, size_t size, const char *alt_addr,
			 uint32_t hold_off);

/** Build an Abort with an optional Bad-CSM-Option (0: none) and a diagnostic payload. */
int zc_tcp_build_abort(struct coap_packet *pkt, uint8_t *buf, size_t size, uint16_t bad_option,
		       const char *diagnostic);

#endif /* ZC_TCP_FRAME_H */
