# PGOKit: the stage a target is built for, as one cache variable, and the
# compile/link options that stage needs, applied to named targets only.
#
#   include(PGOKit)
#   pgokit_optimize(<target>)
#
# Cache variables:
#   PGOKIT_STAGE            none | instrumented | cs-instrumented | optimized
#   PGOKIT_INSTRUMENTATION  frontend (-fprofile-instr-*) | ir (-fprofile-*)
#   PGOKIT_PROFILE          merged .profdata read by the cs-instrumented and
#                           optimized stages
#
# cs-instrumented is the middle build of context-sensitive PGO (CSPGO): it is
# optimized with an IR profile and instrumented again after inlining, so a
# second training run counts each inlined copy of a function separately. The
# two profiles are merged and the optimized stage reads the result. It needs
# PGOKIT_INSTRUMENTATION=ir: CSPGO extends IR profiles only.
#   PGOKIT_LTO              ThinLTO in the optimized stage (ON; OFF measures PGO alone)
#
# No global flags are touched: a project may optimize one target and leave
# the rest alone.

include_guard(GLOBAL)

set(PGOKIT_STAGE "none" CACHE STRING "Build stage: none, instrumented, cs-instrumented or optimized")
set_property(CACHE PGOKIT_STAGE PROPERTY STRINGS none instrumented cs-instrumented optimized)

set(PGOKIT_INSTRUMENTATION "frontend" CACHE STRING
  "Profile kind: frontend (clang AST counters, portable across arches) or ir (LLVM IR counters)")
set_property(CACHE PGOKIT_INSTRUMENTATION PROPERTY STRINGS frontend ir)

set(PGOKIT_PROFILE "" CACHE FILEPATH "Merged profile (.profdata) for the optimized stage")

option(PGOKIT_LTO "ThinLTO in the optimized stage (OFF only to measure what PGO alone buys)" ON)

option(PGOKIT_PROFILE_SYSTEM_HEADERS
  "Front-end profiles also cover code in system headers (libstdc++, Boost in /usr/include)" ON)

get_property(_pgokit_stages CACHE PGOKIT_STAGE PROPERTY STRINGS)
if(NOT PGOKIT_STAGE IN_LIST _pgokit_stages)
  message(FATAL_ERROR "PGOKIT_STAGE='${PGOKIT_STAGE}' is not one of: ${_pgokit_stages}")
endif()
get_property(_pgokit_kinds CACHE PGOKIT_INSTRUMENTATION PROPERTY STRINGS)
if(NOT PGOKIT_INSTRUMENTATION IN_LIST _pgokit_kinds)
  message(FATAL_ERROR
    "PGOKIT_INSTRUMENTATION='${PGOKIT_INSTRUMENTATION}' is not one of: ${_pgokit_kinds}")
endif()

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  if(NOT PGOKIT_STAGE STREQUAL "none")
    message(FATAL_ERROR
      "PGOKIT_STAGE=${PGOKIT_STAGE} needs clang (found ${CMAKE_CXX_COMPILER_ID}); "
      "configure with one of pgokit's toolchains/ files")
  endif()
endif()

if(PGOKIT_STAGE STREQUAL "optimized" OR PGOKIT_STAGE STREQUAL "cs-instrumented")
  if(NOT PGOKIT_PROFILE)
    message(FATAL_ERROR
      "PGOKIT_STAGE=${PGOKIT_STAGE} needs PGOKIT_PROFILE=<merged .profdata>; "
      "make one with `scripts/pgokit merge`")
  endif()
  if(NOT EXISTS "${PGOKIT_PROFILE}" OR IS_DIRECTORY "${PGOKIT_PROFILE}")
    message(FATAL_ERROR
      "PGOKIT_PROFILE='${PGOKIT_PROFILE}' is not a readable file; "
      "make it with `scripts/pgokit merge`")
  endif()
endif()
if(PGOKIT_STAGE STREQUAL "cs-instrumented" AND NOT PGOKIT_INSTRUMENTATION STREQUAL "ir")
  message(FATAL_ERROR
    "PGOKIT_STAGE=cs-instrumented needs PGOKIT_INSTRUMENTATION=ir: context-sensitive "
    "profiles extend IR profiles only (train an -DPGOKIT_INSTRUMENTATION=ir build first)")
endif()

# The name the binary reports for its stage (e.g. in /health).
if(PGOKIT_STAGE STREQUAL "none")
  set(PGOKIT_STAGE_NAME "release")
else()
  set(PGOKIT_STAGE_NAME "${PGOKIT_STAGE}")
endif()

