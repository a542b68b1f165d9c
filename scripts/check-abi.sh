#!/usr/bin/env bash
# scripts/check-abi.sh [BUILD_DIR | --installed PREFIX | --update] -- the exported-symbol rule:
# libzcoap.so exports exactly the functions and objects that the installed
# headers declare, each declaration carries ZCOAP_API (include/zcoap_export.h),
# and cmake/libzcoap.sym (the version script's list) names the same symbols.
#
# BUILD_DIR: a built zcoap build directory; it is installed into a temporary
# prefix and the installed library and headers are compared. Without it the
# library alone is configured and built in a temporary directory first.
# --installed PREFIX checks an installation that exists already (the
# install test, tests/install/run.sh, passes its own).
# --update rewrites cmake/libzcoap.sym from the headers (no build needed);
# review the diff: it is the change of the ABI.
#
# The declarations come from the preprocessed installed headers (cc -E with
# ZCOAP_API replaced by a marker), so macros and #if blocks count as the
# compiler sees them. Prints each violation; exits 1 when there is any.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
list=$root/cmake/libzcoap.sym
cc=${CC:-cc}
work=$(mktemp -d "${TMPDIR:-/tmp}/zcoap-abi.XXXXXX")
trap 'rm -rf "$work"' EXIT

update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi

# decls INCLUDE_DIR -- print "name kind file:line marked" for every function
# and object with external linkage that the headers in INCLUDE_DIR declare.
decls() {
	local inc=$1 tu=$work/all_headers.c
	: >"$tu"
	for h in "$inc"/*.h; do
		printf '#include "%s"\n' "$(basename "$h")" >>"$tu"
	done
	# (In the source tree zcoap_build_config.h does not exist yet;
	# zcoap_config.h then uses its defaults, which declare nothing.)
	"$cc" -std=c11 -E -DZCOAP_API=__zcoap_api_marker__ -I"$inc" "$tu" >"$work/pp.c"
	python3 - "$work/pp.c" "$inc" <<'PY'
import re
import sys

pp, inc = sys.argv[1], sys.argv[2].rstrip("/") + "/"
MARK = "__zcoap_api_marker__"
TAGS = {"struct", "union", "enum"}
KEYWORDS = {
    "const", "volatile", "restrict", "extern", "inline", "signed", "unsigned", "char", "short",
    "int", "long", "float", "double", "void", "_Bool", "bool", MARK,
} | TAGS

# Keep only the text of the headers under inc, with each token's origin.
tokens = []  # (token, "file:line")
cur, line = None, 0
for raw in open(pp, encoding="utf-8", errors="replace"):
    m = re.match(r'#\s*(\d+)\s+"([^"]*)"', raw)
    if m:
        line, cur = int(m.group(1)), m.group(2)
        continue
    if cur and cur.startswith(inc):
        where = "include/%s:%d" % (cur[len(inc):], line)
        body = re.sub(r'"(\\.|[^"\\])*"' + r"|'(\\.|[^'\\])*'", '""', raw)
        for t in re.findall(r"[A-Za-z_]\w*|\d\w*|\S", body):
            tokens.append((t, where))
    line += 1

# Split the file-scope text into declarations: at ';' at brace depth 0, or
# after a function body ('{' right after ')').
decls, chunk, depth, body = [], [], 0, False
for i, (t, where) in enumerate(tokens):
    if depth == 0 and t == "{" and chunk and chunk[-1][0] == ")":
        body = True
    if t == "{":
        depth += 1
    elif t == "}":
        depth -= 1
    if depth > 0 or t == "{":
        if not body:
            chunk.append((t, where))  # keeps struct bodies for the tag test
        continue
    if t == "}":
        if body:
            decls.append((chunk, True))
            chunk, body = [], False
        else:
            chunk.append((t, where))
        continue
    if t == ";":
        decls.append((chunk, False))
        chunk = []
        continue
    chunk.append((t, where))


def strip_braces(toks):
    out, d = [], 0
    for t in toks:
        if t == "{":
            d += 1
        elif t == "}":
            d -= 1
        elif d == 0:
            out.append(t)
    return out


def strip_attributes(toks):
    out, i = [], 0
    while i < len(toks):
        if toks[i] in ("__attribute__", "__attribute", "__extension__", "__restrict"):
            if toks[i] in ("__extension__", "__restrict"):
                i += 1
                continue
            i += 1
            d = 0
            while i < len(toks):
                d += toks[i] == "("
                d -= toks[i] == ")"
                i += 1
                if d == 0:
                    break
            continue
        out.append(toks[i])
        i += 1
    return out


problems = 0
for chunk, has_body in decls:
    if not chunk:
        continue
    where = chunk[0][1]
    toks = strip_attributes(strip_braces([t for t, _ in chunk]))
    if not toks or toks[0] in ("typedef", "_Static_assert", "static_assert"):
        continue
    if "static" in toks:
        continue  # static inline helpers: nothing is exported
    marked = MARK in toks
    if "(" in toks:
        p = toks.index("(")
        if p + 1 < len(toks) and toks[p + 1] == "*":
            # A pointer to function: "T (*name)(...)" declares an object.
            q = p + 1
            while q < len(toks) and toks[q] in ("*", "const", "volatile", "restrict"):
                q += 1
            name, kind = toks[q], "data"
        else:
            name, kind = toks[p - 1], "func"
    else:
        rest = [t for t in toks if t not in ("extern",)]
        if len(rest) <= 2 and rest and rest[0] in TAGS:
            continue  # a tag declaration or definition: no object
        cut = [i for i, t in enumerate(toks) if t in ("[", "=", ",")]
        end = cut[0] if cut else len(toks)
        name, kind = toks[end - 1], "data"
        if "," in toks:
            print("PARSE %s %s" % (where, "one object per declaration, please"))
            problems += 1
        if "extern" not in toks:
            print("NOEXTERN %s %s" % (where, name))
            problems += 1
    if not re.match(r"^[A-Za-z_]\w*$", name) or name in KEYWORDS:
        print("PARSE %s %s" % (where, "cannot find the declared name in: " + " ".join(toks)))
        problems += 1
        continue
    if has_body:
        print("BODY %s %s" % (where, name))
        problems += 1
    print("DECL %s %s %s %s" % (name, kind, where, "marked" if marked else "unmarked"))
PY
}

# ---- --update: the list from the source headers ---------------------------------
if [ "$update" -eq 1 ]; then
	decls "$root/include" >"$work/decls"
	if grep -v '^DECL ' "$work/decls"; then
		echo "check-abi: fix the headers first" >&2
		exit 1
	fi
	{
		echo "# The ABI of libzcoap.so: every function and object the installed headers"
		echo "# declare with ZCOAP_API, one a line, sorted. The linker version script is"
		echo "# generated from this list; scripts/check-abi.sh keeps it equal to the"
		echo "# headers and to the library (bash scripts/check-abi.sh --update rewrites it)."
		awk '{print $2}' "$work/decls" | LC_ALL=C sort -u
	} >"$list"
	echo "check-abi: wrote $(grep -vc '^#' "$list") names to ${list#"$root"/}"
	exit 0
fi

# ---- the build and its installation -----------------------------------------------
if [ "${1:-}" = "--installed" ]; then
	prefix=$(cd "${2:?--installed needs a prefix}" && pwd)
elif [ $# -ge 1 ] && [ -n "$1" ]; then
	build=$(cd "$1" && pwd)
	[ -f "$build/CMakeCache.txt" ] || {
		echo "check-abi: $build is not a CMake build directory" >&2
		exit 2
	}
	if ! cmake --build "$build" --target zcoap_shared -j 2 >"$work/build.log" 2>&1; then
		cat "$work/build.log"
		echo "check-abi: build failed" >&2
		exit 2
	fi
else
	build=$work/build
	if ! { cmake -S "$root" -B "$build" -DZCOAP_BUILD_TESTS=OFF -DZCOAP_BUILD_CLI=OFF &&
		cmake --build "$build" -j 2; } >"$work/build.log" 2>&1; then
		cat "$work/build.log"
		echo "check-abi: build failed" >&2
		exit 2
	fi
fi
if [ -z "${prefix:-}" ]; then
	prefix=$work/prefix
	cmake --install "$build" --prefix "$prefix" >"$work/install.log"
fi
lib=$(find "$prefix" -name libzcoap.so -print -quit)
inc=$prefix/include/zcoap
if [ -z "$lib" ] || [ ! -d "$inc" ]; then
	echo "check-abi: no libzcoap.so or include/zcoap under $prefix" >&2
	exit 2
fi

decls "$inc" >"$work/decls"
# name type: the library's dynamic symbols (A: version nodes, not symbols).
nm -D --defined-only -P "$lib" | awk '$2 != "A" {sub(/@.*/, "", $1); print $1, $2}' |
	LC_ALL=C sort -u >"$work/exports"
