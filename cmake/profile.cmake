# Size profile -> include/zcoap_build_config.h (generated, installed).
if(ZCOAP_PROFILE STREQUAL "constrained")
  set(ZCOAP_CFG_MAX_REQUESTS 2)
  set(ZCOAP_CFG_BLOCK_SIZE 256)
  set(ZCOAP_CFG_MESSAGE_SIZE 256)
  set(ZCOAP_CFG_MESSAGE_HEADER_SIZE 48)
  set(ZCOAP_CFG_MAX_PATH_LEN 64)
  set(ZCOAP_CFG_MAX_EXTRA_OPTIONS 2)
  set(ZCOAP_CFG_DEDUP_ENTRIES 4)
  set(ZCOAP_CFG_EXTENDED_OPTIONS_LEN 0)
  # CoAP over TCP: the receive buffer holds one message of the sizes above (no BERT gain).
  set(ZCOAP_CFG_TCP_MESSAGE_SIZE 304)
  # ... and larger responses stream through it (their payload in pieces, docs/design/tcp.md).
  set(ZCOAP_CFG_TCP_MAX_MESSAGE_SIZE 65536)
elseif(ZCOAP_PROFILE STREQUAL "default")
  set(ZCOAP_CFG_MAX_REQUESTS 16)
  set(ZCOAP_CFG_BLOCK_SIZE 1024)
  set(ZCOAP_CFG_MESSAGE_SIZE 1024)
  set(ZCOAP_CFG_MESSAGE_HEADER_SIZE 128)
  set(ZCOAP_CFG_MAX_PATH_LEN 255)
  set(ZCOAP_CFG_MAX_EXTRA_OPTIONS 8)
  set(ZCOAP_CFG_DEDUP_ENTRIES 16)
  set(ZCOAP_CFG_EXTENDED_OPTIONS_LEN 1)
  # CoAP over TCP: BERT responses of up to 15 x 1024 bytes in one message, kept within
  # one TLS record (docs/performance.md, section 7; docs/design/tcp.md).
  set(ZCOAP_CFG_TCP_MESSAGE_SIZE 16384)
  # The Max-Message-Size advertised: larger responses stream through the receive buffer,
  # their payload in pieces (a 1 MiB body in one message: docs/performance.md, section 7).
  set(ZCOAP_CFG_TCP_MAX_MESSAGE_SIZE 8388608)
else()
  message(FATAL_ERROR "ZCOAP_PROFILE must be 'default' or 'constrained'")
endif()
set(ZCOAP_CFG_ECHO_MAX_LEN 40)
# Value room of an extra option when EXTENDED_OPTIONS_LEN is 1: a 255-byte Uri-Host or Proxy-Uri fits.
set(ZCOAP_CFG_EXTENDED_OPTIONS_LEN_VALUE 270)
# Individual values may still be overridden: -DZCOAP_CFG_MAX_REQUESTS=256
foreach(k MAX_REQUESTS BLOCK_SIZE MESSAGE_SIZE MESSAGE_HEADER_SIZE MAX_PATH_LEN MAX_EXTRA_OPTIONS
          DEDUP_ENTRIES ECHO_MAX_LEN EXTENDED_OPTIONS_LEN EXTENDED_OPTIONS_LEN_VALUE
          TCP_MESSAGE_SIZE TCP_MAX_MESSAGE_SIZE)
  if(DEFINED CACHE{ZCOAP_CFG_${k}})
    set(ZCOAP_CFG_${k} "$CACHE{ZCOAP_CFG_${k}}")
  endif()
endforeach()

# Storage of the port's OS objects in struct zcoap_client_private
# (include/zcoap_client_types.h), so that the installed headers need no OS
# header: the sizes of the POSIX port's types, measured here and written to
# zcoap_build_config.h. A cross build for another port may preset them
# (-DZCOAP_PORT_MUTEX_SIZE=...); the port checks at compile time that its
# types fit.
include(CheckTypeSize)
set(CMAKE_EXTRA_INCLUDE_FILES port/posix/port_posix.h)
set(CMAKE_REQUIRED_INCLUDES ${PROJECT_SOURCE_DIR}/src)
set(CMAKE_REQUIRED_DEFINITIONS -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE)
foreach(t "MUTEX;pthread_mutex_t" "COND;pthread_cond_t" "THREAD;struct zc_posix_thread"
          "WAKE;struct zc_posix_wake")
  list(GET t 0 k)
  list(GET t 1 type)
  if(NOT DEFINED ZCOAP_PORT_${k}_SIZE)
    check_type_size("${type}" ZCOAP_SIZEOF_PORT_${k} LANGUAGE C)
    if(NOT ZCOAP_SIZEOF_PORT_${k})
      message(FATAL_ERROR "cannot measure ${type} for the POSIX port; set ZCOAP_PORT_${k}_SIZE")
    endif()
    set(ZCOAP_PORT_${k}_SIZE ${ZCOAP_SIZEOF_PORT_${k}})
  endif()
endforeach()
unset(CMAKE_EXTRA_INCLUDE_FILES)
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_DEFINITIONS)

configure_file(${PROJECT_SOURCE_DIR}/cmake/zcoap_build_config.h.in
               ${PROJECT_BINARY_DIR}/include/zcoap_build_config.h @ONLY)
