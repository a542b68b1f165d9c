#!/usr/bin/env bash
# scripts/install-deps.sh [EXTRA_PACKAGE...] -- install the Debian 12 packages that
# building zcoap and running its test suite need, plus any packages named on the
# command line. Does nothing (and needs no root) when they are all installed.
set -euo pipefail

packages=(
	cmake make gcc libc6-dev pkg-config # the build
	libcmocka-dev                       # unit and system tests (cmocka 1.1)
	libcoap3-bin                        # interop peer: coap-server-notls
	libcoap3-dev                        # bench/run.sh: the libcoap rows
	libuv1-dev                          # examples/uv_loop.c (event-loop mode under libuv)
	libmbedtls-dev                      # DTLS transport (Mbed TLS 2.28)
	clang clang-format                  # format check, fuzz targets
	valgrind python3 openssl ca-certificates
	iproute2 util-linux # network namespaces for the multicast interop test (ip, unshare)
	"$@"
)

# node-coap, the second interop peer (tests/interop/node), needs Node.js and npm.
# A machine may already have them from elsewhere (e.g. NodeSource): keep those.
if ! command -v node >/dev/null 2>&1; then
	packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
	packages+=(npm)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian system; make sure these are installed: ${packages[*]}" >&2
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" != "ii " ]; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
