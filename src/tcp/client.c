/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * client.c -- the API of coap_client_tcp.h: lifecycle, connection, requests,
 * signalling and cancellation. The receive thread is rx.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "port/port.h"
#include "tcp/frame.h"
#include "tcp/tcp_internal.h"
#include "zcoap_option.h"

/* SZX of ZCOAP_CONFIG_BLOCK_SIZE. */
static uint8_t config_szx(void)
{
	uint8_t szx = 0;

	while ((16U << szx) < ZCOAP_CONFIG_BLOCK_SIZE) {
		szx++;
	}
	return szx;
}

int zc_tcp_init_common(struct coap_client_tcp *client, bool manual)
{
	if (client == NULL) {
		return -EINVAL;
	}
	if (client->initialised) {
		return -EALREADY;
	}
	memset(client, 0, sizeof(*client));
	client->fd = -1;
	client->peer_mms = ZC_TCP_DEFAULT_MMS;
	client->timeout_ms = ZCOAP_CONFIG_TCP_TIMEOUT_MS;
	client->manual = manual;
	if (zc_port_mutex_init(&client->lock) != 0) {
		return -EAGAIN;
	}
	if (zc_port_wake_init(&client->wake) != 0) {
		zc_port_mutex_destroy(&client->lock);
		return -EAGAIN;
	}
	if (zc_port_cond_init(&client->cb_cond) != 0) {
		zc_port_wake_destroy(&client->wake);
		zc_port_mutex_destroy(&client->lock);
		return -EAGAIN;
	}
	return 0;
}

static void destroy_os_objects(struct coap_client_tcp *client)
{
	zc_port_cond_destroy(&client->cb_cond);
	zc_port_wake_destroy(&client->wake);
	zc_port_mutex_destroy(&client->lock);
}

int coap_client_tcp_init(struct coap_client_tcp *client, const char *info)
{
	int r = zc_tcp_init_common(client, false);

	if (r != 0) {
		return r;
	}
	r = zc_port_thread_create(&client->thread, info != NULL ? info : ZCOAP_CONFIG_THREAD_NAME,
				  zc_tcp_thread, client);
	if (r != 0) {
		destroy_os_objects(client);
		return r;
	}
	client->initialised = true;
	return 0;
}

/*
 * Make the loop take a new connection or deadline (lock held). A manual-mode
 * client's loop needs the wake-up only while it sleeps on the set; between
 * rounds the next one computes its set and timeout anew: no extra system
 * calls per request in a sequential loop.
 */
static void wake_loop(struct coap_client_tcp *c)
{
	if (!c->manual || c->polling) {
		zc_port_wake_signal(&c->wake);
	}
}

void zc_tcp_note_error_locked(struct coap_client_tcp *c, int err, const char *text)
{
	c->last_err = err;
	snprintf(c->last_text, sizeof(c->last_text), "%s", text);
}

void zc_tcp_note_tls_error_locked(struct coap_client_tcp *c, int err)
{
	char why[ZCOAP_CLIENT_TCP_ERROR_LEN];

	if (err != -ECANCELED && zc_tcp_tls_error(c->tls, why, sizeof(why)) != 0) {
		zc_tcp_note_error_locked(c, err, why);
	}
}

/*
 * Why the last connect attempt failed (zcoap_client_tcp_conn_state()), and
 * its sentence (zcoap_client_tcp_last_error()): @p why, or else the
 * TCP connect's error.
 */
static void set_conn_err(struct coap_client_tcp *c, int err, const char *why)
{
	char text[ZCOAP_CLIENT_TCP_ERROR_LEN];

	if (why == NULL || why[0] == '\0') {
		zc_tcp_errno_text("TCP connect failed", err, text, sizeof(text));
		why = text;
	}
	zc_port_mutex_lock(&c->lock);
	if (c->fd < 0) {
		c->conn_err = err;
		zc_tcp_note_error_locked(c, err, why);
	}
	zc_port_mutex_unlock(&c->lock);
}

static int send_csm(struct coap_client_tcp *c, uint32_t mms)
{
	struct coap_packet pkt;
	int r = zc_tcp_build_csm(&pkt, c->send_buf, sizeof(c->send_buf), mms, true);

	return r == 0 ? zc_tcp_send_pkt(c, &pkt) : r;
}

