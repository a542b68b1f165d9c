/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_observe.c -- observations (RFC 7641) on the engine with a fake
 * clock and transport: notifications, freshness (§3.4), the end of an
 * observation, cancellation, deregistration (§3.6) and block-wise
 * notifications (RFC 7959 §3.4). Tests named after a Zephyr test case
 * (tests/net/lib/coap_client) say so in their comment.
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
#define BS  ZCOAP_CONFIG_BLOCK_SIZE

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

static int sem1;
static const struct coap_client_option observe_opt = {COAP_OPTION_OBSERVE, 1, {0}};

/* Zephyr keeps waiting for notifications forever; most tests want that. */
static enum zcoap_observe_liveness liveness = ZCOAP_OBSERVE_WAIT;

static struct coap_client_request observe_request(bool con)
{
	struct coap_client_request r = fk_req(COAP_METHOD_GET, con, "test", &sem1);

	r.options = &observe_opt;
	r.num_options = 1;
	r.observe_liveness = liveness;
	return r;
}

/* A notification with the registration token: type, server MID, Observe (or none: < 0). */
static void notify(struct fk *f, const struct fk_msg *reg, uint8_t type, uint16_t mid, uint8_t code,
		   int64_t seq, const char *payload)
{
	struct fk_msg n;

	fk_msg_reply(&n, reg, type, code, mid);
	if (seq >= 0) {
		fk_msg_opt_uint(&n, COAP_OPTION_OBSERVE, (uint32_t)seq);
	}
	if (payload != NULL) {
		fk_msg_payload(&n, payload, strlen(payload));
	}
	fk_deliver_msg(f, &n);
}

static void register_observe(struct fk *f, bool con, struct fk_msg *reg)
{
	struct coap_client_request r = observe_request(con);
	struct coap_transmission_parameters p = fk_params();
	uint32_t v = 99;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, reg);
	assert_int_equal(reg->code, COAP_METHOD_GET);
	assert_int_equal(reg->type, con ? COAP_TYPE_CON : COAP_TYPE_NON_CON);
	assert_true(fk_opt_uint(reg, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 0);
}

static void assert_notification(const struct fk_event *e, const char *payload, uint32_t seq)
{
	fk_assert_response(e, COAP_RESPONSE_CODE_CONTENT, payload, strlen(payload), 0, true, false);
	assert_ptr_equal(e->user_data, &sem1);
	assert_true(e->info_has_observe);
	assert_int_equal(e->info_observe, seq);
}

/* Zephyr test_observe: notifications are delivered (not final); cancel ends it. */
static void test_observe(void **state)
{
	struct fk *f = *state;
	struct fk_msg reg;
	size_t sent;

	register_observe(f, true, &reg);
	f->now = 10;
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 1, "n1");
	assert_int_equal(fk_nev(f), 1);
	assert_notification(fk_ev(f, 0), "n1", 1);
	assert_true(zc_engine_busy(&f->eng));
	/* no retransmission and no event while waiting for notifications */
	fk_run_until(f, 100000);
	assert_int_equal(fk_nsent(f), 1);
	assert_int_equal(fk_nev(f), 1);

	notify(f, &reg, COAP_TYPE_CON, 0x9001, COAP_RESPONSE_CODE_CONTENT, 2, "n2");
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x9001));
	assert_true(fk_sent_to(f, 1, SRV));
	assert_int_equal(fk_nev(f), 2);
	assert_notification(fk_ev(f, 1), "n2", 2);

	/* the same CON again: ACKed again, not delivered again */
	notify(f, &reg, COAP_TYPE_CON, 0x9001, COAP_RESPONSE_CODE_CONTENT, 2, "n2");
	assert_int_equal(fk_nsent(f), 3);
	assert_true(fk_is_empty_ack(fk_sent(f, 2), 0x9001));
	assert_int_equal(fk_nev(f), 2);

	f->now = 100500;
	notify(f, &reg, COAP_TYPE_NON_CON, 0x9002, COAP_RESPONSE_CODE_CONTENT, 3, "n3");
	assert_int_equal(fk_nsent(f), 3);
	assert_int_equal(fk_nev(f), 3);
	assert_notification(fk_ev(f, 2), "n3", 3);

	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	assert_int_equal(fk_nev(f), 4);
	fk_assert_error(fk_ev(f, 3), -ECANCELED);
	assert_false(zc_engine_busy(&f->eng));

	/* later notifications are rejected with RST and give no event */
	sent = fk_nsent(f);
	notify(f, &reg, COAP_TYPE_CON, 0x9003, COAP_RESPONSE_CODE_CONTENT, 4, "n4");
	assert_int_equal(fk_nsent(f), sent + 1);
	assert_true(fk_is_rst(fk_sent(f, sent), 0x9003));
	notify(f, &reg, COAP_TYPE_NON_CON, 0x9004, COAP_RESPONSE_CODE_CONTENT, 5, "n5");
	assert_int_equal(fk_nsent(f), sent + 2);
	assert_true(fk_is_rst(fk_sent(f, sent + 1), 0x9004));
	assert_int_equal(fk_nev(f), 4);
}

