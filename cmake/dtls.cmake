# DTLS selection (docs/design/dtls.md).
#
# ZCOAP_WITH_DTLS = AUTO (use Mbed TLS when found), ON (Mbed TLS required) or
# OFF (never). Without Mbed TLS the zcoap_dtls_* / zcoap_tls_* functions still
# exist and return -ENOTSUP (src/transport/dtls/none.c). The parts that need no
# TLS library (credential store, error texts) are in ZCOAP_TRANSPORT_SOURCES
# (cmake/sources.cmake) and built either way.
#
# Sets, for the top-level CMakeLists.txt and the install rules:
#   ZCOAP_HAVE_DTLS            ON when the library is built with Mbed TLS
#   ZCOAP_DTLS_SOURCES         repository-relative source files of the DTLS backend:
#                              the Mbed TLS files, or none.c
#   ZCOAP_DTLS_LIBRARIES       libraries to link (full paths, usable in exports)
#   ZCOAP_DTLS_INCLUDE_DIRS    include directories for those sources
#   ZCOAP_DTLS_PKGCONFIG_LIBS  the same libraries as linker flags, for zcoap.pc's
#                              Libs.private (static linking)
#   ZCOAP_MBEDTLS_VERSION      version found (e.g. 2.28.3), empty without DTLS
#
# Debian 12's Mbed TLS 2.28 ships no CMake package, so this looks for the
# header and the three libraries directly (which also finds 3.x installs).
# MBEDTLS_ROOT (CMake variable or environment) points at a custom installation.

set(ZCOAP_HAVE_DTLS OFF)
# Without Mbed TLS: DTLS and the TLS of CoAP over TCP refuse (-ENOTSUP, -EPROTONOSUPPORT).
set(ZCOAP_DTLS_SOURCES src/transport/dtls/none.c src/transport/tls/none.c)
set(ZCOAP_DTLS_LIBRARIES "")
set(ZCOAP_DTLS_INCLUDE_DIRS "")
set(ZCOAP_DTLS_PKGCONFIG_LIBS "")
set(ZCOAP_MBEDTLS_VERSION "")

string(TOUPPER "${ZCOAP_WITH_DTLS}" zcoap_dtls_mode)
if(zcoap_dtls_mode STREQUAL "OFF" OR zcoap_dtls_mode STREQUAL "NO" OR
   zcoap_dtls_mode STREQUAL "FALSE" OR zcoap_dtls_mode STREQUAL "0")
  message(STATUS "zcoap: DTLS disabled (ZCOAP_WITH_DTLS=${ZCOAP_WITH_DTLS})")
  return()
endif()
if(NOT zcoap_dtls_mode MATCHES "^(AUTO|ON|YES|TRUE|1)$")
  message(FATAL_ERROR "ZCOAP_WITH_DTLS must be AUTO, ON or OFF (got '${ZCOAP_WITH_DTLS}')")
endif()

find_path(ZCOAP_MBEDTLS_INCLUDE_DIR mbedtls/ssl.h
  HINTS ${MBEDTLS_ROOT} ENV MBEDTLS_ROOT
  PATH_SUFFIXES include)
find_library(ZCOAP_MBEDTLS_LIBRARY mbedtls
  HINTS ${MBEDTLS_ROOT} ENV MBEDTLS_ROOT PATH_SUFFIXES lib lib64)
find_library(ZCOAP_MBEDX509_LIBRARY mbedx509
  HINTS ${MBEDTLS_ROOT} ENV MBEDTLS_ROOT PATH_SUFFIXES lib lib64)
find_library(ZCOAP_MBEDCRYPTO_LIBRARY mbedcrypto
  HINTS ${MBEDTLS_ROOT} ENV MBEDTLS_ROOT PATH_SUFFIXES lib lib64)
mark_as_advanced(ZCOAP_MBEDTLS_INCLUDE_DIR ZCOAP_MBEDTLS_LIBRARY ZCOAP_MBEDX509_LIBRARY
                 ZCOAP_MBEDCRYPTO_LIBRARY)

