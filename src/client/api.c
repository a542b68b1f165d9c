/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * api.c -- the public entry points of requests: coap_client_req(),
 * cancellation that waits for a running callback instead of sleeping
 * (Zephyr sleeps 500 ms), Observe deregistration and the busy check.
 * Argument checks, locking and waking the receive thread. Init, deinit and
 * settings are in lifecycle.c.
 */

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "client/client_internal.h"
#include "port/port.h"
#include "transport/transport.h"

static socklen_t address_length(const struct sockaddr *addr)
{
	if (addr == NULL) {
		return 0;
	}
	switch (addr->sa_family) {
	case AF_INET:
		return (socklen_t)sizeof(struct sockaddr_in);
	case AF_INET6:
		return (socklen_t)sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

/*
 * coap_client_req() and zcoap_client_ping(), and their Zephyr 4.3 shapes
 * (api_4_3.c, @p cb_4_3): the engine tells a ping by its method 0.
 */
int zc_client_submit(struct coap_client *client, int sock, const struct sockaddr *addr,
		     const struct coap_client_request *req,
		     const struct coap_transmission_parameters *params, bool cb_4_3)
{
	struct zcoap_client_private *priv;
	socklen_t addrlen = address_length(addr);
	struct zc_deferred_send d;
	uint32_t serial = 0;
	bool wake = false;
	int r;

	if (client == NULL || req == NULL || req->path == NULL || sock < 0) {
		return -EINVAL;
	}
	if (addr != NULL && addrlen == 0) {
		return -EINVAL; /* only IPv4 and IPv6 destinations */
	}
	if (!zc_client_initialised(client)) {
		return -ESHUTDOWN;
	}
	priv = &client->priv;
	d.used = false;
	zc_port_mutex_lock(&priv->lock);
	if (priv->stop) {
		r = -ESHUTDOWN;
	} else {
		bool known = false;

		/* A socket new to the client must be a datagram socket (-EPROTOTYPE). */
		r = zc_poll_set_admit_locked(client, sock, &known);
		if (r == 0) {
			zc_linger_release_locked(client, sock); /* read as usual again */
		}
		/*
		 * The engine builds the first datagram under the lock, but io_send
		 * only copies it into d: sending it here after unlocking keeps the
		 * lock short, so the client thread, woken by a fast response,
		 * does not block on it (measured: ~2 futex calls per request less).
		 */
		priv->defer = &d;
		if (r == 0) {
			r = zc_engine_submit(&priv->eng, zc_port_now_ms(), sock, addr, addrlen, req,
					     params);
		}
		priv->defer = NULL;
		serial = zc_engine_last_serial(&priv->eng);
		if (r == 0 && cb_4_3) {
			zc_engine_set_cb_4_3(&priv->eng, serial);
		}
		/* Only a new socket or an earlier deadline needs the thread's poll() redone. */
		wake = r == 0 && zc_poll_set_needs_wake_locked(client, sock, known);
	}
	zc_port_mutex_unlock(&priv->lock);
	if (r == 0 && d.used) {
		r = zc_transport_send(d.sock, d.addrlen > 0 ? (struct sockaddr *)&d.addr : NULL,
				      d.addrlen, d.buf, d.len);
		if (r < 0) {
			/*
			 * As if the engine's own send had failed: the request is
			 * dropped without a callback and the error returned --
			 * unless it already ended meanwhile (cancelled), in which
			 * case its callback ran and it counts as sent.
			 */
			zc_port_mutex_lock(&priv->lock);
			if (zc_engine_unsubmit(&priv->eng, serial) < 0) {
				r = 0;
			}
			zc_port_mutex_unlock(&priv->lock);
			wake = false;
		}
	}
	if (wake && !zc_loop_is_self(client)) {
		zc_thread_wake(client);
	}
	return r;
}

int coap_client_req(struct coap_client *client, int sock, const struct sockaddr *addr,
		    struct coap_client_request *req, struct coap_transmission_parameters *params)
{
	if (req != NULL && (unsigned int)req->method == COAP_CODE_EMPTY) {
		return -EINVAL; /* not a method; a ping is zcoap_client_ping() */
	}
	return zc_client_submit(client, sock, addr, req, params, false);
}

int zc_client_ping(struct coap_client *client, int sock, const struct sockaddr *addr,
		   coap_client_response_cb_t cb, void *user_data, uint32_t deadline_ms,
		   const struct coap_transmission_parameters *params, bool cb_4_3)
{
	struct coap_client_request req = {
	    .method = (enum coap_method)COAP_CODE_EMPTY,
	    .confirmable = true,
	    .path = "",
	    .cb = cb,
	    .user_data = user_data,
	    .deadline_ms = deadline_ms,
	};

	return zc_client_submit(client, sock, addr, &req, params, cb_4_3);
}

int zcoap_client_ping(struct coap_client *client, int sock, const struct sockaddr *addr,
		      coap_client_response_cb_t cb, void *user_data, uint32_t deadline_ms,
		      struct coap_transmission_parameters *params)
{
	return zc_client_ping(client, sock, addr, cb, user_data, deadline_ms, params, false);
}

void zc_client_cancel_locked(struct coap_client *client, const struct coap_client_request *pattern)
{
	(void)zc_engine_cancel(&client->priv.eng, pattern, 0, NULL, 0);
	/*
	 * zc_run_events_locked() takes our -ECANCELED events out of the queue
	 * before running them, which may wait for a running callback and so
	 * release the lock: left in the queue, another thread's engine call
	 * would run them while the cancelled request's callback still runs.
	 */
	zc_run_events_locked(client);
}

/* Cancel the requests matching @p pattern (NULL: all) and let the thread re-read its sockets. */
static void cancel_and_wake(struct coap_client *client, const struct coap_client_request *pattern)
{
	bool wake;

	zc_port_mutex_lock(&client->priv.lock);
	zc_client_cancel_locked(client, pattern);
	wake = zc_loop_needs_wake_locked(client);
	zc_port_mutex_unlock(&client->priv.lock);
	if (wake) {
		zc_thread_wake(client);
	}
}

void coap_client_cancel_requests(struct coap_client *client)
{
	if (zc_client_initialised(client)) {
		cancel_and_wake(client, NULL);
	}
}

void coap_client_cancel_request(struct coap_client *client, struct coap_client_request *req)
{
	if (zc_client_initialised(client) && req != NULL) {
		cancel_and_wake(client, req);
	}
}

int coap_client_deregister_observe(struct coap_client *client, struct coap_client_request *req)
{
	bool wake;
	int r;

	if (client == NULL || req == NULL) {
		return -EINVAL;
	}
	if (!zc_client_initialised(client)) {
		return -ESHUTDOWN;
	}
	zc_port_mutex_lock(&client->priv.lock);
	r = zc_engine_deregister(&client->priv.eng, zc_port_now_ms(), req);
	/*
	 * A NON observation ends here (RFC 7641 §3.6: nothing to wait for),
	 * but its final -ECANCELED waits, like a cancel's, until a callback of
	 * it that the client thread runs has returned (events.c).
	 */
	zc_run_events_locked(client);
	wake = zc_loop_needs_wake_locked(client);
	zc_port_mutex_unlock(&client->priv.lock);
	if (wake) {
		zc_thread_wake(client);
	}
	return r;
}

bool coap_client_has_ongoing_exchange(struct coap_client *client)
{
	bool busy;

	if (!zc_client_initialised(client)) {
		return false;
	}
	zc_port_mutex_lock(&client->priv.lock);
	busy = zc_engine_busy(&client->priv.eng);
	zc_port_mutex_unlock(&client->priv.lock);
	return busy;
}

struct coap_client_option coap_client_option_initial_block2(void)
{
	struct coap_client_option opt = {
	    .code = COAP_OPTION_BLOCK2,
	    .len = 1,
	};

	/* NUM 0, M 0, SZX of our block size (RFC 7959 §2.4 early negotiation). */
	opt.value[0] = (uint8_t)coap_bytes_to_block_size(ZCOAP_CONFIG_BLOCK_SIZE);
	return opt;
}
