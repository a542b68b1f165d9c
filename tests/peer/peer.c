/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * peer.c -- the scripted CoAP peer used by the system tests.
 *
 * The peer decodes what the client sends with its own small walker (so that
 * a codec bug cannot hide itself from the test) and additionally asks
 * coap_packet_parse() whether it accepts the datagram; a message is "valid"
 * only when both agree. Messages the peer sends are encoded here byte by
 * byte, so tests can also produce datagrams the codec would refuse to build.
 */

#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coap.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int peer_open(struct peer *p)
{
	socklen_t len = sizeof(p->addr);

	memset(p, 0, sizeof(*p));
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		return -errno;
	}
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->addr.sin_port = 0;
	if (bind(p->fd, (struct sockaddr *)&p->addr, sizeof(p->addr)) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&p->addr, &len) < 0) {
		int err = -errno;

		close(p->fd);
		p->fd = -1;
		return err;
	}
	return 0;
}

void peer_close(struct peer *p)
{
	if (p->fd >= 0) {
		close(p->fd);
	}
	p->fd = -1;
}

const struct sockaddr *peer_sa(const struct peer *p)
{
	return (const struct sockaddr *)&p->addr;
}

uint16_t peer_port(const struct peer *p)
{
	return ntohs(p->addr.sin_port);
}

/* The peer's own decoder (RFC 7252 §3.1), not the codec's on purpose: decode() checks the codec. */
static bool walk(struct peer_msg *m)
{
	const uint8_t *d = m->buf;
	size_t len = m->len;
	size_t pos;
	uint32_t num = 0;

	m->n_opts = 0;
	m->payload_off = 0;
	m->payload_len = 0;
	if (len < 4) {
		return false;
	}
	if ((d[0] >> 6) != 1) {
		return false;
	}
	m->type = (uint8_t)((d[0] >> 4) & 3);
	m->tkl = (uint8_t)(d[0] & 0x0f);
	m->code = d[1];
	m->mid = (uint16_t)((d[2] << 8) | d[3]);
	if (m->tkl > 8 || 4U + m->tkl > len) {
		return false;
	}
	memcpy(m->token, d + 4, m->tkl);
	pos = 4U + m->tkl;
	while (pos < len) {
		uint32_t delta, olen;

		if (d[pos] == 0xff) {
			if (pos + 1 >= len) {
				return false;
			}
			m->payload_off = pos + 1;
			m->payload_len = len - pos - 1;
			break;
		}
		delta = d[pos] >> 4;
		olen = d[pos] & 0x0f;
		pos++;
		if (delta == 15 || olen == 15) {
			return false;
		}
		if (delta == 13) {
			if (pos + 1 > len) {
				return false;
			}
			delta = 13U + d[pos++];
		} else if (delta == 14) {
			if (pos + 2 > len) {
				return false;
			}
			delta = 269U + (((uint32_t)d[pos] << 8) | d[pos + 1]);
			pos += 2;
		}
		if (olen == 13) {
			if (pos + 1 > len) {
				return false;
			}
			olen = 13U + d[pos++];
		} else if (olen == 14) {
			if (pos + 2 > len) {
				return false;
			}
			olen = 269U + (((uint32_t)d[pos] << 8) | d[pos + 1]);
			pos += 2;
		}
		num += delta;
		if (num > 0xffff || pos + olen > len || m->n_opts == PEER_MAX_OPTIONS) {
			return false;
		}
		m->opts[m->n_opts].num = (uint16_t)num;
		m->opts[m->n_opts].len = (uint16_t)olen;
		m->opts[m->n_opts].off = (uint16_t)pos;
		m->n_opts++;
		pos += olen;
	}
	if (m->code == 0 && (m->tkl != 0 || len != 4)) {
		return false;
	}
	return true;
}

static void decode(struct peer_msg *m)
{
	struct coap_packet pkt;
	uint8_t copy[PEER_MAX_DATAGRAM];
	bool mine = walk(m);
	int rc;

	/* Parse a copy: the view must keep pointing into m->buf. */
	memcpy(copy, m->buf, m->len);
	rc = coap_packet_parse(&pkt, copy, (uint16_t)m->len, NULL, 0);
	m->valid = mine && rc == 0;
}

static int wait_readable(int fd, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		int rc;

		if (left < 0) {
			left = 0;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0) {
			return 0;
		}
		if (rc == 0) {
			return -ETIMEDOUT;
		}
		if (errno != EINTR) {
			return -errno;
		}
	}
}

static int recv_one(struct peer *p, struct peer_msg *m, int64_t deadline)
{
	socklen_t alen = sizeof(m->from);
	ssize_t n;
	int rc = wait_readable(p->fd, deadline);

	if (rc < 0) {
		return rc;
	}
	n = recvfrom(p->fd, m->buf, sizeof(m->buf), 0, (struct sockaddr *)&m->from, &alen);
	if (n < 0) {
		return -errno;
	}
	m->len = (size_t)n;
	decode(m);
	return 0;
}

