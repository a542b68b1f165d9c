/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * test_client_manual.c -- event-loop mode (include/zcoap_loop.h) on a fake
 * clock: retransmissions and timeouts fire from zcoap_client_process() /
 * zcoap_client_timeout() alone, with no thread in the process; responses
 * read through process() and through the foreign-loop calls; requests,
 * cancel and deinit from callbacks; requests from another thread wake the
 * loop only when its wait must change.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_internal.h"
#include "coap_client.h"
#include "fake_clock.h"
#include "zcoap_loop.h"

struct fx {
	struct coap_client client;
	int server; /* the fake server's socket (127.0.0.1:ephemeral) */
	int sock;   /* the client's socket, connected to it */
	int calls;
	int16_t last_code;
	bool last_block;
	size_t last_len;
	/* what the callback does (from inside the loop) */
	int action;
	int action_result;
	struct coap_client_request req;
};

enum { ACT_NONE, ACT_RESUBMIT, ACT_CANCEL_ALL, ACT_DEINIT, ACT_PROCESS, ACT_CLOSE };

static struct fx *g;

static int udp_socket(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		n += e->d_name[0] != '.';
	}
	closedir(d);
	return n;
}

static void cb(int16_t code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	       void *user_data)
{
	struct fx *f = user_data;

	(void)offset;
	(void)payload;
	f->calls++;
	f->last_code = code;
	f->last_block = last_block;
	f->last_len = len;
	switch (f->action) {
	case ACT_RESUBMIT:
		f->action = ACT_NONE;
		f->action_result = coap_client_req(&f->client, f->sock, NULL, &f->req, NULL);
		break;
	case ACT_CANCEL_ALL:
		f->action = ACT_NONE;
		coap_client_cancel_requests(&f->client);
		break;
	case ACT_DEINIT:
		f->action = ACT_NONE;
		f->action_result = zcoap_client_deinit(&f->client);
		break;
	case ACT_PROCESS:
		f->action = ACT_NONE;
		f->action_result = zcoap_client_process(&f->client, 0);
		break;
	case ACT_CLOSE:
		f->action = ACT_NONE;
		f->action_result = close(f->sock);
		f->sock = -1;
		break;
	default:
		break;
	}
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	assert_non_null(f);
	f->server = udp_socket();
	f->sock = udp_socket();
	assert_int_equal(getsockname(f->server, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(connect(f->sock, (struct sockaddr *)&a, alen), 0);
	assert_int_equal(zcoap_client_init_manual(&f->client), 0);
	f->req = (struct coap_client_request){
	    .method = COAP_METHOD_GET, .confirmable = true, .path = "t", .cb = cb, .user_data = f};
	g = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	close(f->sock);
	close(f->server);
	free(f);
	return 0;
}

/* The next datagram at the server (already there: loopback sends are synchronous). */
static ssize_t server_recv(struct fx *f, uint8_t *buf, size_t len, struct sockaddr_in *from)
{
	socklen_t flen = sizeof(*from);

	return recvfrom(f->server, buf, len, MSG_DONTWAIT, (struct sockaddr *)from, &flen);
}

/* Answer request @p q (@p qlen bytes) with a piggybacked 2.05 "hi". */
static void server_answer(struct fx *f, const uint8_t *q, const struct sockaddr_in *to)
{
	uint8_t r[32];
	size_t tkl = q[0] & 0x0f;
	size_t n = 4 + tkl;

	r[0] = (uint8_t)(0x60 | tkl); /* ver 1, ACK */
	r[1] = 0x45;                  /* 2.05 */
	r[2] = q[2];
	r[3] = q[3];
	memcpy(r + 4, q + 4, tkl);
	r[n++] = 0xff;
	r[n++] = 'h';
	r[n++] = 'i';
	assert_int_equal(sendto(f->server, r, n, 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)n);
}

/* A request on @p sock answered by the fake server and run to its callback. */
static void answered_request(struct fx *f, int sock)
{
	uint8_t buf[256];
	struct sockaddr_in from;

	assert_int_equal(coap_client_req(&f->client, sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
}

static struct coap_transmission_parameters exact_params(void)
{
	struct coap_transmission_parameters p = coap_get_transmission_parameters();

	p.ack_timeout = 2000;
	p.ack_random_percent = 100; /* exact timeouts */
	p.coap_backoff_percent = 200;
	p.max_retransmission = 2;
	return p;
}

/* Retransmissions and the final timeout come from process() and the fake clock, no thread. */
static void test_timers_without_thread(void **state)
{
	struct fx *f = *state;
	struct coap_transmission_parameters p = exact_params();
	uint8_t buf[256];
	uint8_t first[256];
	struct sockaddr_in from;
	ssize_t n;

	assert_int_equal(count_threads(), 1);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, &p), 0);
	n = server_recv(f, first, sizeof(first), &from);
	assert_true(n >= 4);

	/* Not due yet: nothing happens, however often the loop runs. */
	fake_clock_advance(1999);
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(server_recv(f, buf, sizeof(buf), &from), -1);

	/* 2 s: the first retransmission (same MID), 4 s later the second. */
	fake_clock_advance(1);
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(server_recv(f, buf, sizeof(buf), &from), n);
	assert_memory_equal(buf, first, (size_t)n);
	fake_clock_advance(4000);
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(server_recv(f, buf, sizeof(buf), &from), n);

	/* After the last one's 8 s: -ETIMEDOUT, run by process() in this thread. */
	fake_clock_advance(7999);
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(f->calls, 0);
	fake_clock_advance(1);
	assert_int_equal(zcoap_client_process(&f->client, 0), 1);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->last_code, -ETIMEDOUT);
	assert_true(f->last_block);
	assert_false(coap_client_has_ongoing_exchange(&f->client));
	assert_int_equal(count_threads(), 1);
}

/* A response is read and its callback run by process(), in the calling thread. */
static void test_process_response(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];
	struct sockaddr_in from;

	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	/* Negative timeout: until the datagram (here at once). */
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->last_code, 0x45);
	assert_int_equal(f->last_len, 2);
	assert_int_equal(count_threads(), 1);
	/* Nothing left: a zero wait runs nothing. */
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
}

