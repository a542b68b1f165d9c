/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * responder.c -- a minimal, fixed-cost CoAP responder for the benchmarks.
 *
 * Usage: zbench_responder [port]   (0 or nothing: a free port; printed on stdout)
 *
 * Every GET is answered at once: a CON with a piggybacked 2.05 ACK (same MID
 * and token, RFC 7252 §5.2.1), a NON with a NON 2.05 (same token, our own
 * MID, §5.2.3). The path "big" is a virtual 1 MiB body served block-wise
 * (RFC 7959 §2.4): the requested Block2 NUM/SZX (at most 1024-byte blocks;
 * block 0 of 1024 bytes when the request has no Block2), with Size2. Any
 * other path gets a 16-byte payload. Other methods get 4.05, an Empty CON
 * (ping) an RST, and everything else is ignored.
 *
 * The work per request is the same whoever the client is, so differences
 * between clients are the clients'. Datagrams are read and answered in
 * batches (recvmmsg/sendmmsg) to keep the responder out of the way when many
 * requests are in flight. Runs until SIGTERM/SIGINT; prints the number of
 * requests answered on stderr when it stops.
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

#define BATCH   64
#define RX_SIZE 1500
#define TX_SIZE 1200

#define OPT_URI_PATH       11U
#define OPT_CONTENT_FORMAT 12U
#define OPT_BLOCK2         23U
#define OPT_SIZE2          28U

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct request {
	uint8_t type;
	uint8_t tkl;
	uint8_t code;
	uint16_t mid;
	const uint8_t *token;
	bool big; /* first Uri-Path segment is "big" */
	bool has_block2;
	uint32_t block2; /* raw Block2 value */
};

/* Extended option nibble (RFC 7252 §3.1); false when the bytes run out. */
static bool ext(const uint8_t *d, size_t len, size_t *pos, unsigned int nib, uint32_t *out)
{
	if (nib < 13U) {
		*out = nib;
	} else if (nib == 13U && *pos + 1U <= len) {
		*out = d[*pos] + 13U;
		*pos += 1U;
	} else if (nib == 14U && *pos + 2U <= len) {
		*out = ((uint32_t)d[*pos] << 8 | d[*pos + 1U]) + 269U;
		*pos += 2U;
	} else {
		return false;
	}
	return true;
}

/* Library-free on purpose: the responder serves the zcoap, libcoap and raw clients alike. */
static bool parse(const uint8_t *d, size_t len, struct request *rq)
{
	size_t pos;
	uint32_t number = 0;
	bool first_path = true;

	if (len < 4 || (d[0] >> 6) != 1) {
		return false;
	}
	memset(rq, 0, sizeof(*rq));
	rq->type = (uint8_t)((d[0] >> 4) & 3U);
	rq->tkl = (uint8_t)(d[0] & 0x0FU);
	rq->code = d[1];
	rq->mid = (uint16_t)(d[2] << 8 | d[3]);
	if (rq->tkl > 8 || 4U + rq->tkl > len) {
		return false;
	}
	rq->token = d + 4;
	pos = 4U + rq->tkl;
	while (pos < len && d[pos] != 0xFF) {
		unsigned int b = d[pos++];
		uint32_t delta;
		uint32_t vlen;

		if (!ext(d, len, &pos, b >> 4, &delta) || !ext(d, len, &pos, b & 0x0FU, &vlen) ||
		    pos + vlen > len) {
			return false;
		}
		number += delta;
		if (number == OPT_URI_PATH && first_path) {
			first_path = false;
			rq->big = vlen == 3 && memcmp(d + pos, "big", 3) == 0;
		} else if (number == OPT_BLOCK2 && vlen <= 3) {
			rq->has_block2 = true;
			rq->block2 = 0;
			for (uint32_t i = 0; i < vlen; i++) {
				rq->block2 = rq->block2 << 8 | d[pos + i];
			}
		}
		pos += vlen;
	}
	return true;
}

/* Append one option with a delta below 269 and a value shorter than 13 bytes. */
static size_t put_option(uint8_t *out, uint32_t delta, const uint8_t *v, uint32_t vlen)
{
	size_t n = 0;

	if (delta < 13U) {
		out[n++] = (uint8_t)(delta << 4 | vlen);
	} else {
		out[n++] = (uint8_t)(13U << 4 | vlen);
		out[n++] = (uint8_t)(delta - 13U);
	}
	memcpy(out + n, v, vlen);
	return n + vlen;
}

/* Shortest big-endian encoding of @p v (RFC 7252 §3.2). */
static uint32_t uint_bytes(uint32_t v, uint8_t out[4])
{
	uint32_t n = 0;

	for (int shift = 24; shift >= 0; shift -= 8) {
		if (n > 0 || (v >> shift & 0xFFU) != 0) {
			out[n++] = (uint8_t)(v >> shift);
		}
	}
	return n;
}

static uint16_t next_mid = 0x4000;

