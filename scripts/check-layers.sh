#!/usr/bin/env bash
# scripts/check-layers.sh [BUILD_DIR] -- the layering rules of
# docs/design/layers.md, checked on the sources and on the object files:
#
#   includes  each file includes only what its line of the table below allows;
#   os-calls  the files of a "pure" part make no OS call (sockets, poll,
#             threads, clock, random bytes, heap, stdio streams, exit), and
#             those of a "sockets" part none but the socket calls;
#   cycles    no include cycle among the project's headers;
#   calls     an object file of the library references only symbols defined
#             in its own part or in the parts it may include, and the files
#             of an "acyclic" part do not call each other in a cycle
#             (derived from nm: defined versus undefined symbols).
#
# BUILD_DIR: a built zcoap build directory, whose library object files are
# read for the "calls" rules. Without it the library alone is configured and
# built in a temporary directory first.
# Prints each violation with the rule that caught it; exits 1 when there is any.
set -euo pipefail

# ---- the rule table ----------------------------------------------------------------
# One line per part of the tree. A file follows the line with the longest
# prefix of its path; a C file under src/, cli/ or include/ that no line covers
# is itself an error, so a new folder (tcp, manual mode, ...) adds its line here.
#   pure     yes: no OS calls (the list is `os_calls` below);
#            sockets: only the calls of `socket_calls` below, on descriptors
#            (no poll, thread, lock, clock, sleep, random bytes or process
#            call: those are the port's, src/port/port.h); no: any
#   acyclic  yes: no call cycle between this part's object files
#   may use  what the part may include, and whose symbols its objects may use:
#            public     the public headers (include/*.h, zcoap_build_config.h)
#            codec core client transport port common cli
#                       a part of the tree (src/<part>/, cli/) - any file in it
#            port/port.h
#                       one project header, by its path under src/
#            std        the C11 library headers except <signal.h>, <threads.h>
#                       and <time.h> (signals, threads and the clock are the port's)
#            os         any other system header; mbedtls: <mbedtls/*>, <psa/*>
#            <sys/socket.h>
#                       one system header
rules='
# prefix         pure     acyclic  may use
src/codec/       yes      no       std public codec port/port.h
src/core/        yes      yes      std <sys/socket.h> <netinet/in.h> public codec core
src/client/      yes      no       std <sys/socket.h> <netinet/in.h> public codec core transport port common client
src/transport/   sockets  no       std <sys/socket.h> <unistd.h> mbedtls public common transport port/port.h
src/port/        no       no       std os public port
src/common/      yes      no       std public
src/tcp/         yes      no       std <sys/socket.h> <netinet/in.h> public codec port/port.h
src/tcp/frame    yes      no       std public codec
src/tcp/signal   yes      no       std public codec
src/tcp/stream   sockets  no       std <sys/socket.h> <sys/time.h> <unistd.h> public transport
cli/             no       no       std os public cli
include/         yes      no       <stdbool.h> <stddef.h> <stdint.h> <sys/socket.h> public
'
# Calls a "yes" part may not make (a call is NAME followed by "(", not after . or ->);
# a "sockets" part may make those of socket_calls, none of the others.
os_calls='socket connect bind listen accept send sendto sendmsg recv recvfrom recvmsg
shutdown close read write open fcntl ioctl poll ppoll select epoll_[a-z_]+ eventfd pipe pipe2
pthread_[a-z_]+ thrd_[a-z_]+ mtx_[a-z_]+ cnd_[a-z_]+ sem_[a-z_]+ clock_gettime clock_nanosleep
gettimeofday time clock nanosleep usleep sleep getrandom getentropy rand srand random
malloc calloc realloc free aligned_alloc strdup strndup printf fprintf vprintf vfprintf puts
fputs putchar fopen fclose fread fwrite fflush perror getenv exit _Exit abort signal raise
sigaction kill fork getpid getppid fstat stat'
# The OS calls a "sockets" part may make: operations on a socket it was handed.
socket_calls='socket connect bind listen accept send sendto sendmsg recv recvfrom recvmsg
shutdown close getsockopt setsockopt'
# -------------------------------------------------------------------------------------

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$(mktemp -d "${TMPDIR:-/tmp}/zcoap-layers.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ] && [ -n "$1" ]; then
	build=$(cd "$1" && pwd)
	[ -f "$build/CMakeCache.txt" ] || {
		echo "check-layers: $build is not a CMake build directory" >&2
		exit 2
	}
else
	build=$work/build
	cmake -S "$root" -B "$build" -DZCOAP_BUILD_TESTS=OFF -DZCOAP_BUILD_CLI=OFF \
		-DZCOAP_INSTALL=OFF >"$work/build.log" || {
		cat "$work/build.log"
		echo "check-layers: configure failed" >&2
		exit 2
	}
fi
cmake --build "$build" --target zcoap_objects -j 2 >>"$work/build.log" 2>&1 || {
	cat "$work/build.log"
	echo "check-layers: build failed" >&2
	exit 2
}

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files --cached --others --exclude-standard -- src cli include |
		grep -E '\.[ch]$' | sort -u >"$work/files"
else
	find src cli include -type f -name '*.[ch]' | sort >"$work/files"
fi
# Each object file of the library (lib) and of the zcoap tool (tool, when it is
# built): its nm listing after a line "@ lib|tool path/of/source.c". Objects of
# sources that no longer exist, left by an older build, are skipped later.
{
	find "$build" -path '*/zcoap_objects.dir/*' -name '*.o' | sort | while read -r o; do
		printf '@ lib %s\n' "$(sed 's|.*/zcoap_objects.dir/||; s|\.o$||' <<<"$o")"
		nm -P "$o"
	done
	if [ -d "$build/cli" ]; then
		find "$build/cli" -path '*/CMakeFiles/*.dir/*' -name '*.o' | sort | while read -r o; do
			printf '@ tool cli/%s\n' "$(sed 's|.*/CMakeFiles/[^/]*\.dir/||; s|\.o$||' <<<"$o")"
			nm -P "$o"
		done
	fi
} >"$work/nm"

RULES=$rules OS_CALLS=$os_calls SOCKET_CALLS=$socket_calls python3 - "$work/files" "$work/nm" "$root/cmake/libzcoap.sym" <<'PY'
import os
import re
import sys

files = [f for f in open(sys.argv[1]).read().split() if os.path.isfile(f)]
file_set = set(files)
nm_listing = sys.argv[2]
public_api = {ln.strip() for ln in open(sys.argv[3]) if ln.strip() and ln[0] != "#"}

rules = {}
for ln in os.environ["RULES"].splitlines():
    ln = ln.split("#", 1)[0].split()
    if ln:
        if ln[1] not in ("yes", "sockets", "no"):
            sys.exit("check-layers: rule %s: pure must be yes, sockets or no" % ln[0])
        rules[ln[0]] = {"pure": ln[1], "acyclic": ln[2] == "yes", "may": set(ln[3:])}
CLASSES = {"std", "os", "mbedtls"}
# Every other bare word of the table names a part of the tree.
AREAS = {w for r in rules.values() for w in r["may"]
         if w not in CLASSES and "/" not in w and not w.startswith("<")}
STD = set("""assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h
locale.h math.h setjmp.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h
stdlib.h stdnoreturn.h string.h tgmath.h uchar.h wchar.h wctype.h""".split())
GENERATED = {"zcoap_build_config.h": "public"}  # written by CMake into <build>/include
SOCKET_CALLS = set(os.environ["SOCKET_CALLS"].split())
OS_CALL_RE = {
    "yes": re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(os.environ["OS_CALLS"].split())),
    "sockets": re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(
        c for c in os.environ["OS_CALLS"].split() if c not in SOCKET_CALLS)),
}

