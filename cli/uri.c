/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * uri.c -- parsing coap:// and coaps:// URIs (RFC 7252 §6, RFC 3986) and
 * turning them into the path string and extra options of a request.
 *
 * Everything here is pure (no I/O, no allocation) so that it can be unit
 * tested and fuzzed on its own. The parser works on explicit lengths and
 * never looks past the end of a component: a "%A" at the very end of the
 * input is an error, not a read of the terminating NUL and beyond.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "cli.h"

/*
 * Word the error into err (when there is room) and yield -EINVAL. A macro,
 * so that every format stays a literal checked against its arguments.
 */
#define fail(err, errlen, ...)                                                                     \
	(((err) != NULL && (errlen) > 0 ? (void)snprintf((err), (errlen), __VA_ARGS__) : (void)0), \
	 -EINVAL)

int cli_hex_value(char c)
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

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/*
 * Whether the scheme of @p len bytes at @p text is @p base, or @p base
 * followed by "+tcp" (compared without case, RFC 3986 §3.1).
 */
static bool scheme_is(const char *text, size_t len, const char *base)
{
	static const char tcp[] = "+tcp";
	size_t n = strlen(base);
	size_t i;

	if (len != n && len != n + sizeof(tcp) - 1) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if (lower(text[i]) != (i < n ? base[i] : tcp[i - n])) {
			return false;
		}
	}
	return true;
}

/*
 * Percent-decode @p len bytes of @p s (RFC 3986 §2.1) into @p out, which has
 * room for at least @p len bytes (decoding never grows the text). Every '%'
 * must be followed by two hex digits *inside* the component.
 */
static int pct_decode(const char *s, size_t len, uint8_t *out, size_t *out_len, const char *what,
		      char *err, size_t errlen)
{
	size_t i = 0;
	size_t n = 0;

	while (i < len) {
		if (s[i] == '%') {
			int hi;
			int lo;

			if (len - i < 3) {
				return fail(err, errlen, "truncated %%-escape in the %s", what);
			}
			hi = cli_hex_value(s[i + 1]);
			lo = cli_hex_value(s[i + 2]);
			if (hi < 0 || lo < 0) {
				return fail(err, errlen, "malformed %%-escape \"%.3s\" in the %s",
					    s + i, what);
			}
			out[n++] = (uint8_t)(hi * 16 + lo);
			i += 3;
		} else {
			out[n++] = (uint8_t)s[i];
			i++;
		}
	}
	*out_len = n;
	return 0;
}

