/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_system_reject.c -- what the client must refuse (RFC 7252 §3, §4.2,
 * §4.3, §5.4.1): malformed datagrams, reserved code classes, unrecognised
 * critical options, request codes where a response belongs, and datagrams
 * larger than the receive buffer. A rejected CON is answered with RST, a
 * rejected ACK or NON is ignored, and in every case the exchange goes on:
 * the genuine response sent afterwards is the one delivered. Stream sockets
 * are refused, and one that shows up anyway never kills or spins the client.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sys_util.h"

/* Unrecognised options: 25 is unassigned and critical (odd); 9 is OSCORE, which we lack. */
static const uint8_t crit_val[1] = {0x2a};

enum bad_kind {
	BAD_CRIT_25,       /* unknown critical option 25 */
	BAD_CRIT_9,        /* OSCORE option, not supported */
	BAD_CLASS_1,       /* code 1.05 */
	BAD_CLASS_6,       /* code 6.00 */
	BAD_CLASS_7,       /* code 7.01 */
	BAD_REQUEST_CODE,  /* a request code (0.01) where a response belongs */
	BAD_MARKER_ONLY,   /* payload marker with no payload (§3) */
	BAD_LEN_NIBBLE_15, /* option length nibble 15 (§3.1) */
	BAD_DELTA_15,      /* option delta nibble 15 that is not the marker (§3.1) */
	BAD_TRUNC_VALUE,   /* option value running past the end */
	BAD_TKL_9,         /* token length 9 (§3: format error) */
	BAD_KIND_COUNT
};

static const char *const bad_names[BAD_KIND_COUNT] = {
    "critical option 25",
    "option 9 (OSCORE)",
    "class 1",
    "class 6",
    "class 7",
    "request code",
    "marker only",
    "length nibble 15",
    "delta nibble 15",
    "truncated value",
    "TKL 9",
};

/*
 * Build a bad response of @p type with the token of @p req and message ID
 * @p mid. Everything else is what a genuine 2.05 would look like.
 */
static size_t build_bad(uint8_t *out, size_t cap, enum bad_kind kind, uint8_t type, uint16_t mid,
			const struct peer_msg *req)
{
	struct peer_opt opt = {25, sizeof(crit_val), crit_val};
	uint8_t code = COAP_RESPONSE_CODE_CONTENT;
	size_t n;

	switch (kind) {
	case BAD_CRIT_25:
		return peer_build(out, cap, type, code, mid, req->token, req->tkl, &opt, 1, "bad",
				  3);
	case BAD_CRIT_9:
		opt.num = COAP_OPTION_OSCORE;
		return peer_build(out, cap, type, code, mid, req->token, req->tkl, &opt, 1, "bad",
				  3);
	case BAD_CLASS_1:
		code = COAP_MAKE_RESPONSE_CODE(1, 5);
		break;
	case BAD_CLASS_6:
		code = COAP_MAKE_RESPONSE_CODE(6, 0);
		break;
	case BAD_CLASS_7:
		code = COAP_MAKE_RESPONSE_CODE(7, 1);
		break;
	case BAD_REQUEST_CODE:
		code = COAP_METHOD_GET;
		break;
	default:
		break;
	}
	n = peer_build(out, cap, type, code, mid, req->token, req->tkl, NULL, 0, NULL, 0);
	switch (kind) {
	case BAD_MARKER_ONLY:
		out[n++] = 0xff;
		break;
	case BAD_LEN_NIBBLE_15:
		out[n++] = 0xcf; /* Content-Format (12), length 15 */
		out[n++] = 0x00;
		break;
	case BAD_DELTA_15:
		out[n++] = 0xf1;
		out[n++] = 0x00;
		break;
	case BAD_TRUNC_VALUE:
		out[n++] = 0xc5; /* Content-Format, 5 bytes announced, 2 present */
		out[n++] = 0x00;
		out[n++] = 0x00;
		break;
	case BAD_TKL_9:
		/* Claim 9 token bytes and provide them: TKL 9-15 is reserved. */
		out[0] = (uint8_t)((out[0] & 0xf0) | 9);
		memcpy(out + 4, req->token, req->tkl);
		memset(out + 4 + req->tkl, 0x77, 9 - req->tkl);
		n = 4 + 9;
		out[n++] = 0xff;
		out[n++] = 'x';
		break;
	default:
		out[n++] = 0xff;
		memcpy(out + n, "bad", 3);
		n += 3;
		break;
	}
	return n;
}

