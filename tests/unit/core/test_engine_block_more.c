/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_engine_block_more.c -- the block-wise rules of docs/design/block-wise.md
 * beyond the basic ones: a larger server block, Size2 checks, truncated
 * datagrams (MSG_TRUNC), Block1 then Block2 with one Request-Tag, streaming
 * uploads through payload_cb, 4.13/4.08 restarts, early Block2 only on the
 * first request, and block numbers that cannot be right.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

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

static uint8_t *make_body(size_t len)
{
	uint8_t *b = malloc(len);

	assert_non_null(b);
	for (size_t i = 0; i < len; i++) {
		b[i] = (uint8_t)(i * 13 + i / 97);
	}
	return b;
}

/* Answer decoded request @p req with 2.05, Block2 @p b2, optional Size2 and the data. */
static void block2_reply(struct fk *f, const struct fk_msg *req, uint32_t b2, const uint8_t *data,
			 size_t len, uint32_t size2)
{
	struct fk_msg resp;

	fk_msg_reply(&resp, req, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, b2);
	if (size2 != 0) {
		fk_msg_opt_uint(&resp, COAP_OPTION_SIZE2, size2);
	}
	fk_msg_payload(&resp, data, len);
	fk_deliver_msg(f, &resp);
}

static uint32_t block2_of(const struct fk_msg *m)
{
	uint32_t v = 0;

	assert_true(fk_opt_uint(m, COAP_OPTION_BLOCK2, &v));
	return v;
}

/*
 * The server answers with a larger block than we asked for (here: we ask for
 * 32-byte blocks with an early Block2, the server keeps sending 64): the part
 * already delivered is skipped, nothing is lost or repeated.
 */
static void test_larger_server_block(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_option early = {COAP_OPTION_BLOCK2, 1, {1}}; /* NUM 0, SZX 1 = 32 */
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t *body = make_body(150);
	uint8_t got[150];
	size_t have = 0;
	struct fk_msg m;

	r.options = &early;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(block2_of(&m), fk_block(0, false, 1));
	/* 64 bytes (SZX 2) although 32 were asked for */
	block2_reply(f, &m, fk_block(0, true, 2), body, 64, 0);
	assert_int_equal(fk_nev(f), 1);
	memcpy(got + have, fk_ev(f, 0)->payload, fk_ev(f, 0)->len);
	have += fk_ev(f, 0)->len;
	assert_int_equal(have, 64);
	fk_last_msg(f, &m);
	/* next: byte 64 in our 32-byte blocks = NUM 2 */
	assert_int_equal(block2_of(&m), fk_block(2, false, 1));
	/* the server again answers with its 64-byte block 1 (bytes 64..127) */
	block2_reply(f, &m, fk_block(1, true, 2), body + 64, 64, 0);
	assert_int_equal(fk_nev(f), 2);
	assert_int_equal(fk_ev(f, 1)->offset, 64);
	memcpy(got + have, fk_ev(f, 1)->payload, fk_ev(f, 1)->len);
	have += fk_ev(f, 1)->len;
	fk_last_msg(f, &m);
	assert_int_equal(block2_of(&m), fk_block(4, false, 1));
	block2_reply(f, &m, fk_block(2, false, 2), body + 128, 22, 0);
	assert_int_equal(fk_nev(f), 3);
	assert_int_equal(fk_ev(f, 2)->offset, 128);
	assert_true(fk_ev(f, 2)->last_block);
	assert_true(fk_ev(f, 2)->final);
	memcpy(got + have, fk_ev(f, 2)->payload, fk_ev(f, 2)->len);
	have += fk_ev(f, 2)->len;
	assert_int_equal(have, 150);
	assert_memory_equal(got, body, 150);
	free(body);
}

/* A block that starts before the bytes we need while not being larger is not ours. */
static void test_stale_block_rejected(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t *body = make_body(3 * BS);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	block2_reply(f, &m, fk_block(0, true, fk_local_szx()), body, BS, 0);
	fk_last_msg(f, &m);
	/* block 0 again instead of block 1: no progress */
	block2_reply(f, &m, fk_block(0, true, fk_local_szx()), body, BS, 0);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -EBADMSG);
	assert_false(zc_engine_busy(&f->eng));
	free(body);
}

/* NUM values far beyond the body (the offset must still be computed without overflow). */
static void test_huge_num_rejected(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t *body = make_body(BS);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	/* NUM 2^20 - 1 (the largest a 3-byte option holds) as the first block */
	block2_reply(f, &m, fk_block(0xFFFFF, true, fk_local_szx()), body, BS, 0);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -EBADMSG);
	free(body);
}

