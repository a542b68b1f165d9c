/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * block.c -- the block-wise policy (RFC 7959): Block1 uploads (buffer or
 * streaming payload_cb), Block2 downloads with exact offsets, and recovery
 * from truncated datagrams. It keeps s->b1 and s->b2 and returns verdicts
 * (policy.h); the exchange core acts on them.
 *
 * Offsets are always computed from what was sent or delivered, never from
 * what the next block number would suggest, so a change of block size in
 * either direction cannot lose or repeat bytes.
 */

#include <errno.h>
#include <string.h>

#include "core/policy.h"

#define CONFIG_SZX ((uint8_t)coap_bytes_to_block_size(ZCOAP_CONFIG_BLOCK_SIZE))

/* Uploads restarted at most this often after 4.13/4.08 (no endless loops). */
#define MAX_BLOCK1_RESTARTS 2

/* RFC 7959 §2.2: NUM is a 20-bit field. */
#define BLOCK_NUM_MAX 0xFFFFFU

/*
 * Whether the block at byte @p offset in blocks of @p szx has a NUM that the
 * Block option can carry. A body that goes on past block 2^20 - 1 of the
 * current size cannot be asked for (message.c would send NUM modulo 2^20,
 * i.e. bytes of the body the server already sent): the request ends with
 * -EOVERFLOW instead (docs/design/block-wise.md).
 */
static bool num_fits(uint64_t offset, uint8_t szx)
{
	return (offset >> (szx + 4U)) <= BLOCK_NUM_MAX;
}

static struct zc_verdict verdict(enum zc_verdict_kind kind)
{
	struct zc_verdict v = {.kind = kind};

	return v;
}

static struct zc_verdict fail(int err)
{
	struct zc_verdict v = {.kind = ZC_V_FAIL, .err = err};

	return v;
}

static struct zc_verdict deliver(enum zc_verdict_kind kind, size_t offset, const uint8_t *payload,
				 size_t len)
{
	struct zc_verdict v = {.kind = kind, .offset = offset, .payload = payload, .len = len};

	return v;
}

/* ---- Block1 ------------------------------------------------------------ */

int zc_block1_chunk(struct zcoap_slot *s)
{
	uint32_t size = zc_szx_bytes(s->b1.szx);

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

uint8_t zc_block_requested_szx(const struct zcoap_slot *s, uint16_t code)
{
	for (unsigned int i = 0; i < s->num_options; i++) {
		uint32_t num;
		bool more;
		uint8_t szx;

		if (s->options[i].code == code &&
		    zcoap_block_decode(zc_opt_value(s, i), s->options[i].len, &num, &more, &szx) ==
			0 &&
		    szx < CONFIG_SZX) {
			return szx;
		}
	}
	return CONFIG_SZX;
}

int zc_block1_setup(struct zcoap_slot *s)
{
	s->b1.szx = zc_block_requested_szx(s, COAP_OPTION_BLOCK1);
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
		s->b1.blockwise = !s->b1.last;
		return 0;
	}
	s->b1.total = s->len;
	if (s->len > ZCOAP_CONFIG_MESSAGE_SIZE || s->len > zc_szx_bytes(s->b1.szx)) {
		/* Zephyr's rule: bodies larger than a message go block-wise. */
		s->b1.blockwise = true;
		return zc_block1_chunk(s);
	}
	s->b1.blockwise = false;
	s->b1.cb_data = s->payload;
	s->b1.chunk = (uint16_t)s->len;
	s->b1.last = true;
	s->b1.have_chunk = s->payload != NULL;
	return 0;
}

/* Start the upload over with blocks of @p szx (the caller loads the chunk and sends). */
static struct zc_verdict restart_upload(struct zcoap_slot *s, uint8_t szx)
{
	s->b1.restarts++;
	s->b1.blockwise = true;
	s->b1.szx = szx;
	s->b1.offset = 0;
	s->b1.have_chunk = false;
	if (s->payload_cb == NULL) {
		s->b1.total = s->len;
	}
	return verdict(ZC_V_RESEND);
}

struct zc_verdict zc_block1_on_response(struct zcoap_slot *s, const struct zc_rx *rx)
{
	const uint8_t *v;
	uint16_t vlen;
	uint32_t num;
	bool more;
	uint8_t szx;
	bool has_b1 = zc_rx_option(rx, COAP_OPTION_BLOCK1, &v, &vlen) == 0 &&
		      zcoap_block_decode(v, vlen, &num, &more, &szx) == 0;
	uint64_t sent_end = s->b1.offset + s->b1.chunk;
	struct zc_verdict pass = verdict(ZC_V_PASS);

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
			    (s->b1.blockwise ? szx < s->b1.szx : zc_szx_bytes(szx) < s->b1.total);

			if (rx->code == COAP_RESPONSE_CODE_REQUEST_TOO_LARGE && smaller) {
				return restart_upload(s, szx);
			}
			if (rx->code == COAP_RESPONSE_CODE_INCOMPLETE && s->b1.blockwise) {
				return restart_upload(s, s->b1.szx);
			}
		}
		return deliver(ZC_V_FINISH, (size_t)s->b1.offset, rx->payload, rx->payload_len);
	}
	if (!s->b1.blockwise || s->b1.last) {
		/* The whole body is acknowledged; the response goes on as a body of its own. */
		pass.offset = s->b1.blockwise ? (size_t)sent_end : 0;
		return pass;
	}
	/* RFC 7959 §2.5: a smaller SZX in the response is the size to use from now on. */
	if (has_b1 && szx < s->b1.szx) {
		s->b1.szx = szx;
	}
	if (!num_fits(sent_end, s->b1.szx)) {
		return fail(-EOVERFLOW);
	}
	/* The next block starts right after the acknowledged bytes, whatever the size now. */
	s->b1.offset = sent_end;
	s->b1.have_chunk = false;
	return deliver(ZC_V_CONTINUE, (size_t)sent_end, rx->payload, rx->payload_len);
}

