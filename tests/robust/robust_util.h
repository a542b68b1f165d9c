/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * robust_util.h -- helpers of the robustness tests: a lossy UDP proxy, a
 * small CoAP responder that the tests control, and common bits.
 *
 * The proxy sits between the client under test and a server, both on
 * 127.0.0.1 with ephemeral ports. Each datagram, in either direction, is
 * dropped, delayed (so that later ones overtake it) or passed on, and may
 * in addition be duplicated (the copy also delayed), all decided by a
 * seeded generator. The proxy logs what the client sent before deciding,
 * so tests can count transmissions per message ID.
 *
 * The responder serves what the lossy-network tests need: small GETs
 * (some with separate responses that it retransmits itself), a Block2
 * download, a Block1 upload it stores, and an observable resource that
 * notifies every few milliseconds with increasing sequence numbers.
 */

#ifndef ZCOAP_TEST_ROBUST_UTIL_H
#define ZCOAP_TEST_ROBUST_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Microseconds on the monotonic clock. */
int64_t robust_now_us(void);

/** Seed for the tests' generators: $ZCOAP_ROBUST_SEED, else @p def. */
uint64_t robust_seed(uint64_t def);

/** A small seeded generator (xorshift64*). */
struct robust_rng {
	uint64_t s;
};
void robust_rng_init(struct robust_rng *r, uint64_t seed);
uint64_t robust_rng_next(struct robust_rng *r);
/** Uniform double in [0, 1). */
double robust_rng_unit(struct robust_rng *r);

/** Byte @p i of the test body used by downloads and uploads. */
static inline uint8_t robust_pattern(size_t i)
{
	return (uint8_t)((i * 131U) ^ (i >> 8) ^ (i >> 16) ^ 0x5aU);
}

/* ---- the lossy proxy ------------------------------------------------------ */

/** Direction of a datagram through the proxy. */
enum { PROXY_C2S = 0, PROXY_S2C = 1 };

struct proxy_cfg {
	double loss;    /**< Probability that a datagram is dropped */
	double dup;     /**< Probability that a passed datagram is sent twice */
	double reorder; /**< Probability that a passed datagram is held back */
	int reorder_ms; /**< Longest hold-back (and duplicate delay), ms */
	uint64_t seed;  /**< Generator seed */
};

struct proxy_stats {
	unsigned long seen[2];
	unsigned long dropped[2];
	unsigned long duplicated[2];
	unsigned long delayed[2];
};

/** A datagram the client sent, as the proxy saw it (before any loss). */
struct proxy_rec {
	int64_t t_us;
	uint16_t len;
	uint8_t head[96]; /**< First bytes of the datagram */
};

struct proxy;

/** Start a proxy in front of @p server. @return 0 or -errno. */
int proxy_start(struct proxy **out, const struct sockaddr_in *server, const struct proxy_cfg *cfg);
/** The address the client must send to. */
const struct sockaddr *proxy_addr(const struct proxy *p);
/** Stop and free. */
void proxy_stop(struct proxy *p);
/** Counters so far. */
struct proxy_stats proxy_get_stats(struct proxy *p);
/** A copy of the log of client datagrams (free() it); @return the number of records. */
size_t proxy_log(struct proxy *p, struct proxy_rec **recs);

/* ---- the responder -------------------------------------------------------- */

struct responder_cfg {
	size_t body_len;      /**< Size of the "big" resource (Block2 download) */
	size_t upload_cap;    /**< Capacity for "up" (Block1 upload) */
	int notify_ms;        /**< Period of "obs" notifications */
	int separate_every;   /**< "r/N" with N % separate_every == 2 goes separate (0: never) */
	int separate_rto_ms;  /**< First retransmission timeout of separate responses */
	int separate_retrans; /**< Retransmissions of a separate response */
};

struct responder_stats {
	unsigned long requests;
	unsigned long separate;      /**< Separate responses started */
	unsigned long notifications; /**< Notifications sent */
	unsigned long rst_received;
	unsigned long observers; /**< Observers registered now */
};

struct responder;

/** Start a responder on 127.0.0.1:0. @return 0 or -errno. */
int responder_start(struct responder **out, const struct responder_cfg *cfg);
const struct sockaddr_in *responder_addr(const struct responder *r);
void responder_stop(struct responder *r);
struct responder_stats responder_get_stats(struct responder *r);
/**
 * The stored upload: @p *data points into the responder (valid until
 * responder_stop()); @return the size announced by the final block, or 0
 * while no final block has arrived.
 */
size_t responder_upload(struct responder *r, const uint8_t **data);

/* ---- misc ------------------------------------------------------------------ */

/** A UDP socket bound to 127.0.0.1:0, or -1. */
int robust_udp_socket(void);

/** Number of open file descriptors of the process. */
int robust_count_fds(void);

#endif /* ZCOAP_TEST_ROBUST_UTIL_H */
