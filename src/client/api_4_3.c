/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * api_4_3.c -- the request API in the Zephyr 4.3 shape (issue 14 point 6):
 * struct zcoap_client_request_4_3 holds its path and extra options as
 * arrays and its callback takes a struct coap_client_response_data. With
 * ZCOAP_ZEPHYR_API_4_3 defined, coap_client.h maps coap_client_req() & co.
 * onto these functions. Each converts the request into the default shape
 * (pointing into the caller's arrays, which the engine copies at once) and
 * marks it so that events.c calls the callback the 4.3 way.
 */

#include <errno.h>
#include <string.h>

#include "client/client_internal.h"

/* The default-shape view of @p in; -EINVAL for a path without its NUL. */
static int convert(const struct zcoap_client_request_4_3 *in, struct coap_client_request *out)
{
	memset(out, 0, sizeof(*out));
	if (memchr(in->path, '\0', sizeof(in->path)) == NULL) {
		return -EINVAL;
	}
	out->method = in->method;
	out->confirmable = in->confirmable;
	out->path = in->path;
	out->fmt = in->fmt;
	out->payload = in->payload;
	out->len = in->len;
	/* Called back only through events.c's 4.3 branch, with its own type. */
	out->cb = (coap_client_response_cb_t)(void (*)(void))in->cb;
	out->options = in->options;
	out->num_options = in->num_options;
	out->user_data = in->user_data;
	out->payload_cb = in->payload_cb;
	out->observe_liveness = in->observe_liveness;
	out->deadline_ms = in->deadline_ms;
	out->multicast_timeout_ms = in->multicast_timeout_ms;
	memcpy(out->token, in->token, sizeof(out->token));
	out->token_len = in->token_len;
	out->no_content_format = in->no_content_format;
	return 0;
}

/* A cancel/deregistration pattern: an empty path matches any, as NULL does in the default shape. */
static int convert_pattern(const struct zcoap_client_request_4_3 *in,
			   struct coap_client_request *out)
{
	int r = convert(in, out);

	if (r == 0 && in->path[0] == '\0') {
		out->path = NULL;
	}
	return r;
}

int zcoap_client_req_4_3(struct coap_client *client, int sock, const struct sockaddr *addr,
			 struct zcoap_client_request_4_3 *req,
			 struct coap_transmission_parameters *params)
{
	struct coap_client_request r;

	if (req == NULL || convert(req, &r) < 0) {
		return -EINVAL;
	}
	if ((unsigned int)r.method == COAP_CODE_EMPTY) {
		return -EINVAL; /* not a method; a ping is zcoap_client_ping() */
	}
	return zc_client_submit(client, sock, addr, &r, params, true);
}

void zcoap_client_cancel_request_4_3(struct coap_client *client,
				     struct zcoap_client_request_4_3 *req)
{
	struct coap_client_request r;

	if (req != NULL && convert_pattern(req, &r) == 0) {
		coap_client_cancel_request(client, &r);
	}
}

int zcoap_client_deregister_observe_4_3(struct coap_client *client,
					struct zcoap_client_request_4_3 *req)
{
	struct coap_client_request r;

	if (req == NULL || convert_pattern(req, &r) < 0) {
		return -EINVAL;
	}
	return coap_client_deregister_observe(client, &r);
}

int zcoap_client_ping_4_3(struct coap_client *client, int sock, const struct sockaddr *addr,
			  zcoap_client_response_cb_4_3_t cb, void *user_data, uint32_t deadline_ms,
			  struct coap_transmission_parameters *params)
{
	return zc_client_ping(client, sock, addr, (coap_client_response_cb_t)(void (*)(void))cb,
			      user_data, deadline_ms, params, true);
}
