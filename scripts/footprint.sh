#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# scripts/footprint.sh -- code size of the portable core (the codec,
# src/codec/*.c, and the client state machine, src/core/*.c; no
# thread, API, transport, port, DTLS or CLI) for a Cortex-M4, built with
# Debian's gcc-arm-none-eabi (-Os -mthumb -mcpu=cortex-m4), and
# sizeof(struct coap_client) for the default and the constrained profile.
#
# Usage: scripts/footprint.sh [default|constrained]   (both when omitted)
# Needs: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi
#
# Two totals are printed per profile:
#   all objects   every function of the core's files (the whole codec API)
#   linked core   what a firmware using the client engine keeps: a
#                 relocatable link with --gc-sections rooted at the engine's
#                 entry points (src/core/engine.h), libc excluded
# The target (issue 8) is <= 10 KiB of text.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CC=${ARM_CC:-arm-none-eabi-gcc}
SIZE=${ARM_SIZE:-arm-none-eabi-size}
NM=${ARM_NM:-arm-none-eabi-nm}
HOSTCC=${HOSTCC:-cc}
PROFILES=${1:-"default constrained"}
LIMIT=10240

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "footprint: $CC not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2
	exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CFLAGS=(-std=c11 -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections
	-D_POSIX_C_SOURCE=200809L -Wall)
SOURCES=("$REPO"/src/codec/*.c "$REPO"/src/core/*.c)
# Entry points of the engine (engine.h): the roots of the linked-core measure.
ROOTS=$(sed -n 's/^[a-z_ 0-9]*[ *]\(zc_engine_[a-z_]*\)(.*/\1/p' "$REPO/src/core/engine.h" | sort -u)

echo "zcoap portable core for Cortex-M4: $("$CC" --version | head -n1)"
echo "flags: ${CFLAGS[*]}"
echo "note: newlib has no <sys/socket.h>, <netinet/in.h> or pthread types; the core only"
echo "      needs their types for the layout of struct coap_client, so they come from the"
echo "      shim in scripts/footprint-shim/ (types only, no code)."

for profile in $PROFILES; do
	cfg=$TMP/$profile
	mkdir -p "$cfg/obj"
	# The same generated zcoap_build_config.h the CMake build would produce.
	# (Script mode cannot measure the POSIX port's types; the core's code does
	# not depend on them, so any size that fits does.)
	cmake -DZCOAP_PROFILE="$profile" -DPROJECT_SOURCE_DIR="$REPO" -DPROJECT_BINARY_DIR="$cfg" \
		-DZCOAP_PORT_MUTEX_SIZE=64 -DZCOAP_PORT_COND_SIZE=64 -DZCOAP_PORT_THREAD_SIZE=32 \
		-DZCOAP_PORT_WAKE_SIZE=8 -P "$REPO/cmake/profile.cmake"
	inc=(-I"$cfg/include" -I"$REPO/include" -I"$REPO/src" -I"$REPO/scripts/footprint-shim")

	echo
	echo "== profile: $profile =="
	objs=()
	for src in "${SOURCES[@]}"; do
		obj=$cfg/obj/$(basename "$src" .c).o
		"$CC" "${CFLAGS[@]}" "${inc[@]}" -c "$src" -o "$obj"
		objs+=("$obj")
	done
	echo
	printf "%-22s %8s %6s %6s\n" file text data bss
	"$SIZE" "${objs[@]}" | awk 'NR > 1 {
		n = split($6, p, "/"); printf "%-22s %8d %6d %6d\n", p[n], $1, $2, $3
		t += $1; d += $2; b += $3 }
		END { printf "%-22s %8d %6d %6d  (%.1f KiB text)\n", "all objects", t, d, b, t / 1024 }'

	undef=()
	for r in $ROOTS; do
		undef+=(-Wl,-u,"$r")
	done
	"$CC" -mthumb -mcpu=cortex-m4 -nostdlib -r -Wl,--gc-sections "${undef[@]}" "${objs[@]}" \
		-o "$cfg/core.o"
	read -r text data bss _ < <("$SIZE" "$cfg/core.o" | awk 'NR == 2')
	printf "%-22s %8d %6d %6d  (%.1f KiB text; target <= %d: %s)\n" "linked core" "$text" \
		"$data" "$bss" "$(awk -v t="$text" 'BEGIN {print t / 1024}')" "$LIMIT" \
		"$([ "$text" -le "$LIMIT" ] && echo met || echo MISSED)"
	echo "largest functions of the linked core (bytes):"
	"$NM" -S -t d --size-sort "$cfg/core.o" | awk '$3 ~ /[tT]/ {printf "  %5d %s\n", $2, $4}' |
		sort -rn | head -n 8

	# sizeof(struct coap_client): the host (Linux) layout, and the Cortex-M4 one with the shim.
	cat >"$cfg/sizeof.c" <<'EOF'
#include <stdio.h>
#include "coap_client.h"
int main(void)
{
	printf("%zu %zu\n", sizeof(struct coap_client), sizeof(struct zcoap_slot));
	return 0;
}
EOF
	read -r host_client host_slot < <("$HOSTCC" -std=c11 -D_POSIX_C_SOURCE=200809L \
		-I"$cfg/include" -I"$REPO/include" "$cfg/sizeof.c" -o "$cfg/sizeof" && "$cfg/sizeof")
	cat >"$cfg/armsize.c" <<'EOF'
#include "coap_client.h"
struct coap_client zcoap_footprint_client;
EOF
	"$CC" "${CFLAGS[@]}" "${inc[@]}" -c "$cfg/armsize.c" -o "$cfg/armsize.o"
	arm_client=$("$NM" -S -t d "$cfg/armsize.o" | awk '$4 == "zcoap_footprint_client" {print $2 + 0}')
	echo "sizeof(struct coap_client): $host_client bytes on $(uname -m) Linux" \
		"(one request slot: $host_slot), $arm_client bytes on Cortex-M4"
done
