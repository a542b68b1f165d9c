/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_client.c -- libFuzzer target: the client engine's receive path, stateful.
 *
 * One input is a whole conversation. The engine (src/core/engine.h) gets
 * a fake transport and a fake clock, and seven requests in flight at once:
 * a CON GET, a NON GET (its server given in the v4-mapped IPv6 form
 * ::ffff:192.0.2.1, as on a dual-stack socket), a Block1 PUT (body larger than a message), a GET
 * that asks for small Block2 blocks, a CON Observe GET, a streaming POST
 * (payload_cb) on a connected socket, and a NON Observe FETCH to an IPv6
 * server; and the kinds of exchange of docs/design/exchanges.md: a CoAP
 * ping (an Empty CON), a NON POST with No-Response (2.xx suppressed), an
 * overall deadline, the application's own 3-byte token and no
 * Content-Format, and a NON GET to the IPv4 group 239.255.0.1 with a
 * multicast window. The input is then cut into records, each one of
 *
 *   - a datagram delivered to the engine (whole or marked truncated), from
 *     the server or from a foreign endpoint, optionally patched with the
 *     token and/or message ID the engine really used for request slot k, so
 *     that the fuzzer reaches the matching code without guessing 64 bits;
 *   - a clock advance (by an amount, or to the engine's next deadline);
 *   - an application action (cancel one / all, deregister, resubmit);
 *   - a scripted result for the next send (-EAGAIN, -EIO, ...) or a
 *     failure of the next payload_cb call;
 *   - the previous datagram again (duplicates, RFC 7252 §4.5);
 *   - an ICMP error reported for a socket (zc_engine_fail_socket()) or for one
 *     endpoint (zc_engine_fail_endpoint()).
 *
 * Layout: a config byte (bits 0-1 transmission parameters, 2-3 liveness of
 * the Observe GET -- bit 3 also a 300 ms instead of 2 s multicast window --, 4-5 first message ID,
 * 6 early Block2 for the Block2 GET, 7 a 500 ms separate-response timeout), an RNG seed byte, then
 * records led by an op byte (bit 7 also resubmits ended requests): op & 7 in 0..2  datagram: route
 * byte (bits 0-2 source, 3-5 slot k, 6 insert slot k's token -- its registration token with op bit
 * 4 --, 7 patch in slot k's MID), 16-bit length, bytes; op bit 3 marks it truncated, op bit 5 adds
 * 8 to k (the slots past the eighth); 3               advance the clock by a 16-bit number of ms
 * and tick; 4               jump to the next deadline (+ op >> 3 ms) and tick; 5 action byte:
 * cancel one, cancel all, deregister, resubmit; 6               script byte: result of the next
 * send, payload_cb failure; 7               the previous datagram again; with op bit 3 instead an
 *                   ICMP error: byte bit 0 the socket, bits 1-2 the errno.
 * Sources (route bits 0-2): 0 the server, 1 the server as ::ffff:192.0.2.1
 * (a dual-stack socket's view of it), 2 its address with another port, 3
 * another host, 4 the IPv6 server, 5 it with another scope id, 6 a
 * connected socket without source, 7 a connected socket naming its peer.
 * fuzz/gen_client_corpus.py writes the hand-made seeds in this layout.
 *
 * Requests that end are submitted again (bounded), so the state stays
 * interesting. At the end the server falls silent and the clock runs on
 * until every request that can end by itself has ended.
 *
 * After every engine call the queued events are drained and checked, and
 * every datagram the engine sends is checked as it is sent:
 *   - each request gets exactly one final event, nothing after it, and no
 *     request silently loses its slot; error events have offset 0, no
 *     payload, last_block;
 *   - payload pointers lie inside the datagram just delivered; offsets
 *     continue exactly where the previous chunk ended (RFC 7959);
 *   - a datagram from an endpoint changes no request bound to another
 *     endpoint (RFC 7252 §5.3.2) and produces no event for it; an IPv4
 *     endpoint and its v4-mapped form are the same endpoint; the one
 *     exception is the multicast request, which any endpoint on its socket
 *     may answer (RFC 7252 §8.2), each answer a whole response at offset 0
 *     with last_block false, never ACKed or reset;
 *   - a final event with result 0 and no packet only ends the No-Response
 *     request or the multicast window;
 *   - a truncated datagram is never delivered, and one that is not a
 *     response (class other than 2, 4, 5) changes no request at all;
 *   - an ICMP error ends exactly the requests on its socket, sends nothing;
 *   - per datagram at most one Empty ACK/RST (4 bytes, the datagram's MID,
 *     to its source, never for an ACK or RST, ACK only for a CON) and at
 *     most one new request; requests go only to their own server, carry an
 *     8-byte token (the library's), the application's own or none (a ping:
 *     an Empty CON, 4 bytes) and parse; no message ID is sent more than
 *     1 + MAX_RETRANSMIT times (RFC 7252 §4.2);
 *   - a cancel sends nothing but, for an observation, a NON deregistration;
 *   - after a tick the next deadline lies in the future, and every request
 *     that is waiting for something has a deadline.
 * A broken invariant prints the condition and aborts.
 *
 * Message IDs: coap_next_id() is replaced here by a counter that restarts
 * for every input (the library's one starts at a random value), so that an
 * input always does the same thing. The engine's random bytes come from a
 * seeded xorshift generator for the same reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/engine.h"
#include "coap.h"
#include "coap_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Socket numbers handed to the engine (never real descriptors here). */
#define SOCK_UNCONN 3 /* unconnected: every request names its server */
#define SOCK_CONN   4 /* "connected": requests pass no address */

#define BODY_PUT     3000U /* > ZCOAP_CONFIG_MESSAGE_SIZE: goes out block-wise */
#define BODY_STREAM  2500U
#define MAX_SUBMITS  48 /* submissions per input, first round included */
#define SILENT_STEPS 256

enum req_id {
	R_CON,
	R_NON,
	R_PUT1,
	R_GET2,
	R_OBS,
	R_STREAM,
	R_OBS6,
	R_PING,   /* a CoAP ping (RFC 7252 §4.3) */
	R_NORESP, /* NON POST, No-Response 2.xx, deadline, own token, no Content-Format */
	R_MCAST,  /* NON GET to a group, with a multicast window (RFC 7252 §8) */
	NREQ
};

/* R_NORESP's own token (coap_client_request.token). */
static const uint8_t user_token[3] = {'n', 'r', '!'};

struct app {
	struct coap_client_request req;
	struct coap_client_option opts[2];
	const struct sockaddr *dst;
	socklen_t dstlen;
	int sock;
	bool observe;
	bool upload;
	bool quiet_end; /* may end with (0, no packet): No-Response, multicast window */
	size_t body_len;
	/* the request in flight */
	bool active;
	uint32_t serial;
	size_t prev_end; /* offset + len of its last chunk */
};

enum step_kind { STEP_OTHER, STEP_SUBMIT, STEP_RECEIVE, STEP_TICK, STEP_DEREGISTER, STEP_CANCEL };

/* The errno of an ICMP error record (what IP_RECVERR reports, docs/errors.md). */
static const int icmp_errors[4] = {-ECONNREFUSED, -EHOSTUNREACH, -ENETUNREACH, -EIO};

/* What the engine is doing right now, for the checks in fake_send() and drain(). */
struct step {
	enum step_kind kind;
	int sock;
	const struct sockaddr *src;
	socklen_t srclen;
	const uint8_t *rx;
	size_t rxlen;
	bool rx_truncated;
	uint8_t rx_type;
	uint8_t rx_code;
	uint16_t rx_mid;
	bool rx_has_header;
	bool rx_multicast;     /* its token is R_MCAST's (the only one with that token) */
	unsigned int replies;  /* Empty ACK/RST sent */
	unsigned int requests; /* requests sent */
};

static struct {
	struct zcoap_engine eng;
	struct zc_engine_io io;
	int64_t now;
	uint32_t rng;
	uint16_t next_mid;
	struct app apps[NREQ];
	struct coap_transmission_parameters params;
	bool use_params;
	unsigned int submits;  /* submission attempts */
	unsigned int accepted; /* submissions that returned 0 */
	unsigned int finals;   /* final events */
	struct step st;
	int script;        /* result of the next send; 0 = none */
	bool fail_payload; /* the next payload_cb call fails */
	uint8_t mid_sends[65536];
	uint8_t rx[MAX_COAP_MSG_LEN];
	uint8_t last_dgram[MAX_COAP_MSG_LEN];
	size_t last_len;
	uint8_t last_route;
	bool last_truncated;
	bool have_last;
	unsigned int deliveries; /* datagrams delivered: odd ones go the client loop's way */
	struct zcoap_slot snap[ZCOAP_CONFIG_MAX_REQUESTS];
} F;

/* ZCOAP_FUZZ_TRACE=1 prints every send and event (to study what an input does). */
static bool trace;

static uint8_t body_put[BODY_PUT];
static uint8_t body_stream[BODY_STREAM];
static const uint8_t fetch_body[] = {'q', '=', '1'};

static struct sockaddr_in server4;
static struct sockaddr_in6 server4m;     /* the server as ::ffff:192.0.2.1 (dual-stack view) */
static struct sockaddr_in foreign_port4; /* the server's address, another port */
static struct sockaddr_in foreign_addr4; /* another host, the server's port */
static struct sockaddr_in6 server6;
static struct sockaddr_in6 foreign_scope6; /* the server's address with another scope id */
static struct sockaddr_in group4;          /* R_MCAST's group */

/* ---- deterministic replacements ------------------------------------------ */

uint16_t coap_next_id(void)
{
	return F.next_mid++;
}

static _Thread_local uint8_t fuzz_token[COAP_TOKEN_MAX_LEN];

uint8_t *coap_next_token(void)
{
	/* Not used by the engine (it asks io->random); kept so that ids.c is not needed. */
	memset(fuzz_token, 0x5a, sizeof(fuzz_token));
	return fuzz_token;
}

static uint32_t xorshift(void)
{
	uint32_t x = F.rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	F.rng = x;
	return x;
}

static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		buf[i] = (uint8_t)(xorshift() >> 24);
	}
}

/* ---- addresses ------------------------------------------------------------ */

static void init_addresses(void)
{
	memset(&server4, 0, sizeof(server4));
	server4.sin_family = AF_INET;
	server4.sin_port = htons(5683);
	inet_pton(AF_INET, "192.0.2.1", &server4.sin_addr);
	foreign_port4 = server4;
	foreign_port4.sin_port = htons(5684);
	foreign_addr4 = server4;
	inet_pton(AF_INET, "198.51.100.7", &foreign_addr4.sin_addr);
	memset(&server4m, 0, sizeof(server4m));
	server4m.sin6_family = AF_INET6;
	server4m.sin6_port = htons(5683);
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &server4m.sin6_addr);
	memset(&server6, 0, sizeof(server6));
	server6.sin6_family = AF_INET6;
	server6.sin6_port = htons(5683);
	inet_pton(AF_INET6, "2001:db8::1", &server6.sin6_addr);
	foreign_scope6 = server6;
	foreign_scope6.sin6_scope_id = 2;
	group4 = server4;
	inet_pton(AF_INET, "239.255.0.1", &group4.sin_addr);
}

static bool addr_equal(const struct sockaddr *a, socklen_t alen, const struct sockaddr *b,
		       socklen_t blen)
{
	return a != NULL && b != NULL && alen == blen && alen > 0 && memcmp(a, b, alen) == 0;
}

/* @p a with a v4-mapped IPv6 address written as the plain IPv4 one, into @p out. */
static socklen_t unmap(const struct sockaddr *a, socklen_t alen, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;
	struct sockaddr_in *y = (struct sockaddr_in *)(void *)out;

	memset(out, 0, sizeof(*out));
	if (a->sa_family == AF_INET6 && alen == (socklen_t)sizeof(*x) &&
	    IN6_IS_ADDR_V4MAPPED(&x->sin6_addr)) {
		y->sin_family = AF_INET;
		y->sin_port = x->sin6_port;
		memcpy(&y->sin_addr, &x->sin6_addr.s6_addr[12], 4);
		return (socklen_t)sizeof(*y);
	}
	memcpy(out, a, alen);
	return alen;
}

/* The same endpoint: equal, or equal once v4-mapped addresses are unmapped. */
static bool same_endpoint(const struct sockaddr *a, socklen_t alen, const struct sockaddr *b,
			  socklen_t blen)
{
	struct sockaddr_storage x;
	struct sockaddr_storage y;
	socklen_t xl;
	socklen_t yl;

	if (a == NULL || b == NULL || alen == 0 || blen == 0 || alen > (socklen_t)sizeof(x) ||
	    blen > (socklen_t)sizeof(y)) {
		return false;
	}
	xl = unmap(a, alen, &x);
	yl = unmap(b, blen, &y);
	return addr_equal((const struct sockaddr *)&x, xl, (const struct sockaddr *)&y, yl);
}

/* ---- the fake transport -------------------------------------------------- */

static int fake_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		     const uint8_t *buf, size_t len)
{
	struct step *st = &F.st;
	uint8_t copy[MAX_COAP_MSG_LEN];
	struct coap_packet pkt;
	uint8_t type;
	int res = F.script;

	(void)ctx;
	F.script = 0;
	CHECK(buf != NULL && len >= 4 && len <= MAX_COAP_MSG_LEN);
	if (trace) {
		fprintf(stderr,
			"  t=%lld send sock %d: %zu bytes type %u code %u.%02u mid %u -> %d\n",
			(long long)F.now, sock, len, (buf[0] >> 4) & 3U, buf[1] >> 5, buf[1] & 31U,
			(unsigned int)((buf[2] << 8) | buf[3]), res);
	}
	CHECK(sock == SOCK_UNCONN || sock == SOCK_CONN);
	memcpy(copy, buf, len);
	CHECK(coap_packet_parse(&pkt, copy, (uint16_t)len, NULL, 0) == 0);
	type = (uint8_t)((buf[0] >> 4) & 3U);

	if (buf[1] == COAP_CODE_EMPTY && type == COAP_TYPE_CON) {
		/* A ping (R_PING): an Empty CON, no token, to its server (RFC 7252 §4.3). */
		uint16_t mid = (uint16_t)((buf[2] << 8) | buf[3]);

		CHECK(len == 4 && (buf[0] & 0x0F) == 0);
		CHECK(
		    sock == SOCK_UNCONN &&
		    addr_equal(addr, addrlen, (const struct sockaddr *)&server4, sizeof(server4)));
		CHECK(st->kind == STEP_SUBMIT || st->kind == STEP_TICK);
		st->requests++;
		CHECK(st->kind != STEP_SUBMIT || st->requests <= 1);
		if (res == 0) {
			F.mid_sends[mid]++;
			CHECK(F.mid_sends[mid] <=
			      1U + (F.use_params ? F.params.max_retransmission : 4U));
		}
	} else if (buf[1] == COAP_CODE_EMPTY) {
		/* An Empty ACK or RST answers the datagram being processed (RFC 7252 §4.2). */
		CHECK(len == 4 && (buf[0] & 0x0F) == 0);
		CHECK(type == COAP_TYPE_ACK || type == COAP_TYPE_RESET);
		CHECK(st->kind == STEP_RECEIVE && st->rx_has_header);
		/* The members of a group are never ACKed or reset (RFC 7252 §8.2). */
		CHECK(!st->rx_multicast);
		CHECK(sock == st->sock);
		CHECK(((uint16_t)(buf[2] << 8) | buf[3]) == st->rx_mid);
		/* Never answer an ACK or a RST; only a CON is acknowledged. */
		CHECK(st->rx_type == COAP_TYPE_CON || st->rx_type == COAP_TYPE_NON_CON);
		CHECK(type != COAP_TYPE_ACK || st->rx_type == COAP_TYPE_CON);
		if (st->srclen > 0) {
			CHECK(addr_equal(addr, addrlen, st->src, st->srclen));
		} else {
			CHECK(sock == SOCK_CONN && addr == NULL);
		}
		st->replies++;
		CHECK(st->replies <= 1);
	} else {
		uint16_t mid = (uint16_t)((buf[2] << 8) | buf[3]);

		/* A request, to the request's own server, with an 8-byte token or R_NORESP's. */
		CHECK(type == COAP_TYPE_CON || type == COAP_TYPE_NON_CON);
		CHECK(buf[1] >= COAP_METHOD_GET && buf[1] <= COAP_METHOD_IPATCH);
		CHECK((buf[0] & 0x0F) == 8 ||
		      ((buf[0] & 0x0F) == sizeof(user_token) &&
		       memcmp(buf + 4, user_token, sizeof(user_token)) == 0));
		if (sock == SOCK_UNCONN) {
			CHECK(addr_equal(addr, addrlen, (const struct sockaddr *)&server4,
					 sizeof(server4)) ||
			      addr_equal(addr, addrlen, (const struct sockaddr *)&server4m,
					 sizeof(server4m)) ||
			      addr_equal(addr, addrlen, (const struct sockaddr *)&server6,
					 sizeof(server6)) ||
			      addr_equal(addr, addrlen, (const struct sockaddr *)&group4,
					 sizeof(group4)));
		} else {
			CHECK(addr == NULL && addrlen == 0);
		}
		CHECK(st->kind != STEP_OTHER);
		/* A cancelled observation may only tell the server with a NON (RFC 7641 §3.6). */
		CHECK(st->kind != STEP_CANCEL || type == COAP_TYPE_NON_CON);
		st->requests++;
		if (st->kind == STEP_RECEIVE || st->kind == STEP_SUBMIT) {
			/* At most one new request per datagram or submission. */
			CHECK(st->requests <= 1);
		} else {
			CHECK(st->requests <= ZCOAP_CONFIG_MAX_REQUESTS);
		}
		if (res == 0) {
			/* RFC 7252 §4.2: at most MAX_RETRANSMIT retransmissions of one message. */
			F.mid_sends[mid]++;
			CHECK(F.mid_sends[mid] <=
			      1U + (F.use_params ? F.params.max_retransmission : 4U));
		}
	}
	return res;
}

/* ---- requests -------------------------------------------------------------- */

static void fuzz_cb(int16_t result_code, size_t offset, const uint8_t *payload, size_t len,
		    bool last_block, void *user_data)
{
	/* The engine never calls the application itself; it only queues events. */
	(void)result_code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	CHECK(0);
}

static int stream_cb(size_t offset, const uint8_t **payload, size_t *len, bool *last_block,
		     void *user_data)
{
	size_t n = *len;

	CHECK(user_data == &F.apps[R_STREAM]);
	CHECK(offset <= BODY_STREAM);
	CHECK(n >= 16 && n <= 1024 && (n & (n - 1)) == 0);
	if (F.fail_payload) {
		F.fail_payload = false;
		return -EIO;
	}
	if (n > BODY_STREAM - offset) {
		n = BODY_STREAM - offset;
	}
	*payload = body_stream + offset;
	*len = n;
	*last_block = offset + n >= BODY_STREAM;
	return 0;
}

static void setup_apps(uint8_t cfg)
{
	static const enum zcoap_observe_liveness liveness[4] = {
	    ZCOAP_OBSERVE_REREGISTER, ZCOAP_OBSERVE_FAIL, ZCOAP_OBSERVE_WAIT,
	    ZCOAP_OBSERVE_REREGISTER};
	struct app *a;

	memset(F.apps, 0, sizeof(F.apps));
	for (int i = 0; i < NREQ; i++) {
		a = &F.apps[i];
		a->req.method = COAP_METHOD_GET;
		a->req.confirmable = true;
		a->req.fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN;
		a->req.cb = fuzz_cb;
		a->req.user_data = a;
		a->req.options = a->opts;
		a->sock = SOCK_UNCONN;
		a->dst = (const struct sockaddr *)&server4;
		a->dstlen = sizeof(server4);
	}
	F.apps[R_CON].req.path = "con";
	F.apps[R_NON].req.path = "non?x=1";
	F.apps[R_NON].req.confirmable = false;
	/* A dual-stack socket may be given the IPv4 server in its v4-mapped form. */
	F.apps[R_NON].dst = (const struct sockaddr *)&server4m;
	F.apps[R_NON].dstlen = sizeof(server4m);

	a = &F.apps[R_PUT1];
	a->req.path = "up";
	a->req.method = COAP_METHOD_PUT;
	a->req.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	a->req.payload = body_put;
	a->req.len = BODY_PUT;
	a->upload = true;
	a->body_len = BODY_PUT;

	a = &F.apps[R_GET2];
	a->req.path = "big";
	if (cfg & 0x40) {
		/* Early Block2 negotiation: 64-byte blocks (RFC 7959 §2.4). */
		a->opts[0].code = COAP_OPTION_BLOCK2;
		a->opts[0].len = 1;
		a->opts[0].value[0] = 0x02;
		a->req.num_options = 1;
	}

	a = &F.apps[R_OBS];
	a->req.path = "obs";
	a->opts[0].code = COAP_OPTION_OBSERVE;
	a->opts[0].len = 1;
	a->opts[0].value[0] = 0;
	a->req.num_options = 1;
	a->req.observe_liveness = liveness[(cfg >> 2) & 3];
	a->observe = true;

	a = &F.apps[R_STREAM];
	a->req.path = "stream";
	a->req.method = COAP_METHOD_POST;
	a->req.fmt = COAP_CONTENT_FORMAT_APP_CBOR;
	a->req.payload_cb = stream_cb;
	a->sock = SOCK_CONN;
	a->dst = NULL;
	a->dstlen = 0;
	a->upload = true;
	a->body_len = BODY_STREAM;

	a = &F.apps[R_OBS6];
	a->req.path = "obs6";
	a->req.method = COAP_METHOD_FETCH;
	a->req.confirmable = false;
	a->req.payload = fetch_body;
	a->req.len = sizeof(fetch_body);
	a->opts[0].code = COAP_OPTION_OBSERVE;
	a->opts[0].len = 0;
	a->req.num_options = 1;
	a->observe = true;
	a->dst = (const struct sockaddr *)&server6;
	a->dstlen = sizeof(server6);

	a = &F.apps[R_PING];
	a->req.method = (enum coap_method)COAP_CODE_EMPTY;
	a->req.path = "";
	a->req.options = NULL;

	a = &F.apps[R_NORESP];
	a->req.path = "quiet";
	a->req.method = COAP_METHOD_POST;
	a->req.confirmable = false;
	a->req.payload = fetch_body;
	a->req.len = sizeof(fetch_body);
	a->req.no_content_format = true;
	memcpy(a->req.token, user_token, sizeof(user_token));
	a->req.token_len = sizeof(user_token);
	a->req.deadline_ms = 3000;
	a->opts[0].code = COAP_OPTION_NO_RESPONSE;
	a->opts[0].len = 1;
	a->opts[0].value[0] = COAP_NO_RESPONSE_SUPPRESS_2_XX;
	a->req.num_options = 1;
	a->quiet_end = true;

	a = &F.apps[R_MCAST];
	a->req.path = ".well-known/core";
	a->req.confirmable = false;
	a->req.multicast_timeout_ms = (cfg & 0x08) ? 300 : 2000;
	a->dst = (const struct sockaddr *)&group4;
	a->dstlen = sizeof(group4);
	a->quiet_end = true;
}

static struct zcoap_slot *slot_of(const struct app *a)
{
	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		struct zcoap_slot *s = &F.eng.slots[i];

		if (s->phase != ZCOAP_PHASE_FREE && s->serial == a->serial) {
			return s;
		}
	}
	return NULL;
}

