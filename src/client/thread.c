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

static void read_socket_locked(struct coap_client *client, int sock, short revents)
{
	struct zcoap_client_private *priv = &client->priv;

	if (revents & ZC_PORT_POLL_NVAL) {
		/* The application closed a socket that still has requests. */
		zc_engine_fail_socket(&priv->eng, sock, -EIO);
		zc_run_events_locked(client);
		return;
	}
	for (int k = 0; k < RECV_BURST && !priv->stop && socket_in_use(client, sock); k++) {
		struct sockaddr_storage src;
		socklen_t srclen = sizeof(src);
		bool truncated = false;
		long n = zc_transport_recv(sock, priv->rx_buf, sizeof(priv->rx_buf), &src, &srclen,
					   &truncated);

		if (n == -EAGAIN) {
			if (revents & ZC_PORT_POLL_ERR) {
				int err = zc_port_socket_error(sock);

				if (err != 0) {
					zc_engine_fail_socket(&priv->eng, sock, request_error(err));
					zc_run_events_locked(client);
				}
			}
			return;
		}
		if (n < 0) {
			zc_engine_fail_socket(&priv->eng, sock, request_error((int)n));
			zc_run_events_locked(client);
			return;
		}
		zc_engine_receive(&priv->eng, zc_port_now_ms(), sock,
				  srclen > 0 ? (const struct sockaddr *)&src : NULL, srclen,
				  priv->rx_buf, (size_t)n, truncated);
		zc_run_events_locked(client);
	}
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
	struct zc_port_pollfd fds[1 + ZCOAP_CONFIG_MAX_REQUESTS];

	fds[0].fd = zc_port_wake_fd(&priv->wake);
	fds[0].events = ZC_PORT_POLL_IN;
	zc_port_mutex_lock(&priv->lock);
	while (!priv->stop) {
		struct zc_poll_round round;
		int ready;

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
		priv->polling = true;
		zc_port_mutex_unlock(&priv->lock);

		/* No polling tick: sleep until a datagram, a wake-up or the next deadline. */
		ready = zc_port_poll(fds, 1 + (unsigned int)round.nsock, poll_timeout(&round));
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
			if (fds[1 + i].revents == 0) {
				continue;
			}
			if (socket_in_use(client, fds[1 + i].fd)) {
				read_socket_locked(client, fds[1 + i].fd, fds[1 + i].revents);
			} else {
				/*
				 * A kept socket with no request turned readable (or
				 * was closed): stop watching it, and leave whatever
				 * arrived to be read when a request uses it again.
				 */
				zc_poll_set_forget_locked(client, i);
			}
		}
		if (ready == 0) {
			zc_poll_set_expire_locked(client, &round);
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