/* The foreign-loop calls: descriptors, timeout, "readable", "time passed". */
static void test_foreign_loop(void **state)
{
	struct fx *f = *state;
	struct coap_transmission_parameters p = exact_params();
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t buf[256];
	struct sockaddr_in from;
	int timeout = 0;
	int n;

	/* Idle: only the wake-up descriptor, no deadline. */
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
	assert_int_equal(n, 1);
	assert_int_equal(timeout, -1);

	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, &p), 0);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
	assert_int_equal(n, 2);
	assert_int_equal(fds[1], f->sock);
	assert_int_equal(timeout, 2000);
	/* Too small an array: the count still says how many there are. */
	assert_int_equal(zcoap_client_get_fds(&f->client, fds, 1, NULL), 2);

	/* Time passes: the timer's retransmission. */
	fake_clock_advance(2000);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
	assert_int_equal(timeout, 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	assert_int_equal(zcoap_client_timeout(&f->client), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, &timeout);
	assert_int_equal(timeout, 4000);

	/* A descriptor not ours is ignored; ours is read. */
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->server, ZCOAP_FD_IN), 0);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->sock, ZCOAP_FD_IN), 1);
	assert_int_equal(f->last_code, 0x45);
	assert_int_equal(count_threads(), 1);
}

/* From a callback: the next request, and the processing calls are refused. */
static void test_callback_resubmits(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];
	struct sockaddr_in from;

	f->action = ACT_RESUBMIT;
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
	assert_int_equal(f->action_result, 0);
	/* The second request went out from the callback. */
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	f->action = ACT_PROCESS;
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
	assert_int_equal(f->action_result, -EDEADLK);
	assert_int_equal(f->calls, 2);
	assert_false(coap_client_has_ongoing_exchange(&f->client));
}

/* Cancel from a callback ends the other requests there; deinit from one is refused. */
static void test_callback_cancel_and_deinit(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];
	struct sockaddr_in from;

	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	f->action = ACT_CANCEL_ALL;
	server_answer(f, buf, &from);
	/* The first one's callback cancels the second: its -ECANCELED runs nested. */
	assert_int_equal(zcoap_client_process(&f->client, -1), 2);
	assert_int_equal(f->last_code, -ECANCELED);
	assert_false(coap_client_has_ongoing_exchange(&f->client));

	(void)server_recv(f, buf, sizeof(buf), &from);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	f->action = ACT_DEINIT;
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
	assert_int_equal(f->action_result, -EDEADLK);
}

/* Requests and cancels in a thread-mode client are refused by the processing calls. */
static void test_thread_mode_refused(void **state)
{
	struct coap_client *c = calloc(1, sizeof(*c));
	int fds[ZCOAP_CLIENT_MAX_FDS];

	(void)state;
	assert_non_null(c);
	assert_int_equal(zcoap_client_process(c, 0), -ESHUTDOWN);
	assert_int_equal(coap_client_init(c, NULL), 0);
	assert_int_equal(zcoap_client_process(c, 0), -EINVAL);
	assert_int_equal(zcoap_client_get_fds(c, fds, ZCOAP_CLIENT_MAX_FDS, NULL), -EINVAL);
	assert_int_equal(zcoap_client_timeout(c), -EINVAL);
	assert_int_equal(zcoap_client_deinit(c), 0);
	assert_int_equal(zcoap_client_process(NULL, 0), -EINVAL);
	free(c);
}

struct other {
	struct fx *f;
	int result;
};

