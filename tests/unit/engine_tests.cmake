# Engine unit tests (fake clock + fake transport, tests/support/fake_io.c).
# Included from tests/unit/CMakeLists.txt.
foreach(t basic separate cancel observe block block_more)
  zcoap_add_test(NAME test_engine_${t} LABELS unit
                 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine_${t}.c
                 LIBS zcoap_test_support)
endforeach()
