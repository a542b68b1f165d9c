/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_basic.c -- the client engine driven by a fake clock and a fake
 * transport: wire format, admission, retransmission (RFC 7252 §4.2, §4.8),
 * NON requests (§4.3), response matching (§5.3.2), rejection of bad
 * messages (§4.2, §5.4.1) and socket errors. Tests named after a Zephyr
 * test case (tests/net/lib/coap_client) say so in their comment.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_io.h"

#define SRV ((const struct sockaddr *)&f->server)

static int setup(void **state)
{
	*state = fk_new();
	return 0;
}

static int teardown(void **state)
{
	fk_free(*state);
	return 0;
}

static int u1, u2;
static const uint8_t testing[] = "testing";

/* Zephyr's short_request: GET CON "test", text/plain, payload "testing". */
static struct coap_client_request short_request(void *ud)
{
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "test", ud);

	r.payload = testing;
	r.len = 7;
	return r;
}

/* ---- wire format (RFC 7252 §3) ---- */

static void test_wire_format(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_option opts[2] = {
	    {.code = COAP_OPTION_ACCEPT, .len = 1, .value = {50}},
	    {.code = COAP_OPTION_IF_MATCH, .len = 2, .value = {0xAB, 0xCD}},
	};
	struct coap_client_request r = fk_req(COAP_METHOD_POST, true, "a/abc?x=1&y", &u1);
	const struct fk_opt *o;
	struct fk_msg m;
	char path[64];
	uint16_t id0;

	r.payload = testing;
	r.len = 7;
	r.options = opts;
	r.num_options = 2;
	f->rng_const = true;
	f->rng_byte = 0x5A;
	id0 = coap_next_id();
	assert_int_equal(fk_submit(f, &r, &p), 0);
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 0);
	assert_true(zc_engine_busy(&f->eng));
	assert_int_equal(fk_sent(f, 0)->sock, 0);
	assert_true(fk_sent_to(f, 0, SRV));

	fk_sent_msg(f, 0, &m);
	assert_int_equal(m.ver, 1);
	assert_int_equal(m.type, COAP_TYPE_CON);
	assert_int_equal(m.code, COAP_METHOD_POST);
	/* the token is 8 bytes taken from io->random */
	assert_int_equal(m.tkl, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(m.token[i], 0x5A);
	}
	/* the MID comes from coap_next_id() */
	assert_int_equal(m.mid, (uint16_t)(id0 + 1));
	fk_msg_path(&m, path, sizeof(path));
	assert_string_equal(path, "a/abc?x=1&y");
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_URI_PATH), 2);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_URI_QUERY), 2);
	/* Content-Format text/plain (0) is an empty uint option (§3.2) */
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_CONTENT_FORMAT), 1);
	assert_int_equal(fk_opt_get(&m, COAP_OPTION_CONTENT_FORMAT, 0)->len, 0);
	o = fk_opt_get(&m, COAP_OPTION_ACCEPT, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 1);
	assert_int_equal(o->val[0], 50);
	o = fk_opt_get(&m, COAP_OPTION_IF_MATCH, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 2);
	assert_int_equal(o->val[0], 0xAB);
	assert_int_equal(o->val[1], 0xCD);
	assert_int_equal(m.n_opts, 7);
	/* the walker only accepts ascending numbers; check the wire order explicitly too */
	for (size_t i = 1; i < m.n_opts; i++) {
		assert_true(m.opts[i - 1].num <= m.opts[i].num);
	}
	assert_true(m.has_payload);
	assert_int_equal(m.payload_len, 7);
	assert_memory_equal(m.payload, "testing", 7);
}

static void test_wire_no_payload_no_content_format(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, false, "/x//y/", NULL);
	struct fk_msg a, b;
	char path[64];

	r.fmt = COAP_CONTENT_FORMAT_APP_JSON;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_sent_msg(f, 0, &a);
	fk_sent_msg(f, 1, &b);
	assert_int_equal(a.type, COAP_TYPE_NON_CON);
	assert_int_equal(a.code, COAP_METHOD_GET);
	assert_int_equal(fk_opt_count(&a, COAP_OPTION_CONTENT_FORMAT), 0);
	assert_false(a.has_payload);
	fk_msg_path(&a, path, sizeof(path));
	assert_string_equal(path, "x/y");
	assert_int_equal(a.n_opts, 2);
	/* fresh token and MID per request */
	assert_int_equal(a.tkl, 8);
	assert_int_equal(b.tkl, 8);
	assert_memory_not_equal(a.token, b.token, 8);
	assert_int_not_equal(a.mid, b.mid);
	assert_true(f->n_random > 0);
}

/* ---- admission ---- */

static void test_submit_invalid(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct coap_client_option many[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS + 1];
	char longpath[ZCOAP_CONFIG_MAX_PATH_LEN + 2];
	struct coap_client_request bad;

	memset(many, 0, sizeof(many));
	for (size_t i = 0; i < ZCOAP_CONFIG_MAX_EXTRA_OPTIONS + 1; i++) {
		many[i].code = COAP_OPTION_ACCEPT;
		many[i].len = 1;
	}

	assert_int_equal(fk_submit(f, NULL, &p), -EINVAL);
	assert_int_equal(fk_submit_to(f, -1, SRV, sizeof(f->server), &r, &p), -EINVAL);

	memset(longpath, 'x', sizeof(longpath));
	longpath[ZCOAP_CONFIG_MAX_PATH_LEN + 1] = '\0';
	bad = r;
	bad.path = longpath;
	assert_int_equal(fk_submit(f, &bad, &p), -EINVAL);

	bad = r;
	bad.options = many;
	bad.num_options = ZCOAP_CONFIG_MAX_EXTRA_OPTIONS + 1;
	assert_int_equal(fk_submit(f, &bad, &p), -EINVAL);
	bad.num_options = 1;
	many[0].len = MAX_COAP_CLIENT_OPTION_LEN + 1;
	assert_int_equal(fk_submit(f, &bad, &p), -EINVAL);
	many[0].len = 1;
	bad.options = NULL;
	assert_int_equal(fk_submit(f, &bad, &p), -EINVAL);

	bad = r;
	bad.method = (enum coap_method)0;
	assert_int_equal(fk_submit(f, &bad, &p), -EINVAL);
	bad.method = (enum coap_method)8;
	assert_int_equal(fk_submit(f, &bad, &p), -EINVAL);

	p.ack_timeout = 0;
	assert_int_equal(fk_submit(f, &r, &p), -EINVAL);
	p = fk_params();
	p.ack_random_percent = 1;
	assert_int_equal(fk_submit(f, &r, &p), -EINVAL);
	p.ack_random_percent = 99;
	assert_int_equal(fk_submit(f, &r, &p), -EINVAL);
	p = fk_params();
	p.coap_backoff_percent = 99;
	assert_int_equal(fk_submit(f, &r, &p), -EINVAL);

	/* nothing was sent or queued, and nothing is active */
	assert_int_equal(fk_nsent(f), 0);
	assert_int_equal(fk_nev(f), 0);
	assert_false(zc_engine_busy(&f->eng));

	/* the limits themselves are accepted */
	memset(longpath, 'x', sizeof(longpath));
	longpath[ZCOAP_CONFIG_MAX_PATH_LEN] = '\0';
	bad = r;
	bad.path = longpath;
	p = fk_params();
	assert_int_equal(fk_submit(f, &bad, &p), 0);
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	bad = r;
	bad.options = many;
	bad.num_options = ZCOAP_CONFIG_MAX_EXTRA_OPTIONS;
	assert_int_equal(fk_submit(f, &bad, &p), 0);
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	p.ack_random_percent = 0; /* 0 = the default factor */
	p.coap_backoff_percent = 100;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	bad = r;
	bad.method = COAP_METHOD_IPATCH;
	assert_int_equal(fk_submit(f, &bad, &p), 0);
	assert_int_equal(fk_nsent(f), 4);
}

