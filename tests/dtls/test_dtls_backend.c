/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_dtls_backend.c -- internal parts of the Mbed TLS DTLS backend that
 * need no peer: the parser of IP address literals that decides whether a
 * DTLS host name is checked as an address (iPAddress subjectAltName,
 * src/transport/dtls/mbedtls_identity.c; the certificate side is tested
 * against real servers in test_dtls_interop.c, test_pki_ip_*), and the
 * names of the TLS alerts (mbedtls_diag.c). Built only with DTLS.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Internal (src/transport/dtls/mbedtls_internal.h), linked from the static library. */
int zc_dtls_ip_literal(const char *host, uint8_t out[16]);
const char *zc_dtls_alert_name(int alert);

static void expect_ip(const char *text, int len, const uint8_t *bytes)
{
	uint8_t out[16];

	memset(out, 0xAA, sizeof(out));
	print_message("  %s\n", text);
	assert_int_equal(zc_dtls_ip_literal(text, out), len);
	assert_memory_equal(out, bytes, (size_t)len);
}

static void test_ipv4(void **state)
{
	static const uint8_t lo[4] = {127, 0, 0, 1};
	static const uint8_t max[4] = {255, 255, 255, 255};
	static const uint8_t zero[4] = {0, 0, 0, 0};

	(void)state;
	expect_ip("127.0.0.1", 4, lo);
	expect_ip("255.255.255.255", 4, max);
	expect_ip("0.0.0.0", 4, zero);
}

static void test_ipv6(void **state)
{
	static const uint8_t lo[16] = {[15] = 1};
	static const uint8_t any[16] = {0};
	static const uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x12, [15] = 0x34};
	static const uint8_t full[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0xab, 0xcd};
	static const uint8_t mapped[16] = {
	    [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1};
	static const uint8_t tail[16] = {0xfe, 0x80};

	(void)state;
	expect_ip("::1", 16, lo);
	expect_ip("[::1]", 16, lo);
	expect_ip("::", 16, any);
	expect_ip("2001:DB8::1234", 16, doc);
	expect_ip("2001:0db8:0:0:0:0:0:1234", 16, doc);
	expect_ip("1:2:3:4:5:6:7:abcd", 16, full);
	expect_ip("::ffff:192.0.2.1", 16, mapped);
	expect_ip("fe80::", 16, tail);
	expect_ip("fe80::%eth0", 16, tail);
	expect_ip("[fe80::%25eth0]", 16, tail);
}

/* Names and malformed literals are not addresses: they are checked as DNS names. */
static void test_not_literals(void **state)
{
	static const char *const names[] = {"localhost",
					    "coap.example.net",
					    "127.0.0.1.example",
					    "1.2.3",
					    "1.2.3.4.5",
					    "256.0.0.1",
					    "01.2.3.4",
					    "1.2.3.4 ",
					    "-1.2.3.4",
					    "1..2.3",
					    "",
					    ":",
					    ":::",
					    "1::2::3",
					    "12345::",
					    "1:2:3:4:5:6:7:8:9",
					    "1:2:3:4:5:6:7",
					    "1:2:3:4:5:6:7:8::",
					    "::1:2:3:4:5:6:7:8",
					    ":1::",
					    "1::2:",
					    "::g",
					    "[::1",
					    "::1]",
					    "1:2:3:4:5:6:7:1.2.3.4",
					    "::ffff:1.2.3",
					    "::1.2.3.4:5",
					    "[127.0.0.1]",
					    "127.0.0.1%lo",
					    NULL};
	uint8_t out[16];

	(void)state;
	assert_int_equal(zc_dtls_ip_literal(NULL, out), 0);
	for (size_t i = 0; names[i] != NULL; i++) {
		print_message("  '%s'\n", names[i]);
		assert_int_equal(zc_dtls_ip_literal(names[i], out), 0);
	}
}

/* The registry's numbers (RFC 5246 §7.2 and the RFCs that added alerts) and names. */
static void test_alert_names(void **state)
{
	static const struct {
		int code;
		const char *name;
	} want[] = {
	    {0, "close_notify"},
	    {10, "unexpected_message"},
	    {20, "bad_record_mac"},
	    {22, "record_overflow"},
	    {40, "handshake_failure"},
	    {42, "bad_certificate"},
	    {43, "unsupported_certificate"},
	    {44, "certificate_revoked"},
	    {45, "certificate_expired"},
	    {46, "certificate_unknown"},
	    {47, "illegal_parameter"},
	    {48, "unknown_ca"},
	    {49, "access_denied"},
	    {50, "decode_error"},
	    {51, "decrypt_error"},
	    {70, "protocol_version"},
	    {71, "insufficient_security"},
	    {80, "internal_error"},
	    {86, "inappropriate_fallback"},
	    {90, "user_canceled"},
	    {100, "no_renegotiation"},
	    {110, "unsupported_extension"},
	    {112, "unrecognized_name"},
	    {115, "unknown_psk_identity"},
	    {120, "no_application_protocol"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(zc_dtls_alert_name(want[i].code), want[i].name);
	}
	assert_string_equal(zc_dtls_alert_name(255), "unknown alert");
	assert_string_equal(zc_dtls_alert_name(-1), "unknown alert");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_not_literals),
	    cmocka_unit_test(test_alert_names),
	};

	return cmocka_run_group_tests_name("dtls-backend", tests, NULL, NULL);
}
