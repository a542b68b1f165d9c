/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_robust.c -- defects a hostile server found (issue 18), on the
 * engine with a fake clock and transport: IPv4 endpoints seen as v4-mapped
 * IPv6 addresses (dual-stack sockets), duplicates of CON/NON responses to
 * earlier blocks (RFC 7252 §4.5), block numbers past 20 bits (RFC 7959
 * §2.2) and truncated datagrams that must pass the same checks as whole
 * ones (RFC 7252 §4.2, §5.4.1).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_io.h"

#define BS ZCOAP_CONFIG_BLOCK_SIZE

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

/* ::ffff:@p ip, port @p port: how a dual-stack socket reports an IPv4 peer. */
static struct sockaddr_in6 mapped(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a;
	char text[64] = "::ffff:";

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	strcat(text, ip);
	assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
	return a;
}

static uint32_t block_opt(const struct fk_msg *m, uint16_t num)
{
	uint32_t v = 0;

	assert_true(fk_opt_uint(m, num, &v));
	return v;
}

/* ---- 3: IPv4 destination on a dual-stack socket ------------------------------ */

/*
 * A request sent to 192.0.2.1 (sockaddr_in) on a dual-stack socket: the
 * kernel reports the answers as ::ffff:192.0.2.1. Piggybacked, separate
 * (Empty ACK + CON) and RST must all match; other mapped endpoints must not.
 */
static void test_v4_mapped_source(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "v4", NULL);
	struct sockaddr_in6 src = mapped(FK_SERVER_IP, FK_SERVER_PORT);
	struct sockaddr_in6 other_port = mapped(FK_SERVER_IP, 5684);
	struct sockaddr_in6 other_ip = mapped("192.0.2.2", FK_SERVER_PORT);
	const struct sockaddr *s6 = (const struct sockaddr *)&src;
	struct fk_msg m, resp;
	size_t n;

	/* piggybacked */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_payload(&resp, "a", 1);
	fk_deliver_msg_from(f, (struct sockaddr *)&other_port, sizeof(other_port), &resp);
	fk_deliver_msg_from(f, (struct sockaddr *)&other_ip, sizeof(other_ip), &resp);
	assert_int_equal(fk_nev(f), 0);
	fk_deliver_msg_from(f, s6, sizeof(src), &resp);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "a", 1, 0, true, true);

	/* separate: Empty ACK, then a CON response, ACKed to where it came from */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_init(&resp, COAP_TYPE_ACK, COAP_CODE_EMPTY, m.mid, NULL, 0);
	fk_deliver_msg_from(f, s6, sizeof(src), &resp);
	n = fk_nsent(f);
	fk_tick(f, 60000); /* no retransmission after the Empty ACK */
	assert_int_equal(fk_nsent(f), n);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x6001);
	fk_deliver_msg_from(f, s6, sizeof(src), &resp);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
	assert_int_equal(fk_nsent(f), n + 1);
	assert_true(fk_is_empty_ack(fk_sent(f, n), 0x6001));
	assert_true(fk_sent_to(f, n, s6));
	/* its retransmission is a duplicate (§4.5): ACKed again, not RST */
	fk_deliver_msg_from(f, s6, sizeof(src), &resp);
	assert_int_equal(fk_nsent(f), n + 2);
	assert_true(fk_is_empty_ack(fk_sent(f, n + 1), 0x6001));
	assert_int_equal(fk_nev(f), 2);

	/* RST from the mapped form ends the request */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_init(&resp, COAP_TYPE_RESET, COAP_CODE_EMPTY, m.mid, NULL, 0);
	fk_deliver_msg_from(f, (struct sockaddr *)&other_port, sizeof(other_port), &resp);
	assert_int_equal(fk_nev(f), 2);
	fk_deliver_msg_from(f, s6, sizeof(src), &resp);
	assert_int_equal(fk_nev(f), 3);
	fk_assert_error(fk_ev(f, 2), -ECONNRESET);
	assert_false(zc_engine_busy(&f->eng));
}

