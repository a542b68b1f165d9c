/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fake_io.c -- fake clock, fake transport and CoAP walker/builder for the
 * engine unit tests (see fake_io.h).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fk_cb(int16_t result_code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	   void *user_data)
{
	/* Never called: the engine only queues events naming it. */
	(void)result_code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	fail_msg("fk_cb must not be called by the engine itself");
}

void fk_cb2(int16_t result_code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	    void *user_data)
{
	(void)result_code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	fail_msg("fk_cb2 must not be called by the engine itself");
}

/* ---- transport callbacks ---- */

static int fake_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		     const uint8_t *buf, size_t len)
{
	struct fk *f = ctx;
	struct fk_sent *s;
	int res = f->send_default;

	assert_true(f->n_sent < FK_MAX_SENT);
	assert_non_null(buf);
	assert_true(len > 0 && len <= FK_MAX_DGRAM);
	s = &f->sent[f->n_sent++];
	memset(s, 0, sizeof(*s));
	s->sock = sock;
	s->addr_null = addr == NULL;
	s->addrlen = addrlen;
	if (addr != NULL) {
		assert_true(addrlen > 0 && addrlen <= sizeof(s->addr));
		memcpy(&s->addr, addr, addrlen);
	}
	s->len = len;
	memcpy(s->buf, buf, len);
	if (f->n_script > 0) {
		res = f->script[0];
		memmove(f->script, f->script + 1, (f->n_script - 1) * sizeof(f->script[0]));
		f->n_script--;
	}
	s->result = res;
	return res;
}

static uint32_t xorshift(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*st = x;
	return x;
}

static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fk *f = ctx;

	f->n_random++;
	for (size_t i = 0; i < len; i++) {
		buf[i] = f->rng_const ? f->rng_byte : (uint8_t)(xorshift(&f->rng) >> 24);
	}
}

static void fake_trace(void *ctx, bool outgoing, const uint8_t *buf, size_t len)
{
	struct fk *f = ctx;

	(void)buf;
	(void)len;
	if (outgoing) {
		f->n_trace_out++;
	} else {
		f->n_trace_in++;
	}
}

/* ---- fixture ---- */

