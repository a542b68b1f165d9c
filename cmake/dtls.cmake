# DTLS selection. Without Mbed TLS the DTLS functions exist and return -ENOTSUP.
set(ZCOAP_HAVE_DTLS OFF)
set(ZCOAP_DTLS_SOURCES src/transport/dtls_none.c)
set(ZCOAP_DTLS_LIBRARIES "")
set(ZCOAP_DTLS_INCLUDE_DIRS "")
