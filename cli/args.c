/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * args.c -- the command line of the zcoap tool.
 *
 * Option letters follow libcoap's coap-client where the meaning is the same,
 * so that its users can switch without relearning. Every malformed value is
 * a usage error (exit status 2): a tool used in scripts must not guess.
 */

#include <errno.h>
#include <getopt.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "zcoap_dtls.h"

#ifndef ZCOAP_CLI_VERSION
#define ZCOAP_CLI_VERSION "unknown"
#endif

/*
 * Word a usage error into err and yield CLI_ARGS_USAGE. A macro rather than a
 * variadic function, so that every format stays a literal the compiler checks
 * against its arguments (-Wformat=2) without compiler-specific attributes.
 */
#define usage_error(err, errlen, ...) (snprintf((err), (errlen), __VA_ARGS__), CLI_ARGS_USAGE)

static const struct {
	const char *name;
	enum coap_method method;
} methods[] = {
    {"get", COAP_METHOD_GET},       {"post", COAP_METHOD_POST},   {"put", COAP_METHOD_PUT},
    {"delete", COAP_METHOD_DELETE}, {"fetch", COAP_METHOD_FETCH}, {"patch", COAP_METHOD_PATCH},
    {"ipatch", COAP_METHOD_IPATCH},
};

const char *cli_method_name(unsigned int code)
{
	static const char *const names[] = {NULL,     "GET",   "POST",  "PUT",
					    "DELETE", "FETCH", "PATCH", "iPATCH"};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

/* Content-Format names accepted by -t and -A (CoAP Content-Formats registry). */
static const struct {
	const char *name;
	unsigned int fmt;
} formats[] = {
    {"text/plain", 0},
    {"text", 0},
    {"plain", 0},
    {"application/link-format", 40},
    {"link-format", 40},
    {"link", 40},
    {"application/xml", 41},
    {"xml", 41},
    {"application/octet-stream", 42},
    {"octet-stream", 42},
    {"octet", 42},
    {"binary", 42},
    {"application/exi", 47},
    {"exi", 47},
    {"application/json", 50},
    {"json", 50},
    {"application/json-patch+json", 51},
    {"json-patch", 51},
    {"application/merge-patch+json", 52},
    {"merge-patch", 52},
    {"application/cbor", 60},
    {"cbor", 60},
    {"application/senml+json", 110},
    {"senml+json", 110},
    {"application/senml+cbor", 112},
    {"senml+cbor", 112},
};

/* Strict unsigned decimal: digits only, no sign, no overflow past @p max. */
static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			return false;
		}
		unsigned long d = (unsigned long)(*s - '0');

		if (d > max || v > (max - d) / 10) {
			return false;
		}
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Positive seconds, fractions allowed ("2", "0.5"), at most ~11 days. */
static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+') {
		return false;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0.0 || v > 1e6) {
		return false;
	}
	*out = v;
	return true;
}

int cli_content_format_parse(const char *s)
{
	unsigned long v;

	if (parse_ulong(s, 65535, &v)) {
		return (int)v;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcasecmp(s, formats[i].name) == 0) {
			return (int)formats[i].fmt;
		}
	}
	return -1;
}

const char *cli_content_format_name(unsigned int fmt)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		/* the first entry of each number is its full media type */
		if (formats[i].fmt == fmt) {
			return formats[i].name;
		}
	}
	return NULL;
}

int cli_psk_decode(const char *text, uint8_t *out, size_t *len)
{
	size_t tlen = strlen(text);

	if (tlen >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		const char *h = text + 2;
		size_t hlen = tlen - 2;

		if (hlen == 0 || hlen % 2 != 0) {
			return -EINVAL;
		}
		for (size_t i = 0; i < hlen; i += 2) {
			int hi = cli_hex_value(h[i]);
			int lo = cli_hex_value(h[i + 1]);

			if (hi < 0 || lo < 0) {
				return -EINVAL;
			}
			if (out != NULL) {
				out[i / 2] = (uint8_t)(hi * 16 + lo);
			}
		}
		*len = hlen / 2;
		return 0;
	}
	if (tlen == 0) {
		return -EINVAL;
	}
	if (out != NULL) {
		memcpy(out, text, tlen);
	}
	*len = tlen;
	return 0;
}

