# Injected into a user's project by `pgokit pipeline --source-dir` through
# CMAKE_PROJECT_INCLUDE (read after the project's top-level project() call):
# applies the stage's compile and link options (cmake/PGOKit.cmake) to every
# target the project defines from here on, static libraries included, so the
# hot code in a project's libraries is instrumented and optimized too and the
# project itself needs no change.

include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/PGOKit.cmake)

_pgokit_stage_options(_pgokit_compile_options _pgokit_link_options)
add_compile_options(${_pgokit_compile_options})
# Link options reach executables and shared libraries; static libraries are
# archived, not linked, and get their flags from the compile options above.
add_link_options(${_pgokit_link_options})
# pgokit_optimize() calls in the project would add the same flags again.
set_property(GLOBAL PROPERTY PGOKIT_APPLIED_TO_PROJECT ON)

message(STATUS "pgokit: PGOKIT_STAGE=${PGOKIT_STAGE} applied to every target of ${PROJECT_NAME}")
