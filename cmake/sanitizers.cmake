# ZCOAP_SANITIZE=address -> ASan + UBSan; ZCOAP_SANITIZE=thread -> TSan.
# Applied to every target of the build so that the library, tests and tool agree.
if(ZCOAP_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(ZCOAP_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  # The client lock as a pthread mutex, so that TSan also checks the lock order (its deadlock
  # reports know pthread mutexes, not the futex words of src/port/posix/sync.c, which the other
  # builds test under contention: test_port_posix).
  add_compile_definitions(ZCOAP_PORT_PTHREAD_SYNC)
elseif(NOT ZCOAP_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ZCOAP_SANITIZE must be '', 'address' or 'thread'")
endif()
