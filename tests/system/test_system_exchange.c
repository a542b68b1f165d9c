/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_exchange.c -- the real client (its thread, real UDP on
 * 127.0.0.1) against the scripted peer: request/response matching,
 * retransmission, separate responses, RST, duplicates, endpoints, Echo and
 * argument checks (RFC 7252 §4, §5.3.2; RFC 9175 §2).
 *
 * No test sleeps to synchronise: the peer waits for what the client must
 * send, the recorder waits for callbacks, and "nothing else happened"
 * checks are made after a barrier (peer_barrier()) that the client can only
 * answer after it has processed everything sent before it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys_util.h"

static const uint8_t other_token[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};

/* A piggybacked 2.05 is matched by MID and token and delivered once (RFC 7252 §5.2.1). */
static void test_get_piggybacked(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req =
	    sys_request(s, COAP_METHOD_GET, true, "sensors/temp?unit=c&x");
	char path[64];
	uint8_t cf = COAP_CONTENT_FORMAT_TEXT_PLAIN;
	struct peer_opt opt = {COAP_OPTION_CONTENT_FORMAT, 0, &cf};
	struct rec_event ev;

	sys_send(s, &req, &params);
	assert_string_equal(peer_msg_path(&s->req, path, sizeof(path)), "sensors/temp");
	assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_URI_QUERY), 2);
	assert_memory_equal(peer_msg_opt(&s->req, COAP_OPTION_URI_QUERY, 0)->val, "unit=c", 6);
	assert_int_equal(peer_msg_opt(&s->req, COAP_OPTION_URI_QUERY, 1)->len, 1);
	/* RFC 7252 §5.3.1/§11.4: tokens carry enough randomness against spoofing. */
	assert_true(s->req.tkl >= 4);
	/* No body: no payload and no Content-Format. */
	assert_null(peer_msg_payload(&s->req));
	assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_CONTENT_FORMAT), 0);
	assert_true(coap_client_has_ongoing_exchange(&s->client));

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &opt, 1, "22.5", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "22.5", true);
	ev = recorder_get(&s->rec, 0);
	assert_int_equal(ev.offset, 0);
	assert_int_equal(ev.source_port, peer_port(&s->peer));
	assert_false(pthread_equal(ev.thread, pthread_self()));

	/* Duplicates of the request stop, the exchange is over, nothing more comes. */
	sys_keeper(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
}

/* A body goes out with its Content-Format; a response without payload gives NULL/0. */
static void test_post_payload(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_POST, true, "/things/");
	static const uint8_t body[] = "{\"on\":true}";
	char path[64];
	struct rec_event ev;

	req.fmt = COAP_CONTENT_FORMAT_APP_JSON;
	req.payload = body;
	req.len = sizeof(body) - 1;
	sys_send(s, &req, &params);
	assert_string_equal(peer_msg_path(&s->req, path, sizeof(path)), "things");
	assert_int_equal(peer_opt_uint(peer_msg_opt(&s->req, COAP_OPTION_CONTENT_FORMAT, 0)),
			 COAP_CONTENT_FORMAT_APP_JSON);
	assert_int_equal(s->req.payload_len, sizeof(body) - 1);
	assert_memory_equal(peer_msg_payload(&s->req), body, sizeof(body) - 1);

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CHANGED, NULL, 0, NULL, 0), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CHANGED, NULL, true);
	ev = recorder_get(&s->rec, 0);
	assert_true(ev.payload_was_null);
}

/*
 * Separate response (RFC 7252 §5.2.2): Empty ACK, then a CON response with
 * the token and a new MID, which the client acknowledges with an Empty ACK.
 */
static void test_separate_con(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "slow");
	uint16_t mid2 = peer_next_mid();
	uint8_t expect[4] = {0x60, 0x00, (uint8_t)(mid2 >> 8), (uint8_t)mid2};

	sys_send(s, &req, &params);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_true(coap_client_has_ongoing_exchange(&s->client));

	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4),
			 0);
	sys_recv_other(s, &s->other);
	assert_int_equal(s->other.len, 4);
	assert_memory_equal(s->other.buf, expect, 4);
	assert_int_equal(ntohs(s->other.from.sin_port), ntohs(s->req.from.sin_port));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "late", true);
}