/* Size2 (RFC 7959 §4) that disagrees with the body received ends the transfer. */
static void test_size2_mismatch(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t *body = make_body(BS + 10);
	struct fk_msg m;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	block2_reply(f, &m, fk_block(0, true, fk_local_szx()), body, BS, BS + 20);
	assert_int_equal(fk_nev(f), 1);
	assert_int_equal(fk_ev(f, 0)->info_size2, BS + 20);
	fk_last_msg(f, &m);
	block2_reply(f, &m, fk_block(1, false, fk_local_szx()), body + BS, 10, 0);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -EBADMSG);
	free(body);
}

/* Deliver @p len bytes of an encoded message as a truncated datagram (MSG_TRUNC). */
static void deliver_truncated(struct fk *f, const struct fk_msg *msg, size_t keep)
{
	uint8_t buf[FK_MAX_DGRAM];
	size_t n = fk_encode(msg, buf, sizeof(buf));

	assert_true(keep <= n);
	zc_engine_receive(&f->eng, f->now, f->sock, (const struct sockaddr *)&f->server,
			  (socklen_t)sizeof(f->server), buf, keep, true);
	fk_drain(f);
}

/*
 * A response too large for the receive buffer is never delivered: a GET asks
 * for the same bytes again in blocks of the configured size (RFC 7959 §2.4).
 */
static void test_truncated_get_refetched(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t *body = make_body(BS + 40);
	struct fk_msg m, resp;
	size_t sent;

	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_payload(&resp, body, BS + 40);
	sent = fk_nsent(f);
	deliver_truncated(f, &resp, 64);
	assert_int_equal(fk_nev(f), 0);
	assert_int_equal(fk_nsent(f), sent + 1);
	fk_last_msg(f, &m);
	assert_int_equal(m.code, COAP_METHOD_GET);
	assert_int_equal(block2_of(&m), fk_block(0, false, fk_local_szx()));
	block2_reply(f, &m, fk_block(0, true, fk_local_szx()), body, BS, 0);
	fk_last_msg(f, &m);
	block2_reply(f, &m, fk_block(1, false, fk_local_szx()), body + BS, 40, 0);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_response(fk_ev(f, 0), COAP_RESPONSE_CODE_CONTENT, body, BS, 0, false, false);
	fk_assert_response(fk_ev(f, 1), COAP_RESPONSE_CODE_CONTENT, body + BS, 40, BS, true, true);
	free(body);
}

/* Truncated twice in a row, or for a method that must not be repeated: -EMSGSIZE. */
static void test_truncated_errors(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request get = fk_req(COAP_METHOD_GET, true, "big", NULL);
	struct coap_client_request post = fk_req(COAP_METHOD_POST, true, "act", NULL);
	uint8_t *body = make_body(BS + 500);
	struct fk_msg m, resp;

	assert_int_equal(fk_submit(f, &get, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_payload(&resp, body, BS + 500);
	deliver_truncated(f, &resp, 64);
	fk_last_msg(f, &m);
	/* the server ignores the block size and answers in full again */
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTENT, 0);
	fk_msg_payload(&resp, body, BS + 500);
	deliver_truncated(f, &resp, 64);
	assert_int_equal(fk_nev(f), 1);
	fk_assert_error(fk_ev(f, 0), -EMSGSIZE);

	assert_int_equal(fk_submit(f, &post, &p), 0);
	fk_last_msg(f, &m);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CHANGED, 0);
	fk_msg_payload(&resp, body, BS + 500);
	deliver_truncated(f, &resp, 64);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -EMSGSIZE);
	assert_false(zc_engine_busy(&f->eng));
	free(body);
}

/*
 * Block1 then Block2 (RFC 7959 §2.7 / Zephyr's 4.3-era
 * test_request_tag_block1_block2): the final Block1 response starts a Block2
 * body; the follow-up requests carry no payload and the same Request-Tag.
 */