/* Zephyr test_get_no_path: a NULL path is -EINVAL, nothing is sent. */
static void test_get_no_path(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	r.path = NULL;
	assert_int_equal(fk_submit(f, &r, &p), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
	assert_int_equal(fk_nev(f), 0);
	assert_false(zc_engine_busy(&f->eng));
}

static void test_submit_slots_full(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		assert_int_equal(fk_submit(f, &r, &p), 0);
	}
	assert_int_equal(fk_submit(f, &r, &p), -EAGAIN);
	assert_int_equal(fk_nsent(f), ZCOAP_CONFIG_MAX_REQUESTS);
	assert_int_equal(fk_nev(f), 0);
}

/* Zephyr test_get_request: a piggybacked ACK is delivered. */
static void test_get_request(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	const struct fk_event *e;
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	f->now = 20;
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	e = fk_ev(f, 0);
	fk_assert_response(e, COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_ptr_equal(e->user_data, &u1);
	assert_true(e->info_ok);
	assert_int_equal(e->info_code, COAP_RESPONSE_CODE_CONTENT);
	assert_int_equal(e->info_retransmissions, 0);
	assert_false(e->info_has_observe);
	assert_false(e->info_source_null);
	assert_int_equal(e->info_source_len, sizeof(struct sockaddr_in));
	assert_memory_equal(&e->info_source, &f->server, sizeof(f->server));
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), 1); /* nothing to acknowledge for an ACK */

	/* with a payload */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "hello", 5);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, "hello", 5, 0, true, true);
	assert_int_not_equal(fk_ev(f, 0)->serial, fk_ev(f, 1)->serial);
}

/*
 * A request with no option but its path and no body takes submit's fast
 * path (src/core/submit.c, zc_engine_submit_plain(); with an application
 * token the builder's plain path, src/core/message.c): its bytes are those
 * coap_packet_init() + coap_packet_set_path() give for the same header,
 * token and path -- CON and NON, several methods, the library's 8-byte
 * token and an application's own shorter one, paths with queries, doubled
 * separators and extended option lengths, and paths of 15 to 17 bytes
 * (submit copies up to 15 byte by byte, longer ones with memcpy()).
 */
static void test_plain_request_bytes(void **state)
{
	static const struct {
		enum coap_method method;
		bool con;
		const char *path;
		uint8_t tkl; /* an application token of this length, 0: the library's */
	} cases[] = {
	    {COAP_METHOD_GET, true, "t", 0},
	    {COAP_METHOD_GET, false, "a/bc?x=1&y", 0},
	    {COAP_METHOD_DELETE, true, "", 0},
	    {COAP_METHOD_POST, true, "//a//b/?&q", 3},
	    {COAP_METHOD_PUT, false, "seg-of-thirteen/0123456789abcdefghij?k=v", 1},
	    {COAP_METHOD_FETCH, true, ".well-known/core", 8},
	    /* around submit's short-path length (16): measured and copied without libc */
	    {COAP_METHOD_GET, true, "abcdefghijklmno", 0},
	    {COAP_METHOD_GET, true, "abcdefghijklmnop", 0},
	    {COAP_METHOD_GET, true, "abcdefghijklmnopq", 0},
	    {COAP_METHOD_GET, true, "a/b/c/d/e/f/g/h?", 0},
	    /* segments of 12 and 13 bytes: a one- and a two-byte option header */
	    {COAP_METHOD_GET, true, "twelve-bytes/thirteen-byte?twelve-bytes&thirteen-byte", 0},
	};
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct coap_client_request r =
		    fk_req(cases[i].method, cases[i].con, cases[i].path, &u1);
		const struct fk_sent *sent;
		struct coap_packet pkt;
		uint8_t want[256];

		for (uint8_t k = 0; k < cases[i].tkl; k++) {
			r.token[k] = (uint8_t)(0xA0 + k + i);
		}
		r.token_len = cases[i].tkl;
		assert_int_equal(fk_submit(f, &r, &p), 0);
		sent = fk_sent(f, fk_nsent(f) - 1);
		assert_true(sent->len >= 4);
		assert_int_equal(coap_packet_init(&pkt, want, sizeof(want), 1,
						  cases[i].con ? COAP_TYPE_CON : COAP_TYPE_NON_CON,
						  sent->buf[0] & 0x0F, sent->buf + 4,
						  cases[i].method,
						  (uint16_t)((sent->buf[2] << 8) | sent->buf[3])),
				 0);
		assert_int_equal(sent->buf[0] & 0x0F, cases[i].tkl > 0 ? cases[i].tkl : 8);
		assert_int_equal(coap_packet_set_path(&pkt, cases[i].path), 0);
		assert_int_equal(sent->len, pkt.offset);
		assert_memory_equal(sent->buf, want, pkt.offset);
		/* End it, so that one slot serves every case (constrained profile). */
		assert_int_equal(zc_engine_cancel(&f->eng, NULL, 0, NULL, 0), 1);
		fk_drain(f);
	}
}

/* Fill every slot of @p f with @p pattern but what a free slot must hold. */
static void garble_slots(struct fk *f, uint8_t pattern)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		struct zcoap_slot *s = &f->eng.slots[i];

		memset(s, pattern, sizeof(*s));
		s->phase = ZCOAP_PHASE_FREE;
		s->msg = ZCOAP_MSG_NONE;
		s->serial = 0;
		s->deadline = INT64_MAX;
	}
}

/*
 * The fast path of a plain request (src/core/submit.c,
 * zc_engine_submit_plain()) leaves the slot, byte for byte, as the general
 * path leaves it (the MID aside: each call takes the next one), sends the
 * same datagram and updates the engine alike: two engines whose slots hold
 * the same leftovers get the same request, one by each path. Paths with
 * extended option lengths, a query without a path (an extended delta),
 * doubled separators and the longest path that fits; CON and NON, with and
 * without a destination, an overall deadline and parameters.
 */
