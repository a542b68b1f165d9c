/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * thread.c -- the per-client receive thread: sleeps in poll() until a
 * datagram, a wake-up or the engine's next deadline, reads the sockets that
 * are ready, feeds the engine, and runs the callbacks it asks for (events.c)
 * with the client lock released.
 */

#include <errno.h>
#include <limits.h>

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

/* Datagrams read from one socket before looking at timers and other sockets again. */
#define RECV_BURST 32

/* After poll() failed for another reason than a signal, wait this long rather than spin. */
#define POLL_ERROR_BACKOFF_MS 10

/*
 * Map a socket error to what requests see: ICMP port unreachable, and a DTLS
 * session closed by the peer or ended by a fatal alert stay distinct;
 * anything else is a generic -EIO.
 */
static int request_error(int err)
{
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
		zc_engine_fail_socket(eng, sock, request_error(e->err));
		break;
	case ZC_TRANSPORT_SCOPE_ENDPOINT:
		zc_engine_fail_endpoint(eng, sock, (const struct sockaddr *)&e->addr, e->addrlen,
					request_error(e->err));
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
 * RECV_BURST datagrams while requests still use it.
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
		long n = zc_transport_recv(sock, priv->rx_buf, sizeof(priv->rx_buf), &src, &srclen,
					   &truncated);

		if (n == -EAGAIN) {
			return true;
		}
		if (n < 0) {
			struct zc_transport_err e;
			bool whole = zc_transport_error(sock, (int)n, &e) &&
				     apply_error_locked(client, sock, &e);

			/* The error a receive took may stand for an entry still queued. */
			drain_errors_locked(client, sock);
			return !whole;
		}
		zc_engine_receive(&priv->eng, zc_port_now_ms(), sock,
				  srclen > 0 ? (const struct sockaddr *)&src : NULL, srclen,
				  priv->rx_buf, (size_t)n, truncated);
		zc_run_events_locked(client);
	}
	return true;
}

static int poll_timeout(const struct zc_poll_round *round)
{
	if (round->deadline == ZC_NO_DEADLINE) {
		return -1;
	}
	if (round->deadline <= round->now) {
		return 0;
	}
	return round->deadline - round->now > INT_MAX ? INT_MAX
						      : (int)(round->deadline - round->now);
}

static void client_thread(void *arg)
{
	struct coap_client *client = arg;
	struct zcoap_client_private *priv = &client->priv;
	/* wake-up, poll set, lingering duplicates */
	struct zc_port_pollfd fds[1 + 2 * ZCOAP_CONFIG_MAX_REQUESTS];
	struct zc_poll_round round = {0};

	fds[0].fd = zc_port_wake_fd(&priv->wake);
	fds[0].events = ZC_PORT_POLL_IN;
	zc_port_mutex_lock(&priv->lock);
	while (!priv->stop) {
		int ready;
		int nlinger;
		int64_t linger_deadline;

		zc_engine_tick(&priv->eng, zc_port_now_ms());
		zc_run_events_locked(client);
		if (priv->stop) {
			break;
		}
		zc_poll_set_prepare_locked(client, &round);
		fds[0].revents = 0;
		for (int i = 0; i < round.nsock; i++) {
			fds[1 + i].fd = priv->poll_socks[i];
			fds[1 + i].events = ZC_PORT_POLL_IN;
			fds[1 + i].revents = 0;
		}
		linger_deadline = zc_linger_expire_locked(client, round.now);
		if (linger_deadline < round.deadline) {
			round.deadline = linger_deadline;
			priv->poll_deadline = linger_deadline;
		}
		nlinger = zc_linger_poll_fds_locked(client, &fds[1 + round.nsock],
						    ZCOAP_CONFIG_MAX_REQUESTS);
		priv->polling = true;
		zc_port_mutex_unlock(&priv->lock);

		/* No polling tick: sleep until a datagram, a wake-up or the next deadline. */
		ready = zc_port_poll(fds, 1 + (unsigned int)(round.nsock + nlinger),
				     poll_timeout(&round));
		if (ready < 0 && ready != -EINTR) {
			/* Only EINVAL/ENOMEM are possible; back off rather than spin. */
			(void)zc_port_poll(NULL, 0, POLL_ERROR_BACKOFF_MS);
		}

		zc_port_mutex_lock(&priv->lock);
		priv->polling = false;
		if (fds[0].revents & ZC_PORT_POLL_IN) {
			zc_port_wake_drain(&priv->wake);
		}
		for (int i = 0; i < round.nsock && !priv->stop; i++) {
			int fd = fds[1 + i].fd;

			if (fds[1 + i].revents == 0 || priv->poll_socks[i] != fd) {
				continue;
			}
			/*
			 * A kept socket with no request turned readable (or was
			 * closed): stop watching it, and leave whatever arrived to be
			 * read when a request uses it again. It is never read while it
			 * has no request: the application may close it at any time,
			 * and the descriptor number may then name another file.
			 */
			if (!socket_in_use(client, fd) ||
			    (!read_socket_locked(client, fd, fds[1 + i].revents) &&
			     !socket_in_use(client, fd))) {
				zc_poll_set_forget_locked(client, i);
			}
		}
		for (int i = 0; i < nlinger && !priv->stop; i++) {
			if (fds[1 + round.nsock + i].revents != 0) {
				zc_linger_read_locked(client, fds[1 + round.nsock + i].fd,
						      fds[1 + round.nsock + i].revents);
			}
		}
	}
	zc_port_mutex_unlock(&priv->lock);
}

bool zc_thread_is_self(const struct coap_client *client)
{
	return client->priv.magic == ZC_CLIENT_MAGIC &&
	       zc_port_thread_is_self(&client->priv.thread);
}

void zc_thread_wake(struct coap_client *client)
{
	zc_port_wake_signal(&client->priv.wake);
}

int zc_thread_start(struct coap_client *client, const char *name)
{
	struct zcoap_client_private *priv = &client->priv;

	if (zc_port_wake_init(&priv->wake) != 0) {
		return -EAGAIN;
	}
	if (zc_port_thread_create(&priv->thread, name, client_thread, client) != 0) {
		zc_port_wake_destroy(&priv->wake);
		return -EAGAIN;
	}
	return 0;
}

void zc_thread_stop(struct coap_client *client)
{
	zc_thread_wake(client);
	zc_port_thread_join(&client->priv.thread);
	zc_port_wake_destroy(&client->priv.wake);
}