/* ---- events ------------------------------------------------------------------ */

static bool known_error(int code)
{
	switch (code) {
	case -ETIMEDOUT:
	case -ECONNRESET:
	case -ECANCELED:
	case -EBADMSG:
	case -EMSGSIZE:
	case -EOVERFLOW:    /* a body past block 2^20 (RFC 7959 §2.2) */
	case -ECONNREFUSED: /* ICMP error records */
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -EIO:     /* scripted send failure, payload_cb failure */
	case -ENOBUFS: /* scripted */
	case -EAGAIN:  /* scripted */
		return true;
	default:
		return false;
	}
}

static void check_offset(struct app *a, const struct zcoap_event *ev)
{
	if (a->observe) {
		/* Each notification body starts at 0; a newer one may cut an older one short. */
		CHECK(ev->offset == 0 || ev->offset == a->prev_end);
	} else if (a->upload) {
		/* Block1 progress reports bytes sent; the response body then counts from 0. */
		CHECK(ev->offset <= a->body_len || ev->offset == a->prev_end);
	} else {
		/* Every byte exactly once and in order (RFC 7959 §2.2). */
		CHECK(ev->offset == a->prev_end);
	}
	a->prev_end = ev->last_block ? 0 : ev->offset + ev->len;
}

static void drain(void)
{
	struct zcoap_engine *eng = &F.eng;
	unsigned int n = eng->n_events;

	CHECK(n <= sizeof(eng->events) / sizeof(eng->events[0]));
	for (unsigned int i = 0; i < n; i++) {
		const struct zcoap_event *ev = &eng->events[i];
		struct app *a = ev->user_data;
		bool live = zc_engine_event_live(eng, ev);

		if (trace) {
			fprintf(stderr,
				"  t=%lld event req %d code %d offset %zu len %zu last %d final %d "
				"live %d\n",
				(long long)F.now, (int)(a - F.apps), ev->code, ev->offset, ev->len,
				ev->last_block, ev->final, live);
		}
		CHECK(ev->cb == fuzz_cb);
		CHECK(a >= F.apps && a < F.apps + NREQ);
		CHECK(a->active && ev->serial == a->serial);
		CHECK(ev->slot < ZCOAP_CONFIG_MAX_REQUESTS);
		CHECK((ev->payload == NULL) == (ev->len == 0));
		if (ev->final) {
			CHECK(ev->last_block);
			CHECK(live);
			CHECK(eng->slots[ev->slot].serial != ev->serial);
		} else if (!live) {
			/* Dropped by the client thread: the request must end in this batch. */
			bool ends = false;

			for (unsigned int j = i + 1; j < n; j++) {
				ends |= eng->events[j].serial == ev->serial && eng->events[j].final;
			}
			CHECK(ends);
			continue;
		}
		if (ev->code < 0) {
			CHECK(ev->final && ev->offset == 0 && ev->payload == NULL && ev->len == 0);
			CHECK(!ev->has_packet);
			CHECK(known_error(ev->code));
		} else if (!ev->has_packet) {
			/* No-Response's silence, or the end of a multicast window. */
			CHECK(ev->code == 0 && a->quiet_end);
			CHECK(ev->final && ev->offset == 0 && ev->payload == NULL && ev->len == 0);
		} else {
			struct zcoap_response_info info;

			/* A response: only from a whole datagram, and with that datagram's code. */
			CHECK(F.st.kind == STEP_RECEIVE && ev->has_packet && !F.st.rx_truncated);
			CHECK(ev->code == F.st.rx_code);
			if (ev->payload != NULL) {
				CHECK(ev->payload >= F.st.rx &&
				      ev->payload + ev->len <= F.st.rx + F.st.rxlen);
			}
			zc_engine_response_info(eng, &info);
			CHECK(info.packet == &eng->rx);
			CHECK(info.source_len == F.st.srclen);
			if (a == &F.apps[R_MCAST]) {
				/* Each member's answer is whole (block-wise ones are dropped). */
				CHECK(ev->offset == 0 && !ev->last_block && !ev->final);
			} else {
				check_offset(a, ev);
			}
		}
		if (ev->final) {
			a->active = false;
			a->serial = 0;
			F.finals++;
		}
	}
	eng->n_events = 0;

	/* No request loses its slot without a final event, and no slot is orphaned. */
	for (int i = 0; i < NREQ; i++) {
		if (F.apps[i].active) {
			struct zcoap_slot *s = slot_of(&F.apps[i]);

			CHECK(s != NULL && s->user_data == &F.apps[i]);
			if (s->msg == ZCOAP_MSG_WAIT_ACK || s->msg == ZCOAP_MSG_WAIT_RESPONSE) {
				/* Waiting for something: there must be a timer that ends it. */
				CHECK(s->deadline != ZC_NO_DEADLINE);
			}
		}
	}
	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		const struct zcoap_slot *s = &F.eng.slots[i];

		if (s->phase != ZCOAP_PHASE_FREE) {
			const struct app *a = s->user_data;

			CHECK(a >= F.apps && a < F.apps + NREQ && a->active &&
			      a->serial == s->serial);
		}
	}
}

