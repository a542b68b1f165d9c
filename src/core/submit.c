/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * submit.c -- the engine entry points of the application's requests:
 * admission (checks, a slot, the first datagram), taking back a request
 * whose first send failed, cancellation, deregistration and socket errors.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/exchange.h"

void zc_engine_init(struct zcoap_engine *eng, const struct zc_engine_io *io, void *io_ctx)
{
	memset(eng, 0, sizeof(*eng));
	eng->io = io;
	eng->io_ctx = io_ctx;
	eng->next_serial = 1;
	eng->separate_timeout_ms = ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS;
	for (unsigned int i = 0; i < ZCOAP_CONFIG_MAX_REQUESTS; i++) {
		eng->slots[i].deadline = ZC_NO_DEADLINE;
	}
}

/*
 * The classes a No-Response option suppresses (RFC 7967 §2.1), 0 when it is
 * absent or the request does not use it: an observation wants its
 * notifications, and a block-wise upload needs the response to each block.
 */
static uint8_t zc_noresp_classes(const struct zcoap_slot *s)
{
	uint32_t v = 0;

	if (s->obs.wanted || s->b1.blockwise) {
		return 0;
	}
	for (unsigned int i = 0; i < s->num_options; i++) {
		const uint8_t *p = zc_opt_value(s, i);

		if (s->options[i].code != COAP_OPTION_NO_RESPONSE) {
			continue;
		}
		/* A uint of 0..1 bytes; leading zero bytes are allowed (RFC 7252 §3.2). */
		v = 0;
		for (unsigned int j = 0; j < s->options[i].len; j++) {
			v = (v << 8) | p[j];
		}
	}
	return (uint8_t)(v & COAP_NO_RESPONSE_SUPPRESS_ALL);
}

/*
 * Whether a request in flight (a lingering one included) uses @p tok as its
 * token or registration token: an application's own token must not
 * (RFC 7252 §5.3.1, RFC 9175 §4), or responses could not be told apart.
 */
static bool token_in_use(struct zcoap_engine *eng, const uint8_t *tok, uint8_t tkl)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		const struct zcoap_slot *s = &eng->slots[i];

		if ((!zc_is_ping(s) && zc_token_equal(s->token, s->tkl, tok, tkl)) ||
		    (s->obs.reg_tkl > 0 &&
		     zc_token_equal(s->obs.reg_token, s->obs.reg_tkl, tok, tkl))) {
			return true;
		}
	}
	return false;
}

/* Paths up to this long are measured and copied byte by byte, without a libc call. */
#define SHORT_PATH (ZCOAP_CONFIG_MAX_PATH_LEN + 1 < 16 ? ZCOAP_CONFIG_MAX_PATH_LEN + 1 : 16)

/* strnlen(path, ZCOAP_CONFIG_MAX_PATH_LEN + 1), without the call for a short path. */
static size_t path_length(const char *path)
{
	size_t n = 0;

	while (n < SHORT_PATH && path[n] != '\0') {
		n++;
	}
	if (n == SHORT_PATH && n < ZCOAP_CONFIG_MAX_PATH_LEN + 1) {
		n += strnlen(path + n, ZCOAP_CONFIG_MAX_PATH_LEN + 1 - n);
	}
	return n;
}

/*
 * What both admission paths write first into a free slot: the per-request
 * state cleared, then the request's timing, endpoint, method and callback.
 * Everything but the address, Echo, token, path and option copies and the
 * transmit buffer is cleared: those are read only up to lengths written
 * later (saves clearing ~600 bytes per request).
 */
static inline void slot_start(struct zcoap_slot *s, int64_t now, int sock,
			      const struct sockaddr *addr, socklen_t addrlen,
			      const struct coap_client_request *req,
			      const struct coap_transmission_parameters *p)
{
	memset(s, 0, offsetof(struct zcoap_slot, addr));
	s->deadline = ZC_NO_DEADLINE;
	s->end = req->deadline_ms > 0 ? now + (int64_t)req->deadline_ms : ZC_NO_DEADLINE;
	s->last_rx_mid = -1;
	s->params = *p;
	s->sock = sock;
	if (addr != NULL) {
		memcpy(&s->addr, addr, addrlen);
		s->addrlen = addrlen;
	}
	s->method = (uint8_t)req->method;
	s->confirmable = req->confirmable;
	s->fmt = (uint16_t)req->fmt;
	s->cb = req->cb;
	s->user_data = req->user_data;
}

