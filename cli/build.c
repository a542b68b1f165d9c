/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * build.c -- the zcoap tool's request as coap_client_req() takes it: the
 * path and query of the URI, the extra options (Uri-Host, Observe, Accept,
 * Block2/Block1, -O) and the body (-e, or -f read into memory).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Largest body a Block1 upload can carry: NUM has 20 bits (RFC 7959 §2.2). */
#define MAX_UPLOAD (((size_t)1 << 20) * (size_t)ZCOAP_CONFIG_BLOCK_SIZE)

/* Read a whole file ("-" = stdin) into memory. */
static int read_payload(const char *name, uint8_t **data, size_t *len)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;
	size_t n = 0;
	int ret = 0;

	if (f == NULL) {
		return -errno;
	}
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			uint8_t *nb;

			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > MAX_UPLOAD + 65536) {
				ret = -EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				ret = -(errno != 0 ? errno : EIO);
			}
			break;
		}
	}
	if (f != stdin) {
		fclose(f);
	}
	if (ret == 0 && n > MAX_UPLOAD) {
		ret = -EFBIG;
	}
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* The options the command line asks for besides the URI's, appended at r->opts[*n]. */
static enum cli_exit add_options(struct cli_request *r, const struct cli_config *cfg, size_t *n)
{
	struct coap_client_option extra[5 + CLI_MAX_USER_OPTIONS];
	size_t n_extra = 0;

	memset(extra, 0, sizeof(extra));
	if (cfg->observe) {
		/* Observe = 0 registers (RFC 7641 §2); the library keys on it */
		extra[n_extra].code = COAP_OPTION_OBSERVE;
		extra[n_extra].len = 1;
		extra[n_extra].value[0] = 0;
		n_extra++;
	}
	if (cfg->accept >= 0) {
		unsigned int a = (unsigned int)cfg->accept;

		extra[n_extra].code = COAP_OPTION_ACCEPT;
		/* shortest uint form (RFC 7252 §3.2): 0 has no bytes */
		if (a > 255) {
			extra[n_extra].len = 2;
			extra[n_extra].value[0] = (uint8_t)(a >> 8);
			extra[n_extra].value[1] = (uint8_t)a;
		} else if (a > 0) {
			extra[n_extra].len = 1;
			extra[n_extra].value[0] = (uint8_t)a;
		}
		n_extra++;
	}
	if (cfg->block_size != 0) {
		/*
		 * Early Block2 (RFC 7959 §2.4): NUM 0, M 0 and our SZX,
		 * in the same form as coap_client_option_initial_block2().
		 */
		struct coap_client_option b2 = coap_client_option_initial_block2();
		enum coap_block_size szx = coap_bytes_to_block_size((uint16_t)cfg->block_size);

		b2.len = 1;
		b2.value[0] = (uint8_t)szx;
		extra[n_extra++] = b2;
		/*
		 * With a body, a Block1 option of the same SZX makes the
		 * library upload in blocks of that size (zcoap extension).
		 */
		if (cfg->payload_file != NULL || cfg->payload_text != NULL) {
			struct coap_client_option b1 = b2;

			b1.code = COAP_OPTION_BLOCK1;
			extra[n_extra++] = b1;
		}
	}
	if (cfg->hop_limit > 0) {
		uint8_t h = (uint8_t)cfg->hop_limit;

		cli_option_set(&extra[n_extra++], COAP_OPTION_HOP_LIMIT, &h, 1);
	}
	for (size_t i = 0; i < cfg->n_user_opts; i++) {
		extra[n_extra++] = cfg->user_opts[i];
	}
	if (*n + n_extra > ZCOAP_CONFIG_MAX_EXTRA_OPTIONS) {
		fprintf(
		    stderr,
		    "zcoap: too many options: %zu needed (Uri-Host, raw "
		    "Uri-Path/Uri-Query, proxy options, "
		    "Observe, Accept, Block2/Block1, Hop-Limit, -O) but this build sends at most "
		    "%d\n",
		    *n + n_extra, ZCOAP_CONFIG_MAX_EXTRA_OPTIONS);
		return CLI_EXIT_USAGE;
	}
	memcpy(r->opts + *n, extra, n_extra * sizeof(extra[0]));
	*n += n_extra;
	return CLI_EXIT_OK;
}

/* Append one option at r->opts[*n]; false (with a message) when the build's limit is reached. */
static bool put_option(struct cli_request *r, size_t *n, uint16_t code, const void *val, size_t len)
{
	if (*n >= ZCOAP_CONFIG_MAX_EXTRA_OPTIONS) {
		fprintf(stderr,
			"zcoap: too many options for the proxy request: this build sends at "
			"most %d extra options\n",
			ZCOAP_CONFIG_MAX_EXTRA_OPTIONS);
		return false;
	}
	cli_option_set(&r->opts[(*n)++], code, val, len);
	return true;
}

/*
 * A request through a forward-proxy (RFC 7252 §5.7.2): the target URI as
 * Proxy-Uri when it fits in an option, else split into Proxy-Scheme,
 * Uri-Host (a literal too: the destination is the proxy, §6.4 step 5),
 * Uri-Port (when it differs from the proxy's port, §6.4 step 6) and the
 * path and query.
 */
