/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_cli_uri.c -- table-driven tests of the zcoap tool's URI parser and
 * request builder (cli/uri.c), including hostile inputs.
 *
 * Every input is copied into a heap buffer of exactly its size, so that a
 * read past the terminating NUL (the classic "%A" at the end) shows up under
 * valgrind or AddressSanitizer.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

static struct cli_uri uri;

static int parse(const char *text, char *err, size_t errlen)
{
	size_t n = strlen(text) + 1;
	char *copy = malloc(n);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, n);
	ret = cli_uri_parse(copy, &uri, err, errlen);
	free(copy);
	return ret;
}

/* Segments joined with '|' (the tests below avoid '|' in decoded bytes). */
static void join(const struct cli_seg *segs, size_t n, char *out, size_t size)
{
	size_t pos = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			assert_true(pos + 1 < size);
			out[pos++] = '|';
		}
		assert_true(pos + segs[i].len < size);
		memcpy(out + pos, uri.data + segs[i].off, segs[i].len);
		pos += segs[i].len;
		out[pos] = '\0';
	}
}

struct good_case {
	const char *text;
	bool secure;
	enum cli_host_type type;
	const char *host;
	const char *zone;
	unsigned int port;
	bool has_path;
	size_t n_path;
	const char *path; /* '|'-joined */
	size_t n_query;
	const char *query;
};

static const struct good_case good[] = {
    {"coap://example.com/a/b?x=1&y", false, CLI_HOST_NAME, "example.com", "", 5683, true, 2, "a|b",
     2, "x=1|y"},
    {"COAPS://Example.COM:1234", true, CLI_HOST_NAME, "example.com", "", 1234, false, 0, "", 0, ""},
    {"coap://127.0.0.1", false, CLI_HOST_IPV4, "127.0.0.1", "", 5683, false, 0, "", 0, ""},
    {"coaps://10.1.2.3/", true, CLI_HOST_IPV4, "10.1.2.3", "", 5684, false, 0, "", 0, ""},
    {"coap://[::1]:5684/x", false, CLI_HOST_IPV6, "::1", "", 5684, true, 1, "x", 0, ""},
    {"coap://[fe80::1%25eth0]/", false, CLI_HOST_IPV6, "fe80::1", "eth0", 5683, false, 0, "", 0,
     ""},
    {"coap://[fe80::1%eth0]:9", false, CLI_HOST_IPV6, "fe80::1", "eth0", 9, false, 0, "", 0, ""},
    {"coap://[FE80::1%25en%30]", false, CLI_HOST_IPV6, "FE80::1", "en0", 5683, false, 0, "", 0, ""},
    {"coap://h/a%2Fb", false, CLI_HOST_NAME, "h", "", 5683, true, 1, "a/b", 0, ""},
    {"coap://h/a/./b/../c", false, CLI_HOST_NAME, "h", "", 5683, true, 2, "a|c", 0, ""},
    {"coap://h/a/", false, CLI_HOST_NAME, "h", "", 5683, true, 2, "a|", 0, ""},
    {"coap://h//", false, CLI_HOST_NAME, "h", "", 5683, true, 2, "|", 0, ""},
    {"coap://h/..", false, CLI_HOST_NAME, "h", "", 5683, false, 0, "", 0, ""},
    {"coap://h/a/..", false, CLI_HOST_NAME, "h", "", 5683, false, 0, "", 0, ""},
    {"coap://h/a/.", false, CLI_HOST_NAME, "h", "", 5683, true, 2, "a|", 0, ""},
    {"coap://h?", false, CLI_HOST_NAME, "h", "", 5683, false, 0, "", 0, ""},
    {"coap://h?a&&b", false, CLI_HOST_NAME, "h", "", 5683, false, 0, "", 3, "a||b"},
    {"coap://h?x=%26&y=/a?b", false, CLI_HOST_NAME, "h", "", 5683, false, 0, "", 2, "x=&|y=/a?b"},
    {"coap://h:/x", false, CLI_HOST_NAME, "h", "", 5683, true, 1, "x", 0, ""},
    {"coap://h:65535", false, CLI_HOST_NAME, "h", "", 65535, false, 0, "", 0, ""},
    {"coap://h:00080", false, CLI_HOST_NAME, "h", "", 80, false, 0, "", 0, ""},
    {"coap://%68ost/", false, CLI_HOST_NAME, "host", "", 5683, false, 0, "", 0, ""},
    {"coap://%31%32%37.0.0.1/", false, CLI_HOST_NAME, "127.0.0.1", "", 5683, false, 0, "", 0, ""},
    {"coap://h/%e2%82%ac?%C3%A9", false, CLI_HOST_NAME, "h", "", 5683, true, 1, "\xe2\x82\xac", 1,
     "\xc3\xa9"},
    {"coap://h/caf\xc3\xa9", false, CLI_HOST_NAME, "h", "", 5683, true, 1, "caf\xc3\xa9", 0, ""},
    {"coap://sub-domain.example_x.org./p", false, CLI_HOST_NAME, "sub-domain.example_x.org.", "",
     5683, true, 1, "p", 0, ""},
};

