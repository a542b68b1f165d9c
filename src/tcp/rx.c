/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * rx.c -- what the CoAP-over-TCP client does with the bytes its loop
 * (loop.c) reads: decodes frames (frame.c), answers and reports signalling
 * messages, matches responses to requests by token, runs block-wise
 * transfers and observations, and ends every request when the connection
 * ends. Callbacks run with the client's lock released; after each
 * one the thread checks that the connection and the slot are still the ones
 * it was working on (a callback may cancel, close or reconnect).
 */
#include <errno.h>
#include <string.h>

#include "port/port.h"
#include "tcp/frame.h"
#include "tcp/tcp_internal.h"
#include "zcoap_option.h"

static void free_slot(struct zcoap_tcp_slot *s)
{
	s->used = false;
	s->gen++;
}

unsigned int zc_tcp_fail_all(struct coap_client_tcp *c, int err, struct zc_tcp_failure *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		struct zcoap_tcp_slot *s = &c->requests[i];

		if (s->used) {
			out[n].cb = s->req.cb;
			out[n].user_data = s->req.user_data;
			out[n].err = err;
			n++;
			free_slot(s);
		}
	}
	return n;
}

unsigned int zc_tcp_drop_connection(struct coap_client_tcp *c, int err, struct zc_tcp_failure *out)
{
	if (c->fd >= 0) {
		/* A TLS session that failed (send, receive, handshake) leaves its sentence. */
		zc_tcp_note_tls_error_locked(c, err);
		zc_tcp_sock_close(c->fd, c->tls);
		c->fd = -1;
		c->tls = NULL;
	}
	c->connected = false;
	c->handshaking = false;
	c->released = false;
	c->ping_pending = false;
	c->conn_gen++;
	return zc_tcp_fail_all(c, err, out);
}

/* Run failures with the lock released. */
static void report_unlocked(struct coap_client_tcp *c, const struct zc_tcp_failure *f,
			    unsigned int n)
{
	zc_tcp_report_locked(c, f, n);
}

static void drop(struct coap_client_tcp *c, int err)
{
	struct zc_tcp_failure f[ZCOAP_CONFIG_MAX_REQUESTS];
	unsigned int n = zc_tcp_drop_connection(c, err, f);

	report_unlocked(c, f, n);
}

/* RFC 8323 §5.6: tell the server why, then end the connection. */
static void protocol_abort(struct coap_client_tcp *c, uint16_t bad_option, const char *why, int err)
{
	struct coap_packet pkt;

	if (zc_tcp_build_abort(&pkt, c->send_buf, sizeof(c->send_buf), bad_option, why) == 0) {
		(void)zc_tcp_send_pkt(c, &pkt);
	}
	drop(c, err);
}

static void fail_slot(struct coap_client_tcp *c, struct zcoap_tcp_slot *s, int err)
{
	struct zc_tcp_failure f = {s->req.cb, s->req.user_data, err};

	free_slot(s);
	report_unlocked(c, &f, 1);
}

void zc_tcp_deregister_locked(struct coap_client_tcp *c, struct zcoap_tcp_slot *s)
{
	if (s->observing && c->fd >= 0) {
		s->deregister = true;
		s->in_body = false;
		s->uploading = false;
		(void)zc_tcp_send_request(c, s, NULL, 0);
	}
}

/* End request @p s with an error the client raises (an observation is deregistered). */
static void fail_request(struct coap_client_tcp *c, struct zcoap_tcp_slot *s, int err)
{
	zc_tcp_deregister_locked(c, s);
	fail_slot(c, s, err);
}

/* Forget the Block2 body being fetched: its continuation's answer matches nothing now. */
static void body_reset(struct zcoap_tcp_slot *s)
{
	s->in_body = false;
	s->offset = 0;
	s->ctkl = 0;
}

static void emit(struct coap_client_tcp *c, enum coap_client_tcp_event ev,
		 const union coap_client_tcp_event_data *data)
{
	coap_client_tcp_event_cb_t cb = c->event_cb;
	void *ud = c->event_cb_user_data;

	if (cb != NULL) {
		c->loop_callbacks++;
		zc_port_mutex_unlock(&c->lock);
		cb(c, ev, data, ud);
		zc_port_mutex_lock(&c->lock);
	}
}