/* RFC 7641 §3.4: only fresher notifications are delivered. */
static void test_observe_freshness(void **state)
{
	struct fk *f = *state;
	struct fk_msg reg;
	size_t sent;

	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 5, "v5");
	assert_int_equal(fk_nev(f), 1);

	/* older, NON: dropped */
	f->now = 1000;
	notify(f, &reg, COAP_TYPE_NON_CON, 0x100, COAP_RESPONSE_CODE_CONTENT, 3, "v3");
	assert_int_equal(fk_nev(f), 1);
	/* older, CON: acknowledged but not delivered */
	sent = fk_nsent(f);
	notify(f, &reg, COAP_TYPE_CON, 0x101, COAP_RESPONSE_CODE_CONTENT, 4, "v4");
	assert_int_equal(fk_nsent(f), sent + 1);
	assert_true(fk_is_empty_ack(fk_sent(f, sent), 0x101));
	assert_int_equal(fk_nev(f), 1);
	/* newer */
	notify(f, &reg, COAP_TYPE_NON_CON, 0x102, COAP_RESPONSE_CODE_CONTENT, 6, "v6");
	assert_int_equal(fk_nev(f), 2);
	assert_notification(fk_ev(f, 1), "v6", 6);
	/* the same sequence number in a new message: not newer */
	notify(f, &reg, COAP_TYPE_NON_CON, 0x103, COAP_RESPONSE_CODE_CONTENT, 6, "v6b");
	assert_int_equal(fk_nev(f), 2);
	/* 6 -> 0xFFFFF0: V2 - V1 > 2^23, so it is older */
	notify(f, &reg, COAP_TYPE_NON_CON, 0x104, COAP_RESPONSE_CODE_CONTENT, 0xFFFFF0, "old");
	assert_int_equal(fk_nev(f), 2);
	/* 6 -> 0x800005: V2 - V1 = 2^23 - 1 < 2^23, newer */
	notify(f, &reg, COAP_TYPE_NON_CON, 0x105, COAP_RESPONSE_CODE_CONTENT, 0x800005, "big");
	assert_int_equal(fk_nev(f), 3);
	assert_notification(fk_ev(f, 2), "big", 0x800005);
	/* 0x800005 -> 2: V1 - V2 > 2^23, newer (wrapped) */
	notify(f, &reg, COAP_TYPE_NON_CON, 0x106, COAP_RESPONSE_CODE_CONTENT, 2, "wrap");
	assert_int_equal(fk_nev(f), 4);
	assert_notification(fk_ev(f, 3), "wrap", 2);
	/* exactly 128 s later an older value is still stale ... */
	f->now = 1000 + 128000;
	notify(f, &reg, COAP_TYPE_NON_CON, 0x107, COAP_RESPONSE_CODE_CONTENT, 1, "stale");
	assert_int_equal(fk_nev(f), 4);
	/* ... more than 128 s later it is fresh */
	f->now = 1000 + 128001;
	notify(f, &reg, COAP_TYPE_NON_CON, 0x108, COAP_RESPONSE_CODE_CONTENT, 1, "late");
	assert_int_equal(fk_nev(f), 5);
	assert_notification(fk_ev(f, 4), "late", 1);
	/* and the clock restarts from there */
	f->now += 1000;
	notify(f, &reg, COAP_TYPE_NON_CON, 0x109, COAP_RESPONSE_CODE_CONTENT, 0, "zero");
	assert_int_equal(fk_nev(f), 5);
	assert_true(zc_engine_busy(&f->eng));
	assert_int_equal(fk_count_rst(f, 0), 0);
}