static void test_good(void **state)
{
	char err[256];
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *c = &good[i];
		int ret = parse(c->text, err, sizeof(err));

		if (ret != 0) {
			fail_msg("\"%s\" rejected: %s", c->text, err);
		}
		assert_int_equal(uri.secure, c->secure);
		assert_int_equal(uri.host_type, c->type);
		assert_string_equal(uri.host, c->host);
		assert_string_equal(uri.zone, c->zone);
		assert_int_equal(uri.port, c->port);
		assert_int_equal(uri.has_path, c->has_path);
		assert_int_equal(uri.n_path, c->n_path);
		join(uri.path, uri.n_path, buf, sizeof(buf));
		assert_string_equal(buf, c->path);
		assert_int_equal(uri.n_query, c->n_query);
		join(uri.query, uri.n_query, buf, sizeof(buf));
		assert_string_equal(buf, c->query);
	}
}

/* coap+tcp:// and coaps+tcp:// (RFC 8323 §8.1, §8.2): their flag and default ports. */
static void test_tcp_schemes(void **state)
{
	static const struct {
		const char *text;
		bool secure;
		bool tcp;
		unsigned int port;
	} cases[] = {
	    {"coap+tcp://h/x", false, true, 5683}, {"COAPS+TCP://h", true, true, 5684},
	    {"Coap+Tcp://h:99/", false, true, 99}, {"coaps+tcp://[::1]:7/", true, true, 7},
	    {"coap://h", false, false, 5683},      {"coaps://h", true, false, 5684},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].text, err, sizeof(err)) != 0) {
			fail_msg("\"%s\" rejected: %s", cases[i].text, err);
		}
		assert_int_equal(uri.secure, cases[i].secure);
		assert_int_equal(uri.tcp, cases[i].tcp);
		assert_int_equal(uri.port, cases[i].port);
	}
}

struct bad_case {
	const char *text;
	const char *msg; /* a word the error message must contain */
};

static const struct bad_case bad[] = {
    {"", "coap://"},
    {"coap", "coap://"},
    {"coap:", "//"},
    {"coap:/x", "//"},
    {"//h/x", "coap://"},
    {"127.0.0.1/x", "coap://"},
    {"http://h/", "unsupported scheme"},
    {"coap+udp://h/", "unsupported scheme"},
    {"coaps+tc://h/", "unsupported scheme"},
    {"coap+tcpx://h/", "unsupported scheme"},
    {"coap+://h/", "unsupported scheme"},
    {"coapx://h/", "unsupported scheme"},
    {"coap://", "missing host"},
    {"coap:///x", "missing host"},
    {"coap://:5683/x", "missing host"},
    {"coap://h:0", "out of range"},
    {"coap://h:65536", "out of range"},
    {"coap://h:99999999999999999999999", "out of range"},
    {"coap://h:12a", "bad port"},
    {"coap://h:-1", "bad port"},
    {"coap://h: 1", "space"},
    {"coap://h/%", "truncated"},
    {"coap://h/%A", "truncated"},
    {"coap://h/a%", "truncated"},
    {"coap://h/%4?x", "truncated"},
    {"coap://h/%zz", "malformed"},
    {"coap://h/%G0", "malformed"},
    {"coap://h/%0g", "malformed"},
    {"coap://h?%A", "truncated"},
    {"coap://h?a=%", "truncated"},
    {"coap://h?a=%x1", "malformed"},
    {"coap://h%/", "truncated"},
    {"coap://h%4/", "truncated"},
    {"coap://h%zz/", "malformed"},
    {"coap://%00/", "bad byte"},
    {"coap://h#frag", "fragment"},
    {"coap://h/a#", "fragment"},
    {"coap://user@h/", "user"},
    {"coap://user:pw@h/", "user"},
    {"coap://[::1", "]"},
    {"coap://[::1]x", "after the IPv6"},
    {"coap://[::1]:", NULL},
    {"coap://[::1]:0", "out of range"},
    {"coap://[]", "IPv6"},
    {"coap://[zz::1]", "IPv6"},
    {"coap://[1.2.3.4]", "IPv6"},
    {"coap://[v1.fe]", "IPvFuture"},
    {"coap://[fe80::1%25]", "empty"},
    {"coap://[fe80::1%]", "empty"},
    {"coap://[fe80::1%25eth%]", "truncated"},
    {"coap://[fe80::1%25eth%2]", "truncated"},
    {"coap://[fe80::1%25eth%00]", "zone"},
    {"coap://[fe80::1%25eth/0]", "]"},
    {"coap://[fe80::1%25e:h]", "zone"},
    {"coap://h/a b", "space"},
    {"coap://h/a\x01", "control"},
    {"coap://h/a\x7f", "control"},
    {"coap://h/\t", "control"},
    {"coap://h<>/", "bad character"},
    {"coap://h\xc3\xa9/", "bad character"},
};