/* Build the answer to @p rq in @p out; 0 when nothing is to be sent. */
static size_t answer(const struct request *rq, uint8_t *out)
{
	uint8_t type;
	uint16_t mid;
	size_t n;

	if (rq->code == 0) {
		if (rq->type != 0) {
			return 0;
		}
		/* A CoAP ping (RFC 7252 §4.3): RST. */
		out[0] = 0x70;
		out[1] = 0;
		out[2] = (uint8_t)(rq->mid >> 8);
		out[3] = (uint8_t)rq->mid;
		return 4;
	}
	if (rq->type == 0) {
		type = 2; /* piggybacked ACK */
		mid = rq->mid;
	} else if (rq->type == 1) {
		type = 1; /* NON answered with NON */
		mid = next_mid++;
	} else {
		return 0;
	}
	out[0] = (uint8_t)(0x40U | type << 4 | rq->tkl);
	out[2] = (uint8_t)(mid >> 8);
	out[3] = (uint8_t)mid;
	memcpy(out + 4, rq->token, rq->tkl);
	n = 4U + rq->tkl;
	if (rq->code != 1) {
		out[1] = (uint8_t)(4U << 5 | 5U); /* 4.05 Method Not Allowed */
		return n;
	}
	out[1] = (uint8_t)(2U << 5 | 5U); /* 2.05 Content */
	if (!rq->big) {
		/* Content-Format 0, text/plain (RFC 7252 §12.3), as real servers send it. */
		out[n++] = (uint8_t)(OPT_CONTENT_FORMAT << 4);
		out[n++] = 0xFF;
		memcpy(out + n, ZBENCH_SMALL_PAYLOAD, ZBENCH_SMALL_PAYLOAD_LEN);
		return n + ZBENCH_SMALL_PAYLOAD_LEN;
	}
	{
		uint32_t num = rq->has_block2 ? rq->block2 >> 4 : 0;
		uint32_t szx = rq->has_block2 ? rq->block2 & 7U : 6U;
		uint32_t size;
		uint32_t offset;
		uint32_t chunk;
		bool more;
		uint8_t v[4];
		uint32_t vlen;

		if (szx > 6U) {
			szx = 6U; /* 7 is reserved; we never go above 1024 */
		}
		size = 16U << szx;
		offset = num * size;
		if (num >= (1U << 20) || offset >= ZBENCH_BODY_SIZE) {
			out[1] = (uint8_t)(4U << 5 | 2U); /* 4.02 Bad Option (RFC 7959 §2.4) */
			return n;
		}
		chunk = ZBENCH_BODY_SIZE - offset < size ? ZBENCH_BODY_SIZE - offset : size;
		more = offset + chunk < ZBENCH_BODY_SIZE;
		vlen = uint_bytes(num << 4 | (more ? 8U : 0U) | szx, v);
		n += put_option(out + n, OPT_BLOCK2, v, vlen);
		vlen = uint_bytes(ZBENCH_BODY_SIZE, v);
		n += put_option(out + n, OPT_SIZE2 - OPT_BLOCK2, v, vlen);
		out[n++] = 0xFF;
		for (uint32_t i = 0; i < chunk; i++) {
			out[n + i] = zbench_body_byte(offset + i);
		}
		return n + chunk;
	}
}

int main(int argc, char **argv)
{
	static uint8_t rx[BATCH][RX_SIZE];
	static uint8_t tx[BATCH][TX_SIZE];
	struct sockaddr_storage src[BATCH];
	struct iovec rx_iov[BATCH];
	struct iovec tx_iov[BATCH];
	struct mmsghdr rx_msg[BATCH];
	struct mmsghdr tx_msg[BATCH];
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct sigaction sa;
	unsigned long served = 0;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)(argc > 1 ? zbench_arg(argv[1], "port") : 0));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		zbench_die("responder: socket/bind: %s", strerror(errno));
	}
	zbench_big_buffers(fd);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: recvmmsg returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	printf("%u\n", (unsigned int)ntohs(sin.sin_port));
	fflush(stdout);

	while (!stop) {
		int got;
		unsigned int out = 0;

		for (int i = 0; i < BATCH; i++) {
			rx_iov[i].iov_base = rx[i];
			rx_iov[i].iov_len = RX_SIZE;
			memset(&rx_msg[i].msg_hdr, 0, sizeof(rx_msg[i].msg_hdr));
			rx_msg[i].msg_hdr.msg_name = &src[i];
			rx_msg[i].msg_hdr.msg_namelen = sizeof(src[i]);
			rx_msg[i].msg_hdr.msg_iov = &rx_iov[i];
			rx_msg[i].msg_hdr.msg_iovlen = 1;
		}
		/* Block for the first datagram, then take whatever else is queued. */
		got = recvmmsg(fd, rx_msg, BATCH, MSG_WAITFORONE, NULL);
		if (got < 0) {
			if (errno == EINTR) {
				continue;
			}
			zbench_die("responder: recvmmsg: %s", strerror(errno));
		}
		for (int i = 0; i < got; i++) {
			struct request rq;
			size_t n;

			if (!parse(rx[i], rx_msg[i].msg_len, &rq)) {
				continue;
			}
			n = answer(&rq, tx[out]);
			if (n == 0) {
				continue;
			}
			served++;
			tx_iov[out].iov_base = tx[out];
			tx_iov[out].iov_len = n;
			memset(&tx_msg[out].msg_hdr, 0, sizeof(tx_msg[out].msg_hdr));
			tx_msg[out].msg_hdr.msg_name = &src[i];
			tx_msg[out].msg_hdr.msg_namelen = rx_msg[i].msg_hdr.msg_namelen;
			tx_msg[out].msg_hdr.msg_iov = &tx_iov[out];
			tx_msg[out].msg_hdr.msg_iovlen = 1;
			out++;
		}
		for (unsigned int done = 0; done < out;) {
			int sent = sendmmsg(fd, tx_msg + done, out - done, 0);

			if (sent < 0) {
				if (errno == EINTR) {
					continue;
				}
				/* ECONNREFUSED etc. from an earlier datagram: skip this one. */
				done++;
				continue;
			}
			done += (unsigned int)sent;
		}
	}
	fprintf(stderr, "responder: %lu requests answered\n", served);
	close(fd);
	return 0;
}
