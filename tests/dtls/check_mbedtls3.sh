#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# tests/dtls/check_mbedtls3.sh [BUILD_DIR] -- compile-only check of the Mbed TLS
# backend (src/transport/dtls/mbedtls_*.c) against Mbed TLS 3.6 headers, with
# the project's warning flags and -Werror. Debian 12 ships 2.28 only, so the
# script fetches Debian 13's libmbedtls-dev package with apt-get under a
# private apt configuration in a temporary directory (the machine's apt
# sources and state are not touched), unpacks it there and compiles each file
# with -fsyntax-only, and mbedtls_config.c once more with the DTLS Connection
# ID switch on (-DZCOAP_DTLS_CONNECTION_ID=1, RFC 9146). Not part of ctest (it needs the Debian archive);
# MBEDTLS3_INCLUDE=DIR uses headers that are already somewhere.
# BUILD_DIR (default: build) provides the generated zcoap_build_config.h.
# Exit status 0 when every file compiles.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/zcoap-mbedtls3.XXXXXX")
trap 'rm -rf "$work"' EXIT

inc=${MBEDTLS3_INCLUDE:-}
if [ -z "$inc" ]; then
	mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"http://deb.debian.org/debian trixie main" >"$work/sources.list"
	set -- -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root
	apt-get "$@" update >"$work/apt.log" 2>&1 || {
		cat "$work/apt.log"
		exit 2
	}
	(cd "$work/deb" && apt-get "$@" download libmbedtls-dev >>"$work/apt.log" 2>&1) || {
		cat "$work/apt.log"
		exit 2
	}
	dpkg-deb -x "$work"/deb/libmbedtls-dev_*.deb "$work/root"
	inc=$work/root/usr/include
fi
grep -h 'define MBEDTLS_VERSION_STRING ' "$inc/mbedtls/build_info.h" "$inc/mbedtls/version.h" \
	2>/dev/null | head -1
rc=0
# Each file as built by default, then with the Connection ID switch on (RFC 9146).
for f in "$root"/src/transport/dtls/mbedtls_*.c \
	"-DZCOAP_DTLS_CONNECTION_ID=1 $root/src/transport/dtls/mbedtls_config.c"; do
	ok=ok
	# shellcheck disable=SC2086
	${CC:-cc} -fsyntax-only -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I"$inc" \
		-I"$root/include" -I"$build/include" -I"$root/src" -Wall -Wextra -Wshadow \
		-Wconversion -Wsign-conversion -Wpointer-arith -Wstrict-prototypes \
		-Wmissing-prototypes -Wformat=2 -Wundef -Werror $f || ok=FAILED
	[ $ok = ok ] || rc=1
	echo "${f##*/}: $ok"
done
exit $rc
