# Observe/Block-wise interop tests (issues 4 and 5), included from
# tests/interop/CMakeLists.txt. Both exit 77 (skipped) when their peer is
# missing: coap-server-notls (libcoap3-bin) or node with the npm packages of
# node/ (installed by node/setup.sh).
zcoap_add_test(NAME test_interop_node LABELS interop
               SOURCES test_interop_node.c node_server.c interop_util.c
               LIBS zcoap_test_peer zcoap_test_child)
target_compile_definitions(test_interop_node PRIVATE
                           ZCOAP_NODE_SERVER_DIR="${CMAKE_CURRENT_SOURCE_DIR}/node")
set_tests_properties(test_interop_node PROPERTIES TIMEOUT 240)

zcoap_add_test(NAME test_interop_observe_block LABELS interop
               SOURCES test_interop_observe_block.c libcoap_server.c interop_util.c
               LIBS zcoap_test_peer zcoap_test_child)
set_tests_properties(test_interop_observe_block PROPERTIES TIMEOUT 300)
