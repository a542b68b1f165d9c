#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# gen_uri_corpus.py -- write the hand-made seeds for fuzz_uri (fuzz/fuzz_uri.c)
# into fuzz/corpus/uri/seed-*. Each file is one flag byte (error buffer size,
# path buffer size, option count, Uri-Host wanted) followed by the URI text.
import os
import sys

FLAGS_FULL = 0x80 | (7 << 4) | (2 << 2) | 3  # Uri-Host, 7 options, 256-byte path, 512-byte err
FLAGS_TIGHT = (1 << 4) | (1 << 2) | 1        # 1 option, 17-byte path, 7-byte err

uris = {
    "plain": "coap://example.com/a/b?x=1&y=2",
    "default-port": "coap://EXAMPLE.com:/Sensors/Temp",
    "coaps": "coaps://host.example:61616/.well-known/core?rt=temp",
    "ipv4": "coap://192.0.2.1:5683/x",
    "ipv4-encoded": "coap://%31%39%32.0.2.1/",
    "ipv6": "coap://[2001:db8::1]:5684/a",
    "ipv6-zone-25": "coap://[fe80::1%25eth0]/",
    "ipv6-zone-bare": "coap://[fe80::1%eth0]:1/",
    "ipv6-zone-pct": "coap://[fe80::1%25%65th0]/",
    "ipvfuture": "coap://[v1.fe80::a+en1]/",
    "ipv6-unclosed": "coap://[::1/a",
    "pct-end-1": "coap://h/a%A",
    "pct-end-2": "coap://h/a%",
    "pct-bad": "coap://h/%zz",
    "pct-slash": "coap://h/a%2Fb/%3F%26/%00",
    "dot-segments": "coap://h/a/./b/../../c/.",
    "dotdot-root": "coap://h/../..",
    "empty-segments": "coap://h//a//?&&",
    "query-only": "coap://h?only",
    "fragment": "coap://h/a#frag",
    "userinfo": "coap://user@h/",
    "port-0": "coap://h:0/",
    "port-65536": "coap://h:65536/",
    "port-long": "coap://h:000000080/",
    "port-alpha": "coap://h:8o/",
    "scheme-http": "http://h/",
    "scheme-upper": "COAP://H/",
    "no-slashes": "coap:h/",
    "no-host": "coap:///a",
    "host-pct-space": "coap://a%20b/",
    "host-256": "coap://" + "a" * 256 + "/",
    "host-255": "coap://" + "b" * 255 + "/",
    "long-segment": "coap://h/" + "s" * 300 + "?q=" + "v" * 20,
    "many-segments": "coap://h/" + "/".join("p%d" % i for i in range(70)),
    "many-queries": "coap://h/?" + "&".join("q%d" % i for i in range(65)),
    "utf8": "coap://h/\u00e9t\u00e9/\u6f22?k=\U0001f600",
    "latin1-pct": "coap://h/caf%E9",
    "overlong-pct": "coap://h/%C0%AF",
    "surrogate-pct": "coap://h/%ED%A0%80",
    "uri-host-13": "coap://thirteen.char/x",
    "sub-delims": "coap://h!$&'()*+,;=/p!$&'()*+,;=:@",
    "control-char": "coap://h/a\tb",
    "max-len": "coap://h/" + "x" * 4087,
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "uri")
os.makedirs(out, exist_ok=True)
n = 0
for name, text in uris.items():
    raw = text.encode("utf-8")
    for tag, flags in (("", FLAGS_FULL), ("-tight", FLAGS_TIGHT)):
        if tag and len(raw) > 200:
            continue
        with open(os.path.join(out, "seed-" + name + tag), "wb") as f:
            f.write(bytes([flags]) + raw)
        n += 1
# Raw bytes the text form cannot hold.
with open(os.path.join(out, "seed-nul-inside"), "wb") as f:
    f.write(bytes([FLAGS_FULL]) + b"coap://h/a\x00/b")
with open(os.path.join(out, "seed-invalid-utf8"), "wb") as f:
    f.write(bytes([FLAGS_FULL]) + b"coap://h/\xc3\x28\xf8\xa1\xa1\xa1\xa1")
print("wrote %d seeds to %s" % (n + 2, out), file=sys.stderr)
