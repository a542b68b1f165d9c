/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * coap_client.h -- the CoAP client API of Zephyr's <zephyr/net/coap_client.h>
 * (4.2 shape: six-argument callback) for POSIX systems, plus zcoap_ extensions.
 */

/**
 * @file
 * @brief Asynchronous CoAP client.
 *
 * Usage:
 * @code
 * static struct coap_client client;
 * struct coap_client_request req = {
 *         .method = COAP_METHOD_GET, .confirmable = true, .path = "time",
 *         .cb = on_response, .user_data = &ctx,
 * };
 * coap_client_init(&client, NULL);
 * coap_client_req(&client, sock, (struct sockaddr *)&server, &req, NULL);
 * ...
 * zcoap_client_deinit(&client);
 * @endcode
 *
 * The application creates the socket (a UDP socket, connected or not, or a
 * DTLS socket from zcoap_dtls.h) and passes it to every request. Each client
 * owns one receive thread, started by coap_client_init(), which runs the
 * response callbacks (or none: zcoap_client_init_manual() in zcoap_loop.h,
 * where the application's own loop drives the client). A request ends with
 * exactly one callback whose @c last_block is true (a response, or a
 * negative errno); observations
 * (Observe = 0 in the extra options) stay active until cancelled,
 * deregistered or ended by the server.
 *
 * All functions are thread-safe and may be called from inside a response
 * callback. Callbacks run without any library lock held.
 *
 * Memory: everything lives in the caller's struct coap_client, sized at
 * compile time by zcoap_config.h. No heap memory is used.
 */

#ifndef ZCOAP_COAP_CLIENT_H
#define ZCOAP_COAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap.h"
#include "zcoap_config.h"
#include "zcoap_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Response callback.
 *
 * @param result_code The response's code byte (e.g. 0x45 for 2.05) when > 0;
 *        0 when a request with a No-Response option (RFC 7967) ended without
 *        a response, as it asked (offset 0, payload NULL, len 0, last_block
 *        true, zcoap_client_response_info() NULL); or a negative errno when
 *        the request failed locally:
 *        -ETIMEDOUT (no response), -ECONNRESET (the server sent RST, or
 *        closed the DTLS session), -ECANCELED (cancelled), -EIO (socket
 *        error), -ECONNREFUSED (ICMP port unreachable), -ECONNABORTED (fatal
 *        DTLS alert), -EBADMSG (inconsistent block-wise transfer),
 *        -EMSGSIZE (truncated datagram that cannot be recovered),
 *        -EOVERFLOW (the next block number would exceed 20 bits), or the
 *        negative errno of a failed send. Errors always come with offset 0,
 *        payload NULL, len 0 and last_block true.
 * @param offset Position of @p payload in the body of a block-wise transfer
 *        (bytes delivered before it); 0 otherwise. For Block1 uploads: bytes
 *        sent so far, as Zephyr does.
 * @param payload Payload bytes, NULL when there are none. Valid only during
 *        the callback.
 * @param len Number of payload bytes.
 * @param last_block True on the final callback of the response (and of the
 *        request, unless it is an active observation).
 * @param user_data The request's user_data.
 *
 * This is coap_client_response_cb_t by default (the Zephyr 4.2 shape).
 */
typedef void (*zcoap_client_response_cb_4_2_t)(int16_t result_code, size_t offset,
					       const uint8_t *payload, size_t len, bool last_block,
					       void *user_data);

/**
 * @brief What a Zephyr 4.3 style response callback gets (Zephyr's
 *        struct coap_client_response_data); same meaning as the arguments of
 *        zcoap_client_response_cb_4_2_t.
 */
struct coap_client_response_data {
	int16_t result_code;              /**< Response code byte, 0, or a negative errno */
	const struct coap_packet *packet; /**< The response datagram, NULL for errors */
	size_t offset;                    /**< Position of @c payload in the body */
	const uint8_t *payload;           /**< Payload bytes, NULL when none */
	size_t payload_len;               /**< Number of payload bytes */
	bool last_block;                  /**< Final callback of the response */
	/**
	 * Zephyr 4.4's multicast fields: the responder of this response
	 * (zcoap_client_response_info()->source), so each answer to a group
	 * request names its sender; NULL in callbacks without a response (errors,
	 * the final callback that ends a multicast window) and on connected sockets.
	 */
	const struct sockaddr *source;
	socklen_t source_len; /**< Length of @c source, 0 when it is NULL */
};

