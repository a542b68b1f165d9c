/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * coap_client_tcp.h -- the CoAP-over-TCP client API of Zephyr's
 * <zephyr/net/coap_client_tcp.h> (RFC 8323) for POSIX systems.
 */

/**
 * @file
 * @brief Asynchronous CoAP client over TCP (RFC 8323).
 *
 * Usage:
 * @code
 * static struct coap_client_tcp client;
 * struct coap_client_tcp_request req = {
 *         .method = COAP_METHOD_GET, .path = "time", .cb = on_response,
 * };
 * coap_client_tcp_init(&client, NULL);
 * coap_client_tcp_connect(&client, (struct sockaddr *)&server, sizeof(server), IPPROTO_TCP);
 * coap_client_tcp_req(&client, &req);
 * ...
 * coap_client_tcp_close(&client);
 * zcoap_client_tcp_deinit(&client);
 * @endcode
 *
 * Unlike the UDP client, the client creates and owns its socket:
 * coap_client_tcp_connect() opens a TCP connection, sends the client's CSM
 * (RFC 8323 §5.3) and starts reading. A receive thread (started by
 * coap_client_tcp_init()) reads the byte stream, matches responses to
 * requests by token, answers Ping with Pong and reports the server's CSM,
 * Pong, Release and Abort through the event callback
 * (coap_client_tcp_set_event_cb()). Callbacks run on that thread with no
 * library lock held; every function may be called from inside a callback.
 * zcoap_client_tcp_init_manual() (zcoap_loop_tcp.h) starts no thread
 * instead: the application's own loop drives the client (event-loop mode).
 *
 * A request ends with exactly one callback whose @c last_block is true: the
 * response, or a negative errno in @c result_code (docs/errors.md; the
 * connection was lost: -ECONNRESET or the socket's error; the server sent
 * Abort: -ECONNABORTED; no response in time: -ETIMEDOUT; cancelled or
 * closed: -ECANCELED; the server sent a malformed message: -EBADMSG).
 * Observations (Observe = 0 in the extra options) stay open and get one
 * callback with @c last_block true per notification until the server ends
 * them, the connection ends or they are cancelled (a cancelled observation
 * is deregistered with Observe = 1). The callbacks of cancelled requests
 * run on the thread that cancelled them.
 *
 * Memory: everything lives in the caller's struct coap_client_tcp, sized at
 * compile time by zcoap_config.h. No heap memory is used.
 *
 * CoAP over TLS (coaps+tcp): set the credentials' security tags with
 * zcoap_client_tcp_set_tls_config() (the store of zcoap_dtls.h), then
 * connect with IPPROTO_TLS_1_2; the handshake runs in
 * coap_client_tcp_connect() (in event-loop mode: in the loop).
 *
 * Block-wise transfers use BERT (RFC 8323 §6) when both CSMs allow it:
 * downloads with coap_client_tcp_option_initial_block2(), uploads by
 * themselves once the server's CSM has arrived (blocks of k x 1024 bytes
 * that fit its Max-Message-Size). A Block1 option in a request's options
 * asks for uploads in blocks of its SZX instead, at most
 * ZCOAP_CONFIG_BLOCK_SIZE and never BERT (zcoap extension).
 *
 * Responses longer than the receive buffer (ZCOAP_CONFIG_TCP_MESSAGE_SIZE),
 * up to the Max-Message-Size the client advertises
 * (ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE; over TLS
 * ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE), are streamed: the callback gets
 * their payload in pieces, with @c offset rising and @c last_block on the
 * last piece only, as for block-wise bodies (docs/design/tcp.md). A request
 * carries Block2 only when its options do, so a server may send a body whole.
 */

#ifndef ZCOAP_COAP_CLIENT_TCP_H
#define ZCOAP_COAP_CLIENT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap.h"
#include "coap_client.h"
#include "zcoap_config.h"
#include "zcoap_dtls.h"
#include "zcoap_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Zephyr's protocol number of TLS 1.2 sockets (the @c proto of a coaps+tcp connection). */
#ifndef IPPROTO_TLS_1_2
#define IPPROTO_TLS_1_2 258
#endif

/** Maximum size of a CoAP TCP message (Zephyr's name): header room plus payload room. */
#define MAX_COAP_TCP_MSG_LEN (ZCOAP_CONFIG_MESSAGE_HEADER_SIZE + ZCOAP_CONFIG_MESSAGE_SIZE)

