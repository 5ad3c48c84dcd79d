# TcpcloseTests.cmake - the test suite: unit tests of the state machine, a golden test per
# capture in test-captures/, the capture generator's reproducibility, a robustness run over
# the public captures beside the checkout, and tcpclose's memory on 1 GiB of connections that
# never close.

set(TCPCLOSE_CAPTURES "${PROJECT_SOURCE_DIR}/test-captures")

add_executable(closure_test plugin/closure_test.c)
target_link_libraries(closure_test PRIVATE closure)
add_test(NAME unit.closure COMMAND closure_test)
add_executable(idle_timers_test plugin/idle_timers_test.c)
target_link_libraries(idle_timers_test PRIVATE closure)
add_test(NAME unit.idle_timers COMMAND idle_timers_test)

# tshark must load the plugin, or a test would check nothing (as root, tshark reads no plugin folder
# but its own: see run-tshark.sh).  Every test that runs tshark waits on this one, and is not run
# when it fails: one loud failure, not a hundred that each say it otherwise.
add_test(NAME plugin.listed COMMAND "${PROJECT_SOURCE_DIR}/cmake/require-plugin.sh" $<TARGET_FILE:tcpclose>)
set_tests_properties(plugin.listed PROPERTIES FIXTURES_SETUP tcpclose_loaded)

# Every capture has an expected table; a capture without one fails rather than going untested.
file(GLOB _captures RELATIVE "${TCPCLOSE_CAPTURES}" "${TCPCLOSE_CAPTURES}/*.pcap" "${TCPCLOSE_CAPTURES}/*.pcapng")
list(SORT _captures)
foreach(_capture IN LISTS _captures)
  string(REGEX REPLACE "\\.pcap(ng)?$" "" _name "${_capture}")
  add_test(NAME golden.${_name}
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-capture.sh" $<TARGET_FILE:tcpclose>
                   "${TCPCLOSE_CAPTURES}/${_capture}" "${TCPCLOSE_CAPTURES}/${_name}.expected")
endforeach()

# The preferences, set with -o: each timer set to either side of a gap in a capture, and the Info
# tag turned off, each against its own table (test-captures/preferences/CAPTURE.NAME-VALUE.expected),
# or the capture's own where the setting changes nothing in it.
foreach(_case IN ITEMS "rst-into-time-wait time_wait 1" "rst-after-time-wait time_wait 120"
                       "rst-idle-timeout idle_timeout 400" "rst-idle-timeout idle_timeout 401"
                       "idle-timer-firewall-rst idle_timeout 1" "linux-client-close info_tag FALSE")
  separate_arguments(_case)
  list(GET _case 0 _name)
  list(GET _case 1 _preference)
  list(GET _case 2 _value)
  set(_expected "${TCPCLOSE_CAPTURES}/preferences/${_name}.${_preference}-${_value}.expected")
  if(NOT EXISTS "${_expected}")
    set(_expected "${TCPCLOSE_CAPTURES}/${_name}.expected")
  endif()
  add_test(NAME golden.preferences.${_name}.${_preference}-${_value}
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-capture.sh" $<TARGET_FILE:tcpclose> "${TCPCLOSE_CAPTURES}/${_name}.pcap"
                   "${_expected}" -o "tcpclose.${_preference}:${_value}")
endforeach()