/* Rejected ACKs (piggybacked responses) are ignored: no RST, no callback, the request goes on. */
static void test_bad_ack_ignored(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "bad-ack");
	struct peer_msg *others = calloc(8, sizeof(*others));
	uint8_t buf[64];
	static const uint8_t elective[2] = {'e', 'l'};
	struct peer_opt good_opts[2] = {{24, 2, elective}, {65000, 2, elective}};

	assert_non_null(others);
	sys_send(s, &req, &params);
	for (int k = 0; k < BAD_KIND_COUNT; k++) {
		size_t n = build_bad(buf, sizeof(buf), (enum bad_kind)k, COAP_TYPE_ACK, s->req.mid,
				     &s->req);
		size_t n_others = 0;

		print_message("bad ACK: %s\n", bad_names[k]);
		assert_int_equal(peer_send(&s->peer, &s->req.from, buf, n), 0);
		assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 8, &n_others), 0);
		for (size_t i = 0; i < n_others; i++) {
			/* Only retransmissions of the request; never an RST for the ACK. */
			assert_int_equal(others[i].type, COAP_TYPE_CON);
			assert_int_equal(others[i].mid, s->req.mid);
		}
		assert_int_equal(recorder_count(&s->rec), 0);
		assert_true(coap_client_has_ongoing_exchange(&s->client));
	}
	/* Too short to be CoAP at all (§3: fewer than 4 bytes). */
	assert_int_equal(peer_send(&s->peer, &s->req.from, buf, 3), 0);
	/* Unknown version (§3: silently ignored). */
	buf[0] = (uint8_t)(0x80 | (COAP_TYPE_ACK << 4));
	assert_int_equal(peer_send(&s->peer, &s->req.from, buf, 4), 0);
	sys_barrier(s);
	assert_int_equal(recorder_count(&s->rec), 0);

	/* Unknown elective options (even numbers) are skipped, the response kept (§5.4.1). */
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, good_opts, 2, "good", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "good", true);
	free(others);
}

/* Rejected CON responses are answered with RST (same MID, 4 bytes); the request goes on. */
static void test_bad_con_rst(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "bad-con");
	uint8_t buf[64];
	uint16_t mid;

	sys_send(s, &req, &params);
	/* Also after the Empty ACK, when only a separate response can complete the request. */
	assert_int_equal(peer_empty_ack(&s->peer, &s->req), 0);
	for (int k = 0; k < BAD_KIND_COUNT; k++) {
		size_t n;

		mid = peer_next_mid();
		n = build_bad(buf, sizeof(buf), (enum bad_kind)k, COAP_TYPE_CON, mid, &s->req);
		print_message("bad CON: %s\n", bad_names[k]);
		assert_int_equal(peer_send(&s->peer, &s->req.from, buf, n), 0);
		sys_recv_other(s, &s->other);
		if (k == BAD_REQUEST_CODE) {
			/* A client may also answer a request it cannot serve with an error. */
			assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid) ||
				    (s->other.type == COAP_TYPE_ACK && s->other.mid == mid &&
				     s->other.code >= COAP_RESPONSE_CODE_BAD_REQUEST));
		} else {
			assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_RESET, mid));
		}
		assert_int_equal(recorder_count(&s->rec), 0);
	}
	/* Unknown version: silently ignored even when it looks like a CON (§3). */
	mid = peer_next_mid();
	buf[0] = 0x80;
	buf[1] = COAP_RESPONSE_CODE_CONTENT;
	buf[2] = (uint8_t)(mid >> 8);
	buf[3] = (uint8_t)mid;
	assert_int_equal(peer_send(&s->peer, &s->req.from, buf, 4), 0);
	{
		struct peer_msg *others = calloc(8, sizeof(*others));
		size_t n_others = 0;

		assert_non_null(others);
		assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 8, &n_others), 0);
		for (size_t i = 0; i < n_others; i++) {
			assert_int_not_equal(others[i].mid, mid);
		}
		free(others);
	}

	mid = peer_next_mid();
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "good", 4),
			 0);
	sys_recv_other(s, &s->other);
	assert_true(peer_msg_is_empty(&s->other, COAP_TYPE_ACK, mid));
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "good", true);
}