/* -O num[,value]: value as text, or "0x..." hex bytes (as libcoap's coap-client). */
static int parse_user_option(const char *arg, struct cli_config *cfg, char *err, size_t errlen)
{
	char numbuf[8];
	const char *comma = strchr(arg, ',');
	size_t nlen = comma != NULL ? (size_t)(comma - arg) : strlen(arg);
	const char *val = comma != NULL ? comma + 1 : "";
	struct coap_client_option *o;
	unsigned long num;
	size_t vlen = strlen(val);

	if (nlen == 0 || nlen >= sizeof(numbuf)) {
		return usage_error(err, errlen, "-O %s: expected NUMBER[,VALUE]", arg);
	}
	memcpy(numbuf, arg, nlen);
	numbuf[nlen] = '\0';
	if (!parse_ulong(numbuf, 65535, &num)) {
		return usage_error(err, errlen, "-O %s: option number must be 0..65535", arg);
	}
	switch (num) {
	case COAP_OPTION_OBSERVE:
		return usage_error(err, errlen,
				   "-O %lu: use -s or --observe-count to observe a resource", num);
	case COAP_OPTION_CONTENT_FORMAT:
		return usage_error(err, errlen, "-O %lu: use -t to set the Content-Format", num);
	case COAP_OPTION_BLOCK1:
	case COAP_OPTION_BLOCK2:
	case COAP_OPTION_SIZE1:
		return usage_error(err, errlen,
				   "-O %lu: block-wise options are managed by the library (see -b)",
				   num);
	default:
		break;
	}
	if (cfg->n_user_opts >= CLI_MAX_USER_OPTIONS) {
		return usage_error(err, errlen, "too many -O options (at most %d)",
				   CLI_MAX_USER_OPTIONS);
	}
	o = &cfg->user_opts[cfg->n_user_opts];
	memset(o, 0, sizeof(*o));
	o->code = (uint16_t)num;
	if (vlen >= 2 && val[0] == '0' && (val[1] == 'x' || val[1] == 'X')) {
		const char *h = val + 2;
		size_t hlen = vlen - 2;
		uint8_t bytes[MAX_COAP_CLIENT_OPTION_LEN];

		if (hlen % 2 != 0) {
			return usage_error(err, errlen, "-O %s: odd number of hex digits", arg);
		}
		if (hlen / 2 > MAX_COAP_CLIENT_OPTION_LEN) {
			return usage_error(err, errlen,
					   "-O %s: value longer than %d bytes (the library's limit "
					   "for extra options)",
					   arg, MAX_COAP_CLIENT_OPTION_LEN);
		}
		for (size_t i = 0; i < hlen; i += 2) {
			int hi = cli_hex_value(h[i]);
			int lo = cli_hex_value(h[i + 1]);

			if (hi < 0 || lo < 0) {
				return usage_error(err, errlen, "-O %s: bad hex digit", arg);
			}
			bytes[i / 2] = (uint8_t)(hi * 16 + lo);
		}
		cli_option_set(o, (uint16_t)num, bytes, hlen / 2);
	} else {
		if (vlen > MAX_COAP_CLIENT_OPTION_LEN) {
			return usage_error(err, errlen,
					   "-O %s: value longer than %d bytes (the library's limit "
					   "for extra options)",
					   arg, MAX_COAP_CLIENT_OPTION_LEN);
		}
		cli_option_set(o, (uint16_t)num, val, vlen);
	}
	if (num == COAP_OPTION_URI_HOST) {
		cfg->suppress_uri_host = true; /* the user's Uri-Host replaces ours */
	}
	cfg->n_user_opts++;
	return CLI_ARGS_RUN;
}