static void handle_signal(struct coap_client_tcp *c, const struct coap_packet *pkt)
{
	struct zc_tcp_signal sig;
	union coap_client_tcp_event_data data;
	struct coap_packet out;
	uint32_t gen = c->conn_gen;
	int r = zc_tcp_signal_parse(pkt, &sig);

	if (r == -ENOTSUP) {
		protocol_abort(c, sig.code == ZC_TCP_CSM ? sig.bad_option : 0,
			       "unknown critical option", -EPROTO);
		return;
	}
	if (r != 0) {
		protocol_abort(c, 0, "bad signalling option", -EBADMSG);
		return;
	}
	memset(&data, 0, sizeof(data));
	switch (sig.code) {
	case ZC_TCP_CSM:
		c->peer_csm = true;
		if (sig.has_mms) {
			c->peer_mms = sig.max_message_size;
		}
		c->peer_bwt = c->peer_bwt || sig.block_wise;
		emit(c, COAP_CLIENT_TCP_EVENT_CSM_UPDATED, NULL);
		break;
	case ZC_TCP_PING:
		if (zc_tcp_build_ping(&out, c->send_buf, sizeof(c->send_buf), ZC_TCP_PONG,
				      sig.custody) == 0) {
			(void)zc_tcp_send_pkt(c, &out);
		}
		break;
	case ZC_TCP_PONG:
		c->ping_pending = false;
		emit(c, COAP_CLIENT_TCP_EVENT_PONG_RECEIVED, NULL);
		break;
	case ZC_TCP_RELEASE:
		c->released = true;
		if (sig.alt_addr != NULL) {
			memcpy(c->alt_addr, sig.alt_addr, sig.alt_addr_len);
			c->alt_addr[sig.alt_addr_len] = '\0';
			data.release.alt_addr = c->alt_addr;
		}
		data.release.hold_off_sec = sig.hold_off;
		emit(c, COAP_CLIENT_TCP_EVENT_RELEASE, &data);
		break;
	case ZC_TCP_ABORT:
		data.abort.bad_csm_option = sig.bad_csm_option;
		emit(c, COAP_CLIENT_TCP_EVENT_ABORT, &data);
		if (c->conn_gen == gen) {
			drop(c, -ECONNABORTED);
		}
		break;
	default:
		break; /* unknown signalling codes are ignored */
	}
}

/*
 * The request whose application callback (response or payload callback)
 * the loop thread runs with the lock released: another thread that ends
 * the request waits for it before the final callback (zc_tcp_report_locked()),
 * where applications free user_data. Nested (a callback's own request call
 * ended in a delivery): the outer one is kept and restored.
 */
struct running {
	coap_client_tcp_response_cb_t cb;
	void *ud;
};

static void running_begin(struct coap_client_tcp *c, coap_client_tcp_response_cb_t cb, void *ud,
			  struct running *outer)
{
	outer->cb = c->running_cb;
	outer->ud = c->running_ud;
	c->running_cb = cb;
	c->running_ud = ud;
}

static void running_end(struct coap_client_tcp *c, const struct running *outer)
{
	c->running_cb = outer->cb;
	c->running_ud = outer->ud;
	zc_port_cond_broadcast(&c->cb_cond);
}

static void deliver(struct coap_client_tcp *c, coap_client_tcp_response_cb_t cb, void *ud,
		    const struct coap_packet *pkt, size_t off, const uint8_t *payload,
		    uint16_t plen, bool last)
{
	struct coap_client_tcp_response_data d = {
	    .result_code = (int16_t)coap_header_get_code(pkt),
	    .packet = pkt,
	    .offset = off,
	    .payload = plen > 0 ? payload : NULL,
	    .payload_len = plen,
	    .last_block = last,
	};

	struct running outer;

	running_begin(c, cb, ud, &outer);
	c->loop_callbacks++;
	zc_port_mutex_unlock(&c->lock);
	cb(&d, ud);
	zc_port_mutex_lock(&c->lock);
	running_end(c, &outer);
}

static bool still(const struct coap_client_tcp *c, const struct zcoap_tcp_slot *s, uint32_t gen,
		  uint32_t conn_gen)
{
	return s->used && s->gen == gen && c->conn_gen == conn_gen && c->fd >= 0;
}