static void test_bad(void **state)
{
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse(bad[i].text, err, sizeof(err));

		if (bad[i].msg == NULL) {
			/* "[::1]:" is an empty port: the default (RFC 3986 §3.2.3) */
			assert_int_equal(ret, 0);
			assert_int_equal(uri.port, 5683);
			continue;
		}
		if (ret != -EINVAL) {
			fail_msg("\"%s\" accepted", bad[i].text);
		}
		if (strstr(err, bad[i].msg) == NULL) {
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].text, err,
				 bad[i].msg);
		}
	}
}

static void test_lengths(void **state)
{
	char err[256];
	char *text = malloc(CLI_URI_MAX_LEN + 64);
	char *zone = malloc(CLI_ZONE_MAX_LEN + 2);
	size_t n;

	(void)state;
	assert_non_null(text);
	assert_non_null(zone);

	/* a host of exactly 255 bytes is fine, 256 is not */
	n = (size_t)sprintf(text, "coap://");
	memset(text + n, 'a', CLI_HOST_MAX_LEN);
	strcpy(text + n + CLI_HOST_MAX_LEN, "/x");
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_int_equal(strlen(uri.host), CLI_HOST_MAX_LEN);
	memset(text + n, 'a', CLI_HOST_MAX_LEN + 1);
	strcpy(text + n + CLI_HOST_MAX_LEN + 1, "/x");
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 255"));

	/* the decoded length counts: 86 "%61" escapes are 258 raw bytes but 86 decoded */
	n = (size_t)sprintf(text, "coap://");
	for (int i = 0; i < 86; i++) {
		n += (size_t)sprintf(text + n, "%%61");
	}
	text[n] = '\0';
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_int_equal(strlen(uri.host), 86);

	/* overlong zone */
	memset(zone, 'z', CLI_ZONE_MAX_LEN + 1);
	zone[CLI_ZONE_MAX_LEN + 1] = '\0';
	snprintf(text, CLI_URI_MAX_LEN, "coap://[fe80::1%%25%s]/", zone);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	zone[CLI_ZONE_MAX_LEN] = '\0';
	snprintf(text, CLI_URI_MAX_LEN, "coap://[fe80::1%%25%s]/", zone);
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_int_equal(strlen(uri.zone), CLI_ZONE_MAX_LEN);

	/* the whole URI: at most CLI_URI_MAX_LEN bytes */
	n = (size_t)sprintf(text, "coap://h/");
	memset(text + n, 'p', CLI_URI_MAX_LEN - n);
	text[CLI_URI_MAX_LEN] = '\0';
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_int_equal(uri.path[0].len, CLI_URI_MAX_LEN - n);
	text[CLI_URI_MAX_LEN] = 'p';
	text[CLI_URI_MAX_LEN + 1] = '\0';
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than"));

	/* at most CLI_URI_MAX_SEGMENTS segments of each kind */
	n = (size_t)sprintf(text, "coap://h");
	for (int i = 0; i < CLI_URI_MAX_SEGMENTS; i++) {
		n += (size_t)sprintf(text + n, "/s");
	}
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_int_equal(uri.n_path, CLI_URI_MAX_SEGMENTS);
	sprintf(text + n, "/s");
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too many"));
	n = (size_t)sprintf(text, "coap://h?q");
	for (int i = 0; i < CLI_URI_MAX_SEGMENTS; i++) {
		n += (size_t)sprintf(text + n, "&q");
	}
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);

	/* dot segments do not hide too many segments from the count */
	n = (size_t)sprintf(text, "coap://h");
	for (int i = 0; i < 3 * CLI_URI_MAX_SEGMENTS; i++) {
		n += (size_t)sprintf(text + n, "/s/..");
	}
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	assert_false(uri.has_path);

	free(zone);
	free(text);
}