static void test_plain_fast_path_same_slot(void **state)
{
	static char longest[ZCOAP_CONFIG_MAX_PATH_LEN + 1];
	struct {
		enum coap_method method;
		bool con;
		const char *path;
		bool to_addr;
		uint32_t deadline_ms;
		bool params;
	} cases[] = {
	    {COAP_METHOD_GET, true, "t", false, 0, false},
	    {COAP_METHOD_GET, false, "a/bc?x=1&y", true, 0, true},
	    {COAP_METHOD_DELETE, true, "", false, 5000, true},
	    {COAP_METHOD_POST, true, "//a//b/?&q", true, 0, false},
	    {COAP_METHOD_PUT, false, "seg-of-thirteen/0123456789abcdefghij?k=v", false, 0, true},
	    {COAP_METHOD_FETCH, true, ".well-known/core", true, 7, true},
	    {COAP_METHOD_IPATCH, true, "?only=query&x", false, 0, true},
	    {COAP_METHOD_GET, true, "a/b/c/d/e/f/g/h?", false, 0, true},
	    {COAP_METHOD_GET, true, "twelve-bytes/thirteen-byte?twelve-bytes&thirteen-byte", false,
	     0, false},
	    {COAP_METHOD_GET, true, longest, true, 0, true},
	};
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();

	(void)f;
	memset(longest, 'x', sizeof(longest) - 1);
	for (size_t i = 0; i < sizeof(longest) - 1; i += 40) {
		longest[i] = '/'; /* segments of 39 bytes: one extended length byte each */
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct coap_client_request r =
		    fk_req(cases[i].method, cases[i].con, cases[i].path, &u1);
		struct fk *e[2];
		const struct fk_sent *sent[2];
		struct zcoap_slot *s[2];

		r.deadline_ms = cases[i].deadline_ms;
		r.no_content_format = (i % 2) == 0;
		r.observe_liveness = (enum zcoap_observe_liveness)(i % 2);
		e[0] = fk_new();
		e[1] = fk_new();
		for (int k = 0; k < 2; k++) {
			garble_slots(e[k], (uint8_t)(0x5A + i));
			fk_seed(e[k], (uint32_t)(1000 + i));
			e[k]->now = 12345;
			e[k]->eng.next_serial = (uint32_t)(40 + i);
		}
		assert_int_equal(zc_engine_submit_plain(&e[0]->eng, e[0]->now, e[0]->sock,
							cases[i].to_addr
							    ? (const struct sockaddr *)&e[0]->server
							    : NULL,
							cases[i].to_addr ? sizeof(e[0]->server) : 0,
							&r, cases[i].params ? &p : NULL),
				 0);
		assert_int_equal(
		    zc_engine_submit_general(
			&e[1]->eng, e[1]->now, e[1]->sock,
			cases[i].to_addr ? (const struct sockaddr *)&e[1]->server : NULL,
			cases[i].to_addr ? sizeof(e[1]->server) : 0, &r,
			cases[i].params ? &p : NULL),
		    0);
		s[0] = &e[0]->eng.slots[0];
		s[1] = &e[1]->eng.slots[0];
		/* The one difference: the general path took the next MID. */
		assert_int_equal((uint16_t)(s[0]->mid + 1U), s[1]->mid);
		s[1]->mid = s[0]->mid;
		s[1]->tx[2] = s[0]->tx[2];
		s[1]->tx[3] = s[0]->tx[3];
		/* (struct copies of the parameters bring their padding along, from the stack) */
		assert_int_equal(s[0]->params.ack_timeout, s[1]->params.ack_timeout);
		assert_int_equal(s[0]->params.ack_random_percent, s[1]->params.ack_random_percent);
		assert_int_equal(s[0]->params.coap_backoff_percent,
				 s[1]->params.coap_backoff_percent);
		assert_int_equal(s[0]->params.max_retransmission, s[1]->params.max_retransmission);
		/*
		 * Compared field by field above; cleared on both sides, as their
		 * padding is uninitialised stack (valgrind: a compare of it).
		 */
		memset(&s[0]->params, 0, sizeof(s[0]->params));
		memset(&s[1]->params, 0, sizeof(s[1]->params));
		assert_memory_equal(s[0], s[1], sizeof(*s[0]));
		assert_int_equal(fk_nsent(e[0]), 1);
		assert_int_equal(fk_nsent(e[1]), 1);
		sent[0] = fk_sent(e[0], 0);
		sent[1] = fk_sent(e[1], 0);
		assert_int_equal(sent[0]->len, s[0]->tx_len);
		assert_memory_equal(sent[0]->buf, s[0]->tx, s[0]->tx_len);
		assert_int_equal(sent[0]->addr_null, !cases[i].to_addr);
		assert_int_equal(sent[1]->addr_null, !cases[i].to_addr);
		assert_int_equal(e[0]->n_random, e[1]->n_random);
		assert_memory_equal(e[0]->eng.active, e[1]->eng.active, sizeof(e[0]->eng.active));
		assert_int_equal(e[0]->eng.n_active, e[1]->eng.n_active);
		assert_int_equal(e[0]->eng.next_serial, e[1]->eng.next_serial);
		assert_int_equal(e[0]->eng.last_deadline, e[1]->eng.last_deadline);
		assert_int_equal(zc_engine_next_deadline(&e[0]->eng),
				 zc_engine_next_deadline(&e[1]->eng));
		fk_free(e[0]);
		fk_free(e[1]);
	}
}

/*
 * zc_engine_submit_plain() declines every other shape, and any request
 * its checks would have to reject, leaving the engine as it was (but for
 * the path and datagram buffers of the free slot it looked at, which only
 * a request's own lengths make readable): the general path decides (and
 * zc_engine_submit() gives its answer).
 */
static void same_engine_but_buffers(struct zcoap_engine *now, struct zcoap_engine *before)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		memcpy(before->slots[i].path, now->slots[i].path, sizeof(now->slots[i].path));
		memcpy(before->slots[i].tx, now->slots[i].tx, sizeof(now->slots[i].tx));
	}
	assert_memory_equal(now, before, sizeof(*now));
}

static void test_plain_fast_path_declines(void **state)
{
	static char too_long[ZCOAP_CONFIG_MAX_PATH_LEN + 2];
	struct fk *f = *state;
	struct coap_client_option opt = {.code = COAP_OPTION_ACCEPT, .len = 1, .value = {50}};
	struct sockaddr_in group = fk_addr4("224.0.1.187", 5683);
	struct coap_transmission_parameters bad = {.ack_timeout = 0};
	struct coap_client_request r;
	static struct zcoap_engine before;

	memset(too_long, 'a', sizeof(too_long) - 1);
	memcpy(&before, &f->eng, sizeof(before));
#define DECLINES(setup, addr, addrlen, params)                                                     \
	do {                                                                                       \
		r = fk_req(COAP_METHOD_GET, true, "p", &u1);                                       \
		setup;                                                                             \
		assert_int_equal(                                                                  \
		    zc_engine_submit_plain(&f->eng, 0, f->sock, (addr), (addrlen), &r, (params)),  \
		    ZC_SUBMIT_NOT_PLAIN);                                                          \
		same_engine_but_buffers(&f->eng, &before);                                         \
		assert_int_equal(fk_nsent(f), 0);                                                  \
	} while (0)
	DECLINES((r.options = &opt, r.num_options = 1), NULL, 0, NULL);
	DECLINES((r.payload = testing, r.len = 7), NULL, 0, NULL);
	DECLINES(r.payload = testing, NULL, 0, NULL); /* even an empty body has a Content-Format */
	DECLINES(r.len = 1, NULL, 0, NULL);
	DECLINES((r.token_len = 1, r.token[0] = 7), NULL, 0, NULL);
	DECLINES(r.multicast_timeout_ms = 100, (const struct sockaddr *)&group, sizeof(group),
		 NULL);
	DECLINES(r.method = (enum coap_method)COAP_CODE_EMPTY, NULL, 0, NULL);
	DECLINES(r.method = (enum coap_method)(COAP_METHOD_IPATCH + 1), NULL, 0, NULL);
	DECLINES(r.path = NULL, NULL, 0, NULL);
	DECLINES(r.path = too_long, NULL, 0, NULL);
	DECLINES(r.fmt = 65536, NULL, 0, NULL);
	DECLINES((void)0, (const struct sockaddr *)&group, sizeof(group),
		 NULL); /* a group: -EINVAL */
	DECLINES((void)0, (const struct sockaddr *)&f->server, 0, NULL);
	DECLINES((void)0, NULL, 0, &bad);
	/* an Echo value to carry (RFC 9175 §2.3) */
	f->eng.echo.pending = true;
	memcpy(&before, &f->eng, sizeof(before));
	DECLINES((void)0, NULL, 0, NULL);
	f->eng.echo.pending = false;
	/* no free slot */
	memset(f->eng.active, 0xFF, sizeof(f->eng.active));
	memcpy(&before, &f->eng, sizeof(before));
	DECLINES((void)0, NULL, 0, NULL);
	memset(f->eng.active, 0, sizeof(f->eng.active));
#undef DECLINES
	/* The general path gives its answers: the same as without a fast path. */
	r = fk_req(COAP_METHOD_GET, true, too_long, &u1);
	assert_int_equal(fk_submit(f, &r, NULL), -EINVAL);
	r = fk_req(COAP_METHOD_GET, true, "p", &u1);
	assert_int_equal(fk_submit(f, &r, &bad), -EINVAL);
	assert_int_equal(fk_nsent(f), 0);
}

