/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Footprint shim (scripts/footprint.sh only): newlib declares the pthread
 * types only for targets with _POSIX_THREADS. The portable core never calls
 * pthreads; struct coap_client merely has room for the lock, condition and
 * thread of the POSIX client, sized here as on a small RTOS port.
 */
#ifndef ZCOAP_SHIM_PTHREAD_H
#define ZCOAP_SHIM_PTHREAD_H

#include <stdint.h>

typedef uint32_t pthread_t;
typedef struct {
	uint32_t opaque[6];
} pthread_mutex_t;
typedef struct {
	uint32_t opaque[12];
} pthread_cond_t;

#endif
