/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * loop.c -- one round of the client's loop, shared by the receive thread
 * (thread.c) and event-loop mode (manual.c): set up the descriptors to wait
 * for and the timeout, then read the sockets that turned ready, feed the
 * engine and run the callbacks it asks for (events.c) with the lock released.
 */

#include <errno.h>
#include <limits.h>

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

/* Datagrams read from one socket before looking at timers and other sockets again. */
#define RECV_BURST 32

/*
 * Map a socket error to what requests see: ICMP port unreachable, and a DTLS
 * session closed by the peer or ended by a fatal alert stay distinct;
 * anything else is a generic -EIO.
 */
static int request_error(const struct zc_transport_err *e)
{
	int err = e->err;

	if (e->exact) {
		return err; /* a DTLS handshake the client drove failed: its own error */
	}
	if (err < 0) {
		err = -err;
	}
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
		return -err;
	default:
		return -EIO;
	}
}

static bool socket_in_use(const struct coap_client *client, int sock)
{
	return zc_engine_socket_active(&client->priv.eng, sock);
}

/*
 * Fail the requests a socket error concerns (docs/security.md, "ICMP
 * errors"). An ICMP error can be forged by anyone who can guess the socket's
 * port, so it ends only the requests to the endpoint it names; one that
 * names no endpoint (an unconnected socket without IP_RECVERR's address)
 * ends none: those requests run into their own timeouts instead.
 * @return Whether the error concerns the whole socket.
 */
static bool apply_error_locked(struct coap_client *client, int sock,
			       const struct zc_transport_err *e)
{
	struct zcoap_engine *eng = &client->priv.eng;

	switch (e->scope) {
	case ZC_TRANSPORT_SCOPE_SOCKET:
		zc_engine_fail_socket(eng, sock, request_error(e));
		break;
	case ZC_TRANSPORT_SCOPE_ENDPOINT:
		zc_engine_fail_endpoint(eng, sock, (const struct sockaddr *)&e->addr, e->addrlen,
					request_error(e));
		break;
	default:
		return false;
	}
	zc_run_events_locked(client);
	return e->scope == ZC_TRANSPORT_SCOPE_SOCKET;
}

/*
 * Take the socket's pending errors: with IP_RECVERR each ICMP error waits in
 * the error queue, and poll() reports POLLERR until it is read (a busy loop
 * otherwise). Bounded; poll() reports what is left in the next round.
 */
static void drain_errors_locked(struct coap_client *client, int sock)
{
	for (int k = 0; k < RECV_BURST && !client->priv.stop; k++) {
		struct zc_transport_err e;

		if (!zc_transport_error(sock, 0, &e)) {
			return;
		}
		(void)apply_error_locked(client, sock, &e);
	}
}

/*
 * Read a ready socket that requests use: its pending errors, then up to
 * RECV_BURST datagrams while requests still use it. Once no request uses it
 * any more (the response just read ended the last one) it is not read
 * again: no failing recvmsg() after the last datagram of a sequential
 * request.
 * @return false when the socket is unusable (closed, or an error that
 *         concerns all of it, such as a stream whose peer closed).
 */
static bool read_socket_locked(struct coap_client *client, int sock, short revents)
{
	struct zcoap_client_private *priv = &client->priv;

	if (revents & ZC_PORT_POLL_NVAL) {
		/* The application closed a socket that still has requests. */
		zc_engine_fail_socket(&priv->eng, sock, -EIO);
		zc_run_events_locked(client);
		return false;
	}
	if (revents & ZC_PORT_POLL_ERR) {
		drain_errors_locked(client, sock);
	}
	for (int k = 0; k < RECV_BURST && !priv->stop && socket_in_use(client, sock); k++) {
		struct sockaddr_storage src;
		socklen_t srclen = sizeof(src);
		bool truncated = false;
		bool single = priv->eng.n_active <= 1;
		long n = zc_transport_recv(sock, priv->rx_buf, sizeof(priv->rx_buf), &src, &srclen,
					   &truncated);

		if (n == -EAGAIN) {
			return true;
		}
		if (n == ZC_TRANSPORT_RECONNECTED) {
			/* A DTLS reconnect completed: the server may have lost our observations. */
			zc_engine_reregister_socket(&priv->eng, sock, zc_port_now_ms());
			zc_run_events_locked(client);
			continue;
		}
		if (n < 0) {
			struct zc_transport_err e;
			bool whole = zc_transport_error(sock, (int)n, &e) &&
				     apply_error_locked(client, sock, &e);

			/* The error a receive took may stand for an entry still queued. */
			drain_errors_locked(client, sock);
			return !whole;
		}
		/* The clock only for a datagram the plain receive declines. */
		if (!zc_engine_receive_plain(&priv->eng, sock,
					     srclen > 0 ? (const struct sockaddr *)&src : NULL,
					     srclen, priv->rx_buf, (size_t)n, truncated)) {
			zc_engine_receive(&priv->eng, zc_port_now_ms(), sock,
					  srclen > 0 ? (const struct sockaddr *)&src : NULL, srclen,
					  priv->rx_buf, (size_t)n, truncated);
		}
		zc_run_events_locked(client);
		/*
		 * With a single exchange before this datagram, whatever uses the
		 * socket now (the next request of a sequential loop, submitted by
		 * the callback or another thread; the next block of a download)
		 * has only just sent its datagram: a recvmsg() now would almost
		 * surely fail with EAGAIN. The next poll() reports the answer.
		 */
		if (single) {
			return true;
		}
	}
	return true;
}

