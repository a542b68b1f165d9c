/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dump.c -- one-line dumps of the datagrams the client sends and receives
 * (-v), and the small option walker that the JSON output shares.
 *
 * The trace hook sees raw datagrams, including malformed ones from the
 * network, so the walker checks every length against the end of the buffer
 * itself rather than trusting the input (RFC 7252 §3, §3.1).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_msg_parse(const uint8_t *data, size_t len, struct cli_msg *msg)
{
	struct cli_opt_iter it;
	unsigned int num;
	const uint8_t *val;
	size_t vlen;
	int ret;

	memset(msg, 0, sizeof(*msg));
	if (data == NULL || len < COAP_FIXED_HEADER_SIZE || (data[0] >> 6) != COAP_VERSION_1) {
		return -EBADMSG;
	}
	msg->type = (uint8_t)((data[0] >> 4) & 0x3);
	msg->tkl = (uint8_t)(data[0] & 0xF);
	msg->code = data[1];
	msg->mid = (uint16_t)((data[2] << 8) | data[3]);
	if (msg->tkl > COAP_TOKEN_MAX_LEN || len - COAP_FIXED_HEADER_SIZE < msg->tkl) {
		return -EBADMSG;
	}
	msg->token = data + COAP_FIXED_HEADER_SIZE;
	msg->opts.p = msg->token + msg->tkl;
	msg->opts.end = data + len;
	msg->opts.num = 0;

	/* Walk once to validate and to find the payload marker. */
	it = msg->opts;
	while ((ret = cli_opt_next(&it, &num, &val, &vlen)) > 0) {
	}
	if (ret < 0) {
		return ret;
	}
	if (it.p < it.end) {
		/* it.p is at the marker; a marker with nothing after it is malformed (§3). */
		if (it.end - it.p < 2) {
			return -EBADMSG;
		}
		msg->payload = it.p + 1;
		msg->payload_len = (size_t)(it.end - it.p - 1);
	}
	return 0;
}

/* Extended delta/length nibbles 13 and 14 (RFC 7252 §3.1); 15 is handled by the caller. */
static int ext_value(struct cli_opt_iter *it, unsigned int nibble, unsigned int *out)
{
	if (nibble < 13) {
		*out = nibble;
		return 0;
	}
	if (nibble == 13) {
		if (it->end - it->p < 1) {
			return -EBADMSG;
		}
		*out = 13u + it->p[0];
		it->p += 1;
		return 0;
	}
	if (it->end - it->p < 2) {
		return -EBADMSG;
	}
	*out = 269u + (((unsigned int)it->p[0] << 8) | it->p[1]);
	it->p += 2;
	return 0;
}

int cli_opt_next(struct cli_opt_iter *it, unsigned int *num, const uint8_t **val, size_t *len)
{
	unsigned int d;
	unsigned int l;
	uint8_t b;

	if (it->p >= it->end || it->p[0] == 0xFF) {
		return 0;
	}
	b = it->p[0];
	it->p++;
	if ((b >> 4) == 15 || (b & 0xF) == 15) {
		return -EBADMSG;
	}
	if (ext_value(it, b >> 4, &d) < 0 || ext_value(it, b & 0xF, &l) < 0) {
		return -EBADMSG;
	}
	if ((size_t)(it->end - it->p) < l || it->num + d > 65535) {
		return -EBADMSG;
	}
	it->num += d;
	*num = it->num;
	*val = it->p;
	*len = l;
	it->p += l;
	return 1;
}

static const struct {
	unsigned int num;
	const char *name;
	enum cli_opt_kind kind;
} option_table[] = {
    {COAP_OPTION_IF_MATCH, "If-Match", CLI_OPT_OPAQUE},
    {COAP_OPTION_URI_HOST, "Uri-Host", CLI_OPT_STRING},
    {COAP_OPTION_ETAG, "ETag", CLI_OPT_OPAQUE},
    {COAP_OPTION_IF_NONE_MATCH, "If-None-Match", CLI_OPT_EMPTY},
    {COAP_OPTION_OBSERVE, "Observe", CLI_OPT_UINT},
    {COAP_OPTION_URI_PORT, "Uri-Port", CLI_OPT_UINT},
    {COAP_OPTION_LOCATION_PATH, "Location-Path", CLI_OPT_STRING},
    {COAP_OPTION_OSCORE, "OSCORE", CLI_OPT_OPAQUE},
    {COAP_OPTION_URI_PATH, "Uri-Path", CLI_OPT_STRING},
    {COAP_OPTION_CONTENT_FORMAT, "Content-Format", CLI_OPT_UINT},
    {COAP_OPTION_MAX_AGE, "Max-Age", CLI_OPT_UINT},
    {COAP_OPTION_URI_QUERY, "Uri-Query", CLI_OPT_STRING},
    {COAP_OPTION_HOP_LIMIT, "Hop-Limit", CLI_OPT_UINT},
    {COAP_OPTION_ACCEPT, "Accept", CLI_OPT_UINT},
    {19, "Q-Block1", CLI_OPT_BLOCK},
    {COAP_OPTION_LOCATION_QUERY, "Location-Query", CLI_OPT_STRING},
    {21, "EDHOC", CLI_OPT_EMPTY},
    {COAP_OPTION_BLOCK2, "Block2", CLI_OPT_BLOCK},
    {COAP_OPTION_BLOCK1, "Block1", CLI_OPT_BLOCK},
    {COAP_OPTION_SIZE2, "Size2", CLI_OPT_UINT},
    {31, "Q-Block2", CLI_OPT_BLOCK},
    {COAP_OPTION_PROXY_URI, "Proxy-Uri", CLI_OPT_STRING},
    {COAP_OPTION_PROXY_SCHEME, "Proxy-Scheme", CLI_OPT_STRING},
    {COAP_OPTION_SIZE1, "Size1", CLI_OPT_UINT},
    {COAP_OPTION_ECHO, "Echo", CLI_OPT_OPAQUE},
    {COAP_OPTION_NO_RESPONSE, "No-Response", CLI_OPT_UINT},
    {COAP_OPTION_REQUEST_TAG, "Request-Tag", CLI_OPT_OPAQUE},
};

