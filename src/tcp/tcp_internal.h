/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tcp_internal.h -- what the files of the CoAP-over-TCP client share:
 * client.c (the API), loop.c (the loop's round: receive thread and
 * manual mode), manual.c (event-loop mode's API), rx.c (handling what was
 * read), request.c (building requests) and stream.c (the socket calls, the only OS calls of
 * src/tcp/).
 */
#ifndef ZC_TCP_INTERNAL_H
#define ZC_TCP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap_client_tcp.h"
#include "port/port.h"

/* ---- stream.c: socket calls ---------------------------------------------- */

/**
 * socket(), the configuration callback, a send timeout of @p send_timeout_ms
 * (SO_SNDTIMEO), then connect(): blocking when @p in_progress is NULL; else
 * on a non-blocking socket, and *in_progress tells whether it is still under
 * way (EINPROGRESS: the socket turns writable when it ends; SO_ERROR says
 * how). The descriptor or -errno.
 */
int zc_tcp_sock_connect(const struct sockaddr *addr, socklen_t addrlen,
			coap_client_tcp_socket_config_cb_t cfg, void *cfg_user_data,
			uint32_t send_timeout_ms, bool *in_progress);
/**
 * TLS handshake on the connected @p fd (blocking); *tls is the session. 0 or
 * -errno, with the sentence of the failure in @p why (@p n bytes).
 */
int zc_tcp_tls_open(int fd, const struct zcoap_dtls_config *cfg, void **tls, char *why, size_t n);
/**
 * Event-loop mode: a TLS session on the non-blocking @p fd, no I/O yet
 * (zc_tls_start()); *timeout_ms bounds its handshake. 0 or -errno (and @p why).
 */
int zc_tcp_tls_start(int fd, const struct zcoap_dtls_config *cfg, void **tls, uint32_t *timeout_ms,
		     char *why, size_t n);
/** "@p what: " and the text of @p err (zcoap_strerror()) in @p why. */
void zc_tcp_errno_text(const char *what, int err, char *why, size_t n);
/** The TLS session's failure (handshake step, send, receive): -errno and its sentence, or 0. */
int zc_tcp_tls_error(const void *tls, char *why, size_t n);
/**
 * Record why the connection attempt or the connection failed, for
 * zcoap_client_tcp_last_error(): @p err with the sentence @p text (lock held).
 */
void zc_tcp_note_error_locked(struct coap_client_tcp *c, int err, const char *text);
/** When the connection's TLS session failed: record @p err with the session's sentence. */
void zc_tcp_note_tls_error_locked(struct coap_client_tcp *c, int err);
/** Step that handshake: 0 done, -EAGAIN wait (for writability when *want_write), -errno. */
int zc_tcp_tls_step(void *tls, bool *want_write);
/** Write all of @p buf (partial writes are continued; through @p tls when not NULL). 0 or -errno.
 */
int zc_tcp_sock_send_all(int fd, void *tls, const uint8_t *buf, size_t len);
/** One non-blocking read: bytes read, -EAGAIN for none, -ECONNRESET at end of stream, -errno. */
long zc_tcp_sock_recv(int fd, void *tls, uint8_t *buf, size_t cap);
/** TLS holds decrypted bytes not read yet (poll() would not see them). */
bool zc_tcp_sock_pending(const void *tls);
/** Shut down both directions (wakes a poll() on it). */
void zc_tcp_sock_shutdown(int fd);
/** End the TLS session (if any: close_notify), shut down and close(). */
void zc_tcp_sock_close(int fd, void *tls);

/* ---- request.c ------------------------------------------------------------ */

/** Block size in bytes of an SZX (7: a BERT unit, 1024). */
static inline uint32_t zc_tcp_szx_bytes(uint8_t szx)
{
	return szx >= 6 ? 1024U : 16U << szx;
}

/**
 * Build the next message of slot @p s in client->send_buf and send it
 * (lock held): the request itself, a Block1 block at s->up_offset
 * (@p chunk, @p chunk_len, s->up_last) or a Block2 continuation.
 * @retval 0 Sent. @retval -EMSGSIZE Too big for the buffer or the server.
 * @retval other A send error: the connection is shut down (the thread ends it).
 */
int zc_tcp_send_request(struct coap_client_tcp *c, struct zcoap_tcp_slot *s, const uint8_t *chunk,
			size_t chunk_len);

/**
 * Whether an open request of @p c uses the token at @p cand (8 bytes) as its
 * token or as the token of its Block2 continuation; the field @p cand points
 * into is not compared (lock held).
 */
bool zc_tcp_token_in_use(const struct coap_client_tcp *c, const uint8_t *cand);

/** Send a built message (lock held). On a send error the connection is shut down. */
int zc_tcp_send_pkt(struct coap_client_tcp *c, const struct coap_packet *pkt);

/**
 * Send @p pkt (which ends with the payload marker) followed by @p extra_len
 * payload bytes at @p extra, as one message (lock held).
 */
int zc_tcp_send_pkt_extra(struct coap_client_tcp *c, const struct coap_packet *pkt,
			  const uint8_t *extra, size_t extra_len);

/* Most 1024-byte units in one BERT upload block (64 KiB). */
#define ZC_TCP_BERT_UP_MAX_UNITS 64U