/* A notification without Observe ends the observation (RFC 7641 §3.2). */
static void test_observe_ends_without_observe(void **state)
{
	struct fk *f = *state;
	struct fk_msg reg;
	size_t sent;

	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 1, "a");
	notify(f, &reg, COAP_TYPE_NON_CON, 0x200, COAP_RESPONSE_CODE_CONTENT, -1, "end");
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, "end", 3, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
	sent = fk_nsent(f);
	notify(f, &reg, COAP_TYPE_NON_CON, 0x201, COAP_RESPONSE_CODE_CONTENT, 2, "more");
	assert_int_equal(fk_nev(f), 2);
	assert_int_equal(fk_nsent(f), sent + 1);
	assert_true(fk_is_rst(fk_sent(f, sent), 0x201));
}

/* A first response without Observe: the server did not register us (RFC 7641 §3.1). */
static void test_observe_not_registered(void **state)
{
	struct fk *f = *state;
	struct fk_msg reg;

	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, -1, "plain");
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "plain", 5, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
}

/* An error notification ends the observation (RFC 7641 §3.2). */
static void test_observe_ends_on_error(void **state)
{
	struct fk *f = *state;
	struct fk_msg reg;

	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 1, "a");
	f->now = 500;
	notify(f, &reg, COAP_TYPE_CON, 0x300, COAP_RESPONSE_CODE_NOT_FOUND, 2, NULL);
	assert_int_equal(fk_nsent(f), 2);
	assert_true(fk_is_empty_ack(fk_sent(f, 1), 0x300));
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_NOT_FOUND, NULL, 0, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));

	/* also when the very first response is an error (and a 5.xx) */
	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE, -1, NULL);
	assert_int_equal(fk_nev(f), 3);
	fk_assert_response(fk_ev(f, 2), COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE, NULL, 0, 0, true,
			   true);
	assert_false(zc_engine_busy(&f->eng));
}

/* Zephyr test_observe_deregister_con: GET Observe=1 with the registration token. */
static void test_observe_deregister_con(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = observe_request(true);
	struct coap_client_request other = fk_req(COAP_METHOD_GET, true, "elsewhere", NULL);
	struct fk_msg reg, dereg;
	uint32_t v = 0;
	char path[32];
	size_t sent;

	assert_int_equal(fk_deregister(f, &r), -ENOENT);
	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 1, "n1");
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_deregister(f, &other), -ENOENT);
	assert_int_equal(fk_nsent(f), 1);

	f->now = 2000;
	assert_int_equal(fk_deregister(f, &r), 0);
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_nev(f), 1);
	fk_last_msg(f, &dereg);
	assert_int_equal(dereg.type, COAP_TYPE_CON);
	assert_int_equal(dereg.code, COAP_METHOD_GET);
	assert_int_equal(dereg.tkl, reg.tkl);
	assert_memory_equal(dereg.token, reg.token, reg.tkl);
	assert_int_not_equal(dereg.mid, reg.mid);
	assert_true(fk_opt_uint(&dereg, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 1);
	assert_int_equal(fk_opt_count(&dereg, COAP_OPTION_OBSERVE), 1);
	fk_msg_path(&dereg, path, sizeof(path));
	assert_string_equal(path, "test");
	assert_true(fk_sent_to(f, 1, SRV));
	/* a CON deregistration is retransmitted like any CON */
	fk_tick(f, 3000);
	assert_int_equal(fk_nsent(f), 3);
	assert_memory_equal(fk_sent(f, 2)->buf, fk_sent(f, 1)->buf, fk_sent(f, 1)->len);

	/* the server's response ends the request */
	notify(f, &dereg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, -1, "bye");
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, "bye", 3, 0, true, true);
	assert_ptr_equal(fk_ev(f, 1)->user_data, &sem1);
	assert_false(zc_engine_busy(&f->eng));
	sent = fk_nsent(f);
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nsent(f), sent);
	assert_int_equal(fk_nev(f), 2);
	assert_int_equal(fk_deregister(f, &r), -ENOENT);
}