static void print_help(void)
{
	bool dtls = zcoap_dtls_available();

	printf("Usage: zcoap [OPTIONS] URI...\n"
	       "A CoAP client (RFC 7252): sends a request to each URI in turn and prints the\n"
	       "response bodies. The exit status is that of the first request that failed.\n"
	       "\n"
	       "URI: coap://HOST[:PORT][/PATH][?QUERY] or coaps://... (DTLS, port 5684)%s\n"
	       "  coap+tcp://... and coaps+tcp://... use CoAP over TCP and over TLS (RFC 8323,\n"
	       "  ports 5683 and 5684; the -k/-u/-C/-c/-j/-n/--server-name options apply to\n"
	       "  TLS too). Over TCP, -K sends a Ping signal, -v shows the connection and the\n"
	       "  response codes (no message dumps), -N is ignored and -a/-p are refused.\n"
	       "  HOST is a name, an IPv4 address or [IPv6] with an optional zone:\n"
	       "  [fe80::1%%eth0].\n"
	       "  PATH and QUERY are percent-decoded. Segments that hold an encoded '/', '?',\n"
	       "  '&', NUL or non-UTF-8 byte (and empty ones) are sent as raw Uri-Path/Uri-Query\n"
	       "  options, which may be at most %d bytes each; the path string may be at most\n"
	       "  %d bytes. A host name of up to %d bytes is sent as Uri-Host.\n"
	       "\n"
	       "Request:\n"
	       "  -m, --method METHOD  get (default), post, put, delete, fetch, patch, ipatch\n"
	       "  -e, --payload TEXT   request payload\n"
	       "  -f, --file FILE      request payload read from FILE ('-' = standard input)\n"
	       "  -t, --content-format FORMAT\n"
	       "                       Content-Format of the payload: a number or text/plain,\n"
	       "                       link, xml, octet (binary), exi, json, json-patch,\n"
	       "                       merge-patch, cbor (default: text/plain with -e, octet\n"
	       "                       with -f)\n"
	       "  -A, --accept FORMAT  Accept option (same names)\n"
	       "  -O, --option NUM[,VAL]\n"
	       "                       add option NUM; VAL is text or 0x-prefixed hex (at most\n"
	       "                       %d bytes), e.g. -O 17,0x28 (Accept: link-format);\n"
	       "                       repeatable\n"
	       "  -b, --block-size SIZE\n"
	       "                       block size 16..%d (power of two) for Block2 responses\n"
	       "                       (early negotiation) and Block1 uploads (library default\n"
	       "                       %d)\n"
	       "  -N, --non            send a non-confirmable (NON) request\n"
	       "  -U, --no-uri-host    never send Uri-Host\n"
	       "  -P, --proxy URI      send the request to the forward-proxy at URI\n"
	       "                       (coap://HOST[:PORT]) with the target as Proxy-Uri, or as\n"
	       "                       Proxy-Scheme, Uri-Host, Uri-Port and the path when it is\n"
	       "                       longer than an option holds\n"
	       "  -K, --ping           send a CoAP ping (an Empty CON, answered with RST, RFC\n"
	       "                       7252 §4.3) to the server (or the -P proxy) instead of a\n"
	       "                       request\n"
	       "  -H, --hop-limit N    Hop-Limit option (RFC 8768, 1..255) for requests through\n"
	       "                       proxies\n"
	       "  -B, --timeout SECONDS\n"
	       "                       give up after SECONDS (default 90; for an observation,\n"
	       "                       until the first notification unless -B is given)\n"
	       "  -T, --token TOKEN    not supported: the library chooses tokens\n"
	       "  -a, --local-address ADDR\n"
	       "                       send from this numeric IPv4 or IPv6 address\n"
	       "  -p, --local-port PORT\n"
	       "                       send from this UDP port (default: an ephemeral one)\n"
	       "  -G, --repeat COUNT   send the request COUNT times, one after the other; the\n"
	       "                       exit status is that of the first that failed\n"
	       "\n"
	       "Observe (RFC 7641):\n"
	       "  -s, --observe SECONDS\n"
	       "                       observe for SECONDS after the first notification, then\n"
	       "                       deregister; 0: until interrupted (Ctrl-C deregisters)\n"
	       "  --observe-count N    stop after N notifications, then deregister; 0: no limit\n"
	       "\n"
	       "Output:\n"
	       "  -o, --output FILE    write the response body to FILE instead of standard\n"
	       "                       output; FILE is replaced only on success (exit status 0);\n"
	       "                       '-' is standard output, binary bodies included\n"
	       "  -w, --newline        write a newline after each complete body\n"
	       "  -i, --include        write the response code and options before each body\n"
	       "                       (with a terminal as standard output, a response without\n"
	       "                       a body shows its code even without -i)\n"
	       "  --json               one JSON object per response/notification on standard\n"
	       "                       output\n"
	       "  --progress, --no-progress\n"
	       "                       force the block-wise progress bar on or off (default: on\n"
	       "                       when standard error is a terminal); never drawn on the\n"
	       "                       terminal the body goes to\n"
	       "  -v, --verbose        print every datagram sent and received on standard error\n"
	       "                       (-vv adds payload previews)\n"
	       "\n"
	       "DTLS 1.2 (coaps://)%s:\n"
	       "  -k, --psk KEY        pre-shared key: text, or 0x-prefixed hex bytes (with -u)\n"
	       "  -u, --psk-identity IDENTITY\n"
	       "                       PSK identity (with -k)\n"
	       "  -C, --cacert CAFILE  CA certificate(s) that must have signed the server's\n"
	       "                       certificate, PEM or DER; the certificate must also carry\n"
	       "                       the host name\n"
	       "  -c, --cert CERTFILE  client certificate, PEM or DER (for servers that ask for\n"
	       "                       one)\n"
	       "  -j, --key KEYFILE    private key of -c, PEM or DER, unencrypted (default: a\n"
	       "                       key in the -c file)\n"
	       "  --server-name NAME   name sent as SNI and checked in the server's certificate,\n"
	       "                       or an IP address checked in it (default: the URI host)\n"
	       "  --session FILE       resume the DTLS session saved in FILE, and save the new\n"
	       "                       one there (it holds the session's secret: mode 0600)\n"
	       "  -n, --insecure       INSECURE: do not verify the server's certificate (anyone\n"
	       "                       on the path can impersonate the server)\n"
	       "  coaps:// needs -k/-u or -C (-n also needs one of -C, -c, -k/-u). The handshake\n"
	       "  gives up after 10 s, or -B when given.\n"
	       "\n"
	       "  -h, --help           show this help\n"
	       "  --version            show the version\n"
	       "\n"
	       "Exit status:\n"
	       "  0 2.xx response; none where No-Response (-O 258,...) asked for none; -K: pong\n"
	       "  1 other error (protocol, unexpected response code, a response the library\n"
	       "    must reject)\n"
	       "  2 usage error          3 4.xx response        4 5.xx response\n"
	       "  5 timeout              6 reset (RST) or port unreachable\n"
	       "  7 DTLS failure (handshake refused, certificate rejected, session ended by the\n"
	       "    server) or no DTLS in this build\n"
	       "  8 local I/O error (file, socket, name resolution)\n"
	       "  130 interrupted (SIGINT/SIGTERM) before an answer; an observation ended by\n"
	       "      Ctrl-C after a 2.xx notification exits with its status (0)\n",
	       dtls ? "" : " (not in this build)", MAX_COAP_CLIENT_OPTION_LEN,
	       ZCOAP_CONFIG_MAX_PATH_LEN, MAX_COAP_CLIENT_OPTION_LEN, MAX_COAP_CLIENT_OPTION_LEN,
	       ZCOAP_CONFIG_BLOCK_SIZE, ZCOAP_CONFIG_BLOCK_SIZE,
	       dtls ? "" : "; not available in this build");
}

