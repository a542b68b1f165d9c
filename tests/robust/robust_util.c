/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * robust_util.c -- lossy UDP proxy, controllable CoAP responder and small
 * helpers for the robustness tests (see robust_util.h).
 */

#include "robust_util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coap.h"
#include "peer.h"

int64_t robust_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t robust_seed(uint64_t def)
{
	const char *s = getenv("ZCOAP_ROBUST_SEED");

	if (s != NULL && *s != '\0') {
		return strtoull(s, NULL, 0);
	}
	return def;
}

void robust_rng_init(struct robust_rng *r, uint64_t seed)
{
	r->s = seed != 0 ? seed : 0x9E3779B97F4A7C15ULL;
}

uint64_t robust_rng_next(struct robust_rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double robust_rng_unit(struct robust_rng *r)
{
	return (double)(robust_rng_next(r) >> 11) / 9007199254740992.0;
}

int robust_udp_socket(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -1;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int robust_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.') {
			n++;
		}
	}
	closedir(d);
	return n - 1; /* the directory stream itself */
}

static int bind_loopback(int *fd_out, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int big = 1 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		return -errno;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A large buffer: the proxy should lose only what it decides to lose. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

/* ---- proxy ------------------------------------------------------------------ */

#define PROXY_QUEUE 2048
#define PROXY_DGRAM 2048

struct delayed {
	int64_t due_us;
	int dir;
	size_t len;
	uint8_t buf[PROXY_DGRAM];
};

struct proxy {
	int front; /* the client talks to this one */
	int back;  /* this one talks to the server */
	struct sockaddr_in front_addr;
	struct sockaddr_in back_addr;
	struct sockaddr_in server;
	struct sockaddr_in client;
	bool have_client;
	int stop_pipe[2];
	pthread_t thread;
	struct proxy_cfg cfg;
	struct robust_rng rng;
	pthread_mutex_t lock; /* stats and log */
	struct proxy_stats st;
	struct proxy_rec *log;
	size_t nlog;
	size_t caplog;
	struct delayed *q;
	size_t nq;
};

static void proxy_emit(struct proxy *p, int dir, const uint8_t *buf, size_t len)
{
	if (dir == PROXY_C2S) {
		(void)sendto(p->back, buf, len, 0, (const struct sockaddr *)&p->server,
			     sizeof(p->server));
	} else if (p->have_client) {
		(void)sendto(p->front, buf, len, 0, (const struct sockaddr *)&p->client,
			     sizeof(p->client));
	}
}

static void proxy_hold(struct proxy *p, int dir, const uint8_t *buf, size_t len, int64_t due)
{
	struct delayed *d;

	if (p->nq >= PROXY_QUEUE) {
		proxy_emit(p, dir, buf, len);
		return;
	}
	d = &p->q[p->nq++];
	d->due_us = due;
	d->dir = dir;
	d->len = len;
	memcpy(d->buf, buf, len);
}

static void proxy_handle(struct proxy *p, int dir, const uint8_t *buf, size_t len)
{
	int64_t now = robust_now_us();
	int64_t span = (int64_t)p->cfg.reorder_ms * 1000;
	bool drop;
	bool hold;
	bool dup;

	pthread_mutex_lock(&p->lock);
	p->st.seen[dir]++;
	if (dir == PROXY_C2S) {
		if (p->nlog == p->caplog) {
			size_t cap = p->caplog ? p->caplog * 2 : 4096;
			struct proxy_rec *n = realloc(p->log, cap * sizeof(*n));

			if (n != NULL) {
				p->log = n;
				p->caplog = cap;
			}
		}
		if (p->nlog < p->caplog) {
			struct proxy_rec *r = &p->log[p->nlog++];

			r->t_us = now;
			r->len = (uint16_t)len;
			memset(r->head, 0, sizeof(r->head));
			memcpy(r->head, buf, len < sizeof(r->head) ? len : sizeof(r->head));
		}
	}
	drop = robust_rng_unit(&p->rng) < p->cfg.loss;
	hold = !drop && robust_rng_unit(&p->rng) < p->cfg.reorder;
	dup = !drop && robust_rng_unit(&p->rng) < p->cfg.dup;
	if (drop) {
		p->st.dropped[dir]++;
	}
	if (hold) {
		p->st.delayed[dir]++;
	}
	if (dup) {
		p->st.duplicated[dir]++;
	}
	pthread_mutex_unlock(&p->lock);

	if (drop) {
		return;
	}
	if (hold && span > 0) {
		proxy_hold(p, dir, buf, len,
			   now + 1000 + (int64_t)(robust_rng_next(&p->rng) % (uint64_t)span));
	} else {
		proxy_emit(p, dir, buf, len);
	}
	if (dup) {
		proxy_hold(
		    p, dir, buf, len,
		    now + (span > 0 ? (int64_t)(robust_rng_next(&p->rng) % (uint64_t)span) : 0));
	}
}

static void proxy_drain(struct proxy *p, int fd, int dir)
{
	uint8_t buf[PROXY_DGRAM];

	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n =
		    recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			return;
		}
		if (dir == PROXY_C2S) {
			p->client = from;
			p->have_client = true;
		} else if (from.sin_port != p->server.sin_port ||
			   from.sin_addr.s_addr != p->server.sin_addr.s_addr) {
			continue;
		}
		proxy_handle(p, dir, buf, (size_t)n);
	}
}

