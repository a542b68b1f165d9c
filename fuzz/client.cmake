# fuzz_client: stateful fuzzing of the client engine's receive path
# (fuzz_client.c). Included from fuzz/CMakeLists.txt.
#
# The codec and the engine are compiled into the targets themselves, so the
# libFuzzer build instruments them; src/codec/ids.c is left out because the
# target supplies a deterministic coap_next_id(). The port, the thread and
# the transport are not needed (the target fakes them).
set(fuzz_client_lib_sources ${ZCOAP_CODEC_SOURCES} ${ZCOAP_CORE_SOURCES})
list(REMOVE_ITEM fuzz_client_lib_sources src/codec/ids.c)
list(TRANSFORM fuzz_client_lib_sources PREPEND ${PROJECT_SOURCE_DIR}/)

function(zcoap_fuzz_client_target name)
  target_include_directories(${name} PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_definitions(${name} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  zcoap_test_warnings(${name})
endfunction()

if(ZCOAP_BUILD_TESTS)
  # Plain replay of the committed corpus (CTest label fuzz-smoke).
  add_executable(fuzz_client_replay ${CMAKE_CURRENT_LIST_DIR}/fuzz_client.c
                                    ${CMAKE_CURRENT_LIST_DIR}/standalone_main.c
                                    ${fuzz_client_lib_sources})
  zcoap_fuzz_client_target(fuzz_client_replay)
  add_test(NAME fuzz_client_replay
           COMMAND fuzz_client_replay ${CMAKE_CURRENT_LIST_DIR}/corpus/client)
  set_tests_properties(fuzz_client_replay PROPERTIES LABELS fuzz-smoke TIMEOUT 300)
endif()

if(ZCOAP_BUILD_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(fuzz_client_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
                        -fno-omit-frame-pointer)
  add_executable(fuzz_client ${CMAKE_CURRENT_LIST_DIR}/fuzz_client.c ${fuzz_client_lib_sources})
  zcoap_fuzz_client_target(fuzz_client)
  target_compile_options(fuzz_client PRIVATE ${fuzz_client_flags})
  target_link_options(fuzz_client PRIVATE ${fuzz_client_flags})
endif()