int coap_client_tcp_connect(struct coap_client_tcp *client, const struct sockaddr *addr,
			    socklen_t addrlen, int proto)
{
	coap_client_tcp_socket_config_cb_t cfg;
	void *cfg_ud;
	struct zcoap_dtls_config tls_cfg;
	zcoap_sec_tag_t tags[ZCOAP_DTLS_MAX_SEC_TAGS];
	char host[sizeof(client->tls_host)];
	char why[ZCOAP_CLIENT_TCP_ERROR_LEN];
	void *tls = NULL;
	uint32_t timeout_ms;
	uint32_t hs_timeout_ms = 0;
	bool manual;
	bool in_progress;
	int fd;
	int r;

	if (client == NULL || !client->initialised || addr == NULL || addrlen == 0) {
		return -EINVAL;
	}
	manual = client->manual;
	if (proto != IPPROTO_TCP && proto != IPPROTO_TLS_1_2) {
		return -EPROTONOSUPPORT;
	}
	/* As Zephyr: a new connection replaces the current one (its requests end with -ECANCELED).
	 */
	(void)coap_client_tcp_close(client);
	zc_port_mutex_lock(&client->lock);
	zc_tcp_note_error_locked(client, 0, ""); /* a new attempt: the last failure is history */
	if (proto == IPPROTO_TLS_1_2 && !client->tls_set) {
		zc_tcp_note_error_locked(
		    client, -EINVAL, "no TLS configuration (zcoap_client_tcp_set_tls_config())");
		zc_port_mutex_unlock(&client->lock);
		return -EINVAL;
	}
	cfg = client->socket_config_cb;
	cfg_ud = client->socket_config_cb_user_data;
	timeout_ms = client->timeout_ms;
	tls_cfg = client->tls_cfg;
	memcpy(tags, client->tls_tags, sizeof(tags));
	memcpy(host, client->tls_host, sizeof(host));
	zc_port_mutex_unlock(&client->lock);
	tls_cfg.sec_tags = tags;
	tls_cfg.hostname = tls_cfg.hostname != NULL ? host : NULL;

	/*
	 * Event-loop mode: nothing blocks; the loop completes the TCP connect
	 * and steps the TLS handshake (loop.c). Thread mode: both here, blocking.
	 */
	in_progress = false;
	fd = zc_tcp_sock_connect(addr, addrlen, cfg, cfg_ud, timeout_ms,
				 manual ? &in_progress : NULL);
	if (fd < 0) {
		set_conn_err(client, fd, NULL);
		return fd;
	}
	if (manual && proto == IPPROTO_TCP && !in_progress) {
		/* Connected at once (loopback may): blocking writes as in thread mode. */
		r = zc_port_fd_set_nonblocking(fd, false);
		if (r != 0) {
			zc_tcp_sock_close(fd, NULL);
			set_conn_err(client, r, NULL);
			return r;
		}
	}
	if (proto == IPPROTO_TLS_1_2) {
		/* A bad configuration fails here in both modes; the handshake's failures later. */
		why[0] = '\0';
		r = manual ? zc_tcp_tls_start(fd, &tls_cfg, &tls, &hs_timeout_ms, why, sizeof(why))
			   : zc_tcp_tls_open(fd, &tls_cfg, &tls, why, sizeof(why));
		if (r != 0) {
			zc_tcp_sock_close(fd, NULL);
			set_conn_err(client, r, why);
			return r;
		}
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd >= 0) {
		/* Another thread connected meanwhile. */
		zc_port_mutex_unlock(&client->lock);
		zc_tcp_sock_close(fd, tls);
		return -EISCONN;
	}
	client->fd = fd;
	client->tls = tls;
	client->send_err = 0;
	client->conn_gen++;
	client->conn_err = 0;
	client->released = false;
	client->peer_csm = false;
	client->peer_bwt = false;
	client->ping_pending = false;
	client->peer_mms = ZC_TCP_DEFAULT_MMS;
	/*
	 * Over TLS, a smaller Max-Message-Size: libcoap 4.3.1's gnutls server
	 * stalls on a message longer than one TLS record (docs/design/tcp.md).
	 */
	zc_tcp_stream_init(&client->stream, client->recv_buf, ZCOAP_CONFIG_TCP_MESSAGE_SIZE,
			   client->mms_set != 0 ? client->mms_set
			   : tls != NULL        ? ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE
						: ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE);
	client->rx_slot = NULL;
	if (in_progress || (manual && tls != NULL)) {
		/*
		 * The loop watches for writability, then shakes hands (TLS, starting
		 * with a write: the ClientHello), then sends the CSM (loop.c).
		 */
		client->connecting = true;
		client->handshaking = !in_progress;
		client->hs_want_write = true;
		client->hs_timeout_ms = hs_timeout_ms;
		client->connect_deadline =
		    zc_port_now_ms() + (in_progress ? timeout_ms : hs_timeout_ms);
		wake_loop(client);
		zc_port_mutex_unlock(&client->lock);
		return 0;
	}
	client->connected = true;
	/* RFC 8323 §5.3: the CSM is the first message of each side. */
	r = send_csm(client, client->stream.max_msg);
	if (r != 0) {
		struct zc_tcp_failure f[ZCOAP_CONFIG_MAX_REQUESTS];
		unsigned int n;

		if (zc_tcp_tls_error(tls, why, sizeof(why)) == 0) {
			zc_tcp_errno_text("sending the CSM failed", r, why, sizeof(why));
		}
		zc_tcp_note_error_locked(client, r, why);
		n = zc_tcp_drop_connection(client, r, f);

		zc_tcp_report_locked(client, f, n);
		zc_port_mutex_unlock(&client->lock);
		return r;
	}
	wake_loop(client);
	zc_port_mutex_unlock(&client->lock);
	return 0;
}