/**
 * @brief Response callback, Zephyr 4.3 shape: coap_client_response_cb_t when
 *        ZCOAP_ZEPHYR_API_4_3 is defined before this header is included.
 */
typedef void (*zcoap_client_response_cb_4_3_t)(const struct coap_client_response_data *data,
					       void *user_data);

#ifdef ZCOAP_ZEPHYR_API_4_3
/** The response callback of the request API in use (here Zephyr 4.3's). */
typedef zcoap_client_response_cb_4_3_t coap_client_response_cb_t;
#else
/** The response callback of the request API in use (here Zephyr 4.2's, the default). */
typedef zcoap_client_response_cb_4_2_t coap_client_response_cb_t;
#endif

/**
 * @brief Streaming upload callback (Zephyr 4.3 shape).
 *
 * Called for each block of a request body instead of reading @c payload.
 * On entry @p *len holds the block size; set @p *payload and @p *len (at most
 * the block size, less only together with @p *last_block) and @p *last_block.
 * @param offset Byte offset of the block in the body.
 * @param[out] payload Pointer to the block's bytes; must stay valid until the
 *             next call or the end of the request.
 * @param[in,out] len Block size in, bytes provided out.
 * @param[out] last_block True when this is the end of the body.
 * @param user_data The request's user_data.
 * @return 0 to continue, or a negative errno that aborts the request (the
 *         response callback then gets that value).
 */
typedef int (*coap_client_payload_cb_t)(size_t offset, const uint8_t **payload, size_t *len,
					bool *last_block, void *user_data);

/**
 * @brief What a client does when an observation goes quiet (zcoap extension).
 *
 * A notification is fresh for its Max-Age (RFC 7641 §3.3; 60 s when absent).
 * When no newer one arrives within Max-Age plus ZCOAP_CONFIG_OBSERVE_MARGIN_MS,
 * the server may have lost the registration.
 */
enum zcoap_observe_liveness {
	/** Re-register with the same token (RFC 7641 §3.3.1); the default. */
	ZCOAP_OBSERVE_REREGISTER = 0,
	/** End the observation with -ETIMEDOUT. */
	ZCOAP_OBSERVE_FAIL = 1,
	/** Keep waiting forever (Zephyr's behaviour). */
	ZCOAP_OBSERVE_WAIT = 2,
};

/**
 * @brief An extra option of a request: raw value bytes (e.g. Observe 0 = len 1, value {0}).
 *
 * With ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN (the default profile; Zephyr:
 * CONFIG_COAP_EXTENDED_OPTIONS_LEN) @c len is 16 bits and a value may hold
 * MAX_COAP_CLIENT_OPTION_LEN bytes; otherwise 12 bytes, as in Zephyr's default.
 */
struct coap_client_option {
	uint16_t code; /**< Option number */
#if ZCOAP_CONFIG_EXTENDED_OPTIONS_LEN
	uint16_t len; /**< Value length, 0..MAX_COAP_CLIENT_OPTION_LEN */
#else
	uint8_t len; /**< Value length, 0..12 */
#endif
	uint8_t value[MAX_COAP_CLIENT_OPTION_LEN]; /**< Value bytes */
};

/**
 * @brief A request.
 *
 * The structure, the path and the extra options are copied by
 * coap_client_req(); only @c payload is borrowed and must stay valid until
 * the final callback (block-wise uploads and retransmissions read it again).
 *
 * Extra options the client treats specially:
 * - Observe = 0 on a GET or FETCH registers an observation (RFC 7641);
 * - Block2 (NUM 0) asks for a smaller response block size up front
 *   (coap_client_option_initial_block2(), RFC 7959 §2.4); it is sent on the
 *   first request only;
 * - Block1 (NUM 0) sets a smaller block size for uploading @c payload
 *   (zcoap extension); the client then sends its own Block1 options.
 */