/* The reverse: the application gave ::ffff:192.0.2.1, the source is reported as AF_INET. */
static void test_v4_mapped_destination(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "v4", NULL);
	struct sockaddr_in6 dst = mapped(FK_SERVER_IP, FK_SERVER_PORT);
	struct sockaddr_in other = fk_addr4(FK_SERVER_IP, 5684);
	struct fk_msg m, resp;

	assert_int_equal(fk_submit_to(f, f->sock, (struct sockaddr *)&dst, sizeof(dst), &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_deliver_msg_from(f, (struct sockaddr *)&other, sizeof(other), &resp);
	assert_int_equal(fk_nev(f), 0);
	fk_deliver_msg(f, &resp); /* from 192.0.2.1:5683 as sockaddr_in */
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, NULL, 0, 0, true, true);
}

/*
 * RFC 9175 §2.3: an Echo value goes back to the endpoint that sent it. The
 * IPv4 server and its v4-mapped form are one endpoint (both may be given
 * to a dual-stack socket), so a request to either form carries the value.
 */
static void test_v4_mapped_echo(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "e", NULL);
	struct sockaddr_in6 dst = mapped(FK_SERVER_IP, FK_SERVER_PORT);
	struct sockaddr_in6 other = mapped("192.0.2.2", FK_SERVER_PORT);
	const struct fk_opt *o;
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt(&resp, COAP_OPTION_ECHO, "fresh", 5);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 1);
	/* another host in mapped form does not get it */
	assert_int_equal(fk_submit_to(f, f->sock, (struct sockaddr *)&other, sizeof(other), &r, &p),
			 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_ECHO), 0);
	/* the same server in mapped form does */
	assert_int_equal(fk_submit_to(f, f->sock, (struct sockaddr *)&dst, sizeof(dst), &r, &p), 0);
	fk_last_msg(f, &m);
	o = fk_opt_get(&m, COAP_OPTION_ECHO, 0);
	assert_non_null(o);
	assert_int_equal(o->len, 5);
	assert_memory_equal(o->val, "fresh", 5);
}

/* ---- 6a: duplicates of a response to an earlier block ------------------------ */

/*
 * A CON response to block 0 comes separately; we ACK it and ask for block 1
 * with a new token. Our ACK is lost, so the server sends block 0 again: it
 * must be ACKed again (RFC 7252 §4.5), not answered with RST (which makes
 * the server drop the transfer), and not delivered twice. A NON duplicate is
 * dropped silently.
 */
static void test_dup_con_response_earlier_block(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t body[2 * BS];
	struct fk_msg m, b0, b1, nb;
	size_t n;

	memset(body, 'x', sizeof(body));
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	fk_msg_reply(&b0, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x7000);
	fk_msg_opt_uint(&b0, COAP_OPTION_BLOCK2, fk_block(0, true, fk_local_szx()));
	fk_msg_payload(&b0, body, BS);
	fk_deliver_msg(f, &b0);
	assert_int_equal(fk_nev(f), 1);
	n = fk_nsent(f);
	assert_true(fk_is_empty_ack(fk_sent(f, n - 2), 0x7000));
	fk_last_msg(f, &m); /* the continuation, new token */
	assert_int_equal(block_opt(&m, COAP_OPTION_BLOCK2), fk_block(1, false, fk_local_szx()));

	fk_deliver_msg(f, &b0);
	assert_int_equal(fk_nsent(f), n + 1);
	assert_true(fk_is_empty_ack(fk_sent(f, n), 0x7000));
	assert_int_equal(fk_count_rst(f, 0), 0);
	assert_int_equal(fk_nev(f), 1);

	/* the last block, piggybacked; then block 0 once more after the end */
	fk_msg_reply(&b1, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt_uint(&b1, COAP_OPTION_BLOCK2, fk_block(1, false, fk_local_szx()));
	fk_msg_payload(&b1, body + BS, 10);
	fk_deliver_msg(f, &b1);
	assert_int_equal(fk_nev(f), 2);
	assert_true(fk_ev(f, 1)->final);
	fk_deliver_msg(f, &b0);
	assert_int_equal(fk_nsent(f), n + 2);
	assert_true(fk_is_empty_ack(fk_sent(f, n + 1), 0x7000));

	/* NON: a repeated response to an earlier block gets nothing back */
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&nb, &m, COAP_TYPE_NON_CON, COAP_RESPONSE_CODE_CONTENT, 0x7100);
	fk_msg_opt_uint(&nb, COAP_OPTION_BLOCK2, fk_block(0, true, fk_local_szx()));
	fk_msg_payload(&nb, body, BS);
	fk_deliver_msg(f, &nb);
	assert_int_equal(fk_nev(f), 3);
	n = fk_nsent(f);
	fk_deliver_msg(f, &nb);
	assert_int_equal(fk_nsent(f), n);
	assert_int_equal(fk_nev(f), 3);
	assert_int_equal(fk_count_rst(f, 0), 0);
	assert_true(zc_engine_busy(&f->eng));
}

