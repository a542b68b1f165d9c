/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * body_peer.c -- a CoAP server on 127.0.0.1 that serves a body of any length
 * block-wise (RFC 7959 §2.4), for the zcoap tool's memory tests. The first
 * Uri-Path segment is the length in bytes, or "endless" for a body that
 * never ends (M is always set). Byte i of every body is i % 251, so a test
 * can check what the tool wrote. Each request is answered with the block
 * its Block2 option asks for (NUM 0, 1024 bytes when it carries none): a
 * piggybacked ACK for a CON, a NON for a NON.
 *
 * Prints its port on the first line of stdout, then serves until killed or
 * for at most 120 seconds (a forgotten peer must not outlive the test run).
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peer_socket.h"

#define OPT_URI_PATH 11
#define OPT_BLOCK2   23

struct request {
	uint8_t type;
	uint8_t tkl;
	uint8_t mid[2];
	uint8_t token[8];
	uint64_t length; /* UINT64_MAX: endless */
	uint32_t num;
	unsigned int szx;
};

/* The parts of a request this peer needs; false when it is not one. */
static bool parse(const uint8_t *m, size_t n, struct request *r)
{
	size_t i;
	unsigned int num = 0;

	if (n < 4 || (m[0] >> 6) != 1 || (m[0] & 0x0F) > 8 || m[1] == 0 || m[1] >= 32) {
		return false;
	}
	r->type = (m[0] >> 4) & 3;
	r->tkl = m[0] & 0x0F;
	memcpy(r->mid, m + 2, 2);
	if (4u + r->tkl > n) {
		return false;
	}
	memcpy(r->token, m + 4, r->tkl);
	r->length = 0;
	r->num = 0;
	r->szx = 6;
	for (i = 4u + r->tkl; i < n && m[i] != 0xFF;) {
		unsigned int delta = m[i] >> 4;
		unsigned int len = m[i] & 0x0F;

		i++;
		if (delta == 15 || len == 15) {
			return false;
		}
		if (delta == 13 && i < n) {
			delta = 13u + m[i++];
		} else if (delta == 14 && i + 1 < n) {
			delta = 269u + ((unsigned int)m[i] << 8 | m[i + 1]);
			i += 2;
		}
		if (len == 13 && i < n) {
			len = 13u + m[i++];
		} else if (len == 14 && i + 1 < n) {
			len = 269u + ((unsigned int)m[i] << 8 | m[i + 1]);
			i += 2;
		}
		if (i + len > n) {
			return false;
		}
		num += delta;
		if (num == OPT_URI_PATH && r->length == 0) {
			char seg[24];

			if (len >= sizeof(seg)) {
				return false;
			}
			memcpy(seg, m + i, len);
			seg[len] = '\0';
			r->length =
			    strcmp(seg, "endless") == 0 ? UINT64_MAX : strtoull(seg, NULL, 10);
		} else if (num == OPT_BLOCK2 && len <= 3) {
			uint32_t v = 0;

			for (unsigned int k = 0; k < len; k++) {
				v = v << 8 | m[i + k];
			}
			r->num = v >> 4;
			r->szx = v & 7u;
			if (r->szx == 7) {
				return false;
			}
		}
		i += len;
	}
	return true;
}

/* The answer to @p r: 2.05 with Block2 and its block of the body. Returns its length. */
static size_t answer(const struct request *r, uint8_t *out, size_t cap)
{
	uint64_t size = (uint64_t)16 << r->szx;
	uint64_t start = (uint64_t)r->num * size;
	uint64_t left = start < r->length ? r->length - start : 0;
	size_t chunk = (size_t)(left < size ? left : size);
	bool more = left > size;
	uint32_t v = r->num << 4 | (more ? 8u : 0u) | r->szx;
	size_t n = 0;

	if (4u + r->tkl + 5u + 1u + chunk > cap) {
		return 0;
	}
	out[n++] = (uint8_t)(0x40 | (r->type == 0 ? 2 << 4 : 1 << 4) | r->tkl);
	out[n++] = 0x45; /* 2.05 Content */
	out[n++] = r->mid[0];
	out[n++] = r->mid[1];
	memcpy(out + n, r->token, r->tkl);
	n += r->tkl;
	/* Block2: delta 23 (13 + 10), value in 1..3 bytes */
	if (v > 0xFFFF) {
		out[n++] = 0xD3;
		out[n++] = 10;
		out[n++] = (uint8_t)(v >> 16);
		out[n++] = (uint8_t)(v >> 8);
	} else if (v > 0xFF) {
		out[n++] = 0xD2;
		out[n++] = 10;
		out[n++] = (uint8_t)(v >> 8);
	} else {
		out[n++] = 0xD1;
		out[n++] = 10;
	}
	out[n++] = (uint8_t)v;
	if (chunk > 0) {
		out[n++] = 0xFF;
		for (size_t k = 0; k < chunk; k++) {
			out[n++] = (uint8_t)((start + k) % 251u);
		}
	}
	return n;
}

int main(void)
{
	time_t end = time(NULL) + 120;
	int fd = peer_socket_open();

	if (fd < 0) {
		return 1;
	}
	while (time(NULL) < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		uint8_t in[1500];
		uint8_t out[1500];
		struct request r;
		ssize_t n;
		size_t len;

		if (poll(&pfd, 1, 1000) <= 0) {
			continue;
		}
		n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			break;
		}
		if (!parse(in, (size_t)n, &r) || r.type > 1) {
			continue;
		}
		len = answer(&r, out, sizeof(out));
		if (len > 0) {
			(void)sendto(fd, out, len, 0, (struct sockaddr *)&from, flen);
		}
	}
	close(fd);
	return 0;
}