grep -v '^#' "$list" | grep . | LC_ALL=C sort -u >"$work/list"

python3 - "$work/decls" "$work/exports" "$work/list" "$(basename "$lib")" <<'PY'
import sys

decls_f, exports_f, list_f, lib = sys.argv[1:5]
bad = []
decls = {}
for ln in open(decls_f):
    kind, rest = ln.split(" ", 1)
    f = rest.split()
    if kind == "DECL":
        name, what, where, marked = f
        decls[name] = (what, where)
        if marked != "marked":
            bad.append("%s: %s is declared without ZCOAP_API" % (where, name))
    elif kind == "NOEXTERN":
        bad.append("%s: object %s is defined in a header; declare it extern" % (f[0], f[1]))
    elif kind == "BODY":
        bad.append("%s: %s is defined in a header without static" % (f[0], f[1]))
    else:
        bad.append("%s: %s" % (f[0], " ".join(f[1:])))
exports = dict(ln.split() for ln in open(exports_f))
listed = {ln.strip() for ln in open(list_f)}

for name in sorted(set(exports) - set(decls)):
    bad.append("%s exports %s (nm type %s), which no installed header declares"
               % (lib, name, exports[name]))
for name in sorted(set(decls) - set(exports)):
    bad.append("%s: %s is declared but %s does not export it" % (decls[name][1], name, lib))
for name in sorted(set(decls) & set(exports)):
    func = exports[name] in ("T", "W", "i")
    if func != (decls[name][0] == "func"):
        bad.append("%s: %s is declared as %s but exported with nm type %s"
                   % (decls[name][1], name, "a function" if decls[name][0] == "func"
                      else "an object", exports[name]))
for name in sorted(set(decls) - listed):
    bad.append("%s: %s is missing from cmake/libzcoap.sym (bash scripts/check-abi.sh --update)"
               % (decls[name][1], name))
for name in sorted(listed - set(decls)):
    bad.append("cmake/libzcoap.sym lists %s, which no installed header declares" % name)

for b in bad:
    print("check-abi: " + b)
if bad:
    print("check-abi: FAIL, %d problem(s)" % len(bad))
    sys.exit(1)
print("check-abi: ok, %s exports the %d functions and objects of the installed headers"
      % (lib, len(decls)))
PY
