/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * manual.c -- event-loop mode of the CoAP-over-TCP client
 * (include/zcoap_loop_tcp.h): the loop's round (loop.c) runs in the
 * application's thread, from zcoap_client_tcp_process() or from a foreign
 * loop through zcoap_client_tcp_get_fds(), _fd_ready() and _timeout(). One
 * thread processes at a time (client->processing); requests, cancels, close
 * and deinit may come from any thread (docs/design/tcp.md, "Manual mode").
 */
#include <errno.h>

#include "port/port.h"
#include "tcp/tcp_internal.h"
#include "zcoap_loop_tcp.h"

/* A loop call in progress: this thread's loop frame, and the callbacks counted so far. */
struct call {
	struct zc_tcp_loop_frame frame;
	uint32_t callbacks;
};

int zcoap_client_tcp_init_manual(struct coap_client_tcp *client)
{
	int r = zc_tcp_init_common(client, true);

	if (r == 0) {
		client->initialised = true;
	}
	return r;
}

/* Begin a loop call: on success the lock is held and this thread is the loop thread. */
static int begin(struct coap_client_tcp *c, struct call *k)
{
	if (c == NULL) {
		return -EINVAL;
	}
	if (!c->initialised) {
		return -ESHUTDOWN;
	}
	if (!c->manual) {
		return -EINVAL; /* a thread-mode client: its receive thread runs the loop */
	}
	if (zc_tcp_loop_is_self(c)) {
		return -EDEADLK; /* from a callback of this client */
	}
	zc_port_mutex_lock(&c->lock);
	if (c->stop || c->processing) {
		int r = c->stop ? -ESHUTDOWN : -EBUSY;

		zc_port_mutex_unlock(&c->lock);
		return r;
	}
	c->processing = true;
	zc_tcp_loop_enter(&k->frame, c);
	k->callbacks = c->loop_callbacks;
	return 0;
}

/* End a loop call begun by begin(): the callbacks it ran, or -ESHUTDOWN when it ran none. */
static int end(struct coap_client_tcp *c, const struct call *k)
{
	int ran = (int)(c->loop_callbacks - k->callbacks);
	bool stop = c->stop;

	c->processing = false;
	if (stop) {
		/* zcoap_client_tcp_deinit() in another thread waits for this call to end. */
		zc_port_cond_broadcast(&c->cb_cond);
	}
	zc_port_mutex_unlock(&c->lock);
	zc_tcp_loop_leave(&k->frame);
	return stop && ran == 0 ? -ESHUTDOWN : ran;
}

int zcoap_client_tcp_process(struct coap_client_tcp *client, int timeout_ms)
{
	struct zc_tcp_round round;
	struct call k;
	int timeout;
	int ready = 0;
	int r = begin(client, &k);

	if (r < 0) {
		return r;
	}
	timeout = zc_tcp_expire_locked(client);
	if (!client->stop) {
		zc_tcp_round_prepare_locked(client, &round, timeout);
		if (timeout_ms >= 0 && (round.timeout < 0 || timeout_ms < round.timeout)) {
			round.timeout = timeout_ms;
		}
		client->polling = true; /* a request from another thread wakes the poll() */
		zc_port_mutex_unlock(&client->lock);
		ready = zc_port_poll(round.pfd, round.n, round.timeout);
		zc_port_mutex_lock(&client->lock);
		client->polling = false;
		if (ready < 0) {
			round.pfd[0].revents = 0;
			round.pfd[1].revents = 0;
		}
		zc_tcp_round_dispatch_locked(client, &round);
	}
	/* Deadlines that passed during the wait: timers fire from this call alone. */
	if (!client->stop) {
		(void)zc_tcp_expire_locked(client);
	}
	r = end(client, &k);
	return r == 0 && ready < 0 ? ready : r; /* -EINTR: nothing lost, call again */
}

int zcoap_client_tcp_get_fds(struct coap_client_tcp *client, int *fds, unsigned int *events,
			     int max, int *timeout_ms)
{
	struct zc_tcp_round round;
	struct call k;
	int r;

	if ((fds == NULL || events == NULL) && max > 0) {
		return -EINVAL;
	}
	r = begin(client, &k);
	if (r < 0) {
		return r;
	}
	/* No callback here: a deadline that passed shows as timeout 0. */
	zc_tcp_round_prepare_locked(client, &round, zc_tcp_round_timeout_locked(client));
	/* The foreign loop sleeps on this set until it hands something over. */
	client->polling = true;
	for (unsigned int i = 0; i < round.n && (int)i < max; i++) {
		fds[i] = round.pfd[i].fd;
		events[i] = (unsigned int)round.pfd[i].events;
	}
	if (timeout_ms != NULL) {
		*timeout_ms = round.timeout;
	}
	r = end(client, &k);
	return r < 0 ? r : (int)round.n;
}

int zcoap_client_tcp_fd_ready(struct coap_client_tcp *client, int fd, unsigned int events)
{
	struct zc_tcp_round round;
	struct call k;
	short revents = (short)(events & (ZCOAP_FD_IN | ZCOAP_FD_OUT | ZCOAP_FD_ERR | ZCOAP_FD_HUP |
					  ZCOAP_FD_NVAL));
	int r = begin(client, &k);

	if (r < 0) {
		return r;
	}
	client->polling = false;
	/* The round as it stands now: a descriptor of an earlier connection is ignored. */
	zc_tcp_round_prepare_locked(client, &round, 0);
	if (revents == 0) {
		revents = ZC_PORT_POLL_IN;
	}
	if (fd == round.pfd[0].fd) {
		round.pfd[0].revents = revents;
		zc_tcp_round_dispatch_locked(client, &round);
	} else if (fd >= 0 && round.n == 2 && fd == round.pfd[1].fd) {
		round.pfd[1].revents = revents;
		zc_tcp_round_dispatch_locked(client, &round);
	}
	return end(client, &k);
}

int zcoap_client_tcp_timeout(struct coap_client_tcp *client)
{
	struct zc_tcp_round round;
	struct call k;
	int r = begin(client, &k);

	if (r < 0) {
		return r;
	}
	client->polling = false;
	(void)zc_tcp_expire_locked(client);
	if (!client->stop) {
		/* TLS bytes already decrypted (the timeout of get_fds was 0 for them). */
		zc_tcp_round_prepare_locked(client, &round, 0);
		zc_tcp_round_dispatch_locked(client, &round);
	}
	return end(client, &k);
}

int zcoap_client_tcp_conn_state(struct coap_client_tcp *client)
{
	int r;

	if (client == NULL || !client->initialised) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd >= 0) {
		r = client->connecting ? -EINPROGRESS : 0;
	} else {
		r = client->conn_err != 0 ? client->conn_err : -ENOTCONN;
	}
	zc_port_mutex_unlock(&client->lock);
	return r;
}