/* A NON separate response is matched by token and never acknowledged (RFC 7252 §5.2.2). */
static void test_separate_non(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "slow");
	uint16_t mid2 = peer_next_mid();
	struct peer_msg *others = calloc(4, sizeof(*others));
	size_t n = 0;

	assert_non_null(others);
	sys_keeper(s);
	sys_send(s, &req, &params);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "non", 3),
			 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "non", true);
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 4, &n), 0);
	for (size_t i = 0; i < n; i++) {
		/* Nothing may answer the NON response (no ACK, no RST). */
		assert_false(others[i].mid == mid2);
	}
	assert_int_equal(recorder_count(&s->rec), 1);
	free(others);
}

/* A CON response that arrives before any ACK also acknowledges the request (§5.2.2). */
static void test_con_response_without_ack(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "x");
	uint16_t mid2 = peer_next_mid();

	sys_send(s, &req, &params);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "direct", 6),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid2));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "direct", true);
}

/* No separate response within the separate timeout after an Empty ACK → -ETIMEDOUT. */
static void test_separate_timeout(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "never");

	assert_int_equal(zcoap_client_set_separate_timeout(&s->client, 400), 0);
	sys_send(s, &req, &params);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	/* The retransmission timer is 20 s: only the separate timeout can end this. */
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ETIMEDOUT, NULL, true);
	/* The Empty ACK stopped retransmission. */
	assert_false(peer_pending(&s->peer));
}

/*
 * CON retransmission (RFC 7252 §4.2): the same datagram (same MID and token)
 * goes out max_retransmission more times, then the request fails -ETIMEDOUT.
 */
static void test_retransmit_then_timeout(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_params(100, 3);
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "lost");
	int copies = 0;

	sys_send(s, &req, &params);
	while (peer_recv(&s->peer, &s->other, 5000) == 0) {
		assert_true(s->other.valid);
		assert_int_equal(s->other.len, s->req.len);
		assert_memory_equal(s->other.buf, s->req.buf, s->req.len);
		copies++;
		if (copies == 3) {
			break;
		}
	}
	assert_int_equal(copies, 3);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ETIMEDOUT, NULL, true);
	/* Every send happens before the final callback: nothing else may be queued. */
	assert_false(peer_pending(&s->peer));
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* A late response after -ETIMEDOUT is not delivered (an ACK is ignored). */
static void test_response_after_timeout(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_params(100, 0);
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "lost");
	struct peer_msg first;

	sys_send(s, &req, &params);
	memcpy(&first, &s->req, sizeof(first));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ETIMEDOUT, NULL, true);
	sys_keeper(s);
	assert_int_equal(
	    peer_reply(&s->peer, &first, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "late", 4), 0);
	s->req = first;
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
}

/* NON is sent once; with no response the request ends with -ETIMEDOUT. */
static void test_non_timeout(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_params(100, 2);
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "quiet");

	sys_send(s, &req, &params);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ETIMEDOUT, NULL, true);
	assert_false(peer_pending(&s->peer));
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* NON request, NON response matched by token; the client sends nothing back. */
static void test_non_request_non_response(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "n");
	uint16_t mid2 = peer_next_mid();
	struct peer_msg *others = calloc(4, sizeof(*others));
	size_t n = 0;

	assert_non_null(others);
	sys_keeper(s);
	sys_send(s, &req, &params);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "nn", 2),
			 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "nn", true);
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 4, &n), 0);
	assert_int_equal(n, 0);
	free(others);
}

/* RST with the request's MID → -ECONNRESET (RFC 7252 §4.2). */
static void test_rst(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_PUT, true, "r");

	req.payload = (const uint8_t *)"v";
	req.len = 1;
	sys_send(s, &req, &params);
	assert_int_equal(peer_rst(&s->peer, &s->req), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, -ECONNRESET, NULL, true);
	assert_false(coap_client_has_ongoing_exchange(&s->client));
}

/* An RST with another MID is ignored; the request goes on. */
static void test_rst_other_mid_ignored(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "r");
	uint8_t rst[4];

	sys_send(s, &req, &params);
	assert_int_equal(peer_build(rst, sizeof(rst), COAP_TYPE_RESET, 0,
				    (uint16_t)(s->req.mid + 1), NULL, 0, NULL, 0, NULL, 0),
			 4);
	assert_int_equal(peer_send(&s->peer, &s->req.from, rst, 4), 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
}

