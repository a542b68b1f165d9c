# Compiler warnings for our own code. ZCOAP_WERROR turns them into errors (CI).
function(zcoap_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wpointer-arith
    -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef)
  if(ZCOAP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Tests and tools: the same minus the noisiest conversions (cmocka macros).
function(zcoap_test_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wformat=2)
  if(ZCOAP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
