# Sanitizers.cmake - the same plugin built with AddressSanitizer and UndefinedBehaviorSanitizer,
# in the same build tree as the normal one, and the tests that run it inside Debian's tshark.
#
# Include after cmake/TcpcloseTests.cmake (it reuses the golden tests and TCPCLOSE_PUBLIC_CAPTURES).
#
# Target tcpclose_asan: the plugin's sources and the state machine's, compiled with
# -fsanitize=address,undefined and no recovery, as <build>/asan/tcpclose.so, so that tshark lists
# it under the name it lists the normal plugin.
# Debian's tshark is not instrumented, so the tests preload gcc's ASan runtime into it
# (TCPCLOSE_PRELOAD, read by cmake/run-tshark.sh); any ASan or UBSan report ends tshark with
# SIGABRT (ASAN_OPTIONS=abort_on_error=1) or exit status 1 (UBSan), which the check scripts fail on.
# run-tshark.sh must then give tshark an empty extcap folder (WIRESHARK_EXTCAP_DIR): tshark -G
# starts the extcap helpers, they inherit the preload, and androiddump then never exits.
#
# Tests: asan.plugin.listed (tshark loads the sanitized plugin: the others wait on it),
#        asan.golden.<capture> for every capture with a golden.<capture> test,
#        asan.random_access.odd-two-layers (frames visited out of order, through sharkd),
#        asan.robustness.public_captures when the public captures are present,
#        asan.mutation: cmake/mutation-fuzz.sh over mutated copies of test-captures/ and over
#        files of random TCP frames from randpkt.

option(TCPCLOSE_SANITIZERS "Build tcpclose_asan and run the sanitizer tests" ON)
set(TCPCLOSE_MUTATION_COPIES 3 CACHE STRING
    "Mutated copies of each capture in test-captures/ that the asan.mutation test runs")
set(TCPCLOSE_MUTATION_RANDPKT 20 CACHE STRING
    "Files of 1000 random TCP frames (randpkt) that the asan.mutation test runs")

if(TCPCLOSE_SANITIZERS)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "TCPCLOSE_SANITIZERS needs gcc (its ASan runtime is preloaded into tshark); "
                        "configure with -DTCPCLOSE_SANITIZERS=OFF to build without the sanitizer tests")
  endif()

  # The ASan runtime of the compiler that builds the plugin: preloaded into tshark.
  execute_process(COMMAND "${CMAKE_C_COMPILER}" -print-file-name=libasan.so
                  OUTPUT_VARIABLE _tcpclose_libasan OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _tcpclose_libasan_rc)
  if(NOT _tcpclose_libasan_rc EQUAL 0 OR NOT IS_ABSOLUTE "${_tcpclose_libasan}"
     OR NOT EXISTS "${_tcpclose_libasan}")
    message(FATAL_ERROR "No ASan runtime for ${CMAKE_C_COMPILER} (-print-file-name=libasan.so said "
                        "'${_tcpclose_libasan}'): install libasan8 (Debian 12: it comes with gcc-12), "
                        "or configure with -DTCPCLOSE_SANITIZERS=OFF")
  endif()
  # The real file, not the linker's symlink: the path a non-root tshark loads.
  get_filename_component(TCPCLOSE_LIBASAN "${_tcpclose_libasan}" REALPATH)
  message(STATUS "ASan runtime preloaded into tshark by the sanitizer tests: ${TCPCLOSE_LIBASAN}")

  set(TCPCLOSE_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                              -fno-omit-frame-pointer -g)
  add_tcpclose_plugin(tcpclose_asan)
  set_target_properties(tcpclose_asan PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/asan")
  target_compile_options(tcpclose_asan PRIVATE ${TCPCLOSE_SANITIZE_FLAGS})
  target_link_options(tcpclose_asan PRIVATE ${TCPCLOSE_SANITIZE_FLAGS})

  # tshark loads the sanitized plugin (every asan test waits on this one).
  add_test(NAME asan.plugin.listed
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/require-plugin.sh" $<TARGET_FILE:tcpclose_asan>)
  set_tests_properties(asan.plugin.listed PROPERTIES FIXTURES_SETUP tcpclose_asan_loaded)
  set(_asan_tests asan.plugin.listed)

  # asan.golden.<name>: the golden test of every capture, with the sanitized plugin.
  file(GLOB _asan_captures RELATIVE "${TCPCLOSE_CAPTURES}" "${TCPCLOSE_CAPTURES}/*.pcap"
       "${TCPCLOSE_CAPTURES}/*.pcapng")
  list(SORT _asan_captures)
  foreach(_capture IN LISTS _asan_captures)
    string(REGEX REPLACE "\\.pcap(ng)?$" "" _name "${_capture}")
    if(NOT TEST golden.${_name})
      continue()
    endif()
    add_test(NAME asan.golden.${_name}
             COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-capture.sh" $<TARGET_FILE:tcpclose_asan>
                     "${TCPCLOSE_CAPTURES}/${_capture}" "${TCPCLOSE_CAPTURES}/${_name}.expected")
    list(APPEND _asan_tests asan.golden.${_name})
  endforeach()

  add_test(NAME asan.random_access.odd-two-layers
           COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-random-access.sh" $<TARGET_FILE:tcpclose_asan>
                   "${TCPCLOSE_CAPTURES}/odd-two-layers.pcap")
  list(APPEND _asan_tests asan.random_access.odd-two-layers)

  if(TEST robustness.public_captures)
    add_test(NAME asan.robustness.public_captures
             COMMAND "${PROJECT_SOURCE_DIR}/cmake/check-robustness.sh" $<TARGET_FILE:tcpclose_asan>
                     "${TCPCLOSE_PUBLIC_CAPTURES}")
    list(APPEND _asan_tests asan.robustness.public_captures)
  endif()

  # Random byte errors (editcap -E) in copies of the crafted captures, and random TCP frames
  # (randpkt); see mutation-fuzz.sh.  With the defaults, 270 copies and 20,000 random frames in 29
  # tshark runs, about 35 s on 2 cores.
  add_test(NAME asan.mutation
           COMMAND "${CMAKE_COMMAND}" -E env "MUTATION_RANDPKT=${TCPCLOSE_MUTATION_RANDPKT}"
                   "${PROJECT_SOURCE_DIR}/cmake/mutation-fuzz.sh" $<TARGET_FILE:tcpclose_asan>
                   "${TCPCLOSE_LIBASAN}" "${TCPCLOSE_MUTATION_COPIES}" "${TCPCLOSE_CAPTURES}")
  set_tests_properties(asan.mutation PROPERTIES TIMEOUT 600)
  list(APPEND _asan_tests asan.mutation)

  set_tests_properties(${_asan_tests} PROPERTIES ENVIRONMENT "TCPCLOSE_PRELOAD=${TCPCLOSE_LIBASAN}"
                                                LABELS sanitizer)
  # The long ones first under ctest -j (before ctest has timed them once).
  set_tests_properties(asan.mutation PROPERTIES COST 200)
  if(TEST asan.robustness.public_captures)
    set_tests_properties(asan.robustness.public_captures PROPERTIES COST 300)
  endif()
endif()