/* The server asked for the next Block1 block (2.31 Continue). */
static void continue_upload(struct coap_client_tcp *c, struct zcoap_tcp_slot *s)
{
	struct zcoap_tcp_slot copy = *s;
	uint32_t gen = s->gen;
	uint32_t conn_gen = c->conn_gen;
	const uint8_t *chunk = NULL;
	size_t room = zc_tcp_up_room(c, s);
	size_t len = 0;
	bool last = true;
	struct running outer;
	int r;

	/* The payload callback runs with the lock released: marked as running, as deliver() does.
	 */
	running_begin(c, s->req.cb, s->req.user_data, &outer);
	zc_port_mutex_unlock(&c->lock);
	r = zc_tcp_upload_chunk(&copy, room, &chunk, &len, &last);
	zc_port_mutex_lock(&c->lock);
	running_end(c, &outer);
	if (!still(c, s, gen, conn_gen)) {
		return;
	}
	if (r == 0) {
		s->up_len = len;
		s->up_last = last;
		r = zc_tcp_send_request(c, s, chunk, len);
	}
	if (r != 0) {
		fail_request(c, s, r);
	}
}

/* Decode a Block2 value; SZX 7 is BERT over TCP (RFC 8323 §6). */
static int block2_of(const struct coap_packet *pkt, bool *present, uint32_t *num, bool *more,
		     uint8_t *szx)
{
	const uint8_t *v;
	uint16_t vlen;
	uint32_t val;

	*present = zcoap_option_find(pkt, COAP_OPTION_BLOCK2, &v, &vlen) == 0;
	if (!*present) {
		return 0;
	}
	if (vlen > 3) {
		return -EBADMSG;
	}
	val = zcoap_option_uint(v, vlen);
	*num = val >> 4;
	*more = (val & 0x08U) != 0;
	*szx = (uint8_t)(val & 0x07U);
	return 0;
}

/*
 * What the first piece of a streamed response decided for the rest (the
 * header logic runs once per frame): remember it, with a fresh deadline so
 * that a server that stops in the middle of a body ends the request.
 */
static void stream_on(struct coap_client_tcp *c, struct zcoap_tcp_slot *s, size_t base, bool more,
		      bool final)
{
	c->rx_slot = s;
	c->rx_gen = s->gen;
	c->rx_base = base;
	c->rx_more = more;
	c->rx_final = final;
	s->deadline = zc_port_now_ms() + c->timeout_ms;
}

/* A later piece of a streamed response (c->stream holds it). */
static void handle_piece(struct coap_client_tcp *c, const struct coap_packet *pkt)
{
	struct zcoap_tcp_slot *s = c->rx_slot;
	uint16_t plen = 0;
	const uint8_t *payload = coap_packet_get_payload(pkt, &plen);
	size_t off = c->rx_base + c->stream.piece_off;
	uint32_t gen = c->rx_gen;
	uint32_t conn_gen = c->conn_gen;

	if (s == NULL || !still(c, s, gen, conn_gen)) {
		c->rx_slot = NULL;
		return; /* cancelled, timed out or refused: the rest is dropped */
	}
	if (!zc_tcp_stream_last_piece(&c->stream)) {
		s->deadline = zc_port_now_ms() + c->timeout_ms;
		deliver(c, s->req.cb, s->req.user_data, pkt, off, payload, plen, false);
		return;
	}
	c->rx_slot = NULL;
	if (c->rx_more) {
		s->deadline = INT64_MAX; /* set again when the continuation goes out */
		deliver(c, s->req.cb, s->req.user_data, pkt, off, payload, plen, false);
		if (still(c, s, gen, conn_gen) && s->in_body) {
			int r = zc_tcp_send_request(c, s, NULL, 0);

			if (r != 0) {
				fail_request(c, s, r);
			}
		}
		return;
	}
	if (c->rx_final) {
		coap_client_tcp_response_cb_t cb = s->req.cb;
		void *ud = s->req.user_data;

		free_slot(s);
		deliver(c, cb, ud, pkt, off, payload, plen, true);
		return;
	}
	s->offset = 0; /* an observation goes on */
	s->deadline = INT64_MAX;
	deliver(c, s->req.cb, s->req.user_data, pkt, off, payload, plen, true);
}

