/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * poll_set.c -- which sockets the receive thread's poll() watches, and
 * whether a new request needs to wake it.
 *
 * The set is "sticky": the socket of a request that just ended stays in it
 * for a short while, so that the next request on it goes out without waking
 * the thread (a sequential request loop then costs no wake-up write, read
 * and extra poll() per request; docs/performance.md). A kept socket is
 * never read while no request uses it (thread.c): the application may
 * close it at any moment. Each entry remembers the identity of the file its
 * descriptor referred to, so a closed and reused descriptor number does not
 * pass for a watched one.
 */

#include <string.h>

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

/*
 * How long the socket of a finished request stays polled. Shorter than any
 * default first retransmission timeout (ACK_TIMEOUT, 2 s, RFC 7252 §4.8),
 * so that a request submitted meanwhile needs no wake-up for its timer
 * either; after it, an idle client sleeps without a timeout again.
 */
#define STICKY_LINGER_MS 1000

#define SINCE_ACTIVE ZC_POLL_SINCE_ACTIVE

/*
 * Rebuild priv->poll_socks for the next poll(): the sockets of the active
 * requests (@p socks, @p nact of them), then -- room permitting -- the
 * sockets of the previous poll that were not dropped and whose linger time
 * (STICKY_LINGER_MS) is not over.
 * @return The earliest end of an idle socket's linger, or ZC_NO_DEADLINE.
 */
static int64_t rebuild(struct zcoap_client_private *priv, int *socks, int nact, int64_t now)
{
	uint64_t dev[ZCOAP_CONFIG_MAX_REQUESTS];
	uint64_t ino[ZCOAP_CONFIG_MAX_REQUESTS];
	int64_t since[ZCOAP_CONFIG_MAX_REQUESTS];
	int n = nact;
	int64_t wake = ZC_NO_DEADLINE;

	/* Identities: from the previous set when the socket was in it, else looked up now. */
	for (int j = 0; j < nact; j++) {
		int i = 0;

		while (i < priv->n_poll_socks && priv->poll_socks[i] != socks[j]) {
			i++;
		}
		since[j] = SINCE_ACTIVE;
		if (i < priv->n_poll_socks) {
			dev[j] = priv->poll_dev[i];
			ino[j] = priv->poll_ino[i];
		} else if (!zc_port_fd_identity(socks[j], &dev[j], &ino[j])) {
			dev[j] = 0;
			ino[j] = 0; /* matches no open socket (poll() reports POLLNVAL) */
		}
	}
	for (int i = 0; i < priv->n_poll_socks && n < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		int fd = priv->poll_socks[i];
		bool seen = fd < 0;
		int64_t idle_since =
		    priv->poll_since[i] == SINCE_ACTIVE ? now : priv->poll_since[i];

		for (int j = 0; j < nact && !seen; j++) {
			seen = socks[j] == fd;
		}
		if (seen || now - idle_since >= STICKY_LINGER_MS) {
			continue; /* active (listed above), dropped, or its linger is over */
		}
		dev[n] = priv->poll_dev[i];
		ino[n] = priv->poll_ino[i];
		since[n] = idle_since;
		socks[n++] = fd;
		/* Wake when the linger ends, to drop it. */
		wake = idle_since + STICKY_LINGER_MS < wake ? idle_since + STICKY_LINGER_MS : wake;
	}
	memcpy(priv->poll_socks, socks, (size_t)n * sizeof(socks[0]));
	memcpy(priv->poll_dev, dev, (size_t)n * sizeof(dev[0]));
	memcpy(priv->poll_ino, ino, (size_t)n * sizeof(ino[0]));
	memcpy(priv->poll_since, since, (size_t)n * sizeof(since[0]));
	priv->n_poll_socks = n;
	return wake;
}

/*
 * rebuild() when no request is active (the state of a sequential loop in
 * thread mode after each response, before the next request): every entry
 * is idle, so the set keeps its order and identities and is compacted in
 * place -- the same result without the copies.
 * @return The earliest end of an idle socket's linger, or ZC_NO_DEADLINE;
 *         *changed: whether an entry left the set.
 */