/**
 * BERT uploads (RFC 8323 §6): the 1024-byte units one Block1 block may carry
 * with the server's CSM (Block-Wise-Transfer and its Max-Message-Size), or 0
 * when BERT is not possible (lock held).
 */
unsigned int zc_tcp_bert_up_units(const struct coap_client_tcp *c);

/** Bytes of the next Block1 block of @p s (lock held). */
size_t zc_tcp_up_room(const struct coap_client_tcp *c, const struct zcoap_tcp_slot *s);

/**
 * The Block1 chunk of @p s at s->up_offset (lock NOT held: may call the
 * payload callback): sets *chunk, *len and s->up_last.
 */
int zc_tcp_upload_chunk(struct zcoap_tcp_slot *s, size_t room, const uint8_t **chunk, size_t *len,
			bool *last);

/* ---- rx.c ------------------------------------------------------------------- */

/**
 * Feed @p got bytes of c->chunk, read from connection @p conn_gen, to the
 * decoder and handle the messages they complete (lock held; released
 * during callbacks).
 */
void zc_tcp_consume(struct coap_client_tcp *c, uint32_t conn_gen, size_t got);

/** A failed request to report once the lock is released. */
struct zc_tcp_failure {
	coap_client_tcp_response_cb_t cb;
	void *user_data;
	int err;
};

/**
 * End every open request with @p err (lock held): frees the slots and
 * fills @p out (ZCOAP_CONFIG_MAX_REQUESTS entries). Returns the count.
 */
unsigned int zc_tcp_fail_all(struct coap_client_tcp *c, int err, struct zc_tcp_failure *out);

/**
 * Run the final callbacks of failures (lock held; released while they run,
 * held again on return; loop.c). Called from another thread than the loop
 * thread, it first waits until the receive thread is not running a callback
 * of one of these requests: the final callback, where applications free
 * user_data, is the last one of its request (as for the UDP client,
 * docs/design/threading.md).
 */
void zc_tcp_report_locked(struct coap_client_tcp *c, const struct zc_tcp_failure *f,
			  unsigned int n);

/**
 * RFC 7641 §3.6: tell the server that the client ends observation @p s
 * itself, as a cancel does (TCP has no RST to refuse the next notification
 * with): a deregistration (Observe = 1, the registration's token) is sent
 * when @p s is observing and connected; its answer matches nothing once the
 * caller frees the slot (lock held).
 */
void zc_tcp_deregister_locked(struct coap_client_tcp *c, struct zcoap_tcp_slot *s);

/** End the connection (lock held): shut down, close, forget; fails every request with @p err. */
unsigned int zc_tcp_drop_connection(struct coap_client_tcp *c, int err, struct zc_tcp_failure *out);

/* ---- client.c ----------------------------------------------------------------- */

/** What coap_client_tcp_init() and zcoap_client_tcp_init_manual() share: all but the thread. */
int zc_tcp_init_common(struct coap_client_tcp *client, bool manual);

/* ---- loop.c: one round of the loop (receive thread and manual mode) -------- */

/** The receive thread's body. */
void zc_tcp_thread(void *arg);

/** A client whose loop the calling thread runs (on its stack). */
struct zc_tcp_loop_frame {
	struct coap_client_tcp *client;
	struct zc_tcp_loop_frame *next;
};

/** Make the calling thread @p c's loop thread until zc_tcp_loop_leave() (innermost first). */
void zc_tcp_loop_enter(struct zc_tcp_loop_frame *f, struct coap_client_tcp *c);
void zc_tcp_loop_leave(const struct zc_tcp_loop_frame *f);
/** Whether the calling thread runs @p c's loop (its receive thread, or inside a loop call). */
bool zc_tcp_loop_is_self(const struct coap_client_tcp *c);

/**
 * End the requests (with -ETIMEDOUT) and the connect under way whose
 * deadline passed (lock held; released during the callbacks). Returns the
 * milliseconds to the next deadline (-1: none; 0: look again).
 */
int zc_tcp_expire_locked(struct coap_client_tcp *c);

/** Milliseconds to the next deadline without expiring anything (-1: none; 0: due). */
int zc_tcp_round_timeout_locked(const struct coap_client_tcp *c);

/** What a round waits for: the wake-up object, and the connection when there is one. */
struct zc_tcp_round {
	struct zc_port_pollfd pfd[2];
	unsigned int n;    /* entries of pfd in use */
	int timeout;       /* ms, -1: none */
	int fd;            /* the connection polled (pfd[1]), -1: none */
	uint32_t conn_gen; /* ... and its generation */
};

/** Set up a round (lock held) with @p timeout (0 when TLS holds bytes already). */
void zc_tcp_round_prepare_locked(struct coap_client_tcp *c, struct zc_tcp_round *r, int timeout);

/**
 * Handle what the round's wait saw (lock held; released during callbacks):
 * drain the wake-up object, complete a connect under way, or read the
 * connection once and handle what arrived. Ignores a connection that was
 * closed or replaced meanwhile.
 */
void zc_tcp_round_dispatch_locked(struct coap_client_tcp *c, const struct zc_tcp_round *r);

#endif /* ZC_TCP_INTERNAL_H */
