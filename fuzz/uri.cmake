# fuzz_uri: the zcoap tool's URI parser (cli/uri.c) and the request built
# from it (fuzz_uri.c). Included from fuzz/CMakeLists.txt.
#
# The parser and the codec (used to check the options a URI turns into) are
# compiled into the targets; src/codec/ids.c is not needed.
set(fuzz_uri_lib_sources ${ZCOAP_CODEC_SOURCES})
list(REMOVE_ITEM fuzz_uri_lib_sources src/codec/ids.c)
list(TRANSFORM fuzz_uri_lib_sources PREPEND ${PROJECT_SOURCE_DIR}/)
list(APPEND fuzz_uri_lib_sources ${PROJECT_SOURCE_DIR}/cli/uri.c)

function(zcoap_fuzz_uri_target name)
  target_include_directories(${name} PRIVATE
    ${PROJECT_SOURCE_DIR}/cli ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include
    ${PROJECT_SOURCE_DIR}/src)
  target_compile_definitions(${name} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  zcoap_test_warnings(${name})
endfunction()

if(ZCOAP_BUILD_TESTS)
  # Plain replay of the committed corpus (CTest label fuzz-smoke).
  add_executable(fuzz_uri_replay ${CMAKE_CURRENT_LIST_DIR}/fuzz_uri.c
                                 ${CMAKE_CURRENT_LIST_DIR}/standalone_main.c
                                 ${fuzz_uri_lib_sources})
  zcoap_fuzz_uri_target(fuzz_uri_replay)
  add_test(NAME fuzz_uri_replay COMMAND fuzz_uri_replay ${CMAKE_CURRENT_LIST_DIR}/corpus/uri)
  set_tests_properties(fuzz_uri_replay PROPERTIES LABELS fuzz-smoke TIMEOUT 300)
endif()

if(ZCOAP_BUILD_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(fuzz_uri_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
                     -fno-omit-frame-pointer)
  add_executable(fuzz_uri ${CMAKE_CURRENT_LIST_DIR}/fuzz_uri.c ${fuzz_uri_lib_sources})
  zcoap_fuzz_uri_target(fuzz_uri)
  target_compile_options(fuzz_uri PRIVATE ${fuzz_uri_flags})
  target_link_options(fuzz_uri PRIVATE ${fuzz_uri_flags})
endif()
