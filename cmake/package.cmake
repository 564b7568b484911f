# The installable library (docs/library.md): `cmake --install` puts
#   bin/ddatabase                                   the CLI
#   lib/libddatabase.a                              every library layer, built-in plugins included
#   lib/libddatabase.so.<ver>                       the same, shared (-DDDB_SHARED=ON)
#   include/ddatabase/...                           the public headers (below)
#   lib/cmake/ddatabase/                            find_package(ddatabase): ddatabase::ddatabase
#                                                   (shared if built, else the archive) and
#                                                   ddatabase::ddatabase_static
#   lib/pkgconfig/ddatabase.pc                      pkg-config (--static for the archive)
# Included by CMakeLists.txt after the layer libraries exist.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The layer libraries, lowest first, whose objects make up the library.
set(DDB_LIBRARY_MODULES ddb_core ddb_storage ddb_feed ddb_wire ddb_config ddb_protocol ddb_net
    ddb_actors ddb_swarm ddb_node ddb_sim ddb_control ddb_builtin_plugins ddb_appender_builtin
    ddb_echo_builtin ddb_length_announce_builtin)
set(ddb_objects)
foreach(m ${DDB_LIBRARY_MODULES})
  list(APPEND ddb_objects $<TARGET_OBJECTS:${m}>)
endforeach()

# Public headers: what the entry points below include, followed to the end (a header in this
# set only includes headers in it, CAF and the standard library; tests/package checks that each
# compiles alone once installed, and that none pulls in asio, libtorrent, yaml-cpp or httplib).
set(DDB_PUBLIC_ENTRY_HEADERS
  core/errc.hpp core/result.hpp core/types.hpp core/crypto.hpp core/key_file.hpp
  storage/env.hpp storage/fault_env.hpp feed/feed.hpp
  actors/feed_client.hpp actors/feed_streams.hpp actors/encoded_feed.hpp actors/peer_actor.hpp actors/system_tuning.hpp
  net/transport.hpp config/config_loader.hpp node/node.hpp sim/driver.hpp sim/scenario.hpp)
set(ddb_public_headers)
set(ddb_pending ${DDB_PUBLIC_ENTRY_HEADERS})
while(ddb_pending)
  list(POP_FRONT ddb_pending h)
  if(h IN_LIST ddb_public_headers)
    continue()
  endif()
  list(APPEND ddb_public_headers ${h})
  file(STRINGS ${PROJECT_SOURCE_DIR}/${h} includes REGEX "^#include \"")
  foreach(line ${includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" inc "${line}")
    if(inc MATCHES "^ddatabase/")  # the SDK: installed with it, under include/ddatabase
      continue()
    endif()
    if(NOT inc IN_LIST ddb_public_headers)
      list(APPEND ddb_pending ${inc})
    endif()
  endforeach()
endwhile()
list(SORT ddb_public_headers)
set(DDB_PUBLIC_HEADERS ${ddb_public_headers} CACHE INTERNAL "installed headers")

# The umbrella header, <ddatabase/ddatabase.hpp>, including every entry point.
set(DDB_UMBRELLA_INCLUDES "")
foreach(h ${DDB_PUBLIC_ENTRY_HEADERS})
  string(APPEND DDB_UMBRELLA_INCLUDES "#include \"${h}\"\n")
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/ddatabase.hpp.in
               ${PROJECT_BINARY_DIR}/generated/include/ddatabase/ddatabase.hpp @ONLY)

# What a program using the library links besides it. Public: CAF (its types are in the API) and
# threads; the rest only for the static archive.
set(ddb_public_deps Threads::Threads ${CMAKE_DL_LIBS})
set(ddb_private_deps PkgConfig::SODIUM PkgConfig::TORRENT PkgConfig::HTTPLIB yaml-cpp)
set(ddb_include_dirs
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/ddatabase>)

function(ddb_package_library target type)
  add_library(${target} ${type} ${ddb_objects})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ddatabase
    ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
  target_include_directories(${target} INTERFACE ${ddb_include_dirs})
  target_compile_features(${target} INTERFACE cxx_std_17)
  target_link_libraries(${target} PUBLIC ${ddb_public_deps}
    $<BUILD_INTERFACE:${CAF_CORE}> $<BUILD_INTERFACE:${CAF_IO}>
    $<INSTALL_INTERFACE:caf_core> $<INSTALL_INTERFACE:caf_io>)
  if(type STREQUAL "SHARED")
    target_link_libraries(${target} PRIVATE ${ddb_private_deps})
  else()
    target_link_libraries(${target} PUBLIC ${ddb_private_deps})
  endif()
endfunction()

ddb_package_library(ddatabase_static STATIC)
set_target_properties(ddatabase_static PROPERTIES EXPORT_NAME ddatabase_static)
if(DDB_SHARED)
  ddb_package_library(ddatabase_shared SHARED)
  set_target_properties(ddatabase_shared PROPERTIES EXPORT_NAME ddatabase
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  add_library(ddatabase::ddatabase ALIAS ddatabase_shared)
  set(ddb_installed ddatabase_static ddatabase_shared)
else()  # no shared library: ddatabase::ddatabase is the archive
  set_target_properties(ddatabase_static PROPERTIES EXPORT_NAME ddatabase)
  add_library(ddatabase::ddatabase ALIAS ddatabase_static)
  set(ddb_installed ddatabase_static)
endif()
add_library(ddatabase::ddatabase_static ALIAS ddatabase_static)
add_custom_target(ddb_library DEPENDS ${ddb_installed})

install(TARGETS ${ddb_installed} EXPORT ddatabase-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS ddatabase RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
foreach(h ${DDB_PUBLIC_HEADERS})
  get_filename_component(dir ${h} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/${h}
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ddatabase/${dir} COMPONENT dev)
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/generated/include/ddatabase/ddatabase.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ddatabase COMPONENT dev)
set(DDB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ddatabase)
install(EXPORT ddatabase-targets NAMESPACE ddatabase:: DESTINATION ${DDB_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ddatabaseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ddatabaseConfig.cmake INSTALL_DESTINATION ${DDB_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ddatabaseConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ddatabaseConfig.cmake
              ${PROJECT_BINARY_DIR}/ddatabaseConfigVersion.cmake
        DESTINATION ${DDB_CMAKE_DIR} COMPONENT dev)
# With the shared library the dependencies are private (--static); the archive always needs them.
if(DDB_SHARED)
  set(DDB_PC_REQUIRES Requires.private)
else()
  set(DDB_PC_REQUIRES Requires)
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/ddatabase.pc.in ${PROJECT_BINARY_DIR}/ddatabase.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ddatabase.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
