/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * transport.h -- datagram send/receive on an application socket. The UDP
 * implementation is src/transport/udp.c; the DTLS transport (zcoap_dtls.h)
 * hooks in here by descriptor, so the client never knows which it talks to.
 */
#ifndef ZCOAP_TRANSPORT_H
#define ZCOAP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/**
 * Send one datagram.
 * @param addr Destination, or NULL on a connected socket.
 * @retval 0 Sent.
 * @retval <0 Negative errno (-EAGAIN when the socket buffer is full).
 */
int zc_transport_send(int sock, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
		      size_t len);

/**
 * Receive one datagram without blocking.
 * @param[out] src Source address (left with *srclen = 0 when unknown).
 * @param[out] truncated Set when the datagram was longer than @p cap.
 * @retval >=0 Bytes stored in @p buf (at most @p cap).
 * @retval -EAGAIN Nothing to read.
 * @retval <0 Other negative errno (e.g. -ECONNREFUSED after ICMP port unreachable).
 */
long zc_transport_recv(int sock, uint8_t *buf, size_t cap, struct sockaddr_storage *src,
		       socklen_t *srclen, bool *truncated);

/*
 * DTLS hooks (dtls_mbedtls.c, or dtls_none.c without DTLS). A descriptor
 * set up with zcoap_dtls_connect() is "owned" by the DTLS layer: the UDP
 * functions above hand its datagrams to these instead, so the engine and
 * the thread see plaintext CoAP on an ordinary descriptor.
 */

/** Whether @p sock is a connected zcoap DTLS socket. */
bool zc_dtls_owns(int sock);

/** Encrypt and send one CoAP message. 0 or a negative errno. */
int zc_dtls_send(int sock, const uint8_t *buf, size_t len);

/**
 * Read and decrypt one record without blocking.
 * @retval >=0 Plaintext bytes. @retval -EAGAIN Nothing (or only a non-application record).
 * @retval <0 A fatal error: the session is unusable (peer close, alert, I/O).
 */
long zc_dtls_recv(int sock, uint8_t *buf, size_t cap, bool *truncated);

#endif /* ZCOAP_TRANSPORT_H */