static void test_block1_then_block2(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_POST, true, "convert", NULL);
	uint8_t *up = make_body(ZCOAP_CONFIG_MESSAGE_SIZE + 1);
	uint8_t *down = make_body(BS + 5);
	const struct fk_opt *tag;
	uint8_t tag0[8];
	size_t tag_len;
	struct fk_msg m, resp;

	r.payload = up;
	r.len = ZCOAP_CONFIG_MESSAGE_SIZE + 1;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	tag = fk_opt_get(&m, COAP_OPTION_REQUEST_TAG, 0);
	assert_non_null(tag);
	tag_len = tag->len;
	memcpy(tag0, tag->val, tag_len);
	/* walk the upload: 2.31 for every block but the last */
	for (;;) {
		uint32_t b1 = 0;

		assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
		if (GET_MORE(b1)) {
			fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTINUE, 0);
			fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
			fk_deliver_msg(f, &resp);
			fk_last_msg(f, &m);
			continue;
		}
		/* final block: 2.04 with Block1 and the first Block2 block of the answer */
		fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CHANGED, 0);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(0, true, fk_local_szx()));
		fk_msg_payload(&resp, down, BS);
		fk_deliver_msg(f, &resp);
		break;
	}
	fk_last_msg(f, &m);
	assert_int_equal(m.code, COAP_METHOD_POST);
	assert_false(m.has_payload);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_BLOCK1), 0);
	assert_int_equal(block2_of(&m), fk_block(1, false, fk_local_szx()));
	tag = fk_opt_get(&m, COAP_OPTION_REQUEST_TAG, 0);
	assert_non_null(tag);
	assert_int_equal(tag->len, tag_len);
	assert_memory_equal(tag->val, tag0, tag_len);
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CHANGED, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK2, fk_block(1, false, fk_local_szx()));
	fk_msg_payload(&resp, down + BS, 5);
	fk_deliver_msg(f, &resp);
	/* the last two events are the response body: offsets count from 0 */
	{
		size_t n = fk_nev(f);

		fk_assert_response(fk_ev(f, n - 2), COAP_RESPONSE_CODE_CHANGED, down, BS, 0, false,
				   false);
		fk_assert_response(fk_ev(f, n - 1), COAP_RESPONSE_CODE_CHANGED, down + BS, 5, BS,
				   true, true);
	}
	free(up);
	free(down);
}

/* A streaming source of unknown length: 2.5 blocks, handed out block by block. */
struct stream {
	uint8_t *data;
	size_t total;
	size_t calls;
	size_t last_offset;
};

static struct stream stream_src;

static int stream_cb(size_t offset, const uint8_t **payload, size_t *len, bool *last_block,
		     void *user_data)
{
	struct stream *s = &stream_src;
	size_t n = *len;

	(void)user_data;
	s->calls++;
	s->last_offset = offset;
	if (offset + n >= s->total) {
		n = s->total - offset;
		*last_block = true;
	} else {
		*last_block = false;
	}
	*payload = s->data + offset;
	*len = n;
	return 0;
}

static void test_streaming_upload(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "file", NULL);
	uint8_t *got = calloc(1, 3 * BS);
	size_t have = 0;
	struct fk_msg m, resp;

	stream_src = (struct stream){.data = make_body(2 * BS + BS / 2), .total = 2 * BS + BS / 2};
	r.payload_cb = stream_cb;
	r.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	for (int i = 0;; i++) {
		uint32_t b1 = 0;

		fk_last_msg(f, &m);
		assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
		assert_int_equal(GET_BLOCK_NUM(b1), (uint32_t)i);
		/* the total is unknown up front: no Size1 until it is known */
		if (i == 0) {
			assert_int_equal(fk_opt_count(&m, COAP_OPTION_SIZE1), 0);
		}
		assert_true(m.has_payload);
		memcpy(got + have, m.payload, m.payload_len);
		have += m.payload_len;
		fk_msg_reply(
		    &resp, &m, COAP_TYPE_ACK,
		    GET_MORE(b1) ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED, 0);
		fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
		fk_deliver_msg(f, &resp);
		if (!GET_MORE(b1)) {
			break;
		}
	}
	assert_int_equal(have, stream_src.total);
	assert_memory_equal(got, stream_src.data, have);
	/* one call per block, never again for a block already handed out */
	assert_int_equal(stream_src.calls, 3);
	assert_true(fk_ev(f, fk_nev(f) - 1)->final);
	assert_int_equal(fk_ev(f, fk_nev(f) - 1)->offset, stream_src.total);
	free(stream_src.data);
	free(got);
}

/* A payload_cb that breaks the rules or fails aborts the request with that error. */
static int bad_stream_cb(size_t offset, const uint8_t **payload, size_t *len, bool *last_block,
			 void *user_data)
{
	static const uint8_t x[4] = {1, 2, 3, 4};

	(void)user_data;
	if (offset == 0) {
		/* a full first block (*len unchanged) */
		*payload = stream_src.data;
		*last_block = false;
		return 0;
	}
	*payload = x;
	*len = 4; /* short but not last: invalid */
	*last_block = false;
	return 0;
}