/** Response data handed to a coap_client_tcp_response_cb_t. */
struct coap_client_tcp_response_data {
	/** The response code (e.g. 0x45 for 2.05), or a negative errno on failure. */
	int16_t result_code;
	/**
	 * The response, NULL for an error. It is shown in the RFC 7252 shape
	 * (4-byte header with type and message ID 0, which TCP does not have),
	 * so every reader of coap.h and zcoap_option.h works on it. Valid
	 * during the callback only. For a piece of a streamed response: the
	 * message's header and options with this piece as its payload.
	 */
	const struct coap_packet *packet;
	/** Offset of @c payload in the whole (block-wise or streamed) body. */
	size_t offset;
	/** Payload bytes, NULL when empty. */
	const uint8_t *payload;
	/** Length of @c payload. */
	size_t payload_len;
	/** The last callback of the response (of a notification, for observations). */
	bool last_block;
};

/** Response callback. */
typedef void (*coap_client_tcp_response_cb_t)(const struct coap_client_tcp_response_data *data,
					      void *user_data);

/**
 * Payload callback of a block-wise upload: give the bytes at @p offset.
 * @p len holds the most bytes wanted on input and the bytes given on output;
 * set *last_block when they end the body. A negative return aborts the
 * upload (the request ends with that error).
 */
typedef int (*coap_client_tcp_payload_cb_t)(size_t offset, const uint8_t **payload, size_t *len,
					    bool *last_block, void *user_data);

/** Called with the new socket before it connects (e.g. to set socket options). */
typedef int (*coap_client_tcp_socket_config_cb_t)(int fd, void *user_data);

struct coap_client_tcp;

/** Signalling events (RFC 8323 §5). */
enum coap_client_tcp_event {
	/** The server's CSM arrived (its Max-Message-Size and Block-Wise-Transfer are in force). */
	COAP_CLIENT_TCP_EVENT_CSM_UPDATED,
	/** A Pong answered coap_client_tcp_ping(). */
	COAP_CLIENT_TCP_EVENT_PONG_RECEIVED,
	/** The server released the connection (7.04). */
	COAP_CLIENT_TCP_EVENT_RELEASE,
	/** The server aborted the connection (7.05). */
	COAP_CLIENT_TCP_EVENT_ABORT,
};

/** Data of a signalling event. */
union coap_client_tcp_event_data {
	/** COAP_CLIENT_TCP_EVENT_RELEASE. */
	struct {
		/** Alternative-Address (NUL-terminated copy), NULL when absent. */
		const char *alt_addr;
		/** Hold-Off in seconds, 0 when absent. */
		uint32_t hold_off_sec;
	} release;
	/** COAP_CLIENT_TCP_EVENT_ABORT. */
	struct {
		/** Bad-CSM-Option, 0 when absent. */
		uint16_t bad_csm_option;
	} abort;
};

/** Event callback (runs on the receive thread; @p data may be NULL). */
typedef void (*coap_client_tcp_event_cb_t)(struct coap_client_tcp *client,
					   enum coap_client_tcp_event event,
					   const union coap_client_tcp_event_data *data,
					   void *user_data);

/** An extra option of a request. */
struct coap_client_tcp_option {
	uint16_t code;     /**< Option number */
	uint8_t len;       /**< Value length */
	uint8_t value[12]; /**< Value */
};

/** @cond INTERNAL_HIDDEN */
#define MAX_TCP_PATH_SIZE     (ZCOAP_CONFIG_MAX_PATH_LEN + 1)
#define MAX_TCP_EXTRA_OPTIONS ZCOAP_CONFIG_MAX_EXTRA_OPTIONS
/** @endcond */

/** A request. */
struct coap_client_tcp_request {
	enum coap_method method;                 /**< Method */
	char path[MAX_TCP_PATH_SIZE];            /**< Resource path */
	enum coap_content_format fmt;            /**< Content-Format of payload */
	const uint8_t *payload;                  /**< Body (or NULL) */
	size_t len;                              /**< Body length */
	coap_client_tcp_payload_cb_t payload_cb; /**< Body by blocks (or NULL) */
	coap_client_tcp_response_cb_t cb;        /**< Response callback */
	struct coap_client_tcp_option options[MAX_TCP_EXTRA_OPTIONS]; /**< Extra options */
	uint8_t num_options;                                          /**< Extra options used */
	void *user_data; /**< Passed to the callbacks */
};

/** @cond INTERNAL_HIDDEN */
/* Storage layout, not API: field names and layout change freely. */

