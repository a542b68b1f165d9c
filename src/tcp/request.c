/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * request.c -- building and sending the messages of a request over TCP:
 * the request, its Block1 blocks (RFC 7959) and its Block2 continuations
 * (RFC 7959; BERT, RFC 8323 §6, SZX 7), with the codec of coap.h.
 */
#include <errno.h>
#include <string.h>

#include "port/port.h"
#include "tcp/frame.h"
#include "tcp/tcp_internal.h"

int zc_tcp_send_pkt(struct coap_client_tcp *c, const struct coap_packet *pkt)
{
	return zc_tcp_send_pkt_extra(c, pkt, NULL, 0);
}

int zc_tcp_send_pkt_extra(struct coap_client_tcp *c, const struct coap_packet *pkt,
			  const uint8_t *extra, size_t extra_len)
{
	const uint8_t *frame;
	size_t len;
	int r;

	if (c->fd < 0) {
		return -ENOTCONN;
	}
	if (extra_len > c->peer_mms) {
		return -EMSGSIZE;
	}
	r = zc_tcp_frame_seal_extra(pkt, (uint32_t)extra_len, &frame, &len);
	if (r != 0) {
		return r;
	}
	if (len + extra_len > c->peer_mms) {
		return -EMSGSIZE;
	}
	/* Under the client's lock: no other frame goes out between the two parts. */
	r = zc_tcp_sock_send_all(c->fd, c->tls, frame, len);
	if (r == 0 && extra_len > 0) {
		r = zc_tcp_sock_send_all(c->fd, c->tls, extra, extra_len);
	}
	if (r != 0) {
		/* The receive thread sees the end of the stream and fails every request with r. */
		c->send_err = r;
		zc_tcp_sock_shutdown(c->fd);
		zc_port_wake_signal(&c->wake);
	}
	return r;
}

size_t zc_tcp_up_room(const struct coap_client_tcp *c, const struct zcoap_tcp_slot *s)
{
	return s->b1_szx == 7 ? zc_tcp_bert_up_units(c) * 1024U : zc_tcp_szx_bytes(s->b1_szx);
}

unsigned int zc_tcp_bert_up_units(const struct coap_client_tcp *c)
{
	uint32_t room;
	unsigned int k;

	if (ZCOAP_CONFIG_BLOCK_SIZE != 1024 || !c->peer_csm || !c->peer_bwt ||
	    c->peer_mms < ZCOAP_CONFIG_MESSAGE_HEADER_SIZE) {
		return 0;
	}
	room = c->peer_mms - ZCOAP_CONFIG_MESSAGE_HEADER_SIZE;
	k = room / 1024U;
	return k > ZC_TCP_BERT_UP_MAX_UNITS ? ZC_TCP_BERT_UP_MAX_UNITS : k;
}

int zc_tcp_upload_chunk(struct zcoap_tcp_slot *s, size_t room, const uint8_t **chunk, size_t *len,
			bool *last)
{
	if (s->req.payload_cb != NULL) {
		size_t want = room;
		bool l = false;
		int r = s->req.payload_cb(s->up_offset, chunk, &want, &l, s->req.user_data);

		if (r < 0) {
			return r;
		}
		if (want > room || (want > 0 && *chunk == NULL) || (want < room && !l)) {
			/* RFC 7959 §2.3: every block but the last is full. */
			return -EINVAL;
		}
		*len = want;
		*last = l;
		return 0;
	}
	*chunk = s->req.payload != NULL ? s->req.payload + s->up_offset : NULL;
	*len = s->req.len - s->up_offset < room ? s->req.len - s->up_offset : room;
	*last = s->up_offset + *len >= s->req.len;
	return 0;
}