int coap_client_tcp_close(struct coap_client_tcp *client)
{
	struct zc_tcp_failure f[ZCOAP_CONFIG_MAX_REQUESTS];
	unsigned int n;

	if (client == NULL || !client->initialised) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd < 0) {
		zc_port_mutex_unlock(&client->lock);
		return -ENOTCONN;
	}
	client->connecting = false;
	n = zc_tcp_drop_connection(client, -ECANCELED, f);
	zc_port_wake_signal(&client->wake);
	zc_tcp_report_locked(client, f, n);
	zc_port_mutex_unlock(&client->lock);
	return 0;
}

/* Why a connection cannot take a message (lock held). */
static int client_not_ready(const struct coap_client_tcp *c)
{
	/* Event-loop mode: the connect is still under way (zcoap_client_tcp_conn_state()). */
	return c->fd >= 0 && c->connecting ? -EINPROGRESS : -ENOTCONN;
}

static bool request_valid(const struct coap_client_tcp_request *req)
{
	if (req->cb == NULL || req->num_options > MAX_TCP_EXTRA_OPTIONS ||
	    memchr(req->path, '\0', sizeof(req->path)) == NULL) {
		return false;
	}
	for (uint8_t i = 0; i < req->num_options; i++) {
		if (req->options[i].len > sizeof(req->options[i].value)) {
			return false;
		}
	}
	if (req->len > 0 && req->payload == NULL && req->payload_cb == NULL) {
		return false;
	}
	return req->method >= COAP_METHOD_GET && req->method <= COAP_METHOD_IPATCH;
}

static struct zcoap_tcp_slot *take_slot(struct coap_client_tcp *c)
{
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		if (!c->requests[i].used) {
			return &c->requests[i];
		}
	}
	return NULL;
}

static bool registers_observation(const struct coap_client_tcp_request *req)
{
	if (req->method != COAP_METHOD_GET && req->method != COAP_METHOD_FETCH) {
		return false;
	}
	for (uint8_t i = 0; i < req->num_options; i++) {
		const struct coap_client_tcp_option *o = &req->options[i];

		if (o->code == COAP_OPTION_OBSERVE && zcoap_option_uint(o->value, o->len) == 0) {
			return true;
		}
	}
	return false;
}