/* Bytes kept free before a received message, for its RFC 7252-shaped header. */
#define ZCOAP_TCP_RX_HEADROOM 12
/* Bytes kept free before a message being built, for the longer TCP header. */
#define ZCOAP_TCP_TX_HEADROOM 2
/** Room for the sentence of zcoap_client_tcp_last_error(), its NUL included. */
#define ZCOAP_CLIENT_TCP_ERROR_LEN 200

/* The RFC 8323 stream decoder (src/tcp/frame.c). */
struct zcoap_tcp_stream {
	uint8_t *buf;      /* ZCOAP_TCP_RX_HEADROOM + cap bytes; the body lands after the room */
	uint32_t cap;      /* most body bytes (options and payload) accepted */
	uint32_t body_len; /* body length of the frame being read */
	uint32_t got;      /* body bytes read */
	uint8_t state;     /* which field comes next */
	uint8_t ext_need;  /* Extended Length bytes of this frame (0, 1, 2, 4) */
	uint8_t ext_got;
	uint8_t len_nibble;
	uint32_t ext;
	uint8_t code;
	uint8_t tkl;
	uint8_t tok_got;
	uint8_t token[COAP_TOKEN_MAX_LEN];
	/*
	 * Streamed reception (a body over cap, docs/design/tcp.md): the options
	 * stay at the start of buf, the payload passes through the rest of it.
	 */
	uint32_t max_msg;   /* longest frame accepted (the Max-Message-Size advertised) */
	uint32_t head_len;  /* options and payload marker at the start of buf */
	uint32_t piece_off; /* payload offset of the piece in buf */
	uint32_t piece_len; /* payload bytes in buf after the head */
	bool streamed;      /* this frame's body is over cap: its payload comes in pieces */
	bool oversize;      /* ... and its options do not fit cap: the frame is skipped */
};

struct zcoap_tcp_slot {
	struct coap_client_tcp_request req; /* the caller's request, copied */
	uint32_t gen;                       /* changes whenever the slot is taken or freed */
	int64_t deadline;                   /* answer due (ms, port clock); INT64_MAX: none */
	size_t offset;                      /* response body bytes delivered */
	size_t up_offset;                   /* request body bytes sent (Block1) */
	size_t up_len;                      /* bytes of the Block1 block in flight */
	uint32_t b2_num;                    /* next Block2 number to ask for */
	uint8_t b2_szx;                     /* its SZX (7: BERT) */
	uint8_t b1_szx;                     /* SZX of the upload */
	uint8_t tkl;
	uint8_t token[COAP_TOKEN_MAX_LEN];
	/*
	 * The token of the Block2 continuation in flight (fresh for each one,
	 * RFC 7959 §2.4, RFC 8323 §7): the answer to a continuation of a body
	 * that a newer notification superseded matches nothing any more.
	 */
	uint8_t ctkl; /* 0: none */
	uint8_t ctoken[COAP_TOKEN_MAX_LEN];
	uint16_t cseq;    /* continuations drawn (keeps them apart without randomness) */
	uint8_t etag_len; /* the ETag of the body's first block (RFC 7959 §2.4) */
	uint8_t etag[8];
	bool used;
	bool observe;    /* registered an observation (Observe = 0 on GET) */
	bool observing;  /* a notification arrived: no response deadline any more */
	bool in_body;    /* a Block2 body is being fetched */
	bool up_last;    /* the Block1 block in flight is the last */
	bool uploading;  /* a Block1 upload is under way */
	bool deregister; /* build the request as an Observe = 1 deregistration */
};
/** @endcond */

/**
 * The client instance. Allocate it (statically or not) and pass it to
 * coap_client_tcp_init(); its members are internal.
 */
