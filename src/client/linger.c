/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linger.c -- keep answering on a socket for a bounded time after its last
 * exchange ended, while the server may still send on it:
 *   - a CON response whose ACK was lost is retransmitted for up to
 *     MAX_TRANSMIT_SPAN and must be ACKed again (RFC 7252 §4.5);
 *   - a server that ignored a cancelled observation goes on notifying until
 *     a notification is answered with RST (RFC 7641 §3.6);
 *   - a late response to a request that gave up gets RST, not silence.
 * The engine says which sockets need it (zc_engine_take_lingers()).
 *
 * The application owns its sockets and may close one at any moment once no
 * request uses it; the number may then name another file, whose data the
 * client must never read. So a lingering socket is read only through a
 * descriptor of the client's own (zc_port_fd_dup(), taken before the final
 * callback runs, while the request still holds the socket), and what the
 * engine sends in answer goes out through it too. While new requests use
 * the socket it is read as usual and the linger is suspended; it resumes
 * once the socket has been idle for ZCOAP_CONFIG_LINGER_GRACE_MS, so that
 * the next request of a sequential loop finds it still suspended and costs
 * no identity check (the number is checked against the duplicate at most
 * once per grace period). The duplicate keeps the socket (and its port)
 * open until the linger ends: at its deadline, once a notification got RST
 * (the server was told to stop), when the application's number turns out
 * to name another socket, or at zcoap_client_deinit().
 * docs/design/threading.md, "Linger".
 */

#include <errno.h>
#include <stdint.h>

#include "zcoap_option.h"

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

/* Datagrams read from a lingering socket per wake-up. */
#define LINGER_BURST 8

/* linger[].idle_since while requests use the socket. */
#define IDLE_ACTIVE (-1)

#define GRACE_MS ((int64_t)ZCOAP_CONFIG_LINGER_GRACE_MS)

static void drop(struct zcoap_client_private *priv, unsigned int i)
{
	zc_port_fd_close(priv->linger[i].dup);
	priv->linger[i] = priv->linger[--priv->n_linger];
}

static int find_orig(const struct zcoap_client_private *priv, int sock)
{
	for (unsigned int i = 0; i < priv->n_linger; i++) {
		if (priv->linger[i].orig == sock) {
			return (int)i;
		}
	}
	return -1;
}

/* Whether the application's number still names entry @p i's socket (one fstat()). */
static bool same_socket(const struct zcoap_client_private *priv, unsigned int i)
{
	uint64_t dev;
	uint64_t ino;

	return zc_port_fd_identity(priv->linger[i].orig, &dev, &ino) &&
	       dev == priv->linger[i].dev && ino == priv->linger[i].ino;
}

/* The number names another socket now: end the entry (closed in zc_linger_expire_locked()). */
static void disown(struct zcoap_client_private *priv, unsigned int i)
{
	priv->linger[i].orig = -1;
	priv->linger[i].done = true;
}

void zc_linger_take_locked(struct coap_client *client)
{
	struct zcoap_client_private *priv = &client->priv;
	int socks[ZCOAP_CONFIG_MAX_REQUESTS];
	int n;
	int64_t now;
	int64_t until;

	if (priv->eng.n_linger == 0) {
		return;
	}
	n = zc_engine_take_lingers(&priv->eng, socks, ZCOAP_CONFIG_MAX_REQUESTS);
	if (priv->linger_ms == 0 || priv->stop) {
		return;
	}
	now = zc_port_now_ms();
	until = now + priv->linger_ms;
	for (int k = 0; k < n; k++) {
		void *ctx;
		int i = find_orig(priv, socks[k]);
		int d;
		uint64_t dev;
		uint64_t ino;

		/*
		 * Lingering already. A request that took it in its grace was
		 * not checked: the application may have closed the socket and
		 * got the number again for this one. Checked here, once per
		 * exchange that lingers after such a request (the ended request
		 * still holds the socket, so the number is open): otherwise the
		 * new socket would get no linger of its own, and the old one
		 * would be held for another linger period. Another socket now
		 * gets an entry of its own.
		 */
		if (i >= 0 && priv->linger[i].trusted) {
			if (same_socket(priv, (unsigned int)i)) {
				priv->linger[i].verified = now;
				priv->linger[i].trusted = false;
			} else {
				disown(priv, (unsigned int)i);
				i = -1;
			}
		}
		if (i >= 0) {
			priv->linger[i].until = until;
			priv->linger[i].done = false;
			priv->linger[i].suspended = true; /* resumes after the grace period */
			priv->linger[i].idle_since = now;
			priv->linger[i].unlisted = false;
			continue;
		}
		/*
		 * Only plain UDP: a DTLS session's records cannot be read
		 * beside its session, and it ends with the session anyway.
		 */
		if (zc_transport_owner(socks[k], &ctx) != &zc_transport_udp) {
			continue;
		}
		d = zc_port_fd_dup(socks[k]);
		if (d < 0) {
			continue; /* out of descriptors: no linger */
		}
		if (!zc_port_fd_identity(d, &dev, &ino)) {
			zc_port_fd_close(d);
			continue;
		}
		if (priv->n_linger == ZCOAP_CONFIG_MAX_REQUESTS) {
			/* Full (every slot's socket lingers already): the oldest makes room. */
			unsigned int old = 0;

			for (unsigned int j = 1; j < priv->n_linger; j++) {
				if (priv->linger[j].until < priv->linger[old].until) {
					old = j;
				}
			}
			if (priv->manual) {
				/*
				 * An application's epoll may watch the oldest one's
				 * descriptor: it is retired in two rounds
				 * (zc_linger_expire_locked()), never closed here;
				 * this socket goes without a linger.
				 */
				priv->linger[old].done = true;
				zc_port_fd_close(d);
				continue;
			}
			drop(priv, old);
		}
		i = priv->n_linger++;
		priv->linger[i].orig = socks[k];
		priv->linger[i].dup = d;
		priv->linger[i].until = until;
		priv->linger[i].dev = dev;
		priv->linger[i].ino = ino;
		priv->linger[i].done = false;
		priv->linger[i].suspended = true; /* resumes after the grace period */
		priv->linger[i].idle_since = now;
		priv->linger[i].verified = now;
		priv->linger[i].trusted = false;
		priv->linger[i].unlisted = false;
		/* A thread asleep in poll() does not wake for its grace period's end yet. */
		if (priv->polling && !zc_loop_is_self(client)) {
			zc_thread_wake(client);
		}
	}
}