/* Rejected NON responses are ignored (never ACKed, not delivered); the request goes on. */
static void test_bad_non_ignored(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, false, "bad-non");
	struct peer_msg *others = calloc(8, sizeof(*others));
	uint8_t buf[64];
	uint16_t mid;

	assert_non_null(others);
	sys_send(s, &req, &params);
	for (int k = 0; k < BAD_KIND_COUNT; k++) {
		size_t n, n_others = 0;

		mid = peer_next_mid();
		n = build_bad(buf, sizeof(buf), (enum bad_kind)k, COAP_TYPE_NON_CON, mid, &s->req);
		print_message("bad NON: %s\n", bad_names[k]);
		assert_int_equal(peer_send(&s->peer, &s->req.from, buf, n), 0);
		assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 8, &n_others), 0);
		for (size_t i = 0; i < n_others; i++) {
			/* Never an ACK for a NON (§4.3); an RST only for a request code. */
			assert_false(others[i].mid == mid &&
				     !(k == BAD_REQUEST_CODE &&
				       peer_msg_is_empty(&others[i], COAP_TYPE_RESET, mid)));
		}
		assert_int_equal(recorder_count(&s->rec), 0);
	}
	mid = peer_next_mid();
	assert_int_equal(peer_separate(&s->peer, &s->req, COAP_TYPE_NON_CON, mid,
				       COAP_RESPONSE_CODE_CONTENT, NULL, 0, "good", 4),
			 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "good", true);
	free(others);
}

/* RST and ACK carrying content are format errors (§4.1) and never end a request. */
static void test_bad_rst_ignored(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "bad-rst");
	uint8_t buf[32];
	size_t n;

	sys_keeper(s);
	sys_send(s, &req, &params);
	/* RST with a token and a code: not Empty, so not a valid Reset (§4.1, §4.2). */
	n = peer_build(buf, sizeof(buf), COAP_TYPE_RESET, COAP_RESPONSE_CODE_CONTENT, s->req.mid,
		       s->req.token, s->req.tkl, NULL, 0, NULL, 0);
	assert_int_equal(peer_send(&s->peer, &s->req.from, buf, n), 0);
	sys_barrier(s);
	if (recorder_count(&s->rec) != 0) {
		print_message("RST carrying code 2.05 + token was delivered as code %d\n",
			      recorder_get(&s->rec, 0).code);
	}
	assert_int_equal(recorder_count(&s->rec), 0);
	/* RST code 0 with a payload after the MID. */
	n = peer_build(buf, sizeof(buf), COAP_TYPE_RESET, 0, s->req.mid, NULL, 0, NULL, 0, "x", 1);
	assert_int_equal(peer_send(&s->peer, &s->req.from, buf, n), 0);
	sys_barrier(s);
	if (recorder_count(&s->rec) != 0) {
		print_message("RST with a payload ended the request with code %d\n",
			      recorder_get(&s->rec, 0).code);
	}
	assert_int_equal(recorder_count(&s->rec), 0);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "good", 4), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "good", true);
}

/* Answer a client GET carrying Block2 with the matching slice of @p body (RFC 7959 §2.4). */
static void serve_block(struct sys *s, const struct peer_msg *get, const uint8_t *body,
			size_t total)
{
	const struct peer_opt *b2 = peer_msg_opt(get, COAP_OPTION_BLOCK2, 0);
	uint32_t v = peer_opt_uint(b2);
	uint32_t num = v >> 4;
	uint8_t szx = (uint8_t)(v & 7);
	size_t size = (size_t)16 << szx;
	size_t off = (size_t)num * size;
	size_t chunk;
	bool more;
	uint8_t bval[3];
	struct peer_opt opt = {COAP_OPTION_BLOCK2, 0, bval};

	assert_non_null(b2);
	assert_true(szx < 7);
	assert_true(off < total);
	chunk = total - off < size ? total - off : size;
	more = off + chunk < total;
	opt.len = peer_block_value(bval, num, more, szx);
	assert_int_equal(
	    peer_reply(&s->peer, get, COAP_RESPONSE_CODE_CONTENT, &opt, 1, body + off, chunk), 0);
}

static bool has_final(struct recorder *r)
{
	size_t n = recorder_count(r);

	return n > 0 && recorder_get(r, n - 1).last_block;
}

/*
 * A datagram larger than the receive buffer (MAX_COAP_MSG_LEN) is never
 * delivered as if it were complete. The client may drop it (then the genuine
 * small response is delivered), report -EMSGSIZE, or recover the body with
 * Block2 GETs (then the peer serves the blocks and the assembled body must be
 * exactly the 3000 bytes). No callback may present truncated bytes as a body.
 */
