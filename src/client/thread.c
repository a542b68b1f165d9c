/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * thread.c -- the per-client receive thread: sleeps in poll() until a
 * datagram, a wake-up or the engine's next deadline, feeds the engine, and
 * runs the callbacks it asks for with the client lock released.
 */

#define _GNU_SOURCE /* pthread_setname_np */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

/* The response behind the callback running on this thread (zcoap_client_response_info()). */
static _Thread_local const struct zcoap_response_info *current_info;

/* Datagrams read from one socket before looking at timers and other sockets again. */
#define RECV_BURST 32

const struct zcoap_response_info *zcoap_client_response_info(void)
{
	return current_info;
}

const struct coap_packet *zcoap_client_response_packet(void)
{
	return current_info != NULL ? current_info->packet : NULL;
}

/* ---- engine I/O ------------------------------------------------------- */

static int io_send(void *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen,
		   const uint8_t *buf, size_t len)
{
	(void)ctx;
	return zcoap_transport_send(sock, addr, addrlen, buf, len);
}

static void io_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)zcoap_port_random(buf, len);
}

static void io_trace(void *ctx, bool outgoing, const uint8_t *buf, size_t len)
{
	struct coap_client *client = ctx;

	if (client->priv.trace_cb != NULL) {
		client->priv.trace_cb(outgoing, buf, len, client->priv.trace_user);
	}
}

const struct zcoap_engine_io zcoap_client_io = {
    .send = io_send,
    .random = io_random,
    .trace = io_trace,
};

/* ---- callbacks -------------------------------------------------------- */

void zcoap_run_events_locked(struct coap_client *client)
{
	struct zcoap_client_private *priv = &client->priv;
	struct zcoap_event evs[sizeof(priv->eng.events) / sizeof(priv->eng.events[0])];
	unsigned int n = priv->eng.n_events;
	bool self = zcoap_thread_is_self(client);

	memcpy(evs, priv->eng.events, n * sizeof(evs[0]));
	priv->eng.n_events = 0;
	for (unsigned int i = 0; i < n; i++) {
		const struct zcoap_event *ev = &evs[i];
		const struct zcoap_response_info *saved_info = current_info;
		uint32_t saved_serial = priv->running_serial;
		struct zcoap_response_info info;

		if (ev->cb == NULL || !zcoap_engine_event_live(&priv->eng, ev)) {
			continue;
		}
		/*
		 * Never re-enter a request's callback from inside itself (e.g. it
		 * cancels itself): Zephyr's in_callback rule.
		 */
		if (self && saved_serial == ev->serial) {
			continue;
		}
		if (ev->has_packet) {
			zcoap_engine_response_info(&priv->eng, &info);
			current_info = &info;
		} else {
			current_info = NULL;
		}
		if (self) {
			priv->running_serial = ev->serial;
		}
		pthread_mutex_unlock(&priv->lock);
		ev->cb(ev->code, ev->offset, ev->payload, ev->len, ev->last_block, ev->user_data);
		pthread_mutex_lock(&priv->lock);
		current_info = saved_info;
		if (self) {
			priv->running_serial = saved_serial;
			pthread_cond_broadcast(&priv->cond);
		}
	}
}

void zcoap_wait_callbacks_locked(struct coap_client *client, const uint32_t *serials, int n)
{
	struct zcoap_client_private *priv = &client->priv;

	if (zcoap_thread_is_self(client)) {
		return;
	}
	for (;;) {
		bool busy = false;

		for (int i = 0; i < n && priv->running_serial != 0; i++) {
			if (serials[i] == priv->running_serial) {
				busy = true;
			}
		}
		if (!busy) {
			return;
		}
		pthread_cond_wait(&priv->cond, &priv->lock);
	}
}

/* ---- the thread ------------------------------------------------------- */

bool zcoap_thread_is_self(const struct coap_client *client)
{
	return client->priv.magic == ZCOAP_CLIENT_MAGIC &&
	       pthread_equal(pthread_self(), client->priv.thread);
}

void zcoap_thread_wake(struct coap_client *client)
{
	uint64_t one = 1;
	ssize_t r;

	do {
		r = write(client->priv.wake_fd[1], &one, sizeof(one));
	} while (r < 0 && errno == EINTR);
	/* EAGAIN: a wake-up is already pending, which is all we need. */
}

static void drain_wake(struct coap_client *client)
{
	uint64_t buf[8];
	ssize_t r;

	do {
		r = read(client->priv.wake_fd[0], buf, sizeof(buf));
	} while (r > 0 || (r < 0 && errno == EINTR));
}

static int socket_error(int sock)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		return -EIO;
	}
	return err;
}

/* Map a socket error to what requests see: ICMP port unreachable stays distinct. */
static int request_error(int err)
{
	if (err < 0) {
		err = -err;
	}
	return err == ECONNREFUSED ? -ECONNREFUSED : -EIO;
}