# The crafted captures must be exactly what the generator in the repo makes.
find_library(PCAP_LIBRARY pcap REQUIRED)
add_executable(make-captures test-captures/make-captures.c)
target_link_libraries(make-captures PRIVATE "${PCAP_LIBRARY}")
add_test(NAME generator.reproducible
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-generator.sh" $<TARGET_FILE:make-captures> "${TCPCLOSE_CAPTURES}")

# Memory bounded by connections, not packets: 1 GiB of connections that never close, written by
# make-never-closing (optimised: 1 GiB in about 2 s) and read by tshark with tcpclose enabled and
# disabled; see check-bounded-memory.sh.  About 40 s; 1.2 GB in TMPDIR while it runs.
add_executable(make-never-closing test-captures/make-never-closing.c)
target_link_libraries(make-never-closing PRIVATE "${PCAP_LIBRARY}")
target_compile_options(make-never-closing PRIVATE -O2)
add_test(NAME robustness.never_closing
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-bounded-memory.sh" $<TARGET_FILE:tcpclose>
                 $<TARGET_FILE:make-never-closing>)
set_tests_properties(robustness.never_closing PROPERTIES TIMEOUT 300 COST 100)

# Real captures from open projects (../shared/captures/public, present on the project's machines
# and in CI): no crash, no dissector error, agreement with Wireshark's fin_active.
set(TCPCLOSE_PUBLIC_CAPTURES "${PROJECT_SOURCE_DIR}/../shared/captures/public"
    CACHE PATH "Folder of public captures for the robustness run")
if(IS_DIRECTORY "${TCPCLOSE_PUBLIC_CAPTURES}")
  add_test(NAME robustness.public_captures
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-robustness.sh" $<TARGET_FILE:tcpclose> "${TCPCLOSE_PUBLIC_CAPTURES}")
else()
  message(STATUS "No public captures at ${TCPCLOSE_PUBLIC_CAPTURES}: robustness.public_captures not registered")
endif()

# tcpclose against the Linux kernel's own socket states, recorded by test-captures/kernel/lab.py.
add_test(NAME kernel.conformance
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-kernel-truth.sh" $<TARGET_FILE:tcpclose>
                 "${TCPCLOSE_CAPTURES}/kernel")

# Statistics (-z tcpclose,...): every form on bundled captures against hand-checked outputs, one pass
# and two; and the per-connection table against the per-segment annotations.
add_test(NAME stats.golden
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-stats.sh" $<TARGET_FILE:tcpclose> golden "${TCPCLOSE_CAPTURES}")
file(GLOB _stats_captures "${TCPCLOSE_CAPTURES}/*.pcap" "${TCPCLOSE_CAPTURES}/*.pcapng")
list(SORT _stats_captures)
add_test(NAME stats.crosscheck
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-stats.sh" $<TARGET_FILE:tcpclose> crosscheck ${_stats_captures})
if(IS_DIRECTORY "${TCPCLOSE_PUBLIC_CAPTURES}")
  set(_stats_public zeek__http__vnd.ms-cab-compressed-multi-conn.pcap zeek__ftp__ipv4.pcap cs__synscan.pcapng
      sv__output-eve-ftp-data.pcap zeek__tunnels__gre-aruba.pcap cs__sessionhijacking.pcapng)
  list(TRANSFORM _stats_public PREPEND "${TCPCLOSE_PUBLIC_CAPTURES}/")
  add_test(NAME stats.crosscheck_public
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-stats.sh" $<TARGET_FILE:tcpclose> crosscheck ${_stats_public})
endif()

# Filters in a pass that prints no tree, where tcpclose skips the string items nobody asked for.
foreach(_name IN ITEMS linux-simultaneous-close rst-abort-replies odd-two-layers rst-no-connection)
  add_test(NAME golden.filters.${_name}
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-filters.sh" $<TARGET_FILE:tcpclose>
                   "${TCPCLOSE_CAPTURES}/${_name}.pcap" "${TCPCLOSE_CAPTURES}/${_name}.expected")
endforeach()

# The stored results found again when frames are visited out of order, as in the GUI (sharkd):
# several segments in a frame, headers cut short, a reused port pair.
foreach(_name IN ITEMS odd-two-layers odd-truncated odd-port-reuse)
  add_test(NAME golden.random_access.${_name}
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-random-access.sh" $<TARGET_FILE:tcpclose>
                   "${TCPCLOSE_CAPTURES}/${_name}.pcap")
endforeach()

# Disabled, tcpclose changes nothing: neither its post-dissector nor its place in front of TCP.
add_test(NAME golden.disabled
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-disabled.sh" $<TARGET_FILE:tcpclose>
                 "${TCPCLOSE_CAPTURES}/linux-data-after-close.pcap" "${TCPCLOSE_CAPTURES}/odd-gre.pcap")

# The configuration profile shipped with the plugin (plugin/profile/tcpclose): its columns, colouring
# rules and filter buttons as tshark -C applies them, against a table checked by hand.
add_test(NAME profile.tshark
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-profile.sh" $<TARGET_FILE:tcpclose>
                 "${PROJECT_SOURCE_DIR}/plugin/profile/tcpclose" "${TCPCLOSE_CAPTURES}/profile.expected"
                 "${TCPCLOSE_CAPTURES}/linux-data-after-close.pcap" "${TCPCLOSE_CAPTURES}/close-wait.pcap"
                 "${TCPCLOSE_CAPTURES}/simultaneous-close.pcap" "${TCPCLOSE_CAPTURES}/rst-abort-replies.pcap"
                 "${TCPCLOSE_CAPTURES}/rst-injection.pcap" "${TCPCLOSE_CAPTURES}/rst-out-of-window.pcap")

# The Wireshark GUI (Qt) under Xvfb, in the tcpclose profile: loads the plugin and the capture, lays
# out the profile's columns, draws the statistics, quits cleanly.
add_test(NAME gui.wireshark
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-gui.sh" $<TARGET_FILE:tcpclose>
                 "${TCPCLOSE_CAPTURES}/linux-data-after-close.pcap" "${PROJECT_SOURCE_DIR}/plugin/profile/tcpclose")
# The same with Statistics > TCP Idle Timers on a capture with a timer (what the table holds:
# stats.golden's timers.table, through tshark's printer).
add_test(NAME gui.wireshark.timers
         COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-gui.sh" $<TARGET_FILE:tcpclose>
                 "${TCPCLOSE_CAPTURES}/idle-timer-firewall-rst.pcap")
set_tests_properties(gui.wireshark.timers PROPERTIES ENVIRONMENT "TCPCLOSE_GUI_TABLE=tcpclose,timers_table=TCP Idle Timers")

# The same suite with the plugin built with ASan and UBSan, mutation fuzzing through tshark, and
# libFuzzer on the state machine.
include(cmake/Sanitizers.cmake)
include(cmake/FuzzTests.cmake)

# Every test: the Wireshark line the plugin was built for, the plugin folder run-tshark.sh and
# check-gui.sh put it in (asking tshark -v would cost a tshark start on every run).
get_property(_tests DIRECTORY PROPERTY TESTS)
foreach(_test IN LISTS _tests)
  set_property(TEST ${_test} APPEND PROPERTY ENVIRONMENT
               "TCPCLOSE_WIRESHARK_LINE=${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")
  if(_test MATCHES "^(golden|stats|robustness|kernel|profile|gui)\\.")
    set_tests_properties(${_test} PROPERTIES FIXTURES_REQUIRED tcpclose_loaded)
  elseif(_test MATCHES "^asan\\." AND NOT _test STREQUAL "asan.plugin.listed")
    set_tests_properties(${_test} PROPERTIES FIXTURES_REQUIRED tcpclose_asan_loaded)
  endif()
endforeach()
