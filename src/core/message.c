/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * message.c -- the bytes of a request, by phase: the request or a Block1
 * block (RFC 7959 §2.5), a Block2 continuation (§2.7), a re-registration or
 * a deregistration (RFC 7641 §3.3.1, §3.6); and Empty ACK/RST messages.
 */

#include <errno.h>
#include <string.h>

#include "core/exchange.h"

/* Payload bytes of the message being built, by phase. */
static void message_body(const struct zcoap_slot *s, const uint8_t **body, size_t *n)
{
	bool continuation = zc_in_body(s);

	*body = NULL;
	*n = 0;
	if (s->phase == ZCOAP_PHASE_DEREGISTER || continuation) {
		/*
		 * RFC 7641 §3.6 repeats the registration (minus Observe), and
		 * RFC 8132 §2.3.2 repeats a FETCH body for later blocks; other
		 * methods ask for further Block2 blocks without a body (RFC 7959
		 * §2.7).
		 */
		if (s->method == COAP_METHOD_FETCH && !s->b1.blockwise && s->b1.have_chunk) {
			*body = s->b1.cb_data;
			*n = s->b1.chunk;
		}
		return;
	}
	if (s->b1.have_chunk) {
		*body = s->b1.cb_data;
		*n = s->b1.chunk;
	}
}

/*
 * The next request of a Block2 download (RFC 7959 §2.7) repeats the previous
 * one but for its MID, token and Block2 value. When tx still holds that
 * previous request (cont_b2_off set by build_message()) and the new Block2
 * value has the same length, patch those bytes instead of encoding the
 * path and options again: this is the per-block cost of a download (~550
 * of ~3500 instructions per block, docs/performance.md). Messages with an
 * Echo value or a body, and re-/deregistrations, are always rebuilt (only
 * DOWNLOAD and NOTIFICATION messages are continuations).
 */
static bool patch_continuation(struct zcoap_slot *s)
{
	uint8_t buf[3];
	uint32_t num;
	uint16_t n;

	if (s->cont_b2_off == 0 || !zc_in_body(s) || s->echo_len > 0 || s->tkl != 8) {
		return false;
	}
	num = (uint32_t)(s->b2.delivered >> (s->b2.szx + 4U));
	n = zcoap_block_encode(num, false, s->b2.szx, buf);
	if (n != s->cont_b2_len) {
		return false;
	}
	s->tx[2] = (uint8_t)(s->mid >> 8);
	s->tx[3] = (uint8_t)s->mid;
	memcpy(s->tx + COAP_FIXED_HEADER_SIZE, s->token, 8);
	memcpy(s->tx + s->cont_b2_off, buf, n);
	return true;
}

/*
 * A request with no option but its path and no body (a plain GET, say):
 * header, token and the path's options written straight into tx, the
 * bytes the general builder below would produce (test_engine_basic's
 * test_plain_request_bytes), at a fraction of its cost.
 */
/*
 * The header and token of the slot's message (s->method, s->mid, s->token)
 * in s->tx, the path options to follow at tx[4 + tkl] (zc_send_plain()
 * writes the same for submit's fast path).
 */
static void build_header(struct zcoap_slot *s, uint8_t type)
{
	s->tx[0] = (uint8_t)((COAP_VERSION_1 << 6) | ((unsigned int)type << 4) | s->tkl);
	s->tx[1] = s->method;
	s->tx[2] = (uint8_t)(s->mid >> 8);
	s->tx[3] = (uint8_t)s->mid;
	if (s->tkl == 8) {
		memcpy(s->tx + COAP_FIXED_HEADER_SIZE, s->token, 8); /* the usual length, inline */
	} else {
		memcpy(s->tx + COAP_FIXED_HEADER_SIZE, s->token, s->tkl);
	}
}

static int build_plain(struct zcoap_slot *s, uint8_t type)
{
	size_t hdr = COAP_FIXED_HEADER_SIZE + (size_t)s->tkl;
	int n;

	build_header(s, type);
	n = zc_encode_path(s->tx + hdr, sizeof(s->tx) - hdr, s->path);
	if (n < 0) {
		return n;
	}
	s->tx_len = (uint16_t)(hdr + (size_t)n);
	return 0;
}

