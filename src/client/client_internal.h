/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * client_internal.h -- shared by the files of the client layer, the driver
 * of the engine (docs/design/threading.md):
 *   api.c        requests: submit, cancel, deregister, status
 *   lifecycle.c  init, deinit and per-client settings
 *   io.c         the engine's I/O table (deferred first send, random pool, trace)
 *   events.c     running the engine's events unlocked, waiting for callbacks
 *   poll_set.c   the sticky poll set and whether a new request needs a wake-up
 *   linger.c     answering on a socket for a while after its last exchange
 *   loop.c       one round of the loop: descriptors and timeout, reading what is ready
 *   thread.c     thread mode: the receive thread running the loop
 *   manual.c     event-loop mode (zcoap_loop.h): the loop run by the application
 * It calls the OS only through src/port/port.h.
 *
 * Locking rules: priv->lock guards the engine and every field of struct
 * zcoap_client_private. Functions whose name ends in _locked expect it
 * held. Application callbacks never run with it held.
 */
#ifndef ZCOAP_CLIENT_INTERNAL_H
#define ZCOAP_CLIENT_INTERNAL_H

#include "core/engine.h"

struct zc_port_pollfd;

#define ZC_CLIENT_MAGIC 0x7a636f61U /* "zcoa" */

/** Whether @p client was initialised and not yet deinitialised. */
static inline bool zc_client_initialised(const struct coap_client *client)
{
	return client != NULL && client->priv.magic == ZC_CLIENT_MAGIC;
}

/* ---- api.c -------------------------------------------------------------- */

/**
 * Cancel the requests matching @p pattern (NULL: all) and run their
 * -ECANCELED callbacks in the caller (unlocked, like every callback), each
 * once no other callback of its request runs on the client thread.
 */
void zc_client_cancel_locked(struct coap_client *client, const struct coap_client_request *pattern);

/*
 * Admit and send a request (api.c): coap_client_req() with @p cb_4_3 false;
 * api_4_3.c passes a converted Zephyr 4.3 request whose cb is really a
 * zcoap_client_response_cb_4_3_t, with @p cb_4_3 true.
 */
int zc_client_submit(struct coap_client *client, int sock, const struct sockaddr *addr,
		     const struct coap_client_request *req,
		     const struct coap_transmission_parameters *params, bool cb_4_3);

/* zcoap_client_ping() and its 4.3 shape (api.c). */
int zc_client_ping(struct coap_client *client, int sock, const struct sockaddr *addr,
		   coap_client_response_cb_t cb, void *user_data, uint32_t deadline_ms,
		   const struct coap_transmission_parameters *params, bool cb_4_3);

/* ---- io.c --------------------------------------------------------------- */

/**
 * The first datagram of a request, built under the client lock and sent by
 * coap_client_req() after releasing it (see api.c).
 */
struct zc_deferred_send {
	bool used;
	int sock;
	socklen_t addrlen;
	struct sockaddr_storage addr;
	size_t len;
	uint8_t buf[MAX_COAP_MSG_LEN];
};

/** The engine I/O of a real client: transport, port random, trace hook. */
extern const struct zc_engine_io zc_client_io;
/** zc_client_io without the trace hook: the engine's table while no trace callback is set. */
extern const struct zc_engine_io zc_client_io_untraced;

/* ---- events.c ----------------------------------------------------------- */

/** Capacity of an event list (struct zcoap_engine's queue). */
#define ZC_MAX_EVENTS (ZCOAP_CONFIG_MAX_REQUESTS + 2)

/**
 * Run the events queued by the last engine call: move them out of the
 * queue first (whoever made an engine call owns its events: running them
 * may release the lock, and no other thread's engine call may run them
 * meanwhile), then call each live one with the lock released.
 * A final event is the last callback of its request, whoever ended it: in
 * another thread it runs only once no callback of that request is running
 * on the client thread (it waits for it); on the client thread, when a
 * callback of that request is already on its stack, it is skipped if that
 * callback is the innermost (it ended its own request: Zephyr's
 * in_callback rule), else run once that callback has returned.
 */
void zc_run_events_locked(struct coap_client *client);

/**
 * One callback the client thread is running: a frame on that thread's stack
 * (in zc_run_events_locked()), linked to the callback it is nested in.
 * A callback that cancels or deregisters another request runs that request's
 * final callback nested inside itself, to any depth, so the set of running
 * callbacks is a list of such frames (priv->running, innermost first): no
 * fixed bound and no allocation.
 */
struct zc_running_cb {
	uint32_t serial;
	struct zc_running_cb *outer;
	/* its request's final event, when a callback nested in it ended it */
	bool has_deferred;
	struct zcoap_event deferred;
};

/* ---- poll_set.c ----------------------------------------------------------- */

