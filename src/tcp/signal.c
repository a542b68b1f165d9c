/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * signal.c -- RFC 8323 §5 signalling messages (CSM, Ping, Pong, Release,
 * Abort): building and decoding. Signalling messages carry an empty token
 * here (RFC 8323 §5.1 lets them have any).
 */
#include <errno.h>
#include <string.h>

#include "tcp/frame.h"
#include "zcoap_option.h"

int zc_tcp_signal_parse(const struct coap_packet *pkt, struct zc_tcp_signal *sig)
{
	struct zcoap_option_iter it;
	uint16_t number;
	uint16_t len;
	const uint8_t *value;
	uint8_t code;
	int r;

	memset(sig, 0, sizeof(*sig));
	code = coap_header_get_code(pkt);
	if ((code >> 5) != 7) {
		return -EINVAL;
	}
	sig->code = code;
	zcoap_option_iter_init(&it, pkt);
	while ((r = zcoap_option_iter_next(&it, &number, &value, &len)) == 1) {
		bool known = false;

		switch (code) {
		case ZC_TCP_CSM:
			if (number == ZC_TCP_OPT_MAX_MESSAGE_SIZE) {
				if (len > 4) {
					return -EBADMSG;
				}
				sig->has_mms = true;
				sig->max_message_size = zcoap_option_uint(value, len);
				known = true;
			} else if (number == ZC_TCP_OPT_BLOCK_WISE) {
				if (len != 0) {
					return -EBADMSG;
				}
				sig->block_wise = true;
				known = true;
			}
			break;
		case ZC_TCP_PING:
		case ZC_TCP_PONG:
			if (number == ZC_TCP_OPT_CUSTODY) {
				if (len != 0) {
					return -EBADMSG;
				}
				sig->custody = true;
				known = true;
			}
			break;
		case ZC_TCP_RELEASE:
			if (number == ZC_TCP_OPT_ALT_ADDRESS) {
				if (len < 1 || len > 255) {
					return -EBADMSG;
				}
				sig->alt_addr = value;
				sig->alt_addr_len = len;
				known = true;
			} else if (number == ZC_TCP_OPT_HOLD_OFF) {
				if (len > 3) {
					return -EBADMSG;
				}
				sig->hold_off = zcoap_option_uint(value, len);
				known = true;
			}
			break;
		case ZC_TCP_ABORT:
			if (number == ZC_TCP_OPT_BAD_CSM_OPTION) {
				if (len > 2) {
					return -EBADMSG;
				}
				sig->bad_csm_option = (uint16_t)zcoap_option_uint(value, len);
				known = true;
			}
			break;
		default:
			break;
		}
		/* §5.2: unknown elective (even) options are ignored, critical (odd) ones are not.
		 */
		if (!known && (number & 1U) != 0) {
			sig->bad_option = number;
			return -ENOTSUP;
		}
	}
	return r == 0 ? 0 : -EBADMSG;
}

int zc_tcp_build_csm(struct coap_packet *pkt, uint8_t *buf, size_t size, uint32_t mms, bool bwt)
{
	int r = zc_tcp_msg_init(pkt, buf, size, ZC_TCP_CSM, NULL, 0);

	if (r == 0) {
		r = coap_append_option_int(pkt, ZC_TCP_OPT_MAX_MESSAGE_SIZE, mms);
	}
	if (r == 0 && bwt) {
		r = coap_packet_append_option(pkt, ZC_TCP_OPT_BLOCK_WISE, NULL, 0);
	}
	return r;
}

int zc_tcp_build_ping(struct coap_packet *pkt, uint8_t *buf, size_t size, uint8_t code,
		      bool custody)
{
	int r;

	if (code != ZC_TCP_PING && code != ZC_TCP_PONG) {
		return -EINVAL;
	}
	r = zc_tcp_msg_init(pkt, buf, size, code, NULL, 0);
	if (r == 0 && custody) {
		r = coap_packet_append_option(pkt, ZC_TCP_OPT_CUSTODY, NULL, 0);
	}
	return r;
}

int zc_tcp_build_release(struct coap_packet *pkt, uint8_t *buf, size_t size, const char *alt_addr,
			 uint32_t hold_off)
{
	size_t alen = alt_addr != NULL ? strlen(alt_addr) : 0;
	int r;

	if (alt_addr != NULL && (alen < 1 || alen > 255)) {
		return -EINVAL;
	}
	if (hold_off > 0xFFFFFFU) {
		return -EINVAL;
	}
	r = zc_tcp_msg_init(pkt, buf, size, ZC_TCP_RELEASE, NULL, 0);
	if (r == 0 && alt_addr != NULL) {
		r = coap_packet_append_option(pkt, ZC_TCP_OPT_ALT_ADDRESS,
					      (const uint8_t *)alt_addr, (uint16_t)alen);
	}
	if (r == 0 && hold_off > 0) {
		r = coap_append_option_int(pkt, ZC_TCP_OPT_HOLD_OFF, hold_off);
	}
	return r;
}

int zc_tcp_build_abort(struct coap_packet *pkt, uint8_t *buf, size_t size, uint16_t bad_option,
		       const char *diagnostic)
{
	int r = zc_tcp_msg_init(pkt, buf, size, ZC_TCP_ABORT, NULL, 0);

	if (r == 0 && bad_option != 0) {
		r = coap_append_option_int(pkt, ZC_TCP_OPT_BAD_CSM_OPTION, bad_option);
	}
	if (r == 0 && diagnostic != NULL && diagnostic[0] != '\0') {
		r = coap_packet_append_payload_marker(pkt);
		if (r == 0) {
			r = coap_packet_append_payload(pkt, (const uint8_t *)diagnostic,
						       (uint16_t)strlen(diagnostic));
		}
	}
	return r;
}