static void begin(enum step_kind kind)
{
	/* Every phase change so far followed the table of docs/design/state-machine.md. */
	CHECK(F.eng.illegal_transitions == 0);
	memset(&F.st, 0, sizeof(F.st));
	F.st.kind = kind;
}

/* ---- engine calls -------------------------------------------------------------- */

static void submit(struct app *a)
{
	int r;

	if (a->active || F.submits >= MAX_SUBMITS) {
		return;
	}
	F.submits++;
	begin(STEP_SUBMIT);
	r = zc_engine_submit(&F.eng, F.now, a->sock, a->dst, a->dstlen, &a->req,
			     F.use_params ? &F.params : NULL);
	CHECK(F.eng.n_events == 0);
	if (r == 0) {
		struct zcoap_slot *s = NULL;

		CHECK(F.st.requests == 1);
		for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
			if (F.eng.slots[i].phase != ZCOAP_PHASE_FREE &&
			    F.eng.slots[i].user_data == a) {
				CHECK(s == NULL);
				s = &F.eng.slots[i];
			}
		}
		CHECK(s != NULL && s->serial != 0);
		a->active = true;
		a->serial = s->serial;
		F.accepted++;
		a->prev_end = 0;
	} else {
		CHECK(r == -EIO || r == -EAGAIN || r == -ENOBUFS);
	}
	begin(STEP_OTHER);
	drain();
}

