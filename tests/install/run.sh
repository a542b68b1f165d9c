#!/usr/bin/env bash
# tests/install/run.sh [BUILD_DIR] -- check that an installed zcoap is usable.
#
# Installs zcoap into a temporary prefix, then builds tests/install/app.c
#   (a) with `cc app.c $(pkg-config --cflags --libs zcoap)`, and statically with
#       libzcoap.a plus `pkg-config --static --libs zcoap` (Libs.private),
#   (b) with a separate CMake project: find_package(zcoap) + zcoap::zcoap (shared),
#   (c) the same project linking zcoap::zcoap_static,
#   (d) tests/install/app_4_3.c, written in the Zephyr 4.3 shape, with
#       -DZCOAP_ZEPHYR_API_4_3 against the same shared library,
# and runs each program; it also compiles the example program of README.md,
# and checks that libzcoap.so exports exactly the installed headers' functions.
#
# BUILD_DIR: an already built zcoap build directory to install from (CTest
# passes its own). Without it the repository is configured and built in a
# temporary directory first.
# Environment: CC (compiler for the consumers, default cc),
# ZCOAP_CONSUMER_FLAGS (extra flags, e.g. the sanitizer of the build).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/zcoap-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}
read -r -a flags <<<"${ZCOAP_CONSUMER_FLAGS:-}"

step() { printf '\n== install flow: %s\n' "$*"; }
fail() {
	printf 'install flow: FAIL: %s\n' "$*" >&2
	exit 1
}

