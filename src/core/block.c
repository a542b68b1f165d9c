/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * engine_block.c -- block-wise transfers (RFC 7959) for the client engine:
 * Block1 uploads (buffer or streaming payload_cb), Block2 downloads with
 * exact offsets, and recovery from truncated datagrams.
 *
 * Offsets are always computed from what was sent or delivered, never from
 * what the next block number would suggest, so a change of block size in
 * either direction cannot lose or repeat bytes.
 */

#include <errno.h>
#include <string.h>

#include "core/core_internal.h"
#include "codec/codec_internal.h"

#define CONFIG_SZX ((uint8_t)coap_bytes_to_block_size(ZCOAP_CONFIG_BLOCK_SIZE))

/* Uploads restarted at most this often after 4.13/4.08 (no endless loops). */
#define MAX_BLOCK1_RESTARTS 2

/* ---- Block1 ------------------------------------------------------------ */

int zc_block1_chunk(struct zcoap_slot *s)
{
	uint32_t size = zcoap_szx_bytes(s->b1.szx);

	if (s->b1.have_chunk) {
		return 0;
	}
	if (s->payload_cb != NULL) {
		const uint8_t *data = NULL;
		size_t n = size;
		bool last = false;
		int r = s->payload_cb((size_t)s->b1.offset, &data, &n, &last, s->user_data);

		if (r < 0) {
			return r;
		}
		/* Zephyr 4.3 rules: at most one block, short only at the end, never NULL data. */
		if (n > size || (n < size && !last) || (data == NULL && n > 0)) {
			return -EINVAL;
		}
		s->b1.cb_data = data;
		s->b1.chunk = (uint16_t)n;
		s->b1.last = last;
		if (last) {
			s->b1.total = s->b1.offset + n;
		}
	} else {
		uint64_t left = s->b1.total - s->b1.offset;

		s->b1.chunk = (uint16_t)(left < size ? left : size);
		s->b1.cb_data = s->payload != NULL ? s->payload + s->b1.offset : NULL;
		s->b1.last = s->b1.offset + s->b1.chunk >= s->b1.total;
	}
	s->b1.have_chunk = true;
	return 0;
}

uint8_t zc_requested_szx(const struct zcoap_slot *s, uint16_t code)
{
	for (unsigned int i = 0; i < s->num_options; i++) {
		uint32_t num;
		bool more;
		uint8_t szx;

		if (s->options[i].code == code &&
		    zcoap_block_decode(s->options[i].value, s->options[i].len, &num, &more, &szx) ==
			0 &&
		    szx < CONFIG_SZX) {
			return szx;
		}
	}
	return CONFIG_SZX;
}

int zc_block1_setup(struct zcoap_slot *s)
{
	s->b1.szx = zc_requested_szx(s, COAP_OPTION_BLOCK1);
	s->b1.offset = 0;
	s->b1.have_chunk = false;
	if (s->payload_cb != NULL) {
		int r;

		s->b1.total = UINT64_MAX;
		r = zc_block1_chunk(s);
		if (r < 0) {
			return r;
		}
		/* A body that ends in its first block goes out as one message. */
		s->b1.active = !s->b1.last;
		return 0;
	}
	s->b1.total = s->len;
	if (s->len > ZCOAP_CONFIG_MESSAGE_SIZE || s->len > zcoap_szx_bytes(s->b1.szx)) {
		/* Zephyr's rule: bodies larger than a message go block-wise. */
		s->b1.active = true;
		return zc_block1_chunk(s);
	}
	s->b1.active = false;
	s->b1.cb_data = s->payload;
	s->b1.chunk = (uint16_t)s->len;
	s->b1.last = true;
	s->b1.have_chunk = s->payload != NULL;
	return 0;
}

static int restart_upload(struct zcoap_engine *eng, struct zcoap_slot *s, uint8_t szx, int64_t now)
{
	int r;

	s->b1.restarts++;
	s->b1.active = true;
	s->b1.szx = szx;
	s->b1.offset = 0;
	s->b1.have_chunk = false;
	if (s->payload_cb == NULL) {
		s->b1.total = s->len;
	}
	r = zc_block1_chunk(s);
	if (r == 0) {
		r = zc_eng_send_new(eng, s, now);
	}
	return r;
}

