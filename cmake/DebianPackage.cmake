# DebianPackage.cmake - tcpclose as a Debian package for the Wireshark it was built against.
#
# Wireshark loads a plugin only into the release line it was built for, and as root it reads only
# its global plugin folder.  The package therefore installs into that Wireshark's global folder
# (Wireshark_PLUGIN_INSTALL_DIR, from its CMake config) and depends on the exact libwireshark
# package the plugin was linked against: apt refuses a mismatched Wireshark, instead of Wireshark
# silently refusing the plugin.
#
#   cpack --config build/CPackConfig.cmake -B build    ->  build/tcpclose_<version>+wireshark<X.Y>_<arch>.deb
#   sudo cmake --install build --component system      the same files, straight into the global folders
#
# The package also holds the tcpclose configuration profile, in Wireshark's global profiles folder,
# so that every user finds it in the status bar's profile list.  The "system" install rules are
# EXCLUDE_FROM_ALL: a plain "cmake --install build" keeps to the user's personal folders.
# Include after add_tcpclose_plugin(tcpclose).

set(TCPCLOSE_WIRESHARK_LINE "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")
# Install where this Wireshark is installed (/usr for Debian's), unless told otherwise.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}" CACHE PATH "Install prefix (Wireshark's)" FORCE)
endif()
file(RELATIVE_PATH TCPCLOSE_SYSTEM_PLUGIN_DIR "${Wireshark_INSTALL_PREFIX}" "${Wireshark_PLUGIN_INSTALL_DIR}/epan")
install(TARGETS tcpclose LIBRARY DESTINATION "${TCPCLOSE_SYSTEM_PLUGIN_DIR}" COMPONENT system EXCLUDE_FROM_ALL)
install(DIRECTORY plugin/profile/tcpclose/ DESTINATION share/wireshark/profiles/tcpclose COMPONENT system
        EXCLUDE_FROM_ALL)

# The Debian package that holds the libwireshark this build links against, and its exact version.
set(_libwireshark "")
foreach(_config IN ITEMS NONE RELEASE RELWITHDEBINFO DEBUG)
  get_target_property(_location epan IMPORTED_LOCATION_${_config})
  if(_location)
    set(_libwireshark "${_location}")
    break()
  endif()
endforeach()
set(TCPCLOSE_LIBWIRESHARK_DEPENDS "")
if(_libwireshark)
  get_filename_component(_libwireshark "${_libwireshark}" REALPATH)
  execute_process(COMMAND dpkg-query -S "${_libwireshark}" OUTPUT_VARIABLE _owner ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _owner_rc)
  if(_owner_rc EQUAL 0)
    string(REGEX REPLACE "[:,].*$" "" _package "${_owner}")
    execute_process(COMMAND dpkg-query -W "-f=\${Version}" "${_package}" OUTPUT_VARIABLE _version ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(TCPCLOSE_LIBWIRESHARK_DEPENDS "${_package} (= ${_version})")
  endif()
endif()
if(TCPCLOSE_LIBWIRESHARK_DEPENDS)
  message(STATUS "Debian package: depends on ${TCPCLOSE_LIBWIRESHARK_DEPENDS}")
else()
  message(STATUS "Debian package: no dpkg package owns ${_libwireshark}: the package will not depend on it")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tcpclose)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "tcpclose maintainers <tcpclose@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark ${TCPCLOSE_WIRESHARK_LINE} plugin: how, by whom and why each TCP connection closed")
set(CPACK_PACKAGING_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}")
set(CPACK_COMPONENTS_ALL system)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_PACKAGE_VERSION "${PROJECT_VERSION}+wireshark${TCPCLOSE_WIRESHARK_LINE}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${TCPCLOSE_LIBWIRESHARK_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_ENHANCES "wireshark, tshark")
include(CPack)