static int64_t all_idle(struct zcoap_client_private *priv, int64_t now, bool *changed)
{
	int64_t wake = ZC_NO_DEADLINE;
	int n = 0;

	for (int i = 0; i < priv->n_poll_socks; i++) {
		int64_t idle_since =
		    priv->poll_since[i] == SINCE_ACTIVE ? now : priv->poll_since[i];

		if (priv->poll_socks[i] < 0 || now - idle_since >= STICKY_LINGER_MS) {
			continue; /* dropped, or its linger is over */
		}
		if (n != i) {
			priv->poll_socks[n] = priv->poll_socks[i];
			priv->poll_dev[n] = priv->poll_dev[i];
			priv->poll_ino[n] = priv->poll_ino[i];
		}
		priv->poll_since[n++] = idle_since;
		/* Wake when the linger ends, to drop it. */
		wake = idle_since + STICKY_LINGER_MS < wake ? idle_since + STICKY_LINGER_MS : wake;
	}
	*changed = n != priv->n_poll_socks;
	priv->n_poll_socks = n;
	return wake;
}

bool zc_poll_set_rebuild_locked(struct coap_client *client, int *socks, int nact,
				struct zc_poll_round *round)
{
	bool changed = true;
	int64_t now = zc_poll_round_now(round);
	int64_t wake = nact == 0 ? all_idle(&client->priv, now, &changed)
				 : rebuild(&client->priv, socks, nact, now);

	/* Wake for the engine's next deadline, or for the idle sockets' next step. */
	if (wake < round->deadline) {
		round->deadline = wake;
	}
	return changed;
}

int zc_poll_set_admit_locked(struct coap_client *client, int sock, bool *verified)
{
	struct zcoap_client_private *priv = &client->priv;
	uint64_t dev;
	uint64_t ino;

	*verified = false;
	for (int i = 0; i < priv->n_poll_socks; i++) {
		if (priv->poll_socks[i] != sock) {
			continue;
		}
		/*
		 * In use again: its idle time starts anew when this request
		 * ends, even if the thread never sees it active (a request that
		 * ends within one poll() round; otherwise a sequential loop's
		 * socket would leave the set a second after it first went idle).
		 */
		priv->poll_since[i] = SINCE_ACTIVE;
		/*
		 * A watched socket was checked when its first request was
		 * admitted. A busy thread's set is trusted as the thread itself
		 * trusts it (no system call). So is a sleeping receive thread's
		 * until the client has seen a closed and reused number (the
		 * thread checks after a poll() that timed out, thread.c); from
		 * then on, and in manual mode (a foreign loop's wait), the
		 * identity is checked here, once for this request and for
		 * zc_poll_set_needs_wake_locked().
		 */
		if (!priv->polling) {
			return 0;
		}
		if (!priv->manual && !priv->reuse_seen) {
			priv->poll_trusted = true;
			*verified = true;
			return 0;
		}
		if (zc_port_fd_identity(sock, &dev, &ino) && dev == priv->poll_dev[i] &&
		    ino == priv->poll_ino[i]) {
			*verified = true;
			return 0;
		}
		priv->poll_socks[i] = -1; /* closed and reused: another file now */
		break;
	}
	/* New to the client (or another file now): one getsockopt(). */
	return zc_transport_check(sock);
}

void zc_poll_set_forget_locked(struct coap_client *client, int i)
{
	client->priv.poll_socks[i] = -1;
}

bool zc_poll_set_needs_wake_locked(struct coap_client *client, int sock, bool verified)
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
		if (verified || (zc_port_fd_identity(sock, &dev, &ino) &&
				 dev == priv->poll_dev[i] && ino == priv->poll_ino[i])) {
			return false;
		}
		priv->poll_socks[i] = -1;
		return true;
	}
	return true;
}