struct coap_client_tcp {
	/** @cond INTERNAL_HIDDEN */
	struct zcoap_port_mutex lock; /* everything below, and writing to the stream */
	struct zcoap_port_thread thread;
	struct zcoap_port_wake wake;
	/*
	 * The response callback the receive thread is running (lock released),
	 * and the condition it signals when it returns: another thread that
	 * ends that request waits for it before running the final callback.
	 */
	struct zcoap_port_cond cb_cond;
	coap_client_tcp_response_cb_t running_cb;
	void *running_ud;
	int fd;       /* the connection, -1 when none */
	void *tls;    /* its TLS session (src/transport/tls/), NULL for plain TCP */
	int send_err; /* the error that made a write shut the connection down */
	bool tls_set; /* tls_cfg holds a configuration */
	struct zcoap_dtls_config tls_cfg;
	zcoap_sec_tag_t tls_tags[ZCOAP_DTLS_MAX_SEC_TAGS];
	char tls_host[256];
	uint32_t conn_gen; /* counts connections: a stale error does not end a new one */
	bool initialised;
	bool stop;
	bool connected;
	bool peer_csm;       /* the server's CSM arrived */
	bool peer_bwt;       /* ... with Block-Wise-Transfer */
	bool ping_pending;   /* a Ping is waiting for its Pong */
	bool released;       /* the server sent Release: no new requests */
	uint32_t peer_mms;   /* the server's Max-Message-Size (1152 until its CSM) */
	uint32_t timeout_ms; /* answer deadline of a request (zcoap_client_tcp_set_timeout()) */
	coap_client_tcp_event_cb_t event_cb;
	void *event_cb_user_data;
	coap_client_tcp_socket_config_cb_t socket_config_cb;
	void *socket_config_cb_user_data;
	struct zcoap_tcp_slot requests[ZCOAP_CONFIG_MAX_REQUESTS];
	struct zcoap_tcp_stream stream;
	char alt_addr[256]; /* NUL-terminated Alternative-Address of the last Release */
	/* Event-loop mode (include/zcoap_loop_tcp.h; src/tcp/loop.c, src/tcp/manual.c). */
	bool manual;            /* zcoap_client_tcp_init_manual(): no receive thread */
	bool processing;        /* a loop call is under way (one thread at a time) */
	bool connecting;        /* a non-blocking connect on fd is under way (TCP, then TLS) */
	bool handshaking;       /* ... its TCP part is done, the TLS handshake is under way */
	bool hs_want_write;     /* ... and waits for writability (else readability) */
	uint32_t hs_timeout_ms; /* ... bounded by this (the TLS configuration's) */
	bool polling;           /* a loop sleeps on the set (process(), or after get_fds()) */
	int conn_err;           /* why the last connect attempt failed; 0: none */
	int last_err;           /* zcoap_client_tcp_last_error(): the failure, 0: none */
	char last_text[ZCOAP_CLIENT_TCP_ERROR_LEN]; /* ... and its sentence */
	int64_t connect_deadline; /* the connect under way fails with -ETIMEDOUT then */
	uint32_t loop_callbacks;  /* callbacks run by the loop thread, counted */
	/* Streamed reception (src/tcp/rx.c): the Max-Message-Size set (0: the defaults), */
	uint32_t mms_set;
	/* ... and the request the pieces of a frame go to. */
	struct zcoap_tcp_slot *rx_slot; /* NULL: the rest of the frame is dropped */
	uint32_t rx_gen;                /* the slot's generation then */
	size_t rx_base;                 /* response-body offset of the frame's payload */
	bool rx_more;                   /* a Block2 continuation follows its last piece */
	bool rx_final;                  /* the request ends with its last piece */
	uint8_t
	    chunk[MAX_COAP_TCP_MSG_LEN]; /* one recv() (sizes recorded in zcoap_build_config.h) */
	uint8_t send_buf[ZCOAP_TCP_TX_HEADROOM + MAX_COAP_TCP_MSG_LEN];
	/* one message, or the options and a piece of payload of a longer (streamed) one */
	uint8_t recv_buf[ZCOAP_TCP_RX_HEADROOM + ZCOAP_CONFIG_TCP_MESSAGE_SIZE];
	/** @endcond */
};

/**
 * Initialise a client and start its receive thread (named @p info, or
 * ZCOAP_CONFIG_THREAD_NAME when NULL).
 * @retval 0 Success.
 * @retval -EINVAL @p client is NULL.
 * @retval -EALREADY Already initialised.
 * @retval -EAGAIN The thread or wake-up object could not be created.
 */
ZCOAP_API int coap_client_tcp_init(struct coap_client_tcp *client, const char *info);

