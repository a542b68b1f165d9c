/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * loop.c -- one round of the CoAP-over-TCP client's loop, shared by the
 * receive thread (zc_tcp_thread()) and event-loop mode (manual.c): expire
 * deadlines, set up the descriptors to wait for (the wake-up object, the
 * connection: readable, or writable while a non-blocking connect is under
 * way) and the timeout, then complete a connect or read the stream
 * (rx.c decodes it). Also which thread runs a client's loop, and the final
 * callbacks of failed requests, which wait for a callback of the same
 * request that the loop thread is running.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "port/port.h"
#include "tcp/frame.h"
#include "tcp/tcp_internal.h"

/*
 * The clients whose loop the calling thread runs, innermost first: the
 * receive thread pushes its client for its whole life, a manual-mode loop
 * call around itself (a callback may drive another client's loop).
 */
static _Thread_local struct zc_tcp_loop_frame *frames;

bool zc_tcp_loop_is_self(const struct coap_client_tcp *c)
{
	for (const struct zc_tcp_loop_frame *f = frames; f != NULL; f = f->next) {
		if (f->client == c) {
			return true;
		}
	}
	return false;
}

void zc_tcp_loop_enter(struct zc_tcp_loop_frame *f, struct coap_client_tcp *c)
{
	f->client = c;
	f->next = frames;
	frames = f;
}

void zc_tcp_loop_leave(const struct zc_tcp_loop_frame *f)
{
	frames = f->next;
}

static bool running_one_of(const struct coap_client_tcp *c, const struct zc_tcp_failure *f,
			   unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (c->running_cb == f[i].cb && c->running_ud == f[i].user_data) {
			return true;
		}
	}
	return false;
}

void zc_tcp_report_locked(struct coap_client_tcp *c, const struct zc_tcp_failure *f, unsigned int n)
{
	bool self;

	if (n == 0) {
		return;
	}
	/* The loop thread itself (a callback that cancels) cannot wait for itself. */
	self = zc_tcp_loop_is_self(c);
	if (!self) {
		while (c->running_cb != NULL && running_one_of(c, f, n)) {
			zc_port_cond_wait(&c->cb_cond, &c->lock);
		}
	} else {
		c->loop_callbacks += n;
	}
	zc_port_mutex_unlock(&c->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct coap_client_tcp_response_data d = {.result_code = (int16_t)f[i].err,
							  .last_block = true};

		f[i].cb(&d, f[i].user_data);
	}
	zc_port_mutex_lock(&c->lock);
}

/* The end of a connection, reported (lock held; released during the callbacks). */
static void lost(struct coap_client_tcp *c, int err)
{
	struct zc_tcp_failure f[ZCOAP_CONFIG_MAX_REQUESTS];
	unsigned int n = zc_tcp_drop_connection(c, err, f);

	zc_tcp_report_locked(c, f, n);
}

/*
 * A connect attempt that did not complete: remembered for
 * zcoap_client_tcp_conn_state(), with its sentence for
 * zcoap_client_tcp_last_error(): the TLS session's when it failed, else
 * @p why, else the TCP connect's error.
 */
static void connect_failed(struct coap_client_tcp *c, int err, const char *why)
{
	char text[ZCOAP_CLIENT_TCP_ERROR_LEN];

	if (zc_tcp_tls_error(c->tls, text, sizeof(text)) != 0) {
		why = text;
	} else if (why == NULL) {
		zc_tcp_errno_text("TCP connect failed", err, text, sizeof(text));
		why = text;
	}
	zc_tcp_note_error_locked(c, err, why);
	c->connecting = false;
	c->handshaking = false;
	c->conn_err = err;
	lost(c, err);
}

