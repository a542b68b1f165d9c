/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tcp_peer.h -- a scripted CoAP-over-TCP server for the tests: a thread that
 * listens on an ephemeral loopback port, accepts connections one after the
 * other, decodes frames and hands each to the test's handler.
 */
#ifndef ZCOAP_TEST_TCP_PEER_H
#define ZCOAP_TEST_TCP_PEER_H

#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include "coap.h"

struct tcp_peer;

/** Called on the peer thread for each frame (pkt in RFC 7252 shape). Return false to hang up. */
typedef bool (*tcp_peer_handler)(struct tcp_peer *p, const struct coap_packet *pkt);

struct tcp_peer {
	int lfd;
	int cfd;
	struct sockaddr_in addr;
	pthread_t thread;
	tcp_peer_handler handler;
	void *ctx;
	sem_t frame_sem;      /* posted after each handled frame */
	sem_t closed_sem;     /* posted when a connection ended */
	pthread_mutex_t lock; /* frames, first_code, codes, cfd, stop */
	unsigned int frames;
	uint8_t first_code; /* code of the first frame of the last connection */
	uint8_t codes[64];  /* codes of the frames of all connections, in order */
	bool stop;
	uint8_t tx[8192]; /* the peer thread's send buffer (tcp_peer_msg()) */
};

/** Start the peer thread (listening on 127.0.0.1, a free port). */
void tcp_peer_start(struct tcp_peer *p, tcp_peer_handler handler, void *ctx);
/** Stop it (closes the sockets, joins the thread). */
void tcp_peer_stop(struct tcp_peer *p);

/** Start a message in p->tx (token of @p pkt when @p reply_to is not NULL). */
void tcp_peer_msg(struct tcp_peer *p, struct coap_packet *out, uint8_t code,
		  const struct coap_packet *reply_to);
/** Seal and write a message, in pieces of @p piece bytes (0: at once). */
void tcp_peer_send(struct tcp_peer *p, const struct coap_packet *out, size_t piece);
/** Write raw bytes. */
void tcp_peer_write(struct tcp_peer *p, const void *data, size_t len);
/** Send the peer's CSM (Max-Message-Size @p mms, Block-Wise-Transfer when @p bwt). */
void tcp_peer_csm(struct tcp_peer *p, uint32_t mms, bool bwt);
/** Hang up the current connection (from the handler: return false instead). */
void tcp_peer_hangup(struct tcp_peer *p);

/** Frames handled so far (all connections). */
unsigned int tcp_peer_frames(struct tcp_peer *p);
/** Code of frame @p i (0 when beyond the record). */
uint8_t tcp_peer_code(struct tcp_peer *p, unsigned int i);
/** Code of the first frame of the last connection. */
uint8_t tcp_peer_first_code(struct tcp_peer *p);

/** Frames handled so far (all connections). */
unsigned int tcp_peer_frames(struct tcp_peer *p);
/** Code of frame @p i (0 when beyond the record). */
uint8_t tcp_peer_code(struct tcp_peer *p, unsigned int i);
/** Code of the first frame of the last connection. */
uint8_t tcp_peer_first_code(struct tcp_peer *p);

/**
 * Wait until something accepts TCP connections on @p addr (a server child
 * process that answers on UDP may not have its TCP listener yet, or could
 * not bind the TCP port because another process holds it: the servers'
 * ports are probed with UDP only): up to 5 s of attempts, 10 ms apart.
 * 0 when it does, -1 when it never did (start the server again).
 */
int tcp_wait_listening(const struct sockaddr_in *addr);

/** sem_wait bounded by 20 s (a test guard against hangs, not a timing assertion). */
int tcp_wait(sem_t *s);

#endif
