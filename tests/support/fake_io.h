/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fake_io.h -- a fake clock and a fake transport for the sans-I/O client
 * engine (src/core/engine.h), plus a small CoAP walker and builder.
 *
 * A test owns a struct fk: one engine wired to a recording transport. Time
 * is the integer fk->now that the test moves; nothing sleeps. Every engine
 * entry point is called through an fk_ wrapper that drains eng->events into
 * a test-side log right after the call, as the real client thread does.
 *
 * Datagrams are decoded and built here byte by byte (independently of the
 * codec, so a codec bug cannot hide an engine bug), and each datagram the
 * engine sends is also given to coap_packet_parse() to check that the
 * codec accepts it.
 */

#ifndef ZCOAP_TEST_FAKE_IO_H
#define ZCOAP_TEST_FAKE_IO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/engine.h"
#include "coap_client.h"

/** Largest datagram recorded, decoded or built. */
#define FK_MAX_DGRAM 2048
/** Most options held by a decoded or built message. */
#define FK_MAX_OPTS 40
/** Longest option value held (Uri-Path segments may be up to 255 bytes). */
#define FK_MAX_OPT_LEN 300
/** Datagrams remembered per fake. */
#define FK_MAX_SENT 512
/** Events remembered per fake. */
#define FK_MAX_EVENTS 128
/** Scripted send results that may be queued. */
#define FK_MAX_SCRIPT 32

/** The server of every test: 192.0.2.1:5683 (RFC 5737 documentation range). */
#define FK_SERVER_IP   "192.0.2.1"
#define FK_SERVER_PORT 5683

/** One option of an fk_msg. */
struct fk_opt {
	uint16_t num;
	uint16_t len;
	uint8_t val[FK_MAX_OPT_LEN];
};

/** A CoAP message, decoded by fk_decode() or being built for fk_encode(). */
struct fk_msg {
	bool ok;       /**< fk_decode(): our walker accepted it */
	bool codec_ok; /**< fk_decode(): coap_packet_parse() returned 0 */
	uint8_t ver;
	uint8_t type; /**< enum coap_msgtype */
	uint8_t code;
	uint16_t mid;
	uint8_t tkl;
	uint8_t token[8];
	struct fk_opt opts[FK_MAX_OPTS];
	size_t n_opts;
	bool has_payload; /**< A payload marker followed by at least one byte */
	size_t payload_len;
	uint8_t payload[FK_MAX_DGRAM];
};

/** A datagram the engine asked to send. */
struct fk_sent {
	int sock;
	bool addr_null;               /**< The engine passed a NULL destination */
	struct sockaddr_storage addr; /**< The destination (when not NULL) */
	socklen_t addrlen;            /**< As passed */
	int result;                   /**< What the fake returned */
	size_t len;
	uint8_t buf[FK_MAX_DGRAM];
};

/** A drained engine event, with copies of everything it points to. */
struct fk_event {
	coap_client_response_cb_t cb;
	void *user_data;
	uint32_t serial;
	size_t offset;
	int16_t code;
	bool payload_null;
	size_t len;
	uint8_t payload[FK_MAX_DGRAM];
	bool last_block;
	bool final;
	bool has_packet;
	bool live;              /**< zc_engine_event_live() when drained */
	struct zcoap_event raw; /**< The event as queued (payload pointer stale) */
	/* zc_engine_response_info() when has_packet */
	bool info_ok;
	bool info_has_observe;
	uint32_t info_observe;
	uint32_t info_block_count;
	uint32_t info_size2;
	uint8_t info_retransmissions;
	uint8_t info_code;
	bool info_source_null;
	struct sockaddr_storage info_source;
	socklen_t info_source_len;
};

/** A test fixture: one engine, its fake transport, its clock and its logs. */
struct fk {
	struct zcoap_engine eng;
	struct zc_engine_io io;
	int64_t now;
	int sock; /**< Socket used by fk_submit() */
	struct sockaddr_in server;

	/* transport */
	struct fk_sent sent[FK_MAX_SENT];
	size_t n_sent; /**< send() calls, successful or not */
	int script[FK_MAX_SCRIPT];
	size_t n_script;
	int send_default; /**< Result when nothing is scripted (0) */