/*
 * A plain request whose send fails (submit's fast path, zc_send_plain()):
 * the error is returned, no event, the slot is free again and the next
 * plain request goes out as usual, its token checked against none.
 */
static void test_plain_fast_path_send_fails(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "t", &u1);
	struct fk_msg m;

	fk_script(f, -EAGAIN, 1);
	assert_int_equal(zc_engine_submit_plain(&f->eng, f->now, f->sock, NULL, 0, &r, NULL),
			 -EAGAIN);
	fk_drain(f);
	assert_int_equal(fk_nev(f), 0);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(f->eng.n_active, 0);
	assert_int_equal(f->eng.slots[0].phase, ZCOAP_PHASE_FREE);
	assert_int_equal(fk_submit(f, &r, NULL), 0);
	assert_int_equal(fk_nsent(f), 2);
	fk_last_msg(f, &m);
	assert_int_equal(m.tkl, 8);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "x", 1);
	assert_int_equal(fk_nev(f), 1);
	assert_false(zc_engine_busy(&f->eng));
}

/* Zephyr test_request_block: a failing first send is returned, with no event. */
static void test_request_block(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	fk_script(f, -EAGAIN, 1);
	assert_int_equal(fk_submit(f, &r, &p), -EAGAIN);
	fk_script(f, -ENETDOWN, 1);
	assert_int_equal(fk_submit(f, &r, &p), -ENETDOWN);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_next(f), ZC_NO_DEADLINE);
	fk_run_until(f, 100000);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 2);

	/* the slots were released: failing submits do not use them up */
	fk_script(f, -ENETDOWN, ZCOAP_CONFIG_MAX_REQUESTS);
	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		assert_int_equal(fk_submit(f, &r, &p), -ENETDOWN);
	}
	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		assert_int_equal(fk_submit(f, &r, &p), 0);
	}
	assert_int_equal(fk_nev(f), 0);
}

/* ---- retransmission (RFC 7252 §4.2) ---- */

static void assert_same_bytes(const struct fk *f, size_t a, size_t b)
{
	assert_int_equal(fk_sent(f, a)->len, fk_sent(f, b)->len);
	assert_memory_equal(fk_sent(f, a)->buf, fk_sent(f, b)->buf, fk_sent(f, a)->len);
	assert_memory_equal(&fk_sent(f, a)->addr, &fk_sent(f, b)->addr, sizeof(f->server));
}

static void test_backoff_deadlines(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	static const int64_t at[] = {1000, 3000, 7000, 15000};

	f->now = 500;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(fk_next(f), 500 + at[i]);
		fk_tick(f, 500 + at[i] - 1);
		assert_int_equal(fk_nsent(f), i + 1);
		fk_tick(f, 500 + at[i]);
		assert_int_equal(fk_nsent(f), i + 2);
		assert_same_bytes(f, 0, i + 1);
		assert_int_equal(fk_nev(f), 0);
	}
	/* the final wait is 16 T: -ETIMEDOUT at 31 T */
	assert_int_equal(fk_next(f), 500 + 31000);
	fk_tick(f, 500 + 30999);
	assert_int_equal(fk_nev(f), 0);
	fk_tick(f, 500 + 31000);
	assert_int_equal(fk_nsent(f), 5);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), 5);
	assert_int_equal(fk_nev(f), 1);
}

static void test_backoff_percent_300(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	/* timeouts 1000, 3000, 9000, 27000, 81000 */
	static const int64_t at[] = {1000, 4000, 13000, 40000, 121000};

	p.coap_backoff_percent = 300;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(fk_next(f), at[i]);
		fk_tick(f, at[i]);
	}
	assert_int_equal(fk_nsent(f), 5);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

/* Zephyr test_no_response: max_retransmission 0 -> -ETIMEDOUT after one T. */
static void test_no_response(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = {2000, 100, 200, 0};
	struct coap_client_request r = short_request(&u1);

	assert_int_equal(fk_submit(f, &r, &p), 0);
	assert_int_equal(fk_next(f), 2000);
	fk_tick(f, 1999);
	assert_int_equal(fk_nev(f), 0);
	fk_tick(f, 2000);
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

static void test_random_initial_timeout(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	int64_t seen_min = INT64_MAX, seen_max = 0;

	/* RFC 7252 §4.2: initial timeout uniform in [ACK_TIMEOUT, ACK_TIMEOUT * factor] */
	p.ack_random_percent = 150;
	for (uint32_t seed = 1; seed <= 24; seed++) {
		struct fk *g = fk_new();
		int64_t d1;

		fk_seed(g, seed * 7919U);
		assert_int_equal(fk_submit(g, &r, &p), 0);
		d1 = fk_next(g);
		assert_true(d1 >= 1000 && d1 <= 1500);
		seen_min = d1 < seen_min ? d1 : seen_min;
		seen_max = d1 > seen_max ? d1 : seen_max;
		/* then the timeout doubles: deadlines d1 * (2^k - 1), timeout at 31 d1 */
		for (int64_t k = 3; k <= 31; k = 2 * k + 1) {
			fk_tick(g, fk_next(g));
			assert_int_equal(fk_next(g), d1 * k);
		}
		fk_tick(g, fk_next(g));
		assert_int_equal(fk_nsent(g), 5);
		assert_int_equal(fk_nev(g), 1);
		fk_assert_error(fk_ev(g, 0), -ETIMEDOUT);
		fk_free(g);
	}
	/* the jitter comes from io->random */
	assert_true(seen_max > seen_min);
	(void)f;
}

static void test_default_params(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = short_request(&u1);
	struct coap_transmission_parameters d = coap_get_transmission_parameters();
	int64_t d1;

	assert_int_equal(fk_submit(f, &r, NULL), 0);
	d1 = fk_next(f);
	assert_true(d1 >= d.ack_timeout);
	assert_true(d1 <= (int64_t)d.ack_timeout *
			      (d.ack_random_percent ? d.ack_random_percent : 150) / 100);
}

/* Zephyr test_resend_request: EAGAIN on a retransmission is retried soon, 3 sends. */
static void test_resend_request(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;
	int64_t d;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_script(f, -EAGAIN, 1);
	fk_tick(f, 1000);
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_sent(f, 1)->result, -EAGAIN);
	assert_int_equal(fk_nev(f), 0);
	d = fk_next(f);
	assert_true(d >= 1000 && d <= 1010);
	fk_tick(f, d);
	assert_int_equal(fk_nsent(f), 3);
	assert_same_bytes(f, 0, 2);
	fk_sent_msg(f, 0, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_int_equal(fk_ev(f, 0)->info_retransmissions, 1);
	assert_int_equal(fk_nsent(f), 3);
}

static void test_eagain_keeps_retry_count(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	size_t ok = 0, again = 0;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	/* the 1st and the 3rd retransmission each meet EAGAIN twice */
	fk_tick(f, 999);
	fk_script(f, -EAGAIN, 2);
	fk_run_until(f, 2999);
	fk_run_until(f, 7000 - 1);
	fk_script(f, -EAGAIN, 2);
	fk_run_until(f, 100000);
	for (size_t i = 1; i < fk_nsent(f); i++) {
		if (fk_sent(f, i)->result == 0) {
			ok++;
			assert_same_bytes(f, 0, i);
		} else {
			assert_int_equal(fk_sent(f, i)->result, -EAGAIN);
			again++;
		}
	}
	assert_int_equal(again, 4);
	assert_int_equal(ok, 4); /* still MAX_RETRANSMIT retransmissions */
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

static void test_retransmit_send_error(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_tick(f, 1000);
	fk_script(f, -ENETDOWN, 1);
	fk_tick(f, 3000);
	assert_int_equal(fk_nsent(f), 3);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ENETDOWN);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 100000);
	assert_int_equal(fk_nsent(f), 3);
	assert_int_equal(fk_nev(f), 1);
}

/* ---- NON (RFC 7252 §4.3) ---- */