static void test_nul_byte(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(parse("coap://h/a%00b?%00", err, sizeof(err)), 0);
	assert_int_equal(uri.n_path, 1);
	assert_int_equal(uri.path[0].len, 3);
	assert_memory_equal(uri.data + uri.path[0].off, "a\0b", 3);
	assert_int_equal(uri.n_query, 1);
	assert_int_equal(uri.query[0].len, 1);
	assert_int_equal(uri.data[uri.query[0].off], 0);
}

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
	    {"", true},
	    {"plain", true},
	    {"caf\xc3\xa9", true},
	    {"\xe2\x82\xac", true},
	    {"\xf0\x9f\x98\x80", true},
	    {"\xf4\x8f\xbf\xbf", true},  /* U+10FFFF */
	    {"\xc0\xaf", false},         /* overlong '/' */
	    {"\xe0\x80\xaf", false},     /* overlong */
	    {"\xed\xa0\x80", false},     /* surrogate */
	    {"\xf4\x90\x80\x80", false}, /* above U+10FFFF */
	    {"\xe2\x82", false},         /* truncated */
	    {"\x80", false},             /* lone continuation */
	    {"\xff", false},
	    {"a\xc3", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cli_utf8_valid((const uint8_t *)cases[i].s, strlen(cases[i].s)),
				 cases[i].ok);
	}
}

struct build_result {
	int ret;
	char path[ZCOAP_CONFIG_MAX_PATH_LEN + 1];
	struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	size_t n_opts;
	bool skipped;
	char err[256];
};

static void build(const char *text, bool uri_host, struct build_result *r)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	assert_int_equal(parse(text, err, sizeof(err)), 0);
	r->ret = cli_uri_build_request(&uri, uri_host, r->path, sizeof(r->path), r->opts,
				       ZCOAP_CONFIG_MAX_EXTRA_OPTIONS, &r->n_opts, &r->skipped,
				       r->err, sizeof(r->err));
}

static void assert_opt(const struct coap_client_option *o, uint16_t code, const void *val,
		       size_t len)
{
	assert_int_equal(o->code, code);
	assert_int_equal(o->len, len);
	assert_memory_equal(o->value, val, len);
}

static void test_build_plain(void **state)
{
	struct build_result r;

	(void)state;
	build("coap://Host/a/b?x=1&y", true, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.path, "a/b?x=1&y");
	assert_int_equal(r.n_opts, 1);
	assert_opt(&r.opts[0], COAP_OPTION_URI_HOST, "host", 4);
	assert_false(r.skipped);

	build("coap://Host/a/b?x=1&y", false, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.n_opts, 0);

	/* literals never get Uri-Host (RFC 7252 §6.4 step 5) */
	build("coap://127.0.0.1/", true, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.path, "");
	assert_int_equal(r.n_opts, 0);
	build("coap://[::1]/x", true, &r);
	assert_int_equal(r.n_opts, 0);
	assert_string_equal(r.path, "x");

	/*
	 * a name longer than an extra option can hold is not sent (only with
	 * 12-byte options: ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN 0); a 251-byte
	 * name goes as Uri-Host with long options (issue 14)
	 */
	build("coap://thirteen-bytes/x", true, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.skipped, MAX_COAP_CLIENT_OPTION_LEN < 13);
	assert_int_equal(r.n_opts, MAX_COAP_CLIENT_OPTION_LEN < 13 ? 0 : 1);
	build("coap://twelve-bytes/x", true, &r);
	assert_false(r.skipped);
	assert_int_equal(r.n_opts, 1);
	{
		char text[300];
		char label[61];

		memset(label, 'a', 60);
		label[60] = '\0';
		snprintf(text, sizeof(text), "coap://%s.%s.%s.%s.example/x", label, label, label,
			 label);
		build(text, true, &r);
		assert_int_equal(r.ret, 0);
		assert_int_equal(r.skipped, MAX_COAP_CLIENT_OPTION_LEN < 251);
		if (MAX_COAP_CLIENT_OPTION_LEN >= 251) {
			assert_int_equal(r.n_opts, 1);
			assert_int_equal(r.opts[0].code, COAP_OPTION_URI_HOST);
			assert_int_equal(r.opts[0].len, 251);
		}
	}

	/* '/' in a query argument needs no escaping from the library's split */
	build("coap://1.2.3.4/p?a=/b", true, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.path, "p?a=/b");
	assert_int_equal(r.n_opts, 0);
}