int peer_recv(struct peer *p, struct peer_msg *m, int timeout_ms)
{
	return recv_one(p, m, now_ms() + timeout_ms);
}

int peer_recv_skip(struct peer *p, struct peer_msg *m, int timeout_ms, const struct peer_msg *skip)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		int rc = recv_one(p, m, deadline);

		if (rc < 0) {
			return rc;
		}
		if (skip == NULL || m->len != skip->len || memcmp(m->buf, skip->buf, m->len) != 0) {
			return 0;
		}
	}
}

bool peer_pending(struct peer *p)
{
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};

	return poll(&pfd, 1, 0) > 0;
}

int peer_send(struct peer *p, const struct sockaddr_in *to, const void *data, size_t len)
{
	ssize_t n = sendto(p->fd, data, len, 0, (const struct sockaddr *)to, sizeof(*to));

	if (n < 0) {
		return -errno;
	}
	return n == (ssize_t)len ? 0 : -EMSGSIZE;
}

/* Option header field: nibble plus 0..2 extension bytes (RFC 7252 §3.1). */
static size_t put_ext(uint8_t *out, uint32_t v, uint8_t *nibble)
{
	if (v < 13) {
		*nibble = (uint8_t)v;
		return 0;
	}
	if (v < 269) {
		*nibble = 13;
		out[0] = (uint8_t)(v - 13);
		return 1;
	}
	*nibble = 14;
	out[0] = (uint8_t)((v - 269) >> 8);
	out[1] = (uint8_t)(v - 269);
	return 2;
}

size_t peer_build(uint8_t *out, size_t cap, uint8_t type, uint8_t code, uint16_t mid,
		  const uint8_t *token, uint8_t tkl, const struct peer_opt *opts, size_t n_opts,
		  const void *payload, size_t payload_len)
{
	const struct peer_opt *sorted[PEER_MAX_OPTIONS];
	size_t pos, i, j;
	uint16_t prev = 0;

	if (n_opts > PEER_MAX_OPTIONS || tkl > 15 || cap < 4U + (tkl > 8 ? 8 : tkl)) {
		return 0;
	}
	/* Stable insertion sort: repeated options keep the caller's order. */
	for (i = 0; i < n_opts; i++) {
		for (j = i; j > 0 && sorted[j - 1]->num > opts[i].num; j--) {
			sorted[j] = sorted[j - 1];
		}
		sorted[j] = &opts[i];
	}
	out[0] = (uint8_t)(0x40 | (type << 4) | tkl);
	out[1] = code;
	out[2] = (uint8_t)(mid >> 8);
	out[3] = (uint8_t)mid;
	pos = 4;
	if (tkl > 0 && token != NULL) {
		size_t tl = tkl > 8 ? 8 : tkl;

		memcpy(out + pos, token, tl);
		pos += tl;
	}
	for (i = 0; i < n_opts; i++) {
		uint8_t ext[4], dn, ln;
		size_t n1 = put_ext(ext, (uint32_t)(sorted[i]->num - prev), &dn);
		size_t n2 = put_ext(ext + n1, sorted[i]->len, &ln);

		if (pos + 1 + n1 + n2 + sorted[i]->len > cap) {
			return 0;
		}
		out[pos++] = (uint8_t)((dn << 4) | ln);
		memcpy(out + pos, ext, n1 + n2);
		pos += n1 + n2;
		if (sorted[i]->len > 0) {
			memcpy(out + pos, sorted[i]->val, sorted[i]->len);
		}
		pos += sorted[i]->len;
		prev = sorted[i]->num;
	}
	if (payload_len > 0) {
		if (pos + 1 + payload_len > cap) {
			return 0;
		}
		out[pos++] = 0xff;
		memcpy(out + pos, payload, payload_len);
		pos += payload_len;
	}
	return pos;
}

int peer_send_msg(struct peer *p, const struct sockaddr_in *to, uint8_t type, uint8_t code,
		  uint16_t mid, const uint8_t *token, uint8_t tkl, const struct peer_opt *opts,
		  size_t n_opts, const void *payload, size_t payload_len)
{
	static _Thread_local uint8_t buf[PEER_MAX_DATAGRAM];
	size_t n = peer_build(buf, sizeof(buf), type, code, mid, token, tkl, opts, n_opts, payload,
			      payload_len);

	if (n == 0) {
		return -ENOSPC;
	}
	return peer_send(p, to, buf, n);
}

int peer_reply(struct peer *p, const struct peer_msg *req, uint8_t code,
	       const struct peer_opt *opts, size_t n_opts, const void *payload, size_t len)
{
	return peer_send_msg(p, &req->from, COAP_TYPE_ACK, code, req->mid, req->token, req->tkl,
			     opts, n_opts, payload, len);
}

int peer_empty_ack(struct peer *p, const struct peer_msg *req)
{
	return peer_send_msg(p, &req->from, COAP_TYPE_ACK, 0, req->mid, NULL, 0, NULL, 0, NULL, 0);
}

