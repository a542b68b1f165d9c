/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * recorder.c -- thread-safe log of response callbacks (see recorder.h).
 */

#include "recorder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap_client.h"

void recorder_init(struct recorder *r)
{
	pthread_condattr_t attr;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	/* CLOCK_MONOTONIC deadlines: wall-clock jumps must not shorten a wait. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &attr);
	pthread_condattr_destroy(&attr);
}

void recorder_set_hook(struct recorder *r, recorder_hook_t hook, void *ctx)
{
	pthread_mutex_lock(&r->lock);
	r->hook = hook;
	r->hook_ctx = ctx;
	pthread_mutex_unlock(&r->lock);
}

void recorder_destroy(struct recorder *r)
{
	for (size_t i = 0; i < r->n && i < RECORDER_MAX_EVENTS; i++) {
		free(r->ev[i].payload);
		r->ev[i].payload = NULL;
	}
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
}

void recorder_cb(int16_t result_code, size_t offset, const uint8_t *payload, size_t len,
		 bool last_block, void *user_data)
{
	struct recorder *r = user_data;
	const struct zcoap_response_info *info = zcoap_client_response_info();
	const struct coap_packet *pkt = zcoap_client_response_packet();
	struct rec_event ev;
	recorder_hook_t hook;
	size_t idx;

	memset(&ev, 0, sizeof(ev));
	ev.code = result_code;
	ev.offset = offset;
	ev.len = len;
	ev.last_block = last_block;
	ev.payload_was_null = payload == NULL;
	ev.thread = pthread_self();
	ev.has_info = info != NULL;
	ev.has_packet = pkt != NULL;
	if (pkt != NULL) {
		ev.packet_code = coap_header_get_code(pkt);
	}
	if (info != NULL) {
		if (info->source != NULL && info->source->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)info->source;

			ev.source_port = ntohs(sin->sin_port);
		}
		ev.has_observe = info->has_observe;
		ev.observe = info->observe;
	}
	if (payload != NULL && len > 0) {
		ev.payload = malloc(len);
		if (ev.payload != NULL) {
			memcpy(ev.payload, payload, len);
		}
	}

	pthread_mutex_lock(&r->lock);
	idx = r->n;
	if (r->n < RECORDER_MAX_EVENTS) {
		r->ev[r->n++] = ev;
	} else {
		r->overflow++;
		free(ev.payload);
	}
	/*
	 * Read the hook before unlocking: once the waiter is woken it may return
	 * and free a recorder without a hook, so @p r must not be touched after
	 * the unlock unless a hook (whose test keeps @p r alive) is set.
	 */
	hook = r->hook;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);

	if (hook != NULL && idx < RECORDER_MAX_EVENTS) {
		hook(r, &ev, idx);
	}
}

bool recorder_wait(struct recorder *r, size_t n, int timeout_ms)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (r->n < n) {
		if (pthread_cond_timedwait(&r->cond, &r->lock, &deadline) == ETIMEDOUT) {
			break;
		}
	}
	ok = r->n >= n;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

size_t recorder_count(struct recorder *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n + r->overflow;
	pthread_mutex_unlock(&r->lock);
	return n;
}

struct rec_event recorder_get(struct recorder *r, size_t i)
{
	struct rec_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.code = INT16_MIN;
	pthread_mutex_lock(&r->lock);
	if (i < r->n) {
		ev = r->ev[i];
	}
	pthread_mutex_unlock(&r->lock);
	return ev;
}

bool recorder_payload_is(struct recorder *r, size_t i, const void *data, size_t len)
{
	struct rec_event ev = recorder_get(r, i);

	if (ev.len != len) {
		return false;
	}
	return len == 0 || (ev.payload != NULL && memcmp(ev.payload, data, len) == 0);
}
