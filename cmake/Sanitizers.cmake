# Sanitizers for pgokit's own targets, as one cache variable, and the libFuzzer
# targets that need them. Targets opt in by linking pgokit_sanitizers (the
# server's library does so PUBLIC, so everything built on it follows); no
# global flags are touched.
#
# Cache variables:
#   PGOKIT_SANITIZE  none | address (ASan + UBSan) | thread (TSan)
#   PGOKIT_FUZZ      build the libFuzzer targets (needs PGOKIT_SANITIZE=address)

include_guard(GLOBAL)

set(PGOKIT_SANITIZE "none" CACHE STRING "Sanitizers: none, address (ASan + UBSan) or thread (TSan)")
set_property(CACHE PGOKIT_SANITIZE PROPERTY STRINGS none address thread)

option(PGOKIT_FUZZ "Build libFuzzer targets and their ctests (needs PGOKIT_SANITIZE=address)" OFF)

get_property(_pgokit_sanitizers CACHE PGOKIT_SANITIZE PROPERTY STRINGS)
if(NOT PGOKIT_SANITIZE IN_LIST _pgokit_sanitizers)
  message(FATAL_ERROR "PGOKIT_SANITIZE='${PGOKIT_SANITIZE}' is not one of: ${_pgokit_sanitizers}")
endif()
if(NOT PGOKIT_SANITIZE STREQUAL "none")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR
      "PGOKIT_SANITIZE=${PGOKIT_SANITIZE} needs clang (found ${CMAKE_CXX_COMPILER_ID}); "
      "configure with one of pgokit's toolchains/ files")
  endif()
  if(NOT PGOKIT_STAGE STREQUAL "none")
    # A profile trained on sanitized code describes the sanitizer, not the server.
    message(FATAL_ERROR
      "PGOKIT_SANITIZE=${PGOKIT_SANITIZE} cannot be combined with PGOKIT_STAGE=${PGOKIT_STAGE}; "
      "use the x86_64-asan or x86_64-tsan preset")
  endif()
endif()
if(PGOKIT_FUZZ AND NOT PGOKIT_SANITIZE STREQUAL "address")
  # libFuzzer only finds what a sanitizer turns into a crash; the fuzz ctests
  # would otherwise pass on memory errors.
  message(FATAL_ERROR
    "PGOKIT_FUZZ=ON needs PGOKIT_SANITIZE=address (found '${PGOKIT_SANITIZE}'); "
    "use the x86_64-asan preset")
endif()

add_library(pgokit_sanitizers INTERFACE)
if(PGOKIT_SANITIZE STREQUAL "address")
  target_compile_options(pgokit_sanitizers INTERFACE
    -fsanitize=address,undefined
    # Undefined behaviour fails the test that hit it, as a memory error does.
    -fno-sanitize-recover=undefined
    # Frame-pointer unwinding: complete allocation and free stacks, cheaply.
    -fno-omit-frame-pointer
    # File and line in reports, without the compile time of full debug info.
    -gline-tables-only)
  target_link_options(pgokit_sanitizers INTERFACE -fsanitize=address,undefined)
  if(PGOKIT_FUZZ)
    # Coverage counters and comparison hooks for libFuzzer in every object;
    # executables other than the fuzzer link them to ASan's no-op defaults.
    target_compile_options(pgokit_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
  endif()
elseif(PGOKIT_SANITIZE STREQUAL "thread")
  target_compile_options(pgokit_sanitizers INTERFACE
    -fsanitize=thread
    -fno-omit-frame-pointer
    -gline-tables-only)
  target_link_options(pgokit_sanitizers INTERFACE -fsanitize=thread)
endif()