/* ---- 7: block numbers past 20 bits ------------------------------------------- */

/*
 * We ask for 16-byte blocks (early negotiation, RFC 7959 §2.4) and the
 * server answers with blocks of the configured size, which we accept: after
 * 2^24 bytes the next 16-byte block would be NUM 2^20, which the Block2
 * option cannot carry (§2.2). The request must end with -EOVERFLOW, not ask
 * for NUM 0 again (bytes 0..15, which the server would happily resend).
 */
static void test_block2_num_overflow(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_option early = {COAP_OPTION_BLOCK2, 1, {0}}; /* NUM 0, SZX 0 = 16 */
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "endless", NULL);
	const uint32_t per = BS / 16U; /* our blocks per server block */
	const uint32_t nblocks = (1U << 20) / per;
	static uint8_t chunk[BS];
	struct fk_msg m, resp;

	memset(chunk, 'e', sizeof(chunk));
	r.options = &early;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (uint32_t i = 0; i < nblocks; i++) {
		fk_last_msg(f, &m);
		assert_int_equal(block_opt(&m, COAP_OPTION_BLOCK2), fk_block(i * per, false, 0));
		fk_forget(f);
		fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(i, true, fk_local_szx()));
		fk_msg_payload(&resp, chunk, BS);
		fk_deliver_msg(f, &resp);
		assert_int_equal(fk_nev(f), 1);
	}
	/* the last server block was accepted, but nothing more is asked for */
	assert_int_equal(fk_nsent(f), 0);
	fk_assert_error(fk_ev(f, 0), -EOVERFLOW);
	assert_false(zc_engine_busy(&f->eng));
}

/*
 * Block1: the server lowers the block size (RFC 7959 §2.5) after 2^24 bytes
 * of an upload, so the next block at 16 bytes would be NUM 2^20: -EOVERFLOW
 * instead of sending NUM 0 (which would overwrite the start of the body).
 */
static void test_block1_num_overflow(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "up", NULL);
	const uint32_t nblocks = (1U << 24) / BS;
	size_t total = (1U << 24) + 100U;
	uint8_t *body = calloc(1, total);
	struct fk_msg m, resp;

	assert_non_null(body);
	r.payload = body;
	r.len = total;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (uint32_t i = 0; i < nblocks; i++) {
		bool last = i + 1 == nblocks;

		fk_last_msg(f, &m);
		assert_int_equal(block_opt(&m, COAP_OPTION_BLOCK1),
				 fk_block(i, true, fk_local_szx()));
		fk_forget(f);
		fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTINUE, 0);
		/* the last acknowledgement asks for 16-byte blocks from now on */
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1,
				last ? fk_block(i * (BS / 16U), true, 0)
				     : fk_block(i, true, fk_local_szx()));
		fk_deliver_msg(f, &resp);
		assert_int_equal(fk_nev(f), 1);
		if (!last) {
			fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTINUE, NULL, 0,
					   (size_t)(i + 1) * BS, false, false);
		}
	}
	assert_int_equal(fk_nsent(f), 0);
	fk_assert_error(fk_ev(f, 0), -EOVERFLOW);
	assert_false(zc_engine_busy(&f->eng));
	free(body);
}

/* ---- 8: truncated datagrams pass the same checks ----------------------------- */

/*
 * A reserved-class (3.xx) reply too large for the buffer is not a response
 * (RFC 7252 §4.2, §5.9): it must not end a POST with -EMSGSIZE. The genuine
 * answer that follows completes the request.
 */