/*
 * RFC 7959 §2.4: the blocks of one body carry the same ETag (or none). The
 * first block's is kept. 0: the first block, or the same ETag; 1: a later
 * block's differs (the resource changed while its body was fetched);
 * -EBADMSG: longer than an ETag can be (RFC 7252 §5.10.6: at most 8 bytes;
 * an empty one counts as none).
 */
static int etag_check(struct zcoap_tcp_slot *s, const struct coap_packet *pkt, bool first)
{
	const uint8_t *v = NULL;
	uint16_t vlen = 0;

	if (zcoap_option_find(pkt, COAP_OPTION_ETAG, &v, &vlen) != 0) {
		vlen = 0;
	} else if (vlen > sizeof(s->etag)) {
		return -EBADMSG;
	}
	if (first) {
		s->etag_len = (uint8_t)vlen;
		if (vlen > 0) {
			memcpy(s->etag, v, vlen);
		}
		return 0;
	}
	return vlen == s->etag_len && (vlen == 0 || memcmp(v, s->etag, vlen) == 0) ? 0 : 1;
}

/*
 * A response for slot @p s, or the first piece of a streamed one (whose
 * header and options decide for all its pieces; the block-wise checks use
 * the whole payload's length). @p cont: it answers the Block2 continuation
 * in flight (it came with that continuation's token), else it came with the
 * request's own token.
 */
static void handle_response(struct coap_client_tcp *c, struct zcoap_tcp_slot *s,
			    const struct coap_packet *pkt, bool cont)
{
	coap_client_tcp_response_cb_t cb = s->req.cb;
	void *ud = s->req.user_data;
	uint8_t code = coap_header_get_code(pkt);
	bool success = (code >> 5) == 2;
	uint16_t plen = 0;
	const uint8_t *payload = coap_packet_get_payload(pkt, &plen);
	bool streamed = c->stream.streamed && !zc_tcp_stream_last_piece(&c->stream);
	size_t total = c->stream.streamed ? zc_tcp_stream_payload_len(&c->stream) : plen;
	const uint8_t *v;
	uint16_t vlen;
	bool has_b2;
	bool more = false;
	uint32_t num = 0;
	uint8_t szx = 0;
	size_t off = 0;
	uint32_t gen = s->gen;
	uint32_t conn_gen = c->conn_gen;
	bool has_obs = zcoap_option_find(pkt, COAP_OPTION_OBSERVE, &v, &vlen) == 0;
	bool goes_on;

	if (s->uploading) {
		if (code == COAP_RESPONSE_CODE_CONTINUE && !s->up_last) {
			uint8_t want;

			s->up_offset += s->up_len;
			/*
			 * RFC 7959 §2.3: the block size of the server's 2.31 is the
			 * one to go on with when it is smaller (a server without BERT
			 * answers a BERT block with its own size). Every size divides
			 * the bytes sent so far, all in whole blocks of a larger size.
			 */
			if (zcoap_option_find(pkt, COAP_OPTION_BLOCK1, &v, &vlen) == 0 &&
			    vlen <= 3) {
				want = (uint8_t)(zcoap_option_uint(v, vlen) & 7U);
				if (want < s->b1_szx &&
				    s->up_offset % zc_tcp_szx_bytes(want) == 0) {
					s->b1_szx = want;
				}
			}
			continue_upload(c, s);
			return;
		}
		s->uploading = false; /* the final response (or an error) */
	}
	if (!cont && s->in_body) {
		if (!s->observing) {
			return; /* only the continuation's answer is due: a stray message */
		}
		/*
		 * The observation's token while a notification's body is fetched:
		 * a newer notification (or the end of the observation) supersedes
		 * that body (RFC 7641 §3.4 over TCP, RFC 8323 §7); the answer to
		 * its continuation, if it still comes, matches nothing.
		 */
		body_reset(s);
	}
	if (!cont && s->observe && success && has_obs) {
		s->observing = true;
	}
	if (block2_of(pkt, &has_b2, &num, &more, &szx) != 0) {
		fail_request(c, s, -EBADMSG);
		return;
	}
	if (has_b2 && success) {
		uint32_t unit = zc_tcp_szx_bytes(szx);
		size_t expect = s->in_body ? s->offset : 0;
		int etag = etag_check(s, pkt, expect == 0);

		if (etag < 0) {
			fail_request(c, s, etag); /* an observation is deregistered */
			return;
		}
		if (etag > 0) {
			if (s->observing) {
				/*
				 * The resource changed while its notification's body
				 * was fetched: drop that body; the server notifies the
				 * new state (RFC 7641 §4.2), which starts at offset 0.
				 */
				body_reset(s);
				s->deadline = INT64_MAX;
				return;
			}
			fail_request(c, s, -EBADMSG);
			return;
		}
		/* RFC 7959 §2.2: the block asked for, and full blocks until the last one. */
		if ((uint64_t)num * unit != expect ||
		    (more && (szx == 7 ? total == 0 || total % 1024U != 0 : total != unit))) {
			fail_request(c, s, -EBADMSG);
			return;
		}
		off = expect;
		s->offset = expect + total;
		if (more) {
			s->in_body = true;
			s->b2_szx = szx;
			s->b2_num = szx == 7 ? num + (uint32_t)(total / 1024U) : num + 1U;
			s->deadline = INT64_MAX; /* set again when the continuation goes out */
			if (streamed) {
				stream_on(c, s, off, true, false);
			}
			deliver(c, cb, ud, pkt, off, payload, plen, false);
			if (!streamed && still(c, s, gen, conn_gen) && s->in_body) {
				int r = zc_tcp_send_request(c, s, NULL, 0);

				if (r != 0) {
					fail_request(c, s, r);
				}
			}
			return;
		}
	}
	body_reset(s);
	/*
	 * RFC 7641 over TCP (RFC 8323 §7): the observation goes on after a
	 * notification (or the last block of one); a response without Observe
	 * or with an error code ends it (§3.2, §4.2). An error answer to a
	 * continuation ends it here only: the server is told (deregistration).
	 */
	goes_on = s->observing && success && (has_obs || cont);
	if (!goes_on && cont) {
		zc_tcp_deregister_locked(c, s);
	}
	if (streamed) {
		stream_on(c, s, off, false, !goes_on);
		deliver(c, cb, ud, pkt, off, payload, plen, false);
		return;
	}
	if (goes_on) {
		s->offset = 0;
		s->deadline = INT64_MAX;
	} else {
		free_slot(s);
	}
	deliver(c, cb, ud, pkt, off, payload, plen, true);
}

