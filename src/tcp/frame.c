/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * frame.c -- RFC 8323 §3.2 framing: the header writer and the stream decoder.
 */
#include "tcp/frame.h"

#include <errno.h>
#include <string.h>

enum { ST_FIRST, ST_EXT, ST_CODE, ST_TOKEN, ST_BODY, ST_HEAD, ST_PIECE, ST_SKIP, ST_DONE };

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

void zc_tcp_stream_init(struct zcoap_tcp_stream *s, uint8_t *buf, uint32_t cap, uint32_t max_msg)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->cap = cap;
	s->max_msg = max_msg;
	s->state = ST_FIRST;
}

void zc_tcp_stream_next(struct zcoap_tcp_stream *s)
{
	if (s->state == ST_DONE && s->got < s->body_len) {
		/* A streamed frame goes on: the next piece, or the rest of a skipped one. */
		s->piece_off += s->piece_len;
		s->piece_len = 0;
		s->state = s->oversize ? ST_SKIP : ST_PIECE;
		return;
	}
	zc_tcp_stream_init(s, s->buf, s->cap, s->max_msg);
}

/* After the Code byte (and the Token, if any): where the frame goes next. */
static uint8_t body_state(const struct zcoap_tcp_stream *s)
{
	if (s->body_len == 0) {
		return ST_DONE;
	}
	return s->streamed ? ST_HEAD : ST_BODY;
}

/*
 * The end of the options in the first @p len body bytes (RFC 7252 §3.1):
 * 0 and *head_len (the options and the payload marker), -ENOENT when they go
 * on past @p len, -EBADMSG for the reserved nibble 15 outside a marker.
 */
static int find_marker(const uint8_t *b, uint32_t len, uint32_t *head_len)
{
	uint64_t pos = 0;

	while (pos < len) {
		uint8_t d = b[pos] >> 4;
		uint8_t l = b[pos] & 0x0FU;
		uint32_t value_len = l;

		if (b[pos] == 0xFFU) {
			*head_len = (uint32_t)pos + 1U;
			return 0;
		}
		if (d == 15 || l == 15) {
			return -EBADMSG;
		}
		pos += 1U + (d == 13 ? 1U : d == 14 ? 2U : 0U);
		if (l == 13) {
			if (pos >= len) {
				return -ENOENT;
			}
			value_len = 13U + b[pos];
			pos += 1U;
		} else if (l == 14) {
			if (pos + 1U >= len) {
				return -ENOENT;
			}
			value_len = 269U + ((uint32_t)b[pos] << 8 | b[pos + 1U]);
			pos += 2U;
		}
		pos += value_len;
	}
	return -ENOENT;
}

/* The buffer holds the first cap body bytes of a streamed frame: where its payload starts. */
static int start_pieces(struct zcoap_tcp_stream *s)
{
	int r = find_marker(s->buf + ZCOAP_TCP_RX_HEADROOM, s->cap, &s->head_len);

	if (r == -EBADMSG) {
		return r;
	}
	if (r != 0 || s->head_len >= s->cap) {
		/*
		 * The options (and marker) leave no room for payload in the buffer:
		 * reported once (zc_tcp_stream_packet() gives -EMSGSIZE), the rest of
		 * the frame is read and dropped.
		 */
		s->oversize = true;
		s->state = ST_DONE;
		return 0;
	}
	s->piece_len = s->cap - s->head_len;
	s->state = ST_DONE;
	return 0;
}

uint8_t *zc_tcp_stream_window(struct zcoap_tcp_stream *s, size_t *room)
{
	uint32_t left = s->body_len - s->got;
	uint32_t n;

	switch (s->state) {
	case ST_BODY:
	case ST_HEAD:
		n = s->state == ST_HEAD ? s->cap - s->got : left;
		*room = n;
		return s->buf + ZCOAP_TCP_RX_HEADROOM + s->got;
	case ST_PIECE:
		n = s->cap - s->head_len - s->piece_len;
		*room = n < left ? n : left;
		return s->buf + ZCOAP_TCP_RX_HEADROOM + s->head_len + s->piece_len;
	case ST_SKIP:
		*room = s->cap < left ? s->cap : left; /* scratch: the bytes are dropped */
		return s->buf + ZCOAP_TCP_RX_HEADROOM;
	default:
		*room = 0;
		return NULL;
	}
}