static bool socket_in_use(const struct coap_client *client, int sock)
{
	const struct zcoap_engine *eng = &client->priv.eng;

	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		if (eng->slots[i].state != ZCOAP_SLOT_FREE && eng->slots[i].sock == sock) {
			return true;
		}
	}
	return false;
}

static void read_socket_locked(struct coap_client *client, int sock, short revents)
{
	struct zcoap_client_private *priv = &client->priv;

	if (revents & POLLNVAL) {
		/* The application closed a socket that still has requests. */
		zcoap_engine_fail_socket(&priv->eng, sock, -EIO);
		zcoap_run_events_locked(client);
		return;
	}
	for (int k = 0; k < RECV_BURST && !priv->stop && socket_in_use(client, sock); k++) {
		struct sockaddr_storage src;
		socklen_t srclen = sizeof(src);
		bool truncated = false;
		long n = zcoap_transport_recv(sock, priv->rx_buf, sizeof(priv->rx_buf), &src,
					      &srclen, &truncated);

		if (n == -EAGAIN) {
			if (revents & POLLERR) {
				int err = socket_error(sock);

				if (err != 0) {
					zcoap_engine_fail_socket(&priv->eng, sock,
								 request_error(err));
					zcoap_run_events_locked(client);
				}
			}
			return;
		}
		if (n < 0) {
			zcoap_engine_fail_socket(&priv->eng, sock, request_error((int)n));
			zcoap_run_events_locked(client);
			return;
		}
		zcoap_engine_receive(&priv->eng, zcoap_port_now_ms(), sock,
				     srclen > 0 ? (const struct sockaddr *)&src : NULL, srclen,
				     priv->rx_buf, (size_t)n, truncated);
		zcoap_run_events_locked(client);
	}
}

static void *client_thread(void *arg)
{
	struct coap_client *client = arg;
	struct zcoap_client_private *priv = &client->priv;
	struct pollfd fds[1 + ZCOAP_CONFIG_MAX_REQUESTS];
	int socks[ZCOAP_CONFIG_MAX_REQUESTS];

	pthread_mutex_lock(&priv->lock);
	while (!priv->stop) {
		int64_t now = zcoap_port_now_ms();
		int64_t deadline;
		int timeout;
		int nsock;

		zcoap_engine_tick(&priv->eng, now);
		zcoap_run_events_locked(client);
		if (priv->stop) {
			break;
		}
		nsock = zcoap_engine_sockets(&priv->eng, socks, ZCOAP_CONFIG_MAX_REQUESTS);
		deadline = zcoap_engine_next_deadline(&priv->eng);
		now = zcoap_port_now_ms();
		if (deadline == ZCOAP_NO_DEADLINE) {
			timeout = -1;
		} else if (deadline <= now) {
			timeout = 0;
		} else {
			timeout = deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
		}
		pthread_mutex_unlock(&priv->lock);

		fds[0].fd = priv->wake_fd[0];
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		for (int i = 0; i < nsock; i++) {
			fds[1 + i].fd = socks[i];
			fds[1 + i].events = POLLIN;
			fds[1 + i].revents = 0;
		}
		/* No polling tick: sleep until a datagram, a wake-up or the next deadline. */
		if (poll(fds, (nfds_t)(1 + nsock), timeout) < 0 && errno != EINTR) {
			/* Only EINVAL/ENOMEM are possible; back off rather than spin. */
			struct pollfd none = {.fd = -1};

			(void)poll(&none, 1, 10);
		}

		pthread_mutex_lock(&priv->lock);
		if (fds[0].revents & POLLIN) {
			drain_wake(client);
		}
		for (int i = 0; i < nsock && !priv->stop; i++) {
			if (fds[1 + i].revents != 0) {
				read_socket_locked(client, socks[i], fds[1 + i].revents);
			}
		}
	}
	pthread_mutex_unlock(&priv->lock);
	return NULL;
}

int zcoap_thread_start(struct coap_client *client, const char *name)
{
	struct zcoap_client_private *priv = &client->priv;
	sigset_t all;
	sigset_t old;
	int fd;
	int r;

	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd >= 0) {
		priv->wake_fd[0] = fd;
		priv->wake_fd[1] = fd;
	} else if (pipe2(priv->wake_fd, O_NONBLOCK | O_CLOEXEC) != 0) {
		return -EAGAIN;
	}
	snprintf(priv->name, sizeof(priv->name), "%s", name);

	/* Signals belong to the application's threads, not ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&priv->thread, NULL, client_thread, client);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		close(priv->wake_fd[0]);
		if (priv->wake_fd[1] != priv->wake_fd[0]) {
			close(priv->wake_fd[1]);
		}
		return -EAGAIN;
	}
	(void)pthread_setname_np(priv->thread, priv->name);
	return 0;
}