/* ---- Block2 ------------------------------------------------------------ */

void zc_block2_reset(struct zcoap_slot *s)
{
	uint8_t szx = s->b2.szx;

	memset(&s->b2, 0, sizeof(s->b2));
	s->b2.szx = szx;
}

struct zc_verdict zc_block2_on_response(struct zcoap_slot *s, const struct zc_rx *rx, bool in_body,
					bool observing, size_t base)
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

	if (zc_rx_option(rx, COAP_OPTION_BLOCK2, &v, &vlen) != 0) {
		if (in_body && (rx->code >> 5) == 2) {
			/* A success response without Block2 in the middle of a body. */
			return fail(-EBADMSG);
		}
		return deliver(ZC_V_FINISH, in_body ? (size_t)s->b2.delivered : base, rx->payload,
			       rx->payload_len);
	}
	/* RFC 7959 §2.2: SZX 7 is reserved, values longer than 3 bytes are invalid. */
	if (zcoap_block_decode(v, vlen, &num, &more, &szx) < 0) {
		return fail(-EBADMSG);
	}
	if ((rx->code >> 5) != 2) {
		/* An error carried block-wise: deliver what came, end the request. */
		return deliver(ZC_V_FINISH, (size_t)s->b2.delivered, rx->payload, rx->payload_len);
	}
	size = zc_szx_bytes(szx);
	start = (uint64_t)num * size; /* NUM < 2^20, size <= 1024: no overflow */

	/* RFC 9175 §3.8 / RFC 7959 §2.4: all blocks of a body carry the same ETag. */
	if (zc_rx_option(rx, COAP_OPTION_ETAG, &etag, &etag_len) != 0) {
		etag_len = 0;
	}
	if (s->b2.blocks == 0) {
		s->b2.etag_len = (uint8_t)etag_len;
		if (etag_len > 0) {
			memcpy(s->b2.etag, etag, etag_len);
		}
	} else if (etag_len != s->b2.etag_len ||
		   (etag_len > 0 && memcmp(etag, s->b2.etag, etag_len) != 0)) {
		/*
		 * For a notification the resource changed while we fetched its
		 * body: drop the partial body and keep observing; the server
		 * notifies the new version (RFC 7641 §4.2), which starts a fresh
		 * body at offset 0.
		 */
		return observing ? verdict(ZC_V_DISCARD) : fail(-EBADMSG);
	}
	/* A non-final block is exactly one block long; a final one at most. */
	if ((more && rx->payload_len != size) || rx->payload_len > size) {
		return fail(-EBADMSG);
	}
	/*
	 * The block must hold the next byte we need. It starts exactly there
	 * unless the server answered with a larger block than we asked for,
	 * in which case the part already delivered is skipped.
	 */
	if (start > s->b2.delivered || (start != s->b2.delivered && szx <= s->b2.szx)) {
		return fail(-EBADMSG);
	}
	skip = s->b2.delivered - start;
	if (skip > rx->payload_len || (more && skip == rx->payload_len)) {
		return fail(-EBADMSG);
	}
	if (zc_rx_option(rx, COAP_OPTION_SIZE2, &v, &vlen) == 0) {
		s->b2.size2 = zcoap_option_uint(v, vlen);
	}
	{
		const uint8_t *chunk = rx->payload != NULL ? rx->payload + skip : NULL;
		size_t clen = (size_t)(rx->payload_len - skip);
		size_t offset = (size_t)s->b2.delivered;

		if (!more && s->b2.size2 != 0 && s->b2.delivered + clen != s->b2.size2) {
			/* Size2 promised a different body size (RFC 7959 §4). */
			return fail(-EBADMSG);
		}
		s->b2.delivered += clen;
		s->b2.blocks++;
		s->b2.truncation_retry = false;
		if (!more) {
			return deliver(ZC_V_FINISH, offset, chunk, clen);
		}
		/* Follow the server down to a smaller block size, never up (RFC 7959 §2.4). */
		if (szx < s->b2.szx) {
			s->b2.szx = szx;
		}
		/* The continuation for the next byte must have a NUM that fits (§2.2). */
		if (!num_fits(s->b2.delivered, s->b2.szx)) {
			return fail(-EOVERFLOW);
		}
		return deliver(ZC_V_CONTINUE, offset, chunk, clen);
	}
}

struct zc_verdict zc_block2_on_truncated(struct zcoap_slot *s, bool deregistering)
{
	bool safe = s->method == COAP_METHOD_GET || s->method == COAP_METHOD_FETCH;

	/*
	 * RFC 7959 §2.4 lets a client ask for a block of a smaller size at any
	 * point. Repeating the request is only safe for GET and FETCH, and an
	 * observation cannot be re-registered from here, so anything else
	 * fails with -EMSGSIZE rather than being delivered cut short.
	 */
	if (!safe || s->obs.wanted || s->b2.truncation_retry || deregistering) {
		return fail(-EMSGSIZE);
	}
	if (s->b2.szx > CONFIG_SZX) {
		s->b2.szx = CONFIG_SZX;
	}
	s->b2.truncation_retry = true;
	return deliver(ZC_V_CONTINUE, 0, NULL, 0);
}