static void *submit_thread(void *arg)
{
	struct other *o = arg;

	o->result = coap_client_req(&o->f->client, o->f->sock, NULL, &o->f->req, NULL);
	return NULL;
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

/*
 * Another thread's request while the loop waits on a set without its socket
 * makes the wake-up descriptor readable; with the socket already watched
 * (the sticky set), it does not.
 */
static void test_other_thread_wakes(void **state)
{
	struct fx *f = *state;
	struct other o = {.f = f};
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t buf[256];
	struct sockaddr_in from;
	pthread_t t;
	int n;

	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	assert_int_equal(n, 1);
	assert_false(readable(fds[0]));
	assert_int_equal(pthread_create(&t, NULL, submit_thread, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(o.result, 0);
	assert_true(readable(fds[0]));
	assert_int_equal(zcoap_client_fd_ready(&f->client, fds[0], ZCOAP_FD_IN), 0);
	assert_false(readable(fds[0]));

	/* Answer it; the socket stays watched, so the next request needs no wake-up. */
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(pthread_create(&t, NULL, submit_thread, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(o.result, 0);
	assert_false(readable(fds[0]));
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->sock, ZCOAP_FD_IN), 1);
	assert_int_equal(f->calls, 2);
}

static sem_t in_callback;
static sem_t release_callback;

static void blocking_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
			bool last_block, void *user_data)
{
	(void)code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	sem_post(&in_callback);
	while (sem_wait(&release_callback) != 0) {
	}
}

static void release_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		       bool last_block, void *user_data)
{
	int *seen = user_data;

	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	*seen = code;
	sem_post(&release_callback);
}

static void *loop_thread(void *arg)
{
	struct other *o = arg;

	o->result = zcoap_client_process(&o->f->client, -1);
	return NULL;
}

/*
 * zcoap_client_deinit() from another thread while the loop thread is inside
 * zcoap_client_process() (in a callback): deinit cancels the other request
 * (its -ECANCELED runs in the deinit thread) and returns only after the
 * processing call has.
 */
static void test_deinit_while_processing(void **state)
{
	struct fx *f = *state;
	struct coap_client_request blocking = f->req;
	struct coap_client_request pending = f->req;
	struct other o = {.f = f};
	uint8_t buf[256];
	struct sockaddr_in from;
	int seen = 0;
	pthread_t t;

	assert_int_equal(sem_init(&in_callback, 0, 0), 0);
	assert_int_equal(sem_init(&release_callback, 0, 0), 0);
	blocking.cb = blocking_cb;
	pending.cb = release_cb;
	pending.user_data = &seen;
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &blocking, NULL), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &pending, NULL), 0);
	server_answer(f, buf, &from);
	assert_int_equal(pthread_create(&t, NULL, loop_thread, &o), 0);
	while (sem_wait(&in_callback) != 0) {
	}
	assert_int_equal(zcoap_client_deinit(&f->client), 0);
	assert_int_equal(seen, -ECANCELED);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(o.result, 1);
	sem_destroy(&in_callback);
	sem_destroy(&release_callback);
	/* teardown deinitialises again: a no-op */
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/*
 * A CON separate response leaves the socket lingering through a duplicate
 * (linger.c), which a foreign loop gets among the descriptors. When the
 * linger ends, the duplicate is first left out of the set and closed only
 * in the next zcoap_client_get_fds(): an epoll loop has stopped watching it
 * by then (closing it first would leave epoll's entry on the socket).
 */
static void test_linger_duplicate_closed_late(void **state)
{
	struct fx *f = *state;
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t q[256];
	uint8_t m[32];
	struct sockaddr_in from;
	size_t tkl;
	int dup = -1;
	int n;

	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, q, sizeof(q), &from) >= 4);
	tkl = q[0] & 0x0f;
	/* Empty ACK, then the response as a CON of its own. */
	m[0] = 0x60;
	m[1] = 0;
	m[2] = q[2];
	m[3] = q[3];
	assert_int_equal(sendto(f->server, m, 4, 0, (struct sockaddr *)&from, sizeof(from)), 4);
	assert_int_equal(zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL), 2);
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->sock, ZCOAP_FD_IN), 0);
	m[0] = (uint8_t)(0x40 | tkl);
	m[1] = 0x45;
	m[2] = 0x12;
	m[3] = 0x34;
	memcpy(m + 4, q + 4, tkl);
	m[4 + tkl] = 0xff;
	m[5 + tkl] = 'o';
	assert_int_equal(sendto(f->server, m, 6 + tkl, 0, (struct sockaddr *)&from, sizeof(from)),
			 (ssize_t)(6 + tkl));
	(void)zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->sock, ZCOAP_FD_IN), 1);
	assert_int_equal(f->last_code, 0x45);
	assert_int_equal(server_recv(f, q, sizeof(q), &from), 4); /* the client's ACK */

	/* Read through the duplicate once the socket was idle for the grace period. */
	fake_clock_advance(ZCOAP_CONFIG_LINGER_GRACE_MS);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	for (int i = 1; i < n; i++) {
		if (fds[i] != f->sock) {
			dup = fds[i];
		}
	}
	assert_true(dup >= 0);
	assert_true(fd_open(dup));

	assert_int_equal(zcoap_client_set_linger(&f->client, 0), 0);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	for (int i = 0; i < n; i++) {
		assert_int_not_equal(fds[i], dup);
	}
	assert_true(fd_open(dup)); /* still open: the loop may still watch it */
	(void)zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	assert_false(fd_open(dup));
}

