/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_uri.c -- libFuzzer target: the zcoap tool's URI parser (cli/uri.c).
 *
 * Input: one flag byte, then the URI text (cut at the first NUL, and copied
 * into a buffer of exactly that size so that ASan sees any read past the
 * terminator). The flag byte chooses the size of the error buffer, of the
 * path buffer and of the option array given to cli_uri_build_request(), and
 * whether a Uri-Host is wanted, so the truncation paths get exercised too.
 *
 * Checked for every input:
 *   - the error message is NUL-terminated inside its buffer, and non-empty
 *     exactly when a call fails;
 *   - a parsed URI is self-consistent: host and zone NUL-terminated within
 *     their limits (a name never over 255 bytes, CVE-2025-34468), literals
 *     that inet_pton() accepts, segments inside the data buffer, port set;
 *   - re-encoding the parsed URI (every component percent-encoded) and
 *     parsing it again gives the same components (RFC 3986 §2.1, §6.2.2);
 *   - the path string and extra options built for a request, put into a
 *     real CoAP message by the library's coap_packet_set_path() and option
 *     builder, carry exactly the decoded path segments as Uri-Path options
 *     and the query arguments as Uri-Query options, in order
 *     (RFC 7252 §6.4), and the path fits ZCOAP_CONFIG_MAX_PATH_LEN;
 *   - cli_utf8_valid() agrees with an independent RFC 3629 §4 check.
 * A broken invariant prints the condition and aborts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codec/codec_internal.h"
#include "coap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* RFC 3629 §4, written as the table of well-formed byte sequences. */
static bool ref_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t b0 = s[i];
		uint8_t lo = 0x80;
		uint8_t hi = 0xBF;
		size_t n;

		if (b0 <= 0x7F) {
			i++;
			continue;
		}
		if (b0 >= 0xC2 && b0 <= 0xDF) {
			n = 2;
		} else if (b0 == 0xE0) {
			n = 3;
			lo = 0xA0;
		} else if (b0 == 0xED) {
			n = 3;
			hi = 0x9F;
		} else if (b0 >= 0xE1 && b0 <= 0xEF) {
			n = 3;
		} else if (b0 == 0xF0) {
			n = 4;
			lo = 0x90;
		} else if (b0 == 0xF4) {
			n = 4;
			hi = 0x8F;
		} else if (b0 >= 0xF1 && b0 <= 0xF3) {
			n = 4;
		} else {
			return false;
		}
		if (len - i < n) {
			return false;
		}
		/* Only the second byte has a restricted range; the rest are 80..BF. */
		if (s[i + 1] < lo || s[i + 1] > hi) {
			return false;
		}
		for (size_t k = 2; k < n; k++) {
			if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
				return false;
			}
		}
		i += n;
	}
	return true;
}

static void check_err(const char *err, size_t errlen, int ret)
{
	if (errlen == 0) {
		return;
	}
	CHECK(memchr(err, '\0', errlen) != NULL);
	if (ret < 0) {
		CHECK(err[0] != '\0' || errlen == 1);
	} else {
		CHECK(err[0] == '\0');
	}
}

static void check_uri(const struct cli_uri *u)
{
	size_t used = 0;

	CHECK(memchr(u->host, '\0', sizeof(u->host)) != NULL);
	CHECK(memchr(u->zone, '\0', sizeof(u->zone)) != NULL);
	CHECK(u->host[0] != '\0');
	CHECK(u->port != 0);
	CHECK(u->n_path <= CLI_URI_MAX_SEGMENTS && u->n_query <= CLI_URI_MAX_SEGMENTS);
	CHECK(u->has_path == (u->n_path > 0));
	if (u->host_type == CLI_HOST_IPV4) {
		struct in_addr a;

		CHECK(inet_pton(AF_INET, u->host, &a) == 1);
		CHECK(u->zone[0] == '\0');
	} else if (u->host_type == CLI_HOST_IPV6) {
		struct in6_addr a;

		CHECK(inet_pton(AF_INET6, u->host, &a) == 1);
	} else {
		CHECK(u->host_type == CLI_HOST_NAME);
		CHECK(u->zone[0] == '\0');
		for (const char *c = u->host; *c != '\0'; c++) {
			/* Lower case, no controls or spaces (RFC 7252 §6.4 step 5). */
			CHECK(!(*c >= 'A' && *c <= 'Z'));
			CHECK((unsigned char)*c > 0x20 && (unsigned char)*c != 0x7f);
		}
	}
	for (size_t i = 0; i < u->n_path; i++) {
		CHECK((size_t)u->path[i].off + u->path[i].len <= sizeof(u->data));
		used += u->path[i].len;
	}
	for (size_t i = 0; i < u->n_query; i++) {
		CHECK((size_t)u->query[i].off + u->query[i].len <= sizeof(u->data));
		used += u->query[i].len;
	}
	CHECK(used <= sizeof(u->data));
}