static void test_non_timeout(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	r.confirmable = false;
	f->now = 100;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_run_until(f, 100 + 30999);
	assert_int_equal(fk_nsent(f), 1); /* never retransmitted */
	assert_int_equal(fk_nev(f), 0);
	assert_true(zc_engine_busy(&f->eng));
	fk_run_until(f, 100 + 31000);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
	assert_false(zc_engine_busy(&f->eng));

	/* the window uses the largest initial timeout: 1500 * 31 */
	p.ack_random_percent = 150;
	f->now = 0;
	{
		struct fk *g = fk_new();

		assert_int_equal(fk_submit(g, &r, &p), 0);
		fk_run_until(g, 46499);
		assert_int_equal(fk_nev(g), 0);
		fk_run_until(g, 46500);
		assert_int_equal(fk_nev(g), 1);
		fk_assert_error(fk_ev(g, 0), -ETIMEDOUT);
		assert_int_equal(fk_nsent(g), 1);
		fk_free(g);
	}
	/* MAX_RETRANSMIT 0: one T */
	p = fk_params();
	p.max_retransmission = 0;
	{
		struct fk *g = fk_new();

		assert_int_equal(fk_submit(g, &r, &p), 0);
		fk_run_until(g, 999);
		assert_int_equal(fk_nev(g), 0);
		fk_run_until(g, 1000);
		assert_int_equal(fk_nev(g), 1);
		fk_assert_error(fk_ev(g, 0), -ETIMEDOUT);
		fk_free(g);
	}
}

static void test_non_responses(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, resp;

	r.confirmable = false;
	/* NON response: delivered, nothing to acknowledge */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	f->now = 5000;
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x4242);
	fk_msg_payload(&resp, "abc", 3);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "abc", 3, 0, true, true);
	assert_int_equal(fk_nsent(f), 1);
	assert_false(zc_engine_busy(&f->eng));

	/* CON response to a NON request: acknowledged (§4.2), delivered */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CHANGED, 0x4343);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CHANGED, NULL, 0, 0, true, true);
	assert_int_equal(fk_nsent(f), 3);
	assert_true(fk_is_empty_ack(fk_sent(f, 2), 0x4343));
	assert_true(fk_sent_to(f, 2, SRV));
}

/* ---- matching (RFC 7252 §4.4, §5.3.2) ---- */

static void test_ack_must_match_mid_token_endpoint(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct sockaddr_in other_ip = fk_addr4("192.0.2.2", FK_SERVER_PORT);
	struct sockaddr_in other_port = fk_addr4(FK_SERVER_IP, 5684);
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);

	/* right token, wrong MID */
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	resp.mid = (uint16_t)(m.mid + 1);
	fk_deliver_msg(f, &resp);
	/* right MID, wrong token */
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	resp.token[7] ^= 0x01;
	fk_deliver_msg(f, &resp);
	/* right MID, shorter token */
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	resp.tkl = 4;
	fk_deliver_msg(f, &resp);
	/* everything right but the source address or port */
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_deliver_msg_from(f, (struct sockaddr *)&other_ip, sizeof(other_ip), &resp);
	fk_deliver_msg_from(f, (struct sockaddr *)&other_port, sizeof(other_port), &resp);
	/* RST and Empty ACK from another endpoint */
	{
		uint8_t rst[4] = {0x70, 0, (uint8_t)(m.mid >> 8), (uint8_t)m.mid};
		uint8_t eack[4] = {0x60, 0, (uint8_t)(m.mid >> 8), (uint8_t)m.mid};

		fk_deliver_from(f, 0, (struct sockaddr *)&other_ip, sizeof(other_ip), rst, 4);
		fk_deliver_from(f, 0, (struct sockaddr *)&other_port, sizeof(other_port), eack, 4);
	}
	/* right everything, but on another socket */
	{
		uint8_t buf[FK_MAX_DGRAM];
		size_t len = fk_encode(&resp, buf, sizeof(buf));

		fk_deliver_from(f, 7, SRV, sizeof(f->server), buf, len);
	}
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 1); /* no RST for ACKs */
	assert_true(zc_engine_busy(&f->eng));

	/* retransmission goes on */
	fk_tick(f, 1000);
	assert_int_equal(fk_nsent(f), 2);
	assert_same_bytes(f, 0, 1);

	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_int_equal(fk_ev(f, 0)->info_retransmissions, 1);
}

static void test_spoofed_separate_response(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct sockaddr_in other = fk_addr4("198.51.100.7", FK_SERVER_PORT);
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	/* a CON response with the right token from another endpoint is not ours */
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x5555);
	fk_deliver_msg_from(f, (struct sockaddr *)&other, sizeof(other), &resp);
	fk_msg_reply(&resp, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x5556);
	fk_deliver_msg_from(f, (struct sockaddr *)&other, sizeof(other), &resp);
	assert_int_equal(fk_nev(f), 0);
	/* whatever was sent went to the spoofer, never as an ACK carrying data */
	for (size_t i = 1; i < fk_nsent(f); i++) {
		assert_true(fk_sent_to(f, i, (struct sockaddr *)&other));
		assert_int_equal(fk_sent(f, i)->len, 4);
	}
	assert_true(zc_engine_busy(&f->eng));
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "ok", 2);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "ok", 2, 0, true, true);
}

static void test_ipv6_endpoint(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct sockaddr_in6 srv6, other6;
	struct fk_msg m, resp;
	uint8_t buf[FK_MAX_DGRAM];
	size_t len;

	memset(&srv6, 0, sizeof(srv6));
	srv6.sin6_family = AF_INET6;
	srv6.sin6_port = htons(5683);
	srv6.sin6_addr.s6_addr[0] = 0x20;
	srv6.sin6_addr.s6_addr[1] = 0x01;
	srv6.sin6_addr.s6_addr[2] = 0x0d;
	srv6.sin6_addr.s6_addr[3] = 0xb8;
	srv6.sin6_addr.s6_addr[15] = 1;
	other6 = srv6;
	other6.sin6_port = htons(5684);

	assert_int_equal(fk_submit_to(f, 3, (struct sockaddr *)&srv6, sizeof(srv6), &r, &p), 0);
	assert_true(fk_sent_to(f, 0, (struct sockaddr *)&srv6));
	assert_int_equal(fk_sent(f, 0)->sock, 3);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	len = fk_encode(&resp, buf, sizeof(buf));
	fk_deliver_from(f, 3, (struct sockaddr *)&other6, sizeof(other6), buf, len);
	assert_int_equal(fk_nev(f), 0);
	fk_deliver_from(f, 3, (struct sockaddr *)&srv6, sizeof(srv6), buf, len);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
}

/* Unknown CON/NON responses get RST (RFC 7252 §4.2, §4.3); unknown ACKs do not. */
static void test_unmatched_messages(void **state)
{
	struct fk *f = *state;
	static const uint8_t tok[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct sockaddr_in other = fk_addr4("198.51.100.7", 40000);
	struct fk_msg resp;

	fk_msg_init(&resp, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x1111, tok, 8);
	fk_msg_payload(&resp, "x", 1);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), 1);
	assert_true(fk_is_rst(fk_sent(f, 0), 0x1111));
	assert_true(fk_sent_to(f, 0, SRV));
	assert_int_equal(fk_sent(f, 0)->sock, f->sock);

	fk_msg_init(&resp, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x2222, tok, 8);
	fk_deliver_msg_from(f, (struct sockaddr *)&other, sizeof(other), &resp);
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_rst(fk_sent(f, 1), 0x2222));
	assert_true(fk_sent_to(f, 1, (struct sockaddr *)&other));

	fk_msg_init(&resp, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0x3333, tok, 8);
	fk_deliver_msg(f, &resp);
	fk_msg_init(&resp, COAP_TYPE_ACK, COAP_CODE_EMPTY, 0x3334, NULL, 0);
	fk_deliver_msg(f, &resp);
	fk_msg_init(&resp, COAP_TYPE_RESET, COAP_CODE_EMPTY, 0x3335, NULL, 0);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), 2);

	/* CoAP ping: an Empty CON is answered with RST (§4.3) */
	fk_msg_init(&resp, COAP_TYPE_CON, COAP_CODE_EMPTY, 0x4444, NULL, 0);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nsent(f), 3);
	assert_true(fk_is_rst(fk_sent(f, 2), 0x4444));
	assert_int_equal(fk_nev(f), 0);
}

