# Install rules: the static and shared library, the public headers (plus the
# generated zcoap_build_config.h) under <prefix>/include/zcoap, a CMake
# package (find_package(zcoap) -> zcoap::zcoap, zcoap::zcoap_static) and a
# pkg-config file. Checked end to end by tests/install/run.sh.
#
# Included by the top-level CMakeLists.txt after the library targets exist.

include(CMakePackageConfigHelpers)

option(ZCOAP_INSTALL "Generate the install rules" ${PROJECT_IS_TOP_LEVEL})
if(NOT ZCOAP_INSTALL)
  return()
endif()

set(ZCOAP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/zcoap
    CACHE STRING "Where the CMake package files go, relative to the prefix")
set(ZCOAP_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/zcoap)

# ---- libraries --------------------------------------------------------------
# One export set: the two libraries and the INTERFACE target `zcoap` (which
# exports as zcoap::zcoap and links the shared library).
install(TARGETS zcoap_static zcoap_shared zcoap
  EXPORT zcoapTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# (The include directory comes from the targets' INSTALL_INTERFACE.)

# ---- headers ------------------------------------------------------------------
# Every public header (coap.h, coap_client.h, zcoap_*.h, ...) and the sizes
# this build was configured with. CONFIGURE_DEPENDS picks up headers added later.
file(GLOB ZCOAP_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/*.h)
install(FILES ${ZCOAP_PUBLIC_HEADERS} ${PROJECT_BINARY_DIR}/include/zcoap_build_config.h
  DESTINATION ${ZCOAP_INSTALL_INCLUDEDIR})

# ---- CMake package --------------------------------------------------------------
install(EXPORT zcoapTargets
  NAMESPACE zcoap::
  FILE zcoapTargets.cmake
  DESTINATION ${ZCOAP_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/zcoapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/zcoapConfig.cmake
  INSTALL_DESTINATION ${ZCOAP_INSTALL_CMAKEDIR})

# Before 1.0 a minor release may change the API or the struct layout.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(zcoap_compat SameMinorVersion)
else()
  set(zcoap_compat SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/zcoapConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY ${zcoap_compat})

install(FILES ${PROJECT_BINARY_DIR}/zcoapConfig.cmake ${PROJECT_BINARY_DIR}/zcoapConfigVersion.cmake
  DESTINATION ${ZCOAP_INSTALL_CMAKEDIR})

# ---- pkg-config -----------------------------------------------------------------
# The .pc file holds absolute paths, so it is written at install time, when
# the final prefix (cmake --install --prefix P) is known. Libs.private lists
# what a static link needs besides libzcoap.a: Mbed TLS when DTLS is built in
# (ZCOAP_DTLS_PKGCONFIG_LIBS from cmake/dtls.cmake).
set(ZCOAP_PC_LIBS_PRIVATE "${ZCOAP_DTLS_PKGCONFIG_LIBS}")
# Directories relative to the prefix become ${prefix}/..., absolute ones stay.
# (The backslash keeps "${prefix}" literal through the install script.)
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(zcoap_pc_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(zcoap_pc_${dir} "\\\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(zcoap_pc_out ${PROJECT_BINARY_DIR}/pkgconfig/zcoap.pc)
install(CODE "
  set(ZCOAP_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(ZCOAP_PC_LIBDIR \"${zcoap_pc_LIBDIR}\")
  set(ZCOAP_PC_INCLUDEDIR \"${zcoap_pc_INCLUDEDIR}\")
  set(ZCOAP_PC_VERSION \"${PROJECT_VERSION}\")
  set(ZCOAP_PC_LIBS_PRIVATE \"${ZCOAP_PC_LIBS_PRIVATE}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/zcoap.pc.in\" \"${zcoap_pc_out}\" @ONLY)
")
install(FILES ${zcoap_pc_out} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
