/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * dump.c -- one-line dumps of the datagrams the client sends and receives
 * (-v), the option names and value kinds the JSON output shares, and
 * cli_msg_parse(), which both use to locate the parts of a message.
 *
 * The trace hook sees raw datagrams, including malformed ones from the
 * network: they are checked by the library's own parser, coap_packet_parse(),
 * and their options walked with the public zcoap_option.h walker, so the
 * tool has no option decoder of its own (RFC 7252 §3, §3.1).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "zcoap_option.h"

int cli_msg_parse(const uint8_t *data, size_t len, struct cli_msg *msg)
{
	uint16_t payload_len;

	/*
	 * The library never sends or receives more than MAX_COAP_MSG_LEN
	 * bytes (its buffers are that size), so the copy always fits.
	 */
	if (data == NULL || len < COAP_FIXED_HEADER_SIZE || len > sizeof(msg->copy)) {
		return -EBADMSG;
	}
	memcpy(msg->copy, data, len);
	/*
	 * coap_packet_parse() refuses an Empty message with anything after its
	 * header (RFC 7252 §4.1), but the dump shows whatever came in: such a
	 * datagram is parsed under another code, which is put back afterwards.
	 */
	if (data[1] == COAP_CODE_EMPTY) {
		msg->copy[1] = COAP_METHOD_GET;
	}
	if (coap_packet_parse(&msg->pkt, msg->copy, (uint16_t)len, NULL, 0) < 0) {
		return -EBADMSG;
	}
	msg->copy[1] = data[1];
	msg->type = coap_header_get_type(&msg->pkt);
	msg->code = coap_header_get_code(&msg->pkt);
	msg->mid = coap_header_get_id(&msg->pkt);
	msg->tkl = coap_header_get_token(&msg->pkt, msg->token);
	msg->payload = coap_packet_get_payload(&msg->pkt, &payload_len);
	msg->payload_len = payload_len;
	return 0;
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

void cli_print_option(FILE *f, unsigned int num, const uint8_t *val, uint16_t len)
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
		v = zcoap_option_uint(val, len);
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
		v = zcoap_option_uint(val, len);
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
	struct zcoap_option_iter it;
	uint16_t num;
	const uint8_t *val;
	uint16_t vlen;
	bool first = true;
	const char *name;

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
	zcoap_option_iter_init(&it, &msg.pkt);
	while (zcoap_option_iter_next(&it, &num, &val, &vlen) > 0) {
		if (!first) {
			fputs(", ", stderr);
		}
		first = false;
		cli_print_option(stderr, num, val, vlen);
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

/*
 * The critical options the library understands in a response, with the
 * lengths it accepts (RFC 7252 §5.10, RFC 7959 §2.1): any other critical
 * option makes it reject the response (§5.4.1). Kept in step with the
 * library's own table (src/codec/option.c), which the tool cannot reach.
 */
static const struct {
	uint16_t num;
	uint16_t min_len;
	uint16_t max_len;
	bool repeatable;
} critical_rules[] = {
    {COAP_OPTION_IF_MATCH, 0, 8, true},        {COAP_OPTION_URI_HOST, 1, 255, false},
    {COAP_OPTION_IF_NONE_MATCH, 0, 0, false},  {COAP_OPTION_URI_PORT, 0, 2, false},
    {COAP_OPTION_URI_PATH, 0, 255, true},      {COAP_OPTION_URI_QUERY, 0, 255, true},
    {COAP_OPTION_ACCEPT, 0, 2, false},         {COAP_OPTION_BLOCK2, 0, 3, false},
    {COAP_OPTION_BLOCK1, 0, 3, false},         {COAP_OPTION_PROXY_URI, 1, 1034, false},
    {COAP_OPTION_PROXY_SCHEME, 1, 255, false},
};

int cli_msg_rejection(const struct cli_msg *msg, char *why, size_t size)
{
	struct zcoap_option_iter it;
	const uint8_t *val;
	uint16_t num;
	uint16_t len;
	uint16_t prev = 0;
	bool first = true;
	int r;

	switch (msg->code >> 5) {
	case 2:
	case 4:
	case 5:
		break;
	case 0:
		snprintf(why, size, "a request code, not a response (RFC 7252 §4.2)");
		return -EBADMSG;
	default:
		snprintf(why, size, "a code of the reserved class %u (RFC 7252 §12.1)",
			 msg->code >> 5);
		return -EBADMSG;
	}
	zcoap_option_iter_init(&it, &msg->pkt);
	while ((r = zcoap_option_iter_next(&it, &num, &val, &len)) > 0) {
		bool repeated = !first && num == prev;
		bool known = false;

		first = false;
		prev = num;
		if ((num & 1u) == 0) {
			continue; /* elective: never a reason to reject */
		}
		for (size_t i = 0; i < sizeof(critical_rules) / sizeof(critical_rules[0]); i++) {
			if (critical_rules[i].num != num) {
				continue;
			}
			known = true;
			if (len < critical_rules[i].min_len || len > critical_rules[i].max_len) {
				snprintf(why, size,
					 "critical option %s (%u) of %u bytes (RFC 7252 §5.4.1)",
					 cli_option_name(num), num, len);
				return -ENOTSUP;
			}
			if (repeated && !critical_rules[i].repeatable) {
				snprintf(why, size,
					 "critical option %s (%u) repeated (RFC 7252 §5.4.1)",
					 cli_option_name(num), num);
				return -ENOTSUP;
			}
		}
		if (!known) {
			snprintf(why, size, "unknown critical option %u (RFC 7252 §5.4.1)", num);
			return -ENOTSUP;
		}
	}
	if (r < 0) {
		snprintf(why, size, "malformed options");
		return -EBADMSG;
	}
	return 0;
}