	/* randomness */
	uint32_t rng;
	bool rng_const; /**< Fill every random buffer with rng_byte */
	uint8_t rng_byte;
	size_t n_random; /**< random() calls */

	/* trace */
	size_t n_trace_out;
	size_t n_trace_in;

	/* events */
	struct fk_event ev[FK_MAX_EVENTS];
	size_t n_ev;

	uint8_t rx[FK_MAX_DGRAM]; /**< Receive buffer handed to the engine */
};

/** A recognisable response callback; events must carry it. */
void fk_cb(int16_t result_code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	   void *user_data);
/** A second callback, to test cancel matching on cb. */
void fk_cb2(int16_t result_code, size_t offset, const uint8_t *payload, size_t len, bool last_block,
	    void *user_data);

/** Allocate and initialise a fixture (socket 0, time 0, server 192.0.2.1:5683). */
struct fk *fk_new(void);
/** Free a fixture. */
void fk_free(struct fk *f);
/** Reset the deterministic random generator. */
void fk_seed(struct fk *f, uint32_t seed);

/** {ack_timeout 1000, ack_random_percent 100, backoff 200, max_retransmission 4}. */
struct coap_transmission_parameters fk_params(void);
/** A request with cb = fk_cb; payload NULL. */
struct coap_client_request fk_req(enum coap_method method, bool con, const char *path,
				  void *user_data);

/** An IPv4 address. */
struct sockaddr_in fk_addr4(const char *ip, uint16_t port);

/** Queue @p n send results equal to @p result for the next sends. */
void fk_script(struct fk *f, int result, size_t n);

/* ---- engine calls (each drains the events afterwards) ---- */

/** Submit to the server on f->sock with @p params (NULL: defaults). */
int fk_submit(struct fk *f, const struct coap_client_request *req,
	      const struct coap_transmission_parameters *params);
/** Submit with an explicit socket and destination. */
int fk_submit_to(struct fk *f, int sock, const struct sockaddr *addr, socklen_t addrlen,
		 const struct coap_client_request *req,
		 const struct coap_transmission_parameters *params);
/** Set the clock to @p t and tick. */
void fk_tick(struct fk *f, int64_t t);
/** Earliest deadline. */
int64_t fk_next(const struct fk *f);
/** Step to the next deadline and tick; false when there is none. */
bool fk_step(struct fk *f);
/** Fire every deadline up to @p t in order, then tick at @p t. */
void fk_run_until(struct fk *f, int64_t t);
/** Cancel (pattern NULL: all) and drain. */
int fk_cancel(struct fk *f, const struct coap_client_request *pattern, uint32_t quiet,
	      uint32_t *serials, int max);
/** Deregister and drain. */
int fk_deregister(struct fk *f, const struct coap_client_request *pattern);
/** Fail a socket and drain. */
void fk_fail_socket(struct fk *f, int sock, int err);

/** Deliver raw bytes from @p src on @p sock. */
void fk_deliver_from(struct fk *f, int sock, const struct sockaddr *src, socklen_t srclen,
		     const uint8_t *bytes, size_t len);
/** Deliver raw bytes from the server on f->sock. */
void fk_deliver(struct fk *f, const uint8_t *bytes, size_t len);
/** Encode @p m and deliver it from the server. */
void fk_deliver_msg(struct fk *f, const struct fk_msg *m);
/** Encode @p m and deliver it from @p src. */
void fk_deliver_msg_from(struct fk *f, const struct sockaddr *src, socklen_t srclen,
			 const struct fk_msg *m);

/**
 * Encode @p m and deliver its first @p keep bytes from @p src as a truncated
 * datagram (the transport saw MSG_TRUNC: the datagram was longer).
 */
void fk_deliver_trunc_from(struct fk *f, const struct sockaddr *src, socklen_t srclen,
			   const struct fk_msg *m, size_t keep);
/** Forget the sent-datagram and event logs (long transfers outgrow them). */
void fk_forget(struct fk *f);

/* ---- what was sent ---- */

