/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * mbedtls_identity.c -- the server's identity when it is an IP address
 * literal: the configured "host name" parsed as an IPv4 or IPv6 address, and
 * the certificate check against the iPAddress entries of its
 * subjectAltName (RFC 5280 §4.2.1.6, RFC 6125 §1.7.2 / RFC 9525 §6.2.1: an
 * address is matched as octets, never against the CN or a dNSName).
 *
 * Mbed TLS 2.28 compares the name given to mbedtls_ssl_set_hostname() with
 * the dNSName entries and the CN only, so an address literal would always
 * fail there; it still keeps every subjectAltName entry of the certificate
 * in crt->subject_alt_names (tag and raw value), which is what the
 * verification callback below reads. The same code serves Mbed TLS 3.x.
 * The literal is parsed here, not with inet_pton(), because the transport
 * layer makes no OS calls but socket ones (scripts/check-layers.sh).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/x509.h>

#include "transport/dtls/mbedtls_internal.h"

/* One decimal octet of a dotted quad: 0..255, no sign, no leading zero. */
static const char *parse_octet(const char *p, const char *end, uint8_t *out)
{
	unsigned int v = 0;
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9' && p - start < 3) {
		v = v * 10 + (unsigned int)(*p - '0');
		p++;
	}
	if (p == start || v > 255 || (p - start > 1 && *start == '0')) {
		return NULL;
	}
	*out = (uint8_t)v;
	return p;
}

/* "a.b.c.d" spanning exactly [p, end). */
static bool parse_ipv4(const char *p, const char *end, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (p >= end || *p != '.') {
				return false;
			}
			p++;
		}
		p = parse_octet(p, end, &out[i]);
		if (p == NULL) {
			return false;
		}
	}
	return p == end;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/*
 * RFC 4291 §2.2 text form spanning exactly [p, end): eight groups of 1..4
 * hex digits, at most one "::" for a run of zero groups, optionally an IPv4
 * dotted quad in place of the last two groups.
 */
static bool parse_ipv6(const char *p, const char *end, uint8_t out[16])
{
	uint8_t words[16] = {0};
	int n = 0;    /* bytes written */
	int gap = -1; /* where "::" stands, in bytes */

	if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
		gap = 0;
		p += 2;
	} else if (p < end && *p == ':') {
		return false;
	}
	while (p < end) {
		const char *g = p;
		unsigned int v = 0;

		while (p < end && hex_value(*p) >= 0 && p - g < 4) {
			v = (v << 4) | (unsigned int)hex_value(*p);
			p++;
		}
		if (p < end && *p == '.') {
			/* An embedded IPv4 address: the last 32 bits. */
			if (n > 12 || !parse_ipv4(g, end, &words[n])) {
				return false;
			}
			n += 4;
			p = end;
			break;
		}
		if (p == g || n > 14) {
			return false;
		}
		words[n++] = (uint8_t)(v >> 8);
		words[n++] = (uint8_t)v;
		if (p == end) {
			break;
		}
		if (*p != ':') {
			return false;
		}
		p++;
		if (p < end && *p == ':') {
			if (gap >= 0) {
				return false;
			}
			gap = n;
			p++;
		} else if (p == end) {
			return false; /* a single trailing ':' */
		}
	}
	if (gap < 0) {
		if (n != 16) {
			return false;
		}
		memcpy(out, words, 16);
		return true;
	}
	if (n > 14) {
		return false; /* "::" must stand for at least one group */
	}
	memset(out, 0, 16);
	memcpy(out, words, (size_t)gap);
	memcpy(out + 16 - (n - gap), words + gap, (size_t)(n - gap));
	return true;
}

int zc_dtls_ip_literal(const char *host, uint8_t out[16])
{
	const char *end;
	size_t len;

	if (host == NULL) {
		return 0;
	}
	len = strlen(host);
	end = host + len;
	if (parse_ipv4(host, end, out)) {
		return 4;
	}
	/* "[v6]" as in a URI, and a zone ("%eth0", RFC 6874) that no certificate carries. */
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		end--;
	}
	{
		const char *zone = memchr(host, '%', (size_t)(end - host));

		if (zone != NULL) {
			end = zone;
		}
	}
	if (memchr(host, ':', (size_t)(end - host)) != NULL && parse_ipv6(host, end, out)) {
		return 16;
	}
	return 0;
}

/*
 * Mbed TLS's verification callback, called for every certificate of the
 * chain; depth 0 is the server's own. Without an iPAddress entry equal to
 * the expected address the certificate is marked as not matching the
 * identity (the flag Mbed TLS itself uses for a wrong name), which fails
 * the handshake under MBEDTLS_SSL_VERIFY_REQUIRED.
 */
int zc_dtls_verify_ip(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const struct dtls_state *st = ctx;
	const mbedtls_x509_sequence *san;

	if (depth != 0 || st->ip_len == 0) {
		return 0;
	}
	for (san = &crt->subject_alt_names; san != NULL; san = san->next) {
		if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) &&
		    san->buf.p != NULL && san->buf.len == st->ip_len &&
		    memcmp(san->buf.p, st->ip, st->ip_len) == 0) {
			return 0;
		}
	}
	*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	return 0;
}
