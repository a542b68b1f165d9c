/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_block_observe.c -- block-wise transfers (RFC 7959) and
 * observation (RFC 7641) over real UDP against the scripted peer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys_util.h"

/* The SZX of the configured block size (6 for 1024 bytes, 4 in the constrained profile). */
#define SZX_1024 ((uint8_t)coap_bytes_to_block_size(ZCOAP_CONFIG_BLOCK_SIZE))

static uint8_t *make_body(size_t len)
{
	uint8_t *b = malloc(len);

	assert_non_null(b);
	for (size_t i = 0; i < len; i++) {
		b[i] = (uint8_t)(i * 7 + i / 251);
	}
	return b;
}

/* Decode a Block option of @p m; fails the test when it is absent. */
static void get_block(const struct peer_msg *m, uint16_t num, uint32_t *nr, bool *more,
		      uint8_t *szx)
{
	const struct peer_opt *o = peer_msg_opt(m, num, 0);
	uint32_t v;

	assert_non_null(o);
	assert_true(o->len <= 3);
	assert_int_equal(peer_msg_count_opt(m, num), 1);
	v = peer_opt_uint(o);
	*nr = v >> 4;
	*more = (v & 8) != 0;
	*szx = (uint8_t)(v & 7);
}

/*
 * Block1 upload (RFC 7959 §2.5): a body larger than ZCOAP_CONFIG_MESSAGE_SIZE
 * goes in blocks NUM 0..n with M set on all but the last, Size1, and one
 * Request-Tag for the whole body (RFC 9175 §3.3); one callback per block's
 * response with offset = bytes sent so far, last_block on the final one.
 */
static void test_block1_upload(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_PUT, true, "up/load");
	const size_t total = 3000;
	const size_t bs = ZCOAP_CONFIG_BLOCK_SIZE;
	const size_t nblocks = (total + bs - 1) / bs;
	uint8_t *body = make_body(total);
	uint8_t tag[8];
	uint16_t tag_len = 0;
	uint16_t mids[64];
	size_t sent = 0;

	assert_true(total > ZCOAP_CONFIG_MESSAGE_SIZE);
	assert_true(nblocks <= 64);
	req.payload = body;
	req.len = total;
	req.fmt = COAP_CONTENT_FORMAT_APP_OCTET_STREAM;
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &req, &params), 0);

	for (size_t i = 0; i < nblocks; i++) {
		uint32_t nr;
		bool more;
		uint8_t szx;
		const struct peer_opt *rt, *size1;
		size_t chunk = total - sent < bs ? total - sent : bs;
		uint8_t bval[3];
		struct peer_opt opt = {COAP_OPTION_BLOCK1, 0, bval};
		char path[32];

		if (i == 0) {
			assert_int_equal(peer_recv(&s->peer, &s->req, PEER_WAIT_MS), 0);
		} else {
			sys_recv_other(s, &s->other);
			s->req = s->other;
		}
		assert_true(s->req.valid);
		assert_int_equal(s->req.type, COAP_TYPE_CON);
		assert_int_equal(s->req.code, COAP_METHOD_PUT);
		assert_string_equal(peer_msg_path(&s->req, path, sizeof(path)), "up/load");
		get_block(&s->req, COAP_OPTION_BLOCK1, &nr, &more, &szx);
		assert_int_equal(nr, i);
		assert_int_equal(more, i + 1 < nblocks);
		assert_int_equal(16U << szx, bs);
		assert_int_equal(s->req.payload_len, chunk);
		assert_memory_equal(peer_msg_payload(&s->req), body + sent, chunk);

		rt = peer_msg_opt(&s->req, COAP_OPTION_REQUEST_TAG, 0);
		assert_non_null(rt);
		assert_true(rt->len <= 8);
		if (i == 0) {
			tag_len = rt->len;
			memcpy(tag, rt->val, rt->len);
		} else {
			assert_int_equal(rt->len, tag_len);
			assert_memory_equal(rt->val, tag, tag_len);
		}
		size1 = peer_msg_opt(&s->req, COAP_OPTION_SIZE1, 0);
		if (i == 0) {
			assert_non_null(size1);
		}
		if (size1 != NULL) {
			assert_int_equal(peer_opt_uint(size1), total);
		}
		mids[i] = s->req.mid;
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(mids[j], mids[i]);
		}
		sent += chunk;

		/* Atomic server: 2.31 Continue (M echoed) on the way, 2.04 at the end. */
		opt.len = peer_block_value(bval, (uint32_t)i, i + 1 < nblocks, SZX_1024);
		assert_int_equal(peer_reply(&s->peer, &s->req,
					    i + 1 < nblocks ? COAP_RESPONSE_CODE_CONTINUE
							    : COAP_RESPONSE_CODE_CHANGED,
					    &opt, 1, NULL, 0),
				 0);
	}
	assert_true(recorder_wait(&s->rec, nblocks, RECORDER_WAIT_MS));
	sent = 0;
	for (size_t i = 0; i < nblocks; i++) {
		struct rec_event ev = recorder_get(&s->rec, i);

		sent += total - sent < bs ? total - sent : bs;
		assert_int_equal(ev.code, i + 1 < nblocks ? COAP_RESPONSE_CODE_CONTINUE
							  : COAP_RESPONSE_CODE_CHANGED);
		assert_int_equal(ev.offset, sent);
		assert_int_equal(ev.last_block, i + 1 == nblocks);
	}
	sys_keeper(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), nblocks);
	free(body);
}

