# FuzzTests.cmake - the libFuzzer harness of the closure state machine (plugin/closure_fuzz.c).
#
# The project compiler stays gcc; libFuzzer comes with clang, so closure_fuzz is built by a
# custom command with clang, from the harness and the sources of the closure target, with
# -fsanitize=fuzzer,address,undefined.  Test fuzz.closure runs it for TCPCLOSE_FUZZ_SECONDS on
# the committed seeds in plugin/fuzz-corpus/ (read only: new inputs go to <build>/fuzz-work/corpus).
# An invariant violation, a sanitizer report or a crash fails the test; the input that caused it
# is in <build>/fuzz-work/artifacts/.  To see what the machine said about it, segment by segment:
#     CLOSURE_FUZZ_TRACE=1 build/closure-fuzz build/fuzz-work/artifacts/crash-...
# To fuzz longer:  build/closure-fuzz -max_total_time=3600 -jobs=2 some-dir plugin/fuzz-corpus
#
# Debian 12 packages: clang-14 and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes; only
# a Recommends of clang-14).  Without a clang that can build a fuzzer, fuzz.closure is still
# registered and fails saying what to install: the suite never passes without having fuzzed.
# -DTCPCLOSE_FUZZ=OFF leaves the harness and the test out on purpose.

option(TCPCLOSE_FUZZ "Build the libFuzzer harness with clang and run fuzz.closure" ON)
set(TCPCLOSE_FUZZ_SECONDS 30 CACHE STRING "How long fuzz.closure fuzzes (libFuzzer -max_total_time), at most 60")

if(TCPCLOSE_FUZZ)
  find_program(TCPCLOSE_CLANG NAMES clang clang-14 clang-15 clang-16 DOC "clang with libFuzzer, for closure_fuzz")
  set(_fuzz_flags -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
                  -fno-sanitize-recover=all -Wall -Wextra)
  if(TCPCLOSE_WERROR)
    list(APPEND _fuzz_flags -Werror)
  endif()

  # Can this clang link a fuzzer?  (clang without libclang-rt-*-dev cannot.)
  set(_fuzz_problem "")
  if(NOT TCPCLOSE_CLANG)
    set(_fuzz_problem "no clang found")
  else()
    set(_probe_dir "${PROJECT_BINARY_DIR}/fuzz-probe")
    file(MAKE_DIRECTORY "${_probe_dir}")
    file(WRITE "${_probe_dir}/probe.c"
         "#include <stddef.h>\n#include <stdint.h>\n"
         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    execute_process(COMMAND "${TCPCLOSE_CLANG}" -fsanitize=fuzzer,address,undefined "${_probe_dir}/probe.c"
                            -o "${_probe_dir}/probe"
                    RESULT_VARIABLE _probe_rc OUTPUT_VARIABLE _probe_out ERROR_VARIABLE _probe_out)
    if(NOT _probe_rc EQUAL 0)
      string(STRIP "${_probe_out}" _probe_out)
      set(_fuzz_problem "${TCPCLOSE_CLANG} cannot link a libFuzzer target (${_probe_rc}: ${_probe_out})")
    endif()
  endif()

  if(_fuzz_problem)
    set(_fuzz_message "fuzz.closure cannot run: ${_fuzz_problem}. On Debian 12: apt-get install clang-14 libclang-rt-14-dev (or configure with -DTCPCLOSE_FUZZ=OFF to leave fuzzing out)")
    message(WARNING "${_fuzz_message}")
    add_test(NAME fuzz.closure COMMAND sh -c "echo \"FAIL: $0\" >&2; exit 1" "${_fuzz_message}")
    set_tests_properties(fuzz.closure PROPERTIES LABELS fuzz)
  else()
    message(STATUS "closure_fuzz: built with ${TCPCLOSE_CLANG}, fuzz.closure runs ${TCPCLOSE_FUZZ_SECONDS} s")
    # The harness and the state machine's sources.
    set(_fuzz_sources "${PROJECT_SOURCE_DIR}/plugin/closure_fuzz.c")
    foreach(_src IN LISTS CLOSURE_SOURCES)
      list(APPEND _fuzz_sources "${PROJECT_SOURCE_DIR}/${_src}")
    endforeach()
    set(_fuzz_args "-I${PROJECT_SOURCE_DIR}/plugin")
    file(GLOB _fuzz_headers CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/plugin/*.h")

    set(TCPCLOSE_FUZZER "${PROJECT_BINARY_DIR}/closure-fuzz")
    add_custom_command(OUTPUT "${TCPCLOSE_FUZZER}"
                       COMMAND "${TCPCLOSE_CLANG}" ${_fuzz_flags} ${_fuzz_args} ${_fuzz_sources} -o "${TCPCLOSE_FUZZER}"
                       DEPENDS ${_fuzz_sources} ${_fuzz_headers}
                       COMMENT "Building closure_fuzz (clang, libFuzzer)"
                       VERBATIM)
    add_custom_target(closure_fuzz ALL DEPENDS "${TCPCLOSE_FUZZER}")

    # A fresh work folder each run; the committed seeds are only read.
    add_test(NAME fuzz.closure
             COMMAND sh -c "rm -rf fuzz-work && mkdir -p fuzz-work/corpus fuzz-work/artifacts && exec \"$0\" \"$@\""
                     "${TCPCLOSE_FUZZER}" -max_total_time=${TCPCLOSE_FUZZ_SECONDS} -timeout=10
                     -print_final_stats=1 -artifact_prefix=fuzz-work/artifacts/
                     fuzz-work/corpus "${PROJECT_SOURCE_DIR}/plugin/fuzz-corpus"
             WORKING_DIRECTORY "${PROJECT_BINARY_DIR}")
    set_tests_properties(fuzz.closure PROPERTIES TIMEOUT 180 LABELS fuzz COST 50)
  endif()
endif()