struct sockaddr_in fk_addr4(const char *ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

void fk_seed(struct fk *f, uint32_t seed)
{
	f->rng = seed != 0 ? seed : 0x9e3779b9U;
}

struct fk *fk_new(void)
{
	struct fk *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->io.send = fake_send;
	f->io.random = fake_random;
	f->io.trace = fake_trace;
	fk_seed(f, 12345);
	f->server = fk_addr4(FK_SERVER_IP, FK_SERVER_PORT);
	f->sock = 0;
	zc_engine_init(&f->eng, &f->io, f);
	return f;
}

void fk_free(struct fk *f)
{
	free(f);
}

struct coap_transmission_parameters fk_params(void)
{
	struct coap_transmission_parameters p = {
	    .ack_timeout = 1000,
	    .ack_random_percent = 100,
	    .coap_backoff_percent = 200,
	    .max_retransmission = 4,
	};
	return p;
}

struct coap_client_request fk_req(enum coap_method method, bool con, const char *path,
				  void *user_data)
{
	struct coap_client_request r;

	memset(&r, 0, sizeof(r));
	r.method = method;
	r.confirmable = con;
	r.path = path;
	r.fmt = COAP_CONTENT_FORMAT_TEXT_PLAIN;
	r.cb = fk_cb;
	r.user_data = user_data;
	return r;
}

void fk_script(struct fk *f, int result, size_t n)
{
	assert_true(f->n_script + n <= FK_MAX_SCRIPT);
	for (size_t i = 0; i < n; i++) {
		f->script[f->n_script++] = result;
	}
}

/* ---- events ---- */

void fk_drain(struct fk *f)
{
	struct zcoap_engine *eng = &f->eng;

	assert_true(eng->n_events <= sizeof(eng->events) / sizeof(eng->events[0]));
	/* Every phase change follows the table of docs/design/state-machine.md. */
	assert_int_equal(eng->illegal_transitions, 0);
	for (size_t i = 0; i < eng->n_events; i++) {
		const struct zcoap_event *e = &eng->events[i];
		struct fk_event *d;

		assert_true(f->n_ev < FK_MAX_EVENTS);
		d = &f->ev[f->n_ev++];
		memset(d, 0, sizeof(*d));
		d->raw = *e;
		d->cb = e->cb;
		d->user_data = e->user_data;
		d->serial = e->serial;
		d->offset = e->offset;
		d->code = e->code;
		d->payload_null = e->payload == NULL;
		d->len = e->len;
		assert_true(e->len <= FK_MAX_DGRAM);
		if (e->payload != NULL && e->len > 0) {
			memcpy(d->payload, e->payload, e->len);
		}
		d->last_block = e->last_block;
		d->final = e->final;
		d->has_packet = e->has_packet;
		d->live = zc_engine_event_live(eng, e);
		if (e->has_packet) {
			struct zcoap_response_info info;

			memset(&info, 0, sizeof(info));
			zc_engine_response_info(eng, &info);
			d->info_ok = info.packet != NULL;
			d->info_has_observe = info.has_observe;
			d->info_observe = info.observe;
			d->info_block_count = info.block_count;
			d->info_size2 = info.size2;
			d->info_retransmissions = info.retransmissions;
			d->info_code = info.packet != NULL ? coap_header_get_code(info.packet) : 0;
			d->info_source_null = info.source == NULL;
			d->info_source_len = info.source_len;
			if (info.source != NULL && info.source_len > 0 &&
			    info.source_len <= sizeof(d->info_source)) {
				memcpy(&d->info_source, info.source, info.source_len);
			}
		}
	}
	eng->n_events = 0;
}

size_t fk_nev(const struct fk *f)
{
	return f->n_ev;
}

const struct fk_event *fk_ev(const struct fk *f, size_t i)
{
	assert_true(i < f->n_ev);
	return &f->ev[i];
}

/* ---- engine wrappers ---- */

int fk_submit_to(struct fk *f, int sock, const struct sockaddr *addr, socklen_t addrlen,
		 const struct coap_client_request *req,
		 const struct coap_transmission_parameters *params)
{
	int ret;

	assert_int_equal(f->eng.n_events, 0);
	ret = zc_engine_submit(&f->eng, f->now, sock, addr, addrlen, req, params);
	fk_drain(f);
	return ret;
}

int fk_submit(struct fk *f, const struct coap_client_request *req,
	      const struct coap_transmission_parameters *params)
{
	return fk_submit_to(f, f->sock, (const struct sockaddr *)&f->server, sizeof(f->server), req,
			    params);
}

void fk_tick(struct fk *f, int64_t t)
{
	assert_true(t >= f->now);
	f->now = t;
	zc_engine_tick(&f->eng, t);
	fk_drain(f);
}

int64_t fk_next(const struct fk *f)
{
	return zc_engine_next_deadline(&f->eng);
}

bool fk_step(struct fk *f)
{
	int64_t d = fk_next(f);

	if (d == ZC_NO_DEADLINE) {
		return false;
	}
	fk_tick(f, d > f->now ? d : f->now);
	return true;
}

void fk_run_until(struct fk *f, int64_t t)
{
	/* Bounded, so that an engine whose deadline never moves fails instead of hanging. */
	for (int guard = 0; guard < 100000; guard++) {
		int64_t d = fk_next(f);

		if (d == ZC_NO_DEADLINE || d > t) {
			fk_tick(f, t);
			return;
		}
		fk_tick(f, d > f->now ? d : f->now);
	}
	fail_msg("deadline does not advance (stuck at %lld)", (long long)fk_next(f));
}

int fk_cancel(struct fk *f, const struct coap_client_request *pattern, uint32_t quiet,
	      uint32_t *serials, int max)
{
	int n = zc_engine_cancel(&f->eng, pattern, quiet, serials, max);

	fk_drain(f);
	return n;
}

int fk_deregister(struct fk *f, const struct coap_client_request *pattern)
{
	int ret = zc_engine_deregister(&f->eng, f->now, pattern);

	fk_drain(f);
	return ret;
}

void fk_fail_socket(struct fk *f, int sock, int err)
{
	zc_engine_fail_socket(&f->eng, sock, err);
	fk_drain(f);
}

void fk_deliver_from(struct fk *f, int sock, const struct sockaddr *src, socklen_t srclen,
		     const uint8_t *bytes, size_t len)
{
	/* The real client's receive buffer holds MAX_COAP_MSG_LEN bytes; more is truncation. */
	assert_true(len <= MAX_COAP_MSG_LEN && len <= sizeof(f->rx));
	/* A fresh copy each time: the engine may parse in place, and a stale
	 * pointer into an earlier datagram shows up as wrong bytes. */
	memset(f->rx, 0xEE, sizeof(f->rx));
	memcpy(f->rx, bytes, len);
	zc_engine_receive(&f->eng, f->now, sock, src, srclen, f->rx, len, false);
	fk_drain(f);
}

void fk_deliver_trunc_from(struct fk *f, const struct sockaddr *src, socklen_t srclen,
			   const struct fk_msg *m, size_t keep)
{
	uint8_t buf[FK_MAX_DGRAM];
	size_t len = fk_encode(m, buf, sizeof(buf));

	assert_true(keep >= 4 && keep < len && keep <= sizeof(f->rx));
	memset(f->rx, 0xEE, sizeof(f->rx));
	memcpy(f->rx, buf, keep);
	zc_engine_receive(&f->eng, f->now, f->sock, src, srclen, f->rx, keep, true);
	fk_drain(f);
}

void fk_forget(struct fk *f)
{
	f->n_sent = 0;
	f->n_ev = 0;
}

void fk_deliver(struct fk *f, const uint8_t *bytes, size_t len)
{
	fk_deliver_from(f, f->sock, (const struct sockaddr *)&f->server, sizeof(f->server), bytes,
			len);
}

void fk_deliver_msg_from(struct fk *f, const struct sockaddr *src, socklen_t srclen,
			 const struct fk_msg *m)
{
	uint8_t buf[FK_MAX_DGRAM];
	size_t len = fk_encode(m, buf, sizeof(buf));

	fk_deliver_from(f, f->sock, src, srclen, buf, len);
}

void fk_deliver_msg(struct fk *f, const struct fk_msg *m)
{
	fk_deliver_msg_from(f, (const struct sockaddr *)&f->server, sizeof(f->server), m);
}

/* ---- sent datagrams ---- */

size_t fk_nsent(const struct fk *f)
{
	return f->n_sent;
}

const struct fk_sent *fk_sent(const struct fk *f, size_t i)
{
	assert_true(i < f->n_sent);
	return &f->sent[i];
}

void fk_sent_msg(const struct fk *f, size_t i, struct fk_msg *m)
{
	const struct fk_sent *s = fk_sent(f, i);

	if (!fk_decode(s->buf, s->len, m)) {
		fail_msg("sent datagram %zu (%zu bytes) is not valid CoAP", i, s->len);
	}
	assert_true(m->codec_ok);
}

void fk_last_msg(const struct fk *f, struct fk_msg *m)
{
	assert_true(f->n_sent > 0);
	fk_sent_msg(f, f->n_sent - 1, m);
}

bool fk_sent_to(const struct fk *f, size_t i, const struct sockaddr *addr)
{
	const struct fk_sent *s = fk_sent(f, i);

	if (s->addr_null) {
		return addr == NULL;
	}
	if (addr == NULL) {
		return false;
	}
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		const struct sockaddr_in *b = (const struct sockaddr_in *)&s->addr;

		return s->addrlen == sizeof(struct sockaddr_in) && b->sin_family == AF_INET &&
		       a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)&s->addr;

		return s->addrlen == sizeof(struct sockaddr_in6) && b->sin6_family == AF_INET6 &&
		       a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
	}
	return false;
}