/* Zephyr test_unmatching_tokens: a foreign token is ignored; the request times out. */
static void test_unmatching_tokens(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = {2000, 100, 200, 0};
	struct coap_client_request r = short_request(&u1);
	static const uint8_t foreign[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_init(&resp, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, m.mid, foreign, 8);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), 1);
	fk_run_until(f, 8000);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ETIMEDOUT);
}

/* Zephyr test_duplicate_response: the same ACK twice gives one event. */
static void test_duplicate_response(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "d", 1);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "d", 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "d", 1, 0, true, true);
	assert_int_equal(fk_nsent(f), 1);
	fk_run_until(f, 100000);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_nsent(f), 1);
}

/* Zephyr test_request_rst: RST with the request's MID -> -ECONNRESET. */
static void test_request_rst(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_rst(f, (uint16_t)(m.mid + 1));
	assert_int_equal(fk_nev(f), 0);
	fk_tick(f, 1000);
	fk_rst(f, m.mid);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ECONNRESET);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	assert_false(zc_engine_busy(&f->eng));
	assert_int_equal(fk_nsent(f), 2);
}

/* Every valid response code is delivered as its raw code byte. */
static void test_response_codes(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	static const uint8_t codes[] = {0x40, 0x41, 0x44, 0x45, 0x4A, 0x5F, 0x80, 0x81,
					0x84, 0x8D, 0x9D, 0x9F, 0xA0, 0xA3, 0xBF};

	/* no body: a 4.13 is then an ordinary response (see test_413_small_body) */
	r.payload = NULL;
	r.len = 0;
	for (size_t i = 0; i < sizeof(codes); i++) {
		struct fk_msg m;

		assert_int_equal(fk_submit(f, &r, &p), 0);
		fk_last_msg(f, &m);
		fk_reply_ack(f, &m, codes[i], "p", 1);
		assert_int_equal(fk_nev(f), i + 1);
		fk_assert_response(fk_ev(f, i), codes[i], "p", 1, 0, true, true);
	}
	assert_false(zc_engine_busy(&f->eng));
}

/*
 * RFC 7959 §2.9.3: 4.13 to a body sent in one message. Without a Block1
 * size in the response and with a body no bigger than one block, going
 * block-wise cannot help: the 4.13 is the answer. With a smaller Block1 SZX
 * the upload restarts block-wise at that size.
 */
static void test_413_small_body(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, resp;
	uint8_t small = (uint8_t)(fk_local_szx() - 2);
	size_t q = (size_t)16 << small;
	uint8_t *body;
	uint32_t b1 = 0;

	r.method = COAP_METHOD_PUT;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE, NULL, 0);
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_REQUEST_TOO_LARGE, NULL, 0, 0, true,
			   true);
	assert_false(zc_engine_busy(&f->eng));

	body = malloc(ZCOAP_CONFIG_MESSAGE_SIZE);
	for (size_t i = 0; i < ZCOAP_CONFIG_MESSAGE_SIZE; i++) {
		body[i] = (uint8_t)i;
	}
	r.payload = body;
	r.len = ZCOAP_CONFIG_MESSAGE_SIZE;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_BLOCK1), 0);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, fk_block(0, false, small));
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_nsent(f), 3);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	assert_int_equal(b1, fk_block(0, true, small));
	assert_int_equal(m.payload_len, q);
	assert_memory_equal(m.payload, body, q);
	free(body);
}

/* Elective options the client does not know are ignored (RFC 7252 §5.4.1). */
static void test_unknown_elective_option(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt(&resp, 24, "e", 1);
	fk_msg_opt(&resp, 2048, "ee", 2);
	fk_msg_payload(&resp, "v", 1);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "v", 1, 0, true, true);
}

/*
 * Malformed datagrams, reserved classes, requests and unrecognised critical
 * options: a CON is rejected with RST, an ACK or NON is dropped silently
 * (RFC 7252 §4.2, §4.3, §5.4.1); the request stays active.
 */
static void test_rejected_responses(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	static const uint8_t bad_codes[] = {0x21, 0x3F, 0xC0, 0xC5, 0xE0, 0xFF, 0x01, 0x02};
	struct fk_msg m, resp;
	uint8_t buf[FK_MAX_DGRAM];
	size_t len, sent;
	uint16_t smid = 0x7000;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	for (int type = COAP_TYPE_CON; type <= COAP_TYPE_ACK; type++) {
		/* bad code classes and request codes */
		for (size_t i = 0; i < sizeof(bad_codes); i++) {
			sent = fk_nsent(f);
			fk_msg_reply(&resp, &m, (uint8_t)type, bad_codes[i], smid);
			fk_deliver_msg(f, &resp);
			if (type == COAP_TYPE_CON) {
				assert_int_equal(fk_nsent(f), sent + 1);
				assert_true(fk_is_rst(fk_sent(f, sent), smid));
			} else {
				assert_int_equal(fk_nsent(f), sent);
			}
			smid++;
		}
		/* unrecognised critical options: OSCORE (9) and 25 */
		for (uint16_t opt = 9; opt <= 25; opt = (uint16_t)(opt + 16)) {
			sent = fk_nsent(f);
			fk_msg_reply(&resp, &m, (uint8_t)type, COAP_RESPONSE_CODE_CONTENT, smid);
			fk_msg_opt(&resp, opt, "c", 1);
			fk_deliver_msg(f, &resp);
			if (type == COAP_TYPE_CON) {
				assert_int_equal(fk_nsent(f), sent + 1);
				assert_true(fk_is_rst(fk_sent(f, sent), smid));
			} else {
				assert_int_equal(fk_nsent(f), sent);
			}
			smid++;
		}
		/* malformed: reserved nibble 15 in an option header (§3.1) */
		sent = fk_nsent(f);
		fk_msg_reply(&resp, &m, (uint8_t)type, COAP_RESPONSE_CODE_CONTENT, smid);
		len = fk_encode(&resp, buf, sizeof(buf));
		buf[len++] = 0xF1;
		buf[len++] = 0x00;
		fk_deliver(f, buf, len);
		if (type == COAP_TYPE_CON) {
			assert_int_equal(fk_nsent(f), sent + 1);
			assert_true(fk_is_rst(fk_sent(f, sent), smid));
		} else {
			assert_int_equal(fk_nsent(f), sent);
		}
		smid++;
		/* malformed: payload marker with no payload */
		sent = fk_nsent(f);
		fk_msg_reply(&resp, &m, (uint8_t)type, COAP_RESPONSE_CODE_CONTENT, smid);
		len = fk_encode(&resp, buf, sizeof(buf));
		buf[len++] = 0xFF;
		fk_deliver(f, buf, len);
		if (type == COAP_TYPE_CON) {
			assert_int_equal(fk_nsent(f), sent + 1);
			assert_true(fk_is_rst(fk_sent(f, sent), smid));
		} else {
			assert_int_equal(fk_nsent(f), sent);
		}
		smid++;
		/* malformed: option value running past the end */
		sent = fk_nsent(f);
		fk_msg_reply(&resp, &m, (uint8_t)type, COAP_RESPONSE_CODE_CONTENT, smid);
		len = fk_encode(&resp, buf, sizeof(buf));
		buf[len++] = 0xC5; /* Content-Format (12), length 5 */
		buf[len++] = 0x00;
		fk_deliver(f, buf, len);
		if (type == COAP_TYPE_CON) {
			assert_int_equal(fk_nsent(f), sent + 1);
			assert_true(fk_is_rst(fk_sent(f, sent), smid));
		} else {
			assert_int_equal(fk_nsent(f), sent);
		}
		smid++;
		/* version 2: silently ignored whatever the type (§3) */
		sent = fk_nsent(f);
		fk_msg_reply(&resp, &m, (uint8_t)type, COAP_RESPONSE_CODE_CONTENT, smid);
		resp.ver = 2;
		fk_deliver_msg(f, &resp);
		assert_int_equal(fk_nsent(f), sent);
		smid++;
	}
	/* too short for a header */
	{
		uint8_t tiny[3] = {0x60, 0x45, (uint8_t)(m.mid >> 8)};

		fk_deliver(f, tiny, sizeof(tiny));
		fk_deliver(f, tiny, 0);
	}
	assert_int_equal(fk_nev(f), 0);
	assert_true(zc_engine_busy(&f->eng));
	/* RSTs were only ever for the server's MIDs, never for the request */
	for (size_t i = 1; i < fk_nsent(f); i++) {
		assert_int_equal(fk_sent(f, i)->len, 4);
		assert_true(fk_sent_to(f, i, SRV));
	}

	/* still retransmitting, and a valid response is delivered */
	sent = fk_nsent(f);
	fk_tick(f, 1000);
	assert_int_equal(fk_nsent(f), sent + 1);
	assert_same_bytes(f, 0, sent);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "ok", 2);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "ok", 2, 0, true, true);
}