bool cli_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	/* RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF. */
	while (i < len) {
		uint8_t c = s[i];
		size_t need;
		uint32_t cp;
		uint32_t min;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1Fu;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0Fu;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07u;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < need) {
			return false;
		}
		for (size_t k = 1; k <= need; k++) {
			uint8_t cc = s[i + k];

			if ((cc & 0xC0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (cc & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
			return false;
		}
		i += need + 1;
	}
	return true;
}

static bool is_unreserved(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static bool is_sub_delim(char c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* Append a decoded segment to @p segs; @p *used bytes of uri->data are taken. */
static int add_segment(struct cli_uri *uri, struct cli_seg *segs, size_t *n, const char *raw,
		       size_t raw_len, size_t *used, const char *what, char *err, size_t errlen)
{
	size_t dlen;
	int ret;

	if (*n >= CLI_URI_MAX_SEGMENTS) {
		return fail(err, errlen, "too many %s segments (at most %d)", what,
			    CLI_URI_MAX_SEGMENTS);
	}
	/* Decoding never grows, and the whole URI is at most sizeof(data) bytes. */
	if (raw_len > sizeof(uri->data) - *used) {
		return fail(err, errlen, "URI too long");
	}
	ret = pct_decode(raw, raw_len, uri->data + *used, &dlen, what, err, errlen);
	if (ret < 0) {
		return ret;
	}
	segs[*n].off = (uint16_t)*used;
	segs[*n].len = (uint16_t)dlen;
	(*n)++;
	*used += dlen;
	return 0;
}

/*
 * The path: RFC 7252 §6.4 step 7 after RFC 3986 §5.2.4 dot-segment removal,
 * done on the raw segments (a literal "." or ".." segment).
 */
static int parse_path(struct cli_uri *uri, const char *p, size_t len, size_t *used, char *err,
		      size_t errlen)
{
	const char *seg[CLI_URI_MAX_SEGMENTS];
	size_t seg_len[CLI_URI_MAX_SEGMENTS];
	size_t n = 0;
	size_t i;

	uri->has_path = false;
	uri->n_path = 0;
	if (len == 0) {
		return 0;
	}
	/* The authority ends at '/', so a non-empty path starts with it. */
	i = 1;
	for (;;) {
		size_t start = i;
		bool last;
		size_t slen;

		while (i < len && p[i] != '/') {
			i++;
		}
		slen = i - start;
		last = (i >= len);
		if (slen == 1 && p[start] == '.') {
			if (last) {
				if (n >= CLI_URI_MAX_SEGMENTS) {
					return fail(err, errlen, "too many path segments");
				}
				seg[n] = p + start;
				seg_len[n++] = 0;
			}
		} else if (slen == 2 && p[start] == '.' && p[start + 1] == '.') {
			if (n > 0) {
				n--;
			}
			if (last) {
				seg[n] = p + start;
				seg_len[n++] = 0;
			}
		} else {
			if (n >= CLI_URI_MAX_SEGMENTS) {
				return fail(err, errlen, "too many path segments (at most %d)",
					    CLI_URI_MAX_SEGMENTS);
			}
			seg[n] = p + start;
			seg_len[n++] = slen;
		}
		if (last) {
			break;
		}
		i++; /* skip the '/' */
	}
	/* "" and "/" carry no Uri-Path at all (RFC 7252 §6.4 step 7). */
	if (n == 0 || (n == 1 && seg_len[0] == 0)) {
		return 0;
	}
	uri->has_path = true;
	for (size_t k = 0; k < n; k++) {
		int ret = add_segment(uri, uri->path, &uri->n_path, seg[k], seg_len[k], used,
				      "path", err, errlen);

		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

/* The query: one Uri-Query per '&'-separated argument (RFC 7252 §6.4 step 8). */
static int parse_query(struct cli_uri *uri, const char *q, size_t len, size_t *used, char *err,
		       size_t errlen)
{
	size_t i = 0;

	uri->n_query = 0;
	if (len == 0) {
		return 0;
	}
	for (;;) {
		size_t start = i;
		int ret;

		while (i < len && q[i] != '&') {
			i++;
		}
		ret = add_segment(uri, uri->query, &uri->n_query, q + start, i - start, used,
				  "query", err, errlen);
		if (ret < 0) {
			return ret;
		}
		if (i >= len) {
			break;
		}
		i++;
	}
	return 0;
}

static int parse_port(const char *p, size_t len, uint16_t *port, char *err, size_t errlen)
{
	unsigned long v = 0;

	if (len == 0) {
		return 0; /* "host:" means the default port (RFC 3986 §3.2.3) */
	}
	if (len > 5) {
		return fail(err, errlen, "port \"%.*s\" out of range", (int)(len > 20 ? 20 : len),
			    p);
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return fail(err, errlen, "bad port \"%.*s\"", (int)len, p);
		}
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535) {
		return fail(err, errlen, "port %lu out of range (1..65535)", v);
	}
	*port = (uint16_t)v;
	return 0;
}

/* "[v6addr]" or "[v6addr%zone]" (RFC 3986 §3.2.2, RFC 6874 "%25" zone form). */
static int parse_ipv6(struct cli_uri *uri, const char *h, size_t len, char *err, size_t errlen)
{
	struct in6_addr a6;
	char addr[INET6_ADDRSTRLEN + 1];
	const char *pct = memchr(h, '%', len);
	size_t alen = pct != NULL ? (size_t)(pct - h) : len;

	if (len > 0 && (h[0] == 'v' || h[0] == 'V')) {
		return fail(err, errlen, "IPvFuture addresses are not supported");
	}
	if (alen == 0 || alen >= sizeof(addr)) {
		return fail(err, errlen, "bad IPv6 address \"[%.*s]\"", (int)(len > 64 ? 64 : len),
			    h);
	}
	memcpy(addr, h, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, &a6) != 1) {
		return fail(err, errlen, "bad IPv6 address \"%s\"", addr);
	}
	memcpy(uri->host, addr, alen + 1);
	uri->host_type = CLI_HOST_IPV6;
	uri->zone[0] = '\0';
	if (pct != NULL) {
		const char *z = pct + 1;
		size_t zlen = len - alen - 1;
		uint8_t zbuf[CLI_URI_MAX_LEN];
		size_t dlen;
		int ret;

		/* RFC 6874 writes the '%' as "%25"; also take the common bare form. */
		if (zlen >= 2 && z[0] == '2' && z[1] == '5') {
			z += 2;
			zlen -= 2;
		}
		if (zlen == 0) {
			return fail(err, errlen, "empty IPv6 zone identifier");
		}
		for (size_t i = 0; i < zlen; i++) {
			if (!is_unreserved(z[i]) && z[i] != '%') {
				return fail(err, errlen, "bad character in IPv6 zone identifier");
			}
		}
		ret = pct_decode(z, zlen, zbuf, &dlen, "IPv6 zone", err, errlen);
		if (ret < 0) {
			return ret;
		}
		if (dlen == 0 || dlen > CLI_ZONE_MAX_LEN) {
			return fail(err, errlen, "IPv6 zone identifier too long");
		}
		for (size_t i = 0; i < dlen; i++) {
			if (zbuf[i] <= 0x20 || zbuf[i] >= 0x7f || zbuf[i] == '%') {
				return fail(err, errlen, "bad character in IPv6 zone identifier");
			}
		}
		memcpy(uri->zone, zbuf, dlen);
		uri->zone[dlen] = '\0';
	}
	return 0;
}

/* A registered name or an IPv4 literal (RFC 3986 §3.2.2). */
static int parse_name(struct cli_uri *uri, const char *h, size_t len, char *err, size_t errlen)
{
	uint8_t buf[CLI_URI_MAX_LEN];
	size_t dlen;
	struct in_addr a4;
	int ret;

	if (len == 0) {
		return fail(err, errlen, "missing host");
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_unreserved(h[i]) && !is_sub_delim(h[i]) && h[i] != '%') {
			return fail(err, errlen, "bad character '%c' in host", h[i]);
		}
	}
	ret = pct_decode(h, len, buf, &dlen, "host", err, errlen);
	if (ret < 0) {
		return ret;
	}
	if (dlen == 0) {
		return fail(err, errlen, "missing host");
	}
	if (dlen > CLI_HOST_MAX_LEN) {
		return fail(err, errlen, "host name longer than %d bytes", CLI_HOST_MAX_LEN);
	}
	for (size_t i = 0; i < dlen; i++) {
		if (buf[i] <= 0x20 || buf[i] == 0x7f) {
			return fail(err, errlen, "bad byte 0x%02x in host", buf[i]);
		}
		/* Uri-Host carries the name in lower case (RFC 7252 §6.4 step 5). */
		uri->host[i] = lower((char)buf[i]);
	}
	uri->host[dlen] = '\0';
	uri->zone[0] = '\0';
	uri->host_type = CLI_HOST_NAME;
	if (memchr(h, '%', len) == NULL && inet_pton(AF_INET, uri->host, &a4) == 1) {
		uri->host_type = CLI_HOST_IPV4;
	}
	return 0;
}

int cli_uri_parse(const char *text, struct cli_uri *uri, char *err, size_t errlen)
{
	size_t len;
	size_t i;
	size_t used = 0;
	size_t auth_start;
	size_t auth_end;
	size_t path_end;
	const char *colon;
	int ret;

	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (text == NULL || uri == NULL) {
		return fail(err, errlen, "no URI");
	}
	memset(uri, 0, offsetof(struct cli_uri, data));
	len = strnlen(text, CLI_URI_MAX_LEN + 1);
	if (len > CLI_URI_MAX_LEN) {
		return fail(err, errlen, "URI longer than %d bytes", CLI_URI_MAX_LEN);
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c <= 0x20 || c == 0x7f) {
			return fail(err, errlen, "URI contains a space or control character");
		}
	}

	/* scheme ":" "//" (RFC 3986 §3.1; compared without case) */
	for (i = 0; i < len && text[i] != ':'; i++) {
		char c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) {
			break;
		}
	}
	if (i == 0 || i >= len || text[i] != ':') {
		return fail(err, errlen,
			    "URI must start with coap://, coaps://, coap+tcp:// or coaps+tcp://");
	}
	/* coap, coaps (RFC 7252 §6), coap+tcp, coaps+tcp (RFC 8323 §8.1, §8.2) */
	uri->tcp = false;
	if ((i == 4 || i == 8) && scheme_is(text, i, "coap")) {
		uri->secure = false;
		uri->port = 5683;
	} else if ((i == 5 || i == 9) && scheme_is(text, i, "coaps")) {
		uri->secure = true;
		uri->port = 5684;
	} else {
		return fail(err, errlen,
			    "unsupported scheme \"%.*s\" (use coap://, coaps://, coap+tcp:// or "
			    "coaps+tcp://)",
			    (int)(i > 32 ? 32 : i), text);
	}
	uri->tcp = i == 8 || i == 9;
	if (len - i < 3 || text[i + 1] != '/' || text[i + 2] != '/') {
		return fail(err, errlen, "missing \"//\" after the scheme");
	}

	/* authority = [ userinfo "@" ] host [ ":" port ] */
	auth_start = i + 3;
	auth_end = auth_start;
	while (auth_end < len && text[auth_end] != '/' && text[auth_end] != '?' &&
	       text[auth_end] != '#') {
		auth_end++;
	}
	if (memchr(text + auth_start, '@', auth_end - auth_start) != NULL) {
		return fail(err, errlen,
			    "user information (\"user@\") is not allowed in CoAP URIs");
	}
	if (auth_end > auth_start && text[auth_start] == '[') {
		const char *close = memchr(text + auth_start, ']', auth_end - auth_start);
		size_t after;

		if (close == NULL) {
			return fail(err, errlen, "missing ']' after the IPv6 address");
		}
		ret = parse_ipv6(uri, text + auth_start + 1,
				 (size_t)(close - text) - auth_start - 1, err, errlen);
		if (ret < 0) {
			return ret;
		}
		after = (size_t)(close - text) + 1;
		if (after < auth_end) {
			if (text[after] != ':') {
				return fail(err, errlen, "unexpected text after the IPv6 address");
			}
			ret = parse_port(text + after + 1, auth_end - after - 1, &uri->port, err,
					 errlen);
			if (ret < 0) {
				return ret;
			}
		}
	} else {
		size_t host_end = auth_end;

		colon = memchr(text + auth_start, ':', auth_end - auth_start);
		if (colon != NULL) {
			host_end = (size_t)(colon - text);
			ret =
			    parse_port(colon + 1, auth_end - host_end - 1, &uri->port, err, errlen);
			if (ret < 0) {
				return ret;
			}
		}
		ret = parse_name(uri, text + auth_start, host_end - auth_start, err, errlen);
		if (ret < 0) {
			return ret;
		}
	}

	/* path-abempty [ "?" query ], no fragment (RFC 7252 §6.4 step 4) */
	if (memchr(text + auth_end, '#', len - auth_end) != NULL) {
		return fail(err, errlen, "fragments (\"#...\") are not allowed in CoAP URIs");
	}
	path_end = auth_end;
	while (path_end < len && text[path_end] != '?') {
		path_end++;
	}
	ret = parse_path(uri, text + auth_end, path_end - auth_end, &used, err, errlen);
	if (ret < 0) {
		return ret;
	}
	if (path_end < len) {
		ret = parse_query(uri, text + path_end + 1, len - path_end - 1, &used, err, errlen);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

/* ---- building the request ------------------------------------------------ */

/*
 * Whether the library's own split (coap_packet_set_path(): '/' between path
 * segments, '?' then '&' (or '?') between query arguments, empty segments
 * skipped, no percent-decoding) reproduces this decoded segment exactly.
 * Non-UTF-8 bytes are not allowed in these string options either
 * (RFC 7252 §5.10.1), so they are sent raw as extra options instead.
 */
static bool plain_segment(const uint8_t *s, size_t len, bool path)
{
	if (len == 0 || !cli_utf8_valid(s, len)) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0' || s[i] == '?' || s[i] == '&' || (path && s[i] == '/')) {
			return false;
		}
	}
	return true;
}