/* Checks a request; on success *path_len is the length of its path. */
static int check_request(const struct coap_client_request *req, int sock, size_t *path_len)
{
	size_t total = 0;

	if (req == NULL || req->path == NULL || sock < 0) {
		return -EINVAL;
	}
	if ((unsigned int)req->method == COAP_CODE_EMPTY) {
		/* A CoAP ping (zcoap_client_ping()): an Empty CON and nothing else. */
		if (!req->confirmable || req->path[0] != '\0' || req->num_options > 0 ||
		    req->payload != NULL || req->payload_cb != NULL || req->len > 0) {
			return -EINVAL;
		}
	} else if (req->method < COAP_METHOD_GET || req->method > COAP_METHOD_IPATCH) {
		return -EINVAL;
	}
	*path_len = path_length(req->path);
	if (*path_len > ZCOAP_CONFIG_MAX_PATH_LEN) {
		return -EINVAL;
	}
	if (req->num_options > ZCOAP_CONFIG_MAX_EXTRA_OPTIONS ||
	    (req->num_options > 0 && req->options == NULL)) {
		return -EINVAL;
	}
	for (unsigned int i = 0; i < req->num_options; i++) {
		if (req->options[i].len > MAX_COAP_CLIENT_OPTION_LEN) {
			return -EINVAL;
		}
		total += req->options[i].len;
	}
	/* More option bytes than a message holds could never be sent. */
	if (total > ZCOAP_SLOT_OPTION_BYTES) {
		return -ENOSPC;
	}
	if (req->payload == NULL && req->payload_cb == NULL && req->len > 0) {
		return -EINVAL;
	}
	/* RFC 7252 §5.3.1: 0..8 bytes; an Empty message (a ping) has none (§4.1) */
	if (req->token_len > COAP_TOKEN_MAX_LEN ||
	    (req->token_len > 0 && (unsigned int)req->method == COAP_CODE_EMPTY)) {
		return -EINVAL;
	}
	if ((unsigned int)req->fmt > 65535U ||
	    (unsigned int)req->observe_liveness > ZCOAP_OBSERVE_WAIT) {
		return -EINVAL;
	}
	return 0;
}

int zc_engine_submit_general(struct zcoap_engine *eng, int64_t now, int sock,
			     const struct sockaddr *addr, socklen_t addrlen,
			     const struct coap_client_request *req,
			     const struct coap_transmission_parameters *params)
{
	struct coap_transmission_parameters p;
	struct zcoap_slot *s;
	size_t path_len;
	int r;

	r = check_request(req, sock, &path_len);
	if (r < 0) {
		return r;
	}
	r = zc_resolve_params(params, &p);
	if (r < 0) {
		return r;
	}
	if (addr != NULL &&
	    (addrlen == 0 || addrlen > (socklen_t)sizeof(struct sockaddr_storage))) {
		return -EINVAL;
	}
	/* RFC 7252 §8.1: a group request is NON and waits for a window of responses. */
	if ((addr != NULL && zc_sockaddr_multicast(addr, addrlen)) !=
	    (req->multicast_timeout_ms > 0)) {
		return -EINVAL;
	}
	if (req->multicast_timeout_ms > 0 && req->confirmable) {
		return -EINVAL;
	}
	if (req->token_len > 0 && token_in_use(eng, req->token, req->token_len)) {
		return -EEXIST;
	}
	s = zc_free_slot(eng);
	if (s == NULL) {
		return -EAGAIN;
	}
	slot_start(s, now, sock, addr, addrlen, req, &p);
	s->payload = req->payload;
	s->len = req->len;
	s->payload_cb = req->payload_cb;
	if (path_len < SHORT_PATH) {
		for (size_t i = 0; i <= path_len; i++) {
			s->path[i] = req->path[i];
		}
	} else {
		memcpy(s->path, req->path, path_len + 1U);
	}
	s->num_options = req->num_options;
	for (unsigned int i = 0, off = 0; i < req->num_options; i++) {
		s->options[i].code = req->options[i].code;
		s->options[i].len = req->options[i].len;
		s->options[i].off = (uint16_t)off;
		memcpy(s->opt_bytes + off, req->options[i].value, req->options[i].len);
		off += req->options[i].len;
	}
	/* Early negotiation (RFC 7959 §2.4): keep asking for the size the app asked for. */
	s->b2.szx = zc_block_requested_szx(s, COAP_OPTION_BLOCK2);
	s->obs.wanted = zc_observe_is_register(s);
	s->multicast = req->multicast_timeout_ms > 0;
	s->mc_window_ms = req->multicast_timeout_ms;
	s->no_fmt = req->no_content_format;
	s->user_tkl = req->token_len;
	if (req->token_len > 0) {
		memcpy(s->user_token, req->token, req->token_len);
	}
	s->obs.liveness = (uint8_t)req->observe_liveness;

	/*
	 * RFC 9175 §2.3: an Echo value goes back only to the endpoint that sent
	 * it -- with a request: a ping (an Empty message) cannot carry it.
	 */
	if (eng->echo.pending && !zc_is_ping(s) && eng->echo.sock == sock &&
	    (eng->echo.addrlen == 0) == (s->addrlen == 0) &&
	    (s->addrlen == 0 ||
	     zc_sockaddr_equal((const struct sockaddr *)&eng->echo.addr, eng->echo.addrlen,
			       (const struct sockaddr *)&s->addr, s->addrlen))) {
		memcpy(s->echo, eng->echo.value, eng->echo.len);
		s->echo_len = eng->echo.len;
	}

	s->serial = eng->next_serial++;
	if (eng->next_serial == 0) {
		eng->next_serial = 1;
	}
	zc_set_phase(eng, s, ZCOAP_PHASE_REQUEST); /* reserve while building */
	r = zc_block1_setup(s);
	if (r == 0 && s->b1.blockwise) {
		zc_set_phase(eng, s, ZCOAP_PHASE_UPLOAD);
	}
	s->noresp = zc_noresp_classes(s);
	if (r == 0 && s->multicast && (s->obs.wanted || s->b1.blockwise)) {
		r = -EINVAL; /* no observation, nor a body larger than one block, to a group */
	}
	if (s->multicast) {
		s->noresp = 0; /* the window decides */
	}
	if (r == 0) {
		r = zc_send_new(eng, s, now);
	}
	if (r < 0) {
		zc_free(eng, s);
		return r;
	}
	if (s->echo_len > 0) {
		eng->echo.pending = false;
	}
	eng->last_deadline = s->deadline < s->end ? s->deadline : s->end;
	return 0;
}