static int failing_stream_cb(size_t offset, const uint8_t **payload, size_t *len, bool *last_block,
			     void *user_data)
{
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	return -EIO;
}

static void test_streaming_errors(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "file", NULL);
	struct fk_msg m, resp;
	uint32_t b1 = 0;

	/* a failing source before anything was sent: coap_client_req reports it */
	r.payload_cb = failing_stream_cb;
	assert_int_equal(fk_submit(f, &r, &p), -EIO);
	assert_int_equal(fk_nsent(f), 0);

	/* a source breaking the length rule on block 1: the request ends with -EINVAL */
	stream_src = (struct stream){.data = make_body(BS), .total = BS};
	r.payload_cb = bad_stream_cb;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTINUE, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
	fk_deliver_msg(f, &resp);
	assert_int_equal(fk_nev(f), 2);
	fk_assert_error(fk_ev(f, 1), -EINVAL);
	assert_false(zc_engine_busy(&f->eng));
	free(stream_src.data);
}

/* 4.08 Request Entity Incomplete (RFC 7959 §2.9.2) restarts the upload once from byte 0. */
static void test_block1_408_restart(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "file", NULL);
	uint8_t *body = make_body(ZCOAP_CONFIG_MESSAGE_SIZE + 100);
	struct fk_msg m, resp;
	uint32_t b1 = 0;

	r.payload = body;
	r.len = ZCOAP_CONFIG_MESSAGE_SIZE + 100;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	fk_msg_reply(&resp, &m, COAP_TYPE_ACK, COAP_RESPONSE_CODE_CONTINUE, 0);
	fk_msg_opt_uint(&resp, COAP_OPTION_BLOCK1, b1);
	fk_deliver_msg(f, &resp);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	assert_int_equal(GET_BLOCK_NUM(b1), 1);
	fk_reply_ack(f, &m, COAP_RESPONSE_CODE_INCOMPLETE, NULL, 0);
	fk_last_msg(f, &m);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	assert_int_equal(GET_BLOCK_NUM(b1), 0);
	assert_memory_equal(m.payload, body, m.payload_len);
	free(body);
}

/* The app's early Block2 goes on the first request only; later ones carry ours. */
static void test_early_block2_first_only(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_option early = {COAP_OPTION_BLOCK2, 1, {2}}; /* 64 bytes */
	struct coap_client_request r = fk_req(COAP_METHOD_GET, true, "big", NULL);
	uint8_t *body = make_body(100);
	struct fk_msg m;

	r.options = &early;
	r.num_options = 1;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_BLOCK2), 1);
	assert_int_equal(block2_of(&m), fk_block(0, false, 2));
	block2_reply(f, &m, fk_block(0, true, 2), body, 64, 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_BLOCK2), 1);
	assert_int_equal(block2_of(&m), fk_block(1, false, 2));
	block2_reply(f, &m, fk_block(1, false, 2), body + 64, 36, 0);
	assert_int_equal(fk_nev(f), 2);
	assert_true(fk_ev(f, 1)->final);
	free(body);
}

/* A Block1 extra option picks a smaller upload block size (zcoap extension). */
static void test_block1_size_choice(void **state)
{
	struct fk *f = *state;
	struct coap_transmission_parameters p = fk_params();
	struct coap_client_option b1opt = {COAP_OPTION_BLOCK1, 1, {0}}; /* 16 bytes */
	struct coap_client_request r = fk_req(COAP_METHOD_PUT, true, "small", NULL);
	uint8_t *body = make_body(40);
	struct fk_msg m;
	uint32_t b1 = 0;

	r.options = &b1opt;
	r.num_options = 1;
	r.payload = body;
	r.len = 40;
	assert_int_equal(fk_submit(f, &r, &p), 0);
	fk_last_msg(f, &m);
	assert_int_equal(fk_opt_count(&m, COAP_OPTION_BLOCK1), 1);
	assert_true(fk_opt_uint(&m, COAP_OPTION_BLOCK1, &b1));
	assert_int_equal(b1, fk_block(0, true, 0));
	assert_int_equal(m.payload_len, 16);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_larger_server_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_block_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge_num_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size2_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_get_refetched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_then_block2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streaming_upload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_streaming_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_408_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_early_block2_first_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block1_size_choice, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