/* Duplicate CON response (same MID): ACKed each time, delivered once (RFC 7252 §4.5). */
static void test_duplicate_con_response(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "dup");
	uint16_t mid2 = peer_next_mid();

	sys_keeper(s);
	sys_send(s, &req, &params);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid2,
					       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "once", 4),
				 0);
		sys_recv_other(s, &s->other);
		assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid2));
	}
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "once", true);
}

/* The same piggybacked ACK twice: delivered once, and an ACK is never answered. */
static void test_duplicate_piggybacked(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "dup");
	struct peer_msg *others = calloc(4, sizeof(*others));
	size_t n = 0;

	assert_non_null(others);
	sys_keeper(s);
	sys_send(s, &req, &params);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "one", 3),
		    0);
	}
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(recorder_count(&s->rec), 1);
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "one", true);
	free(others);
}

/* A CON or NON response with an unknown token is answered with RST (§4.2, §4.3, §5.3.2). */
static void test_unknown_token_rst(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "t");
	const uint8_t types[2] = {COAP_TYPE_CON, COAP_TYPE_NON_CON};

	sys_send(s, &req, &params);
	for (int i = 0; i < 2; i++) {
		uint16_t mid = peer_next_mid();

		assert_int_equal(peer_send_msg(&s->peer, &s->req.from, types[i],
					       COAP_RESPONSE_CODE_CONTENT, mid, other_token,
					       sizeof(other_token), NULL, 0, "who", 3),
				 0);
		sys_recv_other(s, &s->other);
		assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid));
	}
	/* Same token length but one byte off must not match either (§5.3.2 compares exactly). */
	{
		uint8_t tok[8];
		uint16_t mid = peer_next_mid();

		memcpy(tok, s->req.token, s->req.tkl);
		tok[s->req.tkl - 1] ^= 0x01;
		assert_int_equal(peer_send_msg(&s->peer, &s->req.from, COAP_TYPE_CON,
					       COAP_RESPONSE_CODE_CONTENT, mid, tok, s->req.tkl,
					       NULL, 0, "off", 3),
				 0);
		sys_recv_other(s, &s->other);
		assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid));
	}
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "mine", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "mine", true);
}

/* An ACK that matches no outstanding MID is ignored silently (no RST, §4.2). */
static void test_unmatched_ack_ignored(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "u");
	struct peer_msg *others = calloc(4, sizeof(*others));
	size_t n = 0;
	uint8_t ack[4];

	assert_non_null(others);
	sys_send(s, &req, &params);
	assert_int_equal(peer_send_msg(&s->peer, &s->req.from, COAP_TYPE_ACK,
				       COAP_RESPONSE_CODE_CONTENT, (uint16_t)(s->req.mid + 3),
				       other_token, sizeof(other_token), NULL, 0, "stray", 5),
			 0);
	assert_int_equal(peer_build(ack, sizeof(ack), COAP_TYPE_ACK, 0,
				    (uint16_t)(s->req.mid ^ 0x5a5a), NULL, 0, NULL, 0, NULL, 0),
			 4);
	assert_int_equal(peer_send(&s->peer, &s->req.from, ack, 4), 0);
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 4, &n), 0);
	for (size_t i = 0; i < n; i++) {
		/* Only retransmissions of the request may have come. */
		assert_int_equal(others[i].mid, s->req.mid);
	}
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "real", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "real", true);
	free(others);
}

/* A piggybacked ACK with the right token but another MID is not this request's ACK (§5.3.2). */
static void test_wrong_mid_right_token(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "w");

	sys_send(s, &req, &params);
	assert_int_equal(peer_send_msg(&s->peer, &s->req.from, COAP_TYPE_ACK,
				       COAP_RESPONSE_CODE_NOT_FOUND, (uint16_t)(s->req.mid + 7),
				       s->req.token, s->req.tkl, NULL, 0, "wrong", 5),
			 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "right", 5), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "right", true);
}

/*
 * Responses are accepted only from the endpoint the request went to
 * (RFC 7252 §5.3.2): a perfect copy of the response from another port is
 * ignored, and the real one is still delivered afterwards.
 */