long zc_tcp_stream_advance(struct zcoap_tcp_stream *s, size_t n, bool *complete)
{
	size_t room;

	*complete = false;
	if (zc_tcp_stream_window(s, &room) == NULL || n > room) {
		return -EINVAL;
	}
	s->got += (uint32_t)n;
	switch (s->state) {
	case ST_BODY:
		if (s->got == s->body_len) {
			s->state = ST_DONE;
		}
		break;
	case ST_HEAD:
		if (s->got == s->cap && start_pieces(s) != 0) {
			return -EBADMSG;
		}
		break;
	case ST_PIECE:
		s->piece_len += (uint32_t)n;
		if (s->got == s->body_len || s->head_len + s->piece_len == s->cap) {
			s->state = ST_DONE;
		}
		break;
	default: /* ST_SKIP */
		if (s->got == s->body_len) {
			zc_tcp_stream_init(s, s->buf, s->cap, s->max_msg);
		}
		break;
	}
	*complete = s->state == ST_DONE;
	return (long)n;
}

/* The Extended Length is known: refuse a frame over what we advertised. */
static int check_length(struct zcoap_tcp_stream *s, uint64_t body_len)
{
	uint64_t frame = 2U + s->ext_need + s->tkl + body_len;

	if (frame > s->max_msg) {
		return -EMSGSIZE;
	}
	s->body_len = (uint32_t)body_len;
	s->streamed = body_len > s->cap;
	return 0;
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
			i++;
			if (s->ext_need == 0 && check_length(s, s->len_nibble) != 0) {
				return -EMSGSIZE;
			}
			s->state = s->ext_need > 0 ? ST_EXT : ST_CODE;
			break;
		case ST_EXT:
			s->ext = (s->ext << 8) | b;
			s->ext_got++;
			i++;
			if (s->ext_got == s->ext_need) {
				if (check_length(s, (uint64_t)s->ext + ext_offset(s->len_nibble)) !=
				    0) {
					return -EMSGSIZE;
				}
				s->state = ST_CODE;
			}
			break;
		case ST_CODE:
			s->code = b;
			i++;
			s->state = s->tkl > 0 ? ST_TOKEN : body_state(s);
			break;
		case ST_TOKEN:
			s->token[s->tok_got++] = b;
			i++;
			if (s->tok_got == s->tkl) {
				s->state = body_state(s);
			}
			break;
		default: {
			/* Body bytes: copied where the window says, then counted. */
			size_t room;
			uint8_t *w = zc_tcp_stream_window(s, &room);
			size_t n = len - i;
			bool done;

			if (n > room) {
				n = room;
			}
			memcpy(w, data + i, n);
			i += n;
			if (zc_tcp_stream_advance(s, n, &done) < 0) {
				return -EBADMSG;
			}
			break;
		}
		}
	}
	*complete = s->state == ST_DONE;
	return (long)i;
}

int zc_tcp_stream_packet(struct zcoap_tcp_stream *s, struct coap_packet *pkt)
{
	uint8_t *h;
	uint32_t body;

	if (s->state != ST_DONE) {
		return -EINVAL;
	}
	if (s->code == COAP_CODE_EMPTY) {
		return -ENOMSG;
	}
	if (s->oversize) {
		return -EMSGSIZE;
	}
	/* A streamed frame: its options and the piece of payload in the buffer. */
	body = s->streamed ? s->head_len + s->piece_len : s->body_len;
	h = s->buf + ZCOAP_TCP_RX_HEADROOM - COAP_FIXED_HEADER_SIZE - s->tkl;
	h[0] = (uint8_t)((COAP_VERSION_1 << 6) | (COAP_TYPE_CON << 4) | s->tkl);
	h[1] = s->code;
	h[2] = 0;
	h[3] = 0;
	if (s->tkl > 0) {
		memcpy(h + COAP_FIXED_HEADER_SIZE, s->token, s->tkl);
	}
	return coap_packet_parse(pkt, h, (uint16_t)(COAP_FIXED_HEADER_SIZE + s->tkl + body), NULL,
				 0) == 0
		   ? 0
		   : -EBADMSG;
}
