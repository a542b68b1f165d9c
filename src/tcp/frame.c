/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * frame.c -- RFC 8323 §3.2 framing: the header writer and the stream decoder.
 */
#include "tcp/frame.h"

#include <errno.h>
#include <string.h>

enum { ST_FIRST, ST_EXT, ST_CODE, ST_TOKEN, ST_BODY, ST_DONE };

/* Len nibble and Extended Length size for a body length (RFC 8323 §3.2). */
static uint8_t len_nibble(uint32_t body_len, uint8_t *ext_bytes)
{
	if (body_len < 13U) {
		*ext_bytes = 0;
		return (uint8_t)body_len;
	}
	if (body_len < 269U) {
		*ext_bytes = 1;
		return 13;
	}
	if (body_len < 65805U) {
		*ext_bytes = 2;
		return 14;
	}
	*ext_bytes = 4;
	return 15;
}

static uint32_t ext_offset(uint8_t nibble)
{
	return nibble == 13 ? 13U : nibble == 14 ? 269U : 65805U;
}

size_t zc_tcp_header_len(uint32_t body_len, uint8_t tkl)
{
	uint8_t ext;

	(void)len_nibble(body_len, &ext);
	return 2U + ext + tkl;
}

int zc_tcp_msg_init(struct coap_packet *pkt, uint8_t *buf, size_t size, uint8_t code,
		    const uint8_t *token, uint8_t tkl)
{
	size_t room;

	if (pkt == NULL || buf == NULL || size <= ZCOAP_TCP_TX_HEADROOM) {
		return -EINVAL;
	}
	room = size - ZCOAP_TCP_TX_HEADROOM;
	if (room > UINT16_MAX) {
		room = UINT16_MAX;
	}
	return coap_packet_init(pkt, buf + ZCOAP_TCP_TX_HEADROOM, (uint16_t)room, COAP_VERSION_1,
				COAP_TYPE_CON, tkl, token, code, 0);
}

int zc_tcp_frame_seal(const struct coap_packet *pkt, const uint8_t **frame, size_t *len)
{
	return zc_tcp_frame_seal_extra(pkt, 0, frame, len);
}

int zc_tcp_frame_seal_extra(const struct coap_packet *pkt, uint32_t extra, const uint8_t **frame,
			    size_t *len)
{
	uint8_t *d;
	uint8_t tkl;
	uint8_t nibble;
	uint8_t ext_bytes;
	uint32_t body_len;
	uint32_t ext;
	uint8_t *start;
	uint8_t i;

	if (pkt == NULL || frame == NULL || len == NULL || pkt->data == NULL ||
	    pkt->offset < COAP_FIXED_HEADER_SIZE) {
		return -EINVAL;
	}
	d = pkt->data;
	tkl = d[0] & 0x0FU;
	if (tkl > COAP_TOKEN_MAX_LEN || pkt->offset < COAP_FIXED_HEADER_SIZE + tkl) {
		return -EINVAL;
	}
	body_len = (uint32_t)(pkt->offset - COAP_FIXED_HEADER_SIZE - tkl);
	if (extra > UINT32_MAX - body_len) {
		return -EMSGSIZE;
	}
	body_len += extra; /* payload bytes the caller sends right after the frame */
	nibble = len_nibble(body_len, &ext_bytes);
	/*
	 * The token stays where the RFC 7252 header put it (d + 4); the Code
	 * byte goes right before it, the Extended Length before that and the
	 * Len/TKL byte first: at most 2 bytes before d (the headroom).
	 */
	start = d + 2 - ext_bytes;
	d[3] = d[1];
	ext = ext_bytes == 0 ? 0 : body_len - ext_offset(nibble);
	for (i = 0; i < ext_bytes; i++) {
		start[1 + i] = (uint8_t)(ext >> (8U * (ext_bytes - 1U - i)));
	}
	start[0] = (uint8_t)((nibble << 4) | tkl);
	*frame = start;
	*len = (size_t)(d + pkt->offset - start);
	return 0;
}