static void test_other_port_ignored(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "p");
	struct peer spoof;
	struct rec_event ev;
	uint16_t mid2 = peer_next_mid();

	assert_int_equal(peer_open(&spoof), 0);
	sys_send(s, &req, &params);
	/* Piggybacked copy, Empty ACK and a CON separate response, all from the wrong port. */
	assert_int_equal(
	    peer_reply(&spoof, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "spoof", 5), 0);
	assert_int_equal(peer_empty_ack(&spoof, &s->req), 0);
	assert_int_equal(peer_separate(&spoof, &s->req, COAP_TYPE_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "spoof2", 6),
			 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);
	/* The wrong endpoint may get an RST for its CON, but never an ACK. */
	while (peer_pending(&spoof)) {
		assert_int_equal(peer_recv(&spoof, &s->other, 100), 0);
		assert_int_not_equal(s->other.type, COAP_TYPE_ACK);
	}

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "real", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "real", true);
	ev = recorder_get(&s->rec, 0);
	assert_int_equal(ev.source_port, peer_port(&s->peer));
	peer_close(&spoof);
}

/* A CoAP ping (CON Empty) from the server is answered with RST (RFC 7252 §4.3). */
static void test_ping_rst(void **state)
{
	struct sys *s = *state;
	uint16_t mid = peer_next_mid();
	uint8_t ping[4];

	sys_keeper(s);
	assert_int_equal(
	    peer_build(ping, sizeof(ping), COAP_TYPE_CON, 0, mid, NULL, 0, NULL, 0, NULL, 0), 4);
	assert_int_equal(peer_send(&s->peer, &s->keeper.from, ping, 4), 0);
	assert_int_equal(peer_recv(&s->peer, &s->other, PEER_WAIT_MS), 0);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid));
}

/* A connected socket with addr NULL; the Empty ACK for a CON response goes back on it. */
static void test_connected_socket(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "c");
	int sock = sys_udp_socket();
	uint16_t mid2 = peer_next_mid();

	assert_true(sock >= 0);
	assert_int_equal(connect(sock, peer_sa(&s->peer), sizeof(struct sockaddr_in)), 0);
	assert_int_equal(coap_client_req(&s->client, sock, NULL, &req, &params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->req, PEER_WAIT_MS), 0);
	assert_true(s->req.valid);
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid2,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "conn", 4),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid2));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "conn", true);
	coap_client_cancel_requests(&s->client);
	close(sock);
}

/* Two clients, each with its own thread and socket, talking to one peer. */
static void test_two_clients(void **state)
{
	struct sys *s = *state;
	struct coap_client *c2 = calloc(1, sizeof(*c2));
	struct recorder rec2;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req1 = sys_request(s, COAP_METHOD_GET, true, "one");
	struct coap_client_request req2 = sys_request(s, COAP_METHOD_GET, true, "two");
	struct peer_msg *m2 = malloc(sizeof(*m2));
	int sock2 = sys_udp_socket();
	char path[16];

	assert_non_null(c2);
	assert_non_null(m2);
	assert_true(sock2 >= 0);
	recorder_init(&rec2);
	req2.user_data = &rec2;
	assert_int_equal(coap_client_init(c2, "second"), 0);

	sys_send(s, &req1, &params);
	assert_int_equal(coap_client_req(c2, sock2, peer_sa(&s->peer), &req2, &params), 0);
	assert_int_equal(peer_recv(&s->peer, m2, PEER_WAIT_MS), 0);
	assert_string_equal(peer_msg_path(m2, path, sizeof(path)), "two");
	assert_int_not_equal(ntohs(m2->from.sin_port), ntohs(s->req.from.sin_port));

	assert_int_equal(peer_reply(&s->peer, m2, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "2", 1), 0);
	assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "1", 1),
			 0);
	assert_true(recorder_wait(&rec2, 1, RECORDER_WAIT_MS));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec2, 0, COAP_RESPONSE_CODE_CONTENT, "2", true);
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "1", true);
	assert_false(pthread_equal(recorder_get(&rec2, 0).thread, recorder_get(&s->rec, 0).thread));

	assert_int_equal(zcoap_client_deinit(c2), 0);
	assert_int_equal(recorder_count(&rec2), 1);
	recorder_destroy(&rec2);
	close(sock2);
	free(m2);
	free(c2);
}

