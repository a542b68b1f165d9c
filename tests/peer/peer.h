/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * peer.h -- a scripted, fault-injecting CoAP peer for system tests.
 *
 * A peer is a UDP socket bound to 127.0.0.1:0 that the test thread drives
 * synchronously: it waits for what the client under test sends (with a
 * bounded deadline, never a fixed sleep), inspects it, and sends back
 * whatever the scenario calls for -- a correct reply, a duplicate, a reply
 * from another port, a malformed datagram. Dropping, duplicating and
 * reordering are simply choices of what the test sends.
 */

#ifndef ZCOAP_TEST_PEER_H
#define ZCOAP_TEST_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Largest datagram the peer receives or builds. */
#define PEER_MAX_DATAGRAM 4096
/** Most options kept in a parsed view. */
#define PEER_MAX_OPTIONS 48
/** Default wait for something the client must send. */
#define PEER_WAIT_MS 10000

/** One option, as a view into a datagram or as input to the builder. */
struct peer_opt {
	uint16_t num;       /**< Option number */
	uint16_t len;       /**< Value length */
	const uint8_t *val; /**< Value bytes */
};

/** Where one option of a received datagram is (offsets, so messages can be copied). */
struct peer_optv {
	uint16_t num; /**< Option number */
	uint16_t len; /**< Value length */
	uint16_t off; /**< Offset of the value in peer_msg.buf */
};

/**
 * A datagram received by the peer, with a parsed view of it. The view holds
 * offsets, not pointers, so a struct peer_msg may be copied by assignment.
 */
struct peer_msg {
	uint8_t buf[PEER_MAX_DATAGRAM];
	size_t len;              /**< Datagram length */
	struct sockaddr_in from; /**< Where it came from */
	/** coap_packet_parse() accepted it and the peer's own walk agrees. */
	bool valid;
	uint8_t type; /**< enum coap_msgtype */
	uint8_t code; /**< Code byte */
	uint16_t mid; /**< Message ID */
	uint8_t tkl;  /**< Token length */
	uint8_t token[8];
	struct peer_optv opts[PEER_MAX_OPTIONS]; /**< Options in wire order */
	size_t n_opts;
	size_t payload_off; /**< Offset of the payload in buf, 0 when there is none */
	size_t payload_len;
};

/** A peer endpoint. */
struct peer {
	int fd;
	struct sockaddr_in addr; /**< Its own address (127.0.0.1:port) */
};

/** Open a peer on 127.0.0.1 with an ephemeral port. @return 0 or -errno. */
int peer_open(struct peer *p);

/** Close a peer (idempotent). */
void peer_close(struct peer *p);

/** The peer's address, for coap_client_req(). */
const struct sockaddr *peer_sa(const struct peer *p);

/** The peer's port in host order. */
uint16_t peer_port(const struct peer *p);

/**
 * Wait up to @p timeout_ms for one datagram.
 * @retval 0 A datagram was stored in @p m (check m->valid).
 * @retval -ETIMEDOUT Nothing arrived in time.
 */
int peer_recv(struct peer *p, struct peer_msg *m, int timeout_ms);

/**
 * Like peer_recv(), but silently skips datagrams byte-identical to @p skip
 * (retransmissions of a request the test already handled).
 */
int peer_recv_skip(struct peer *p, struct peer_msg *m, int timeout_ms, const struct peer_msg *skip);

/** Whether a datagram is waiting right now (no waiting). */
bool peer_pending(struct peer *p);

/** Send raw bytes to @p to. @return 0 or -errno. */
int peer_send(struct peer *p, const struct sockaddr_in *to, const void *data, size_t len);

/**
 * Encode a CoAP message. Options may be given in any order (they are sorted
 * by number, stable). @return length, or 0 if it does not fit.
 */
size_t peer_build(uint8_t *out, size_t cap, uint8_t type, uint8_t code, uint16_t mid,
		  const uint8_t *token, uint8_t tkl, const struct peer_opt *opts, size_t n_opts,
		  const void *payload, size_t payload_len);

/** Build and send a message to @p to. @return 0 or -errno. */
int peer_send_msg(struct peer *p, const struct sockaddr_in *to, uint8_t type, uint8_t code,
		  uint16_t mid, const uint8_t *token, uint8_t tkl, const struct peer_opt *opts,
		  size_t n_opts, const void *payload, size_t payload_len);

/** Piggybacked response: ACK, the request's MID and token, to its source. */
int peer_reply(struct peer *p, const struct peer_msg *req, uint8_t code,
	       const struct peer_opt *opts, size_t n_opts, const void *payload, size_t len);

/** Empty ACK (4 bytes) for @p req. */
int peer_empty_ack(struct peer *p, const struct peer_msg *req);

/** RST (4 bytes) with the MID of @p req. */
int peer_rst(struct peer *p, const struct peer_msg *req);

/**
 * Separate response (or notification) of type @p type (CON or NON) with the
 * token of @p req and message ID @p mid.
 */
int peer_separate(struct peer *p, const struct peer_msg *req, uint8_t type, uint16_t mid,
		  uint8_t code, const struct peer_opt *opts, size_t n_opts, const void *payload,
		  size_t len);

/** A fresh message ID for messages the peer originates. */
uint16_t peer_next_mid(void);

/**
 * Synchronisation point: send a CON 2.05 with a token the client cannot
 * know to @p to and wait for the RST the client owes it (RFC 7252 §4.2).
 * The client handles datagrams from one socket in order, so when this
 * returns 0 every datagram the peer sent to @p to before has been processed
 * and their callbacks have run. Other datagrams received meanwhile are
 * stored in @p others (up to @p max, count in @p n_others; both may be
 * NULL/0, then they are dropped).
 * @retval 0 The RST arrived.
 * @retval -ETIMEDOUT It did not.
 */
int peer_barrier(struct peer *p, const struct sockaddr_in *to, struct peer_msg *others, size_t max,
		 size_t *n_others);

/**
 * The @p idx-th occurrence of option @p num, or NULL. The returned view lives
 * in a small per-thread ring: it stays valid for the next 15 calls.
 */
const struct peer_opt *peer_msg_opt(const struct peer_msg *m, uint16_t num, size_t idx);

/** The payload of @p m, or NULL when it has none. */
const uint8_t *peer_msg_payload(const struct peer_msg *m);

/** Number of occurrences of option @p num. */
size_t peer_msg_count_opt(const struct peer_msg *m, uint16_t num);

/** Decode an option value as a big-endian unsigned integer. */
uint32_t peer_opt_uint(const struct peer_opt *o);

/**
 * Join the Uri-Path options with '/' (no leading '/') into @p out.
 * @return @p out.
 */
const char *peer_msg_path(const struct peer_msg *m, char *out, size_t cap);

/** Whether @p m is an Empty message of type @p type with MID @p mid (exactly 4 bytes). */
bool peer_msg_is_empty(const struct peer_msg *m, uint8_t type, uint16_t mid);

/** Encode a Block1/Block2 value (RFC 7959 §2.2) into @p out; @return its length 0..3. */
uint16_t peer_block_value(uint8_t out[3], uint32_t num, bool more, uint8_t szx);

/** Encode an unsigned integer option value in its shortest form; @return length 0..4. */
uint16_t peer_uint_value(uint8_t out[4], uint32_t v);

#endif /* ZCOAP_TEST_PEER_H */