/*
 * The final callback of a CON separate response closes the application's
 * socket (allowed: the request is over). The socket lingers all the same,
 * through the duplicate descriptor taken before the callback ran (events.c),
 * and the server's retransmission of the response is ACKed again (RFC 7252
 * §4.5). Taken after the callback, there would be no descriptor to take.
 */
static void test_linger_close_in_callback(void **state)
{
	struct fx *f = *state;
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t q[256];
	uint8_t m[32];
	struct sockaddr_in from;
	size_t tkl;
	int dup = -1;
	int old;
	int n;

	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_true(server_recv(f, q, sizeof(q), &from) >= 4);
	tkl = q[0] & 0x0f;
	m[0] = 0x60; /* Empty ACK */
	m[1] = 0;
	m[2] = q[2];
	m[3] = q[3];
	assert_int_equal(sendto(f->server, m, 4, 0, (struct sockaddr *)&from, sizeof(from)), 4);
	assert_int_equal(zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL), 2);
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->sock, ZCOAP_FD_IN), 0);
	m[0] = (uint8_t)(0x40 | tkl); /* the response, CON */
	m[1] = 0x45;
	m[2] = 0x12;
	m[3] = 0x34;
	memcpy(m + 4, q + 4, tkl);
	m[4 + tkl] = 0xff;
	m[5 + tkl] = 'o';
	assert_int_equal(sendto(f->server, m, 6 + tkl, 0, (struct sockaddr *)&from, sizeof(from)),
			 (ssize_t)(6 + tkl));
	(void)zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	f->action = ACT_CLOSE;
	old = f->sock;
	assert_int_equal(zcoap_client_fd_ready(&f->client, f->sock, ZCOAP_FD_IN), 1);
	assert_int_equal(f->last_code, 0x45);
	assert_int_equal(f->action_result, 0);
	assert_int_equal(server_recv(f, q, sizeof(q), &from), 4); /* the client's ACK */

	fake_clock_advance(ZCOAP_CONFIG_LINGER_GRACE_MS);
	n = zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, NULL);
	for (int i = 1; i < n; i++) {
		if (fds[i] != old) {
			dup = fds[i]; /* not the closed descriptor the poll set may still name */
		}
	}
	assert_true(dup >= 0);
	assert_true(fd_open(dup));
	/* The server did not get our ACK and sends the response again. */
	assert_int_equal(sendto(f->server, m, 6 + tkl, 0, (struct sockaddr *)&from, sizeof(from)),
			 (ssize_t)(6 + tkl));
	assert_int_equal(zcoap_client_fd_ready(&f->client, dup, ZCOAP_FD_IN), 0);
	assert_int_equal(server_recv(f, q, sizeof(q), &from), 4);
	assert_int_equal(q[0], 0x60); /* an Empty ACK ... */
	assert_int_equal(q[2], 0x12); /* ... for the response's MID */
	assert_int_equal(q[3], 0x34);
	assert_int_equal(f->calls, 1); /* delivered once */
}

/*
 * A callback of client A drives client B's loop, and B's callback cancels
 * A's requests: the thread is still A's loop thread there (its loop frames
 * nest), so A's other request ends with -ECANCELED at once and the one whose
 * callback is running gets no nested final callback -- instead of waiting
 * forever for its own running callback.
 */
static struct fx *nest_a;
static struct fx *nest_b;
static int nest_b_result;
static int nest_a2_code;

static void nest_b_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		      bool last_block, void *user_data)
{
	(void)code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	coap_client_cancel_requests(&nest_a->client);
}

static void nest_a1_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		       bool last_block, void *user_data)
{
	(void)code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	nest_b_result = zcoap_client_process(&nest_b->client, -1);
}

static void nest_a2_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		       bool last_block, void *user_data)
{
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	nest_a2_code = code;
}