/* One client, one socket, two servers at once: the destination is per request. */
static void test_two_peers(void **state)
{
	struct sys *s = *state;
	struct peer b;
	struct recorder rec_b;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req_a = sys_request(s, COAP_METHOD_GET, true, "a");
	struct coap_client_request req_b = sys_request(s, COAP_METHOD_GET, true, "b");
	struct peer_msg *mb = malloc(sizeof(*mb));
	char path[16];
	struct rec_event ev;

	assert_non_null(mb);
	assert_int_equal(peer_open(&b), 0);
	recorder_init(&rec_b);
	req_b.user_data = &rec_b;

	sys_send(s, &req_a, &params);
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&b), &req_b, &params), 0);
	assert_int_equal(peer_recv(&b, mb, PEER_WAIT_MS), 0);
	assert_string_equal(peer_msg_path(mb, path, sizeof(path)), "b");
	assert_false(peer_pending(&s->peer));

	assert_int_equal(peer_reply(&b, mb, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "from-b", 6), 0);
	assert_true(recorder_wait(&rec_b, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_b, 0, COAP_RESPONSE_CODE_CONTENT, "from-b", true);
	ev = recorder_get(&rec_b, 0);
	assert_int_equal(ev.source_port, peer_port(&b));
	assert_int_equal(recorder_count(&s->rec), 0);

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "from-a", 6), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "from-a", true);
	ev = recorder_get(&s->rec, 0);
	assert_int_equal(ev.source_port, peer_port(&s->peer));

	coap_client_cancel_requests(&s->client);
	assert_int_equal(recorder_count(&rec_b), 1);
	recorder_destroy(&rec_b);
	peer_close(&b);
	free(mb);
}

/*
 * Echo (RFC 9175 §2.3): a 4.01 carrying Echo makes the client resend the
 * request with that Echo value; the 4.01 itself is not delivered.
 */
static void test_echo_401_retry(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_POST, true, "act");
	static const uint8_t echo[16] = "fresh-echo-value";
	struct peer_opt opt = {COAP_OPTION_ECHO, sizeof(echo), echo};
	const struct peer_opt *got;
	char path[16];

	req.payload = (const uint8_t *)"go";
	req.len = 2;
	sys_send(s, &req, &params);
	assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_ECHO), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_UNAUTHORIZED, &opt, 1, NULL, 0), 0);
	sys_recv_other(s, &s->other);
	assert_true(s->other.valid);
	assert_int_equal(s->other.type, COAP_TYPE_CON);
	assert_int_equal(s->other.code, COAP_METHOD_POST);
	assert_string_equal(peer_msg_path(&s->other, path, sizeof(path)), "act");
	assert_int_equal(s->other.payload_len, 2);
	assert_memory_equal(peer_msg_payload(&s->other), "go", 2);
	got = peer_msg_opt(&s->other, COAP_OPTION_ECHO, 0);
	assert_non_null(got);
	assert_int_equal(got->len, sizeof(echo));
	assert_memory_equal(got->val, echo, sizeof(echo));
	assert_int_equal(peer_msg_count_opt(&s->other, COAP_OPTION_ECHO), 1);
	assert_int_equal(recorder_count(&s->rec), 0);

	assert_int_equal(
	    peer_reply(&s->peer, &s->other, COAP_RESPONSE_CODE_CHANGED, NULL, 0, "done", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CHANGED, "done", true);
	s->req = s->other;
	sys_keeper(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
}

/*
 * Echo on another response (RFC 9175 §2.3): the value goes once on the next
 * request to that same server -- not on a request to another server, and
 * not on the request after.
 */
static void test_echo_next_request(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "e");
	static const uint8_t echo[5] = {'e', 'c', 'h', 'o', '1'};
	struct peer_opt opt = {COAP_OPTION_ECHO, sizeof(echo), echo};
	const struct peer_opt *got;
	struct peer b;
	struct recorder rec_b;
	struct coap_client_request req_b = sys_request(s, COAP_METHOD_GET, true, "b");

	assert_int_equal(peer_open(&b), 0);
	recorder_init(&rec_b);
	req_b.user_data = &rec_b;

	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &opt, 1, "r1", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "r1", true);

	/* A request to another server does not carry (or use up) the value. */
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&b), &req_b, &params), 0);
	assert_int_equal(peer_recv(&b, &s->other, PEER_WAIT_MS), 0);
	assert_int_equal(peer_msg_count_opt(&s->other, COAP_OPTION_ECHO), 0);
	assert_int_equal(peer_reply(&b, &s->other, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "b", 1), 0);
	assert_true(recorder_wait(&rec_b, 1, RECORDER_WAIT_MS));

	/* The next request to the first server carries it... */
	sys_send(s, &req, &params);
	got = peer_msg_opt(&s->req, COAP_OPTION_ECHO, 0);
	assert_non_null(got);
	assert_int_equal(got->len, sizeof(echo));
	assert_memory_equal(got->val, echo, sizeof(echo));
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "r2", 2), 0);
	assert_true(recorder_wait(&s->rec, 2, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 1, COAP_RESPONSE_CODE_CONTENT, "r2", true);

	/* ...once. */
	sys_send(s, &req, &params);
	assert_int_equal(peer_msg_count_opt(&s->req, COAP_OPTION_ECHO), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "r3", 2), 0);
	assert_true(recorder_wait(&s->rec, 3, RECORDER_WAIT_MS));

	recorder_destroy(&rec_b);
	peer_close(&b);
}

