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
#include <sys/stat.h>
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
	struct zcoap_deferred_send *d = ((struct coap_client *)ctx)->priv.defer;

	/* coap_client_req() sends its first datagram itself, outside the lock. */
	if (d != NULL && !d->used && len <= sizeof(d->buf) &&
	    (addr == NULL || addrlen <= (socklen_t)sizeof(d->addr))) {
		d->used = true;
		d->sock = sock;
		d->addrlen = addr != NULL ? addrlen : 0;
		if (d->addrlen > 0) {
			memcpy(&d->addr, addr, d->addrlen);
		}
		d->len = len;
		memcpy(d->buf, buf, len);
		return 0;
	}
	return zc_transport_send(sock, addr, addrlen, buf, len);
}

/*
 * Every request takes 20 random bytes (token, Request-Tag, timeout jitter,
 * RFC 7252 §5.3.1 / RFC 9175 §3): one getrandom() per pool (256 bytes, 64
 * in small configurations) instead of three system calls per request. The
 * bytes are the same CSPRNG output, only fetched ahead; each is handed out
 * once and wiped when taken. Called by the engine, so always under the
 * client lock.
 */
static void io_random(void *ctx, uint8_t *buf, size_t len)
{
	struct zcoap_client_private *priv = &((struct coap_client *)ctx)->priv;
	uint8_t *p;

	if (len > sizeof(priv->rand_pool)) {
		(void)zc_port_random(buf, len);
		return;
	}
	if (priv->rand_left < len) {
		(void)zc_port_random(priv->rand_pool, sizeof(priv->rand_pool));
		priv->rand_left = (uint16_t)sizeof(priv->rand_pool);
	}
	p = priv->rand_pool + sizeof(priv->rand_pool) - priv->rand_left;
	memcpy(buf, p, len);
	memset(p, 0, len);
	priv->rand_left = (uint16_t)(priv->rand_left - len);
}

static void io_trace(void *ctx, bool outgoing, const uint8_t *buf, size_t len)
{
	struct coap_client *client = ctx;

	if (client->priv.trace_cb != NULL) {
		client->priv.trace_cb(outgoing, buf, len, client->priv.trace_user);
	}
}

const struct zcoap_engine_io zc_client_io = {
    .send = io_send,
    .random = io_random,
    .trace = io_trace,
};

/* ---- callbacks -------------------------------------------------------- */

unsigned int zc_take_events_locked(struct coap_client *client, struct zcoap_event *evs)
{
	struct zcoap_client_private *priv = &client->priv;
	unsigned int n = priv->eng.n_events;

	memcpy(evs, priv->eng.events, n * sizeof(evs[0]));
	priv->eng.n_events = 0;
	return n;
}

void zc_run_events_locked(struct coap_client *client)
{
	struct zcoap_event evs[ZCOAP_MAX_EVENTS];
	unsigned int n = zc_take_events_locked(client, evs);

	zc_run_taken_events_locked(client, evs, n);
}

