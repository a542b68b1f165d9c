/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * zcoap_export.h -- ZCOAP_API, the mark of the library's public functions.
 */

/**
 * @file
 * @brief The export macro of the public API.
 *
 * The library is compiled with hidden symbol visibility by default (CMake's
 * C_VISIBILITY_PRESET hidden), so a function that is not static but is only
 * shared between the library's own files (the zc_ names) does not appear in
 * libzcoap.so's dynamic symbol table. Every function and object declared in
 * the installed headers carries ZCOAP_API instead, which gives it default
 * visibility: these, and only these, form the ABI of the shared library.
 * scripts/check-abi.sh compares the declarations with the library's exports
 * and with the symbol list cmake/libzcoap.sym.
 *
 * On compilers without the GNU visibility attribute ZCOAP_API is empty. A
 * build (or another platform's port) may define ZCOAP_API itself before
 * including any zcoap header, e.g. as __declspec(dllexport).
 */

#ifndef ZCOAP_EXPORT_H
#define ZCOAP_EXPORT_H

#ifndef ZCOAP_API
#if defined(__GNUC__) || defined(__clang__)
#define ZCOAP_API __attribute__((visibility("default")))
#else
#define ZCOAP_API
#endif
#endif

#endif /* ZCOAP_EXPORT_H */
