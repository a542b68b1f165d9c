/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * interop_util.c -- body reassembly, upload tracking and datagram counting
 * for the interop tests (see interop_util.h).
 *
 * The callbacks run on the client's receive thread; every field is guarded
 * by the structure's mutex and waiters use CLOCK_MONOTONIC deadlines.
 */

#include "interop_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "coap.h"

int64_t interop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void interop_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void init_sync(pthread_mutex_t *lock, pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_mutex_init(lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

static struct timespec deadline_in(int timeout_ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	return dl;
}

/* Record the first error text only; later ones are just counted. */
static void note_error(size_t *errors, char *first, size_t first_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void note_error(size_t *errors, char *first, size_t first_len, const char *fmt, ...)
{
	va_list ap;

	if ((*errors)++ == 0) {
		va_start(ap, fmt);
		vsnprintf(first, first_len, fmt, ap);
		va_end(ap);
	}
}

void collector_init(struct body_collector *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	init_sync(&c->lock, &c->cond);
	c->cap = cap;
	c->buf = malloc(cap > 0 ? cap : 1);
}

void collector_destroy(struct body_collector *c)
{
	free(c->buf);
	c->buf = NULL;
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
}

void collector_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
		  void *user_data)
{
	struct body_collector *c = user_data;

	pthread_mutex_lock(&c->lock);
	if (c->done) {
		c->late++;
	}
	c->code = code;
	if (code >= 0) {
		c->chunks++;
		if (offset != c->len) {
			note_error(&c->errors, c->first_error, sizeof(c->first_error),
				   "chunk %zu at offset %zu, expected %zu", c->chunks, offset,
				   c->len);
		} else if (c->len + len > c->cap || c->buf == NULL) {
			note_error(&c->errors, c->first_error, sizeof(c->first_error),
				   "body exceeds %zu bytes", c->cap);
		} else if (len > 0) {
			memcpy(c->buf + c->len, payload, len);
			c->len += len;
		}
	}
	if (last_block) {
		c->done = true;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

bool collector_wait_done(struct body_collector *c, int timeout_ms)
{
	struct timespec dl = deadline_in(timeout_ms);
	bool done;

	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		if (pthread_cond_timedwait(&c->cond, &c->lock, &dl) == ETIMEDOUT) {
			break;
		}
	}
	done = c->done;
	pthread_mutex_unlock(&c->lock);
	return done;
}

void upload_init(struct upload_tracker *u)
{
	memset(u, 0, sizeof(*u));
	init_sync(&u->lock, &u->cond);
}

void upload_destroy(struct upload_tracker *u)
{
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
}

void upload_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	       void *user_data)
{
	struct upload_tracker *u = user_data;

	(void)payload;
	(void)len;
	pthread_mutex_lock(&u->lock);
	if (u->done) {
		u->late++;
	}
	u->callbacks++;
	u->code = code;
	if (code >= 0) {
		/* Each block's callback reports the bytes sent so far: strictly growing. */
		if (offset <= u->last_offset && !(last_block && offset == u->last_offset)) {
			note_error(&u->errors, u->first_error, sizeof(u->first_error),
				   "callback %zu: offset %zu after %zu", u->callbacks, offset,
				   u->last_offset);
		}
		u->last_offset = offset;
	}
	if (last_block) {
		u->done = true;
	}
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

bool upload_wait_done(struct upload_tracker *u, int timeout_ms)
{
	struct timespec dl = deadline_in(timeout_ms);
	bool done;

	pthread_mutex_lock(&u->lock);
	while (!u->done) {
		if (pthread_cond_timedwait(&u->cond, &u->lock, &dl) == ETIMEDOUT) {
			break;
		}
	}
	done = u->done;
	pthread_mutex_unlock(&u->lock);
	return done;
}

void trace_counter_init(struct trace_counter *t)
{
	memset(t, 0, sizeof(*t));
	init_sync(&t->lock, &t->cond);
}

void trace_counter_destroy(struct trace_counter *t)
{
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}

/* Classify a received datagram: -1 unparsable or other, 1 with Observe, 0 a 2.xx without. */
static int classify(const uint8_t *data, size_t len)
{
	uint8_t copy[2048];
	struct coap_packet pkt;
	struct coap_option opt;

	if (len > sizeof(copy)) {
		len = sizeof(copy);
	}
	memcpy(copy, data, len);
	if (coap_packet_parse(&pkt, copy, (uint16_t)len, NULL, 0) < 0) {
		return -1;
	}
	if (coap_find_options(&pkt, COAP_OPTION_OBSERVE, &opt, 1) > 0) {
		return 1;
	}
	return (coap_header_get_code(&pkt) >> 5) == 2 ? 0 : -1;
}

void trace_counter_hook(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	struct trace_counter *t = user_data;
	int kind = outgoing ? -1 : classify(data, len);

	pthread_mutex_lock(&t->lock);
	if (outgoing) {
		t->n.out++;
		/* RFC 7252 §3: type 3 (RST), an Empty message (code 0.00, 4 bytes). */
		if (len == 4 && (data[0] & 0x30) == 0x30 && data[1] == 0) {
			t->n.out_rst++;
		}
	} else {
		t->n.in++;
		if (kind == 1) {
			t->n.in_observe++;
		} else if (kind == 0) {
			t->n.in_plain++;
			t->n.in_observe_at_plain = t->n.in_observe;
		}
	}
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

struct trace_counts trace_counter_get(struct trace_counter *t)
{
	struct trace_counts snap;

	pthread_mutex_lock(&t->lock);
	snap = t->n;
	pthread_mutex_unlock(&t->lock);
	return snap;
}

bool trace_counter_wait_in(struct trace_counter *t, size_t n, int timeout_ms)
{
	struct timespec dl = deadline_in(timeout_ms);
	bool ok;

	pthread_mutex_lock(&t->lock);
	while (t->n.in < n) {
		if (pthread_cond_timedwait(&t->cond, &t->lock, &dl) == ETIMEDOUT) {
			break;
		}
	}
	ok = t->n.in >= n;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

bool trace_counter_wait_plain(struct trace_counter *t, size_t n, int timeout_ms)
{
	struct timespec dl = deadline_in(timeout_ms);
	bool ok;

	pthread_mutex_lock(&t->lock);
	while (t->n.in_plain < n) {
		if (pthread_cond_timedwait(&t->cond, &t->lock, &dl) == ETIMEDOUT) {
			break;
		}
	}
	ok = t->n.in_plain >= n;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

int interop_udp_socket(void)
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