/*
 * Sockets whose transport must be stepped without a datagram (a DTLS
 * handshake the client drives, zcoap_dtls_connect_async()): the earliest
 * such time among the sockets requests use (@p socks, from
 * zc_engine_round(); the poll set lists them first, and an idle socket has
 * nothing to step). One atomic load per socket when the process has no
 * session socket.
 */
static int64_t transport_deadline(const int *socks, int n)
{
	int64_t when = ZC_NO_DEADLINE;

	for (int i = 0; i < n; i++) {
		int64_t t = zc_transport_deadline(socks[i]);

		when = t < when ? t : when;
	}
	return when;
}

void zc_loop_transport_tick_locked(struct coap_client *client)
{
	struct zcoap_client_private *priv = &client->priv;
	int64_t now = 0;
	bool have_now = false;

	for (int i = 0; i < priv->n_poll_socks && !priv->stop; i++) {
		int fd = priv->poll_socks[i];
		int64_t t;

		/* The clock only for a transport that has a step to take (a DTLS handshake). */
		t = zc_transport_deadline(fd);
		if (t == ZC_TRANSPORT_NO_DEADLINE || !socket_in_use(client, fd)) {
			continue;
		}
		if (!have_now) {
			now = zc_port_now_ms();
			have_now = true;
		}
		/* The receive operation runs the due step (and reads what it may bring). */
		if (t <= now) {
			(void)read_socket_locked(client, fd, 0);
		}
	}
}

void zc_loop_tick_locked(struct coap_client *client)
{
	struct zcoap_client_private *priv = &client->priv;

	/*
	 * No request: no timer to fire and no socket in use to step (the
	 * state a sequential loop is in after each response): no clock read.
	 */
	if (priv->eng.n_active == 0) {
		return;
	}
	zc_engine_tick(&priv->eng, zc_port_now_ms());
	zc_run_events_locked(client);
	zc_loop_transport_tick_locked(client);
}

int64_t zc_poll_round_now(struct zc_poll_round *round)
{
	if (!round->have_now) {
		round->now = zc_port_now_ms();
		round->have_now = true;
	}
	return round->now;
}

int zc_loop_timeout(struct zc_poll_round *round)
{
	int64_t left;

	if (round->deadline == ZC_NO_DEADLINE) {
		return -1;
	}
	left = round->deadline - zc_poll_round_now(round);
	if (left <= 0) {
		return 0;
	}
	return left > INT_MAX ? INT_MAX : (int)left;
}

_Static_assert(sizeof(((struct zcoap_client_private *)0)->round_fds) ==
		   ZC_LOOP_MAX_FDS * sizeof(struct zc_port_pollfd),
	       "priv->round_fds must hold ZC_LOOP_MAX_FDS struct zc_port_pollfd");

/* zc_loop_prepare_locked(), inlined into both of its callers. */
static inline unsigned int prepare_locked(struct coap_client *client, int *timeout_ms, int *nsock)
{
	struct zcoap_client_private *priv = &client->priv;
	struct zc_port_pollfd *fds = zc_loop_fds(client);
	struct zc_poll_round round;
	int socks[ZCOAP_CONFIG_MAX_REQUESTS];
	/* The active requests' sockets and the engine's next deadline, in one pass. */
	int nact = zc_engine_round(&priv->eng, socks, ZCOAP_CONFIG_MAX_REQUESTS, &round.deadline);
	int64_t step_deadline;
	int nlinger = 0;
	int ns;

	/*
	 * The steady state of a request loop has nothing to rebuild, polls
	 * the descriptors of the previous round (poll() sets every revents,
	 * and only a round's own wait is dispatched) and reads the clock once.
	 * Any other change of poll_socks (an entry forgotten or replaced) makes
	 * it differ from the active sockets, so it is rebuilt here first.
	 */
	round.have_now = false;
	/* The transports' steps on those sockets (the rebuild appends the idle ones to socks). */
	step_deadline = transport_deadline(socks, nact);
	if (step_deadline < round.deadline) {
		round.deadline = step_deadline;
	}
	if (!zc_poll_set_unchanged(priv, socks, nact) &&
	    zc_poll_set_rebuild_locked(client, socks, nact, &round)) {
		priv->round_filled = false;
	}
	ns = priv->n_poll_socks;
	if (!priv->round_filled) {
		fds[0].fd = zc_port_wake_fd(&priv->wake);
		fds[0].events = ZC_PORT_POLL_IN;
		for (int i = 0; i < ns; i++) {
			fds[1 + i].fd = priv->poll_socks[i];
			fds[1 + i].events = ZC_PORT_POLL_IN;
		}
		priv->round_filled = true;
	}
	/* The lingering duplicates (linger.c) after the poll set, and their deadline. */
	if (priv->n_linger > 0) {
		int64_t linger_deadline =
		    zc_linger_expire_locked(client, zc_poll_round_now(&round));

		if (linger_deadline < round.deadline) {
			round.deadline = linger_deadline;
		}
		nlinger =
		    zc_linger_poll_fds_locked(client, &fds[1 + ns], ZCOAP_CONFIG_MAX_REQUESTS);
	}
	priv->poll_deadline = round.deadline;
	priv->polling = true;
	*timeout_ms = zc_loop_timeout(&round);
	*nsock = ns;
	return 1 + (unsigned int)(ns + nlinger);
}