/* Zephyr test_multiple_requests: two requests in flight, answered in turn. */
static void test_multiple_requests(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r1 = short_request(&u1);
	struct coap_client_request r2 = short_request(&u2);
	struct fk_msg m1, m2;

	assert_int_equal(fk_submit(f, &r1, &p), 0);
	assert_int_equal(fk_submit(f, &r2, &p), 0);
	fk_sent_msg(f, 0, &m1);
	fk_sent_msg(f, 1, &m2);
	assert_memory_not_equal(m1.token, m2.token, 8);
	fk_reply_ack(f, &m1, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_true(zc_engine_busy(&f->eng));
	fk_reply_ack(f, &m2, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 2);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &u2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

/* Zephyr test_multiple_clients: two engines on two sockets do not interfere. */
static void test_multiple_clients(void **state)
{
	struct fk *f = *state;
	struct fk *g = fk_new();
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r1 = short_request(&u1);
	struct coap_client_request r2 = fk_req(COAP_METHOD_PUT, true, "test", &u2);
	size_t body_len = ZCOAP_CONFIG_MESSAGE_SIZE + 421;
	uint8_t *body = malloc(body_len);
	size_t done = 0;

	for (size_t i = 0; i < body_len; i++) {
		body[i] = (uint8_t)('a' + i % 26);
	}
	r2.payload = body;
	r2.len = body_len;
	g->sock = 1;
	assert_int_equal(fk_submit(f, &r1, &p), 0);
	assert_int_equal(fk_submit(g, &r2, &p), 0);
	assert_int_equal(fk_sent(g, 0)->sock, 1);

	/* the second client's Block1 upload, block by block */
	while (done < body_len) {
		struct fk_msg m, resp;
		uint32_t b1;

		fk_last_msg(g, &m);
		assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
		done += m.payload_len;
		fk_msg_reply(
		    &resp, &m, COAP_TYPE_ACK,
		    done < body_len ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED, 0);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
		fk_deliver_msg(g, &resp);
	}
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_ev(g, fk_nev(g) - 1)->code, COAP_RESPONSE_CODE_CHANGED);
	assert_true(fk_ev(g, fk_nev(g) - 1)->final);
	assert_false(zc_engine_busy(&g->eng));
	{
		struct fk_msg m;

		fk_sent_msg(f, 0, &m);
		fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	}
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	for (size_t i = 0; i < fk_nsent(g); i++) {
		assert_int_equal(fk_sent(g, i)->sock, 1);
	}
	free(body);
	fk_free(g);
}

/* Zephyr test_poll_err: a socket error fails that socket's requests with -EIO. */
static void test_poll_err(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_fail_socket(f, 0, -EIO);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -EIO);
	assert_false(zc_engine_busy(&f->eng));
	fk_run_until(f, 100000);
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 1);
}

/* Zephyr test_poll_err_after_response: finished requests get no event. */
static void test_poll_err_after_response(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(fk_nev(f), 1);
	fk_fail_socket(f, 0, -EIO);
	assert_int_equal(fk_nev(f), 1);
}

/*
 * An ICMP error that names its endpoint (zc_engine_fail_endpoint) ends only
 * the requests to that endpoint on that socket; a request without an
 * address (connected socket: its one peer) matches any error on its socket;
 * an error without an address ends no request that has one.
 */
static void test_fail_endpoint(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r1 = short_request(&u1);
	struct coap_client_request r2 = short_request(&u2);
	struct coap_client_request r3 = short_request(&u1);
	struct coap_client_request r4 = short_request(&u2);
	struct sockaddr_in other = fk_addr4("192.0.2.2", 5683);
	struct sockaddr_in other_port = fk_addr4("192.0.2.1", 5684);

	if (ZCOAP_CONFIG_MAX_REQUESTS < 4) {
		skip(); /* four requests at once (the constrained profile has 2 slots) */
	}
	assert_int_equal(fk_submit_to(f, 0, SRV, sizeof(f->server), &r1, &p), 0);
	assert_int_equal(fk_submit_to(f, 0, (struct sockaddr *)&other, sizeof(other), &r2, &p), 0);
	assert_int_equal(fk_submit_to(f, 1, SRV, sizeof(f->server), &r3, &p), 0);
	assert_int_equal(fk_submit_to(f, 2, NULL, 0, &r4, &p), 0);

	zc_engine_fail_endpoint(&f->eng, 0, NULL, 0, -ECONNREFUSED);
	zc_engine_fail_endpoint(&f->eng, 0, (struct sockaddr *)&other_port, sizeof(other_port),
				-ECONNREFUSED);
	fk_drain(f);
	assert_int_equal(fk_nev(f), 0);

	zc_engine_fail_endpoint(&f->eng, 0, SRV, sizeof(f->server), -ECONNREFUSED);
	fk_drain(f);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -ECONNREFUSED);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);

	zc_engine_fail_endpoint(&f->eng, 2, (struct sockaddr *)&other, sizeof(other),
				-ECONNREFUSED);
	fk_drain(f);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -ECONNREFUSED);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &u2);
	/* r2 (socket 0, other server) and r3 (socket 1) go on. */
	assert_true(zc_engine_socket_active(&f->eng, 0));
	assert_true(zc_engine_socket_active(&f->eng, 1));
	assert_false(zc_engine_socket_active(&f->eng, 2));
}

/* zc_engine_round() agrees with zc_engine_sockets() and zc_engine_next_deadline(). */
static void assert_round_agrees(struct fk *f)
{
	int socks[ZCOAP_CONFIG_MAX_REQUESTS];
	int want[ZCOAP_CONFIG_MAX_REQUESTS];
	int64_t deadline = 0;
	int n = zc_engine_round(&f->eng, socks, ZCOAP_CONFIG_MAX_REQUESTS, &deadline);

	assert_int_equal(n, zc_engine_sockets(&f->eng, want, ZCOAP_CONFIG_MAX_REQUESTS));
	assert_memory_equal(socks, want, (size_t)n * sizeof(socks[0]));
	assert_true(deadline == zc_engine_next_deadline(&f->eng));
}

/*
 * The loop's one pass over the active slots (src/core/timers.c): the same
 * sockets, in the same order, and the same deadline as the two scans it
 * replaces, with gaps between active slots and shared sockets.
 */