void zc_linger_release_locked(struct coap_client *client, int sock)
{
	struct zcoap_client_private *priv = &client->priv;
	int i = find_orig(priv, sock);
	int64_t now;

	if (i < 0 || (priv->linger[i].suspended && zc_engine_socket_active(&priv->eng, sock))) {
		return; /* not lingering, or other requests use it (so it is open) */
	}
	/*
	 * The socket is read as usual while requests use it. In its grace
	 * period (suspended, idle) the linger has not resumed: nothing else
	 * reads the number, and no check is needed unless the last one is a
	 * grace period old (one fstat() per period at most). If the
	 * application closed the socket and got the number again meanwhile,
	 * the old socket's datagrams wait in its buffer, and the next check
	 * (here or in zc_linger_take_locked()) finds out. Past its grace period (lingering: the
	 * client reads the duplicate) the number is checked now; if it names
	 * another socket, the linger ends. The duplicate is not closed here:
	 * the client thread may be polling it; the next
	 * zc_linger_expire_locked() closes it.
	 */
	now = zc_port_now_ms();
	if (priv->linger[i].suspended && now - priv->linger[i].verified < GRACE_MS) {
		priv->linger[i].trusted = true;
		priv->linger[i].idle_since = IDLE_ACTIVE;
		return;
	}
	if (!priv->linger[i].done && same_socket(priv, (unsigned int)i)) {
		priv->linger[i].suspended = true;
		priv->linger[i].idle_since = IDLE_ACTIVE;
		priv->linger[i].verified = now;
		priv->linger[i].trusted = false;
		return;
	}
	disown(priv, (unsigned int)i);
}

void zc_linger_close_all_locked(struct coap_client *client)
{
	while (client->priv.n_linger > 0) {
		drop(&client->priv, client->priv.n_linger - 1U);
	}
}

int64_t zc_linger_expire_locked(struct coap_client *client, int64_t now)
{
	struct zcoap_client_private *priv = &client->priv;
	int64_t next = ZC_NO_DEADLINE;

	for (unsigned int i = 0; i < priv->n_linger;) {
		if (priv->linger[i].done || priv->linger[i].until <= now) {
			/*
			 * Manual mode: a foreign loop (epoll) may still watch the
			 * duplicate, and closing it first would leave epoll's entry
			 * on the socket behind. Left out of this round's set, it is
			 * closed in the next one, after the loop stopped watching it.
			 */
			if (priv->manual && !priv->linger[i].unlisted) {
				priv->linger[i].done = true;
				priv->linger[i].unlisted = true;
				next = now; /* come back at once to close it */
				i++;
				continue;
			}
			drop(priv, i);
			continue;
		}
		if (priv->linger[i].suspended) {
			if (zc_engine_socket_active(&priv->eng, priv->linger[i].orig)) {
				priv->linger[i].idle_since = IDLE_ACTIVE;
			} else if (priv->linger[i].idle_since == IDLE_ACTIVE) {
				priv->linger[i].idle_since = now; /* its requests ended */
			}
			if (priv->linger[i].idle_since != IDLE_ACTIVE &&
			    now - priv->linger[i].idle_since >= GRACE_MS) {
				/* Idle for the grace period: linger again. */
				priv->linger[i].suspended = false;
			} else if (priv->linger[i].idle_since != IDLE_ACTIVE &&
				   priv->linger[i].idle_since + GRACE_MS < next) {
				next = priv->linger[i].idle_since + GRACE_MS; /* to resume it */
			}
		}
		if (priv->linger[i].until < next) {
			next = priv->linger[i].until;
		}
		i++;
	}
	return next;
}