static void test_build_raw_options(void **state)
{
	struct build_result r;

	(void)state;
	/* an encoded '/' sends the whole path as options, in order; the query stays plain */
	build("coap://1.2.3.4/a%2Fb/c?q=1", true, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.path, "?q=1");
	assert_int_equal(r.n_opts, 2);
	assert_opt(&r.opts[0], COAP_OPTION_URI_PATH, "a/b", 3);
	assert_opt(&r.opts[1], COAP_OPTION_URI_PATH, "c", 1);

	/* an encoded '&' in the query */
	build("coap://1.2.3.4/p?x%26y&z", true, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.path, "p");
	assert_int_equal(r.n_opts, 2);
	assert_opt(&r.opts[0], COAP_OPTION_URI_QUERY, "x&y", 3);
	assert_opt(&r.opts[1], COAP_OPTION_URI_QUERY, "z", 1);

	/* encoded '?', NUL, non-UTF-8 and empty segments */
	build("coap://1.2.3.4/a%3Fb", true, &r);
	assert_int_equal(r.n_opts, 1);
	assert_opt(&r.opts[0], COAP_OPTION_URI_PATH, "a?b", 3);
	build("coap://1.2.3.4/a%00", true, &r);
	assert_opt(&r.opts[0], COAP_OPTION_URI_PATH, "a\0", 2);
	build("coap://1.2.3.4/%ff", true, &r);
	assert_opt(&r.opts[0], COAP_OPTION_URI_PATH, "\xff", 1);
	build("coap://1.2.3.4/a//b", true, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.path, "");
	assert_int_equal(r.n_opts, 3);
	assert_opt(&r.opts[1], COAP_OPTION_URI_PATH, "", 0);
	build("coap://1.2.3.4/a/", true, &r);
	assert_int_equal(r.n_opts, 2);
	assert_opt(&r.opts[1], COAP_OPTION_URI_PATH, "", 0);

	/* a raw segment longer than an option holds cannot be expressed */
	{
		char text[600];
		char msg[32];
		int n = snprintf(text, sizeof(text), "coap://1.2.3.4/");

		memset(text + n, 'x', MAX_COAP_CLIENT_OPTION_LEN);
		snprintf(text + n + MAX_COAP_CLIENT_OPTION_LEN, 4, "%%2F");
		build(text, true, &r);
		assert_int_equal(r.ret, -E2BIG);
		snprintf(msg, sizeof(msg), "longer than %d", MAX_COAP_CLIENT_OPTION_LEN);
		assert_non_null(strstr(r.err, msg));
	}

	/* more raw segments than extra options */
	build("coap://1.2.3.4/%2F/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", true, &r);
	assert_int_equal(r.ret, -E2BIG);
	assert_non_null(strstr(r.err, "too many options"));
}

static void test_build_path_limit(void **state)
{
	char text[600];
	struct build_result r;
	size_t n;

	(void)state;
	n = (size_t)sprintf(text, "coap://1.2.3.4/");
	memset(text + n, 'x', ZCOAP_CONFIG_MAX_PATH_LEN);
	text[n + ZCOAP_CONFIG_MAX_PATH_LEN] = '\0';
	build(text, true, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(strlen(r.path), ZCOAP_CONFIG_MAX_PATH_LEN);

	text[n + ZCOAP_CONFIG_MAX_PATH_LEN] = 'x';
	text[n + ZCOAP_CONFIG_MAX_PATH_LEN + 1] = '\0';
	build(text, true, &r);
	assert_int_equal(r.ret, -E2BIG);
	assert_string_equal(r.path, "");
	assert_non_null(strstr(r.err, "longer than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_tcp_schemes),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_build_plain),
	    cmocka_unit_test(test_build_raw_options),
	    cmocka_unit_test(test_build_path_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