function(_pgokit_stage_options out_compile out_link)
  set(compile_opts "")
  set(link_opts "")
  # clang's front-end instrumentation skips functions declared in system
  # headers, and its profile reader skips them too: without this the standard
  # library and header-only Boost (most of a server's hot path) get no
  # profile. Needed on both the generate and the use side.
  set(system_headers "")
  if(PGOKIT_INSTRUMENTATION STREQUAL "frontend" AND PGOKIT_PROFILE_SYSTEM_HEADERS)
    set(system_headers "SHELL:-mllvm -system-headers-coverage")
  endif()
  # IR profiles name file-local functions "<source path>;<name>", with the
  # path as the compiler saw it (absolute in CMake builds), so a profile would
  # fit only a checkout at the same path. The file name alone keeps it
  # portable between checkouts and CI workspaces. Compile and link (ThinLTO
  # backends run the context-sensitive part) must agree.
  set(ir_names_compile "")
  set(ir_names_link "")
  if(PGOKIT_INSTRUMENTATION STREQUAL "ir")
    set(ir_names_compile "SHELL:-mllvm -static-func-full-module-prefix=false")
    set(ir_names_link "-Wl,-mllvm,-static-func-full-module-prefix=false")
  endif()
  if(PGOKIT_STAGE STREQUAL "instrumented")
    if(PGOKIT_INSTRUMENTATION STREQUAL "frontend")
      # Counters on clang's AST regions: the profile maps to source, so it
      # stays usable for the other arch's build of the same source.
      list(APPEND compile_opts -fprofile-instr-generate ${system_headers})
      list(APPEND link_opts -fprofile-instr-generate)
    else()
      # Counters on LLVM IR after early inlining: more precise, but tied to
      # the arch and flags it was built with.
      list(APPEND compile_opts -fprofile-generate ${ir_names_compile})
      list(APPEND link_opts -fprofile-generate ${ir_names_link})
    endif()
    # Servers count from many threads; racy increments lose counts.
    list(APPEND compile_opts -fprofile-update=atomic)
  elseif(PGOKIT_STAGE STREQUAL "cs-instrumented")
    # Optimized with the first profile, then counted again after inlining. With
    # ThinLTO the inlining happens at link time, so the link needs both too.
    list(APPEND compile_opts "-fprofile-use=${PGOKIT_PROFILE}" -fcs-profile-generate
      -fprofile-update=atomic ${ir_names_compile})
    list(APPEND link_opts "-fprofile-use=${PGOKIT_PROFILE}" -fcs-profile-generate ${ir_names_link})
    if(PGOKIT_LTO)
      list(APPEND compile_opts -flto=thin)
      list(APPEND link_opts -flto=thin)
    endif()
  elseif(PGOKIT_STAGE STREQUAL "optimized")
    if(PGOKIT_INSTRUMENTATION STREQUAL "frontend")
      list(APPEND compile_opts "-fprofile-instr-use=${PGOKIT_PROFILE}" ${system_headers})
    else()
      list(APPEND compile_opts "-fprofile-use=${PGOKIT_PROFILE}" ${ir_names_compile})
      # ThinLTO's backends read the context-sensitive part of an IR profile.
      list(APPEND link_opts "-fprofile-use=${PGOKIT_PROFILE}" ${ir_names_link})
    endif()
    # Say when the profile does not fit the source instead of staying quiet;
    # the pipeline counts these diagnostics and gates on them.
    list(APPEND compile_opts
      -Wprofile-instr-out-of-date -Wprofile-instr-unprofiled -Wprofile-instr-missing)
    # ThinLTO lets profile-driven inlining cross translation units.
    if(PGOKIT_LTO)
      list(APPEND compile_opts -flto=thin)
      list(APPEND link_opts -flto=thin)
    endif()
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
      # BOLT 19 cannot rewrite return-address-signed (PAC) code; keep it off
      # so the optimized binary stays BOLT-able.
      list(APPEND compile_opts -mbranch-protection=none)
    endif()
    list(APPEND link_opts
      # BOLT rewrites the linked binary and needs its relocations.
      -Wl,--emit-relocs
      # Keep .text.hot/.text.unlikely apart: visible proof the profile was used.
      -Wl,-z,keep-text-section-prefix
      # Bind every symbol at load time: BOLT's -plt=hot calls hot library
      # functions through their GOT slots, which must then hold the final
      # address (and the GOT can become read-only: full RELRO).
      -Wl,-z,now)
  endif()
  set(${out_compile} "${compile_opts}" PARENT_SCOPE)
  set(${out_link} "${link_opts}" PARENT_SCOPE)
endfunction()

# pgokit_optimize(<target>): build <target> for PGOKIT_STAGE.
function(pgokit_optimize target)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "pgokit_optimize: no target named '${target}'")
  endif()
  get_property(applied GLOBAL PROPERTY PGOKIT_APPLIED_TO_PROJECT)
  if(applied)
    # PGOKitProject.cmake already applies the stage to every target.
    return()
  endif()
  _pgokit_stage_options(compile_opts link_opts)
  target_compile_options(${target} PRIVATE ${compile_opts})
  target_compile_definitions(${target} PRIVATE PGOKIT_BUILD_STAGE="${PGOKIT_STAGE_NAME}")
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE" OR type STREQUAL "SHARED_LIBRARY" OR type STREQUAL "MODULE_LIBRARY")
    target_link_options(${target} PRIVATE ${link_opts})
  endif()
  if(PGOKIT_STAGE STREQUAL "optimized" OR PGOKIT_STAGE STREQUAL "cs-instrumented")
    # A new profile must rebuild every object compiled with it.
    get_target_property(sources ${target} SOURCES)
    if(sources)
      set_property(SOURCE ${sources} TARGET_DIRECTORY ${target}
        APPEND PROPERTY OBJECT_DEPENDS "${PGOKIT_PROFILE}")
    endif()
  endif()
endfunction()