int zc_linger_route_locked(struct coap_client *client, int sock, const uint8_t *buf, size_t len)
{
	struct zcoap_client_private *priv = &client->priv;
	int i;

	if (priv->n_linger == 0) {
		return sock;
	}
	i = find_orig(priv, sock);
	if (i < 0 || priv->linger[i].suspended) {
		return sock;
	}
	if (len >= 1 && ((buf[0] >> 4) & 3U) == COAP_TYPE_RESET) {
		priv->linger[i].rst_sent = true; /* zc_linger_read_locked() decides */
	}
	return priv->linger[i].dup;
}

int zc_linger_poll_fds_locked(const struct coap_client *client, struct zc_port_pollfd *fds, int max)
{
	const struct zcoap_client_private *priv = &client->priv;
	int n = 0;

	for (unsigned int i = 0; i < priv->n_linger && n < max; i++) {
		if (!priv->linger[i].done && !priv->linger[i].suspended) {
			fds[n].fd = priv->linger[i].dup;
			fds[n].events = ZC_PORT_POLL_IN;
			fds[n].revents = 0;
			n++;
		}
	}
	return n;
}

/* Whether a datagram carries an Observe option (RFC 7641 §2): a notification. */
static bool is_notification(const uint8_t *data, size_t len)
{
	struct coap_packet pkt;
	const uint8_t *v;
	uint16_t vlen;

	return len <= UINT16_MAX &&
	       coap_packet_parse(&pkt, (uint8_t *)(uintptr_t)data, (uint16_t)len, NULL, 0) == 0 &&
	       zcoap_option_find(&pkt, COAP_OPTION_OBSERVE, &v, &vlen) == 0;
}

static int find_dup(const struct zcoap_client_private *priv, int dup)
{
	for (unsigned int i = 0; i < priv->n_linger; i++) {
		if (priv->linger[i].dup == dup && !priv->linger[i].done &&
		    !priv->linger[i].suspended) {
			return (int)i;
		}
	}
	return -1;
}

void zc_linger_read_locked(struct coap_client *client, int dup, short revents)
{
	struct zcoap_client_private *priv = &client->priv;

	if (find_dup(priv, dup) < 0) {
		return; /* ended while the thread was polling */
	}
	if (revents & ZC_PORT_POLL_ERR) {
		struct zc_transport_err e;

		/* Nothing of ours is in flight: take the errors only so poll() stops reporting
		 * them. */
		for (int k = 0; k < LINGER_BURST && zc_transport_error(dup, 0, &e); k++) {
		}
	}
	for (int k = 0; k < LINGER_BURST && !priv->stop; k++) {
		struct sockaddr_storage src;
		socklen_t srclen = sizeof(src);
		bool truncated = false;
		int i = find_dup(priv, dup);
		bool notification;
		long n;

		if (i < 0) {
			return; /* an RST ended it, or a new request took the socket back */
		}
		n = zc_transport_recv(dup, priv->rx_buf, sizeof(priv->rx_buf), &src, &srclen,
				      &truncated);
		if (n < 0) {
			if (n != -EAGAIN) {
				priv->linger[i].done = true; /* broken: nothing more to answer */
			}
			return;
		}
		/*
		 * The engine answers as for the application's socket (no request
		 * uses it, so only ACKs of duplicates and RSTs go out), through
		 * the duplicate (zc_linger_route_locked()).
		 */
		notification = is_notification(priv->rx_buf, (size_t)n);
		priv->linger[i].rst_sent = false;
		zc_engine_receive(&priv->eng, zc_port_now_ms(), priv->linger[i].orig,
				  srclen > 0 ? (const struct sockaddr *)&src : NULL, srclen,
				  priv->rx_buf, (size_t)n, truncated);
		zc_run_events_locked(client);
		/*
		 * A notification answered with RST: the server was told to stop
		 * (RFC 7641 §3.6), the linger has done its job. (An RST for
		 * anything else, such as the answer to the cancel's
		 * deregistration, does not end an observation the server keeps.)
		 */
		i = find_dup(priv, dup);
		if (i >= 0 && priv->linger[i].rst_sent && notification) {
			priv->linger[i].done = true;
		}
	}
}

int zcoap_client_set_linger(struct coap_client *client, uint32_t linger_ms)
{
	if (!zc_client_initialised(client)) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->priv.lock);
	client->priv.linger_ms = linger_ms;
	if (linger_ms == 0) {
		/* Ended now; closed by the thread (it may be polling them). */
		for (unsigned int i = 0; i < client->priv.n_linger; i++) {
			client->priv.linger[i].orig = -1;
			client->priv.linger[i].done = true;
		}
	}
	zc_port_mutex_unlock(&client->priv.lock);
	if (linger_ms == 0 && !zc_loop_is_self(client)) {
		zc_thread_wake(client);
	}
	return 0;
}