static void test_nested_loops(void **state)
{
	struct fx *b = NULL;
	struct coap_client_request a1;
	struct coap_client_request a2;
	struct coap_client_request rb;
	uint8_t buf[256];
	struct sockaddr_in from;

	assert_int_equal(setup((void **)&b), 0);
	nest_a = *state;
	nest_b = b;
	a1 = nest_a->req;
	a1.cb = nest_a1_cb;
	a2 = nest_a->req;
	a2.cb = nest_a2_cb;
	rb = b->req;
	rb.cb = nest_b_cb;
	assert_int_equal(coap_client_req(&nest_a->client, nest_a->sock, NULL, &a1, NULL), 0);
	assert_true(server_recv(nest_a, buf, sizeof(buf), &from) >= 4);
	assert_int_equal(coap_client_req(&nest_a->client, nest_a->sock, NULL, &a2, NULL), 0);
	server_answer(nest_a, buf, &from); /* answers a1 */
	assert_int_equal(coap_client_req(&b->client, b->sock, NULL, &rb, NULL), 0);
	assert_true(server_recv(b, buf, sizeof(buf), &from) >= 4);
	server_answer(b, buf, &from);

	/* a1's callback runs B's loop; B's callback cancels A: a2's -ECANCELED nests. */
	assert_int_equal(zcoap_client_process(&nest_a->client, -1), 2);
	assert_int_equal(nest_b_result, 1);
	assert_int_equal(nest_a2_code, -ECANCELED);
	assert_false(coap_client_has_ongoing_exchange(&nest_a->client));
	assert_int_equal(teardown((void **)&b), 0);
	g = nest_a;
}

/* Receive the next datagram on @p sock (waiting for it without a timing assumption). */
static ssize_t recv_datagram(int sock, uint8_t *buf, size_t cap)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};

	assert_int_equal(poll(&p, 1, 10000), 1);
	return recv(sock, buf, cap, 0);
}

/*
 * coap_client_req() sends its first datagram after releasing the lock, from
 * a copy (src/client/io.c, io_send()); the copy's inline moves cover 8..32
 * bytes: every datagram from 4 bytes (a ping) to 53 (a path of 40 bytes)
 * arrives as the codec encodes it.
 */
static void test_deferred_send_bytes(void **state)
{
	struct fx *f = *state;
	char path[41];

	for (size_t n = 0; n <= 40; n++) {
		struct coap_client_request r = f->req;
		uint8_t got[128];
		uint8_t want[128];
		struct coap_packet pkt;
		ssize_t len;

		path[n] = '\0';
		for (size_t i = 0; i < n; i++) {
			path[i] = (char)('a' + (i % 26));
		}
		r.path = path;
		assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &r, NULL), 0);
		len = recv_datagram(f->server, got, sizeof(got));
		assert_true(len >= 12);
		assert_int_equal(got[0] & 0x0F, 8);
		assert_int_equal(coap_packet_init(&pkt, want, sizeof(want), 1, COAP_TYPE_CON, 8,
						  got + 4, COAP_METHOD_GET,
						  (uint16_t)((got[2] << 8) | got[3])),
				 0);
		assert_int_equal(coap_packet_set_path(&pkt, path), 0);
		assert_int_equal((size_t)len, pkt.offset);
		assert_memory_equal(got, want, pkt.offset);
		coap_client_cancel_requests(&f->client);
	}
	/* A ping: 4 bytes, an Empty CON. */
	assert_int_equal(zcoap_client_ping(&f->client, f->sock, NULL, cb, f, 0, NULL), 0);
	{
		uint8_t got[16];

		assert_int_equal(recv_datagram(f->server, got, sizeof(got)), 4);
		assert_int_equal(got[0], 0x40);
		assert_int_equal(got[1], 0);
	}
	coap_client_cancel_requests(&f->client);
}

/*
 * The client's random pool (src/client/io.c, io_random()): the engine's
 * 12-, 8- and other-sized takes each get the next unused bytes of the pool
 * in order, and those bytes are wiped in the pool as they go (each CSPRNG
 * byte is handed out once); a take larger than what is left refills the
 * pool first, one larger than the pool bypasses it.
 */
static void test_random_pool_hands_out_once(void **state)
{
	static struct coap_client c;
	struct zcoap_client_private *priv = &c.priv;
	const size_t pool = sizeof(priv->rand_pool);
	static const size_t takes[] = {12, 8, 4, 5, 12, 1, 8};
	uint8_t big[sizeof(priv->rand_pool) + 16];
	uint8_t buf[16];
	size_t at = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < pool; i++) {
		priv->rand_pool[i] = (uint8_t)(i + 1U) | 0x80U; /* never 0 */
	}
	priv->rand_left = (uint16_t)pool;
	for (size_t k = 0; k < sizeof(takes) / sizeof(takes[0]); k++) {
		memset(buf, 0, sizeof(buf));
		zc_client_io.random(&c, buf, takes[k]);
		for (size_t j = 0; j < takes[k]; j++) {
			assert_int_equal(buf[j], (uint8_t)((at + j + 1U) | 0x80U));
			assert_int_equal(priv->rand_pool[at + j], 0); /* wiped */
		}
		assert_int_equal(buf[takes[k]], 0); /* nothing beyond the take */
		at += takes[k];
		assert_int_equal(priv->rand_left, pool - at);
		assert_int_equal(priv->rand_pool[at],
				 (uint8_t)((at + 1U) | 0x80U)); /* next intact */
	}
	/* Larger than the pool: straight from the port, the pool untouched. */
	zc_client_io.random(&c, big, sizeof(big));
	assert_int_equal(priv->rand_left, pool - at);
	/* More than is left: a fresh pool, of which the take is the first bytes. */
	priv->rand_left = 11;
	zc_client_io.random(&c, buf, 12);
	assert_int_equal(priv->rand_left, pool - 12);
	for (size_t j = 0; j < 12; j++) {
		assert_int_equal(priv->rand_pool[j], 0);
	}
}