/**
 * One poll() round of the loop, as zc_loop_prepare_locked() sets it up
 * (priv->poll_since[] remembers across rounds when each idle socket's last
 * exchange ended).
 */
struct zc_poll_round {
	bool have_now;    /* now was read (zc_poll_round_now()) */
	int64_t now;      /* when the round was prepared */
	int64_t deadline; /* wake no later than this (ZC_NO_DEADLINE: never) */
};

/**
 * The time of the round, read once, when something first needs it: an idle
 * client's round (no request, no idle socket, no linger) reads no clock.
 */
int64_t zc_poll_round_now(struct zc_poll_round *round);

/* priv->poll_since[] of an entry that had a request in the previous round. */
#define ZC_POLL_SINCE_ACTIVE (-1)

/**
 * Whether the active requests use exactly the sockets of the previous set
 * (@p socks, @p nact of them, as zc_engine_round() lists them), in its
 * order, and every one of those had requests then too: a rebuild would
 * produce the same set (same identities, nothing idle, no linger to wake
 * for). The steady state of a request loop.
 */
static inline bool zc_poll_set_unchanged(const struct zcoap_client_private *priv, const int *socks,
					 int nact)
{
	if (nact != priv->n_poll_socks) {
		return false;
	}
	if (nact == 1) { /* a sequential loop's round, without the loop */
		return priv->poll_socks[0] == socks[0] &&
		       priv->poll_since[0] == ZC_POLL_SINCE_ACTIVE;
	}
	for (int i = 0; i < nact; i++) {
		if (priv->poll_socks[i] != socks[i] ||
		    priv->poll_since[i] != ZC_POLL_SINCE_ACTIVE) {
			return false;
		}
	}
	return true;
}

/**
 * Rebuild priv->poll_socks from the sockets of the active requests (@p socks,
 * @p nact of them; the array has room for ZCOAP_CONFIG_MAX_REQUESTS) and the
 * idle ones still in their linger time, and lower round->deadline to the
 * next end of such a linger (the idle socket is dropped then).
 * @return Whether priv->poll_socks changed (not when the active sockets
 *         only went idle).
 */
bool zc_poll_set_rebuild_locked(struct coap_client *client, int *socks, int nact,
				struct zc_poll_round *round);

/** Stop watching entry @p i (closed, replaced, or broken while idle). */
void zc_poll_set_forget_locked(struct coap_client *client, int i);

/**
 * Admit @p sock for a new request: a socket the client does not watch yet
 * is checked by its transport (zc_transport_check(): a datagram socket).
 * @param[out] verified Set when the identity of a watched @p sock was
 *        checked, so zc_poll_set_needs_wake_locked() need not repeat it.
 * @retval 0 Usable. @retval <0 The transport's refusal (-EPROTOTYPE, -EBADF, -ENOTSOCK).
 */
int zc_poll_set_admit_locked(struct coap_client *client, int sock, bool *verified);

/**
 * Whether a request just submitted on @p sock needs zc_thread_wake(): not
 * when the thread's poll() already watches @p sock and wakes no later than
 * the engine's next deadline. @p verified: from zc_poll_set_admit_locked().
 */
bool zc_poll_set_needs_wake_locked(struct coap_client *client, int sock, bool verified);

/* ---- linger.c ------------------------------------------------------------ */

/**
 * Start lingering on the sockets the engine says need it
 * (zc_engine_take_lingers()), each through a duplicate descriptor taken now,
 * while the ended request still holds the socket (before its final
 * callback may let the application close it). Called by
 * zc_run_events_locked() before it runs the callbacks.
 */
void zc_linger_take_locked(struct coap_client *client);

/**
 * A request uses @p sock again: suspend its linger (it is read as usual)
 * until its requests end and the socket was idle for
 * ZCOAP_CONFIG_LINGER_GRACE_MS, or end it when the number names another
 * socket now (checked past the grace period, and in it at most once per
 * grace period).
 */
void zc_linger_release_locked(struct coap_client *client, int sock);

/** Close every duplicate (deinit, once the thread has stopped). */
void zc_linger_close_all_locked(struct coap_client *client);

/**
 * Close the duplicates whose linger is over (deadline passed, an RST was
 * sent, or the socket was replaced) and resume suspended ones whose socket
 * has had no request for the grace period.
 * @return The earliest deadline of those left (a linger's end or a grace
 *         period's), or ZC_NO_DEADLINE.
 */
int64_t zc_linger_expire_locked(struct coap_client *client, int64_t now);

/**
 * The descriptor to send on for the engine's @p sock: the duplicate while
 * @p sock lingers (and an RST in @p buf ends the linger), else @p sock.
 */
int zc_linger_route_locked(struct coap_client *client, int sock, const uint8_t *buf, size_t len);