static void resubmit_all(void)
{
	for (int i = 0; i < NREQ; i++) {
		submit(&F.apps[i]);
	}
}

static void tick(void)
{
	begin(STEP_TICK);
	zc_engine_tick(&F.eng, F.now);
	drain();
	/* Every deadline up to now was handled: no busy loop in the client thread. */
	CHECK(zc_engine_next_deadline(&F.eng) > F.now);
	begin(STEP_OTHER);
}

/* The endpoints a datagram can come from. */
static void route_source(uint8_t route, int *sock, const struct sockaddr **src, socklen_t *srclen)
{
	*sock = SOCK_UNCONN;
	switch (route & 7U) {
	case 0:
		*src = (const struct sockaddr *)&server4;
		*srclen = sizeof(server4);
		break;
	case 1:
		/* The server as a dual-stack socket reports it (::ffff:192.0.2.1). */
		*src = (const struct sockaddr *)&server4m;
		*srclen = sizeof(server4m);
		break;
	case 2:
		*src = (const struct sockaddr *)&foreign_port4;
		*srclen = sizeof(foreign_port4);
		break;
	case 3:
		*src = (const struct sockaddr *)&foreign_addr4;
		*srclen = sizeof(foreign_addr4);
		break;
	case 4:
		*src = (const struct sockaddr *)&server6;
		*srclen = sizeof(server6);
		break;
	case 5:
		*src = (const struct sockaddr *)&foreign_scope6;
		*srclen = sizeof(foreign_scope6);
		break;
	case 6:
		/* A connected socket; the transport reports no source. */
		*sock = SOCK_CONN;
		*src = NULL;
		*srclen = 0;
		break;
	default:
		/* A connected socket reporting its peer. */
		*sock = SOCK_CONN;
		*src = (const struct sockaddr *)&server4;
		*srclen = sizeof(server4);
		break;
	}
}