unsigned int zc_loop_prepare_locked(struct coap_client *client, int *timeout_ms, int *nsock)
{
	return prepare_locked(client, timeout_ms, nsock);
}

void zc_loop_socket_ready_locked(struct coap_client *client, int i, int fd, short revents)
{
	struct zcoap_client_private *priv = &client->priv;

	if (revents == 0 || i >= priv->n_poll_socks || priv->poll_socks[i] != fd) {
		return;
	}
	/*
	 * A kept socket with no request turned readable (or was closed): stop
	 * watching it, and leave whatever arrived to be read when a request
	 * uses it again. It is never read while it has no request: the
	 * application may close it at any time, and the descriptor number may
	 * then name another file.
	 */
	if (!socket_in_use(client, fd) ||
	    (!read_socket_locked(client, fd, revents) && !socket_in_use(client, fd))) {
		zc_poll_set_forget_locked(client, i);
	}
}

void zc_loop_fd_ready_locked(struct coap_client *client, int fd, short revents)
{
	struct zcoap_client_private *priv = &client->priv;

	if (fd == zc_port_wake_fd(&priv->wake)) {
		zc_port_wake_drain(&priv->wake);
		return;
	}
	for (int i = 0; i < priv->n_poll_socks; i++) {
		if (priv->poll_socks[i] == fd) {
			zc_loop_socket_ready_locked(client, i, fd, revents);
			return;
		}
	}
	zc_linger_read_locked(client, fd, revents); /* ignores a descriptor not its own */
}

/* zc_loop_dispatch_locked(), inlined into both of its callers. */
static inline void dispatch_locked(struct coap_client *client, const struct zc_port_pollfd *fds,
				   unsigned int n, int nsock)
{
	struct zcoap_client_private *priv = &client->priv;

	priv->polling = false;
	if (n > 0 && (fds[0].revents & ZC_PORT_POLL_IN)) {
		zc_port_wake_drain(&priv->wake);
	}
	for (unsigned int i = 1; i < n && !priv->stop; i++) {
		if (fds[i].revents == 0) {
			continue;
		}
		if ((int)i <= nsock) {
			zc_loop_socket_ready_locked(client, (int)i - 1, fds[i].fd, fds[i].revents);
		} else {
			zc_linger_read_locked(client, fds[i].fd, fds[i].revents);
		}
	}
}

void zc_loop_dispatch_locked(struct coap_client *client, const struct zc_port_pollfd *fds,
			     unsigned int n, int nsock)
{
	dispatch_locked(client, fds, n, nsock);
}

int zc_loop_round_locked(struct coap_client *client, int timeout_ms)
{
	struct zcoap_client_private *priv = &client->priv;
	struct zc_port_pollfd *fds = zc_loop_fds(client);
	int timeout;
	int nsock;
	int ready;
	unsigned int n = prepare_locked(client, &timeout, &nsock);

	if (timeout_ms >= 0 && (timeout < 0 || timeout_ms < timeout)) {
		timeout = timeout_ms;
	}
	if (timeout == 0) {
		/*
		 * A poll() that returns at once (the caller's zero timeout, or
		 * a timer due): no one can wait for the lock meanwhile, so the
		 * round keeps it (one lock/unlock pair instead of two).
		 */
		ready = zc_port_poll(fds, n, 0);
	} else {
		zc_port_mutex_unlock(&priv->lock);
		ready = zc_port_poll(fds, n, timeout);
		zc_port_mutex_lock(&priv->lock);
	}
	dispatch_locked(client, fds, ready > 0 ? n : 0, nsock);
	if (!priv->stop) {
		zc_loop_tick_locked(client);
	}
	return ready;
}