violations = {"includes": [], "os-calls": [], "cycles": [], "calls": [], "rules": []}


def rule_of(path):
    best = max((p for p in rules if path.startswith(p)), key=len, default=None)
    return best


def area_of(path):
    if path.startswith("include/") or path in GENERATED:
        return "public"
    if path.startswith("cli/"):
        return "cli"
    if path.startswith("src/"):
        return path.split("/")[1]
    return None


def strip_comments(text, strings_too=False):
    """Blank out comments (and string/char literals), keeping the line breaks."""
    def blank(m):
        s = m.group(0)
        if s[0] in "\"'" and not strings_too:
            return s
        return re.sub(r"[^\n]", " ", s)
    return re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text,
                  flags=re.S)


def allowed_areas(rule):
    may = rules[rule]["may"]
    out = {w for w in may if w in AREAS}
    for w in may:
        if "/" in w and not w.startswith("<"):
            out.add(area_of("src/" + w))
    return out


graph = {}  # project file -> set of project files it includes
for f in files:
    rule = rule_of(f)
    if rule is None:
        violations["rules"].append("%s: no line of the rule table covers this file" % f)
        continue
    may = rules[rule]["may"]
    text = open(f, encoding="utf-8", errors="replace").read()
    code = strip_comments(text)
    graph.setdefault(f, set())
    for n, line in enumerate(code.splitlines(), 1):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        kind, name = m.groups()
        if kind == "<":
            if name.startswith(("mbedtls/", "psa/")):
                cls = "mbedtls"
            elif name in STD:
                cls = "std"
            else:
                cls = "os"
            if "<%s>" % name not in may and cls not in may:
                violations["includes"].append(
                    "%s:%d: includes <%s> (%s header); %s may use: %s"
                    % (f, n, name, cls, rule, " ".join(sorted(may))))
            continue
        target = None
        for cand in (os.path.join(os.path.dirname(f), name), "src/" + name, "include/" + name,
                     name):
            cand = os.path.normpath(cand)
            if os.path.isfile(cand):
                target = cand
                break
        if target is None:
            if name in GENERATED:
                target = name
            else:
                violations["includes"].append("%s:%d: cannot find \"%s\"" % (f, n, name))
                continue
        graph[f].add(target)
        area = area_of(target)
        under_src = target[4:] if target.startswith("src/") else target
        if area is None or (area not in may and under_src not in may and area != area_of(f)):
            violations["includes"].append(
                "%s:%d: includes \"%s\" (%s, part %s); %s may use: %s"
                % (f, n, name, target, area, rule, " ".join(sorted(may))))
    pure = rules[rule]["pure"]
    if pure in OS_CALL_RE:
        bare = strip_comments(text, strings_too=True)
        for n, line in enumerate(bare.splitlines(), 1):
            for m in OS_CALL_RE[pure].finditer(line):
                violations["os-calls"].append(
                    "%s:%d: calls %s() in a part that may make %s (%s)"
                    % (f, n, m.group(1), "no OS call" if pure == "yes" else "socket calls only",
                       rule))