/* A token no open request uses (RFC 8323 §3.2: tokens match responses to requests). */
static void new_token(struct coap_client_tcp *c, struct zcoap_tcp_slot *s)
{
	bool clash;

	do {
		if (zc_port_random(s->token, COAP_TOKEN_MAX_LEN) != 0) {
			/* No randomness: a counter still keeps the tokens apart. */
			memset(s->token, 0, sizeof(s->token));
			memcpy(s->token, &s->gen, sizeof(s->gen));
			s->token[7] = (uint8_t)(s - c->requests);
		}
		/* ... nor a Block2 continuation in flight (request.c). */
		clash = zc_tcp_token_in_use(c, s->token);
	} while (clash);
	s->tkl = COAP_TOKEN_MAX_LEN;
}

/* The SZX of a Block1 option among the request's options; 7 when there is none. */
static uint8_t asked_b1_szx(const struct coap_client_tcp_request *req)
{
	for (uint8_t i = 0; i < req->num_options; i++) {
		const struct coap_client_tcp_option *o = &req->options[i];

		if (o->code == COAP_OPTION_BLOCK1 && o->len <= 3) {
			return (uint8_t)(zcoap_option_uint(o->value, o->len) & 7U);
		}
	}
	return 7;
}

int coap_client_tcp_req(struct coap_client_tcp *client, struct coap_client_tcp_request *req)
{
	struct zcoap_tcp_slot *s;
	uint8_t asked;
	size_t room;
	const uint8_t *chunk = NULL;
	size_t chunk_len = 0;
	bool last = true;
	uint32_t gen;
	int r;

	if (client == NULL || !client->initialised || req == NULL || !request_valid(req)) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd < 0 || client->released || client->connecting) {
		zc_port_mutex_unlock(&client->lock);
		return client_not_ready(client);
	}
	s = take_slot(client);
	if (s == NULL) {
		zc_port_mutex_unlock(&client->lock);
		return -EAGAIN;
	}
	gen = s->gen + 1;
	memset(s, 0, sizeof(*s));
	s->gen = gen;
	s->used = true;
	s->req = *req;
	s->deadline = INT64_MAX; /* set when the request goes out */
	s->observe = registers_observation(req);
	s->b1_szx = config_szx();
	/*
	 * zcoap extension, as for UDP: a Block1 option among the request's
	 * options asks for uploads in blocks of its (smaller) SZX.
	 */
	asked = asked_b1_szx(req);
	if (asked < 7) {
		/* a size asked for: that one (capped at the build's), never BERT */
		s->b1_szx = asked < s->b1_szx ? asked : s->b1_szx;
	} else if (zc_tcp_bert_up_units(client) >= 2) {
		/* BERT (RFC 8323 §6): both CSMs allow it and a block of 2 KiB or more fits. */
		s->b1_szx = 7;
	}
	/* A block and the room for header and options fit the server's Max-Message-Size. */
	while (s->b1_szx > 0 &&
	       (16U << s->b1_szx) + ZCOAP_CONFIG_MESSAGE_HEADER_SIZE > client->peer_mms) {
		s->b1_szx--;
	}
	/* A body that does not fit one message, or one given by blocks, goes block-wise. */
	room = zc_tcp_up_room(client, s);
	s->uploading = req->payload_cb != NULL || req->len > ZCOAP_CONFIG_MESSAGE_SIZE ||
		       req->len + ZCOAP_CONFIG_MESSAGE_HEADER_SIZE > client->peer_mms ||
		       (asked < 7 && req->len > zc_tcp_szx_bytes(s->b1_szx));
	new_token(client, s);
	zc_port_mutex_unlock(&client->lock);

	if (s->uploading) {
		r = zc_tcp_upload_chunk(s, room, &chunk, &chunk_len, &last);
	} else {
		chunk = req->payload;
		chunk_len = req->len;
		r = 0;
	}

	zc_port_mutex_lock(&client->lock);
	if (!s->used || s->gen != gen) {
		/* Cancelled (with its callback) while the first block was fetched. */
		zc_port_mutex_unlock(&client->lock);
		return r < 0 ? r : 0;
	}
	s->up_last = last;
	s->up_len = chunk_len;
	if (r == 0) {
		r = zc_tcp_send_request(client, s, chunk, chunk_len);
	}
	if (r != 0) {
		s->used = false;
		s->gen++;
	}
	wake_loop(client); /* the loop takes the new deadline */
	zc_port_mutex_unlock(&client->lock);
	return r;
}