enum long_only {
	OPT_VERSION = 1000,
	OPT_JSON,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_OBSERVE_COUNT,
	OPT_SERVER_NAME,
	OPT_SESSION,
	OPT_PROXY,
};

/* Every short option has a long one (curl's names where curl has the option). */
static const struct option long_options[] = {
    {"method", required_argument, NULL, 'm'},
    {"payload", required_argument, NULL, 'e'},
    {"file", required_argument, NULL, 'f'},
    {"content-format", required_argument, NULL, 't'},
    {"accept", required_argument, NULL, 'A'},
    {"option", required_argument, NULL, 'O'},
    {"block-size", required_argument, NULL, 'b'},
    {"non", no_argument, NULL, 'N'},
    {"no-uri-host", no_argument, NULL, 'U'},
    {"timeout", required_argument, NULL, 'B'},
    {"token", required_argument, NULL, 'T'},
    {"observe", required_argument, NULL, 's'},
    {"output", required_argument, NULL, 'o'},
    {"newline", no_argument, NULL, 'w'},
    {"include", no_argument, NULL, 'i'},
    {"local-address", required_argument, NULL, 'a'},
    {"local-port", required_argument, NULL, 'p'},
    {"repeat", required_argument, NULL, 'G'},
    {"verbose", no_argument, NULL, 'v'},
    {"psk", required_argument, NULL, 'k'},
    {"psk-identity", required_argument, NULL, 'u'},
    {"cacert", required_argument, NULL, 'C'},
    {"cert", required_argument, NULL, 'c'},
    {"key", required_argument, NULL, 'j'},
    {"insecure", no_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"json", no_argument, NULL, OPT_JSON},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"observe-count", required_argument, NULL, OPT_OBSERVE_COUNT},
    {"server-name", required_argument, NULL, OPT_SERVER_NAME},
    {"session", required_argument, NULL, OPT_SESSION},
    {"proxy", required_argument, NULL, OPT_PROXY},
    {"hop-limit", required_argument, NULL, 'H'},
    {"ping", no_argument, NULL, 'K'},
    {NULL, 0, NULL, 0},
};