bool fk_is_empty_ack(const struct fk_sent *s, uint16_t mid)
{
	return s->len == 4 && s->buf[0] == 0x60 && s->buf[1] == 0x00 &&
	       s->buf[2] == (uint8_t)(mid >> 8) && s->buf[3] == (uint8_t)mid;
}

bool fk_is_rst(const struct fk_sent *s, uint16_t mid)
{
	return s->len == 4 && s->buf[0] == 0x70 && s->buf[1] == 0x00 &&
	       s->buf[2] == (uint8_t)(mid >> 8) && s->buf[3] == (uint8_t)mid;
}

size_t fk_count_rst(const struct fk *f, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < f->n_sent; i++) {
		if (f->sent[i].len >= 1 && (f->sent[i].buf[0] & 0x30) == 0x30) {
			n++;
		}
	}
	return n;
}

/* ---- the walker (RFC 7252 §3) ---- */

/* Extended delta/length nibbles 13 and 14 (§3.1); 15 is reserved. */
static bool read_ext(const uint8_t *buf, size_t len, size_t *pos, unsigned int nib, uint32_t *out)
{
	if (nib < 13) {
		*out = nib;
	} else if (nib == 13) {
		if (*pos + 1 > len) {
			return false;
		}
		*out = 13U + buf[*pos];
		*pos += 1;
	} else if (nib == 14) {
		if (*pos + 2 > len) {
			return false;
		}
		*out = 269U + (((uint32_t)buf[*pos] << 8) | buf[*pos + 1]);
		*pos += 2;
	} else {
		return false;
	}
	return true;
}

