/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_core_types.h -- storage layout of the sans-I/O core (src/core/):
 * request slots, the dedup ring and the event queue.
 *
 * Included by zcoap_client_types.h only, so that applications can allocate
 * a struct coap_client statically. Nothing here is API: field names and
 * layout change freely.
 */

#ifndef ZCOAP_CORE_TYPES_H
#define ZCOAP_CORE_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coap.h"
#include "zcoap_config.h"

struct zc_engine_io;

/*
 * The phase of an exchange (docs/design/state-machine.md has the table of
 * transitions). Changed only by zc_set_phase() in src/core/exchange.c.
 */
enum zcoap_phase {
	ZCOAP_PHASE_FREE = 0,  /* slot unused */
	ZCOAP_PHASE_UPLOAD,    /* Block1 blocks of the request body going out (RFC 7959 §2.5) */
	ZCOAP_PHASE_REQUEST,   /* the request (or its last block) is out; awaiting the response */
	ZCOAP_PHASE_DOWNLOAD,  /* Block2 continuation of the response body (RFC 7959 §2.7) */
	ZCOAP_PHASE_OBSERVING, /* registered; awaiting notifications, nothing in flight */
	ZCOAP_PHASE_NOTIFICATION, /* Block2 continuation of a notification body (RFC 7641 §4.2) */
	ZCOAP_PHASE_REREGISTER,   /* Observe = 0 sent again after silence (RFC 7641 §3.3.1) */
	ZCOAP_PHASE_DEREGISTER,   /* Observe = 1 sent; awaiting its response (RFC 7641 §3.6) */
};

/*
 * The messaging-layer state of the message in flight (RFC 7252 §2.1, §4):
 * independent of the exchange phase, changed only in exchange.c.
 */
enum zcoap_msg_state {
	ZCOAP_MSG_NONE = 0,      /* nothing in flight (free, or observing) */
	ZCOAP_MSG_WAIT_ACK,      /* CON sent, retransmitting until ACK or response */
	ZCOAP_MSG_WAIT_RESPONSE, /* NON sent, or Empty ACK seen: waiting for the response */
};

/** Block2 (download) state of one request: the block-wise policy's own. */
struct zcoap_block2_state {
	uint64_t delivered; /* body bytes handed to the callback */
	uint32_t blocks;    /* blocks received in this body (ETag recorded once > 0) */
	uint32_t size2;     /* Size2 seen, 0 if none */
	uint8_t szx;        /* block size we ask for next */
	uint8_t etag_len;   /* 0: no ETag seen */
	uint8_t etag[8];
	bool truncation_retry; /* re-asked a block after MSG_TRUNC */
};

/** Block1 (upload) state of one request: the block-wise policy's own. */
struct zcoap_block1_state {
	uint64_t offset;        /* body offset of the block in flight */
	uint16_t chunk;         /* payload bytes in the block in flight */
	uint8_t szx;            /* block size in use */
	uint8_t tag[8];         /* Request-Tag (RFC 9175 §3), once has_tag */
	bool has_tag;           /* tag drawn (zc_send_new(): only block-wise bodies need one) */
	bool blockwise;         /* the body goes block-wise (decided at setup or restart) */
	bool last;              /* the block in flight is the last one */
	uint8_t restarts;       /* uploads restarted after 4.13/4.08 */
	bool have_chunk;        /* cb_data/chunk hold the block at offset */
	const uint8_t *cb_data; /* bytes of the block in flight (payload or payload_cb) */
	uint64_t total;         /* body size; UINT64_MAX while unknown (payload_cb) */
};

/** Observe state of one request: the observe policy's own. */
struct zcoap_observe_state {
	int64_t last_time;    /* when the freshest notification arrived (ms) */
	uint32_t last_seq;    /* its Observe value */
	bool wanted;          /* the request registers (Observe = 0), until the server declines */
	uint8_t liveness;     /* enum zcoap_observe_liveness */
	uint32_t max_age;     /* Max-Age of the freshest notification (s) */
	uint8_t reg_token[8]; /* registration token (RFC 7641 §3.6) */
	uint8_t reg_tkl;
};

/*
 * Room for the values of one request's extra options: every option at its
 * largest, but never more than a message can carry (a request whose
 * options need more could not be sent anyway: -ENOSPC).
 */