static int add_option(struct coap_client_option *opts, size_t max_opts, size_t *n_opts,
		      uint16_t code, const uint8_t *val, size_t len, char *err, size_t errlen)
{
	if (*n_opts >= max_opts) {
		snprintf(err, errlen,
			 "too many options: this build sends at most %zu extra options per "
			 "request (ZCOAP_CONFIG_MAX_EXTRA_OPTIONS)",
			 max_opts);
		return -E2BIG;
	}
	if (len > MAX_COAP_CLIENT_OPTION_LEN) {
		snprintf(err, errlen, "option %u value longer than %d bytes", code,
			 MAX_COAP_CLIENT_OPTION_LEN);
		return -E2BIG;
	}
	cli_option_set(&opts[*n_opts], code, val, len);
	(*n_opts)++;
	return 0;
}

static int segments_as_options(const struct cli_uri *uri, const struct cli_seg *segs, size_t n,
			       uint16_t code, struct coap_client_option *opts, size_t max_opts,
			       size_t *n_opts, char *err, size_t errlen)
{
	for (size_t k = 0; k < n; k++) {
		const uint8_t *s = uri->data + segs[k].off;
		int ret;

		if (segs[k].len > MAX_COAP_CLIENT_OPTION_LEN) {
			snprintf(err, errlen,
				 "%s segment \"%.*s\" cannot be sent: it must go as a raw %s "
				 "option (it is empty, or holds an encoded '/', '?', '&', NUL "
				 "or non-UTF-8 byte, or a neighbour does) but is longer than %d "
				 "bytes",
				 code == COAP_OPTION_URI_PATH ? "path" : "query",
				 (int)(segs[k].len > 40 ? 40 : segs[k].len), (const char *)s,
				 code == COAP_OPTION_URI_PATH ? "Uri-Path" : "Uri-Query",
				 MAX_COAP_CLIENT_OPTION_LEN);
			return -E2BIG;
		}
		ret = add_option(opts, max_opts, n_opts, code, s, segs[k].len, err, errlen);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

static int append_text(char *dst, size_t size, size_t *pos, const void *src, size_t len)
{
	if (len >= size - *pos) {
		return -E2BIG;
	}
	memcpy(dst + *pos, src, len);
	*pos += len;
	dst[*pos] = '\0';
	return 0;
}

int cli_uri_build_request(const struct cli_uri *uri, bool uri_host, char *path, size_t path_size,
			  struct coap_client_option *opts, size_t max_opts, size_t *n_opts,
			  bool *uri_host_skipped, char *err, size_t errlen)
{
	bool path_plain = true;
	bool query_plain = true;
	size_t pos = 0;
	size_t limit = path_size;
	int ret;

	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (path_size == 0) {
		return -EINVAL;
	}
	path[0] = '\0';
	*uri_host_skipped = false;
	/* The library rejects longer paths (-EINVAL), so do not build one. */
	if (limit > (size_t)ZCOAP_CONFIG_MAX_PATH_LEN + 1) {
		limit = (size_t)ZCOAP_CONFIG_MAX_PATH_LEN + 1;
	}

	if (uri_host && uri->host_type == CLI_HOST_NAME) {
		size_t hlen = strlen(uri->host);

		if (hlen <= MAX_COAP_CLIENT_OPTION_LEN) {
			ret = add_option(opts, max_opts, n_opts, COAP_OPTION_URI_HOST,
					 (const uint8_t *)uri->host, hlen, err, errlen);
			if (ret < 0) {
				return ret;
			}
		} else {
			*uri_host_skipped = true;
		}
	}

	for (size_t k = 0; k < uri->n_path; k++) {
		if (!plain_segment(uri->data + uri->path[k].off, uri->path[k].len, true)) {
			path_plain = false;
		}
	}
	for (size_t k = 0; k < uri->n_query; k++) {
		if (!plain_segment(uri->data + uri->query[k].off, uri->query[k].len, false)) {
			query_plain = false;
		}
	}

	/*
	 * Options of one number keep their relative order, but whether the
	 * library puts the ones split from the path before or after the extra
	 * ones is not specified: so a kind (path or query) goes entirely one way.
	 */
	if (path_plain) {
		for (size_t k = 0; k < uri->n_path; k++) {
			if ((k > 0 && append_text(path, limit, &pos, "/", 1) < 0) ||
			    append_text(path, limit, &pos, uri->data + uri->path[k].off,
					uri->path[k].len) < 0) {
				goto too_long;
			}
		}
	} else {
		ret = segments_as_options(uri, uri->path, uri->n_path, COAP_OPTION_URI_PATH, opts,
					  max_opts, n_opts, err, errlen);
		if (ret < 0) {
			return ret;
		}
	}
	if (query_plain) {
		for (size_t k = 0; k < uri->n_query; k++) {
			if (append_text(path, limit, &pos, k == 0 ? "?" : "&", 1) < 0 ||
			    append_text(path, limit, &pos, uri->data + uri->query[k].off,
					uri->query[k].len) < 0) {
				goto too_long;
			}
		}
	} else {
		ret = segments_as_options(uri, uri->query, uri->n_query, COAP_OPTION_URI_QUERY,
					  opts, max_opts, n_opts, err, errlen);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;

too_long:
	path[0] = '\0';
	snprintf(err, errlen, "path and query longer than %d bytes (ZCOAP_CONFIG_MAX_PATH_LEN)",
		 ZCOAP_CONFIG_MAX_PATH_LEN);
	return -E2BIG;
}
