#!/usr/bin/env bash
# scripts/test.sh [CMAKE_ARGS...] -- set up and run the whole zcoap test suite.
#
# Installs missing Debian packages (scripts/install-deps.sh) and the node-coap
# interop peer (tests/interop/node/setup.sh), configures the
# build directory (build/, or $ZCOAP_BUILD_DIR) with the default options plus
# CMAKE_ARGS, builds with every core and runs every CTest test. The exit status
# is ctest's. Example: bash scripts/test.sh -DZCOAP_PROFILE=constrained
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ZCOAP_BUILD_DIR:-$root/build}

bash "$root/scripts/install-deps.sh"
# node-coap for the second interop peer (npm registry); without it that test is skipped.
bash "$root/tests/interop/node/setup.sh" || echo "test.sh: node-coap not installed; its test will be skipped" >&2
cmake -S "$root" -B "$build" "$@"
cmake --build "$build" -j "$(nproc)"
exec ctest --test-dir "$build" --output-on-failure -j2
