/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * path.c -- split a path string into Uri-Path and Uri-Query options.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "coap.h"
#include "codec/codec_internal.h"

/* Append one segment unless it is empty (empty segments are skipped). */
static int append_segment(struct coap_packet *cpkt, uint16_t option, const char *start, size_t len)
{
	if (len == 0) {
		return 0;
	}
	if (len > UINT16_MAX) {
		return -EINVAL;
	}
	return coap_packet_append_option(cpkt, option, (const uint8_t *)start, (uint16_t)len);
}

/*
 * Zephyr's splitting (RFC 7252 §6.4 steps 8-9 without percent-decoding):
 * before the first '?', '/' separates Uri-Path segments; after it, '&' and
 * any further '?' separate Uri-Query items. Leading, trailing and doubled
 * separators produce no empty options, so "/a//b/" is "a", "b". The bytes
 * are sent as given: a caller wanting "%2F" decoded must do it itself.
 */
int coap_packet_set_path(struct coap_packet *cpkt, const char *path)
{
	uint16_t option = COAP_OPTION_URI_PATH;
	const char *seg;
	const char *p;
	int r;

	if (cpkt == NULL || path == NULL) {
		return -EINVAL;
	}
	seg = path;
	for (p = path;; p++) {
		char c = *p;
		bool end = c == '\0';
		bool sep = option == COAP_OPTION_URI_PATH ? (c == '/' || c == '?')
							  : (c == '&' || c == '?');

		if (!end && !sep) {
			continue;
		}
		r = append_segment(cpkt, option, seg, (size_t)(p - seg));
		if (r < 0) {
			return r;
		}
		if (end) {
			return 0;
		}
		if (c == '?') {
			option = COAP_OPTION_URI_QUERY;
		}
		seg = p + 1;
	}
}

/*
 * The same splitting as coap_packet_set_path(), written straight into
 * @p out: the options follow one another in order from number 0, so no
 * packet bookkeeping, no insert point and no per-option checks of a
 * struct coap_packet are needed (test_codec_path checks it agrees).
 */
int zc_encode_path(uint8_t *out, size_t cap, const char *path)
{
	uint16_t option = COAP_OPTION_URI_PATH;
	uint16_t prev = 0;
	size_t n = 0;
	const char *seg = path;

	for (const char *p = path;; p++) {
		char c = *p;
		bool end = c == '\0';
		bool sep = option == COAP_OPTION_URI_PATH ? (c == '/' || c == '?')
							  : (c == '&' || c == '?');
		size_t len;

		if (!end && !sep) {
			continue;
		}
		len = (size_t)(p - seg);
		if (len > 0) {
			if (len > UINT16_MAX) {
				return -EINVAL;
			}
			if (zc_option_header_size((uint32_t)(option - prev), (uint32_t)len) + len >
			    cap - n) {
				return -ENOSPC;
			}
			n +=
			    zc_option_put_header(out + n, (uint32_t)(option - prev), (uint32_t)len);
			if (len <= 8) {
				/* Most segments are short: no memcpy() call. */
				for (size_t i = 0; i < len; i++) {
					out[n + i] = (uint8_t)seg[i];
				}
			} else {
				memcpy(out + n, seg, len);
			}
			n += len;
			prev = option;
		}
		if (end) {
			return (int)n;
		}
		if (c == '?') {
			option = COAP_OPTION_URI_QUERY;
		}
		seg = p + 1;
	}
}

/*
 * One walk that copies the path, checks its length and writes its options:
 * a value byte goes straight to where it ends up behind a one-byte option
 * header (the usual case: a delta and a length under 13), and a segment
 * that needs a longer header is moved up once it is complete.
 */
int zc_encode_path_copy(uint8_t *out, size_t cap, const char *path, char *copy, size_t copy_cap)
{
	uint16_t option = COAP_OPTION_URI_PATH;
	char sep2 = '/'; /* the separator besides '?': '/' in the path, '&' in the query */
	uint16_t prev = 0;
	size_t n = 0;   /* bytes of complete options in out */
	size_t seg = 0; /* index of the current segment's first byte in path */

	for (size_t i = 0;; i++) {
		char c;
		size_t len;

		if (i >= copy_cap) {
			return -EINVAL;
		}
		c = path[i];
		copy[i] = c;
		/* No separator is above '?' (0x3F): letters need one comparison. */
		if ((unsigned char)c > '?' || (c != '\0' && c != '?' && c != sep2)) {
			size_t at = n + 1U + (i - seg);

			if (at < cap) {
				out[at] = (uint8_t)c;
			}
			continue;
		}
		len = i - seg;
		if (len > 0) {
			uint32_t delta = (uint32_t)(option - prev);
			uint32_t h;

			if (len > UINT16_MAX) {
				return -EINVAL;
			}
			h = delta < 13U && len < 13U ? 1U
						     : zc_option_header_size(delta, (uint32_t)len);
			if (h + len > cap - n) {
				return -ENOSPC;
			}
			if (h == 1U) {
				out[n] = (uint8_t)((delta << 4) | len);
			} else {
				memmove(out + n + h, out + n + 1U, len);
				(void)zc_option_put_header(out + n, delta, (uint32_t)len);
			}
			n += h + len;
			prev = option;
		}
		if (c == '\0') {
			return (int)n;
		}
		if (c == '?') {
			option = COAP_OPTION_URI_QUERY;
			sep2 = '&';
		}
		seg = i + 1U;
	}
}