#if ZCOAP_CONFIG_MAX_EXTRA_OPTIONS * MAX_COAP_CLIENT_OPTION_LEN < MAX_COAP_MSG_LEN
#define ZCOAP_SLOT_OPTION_BYTES (ZCOAP_CONFIG_MAX_EXTRA_OPTIONS * MAX_COAP_CLIENT_OPTION_LEN)
#else
#define ZCOAP_SLOT_OPTION_BYTES MAX_COAP_MSG_LEN
#endif

/** One request in flight. */
struct zcoap_slot {
	uint32_t serial; /* unique per request; 0 when free */
	uint8_t phase;   /* enum zcoap_phase */
	uint8_t msg;     /* enum zcoap_msg_state */
	bool confirmable;
	/*
	 * The peer may still send on this exchange after it ended: a CON
	 * response we ACKed (the ACK may be lost), a registered observation,
	 * or a response still awaited when it failed (src/core/exchange.c).
	 */
	bool linger;
	uint8_t method;
	uint8_t tkl;
	uint8_t token[8]; /* token of the message in flight */
	uint16_t mid;     /* MID of the message in flight */
	uint8_t retries_left;
	uint8_t retransmissions; /* of the message in flight */
	uint8_t echo_retries;
	uint8_t noresp; /* No-Response classes suppressed (RFC 7967 §2.1 bits), see zc_noresp_*() */
	uint8_t echo_len;    /* Echo value to send with this request (in echo[] below) */
	int32_t last_rx_mid; /* -1 none; duplicate detection */
	uint32_t timeout_ms; /* current retransmission timeout */
	int64_t deadline;    /* next timer (ms), INT64_MAX = none */
	int64_t end;         /* overall deadline (request's deadline_ms), INT64_MAX = none */
	struct coap_transmission_parameters params;
	/* the request, copied */
	int sock;
	socklen_t addrlen; /* of addr below; 0: a connected socket */
	uint16_t fmt;
	uint8_t num_options;
	const uint8_t *payload;
	size_t len;
	coap_client_response_cb_t cb;
	coap_client_payload_cb_t payload_cb;
	void *user_data;
	bool cb_4_3;           /* cb is a zcoap_client_response_cb_4_3_t (Zephyr 4.3 shape) */
	bool multicast;        /* sent to a group: any source, many responses (RFC 7252 §8) */
	uint32_t mc_window_ms; /* multicast_timeout_ms */
	uint8_t user_tkl;      /* the request's own token (token_len), 0: the library's */
	bool no_fmt; /* the request's no_content_format: no Content-Format with the body */
	struct zcoap_block2_state b2;
	struct zcoap_block1_state b1;
	struct zcoap_observe_state obs;
	/*
	 * tx holds a Block2 continuation whose next one differs only in MID,
	 * token and the Block2 value at tx[cont_b2_off] (cont_b2_len bytes);
	 * 0 = rebuild (src/core/message.c).
	 */
	uint16_t cont_b2_off;
	uint8_t cont_b2_len;
	uint16_t tx_len; /* of tx below */
	/*
	 * From here on submit does not clear the slot (everything above is one
	 * memset()): only the bytes the lengths above (addrlen, echo_len,
	 * user_tkl, the path's NUL, num_options, tx_len) cover are written and
	 * ever read.
	 */
	struct sockaddr_storage addr;
	uint8_t echo[ZCOAP_CONFIG_ECHO_MAX_LEN];
	uint8_t user_token[8];
	char path[ZCOAP_CONFIG_MAX_PATH_LEN + 1];
	struct {
		uint16_t code;
		uint16_t len;
		uint16_t off; /* of the value in opt_bytes */
	} options[ZCOAP_CONFIG_MAX_EXTRA_OPTIONS];
	/* the extra options' values, packed (zc_opt_value()) */
	uint8_t opt_bytes[ZCOAP_SLOT_OPTION_BYTES];
	/* the datagram in flight, kept for retransmission */
	uint8_t tx[MAX_COAP_MSG_LEN];
};

/** A recently finished exchange, remembered to ACK or drop duplicates. */
struct zcoap_dedup_entry {
	int sock;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint16_t mid; /* MID of the server's message */
	bool used;
	int64_t expires;
};