/* ---- re-encoding ------------------------------------------------------------- */

struct out {
	char buf[4 * CLI_URI_MAX_LEN];
	size_t n;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t len)
{
	if (o->n + len >= sizeof(o->buf)) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->n, s, len);
	o->n += len;
	o->buf[o->n] = '\0';
}

static bool unreserved(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '~';
}

/* Percent-encode everything but letters, digits, '-', '_' and '~' ('.' too: no dot segments). */
static void put_enc(struct out *o, const uint8_t *s, size_t len, bool keep_first)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		if (unreserved(s[i]) && !(i == 0 && !keep_first)) {
			put(o, (const char *)&s[i], 1);
		} else {
			char e[3] = {'%', hex[s[i] >> 4], hex[s[i] & 15]};

			put(o, e, 3);
		}
	}
}

static void reencode(const struct cli_uri *u, struct out *o)
{
	char port[8];

	o->n = 0;
	o->overflow = false;
	o->buf[0] = '\0';
	put(o, u->secure ? "coaps://" : "coap://", u->secure ? 8 : 7);
	if (u->host_type == CLI_HOST_IPV6) {
		put(o, "[", 1);
		put(o, u->host, strlen(u->host));
		if (u->zone[0] != '\0') {
			put(o, "%25", 3);
			put_enc(o, (const uint8_t *)u->zone, strlen(u->zone), true);
		}
		put(o, "]", 1);
	} else if (u->host_type == CLI_HOST_IPV4) {
		put(o, u->host, strlen(u->host));
	} else {
		struct in_addr a;
		/* A name that reads as an IPv4 literal stays a name only when encoded. */
		bool keep_first = inet_pton(AF_INET, u->host, &a) != 1;

		put_enc(o, (const uint8_t *)u->host, strlen(u->host), keep_first);
	}
	snprintf(port, sizeof(port), ":%u", (unsigned int)u->port);
	put(o, port, strlen(port));
	for (size_t i = 0; i < u->n_path; i++) {
		put(o, "/", 1);
		put_enc(o, u->data + u->path[i].off, u->path[i].len, true);
	}
	for (size_t i = 0; i < u->n_query; i++) {
		put(o, i == 0 ? "?" : "&", 1);
		put_enc(o, u->data + u->query[i].off, u->query[i].len, true);
	}
	if (u->n_query == 0 && u->n_path == 0) {
		/* Nothing: "coap://host:port" */
	}
}

static bool segs_equal(const struct cli_uri *a, const struct cli_seg *sa, size_t na,
		       const struct cli_uri *b, const struct cli_seg *sb, size_t nb)
{
	if (na != nb) {
		return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (sa[i].len != sb[i].len ||
		    memcmp(a->data + sa[i].off, b->data + sb[i].off, sa[i].len) != 0) {
			return false;
		}
	}
	return true;
}

/* ---- the request built from it ------------------------------------------------- */