static void test_oversize_datagram(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "big");
	const size_t big = 3000;
	uint8_t *body = malloc(big);
	struct peer_msg *others = calloc(8, sizeof(*others));
	size_t n_others = 0, count, off = 0, finals = 0, rounds = 0;
	struct rec_event last;

	assert_true(big > MAX_COAP_MSG_LEN);
	assert_non_null(body);
	assert_non_null(others);
	for (size_t i = 0; i < big; i++) {
		body[i] = (uint8_t)('a' + i % 26);
	}
	sys_keeper(s);
	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, body, big), 0);
	assert_int_equal(peer_barrier(&s->peer, &s->req.from, others, 8, &n_others), 0);

	if (n_others > 0) {
		/* Recovery: the client asks for blocks; serve them until it has the body. */
		print_message("client recovers with Block2\n");
		assert_true(others[0].valid);
		assert_int_equal(others[0].code, COAP_METHOD_GET);
		serve_block(s, &others[0], body, big);
		while (!has_final(&s->rec)) {
			/* Bounded: each round serves a block or waits up to 200 ms for one. */
			assert_true(++rounds < 100);
			if (peer_recv_skip(&s->peer, &s->other, 200, &s->req) == 0) {
				assert_true(s->other.valid);
				assert_int_equal(s->other.code, COAP_METHOD_GET);
				serve_block(s, &s->other, body, big);
			}
		}
	} else if (recorder_count(&s->rec) == 0) {
		/* Dropped: the genuine small response is delivered. */
		print_message("client dropped the datagram\n");
		assert_int_equal(
		    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "small", 5),
		    0);
		assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
		sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "small", true);
	}
	sys_barrier(s);
	count = recorder_count(&s->rec);
	assert_true(count >= 1);
	for (size_t i = 0; i < count; i++) {
		struct rec_event ev = recorder_get(&s->rec, i);

		print_message("event %zu: code %d offset %zu len %zu last %d\n", i, ev.code,
			      ev.offset, ev.len, ev.last_block);
		finals += ev.last_block;
		if (ev.code < 0) {
			assert_true(ev.last_block);
			continue;
		}
		if (ev.len == 5 && recorder_payload_is(&s->rec, i, "small", 5)) {
			off += 5;
			continue;
		}
		/* Body chunks: in order, each the right slice of the 3000 bytes. */
		assert_int_equal(ev.offset, off);
		assert_true(off + ev.len <= big);
		assert_true(recorder_payload_is(&s->rec, i, body + off, ev.len));
		off += ev.len;
	}
	assert_int_equal(finals, 1);
	last = recorder_get(&s->rec, count - 1);
	assert_true(last.last_block);
	if (last.code >= 0 && off != 5) {
		assert_int_equal(off, big);
	}
	free(others);
	free(body);
}

/* A TCP connection on 127.0.0.1: *client is connected to *server (accepted). */
static void tcp_pair(int *client, int *server)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(lst >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lst, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lst, 1), 0);
	assert_int_equal(getsockname(lst, (struct sockaddr *)&a, &len), 0);
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*client >= 0);
	assert_int_equal(connect(*client, (struct sockaddr *)&a, sizeof(a)), 0);
	*server = accept(lst, NULL, NULL);
	assert_true(*server >= 0);
	close(lst);
}

/*
 * Defect 11: a stream socket is refused with -EPROTOTYPE before anything is
 * written to it. CoAP over TCP needs RFC 8323 framing, and writing to a
 * stream whose write side is closed raises SIGPIPE, which would kill this
 * test process. Other descriptors are refused with the socket's own error.
 */
static void test_stream_socket_refused(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "tcp");
	int tcp, srv, pair[2], pipefd[2];
	uint8_t byte;

	tcp_pair(&tcp, &srv);
	assert_int_equal(shutdown(tcp, SHUT_WR), 0);
	assert_int_equal(coap_client_req(&s->client, tcp, peer_sa(&s->peer), &req, &params),
			 -EPROTOTYPE);
	assert_int_equal(coap_client_req(&s->client, tcp, NULL, &req, &params), -EPROTOTYPE);
	close(tcp);
	close(srv);

	/* A healthy connection: nothing is written to it. */
	tcp_pair(&tcp, &srv);
	assert_int_equal(coap_client_req(&s->client, tcp, NULL, &req, &params), -EPROTOTYPE);
	assert_int_equal(recv(srv, &byte, 1, MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(tcp);
	close(srv);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	assert_int_equal(coap_client_req(&s->client, pair[0], NULL, &req, &params), -EPROTOTYPE);
	close(pair[0]);
	close(pair[1]);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(coap_client_req(&s->client, pipefd[1], NULL, &req, &params), -ENOTSOCK);
	close(pipefd[0]);
	close(pipefd[1]);

	assert_false(coap_client_has_ongoing_exchange(&s->client));
	assert_int_equal(recorder_count(&s->rec), 0);
	/* The client's datagram socket still works. */
	sys_send(s, &req, &params);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
}

static const struct coap_client_option observe0 = {
    .code = COAP_OPTION_OBSERVE, .len = 1, .value = {0}};

/*
 * Defect 11, the send itself: the application replaces the descriptor of an
 * observation with a stream socket whose write side is closed (dup2) and
 * deregisters. The deregistration is sent in the caller's thread; it must
 * fail with an error, not raise SIGPIPE (MSG_NOSIGNAL).
 */
static void test_replaced_socket_no_sigpipe(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "obs");
	struct coap_client_request pattern;
	uint8_t v[4];
	struct peer_opt o = {COAP_OPTION_OBSERVE, 0, v};
	int tcp, srv;

	req.options = &observe0;
	req.num_options = 1;
	sys_send(s, &req, &params);
	o.len = peer_uint_value(v, 1);
	assert_int_equal(peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, &o, 1, "a", 1),
			 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));

	tcp_pair(&tcp, &srv);
	assert_int_equal(shutdown(tcp, SHUT_WR), 0);
	assert_true(dup2(tcp, s->sock) == s->sock);
	close(tcp);
	memset(&pattern, 0, sizeof(pattern));
	pattern.path = "obs";
	assert_int_equal(coap_client_deregister_observe(&s->client, &pattern), -EPIPE);
	close(srv);
}