/**
 * Open a connection to @p addr, send the client's CSM and start reading.
 * Blocks until the TCP connection (and the TLS handshake) is done or fails;
 * in event-loop mode (zcoap_loop_tcp.h) it returns 0 at once and the loop
 * completes the connect and the TLS handshake (zcoap_client_tcp_conn_state()
 * then gives the failures listed under "other"); only the configuration's
 * errors (-EINVAL, -ENOENT, -EAGAIN) come from the call itself.
 * A connection already open is closed first, as coap_client_tcp_close() does.
 * @param proto IPPROTO_TCP (coap+tcp), or IPPROTO_TLS_1_2 (coaps+tcp, TLS 1.2
 *        with ALPN "coap", with the configuration of zcoap_client_tcp_set_tls_config()).
 * @retval 0 Connected.
 * @retval -EINVAL Bad arguments, or the client is not initialised.
 * @retval -EISCONN Another thread connected the client meanwhile.
 * @retval -EPROTONOSUPPORT @p proto is neither, or TLS in a build without Mbed TLS.
 * @retval -EINVAL TLS without a configuration, or with unusable credentials.
 * @retval other The negative errno of socket() or connect(), of the socket configuration
 *         callback, or a TLS handshake failure as for DTLS (-ETIMEDOUT, -EACCES,
 *         -EKEYREJECTED, -EKEYEXPIRED, -ECONNABORTED, -ENOENT; docs/errors.md).
 */
ZCOAP_API int coap_client_tcp_connect(struct coap_client_tcp *client, const struct sockaddr *addr,
				      socklen_t addrlen, int proto);

/**
 * Close the connection. Every open request ends with -ECANCELED.
 * @retval 0 Closed.
 * @retval -EINVAL @p client is NULL or not initialised.
 * @retval -ENOTCONN Not connected.
 */
ZCOAP_API int coap_client_tcp_close(struct coap_client_tcp *client);

/**
 * Send a request. The request is copied; @p req may be reused at once
 * (except a @c payload, read until the request ends).
 * @retval 0 Sent; the callback reports the outcome.
 * @retval -EINVAL Bad arguments (no callback, an unterminated path, too many options).
 * @retval -ENOTCONN Not connected.
 * @retval -EINPROGRESS Event-loop mode: the connect is still under way.
 * @retval -EAGAIN Every request slot is in use.
 * @retval -EMSGSIZE The request does not fit the server's Max-Message-Size or the send buffer.
 * @retval other The error of sending (the connection is then closed).
 */
ZCOAP_API int coap_client_tcp_req(struct coap_client_tcp *client,
				  struct coap_client_tcp_request *req);

/**
 * Send a CSM again, advertising @p max_block_size as Max-Message-Size
 * (capped at the receive buffer) with Block-Wise-Transfer. A CSM has no
 * response; @p cb and @p user_data are kept for Zephyr compatibility and
 * not called.
 * @retval 0 Sent. @retval -ENOTCONN Not connected. @retval -EINVAL Bad arguments.
 */
ZCOAP_API int coap_client_tcp_csm_req(struct coap_client_tcp *client, uint32_t max_block_size,
				      coap_client_tcp_response_cb_t cb, void *user_data);

/** End every open request with -ECANCELED (the connection stays). */
ZCOAP_API void coap_client_tcp_cancel_requests(struct coap_client_tcp *client);

/** End every open request with -ECANCELED and forget the connection's negotiated state. */
ZCOAP_API void coap_client_tcp_cancel_and_reset_all(struct coap_client_tcp *client);

/**
 * A Block2 option asking for the first block of a response: BERT (SZX 7)
 * when the server's CSM allowed block-wise transfers and its
 * Max-Message-Size takes a 1024-byte block, else ZCOAP_CONFIG_BLOCK_SIZE.
 */
ZCOAP_API struct coap_client_tcp_option
coap_client_tcp_option_initial_block2(struct coap_client_tcp *client);

/** Whether a request is open. */
ZCOAP_API bool coap_client_tcp_has_ongoing_exchange(struct coap_client_tcp *client);

/**
 * Send a Ping (7.02); its Pong is reported as COAP_CLIENT_TCP_EVENT_PONG_RECEIVED.
 * @retval 0 Sent. @retval -ENOTCONN Not connected. @retval -EINVAL Bad arguments.
 */
ZCOAP_API int coap_client_tcp_ping(struct coap_client_tcp *client);

/**
 * Send a Release (7.04) with an optional Alternative-Address and Hold-Off.
 * The connection stays open until coap_client_tcp_close() or the server closes it.
 * @retval 0 Sent. @retval -ENOTCONN Not connected.
 * @retval -EINVAL Bad arguments (an address longer than 255 bytes).
 */
ZCOAP_API int coap_client_tcp_release(struct coap_client_tcp *client, const char *alt_addr,
				      uint32_t hold_off_sec);

/** Set the signalling event callback (NULL: none). */
ZCOAP_API void coap_client_tcp_set_event_cb(struct coap_client_tcp *client,
					    coap_client_tcp_event_cb_t cb, void *user_data);