/** Fill @p fds with the duplicates to watch. @return How many (at most @p max). */
int zc_linger_poll_fds_locked(const struct coap_client *client, struct zc_port_pollfd *fds,
			      int max);

/** Read the lingering duplicate @p dup that poll() reported ready. */
void zc_linger_read_locked(struct coap_client *client, int dup, short revents);

/* ---- events.c: the loop thread ------------------------------------------------ */

/**
 * Whether the caller runs @p client's loop: its receive thread, or (manual
 * mode) a thread inside a processing call. Only it runs non-final callbacks.
 */
bool zc_loop_is_self(const struct coap_client *client);

/** A client whose loop the calling thread runs (a frame on its stack). */
struct zc_loop_frame {
	struct coap_client *client;
	struct zc_loop_frame *outer;
};

/**
 * Make the calling thread @p client's loop thread until zc_loop_leave():
 * @p frame (on the caller's stack) is pushed on the thread's list, so a
 * callback that drives another client's loop stays its own client's loop
 * thread meanwhile.
 */
void zc_loop_enter(struct zc_loop_frame *frame, struct coap_client *client);

/** Undo zc_loop_enter() (innermost first). */
void zc_loop_leave(const struct zc_loop_frame *frame);

/* ---- loop.c ----------------------------------------------------------------- */

/**
 * The timers of a round: fire the engine's due timers, run their events,
 * step the transports whose deadline passed (zc_loop_transport_tick_locked()).
 * Nothing, not even a clock read, while the engine has no request.
 */
void zc_loop_tick_locked(struct coap_client *client);

/** poll() timeout of a round: -1 for no deadline, else milliseconds (0: due). */
int zc_loop_timeout(struct zc_poll_round *round);

/** Most descriptors of a round: the wake-up object, the poll set, the lingering duplicates. */
#define ZC_LOOP_MAX_FDS (1 + 2 * ZCOAP_CONFIG_MAX_REQUESTS)

/**
 * Set up a round in the client's descriptor array (zc_loop_fds()): the
 * wake-up descriptor in entry 0, the sockets of the poll set after it
 * (*nsock of them), then the lingering duplicates; the timeout until the
 * next deadline. Sets priv->polling (a request that needs the round redone
 * must wake it). Only the thread running the loop may call it, and only it
 * may use the array until its next round.
 * @return The number of entries.
 */
unsigned int zc_loop_prepare_locked(struct coap_client *client, int *timeout_ms, int *nsock);

/** The descriptor array zc_loop_prepare_locked() fills (ZC_LOOP_MAX_FDS entries). */
static inline struct zc_port_pollfd *zc_loop_fds(struct coap_client *client)
{
	return (struct zc_port_pollfd *)(void *)client->priv.round_fds;
}

/**
 * Step the transports whose deadline passed (a DTLS handshake the client
 * drives: its retransmission timer, its timeout). Called with the engine's
 * tick, in both modes.
 */
void zc_loop_transport_tick_locked(struct coap_client *client);

/** After the wait: clear priv->polling, drain the wake-up object, read the ready descriptors. */
void zc_loop_dispatch_locked(struct coap_client *client, const struct zc_port_pollfd *fds,
			     unsigned int n, int nsock);

/**
 * One whole round of zcoap_client_process(): set up, release the lock and
 * wait (at most @p timeout_ms when >= 0), retake it, read what is ready and
 * fire the due timers.
 * @return What the wait returned: the number of ready descriptors, 0, or a
 *         negative errno (-EINTR).
 */
int zc_loop_round_locked(struct coap_client *client, int timeout_ms);

/** One descriptor of the round is ready (foreign loops): whichever it is, handle it. */
void zc_loop_fd_ready_locked(struct coap_client *client, int fd, short revents);

/** Entry @p i (descriptor @p fd) of priv->poll_socks is ready with @p revents: read or drop it. */
void zc_loop_socket_ready_locked(struct coap_client *client, int i, int fd, short revents);

/**
 * Whether a cancel or deregistration must wake the loop so it re-reads its
 * sockets and deadline: not from the loop thread itself, and in manual mode
 * only while the application waits on a set it got from us.
 */
static inline bool zc_loop_needs_wake_locked(const struct coap_client *client)
{
	return !zc_loop_is_self(client) && (!client->priv.manual || client->priv.polling);
}

/* ---- thread.c ------------------------------------------------------------- */

/** Create the wake-up object and start the receive thread. 0 or a negative errno. */
int zc_thread_start(struct coap_client *client, const char *name);

/**
 * Wake the thread, wait for it to end and release the wake-up object. The
 * caller set priv->stop under the lock and does not hold it now.
 */
void zc_thread_stop(struct coap_client *client);

/** Wake the receive thread so it re-reads its sockets and deadlines. */
void zc_thread_wake(struct coap_client *client);

#endif /* ZCOAP_CLIENT_INTERNAL_H */