/* Zephyr test_observe_deregister_non: NON deregistration ends at once with -ECANCELED. */
static void test_observe_deregister_non(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = observe_request(false);
	struct fk_msg reg, dereg;
	uint32_t v = 0;

	register_observe(f, false, &reg);
	notify(f, &reg, COAP_TYPE_NON_CON, 0xA001, COAP_RESPONSE_CODE_CONTENT, 1, "n1");
	assert_int_equal(fk_nev(f), 1);
	assert_notification(fk_ev(f, 0), "n1", 1);
	assert_int_equal(fk_nsent(f), 1);

	assert_int_equal(fk_deregister(f, &r), 0);
	assert_int_equal(fk_nsent(f), 2);
	fk_last_msg(f, &dereg);
	assert_int_equal(dereg.type, COAP_TYPE_NON_CON);
	assert_int_equal(dereg.code, COAP_METHOD_GET);
	assert_memory_equal(dereg.token, reg.token, 8);
	assert_true(fk_opt_uint(&dereg, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 1);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -ECANCELED);
	assert_false(zc_engine_busy(&f->eng));
	/* nothing more for this request */
	notify(f, &reg, COAP_TYPE_NON_CON, 0xA002, COAP_RESPONSE_CODE_CONTENT, -1, "bye");
	fk_run_until(f, 1000000);
	assert_int_equal(fk_nev(f), 2);
}

static void fill(char *buf, size_t n, char c)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

/* A block response to decoded request @p req: Block2 NUM/M, optional Observe. */
static void block_reply(struct fk *f, const struct fk_msg *req, uint8_t type, uint16_t mid,
			int64_t seq, uint32_t num, bool more, const char *payload)
{
	struct fk_msg n;

	fk_msg_reply(&n, req, type, COAP_RESPONSE_CODE_CONTENT, mid);
	if (seq >= 0) {
		fk_msg_opt_uint(&n, COAP_OPTION_OBSERVE, (uint32_t)seq);
	}
	fk_msg_opt_uint(&n, COAP_OPTION_BLOCK2, fk_block(num, more, fk_local_szx()));
	fk_msg_payload(&n, payload, strlen(payload));
	fk_deliver_msg(f, &n);
}

/* The continuation request for block @p num: no Observe, a fresh token. */
static void assert_continuation(const struct fk *f, const struct fk_msg *reg, uint32_t num,
				struct fk_msg *c)
{
	uint32_t b2 = 0;
	char path[32];

	fk_last_msg(f, c);
	assert_int_equal(c->code, COAP_METHOD_GET);
	assert_true(fk_opt_uint(c, COAP_OPTION_BLOCK2, &b2));
	assert_int_equal(b2, fk_block(num, false, fk_local_szx()));
	assert_int_equal(fk_opt_count(c, COAP_OPTION_OBSERVE), 0);
	assert_memory_not_equal(c->token, reg->token, 8);
	fk_msg_path(c, path, sizeof(path));
	assert_string_equal(path, "test");
}