int zc_build_message(struct zcoap_slot *s, bool confirmable)
{
	struct coap_packet p;
	const uint8_t *body;
	size_t body_len;
	bool continuation = zc_in_body(s);
	bool deregistering = s->phase == ZCOAP_PHASE_DEREGISTER;
	bool body_phase = !continuation && !deregistering;
	uint8_t type = confirmable ? COAP_TYPE_CON : COAP_TYPE_NON_CON;
	uint8_t buf[4];
	uint16_t n;
	int r;

	if (zc_is_ping(s)) {
		zc_build_empty(s->tx, COAP_TYPE_CON, s->mid);
		s->tx_len = 4;
		return 0;
	}
	if (patch_continuation(s)) {
		return 0;
	}
	s->cont_b2_off = 0;
	if (body_phase && s->num_options == 0 && !zc_has_body(s) && s->echo_len == 0 &&
	    !s->b1.blockwise) {
		return build_plain(s, type);
	}
	r = coap_packet_init(&p, s->tx, (uint16_t)sizeof(s->tx), COAP_VERSION_1, type, s->tkl,
			     s->token, s->method, s->mid);
	if (r < 0) {
		return r;
	}
	r = coap_packet_set_path(&p, s->path);
	if (r < 0) {
		return r;
	}
	message_body(s, &body, &body_len);
	/*
	 * Content-Format only with a body (Zephyr's rule, RFC 7252 §5.10.3),
	 * unless the application asked for none (no_content_format).
	 */
	if (zc_has_body(s) && !s->no_fmt && (body_phase || body_len > 0)) {
		r = coap_append_option_int(&p, COAP_OPTION_CONTENT_FORMAT, s->fmt);
		if (r < 0) {
			return r;
		}
	}
	for (unsigned int i = 0; i < s->num_options; i++) {
		uint16_t code = s->options[i].code;

		/* Our own Block2 replaces the app's early negotiation after the first request. */
		if (code == COAP_OPTION_BLOCK2 && continuation) {
			continue;
		}
		/* An app Block1 only chooses the upload block size (zc_block1_setup()). */
		if (code == COAP_OPTION_BLOCK1) {
			continue;
		}
		if (code == COAP_OPTION_OBSERVE) {
			/* RFC 7959 §2.6 / RFC 7641: no Observe on continuation GETs. */
			if (continuation) {
				continue;
			}
			if (deregistering) {
				r = coap_append_option_int(&p, COAP_OPTION_OBSERVE, 1);
				if (r < 0) {
					return r;
				}
				continue;
			}
		}
		r = coap_packet_append_option(&p, code, zc_opt_value(s, i), s->options[i].len);
		if (r < 0) {
			return r;
		}
	}
	if (continuation) {
		uint32_t num = (uint32_t)(s->b2.delivered >> (s->b2.szx + 4U));

		n = zcoap_block_encode(num, false, s->b2.szx, buf);
		r = coap_packet_append_option(&p, COAP_OPTION_BLOCK2, buf, n);
		if (r < 0) {
			return r;
		}
	}
	if (s->b1.blockwise && body_phase) {
		uint32_t num = (uint32_t)(s->b1.offset >> (s->b1.szx + 4U));

		n = zcoap_block_encode(num, !s->b1.last, s->b1.szx, buf);
		r = coap_packet_append_option(&p, COAP_OPTION_BLOCK1, buf, n);
		if (r < 0) {
			return r;
		}
		/* RFC 7959 §4: Size1 tells the server the whole body size up front. */
		if (s->b1.total != UINT64_MAX && s->b1.total <= UINT32_MAX) {
			r = coap_append_option_int(&p, COAP_OPTION_SIZE1,
						   (unsigned int)s->b1.total);
			if (r < 0) {
				return r;
			}
		}
	}
	/* RFC 9175 §3.3: one Request-Tag for every block of a body, Block2 phase included. */
	if (s->b1.blockwise) {
		r = coap_packet_append_option(&p, COAP_OPTION_REQUEST_TAG, s->b1.tag,
					      sizeof(s->b1.tag));
		if (r < 0) {
			return r;
		}
	}
	if (s->echo_len > 0) {
		r = coap_packet_append_option(&p, COAP_OPTION_ECHO, s->echo, s->echo_len);
		if (r < 0) {
			return r;
		}
	}
	if (body_len > 0) {
		if (body_len > UINT16_MAX) {
			return -ENOSPC;
		}
		r = coap_packet_append_payload_marker(&p);
		if (r < 0) {
			return r;
		}
		r = coap_packet_append_payload(&p, body, (uint16_t)body_len);
		if (r < 0) {
			return r;
		}
	}
	s->tx_len = p.offset;
	if (continuation && body_len == 0 && s->echo_len == 0 && s->tkl == 8) {
		/* Remember where the Block2 value sits for patch_continuation(). */
		const uint8_t *v;
		uint16_t vlen;

		if (zcoap_option_find(&p, COAP_OPTION_BLOCK2, &v, &vlen) == 0 && v != NULL &&
		    vlen <= 3) {
			s->cont_b2_off = (uint16_t)(v - s->tx);
			s->cont_b2_len = (uint8_t)vlen;
		}
	}
	return 0;
}

void zc_build_empty(uint8_t out[4], uint8_t type, uint16_t mid)
{
	/* Version 1, TKL 0, code 0.00, the peer's MID (RFC 7252 §4.2, §4.3). */
	out[0] = (uint8_t)(0x40U | ((unsigned int)type << 4));
	out[1] = 0;
	out[2] = (uint8_t)(mid >> 8);
	out[3] = (uint8_t)mid;
}