/*
 * The request a response with @p token is for; *cont tells whether it
 * answers that request's Block2 continuation in flight.
 */
static struct zcoap_tcp_slot *slot_of(struct coap_client_tcp *c, const uint8_t *token, uint8_t tkl,
				      bool *cont)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		struct zcoap_tcp_slot *s = &c->requests[i];

		if (!s->used) {
			continue;
		}
		if (s->tkl == tkl && memcmp(s->token, token, tkl) == 0) {
			*cont = false;
			return s;
		}
		if (s->in_body && s->ctkl != 0 && s->ctkl == tkl &&
		    memcmp(s->ctoken, token, tkl) == 0) {
			*cont = true;
			return s;
		}
	}
	return NULL;
}

static bool is_response(uint8_t code)
{
	return (code >> 5) == 2 || (code >> 5) == 4 || (code >> 5) == 5;
}

/*
 * A request from the server (RFC 8323 §3.3: over a connection either side
 * may send requests). The client serves no resources: a known method
 * (0.01-0.07) gets 4.04 Not Found (RFC 7252 §5.9.2.2), an unknown one
 * 4.05 Method Not Allowed (RFC 7252 §5.8: MUST); with the request's token,
 * so the server's exchange ends (lock held; a send error ends the connection).
 */
static void answer_request(struct coap_client_tcp *c, uint8_t code)
{
	struct coap_packet out;
	uint8_t answer = code <= 7 ? COAP_RESPONSE_CODE_NOT_FOUND : COAP_RESPONSE_CODE_NOT_ALLOWED;

	if (zc_tcp_msg_init(&out, c->send_buf, sizeof(c->send_buf), answer, c->stream.token,
			    c->stream.tkl) == 0) {
		(void)zc_tcp_send_pkt(c, &out);
	}
}