/*
 * The usual request -- a GET or another method with no option but its path,
 * no body, the library's token, to one endpoint, with no Echo value to
 * carry -- in one pass: the checks it needs, one memset() of the slot's
 * state, the path checked, copied and encoded in one walk straight into
 * tx behind the header (zc_encode_path_copy()), then zc_send_plain(). The
 * slot ends up as zc_engine_submit_general() leaves it (test_engine_basic's
 * test_plain_fast_path_same_slot). Anything else, or any failure before
 * the send (an invalid request included), is left to the general path,
 * which then gives the same answer as without this one.
 */
int zc_engine_submit_plain(struct zcoap_engine *eng, int64_t now, int sock,
			   const struct sockaddr *addr, socklen_t addrlen,
			   const struct coap_client_request *req,
			   const struct coap_transmission_parameters *params)
{
	struct coap_transmission_parameters p;
	struct zcoap_slot *s;
	uint8_t szx;
	int n;

	if (req == NULL || req->path == NULL || sock < 0 ||
	    (unsigned int)req->method - COAP_METHOD_GET > COAP_METHOD_IPATCH - COAP_METHOD_GET ||
	    req->num_options != 0 || req->payload != NULL || req->payload_cb != NULL ||
	    req->len != 0 || req->token_len != 0 || req->multicast_timeout_ms != 0 ||
	    (unsigned int)req->fmt > 65535U ||
	    (unsigned int)req->observe_liveness > ZCOAP_OBSERVE_WAIT || eng->echo.pending) {
		return ZC_SUBMIT_NOT_PLAIN;
	}
	if (zc_resolve_params(params, &p) < 0) {
		return ZC_SUBMIT_NOT_PLAIN;
	}
	if (addr != NULL && (addrlen == 0 || addrlen > (socklen_t)sizeof(struct sockaddr_storage) ||
			     zc_sockaddr_multicast(addr, addrlen))) {
		return ZC_SUBMIT_NOT_PLAIN;
	}
	s = zc_free_slot(eng);
	if (s == NULL) {
		return ZC_SUBMIT_NOT_PLAIN;
	}
	/* The path options go behind the header and the 8-byte token. */
	n = zc_encode_path_copy(s->tx + COAP_FIXED_HEADER_SIZE + 8U,
				sizeof(s->tx) - COAP_FIXED_HEADER_SIZE - 8U, req->path, s->path,
				sizeof(s->path));
	if (n < 0) {
		return ZC_SUBMIT_NOT_PLAIN;
	}
	slot_start(s, now, sock, addr, addrlen, req, &p); /* as zc_engine_submit_general() */
	s->tx_len = (uint16_t)(COAP_FIXED_HEADER_SIZE + 8U + (unsigned int)n);
	/* zc_block_requested_szx() without options: our block size (RFC 7959 §2.4) */
	szx = (uint8_t)coap_bytes_to_block_size(ZCOAP_CONFIG_BLOCK_SIZE);
	s->b2.szx = szx;
	s->no_fmt = req->no_content_format;
	s->obs.liveness = (uint8_t)req->observe_liveness;
	s->serial = eng->next_serial++;
	if (eng->next_serial == 0) {
		eng->next_serial = 1;
	}
	zc_set_phase(eng, s, ZCOAP_PHASE_REQUEST);
	/* zc_block1_setup() of no body: one message, its last "block" */
	s->b1.szx = szx;
	s->b1.last = true;
	n = zc_send_plain(eng, s, now);
	if (n < 0) {
		zc_free(eng, s);
		return n;
	}
	eng->last_deadline = s->deadline < s->end ? s->deadline : s->end;
	return 0;
}