/*
 * A server that answers every request with 4.01 + a new Echo is not retried
 * forever: after ZCOAP_CONFIG_MAX_ECHO_RETRIES resends the 4.01 is delivered.
 */
static void test_echo_retry_limit(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "echo-loop");
	uint8_t echo[4] = {'e', 'c', 'h', '0'};
	struct peer_opt opt = {COAP_OPTION_ECHO, sizeof(echo), echo};
	int resends = 0;

	sys_send(s, &req, &params);
	for (;;) {
		const struct peer_opt *got;

		echo[3] = (uint8_t)('0' + resends);
		assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_UNAUTHORIZED,
					    &opt, 1, NULL, 0),
				 0);
		if (resends == ZCOAP_CONFIG_MAX_ECHO_RETRIES) {
			break;
		}
		sys_recv_other(s, &s->other);
		s->req = s->other;
		resends++;
		got = peer_msg_opt(&s->req, COAP_OPTION_ECHO, 0);
		assert_non_null(got);
		assert_memory_equal(got->val, echo, sizeof(echo));
	}
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_UNAUTHORIZED, NULL, true);
	sys_keeper(s);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 1);
	assert_int_equal(resends, ZCOAP_CONFIG_MAX_ECHO_RETRIES);
}

/* Argument checks of coap_client_req() and friends (coap_client.h). */
static void test_invalid_arguments(void **state)
{
	struct sys *s = *state;
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "x");
	struct coap_client_request bad;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_option opts[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS + 1];
	struct coap_client *fresh = calloc(1, sizeof(*fresh));
	char *long_path = malloc(ZCOAP_CONFIG_MAX_PATH_LEN + 2);
	const struct sockaddr *to = peer_sa(&s->peer);

	assert_non_null(fresh);
	assert_non_null(long_path);
	memset(opts, 0, sizeof(opts));
	for (size_t i = 0; i < ZCOAP_CONFIG_MAX_EXTRA_OPTIONS + 1; i++) {
		opts[i].code = COAP_OPTION_ACCEPT;
	}
	memset(long_path, 'a', ZCOAP_CONFIG_MAX_PATH_LEN + 1);
	long_path[ZCOAP_CONFIG_MAX_PATH_LEN + 1] = '\0';

	assert_int_equal(coap_client_req(NULL, s->sock, to, &req, NULL), -EINVAL);
	assert_int_equal(coap_client_req(&s->client, s->sock, to, NULL, NULL), -EINVAL);
	assert_int_equal(coap_client_req(&s->client, -1, to, &req, NULL), -EINVAL);
	bad = req;
	bad.path = NULL;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &bad, NULL), -EINVAL);
	bad = req;
	bad.path = long_path;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &bad, NULL), -EINVAL);
	bad = req;
	bad.options = opts;
	bad.num_options = ZCOAP_CONFIG_MAX_EXTRA_OPTIONS + 1;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &bad, NULL), -EINVAL);
	bad = req;
	opts[0].len = MAX_COAP_CLIENT_OPTION_LEN + 1;
	bad.options = opts;
	bad.num_options = 1;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &bad, NULL), -EINVAL);
	bad = req;
	bad.method = (enum coap_method)0;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &bad, NULL), -EINVAL);
	bad = req;
	bad.method = (enum coap_method)8;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &bad, NULL), -EINVAL);
	params.ack_random_percent = 50;
	assert_int_equal(coap_client_req(&s->client, s->sock, to, &req, &params), -EINVAL);
	assert_int_equal(coap_client_req(fresh, s->sock, to, &req, NULL), -ESHUTDOWN);
	/* Nothing of the above reached the wire. */
	assert_false(peer_pending(&s->peer));
	assert_false(coap_client_has_ongoing_exchange(&s->client));

	assert_int_equal(coap_client_init(NULL, NULL), -EINVAL);
	assert_int_equal(coap_client_init(&s->client, NULL), -EALREADY);
	assert_int_equal(zcoap_client_set_separate_timeout(&s->client, 0), -EINVAL);
	assert_int_equal(zcoap_client_set_separate_timeout(NULL, 100), -EINVAL);
	assert_false(coap_client_has_ongoing_exchange(NULL));
	coap_client_cancel_requests(NULL);
	coap_client_cancel_request(NULL, &req);
	coap_client_cancel_request(&s->client, NULL);
	assert_int_equal(zcoap_client_deinit(NULL), 0);
	assert_int_equal(zcoap_client_deinit(fresh), 0);
	assert_null(zcoap_client_response_info());
	assert_null(zcoap_client_response_packet());
	assert_int_equal(recorder_count(&s->rec), 0);
	free(long_path);
	free(fresh);
}