/*
 * The response info of a callback stays its own while another client's
 * callback runs nested in it (A's callback drives B's loop), whether A
 * asked for it before the nested callback or only after it: each callback
 * has its own description (events.c fills it only when asked for).
 */
static int info_port_before;
static int info_port_after;
static int info_port_late;
static int info_port_b;
static const struct zcoap_response_info *info_a_ptr;
static bool info_ask_early;

static int source_port(const struct zcoap_response_info *info)
{
	if (info == NULL || info->source == NULL || info->source->sa_family != AF_INET) {
		return -1;
	}
	return ntohs(((const struct sockaddr_in *)(const void *)info->source)->sin_port);
}

static void info_b_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		      bool last_block, void *user_data)
{
	(void)code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	info_port_b = source_port(zcoap_client_response_info());
}

static void info_a_cb(int16_t code, size_t offset, const uint8_t *payload, size_t len,
		      bool last_block, void *user_data)
{
	(void)code;
	(void)offset;
	(void)payload;
	(void)len;
	(void)last_block;
	(void)user_data;
	if (info_ask_early) {
		info_a_ptr = zcoap_client_response_info();
		info_port_before = source_port(info_a_ptr);
	}
	nest_b_result = zcoap_client_process(&nest_b->client, -1);
	if (info_ask_early) {
		info_port_after = source_port(info_a_ptr); /* the pointer taken before */
	}
	info_port_late = source_port(zcoap_client_response_info());
}

static void test_nested_info(void **state)
{
	for (int early = 0; early < 2; early++) {
		struct fx *b = NULL;
		struct coap_client_request ra;
		struct coap_client_request rb;
		uint8_t buf[256];
		struct sockaddr_in from;
		struct sockaddr_in sa;
		struct sockaddr_in sb;
		socklen_t alen = sizeof(sa);

		assert_int_equal(setup((void **)&b), 0);
		nest_a = *state;
		nest_b = b;
		info_ask_early = early != 0;
		info_port_before = info_port_after = info_port_late = info_port_b = 0;
		assert_int_equal(getsockname(nest_a->server, (struct sockaddr *)&sa, &alen), 0);
		alen = sizeof(sb);
		assert_int_equal(getsockname(b->server, (struct sockaddr *)&sb, &alen), 0);
		assert_int_not_equal(sa.sin_port, sb.sin_port);
		ra = nest_a->req;
		ra.cb = info_a_cb;
		rb = b->req;
		rb.cb = info_b_cb;
		assert_int_equal(coap_client_req(&nest_a->client, nest_a->sock, NULL, &ra, NULL),
				 0);
		assert_true(server_recv(nest_a, buf, sizeof(buf), &from) >= 4);
		server_answer(nest_a, buf, &from);
		assert_int_equal(coap_client_req(&b->client, b->sock, NULL, &rb, NULL), 0);
		assert_true(server_recv(b, buf, sizeof(buf), &from) >= 4);
		server_answer(b, buf, &from);

		assert_int_equal(zcoap_client_process(&nest_a->client, -1), 1);
		assert_int_equal(nest_b_result, 1);
		assert_int_equal(info_port_b, ntohs(sb.sin_port));
		assert_int_equal(info_port_late, ntohs(sa.sin_port));
		if (early) {
			assert_int_equal(info_port_before, ntohs(sa.sin_port));
			assert_int_equal(info_port_after, ntohs(sa.sin_port));
		}
		assert_null(zcoap_client_response_info()); /* outside any callback */
		assert_int_equal(teardown((void **)&b), 0);
		g = nest_a;
	}
}

/* The descriptors a round polls, sorted after the wake-up one (fds[0]). */
static int round_fds(struct fx *f, int *fds, int *timeout)
{
	return zcoap_client_get_fds(&f->client, fds, ZCOAP_CLIENT_MAX_FDS, timeout);
}