int zc_tcp_expire_locked(struct coap_client_tcp *c)
{
	struct zc_tcp_failure f[ZCOAP_CONFIG_MAX_REQUESTS];
	unsigned int n = 0;
	int64_t now = zc_port_now_ms();
	int64_t next = INT64_MAX;

	if (c->connecting && c->fd >= 0) {
		if (c->connect_deadline <= now) {
			char why[96];

			if (c->handshaking) {
				snprintf(why, sizeof(why),
					 "no TLS handshake within %u ms (handshake_timeout_ms)",
					 (unsigned int)c->hs_timeout_ms);
			} else {
				snprintf(why, sizeof(why),
					 "the TCP connect did not complete within %u ms",
					 (unsigned int)c->timeout_ms);
			}
			connect_failed(c, -ETIMEDOUT, why);
			return 0; /* look again: the callbacks may have done anything */
		}
		next = c->connect_deadline;
	}
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		struct zcoap_tcp_slot *s = &c->requests[i];

		if (!s->used) {
			continue;
		}
		if (s->deadline <= now) {
			/* (an observation's continuation unanswered: the server is told) */
			zc_tcp_deregister_locked(c, s);
			f[n].cb = s->req.cb;
			f[n].user_data = s->req.user_data;
			f[n].err = -ETIMEDOUT;
			n++;
			s->used = false;
			s->gen++;
		} else if (s->deadline < next) {
			next = s->deadline;
		}
	}
	if (n > 0) {
		zc_tcp_report_locked(c, f, n);
		return 0; /* look again: the callbacks took time and may have added requests */
	}
	if (next == INT64_MAX) {
		return -1;
	}
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

int zc_tcp_round_timeout_locked(const struct coap_client_tcp *c)
{
	int64_t now;
	int64_t next = INT64_MAX;

	if (zc_tcp_sock_pending(c->tls)) {
		return 0; /* Mbed TLS holds decrypted bytes that poll() cannot see */
	}
	if (c->connecting && c->fd >= 0) {
		next = c->connect_deadline;
	}
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		if (c->requests[i].used && c->requests[i].deadline < next) {
			next = c->requests[i].deadline;
		}
	}
	if (next == INT64_MAX) {
		return -1;
	}
	now = zc_port_now_ms();
	if (next <= now) {
		return 0;
	}
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

void zc_tcp_round_prepare_locked(struct coap_client_tcp *c, struct zc_tcp_round *r, int timeout)
{
	r->fd = c->fd;
	r->conn_gen = c->conn_gen;
	r->timeout = zc_tcp_sock_pending(c->tls) ? 0 : timeout;
	r->pfd[0].fd = zc_port_wake_fd(&c->wake);
	r->pfd[0].events = ZC_PORT_POLL_IN;
	r->pfd[0].revents = 0;
	r->pfd[1].fd = c->fd;
	/*
	 * A connect under way ends when the socket turns writable (or fails);
	 * the TLS handshake then waits for what Mbed TLS asked for.
	 */
	if (!c->connecting) {
		r->pfd[1].events = ZC_PORT_POLL_IN;
	} else if (c->handshaking && !c->hs_want_write) {
		r->pfd[1].events = ZC_PORT_POLL_IN;
	} else {
		r->pfd[1].events = ZC_PORT_POLL_OUT;
	}
	r->pfd[1].revents = 0;
	r->n = c->fd >= 0 ? 2U : 1U;
}

/*
 * The connect of event-loop mode is complete (TCP, and TLS when asked for):
 * the socket blocks again (writes are bounded by SO_SNDTIMEO, as in thread
 * mode) and the client's CSM goes out first (RFC 8323 §5.3).
 */
static void connect_complete(struct coap_client_tcp *c)
{
	struct coap_packet pkt;
	int err = zc_port_fd_set_nonblocking(c->fd, false);

	if (err != 0) {
		connect_failed(c, err, NULL);
		return;
	}
	c->connecting = false;
	c->handshaking = false;
	c->connected = true;
	err = zc_tcp_build_csm(&pkt, c->send_buf, sizeof(c->send_buf), c->stream.max_msg, true);
	if (err == 0) {
		err = zc_tcp_send_pkt(c, &pkt);
	}
	if (err != 0) {
		char why[96];

		zc_tcp_errno_text("sending the CSM failed", err, why, sizeof(why));
		connect_failed(c, err, why);
	}
}