set(zcoap_mbedtls_found OFF)
if(ZCOAP_MBEDTLS_INCLUDE_DIR AND ZCOAP_MBEDTLS_LIBRARY AND ZCOAP_MBEDX509_LIBRARY AND
   ZCOAP_MBEDCRYPTO_LIBRARY)
  # 2.x keeps the version in version.h, 3.x in build_info.h.
  foreach(hdr mbedtls/build_info.h mbedtls/version.h)
    if(ZCOAP_MBEDTLS_VERSION STREQUAL "" AND EXISTS "${ZCOAP_MBEDTLS_INCLUDE_DIR}/${hdr}")
      file(STRINGS "${ZCOAP_MBEDTLS_INCLUDE_DIR}/${hdr}" zcoap_ver_line
           REGEX "^#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"[0-9.]+\"")
      if(zcoap_ver_line MATCHES "\"([0-9.]+)\"")
        set(ZCOAP_MBEDTLS_VERSION "${CMAKE_MATCH_1}")
      endif()
    endif()
  endforeach()
  if(ZCOAP_MBEDTLS_VERSION VERSION_LESS 2.16)
    message(STATUS "zcoap: Mbed TLS '${ZCOAP_MBEDTLS_VERSION}' at ${ZCOAP_MBEDTLS_INCLUDE_DIR} "
                   "is too old (need 2.16 or later)")
  else()
    # DTLS needs these modules compiled into the library (Mbed TLS config.h).
    include(CheckSymbolExists)
    set(CMAKE_REQUIRED_INCLUDES ${ZCOAP_MBEDTLS_INCLUDE_DIR})
    set(CMAKE_REQUIRED_QUIET ON)
    if(ZCOAP_MBEDTLS_VERSION VERSION_LESS 3.0)
      set(zcoap_cfg_header mbedtls/config.h)
    else()
      set(zcoap_cfg_header mbedtls/build_info.h)
    endif()
    set(zcoap_mbedtls_found ON)
    foreach(sym MBEDTLS_SSL_PROTO_DTLS MBEDTLS_SSL_CLI_C MBEDTLS_CTR_DRBG_C
                MBEDTLS_ENTROPY_C MBEDTLS_X509_CRT_PARSE_C)
      unset(zcoap_has_sym CACHE)
      check_symbol_exists(${sym} ${zcoap_cfg_header} zcoap_has_sym)
      if(NOT zcoap_has_sym)
        message(STATUS "zcoap: Mbed TLS at ${ZCOAP_MBEDTLS_INCLUDE_DIR} lacks ${sym}")
        set(zcoap_mbedtls_found OFF)
      endif()
    endforeach()
    unset(zcoap_has_sym CACHE)
    unset(CMAKE_REQUIRED_INCLUDES)
    unset(CMAKE_REQUIRED_QUIET)
  endif()
endif()

if(NOT zcoap_mbedtls_found)
  if(NOT zcoap_dtls_mode STREQUAL "AUTO")
    message(FATAL_ERROR "ZCOAP_WITH_DTLS=${ZCOAP_WITH_DTLS} but no usable Mbed TLS was found "
                        "(install libmbedtls-dev, or set MBEDTLS_ROOT)")
  endif()
  message(STATUS "zcoap: DTLS disabled (Mbed TLS not found)")
  set(ZCOAP_MBEDTLS_VERSION "")
  return()
endif()

set(ZCOAP_HAVE_DTLS ON)
# The only files that include Mbed TLS headers (src/transport/dtls/mbedtls_internal.h),
# and the TLS of CoAP over TCP (src/transport/tls/, docs/design/tcp.md).
set(ZCOAP_DTLS_SOURCES
    src/transport/dtls/mbedtls_session.c
    src/transport/dtls/mbedtls_config.c
    src/transport/dtls/mbedtls_bio.c
    src/transport/dtls/mbedtls_record.c
    src/transport/dtls/mbedtls_diag.c
    src/transport/dtls/mbedtls_rng.c
    src/transport/dtls/mbedtls_identity.c
    src/transport/dtls/mbedtls_resume.c
    src/transport/dtls/mbedtls_driven.c
    src/transport/dtls/mbedtls_reconnect.c
    src/transport/tls/mbedtls_tls.c)
# Link order matters for static archives: ssl needs x509 needs crypto.
set(ZCOAP_DTLS_LIBRARIES ${ZCOAP_MBEDTLS_LIBRARY} ${ZCOAP_MBEDX509_LIBRARY}
                         ${ZCOAP_MBEDCRYPTO_LIBRARY})
set(ZCOAP_DTLS_INCLUDE_DIRS ${ZCOAP_MBEDTLS_INCLUDE_DIR})
set(ZCOAP_DTLS_PKGCONFIG_LIBS "-lmbedtls -lmbedx509 -lmbedcrypto")
get_filename_component(zcoap_mbedtls_libdir "${ZCOAP_MBEDTLS_LIBRARY}" DIRECTORY)
if(NOT zcoap_mbedtls_libdir MATCHES "^/(usr/)?lib(64|/[^/]+)?$")
  # A non-system installation: the linker must be told where it is.
  set(ZCOAP_DTLS_PKGCONFIG_LIBS "-L${zcoap_mbedtls_libdir} ${ZCOAP_DTLS_PKGCONFIG_LIBS}")
endif()
message(STATUS "zcoap: DTLS with Mbed TLS ${ZCOAP_MBEDTLS_VERSION} (${ZCOAP_MBEDTLS_LIBRARY})")
# DTLS Connection ID (RFC 9146): one switch, for an Mbed TLS 3.x built with
# MBEDTLS_SSL_DTLS_CONNECTION_ID (not Debian 12's 2.28: the build then stops
# with an #error in src/transport/dtls/mbedtls_config.c). docs/design/dtls.md.
option(ZCOAP_DTLS_CONNECTION_ID "Offer DTLS Connection IDs (RFC 9146; needs Mbed TLS 3.x with them)"
       OFF)
if(ZCOAP_DTLS_CONNECTION_ID)
  add_compile_definitions(ZCOAP_DTLS_CONNECTION_ID=1)
  message(STATUS "zcoap: DTLS Connection ID (RFC 9146) on")
endif()