static void check_request(const struct cli_uri *u, bool uri_host, const char *path,
			  const struct coap_client_option *opts, size_t n_opts, bool host_skipped)
{
	static uint8_t msg[8192];
	struct coap_packet pkt;
	struct zcoap_option_iter it;
	uint16_t num;
	const uint8_t *val;
	uint16_t len;
	size_t np = 0;
	size_t nq = 0;
	bool saw_host = false;
	int r;

	CHECK(strlen(path) <= ZCOAP_CONFIG_MAX_PATH_LEN);
	CHECK(coap_packet_init(&pkt, msg, sizeof(msg), COAP_VERSION_1, COAP_TYPE_CON, 0, NULL,
			       COAP_METHOD_GET, 1) == 0);
	CHECK(coap_packet_set_path(&pkt, path) == 0);
	for (size_t i = 0; i < n_opts; i++) {
		CHECK(opts[i].len <= MAX_COAP_CLIENT_OPTION_LEN);
		r = coap_packet_append_option(&pkt, opts[i].code, opts[i].value, opts[i].len);
		CHECK(r == 0);
	}
	CHECK(coap_packet_parse(&pkt, msg, pkt.offset, NULL, 0) == 0);
	zcoap_option_iter_init(&it, &pkt);
	while ((r = zcoap_option_iter_next(&it, &num, &val, &len)) == 1) {
		const struct cli_seg *seg;

		if (num == COAP_OPTION_URI_HOST) {
			CHECK(!saw_host && uri_host && u->host_type == CLI_HOST_NAME);
			CHECK(len == strlen(u->host) && memcmp(val, u->host, len) == 0);
			saw_host = true;
		} else if (num == COAP_OPTION_URI_PATH) {
			CHECK(np < u->n_path);
			seg = &u->path[np++];
			CHECK(len == seg->len &&
			      (len == 0 || memcmp(val, u->data + seg->off, len) == 0));
		} else if (num == COAP_OPTION_URI_QUERY) {
			CHECK(nq < u->n_query);
			seg = &u->query[nq++];
			CHECK(len == seg->len &&
			      (len == 0 || memcmp(val, u->data + seg->off, len) == 0));
		} else {
			CHECK(0); /* nothing else comes from a URI */
		}
	}
	CHECK(r == 0);
	CHECK(np == u->n_path && nq == u->n_query);
	if (uri_host && u->host_type == CLI_HOST_NAME) {
		CHECK(saw_host == !host_skipped);
		CHECK(saw_host == (strlen(u->host) <= MAX_COAP_CLIENT_OPTION_LEN));
	} else {
		CHECK(!saw_host && !host_skipped);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t err_sizes[4] = {1, 7, 64, 512};
	static const size_t path_sizes[4] = {1, 17, ZCOAP_CONFIG_MAX_PATH_LEN + 1U, 4096};
	static struct cli_uri uri;
	static struct cli_uri again;
	static struct out enc;
	struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	size_t errlen;
	size_t path_size;
	size_t max_opts;
	size_t n_opts = 0;
	bool uri_host;
	bool skipped = true;
	const uint8_t *text;
	size_t tlen;
	char *s;
	char *err;
	char *path;
	int ret;

	if (size < 1) {
		return 0;
	}
	errlen = err_sizes[data[0] & 3U];
	path_size = path_sizes[(data[0] >> 2) & 3U];
	max_opts = (data[0] >> 4) & 7U;
	if (max_opts > ZCOAP_CONFIG_MAX_EXTRA_OPTIONS) {
		max_opts = ZCOAP_CONFIG_MAX_EXTRA_OPTIONS;
	}
	uri_host = (data[0] & 0x80) != 0;
	text = data + 1;
	tlen = size - 1;
	CHECK(cli_utf8_valid(text, tlen) == ref_utf8(text, tlen));

	/* Exactly-sized copies: ASan reports any access past them. */
	{
		const uint8_t *nul = memchr(text, 0, tlen);

		if (nul != NULL) {
			tlen = (size_t)(nul - text);
		}
	}
	s = malloc(tlen + 1);
	err = malloc(errlen);
	path = malloc(path_size);
	CHECK(s != NULL && err != NULL && path != NULL);
	memcpy(s, text, tlen);
	s[tlen] = '\0';
	memset(err, 'X', errlen);

	ret = cli_uri_parse(s, &uri, err, errlen);
	CHECK(ret == 0 || ret == -EINVAL);
	check_err(err, errlen, ret);
	if (ret == 0) {
		check_uri(&uri);

		reencode(&uri, &enc);
		if (!enc.overflow && enc.n <= CLI_URI_MAX_LEN) {
			ret = cli_uri_parse(enc.buf, &again, NULL, 0);
			if (ret != 0) {
				fprintf(stderr, "re-encoded \"%s\" rejected\n", enc.buf);
			}
			CHECK(ret == 0);
			CHECK(again.secure == uri.secure && again.host_type == uri.host_type);
			CHECK(strcmp(again.host, uri.host) == 0 &&
			      strcmp(again.zone, uri.zone) == 0);
			CHECK(again.port == uri.port && again.has_path == uri.has_path);
			CHECK(segs_equal(&uri, uri.path, uri.n_path, &again, again.path,
					 again.n_path));
			CHECK(segs_equal(&uri, uri.query, uri.n_query, &again, again.query,
					 again.n_query));
		}

		memset(err, 'X', errlen);
		ret = cli_uri_build_request(&uri, uri_host, path, path_size, opts, max_opts,
					    &n_opts, &skipped, err, errlen);
		CHECK(ret == 0 || ret == -E2BIG || ret == -EINVAL);
		check_err(err, errlen, ret);
		CHECK(n_opts <= max_opts);
		CHECK(memchr(path, '\0', path_size) != NULL);
		if (ret == 0) {
			check_request(&uri, uri_host, path, opts, n_opts, skipped);
		}
	} else {
		CHECK(errlen == 1 || strlen(err) > 0);
	}
	free(s);
	free(err);
	free(path);
	return 0;
}