/* Whether a datagram from (sock, src) may touch slot @p s (RFC 7252 §5.3.2). */
static bool may_touch(const struct zcoap_slot *s, int sock, const struct sockaddr *src,
		      socklen_t srclen)
{
	if (s->phase == ZCOAP_PHASE_FREE) {
		return true; /* nothing to protect */
	}
	if (s->sock != sock) {
		return false;
	}
	if (s->addrlen == 0 || srclen == 0 || s->multicast) {
		return true;
	}
	return same_endpoint((const struct sockaddr *)&s->addr, s->addrlen, src, srclen);
}

static void deliver(const uint8_t *bytes, size_t len, uint8_t route, bool truncated)
{
	int sock;
	const struct sockaddr *src;
	socklen_t srclen;

	route_source(route, &sock, &src, &srclen);
	CHECK(len <= sizeof(F.rx));
	if (trace) {
		fprintf(stderr, "t=%lld receive sock %d route %u: %zu bytes%s\n", (long long)F.now,
			sock, route & 7U, len, truncated ? " (truncated)" : "");
	}
	/* A fresh buffer each time, poisoned after the datagram (stale pointers show). */
	memset(F.rx, 0xEE, sizeof(F.rx));
	memcpy(F.rx, bytes, len);
	memcpy(F.snap, F.eng.slots, sizeof(F.snap));

	begin(STEP_RECEIVE);
	F.st.sock = sock;
	F.st.src = src;
	F.st.srclen = srclen;
	F.st.rx = F.rx;
	F.st.rxlen = len;
	F.st.rx_truncated = truncated;
	if (len >= 4) {
		F.st.rx_has_header = true;
		F.st.rx_type = (uint8_t)((F.rx[0] >> 4) & 3U);
		F.st.rx_code = F.rx[1];
		F.st.rx_mid = (uint16_t)((F.rx[2] << 8) | F.rx[3]);
	}
	{
		const struct zcoap_slot *mc = slot_of(&F.apps[R_MCAST]);
		size_t tkl = len >= 1 ? (size_t)(F.rx[0] & 0x0F) : 0;

		/* a response (class 2, 4, 5) with R_MCAST's token, on its socket */
		F.st.rx_multicast =
		    mc != NULL && F.apps[R_MCAST].active && len >= 4 + tkl && (F.rx[1] >> 5) >= 2 &&
		    (F.rx[1] >> 5) != 3 && (F.rx[1] >> 5) <= 5 && tkl == mc->tkl &&
		    memcmp(F.rx + 4, mc->token, tkl) == 0 && sock == mc->sock && srclen > 0;
	}
	/*
	 * Every other datagram as the client's loop delivers it: the clock-free
	 * zc_engine_receive_plain() first, zc_engine_receive() when it declines;
	 * the others straight to zc_engine_receive() (its own fast path).
	 */
	if ((F.deliveries++ & 1U) == 0 ||
	    !zc_engine_receive_plain(&F.eng, sock, src, srclen, F.rx, len, truncated)) {
		zc_engine_receive(&F.eng, F.now, sock, src, srclen, F.rx, len, truncated);
	}

	/* Requests bound to another endpoint are untouched and get no event. */
	for (unsigned int i = 0; i < F.eng.n_events; i++) {
		CHECK(may_touch(&F.snap[F.eng.events[i].slot], sock, src, srclen));
	}
	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		if (!may_touch(&F.snap[i], sock, src, srclen)) {
			CHECK(memcmp(&F.snap[i], &F.eng.slots[i], sizeof(F.snap[i])) == 0);
		}
	}
	if (truncated && len >= 4) {
		unsigned int cls = F.rx[1] >> 5;

		/* RFC 7252 §4.2, §5.9: only a response may act on a request, cut short or not. */
		if (cls != 2 && cls != 4 && cls != 5) {
			CHECK(F.eng.n_events == 0);
			CHECK(memcmp(F.snap, F.eng.slots, sizeof(F.snap)) == 0);
		}
	}
	drain();
	begin(STEP_OTHER);
}