int coap_client_tcp_csm_req(struct coap_client_tcp *client, uint32_t max_block_size,
			    coap_client_tcp_response_cb_t cb, void *user_data)
{
	int r;

	(void)cb;
	(void)user_data;
	if (client == NULL || !client->initialised || max_block_size == 0) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd < 0 || client->connecting) {
		r = client_not_ready(client);
	} else {
		/* Never more than the connection accepts (its first CSM). */
		r = send_csm(client, max_block_size < client->stream.max_msg
					 ? max_block_size
					 : client->stream.max_msg);
	}
	zc_port_mutex_unlock(&client->lock);
	return r;
}

static void cancel_all(struct coap_client_tcp *client, bool reset)
{
	struct zc_tcp_failure f[ZCOAP_CONFIG_MAX_REQUESTS];
	unsigned int n;

	if (client == NULL || !client->initialised) {
		return;
	}
	zc_port_mutex_lock(&client->lock);
	/* RFC 7641 §3.6: deregister observations, as TCP has no RST to reject notifications. */
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		if (client->requests[i].used) {
			zc_tcp_deregister_locked(client, &client->requests[i]);
		}
	}
	n = zc_tcp_fail_all(client, -ECANCELED, f);
	if (reset) {
		client->peer_csm = false;
		client->peer_bwt = false;
		client->ping_pending = false;
		client->peer_mms = ZC_TCP_DEFAULT_MMS;
	}
	zc_port_wake_signal(&client->wake);
	zc_tcp_report_locked(client, f, n);
	zc_port_mutex_unlock(&client->lock);
}

void coap_client_tcp_cancel_requests(struct coap_client_tcp *client)
{
	cancel_all(client, false);
}

void coap_client_tcp_cancel_and_reset_all(struct coap_client_tcp *client)
{
	cancel_all(client, true);
}

struct coap_client_tcp_option coap_client_tcp_option_initial_block2(struct coap_client_tcp *client)
{
	struct coap_client_tcp_option o = {.code = COAP_OPTION_BLOCK2};
	uint8_t szx = config_szx();
	uint8_t tmp[4];

	if (client != NULL && client->initialised) {
		zc_port_mutex_lock(&client->lock);
		/* BERT (RFC 8323 §6): both sides said Block-Wise-Transfer and a 1024-byte block
		 * fits. */
		if (client->peer_csm && client->peer_bwt && ZCOAP_CONFIG_BLOCK_SIZE == 1024 &&
		    client->peer_mms >= 1024U + ZCOAP_CONFIG_MESSAGE_HEADER_SIZE) {
			szx = 7;
		}
		zc_port_mutex_unlock(&client->lock);
	}
	o.len = (uint8_t)zcoap_uint_encode(szx, tmp);
	memcpy(o.value, tmp, o.len);
	return o;
}

bool coap_client_tcp_has_ongoing_exchange(struct coap_client_tcp *client)
{
	bool any = false;

	if (client == NULL || !client->initialised) {
		return false;
	}
	zc_port_mutex_lock(&client->lock);
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		any = any || client->requests[i].used;
	}
	zc_port_mutex_unlock(&client->lock);
	return any;
}

int coap_client_tcp_ping(struct coap_client_tcp *client)
{
	struct coap_packet pkt;
	int r;

	if (client == NULL || !client->initialised) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd < 0 || client->connecting) {
		r = client_not_ready(client);
	} else {
		r = zc_tcp_build_ping(&pkt, client->send_buf, sizeof(client->send_buf), ZC_TCP_PING,
				      false);
		if (r == 0) {
			r = zc_tcp_send_pkt(client, &pkt);
		}
		client->ping_pending = client->ping_pending || r == 0;
	}
	zc_port_mutex_unlock(&client->lock);
	return r;
}

int coap_client_tcp_release(struct coap_client_tcp *client, const char *alt_addr,
			    uint32_t hold_off_sec)
{
	struct coap_packet pkt;
	int r;

	if (client == NULL || !client->initialised) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	if (client->fd < 0 || client->connecting) {
		r = client_not_ready(client);
	} else {
		r = zc_tcp_build_release(&pkt, client->send_buf, sizeof(client->send_buf), alt_addr,
					 hold_off_sec);
		if (r == 0) {
			r = zc_tcp_send_pkt(client, &pkt);
		}
	}
	zc_port_mutex_unlock(&client->lock);
	return r;
}