static bool is_request(uint8_t code)
{
	return (code >> 5) == 0 && code != 0;
}

static void handle_frame(struct coap_client_tcp *c)
{
	struct coap_packet pkt;
	struct zcoap_tcp_slot *s;
	uint8_t code = c->stream.code;
	bool cont = false;
	int r;

	if (c->stream.streamed && c->stream.piece_off > 0) {
		/* A later piece: the first one decided where it goes. */
		if (c->rx_slot != NULL && zc_tcp_stream_packet(&c->stream, &pkt) == 0) {
			handle_piece(c, &pkt);
		}
		return;
	}
	c->rx_slot = NULL;
	r = zc_tcp_stream_packet(&c->stream, &pkt);
	if (r == -ENOMSG) {
		return; /* RFC 8323 §4.4: an Empty message is ignored */
	}
	if (r == -EMSGSIZE || (r == 0 && c->stream.streamed && (code >> 5) == 7)) {
		/*
		 * Options that leave no room in the receive buffer (or a signal
		 * over it): the request it answers ends with -EMSGSIZE and the
		 * rest of the frame is skipped; a signal cannot be skipped.
		 */
		if ((code >> 5) == 7) {
			protocol_abort(c, 0, "signal too big", -EMSGSIZE);
		} else if (is_request(code)) {
			answer_request(c, code);
		} else if (is_response(code) &&
			   (s = slot_of(c, c->stream.token, c->stream.tkl, &cont)) != NULL) {
			fail_request(c, s, -EMSGSIZE);
		}
		return;
	}
	if (r != 0) {
		protocol_abort(c, 0, "malformed message", -EBADMSG);
		return;
	}
	if ((code >> 5) == 7) {
		handle_signal(c, &pkt);
		return;
	}
	if (is_request(code)) {
		answer_request(c, code);
		return;
	}
	if (!is_response(code)) {
		return; /* a reserved class (1, 3, 6) */
	}
	s = slot_of(c, c->stream.token, c->stream.tkl, &cont);
	if (s != NULL) {
		handle_response(c, s, &pkt, cont);
	}
}

/*
 * Hand the ready frame or piece to handle_frame() and get the decoder ready
 * for more. false when the connection ended meanwhile.
 */
static bool frame_ready(struct coap_client_tcp *c, uint32_t conn_gen)
{
	handle_frame(c);
	if (c->conn_gen != conn_gen || c->fd < 0) {
		return false;
	}
	zc_tcp_stream_next(&c->stream);
	return true;
}

/* Feed @p got bytes of c->chunk to the decoder (lock held). */
void zc_tcp_consume(struct coap_client_tcp *c, uint32_t conn_gen, size_t got)
{
	size_t pos = 0;

	while (pos < got) {
		bool complete;
		long r = zc_tcp_stream_feed(&c->stream, c->chunk + pos, got - pos, &complete);

		if (r < 0) {
			protocol_abort(c, 0, r == -EMSGSIZE ? "message too big" : "bad header",
				       (int)r);
			return;
		}
		pos += (size_t)r;
		if (complete && !frame_ready(c, conn_gen)) {
			return;
		}
	}
	/*
	 * The rest of a body (a large message, or the pieces of a streamed
	 * one) is read straight into the receive buffer, without the copy
	 * through c->chunk and its small reads, until the socket has no more
	 * or the frame ends (the next header comes through c->chunk again).
	 */
	for (;;) {
		size_t room;
		uint8_t *w = zc_tcp_stream_window(&c->stream, &room);
		bool complete;
		long n;

		if (w == NULL) {
			return;
		}
		n = zc_tcp_sock_recv(c->fd, c->tls, w, room);
		if (n == -EAGAIN) {
			return;
		}
		if (n < 0) {
			drop(c, c->send_err != 0 ? c->send_err : (int)n);
			return;
		}
		n = zc_tcp_stream_advance(&c->stream, (size_t)n, &complete);
		if (n < 0) {
			protocol_abort(c, 0, "bad header", (int)n);
			return;
		}
		if (complete && !frame_ready(c, conn_gen)) {
			return;
		}
	}
}