/* Zephyr test_observe_blockwise: each notification body is fetched block-wise. */
static void test_observe_blockwise(void **state)
{
	struct fk *f = *state;
	static char big[BS + 1], b100[101];
	struct fk_msg reg, c;
	uint32_t mid0;

	register_observe(f, true, &reg);
	mid0 = reg.mid;
	fill(big, BS, 'A');
	fill(b100, 100, 'B');
	block_reply(f, &reg, COAP_TYPE_ACK, 0, 1, 0, true, big);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, big, BS, 0, false, false);
	assert_true(fk_ev(f, 0)->info_has_observe);
	assert_int_equal(fk_ev(f, 0)->info_observe, 1);
	assert_int_equal(fk_nsent(f), 2);
	assert_continuation(f, &reg, 1, &c);
	assert_int_not_equal(c.mid, mid0);
	block_reply(f, &c, COAP_TYPE_ACK, 0, -1, 1, false, b100);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, b100, 100, BS, true, false);
	assert_true(zc_engine_busy(&f->eng));

	/* notification #2, pushed as NON with the registration token */
	fill(big, BS, 'C');
	fill(b100, 100, 'D');
	f->now = 5000;
	block_reply(f, &reg, COAP_TYPE_NON_CON, 0xA000, 2, 0, true, big);
	assert_int_equal(fk_nev(f), 3);
	fk_assert_response(fk_ev(f, 2), COAP_RESPONSE_CODE_CONTENT, big, BS, 0, false, false);
	assert_int_equal(fk_ev(f, 2)->info_observe, 2);
	assert_int_equal(fk_nsent(f), 3);
	assert_continuation(f, &reg, 1, &c);
	block_reply(f, &c, COAP_TYPE_ACK, 0, -1, 1, false, b100);
	assert_int_equal(fk_nev(f), 4);
	fk_assert_response(fk_ev(f, 3), COAP_RESPONSE_CODE_CONTENT, b100, 100, BS, true, false);

	assert_int_equal(fk_count_rst(f, 0), 0);
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	assert_int_equal(fk_nev(f), 5);
	fk_assert_error(fk_ev(f, 4), -ECANCELED);
}

/*
 * Zephyr test_observe_blockwise_async_notification: notification #2 arrives
 * while block 1 of #1 is outstanding; #2 is followed, nothing is RST.
 */
static void test_observe_blockwise_async_notification(void **state)
{
	struct fk *f = *state;
	static char big[BS + 1], b100[101];
	struct fk_msg reg, c1, c2;

	register_observe(f, true, &reg);
	fill(big, BS, 'A');
	block_reply(f, &reg, COAP_TYPE_ACK, 0, 1, 0, true, big);
	assert_int_equal(fk_nev(f), 1);
	assert_continuation(f, &reg, 1, &c1);

	f->now = 200;
	fill(big, BS, 'E');
	block_reply(f, &reg, COAP_TYPE_NON_CON, 0xB000, 2, 0, true, big);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, big, BS, 0, false, false);
	assert_continuation(f, &reg, 1, &c2);
	assert_memory_not_equal(c2.token, c1.token, 8);

	fill(b100, 100, 'F');
	block_reply(f, &c2, COAP_TYPE_ACK, 0, -1, 1, false, b100);
	assert_int_equal(fk_nev(f), 3);
	fk_assert_response(fk_ev(f, 2), COAP_RESPONSE_CODE_CONTENT, b100, 100, BS, true, false);

	assert_true(fk_ev(f, 0)->info_has_observe);
	assert_int_equal(fk_ev(f, 0)->info_observe, 1);
	assert_true(fk_ev(f, 1)->info_has_observe);
	assert_int_equal(fk_ev(f, 1)->info_observe, 2);
	assert_false(fk_ev(f, 2)->info_has_observe);
	assert_int_equal(fk_count_rst(f, 0), 0);

	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	assert_int_equal(fk_nev(f), 4);
	fk_assert_error(fk_ev(f, 3), -ECANCELED);
	assert_int_equal(fk_count_rst(f, 0), 0);
}

/*
 * Zephyr test_observe_deregister_blockwise: deregistering while a
 * notification body is being fetched uses the registration token, once.
 */