#ifndef ZCOAP_ZEPHYR_API_4_3
struct coap_client_request {
	enum coap_method method;      /**< Method */
	bool confirmable;             /**< CON (true) or NON (false) */
	const char *path;             /**< "a/b?x=1&y=2", split as coap_packet_set_path() */
	enum coap_content_format fmt; /**< Content-Format, sent only with a payload */
	const uint8_t *payload;       /**< Request body, or NULL */
	size_t len;                   /**< Length of @c payload */
	coap_client_response_cb_t cb; /**< Response callback, may be NULL */
	const struct coap_client_option *options; /**< Extra options, copied */
	uint8_t num_options;                      /**< Number of extra options */
	void *user_data;                          /**< Passed to @c cb */
	/** Streaming body source (zcoap/Zephyr 4.3 extension); used instead of @c payload when set.
	 */
	coap_client_payload_cb_t payload_cb;
	/** Observations only: what to do when notifications stop (zcoap extension). */
	enum zcoap_observe_liveness observe_liveness;
	/**
	 * Overall deadline in milliseconds after coap_client_req() (zcoap
	 * extension; 0 = none): when it passes, the request ends with
	 * -ETIMEDOUT whatever it is doing -- retransmitting, waiting for a
	 * separate response, or in the middle of a block-wise transfer. For an
	 * observation it covers the registration only (until the first
	 * notification).
	 */
	uint32_t deadline_ms;
	/**
	 * Multicast response window in milliseconds (Zephyr 4.4's name): required
	 * (> 0) for a group destination (IPv4 224.0.0.0/4, IPv6 ff00::/8), which
	 * must be NON; -EINVAL on a unicast request. Every response in the
	 * window reaches @c cb with last_block false and its responder in
	 * zcoap_client_response_info()->source; then one final callback
	 * (0, 0, NULL, 0, true) with no response info.
	 */
	uint32_t multicast_timeout_ms;
	/**
	 * The request's own token (zcoap extension): @c token_len bytes (1..8)
	 * of @c token, or 0 (the default) to let the library choose 8 random
	 * bytes (RFC 9175 §4). It must differ from the tokens of the requests
	 * in flight (-EEXIST), and a ping takes none (-EINVAL). It is used by
	 * the request itself (retransmissions, Echo retries, the first Block1
	 * block) and, for an observation, by its registration,
	 * re-registrations and deregistration (RFC 7641 §3.3.1, §3.6);
	 * block-wise continuations (the next Block1 blocks, the Block2
	 * requests for the rest of a body) get fresh random tokens.
	 */
	uint8_t token[COAP_TOKEN_MAX_LEN];
	uint8_t token_len; /**< Bytes of @c token used, 0..8; 0: the library's */
	/**
	 * Send the body without a Content-Format option (zcoap extension; RFC
	 * 7252 §5.10.3: the server then has to guess or refuse). @c fmt is
	 * ignored. Without a body it changes nothing.
	 */
	bool no_content_format;
};
#endif

/**
 * @brief A request in the Zephyr 4.3 shape: the path and the extra options
 *        are arrays inside it, and the callback takes a
 *        struct coap_client_response_data.
 *
 * With ZCOAP_ZEPHYR_API_4_3 defined before coap_client.h is included,
 * `struct coap_client_request` is this structure and coap_client_req(),
 * coap_client_cancel_request(), coap_client_deregister_observe() and
 * zcoap_client_ping() are the _4_3 functions below (macros), so code written
 * for Zephyr 4.3+ builds unchanged against the same library. Fields as in
 * the default shape; Zephyr's order.
 */