/** Number of send() calls so far (including failed ones). */
size_t fk_nsent(const struct fk *f);
/** Record @p i (0-based). */
const struct fk_sent *fk_sent(const struct fk *f, size_t i);
/** Decode record @p i into @p m (asserts that it is a valid CoAP message). */
void fk_sent_msg(const struct fk *f, size_t i, struct fk_msg *m);
/** Decode the last record into @p m. */
void fk_last_msg(const struct fk *f, struct fk_msg *m);
/** Whether record @p i went to @p addr (same family, address and port). */
bool fk_sent_to(const struct fk *f, size_t i, const struct sockaddr *addr);
/** Number of RST messages among records [from, n_sent). */
size_t fk_count_rst(const struct fk *f, size_t from);

/* ---- events ---- */

/** Number of events drained so far. */
size_t fk_nev(const struct fk *f);
/** Event @p i (0-based). */
const struct fk_event *fk_ev(const struct fk *f, size_t i);
/** Drain eng->events into the log (done by every wrapper). */
void fk_drain(struct fk *f);

/* ---- messages ---- */

/** Decode @p buf; returns m->ok. */
bool fk_decode(const uint8_t *buf, size_t len, struct fk_msg *m);
/** Encode @p m (options are sorted first); returns the length. */
size_t fk_encode(const struct fk_msg *m, uint8_t *out, size_t cap);
/** Start a message. */
void fk_msg_init(struct fk_msg *m, uint8_t type, uint8_t code, uint16_t mid, const uint8_t *token,
		 uint8_t tkl);
/** Start a response of @p type to @p req with req's token; ACKs take req's MID. */
void fk_msg_reply(struct fk_msg *m, const struct fk_msg *req, uint8_t type, uint8_t code,
		  uint16_t mid);
/** Add an option. */
void fk_msg_opt(struct fk_msg *m, uint16_t num, const void *val, size_t len);
/** Add an unsigned option in its shortest form. */
void fk_msg_opt_uint(struct fk_msg *m, uint16_t num, uint32_t v);
/** Set the payload. */
void fk_msg_payload(struct fk_msg *m, const void *p, size_t len);

/** Number of occurrences of option @p num. */
size_t fk_opt_count(const struct fk_msg *m, uint16_t num);
/** The @p idx-th occurrence of option @p num, or NULL. */
const struct fk_opt *fk_opt_get(const struct fk_msg *m, uint16_t num, size_t idx);
/** Decode an unsigned option; false when absent. */
bool fk_opt_uint(const struct fk_msg *m, uint16_t num, uint32_t *v);
/** Uri-Path options joined with '/' and Uri-Query options with '&' after '?'. */
void fk_msg_path(const struct fk_msg *m, char *out, size_t cap);

/** Block option value NUM/M/SZX. */
uint32_t fk_block(uint32_t num, bool more, uint8_t szx);

/* ---- shortcuts: replies from the server to decoded request @p req ---- */

/** Piggybacked ACK with @p code and optional payload. */
void fk_reply_ack(struct fk *f, const struct fk_msg *req, uint8_t code, const void *payload,
		  size_t len);
/** Empty ACK for MID @p mid (exactly 4 bytes). */
void fk_empty_ack(struct fk *f, uint16_t mid);
/** RST for MID @p mid (exactly 4 bytes). */
void fk_rst(struct fk *f, uint16_t mid);

/** Whether @p s holds exactly the 4-byte Empty ACK / RST for @p mid. */
bool fk_is_empty_ack(const struct fk_sent *s, uint16_t mid);
bool fk_is_rst(const struct fk_sent *s, uint16_t mid);

/* ---- event assertions (cmocka) ---- */

/** @p e is a final error event @p err (offset 0, payload NULL, len 0, last_block). */
void fk_assert_error(const struct fk_event *e, int err);
/**
 * @p e is a response with @p code, @p payload (NULL/0: none), @p offset,
 * @p last_block and @p final, for a request with cb fk_cb.
 */
void fk_assert_response(const struct fk_event *e, uint8_t code, const void *payload, size_t len,
			size_t offset, bool last_block, bool final);

/** SZX of ZCOAP_CONFIG_BLOCK_SIZE. */
uint8_t fk_local_szx(void);

#endif /* ZCOAP_TEST_FAKE_IO_H */