bool fk_decode(const uint8_t *buf, size_t len, struct fk_msg *m)
{
	size_t pos;
	uint32_t num = 0;

	m->ok = false;
	m->codec_ok = false;
	m->n_opts = 0;
	m->has_payload = false;
	m->payload_len = 0;
	m->tkl = 0;
	if (len <= FK_MAX_DGRAM && len <= UINT16_MAX) {
		struct coap_packet cp;
		uint8_t copy[FK_MAX_DGRAM];

		memcpy(copy, buf, len);
		m->codec_ok = coap_packet_parse(&cp, copy, (uint16_t)len, NULL, 0) == 0;
	}
	if (len < 4) {
		return false;
	}
	m->ver = buf[0] >> 6;
	m->type = (buf[0] >> 4) & 3;
	m->tkl = buf[0] & 0x0f;
	m->code = buf[1];
	m->mid = (uint16_t)((buf[2] << 8) | buf[3]);
	if (m->ver != 1 || m->tkl > 8 || 4U + m->tkl > len) {
		return false;
	}
	memcpy(m->token, buf + 4, m->tkl);
	pos = 4U + m->tkl;
	if (m->code == 0 && len != 4) {
		return false; /* an Empty message is only the header (§4.1) */
	}
	while (pos < len) {
		uint8_t b = buf[pos++];
		uint32_t delta;
		uint32_t olen;
		struct fk_opt *o;

		if (b == 0xFF) {
			if (pos >= len) {
				return false; /* marker without payload (§3) */
			}
			m->has_payload = true;
			m->payload_len = len - pos;
			memcpy(m->payload, buf + pos, m->payload_len);
			pos = len;
			break;
		}
		if (!read_ext(buf, len, &pos, b >> 4, &delta) ||
		    !read_ext(buf, len, &pos, b & 0x0f, &olen)) {
			return false;
		}
		if (pos + olen > len || num + delta > 65535 || olen > FK_MAX_OPT_LEN ||
		    m->n_opts >= FK_MAX_OPTS) {
			return false;
		}
		num += delta;
		o = &m->opts[m->n_opts++];
		o->num = (uint16_t)num;
		o->len = (uint16_t)olen;
		memcpy(o->val, buf + pos, olen);
		pos += olen;
	}
	m->ok = true;
	return true;
}