/* ---- the input ------------------------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct reader *r)
{
	uint8_t v = 0;

	if (r->n > 0) {
		v = *r->p++;
		r->n--;
	}
	return v;
}

static uint16_t take16(struct reader *r)
{
	uint16_t hi = take8(r);

	return (uint16_t)((hi << 8) | take8(r));
}

/*
 * A datagram record: route byte, 16-bit length, bytes. Route bits 0-2 pick
 * the source, bits 3-5 a slot k, bit 6 inserts slot k's token after the
 * 4-byte header (TKL set to its length; the observation's registration
 * token when @p reg_token), bit 7 patches in slot k's message ID.
 */
static void record_datagram(struct reader *r, bool truncated, bool reg_token, bool high_slot)
{
	uint8_t route = take8(r);
	size_t want = take16(r) % (MAX_COAP_MSG_LEN + 1U);
	uint8_t dgram[MAX_COAP_MSG_LEN + 8];
	size_t len = want < r->n ? want : r->n;
	const struct zcoap_slot *s =
	    &F.eng.slots[(((route >> 3) & 7U) + (high_slot ? 8U : 0U)) % ZCOAP_CONFIG_MAX_REQUESTS];
	bool patch_token = (route & 0x40) != 0;
	bool patch_mid = (route & 0x80) != 0;

	memcpy(dgram, r->p, len);
	r->p += len;
	r->n -= len;
	if (patch_token && len >= 4) {
		const uint8_t *tok = reg_token ? s->obs.reg_token : s->token;
		uint8_t tkl = reg_token ? s->obs.reg_tkl : s->tkl;

		if (tkl > 8) {
			tkl = 8;
		}
		memmove(dgram + 4 + tkl, dgram + 4, len - 4);
		memcpy(dgram + 4, tok, tkl);
		dgram[0] = (uint8_t)((dgram[0] & 0xF0) | tkl);
		len += tkl;
		if (len > MAX_COAP_MSG_LEN) {
			len = MAX_COAP_MSG_LEN;
		}
	}
	if (patch_mid && len >= 4) {
		dgram[2] = (uint8_t)(s->mid >> 8);
		dgram[3] = (uint8_t)s->mid;
	}
	memcpy(F.last_dgram, dgram, len);
	F.last_len = len;
	F.last_route = route;
	F.last_truncated = truncated;
	F.have_last = true;
	deliver(dgram, len, route, truncated);
}