static enum cli_exit proxy_options(struct cli_request *r, const struct cli_config *cfg,
				   const struct cli_uri *uri, const struct cli_uri *proxy,
				   size_t *n)
{
	size_t ulen = strlen(cfg->uri);
	char err[512];
	char host[CLI_HOST_MAX_LEN + 3];
	bool skipped = false;
	int ret;

	if (ulen <= MAX_COAP_CLIENT_OPTION_LEN) {
		return put_option(r, n, COAP_OPTION_PROXY_URI, cfg->uri, ulen) ? CLI_EXIT_OK
									       : CLI_EXIT_USAGE;
	}
	if (!put_option(r, n, COAP_OPTION_PROXY_SCHEME, uri->secure ? "coaps" : "coap",
			uri->secure ? 5 : 4)) {
		return CLI_EXIT_USAGE;
	}
	if (!cfg->suppress_uri_host) {
		int hlen = snprintf(host, sizeof(host),
				    uri->host_type == CLI_HOST_IPV6 ? "[%s]" : "%s", uri->host);

		if (hlen < 0 || (size_t)hlen > MAX_COAP_CLIENT_OPTION_LEN) {
			fprintf(stderr,
				"zcoap: the target's host is longer than the %d bytes an option "
				"holds in this build\n",
				MAX_COAP_CLIENT_OPTION_LEN);
			return CLI_EXIT_USAGE;
		}
		if (!put_option(r, n, COAP_OPTION_URI_HOST, host, (size_t)hlen)) {
			return CLI_EXIT_USAGE;
		}
	}
	if (uri->port != proxy->port) {
		uint8_t p[2] = {(uint8_t)(uri->port >> 8), (uint8_t)uri->port};

		/* shortest uint form (RFC 7252 §3.2) */
		size_t plen = uri->port > 255 ? 2 : uri->port > 0 ? 1 : 0;

		if (!put_option(r, n, COAP_OPTION_URI_PORT, p + 2 - plen, plen)) {
			return CLI_EXIT_USAGE;
		}
	}
	ret = cli_uri_build_request(uri, false, r->path, sizeof(r->path), r->opts,
				    ZCOAP_CONFIG_MAX_EXTRA_OPTIONS, n, &skipped, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "zcoap: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

enum cli_exit cli_request_build(struct cli_request *r, const struct cli_config *cfg,
				const struct cli_uri *uri, const struct cli_uri *proxy)
{
	char err[512];
	size_t n_opts = 0;
	bool uri_host_skipped = false;
	enum cli_exit status;
	int ret;

	memset(r, 0, sizeof(*r));

	if (proxy != NULL) {
		status = proxy_options(r, cfg, uri, proxy, &n_opts);
		if (status != CLI_EXIT_OK) {
			return status;
		}
	} else {
		/* Path and query: what the library can split itself, the rest as options. */
		ret = cli_uri_build_request(uri, !cfg->suppress_uri_host, r->path, sizeof(r->path),
					    r->opts, ZCOAP_CONFIG_MAX_EXTRA_OPTIONS, &n_opts,
					    &uri_host_skipped, err, sizeof(err));
		if (ret < 0) {
			fprintf(stderr, "zcoap: %s\n", err);
			return CLI_EXIT_USAGE;
		}
	}
	if (uri_host_skipped) {
		/* Only in builds with short options (ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN 0). */
		fprintf(stderr,
			"zcoap: warning: Uri-Host not sent: \"%s\" is longer than the %d bytes an "
			"extra option holds in this build\n",
			uri->host, MAX_COAP_CLIENT_OPTION_LEN);
	}
	status = add_options(r, cfg, &n_opts);
	if (status != CLI_EXIT_OK) {
		return status;
	}

	/* The body to send. */
	if (cfg->payload_file != NULL) {
		ret = read_payload(cfg->payload_file, &r->payload, &r->payload_len);
		if (ret == -EFBIG) {
			fprintf(stderr,
				"zcoap: %s: larger than the %zu bytes a Block1 upload can carry\n",
				cfg->payload_file, (size_t)MAX_UPLOAD);
			return CLI_EXIT_USAGE;
		}
		if (ret < 0) {
			fprintf(stderr, "zcoap: cannot read %s: %s\n", cfg->payload_file,
				strerror(-ret));
			return CLI_EXIT_IO;
		}
	} else if (cfg->payload_text != NULL) {
		r->payload_len = strlen(cfg->payload_text);
		r->payload = malloc(r->payload_len + 1);
		if (r->payload == NULL) {
			return CLI_EXIT_IO;
		}
		memcpy(r->payload, cfg->payload_text, r->payload_len + 1);
	}
	if (r->payload == NULL && cfg->content_format != -1) {
		fprintf(stderr, "zcoap: warning: -t has no effect without a payload (-e or -f)\n");
	}

	/* The callback and its user data are request.c's. */
	r->req.method = cfg->method;
	r->req.confirmable = !cfg->non_confirmable;
	r->req.path = r->path;
	if (r->payload != NULL) {
		int fmt = cfg->content_format;

		if (fmt == -1) {
			fmt = cfg->payload_text != NULL ? COAP_CONTENT_FORMAT_TEXT_PLAIN
							: COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
		}
		if (fmt == CLI_FORMAT_NONE) {
			r->req.no_content_format = true; /* RFC 7252 §5.10.3: none at all */
			fmt = 0;
		}
		r->req.fmt = (enum coap_content_format)fmt;
		r->req.payload = r->payload;
		r->req.len = r->payload_len;
	}
	r->req.options = r->opts;
	r->req.num_options = (uint8_t)n_opts;
	/* -T: the library uses it for the request itself, fresh tokens for continuations */
	memcpy(r->req.token, cfg->token, cfg->token_len);
	r->req.token_len = cfg->token_len;
	return CLI_EXIT_OK;
}

void cli_request_free(struct cli_request *r)
{
	free(r->payload);
	r->payload = NULL;
}