static void put_ext(uint8_t *out, size_t *pos, uint32_t v)
{
	if (v >= 269) {
		out[(*pos)++] = (uint8_t)((v - 269) >> 8);
		out[(*pos)++] = (uint8_t)(v - 269);
	} else if (v >= 13) {
		out[(*pos)++] = (uint8_t)(v - 13);
	}
}

static unsigned int nibble(uint32_t v)
{
	return v >= 269 ? 14U : v >= 13 ? 13U : v;
}

size_t fk_encode(const struct fk_msg *m, uint8_t *out, size_t cap)
{
	size_t order[FK_MAX_OPTS];
	size_t pos = 0;
	uint32_t prev = 0;

	assert_true(cap >= 4U + m->tkl);
	out[pos++] = (uint8_t)((m->ver << 6) | ((m->type & 3) << 4) | (m->tkl & 0x0f));
	out[pos++] = m->code;
	out[pos++] = (uint8_t)(m->mid >> 8);
	out[pos++] = (uint8_t)m->mid;
	memcpy(out + pos, m->token, m->tkl > 8 ? 8 : m->tkl);
	pos += m->tkl > 8 ? 8 : m->tkl;
	/* stable insertion sort by option number */
	for (size_t i = 0; i < m->n_opts; i++) {
		size_t j = i;

		while (j > 0 && m->opts[order[j - 1]].num > m->opts[i].num) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t k = 0; k < m->n_opts; k++) {
		const struct fk_opt *o = &m->opts[order[k]];
		uint32_t delta = o->num - prev;

		assert_true(pos + 5 + o->len <= cap);
		out[pos++] = (uint8_t)((nibble(delta) << 4) | nibble(o->len));
		put_ext(out, &pos, delta);
		put_ext(out, &pos, o->len);
		memcpy(out + pos, o->val, o->len);
		pos += o->len;
		prev = o->num;
	}
	if (m->has_payload && m->payload_len > 0) {
		assert_true(pos + 1 + m->payload_len <= cap);
		out[pos++] = 0xFF;
		memcpy(out + pos, m->payload, m->payload_len);
		pos += m->payload_len;
	}
	return pos;
}

void fk_msg_init(struct fk_msg *m, uint8_t type, uint8_t code, uint16_t mid, const uint8_t *token,
		 uint8_t tkl)
{
	m->ok = true;
	m->codec_ok = true;
	m->ver = 1;
	m->type = type;
	m->code = code;
	m->mid = mid;
	m->tkl = tkl;
	memset(m->token, 0, sizeof(m->token));
	if (token != NULL && tkl > 0) {
		memcpy(m->token, token, tkl > 8 ? 8 : tkl);
	}
	m->n_opts = 0;
	m->has_payload = false;
	m->payload_len = 0;
}

void fk_msg_reply(struct fk_msg *m, const struct fk_msg *req, uint8_t type, uint8_t code,
		  uint16_t mid)
{
	fk_msg_init(m, type, code, type == COAP_TYPE_ACK ? req->mid : mid, req->token, req->tkl);
}

void fk_msg_opt(struct fk_msg *m, uint16_t num, const void *val, size_t len)
{
	struct fk_opt *o;

	assert_true(m->n_opts < FK_MAX_OPTS);
	assert_true(len <= FK_MAX_OPT_LEN);
	o = &m->opts[m->n_opts++];
	o->num = num;
	o->len = (uint16_t)len;
	if (len > 0) {
		memcpy(o->val, val, len);
	}
}

void fk_msg_opt_uint(struct fk_msg *m, uint16_t num, uint32_t v)
{
	uint8_t b[4];
	size_t n = 0;

	/* shortest form, 0 = empty (RFC 7252 §3.2) */
	for (int shift = 24; shift >= 0; shift -= 8) {
		uint8_t byte = (uint8_t)(v >> shift);

		if (n > 0 || byte != 0) {
			b[n++] = byte;
		}
	}
	fk_msg_opt(m, num, b, n);
}

void fk_msg_payload(struct fk_msg *m, const void *p, size_t len)
{
	assert_true(len <= FK_MAX_DGRAM);
	m->has_payload = len > 0;
	m->payload_len = len;
	if (len > 0) {
		memcpy(m->payload, p, len);
	}
}