/** A callback the engine wants run after it returns. */
struct zcoap_event {
	coap_client_response_cb_t cb;
	void *user_data;
	uint32_t serial;
	size_t offset;
	const uint8_t *payload;
	size_t len;
	int16_t code;
	uint8_t slot;
	bool last_block;
	bool final;      /* the request ended with this event */
	bool has_packet; /* the received packet describes it */
	bool cb_4_3;     /* cb is a zcoap_client_response_cb_4_3_t */
};

/*
 * More than 16 slots: the engine finds a response's slot through a hash of
 * the tokens (src/core/slot_index.c); fewer are scanned. The index size is
 * a power of two for two tokens per slot at <= 50 % load.
 */
#define ZCOAP_TOKEN_INDEX (ZCOAP_CONFIG_MAX_REQUESTS > 16)
#define ZCOAP_TOKEN_TAB_SIZE                                                                       \
	(ZCOAP_CONFIG_MAX_REQUESTS <= 2     ? 8                                                    \
	 : ZCOAP_CONFIG_MAX_REQUESTS <= 4   ? 16                                                   \
	 : ZCOAP_CONFIG_MAX_REQUESTS <= 8   ? 32                                                   \
	 : ZCOAP_CONFIG_MAX_REQUESTS <= 16  ? 64                                                   \
	 : ZCOAP_CONFIG_MAX_REQUESTS <= 32  ? 128                                                  \
	 : ZCOAP_CONFIG_MAX_REQUESTS <= 64  ? 256                                                  \
	 : ZCOAP_CONFIG_MAX_REQUESTS <= 128 ? 512                                                  \
					    : 1024)

/** The sans-I/O client state machine. */
struct zcoap_engine {
	struct zcoap_slot slots[ZCOAP_CONFIG_MAX_REQUESTS];
	/*
	 * Bit i: slots[i] is not in ZCOAP_PHASE_FREE. Lets every scan skip free slots and
	 * find a free one in a few word operations (src/core/slot_index.c).
	 */
	uint32_t active[(ZCOAP_CONFIG_MAX_REQUESTS + 31) / 32];
	/*
	 * Open-addressing hash of the active slots' tokens and registration
	 * tokens: 0 = empty, else (slot << 1 | kind) + 1, the key being
	 * tok_key[slot][kind]. Matching a response costs the same with 1 or
	 * 255 requests in flight.
	 */
#if ZCOAP_TOKEN_INDEX
	uint16_t tok_tab[ZCOAP_TOKEN_TAB_SIZE];
	uint64_t tok_key[ZCOAP_CONFIG_MAX_REQUESTS][2];
	uint8_t tok_set[ZCOAP_CONFIG_MAX_REQUESTS]; /* bit kind: tok_key[slot][kind] indexed */
#endif
	uint16_t n_active;     /* bits set in active */
	int64_t last_deadline; /* timer of the last submitted request */
	struct zcoap_dedup_entry dedup[ZCOAP_CONFIG_DEDUP_ENTRIES];
	struct zcoap_event events[ZCOAP_CONFIG_MAX_REQUESTS + 2];
	uint16_t n_events;
	/* Sockets whose last exchange ended while the peer may still send
	 * (zc_engine_take_lingers()) */
	int linger_socks[ZCOAP_CONFIG_MAX_REQUESTS];
	uint16_t n_linger;
	uint8_t dedup_next;
	uint32_t next_serial;
	uint32_t separate_timeout_ms;
	const struct zc_engine_io *io;
	void *io_ctx;
	/* Echo value to attach to the next new request (RFC 9175 §2.3) */
	struct {
		int sock;
		struct sockaddr_storage addr;
		socklen_t addrlen;
		uint8_t len;
		uint8_t value[ZCOAP_CONFIG_ECHO_MAX_LEN];
		bool pending;
	} echo;
	/*
	 * The datagram being processed. Written only by the thread running the
	 * client's loop (the receive path); a callback's response info reads
	 * these without the lock (src/client/events.c), which is safe only as
	 * long as nothing an application thread calls ever writes them.
	 */
	struct coap_packet rx;
	const struct sockaddr *rx_src;
	socklen_t rx_srclen;
	uint8_t rx_retransmissions;
	uint32_t rx_block_count;
	uint32_t rx_size2;
	uint32_t rx_observe;
	bool rx_has_observe;
	uint8_t ctl[16];              /* Empty ACK / RST being sent */
	uint32_t illegal_transitions; /* phase changes outside the table: a bug (exchange.c) */
};

#endif /* ZCOAP_CORE_TYPES_H */