/*
 * Defect 12: a stream socket whose peer closed reads 0 bytes at once,
 * forever. Here the application replaces the descriptor of a request with
 * one (dup2) behind the client's back: the request ends with -ECONNRESET,
 * the socket is no longer polled, and the thread does not spin.
 */
static void test_stream_peer_closed(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "eof");
	struct coap_client_request other = sys_request(s, COAP_METHOD_GET, true, "other");
	struct recorder rec_eof;
	struct timespec t0, t1;
	int64_t used;
	int u = sys_udp_socket();
	int tcp, srv;

	assert_true(u >= 0);
	recorder_init(&rec_eof);
	req.user_data = &rec_eof;
	assert_int_equal(coap_client_req(&s->client, u, peer_sa(&s->peer), &req, &params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->other, PEER_WAIT_MS), 0);

	tcp_pair(&tcp, &srv);
	close(srv); /* the peer closes: tcp reads end of file */
	assert_true(dup2(tcp, u) == u);
	close(tcp);
	/* A request on another socket wakes the thread, which polls both. */
	sys_send(s, &other, &params);
	assert_true(recorder_wait(&rec_eof, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_eof, 0, -ECONNRESET, NULL, true);

	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0), 0);
	assert_int_equal(peer_recv_skip(&s->peer, &s->other, 500, &s->req), -ETIMEDOUT);
	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1), 0);
	used = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	print_message("CPU over 500 ms: %lld ms\n", (long long)used);
	assert_true(used < 100);

	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
	assert_int_equal(recorder_count(&rec_eof), 1);
	close(u);
	recorder_destroy(&rec_eof);
}

/*
 * A descriptor replaced by something that is no socket at all (dup2 of
 * /dev/null, always readable): the receive fails with -ENOTSOCK, which
 * concerns the whole descriptor: the request ends with -EIO, no spin.
 */
static void test_non_socket_replaced(void **state)
{
	struct sys *s = *state;
	struct coap_transmission_parameters params = sys_slow_params();
	struct coap_client_request req = sys_request(s, COAP_METHOD_GET, true, "null");
	struct coap_client_request other = sys_request(s, COAP_METHOD_GET, true, "other");
	struct recorder rec_null;
	int u = sys_udp_socket();
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(u >= 0 && null >= 0);
	recorder_init(&rec_null);
	req.user_data = &rec_null;
	assert_int_equal(coap_client_req(&s->client, u, peer_sa(&s->peer), &req, &params), 0);
	assert_int_equal(peer_recv(&s->peer, &s->other, PEER_WAIT_MS), 0);
	assert_true(dup2(null, u) == u);
	close(null);
	sys_send(s, &other, &params);
	assert_true(recorder_wait(&rec_null, 1, RECORDER_WAIT_MS));
	sys_assert_event(&rec_null, 0, -EIO, NULL, true);
	assert_int_equal(
	    peer_reply(&s->peer, &s->req, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "ok", 2), 0);
	assert_true(recorder_wait(&s->rec, 1, RECORDER_WAIT_MS));
	sys_assert_event(&s->rec, 0, COAP_RESPONSE_CODE_CONTENT, "ok", true);
	close(u);
	recorder_destroy(&rec_null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bad_ack_ignored, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_con_rst, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_non_ignored, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rst_ignored, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_oversize_datagram, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_socket_refused, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_replaced_socket_no_sigpipe, sys_setup,
					    sys_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_peer_closed, sys_setup, sys_teardown),
	    cmocka_unit_test_setup_teardown(test_non_socket_replaced, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