static void *proxy_main(void *arg)
{
	struct proxy *p = arg;

	for (;;) {
		struct pollfd fds[3] = {
		    {.fd = p->front, .events = POLLIN},
		    {.fd = p->back, .events = POLLIN},
		    {.fd = p->stop_pipe[0], .events = POLLIN},
		};
		int64_t now = robust_now_us();
		int64_t next = INT64_MAX;
		int timeout = -1;

		for (size_t i = 0; i < p->nq; i++) {
			if (p->q[i].due_us < next) {
				next = p->q[i].due_us;
			}
		}
		if (next != INT64_MAX) {
			timeout = next <= now ? 0 : (int)((next - now + 999) / 1000);
		}
		(void)poll(fds, 3, timeout);
		if (fds[2].revents != 0) {
			break;
		}
		if (fds[0].revents & POLLIN) {
			proxy_drain(p, p->front, PROXY_C2S);
		}
		if (fds[1].revents & POLLIN) {
			proxy_drain(p, p->back, PROXY_S2C);
		}
		now = robust_now_us();
		for (size_t i = 0; i < p->nq;) {
			if (p->q[i].due_us <= now) {
				struct delayed *d = &p->q[i];

				proxy_emit(p, d->dir, d->buf, d->len);
				p->q[i] = p->q[--p->nq];
			} else {
				i++;
			}
		}
	}
	return NULL;
}