int zc_block1_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			     const struct zcoap_rx *rx)
{
	const uint8_t *v;
	uint16_t vlen;
	uint32_t num;
	bool more;
	uint8_t szx;
	bool has_b1 = zc_eng_rx_option(eng, COAP_OPTION_BLOCK1, &v, &vlen) == 0 &&
		      zcoap_block_decode(v, vlen, &num, &more, &szx) == 0;
	uint64_t sent_end = s->b1.offset + s->b1.chunk;
	int r;

	if (rx->code >= COAP_MAKE_RESPONSE_CODE(4, 0)) {
		/*
		 * RFC 7959 §2.9.3: 4.13 may name a block size the server takes;
		 * start over with it. §2.9.2: 4.08 means the server lost the
		 * earlier blocks; start over once more. Anything else ends the
		 * upload here -- never keep sending after an error.
		 */
		if (s->b1.restarts < MAX_BLOCK1_RESTARTS) {
			/*
			 * Only a Block1 size that would really split the body
			 * differently is worth a retry: smaller than the blocks
			 * we sent, or (not block-wise yet) than the body.
			 */
			bool smaller =
			    has_b1 &&
			    (s->b1.active ? szx < s->b1.szx : zcoap_szx_bytes(szx) < s->b1.total);

			if (rx->code == COAP_RESPONSE_CODE_REQUEST_TOO_LARGE && smaller) {
				r = restart_upload(eng, s, szx, rx->now);
				if (r < 0) {
					zc_eng_fail(eng, s, r);
				}
				return 0;
			}
			if (rx->code == COAP_RESPONSE_CODE_INCOMPLETE && s->b1.active) {
				r = restart_upload(eng, s, s->b1.szx, rx->now);
				if (r < 0) {
					zc_eng_fail(eng, s, r);
				}
				return 0;
			}
		}
		zc_eng_complete(eng, s, rx, (size_t)s->b1.offset, rx->payload, rx->payload_len);
		return 0;
	}
	if (!s->b1.active || s->b1.last) {
		/* The whole body is acknowledged; the response goes on as a body of its own. */
		s->b1.done = true;
		return 1;
	}
	/* RFC 7959 §2.5: a smaller SZX in the response is the size to use from now on. */
	if (has_b1 && szx < s->b1.szx) {
		s->b1.szx = szx;
	}
	zc_eng_emit(eng, s, rx->code, (size_t)sent_end, rx->payload, rx->payload_len, false,
		       false, true);
	/* The next block starts right after the acknowledged bytes, whatever the size now. */
	s->b1.offset = sent_end;
	s->b1.have_chunk = false;
	r = zc_block1_chunk(s);
	if (r == 0) {
		r = zc_eng_send_new(eng, s, rx->now);
	}
	if (r < 0) {
		zc_eng_fail(eng, s, r);
	}
	return 0;
}

/* ---- Block2 ------------------------------------------------------------ */

static bool observing(const struct zcoap_slot *s)
{
	return s->obs.registered && s->obs.have_seq && !s->obs.deregistering;
}

static void reset_b2(struct zcoap_slot *s)
{
	uint8_t szx = s->b2.szx;

	memset(&s->b2, 0, sizeof(s->b2));
	s->b2.szx = szx;
	s->truncation_retry = false;
}

/* The body (or the last chunk of it) is complete. */
static void finish_body(struct zcoap_engine *eng, struct zcoap_slot *s, const struct zcoap_rx *rx,
			size_t offset, const uint8_t *payload, size_t len)
{
	if (observing(s)) {
		/* A notification is complete; the observation goes on (RFC 7641 §3.2). */
		zc_eng_emit(eng, s, rx->code, offset, payload, len, true, false, true);
		reset_b2(s);
		s->state = ZCOAP_SLOT_OBSERVING;
		s->deadline = zc_observe_deadline(s, rx->now);
		return;
	}
	zc_eng_complete(eng, s, rx, offset, payload, len);
}

