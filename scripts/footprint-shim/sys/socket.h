/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Footprint shim (scripts/footprint.sh only): newlib has no BSD sockets, but
 * the portable core's headers name socket types for the layout of struct
 * coap_client. Just those types, shaped as on a typical lwIP/Zephyr port.
 */
#ifndef ZCOAP_SHIM_SYS_SOCKET_H
#define ZCOAP_SHIM_SYS_SOCKET_H

#include <stdint.h>

typedef uint16_t sa_family_t;
typedef uint32_t socklen_t;

#define AF_INET  2
#define AF_INET6 10

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

struct sockaddr_storage {
	sa_family_t ss_family;
	char ss_pad[26];
	uint32_t ss_align;
};

#endif