/* All ZCOAP_CONFIG_MAX_REQUESTS slots busy → -EAGAIN; cancelling frees them. */
static void test_slots_exhausted(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "slot");

	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		sys_send(s, &req, &params);
	}
	assert_int_equal(coap_client_req(&s->client, s->sock, peer_sa(&s->peer), &req, &params),
			 -EAGAIN);
	assert_false(peer_pending(&s->peer));
	coap_client_cancel_requests(&s->client);
	assert_int_equal(recorder_count(&s->rec), ZCOAP_CONFIG_MAX_REQUESTS);
	for (int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		sys_assert_event(&s->rec, (size_t)i, -ECANCELED, NULL, true);
	}
	assert_false(coap_client_has_ongoing_exchange(&s->client));
	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "again", 5), 0);
	assert_true(recorder_wait(&s->rec, ZCOAP_CONFIG_MAX_REQUESTS + 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, ZCOAP_CONFIG_MAX_REQUESTS, COAP_RESPONSE_CODE_CONTENT, "again",
			 true);
}

/* MIDs of successive requests differ (RFC 7252 §4.4), tokens differ among outstanding ones. */
/* As many requests at once as the profile has slots, up to 4. */
#define N_IDS (ZCOAP_CONFIG_MAX_REQUESTS < 4 ? ZCOAP_CONFIG_MAX_REQUESTS : 4)

static void test_ids_unique(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "id");
	struct peer_msg *seen = calloc(N_IDS, sizeof(*seen));

	assert_non_null(seen);
	for (int i = 0; i < N_IDS; i++) {
		sys_send(s, &req, &params);
		seen[i] = s->req;
		for (int j = 0; j < i; j++) {
			assert_int_not_equal(seen[i].mid, seen[j].mid);
			assert_false(seen[i].tkl == seen[j].tkl &&
				     memcmp(seen[i].token, seen[j].token, seen[i].tkl) == 0);
		}
	}
	/* Answer in reverse order: each lands on its own request. */
	for (int i = N_IDS - 1; i >= 0; i--) {
		char body[2] = {(char)('0' + i), 0};

		assert_int_equal(
		    peer_reply(&s->peer, &seen[i], COAP_RESPONSE_CODE_CONTENT, NULL, 0, body, 1),
		    0);
		assert_true(recorder_wait(&s->rec, (size_t)(N_IDS - i), RECORDER_WAIT_MS));
		sys_assert_event(&s->rec, (size_t)(N_IDS - 1 - i), COAP_RESPONSE_CODE_CONTENT, body,
				 true);
	}
	free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_get_piggybacked, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_post_payload, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_separate_con, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_separate_non, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_con_response_without_ack, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_separate_timeout, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_retransmit_then_timeout, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_response_after_timeout, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_non_timeout, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_non_request_non_response, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_rst, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_rst_other_mid_ignored, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_con_response, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_piggybacked, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_token_rst, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_unmatched_ack_ignored, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_mid_right_token, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_other_port_ignored, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_ping_rst, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_connected_socket, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_two_clients, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_two_peers, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_echo_401_retry, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_echo_next_request, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_echo_retry_limit, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_arguments, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_slots_exhausted, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_ids_unique, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