enum cli_args_result cli_parse_args(int argc, char **argv, struct cli_config *cfg, char *err,
				    size_t errlen)
{
	unsigned long v;
	int c;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->method = COAP_METHOD_GET;
	cfg->content_format = -1;
	cfg->accept = -1;
	cfg->give_up_s = 90.0;
	cfg->progress = -1;
	cfg->hop_limit = -1;
	cfg->repeat = 1;
	err[0] = '\0';

	opterr = 0; /* we word the messages ourselves */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":m:e:f:t:A:b:B:NO:T:Us:o:k:u:c:j:C:nvwhia:p:G:P:H:K",
				long_options, NULL)) != -1) {
		switch (c) {
		case 'm': {
			bool found = false;

			for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
				if (strcasecmp(optarg, methods[i].name) == 0) {
					cfg->method = methods[i].method;
					found = true;
				}
			}
			if (!found) {
				return usage_error(err, errlen,
						   "-m %s: unknown method (get, post, put, delete, "
						   "fetch, patch, ipatch)",
						   optarg);
			}
			break;
		}
		case 'e':
			if (cfg->payload_file != NULL) {
				return usage_error(err, errlen, "-e and -f cannot be combined");
			}
			cfg->payload_text = optarg;
			break;
		case 'f':
			if (cfg->payload_text != NULL) {
				return usage_error(err, errlen, "-e and -f cannot be combined");
			}
			cfg->payload_file = optarg;
			break;
		case 't':
		case 'A': {
			int fmt = cli_content_format_parse(optarg);

			if (fmt < 0) {
				return usage_error(err, errlen,
						   "-%c %s: unknown content format (a number "
						   "0..65535 or a name such as text/plain, json, "
						   "cbor; see --help)",
						   c, optarg);
			}
			if (c == 't') {
				cfg->content_format = fmt;
			} else {
				cfg->accept = fmt;
			}
			break;
		}
		case 'b':
			if (!parse_ulong(optarg, 65535, &v) || v < 16 || v > 1024 ||
			    (v & (v - 1)) != 0) {
				return usage_error(err, errlen,
						   "-b %s: block size must be a power of two from "
						   "16 to 1024",
						   optarg);
			}
			if (v > ZCOAP_CONFIG_BLOCK_SIZE) {
				return usage_error(err, errlen,
						   "-b %s: this build's largest block size is %d",
						   optarg, ZCOAP_CONFIG_BLOCK_SIZE);
			}
			cfg->block_size = (unsigned int)v;
			break;
		case 'B':
			if (!parse_seconds(optarg, &cfg->give_up_s)) {
				return usage_error(err, errlen,
						   "-B %s: expected a positive number of seconds",
						   optarg);
			}
			cfg->give_up_given = true;
			break;
		case 'N':
			cfg->non_confirmable = true;
			break;
		case 'O':
			ret = parse_user_option(optarg, cfg, err, errlen);
			if (ret != CLI_ARGS_RUN) {
				return (enum cli_args_result)ret;
			}
			break;
		case 'T':
			return usage_error(err, errlen,
					   "-T is not supported: the zcoap library chooses a fresh "
					   "random token for every request and offers no way to "
					   "set one");
		case 'U':
			cfg->suppress_uri_host = true;
			break;
		case 'P':
		case OPT_PROXY:
			cfg->proxy = optarg;
			break;
		case 'K':
			cfg->ping = true;
			break;
		case 'H':
			/* RFC 8768 §3: 1..255; 0 is not a valid Hop-Limit */
			if (!parse_ulong(optarg, 255, &v) || v == 0) {
				return usage_error(err, errlen, "-H %s: hop limit must be 1..255",
						   optarg);
			}
			cfg->hop_limit = (int)v;
			break;
		case 's':
			/* 0: no time limit (until Ctrl-C, or the server ends it) */
			if (parse_ulong(optarg, 0, &v)) {
				cfg->observe_s = 0.0;
			} else if (!parse_seconds(optarg, &cfg->observe_s)) {
				return usage_error(err, errlen,
						   "-s %s: expected a number of seconds (0: until "
						   "interrupted)",
						   optarg);
			}
			cfg->observe = true;
			break;
		case OPT_OBSERVE_COUNT:
			/* 0: no limit on the number of notifications */
			if (!parse_ulong(optarg, 1000000000UL, &v)) {
				return usage_error(err, errlen,
						   "--observe-count %s: expected a number (0: no "
						   "limit)",
						   optarg);
			}
			cfg->observe_count = v;
			cfg->observe = true;
			break;
		case 'o':
			cfg->output = optarg;
			break;
		case 'k': {
			size_t klen;

			if (cli_psk_decode(optarg, NULL, &klen) < 0) {
				return usage_error(
				    err, errlen,
				    "-k: the key must not be empty; a key starting "
				    "with 0x must continue with an even number of hex "
				    "digits");
			}
			cfg->psk_key = optarg;
			break;
		}
		case 'u':
			if (optarg[0] == '\0') {
				return usage_error(err, errlen,
						   "-u: the identity must not be empty");
			}
			cfg->psk_identity = optarg;
			break;
		case 'c':
			cfg->cert_file = optarg;
			break;
		case 'j':
			cfg->key_file = optarg;
			break;
		case 'C':
			cfg->ca_file = optarg;
			break;
		case 'n':
			cfg->no_verify = true;
			break;
		case OPT_SERVER_NAME:
			if (optarg[0] == '\0' || strlen(optarg) > CLI_HOST_MAX_LEN) {
				return usage_error(
				    err, errlen, "--server-name: expected a name of 1 to %d bytes",
				    CLI_HOST_MAX_LEN);
			}
			for (const char *p = optarg; *p != '\0'; p++) {
				if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
					return usage_error(
					    err, errlen,
					    "--server-name %s: a host name has no "
					    "spaces, control or non-ASCII characters",
					    optarg);
				}
			}
			cfg->server_name = optarg;
			break;
		case OPT_SESSION:
			if (optarg[0] == '\0') {
				return usage_error(err, errlen, "--session: expected a file name");
			}
			cfg->session_file = optarg;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'w':
			cfg->newline = true;
			break;
		case 'i':
			cfg->include = true;
			break;
		case 'a': {
			struct in6_addr a6;

			if (inet_pton(AF_INET, optarg, &a6) != 1 &&
			    inet_pton(AF_INET6, optarg, &a6) != 1) {
				return usage_error(err, errlen,
						   "-a %s: expected a numeric IPv4 or IPv6 address",
						   optarg);
			}
			cfg->local_addr = optarg;
			break;
		}
		case 'p':
			if (!parse_ulong(optarg, 65535, &v)) {
				return usage_error(err, errlen, "-p %s: expected a port 0..65535",
						   optarg);
			}
			cfg->local_port = (uint16_t)v;
			break;
		case 'G':
			if (!parse_ulong(optarg, 1000000UL, &v) || v == 0) {
				return usage_error(err, errlen,
						   "-G %s: expected a count from 1 to 1000000",
						   optarg);
			}
			cfg->repeat = v;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case OPT_PROGRESS:
			cfg->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			cfg->progress = 0;
			break;
		case 'h':
			print_help();
			return CLI_ARGS_EXIT;
		case OPT_VERSION:
			printf("zcoap %s (CoAP client; block size %d, message size %d, %d extra "
			       "options, DTLS: %s)\n",
			       ZCOAP_CLI_VERSION, ZCOAP_CONFIG_BLOCK_SIZE,
			       ZCOAP_CONFIG_MESSAGE_SIZE, ZCOAP_CONFIG_MAX_EXTRA_OPTIONS,
			       zcoap_dtls_available() ? "yes" : "no");
			return CLI_ARGS_EXIT;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) == 0) {
				return usage_error(err, errlen, "option %s needs a value",
						   argv[optind - 1]);
			}
			if (optopt != 0 && optopt < 256) {
				return usage_error(err, errlen, "option -%c needs a value", optopt);
			}
			return usage_error(err, errlen, "option %s needs a value",
					   argv[optind - 1]);
		default:
			if (optopt != 0 && optopt < 256) {
				return usage_error(err, errlen, "unknown option -%c", optopt);
			}
			return usage_error(err, errlen, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return usage_error(err, errlen, "missing URI");
	}
	cfg->uris = (const char *const *)&argv[optind];
	cfg->n_uris = (size_t)(argc - optind);
	cfg->uri = argv[optind];
	if (cfg->n_uris > 1 && cfg->observe) {
		return usage_error(err, errlen, "an observation takes one URI");
	}
	if (cfg->n_uris > 1 && cfg->payload_file != NULL && strcmp(cfg->payload_file, "-") == 0) {
		return usage_error(err, errlen,
				   "-f - reads standard input once: it cannot be sent to several "
				   "URIs");
	}
	if (cfg->observe && cfg->repeat > 1) {
		return usage_error(err, errlen, "-G cannot repeat an observation");
	}
	if (cfg->ping && (cfg->observe || cfg->payload_text != NULL || cfg->payload_file != NULL ||
			  cfg->non_confirmable)) {
		return usage_error(
		    err, errlen,
		    "-K sends an Empty CON (a CoAP ping): it cannot observe, carry a "
		    "payload or be NON");
	}
	if (cfg->observe && cfg->method != COAP_METHOD_GET && cfg->method != COAP_METHOD_FETCH) {
		return usage_error(err, errlen,
				   "only GET and FETCH can observe (RFC 7641, RFC 8132)");
	}
	return CLI_ARGS_RUN;
}