int zc_engine_submit(struct zcoap_engine *eng, int64_t now, int sock, const struct sockaddr *addr,
		     socklen_t addrlen, const struct coap_client_request *req,
		     const struct coap_transmission_parameters *params)
{
	int r = zc_engine_submit_plain(eng, now, sock, addr, addrlen, req, params);

	if (r == ZC_SUBMIT_NOT_PLAIN) {
		r = zc_engine_submit_general(eng, now, sock, addr, addrlen, req, params);
	}
	return r;
}

void zc_engine_set_cb_4_3(struct zcoap_engine *eng, uint32_t serial)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		if (eng->slots[i].serial == serial) {
			eng->slots[i].cb_4_3 = true;
		}
	}
}

int zc_engine_unsubmit(struct zcoap_engine *eng, uint32_t serial)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (s->serial != serial) {
			continue;
		}
		if (s->echo_len > 0 && s->echo_retries == 0) {
			/* The value came from eng->echo (RFC 9175 §2.3): offer it again. */
			memcpy(eng->echo.value, s->echo, s->echo_len);
			eng->echo.len = s->echo_len;
			eng->echo.sock = s->sock;
			memcpy(&eng->echo.addr, &s->addr, sizeof(s->addr));
			eng->echo.addrlen = s->addrlen;
			eng->echo.pending = true;
		}
		zc_free(eng, s);
		return 0;
	}
	return -ENOENT;
}

int zc_engine_cancel(struct zcoap_engine *eng, const struct coap_client_request *pattern,
		     uint32_t quiet_serial, uint32_t *serials, int max)
{
	int n = 0;

	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (pattern != NULL && !zc_engine_slot_matches(s, pattern)) {
			continue;
		}
		if (serials != NULL && n < max) {
			serials[n] = s->serial;
		}
		n++;
		zc_exchange_cancel(eng, s, s->serial == quiet_serial);
	}
	return n;
}

int zc_engine_deregister(struct zcoap_engine *eng, int64_t now,
			 const struct coap_client_request *pattern)
{
	int sent = 0;
	int err = 0;

	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];
		int r;

		if (!s->obs.wanted || s->obs.reg_tkl == 0 || s->phase == ZCOAP_PHASE_DEREGISTER ||
		    !zc_engine_slot_matches(s, pattern)) {
			continue;
		}
		r = zc_exchange_deregister(eng, s, now);
		if (r < 0) {
			err = r;
			continue;
		}
		sent++;
	}
	if (sent > 0) {
		return 0;
	}
	return err < 0 ? err : -ENOENT;
}

void zc_engine_reregister_socket(struct zcoap_engine *eng, int sock, int64_t now)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (s->sock == sock) {
			zc_exchange_reregister(eng, s, now);
		}
	}
}

void zc_engine_fail_socket(struct zcoap_engine *eng, int sock, int err)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (s->sock == sock) {
			zc_fail(eng, s, err);
		}
	}
}

void zc_engine_fail_endpoint(struct zcoap_engine *eng, int sock, const struct sockaddr *addr,
			     socklen_t addrlen, int err)
{
	ZC_FOR_EACH_ACTIVE(eng, i)
	{
		struct zcoap_slot *s = &eng->slots[i];

		if (s->sock != sock) {
			continue;
		}
		if (s->addrlen == 0 || (addr != NULL && addrlen > 0 &&
					zc_sockaddr_equal((const struct sockaddr *)&s->addr,
							  s->addrlen, addr, addrlen))) {
			zc_fail(eng, s, err);
		}
	}
}