bool zc_tcp_token_in_use(const struct coap_client_tcp *c, const uint8_t *cand)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		const struct zcoap_tcp_slot *o = &c->requests[i];

		if (!o->used) {
			continue;
		}
		if (o->token != cand && memcmp(o->token, cand, COAP_TOKEN_MAX_LEN) == 0) {
			return true;
		}
		if (o->ctoken != cand && o->ctkl != 0 &&
		    memcmp(o->ctoken, cand, COAP_TOKEN_MAX_LEN) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * A fresh token for the next Block2 continuation of @p s (the one before it
 * is dropped: its answer, if it still comes, matches no request).
 */
static void new_ctoken(struct coap_client_tcp *c, struct zcoap_tcp_slot *s)
{
	do {
		s->cseq++;
		if (zc_port_random(s->ctoken, COAP_TOKEN_MAX_LEN) != 0) {
			/*
			 * No randomness: the slot's generation and index and a count
			 * (the tokens of requests have zeros in bytes 4-6 then).
			 */
			memcpy(s->ctoken, &s->gen, sizeof(s->gen));
			s->ctoken[4] = 0xc7U;
			s->ctoken[5] = (uint8_t)s->cseq;
			s->ctoken[6] = (uint8_t)(s->cseq >> 8);
			s->ctoken[7] = (uint8_t)(s - c->requests);
		}
	} while (memcmp(s->ctoken, s->token, COAP_TOKEN_MAX_LEN) == 0 ||
		 zc_tcp_token_in_use(c, s->ctoken));
	s->ctkl = COAP_TOKEN_MAX_LEN;
}

static int append_block(struct coap_packet *pkt, uint16_t number, uint32_t num, bool more,
			uint8_t szx)
{
	return coap_append_option_int(pkt, number, (num << 4) | (more ? 0x08U : 0U) | szx);
}

int zc_tcp_send_request(struct coap_client_tcp *c, struct zcoap_tcp_slot *s, const uint8_t *chunk,
			size_t chunk_len)
{
	struct coap_packet pkt;
	bool has_body = s->req.payload != NULL || s->req.payload_cb != NULL;
	uint8_t i;
	int r;

	if (s->in_body) {
		new_ctoken(c, s);
	}
	r = zc_tcp_msg_init(&pkt, c->send_buf, sizeof(c->send_buf), (uint8_t)s->req.method,
			    s->in_body ? s->ctoken : s->token, s->in_body ? s->ctkl : s->tkl);
	if (r == 0) {
		r = coap_packet_set_path(&pkt, s->req.path);
	}
	for (i = 0; r == 0 && i < s->req.num_options; i++) {
		const struct coap_client_tcp_option *o = &s->req.options[i];

		/* The library writes the block options of a transfer it runs itself. */
		if ((o->code == COAP_OPTION_BLOCK2 && s->in_body) ||
		    (o->code == COAP_OPTION_BLOCK1 && s->uploading) ||
		    (o->code == COAP_OPTION_OBSERVE && (s->in_body || s->deregister))) {
			continue;
		}
		r = coap_packet_append_option(&pkt, o->code, o->value, o->len);
	}
	if (r == 0 && s->deregister) {
		r = coap_append_option_int(&pkt, COAP_OPTION_OBSERVE, 1);
	}
	if (r == 0 && has_body) {
		r = coap_append_option_int(&pkt, COAP_OPTION_CONTENT_FORMAT, s->req.fmt);
	}
	if (r == 0 && s->uploading) {
		uint32_t unit = zc_tcp_szx_bytes(s->b1_szx);

		r = append_block(&pkt, COAP_OPTION_BLOCK1, (uint32_t)(s->up_offset / unit),
				 !s->up_last, s->b1_szx);
		if (r == 0 && s->up_offset == 0 && s->req.payload_cb == NULL) {
			r = coap_append_option_int(&pkt, COAP_OPTION_SIZE1,
						   (unsigned int)s->req.len);
		}
	}
	if (r == 0 && s->in_body) {
		r = append_block(&pkt, COAP_OPTION_BLOCK2, s->b2_num, false, s->b2_szx);
	}
	if (r == 0 && chunk_len > 0) {
		r = coap_packet_append_payload_marker(&pkt);
		if (r == 0 && chunk_len > (size_t)(pkt.max_len - pkt.offset)) {
			/* A BERT block larger than the send buffer: sent after the frame, no copy.
			 */
			if (r == 0) {
				s->deadline = zc_port_now_ms() + c->timeout_ms;
				return zc_tcp_send_pkt_extra(c, &pkt, chunk, chunk_len);
			}
		}
		if (r == 0) {
			r = coap_packet_append_payload(&pkt, chunk, (uint16_t)chunk_len);
		}
	}
	if (r == -ENOSPC) {
		return -EMSGSIZE;
	}
	if (r != 0) {
		return r;
	}
	s->deadline = zc_port_now_ms() + c->timeout_ms;
	return zc_tcp_send_pkt(c, &pkt);
}