static bool has_fd(const int *fds, int n, int fd)
{
	for (int i = 1; i < n; i++) {
		if (fds[i] == fd) {
			return true;
		}
	}
	return false;
}

/*
 * The round's cached poll set (loop.c: no rebuild while the active sockets
 * are those of the previous round): a socket admitted between two rounds
 * is polled in the next one, and the timeout follows the clock although
 * nothing else changed (the clock is read lazily).
 */
static void test_round_admits_new_socket(void **state)
{
	struct fx *f = *state;
	struct coap_transmission_parameters p = exact_params();
	int fds[ZCOAP_CLIENT_MAX_FDS];
	int other = udp_socket();
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int timeout = 0;
	int n;

	assert_int_equal(getsockname(f->server, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(connect(other, (struct sockaddr *)&a, alen), 0);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, &p), 0);
	n = round_fds(f, fds, &timeout);
	assert_int_equal(n, 2);
	assert_int_equal(fds[1], f->sock);
	assert_int_equal(timeout, 2000);
	/* Unchanged set: the same round again, the time moved on. */
	fake_clock_advance(500);
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(timeout, 1500);

	/* A second socket between two rounds: polled in the next one. */
	if (ZCOAP_CONFIG_MAX_REQUESTS >= 2) {
		assert_int_equal(coap_client_req(&f->client, other, NULL, &f->req, &p), 0);
		n = round_fds(f, fds, &timeout);
		assert_int_equal(n, 3);
		assert_true(has_fd(fds, n, f->sock));
		assert_true(has_fd(fds, n, other));
		assert_int_equal(timeout,
				 1500); /* the first request's timer is still the earliest */
	}
	coap_client_cancel_requests(&f->client);
	close(other);
}

/*
 * The round's deadline comes from one pass over the active slots
 * (zc_engine_round()): a later request whose timer falls due sooner
 * shortens the wait, and when it ends the earlier timer counts again.
 */
static void test_round_deadline_moves_earlier(void **state)
{
	struct fx *f = *state;
	struct coap_transmission_parameters slow = exact_params();
	struct coap_transmission_parameters fast = exact_params();
	struct coap_client_request second = f->req;
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t buf[256];
	struct sockaddr_in from;
	int timeout = 0;

	if (ZCOAP_CONFIG_MAX_REQUESTS < 2) {
		skip();
	}
	slow.ack_timeout = 4000;
	fast.ack_timeout = 1000;
	second.path = "u";
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, &slow), 0);
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(timeout, 4000);
	fake_clock_advance(100);
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &second, &fast), 0);
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(timeout, 1000);
	/* The fast one answered: the slow one's timer (3900 ms away) again. */
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, 0), 1);
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(timeout, 3900);
	coap_client_cancel_requests(&f->client);
}

/*
 * A socket whose last request ended stays polled for a while (sticky),
 * then leaves the set, and an idle client's round has no timeout again.
 */
static void test_round_idle_socket_leaves(void **state)
{
	struct fx *f = *state;
	int fds[ZCOAP_CLIENT_MAX_FDS];
	int timeout = 0;

	answered_request(f, f->sock);
	/* Idle now, still polled: woken when its sticky time ends. */
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(fds[1], f->sock);
	assert_true(timeout > 0);
	fake_clock_advance(timeout);
	assert_int_equal(round_fds(f, fds, &timeout), 1);
	assert_int_equal(timeout, -1);
	/* Used again: back in the set. */
	assert_int_equal(coap_client_req(&f->client, f->sock, NULL, &f->req, NULL), 0);
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(fds[1], f->sock);
	coap_client_cancel_requests(&f->client);
}

/*
 * One socket per round, but another one: the set is rebuilt (the previous
 * socket stays as an idle one for its sticky time) and the new one polled.
 */