void zc_block2_on_response(struct zcoap_engine *eng, struct zcoap_slot *s,
			      const struct zcoap_rx *rx, size_t body_offset_base)
{
	const uint8_t *v;
	uint16_t vlen;
	const uint8_t *etag = NULL;
	uint16_t etag_len = 0;
	uint32_t num;
	bool more;
	uint8_t szx;
	uint64_t start;
	uint64_t skip;
	uint32_t size;
	int r;

	if (zc_eng_rx_option(eng, COAP_OPTION_BLOCK2, &v, &vlen) != 0) {
		if (s->b2.active && (rx->code >> 5) == 2) {
			/* A success response without Block2 in the middle of a body. */
			zc_eng_fail(eng, s, -EBADMSG);
			return;
		}
		if (s->b2.active) {
			finish_body(eng, s, rx, (size_t)s->b2.delivered, rx->payload,
				    rx->payload_len);
			return;
		}
		finish_body(eng, s, rx, body_offset_base, rx->payload, rx->payload_len);
		return;
	}
	/* RFC 7959 §2.2: SZX 7 is reserved, values longer than 3 bytes are invalid. */
	if (zcoap_block_decode(v, vlen, &num, &more, &szx) < 0) {
		zc_eng_fail(eng, s, -EBADMSG);
		return;
	}
	if ((rx->code >> 5) != 2) {
		/* An error carried block-wise: deliver what came, end the request. */
		finish_body(eng, s, rx, (size_t)s->b2.delivered, rx->payload, rx->payload_len);
		return;
	}
	size = zcoap_szx_bytes(szx);
	start = (uint64_t)num * size; /* NUM < 2^20, size <= 1024: no overflow */

	/* RFC 9175 §3.8 / RFC 7959 §2.4: all blocks of a body carry the same ETag. */
	if (zc_eng_rx_option(eng, COAP_OPTION_ETAG, &etag, &etag_len) != 0) {
		etag_len = 0;
	}
	if (!s->b2.have_first) {
		s->b2.have_first = true;
		s->b2.etag_len = (uint8_t)etag_len;
		if (etag_len > 0) {
			memcpy(s->b2.etag, etag, etag_len);
		}
	} else if (etag_len != s->b2.etag_len ||
		   (etag_len > 0 && memcmp(etag, s->b2.etag, etag_len) != 0)) {
		if (observing(s)) {
			/*
			 * The resource changed while we fetched a notification's
			 * body: drop the partial body and keep observing; the
			 * server notifies the new version (RFC 7641 §4.2), which
			 * starts a fresh body at offset 0.
			 */
			reset_b2(s);
			s->state = ZCOAP_SLOT_OBSERVING;
			s->deadline = zc_observe_deadline(s, rx->now);
			return;
		}
		zc_eng_fail(eng, s, -EBADMSG);
		return;
	}
	/* A non-final block is exactly one block long; a final one at most. */
	if ((more && rx->payload_len != size) || rx->payload_len > size) {
		zc_eng_fail(eng, s, -EBADMSG);
		return;
	}
	/*
	 * The block must hold the next byte we need. It starts exactly there
	 * unless the server answered with a larger block than we asked for,
	 * in which case the part already delivered is skipped.
	 */
	if (start > s->b2.delivered || (start != s->b2.delivered && szx <= s->b2.szx)) {
		zc_eng_fail(eng, s, -EBADMSG);
		return;
	}
	skip = s->b2.delivered - start;
	if (skip > rx->payload_len || (more && skip == rx->payload_len)) {
		zc_eng_fail(eng, s, -EBADMSG);
		return;
	}
	if (zc_eng_rx_option(eng, COAP_OPTION_SIZE2, &v, &vlen) == 0) {
		s->b2.size2 = zcoap_option_uint(v, vlen);
	}
	{
		const uint8_t *chunk = rx->payload != NULL ? rx->payload + skip : NULL;
		size_t clen = (size_t)(rx->payload_len - skip);
		size_t offset = (size_t)s->b2.delivered;

		if (!more && s->b2.size2 != 0 && s->b2.delivered + clen != s->b2.size2) {
			/* Size2 promised a different body size (RFC 7959 §4). */
			zc_eng_fail(eng, s, -EBADMSG);
			return;
		}
		s->b2.delivered += clen;
		s->b2.blocks++;
		s->truncation_retry = false;
		if (!more) {
			finish_body(eng, s, rx, offset, chunk, clen);
			return;
		}
		/* Follow the server down to a smaller block size, never up (RFC 7959 §2.4). */
		if (szx < s->b2.szx) {
			s->b2.szx = szx;
		}
		s->b2.active = true;
		zc_eng_emit(eng, s, rx->code, offset, chunk, clen, false, false, true);
		r = zc_eng_send_new(eng, s, rx->now);
		if (r < 0) {
			zc_eng_fail(eng, s, r);
		}
	}
}

void zc_block2_on_truncated(struct zcoap_engine *eng, struct zcoap_slot *s, int64_t now)
{
	bool safe = s->method == COAP_METHOD_GET || s->method == COAP_METHOD_FETCH;
	int r;

	/*
	 * RFC 7959 §2.4 lets a client ask for a block of a smaller size at any
	 * point. Repeating the request is only safe for GET and FETCH, and an
	 * observation cannot be re-registered from here, so anything else
	 * fails with -EMSGSIZE rather than being delivered cut short.
	 */
	if (!safe || s->obs.registered || s->truncation_retry || s->obs.deregistering) {
		zc_eng_fail(eng, s, -EMSGSIZE);
		return;
	}
	if (s->b2.szx > CONFIG_SZX) {
		s->b2.szx = CONFIG_SZX;
	}
	s->b2.active = true;
	s->truncation_retry = true;
	r = zc_eng_send_new(eng, s, now);
	if (r < 0) {
		zc_eng_fail(eng, s, r);
	}
}