/**
 * zcoap extension: set the callback that configures each new socket before
 * it connects (Zephyr keeps the member but has no setter in its header).
 */
ZCOAP_API void zcoap_client_tcp_set_socket_config_cb(struct coap_client_tcp *client,
						     coap_client_tcp_socket_config_cb_t cb,
						     void *user_data);

/**
 * zcoap extension: the TLS configuration for IPPROTO_TLS_1_2 connections
 * (Zephyr sets it with TLS socket options). It is copied, with its security
 * tags and host name: @c sec_tags, @c hostname, @c peer_verify,
 * @c skip_hostname_check and @c handshake_timeout_ms are used; the DTLS-only
 * fields (retransmission, MTU) and @c ciphersuites are ignored. NULL clears it.
 * @retval 0 Set. @retval -EINVAL NULL or uninitialised client, no tags, more than
 *         ZCOAP_DTLS_MAX_SEC_TAGS, or a host name over 255 bytes.
 */
ZCOAP_API int zcoap_client_tcp_set_tls_config(struct coap_client_tcp *client,
					      const struct zcoap_dtls_config *cfg);

/**
 * zcoap extension: how long a request waits for its response (or for the
 * next block of it) before it ends with -ETIMEDOUT, for requests sent from
 * now on. The default is ZCOAP_CONFIG_TCP_TIMEOUT_MS. It also bounds, for
 * connections opened from now on, connect() and each write to a server
 * that does not read (SO_SNDTIMEO): the connection then ends and every
 * request with -ETIMEDOUT.
 * @retval 0 Set. @retval -EINVAL NULL or uninitialised client, or 0 ms.
 */
ZCOAP_API int zcoap_client_tcp_set_timeout(struct coap_client_tcp *client, uint32_t timeout_ms);

/**
 * zcoap extension: the Max-Message-Size the client advertises in its CSM
 * (RFC 8323 §5.3.1) on connections opened from now on, over TCP and TLS
 * alike, and the longest message it accepts on them; responses longer than
 * the receive buffer are streamed (docs/design/tcp.md). 0 restores the
 * defaults: ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE, over TLS
 * ZCOAP_CONFIG_TCP_TLS_MAX_MESSAGE_SIZE (one TLS record, because libcoap
 * 4.3.1's GnuTLS server stalls on longer messages).
 * @retval 0 Set. @retval -EINVAL NULL or uninitialised client, or @p mms
 *         not 0 and outside 1152..ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE.
 */
ZCOAP_API int zcoap_client_tcp_set_max_message_size(struct coap_client_tcp *client, uint32_t mms);

/**
 * zcoap extension: why the client's last connect attempt or connection
 * failed, as a sentence (as zcoap_dtls_last_error() for DTLS sockets): a TCP
 * connect that failed or timed out, a bad TLS configuration, a TLS handshake
 * that failed (thread and event-loop mode alike), or a TLS session that a
 * fatal alert, a bad record or the server's close ended later. The text is
 * recorded when the failure happens, kept until the next
 * coap_client_tcp_connect(), and names the cause: e.g. "server certificate
 * has expired", "the server rejected our credentials: fatal alert
 * decrypt_error (51)". A plain TCP connection's later loss (reset, close) is
 * not recorded: the response callbacks' errors tell it.
 * @param buf Receives the sentence, NUL-terminated and truncated to
 *        @p buflen - 1 characters (ZCOAP_CLIENT_TCP_ERROR_LEN is enough); ""
 *        when nothing failed. May be NULL when @p buflen is 0.
 * @retval 0 Nothing failed since the last coap_client_tcp_connect() (or ever).
 * @retval <0 The failure: the error coap_client_tcp_connect(),
 *         zcoap_client_tcp_conn_state() or the response callbacks reported
 *         for it (docs/errors.md).
 * @retval -EINVAL @p client is NULL or not initialised (@p buf gets "");
 *         with a sentence, the recorded failure of a bad configuration.
 */
ZCOAP_API int zcoap_client_tcp_last_error(struct coap_client_tcp *client, char *buf, size_t buflen);

/**
 * zcoap extension: close the connection (if any), stop and join the receive
 * thread and release the OS objects. Must not be called from a callback.
 * In event-loop mode it waits for a loop call in another thread to return.
 * @retval 0 Done. @retval -EINVAL Not initialised.
 * @retval -EDEADLK Called on the receive thread, or from a callback of a loop call.
 */
ZCOAP_API int zcoap_client_tcp_deinit(struct coap_client_tcp *client);

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_COAP_CLIENT_TCP_H */
