/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tls.h -- TLS over a connected TCP socket for CoAP over TLS (coaps+tcp,
 * RFC 8323 §4): a session on the application's credential store
 * (zcoap_tls_credential_add(), the DTLS store), ALPN "coap", TLS 1.2,
 * certificates verified unless the configuration says otherwise.
 * mbedtls_tls.c with Mbed TLS, none.c without. Not thread-safe per session:
 * the caller (the TCP client) serialises every call on one session.
 */
#ifndef ZC_TRANSPORT_TLS_H
#define ZC_TRANSPORT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zcoap_dtls.h"

struct zc_tls;

/* Room for the sentence of a failure (as ZC_DTLS_DETAIL_LEN for DTLS). */
#define ZC_TLS_WHY_LEN 200

/**
 * Run the handshake on the connected socket @p fd (blocking, bounded by
 * cfg->handshake_timeout_ms, 10 s when 0).
 * @param[out] out The session.
 * @retval 0 Done.
 * @retval -EPROTONOSUPPORT Built without Mbed TLS.
 * @retval -EAGAIN Every session slot (ZCOAP_CONFIG_TCP_TLS_SESSIONS) is in use.
 * @retval -EINVAL A bad configuration or unusable credentials.
 * @retval -ENOENT A security tag without credentials.
 * @retval -ETIMEDOUT, -EACCES, -EKEYREJECTED, -EKEYEXPIRED, -ECONNABORTED,
 *         -ECONNRESET Handshake failures, as for DTLS (docs/errors.md).
 * On failure @p why (@p n bytes, ZC_TLS_WHY_LEN is enough) holds a sentence
 * naming the cause (the DTLS mapping, transport/dtls/mbedtls_diag.h).
 */
int zc_tls_open(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out, char *why,
		size_t n);

/**
 * An event loop's handshake: set up a session on @p fd (a non-blocking
 * socket, connected or still connecting) without any I/O; then
 * zc_tls_handshake_step() once the socket is connected and whenever it is
 * ready. The loop bounds the handshake by *timeout_ms (cfg->handshake_timeout_ms,
 * 10 s when 0). Errors (and @p why) as zc_tls_open() but the handshake's; on
 * success free the session with zc_tls_close().
 */
int zc_tls_start(int fd, const struct zcoap_dtls_config *cfg, struct zc_tls **out,
		 uint32_t *timeout_ms, char *why, size_t n);

/**
 * Step the handshake of zc_tls_start() as far as the socket allows.
 * @retval 0 Done: the session reads and writes as one of zc_tls_open()
 *         (make the socket blocking again for zc_tls_send()).
 * @retval -EAGAIN Wait until the socket is writable (*want_write) or readable.
 * @retval other A handshake failure, as zc_tls_open()'s (its sentence from
 *         zc_tls_last_error()); close the session.
 */
int zc_tls_handshake_step(struct zc_tls *t, bool *want_write);

/** Write all of @p buf. 0 or a negative errno. */
int zc_tls_send(struct zc_tls *t, const uint8_t *buf, size_t len);

/**
 * Read what is there: bytes, -EAGAIN (nothing yet), -ECONNRESET (closed),
 * -ECONNABORTED (a fatal alert), -EBADMSG (a record that does not
 * authenticate or parse), or -errno. Failures keep their sentence for
 * zc_tls_last_error().
 */
long zc_tls_recv(struct zc_tls *t, uint8_t *buf, size_t cap);

/**
 * The failure of the session's handshake step, send or receive: its
 * negative errno, with the sentence in @p buf (truncated to @p n - 1
 * characters); 0 and "" when none failed (or @p t is NULL).
 */
int zc_tls_last_error(const struct zc_tls *t, char *buf, size_t n);

/** Decrypted bytes are waiting (read them before polling the socket again). */
bool zc_tls_pending(const struct zc_tls *t);

/**
 * "@p what: " and zcoap_strerror(@p err) in @p why: the TCP client's
 * sentence for a connect or send that failed (src/tcp/ may not call
 * src/common/ itself, scripts/check-layers.sh).
 */
void zc_tls_errno_text(const char *what, int err, char *why, size_t n);

/** Send close_notify (best effort), free the session. Does not close the socket. */
void zc_tls_close(struct zc_tls *t);

#endif /* ZC_TRANSPORT_TLS_H */