void coap_client_tcp_set_event_cb(struct coap_client_tcp *client, coap_client_tcp_event_cb_t cb,
				  void *user_data)
{
	if (client == NULL || !client->initialised) {
		return;
	}
	zc_port_mutex_lock(&client->lock);
	client->event_cb = cb;
	client->event_cb_user_data = user_data;
	zc_port_mutex_unlock(&client->lock);
}

void zcoap_client_tcp_set_socket_config_cb(struct coap_client_tcp *client,
					   coap_client_tcp_socket_config_cb_t cb, void *user_data)
{
	if (client == NULL || !client->initialised) {
		return;
	}
	zc_port_mutex_lock(&client->lock);
	client->socket_config_cb = cb;
	client->socket_config_cb_user_data = user_data;
	zc_port_mutex_unlock(&client->lock);
}

int zcoap_client_tcp_last_error(struct coap_client_tcp *client, char *buf, size_t buflen)
{
	int r;

	if (client == NULL || !client->initialised) {
		if (buf != NULL && buflen > 0) {
			buf[0] = '\0';
		}
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	r = client->last_err;
	if (buf != NULL && buflen > 0) {
		snprintf(buf, buflen, "%s", r != 0 ? client->last_text : "");
	}
	zc_port_mutex_unlock(&client->lock);
	return r;
}

int zcoap_client_tcp_set_tls_config(struct coap_client_tcp *client,
				    const struct zcoap_dtls_config *cfg)
{
	if (client == NULL || !client->initialised) {
		return -EINVAL;
	}
	if (cfg != NULL &&
	    (cfg->sec_tags == NULL || cfg->sec_tag_count == 0 ||
	     cfg->sec_tag_count > ZCOAP_DTLS_MAX_SEC_TAGS ||
	     (cfg->hostname != NULL &&
	      (cfg->hostname[0] == '\0' ||
	       strnlen(cfg->hostname, sizeof(client->tls_host)) >= sizeof(client->tls_host))))) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	client->tls_set = cfg != NULL;
	if (cfg != NULL) {
		client->tls_cfg = *cfg;
		memcpy(client->tls_tags, cfg->sec_tags,
		       cfg->sec_tag_count * sizeof(cfg->sec_tags[0]));
		client->tls_cfg.sec_tags = client->tls_tags;
		if (cfg->hostname != NULL) {
			strcpy(client->tls_host, cfg->hostname);
			client->tls_cfg.hostname = client->tls_host;
		}
	}
	zc_port_mutex_unlock(&client->lock);
	return 0;
}

int zcoap_client_tcp_set_timeout(struct coap_client_tcp *client, uint32_t timeout_ms)
{
	if (client == NULL || !client->initialised || timeout_ms == 0) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	client->timeout_ms = timeout_ms;
	zc_port_mutex_unlock(&client->lock);
	return 0;
}

int zcoap_client_tcp_set_max_message_size(struct coap_client_tcp *client, uint32_t mms)
{
	if (client == NULL || !client->initialised ||
	    (mms != 0 && (mms < ZC_TCP_DEFAULT_MMS || mms > ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE))) {
		return -EINVAL;
	}
	zc_port_mutex_lock(&client->lock);
	client->mms_set = mms;
	zc_port_mutex_unlock(&client->lock);
	return 0;
}

int zcoap_client_tcp_deinit(struct coap_client_tcp *client)
{
	if (client == NULL || !client->initialised) {
		return -EINVAL;
	}
	if (zc_tcp_loop_is_self(client)) {
		return -EDEADLK; /* the receive thread, or a callback of a loop call */
	}
	(void)coap_client_tcp_close(client);
	zc_port_mutex_lock(&client->lock);
	client->stop = true;
	zc_port_wake_signal(&client->wake);
	/* Manual mode: a loop call in another thread returns at once (-ESHUTDOWN). */
	while (client->manual && client->processing) {
		zc_port_cond_wait(&client->cb_cond, &client->lock);
	}
	zc_port_mutex_unlock(&client->lock);
	if (!client->manual) {
		zc_port_thread_join(&client->thread);
	}
	destroy_os_objects(client);
	client->initialised = false;
	return 0;
}