/*
 * Block2 download (RFC 7959 §2.4): a response with Block2 M=1 is continued
 * with GETs for NUM+1; every byte is delivered exactly once, in order, with
 * offset = bytes delivered before the chunk.
 */
static void test_block2_download(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "files/big");
	const size_t total = 2500;
	const size_t bs = ZCOAP_CONFIG_BLOCK_SIZE;
	const size_t nblocks = (total + bs - 1) / bs;
	uint8_t *body = make_body(total);
	uint8_t *got = calloc(1, total);
	static const uint8_t etag[2] = {0x12, 0x34};
	size_t off = 0, count;

	assert_non_null(got);
	sys_send(s, &req, &params);
	assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_BLOCK1), 0);
	for (size_t i = 0; i < nblocks; i++) {
		uint8_t bval[3], sval[4];
		struct peer_opt opts[3] = {
		    {COAP_OPTION_ETAG, sizeof(etag), etag},
		    {COAP_OPTION_BLOCK2, 0, bval},
		    {COAP_OPTION_SIZE2, 0, sval},
		};
		size_t chunk = total - i * bs < bs ? total - i * bs : bs;
		char path[32];

		if (i > 0) {
			uint32_t nr;
			bool more;
			uint8_t szx;

			sys_recv_other(s, &s->other);
			s->req = s->other;
			assert_true(s->req.valid);
			assert_int_equal(s->req.code, COAP_METHOD_GET);
			assert_string_equal(peer_msg_path(&s->req, path, sizeof(path)),
					    "files/big");
			get_block(&s->req, COAP_OPTION_BLOCK2, &nr, &more, &szx);
			assert_int_equal(nr, i);
			assert_false(more);
			assert_int_equal(szx, SZX_1024);
			assert_null(peer_msg_payload(&s->req));
			assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_OBSERVE), 0);
		}
		opts[1].len = peer_block_value(bval, (uint32_t)i, i + 1 < nblocks, SZX_1024);
		opts[2].len = peer_uint_value(sval, (uint32_t)total);
		assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, opts,
					    i == 0 ? 3 : 2, body + i * bs, chunk),
				 0);
	}
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	/* Wait for the final chunk, however the body was split into callbacks. */
	for (;;) {
		struct rec_event ev;

		count = recorder_count(&s->rec);
		ev = recorder_get(&s->rec, count - 1);
		if (ev.last_block || count >= RECORDER_MAX_EVENTS) {
			break;
		}
		assert_true(recorder_wait(&s->rec, count + 1, RECORDER_WAIT_MS));
	}
	for (size_t i = 0; i < count; i++) {
		struct rec_event ev = recorder_get(&s->rec, i);

		assert_int_equal(ev.code, COAP_RESPONSE_CODE_CONTENT);
		assert_int_equal(ev.offset, off);
		assert_int_equal(ev.last_block, i + 1 == count);
		assert_true(off + ev.len <= total);
		if (ev.len > 0) {
			memcpy(got + off, ev.payload, ev.len);
		}
		off += ev.len;
	}
	assert_int_equal(off, total);
	assert_memory_equal(got, body, total);
	/* The library delivers one callback per block. */
	assert_int_equal(count, nblocks);
	sys_keeper(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), count);
	free(body);
	free(got);
}