def sccs(nodes, edges):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in nodes:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in edges.get(v, ()):
                    out.append(sorted(comp))
    return out


def one_cycle(comp, edges):
    """A concrete cycle through the component's first node (breadth-first)."""
    start, members = comp[0], set(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, ())):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]  # start ... v, start
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


# Include cycles among the project's headers.
for comp in sccs(set(graph), graph):
    violations["cycles"].append("include cycle: " + " -> ".join(one_cycle(comp, graph)))

# Calls between the library's object files.
defined, undefined, objs, tools, cur = {}, {}, [], [], None
for ln in open(nm_listing):
    if ln.startswith("@ "):
        kind, cur = ln.split()[1:3]
        if cur not in file_set:
            cur = None  # stale
            continue
        (objs if kind == "lib" else tools).append(cur)
        undefined[cur] = set()
        continue
    if cur is None:
        continue
    parts = ln.split()
    if len(parts) < 2:
        continue
    name, t = parts[0], parts[1]
    if t in ("U", "w", "v"):
        undefined[cur].add(name)
    elif t.isupper() and cur in objs:
        defined.setdefault(name, cur)
# The tool links libzcoap.a, where the library's internal (zc_) functions are
# visible: it may use only the names of the public API.
for o in tools:
    for s in sorted(undefined[o]):
        if s in defined and s not in public_api:
            violations["calls"].append("%s uses %s from %s, which is not public API"
                                       % (o, s, defined[s]))
if not objs:
    violations["calls"].append("no object files of zcoap_objects in the build directory")
calls = {}  # object source -> {defining source: [symbols]}
for o in objs:
    for s in undefined[o]:
        d = defined.get(s)
        if d and d != o:
            calls.setdefault(o, {}).setdefault(d, []).append(s)
for o in sorted(calls):
    rule = rule_of(o)
    if rule is None:
        continue  # reported above
    ok = allowed_areas(rule) | {area_of(o)}
    for d, syms in sorted(calls[o].items()):
        if area_of(d) not in ok:
            violations["calls"].append(
                "%s uses %s from %s (part %s); %s may use: %s"
                % (o, ", ".join(sorted(syms)), d, area_of(d), rule,
                   " ".join(sorted(rules[rule]["may"]))))
for prefix, r in sorted(rules.items()):
    if not r["acyclic"]:
        continue
    nodes = {o for o in objs if rule_of(o) == prefix}
    edges = {o: set(d for d in calls.get(o, {}) if d in nodes) for o in nodes}
    for comp in sccs(nodes, edges):
        # Every call between the files of the cycle, so that the fix (which way
        # the calls must go) can be read off the list.
        steps = ["%s -> %s (%s)" % (a, b, ", ".join(sorted(calls[a][b])))
                 for a in comp for b in sorted(edges[a]) if b in comp]
        violations["calls"].append(
            "call cycle in %s: %s; its calls: %s"
            % (prefix, " -> ".join(one_cycle(comp, edges)), "; ".join(steps)))

total = 0
for kind in ("rules", "includes", "os-calls", "cycles", "calls"):
    for v in violations[kind]:
        print("check-layers: [%s] %s" % (kind, v))
    total += len(violations[kind])
if total:
    counts = ", ".join("%s %d" % (k, len(v)) for k, v in violations.items() if v)
    print("check-layers: FAIL, %d violation(s): %s" % (total, counts))
    sys.exit(1)
print("check-layers: ok, %d files, %d objects, %d rules" % (len(files), len(objs), len(rules)))
PY