int peer_rst(struct peer *p, const struct peer_msg *req)
{
	return peer_send_msg(p, &req->from, COAP_TYPE_RESET, 0, req->mid, NULL, 0, NULL, 0, NULL,
			     0);
}

int peer_separate(struct peer *p, const struct peer_msg *req, uint8_t type, uint16_t mid,
		  uint8_t code, const struct peer_opt *opts, size_t n_opts, const void *payload,
		  size_t len)
{
	return peer_send_msg(p, &req->from, type, code, mid, req->token, req->tkl, opts, n_opts,
			     payload, len);
}

uint16_t peer_next_mid(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static uint16_t next;
	static bool seeded;
	uint16_t v;

	pthread_mutex_lock(&lock);
	if (!seeded) {
		/* Far from whatever the client's counter happens to use. */
		next = (uint16_t)(0x8000U + ((unsigned int)getpid() & 0x3fffU));
		seeded = true;
	}
	v = next++;
	pthread_mutex_unlock(&lock);
	return v;
}

int peer_barrier(struct peer *p, const struct sockaddr_in *to, struct peer_msg *others, size_t max,
		 size_t *n_others)
{
	static const uint8_t tok[8] = {0xba, 0xff, 0x1e, 0xd0, 0x0d, 0x5e, 0xed, 0x42};
	uint16_t mid = peer_next_mid();
	int64_t deadline = now_ms() + PEER_WAIT_MS;
	struct peer_msg *m = malloc(sizeof(*m));
	int rc;

	if (n_others != NULL) {
		*n_others = 0;
	}
	if (m == NULL) {
		return -ENOMEM;
	}
	rc = peer_send_msg(p, to, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT, mid, tok, sizeof(tok),
			   NULL, 0, "barrier", 7);
	while (rc == 0) {
		rc = recv_one(p, m, deadline);
		if (rc < 0) {
			break;
		}
		if (m->valid && peer_msg_is_empty(m, COAP_TYPE_RESET, mid)) {
			break;
		}
		if (others != NULL && n_others != NULL && *n_others < max) {
			memcpy(&others[*n_others], m, sizeof(*m));
			(*n_others)++;
		}
	}
	free(m);
	return rc;
}

const struct peer_opt *peer_msg_opt(const struct peer_msg *m, uint16_t num, size_t idx)
{
	static _Thread_local struct peer_opt ring[16];
	static _Thread_local unsigned int next;

	for (size_t i = 0; i < m->n_opts; i++) {
		if (m->opts[i].num == num) {
			if (idx == 0) {
				struct peer_opt *o = &ring[next++ % 16U];

				o->num = num;
				o->len = m->opts[i].len;
				o->val = m->buf + m->opts[i].off;
				return o;
			}
			idx--;
		}
	}
	return NULL;
}

const uint8_t *peer_msg_payload(const struct peer_msg *m)
{
	return m->payload_off != 0 ? m->buf + m->payload_off : NULL;
}

size_t peer_msg_count_opt(const struct peer_msg *m, uint16_t num)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_opts; i++) {
		n += m->opts[i].num == num;
	}
	return n;
}

/* Not zcoap_option_uint(): the peer reads values independently of the codec that wrote them. */
uint32_t peer_opt_uint(const struct peer_opt *o)
{
	uint32_t v = 0;

	for (uint16_t i = 0; o != NULL && i < o->len; i++) {
		v = (v << 8) | o->val[i];
	}
	return v;
}

const char *peer_msg_path(const struct peer_msg *m, char *out, size_t cap)
{
	size_t pos = 0;
	bool first = true;

	if (cap == 0) {
		return out;
	}
	out[0] = '\0';
	for (size_t i = 0; i < m->n_opts; i++) {
		const struct peer_optv *o = &m->opts[i];

		if (o->num != COAP_OPTION_URI_PATH) {
			continue;
		}
		if (pos + !first + o->len + 1 > cap) {
			break;
		}
		if (!first) {
			out[pos++] = '/';
		}
		memcpy(out + pos, m->buf + o->off, o->len);
		pos += o->len;
		out[pos] = '\0';
		first = false;
	}
	return out;
}

bool peer_msg_is_empty(const struct peer_msg *m, uint8_t type, uint16_t mid)
{
	return m->len == 4 && m->buf[0] == (uint8_t)(0x40 | (type << 4)) && m->buf[1] == 0 &&
	       m->mid == mid;
}

uint16_t peer_uint_value(uint8_t out[4], uint32_t v)
{
	uint16_t n = 0;
	uint8_t tmp[4];

	while (v != 0) {
		tmp[n++] = (uint8_t)v;
		v >>= 8;
	}
	for (uint16_t i = 0; i < n; i++) {
		out[i] = tmp[n - 1 - i];
	}
	return n;
}

uint16_t peer_block_value(uint8_t out[3], uint32_t num, bool more, uint8_t szx)
{
	uint8_t tmp[4];
	uint16_t n = peer_uint_value(tmp, (num << 4) | (more ? 8U : 0U) | (szx & 7U));

	memcpy(out, tmp, n);
	return n;
}
