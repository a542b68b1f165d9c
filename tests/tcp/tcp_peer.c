/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tcp_peer.c -- the scripted CoAP-over-TCP server of the tests (tcp_peer.h).
 * It decodes the stream with the library's unit-tested decoder.
 */
#include "tcp_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcp/frame.h"

int tcp_wait(sem_t *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	while (sem_timedwait(s, &ts) != 0) {
		if (errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

int tcp_wait_listening(const struct sockaddr_in *addr)
{
	for (int i = 0; i < 500; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int r;

		if (fd < 0) {
			return -1;
		}
		r = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
		close(fd);
		if (r == 0) {
			return 0;
		}
		poll(NULL, 0, 10); /* retry a refused connection */
	}
	return -1;
}

void tcp_peer_write(struct tcp_peer *p, const void *data, size_t len)
{
	const uint8_t *b = data;
	int fd;

	pthread_mutex_lock(&p->lock);
	fd = p->cfd;
	pthread_mutex_unlock(&p->lock);
	while (len > 0) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n <= 0) {
			return;
		}
		b += n;
		len -= (size_t)n;
	}
}

void tcp_peer_msg(struct tcp_peer *p, struct coap_packet *out, uint8_t code,
		  const struct coap_packet *reply_to)
{
	uint8_t tok[8];
	uint8_t tkl = 0;

	if (reply_to != NULL) {
		tkl = coap_header_get_token(reply_to, tok);
	}
	if (zc_tcp_msg_init(out, p->tx, sizeof(p->tx), code, tok, tkl) != 0) {
		abort();
	}
}

void tcp_peer_send(struct tcp_peer *p, const struct coap_packet *out, size_t piece)
{
	const uint8_t *frame;
	size_t len;

	if (zc_tcp_frame_seal(out, &frame, &len) != 0) {
		abort();
	}
	if (piece == 0) {
		piece = len;
	}
	for (size_t off = 0; off < len; off += piece) {
		tcp_peer_write(p, frame + off, len - off < piece ? len - off : piece);
	}
}

void tcp_peer_csm(struct tcp_peer *p, uint32_t mms, bool bwt)
{
	struct coap_packet out;

	if (zc_tcp_build_csm(&out, p->tx, sizeof(p->tx), mms, bwt) != 0) {
		abort();
	}
	tcp_peer_send(p, &out, 0);
}

void tcp_peer_hangup(struct tcp_peer *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->cfd >= 0) {
		shutdown(p->cfd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&p->lock);
}

unsigned int tcp_peer_frames(struct tcp_peer *p)
{
	unsigned int n;

	pthread_mutex_lock(&p->lock);
	n = p->frames;
	pthread_mutex_unlock(&p->lock);
	return n;
}

uint8_t tcp_peer_code(struct tcp_peer *p, unsigned int i)
{
	uint8_t c;

	pthread_mutex_lock(&p->lock);
	c = i < sizeof(p->codes) ? p->codes[i] : 0;
	pthread_mutex_unlock(&p->lock);
	return c;
}

uint8_t tcp_peer_first_code(struct tcp_peer *p)
{
	uint8_t c;

	pthread_mutex_lock(&p->lock);
	c = p->first_code;
	pthread_mutex_unlock(&p->lock);
	return c;
}

static void serve(struct tcp_peer *p, int cfd)
{
	static uint8_t rx[ZCOAP_TCP_RX_HEADROOM + 70000];
	struct zcoap_tcp_stream s;
	uint8_t buf[1500];
	bool first = true;

	zc_tcp_stream_init(&s, rx, 70000, 70016);
	for (;;) {
		ssize_t n = recv(cfd, buf, sizeof(buf), 0);
		size_t pos = 0;

		if (n <= 0) {
			return;
		}
		while (pos < (size_t)n) {
			bool complete;
			long r = zc_tcp_stream_feed(&s, buf + pos, (size_t)n - pos, &complete);
			struct coap_packet pkt;
			bool go_on;

			if (r < 0) {
				return;
			}
			pos += (size_t)r;
			if (!complete) {
				continue;
			}
			if (zc_tcp_stream_packet(&s, &pkt) != 0) {
				return;
			}
			go_on = p->handler(p, &pkt);
			pthread_mutex_lock(&p->lock);
			if (first) {
				p->first_code = coap_header_get_code(&pkt);
				first = false;
			}
			if (p->frames < sizeof(p->codes)) {
				p->codes[p->frames] = coap_header_get_code(&pkt);
			}
			p->frames++;
			pthread_mutex_unlock(&p->lock);
			sem_post(&p->frame_sem);
			if (!go_on) {
				return;
			}
			zc_tcp_stream_next(&s);
		}
	}
}

static void *peer_main(void *arg)
{
	struct tcp_peer *p = arg;

	for (;;) {
		int fd = accept(p->lfd, NULL, NULL);
		bool stop;

		if (fd < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		pthread_mutex_lock(&p->lock);
		p->cfd = fd;
		stop = p->stop;
		pthread_mutex_unlock(&p->lock);
		if (!stop) {
			serve(p, fd);
		}
		pthread_mutex_lock(&p->lock);
		shutdown(fd, SHUT_RDWR);
		close(fd);
		p->cfd = -1;
		pthread_mutex_unlock(&p->lock);
		sem_post(&p->closed_sem);
	}
	return NULL;
}

void tcp_peer_start(struct tcp_peer *p, tcp_peer_handler handler, void *ctx)
{
	socklen_t alen = sizeof(p->addr);
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->handler = handler;
	p->ctx = ctx;
	p->cfd = -1;
	sem_init(&p->frame_sem, 0, 0);
	sem_init(&p->closed_sem, 0, 0);
	pthread_mutex_init(&p->lock, NULL);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&p->addr, sizeof(p->addr)) != 0 ||
	    listen(p->lfd, 4) != 0 ||
	    getsockname(p->lfd, (struct sockaddr *)&p->addr, &alen) != 0) {
		perror("tcp_peer_start");
		abort();
	}
	pthread_create(&p->thread, NULL, peer_main, p);
}

void tcp_peer_stop(struct tcp_peer *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	shutdown(p->lfd, SHUT_RDWR);
	if (p->cfd >= 0) {
		shutdown(p->cfd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	close(p->lfd);
	sem_destroy(&p->frame_sem);
	sem_destroy(&p->closed_sem);
}
