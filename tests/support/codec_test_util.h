/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * codec_test_util.h -- helpers shared by the unit tests (cmocka, hex dumps, the codec).
 */
#ifndef ZCOAP_CODEC_TEST_UTIL_H
#define ZCOAP_CODEC_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "coap.h"
#include "codec/codec_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void print_hex(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	print_message("%s (%zu):", label, n);
	for (i = 0; i < n; i++) {
		print_message(" %02X", p[i]);
	}
	print_message("\n");
}

/* Compare a message with its golden bytes; print both on mismatch. */
static inline void check_bytes_(const uint8_t *got, size_t got_len, const uint8_t *exp,
				size_t exp_len, const char *file, int line)
{
	if (got_len != exp_len || memcmp(got, exp, exp_len) != 0) {
		print_message("%s:%d: bytes differ\n", file, line);
		print_hex("  expected", exp, exp_len);
		print_hex("  got     ", got, got_len);
		fail();
	}
}
#define check_bytes(got, got_len, exp, exp_len)                                                    \
	check_bytes_((got), (got_len), (exp), (exp_len), __FILE__, __LINE__)

/* The message held by a packet view, compared with golden bytes. */
#define check_packet(pkt, exp) check_bytes((pkt)->data, (pkt)->offset, (exp), sizeof(exp))

#endif /* ZCOAP_CODEC_TEST_UTIL_H */
