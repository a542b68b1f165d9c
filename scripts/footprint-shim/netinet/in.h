/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Footprint shim (scripts/footprint.sh only): the IPv4/IPv6 address types
 * the engine compares (see sys/socket.h here).
 */
#ifndef ZCOAP_SHIM_NETINET_IN_H
#define ZCOAP_SHIM_NETINET_IN_H

#include <sys/socket.h>

typedef uint16_t in_port_t;

struct in_addr {
	uint32_t s_addr;
};

struct sockaddr_in {
	sa_family_t sin_family;
	in_port_t sin_port;
	struct in_addr sin_addr;
	uint8_t sin_zero[8];
};

struct in6_addr {
	uint8_t s6_addr[16];
};

struct sockaddr_in6 {
	sa_family_t sin6_family;
	in_port_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};

#endif