static const struct coap_client_option observe0 = {
    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};

static struct coap_client_request observe_request(struct sys *s, bool con)
{
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, con, "obs");

	req.options = &observe0;
	req.num_options = 1;
	return req;
}

static int notify(struct sys *s, uint8_t type, uint16_t mid, uint32_t seq, const char *text)
{
	uint8_t v[4];
	struct peer_opt o = {COAP_OPTION_OBSERVE, 0, v};

	o.len = peer_uint_value(v, seq);
	if (type == COAP_TYPE_ACK) {
		return peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &o, 1, text,
				  strlen(text));
	}
	return peer_separate(&s->peer, &s->req, type, mid, COAP_RESPONSE_CODE_CONTENT, &o, 1, text,
			     strlen(text));
}

static void assert_notification(struct sys *s, size_t i, const char *text, uint32_t seq)
{
	struct rec_event ev;

	assert_true(recorder_wait(&s->rec, i + 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, i, COAP_RESPONSE_CODE_CONTENT, text, true);
	ev = recorder_get(&s->rec, i);
	assert_int_equal(ev.offset, 0);
	assert_true(ev.has_observe);
	assert_int_equal(ev.observe, seq);
}

/*
 * Observe (RFC 7641): three notifications each delivered with last_block;
 * the CON one is ACKed, the NON one is not; after cancel the request gets
 * -ECANCELED and the next notifications are answered with RST (§3.6).
 */
/*
 * Cancelling an observation also tells the server at once (RFC 7641 §3.6): a
 * NON GET with Observe = 1 and the registration token, sent by the canceller.
 */
static void expect_cancel_deregistration(struct sys *s, const struct peer_msg *reg)
{
	const struct peer_opt *o;

	sys_recv_other(s, &s->other);
	assert_int_equal(s->other.type, COAP_TYPE_NON_CON);
	assert_int_equal(s->other.code, COAP_METHOD_GET);
	assert_int_equal(s->other.tkl, reg->tkl);
	assert_memory_equal(s->other.token, reg->token, reg->tkl);
	o = peer_msg_opt(&s->other, COAP_OPTION_OBSERVE, 0);
	assert_non_null(o);
	assert_int_equal(peer_opt_uint(o), 1);
}

static void test_observe_cancel(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = observe_request(s, true);
	const struct peer_opt *o;
	struct peer_msg *others = calloc(4, sizeof(*others));
	size_t n = 0;
	uint16_t mid2 = peer_next_mid(), mid3 = peer_next_mid();
	uint16_t mid4 = peer_next_mid(), mid5 = peer_next_mid();

	assert_non_null(others);
	sys_send(s, &req, &params);
	o = peer_msg_opt(&s->req, COAP_OPTION_OBSERVE, 0);
	assert_non_null(o);
	assert_int_equal(peer_opt_uint(o), 0);

	assert_int_equal(notify(s, COAP_TYPE_ACK, 0, 5, "n1"), 0);
	assert_notification(s, 0, "n1", 5);
	assert_true(coap_client_has_ongoing_exchange(&s->client));

	assert_int_equal(notify(s, COAP_TYPE_CON, mid2, 6, "n2"), 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid2));
	assert_notification(s, 1, "n2", 6);

	assert_int_equal(notify(s, COAP_TYPE_NON_CON, mid3, 7, "n3"), 0);
	assert_notification(s, 2, "n3", 7);
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 4, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(others[i].mid, mid3);
	}
	assert_true(coap_client_has_ongoing_exchange(&s->client));

	coap_client_cancel_requests(&s->client);
	assert_int_equal(recorder_count(&s->rec), 4);
	sys_assert_event(&s->rec, 3, -ECANCELED, NULL, true);
	assert_true(pthread_equal(recorder_get(&s->rec, 3).thread, pthread_self()));
	assert_false(coap_client_has_ongoing_exchange(&s->client));
	expect_cancel_deregistration(s, &s->req);

	sys_keeper(s);
	assert_int_equal(notify(s, COAP_TYPE_CON, mid4, 8, "n4"), 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid4));
	assert_int_equal(notify(s, COAP_TYPE_NON_CON, mid5, 9, "n5"), 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid5));
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 4);
	free(others);
}