/*
 * One step of the TLS handshake, as far as the socket allows without
 * blocking (Mbed TLS's WANT_READ / WANT_WRITE: the next round waits for
 * that). Its failures are those of the blocking handshake (docs/errors.md);
 * its deadline is the TLS configuration's handshake timeout.
 */
static void handshake_step(struct coap_client_tcp *c)
{
	bool want_write = false;
	int err = zc_tcp_tls_step(c->tls, &want_write);

	if (err == -EAGAIN) {
		c->hs_want_write = want_write;
	} else if (err != 0) {
		connect_failed(c, err, NULL); /* the session's sentence */
	} else {
		connect_complete(c);
	}
}

/*
 * The non-blocking TCP connect of event-loop mode ended (the socket turned
 * writable or reported an error): take its outcome (SO_ERROR), then shake
 * hands (TLS) or complete the connection.
 */
static void connect_done(struct coap_client_tcp *c)
{
	int err = zc_port_socket_error(c->fd);

	if (err != 0) {
		connect_failed(c, err > 0 ? -err : err, NULL);
		return;
	}
	if (c->tls != NULL) {
		c->handshaking = true;
		c->hs_want_write = true;
		c->connect_deadline = zc_port_now_ms() + c->hs_timeout_ms;
		handshake_step(c); /* writable: the ClientHello goes out now */
		return;
	}
	connect_complete(c);
}

void zc_tcp_round_dispatch_locked(struct coap_client_tcp *c, const struct zc_tcp_round *r)
{
	long got;

	if (r->pfd[0].revents != 0) {
		zc_port_wake_drain(&c->wake);
	}
	/* Only the connection polled, still open (close() bumps conn_gen). */
	if (r->fd < 0 || c->conn_gen != r->conn_gen || c->fd != r->fd || c->stop) {
		return;
	}
	if (c->connecting && c->handshaking) {
		if (r->pfd[1].revents != 0) {
			handshake_step(c);
		}
		return;
	}
	if (c->connecting) {
		/* Writable, or an error: the connect has ended (a stale "readable" has not). */
		if ((r->pfd[1].revents & (ZC_PORT_POLL_OUT | ZC_PORT_POLL_ERR | ZC_PORT_POLL_HUP |
					  ZC_PORT_POLL_NVAL)) != 0) {
			connect_done(c);
		}
		return;
	}
	if (r->pfd[1].revents == 0 && !zc_tcp_sock_pending(c->tls)) {
		return;
	}
	got = zc_tcp_sock_recv(r->fd, c->tls, c->chunk, sizeof(c->chunk));
	if (got == -EAGAIN) {
		return;
	}
	if (got < 0) {
		/* (a TLS session's sentence is kept by zc_tcp_drop_connection()) */
		lost(c, c->send_err != 0 ? c->send_err : (int)got);
		return;
	}
	zc_tcp_consume(c, r->conn_gen, (size_t)got);
}

void zc_tcp_thread(void *arg)
{
	struct coap_client_tcp *c = arg;
	struct zc_tcp_loop_frame frame;

	zc_tcp_loop_enter(&frame, c); /* for the thread's whole life */
	zc_port_mutex_lock(&c->lock);
	while (!c->stop) {
		struct zc_tcp_round r;
		int timeout = zc_tcp_expire_locked(c);

		if (c->stop) {
			break;
		}
		zc_tcp_round_prepare_locked(c, &r, timeout);
		zc_port_mutex_unlock(&c->lock);
		(void)zc_port_poll(r.pfd, r.n, r.timeout);
		zc_port_mutex_lock(&c->lock);
		zc_tcp_round_dispatch_locked(c, &r);
	}
	zc_port_mutex_unlock(&c->lock);
	zc_tcp_loop_leave(&frame);
}