if [ $# -ge 1 ] && [ -n "$1" ]; then
	build=$(cd "$1" && pwd)
	[ -f "$build/CMakeCache.txt" ] || fail "$build is not a CMake build directory"
else
	build=$work/build
	step "configure and build $src"
	cmake -S "$src" -B "$build" -DZCOAP_BUILD_TESTS=OFF -DZCOAP_BUILD_CLI=OFF >"$work/configure.log" ||
		{ cat "$work/configure.log"; fail "configure"; }
	cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 ||
		{ cat "$work/build.log"; fail "build"; }
fi
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build/CMakeCache.txt")
profile=$(sed -n 's/^#define ZCOAP_CONFIG_PROFILE "\(.*\)"$/\1/p' "$build/include/zcoap_build_config.h")
[ -n "$version" ] || fail "no project version in $build/CMakeCache.txt"
[ -n "$profile" ] || fail "no ZCOAP_CONFIG_PROFILE in $build/include/zcoap_build_config.h"

prefix=$work/prefix
step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix"

pc=$(find "$prefix" -path '*/pkgconfig/zcoap.pc' | head -n 1)
[ -n "$pc" ] || fail "no pkgconfig/zcoap.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
major=${version%%.*}
for f in "$libdir/libzcoap.a" "$libdir/libzcoap.so" "$libdir/libzcoap.so.$major" \
	"$libdir/libzcoap.so.$version" "$libdir/cmake/zcoap/zcoapConfig.cmake" \
	"$libdir/cmake/zcoap/zcoapConfigVersion.cmake" "$libdir/cmake/zcoap/zcoapTargets.cmake" \
	"$prefix/include/zcoap/zcoap_build_config.h"; do
	[ -e "$f" ] || fail "missing $f"
done
for h in "$src"/include/*.h; do
	cmp -s "$h" "$prefix/include/zcoap/$(basename "$h")" || fail "header $(basename "$h") not installed as is"
done
[ "$(readlink "$libdir/libzcoap.so")" = "libzcoap.so.$major" ] || fail "libzcoap.so should point to libzcoap.so.$major"

step "libzcoap.so exports the API of the installed headers, and nothing else"
bash "$src/scripts/check-abi.sh" --installed "$prefix" || fail "exported symbols (scripts/check-abi.sh)"

# Every shared-linked program must load libzcoap from the prefix, not from elsewhere.
# (ldd's output is captured first: grep -q would stop reading early, and the
# SIGPIPE would fail the pipeline under pipefail.)
uses_prefix_lib() {
	local deps
	deps=$(LD_LIBRARY_PATH=$libdir ldd "$1")
	grep -q "=> $libdir/libzcoap.so.$major " <<<"$deps"
}

step "(a) pkg-config: $cc app.c \$(pkg-config --cflags --libs zcoap)"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion zcoap)" = "$version" ] || fail "pkg-config reports $(pkg-config --modversion zcoap), expected $version"
pkg-config --cflags --libs zcoap
# shellcheck disable=SC2046 # the pkg-config output is meant to be split
"$cc" "${flags[@]}" -o "$work/app_pc" "$here/app.c" $(pkg-config --cflags --libs zcoap)
uses_prefix_lib "$work/app_pc" || fail "app_pc does not use $libdir/libzcoap.so"
LD_LIBRARY_PATH=$libdir "$work/app_pc" "$profile"

step "(a') pkg-config --static: libzcoap.a with Libs.private"
static_libs=$(pkg-config --static --libs zcoap)
pkg-config --static --libs zcoap
# -l:libzcoap.a (GNU ld) picks the archive where -lzcoap would pick the shared library.
# shellcheck disable=SC2046,SC2086
"$cc" "${flags[@]}" -o "$work/app_pc_static" "$here/app.c" $(pkg-config --cflags zcoap) \
	${static_libs//-lzcoap/-l:libzcoap.a}
if grep -q libzcoap <<<"$(ldd "$work/app_pc_static")"; then
	fail "app_pc_static depends on a shared libzcoap"
fi
"$work/app_pc_static" "$profile"

step "(b, c) CMake: find_package(zcoap $version) + zcoap::zcoap / zcoap::zcoap_static"
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${ZCOAP_CONSUMER_FLAGS:-}" \
	-DZCOAP_EXPECTED_VERSION="$version" >"$work/consumer.log" ||
	{ cat "$work/consumer.log"; fail "consumer configure"; }
grep 'zcoap .* from' "$work/consumer.log"
cmake --build "$work/consumer" -j 2
uses_prefix_lib "$work/consumer/app_shared" || fail "app_shared does not use $libdir/libzcoap.so"
if grep -q libzcoap <<<"$(ldd "$work/consumer/app_static")"; then
	fail "app_static depends on a shared libzcoap"
fi
# app_shared finds the library through the build RPATH CMake gives imported targets.
"$work/consumer/app_shared" "$profile"
"$work/consumer/app_static" "$profile"

step "(d) Zephyr 4.3 shape: app_4_3.c with -DZCOAP_ZEPHYR_API_4_3 against the same library"
# shellcheck disable=SC2046
"$cc" "${flags[@]}" -std=c11 -Wall -Wextra -Werror -DZCOAP_ZEPHYR_API_4_3 -o "$work/app_4_3" \
	"$here/app_4_3.c" $(pkg-config --cflags --libs zcoap) -lpthread
uses_prefix_lib "$work/app_4_3" || fail "app_4_3 does not use $libdir/libzcoap.so"
LD_LIBRARY_PATH=$libdir "$work/app_4_3" || fail "app_4_3 (Zephyr 4.3 shape) failed"

step "README example compiles against the installed headers"
awk '/<!-- example:begin -->/{on=1; next} /<!-- example:end -->/{on=0} on && !/^```/' \
	"$src/README.md" >"$work/example.c"
[ -s "$work/example.c" ] || fail "no example between <!-- example:begin/end --> in README.md"
# shellcheck disable=SC2046
"$cc" "${flags[@]}" -std=c11 -Wall -Wextra -Werror -o "$work/example" "$work/example.c" \
	$(pkg-config --cflags --libs zcoap)

printf '\ninstall flow: ok (zcoap %s, profile %s, prefix layout %s)\n' "$version" "$profile" \
	"${libdir#"$prefix"/}"