/* A duplicate CON notification (same MID) is ACKed again but delivered once (§4.5). */
static void test_observe_duplicate(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = observe_request(s, true);
	uint16_t mid2 = peer_next_mid();

	sys_send(s, &req, &params);
	assert_int_equal(notify(s, COAP_TYPE_ACK, 0, 1, "a"), 0);
	assert_notification(s, 0, "a", 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(notify(s, COAP_TYPE_CON, mid2, 2, "b"), 0);
		sys_recv_other(s, &s->other);
		assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid2));
	}
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 2);
	assert_notification(s, 1, "b", 2);
}

static struct sys *own_cb_sys;

static void hook_cancel_self(struct recorder *r, const struct rec_event *ev, size_t index)
{
	struct coap_client_request pattern;

	(void)ev;
	if (index == 1) {
		memset(&pattern, 0, sizeof(pattern));
		pattern.user_data = r;
		coap_client_cancel_request(&own_cb_sys->client, &pattern);
	}
}

/*
 * Cancelling an observation from inside its own notification callback: no
 * deadlock, no further notification delivered, the next one gets RST.
 */
static void test_observe_cancel_in_own_callback(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = observe_request(s, false);
	uint16_t mid2 = peer_next_mid(), mid3 = peer_next_mid();
	size_t count;

	own_cb_sys = s;
	recorder_set_hook(&s->rec, hook_cancel_self, NULL);
	sys_keeper(s);
	sys_send(s, &req, &params);
	assert_int_equal(notify(s, COAP_TYPE_NON_CON, peer_next_mid(), 1, "a"), 0);
	assert_notification(s, 0, "a", 1);
	assert_int_equal(notify(s, COAP_TYPE_CON, mid2, 2, "b"), 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid2));
	assert_notification(s, 1, "b", 2);
	expect_cancel_deregistration(s, &s->req);
	assert_int_equal(notify(s, COAP_TYPE_CON, mid3, 3, "c"), 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid3));
	sys_barrier(s);
	/* At most one -ECANCELED may follow the cancelled notification; nothing else. */
	count = recorder_count(&s->rec);
	assert_true(count == 2 || count == 3);
	if (count == 3) {
		sys_assert_event(&s->rec, 2, -ECANCELED, NULL, true);
	}
	recorder_set_hook(&s->rec, NULL, NULL);
}

/*
 * Deregistration (RFC 7641 §3.6): GET with Observe 1 and the registration
 * token; the server's final response ends the request with last_block.
 */
static void test_observe_deregister(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = observe_request(s, true);
	struct coap_client_request pattern;
	struct peer_msg *reg = malloc(sizeof(*reg));
	const struct peer_opt *o;
	char path[8];
	uint16_t mid9 = peer_next_mid();

	assert_non_null(reg);
	memset(&pattern, 0, sizeof(pattern));
	pattern.path = "obs";
	assert_int_equal(coap_client_deregister_observe(&s->client, &pattern), -ENOENT);
	assert_int_equal(coap_client_deregister_observe(NULL, &pattern), -EINVAL);
	assert_int_equal(coap_client_deregister_observe(&s->client, NULL), -EINVAL);

	sys_send(s, &req, &params);
	*reg = s->req;
	assert_int_equal(notify(s, COAP_TYPE_ACK, 0, 1, "a"), 0);
	assert_notification(s, 0, "a", 1);

	assert_int_equal(coap_client_deregister_observe(&s->client, &pattern), 0);
	sys_recv_other(s, &s->other);
	s->req = s->other;
	assert_true(s->req.valid);
	assert_int_equal(s->req.type, COAP_TYPE_CON);
	assert_int_equal(s->req.code, COAP_METHOD_GET);
	assert_string_equal(peer_msg_path(&s->req, path, sizeof(path)), "obs");
	o = peer_msg_opt(&s->req, COAP_OPTION_OBSERVE, 0);
	assert_non_null(o);
	assert_int_equal(peer_opt_uint(o), 1);
	assert_int_equal(s->req.tkl, reg->tkl);
	assert_memory_equal(s->req.token, reg->token, reg->tkl);
	assert_int_not_equal(s->req.mid, reg->mid);

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "bye", 3), 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "bye", true);

	sys_keeper(s);
	s->req = *reg;
	assert_int_equal(notify(s, COAP_TYPE_CON, mid9, 9, "late"), 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid9));
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 2);
	free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_block1_upload, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_block2_download, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_observe_duplicate, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_observe_cancel_in_own_callback, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_observe_deregister, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