size_t fk_opt_count(const struct fk_msg *m, uint16_t num)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_opts; i++) {
		n += m->opts[i].num == num;
	}
	return n;
}

const struct fk_opt *fk_opt_get(const struct fk_msg *m, uint16_t num, size_t idx)
{
	for (size_t i = 0; i < m->n_opts; i++) {
		if (m->opts[i].num == num) {
			if (idx == 0) {
				return &m->opts[i];
			}
			idx--;
		}
	}
	return NULL;
}

bool fk_opt_uint(const struct fk_msg *m, uint16_t num, uint32_t *v)
{
	const struct fk_opt *o = fk_opt_get(m, num, 0);

	if (o == NULL) {
		return false;
	}
	assert_true(o->len <= 4);
	*v = 0;
	for (size_t i = 0; i < o->len; i++) {
		*v = (*v << 8) | o->val[i];
	}
	return true;
}

void fk_msg_path(const struct fk_msg *m, char *out, size_t cap)
{
	size_t pos = 0;
	bool first = true;

	out[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		uint16_t num = pass == 0 ? COAP_OPTION_URI_PATH : COAP_OPTION_URI_QUERY;

		first = true;
		for (size_t i = 0; i < m->n_opts; i++) {
			const struct fk_opt *o = &m->opts[i];
			const char *sep;

			if (o->num != num) {
				continue;
			}
			sep = pass == 0 ? (first ? "" : "/") : (first ? "?" : "&");
			assert_true(pos + strlen(sep) + o->len + 1 <= cap);
			memcpy(out + pos, sep, strlen(sep));
			pos += strlen(sep);
			memcpy(out + pos, o->val, o->len);
			pos += o->len;
			out[pos] = '\0';
			first = false;
		}
	}
}

uint32_t fk_block(uint32_t num, bool more, uint8_t szx)
{
	return (num << 4) | (more ? 8U : 0U) | (szx & 7U);
}

uint8_t fk_local_szx(void)
{
	uint8_t szx = 0;

	while ((16U << szx) < ZCOAP_CONFIG_BLOCK_SIZE) {
		szx++;
	}
	return szx;
}

/* ---- shortcuts ---- */

void fk_reply_ack(struct fk *f, const struct fk_msg *req, uint8_t code, const void *payload,
		  size_t len)
{
	struct fk_msg m;

	fk_msg_reply(&m, req, COAP_TYPE_ACK, code, 0);
	fk_msg_payload(&m, payload, len);
	fk_deliver_msg(f, &m);
}

void fk_empty_ack(struct fk *f, uint16_t mid)
{
	uint8_t b[4] = {0x60, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};

	fk_deliver(f, b, sizeof(b));
}

void fk_rst(struct fk *f, uint16_t mid)
{
	uint8_t b[4] = {0x70, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};

	fk_deliver(f, b, sizeof(b));
}

/* ---- event assertions ---- */

void fk_assert_error(const struct fk_event *e, int err)
{
	assert_int_equal(e->code, err);
	assert_int_equal(e->offset, 0);
	assert_true(e->payload_null);
	assert_int_equal(e->len, 0);
	assert_true(e->last_block);
	assert_true(e->final);
	assert_ptr_equal(e->cb, fk_cb);
	assert_true(e->serial != 0);
}

void fk_assert_response(const struct fk_event *e, uint8_t code, const void *payload, size_t len,
			size_t offset, bool last_block, bool final)
{
	assert_int_equal(e->code, code);
	assert_int_equal(e->offset, offset);
	assert_int_equal(e->len, len);
	if (len == 0) {
		assert_true(e->payload_null);
	} else {
		assert_false(e->payload_null);
		assert_memory_equal(e->payload, payload, len);
	}
	assert_int_equal(e->last_block, last_block);
	assert_int_equal(e->final, final);
	assert_ptr_equal(e->cb, fk_cb);
	assert_true(e->serial != 0);
	assert_true(e->has_packet);
}
