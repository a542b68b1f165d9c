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
	struct coap_client_option extra[4 + CLI_MAX_USER_OPTIONS];
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
	for (size_t i = 0; i < cfg->n_user_opts; i++) {
		extra[n_extra++] = cfg->user_opts[i];
	}
	if (*n + n_extra > ZCOAP_CONFIG_MAX_EXTRA_OPTIONS) {
		fprintf(stderr,
			"zcoap: too many options: %zu needed (Uri-Host, raw "
			"Uri-Path/Uri-Query, "
			"Observe, Accept, Block2/Block1, -O) but this build sends at most %d\n",
			*n + n_extra, ZCOAP_CONFIG_MAX_EXTRA_OPTIONS);
		return CLI_EXIT_USAGE;
	}
	memcpy(r->opts + *n, extra, n_extra * sizeof(extra[0]));
	*n += n_extra;
	return CLI_EXIT_OK;
}

enum cli_exit cli_request_build(struct cli_request *r, const struct cli_config *cfg,
				const struct cli_uri *uri)
{
	char err[512];
	size_t n_opts = 0;
	bool uri_host_skipped = false;
	enum cli_exit status;
	int ret;

	memset(r, 0, sizeof(*r));

	/* Path and query: what the library can split itself, the rest as options. */
	ret = cli_uri_build_request(uri, !cfg->suppress_uri_host, r->path, sizeof(r->path), r->opts,
				    ZCOAP_CONFIG_MAX_EXTRA_OPTIONS, &n_opts, &uri_host_skipped, err,
				    sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "zcoap: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	if (uri_host_skipped && cfg->verbose > 0) {
		fprintf(stderr,
			"zcoap: Uri-Host not sent: \"%s\" is longer than the %d bytes an extra "
			"option may hold\n",
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
	if (r->payload == NULL && cfg->content_format >= 0) {
		fprintf(stderr, "zcoap: warning: -t has no effect without a payload (-e or -f)\n");
	}

	/* The callback and its user data are request.c's. */
	r->req.method = cfg->method;
	r->req.confirmable = !cfg->non_confirmable;
	r->req.path = r->path;
	if (r->payload != NULL) {
		int fmt = cfg->content_format;

		if (fmt < 0) {
			fmt = cfg->payload_text != NULL ? COAP_CONTENT_FORMAT_TEXT_PLAIN
							: COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
		}
		r->req.fmt = (enum coap_content_format)fmt;
		r->req.payload = r->payload;
		r->req.len = r->payload_len;
	}
	r->req.options = r->opts;
	r->req.num_options = (uint8_t)n_opts;
	return CLI_EXIT_OK;
}

void cli_request_free(struct cli_request *r)
{
	free(r->payload);
	r->payload = NULL;
}