void zc_tcp_stream_init(struct zcoap_tcp_stream *s, uint8_t *buf, uint32_t cap)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->cap = cap;
	s->state = ST_FIRST;
}

void zc_tcp_stream_next(struct zcoap_tcp_stream *s)
{
	zc_tcp_stream_init(s, s->buf, s->cap);
}

/* After the Code byte (and the Token, if any): where the frame goes next. */
static void after_code(struct zcoap_tcp_stream *s)
{
	if (s->tkl > 0) {
		s->state = ST_TOKEN;
	} else {
		s->state = s->body_len > 0 ? ST_BODY : ST_DONE;
	}
}

long zc_tcp_stream_feed(struct zcoap_tcp_stream *s, const uint8_t *data, size_t len, bool *complete)
{
	size_t i = 0;

	*complete = s->state == ST_DONE;
	while (i < len && s->state != ST_DONE) {
		uint8_t b = data[i];

		switch (s->state) {
		case ST_FIRST:
			s->len_nibble = b >> 4;
			s->tkl = b & 0x0FU;
			if (s->tkl > COAP_TOKEN_MAX_LEN) {
				return -EBADMSG;
			}
			s->ext_need = s->len_nibble < 13    ? 0
				      : s->len_nibble == 13 ? 1
				      : s->len_nibble == 14 ? 2
							    : 4;
			s->body_len = s->len_nibble;
			s->state = s->ext_need > 0 ? ST_EXT : ST_CODE;
			i++;
			break;
		case ST_EXT:
			s->ext = (s->ext << 8) | b;
			s->ext_got++;
			i++;
			if (s->ext_got == s->ext_need) {
				uint64_t total = (uint64_t)s->ext + ext_offset(s->len_nibble);

				if (total > s->cap) {
					return -EMSGSIZE;
				}
				s->body_len = (uint32_t)total;
				s->state = ST_CODE;
			}
			break;
		case ST_CODE:
			if (s->body_len > s->cap) {
				return -EMSGSIZE;
			}
			s->code = b;
			i++;
			after_code(s);
			break;
		case ST_TOKEN:
			s->token[s->tok_got++] = b;
			i++;
			if (s->tok_got == s->tkl) {
				s->state = s->body_len > 0 ? ST_BODY : ST_DONE;
			}
			break;
		case ST_BODY: {
			size_t n = len - i;

			if (n > s->body_len - s->got) {
				n = s->body_len - s->got;
			}
			memcpy(s->buf + ZCOAP_TCP_RX_HEADROOM + s->got, data + i, n);
			s->got += (uint32_t)n;
			i += n;
			if (s->got == s->body_len) {
				s->state = ST_DONE;
			}
			break;
		}
		default:
			break;
		}
	}
	*complete = s->state == ST_DONE;
	return (long)i;
}

int zc_tcp_stream_packet(struct zcoap_tcp_stream *s, struct coap_packet *pkt)
{
	uint8_t *h;

	if (s->state != ST_DONE) {
		return -EINVAL;
	}
	if (s->code == COAP_CODE_EMPTY) {
		return -ENOMSG;
	}
	h = s->buf + ZCOAP_TCP_RX_HEADROOM - COAP_FIXED_HEADER_SIZE - s->tkl;
	h[0] = (uint8_t)((COAP_VERSION_1 << 6) | (COAP_TYPE_CON << 4) | s->tkl);
	h[1] = s->code;
	h[2] = 0;
	h[3] = 0;
	if (s->tkl > 0) {
		memcpy(h + COAP_FIXED_HEADER_SIZE, s->token, s->tkl);
	}
	return coap_packet_parse(pkt, h, (uint16_t)(COAP_FIXED_HEADER_SIZE + s->tkl + s->body_len),
				 NULL, 0) == 0
		   ? 0
		   : -EBADMSG;
}