static void record_action(uint8_t arg)
{
	struct app *a = &F.apps[(arg >> 2) % NREQ];
	struct coap_client_request pattern;

	switch (arg & 3U) {
	case 0: /* cancel one request (pattern: its user_data) */
		memset(&pattern, 0, sizeof(pattern));
		pattern.user_data = a;
		begin(STEP_CANCEL);
		(void)zc_engine_cancel(&F.eng, &pattern, 0, NULL, 0);
		drain();
		break;
	case 1: /* cancel everything */
		begin(STEP_CANCEL);
		(void)zc_engine_cancel(&F.eng, NULL, 0, NULL, 0);
		drain();
		break;
	case 2: /* deregister one observation (RFC 7641 §3.6) */
		memset(&pattern, 0, sizeof(pattern));
		pattern.user_data = a;
		begin(STEP_DEREGISTER);
		(void)zc_engine_deregister(&F.eng, F.now, &pattern);
		drain();
		begin(STEP_OTHER);
		break;
	default:
		resubmit_all();
		break;
	}
}

static void record_script(uint8_t arg)
{
	static const int results[8] = {0, -EAGAIN, -EIO, -ENOBUFS, 0, 0, -EAGAIN, 0};

	if (arg & 0x80) {
		F.fail_payload = true;
	}
	F.script = results[arg & 7U];
}

/*
 * An ICMP error. Bit 3 clear: one for a whole socket (zc_engine_fail_socket(),
 * a connected socket's error); the requests on it end with the error. Bit 3
 * set: one from the error queue that names its endpoint (IP_RECVERR,
 * zc_engine_fail_endpoint()), picked like a datagram's source by bits 4-6;
 * only the requests to that endpoint (and those without an address on that
 * socket) end.
 */