void zc_run_taken_events_locked(struct coap_client *client, const struct zcoap_event *evs,
				unsigned int n)
{
	struct zcoap_client_private *priv = &client->priv;
	bool self = zc_thread_is_self(client);

	for (unsigned int i = 0; i < n; i++) {
		const struct zcoap_event *ev = &evs[i];
		const struct zcoap_response_info *saved_info = current_info;
		uint32_t saved_serial = priv->running_serial;
		struct zcoap_response_info info;

		if (ev->cb == NULL || !zc_engine_event_live(&priv->eng, ev)) {
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
			zc_engine_response_info(&priv->eng, &info);
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

void zc_wait_callbacks_locked(struct coap_client *client, const uint32_t *serials, int n)
{
	struct zcoap_client_private *priv = &client->priv;

	if (zc_thread_is_self(client)) {
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

bool zc_thread_is_self(const struct coap_client *client)
{
	return client->priv.magic == ZCOAP_CLIENT_MAGIC &&
	       pthread_equal(pthread_self(), client->priv.thread);
}

void zc_thread_wake(struct coap_client *client)
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

	if (revents & POLLNVAL) {
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
			if (revents & POLLERR) {
				int err = socket_error(sock);

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

/*
 * How long the socket of a finished request stays polled. Shorter than any
 * default first retransmission timeout (ACK_TIMEOUT, 2 s, RFC 7252 §4.8), so
 * a request submitted meanwhile normally needs no wake-up for its timer
 * either; after it, an idle client sleeps without a timeout again.
 */
#define STICKY_LINGER_MS 1000

/* The file behind a descriptor, as (device, inode); false if it is not open. */
static bool file_identity(int fd, uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		return false;
	}
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return true;
}

/*
 * Fill priv->poll_socks for the next poll(): the sockets of the active
 * requests, then -- room permitting -- the sockets of the previous poll that
 * were not dropped. Keeping the socket of a request that just ended lets the
 * next request on it go out without waking this thread (a sequential
 * request loop then costs no eventfd write, read and extra poll() per
 * request). A kept socket is never read while it has no request; it is
 * dropped when it turns readable or when the linger time is over.
 * @param[out] idle Whether a kept socket without requests is in the set.
 */
static int build_poll_set_locked(struct coap_client *client, bool *idle)
{
	struct zcoap_client_private *priv = &client->priv;
	int socks[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t dev[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t ino[ZCOAP_CONFIG_MAX_REQUESTS];
	int nact = zc_engine_sockets(&priv->eng, socks, ZCOAP_CONFIG_MAX_REQUESTS);
	int n = nact;

	/* Identities: from the previous set when the socket was in it, else looked up now. */
	for (int j = 0; j < nact; j++) {
		int i = 0;

		while (i < priv->n_poll_socks && priv->poll_socks[i] != socks[j]) {
			i++;
		}
		if (i < priv->n_poll_socks) {
			dev[j] = priv->poll_dev[i];
			ino[j] = priv->poll_ino[i];
		} else if (!file_identity(socks[j], &dev[j], &ino[j])) {
			dev[j] = 0;
			ino[j] = 0; /* matches no open socket (poll() reports POLLNVAL) */
		}
	}
	*idle = false;
	for (int i = 0; i < priv->n_poll_socks && n < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		int fd = priv->poll_socks[i];
		bool seen = fd < 0;

		for (int j = 0; j < nact && !seen; j++) {
			seen = socks[j] == fd;
		}
		if (!seen) {
			dev[n] = priv->poll_dev[i];
			ino[n] = priv->poll_ino[i];
			socks[n++] = fd;
			*idle = true;
		}
	}
	memcpy(priv->poll_socks, socks, (size_t)n * sizeof(socks[0]));
	memcpy(priv->poll_dev, dev, (size_t)n * sizeof(dev[0]));
	memcpy(priv->poll_ino, ino, (size_t)n * sizeof(ino[0]));
	priv->n_poll_socks = n;
	return n;
}

bool zc_thread_needs_wake_locked(struct coap_client *client, int sock)
{
	struct zcoap_client_private *priv = &client->priv;
	uint64_t dev;
	uint64_t ino;

	/*
	 * Busy threads rebuild their poll set and deadline under the lock
	 * before sleeping again, so they see the new request anyway. A thread
	 * that sleeps in (or is about to enter) poll() on poll_socks until
	 * poll_deadline sees it in time unless it needs an earlier wake-up or
	 * a socket that is not watched.
	 */
	if (!priv->polling) {
		return false;
	}
	/* Submitting changes no timer but the new request's (eng->last_deadline). */
	if (priv->eng.last_deadline < priv->poll_deadline) {
		return true;
	}
	for (int i = 0; i < priv->n_poll_socks; i++) {
		if (priv->poll_socks[i] != sock) {
			continue;
		}
		/*
		 * A poll() in progress watches the file the number referred to
		 * when it started: if the application closed the socket and got
		 * the number again for a new one, forget it and wake the thread.
		 */
		if (file_identity(sock, &dev, &ino) && dev == priv->poll_dev[i] &&
		    ino == priv->poll_ino[i]) {
			return false;
		}
		priv->poll_socks[i] = -1;
		return true;
	}
	return true;
}

static void *client_thread(void *arg)
{
	struct coap_client *client = arg;
	struct zcoap_client_private *priv = &client->priv;
	struct pollfd fds[1 + ZCOAP_CONFIG_MAX_REQUESTS];

	pthread_mutex_lock(&priv->lock);
	while (!priv->stop) {
		int64_t now = zc_port_now_ms();
		int64_t deadline;
		int64_t linger_end;
		int timeout;
		int nsock;
		int ready;
		bool idle;

		zc_engine_tick(&priv->eng, now);
		zc_run_events_locked(client);
		if (priv->stop) {
			break;
		}
		nsock = build_poll_set_locked(client, &idle);
		deadline = zc_engine_next_deadline(&priv->eng);
		now = zc_port_now_ms();
		linger_end = now + STICKY_LINGER_MS;
		if (idle && linger_end < deadline) {
			deadline = linger_end;
		}
		priv->poll_deadline = deadline;
		if (deadline == ZCOAP_NO_DEADLINE) {
			timeout = -1;
		} else if (deadline <= now) {
			timeout = 0;
		} else {
			timeout = deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
		}
		fds[0].fd = priv->wake_fd[0];
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		for (int i = 0; i < nsock; i++) {
			fds[1 + i].fd = priv->poll_socks[i];
			fds[1 + i].events = POLLIN;
			fds[1 + i].revents = 0;
		}
		priv->polling = true;
		pthread_mutex_unlock(&priv->lock);

		/* No polling tick: sleep until a datagram, a wake-up or the next deadline. */
		ready = poll(fds, (nfds_t)(1 + nsock), timeout);
		if (ready < 0 && errno != EINTR) {
			/* Only EINVAL/ENOMEM are possible; back off rather than spin. */
			struct pollfd none = {.fd = -1};

			(void)poll(&none, 1, 10);
		}

		pthread_mutex_lock(&priv->lock);
		priv->polling = false;
		if (fds[0].revents & POLLIN) {
			drain_wake(client);
		}
		for (int i = 0; i < nsock && !priv->stop; i++) {
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
				priv->poll_socks[i] = -1;
			}
		}
		if (idle && ready == 0 && zc_port_now_ms() >= linger_end) {
			/* Nobody came back within the linger time: stop watching idle sockets. */
			for (int i = 0; i < nsock; i++) {
				if (priv->poll_socks[i] >= 0 &&
				    !socket_in_use(client, priv->poll_socks[i])) {
					priv->poll_socks[i] = -1;
				}
			}
		}
	}
	pthread_mutex_unlock(&priv->lock);
	return NULL;
}

int zc_thread_start(struct coap_client *client, const char *name)
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
