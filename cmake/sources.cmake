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

# Portable core, part 2: the sans-I/O client state machine.
set(ZCOAP_ENGINE_SOURCES
    src/core/engine.c
    src/core/block.c
    src/core/observe.c
)

# Client layer, the driver of the engine (uses the port and transport layers):
# public API, the engine's I/O table, events, the sticky poll set, the thread.
set(ZCOAP_CLIENT_SOURCES
    src/client/api.c
    src/client/lifecycle.c
    src/client/io.c
    src/client/events.c
    src/client/poll_set.c
    src/client/thread.c
    src/common/strerror.c
)

set(ZCOAP_TRANSPORT_SOURCES
    src/transport/udp.c
)

# The OS behind src/port/port.h; an RTOS port replaces this list (and folder).
set(ZCOAP_PORT_SOURCES
    src/port/posix/clock_random.c
    src/port/posix/sync.c
    src/port/posix/thread.c
    src/port/posix/wake.c
    src/port/posix/poll.c
)