static void test_observe_deregister_blockwise(void **state)
{
	struct fk *f = *state;
	struct coap_client_request r = observe_request(true);
	static char big[BS + 1];
	struct fk_msg reg, c, dereg;
	uint32_t v = 0;

	register_observe(f, true, &reg);
	fill(big, BS, 'A');
	block_reply(f, &reg, COAP_TYPE_ACK, 0, 1, 0, true, big);
	assert_int_equal(fk_nev(f), 1);
	assert_continuation(f, &reg, 1, &c);
	assert_int_equal(fk_nsent(f), 2);

	assert_int_equal(fk_deregister(f, &r), 0);
	assert_int_equal(fk_nsent(f), 3);
	fk_last_msg(f, &dereg);
	assert_int_equal(dereg.code, COAP_METHOD_GET);
	assert_memory_equal(dereg.token, reg.token, 8);
	assert_true(fk_opt_uint(&dereg, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 1);
	/* a second call finds nothing left to deregister */
	assert_int_equal(fk_deregister(f, &r), -ENOENT);
	assert_int_equal(fk_nsent(f), 3);

	notify(f, &dereg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, -1, "bye");
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, "bye", 3, 0, true, true);
	assert_false(zc_engine_busy(&f->eng));
	/* a late answer to the abandoned continuation is not delivered */
	block_reply(f, &c, COAP_TYPE_ACK, 0, -1, 1, false, "late");
	assert_int_equal(fk_nev(f), 2);
}

/* zcoap extension: what happens when notifications stop (RFC 7641 §3.3.1). */
static void test_observe_liveness(void **state)
{
	struct fk *f = *state;
	const int64_t margin = ZCOAP_CONFIG_OBSERVE_MARGIN_MS;
	struct fk_msg reg, rereg, n;
	uint32_t v = 99;

	/* default: re-register with the same token after Max-Age (60 s) + margin */
	liveness = ZCOAP_OBSERVE_REREGISTER;
	register_observe(f, true, &reg);
	liveness = ZCOAP_OBSERVE_WAIT;
	f->now = 1000;
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 7, "n1");
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_next(f), 1000 + 60000 + margin);
	/* a fresher notification with Max-Age 10 moves the deadline */
	f->now = 2000;
	fk_msg_reply(&n, &reg, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x700);
	fk_msg_opt_uint(&n, COAP_OPTION_OBSERVE, 8);
	fk_msg_opt_uint(&n, COAP_OPTION_MAX_AGE, 10);
	fk_deliver_msg(f, &n);
	assert_int_equal(fk_nev(f), 2);
	assert_int_equal(fk_next(f), 2000 + 10000 + margin);
	fk_tick(f, 2000 + 10000 + margin - 1);
	assert_int_equal(fk_nsent(f), 1);
	fk_tick(f, 2000 + 10000 + margin);
	assert_int_equal(fk_nsent(f), 2);
	assert_int_equal(fk_nev(f), 2);
	fk_last_msg(f, &rereg);
	assert_int_equal(rereg.type, COAP_TYPE_CON);
	assert_int_equal(rereg.code, COAP_METHOD_GET);
	assert_memory_equal(rereg.token, reg.token, 8);
	assert_int_not_equal(rereg.mid, reg.mid);
	assert_true(fk_opt_uint(&rereg, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 0);
	/* the server may restart its sequence numbers */
	notify(f, &rereg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 2, "again");
	assert_int_equal(fk_nev(f), 3);
	assert_notification(fk_ev(f, 2), "again", 2);
	assert_true(zc_engine_busy(&f->eng));
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);

	/* FAIL: -ETIMEDOUT instead */
	liveness = ZCOAP_OBSERVE_FAIL;
	register_observe(f, true, &reg);
	liveness = ZCOAP_OBSERVE_WAIT;
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 1, "n1");
	assert_int_equal(fk_nev(f), 5);
	fk_run_until(f, f->now + 60000 + margin - 1);
	assert_int_equal(fk_nev(f), 5);
	fk_run_until(f, f->now + 1);
	assert_int_equal(fk_nev(f), 6);
	fk_assert_error(fk_ev(f, 5), -ETIMEDOUT);
	assert_false(zc_engine_busy(&f->eng));

	/* WAIT: no deadline at all */
	register_observe(f, true, &reg);
	notify(f, &reg, COAP_TYPE_ACK, 0, COAP_RESPONSE_CODE_CONTENT, 1, "n1");
	assert_int_equal(fk_next(f), ZC_NO_DEADLINE);
}