const char *cli_option_name(unsigned int num)
{
	for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
		if (option_table[i].num == num) {
			return option_table[i].name;
		}
	}
	return NULL;
}

enum cli_opt_kind cli_option_kind(unsigned int num)
{
	for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
		if (option_table[i].num == num) {
			return option_table[i].kind;
		}
	}
	return CLI_OPT_OPAQUE;
}

uint32_t cli_opt_uint(const uint8_t *val, size_t len)
{
	uint32_t v = 0;

	for (size_t i = 0; i < len; i++) {
		v = (v << 8) | val[i];
	}
	return v;
}

static const char *type_name(uint8_t type)
{
	static const char *const names[] = {"CON", "NON", "ACK", "RST"};

	return names[type & 3];
}

static void print_escaped(FILE *f, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"') {
			fputc(p[i], f);
		} else {
			fprintf(f, "\\x%02x", p[i]);
		}
	}
}

static void print_option(FILE *f, unsigned int num, const uint8_t *val, size_t len)
{
	const char *name = cli_option_name(num);
	enum cli_opt_kind kind = cli_option_kind(num);
	uint32_t v;

	if (name != NULL) {
		fprintf(f, "%s:", name);
	} else {
		fprintf(f, "%u:", num);
	}
	if (len > 4 && (kind == CLI_OPT_UINT || kind == CLI_OPT_BLOCK)) {
		kind = CLI_OPT_OPAQUE; /* not a valid uint: show the bytes */
	}
	switch (kind) {
	case CLI_OPT_STRING:
		fputc('"', f);
		print_escaped(f, val, len);
		fputc('"', f);
		break;
	case CLI_OPT_UINT:
		v = cli_opt_uint(val, len);
		if (num == COAP_OPTION_CONTENT_FORMAT || num == COAP_OPTION_ACCEPT) {
			const char *cf = cli_content_format_name(v);

			if (cf != NULL) {
				fprintf(f, "%s", cf);
				break;
			}
		}
		fprintf(f, "%u", v);
		break;
	case CLI_OPT_BLOCK:
		/* NUM/M/size as RFC 7959 §2.2 lays out the value */
		v = cli_opt_uint(val, len);
		if ((v & 7u) == 7u) {
			fprintf(f, "%u/%c/reserved", v >> 4, (v & 8u) ? 'M' : '_');
		} else {
			fprintf(f, "%u/%c/%u", v >> 4, (v & 8u) ? 'M' : '_', 16u << (v & 7u));
		}
		break;
	case CLI_OPT_EMPTY:
	case CLI_OPT_OPAQUE:
	default:
		if (len == 0) {
			fputs(kind == CLI_OPT_EMPTY ? "-" : "0x", f);
			break;
		}
		fputs("0x", f);
		for (size_t i = 0; i < len; i++) {
			fprintf(f, "%02x", val[i]);
		}
		break;
	}
}

void cli_dump_datagram(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	const int *verbose = user_data;
	struct cli_msg msg;
	unsigned int num;
	const uint8_t *val;
	size_t vlen;
	bool first = true;
	const char *name;
	int ret;

	/*
	 * This runs on the client thread with the client lock held: it only
	 * formats into stderr and never calls back into the library. One
	 * buffered line per datagram keeps lines from interleaving.
	 */
	flockfile(stderr);
	fprintf(stderr, "zcoap: %s ", outgoing ? ">" : "<");
	if (cli_msg_parse(data, len, &msg) < 0) {
		fprintf(stderr, "malformed datagram, %zu bytes\n", len);
		funlockfile(stderr);
		return;
	}
	fprintf(stderr, "%s %u.%02u", type_name(msg.type), msg.code >> 5, msg.code & 0x1Fu);
	name = (msg.code >> 5) == 0 ? cli_method_name(msg.code) : cli_code_reason(msg.code);
	if (msg.code == COAP_CODE_EMPTY) {
		name = "Empty";
	}
	if (name != NULL && name[0] != '\0') {
		fprintf(stderr, " %s", name);
	}
	fprintf(stderr, " mid=%u token=", msg.mid);
	if (msg.tkl == 0) {
		fputs("-", stderr);
	}
	for (uint8_t i = 0; i < msg.tkl; i++) {
		fprintf(stderr, "%02x", msg.token[i]);
	}
	fputs(" [", stderr);
	while ((ret = cli_opt_next(&msg.opts, &num, &val, &vlen)) > 0) {
		if (!first) {
			fputs(", ", stderr);
		}
		first = false;
		print_option(stderr, num, val, vlen);
	}
	fprintf(stderr, "] payload=%zu", msg.payload_len);
	if (verbose != NULL && *verbose >= 2 && msg.payload_len > 0) {
		size_t show = msg.payload_len > 64 ? 64 : msg.payload_len;

		fputs(" \"", stderr);
		print_escaped(stderr, msg.payload, show);
		fputs(show < msg.payload_len ? "\"..." : "\"", stderr);
	}
	fputc('\n', stderr);
	funlockfile(stderr);
}