struct zcoap_client_request_4_3 {
	enum coap_method method;                  /**< Method */
	bool confirmable;                         /**< CON (true) or NON (false) */
	char path[ZCOAP_CONFIG_MAX_PATH_LEN + 1]; /**< "a/b?x=1&y=2", NUL-terminated */
	enum coap_content_format fmt;             /**< Content-Format, sent only with a payload */
	const uint8_t *payload;                   /**< Request body, or NULL */
	size_t len;                               /**< Length of @c payload */
	coap_client_payload_cb_t payload_cb;      /**< Streaming body source, or NULL */
	zcoap_client_response_cb_4_3_t cb;        /**< Response callback, may be NULL */
	/** Extra options, the first @c num_options used */
	struct coap_client_option options[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	uint8_t num_options;                          /**< Number of extra options */
	void *user_data;                              /**< Passed to @c cb */
	enum zcoap_observe_liveness observe_liveness; /**< As in the default shape */
	uint32_t deadline_ms;                         /**< As in the default shape */
	uint32_t multicast_timeout_ms;                /**< As in the default shape */
	uint8_t token[COAP_TOKEN_MAX_LEN];            /**< As in the default shape */
	uint8_t token_len;                            /**< As in the default shape */
	bool no_content_format;                       /**< As in the default shape */
};

#ifdef ZCOAP_ZEPHYR_API_4_3
#define coap_client_request            zcoap_client_request_4_3
#define coap_client_req                zcoap_client_req_4_3
#define coap_client_cancel_request     zcoap_client_cancel_request_4_3
#define coap_client_deregister_observe zcoap_client_deregister_observe_4_3
#define zcoap_client_ping              zcoap_client_ping_4_3
#endif

/** @cond INTERNAL_HIDDEN */
#include "zcoap_client_types.h"
/** @endcond */

/**
 * @brief A client: the receive thread, the request slots and all buffers.
 *
 * Declare it static or zero it; its layout is not part of the API.
 */
struct coap_client {
	/** @cond INTERNAL_HIDDEN */
	struct zcoap_client_private priv;
	/** @endcond */
};

/**
 * @brief Initialise a client and start its receive thread.
 *
 * The structure is cleared first. A client that was deinitialised with
 * zcoap_client_deinit() may be initialised again.
 * @param client Client storage.
 * @param info Name of the receive thread (at most 15 characters are used);
 *        NULL gives "coap_client".
 * @retval 0 Success.
 * @retval -EINVAL @p client is NULL.
 * @retval -EALREADY @p client is already initialised.
 * @retval -EAGAIN The thread or its wake-up descriptor could not be created.
 */
ZCOAP_API int coap_client_init(struct coap_client *client, const char *info);

/**
 * @brief Send a request.
 *
 * Builds and sends the first datagram in the calling thread; the rest
 * (retransmissions, responses, further blocks) happens on the client's
 * thread, which calls @c req->cb.
 * @param client Initialised client.
 * @param sock Socket to use: UDP (connected or not) or a zcoap DTLS socket.
 * @param addr Destination, or NULL when @p sock is connected. Only responses
 *        from this endpoint are accepted.
 * @param req Request; copied (except its payload).
 * @param params Transmission parameters, or NULL for the defaults of
 *        coap_get_transmission_parameters().
 * @retval 0 The request was sent.
 * @retval -EINVAL NULL @p client, @p req or @p req->path, negative @p sock,
 *         a path longer than ZCOAP_CONFIG_MAX_PATH_LEN, more than
 *         ZCOAP_CONFIG_MAX_EXTRA_OPTIONS options, an option longer than
 *         MAX_COAP_CLIENT_OPTION_LEN bytes, an invalid method, an unsupported address family, or
 *         unusable @p params.
 * @retval -EAGAIN All request slots are busy.
 * @retval -ESHUTDOWN @p client is not initialised.
 * @retval -ENOSPC The request's header and options do not fit in MAX_COAP_MSG_LEN.
 * @retval -EPROTOTYPE @p sock is not a datagram socket (a stream socket would
 *         raise SIGPIPE or mix messages; nothing is written to it).
 * @retval -ENOTSOCK @p sock is not a socket.
 * @retval <0 The negative errno of the failed first send.
 */
ZCOAP_API int coap_client_req(struct coap_client *client, int sock, const struct sockaddr *addr,
			      struct coap_client_request *req,
			      struct coap_transmission_parameters *params);

/**
 * @brief Cancel every ongoing request of a client.
 *
 * Each gets one callback with -ECANCELED (run in the calling thread). When
 * this returns, no other callback for those requests is running or will run.
 * Later notifications of cancelled observations are answered with RST.
 * @param client Client; NULL is ignored.
 */
ZCOAP_API void coap_client_cancel_requests(struct coap_client *client);

/**
 * @brief Cancel the ongoing requests that match @p req.
 *
 * @c method, @c path, @c cb and @c user_data are compared only where they are
 * set (non-zero) in both @p req and the ongoing request, so an all-zero
 * request matches everything. Same guarantees as coap_client_cancel_requests().
 * @param client Client; NULL is ignored.
 * @param req Pattern; NULL is ignored.
 */
ZCOAP_API void coap_client_cancel_request(struct coap_client *client,
					  struct coap_client_request *req);

/**
 * @brief End matching observations with a GET carrying Observe = 1.
 *
 * Sends the deregistration with the registration token, CON or NON as the
 * registration was (RFC 7641 §3.6). CON: the callback later gets the
 * server's response with last_block true. NON: the request ends at once
 * with -ECANCELED, delivered like a cancel's: after a callback of it that
 * the client thread is running has returned, and none from its own
 * callback. Matching as coap_client_cancel_request().
 * @param client Client.
 * @param req Pattern.
 * @retval 0 At least one deregistration was sent.
 * @retval -EINVAL NULL arguments.
 * @retval -ENOENT No active observation matches.
 * @retval <0 The negative errno of the failed send.
 */
ZCOAP_API int coap_client_deregister_observe(struct coap_client *client,
					     struct coap_client_request *req);

/**
 * @brief Whether any request is still in progress.
 * @param client Client; NULL gives false.
 */
ZCOAP_API bool coap_client_has_ongoing_exchange(struct coap_client *client);

/**
 * @brief An extra option asking for early Block2 size negotiation.
 * @return Block2 with NUM 0, M 0 and the SZX of ZCOAP_CONFIG_BLOCK_SIZE.
 */
ZCOAP_API struct coap_client_option coap_client_option_initial_block2(void);

/** @name zcoap extensions */
/** @{ */

/**
 * @brief Stop a client: cancel its requests (-ECANCELED), join its thread
 *        and release the wake-up descriptor.
 *
 * Must not be called from a response callback.
 * @param client Client; NULL or an uninitialised client is ignored.
 * @retval 0 Success.
 * @retval -EDEADLK Called from the client's own thread.
 */
ZCOAP_API int zcoap_client_deinit(struct coap_client *client);

/**
 * @brief Send a CoAP ping: an Empty CON message, which a CoAP endpoint
 *        answers with RST (RFC 7252 §4.3).
 *
 * Retransmitted like any CON message. @p cb gets one callback: result 0
 * (offset 0, payload NULL, len 0, last_block true) when the RST (or an Empty
 * ACK) arrives, with zcoap_client_response_info() describing it (source,
 * retransmissions); or -ETIMEDOUT, -ECONNREFUSED (ICMP port unreachable),
 * -ECANCELED or a send error, as for a request. A ping takes a request slot
 * and matches cancel patterns by @p cb and @p user_data.
 * @param client Initialised client.
 * @param sock Socket, as for coap_client_req().
 * @param addr Destination, or NULL when @p sock is connected.
 * @param cb Callback, may be NULL.
 * @param user_data Passed to @p cb.
 * @param deadline_ms Overall deadline in ms (0 = none), as the request field.
 * @param params Transmission parameters, or NULL for the defaults.
 * @retval 0 The ping was sent.
 * @retval <0 As coap_client_req().
 */
ZCOAP_API int zcoap_client_ping(struct coap_client *client, int sock, const struct sockaddr *addr,
				coap_client_response_cb_t cb, void *user_data, uint32_t deadline_ms,
				struct coap_transmission_parameters *params);

/** @brief coap_client_req() for a request in the Zephyr 4.3 shape (see zcoap_client_request_4_3).
 */
ZCOAP_API int zcoap_client_req_4_3(struct coap_client *client, int sock,
				   const struct sockaddr *addr,
				   struct zcoap_client_request_4_3 *req,
				   struct coap_transmission_parameters *params);

/** @brief coap_client_cancel_request() with a pattern in the Zephyr 4.3 shape. */
ZCOAP_API void zcoap_client_cancel_request_4_3(struct coap_client *client,
					       struct zcoap_client_request_4_3 *req);

/** @brief coap_client_deregister_observe() with a pattern in the Zephyr 4.3 shape. */
ZCOAP_API int zcoap_client_deregister_observe_4_3(struct coap_client *client,
						  struct zcoap_client_request_4_3 *req);

/** @brief zcoap_client_ping() with a Zephyr 4.3 style callback. */
ZCOAP_API int zcoap_client_ping_4_3(struct coap_client *client, int sock,
				    const struct sockaddr *addr, zcoap_client_response_cb_4_3_t cb,
				    void *user_data, uint32_t deadline_ms,
				    struct coap_transmission_parameters *params);

/** @brief Details of the response being delivered to the running callback. */
struct zcoap_response_info {
	const struct coap_packet *packet; /**< The whole response datagram (all options) */
	const struct sockaddr *source;    /**< Where it came from (NULL on connected sockets) */
	socklen_t source_len;             /**< Length of @c source */
	uint8_t retransmissions;          /**< Retransmissions of the request that got it */
	uint32_t block_count;             /**< Blocks received so far in this body */
	uint32_t size2;                   /**< Size2 of the body, 0 when unknown */
	uint32_t observe;                 /**< Observe value when @c has_observe */
	bool has_observe;                 /**< The response carries Observe */
};

/**
 * @brief The response behind the callback running on this thread.
 *
 * Valid only inside a response callback, until it returns; NULL for error
 * callbacks (negative result code) and outside callbacks.
 * @return Pointer to a thread-local description, or NULL.
 */
ZCOAP_API const struct zcoap_response_info *zcoap_client_response_info(void);

/**
 * @brief The response packet behind the running callback (see zcoap_client_response_info()).
 * @return The packet, or NULL outside a callback or for errors.
 */
ZCOAP_API const struct coap_packet *zcoap_client_response_packet(void);

/**
 * @brief Set how long to wait for a separate response after an Empty ACK.
 * @param client Client.
 * @param timeout_ms Milliseconds, > 0. Default ZCOAP_CONFIG_SEPARATE_TIMEOUT_MS.
 * @retval 0 Success.
 * @retval -EINVAL NULL client or a zero timeout.
 */
ZCOAP_API int zcoap_client_set_separate_timeout(struct coap_client *client, uint32_t timeout_ms);

/**
 * @brief Set how long the client keeps answering on a socket after its last
 *        exchange ended while the server may still send on it.
 *
 * After a CON response was ACKed (the ACK may be lost), an observation
 * ended (the server may ignore the deregistration) or a request gave up
 * waiting for its response, the client keeps reading that socket, through
 * a duplicate descriptor of its own, so that retransmitted responses are
 * ACKed again (RFC 7252 §4.5) and other messages get RST (RFC 7641 §3.6).
 * The linger ends at this deadline, once a notification was answered with RST, when a new
 * request uses the socket, or at zcoap_client_deinit(). The duplicate keeps
 * the socket (and its local port) open meanwhile, even if the application
 * closed its descriptor. Only plain UDP sockets linger.
 * @param client Client.
 * @param linger_ms Milliseconds; 0 ends every linger now and starts none.
 *        Default ZCOAP_CONFIG_LINGER_MS (45 s, RFC 7252 MAX_TRANSMIT_SPAN).
 * @retval 0 Success.
 * @retval -EINVAL @p client is not initialised.
 */
ZCOAP_API int zcoap_client_set_linger(struct coap_client *client, uint32_t linger_ms);

/**
 * @brief Observer of every datagram the client sends and receives (for dumps).
 * @param outgoing True for a datagram sent, false for one received.
 * @param data The datagram.
 * @param len Its length (for a truncated datagram, the bytes kept).
 * @param user_data As given to zcoap_client_set_trace().
 */
typedef void (*zcoap_trace_cb_t)(bool outgoing, const uint8_t *data, size_t len, void *user_data);

/**
 * @brief Install (or remove, with NULL) a datagram trace hook.
 *
 * The hook runs with the client lock held and must not call the client API.
 * @param client Client.
 * @param cb Hook or NULL.
 * @param user_data Passed to @p cb.
 * @retval 0 Success.
 * @retval -EINVAL NULL client.
 */
ZCOAP_API int zcoap_client_set_trace(struct coap_client *client, zcoap_trace_cb_t cb,
				     void *user_data);

/**
 * @brief Text for a negative errno returned or reported by zcoap.
 * @param err A negative (or positive) errno value.
 * @return A static string; never NULL.
 */
ZCOAP_API const char *zcoap_strerror(int err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* ZCOAP_COAP_CLIENT_H */