/*
 * A FETCH that registers with a body too large for one message (RFC 8132
 * §2.4, RFC 7959 §2.5): the 2.31 Continue of the first block carries no
 * Observe and must not end the registration; the observation starts with
 * the response to the last block (Core v2: the Observe policy runs once the
 * upload is done, not on each Block1 acknowledgement).
 */
static void test_observe_fetch_block1_body(void **state)
{
	struct fk *f = *state;
	static uint8_t body[BS + 10];
	struct coap_client_request r = fk_req(COAP_METHOD_FETCH, true, "test", &sem1);
	struct coap_transmission_parameters p = fk_params();
	struct fk_msg m0;
	struct fk_msg m1;
	struct fk_msg a;
	struct fk_msg dereg;
	uint32_t v = 99;

	memset(body, 'q', sizeof(body));
	r.options = &observe_opt;
	r.num_options = 1;
	r.observe_liveness = ZCOAP_OBSERVE_WAIT;
	r.payload = body;
	r.len = sizeof(body);
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m0);
	assert_true(fk_opt_uint(&m0, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 0);
	assert_true(fk_opt_uint(&m0, COAP_OPTION_BLOCK1, &v));
	assert_int_equal(v, fk_block(0, true, fk_local_szx()));

	/* 2.31 Continue without Observe: the upload goes on, the request stays a registration */
	fk_msg_reply(&a, &m0, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTINUE, 0);
	fk_msg_opt_uint(&a, COAP_OPTION_BLOCK1, fk_block(0, true, fk_local_szx()));
	fk_deliver_msg(f, &a);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTINUE, NULL, 0, BS, false, false);
	fk_last_msg(f, &m1);
	assert_true(fk_opt_uint(&m1, COAP_OPTION_BLOCK1, &v));
	assert_int_equal(v, fk_block(1, false, fk_local_szx()));
	assert_int_equal(m1.payload_len, 10);

	/* the answer to the last block registers: a notification, not the end */
	fk_msg_reply(&a, &m1, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt_uint(&a, COAP_OPTION_OBSERVE, 5);
	fk_msg_opt_uint(&a, COAP_OPTION_BLOCK1, fk_block(1, false, fk_local_szx()));
	fk_msg_payload(&a, "n1", 2);
	fk_deliver_msg(f, &a);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, "n1", 2, sizeof(body), true,
			   false);
	assert_true(fk_ev(f, 1)->info_has_observe);
	assert_true(zc_engine_busy(&f->eng));

	/* later notifications come with the last block's token */
	notify(f, &m1, COAP_TYPE_NON_CON, 0x9101, COAP_RESPONSE_CODE_CONTENT, 6, "n2");
	assert_int_equal(fk_nev(f), 3);
	assert_notification(fk_ev(f, 2), "n2", 6);

	/* a cancel tells the server: FETCH, Observe = 1, the registration token */
	assert_int_equal(fk_cancel(f, NULL, 0, NULL, 0), 1);
	fk_assert_error(fk_ev(f, 3), -ECANCELED);
	fk_last_msg(f, &dereg);
	assert_int_equal(dereg.code, COAP_METHOD_FETCH);
	assert_true(fk_opt_uint(&dereg, COAP_OPTION_OBSERVE, &v));
	assert_int_equal(v, 1);
	assert_int_equal(dereg.tkl, m1.tkl);
	assert_memory_equal(dereg.token, m1.token, m1.tkl);
	assert_false(zc_engine_busy(&f->eng));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_observe),
	    T(test_observe_freshness),
	    T(test_observe_ends_without_observe),
	    T(test_observe_not_registered),
	    T(test_observe_ends_on_error),
	    T(test_observe_deregister_con),
	    T(test_observe_deregister_non),
	    T(test_observe_blockwise),
	    T(test_observe_blockwise_async_notification),
	    T(test_observe_deregister_blockwise),
	    T(test_observe_liveness),
	    T(test_observe_fetch_block1_body),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
