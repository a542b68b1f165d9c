/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * port.h -- what an operating system must provide to zcoap: a monotonic
 * clock and cryptographically secure random bytes. Threads, locks and the
 * wake-up descriptor are used by src/client/thread.c through POSIX directly;
 * an RTOS port replaces that file together with src/port/posix/.
 */
#ifndef ZCOAP_PORT_H
#define ZCOAP_PORT_H

#include <stddef.h>
#include <stdint.h>

/** Monotonic milliseconds since an arbitrary origin (CLOCK_MONOTONIC). */
int64_t zc_port_now_ms(void);

/**
 * Fill @p buf with @p len bytes from the OS CSPRNG (getrandom()).
 * @retval 0 Success.
 * @retval -EIO The generator failed; @p buf is then filled from a weaker
 *         fallback so callers never use uninitialised bytes.
 */
int zc_port_random(void *buf, size_t len);

#endif /* ZCOAP_PORT_H */