static void record_icmp(uint8_t arg)
{
	int sock = (arg & 1U) ? SOCK_CONN : SOCK_UNCONN;
	int err = icmp_errors[(arg >> 1) & 3U];
	bool by_endpoint = (arg & 0x08U) != 0;
	const struct sockaddr *addr = NULL;
	socklen_t addrlen = 0;
	bool hit[NREQ];

	if (by_endpoint) {
		route_source((uint8_t)(arg >> 4), &sock, &addr, &addrlen);
	}
	for (int i = 0; i < NREQ; i++) {
		const struct zcoap_slot *s = F.apps[i].active ? slot_of(&F.apps[i]) : NULL;

		hit[i] = s != NULL && s->sock == sock;
		if (hit[i] && by_endpoint && s->addrlen > 0) {
			hit[i] = addrlen > 0 && same_endpoint((const struct sockaddr *)&s->addr,
							      s->addrlen, addr, addrlen);
		}
	}
	begin(STEP_OTHER); /* sends nothing: fake_send() aborts on a request here */
	if (by_endpoint) {
		zc_engine_fail_endpoint(&F.eng, sock, addr, addrlen, err);
	} else {
		zc_engine_fail_socket(&F.eng, sock, err);
	}
	for (unsigned int i = 0; i < F.eng.n_events; i++) {
		const struct app *a = F.eng.events[i].user_data;

		CHECK(F.eng.events[i].final && F.eng.events[i].code == err);
		CHECK(a >= F.apps && a < F.apps + NREQ && hit[a - F.apps]);
	}
	drain();
	for (int i = 0; i < NREQ; i++) {
		/* Exactly the requests the error names ended. */
		CHECK(!hit[i] || !F.apps[i].active);
	}
}

static void silent_end(void)
{
	/* The server falls silent: every request that can end by itself must end. */
	for (int k = 0; k < SILENT_STEPS; k++) {
		int64_t d = zc_engine_next_deadline(&F.eng);

		if (d == ZC_NO_DEADLINE) {
			break;
		}
		if (d > F.now) {
			F.now = d;
		}
		tick();
	}
	for (int i = 0; i < NREQ; i++) {
		if (F.apps[i].active) {
			const struct zcoap_slot *s = slot_of(&F.apps[i]);

			/* Only an observation told to wait forever may still be there. */
			CHECK(F.apps[i].observe && s->phase == ZCOAP_PHASE_OBSERVING &&
			      s->obs.liveness == ZCOAP_OBSERVE_WAIT);
		}
	}
	begin(STEP_CANCEL);
	(void)zc_engine_cancel(&F.eng, NULL, 0, NULL, 0);
	drain();
	CHECK(!zc_engine_busy(&F.eng));
	for (int i = 0; i < NREQ; i++) {
		CHECK(!F.apps[i].active);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t mid_starts[4] = {0x1000, 0xFFF8, 0x0000, 0x7FFF};
	struct reader r = {data, size};
	uint8_t cfg;

	if (size < 2) {
		return 0;
	}
	if (server4.sin_family == 0) {
		trace = getenv("ZCOAP_FUZZ_TRACE") != NULL;
		init_addresses();
		for (size_t i = 0; i < BODY_PUT; i++) {
			body_put[i] = (uint8_t)(i * 7U + 1U);
		}
		for (size_t i = 0; i < BODY_STREAM; i++) {
			body_stream[i] = (uint8_t)(i * 13U + 5U);
		}
	}
	memset(&F, 0, sizeof(F));
	cfg = take8(&r);
	F.rng = 0x9E3779B9U ^ ((uint32_t)take8(&r) << 8);
	F.next_mid = mid_starts[(cfg >> 4) & 3U];
	F.now = 1000000;
	F.io.send = fake_send;
	F.io.random = fake_random;
	F.io.trace = NULL;
	switch (cfg & 3U) {
	case 0:
		F.use_params = false; /* coap_get_transmission_parameters() */
		break;
	case 1:
		F.params = (struct coap_transmission_parameters){.ack_timeout = 100,
								 .coap_backoff_percent = 200,
								 .max_retransmission = 4,
								 .ack_random_percent = 150};
		F.use_params = true;
		break;
	case 2:
		F.params = (struct coap_transmission_parameters){.ack_timeout = 50,
								 .coap_backoff_percent = 200,
								 .max_retransmission = 0,
								 .ack_random_percent = 100};
		F.use_params = true;
		break;
	default:
		F.params = (struct coap_transmission_parameters){.ack_timeout = 1000,
								 .coap_backoff_percent = 100,
								 .max_retransmission = 2,
								 .ack_random_percent = 100};
		F.use_params = true;
		break;
	}
	zc_engine_init(&F.eng, &F.io, NULL);
	if (cfg & 0x80) {
		F.eng.separate_timeout_ms = 500;
	}
	setup_apps(cfg);
	resubmit_all();

	while (r.n > 0) {
		uint8_t op = take8(&r);

		switch (op & 7U) {
		case 0:
		case 1:
		case 2:
			record_datagram(&r, (op & 0x08) != 0, (op & 0x10) != 0, (op & 0x20) != 0);
			break;
		case 3:
			F.now += take16(&r);
			tick();
			break;
		case 4: {
			int64_t d = zc_engine_next_deadline(&F.eng);

			if (d != ZC_NO_DEADLINE && d > F.now) {
				F.now = d;
			}
			F.now += op >> 3;
			tick();
			break;
		}
		case 5:
			record_action(take8(&r));
			break;
		case 6:
			record_script(take8(&r));
			break;
		default:
			if (op & 0x08) {
				record_icmp(take8(&r));
			} else if (F.have_last) {
				deliver(F.last_dgram, F.last_len, F.last_route, F.last_truncated);
			}
			break;
		}
		if (op & 0x80) {
			resubmit_all();
		}
	}
	F.script = 0;
	F.fail_payload = false;
	silent_end();

	/* Exactly one final event per accepted request. */
	CHECK(F.finals == F.accepted);
	return 0;
}