int proxy_start(struct proxy **out, const struct sockaddr_in *server, const struct proxy_cfg *cfg)
{
	struct proxy *p = calloc(1, sizeof(*p));
	int r;

	if (p == NULL) {
		return -ENOMEM;
	}
	p->q = calloc(PROXY_QUEUE, sizeof(*p->q));
	if (p->q == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->front = p->back = -1;
	p->server = *server;
	p->cfg = *cfg;
	robust_rng_init(&p->rng, cfg->seed);
	pthread_mutex_init(&p->lock, NULL);
	r = bind_loopback(&p->front, &p->front_addr);
	if (r == 0) {
		r = bind_loopback(&p->back, &p->back_addr);
	}
	if (r == 0 && pipe(p->stop_pipe) != 0) {
		r = -errno;
	}
	if (r == 0) {
		r = -pthread_create(&p->thread, NULL, proxy_main, p);
	}
	if (r != 0) {
		if (p->front >= 0) {
			close(p->front);
		}
		if (p->back >= 0) {
			close(p->back);
		}
		free(p->q);
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

const struct sockaddr *proxy_addr(const struct proxy *p)
{
	return (const struct sockaddr *)&p->front_addr;
}

void proxy_stop(struct proxy *p)
{
	char c = 1;

	if (p == NULL) {
		return;
	}
	(void)!write(p->stop_pipe[1], &c, 1);
	pthread_join(p->thread, NULL);
	close(p->stop_pipe[0]);
	close(p->stop_pipe[1]);
	close(p->front);
	close(p->back);
	pthread_mutex_destroy(&p->lock);
	free(p->log);
	free(p->q);
	free(p);
}

struct proxy_stats proxy_get_stats(struct proxy *p)
{
	struct proxy_stats s;

	pthread_mutex_lock(&p->lock);
	s = p->st;
	pthread_mutex_unlock(&p->lock);
	return s;
}

size_t proxy_log(struct proxy *p, struct proxy_rec **recs)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->nlog;
	*recs = malloc((n > 0 ? n : 1) * sizeof(**recs));
	if (*recs == NULL) {
		n = 0;
	} else if (n > 0) {
		memcpy(*recs, p->log, n * sizeof(**recs));
	}
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* ---- responder ------------------------------------------------------------- */

#define SEP_MAX  256
#define OBS_MAX  8
#define OBS_MIDS 16

struct sep_entry {
	bool used;
	bool acked;
	struct sockaddr_in to;
	uint16_t req_mid; /* the request it answers (duplicates get the Empty ACK again) */
	uint16_t mid;     /* our CON response */
	uint8_t tok[8];
	uint8_t tkl;
	char payload[32];
	size_t plen;
	int64_t due_us;
	int rto_ms;
	int left;
	int64_t expires_us;
};

struct observer {
	bool used;
	struct sockaddr_in to;
	uint8_t tok[8];
	uint8_t tkl;
	uint32_t seq;
	uint16_t mids[OBS_MIDS];
	unsigned int nmid;
};

struct responder {
	struct peer peer;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock; /* stats and upload */
	struct responder_cfg cfg;
	struct responder_stats st;
	uint8_t *body;
	uint8_t *up;
	size_t up_final;
	struct sep_entry sep[SEP_MAX];
	struct observer obs[OBS_MAX];
	int64_t next_notify_us;
	struct peer_msg m; /* scratch */
};

static void respond(struct responder *r, const struct peer_msg *req, uint8_t code,
		    const struct peer_opt *opts, size_t n, const void *payload, size_t len)
{
	if (req->type == COAP_TYPE_CON) {
		(void)peer_reply(&r->peer, req, code, opts, n, payload, len);
	} else {
		(void)peer_separate(&r->peer, req, COAP_TYPE_NON_CON, peer_next_mid(), code, opts,
				    n, payload, len);
	}
}

/* Not zcoap_block_decode(): the responder reads Block options independently of the codec. */
static bool block_opt(const struct peer_msg *m, uint16_t num, uint32_t *bnum, bool *more,
		      uint8_t *szx)
{
	const struct peer_opt *o = peer_msg_opt(m, num, 0);
	uint32_t v;

	if (o == NULL || o->len > 3) {
		return false;
	}
	v = peer_opt_uint(o);
	*bnum = v >> 4;
	*more = (v & 8U) != 0;
	*szx = (uint8_t)(v & 7U);
	return *szx != 7;
}

static void serve_small(struct responder *r, const struct peer_msg *m, const char *path)
{
	char payload[32];
	int n = snprintf(payload, sizeof(payload), "r%s", path + 2);
	long idx = strtol(path + 2, NULL, 10);

	if (m->type == COAP_TYPE_CON && r->cfg.separate_every > 0 &&
	    idx % r->cfg.separate_every == 2) {
		struct sep_entry *free_e = NULL;
		int64_t now = robust_now_us();

		for (int i = 0; i < SEP_MAX; i++) {
			struct sep_entry *e = &r->sep[i];

			if (e->used && e->expires_us < now) {
				e->used = false;
			}
			if (e->used && e->req_mid == m->mid && e->to.sin_port == m->from.sin_port) {
				/* A retransmitted request: acknowledge it again (RFC 7252 §4.5). */
				(void)peer_empty_ack(&r->peer, m);
				return;
			}
			if (!e->used && free_e == NULL) {
				free_e = e;
			}
		}
		if (free_e != NULL) {
			struct sep_entry *e = free_e;

			/* RFC 7252 §5.2.2: Empty ACK now, the response later as a CON. */
			(void)peer_empty_ack(&r->peer, m);
			memset(e, 0, sizeof(*e));
			e->used = true;
			e->to = m->from;
			e->req_mid = m->mid;
			e->mid = peer_next_mid();
			memcpy(e->tok, m->token, m->tkl);
			e->tkl = m->tkl;
			memcpy(e->payload, payload, (size_t)n);
			e->plen = (size_t)n;
			e->rto_ms = r->cfg.separate_rto_ms;
			e->left = r->cfg.separate_retrans;
			e->due_us = now + (int64_t)e->rto_ms * 1000;
			e->expires_us = now + 60000000;
			(void)peer_send_msg(&r->peer, &e->to, COAP_TYPE_CON,
					    COAP_RESPONSE_CODE_CONTENT, e->mid, e->tok, e->tkl,
					    NULL, 0, e->payload, e->plen);
			pthread_mutex_lock(&r->lock);
			r->st.separate++;
			pthread_mutex_unlock(&r->lock);
			return;
		}
	}
	respond(r, m, COAP_RESPONSE_CODE_CONTENT, NULL, 0, payload, (size_t)n);
}

static void serve_big(struct responder *r, const struct peer_msg *m)
{
	uint32_t num = 0;
	bool more = false;
	uint8_t szx = 6;
	uint8_t b2[3];
	uint8_t sz[4];
	uint8_t cf[4];
	struct peer_opt opts[4];
	size_t n = 0;
	size_t size;
	size_t off;
	size_t len;

	if (block_opt(m, COAP_OPTION_BLOCK2, &num, &more, &szx) && szx > 6) {
		szx = 6;
	}
	size = (size_t)16 << szx;
	off = (size_t)num * size;
	if (off >= r->cfg.body_len) {
		respond(r, m, COAP_RESPONSE_CODE_BAD_REQUEST, NULL, 0, NULL, 0);
		return;
	}
	len = r->cfg.body_len - off < size ? r->cfg.body_len - off : size;
	more = off + len < r->cfg.body_len;
	opts[n++] = (struct peer_opt){COAP_OPTION_ETAG, 2, (const uint8_t *)"e1"};
	opts[n++] =
	    (struct peer_opt){COAP_OPTION_CONTENT_FORMAT,
			      peer_uint_value(cf, COAP_CONTENT_FORMAT_APP_OCTET_STREAM), cf};
	opts[n++] = (struct peer_opt){COAP_OPTION_BLOCK2, peer_block_value(b2, num, more, szx), b2};
	if (num == 0) {
		opts[n++] = (struct peer_opt){COAP_OPTION_SIZE2,
					      peer_uint_value(sz, (uint32_t)r->cfg.body_len), sz};
	}
	respond(r, m, COAP_RESPONSE_CODE_CONTENT, opts, n, r->body + off, len);
}

static void serve_up(struct responder *r, const struct peer_msg *m)
{
	uint32_t num = 0;
	bool more = false;
	uint8_t szx = 6;
	uint8_t b1[3];
	struct peer_opt opt;
	const uint8_t *pl = peer_msg_payload(m);
	size_t off;
	bool has_b1 = block_opt(m, COAP_OPTION_BLOCK1, &num, &more, &szx);

	off = has_b1 ? (size_t)num << (szx + 4) : 0;
	if (off + m->payload_len > r->cfg.upload_cap) {
		respond(r, m, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE, NULL, 0, NULL, 0);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (pl != NULL) {
		memcpy(r->up + off, pl, m->payload_len);
	}
	if (!more) {
		r->up_final = off + m->payload_len;
	}
	pthread_mutex_unlock(&r->lock);
	if (!has_b1) {
		respond(r, m, COAP_RESPONSE_CODE_CHANGED, NULL, 0, NULL, 0);
		return;
	}
	/* RFC 7959 §2.3: 2.31 Continue with the block received; 2.04 at the end. */
	opt = (struct peer_opt){COAP_OPTION_BLOCK1, peer_block_value(b1, num, more, szx), b1};
	respond(r, m, more ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED, &opt, 1,
		NULL, 0);
}

static void send_notification(struct responder *r, struct observer *o, const struct peer_msg *req)
{
	char payload[32];
	int n;
	uint8_t seqv[4];
	struct peer_opt opt;

	o->seq++;
	n = snprintf(payload, sizeof(payload), "seq=%u", (unsigned int)o->seq);
	opt = (struct peer_opt){COAP_OPTION_OBSERVE, peer_uint_value(seqv, o->seq), seqv};
	if (req != NULL) {
		/* The response to the registration is the first notification (RFC 7641 §3.2). */
		respond(r, req, COAP_RESPONSE_CODE_CONTENT, &opt, 1, payload, (size_t)n);
	} else {
		uint16_t mid = peer_next_mid();
		uint8_t type = o->seq % 4 == 0 ? COAP_TYPE_CON : COAP_TYPE_NON_CON;

		o->mids[o->nmid++ % OBS_MIDS] = mid;
		(void)peer_send_msg(&r->peer, &o->to, type, COAP_RESPONSE_CODE_CONTENT, mid, o->tok,
				    o->tkl, &opt, 1, payload, (size_t)n);
	}
	pthread_mutex_lock(&r->lock);
	r->st.notifications++;
	pthread_mutex_unlock(&r->lock);
}

static unsigned long count_observers(const struct responder *r)
{
	unsigned long n = 0;

	for (int i = 0; i < OBS_MAX; i++) {
		n += r->obs[i].used;
	}
	return n;
}

static void serve_obs(struct responder *r, const struct peer_msg *m)
{
	const struct peer_opt *o = peer_msg_opt(m, COAP_OPTION_OBSERVE, 0);
	struct observer *found = NULL;
	struct observer *free_o = NULL;

	for (int i = 0; i < OBS_MAX; i++) {
		struct observer *ob = &r->obs[i];

		if (ob->used && ob->tkl == m->tkl && memcmp(ob->tok, m->token, m->tkl) == 0 &&
		    ob->to.sin_port == m->from.sin_port) {
			found = ob;
		} else if (!ob->used && free_o == NULL) {
			free_o = ob;
		}
	}
	if (o != NULL && peer_opt_uint(o) == 0 && (found != NULL || free_o != NULL)) {
		if (found == NULL) {
			found = free_o;
			memset(found, 0, sizeof(*found));
			found->used = true;
			found->to = m->from;
			memcpy(found->tok, m->token, m->tkl);
			found->tkl = m->tkl;
		}
		send_notification(r, found, m);
	} else {
		/* Deregistration (Observe 1) or a plain GET: no longer observed (RFC 7641 §3.6). */
		if (found != NULL) {
			found->used = false;
		}
		respond(r, m, COAP_RESPONSE_CODE_CONTENT, NULL, 0, "plain", 5);
	}
	pthread_mutex_lock(&r->lock);
	r->st.observers = count_observers(r);
	pthread_mutex_unlock(&r->lock);
}

static void handle_empty(struct responder *r, const struct peer_msg *m)
{
	if (m->type == COAP_TYPE_CON) {
		(void)peer_rst(&r->peer, m); /* ping */
		return;
	}
	if (m->type == COAP_TYPE_RESET) {
		pthread_mutex_lock(&r->lock);
		r->st.rst_received++;
		pthread_mutex_unlock(&r->lock);
		/* RFC 7641 §3.6: an RST to a notification ends the observation. */
		for (int i = 0; i < OBS_MAX; i++) {
			struct observer *o = &r->obs[i];

			for (unsigned int k = 0; o->used && k < OBS_MIDS && k < o->nmid; k++) {
				if (o->mids[k] == m->mid) {
					o->used = false;
				}
			}
		}
		pthread_mutex_lock(&r->lock);
		r->st.observers = count_observers(r);
		pthread_mutex_unlock(&r->lock);
	}
	for (int i = 0; i < SEP_MAX; i++) {
		struct sep_entry *e = &r->sep[i];

		if (e->used && !e->acked && e->mid == m->mid) {
			e->acked = true;
		}
	}
}

static void responder_handle(struct responder *r, const struct peer_msg *m)
{
	char path[64];

	if (!m->valid) {
		return;
	}
	if (m->code == 0) {
		handle_empty(r, m);
		return;
	}
	if ((m->code >> 5) != 0) {
		if (m->type == COAP_TYPE_CON) {
			(void)peer_rst(&r->peer, m);
		}
		return;
	}
	pthread_mutex_lock(&r->lock);
	r->st.requests++;
	pthread_mutex_unlock(&r->lock);
	peer_msg_path(m, path, sizeof(path));
	if (strncmp(path, "r/", 2) == 0) {
		serve_small(r, m, path);
	} else if (strcmp(path, "big") == 0) {
		serve_big(r, m);
	} else if (strcmp(path, "up") == 0) {
		serve_up(r, m);
	} else if (strcmp(path, "obs") == 0) {
		serve_obs(r, m);
	} else {
		respond(r, m, COAP_RESPONSE_CODE_NOT_FOUND, NULL, 0, NULL, 0);
	}
}

static void responder_timers(struct responder *r, int64_t now)
{
	if (r->cfg.notify_ms > 0 && now >= r->next_notify_us) {
		for (int i = 0; i < OBS_MAX; i++) {
			if (r->obs[i].used) {
				send_notification(r, &r->obs[i], NULL);
			}
		}
		r->next_notify_us += (int64_t)r->cfg.notify_ms * 1000;
		if (r->next_notify_us <= now) {
			r->next_notify_us = now + (int64_t)r->cfg.notify_ms * 1000;
		}
	}
	for (int i = 0; i < SEP_MAX; i++) {
		struct sep_entry *e = &r->sep[i];

		if (!e->used || e->acked || e->left <= 0 || e->due_us > now) {
			continue;
		}
		/* Our own CON retransmission (RFC 7252 §4.2), same MID. */
		(void)peer_send_msg(&r->peer, &e->to, COAP_TYPE_CON, COAP_RESPONSE_CODE_CONTENT,
				    e->mid, e->tok, e->tkl, NULL, 0, e->payload, e->plen);
		e->left--;
		e->rto_ms *= 2;
		e->due_us = now + (int64_t)e->rto_ms * 1000;
	}
}

static void *responder_main(void *arg)
{
	struct responder *r = arg;

	r->next_notify_us = robust_now_us() + (int64_t)r->cfg.notify_ms * 1000;
	while (!atomic_load(&r->stop)) {
		int64_t now = robust_now_us();
		int64_t next = now + 10000;
		int wait;

		if (r->cfg.notify_ms > 0 && r->next_notify_us < next) {
			next = r->next_notify_us;
		}
		for (int i = 0; i < SEP_MAX; i++) {
			if (r->sep[i].used && !r->sep[i].acked && r->sep[i].left > 0 &&
			    r->sep[i].due_us < next) {
				next = r->sep[i].due_us;
			}
		}
		wait = next <= now ? 0 : (int)((next - now + 999) / 1000);
		if (peer_recv(&r->peer, &r->m, wait) == 0) {
			responder_handle(r, &r->m);
		}
		responder_timers(r, robust_now_us());
	}
	return NULL;
}

int responder_start(struct responder **out, const struct responder_cfg *cfg)
{
	struct responder *r = calloc(1, sizeof(*r));
	int err;

	if (r == NULL) {
		return -ENOMEM;
	}
	r->cfg = *cfg;
	r->body = malloc(cfg->body_len > 0 ? cfg->body_len : 1);
	r->up = calloc(1, cfg->upload_cap > 0 ? cfg->upload_cap : 1);
	if (r->body == NULL || r->up == NULL) {
		free(r->body);
		free(r->up);
		free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->body_len; i++) {
		r->body[i] = robust_pattern(i);
	}
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->stop, false);
	err = peer_open(&r->peer);
	if (err == 0) {
		int big = 1 << 20;

		(void)setsockopt(r->peer.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		err = -pthread_create(&r->thread, NULL, responder_main, r);
		if (err != 0) {
			peer_close(&r->peer);
		}
	}
	if (err != 0) {
		free(r->body);
		free(r->up);
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

const struct sockaddr_in *responder_addr(const struct responder *r)
{
	return &r->peer.addr;
}

void responder_stop(struct responder *r)
{
	if (r == NULL) {
		return;
	}
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	peer_close(&r->peer);
	pthread_mutex_destroy(&r->lock);
	free(r->body);
	free(r->up);
	free(r);
}

struct responder_stats responder_get_stats(struct responder *r)
{
	struct responder_stats s;

	pthread_mutex_lock(&r->lock);
	s = r->st;
	pthread_mutex_unlock(&r->lock);
	return s;
}

size_t responder_upload(struct responder *r, const uint8_t **data)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->up_final;
	*data = r->up;
	pthread_mutex_unlock(&r->lock);
	return n;
}