static void test_engine_round(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters slow = fk_params();
	struct coap_transmission_parameters fast = fk_params();
	struct coap_client_request r1 = short_request(&u1);
	struct coap_client_request r2 = short_request(&u2);
	struct coap_client_request r3 = short_request(&u1);
	struct coap_client_request r4 = short_request(&u2);
	int socks[4];
	int64_t deadline = 0;

	if (ZCOAP_CONFIG_MAX_REQUESTS < 4) {
		skip(); /* four requests at once (the constrained profile has 2 slots) */
	}
	assert_int_equal(zc_engine_round(&f->eng, socks, 4, &deadline), 0);
	assert_true(deadline == ZC_NO_DEADLINE);
	slow.ack_timeout = 9000;
	fast.ack_timeout = 1000;
	r4.deadline_ms = 500; /* an overall deadline earlier than any timer */
	assert_int_equal(fk_submit_to(f, 3, SRV, sizeof(f->server), &r1, &slow), 0);
	assert_round_agrees(f); /* one request: the shortcut */
	assert_int_equal(zc_engine_round(&f->eng, socks, 4, &deadline), 1);
	assert_int_equal(socks[0], 3);
	assert_true(deadline == f->now + 9000);
	assert_int_equal(fk_submit_to(f, 1, SRV, sizeof(f->server), &r2, &slow), 0);
	assert_round_agrees(f);
	assert_int_equal(fk_submit_to(f, 3, SRV, sizeof(f->server), &r3, &fast), 0);
	assert_round_agrees(f);
	assert_int_equal(zc_engine_round(&f->eng, socks, 4, &deadline), 2);
	assert_int_equal(socks[0], 3);
	assert_int_equal(socks[1], 1);
	assert_true(deadline == f->now + 1000);
	/* A gap (the second slot ends), then an overall deadline that comes first. */
	assert_int_equal(fk_cancel(f, &r2, 0, NULL, 0), 1);
	assert_round_agrees(f);
	assert_int_equal(fk_submit_to(f, 2, SRV, sizeof(f->server), &r4, &slow), 0);
	assert_round_agrees(f);
	assert_int_equal(zc_engine_round(&f->eng, socks, 4, &deadline), 2);
	assert_int_equal(socks[0], 3); /* slots 0 and 2 */
	assert_int_equal(socks[1], 2); /* slot 1, freed and taken again */
	assert_true(deadline == f->now + 500);
	/* Room for fewer sockets than there are: the first ones, as zc_engine_sockets(). */
	assert_int_equal(zc_engine_round(&f->eng, socks, 1, &deadline), 1);
	assert_true(deadline == f->now + 500);
}

/* Zephyr test_poll_err_on_another_sock: only the failing socket's requests end. */
static void test_poll_err_on_another_sock(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r1 = short_request(&u1);
	struct coap_client_request r2 = short_request(&u2);
	int socks[4];
	struct fk_msg m2;
	int n;

	assert_int_equal(fk_submit_to(f, 1, SRV, sizeof(f->server), &r2, &p), 0);
	assert_int_equal(fk_submit_to(f, 0, SRV, sizeof(f->server), &r1, &p), 0);
	n = zc_engine_sockets(&f->eng, socks, 4);
	assert_int_equal(n, 2);
	assert_true((socks[0] == 0 && socks[1] == 1) || (socks[0] == 1 && socks[1] == 0));
	fk_fail_socket(f, 0, -EIO);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -EIO);
	assert_ptr_equal(fk_ev(f, 0)->user_data, &u1);
	n = zc_engine_sockets(&f->eng, socks, 4);
	assert_int_equal(n, 1);
	assert_int_equal(socks[0], 1);

	fk_sent_msg(f, 0, &m2);
	{
		struct fk_msg resp;
		uint8_t buf[FK_MAX_DGRAM];
		size_t len;

		fk_msg_reply(&resp, &m2, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
		len = fk_encode(&resp, buf, sizeof(buf));
		fk_deliver_from(f, 1, SRV, sizeof(f->server), buf, len);
	}
	assert_int_equal(fk_nev(f), 2);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &u2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_int_equal(zc_engine_sockets(&f->eng, socks, 4), 0);
}

/*
 * Zephyr test_non_confirmable: NON requests hold their slots for the window.
 * Documented difference: zcoap ends them with -ETIMEDOUT where Zephyr
 * releases them silently.
 */
static void test_non_confirmable(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);

	r.confirmable = false;
	for (int round = 0; round < 2; round++) {
		size_t ev0 = fk_nev(f);

		for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
			assert_int_equal(fk_submit(f, &r, &p), 0);
		}
		assert_int_equal(fk_submit(f, &r, &p), -EAGAIN);
		fk_run_until(f, f->now + 30999);
		assert_int_equal(fk_nev(f), ev0);
		fk_run_until(f, f->now + 1);
		assert_int_equal(fk_nev(f), ev0 + ZCOAP_CONFIG_MAX_REQUESTS);
		for (size_t i = ev0; i < fk_nev(f); i++) {
			fk_assert_error(fk_ev(f, i), -ETIMEDOUT);
		}
		assert_false(zc_engine_busy(&f->eng));
	}
	assert_int_equal(fk_nsent(f), 2 * ZCOAP_CONFIG_MAX_REQUESTS);
}

/* A non-final event copied out before a cancel is no longer live. */
static void test_event_live(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m, resp;
	struct zcoap_event stale;

	static const struct coap_client_option obs = {COAP_OPTION_OBSERVE, 1, {0}};

	r.payload = NULL;
	r.len = 0;
	r.options = &obs;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_OBSERVE, 1);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	assert_false(fk_ev(f, 0)->final);
	assert_true(fk_ev(f, 0)->live);
	stale = fk_ev(f, 0)->raw;
	assert_true(zc_engine_event_live(&f->eng, &stale));
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -ECANCELED);
	assert_false(zc_engine_event_live(&f->eng, &stale));
	assert_true(zc_engine_event_live(&f->eng, &fk_ev(f, 1)->raw));
}

static void test_trace_hook(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = short_request(&u1);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, NULL, 0);
	assert_int_equal(f->n_trace_out, 1);
	assert_int_equal(f->n_trace_in, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_wire_format),
	    T(test_wire_no_payload_no_content_format),
	    T(test_submit_invalid),
	    T(test_get_no_path),
	    T(test_submit_slots_full),
	    T(test_get_request),
	    T(test_plain_request_bytes),
	    T(test_plain_fast_path_same_slot),
	    T(test_plain_fast_path_declines),
	    T(test_plain_fast_path_send_fails),
	    T(test_request_block),
	    T(test_backoff_deadlines),
	    T(test_backoff_percent_300),
	    T(test_no_response),
	    T(test_random_initial_timeout),
	    T(test_default_params),
	    T(test_resend_request),
	    T(test_eagain_keeps_retry_count),
	    T(test_retransmit_send_error),
	    T(test_non_timeout),
	    T(test_non_responses),
	    T(test_ack_must_match_mid_token_endpoint),
	    T(test_spoofed_separate_response),
	    T(test_ipv6_endpoint),
	    T(test_unmatched_messages),
	    T(test_unmatching_tokens),
	    T(test_duplicate_response),
	    T(test_request_rst),
	    T(test_response_codes),
	    T(test_413_small_body),
	    T(test_unknown_elective_option),
	    T(test_rejected_responses),
	    T(test_multiple_requests),
	    T(test_multiple_clients),
	    T(test_poll_err),
	    T(test_poll_err_after_response),
	    T(test_poll_err_on_another_sock),
	    T(test_engine_round),
	    T(test_fail_endpoint),
	    T(test_non_confirmable),
	    T(test_event_live),
	    T(test_trace_hook),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