static void test_round_next_socket(void **state)
{
	struct fx *f = *state;
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t buf[256];
	struct sockaddr_in from;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int other = udp_socket();
	int timeout = 0;
	int n;

	assert_int_equal(getsockname(f->server, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(connect(other, (struct sockaddr *)&a, alen), 0);
	answered_request(f, f->sock);
	assert_int_equal(round_fds(f, fds, &timeout), 2); /* f->sock, idle */
	assert_int_equal(fds[1], f->sock);

	assert_int_equal(coap_client_req(&f->client, other, NULL, &f->req, NULL), 0);
	n = round_fds(f, fds, &timeout);
	assert_true(has_fd(fds, n, other));
	assert_true(server_recv(f, buf, sizeof(buf), &from) >= 4);
	server_answer(f, buf, &from);
	assert_int_equal(zcoap_client_process(&f->client, -1), 1);
	assert_int_equal(f->calls, 2);
	close(other);
}

/*
 * The idle set is compacted in place when no request is active: a kept
 * socket that turned readable while idle is dropped (never read), and the
 * one after it moves up -- the round's kept descriptors follow it.
 */
static void test_round_idle_set_compacts(void **state)
{
	struct fx *f = *state;
	int fds[ZCOAP_CLIENT_MAX_FDS];
	uint8_t buf[256];
	struct sockaddr_in a;
	struct sockaddr_in sock_addr;
	socklen_t alen = sizeof(a);
	int other = udp_socket();
	int timeout = 0;

	assert_int_equal(getsockname(f->server, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(connect(other, (struct sockaddr *)&a, alen), 0);
	alen = sizeof(sock_addr);
	assert_int_equal(getsockname(f->sock, (struct sockaddr *)&sock_addr, &alen), 0);
	/* other, then f->sock: the set is [f->sock, other], both idle. */
	answered_request(f, other);
	answered_request(f, f->sock);
	assert_int_equal(round_fds(f, fds, &timeout), 3);
	assert_int_equal(fds[1], f->sock);
	assert_int_equal(fds[2], other);

	/* A stray datagram on the idle f->sock: dropped from the set, not read. */
	assert_int_equal(sendto(f->server, "x", 1, 0, (struct sockaddr *)&sock_addr, alen), 1);
	assert_int_equal(zcoap_client_process(&f->client, 0), 0);
	assert_int_equal(round_fds(f, fds, &timeout), 2);
	assert_int_equal(fds[1], other);
	assert_int_equal(recv(f->sock, buf, sizeof(buf), MSG_DONTWAIT), 1); /* still there */
	assert_int_equal(f->calls, 2);
	close(other);
}

/* What the trace hook saw: datagrams out and in. */
static int trace_out;
static int trace_in;

static void count_trace(bool outgoing, const uint8_t *data, size_t len, void *user_data)
{
	(void)data;
	assert_ptr_equal(user_data, &trace_out);
	assert_true(len >= 4);
	if (outgoing) {
		trace_out++;
	} else {
		trace_in++;
	}
}

/* One request answered by the fake server, run to its callback. */
static void one_exchange(struct fx *f)
{
	int calls = f->calls;

	answered_request(f, f->sock);
	assert_int_equal(f->calls, calls + 1);
}

/*
 * The trace hook sees both datagrams of an exchange while it is set, none
 * after it is removed (the engine then uses the table without the hook,
 * src/client/io.c), and again when it is set again.
 */
static void test_trace_switch(void **state)
{
	struct fx *f = *state;

	trace_out = 0;
	trace_in = 0;
	one_exchange(f); /* no hook yet */
	assert_int_equal(zcoap_client_set_trace(&f->client, count_trace, &trace_out), 0);
	one_exchange(f);
	assert_int_equal(trace_out, 1);
	assert_int_equal(trace_in, 1);
	assert_int_equal(zcoap_client_set_trace(&f->client, NULL, NULL), 0);
	one_exchange(f);
	assert_int_equal(trace_out, 1);
	assert_int_equal(trace_in, 1);
	assert_int_equal(zcoap_client_set_trace(&f->client, count_trace, &trace_out), 0);
	one_exchange(f);
	assert_int_equal(trace_out, 2);
	assert_int_equal(trace_in, 2);
}

/*
 * A pool fetched before fork() is not handed out in the child (src/client/io.c,
 * zc_port_fork_generation()): parent and child draw different tokens. Without
 * the check both take the same next 12 bytes of the inherited pool.
 */
static void test_random_pool_after_fork(void **state)
{
	static struct coap_client c;
	uint8_t mine[12];
	uint8_t childs[12];
	int p[2];
	int status;
	pid_t pid;

	(void)state;
	memset(&c, 0, sizeof(c));
	zc_client_io.random(&c, mine, sizeof(mine)); /* fills the pool */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t b[12];

		zc_client_io.random(&c, b, sizeof(b));
		_exit(write(p[1], b, sizeof(b)) == (ssize_t)sizeof(b) ? 0 : 1);
	}
	zc_client_io.random(&c, mine, sizeof(mine));
	assert_int_equal(read(p[0], childs, sizeof(childs)), (ssize_t)sizeof(childs));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(mine, childs, sizeof(mine));
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_timers_without_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_process_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_callback_resubmits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_callback_cancel_and_deinit, setup, teardown),
	    cmocka_unit_test(test_thread_mode_refused),
	    cmocka_unit_test_setup_teardown(test_other_thread_wakes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deinit_while_processing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linger_duplicate_closed_late, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nested_loops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deferred_send_bytes, setup, teardown),
	    cmocka_unit_test(test_random_pool_hands_out_once),
	    cmocka_unit_test(test_random_pool_after_fork),
	    cmocka_unit_test_setup_teardown(test_nested_info, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linger_close_in_callback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_admits_new_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_deadline_moves_earlier, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_idle_socket_leaves, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_next_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_idle_set_compacts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trace_switch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
