# Plain source lists, reusable by other build systems (see docs/design/layers.md).
# Paths are relative to the repository root.

# Portable core, part 1: the message codec (no I/O, no malloc).
set(ZCOAP_CODEC_SOURCES
    src/codec/packet.c
    src/codec/option.c
    src/codec/block.c
    src/codec/path.c
    src/codec/ids.c
    src/codec/params.c
)

# Portable core, part 2: the sans-I/O exchange state machine (docs/design/state-machine.md).
set(ZCOAP_CORE_SOURCES
    src/core/submit.c
    src/core/receive.c
    src/core/timers.c
    src/core/query.c
    src/core/exchange.c
    src/core/block.c
    src/core/observe.c
    src/core/message.c
    src/core/dedup.c
    src/core/slot_index.c
)

# Client layer, the driver of the engine (uses the port and transport layers):
# public API, the engine's I/O table, events, the sticky poll set, the thread.
set(ZCOAP_CLIENT_SOURCES
    src/client/api.c
    src/client/api_4_3.c
    src/client/lifecycle.c
    src/client/io.c
    src/client/events.c
    src/client/linger.c
    src/client/poll_set.c
    src/client/loop.c
    src/client/thread.c
    src/client/manual.c
    src/common/strerror.c
)

# Transport: the front door and registry (transport.c), plain UDP, and the
# parts of the DTLS API that need no TLS library (the credential store and
# the error texts). The TLS backend itself comes from cmake/dtls.cmake
# (ZCOAP_DTLS_SOURCES).
set(ZCOAP_TRANSPORT_SOURCES
    src/transport/transport.c
    src/transport/udp.c
    src/transport/dtls/credentials.c
    src/transport/dtls/errors.c
)

# CoAP over TCP (RFC 8323, include/coap_client_tcp.h, docs/design/tcp.md): the
# framing codec (frame.c, signal.c: pure), the client (client.c, rx.c, loop.c,
# manual.c, request.c: no OS call but through the port) and its socket calls
# (stream.c). Built into the library with the client layer.
set(ZCOAP_TCP_SOURCES
    src/tcp/frame.c
    src/tcp/signal.c
    src/tcp/request.c
    src/tcp/client.c
    src/tcp/rx.c
    src/tcp/loop.c
    src/tcp/manual.c
    src/tcp/stream.c
)
list(APPEND ZCOAP_CLIENT_SOURCES ${ZCOAP_TCP_SOURCES})

# The OS behind src/port/port.h; an RTOS port replaces this list (and folder).
set(ZCOAP_PORT_SOURCES
    src/port/posix/clock_random.c
    src/port/posix/fork.c
    src/port/posix/sync.c
    src/port/posix/thread.c
    src/port/posix/wake.c
    src/port/posix/poll.c
)