static void test_truncated_reserved_class(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_POST, true, "act", NULL);
	static uint8_t big[BS + 200];
	struct fk_msg m, bad, con;
	size_t n;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	n = fk_nsent(f);
	fk_msg_reply(&bad, &m, COAP_TYPE_ACK, COAP_MAKE_RESPONSE_CODE(3, 1), 0);
	fk_msg_payload(&bad, big, sizeof(big));
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &bad, 64);
	/* as a CON it gets RST like any other reserved-class message */
	fk_msg_reply(&con, &m, COAP_TYPE_CON, COAP_MAKE_RESPONSE_CODE(3, 1), 0x5151);
	fk_msg_payload(&con, big, sizeof(big));
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &con, 64);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), n + 1);
	assert_true(fk_is_rst(fk_sent(f, n), 0x5151));
	assert_true(zc_engine_busy(&f->eng));
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CHANGED, "ok", 2);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CHANGED, "ok", 2, 0, true, true);
}

/*
 * An oversized 2.05 with an unrecognised critical option (§5.4.1) must not
 * make a GET start over with a new token and MID -- after which the genuine
 * piggybacked response no longer matches.
 */
static void test_truncated_unknown_critical(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	static uint8_t big[BS + 200];
	struct fk_msg m, bad;
	size_t n;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	n = fk_nsent(f);
	fk_msg_reply(&bad, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt(&bad, 65001, "c", 1); /* odd: critical; not one we know */
	fk_msg_payload(&bad, big, sizeof(big));
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &bad, 64);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), n);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_CONTENT, "real", 4);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, "real", 4, 0, true, true);
}

/*
 * Where the kept prefix ends inside the option area, the options that did
 * not arrive could be unrecognised critical ones: the datagram cannot be
 * checked and is rejected like a malformed one (CON: RST), not acted on.
 */
static void test_truncated_options_cut(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	static uint8_t big[BS + 200];
	uint8_t etag[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct fk_msg m, resp;
	size_t n;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	n = fk_nsent(f);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x5252);
	fk_msg_opt(&resp, COAP_OPTION_ETAG, etag, sizeof(etag));
	fk_msg_opt(&resp, COAP_OPTION_LOCATION_PATH, big, 200);
	fk_msg_payload(&resp, big, sizeof(big));
	/* header 4, token 8, ETag 9: cut inside the Location-Path value */
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &resp, 40);
	/* cut right after the ETag: a complete option, but more may follow */
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &resp, 21);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), n + 2);
	assert_true(fk_is_rst(fk_sent(f, n), 0x5252));
	assert_true(fk_is_rst(fk_sent(f, n + 1), 0x5252));
	assert_true(zc_engine_busy(&f->eng));
}

/*
 * An accepted truncated CON response is ACKed and the block asked for again
 * with a new token; if the ACK is lost, the server's retransmission must be
 * ACKed again (RFC 7252 §4.5), not answered with RST.
 */
static void test_truncated_con_duplicate(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	static uint8_t big[BS + 200];
	struct fk_msg m, resp;
	size_t n;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_empty_ack(f, m.mid);
	n = fk_nsent(f);
	fk_msg_reply(&resp, &m, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, 0x5353);
	fk_msg_payload(&resp, big, sizeof(big));
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &resp, 64);
	assert_int_equal(fk_nsent(f), n + 2); /* ACK, then the re-asked block */
	assert_true(fk_is_empty_ack(fk_sent(f, n), 0x5353));
	fk_last_msg(f, &m);
	assert_int_equal(block_opt(&m, COAP_OPTION_BLOCK2), fk_block(0, false, fk_local_szx()));
	fk_deliver_trunc_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), &resp, 64);
	assert_int_equal(fk_nsent(f), n + 3);
	assert_true(fk_is_empty_ack(fk_sent(f, n + 2), 0x5353));
	assert_int_equal(fk_nev(f), 0);
	assert_true(zc_engine_busy(&f->eng));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_v4_mapped_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v4_mapped_destination, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v4_mapped_echo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dup_con_response_earlier_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block2_num_overflow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_num_overflow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_reserved_class, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_unknown_critical, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_options_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_con_duplicate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
